// The gate's decision rule: a row fails `--fail-on-regression PCT` only where the lower bound of its
// 95% interval lies above PCT (the one-sided U test of NEW against BASE scaled by 1 + PCT/100 at
// 0.025), not where it is merely significantly slower with a median delta above PCT; by block time
// and with --relative alike. The one-sided test and the ratio's lower bound it is inverted into are
// held to the two-sided test they share their arithmetic with, and to each other.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compare } from '../reports/compare.js';
import type { ResultsFile } from '../reports/schema.js';
import { mannWhitney, mannWhitneyGreater, ratioLowerBound } from '../reports/stats.js';
import { sampleResults } from './report-fixture.js';
import { compareFiles, significantSlowdowns } from './compare-run.js';

describe('the one-sided U test and the ratio bound', () => {
  it('gives the exact one-sided tail on known samples', () => {
    expect(mannWhitneyGreater([1, 2, 3, 4], [5, 6, 7, 8])).toBeCloseTo(1 / 70, 12);
    expect(mannWhitneyGreater([5, 6, 7, 8], [1, 2, 3, 4])).toBe(1);
    expect(mannWhitneyGreater([], [1])).toBe(1);
  });

  it('is the two-sided test\'s smaller tail, on every path (exact, exact given ties, normal)', () => {
    const sample = fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 30 });
    fc.assert(fc.property(sample, sample, (x, y) => {
      const twoSided = Math.min(1, 2 * Math.min(mannWhitneyGreater(x, y), mannWhitneyGreater(y, x)));
      expect(mannWhitney(x, y).p).toBeCloseTo(twoSided, 9);
    }), { numRuns: 300, seed: 20261203 });
  });

  it('bounds the ratio where the test stops rejecting: 21/13 for 4 rounds against 4 at 95%', () => {
    expect(ratioLowerBound([10, 11, 12, 13], [20, 21, 22, 23], 0.05)).toBeCloseTo(21 / 13, 12);
    // 2 values against 2 cannot reach 0.05 (their smallest one-sided p is 1/6): no bound.
    expect(ratioLowerBound([1, 2], [10, 20], 0.05)).toBeNull();
    expect(() => ratioLowerBound([0, 1], [1, 2], 0.05)).toThrow(/not positive/);
  });

  it('agrees with the test it is inverted from: rejected just below the bound, not just above', () => {
    const values = fc.array(fc.double({ min: 1, max: 100, noNaN: true }), { minLength: 4, maxLength: 9 });
    fc.assert(fc.property(values, values, (x, y) => {
      const bound = ratioLowerBound(x, y, 0.05);
      const p = (r: number) => mannWhitneyGreater(x.map((v) => v * r), y);
      // The test's p steps at the pairwise ratios y / x, which can lie closer together than any
      // fixed nudge: just below and just above the bound are the midpoints with its neighbours.
      const steps = [...new Set(x.flatMap((a) => y.map((b) => b / a)))].sort((a, b) => a - b);
      if (bound === null) expect(p(steps[0]! / 2)).toBeGreaterThan(0.05);
      else {
        const at = steps.indexOf(bound);
        expect(at).toBeGreaterThanOrEqual(0);
        expect(p(at === 0 ? bound / 2 : Math.sqrt(steps[at - 1]! * bound))).toBeLessThanOrEqual(0.05);
        expect(p(at === steps.length - 1 ? bound * 2 : Math.sqrt(bound * steps[at + 1]!))).toBeGreaterThan(0.05);
      }
    }), { numRuns: 200, seed: 20261203 });
  });
});

/**
 * `doc` with every executor run's round medians `exec` and every baseline run's `baseline` (one
 * sample a round, so a sample is its round's median).
 */
function byRounds(doc: ResultsFile, exec: readonly number[], baseline: readonly number[]): ResultsFile {
  const out = structuredClone(doc);
  out.settings.rounds = exec.length;
  for (const r of out.runs) {
    r.samplesMs = [...(r.role === 'baseline' ? baseline : exec)];
    r.busy = r.samplesMs.map(() => false);
    r.rounds = r.samplesMs.map((_, i) => i);
  }
  return out;
}

const plain = sampleResults({ seqMs: 10, execMs: 6, samples: 6 });
const flat = [10, 10, 10, 10, 10, 10];
const spread = [10, 10.5, 11, 11.5, 12, 12.5];
const times = (xs: readonly number[], k: number) => xs.map((v) => v * k);

