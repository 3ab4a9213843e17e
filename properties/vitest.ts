// A helper for a user's own test suite (vitest, node:test, or jest in ESM mode: it only throws;
// docs/verify.md says which module setups load it): checks an executor against the reference with
// Concord's equivalence and determinism properties and, on a counterexample, throws an Error whose
// message is the full failure report (explanation, shrunk block, block file, replay). A call into
// the executor that hangs past `timeout` rejects with ExecutorTimeoutError (properties/call-timeout.ts).
// A replay tells the token's failure from another of its block as `concord verify --replay` does.
// Invariant: seeds are pinned (default 1), so a suite that passes once passes every time on the
// same code, and mutation testing can match its tests between runs. An executor given as an object
// or a factory is named in tokens as no command can build it (HELPER_PREFIX), so its failure's
// replay is this helper's own option, never a `concord verify --replay` that runs something else.
// Options mean what `concord verify`'s of the same name mean, within the same limits (runner.ts,
// verify-limits.ts), in milliseconds where the CLI takes seconds; a bad one, or one it does not
// know, throws before anything runs.

import type { Executor } from '../spec/executor.js';
import { executorFrom, EXECUTORS, type ExecutorSettings } from '../impl/registry.js';
import { MAX_MODULES } from '../impl/modular/executor.js';
import { PARTITION_KINDS } from '../impl/modular/partition.js';
import { freshInstances } from '../impl/fresh-instance.js';
import { counterGoal, type CoverageGoal, type Subject } from './equivalence.js';
import { executorSubject, executorSource, settingsFor } from './subjects.js';
import { thrownText } from './explain.js';
import { failedOtherwise, formatFailure, passedAloneText, replayRunsLine } from './report.js';
import { decodeToken, HELPER_PREFIX, ReplayTokenError, sameFailureKind, settingsText, TOKEN_STARTS, type PartitionSettings, type ReplayToken } from './replay.js';
import { OutPathError, prepareOut, removeEmptyFolders } from './folders.js';
import { CHECK_DEFS, replayFailure, runVerify, type FailureReport, type RunReport, type SubjectSource } from './runner.js';
import { ExecutorTimeoutError, withCallLimit } from './call-timeout.js';
import { coverageHint, uncoveredText, type HintOptionNames } from './coverage-hint.js';
import { sortedThreadCounts, threadCountsProblem } from './thread-counts.js';
import { parsePrograms, type Programs } from './programs.js';
import { MAX_CALL_TIMEOUT_S, MAX_REPLAY_REPEAT, MAX_RUNS, MAX_SEED, MAX_VERIFY_TXS } from './verify-limits.js';

export { ExecutorTimeoutError, type Hang } from './call-timeout.js';

/**
 * Blocks for the equivalence check when `runs` is not given: a tenth of `concord verify`'s 2000,
 * since a unit test suite runs on every change and this costs a few seconds, not a minute.
 */
export const DEFAULT_HELPER_RUNS = 200;
/**
 * Milliseconds a call into the executor may stay pending when `timeout` is not given: a thousand
 * times what a generated block takes, and below the raised test timeouts a verify run needs anyway.
 */
export const DEFAULT_HELPER_TIMEOUT_MS = 10_000;

