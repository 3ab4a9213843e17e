// The shared-memory layout of one modular block: the plan (written by the main thread, chunk by
// chunk, ahead of the workers), the lane cursors, the state (one value per slot), and the
// per-transaction results, in one Int32 and one Float64 array at offsets the main thread computes
// from the block alone (capacities are the footprints' upper bounds) and sends along, so the same
// bytes mean the same thing in every worker and in the simulated runtime.
//
// Int32 cells                                          Float64 cells
//   header: STATE, ABORT_TX, OUT_TOP, PLANNED,           VIOLATION_KEY
//     WINDOW_END (128 bytes apart)                       program code, arguments, gas limits
//   lanes: OWNER, LAST (128 bytes apart per lane)        entry keys
//   program table, transaction table                     state: value per slot
//   entries: start per tx, slot, kinds, wait             results: code, gas used per tx
//   lane links: first tx per lane, next tx in lane       per entry: value read, value before a write
//   per slot: finished accesses                          outputs arena
//   done flag, results: status, reads, outputs
//   per entry: entry read (in read order), written
//
// Invariants: a transaction's plan (tx table, arguments, entries, waits, lane link, its new slots'
// values) is written before PLANNED is stored past it, and workers touch only transactions below
// PLANNED and below WINDOW_END; a worker writes a transaction's state, results, reads and undo
// values before it adds the transaction's accesses to its slots' counts, which publishes them; a
// lane's OWNER and LAST change only by its owner (OWNER by compare-and-swap from 0), and LAST only
// moves forward along the lane's links.

import type { Block } from '../../spec/block.js';
import { OP, WIDTH } from '../../spec/bytecode.js';
import { entryBound, type AccessArrays } from './access.js';
import type { LaneArrays } from './plan.js';

/** Header cells, one per 128 bytes so hot cells do not share cache lines. */
export const PAD = 32;
export const H = { STATE: 0, ABORT_TX: PAD, OUT_TOP: 2 * PAD, PLANNED: 3 * PAD, WINDOW_END: 4 * PAD } as const;
const HEADER_CELLS = 5 * PAD;
/** Float64 header: the key of the undeclared access that aborted the lanes. */
export const F_VIOLATION_KEY = 0;
const F_HEADER_CELLS = 1;

/** Lane cells, at lanes + lane * PAD: the owning worker + 1 (0: free), and the last transaction the lane ran (-1: none). */
export const L_OWNER = 0;
export const L_LAST = 1;

/** Values of H.STATE. Anything but RUNNING stops every worker at its next step. */
export const RUNNING = 0;
/** A transaction touched a key outside its declared footprint (ABORT_TX, F_VIOLATION_KEY say which). */
export const ABORT_UNDECLARED = 1;
/** The outputs arena ran out (ABORT_TX says where); the executor grows it for the next block. */
export const ABORT_CAPACITY = 2;
/** Set by the main thread when a worker failed: the others stop, the block is discarded. */
export const ABORT_EXTERNAL = 3;
/** A worker spun for the stall limit without any lane moving (the protocol is broken: never expected). */
export const ABORT_STALL = 4;

export const PROG_CELLS = 2;
export const TX_CELLS = 3;

export interface Layout {
  readonly txs: number;
  readonly programs: number;
  readonly modules: number;
  /** Capacity for entries and for slots (a block has at most as many slots as entries). */
  readonly entries: number;
  /** The most entries one transaction can have: the longest footprint. */
  readonly widest: number;
  readonly outCapacity: number;
  // Int32 sections
  readonly lanes: number;
  readonly progTable: number;
  readonly txTable: number;
  readonly txStart: number;
  readonly entrySlot: number;
  readonly entryKinds: number;
  readonly entryWait: number;
  readonly laneHead: number;
  readonly nextInLane: number;
  readonly served: number;
  readonly done: number;
  readonly txStatus: number;
  readonly txReads: number;
  readonly txOutAt: number;
  readonly txOutCount: number;
  readonly readEntry: number;
  readonly written: number;
  readonly i32Size: number;
  // Float64 sections
  readonly code: number;
  readonly args: number;
  readonly txGas: number;
  readonly entryKey: number;
  readonly values: number;
  readonly txCode: number;
  readonly txGasUsed: number;
  readonly readValue: number;
  readonly oldValue: number;
  readonly outputs: number;
  readonly f64Size: number;
}

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

