// `concord run` and `concord gen` ended by a signal part-way (Ctrl-C, a CI job's SIGTERM): they
// ended by it without a word, where bench, verify and main say what they left (cli/ending-signal.ts).
// Now run says how many of its --repeat runs completed and their median (under --json in its failure
// object, "ok": false first), gen at which transaction of how many it stopped and that its file was
// not written; each still ends by the signal, leaves no partial file, and a process the executor
// started goes with it (impl/process-tree.ts). The module here says on stderr when it has run a
// few times, so that the signal lands among the timed runs whatever the machine's speed.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { signalWhen } from './signal-child.js';

const reference = new URL('../dist/spec/reference.js', import.meta.url).href;
const example = new URL('../examples/transfer.json', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'concord-run-gen-signal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A module that runs the reference, says "ran 5" on stderr at its fifth call and, at its first, starts a `sleep` whose pid goes to `pidFile`. */
function counting(pidFile: string): string {
  const file = join(dir, 'counting.mjs');
  writeFileSync(file, `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { executeReference } from '${reference}';
let calls = 0;
export default { name: 'counting', async execute(block) {
  if (++calls === 1) writeFileSync(${JSON.stringify(pidFile)}, String(spawn('sleep', ['47'], { stdio: 'ignore' }).pid));
  if (calls === 5) process.stderr.write('ran 5\\n');
  return executeReference(block);
}, async close() {} };
`);
  return file;
}

/** Whether process `pid` is still running (not gone, not a zombie), after up to 2 s for a SIGKILL to land. */
async function running(pid: number): Promise<boolean> {
  const alive = () => existsSync(`/proc/${pid}/stat`) && /\) [^ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  for (const t = Date.now(); alive() && Date.now() - t < 2000;) await new Promise((r) => setTimeout(r, 20));
  if (!alive()) return false;
  process.kill(pid, 'SIGKILL');
  return true;
}

const MEDIAN = /their median \d+\.\d\d ms \([\d,]+ tx\/s\)/;

describe('run stopped by a signal', () => {
  it('says how many of its timed runs completed and their median, ends by the signal, and its module\'s child goes with it', async () => {
    const pidFile = join(dir, 'sigint.pid');
    const r = await signalWhen(['run', example, '--executor', counting(pidFile), '--repeat', '100000', '--warmup', '0'], (stderr) => stderr.includes('ran 5'), 'SIGINT');
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGINT']);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(new RegExp(`^concord run: stopped by SIGINT after ([\\d,]+) of 100,000 timed runs of ${example.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} completed; ${MEDIAN.source}$`));
    expect(Number(/after ([\d,]+) of/.exec(last)![1]!.replace(/,/g, ''))).toBeGreaterThanOrEqual(4);
    // One end: no summary after the line.
    expect(r.stdout).toBe('');
    if (process.platform === 'linux') expect(await running(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('under --json prints one failure object, "ok": false first, with the runs that completed', async () => {
    const pidFile = join(dir, 'sigterm.pid');
    const r = await signalWhen(['run', example, '--executor', counting(pidFile), '--repeat', '100000', '--warmup', '0', '--json'], (stderr) => stderr.includes('ran 5'), 'SIGTERM');
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGTERM']);
    const said = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(said)[0]).toBe('ok');
    expect(said).toEqual({
      ok: false, block: example, executor: 'counting', repeat: 100000, completedRuns: expect.any(Number), warmupRuns: 0,
      medianMs: expect.any(Number), txPerSecond: expect.any(Number), error: expect.stringMatching(/^stopped by SIGTERM after [\d,]+ of 100,000 timed runs/),
    });
    expect(said.completedRuns as number).toBeGreaterThanOrEqual(4);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(`concord run: ${String(said.error)}`);
    if (process.platform === 'linux') expect(await running(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('during the warm-up says that no timed run completed', async () => {
    const r = await signalWhen(['run', example, '--executor', counting(join(dir, 'warm.pid')), '--repeat', '10', '--warmup', '600000'], (stderr) => stderr.includes('ran 5'), 'SIGTERM');
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGTERM']);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^concord run: stopped by SIGTERM during the warm-up of \S+transfer\.json \([\d,]+ warm-up runs completed\): none of 10 timed runs completed$/);
  });
});

describe('gen stopped by a signal', () => {
  // gen says nothing until it is done: the signal comes 300 ms after it listens for it, as a
  // preloaded script says on stderr, into the seconds a 1,000,000-transaction block takes to make.
  const preload = join(dir, 'says-listening.mjs');
  writeFileSync(preload, `const on = process.on.bind(process);
process.on = (event, listener) => {
  if (event === 'SIGINT') process.stderr.write('listening\\n');
  return on(event, listener);
};
`);
  const listening = ['--import', pathToFileURL(preload).href];
  const after = (ms: number) => {
    let since: number | undefined;
    return (stderr: string) => {
      if (since === undefined && stderr.includes('listening')) since = Date.now();
      return since !== undefined && Date.now() - since > ms;
    };
  };
  /** The line gen left, after the preload's. */
  const left = (stderr: string) => stderr.trim().split('\n').at(-1);
  const stopped = (signal: string, left: string) => new RegExp(`^concord gen: stopped by ${signal} (before the block was made|at transaction [\\d,]+ of 1,000,000 \\([\\d,]+ made\\)); ${left}$`);

  it('says at which transaction of how many it stopped, and leaves no file, not even a partial one', async () => {
    const out = join(dir, 'gen', 'big.json');
    const r = await signalWhen(['gen', '--txs', '1000000', '-o', out], after(300), 'SIGINT', listening);
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGINT']);
    expect(left(r.stderr)).toMatch(stopped('SIGINT', `${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} was not written`));
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(dir, 'gen')) ? readdirSync(join(dir, 'gen')) : []).toEqual([]);
  });

  it('leaves a file that was there as it was, and says so; to standard output, writes nothing', async () => {
    const out = join(dir, 'there.json');
    writeFileSync(out, 'what was here before\n');
    const r = await signalWhen(['gen', '--txs', '1000000', '-o', out], after(300), 'SIGTERM', listening);
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGTERM']);
    expect(left(r.stderr)).toMatch(stopped('SIGTERM', `${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is left as it was`));
    expect(readFileSync(out, 'utf8')).toBe('what was here before\n');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const piped = await signalWhen(['gen', '--txs', '1000000'], after(300), 'SIGTERM', listening);
    expect([piped.code, piped.signal, piped.stdout], piped.stderr).toEqual([null, 'SIGTERM', '']);
    expect(left(piped.stderr)).toMatch(stopped('SIGTERM', 'nothing was written to standard output'));
  });
});
