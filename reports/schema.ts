// The results file: what `concord bench` writes and `report`/`compare` read (format
// "concord-results/1", documented in docs/results-schema.md). Samples are kept raw; every figure a
// report shows (throughput, speedup, efficiency, percentiles) is derived from them in one place
// (reports/summary.ts), so no figure is stored twice.
// Invariant: parseResults either returns a fully valid document (every cross-reference resolves,
// every sample list is non-empty and aligned with its busy flags, and what follows from other
// fields agrees with them: ideal bounds and work, block sizes, fallback reasons and shares, the
// thread counts and executors of the runs, start-ups and failures against the settings) or throws
// ResultsFileError naming the file and the field.

import { z } from 'zod';
import { MAX_CALL_MS, MIN_CALL_MS } from '../spec/call-time.js';
import { PER_TX_COUNTERS, type PerTxCounter } from '../spec/block.js';
import { describeValue, InputFileError, jsonPath, unshowable } from '../spec/messages.js';
import { parseStrictJson } from '../spec/strict-json.js';
import { plural } from '../spec/plural.js';
import { isModulePath } from '../impl/module-path.js';
import { isExecCommand } from '../impl/exec-executor.js';
import { issueWords } from './issue-words.js';
import { labelPartition } from './partitions.js';

export const RESULTS_FORMAT = 'concord-results/1';

export class ResultsFileError extends InputFileError {
  static {
    this.prototype.name = 'ResultsFileError';
  }

  /** Where in the file, as a path of fields (`runs[2].samplesMs[1]`). */
  get field(): string {
    return this.where;
  }
}

const count = z.number().int().nonnegative();
const positive = z.number().positive();
/** A timed call's milliseconds (spec/call-time.ts). */
const callMs = z.number().min(MIN_CALL_MS, `expected a time from ${MIN_CALL_MS} ms (0.1 us, the precision results keep)`).max(MAX_CALL_MS, `expected a time up to ${MAX_CALL_MS} ms (a day, the longest --timeout)`);
const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const threads = z.number().int().min(1);

/** Longest machine label `bench --label` takes: a report's column header and a chart's legend entry hold it whole. */
export const MAX_LABEL = 80;

/** The facts the label bench makes up is built from. */
interface LabelFacts {
  readonly cpuModel: string;
  readonly cpuFamily: number | null;
  readonly cpuModelNumber: number | null;
  readonly effectiveCores: number;
  readonly memoryBytes: number;
  readonly node: string;
}

/** The label bench gives a machine without --label: its CPU, effective cores, memory and Node version. */
export function madeUpLabel(m: LabelFacts): string {
  const family = m.cpuFamily !== null && m.cpuModelNumber !== null ? ` (family ${m.cpuFamily} model ${m.cpuModelNumber})` : '';
  return `${m.cpuModel}${family}, ${m.effectiveCores} cores, ${Math.round(m.memoryBytes / 2 ** 30)} GiB, Node ${m.node}`;
}

/**
 * Why `label` cannot name a machine, in words, or null: blank, a character that breaks or
 * reorders its line, or over MAX_LABEL characters. `bench --label` and this schema both ask here,
 * so report and compare refuse what bench would. `madeUp`: the label is the one bench made up
 * (madeUpLabel), which no length limit has ever held to: a long CPU model name makes it longer,
 * and bench's own files must stay readable.
 */
export function labelProblem(label: string, madeUp = false): string | null {
  if (label.trim() === '') return 'empty; give the name that tells this machine apart in report and compare';
  const bad = unshowable(label);
  if (bad) return `${bad}; the label heads report columns and chart legends on one line: leave it out`;
  if (!madeUp && label.length > MAX_LABEL) return `at most ${MAX_LABEL} characters (it heads report columns and chart legends), got ${label.length}`;
  return null;
}

const Machine = z.strictObject({
  label: z.string(),
  cpuModel: z.string(),
  cpuFamily: z.number().nullable(),
  cpuModelNumber: z.number().nullable(),
  cpuStepping: z.number().nullable(),
  cpuMhz: z.number().nullable(),
  logicalCpus: count,
  availableParallelism: count,
  cgroupCpuMax: z.string().nullable(),
  effectiveCores: threads,
  memoryBytes: count,
  node: z.string(),
  v8: z.string(),
  os: z.string(),
}).superRefine((m, ctx) => {
  const problem = labelProblem(m.label, m.label === madeUpLabel(m));
  if (problem !== null) ctx.addIssue({ code: 'custom', path: ['label'], message: problem });
});

const Load = z.tuple([finite, finite, finite]);

/** bench/core-speeds.ts: each CPU's speed alone, or why it could not be measured. */
const CoreProbe = z.union([
  z.strictObject({
    speeds: z.strictObject({
      method: z.literal('taskset'),
      workload: z.string().min(1),
      cpus: z.array(count).min(1),
      medianMs: z.array(callMs).min(1),
      relative: z.array(z.number().positive().max(1)).min(1),
      /** bench/core-latency.ts: cache-line round trips from the first CPU to each other one; absent in older files. */
      crossCore: z.strictObject({
        method: z.literal('ping-pong'),
        pairs: z.array(z.tuple([count, count])).min(1),
        roundTripNs: z.array(positive).min(1),
      }).refine((c) => c.roundTripNs.length === c.pairs.length, 'crossCore needs one round trip per pair').optional(),
    }).refine((s) => s.medianMs.length === s.cpus.length && s.relative.length === s.cpus.length, 'cpus, medianMs and relative must have one entry per CPU'),
  }),
  z.strictObject({ unavailable: z.string().min(1) }),
]);

