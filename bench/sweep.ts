// The thread-count sweep: every executor on every workload at every thread count, timed with
// tinybench (samples retained) against the baseline (the fast sequential executor, or the one
// bench --baseline names) in the same process, round by round interleaved with it, next to the
// block's ideal-speedup bound.
// Invariants: a pool is created once per executor (and partition, where it is measured with
// several) and thread count, warmed, and reused for every workload, its start-up reported apart;
// every timed sample belongs to exactly one round, whose machine noise decides its busy flag; every
// call into an executor on a block is held to the reference (its pool's cold warm-up block, its
// untimed first execution of a block, round 0's warm-up calls and every timed call), each after
// the call and outside its timing, so no timing of a wrong result enters a run marked correct; an
// executor whose result differs is still timed but marked incorrect, never silently dropped, with
// the number of the call into its instance that differed first, where it was made, and how many
// differed. Once checked, each result is handed back to its executor (BlockResult.release, where
// it has one), the baseline's too, outside any call's time. The baseline is held to the reference the same way; where it
// has no timed samples on a block at a thread count (it failed), no executor's run is recorded
// there either, since a speedup needs it, and its failure says so; a baseline that does not load,
// or whose close() throws, is a failure recorded as any executor's is.

import { Bench } from 'tinybench';
import { MIN_CALL_MS } from '../spec/call-time.js';
import { PER_TX_COUNTERS, statsProblem, type Block, type BlockResult, type ExecutionStats, type PerTxCounter } from '../spec/block.js';
import type { Executor } from '../spec/executor.js';
import { executeReference } from '../spec/reference.js';
import { plural } from '../spec/plural.js';
import { errorText } from '../spec/messages.js';
import { createExecutor, EXECUTORS, isModuleObject, isModulePath, type ExecutorSettings } from '../impl/registry.js';
import { declaredEngineName, execEnginePeakRssBytes, isExecCommand, isExecExecutor, resetExecEnginePeak } from '../impl/exec-executor.js';
import { malformation } from '../properties/explain.js';
import { sameResult } from '../properties/same-result.js';
import { collectAccesses, idealSpeedup, type IdealBound } from './ideal.js';
import { footprintIdeal } from './footprint-ideal.js';
import { BUSY_FOREIGN_CORES, cpuSnapshot, currentCpu, isBusy, loadAverage, noiseBetween, type NoiseWindow } from './machine.js';
import { pinThread } from './core-speeds.js';
import { RunDetail } from './run-detail.js';
import { partitionLabel } from '../reports/partitions.js';
import { startRoundTripProbe, type RoundTripProbe } from './round-trip.js';

/** Where a block came from, as recorded in the results file; `preState: 'shared'`: given to the executors as a SharedState (bench --pre-state). */
export type BlockSource =
  | { kind: 'generated'; workload: string; accounts: number; txs: number; seed: number; hashCost: number; zipf?: number; preState?: 'shared' }
  | { kind: 'file'; path: string; preState?: 'shared' };

export interface SweepWorkload {
  readonly id: string;
  readonly group: string;
  readonly source: BlockSource;
  readonly block: Block;
}

export interface SweepOptions {
  readonly workloads: readonly SweepWorkload[];
  /** Executors measured against the baseline (registry names or module paths). */
  readonly executors: readonly string[];
  readonly baseline: string;
  /** What the baseline's runs and failures are called (runLabels: a module by the name it declares); default `baseline`. */
  readonly baselineLabel?: string;
  /**
   * What each executor's runs and failures are called, worked out once over all of them (runLabels);
   * absent: over those that loaded at each thread count, where a module whose name another shares
   * would lose its path at a thread count where the other failed to load.
   */
  readonly executorLabels?: ReadonlyMap<string, string>;
  /**
   * Hears each label an `exec:` engine's runs take from the name its answers declare, with its
   * command, once its pool's first block is answered (bench's rerun lines give the command).
   */
  readonly onEngineLabel?: (label: string, command: string) => void;
  /** The thread count the baseline's execute() is given; absent: each run's own (Concord's sequential executor ignores it). */
  readonly baselineThreads?: number;
  /**
   * Whether the baseline runs on this thread alone, so that each of its samples' CPU is this
   * thread's (default true); false: no CPUs are recorded for its runs.
   */
  readonly baselineOnThisThread?: boolean;
  readonly threads: readonly number[];
  /** Thread counts at which to report the ideal bound besides the measured ones (for simulated scaling). */
  readonly idealThreads: readonly number[];
  readonly rounds: number;
  /** Time each task gets per round; it also runs at least `minSamples` iterations. */
  readonly roundMs: number;
  readonly minSamples: number;
  readonly cores: number;
  /**
   * CPUs to pin the baseline to, round r on pinCpus[r % length] (roundPlan; the thread running it
   * only, the executors run unpinned); absent or empty: the baseline runs wherever the scheduler puts it.
   */
  readonly pinCpus?: readonly number[];
  /** Settings every measured executor is created with beside its threads (--modules, --partition). */
  readonly executorSettings?: Omit<ExecutorSettings, 'threads'>;
  /**
   * Partitions each built-in executor that takes one (the registry's `takes`) is measured with,
   * a pool apiece, interleaved with the others as any two executors are, and labelled
   * `LABEL (PARTITION)` (reports/partitions.ts); absent: once, with executorSettings' partition.
   */
  readonly partitions?: readonly string[];
  readonly onProgress?: (done: number, total: number, what: string) => void;
  /**
   * Every call into a measured executor (loading, execute(), close()) goes through this, with
   * `what` naming it: the CLI's watch for hung executors (cli/errors.ts). Default: the call alone.
   */
  readonly watch?: CallThrough;
  /**
   * A close() after the executor failed, whose result does not matter (cli/errors.ts cleanUp:
   * bounded, never a failure of its own). Default: the call, its throw ignored.
   */
  readonly cleanUp?: (what: string, work: () => unknown) => Promise<void>;
  /**
   * Told of each execute() of a block as it is made (`what` as the watch is given it), with its
   * instance's count of calls so far: what a call that hangs was, so the command can give its
   * block's rerun (the watch knows only `what`).
   */
  readonly onExecute?: (what: string, executor: string, workload: SweepWorkload, threads: number, call: number) => void;
  /**
   * Handed the result as the sweep starts filling it, so that a command that must stop part-way (a
   * call that never settles) can still write what was measured before. The workloads are in it from
   * the start; a run enters it only whole (every round of every side at its workload and thread
   * count), where failures, start-ups, the noise counts and a round-trip probe's entry enter as
   * they happen (the probes of a workload and thread count whose rounds had not all run stand
   * beside no run).
   */
  readonly onStart?: (result: Readonly<SweepResult>) => void;
  /** Told each time a workload at a thread count is done with, its runs (if any) in the result. */
  readonly onMeasured?: () => void;
}

