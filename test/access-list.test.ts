// An access-list scheduler's classic mistake, caught at verify's default budget: an executor that
// runs a block in waves computed from the declared footprints (every generated program declares
// one, but those that compute a key: properties/arbitraries.ts programFootprint) passes, and the
// same executor taking the conflict table's commute-if rule for two bounded delta-adds as
// 'commute' fails, shrunk to two transactions, with the dependency it dropped named.
import { describe, expect, it } from 'vitest';
import { emptyStats, footprintKeys, type Block, type ReadSet, type Receipt } from '../spec/block.js';
import type { Executor } from '../spec/executor.js';
import { blockResult, readSetOf, receiptOf, SKIPPED } from '../spec/result.js';
import { newOutcome, runTransaction, TxStatus } from '../spec/vm.js';
import { blockSpecArb, buildBlock, programFootprint } from '../properties/arbitraries.js';
import { footprintEscape } from '../properties/footprint-escape.js';
import { traceReference } from '../properties/trace.js';
import { EquivalenceError, verifyExecutor } from '../properties/vitest.js';
import fc from 'fast-check';

/**
 * Each transaction's wave: after the waves of the earlier transactions it conflicts with by their
 * footprints, where a delta may share a wave with earlier deltas of its key (commute-if: the merge
 * below decides); a program without a footprint runs alone, after everything before it.
 */
function waves(block: Block): number[] {
  const seen = new Map<number, { read: number; write: number; delta: number }>();
  let floor = 0;
  let top = -1;
  return block.txs.map((tx) => {
    const fp = block.programs[tx.program]!.footprint;
    if (!fp) {
      floor = ++top + 1;
      return top;
    }
    const entries = footprintKeys(fp, tx.args);
    let wave = floor;
    for (const { key, access } of entries) {
      const k = seen.get(key) ?? { read: -1, write: -1, delta: -1 };
      wave = Math.max(wave, access === 'read' ? Math.max(k.write, k.delta) + 1 : access === 'write' ? Math.max(k.read, k.write, k.delta) + 1 : Math.max(k.read + 1, k.write + 1, k.delta));
    }
    for (const { key, access } of entries) {
      const k = seen.get(key) ?? { read: -1, write: -1, delta: -1 };
      k[access] = Math.max(k[access], wave);
      seen.set(key, k);
    }
    top = Math.max(top, wave);
    return wave;
  });
}

interface Ran {
  readonly receipt: Receipt;
  readonly reads: ReadSet;
  readonly gas: number;
  writes: [key: number, value: number, delta: number | null][];
  readonly bases: [key: number, value: number][];
}

function run(block: Block, t: number, state: ReadonlyMap<number, number>): Ran {
  const tx = block.txs[t]!;
  const out = runTransaction(block.programs[tx.program]!.code, tx.args, tx.gasLimit, { read: (key) => state.get(key) ?? 0 }, newOutcome());
  const writes: Ran['writes'] = [];
  if (out.status === TxStatus.Success) for (let w = 0; w < out.writeCount; w++) writes.push([out.writeKeys[w]!, out.writeValues[w]!, out.writeIsDelta[w] ? out.writeDeltas[w]! : null]);
  const bases: Ran['bases'] = [];
  for (let b = 0; b < out.deltaBaseCount; b++) bases.push([out.deltaBaseKeys[b]!, out.deltaBaseValues[b]!]);
  return { receipt: receiptOf(out), reads: readSetOf(out), gas: out.gasUsed, writes, bases };
}

/**
 * Waves in order, each run against the state before it and merged in block order; a transaction
 * whose DELTA base an earlier one of its wave moved is run again on the merged state, unless
 * `deltasCommute` (the bug), which adds its amounts to the moved bases without the bound checks.
 */
function waveExecutor(deltasCommute: boolean): Executor {
  return {
    name: deltasCommute ? 'waves-commute-if-as-commute' : 'waves',
    async execute(block) {
      const wave = waves(block);
      const ran: Ran[] = [];
      const state = new Map(block.preState);
      for (let w = 0; w <= Math.max(-1, ...wave); w++) {
        const members = wave.flatMap((x, t) => (x === w ? [t] : []));
        const start = new Map(state);
        const first = new Map(members.map((t) => [t, run(block, t, start)]));
        for (const t of members) {
          let r = first.get(t)!;
          if (r.bases.some(([k, v]) => (state.get(k) ?? 0) !== v)) {
            if (deltasCommute) r.writes = r.writes.map(([k, v, d]) => [k, d === null ? v : (state.get(k) ?? 0) + d, d]);
            else r = run(block, t, state);
          }
          for (const [k, v] of r.writes) state.set(k, v);
          ran[t] = r;
        }
      }
      // Skip-rest: no kept transaction depends on a later one, so the kept ones' writes, replayed in block order, are the final state.
      const final = new Map(block.preState);
      let gas = 0;
      const receipts: Receipt[] = [];
      const reads: ReadSet[] = [];
      ran.forEach((r, t) => {
        if (gas >= block.gasLimit) {
          receipts[t] = SKIPPED;
          reads[t] = [];
          return;
        }
        gas += r.gas;
        receipts[t] = r.receipt;
        reads[t] = r.reads;
        for (const [k, v] of r.writes) final.set(k, v);
      });
      return blockResult(final, receipts, reads, emptyStats());
    },
    async close() {},
  };
}

describe('generated blocks and an access-list scheduler', () => {
  it('declare each constant-key program\'s exact footprint, and none for one that computes a key', () => {
    fc.assert(fc.property(blockSpecArb(), (spec) => {
      const block = buildBlock(spec);
      spec.txs.forEach((t, i) => {
        if (t.kind !== 'code') return;
        const computes = t.body.some((s) => s.s === 'readAt' || s.s === 'writeAt');
        expect(block.programs[block.txs[i]!.program]!.footprint === undefined).toBe(computes);
      });
      expect(footprintEscape(block, traceReference(block), block.txs.length - 1)).toBeUndefined();
    }), { seed: 1, numRuns: 300 });
    // A DELTA on a key the program reads is a write of a value computed from the state; on a key touched only by DELTAs, a delta-add.
    expect(programFootprint([{ s: 'read', dst: 0, key: 3 }, { s: 'delta', key: 3, amount: 1, lo: 0, hi: 4 }, { s: 'delta', key: 0, amount: 2, lo: -1, hi: 5 }], 2)).toEqual([
      { key: { add: 16 }, access: 'read' }, { key: { add: 16 }, access: 'write' }, { key: { add: 0 }, access: 'delta', lo: -1, hi: 5 },
    ]);
  });

  it('pass a correct wave scheduler', async () => {
    expect((await verifyExecutor(() => waveExecutor(false), { runs: 500 })).failures).toEqual([]);
  });

  it('catch one that takes commute-if for commute, at the default budget of concord verify', async () => {
    const error = await verifyExecutor(() => waveExecutor(true), { runs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EquivalenceError);
    const [f] = (error as EquivalenceError).report.failures;
    expect(f!.block.transactions).toHaveLength(2);
    expect(f!.explanation?.dependency).toMatch(/declares delta .* declares delta .*: delta\/delta, which commute only while delta-headroom holds/);
  });
});
