// Block-STM's thread logic (Gelashvili et al., PPoPP'23, Algorithm 1): what every worker runs, on
// a real thread or as a virtual worker of the simulated runtime. Each step performs one stage of
// the paper's loop: execute the held version (try_execute), validate it (needs_reexecution), or
// ask the scheduler for the next task; the loop stops when the block is done or aborted.
//
// try_execute runs the VM against a view of multi-version memory for the transaction's index. A
// read that meets an ESTIMATE throws out of the VM; the transaction then waits on the ESTIMATE's
// writer (add_dependency) or, if that writer has already finished, runs again at once. A completed
// execution records its read and write sets and returns a validation task when it can.
// needs_reexecution validates the last record; a failed validation aborts the incarnation (only
// once per incarnation, via try_validation_abort), turns its writes into ESTIMATEs and schedules
// the next incarnation.
//
// Watchdog: an incarnation number above maxIncarnations aborts the block (ABORT_INCARNATIONS), and
// so does a spin with no scheduler progress and no active task for stallMs (ABORT_STALL). The
// contention check aborts it (ABORT_CONTENTION) when, once a worker has run contentionWindow
// executions, the transactions started so far needed so many incarnations that W workers cannot beat
// one, given what an execution costs here over a sequential one (at least 1 - 1.4 / W of their
// executions were aborted). The executor then finishes the block sequentially.
// Invariant: a step only changes local state that it rebuilds from scratch (the VM outcome, the
// read log) or that lives in `counters`, so the simulated runtime can re-run an interrupted step
// exactly, and an enumerator can resume a worker from shared memory and its held task alone.

import { runTransaction, newOutcome, type StateView } from '../../spec/vm.js';
import type { Cells } from '../runtime/cells.js';
import { FINISHED } from '../runtime/sim.js';
import { BUG_BIT } from './bugs.js';
import {
  ABORT_CAPACITY, ABORT_CONTENTION, ABORT_INCARNATIONS, ABORT_STALL, ABORT_UNDECLARED, anyActiveTask, H, incarnationOf, NIL, OUT_OF_CAPACITY, PROG_CELLS, RUNNING,
  TX_CELLS, UNDECLARED_READ, type Layout,
} from './layout.js';
import { MVMemory, READ_ERROR, READ_OK, ReadLog } from './mv-memory.js';
import {
  Counters, EXECUTION_TASK, INCARNATION_LIMIT, NO_TASK, Scheduler, taskIncarnation, taskKind, taskTx, VALIDATION_TASK,
} from './scheduler.js';

/** Thrown by the view when a read meets an ESTIMATE: the VM run is abandoned. */
const DEPENDENCY: unique symbol = Symbol('dependency');
/** Thrown out of a spin when the block was aborted elsewhere. */
export const ABORTED: unique symbol = Symbol('aborted');

/** The default watchdog bound on incarnation numbers: far above what a healthy block reaches. */
export const DEFAULT_MAX_INCARNATIONS = 100;

export interface ThreadOptions {
  readonly bugs: number;
  readonly maxIncarnations: number;
  /** Called before every execution (fault injection in tests); null in normal runs. */
  readonly beforeExecute: ((tx: number) => void) | null;
  /** Executions per worker before the contention check; 0 or absent: never check. */
  readonly contentionWindow?: number;
  /** Workers running the block (the contention check's W). */
  readonly workers?: number;
  /** This worker's index among them (its allocation cursors and share of num_active_tasks); absent: none of its own. */
  readonly worker?: number;
}

/** The VM's state view for the transaction being executed: multi-version reads, logged for validation. */
class MVView implements StateView {
  txIdx = 0;
  blocking = NIL;

  constructor(private readonly mv: MVMemory, private readonly log: ReadLog) {}

  read(key: number, forDelta: boolean): number {
    const { mv, log } = this;
    const status = mv.read(key, this.txIdx);
    if (status === READ_ERROR) {
      this.blocking = mv.tx;
      throw DEPENDENCY;
    }
    const i = log.count++;
    log.keys[i] = key;
    log.slots[i] = mv.slot;
    log.txs[i] = status === READ_OK ? mv.tx : NIL;
    log.incarnations[i] = mv.incarnation;
    log.deltas[i] = forDelta ? 1 : 0;
    return (log.values[i] = mv.value);
  }
}

