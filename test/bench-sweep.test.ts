// `concord bench` end to end on tiny blocks: the results file is valid and complete (baseline and
// executors at every thread count, interleaved samples with busy flags, the ideal bound, start-up
// apart), wrong or crashing executors are reported and fail the command; plus the default thread
// counts and suite, the machine facts, the noise arithmetic and the progress helper's silence
// rules.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { benchCommand, REJECTED_RESULTS, rerunWrong, threadList, validResults } from '../cli/bench.js';
import { UsageError } from '../cli/errors.js';
import { UnknownExecutorError } from '../impl/registry.js';
import { createProgress } from '../cli/progress.js';
import { BUSY_FOREIGN_CORES, isBusy, machineFacts, noiseBetween } from '../bench/machine.js';
import { parseResults, serializeResults } from '../reports/schema.js';
import { QUICK_CORES_AT_END } from '../reports/cores.js';
import { sampleResults } from './report-fixture.js';
import { summarize } from '../reports/summary.js';
import { allowedCpus } from '../bench/core-speeds.js';
import { CUSTOM_GROUP, defaultSuite, fromFile, generated, LARGE_STATE_ACCOUNTS, LARGE_STATE_GROUP, allSharedPreState, withSharedPreState } from '../bench/suite.js';
import { SharedState } from '../spec/shared-state.js';
import { generate } from '../bench/workloads.js';
import { runLabels, sweep } from '../bench/sweep.js';
import { canPin, threadCpuList } from './helpers.js';

// The machine is one for every bench this file runs: its cores and ceilings are probed afresh by
// the first (--quick: before its sweep alone), whose test checks their records, and reused by the
// others (helpers.ts).
const probes = vi.hoisted(() => ({ afresh: false }));
vi.mock('../bench/core-speeds.js', async (original) => (await import('./helpers.js')).measuredOnce(await original<typeof import('../bench/core-speeds.js')>(), 'probeCoreSpeeds', () => probes.afresh));
vi.mock('../bench/ceiling.js', async (original) => (await import('./helpers.js')).measuredOnce(await original<typeof import('../bench/ceiling.js')>(), 'threadCeiling', () => probes.afresh));

const dir = mkdtempSync(join(tmpdir(), 'concord-bench-'));
const tiny = { workload: 'p2p', accounts: '10', txs: '40', hashCost: '0', threads: '1,2', quick: true };

function module(name: string, body: string): string {
  const path = join(dir, `${name}.mjs`);
  writeFileSync(path, body);
  return path;
}

const STATS = "{ executions: block.txs.length, reExecutions: 0, validations: 0, failedValidations: 0, estimateWaits: 0, dependencyResumes: 0, fallback: '' }";

describe('runLabels', () => {
  const named = (name: string) => ({ name, execute: async () => { throw new Error('not run'); }, close: async () => {} });
  it('calls a module by its declared name, beside its path where a registry executor or another module declares the same', () => {
    expect(runLabels(['./a/naive.mjs', 'block-stm'], [named('naive'), named('block-stm')])).toEqual(['naive', 'block-stm']);
    expect(runLabels(['./a/x.mjs', '/b/x.mjs', 'modular'], [named('x'), named('x'), named('modular')])).toEqual(['x (./a/x.mjs)', 'x (/b/x.mjs)', 'modular']);
    expect(runLabels(['./fake.mjs'], [named('block-stm')])).toEqual(['block-stm (./fake.mjs)']);
  });
  it('calls an exec: engine by the name its answers declare (its loaded name), else by its command', () => {
    expect(runLabels(['exec:./engine', 'exec:/abs/engine --fast'], [named('mine'), named('exec:/abs/engine --fast')])).toEqual(['mine', 'exec:/abs/engine --fast']);
    expect(runLabels(['exec:./engine', 'block-stm'], [named('block-stm'), named('block-stm')])).toEqual(['block-stm (exec:./engine)', 'block-stm']);
    expect(runLabels(['exec:./a', './m.mjs'], [named('x'), named('x')])).toEqual(['x (exec:./a)', 'x (./m.mjs)']);
  });
});

