// The shared-memory layout of one modular block: the plan (written by the main thread, chunk by
// chunk, ahead of the workers), the lane cursors, the state (one value per slot), and the
// per-transaction results, in one Int32 and one Float64 array at offsets the main thread computes
// from the block alone (capacities are the footprints' upper bounds) and sends along, so the same
// bytes mean the same thing in every worker and in the simulated runtime.
//
// Int32 cells                                          Float64 cells
//   header: STATE, ABORT_TX, OUT_TOP, PLANNED,           program code, arguments, gas limits
//     WINDOW_END, JOIN, WINDOW_START, COLLECT, DONE
//     (128 bytes apart)
//   lanes: OWNER, LAST (128 bytes apart per lane)        entry keys
//   lane hints, one cell per lane, packed
//   program table, transaction table                     state: value per slot
//   entries: start per tx, slot, kinds, wait             per tx record: code, gas used, per entry
//   lane links: first tx per lane, next tx in lane         the value read and the value before a write
//   per slot: finished accesses                          outputs arena
//   per tx record: done, status, reads, outputs, per
//     entry the entry read and whether it was written
//
// Everything a worker writes for one transaction (its record) lives on cache lines of its own: two
// workers run neighbouring transactions at the same time and would otherwise keep stealing each
// other's lines (false sharing costs ~30 ns a write). Slots are not padded: the keys two workers
// touch at one time are spread over the whole state, so they rarely share a line.
//
// Invariants: a transaction's plan (tx table, arguments, entries, waits, lane link, its new
// slots' value and count, its record's done flag) is written before PLANNED is stored past it,
// and workers touch only transactions below PLANNED and below WINDOW_END; a worker writes a
// transaction's state, results, reads and undo values before it adds the transaction's accesses to
// its slots' counts, which publishes them; a lane's OWNER and LAST change only by its owner (OWNER
// by compare-and-swap from 0), and LAST only moves forward along the lane's links. A lane's hint is
// only a hint (claims re-check the lane), except HINT_DONE, which is final within a window.
// A slot's value is UNREAD (NaN, never a VM value) when the pre-state is a SharedState
// (spec/shared-state.ts) and nothing in the block wrote the slot yet: a read takes the pre-state
// value from the SharedState's table instead, so the planner looks up no pre-state value.

import type { Block } from '../../spec/block.js';
import { OP, WIDTH } from '../../spec/bytecode.js';
import { SharedState } from '../../spec/shared-state.js';
import { entryBound, type AccessArrays } from './access.js';
import type { LaneArrays } from './plan.js';

/** Header cells, one per 128 bytes so hot cells do not share cache lines. */
export const PAD = 32;
export const H = {
  STATE: 0, ABORT_TX: PAD, OUT_TOP: 2 * PAD, PLANNED: 3 * PAD, WINDOW_END: 4 * PAD, JOIN: 5 * PAD, WINDOW_START: 6 * PAD, COLLECT: 7 * PAD, DONE: 8 * PAD,
} as const;
const HEADER_CELLS = 9 * PAD;

/** Lane cells, at lanes + lane * PAD: the owning worker + 1 (0: free), and the last transaction the lane ran (-1: none). */
export const L_OWNER = 0;
export const L_LAST = 1;

/**
 * Lane hints, at hints + lane: what a claim needs to know of each lane, packed so that a claim
 * reads M / 16 cache lines rather than a line or more per lane (with 256 lanes, one lane thread
 * in one process, a claim that read every lane's cells took 2.5 us; 1.4 us with the hints). A
 * lane's owner writes HINT_OWNED after claiming it and, as it releases it, the next transaction it
 * stopped at (>= 0), HINT_DONE, or HINT_UNKNOWN when that transaction is not planned yet; a claim
 * that works an unknown lane out stores what it found. Reset to HINT_UNKNOWN at every window.
 */
export const HINT_UNKNOWN = -1;
export const HINT_OWNED = -2;
export const HINT_DONE = -3;

/** Values of H.STATE. Anything but RUNNING stops every worker at its next step. */
export const RUNNING = 0;
/** A transaction touched a key outside its declared footprint (ABORT_TX and that transaction's RF_UNDECLARED_KEY say which). */
export const ABORT_UNDECLARED = 1;
/** The outputs arena ran out (ABORT_TX says where); the executor grows it for the next block. */
export const ABORT_CAPACITY = 2;
/** Set by the main thread when a worker failed: the others stop, the block is discarded. */
export const ABORT_EXTERNAL = 3;
/** A worker spun for the stall limit without any lane moving (the protocol is broken: never expected). */
export const ABORT_STALL = 4;