export class BlockStmThread {
  readonly counters = new Counters();
  /** The counts as of the last completed step (used by the simulated runtime to roll back). */
  readonly committed = new Counters();
  private readonly mv: MVMemory;
  private readonly scheduler: Scheduler;
  private readonly log = new ReadLog();
  private readonly view: MVView;
  private readonly out = newOutcome();
  private readonly codes: Float64Array[] = [];
  /** Argument arrays by length, reused so an execution allocates nothing. */
  private readonly argsByLength: number[][] = [];
  private readonly skipValidation: boolean;
  /** Executions before this worker's first contention check; 0: never check. */
  private readonly contentionWindow: number;

  constructor(private readonly m: Cells, private readonly L: Layout, f64: Float64Array, private readonly options: ThreadOptions) {
    this.mv = new MVMemory(m, L, options.bugs, options.worker);
    this.scheduler = new Scheduler(m, L, options.bugs, this.counters, options.worker);
    this.view = new MVView(this.mv, this.log);
    this.skipValidation = (options.bugs & BUG_BIT['skip-validation']) !== 0;
    this.contentionWindow = (options.workers ?? 1) > 1 ? (options.contentionWindow ?? 0) : 0;
    if (options.maxIncarnations >= INCARNATION_LIMIT) throw new Error(`maxIncarnations must be below ${INCARNATION_LIMIT}`);
    for (let p = 0; p < L.programs; p++) {
      const at = m.read(L.progTable + p * PROG_CELLS);
      this.codes.push(f64.subarray(at, at + m.read(L.progTable + p * PROG_CELLS + 1)));
    }
  }

  /**
   * One stage of the paper's run() loop; returns the task to hold next, or FINISHED. done() is
   * only checked with no task in hand: while a worker holds a task, num_active_tasks > 0 keeps
   * the block from being done, and an abort is noticed at the next idle moment.
   */
  step(held: number): number {
    const { m } = this;
    const kind = taskKind(held);
    if (held === NO_TASK && m.load(H.STATE) !== RUNNING) return FINISHED;
    try {
      if (kind === EXECUTION_TASK) return this.tryExecute(taskTx(held), taskIncarnation(held));
      if (kind === VALIDATION_TASK) return this.needsReexecution(taskTx(held), taskIncarnation(held));
      const next = this.scheduler.nextTask();
      if (next === NO_TASK) m.pause();
      return next;
    } catch (e) {
      if (e === ABORTED) return FINISHED;
      if (e === OUT_OF_CAPACITY || e === UNDECLARED_READ) {
        m.cas(H.STATE, RUNNING, e === OUT_OF_CAPACITY ? ABORT_CAPACITY : ABORT_UNDECLARED);
        return FINISHED;
      }
      throw e;
    }
  }

  /** Runs the VM for txIdx; returns NIL when it completed, or the transaction whose ESTIMATE it read. */
  private execute(txIdx: number): number {
    const { m, L } = this;
    const row = L.txTable + txIdx * TX_CELLS;
    const argAt = m.read(row + 1);
    const count = m.read(row + 2);
    const args = (this.argsByLength[count] ??= new Array<number>(count).fill(0));
    for (let a = 0; a < count; a++) args[a] = m.readF(argAt + a);
    this.log.count = 0;
    this.view.txIdx = txIdx;
    this.counters.executions++;
    try {
      runTransaction(this.codes[m.read(row)]!, args, m.readF(L.txGas + txIdx), this.view, this.out);
    } catch (e) {
      if (e === DEPENDENCY) return this.view.blocking;
      throw e;
    }
    return NIL;
  }