export interface VerifyExecutorOptions {
  /**
   * Generated blocks for the equivalence check, 1 to MAX_RUNS (default DEFAULT_HELPER_RUNS, 200);
   * vm-corners half, determinism a quarter, big-blocks a fiftieth, interleavings half, exhaustive
   * enumeration a fiftieth.
   */
  readonly runs?: number;
  /** The run's seed, 0 to MAX_SEED (default 1): the same seed checks the same blocks. */
  readonly seed?: number;
  /**
   * Transactions in every generated block, 1 to MAX_VERIFY_TXS (`concord verify --txs`). Default:
   * 1 to 20 (1 to 40 for interleavings). Exhaustive enumeration keeps its tiny blocks, the
   * big-blocks check its 21 to 1,100 (a fiftieth of the runs): fix the size here for many blocks
   * of one size.
   */
  readonly txs?: number;
  /**
   * A budget in milliseconds, shared out over the checks as `concord verify --time-limit` (seconds)
   * shares it. A run it cuts resolves, with `timedOut` true in the report: not a pass of the checks cut.
   */
  readonly timeLimit?: number;
  /**
   * Milliseconds a call into the executor (create, execute(), close()) may stay pending before the
   * run rejects with ExecutorTimeoutError (default DEFAULT_HELPER_TIMEOUT_MS, 10,000; 0 waits for
   * ever; at most a day). Keep it below your test's own timeout, which gives no block and no replay.
   */
  readonly timeout?: number;
  /** Where failing and hung blocks are written (default: nowhere; the report still prints them). */
  readonly outDir?: string;
  /**
   * Parallel paths a green run must have taken, as statistics counters your executor reports: names
   * (`['reExecutions']`, as `--coverage` takes them) or goals such as BLOCKSTM_COVERAGE
   * (re-executions, ESTIMATE waits, dependency resumes, failed validations).
   */
  readonly coverage?: readonly (string | CoverageGoal)[];
  /** A replay token from an earlier failure: rerun just that counterexample (against this executor). */
  readonly replay?: string;
  /**
   * With `replay`: run the counterexample up to this many times on one instance, stopping at its
   * first failure, for a failure that comes and goes (default 1).
   */
  readonly repeat?: number;
  /**
   * What the executor is made with, as `concord verify --modules --partition` gives it: a factory
   * or a class receives it (a user's engine may name any partition), the built-in modular executor
   * takes a module count from 1 to 4,096 and hash, range or affinity; its simulated checks keep
   * them. Default `{}`, the executor's defaults. A failure's token carries them, and its replay
   * must be given the same.
   */
  readonly settings?: PartitionSettings;
  /**
   * The thread counts every check calls execute() at, as `concord verify --threads` gives them
   * (`[8, 16]`, or your engine's production count, `[32]`): integers from 1 to 4 per effective core
   * (at least 64), each once. They replace the checks' own (1, 2 and 4; 1 to 4 in determinism; 2
   * to 16 in big-blocks); the simulated interleavings keep their virtual workers. A failure's
   * token carries them.
   */
  readonly threads?: readonly number[];
  /**
   * What the generated blocks hold, as `concord verify --programs` gives it: 'all' (the default:
   * random bytecode and library-contract calls), 'contracts' (every library contract's calls
   * alone, for an engine that implements them natively and runs no bytecode), or a list of
   * contract names (`['p2p', 'token']`). vm-corners is then not run. A failure's token carries it.
   */
  readonly programs?: string | readonly string[];
}

/** The first line of an error from a replay whose block failed otherwise (report.ts failedOtherwise), as `concord verify --replay` words it. */
const otherwiseLine = (otherwise: string): string => `Concord's replay failed, but not as found: ${otherwise}`;

export class EquivalenceError extends Error {
  /**
   * A replay's: whether its block failed as the token's failure did, as `concord verify --replay
   * --json` says `reproduced` (a token from before tokens named their failure's kind cannot tell,
   * and says true). Absent outside a replay.
   */
  declare readonly reproduced?: boolean;
  /** A replay's whose block failed another way than the token's failure: the two, in `concord verify --replay`'s words. */
  declare readonly failedOtherwise?: string;
  /** `replayed`: a replay's runs of its block (the last one failed), the most it was given, as `concord verify --replay --repeat` prints them, and how it failed otherwise, if it did. */
  /** `hint`: a line under the missing coverage, as `concord verify` prints one (what to raise, what to check). */
  constructor(readonly report: RunReport, replayed?: { readonly runs: number; readonly repeat: number; readonly otherwise?: string }, hint?: string) {
    const runsLine = replayed && replayRunsLine(replayed.runs, replayed.repeat);
    const lines = report.failures.flatMap((f) => {
      const [first, ...rest] = formatFailure(f, 'helper');
      return [first!, ...(runsLine ? [runsLine] : []), ...rest, ''];
    });
    for (const e of report.executors) if (e.uncovered.length) lines.push(uncoveredText(e));
    if (hint && report.executors.some((e) => e.uncovered.length)) lines.push(`  hint: ${hint}`);
    const otherwise = replayed?.otherwise;
    super(`${otherwise ? `${otherwiseLine(otherwise)}\n` : ''}Concord found ${report.failures.length ? 'a counterexample' : 'missing coverage'}:\n${lines.join('\n')}`);
    this.name = 'EquivalenceError';
    if (replayed) this.reproduced = !otherwise;
    if (otherwise) this.failedOtherwise = otherwise;
  }
}

