// The shared-memory layout of one Block-STM block: every structure the workers share lives in one
// Int32 array and one Float64 array, at offsets the main thread computes and sends along, so the
// same bytes mean the same thing in every worker and in the simulated runtime.
//
// Int32 cells                                       Float64 cells (read-only during the block)
//   header: scheduler counters, 128 bytes apart       program code
//   per worker: its allocation cursors and its share of num_active_tasks, 128 bytes apart
//   program table, transaction table                  transaction gas limits, arguments
//   per transaction: status word, last record,        pre-state values (storage)
//     dependency lock, dependency list head
//   key table: per slot state, key, head of its version list, index of its pre-state value
//   multi-version memory nodes: next, tx, version, key
//   record arena: per-incarnation records and dependency list nodes
//
// Values (53-bit integers) live in Int32 cells as a (high, low) pair, so a record, with its read
// values, outputs and written values, is one contiguous run of cells.
// Invariants: a status word is incarnation * 4 + status; a node's version cell is the offset of
// the write entry (incarnation, value) of the incarnation that wrote it last, ESTIMATE, or EMPTY;
// version lists are sorted by transaction index, highest first; arenas only grow within a block,
// so a published record or node is never reused and is read without locks (the paper's RCU).
// Capacities are estimates: exhausting one aborts the block with ABORT_CAPACITY and the executor
// retries with bigger buffers.
// The key table starts with the pre-state: all of it, or, when it is far larger than what the
// block's footprints declare, only the declared keys (the workers cannot read the main thread's
// Map, so copying all of it would make a block cost the size of the state). Then a slot a worker
// adds has an UNKNOWN base, and a read that needs one aborts the block with ABORT_UNDECLARED: the
// executor reruns it with the whole pre-state. A pre-state that is a SharedState
// (spec/shared-state.ts) is not loaded at all: the table starts empty and the workers read base
// values from the SharedState's own table.

import type { Block } from '../../spec/block.js';
import { flatKey, flattenFootprints } from '../../spec/block.js';
import { OP, WIDTH } from '../../spec/bytecode.js';
import { SharedState } from '../../spec/shared-state.js';
import { isKey } from '../../spec/values.js';

export const NIL = -1;

/** A node's version: no value (removed, or not yet written). */
export const EMPTY = -1;
/** A node's version: the writer's incarnation aborted; its next one will likely write here again. */
export const ESTIMATE = -2;
/** A node's version: the node was never handed out (left in a worker's last chunk); an entry offset is never 0. */
export const UNALLOCATED = 0;

/** The four statuses of the paper's txn_status (low two bits of a status word). */
export const READY_TO_EXECUTE = 0;
export const EXECUTING = 1;
export const EXECUTED = 2;
export const ABORTING = 3;

export const statusWord = (incarnation: number, status: number): number => incarnation * 4 + status;
export const statusOf = (word: number): number => word & 3;
export const incarnationOf = (word: number): number => word >> 2;

/** Thrown when a buffer is full: the block is aborted and retried with bigger buffers. */
export const OUT_OF_CAPACITY: unique symbol = Symbol('out of capacity');

/** Values of the header's STATE cell. Everything above DONE aborts the block. */
export const RUNNING = 0;
export const DONE = 1;
export const ABORT_INCARNATIONS = 2;
export const ABORT_STALL = 3;
export const ABORT_CAPACITY = 4;
/** Set by the main thread when a worker failed: the others stop, the block is discarded. */
export const ABORT_EXTERNAL = 5;
/** The contention check (thread.ts) found too many executions wasted: parallel execution is losing. */
export const ABORT_CONTENTION = 6;
/** A read needed the pre-state value of a key that was not loaded (only the declared keys were). */
export const ABORT_UNDECLARED = 7;

/** Thrown when a read needs a pre-state value that was not loaded: the block is rerun with all of it. */
export const UNDECLARED_READ: unique symbol = Symbol('undeclared read');

