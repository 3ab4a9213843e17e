// `concord verify`: property-based equivalence of executors with the reference. Runs the checks of
// properties/ on the executors named (built-in names or paths to a user's ES module), or on the
// planted-bug catalogue (--planted), or replays one failure (--replay TOKEN), or pools the --json
// files of a --shard matrix into the verdict of the run they split (--merge); prints progress on a
// terminal, explained and shrunk failures with their replay command, and a summary.
// Invariant: exit 0 = every property held (and, for --planted, every bug was caught), 1 = a
// counterexample was found (or a green run missed required coverage, or a planted bug escaped, or
// an executor left a call unsettled with nothing left to settle it, or hung past --timeout), 2 =
// usage or input error.
// --json prints exactly one JSON object on stdout and nothing else, and its `ok` is true exactly
// when the exit code is 0. A time limit is a budget, not a failure: what it cut still exits 0, but
// is never called a pass, in the text or the JSON. A signal (SIGTERM from a CI job's timeout,
// Ctrl-C's SIGINT, SIGHUP) ends a run part-way by that signal, once the report of what it found
// so far is printed, as the run's only report, saying where it stopped, and never with `ok` true;
// one that comes once the run's own report began leaves that report whole and alone, and still
// ends the process by the signal (cli/ending-signal.ts).

import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { EXECUTORS, isModuleObject, isModulePath, isOwnExecutor } from '../impl/registry.js';
import { enginesStoppedStarting, isExecCommand } from '../impl/exec-executor.js';
import {
  CHECK_DEFS, checkRuns, isProbeBlock, executeTarget, probeMs, executorBlockFile, failureTag, replayFailure, runVerify, shardBatches, writeExecutorBlock,
  type ExecutorReport, type FailureReport, type ReplaySoFar, type RunReport, type SoFar, type SubjectSource,
} from '../properties/runner.js';
import type { HangBound } from '../properties/hang-bound.js';
import {
  decodeToken, DEFAULT_VERIFY_OUT, HELPER_PREFIX, PLACEMENT_DIGEST, ReplayTokenError, sameSettings, settingsJson, settingsText, type PartitionSettings, type ReplayToken,
} from '../properties/replay.js';
import { concordCommand, shellWord } from '../properties/printed-command.js';
import { earlierFileFor } from '../properties/earlier-file.js';
import { failedOtherwise, failureLogLine, failureRequest, failureRerun, formatFailure, otherCommandLine, otherCommandProblem, triesText, passedAloneText, passedFreshProcessText, passedSharedText, replayRunsLine, rerunCommand } from '../properties/report.js';
import { preStateKindOf } from '../spec/shared-state.js';
import { defaultExecutors, executorSource, settingsFor, WarmUpFailure, type WarmUp } from '../properties/subjects.js';
import { counterGoal, type CoverageGoal } from '../properties/equivalence.js';
import { coverageHint, raiseRuns, uncoveredText, type HintOptionNames } from '../properties/coverage-hint.js';
import { runPlanted, plantedReport, plantedSource, PLANTED_EXECUTORS, PLANTED_PREFIX, type PlantedReport } from '../properties/planted.js';
import type { Simulated } from '../properties/equivalence.js';
import type { Block } from '../spec/block.js';
import { writeBlock } from '../spec/block-file.js';
import { plural } from '../spec/plural.js';
import { formatExplanation } from '../properties/explain.js';
import { MAX_STATES } from '../properties/enumerate.js';
import { callExecutor, closeModuleExecutors, EXIT, ExecutorFailure, intOption, timeoutOption, unlessStuck, UsageError, watchCalls, type CallWatch } from './errors.js';
import { checkOutDir, writeStdout } from './output.js';
import { createProgress } from './progress.js';
import { printFailure, setCrashNote } from './process-guard.js';
import { unlessSignalled, type EndingSignal } from './ending-signal.js';
import { resourceCounts, warnLeftAlive } from './leaks.js';
import { executorNames, partitionSettings } from './executor-settings.js';
import { trainingRequest, withPlacementModules } from './train.js';
import { readPlacement } from './placement-file.js';
import { DEFAULT_PARTITION, type Placement } from '../impl/modular/partition.js';
import { threadList } from './bench.js';
import { threadCountsText } from '../properties/thread-counts.js';
import { parsePrograms, programsText, type Programs } from '../properties/programs.js';
import { BATCH, DEFAULT_RUNS, DEFAULT_SEED, MAX_REPLAY_REPEAT, MAX_RUNS, MAX_SEED, MAX_VERIFY_TXS, SHARD_RUNS } from '../properties/verify-limits.js';

export interface VerifyOptions {
  /** --executor NAME|PATH.js, repeatable (commander: '--executor <name...>'). */
  executor?: string[];
  runs?: string;
  seed?: string;
  /** --time-limit SEC */
  timeLimit?: string;
  /** --fail-on-cut: checks the time limit cut short fail the run (exit 1) instead of passing on what ran. */
  failOnCut?: boolean;
  /** --shard I/N */
  shard?: string;
  planted?: boolean;
  replay?: string;
  /** --repeat N: with --replay, run the replayed block up to N times. */
  repeat?: string;
  /** --other-command: with --replay of an exec: token, replay it on the exec: command --executor names, not the token's. */
  otherCommand?: boolean;
  /** --coverage A,B: stats counters a green run of each executor module must have seen above 0. */
  coverage?: string;
  json?: boolean;
  /** --out DIR: where failing blocks are written (default concord-out/verify). */
  out?: string;
  /** --txs N: every generated block has exactly N transactions (exhaustive enumeration keeps its tiny blocks, the big-blocks check its big ones). */
  txs?: string;
  /** --timeout SEC: a call into an executor pending this long is a hang (cli/errors.ts watchCalls). */
  timeout?: string;
  /** --modules M, --partition KIND: what the executors that take them are made with (cli/executor-settings.ts). */
  modules?: string;
  partition?: string;
  /** --placement FILE: the affinity placement file the modular executor is made with (cli/train.ts). */
  placement?: string;
  /** --threads LIST: the thread counts every check calls execute() at, instead of each check's own (properties/thread-counts.ts). */
  threads?: string;
  /** --merge FILE...: pool the --json results of a matrix's shards into one verdict (cli/verify-merge.ts). */
  merge?: string[];
  /** --programs LIST: all (default), contracts, or contract names: what the generated blocks hold (properties/programs.ts). */
  programs?: string;
}

/** --programs read (properties/programs.ts): undefined for all; an unknown name is a usage error naming it and listing the valid ones. */
function programsOption(raw: string | undefined): Programs | undefined {
  if (raw === undefined) return undefined;
  try {
    return parsePrograms(raw);
  } catch (e) {
    throw e instanceof RangeError ? new UsageError(e.message) : e;
  }
}

export const DEFAULT_OUT = DEFAULT_VERIFY_OUT;

/**
 * `settings` with --placement's file read in: its placement, and its module count where --modules
 * left it to the default; refused (cli/train.ts) unless `executors` hold the modular executor made
 * with partition affinity at the placement's module count.
 */
async function withPlacement(file: string | undefined, settings: PartitionSettings, executors: readonly string[]): Promise<PartitionSettings> {
  const request = await trainingRequest({ ...(file === undefined ? {} : { placement: file }) }, executors, [settings.partition ?? DEFAULT_PARTITION], {}, settings.modules);
  return request ? { ...withPlacementModules(settings, request), placement: request.loaded!.placement } : settings;
}

/**
 * The first token version every Concord that made it names a placement file in (by its digest,
 * properties/replay.ts): tokens named them from within cv5_, and every cv6_ token was made after.
 * So a cv6_ or later token that names none was made without one, where a cv5_ one may be of before.
 */
const PLACEMENTS_NAMED = 6;
/** How tokens begin, before their version ("cv7_"). */
const TOKEN_PREFIX = 'cv';

