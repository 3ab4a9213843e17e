// An open-addressing hash table from keys (integers in [0, 2^32)) to values, over one typed
// array of interleaved (key, value) slots so a lookup touches one cache line: the state of the
// fast sequential executor. Linear probing, power-of-two capacity, load kept at most 1/2 by
// doubling. Invariant: a slot's key is EMPTY exactly when the slot is free, and every stored key
// is reachable from its home slot without crossing a free slot (nothing is ever deleted; a reset
// frees every slot at once).

const EMPTY = -1;

export interface KeyTable {
  /** slots[2i] is a key (or EMPTY), slots[2i + 1] its value. */
  slots: Float64Array;
  size: number;
  shift: number;
}

function home(key: number, shift: number): number {
  return Math.imul(key >>> 0, 0x9e3779b1) >>> shift;
}

function bitsFor(expected: number): number {
  let bits = 4;
  while (1 << bits < expected * 2) bits++;
  return bits;
}

export function newKeyTable(expected: number): KeyTable {
  const bits = bitsFor(expected);
  const slots = new Float64Array(2 << bits);
  for (let i = 0; i < slots.length; i += 2) slots[i] = EMPTY;
  return { slots, size: 0, shift: 32 - bits };
}

/**
 * An empty table for about `expected` keys: `t` emptied when it exists and is at most four times
 * that size (fresh memory costs page faults, and a table kept from block to block does not),
 * else a new one.
 */
export function resetKeyTable(t: KeyTable | null, expected: number): KeyTable {
  if (t === null || t.shift > 32 - bitsFor(expected) || t.shift < 30 - bitsFor(expected)) return newKeyTable(expected);
  t.slots.fill(EMPTY);
  t.size = 0;
  return t;
}

export function tableGet(t: KeyTable, key: number): number {
  const { slots } = t;
  const mask = (slots.length >> 1) - 1;
  for (let i = home(key, t.shift); ; i = (i + 1) & mask) {
    const k = slots[i << 1];
    if (k === key) return slots[(i << 1) + 1]!;
    if (k === EMPTY) return 0;
  }
}

export function tableSet(t: KeyTable, key: number, value: number): void {
  const { slots } = t;
  const mask = (slots.length >> 1) - 1;
  for (let i = home(key, t.shift); ; i = (i + 1) & mask) {
    const k = slots[i << 1];
    if (k === key) {
      slots[(i << 1) + 1] = value;
      return;
    }
    if (k === EMPTY) {
      slots[i << 1] = key;
      slots[(i << 1) + 1] = value;
      if (++t.size * 2 > slots.length >> 1) grow(t);
      return;
    }
  }
}

function grow(t: KeyTable): void {
  const old = t.slots;
  const bigger = newKeyTable(old.length >> 1);
  for (let i = 0; i < old.length; i += 2) if (old[i] !== EMPTY) tableSet(bigger, old[i]!, old[i + 1]!);
  Object.assign(t, bigger);
}

/**
 * The value of key; on a miss, `load(key)` is stored for it first (a read-through cache in front of
 * a slower store), with one probe sequence either way.
 */
export function tableGetOrLoad(t: KeyTable, key: number, load: (key: number) => number): number {
  const { slots } = t;
  const mask = (slots.length >> 1) - 1;
  for (let i = home(key, t.shift); ; i = (i + 1) & mask) {
    const k = slots[i << 1];
    if (k === key) return slots[(i << 1) + 1]!;
    if (k === EMPTY) {
      const value = load(key);
      slots[i << 1] = key;
      slots[(i << 1) + 1] = value;
      if (++t.size * 2 > slots.length >> 1) grow(t);
      return value;
    }
  }
}

/**
 * Every stored (key, value) pair, interleaved, in an array of its own (the table may be reset
 * after): a view of the start of `spare` when it has room, else a new array.
 */
export function tablePairs(t: KeyTable, spare?: Float64Array): Float64Array {
  const out = spare !== undefined && spare.length >= 2 * t.size ? spare.subarray(0, 2 * t.size) : new Float64Array(2 * t.size);
  const { slots } = t;
  let n = 0;
  for (let i = 0; i < slots.length; i += 2) {
    if (slots[i] !== EMPTY) {
      out[n++] = slots[i]!;
      out[n++] = slots[i + 1]!;
    }
  }
  return out;
}

export function tableEntries(t: KeyTable): Map<number, number> {
  const out = new Map<number, number>();
  const { slots } = t;
  for (let i = 0; i < slots.length; i += 2) if (slots[i] !== EMPTY) out.set(slots[i]!, slots[i + 1]!);
  return out;
}
