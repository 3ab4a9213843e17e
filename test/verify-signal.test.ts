// `concord verify` ended by a signal part-way (a CI job's timeout sends SIGTERM, a user presses
// Ctrl-C): it prints the report of what it found before, as a failing run prints it (each
// counterexample with its block file, rerun and replay), with a `stopped` line saying how far it
// got, once and never as a pass, and the process ends by that signal. The executors here say on a
// channel the test watches where they are (a file made on the first execute(), a line on stderr
// as the module loads), so the signal lands there whatever the machine's speed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, signalWhen, type Ended } from './signal-child.js';

const root = new URL('../', import.meta.url);
const buggy = new URL('test/fixtures/verify/batch-executor.mjs', root).pathname;
const dir = mkdtempSync(join(tmpdir(), 'concord-verify-signal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** signalWhen with --timeout 30, which bounds an executor's hold: a signal never sent fails the test instead of hanging it. */
const stopWhen = (args: readonly string[], ready: (stderr: string) => boolean, signal: NodeJS.Signals): Promise<Ended> =>
  signalWhen([...args, '--timeout', '30'], ready, signal);

/**
 * A correct executor module taking 100 ms over each block (a batch of 50 is 5 s), which makes
 * `started` on its first execute(): a run that reached it is still in its first check.
 */
function slowModule(name: string): { module: string; started: string } {
  const module = join(dir, `${name}.mjs`);
  const started = join(dir, `${name}.started`);
  writeFileSync(module, `import { writeFileSync } from 'node:fs';
import { executeReference } from '${new URL('dist/spec/reference.js', root).href}';
export default {
  name: '${name}',
  async execute(block) {
    writeFileSync(${JSON.stringify(started)}, '');
    await new Promise((resolve) => setTimeout(resolve, 100));
    return executeReference(block);
  },
  async close() {},
};
`);
  return { module, started };
}

/** The --json object's parts these tests read. */
interface Report {
  ok: boolean;
  stopped: string;
  failures: { executor: string; blockFile: string; replay: string; rerun: string }[];
  executors: { name: string; failed: boolean; stopped?: true; checks: { name: string; status: string; batches: number; of: number }[] }[];
}

/** The line of a run stopped in the first check of slowModule(`name`) at `module`, after the executors before it (`done` of `of`). */
const stoppedIn = (signal: string, done: number, of: number, name: string, module: string) => new RegExp(
  `^stopped by ${signal} after checking ${done} of ${of} executors? \\(\\d+ blocks? checked\\); ${name} \\(${module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\) `
  + 'was in its equivalence check \\(\\d/4 batches run\\), after 0 of its 5 checks$',
);

describe('verify stopped by a signal', () => {
  it('prints the failures it found and where it stopped, once, and ends by the signal', async () => {
    const { module, started } = slowModule('slow');
    const out = join(dir, 'text-out');
    // The buggy executor fails its first check in a second or so; the slow one, checked after it, is then in its first.
    const r = await stopWhen(['verify', '--executor', `${buggy},${module}`, '--runs', '200', '--out', out], () => existsSync(started), 'SIGTERM');
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGTERM']);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    // The counterexample as a failing run prints it, once: its block file with its rerun, and its replay.
    expect(lines.filter((l) => l.startsWith('FAIL '))).toEqual([expect.stringMatching(/^FAIL batch-executor \(\S+\): equivalence check \(threads \d\), shrunk to 2 transactions/)]);
    const file = /^ {2}block file {3}(\S+\.block\.json) {2}\(rerun: .* run \1 --executor \S+batch-executor\.mjs --threads \d --warmup 0 --check\)$/m.exec(r.stdout);
    expect(file?.[1], r.stdout).toBeDefined();
    expect(existsSync(file![1]!)).toBe(true);
    expect(r.stdout).toMatch(/^ {2}replay {7}.* verify --replay cv8_\S+ --out \S+$/m);
    // The summary says which executor failed and which the signal stopped; the last line, how far it got, and it is no pass.
    expect(r.stdout).toMatch(/^ {2}batch-executor \(\S+\) +\d+ blocks .* FAILED$/m);
    expect(r.stdout).toMatch(/^ {2}slow \(\S+\) +\d+ blocks .* stopped before its checks had all run$/m);
    expect(lines.at(-1)).toMatch(stoppedIn('SIGTERM', 1, 2, 'slow', module));
    expect(r.stdout).not.toMatch(/all properties hold/);
  });

  it('prints one JSON object like a failing run\'s, with ok false and `stopped`, and says so on stderr', async () => {
    const { module, started } = slowModule('slow-json');
    const r = await stopWhen(['verify', '--executor', `${buggy},${module}`, '--runs', '200', '--out', join(dir, 'json-out'), '--json'], () => existsSync(started), 'SIGINT');
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGINT']);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(r.stdout) as Report;
    expect(j.ok).toBe(false);
    expect(j.stopped).toMatch(stoppedIn('SIGINT', 1, 2, 'slow-json', module));
    expect(j.failures.map((f) => f.executor)).toEqual([buggy]);
    expect(existsSync(j.failures[0]!.blockFile)).toBe(true);
    expect(j.failures[0]!.rerun).toMatch(/ run \S+\.block\.json --executor /);
    expect(j.executors.map((e) => [e.name, e.failed, e.stopped])).toEqual([[buggy, true, undefined], [module, false, true]]);
    // Every check of the stopped executor says so: the one it was in with the batches that ran, the others none.
    expect(j.executors[1]!.checks.map((c) => c.status)).toEqual(['stopped', 'stopped', 'stopped', 'stopped', 'stopped']);
    expect(j.executors[1]!.checks.slice(1).map((c) => c.batches)).toEqual([0, 0, 0, 0]);
    // The log of a CI job whose stdout went to a file: the failure with its replay, then the stop, once each.
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^concord verify: FAIL batch-executor .*; replay: .* verify --replay cv8_\S+ --out \S+$/),
      `concord verify: ${j.stopped}`,
    ]);
  });

  it('says it was stopped, never passed, when nothing had failed yet', async () => {
    const { module, started } = slowModule('slow-alone');
    const r = await stopWhen(['verify', '--executor', module, '--runs', '200', '--out', join(dir, 'alone-out'), '--json'], () => existsSync(started), 'SIGHUP');
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGHUP']);
    const j = JSON.parse(r.stdout) as Report;
    expect([j.ok, j.failures]).toEqual([false, []]);
    expect(j.stopped).toMatch(stoppedIn('SIGHUP', 0, 1, 'slow-alone', module));
    expect(r.stderr).toBe(`concord verify: ${j.stopped}\n`);
  });

  it('says so when stopped before any check ran, as the executors load', async () => {
    const loading = join(dir, 'loading.mjs');
    writeFileSync(loading, "process.stderr.write('loading.mjs: loaded\\n');\nawait new Promise((resolve) => setTimeout(resolve, 60000));\nexport default { name: 'loading', async execute() {}, async close() {} };\n");
    const r = await stopWhen(['verify', '--executor', loading, '--out', join(dir, 'loading-out'), '--json'], (stderr) => stderr.includes('loading.mjs: loaded'), 'SIGTERM');
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGTERM']);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, stopped: 'stopped by SIGTERM before any check ran', error: 'stopped by SIGTERM before any check ran' });
    expect(r.stderr).toBe('loading.mjs: loaded\nconcord verify: stopped by SIGTERM before any check ran\n');
  });

  it('writes no block file after its report, which said none was found, while the report drains', async () => {
    // Wrong on every block: its first execute() fills stdout with 2 MB (the test reads it only 1.3 s
    // after the signal, within the 2 s a report may take to drain) and takes 300 ms, after which the
    // run, going on while the report drains, found the failure, shrank it and wrote its block file
    // (here 0.1 s later), which the report printed before names nowhere.
    const module = join(dir, 'wrong-later.mjs');
    const started = join(dir, 'wrong-later.started');
    writeFileSync(module, `import { writeFileSync } from 'node:fs';
import { executeReference } from '${new URL('dist/spec/reference.js', root).href}';
let calls = 0;
export default {
  name: 'wrong-later',
  async execute(block) {
    if (calls++ === 0) {
      process.stdout.write('#'.repeat(2000000) + '\\n');
      writeFileSync(${JSON.stringify(started)}, '');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const result = executeReference(block);
    return { ...result, receipts: result.receipts.map((r) => ({ ...r, gasUsed: r.gasUsed + 1 })) };
  },
  async close() {},
};
`);
    const out = join(dir, 'later-out');
    const child = spawn(process.execPath, [CLI, 'verify', '--executor', module, '--runs', '200', '--out', out, '--timeout', '30'], { env: { ...process.env, CI: '1' } });
    child.stdout.pause();
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const poll = setInterval(() => {
      if (!existsSync(started)) return;
      clearInterval(poll);
      child.kill('SIGTERM');
      setTimeout(() => child.stdout.resume(), 1300);
    }, 20);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('close', (c, sig) => done([c, sig])));
    clearInterval(poll);
    expect([code, signal]).toEqual([null, 'SIGTERM']);
    expect(stdout.trim().split('\n').at(-1)).toMatch(/^stopped by SIGTERM after checking 0 of 1 executor \(\d+ blocks? checked\); wrong-later /);
    expect(stdout).not.toMatch(/^FAIL /m);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it('--replay --repeat: the failure and the run it failed on, or how many runs passed', async () => {
    // One module path for the failure and both replays: buggy until the file 'fixed' exists, then
    // correct and slow (20 ms a block), making 'started' on its third execute(); with 'armed', its
    // close() (after the failure, in a replay that fails) makes 'closing' and takes 3 s.
    const files = Object.fromEntries(['fixed', 'armed', 'started', 'closing'].map((f) => [f, join(dir, `replayed.${f}`)]));
    const module = join(dir, 'replayed.mjs');
    writeFileSync(module, `import { existsSync, writeFileSync } from 'node:fs';
import create from ${JSON.stringify(buggy)};
import { executeReference } from '${new URL('dist/spec/reference.js', root).href}';
const files = ${JSON.stringify(files)};
const fixed = existsSync(files.fixed);
const armed = existsSync(files.armed);
let calls = 0;
export default function () {
  const inner = create();
  return {
    name: 'replayed',
    async execute(block, options) {
      if (!fixed) return inner.execute(block, options);
      if (++calls === 3) writeFileSync(files.started, '');
      await new Promise((resolve) => setTimeout(resolve, 20));
      return executeReference(block);
    },
    async close() {
      if (!armed) return;
      writeFileSync(files.closing, '');
      await new Promise((resolve) => setTimeout(resolve, 3000));
    },
  };
}
`);
    const out = join(dir, 'replay-out');
    const found = spawnSync(process.execPath, [CLI, 'verify', '--executor', module, '--runs', '200', '--out', out, '--json'], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
    const { token } = (JSON.parse(found.stdout) as { failures: { token: string }[] }).failures[0]!;

    // Failed again on its first run, stopped as the instance closes: the failure in full, then the line.
    writeFileSync(files.armed!, '');
    const failed = await stopWhen(['verify', '--replay', token, '--repeat', '5', '--out', out], () => existsSync(files.closing!), 'SIGTERM');
    expect([failed.code, failed.signal], failed.stderr).toEqual([null, 'SIGTERM']);
    const lines = failed.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('FAIL '))).toEqual([expect.stringMatching(/^FAIL replayed \(\S+\): equivalence check/)]);
    expect(lines).toContain('  replayed     failed on run 1 of up to 5');
    const file = /^ {2}block file {3}(\S+\.block\.json) /m.exec(failed.stdout);
    expect(existsSync(file![1]!)).toBe(true);
    expect(lines.at(-1)).toBe('stopped by SIGTERM after the replayed block failed again on run 1 (of up to 5), before verify had finished');

    // Fixed: every run passes, and the signal comes among 100,000 of them.
    rmSync(files.armed!);
    writeFileSync(files.fixed!, '');
    const passing = await stopWhen(['verify', '--replay', token, '--repeat', '100000', '--out', out, '--json'], () => existsSync(files.started!), 'SIGINT');
    expect([passing.code, passing.signal], passing.stderr).toEqual([null, 'SIGINT']);
    const j = JSON.parse(passing.stdout) as { ok: boolean; reproduced: boolean; runs: number; failures: unknown[]; stopped: string };
    expect([j.ok, j.reproduced, j.failures]).toEqual([false, false, []]);
    expect(j.runs).toBeGreaterThanOrEqual(1);
    expect(j.stopped).toBe(`stopped by SIGINT after ${j.runs} run${j.runs === 1 ? '' : 's'} of the replayed block (of up to 100,000), none of which failed`);
    expect(passing.stderr).toBe(`concord verify: ${j.stopped}\n`);
  });

  it('--planted: the bugs caught so far, the others halted, not MISSED', async () => {
    const out = join(dir, 'planted-out');
    // A catch's block file is written as its report is made, before the next bug's turn.
    const caught = () => existsSync(out) && readdirSync(out).some((f) => f.endsWith('.block.json'));
    const r = await stopWhen(['verify', '--planted', '--executor', 'block-stm', '--out', out], caught, 'SIGTERM');
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGTERM']);
    const lines = r.stdout.trim().split('\n');
    const last = /^stopped by SIGTERM after checking (\d+) of 9 planted bugs \(\d+ blocks checked\); planted:\S+ was in its \S+ check/.exec(lines.at(-1)!);
    expect(last, r.stdout).not.toBeNull();
    const done = Number(last![1]);
    const rows = lines.slice(0, 8).map((l) => l.split(' ')[0]);
    expect(rows.filter((w) => w === 'caught')).toHaveLength(done);
    expect(rows.filter((w) => w === 'halted')).toHaveLength(8 - done);
    expect(done).toBeGreaterThanOrEqual(1);
    expect(r.stdout).toMatch(/^FAIL planted:skip-validation: /m);
    expect(r.stdout).not.toMatch(/MISSED|hint:/);
    expect(lines.at(-2)).toBe(`planted bugs caught: ${done}/9`);
  });
});
