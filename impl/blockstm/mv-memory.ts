// Block-STM's multi-version memory (Gelashvili et al., PPoPP'23, Algorithms 2 and 3) over the
// abstract shared cells, so the same code runs on worker threads and in the simulated runtime.
//
// Per key (a slot of a lock-free open-addressing key table) a list of nodes, one per transaction
// that wrote the key, sorted by transaction index, highest first. A node's version cell holds the
// offset of the write entry (incarnation, value) in the record of the incarnation that last wrote
// it, ESTIMATE (that incarnation was aborted), or EMPTY (the latest incarnation did not write the
// key). read(key, txn_idx) returns the version and value of the highest transaction below txn_idx
// whose node is not EMPTY, a READ_ERROR naming it when that node is an ESTIMATE, or the pre-state
// (storage) when there is none. Each incarnation publishes an immutable record (read set with
// versions, write set, receipt data) by storing its offset in lastRecord[txn_idx]; validation
// re-reads every key of the last record and compares versions (transaction, incarnation).
//
// Invariants:
// - A record and its write entries are written before the store that publishes them (a node's
//   version cell, lastRecord) and never change after, so one atomic load of the version cell
//   gives a consistent (incarnation, value) pair: no lock, no retry.
// - Only the worker executing transaction t inserts t's nodes, so a key has at most one node per
//   transaction; nodes are inserted with a CAS on the link that precedes them and never removed.
// - A DELTA's base is read and validated like any other read (flagged, so results can leave it
//   out of the program-observed reads): a delta's outcome, including its bound check, is then
//   exactly the reference's for the base the final incarnation saw.
// - A read that would need a pre-state value that was not loaded (layout.ts: only the declared
//   keys were) throws UNDECLARED_READ instead of guessing 0 (as the planted guess-unloaded-value
//   bug does). A SharedState pre-state is never loaded: its table answers every read of the
//   pre-state (and is not written during a block).

import type { Cells } from '../runtime/cells.js';
import { sharedGet, sharedTable, type SharedTable } from '../../spec/shared-state.js';
import type { TxOutcome } from '../../spec/vm.js';
import { BUG_BIT } from './bugs.js';
import {
  C_ARENA, C_KEYS, C_NODE, EMPTY, ESTIMATE, H, highOf, keyHome, keyShift, lowOf, N_KEY, N_NEXT, N_TX, N_VERSION, NIL, NODE_CELLS, OUT_OF_CAPACITY,
  R_CODE, R_GAS, R_HEADER, R_INCARNATION, R_OUTPUTS, R_READS, R_STATUS, R_WRITES, READ_CELLS, READ_VALUE, S_BASE, S_HEAD,
  S_KEY, S_STATE, SLOT_BUSY, SLOT_CELLS, SLOT_EMPTY, SLOT_READY, UNDECLARED_READ, UNKNOWN, valueOf, workerCells, WRITE_CELLS, WRITE_VALUE, writesOf, type Layout,
} from './layout.js';

export const READ_OK = 0;
export const READ_NOT_FOUND = 1;
export const READ_ERROR = 2;

/** The reads one execution made through the view, in order: what its record will hold. */
export class ReadLog {
  count = 0;
  readonly keys: number[] = [];
  readonly slots: number[] = [];
  readonly txs: number[] = [];
  readonly incarnations: number[] = [];
  readonly deltas: number[] = [];
  readonly values: number[] = [];
}

export class MVMemory {
  /** The result of the last read(): tx NIL means storage; on READ_ERROR, tx is the blocking transaction. */
  tx = NIL;
  incarnation = 0;
  value = 0;
  /** The key's slot (the cell where it starts) in the last read(), NIL when the key was in no slot. */
  slot = NIL;
  private readonly keyMask: number;
  private readonly keyShift: number;
  private readonly keyLimit: number;
  /** The base of a slot a worker adds: NIL (the key is not in the pre-state) or UNKNOWN (only declared keys were loaded). */
  private readonly newBase: number;
  private readonly readHigher: boolean;
  private readonly noEstimate: boolean;
  private readonly trustDeltas: boolean;
  /** The planted guess-unloaded-value bug: a pre-state value that was not loaded reads as 0. Tested only where UNDECLARED_READ would be thrown. */
  private readonly guessUnloaded: boolean;
  /** Per write of the previous record: did the new incarnation write that node again. */
  private readonly kept: number[] = [];
  /** This worker's allocation cursors, or NIL: it allocates from the shared tops one at a time. */
  private readonly cursor: number;
  /** The pre-state's SharedState table when the block's pre-state is one (then storage is empty). */
  private readonly pre: SharedTable | null;
  /** Set while validating, which compares versions only: a pre-state read then skips the table's probe (a cache miss, in a large one). */
  private versionsOnly = false;

