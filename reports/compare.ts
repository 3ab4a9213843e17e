// `concord compare`: two results files side by side, the way benchstat does it. For every run
// present in both (same workload, executor, thread count): median block time and its interval (95%,
// or below 6 rounds the rounds' whole range, whose confidence its cell states; its two sides apart
// where they differ, never one ± of the wider), the delta, a Mann-Whitney p-value, `~` where the
// difference is not significant; a geomean row; warnings on too few samples, busy machines and
// different hardware. Where both files name each sample's round (bench does), the median, interval
// and test are over the rounds' medians, as benchstat's are over separate runs: samples of one
// round share its machine state, so over samples a small p says they agree, not that a rerun will.
// A file that measured one partition and one that measured several (bench --partition
// hash,affinity) are matched by partition: the first's plain `modular` with the second's
// `modular (P)`, P the first's partition, the row named by both and a note saying why.
// Below it, the simulated speedups both files predict (same workload, executor and thread count),
// side by side: one number per file, so a ratio and no test. A prediction whose model charged no
// fitted cost per handover (no usable 2-thread run to fit it to, so it is optimistic) is marked,
// and a warning names the predictions fitted on one side only: their ratio compares two different
// models.
// Invariants: a row counts as a gate's regression only when it is an executor's (never one of the
// sequential baseline's own rows) and slower by more than the threshold by the lower bound of its
// 1 - alpha interval (gateTest), not merely significantly slower with a median delta above it;
// lower block time is always better. The baseline's rows measure the machine and Concord's
// baseline, not the engine under test: a gate must not fail because a shared runner was slower
// that day. A baseline row that moved significantly (faster or slower, and by more than the
// threshold when one is given) is named with its delta in a warning, since the other rows' deltas
// include that move. Two files benched with different settings (--quick or not, the round length,
// the rounds) are warned about first, after different baselines; rounds of different lengths make
// block times incomparable, so the block-time gate refuses them (--relative judges them).
// Executor settings are compared as they ran (reports/settings.ts). A side whose run did not
// match the reference is marked, and every run of the new file that did not, every executor that
// failed there, and its sweep's stop part-way (a hang) are listed in `broken`: a time of wrong
// results is no speed-up, so such a file never passes; nor does such a row enter the geomean or
// count as a regression, on whichever side it was wrong.

import { plural } from '../spec/plural.js';
import { geomean, mannWhitney, mannWhitneyGreater, median, medianInterval, MIN_SAMPLES_FOR_CI, rangeConfidence, ratioLowerBound, RECOMMENDED_SAMPLES, roundsInterval, smallestP } from './stats.js';
import type { MachineRecord, ResultsFile, RunRecord } from './schema.js';
import { executorSettingsText, perRoundSpeedups, roundMedians, workloadLabels } from './summary.js';
import { differentBaselines, mixedTimingRuns, ownBaseline, sameBaseline } from './baseline.js';
import { onePartition, partitionLabel } from './partitions.js';
import { benchSettingsDifferences, benchSettingsText, executorSettingsDifferences } from './settings.js';

export const ALPHA = 0.05;

export interface Side {
  readonly median: number;
  /**
   * The median's interval: over the rounds' medians where the row is tested by rounds
   * (roundsInterval), else over the samples (95%); `confidence`, how often it holds the median:
   * 0.95, or below 6 rounds their whole range's rangeConfidence (0.9375 with 5, 0.875 with 4).
   */
  readonly interval: { lo: number; hi: number; confidence: number } | null;
  /** What the test and interval count: rounds where the row is tested by rounds, else samples. */
  readonly n: number;
  readonly busy: number;
  /** Every result of the run bench checked matched the reference's (every call, in files that record checkedCalls). */
  readonly correct: boolean;
}

export interface CompareRow {
  readonly name: string;
  readonly workload: string;
  readonly executor: string;
  readonly threads: number;
  /** The sequential baseline's own run: its delta says how much the machine or the baseline moved. */
  readonly baseline: boolean;
  readonly base: Side;
  readonly next: Side;
  /** (new median / base median - 1) * 100: positive means slower. */
  readonly deltaPct: number;
  readonly p: number;
  readonly significant: boolean;
  /** What the test compared: each side's rounds' medians (both files name each sample's round, MIN_ROUNDS of them or more a side), else the samples. */
  readonly unit: 'rounds' | 'samples';
  /**
   * An executor's row against its own file's baseline, round by round (relativeTest); why there is
   * none where it cannot be had; null on the baseline's own rows.
   */
  readonly relative: RelativeTest | { readonly unavailable: string } | null;
  /** New's label of the run, where it differs from base's (`executor`): a partition match (PartitionMatch). */
  readonly newExecutor?: string;
}

/**
 * An executor whose runs one file labels plainly, having measured one partition, matched with the
 * other file's runs of that partition, which it measured among several (`modular` with `modular
 * (hash)`, reports/partitions.ts): the same executor under the same partition.
 */
export interface PartitionMatch {
  /** The file of one partition, whose runs carry the plain label. */
  readonly in: 'base' | 'new';
  readonly executor: string;
  readonly partition: string;
  /** Whether that file records the partition (settings.partition); else it ran the executor's default. */
  readonly recorded: boolean;
  /** The other file's label for the same executor and partition. */
  readonly as: string;
}

/**
 * An executor's block time relative to the baseline timed in the same rounds: per round, its
 * round median over the baseline's round median in that round, each file's ratios tested against
 * the other's as round medians are. A machine that slowed in between slows both sides of each
 * ratio, so what moves it is what the executor changed.
 */
export interface RelativeTest {
  /** Each side over its ratios: `median` is a ratio (0.5: half the baseline's time), `n` the rounds. */
  readonly base: Side;
  readonly next: Side;
  /** (new median ratio / base median ratio - 1) * 100: positive means slower against the baseline. */
  readonly deltaPct: number;
  readonly p: number;
  readonly significant: boolean;
}

/**
 * Rounds a side needs before a row is tested over rounds' medians: with 4 against 4 the exact U
 * test reaches p = 0.029, below ALPHA; with 3 against 3 it never gets below 0.1, and a gate that
 * cannot fail is worse than samples' overconfident p-values (warned about).
 */
export const MIN_ROUNDS = 4;

/** A prediction both files make: the simulated speedup of one executor on one workload at one thread count. */
export interface PredictionRow {
  readonly name: string;
  readonly base: number;
  readonly next: number;
  /** next / base: above 1, the new file predicts more speedup. */
  readonly ratio: number;
  /** Whether each side's model charged a cost per handover fitted to a measured 2-thread run (handoverFitted). */
  readonly baseFitted: boolean;
  readonly nextFitted: boolean;
}

