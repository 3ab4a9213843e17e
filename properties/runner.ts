// The verify run: every check for every executor under test, in seeded batches, with a time limit
// and sharding, collecting counts, coverage and explained, shrunk, replayable failures. Used by
// `concord verify`, by the vitest helper and by the tests.
// Invariant: a check's runs are split into batches; batch b runs fast-check from the key
// batchSeed(seed, b), distinct for every (seed, b) the limits allow, and shard I/N runs exactly the
// batches with b mod N = I - 1, so the shards of a CI matrix together run exactly the unsharded
// run, and any failure replays from its (key, path) alone, unless it failed only after the blocks run
// before it on the same executor instance, or only sometimes: the report and the token then say so.
// Telling those apart costs at most 3 * RERUNS + log2(HISTORY_BLOCKS) + 2 * HISTORY_BLOCKS executor
// instances a failure (2 * RERUNS for one that fails alone). The blocks, schedules, states and
// interleavings a run counts as checked are its generated runs' alone: those run shrinking and
// rerunning a counterexample are counted apart (Tries), however the shrinking ends, so a failing
// run's counts and rates read as a passing one's; progress is counted in generated runs alike.

import fc from 'fast-check';
import { xorshift128plusFromState } from 'pure-rand/generator/xorshift128plus';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { makeFolders, mayWrite } from './folders.js';
import { earlierFileFor, writeEarlierFile, type EarlierRun } from './earlier-file.js';
import { takeTurn } from '../spec/turn.js';
import type { Block, BlockResult } from '../spec/block.js';
import { executeReference } from '../spec/reference.js';
import { seedState } from '../spec/seed.js';
import { writeBlock } from '../spec/block-file.js';
import { preStateKindOf } from '../spec/shared-state.js';
import { plural } from '../spec/plural.js';
import { BATCH, MAX_RUNS, MAX_SEED, SEED_BATCHES } from './verify-limits.js';
import { isModuleObject, isModulePath } from '../impl/registry.js';
import { execCommand, isExecCommand, type EngineFault } from '../impl/exec-executor.js';
import {
  bigBlocksCheck, determinismCheck, emptyBlockCheck, emptyCoverage, equivalenceCheck, PARALLEL_RUN, runCatching, runsOnThreads, SKIP_REST, vmCornersCheck,
  type CallBefore, type CheckDef, type CheckInput, type Coverage, type CoverageGoal, type Failure, type Observer, type Subject, type TxRange,
} from './equivalence.js';
import { afterEarlierBlocks, afterRunBlocks, sameResult, type Explanation } from './explain.js';
import { exhaustiveCheck } from './enumerate.js';
import { attemptCap, minimize, NOOP } from './minimize.js';
import { buildBlock } from './arbitraries.js';
import { interleavingCheck } from './simulated.js';
import { lyingFootprintsCheck } from './lying-footprints.js';
import { confirmProtocol, minimalInput } from './protocol-failure.js';
import {
  blockDigest, damagedToken, digestMatches, encodeToken, failureKindOf, replayCommand, ReplayTokenError, sameSettings, sealToken, settingsWords, TOKEN_VERSION, type FailureKind,
  type CheckName, type FailsOnly, type PartitionSettings, type ReplayToken, type ShrinkCap, type ShrinkStep, type SealedToken, type TokenFields, type TokenV1,
} from './replay.js';
import { threadCountsProblem, threadCountsText } from './thread-counts.js';
import type { Programs } from './programs.js';
import { HANG_SHRINK_MS, withShrinkTries, type HangBound } from './hang-bound.js';
import { maxThreads } from '../impl/runtime/pooled.js';

/** How to build one executor under test; `create` is called once per run and closed at its end. */
export interface SubjectSource {
  readonly name: string;
  /**
   * What create()'s subject will have of the coverage gate, where known without making it: a run a
   * signal stops before this executor's turn then reports the `required` a run that reached it does,
   * which the shards of `verify --merge` must agree on.
   */
  readonly gate?: Pick<Subject, 'name' | 'coverage' | 'simulated'>;
  create(): Promise<Subject>;
}

/** Every check, in the order a run performs them. */
export const CHECK_DEFS: readonly CheckDef[] = [equivalenceCheck, vmCornersCheck, determinismCheck, bigBlocksCheck, emptyBlockCheck, interleavingCheck, exhaustiveCheck, lyingFootprintsCheck];

export interface RunnerOptions {
  readonly subjects: readonly SubjectSource[];
  /** Generated blocks per executor for the equivalence check (other checks scale it by runsFactor). */
  readonly runs: number;
  readonly seed: number;
  readonly timeLimitMs?: number;
  /** Shard I of N (index is 1-based). */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Where failing blocks are written; undefined writes nothing. */
  readonly outDir?: string;
  readonly checks?: readonly CheckDef[];
  /** Transactions in every generated block (all checks but exhaustive enumeration); default: each check's range. */
  readonly txs?: number;
  /** The thread counts every check calls execute() at (Subject.threadCounts), sorted, each once; default: each check's own. */
  readonly threadCounts?: readonly number[];
  /** The library contracts every generated block calls alone (Subject.programs, verify --programs); default: every program kind. */
  readonly programs?: Programs;
  readonly progress?: ProgressSink;
  /**
   * The bound the `exec:` engines of `subjects` were made with (their AnswerLimit, read as each
   * request is sent): a hang's shrinking shortens it for its tries (hang-bound.ts). Absent: each
   * try is bounded as the engine was made.
   */
  readonly answerWithin?: HangBound;
  /** Given the report of what has run so far as the run starts, for a command a signal stops part-way (cli/verify.ts). */
  readonly sofar?: SoFar;
}

/**
 * Where runVerify leaves, from its start, how to make its report as it stands: for a command that
 * must stop part-way (a signal), whose executors it has not run in full say `stopped`. Null
 * before the run starts.
 */
export interface SoFar {
  report: (() => RunReport) | null;
}

/**
 * Where progress goes (cli/progress.ts's Progress fits): one phase per executor turn, counted in
 * the generated runs this shard owns; while a counterexample is shrunk, `done` holds still and the
 * item says so ("equivalence: shrinking: 12 tries").
 */
export interface ProgressSink {
  start(total: number, phase: string): void;
  update(done: number, item: string): void;
  stop(): void;
}

export interface FailureReport {
  /** The executor as commands name it (the replay token and the rerun command carry it). */
  readonly executor: string;
  /** The executor as reports show it (Subject.label). */
  readonly label: string;
  /** The settings the executor was made with (Subject.settings), which the token and the rerun command carry; absent: none. */
  readonly settings?: PartitionSettings;
  /** The thread counts the checks drew from (Subject.threadCounts), which the token carries; absent: each check's own. */
  readonly threadCounts?: readonly number[];
  /** The library contracts the checks drew calls of alone (Subject.programs), which the token carries; absent: every program kind. */
  readonly programs?: Programs;
  readonly check: CheckName;
  readonly setting: string;
  /** The thread count of the failing execute() (the rerun command passes it on); absent for a simulated run. */
  readonly threads?: number;
  /** 'shared': the block's pre-state was handed over as a SharedState (the rerun command passes --pre-state shared); absent for a Map. */
  readonly preState?: 'shared';
  /** The failing call's number among the check's calls of the block on one instance (determinism makes 8), where above 1: the rerun command repeats the block as often. */
  readonly call?: number;
  /** fast-check's seed: batchSeed(runSeed, batch), which the token replays from. */
  readonly seed: number;
  /** The run's --seed and the batch of it that failed (absent for a token's seed no run makes). */
  readonly runSeed?: number;
  readonly batch?: number;
  readonly path: string;
  readonly token: string;
  readonly replay: string;
  readonly transactions: number;
  readonly numShrinks: number;
  /** The shrinker stopped at its cap on tries (minimize.ts attemptCap), at the time limit, or at the cap on a hang's shrinking, with changes untried: a smaller failing block may exist. */
  readonly shrinkCapped?: true;
  /** It was --time-limit that stopped the shrinker (shrinkCapped is then set too). */
  readonly shrinkTimeLimited?: true;
  /** It was the cap on a hang's shrinking (hang-bound.ts HANG_SHRINK_MS) that stopped it (shrinkCapped is then set too). */
  readonly shrinkHangLimited?: true;
  /** The failure is an `exec:` engine's hang past this bound (Failure.hung), which the rerun and the replay keep as --timeout. */
  readonly hungMs?: number;
  /**
   * A hang's shrinking reached a block of `transactions` that failed its try, hung under a shrink
   * try's shorter bound (`boundMs`, hang-bound.ts; absent where it failed otherwise), and answered
   * within --timeout when run alone on a fresh engine: the block reported is the one that hung
   * under --timeout when found, not shrunk.
   */
  readonly hangUnconfirmed?: { readonly transactions: number; readonly boundMs?: number };
  readonly blockFile?: string;
  /**
   * Why the shrunk block may pass when rerun alone (the block file's rerun, the replay): it passed on
   * a fresh executor instance and failed there after `earlier`, or its reruns disagreed or all
   * passed (howItFails); absent when it fails alone.
   */
  readonly failsOnly?: FailsOnly;
  /**
   * The executor is a module's one exported object (impl/registry.ts): verify had no fresh instance
   * to rerun the counterexample on, so whether it fails alone or only after earlier blocks is unknown.
   */
  readonly sharedInstance?: true;
  /**
   * A replay of a token with failsOnly that failed again: failsOnly is the token's, from when the
   * counterexample was found, and its block was written apart from the one found then
   * (`...-replay.block.json`), since an executor whose results vary may shrink to another.
   */
  readonly replayed?: true;
  /**
   * With failsOnly 'after earlier blocks': the blocks its instance ran before it that it was found
   * to need (reduced as fewestBlocks does, or all of them where a reduced list failed to confirm), oldest first, after which it failed on a fresh instance every time (as
   * block file objects, with the thread count each ran at, how each went there itself, and the
   * file each was written to).
   */
  readonly earlier?: readonly EarlierBlock[];
  /** The time limit stopped the search for fewer `earlier` blocks with removals left untried: fewer may do. */
  readonly earlierTimeLimited?: true;
  /** The earlier-blocks file (earlier-file.ts) naming `earlier`'s block files, then the failing block for each of `callsBefore`, for `concord run --after`. */
  readonly earlierFile?: string;
  /** As Failure.callsBefore: the calls of the block on the instance before the failing one, which its rerun makes first. */
  readonly callsBefore?: readonly CallBefore[];
  readonly explanation?: Explanation;
  readonly error?: string;
  /**
   * An `exec:` engine's output broke concord-exec/1 (`rule`), and a fresh engine broke it again on
   * this block, the smallest minimize() makes, which was not shrunk further (properties/protocol-
   * failure.ts); `afterAnswer`: the line came after its answer to the block's first call, and was
   * read as its second went out (`call` 2).
   */
  readonly protocol?: { readonly rule: string; readonly afterAnswer?: true };
  /**
   * An `exec:` engine's failure that is its own whatever the block (an `error` answer, an end before
   * its first answer: impl/exec-executor.ts engineFault), which it failed the same way on this block,
   * the smallest minimize() makes, in one try: not shrunk, since every smaller block would fail alike.
   */
  readonly engineFault?: EngineFault;
  /** Where the executor threw `error`: the frames of its own code (explain.ts thrownAt). */
  readonly stack?: readonly string[];
  readonly interleaving?: readonly string[];
  readonly schedule?: readonly number[];
  /** The shrunk block, as a block file object (format concord-block/1). */
  readonly block: object;
}

