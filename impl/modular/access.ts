// The access map of a block: every transaction's declared footprint resolved against its
// arguments, one entry per distinct key with the declared access kinds merged into a bit mask,
// every distinct declared key numbered as a slot (the unit of state the modules own), and for each
// entry its wait: how many accesses to its key must have finished before it may run.
// Waits. The accesses to one key, in block order, are numbered 0, 1, 2, ...; the wait of access t
// is 1 + the number of the last earlier access it must keep order with (order.ts), 0 if none. At
// run time each slot counts its finished accesses; an access may run once the count reaches its
// wait (plan.ts gives the argument that this is exactly block order).
// The map is built incrementally, transaction by transaction in block order (AccessBuilder.add),
// straight into the arrays it is given (the shared buffers, for the executor), so planning can be
// published in chunks while workers already run the planned prefix.
// Invariants: entries of transaction i are [txStart[i], txStart[i + 1]), keys distinct within a
// transaction; a transaction whose program declares no footprint is a barrier (it may touch any
// key) and has no entries; slot numbers are dense in [0, slots) in order of first declaration.

import { flatKey, flattenFootprints, type Block, type FlatFootprint } from '../../spec/block.js';
import { KEY_LIMIT } from '../../spec/values.js';
import { DELTA, kindBit, KIND_COUNT, ORDERS_OF, READ } from './order.js';
import { PlanScratch } from './scratch.js';
import type { SlotTable } from './slot-table.js';

/**
 * Footprints with more entries than this find a repeated key expression by name (flatten) and a
 * repeated key through its slot (slotEntry) rather than by scanning the entries so far, which is
 * quadratic: 1,000 keys a transaction cost 500,000 comparisons each. Narrow ones keep the scans,
 * cheaper than a lookup per key.
 */
const WIDE = 32;

/** Where the map is written: plain arrays, or views of the executor's shared buffers. */
export interface AccessArrays {
  readonly txStart: Int32Array;
  readonly entryKey: Float64Array;
  readonly entrySlot: Int32Array;
  /** Declared kinds of the entry's key, as bits of KINDS (order.ts). */
  readonly entryKinds: Int32Array;
  /** Finished accesses the entry's slot must count before the entry may run. */
  readonly entryWait: Int32Array;
}

export interface AccessMap extends AccessArrays {
  readonly txs: number;
  /** 1 for a transaction without a declared footprint. */
  readonly barrier: Uint8Array;
  readonly slots: number;
  readonly slotKey: Float64Array;
  readonly table: SlotTable;
}

/**
 * Each program's flattened footprint, kinds as bits of KINDS (order.ts); null for a program that
 * declares none. Entries with the same key expression are merged into one with their kinds OR-ed
 * (a read-write key is declared as a read and a write), so planning resolves each expression once.
 */
export function flatten(block: Block): (FlatFootprint | null)[] {
  return flattenFootprints(block, kindBit).map((f) => {
    if (!f) return null;
    const at: number[] = [];
    const kinds: number[] = [];
    // A wide footprint finds its repeated expressions by name, not by a quadratic scan.
    const named = f.arg.length > WIDE ? new Map<string, number>() : null;
    for (let e = 0; e < f.arg.length; e++) {
      let same: number;
      if (named) {
        const name = `${f.arg[e]} ${f.mul[e]} ${f.add[e]}`;
        same = named.get(name) ?? -1;
        if (same < 0) named.set(name, at.length);
      } else {
        same = at.findIndex((a) => f.arg[a] === f.arg[e] && f.mul[a] === f.mul[e] && f.add[a] === f.add[e]);
      }
      if (same >= 0) {
        kinds[same]! |= f.kind[e]!;
      } else {
        at.push(e);
        kinds.push(f.kind[e]!);
      }
    }
    return {
      arg: Int32Array.from(at, (e) => f.arg[e]!), mul: Float64Array.from(at, (e) => f.mul[e]!),
      add: Float64Array.from(at, (e) => f.add[e]!), kind: Int32Array.from(kinds),
    };
  });
}

/** The most entries a block can have: every footprint entry of every transaction. */
export function entryBound(block: Block): number {
  let entries = 0;
  for (const tx of block.txs) entries += block.programs[tx.program]!.footprint?.length ?? 0;
  return entries;
}

export function allocateAccess(block: Block): AccessArrays {
  const entries = entryBound(block);
  return {
    txStart: new Int32Array(block.txs.length + 1), entryKey: new Float64Array(entries), entrySlot: new Int32Array(entries),
    entryKinds: new Int32Array(entries), entryWait: new Int32Array(entries),
  };
}