/**
 * Where a call on a workload's block was made: before the rounds, its pool's cold first block
 * (`cold`, the first workload only) or the block's untimed first execution (`first`); or in round
 * `round` (from 0), as the `index`-th (from 1, in the order made) of its untimed warm-up calls
 * (round 0 alone) or of its timed calls. A round's samples are sorted by time, so `index` is no
 * place in samplesMs.
 */
export type CallPlace = { stage: 'cold' | 'first' } | { stage: 'warm-up' | 'timed'; round: number; index: number };

/** Makes a call into an executor; `what` names it ("the executor X: execute() on W at 2 threads"). */
export type CallThrough = <T>(what: string, work: () => Promise<T>) => Promise<T>;

const direct: CallThrough = (_what, work) => work();
const directCleanUp = async (_what: string, work: () => unknown): Promise<void> => {
  await Promise.resolve().then(work).catch(() => {});
};

export interface RunResult {
  workload: string;
  executor: string;
  threads: number;
  role: 'baseline' | 'executor';
  samplesMs: number[];
  busy: boolean[];
  perTx: { executions: number; reExecutions: number; validations: number; failedValidations: number };
  peakRssBytes: number;
  /** An exec: engine's own peak resident memory, its process tree's (impl/exec-executor.ts execEnginePeakRssBytes); absent for any other executor. */
  enginePeakRssBytes?: number;
  correct: boolean;
  /** The calls of the run held to the reference: every one it made on the block (CallPlace). */
  checkedCalls: number;
  /**
   * Where `correct` is false: the call into its executor instance's execute() (from 1, over all
   * of that instance's calls in the sweep) whose result was the first found to differ, which a
   * rerun repeats up to; where it was made; and how many of the checked calls differed.
   */
  wrongCall?: number;
  wrongAt?: CallPlace;
  differingCalls?: number;
  fallback: string;
  /** The executor's own numeric statistics, mean per block (bench/run-detail.ts). */
  detail: Record<string, number>;
  /** The share of blocks the executor finished sequentially. */
  fallbackShare: number;
  /** Baseline runs: per sample, the CPU its round's samples mostly ran on (absent where unreadable). */
  cpus?: number[];
  /** Per sample, the round (from 0) it was timed in, so a report can compare the sides round by round. */
  rounds: number[];
}

export interface SweepResult {
  noise: {
    loadBefore: [number, number, number];
    loadAfter: [number, number, number];
    foreignCores: number | null;
    stealFraction: number | null;
    busyThresholdCores: number;
    busyRounds: number;
    rounds: number;
    /**
     * Per workload and parallel thread count, the cache-line round trip between two threads
     * probed before each of its rounds (round-trip.ts), null where a probe gave up; absent
     * where no parallel round ran on more than one core.
     */
    roundTrips?: { workload: string; threads: number; ns: (number | null)[] }[];
  };
  workloads: {
    id: string;
    group: string;
    source: BlockSource;
    txs: number;
    gasUsed: number;
    ideal: {
      work: number; criticalPath: number; edges: number; points: { threads: number; speedup: number; bound: number }[];
      /** The same from the declared footprints alone (footprint-ideal.ts). */
      footprint: { criticalPath: number; edges: number; points: { threads: number; speedup: number; bound: number }[] };
    };
  }[];
  startup: { executor: string; threads: number; createMs: number; firstBlockMs: number }[];
  runs: RunResult[];
  /** `call`: a failed call on a workload's block, its number on the instance (schema.ts says more). */
  failures: { executor: string; threads: number; workload: string | null; message: string; call?: number }[];
}

