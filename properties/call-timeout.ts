// A time limit on every call into the executor under test, for a caller that must not end the
// process (the vitest helper; `concord verify --timeout` exits instead, cli/errors.ts watchCalls):
// a call (create, execute, close) still pending past the limit, or one that held the thread past it
// and then returned, makes the run reject with ExecutorTimeoutError, which names the call, shows
// its block (written to outDir when one is given) and the replay that makes the same call again.
// Invariant: once a call has hung, no call reaches the executor again and no pending call settles
// into the run, so a run that rejected never goes on checking behind its caller's back; the
// instances the run made are closed first, as a clean-up. A close() after a counterexample is a
// clean-up from the start: all of them together are waited for CLEANUP_MS at most (or the limit,
// when shorter), and whether they settle, throw or hang, the counterexample is what is reported.

import type { Block } from '../spec/block.js';
import { writeBlock } from '../spec/block-file.js';
import { plural } from '../spec/plural.js';
import type { CheckDef, CheckInput, Subject, TxRange } from './equivalence.js';
import { formatBlock, rerunCommand, shownTxs } from './report.js';
import { preStateKindOf } from '../spec/shared-state.js';
import { encodeToken, HELPER_PREFIX, replayCommand, sealToken, type CheckName, type PartitionSettings, type ReplayToken } from './replay.js';
import { BATCH } from './verify-limits.js';
import { batchSeed, executeTarget, isProbeBlock, probeMs, writeExecutorBlock, type SubjectSource } from './runner.js';
import { CLEANUP_MS, cleanUpBudget } from './clean-up.js';
import { execHangNote } from '../impl/exec-executor.js';
import type { Programs } from './programs.js';

export interface CallLimit {
  /** Milliseconds a call may stay pending; 0 waits for ever. */
  readonly timeoutMs: number;
  /** The run's seed: a hung execute() of a generated run replays from it. */
  readonly seed: number;
  /** Where the block of a hung execute() is written; undefined: nowhere (the message shows the block). */
  readonly outDir?: string;
  /** The create() call as messages name it ("the executor factory", "loading the executor ./x.mjs"). */
  readonly creating: string;
  /** The token being replayed, if the run is a replay: a hang in it replays with the same token. */
  readonly replay?: ReplayToken;
  /** What the executor was made with (the helper's `settings`), which a hang's token and rerun command carry. */
  readonly settings?: PartitionSettings;
  /** The thread counts the checks draw from (the helper's `threads`), which a hang's token carries. */
  readonly threadCounts?: readonly number[];
  /** The contracts the checks' blocks call alone (the helper's `programs`), which a hang's token carries. */
  readonly programs?: Programs;
}

/** What hung, for a test to inspect beside the message. */
export interface Hang {
  /** The call as the message names it: "the executor mine: execute() on a generated block of 3 transactions (threads 2)". */
  readonly call: string;
  readonly timeoutMs: number;
  /** How long a call that held the thread took before it returned; absent for one still pending. */
  readonly tookMs?: number;
  /** The block of a hung execute(), as a block file object (format concord-block/1), and where it was written. */
  readonly block?: object;
  readonly blockFile?: string;
  readonly threads?: number;
  /** The replay token of a hung execute() in a generated run (or of the replay it hung in). */
  readonly token?: string;
}

export class ExecutorTimeoutError extends Error {
  constructor(message: string, readonly hang: Hang) {
    super(message);
    this.name = 'ExecutorTimeoutError';
  }
}

/** The generated run a check is in, while the runner is not shrinking or rerunning a counterexample: its fast-check path is known. */
interface Position {
  readonly check: CheckName;
  readonly txs: TxRange;
  /** The check's runs before this one, over all its batches. */
  readonly before: number;
  /** The run's input, which the token's digest covers. */
  readonly input: CheckInput;
}

/**
 * The token that regenerates the input of generated run `p`, unshrunk: a check's runs go in batches
 * of BATCH from batch 0 (runner.ts), each from its own key, and fast-check's path for the i-th input
 * of a batch is "i". It names its failure a hang, so a replay that fails otherwise says so.
 */
