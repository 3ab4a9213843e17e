// Simulated scaling of the modular executor: its lane protocol replayed on the block's own plan as
// a discrete-event model in virtual time, to predict its speedup at thread counts this machine
// does not have.
//
// Block-STM's prediction (simulate.ts) steps its real thread code one shared-memory operation at
// a time; the lane threads cannot be run that way at many workers (a claim scans every lane, and
// the simulated runtime re-runs an iteration from its start at each operation). So the real
// planner plans the block (home lanes, lane order, and per key the count of finished accesses
// each transaction waits for), and the model replays the protocol on that plan: a worker holding
// a lane runs its next transaction once it is published and its waits are met, else releases the
// lane and claims the free lane whose next transaction is ready and lowest in block order
// (thread.ts), or waits for the next event. The main thread is modelled as the executor uses it
// (executor.ts): before each window it runs barriers, plans a first chunk, then publishes the rest
// chunk by chunk while the lanes run; at 1 thread the one worker is given the window once it is
// planned and reads it back alone, from 2 threads on the main thread joins the lanes once the
// window is planned, and once they are done the workers and the main thread read back an equal
// share of the window each (collect.ts); the main thread takes the results in block order.
//
// Costs: a transaction's VM run costs its gas x (sequential baseline median / block gas); the
// main thread's steps (set-up, barriers, planning per transaction, reading back, taking the
// results) cost what they took here, timed in this process on the same block; each shared-memory
// operation costs one figure, counted per execution (with one lane thread, here) and per lane a
// claim scans, and fitted by bisection so that the 1-thread model takes the modular executor's
// measured 1-thread median (0 when the model takes longer even without them); each slot or lane
// a worker takes over from another (their cache lines move between cores) costs another, fitted
// so that the 2-thread model takes the measured 2-thread median (0 when it takes longer even
// without them: its words then say it is slower than measured, so pessimistic). Not modelled: the
// other lines that cross (records, plan entries), cache capacity, memory bandwidth, wake-up
// latency, SMT, the modules' effect on the plan beyond the lanes it makes.
// Invariant: a point is predicted only from a measured 1-thread run that ran the lanes, and only
// at thread counts where the executor would run them (its preflight sends near-serial blocks to
// the sequential executor from 2 threads on); otherwise the reason is given.

import type { Block } from '../spec/block.js';
import { plural } from '../spec/plural.js';
import { AtomicCells, observedCells } from '../impl/runtime/cells.js';
import { SharedArrays } from '../impl/runtime/shared-arrays.js';
import { effectiveCores } from '../impl/runtime/cores.js';
import { BlockRun } from '../impl/modular/block-run.js';
import { defaultModules, FIRST_CHUNK, MAX_CHUNK } from '../impl/modular/executor.js';
import { affinityPartitioner, DEFAULT_PARTITION, partitionerFor, type Partitioner, type Placement } from '../impl/modular/partition.js';
import { PlanScratch } from '../impl/modular/scratch.js';
import { collectChunks, COLLECT_CHUNK, type CollectedChunk } from '../impl/modular/collect.js';
import { H, RUNNING, type Layout } from '../impl/modular/layout.js';
import { LaneThread } from '../impl/modular/thread.js';
import { FINISHED } from '../impl/runtime/sim.js';
import { median } from '../reports/stats.js';
import { Coherence } from './coherence.js';
import { costsAt, fitTransfer, predictEach, unfitted, type ModelInput, type Predictions } from './prediction.js';

/** The registry name of the executor this file models. */
export const MODULAR_EXECUTOR = 'modular';
/**
 * In-process runs of the block before and while the main thread is timed: the planning code takes
 * about 15 runs of a 10,000-transaction block to reach its steady speed in a fresh process (1.7 us
 * per transaction at first, 0.3-0.5 us after), and the median of the timed runs is kept.
 */
const WARM_RUNS = 10;
const TIMED_RUNS = 5;

/** One window of lane transactions, as planned. */
interface PlannedWindow {
  readonly from: number;
  readonly to: number;
  /** Whether the main thread joins the lanes once it has planned the window (not beside one hot lane). */
  readonly mainJoins: boolean;
  /** Each lane's transactions in this window, in block order. */
  readonly lanes: readonly Int32Array[];
}

