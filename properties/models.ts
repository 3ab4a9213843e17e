// Model-based tests (fast-check commands) of Block-STM's two shared data structures against simple
// models: the multi-version memory against a map of key -> transaction -> version, and the
// collaborative scheduler against the paper's Algorithms 4 and 5 written with plain fields. The
// commands drive the real structure one call at a time over plain memory (a single caller, so
// every call is atomic) and compare every answer and, for the scheduler, the whole shared state.
// Invariant: a command runs only when the protocol allows it (a transaction is recorded only when
// first executed or after an abort, a task is finished only by its holder), so a failure is a
// disagreement with the model, never a misuse of the structure.

import fc from 'fast-check';
import type { Block } from '../spec/block.js';
import { DEFAULT_BLOCK_GAS_LIMIT } from '../spec/block.js';
import { newOutcome, TxStatus } from '../spec/vm.js';
import { assemble } from '../spec/bytecode.js';
import {
  ABORTING, DONE, estimateCapacity, EXECUTED, EXECUTING, H, incarnationOf, layoutFor, NIL, READY_TO_EXECUTE, statusOf, writeBlock, type Layout,
} from '../impl/blockstm/layout.js';
import { MVMemory, READ_ERROR, READ_NOT_FOUND, READ_OK, ReadLog } from '../impl/blockstm/mv-memory.js';
import {
  Counters, EXECUTION_TASK, NO_TASK, Scheduler, taskIncarnation, taskKind, taskTx, VALIDATION_TASK,
} from '../impl/blockstm/scheduler.js';
import { PlainCells } from './simulated.js';

/** Transactions in the modelled block, and the keys they use (some in the pre-state, some not). */
export const MODEL_TXS = 6;
const KEYS = [0, 16, 32, 48];
const PRE: readonly (readonly [number, number])[] = [[0, 5], [32, 7]];

function modelBlock(): Block {
  const program = { name: 'noop', code: assemble([['stop']]), arity: 0 };
  return {
    programs: [program], preState: new Map(PRE), gasLimit: DEFAULT_BLOCK_GAS_LIMIT,
    txs: Array.from({ length: MODEL_TXS }, () => ({ program: 0, args: [], gasLimit: 1_000 })),
  };
}

function memory(): { L: Layout; i32: Int32Array; cells: PlainCells } {
  const block = modelBlock();
  // Generous buffers: a command sequence records far more incarnations than a real block would.
  const L = layoutFor(block, estimateCapacity(block, 64));
  const i32 = new Int32Array(L.i32Size);
  const f64 = new Float64Array(L.f64Size);
  writeBlock(block, L, i32, f64);
  return { L, i32, cells: new PlainCells(i32, f64) };
}

// ---- Multi-version memory -------------------------------------------------------------------

type Entry = { readonly incarnation: number; readonly value: number } | 'estimate';

interface MVModel {
  /** key -> writer tx -> its current entry (absent: never written, or emptied). */
  readonly versions: Map<number, Map<number, Entry>>;
  /** tx -> its last record: the versions it read (tx -1: storage) and the keys it wrote. */
  readonly records: Map<number, { readonly reads: readonly { key: number; tx: number; incarnation: number }[]; readonly writes: ReadonlySet<number> }>;
  /** tx -> its next incarnation; recorded: its last record is current (not yet aborted). */
  readonly incarnation: number[];
  readonly recorded: boolean[];
}

interface MVReal {
  readonly mv: MVMemory;
}

type Resolved = { status: number; tx: number; incarnation: number; value: number };

/** The paper's read: the highest lower writer's entry, an ESTIMATE error, or storage. */
function modelRead(m: MVModel, key: number, tx: number): Resolved {
  const byTx = m.versions.get(key);
  let best = -1;
  for (const writer of byTx?.keys() ?? []) if (writer < tx && writer > best) best = writer;
  if (best >= 0) {
    const e = byTx!.get(best)!;
    return e === 'estimate' ? { status: READ_ERROR, tx: best, incarnation: 0, value: 0 } : { status: READ_OK, tx: best, incarnation: e.incarnation, value: e.value };
  }
  return { status: READ_NOT_FOUND, tx: NIL, incarnation: 0, value: PRE.find(([k]) => k === key)?.[1] ?? 0 };
}