  /** `worker`: this worker's index, which gives it its own allocation cursors when the layout has them. */
  constructor(private readonly m: Cells, private readonly L: Layout, bugs: number, worker = NIL) {
    this.cursor = workerCells(L, worker);
    this.pre = L.sharedPre === null ? null : sharedTable(L.sharedPre);
    this.keyMask = L.capacity.keys - 1;
    this.keyShift = keyShift(L.capacity.keys);
    this.keyLimit = (L.capacity.keys * 3) >>> 2;
    this.newBase = L.declaredOnly ? UNKNOWN : NIL;
    this.readHigher = (bugs & BUG_BIT['read-higher-tx']) !== 0;
    this.noEstimate = (bugs & BUG_BIT['no-estimate']) !== 0;
    this.trustDeltas = (bugs & BUG_BIT['wrong-delta-resolution']) !== 0;
    this.guessUnloaded = (bugs & BUG_BIT['guess-unloaded-value']) !== 0;
  }

  /**
   * The key's slot, or NIL when no one ever wrote the key and it is not in the pre-state. A probe
   * ends after one turn of the table: a claim past the key limit throws only once it holds its
   * slot, so with more workers than the table's spare quarter every slot can be taken.
   */
  private lookup(key: number): number {
    const { m, keyMask } = this;
    const keys = this.L.keys;
    const home = keyHome(key, this.keyShift);
    for (let h = home; ; ) {
      const slot = keys + h * SLOT_CELLS;
      let s = m.load(slot + S_STATE);
      while (s === SLOT_BUSY) {
        m.pause();
        s = m.load(slot + S_STATE);
      }
      if (s === SLOT_EMPTY) return NIL;
      if (m.read(slot + S_KEY) >>> 0 === key) return slot;
      h = (h + 1) & keyMask;
      if (h === home) return NIL;
    }
  }

  /** The key's slot, claiming a free one (EMPTY -> BUSY -> READY) when the key is new; OUT_OF_CAPACITY when every slot is taken. */
  private slotFor(key: number): number {
    const { m, keyMask } = this;
    const keys = this.L.keys;
    const home = keyHome(key, this.keyShift);
    for (let h = home; ; ) {
      const slot = keys + h * SLOT_CELLS;
      const s = m.load(slot + S_STATE);
      if (s === SLOT_EMPTY) {
        if (m.cas(slot + S_STATE, SLOT_EMPTY, SLOT_BUSY) !== SLOT_EMPTY) continue;
        m.write(slot + S_KEY, key | 0);
        m.write(slot + S_HEAD, NIL);
        m.write(slot + S_BASE, this.newBase);
        m.store(slot + S_STATE, SLOT_READY);
        this.allocate(H.KEY_COUNT, C_KEYS, this.L.nodeChunk, 1, this.keyLimit);
        return slot;
      }
      if (s === SLOT_BUSY) {
        m.pause();
        continue;
      }
      if (m.read(slot + S_KEY) >>> 0 === key) return slot;
      h = (h + 1) & keyMask;
      if (h === home) throw OUT_OF_CAPACITY;
    }
  }

  /** The slot of a key about to be written: from the execution's own read of it when there was one. */
  private slotOfWrite(key: number, log: ReadLog): number {
    for (let r = 0; r < log.count; r++) if (log.keys[r] === key && log.slots[r] !== NIL) return log.slots[r]!;
    return this.slotFor(key);
  }

  /** Transaction txIdx's node for the key in `slot`, inserted (EMPTY) in index order when missing. */
  private nodeFor(slot: number, key: number, txIdx: number): number {
    const { m, L } = this;
    let link = slot + S_HEAD;
    let cur = m.load(link);
    let fresh = NIL;
    for (;;) {
      if (cur !== NIL) {
        const tx = m.read(L.nodes + cur * NODE_CELLS + N_TX);
        if (tx > txIdx) {
          link = L.nodes + cur * NODE_CELLS + N_NEXT;
          cur = m.load(link);
          continue;
        }
        if (tx === txIdx) return cur;
      }
      if (fresh === NIL) {
        fresh = this.allocate(H.NODE_TOP, C_NODE, L.nodeChunk, 1, L.capacity.nodes);
        m.write(L.nodes + fresh * NODE_CELLS + N_TX, txIdx);
        m.write(L.nodes + fresh * NODE_CELLS + N_KEY, key | 0);
        m.write(L.nodes + fresh * NODE_CELLS + N_VERSION, EMPTY);
      }
      m.write(L.nodes + fresh * NODE_CELLS + N_NEXT, cur);
      const seen = m.cas(link, cur, fresh);
      if (seen === cur) return fresh;
      cur = seen;
    }
  }

