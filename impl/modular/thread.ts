// The lane protocol's worker logic (see plan.ts for the protocol): what every worker runs, on a
// real thread or as a virtual worker of the simulated runtime. A worker holds at most one lane.
// Holding one, a step runs the lane's next transaction if it is planned (below PLANNED), inside
// the window (below WINDOW_END) and its waits are met (each of its slots has counted enough
// finished accesses), or releases the lane. Holding none, a step claims the unowned lane whose
// next transaction is ready and lowest in block order (so the block's frontier moves first), or
// pauses. A lane's next transaction follows the link of the last one it ran. A claim reads the
// lanes' packed hints (layout.ts), not their cells, so its cost grows by a cache line per 16 lanes.
//
// Running a transaction: the VM reads state through a view that finds the key among the
// transaction's declared entries; a key it did not declare, or declared with a kind that does not
// cover the access (COVERED, from the conflict table), aborts the lanes with ABORT_UNDECLARED
// before anything is written. Otherwise its writes go straight into the slots, each with its old
// value kept (so the executor can roll back to any transaction: block gas limit, fallback), its
// results are written, and adding its accesses to its slots' counts publishes them.
// Invariant: a step only changes local state that it rebuilds from scratch (the VM outcome, the
// entry log) or that lives in `counters`, so the simulated runtime can re-run an interrupted step.

import { newOutcome, runTransaction, type StateView, type TxOutcome } from '../../spec/vm.js';
import type { Cells } from '../runtime/cells.js';
import { sharedGet, sharedTable, type SharedTable } from '../../spec/shared-state.js';
import { FINISHED } from '../runtime/sim.js';
import {
  ABORT_CAPACITY, ABORT_UNDECLARED, abortWord, H, HINT_DONE, HINT_OWNED, HINT_UNKNOWN, L_LAST, L_OWNER, PAD, PROG_CELLS, R_DONE, R_HEADER, R_OUT_AT, R_OUT_COUNT,
  R_READS, R_STATUS, RF_CODE, RF_GAS, RF_HEADER, RF_UNDECLARED_KEY, RUNNING, TX_CELLS, type Layout,
} from './layout.js';
import { COVERED, DELTA, READ, WRITE } from './order.js';


/** Thrown out of the VM by the view at an undeclared access. */
const UNDECLARED: unique symbol = Symbol('undeclared');

/** A worker state: 0 holds no lane, l + 1 holds lane l (FINISHED is -1). */
const IDLE = 0;
/** next(): the lane's next transaction is not planned yet (or its link not written yet). */
const NOT_YET = -1;
/** next(): the lane has nothing more in this window. */
const LANE_DONE = -2;

export class Counters {
  executions = 0;
  /** Lanes taken over by a worker. */
  claims = 0;
  /** Lanes released because their next transaction waited on an access another lane had not finished. */
  crossWaits = 0;

  copyFrom(o: Counters): void {
    this.executions = o.executions;
    this.claims = o.claims;
    this.crossWaits = o.crossWaits;
  }

  addTo(o: Counters): void {
    o.executions += this.executions;
    o.claims += this.claims;
    o.crossWaits += this.crossWaits;
  }

  /** Sums counters, including plain copies that crossed from a worker by structured clone. */
  static sum(list: readonly Pick<Counters, 'executions' | 'claims' | 'crossWaits'>[]): Counters {
    const total = new Counters();
    for (const c of list) {
      total.executions += c.executions;
      total.claims += c.claims;
      total.crossWaits += c.crossWaits;
    }
    return total;
  }
}

/** The VM's view for the transaction being run: the declared entries are the only keys it may see. */
class LaneView implements StateView {
  first = 0;
  end = 0;
  /** Entry of each key the program read (not DELTA bases), in the VM's read order: the first `reads`. */
  readonly readEntries: Int32Array;
  reads = 0;
  undeclaredKey = 0;

  /** The pre-state's SharedState table, where a slot still UNREAD takes its value. */
  private readonly pre: SharedTable | null;
  /** The planted bug kind-blind: any access to a declared key passes. */
  private readonly kindBlind: boolean;