describe('concord bench', () => {
  afterEach(() => vi.restoreAllMocks());
  const quiet = () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  };

  it('writes a valid results file with every executor x thread count next to the interleaved baseline', async () => {
    probes.afresh = true;
    onTestFinished(() => { probes.afresh = false; });
    quiet();
    const out = join(dir, 'ok.json');
    const cpusBefore = process.platform === 'linux' ? threadCpuList() : undefined;
    // A user's module counts as parallel (bench refuses one-thread built-ins above 1 thread).
    const ref = module('ref', `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
export default { name: 'ref', execute: async (block) => executeReference(block), close: async () => {} };`);
    expect(await benchCommand({ ...tiny, executor: ref, out })).toBe(0);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    expect(doc.settings).toMatchObject({ quick: true, threads: [1, 2], executors: [ref], baseline: 'sequential' });
    // Each baseline sample carries the CPU its round ran on (Linux), for the fastest-core speedup;
    // where the main thread can be pinned, rounds go to each allowed CPU in turn, and the main
    // thread gets every CPU back afterwards.
    const allowed = allowedCpus();
    const pinnable = canPin && Array.isArray(allowed) && allowed.length > 1;
    expect(doc.settings.baselineCpus).toEqual(pinnable ? allowed : []);
    expect(doc.settings.baselinePinning).toBe(pinnable ? 'each-round' : undefined);
    for (const r of doc.runs.filter((x) => x.role === 'baseline')) {
      if (process.platform === 'linux') expect(r.cpus?.length).toBe(r.samplesMs.length);
      else expect(r.cpus).toBeUndefined();
      // One round a CPU, in turn (bench/sweep.ts roundPlan).
      if (pinnable) expect(r.cpus).toEqual(r.rounds!.map((round) => (allowed as number[])[round % (allowed as number[]).length]));
    }
    if (process.platform === 'linux') expect(threadCpuList()).toBe(cpusBefore);
    // Every sample names its round, in order, so a report can pair the sides round by round.
    for (const r of doc.runs) {
      expect(r.rounds).toHaveLength(r.samplesMs.length);
      expect([...new Set(r.rounds)]).toEqual(Array.from({ length: doc.settings.rounds }, (_, k) => k));
    }
    // Each core timed alone (bench/core-speeds.ts), where taskset allows: under --quick in one
    // pass, before the sweep alone, the end's record saying why it holds no speeds.
    if (canPin) expect(doc.cores!.start).toMatchObject({ speeds: { method: 'taskset', cpus: expect.any(Array), workload: expect.stringMatching(/ x 1 round per CPU$/) } });
    else expect(doc.cores!.start).toEqual({ unavailable: expect.stringMatching(/needs Linux|taskset is not installed/) });
    expect(doc.cores!.end).toEqual(QUICK_CORES_AT_END);
    expect(doc.runs.map((r) => `${r.role}:${r.executor}@${r.threads}`).sort()).toEqual(
      ['baseline:sequential@1', 'baseline:sequential@2', 'executor:ref@1', 'executor:ref@2'],
    );
    for (const r of doc.runs) {
      expect(r.correct).toBe(true);
      expect(r.samplesMs.length).toBeGreaterThanOrEqual(12);
      expect(r.busy).toHaveLength(r.samplesMs.length);
      expect(r.perTx.executions).toBe(1);
    }
    const [w] = doc.workloads;
    expect(w).toMatchObject({ id: 'p2p-a10-t40-s1-h0', group: 'custom', txs: 40 });
    expect(w!.ideal.points.map((p) => p.threads)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    // p2p declares exactly what it touches: the footprint ideal is the ideal (bench/footprint-ideal.ts).
    expect(w!.ideal.footprint!.points).toEqual(w!.ideal.points);
    // A module's runs carry the name it declares, not the path that reached it (settings keep the path).
    expect(doc.startup.map((s) => `${s.executor}@${s.threads}`)).toEqual(['ref@1', 'ref@2']);
    // Two thread counts x --quick's four rounds x two timed tasks (the baseline and ref).
    expect(doc.noise.rounds).toBe(2 * 4 * 2);
    expect(doc.machine.effectiveCores).toBeGreaterThanOrEqual(1);
    // The machine's ceiling at 2 threads (bench/ceiling.ts), measured where 2 threads fit the cores.
    if (doc.machine.effectiveCores >= 2) {
      // --quick measures it before the sweep alone: no `end`, which a full bench measures again after it.
      const measured = { oneMs: expect.any(Number), partsMs: expect.any(Number), ratio: expect.any(Number) };
      expect(doc.ceilings).toEqual([{ threads: 2, workload: 'sequential executor, p2p 1000 accounts x 1000 txs', ...measured }]);
      expect(doc.ceilings![0]!.ratio).toBeCloseTo(doc.ceilings![0]!.oneMs / doc.ceilings![0]!.partsMs, 10);
      // The round trip between two threads before each 2-thread round (null where a probe gave up on a busy machine).
      expect(doc.noise.roundTrips).toEqual([{ workload: 'p2p-a10-t40-s1-h0', threads: 2, ns: Array.from({ length: 4 }, () => expect.toSatisfy((v: number | null) => v === null || v > 0)) }]);
    } else {
      expect(doc.ceilings).toBeUndefined();
      expect(doc.noise.roundTrips).toBeUndefined();
    }
  });

  it('records the ideal at the machine\'s cores for a thread count above them, where the report takes it', async () => {
    quiet();
    const out = join(dir, 'over.json');
    expect(await benchCommand({ ...tiny, executor: 'block-stm', threads: '1,3', out })).toBe(0);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    const at = Math.min(3, doc.machine.effectiveCores);
    for (const w of doc.workloads) expect(w.ideal.points.map((p) => p.threads)).toContain(at);
    const rows = summarize(doc).filter((r) => r.threads === 3);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.ideal).not.toBeNull();
  });

  it('creates the modular executor with --modules and --partition, and records them', async () => {
    quiet();
    const out = join(dir, 'modular.json');
    expect(await benchCommand({ ...tiny, threads: '2', executor: 'modular', modules: '3', partition: 'range', out })).toBe(0);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    expect(doc.settings).toMatchObject({ modules: 3, partition: 'range' });
    const run = doc.runs.find((r) => r.executor === 'modular')!;
    expect(run.correct).toBe(true);
    expect(run.detail?.modules).toBe(3);
  });

  it('--pre-state shared gives every executor a SharedState, names the workload for it, and puts it in the rerun line', async () => {
    quiet();
    const out = join(dir, 'shared.json');
    expect(await benchCommand({ ...tiny, threads: '2', executor: 'block-stm', preState: 'shared', out })).toBe(0);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    expect(doc.workloads.map((w) => [w.id, w.source.preState])).toEqual([['p2p-a10-t40-s1-h0-shared', 'shared']]);
    expect(doc.runs.every((r) => r.correct)).toBe(true);
    const spy = module('spy', `export default { name: 'spy', async execute(block) {
      throw new Error(block.preState.constructor.name + ' ' + Object.prototype.toString.call(block.preState.buffer));
    }, async close() {} };`);
    expect(await benchCommand({ ...tiny, threads: '2', executor: spy, preState: 'shared', json: true })).toBe(1);
    expect(vi.mocked(process.stderr.write).mock.calls.map((c) => String(c[0])).join('')).toContain('SharedState [object SharedArrayBuffer]');
    const rerun = rerunWrong(doc, new Map(), new Set(), { ...doc.runs.find((r) => r.executor === 'block-stm')!, call: 1 });
    expect(rerun).toBe('npx concord run --workload p2p --accounts 10 --txs 40 --seed 1 --hash-cost 0 --pre-state shared --executor block-stm --threads 2 --warmup 0 --check');
    const again = spawnSync(process.execPath, [new URL('../dist/cli/concord.js', import.meta.url).pathname, ...rerun.split(' ').slice(2)], { encoding: 'utf8' });
    expect([again.status, again.stdout]).toEqual([0, expect.stringMatching(/^check +the same state root, receipts and reads as the reference/m)]);
    await expect(benchCommand({ ...tiny, preState: 'mmap' })).rejects.toThrow('--pre-state: unknown kind "mmap" (known: map, shared)');
  });

  it('--json prints the same document on stdout', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await benchCommand({ ...tiny, threads: '1', executor: 'reference', json: true })).toBe(0);
    const printed = out.mock.calls.map((c) => String(c[0])).join('');
    expect(parseResults(printed, 'stdout').runs).toHaveLength(2);
    // Quiet: the plan and the core probe are not announced; only warnings would be.
    expect(err.mock.calls.map((c) => String(c[0])).join('')).not.toMatch(/interleaved rounds|timing each core/);
  });

  it('an executor that disagrees with the reference is still timed, marked incorrect, and fails the command', async () => {
    quiet();
    const liar = module('liar', `export default { name: 'liar', async execute(block) {
      return { stateRoot: 'bad', receiptsRoot: 'bad', receipts: [], reads: [], gasUsed: 0, state: new Map(), stats: ${STATS} };
    }, async close() {} };`);
    // A second module: the rerun command still finds which path the name 'liar' came from.
    const honest = module('honest', `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
export default { name: 'honest', execute: async (block) => executeReference(block), close: async () => {} };`);
    const out = join(dir, 'liar.json');
    expect(await benchCommand({ ...tiny, threads: '2', executor: `${liar},${honest}`, out, json: true })).toBe(1);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    const run = doc.runs.find((r) => r.executor === 'liar')!;
    expect(run.correct).toBe(false);
    expect(run.samplesMs.length).toBeGreaterThan(0);
    // Under --json the report's warnings are not printed, so stderr says which run and why.
    const err = vi.mocked(process.stderr.write).mock.calls.map((c) => String(c[0])).join('');
    // With the command that shows what differs, which reruns the same block and fails the same way.
    // Its first call, the pool's warm-up block, was already wrong.
    expect(run.wrongCall).toBe(1);
    // Every call was checked, and every one differed.
    expect([run.wrongAt, run.differingCalls]).toEqual([{ stage: 'cold' }, run.checkedCalls]);
    const rerun = `npx concord run --workload p2p --accounts 10 --txs 40 --seed 1 --hash-cost 0 --executor ${liar} --threads 2 --warmup 0 --check`;
    const differing = `${run.checkedCalls!.toLocaleString('en-US')} of its ${run.checkedCalls!.toLocaleString('en-US')} checked calls`;
    expect(err).toContain(`bench: liar at 2 threads on p2p 10 acc × 40 tx disagreed with the reference on ${differing}, first on its call 1 (its pool's cold first block, untimed) (what differs: ${rerun})\n`);
    const again = spawnSync(process.execPath, [new URL('../dist/cli/concord.js', import.meta.url).pathname, ...rerun.split(' ').slice(2)], { encoding: 'utf8' });
    expect([again.status, again.stdout]).toEqual([1, expect.stringMatching(/^check +DIFFERS from the reference/m)]);
    expect(err).toContain('bench: 1 executor run failed or disagreed with the reference\n');
  });

  it('an executor wrong on its first call alone, the pool\'s untimed warm-up block, is marked incorrect and fails the command', async () => {
    quiet();
    const coldliar = module('coldliar', `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
let calls = 0;
export default () => ({ name: 'coldliar', async execute(block) {
  const r = executeReference(block);
  return ++calls === 1 ? { ...r, stateRoot: 'bad' } : r;
}, async close() {} });`);
    const out = join(dir, 'coldliar.json');
    expect(await benchCommand({ ...tiny, threads: '2', executor: coldliar, out, json: true })).toBe(1);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    const run = doc.runs.find((r) => r.executor === 'coldliar')!;
    expect([run.correct, run.wrongCall, run.wrongAt, run.differingCalls, doc.failures]).toEqual([false, 1, { stage: 'cold' }, 1, []]);
    const err = vi.mocked(process.stderr.write).mock.calls.map((c) => String(c[0])).join('');
    const rerun = `npx concord run --workload p2p --accounts 10 --txs 40 --seed 1 --hash-cost 0 --executor ${coldliar} --threads 2 --warmup 0 --check`;
    const first = `on 1 of its ${run.checkedCalls!.toLocaleString('en-US')} checked calls, first on its call 1 (its pool's cold first block, untimed)`;
    expect(err).toContain(`bench: coldliar at 2 threads on p2p 10 acc × 40 tx disagreed with the reference ${first} (what differs: ${rerun})\n`);
    const again = spawnSync(process.execPath, [new URL('../dist/cli/concord.js', import.meta.url).pathname, ...rerun.split(' ').slice(2)], { encoding: 'utf8' });
    expect([again.status, again.stdout]).toEqual([1, expect.stringMatching(/^check +DIFFERS from the reference/m)]);
  });

  it('an executor whose warm-up block alone returns a malformed result fails that workload in run\'s words', async () => {
    quiet();
    const coldshape = module('coldshape', `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
let calls = 0;
export default { name: 'coldshape', execute: async (block) => (++calls === 1 ? { hello: 1 } : executeReference(block)), close: async () => {} };`);
    const out = join(dir, 'coldshape.json');
    expect(await benchCommand({ ...tiny, threads: '1', executor: coldshape, out })).toBe(1);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    expect(doc.failures).toEqual([{ executor: 'coldshape', threads: 1, workload: 'p2p-a10-t40-s1-h0', message: 'returned a malformed result: receipts is not a list', call: 1 }]);
  });

  it('an executor right on its first calls and wrong on later, timed ones is marked incorrect and fails the command', async () => {
    quiet();
    // Calls 1 and 2 are the pool's warm-up block and the block's untimed first execution.
    const turncoat = module('turncoat', `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
let calls = 0;
export default { name: 'turncoat', async execute(block) {
  const r = executeReference(block);
  return ++calls <= 2 ? r : { ...r, stateRoot: 'bad' };
}, async close() {} };`);
    const out = join(dir, 'turncoat.json');
    expect(await benchCommand({ ...tiny, threads: '2', executor: turncoat, out, json: true })).toBe(1);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    const run = doc.runs.find((r) => r.executor === 'turncoat')!;
    expect(run.correct).toBe(false);
    expect(doc.runs.find((r) => r.role === 'baseline')?.correct).toBe(true);
    // Found on the first call after the 2 right ones: round 0's first warm-up call; every later one differed too.
    expect([run.wrongCall, run.wrongAt, run.differingCalls]).toEqual([3, { stage: 'warm-up', round: 0, index: 1 }, run.checkedCalls! - 2]);
    const err = vi.mocked(process.stderr.write).mock.calls.map((c) => String(c[0])).join('');
    const at = `--threads 2 --repeat 3 --warmup 0 --check`;
    const where = `on ${(run.checkedCalls! - 2).toLocaleString('en-US')} of its ${run.checkedCalls!.toLocaleString('en-US')} checked calls, first on its call 3 \\(round 0's untimed warm-up call 1; rounds count from 0\\)`;
    const rerun = new RegExp(`bench: turncoat at 2 threads on p2p 10 acc × 40 tx disagreed with the reference ${where} \\(what differs: (npx concord run .* ${at}): bench's 3 calls on a fresh instance, the last checked\\)\n`);
    expect(err).toMatch(rerun);
    // The suggested rerun makes as many calls, so it fails the same way; one cold call would pass.
    const again = spawnSync(process.execPath, [new URL('../dist/cli/concord.js', import.meta.url).pathname, ...rerun.exec(err)![1]!.split(' ').slice(2)], { encoding: 'utf8' });
    expect([again.status, again.stdout]).toEqual([1, expect.stringMatching(/^check +DIFFERS from the reference/m)]);
  });

  // Checked were the first calls and each round's last: with 2 rounds, an engine wrong on every
  // third call was published as correct, about a third of its samples timings of wrong results.
  it('holds every call to the reference, so an executor wrong on every third call fails at any round count', async () => {
    quiet();
    const made = join(dir, 'third-calls.txt');
    const third = module('third', `import { appendFileSync } from 'node:fs';
import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
import { blockResult } from '${new URL('../dist/spec/result.js', import.meta.url).href}';
export default function make() { let calls = 0;
  return { name: 'third', async execute(block) { calls++; const r = executeReference(block);
      if (calls % 3 === 0) { const st = new Map(r.state); const k = [...st.keys()][0]; st.set(k, st.get(k) + 1); return blockResult(st, r.receipts, r.reads, r.stats); }
      return r; }, async close() { appendFileSync(${JSON.stringify(made)}, calls + '\\n'); } }; }`);
    const out = join(dir, 'third.json');
    expect(await benchCommand({ ...tiny, threads: '1', rounds: '2', executor: third, out })).toBe(1);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    const run = doc.runs.find((r) => r.executor === 'third')!;
    // Each call the sweep's instance made was checked: its last line (the up-front loads made none).
    const calls = Number(readFileSync(made, 'utf8').trim().split('\n').at(-1));
    expect(run.checkedCalls).toBe(calls);
    expect(calls).toBeGreaterThan(2 + run.samplesMs.length);
    expect([run.correct, run.wrongCall, run.wrongAt, run.differingCalls]).toEqual([false, 3, { stage: 'warm-up', round: 0, index: 1 }, Math.floor(calls / 3)]);
    // The baseline, checked the same way, agreed on every call.
    const baseline = doc.runs.find((r) => r.role === 'baseline')!;
    expect([baseline.correct, baseline.checkedCalls! > baseline.samplesMs.length]).toEqual([true, true]);
  });

  it('hands every result back after checking it, so an executor reusing released memory stays correct', async () => {
    quiet();
    // The sequential executor's results throw once released: one handed back before its check would differ.
    const counts = join(dir, 'released.txt');
    const releasing = module('releasing', `import { writeFileSync } from 'node:fs';
import { sequentialExecutor } from '${new URL('../dist/impl/sequential.js', import.meta.url).href}';
export default () => { const inner = sequentialExecutor(); let calls = 0; let released = 0;
  return { name: 'releasing', async execute(block) { calls++; const r = await inner.execute(block); const release = r.release; r.release = () => { released++; release(); }; return r; },
    async close() { writeFileSync(${JSON.stringify(counts)}, calls + ' ' + released); } }; };`);
    const out = join(dir, 'releasing.json');
    expect(await benchCommand({ ...tiny, threads: '1', executor: releasing, out })).toBe(0);
    const run = parseResults(readFileSync(out, 'utf8'), out).runs.find((r) => r.executor === 'releasing')!;
    const [calls, released] = readFileSync(counts, 'utf8').split(' ').map(Number);
    expect([run.correct, run.checkedCalls, released]).toEqual([true, calls, calls]);
  });

  it('a malformed result from a timed call between right ones fails that call in run\'s words', async () => {
    quiet();
    // Its statistics are whole, so only the check after the call sees it; call 5 is in round 0.
    const blip = module('blip', `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
let calls = 0;
export default () => ({ name: 'blip', execute: async (block) => { const r = executeReference(block); return ++calls === 5 ? { ...r, receipts: 'no' } : r; }, close: async () => {} });`);
    const out = join(dir, 'blip.json');
    expect(await benchCommand({ ...tiny, threads: '1', executor: blip, out })).toBe(1);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    expect(doc.failures).toEqual([{ executor: 'blip', threads: 1, workload: 'p2p-a10-t40-s1-h0', message: 'returned a malformed result: receipts is not a list', call: 5 }]);
    expect(doc.runs.some((r) => r.executor === 'blip')).toBe(false);
  });

  it('counts the timed calls\' statistics only, not round 0\'s warm-up calls', async () => {
    quiet();
    // Each result reports its call number; the timed calls are the instance's last, one per sample.
    const calls = join(dir, 'calls.txt');
    const numbered = module('numbered', `import { writeFileSync } from 'node:fs';
import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
let call = 0;
export default () => ({ name: 'numbered', async execute(block) { call++; return { ...executeReference(block), stats: { ...executeReference(block).stats, call } }; },
  async close() { writeFileSync(${JSON.stringify(calls)}, String(call)); } });`);
    const out = join(dir, 'numbered.json');
    expect(await benchCommand({ ...tiny, threads: '1', executor: numbered, out })).toBe(0);
    const run = parseResults(readFileSync(out, 'utf8'), out).runs.find((r) => r.executor === 'numbered')!;
    const total = Number(readFileSync(calls, 'utf8'));
    const timed = run.samplesMs.length;
    // Warm-up calls (the pool's block, the first execution, round 0's warm-up) came first: had they
    // been counted, the mean call number would fall below the timed calls' own.
    expect(total).toBeGreaterThan(timed + 2);
    expect(run.detail?.call).toBeCloseTo(total - (timed - 1) / 2, 6);
  });

  it('an executor that throws on the warm-up block fails that workload under its declared name, not start-up under its path', async () => {
    quiet();
    const broken = module('broken', "export default { name: 'mine', async execute() { throw new Error('boom'); }, async close() {} };");
    const out = join(dir, 'broken.json');
    // --label names the machine in the results (bench's only end-to-end check of it).
    expect(await benchCommand({ ...tiny, threads: '1', executor: broken, out, label: ' box A ' })).toBe(1);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    expect(doc.machine.label).toBe('box A');
    const message = "execute() threw on the warm-up block (the first workload's), so its pool was closed and it ran no workload at 1 thread: boom";
    expect(doc.failures).toEqual([{ executor: 'mine', threads: 1, workload: 'p2p-a10-t40-s1-h0', message, call: 1 }]);
    expect(vi.mocked(process.stderr.write).mock.calls.map((c) => String(c[0])).join('')).toContain(`bench: mine at 1 thread on p2p 10 acc × 40 tx failed: ${message} (rerun: npx concord run --workload p2p --accounts 10 --txs 40 --seed 1 --hash-cost 0 --executor ${broken} --threads 1 --warmup 0 --check)\n`);
    expect(doc.runs.map((r) => r.executor)).toEqual(['sequential']);
  });

  it('an executor whose result is not a BlockResult, or lacks the counters bench reports, fails with run\'s words, and the others are written', async () => {
    quiet();
    const ref = `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';`;
    const shapeless = module('shapeless', "export default { name: 'shapeless', execute: async () => ({ hello: 1 }), close: async () => {} };");
    const uncounted = module('uncounted', `${ref}
export default { name: 'uncounted', execute: async (block) => ({ ...executeReference(block), stats: { threads: 1, fallback: '' } }), close: async () => {} };`);
    // A negative counter, or a fallback that is no string, went into the results and failed their
    // schema after the whole sweep: nothing was written, and the error read as from outside any call.
    const negative = module('negative', `${ref}
export default () => ({ name: 'negative', execute: async (block) => { const r = executeReference(block); return { ...r, stats: { ...r.stats, reExecutions: -1 } }; }, close: async () => {} });`);
    const stringless = module('stringless', `${ref}
export default () => ({ name: 'stringless', execute: async (block) => { const r = executeReference(block); return { ...r, stats: { ...r.stats, fallback: 5 } }; }, close: async () => {} });`);
    const out = join(dir, 'shapeless.json');
    expect(await benchCommand({ ...tiny, threads: '1', executor: `${shapeless},${uncounted},${negative},${stringless},block-stm`, out })).toBe(1);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    expect(doc.failures).toEqual([
      { executor: 'shapeless', threads: 1, workload: 'p2p-a10-t40-s1-h0', message: 'returned a malformed result: receipts is not a list', call: 1 },
      { executor: 'uncounted', threads: 1, workload: 'p2p-a10-t40-s1-h0', message: 'returned a malformed result: stats has no number for executions, reExecutions, validations, failedValidations: every result counts them, and bench reports them per transaction (emptyStats() in spec/block.ts starts every counter at 0)', call: 1 },
      { executor: 'negative', threads: 1, workload: 'p2p-a10-t40-s1-h0', message: 'returned a malformed result: stats.reExecutions is -1: every counter bench reports per transaction is a count, an integer >= 0 (emptyStats() in spec/block.ts starts every counter at 0)', call: 1 },
      { executor: 'stringless', threads: 1, workload: 'p2p-a10-t40-s1-h0', message: "returned a malformed result: stats.fallback is 5, not a string (why the block ran sequentially, '' when it did not)", call: 1 },
    ]);
    expect(doc.runs.map((r) => r.executor).sort()).toEqual(['block-stm', 'sequential']);
  });

  it('a malformed result from a timed call fails in the words of the first call\'s check, not with an internal error', async () => {
    quiet();
    const fading = module('fading', `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
let calls = 0;
export default { name: 'fading', execute: async (block) => (++calls <= 2 ? executeReference(block) : undefined), close: async () => {} };`);
    const out = join(dir, 'fading.json');
    expect(await benchCommand({ ...tiny, threads: '1', executor: fading, out })).toBe(1);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    const message = 'returned a malformed result: undefined instead of a BlockResult object';
    expect(doc.failures).toEqual([{ executor: 'fading', threads: 1, workload: 'p2p-a10-t40-s1-h0', message, call: 3 }]);
    expect(vi.mocked(process.stderr.write).mock.calls.map((c) => String(c[0])).join('')).toContain(`bench: fading at 1 thread on p2p 10 acc × 40 tx failed: ${message} (rerun: npx concord run --workload p2p --accounts 10 --txs 40 --seed 1 --hash-cost 0 --executor ${fading} --threads 1 --repeat 3 --warmup 0 --check: bench's 3 calls on a fresh instance, the last checked)\n`);
  });

  it('a negative counter from a timed call fails in the words of the first call\'s check, and the results are written', async () => {
    quiet();
    const sinking = module('sinking', `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
let calls = 0;
export default () => ({ name: 'sinking', execute: async (block) => { const r = executeReference(block); return ++calls <= 2 ? r : { ...r, stats: { ...r.stats, validations: -3 } }; }, close: async () => {} });`);
    const out = join(dir, 'sinking.json');
    expect(await benchCommand({ ...tiny, threads: '1', executor: sinking, out })).toBe(1);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    const message = 'returned a malformed result: stats.validations is -3: every counter bench reports per transaction is a count, an integer >= 0 (emptyStats() in spec/block.ts starts every counter at 0)';
    expect(doc.failures).toEqual([{ executor: 'sinking', threads: 1, workload: 'p2p-a10-t40-s1-h0', message, call: 3 }]);
  });

  // verify refused such a module at once; bench timed the baseline through every round first, then
  // blamed its 1-thread instance, which was the second call (the first was the up-front load).
  it('refuses a module whose function hands out one executor twice before timing anything, as verify does', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const shared = module('shared', `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
const engine = { name: 'shared', execute: async (block) => executeReference(block), close: async () => {} };
export default () => engine;`);
    const out = join(dir, 'handed-twice.json');
    const refused = benchCommand({ ...tiny, executor: shared, out });
    await expect(refused).rejects.toThrow(UnknownExecutorError);
    await expect(refused).rejects.toThrow(`${shared}: what the default export returned (shared) is an executor it returned before: return a new one from each call (bench makes one per thread count, verify one for the run and one for each rerun of a counterexample), or export the one object itself, which stays open until the command is done`);
    // Before any timing: no core probe, no ceiling, no round; no file.
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a module whose executor declares a name compare --only cannot name, at load', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const commas = module('commas', "export default () => ({ name: 'fast,safe', execute: async () => { throw new Error('not run'); }, close: async () => {} });");
    await expect(benchCommand({ ...tiny, executor: commas })).rejects.toThrow(new UnknownExecutorError(`${commas}: the executor's name must be one line without commas or parentheses (compare --only takes a comma-separated list), got "fast,safe"`));
  });

  // A result the checks let through would fail the schema as the results are written, after the
  // whole sweep: said as a bug in Concord naming the field, the measurements kept, never a crash.
  it('results that fail the schema as they are written are a failure naming the field, --out untouched and the measurements kept', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 4 });
    const bad = { ...doc, runs: doc.runs.map((r, i) => (i === 1 ? { ...r, fallback: 5 as unknown as string } : r)) };
    const cwd = process.cwd();
    const here = mkdtempSync(join(dir, 'rejected-'));
    process.chdir(here);
    try {
      const out = join(here, 'r.json');
      const json: Record<string, unknown> = {};
      expect(validResults(bad, out, json)).toBeNull();
      const error = `the results fail the results file's schema (reports/schema.ts), so ${out} is left as it was: runs[1].fallback: expected a string, got 5; `
        + `a bug in Concord, which checks every result where it is returned; the results as measured are kept, unvalidated, in ${REJECTED_RESULTS} (report and compare refuse them)`;
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toBe(`concord bench: ${error}\n`);
      // Under --json, the failure's object says where, and that it failed.
      expect(json).toEqual({ rejectedFile: REJECTED_RESULTS });
      expect(stdout.mock.calls.map((c) => String(c[0])).join('')).toBe(`${JSON.stringify({ ok: false, rejectedFile: REJECTED_RESULTS, error })}\n`);
      expect(existsSync(out)).toBe(false);
      expect(JSON.parse(readFileSync(join(here, REJECTED_RESULTS), 'utf8'))).toEqual(JSON.parse(JSON.stringify(bad)));
      // Valid results are the file's text, as before.
      expect(validResults(doc, out, undefined)).toBe(serializeResults(doc, out));
    } finally {
      process.chdir(cwd);
    }
  });

  it('an executor that cannot be created at a thread count failed to start there', async () => {
    quiet();
    // The up-front load (1 thread) succeeds; the sweep's pool at 2 threads does not.
    const picky = module('picky', "export default ({ threads }) => { if (threads > 1) throw new Error('one thread only'); return { name: 'picky', async execute() { throw new Error('not reached'); }, async close() {} }; };");
    const out = join(dir, 'picky.json');
    expect(await benchCommand({ ...tiny, threads: '2', executor: picky, out })).toBe(1);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    expect(doc.failures).toEqual([{ executor: picky, threads: 2, workload: null, message: 'one thread only' }]);
  });

  it('an executor whose close() throws after the sweep is timed, then reported as a failure', async () => {
    quiet();
    // The first two close()s are bench's up-front loads of the module (its function is called
    // twice, to refuse one that hands out an executor twice); the sweep's is the third.
    const flaky = module('flaky-close', `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
let closes = 0;
export default () => ({ name: 'flaky', execute: async (block) => executeReference(block), close: async () => { if (++closes > 2) throw new Error('still busy'); } });`);
    const out = join(dir, 'flaky-close.json');
    expect(await benchCommand({ ...tiny, threads: '1', executor: flaky, out })).toBe(1);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    expect(doc.failures).toEqual([{ executor: 'flaky', threads: 1, workload: null, message: 'close() threw: still busy' }]);
    expect(doc.runs.find((r) => r.executor === 'flaky')?.correct).toBe(true);
  });

  it('rejects bad options as usage errors', async () => {
    await expect(benchCommand({ ...tiny, threads: '0' })).rejects.toThrow(UsageError);
    await expect(benchCommand({ ...tiny, block: 'x.json' })).rejects.toThrow(/either --block FILE or --workload NAME/);
    await expect(benchCommand({ ...tiny, workload: 'nope' })).rejects.toThrow(/unknown workload "nope"/);
    await expect(benchCommand({ ...tiny, rounds: '0' })).rejects.toThrow('--rounds expects an integer from 1 to 1,000, got "0"');
    await expect(benchCommand({ ...tiny, rounds: '2.5' })).rejects.toThrow(UsageError);
  });

  it('times --rounds rounds, and every sample names its own', async () => {
    quiet();
    const out = join(dir, 'rounds.json');
    expect(await benchCommand({ ...tiny, executor: 'block-stm', threads: '2', rounds: '2', out })).toBe(0);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    expect(doc.settings.rounds).toBe(2);
    for (const r of doc.runs) expect([...new Set(r.rounds)]).toEqual([0, 1]);
  });
});