  /**
   * The paper's read(location, txn_idx): sets tx/incarnation/value/slot and returns READ_OK,
   * READ_NOT_FOUND (value from storage) or READ_ERROR (tx is the writer of the ESTIMATE); throws
   * UNDECLARED_READ when the value is in a pre-state that was not loaded.
   */
  read(key: number, txIdx: number): number {
    const slot = this.lookup(key);
    this.slot = slot;
    if (slot !== NIL) return this.readSlot(slot, txIdx);
    if (this.newBase === UNKNOWN && !this.guessUnloaded) throw UNDECLARED_READ;
    this.tx = NIL;
    this.incarnation = 0;
    this.value = this.pre === null || this.versionsOnly ? 0 : sharedGet(this.pre, key);
    return READ_NOT_FOUND;
  }

  /** read() for a key whose slot is known (a slot never changes keys within a block). */
  private readSlot(slot: number, txIdx: number): number {
    const { m, L } = this;
    for (let node = m.load(slot + S_HEAD); node !== NIL; ) {
      const at = L.nodes + node * NODE_CELLS;
      const tx = m.read(at + N_TX);
      if (tx < txIdx || (this.readHigher && tx !== txIdx)) {
        const entry = m.load(at + N_VERSION);
        if (entry === ESTIMATE) {
          this.tx = tx;
          return READ_ERROR;
        }
        if (entry !== EMPTY) {
          this.tx = tx;
          this.incarnation = m.read(entry + 1);
          this.value = valueOf(m.read(entry + WRITE_VALUE), m.read(entry + WRITE_VALUE + 1));
          return READ_OK;
        }
      }
      node = m.load(at + N_NEXT);
    }
    this.tx = NIL;
    this.incarnation = 0;
    const base = m.read(slot + S_BASE);
    if (base === UNKNOWN) {
      if (!this.guessUnloaded) throw UNDECLARED_READ;
      this.value = 0;
      return READ_NOT_FOUND;
    }
    this.value = base !== NIL ? m.readF(L.storage + base) : this.pre === null || this.versionsOnly ? 0 : sharedGet(this.pre, m.read(slot + S_KEY) >>> 0);
    return READ_NOT_FOUND;
  }

  /**
   * `size` cells (or nodes) from this worker's chunk, taking a new chunk of `chunk` (or `size` if
   * larger) from the shared top when the current one cannot hold them; without cursors, straight
   * from the top. Throws OUT_OF_CAPACITY exactly when what was asked for does not fit.
   */
  private allocate(top: number, cursor: number, chunk: number, size: number, capacity: number): number {
    const { m } = this;
    if (this.cursor === NIL || chunk <= 1) {
      const at = m.add(top, size);
      if (at + size > capacity) throw OUT_OF_CAPACITY;
      return at;
    }
    const next = this.cursor + cursor;
    let at = m.read(next);
    if (at + size > m.read(next + 1)) {
      const grab = Math.max(chunk, size);
      at = m.add(top, grab);
      if (at + size > capacity) throw OUT_OF_CAPACITY;
      m.write(next + 1, Math.min(at + grab, capacity));
    }
    m.write(next, at + size);
    return at;
  }

  /** Writes a value as its (high, low) pair into unpublished cells. */
  private writeValue(at: number, v: number): void {
    this.m.write(at, highOf(v));
    this.m.write(at + 1, lowOf(v));
  }