export class AccessBuilder implements AccessMap {
  readonly txs: number;
  readonly barrier: Uint8Array;
  readonly slotKey: Float64Array;
  readonly table: SlotTable;
  readonly txStart: Int32Array;
  readonly entryKey: Float64Array;
  readonly entrySlot: Int32Array;
  readonly entryKinds: Int32Array;
  readonly entryWait: Int32Array;
  slots = 0;
  /** Transactions [0, added) are in the map. */
  added = 0;
  private entries = 0;
  private readonly flat: (FlatFootprint | null)[];
  /** Per slot, four cells: its accesses so far, then per kind 1 + the number of the last access declaring it. */
  private readonly order: Int32Array;
  /** Per slot, 1 + its latest entry: finds a wide footprint's repeated key without a scan (see WIDE). */
  private readonly slotEntry: Int32Array;

  /**
   * `scratch` lends the working arrays (an executor keeps one from block to block);
   * `deltaSkipsReads` is the planted bug of that name (bugs.ts); `spareSlotKey`, an array a
   * released result handed back, holds slotKey where it is long enough.
   */
  constructor(private readonly block: Block, arrays: AccessArrays, scratch = new PlanScratch(), private readonly deltaSkipsReads = false, spareSlotKey?: Float64Array) {
    ({ txStart: this.txStart, entryKey: this.entryKey, entrySlot: this.entrySlot, entryKinds: this.entryKinds, entryWait: this.entryWait } = arrays);
    this.txs = block.txs.length;
    this.flat = flatten(block);
    const bound = this.entryKey.length;
    this.barrier = scratch.uint8('barrier', this.txs);
    // The block's result keeps it (its state is built when first read), so it is not lent from
    // the scratch; only a released result's may hold it. Slots are written before they are read.
    this.slotKey = spareSlotKey !== undefined && spareSlotKey.length >= bound ? spareSlotKey.subarray(0, bound) : new Float64Array(bound);
    // Sized for a key per four entries (transactions mostly share keys); it grows when they do not.
    this.table = scratch.slotTable(bound >> 2);
    this.order = scratch.int32('order', bound * (1 + KIND_COUNT));
    this.slotEntry = scratch.int32('slotEntry', bound);
    this.txStart[0] = 0;
  }

  /** Adds transactions [added, to) in block order. */
  add(to: number): void {
    const { txs } = this.block;
    const { flat, entryKey, entrySlot, entryKinds, entryWait, txStart, table, slotKey, order, slotEntry } = this;
    const K = KIND_COUNT;
    let entries = this.entries;
    let slots = this.slots;
    for (let i = this.added; i < to; i++) {
      const tx = txs[i]!;
      const f = flat[tx.program];
      const first = entries;
      if (!f) {
        this.barrier[i] = 1;
      } else {
        const wide = f.arg.length > WIDE;
        for (let e = 0; e < f.arg.length; e++) {
          const key = flatKey(f.arg[e]!, f.mul[e]!, f.add[e]!, tx.args);
          // A key outside the range can never be accessed: the VM faults before asking the view.
          if (!(key >= 0 && key < KEY_LIMIT)) continue;
          let slot: number;
          if (wide) {
            slot = table.getOrInsert(key, slots);
            // An entry of an earlier transaction lies below `first`.
            const at = slotEntry[slot]! - 1;
            if (slot < slots && at >= first) {
              entryKinds[at]! |= f.kind[e]!;
              continue;
            }
          } else {
            let at = first;
            while (at < entries && entryKey[at] !== key) at++;
            if (at < entries) {
              entryKinds[at]! |= f.kind[e]!;
              continue;
            }
            slot = table.getOrInsert(key, slots);
          }
          if (slot === slots) slotKey[slots++] = key;
          slotEntry[slot] = entries + 1;
          entryKey[entries] = key;
          entrySlot[entries] = slot;
          entryKinds[entries++] = f.kind[e]!;
        }
        // Waits need the merged kinds, so they follow the transaction's whole footprint.
        for (let e = first; e < entries; e++) {
          const at = entrySlot[e]! * (1 + K);
          const kinds = entryKinds[e]!;
          const orders = this.deltaSkipsReads && kinds === DELTA ? ORDERS_OF[kinds]! & ~READ : ORDERS_OF[kinds]!;
          let wait = 0;
          for (let y = 0; y < K; y++) if (orders & (1 << y) && order[at + 1 + y]! > wait) wait = order[at + 1 + y]!;
          entryWait[e] = wait;
          const number = ++order[at]!;
          for (let x = 0; x < K; x++) if (kinds & (1 << x)) order[at + 1 + x] = number;
        }
      }
      txStart[i + 1] = entries;
    }
    this.entries = entries;
    this.slots = slots;
    this.added = to;
  }
}

/** The whole block's access map, in arrays of its own. */
export function collectAccess(block: Block): AccessMap {
  const builder = new AccessBuilder(block, allocateAccess(block));
  builder.add(block.txs.length);
  return builder;
}
