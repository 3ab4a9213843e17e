// Simulated scaling: Block-STM's own thread logic (impl/blockstm/thread.ts) run as N virtual
// workers in the deterministic simulated runtime (impl/runtime/sim.ts), with virtual time, to
// predict its speedup at thread counts this machine does not have; simulateScaling runs it beside
// the modular executor's model (simulate-modular.ts).
//
// The cost model, calibrated per workload from this run's measurements: a transaction's VM run
// costs its gas x (sequential baseline median / block gas), charged when a worker starts executing
// it (again for every re-execution); every shared-memory operation costs a fixed time, fitted so
// that one virtual worker plus the main thread's serial setup (laying out and writing the block,
// timed here) take exactly Block-STM's measured 1-thread median; every cache line a worker takes
// from another (bench/coherence.ts; none with one worker) costs a fixed time too, fitted so that
// two virtual workers take Block-STM's measured 2-thread median. From 2 threads on the
// preflight's check (timed here) is serial too. The scheduler always advances the worker that is
// earliest in virtual time, and a worker woken from a pause resumes at the waker's time; the
// makespan is the latest worker clock. Predicted speedup = sequential median / (serial steps +
// makespan). Not modelled: cache capacity, memory bandwidth, wake-up latency, SMT.
//
// The simulation runs a twin of a generated block without its hash iterations (a contract's hash
// cost changes no state effect, so reads, writes and conflicts are identical) while charging the
// real block's gas, which makes it several times faster.
// Invariant: a prediction is made only from a calibrated model and a run that completed in
// parallel (no capacity/watchdog fallback, no preflight sending the block to the sequential
// executor); otherwise the point is left out and the reason given.

import type { Block } from '../spec/block.js';
import { executeReference } from '../spec/reference.js';
import { observedCells, type Cells } from '../impl/runtime/cells.js';
import { Coherence } from './coherence.js';
import { simulate, type AccessObserver, type SimWorker } from '../impl/runtime/sim.js';
import { finalize } from '../impl/blockstm/finalize.js';
import { ABORT_UNDECLARED, DONE, H, estimateCapacity, layoutFor, loadsDeclaredOnly, writeBlock, type Capacity, type Layout } from '../impl/blockstm/layout.js';
import { NO_TASK } from '../impl/blockstm/scheduler.js';
import { BlockStmThread, DEFAULT_MAX_INCARNATIONS } from '../impl/blockstm/thread.js';
import { median } from '../reports/stats.js';
import { partitionLabel } from '../reports/partitions.js';
import { generate } from './workloads.js';
import { MODULAR_EXECUTOR, predictModular, type ModularSettings } from './simulate-modular.js';
import { costsAt, fitTransfer, gapLines, machineSlowdown, medianTime, predictEach, preflightCost, unfitted, type MeasuredCeiling, type ModelInput, type Predictions, type SimulatedPoint, type ThreadGap } from './prediction.js';
import type { RunResult, SweepWorkload } from './sweep.js';

/** The registry name of the executor whose algorithm is simulated. */
export const SIMULATED_EXECUTOR = 'block-stm';
/** Virtual worker counts predicted besides the measured ones. */
export const SIMULATED_THREADS = [4, 8, 16, 32, 64];
/** The shorter list for --quick runs. */
export const QUICK_SIMULATED_THREADS = [4, 16, 32, 64];

export interface Simulation {
  readonly points: SimulatedPoint[];
  /** Why predictions are missing: one line per gap; empty when none is. */
  readonly gaps: string[];
}

export interface VirtualRun {
  /** Virtual time from start to the last worker finishing, in ms. */
  readonly makespanMs: number;
  readonly steps: number;
  readonly executions: number;
  /** VM time charged over all workers, in ms. */
  readonly vmMs: number;
  /** Cache lines taken from another worker (bench/coherence.ts); 0 when transfers are not modelled. */
  readonly transfers: number;
  /** The transfers by the section of the shared arrays they were in (sectionOf). */
  readonly transfersBySection: ReadonlyMap<string, number>;
  /** '' when the block completed in parallel; else why not. */
  readonly failure: string;
}