const Noise = z.strictObject({
  loadBefore: Load,
  loadAfter: Load,
  /** Other processes' CPU in cores, averaged over every measured round; null without /proc/stat. */
  foreignCores: z.number().nonnegative().nullable(),
  stealFraction: z.number().min(0).max(1).nullable(),
  busyThresholdCores: z.number().nonnegative(),
  busyRounds: count,
  rounds: count,
  /** Per workload and parallel thread count, the cache-line round trip between two threads before each round (bench/round-trip.ts); absent in older files. */
  roundTrips: z.array(z.strictObject({ workload: z.string().min(1), threads, ns: z.array(positive.nullable()).min(1) })).optional(),
});

const Source = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('generated'),
    workload: z.string().min(1),
    accounts: z.number().int().min(1),
    txs: count,
    seed: count,
    hashCost: count,
    zipf: z.number().nonnegative().optional(),
    preState: z.literal('shared').optional(),
  }),
  z.strictObject({ kind: z.literal('file'), path: z.string().min(1), preState: z.literal('shared').optional() }),
]);

const IdealPoint = z.strictObject({ threads, speedup: positive, bound: positive });

const Workload = z.strictObject({
  id: z.string().min(1),
  /** Which family of charts and tables the workload belongs to ("Block-STM p2p grid", "contract mixes", ...). */
  group: z.string().min(1),
  source: Source,
  /** 0 only in a file of a bench from before it refused empty blocks, which still reads. */
  txs: count,
  gasUsed: count,
  ideal: z.strictObject({
    work: count,
    criticalPath: count,
    edges: count,
    points: z.array(IdealPoint).min(1),
    /** The ideal of a scheduler that knows only the declared footprints (bench/footprint-ideal.ts); absent in older files. */
    footprint: z.strictObject({ criticalPath: count, edges: count, points: z.array(IdealPoint).min(1) }).optional(),
  }),
});

const share = z.number().min(0).max(1);

/**
 * The modular executor's affinity placement, trained once before the sweep, untimed (`bench
 * --train N`, `--train-on FILE...`): its affinity runs placed every block with it instead of
 * learning each block's, and paid no placement in their block times (stats.partitionMs).
 */