describe('the sweep\'s warm-up', () => {
  it('gives the baseline a checked, untimed first execution of each block and, before round 0, a round\'s time of warm-up calls', async () => {
    // Each call at least 1 ms, so a warm-up of a round's time is many calls; the first call of all is wrong.
    const base = module('slow-base', `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
export default { name: 'slow-base', async execute(block) {
  const begun = performance.now();
  while (performance.now() - begun < 1);
  const calls = (globalThis.slowBaseCalls ??= []);
  const r = executeReference(block);
  calls.push({ txs: block.txs.length, begun, ended: performance.now() });
  return calls.length === 1 ? { ...r, stateRoot: 'bad' } : r;
}, async close() {} };`);
    const params = { accounts: 10, seed: 1, hashCost: 0 };
    const workloads = [generated('p2p', { ...params, txs: 40 }, CUSTOM_GROUP), generated('p2p', { ...params, txs: 20 }, CUSTOM_GROUP)];
    const roundMs = 30;
    const minSamples = 3;
    const result = await sweep({ workloads, executors: [], baseline: base, threads: [1], idealThreads: [], rounds: 1, roundMs, minSamples, cores: 1 });
    const calls = (globalThis as { slowBaseCalls?: { txs: number; begun: number; ended: number }[] }).slowBaseCalls!;
    expect(result.runs.map((r) => [r.workload, r.correct])).toEqual([[workloads[0]!.id, false], [workloads[1]!.id, true]]);
    for (const [i, w] of workloads.entries()) {
      const own = calls.filter((c) => c.txs === w.block.txs.length);
      // In order: the first execution, the warm-up, the timed samples.
      const warmup = own.slice(1, own.length - result.runs[i]!.samplesMs.length);
      expect(warmup.length).toBeGreaterThanOrEqual(minSamples);
      // tinybench stops warming once the calls' times add up to a round; the wall time they span
      // holds them all, but for what its clock counts just outside the first and last call.
      expect(warmup.at(-1)!.ended - warmup[0]!.begun).toBeGreaterThan(roundMs * 0.8);
    }
  });
});