/**
 * An executor instance and the execute() calls it has had, which a rerun must make as many of to
 * reach one; a module's exported executor object, one instance under a view per thread count,
 * shares one count between them.
 */
interface Instance {
  readonly executor: Executor;
  readonly count: { calls: number };
}

/**
 * A measured executor's instance at one thread count, with the result of its warm-up call on the
 * first workload's block (startPools), which that workload's run checks; undefined without one.
 */
interface Pool extends Instance {
  readonly warm: { readonly result: unknown; readonly call: number } | undefined;
}

/** Accumulates one run's samples and counters across rounds. */
class RunAccumulator {
  readonly samples: number[] = [];
  /**
   * An exec: engine's own time for each timed call (stats.executeMs, docs/exec-protocol.md), in
   * the order of `samples`; null for good once a timed call did not give a positive one.
   */
  engineSamples: number[] | null;
  readonly busy: boolean[] = [];
  readonly rounds: number[] = [];
  /** Per sample, the CPU of its round (baseline only); null for good once a round could not read its CPU. */
  cpus: number[] | null = [];
  private blocks = 0;
  /** Per counter (spec/block.ts PER_TX_COUNTERS), its sum over the timed blocks. */
  private readonly counters = new Map<PerTxCounter, number>(PER_TX_COUNTERS.map((k) => [k, 0]));
  private peakRss = 0;
  private enginePeakRss: number | null = null;
  private readonly detail = new RunDetail();
  fallback = '';
  private checked = 0;
  private differing = 0;
  /** The call whose result first differed from the reference, and where; undefined while all checked agree. */
  private wrongCall: number | undefined;
  private wrongAt: CallPlace | undefined;

  /** `engineTimed`: the executor is an exec: engine's, which gives its own time per call; its label may be the name it declares, no command. */
  constructor(readonly executor: string, readonly role: 'baseline' | 'executor', engineTimed: boolean) {
    this.engineSamples = engineTimed ? [] : null;
  }

  /**
   * A timed call's own time as its engine measured it, without the requests and answers crossing
   * between the processes; null where the call's result gave none (the run is then timed whole).
   */
  static engineMs(r: unknown): number | null {
    const ms = (r as { stats?: { executeMs?: unknown } } | null | undefined)?.stats?.executeMs;
    return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : null;
  }

  /**
   * Holds the result of call `call`, made where `stage`, `round` and `index` say (CallPlace), to
   * the reference. It runs after every call bench times, so nothing is made for a call that agrees.
   * Returns why a result that is no BlockResult cannot be counted (resultProblem), which fails the
   * run rather than counting as a difference; undefined otherwise.
   */
  check(r: unknown, reference: BlockResult, call: number, stage: CallPlace['stage'], round = 0, index = 0): string | undefined {
    this.checked++;
    if (sameResult(reference, r)) return undefined;
    const problem = resultProblem(r);
    if (problem !== undefined) return problem;
    this.differing++;
    if (this.wrongCall === undefined) {
      this.wrongCall = call;
      this.wrongAt = stage === 'cold' || stage === 'first' ? { stage } : { stage, round, index };
    }
    return undefined;
  }

  /**
   * Adds a timed call's result. One it cannot count fails in the words of the untimed first
   * call's check (resultProblem), whose full walk of the result is left for that failure alone.
   */
  count(r: unknown, timed: boolean): void {
    const stats = (r as { stats?: unknown } | null | undefined)?.stats;
    // statsProblem: counts alone are summed, so every mean the results file holds is valid there.
    if (statsProblem(stats) !== undefined) throw new Error(resultProblem(r) ?? 'returned a malformed result');
    const counted = stats as ExecutionStats;
    // Round 0's warm-up calls are looked at, not counted: the counters, statistics and peak
    // memory are the timed blocks', as the results file says.
    if (!timed) return;
    this.blocks++;
    for (const k of PER_TX_COUNTERS) this.counters.set(k, this.counters.get(k)! + counted[k]);
    if (counted.fallback) this.fallback = counted.fallback;
    this.detail.add(counted);
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
  }

  /** Notes an exec: engine's peak memory as read after a round (a high-water mark: reading it then misses nothing). */
  noteEngineMemory(bytes: number | null): void {
    if (bytes !== null) this.enginePeakRss = Math.max(this.enginePeakRss ?? 0, bytes);
  }

