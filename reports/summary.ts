// Every figure a report shows, derived from a results file's raw samples in one place: block time
// (median, 95% interval, p50/p99), throughput, speedup against the interleaved sequential
// baseline, the ideal bound at that thread count, efficiency against it, and the executor's
// counters. Invariant: speedup always compares runs of the same workload and thread count in the
// same file: the median over their shared rounds of baseline median / executor median in the
// round, or, in a file that does not name rounds, baseline median / executor median; it lies in
// its round range. The speedup over the baseline's fastest core is taken the same way over that
// CPU's rounds alone, and only where MIN_CORE_ROUNDS of them stand behind it and the core probes do
// not name another CPU; otherwise the row says why there is none. Efficiency is speedup / ideal
// list-schedule speedup at min(threads, the machine's effective cores).

import { median, medianInterval, quantile, roundsInterval } from './stats.js';
import type { CoreProbeRecord, ResultsFile, RunRecord, WorkloadRecord } from './schema.js';
import { UNEQUAL_CORES, unequal } from './cores.js';
import { trainingOptions } from './partitions.js';

export interface Row {
  readonly machine: string;
  readonly workload: WorkloadRecord;
  readonly label: string;
  readonly executor: string;
  readonly threads: number;
  readonly role: RunRecord['role'];
  readonly samples: number;
  readonly busySamples: number;
  readonly medianMs: number;
  readonly interval: { lo: number; hi: number } | null;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly txPerSecond: number;
  /**
   * The median over the rounds both runs timed of the round's speedup (baseline median / executor
   * median in it), where the file names rounds; else baseline median / executor median.
   */
  readonly speedup: number;
  /**
   * Speedup over the baseline on its fastest core (fastestCore: the CPU whose rounds' medians have
   * the lowest median, where the core probes do not name another), taken as `speedup` is, over the
   * rounds the baseline ran on that CPU, MIN_CORE_ROUNDS of them or more. Cores can differ in
   * speed, and a baseline that partly ran on a slow one flatters `speedup`. Null without per-sample
   * CPUs, and where `fastCoreGap` says why there is no such figure.
   */
  readonly fastCoreSpeedup: number | null;
  /** Why a file with per-sample CPUs gives no speedup over the fastest core here, in words for a footnote; else null. */
  readonly fastCoreGap: string | null;
  /**
   * Where the run's speedup lies as the rounds saw it: each round's baseline median over the
   * executor's median in the same round (timed back to back), then roundsInterval over the rounds
   * (`rounds` of them, both sides having samples in each). Null for a baseline, with fewer than 2
   * such rounds, or without per-sample rounds (files from before they were recorded).
   */
  readonly roundSpeedups: { lo: number; hi: number; confidence: number; rounds: number; lowest: number; highest: number } | null;
  /** The machine's effective cores (machine.effectiveCores): more threads than these share cores. */
  readonly cores: number;
  /**
   * The ideal list-schedule speedup and the bound min(t, work / critical path) at min(threads,
   * cores): threads beyond the cores take turns on them, so no more than `cores` run at once and
   * the ideal at `threads` would claim a limit the machine cannot reach.
   */
  readonly ideal: number | null;
  /** The same from the declared footprints alone (bench/footprint-ideal.ts); null in files from before it was recorded. */
  readonly footprintIdeal: number | null;
  readonly bound: number | null;
  readonly efficiency: number | null;
  readonly reExecutionsPerTx: number;
  readonly failedValidationsPerTx: number;
  readonly peakRssBytes: number;
  readonly correct: boolean;
  readonly fallback: string;
  /**
   * The message of the failure that stopped the run part-way, or null: an executor that throws in
   * a timed round keeps the samples of its earlier rounds, and its failure names the run's
   * workload, executor and thread count (a throw before any sample leaves a failure but no run).
   */
  readonly stoppedBy: string | null;
  readonly run: RunRecord;
  /** The baseline run this run's speedups are over (the same workload and thread count); a baseline row's own run. */
  readonly baselineRun: RunRecord;
}

