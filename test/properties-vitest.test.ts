// The helper for a user's own test suite: a correct executor passes, a buggy one throws an Error
// whose message is the full report, its token replays through the helper, and coverage goals apply;
// a call that hangs past `timeout` rejects naming the call, its block and a replay; `txs` and
// `timeLimit` mean what verify's options mean, and a bad option throws naming it.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeReference, referenceExecutor } from '../spec/reference.js';
import { sequentialExecutor } from '../impl/sequential.js';
import { createExecutor } from '../impl/registry.js';
import { BIG_TXS, bigBlocksCheck, BLOCKSTM_COVERAGE, counterGoal } from '../properties/equivalence.js';
import { coverageHint } from '../properties/coverage-hint.js';
import { VERIFY_OPTION_NAMES } from '../cli/verify.js';
import { decodeToken, encodeToken, type TokenV1 } from '../properties/replay.js';
import { batchSeed, runVerify } from '../properties/runner.js';
import { executorSubject } from '../properties/subjects.js';
import { DEFAULT_HELPER_RUNS, EquivalenceError, ExecutorTimeoutError, verifyExecutor } from '../properties/vitest.js';
import { blockFromJson, writeBlock } from '../spec/block-file.js';
import type { Block } from '../spec/block.js';
import type { Executor } from '../spec/executor.js';

const batchExecutor = new URL('./fixtures/verify/batch-executor.mjs', import.meta.url).pathname;
const notAnExecutor = new URL('./fixtures/verify/not-an-executor.mjs', import.meta.url).pathname;
const buggy = async (): Promise<Executor> => (await import(batchExecutor)).default();
const aFile = join(mkdtempSync(join(tmpdir(), 'concord-helper-')), 'a-file');
writeFileSync(aFile, '');

/** Keeps every key it ever saw from block to block, and leaks it into the next block's pre-state. */
function leaky(): Executor {
  const table = new Map<number, number>();
  return {
    name: 'leaky',
    async execute(block) {
      const r = executeReference({ ...block, preState: new Map([...table, ...block.preState]) });
      for (const [k, v] of r.state) table.set(k, v);
      return r;
    },
    async close() {},
  };
}

/** The reference, except that execute() never settles on a block `hangs` picks; `closed` counts its close() calls. */
function hanging(hangs: (block: Block) => boolean, closed = { count: 0 }): () => Executor {
  return () => ({
    name: 'hangs',
    execute: async (block) => (hangs(block) ? new Promise<never>(() => {}) : executeReference(block)),
    async close() { closed.count++; },
  });
}

/**
 * The reference, except wrong (a gas count off by one) the first time it is given a block of three
 * transactions or more that is not in `seen`; logs each block it is given into `log`.
 */
function firstTimeWrong(seen: Set<string>, log: string[] = []): Executor {
  return {
    name: 'first-time-wrong',
    async execute(block) {
      const r = executeReference(block);
      const id = fileOf(block);
      log.push(id);
      if (block.txs.length < 3 || seen.has(id)) return r;
      seen.add(id);
      return { ...r, gasUsed: r.gasUsed + 1 };
    },
    async close() {},
  };
}

/** The blocks execute() is given, in order, for a run of `options` on the reference. */
async function blocksOf(options: { runs: number; txs?: number }): Promise<Block[]> {
  const blocks: Block[] = [];
  const recorder: Executor = { name: 'recorder', async execute(block) { blocks.push(block); return executeReference(block); }, async close() {} };
  await verifyExecutor(recorder, options);
  return blocks;
}

/** An executor whose gas total is one too high on blocks of more than `txs` transactions, and right on the others. */
function wrongPast(name: string, txs: number): Executor {
  return {
    name,
    async execute(block) {
      const r = executeReference(block);
      return block.txs.length > txs ? { ...r, gasUsed: r.gasUsed + 1 } : r;
    },
    async close() {},
  };
}

const fileOf = (block: Block | object): string => JSON.stringify('txs' in block ? writeBlock(block as Block) : block);