/** The block's plan as the modular executor makes it with some number of modules, and the lane thread's operations on it. */
export interface ModularPlan {
  readonly modules: number;
  readonly windows: readonly PlannedWindow[];
  /** Per transaction, its entries' range in `slot` and `wait`. */
  readonly entryStart: Int32Array;
  readonly slot: Int32Array;
  readonly wait: Int32Array;
  readonly slots: number;
  /** Shared-memory operations per executed transaction, and per lane a claim scans, counted with one lane thread. */
  readonly opsPerTx: number;
  readonly scanOpsPerLane: number;
}

/** How long the main thread's steps take, timed in this process. */
export interface MainThreadCosts {
  /** Before each window's lanes (barriers, opening it), in ms. */
  readonly preMs: readonly number[];
  /** Planning, per transaction. */
  readonly planMsPerTx: number;
  /** Reading each window back (collect.ts), all of it on one thread; the model shares it out. */
  readonly collectMs: readonly number[];
  /** Taking each window's results in block order (the last one includes the barriers after it and building the result). */
  readonly closeMs: readonly number[];
}

/** The main thread's costs where each thread works `s` times slower: its planning and reading back, which run beside the lanes; not what it does while they wait. */
export function slowedMain(main: MainThreadCosts, s: number): MainThreadCosts {
  return s === 1 ? main : { ...main, planMsPerTx: main.planMsPerTx * s, collectMs: main.collectMs.map((ms) => ms * s) };
}

/** The modules the executor would use on a machine with `threads` cores (this one's effective cores at least, as the measured runs had), unless the run set them. */
export function modulesFor(threads: number, settings: { readonly modules?: number }): number {
  return settings.modules ?? defaultModules(Math.max(threads, effectiveCores()));
}

/** The main thread's steps, timed, and the lane thread's operations, counted, in one run of the block. */
interface TimedRun {
  readonly layout: Layout;
  readonly preMs: readonly number[];
  readonly planMs: number;
  readonly collectMs: readonly number[];
  readonly closeMs: readonly number[];
  readonly executions: number;
  /** Operations of steps that ran or released a lane. */
  readonly executeOps: number;
  /** Operations of steps that claimed a lane (or found none), and how many lanes those steps scanned in all. */
  readonly claimOps: number;
  readonly lanesScanned: number;
}

/**
 * Runs the block once in this process as the executor's main thread would, with one lane thread
 * over plain memory running each window once it is planned, timing the main thread's steps.
 * `capture` sees each window once it is planned, before its lanes run.
 */
function timedRun(block: Block, modules: number, partition: string | Partitioner, buffers: SharedArrays, scratch: PlanScratch, capture: (run: BlockRun) => void): TimedRun {
  const started = performance.now();
  const run = new BlockRun(block, { modules, partitioner: typeof partition === 'string' ? partitionerFor(partition) : partition, misroute: false, kindBlind: false, deltaSkipsReads: false, threads: 1, outputScale: 1 }, buffers, scratch);
  // Partitioning, the layout and the access map's set-up: the main thread's, before the first window.
  const setupMs = performance.now() - started;
  const { i32, f64 } = run.buffers;
  // Counts the operations that are atomic when workers share the arrays (plain reads and writes are not).
  let ops = 0;
  const cells = observedCells(new AtomicCells(i32, f64, () => {}, true), () => ops++);
  const preMs: number[] = [];
  const collectMs: number[] = [];
  const closeMs: number[] = [];
  let planMs = 0;
  let executions = 0;
  let executeOps = 0;
  let claimOps = 0;
  let lanesScanned = 0;
  for (let t0 = performance.now(); ; t0 = performance.now()) {
    const more = run.nextWindow();
    const t1 = performance.now();
    if (!more) {
      // Barriers after the last window, and building the result, follow the last collection.
      run.result();
      const tailMs = performance.now() - t0;
      if (closeMs.length > 0) closeMs[closeMs.length - 1]! += tailMs;
      break;
    }
    while (run.planSome(block.txs.length));
    const t2 = performance.now();
    preMs.push(t1 - t0 + (preMs.length === 0 ? setupMs : 0));
    planMs += t2 - t1;
    capture(run);
    const thread = new LaneThread(cells, run.L, i32, f64, 0);
    // State 0: holding no lane, so the step claims one (thread.ts).
    for (let state = 0; state !== FINISHED;) {
      const before = ops;
      const claiming = state === 0;
      state = thread.step(state);
      if (claiming) {
        claimOps += ops - before;
        lanesScanned += modules;
      } else {
        executeOps += ops - before;
      }
    }
    executions += thread.counters.executions;
    const t3 = performance.now();
    const chunks: CollectedChunk[] = [];
    if (i32[H.STATE] === RUNNING) collectChunks(i32, f64, run.L, chunks);
    const t4 = performance.now();
    run.closeWindow(thread.counters, 0, chunks);
    collectMs.push(t4 - t3);
    closeMs.push(performance.now() - t4);
  }
  if (run.fallback) throw new Error(`the in-process run fell back: ${run.fallback}`);
  return { layout: run.L, preMs, planMs, collectMs, closeMs, executions, executeOps, claimOps, lanesScanned };
}