/** Header cells, one per 128 bytes so the hot counters do not share cache lines. */
const PAD = 32;
export const H = {
  STATE: 0,
  EXECUTION_IDX: 1 * PAD,
  VALIDATION_IDX: 2 * PAD,
  DECREASE_CNT: 3 * PAD,
  ACTIVE_TASKS: 4 * PAD,
  NODE_TOP: 5 * PAD,
  ARENA_TOP: 6 * PAD,
  KEY_COUNT: 7 * PAD,
  /** The transaction that passed the incarnation bound. */
  ABORT_TX: 7 * PAD + 1,
  /** When the contention check aborted: the transactions it looked at, and their aborted incarnations. */
  ABORT_FROM: 7 * PAD + 2,
  ABORT_TO: 7 * PAD + 3,
  ABORT_WASTED: 7 * PAD + 4,
} as const;
const HEADER_CELLS = 8 * PAD;

/** Multi-version memory node fields (Int32). */
export const N_NEXT = 0;
export const N_TX = 1;
export const N_VERSION = 2;
export const N_KEY = 3;
export const NODE_CELLS = 4;

/**
 * Key table slot fields, 16 bytes: state, key, head of the version list, and where the key's
 * pre-state value is in the Float64 storage array (NIL: not in the pre-state, so 0; UNKNOWN: not
 * loaded, for a key a worker added while only the declared keys were). Keeping the slots small
 * keeps the table, walked at every read, in as few cache lines as possible.
 */
export const S_STATE = 0;
export const S_KEY = 1;
export const S_HEAD = 2;
export const S_BASE = 3;
export const SLOT_CELLS = 4;
export const UNKNOWN = -2;

/** Key table slot states. */
export const SLOT_EMPTY = 0;
export const SLOT_BUSY = 1;
export const SLOT_READY = 2;

/**
 * An incarnation's record: header; per view read (key, version tx or NIL for storage, version
 * incarnation, 1 if it was a DELTA's base, key slot or NIL, value); per output its value; per
 * write (node, incarnation, value): a node's version cell points at such an entry.
 */
export const R_INCARNATION = 0;
export const R_STATUS = 1;
export const R_READS = 2;
export const R_WRITES = 3;
export const R_OUTPUTS = 4;
export const R_CODE = 5;
export const R_GAS = 7;
export const R_HEADER = 9;
export const READ_CELLS = 7;
/** Offset of the value pair within a read entry. */
export const READ_VALUE = 5;
export const WRITE_CELLS = 4;
/** Offset of the value pair within a write entry. */
export const WRITE_VALUE = 2;

/** Where a record's write entries start. */
export const writesOf = (rec: number, reads: number, outputs: number): number => rec + R_HEADER + READ_CELLS * reads + 2 * outputs;

const TWO_32 = 2 ** 32;

/** A value (an integer in the safe range) from its (high, low) pair of Int32 cells, and back. */
export const valueOf = (hi: number, lo: number): number => hi * TWO_32 + (lo >>> 0);
export const highOf = (v: number): number => Math.floor(v / TWO_32);
// ToInt32 is already v modulo 2^32: one truncation where the subtraction cost a floor and a division more per value written.
export const lowOf = (v: number): number => v | 0;

export interface Capacity {
  readonly nodes: number;
  /** Key table slots, a power of two. */
  readonly keys: number;
  readonly arena: number;
  /** Workers with their own allocation cursors (others allocate from the shared tops one at a time); 0 when absent. */
  readonly workers?: number;
  /**
   * Set when only the keys the footprints declare are loaded from the pre-state: how many entries
   * the footprints have (an upper bound on the declared keys). Absent: the whole pre-state.
   */
  readonly declared?: number;
  /** Set when the pre-state is a SharedState the workers read themselves: none of it is loaded. */
  readonly shared?: true;
}

/**
 * Per-worker cells. Allocation cursors: a worker takes the version nodes and record cells it needs
 * from a chunk of its own, and only takes a new chunk from the shared NODE_TOP / ARENA_TOP with one
 * add when the chunk runs out. Every execution otherwise did two or three RMWs on those two cells,
 * which both cores write all the time. Each cursor is (next, end), read and written only by its
 * worker (plain cells in the Cells contract).
 * C_ACTIVE is the worker's share of num_active_tasks (0 or 1: a worker holds one task at most),
 * written only by its worker, atomically, and summed with H.ACTIVE_TASKS (the count of workers
 * without cells of their own) by check_done: one shared counter that every task start and finish
 * wrote was the line that crossed cores most often at 16 workers and more (bench/simulate.ts).
 */