/** `placement` without the digest a token names it by (Placement.sha256). */
function unnamed({ sha256: _named, ...placement }: Placement): Placement {
  return placement;
}

interface Shard {
  readonly index: number;
  readonly count: number;
}

function parseShard(raw: string | undefined): Shard | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(count >= 1 && index >= 1 && index <= count)) throw new UsageError(`--shard expects I/N with 1 <= I <= N (e.g. 2/4), got "${raw}"`);
  return { index, count };
}

/**
 * A shard with no batch of any check would check nothing and then fail the coverage gate: a matrix
 * too wide for --runs is a usage error. The advice is the --runs that gives every shard `perShard`
 * runs, since each shard is judged on its own share: one batch each would still fail the gate.
 * Where that is past --runs' cap (one seed's batches), no --runs would do: the advice is then the
 * most shards the cap gives `perShard` runs each.
 */
function requireShardRuns(runs: number, shard: Shard | undefined, perShard: number): void {
  if (!shard || CHECK_DEFS.some((c) => shardBatches(checkRuns(runs, c), shard).length > 0)) return;
  const needed = perShard * shard.count;
  const advice = needed <= MAX_RUNS ? `${shard.count} shards need --runs >= ${needed} (${perShard} a shard)`
    : `${shard.count} shards would need --runs >= ${needed} (${perShard} a shard), past its cap of ${MAX_RUNS.toLocaleString('en-US')}: `
      + `the matrix has more shards than the cap allows; give at most ${Math.floor(MAX_RUNS / perShard)} (--runs ${MAX_RUNS} --shard I/${Math.floor(MAX_RUNS / perShard)})`;
  throw new UsageError(`--shard ${shard.index}/${shard.count} of --runs ${runs} gets no runs: runs go to shards in batches of ${BATCH}, `
    + `and each shard is judged on its own share, so ${advice}`);
}

/** How verify's hints name its options (properties/coverage-hint.ts words them for the vitest helper too). */
export const VERIFY_OPTION_NAMES: HintOptionNames = { runs: '--runs', coverage: '--coverage' };

function parseTimeLimit(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const s = Number(raw);
  if (!(s > 0) || !Number.isFinite(s)) throw new UsageError(`--time-limit expects a number of seconds > 0, got "${raw}"`);
  return s * 1000;
}

function rate(n: number, ms: number): number {
  return ms > 0 ? Math.round((n / ms) * 1000) : 0;
}

/** The time a report spent on its generated runs: its shrink and rerun tries' taken off, as their blocks are off its count. */
function checkingMs(r: Pick<RunReport, 'elapsedMs' | 'shrinkMs'>): number {
  return r.elapsedMs - r.shrinkMs;
}

/** What the executor under test is doing, kept for the message should it never settle or hang. */
interface Doing {
  now: string;
  /** The executor, the block and the thread count of the execute() in flight; block null between calls and in other calls. */
  executor: string;
  block: Block | null;
  threads: number;
  /** What the executor of the call in flight was made with, which the rerun of a hung block gives it again. */
  settings: PartitionSettings | undefined;
  /** While a pooled built-in loads: its warm-up (properties/subjects.ts), whose call in flight a hang names; undefined otherwise. */
  warmUp: WarmUp | undefined;
}

/** What `doing` says between calls into an executor. */
const BETWEEN_CALLS = 'the run stalled between calls into the executors';

/**
 * `source` recording in `doing` what its executor is doing while each call into it is pending, and
 * making each call through `watch` (--timeout); a throw while loading or closing is that
 * executor's failure (one line, exit 1), since no check can judge it (a throw from execute() is
 * one the checks report). `pending` names a call for --timeout, `stuck` for a call nothing is
 * left to settle. A close() after a counterexample is a clean-up (CallWatch.cleanUp): it gets a
 * few seconds at most, and its throw or hang is no failure of its own, so the counterexample is
 * still reported in full; after a run that passed, its hang is the hang it is, and what a close()
 * that settled left alive is a warning (cli/leaks.ts).
 */
function tracked(source: SubjectSource & { readonly warmUp?: WarmUp }, doing: Doing, json: object | undefined, watch: CallWatch, timeoutS: number, outDir: string): SubjectSource {
  const ownLimit = isExecCommand(source.name) && timeoutS > 0;
  const call = async <T>(pending: string, stuck: string, work: () => Promise<T>, block: Block | null = null, threads = 0, settings?: PartitionSettings, warmUp?: WarmUp): Promise<T> => {
    doing.now = `the executor ${source.name}: ${stuck}`;
    doing.executor = source.name;
    doing.block = block;
    doing.threads = threads;
    doing.settings = settings;
    doing.warmUp = warmUp;
    const what = `the executor ${source.name}: ${pending}`;
    try {
      // The no-op block after a throw only asks whether the instance still runs: one that hangs
      // there is broken, and replaced, and the throw before it is the failure to report.
      if (isProbeBlock(block)) return await watch.bounded(what, probeMs(timeoutS * 1000), work);
      // An exec: engine's execute() settles by --timeout itself (sourceFor's answerWithin), and
      // holds no thread of this process: the watch, timed alike, would end the command first.
      return await (ownLimit && block ? work() : watch.call(what, work));
    } finally {
      doing.now = BETWEEN_CALLS;
      doing.block = null;
      doing.warmUp = undefined;
    }
  };
  // A warm-up that differed or threw is the executor's counterexample: worded here, with its block written, not as a throw while loading.
  const load = () => source.create().catch((e: unknown) => {
    throw e instanceof WarmUpFailure ? warmUpFailure(e, source.warmUp?.settings, outDir, json) : e;
  });
  // Verify loads a module up front and again to check it: one warning says what its close() leaves.
  let warned = false;
  return {
    name: source.name,
    ...(source.gate ? { gate: source.gate } : {}),
    create: async () => {
      const alive = resourceCounts();
      const subject = await call('loading', 'never finished loading', () => callExecutor(source.name, 'while loading', load, json), null, 0, source.warmUp?.settings, source.warmUp);
      return {
        ...subject,
        execute: (block, threads) => {
          const on = executeTarget(block, threads);
          return call(`execute() on ${on}`, `execute() never settled on ${on}`, () => subject.execute(block, threads), block, threads, subject.settings);
        },
        close: (afterFailure) => (afterFailure
          ? watch.cleanUp(`the executor ${source.name}: close() after a counterexample`, () => subject.close(true))
          : call('close()', 'close() never settled', () => callExecutor(source.name, 'while closing', () => subject.close(false), json))
            .then(async () => {
              // A module's executor object stays open until verify is done with it (impl/registry.ts).
              if (!isModuleObject(source.name)) warned ||= await warnLeftAlive('verify', `the executor ${source.name}`, alive);
            })),
      };
    },
  };
}

/**
 * Where the block of an execute() that hung, never settled or ended the process (`tag`: 'hung',
 * 'crashed') went, for the message: written to `outDir` so it can be rerun alone (at the same
 * thread count; `rerunAfter` ends the rerun command: a hang's --timeout). Under --json, `json` (the
 * object the failure prints) takes the file and the rerun as `blockFile` and `rerun`, the fields a
 * counterexample's have.
 */
function blockInFlight(doing: Doing, outDir: string, tag: string, json: object | undefined, rerunAfter = ''): string {
  // A call in flight has its block: the warm-up makes it before its first call.
  const warm = doing.warmUp && doing.warmUp.running > 0 ? doing.warmUp : undefined;
  if (warm?.block) {
    // The call's number is the rerun's --repeat: the calls before it are made first, on the same instance.
    const at = `; it was in call ${warm.running} of ${warm.runs} of its warm-up block (${plural(warm.block.txs.length, 'transaction')}, at its own thread count)`;
    if (json) Object.assign(json, { warmUp: { call: warm.running, calls: warm.runs } });
    return `${at}${writtenBlock(warm.block, doing.executor, `warm-up-${tag}`, undefined, warm.running, doing.settings, outDir, json, rerunAfter)}`;
  }
  if (!doing.block) return '';
  // Alone it runs: it hung for following a throw, which only the whole run makes again.
  if (isProbeBlock(doing.block)) return '; rerun the whole verify to reach it again: alone, on a fresh instance, the no-op block runs';
  return writtenBlock(doing.block, doing.executor, tag, doing.threads, 1, doing.settings, outDir, json, rerunAfter);
}