/**
 * A replay's hang where the token's failure was no hang (a lost write, a throw): an
 * ExecutorTimeoutError still, whose message says first that the token's failure did not come back,
 * as EquivalenceError's does.
 */
export class ReplayHangError extends ExecutorTimeoutError {
  readonly reproduced = false;
  constructor(readonly failedOtherwise: string, hung: ExecutorTimeoutError) {
    super(`${otherwiseLine(failedOtherwise)}\n${hung.message}`, hung.hang);
    this.name = 'ExecutorTimeoutError';
  }
}

/**
 * `hung`, from a replay of `token`, as a ReplayHangError where the token names another failure
 * than a hang and the hang was an execute() of its block; as it is otherwise (a hang token's
 * replay hanging again; a hang creating the executor, no failure of the block).
 */
function hangOtherwise(hung: unknown, token: ReplayToken, timeoutMs: number): unknown {
  if (!(hung instanceof ExecutorTimeoutError) || token.failure === undefined || sameFailureKind(token.failure, 'hang', token.failsOnly === 'sometimes')) return hung;
  const { block, threads } = hung.hang;
  // A block file (spec/block-file.ts writeBlock) holds its transactions as `transactions`.
  const txs = block === undefined ? undefined : (block as { transactions?: unknown }).transactions;
  if (!Array.isArray(txs)) return hung;
  // The hang as a failure of the block, which failedOtherwise words as `concord verify --replay` does.
  const seen: FailureReport = {
    executor: token.executor, label: token.executor, check: token.check, setting: threads === undefined ? '' : `threads ${threads}`, ...(threads === undefined ? {} : { threads }),
    seed: token.seed, path: token.path, token: hung.hang.token ?? '', replay: '', transactions: txs.length, numShrinks: 0, block: block!, hungMs: timeoutMs,
  };
  const otherwise = failedOtherwise(token, seen, 'hang', 'helper');
  return otherwise === undefined ? hung : new ReplayHangError(otherwise, hung);
}

/** An executor only this helper holds: named for tokens so that no command takes it for another, shown by its own name. */
function heldSubject(e: Executor, coverage: readonly CoverageGoal[], settings: PartitionSettings = {}): Subject {
  return { ...executorSubject(e, `${HELPER_PREFIX}${e.name}`, coverage, undefined, settings), label: e.name };
}

/**
 * `source`, whose executors' close() throws name the executor, as `concord verify` says it: the bare
 * error ("pool gone") did not say that the checks had run, nor which call threw.
 */
function closeNamed(source: SubjectSource): SubjectSource {
  return {
    ...source,
    create: async () => {
      const s = await source.create();
      return {
        ...s,
        close: async (afterFailure) => {
          try {
            await s.close(afterFailure);
          } catch (e) {
            throw new Error(`verifyExecutor: the executor ${s.label ?? s.name} threw while closing: ${thrownText(e)}`, { cause: e });
          }
        },
      };
    },
  };
}

/** What verifyExecutor throws for a value it refuses as the executor (none, or one its factory returned before), in the words `concord verify` uses for a module's default export. */
const notExecutor = (problem: string): TypeError => new TypeError(`verifyExecutor: ${problem}`);

/**
 * Executors the factories and classes given to verifyExecutor made, in any call, each to be handed
 * out once (impl/fresh-instance.ts): unrefused, the reruns of a counterexample "on a fresh
 * instance" ran on the one object, beside the run that found it or closed by the rerun before.
 */