export const Training = z.strictObject({
  /** Blocks and transactions of the sample. */
  blocks: z.number().int().min(1),
  txs: z.number().int().min(1),
  /** --train: the measured workload's generator at the seeds firstSeed .. firstSeed + blocks - 1, those after its own. */
  firstSeed: count.optional(),
  /** --train: the generator and its parameters (the seeds aside); absent in older files, whose sample is the measured workload's. */
  workload: z.strictObject({
    name: z.string().min(1), accounts: z.number().int().min(1), txs: z.number().int().min(1), hashCost: count, zipf: z.number().nonnegative().optional(),
  }).optional(),
  /** --train-on: the block files, as given. */
  files: z.array(z.string().min(1)).min(1).optional(),
  /** --train-on: each file's block digest (spec/block-file.ts blockDigest), as files lists them; absent in older files. */
  fileDigests: z.array(z.string().regex(/^[0-9a-f]{12}$/, 'expected 12 hex digits (a block digest)')).min(1).optional(),
  /** The module count it was trained for: the executor's. */
  modules: z.number().int().min(1),
  /** Entities it places; the others go by hash. */
  entities: count,
  /** Training's own time (the sample's access map and the placement), in ms; generating or reading the sample is not in it. */
  ms: z.number().nonnegative(),
  /** Whether the placement learned from co-occurrence was kept; false: on its sample it crossed modules more often than hash's (or overloaded a module), and hash's was kept. */
  learned: z.boolean(),
  /** On the sample: the share of its transactions that cross modules with the placement kept, and with hash's. */
  crossShare: share,
  hashCrossShare: share,
  /**
   * The placement file this placement was read from (`--placement FILE`: use "read", and the
   * fields above are the file's, as it was trained then) or saved to (`--save-placement FILE`:
   * "saved"), with the sha256 of its bytes; absent: neither.
   */
  file: z.strictObject({ path: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits (a sha256)'), use: z.enum(['read', 'saved']) }).optional(),
});

export type TrainingRecord = z.infer<typeof Training>;

const Startup = z.strictObject({ executor: z.string().min(1), threads, createMs: z.number().nonnegative(), firstBlockMs: z.number().nonnegative() });

/**
 * Each counter every result counts (spec/block.ts PER_TX_COUNTERS), as a mean per transaction;
 * statsProblem there holds each result's to a count, so that bench's means are what this takes.
 */
const PerTx = z.strictObject(Object.fromEntries(PER_TX_COUNTERS.map((k) => [k, z.number().nonnegative()])) as Record<PerTxCounter, z.ZodNumber>);

const Run = z.strictObject({
  workload: z.string().min(1),
  executor: z.string().min(1),
  threads,
  /** 'baseline': settings.baseline (the fast sequential executor by default), interleaved round by round with the executors at the same thread count. */
  role: z.enum(['baseline', 'executor']),
  samplesMs: z.array(callMs).min(1),
  busy: z.array(z.boolean()),
  perTx: PerTx,
  peakRssBytes: count,
  /** An exec: engine's own processes' peak resident memory (VmHWM summed over its process tree); absent for any other executor and in older files. */
  enginePeakRssBytes: count.optional(),
  correct: z.boolean(),
  /**
   * How many calls of the run bench held to the reference: every one it made on the block
   * (bench/sweep.ts CallPlace). Optional: older files, which checked a few, lack it.
   */
  checkedCalls: z.number().int().positive().optional(),
  /** Where correct is false: the call into the executor instance whose result first differed. Optional: older files lack it. */
  wrongCall: z.number().int().positive().optional(),
  /** Where correct is false: where that call was made (bench/sweep.ts CallPlace). Optional: older files lack it. */
  wrongAt: z.union([
    z.strictObject({ stage: z.enum(['cold', 'first']) }),
    z.strictObject({ stage: z.enum(['warm-up', 'timed']), round: count, index: z.number().int().positive() }),
  ]).optional(),
  /** Where correct is false: how many of the checked calls differed from the reference. Optional: older files lack it. */
  differingCalls: z.number().int().positive().optional(),
  fallback: z.string(),
  /**
   * The executor's own numeric statistics (BlockResult.stats beyond perTx's counters), mean per
   * block. Optional, like fallbackShare: files written before they were recorded still parse.
   */
  detail: z.record(z.string(), finite).optional(),
  /** The share of the run's blocks the executor finished sequentially. */
  fallbackShare: z.number().min(0).max(1).optional(),
  /** Baseline runs: per sample, the CPU its round mostly ran on. Optional: older files lack it. */
  cpus: z.array(count).optional(),
  /** Per sample, the round (from 0) it was timed in. Optional: older files lack it. */
  rounds: z.array(count).optional(),
  /**
   * 'engine': samplesMs are an exec: engine's own times (its answers' stats.executeMs), without
   * the requests and answers crossing between the processes. Absent: each execute() call timed whole.
   */
  timing: z.literal('engine').optional(),
});

const Simulated = z.strictObject({
  workload: z.string().min(1),
  executor: z.string().min(1),
  threads,
  speedup: positive,
  /** How the cost model was calibrated, in words. */
  model: z.string(),
  /** Whether its cost per handover was fitted to a measured 2-thread run (files from before it say so only in `model`). */
  handoverFitted: z.boolean().optional(),
  /** The modular executor's modules (its lanes) at that thread count. */
  modules: z.number().int().positive().optional(),
});

type IdealPointRecord = z.infer<typeof IdealPoint>;

/** Two figures a results file holds as computed from the same numbers: equal but for the last bits of a double. */
const same = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

/**
 * Where an ideal contradicts its own numbers (bench/ideal.ts idealFromGraph), as issues at `at`:
 * a critical path outside 1..work (0 for a block without work: any transaction with gas is a
 * chain of its own); a point whose bound is not min(threads, work / criticalPath) (1 without
 * work); a speedup above that bound (no schedule beats it) or below 1 (a list schedule is never
 * slower than one worker). `work` is the block's, which the footprint ideal shares.
 */
function idealIssues(ctx: z.RefinementCtx, at: (string | number)[], work: number, criticalPath: number, points: readonly IdealPointRecord[]): void {
  // One point per thread count (bench/ideal.ts idealFromGraph maps each count it is given once): a
  // report reads the ideal at a count by looking it up, so a second one would be silently ignored.
  const firstAt = new Map<number, number>();
  points.forEach((p, j) => {
    const first = firstAt.get(p.threads);
    if (first === undefined) firstAt.set(p.threads, j);
    else ctx.addIssue({ code: 'custom', path: [...at, 'points', j, 'threads'], message: `${plural(p.threads, 'thread')} again: points[${first}] is the point there already` });
  });
  if (work > 0 ? criticalPath < 1 || criticalPath > work : criticalPath !== 0) {
    const range = work > 0 ? `from 1 to work (${work})` : '0, as work is';
    ctx.addIssue({ code: 'custom', path: [...at, 'criticalPath'], message: `the gas along the longest chain lies ${range}, got ${criticalPath}` });
    return;
  }
  points.forEach((p, j) => {
    const bound = work === 0 ? 1 : Math.min(p.threads, work / criticalPath);
    const where = [...at, 'points', j];
    if (!same(p.bound, bound)) {
      ctx.addIssue({ code: 'custom', path: [...where, 'bound'], message: `must be min(threads, work / criticalPath) = ${Number(bound.toPrecision(6))} at ${plural(p.threads, 'thread')}, got ${p.bound}` });
    } else if (p.speedup > p.bound && !same(p.speedup, p.bound)) {
      ctx.addIssue({ code: 'custom', path: [...where, 'speedup'], message: `${p.speedup} is above the point's bound ${p.bound} (min(threads, work / criticalPath)), which no schedule beats` });
    } else if (p.speedup < 1 && !same(p.speedup, 1)) {
      ctx.addIssue({ code: 'custom', path: [...where, 'speedup'], message: `${p.speedup} is below 1: a list schedule on ${plural(p.threads, 'worker')} is never slower than one` });
    }
  });
}

/**
 * The labels of executor runs, start-ups and failures (`labels`) that settings.executors cannot
 * account for. Each entry names its runs as given, but a module path (bench/sweep.ts runLabels)
 * by the name its module declares, which the file does not record, or `NAME (PATH)`, and an exec:
 * command the same where its engine's answers declare a name. A label that is neither an entry nor
 * `NAME (PATH)` of a module or exec: entry may be one such entry's declared name, one per entry left
 * over; the labels beyond those are executors the sweep was never given. An entry measured once
 * per partition (settings.partitions) names its runs `ENTRY (PARTITION)`.
 */
function unlistedExecutors(executors: readonly string[], labels: readonly string[], partitions: readonly string[] | undefined): Set<string> {
  const listed = new Set(executors);
  const modules = new Set(executors.filter((e) => isModulePath(e) || isExecCommand(e)));
  const unexplained: string[] = [];
  for (const label of new Set(labels)) {
    if (listed.has(label) || listed.has(labelPartition(label, partitions)?.executor ?? '')) continue;
    const path = /^.+ \((.+)\)$/.exec(label)?.[1];
    if (path !== undefined && modules.has(path)) modules.delete(path);
    else unexplained.push(label);
  }
  return new Set(unexplained.slice(modules.size));
}

/** Why an executor's label is not one settings.executors accounts for (unlistedExecutors), as runs, start-ups and failures say it. */
function unlistedWords(label: string, executors: readonly string[]): string {
  const kinds = [executors.some(isModulePath) ? 'modules' : '', executors.some(isExecCommand) ? 'exec: engines' : ''].filter(Boolean).join(' or ');
  const modules = kinds === '' ? '' : `, nor a name one of its ${kinds} can declare (each names one executor)`;
  return `"${label}" is not in settings.executors (${executors.join(', ') || 'none'})${modules}`;
}

/** Why `threads` is no thread count of the sweep's: bench runs, starts and closes executors at each count settings.threads holds, and no other. */
function unsweptThreads(threads: number, swept: readonly number[]): string {
  return `${threads}, a thread count settings.threads (${swept.join(', ')}) does not hold`;
}

/**
 * Where a training's sample contradicts itself, each said through `at` (a field of the training,
 * a problem): generated or read from files, one file a block, a digest a file, a generator only
 * for a generated one. A results file's training and a placement file's (cli/placement-file.ts) are held to it.
 */
export function sampleIssues(t: Pick<TrainingRecord, 'blocks' | 'firstSeed' | 'files' | 'fileDigests' | 'workload'>, at: (field: string, message: string) => void): void {
  if ((t.firstSeed === undefined) === (t.files === undefined)) at('files', 'a sample is generated (firstSeed) or read from block files (files): give one of them');
  if (t.files !== undefined && t.files.length !== t.blocks) at('files', `${plural(t.files.length, 'file')} for ${plural(t.blocks, 'block')}`);
  if (t.fileDigests !== undefined && t.fileDigests.length !== (t.files?.length ?? 0)) at('fileDigests', `${plural(t.fileDigests.length, 'digest')} for ${plural(t.files?.length ?? 0, 'file')}`);
  if (t.workload !== undefined && t.firstSeed === undefined) at('workload', 'a generator beside a sample read from block files (files)');
}

/** What a results file's training must agree with: its sample, the partitions, the module count and the one workload bench trains for. */
function trainingIssues(ctx: z.RefinementCtx, t: TrainingRecord, doc: { settings: { partition?: string | undefined; partitions?: string[] | undefined; modules?: number | undefined }; workloads: { source: z.infer<typeof Source> }[] }): void {
  const at = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: ['settings', 'training', field], message });
  sampleIssues(t, at);
  const { partition, partitions, modules } = doc.settings;
  if (!(partitions ?? [partition]).includes('affinity')) {
    at('blocks', `a placement is the affinity partition's, but the sweep ran ${partitions?.join(', ') ?? partition ?? 'the default partition'}`);
  }
  if (modules !== undefined && modules !== t.modules) at('modules', `${t.modules}, but settings.modules is ${modules}: the placement is trained for the executor's modules`);
  if (doc.workloads.length !== 1) at('blocks', `a placement is trained for one workload's blocks, and the file has ${doc.workloads.length}`);
  const source = doc.workloads[0]?.source;
  // A placement read from a file was trained wherever it was trained: its seeds are not the measured workload's.
  if (t.file?.use !== 'read' && t.firstSeed !== undefined && source !== undefined && !(source.kind === 'generated' && t.firstSeed === source.seed + 1)) {
    at('firstSeed', source.kind === 'generated' ? `${t.firstSeed}, but the seeds after the workload's ${source.seed} start at ${source.seed + 1}` : 'a generated sample, but the workload is a block file');
  }
}