describe('verifyExecutor', () => {
  it('passes a correct executor object and reports what it checked', async () => {
    const report = await verifyExecutor(referenceExecutor(), { runs: 60 });
    expect(report.failures).toEqual([]);
    // equivalence 60, vm-corners 30 (an executor object may run a VM of its own), determinism 15, big-blocks 1, empty-block 1.
    expect(report.blocksChecked).toBe(107);
  });

  it('throws the full report for a buggy executor, and the token replays it', async () => {
    const error = await verifyExecutor(buggy, { runs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EquivalenceError);
    const message = (error as Error).message;
    expect(message).toMatch(/anomaly {6}\S/);
    // The executor lives only in this test, so its replay is the helper's own option.
    expect(message).toMatch(/replay {7}verifyExecutor\(executor, \{ replay: '(cv8_\S+)' \}\)/);
    const token = /replay: '(cv8_\S+)'/.exec(message)![1]!;
    const again = await verifyExecutor(buggy, { replay: token }).catch((e: unknown) => e);
    expect((again as EquivalenceError).report.failures[0]!.block).toEqual((error as EquivalenceError).report.failures[0]!.block);
    // It failed again, and on a fresh instance too: it fails alone, every time.
    expect((error as EquivalenceError).report.failures[0]!.failsOnly).toBeUndefined();
  });

  // A cv1_ token's digest covered the shrunk block alone: with a step of its shrink path removed by
  // hand, it could rebuild that block at another thread count and replay it as the failure.
  it('refuses a token with a step of its shrink path removed', async () => {
    const error = await verifyExecutor(buggy, { runs: 200 }).catch((e: unknown) => e);
    const [f] = (error as EquivalenceError).report.failures;
    expect(f!.token).toMatch(/^cv8_/);
    const token = decodeToken(f!.token);
    const steps = token.path.split(':');
    const removed = steps.slice(1).map((_, i) => [...steps.slice(0, i + 1), ...steps.slice(i + 2)].join(':'));
    for (const path of removed) {
      const replayed = await verifyExecutor(buggy, { replay: encodeToken({ ...token, path }) }).catch((e: unknown) => e);
      expect(replayed, path).toBeInstanceOf(RangeError);
      expect((replayed as Error).message).toBe('verifyExecutor: replay: the token is damaged (copy it whole, it is one word)');
    }
  });

  // The token used to carry the executor's own name: `concord verify --replay` then ran the built-in
  // of that name (and said the failure was gone) or knew no such executor.
  it('never prints a command that would replay or rerun some other executor in place of an executor object', async () => {
    const named = { ...(await buggy()), name: 'sequential' };
    const error = await verifyExecutor(named, { runs: 200, outDir: mkdtempSync(join(tmpdir(), 'concord-vitest-')) }).catch((e: unknown) => e);
    const message = (error as Error).message;
    expect(message).toMatch(/^FAIL sequential: equivalence check/m);
    expect(message).toMatch(/^ {2}block file {3}\S+\.block\.json$/m);
    expect(message).not.toMatch(/concord (verify|run)/);
    const [f] = (error as EquivalenceError).report.failures;
    expect(decodeToken(f!.token).executor).toBe('test:sequential');
    await expect(verifyExecutor(named, { replay: f!.token })).rejects.toThrow(/^Concord found a counterexample:\nFAIL sequential: equivalence check/);
  });

  // Two tests of one executor into one outDir, one with txs: the second wrote over the first's block.
  it('keeps the blocks of two runs into one outDir apart when one sets txs', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'concord-vitest-'));
    const files = [];
    for (const options of [{ runs: 200 }, { runs: 100, txs: 6 }]) {
      const error = await verifyExecutor(buggy, { ...options, outDir }).catch((e: unknown) => e);
      files.push((error as EquivalenceError).report.failures[0]!.blockFile!);
    }
    expect(files[1]).toMatch(/-equivalence-txs-6-\d+\.block\.json$/);
    expect(files[0]).not.toBe(files[1]);
    expect(readdirSync(outDir).filter((f) => f.endsWith('.block.json')).sort()).toEqual(files.map((f) => basename(f)).sort());
  });

  it('fails a run that never took the parallel paths it requires', async () => {
    await expect(verifyExecutor(sequentialExecutor, { runs: 30, coverage: BLOCKSTM_COVERAGE })).rejects.toThrow(/must exercise re-execution/);
  });

  // The message named the goals' events ("ESTIMATE wait") with no word of the stats counters they read, nor of runs.
  it('hints, as concord verify does, to raise runs and which stats counter each goal reads', async () => {
    const error = await verifyExecutor(sequentialExecutor, { runs: 30, coverage: BLOCKSTM_COVERAGE }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/\n {2}hint: these paths show up only with enough runs, and a coverage counter only where the executor's stats report it under that name \(re-execution: stats\.reExecutions, ESTIMATE wait: stats\.estimateWaits, dependency resume: stats\.dependencyResumes, failed validation: stats\.failedValidations\); this run had runs 30 \(default 200\): raise runs$/);
    const named = await verifyExecutor(sequentialExecutor, { runs: 30, coverage: ['reExecutions'] }).catch((e: unknown) => e);
    expect((named as Error).message).toMatch(/\n {2}hint: .*under that name; this run had runs 30 \(default 200\): raise runs$/);
  });

  // It kept a copy of verify's sentence, free to drift from it.
  it('hints in concord verify\'s own sentence, with the helper\'s option names for verify\'s', async () => {
    const helper = { runs: 'runs', coverage: 'coverage' };
    const error = await verifyExecutor(sequentialExecutor, { runs: 30, coverage: BLOCKSTM_COVERAGE }).catch((e: unknown) => e);
    expect((error as Error).message.split('\n')).toContain(`  hint: ${coverageHint(helper, 30, DEFAULT_HELPER_RUNS, BLOCKSTM_COVERAGE)}`);
    for (const goals of [undefined, [counterGoal('reExecutions')!], BLOCKSTM_COVERAGE]) {
      const verify = coverageHint(VERIFY_OPTION_NAMES, 30, DEFAULT_HELPER_RUNS, goals);
      expect(coverageHint(helper, 30, DEFAULT_HELPER_RUNS, goals)).toBe(verify.replace(/--(runs|coverage)\b/g, '$1'));
    }
  });

  it('sums a user executor\'s own stats counters into its coverage, required or not', async () => {
    const counting: Executor = {
      name: 'counting',
      async execute(block) {
        const r = executeReference(block);
        return { ...r, stats: { ...r.stats, waves: 2, threads: 4 } };
      },
      async close() {},
    };
    const report = await verifyExecutor(counting, { runs: 30 });
    expect(report.executors[0]!.coverage.waves).toBeGreaterThan(0);
    // threads counts nothing, and the per-transaction counters are every executor's, not its own paths.
    expect(report.executors[0]!.coverage).not.toHaveProperty('threads');
    expect(report.executors[0]!.coverage).not.toHaveProperty('executions');
  });

  it('takes coverage counters by name, as --coverage does', async () => {
    await expect(verifyExecutor(sequentialExecutor, { runs: 30, coverage: ['reExecutions'] })).rejects.toThrow(/a green run must exercise reExecutions, and this one never did/);
    // A misspelt counter is told as the command tells it, not only "raise runs".
    await expect(verifyExecutor(sequentialExecutor, { runs: 30, coverage: ['reExecution'] }))
      .rejects.toThrow(/a green run must exercise reExecution, and this one never did \(reExecution is in no result's stats at all, not even as 0: check the name\)/);
  });

  it('requires the coverage it is given of a module path too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-vitest-'));
    const module = join(dir, 'plain.mjs');
    writeFileSync(module, `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';\n`
      + "export default { name: 'plain', async execute(block) { return executeReference(block); }, async close() {} };\n");
    await expect(verifyExecutor(module, { runs: 30, coverage: BLOCKSTM_COVERAGE })).rejects.toThrow(/plain \(\S+plain\.mjs\): a green run must exercise re-execution/);
    await expect(verifyExecutor(module, { runs: 30 })).resolves.toMatchObject({ failures: [] });
  });

  it('says a failure needs the blocks run before it on the same instance, and its replay never calls it gone', async () => {
    const error = await verifyExecutor(leaky, { runs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EquivalenceError);
    const [f] = (error as EquivalenceError).report.failures;
    expect(f!.failsOnly).toBe('after earlier blocks');
    expect(decodeToken(f!.token).failsOnly).toBe('after earlier blocks');
    expect((error as Error).message).toMatch(/^ {2}fails only {3}after the blocks run before it on the same executor instance \(state kept between blocks\): on a fresh instance this block passes/m);
    await expect(verifyExecutor(leaky, { replay: f!.token })).rejects.toThrow(
      /^replayed leaky equivalence seed \d+ path [\d:]+: the block passes, but when it was found it failed only after the blocks run before it on the same executor instance/);
    // With outDir, the earlier-blocks file is named, though no command can rerun an object it was given.
    const outDir = mkdtempSync(join(tmpdir(), 'concord-vitest-'));
    const written = await verifyExecutor(leaky, { runs: 100, outDir }).catch((e: unknown) => e);
    const { earlierFile } = (written as EquivalenceError).report.failures[0]!;
    expect(earlierFile).toMatch(/\.earlier\.json$/);
    expect((written as Error).message).toContain(`then this block; ${earlierFile} lists them with the thread count and pre-state kind each ran at)`);
  });

  it('says a failure that passed when run again fails only sometimes', async () => {
    // Wrong the first time any instance is given a block: a failure that is gone when the block is
    // run again, however many runs the shrinking and the reruns make (a coin on the call count
    // was, and its outcome moved with them).
    const seen = new Set<string>();
    const error = await verifyExecutor(() => firstTimeWrong(seen), { runs: 100 }).catch((e: unknown) => e);
    const [f] = (error as EquivalenceError).report.failures;
    expect(f!.failsOnly).toBe('sometimes');
    expect((error as Error).message).toMatch(/^ {2}fails only {3}sometimes \(the executor's result changes from run to run of the same block\): run again, on the same instance or on fresh ones, this block passed some times and failed others/m);
  });

  it('replays a failure that comes and goes on the reported block alone, and on no other', async () => {
    // Wrong the first time its own instance is given a block.
    const blocks: string[] = [];
    const fresh = () => firstTimeWrong(new Set(), blocks);
    const error = await verifyExecutor(fresh, { runs: 100 }).catch((e: unknown) => e);
    const [f] = (error as EquivalenceError).report.failures;
    expect(decodeToken(f!.token).minimized).toBeDefined();
    blocks.length = 0;
    const replayed = await verifyExecutor(fresh, { replay: f!.token }).catch((e: unknown) => e);
    const [again] = (replayed as EquivalenceError).report.failures;
    expect(JSON.stringify(again!.block)).toBe(JSON.stringify(f!.block));
    expect(again!.token).toBe(f!.token);
    expect(new Set(blocks)).toEqual(new Set([fileOf(again!.block)]));
    // On an instance that has seen it the block passes, and the replay runs nothing else looking
    // for a failure (it went on to other blocks, and called one that failed a reproduction).
    const seenIt = fresh();
    await seenIt.execute(blockFromJson(f!.block), {});
    blocks.length = 0;
    expect((await verifyExecutor(seenIt, { replay: f!.token })).failures).toEqual([]);
    expect(new Set(blocks)).toEqual(new Set([fileOf(again!.block)]));
  });

  it('says on which run a repeated replay failed, as concord verify --replay --repeat does', async () => {
    const error = await verifyExecutor(() => firstTimeWrong(new Set()), { runs: 100 }).catch((e: unknown) => e);
    const [f] = (error as EquivalenceError).report.failures;
    // Right on its first two calls, wrong from its third.
    let calls = 0;
    const wrongFromThird: Executor = {
      name: 'first-time-wrong',
      async execute(block) {
        const r = executeReference(block);
        return ++calls >= 3 ? { ...r, gasUsed: r.gasUsed + 1 } : r;
      },
      async close() {},
    };
    const replayed = await verifyExecutor(wrongFromThird, { replay: f!.token, repeat: 5 }).catch((e: unknown) => e);
    expect((replayed as Error).message).toMatch(/^FAIL first-time-wrong: equivalence check.*\n {2}replayed {5}failed on run 3 of up to 5\n/m);
    expect(calls).toBe(3);
  });

  // A hung execute() used to leave only the test runner's "Test timed out": no call, no block, no replay.
  it('rejects naming a hung execute(), writes its block, closes the instance, and the replay hangs on the same block', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'concord-vitest-'));
    const closed = { count: 0 };
    const factory = hanging((b) => b.txs.length >= 5, closed);
    const error = await verifyExecutor(factory, { runs: 50, timeout: 300, outDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutorTimeoutError);
    const { hang, message } = error as ExecutorTimeoutError;
    expect(message).toMatch(/^verifyExecutor: the executor hangs: execute\(\) on a generated block of \d+ transactions \(threads [124]\) did not settle within 300 ms \(the timeout option\)$/m);
    expect(message).toMatch(/^ {2}block {8}\d+ transactions[,;] /m);
    expect(message).toMatch(/^ {2}replay {7}verifyExecutor\(executor, \{ replay: 'cv8_\S+', timeout: 300 \}\)$/m);
    expect(hang.blockFile).toMatch(/test_hangs-hung\.block\.json$/);
    expect(JSON.parse(readFileSync(hang.blockFile!, 'utf8'))).toEqual(hang.block);
    expect(closed.count).toBe(1);
    // Its close() settled: the message says nothing of it.
    expect(message).not.toMatch(/^ {2}close /m);
    const again = await verifyExecutor(factory, { replay: hang.token!, timeout: 300 }).catch((e: unknown) => e);
    expect((again as ExecutorTimeoutError).hang.block).toEqual(hang.block);
    expect((again as ExecutorTimeoutError).hang.token).toBe(hang.token);
  });

  // A pool whose worker never answers, and whose close() waits for it for ever: the test failed on
  // the hang, and nothing said the instance was still running in the test process.
  it('says when the close() after a hang did not settle either', async () => {
    const stuck = (): Executor => ({ name: 'stuck-pool', execute: async (block) => (block.txs.length >= 5 ? new Promise<never>(() => {}) : executeReference(block)), close: () => new Promise<void>(() => {}) });
    const error = await verifyExecutor(stuck, { runs: 50, timeout: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutorTimeoutError);
    expect((error as Error).message).toMatch(/^ {2}close {8}its close\(\), the clean-up after the hang, did not settle within the clean-up wait \(5 s at most, or the timeout when shorter\) either: the threads or timers it left may keep the test process running$/m);
  });

  // After a call that throws, the instance runs a no-op block to tell a crash from a refusal; a hang
  // there was reported as the failure, and the throw before it never.
  it('reports the throw of an executor that hangs on every call after it, not the hang', async () => {
    const factory = (): Executor => {
      let threw = false;
      return {
        name: 'throws-then-hangs',
        execute: async (block) => {
          if (threw) return new Promise<never>(() => {});
          if (block.txs.length > 3) {
            threw = true;
            throw new Error('too big');
          }
          return executeReference(block);
        },
        async close() {},
      };
    };
    const error = await verifyExecutor(factory, { runs: 50, timeout: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EquivalenceError);
    expect((error as EquivalenceError).report.failures[0]).toMatchObject({ transactions: 4, error: 'Error: too big' });
  });

  it('gives a hung execute() past the first batch the replay of its own block', async () => {
    const target = fileOf((await blocksOf({ runs: 60 }))[57]!);
    const error = await verifyExecutor(hanging((b) => fileOf(b) === target), { runs: 60, timeout: 300 }).catch((e: unknown) => e);
    const { hang, message } = error as ExecutorTimeoutError;
    expect(fileOf(hang.block!)).toBe(target);
    // No outDir: the block is shown, and the message says how to have it written.
    expect(message).toMatch(/^ {2}seed {9}65537, path 7$/m);
    expect(message).not.toMatch(/block file/);
    expect(decodeToken(hang.token!)).toMatchObject({ executor: 'test:hangs', check: 'equivalence', seed: batchSeed(1, 1), path: '7' });
    const again = await verifyExecutor(hanging((b) => fileOf(b) === target), { replay: hang.token!, timeout: 300 }).catch((e: unknown) => e);
    expect(fileOf((again as ExecutorTimeoutError).hang.block!)).toBe(target);
  });

  it('reports a call that held the thread past the timeout and then returned', async () => {
    const busy: Executor = {
      name: 'busy',
      async execute(block) {
        const until = performance.now() + 150;
        while (performance.now() < until);
        return executeReference(block);
      },
      async close() {},
    };
    await expect(verifyExecutor(busy, { runs: 5, timeout: 50 })).rejects.toThrow(
      /^verifyExecutor: the executor busy: execute\(\) on a generated block of \d+ transactions? \(threads \d\) took \d+ ms, past the timeout of 50 ms: it held the thread/);
  });

  it('rejects naming a factory or a close() that never settles, with no replay for a call no generated run makes', async () => {
    const never = (): Promise<Executor> => new Promise(() => {});
    const error = await verifyExecutor(never, { runs: 5, timeout: 100 }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('verifyExecutor: the executor factory given to verifyExecutor did not settle within 100 ms (the timeout option)\n'
      + '  replay       rerun this test: its seed is pinned, so it makes the same calls in the same order');
    const stuck = (): Executor => ({ ...referenceExecutor(), name: 'stuck', close: () => new Promise<void>(() => {}) });
    await expect(verifyExecutor(stuck, { runs: 5, timeout: 300 })).rejects.toThrow(/^verifyExecutor: the executor stuck: close\(\) did not settle within 300 ms/);
  });

  it('names the executor and the call when close() throws after the checks passed, and still reports a counterexample whose close() throws', async () => {
    const throwing = (): Executor => ({ ...referenceExecutor(), name: 'mine', close: async () => { throw new Error('pool gone'); } });
    const error = await verifyExecutor(throwing, { runs: 5 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^verifyExecutor: the executor mine threw while closing: Error: pool gone \(at .*properties-vitest\.test\.ts:\d+:\d+\)\)$/);
    expect((error as Error).cause).toBeInstanceOf(Error);
    const buggyThrowing = async (): Promise<Executor> => ({ ...(await buggy()), close: async () => { throw new Error('pool gone'); } });
    await expect(verifyExecutor(buggyThrowing, { runs: 200 })).rejects.toBeInstanceOf(EquivalenceError);
  });

  it('still reports the counterexample when the close() after it never settles', async () => {
    const stuck = async (): Promise<Executor> => ({ ...(await buggy()), close: () => new Promise<void>(() => {}) });
    // The clean-up budget is the timeout here, 1 s, for the close() of every instance the counterexample was rerun on.
    await expect(verifyExecutor(stuck, { runs: 200, timeout: 1000 })).rejects.toBeInstanceOf(EquivalenceError);
  });

  // The README's advice, "run both", had no helper option to follow: generated blocks held 1 to 20
  // transactions. Since, the big-blocks check runs blocks of 21 to 1,100 whatever txs says.
  it('gives every block but the big-blocks check\'s exactly txs transactions; a bug only bigger blocks have is caught either way', async () => {
    const sizes = (await blocksOf({ runs: 8, txs: 64 })).map((b) => b.txs.length);
    // The empty-block check's block, at 1, 2 and 4 threads with each kind of pre-state, is empty whatever txs says.
    expect(sizes.filter((n) => n === 0)).toHaveLength(6);
    const big = sizes.filter((n) => n !== 64 && n !== 0);
    expect(big).toHaveLength(1);
    expect(big[0]).toBeGreaterThanOrEqual(BIG_TXS.min);
    expect(big[0]).toBeLessThanOrEqual(BIG_TXS.max);
    // Wrong from the 33rd transaction on, as an engine that batches by 32 might be.
    const batches = wrongPast('batches', 32);
    await expect(verifyExecutor(batches, { runs: 100 })).rejects.toThrow(/^FAIL batches: big-blocks check \(threads \d\), shrunk to 33 transactions/m);
    await expect(verifyExecutor(batches, { runs: 5, txs: 40 })).rejects.toThrow(/^FAIL batches: equivalence check \(threads \d\), shrunk to 33 transactions/m);
  });

  // fast-check shrank the big-blocks check's failures itself, walking its whole stream of
  // candidates past its budget: a bug past the 1,000th transaction took 163 s here, where
  // minimize() alone takes 20 s (3 tries a transaction of the block it starts from, on blocks of
  // 1,001 or more). Counted in calls, not timed, on the big-blocks check alone, with the bug past
  // the 250th transaction: every block of that check is shrunk so, and this costs a sixteenth.
  it('shrinks a big-blocks failure by minimize() alone, about two calls a transaction, not by fast-check\'s stream of candidates', async () => {
    const late = wrongPast('late', 250);
    let calls = 0;
    const counted: Executor = { ...late, execute: (block, options) => (calls++, late.execute(block, options)) };
    const report = await runVerify({ subjects: [{ name: 'late', create: async () => executorSubject(counted, 'late') }], runs: 2000, seed: 1, checks: [bigBlocksCheck] });
    const [failure] = report.failures;
    expect(failure?.check).toBe('big-blocks');
    expect(failure!.transactions).toBe(251);
    // The blocks checked before it, then about two tries a transaction: 536 calls; with fast-check
    // shrinking first (minimizeAlone false in runner.ts) 826.
    expect(calls).toBeLessThan(2.5 * failure!.transactions);
  });

  it('stops at timeLimit, saying so in the report rather than calling the cut checks passed', async () => {
    const report = await verifyExecutor(referenceExecutor(), { runs: 100_000, timeLimit: 1 });
    expect(report.timedOut).toBe(true);
    // Each check runs one block past the limit, and no batch in full.
    expect(report.executors[0]!.checks.map((c) => [c.name, c.status, c.batches, c.partial])).toEqual([['equivalence', 'cut', 0, 1], ['vm-corners', 'cut', 0, 1], ['determinism', 'cut', 0, 1], ['big-blocks', 'cut', 0, 1], ['empty-block', 'passed', 1, undefined]]);
  });

  // A class was called without new, null crashed reading its name, and an object without execute() was reported as a shrunk counterexample.
  it('constructs a class as the CLI does a module\'s, and refuses what is no executor in the CLI\'s words before it calls anything', async () => {
    const counts = { made: 0, closed: 0 };
    class Wrapped {
      readonly name = 'wrapped';
      constructor() { counts.made++; }
      execute(block: Block) { return Promise.resolve(executeReference(block)); }
      async close() { counts.closed++; }
    }
    await expect(verifyExecutor(Wrapped, { runs: 5 })).resolves.toMatchObject({ failures: [] });
    expect(counts.made).toBeGreaterThan(0);
    expect(counts.closed).toBe(counts.made);
    const cli = await createExecutor(notAnExecutor).then(() => '', (e: unknown) => (e as Error).message);
    const shapes = /: the default export must be (.+); the default export is an object with name$/.exec(cli)![1]!;
    let calls = 0;
    const cases: [unknown, string][] = [
      [null, 'the executor is null'],
      [42, 'the executor is a number'],
      [{ name: 'half', execute: () => { calls++; } }, 'the executor is an object with name, execute'],
      [() => null, 'what the executor returned is null'],
      [class Empty {}, 'new Empty(settings) is an object with no own properties'],
    ];
    for (const [value, what] of cases) {
      const error = await verifyExecutor(value as Executor, { runs: 5 }).catch((e: unknown) => e);
      expect(error, what).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(`verifyExecutor: the executor must be ${shapes}; ${what}`);
    }
    expect(calls).toBe(0);
  });

  // The reruns of a counterexample "on a fresh instance" ran on the one object, closed by the rerun
  // before, and a later call ran it closed from the start.
  it('refuses a factory that returns an executor it returned before, as concord verify refuses such a module', async () => {
    const engine = await buggy();
    const calls = { closed: 0, afterClose: 0 };
    const shared: Executor = {
      name: 'shared',
      execute: (block, options) => {
        if (calls.closed) calls.afterClose++;
        return engine.execute(block, options);
      },
      async close() { calls.closed++; },
    };
    const refused = 'verifyExecutor: what the executor returned (shared) is an executor it returned before: return a new one from each call '
      + '(verifyExecutor makes one for the run and one for each rerun of a counterexample, and closes each), or give verifyExecutor the one object itself, which it leaves open';
    const error = await verifyExecutor(() => shared, { runs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(refused);
    expect(calls).toEqual({ closed: 1, afterClose: 0 });
    const right: Executor = { ...referenceExecutor(), name: 'right' };
    await expect(verifyExecutor(() => right, { runs: 5 })).resolves.toMatchObject({ failures: [] });
    await expect(verifyExecutor(() => right, { runs: 5 })).rejects.toThrow(refused.replace('(shared)', '(right)'));
  });

  // Given the module's path, the first rerun of a counterexample ran on the shared object, still
  // open beside the run that found it, and closed it; only the second rerun was refused.
  it('refuses a module whose default export hands out one executor in the CLI\'s words as soon as it repeats, before running anything on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-vitest-'));
    const module = join(dir, 'shared.mjs');
    writeFileSync(module, `import create from '${new URL('./fixtures/verify/batch-executor.mjs', import.meta.url).href}';
const inner = create();
const log = (globalThis.sharedModuleLog = { executes: 0, closes: 0, executesAtHandout: [] });
const engine = { name: 'shared-batch', execute: (b, o) => { log.executes++; return inner.execute(b, o); }, close: async () => { log.closes++; } };
export default () => { log.executesAtHandout.push(log.executes); return engine; };
`);
    await expect(verifyExecutor(module, { runs: 200 })).rejects.toThrow(`${module}: what the default export returned (shared-batch) is an executor it returned before: return a new one from each call `
      + '(bench makes one per thread count, verify one for the run and one for each rerun of a counterexample), or export the one object itself, which stays open until the command is done');
    const log = (globalThis as unknown as { sharedModuleLog: { executes: number; closes: number; executesAtHandout: number[] } }).sharedModuleLog;
    // Handed out twice: the run found its counterexample, and nothing ran after the second handout; closed once, by the run.
    expect(log.executesAtHandout).toHaveLength(2);
    expect(log.executesAtHandout[1]).toBeGreaterThan(0);
    expect(log.executes).toBe(log.executesAtHandout[1]);
    expect(log.closes).toBe(1);
  });

  it('takes each factory for itself: one that wraps a module\'s factory (createExecutor) is no repeat of it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-vitest-'));
    const module = join(dir, 'fresh.mjs');
    writeFileSync(module, `import { referenceExecutor } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';\nexport default () => ({ ...referenceExecutor(), name: 'fresh' });\n`);
    await expect(verifyExecutor(() => createExecutor(module), { runs: 5 })).resolves.toMatchObject({ failures: [] });
  });

  it('throws a RangeError or TypeError naming a bad option before it calls the executor', async () => {
    let made = 0;
    const factory = (): Executor => { made++; return referenceExecutor(); };
    const cases: [object, ErrorConstructor, RegExp][] = [
      [{ runs: 0 }, RangeError, /^verifyExecutor: runs must be an integer from 1 to 3,276,800, got 0$/],
      [{ runs: 2.5 }, RangeError, /runs must be an integer/],
      [{ seed: -1 }, RangeError, /^verifyExecutor: seed must be an integer from 0 to 137,438,953,471, got -1$/],
      [{ txs: '64' }, TypeError, /^verifyExecutor: txs must be a number, got "64"$/],
      [{ txs: 10_001 }, RangeError, /^verifyExecutor: txs must be an integer from 1 to 10,000, got 10001$/],
      [{ timeout: -1 }, RangeError, /^verifyExecutor: timeout must be milliseconds from 0 \(no limit\) to 86,400,000 \(a day\), got -1$/],
      [{ timeout: Number.NaN }, RangeError, /timeout must be milliseconds/],
      [{ timeLimit: 0 }, RangeError, /^verifyExecutor: timeLimit must be milliseconds > 0, got 0$/],
      [{ timeLimit: Infinity }, RangeError, /timeLimit must be milliseconds > 0, got Infinity/],
      [{ replay: 'cv1_x', txs: 64, runs: 5 }, TypeError, /^verifyExecutor: replay reruns the one counterexample its token fixes: give it without runs, txs$/],
      // An unchecked array of anything but goals demanded a counter named undefined: "must exercise , ...".
      [{ coverage: [42] }, TypeError, /^verifyExecutor: coverage must be an array of stats counter names \(\['reExecutions'\]\) or goals \(\{ event, counter \}, as BLOCKSTM_COVERAGE\), got 42 at index 0$/],
      [{ coverage: 'reExecutions' }, TypeError, /coverage must be an array .*, got "reExecutions"$/],
      [{ repeat: 5 }, TypeError, /^verifyExecutor: repeat runs a replayed counterexample again: give it with replay$/],
      [{ replay: 'cv1_x', repeat: 0 }, RangeError, /^verifyExecutor: repeat must be an integer from 1 to 100,000, got 0$/],
      // A misspelt or unknown option was ignored, and the run went ahead without it.
      [{ runz: 1 }, TypeError, /^verifyExecutor: unknown option runz: the options are runs, seed, txs, timeLimit, timeout, outDir, coverage, replay, repeat, settings, threads, programs$/],
      [{ runs: 5, thread: 4, pool: 2 }, TypeError, /^verifyExecutor: unknown options thread, pool: the options are runs, .*, settings, threads, programs$/],
      // threads is one since verify --threads (test/verify-threads.test.ts): a list, not a count.
      [{ runs: 5, threads: 4 }, TypeError, /^verifyExecutor: threads must be an array of thread counts, e.g. \[8, 16\], got 4$/],
      [null as unknown as object, TypeError, /^verifyExecutor: options must be an object, got null$/],
      // A token that is no string failed inside the decoder ("token.startsWith is not a function"), a bad one in --replay's words.
      [{ replay: 123 }, TypeError, /^verifyExecutor: replay must be a replay token \(a string starting cv8_, or cv7_, cv6_, cv5_, cv4_, cv3_, cv2_ or cv1_ for older ones\), got 123$/],
      [{ replay: 'garbage' }, RangeError, /^verifyExecutor: replay: "garbage" is not a replay token \(they start with cv8_, or cv7_, cv6_, cv5_, cv4_, cv3_, cv2_ or cv1_ for older ones\)$/],
      [{ replay: 'cv1_x' }, RangeError, /^verifyExecutor: replay: the token is damaged/],
      // outDir was used unchecked: a number failed only once a counterexample was written, a file with EEXIST.
      [{ outDir: 5 }, TypeError, /^verifyExecutor: outDir must be a folder's path, got 5$/],
      [{ outDir: aFile }, RangeError, /^verifyExecutor: outDir .*a-file: is a file; give a folder$/],
      // A folder under a file: stat threw Node's own ENOTDIR error, not one in the helper's words.
      [{ outDir: join(aFile, 'x') }, RangeError, /^verifyExecutor: outDir .*a-file\/x: cannot write there: ENOTDIR$/],
    ];
    for (const [options, type, message] of cases) {
      const error = await verifyExecutor(factory, options).catch((e: unknown) => e);
      expect(error, JSON.stringify(options)).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
    }
    expect(made).toBe(0);
  });

  // A token that decodes but rebuilds no run was refused in --replay's words, as a plain Error.
  it('refuses a token that rebuilds no run in its own words, as one that does not decode, with the shrinking\'s steps or without', async () => {
    // Wrong on every block: fast-check walks a path past its first step only from a case that fails.
    const off: Executor = { name: 'off', async execute(block) { const r = executeReference(block); return { ...r, gasUsed: r.gasUsed + 1 }; }, async close() {} };
    const fields = { executor: 'test:off', check: 'equivalence', minTxs: 1, maxTxs: 20, seed: 65536, path: '0:99999', version: 1 } as const;
    for (const token of [fields, { ...fields, minimized: [] }]) {
      const error = await verifyExecutor(off, { replay: encodeToken(token) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toBe('verifyExecutor: replay: the token is damaged (copy it whole, it is one word)');
    }
  });

  // Node 20's recursive mkdirSync loops for ever under /proc/x: a counterexample written there hung the test runner.
  it.runIf(process.platform === 'linux')('refuses an outDir no folder or file can be made in before it runs, rather than hanging on the first counterexample', async () => {
    let made = 0;
    const error = await verifyExecutor(async () => { made++; return buggy(); }, { outDir: '/proc/concord-x/verify' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/^verifyExecutor: outDir \/proc\/concord-x\/verify: cannot write there: ENOENT$/);
    // A folder that is there but takes no files: access(W_OK) let root through, to fail at the first counterexample.
    const sys = await verifyExecutor(async () => { made++; return buggy(); }, { outDir: '/sys' }).catch((e: unknown) => e);
    expect(sys).toBeInstanceOf(RangeError);
    expect((sys as Error).message).toMatch(/^verifyExecutor: outDir \/sys: cannot write there: (EACCES|EPERM|EROFS)$/);
    expect(made).toBe(0);
  });

  it('makes outDir before the run and leaves no empty folder behind a passing one', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'concord-helper-out-')), 'a', 'b');
    await verifyExecutor(referenceExecutor(), { runs: 5, outDir: dir });
    expect(existsSync(join(dir, '..'))).toBe(false);
  });
});