  private tryExecute(txIdx: number, incarnation: number): number {
    const { m } = this;
    if (incarnation > this.options.maxIncarnations) {
      m.store(H.ABORT_TX, txIdx);
      m.cas(H.STATE, RUNNING, ABORT_INCARNATIONS);
      return FINISHED;
    }
    this.options.beforeExecute?.(txIdx);
    if (this.contentionCheckDue() && this.contended()) return FINISHED;
    for (;;) {
      const blocking = this.execute(txIdx);
      if (blocking === NIL) break;
      if (this.scheduler.addDependency(txIdx, blocking)) {
        this.counters.estimateWaits++;
        return NO_TASK;
      }
    }
    const wroteNewLocation = this.mv.record(txIdx, incarnation, this.out, this.log);
    return this.scheduler.finishExecution(txIdx, incarnation, wroteNewLocation);
  }

  /**
   * The contention check is due after contentionWindow executions of this worker, then after
   * twice as many, and so on while the worker is in the first eighth of the block. (Derived from
   * the counters, not remembered, so a step keeps no other state.)
   */
  private contentionCheckDue(): boolean {
    const window = this.contentionWindow;
    const e = this.counters.executions;
    if (window === 0 || e < window || e % window !== 0 || (e > window && e > this.L.txs / 8)) return false;
    const doublings = e / window;
    return (doublings & (doublings - 1)) === 0;
  }

  /**
   * Every abort (failed validation or ESTIMATE) gave a transaction a new incarnation, so the
   * incarnation numbers of the transactions started so far count their wasted executions,
   * whichever worker ran them. Only the later half is counted: the first transactions often ran
   * before every worker had started.
   */
  private contended(): boolean {
    const { m, L } = this;
    const end = Math.min(m.load(H.EXECUTION_IDX), L.txs);
    const start = end >> 1;
    let wasted = 0;
    for (let t = start; t < end; t++) wasted += incarnationOf(m.load(L.status + t));
    const workers = this.options.workers ?? 1;
    if (wasted * workers < (workers - 1.4) * (end - start + wasted)) return false;
    if (m.cas(H.STATE, RUNNING, ABORT_CONTENTION) === RUNNING) {
      m.store(H.ABORT_FROM, start);
      m.store(H.ABORT_TO, end);
      m.store(H.ABORT_WASTED, wasted);
    }
    return true;
  }

  private needsReexecution(txIdx: number, incarnation: number): number {
    this.counters.validations++;
    const valid = this.skipValidation || this.mv.validateReadSet(txIdx);
    if (!valid) this.counters.failedValidations++;
    const aborted = !valid && this.scheduler.tryValidationAbort(txIdx, incarnation);
    if (aborted) this.mv.convertWritesToEstimates(txIdx);
    return this.scheduler.finishValidation(txIdx, aborted);
  }
}

/** Why the contention check gave up, from the header cells it left. */
export function contentionReason(i32: Int32Array): string {
  const from = i32[H.ABORT_FROM]!;
  const to = i32[H.ABORT_TO]!;
  return `contention: transactions ${from} to ${to - 1} needed ${to - from + i32[H.ABORT_WASTED]!} executions`;
}

/**
 * The real runtime's spin check: throws ABORTED once the block is aborted, and aborts it with
 * ABORT_STALL when no task is active and the scheduler has not moved for stallMs.
 */
export function stallWatchdog(i32: Int32Array, L: Layout, stallMs: number): () => void {
  const load = (cell: number): number => Atomics.load(i32, cell);
  let since = performance.now();
  let executionIdx = -1;
  let validationIdx = -1;
  let decreases = -1;
  return () => {
    if (Atomics.load(i32, H.STATE) !== RUNNING) throw ABORTED;
    const now = performance.now();
    const e = Atomics.load(i32, H.EXECUTION_IDX);
    const v = Atomics.load(i32, H.VALIDATION_IDX);
    const d = Atomics.load(i32, H.DECREASE_CNT);
    if (e !== executionIdx || v !== validationIdx || d !== decreases || anyActiveTask(L, load)) {
      executionIdx = e;
      validationIdx = v;
      decreases = d;
      since = now;
    } else if (now - since > stallMs) {
      Atomics.compareExchange(i32, H.STATE, RUNNING, ABORT_STALL);
      throw ABORTED;
    }
  };
}