/** "p2p 100 accounts x 1000 txs" for generated blocks, the file name for block files: what a report shows unless two workloads share it. */
function workloadLabel(w: WorkloadRecord): string {
  const s = w.source;
  if (s.kind === 'file') return `${s.path.split(/[\\/]/).pop()!}${sharedNote(w)}`;
  const zipf = s.zipf === undefined ? '' : ` zipf ${s.zipf}`;
  return `${s.workload} ${s.accounts} acc × ${s.txs} tx${zipf}${sharedNote(w)}`;
}

/** Told apart from the same block given as a Map: bench --pre-state shared. */
const sharedNote = (w: WorkloadRecord): string => (w.source.preState === 'shared' ? ', shared pre-state' : '');

/** The short label with what it leaves out: the seed and hash cost of a generated block, a block file's whole path. */
function fullLabel(w: WorkloadRecord): string {
  const s = w.source;
  return s.kind === 'file' ? `${s.path}${sharedNote(w)}` : `${workloadLabel(w)} (seed ${s.seed}, hash cost ${s.hashCost})`;
}

/**
 * `text` with each workload id in it shown as its label: the results file keeps lines such as a
 * missing prediction's ("p2p-a2-t1000-s1-h3 at 2 threads: ...") by id, which a reader of the report
 * or the terminal, who sees the workloads by label everywhere else, cannot match. An id is replaced
 * only where it stands alone (not inside a longer id: "...-h3" and "...-h3-z1").
 */
export function withLabels(text: string, labels: ReadonlyMap<string, string>): string {
  const ids = [...labels.keys()].sort((a, b) => b.length - a.length);
  if (ids.length === 0) return text;
  const escaped = ids.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return text.replace(new RegExp(`(?<![\\w-])(?:${escaped.join('|')})(?![\\w-])`, 'g'), (id) => labels.get(id)!);
}

/**
 * A label per workload id, distinct for distinct ids: the short label where no other workload has
 * it, else the full one, and where even that is shared the short label with the id (ids are
 * unique). Reports key rows on the id but show the label, so two workloads (from two merged files)
 * that differ only in what the short label leaves out must not read as one.
 */
export function workloadLabels(workloads: Iterable<WorkloadRecord>): Map<string, string> {
  const records = new Map<string, WorkloadRecord>();
  for (const w of workloads) if (!records.has(w.id)) records.set(w.id, w);
  const labels = new Map([...records.values()].map((w) => [w.id, workloadLabel(w)]));
  for (const longer of [fullLabel, (w: WorkloadRecord) => `${workloadLabel(w)} (${w.id})`]) {
    const uses = new Map<string, number>();
    for (const l of labels.values()) uses.set(l, (uses.get(l) ?? 0) + 1);
    for (const [id, l] of labels) if (uses.get(l)! > 1) labels.set(id, longer(records.get(id)!));
  }
  return labels;
}

export function idealAt(w: WorkloadRecord, threads: number): { speedup: number; bound: number } | null {
  return w.ideal.points.find((p) => p.threads === threads) ?? null;
}

/** The footprint ideal's speedup at `threads`; null where the file has none there. */
function footprintIdealAt(w: WorkloadRecord, threads: number): number | null {
  return w.ideal.footprint?.points.find((p) => p.threads === threads)?.speedup ?? null;
}

/** Whether the run had more threads than the machine's effective cores, so its threads shared cores. */
export function oversubscribed(r: Row): boolean {
  return r.threads > r.cores;
}

/**
 * Whether the sequential executor ran some of the run's blocks: a share above 0, or a reason
 * without a share (files from before shares were recorded).
 */
export function fellBack(r: Row): boolean {
  return r.fallback !== '' && r.run.fallbackShare !== 0;
}

/** Round speedups further apart than this (highest over lowest) mark their speedup as unsteady: a quiet run's rounds agree within tens of percent. */
export const UNSTEADY = 2;

/** Whether a run's rounds disagree by more than UNSTEADY: its speedup, between them, is no figure to quote. */
export function unsteady(r: Row): boolean {
  const s = r.roundSpeedups;
  return s !== null && s.lowest > 0 && s.highest / s.lowest > UNSTEADY;
}