describe('the default thread counts', () => {
  it('are the powers of two below the cores and the cores, so a many-core sweep stays short', () => {
    expect([1, 2, 3, 12, 16, 64].map((cores) => threadList(undefined, cores))).toEqual([
      [1], [1, 2], [1, 2, 3], [1, 2, 4, 8, 12], [1, 2, 4, 8, 16], [1, 2, 4, 8, 16, 32, 64],
    ]);
    expect(threadList('4,2, 1', 64)).toEqual([1, 2, 4]);
    // A count given twice is refused, not dropped: it may be a typo for another.
    expect(() => threadList('4,2, 2,1', 64)).toThrow(/^--threads: 2 is named twice$/);
    expect(() => threadList('1,01', 64)).toThrow(/^--threads: 1 is named twice$/);
  });
});

describe('a block file\'s workload', () => {
  it('is named by its file name and a digest of the block: the same block by any path, never two blocks by one name', () => {
    const block = generate('p2p', { accounts: 10, txs: 20, seed: 1, hashCost: 0 });
    const other = generate('p2p', { accounts: 10, txs: 20, seed: 2, hashCost: 0 });
    const id = fromFile('blk.json', block).id;
    expect(id).toMatch(/^file:blk\.json#[0-9a-f]{12}$/);
    expect(fromFile('./blk.json', block).id).toBe(id);
    expect(fromFile('/elsewhere/blk.json', generate('p2p', { accounts: 10, txs: 20, seed: 1, hashCost: 0 })).id).toBe(id);
    expect(fromFile('sub/blk.json', other).id).not.toBe(id);
    expect(fromFile('sub/blk.json', other).source).toEqual({ kind: 'file', path: 'sub/blk.json' });
  });
});

describe('the default suite', () => {
  it('adds a block over a state a thousand times its size to the full suite, not to --quick', () => {
    const full = defaultSuite(false, 1, 3);
    const large = full.filter((w) => w.group === LARGE_STATE_GROUP);
    // Once as a Map, once as a SharedState, which the workers read without a copy.
    expect(large.map((w) => w.id)).toEqual([`p2p-a${LARGE_STATE_ACCOUNTS}-t1000-s1-h3`, `p2p-a${LARGE_STATE_ACCOUNTS}-t1000-s1-h3-shared`]);
    expect(large[0]!.block.preState.size).toBeGreaterThanOrEqual(1000 * large[0]!.block.txs.length);
    expect(large[1]!.block.preState).toBeInstanceOf(SharedState);
    expect([...large[1]!.block.preState]).toEqual([...large[0]!.block.preState]);
    expect(withSharedPreState(large[1]!)).toBe(large[1]);
    // --pre-state shared keeps the suite's own shared twin instead of building a second one.
    const shared = allSharedPreState(full);
    expect(shared.map((w) => w.id)).toEqual(full.filter((w) => w.source.preState !== 'shared').map((w) => `${w.id}-shared`));
    expect(shared.find((w) => w.group === LARGE_STATE_GROUP)).toBe(large[1]);
    expect(defaultSuite(true, 1, 3).some((w) => w.group === LARGE_STATE_GROUP)).toBe(false);
  });
});

describe('machine facts and noise', () => {
  it('reads the machine without guessing', () => {
    const m = machineFacts();
    expect(m.effectiveCores).toBeGreaterThanOrEqual(1);
    expect(m.effectiveCores).toBeLessThanOrEqual(m.availableParallelism);
    expect(m.label).toContain(`${m.effectiveCores} cores`);
    expect(m.node).toBe(process.versions.node);
  });

  it('foreign CPU is whole-machine busy time minus our own, per wall second', () => {
    const a = { wallMs: 0, busyMs: 1000, stealMs: 0, ownMs: 100 };
    const b = { wallMs: 1000, busyMs: 2500, stealMs: 20, ownMs: 1100 };
    const w = noiseBetween(a, b, 2);
    expect(w.foreignCores).toBeCloseTo(0.5, 12);
    expect(w.stealFraction).toBeCloseTo(0.01, 12);
    expect(isBusy(w)).toBe(0.5 > BUSY_FOREIGN_CORES);
    expect(isBusy(noiseBetween(a, { ...b, busyMs: 2050 }, 2))).toBe(false);
    expect(noiseBetween({ ...a, busyMs: null }, b, 2).foreignCores).toBeNull();
  });
});

describe('progress', () => {
  class Sink extends Writable {
    text = '';
    isTTY = true;
    override _write(chunk: Buffer, _enc: string, done: () => void): void {
      this.text += chunk.toString();
      done();
    }
  }
  const sink = () => new Sink() as Sink & NodeJS.WriteStream;

  it('is silent under CI, with --json, or off a terminal, but still prints notes; warnings and info lines only without --json', () => {
    for (const [o, why, expected] of [[{ env: { CI: 'true' } }, 'CI', 'skipped: y\nno prediction: w\nplan: z\n'], [{ env: {}, json: true }, 'json', 'skipped: y\n']] as const) {
      const s = sink();
      const p = createProgress({ ...o, stream: s });
      expect(p.active, why).toBe(false);
      p.start(3, 'bench');
      p.update(1, 'x');
      p.note('skipped: y');
      p.warn('no prediction: w');
      p.info('plan: z');
      p.stop();
      expect(s.text, why).toBe(expected);
    }
    const pipe = sink();
    pipe.isTTY = false;
    expect(createProgress({ env: {}, stream: pipe }).active).toBe(false);
  });

  it('takes CI unset, empty, "0" or "false" in any case as not CI, and any other value as CI', () => {
    for (const CI of [undefined, '', '0', 'false', 'FALSE', 'False', ' false ']) {
      expect(createProgress({ env: { CI }, stream: sink() }).active, `CI=${CI}`).toBe(true);
    }
    for (const CI of ['1', 'true', 'TRUE', 'yes', 'woodpecker']) {
      expect(createProgress({ env: { CI }, stream: sink() }).active, `CI=${CI}`).toBe(false);
    }
  });

  it('draws no bar for a stage of no steps', () => {
    const s = sink();
    const p = createProgress({ env: {}, stream: s });
    p.start(2, 'bench');
    p.update(2, 'p2p');
    p.start(0, 'simulate');
    p.update(0, '');
    p.stop();
    expect(s.text).toContain('2/2');
    expect(s.text).not.toContain('simulate');
  });

  it('gives the terminal back its cursor and line wrapping when a signal ends the command mid-bar, and still dies of it', () => {
    // The bar's output goes straight to stdout (fd 1), so it is all there however the child ends.
    const child = `import { writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { createProgress } from '${new URL('../dist/cli/progress.js', import.meta.url).href}';
const tty = Object.assign(new Writable({ write(chunk, _enc, done) { writeSync(1, chunk); done(); } }), { isTTY: true, columns: 80 });
createProgress({ env: {}, stream: tty }).start(5, 'bench');
setTimeout(() => process.kill(process.pid, 'SIGINT'), 50);
setTimeout(() => {}, 5000);`;
    const file = join(dir, 'signal.mjs');
    writeFileSync(file, child);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 10_000 });
    expect(r.signal).toBe('SIGINT');
    const drawn = r.stdout;
    expect(drawn).toContain('\u001b[?25l');
    expect(drawn.lastIndexOf('\u001b[?25h')).toBeGreaterThan(drawn.lastIndexOf('\u001b[?25l'));
    expect(drawn.lastIndexOf('\u001b[?7h')).toBeGreaterThan(drawn.lastIndexOf('\u001b[?7l'));
  });

  it('draws a bar on a terminal', () => {
    const s = sink();
    const p = createProgress({ env: {}, stream: s });
    expect(p.active).toBe(true);
    p.start(2, 'bench');
    p.stop();
    // Nothing done yet: no rate, so no time left is claimed.
    expect(s.text).toContain('0/2');
    expect(s.text).not.toContain('left');
    p.start(2, 'bench');
    p.update(1, 'p2p');
    p.stop();
    expect(s.text).toContain('bench');
    expect(s.text).toMatch(/1\/2 \S+ left +p2p/);
  });
});