/**
 * A worker's view of shared memory that charges its VM time at the right moment: an execution's
 * reads happen when it starts and its writes when it ends, so the cost goes between them, on the
 * first write-type operation after a VM run. For a completed execution that is record()'s arena
 * allocation (an add no other worker reads), so no value is published early; for a run stopped by
 * an ESTIMATE it is the dependency registration. A VM run repeated within one iteration (the
 * ESTIMATE's writer had already finished) is charged again, after its own reads.
 */
class TimedCells {
  /** Cost of one VM run of the transaction this iteration executes. */
  txMs = 0;
  /** VM runs of this iteration already charged; reset when the iteration commits (re-runs of an interrupted iteration must not charge twice). */
  charged = 0;
  /** VM runs this iteration has made so far (the thread's execution counter since its last commit). */
  runs: () => number = () => 0;
  /** The view the thread runs on. */
  readonly cells: Cells;

  constructor(inner: Cells, private readonly charge: (ms: number, runs: number) => void) {
    this.cells = observedCells(inner, (write) => {
      if (write) this.beforeWrite();
    });
  }

  private beforeWrite(): void {
    const runs = this.runs();
    if (runs > this.charged) {
      this.charge((runs - this.charged) * this.txMs, runs - this.charged);
      this.charged = runs;
    }
  }
}

/** Where a run stops: scheduling points, and VM runs (contention makes Block-STM re-execute without bound in time). */
export interface RunLimits {
  readonly maxSteps: number;
  readonly maxExecutions: number;
}

const UNDECLARED_FAILURE = 'a read needed the pre-state value of a key no footprint declares';

/** Thrown out of the scheduler to stop a run past its execution limit. */
const TOO_CONTENDED: unique symbol = Symbol('too contended');

/**
 * One virtual-time run of Block-STM on `workers` virtual workers. `txMs[i]` is the cost of
 * executing transaction i once; `opMs` the cost of one shared-memory operation. The pre-state is
 * loaded as the executor first loads it (all of it, the declared keys, or none of a SharedState).
 */
