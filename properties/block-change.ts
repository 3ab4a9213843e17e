// Whether an executor changed the block it was given: a deep snapshot of the block taken before
// execute() (snapshotBlock) is compared with the block afterwards (undoChange, which names the
// first change); used by `concord verify` around every execute() and by `concord run` around its
// runs. Not a digest of the block file's text (spec/block-file.ts blockDigest): it could not say
// what changed nor put it back, it leaves a contract's code out (a block file names contracts), and
// it costs a block file's text: two of them took 124 us a generated block against 16 us for
// snapshot and comparison (34 ms against 2 ms at 2000 transactions). A changed block is put back as it was, in place: a generated block shares
// its contract programs with every other block (arbitraries.ts), and a program left changed would
// change the blocks checked after it, and the reference's runs on them.
// Invariant: undoChange(snapshotBlock(b), b) is undefined until something writes to b, and after it
// returned an explanation b holds what the snapshot holds again. A snapshot shares no object with
// its block, so writes to the block never reach it. A SharedState pre-state's table is not in the
// snapshot (it is one buffer beside the Map the snapshot holds): tableChange compares the two.

import type { Block } from '../spec/block.js';
import { keyName } from '../spec/contracts.js';
import { plural } from '../spec/plural.js';
import { restoreTable, SharedState, tableDisagreement } from '../spec/shared-state.js';
import { ELLE, type Explanation } from './explain.js';

/**
 * A Float64Array in a snapshot (program code, most of a block's numbers): its items in a plain
 * list. A typed copy would be a buffer of its own, about 2.5 us each (a block of 2000
 * transactions holds over a thousand programs), and one buffer for all of them is memory outside
 * the heap that makes the collector run more often.
 */
class CodeSnapshot {
  readonly items: readonly number[];

  constructor(v: Float64Array) {
    const items = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) items[i] = v[i]!;
    this.items = items;
  }

  /** The first item of `v`, an array as long, that differs from the snapshot's. */
  firstDifference(v: Float64Array): Difference | undefined {
    for (let i = 0; i < this.items.length; i++) {
      if (this.items[i] !== v[i]) return { path: [i], before: String(this.items[i]), after: String(v[i]) };
    }
    return undefined;
  }
}

/** A record in a snapshot: its own keys, and their values' snapshots in the same order. */
class RecordSnapshot {
  constructor(readonly keys: readonly string[], readonly values: readonly Snapshot[]) {}
}

/** A map in a snapshot: its keys, and their values' snapshots in the same order. */
class MapSnapshot {
  constructor(readonly keys: readonly unknown[], readonly values: readonly Snapshot[]) {}
}

/** A value as the snapshot holds it: primitives as they are, lists copied at every level, records, maps and Float64Arrays as the classes above. */
type Snapshot = unknown;

/** The block as it was, to compare with after execute() and to put back. */
export interface BlockSnapshot {
  readonly block: Snapshot;
  /** The block's pre-state when it is a SharedState: the object itself, which a copy of its entries would not tell from a Map put in its place. */
  readonly shared?: SharedState;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Float64Array);
const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null;

/** A snapshot of `v`. */
function snapshot(v: unknown): Snapshot {
  if (!isObject(v)) return v;
  if (v instanceof Float64Array) return new CodeSnapshot(v);
  if (Array.isArray(v)) return v.map(snapshot);
  if (v instanceof Map) {
    const keys: unknown[] = [];
    const values: Snapshot[] = [];
    for (const [k, x] of v) {
      keys.push(k);
      values.push(snapshot(x));
    }
    return new MapSnapshot(keys, values);
  }
  const keys = Object.keys(v);
  return new RecordSnapshot(keys, keys.map((k) => snapshot((v as Record<string, unknown>)[k])));
}

export function snapshotBlock(block: Block): BlockSnapshot {
  return { block: snapshot(block), ...(block.preState instanceof SharedState ? { shared: block.preState } : {}) };
}

/** Where a value first differs from its snapshot: the path (record fields, list indexes, map keys), both values as text, and `lengths` when it is a list's length. */
interface Difference {
  readonly path: (string | number)[];
  readonly before: string;
  readonly after: string;
  readonly lengths?: readonly [number, number];
}

/** A value as a change report shows it; a field that is gone reads "absent". */
function shown(v: unknown): string {
  if (v === undefined) return 'absent';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v !== 'object' || v === null) return String(v);
  return Array.isArray(v) || v instanceof CodeSnapshot || ArrayBuffer.isView(v) ? 'a list' : v instanceof Map || v instanceof MapSnapshot ? 'a map' : 'a record';
}

const prefixed = (k: string | number, d: Difference | undefined): Difference | undefined => d && { ...d, path: [k, ...d.path] };
const replaced = (s: Snapshot, v: unknown): Difference => ({ path: [], before: shown(s), after: shown(v) });
const resized = (before: number, after: number): Difference => ({ path: [], before: `${before} long`, after: `${after} long`, lengths: [before, after] });