/**
 * The plan of the window the run has just planned: its range, whether the main thread joins, each
 * lane's transactions. `last` holds each lane's last transaction seen in earlier windows (-1:
 * none), so each link is followed once over the block.
 */
function captureWindow(run: BlockRun, last: Int32Array): PlannedWindow {
  const { L } = run;
  const { i32 } = run.buffers;
  const to = i32[H.WINDOW_END]!;
  const lanes: Int32Array[] = [];
  let from = to;
  for (let lane = 0; lane < L.modules; lane++) {
    const txs: number[] = [];
    const seen = last[lane]!;
    for (let tx = seen < 0 ? i32[L.laneHead + lane]! : i32[L.nextInLane + seen]!; tx >= 0 && tx < to; tx = i32[L.nextInLane + tx]!) txs.push(tx);
    if (txs.length > 0) {
      from = Math.min(from, txs[0]!);
      last[lane] = txs[txs.length - 1]!;
    }
    lanes.push(Int32Array.from(txs));
  }
  return { from, to, mainJoins: i32[H.JOIN] === 1, lanes };
}

/** Plans the block with `modules` modules, as the executor would, and counts one lane thread's operations on it. */
export function planModular(block: Block, modules: number, partition: string | Partitioner): ModularPlan {
  const windows: PlannedWindow[] = [];
  const buffers = new SharedArrays();
  const last = new Int32Array(modules).fill(-1);
  const run = timedRun(block, modules, partition, buffers, new PlanScratch(), (r) => windows.push(captureWindow(r, last)));
  const n = block.txs.length;
  const { txStart, entrySlot, entryWait } = run.layout;
  const entryStart = buffers.i32.slice(txStart, txStart + n + 1);
  const entries = entryStart[n]!;
  const slot = buffers.i32.slice(entrySlot, entrySlot + entries);
  return {
    modules,
    windows,
    entryStart,
    slot,
    wait: buffers.i32.slice(entryWait, entryWait + entries),
    slots: slot.reduce((m, x) => Math.max(m, x + 1), 0),
    opsPerTx: run.executions === 0 ? 0 : run.executeOps / run.executions,
    scanOpsPerLane: run.lanesScanned === 0 ? 0 : run.claimOps / run.lanesScanned,
  };
}

/** Times the main thread's steps on the block: the median of TIMED_RUNS in-process runs after WARM_RUNS. */
export function timeMainThread(block: Block, modules: number, partition: string | Partitioner): MainThreadCosts {
  const buffers = new SharedArrays();
  const scratch = new PlanScratch();
  const runs = Array.from({ length: WARM_RUNS + TIMED_RUNS }, () => timedRun(block, modules, partition, buffers, scratch, () => {})).slice(WARM_RUNS);
  const n = block.txs.length;
  return {
    preMs: runs[0]!.preMs.map((_, w) => median(runs.map((t) => t.preMs[w]!))),
    planMsPerTx: median(runs.map((t) => t.planMs)) / Math.max(1, n),
    collectMs: runs[0]!.collectMs.map((_, w) => median(runs.map((t) => t.collectMs[w]!))),
    closeMs: runs[0]!.closeMs.map((_, w) => median(runs.map((t) => t.closeMs[w]!))),
  };
}

