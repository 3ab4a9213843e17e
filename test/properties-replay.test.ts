// Replay tokens and the seed/shard arithmetic: tokens round-trip and reject damage, and the shards
// of a run together cover exactly its batches, each once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeToken, encodeToken, replayCommand, ReplayTokenError, type ReplayToken } from '../properties/replay.js';
import { BATCH, batchSeed, shardBatches } from '../properties/runner.js';

const token: ReplayToken = { executor: './my executor.js', check: 'interleaving', minTxs: 1, maxTxs: 40, seed: -123, path: '4:0:2' };

describe('replay tokens', () => {
  it('round-trip and make one shell-safe word', () => {
    expect(decodeToken(encodeToken(token))).toEqual(token);
    expect(encodeToken(token)).toMatch(/^cv1_[A-Za-z0-9_-]+$/);
    expect(replayCommand(token)).toBe(`concord verify --replay ${encodeToken(token)}`);
  });

  it('reject what they did not produce', () => {
    const good = encodeToken(token);
    for (const bad of ['', 'abc', good.slice(0, -3), 'cv1_!!!!', `cv1_${Buffer.from('[1,2]').toString('base64url')}`]) {
      expect(() => decodeToken(bad)).toThrow(ReplayTokenError);
    }
    const wrongCheck = `cv1_${Buffer.from(JSON.stringify(['x', 'nope', 1, 5, 1, '0'])).toString('base64url')}`;
    expect(() => decodeToken(wrongCheck)).toThrow(/damaged/);
  });
});

describe('seeds and shards', () => {
  it('split a run so the shards together run every batch exactly once', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 9 }), (runs, n) => {
      const all = shardBatches(runs);
      const parts = Array.from({ length: n }, (_, i) => shardBatches(runs, { index: i + 1, count: n })).flat().sort((a, b) => a - b);
      return all.length === Math.ceil(runs / BATCH) && JSON.stringify(parts) === JSON.stringify(all);
    }), { seed: 3, numRuns: 200 });
  });

  it('give neighbouring seeds disjoint batch seeds', () => {
    const a = new Set(Array.from({ length: 100 }, (_, b) => batchSeed(1, b)));
    const b = Array.from({ length: 100 }, (_, i) => batchSeed(2, i));
    expect(b.some((s) => a.has(s))).toBe(false);
    for (const s of b) expect(Number.isInteger(s)).toBe(true);
  });
});