export const ResultsSchema = z
  .strictObject({
    format: z.literal(RESULTS_FORMAT),
    createdAt: z.iso.datetime(),
    concordVersion: z.string(),
    /** The commit of the checkout bench ran from (cli/version.ts concordCommit); absent from an installed package and from older files. */
    concordCommit: z.string().regex(/^[0-9a-f]{12}(\+changes)?$/).optional(),
    command: z.array(z.string()),
    settings: z.strictObject({
      quick: z.boolean(),
      threads: z.array(threads).min(1),
      executors: z.array(z.string().min(1)),
      /** What every speedup is measured against: 'sequential' (Concord's own), or `bench --baseline`'s executor. */
      baseline: z.string().min(1),
      /**
       * The thread count the baseline's execute() was given, whatever the runs it was timed beside
       * (`bench --baseline` other than sequential: 1). Absent: the run's own count, which Concord's
       * sequential executor ignores.
       */
      baselineThreads: z.literal(1).optional(),
      /**
       * The module path `bench --baseline` gave, where `baseline` is the name the module declares.
       * Absent for any other baseline, and in older files, whose `baseline` held that path: compare
       * reads the two as one baseline (reports/baseline.ts sameBaseline).
       */
      baselinePath: z.string().min(1).optional(),
      /**
       * What bench left out, and why, because the baseline is not Concord's sequential executor
       * (pinning, the fastest-core figure, predictions). Absent for that executor.
       */
      baselineNotes: z.array(z.string().min(1)).optional(),
      rounds: z.number().int().min(1),
      roundMs: positive,
      /**
       * The CPUs the baseline's main thread was pinned to, by `baselinePinning`'s rule; empty: not
       * pinned. Optional: older files lack it.
       */
      baselineCpus: z.array(count).optional(),
      /**
       * How rounds were pinned: 'each-round', round r on baselineCpus[r % length] (bench/sweep.ts
       * roundPlan). Absent: files from before it was recorded, which pinned rounds 2k and 2k + 1 on
       * [k % length] from 2026-11-30 22:03 UTC and round r on [r % length] before.
       */
      baselinePinning: z.literal('each-round').optional(),
      /** --modules and --partition as given; absent: the executors' defaults. */
      modules: count.optional(),
      partition: z.string().min(1).optional(),
      /**
       * --partition's list (`hash,affinity`), in its order, in place of `partition`: each executor
       * that takes a partition was measured once per partition in the sweep, its runs, start-ups
       * and failures labelled `EXECUTOR (PARTITION)` (reports/partitions.ts). Absent: one partition at most.
       */
      partitions: z.array(z.string().min(1)).min(2).optional(),
      /** Where the affinity partition (alone, or the one of settings.partitions) was trained on a sample first; absent: learned from each block, or no affinity. */
      training: Training.optional(),
    }),
    machine: Machine,
    noise: Noise,
    /** Per-core speeds at the start and the end of the sweep; absent in files written before they were measured. */
    cores: z.strictObject({ start: CoreProbe, end: CoreProbe }).optional(),
    /**
     * The machine's ceiling at each parallel thread count the sweep ran within the effective cores,
     * and at the effective cores where it ran a count above them (files from before 2026-12-03
     * measured none there) (bench/ceiling.ts): T workers each running the sequential executor on
     * one T-th of `workload`, nothing shared, over the fastest of them on all of it. Absent in
     * older files and where no thread count above 1 was run, or the machine has one core.
     */
    ceilings: z.array(z.strictObject({
      threads: z.number().int().min(2),
      workload: z.string().min(1),
      oneMs: callMs,
      partsMs: callMs,
      ratio: positive,
      /** The same measured again after the sweep; absent in files written before it was. */
      end: z.strictObject({ oneMs: callMs, partsMs: callMs, ratio: positive }).optional(),
    })).min(1).optional(),
    workloads: z.array(Workload),
    startup: z.array(Startup),
    runs: z.array(Run),
    /** Executors that failed to start or threw on a block: reported, never silently dropped. */
    /**
     * `call`: where the failure was a call into the executor on a workload's block, that call's
     * number on its instance (from 1, counted as runs' wrongCall is), so a `concord run --repeat`
     * can make as many. Optional: older files and failures of no call (loading, close()) lack it.
     */
    failures: z.array(z.strictObject({ executor: z.string().min(1), threads, workload: z.string().nullable(), message: z.string(), call: z.number().int().positive().optional() })),
    simulated: z.array(Simulated),
    /** Why predictions are missing (nothing to calibrate from, a run past its step budget, ...); empty when none is. */
    simulatedGaps: z.array(z.string()),
    /**
     * Why the sweep stopped part-way (a call into an executor that never settled, a signal): what
     * it holds was measured before that, and every workload and thread count whose rounds had not
     * all run is missing. Absent: the sweep ran to its end.
     */
    stopped: z.string().min(1).optional(),
  })
  .superRefine((doc, ctx) => {
    const ids = new Set<string>();
    doc.workloads.forEach((w, i) => {
      if (ids.has(w.id)) ctx.addIssue({ code: 'custom', path: ['workloads', i, 'id'], message: `duplicate workload id "${w.id}"` });
      ids.add(w.id);
      if (w.source.kind === 'generated' && w.source.txs !== w.txs) {
        ctx.addIssue({ code: 'custom', path: ['workloads', i, 'txs'], message: `${plural(w.txs, 'transaction')}, but the generator was asked for ${w.source.txs} (source.txs)` });
      }
      // bench/sweep.ts takes both from the same block: the ideal's work is each transaction's gas in
      // the reference run (bench/ideal.ts collectAccesses, which skips past the block's gas limit
      // as the reference does), and gasUsed is that run's total.
      if (w.ideal.work !== w.gasUsed) {
        ctx.addIssue({ code: 'custom', path: ['workloads', i, 'ideal', 'work'], message: `${w.ideal.work}, but gasUsed is ${w.gasUsed}: both are the gas of the block's reference run` });
      }
      idealIssues(ctx, ['workloads', i, 'ideal'], w.ideal.work, w.ideal.criticalPath, w.ideal.points);
      if (w.ideal.footprint) idealIssues(ctx, ['workloads', i, 'ideal', 'footprint'], w.ideal.work, w.ideal.footprint.criticalPath, w.ideal.footprint.points);
    });
    // A failure by the baseline is named as its runs are (bench/sweep.ts baselineLabel); any other
    // label, a start-up's and a failure's as an executor run's: by its entry in settings.executors,
    // or by the name its module declares (a module that did not load is named by its path). The
    // runs' labels go first, so that a label only a start-up or failure bears is the one named.
    const failed = doc.failures.filter((f) => f.executor !== doc.settings.baseline).map((f) => f.executor);
    const { partition, partitions } = doc.settings;
    if (partitions !== undefined && partition !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['settings', 'partitions'], message: `lists the partitions measured, but settings.partition ("${partition}") gives one: a sweep has one or the other` });
    }
    const twice = partitions?.findIndex((p, i) => partitions.indexOf(p) !== i) ?? -1;
    if (twice >= 0) ctx.addIssue({ code: 'custom', path: ['settings', 'partitions', twice], message: `"${partitions![twice]}" again: each partition is measured once` });
    if (doc.settings.training) trainingIssues(ctx, doc.settings.training, doc);
    const unlisted = unlistedExecutors(doc.settings.executors, [...doc.runs.filter((r) => r.role === 'executor').map((r) => r.executor), ...doc.startup.map((s) => s.executor), ...failed], partitions);
    const baselines = new Set(doc.runs.filter((r) => r.role === 'baseline').map((r) => `${r.workload}@${r.threads}`));
    doc.runs.forEach((r, i) => {
      if (!ids.has(r.workload)) ctx.addIssue({ code: 'custom', path: ['runs', i, 'workload'], message: `no workload with id "${r.workload}"` });
      if (r.busy.length !== r.samplesMs.length) {
        ctx.addIssue({ code: 'custom', path: ['runs', i, 'busy'], message: `has ${r.busy.length} flags for ${r.samplesMs.length} samples` });
      }
      if (r.cpus !== undefined && r.cpus.length !== r.samplesMs.length) {
        ctx.addIssue({ code: 'custom', path: ['runs', i, 'cpus'], message: `has ${r.cpus.length} CPUs for ${r.samplesMs.length} samples` });
      }
      if (r.rounds !== undefined && r.rounds.length !== r.samplesMs.length) {
        ctx.addIssue({ code: 'custom', path: ['runs', i, 'rounds'], message: `has ${r.rounds.length} round numbers for ${r.samplesMs.length} samples` });
      }
      const beyond = r.rounds?.find((round) => round >= doc.settings.rounds);
      if (beyond !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['runs', i, 'rounds'], message: `names round ${beyond}, but settings.rounds is ${doc.settings.rounds} (rounds count from 0)` });
      }
      // bench times every executor and its baseline at each thread count it was given, and no other.
      if (!doc.settings.threads.includes(r.threads)) {
        ctx.addIssue({ code: 'custom', path: ['runs', i, 'threads'], message: unsweptThreads(r.threads, doc.settings.threads) });
      }
      if (r.role === 'baseline' && r.executor !== doc.settings.baseline) {
        ctx.addIssue({ code: 'custom', path: ['runs', i, 'executor'], message: `a baseline run by "${r.executor}", but settings.baseline is "${doc.settings.baseline}"` });
      }
      if (r.role === 'executor' && unlisted.has(r.executor)) {
        ctx.addIssue({ code: 'custom', path: ['runs', i, 'executor'], message: unlistedWords(r.executor, doc.settings.executors) });
      }
      // bench records both from the same timed blocks: a reason exactly where some block fell back.
      if (r.fallbackShare !== undefined && (r.fallbackShare > 0) !== (r.fallback !== '')) {
        const message = r.fallback === ''
          ? `gives no reason (''), but fallbackShare says ${r.fallbackShare} of the run's blocks went to the sequential executor`
          : 'is 0, but fallback gives a reason, which bench records only from a block that went to the sequential executor';
        ctx.addIssue({ code: 'custom', path: ['runs', i, r.fallback === '' ? 'fallback' : 'fallbackShare'], message });
      }
      if (r.wrongCall !== undefined && r.correct) {
        ctx.addIssue({ code: 'custom', path: ['runs', i, 'wrongCall'], message: `names call ${r.wrongCall} as differing from the reference, but the run is correct` });
      }
      if (r.correct && (r.wrongAt !== undefined || r.differingCalls !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['runs', i, r.wrongAt !== undefined ? 'wrongAt' : 'differingCalls'], message: 'says where or how often the run differed from the reference, but the run is correct' });
      }
      if (r.differingCalls !== undefined && r.checkedCalls !== undefined && r.differingCalls > r.checkedCalls) {
        ctx.addIssue({ code: 'custom', path: ['runs', i, 'differingCalls'], message: `is ${r.differingCalls}, more than the ${r.checkedCalls} checkedCalls` });
      }
      if (r.wrongAt !== undefined && 'round' in r.wrongAt && r.wrongAt.round >= doc.settings.rounds) {
        ctx.addIssue({ code: 'custom', path: ['runs', i, 'wrongAt', 'round'], message: `names round ${r.wrongAt.round}, but settings.rounds is ${doc.settings.rounds} (rounds count from 0)` });
      }
      if (r.role === 'executor' && !baselines.has(`${r.workload}@${r.threads}`)) {
        ctx.addIssue({ code: 'custom', path: ['runs', i], message: `no baseline run for workload "${r.workload}" at ${plural(r.threads, 'thread')}` });
      }
    });
    // report and compare look a run up by these four; a second entry would be silently ignored.
    const runIndex = new Map<string, number>();
    doc.runs.forEach((r, i) => {
      const id = JSON.stringify([r.workload, r.executor, r.threads, r.role]);
      const first = runIndex.get(id);
      if (first === undefined) runIndex.set(id, i);
      else ctx.addIssue({ code: 'custom', path: ['runs', i], message: `duplicates runs[${first}] (${r.workload}, ${r.executor}, ${plural(r.threads, 'thread')}, ${r.role})` });
    });
    doc.startup.forEach((s, i) => {
      if (!doc.settings.threads.includes(s.threads)) ctx.addIssue({ code: 'custom', path: ['startup', i, 'threads'], message: unsweptThreads(s.threads, doc.settings.threads) });
      if (unlisted.has(s.executor)) ctx.addIssue({ code: 'custom', path: ['startup', i, 'executor'], message: unlistedWords(s.executor, doc.settings.executors) });
    });
    doc.failures.forEach((f, i) => {
      if (f.workload !== null && !ids.has(f.workload)) ctx.addIssue({ code: 'custom', path: ['failures', i, 'workload'], message: `no workload with id "${f.workload}"` });
      if (!doc.settings.threads.includes(f.threads)) ctx.addIssue({ code: 'custom', path: ['failures', i, 'threads'], message: unsweptThreads(f.threads, doc.settings.threads) });
      if (f.executor !== doc.settings.baseline && unlisted.has(f.executor)) {
        ctx.addIssue({ code: 'custom', path: ['failures', i, 'executor'], message: `${unlistedWords(f.executor, doc.settings.executors)}, and is not settings.baseline ("${doc.settings.baseline}")` });
      }
    });
    doc.simulated.forEach((s, i) => {
      if (!ids.has(s.workload)) ctx.addIssue({ code: 'custom', path: ['simulated', i, 'workload'], message: `no workload with id "${s.workload}"` });
    });
    // Probes before a sweep's parallel rounds: one entry per workload and thread count it ran, no more probes than rounds.
    const trips = new Map<string, number>();
    doc.noise.roundTrips?.forEach((r, i) => {
      const at = ['noise', 'roundTrips', i];
      if (!ids.has(r.workload)) ctx.addIssue({ code: 'custom', path: [...at, 'workload'], message: `no workload with id "${r.workload}"` });
      if (r.threads < 2 || !doc.settings.threads.includes(r.threads)) {
        ctx.addIssue({ code: 'custom', path: [...at, 'threads'], message: `probes only precede rounds at a thread count above 1 that settings.threads holds (${doc.settings.threads.join(', ')}), got ${r.threads}` });
      }
      if (r.ns.length > doc.settings.rounds) ctx.addIssue({ code: 'custom', path: [...at, 'ns'], message: `has ${r.ns.length} probes, but settings.rounds is ${doc.settings.rounds} (one probe a round)` });
      const id = `${r.workload}@${r.threads}`;
      const first = trips.get(id);
      if (first === undefined) trips.set(id, i);
      else ctx.addIssue({ code: 'custom', path: at, message: `duplicates noise.roundTrips[${first}] (${r.workload}, ${plural(r.threads, 'thread')})` });
    });
    // A ceiling is measured at a thread count the sweep ran within the cores, or at the cores for
    // the counts above them (bench/ceiling.ts ceilingThreads), once, and its ratio is its two times' quotient.
    const ceilingAt = new Map<number, number>();
    const cores = doc.machine.effectiveCores;
    doc.ceilings?.forEach((c, i) => {
      if (!doc.settings.threads.some((t) => Math.min(t, cores) === c.threads)) {
        ctx.addIssue({ code: 'custom', path: ['ceilings', i, 'threads'], message: `a ceiling is measured at a thread count settings.threads holds (${doc.settings.threads.join(', ')}) within the machine's ${plural(cores, 'effective core')}, or at the cores for a count above them, got ${c.threads}` });
      }
      const measured: { m: { oneMs: number; partsMs: number; ratio: number }; where: string[] }[] = [{ m: c, where: [] }, ...(c.end ? [{ m: c.end, where: ['end'] }] : [])];
      for (const { m, where } of measured) {
        if (Math.abs(m.ratio - m.oneMs / m.partsMs) > 1e-9 * m.ratio) {
          ctx.addIssue({ code: 'custom', path: ['ceilings', i, ...where, 'ratio'], message: `must be oneMs / partsMs (${(m.oneMs / m.partsMs).toPrecision(6)}), got ${m.ratio}` });
        }
      }
      const first = ceilingAt.get(c.threads);
      if (first === undefined) ceilingAt.set(c.threads, i);
      else ctx.addIssue({ code: 'custom', path: ['ceilings', i], message: `duplicates ceilings[${first}] (${plural(c.threads, 'thread')})` });
    });
  });

