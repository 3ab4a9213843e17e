// The modular executor's planning arrays, lent from block to block. On the VM Concord was built
// on, the first touch of fresh memory costs a page fault per 4 KiB (about 13 us), and planning a
// 10,000-transaction block allocated about 1.4 ms worth of them per block, on the main thread
// before any lane could start. Only arrays that die with the block's run are lent: whatever a
// result keeps is copied or allocated apart.
// Invariant: each take returns a view of exactly the asked length, all zero, that nothing else
// holds until the next take of the same name (one block at a time per scratch).

import { SlotTable } from './slot-table.js';

type Lent = Int32Array | Uint8Array | Float64Array;

export class PlanScratch {
  private readonly arrays = new Map<string, Lent>();
  private table: SlotTable | null = null;

  int32(name: string, length: number): Int32Array {
    return this.take(name, length, (n) => new Int32Array(n));
  }

  uint8(name: string, length: number): Uint8Array {
    return this.take(name, length, (n) => new Uint8Array(n));
  }

  float64(name: string, length: number): Float64Array {
    return this.take(name, length, (n) => new Float64Array(n));
  }

  /** An empty key -> slot table with room for `expected` keys before it grows. */
  slotTable(expected: number): SlotTable {
    if (this.table !== null && this.table.room >= expected) this.table.clear();
    else this.table = new SlotTable(expected);
    return this.table;
  }

  private take<A extends Lent>(name: string, length: number, make: (n: number) => A): A {
    const kept = this.arrays.get(name) as A | undefined;
    if (kept !== undefined && kept.length >= length) {
      const view = kept.subarray(0, length) as A;
      view.fill(0);
      return view;
    }
    // Fresh memory is zero; the spare half spares the next larger block a new array.
    const fresh = make(kept === undefined ? length : Math.max(length, 2 * kept.length));
    this.arrays.set(name, fresh);
    return fresh.subarray(0, length) as A;
  }
}