function positionToken(executor: string, seed: number, p: Position, settings: PartitionSettings | undefined, threadCounts: readonly number[] | undefined, programs?: Programs): ReplayToken {
  const fields = {
    executor, check: p.check, minTxs: p.txs.min, maxTxs: p.txs.max, seed: batchSeed(seed, Math.floor(p.before / BATCH)), path: String(p.before % BATCH),
    ...(settings ? { settings } : {}), ...(threadCounts ? { threadCounts } : {}), ...(programs ? { programs } : {}), failure: 'hang' as const,
  };
  return sealToken(fields, [], undefined, p.input);
}

/**
 * The message of a hang; writes the block of a hung execute() to `limit.outDir`. `seen`: what an
 * exec: engine was seen to do since its request (execHangNote); `unclosed`: how many instances'
 * clean-up close() after the hang did not settle either.
 */
function hangError(
  executor: string, limit: CallLimit, call: string, position: Position | undefined,
  { block, threads, tookMs, seen, unclosed }: { block?: Block; threads?: number; tookMs?: number; seen: string; unclosed: number },
): ExecutorTimeoutError {
  const ms = limit.timeoutMs;
  const lines = [tookMs === undefined
    ? `verifyExecutor: ${call} did not settle within ${ms} ms (the timeout option)${seen}`
    : `verifyExecutor: ${call} took ${Math.round(tookMs)} ms, past the timeout of ${ms} ms: it held the thread (a busy loop or a blocking wait) until it returned`];
  let blockFile: string | undefined;
  const token = limit.replay ?? (block && position ? positionToken(executor, limit.seed, position, limit.settings, limit.threadCounts, limit.programs) : undefined);
  if (block && !isProbeBlock(block)) {
    const only = shownTxs(block.txs.length, []);
    lines.push(...formatBlock(block, only).map((l) => `  ${l}`));
    let where = 'give verifyExecutor an outDir to have it written';
    if (limit.outDir !== undefined) {
      try {
        blockFile = writeExecutorBlock(limit.outDir, executor, 'hung', writeBlock(block));
        where = `it is in ${blockFile}`;
        // An executor only the test holds has no command that builds it.
        const rerun = executor.startsWith(HELPER_PREFIX) ? '' : `  (rerun: ${rerunCommand(blockFile, executor, threads, 1, preStateKindOf(block), undefined, limit.settings)} --timeout ${ms / 1000})`;
        lines.push(`  block file   ${blockFile}${rerun}`);
      } catch (e) {
        where = `it could not be written to ${limit.outDir}: ${(e as Error).message}`;
        lines.push(`  block file   none: ${where}`);
      }
    }
    const left = block.txs.length - only.length;
    if (left > 0) lines.push(`  not shown    ${plural(left, 'transaction')} of ${block.txs.length}: ${blockFile ? `the whole block is in ${blockFile}` : where}`);
  }
  if (token) {
    // The replay runs the check's block, on which the executor threw; no replay probes after a throw.
    const after = isProbeBlock(block) ? '  (the run whose block it threw on just before: the replay shows the throw, not this hang)' : '';
    lines.push(`  seed         ${token.seed}, path ${token.path}`, `  replay       ${replayCommand(token, ms)}${after}`);
  } else {
    // create(), close(), or an execute() while a counterexample was shrunk or rerun: no generated run's path names it.
    lines.push('  replay       rerun this test: its seed is pinned, so it makes the same calls in the same order');
  }
  // The test process goes on after the test fails: what the hung instance left running stays with it.
  if (unclosed > 0) {
    lines.push(`  close        ${unclosed === 1 ? 'its close()' : `the close() of ${unclosed} instances`}, the clean-up after the hang, did not settle within the clean-up wait (${CLEANUP_MS / 1000} s at most, or the timeout when shorter) either: `
      + 'the threads or timers it left may keep the test process running');
  }
  // The no-op block is no block of the run's: the message shows none, and neither does the hang.
  const own = block && !isProbeBlock(block) ? block : undefined;
  const hang: Hang = {
    call, timeoutMs: ms, ...(tookMs === undefined ? {} : { tookMs }), ...(own ? { block: writeBlock(own) } : {}), ...(blockFile ? { blockFile } : {}),
    ...(threads === undefined || !own ? {} : { threads }), ...(token ? { token: encodeToken(token) } : {}),
  };
  return new ExecutorTimeoutError(lines.join('\n'), hang);
}

/**
 * Calls `run` with `source` and `checks` wrapped so that every call into the executor is timed,
 * and settles as `run` does, unless a call hangs: then it rejects with ExecutorTimeoutError at once
 * (after closing the instances made, as a clean-up), and `run` is left parked where it was. `run`
 * makes every call into the executor through the source it is given, and runs generated checks
 * from the checks it is given: they tell where in the run a hung call was, for its replay.
 */