  result(workload: string, threads: number, txs: number): RunResult {
    const per = (v: number) => (this.blocks === 0 || txs === 0 ? 0 : v / this.blocks / txs);
    return {
      workload, executor: this.executor, threads, role: this.role,
      ...(this.engineSamples !== null && this.engineSamples.length === this.samples.length
        ? { samplesMs: this.engineSamples, timing: 'engine' as const } : { samplesMs: this.samples }),
      busy: this.busy, rounds: this.rounds,
      perTx: Object.fromEntries(PER_TX_COUNTERS.map((k) => [k, per(this.counters.get(k)!)])) as Record<PerTxCounter, number>,
      peakRssBytes: this.peakRss, ...(this.enginePeakRss === null ? {} : { enginePeakRssBytes: this.enginePeakRss }), correct: this.wrongCall === undefined,
      checkedCalls: this.checked, ...(this.wrongCall === undefined ? {} : { wrongCall: this.wrongCall, wrongAt: this.wrongAt!, differingCalls: this.differing }),
      fallback: this.fallback,
      detail: this.detail.detail(), fallbackShare: this.detail.fallbackShare(),
      ...(this.role === 'baseline' && this.cpus !== null && this.cpus.length === this.samples.length ? { cpus: this.cpus } : {}),
    };
  }
}

/**
 * Hands a result's memory back to its executor once bench has taken what it needs from it (its
 * counters, and its check against the reference), as a node that has committed a block does
 * (BlockResult.release): every side alike, the baseline too, so the ratio stays fair. A result
 * without release() (the reference's, a module's, an exec: engine's) has nothing to hand back.
 */
function handBack(r: unknown): void {
  const release = (r as { release?: unknown } | null | undefined)?.release;
  if (typeof release !== 'function') return;
  try {
    release.call(r);
  } catch (e) {
    throw new Error(`release() threw after its result was checked: ${errorText(e)}`);
  }
}

/** The value seen most often (the lowest of tied ones); null for none. */
function mostOften(xs: readonly number[]): number | null {
  const counts = new Map<number, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  let best: number | null = null;
  for (const [x, n] of counts) if (best === null || n > counts.get(best)! || (n === counts.get(best) && x < best)) best = x;
  return best;
}

/**
 * Why a result cannot be timed, in `concord run`'s words, or undefined: not a BlockResult, which
 * takes the counts bench reports (spec/block.ts statsProblem). A well-formed wrong result is timed and marked incorrect.
 */
function resultProblem(r: unknown): string | undefined {
  const shape = malformation(r);
  return shape && `returned a malformed result: ${shape}`;
}

/** Keeps result files readable: 0.1 us is far below any block's noise. */
function roundMs(ms: number): number {
  return Math.round(ms * 10_000) / 10_000;
}

