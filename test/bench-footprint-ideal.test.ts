// The footprint ideal (bench/footprint-ideal.ts): what a scheduler that knows only the declared
// footprints can reach, against the ideal from the actual accesses: equal where the declarations
// are exact, lower where they declare more than a transaction touches, and a transaction without
// a footprint ordered against everything.
import { describe, expect, it } from 'vitest';
import { footprintIdeal } from '../bench/footprint-ideal.js';
import { idealSpeedup } from '../bench/ideal.js';
import { generate } from '../bench/workloads.js';
import type { Block, Footprint } from '../spec/block.js';
import { blockOf } from './helpers.js';

/** `n` transactions each writing its own key (arg 0), declaring `footprint` (absent: none) for every one but those in `bare`. */
function block(n: number, footprint: Footprint, bare: ReadonlySet<number> = new Set()): Block {
  const b = blockOf(Array.from({ length: n }, (_, i) => ({ ops: [['const', 'r1', 1], ['write', 'r0', 'r1'], ['stop']], args: [100 + i] })));
  return { ...b, programs: b.programs.map((p, i) => (bare.has(i) ? p : { ...p, footprint })) };
}

const own: Footprint = [{ key: { arg: 0, mul: 1, add: 0 }, access: 'write' }];

describe('footprint ideal', () => {
  it('equals the actual ideal where each transaction declares exactly what it touches', () => {
    const b = block(8, own);
    expect(footprintIdeal(b, [1, 4, 8]).points).toEqual(idealSpeedup(b, [1, 4, 8]).points);
    expect(footprintIdeal(b, [8]).points[0]!.speedup).toBe(8);
    // The built-in workloads declare exactly what they touch, so on them the two agree.
    const p2p = generate('p2p', { accounts: 100, txs: 300, seed: 2 });
    expect(footprintIdeal(p2p, [2, 16]).points).toEqual(idealSpeedup(p2p, [2, 16]).points);
  });

  it('falls below it where every transaction also declares a key it never touches', () => {
    // Each also declares a write to key 7, which none writes: declared, they form one chain.
    const b = block(8, [...own, { key: { add: 7 }, access: 'write' }]);
    expect(idealSpeedup(b, [8]).points[0]!.speedup).toBe(8);
    const declared = footprintIdeal(b, [8]);
    expect(declared.points[0]!.speedup).toBe(1);
    expect(declared.edges).toBe(7);
    // Declared reads of one key commute with each other: no order between them.
    expect(footprintIdeal(block(8, [...own, { key: { add: 7 }, access: 'read' }]), [8]).points[0]!.speedup).toBe(8);
  });

  it('orders a transaction without a footprint after every earlier one and before every later one', () => {
    // Transaction 3 declares nothing: 0-2 run side by side, then 3 alone, then 4-7 side by side.
    // Every transaction costs the same gas, so the block takes 3 transactions' time on 8 workers.
    expect(footprintIdeal(block(8, own, new Set([3])), [8]).points[0]!.speedup).toBeCloseTo(8 / 3, 10);
    expect(idealSpeedup(block(8, own, new Set([3])), [8]).points[0]!.speedup).toBe(8);
    // Two barriers in a row, each after the one before: 0 and 1 together, 2, 3, then 4.
    expect(footprintIdeal(block(5, own, new Set([2, 3])), [5]).points[0]!.speedup).toBeCloseTo(5 / 4, 10);
  });
});
