// A caller hands a result's memory back (BlockResult.release): the released result's reads throw,
// naming the release; a result never released still reads right after many later blocks on the
// same executor; and the results built in handed-back memory agree with the reference (state
// root, receipts, per-transaction reads) on the sequential, Block-STM and modular executors at 1
// and 2 threads, a bigger block after a smaller one and a smaller after a bigger, a block cut by
// its gas limit, and blocks the parallel executors send to the sequential one; and, as a
// property, on runs of generated blocks (the verify suite's arbitraries) where every result but
// one is released right after its check. Workers run the compiled code in dist/ (npm test builds
// it first).

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockArb } from '../properties/arbitraries.js';
import { sameResult } from '../properties/same-result.js';
import type { Block, BlockResult } from '../spec/block.js';
import type { Executor } from '../spec/executor.js';
import { executeReference } from '../spec/reference.js';
import { loggedResult, logOutcome, newOutcomeLog, RELEASED } from '../spec/result.js';
import { emptyStats } from '../spec/block.js';
import { newOutcome } from '../spec/vm.js';
import { generate } from '../bench/workloads.js';
import { createExecutor } from '../impl/registry.js';
import { expectSameResult } from './helpers.js';

const small = generate('p2p', { accounts: 500, txs: 300, seed: 3 });
const big = generate('p2p', { accounts: 2_000, txs: 3_000, seed: 4 });
const bigOtherSeed = generate('p2p', { accounts: 2_000, txs: 2_900, seed: 5 });
// Contended: the parallel executors' preflight sends it to the sequential executor.
const contended = generate('defi', { accounts: 20, txs: 600, seed: 6 });
const token = generate('token', { accounts: 300, txs: 1_200, seed: 7 });

/** `block` cut by its gas limit about halfway: the later transactions are skipped. */
function cutHalfway(block: Block): Block {
  return { ...block, gasLimit: Math.floor(executeReference(block).gasUsed / 2) };
}

const SEQUENCE: readonly Block[] = [small, big, small, cutHalfway(big), bigOtherSeed, contended, small, token, big, cutHalfway(small), big, small];

describe('a released result', () => {
  it('throws on every read of its receipts, reads, state and roots, and keeps gasUsed and stats', () => {
    const log = newOutcomeLog(1);
    const out = newOutcome();
    out.gasUsed = 21;
    logOutcome(log, 0, out);
    let handedBack = 0;
    const r = loggedResult(new Map([[1, 2]]), log, emptyStats(), () => handedBack++);
    expect(r.stateRoot).toMatch(/./);
    r.release!();
    r.release!();
    expect(handedBack).toBe(1);
    for (const read of [() => r.receipts, () => r.reads, () => r.state, () => r.stateRoot, () => r.receiptsRoot]) expect(read).toThrow(RELEASED);
    expect(RELEASED).toMatch(/released \(its release\(\) was called\)/);
    expect(r.gasUsed).toBe(21);
    expect(r.stats.executions).toBe(0);
  });

  it('is offered only where memory can be handed back: the reference has none', () => {
    expect(executeReference(small).release).toBeUndefined();
  });
});

for (const name of ['sequential', 'block-stm', 'modular']) {
  describe.each([1, 2])(`${name} at %i thread(s), releasing every result but one`, (threads) => {
    let executor: Executor;
    beforeAll(async () => {
      executor = await createExecutor(name, { threads });
    });
    afterAll(async () => {
      await executor.close();
    });

    it('agrees with the reference in handed-back memory, bigger after smaller and smaller after bigger, and the kept result still reads right', async () => {
      const kept = await executor.execute(big, { threads });
      expect(typeof kept.release).toBe('function');
      const keptReference = executeReference(big);
      for (let pass = 0; pass < 2; pass++) {
        for (const block of SEQUENCE) {
          const r = await executor.execute(block, { threads });
          expectSameResult(r, executeReference(block));
          r.release!();
          expect(() => r.receipts).toThrow(RELEASED);
        }
      }
      expectSameResult(kept, keptReference);
    });

    it('reuses memory without reading a released result as the next block', async () => {
      // Released before anything was read: nothing built from it can later be read wrong.
      const first = await executor.execute(small, { threads });
      first.release!();
      const second = await executor.execute(big, { threads });
      expect(() => first.state).toThrow(RELEASED);
      expect(() => first.reads).toThrow(RELEASED);
      expectSameResult(second, executeReference(big));
      second.release!();
    });

    it('agrees with the reference on runs of generated blocks, every result but one released after its check', async () => {
      await fc.assert(fc.asyncProperty(fc.array(blockArb({ maxTxs: 300 }), { minLength: 2, maxLength: 6 }), fc.nat(), async (blocks, keep) => {
        const kept = keep % blocks.length;
        let keptResult: BlockResult | undefined;
        for (const [i, block] of blocks.entries()) {
          const r = await executor.execute(block, { threads });
          if (!sameResult(executeReference(block), r)) return false;
          if (i === kept) keptResult = r;
          else r.release?.();
        }
        const ok = sameResult(executeReference(blocks[kept]!), keptResult);
        keptResult!.release?.();
        return ok;
      }), { seed: 201, numRuns: 25 });
    });

    it('runs the parallel path on the blocks it is meant to (not the sequential fallback)', async () => {
      const r = await executor.execute(big, { threads });
      expect(r.stats.fallback).toBe('');
      r.release!();
    });
  });
}
