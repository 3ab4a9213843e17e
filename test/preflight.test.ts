// The contention preflight (impl/preflight.ts) against a brute-force reading of its definition:
// the chain is the longest path among the prefix's transactions, where s precedes t when both
// declare a key and the conflict table does not let t's access commute past s's.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { footprintKeys, type AccessKind, type Block } from '../spec/block.js';
import { ACCESS_KINDS, ruleFor } from '../spec/conflicts.js';
import { preflight } from '../impl/preflight.js';
import { blockArb } from '../properties/arbitraries.js';
import { generate } from '../bench/workloads.js';

function bruteForce(block: Block, prefix: number): { prefix: number; chain: number } | null {
  const n = Math.min(prefix, block.txs.length);
  const accesses = [];
  for (let t = 0; t < n; t++) {
    const tx = block.txs[t]!;
    const fp = block.programs[tx.program]!.footprint;
    if (fp === undefined) return null;
    accesses.push(footprintKeys(fp, tx.args));
  }
  const depth: number[] = [];
  for (let t = 0; t < n; t++) {
    let d = 0;
    for (let s = 0; s < t; s++) {
      const ordered = accesses[t]!.some((a) => accesses[s]!.some((b) => Object.is(a.key, b.key) && ruleFor(b.access, a.access).verdict !== 'commute'));
      if (ordered) d = Math.max(d, depth[s]!);
    }
    depth.push(d + 1);
  }
  return { prefix: n, chain: Math.max(0, ...depth) };
}

/**
 * Blocks of programs with random footprints (every access kind, keys from arguments, repeated keys)
 * over a handful of keys, so chains of every shape occur; the programs' code is never run here.
 */
const footprintBlockArb: fc.Arbitrary<Block> = fc.tuple(
  fc.array(fc.array(fc.record({ arg: fc.nat(2), add: fc.nat(1), access: fc.constantFrom<AccessKind>(...ACCESS_KINDS) }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
  fc.array(fc.tuple(fc.nat(3), fc.array(fc.nat(2), { minLength: 3, maxLength: 3 })), { minLength: 8, maxLength: 40 }),
).map(([footprints, txs]) => ({
  programs: footprints.map((fp, i) => ({
    name: `p${i}`, code: new Float64Array(0), arity: 3, footprint: fp.map((e) => ({ key: { arg: e.arg, add: e.add * 100 }, access: e.access })),
  })),
  txs: txs.map(([program, args]) => ({ program: program % footprints.length, args, gasLimit: 1000 })),
  preState: new Map(),
  gasLimit: Number.MAX_SAFE_INTEGER,
}));

describe('preflight', () => {
  it('finds the longest ordered chain of the prefix, as the brute force does', () => {
    fc.assert(fc.property(footprintBlockArb, fc.integer({ min: 0, max: 50 }), (block, prefix) => {
      expect(preflight(block, prefix)).toEqual(bruteForce(block, prefix));
    }), { seed: 11, numRuns: 500 });
  });

  it('keeps the deepest of commuting accesses to a key: a later writer follows them all', () => {
    // t1 reads A after t0 wrote it (depth 2) and reads K; t2 reads only K (depth 1); t3 writes K,
    // so it follows t1: 3, even though the last reader of K, t2, is at depth 1.
    const block: Block = {
      programs: [
        { name: 'write', code: new Float64Array(0), arity: 2, footprint: [{ key: { arg: 0, add: 0 }, access: 'write' }] },
        { name: 'read2', code: new Float64Array(0), arity: 2, footprint: [{ key: { arg: 0, add: 0 }, access: 'read' }, { key: { arg: 1, add: 0 }, access: 'read' }] },
        { name: 'read', code: new Float64Array(0), arity: 2, footprint: [{ key: { arg: 0, add: 0 }, access: 'read' }] },
      ],
      txs: [{ program: 0, args: [1, 0] }, { program: 1, args: [1, 2] }, { program: 2, args: [2, 0] }, { program: 0, args: [2, 0] }].map((t) => ({ ...t, gasLimit: 1000 })),
      preState: new Map(),
      gasLimit: Number.MAX_SAFE_INTEGER,
    };
    expect(preflight(block)).toEqual({ prefix: 4, chain: 3 });
    expect(bruteForce(block, 512)).toEqual({ prefix: 4, chain: 3 });
  });

  it('abstains when a transaction of the prefix declares no footprint, as on random VM blocks', () => {
    fc.assert(fc.property(blockArb(), fc.integer({ min: 0, max: 80 }), (block, prefix) => {
      expect(preflight(block, prefix)).toEqual(bruteForce(block, prefix));
    }), { seed: 11, numRuns: 200 });
  });

  it('resolves an argument the call does not give as 0, as the VM register reads', () => {
    const fp = [{ key: { arg: 2, mul: 16, add: 5 }, access: 'write' as const }];
    expect(footprintKeys(fp, [7]).map((e) => e.key)).toEqual([5]);
    // Two such calls write the same key, so they chain; with NaN keys they would not.
    const block: Block = {
      programs: [{ name: 'w', code: new Float64Array(0), arity: 3, footprint: fp }],
      txs: [{ program: 0, args: [1] }, { program: 0, args: [] }].map((t) => ({ ...t, gasLimit: 1000 })),
      preState: new Map(),
      gasLimit: Number.MAX_SAFE_INTEGER,
    };
    expect(preflight(block)).toEqual({ prefix: 2, chain: 2 });
  });

  it('tells keys apart by their whole value, not by the bits a hash table sees first', () => {
    // Keys that share their low 32 bits, or their high ones, chain only with themselves; -0 is 0,
    // as in the Map the preflight used before its own table.
    const write = (...keys: number[]): Block => ({
      programs: [{ name: 'w', code: new Float64Array(0), arity: 1, footprint: [{ key: { arg: 0, add: 0 }, access: 'write' }] }],
      txs: keys.map((k) => ({ program: 0, args: [k], gasLimit: 1000 })),
      preState: new Map(),
      gasLimit: Number.MAX_SAFE_INTEGER,
    });
    expect(preflight(write(5, 2 ** 32 + 5, 2 ** 40 + 5, 2 ** 52 + 5, 5))).toEqual({ prefix: 5, chain: 2 });
    expect(preflight(write(2 ** 32, 2 ** 32 + 1, 2 ** 32 + 2, 2 ** 32))).toEqual({ prefix: 4, chain: 2 });
    expect(preflight(write(0, -0, 0))).toEqual({ prefix: 3, chain: 3 });
    expect(preflight(write(Number.NaN, 1, Number.NaN))).toEqual({ prefix: 3, chain: 2 });
    const many = Array.from({ length: 600 }, (_, i) => (i % 300) * 2 ** 33);
    expect(preflight(write(...many))).toEqual({ prefix: 512, chain: 2 });
  });

  it('agrees with the brute force on the generated workloads, hot and spread', () => {
    for (const w of ['p2p', 'token', 'amm', 'nft', 'defi']) {
      for (const accounts of [2, 30]) {
        const block = generate(w, { accounts, txs: 120, seed: 5, hashCost: 0 });
        expect(preflight(block, 100), `${w} ${accounts}`).toEqual(bruteForce(block, 100));
      }
    }
  });
});