export function layoutFor(block: Block, modules: number, outCapacity: number): Layout {
  const n = block.txs.length;
  const E = entryBound(block);
  let i = HEADER_CELLS;
  const take = (cells: number): number => {
    const at = i;
    i += cells;
    return at;
  };
  const lanes = take(modules * PAD);
  const progTable = take(block.programs.length * PROG_CELLS);
  const txTable = take(n * TX_CELLS);
  const txStart = take(n + 1);
  const entrySlot = take(E);
  const entryKinds = take(E);
  const entryWait = take(E);
  const laneHead = take(modules);
  const nextInLane = take(n);
  const served = take(E);
  const done = take(n);
  const txStatus = take(n);
  const txReads = take(n);
  const txOutAt = take(n);
  const txOutCount = take(n);
  const readEntry = take(E);
  const written = take(E);
  const i32Size = i;
  let f = F_HEADER_CELLS;
  const takeF = (cells: number): number => {
    const at = f;
    f += cells;
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
  const txCode = takeF(n);
  const txGasUsed = takeF(n);
  const readValue = takeF(E);
  const oldValue = takeF(E);
  const outputs = takeF(outCapacity);
  const widest = block.programs.reduce((w, p) => Math.max(w, p.footprint?.length ?? 0), 0);
  return {
    txs: n, programs: block.programs.length, modules, entries: E, widest, outCapacity,
    lanes, progTable, txTable, txStart, entrySlot, entryKinds, entryWait, laneHead, nextInLane, served, done, txStatus, txReads,
    txOutAt, txOutCount, readEntry, written, i32Size,
    code, args, txGas, entryKey, values, txCode, txGasUsed, readValue, oldValue, outputs, f64Size: f,
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
 * Resets the arrays for a new block and writes its programs; nothing is planned yet. Runs while
 * no worker is running, so plain writes are enough.
 */
export function beginBlock(block: Block, L: Layout, i32: Int32Array, f64: Float64Array): void {
  i32.fill(0, 0, L.progTable);
  i32[H.ABORT_TX] = L.txs;
  for (let m = 0; m < L.modules; m++) i32[L.lanes + m * PAD + L_LAST] = -1;
  let codeAt = L.code;
  block.programs.forEach((p, j) => {
    i32[L.progTable + j * PROG_CELLS] = codeAt;
    i32[L.progTable + j * PROG_CELLS + 1] = p.code.length;
    f64.set(p.code, codeAt);
    codeAt += p.code.length;
  });
  i32.fill(-1, L.laneHead, L.laneHead + L.modules);
  i32.fill(-1, L.nextInLane, L.nextInLane + L.txs);
  i32.fill(0, L.served, L.served + L.entries);
  i32.fill(0, L.done, L.done + L.txs);
  i32.fill(0, L.written, L.written + L.entries);
}

/** Writes transactions [from, to): program, arguments and gas limit. `argAt` is where from's arguments go; returns where to's go. */
export function writeTxs(block: Block, L: Layout, i32: Int32Array, f64: Float64Array, from: number, to: number, argAt: number): number {
  const { txs } = block;
  let at = argAt;
  for (let t = from; t < to; t++) {
    const tx = txs[t]!;
    const row = L.txTable + t * TX_CELLS;
    i32[row] = tx.program;
    i32[row + 1] = at;
    i32[row + 2] = tx.args.length;
    f64[L.txGas + t] = tx.gasLimit;
    for (let a = 0; a < tx.args.length; a++) f64[at++] = tx.args[a]!;
  }
  return at;
}