export const C_NODE = 0;
export const C_ARENA = 2;
/** The same kind of cursor over the key table's budget of slots (H.KEY_COUNT), for the keys a worker adds. */
export const C_KEYS = 4;
export const C_ACTIVE = 6;
export const CURSOR_CELLS = 32;

/** Where `worker`'s own cells start, or NIL for a worker the layout has none for (it uses the shared ones). */
export function workerCells(L: Layout, worker: number): number {
  return worker >= 0 && worker < (L.capacity.workers ?? 0) ? L.cursors + worker * CURSOR_CELLS : NIL;
}

/** The cell where `worker` counts its active task: its own, or the shared H.ACTIVE_TASKS for a worker without cells. */
export function activeTaskCell(L: Layout, worker: number): number {
  const cells = workerCells(L, worker);
  return cells === NIL ? H.ACTIVE_TASKS : cells + C_ACTIVE;
}

/** True when num_active_tasks, the shared cell plus every worker's share, may be above 0 (`load` reads one cell atomically). */
export function anyActiveTask(L: Layout, load: (cell: number) => number): boolean {
  if (load(H.ACTIVE_TASKS) !== 0) return true;
  const workers = L.capacity.workers ?? 0;
  for (let w = 0; w < workers; w++) if (load(activeTaskCell(L, w)) !== 0) return true;
  return false;
}

/** Nodes per chunk, and arena cells per chunk (about as many records): one for the smallest blocks, up to 32 from 256 transactions. */
function chunks(txs: number): { node: number; arena: number } {
  const node = Math.max(1, Math.min(32, Math.floor(txs / 8)));
  return { node, arena: node === 1 ? 1 : node * 32 };
}

/** Where each section starts; sent to every worker with the buffers. */
export interface Layout {
  readonly txs: number;
  readonly programs: number;
  readonly capacity: Capacity;
  // Int32 sections
  readonly progTable: number;
  readonly txTable: number;
  readonly status: number;
  readonly lastRecord: number;
  readonly depLock: number;
  readonly depHead: number;
  readonly keys: number;
  readonly nodes: number;
  readonly arena: number;
  /** Start of the per-worker cursors (capacity.workers of them, CURSOR_CELLS apart). */
  readonly cursors: number;
  readonly nodeChunk: number;
  readonly arenaChunk: number;
  readonly i32Size: number;
  // Float64 sections
  readonly code: number;
  readonly txGas: number;
  readonly args: number;
  readonly storage: number;
  readonly f64Size: number;
  /** Only the declared keys were loaded from the pre-state (capacity.declared is set). */
  readonly declaredOnly: boolean;
  /**
   * The pre-state's SharedState table (capacity.shared is set), which the workers read instead of
   * storage: none of the pre-state was loaded. Posted with the layout, it is shared, not copied.
   */
  readonly sharedPre: SharedArrayBuffer | null;
}

export const PROG_CELLS = 2;
export const TX_CELLS = 3;

interface ProgramShape {
  writes: number;
  reads: number;
  outputs: number;
}

/** What one transaction of a program may need: from its footprint when declared, generous guesses otherwise. */
function shape(code: Float64Array, footprint: Block['programs'][number]['footprint']): ProgramShape {
  let outputs = 0;
  for (let pc = 0; pc < code.length; pc += WIDTH) if (code[pc] === OP.EMIT) outputs++;
  if (!footprint) return { writes: 8, reads: 8, outputs: outputs + 4 };
  let writes = 0;
  let reads = 0;
  for (const e of footprint) {
    if (e.access !== 'read') writes++;
    if (e.access !== 'write') reads++;
  }
  return { writes, reads, outputs: outputs + 1 };
}

const nextPow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(64, n)));

/** How many key entries the block's footprints have, with repeats; -1 when a transaction's program declares none. */
export function declaredEntries(block: Block): number {
  const sizes = block.programs.map((p) => (p.footprint ? p.footprint.length : -1));
  let entries = 0;
  for (const tx of block.txs) {
    const size = sizes[tx.program]!;
    if (size < 0) return -1;
    entries += size;
  }
  return entries;
}