export async function sweep(o: SweepOptions): Promise<SweepResult> {
  const loadBefore = loadAverage();
  const result: SweepResult = {
    noise: { loadBefore, loadAfter: loadBefore, foreignCores: null, stealFraction: null, busyThresholdCores: BUSY_FOREIGN_CORES, busyRounds: 0, rounds: 0 },
    workloads: [], startup: [], runs: [], failures: [],
  };
  o.onStart?.(result);
  // A count above the cores is judged against the ideal at the cores (reports/summary.ts): have it.
  const allThreads = [...new Set([...o.threads, ...o.threads.map((t) => Math.min(t, o.cores)), ...o.idealThreads])].sort((a, b) => a - b);
  const references = new Map<string, BlockResult>();
  for (const w of o.workloads) {
    const reference = executeReference(w.block);
    references.set(w.id, reference);
    // One run of the block for both bounds: the footprint ideal takes its work from it too.
    const accesses = collectAccesses(w.block);
    const ideal: IdealBound = idealSpeedup(w.block, allThreads, accesses);
    const declared = footprintIdeal(w.block, allThreads, accesses.map((t) => t.gas));
    result.workloads.push({
      id: w.id, group: w.group, source: w.source, txs: w.block.txs.length, gasUsed: reference.gasUsed,
      ideal: {
        work: ideal.work, criticalPath: ideal.criticalPath, edges: ideal.edges, points: ideal.points.map((p) => ({ ...p })),
        footprint: { criticalPath: declared.criticalPath, edges: declared.edges, points: declared.points.map((p) => ({ ...p })) },
      },
    });
  }

  // The means so far after every round, so that a sweep stopped part-way has them too (onStart).
  const noise = { wallMs: 0, foreignMs: 0, stealCoreMs: 0 };
  const record = (w: NoiseWindow): boolean => {
    result.noise.rounds++;
    if (w.foreignCores !== null && w.stealFraction !== null) {
      noise.wallMs += w.wallMs;
      noise.foreignMs += w.foreignCores * w.wallMs;
      noise.stealCoreMs += w.stealFraction * w.wallMs * o.cores;
    }
    if (noise.wallMs > 0) {
      result.noise.foreignCores = noise.foreignMs / noise.wallMs;
      result.noise.stealFraction = Math.min(1, noise.stealCoreMs / (noise.wallMs * o.cores));
    }
    const busy = isBusy(w);
    if (busy) result.noise.busyRounds++;
    return busy;
  };

  const total = o.threads.length * o.workloads.length * o.rounds;
  let done = 0;
  const watch = o.watch ?? direct;
  const baselineSettings = o.baselineThreads === undefined ? {} : { threads: o.baselineThreads };
  const baselineLabel = o.baselineLabel ?? o.baseline;
  let baseline: Instance;
  try {
    baseline = { executor: await watch(`the executor ${o.baseline}: loading`, () => createExecutor(o.baseline, baselineSettings)), count: { calls: 0 } };
  } catch (e) {
    // Loaded once for every thread count (bench loaded it before too, so this is no input error).
    result.failures.push({ executor: baselineLabel, threads: o.threads[0]!, workload: null, message: `loading threw: ${errorText(e)} (the baseline: no executor was timed, for want of it)` });
    return result;
  }
  const objectCounts = new Map<string, { calls: number }>();
  const probe: RoundTripProbe | null = o.cores >= 2 && o.threads.some((t) => t > 1) ? await startRoundTripProbe() : null;
  try {
    for (const t of o.threads) {
      const pools = await startPools(o.executors, { ...o.executorSettings, threads: t }, o.partitions, o.workloads[0], result, watch, o.cleanUp ?? directCleanUp, objectCounts, o.onExecute, o.executorLabels, o.onEngineLabel);
      try {
        for (const w of o.workloads) {
          const reference = references.get(w.id)!;
          const tasks: { instance: Instance; acc: RunAccumulator }[] = [];
          const sides = [
            { name: baselineLabel, role: 'baseline' as const, instance: baseline, warm: undefined },
            ...[...pools].map(([name, pool]) => ({ name, role: 'executor' as const, instance: pool, warm: w === o.workloads[0] ? pool.warm : undefined })),
          ];
          for (const { name, role, instance, warm } of sides) {
            const threads = threadsGiven(o, role, t);
            try {
              // The first execution of each block is untimed, the baseline's too: it checks the
              // result and warms the JIT, which a round-0 time would otherwise pay for one side only.
              instance.count.calls++;
              const what = executeWhat(name, w.id, threads);
              o.onExecute?.(what, name, w, threads, instance.count.calls);
              const first = await watch(what, () => instance.executor.execute(w.block, { threads }));
              // The pool's warm-up call ran this block before it, cold: an executor wrong only on
              // its first call is found there alone, so it is checked as this one is.
              const checked = [...(warm ? [{ ...warm, stage: 'cold' as const }] : []), { result: first, call: instance.count.calls, stage: 'first' as const }];
              const bad = checked.map((c) => ({ call: c.call, problem: resultProblem(c.result) })).find((c) => c.problem !== undefined);
              if (bad !== undefined) {
                for (const c of checked) handBack(c.result);
                result.failures.push({ executor: name, threads: t, workload: w.id, message: bad.problem + (role === 'baseline' ? UNMEASURED : ''), call: bad.call });
                continue;
              }
              const acc = new RunAccumulator(name, role, isExecExecutor(instance.executor));
              if (role === 'baseline' && o.baselineOnThisThread === false) acc.cpus = null;
              for (const c of checked) acc.check(c.result, reference, c.call, c.stage);
              for (const c of checked) handBack(c.result);
              tasks.push({ instance, acc });
            } catch (e) {
              result.failures.push({ executor: name, threads: t, workload: w.id, message: errorText(e) + (role === 'baseline' ? UNMEASURED : ''), call: instance.count.calls });
            }
          }
          const accumulators = tasks.map((x) => x.acc);
          const yardstick = accumulators.find((a) => a.role === 'baseline');
          const progressAfter = done + o.rounds;
          const trips = probe !== null && t > 1 && yardstick !== undefined ? { workload: w.id, threads: t, ns: [] as (number | null)[] } : null;
          if (trips) (result.noise.roundTrips ??= []).push(trips);
          for (let round = 0; round < o.rounds && yardstick !== undefined; round++) {
            if (trips) {
              const ns = probe!.measure();
              // Tenths of a nanosecond: far below a probe's noise, and the file stays readable.
              trips.ns.push(ns === null ? null : Math.round(ns * 10) / 10);
            }
            const order = roundPlan(round, o.pinCpus ?? []).reversed ? [...tasks].reverse() : tasks;
            const failed = await timeRound(order, w, reference, t, round, o, record, watch);
            for (const f of failed) {
              // Rounds without the baseline would time executors against nothing.
              const stops = f.acc === yardstick ? (f.acc.samples.length === 0 ? UNMEASURED : ` (the baseline: no executor was timed on this block at this thread count after round ${round})`) : '';
              const at = tasks.findIndex((x) => x.acc === f.acc);
              result.failures.push({ executor: f.name, threads: t, workload: w.id, message: f.message + stops, call: f.call });
              tasks.splice(at, 1);
            }
            o.onProgress?.(++done, total, `${w.id} @ ${plural(t, 'thread')}`);
            if (!tasks.some((x) => x.acc === yardstick)) break;
          }
          if (done < progressAfter) o.onProgress?.((done = progressAfter), total, `${w.id} @ ${plural(t, 'thread')}`);
          if (yardstick !== undefined && yardstick.samples.length > 0) {
            for (const acc of accumulators) {
              if (acc.samples.length > 0) result.runs.push(acc.result(w.id, t, w.block.txs.length));
            }
          }
          o.onMeasured?.();
        }
      } finally {
        for (const [name, { executor }] of pools) await closeRecording(name, executor, t, result, watch);
      }
    }
  } finally {
    await probe?.close();
    await closeRecording(baselineLabel, baseline.executor, o.threads.at(-1)!, result, watch);
  }
  result.noise.loadAfter = loadAverage();
  return result;
}

