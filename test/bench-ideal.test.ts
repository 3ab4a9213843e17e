// The ideal-speedup bound on hand-built graphs and accesses: list schedules with known optimal
// makespans, dependency edges exactly where the conflict table demands them (delta headroom
// included), and whole blocks whose parallelism is known.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generate } from '../bench/workloads.js';
import {
  bottomLevels, collectAccesses, dependencyGraph, idealFromGraph, idealSpeedup, listScheduleMakespan,
  type Access, type DependencyGraph, type TxAccesses,
} from '../bench/ideal.js';

const graph = (preds: number[][]): DependencyGraph => ({ preds, edges: preds.reduce((s, p) => s + p.length, 0) });
const tx = (...accesses: Access[]): TxAccesses => ({ gas: 1, accesses });
const read = (key: number): Access => ({ key, kind: 'read' });
const write = (key: number): Access => ({ key, kind: 'write' });
const delta = (key: number, amount: number, base: number, bounds: { lo: number; hi: number } | null = { lo: 0, hi: 10 }): Access =>
  ({ key, kind: 'delta', delta: { amount, base, bounds } });

describe('list scheduling', () => {
  it('a chain cannot be sped up; independent tasks scale to the worker count', () => {
    const chain = graph([[], [0], [1]]);
    expect(listScheduleMakespan([1, 1, 1], chain, 4, (i) => i)).toBe(3);
    const free = graph([[], [], [], []]);
    expect(listScheduleMakespan([1, 1, 1, 1], free, 2, (i) => i)).toBe(2);
    expect(listScheduleMakespan([1, 1, 1, 1], free, 3, (i) => i)).toBe(2);
    expect(idealFromGraph([1, 1, 1, 1], free, [3]).points[0]).toEqual({ threads: 3, speedup: 2, bound: 3 });
  });

  it('takes the better of block order and critical-path-first', () => {
    // 3 (work 3) waits on 2; block order starts 0 and 1 first and finishes at 5, critical path first at 4.
    const work = [1, 1, 1, 3];
    const g = graph([[], [], [], [2]]);
    expect(Array.from(bottomLevels(work, g))).toEqual([1, 1, 4, 3]);
    expect(listScheduleMakespan(work, g, 2, (i) => i)).toBe(5);
    const ideal = idealFromGraph(work, g, [1, 2]);
    expect(ideal.criticalPath).toBe(4);
    expect(ideal.points).toEqual([{ threads: 1, speedup: 1, bound: 1 }, { threads: 2, speedup: 1.5, bound: 1.5 }]);
  });

  it('never beats min(threads, work / critical path) and never loses to one thread', () => {
    const dag = fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(
      fc.array(fc.integer({ min: 0, max: 50 }), { minLength: n, maxLength: n }),
      fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: n, maxLength: n }),
      fc.integer({ min: 1, max: 6 }),
    ));
    fc.assert(fc.property(dag, ([work, raw, t]) => {
      const preds = raw.map((ps, i) => (i === 0 ? [] : [...new Set(ps.map((p) => p % i))].sort((a, b) => a - b)));
      const { points } = idealFromGraph(work, graph(preds), [t]);
      const p = points[0]!;
      expect(p.speedup).toBeLessThanOrEqual(p.bound + 1e-9);
      expect(p.speedup).toBeGreaterThanOrEqual(1 - 1e-9);
    }), { seed: 7, numRuns: 200 });
  });
});

describe('dependency graph from the conflict table', () => {
  it('reads commute; writes order every earlier reader and writer', () => {
    const g = dependencyGraph([tx(read(1)), tx(read(1)), tx(write(1)), tx(read(1)), tx(read(2))]);
    expect(g.preds).toEqual([[], [], [0, 1], [2], []]);
  });

  it('a transaction reading and writing one key after another is ordered once', () => {
    const g = dependencyGraph([tx(read(5), write(5)), tx(read(5), write(5)), tx(read(6), write(6))]);
    expect(g.preds).toEqual([[], [0], []]);
    expect(g.edges).toBe(1);
  });

  it('deltas commute while every order keeps every bound check passing (delta-headroom)', () => {
    // base 0, bounds [0, 10]: +3 and +4 fit in any order; +5 more would reach 12.
    const g = dependencyGraph([tx(delta(1, 3, 0)), tx(delta(1, 4, 3)), tx(delta(1, 5, 7)), tx(read(1))]);
    expect(g.preds).toEqual([[], [], [0, 1], [0, 1, 2]]);
  });

  it('mixed-sign deltas conflict when some order would leave the bounds', () => {
    // base 5, bounds [0, 10]: +4 then -6 passes, -6 first would go to -1.
    expect(dependencyGraph([tx(delta(1, 4, 5)), tx(delta(1, -6, 9))]).preds).toEqual([[], [0]]);
    // base 5: +2 and -3 stay in [0, 10] in either order.
    expect(dependencyGraph([tx(delta(1, 2, 5)), tx(delta(1, -3, 7))]).preds).toEqual([[], []]);
  });

  it('a delta without declared bounds commutes with nothing', () => {
    expect(dependencyGraph([tx(delta(1, 1, 0, null)), tx(delta(1, 1, 1))]).preds).toEqual([[], [0]]);
  });

  it('a write ends a run of deltas; later deltas need only follow the write', () => {
    const g = dependencyGraph([tx(delta(1, 1, 0)), tx(delta(1, 1, 1)), tx(write(1)), tx(delta(1, 1, 0))]);
    expect(g.preds).toEqual([[], [], [0, 1], [2]]);
  });
});

describe('ideal bound of whole blocks', () => {
  it('p2p between two accounts is a chain: no speedup at any thread count', () => {
    const ideal = idealSpeedup(generate('p2p', { accounts: 2, txs: 40, hashCost: 1 }), [1, 4, 16]);
    expect(ideal.points.map((p) => p.speedup)).toEqual([1, 1, 1]);
    expect(ideal.criticalPath).toBe(ideal.work);
  });

  it('p2p over many accounts is nearly embarrassingly parallel', () => {
    const ideal = idealSpeedup(generate('p2p', { accounts: 10_000, txs: 64, hashCost: 1 }), [4]);
    expect(ideal.points[0]!.speedup).toBeGreaterThan(3.5);
    expect(ideal.points[0]!.speedup).toBeLessThanOrEqual(4);
  });

  it('records reads, writes and delta-adds with their footprint bounds and serial base', () => {
    const block = generate('token', { accounts: 3, txs: 6, hashCost: 0 });
    const txs = collectAccesses(block);
    expect(txs).toHaveLength(6);
    for (const t of txs) {
      expect(t.gas).toBeGreaterThan(0);
      const d = t.accesses.find((a) => a.kind === 'delta')!;
      expect(d.delta!.bounds).toEqual({ lo: 0, hi: Number.MAX_SAFE_INTEGER });
      expect(d.delta!.amount).toBeGreaterThan(0);
      expect(t.accesses.filter((a) => a.kind !== 'delta').map((a) => a.kind).sort()).toEqual(['read', 'write']);
    }
  });
});