/**
 * `block` written to `outDir` as `executor`'s `tag` block, for a message: where it went and the
 * rerun that makes `repeat` calls of it at `threads` (undefined: the executor's own count). Under
 * --json, `json` takes the file and the rerun as `blockFile` and `rerun`.
 */
function writtenBlock(
  block: Block, executor: string, tag: string, threads: number | undefined, repeat: number, settings: PartitionSettings | undefined, outDir: string, json: object | undefined, rerunAfter: string,
): string {
  try {
    const blockFile = writeExecutorBlock(outDir, executor, tag, writeBlock(block));
    const rerun = `${rerunCommand(blockFile, executor, threads, repeat, preStateKindOf(block), undefined, settings)}${rerunAfter}`;
    if (json) Object.assign(json, { blockFile, rerun });
    return `; its block is in ${blockFile} (rerun: ${rerun})`;
  } catch (e) {
    return `; its block could not be written to ${outDir}: ${(e as Error).message}`;
  }
}

/**
 * A warm-up call that differed from the reference or threw (properties/subjects.ts), as the
 * executor's failure: what went wrong, and the block written with the rerun that makes as many
 * calls of it; the first difference follows, explained, on lines of its own. Under --json, `json`
 * takes the block file, the rerun, the call and the explanation.
 */
function warmUpFailure(e: WarmUpFailure, settings: PartitionSettings | undefined, outDir: string, json: object | undefined): ExecutorFailure {
  const failure = json ? { ...json, warmUp: { call: e.run, calls: e.runs }, ...(e.explanation ? { explanation: e.explanation } : {}) } : undefined;
  const written = writtenBlock(e.block, e.executor, 'warm-up', undefined, e.run, settings, outDir, failure, '');
  const [top, ...frames] = e.thrownAt ?? [];
  const below = e.explanation ? formatExplanation(e.explanation) : top ? [`thrown at    ${top}`, ...frames.map((f) => `             ${f}`)] : [];
  return new ExecutorFailure(`the executor ${e.message}${written}${below.map((l) => `\n${l}`).join('')}`, failure);
}

/** The executor named, made with `settings` (as far as it takes them). */
type Sources = (name: string, settings: PartitionSettings) => SubjectSource;

/** A failure as --json gives it: with `rerun` and `request`, the commands its text's `block file` and `request` lines show, where it has them. */
function failureJson(f: FailureReport): Omit<FailureReport, 'settings'> & { settings?: object; rerun?: string; request?: string } {
  const rerun = failureRerun(f);
  const request = failureRequest(f);
  const settings = f.settings && settingsJson(f.settings);
  return { ...f, ...(settings ? { settings } : {}), ...(rerun ? { rerun } : {}), ...(request ? { request } : {}) };
}

/**
 * The JSON summary: the verdict (ok = exit 0), the run's report plus rates (and the planted tally);
 * `made`: --modules and --partition as given (`{}` for none), as `bench` records them, and
 * `threadCounts` --threads, in them as `threads`.
 */
function summary(
  ok: boolean, r: RunReport, settings: { runs: number; txs: number | undefined; made?: PartitionSettings; threadCounts?: readonly number[]; programs?: Programs }, planted?: PlantedReport,
): object {
  const threads = settings.threadCounts ? { threads: settings.threadCounts } : {};
  const programs = settings.programs ? { programs: settings.programs } : {};
  return {
    ok,
    // What each shard of a matrix must share for the shards to add up to the unsharded run.
    runs: settings.runs, txs: settings.txs ?? null, ...(settings.made ? { settings: { ...settingsJson(settings.made), ...threads, ...programs } } : {}),
    executors: r.executors.map((e) => ({
      ...e, elapsedMs: Math.round(e.elapsedMs), shrinkMs: Math.round(e.shrinkMs),
      blocksPerSecond: rate(e.blocksChecked, checkingMs(e)), schedulesPerSecond: rate(e.schedulesExplored, checkingMs(e)),
    })),
    blocksChecked: r.blocksChecked, schedulesExplored: r.schedulesExplored, shrinkBlocks: r.shrinkBlocks, shrinkSchedules: r.shrinkSchedules,
    statesExplored: r.statesExplored, interleavingsCovered: r.interleavingsCovered,
    ...(r.shrinkStates === undefined ? {} : { shrinkStates: r.shrinkStates, shrinkInterleavings: r.shrinkInterleavings ?? 0 }),
    blocksPerSecond: rate(r.blocksChecked, checkingMs(r)), schedulesPerSecond: rate(r.schedulesExplored, checkingMs(r)),
    elapsedMs: Math.round(r.elapsedMs), shrinkMs: Math.round(r.shrinkMs), seed: r.seed, shard: r.shard, timedOut: r.timedOut, failures: r.failures.map(failureJson),
    ...(planted ? { caught: planted.caught, total: planted.total, planted: planted.bugs } : {}),
  };
}

/** An executor whose green run missed paths the coverage gate requires. */
const uncoveredLine = (e: ExecutorReport): string => `FAIL ${uncoveredText(e)}`;

/**
 * Under --json, what stderr says (stdout holds only the JSON): each counterexample's first line,
 * what went wrong and its replay (failureLogLine), each executor that missed its required paths,
 * and the checks the time limit cut.
 */
function jsonLogLines(r: RunReport, uncovered: readonly ExecutorReport[]): string[] {
  return [
    ...r.failures.map(failureLogLine),
    ...uncovered.map(uncoveredLine),
    ...(r.timedOut ? [`the time limit cut these checks, which are not passed: ${r.executors.filter((e) => e.cut).map((e) => `${e.label} ${cutChecks(e).join(', ')}`).join('; ')}`] : []),
  ];
}

/** The checks of `e` the time limit stopped, with how far each got ("interleaving 3/20 batches and 7 runs of the next"). */
function cutChecks(e: ExecutorReport): string[] {
  return e.checks.filter((c) => c.status === 'cut').map((c) => `${c.name} ${c.batches}/${c.of} batches${c.partial ? ` and ${plural(c.partial, 'run')} of the next` : ''}`);
}

/**
 * The `stopped` of a run `signal` ended (`r`: its report as it stood then, null before its first
 * executor's turn): how many of its executors (`unit`: or planted bugs) it had checked, and how far
 * the one in its turn had got, as bench's says how far its sweep got.
 */
function signalStopped(signal: EndingSignal, r: RunReport | null, unit: string): string {
  if (r === null) return `stopped by ${signal} before any check ran`;
  const blocks = `${plural(r.blocksChecked, 'block')} checked`;
  const halted = r.executors.filter((e) => e.stopped);
  // Its close() (a module's one object) or the output: every check had its end.
  if (halted.length === 0) return `stopped by ${signal} after every check had run (${blocks}), before verify had finished`;
  const stopped = `stopped by ${signal} after checking ${r.executors.length - halted.length} of ${plural(r.executors.length, unit)} (${blocks})`;
  // The first the run had not run in full is the one in its turn (checks run in order), or being made.
  const at = halted[0]!;
  const check = at.checks.find((c) => c.status === 'stopped');
  if (!check) return `${stopped}; ${at.label} was being made`;
  const ran = at.checks.filter((c) => c.status !== 'stopped').length;
  const found = at.shrinking ? ', where it had found a counterexample it was still shrinking (no failure here holds it: run verify again to have it)' : '';
  return `${stopped}; ${at.label} was in its ${check.name} check (${check.batches}/${check.of} batches run), after ${ran} of its ${plural(at.checks.length, 'check')}${found}`;
}