export type ResultsFile = z.infer<typeof ResultsSchema>;
export type RunRecord = ResultsFile['runs'][number];
export type WorkloadRecord = ResultsFile['workloads'][number];
export type MachineRecord = ResultsFile['machine'];
export type CoreProbeRecord = NonNullable<ResultsFile['cores']>['start'];

/** "runs[3].samplesMs[0]" from a zod path. */
function fieldName(path: readonly PropertyKey[]): string {
  return jsonPath(path) || 'top level';
}

/** A version's release numbers ("0.2.0-rc.1" -> [0, 2, 0]); null for text that is no version. */
function releaseOf(version: string): number[] | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m ? m.slice(1).map(Number) : null;
}

/**
 * Why a file this Concord cannot read may still be fine: written by a newer Concord, whose files
 * may hold fields and formats this one does not know. '' when the file names no newer version than
 * `own`, the reader's (the caller knows it: reports/ reads no package file).
 */
export function newerWriterHint(json: object, own: string | undefined): string {
  const newer = newerWriter(json, own);
  return newer === '' ? '' : `; ${newer}`;
}

/** newerWriterHint's sentence alone, '' where it has none. */
function newerWriter(json: object, own: string | undefined): string {
  if (own === undefined) return '';
  const theirs = (json as { concordVersion?: unknown }).concordVersion;
  const [a, b] = [typeof theirs === 'string' ? releaseOf(theirs) : null, releaseOf(own)];
  if (a === null || b === null) return '';
  const i = a.findIndex((v, j) => v !== b[j]);
  return i >= 0 && a[i]! > b[i]! ? `written by Concord ${String(theirs)}, newer than this one (${own}): upgrade Concord to read it` : '';
}