export interface ModularVirtualRun {
  /** Virtual time from the block's start to its result, in ms. */
  readonly makespanMs: number;
  /** Shared-memory operations charged over all workers. */
  readonly ops: number;
  /** Slots and lanes a worker took over from another (each a cache line moving between cores). */
  readonly transfers: number;
}

/** When the main thread publishes each chunk of a window's plan, from `start` on. */
function publications(from: number, to: number, start: number, msPerTx: number): { upTo: number[]; at: number[] } {
  const upTo: number[] = [];
  const at: number[] = [];
  let t = start;
  let planned = from;
  for (let chunk = FIRST_CHUNK; planned < to; chunk = Math.min(MAX_CHUNK, 2 * chunk)) {
    const c = Math.min(chunk, to - planned);
    planned += c;
    t += c * msPerTx;
    upTo.push(planned);
    at.push(t);
  }
  return { upTo, at };
}

/**
 * The modular executor on `threads` threads in virtual time, over the plan: `txMs[i]` is
 * transaction i's VM run, `opMs` one shared-memory operation, `transferMs` one handover: a slot
 * (the cache line of its value and count) or a lane (of its cursor) that a worker reads after
 * another wrote it, or writes while another holds it, followed as bench/coherence.ts follows
 * lines. A worker reads a lane's cursor and the slots of its next transaction when it checks
 * whether that may start, and writes them when it runs it. With one worker there are none, so the
 * 1-thread fit does not depend on it.
 */