/** What a baseline's failure adds where it leaves a block at a thread count without a yardstick. */
const UNMEASURED = ' (the baseline: no executor was timed on this block at this thread count, for want of it)';

/** The thread count a side's execute() is given beside the runs at `threads`: a --baseline keeps its own. */
const threadsGiven = (o: SweepOptions, role: 'baseline' | 'executor', threads: number): number => (role === 'baseline' ? o.baselineThreads ?? threads : threads);

const executeWhat = (name: string, workload: string, threads: number): string => `the executor ${name}: execute() on ${workload} at ${plural(threads, 'thread')}`;

/** Closes an executor; a close() that throws or rejects is its failure, recorded like any other. */
async function closeRecording(name: string, executor: Executor, t: number, result: SweepResult, watch: CallThrough): Promise<void> {
  try {
    await watch(`the executor ${name}: close()`, () => executor.close());
  } catch (e) {
    result.failures.push({ executor: name, threads: t, workload: null, message: `close() threw: ${errorText(e)}` });
  }
}

/**
 * What the results call the executors `names` (registry names, module paths, exec: commands)
 * loaded as `loaded`: a registry name as it is; a module by the name it declares, and an exec:
 * engine by the name its answers declare (its `loaded` name; the command where it declares none),
 * so that its runs compare across results files whatever path reached it, and no local path is
 * published. Beside its path (or command) where that name is a registry executor's or another
 * selected one's, so no run passes for another.
 */
export function runLabels(names: readonly string[], loaded: readonly Pick<Executor, 'name'>[]): string[] {
  const named = (n: string, i: number) => isModulePath(n) || (isExecCommand(n) && loaded[i]!.name !== n);
  const declared = names.map((n, i) => (named(n, i) ? loaded[i]!.name : n));
  return names.map((n, i) => {
    const d = declared[i]!;
    if (!named(n, i)) return n;
    const shared = EXECUTORS.has(d) || declared.some((other, j) => j !== i && other === d);
    return shared ? `${d} (${n})` : d;
  });
}

/**
 * The partitions executor `name` is measured with: each of `partitions` for a built-in executor
 * that takes one; else one pool, made with the settings every executor shares (undefined).
 */
export function partitionsOf(name: string, partitions: readonly string[] | undefined): readonly (string | undefined)[] {
  return partitions !== undefined && EXECUTORS.get(name)?.takes.includes('partition') ? partitions : [undefined];
}

/**
 * Creates each executor's pool for t threads (one per partition of `partitions` for a built-in
 * executor that takes one), timing creation and its first (cold) block apart;
 * keyed by runLabels, each with that block counted as a call (`objectCounts`: the counts of
 * modules' executor objects, by path, carried from one thread count to the next) and its result
 * kept for the warm-up workload's run to check. A pool that does not load or create failed to
 * start (no workload); one whose first block throws started, so that failure is the warm-up
 * workload's, under its run label.
 */