describe('the gate\'s decision', () => {
  it('passes a row 15% slower at the median whose 95% interval\'s lower bound is not above 10% (which the rule of p and the median delta failed)', async () => {
    const [base, next] = [byRounds(plain, spread, flat), byRounds(plain, times(spread, 1.15), flat)];
    for (const relative of [false, true]) {
      const c = compare(base, next, { threshold: 10, relative });
      expect(c.gate!.regressions).toEqual([]);
      const row = c.rows.find((r) => !r.baseline)!;
      const judged = relative && row.relative !== null && !('unavailable' in row.relative) ? row.relative : row;
      // Significantly slower, by more than 10% at the median: what the gate used to fail.
      expect(judged.p).toBeLessThanOrEqual(0.05);
      expect(judged.deltaPct).toBeCloseTo(15, 6);
      expect(mannWhitneyGreater(times(spread, 1.1), times(spread, 1.15))).toBeGreaterThan(0.025);
    }
    // The table still reads it as a significant slowdown beyond 10%.
    expect(significantSlowdowns(compare(base, next), 10)).toHaveLength(4);
    const r = await compareFiles(base, next, { failOnRegression: '10' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^p2p 100 acc × 1000 tx · fake-parallel @1 .* \+15\.00% \(p=0\.017 6\+6 rounds\)$/m);
  });

  it('fails a row 50% slower, stating the lower bound it found above the threshold, by block time and --relative', async () => {
    const [base, next] = [byRounds(plain, spread, flat), byRounds(plain, times(spread, 1.5), flat)];
    const bound = ratioLowerBound(spread, times(spread, 1.5), 0.025)!;
    for (const relative of [false, true]) {
      const g = compare(base, next, { threshold: 10, relative }).gate!;
      expect(g.regressions).toHaveLength(4);
      for (const reg of g.regressions) {
        expect(reg.atLeastPct).toBeCloseTo(bound * 100 - 100, 6);
        expect(reg.atLeastPct).toBeGreaterThan(10);
        expect(reg.p).toBeCloseTo(mannWhitneyGreater(times(spread, relative ? 0.11 : 1.1), times(spread, relative ? 0.15 : 1.5)), 12);
      }
    }
    const r = await compareFiles(base, next, { failOnRegression: '10' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^regression: p2p 100 acc × 1000 tx · fake-parallel @1: 50\\.00% slower, at least ${((bound - 1) * 100).toFixed(2)}% by its 95% interval \\(one-sided p=0\\.\\d{3} against its being 10% slower or less\\), above 10%$`, 'm'));
    // A threshold above what the bound allows passes the same files.
    expect((await compareFiles(base, next, { failOnRegression: String(Math.ceil((bound - 1) * 100)) })).code).toBe(0);
  });

  it('judges --relative by the ratios: a row whose block time is unchanged but whose baseline got 30% faster fails it', async () => {
    const [base, next] = [byRounds(plain, spread, flat), byRounds(plain, spread, times(flat, 0.7))];
    expect(compare(base, next, { threshold: 10 }).gate!.regressions).toEqual([]);
    const g = compare(base, next, { threshold: 10, relative: true }).gate!;
    expect(g.regressions.map((r) => r.row.name)).toHaveLength(4);
    expect(g.regressions[0]!.deltaPct).toBeCloseTo((1 / 0.7 - 1) * 100, 6);
  });
});

describe('--relative over a baseline timed otherwise', () => {
  it('warns where an engine timing itself is divided by a baseline timed whole in Concord\'s process, and not without --relative', () => {
    const engineTimed = structuredClone(plain);
    for (const r of engineTimed.runs) if (r.role === 'executor') r.timing = 'engine';
    const [base, next] = [byRounds(engineTimed, spread, flat), byRounds(engineTimed, spread, flat)];
    const warned = compare(base, next, { threshold: 10, relative: true }).warnings.filter((w) => w.startsWith('--relative:'));
    expect(warned).toEqual([expect.stringMatching(/^--relative: the ratios of fake-parallel @1; fake-parallel @2 divide a run by a baseline timed the other way .* as --baseline, timed as it is, and gate it with --only$/)]);
    expect(compare(base, next, { threshold: 10 }).warnings.filter((w) => w.startsWith('--relative:'))).toEqual([]);
    expect(compare(byRounds(plain, spread, flat), byRounds(plain, spread, flat), { threshold: 10, relative: true }).warnings.filter((w) => w.startsWith('--relative:'))).toEqual([]);
  });
});
