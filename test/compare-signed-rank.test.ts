// The paired gate's statistics (reports/stats.ts): the one-sided Wilcoxon signed-rank test held to
// brute force (every sign pattern of the differences' ranks counted), its two-sided p to its tails,
// and the lower bound of the paired ratio it is inverted into held to the test itself, and to the
// gate's reading of the test at its threshold where ratios lie on it exactly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fewestPairs, pairedRatioLowerBound, signedRankGreater, signedRankGreaterAt, signedRankP } from '../reports/stats.js';

/** P(W+ >= observed) by enumerating every sign of every nonzero difference's midrank: the definition, without a shortcut. */
function bruteForce(d: readonly number[]): number {
  const nonzero = d.filter((v) => v !== 0);
  const abs = nonzero.map(Math.abs);
  const rank = abs.map((a) => {
    const below = abs.filter((b) => b < a).length;
    const tied = abs.filter((b) => b === a).length;
    return below + (tied + 1) / 2;
  });
  const observed = nonzero.reduce((s, v, i) => s + (v > 0 ? rank[i]! : 0), 0);
  let atLeast = 0;
  const patterns = 2 ** nonzero.length;
  for (let mask = 0; mask < patterns; mask++) {
    const w = rank.reduce((s, r, i) => s + ((mask >> i) & 1 ? r : 0), 0);
    if (w >= observed - 1e-9) atLeast++;
  }
  return atLeast / patterns;
}

describe('the signed-rank test', () => {
  it('gives the exact one-sided tail on known differences', () => {
    // Every one of 6 differences positive: 1 sign pattern in 64.
    expect(signedRankGreater([1, 2, 3, 4, 5, 6])).toBeCloseTo(1 / 64, 12);
    expect(signedRankGreater([-1, 2, 3, 4, 5, 6])).toBeCloseTo(2 / 64, 12);
    expect(signedRankGreater([-1, -2])).toBe(1);
    expect(signedRankGreater([0, 0])).toBe(1);
    expect(fewestPairs(0.025)).toBe(6);
    expect(fewestPairs(0.05)).toBe(5);
  });

  it('is brute force\'s count of sign patterns, ties and zeros included', () => {
    const diffs = fc.array(fc.integer({ min: -6, max: 6 }), { minLength: 1, maxLength: 12 });
    fc.assert(fc.property(diffs, (d) => {
      expect(signedRankGreater(d)).toBeCloseTo(bruteForce(d), 12);
      expect(signedRankP(d)).toBeCloseTo(Math.min(1, 2 * Math.min(bruteForce(d), bruteForce(d.map((v) => -v)))), 12);
    }), { numRuns: 300, seed: 20261203 });
  });

  it('past the exact limit, is near the exact tail (normal approximation with continuity correction)', () => {
    // 101 differences 1..101, signs alternating from +: W+ is the odd ranks' sum, 2601.
    const d = Array.from({ length: 101 }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i + 1));
    // The exact tail without ties: subsets of the ranks 1..101 counted by sum.
    const most = (101 * 102) / 2;
    const ways = new Float64Array(most + 1);
    ways[0] = 1;
    for (let r = 1; r <= 101; r++) for (let s = most; s >= r; s--) ways[s] = ways[s]! + ways[s - r]!;
    const total = ways.reduce((a, b) => a + b, 0);
    const exact = ways.slice(2601).reduce((a, b) => a + b, 0) / total;
    expect(signedRankGreater(d)).toBeCloseTo(exact, 3);
    expect(signedRankP(d)).toBeCloseTo(Math.min(1, 2 * Math.min(exact, 1 - exact + ways[2601]! / total)), 3);
  });
});

describe('the paired ratio\'s lower bound', () => {
  it('is the ratio itself where every round has the same one, and null where too few rounds can reach alpha', () => {
    expect(pairedRatioLowerBound([1, 2, 3, 4, 5, 6], [1.5, 3, 4.5, 6, 7.5, 9], 0.025)).toBeCloseTo(1.5, 12);
    expect(pairedRatioLowerBound([1, 2, 3, 4, 5], [2, 4, 6, 8, 10], 0.025)).toBeNull();
    expect(() => pairedRatioLowerBound([1, 2], [1], 0.025)).toThrow(/must pair/);
    expect(() => pairedRatioLowerBound([0, 1], [1, 2], 0.025)).toThrow(/not positive/);
  });

  it('agrees with the test it is inverted from: rejected just below the bound, not just above', () => {
    const values = fc.array(fc.tuple(fc.double({ min: 1, max: 100, noNaN: true }), fc.double({ min: 1, max: 100, noNaN: true })), { minLength: 6, maxLength: 14 });
    fc.assert(fc.property(values, (pairs) => {
      const [x, y] = [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
      const bound = pairedRatioLowerBound(x, y, 0.025);
      const logs = x.map((v, i) => Math.log(y[i]! / v));
      const p = (c: number) => signedRankGreater(logs.map((d) => d - c));
      // The test's p steps at the Walsh averages of the log ratios, which can lie closer together
      // than any fixed nudge: just below and just above the bound are the midpoints with its neighbours.
      const steps = [...new Set(logs.flatMap((a, i) => logs.slice(i).map((b) => (a + b) / 2)))].sort((a, b) => a - b);
      if (bound === null) expect(p(steps[0]! - 1)).toBeGreaterThan(0.025);
      else {
        const at = steps.findIndex((c) => Math.exp(c) === bound);
        expect(at).toBeGreaterThanOrEqual(0);
        expect(p(at === 0 ? steps[0]! - 1 : (steps[at - 1]! + steps[at]!) / 2)).toBeLessThanOrEqual(0.025);
        expect(p(at === steps.length - 1 ? steps[at]! + 1 : (steps[at]! + steps[at + 1]!) / 2)).toBeGreaterThan(0.025);
      }
    }), { numRuns: 200, seed: 20261203 });
  });

  it('fails a gate exactly where the bound lies above its threshold, ratios that lie on the threshold included', () => {
    // Ratios rounded to a hundredth hit a threshold of 1-10% exactly, where the test drops a zero
    // difference or ties two: read there as signedRankGreaterAt reads it, test and bound agree.
    const ratios = fc.array(fc.integer({ min: 80, max: 130 }).map((v) => v / 100), { minLength: 6, maxLength: 14 });
    fc.assert(fc.property(ratios, fc.constantFrom(1, 2, 5, 10), (r, pct) => {
      const threshold = 1 + pct / 100;
      const failed = signedRankGreaterAt(r.map(Math.log), Math.log(threshold)) <= 0.025;
      const bound = pairedRatioLowerBound(r.map(() => 1), r, 0.025);
      const onIt = bound !== null && Math.abs(Math.log(bound) - Math.log(threshold)) < 1e-12;
      expect(failed).toBe(bound !== null && !onIt && bound > threshold);
    }), { numRuns: 2000, seed: 20261203 });
  });

  it('cancels what both builds share in a round: a machine 5x slower in some rounds moves no bound', () => {
    const machine = [1, 5, 1.2, 3, 1, 4, 2, 1.1];
    const base = machine.map((m, i) => m * (10 + (i % 3)));
    const next = base.map((v, i) => v * (1.2 + 0.01 * (i % 2)));
    const quiet = (xs: number[]) => xs.map((v, i) => v / machine[i]!);
    expect(pairedRatioLowerBound(base, next, 0.025)).toBeCloseTo(pairedRatioLowerBound(quiet(base), quiet(next), 0.025)!, 12);
  });
});