export function virtualRun(
  block: Block, workers: number, txMs: Float64Array, opMs: number, limits: RunLimits, capacityScale = 1, declaredOnly = loadsDeclaredOnly(block),
  transferMs = 0,
): VirtualRun {
  const L = layoutFor(block, estimateCapacity(block, capacityScale, workers, declaredOnly));
  const i32 = new Int32Array(L.i32Size);
  const f64 = new Float64Array(L.f64Size);
  writeBlock(block, L, i32, f64);
  const clock = new Float64Array(workers);
  let executions = 0;
  let vmMs = 0;
  const transfersBySection = new Map<string, number>();
  const onAccess = transferMs > 0 && workers > 1 ? transferCharge(L, clock, transferMs, transfersBySection) : undefined;
  const transfers = () => [...transfersBySection.values()].reduce((a, b) => a + b, 0);
  const create = (worker: number, cells: Cells): SimWorker => {
    const timed = new TimedCells(cells, (ms, runs) => {
      clock[worker] = clock[worker]! + ms;
      vmMs += ms;
      executions += runs;
    });
    const thread = new BlockStmThread(timed.cells, L, f64, {
      bugs: 0, maxIncarnations: DEFAULT_MAX_INCARNATIONS, worker,
      beforeExecute: (tx) => {
        timed.txMs = txMs[tx]!;
      },
    });
    timed.runs = () => thread.counters.executions - thread.committed.executions;
    return {
      step: (state) => thread.step(state),
      begin: () => thread.counters.copyFrom(thread.committed),
      commit: () => {
        thread.committed.copyFrom(thread.counters);
        timed.charged = 0;
      },
    };
  };
  let now = 0;
  const wasRunnable = new Uint8Array(workers).fill(1);
  const earliest = (runnable: readonly number[]): number => {
    if (executions > limits.maxExecutions) throw TOO_CONTENDED;
    let best = 0;
    for (let k = 0; k < runnable.length; k++) {
      const w = runnable[k]!;
      // A worker that was parked waited for another's write: it resumes no earlier than now.
      if (!wasRunnable[w] && clock[w]! < now) clock[w] = now;
      if (clock[w]! < clock[runnable[best]!]!) best = k;
    }
    wasRunnable.fill(0);
    for (const w of runnable) wasRunnable[w] = 1;
    const w = runnable[best]!;
    now = clock[w]!;
    clock[w] = now + opMs;
    return best;
  };
  let sim: ReturnType<typeof simulate>;
  try {
    sim = simulate(i32, f64, workers, create, NO_TASK, {
      schedule: earliest, maxSteps: limits.maxSteps, ...(onAccess ? { onAccess } : {}),
    });
  } catch (e) {
    if (e !== TOO_CONTENDED) throw e;
    return { makespanMs: NaN, steps: NaN, executions, vmMs, transfers: transfers(), transfersBySection, failure: `stopped after ${executions} VM runs (${(executions / Math.max(1, block.txs.length)).toFixed(0)} per transaction): too contended to simulate` };
  }
  const makespanMs = clock.reduce((a, b) => Math.max(a, b), 0);
  let failure = '';
  if (sim.stuck) failure = 'every virtual worker was waiting';
  else if (sim.exhausted) failure = `stopped after ${sim.steps} scheduling points (the step budget)`;
  else if (i32[H.STATE] === ABORT_UNDECLARED) failure = UNDECLARED_FAILURE;
  else if (i32[H.STATE] !== DONE) failure = `the block was aborted (state ${i32[H.STATE]}: out of capacity or past the incarnation bound)`;
  else {
    const checked = finalize(block, L, i32, { executions: 0, reExecutions: 0, validations: 0, failedValidations: 0, estimateWaits: 0, dependencyResumes: 0, fallback: '' });
    if (typeof checked === 'string') failure = `invariant violated: ${checked}`;
  }
  return { makespanMs, steps: sim.steps, executions, vmMs, transfers: transfers(), transfersBySection, failure };
}

/**
 * The observer that charges each cache line a worker takes from another (bench/coherence.ts) to
 * that worker's clock, and counts it under its section of the arrays (sectionOf).
 */
function transferCharge(L: Layout, clock: Float64Array, transferMs: number, bySection: Map<string, number>): AccessObserver {
  const coherence = new Coherence(L.i32Size, L.f64Size);
  const section = sectionOf(L);
  return (worker, write, index, float) => {
    if (!coherence.access(worker, write, index, float)) return;
    clock[worker] = clock[worker]! + transferMs;
    const name = section(index, float);
    bySection.set(name, (bySection.get(name) ?? 0) + 1);
  };
}

/** The sections with the most transfers, per transaction: "status words 3.1, execution_idx 2.4, ...". */
function sectionsText(by: ReadonlyMap<string, number>, txs: number): string {
  const top = [...by].sort((a, b) => b[1] - a[1]).slice(0, SECTIONS_SHOWN);
  return top.map(([name, n]) => `${name} ${(n / Math.max(1, txs)).toFixed(1)}`).join(', ');
}

/** How many sections the model's words name. */
const SECTIONS_SHOWN = 5;

/**
 * The section of Block-STM's shared arrays (layout.ts) a cell is in, named as the code names it:
 * a header cell by its H name in lower case (execution_idx, validation_idx, active_tasks, ...),
 * else its table (status words, records, version nodes, ...). So the model can say where the
 * lines that move between workers are.
 */