/** A block the failing one needs run before it on the same instance (FailureReport.earlier). */
export interface EarlierBlock {
  readonly threads: number;
  /**
   * Its result on the fresh instance that ran the earlier blocks in order, before the failing one:
   * 'differed' from the reference's or 'threw' is a block wrong itself, 'same' one that only left
   * state behind.
   */
  readonly outcome: EarlierOutcome;
  /** As FailureReport.preState, for this block. */
  readonly preState?: 'shared';
  readonly block: object;
  readonly blockFile?: string;
}

/**
 * How far one check got on this shard: passed (every batch ran, no counterexample), failed (it
 * found the counterexample), cut (the time limit stopped it after `batches` of its `of` batches,
 * possibly 0, and `partial` runs of the next), skipped (an earlier check of the executor had
 * already failed), none (this shard owns no batch of it: a summary that counted it passed would
 * count what no shard ran), stopped (in a report of a run a signal ended: it had run `batches` of
 * its batches, 0 when it had not started).
 */
export interface CheckReport {
  readonly name: CheckName;
  /** 'not run': the check applies to the executor, but not to the blocks its --programs allows (CheckDef.notRun): never passed. */
  readonly status: 'passed' | 'failed' | 'cut' | 'skipped' | 'none' | 'stopped' | 'not run';
  /** Batches that ran in full: a batch the time limit stopped part-way is not one of them. */
  readonly batches: number;
  readonly of: number;
  /** With status cut: the runs of the next batch that ran before the time limit stopped it; absent when none did. */
  readonly partial?: number;
  /** With status 'not run': why, as reports print it ("not run: --programs contracts"). */
  readonly reason?: string;
}

export interface ExecutorReport {
  readonly name: string;
  /** How reports show it (Subject.label); `name` until the executor was created. */
  readonly label: string;
  /** The generated runs' blocks: those run shrinking and rerunning a counterexample are `shrinkBlocks`. */
  readonly blocksChecked: number;
  /** The generated runs' simulated schedules: those run shrinking a counterexample are `shrinkSchedules`. */
  readonly schedulesExplored: number;
  /**
   * Blocks run shrinking a counterexample (each candidate tried, the reruns for flakiness) and
   * rerunning it on fresh instances to tell how it fails (the earlier blocks those ran first
   * included): none in a run that found none.
   */
  readonly shrinkBlocks: number;
  readonly shrinkSchedules: number;
  /** Of elapsedMs, the time spent on `shrinkBlocks`: what a rate of the generated runs leaves out. */
  readonly shrinkMs: number;
  /** The exhaustive check's generated runs' states explored, and the interleavings they cover: those explored shrinking a counterexample are `shrinkStates` and `shrinkInterleavings`. */
  readonly statesExplored: number;
  readonly interleavingsCovered: number;
  /** The exhaustive check's generated blocks whose exploration stopped at its state limit (properties/enumerate.ts), so not every interleaving of them was checked. */
  readonly explorationsCut: number;
  /**
   * The exhaustive check's states explored, and interleavings covered, shrinking a counterexample and
   * rerunning it, as `shrinkBlocks` counts its blocks. runVerify always sets them; `verify --merge`
   * sums them, and leaves them out where a shard's file from before them lacks them (cli/verify-merge.ts).
   */
  readonly shrinkStates?: number;
  readonly shrinkInterleavings?: number;
  readonly coverage: Coverage;
  /** A built-in parallel executor's: the part of its goals' counts in `coverage` that execute() calls (its real threads) gave, not the simulated checks. */
  readonly executedCoverage?: Coverage;
  /** The coverage events the gate requires of a green run of it (its goals, a parallel run for a built-in, skip-rest): what shards pooled by `verify --merge` must agree on. */
  readonly required: readonly string[];
  /** Coverage events a green run required but never saw. */
  readonly uncovered: readonly string[];
  /** Of `uncovered`, the goals whose counter no matching run's stats carried at all (a counter named wrongly, say), as opposed to carried as 0. */
  readonly unreported: readonly string[];
  readonly failed: boolean;
  /** The time limit cut this executor's checks short (coverage is then not judged). */
  readonly cut: boolean;
  /** In a report of a run a signal ended (SoFar) only: that came before this executor's checks had all run, none failing; then not judged for coverage. */
  readonly stopped?: true;
  /** With `stopped`: the check it stopped in had found a counterexample and was shrinking it, so no failure holds it. */
  readonly shrinking?: true;
  /** Every check that applies to the executor, in the order they run; none when the time limit, or a signal, came before the executor's turn. */
  readonly checks: readonly CheckReport[];
  readonly elapsedMs: number;
}

export interface RunReport {
  readonly executors: readonly ExecutorReport[];
  /** The executors' generated blocks, and below their simulated schedules (ExecutorReport). */
  readonly blocksChecked: number;
  /** Simulated runs under random and PCT schedules. */
  readonly schedulesExplored: number;
  /** The executors' blocks, schedules and time spent shrinking and rerunning counterexamples, apart from the counts above. */
  readonly shrinkBlocks: number;
  readonly shrinkSchedules: number;
  readonly shrinkMs: number;
  /** Exhaustive enumeration: the generated runs' states expanded, and interleavings of worker steps they cover. */
  readonly statesExplored: number;
  readonly interleavingsCovered: number;
  /** Exhaustive enumeration while shrinking and rerunning counterexamples, apart from the counts above; absent from the vitest helper's replay, and from `verify --merge`'s pool where a shard's file from before them lacks them. */
  readonly shrinkStates?: number;
  readonly shrinkInterleavings?: number;
  readonly failures: readonly FailureReport[];
  readonly elapsedMs: number;
  readonly timedOut: boolean;
  readonly seed: number;
  readonly shard: string;
}

/** Runs one check on one input (a throw out of it a failure: runCatching), after a turn of the event loop now and then (spec/turn.ts). */
async function checkInput(check: CheckDef, subject: Subject, o: Observer, input: CheckInput): Promise<boolean> {
  await takeTurn();
  return runCatching(check, subject, o, input);
}

/** Property runs fast-check may spend shrinking one counterexample (minimize() then takes over). */
export const SHRINK_BUDGET = 300;
/** Transactions from which a block of one fixed size is shrunk by minimize() alone. */
const FIXED_SIZE_SHRINK = 100;
/** A check whose blocks may reach this many transactions (big-blocks: 1,100) has its failures shrunk by minimize() alone. */
const RANGE_SHRINK = 1000;

/**
 * The key batch b of seed `seed` runs fast-check from. Below seed 2^15 it is what it always was
 * (pinned tests and published examples keep their blocks); every (seed, b) within MAX_SEED and
 * MAX_RUNS has its own.
 */
export function batchSeed(seed: number, b: number): number {
  return seed * SEED_BATCHES + b;
}

/** The run's seed and batch whose key is `key` (batchSeed inverted); undefined for a key no run makes. */
export function batchOf(key: number): { readonly seed: number; readonly batch: number } | undefined {
  return Number.isSafeInteger(key) && key >= 0 ? { seed: Math.floor(key / SEED_BATCHES), batch: key % SEED_BATCHES } : undefined;
}

/**
 * fast-check settings that run from `key` with all its bits (spec/seed.ts): fast-check itself keeps
 * 32 of a seed, and every key below 2^32 keeps the runs fast-check's own seed gave it.
 */
function fromKey(key: number): Pick<fc.Parameters<unknown>, 'seed' | 'randomType'> {
  return { seed: key | 0, randomType: () => xorshift128plusFromState(seedState(key)) };
}

/** The batches of `total` runs that shard I/N owns. */
export function shardBatches(total: number, shard?: { index: number; count: number }): number[] {
  const n = Math.ceil(total / BATCH);
  const out: number[] = [];
  for (let b = 0; b < n; b++) if (!shard || b % shard.count === shard.index - 1) out.push(b);
  return out;
}

/**
 * The executor as a file name: a built-in or planted name as it is; a module by its file name and a
 * digest of its path from the folder verify runs in (an `exec:` engine by the file its command
 * runs, execFileWord, and a digest of the command), since two modules in one run may share a file
 * name (./badroot.mjs, ./sub/badroot.mjs) and must not overwrite each other's blocks. The same
 * module file gets the same name run after run, however the path to it is written, and in a
 * checkout elsewhere (a CI job's block file keeps its name when the failure is replayed locally).
 */
function fileStem(executor: string): string {
  const exec = isExecCommand(executor);
  const own = isModulePath(executor) ? relative(process.cwd(), resolve(executor)) : exec ? executor : undefined;
  const digest = own === undefined ? '' : `-${bytesToHex(sha256(utf8ToBytes(own))).slice(0, 8)}`;
  return `${basename(exec ? execFileWord(executor) : executor).replace(/[^\w.-]+/g, '_').replace(/^[._]+/, '')}${digest}`;
}

/**
 * The word of an `exec:` command that names the engine: the last one that names a file (a path, or
 * a name with an extension; not an option, not a redirection), else the first. So `python3
 * errengine.py` and `python3 ./errengine.py` are both errengine.py, where the basename of the
 * whole command made the first exec_python3_errengine.py, and the options after a file
 * (`./target/release/my-engine --mode parallel`, `node engine.mjs --fail-on-tx 3`) stay out of
 * the name. Quotes around a word are dropped; the digest beside it tells spellings apart.
 */