/**
 * Whether a prediction's model charged a cost per handover (Block-STM: a cache line; modular: a
 * slot or lane) fitted to the executor's measured 2-thread run, for a file from before points
 * recorded `handoverFitted`, which records the fit only in the model's words: bench/prediction.ts fitTransfer writes "no cost per <handover> (not fitted:
 * why)" exactly when it had no 2-thread run to fit to or its 2-worker run failed. The absence of a
 * 2-thread run in the file is no reliable proxy: one that fell back or was wrong is not fitted to
 * either, and a failed 2-worker run leaves the cost unfitted beside a good 2-thread run.
 */
export function handoverFitted(model: string): boolean {
  return !/no cost per [^(]*\(not fitted: /.test(model);
}

export interface Comparison {
  readonly rows: readonly CompareRow[];
  readonly predictions: readonly PredictionRow[];
  /**
   * Over the executors' rows whose runs matched the reference on both sides (`rows` of them);
   * `incorrect` counts the executors' rows left out for not matching it. Null without such rows.
   */
  readonly geomean: { readonly base: number; readonly next: number; readonly deltaPct: number; readonly rows: number; readonly incorrect: number } | null;
  readonly warnings: readonly string[];
  /** The new file's runs that did not match the reference and its executors' failures, one line each (whether compared or not). */
  readonly broken: readonly string[];
  /** With a threshold (`--fail-on-regression`): the gate's verdict; else null. */
  readonly gate: Gate | null;
  /** Runs matched across a plain label and a partition's (PartitionMatch); absent where none were, as between two files of one partition each. */
  readonly partitionMatches?: readonly PartitionMatch[];
}

/** A row the gate finds slower beyond its threshold. */
export interface Regression {
  readonly row: CompareRow;
  /** What the gate judged: the block time's, or (relative) the ratio to the baseline's. */
  readonly deltaPct: number;
  /** How much slower at least, in percent: the lower bound of the 1 - ALPHA interval (gateTest), above the threshold. */
  readonly atLeastPct: number;
  /** gateTest's one-sided p that the row is no more than the threshold slower (at most ALPHA / 2). */
  readonly p: number;
  /** Judged by block time: the baseline's own row at the same workload and thread count, where it moved significantly by more than the threshold too; else null. */
  readonly baselineMoved: CompareRow | null;
}

/** A run of a judged executor that one file has and the other lacks. */
export interface UnmatchedRun {
  readonly name: string;
  readonly executor: string;
  readonly in: 'base' | 'new';
}

/**
 * `--fail-on-regression`'s verdict. It fails on `regressions` and on `unmatched`; where `refused`
 * or `unjudged` is set it has judged nothing (cli/compare.ts makes that an input error).
 */
export interface Gate {
  readonly threshold: number;
  /** Whether rows are judged relative to the baseline timed in the same rounds (RelativeTest), rather than by block time. */
  readonly relative: boolean;
  /** The executors it judges; null: every one. */
  readonly only: readonly string[] | null;
  readonly regressions: readonly Regression[];
  /** Runs of the judged executors in one file only: an executor that vanished, or was renamed, must not pass for unchanged. */
  readonly unmatched: readonly UnmatchedRun[];
  /** Rows the gate cannot judge, each with why: too few rounds a side to test them as rounds, or (relative) no ratios to the baseline. */
  readonly unjudged: readonly { readonly name: string; readonly why: string }[];
  /** Why the gate can judge no row at all (relative, over two different baselines; by block time, over rounds of different lengths); else null. */
  readonly refused: string | null;
}

/** A list for a warning line: the first few names and how many more. */
function listed(names: readonly string[]): string {
  const shown = names.slice(0, 4).join('; ');
  return names.length > 4 ? `${names.length} runs (${shown}; and ${names.length - 4} more)` : shown;
}

/** What a prediction is matched on across the two files: the same workload, executor and thread count. */
const key = (r: { workload: string; executor: string; threads: number }) => `${r.workload}\0${r.executor}\0${r.threads}`;

/**
 * What a run is matched on: a prediction's key and its role, so that an executor one file took as
 * its baseline (bench --baseline, given 1 thread) is not compared with its run at some thread count
 * in the other. Where both files' baselines are one (sameBaseline), its runs are matched whatever
 * name each file gives it (a module's path in an older file, its declared name in a newer one).
 */
function runKey(r: RunRecord, settings: ResultsFile['settings'], oneBaseline: boolean): string {
  const executor = oneBaseline && r.role === 'baseline' && r.executor === settings.baseline ? '' : r.executor;
  return `${key({ ...r, executor })}\0${r.role}`;
}

/** Two runs' block times compared: what the test counted, its p-value, and each side's round medians when it counted rounds. */
export interface BlockTimeTest {
  readonly unit: 'rounds' | 'samples';
  readonly p: number;
  /** Each side's round medians, in round order, when unit is 'rounds'. */
  readonly rounds: readonly [number[], number[]] | null;
}

/**
 * The Mann-Whitney test of two runs' block times: over their round medians where both name each
 * sample's round and have MIN_ROUNDS rounds or more (samples of one round share its machine
 * state, so drift between rounds is not taken for a difference), else over their samples.
 */
export function testBlockTimes(a: RunRecord, b: RunRecord): BlockTimeTest {
  const [ra, rb] = [roundMedians(a), roundMedians(b)];
  if (ra !== null && rb !== null && ra.length >= MIN_ROUNDS && rb.length >= MIN_ROUNDS) return { unit: 'rounds', p: mannWhitney(ra, rb).p, rounds: [ra, rb] };
  return { unit: 'samples', p: mannWhitney(a.samplesMs, b.samplesMs).p, rounds: null };
}

/** medianInterval's 95% interval of the samples' median, with its confidence as roundsInterval gives one. */
function samplesInterval(samplesMs: readonly number[]): { lo: number; hi: number; confidence: number } | null {
  const ci = medianInterval(samplesMs);
  return ci && { ...ci, confidence: 0.95 };
}

/** One side of a row: over its round medians when the row's test counted rounds (so the delta, the interval and the test agree), else over its samples. */
function side(r: RunRecord, rounds: number[] | null): Side {
  const interval = rounds === null ? samplesInterval(r.samplesMs) : roundsInterval(rounds);
  return {
    median: median(rounds ?? r.samplesMs), interval: interval && { lo: interval.lo, hi: interval.hi, confidence: interval.confidence }, n: rounds === null ? r.samplesMs.length : rounds.length,
    busy: r.busy.filter(Boolean).length, correct: r.correct,
  };
}

/**
 * A run's block time over its baseline's, per round both name, in round order; null where either
 * names no rounds. The baseline is timed beside the executors in every round, so the two share
 * each round's machine state.
 */
function relativeTimes(run: RunRecord, baseline: RunRecord): number[] | null {
  return perRoundSpeedups(baseline, run)?.map((speedup) => 1 / speedup) ?? null;
}

/** An executor run's RelativeTest against `n`, each over its own file's baseline run at its workload and thread count; why not, where it cannot be had. */
function relativeTest(b: RunRecord, bBaseline: RunRecord | undefined, n: RunRecord, nBaseline: RunRecord | undefined, alpha: number, pooled: boolean): (RelativeTest & { readonly ratios: readonly [number[], number[]] }) | { unavailable: string } {
  const missing = [bBaseline === undefined ? 'base' : '', nBaseline === undefined ? 'new' : ''].filter(Boolean);
  if (missing.length > 0) return { unavailable: `no baseline run at its workload and thread count in ${missing.join(' and ')}` };
  const [rb, rn] = [relativeTimes(b, bBaseline!), relativeTimes(n, nBaseline!)];
  if (rb === null || rn === null) return { unavailable: `${rb === null ? 'base' : 'new'} does not name each sample's round (a file from before bench recorded them)` };
  if (rb.length < MIN_ROUNDS || rn.length < MIN_ROUNDS) return { unavailable: `${rb.length} ${pooled ? 'runs' : 'rounds'} beside the baseline in base, ${rn.length} in new (${MIN_ROUNDS} or more a side are needed)` };
  const p = mannWhitney(rb, rn).p;
  const ratioSide = (r: RunRecord, baseline: RunRecord, ratios: number[]): Side => ({ ...side(r, ratios), correct: r.correct && baseline.correct });
  const [bs, ns] = [ratioSide(b, bBaseline!, rb), ratioSide(n, nBaseline!, rn)];
  return { base: bs, next: ns, deltaPct: (ns.median / bs.median - 1) * 100, p, significant: p <= alpha, ratios: [rb, rn] };
}

/** Why a row was tested over samples, not rounds: what each side has (testBlockTimes); pooled, its runs. */
function samplesWhy(b: RunRecord, n: RunRecord, pooled: boolean): string {
  const rounds = (r: RunRecord) => {
    const m = roundMedians(r);
    return m === null ? 'no rounds named' : plural(m.length, pooled ? 'run' : 'round');
  };
  return `base: ${rounds(b)}, new: ${rounds(n)}`;
}

/** A fallback share as a percentage, to a tenth of a percent. */
const share = (v: number) => `${Number((v * 100).toFixed(1))}%`;

/** A delta in percent with its sign, to two decimals. */
export const fmtPct = (d: number) => `${d >= 0 ? '+' : ''}${d.toFixed(2)}%`;

/**
 * What differs between two machines, field by field: the recorded facts, not the label, which
 * `bench --label` lets a user choose (one box under two labels, or two boxes under one).
 */
function hardwareDifferences(a: MachineRecord, b: MachineRecord): string[] {
  const facts: readonly [string, (m: MachineRecord) => unknown][] = [
    ['CPU', (m) => `${m.cpuModel} (family ${m.cpuFamily} model ${m.cpuModelNumber} stepping ${m.cpuStepping})`],
    ['effective cores', (m) => m.effectiveCores], ['logical CPUs', (m) => m.logicalCpus], ['cgroup cpu.max', (m) => m.cgroupCpuMax],
    ['memory', (m) => m.memoryBytes], ['Node', (m) => m.node], ['OS', (m) => m.os],
  ];
  return facts.filter(([, f]) => f(a) !== f(b)).map(([name, f]) => `${name} ${String(f(a))} -> ${String(f(b))}`);
}

/** A run as its row is named: workload, executor (the baseline marked; `base's → new's` where a partition match gives them two labels) and threads. */
function runName(labels: ReadonlyMap<string, string>, r: RunRecord, newExecutor?: string): string {
  return `${labels.get(r.workload)} · ${pairName(r.executor, newExecutor)}${r.role === 'baseline' ? ' (baseline)' : ''} @${r.threads}`;
}

/** An executor as a row names it: by base's label, then new's after an arrow where they differ. */
const pairName = (executor: string, newExecutor: string | undefined) => (newExecutor === undefined || newExecutor === executor ? executor : `${executor} → ${newExecutor}`);

/**
 * The executors each file of one partition labels plainly whose runs the other file, which
 * measured several partitions, has under that partition's label. The one file's partition is
 * its settings.partition, or the default where it gives none; where the other did not measure
 * it, nothing is matched and the runs stay in one file only.
 */
function partitionMatches(base: ResultsFile, next: ResultsFile): PartitionMatch[] {
  const executors = (doc: ResultsFile) => new Set(doc.runs.filter((r) => r.role === 'executor').map((r) => r.executor));
  return ([['base', base, next], ['new', next, base]] as const).flatMap(([file, one, other]) => {
    if (one.settings.partitions !== undefined || other.settings.partitions === undefined) return [];
    const partition = onePartition(one.settings);
    if (!other.settings.partitions.includes(partition)) return [];
    const theirs = executors(other);
    return [...executors(one)].flatMap((executor) => {
      const as = partitionLabel(executor, partition);
      return theirs.has(as) && !theirs.has(executor) ? [{ in: file, executor, partition, recorded: one.settings.partition !== undefined, as }] : [];
    });
  });
}

/** `r` under the label the other file gives its partition, where `matches` match it; else `r`. */
function matchedRun<R extends { executor: string; role?: RunRecord['role'] }>(r: R, file: 'base' | 'new', matches: readonly PartitionMatch[]): R {
  const match = r.role === 'baseline' ? undefined : matches.find((m) => m.in === file && m.executor === r.executor);
  return match === undefined ? r : { ...r, executor: match.as };
}

/**
 * The new file's runs that did not match the reference and its failures, each named by workload,
 * executor and threads. A failure without a workload is one of loading or creating the executor, or
 * of its close() after its runs (results-schema.md): a pool in `startup` at that thread count was
 * created, so its failure came after it started, and its message says what failed.
 */
export function brokenRuns(next: ResultsFile, labels: ReadonlyMap<string, string>): string[] {
  const started = (f: ResultsFile['failures'][number]) => next.startup.some((s) => s.executor === f.executor && s.threads === f.threads);
  return [
    // Its hang is the news, and the runs it kept from being measured cannot regress.
    ...(next.stopped === undefined ? [] : [`the sweep stopped part-way: ${next.stopped}`]),
    ...next.runs.filter((r) => !r.correct).map((r) => `${runName(labels, r)}: did not match the reference result`),
    ...next.failures.map((f) => (f.workload !== null
      ? `${labels.get(f.workload)} · ${f.executor} @${f.threads}: failed: ${f.message}`
      : `${f.executor} @${f.threads}: ${started(f) ? 'failed after it started' : 'failed to start'}: ${f.message}`)),
  ];
}

/** Whether both sides of a row matched the reference: only then is its time, and its delta, an execution's. */
const bothCorrect = (r: CompareRow) => r.base.correct && r.next.correct;

export interface CompareOptions {
  /**
   * Percent: the gate's threshold (`--fail-on-regression`). With it, `gate` holds the verdict, and
   * the baseline's rows are warned about only when they moved by more than this.
   */
  readonly threshold?: number;
  readonly alpha?: number;
  /** The gate judges each executor's row relative to the baseline timed in the same rounds (RelativeTest), not by its block time. */
  readonly relative?: boolean;
  /** The executors (as runs name them) the gate judges, its check that each is in both files included; absent: every one. */
  readonly only?: readonly string[];
  /**
   * Each side pools several runs (reports/compare-pooled.ts), one sample a run: its warnings and
   * reasons count runs, and the ones about samples of one round do not apply.
   */
  readonly pooled?: boolean;
}

export function compare(base: ResultsFile, next: ResultsFile, o: CompareOptions = {}): Comparison {
  const alpha = o.alpha ?? ALPHA;
  const labels = workloadLabels([...base.workloads, ...next.workloads]);
  const oneBaseline = sameBaseline(base.settings, next.settings);
  const matches = partitionMatches(base, next);
  const nextRuns = new Map(next.runs.map((r) => [runKey(matchedRun(r, 'new', matches), next.settings, oneBaseline), r]));
  const baselineRun = (doc: ResultsFile, r: RunRecord) => doc.runs.find((x) => x.role === 'baseline' && x.workload === r.workload && x.threads === r.threads);
  const rows: CompareRow[] = [];
  const bySamplesWhy = new Map<CompareRow, string>();
  const gateValues = new Map<CompareRow, GateValues>();
  const warnings: string[] = [];
  const unmatched: string[] = [];
  const unmatchedRuns: RunRecord[] = [];
  const shares: string[] = [];
  const timings: string[] = [];
  for (const b of base.runs) {
    const bKey = runKey(matchedRun(b, 'base', matches), base.settings, oneBaseline);
    const n = nextRuns.get(bKey);
    if (!n) {
      unmatched.push(runName(labels, b));
      unmatchedRuns.push(b);
      continue;
    }
    nextRuns.delete(bKey);
    const newExecutor = n.executor === b.executor ? undefined : n.executor;
    const name = runName(labels, b, newExecutor);
    // A share absent from either file is unknown (older files), not a difference.
    if (b.fallbackShare !== undefined && n.fallbackShare !== undefined && b.fallbackShare !== n.fallbackShare) {
      shares.push(`${name} (base ${share(b.fallbackShare)}, new ${share(n.fallbackShare)})`);
    }
    if (b.timing !== n.timing) timings.push(`${name} (base ${b.timing === 'engine' ? 'by the engine' : 'whole'}, new ${n.timing === 'engine' ? 'by the engine' : 'whole'})`);
    const test = testBlockTimes(b, n);
    const bs = side(b, test.rounds?.[0] ?? null);
    const ns = side(n, test.rounds?.[1] ?? null);
    const rel = b.role === 'baseline' ? null : relativeTest(b, baselineRun(base, b), n, baselineRun(next, n), alpha, o.pooled === true);
    // The ratios stay out of the row (and so out of --json): the gate alone tests them again.
    const relative = rel === null || 'unavailable' in rel ? rel : (({ ratios: _, ...t }) => t)(rel);
    const row: CompareRow = {
      name, workload: b.workload, executor: b.executor, threads: b.threads, baseline: b.role === 'baseline', base: bs, next: ns,
      deltaPct: (ns.median / bs.median - 1) * 100, p: test.p, significant: test.p <= alpha, unit: test.unit, relative,
      ...(newExecutor === undefined ? {} : { newExecutor }),
    };
    rows.push(row);
    gateValues.set(row, { block: test.rounds, relative: rel === null || 'unavailable' in rel ? null : rel.ratios });
    if (test.unit === 'samples') bySamplesWhy.set(row, samplesWhy(b, n, o.pooled === true));
  }
  // First: every other line of the comparison reads differently once the yardsticks differ.
  const yardsticks = differentBaselines([{ name: 'base', settings: base.settings }, { name: 'new', settings: next.settings }]);
  if (yardsticks !== null) {
    warnings.push(`${yardsticks}. The rows below compare block times, which stand whatever the baseline; `
      + 'the baselines\' own rows are each in one file only, so no row says whether the machine moved between the files, and neither file\'s report\'s speedups compare with the other\'s');
  }
  // Next: a round's length shapes every block time in it, whatever the code.
  const benchSettings = benchSettingsDifferences(base.settings, next.settings);
  const roundLengths = base.settings.roundMs === next.settings.roundMs ? null
    : `base: ${benchSettingsText(base.settings)}, new: ${benchSettingsText(next.settings)}`;
  if (benchSettings.length > 0) {
    const what = roundLengths !== null
      ? 'block times from rounds of different lengths are not comparable (a short round holds a few calls, more of them just after a switch between executors, which run slower), so every row\'s delta includes that; '
        + 'each executor\'s ratio to the baseline timed in the same rounds (--relative) has its round\'s length on both sides and compares better; to compare block times, rerun bench alike (both --quick, or neither)'
      : 'the rounds are of one length, so block times compare; each side\'s interval and p-value rest on its own number of rounds';
    warnings.push(`different bench settings: base was ${benchSettingsText(base.settings)}, new ${benchSettingsText(next.settings)} (${benchSettings.join('; ')}): ${what}`);
  }
  for (const [name, doc] of [['base', base], ['new', next]] as const) {
    const mixed = mixedTimingRuns(doc);
    if (mixed.length > 0) {
      warnings.push(`in ${name}, the speedups of ${listed(mixed)} over the baseline ${doc.settings.baseline} mix timings (one side timed by its engine, stats.executeMs, the other each call whole, requests and answers included): that file's report divides one kind of time by the other; the block times here are each timed one way`);
    }
  }
  // Measured on a shared runner (docs/bench.md, the gate's figures): such ratios moved up to 2x round to round.
  const crossProcess = o.relative === true ? [...new Set([...mixedTimingRuns(base), ...mixedTimingRuns(next)])] : [];
  if (crossProcess.length > 0) {
    warnings.push(`--relative: the ratios of ${listed(crossProcess)} divide a run by a baseline timed the other way (one by an engine in its own process, the other `
      + 'whole in Concord\'s); two processes on a shared runner do not slow together, so such ratios move up to 2x round to round and the gate catches few slowdowns over them (docs/bench.md): '
      + 'to gate an engine --relative, bench it with its own sequential mode as --baseline, timed as it is, and gate it with --only');
  }
  if (timings.length > 0) {
    warnings.push(`timed differently (an exec: engine's own time, or each call whole with the requests and answers between the processes): ${timings.join(', ')}; their differences include that`);
  }
  const hardware = hardwareDifferences(base.machine, next.machine);
  if (hardware.length > 0) {
    warnings.push(`different machines: base ran on "${base.machine.label}", new on "${next.machine.label}" (${hardware.join('; ')}); differences include the hardware`);
  }
  // Compared as they ran, not as given: a default given explicitly is none, and one placement path
  // may hold two placements. Files matched by partition differ in their partitions by design, and
  // each matched row ran one partition on both sides (the note under the table says so).
  const executorSettings = executorSettingsDifferences(base, next, matches.length > 0);
  if (executorSettings.length > 0) {
    const given = (doc: ResultsFile) => executorSettingsText(doc) || 'the defaults';
    warnings.push(`different executor settings: base ran with ${given(base)}, new with ${given(next)} (${executorSettings.join('; ')}); differences include them`);
  }
  const bySamples = rows.filter((r) => r.unit === 'samples');
  const few = bySamples.filter((r) => r.base.n < RECOMMENDED_SAMPLES || r.next.n < RECOMMENDED_SAMPLES).length;
  if (few > 0 && o.pooled !== true) warnings.push(`${few} of ${rows.length} rows have fewer than ${RECOMMENDED_SAMPLES} samples on a side: need >= ${RECOMMENDED_SAMPLES} samples for a trustworthy p-value and interval`);
  // On 3 values against 3 no p is below 0.1 whatever they are: such a row is never significant,
  // and --fail-on-regression would pass a regression there without a word.
  const blind = rows.filter((r) => !r.baseline && smallestP(r.base.n, r.next.n) > alpha);
  if (blind.length > 0) {
    const worst = blind.reduce((a, r) => (smallestP(r.base.n, r.next.n) > smallestP(a.base.n, a.next.n) ? r : a));
    const [unit, more] = o.pooled === true ? ['runs', `give --base and --new ${MIN_ROUNDS} results files or more each`] : [worst.unit, `bench records ${MIN_ROUNDS} rounds or more`];
    warnings.push(`${blind.length} of ${rows.length} rows have too few values a side for any difference to be significant (${worst.base.n} ${unit} against ${worst.next.n}: p >= ${Number(smallestP(worst.base.n, worst.next.n).toFixed(3))}, above ${alpha}): `
      + `no regression can be found on them; ${more}: ${listed(blind.map((r) => r.name))}`);
  }
  // Files from before rounds were recorded are compared as they always were; a file that names
  // rounds but has too few, or one compared with such an old file, is told what its p-values rest on.
  const namesRounds = base.runs.some((r) => r.rounds !== undefined) || next.runs.some((r) => r.rounds !== undefined);
  if (namesRounds && bySamples.length > 0 && o.pooled !== true) {
    warnings.push(`${bySamples.length === rows.length ? 'every row is' : `${bySamples.length} of ${rows.length} rows are`} tested over samples, not rounds (a side has fewer than ${MIN_ROUNDS} rounds, or its file does not name each sample's round): `
      + 'samples of one round share its machine state, so a small p-value says they agree, not that a rerun will');
  }
  const busy = rows.filter((r) => r.base.busy > 0 || r.next.busy > 0).length;
  if (busy > 0) warnings.push(`${plural(busy, 'row')} include${busy === 1 ? 's' : ''} samples taken while the machine was busy with other processes`);
  if (shares.length > 0) warnings.push(`these runs fell back to the sequential executor on a different share of their blocks: ${listed(shares)}; such rows compare partly different code`);
  const moved = rows.filter((r) => r.baseline && r.significant && Math.abs(r.deltaPct) > (o.threshold ?? 0));
  if (moved.length > 0) {
    const beyond = o.threshold === undefined ? '' : ` by more than ${o.threshold}%`;
    const who = ownBaseline(next.settings) ? `the baseline ${next.settings.baseline}` : 'the sequential baseline';
    warnings.push(`${who}'s own runs moved${beyond}: ${listed(moved.map((r) => `${r.name} ${fmtPct(r.deltaPct)} (${pValue(r.p)})`))}; `
      + 'the machine or the baseline executor changed between the files, so the other rows\' deltas include that move');
  }
  const predictions = predictionRows(base, next, labels, matches);
  const unlike = predictions.filter((p) => p.baseFitted !== p.nextFitted);
  if (unlike.length > 0) {
    warnings.push(`the cost per handover is fitted to a 2-thread run on one side only for ${listed(unlike.map((p) => `${p.name} (fitted in ${p.baseFitted ? 'base' : 'new'})`))}; `
      + `the unfitted side charges none and is optimistic, so those ratios compare different models (marked ${UNFITTED})`);
  }
  // NEW's wrong runs fail the comparison as broken; BASE's would pass unnoticed, their rows judged by nothing.
  const wrongInBase = rows.filter((r) => !r.baseline && !r.base.correct && r.next.correct);
  if (wrongInBase.length > 0) {
    warnings.push(`in base, these runs did not match the reference, so new's rows are not compared with them (no delta counts, no regression can be found): ${listed(wrongInBase.map((r) => r.name))}`);
  }
  if (base.stopped !== undefined) warnings.push(`base's sweep stopped part-way (${base.stopped}): what it never measured is compared with nothing`);
  if (unmatched.length > 0) warnings.push(`only in base: ${listed(unmatched)}`);
  const onlyInNew = [...nextRuns.values()];
  if (onlyInNew.length > 0) warnings.push(`only in new: ${listed(onlyInNew.map((r) => runName(labels, r)))}`);
  // Each block's rows together: workloads in file order, the baseline first, then executors and thread counts.
  const order = new Map(base.workloads.map((w, i) => [w.id, i]));
  rows.sort((a, b) => order.get(a.workload)! - order.get(b.workload)! || Number(b.baseline) - Number(a.baseline)
    || a.executor.localeCompare(b.executor) || a.threads - b.threads);
  // Over the executors' rows alone, as the gate: a machine that moved would otherwise move it too;
  // and over correct runs alone: a wrong run's time would move it as if it were a speed.
  const executorRows = rows.filter((r) => !r.baseline);
  const counted = executorRows.filter(bothCorrect);
  const incorrect = executorRows.length - counted.length;
  const g = counted.length === 0 ? null : (() => {
    const gb = geomean(counted.map((r) => r.base.median));
    const gn = geomean(counted.map((r) => r.next.median));
    return { base: gb, next: gn, deltaPct: (gn / gb - 1) * 100, rows: counted.length, incorrect };
  })();
  const gate = o.threshold === undefined ? null : judge(rows, {
    threshold: o.threshold, alpha, relative: o.relative === true, only: o.only ?? null, bySamplesWhy, gateValues, yardsticks, roundLengths,
    // A sweep that stopped part-way is broken (new) or warned about (base): what it never measured is no executor gone.
    onlyInBase: next.stopped === undefined ? unmatchedRuns : [], onlyInNew: base.stopped === undefined ? onlyInNew : [], labels,
  });
  return { rows, predictions, geomean: g, warnings, broken: brokenRuns(next, labels), gate, ...(matches.length === 0 ? {} : { partitionMatches: matches }) };
}

/** A row's values the gate tests, each side's in round order: round medians (where the row is tested by rounds), ratios to the baseline (where had). */
interface GateValues {
  readonly block: readonly [number[], number[]] | null;
  readonly relative: readonly [number[], number[]] | null;
}

/** What judge needs of compare's matching beyond the rows. */
interface JudgeInput {
  readonly threshold: number;
  readonly alpha: number;
  readonly relative: boolean;
  readonly only: readonly string[] | null;
  readonly bySamplesWhy: ReadonlyMap<CompareRow, string>;
  readonly gateValues: ReadonlyMap<CompareRow, GateValues>;
  /** differentBaselines' words, or null where both files' speedups are over one baseline. */
  readonly yardsticks: string | null;
  /** Each file's round length in words where the two differ (settings.roundMs); else null. */
  readonly roundLengths: string | null;
  readonly onlyInBase: readonly RunRecord[];
  readonly onlyInNew: readonly RunRecord[];
  readonly labels: ReadonlyMap<string, string>;
}

/**
 * The gate over the executors it judges. It judges a row only where each side has MIN_ROUNDS
 * rounds or more: below that the test counts samples, which share a round's machine state, so a
 * noisy round reads as a significant difference (and 3 rounds against 3 never reach ALPHA). An
 * executor's run in one file only fails it, whatever its name: an engine that vanished or was
 * renamed (an exec: command given by another path) would otherwise pass, compared with nothing.
 * By block time it judges nothing where the files' rounds differ in length (--quick's 30 ms against
 * a full run's 250): a short round's block times run longer, so every row would move for that alone.
 */
function judge(rows: readonly CompareRow[], o: JudgeInput): Gate {
  const judged = (executor: string) => o.only === null || o.only.includes(executor);
  // A row matched by partition is judged by either file's label: --only takes the names runs carry.
  const gated = rows.filter((r) => !r.baseline && (judged(r.executor) || (r.newExecutor !== undefined && judged(r.newExecutor))) && bothCorrect(r));
  const unmatched = [
    ...(['base', 'new'] as const).flatMap((file) => (file === 'base' ? o.onlyInBase : o.onlyInNew)
      .filter((r) => r.role === 'executor' && judged(r.executor)).map((r) => ({ name: runName(o.labels, r), executor: r.executor, in: file }))),
  ];
  const verdict = { threshold: o.threshold, relative: o.relative, only: o.only, unmatched };
  if (o.relative && o.yardsticks !== null) {
    return { ...verdict, regressions: [], unjudged: [], refused: `--relative: ${o.yardsticks}; a ratio to one baseline does not compare with a ratio to another` };
  }
  if (o.relative) {
    const unjudged = gated.flatMap((r) => (r.relative !== null && 'unavailable' in r.relative ? [{ name: r.name, why: r.relative.unavailable }] : []));
    const regressions = gated.flatMap((r) => {
      const ratios = o.gateValues.get(r)?.relative;
      const t = ratios && gateTest(ratios[0], ratios[1], o.threshold, o.alpha);
      return t && r.relative !== null && !('unavailable' in r.relative) ? [{ row: r, deltaPct: r.relative.deltaPct, ...t, baselineMoved: null }] : [];
    });
    return { ...verdict, regressions, unjudged, refused: null };
  }
  if (o.roundLengths !== null) {
    return {
      ...verdict, regressions: [], unjudged: [],
      refused: `cannot judge block times from rounds of different lengths (${o.roundLengths}): a short round's calls run slower, more of them just after a switch between executors, so every row would move for that alone; `
        + 'gate with --relative (each executor against the baseline timed in the same rounds), or rerun bench alike (both --quick, or neither)',
    };
  }
  const unjudged = gated.filter((r) => r.unit === 'samples').map((r) => ({ name: r.name, why: o.bySamplesWhy.get(r)! }));
  const moved = (r: CompareRow) => rows.find((x) => x.baseline && x.workload === r.workload && x.threads === r.threads
    && x.significant && Math.abs(x.deltaPct) > o.threshold) ?? null;
  const regressions = gated.flatMap((r) => {
    const rounds = r.unit === 'rounds' ? o.gateValues.get(r)?.block : null;
    const t = rounds && gateTest(rounds[0], rounds[1], o.threshold, o.alpha);
    return t ? [{ row: r, deltaPct: r.deltaPct, ...t, baselineMoved: moved(r) }] : [];
  });
  return { ...verdict, regressions, unjudged, refused: null };
}

/**
 * Whether new's values are slower than base's by more than `threshold` percent, tested as such:
 * the lower bound of the two-sided 1 - alpha interval of new over base (Hodges-Lehmann, from the
 * U test) must lie above 1 + threshold / 100; that is, the one-sided U test of new's values against
 * base's scaled by it reaches alpha / 2. The rule before (p <= alpha two-sided against no change,
 * and a median delta above the threshold) fails whatever this fails, and failed more pairs of runs
 * of one build on a shared runner, whose round medians drift apart by more than 10% between runs
 * (docs/bench.md, the gate's figures). Null where it is not slower so: the lower bound and p where it is.
 */
function gateTest(base: readonly number[], next: readonly number[], threshold: number, alpha: number): { atLeastPct: number; p: number } | null {
  const p = mannWhitneyGreater(base.map((v) => v * (1 + threshold / 100)), next);
  if (p > alpha / 2) return null;
  const bound = ratioLowerBound(base, next, alpha / 2);
  return { atLeastPct: ((bound ?? 1) - 1) * 100, p };
}

/** The predictions of both files for the same workload, executor and thread count (partition matches' under either label), in base's order. */
function predictionRows(base: ResultsFile, next: ResultsFile, labels: ReadonlyMap<string, string>, matches: readonly PartitionMatch[]): PredictionRow[] {
  const nextPoints = new Map(next.simulated.map((p) => [key(matchedRun(p, 'new', matches)), p]));
  return base.simulated.flatMap((b) => {
    const n = nextPoints.get(key(matchedRun(b, 'base', matches)));
    return n ? [{
      name: `${labels.get(b.workload)} · ${pairName(b.executor, n.executor)} @${b.threads}`, base: b.speedup, next: n.speedup, ratio: n.speedup / b.speedup,
      baseFitted: b.handoverFitted ?? handoverFitted(b.model), nextFitted: n.handoverFitted ?? handoverFitted(n.model),
    }] : [];
  });
}

/**
 * A regression's line: the row, its delta and p, and where judged by block time while the
 * baseline moved beyond the threshold as well, that move and what the relative gate says of the row.
 */
export function regressionLine(g: Gate, r: Regression): string {
  const what = g.relative ? ' against the baseline in the same rounds' : '';
  const line = `${r.row.name}: ${r.deltaPct.toFixed(2)}% slower${what}, at least ${r.atLeastPct.toFixed(2)}% by its ${wholePct(1 - ALPHA)} interval (one-sided ${pValue(r.p)} against its being ${g.threshold}% slower or less), above ${g.threshold}%`;
  if (r.baselineMoved === null) return line;
  const b = r.baselineMoved;
  const rel = r.row.relative !== null && !('unavailable' in r.row.relative)
    ? `; against it, round by round, this row is ${r.row.relative.significant ? fmtPct(r.row.relative.deltaPct) : 'unchanged'} (${pValue(r.row.relative.p)})`
    : '';
  return `${line}; the baseline moved too (${b.name} ${fmtPct(b.deltaPct)}, ${pValue(b.p)}): the machine may have, so this includes its move${rel}; `
    + '--relative judges each row against the baseline timed in the same rounds';
}

/** A p-value as the report prints it: "p<0.001" rather than a "p=0.000" that reads as certainty. */
export function pValue(p: number): string {
  if (p < 0.001) return 'p<0.001';
  // 0.0495 and 0.0504 would both read 0.050, one significant and one not: a fourth decimal tells them apart.
  const shown = p.toFixed(3);
  return `p=${Number(shown) === ALPHA && p !== ALPHA ? p.toFixed(4) : shown}`;
}

function fmtMs(v: number): string {
  return v >= 100 ? v.toFixed(1) : v >= 10 ? v.toFixed(2) : v.toFixed(3);
}

/** A probability as a whole percentage. */
const wholePct = (p: number) => `${Math.round(p * 100)}%`;

/** How often the range of n round medians holds their median, as a whole percentage. */
const confidence = (n: number) => wholePct(rangeConfidence(n));

/** The interval column's header: 95% where it can be, else the rounds' range with its confidence in its cells. */
export const INTERVAL = '95% CI / range';

/** What marks a predicted speedup whose model charged no fitted cost per handover. */
const UNFITTED = '†';

/** What marks a side whose run did not match the reference, after its interval. */
const WRONG = '✗';

/**
 * An interval around its median in whole percent: "± 3%" where both sides round alike, else each
 * side ("-5% +296%"): one ± of the larger side would put a block time of 3 ms with a range up to
 * 12 ms at "± 296%", below zero.
 */
function fmtInterval(median: number, interval: { lo: number; hi: number }): string {
  const [below, above] = [Math.round(((median - interval.lo) / median) * 100), Math.round(((interval.hi - median) / median) * 100)];
  return below === above ? `± ${above}%` : `-${below}% +${above}%`;
}

/**
 * A side as its two parts: the median and its interval ("± 3%", "-2% +9%", with its confidence
 * where it is not 95%: "± 3% (94%)"; "± ∞ ¹" with too few samples), then ✗ if its run was wrong.
 */
export function fmtSide(s: Side): [string, string] {
  const mark = s.correct ? '' : ` ${WRONG}`;
  if (s.interval === null) return [fmtMs(s.median), `± ∞ ¹${mark}`];
  const held = s.interval.confidence < 0.95 ? ` (${wholePct(s.interval.confidence)})` : '';
  return [fmtMs(s.median), `${fmtInterval(s.median, s.interval)}${held}${mark}`];
}

/** The delta as its two parts: the change (or `~`) and its test ("(p=0.008 5+5 rounds)", "(p=0.029 4+4 runs)" pooled, "(p=0.002 n=12+12)"). */
function fmtDelta(r: CompareRow, pooled: boolean): [string, string] {
  // A pooled side's values are its runs, whether the row reached MIN_ROUNDS of them or not.
  const test = r.unit === 'rounds' || pooled ? `(${pValue(r.p)} ${r.base.n}+${r.next.n} ${pooled ? 'runs' : 'rounds'})` : `(${pValue(r.p)} n=${r.base.n}+${r.next.n})`;
  return [r.significant ? fmtPct(r.deltaPct) : '~', test];
}

/**
 * A column of the text table: a header over parts that each align on their own, so medians line
 * up on their last digit and intervals on their `±` whatever a row's footnote mark or delta width.
 */
export interface Column {
  readonly header: string;
  readonly sub: readonly string[];
  readonly right: readonly boolean[];
}

/** A comparison's columns under `header`: a row's name, each file's median and interval, and the delta. */
function columnsOf(header: string, baseName: string, nextName: string): Column[] {
  return [
    { header, sub: [''], right: [false] },
    { header: baseName, sub: ['median', INTERVAL], right: [true, false] },
    { header: nextName, sub: ['median', INTERVAL], right: [true, false] },
    { header: 'vs base', sub: ['', ''], right: [true, false] },
  ];
}

/** Each executor row's time relative to its baseline's, round by round, as a table's body (rows without one say why). */
function relativeBody(c: Comparison, pooled: boolean): string[][][] {
  return c.rows.flatMap((r) => {
    if (r.relative === null) return [];
    if ('unavailable' in r.relative) return [[[r.name], ['', ''], ['', ''], ['', r.relative.unavailable]]];
    const t = r.relative;
    return [[[r.name], fmtSide(t.base), fmtSide(t.next), [t.significant ? fmtPct(t.deltaPct) : '~', `(${pValue(t.p)} ${t.base.n}+${t.next.n} ${pooled ? 'runs' : 'rounds'})`]]];
  });
}

export interface FormatOptions {
  /** Also the table of each executor's time relative to the baseline's, round by round (compare --relative). */
  readonly relative?: boolean;
  /** Each side pools several runs (reports/compare-pooled.ts): its values are the runs' medians, not one run's rounds'. */
  readonly pooled?: boolean;
}

/** The benchstat-style text table. */
export function formatComparison(c: Comparison, baseName: string, nextName: string, f: FormatOptions = {}): string {
  const pooled = f.pooled === true;
  const body: string[][][] = c.rows.map((r) => [[r.name], fmtSide(r.base), fmtSide(r.next), fmtDelta(r, pooled)]);
  if (c.geomean) {
    // Named for what it covers: the baseline's own rows measure the machine and are left out of it.
    body.push([['geomean (executor rows)'], [fmtMs(c.geomean.base), ''], [fmtMs(c.geomean.next), ''], [fmtPct(c.geomean.deltaPct), '']]);
  }
  const out = textTable(columnsOf('block time (ms)', baseName, nextName), body);
  const incorrect = c.rows.filter((r) => !r.baseline && !bothCorrect(r)).length;
  const notes = [
    ...(pooled
      ? [`pooled: each run (results file) is one value a side, its median block time (the median of its rounds' medians; with --relative, over its baseline's), and the median, ${INTERVAL} and test are over those values: a run's rounds share its machine state, so they count once; "rounds" in the warnings below count runs`]
      : []),
    ...(!pooled && (c.rows.some((r) => r.unit === 'rounds') || f.relative === true)
      ? [`median and ${INTERVAL} where the test counts rounds: over the rounds' medians, the 95% interval of their median with ${MIN_SAMPLES_FOR_CI} rounds or more, else their whole range, which holds that median with the probability in parentheses (${confidence(5)} with 5 rounds, ${confidence(4)} with 4)`]
      : []),
    ...(c.rows.some((r) => [r.base, r.next].some((s) => s.interval !== null && fmtInterval(s.median, s.interval).startsWith('-')))
      ? ['-x% +y%: an interval from x% below the median to y% above it, where the two sides differ']
      : []),
    ...(c.rows.some((r) => r.base.interval === null || r.next.interval === null) ? [pooled ? `¹ need >= ${MIN_ROUNDS} runs a side for an interval` : '¹ need >= 6 samples for a 95% confidence interval'] : []),
    ...(c.partitionMatches ?? []).map((m) => partitionMatchNote(m, baseName, nextName)),
    ...(c.rows.some((r) => !bothCorrect(r)) ? [`${WRONG} the run did not match the reference result: its time is not that of a correct execution, so its row is left out of the geomean and never counts as a regression`] : []),
    ...(incorrect === 0 ? [] : [c.geomean
      ? `geomean: over the ${plural(c.geomean.rows, 'executor row')} whose runs matched the reference on both sides; ${plural(incorrect, 'row')} marked ${WRONG} left out`
      : `no geomean: ${incorrect === 1 ? 'the one executor row is' : `all ${incorrect} executor rows are`} marked ${WRONG}`]),
  ];
  const relative = f.relative === true ? relativeBody(c, pooled) : [];
  if (relative.length > 0) {
    out.push('', ...textTable(columnsOf('time / baseline\'s, per round', baseName, nextName), relative));
    notes.push('time / baseline\'s: in each round, the executor\'s median block time over the baseline\'s in that round (0.5: half its time), tested round by round; '
      + 'a machine that slowed between the files slows both, so a change here is the executor\'s');
  }
  if (notes.length > 0) out.push('', ...notes);
  if (c.predictions.length > 0) out.push('', ...predictionLines(c.predictions, baseName, nextName));
  for (const w of c.warnings) out.push(`warning: ${w}`);
  return `${out.join('\n')}\n`;
}

/** Why a row's executor reads `base's → new's`: the file of one partition, which it was, and the other's runs of it. */
function partitionMatchNote(m: PartitionMatch, baseName: string, nextName: string): string {
  const [one, other] = m.in === 'base' ? [baseName, nextName] : [nextName, baseName];
  const pair = m.in === 'base' ? pairName(m.executor, m.as) : pairName(m.as, m.executor);
  const which = m.recorded ? `${m.partition} (its settings.partition)` : `${m.partition} (the executor's default: the file names none)`;
  return `${pair}: matched by partition: ${one} measured ${m.executor} under one partition, ${which}, and ${other} once per partition, `
    + `so ${one}'s ${m.executor} runs are compared with ${other}'s ${m.as} runs`;
}

/** Columns over a body, each part aligned on its own: the header line, the parts' line, a line a row. */
export function textTable(columns: readonly Column[], body: readonly (readonly (readonly string[])[])[]): string[] {
  const span = (w: readonly number[]) => w.reduce((a, b) => a + b, 0) + w.length - 1;
  const widths = columns.map((col, i) => {
    const w = col.sub.map((s, j) => Math.max(s.length, ...body.map((r) => r[i]![j]!.length)));
    // A header wider than its parts widens the last part, so the parts keep their alignment.
    w[w.length - 1]! += Math.max(0, col.header.length - span(w));
    return w;
  });
  const line = (cells: readonly (readonly string[])[]) => cells
    .map((parts, i) => parts.map((p, j) => (columns[i]!.right[j] ? p.padStart(widths[i]![j]!) : p.padEnd(widths[i]![j]!))).join(' '))
    .join('   ').trimEnd();
  return [
    columns.map((col, i) => col.header.padEnd(span(widths[i]!))).join('   ').trimEnd(),
    line(columns.map((col) => col.sub)),
    ...body.map(line),
  ];
}

/** The predictions both files make, aligned: a name, each file's simulated speedup (marked where unfitted), and the ratio. */
function predictionLines(rows: readonly PredictionRow[], baseName: string, nextName: string): string[] {
  const anyUnfitted = rows.some((r) => !r.baseFitted || !r.nextFitted);
  // Marks are as wide as the mark, so the speedups align on their last digit with or without one.
  const speedup = (v: number, fitted: boolean) => `${v.toFixed(2)}x${anyUnfitted ? (fitted ? ' ' : UNFITTED) : ''}`;
  const cells = [
    ['simulated speedup', baseName, nextName, 'new / base'],
    ...rows.map((r) => [r.name, speedup(r.base, r.baseFitted), speedup(r.next, r.nextFitted), `${r.ratio.toFixed(2)}x`]),
  ];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const lines = cells.map((c) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('   ').trimEnd());
  if (anyUnfitted) lines.push('', `${UNFITTED} no cost per handover fitted (no usable 2-thread run to fit it to, or its 2-worker model run failed): the model charges none and is optimistic`);
  return lines;
}