  constructor(private readonly m: Cells, private readonly L: Layout, widest: number) {
    this.readEntries = new Int32Array(widest);
    this.pre = L.sharedPre === null ? null : sharedTable(L.sharedPre);
    this.kindBlind = L.kindBlind;
  }

  /** The entry of key in the current transaction, or -1. */
  entryOf(key: number): number {
    const { m, L } = this;
    for (let e = this.first; e < this.end; e++) if (m.readF(L.entryKey + e) === key) return e;
    return -1;
  }

  /** The entry of key; throws UNDECLARED unless the transaction declared key with kinds covering `kind`. */
  check(key: number, kind: number): number {
    const e = this.entryOf(key);
    if (e < 0 || (!this.kindBlind && (COVERED[this.m.read(this.L.entryKinds + e)]! & kind) === 0)) {
      this.undeclaredKey = key;
      throw UNDECLARED;
    }
    return e;
  }

  read(key: number, forDelta: boolean): number {
    const e = this.check(key, forDelta ? DELTA : READ);
    if (!forDelta) this.readEntries[this.reads++] = e;
    const value = this.m.loadF(this.L.values + this.m.read(this.L.entrySlot + e));
    return value === value ? value : this.unread(key, value);
  }

  /**
   * An UNREAD slot's value: the key's in the SharedState's table. UNREAD is left in the slot: every
   * reader takes the same value from the table, and a writer, ordered after the readers before it,
   * replaces it. (A Map pre-state's NaN is its own value.) Out of read(), which runs at every read.
   */
  private unread(key: number, value: number): number {
    return this.pre === null ? value : sharedGet(this.pre, key);
  }
}

export class LaneThread {
  readonly counters = new Counters();
  /** The counts as of the last completed step (the simulated runtime rolls back to them). */
  readonly committed = new Counters();
  private readonly view: LaneView;
  private readonly out: TxOutcome = newOutcome();
  private readonly codes: Float64Array[] = [];
  /** Argument arrays by length, reused so an execution allocates nothing. */
  private readonly argsByLength: number[][] = [];
  /** The entry of each of the current transaction's writes. */
  private readonly writeEntries: Int32Array;

  /**
   * `i32` and `f64` are the arrays behind `m`, read directly for the program table only: it is
   * immutable, and the constructor runs outside any step.
   */
  constructor(
    private readonly m: Cells, private readonly L: Layout, i32: Int32Array, f64: Float64Array, private readonly worker: number,
    /** Called before every execution (fault injection in tests); null in normal runs. */
    private readonly beforeExecute: ((tx: number) => void) | null = null,
  ) {
    // A transaction reads and writes only declared keys, one entry each: the widest footprint bounds both.
    this.view = new LaneView(m, L, L.widest);
    this.writeEntries = new Int32Array(L.widest);
    for (let p = 0; p < L.programs; p++) {
      const at = i32[L.progTable + p * PROG_CELLS]!;
      this.codes.push(f64.subarray(at, at + i32[L.progTable + p * PROG_CELLS + 1]!));
    }
  }

  /** One step of the worker loop; returns the next state, or FINISHED. */
  step(state: number): number {
    const { m } = this;
    if (m.load(H.STATE) !== RUNNING) return FINISHED;
    return state === IDLE ? this.claim() : this.advance(state - 1);
  }

  private ready(tx: number): boolean {
    const { m, L } = this;
    const end = m.read(L.txStart + tx + 1);
    for (let e = m.read(L.txStart + tx); e < end; e++) {
      if (m.load(L.served + m.read(L.entrySlot + e)) < m.read(L.entryWait + e)) return false;
    }
    return true;
  }

  /**
   * The lane's next transaction if it is planned and in the window, else NOT_YET or LANE_DONE.
   * PLANNED is read before the link: links are written before PLANNED passes them, so a link read
   * after seeing the window fully planned is final (read the other way round, a link written in
   * between would be missed and the lane taken for finished).
   */
  private next(lane: number): number {
    const { m, L } = this;
    const planned = m.load(H.PLANNED);
    const last = m.load(L.lanes + lane * PAD + L_LAST);
    const tx = last < 0 ? m.load(L.laneHead + lane) : m.load(L.nextInLane + last);
    const end = m.read(H.WINDOW_END);
    if (tx >= end) return LANE_DONE;
    if (tx >= 0) return tx < planned ? tx : NOT_YET;
    return planned >= end ? LANE_DONE : NOT_YET;
  }