/** What the exhaustive check explored shrinking and rerunning `e`'s counterexample, to follow its blocks' words; none where it explored nothing. */
function exploredText(e: ExecutorReport): string {
  return e.shrinkStates ? ` (exploring ${e.shrinkStates.toLocaleString('en-US')} states covering ${(e.shrinkInterleavings ?? 0).toExponential(2)} interleavings)` : '';
}

/** The summary lines of a run's text: a line of counts and a line of coverage per executor (and one of its shrink tries, where it had any), then the run's. */
export function textSummary(r: RunReport, made: PartitionSettings = {}, threadCounts?: readonly number[], programs?: Programs): string[] {
  const lines: string[] = [];
  const width = Math.max(...r.executors.map((e) => e.label.length));
  for (const e of r.executors) {
    // A built-in's goals may be met by its simulated checks alone: what its threads saw is told apart.
    const onThreads = (k: string) => (e.executedCoverage && k in e.executedCoverage ? ` (${e.executedCoverage[k]} on threads)` : '');
    const cov = Object.entries(e.coverage).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}${onThreads(k)}`).join(', ') || 'none';
    const state = e.failed ? 'FAILED' : e.stopped ? `stopped ${e.shrinking ? 'while shrinking a counterexample' : e.checks.length ? 'before its checks had all run' : 'before its checks began'}` : e.cut ? 'cut by the time limit' : e.uncovered.length ? `never exercised: ${e.uncovered.join(', ')}` : 'ok';
    const cutShort = e.explorationsCut ? ` (${plural(e.explorationsCut, 'block')} explored only up to ${MAX_STATES.toLocaleString('en-US')} states, not every interleaving)` : '';
    const exhaustive = e.statesExplored ? `, ${e.statesExplored.toLocaleString('en-US')} states covering ${e.interleavingsCovered.toExponential(2)} interleavings${cutShort}` : '';
    lines.push(`  ${e.label.padEnd(width)} ${String(e.blocksChecked).padStart(7)} blocks (${rate(e.blocksChecked, checkingMs(e))}/s) ${String(e.schedulesExplored).padStart(7)} schedules${exhaustive}  ${state}`);
    // A block runs at one of 1, 2 or 4 threads (2, 4, 8 or 16 in big-blocks), in the determinism check at 1 to
    // 4 twice each, and a built-in's runs include its simulated schedules: the counts are per run, not per block.
    lines.push(`  ${''.padEnd(width)} coverage, summed over its runs: ${cov}`);
    const tries = triesText(e, 'its counterexample');
    if (tries !== undefined) lines.push(`  ${''.padEnd(width)} and ${tries}${exploredText(e)}, not counted above`);
    // Never passed: a check --programs keeps from running is named, with why.
    for (const c of e.checks.filter((x) => x.status === 'not run')) lines.push(`  ${''.padEnd(width)} ${c.name} ${c.reason ?? 'not run'}`);
    const random = programs ? e.checks.filter((c) => RANDOM_PROGRAM_CHECKS.includes(c.name)).map((c) => c.name) : [];
    if (random.length) lines.push(`  ${''.padEnd(width)} ${random.join(' and ')} still ran random programs (${programsText(programs)} holds its other checks' blocks to the contracts)`);
  }
  const tries = triesText(r, 'counterexamples');
  lines.push(`${r.blocksChecked.toLocaleString('en-US')} blocks checked (${rate(r.blocksChecked, checkingMs(r)).toLocaleString('en-US')}/s), `
    + `${r.schedulesExplored.toLocaleString('en-US')} schedules explored (${rate(r.schedulesExplored, checkingMs(r)).toLocaleString('en-US')}/s) in ${(r.elapsedMs / 1000).toFixed(1)} s${tries ? `, and ${tries}` : ''}; seed ${r.seed}, shard ${r.shard}${[settingsText(made), threadCountsText(threadCounts), programsText(programs)].filter(Boolean).map((t) => `, ${t}`).join('')}`);
  // A merge's check cut in one shard and stopped by a signal in another is stopped, not listed here.
  const cut = r.executors.filter((x) => x.cut && cutChecks(x).length > 0);
  if (r.timedOut && cut.length > 0) {
    lines.push('time limit reached: these checks did not run in full, so they are not passed:');
    for (const e of cut) lines.push(`  ${e.label.padEnd(width)} ${cutChecks(e).join(', ')}`);
  }
  return lines;
}

/** A built-in's checks whose blocks keep random programs under --programs (properties/enumerate.ts, lying-footprints.ts). */
const RANDOM_PROGRAM_CHECKS: readonly string[] = ['exhaustive', 'lying-footprints'];

/**
 * The last line of a run's text that a signal did not stop: `ok` as verify judged it, `timedOut`
 * whether the time limit cut checks, `cutFailed` whether --fail-on-cut alone failed it; none for a
 * run that failed otherwise, whose failures say why.
 */
function verdictLine(ok: boolean, timedOut: boolean, cutFailed: boolean): string | undefined {
  if (ok) return timedOut ? 'no counterexample in what ran, but the time limit cut the checks above: raise --time-limit to run them in full' : 'all properties hold';
  return cutFailed ? 'FAIL: no counterexample in what ran, but the time limit cut the checks above and --fail-on-cut makes that a failure: raise --time-limit to run them in full' : undefined;
}

/**
 * --merge FILE...: the shards' results pooled (cli/verify-merge.ts), judged and printed as one
 * run is: its failures (each with the shard that found it), summary, coverage gate, time-limit
 * cuts and verdict; then which shards failed the gate alone where the pool passes it. ok: no
 * shard found a counterexample, ended in an error or was stopped by a signal, the pooled coverage
 * passes the gate, and, with --fail-on-cut, no check was cut.
 */
