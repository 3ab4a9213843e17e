// The Block-STM job each pooled worker runs for a block: the paper's thread loop over Atomics on
// the block's SharedArrayBuffers, until the block is done or aborted. Loaded by the worker pool
// from dist/; the main thread has already written the block into the buffers.
// Invariant: the job returns (never hangs) once the STATE cell leaves RUNNING, with this worker's
// counters and, when the block is DONE, its share of the result read back (finalize.ts), so the
// main thread only puts the shares together.

import { AtomicCells } from '../runtime/cells.js';
import { faultHook, type InjectedFault } from '../runtime/pooled.js';
import { FINISHED } from '../runtime/sim.js';
import { finalizePart, type FinalPart } from './finalize.js';
import { DONE, H, type Layout } from './layout.js';
import { NO_TASK, type Counters } from './scheduler.js';
import { BlockStmThread, stallWatchdog } from './thread.js';

export interface BlockJob {
  readonly i32: SharedArrayBuffer;
  readonly f64: SharedArrayBuffer;
  readonly layout: Layout;
  /** Workers running the block: with one, no other thread touches the buffers until it returns. */
  readonly threads: number;
  readonly bugs: number;
  readonly maxIncarnations: number;
  readonly contentionWindow: number;
  /** The cores the workers share (impl/runtime/cores.ts), for the contention check's W (contentionWorkers). */
  readonly cores: number;
  readonly stallMs: number;
  readonly fault: InjectedFault | null;
  /** This worker's index, 0 to threads - 1. */
  readonly worker: number;
  /** Memory a released result handed back, for this worker's share of the result where it is large enough (finalizePart). */
  readonly spare: SharedArrayBuffer | null;
}

export interface BlockJobResult {
  readonly counters: Counters;
  /** This worker's share of the result; null unless the block ended DONE. */
  readonly part: FinalPart | null;
}

/**
 * The contention check's W: the threads, or the cores where threads outnumber them, since no more
 * run at once; 2 at least where threads run in parallel (on one core the check still judges them
 * as two, rather than turning off or failing every block).
 */
export function contentionWorkers(threads: number, cores: number): number {
  return threads > 1 ? Math.max(2, Math.min(threads, cores)) : 1;
}

export function runBlock(job: BlockJob): BlockJobResult {
  const i32 = new Int32Array(job.i32, 0, job.layout.i32Size);
  const f64 = new Float64Array(job.f64, 0, job.layout.f64Size);
  const cells = new AtomicCells(i32, f64, stallWatchdog(i32, job.layout, job.stallMs), job.threads === 1);
  const thread = new BlockStmThread(cells, job.layout, f64, {
    bugs: job.bugs,
    maxIncarnations: job.maxIncarnations,
    contentionWindow: job.contentionWindow,
    workers: contentionWorkers(job.threads, job.cores),
    worker: job.worker,
    beforeExecute: job.fault ? faultHook(job.fault) : null,
  });
  let held = NO_TASK;
  while ((held = thread.step(held)) !== FINISHED) if (held !== NO_TASK) cells.resetSpins();
  // STATE never leaves DONE, and reaching it happens-after every record any worker published.
  const part = Atomics.load(i32, H.STATE) === DONE ? finalizePart(job.layout, i32, job.worker, job.threads, job.spare) : null;
  return { counters: thread.counters, part };
}