  private claim(): number {
    const { m, L } = this;
    let best = -1;
    let bestTx = L.txs;
    let open = false;
    for (let lane = 0; lane < L.modules; lane++) {
      const hint = m.load(L.hints + lane);
      const tx = hint === HINT_UNKNOWN ? this.workOut(lane) : hint;
      if (tx === HINT_DONE) continue;
      open = true;
      if (tx < 0 || tx >= bestTx) continue;
      // A hint is stale while its lane's new owner has yet to store HINT_OWNED: a claim that only
      // failed its compare-and-swap would not pause, and could spin while that owner waits.
      if (hint >= 0 && m.load(L.lanes + lane * PAD + L_OWNER) !== 0) continue;
      if (this.ready(tx)) {
        best = lane;
        bestTx = tx;
      }
    }
    if (!open) return FINISHED;
    if (best >= 0 && m.cas(L.lanes + best * PAD + L_OWNER, 0, this.worker + 1) === 0) {
      m.store(L.hints + best, HINT_OWNED);
      this.counters.claims++;
      return best + 1;
    }
    if (best < 0) m.pause();
    return IDLE;
  }

  /**
   * The hint of a lane whose hint is unknown, from its cells, stored for later claims when final
   * (done) or when it names a transaction. Its owner may release it in between with a later
   * transaction: the stored one is then stale, which costs a claim that finds the lane's real next
   * transaction, never a wrong result (a claim re-reads the lane), and a lane found done stays done.
   */
  private workOut(lane: number): number {
    const { m, L } = this;
    // An owned lane is unfinished (its owner releases it first), and its owner writes its cursor
    // and counts at every transaction: skip it before touching those cache lines.
    if (m.load(L.lanes + lane * PAD + L_OWNER) !== 0) return HINT_OWNED;
    const tx = this.next(lane);
    if (tx === NOT_YET) return HINT_UNKNOWN;
    const hint = tx === LANE_DONE ? HINT_DONE : tx;
    m.cas(L.hints + lane, HINT_UNKNOWN, hint);
    return hint;
  }

  private advance(lane: number): number {
    const { m, L } = this;
    const cell = L.lanes + lane * PAD;
    const tx = this.next(lane);
    if (tx >= 0) {
      if (this.ready(tx)) {
        if (!this.execute(tx)) return FINISHED;
        m.store(cell + L_LAST, tx);
        return lane + 1;
      }
      this.counters.crossWaits++;
    }
    m.store(L.hints + lane, tx >= 0 ? tx : tx === LANE_DONE ? HINT_DONE : HINT_UNKNOWN);
    m.store(cell + L_OWNER, 0);
    return IDLE;
  }

  /** Stops every worker at transaction tx with `reason`; the lowest transaction's reason is the one reported. */
  private abort(tx: number, reason: number, key: number): void {
    const { m, L } = this;
    // Into tx's own record, which no other thread writes; the compare-and-swap naming tx publishes it.
    if (reason === ABORT_UNDECLARED) m.writeF(L.recordsF + tx * L.recordF + RF_UNDECLARED_KEY, key);
    const word = abortWord(tx, reason === ABORT_CAPACITY);
    for (let seen = m.load(H.ABORT_TX); word < seen; seen = m.load(H.ABORT_TX)) {
      if (m.cas(H.ABORT_TX, seen, word) === seen) break;
    }
    m.cas(H.STATE, RUNNING, reason);
  }

  /** Runs tx and publishes its results; false when it aborted the lanes instead. */
  private execute(tx: number): boolean {
    const { view, out } = this;
    const row = this.L.txTable + tx * TX_CELLS;
    const args = this.loadArgs(tx, row);
    this.beforeExecute?.(tx);
    this.counters.executions++;
    try {
      runTransaction(this.codes[this.m.read(row)]!, args, this.m.readF(this.L.txGas + tx), view, out);
      this.checkWrites();
    } catch (e) {
      if (e !== UNDECLARED) throw e;
      this.abort(tx, ABORT_UNDECLARED, view.undeclaredKey);
      return false;
    }
    const outAt = out.outputCount > 0 ? this.storeOutputs() : 0;
    if (outAt < 0) {
      this.abort(tx, ABORT_CAPACITY, 0);
      return false;
    }
    this.commitWrites(tx);
    this.publish(tx, outAt);
    return true;
  }