export function sectionOf(L: Layout): (index: number, float: boolean) => string {
  const ints: [number, string][] = [
    ...Object.entries(H).map(([name, at]): [number, string] => [at, name.toLowerCase()]),
    [L.cursors, 'worker cursors'], [L.progTable, 'programs'], [L.txTable, 'transactions'], [L.status, 'status words'],
    [L.lastRecord, 'last records'], [L.depLock, 'dependency locks'], [L.depHead, 'dependency lists'], [L.keys, 'key table'],
    [L.nodes, 'version nodes'], [L.arena, 'records'],
  ];
  const floats: [number, string][] = [[L.code, 'code'], [L.txGas, 'gas limits'], [L.args, 'arguments'], [L.storage, 'pre-state values']];
  for (const starts of [ints, floats]) starts.sort((a, b) => a[0] - b[0]);
  const last = (starts: readonly [number, string][], index: number): string => {
    let name = starts[0]![1];
    for (const [start, n] of starts) if (index >= start) name = n;
    return name;
  };
  return (index, float) => last(float ? floats : ints, index);
}

/** The block the simulation runs: a generated block's hash-free twin (with the pre-state it was given), or the block itself. */
function simulationBlock(w: SweepWorkload): Block {
  const s = w.source;
  if (s.kind !== 'generated' || s.hashCost === 0) return w.block;
  const twin = generate(s.workload, { accounts: s.accounts, txs: s.txs, seed: s.seed, hashCost: 0, ...(s.zipf === undefined ? {} : { zipf: s.zipf }) });
  return { ...twin, preState: w.block.preState };
}

/**
 * Runs with more buffer capacity when a hot key needs more versions than the estimate. Starts at
 * 4x the estimate: a capacity abort is discovered late, so trying 1x first usually costs a run.
 */
function completedRun(block: Block, workers: number, txMs: Float64Array, opMs: number, limits: RunLimits, transferMs = 0): VirtualRun {
  let declaredOnly = loadsDeclaredOnly(block);
  let run = virtualRun(block, workers, txMs, opMs, limits, 4, declaredOnly, transferMs);
  if (run.failure === UNDECLARED_FAILURE) {
    // As in the executor: a read past the footprints reruns the block with the whole pre-state.
    declaredOnly = false;
    run = virtualRun(block, workers, txMs, opMs, limits, 4, declaredOnly, transferMs);
  }
  return run.failure.startsWith('the block was aborted') ? virtualRun(block, workers, txMs, opMs, limits, 16, declaredOnly, transferMs) : run;
}

export interface SimulateOptions {
  /** Virtual worker counts to predict. */
  readonly threads: readonly number[];
  /**
   * Step budget per run, as a multiple of the 1-worker run's scheduling points. Heavily contended
   * blocks at many workers re-execute dozens of times per transaction; past the budget the point
   * is reported as missing rather than letting one prediction take minutes.
   */
  readonly stepBudget: number;
  /** And an absolute cap on scheduling points per run (about 3 us each here). */
  readonly maxSteps: number;
  /**
   * VM runs per transaction after which a run stops as too contended: Block-STM at many workers
   * on a hot key re-executes dozens of times per transaction, which costs minutes to simulate.
   */
  readonly maxExecutionsPerTx: number;
  /** The modular executor's --modules and --partition in the sweep, where given. */
  readonly modular?: ModularSettings;
  /** The partitions the sweep measured the modular executor with, each its own runs (reports/partitions.ts) and its own predictions; absent: one. */
  readonly partitions?: readonly string[];
  /** The cross-core round trip the core probes measured (bench/core-latency.ts), in ns: Block-STM's fitted cost per line is shown beside half of it. */
  readonly crossCoreNs?: number;
  /** The machine's ceilings the sweep measured: both models charge each thread the slowdown they show (prediction.ts machineSlowdown). */
  readonly ceilings?: readonly MeasuredCeiling[];
  /** Why the ceilings are not charged: the core probes found cores of unequal speed. */
  readonly unequalCores?: string;
  /**
   * How the main thread's steps that medianTime times are timed (Block-STM writing the block, the
   * preflight's check). A test gives them a fixed time, so that what it fits does not depend on what else
   * the machine runs beside it.
   */
  readonly timeMainThread?: (step: () => void) => number;
  readonly onProgress?: (done: number, total: number, what: string) => void;
}