async function merge(o: VerifyOptions): Promise<number> {
  // The files fix everything these would set, and a merge runs nothing.
  const beside = ([['--executor', o.executor], ['--runs', o.runs], ['--seed', o.seed], ['--txs', o.txs], ['--time-limit', o.timeLimit], ['--timeout', o.timeout],
    ['--modules', o.modules], ['--partition', o.partition], ['--placement', o.placement], ['--threads', o.threads], ['--shard', o.shard], ['--planted', o.planted || undefined], ['--coverage', o.coverage],
    ['--replay', o.replay], ['--repeat', o.repeat], ['--other-command', o.otherCommand || undefined], ['--out', o.out], ['--programs', o.programs]] as const).filter(([, v]) => v !== undefined).map(([name]) => name);
  if (beside.length) throw new UsageError(`--merge pools the shards' --json files, which fix the run: give it alone (with --json or --fail-on-cut), not with ${beside.join(', ')}`);
  if (o.merge!.length === 0) throw new UsageError('--merge: give the --json file of every shard of the matrix');
  // Loaded here alone: its schema (zod) would cost every other verify a tenth of a second.
  const { mergeShardFiles } = await import('./verify-merge.js');
  const read = await mergeShardFiles(o.merge!);
  if ('ended' in read) {
    // No report of what such a shard ran: nothing to pool, and the shard failed. Shards that ended
    // alike (every shard's engine failed at start-up) are one failure, said once with its error.
    const alike = new Map<string, typeof read.ended[number][]>();
    for (const x of read.ended) alike.set(x.error, [...(alike.get(x.error) ?? []), x]);
    const lines = [...alike].map(([error, files]) => `${files.map((x) => (x.shard === undefined ? x.file : `shard ${x.shard} (${x.file})`)).join(', ')}: `
      + `${files.length === 1 ? 'that shard\'s verify' : `the verify of each of these ${files.length} shards`} ended before or outside any check `
      + `(an engine that failed at start-up, a hang, a refused command), with no report to pool: ${error}`);
    if (o.json) writeStdout(`${JSON.stringify({ ok: false, error: lines.join('; ') })}\n`);
    for (const line of lines) {
      if (o.json) process.stderr.write(`concord verify: ${line}\n`);
      else writeStdout(`FAIL ${line}\n`);
    }
    return EXIT.FAILED;
  }
  const m = read.merged;
  const r = m.report;
  const uncovered = r.executors.filter((e) => e.uncovered.length > 0);
  const cutFailed = r.timedOut && o.failOnCut === true;
  const ok = r.failures.length === 0 && uncovered.length === 0 && m.errors.length === 0 && m.stopped.length === 0 && !cutFailed;
  // The shards the gate failed alone, where the pool passes it for that executor.
  const pooledOk = new Set(r.executors.filter((e) => !e.failed && !e.cut && !e.stopped && e.uncovered.length === 0).map((e) => e.name));
  const rescued = m.shards.flatMap((s) => Object.entries(s.uncoveredAlone ?? {}).filter(([name]) => pooledOk.has(name))
    .map(([name, events]) => {
      const label = r.executors.find((e) => e.name === name)!.label;
      return `shard ${s.shard} (${s.file}) failed the coverage gate alone (${label} never exercised ${events.join(', ')} there); `
        + `pooled over the ${plural(m.shards.length, 'shard')}, ${label} exercised every path the gate requires`;
    }));
  if (o.json) {
    writeStdout(`${JSON.stringify({
      ...summary(ok, r, { runs: m.runs, txs: m.txs ?? undefined, made: m.settings, ...(m.threadCounts ? { threadCounts: m.threadCounts } : {}), ...(m.programs ? { programs: m.programs } : {}) }), shards: m.shards,
      ...(m.errors.length ? { error: m.errors.join('; ') } : {}), ...(m.stopped.length ? { stopped: m.stopped.join('; ') } : {}),
    })}\n`);
    for (const line of [...jsonLogLines(r, uncovered), ...m.errors, ...m.stopped]) process.stderr.write(`concord verify: ${line}\n`);
    return ok ? EXIT.OK : EXIT.FAILED;
  }
  for (const f of r.failures) {
    const [first, ...rest] = formatFailure(f);
    writeStdout(`${[first, `  shard        ${f.shard} (${m.shards.find((s) => s.shard === f.shard)!.file})`, ...rest].join('\n')}\n\n`);
  }
  writeStdout(`pooled ${plural(m.shards.length, 'shard')}: ${m.shards.map((s) => `${s.shard} ${s.file}`).join(', ')}\n`);
  writeStdout(`${textSummary(r, m.settings, m.threadCounts, m.programs).join('\n')}\n`);
  for (const e of uncovered) writeStdout(`${uncoveredLine(e)}\n`);
  // The pool is the unsharded run: its advice is that run's --runs.
  if (uncovered.length) writeStdout(`  hint: ${coverageHint(VERIFY_OPTION_NAMES, m.runs, DEFAULT_RUNS, undefined)}\n`);
  for (const line of [...rescued, ...m.errors.map((x) => `FAIL ${x}`), ...m.stopped]) writeStdout(`${line}\n`);
  const last = m.stopped.length ? undefined : verdictLine(ok, r.timedOut, cutFailed && r.failures.length === 0 && uncovered.length === 0 && m.errors.length === 0);
  if (last !== undefined) writeStdout(`${last}\n`);
  return ok ? EXIT.OK : EXIT.FAILED;
}

/**
 * --planted as text: a line per bug; the first catch in full, as a failing verify prints it; the
 * replay command of every other catch (each prints its own full report), then the run and the tally;
 * `stopped`: a signal ended the run there, and the bugs it had not run in full are `halted`, not MISSED.
 */
function plantedText(p: PlantedReport, runs: number, shard: Shard | undefined, outDir: string, stopped?: string): string[] {
  const width = Math.max(...p.bugs.map((b) => b.name.length));
  const lines = p.bugs.map((b) => `${b.caught ? 'caught' : b.stopped ? 'halted' : 'MISSED'}  ${b.name.padEnd(width)}  `
    + `${b.caught ? `${b.check} after ${b.blocks} blocks: ${b.anomaly}` : b.stopped ? `stopped after ${b.blocks} blocks` : `survived ${b.blocks} blocks`}  ${b.doc}`);
  const [first, ...others] = p.run.failures;
  if (first) lines.push('', ...formatFailure(first));
  if (others.length) {
    const blocks = others.some((f) => f.blockFile) ? `; their blocks are in ${outDir}` : '';
    lines.push('', `the other catches: each replay prints its full report, as above${blocks}`);
    for (const f of others) lines.push(`  ${f.executor.padEnd(width)}  ${f.replay}`);
  }
  lines.push('', ...textSummary(p.run), `planted bugs caught: ${p.caught}/${p.total}`);
  if (stopped !== undefined) return [...lines, stopped];
  if (p.caught < p.total) {
    const cut = p.run.timedOut ? ', and --time-limit, which cut the checks listed above' : '';
    // A sharded --planted run must catch every bug on each shard: each needs the default budget.
    const advice = raiseRuns(VERIFY_OPTION_NAMES, runs, DEFAULT_RUNS, shard && { count: shard.count, perShard: DEFAULT_RUNS });
    lines.push(`  hint: the test suite catches every planted bug at the default --runs; ${advice}${cut}`);
  }
  return lines;
}

/**
 * --coverage: stats counters (e.g. reExecutions,failedValidations), each a path a green run of an
 * executor module must have taken. A name no result could carry is a usage error.
 */
export function coverageOption(raw: string): CoverageGoal[] {
  const counters = raw.split(',').map((c) => c.trim());
  const bad = counters.find((c) => counterGoal(c) === undefined);
  if (bad !== undefined) throw new UsageError(`--coverage expects comma-separated stats counter names (e.g. reExecutions,failedValidations), got ${JSON.stringify(bad)} in ${JSON.stringify(raw)}`);
  return [...new Set(counters)].map((counter) => counterGoal(counter)!);
}

/**
 * What a replay a signal ended leaves (`sofar`: how far it got, null before its executor was made):
 * the failure, where it had failed again, as a replay that failed prints it, and a last line saying
 * how many of its `repeat` runs had passed; under --json (`json`) its object, with ok false and
 * `stopped`, that line on stderr too. `otherCommandOf`: the token's own command, where
 * --other-command replays it on another (`otherCommand` in the object, as a replay that ends says).
 */
function leaveReplay(signal: EndingSignal, sofar: ReplaySoFar, token: ReplayToken, repeat: number, json: boolean, otherCommandOf?: string): void {
  const now = sofar.now?.() ?? null;
  if (now === null) {
    const stopped = `stopped by ${signal} before the replay ran`;
    printFailure('verify', stopped, json ? { ok: false, stopped } : undefined);
    return;
  }
  const { runs, report, observer, kind } = now;
  const otherwise = report && failedOtherwise(token, report, kind);
  const of = `of up to ${repeat.toLocaleString('en-US')}`;
  const stopped = report ? `stopped by ${signal} after the replayed block failed again on run ${runs.toLocaleString('en-US')} (${of}), before verify had finished`
    : runs === 0 ? `stopped by ${signal} in the replayed block's first run (${of}), before any had ended`
      : `stopped by ${signal} after ${runs.toLocaleString('en-US')} run${runs === 1 ? '' : 's'} of the replayed block (${of}), none of which failed`;
  if (json) {
    writeStdout(`${JSON.stringify({
      ok: false, executors: [token.executor], ...(otherCommandOf === undefined ? {} : { otherCommand: { token: otherCommandOf } }), settings: { ...token.settings, ...(token.programs ? { programs: token.programs } : {}) }, blocksChecked: observer.blocks, schedulesExplored: observer.schedules,
      failures: report ? [failureJson(report)] : [], reproduced: Boolean(report) && !otherwise, runs, stopped, ...(otherwise ? { failedOtherwise: otherwise } : {}),
    })}\n`);
    process.stderr.write(`concord verify: ${stopped}\n`);
    return;
  }
  if (report) writeStdout(replayedText(report, runs, repeat, otherwise));
  writeStdout(`${stopped}\n`);
}