const freshFromFactory = freshInstances({
  subject: 'the executor',
  calls: 'verifyExecutor makes one for the run and one for each rerun of a counterexample, and closes each',
  instead: 'give verifyExecutor the one object itself, which it leaves open',
});

/** A value as an option message shows it: a string quoted, so that "64" is not read as 64. */
function shown(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function numberOption(name: string, v: unknown): number {
  if (typeof v !== 'number') throw new TypeError(`verifyExecutor: ${name} must be a number, got ${shown(v)}`);
  return v;
}

/** An integer option in [min, max], or `fallback` when absent. */
function intOption(name: string, v: unknown, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  const n = numberOption(name, v);
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`verifyExecutor: ${name} must be an integer from ${min} to ${max.toLocaleString('en-US')}, got ${n}`);
  return n;
}

/** Every option's name: one the helper does not know (`runz`, `threads`) throws rather than being ignored. */
const OPTION_NAMES: Readonly<Record<keyof VerifyExecutorOptions, true>> = {
  runs: true, seed: true, txs: true, timeLimit: true, timeout: true, outDir: true, coverage: true, replay: true, repeat: true, settings: true, threads: true, programs: true,
};

/** `programs` as a run holds them (programs.ts): undefined for 'all'; a name no contract has is a RangeError naming it and the valid ones. */
function programsOption(v: unknown): Programs | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return parsePrograms(v, 'verifyExecutor: programs');
  if (!Array.isArray(v) || !v.every((n) => typeof n === 'string')) throw new TypeError(`verifyExecutor: programs must be 'all', 'contracts' or a list of contract names, got ${shown(v)}`);
  return parsePrograms(v.join(','), 'verifyExecutor: programs');
}

function checkOptionNames(options: unknown): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`verifyExecutor: options must be an object, got ${shown(options)}`);
  const unknown = Object.keys(options).filter((k) => !Object.hasOwn(OPTION_NAMES, k));
  if (unknown.length === 0) return;
  throw new TypeError(`verifyExecutor: unknown option${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}: the options are ${Object.keys(OPTION_NAMES).join(', ')}`);
}

/** `threads` as a run holds them (thread-counts.ts), sorted; undefined, each check's own, when absent. */
function threadsOption(v: unknown): readonly number[] | undefined {
  if (v === undefined) return undefined;
  const problem = threadCountsProblem(v);
  if (problem === null) return sortedThreadCounts(v as number[]);
  // As for the other options: the wrong kind of value is a TypeError, a number out of range a RangeError.
  throw new (Array.isArray(v) && v.every((t) => typeof t === 'number') ? RangeError : TypeError)(`verifyExecutor: threads ${problem}`);
}

/**
 * `coverage` as goals: a counter name stands for itself, as `--coverage` reads it. Anything else
 * throws: unchecked, an array of names became goals with no counter, demanded as "exercise ,".
 */
function coverageGoals(v: unknown): CoverageGoal[] {
  if (v === undefined) return [];
  const goal = (g: unknown): CoverageGoal | undefined => {
    if (typeof g === 'string') return counterGoal(g);
    if (typeof g !== 'object' || g === null) return undefined;
    const { event, counter } = g as Partial<CoverageGoal>;
    return typeof event === 'string' && typeof counter === 'string' && counter !== '' ? { event, counter } : undefined;
  };
  const goals = Array.isArray(v) ? v.map(goal) : [undefined];
  const bad = goals.findIndex((g) => g === undefined);
  if (bad >= 0) {
    const got = Array.isArray(v) ? `${shown(v[bad])} at index ${bad}` : shown(v);
    throw new TypeError(`verifyExecutor: coverage must be an array of stats counter names (['reExecutions']) or goals ({ event, counter }, as BLOCKSTM_COVERAGE), got ${got}`);
  }
  return goals as CoverageGoal[];
}