  /** The transaction's arguments, and the view pointed at its entries. */
  private loadArgs(tx: number, row: number): number[] {
    const { m, L, view } = this;
    const argAt = m.read(row + 1);
    const count = m.read(row + 2);
    const args = (this.argsByLength[count] ??= new Array<number>(count).fill(0));
    for (let a = 0; a < count; a++) args[a] = m.readF(argAt + a);
    view.first = m.read(L.txStart + tx);
    view.end = m.read(L.txStart + tx + 1);
    view.reads = 0;
    return args;
  }

  /** Checks every write against the footprint (throws UNDECLARED), remembering each write's entry. */
  private checkWrites(): void {
    const { out, view, writeEntries } = this;
    for (let w = 0; w < out.writeCount; w++) writeEntries[w] = view.check(out.writeKeys[w]!, out.writeIsDelta[w] ? DELTA : WRITE);
  }

  /** Copies the outputs into the arena; returns where they start, or -1 when the arena is full. */
  private storeOutputs(): number {
    const { m, L, out } = this;
    const outAt = m.add(H.OUT_TOP, out.outputCount);
    if (outAt + out.outputCount > L.outCapacity) return -1;
    for (let o = 0; o < out.outputCount; o++) m.writeF(L.outputs + outAt + o, out.outputs[o]!);
    return outAt;
  }

  /** Writes into the slots, keeping each old value (and which entries were written) for a roll-back. */
  private commitWrites(tx: number): void {
    const { m, L, out, writeEntries, view } = this;
    const rec = L.records + tx * L.recordI + R_HEADER + L.widest;
    const recF = L.recordsF + tx * L.recordF + RF_HEADER + L.widest;
    for (let e = view.first; e < view.end; e++) m.write(rec + e - view.first, 0);
    for (let w = 0; w < out.writeCount; w++) {
      const e = writeEntries[w]! - view.first;
      const value = L.values + m.read(L.entrySlot + view.first + e);
      m.writeF(recF + e, m.loadF(value));
      m.write(rec + e, 1);
      m.storeF(value, out.writeValues[w]!);
    }
  }

  /** Writes the results into the transaction's record, then counts its accesses as finished, which publishes everything. */
  private publish(tx: number, outAt: number): void {
    const { m, L, out, view } = this;
    const { readEntries, reads, first } = view;
    const rec = L.records + tx * L.recordI;
    const recF = L.recordsF + tx * L.recordF;
    for (let r = 0; r < reads; r++) {
      m.write(rec + R_HEADER + r, readEntries[r]!);
      m.writeF(recF + RF_HEADER + r, out.readValues[r]!);
    }
    m.write(rec + R_STATUS, out.status);
    m.writeF(recF + RF_CODE, out.code);
    m.writeF(recF + RF_GAS, out.gasUsed);
    m.write(rec + R_READS, reads);
    m.write(rec + R_OUT_AT, outAt);
    m.write(rec + R_OUT_COUNT, out.outputCount);
    m.write(rec + R_DONE, 1);
    for (let e = first; e < view.end; e++) m.add(L.served + m.read(L.entrySlot + e), 1);
  }
}

/**
 * Runs a worker's loop on the real runtime: to the end, or with `idleMs`, until it has held no lane
 * and claimed none for that long (it never stops holding a lane). True when it ran to the end: the
 * window is finished, or the lanes were stopped (STATE says which).
 */
export function runLanes(thread: LaneThread, onProgress: () => void, idleMs = Infinity): boolean {
  let state = IDLE;
  let idleSince = -1;
  while (state !== FINISHED) {
    const next = thread.step(state);
    if (next !== IDLE) {
      onProgress();
      idleSince = -1;
    } else if (idleMs !== Infinity) {
      const now = performance.now();
      if (idleSince < 0) idleSince = now;
      else if (now - idleSince > idleMs) return false;
    }
    state = next;
  }
  return true;
}