function realRead(mv: MVMemory, key: number, tx: number): Resolved {
  const status = mv.read(key, tx);
  return status === READ_ERROR ? { status, tx: mv.tx, incarnation: 0, value: 0 } : { status, tx: mv.tx, incarnation: status === READ_OK ? mv.incarnation : 0, value: mv.value };
}

function expectEqual<T>(what: string, actual: T, expected: T): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: got ${JSON.stringify(actual)}, the model says ${JSON.stringify(expected)}`);
}

const txArb = fc.nat(MODEL_TXS - 1);
const keyArb = fc.constantFrom(...KEYS);

/** Execute a transaction: read some keys, then record its writes (unless a read met an ESTIMATE). */
class ExecuteCommand implements fc.Command<MVModel, MVReal> {
  /** reads: keys, each flagged when it is a DELTA's base (validated like any read). */
  constructor(readonly tx: number, readonly reads: readonly (readonly [number, boolean])[], readonly writes: readonly (readonly [number, number])[]) {}
  check(m: Readonly<MVModel>): boolean {
    return !m.recorded[this.tx];
  }
  run(m: MVModel, r: MVReal): void {
    const log = new ReadLog();
    const seen: { key: number; tx: number; incarnation: number }[] = [];
    for (const [key, delta] of new Map(this.reads)) {
      const expected = modelRead(m, key, this.tx);
      const got = realRead(r.mv, key, this.tx);
      expectEqual(`read(${key}, tx ${this.tx})`, got, expected);
      if (got.status === READ_ERROR) return; // the execution waits for the ESTIMATE's writer: nothing is recorded
      const i = log.count++;
      log.keys[i] = key;
      log.slots[i] = r.mv.slot;
      log.txs[i] = got.tx;
      log.incarnations[i] = got.incarnation;
      log.deltas[i] = delta ? 1 : 0;
      log.values[i] = got.value;
      seen.push({ key, tx: got.tx, incarnation: got.incarnation });
    }
    const out = newOutcome();
    out.status = TxStatus.Success;
    const writes = new Map(this.writes);
    out.writeCount = 0;
    for (const [key, value] of writes) {
      out.writeKeys[out.writeCount] = key;
      out.writeValues[out.writeCount] = value;
      out.writeIsDelta[out.writeCount] = false;
      out.writeDeltas[out.writeCount++] = 0;
    }
    const incarnation = m.incarnation[this.tx]!;
    const wroteNew = r.mv.record(this.tx, incarnation, out, log);
    const previous = m.records.get(this.tx)?.writes ?? new Set<number>();
    expectEqual(`record(tx ${this.tx}) wrote a new location`, wroteNew, [...writes.keys()].some((k) => !previous.has(k)));
    for (const k of previous) if (!writes.has(k)) m.versions.get(k)!.delete(this.tx);
    for (const [k, value] of writes) {
      if (!m.versions.has(k)) m.versions.set(k, new Map());
      m.versions.get(k)!.set(this.tx, { incarnation, value });
    }
    m.records.set(this.tx, { reads: seen, writes: new Set(writes.keys()) });
    m.recorded[this.tx] = true;
  }
  toString(): string {
    return `execute(tx ${this.tx}, reads ${JSON.stringify(this.reads)}, writes ${JSON.stringify(this.writes)})`;
  }
}

/** Abort the current incarnation: its writes become ESTIMATEs. */
class AbortCommand implements fc.Command<MVModel, MVReal> {
  constructor(readonly tx: number) {}
  check(m: Readonly<MVModel>): boolean {
    return m.recorded[this.tx]!;
  }
  run(m: MVModel, r: MVReal): void {
    r.mv.convertWritesToEstimates(this.tx);
    for (const k of m.records.get(this.tx)!.writes) m.versions.get(k)!.set(this.tx, 'estimate');
    m.recorded[this.tx] = false;
    m.incarnation[this.tx]!++;
  }
  toString(): string {
    return `abort(tx ${this.tx})`;
  }
}

class ReadCommand implements fc.Command<MVModel, MVReal> {
  constructor(readonly key: number, readonly tx: number) {}
  check(): boolean {
    return true;
  }
  run(m: MVModel, r: MVReal): void {
    expectEqual(`read(${this.key}, tx ${this.tx})`, realRead(r.mv, this.key, this.tx), modelRead(m, this.key, this.tx));
  }
  toString(): string {
    return `read(${this.key}, tx ${this.tx})`;
  }
}

/** Validate the last record: every read must still resolve to the version it saw. */
class ValidateCommand implements fc.Command<MVModel, MVReal> {
  constructor(readonly tx: number) {}
  check(m: Readonly<MVModel>): boolean {
    return m.recorded[this.tx]!;
  }
  run(m: MVModel, r: MVReal): void {
    const expected = m.records.get(this.tx)!.reads.every((read) => {
      const now = modelRead(m, read.key, this.tx);
      return now.status !== READ_ERROR && now.tx === read.tx && (now.status === READ_NOT_FOUND || now.incarnation === read.incarnation);
    });
    expectEqual(`validateReadSet(tx ${this.tx})`, r.mv.validateReadSet(this.tx), expected);
  }
  toString(): string {
    return `validate(tx ${this.tx})`;
  }
}

export const mvMemoryCommands = fc.commands([
  fc.tuple(txArb, fc.array(fc.tuple(keyArb, fc.boolean()), { maxLength: 3 }), fc.array(fc.tuple(keyArb, fc.integer({ min: -3, max: 9 })), { maxLength: 3 }))
    .map(([tx, reads, writes]) => new ExecuteCommand(tx, reads, writes)),
  txArb.map((tx) => new AbortCommand(tx)),
  fc.tuple(keyArb, txArb).map(([key, tx]) => new ReadCommand(key, tx)),
  txArb.map((tx) => new ValidateCommand(tx)),
], { maxCommands: 60, size: 'max' });

/** The multi-version memory (with the planted bugs in `bugs`, a BUG_BIT mask) agrees with the model on every read, record and validation. */
export function mvMemoryProperty(bugs = 0): fc.IProperty<[Iterable<fc.Command<MVModel, MVReal>>]> {
  return fc.property(mvMemoryCommands, (commands) => {
    const { L, cells } = memory();
    const setup = () => ({
      model: { versions: new Map(), records: new Map(), incarnation: new Array<number>(MODEL_TXS).fill(0), recorded: new Array<boolean>(MODEL_TXS).fill(false) } as MVModel,
      real: { mv: new MVMemory(cells, L, bugs) },
    });
    fc.modelRun(setup, commands);
  });
}

// ---- Scheduler ------------------------------------------------------------------------------

/** A task as (kind, tx, incarnation), the way both the model and the real scheduler hand them out. */
type Task = readonly [kind: number, tx: number, incarnation: number];
const NONE: Task = [NO_TASK, 0, 0];
const decode = (t: number): Task => (t === NO_TASK ? NONE : [taskKind(t), taskTx(t), taskIncarnation(t)]);

/**
 * Algorithms 4 and 5 of the paper, sequentially, with plain fields, and next_task's one change
 * (impl/blockstm/scheduler.ts): while executions remain, a transaction still EXECUTING at
 * validation_idx sends the worker to execute.
 */
class SchedulerModel {
  executionIdx = 0;
  validationIdx = 0;
  activeTasks = 0;
  done = false;
  readonly status = Array.from({ length: MODEL_TXS }, () => ({ incarnation: 0, status: READY_TO_EXECUTE }));
  readonly dependents = Array.from({ length: MODEL_TXS }, () => new Set<number>());
  /** Tasks handed out and not finished, in the order they were handed out. */
  readonly held: Task[] = [];

  private checkDone(): void {
    if (Math.min(this.executionIdx, this.validationIdx) >= MODEL_TXS && this.activeTasks === 0) this.done = true;
  }

  private tryIncarnate(tx: number): Task {
    if (tx < MODEL_TXS && this.status[tx]!.status === READY_TO_EXECUTE) {
      this.status[tx]!.status = EXECUTING;
      return [EXECUTION_TASK, tx, this.status[tx]!.incarnation];
    }
    this.activeTasks--;
    return NONE;
  }

  nextTask(): Task {
    const executing = this.validationIdx < MODEL_TXS && this.status[this.validationIdx]!.status === EXECUTING;
    if (this.validationIdx < this.executionIdx && (this.executionIdx >= MODEL_TXS || !executing)) {
      if (this.validationIdx >= MODEL_TXS) return this.checkDone(), NONE;
      this.activeTasks++;
      const tx = this.validationIdx++;
      if (tx < MODEL_TXS && this.status[tx]!.status === EXECUTED) return [VALIDATION_TASK, tx, this.status[tx]!.incarnation];
      this.activeTasks--;
      return NONE;
    }
    if (this.executionIdx >= MODEL_TXS) return this.checkDone(), NONE;
    this.activeTasks++;
    return this.tryIncarnate(this.executionIdx++);
  }

  addDependency(tx: number, blocking: number): boolean {
    if (this.status[blocking]!.status === EXECUTED) return false;
    this.status[tx]!.status = ABORTING;
    this.dependents[blocking]!.add(tx);
    this.activeTasks--;
    return true;
  }

  private setReady(tx: number): void {
    this.status[tx] = { incarnation: this.status[tx]!.incarnation + 1, status: READY_TO_EXECUTE };
  }

  finishExecution(tx: number, incarnation: number, wroteNew: boolean): Task {
    this.status[tx]!.status = EXECUTED;
    const resumed = [...this.dependents[tx]!];
    this.dependents[tx]!.clear();
    for (const d of resumed) this.setReady(d);
    if (resumed.length) this.executionIdx = Math.min(this.executionIdx, Math.min(...resumed));
    if (this.validationIdx > tx) {
      if (!wroteNew) return [VALIDATION_TASK, tx, incarnation];
      this.validationIdx = Math.min(this.validationIdx, tx);
    }
    this.activeTasks--;
    return NONE;
  }

  tryValidationAbort(tx: number, incarnation: number): boolean {
    const s = this.status[tx]!;
    if (s.incarnation !== incarnation || s.status !== EXECUTED) return false;
    s.status = ABORTING;
    return true;
  }

  finishValidation(tx: number, aborted: boolean): Task {
    if (aborted) {
      this.setReady(tx);
      this.validationIdx = Math.min(this.validationIdx, tx + 1);
      if (this.executionIdx > tx) return this.tryIncarnate(tx);
    }
    this.activeTasks--;
    return NONE;
  }
}

interface SchedulerReal {
  readonly scheduler: Scheduler;
  readonly i32: Int32Array;
  readonly L: Layout;
}

/** After every command the shared state must be the model's: both indices, active tasks, done, every status word. */
function compareState(m: SchedulerModel, r: SchedulerReal): void {
  const { i32, L } = r;
  expectEqual('execution_idx', i32[H.EXECUTION_IDX], m.executionIdx);
  expectEqual('validation_idx', i32[H.VALIDATION_IDX], m.validationIdx);
  expectEqual('num_active_tasks', i32[H.ACTIVE_TASKS], m.activeTasks);
  expectEqual('done', i32[H.STATE] === DONE, m.done);
  for (let tx = 0; tx < MODEL_TXS; tx++) {
    const word = i32[L.status + tx]!;
    expectEqual(`txn_status[${tx}]`, { incarnation: incarnationOf(word), status: statusOf(word) }, m.status[tx]);
  }
}

function handOut(m: SchedulerModel, real: number, expected: Task, what: string): void {
  expectEqual(what, decode(real), expected);
  if (expected !== NONE) m.held.push(expected);
}

/** Picks the i-th held task of a kind (mod their number); undefined when none is held. */
function heldOf(m: SchedulerModel, kind: number, i: number): Task | undefined {
  const of = m.held.filter((t) => t[0] === kind);
  return of.length ? of[i % of.length] : undefined;
}

function release(m: SchedulerModel, t: Task): void {
  m.held.splice(m.held.indexOf(t), 1);
}

const schedulerCommands = fc.commands([
  fc.constant(null).map(() => ({
    check: (m: Readonly<SchedulerModel>) => !m.done,
    run: (m: SchedulerModel, r: SchedulerReal) => {
      handOut(m, r.scheduler.nextTask(), m.nextTask(), 'next_task()');
      compareState(m, r);
    },
    toString: () => 'nextTask()',
  })),
  fc.tuple(fc.nat(), fc.boolean()).map(([i, wroteNew]) => ({
    check: (m: Readonly<SchedulerModel>) => heldOf(m as SchedulerModel, EXECUTION_TASK, i) !== undefined,
    run: (m: SchedulerModel, r: SchedulerReal) => {
      const t = heldOf(m, EXECUTION_TASK, i)!;
      release(m, t);
      handOut(m, r.scheduler.finishExecution(t[1], t[2], wroteNew), m.finishExecution(t[1], t[2], wroteNew), `finish_execution(tx ${t[1]}.${t[2]}, ${wroteNew})`);
      compareState(m, r);
    },
    toString: () => `finishExecution(#${i}, wroteNew ${wroteNew})`,
  })),
  fc.tuple(fc.nat(), fc.nat()).map(([i, b]) => ({
    check: (m: Readonly<SchedulerModel>) => (heldOf(m as SchedulerModel, EXECUTION_TASK, i)?.[1] ?? 0) > 0,
    run: (m: SchedulerModel, r: SchedulerReal) => {
      const t = heldOf(m, EXECUTION_TASK, i)!;
      const blocking = b % t[1];
      const suspended = m.addDependency(t[1], blocking);
      expectEqual(`add_dependency(tx ${t[1]}, blocking ${blocking})`, r.scheduler.addDependency(t[1], blocking), suspended);
      if (suspended) release(m, t);
      compareState(m, r);
    },
    toString: () => `addDependency(#${i}, ${b})`,
  })),
  fc.tuple(fc.nat(), fc.boolean()).map(([i, valid]) => ({
    check: (m: Readonly<SchedulerModel>) => heldOf(m as SchedulerModel, VALIDATION_TASK, i) !== undefined,
    run: (m: SchedulerModel, r: SchedulerReal) => {
      const t = heldOf(m, VALIDATION_TASK, i)!;
      release(m, t);
      const aborted = !valid && m.tryValidationAbort(t[1], t[2]);
      expectEqual(`try_validation_abort(tx ${t[1]}.${t[2]})`, !valid && r.scheduler.tryValidationAbort(t[1], t[2]), aborted);
      handOut(m, r.scheduler.finishValidation(t[1], aborted), m.finishValidation(t[1], aborted), `finish_validation(tx ${t[1]}, ${aborted})`);
      compareState(m, r);
    },
    toString: () => `validate(#${i}, ${valid ? 'valid' : 'invalid'})`,
  })),
], { maxCommands: 80, size: 'max' });

/** The scheduler (with the planted bugs in `bugs`) agrees with the paper's algorithms on every task it hands out and on its shared state. */
export function schedulerProperty(bugs = 0): fc.IProperty<[Iterable<fc.Command<SchedulerModel, SchedulerReal>>]> {
  return fc.property(schedulerCommands, (commands) => {
    const { L, i32, cells } = memory();
    fc.modelRun(() => ({ model: new SchedulerModel(), real: { scheduler: new Scheduler(cells, L, bugs, new Counters()), i32, L } }), commands);
  });
}