/**
 * `settings` for `executor`, checked as `concord verify` checks --modules and --partition: a
 * setting the executor would ignore (a built-in that does not take it; an object, made already)
 * throws rather than pass the run on defaults, and so does a partition the built-in does not know.
 */
function settingsOption(v: unknown, executor: Parameters<typeof verifyExecutor>[0]): PartitionSettings {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TypeError(`verifyExecutor: settings must be an object ({ modules, partition }), got ${shown(v)}`);
  const { modules, partition, ...rest } = v as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new TypeError(`verifyExecutor: settings: unknown ${unknown.length === 1 ? 'setting' : 'settings'} ${unknown.join(', ')}: the settings are modules and partition`);
  const m = intOption('settings.modules', modules, 0, 1, MAX_MODULES);
  if (partition !== undefined && (typeof partition !== 'string' || partition === '')) throw new TypeError(`verifyExecutor: settings.partition must be a partition's name, got ${shown(partition)}`);
  const given: PartitionSettings = { ...(modules === undefined ? {} : { modules: m }), ...(partition === undefined ? {} : { partition }) };
  if (!settingsText(given)) return given;
  if (typeof executor === 'object') throw new TypeError('verifyExecutor: settings make an executor, and an object is made already: give a factory or a class, which receives them');
  const entry = typeof executor === 'string' ? EXECUTORS.get(executor) : undefined;
  if (entry) {
    const ignored = (['modules', 'partition'] as const).filter((k) => given[k] !== undefined && !entry.takes.includes(k));
    if (ignored.length) {
      const by = [...EXECUTORS.values()].filter((e) => ignored.every((k) => e.takes.includes(k))).map((e) => e.name).join(', ');
      throw new TypeError(`verifyExecutor: settings.${ignored.join(' and settings.')} configure${ignored.length === 1 ? 's' : ''} the ${by} executor, not ${executor}`);
    }
    if (partition !== undefined && !(PARTITION_KINDS as readonly string[]).includes(partition as string)) {
      throw new RangeError(`verifyExecutor: settings.partition: unknown partition ${shown(partition)} for the ${executor} executor (known: ${PARTITION_KINDS.join(', ')})`);
    }
  }
  return given;
}

/** Milliseconds: `timeLimit` > 0, `timeout` from 0 (no limit) to a day. */
function msOptions(o: VerifyExecutorOptions): { timeLimitMs?: number; timeoutMs: number } {
  let timeLimitMs: number | undefined;
  if (o.timeLimit !== undefined) {
    timeLimitMs = numberOption('timeLimit', o.timeLimit);
    if (!(timeLimitMs > 0) || !Number.isFinite(timeLimitMs)) throw new RangeError(`verifyExecutor: timeLimit must be milliseconds > 0, got ${timeLimitMs}`);
  }
  let timeoutMs = DEFAULT_HELPER_TIMEOUT_MS;
  if (o.timeout !== undefined) {
    timeoutMs = numberOption('timeout', o.timeout);
    const max = MAX_CALL_TIMEOUT_S * 1000;
    if (!(timeoutMs >= 0 && timeoutMs <= max)) throw new RangeError(`verifyExecutor: timeout must be milliseconds from 0 (no limit) to ${max.toLocaleString('en-US')} (a day), got ${timeoutMs}`);
  }
  return { ...(timeLimitMs === undefined ? {} : { timeLimitMs }), timeoutMs };
}

/**
 * `outDir`, checked before the run as `concord verify --out` is: a folder, made now, that can be
 * written. Unchecked, a number failed only once a counterexample was being written, and a folder
 * that cannot be made (`/proc/x`) hung the test for ever on Node 20, whose recursive mkdirSync
 * loops there. Returns the folders it made, which the run removes again where it wrote nothing.
 */
function outDirOption(v: unknown): { outDir?: string; made: string[] } {
  // An empty outDir, as before, writes nothing.
  if (v === undefined || v === '') return { made: [] };
  if (typeof v !== 'string') throw new TypeError(`verifyExecutor: outDir must be a folder's path, got ${shown(v)}`);
  try {
    return { outDir: v, made: prepareOut(v, 'folder', (e) => (e as NodeJS.ErrnoException).code ?? (e as Error).message) };
  } catch (e) {
    if (e instanceof OutPathError) throw new RangeError(`verifyExecutor: outDir ${v}: ${e.problem}`, { cause: e.cause });
    throw e;
  }
}