/**
 * A failure a replay made again, as text: the run it failed on (of `repeat`) below its first line,
 * and `otherwise` (failedOtherwise), where it is not the token's failure.
 */
function replayedText(report: FailureReport, runs: number, repeat: number, otherwise?: string): string {
  const [first, ...rest] = formatFailure(report);
  const line = replayRunsLine(runs, repeat);
  return `${[first, ...(line ? [line] : []), ...(otherwise ? [`  not as found ${otherwise}`] : []), ...rest].join('\n')}\n`;
}

/**
 * A replay's start-up check, the one verify makes before its checks, for an exec: engine: one made
 * and closed before any block. An engine that cannot start fails every request, the replayed
 * block's too, and the token, which holds no anomaly to compare with, would take that failure for
 * its own: a replay run from another folder than the failing verify's, whose engine script python
 * could not open, said "reproduced" (exit 1) of an engine already fixed. Such an engine is the
 * executor's failure (exit 1), with its own error, saying nothing was replayed; `json`, what --json
 * prints then. A module that cannot load fails as it is made, before any block, as it did; a
 * built-in or a planted bug cannot fail to start. True where the check could not tell: the engine
 * was still running when close() stopped it unused (impl/exec-executor.ts UNUSED_GRACE_MS).
 */
async function startUp(source: SubjectSource, json: object | undefined): Promise<boolean> {
  if (!isExecCommand(source.name)) return false;
  const stopped = enginesStoppedStarting();
  try {
    await (await source.create()).close(false);
  } catch (e) {
    if (!(e instanceof ExecutorFailure)) throw e;
    throw notStarted(e.message, json);
  }
  return enginesStoppedStarting() > stopped;
}

/** A replay whose engine failed at start-up (`why`): nothing was replayed. */
function notStarted(why: string, json: object | undefined): ExecutorFailure {
  // A command line names its files from the folder it runs in, which a token cannot carry.
  return new ExecutorFailure('--replay: the engine failed at start-up, so nothing was replayed, and whether the token\'s failure is still there is unknown '
    + `(the engine command runs as given, in ${process.cwd()}: is that the folder the failing verify ran in?): ${why}`, json);
}

async function replay(o: VerifyOptions, sourceFor: Sources): Promise<number> {
  const repeat = intOption('--repeat', o.repeat, 1, 1, MAX_REPLAY_REPEAT);
  let token: ReplayToken;
  let replayed: Awaited<ReturnType<typeof replayFailure>>;
  try {
    token = decodeToken(o.replay!);
    if (token.executor.startsWith(HELPER_PREFIX)) {
      throw new UsageError(`--replay: this token is of the executor ${token.executor.slice(HELPER_PREFIX.length)} that a test gave verifyExecutor as an object or a factory, `
        + `which no command can build: replay it in that test, with verifyExecutor(executor, { replay: TOKEN })`);
    }
    // A token comes from logs and issues, and an exec: one holds a shell command: it runs only when
    // --executor names the same command, as the printed replay line does, or, with --other-command,
    // the command the user chose to run it on instead.
    const given = executorNames(o.executor ?? []);
    const problem = otherCommandProblem(token.executor, given, o.otherCommand === true);
    if (problem !== undefined) throw new UsageError(problem);
    if (!o.otherCommand && (isExecCommand(token.executor) ? given.length !== 1 || given[0] !== token.executor : given.length > 0)) {
      throw new UsageError(isExecCommand(token.executor)
        ? `--replay: this token replays the engine command ${shellWord(token.executor)}, and a token never starts a command by itself: `
          + `give the same command with --executor (${concordCommand()} verify --replay TOKEN --executor ${shellWord(token.executor)})${given.length ? `; --executor named ${given.map(shellWord).join(', ')}` : ''}`
          + `; to replay the token's block and settings on another command line (a debug build, another path), add --other-command`
        : `--replay reruns one failure: give it alone (with --repeat, --json, --out or --timeout), not with --executor (the token names its executor, ${token.executor})`);
    }
    // The token carries what the executor was made with; options that say otherwise would replay another run.
    if (o.modules !== undefined || o.partition !== undefined) {
      const given = partitionSettings(o, [token.executor]);
      const made = settingsFor(token.executor, given);
      if (!sameSettings(made, token.settings)) {
        throw new UsageError(`--replay: the token's failure was found on ${token.executor} made with ${settingsText(token.settings) || 'no --modules or --partition (its defaults)'}, `
          + `not ${settingsText(made) || 'the defaults'}: the token carries its settings, so give --replay without ${[o.modules !== undefined ? '--modules' : '', o.partition !== undefined ? '--partition' : ''].filter(Boolean).join(' and ')}`);
      }
    }
    // The token keeps the module path as verify was given it, so it names the file from that folder only.
    if (isModulePath(token.executor) && !isAbsolute(token.executor) && !existsSync(token.executor)) {
      throw new UsageError(`--replay: the token's executor ${token.executor} is a path from the folder verify ran in, and ${process.cwd()} has no such file: `
        + 'run the replay from the folder the failing verify ran in');
    }
    if (o.placement !== undefined && token.settings?.partition !== 'affinity') {
      throw new UsageError(`--replay: the token's failure was found on ${token.executor} made with ${settingsText(token.settings) || 'its defaults'}, which places by no placement file: give --replay without --placement`);
    }
    // A placement is no part of a token: the replay line names its file, which is checked against the token's module count,
    // and first, where the token names the placement by its file's digest, against that: another file, of any module count,
    // makes another executor than the failure's.
    if (token.placement !== undefined) {
      const placed = `${token.executor} placed by the placement file of sha256 ${token.placement}…`;
      if (o.placement === undefined) {
        throw new UsageError(`--replay: the token's failure was found on ${placed}, and no --placement is given: give that file with --placement FILE, as the replay line printed with the token does`);
      }
      const digest = (await readPlacement(o.placement, '--placement')).record.file!.sha256;
      if (!digest.startsWith(token.placement)) {
        throw new UsageError(`--replay: the token's failure was found on ${placed}, not by --placement ${shellWord(o.placement)} (sha256 ${digest.slice(0, PLACEMENT_DIGEST)}…): `
          + 'give the placement file the failing verify was given');
      }
    } else if (o.placement !== undefined && token.version >= PLACEMENTS_NAMED) {
      throw new UsageError(`--replay: the token's failure was found on ${token.executor} made with ${settingsText(token.settings)} and no placement file `
        + `(a ${TOKEN_PREFIX}${token.version}_ token names the one its executor was made with, and this one names none): its affinity partition learned each block's placement; give --replay without --placement`);
    }
    const read = await withPlacement(o.placement, token.settings ?? {}, [token.executor]);
    // A token that names no placement, given one, was made before tokens named them: its executor placed by the file, and its
    // simulated schedules learned affinity from each block. Unnamed (no sha256), the placement replays both, and prints the token, as they were.
    const settings = token.placement === undefined && read.placement ? { ...read, placement: unnamed(read.placement) } : read;
    if (token.placement === undefined && read.placement) {
      // Which file the failure was found with, if any, the token cannot say: what is used is said, not left to be assumed.
      process.stderr.write(`concord verify: --replay: a ${TOKEN_PREFIX}${token.version}_ token names no placement file (every ${TOKEN_PREFIX}${PLACEMENTS_NAMED}_ or later token of one does, and only some ${TOKEN_PREFIX}${PLACEMENTS_NAMED - 1}_ tokens), `
        + `so whether its failure was found with one is unknown: replaying with --placement ${shellWord(o.placement!)} (sha256 ${read.placement.sha256?.slice(0, PLACEMENT_DIGEST) ?? 'unknown'}…), `
        + 'unchecked against the token; without --placement its affinity partition learns each block\'s placement\n');
    }
    const outDir = o.out ?? DEFAULT_OUT;
    checkOutDir(outDir, '--out');
    const sofar: ReplaySoFar = { now: null };
    // The token as made on the command it replays on: what its report names, and the token it prints.
    const replaying = o.otherCommand ? { ...token, executor: given[0]! } : token;
    if (o.otherCommand && !o.json) writeStdout(`${otherCommandLine(token.executor, replaying.executor)}\n`);
    const source = sourceFor(replaying.executor, settings);
    const notReplayed = o.json ? { ok: false, executors: [replaying.executor], reproduced: false, runs: 0, notReplayed: 'start-up' } : undefined;
    replayed = await unlessSignalled(
      async () => {
        const untold = await startUp(source, notReplayed);
        const r = await replayFailure(source, replaying, outDir, repeat, sofar);
        // An engine the check could not tell had started (slow to fail: python on a loaded machine)
        // and that then ended before its first answer: its start-up failed, unless ending on this
        // block is the token's own failure (an engine that crashes on it, slow to start or not).
        if (untold && r.startUpFault !== undefined && replaying.failure !== 'engine fault') {
          throw notStarted(`the executor ${replaying.executor} failed at start-up: ${r.startUpFault.replace(/^ExecEngineError: /, '')}`, notReplayed);
        }
        return r;
      },
      (signal) => leaveReplay(signal, sofar, replaying, repeat, o.json === true, o.otherCommand ? token.executor : undefined),
    );
  } catch (e) {
    if (e instanceof ReplayTokenError) throw new UsageError(e.message);
    throw e;
  }
  const { report, observer, runs, kind } = replayed;
  const otherwise = report && failedOtherwise(token, report, kind);
  // A counterexample that failed only after earlier blocks on its instance, or only sometimes, could
  // pass alone when it was found too: passing now says nothing about whether it is gone.
  // Only a failure found after earlier blocks had its earlier-blocks file, and a rerun line to run it with.
  const earlierFile = token.failsOnly === 'after earlier blocks' && !token.executor.startsWith(PLANTED_PREFIX)
    ? earlierFileFor(executorBlockFile(o.out ?? DEFAULT_OUT, token.executor, failureTag(token.check, { min: token.minTxs, max: token.maxTxs }, token.seed))) : undefined;
  const unknown = report ? undefined
    : token.failsOnly ? passedAloneText(replayed.label, token, token.failsOnly, runs, earlierFile && existsSync(earlierFile) ? earlierFile : undefined)
      : isModuleObject(token.executor) ? passedSharedText(replayed.label, token, runs) : undefined;
  // A module's top-level state is the process's, which verify's fresh instances shared and this
  // process does not: a pass may be a fix, so it exits 0, but is not called one (passedFreshProcessText).
  const inProcess = !report && !unknown && isModulePath(token.executor) ? passedFreshProcessText(replayed.label, token, runs) : undefined;
  if (o.json) {
    writeStdout(`${JSON.stringify({
      ok: !report && !unknown, executors: [o.otherCommand ? executorNames(o.executor ?? [])[0]! : token.executor], ...(o.otherCommand ? { otherCommand: { token: token.executor } } : {}), settings: { ...token.settings, ...(token.threadCounts ? { threads: token.threadCounts } : {}), ...(token.programs ? { programs: token.programs } : {}) }, blocksChecked: observer.blocks, schedulesExplored: observer.schedules, failures: report ? [failureJson(report)] : [],
      reproduced: Boolean(report) && !otherwise, runs, ...(unknown ? { ...(token.failsOnly ? { failsOnly: token.failsOnly } : { sharedInstance: true }), error: unknown } : {}),
      ...(inProcess ? { note: inProcess } : {}), ...(otherwise ? { failedOtherwise: otherwise } : {}),
    })}\n`);
  } else if (report) {
    writeStdout(replayedText(report, runs, repeat, otherwise));
  } else if (unknown) {
    writeStdout(`${unknown}\n`);
  } else if (inProcess) {
    writeStdout(`${inProcess}\n`);
  } else {
    const times = runs > 1 ? ` in ${runs.toLocaleString('en-US')} runs` : '';
    writeStdout(`replayed ${replayed.label} ${token.check} seed ${token.seed} path ${token.path}: the counterexample no longer fails${times}\n`);
  }
  return report || unknown ? EXIT.FAILED : EXIT.OK;
}

