// Block-STM's collaborative scheduler (Gelashvili et al., PPoPP'23, Algorithms 4 and 5) over the
// abstract shared cells. Two shared counters hand out work in preset order: execution_idx (the
// next transaction to execute) and validation_idx (the next to validate); a worker takes whichever
// task has the lower index. An abort, or an execution that wrote a new location, pulls
// validation_idx back down; resuming suspended dependents pulls execution_idx back down;
// decrease_cnt counts those moves so check_done can tell that nothing changed while it looked.
// num_active_tasks counts tasks handed out and not finished: the block is done when both indices
// are past the block, no task is active, and decrease_cnt did not move.
// Unlike the paper's, next_task does not take the validation of a transaction that is still
// executing while executions remain (nextTask below).
// num_active_tasks is kept in shares, one per worker (layout.ts, C_ACTIVE), each written only by
// its worker, so starting or finishing a task writes no line another core reads on every task;
// check_done reads the shares after both indices. That is as safe as one counter: work that
// appears after check_done read the indices needs one of them decreased, by a worker holding a
// task, whose share drops to 0 only after the decrease; so check_done either reads that share
// at 1 or sees decrease_cnt moved.
//
// txn_status is one Int32 word per transaction (incarnation * 4 + status) changed with CAS, which
// gives each transition the atomicity of the paper's per-status mutex. txn_dependency is a list
// per transaction under a spin lock; add_dependency checks the blocking transaction's status while
// holding that lock, and finish_execution sets EXECUTED before taking it, so a dependent is either
// told to re-execute at once or is in the list that finish_execution resumes: none is lost.

import type { Cells } from '../runtime/cells.js';
import { BUG_BIT } from './bugs.js';
import {
  ABORTING, activeTaskCell, anyActiveTask, EXECUTED, EXECUTING, H, incarnationOf, NIL, READY_TO_EXECUTE, RUNNING, DONE, OUT_OF_CAPACITY, statusOf,
  statusWord, type Layout,
} from './layout.js';

/** A task is one number: transaction * TX_UNIT + incarnation * 4 + kind; NO_TASK is the paper's ⊥. */
export const NO_TASK = 0;
export const EXECUTION_TASK = 1;
export const VALIDATION_TASK = 2;
const TX_UNIT = 2 ** 22;
/** Incarnation numbers must stay below this to fit a task (the watchdog bound is far lower). */
export const INCARNATION_LIMIT = TX_UNIT / 4;

export const task = (kind: number, tx: number, incarnation: number): number => tx * TX_UNIT + incarnation * 4 + kind;
// A task above 2^31 is a double, whose `%` V8 compiles to a call to fmod (the largest item of the
// worker's step loop); ToInt32 keeps its low 32 bits exactly, and the kind and incarnation live there.
export const taskKind = (t: number): number => t & 3;
export const taskTx = (t: number): number => Math.floor(t / TX_UNIT);
export const taskIncarnation = (t: number): number => (t & (TX_UNIT - 1)) >> 2;

/** What one worker counted; the simulated runtime rolls back the counts of an interrupted iteration. */
export class Counters {
  executions = 0;
  validations = 0;
  failedValidations = 0;
  estimateWaits = 0;
  dependencyResumes = 0;

  copyFrom(o: Counters): void {
    this.executions = o.executions;
    this.validations = o.validations;
    this.failedValidations = o.failedValidations;
    this.estimateWaits = o.estimateWaits;
    this.dependencyResumes = o.dependencyResumes;
  }

  addTo(o: Counters): void {
    o.executions += this.executions;
    o.validations += this.validations;
    o.failedValidations += this.failedValidations;
    o.estimateWaits += this.estimateWaits;
    o.dependencyResumes += this.dependencyResumes;
  }
}

export class Scheduler {
  private readonly n: number;
  private readonly validationGatesDone: boolean;
  private readonly keepIncarnation: boolean;
  private readonly dropDependents: boolean;
  private readonly ignoreNewLocations: boolean;
  /** This worker's share of num_active_tasks. */
  private readonly active: number;
  private readonly load = (cell: number): number => this.m.load(cell);

