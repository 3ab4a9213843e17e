// The modular executor's job, run by each pooled worker for one window of a block: the lane loop
// (thread.ts) over Atomics on the block's SharedArrayBuffers, until every lane of the window is
// finished or the lanes are aborted. Loaded by the worker pool from dist/; the main thread has
// opened the window and keeps publishing the plan while the job runs (workers beyond the free
// cores get the job once it is all published, and still wait for it here, so the job does not
// depend on when it was posted). From 2 threads on the main thread runs the same loop once the
// window is planned (joinLanes), but returns to its event loop as soon as it finds no lane to
// claim, so the pool can report a worker that failed holding one.
// Invariant: the job returns (never hangs) once the STATE cell leaves RUNNING; a spin that sees
// no lane move and no plan published for stallMs aborts the lanes with ABORT_STALL (a broken
// protocol becomes an in-order finish, not a hang). A thread that leaves the finished window reads
// back chunks of it (collect.ts) and returns them with its counters: the rest is in shared memory.

import { AtomicCells } from '../runtime/cells.js';
import { faultHook, type InjectedFault } from '../runtime/pooled.js';
import { ABORT_STALL, H, L_LAST, PAD, RUNNING, type Layout } from './layout.js';
import { collectChunks, markDone, type CollectedChunk } from './collect.js';
import { Counters, LaneThread, runLanes } from './thread.js';

export interface LanesJob {
  readonly i32: SharedArrayBuffer;
  readonly f64: SharedArrayBuffer;
  readonly layout: Layout;
  readonly worker: number;
  readonly stallMs: number;
  /**
   * Sleep until the whole window is planned, then join the lanes only if JOIN says the window has
   * parallel work: set for the workers beyond the cores the planning main thread leaves free, so
   * threads never outnumber cores while it plans, nor spin beside one hot lane.
   */
  readonly waitForPlan: boolean;
  /**
   * The only thread touching the block's arrays while it runs (1 thread: the main thread waits
   * for it once the window is planned), so its cells are plain accesses (AtomicCells `alone`).
   */
  readonly alone: boolean;
  readonly fault: InjectedFault | null;
  /** The window's spares, chunk c read back into spares[c] where it fits (collect.ts). */
  readonly spares: readonly SharedArrayBuffer[];
}

/** Aborts the lanes when no lane has moved and no plan was published for stallMs while this worker spins. */
function stallWatchdog(i32: Int32Array, L: Layout, stallMs: number): () => void {
  let since = performance.now();
  let seen = -1;
  return () => {
    if (Atomics.load(i32, H.STATE) !== RUNNING) return;
    let progress = Atomics.load(i32, H.PLANNED);
    for (let m = 0; m < L.modules; m++) progress += Atomics.load(i32, L.lanes + m * PAD + L_LAST);
    const now = performance.now();
    if (progress !== seen) {
      seen = progress;
      since = now;
    } else if (now - since > stallMs) {
      Atomics.compareExchange(i32, H.STATE, RUNNING, ABORT_STALL);
    }
  };
}

/** How long a waiting worker sleeps between checks that the lanes were not aborted meanwhile. */
const PLAN_WAIT_MS = 20;

/**
 * How long the main thread, running lanes beside the workers (joinLanes), may find no lane to claim
 * before it returns to its event loop: the lanes left are then the workers' to finish, and a
 * worker that died holding one is reported by the pool instead of waited for.
 */
const MAIN_IDLE_MS = 1;

/** What a thread brings back from a window: its counters, and the chunks it read back once the lanes were done. */
export interface LanesResult {
  readonly counters: Counters;
  readonly chunks: CollectedChunk[];
}

export function runLanesJob(job: LanesJob): LanesResult {
  return lanesOf(job, Infinity);
}

/**
 * The main thread's share of a fully planned window: the lanes it can claim, beside the workers,
 * until none is left to claim (MAIN_IDLE_MS). Not for a window JOIN marks as one hot lane.
 */
export function joinLanes(job: LanesJob): LanesResult {
  return lanesOf(job, MAIN_IDLE_MS);
}

function lanesOf(job: LanesJob, idleMs: number): LanesResult {
  const L = job.layout;
  const i32 = new Int32Array(job.i32, 0, L.i32Size);
  const f64 = new Float64Array(job.f64, 0, L.f64Size);
  const chunks: CollectedChunk[] = [];
  if (job.waitForPlan) {
    const end = Atomics.load(i32, H.WINDOW_END);
    for (let planned = Atomics.load(i32, H.PLANNED); planned < end && Atomics.load(i32, H.STATE) === RUNNING; planned = Atomics.load(i32, H.PLANNED)) {
      Atomics.wait(i32, H.PLANNED, planned, PLAN_WAIT_MS);
    }
    if (Atomics.load(i32, H.JOIN) === 0) return { counters: new Counters(), chunks };
  }
  const cells = new AtomicCells(i32, f64, stallWatchdog(i32, L, job.stallMs), job.alone);
  const thread = new LaneThread(cells, L, i32, f64, job.worker, job.fault ? faultHook(job.fault) : null);
  if (runLanes(thread, () => cells.resetSpins(), idleMs) && Atomics.load(i32, H.STATE) === RUNNING) {
    markDone(i32);
    collectChunks(i32, f64, L, chunks, job.spares);
  }
  return { counters: thread.counters, chunks };
}
