// The modular executor on the deterministic simulated runtime: the in-process implementation of
// the lane protocol that tests and the property suite use to explore and replay interleavings.
// The same plan, lane thread logic and main-thread bookkeeping as the real executor run as N
// virtual workers over plain memory, one shared-memory operation per scheduling point, under a
// seeded random, PCT or recorded schedule; with planChunk, the planner is one more virtual worker
// planning while the lanes run, a chunk's rows and their publication at scheduling points of their own.
// Invariant: (block, threads, modules, partition, bugs, planChunk, schedule, seed) determines the
// run bit for bit; `schedule: run.schedule` replays it (the choices of every window, concatenated). The result
// is always complete: a run that gets stuck or runs out of steps is finished sequentially and
// stats.fallback says why.

import type { Block, BlockResult } from '../../spec/block.js';
import { executeSequential } from '../sequential.js';
import type { Cells } from '../runtime/cells.js';
import { FINISHED, simulate, type Schedule, type SimWorker } from '../runtime/sim.js';
import { SharedArrays } from '../runtime/shared-arrays.js';
import { BlockRun } from './block-run.js';
import { bugFlags, type BugName } from './bugs.js';
import { H } from './layout.js';
import { DEFAULT_PARTITION, partitionerFor, type Partitioner } from './partition.js';
import { Counters, LaneThread } from './thread.js';
import { intransitivity } from './order.js';

export interface SimulatedRunOptions {
  readonly threads: number;
  readonly modules: number;
  readonly partition?: string | Partitioner;
  readonly schedule: Schedule;
  readonly seed?: number;
  readonly bugs?: Iterable<BugName>;
  /** Scheduling points per window before the run counts as making no progress (default 2,000,000). */
  readonly maxSteps?: number;
  readonly pctDepth?: number;
  /** Multiplies the outputs arena estimate (below 1 to exercise running out). */
  readonly outputScale?: number;
  /**
   * Plan the window while the lanes run, as the real executor does: an extra virtual worker (the
   * last) plans chunks of this many transactions, writing a chunk's rows at one scheduling point
   * and publishing them (PLANNED) at the next. Absent: every window is planned before its lanes start.
   */
  readonly planChunk?: number;
}

export type SimulatedOutcome = 'done' | 'fallback' | 'stuck' | 'exhausted';

export interface SimulatedRun {
  readonly result: BlockResult;
  readonly outcome: SimulatedOutcome;
  readonly reason: string;
  readonly schedule: number[];
  readonly branching: number[];
  readonly ran: number[];
  readonly steps: number;
}

export function runModularSimulated(block: Block, options: SimulatedRunOptions): SimulatedRun {
  const { threads } = options;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be an integer >= 1, got ${threads}`);
  const intransitive = intransitivity();
  if (intransitive !== null) throw new Error(intransitive);
  const partitioner = typeof options.partition === 'object' ? options.partition : partitionerFor(options.partition ?? DEFAULT_PARTITION);
  const flags = bugFlags(options.bugs);
  const run = new BlockRun(block, {
    modules: options.modules, partitioner, misroute: flags.misroute, kindBlind: flags.kindBlind, deltaSkipsReads: flags.deltaSkipsReads, threads, outputScale: options.outputScale ?? 1,
  }, new SharedArrays());
  const schedule: number[] = [];
  const branching: number[] = [];
  const ran: number[] = [];
  const recorded = Array.isArray(options.schedule) ? (options.schedule as readonly number[]) : null;
  let reason = '';
  let outcome: SimulatedOutcome = 'done';
  const { L } = run;
  const { planChunk } = options;
  if (planChunk !== undefined && !(Number.isInteger(planChunk) && planChunk >= 1)) throw new Error(`planChunk must be an integer >= 1, got ${planChunk}`);
  while (run.nextWindow()) {
    if (planChunk === undefined) while (run.planSome(block.txs.length));
    const { i32, f64 } = run.buffers;
    const threadsOf: LaneThread[] = [];
    const create = (worker: number, cells: Cells): SimWorker => {
      if (worker === threads) {
        // The planner: each step runs one step of the executor's own planning (BlockRun.planning:
        // a chunk's rows, then the store of PLANNED), after one shared-memory operation (a no-op
        // add, which counts as a write and so wakes parked workers) that makes it a scheduling
        // point, so lanes run between a chunk's rows and its publication. The step is the
        // iteration's only operation, so it is never re-run and the plain planning inside it
        // happens once.
        let chunk: Generator<void, boolean, void> | null = null;
        return {
          step: () => {
            cells.add(H.PLANNED, 0);
            chunk ??= run.planning(planChunk!);
            const step = chunk.next();
            if (!step.done) return 0;
            chunk = null;
            return step.value ? 0 : FINISHED;
          },
          begin: () => {},
          commit: () => {},
        };
      }
      const thread = new LaneThread(cells, L, i32, f64, worker);
      threadsOf.push(thread);
      return {
        step: (state) => thread.step(state),
        begin: () => thread.counters.copyFrom(thread.committed),
        commit: () => thread.committed.copyFrom(thread.counters),
      };
    };
    const offset = schedule.length;
    const sim = simulate(i32, f64, planChunk === undefined ? threads : threads + 1, create, 0, {
      schedule: recorded ? (_runnable, point) => recorded[offset + point] ?? 0 : options.schedule,
      ...(options.seed === undefined ? {} : { seed: options.seed + offset }),
      maxSteps: options.maxSteps ?? 2_000_000,
      ...(options.pctDepth === undefined ? {} : { pctDepth: options.pctDepth }),
      pctSteps: 40 * Math.max(1, block.txs.length),
    });
    schedule.push(...sim.choices);
    branching.push(...sim.branching);
    ran.push(...sim.ran);
    if (sim.stuck || sim.exhausted) {
      outcome = sim.stuck ? 'stuck' : 'exhausted';
      reason = sim.stuck
        ? 'watchdog: every virtual worker is spinning and none can make progress'
        : `watchdog: no completion after ${sim.steps} scheduling points`;
      break;
    }
    const total = new Counters();
    for (const t of threadsOf) t.committed.addTo(total);
    run.closeWindow(total, 0);
  }
  let result: BlockResult;
  if (reason) {
    const sequential = executeSequential(block);
    result = { ...sequential, stats: { ...sequential.stats, fallback: reason } };
  } else {
    result = run.result();
    if (run.fallback) {
      outcome = 'fallback';
      reason = run.fallback;
    }
  }
  return { result, outcome, reason, schedule, branching, ran, steps: schedule.length };
}