// The helper made every executor with `{}`, as verify did: a partitioned engine was checked at its
// defaults alone, and the built-in modular executor with its default module count and hash.
describe('verifyExecutor settings', () => {
  const wrongOnRange = new URL('./fixtures/verify/wrong-on-range.mjs', import.meta.url).pathname;
  const partitioned = async (settings: { partition?: string }): Promise<Executor> => (await import(wrongOnRange)).default(settings);

  it('gives a factory the settings, and a failure\'s token carries them, which its replay must be given too', async () => {
    expect((await verifyExecutor(partitioned, { runs: 20 })).failures).toEqual([]);
    const error = await verifyExecutor(partitioned, { runs: 20, settings: { partition: 'range' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EquivalenceError);
    const [f] = (error as EquivalenceError).report.failures;
    expect(f).toMatchObject({ settings: { partition: 'range' } });
    expect((error as Error).message).toMatch(/to reproduce, use the replay below or seed 1 with the same runs, txs and settings\)$/m);
    expect(decodeToken(f!.token).settings).toEqual({ partition: 'range' });
    const again = await verifyExecutor(partitioned, { replay: f!.token, settings: { partition: 'range' } }).catch((e: unknown) => e);
    expect((again as EquivalenceError).report.failures[0]!.block).toEqual(f!.block);
    const other = await verifyExecutor(partitioned, { replay: f!.token }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(RangeError);
    expect((other as Error).message).toBe('verifyExecutor: replay: the token\'s failure was found on wrong-on-range made with partition range, and this one is made with its defaults: replay it on the executor made alike');
  });

  it('makes a built-in with those it takes, a module path\'s failure replaying on the command line alike', async () => {
    const report = await verifyExecutor('modular', { runs: 40, settings: { modules: 3, partition: 'affinity' } });
    expect(report.failures).toEqual([]);
    const error = await verifyExecutor(wrongOnRange, { runs: 20, settings: { partition: 'range' } }).catch((e: unknown) => e);
    const [f] = (error as EquivalenceError).report.failures;
    expect(f!.replay).toBe(`npx concord verify --replay ${f!.token}`);
    expect(decodeToken(f!.token).settings).toEqual({ partition: 'range' });
  });

  it('refuses settings an executor would ignore or does not know, before anything runs', async () => {
    const cases: [Parameters<typeof verifyExecutor>[0], unknown, ErrorConstructor, RegExp][] = [
      [referenceExecutor(), { partition: 'range' }, TypeError, /^verifyExecutor: settings make an executor, and an object is made already: give a factory or a class, which receives them$/],
      ['block-stm', { modules: 4 }, TypeError, /^verifyExecutor: settings\.modules configures the modular executor, not block-stm$/],
      ['modular', { partition: 'nope' }, RangeError, /^verifyExecutor: settings\.partition: unknown partition "nope" for the modular executor \(known: hash, range, affinity\)$/],
      ['modular', { modules: 0 }, RangeError, /^verifyExecutor: settings\.modules must be an integer from 1 to 4,096, got 0$/],
      ['modular', { modules: '4' }, TypeError, /^verifyExecutor: settings\.modules must be a number, got "4"$/],
      ['modular', { partition: '' }, TypeError, /^verifyExecutor: settings\.partition must be a partition's name, got ""$/],
      ['modular', { threads: 2 }, TypeError, /^verifyExecutor: settings: unknown setting threads: the settings are modules and partition$/],
      ['modular', 'range', TypeError, /^verifyExecutor: settings must be an object \(\{ modules, partition \}\), got "range"$/],
    ];
    for (const [executor, settings, type, message] of cases) {
      const error = await verifyExecutor(executor, { runs: 1, settings: settings as never }).catch((e: unknown) => e);
      expect(error, JSON.stringify(settings)).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
    }
  });
});
