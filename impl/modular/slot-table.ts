// The key -> slot table of the modular executor's planning (access.ts) and affinity partitioner:
// open addressing with linear probing over one Int32Array, so a lookup touches one cache line.
// Invariant: load at most 1/2 (it doubles past that); a pair with slot + 1 === 0 is free.

import { STRIDE } from '../../spec/contracts.js';

const FIELD_BITS = Math.log2(STRIDE);

/** A key's home position in a table of `mask + 1` pairs: its entity's Fibonacci hash plus its field. */
function home(k: number, shift: number, mask: number): number {
  return ((Math.imul(k >>> FIELD_BITS, 0x9e3779b1) >>> shift) + (k & (STRIDE - 1))) & mask;
}

/**
 * key -> slot, open addressing with linear probing over one Int32Array of (key | 0, slot + 1)
 * pairs, so a probe touches one cache line. Keys are below 2^32, so key | 0 is exact; a pair with
 * slot + 1 === 0 is free. The home of a key is its entity's hash plus its field, so the fields of
 * one entity (which transactions touch together) share cache lines. Load is kept at most 1/2 by
 * doubling.
 */
export class SlotTable {
  private pairs: Int32Array;
  private shift: number;
  private size = 0;

  constructor(expected: number) {
    let bits = 4;
    while (1 << bits < expected * 2) bits++;
    this.pairs = new Int32Array(2 << bits);
    this.shift = 32 - bits;
  }

  /** Keys it holds before it doubles. */
  get room(): number {
    return this.pairs.length >> 2;
  }

  /** Empties the table, keeping its array. */
  clear(): void {
    this.pairs.fill(0);
    this.size = 0;
  }

  /** The slot of key, or -1. */
  get(key: number): number {
    const k = key | 0;
    const { pairs } = this;
    const mask = (pairs.length >> 1) - 1;
    for (let h = home(k, this.shift, mask); ; h = (h + 1) & mask) {
      const v = pairs[2 * h + 1]!;
      if (v === 0) return -1;
      if (pairs[2 * h] === k) return v - 1;
    }
  }

  /** The slot of key, giving it `slot` if it has none. */
  getOrInsert(key: number, slot: number): number {
    const k = key | 0;
    const { pairs } = this;
    const mask = (pairs.length >> 1) - 1;
    for (let h = home(k, this.shift, mask); ; h = (h + 1) & mask) {
      const v = pairs[2 * h + 1]!;
      if (v === 0) {
        pairs[2 * h] = k;
        pairs[2 * h + 1] = slot + 1;
        if (++this.size * 2 > mask + 1) this.grow();
        return slot;
      }
      if (pairs[2 * h] === k) return v - 1;
    }
  }

  private grow(): void {
    const old = this.pairs;
    this.pairs = new Int32Array(old.length * 2);
    this.shift--;
    this.size = 0;
    for (let p = 0; p < old.length; p += 2) if (old[p + 1] !== 0) this.getOrInsert(old[p]! >>> 0, old[p + 1]! - 1);
  }
}