  /** `worker`: this worker's index, which gives it its own share of num_active_tasks when the layout has cells for it. */
  constructor(private readonly m: Cells, private readonly L: Layout, bugs: number, private readonly counters: Counters, worker = NIL) {
    this.n = L.txs;
    this.active = activeTaskCell(L, worker);
    this.validationGatesDone = (bugs & BUG_BIT['commit-before-validation']) === 0;
    this.keepIncarnation = (bugs & BUG_BIT['no-incarnation-bump']) !== 0;
    this.dropDependents = (bugs & BUG_BIT['lost-dependency-resume']) !== 0;
    this.ignoreNewLocations = (bugs & BUG_BIT['no-new-location-revalidation']) !== 0;
  }

  private decreaseExecutionIdx(target: number): void {
    const { m } = this;
    for (;;) {
      const idx = m.load(H.EXECUTION_IDX);
      if (idx <= target || m.cas(H.EXECUTION_IDX, idx, target) === idx) break;
    }
    m.add(H.DECREASE_CNT, 1);
  }

  private decreaseValidationIdx(target: number): void {
    const { m } = this;
    for (;;) {
      const idx = m.load(H.VALIDATION_IDX);
      if (idx <= target || m.cas(H.VALIDATION_IDX, idx, target) === idx) break;
    }
    m.add(H.DECREASE_CNT, 1);
  }

  private checkDone(): void {
    const { m } = this;
    const observed = m.load(H.DECREASE_CNT);
    const executionIdx = m.load(H.EXECUTION_IDX);
    const validationIdx = this.validationGatesDone ? m.load(H.VALIDATION_IDX) : this.n;
    if (Math.min(executionIdx, validationIdx) >= this.n && !anyActiveTask(this.L, this.load) && observed === m.load(H.DECREASE_CNT)) {
      m.cas(H.STATE, RUNNING, DONE);
    }
  }

  /** READY_TO_EXECUTE -> EXECUTING; on failure the task count taken for it is given back. */
  private tryIncarnate(txIdx: number): number {
    const { m } = this;
    if (txIdx < this.n) {
      const cell = this.L.status + txIdx;
      for (;;) {
        const word = m.load(cell);
        if (statusOf(word) !== READY_TO_EXECUTE) break;
        const incarnation = incarnationOf(word);
        if (m.cas(cell, word, statusWord(incarnation, EXECUTING)) === word) return task(EXECUTION_TASK, txIdx, incarnation);
      }
    }
    m.add(this.active, -1);
    return NO_TASK;
  }

  private nextVersionToExecute(): number {
    const { m } = this;
    if (m.load(H.EXECUTION_IDX) >= this.n) {
      this.checkDone();
      return NO_TASK;
    }
    m.add(this.active, 1);
    return this.tryIncarnate(m.add(H.EXECUTION_IDX, 1));
  }

  private nextVersionToValidate(): number {
    const { m } = this;
    if (m.load(H.VALIDATION_IDX) >= this.n) {
      this.checkDone();
      return NO_TASK;
    }
    m.add(this.active, 1);
    const idx = m.add(H.VALIDATION_IDX, 1);
    if (idx < this.n) {
      const word = m.load(this.L.status + idx);
      if (statusOf(word) === EXECUTED) return task(VALIDATION_TASK, idx, incarnationOf(word));
    }
    m.add(this.active, -1);
    return NO_TASK;
  }

  /**
   * The paper's next_task, except that validation_idx is left at a transaction that is still
   * EXECUTING while executions remain: the paper's worker would increment it and get ⊥, a write
   * to the line every worker reads on every call, and the transaction's own finish_execution,
   * seeing validation_idx not past it, leaves its validation to the counter as after any abort.
   */
  nextTask(): number {
    const { m } = this;
    const validationIdx = m.load(H.VALIDATION_IDX);
    const executionIdx = m.load(H.EXECUTION_IDX);
    if (validationIdx < executionIdx && (executionIdx >= this.n || statusOf(m.load(this.L.status + validationIdx)) !== EXECUTING)) {
      return this.nextVersionToValidate();
    }
    return this.nextVersionToExecute();
  }