/**
 * Whether to load only the declared keys: when every program declares a footprint and the
 * pre-state is more than twice their entries. Iterating a Map beats a lookup per key, so a
 * pre-state about the size of the footprints is copied whole.
 */
export function loadsDeclaredOnly(block: Block): boolean {
  if (block.preState instanceof SharedState) return false;
  const entries = declaredEntries(block);
  return entries >= 0 && block.preState.size > 2 * entries;
}

/**
 * Capacities for a block. `scale` grows them after a block ran out. Records are counted about
 * three times per transaction because every incarnation writes a fresh one; the key table holds
 * at most the loaded pre-state plus every write at under 3/4 load. `declaredOnly`: load only the
 * declared keys (the caller has checked that every program declares a footprint).
 */
export function estimateCapacity(block: Block, scale = 1, workers = 0, declaredOnly = false): Capacity {
  const shapes = block.programs.map((p) => shape(p.code, p.footprint));
  let writes = 0;
  let arena = 0;
  for (const tx of block.txs) {
    const s = shapes[tx.program]!;
    writes += s.writes;
    arena += R_HEADER + READ_CELLS * s.reads + 2 * s.outputs + WRITE_CELLS * s.writes + 2;
  }
  const chunk = chunks(block.txs.length);
  // Each worker may leave the unused rest of its last chunks behind.
  const nodes = Math.ceil((writes * 1.25 + 64) * scale) + workers * chunk.node;
  const shared = block.preState instanceof SharedState;
  const declared = declaredOnly && !shared ? Math.max(0, declaredEntries(block)) : -1;
  const loaded = shared ? 0 : declared < 0 ? block.preState.size : declared;
  return {
    nodes,
    keys: nextPow2(((loaded + nodes) * 4) / 3 + 1),
    arena: Math.ceil((3 * arena + 1024) * scale) + workers * chunk.arena,
    workers,
    ...(declared < 0 ? {} : { declared }),
    ...(shared ? { shared: true as const } : {}),
  };
}

export function layoutFor(block: Block, capacity: Capacity): Layout {
  const n = block.txs.length;
  let i = HEADER_CELLS;
  const take = (cells: number): number => {
    const at = i;
    i += cells;
    return at;
  };
  const cursors = take((capacity.workers ?? 0) * CURSOR_CELLS);
  const progTable = take(block.programs.length * PROG_CELLS);
  const txTable = take(n * TX_CELLS);
  const status = take(n);
  const lastRecord = take(n);
  const depLock = take(n);
  const depHead = take(n);
  const keys = take(capacity.keys * SLOT_CELLS);
  const nodes = take(capacity.nodes * NODE_CELLS);
  const arena = take(capacity.arena);
  const chunk = chunks(n);
  const i32Size = i;
  let f = 0;
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
  const txGas = takeF(n);
  const args = takeF(argsSize);
  const storage = takeF(capacity.shared ? 0 : (capacity.declared ?? block.preState.size));
  return {
    txs: n, programs: block.programs.length, capacity,
    progTable, txTable, status, lastRecord, depLock, depHead, keys, nodes, arena, cursors, nodeChunk: chunk.node, arenaChunk: chunk.arena, i32Size,
    code, txGas, args, storage, f64Size: f, declaredOnly: capacity.declared !== undefined, sharedPre: capacity.shared && block.preState instanceof SharedState ? block.preState.buffer : null,
  };
}

/** The home slot of a key in a table of 2^(32 - shift) slots (Fibonacci hashing). */
export function keyHome(key: number, shift: number): number {
  return Math.imul(key >>> 0, 0x9e3779b1) >>> shift;
}

export function keyShift(slots: number): number {
  return 32 - Math.log2(slots);
}

/**
 * Writes a block into the arrays (fresh, or left over from an earlier block): programs,
 * transactions, the pre-state (all of it, the declared keys, or none of a SharedState) as storage
 * in the key table. A declared key that is not in the pre-state still gets a slot, with base NIL:
 * the workers then know it holds 0. Everything before the record arena is zeroed first, which means an empty
 * header and cursors, every status READY_TO_EXECUTE with incarnation 0, free locks, free key
 * slots, and nodes whose version is 0 (never allocated: the rest of a worker's last chunk);
 * records are written whole when allocated, so their old bytes are never read. Runs before any
 * worker starts, so plain writes are enough.
 */