/** The first item of the list `v` that differs from its snapshot's, and how (primitive items are compared in place, without a call). */
function firstInList(s: readonly Snapshot[], v: readonly unknown[]): Difference | undefined {
  for (let i = 0; i < s.length; i++) {
    const x = s[i];
    const y = v[i];
    if (x === y) continue;
    const d = prefixed(i, difference(x, y));
    if (d) return d;
  }
  return undefined;
}

/**
 * The first difference of `v` from its snapshot `s`; a list of a new length differs in its length
 * before any item. The path is built on the way out, so a walk that finds nothing allocates nothing.
 */
function difference(s: Snapshot, v: unknown): Difference | undefined {
  if (s === v) return undefined;
  if (s instanceof CodeSnapshot) {
    if (!(v instanceof Float64Array)) return replaced(s, v);
    return v.length !== s.items.length ? resized(s.items.length, v.length) : s.firstDifference(v);
  }
  if (Array.isArray(s)) {
    if (!Array.isArray(v)) return replaced(s, v);
    return v.length !== s.length ? resized(s.length, v.length) : firstInList(s, v);
  }
  if (s instanceof MapSnapshot) {
    if (!(v instanceof Map)) return replaced(s, v);
    for (let i = 0; i < s.keys.length; i++) {
      const k = s.keys[i];
      const x = s.values[i];
      const y: unknown = v.get(k);
      if (x === y && (y !== undefined || v.has(k))) continue;
      const d = v.has(k) ? difference(x, y) : { path: [], before: shown(x), after: 'absent' };
      if (d) return prefixed(k as string | number, d);
    }
    // Every key of the snapshot is there: a map of another size holds one more.
    if (v.size !== s.keys.length) for (const [k, y] of v) if (!s.keys.includes(k)) return { path: [k as string | number], before: 'absent', after: shown(y) };
    return undefined;
  }
  if (s instanceof RecordSnapshot) {
    if (!isRecord(v)) return replaced(s, v);
    for (let i = 0; i < s.keys.length; i++) {
      const k = s.keys[i]!;
      const x = s.values[i];
      const y = v[k];
      if (x === y && (y !== undefined || Object.hasOwn(v, k))) continue;
      const d = Object.hasOwn(v, k) ? difference(x, y) : { path: [], before: shown(x), after: 'absent' };
      if (d) return prefixed(k, d);
    }
    // Every key of the snapshot is there: a record with more keys holds one more.
    const keys = Object.keys(v);
    if (keys.length !== s.keys.length) for (const k of keys) if (!s.keys.includes(k)) return { path: [k], before: 'absent', after: shown(v[k]) };
    return undefined;
  }
  return replaced(s, v);
}

/**
 * `v` made to hold what its snapshot `s` holds again: in place where it still is the same kind of
 * thing (so whatever else refers to it is put right too), else as a new value. Writes only what
 * differs, so an object the executor left alone is never written to (it may be frozen).
 */
function restored(s: Snapshot, v: unknown): unknown {
  if (s instanceof CodeSnapshot) {
    if (v instanceof Float64Array && v.length === s.items.length) {
      if (s.firstDifference(v)) v.set(s.items);
      return v;
    }
    return new Float64Array(s.items);
  }
  if (Array.isArray(s)) {
    const list: unknown[] = Array.isArray(v) ? v : [];
    if (list.length !== s.length) list.length = s.length;
    s.forEach((x, i) => {
      const y = restored(x, list[i]);
      if (y !== list[i]) list[i] = y;
    });
    return list;
  }
  if (s instanceof MapSnapshot) {
    const map = v instanceof Map ? v : new Map();
    if (difference(s, map)) {
      // Map's own methods: a SharedState (spec/shared-state.ts) refuses its overrides, and an
      // executor that changed one went around them the same way.
      Map.prototype.clear.call(map);
      s.keys.forEach((k, i) => Map.prototype.set.call(map, k, restored(s.values[i], undefined)));
    }
    return map;
  }
  if (s instanceof RecordSnapshot) {
    const r: Record<string, unknown> = isRecord(v) ? v : {};
    for (const k of Object.keys(r)) if (!s.keys.includes(k)) delete r[k];
    s.keys.forEach((k, i) => {
      const y = restored(s.values[i], r[k]);
      if (y !== r[k]) r[k] = y;
    });
    return r;
  }
  return s;
}

/** What every changed-input explanation ends with. */
const LEAVE_AS_FOUND = 'An executor must leave its input as it found it (the caller keeps the block, runs it again, compares with it): copy what it needs to change.';