function execFileWord(executor: string): string {
  const words = execCommand(executor).split(/\s+/).map((w) => w.replace(/^['"]+|['"]+$/g, ''));
  const file = (w: string) => !w.startsWith('-') && !/[<>]/.test(w) && (w.includes('/') || /\.[A-Za-z]\w*$/.test(w));
  return words.filter(file).at(-1) ?? words[0]!;
}

/** Where writeExecutorBlock writes the block of `executor` tagged `tag` (a failure's: `${check}-${seed}`). */
export function executorBlockFile(outDir: string, executor: string, tag: string): string {
  return join(outDir, `${fileStem(executor)}-${tag}.block.json`);
}

/**
 * Writes a block file (spec/block-file.ts `writeBlock` output) into `outDir`, named for the
 * executor and `tag`, and returns its path.
 */
export function writeExecutorBlock(outDir: string, executor: string, tag: string, block: object): string {
  makeFolders(outDir);
  const file = executorBlockFile(outDir, executor, tag);
  writeFileSync(file, `${JSON.stringify(block, null, 1)}\n`);
  return file;
}

/**
 * The name a failure's files carry after the executor's: its check and seed, and the size of its
 * blocks where not the check's own (--txs, the helper's txs), so that two runs of one executor into
 * one folder, one with --txs and one without, do not write over each other's block.
 */
export function failureTag(check: CheckName, txs: TxRange, seed: number): string {
  const own = CHECK_DEFS.find((c) => c.name === check)?.txs;
  const sized = own !== undefined && (own.min !== txs.min || own.max !== txs.max) ? `-txs-${txs.min === txs.max ? txs.min : `${txs.min}-${txs.max}`}` : '';
  return `${check}${sized}-${seed}`;
}

/**
 * The token of a failure fast-check reported with no counterexample to seal (never, as verify runs
 * it): a cv1_ one without a digest, whose replay runs the case at its path and shrinks it again.
 */
const unsealed = (fields: TokenFields): TokenV1 => ({ ...fields, version: 1 });

/**
 * The report of one failing fast-check run, from the failure the property recorded last; `how`:
 * why the shrunk block may pass when rerun alone, and the earlier blocks it needs (written next to
 * it, each named for how many blocks before it it ran: ...-before-1.block.json ran just before);
 * `tokenOf` completes the token from what every token names (sealToken, for the shrunk run).
 */
export function failureReport(
  subject: Pick<Subject, 'name' | 'label' | 'settings' | 'threadCounts' | 'programs'>, check: CheckDef, seed: number, details: fc.RunDetails<[CheckInput]>, shrinks: number, last: Failure | undefined,
  how: HowItFails, outDir?: string, shrinkCapped: false | ShrinkCap = false, tokenOf: (fields: TokenFields) => ReplayToken = unsealed,
): FailureReport {
  const path = details.counterexamplePath ?? '0';
  const executor = subject.name;
  const { failsOnly } = how;
  const { settings, threadCounts, programs } = subject;
  // The token names what the failure was, so that its replay can tell the same failure from another of the block.
  const token = tokenOf({
    executor, check: check.name, minTxs: check.txs.min, maxTxs: check.txs.max, seed, path, ...(failsOnly ? { failsOnly } : {}), ...(settings ? { settings } : {}), ...(threadCounts ? { threadCounts } : {}),
    ...(programs ? { programs } : {}), ...(last ? { failure: failureKindOf(last) } : {}),
  });
  const block: Block | undefined = last?.block;
  const run = batchOf(seed);
  const base: Omit<FailureReport, 'blockFile'> = {
    executor, label: subject.label ?? executor, ...(settings ? { settings } : {}), ...(threadCounts ? { threadCounts } : {}), ...(programs ? { programs } : {}), check: check.name, setting: last?.setting ?? '', ...(last?.threads === undefined ? {} : { threads: last.threads }), ...(last?.call === undefined ? {} : { call: last.call }),
    ...sharedPreState(block),
    seed, ...(run ? { runSeed: run.seed, batch: run.batch } : {}), path,
    // A hang's replay and rerun are bounded as the call was, not by the default --timeout.
    token: encodeToken(token), replay: replayCommand(token, last?.hung, outDir), ...(last?.hung === undefined ? {} : { hungMs: last.hung }), ...(failsOnly ? { failsOnly } : {}), ...(how.replayed ? { replayed: true } : {}),
    ...(isModuleObject(executor) ? { sharedInstance: true } : {}),
    ...(last?.callsBefore ? { callsBefore: last.callsBefore } : {}),
    transactions: block?.txs.length ?? 0, numShrinks: details.numShrinks + shrinks, ...(shrinkCapped ? { shrinkCapped: true } : {}),
    ...(shrinkCapped === 'time' ? { shrinkTimeLimited: true } : {}), ...(shrinkCapped === 'hang' ? { shrinkHangLimited: true } : {}),
    // A replay that failed ran on a fresh instance, where a value kept from earlier blocks cannot be.
    // A value one of the earlier blocks left is named as `concord run --after` names it, from their reference runs.
    ...(last?.explanation ? {
      explanation: failsOnly === 'after earlier blocks' && !how.replayed
        ? afterEarlierBlocks(afterRunBlocks(last.explanation, (how.after ?? []).map((e) => executeReference(e.block).state))) : last.explanation,
    } : {}),
    ...(last?.error ? { error: last.error } : !last && details.errorInstance ? { error: String(details.errorInstance) } : {}),
    ...(last?.stack ? { stack: last.stack } : {}),
    ...(last?.provenance?.interleaving ? { interleaving: last.provenance.interleaving } : {}),
    ...(last?.schedule ? { schedule: last.schedule } : {}),
    block: block ? writeBlock(block) : {},
  };
  const before = how.after ?? [];
  const named = failureTag(check.name, check.txs, seed);
  // After a signal's report, the files stay as it said they were.
  const writeTo = mayWrite() ? outDir : undefined;
  const earlier = before.map(({ block: b, threads, outcome }, i): EarlierBlock => {
    const file = writeBlock(b);
    const tag = `${named}-before-${before.length - i}`;
    return { threads, outcome, ...sharedPreState(b), block: file, ...(writeTo && block ? { blockFile: writeExecutorBlock(writeTo, executor, tag, file) } : {}) };
  });
  const blockFile = writeTo && block ? writeExecutorBlock(writeTo, executor, `${named}${how.replayed ? '-replay' : ''}`, base.block) : undefined;
  const runs = [
    ...earlier.flatMap((e): EarlierRun[] => (e.blockFile ? [{ blockFile: e.blockFile, threads: e.threads, preState: e.preState ?? 'map' }] : [])),
    // The check's own calls of the block: its file, at each call's thread count and pre-state kind.
    ...(blockFile ? (last?.callsBefore ?? []).map((c): EarlierRun => ({ blockFile, ...c })) : []),
  ];
  const earlierFile = blockFile && runs.length ? writeEarlierFile(earlierFileFor(blockFile), runs) : undefined;
  if (writeTo && blockFile) removeStale(writeTo, executor, named, earlier.length, earlierFile === undefined ? earlierFileFor(blockFile) : undefined);
  return { ...base, ...(earlier.length ? { earlier } : {}), ...(how.afterTimeLimited ? { earlierTimeLimited: true } : {}), ...(blockFile ? { blockFile } : {}), ...(earlierFile ? { earlierFile } : {}) };
}

/**
 * Removes what an earlier verify into the same folder wrote for a failure of the same name and no
 * longer belongs to this one: its earlier blocks past the `kept` this one has (a list found shorter
 * now), and its earlier-blocks file `earlierFile` where this one needs none. Left there, a reader
 * of the folder would take them for this failure's.
 */
function removeStale(outDir: string, executor: string, tag: string, kept: number, earlierFile: string | undefined): void {
  for (let n = kept + 1; ; n++) {
    const file = executorBlockFile(outDir, executor, `${tag}-before-${n}`);
    if (!existsSync(file)) break;
    rmSync(file);
  }
  if (earlierFile !== undefined) rmSync(earlierFile, { force: true });
}

/** A report's preState field for the block: set only when its pre-state was a SharedState. */
function sharedPreState(block: Block | undefined): { readonly preState?: 'shared' } {
  return block && preStateKindOf(block) === 'shared' ? { preState: 'shared' } : {};
}

export function newObserver(subject: Subject): Observer & { last?: Failure } {
  const o: Observer & { last?: Failure } = {
    blocks: 0, schedules: 0, states: 0, interleavings: 0, statesCut: 0, executed: {}, reported: new Set(), measures: new Set(),
    coverage: { ...emptyCoverage(subject.coverage), ...(runsOnThreads(subject) ? { [PARALLEL_RUN]: 0 } : {}) },
    fail: (f) => { o.last = f; },
  };
  return o;
}

/** Reruns of a shrunk counterexample alone on fresh instances, and after the blocks run before it, that howItFails makes at most. */
export const RERUNS = 3;
/** The executes recorded per instance (the most earlier blocks a failure can be found to need), and the most transactions they hold together. */
export const HISTORY_BLOCKS = 64;
const HISTORY_TXS = 4000;

/** One execute() of an instance: what a fresh instance runs again to rebuild the state the first one kept. */
export interface Executed {
  readonly block: Block;
  readonly threads: number;
}

/** The blocks alive() has made, told apart from a check's by isProbeBlock (a hang on one follows a throw, and is no hang of a generated block). */
const probes = new WeakSet<Block>();

/** The block alive() runs: one no-op transaction, made anew each time, as an executor may change a block it is given. */
function probeBlock(): Block {
  const block = buildBlock({ keys: 1, pre: [{ entity: 0, field: 0, value: 1 }], txs: [NOOP], gasLimit: null });
  probes.add(block);
  return block;
}

export function isProbeBlock(block: Block | null | undefined): boolean {
  return block !== null && block !== undefined && probes.has(block);
}

/** How messages name an execute() of alive()'s block. */
const PROBE_CALL = 'the one-transaction no-op block run after a call that threw, to tell whether the instance still runs (threads 1)';

/** What an execute() call ran on, as the call limits (cli/verify.ts, call-timeout.ts) name it in a hang's message. */
export function executeTarget(block: Block, threads: number): string {
  return isProbeBlock(block) ? PROBE_CALL : `a generated block of ${plural(block.txs.length, 'transaction')} (threads ${threads})`;
}
/** How long the call limits (cli/verify.ts, call-timeout.ts) wait for alive()'s block before the instance counts as broken: half the call limit, at most a second. */
export const PROBE_MS = 1000;

/** The bound on an execute() of alive()'s block under a call limit of `limitMs` (0: none). */
export function probeMs(limitMs: number): number {
  return limitMs > 0 ? Math.min(PROBE_MS, limitMs / 2) : PROBE_MS;
}

/** Whether `instance` still runs a block no executor should fail: one no-op transaction, at 1 thread. */
async function alive(instance: Subject): Promise<boolean> {
  try {
    await instance.execute(probeBlock(), 1);
    return true;
  } catch {
    return false;
  }
}

/** The slowest execute() of a check's block an executor answered in the verify, over all its instances: what a hang's shrink tries are bounded by (hang-bound.ts). */
interface Answered {
  slowestMs: number;
}

/**
 * `source`'s instance `first`, recording its execute() calls: the last HISTORY_BLOCKS, and of those
 * only as many of the latest as hold HISTORY_TXS transactions together (the latest always), and in
 * `answered` how long the slowest that answered took.
 * history() returns an array that is replaced, never changed, so what it returned before a run
 * stays what it was. After a call that threw, the instance runs a one-transaction no-op block
 * (alive()); where that throws too, it is closed and the next call goes to a fresh instance, whose
 * history starts empty. A crash can leave an instance that fails every later call (an exec:
 * engine that exited, a pool whose worker died), and the shrinking would then keep every
 * candidate, reporting a block that fails only for following the crash, in the broken instance's
 * words. An instance that only refused the block stays: restarting it after every throw cost an
 * engine start-up per shrink candidate, and piled up instances whose clean-up the budget skipped.
 */
function recording(source: SubjectSource, first: Subject, answered: Answered): { readonly subject: Subject; history(): readonly Executed[] } {
  let current: Subject | undefined = first;
  let runs: readonly Executed[] = [];
  const execute = async (block: Block, threads: number): Promise<BlockResult> => {
    // Made by the call, so that a create() that throws fails it saying why, and the next tries again.
    current ??= await source.create();
    const instance = current;
    const next = [...runs.slice(1 - HISTORY_BLOCKS), { block, threads }];
    let from = next.length - 1;
    for (let txs = block.txs.length; from > 0 && txs + next[from - 1]!.block.txs.length <= HISTORY_TXS; from--) txs += next[from - 1]!.block.txs.length;
    runs = next.slice(from);
    const began = performance.now();
    try {
      const result = await instance.execute(block, threads);
      answered.slowestMs = Math.max(answered.slowestMs, performance.now() - began);
      return result;
    } catch (error) {
      if (!(await alive(instance))) {
        current = undefined;
        runs = [];
        // A counterexample: this close() is a clean-up.
        await instance.close(true);
      }
      throw error;
    }
  };
  return { subject: { ...first, execute, close: async (afterFailure) => current?.close(afterFailure) }, history: () => runs };
}

/** How an earlier block's result compared with the reference's on the fresh instance that ran it before the failing block. */
export type EarlierOutcome = 'same' | 'differed' | 'threw';

/** A block the failing one was found to need before it, and how it went itself there. */
export interface EarlierRan extends Executed {
  readonly outcome: EarlierOutcome;
}

/** Why a counterexample may pass when rerun alone, and with 'after earlier blocks' the blocks before it (oldest first) after which it fails, reduced (fewestBlocks). */
export interface HowItFails {
  readonly failsOnly?: FailsOnly;
  readonly after?: readonly EarlierRan[];
  /** The time limit stopped the search for fewer earlier blocks with removals left untried (FailureReport.earlierTimeLimited). */
  readonly afterTimeLimited?: true;
  /** Known from the replayed token, not found by rerunning (FailureReport.replayed). */
  readonly replayed?: true;
  /**
   * The failure a fresh instance recorded running the block as its report's rerun does: alone for
   * one that fails alone, after `after` (the reduced list) for one that fails after earlier blocks.
   * The shrinking's instance had run other blocks before it, whose kept state may give another
   * value, or another request number (Explanation.preStateOf), than the rerun prints.
   */
  readonly seen?: Failure;
}

/** Whether `a` and `b` are failures of the same call of a check's block (its setting, thread count and number). */
function sameCall(a: Failure, b: Failure): boolean {
  return a.setting === b.setting && a.threads === b.threads && a.call === b.call;
}

const SOMETIMES: HowItFails = { failsOnly: 'sometimes' };

/**
 * A shorter list of `blocks` (in their order) after which `fails` still holds, by ddmin's chunk walk
 * (where failing grows with the blocks kept, no one block of it can be dropped; where it does not,
 * state kept between blocks being any function of them, a block kept early may become droppable
 * later, and the walk does not go back):
 * chunks of half the list, then quarters, ... down to single blocks, oldest chunk first, each
 * removal kept where it still fails. `blocks` fails and the empty list does not (howItFails knows
 * both), so one block at least stays. A needed block costs about two tries a halving (12 for one of
 * 64), and no list more than 2 * its length; past `until` (performance.now()) none is tried, and
 * `cut` says removals were left untried.
 */
async function fewestBlocks<T>(blocks: readonly T[], fails: (list: readonly T[]) => Promise<boolean>, until: number): Promise<{ list: readonly T[]; cut: boolean }> {
  let list = blocks;
  let size = list.length;
  do {
    size = Math.min(Math.ceil(size / 2), Math.ceil(list.length / 2));
    for (let start = 0; start < list.length;) {
      const rest = [...list.slice(0, start), ...list.slice(start + size)];
      if (rest.length === 0) break;
      if (performance.now() > until) return { list, cut: true };
      // A kept removal brings the next chunk to `start`.
      if (await fails(rest)) list = rest;
      else start += size;
    }
  } while (size > 1 && list.length > 1);
  return { list, cut: false };
}

/**
 * Reruns the shrunk counterexample `input`, which failed on `subject` after the blocks `history`
 * (its last executes before that run, oldest first), to tell why it may pass when rerun alone. A
 * round runs it alone on a fresh instance (made from `source` for that one run) and, when that
 * passes, on another fresh instance after `history`'s blocks. A deterministic executor gives the
 * same outcome to the same calls from a fresh instance, so: undefined failsOnly (it fails alone,
 * and its replay, on a fresh instance, fails too) when every rerun failed, whatever `subject`
 * itself would do now with the state it kept (when `subject` passes it, RERUNS more fresh reruns
 * must fail too: a flaky executor fails 2 * RERUNS in a row rarely); 'after earlier blocks' when it
 * passed alone and failed after `history` every time, and `history`'s blocks passed or failed alike
 * each time (state kept between blocks); 'sometimes' as soon as outcomes differ, or when it passed
 * after `history` too (a race, or state older than `history`: the report words it as ambiguous).
 * A stateless executor wrong on a quarter of its calls passes 3 times alone and fails 3 times
 * after `history` 0.7% of the time (less, when `history`'s own outcomes are compared too). At most
 * RERUNS rounds, stopping at the first difference, so at most 2 * RERUNS instances (as many for
 * one that fails alone). Then, for 'after earlier blocks', one instance each for the last 1, 2, 4,
 * ... blocks of `history` until one fails, and one a try of fewestBlocks on that suffix (none
 * tried past `until`, the shrinking's deadline): the first suffix held 16 blocks where its oldest
 * alone was what the failure needed. A list found by single tries is rerun RERUNS times more, as
 * `history` was, so that no list is reported whose rerun passes: where it passes, or its blocks go
 * otherwise, the failure is reported after all of `history`, which failed every time. A fresh instance is made only if the check calls execute() at
 * all: the simulated checks run the algorithm, not the instance, and fail alike on a fresh one, so
 * one such rerun settles it. A throw from `source.create()` rejects with it: it is no failed rerun.
 * The check's own calls of the block before the failing one (Failure.callsBefore) are not reduced:
 * every rerun runs the check's input whole, those calls included, and the failing call's setting
 * names its place among them. What the reruns run is counted in `ran`, the earlier blocks
 * included. Where it fails alone, or after earlier blocks, `seen` is the failure the last fresh
 * rerun like the report's recorded (HowItFails.seen).
 */
export async function howItFails(
  source: SubjectSource, subject: Subject, check: CheckDef, input: CheckInput, history: readonly Executed[], until = Infinity,
  ran: Counts = noCounts(),
): Promise<HowItFails> {
  const references = new Map<Block, BlockResult>();
  /** Runs `input` on a fresh instance after `before`; `earlier`: how each of `before`'s blocks went there; `failure`: what it recorded, where it failed. */
  const onFresh = async (before: readonly Executed[]): Promise<{ passed: boolean; earlier: EarlierOutcome[]; made: boolean; failure?: Failure }> => {
    let fresh: Subject | undefined;
    // A throw from making the instance is no outcome of the block: the check would take it for a
    // throw from execute() and count the rerun failed, hiding why no fresh instance could be made (a
    // factory refused for handing out an executor it made before, say). It goes to the caller.
    let refused: { readonly error: unknown } | undefined;
    const instance = async (): Promise<Subject> => {
      if (fresh) return fresh;
      try {
        return (fresh = await source.create());
      } catch (error) {
        refused ??= { error };
        throw error;
      }
    };
    try {
      const earlier: EarlierOutcome[] = [];
      for (const { block, threads } of before) {
        const expected = references.get(block) ?? references.set(block, executeReference(block)).get(block)!;
        ran.blocks++;
        earlier.push(await (await instance()).execute(block, threads).then((r): EarlierOutcome => (sameResult(expected, r) ? 'same' : 'differed'), (): EarlierOutcome => 'threw'));
      }
      const o = newObserver(subject);
      const passed = await checkInput(check, { ...subject, execute: async (block, threads) => (await instance()).execute(block, threads) }, o, input);
      addCounts(ran, o);
      if (refused) throw refused.error;
      return { passed, earlier, made: fresh !== undefined, ...(passed || !o.last ? {} : { failure: o.last }) };
    } finally {
      // A counterexample was found, so this close() is a clean-up too.
      await fresh?.close(true);
    }
  };
  /** `before`'s blocks with how they went, and the last failure, when the block failed after them on RERUNS fresh instances, each going alike; undefined otherwise. */
  const confirmed = async (before: readonly Executed[]): Promise<{ after: EarlierRan[]; failure?: Failure } | undefined> => {
    let outcomes: readonly EarlierOutcome[] | undefined;
    let failure: Failure | undefined;
    for (let k = 0; k < RERUNS; k++) {
      const after = await onFresh(before);
      if (after.passed || (outcomes && after.earlier.join() !== outcomes.join())) return undefined;
      outcomes = after.earlier;
      failure = after.failure;
    }
    return { after: before.map((e, i) => ({ ...e, outcome: outcomes![i]! })), ...(failure ? { failure } : {}) };
  };
  let alonePassed: boolean | undefined;
  let earlier: readonly EarlierOutcome[] = [];
  // The last failure of a fresh rerun alone, and of one after all of `history`.
  let alone: Failure | undefined;
  let afterHistory: Failure | undefined;
  for (let k = 0; k < RERUNS; k++) {
    const run = await onFresh([]);
    if (!run.made) return run.passed ? SOMETIMES : {};
    if (alonePassed !== undefined && run.passed !== alonePassed) return SOMETIMES;
    alonePassed = run.passed;
    alone = run.failure;
    if (!run.passed) continue;
    const after = await onFresh(history);
    if (after.passed || (k > 0 && after.earlier.join() !== earlier.join())) return SOMETIMES;
    earlier = after.earlier;
    afterHistory = after.failure;
  }
  const seenAlone = alone ? { seen: alone } : {};
  if (!alonePassed) {
    // Every fresh rerun failed. Passing on its own instance now is a flaky executor's luck, or state
    // it kept that makes the block pass there; as many fresh reruns again tell the two apart.
    const own = newObserver(subject);
    const passedOwn = await checkInput(check, subject, own, input);
    addCounts(ran, own);
    if (passedOwn) {
      for (let k = 0; k < RERUNS; k++) if ((await onFresh([])).passed) return SOMETIMES;
    }
    return seenAlone;
  }
  let suffix = history;
  for (let n = 1; n < history.length; n *= 2) {
    if (!(await onFresh(history.slice(-n))).passed) {
      suffix = history.slice(-n);
      break;
    }
  }
  const { list, cut } = await fewestBlocks(suffix, async (before) => !(await onFresh(before)).passed, until);
  // A shorter list that passes once on confirming is no reason to doubt `history`, which failed
  // every time: the failure is reported after all of it.
  const reduced = list === history ? undefined : await confirmed(list);
  const { after, failure } = reduced ?? { after: history.map((e, i) => ({ ...e, outcome: earlier[i]! })), failure: afterHistory };
  return { failsOnly: 'after earlier blocks', after, ...(cut ? { afterTimeLimited: true } : {}), ...(failure ? { seen: failure } : {}) };
}

/**
 * The time limit of one batch: no run starts after `deadline`, unless `atLeastOne` and it would be
 * the batch's first; the runs before `skip` passed on an earlier turn (the same draws, not run again).
 */
interface BatchLimit {
  readonly deadline: number;
  readonly skip: number;
  readonly atLeastOne: boolean;
}

const NO_LIMIT: BatchLimit = { deadline: Infinity, skip: 0, atLeastOne: false };

/** How a batch ended: a counterexample, or the time limit before run `stoppedAt` (the runs before it passed); neither: every run passed. */
interface BatchEnd {
  readonly failure?: FailureReport;
  readonly stoppedAt?: number;
}

/**
 * How checkBatch reruns a counterexample (howItFails): `source` makes fresh instances, `history` is
 * what `subject` ran so far; and how it bounds a hang's shrink tries: `bound`, the bound its
 * engines were made with (RunnerOptions.answerWithin), after answers of `slowestMs` at most.
 */
interface Rerun {
  readonly source: SubjectSource;
  history(): readonly Executed[];
  readonly bound?: HangBound;
  slowestMs(): number;
  /** Where the executor's shrink and rerun tries are counted, apart from its generated runs. */
  readonly tries: Tries;
}

/** Blocks and schedules run, and the exhaustive check's states explored, the interleavings they cover and the explorations cut at their state limit. */
interface Counts {
  blocks: number;
  schedules: number;
  states: number;
  interleavings: number;
  statesCut: number;
}

const noCounts = (): Counts => ({ blocks: 0, schedules: 0, states: 0, interleavings: 0, statesCut: 0 });

/** `a` plus `b` times `sign`, count by count (an Observer's counts read as a Counts). */
function sumCounts(a: Counts, b: Counts, sign = 1): Counts {
  return {
    blocks: a.blocks + sign * b.blocks, schedules: a.schedules + sign * b.schedules, states: a.states + sign * b.states,
    interleavings: a.interleavings + sign * b.interleavings, statesCut: a.statesCut + sign * b.statesCut,
  };
}

/** Adds `b`'s counts to `into`'s. */
function addCounts(into: Counts, b: Counts): void {
  Object.assign(into, sumCounts(into, b));
}

/**
 * An executor's shrink and rerun tries, over its turns: `observed`, the part its observer counted
 * too (shrink candidates run on its instance), which its generated runs are its count less;
 * `rerun`, those howItFails runs, which no observer of it counts; `ms`, their
 * time. `since`: the observer's counts and the clock when the counterexample being shrunk now was
 * found, for a report made before its shrinking ends (a signal's).
 */
interface Tries {
  readonly observed: Counts;
  readonly rerun: Counts;
  ms: number;
  since?: Counts & { readonly at: number };
}

const noTries = (): Tries => ({ observed: noCounts(), rerun: noCounts(), ms: 0 });

/**
 * `o`'s counts told apart as `tries` says, with the counterexample being shrunk now (`since`)
 * counted in: `generated`, its generated runs', and `shrink`, its shrink and rerun tries'.
 */
function triesNow(tries: Tries, o: Observer): { readonly generated: Counts; readonly shrink: Counts & { readonly ms: number } } {
  const { since } = tries;
  const observed = since ? sumCounts(tries.observed, sumCounts(o, since, -1)) : tries.observed;
  return {
    generated: sumCounts(o, observed, -1),
    shrink: { ...sumCounts(observed, tries.rerun), ms: tries.ms + (since ? performance.now() - since.at : 0) },
  };
}

/** Ends the count of the counterexample being shrunk (Tries.since) as `o` stands. */
function settleTries(tries: Tries | undefined, o: Observer): void {
  const since = tries?.since;
  if (!tries || !since) return;
  addCounts(tries.observed, sumCounts(o, since, -1));
  tries.ms += performance.now() - since.at;
  tries.since = undefined;
}

/**
 * What checkBatch tells of its progress as it goes: a generated run ended; the counterexample it
 * found has had `tries` shrink tries so far, and with `rerunning` its smallest is being rerun on
 * fresh instances (howItFails, hangsAlone), which no try counts.
 */
interface BatchHeard {
  generated(): void;
  shrinking(tries: number, rerunning: boolean): void;
}

const UNHEARD: BatchHeard = { generated: () => {}, shrinking: () => {} };

/**
 * The other inputs a shrink candidate is tried under, in order: the failure's own, then the check's
 * alternatives to them. A token names a step's choice by its index here, so the shrinking and its
 * replay must list them alike.
 */
function inputChoices(check: CheckDef, rest: readonly unknown[]): readonly (readonly unknown[])[] {
  return [rest, ...(check.alternatives?.(rest) ?? [])];
}

/** The least time a time-limited run spends shrinking a counterexample, whatever is left of its budget. */
const MIN_SHRINK_MS = 2000;
/** Reruns of a fresh counterexample before it is shrunk: one that passes shows a failure that comes and goes. */
const FLAKY_PROBES = 2;
/** Runs each shrink candidate gets, alternatives included, when the counterexample came and went. */
const FLAKY_TRIES = 3;

/** A run that replays a token's path, and the version of the token its failure prints (2: the checks' inputs before they drew the pre-state kind, which a cv1_ token's path leads through). */
interface TokenRun {
  readonly path: string;
  readonly sealVersion: SealedToken['version'];
}

/** A check's inputs after the block (`rest`) whose pre-state kind, drawn last, is a SharedState, with a Map instead; undefined for any other. */
function withMapPreState(rest: readonly unknown[]): readonly unknown[] | undefined {
  return rest.length > 0 && rest[rest.length - 1] === 'shared' ? [...rest.slice(0, -1), 'map'] : undefined;
}

/**
 * Checks `numRuns` inputs from `seed` (or exactly the one at `path`), stopping between two runs
 * when `limit` says so; on a counterexample, shrinks it further with minimize() and returns the
 * report of the smallest failing run, rerun as `rerun` says (howItFails); a replay, which runs on
 * one fresh instance, gives none. A counterexample that passes when run again (a race) would let
 * most shrink candidates pass by chance and stay large: then each candidate gets FLAKY_TRIES runs
 * before it counts as passing. `heard` hears each generated run end and each shrink try.
 * However it ends, a throw included (a fresh instance that cannot be made, say), the count of
 * the counterexample's tries is closed (settleTries): left open, every report after it would count
 * the time since, and the runs after, as shrinking.
 */
async function checkBatch(
  subject: Subject, check: CheckDef, o: Observer & { last?: Failure }, seed: number, txs: TxRange, run: { numRuns: number } | TokenRun,
  outDir?: string, rerun?: Rerun, replayedFailsOnly?: FailsOnly, limit = NO_LIMIT, heard: BatchHeard = UNHEARD,
): Promise<BatchEnd> {
  try {
    return await searchBatch(subject, check, o, seed, txs, run, outDir, rerun, replayedFailsOnly, limit, heard);
  } finally {
    settleTries(rerun?.tries, o);
  }
}

/** checkBatch's work, which leaves the count of the counterexample's tries open (Tries.since) for checkBatch to close. */
async function searchBatch(
  subject: Subject, check: CheckDef, o: Observer & { last?: Failure }, seed: number, txs: TxRange, run: { numRuns: number } | TokenRun,
  outDir: string | undefined, rerun: Rerun | undefined, replayedFailsOnly: FailsOnly | undefined, limit: BatchLimit, heard: BatchHeard,
): Promise<BatchEnd> {
  // Shrinking stops after SHRINK_BUDGET runs past the first failure (later candidates count as
  // passing): a rare interleaving bug would otherwise make fast-check try thousands of blocks that
  // pass. A replay runs the case at its path and nothing else: fast-check goes on to the case's
  // siblings when it passes, and past the failure to shrink it.
  let failed = false;
  // What the subject ran before the run that failed last, which is the reported one's (the shrunk block's).
  let failedAfter: readonly Executed[] = [];
  // Every run once a failure was found is a shrink try (fast-check's, minimize()'s, the probes).
  let tried = 0;
  const checkOnce = async (input: CheckInput): Promise<boolean> => {
    const before = rerun?.history() ?? [];
    const ok = await checkInput(check, subject, o, input);
    if (!ok) failedAfter = before;
    if (failed) heard.shrinking(++tried, false);
    return ok;
  };
  let shrinkRuns = 0;
  let evaluated = 0;
  let stoppedAt: number | undefined;
  // The rule an engine's output broke at the first failure, where that was the failure: it is
  // shown on the smallest block instead of shrunk (protocol-failure.ts). A replay shrinks nothing.
  let protocol: string | undefined;
  // The engine's own failure (an `error` answer, an end before its first answer), where that was
  // the first failure: tried once on the smallest block, and shrunk only where that block passes,
  // as an engine that fails on every block is broken, and its shrinking (a fresh engine a try, for
  // an end) would only reach the smallest block after as many tries as it has steps.
  let fault: EngineFault | undefined;
  // Set where the first failure was an exec: engine's hang (Failure.hung): each try that hangs
  // costs the bound it is judged by, a shorter one than --timeout where `rerun.bound` allows
  // (hang-bound.ts), so the shrinking is capped in time (HANG_SHRINK_MS), and a try that passes is
  // taken at its word (no FLAKY_TRIES); fast-check's shrinking, which may try hundreds of
  // candidates, is skipped for minimize()'s, whose first tries halve the block. `found`: the
  // failure as it hung under --timeout, reported where the shrunk block does not hang there.
  let hang: { readonly until: number; readonly found: Failure } | undefined;
  // A time-limited run shrinks until its deadline, but for MIN_SHRINK_MS at least: a failure found
  // at the deadline would otherwise be shown as generated.
  let shrinkUntil = limit.deadline;
  const property = fc.asyncProperty(check.inputs(txs, subject), async (input) => {
    const generated = !('path' in run) && !failed;
    if ('path' in run) {
      if (evaluated++ > 0) return true;
    } else if (failed) {
      if (protocol !== undefined || fault !== undefined || hang || ++shrinkRuns > SHRINK_BUDGET || performance.now() > shrinkUntil) return true;
    } else {
      const index = evaluated++;
      if (index < limit.skip) return true;
      if (performance.now() > limit.deadline && !(limit.atLeastOne && index === 0)) {
        stoppedAt = index;
        // fast-check's own interruptAfterTimeLimit races a run against a timer and leaves it
        // running, an execute() in flight into the next check or close(); this stops between runs.
        throw new fc.PreconditionFailure(true);
      }
    }
    const ok = await checkOnce(input);
    if (generated) heard.generated();
    if (!ok && !failed) {
      // This run is the last generated one: what runs after it, to its report, is a try.
      if (rerun) rerun.tries.since = { ...sumCounts(noCounts(), o), at: performance.now() };
      shrinkUntil = Math.max(limit.deadline, performance.now() + MIN_SHRINK_MS);
      if (rerun) protocol = o.last?.protocol;
      if (rerun) fault = o.last?.engineFault;
      if (rerun && o.last?.hung !== undefined) {
        hang = { until: performance.now() + HANG_SHRINK_MS, found: o.last };
        shrinkUntil = Math.min(shrinkUntil, hang.until);
      }
    }
    failed ||= !ok;
    return ok;
  });
  // A block of a size fixed by --txs keeps its length through fast-check's shrinking, which then
  // only varies values, and for hundreds of transactions building its candidates costs more than
  // checking them (20 of 31 s at 2000): there minimize() does all the shrinking, from the failure.
  // So too where blocks reach a thousand transactions: past SHRINK_BUDGET and the deadline every
  // candidate passes, and fast-check still walks its whole stream of them (a bug past the
  // 1,000th transaction took 157-163 s to shrink, 172 s under --time-limit 20; minimize() alone, 15-20 s).
  const minimizeAlone = (txs.min === txs.max && txs.min >= FIXED_SIZE_SHRINK) || txs.max >= RANGE_SHRINK;
  const params = { ...fromKey(seed), ...run, ...(minimizeAlone ? { endOnFailure: true } : {}) };
  const details = await ('path' in run ? atTokenPath(() => fc.check(property, params)) : fc.check(property, params));
  // A path that leads fast-check to no case runs nothing, and would pass.
  if ('path' in run && evaluated === 0) throw damagedToken();
  // Only the runs before a failure are ever interrupted, so this is no counterexample, though
  // fast-check calls an interrupted check that passed no run failed.
  if (stoppedAt !== undefined) return { stoppedAt };
  if (!details.failed) return {};
  const [input] = details.counterexample ?? [];
  // A replay starts at the end of fast-check's shrink path (one segment per shrink after the run's
  // index) and so counts none of them; count them, so the replay reports the original's steps.
  let shrinks = 'path' in run ? run.path.split(':').length - 1 : 0;
  let how: HowItFails = replayedFailsOnly ? { failsOnly: replayedFailsOnly, replayed: true } : {};
  let capped: false | ShrinkCap = false;
  let hangUnconfirmed: FailureReport['hangUnconfirmed'];
  let tokenOf: ((fields: TokenFields) => ReplayToken) | undefined;
  /**
   * A failure that is the engine's output rather than its result, shown on the smallest block
   * minimize() makes where `confirm` finds it there again (its failure as `last` reports it), not
   * shrunk; undefined, with the failure as found kept, where that block does not show it.
   */
  const onSmallest = async <T>(found: CheckInput, confirm: (smallest: CheckInput) => Promise<T | undefined>, last: (seen: T) => Failure | undefined) => {
    const before = { last: o.last, after: failedAfter };
    const minimal = await minimalInput(found, withMapPreState, subject.programs !== undefined);
    const seen = await confirm(minimal.input);
    if (seen !== undefined) {
      const stopped = minimal.capped ? 'attempts' : undefined;
      return {
        seen, report: failureReport(subject, { ...check, txs }, seed, details, minimal.steps, last(seen), {}, outDir, stopped ?? false,
          (fields) => sealToken(fields, minimal.kept, stopped, minimal.input)),
      };
    }
    o.last = before.last;
    failedAfter = before.after;
    return undefined;
  };
  if (input && protocol !== undefined) {
    const rule = protocol;
    const shown = await onSmallest(input, (smallest) => confirmProtocol(smallest, rule, checkOnce, () => o.last?.protocol), (call) => (call === 2 ? { ...o.last!, call } : o.last));
    if (shown) return { failure: { ...shown.report, protocol: { rule, ...(shown.seen === 2 ? { afterAnswer: true } : {}) } } };
    // The violation needs its block (an answer of the wrong shape for some transactions): it is shrunk as any failure.
  }
  if (input && fault !== undefined) {
    const kind = fault;
    const shown = await onSmallest(input, async (smallest) => (!await checkOnce(smallest) && o.last?.engineFault === kind ? true : undefined), () => o.last);
    if (shown) return { failure: { ...shown.report, engineFault: kind } };
    // It fails on some blocks alone (an opcode the engine does not support yet): a counterexample to shrink.
  }
  if (input) {
    const kept: ShrinkStep[] = [];
    let rest: readonly unknown[] = input.slice(1);
    let tries = 1;
    for (let probe = 0; probe < FLAKY_PROBES && tries === 1 && !('path' in run) && !hang; probe++) if (await checkOnce(input)) tries = FLAKY_TRIES;
    // A hang's tries are bounded shorter than --timeout where the engines allow (hang-bound.ts):
    // `tryBound` sets the bound before each.
    const shrinking = async (tryBound: () => void) => {
      const tryOnce = (i: CheckInput): Promise<boolean> => {
        tryBound();
        return checkOnce(i);
      };
      // A smaller block that passes under the failure's other inputs is tried under the check's
      // alternatives, and the first it fails under is kept for the steps after.
      let attempt = 0;
      const done = await minimize(input[0], async (s) => {
        const number = attempt++;
        const choices = inputChoices(check, rest);
        for (let t = 0; t < tries; t++) {
          for (const [k, r] of choices.entries()) {
            if (await tryOnce([s, ...r])) continue;
            rest = r;
            kept.push([number, k]);
            return true;
          }
        }
        return false;
      }, shrinkUntil, subject.programs !== undefined);
      // fast-check shrinks a SharedState pre-state to a Map, but not where minimize() shrinks alone
      // or past SHRINK_BUDGET: the shrunk block under a Map, once, so a failure needs the table
      // only when it says so. Numbered past any attempt of minimize()'s (a replay's minimize() has
      // no deadline, and would take the number after a time-limited one's for its own).
      const asMap = withMapPreState(rest);
      let mapped = 0;
      if (asMap) {
        const number = attemptCap(input[0]);
        for (let t = 0; t < tries && mapped === 0; t++) {
          if (await tryOnce([done.spec, ...asMap])) continue;
          rest = asMap;
          kept.push([number, 0]);
          mapped = 1;
        }
      }
      return { ...done, mapped };
    };
    const bound = hang ? rerun?.bound : undefined;
    const { spec, steps, capped: stopped, outOfTime, mapped } = await (bound ? withShrinkTries(bound, rerun!.slowestMs, shrinking) : shrinking(() => {}));
    // The bound the smallest block's try was stopped at (undefined where it failed otherwise).
    const shrunkHungMs = o.last?.hung;
    capped = !outOfTime ? stopped && 'attempts' : hang && shrinkUntil === hang.until ? 'hang' : 'time';
    let shrunk: CheckInput = [spec, ...rest];
    shrinks += steps + mapped;
    if (rerun) heard.shrinking(tried, true);
    if (rerun && hang) {
      // Under --timeout again: a block that hung only under a shrink try's shorter bound is no hang
      // to report, and the block found, which hung under --timeout, is reported instead, unshrunk.
      if (await hangsAlone(rerun.source, subject, check, o, shrunk)) how = {};
      else if (steps + mapped === 0) how = SOMETIMES;
      else {
        hangUnconfirmed = { transactions: spec.txs.length, ...(shrunkHungMs === undefined ? {} : { boundMs: shrunkHungMs }) };
        kept.length = 0;
        shrunk = input;
        shrinks -= steps + mapped;
        capped = false;
        how = await hangsAlone(rerun.source, subject, check, o, input) ? {} : SOMETIMES;
        if (how === SOMETIMES) o.last = hang.found;
      }
    } else if (rerun) how = await howItFails(rerun.source, subject, check, shrunk, failedAfter, shrinkUntil, rerun.tries.rerun);
    // A replay runs the final block once more too, so the recorded failure is exactly the reported block's.
    else if (steps > 0) await checkInput(check, subject, o, shrunk);
    const cap = capped || undefined;
    const version = 'path' in run ? run.sealVersion : TOKEN_VERSION;
    const sealed = shrunk;
    tokenOf = (fields) => sealToken(fields, kept, cap, sealed, version);
  }
  // The failure a fresh instance's rerun recorded is the one the printed rerun reproduces (howItFails).
  const last = how.seen && o.last && sameCall(how.seen, o.last) ? how.seen : o.last;
  const report = failureReport(subject, { ...check, txs }, seed, details, shrinks, last, how, outDir, capped, tokenOf);
  return { failure: hangUnconfirmed ? { ...report, hangUnconfirmed } : report };
}

/**
 * Whether the shrunk hang `input` hangs again on an instance of its own, run once (a hang costs
 * its bound each time, where howItFails would make up to 2 * RERUNS runs): the tries that hung
 * while shrinking ran on fresh engines (each hang stops its engine), but after the tries that
 * passed on them. The failure it records is the one reported.
 */
async function hangsAlone(source: SubjectSource, subject: Subject, check: CheckDef, o: Observer & { last?: Failure }, input: CheckInput): Promise<boolean> {
  const fresh = await source.create();
  try {
    return !(await checkInput(check, { ...subject, execute: (block, threads) => fresh.execute(block, threads) }, o, input));
  } finally {
    await fresh.close(true);
  }
}

/**
 * `check()`, a fast-check run that replays a token's path: where the path leads to no case, as one
 * with a step removed or changed by hand may, fast-check throws ("Unable to replay") or runs
 * nothing, and no executor has run: the token is damaged, not the run.
 */
async function atTokenPath<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (e) {
    throw damagedToken(e);
  }
}

/**
 * Replays a token that records minimize()'s steps, up to `repeat` times: the case at fast-check's
 * path is generated but not run, the recorded steps are applied to it without running a candidate
 * (minimize() is deterministic given which attempts failed), the run is checked against the
 * token's digest (a cv2_ to cv4_ token's covers the thread count or schedule too), and then it runs until
 * it fails or `repeat` runs have passed. So an executor whose results vary is judged on the run the
 * token names, never on another that happened to fail on the way; its passing is the replay's answer.
 * `passed.runs` counts the runs that passed as each ends.
 */
async function replayShrunk(
  subject: Subject, check: CheckDef, o: Observer & { last?: Failure }, token: ReplayToken & { readonly minimized: readonly ShrinkStep[] }, outDir: string | undefined, repeat: number,
  passed: { runs: number },
): Promise<{ report?: FailureReport; runs: number; kind?: FailureKind }> {
  const txs = { min: token.minTxs, max: token.maxTxs };
  let found: CheckInput | undefined;
  const details = await atTokenPath(() => fc.check(fc.asyncProperty(check.inputs(txs, subject), async (input) => {
    found = input;
    return false;
  }), { ...fromKey(token.seed), path: token.path, endOnFailure: true }));
  if (!found) throw damagedToken();
  let rest: readonly unknown[] = found.slice(1);
  const kept = new Map(token.minimized);
  let attempt = 0;
  const { spec, steps, capped } = await minimize(found[0], async () => {
    const k = kept.get(attempt++);
    if (k === undefined) return false;
    const r = inputChoices(check, rest)[k];
    if (!r) throw damagedToken();
    rest = r;
    return true;
  }, Infinity, subject.programs !== undefined);
  // The step after minimize()'s, as checkBatch takes it: the shrunk block under a Map.
  const asMap = withMapPreState(rest);
  const mapStep = attemptCap(found[0]);
  let mapped = 0;
  if (asMap && kept.has(mapStep)) {
    if (kept.get(mapStep) !== 0) throw damagedToken();
    rest = asMap;
    mapped = 1;
  }
  const input: CheckInput = [spec, ...rest];
  if (steps + mapped !== token.minimized.length || !digestMatches(token, input)) throw damagedToken();
  for (let runs = 1; runs <= repeat; runs++) {
    if (await checkInput(check, subject, o, input)) {
      passed.runs = runs;
      continue;
    }
    const shrinks = token.path.split(':').length - 1 + steps + mapped;
    // How the shrinking stopped is the token's: this rebuild tried no candidate, so its own cap says nothing.
    const stopped = token.shrunk ? token.shrunk.capped ?? false : capped && 'attempts';
    const how: HowItFails = token.failsOnly ? { failsOnly: token.failsOnly, replayed: true } : {};
    // The token printed is the one replayed, with the kind of failure it names, not this run's: a
    // cv1_ one stays one, since no digest of its run was checked.
    const tokenOf = ({ failure, ...fields }: TokenFields): ReplayToken => (token.version !== 1
      ? sealToken({ ...fields, ...(token.failure === undefined ? {} : { failure: token.failure }) }, token.minimized, token.shrunk.capped, input, token.version)
      : { ...fields, version: 1, minimized: token.minimized, shrunk: token.shrunk ?? { digest: blockDigest(spec) } });
    const report = failureReport(subject, { ...check, txs }, token.seed, details, shrinks, o.last, how, outDir, stopped, tokenOf);
    // On the fresh instance a replay makes, the rule broken again is the report's news, as when it was found.
    const rule = o.last?.protocol;
    return { report: rule === undefined ? report : { ...report, protocol: { rule } }, runs, ...(o.last ? { kind: failureKindOf(o.last) } : {}) };
  }
  return { runs: repeat };
}

/** Runs of `check` in a run of --runs `runs` (before sharding). */
export function checkRuns(runs: number, check: CheckDef): number {
  return Math.max(1, Math.round(runs * check.runsFactor));
}

/** The generated runs of each of the batches of `total` runs that shard I/N owns, in order. */
function batchRuns(total: number, shard?: { index: number; count: number }): number[] {
  return shardBatches(total, shard).map((b) => Math.min(BATCH, total - b * BATCH));
}

/** What runCheck tells as it goes: checkBatch's news, and after each batch how far the check got, as a report of a run stopped then says it. */
interface CheckHeard extends BatchHeard {
  batch(sofar: CheckReport): void;
}

/**
 * Runs one check on `subject` over this shard's batches, from where `from` (its report so far)
 * stopped: batch `from.batches`, after its first `from.partial` runs. Stops at the first
 * counterexample, rerun as `rerun` says, or between two runs once `deadline` has passed; `heard`
 * hears how it goes.
 */
async function runCheck(
  rerun: Rerun, subject: Subject, check: CheckDef, o: Observer & { last?: Failure }, opts: RunnerOptions, deadline: number, heard: CheckHeard,
  from: Pick<CheckReport, 'batches' | 'partial'> = { batches: 0 },
): Promise<{ report: CheckReport; failure?: FailureReport }> {
  const runs = checkRuns(opts.runs, check);
  const batches = shardBatches(runs, opts.shard);
  const report = (status: CheckReport['status'], done: number, partial = 0): CheckReport => ({
    name: check.name, status, batches: done, of: batches.length, ...(partial > 0 ? { partial } : {}),
  });
  for (const [i, b] of batches.entries()) {
    if (i < from.batches) continue;
    const skip = i === from.batches ? from.partial ?? 0 : 0;
    // A check that has run nothing runs one block whatever the clock says: a run that checked nothing must not pass.
    const atLeastOne = i === 0 && skip === 0;
    if (!atLeastOne && performance.now() > deadline) return { report: report('cut', i, skip) };
    const txs = opts.txs === undefined || check.fixedSize ? check.txs : { min: opts.txs, max: opts.txs };
    const end = await checkBatch(
      subject, check, o, batchSeed(opts.seed, b), txs, { numRuns: Math.min(BATCH, runs - b * BATCH) }, opts.outDir, rerun, undefined, { deadline, skip, atLeastOne }, heard,
    );
    if (end.stoppedAt !== undefined) return { report: report('cut', i, end.stoppedAt) };
    heard.batch(report('stopped', i + 1));
    if (end.failure) return { report: report('failed', i + 1), failure: end.failure };
  }
  return { report: report(batches.length === 0 ? 'none' : 'passed', batches.length) };
}

/**
 * The coverage gate, for a run judged on coverage (no counterexample, time limit or signal cut it
 * short): the events of `required` that `coverage` never counted. verify judges one run's counts by
 * it, and `verify --merge` the counts of a matrix's shards pooled (cli/verify-merge.ts).
 */
export function uncoveredEvents(required: readonly string[], coverage: Coverage): string[] {
  return required.filter((e) => (coverage[e] ?? 0) === 0);
}

/** The counts of an executor whose turn had not started when a signal stopped the run: none. */
const nothingRan = (): Observer & { last?: Failure } => ({
  blocks: 0, schedules: 0, states: 0, interleavings: 0, statesCut: 0, coverage: {}, executed: {}, reported: new Set(), measures: new Set(), fail: () => {},
});

/** The least time left for which a cut executor gets a second turn (a fresh instance's start-up, a worker pool's, would eat a shorter one). */
const SECOND_TURN_MS = 1000;

/**
 * `source`, whose subjects run every check at `threadCounts` (Subject.threadCounts) and on blocks of
 * the `programs` contracts alone (Subject.programs); as it is without them.
 */
function withThreadCounts(source: SubjectSource, threadCounts: readonly number[] | undefined, programs?: Programs): SubjectSource {
  return threadCounts || programs
    ? { ...source, create: async () => ({ ...(await source.create()), ...(threadCounts ? { threadCounts } : {}), ...(programs ? { programs } : {}) }) } : source;
}

/** Runs every applicable check on every subject. */
export async function runVerify(opts: RunnerOptions): Promise<RunReport> {
  // Past these, batch keys would spill into the next seed's or lose integer precision: runs
  // that were promised to be new would repeat others.
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > MAX_SEED) throw new RangeError(`seed must be an integer from 0 to ${MAX_SEED}, got ${opts.seed}`);
  if (!Number.isInteger(opts.runs) || opts.runs < 1 || opts.runs > MAX_RUNS) throw new RangeError(`runs must be an integer from 1 to ${MAX_RUNS}, got ${opts.runs}`);
  const { threadCounts } = opts;
  const problem = threadCountsProblem(threadCounts ?? [1]);
  if (problem !== null) throw new RangeError(`threadCounts ${problem}`);
  // At one thread alone no execute() can run in parallel: the gate asks for no such run.
  const parallel = threadCounts?.some((t) => t > 1) ?? true;
  const started = performance.now();
  const deadline = opts.timeLimitMs === undefined ? Infinity : started + opts.timeLimitMs;
  const checks = opts.checks ?? CHECK_DEFS;
  const failures: FailureReport[] = [];
  // The time limit is shared out, so that it cuts every executor and every check a little rather
  // than starve the last ones: each executor gets an equal part of what is left when it starts, and
  // each of its checks an equal part of the executor's remainder (time one leaves unused goes to
  // the next). A check stops between two runs once its part is spent, but every executor starts
  // and every check runs one block (one run) even past the limit, so a time-limited run never
  // passes on nothing; it overruns by at most one run per check, and an executor's start-up and
  // close(). Checks cut short then share what the others left, pass after pass, until none is cut
  // or the executor's part is spent; and what later executors left unused goes back to the
  // executors cut before them, on a fresh instance each, resuming each cut check at the run where
  // it stopped.
  const share = (end: number, parts: number) => (end === Infinity ? Infinity : performance.now() + Math.max(0, end - performance.now()) / parts);
  interface Turns {
    readonly source: SubjectSource;
    name: string;
    label: string;
    o?: Observer & { last?: Failure };
    applicable: CheckDef[];
    checkReports: CheckReport[];
    /** The subject's coverage goals: with skip-rest, and on threads a parallel run, what a green run must have seen. */
    goals: readonly CoverageGoal[];
    /** A built-in parallel executor (runsOnThreads): its simulated checks' counts are told apart from its threads'. */
    onThreads: boolean;
    failed: boolean;
    elapsedMs: number;
    /** When the turn it is in began; undefined between its turns. */
    turnStarted?: number;
    readonly answered: Answered;
    readonly tries: Tries;
  }
  const turns: Turns[] = opts.subjects.map((source) => ({
    source: withThreadCounts(source, threadCounts, opts.programs), name: source.name, label: source.name, applicable: [], checkReports: [], goals: source.gate?.coverage ?? [],
    onThreads: source.gate ? runsOnThreads(source.gate) : false, failed: false, elapsedMs: 0, answered: { slowestMs: 0 }, tries: noTries(),
  }));
  /** One turn of an executor until `until`: all its checks the first time, the cut ones after. */
  const turn = async (t: Turns, until: number, first: boolean): Promise<void> => {
    const turnStarted = performance.now();
    t.turnStarted = turnStarted;
    const recorded = recording(t.source, await t.source.create(), t.answered);
    const { subject } = recorded;
    const rerun: Rerun = { source: t.source, history: recorded.history, ...(opts.answerWithin ? { bound: opts.answerWithin } : {}), slowestMs: () => t.answered.slowestMs, tries: t.tries };
    // Every turn's counts go to one observer: the report is the executor's, over all its instances.
    const o = t.o ?? newObserver(subject);
    t.o = o;
    t.name = subject.name;
    t.label = subject.label ?? subject.name;
    if (first) {
      const applies = checks.filter((c) => c.applies(subject));
      t.applicable = applies.filter((c) => c.notRun?.(subject) === undefined);
      const owned = (c: CheckDef) => shardBatches(checkRuns(opts.runs, c), opts.shard).length;
      // Those not run come after the rest, whose reports the turn finds by their index in `applicable`.
      t.checkReports = [
        ...t.applicable.map((c): CheckReport => ({ name: c.name, status: 'skipped', batches: 0, of: owned(c) })),
        ...applies.filter((c) => !t.applicable.includes(c)).map((c): CheckReport => ({ name: c.name, status: 'not run', batches: 0, of: 0, reason: c.notRun!(subject)! })),
      ];
      t.onThreads = runsOnThreads(subject);
      t.goals = subject.coverage;
    }
    // The bar counts generated runs against those this shard owns: a counterexample's shrink tries
    // are no generated runs, and are said beside the bar, which holds still while they run.
    const runsOf = t.applicable.map((c) => batchRuns(checkRuns(opts.runs, c), opts.shard));
    const ran = (r: CheckReport, c: number) => runsOf[c]!.slice(0, r.batches).reduce((n, k) => n + k, 0) + (r.partial ?? 0);
    // Checks not run (listed after the applicable ones) own no runs.
    let done = t.checkReports.slice(0, t.applicable.length).reduce((n, r, c) => n + ran(r, c), 0);
    opts.progress?.start(runsOf.flat().reduce((n, k) => n + k, 0), t.label);
    if (!first) opts.progress?.update(done, 'resumed on a fresh instance with time the others left');
    try {
      let pending = t.applicable.map((_, c) => c).filter((c) => first || t.checkReports[c]!.status === 'cut');
      while (pending.length > 0 && !t.failed) {
        const cutNow: number[] = [];
        for (const [k, c] of pending.entries()) {
          if (t.failed) break;
          const check = t.applicable[c]!;
          // What a report of the run stopped now says of the check, until the check's own end replaces it.
          t.checkReports[c] = { ...t.checkReports[c]!, status: 'stopped' };
          let tried = 0;
          const triesWords = () => `${tried} ${tried === 1 ? 'try' : 'tries'}`;
          const heard: CheckHeard = {
            batch: (sofar) => {
              t.checkReports[c] = sofar;
            },
            generated: () => {
              const { generated } = triesNow(t.tries, o);
              opts.progress?.update(++done, `${check.name}: ${plural(generated.blocks, 'block')}, ${plural(generated.schedules, 'schedule')}`);
            },
            shrinking: (tries, rerunning) => {
              tried = tries;
              opts.progress?.update(done, `${check.name}: shrinking: ${triesWords()}${rerunning ? ', rerunning the smallest on fresh instances' : ''}`);
            },
          };
          const r = await runCheck(rerun, subject, check, o, opts, share(until, pending.length - k), heard, t.checkReports[c]!);
          if (r.failure) opts.progress?.update(done, `${check.name}: a counterexample, shrunk in ${triesWords()}`);
          t.checkReports[c] = r.report;
          if (r.report.status === 'cut') cutNow.push(c);
          if (r.failure) {
            failures.push(r.failure);
            t.failed = true;
          }
        }
        if (performance.now() > until) break;
        pending = cutNow;
      }
    } finally {
      opts.progress?.stop();
      // After a counterexample, the close() is a clean-up: a hang or throw of its own must not hide the failure.
      await subject.close(t.failed);
      t.elapsedMs += performance.now() - turnStarted;
      t.turnStarted = undefined;
    }
  };
  const cut = (t: Turns) => !t.failed && t.checkReports.some((r) => r.status === 'cut');
  // Unstarted (no observer yet), or checks it has not run in full: a check not reached is still
  // 'skipped', the one running 'stopped'. One that failed skipped the rest.
  const stoppedIn = (t: Turns) => !t.failed && (t.o === undefined || t.checkReports.some((r) => r.status === 'stopped' || r.status === 'skipped'));
  /** The report as the run stands; `stopped`: a signal ended the run here, so executors it had not run in full say so. */
  const reportNow = (stopped: boolean): RunReport => {
    const executors: ExecutorReport[] = turns.map((t) => {
      const o = t.o ?? nothingRan();
      const halted = stopped && stoppedIn(t);
      // A run cut short by a failure, by the time limit or by a signal is judged by what it found, not by what it did not reach.
      const required = [...t.goals.map((g) => g.event), ...(t.onThreads && parallel ? [PARALLEL_RUN] : []), SKIP_REST];
      const uncovered = t.failed || cut(t) || halted ? [] : uncoveredEvents(required, o.coverage);
      const unreported = t.goals.filter((g) => uncovered.includes(g.event) && !o.reported.has(g.counter)).map((g) => g.event);
      const checks = halted ? t.checkReports.map((r): CheckReport => (r.status === 'skipped' ? { ...r, status: 'stopped' } : r)) : t.checkReports;
      const { generated, shrink } = triesNow(t.tries, o);
      return {
        name: t.name, label: t.label, blocksChecked: generated.blocks, schedulesExplored: generated.schedules,
        shrinkBlocks: shrink.blocks, shrinkSchedules: shrink.schedules, shrinkMs: shrink.ms,
        statesExplored: generated.states, interleavingsCovered: generated.interleavings, explorationsCut: generated.statesCut,
        shrinkStates: shrink.states, shrinkInterleavings: shrink.interleavings,
        coverage: o.coverage, ...(t.onThreads ? { executedCoverage: o.executed } : {}), required, uncovered, unreported, failed: t.failed, cut: cut(t),
        // A counterexample being shrunk is in no failure yet: the report says one was found.
        ...(halted ? { stopped: true as const, ...(o.last ? { shrinking: true as const } : {}) } : {}), checks, elapsedMs: t.elapsedMs + (t.turnStarted === undefined ? 0 : performance.now() - t.turnStarted),
      };
    });
    const sum = (f: (e: ExecutorReport) => number) => executors.reduce((n, e) => n + f(e), 0);
    return {
      executors, blocksChecked: sum((e) => e.blocksChecked), schedulesExplored: sum((e) => e.schedulesExplored),
      shrinkBlocks: sum((e) => e.shrinkBlocks), shrinkSchedules: sum((e) => e.shrinkSchedules), shrinkMs: sum((e) => e.shrinkMs),
      statesExplored: sum((e) => e.statesExplored), interleavingsCovered: sum((e) => e.interleavingsCovered),
      shrinkStates: sum((e) => e.shrinkStates ?? 0), shrinkInterleavings: sum((e) => e.shrinkInterleavings ?? 0),
      // A copy: the run goes on pushing to its own until the process ends.
      failures: [...failures], elapsedMs: performance.now() - started, timedOut: executors.some((e) => e.cut),
      seed: opts.seed, shard: opts.shard ? `${opts.shard.index}/${opts.shard.count}` : '1/1',
    };
  };
  if (opts.sofar) opts.sofar.report = () => reportNow(true);
  for (const [s, t] of turns.entries()) await turn(t, share(deadline, turns.length - s), true);
  // A fresh instance costs a start-up (a worker pool's, say): a second turn needs time worth it.
  const again = turns.filter(cut);
  for (const [k, t] of again.entries()) {
    if (deadline - performance.now() < SECOND_TURN_MS) break;
    await turn(t, share(deadline, again.length - k), false);
  }
  return reportNow(false);
}

/**
 * Where replayFailure leaves, once its executor is made, what it has done so far: for a command a
 * signal stops part-way (cli/verify.ts). `runs`: the runs that passed, or with `report`, the run
 * that failed, and `kind` what that failure was (absent for a token that shrinks again, which names none).
 */
export interface ReplaySoFar {
  now: (() => { runs: number; observer: Observer; label: string; report?: FailureReport; kind?: FailureKind }) | null;
}

/**
 * Reruns one failure from its token on a fresh executor instance: the same check, seed and shrink
 * path, hence the same counterexample, up to `repeat` times on that instance, stopping at the first
 * failure (a race may need many runs to show again); `runs` says how many were made. One that
 * failed only after the blocks run before it on the same instance, or only sometimes
 * (token.failsOnly), may pass here.
 */
export async function replayFailure(
  source: SubjectSource, token: ReplayToken, outDir?: string, repeat = 1, sofar?: ReplaySoFar,
): Promise<{ report?: FailureReport; observer: Observer; label: string; runs: number; kind?: FailureKind; startUpFault?: string }> {
  const def = CHECK_DEFS.find((c) => c.name === token.check)!;
  // A token replays what the checks drew when it was made (CheckDef.inputs), from the thread counts they drew from.
  const check: CheckDef = { ...def, inputs: (txs, subject) => def.inputs(txs, subject, token.version) };
  const most = token.threadCounts?.at(-1);
  if (most !== undefined && most > maxThreads()) {
    throw new ReplayTokenError(`--replay: the token's run drew from ${threadCountsText(token.threadCounts)}, and ${most} threads is past this machine's most, ${maxThreads()} `
      + '(4 per effective core, at least 64): replay it on a machine with the cores for it');
  }
  const subject = await withThreadCounts(source, token.threadCounts, token.programs).create();
  const o = newObserver(subject);
  let report: FailureReport | undefined;
  let kind: FailureKind | undefined;
  let runs = 0;
  // The runs that passed so far, counted as each ends, for a signal's report.
  const passed = { runs: 0 };
  if (sofar) sofar.now = () => ({ runs: report ? runs : passed.runs, observer: o, label: subject.label ?? subject.name, ...(report ? { report } : {}), ...(kind ? { kind } : {}) });
  try {
    if (!check.applies(subject)) throw new ReplayTokenError(`--replay: the ${token.check} check does not apply to ${token.executor}`);
    // Made otherwise, the executor runs another run than the token's (a modular schedule draws its module count and partition).
    if (!sameSettings(subject.settings, token.settings)) {
      throw new ReplayTokenError(`--replay: the token's failure was found on ${subject.label ?? subject.name} made with ${settingsWords(token.settings)}, and this one is made with ${settingsWords(subject.settings)}: `
        + 'replay it on the executor made alike');
    }
    if (token.minimized) {
      ({ report, runs, kind } = await replayShrunk(subject, check, o, { ...token, minimized: token.minimized }, outDir, repeat, passed));
    } else {
      // A token made before the shrinking's steps were recorded shrinks again on every run.
      while (!report && runs < repeat) {
        runs++;
        ({ failure: report } = await checkBatch(subject, check, o, token.seed, { min: token.minTxs, max: token.maxTxs }, { path: token.path, sealVersion: 2 }, outDir, undefined, token.failsOnly));
        if (!report) passed.runs = runs;
      }
    }
  } finally {
    await subject.close(report !== undefined);
  }
  // An engine that ended before its first answer: its start-up failed or the block made it end,
  // which the replay cannot tell apart (cli/verify.ts decides from the start-up check).
  const startUpFault = report && o.last?.engineFault === 'start-up' ? o.last.error : undefined;
  return { observer: o, label: subject.label ?? subject.name, runs, ...(report ? { report } : {}), ...(kind ? { kind } : {}), ...(startUpFault === undefined ? {} : { startUpFault }) };
}