export function withCallLimit<T>(
  source: SubjectSource, checks: readonly CheckDef[], limit: CallLimit, run: (source: SubjectSource, checks: readonly CheckDef[]) => Promise<T>,
): Promise<T> {
  let stopped = false;
  let fail!: (e: Error) => void;
  const hung = new Promise<never>((_, reject) => { fail = reject; });
  const open = new Set<Subject>();
  const budget = cleanUpBudget(limit.timeoutMs);
  let position: Position | undefined;
  // Set by a run that failed: the calls after it shrink or rerun a counterexample, whose fast-check path is not known here.
  let shrinking = false;
  const parked = <U>(): Promise<U> => new Promise<U>(() => {});

  const cleanUp = async (work: () => Promise<unknown>): Promise<void> => { await budget.run(work); };

  // `executor`: the name the executor's failure reports and tokens carry (Subject.name), the source's before it exists.
  const hang = async (executor: string, call: string, block?: Block, threads?: number, tookMs?: number): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // What an exec: engine was seen to do is read while its request is still pending: the close ends it.
    const seen = execHangNote(call);
    let unclosed = 0;
    for (const s of open) if (!(await budget.run(() => s.close(true)))) unclosed++;
    open.clear();
    fail(hangError(executor, limit, call, position, { block, threads, tookMs, seen, unclosed }));
  };

  const call = <U>(executor: string, what: string, work: () => Promise<U>, block?: Block, threads?: number): Promise<U> => {
    if (stopped) return parked();
    // The no-op block after a throw only asks whether the instance still runs (runner.ts alive()):
    // pending past its bound, the instance is broken and replaced, and the throw is what is reported.
    const probe = isProbeBlock(block) ? probeMs(limit.timeoutMs) : undefined;
    if (limit.timeoutMs === 0 && probe === undefined) return work();
    const began = performance.now();
    return new Promise<U>((resolve, reject) => {
      // Not unref'd either: it is what ends a wait on a promise nothing else would ever settle.
      const timer = probe === undefined
        ? setTimeout(() => void hang(executor, what, block, threads), limit.timeoutMs)
        : setTimeout(() => reject(new Error(`${what} did not settle within ${probe} ms`)), probe);
      Promise.resolve().then(work).then((v) => {
        clearTimeout(timer);
        if (stopped) return;
        // A call that held the thread kept the timer from firing: it hung all the same.
        const took = performance.now() - began;
        if (limit.timeoutMs > 0 && took >= limit.timeoutMs) void hang(executor, what, block, threads, took);
        else resolve(v);
      }, (e: unknown) => {
        clearTimeout(timer);
        if (!stopped) reject(e);
      });
    });
  };

  const timed = (s: Subject): Subject => {
    const name = `the executor ${s.label ?? s.name}`;
    return {
      ...s,
      execute: (block, threads) => call(s.name, `${name}: execute() on ${executeTarget(block, threads)}`,
        () => s.execute(block, threads), block, threads),
      close: (afterFailure) => {
        if (stopped) return parked();
        open.delete(s);
        return afterFailure ? cleanUp(() => s.close(true)) : call(s.name, `${name}: close()`, () => s.close(false));
      },
    };
  };

  const timedSource: SubjectSource = {
    name: source.name,
    create: () => call(source.name, limit.creating, async () => {
      const s = await source.create();
      // Made after a hang: nothing will use it, so it is closed at once.
      if (stopped) void Promise.resolve().then(() => s.close(true)).catch(() => {});
      else open.add(s);
      return timed(s);
    }),
  };

  const timedChecks = checks.map((check): CheckDef => {
    let txs = check.txs;
    let runs = 0;
    return {
      ...check,
      inputs: (range, subject, version) => {
        txs = range;
        return check.inputs(range, subject, version);
      },
      run: async (subject, o, input) => {
        position = shrinking ? undefined : { check: check.name, txs, before: runs, input };
        runs++;
        let ok = false;
        try {
          ok = await check.run(subject, o, input);
          return ok;
        } finally {
          shrinking ||= !ok;
          position = undefined;
        }
      },
    };
  });

  return Promise.race([run(timedSource, timedChecks), hung]);
}