export function writeBlock(block: Block, L: Layout, i32: Int32Array, f64: Float64Array): void {
  const n = L.txs;
  i32.fill(0, 0, L.arena);
  let codeAt = L.code;
  block.programs.forEach((p, j) => {
    i32[L.progTable + j * PROG_CELLS] = codeAt;
    i32[L.progTable + j * PROG_CELLS + 1] = p.code.length;
    f64.set(p.code, codeAt);
    codeAt += p.code.length;
  });
  let argAt = L.args;
  const { txs } = block;
  for (let t = 0; t < n; t++) {
    const tx = txs[t]!;
    const row = L.txTable + t * TX_CELLS;
    i32[row] = tx.program;
    i32[row + 1] = argAt;
    i32[row + 2] = tx.args.length;
    f64[L.txGas + t] = tx.gasLimit;
    for (let a = 0; a < tx.args.length; a++) f64[argAt++] = tx.args[a]!;
  }
  i32.fill(NIL, L.lastRecord, L.lastRecord + n);
  i32.fill(NIL, L.depHead, L.depHead + n);
  i32[H.KEY_COUNT] = L.sharedPre !== null ? 0 : L.declaredOnly ? writeDeclared(block, L, i32, f64) : writePreState(block, L, i32, f64);
}

/** Where the key table lies and how a key finds its home there, worked out once per block. */
interface KeyTable {
  readonly at: number;
  readonly shift: number;
  readonly mask: number;
}

const keyTable = (L: Layout): KeyTable => ({ at: L.keys, shift: keyShift(L.capacity.keys), mask: L.capacity.keys - 1 });

/** The free slot for a key not in the table yet, or NIL when the key is there. */
function freeSlot(T: KeyTable, i32: Int32Array, key: number): number {
  for (let h = keyHome(key, T.shift); ; h = (h + 1) & T.mask) {
    const slot = T.at + h * SLOT_CELLS;
    if (i32[slot + S_STATE] === SLOT_EMPTY) return slot;
    if (i32[slot + S_KEY]! >>> 0 === key) return NIL;
  }
}

function fillSlot(i32: Int32Array, slot: number, key: number, base: number): void {
  i32[slot + S_STATE] = SLOT_READY;
  i32[slot + S_KEY] = key | 0;
  i32[slot + S_HEAD] = NIL;
  i32[slot + S_BASE] = base;
}

/** The whole pre-state into the key table; returns the slots taken. */
function writePreState(block: Block, L: Layout, i32: Int32Array, f64: Float64Array): number {
  const T = keyTable(L);
  let base = 0;
  for (const [key, value] of block.preState) {
    fillSlot(i32, freeSlot(T, i32, key), key, base);
    f64[L.storage + base++] = value;
  }
  return base;
}

/** Every key the footprints declare into the key table, with its pre-state value when it has one; returns the slots taken. */
function writeDeclared(block: Block, L: Layout, i32: Int32Array, f64: Float64Array): number {
  const footprints = flattenFootprints(block, () => 0);
  const pre = block.preState;
  const T = keyTable(L);
  let slots = 0;
  let base = 0;
  for (const tx of block.txs) {
    const fp = footprints[tx.program];
    if (!fp) throw new Error(`writeBlock: program ${tx.program} declares no footprint, so its keys cannot be loaded alone`);
    for (let e = 0; e < fp.arg.length; e++) {
      const key = flatKey(fp.arg[e]!, fp.mul[e]!, fp.add[e]!, tx.args);
      // A key outside the VM's range faults before any read, so it needs no slot.
      if (!isKey(key)) continue;
      const slot = freeSlot(T, i32, key);
      if (slot === NIL) continue;
      const value = pre.get(key);
      if (value === undefined) fillSlot(i32, slot, key, NIL);
      else {
        fillSlot(i32, slot, key, base);
        f64[L.storage + base++] = value;
      }
      slots++;
    }
  }
  return slots;
}
