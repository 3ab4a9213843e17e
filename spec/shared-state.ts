// A pre-state that worker threads can read: a Map of key to value that also holds its entries in
// one SharedArrayBuffer, an open-addressing table (keys, then values, Float64) that a worker
// probes without the main thread. With a plain Map, a parallel executor's main thread must copy
// every value the workers may read into shared memory before each block: Block-STM's writeBlock
// spent 8.6 ms on the declared keys of a 10,000-transaction block over 1,000,000 accounts, a
// fifth of the sequential executor's whole block, and serial, so no thread count could take such
// a block past about 5x. Every executor, the reference and the sequential one included, reads a
// SharedState as the Map it is; only the ones that know the class read the table.
// Invariants: set, delete and clear throw once it is built, so the table and the Map agree unless
// code goes around them (Map.prototype.set.call, or writes into the buffer): `tableDisagreement(state)`
// finds that, and `concord run` asks it after every run. Keys are VM keys (integers in [0,
// KEY_LIMIT)); the table is at most half full, so a probe for an absent key ends at a free slot.
// `new Map(state)` is a plain copy to change. `instanceof SharedState` holds across copies of this
// module (a user's executor importing Concord's package, Concord running from its sources): the
// brand is a registered symbol, named for the table's layout.

import type { Block } from './block.js';
import { isKey, isValue } from './values.js';

/** What every SharedState carries, whichever copy of this module made it: the table layout's version is in the name. */
const BRAND = Symbol.for('concord.SharedState/1');

/** A free slot's key cell (keys are never negative). */
const FREE = -1;

const SEALED = 'SharedState is sealed: its workers read a copy of it; change new Map(state) instead';

/** The table as a worker sees it, rebuilt from the buffer on its side of a postMessage. */
export interface SharedTable {
  readonly keys: Float64Array;
  readonly values: Float64Array;
  readonly mask: number;
  readonly shift: number;
}

/** The view of a SharedState's buffer (SharedState.buffer), in any thread. */
export function sharedTable(buffer: SharedArrayBuffer): SharedTable {
  const slots = buffer.byteLength / 16;
  // Any other buffer has no free slot to end a probe at.
  if (!(slots >= 16 && Number.isInteger(Math.log2(slots)))) throw new RangeError(`sharedTable: a buffer of ${buffer.byteLength} bytes is not a SharedState's (16 bytes a slot, a power of two of slots, 16 at least)`);
  return {
    keys: new Float64Array(buffer, 0, slots),
    values: new Float64Array(buffer, slots * 8, slots),
    mask: slots - 1,
    shift: 32 - Math.log2(slots),
  };
}

/** The slot holding the key, or the free slot that ends its probe. */
function slotOf(t: SharedTable, key: number): number {
  let h = Math.imul(key >>> 0, 0x9e3779b1) >>> t.shift;
  for (let k = t.keys[h]!; k !== key && k !== FREE; k = t.keys[h]!) h = (h + 1) & t.mask;
  return h;
}

/** The key's value, 0 when the pre-state does not hold it (as an absent key reads in the VM). */
export function sharedGet(t: SharedTable, key: number): number {
  const h = slotOf(t, key);
  return t.keys[h] === FREE ? 0 : t.values[h]!;
}

/** The block with its pre-state as a SharedState (built here: O(size)). */
export function withSharedState(block: Block): Block {
  return { ...block, preState: new SharedState(block.preState) };
}

/** How a block's pre-state reaches the executors (`--pre-state`, and each generated block of verify). */
export const PRE_STATE_KINDS = ['map', 'shared'] as const;
export type PreStateKind = (typeof PRE_STATE_KINDS)[number];

/** The block as `kind` gives its pre-state to the executors: 'shared', a SharedState that their workers read; 'map', as it is. */
export function withPreState(block: Block, kind: PreStateKind): Block {
  return kind === 'shared' ? withSharedState(block) : block;
}

/** How a block's pre-state was handed over. */
export function preStateKindOf(block: Block): PreStateKind {
  return block.preState instanceof SharedState ? 'shared' : 'map';
}