/** The executors with a model, by registry name. */
export const SIMULATED_EXECUTORS = [SIMULATED_EXECUTOR, MODULAR_EXECUTOR] as const;

/**
 * Predicts the speedup of Block-STM and of the modular executor on every workload at `threads`
 * virtual workers, each calibrated from the sweep's 1-thread runs of the baseline and of itself.
 */
export function simulateScaling(workloads: readonly SweepWorkload[], runs: readonly RunResult[], o: SimulateOptions): Simulation {
  const { threads, onProgress } = o;
  // Each partition's runs calibrate its own model, and its points carry their label.
  const sides = SIMULATED_EXECUTORS.flatMap((executor): { executor: string; label: string; modular: ModularSettings }[] => (executor === MODULAR_EXECUTOR && o.partitions !== undefined
    ? o.partitions.map((partition) => ({ executor, label: partitionLabel(executor, partition), modular: { ...o.modular, partition } }))
    : [{ executor, label: executor, modular: o.modular ?? {} }]));
  const ran = (label: string): boolean => runs.some((r) => r.executor === label);
  const modelled = sides.filter((e) => runs.some((r) => r.executor === e.label && r.threads === 1));
  const missing: string[] = sides.filter((e) => ran(e.label) && !modelled.includes(e))
    .map((e) => `${e.label} was not measured at 1 thread (1 not among --threads): nothing to calibrate from`);
  if (modelled.length === 0) {
    if (missing.length === 0) missing.push(`neither ${SIMULATED_EXECUTORS.join(' nor ')} was measured at 1 thread (not in the registry, not selected, or 1 not among --threads): nothing to calibrate from`);
    return { points: [], gaps: missing };
  }
  const points: SimulatedPoint[] = [];
  const slowdown = machineSlowdown(o.ceilings ?? [], o.unequalCores);
  const total = workloads.length * threads.length * modelled.length;
  let done = 0;
  onProgress?.(0, total, '');
  for (const w of workloads) {
    const baseline = runs.find((r) => r.workload === w.id && r.role === 'baseline' && r.threads === 1);
    const receipts = executeReference(w.block).receipts;
    const gas = receipts.reduce((s, r) => s + r.gasUsed, 0);
    const block = simulationBlock(w);
    const preflightMs = preflightCost(w.block, o.timeMainThread ?? medianTime);
    const threadGaps: ThreadGap[] = [];
    for (const { executor: model, label: executor, modular } of modelled) {
      const measured = runs.find((r) => r.workload === w.id && r.executor === executor && r.threads === 1 && r.correct);
      if (!baseline || !measured || measured.fallbackShare > 0) {
        missing.push(measured && measured.fallbackShare > 0
          ? `${w.id}: ${executor} did not run in parallel at 1 thread (${measured.fallback || 'fell back'}), so there is no parallel run to calibrate from`
          : `${w.id}: needs ${executor} and the baseline measured at 1 thread`);
        done += threads.length;
        continue;
      }
      const seqMs = median(baseline.samplesMs);
      const oneMs = median(measured.samplesMs);
      // Zero-gas (skipped) transactions still cost a little to schedule: the op cost covers that.
      const txMs = Float64Array.from(receipts, (r) => (gas === 0 ? 0 : (r.gasUsed / gas) * seqMs));
      const vm = `VM ${((seqMs / Math.max(1, gas)) * 1e6).toFixed(2)} ns/gas (sequential baseline ${seqMs.toFixed(2)} ms)`;
      // The handover cost is fitted to a 2-thread run only where every block of it ran in parallel.
      const two = runs.find((r) => r.workload === w.id && r.executor === executor && r.threads === 2);
      const unfitted = !two ? 'no 2-thread run' : !two.correct ? 'the 2-thread run did not match the reference'
        : two.fallbackShare === undefined ? 'the 2-thread run does not record how many blocks it sent to the sequential executor'
          : two.fallbackShare > 0 ? `the 2-thread run sent ${(two.fallbackShare * 100).toFixed(1)}% of its blocks to the sequential executor` : undefined;
      const input: ModelInput = {
        id: w.id, block: w.block, simBlock: block, seqMs, oneMs, ...(unfitted === undefined ? { twoMs: median(two!.samplesMs) } : { unfitted }), preflightMs, txMs, threads, vm,
        ...(slowdown ? { slowdown } : {}),
      };
      const predicted = model === MODULAR_EXECUTOR ? predictModular(input, modular, executor) : predictBlockStm(input, o);
      points.push(...predicted.points);
      missing.push(...predicted.gaps);
      threadGaps.push(...predicted.threadGaps);
      done += threads.length;
      onProgress?.(done, total, `${w.id}: ${executor}`);
    }
    missing.push(...gapLines(threadGaps));
  }
  return { points, gaps: missing };
}

