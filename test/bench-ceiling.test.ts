// The two-thread ceiling (bench/ceiling.ts): two workers on the halves of a block against the
// faster of them on all of it, from real worker threads running the sequential executor.
import { describe, expect, it } from 'vitest';
import { twoThreadCeiling } from '../bench/ceiling.js';

describe('two-thread ceiling', () => {
  it('times both workers on the whole block and the pair on its halves', async () => {
    const c = await twoThreadCeiling('p2p', { accounts: 50, txs: 300, seed: 1, hashCost: 1 }, 3);
    expect(c.oneMs).toBeGreaterThan(0);
    expect(c.twoMs).toBeGreaterThan(0);
    expect(c.ratio).toBeCloseTo(c.oneMs / c.twoMs, 10);
  });
});