export function modularVirtualRun(plan: ModularPlan, main: MainThreadCosts, threads: number, txMs: Float64Array, opMs: number, transferMs = 0): ModularVirtualRun {
  const { modules, entryStart, slot, wait } = plan;
  const served = new Int32Array(plan.slots);
  // One line per slot, then one per lane, as Int32 cells 16 apart; with one worker nothing moves,
  // so the 1-thread runs (the operation cost's bisection makes dozens) follow nothing.
  const lines = threads > 1 ? new Coherence(16 * (plan.slots + modules), 0) : null;
  const laneLine = (lane: number): number => 16 * (plan.slots + lane);
  /** Handovers of the step being modelled, charged to its worker. */
  let moved = 0;
  const execMs = plan.opsPerTx * opMs;
  const scanOps = plan.scanOpsPerLane * modules;
  const scanMs = scanOps * opMs;
  // Workers 0 .. threads - 2 are the pool's; from 2 threads on the last is the main thread.
  const workers = threads === 1 ? 1 : threads;
  const free = new Float64Array(workers);
  const running = new Int32Array(workers);
  const held = new Int32Array(workers);
  const owner = new Int32Array(modules);
  const cursor = new Int32Array(modules);
  let ops = 0;
  let clock = 0;
  const ready = (worker: number, tx: number): boolean => {
    for (let e = entryStart[tx]!; e < entryStart[tx + 1]!; e++) {
      if (lines?.access(worker, false, 16 * slot[e]!, false)) moved++;
      if (served[slot[e]!]! < wait[e]!) return false;
    }
    return true;
  };
  plan.windows.forEach((win, w) => {
    const { lanes } = win;
    const pub = publications(win.from, win.to, clock + main.preMs[w]!, main.planMsPerTx);
    const planEnd = pub.at.at(-1) ?? clock;
    // At 1 thread the one worker is given the window once it is planned.
    const lanesStart = threads === 1 ? planEnd : pub.at[0] ?? clock;
    let published = 0;
    let remaining = lanes.reduce((s, l) => s + l.length, 0);
    free.fill(lanesStart);
    running.fill(-1);
    held.fill(-1);
    owner.fill(-1);
    cursor.fill(0);
    if (threads > 1) free[workers - 1] = win.mainJoins ? planEnd : Infinity;
    const start = (worker: number, lane: number, at: number): void => {
      const tx = lanes[lane]![cursor[lane]!++]!;
      if (lines?.access(worker, true, laneLine(lane), false)) moved++;
      for (let e = entryStart[tx]!; e < entryStart[tx + 1]!; e++) if (lines?.access(worker, true, 16 * slot[e]!, false)) moved++;
      running[worker] = tx;
      free[worker] = at + txMs[tx]! + execMs + moved * transferMs;
      moved = 0;
      ops += plan.opsPerTx;
    };
    /** The lane's next transaction if `worker` may start it now (`published` brought up to now), else -1. */
    const startable = (worker: number, lane: number): number => {
      const upTo = published === 0 ? win.from : pub.upTo[published - 1]!;
      if (lines?.access(worker, false, laneLine(lane), false)) moved++;
      const tx = cursor[lane]! < lanes[lane]!.length ? lanes[lane]![cursor[lane]!]! : -1;
      return tx >= 0 && tx < upTo && ready(worker, tx) ? tx : -1;
    };
    let end = lanesStart;
    while (remaining > 0) {
      // The earliest worker; at equal times one finishing a transaction goes first, so a claim sees every finish up to now.
      let k = -1;
      for (let u = 0; u < workers; u++) {
        if (k < 0 || free[u]! < free[k]! || (free[u] === free[k] && running[u]! >= 0 && running[k]! < 0)) k = u;
      }
      const now = free[k]!;
      if (!Number.isFinite(now)) throw new Error(`modular model: window ${w} stuck with ${plural(remaining, 'transaction')} left`);
      while (published < pub.at.length && pub.at[published]! <= now) published++;
      const finished = running[k]!;
      if (finished >= 0) {
        for (let e = entryStart[finished]!; e < entryStart[finished + 1]!; e++) served[slot[e]!]!++;
        running[k] = -1;
        end = now;
        if (--remaining === 0) break;
      }
      const mine = held[k]!;
      if (mine >= 0) {
        if (startable(k, mine) >= 0) {
          start(k, mine, now);
          continue;
        }
        owner[mine] = -1;
        held[k] = -1;
      }
      ops += scanOps;
      let scanned = now + scanMs;
      let best = -1;
      let bestTx = Infinity;
      for (let lane = 0; lane < modules; lane++) {
        if (owner[lane]! >= 0) continue;
        const tx = startable(k, lane);
        if (tx >= 0 && tx < bestTx) {
          best = lane;
          bestTx = tx;
        }
      }
      if (best >= 0) {
        owner[best] = k;
        held[k] = best;
        start(k, best, scanned);
        continue;
      }
      scanned += moved * transferMs;
      moved = 0;
      // Nothing to claim: wait for the next finish or publication (both later than now).
      let next = published < pub.at.length ? pub.at[published]! : Infinity;
      for (let u = 0; u < workers; u++) if (running[u]! >= 0 && free[u]! > now) next = Math.min(next, free[u]!);
      free[k] = Math.max(scanned, next);
    }
    // The workers and the main thread read back an equal share of the chunks at once (at 1 thread
    // the one worker alone); the main thread then takes them in order.
    const chunks = Math.ceil((win.to - win.from) / COLLECT_CHUNK);
    const readers = Math.min(chunks, threads);
    const readMs = (main.collectMs[w]! * Math.ceil(chunks / Math.max(1, readers))) / Math.max(1, chunks);
    clock = Math.max(end + readMs, planEnd) + main.closeMs[w]!;
  });
  return { makespanMs: clock, ops, transfers: lines?.transfers ?? 0 };
}

/**
 * The operation cost at which `makespan` (rising with it) equals `target`: 0 when even free
 * operations take longer, else found by bisection (the 1-thread makespan is not linear in it once
 * the one worker catches up with the planning main thread).
 */