/**
 * Checks a parsed JSON value against the schema; `file` only names the source in errors, and
 * `reader`, the reading Concord's version, lets them say when a newer Concord wrote the file.
 */
export function resultsFromJson(json: unknown, file = 'results', reader?: string): ResultsFile {
  checkFormat(json, file, reader);
  const parsed = ResultsSchema.safeParse(json, { error: issueWords });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // Said first where a newer Concord wrote the file: it is why the file holds what this one
    // refuses, and an unknown field's list of the known ones is long enough to be cut (oneLine).
    const newer = newerWriter(json, reader);
    throw new ResultsFileError(file, fieldName(issue.path), newer === '' ? issue.message : `${newer}; ${issue.message}`);
  }
  return parsed.data;
}

/** A results file's top level: an object of RESULTS_FORMAT, or the error that says what it is instead. */
function checkFormat(json: unknown, file: string, reader: string | undefined): asserts json is object {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ResultsFileError(file, 'top level', 'expected a JSON object');
  const format = (json as { format?: unknown }).format;
  if (format !== RESULTS_FORMAT) {
    const seen = format === undefined ? 'no format field' : `format ${describeValue(format)}`;
    const hint = typeof format === 'string' && format.startsWith('concord-results/') ? 'an unknown version' : 'not a concord results file';
    throw new ResultsFileError(file, 'format', `${seen}: ${hint} (this concord reads "${RESULTS_FORMAT}")${newerWriterHint(json, reader)}`);
  }
}

/** Parses a results file's text; a key given twice (JSON.parse would keep the last) is refused where it stands. */
export function parseResults(text: string, file = 'results', reader?: string): ResultsFile {
  const json = parseStrictJson(text, {
    kind: 'a results file', syntaxWhere: 'JSON', place: fieldName, integers: false,
    fail: (where, problem) => new ResultsFileError(file, where, problem),
    top: (j) => checkFormat(j, file, reader),
  });
  return resultsFromJson(json, file, reader);
}

/** The results file's text: validated first, so `concord bench` never writes a file `report` would reject. */
export function serializeResults(doc: ResultsFile, file = 'results'): string {
  return `${JSON.stringify(resultsFromJson(doc, file), null, 1)}\n`;
}