export const PROG_CELLS = 2;
export const TX_CELLS = 3;

/** Cells per 64-byte cache line. */
const LINE_I = 16;
const LINE_F = 8;

/** A transaction's Int32 record: done flag, status, reads, where its outputs are and how many, then per entry read the entry (in read order), then per entry whether it was written. */
export const R_DONE = 0;
export const R_STATUS = 1;
export const R_READS = 2;
export const R_OUT_AT = 3;
export const R_OUT_COUNT = 4;
export const R_HEADER = 5;
/** A transaction's Float64 record: revert code, gas used, then per entry read the value, then per entry the value before its write. */
export const RF_CODE = 0;
export const RF_GAS = 1;
export const RF_HEADER = 2;
/** In the record of the transaction that aborted the lanes on an undeclared access (it has no result): the key. */
export const RF_UNDECLARED_KEY = RF_CODE;

/**
 * H.ABORT_TX holds the lowest transaction that aborted the lanes and its reason in one word, so one
 * compare-and-swap sets both: two lanes may abort at once, and the reason (and the arena's growth)
 * must be the lowest one's. tx * 2, plus 1 when the outputs arena ran out, else an undeclared access.
 */
export const abortWord = (tx: number, outOfOutputs: boolean): number => tx * 2 + (outOfOutputs ? 1 : 0);
/** ABORT_TX while no transaction aborted: above every transaction's word. */
export const noAbort = (txs: number): number => abortWord(txs, false);

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

export interface Layout {
  readonly txs: number;
  readonly programs: number;
  readonly modules: number;
  /** Capacity for entries and for slots (a block has at most as many slots as entries). */
  readonly entries: number;
  /** The most entries one transaction can have: the longest footprint. */
  readonly widest: number;
  readonly outCapacity: number;
  /** Cells per transaction record, Int32 and Float64 (whole cache lines). */
  readonly recordI: number;
  readonly recordF: number;
  // Int32 sections
  readonly lanes: number;
  readonly hints: number;
  readonly progTable: number;
  readonly txTable: number;
  readonly txStart: number;
  readonly entrySlot: number;
  readonly entryKinds: number;
  readonly entryWait: number;
  readonly laneHead: number;
  readonly nextInLane: number;
  /** Slot s's count of finished accesses. */
  readonly served: number;
  /** Transaction t's record at records + t * recordI. */
  readonly records: number;
  readonly i32Size: number;
  // Float64 sections
  readonly code: number;
  readonly args: number;
  readonly txGas: number;
  readonly entryKey: number;
  /** Slot s's value, or UNREAD. */
  readonly values: number;
  /** Transaction t's record at recordsF + t * recordF. */
  readonly recordsF: number;
  readonly outputs: number;
  readonly f64Size: number;
  /** The pre-state's SharedState table (posted with the layout, it is shared, not copied), or null for a Map pre-state. */
  readonly sharedPre: SharedArrayBuffer | null;
  /** The planted bug kind-blind (bugs.ts) is on: posted with the layout, so the workers' lanes have it too. */
  readonly kindBlind: boolean;
}

/** A slot's value while its pre-state value sits in a SharedState's table, unread: no VM value is NaN. */
export const UNREAD = Number.NaN;

/** Outputs a block may need: each program's EMITs once per transaction, plus slack; `scale` grows it after a block ran out. */
export function outputCapacity(block: Block, scale: number): number {
  const emits = block.programs.map((p) => {
    let k = 0;
    for (let pc = 0; pc < p.code.length; pc += WIDTH) if (p.code[pc] === OP.EMIT) k++;
    return k;
  });
  let total = 0;
  for (const tx of block.txs) total += emits[tx.program]!;
  return Math.ceil((total + 1024) * scale);
}

