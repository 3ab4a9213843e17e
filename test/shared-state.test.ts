// SharedState (spec/shared-state.ts): the Map it is and the table its workers read agree on every
// key, present or not; it refuses what is not a VM key and any change once built; and every
// executor, the reference first, reads it as the Map it is.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { restoreTable, SharedState, sharedGet, sharedTable, tableDisagreement } from '../spec/shared-state.js';
import { executeReference } from '../spec/reference.js';
import { KEY_LIMIT } from '../spec/values.js';
import { generate } from '../bench/workloads.js';
import { createExecutor } from '../impl/registry.js';

const keyArb = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: KEY_LIMIT - 1 }), fc.constantFrom(0, 2 ** 31, KEY_LIMIT - 1));

describe('SharedState', () => {
  it('holds what the Map it was built from holds, in the Map and in the table, and 0 for any other key', () => {
    fc.assert(fc.property(fc.array(fc.tuple(keyArb, fc.maxSafeInteger()), { maxLength: 300 }), fc.array(keyArb, { maxLength: 50 }), (entries, others) => {
      const map = new Map(entries);
      const state = new SharedState(entries);
      expect([...state]).toEqual([...map]);
      expect(state.size).toBe(map.size);
      const table = sharedTable(state.buffer);
      for (const k of [...map.keys(), ...others]) {
        expect(state.get(k)).toBe(map.get(k));
        expect(sharedGet(table, k)).toBe(map.get(k) ?? 0);
      }
    }), { seed: 24, numRuns: 300 });
  });

  // A user's executor imports the package's copy (dist/); Concord may run from its sources.
  it('is recognised by instanceof across copies of its module, and a plain Map is not', async () => {
    const other = (await import(new URL('../dist/spec/shared-state.js', import.meta.url).href)) as typeof import('../spec/shared-state.js');
    expect(other.SharedState).not.toBe(SharedState);
    const theirs = new other.SharedState([[1, 2]]);
    expect(theirs instanceof SharedState).toBe(true);
    expect(new SharedState([[1, 2]]) instanceof other.SharedState).toBe(true);
    expect(new Map([[1, 2]]) instanceof SharedState).toBe(false);
    expect(null instanceof SharedState).toBe(false);
    // A subclass is asked as instanceof asks any class: by its prototype chain.
    class Mine extends SharedState {}
    expect(new Mine([[1, 2]]) instanceof SharedState).toBe(true);
    expect(new Mine([[1, 2]]) instanceof Mine).toBe(true);
    expect(theirs instanceof Mine).toBe(false);
  });

  it('refuses a key that is not a VM key and a value that is not a number, naming them', () => {
    for (const key of [-1, KEY_LIMIT, 1.5, Number.NaN]) {
      expect(() => new SharedState([[key, 1]])).toThrow(new RangeError(`SharedState: key ${String(key)} is not an integer in [0, 2^32)`));
    }
    expect(() => new SharedState([[3, '7' as unknown as number]])).toThrow('SharedState: the value of key 3 is not a VM value, an integer of at most 2^53 - 1 in size (string)');
    for (const value of [Number.NaN, 0.5, 2 ** 53]) {
      expect(() => new SharedState([[3, value]])).toThrow(`SharedState: the value of key 3 is not a VM value, an integer of at most 2^53 - 1 in size (${value})`);
    }
  });

  it('says where its table stopped holding what its Map holds, and refuses a buffer that is not a table', () => {
    const state = new SharedState([[1, 2], [9, 4]]);
    expect(tableDisagreement(state)).toBeNull();
    Map.prototype.set.call(state, 9, 5);
    expect(tableDisagreement(state)).toEqual({ key: 9, text: 'key 9: the table holds 4, the Map 5' });
    Map.prototype.set.call(state, 9, 4);
    Map.prototype.delete.call(state, 1);
    expect(tableDisagreement(state)).toEqual({ text: 'the table holds 2 entries, the Map 1' });
    restoreTable(state);
    expect(tableDisagreement(state)).toBeNull();
    expect(sharedGet(sharedTable(state.buffer), 1)).toBe(0);
    const t = sharedTable(state.buffer);
    t.values.fill(7);
    expect(tableDisagreement(state)).toEqual({ key: 9, text: 'key 9: the table holds 7, the Map 4' });
    restoreTable(state);
    expect(sharedGet(t, 9)).toBe(4);
    for (let k = 100; k < 108; k++) Map.prototype.set.call(state, k, 1);
    expect(() => restoreTable(state)).toThrow('restoreTable: the Map holds 9 entries, more than half the table\'s 16 slots: put back the Map it was built with first');
    expect(tableDisagreement(new SharedState())).toBeNull();
    expect(tableDisagreement(new Map([[1, 2]]))).toBeNull();
    expect(sharedGet(sharedTable(new SharedState().buffer), 0)).toBe(0);
    expect(() => sharedTable(new SharedArrayBuffer(24 * 16))).toThrow('sharedTable: a buffer of 384 bytes is not a SharedState\'s (16 bytes a slot, a power of two of slots, 16 at least)');
  });

  it('is sealed once built; a plain copy is not', () => {
    const state = new SharedState([[1, 2]]);
    expect(() => state.set(1, 3)).toThrow(/sealed/);
    expect(() => state.delete(1)).toThrow(/sealed/);
    expect(() => state.clear()).toThrow(/sealed/);
    expect(state.get(1)).toBe(2);
    const copy = new Map(state);
    copy.set(1, 3);
    expect(copy.get(1)).toBe(3);
  });

  it('is read as a Map by every built-in executor, which agree with the reference on it', async () => {
    const plain = generate('token', { accounts: 50, txs: 200, seed: 3, hashCost: 1 });
    const block = { ...plain, preState: new SharedState(plain.preState) };
    const expected = executeReference(plain);
    expect(executeReference(block).stateRoot).toBe(expected.stateRoot);
    for (const name of ['sequential', 'block-stm', 'modular']) {
      const executor = await createExecutor(name, { threads: 2 });
      try {
        const result = await executor.execute(block);
        expect(result.stateRoot, name).toBe(expected.stateRoot);
        expect(result.receiptsRoot, name).toBe(expected.receiptsRoot);
        expect(result.reads, name).toEqual(expected.reads);
      } finally {
        await executor.close();
      }
    }
  });
});
