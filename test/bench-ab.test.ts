// bench/ab.ts, the ABBA comparison of two builds: it loads each build from its own dist/, times
// both on the same block round after round (counting each side's page faults), and refuses a
// checkout without a build by name; it hands back the results of the sides --release names.
// (npm test builds dist/ first; here both sides are this checkout.)
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interleavedAB, timeAB } from '../bench/ab.js';
import { generate } from '../bench/workloads.js';
import { distRoot } from '../impl/runtime/pool.js';

const root = dirname(distRoot());
const block = generate('p2p', { accounts: 50, txs: 200, seed: 2, hashCost: 0 });

describe('interleavedAB', () => {
  it('times both builds beside the sequential executor, round by round', async () => {
    const r = await interleavedAB({ a: root, b: root, executor: 'block-stm', threads: 2, rounds: 3, block });
    expect(r.rounds).toBe(3);
    for (const ms of [r.sequentialMs, r.aMs, r.bMs]) expect(ms).toBeGreaterThan(0);
    for (const faults of [r.aFaults, r.bFaults]) expect(Number.isFinite(faults) && faults >= 0).toBe(true);
    expect(Number.isFinite(r.ratio) && r.ratio > 0).toBe(true);
  });

  it('balances the order: each side runs first, last and right after itself equally often', async () => {
    const calls: string[] = [];
    const fake = (name: string) => ({
      name,
      execute: async () => {
        calls.push(name);
        return {} as never;
      },
      close: async () => {},
    });
    await timeAB(fake('A'), fake('B'), { threads: 1, rounds: 2, block });
    const timed = calls.slice(10).join('');
    expect(timed).toBe('ABBABAAB'.repeat(2));
  });

  it('releases each result of the sides --release names, warm-up calls too, after the call', async () => {
    const released: string[] = [];
    const fake = (name: string) => ({
      name,
      execute: async () => ({ release: () => released.push(name) }) as never,
      close: async () => {},
    });
    await timeAB(fake('A'), fake('B'), { threads: 1, rounds: 1, block, release: 'b' });
    expect(released).toEqual(Array(5 + 4).fill('B'));
    released.length = 0;
    await timeAB(fake('A'), fake('B'), { threads: 1, rounds: 1, block });
    expect(released.length).toBe(2 * (5 + 4));
  });

  it('names a checkout that holds no build', async () => {
    const missing = join(root, 'no-such-checkout');
    await expect(interleavedAB({ a: missing, b: root, executor: 'sequential', threads: 1, rounds: 1, block }))
      .rejects.toThrow(`${missing}: no build at ${join(missing, 'dist', 'impl', 'registry.js')}`);
  });
});