  private lock(txIdx: number): void {
    const { m } = this;
    while (m.cas(this.L.depLock + txIdx, 0, 1) !== 0) m.pause();
  }

  private unlock(txIdx: number): void {
    this.m.store(this.L.depLock + txIdx, 0);
  }

  /**
   * Suspends txIdx (EXECUTING -> ABORTING) until `blocking` finishes its next execution. False when
   * `blocking` already finished it, so the caller re-executes at once.
   */
  addDependency(txIdx: number, blocking: number): boolean {
    const { m, L } = this;
    const at = m.add(H.ARENA_TOP, 2);
    if (at + 2 > L.capacity.arena) throw OUT_OF_CAPACITY;
    const node = L.arena + at;
    this.lock(blocking);
    if (statusOf(m.load(L.status + blocking)) === EXECUTED) {
      this.unlock(blocking);
      return false;
    }
    const word = m.load(L.status + txIdx);
    m.store(L.status + txIdx, statusWord(incarnationOf(word), ABORTING));
    m.write(node, txIdx);
    m.write(node + 1, m.load(L.depHead + blocking));
    m.store(L.depHead + blocking, node);
    this.unlock(blocking);
    m.add(this.active, -1);
    return true;
  }

  /** ABORTING -> READY_TO_EXECUTE with the next incarnation number. */
  private setReadyStatus(txIdx: number): void {
    const { m } = this;
    const cell = this.L.status + txIdx;
    const incarnation = incarnationOf(m.load(cell));
    m.store(cell, statusWord(this.keepIncarnation ? incarnation : incarnation + 1, READY_TO_EXECUTE));
  }

  /** EXECUTING -> EXECUTED; resumes the dependents; returns this version's validation task or NO_TASK. */
  finishExecution(txIdx: number, incarnation: number, wroteNewLocation: boolean): number {
    const { m, L } = this;
    m.store(L.status + txIdx, statusWord(incarnation, EXECUTED));
    // The paper swaps the dependency set under its lock. With the lock free and the list empty
    // after EXECUTED is stored, any add_dependency still to come locks later and sees EXECUTED,
    // so the common case (no dependents) needs no lock.
    let dependents = NIL;
    if (m.load(L.depLock + txIdx) !== 0 || m.load(L.depHead + txIdx) !== NIL) {
      this.lock(txIdx);
      dependents = m.load(L.depHead + txIdx);
      m.store(L.depHead + txIdx, NIL);
      this.unlock(txIdx);
    }
    if (!this.dropDependents) {
      let lowest = NIL;
      for (let d = dependents; d !== NIL; d = m.read(d + 1)) {
        const dependent = m.read(d);
        this.setReadyStatus(dependent);
        this.counters.dependencyResumes++;
        if (lowest === NIL || dependent < lowest) lowest = dependent;
      }
      if (lowest !== NIL) this.decreaseExecutionIdx(lowest);
    }
    if (m.load(H.VALIDATION_IDX) > txIdx) {
      if (!wroteNewLocation || this.ignoreNewLocations) return task(VALIDATION_TASK, txIdx, incarnation);
      this.decreaseValidationIdx(txIdx);
    }
    m.add(this.active, -1);
    return NO_TASK;
  }

  /** EXECUTED -> ABORTING for exactly this incarnation: only one validation may abort it. */
  tryValidationAbort(txIdx: number, incarnation: number): boolean {
    const executed = statusWord(incarnation, EXECUTED);
    return this.m.cas(this.L.status + txIdx, executed, statusWord(incarnation, ABORTING)) === executed;
  }

  /** After an abort: schedule re-validation of higher transactions and return the re-execution if it is ours to run. */
  finishValidation(txIdx: number, aborted: boolean): number {
    const { m } = this;
    if (aborted) {
      this.setReadyStatus(txIdx);
      this.decreaseValidationIdx(txIdx + 1);
      // try_incarnate gives the task count back itself when it fails.
      if (m.load(H.EXECUTION_IDX) > txIdx) return this.tryIncarnate(txIdx);
    }
    m.add(this.active, -1);
    return NO_TASK;
  }
}
