// The machine's ceiling (bench/ceiling.ts): T workers on the T parts of a block against the
// fastest of them on all of it, from real worker threads running the sequential executor.
import { describe, expect, it } from 'vitest';
import { threadCeiling } from '../bench/ceiling.js';

describe('thread ceiling', () => {
  it('times every worker on the whole block and all of them on their parts', async () => {
    for (const threads of [2, 3]) {
      const c = await threadCeiling(threads, 'p2p', { accounts: 50, txs: 301, seed: 1, hashCost: 1 }, 3);
      expect(c).toMatchObject({ threads, txs: 301 });
      expect(c.oneMs).toBeGreaterThan(0);
      expect(c.partsMs).toBeGreaterThan(0);
      expect(c.ratio).toBeCloseTo(c.oneMs / c.partsMs, 10);
    }
  });

  it('needs two threads or more', async () => {
    await expect(threadCeiling(1, 'p2p', { txs: 10 }, 1)).rejects.toThrow(/a ceiling needs 2 threads or more, got 1/);
  });
});