/** Block-STM's points on one workload: fits the shared-memory cost to its 1-thread median and the cost of a cache-line transfer to its 2-thread median, then runs the virtual workers. */
function predictBlockStm(input: ModelInput, o: SimulateOptions): Predictions {
  const { id, block: real, simBlock: block, oneMs, twoMs, preflightMs, txMs, vm } = input;
  const fit = completedRun(block, 1, txMs, 0, { maxSteps: Number.MAX_SAFE_INTEGER, maxExecutions: Number.MAX_SAFE_INTEGER });
  if (fit.failure) return { points: [], gaps: [`${id}: the 1-worker calibration run failed: ${fit.failure}`], threadGaps: [] };
  // The executor keeps its buffers from block to block, so these are allocated once, outside the timing.
  const capacity = (): Capacity => estimateCapacity(real, 1, 1, loadsDeclaredOnly(real));
  const layout = layoutFor(real, capacity());
  const i32 = new Int32Array(layout.i32Size);
  const f64 = new Float64Array(layout.f64Size);
  const setupMs = (o.timeMainThread ?? medianTime)(() => writeBlock(real, layoutFor(real, capacity()), i32, f64));
  const opMs = Math.max(0, (oneMs - setupMs - fit.vmMs) / fit.steps);
  const fitted = opMs > 0 ? `(fitted to ${SIMULATED_EXECUTOR}'s measured 1-thread ${oneMs.toFixed(2)} ms)` : unfitted(setupMs + fit.vmMs, oneMs);
  const limits: RunLimits = {
    maxSteps: Math.min(o.maxSteps, Math.ceil(o.stepBudget * fit.steps)), maxExecutions: o.maxExecutionsPerTx * Math.max(1, block.txs.length),
  };
  // The machine's slowdown at T threads stretches every worker's work; a line moving between cores costs the same.
  const costs = costsAt(input);
  const atThreads = (t: number, transferMs: number) => completedRun(block, t, costs(t).txMs, opMs * costs(t).slow, limits, transferMs);
  const probe = (transferMs: number) => {
    const run = atThreads(2, transferMs);
    return run.failure ? run.failure : { ms: run.makespanMs + setupMs + preflightMs, transfers: run.transfers, where: sectionsText(run.transfersBySection, block.txs.length) };
  };
  const beside = o.crossCoreNs === undefined ? undefined : `half the cross-core round trip the probes measured: ${(o.crossCoreNs / 2).toFixed(0)} ns`;
  const transfer = fitTransfer(probe, twoMs, block.txs.length, 'cache line a worker takes from another', beside, input.unfitted);
  const model = `${vm}, ${(opMs * 1e6).toFixed(0)} ns per shared-memory operation ${fitted}; ${transfer.words}; `
    + `main thread as timed here: laying out and writing the block ${setupMs.toFixed(2)} ms${input.slowdown ? `; ${input.slowdown.words}` : ''}`;
  return predictEach(input, SIMULATED_EXECUTOR, { words: model, handoverFitted: transfer.fitted }, (t) => {
    const run = atThreads(t, transfer.ms);
    return run.failure || run.makespanMs + setupMs;
  });
}