  /**
   * The paper's record(version, read_set, write_set): writes the new record, points each written
   * node at its entry (apply_write_set), empties the nodes the previous record wrote and this one
   * did not (rcu_update_written_locations), publishes the record, and returns wrote_new_location.
   */
  record(txIdx: number, incarnation: number, out: TxOutcome, log: ReadLog): boolean {
    const { m, L } = this;
    const reads = log.count;
    const writes = out.writeCount;
    const outputs = out.outputCount;
    const size = R_HEADER + READ_CELLS * reads + 2 * outputs + WRITE_CELLS * writes;
    const offset = this.allocate(H.ARENA_TOP, C_ARENA, L.arenaChunk, size, L.capacity.arena);
    const rec = L.arena + offset;
    m.write(rec + R_INCARNATION, incarnation);
    m.write(rec + R_STATUS, out.status);
    m.write(rec + R_READS, reads);
    m.write(rec + R_WRITES, writes);
    m.write(rec + R_OUTPUTS, outputs);
    this.writeValue(rec + R_CODE, out.code);
    this.writeValue(rec + R_GAS, out.gasUsed);
    for (let r = 0; r < reads; r++) {
      const at = rec + R_HEADER + r * READ_CELLS;
      m.write(at, log.keys[r]! | 0);
      m.write(at + 1, log.txs[r]!);
      m.write(at + 2, log.incarnations[r]!);
      m.write(at + 3, log.deltas[r]!);
      m.write(at + 4, log.slots[r]!);
      this.writeValue(at + READ_VALUE, log.values[r]!);
    }
    const outputsAt = rec + R_HEADER + READ_CELLS * reads;
    for (let o = 0; o < outputs; o++) this.writeValue(outputsAt + 2 * o, out.outputs[o]!);
    const written = writesOf(rec, reads, outputs);

    // Only the worker executing txIdx writes lastRecord[txIdx], and it got the transaction through
    // a chain of atomic status changes that started after the previous record was published.
    const prev = m.read(L.lastRecord + txIdx);
    const prevWrites = prev === NIL ? 0 : m.read(prev + R_WRITES);
    const prevWritten = prev === NIL ? 0 : writesOf(prev, m.read(prev + R_READS), m.read(prev + R_OUTPUTS));
    const { kept } = this;
    for (let p = 0; p < prevWrites; p++) kept[p] = 0;
    let wroteNew = false;
    for (let w = 0; w < writes; w++) {
      const key = out.writeKeys[w]!;
      let node = NIL;
      for (let p = 0; p < prevWrites; p++) {
        const candidate = m.read(prevWritten + p * WRITE_CELLS);
        if (m.read(L.nodes + candidate * NODE_CELLS + N_KEY) >>> 0 === key) {
          node = candidate;
          kept[p] = 1;
          break;
        }
      }
      if (node === NIL) {
        node = this.nodeFor(this.slotOfWrite(key, log), key, txIdx);
        wroteNew = true;
      }
      const entry = written + w * WRITE_CELLS;
      m.write(entry, node);
      m.write(entry + 1, incarnation);
      this.writeValue(entry + WRITE_VALUE, out.writeValues[w]!);
      m.store(L.nodes + node * NODE_CELLS + N_VERSION, entry);
    }
    for (let p = 0; p < prevWrites; p++) {
      if (kept[p] === 0) m.store(L.nodes + m.read(prevWritten + p * WRITE_CELLS) * NODE_CELLS + N_VERSION, EMPTY);
    }
    m.store(L.lastRecord + txIdx, rec);
    return wroteNew;
  }

  /** The paper's convert_writes_to_estimates(txn_idx), run by the worker that aborted the incarnation. */
  convertWritesToEstimates(txIdx: number): void {
    if (this.noEstimate) return;
    const { m, L } = this;
    // The aborting worker's try_validation_abort read the EXECUTED status stored after this record.
    const rec = m.read(L.lastRecord + txIdx);
    const written = writesOf(rec, m.read(rec + R_READS), m.read(rec + R_OUTPUTS));
    const writes = m.read(rec + R_WRITES);
    for (let w = 0; w < writes; w++) m.store(L.nodes + m.read(written + w * WRITE_CELLS) * NODE_CELLS + N_VERSION, ESTIMATE);
  }

  /** The paper's validate_read_set(txn_idx): every read of the last record still resolves to the same version. */
  validateReadSet(txIdx: number): boolean {
    const { m, L } = this;
    const rec = m.load(L.lastRecord + txIdx);
    const reads = m.read(rec + R_READS);
    this.versionsOnly = true;
    try {
      for (let r = 0; r < reads; r++) {
        const at = rec + R_HEADER + r * READ_CELLS;
        if (this.trustDeltas && m.read(at + 3) === 1) continue;
        const seenTx = m.read(at + 1);
        const slot = m.read(at + 4);
        const status = slot === NIL ? this.read(m.read(at) >>> 0, txIdx) : this.readSlot(slot, txIdx);
        if (status === READ_ERROR) return false;
        if (status === READ_NOT_FOUND ? seenTx !== NIL : this.tx !== seenTx || this.incarnation !== m.read(at + 2)) return false;
      }
      return true;
    } finally {
      this.versionsOnly = false;
    }
  }
}