/** A token the replay refused (ReplayTokenError, in `--replay`'s words) as a RangeError in the helper's: anything else as it is. */
function replayRefused(e: unknown): unknown {
  return e instanceof ReplayTokenError ? new RangeError(`verifyExecutor: replay: ${e.message.replace(/^--replay: /, '')}`, { cause: e }) : e;
}

/** `replay` as a token: a string that decodes, or a TypeError (not a string) or RangeError (no token) in the helper's words. */
function replayOption(v: unknown): ReplayToken {
  if (typeof v !== 'string') throw new TypeError(`verifyExecutor: replay must be a replay token (a string starting ${TOKEN_STARTS}), got ${shown(v)}`);
  try {
    return decodeToken(v);
  } catch (e) {
    throw replayRefused(e);
  }
}

/** How the helper's hints name its options: the sentences are `concord verify`'s (coverage-hint.ts). */
const HELPER_OPTION_NAMES: HintOptionNames = { runs: 'runs', coverage: 'coverage' };

/**
 * Checks an executor: an Executor object (left open: the caller owns it), a factory or a class
 * (called or constructed with `settings`, `{}` by default, as `concord verify` does a module's; each instance
 * closed afterwards, and one it made before refused with a TypeError), or a built-in name / module
 * path. Resolves to the run's report; throws EquivalenceError on a counterexample or missing
 * coverage, ExecutorTimeoutError when a call into the executor hangs past `timeout`, and RangeError
 * or TypeError for a bad option or a value that is no executor (impl/registry.ts executorFrom, as for a module's default export). A replay of a
 * counterexample that failed only after the blocks run before it on its instance, or only
 * sometimes, throws an Error that says so when it passes: passing alone does not make it gone.
 * A replay whose block fails another way than the token names (report.ts failedOtherwise) says so
 * first, as `concord verify --replay` does: EquivalenceError's `reproduced` false and
 * `failedOtherwise`, or a ReplayHangError for a hang.
 */
export async function verifyExecutor(
  executor: Executor | ((settings: ExecutorSettings) => Executor | Promise<Executor>) | (new (settings: ExecutorSettings) => Executor) | string,
  options: VerifyExecutorOptions = {},
): Promise<RunReport> {
  checkOptionNames(options);
  const runs = intOption('runs', options.runs, DEFAULT_HELPER_RUNS, 1, MAX_RUNS);
  const seed = intOption('seed', options.seed, 1, 0, MAX_SEED);
  const txs = options.txs === undefined ? undefined : intOption('txs', options.txs, 1, 1, MAX_VERIFY_TXS);
  const { timeLimitMs, timeoutMs } = msOptions(options);
  const coverage = coverageGoals(options.coverage);
  const settings = settingsOption(options.settings, executor);
  const threadCounts = threadsOption(options.threads);
  const programs = programsOption(options.programs);
  const { outDir, made } = outDirOption(options.outDir);
  try {
    return await check(executor, options, { runs, seed, txs, timeLimitMs, timeoutMs, coverage, settings, threadCounts, programs, outDir });
  } finally {
    removeEmptyFolders(made);
  }
}

