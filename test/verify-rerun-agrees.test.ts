// Three things a new user's audit found in what `concord verify` reports of a failure, each pinned
// through the command: the failure is explained as its printed rerun reproduces it (the value an
// earlier block left, the request number of a kept pre-state), not as the instance that found it
// after many other blocks saw it; a token made on one `exec:` command line replays on another only
// with --other-command, which says so; and "blocks checked" counts the generated runs, with the
// blocks run shrinking and rerunning the counterexample counted apart.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { capturedVerify } from './verify-capture.js';

const dir = mkdtempSync(join(tmpdir(), 'concord-rerun-agrees-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dist = (p: string) => new URL(`../dist/${p}`, import.meta.url).href;
const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const engine = new URL('../examples/exec-engine.mjs', import.meta.url).pathname;

function writeModule(name: string, body: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, `import { executeReference } from '${dist('spec/reference.js')}';\nimport { blockResult } from '${dist('spec/result.js')}';\n${body}\n`);
  return file;
}

/** The built CLI in a process of its own, as a user runs it. */
function concord(args: readonly string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

/** A failure's printed rerun command, run by a shell as a user pastes it, with --json. */
function rerun(command: string) {
  return spawnSync('sh', ['-c', `${command.replace(/^.*? run /, `'${process.execPath}' '${cli}' run `)} --json`], { encoding: 'utf8' });
}

/** `concord verify` in process, as the CLI runs it. */
const verify = capturedVerify();

afterEach(() => vi.restoreAllMocks());

// The audit's cache-bad.mjs: the first value it sees at a key is the one it uses at that key in
// every block after, so a block fails only after one that showed it another value.
const keepsPreState = writeModule('keeps-pre-state-values', `export default function create() {
  const cache = new Map();
  return { name: 'keeps-pre-state-values', async execute(block) {
    const view = new Map([...block.preState].map(([k, v]) => [k, cache.has(k) ? cache.get(k) : v]));
    for (const [k, v] of block.preState) if (!cache.has(k)) cache.set(k, v);
    return executeReference({ ...block, preState: view });
  }, async close() {} };
}`);

describe('a failure that fails only after earlier blocks', () => {
  // Verify said actual 60 (the value left after the many blocks the instance had run) where its
  // printed rerun, after the one block it needs, said 7, and lacked the rerun's "left at" reading.
  it('is explained as its printed rerun, after the blocks it lists, explains it', async () => {
    const json = await verify({ executor: [keepsPreState], runs: '200', seed: '1', out: join(dir, 'keeps'), json: true });
    expect(json.code).toBe(1);
    const [f] = JSON.parse(json.stdout).failures;
    expect(f).toMatchObject({ failsOnly: 'after earlier blocks', rerun: expect.stringContaining(' --after ') });
    const again = rerun(f.rerun);
    expect(again.status, again.stderr).toBe(1);
    const { difference } = JSON.parse(again.stdout).check;
    expect(f.explanation.detail).toMatch(/ is what earlier block \d+ \(of those --after ran first\) left at /);
    expect(f.explanation).toEqual(difference);
  });
});

// The audit's keep.mjs: an engine that says it keeps the pre-state, then applies each block's writes to it.
const keepEngine = join(dir, 'keep-engine.mjs');
writeFileSync(keepEngine, `import { createInterface } from 'node:readline';
import { executeReference } from '${dist('spec/reference.js')}';
let kept = null;
for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line);
  const b = request.block;
  if (b.preState) kept = new Map(b.preState);
  const block = { programs: b.programs.map((p) => ({ ...p, code: Float64Array.from(p.code) })), txs: b.txs, preState: new Map(kept), gasLimit: b.gasLimit };
  const r = executeReference(block);
  const writes = [];
  for (const [k, v] of r.state) if (block.preState.get(k) !== v) writes.push([k, v]);
  for (const k of block.preState.keys()) if (!r.state.has(k)) writes.push([k, 0]);
  for (const [k, v] of writes) kept.set(k, v);
  process.stdout.write(JSON.stringify({ id: request.id, writes, receipts: r.receipts, reads: r.reads, stats: { ...r.stats, executeMs: 0.01 }, keepsPreState: true }) + '\\n');
}
`);

describe('a failure of an engine that changed the pre-state it keeps', () => {
  // Verify said preStateOf: request 933 (the instance that found it had answered 932 requests
  // before), where the printed rerun said request 1.
  it('names the request its printed rerun sends the pre-state as', async () => {
    const json = await verify({ executor: [`exec:node ${keepEngine}`], runs: '200', seed: '1', out: join(dir, 'keep'), json: true });
    expect(json.code).toBe(1);
    const [f] = JSON.parse(json.stdout).failures;
    expect(f.explanation.preStateOf).toEqual(expect.any(Number));
    const again = rerun(f.rerun);
    expect(again.status, again.stderr).toBe(1);
    expect(f.explanation).toEqual(JSON.parse(again.stdout).check.difference);
  });
});

// Wrong on every block of 5 transactions or more, and counting every execute() in the process.
const calls = { all: 0, firstWrong: 0 };
(globalThis as { rerunAgreesCalls?: typeof calls }).rerunAgreesCalls = calls;
const wrongFromFive = writeModule('wrong-from-five', `export default function create() {
  const calls = globalThis.rerunAgreesCalls;
  return { name: 'wrong-from-five', async execute(block) {
    calls.all++;
    const r = executeReference(block);
    if (block.txs.length < 5) return r;
    if (calls.firstWrong === 0) calls.firstWrong = calls.all;
    return blockResult(new Map([...r.state, [99999, 1]]), [...r.receipts], r.reads, r.stats);
  }, async close() {} };
}`);

describe('the blocks a failing run checked', () => {
  // 852 blocks checked at --runs 200 for an engine where a passing run checks 355: the shrinker's
  // and the reruns' tries were counted as checked.
  it('are its generated runs, up to the first that failed, with the shrink and rerun tries counted apart', async () => {
    const out = join(dir, 'counts');
    Object.assign(calls, { all: 0, firstWrong: 0 });
    const json = await verify({ executor: [wrongFromFive], runs: '200', out, json: true });
    expect(json.code).toBe(1);
    const j = JSON.parse(json.stdout);
    // Every execute() before the first wrong one was a generated run, and that one was the last.
    expect(j.blocksChecked).toBe(calls.firstWrong);
    expect(j.shrinkBlocks).toBeGreaterThan(0);
    expect(j.blocksChecked + j.shrinkBlocks).toBe(calls.all);
    expect(j.executors[0]).toMatchObject({ blocksChecked: j.blocksChecked, shrinkBlocks: j.shrinkBlocks, shrinkSchedules: 0 });
    expect(j.shrinkMs).toBeLessThanOrEqual(j.elapsedMs);
    Object.assign(calls, { all: 0, firstWrong: 0 });
    const text = await verify({ executor: [wrongFromFive], runs: '200', out });
    expect(text.stdout).toMatch(new RegExp(`^${calls.firstWrong} blocks checked \\(\\d+/s\\), 0 schedules explored \\(0/s\\) in \\d+\\.\\d s, `
      + `and ${calls.all - calls.firstWrong} blocks more in \\d+\\.\\d s shrinking and rerunning counterexamples; seed 1, shard 1/1$`, 'm'));
  });
});

describe('a replay token of an exec: engine', () => {
  const made = `exec:node ${engine} --fail-on-tx 1`;
  // The same engine by another command line, as a debug build or another checkout's path is.
  const other = `${made} --debug-build`;

  it('replays on another command line only with --other-command, which says so, and keeps every other check', () => {
    const found = concord(['verify', '--executor', made, '--runs', '200', '--out', join(dir, 'exec'), '--json']);
    expect(found.status, found.stderr).toBe(1);
    const { token } = JSON.parse(found.stdout).failures[0];
    const refused = concord(['verify', '--replay', token, '--executor', other]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/; to replay the token's block and settings on another command line \(a debug build, another path\), add --other-command\n$/);
    const text = concord(['verify', '--replay', token, '--executor', other, '--other-command', '--out', join(dir, 'exec')]);
    expect(text.status, text.stderr).toBe(1);
    const [first, fail] = text.stdout.split('\n');
    expect(first).toBe(`replaying on '${other}' (--other-command), not on the command the token was made with, '${made}': `
      + 'the same block, check, seed, shrink path and settings, checked as strictly; a failure below names this command, and its new token replays on it');
    expect(fail).toMatch(new RegExp(`^FAIL ${other.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: equivalence check`));
    expect(text.stdout).toMatch(/^ {2}replay {7}.* --replay cv\d_\S+ --executor '.* --debug-build'/m);
    const json = JSON.parse(concord(['verify', '--replay', token, '--executor', other, '--other-command', '--out', join(dir, 'exec'), '--json']).stdout);
    expect(json).toMatchObject({ ok: false, reproduced: true, executors: [other], otherCommand: { token: made } });
    // On a build without the bug the block passes: what a user replaying on a fixed build wants to see.
    const fixed = concord(['verify', '--replay', token, '--executor', `exec:node ${engine}`, '--other-command', '--out', join(dir, 'exec'), '--json']);
    expect([fixed.status, JSON.parse(fixed.stdout)]).toEqual([0, expect.objectContaining({ ok: true, reproduced: false })]);
    // The token's settings are still its own, and the opt-in needs a token and one exec: command.
    expect(concord(['verify', '--replay', token, '--executor', other, '--other-command', '--modules', '2']).status).toBe(2);
    const alone = concord(['verify', '--executor', other, '--other-command']);
    expect([alone.status, alone.stderr]).toEqual([2, expect.stringContaining('--other-command replays a token on another exec: command: give it with --replay TOKEN')]);
    const none = concord(['verify', '--replay', token, '--other-command']);
    expect([none.status, none.stderr]).toEqual([2, expect.stringContaining("--other-command: give the one command to replay the token's block on with --executor 'exec:COMMAND'")]);
  });
});
