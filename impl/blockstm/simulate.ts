// Block-STM on the deterministic simulated runtime: the hook the property suite uses to explore,
// shrink and replay interleavings. The same thread logic, multi-version memory and scheduler as
// the real executor run as N virtual workers over plain memory, one shared-memory operation per
// scheduling point, under a seeded random, PCT or recorded schedule.
// Invariant: (block, threads, bugs, maxIncarnations, capacityScale, declaredOnly, schedule)
// determines the run bit for bit, so `schedule: run.schedule` replays it; the result is always
// complete: when the parallel run cannot finish (stuck, out of steps, watchdog, a violated
// invariant, a read of a pre-state value that was not loaded) the block is executed sequentially
// and `outcome` and stats.fallback say why. (The real executor reruns that last case in parallel
// with the whole pre-state; one run per schedule keeps replay exact here.)

import type { Block, BlockResult } from '../../spec/block.js';
import { emptyStats } from '../../spec/block.js';
import type { Cells } from '../runtime/cells.js';
import { simulate, type Schedule, type SimWorker } from '../runtime/sim.js';
import { bugMask, type BugName } from './bugs.js';
import { finalize, sequentialFallback } from './finalize.js';
import { ABORT_CAPACITY, ABORT_CONTENTION, ABORT_INCARNATIONS, ABORT_UNDECLARED, DONE, H, estimateCapacity, layoutFor, writeBlock } from './layout.js';
import { Counters, NO_TASK } from './scheduler.js';
import { BlockStmThread, contentionReason, DEFAULT_MAX_INCARNATIONS } from './thread.js';

export { DEFAULT_MAX_INCARNATIONS };

export interface SimulatedRunOptions {
  readonly threads: number;
  readonly schedule: Schedule;
  readonly seed?: number;
  readonly bugs?: Iterable<BugName>;
  readonly maxIncarnations?: number;
  /** Scheduling points before the run counts as making no progress (default 2,000,000). */
  readonly maxSteps?: number;
  readonly pctDepth?: number;
  /** PCT's horizon for change points; defaults to an estimate of the run's length. */
  readonly pctSteps?: number;
  /** Multiplies the estimated buffer capacities (below 1 to exercise running out). */
  readonly capacityScale?: number;
  /** The contention check's window (off by default, so runs exercise the parallel algorithm). */
  readonly contentionWindow?: number;
  /** Load only the declared keys of the pre-state (layout.ts); every program must declare a footprint. */
  readonly declaredOnly?: boolean;
}

export type SimulatedOutcome = 'done' | 'stuck' | 'exhausted' | 'incarnation-bound' | 'contention' | 'capacity' | 'undeclared' | 'invariant';

export interface SimulatedRun {
  readonly result: BlockResult;
  readonly outcome: SimulatedOutcome;
  /** Why the run's result is not the parallel one; '' when outcome is 'done'. */
  readonly reason: string;
  /** The index chosen at every scheduling point: pass it as `schedule` to replay this run. */
  readonly schedule: number[];
  /** Runnable workers at every scheduling point, for enumerating alternatives. */
  readonly branching: number[];
  /** The worker that ran at every scheduling point. */
  readonly ran: number[];
  readonly steps: number;
  readonly counters: {
    readonly executions: number;
    readonly reExecutions: number;
    readonly validations: number;
    readonly failedValidations: number;
    readonly estimateWaits: number;
    readonly dependencyResumes: number;
  };
}

export function runBlockStmSimulated(block: Block, options: SimulatedRunOptions): SimulatedRun {
  const { threads } = options;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be an integer >= 1, got ${threads}`);
  const maxIncarnations = options.maxIncarnations ?? DEFAULT_MAX_INCARNATIONS;
  const L = layoutFor(block, estimateCapacity(block, options.capacityScale ?? 1, threads, options.declaredOnly ?? false));
  const i32 = new Int32Array(L.i32Size);
  const f64 = new Float64Array(L.f64Size);
  writeBlock(block, L, i32, f64);
  const bugs = bugMask(options.bugs);
  const workers: BlockStmThread[] = [];
  const create = (worker: number, cells: Cells): SimWorker => {
    const thread = new BlockStmThread(cells, L, f64, {
      bugs, maxIncarnations, beforeExecute: null, contentionWindow: options.contentionWindow ?? 0, workers: threads, worker,
    });
    workers.push(thread);
    return {
      step: (state) => thread.step(state),
      begin: () => thread.counters.copyFrom(thread.committed),
      commit: () => thread.committed.copyFrom(thread.counters),
    };
  };
  const sim = simulate(i32, f64, threads, create, NO_TASK, {
    schedule: options.schedule,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    maxSteps: options.maxSteps ?? 2_000_000,
    ...(options.pctDepth === undefined ? {} : { pctDepth: options.pctDepth }),
    pctSteps: options.pctSteps ?? 40 * Math.max(1, block.txs.length),
  });
  const total = new Counters();
  for (const w of workers) w.committed.addTo(total);
  const counters = { ...total, reExecutions: Math.max(0, total.executions - block.txs.length) };
  const stats = { ...emptyStats(), ...counters, threads, steps: sim.steps };
  const state = i32[H.STATE]!;
  let outcome: SimulatedOutcome = 'done';
  let reason = '';
  let result: BlockResult | string = '';
  if (sim.stuck) {
    outcome = 'stuck';
    reason = 'watchdog: every virtual worker is spinning and none can make progress';
  } else if (sim.exhausted) {
    outcome = 'exhausted';
    reason = `watchdog: no completion after ${sim.steps} scheduling points`;
  } else if (state === ABORT_INCARNATIONS) {
    outcome = 'incarnation-bound';
    reason = `watchdog: transaction ${i32[H.ABORT_TX]} passed ${maxIncarnations} incarnations`;
  } else if (state === ABORT_CONTENTION) {
    outcome = 'contention';
    reason = contentionReason(i32);
  } else if (state === ABORT_CAPACITY) {
    outcome = 'capacity';
    reason = 'shared buffers too small for the block';
  } else if (state === ABORT_UNDECLARED) {
    outcome = 'undeclared';
    reason = 'a read needed the pre-state value of a key no footprint declares, and only the declared keys were loaded';
  } else if (state !== DONE) {
    throw new Error(`simulated Block-STM ended in state ${state}`);
  } else {
    // Read back in one share per virtual worker, as the real workers do.
    result = finalize(block, L, i32, stats, threads);
    if (typeof result === 'string') {
      outcome = 'invariant';
      reason = `invariant violated: ${result}`;
    }
  }
  if (typeof result === 'string') result = sequentialFallback(block, stats, reason);
  return { result, outcome, reason, schedule: sim.choices, branching: sim.branching, ran: sim.ran, steps: sim.steps, counters };
}