async function startPools(
  names: readonly string[], settings: ExecutorSettings & { threads: number }, partitions: SweepOptions['partitions'], warmBlock: SweepWorkload | undefined, result: SweepResult,
  watch: CallThrough, cleanUp: NonNullable<SweepOptions['cleanUp']>, objectCounts: Map<string, { calls: number }>, onExecute: SweepOptions['onExecute'],
  given: SweepOptions['executorLabels'], onEngineLabel: SweepOptions['onEngineLabel'],
): Promise<Map<string, Pool>> {
  const t = settings.threads;
  const started: {
    name: string; partition: string | undefined; executor: Executor; createMs: number; firstBlockMs: number; warmResult: unknown; warmFailure: string | null; warmCall: number;
  }[] = [];
  const each = names.flatMap((name) => partitionsOf(name, partitions).map((partition) => ({ name, partition })));
  for (const { name, partition } of each) {
    let executor: Executor;
    const begun = performance.now();
    // A built-in's label is its name, so a pool that never started is named as its runs would be.
    const label = partition === undefined ? name : partitionLabel(name, partition);
    try {
      executor = await watch(`the executor ${label}: loading at ${plural(t, 'thread')}`, () => createExecutor(name, partition === undefined ? settings : { ...settings, partition }));
    } catch (e) {
      result.failures.push({ executor: label, threads: t, workload: null, message: errorText(e) });
      continue;
    }
    const createMs = performance.now() - begun;
    let firstBlockMs = 0;
    let warmResult: unknown;
    let warmFailure: string | null = null;
    const warmCall = 1 + (isModuleObject(name) ? objectCounts.get(name)?.calls ?? 0 : 0);
    if (warmBlock) {
      const first = performance.now();
      try {
        const what = executeWhat(label, warmBlock.id, t);
        onExecute?.(what, label, warmBlock, t, warmCall);
        warmResult = await watch(what, () => executor.execute(warmBlock.block, { threads: t }));
      } catch (e) {
        warmFailure = `execute() threw on the warm-up block (the first workload's), so its pool was closed and it ran no workload at ${plural(t, 'thread')}: ${errorText(e)}`;
      }
      firstBlockMs = performance.now() - first;
    }
    started.push({ name, partition, executor, createMs, firstBlockMs, warmResult, warmFailure, warmCall });
  }
  // The labels given (the CLI's, over every executor); a sweep called without them (the tests')
  // labels over every executor loaded here, failed ones too, so a failure names the run as its runs would be named.
  // An exec: engine declares its name in its answers, so only now, its first block answered, is it known:
  // its label is found here whatever was given (the command, which the CLI knew).
  const engineNames = started.map((s) => (isExecCommand(s.name) ? declaredEngineName(s.executor) : undefined));
  const found = runLabels(started.map((s) => s.name), started.map((s, i) => ({ name: engineNames[i] ?? s.executor.name })));
  const labels = started.map((s, i) => {
    const label = (engineNames[i] === undefined ? given?.get(s.name) : undefined) ?? found[i]!;
    return s.partition === undefined ? label : partitionLabel(label, s.partition);
  });
  for (const [i, s] of started.entries()) if (engineNames[i] !== undefined) onEngineLabel?.(labels[i]!, s.name);
  const pools = new Map<string, Pool>();
  for (const [i, { name, executor, createMs, firstBlockMs, warmResult, warmFailure, warmCall }] of started.entries()) {
    const label = labels[i]!;
    if (warmFailure !== null) {
      result.failures.push({ executor: label, threads: t, workload: warmBlock!.id, message: warmFailure, call: warmCall });
      // Its failure is the news: a close() that throws or hangs after it must neither add a second failure nor hide it.
      await cleanUp(`the executor ${label}: close() after its warm-up block failed`, () => executor.close());
      continue;
    }
    result.startup.push({ executor: label, threads: t, createMs, firstBlockMs });
    const object = isModuleObject(name);
    const count = (object ? objectCounts.get(name) : undefined) ?? { calls: 0 };
    if (object) objectCounts.set(name, count);
    if (warmBlock) count.calls++;
    pools.set(label, { executor, count, warm: warmBlock ? { result: warmResult, call: count.calls } : undefined });
  }
  return pools;
}

/**
 * Where round `round` pins the baseline and whether it times the tasks in reverse order. The CPU
 * changes every round (pins[round % length]), so a drift over the run (a neighbour arriving, a
 * clock slowing) falls alike on every CPU instead of on whichever held a block of consecutive
 * rounds (two rounds a CPU put a 4-round run's first half on one CPU, its second on the other).
 * The order alternates so that drift does not always favour one side either, and flips with each
 * pass over the CPUs where their count is even: otherwise, with two CPUs, each CPU's rounds would
 * all be timed in one order, and so would the speedup over its fastest core. Both: each CPU
 * gets its rounds in both orders, and with two CPUs each 4 rounds run A B B A in order, balanced
 * against a steady drift. Without pins, the order alternates every round.
 */
export function roundPlan(round: number, pins: readonly number[]): { cpu: number | null; reversed: boolean } {
  if (pins.length === 0) return { cpu: null, reversed: round % 2 === 1 };
  // With an odd count of CPUs this is round % 2 again: each pass already starts on the other order.
  return { cpu: pins[round % pins.length]!, reversed: (round % pins.length + Math.floor(round / pins.length)) % 2 === 1 };
}

/**
 * One round: each task timed back to back with tinybench, every call's result checked against the
 * reference right after it, outside its timing; returns the tasks that threw or returned a
 * malformed result, each with the call that did.
 */