/** After a speedup quoted outside the results tables, where its rounds disagree (unsteady), so the quote carries the tables' warning. */
export function unsteadyMark(r: Row): string {
  return unsteady(r) ? ` ⚠ (its rounds more than ${UNSTEADY}x apart)` : '';
}

/** Whether the sequential executor ran every block of the run: it never ran in parallel. */
export function allSequential(r: Row): boolean {
  return r.role === 'executor' && r.run.fallbackShare === 1;
}

/**
 * Rounds the baseline needs on its fastest core before the speedup over it is shown: their median
 * then stands even if one round ran wild (with 2 rounds the median is their mean, and one round
 * with a baseline 5x slow made a 0.62x executor read 1.82x "over the fastest core").
 */
export const MIN_CORE_ROUNDS = 3;

/** Samples grouped by a per-sample tag (a CPU, a round), in ascending tag order. */
function groupedBy(samplesMs: readonly number[], tags: readonly number[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  samplesMs.forEach((ms, i) => {
    const list = groups.get(tags[i]!);
    if (list) list.push(ms);
    else groups.set(tags[i]!, [ms]);
  });
  return new Map([...groups].sort((a, b) => a[0] - b[0]));
}

/** The baseline's fastest core: the CPU, its rounds (in order) and the median of their medians. */
export interface FastestCore {
  readonly cpu: number;
  readonly rounds: readonly number[];
  readonly medianMs: number;
}

/** The CPU a core probe found the fastest, where it found a core below UNEQUAL_CORES of it; else null (cores alike, or not probed). */
function probedFastest(probe: CoreProbeRecord | undefined): number | null {
  if (probe === undefined || !('speeds' in probe) || !unequal(probe)) return null;
  return probe.speeds.cpus[probe.speeds.relative.indexOf(Math.max(...probe.speeds.relative))]!;
}

/**
 * The baseline's fastest core, or why there is none to compare against (`gap`, in words for a
 * footnote); null where the file has no CPU per sample. Each round counts once: the CPU is the one
 * whose rounds' medians have the lowest median, not whose pooled samples do, because tinybench
 * takes more samples in a fast round and a CPU's quiet rounds would outvote its slow ones. Where
 * the core probes before or after the sweep found another CPU clearly the fastest, the cores
 * changed speed during the run and no core was the fastest throughout: no figure, rather than one
 * over whichever CPU the noise favoured. The rounds on the chosen CPU are counted by the caller.
 */
export function fastestCore(baseline: RunRecord, cores: ResultsFile['cores']): FastestCore | { gap: string } | null {
  if (baseline.cpus === undefined) return null;
  if (baseline.rounds === undefined) {
    return { gap: 'this file does not name each sample\'s round, so the baseline\'s rounds on each CPU cannot be counted, and by samples alone a CPU\'s fast rounds, which take more samples, would outvote its slow ones.' };
  }
  // A round's CPU: bench pins a whole round to one, and records the one seen most after its samples.
  const cpuOf = new Map(baseline.rounds.map((round, i) => [round, baseline.cpus![i]!]));
  const roundsOf = new Map<number, { rounds: number[]; medians: number[] }>();
  for (const [round, m] of mediansByRound(baseline)!) {
    const cpu = cpuOf.get(round)!;
    const at = roundsOf.get(cpu) ?? { rounds: [], medians: [] };
    at.rounds.push(round);
    at.medians.push(m);
    roundsOf.set(cpu, at);
  }
  let best: FastestCore | null = null;
  for (const [cpu, { rounds, medians }] of roundsOf) {
    const m = median(medians);
    if (best === null || m < best.medianMs) best = { cpu, rounds, medianMs: m };
  }
  // Worded from the probes alone, so that every row of a file shares one footnote.
  const [start, end] = [cores?.start, cores?.end].map(probedFastest);
  // A CPU is the fastest only where the probes flag unequal cores or its rounds all beat every
  // other CPU's: chosen on a gap smaller than the rounds' own spread, it is a coin flip, and the
  // column then reads higher than the plain speedup as often as lower.
  const slowest = best === null ? Infinity : Math.max(...roundsOf.get(best.cpu)!.medians);
  const others = [...roundsOf].filter(([cpu]) => cpu !== best?.cpu).flatMap(([, at]) => at.medians);
  if (start === null && end === null && others.length > 0 && slowest >= Math.min(...others)) {
    const probes = cores === undefined ? 'the cores were not probed' : `the core probes found no core below ${UNEQUAL_CORES} of the fastest`;
    // Without the figures, so that every such row of a table shares one footnote.
    return { gap: `cores alike: ${probes}, and the baseline's round medians on one CPU overlap those on another, so no CPU was the faster; read the plain speedup.` };
  }
  const noFastest = 'so no core was the fastest throughout, and a figure over one would rest on whichever rounds the noise favoured.';
  if (start !== null && end !== null && start !== end) {
    return { gap: `the cores swapped speeds during the run: the core probes found cpu${start} clearly the fastest at the start and cpu${end} at the end, ${noFastest}` };
  }
  const probed = start ?? end;
  if (best !== null && probed !== null && probed !== best.cpu) {
    const when = start !== null && end !== null ? 'at both ends of the run' : start !== null ? 'at the start of the run' : 'at the end of the run';
    return { gap: `the core probe found cpu${probed} clearly the fastest ${when}, but the baseline's rounds ran fastest on another CPU: the cores changed speed during the run, ${noFastest}` };
  }
  return best;
}

/** A run's samples by round, in round order; null where the file does not name each sample's round. */
function samplesByRound(r: RunRecord): Map<number, number[]> | null {
  return r.rounds === undefined ? null : groupedBy(r.samplesMs, r.rounds);
}

/** Each round's median block time by round; null where the file does not name each sample's round. */
export function mediansByRound(r: RunRecord): Map<number, number> | null {
  const byRound = samplesByRound(r);
  return byRound === null ? null : new Map([...byRound].map(([round, xs]) => [round, median(xs)]));
}

/** The median of each round's samples, in round order; null where the file does not name each sample's round. */
export function roundMedians(r: RunRecord): number[] | null {
  const byRound = mediansByRound(r);
  return byRound === null ? null : [...byRound.values()];
}

/**
 * Per round present on both sides (and kept by `keep`), the baseline's median over the run's;
 * null without rounds on either side.
 */
export function perRoundSpeedups(baseline: RunRecord, run: RunRecord, keep: (round: number) => boolean = () => true): number[] | null {
  const [base, own] = [samplesByRound(baseline), samplesByRound(run)];
  if (base === null || own === null) return null;
  const speedups: number[] = [];
  for (const [round, samples] of own) {
    const b = base.get(round);
    if (b && keep(round)) speedups.push(median(b) / median(samples));
  }
  return speedups;
}

/** What every run of a workload and thread count is measured against: the baseline run, its median and its fastest core. */
interface Baseline {
  readonly run: RunRecord;
  readonly medianMs: number;
  readonly fastest: FastestCore | { gap: string } | null;
}

/**
 * The speedup over the baseline on its fastest core: the median of the per-round speedups of the
 * rounds the baseline ran on that CPU, as the speedup itself is taken, or why there is none (`gap`):
 * no fastest core (above), or fewer than MIN_CORE_ROUNDS of its rounds that the run timed too.
 * Null without CPUs (and for a baseline's own row).
 */
function fastCoreSpeedup({ run: baseline, fastest }: Baseline, run: RunRecord, pinned: number): { speedup: number } | { gap: string } | null {
  if (fastest === null || run.role === 'baseline') return null;
  if ('gap' in fastest) return fastest;
  const speedups = perRoundSpeedups(baseline, run, (round) => fastest.rounds.includes(round)) ?? [];
  if (speedups.length >= MIN_CORE_ROUNDS) return { speedup: median(speedups) };
  // bench pins the baseline to the `pinned` CPUs in turn, one round each (bench/sweep.ts roundPlan).
  const more = pinned > 1 ? `bench pins the baseline to its ${pinned} CPUs in turn, so --rounds ${MIN_CORE_ROUNDS * pinned} or more gives each CPU ${MIN_CORE_ROUNDS}` : 'more rounds (--rounds) give it more';
  return { gap: `fewer than ${MIN_CORE_ROUNDS} of the rounds both sides ran had the baseline on its fastest core, too few for a median that one wild round cannot move; ${more}.` };
}

/** One row per run (baselines included), in file order; `labels` names the workloads (merged files share one map). */
export function summarize(doc: ResultsFile, machine = doc.machine.label, labels = workloadLabels(doc.workloads)): Row[] {
  const workloads = new Map(doc.workloads.map((w) => [w.id, w]));
  const baselines = new Map<string, Baseline>();
  for (const r of doc.runs) {
    if (r.role === 'baseline') baselines.set(`${r.workload}@${r.threads}`, { run: r, medianMs: median(r.samplesMs), fastest: fastestCore(r, doc.cores) });
  }
  const failures = new Map(doc.failures.filter((f) => f.workload !== null).map((f) => [`${f.workload}\0${f.executor}@${f.threads}`, f.message]));
  return doc.runs.map((run): Row => {
    const workload = workloads.get(run.workload)!;
    const medianMs = median(run.samplesMs);
    const baseline = baselines.get(`${run.workload}@${run.threads}`)!;
    const rounds = run.role === 'executor' ? perRoundSpeedups(baseline.run, run) : null;
    // Paired round by round where the file names rounds: tinybench takes more samples in a fast
    // round, so pooled medians lean to the rounds where the machine ran fast, on either side.
    const speedup = rounds !== null && rounds.length > 0 ? median(rounds) : baseline.medianMs / medianMs;
    const cores = doc.machine.effectiveCores;
    const ideal = idealAt(workload, Math.min(run.threads, cores));
    const spread = rounds === null ? null : roundsInterval(rounds);
    const fast = fastCoreSpeedup(baseline, run, doc.settings.baselineCpus?.length ?? 0);
    return {
      machine, workload, label: labels.get(workload.id)!, executor: run.executor, threads: run.threads, role: run.role,
      samples: run.samplesMs.length, busySamples: run.busy.filter(Boolean).length,
      medianMs, interval: medianInterval(run.samplesMs),
      p50Ms: quantile(run.samplesMs, 0.5), p99Ms: quantile(run.samplesMs, 0.99),
      txPerSecond: workload.txs / (medianMs / 1000),
      speedup,
      fastCoreSpeedup: fast !== null && 'speedup' in fast ? fast.speedup : null,
      fastCoreGap: fast !== null && 'gap' in fast ? fast.gap : null,
      roundSpeedups: spread === null ? null : { ...spread, rounds: rounds!.length, lowest: Math.min(...rounds!), highest: Math.max(...rounds!) },
      cores, ideal: ideal?.speedup ?? null, footprintIdeal: footprintIdealAt(workload, Math.min(run.threads, cores)), bound: ideal?.bound ?? null,
      efficiency: ideal ? speedup / ideal.speedup : null,
      reExecutionsPerTx: run.perTx.reExecutions, failedValidationsPerTx: run.perTx.failedValidations,
      peakRssBytes: run.peakRssBytes, correct: run.correct, fallback: run.fallback,
      stoppedBy: run.role === 'executor' ? failures.get(`${run.workload}\0${run.executor}@${run.threads}`) ?? null : null, run,
      baselineRun: baseline.run,
    };
  });
}

/** The executor settings a results file records (bench's --modules and --partition, one or a list, and what trained its affinity), as options; '' when it ran with the defaults. */
export function executorSettingsText(doc: ResultsFile): string {
  const { modules, partitions, training } = doc.settings;
  const partition = partitions?.join(',') ?? doc.settings.partition;
  return [modules === undefined ? '' : `--modules ${modules}`, partition === undefined ? '' : `--partition ${partition}`, training ? trainingOptions(training) : ''].filter(Boolean).join(' ');
}