/** What tableDisagreement found: in words, and the key whose value differs (absent: the table holds another count of entries). */
export interface TableDisagreement {
  readonly text: string;
  readonly key?: number;
}

/** The entries of the state's Map, by Map's own getter. */
function mapSize(state: SharedState): number {
  return Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get!.call(state) as number;
}

/*
 * The two below read the Map through Map's own methods and the table through its buffer, never
 * through the state's methods: they serve a SharedState of another copy of this module alike.
 */

/**
 * Where the state's table no longer holds what its Map does ("key 5: the table holds 3, the Map
 * 4", with that key), or null when it holds every entry and nothing else, or when the pre-state
 * is no SharedState (a Map has no table): O(size), for a check after untrusted code ran
 * (`concord run`, verify).
 */
export function tableDisagreement(state: ReadonlyMap<number, number>): TableDisagreement | null {
  if (!(state instanceof SharedState)) return null;
  const t = sharedTable(state.buffer);
  for (const [key, value] of Map.prototype.entries.call(state) as MapIterator<[number, number]>) {
    const held = sharedGet(t, key);
    if (!Object.is(held, value)) return { key, text: `key ${key}: the table holds ${held}, the Map ${value}` };
  }
  let held = 0;
  for (let h = 0; h <= t.mask; h++) if (t.keys[h] !== FREE) held++;
  const size = mapSize(state);
  return held === size ? null : { text: `the table holds ${held} entries, the Map ${size}` };
}

/**
 * Writes the state's table again from its Map: as it is built, or after code wrote into the buffer
 * (tableDisagreement found it). Throws a RangeError where the Map has grown past half the table
 * (entries added around the seal), which would leave a probe no free slot to end at.
 */
export function restoreTable(state: SharedState): void {
  const t = sharedTable(state.buffer);
  const size = mapSize(state);
  if (2 * size > t.mask + 1) throw new RangeError(`restoreTable: the Map holds ${size} entries, more than half the table's ${t.mask + 1} slots: put back the Map it was built with first`);
  t.keys.fill(FREE);
  for (const [key, value] of Map.prototype.entries.call(state) as MapIterator<[number, number]>) {
    const h = slotOf(t, key);
    t.keys[h] = key;
    t.values[h] = value;
  }
}

export class SharedState extends Map<number, number> {
  /** The table, for a worker: sharedTable(buffer). */
  readonly buffer: SharedArrayBuffer;
  #sealed = false;
  readonly [BRAND] = true;

  static override [Symbol.hasInstance](value: unknown): value is SharedState {
    // A subclass asks its own prototype chain, as instanceof does.
    if (this !== SharedState) return Function.prototype[Symbol.hasInstance].call(this, value);
    return value instanceof Map && (value as Partial<Record<typeof BRAND, unknown>>)[BRAND] === true;
  }

  /** Throws a RangeError naming the first key that is not a VM key, or a value that is not a VM value (NaN among them: modular's slots use it as UNREAD). */
  constructor(entries: Iterable<readonly [number, number]> = []) {
    super();
    for (const [key, value] of entries) {
      if (!isKey(key)) throw new RangeError(`SharedState: key ${String(key)} is not an integer in [0, 2^32)`);
      if (!isValue(value)) throw new RangeError(`SharedState: the value of key ${key} is not a VM value, an integer of at most 2^53 - 1 in size (${typeof value === 'number' ? value : typeof value})`);
      super.set(key, value);
    }
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, 2 * this.size)));
    this.buffer = new SharedArrayBuffer(slots * 16);
    restoreTable(this);
    this.#sealed = true;
  }

  override set(key: number, value: number): this {
    if (this.#sealed) throw new TypeError(SEALED);
    return super.set(key, value);
  }

  override delete(key: number): boolean {
    if (this.#sealed) throw new TypeError(SEALED);
    return super.delete(key);
  }

  override clear(): void {
    if (this.#sealed) throw new TypeError(SEALED);
    super.clear();
  }
}
