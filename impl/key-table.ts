// An open-addressing hash table from keys (integers in [0, 2^32)) to values, over typed arrays:
// the state of the fast sequential executor. Linear probing, power-of-two capacity, load kept
// at most 1/2 by doubling. Invariant: keys[i] === EMPTY exactly for free slots, and every stored
// key is reachable from its home slot without crossing a free slot (nothing is ever deleted).

const EMPTY = -1;

export interface KeyTable {
  keys: Float64Array;
  values: Float64Array;
  size: number;
  shift: number;
}

function home(key: number, shift: number): number {
  return Math.imul(key >>> 0, 0x9e3779b1) >>> shift;
}

export function newKeyTable(expected: number): KeyTable {
  let bits = 4;
  while (1 << bits < expected * 2) bits++;
  const t: KeyTable = { keys: new Float64Array(1 << bits), values: new Float64Array(1 << bits), size: 0, shift: 32 - bits };
  t.keys.fill(EMPTY);
  return t;
}

export function tableGet(t: KeyTable, key: number): number {
  const mask = t.keys.length - 1;
  for (let i = home(key, t.shift); ; i = (i + 1) & mask) {
    const k = t.keys[i];
    if (k === key) return t.values[i]!;
    if (k === EMPTY) return 0;
  }
}

export function tableSet(t: KeyTable, key: number, value: number): void {
  const mask = t.keys.length - 1;
  for (let i = home(key, t.shift); ; i = (i + 1) & mask) {
    const k = t.keys[i];
    if (k === key) {
      t.values[i] = value;
      return;
    }
    if (k === EMPTY) {
      t.keys[i] = key;
      t.values[i] = value;
      if (++t.size * 2 > t.keys.length) grow(t);
      return;
    }
  }
}

function grow(t: KeyTable): void {
  const { keys, values } = t;
  const bigger = newKeyTable(keys.length);
  for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) tableSet(bigger, keys[i]!, values[i]!);
  Object.assign(t, bigger);
}

export function tableEntries(t: KeyTable): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < t.keys.length; i++) if (t.keys[i] !== EMPTY) out.set(t.keys[i]!, t.values[i]!);
  return out;
}