export async function verifyCommand(o: VerifyOptions): Promise<number> {
  // It runs no executor: nothing to watch or load.
  if (o.merge !== undefined) return merge(o);
  const doing: Doing = { now: BETWEEN_CALLS, executor: '', block: null, threads: 0, settings: undefined, warmUp: undefined };
  const json = o.json ? { ok: false } : undefined;
  const outDir = o.out ?? DEFAULT_OUT;
  const timeoutS = timeoutOption(o.timeout);
  const hungBlock = () => blockInFlight(doing, outDir, 'hung', json, ` --timeout ${timeoutS}`);
  const watch = watchCalls('verify', timeoutS, json, hungBlock);
  // In-process: shrinking after it would run on a process whose state the crash left unknown.
  setCrashNote(() => blockInFlight(doing, outDir, 'crashed', json));
  const coverage = o.coverage === undefined ? undefined : coverageOption(o.coverage);
  // A built-in keeps its own gate: its simulated runs count its paths under their own names.
  const goals = (name: string) => (isOwnExecutor(name) ? coverage : undefined);
  // An engine in another process that leaves a request unanswered past --timeout is stopped, and
  // the call fails: a counterexample to shrink on fresh engines, where a hang in this process ends the command.
  // The runner shortens it for a hang's shrink tries (properties/hang-bound.ts).
  const answerWithin: HangBound | undefined = timeoutS > 0 ? { ms: timeoutS * 1000, by: '--timeout' } : undefined;
  const sourceFor = (name: string, settings: PartitionSettings) => tracked(
    name.startsWith(PLANTED_PREFIX) ? plantedSource(name.slice(PLANTED_PREFIX.length)) : executorSource(name, settings, goals(name), answerWithin), doing, json, watch, timeoutS, outDir,
  );
  // Without this, an execute() that never settles (and keeps nothing alive) ends the process with exit 13, silently.
  return unlessStuck(verify(o, sourceFor, coverage, answerWithin, json), () => new ExecutorFailure(`${doing.now}: nothing was left running that could settle it${hungBlock()}`, json));
}

/**
 * `coverage`: the goals --coverage gave, undefined without it; `answerWithin`: the bound sourceFor's
 * exec: engines were made with; `failed`: the object --json prints for a failure outside any check
 * (an engine that fails at start-up, a hang), which takes the run's --shard once it is read.
 */