export function layoutFor(block: Block, modules: number, outCapacity: number, kindBlind = false): Layout {
  const n = block.txs.length;
  const E = entryBound(block);
  const widest = block.programs.reduce((w, p) => Math.max(w, p.footprint?.length ?? 0), 0);
  const recordI = roundUp(R_HEADER + 2 * widest, LINE_I);
  const recordF = roundUp(RF_HEADER + 2 * widest, LINE_F);
  let i = HEADER_CELLS;
  const take = (cells: number, align = 1): number => {
    const at = roundUp(i, align);
    i = at + cells;
    return at;
  };
  const lanes = take(modules * PAD);
  const hints = take(modules, LINE_I);
  const progTable = take(block.programs.length * PROG_CELLS);
  const txTable = take(n * TX_CELLS);
  const txStart = take(n + 1);
  const entrySlot = take(E);
  const entryKinds = take(E);
  const entryWait = take(E);
  const laneHead = take(modules);
  const nextInLane = take(n);
  const served = take(E);
  const records = take(n * recordI, LINE_I);
  const i32Size = i;
  let f = 0;
  const takeF = (cells: number, align = 1): number => {
    const at = roundUp(f, align);
    f = at + cells;
    return at;
  };
  let codeSize = 0;
  for (const p of block.programs) codeSize += p.code.length;
  let argsSize = 0;
  for (const tx of block.txs) argsSize += tx.args.length;
  const code = takeF(codeSize);
  const args = takeF(argsSize);
  const txGas = takeF(n);
  const entryKey = takeF(E);
  const values = takeF(E);
  const recordsF = takeF(n * recordF, LINE_F);
  const outputs = takeF(outCapacity);
  return {
    txs: n, programs: block.programs.length, modules, entries: E, widest, outCapacity, recordI, recordF,
    lanes, hints, progTable, txTable, txStart, entrySlot, entryKinds, entryWait, laneHead, nextInLane, served, records, i32Size,
    code, args, txGas, entryKey, values, recordsF, outputs, f64Size: f,
    sharedPre: block.preState instanceof SharedState ? block.preState.buffer : null, kindBlind,
  };
}

/** The access map's arrays, as views of the shared buffers. */
export function accessViews(L: Layout, i32: Int32Array, f64: Float64Array): AccessArrays {
  return {
    txStart: i32.subarray(L.txStart, L.txStart + L.txs + 1),
    entryKey: f64.subarray(L.entryKey, L.entryKey + L.entries),
    entrySlot: i32.subarray(L.entrySlot, L.entrySlot + L.entries),
    entryKinds: i32.subarray(L.entryKinds, L.entryKinds + L.entries),
    entryWait: i32.subarray(L.entryWait, L.entryWait + L.entries),
  };
}

export function laneViews(L: Layout, i32: Int32Array): LaneArrays {
  return { laneHead: i32.subarray(L.laneHead, L.laneHead + L.modules), nextInLane: i32.subarray(L.nextInLane, L.nextInLane + L.txs) };
}

/**
 * Resets the header and lanes for a new block and writes its programs; nothing is planned yet.
 * Runs while no worker is running, so plain writes are enough.
 */
export function beginBlock(block: Block, L: Layout, i32: Int32Array, f64: Float64Array): void {
  i32.fill(0, 0, L.progTable);
  i32[H.ABORT_TX] = noAbort(L.txs);
  for (let m = 0; m < L.modules; m++) i32[L.lanes + m * PAD + L_LAST] = -1;
  let codeAt = L.code;
  block.programs.forEach((p, j) => {
    i32[L.progTable + j * PROG_CELLS] = codeAt;
    i32[L.progTable + j * PROG_CELLS + 1] = p.code.length;
    f64.set(p.code, codeAt);
    codeAt += p.code.length;
  });
  // Lane links, slots and records are reset one by one as they are planned (plan.ts, block-run.ts).
  i32.fill(-1, L.laneHead, L.laneHead + L.modules);
}

/**
 * Writes transactions [from, to): program, arguments, gas limit, and a cleared done flag. `argAt`
 * is where from's arguments go; returns where to's go.
 */
export function writeTxs(block: Block, L: Layout, i32: Int32Array, f64: Float64Array, from: number, to: number, argAt: number): number {
  const { txs } = block;
  let at = argAt;
  for (let t = from; t < to; t++) {
    const tx = txs[t]!;
    const row = L.txTable + t * TX_CELLS;
    i32[L.records + t * L.recordI + R_DONE] = 0;
    i32[row] = tx.program;
    i32[row + 1] = at;
    i32[row + 2] = tx.args.length;
    f64[L.txGas + t] = tx.gasLimit;
    for (let a = 0; a < tx.args.length; a++) f64[at++] = tx.args[a]!;
  }
  return at;
}