export function fitOpMs(makespan: (opMs: number) => number, target: number): number {
  if (makespan(0) >= target) return 0;
  let hi = 1e-6;
  // Up to 1 ms an operation: a makespan that no operation cost reaches has no operations at all.
  while (makespan(hi) < target) {
    if (hi > 1) return 0;
    hi *= 2;
  }
  let lo = 0;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (makespan(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** What the modular executor ran with in the sweep: --modules and --partition, where given. */
export interface ModularSettings {
  readonly modules?: number;
  readonly partition?: string;
  /**
   * bench --train: the affinity placement for a module count, which the model's affinity plans
   * place by instead of learning each block's (the sweep's own at its module count, trained again
   * on the same sample at another machine's).
   */
  readonly placements?: (modules: number) => Placement;
}

/**
 * Predicts the modular executor's speedup at each thread count on a block, calibrated from its
 * measured 1-thread median. The plan is made from `simBlock`: a hash-free twin has the same
 * footprints, so the same plan. `label`: what its runs and so its points are called (a sweep of
 * several partitions labels each, reports/partitions.ts).
 */
export function predictModular(input: ModelInput, settings: ModularSettings, label: string = MODULAR_EXECUTOR): Predictions {
  try {
    return predicted(input, settings, label);
  } catch (e) {
    // The in-process run behind the model fell back (say an outputs arena the executor had grown
    // by then): no plan to replay.
    return { points: [], gaps: [`${input.id}: the ${label} model could not be calibrated: ${(e as Error).message}`], threadGaps: [] };
  }
}

function predicted(input: ModelInput, settings: ModularSettings, label: string): Predictions {
  const { id, simBlock, oneMs, txMs, vm } = input;
  const partition = settings.partition ?? DEFAULT_PARTITION;
  const trained = partition === 'affinity' ? settings.placements : undefined;
  const partitionAt = (modules: number): string | Partitioner => (trained ? affinityPartitioner(trained(modules)) : partition);
  const plans = new Map<number, ModularPlan>();
  const planFor = (modules: number): ModularPlan => {
    let plan = plans.get(modules);
    if (!plan) plans.set(modules, (plan = planModular(simBlock, modules, partitionAt(modules))));
    return plan;
  };
  const modules = modulesFor(1, settings);
  const calibration = planFor(modules);
  if (calibration.windows.length === 0) return { points: [], gaps: [`${id}: every transaction is a barrier, so the modular executor runs none in a lane`], threadGaps: [] };
  // The main thread's steps hardly depend on the modules: timed once, with the measured run's.
  const main = timeMainThread(simBlock, modules, partitionAt(modules));
  const oneThread = (op: number) => modularVirtualRun(calibration, main, 1, txMs, op).makespanMs;
  const opMs = fitOpMs(oneThread, oneMs);
  const fitted = opMs > 0 ? `(fitted to ${label}'s measured 1-thread ${oneMs.toFixed(2)} ms)` : unfitted(oneThread(0), oneMs);
  const pair = planFor(modulesFor(2, settings));
  const handover = 'slot or lane a worker takes over from another';
  // The machine's slowdown at T threads stretches what the threads do at once (prediction.ts machineSlowdown).
  const costs = costsAt(input);
  const atThreads = (plan: ModularPlan, t: number, transferMs: number) => {
    const { slow, txMs: stretched } = costs(t);
    return modularVirtualRun(plan, slowedMain(main, slow), t, stretched, opMs * slow, transferMs);
  };
  const transfer = fitTransfer((transferMs) => {
    const run = atThreads(pair, 2, transferMs);
    return { ms: run.makespanMs + input.preflightMs, transfers: run.transfers };
  }, input.twoMs, simBlock.txs.length, handover, undefined, input.unfitted);
  const model = `lanes replayed on the block's plan; ${vm}; main thread as timed here: planning ${(main.planMsPerTx * 1e3).toFixed(2)} us per transaction, `
    + `reading back ${main.collectMs.reduce((a, b) => a + b, 0).toFixed(2)} ms (shared out), taking the results ${main.closeMs.reduce((a, b) => a + b, 0).toFixed(2)} ms; `
    + `${(opMs * 1e6).toFixed(0)} ns per shared-memory operation ${fitted}; ${transfer.words}; modules: ${settings.modules ?? 'two per core, at least 8'}`
    + (trained ? '; affinity placed as trained on the sample (trained again for each module count)' : '')
    + (input.slowdown ? `; ${input.slowdown.words} (the main thread's planning and reading back too, which run beside the lanes)` : '');
  return predictEach(input, label, { words: model, handoverFitted: transfer.fitted }, (t) => atThreads(planFor(modulesFor(t, settings)), t, transfer.ms).makespanMs,
    (t) => modulesFor(t, settings));
}