async function timeRound(
  tasks: readonly { instance: Instance; acc: RunAccumulator }[], workload: SweepWorkload, reference: BlockResult, threads: number, round: number,
  o: SweepOptions, record: (w: NoiseWindow) => boolean, watch: CallThrough,
): Promise<{ name: string; acc: RunAccumulator; message: string; call: number }[]> {
  // Round 0 first warms every task, the baseline too, for as long and as many calls as a round
  // times: after two calls, a short round's (--quick's 30 ms) baseline median came out up to
  // several times its later rounds', inflating round 0's speedups.
  const bench = new Bench({
    time: o.roundMs, iterations: o.minSamples, warmup: round === 0, warmupIterations: o.minSamples, warmupTime: o.roundMs, retainSamples: true,
  });
  const pins = o.pinCpus ?? [];
  const pin = (cpu: number | null) => {
    if (pins.length === 0) return;
    // Unpinning must not fail silently: every executor after it would run on one core.
    if (!pinThread(cpu, pins) && cpu === null) throw new Error(`could not give the baseline's thread back its CPUs (${pins.join(',')}) after pinning it`);
  };
  // Per task: its accumulator, whether the machine was busy while its samples ran, and (for the
  // baseline, which runs on this thread) the CPU after each sample: cores can differ in speed
  // (core-speeds.ts), and a report can then compare against the baseline on its fastest core.
  // `last`: the task's latest result, kept (not compared) in the timed call and checked in
  // afterEach, which tinybench runs outside the call's time and does not count to the round's
  // time, so checking every call costs the timings nothing; `calls`: the calls checked so far in
  // this mode of the round (warm-up or timed); `bad`: the first malformed result's problem and call.
  // `engine`: an exec: engine's own time for each timed call of the round (RunAccumulator.engineMs).
  const slots = new Map<string, {
    instance: Instance; acc: RunAccumulator; busy: boolean; cpus: (number | null)[]; engine: (number | null)[]; last: unknown; calls: number; bad: { problem: string; call: number } | null;
  }>();
  tasks.forEach(({ instance, acc }, i) => {
    const slot = {
      instance, acc, busy: false, cpus: [] as (number | null)[], engine: [] as (number | null)[], last: undefined as unknown, calls: 0, bad: null as { problem: string; call: number } | null,
    };
    const name = `${i}:${acc.executor}`;
    slots.set(name, slot);
    let before = cpuSnapshot();
    // Every task, the baseline's too, goes through the watch, so its small cost falls on both sides.
    const given = threadsGiven(o, acc.role, threads);
    const what = executeWhat(acc.executor, workload.id, given);
    let timed = false;
    bench.add(name, async () => {
      instance.count.calls++;
      o.onExecute?.(what, acc.executor, workload, given, instance.count.calls);
      const r = await watch(what, () => instance.executor.execute(workload.block, { threads: given }));
      acc.count(r, timed);
      if (timed && acc.engineSamples !== null) slot.engine.push(RunAccumulator.engineMs(r));
      slot.last = r;
    }, {
      beforeAll: (mode) => {
        timed = mode === 'run';
        slot.engine = [];
        slot.calls = 0;
        if (acc.role === 'baseline') pin(roundPlan(round, pins).cpu);
        if (mode === 'run') {
          resetExecEnginePeak(instance.executor);
          before = cpuSnapshot();
        }
      },
      afterEach: (mode) => {
        if (mode === 'run' && acc.role === 'baseline') slot.cpus.push(currentCpu());
        // An executor can be right on its first calls and wrong on some later ones (a cache, a
        // race, a path taken once warm), so each call is held to the reference, not a sample of them.
        // A call that threw left no result; the round fails on it.
        const r = slot.last;
        slot.last = undefined;
        if (r === undefined) return;
        if (slot.bad === null) {
          slot.calls++;
          const problem = acc.check(r, reference, instance.count.calls, mode === 'run' ? 'timed' : 'warm-up', round, slot.calls);
          if (problem !== undefined) slot.bad = { problem, call: instance.count.calls };
        }
        // Checked, so done with: its memory serves the next call, outside any call's time.
        handBack(r);
      },
      afterAll: (mode) => {
        if (mode === 'run') {
          slot.busy = record(noiseBetween(before, cpuSnapshot(), o.cores));
          acc.noteEngineMemory(execEnginePeakRssBytes(instance.executor));
        }
        if (acc.role === 'baseline') pin(null);
      },
    });
  });
  const failed: { name: string; acc: RunAccumulator; message: string; call: number }[] = [];
  for (const task of await bench.run()) {
    const { instance, acc, busy, cpus, engine, bad } = slots.get(task.name)!;
    const r = task.result;
    if (bad !== null) {
      failed.push({ name: acc.executor, acc, message: bad.problem, call: bad.call });
    } else if (r.state === 'errored') {
      // The call that threw is its instance's latest: no other task calls it.
      failed.push({ name: acc.executor, acc, message: r.error.message, call: instance.count.calls });
    } else if (r.state === 'completed') {
      // tinybench sorts its samples, so each gets its round's CPU, as each gets its round's busy flag.
      const cpu = cpus.includes(null) ? null : mostOften(cpus as number[]);
      if (cpu === null) acc.cpus = null;
      const samples = r.latency.samples ?? [];
      for (const s of samples) {
        acc.samples.push(roundMs(s));
        acc.busy.push(busy);
        acc.rounds.push(round);
        if (cpu !== null) acc.cpus?.push(cpu);
      }
      // Every timed call is one sample; a round with one the engine did not time is timed whole, and
      // so is the run. Sorted like tinybench's, so a round's samples read alike either way.
      if (acc.engineSamples !== null) {
        if (engine.length === samples.length && !engine.includes(null)) acc.engineSamples.push(...engine.map((ms) => Math.max(MIN_CALL_MS, roundMs(ms!))).sort((x, y) => x - y));
        else acc.engineSamples = null;
      }
    }
  }
  return failed;
}