/** A path below a transaction or program as code writes it: args[0], footprint[1].key.add. */
function fieldText(path: readonly (string | number)[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/**
 * The first change to `block` since `snap` was taken before execute(), as the failure report
 * explains it, and the block put back as it was, in place (its holders, and the blocks sharing its
 * programs, keep their references); undefined when nothing changed. `executor` names the executor.
 */
export function undoChange(snap: BlockSnapshot, block: Block, executor: string): Explanation | undefined {
  if (snap.shared && block.preState !== snap.shared) return replacedSharedState(snap, snap.shared, block, executor);
  const d = difference(snap.block, block);
  if (!d) return undefined;
  restored(snap.block, block);
  const [part, index, ...rest] = d.path;
  const field = fieldText(rest);
  // What changed, where: the transaction (or -1) and key it concerns, and the change in words.
  let tx = -1;
  let key: number | undefined;
  let where: string;
  let expected = field ? `${field} ${d.before}` : d.before;
  let actual = field ? `${field} ${d.after}` : d.after;
  if (part === 'txs' && typeof index === 'number') {
    tx = index;
    where = field ? `transaction ${index}'s ${field}` : `transaction ${index}`;
  } else if (part === 'txs' && d.lengths) {
    // The first transaction that one of the two lists lacks.
    tx = Math.min(...d.lengths);
    where = 'the list of transactions';
    expected = plural(d.lengths[0], 'transaction');
    actual = plural(d.lengths[1], 'transaction');
  } else if (part === 'preState' && typeof index === 'number') {
    key = index;
    where = `the pre-state's key ${keyName(index, block.entityNames)} (${index})`;
  } else if (part === 'programs' && typeof index === 'number') {
    // A program is what its transactions run: the first of them is the one to look at.
    tx = block.txs.findIndex((t) => t.program === index);
    const name = block.programs[index]?.name;
    where = `program ${index}${name === undefined ? '' : ` (${name})`}${field ? `'s ${field}` : ''}${tx >= 0 ? `, which transaction ${tx} calls,` : ''}`;
  } else {
    where = `the block's ${fieldText(d.path) || 'contents'}`;
  }
  return {
    anomaly: 'changed input', elle: ELLE['changed input'], tx, ...(key === undefined ? {} : { key, keyName: keyName(key, block.entityNames) }),
    expected: `${expected} (as given)`, actual: `${actual} (after execute())`,
    detail: `The executor ${executor} changed the block it was given: ${where} was ${d.before} before execute() and is ${d.after} after. `
      + LEAVE_AS_FOUND,
  };
}

/** What an executor put in the place of a pre-state, in words ("a Map", "null"), whatever it is (a Proxy, an object with no prototype). */
function described(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  try {
    if (v instanceof Map) return Object.getPrototypeOf(v) === Map.prototype ? 'a Map' : 'a subclass of Map';
    const kind = Object.prototype.toString.call(v).slice(8, -1);
    return `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`;
  } catch {
    return 'an object';
  }
}

/**
 * An executor that put another object in the place of the SharedState it was given as the
 * pre-state (a Map of the same entries, say: the rest of the run would read it as a Map pre-state
 * while its report says shared), explained, with the SharedState put back and the rest of the
 * block as it was.
 */
function replacedSharedState(snap: BlockSnapshot, shared: SharedState, block: Block, executor: string): Explanation {
  const now = described(block.preState);
  // The SharedState back first: what the executor put in its place is not Concord's to restore.
  (block as { preState: Block['preState'] }).preState = shared;
  restored(snap.block, block);
  restoreTable(shared);
  return {
    anomaly: 'changed input', elle: ELLE['changed input'], tx: -1,
    expected: 'the SharedState (as given)', actual: `${now} (after execute())`,
    detail: `The executor ${executor} replaced the SharedState it was given as the pre-state with ${now}. `
      + LEAVE_AS_FOUND,
  };
}

/**
 * How an executor changed the table of the SharedState it was given as the pre-state (a worker
 * that wrote into the buffer its workers read), when the Map beside it is as it was; undefined
 * when the table holds what the Map does, or the pre-state is a Map. The table is put back as the
 * Map holds it (a verify check stops at its failure, but the block stays in the history its
 * instance's reruns replay). O(size).
 */
export function tableChange(block: Block, executor: string): Explanation | undefined {
  const found = tableDisagreement(block.preState);
  if (found === null) return undefined;
  restoreTable(block.preState as SharedState);
  const { key, text } = found;
  return {
    anomaly: 'changed input', elle: ELLE['changed input'], tx: -1, ...(key === undefined ? {} : { key, keyName: keyName(key, block.entityNames) }),
    expected: 'the table holds what the Map does (as given)', actual: `${text} (after execute())`,
    detail: `The executor ${executor} changed the table of the SharedState it was given as the pre-state (${text}). `
      + 'Its workers read that table as the block\'s pre-state, so it must leave it as it found it, like the rest of the block: write what changes elsewhere.',
  };
}