async function verify(
  o: VerifyOptions, sourceFor: Sources, coverage: readonly CoverageGoal[] | undefined, answerWithin: HangBound | undefined, failed: object | undefined,
): Promise<number> {
  // A list would multiply every check by its partitions; the simulated schedules already draw each.
  if (o.partition?.includes(',')) {
    throw new UsageError(`--partition ${o.partition}: verify makes every executor with one partition, not a list; check each in a verify of its own `
      + '(without --partition, modular\'s simulated schedules draw one of hash, range and affinity each)');
  }
  if (o.replay !== undefined) {
    // The token fixes everything these would set, so each would be silently ignored; --executor
    // only confirms the engine command of an exec: token (replay() checks it).
    const ignored = ([['--planted', o.planted || undefined], ['--shard', o.shard], ['--runs', o.runs],
      ['--seed', o.seed], ['--txs', o.txs], ['--threads', o.threads], ['--time-limit', o.timeLimit], ['--fail-on-cut', o.failOnCut || undefined], ['--coverage', o.coverage], ['--programs', o.programs]] as const).filter(([, v]) => v !== undefined).map(([name]) => name);
    if (ignored.length) throw new UsageError(`--replay reruns one failure: give it alone (with --repeat, --json, --out or --timeout), not with ${ignored.join(', ')}`);
    return replay(o, sourceFor);
  }
  if (o.repeat !== undefined) throw new UsageError('--repeat runs a replayed block again: give it with --replay TOKEN');
  if (o.otherCommand) throw new UsageError('--other-command replays a token on another exec: command: give it with --replay TOKEN and --executor \'exec:COMMAND\'');
  const runs = intOption('--runs', o.runs, DEFAULT_RUNS, 1, MAX_RUNS);
  const seed = intOption('--seed', o.seed, DEFAULT_SEED, 0, MAX_SEED);
  const timeLimitMs = parseTimeLimit(o.timeLimit);
  if (o.failOnCut && timeLimitMs === undefined) throw new UsageError('--fail-on-cut fails a run whose checks --time-limit cut short: give it with --time-limit SEC');
  const shard = parseShard(o.shard);
  // Every shard of a matrix whose engine cannot start fails alike: without its shard, each one's
  // file is the same bytes, and --merge took them for copies of one run (exit 2) over the failure.
  if (failed && shard) Object.assign(failed, { shard: `${shard.index}/${shard.count}` });
  requireShardRuns(runs, shard, o.planted ? DEFAULT_RUNS : SHARD_RUNS);
  const outDir = o.out ?? DEFAULT_OUT;
  const progress = createProgress({ json: Boolean(o.json) });
  const txs = o.txs === undefined ? undefined : intOption('--txs', o.txs, 1, 1, MAX_VERIFY_TXS);
  // Validated as bench's list is, and sorted: two orders of one list are one run.
  const threadCounts = o.threads === undefined ? undefined : threadList(o.threads, 0);
  const programs = programsOption(o.programs);
  const base = {
    runs, seed, outDir, progress, ...(timeLimitMs === undefined ? {} : { timeLimitMs }), ...(shard ? { shard } : {}), ...(txs === undefined ? {} : { txs }),
  };

  if (o.planted) {
    // One executor's bugs alone, for whoever is working on that executor.
    const own = executorNames(o.executor ?? []);
    const none = own.filter((name) => !(PLANTED_EXECUTORS as readonly string[]).includes(name));
    if (none.length) throw new UsageError(`--planted --executor: ${none.join(', ')} ${none.length === 1 ? 'has' : 'have'} no planted bugs (those of ${PLANTED_EXECUTORS.join(' and ')} do)`);
    const beside = [
      ...(o.coverage !== undefined ? ['--coverage'] : []), ...(o.failOnCut ? ['--fail-on-cut'] : []),
      // Each planted bug is caught at the settings the catalogue was measured at.
      ...(o.modules !== undefined ? ['--modules'] : []), ...(o.partition !== undefined ? ['--partition'] : []), ...(o.placement !== undefined ? ['--placement'] : []),
      ...(threadCounts ? ['--threads'] : []), ...(o.programs !== undefined ? ['--programs'] : []),
    ];
    if (beside.length) throw new UsageError(`--planted checks the planted-bug catalogue: leave out ${beside.join(' and ')}`);
    const kinds = own.length ? own as Simulated['kind'][] : undefined;
    const sofar: SoFar = { report: null };
    const print = (planted: PlantedReport, stopped?: string) => {
      const ok = planted.caught === planted.total && stopped === undefined;
      if (o.json) {
        writeStdout(`${JSON.stringify({ ...summary(ok, planted.run, { runs, txs, made: {} }, planted), ...(stopped === undefined ? {} : { stopped }) })}\n`);
        if (stopped !== undefined) process.stderr.write(`concord verify: ${stopped}\n`);
      } else {
        writeStdout(`${plantedText(planted, runs, shard, outDir, stopped).join('\n')}\n`);
      }
      return ok ? EXIT.OK : EXIT.FAILED;
    };
    const planted = await unlessSignalled(() => {
      checkOutDir(outDir, '--out');
      return runPlanted({ ...base, sofar }, kinds);
    }, (signal) => {
      const r = sofar.report?.() ?? null;
      const stopped = signalStopped(signal, r, 'planted bug');
      if (r === null) printFailure('verify', stopped, o.json ? { ok: false, stopped } : undefined);
      else print(plantedReport(r, kinds), stopped);
    });
    return print(planted);
  }

  const given = executorNames(o.executor ?? []);
  if (o.coverage !== undefined && !given.some(isOwnExecutor)) {
    throw new UsageError('--coverage names the stats counters of your own executor: give its module or its exec: command with --executor (a built-in has its own gate)');
  }
  const names = given.length ? given : defaultExecutors();
  const made = await withPlacement(o.placement, partitionSettings(o, names), names);
  const sources = names.map((name) => sourceFor(name, made));
  /**
   * The report of `r`: `ok` the verdict, `error` what closing a module's executor object left
   * unsettled or thrown, `cutFailed` whether --fail-on-cut alone failed it, and `stopped` the line
   * of a run a signal ended, which is then its verdict.
   */
  const print = (r: RunReport, ok: boolean, end: { error?: string; cutFailed?: boolean; stopped?: string } = {}) => {
    const uncovered = r.executors.filter((e) => e.uncovered.length > 0);
    if (o.json) {
      writeStdout(`${JSON.stringify({ ...summary(ok, r, { runs, txs, made, ...(threadCounts ? { threadCounts } : {}), ...(programs ? { programs } : {}) }), ...(end.error ? { error: end.error } : {}), ...(end.stopped === undefined ? {} : { stopped: end.stopped }) })}\n`);
      // A CI job sends stdout to a file: its log would show nothing of why it failed, or that it was cut or stopped.
      for (const line of [...jsonLogLines(r, uncovered), ...(end.stopped === undefined ? [] : [end.stopped])]) process.stderr.write(`concord verify: ${line}\n`);
      return;
    }
    for (const f of r.failures) writeStdout(`${formatFailure(f).join('\n')}\n\n`);
    writeStdout(`${textSummary(r, made, threadCounts, programs).join('\n')}\n`);
    for (const e of uncovered) writeStdout(`${uncoveredLine(e)}\n`);
    if (uncovered.length) {
      const shards = shard && { count: shard.count, perShard: SHARD_RUNS };
      writeStdout(`  hint: ${coverageHint(VERIFY_OPTION_NAMES, runs, DEFAULT_RUNS, coverage, shards)}\n`);
    }
    const last = end.stopped ?? verdictLine(ok, r.timedOut, end.cutFailed === true);
    if (last !== undefined) writeStdout(`${last}\n`);
  };
  const sofar: SoFar = { report: null };
  const { r, checked, unclosed } = await unlessSignalled(async () => {
    // Load every user's module up front, so a bad path is a usage error before minutes of checking
    // (a built-in cannot fail to load, and starting its pool costs a second or more).
    for (const s of sources) if (!EXECUTORS.has(s.name)) await (await s.create()).close(false);
    checkOutDir(outDir, '--out');
    const run = await runVerify({ subjects: sources, ...base, ...(threadCounts ? { threadCounts } : {}), ...(programs ? { programs } : {}), ...(answerWithin ? { answerWithin } : {}), sofar });
    const checked = !run.failures.length && run.executors.every((e) => e.uncovered.length === 0);
    return { r: run, checked, unclosed: await closeModuleExecutors('verify', o.timeout, !checked, o.json ? { ok: false } : undefined) };
  }, (signal) => {
    const sofarReport = sofar.report?.() ?? null;
    const stopped = signalStopped(signal, sofarReport, 'executor');
    if (sofarReport === null) printFailure('verify', stopped, o.json ? { ok: false, stopped } : undefined);
    else print(sofarReport, false, { stopped });
  });
  for (const u of unclosed) process.stderr.write(`concord verify: ${u.message}\n`);
  // A CI job that needs every check run in full says so with --fail-on-cut, rather than reading timedOut.
  const cutFails = r.timedOut && o.failOnCut === true;
  const ok = checked && unclosed.length === 0 && !cutFails;
  print(r, ok, { ...(unclosed.length ? { error: unclosed.map((u) => u.message).join('; ') } : {}), cutFailed: cutFails && checked && unclosed.length === 0 });
  return ok ? EXIT.OK : EXIT.FAILED;
}