/** verifyExecutor once its options are checked. */
async function check(
  executor: Parameters<typeof verifyExecutor>[0],
  options: VerifyExecutorOptions,
  o: {
    runs: number; seed: number; txs?: number; timeLimitMs?: number; timeoutMs: number; coverage: CoverageGoal[]; settings: PartitionSettings; threadCounts?: readonly number[];
    programs?: Programs; outDir?: string;
  },
): Promise<RunReport> {
  const { runs, seed, txs, timeLimitMs, timeoutMs, coverage, threadCounts, programs, outDir } = o;
  let source: SubjectSource;
  let creating: string;
  let settings = o.settings;
  if (typeof executor === 'string') {
    source = closeNamed(executorSource(executor, settings, options.coverage === undefined ? undefined : coverage));
    settings = settingsFor(executor, settings);
    creating = `loading the executor ${executor}`;
  } else if (typeof executor === 'function') {
    // Each create makes a fresh instance, as the CLI makes of a module's function or class: reruns need one.
    source = closeNamed({
      name: `${HELPER_PREFIX}executor`, create: async () => heldSubject(freshFromFactory(await executorFrom(executor, settings, 'the executor', notExecutor), notExecutor), coverage, settings),
    });
    creating = 'the executor factory given to verifyExecutor';
  } else {
    const object = await executorFrom(executor, {}, 'the executor', notExecutor);
    source = { name: `${HELPER_PREFIX}${object.name}`, create: async () => ({ ...heldSubject(object, coverage), close: async () => {} }) };
    creating = `the executor ${object.name}`;
  }
  if (options.replay !== undefined) {
    // The token fixes what these set: each would be silently ignored.
    const ignored = (['runs', 'seed', 'txs', 'timeLimit', 'threads', 'programs'] as const).filter((k) => options[k] !== undefined);
    if (ignored.length) throw new TypeError(`verifyExecutor: replay reruns the one counterexample its token fixes: give it without ${ignored.join(', ')}`);
    const repeat = intOption('repeat', options.repeat, 1, 1, MAX_REPLAY_REPEAT);
    const token = replayOption(options.replay);
    const limit = { timeoutMs, seed, creating, replay: token, settings, ...(outDir === undefined ? {} : { outDir }) };
    return withCallLimit(source, CHECK_DEFS, limit, async (timed) => {
      // A token that decodes may still rebuild no run, or another than its own: refused as one that does not decode.
      const { report, observer, label, runs: made, kind } = await replayFailure(timed, token, outDir, repeat).catch((e: unknown) => { throw replayRefused(e); });
      // A counterexample that failed only after earlier blocks, or only sometimes, is not gone because it passes alone.
      if (!report && token.failsOnly) throw new Error(passedAloneText(label, token, token.failsOnly, made));
      const run: RunReport = {
        executors: [], blocksChecked: observer.blocks, schedulesExplored: observer.schedules, shrinkBlocks: 0, shrinkSchedules: 0, shrinkMs: 0,
        statesExplored: observer.states, interleavingsCovered: observer.interleavings,
        failures: report ? [report] : [], elapsedMs: 0, timedOut: false, seed, shard: '1/1',
      };
      // The token's failure or another of its block: said as `concord verify --replay` says it.
      const otherwise = report && failedOtherwise(token, report, kind, 'helper');
      if (report) throw new EquivalenceError(run, { runs: made, repeat, ...(otherwise ? { otherwise } : {}) });
      return run;
    }).catch((e: unknown) => { throw hangOtherwise(e, token, timeoutMs); });
  }
  if (options.repeat !== undefined) throw new TypeError('verifyExecutor: repeat runs a replayed counterexample again: give it with replay');
  const limit = { timeoutMs, seed, creating, settings, ...(threadCounts ? { threadCounts } : {}), ...(programs ? { programs } : {}), ...(outDir === undefined ? {} : { outDir }) };
  return withCallLimit(source, CHECK_DEFS, limit, async (timed, checks) => {
    const report = await runVerify({
      subjects: [timed], checks, runs, seed, ...(outDir === undefined ? {} : { outDir }), ...(txs === undefined ? {} : { txs }), ...(threadCounts ? { threadCounts } : {}), ...(programs ? { programs } : {}),
      ...(timeLimitMs === undefined ? {} : { timeLimitMs }),
    });
    if (report.failures.length || report.executors.some((e) => e.uncovered.length)) {
      throw new EquivalenceError(report, undefined, coverageHint(HELPER_OPTION_NAMES, runs, DEFAULT_HELPER_RUNS, options.coverage === undefined ? undefined : coverage));
    }
    return report;
  });
}
