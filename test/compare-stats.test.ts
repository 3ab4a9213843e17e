// compare's statistics on known samples (reference values from scipy.stats 1.17 and the binomial
// order-statistic tables), and `concord compare` itself: `~`, deltas, geomean, warnings, the
// text table's alignment, the --fail-on-regression gate, runs that did not match the reference or
// failed (which fail it, gate or not), and files with nothing but the baseline in common.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compareCommand } from '../cli/compare.js';
import { guard } from '../cli/errors.js';
import { compare, formatComparison, pValue } from '../reports/compare.js';
import { significantSlowdowns } from './compare-run.js';
import { geomean, mannWhitney, median, medianInterval, roundsInterval } from '../reports/stats.js';
import type { ResultsFile } from '../reports/schema.js';
import { merge } from '../reports/merge.js';
import { renderMarkdown } from '../reports/render.js';
import { sampleResults, withRounds } from './report-fixture.js';

describe('statistics', () => {
  it('median and the order-statistic 95% interval', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(medianInterval([1, 2, 3, 4, 5])).toBeNull();
    expect(medianInterval([6, 5, 4, 3, 2, 1])).toEqual({ lo: 1, hi: 6 });
    const ten = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    expect(medianInterval(ten)).toEqual({ lo: 2, hi: 9 });
    const twenty = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(medianInterval(twenty)).toEqual({ lo: 6, hi: 15 });
  });

  it('a per-round quantity: the 95% interval from 6 rounds on, the whole range with its own confidence below', () => {
    expect(roundsInterval([])).toBeNull();
    expect(roundsInterval([1.5])).toBeNull();
    expect(roundsInterval([1.6, 1.5])).toEqual({ lo: 1.5, hi: 1.6, confidence: 0.5 });
    expect(roundsInterval([1.6, 1.4, 1.5, 1.7, 1.55])).toEqual({ lo: 1.4, hi: 1.7, confidence: 0.9375 });
    // From 6 rounds the order-statistic interval, which at 6 is still the whole range (96.9%).
    expect(roundsInterval([1.6, 1.4, 1.5, 1.7, 1.55, 1.45])).toEqual({ lo: 1.4, hi: 1.7, confidence: 0.95 });
    const ten = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    expect(roundsInterval(ten)).toEqual({ lo: 2, hi: 9, confidence: 0.95 });
  });

  it('Mann-Whitney exact p-values match scipy', () => {
    expect(mannWhitney([1, 2, 3], [4, 5, 6])).toMatchObject({ u: 0, exact: true });
    expect(mannWhitney([1, 2, 3], [4, 5, 6]).p).toBeCloseTo(0.1, 10);
    expect(mannWhitney([1, 3, 5, 7, 9], [2, 4, 6, 8, 10]).p).toBeCloseTo(0.6904761904761905, 10);
    const a = [10.346, 10.822, 10.33, 8.697, 10.905, 10.446, 9.463, 10.581, 10.365, 10.294, 10.028, 10.547];
    const b = [10.264, 10.837, 10.518, 11.599, 11.04, 10.708, 10.218, 10.743, 11.008, 10.724, 12.294, 12.007, 8.289, 9.111, 10.825];
    const t = mannWhitney(a, b);
    expect(t.u).toBe(53);
    expect(t.p).toBeCloseTo(0.07458953304962189, 8);
  });

  it('the exact distribution agrees with brute-force enumeration', () => {
    // Every way to give 4 of 9 distinct ranks to x: U = pairs with the x above the y.
    const m = 4;
    const n = 5;
    const splits: { x: number[]; y: number[]; u: number }[] = [];
    for (let mask = 0; mask < 1 << (m + n); mask++) {
      const x: number[] = [];
      const y: number[] = [];
      for (let r = 0; r < m + n; r++) (mask & (1 << r) ? x : y).push(r);
      if (x.length === m) splits.push({ x, y, u: x.reduce((s, xi) => s + y.filter((yi) => yi < xi).length, 0) });
    }
    for (const { x, y, u } of splits) {
      const below = splits.filter((s) => s.u <= u).length / splits.length;
      const above = splits.filter((s) => s.u >= u).length / splits.length;
      const t = mannWhitney(x, y);
      expect(t.u).toBe(u);
      expect(t.p).toBeCloseTo(Math.min(1, 2 * Math.min(below, above)), 12);
    }
  });

  it('Mann-Whitney with ties, up to 25 values in all, uses the exact distribution given the ties (as scipy permutation_test)', () => {
    // Four round medians a side: the normal approximation read 0.047, significant.
    expect(mannWhitney([0, 0, 0, 1], [1, 1, 2, 2])).toEqual({ u: 1, p: 6 / 70, exact: true });
    expect(mannWhitney([1, 2, 2, 3, 3, 3], [2, 3, 4, 5, 5, 6, 7]).p).toBeCloseTo(0.02564102564102564, 12);
    // Against every way of splitting the pooled values, on samples drawn from few values (many ties,
    // some all at one end, where the distribution is lopsided).
    let state = 7;
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) % 4;
    for (let t = 0; t < 300; t++) {
      const x = Array.from({ length: 1 + (t % 6) }, next);
      const y = Array.from({ length: 1 + ((t >> 2) % 7) }, next);
      const pooled = [...x, ...y];
      const rank = (v: number) => (pooled.filter((w) => w < v).length * 2 + pooled.filter((w) => w === v).length + 1) / 2;
      const w = x.reduce((a, v) => a + rank(v), 0);
      let [below, above, all] = [0, 0, 0];
      for (let mask = 0; mask < 1 << pooled.length; mask++) {
        let [k, sum] = [0, 0];
        pooled.forEach((v, i) => { if (mask & (1 << i)) [k, sum] = [k + 1, sum + rank(v)]; });
        if (k !== x.length) continue;
        all++;
        if (sum <= w + 1e-9) below++;
        if (sum >= w - 1e-9) above++;
      }
      expect(mannWhitney(x, y).p, `${x} | ${y}`).toBeCloseTo(Math.min(1, (2 * Math.min(below, above)) / all), 12);
    }
  });

  it('Mann-Whitney with ties past 25 values, or large samples, uses the corrected normal approximation (as scipy asymptotic)', () => {
    const tied = mannWhitney([1, 2, 2, 3, 3, 3, 1, 2, 2, 3, 3, 3, 4], [2, 3, 4, 5, 5, 6, 7, 2, 3, 4, 5, 5, 6, 7]);
    expect(tied).toMatchObject({ u: 27, exact: false });
    expect(tied.p).toBeCloseTo(0.0016470975799419817, 8);
    const x = Array.from({ length: 55 }, (_, i) => i * 3);
    const y = Array.from({ length: 60 }, (_, i) => i * 3 + 31);
    const big = mannWhitney(x, y);
    expect(big).toMatchObject({ u: 990, exact: false });
    expect(big.p).toBeCloseTo(0.00022206810612559092, 6);
    expect(mannWhitney([1, 1, 1], [1, 1, 1]).p).toBe(1);
  });

  it('geometric mean, of many values too', () => {
    expect(geomean([1, 4, 16])).toBeCloseTo(4, 12);
    // A product of 320 times of 13 ms is past a double's range (compare's geomean read Infinity).
    expect(geomean(Array.from({ length: 320 }, (_, i) => (i % 2 === 0 ? 13 : 13 * 1.2)))).toBeCloseTo(13 * Math.sqrt(1.2), 10);
    expect(geomean(Array.from({ length: 400 }, () => 0.01))).toBeCloseTo(0.01, 14);
  });

  it('p-values read as the report prints them: three decimals, or p<0.001 below that', () => {
    expect([0.0004, 0.001, 0.25, 1].map(pValue)).toEqual(['p<0.001', 'p=0.001', 'p=0.250', 'p=1.000']);
    // Either side of 0.05, a fourth decimal: both would read 0.050, one significant and one not.
    expect([0.0495, 0.0504, 0.05].map(pValue)).toEqual(['p=0.0495', 'p=0.0504', 'p=0.050']);
  });
});

describe('compare', () => {
  afterEach(() => vi.restoreAllMocks());

  const base = sampleResults({ seqMs: 10, execMs: 6, samples: 12 });

  it('marks a difference that is not significant with ~ and computes the geomean', () => {
    const same = sampleResults({ seqMs: 10, execMs: 6, samples: 12, jitterSeed: 7 });
    const c = compare(base, same);
    expect(c.rows.length).toBe(base.runs.length);
    expect(c.rows.every((r) => !r.significant)).toBe(true);
    const text = formatComparison(c, 'base.json', 'new.json');
    expect(text).toMatch(/~ \(p=\d\.\d{3} n=12\+12\)/);
    expect(text).toMatch(/^geomean \(executor rows\) /m);
    expect(c.warnings).toEqual([]);
  });

  it('tests over the rounds\' medians where both files name each sample\'s round: drift between rounds is no regression', () => {
    // Every run: five rounds of 40 tight samples around each round's median, which drifts by ±3%.
    const withRounds = (doc: ResultsFile, medians: readonly number[], scale = (_r: ResultsFile['runs'][number]) => 1): ResultsFile => ({
      ...doc,
      runs: doc.runs.map((r) => {
        const samplesMs = medians.flatMap((m) => Array.from({ length: 40 }, (_, i) => m * scale(r) * (1 + 0.002 * (i / 40 - 0.5))));
        return { ...r, samplesMs, busy: samplesMs.map(() => false), rounds: samplesMs.map((_, i) => Math.floor(i / 40)) };
      }),
    });
    const drift = [10, 10.3, 9.7, 10.2, 9.8];
    const roundsBase = withRounds(base, drift);
    // 0.6% slower in every round: over 200 samples a side that is p < 0.001, over five rounds' medians it is drift.
    const c = compare(roundsBase, withRounds(base, drift, (r) => (r.role === 'executor' ? 1.006 : 1)));
    const row = c.rows.find((r) => r.executor === 'fake-parallel' && r.threads === 2)!;
    expect(row).toMatchObject({ unit: 'rounds', significant: false, base: { n: 5 }, next: { n: 5 } });
    expect(mannWhitney(roundsBase.runs[0]!.samplesMs, roundsBase.runs[0]!.samplesMs.map((v) => v * 1.006)).p).toBeLessThan(0.001);
    // Five rounds' range holds their median with probability 1 - 2 x 0.5^5: the cell says so, not "95%".
    expect(row.base.interval).toEqual({ lo: expect.closeTo(9.7, 1), hi: expect.closeTo(10.3, 1), confidence: 0.9375 });
    const text = formatComparison(c, 'base.json', 'new.json');
    expect(text).toMatch(/~ \(p=0\.690 5\+5 rounds\)/);
    expect(text).toMatch(/^p2p 100 acc × 1000 tx · fake-parallel @2 +10\.000 ± 3% \(94%\) +10\.06 ± 3% \(94%\) +~ /m);
    expect(text).toContain('median and 95% CI / range where the test counts rounds: over the rounds\' medians');
    expect(c.warnings).toEqual([]);
    // 8% slower in every round is a regression: p = 2/252 with five rounds a side.
    const slower = compare(roundsBase, withRounds(base, drift, (r) => (r.role === 'executor' ? 1.08 : 1)));
    expect(significantSlowdowns(slower, 5).map((r) => `${r.executor}@${r.threads}`)).toEqual(['fake-parallel@1', 'fake-parallel@2', 'fake-parallel@1', 'fake-parallel@2']);
    expect(formatComparison(slower, 'a', 'b')).toMatch(/\+8\.00% \(p=0\.008 5\+5 rounds\)/);
    // Three rounds a side can never reach p <= 0.05, so such rows are tested over samples, with a warning; so is a file without rounds beside one with them.
    const three = compare(withRounds(base, drift.slice(0, 3)), withRounds(base, drift.slice(0, 3), (r) => (r.role === 'executor' ? 1.08 : 1)));
    expect(three.rows.every((r) => r.unit === 'samples' && r.significant === !r.baseline)).toBe(true);
    expect(three.warnings).toEqual([expect.stringMatching(/^every row is tested over samples, not rounds \(a side has fewer than 4 rounds/)]);
    expect(compare(base, roundsBase).warnings).toEqual([expect.stringMatching(/^every row is tested over samples, not rounds/)]);
    // One run with too few rounds falls back alone, and the warning counts it.
    const short = withRounds(base, drift);
    short.runs[0] = withRounds({ ...base, runs: [base.runs[0]!] }, drift.slice(0, 2)).runs[0]!;
    const mixed = compare(roundsBase, short);
    expect(mixed.rows.filter((r) => r.unit === 'samples')).toHaveLength(1);
    expect(mixed.warnings).toContainEqual(expect.stringMatching(new RegExp(`^1 of ${mixed.rows.length} rows are tested over samples, not rounds`)));
    // Tested by rounds, a side's median is its rounds' median, so delta, interval and test agree.
    expect(row.base.median).toBeCloseTo(10, 3);
  });

  it('heads the interval column honestly and shows a lopsided interval as its two sides, with its confidence below 95%', () => {
    // Each run's rounds: one sample per round at the given medians.
    const byRounds = (medians: readonly number[]): ResultsFile => ({
      ...base,
      settings: { ...base.settings, rounds: medians.length },
      runs: base.runs.map((r) => ({ ...r, samplesMs: [...medians], busy: medians.map(() => false), rounds: medians.map((_, i) => i) })),
    });
    // Five rounds, one of them four times slower: the range runs from 4% below the median to 296% above it.
    const lopsided = [3.1, 3.15, 3.22, 3.3, 12.75];
    const five = compare(byRounds(lopsided), byRounds(lopsided));
    expect(five.rows[0]!.next.interval).toEqual({ lo: 3.1, hi: 12.75, confidence: 0.9375 });
    const text = formatComparison(five, 'a', 'b').split('\n');
    expect(text[1]).toMatch(/^ +median 95% CI \/ range +median 95% CI \/ range$/);
    expect(text[2]).toMatch(/ 3\.220 -4% \+296% \(94%\) +3\.220 -4% \+296% \(94%\) +~ /);
    expect(text.join('\n')).not.toContain('± 296%');
    expect(text).toContain('-x% +y%: an interval from x% below the median to y% above it, where the two sides differ');
    // Four rounds: 88%. Eight rounds: a 95% interval, whose confidence the header states; a symmetric one keeps its ±.
    expect(formatComparison(compare(byRounds([10, 10.2, 9.9, 10.1]), byRounds([10, 10.2, 9.9, 10.1])), 'a', 'b')).toMatch(/ 10\.05 ± 1% \(88%\) /);
    const eight = compare(byRounds([10, 10.1, 9.9, 10.2, 9.8, 10.3, 9.7, 10]), byRounds([10, 10.1, 9.9, 10.2, 9.8, 10.3, 9.7, 10]));
    expect(eight.rows[0]!.next.interval).toEqual({ lo: 9.7, hi: 10.3, confidence: 0.95 });
    expect(formatComparison(eight, 'a', 'b').split('\n')[2]).toMatch(/ 10\.00 ± 3% +10\.00 ± 3% +~ /);
  });

  it('reports a significant slowdown with its delta and flags it past the threshold', () => {
    const slower = sampleResults({ seqMs: 10, execMs: 9, samples: 12 });
    const c = compare(base, slower);
    const row = c.rows.find((r) => r.executor === 'fake-parallel' && r.threads === 2)!;
    expect(row.significant).toBe(true);
    expect(row.deltaPct).toBeGreaterThan(40);
    // The report's p formatting: below 0.001 it says so instead of printing a p of zero.
    expect(formatComparison(c, 'a', 'b')).toMatch(/\+\d+\.\d\d% \(p<0\.001 n=12\+12\)/);
    expect(formatComparison(c, 'a', 'b')).not.toContain('p=0.000');
    expect(significantSlowdowns(c, 10).map((r) => `${r.executor}@${r.threads}`)).toEqual(['fake-parallel@2', 'fake-parallel@2']);
    expect(significantSlowdowns(c, 60)).toEqual([]);
    expect(c.geomean!.deltaPct).toBeGreaterThan(0);
  });

  it('puts the predictions both files make side by side, with their ratio', () => {
    const withPredictions = (speedup: number): ResultsFile => {
      const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 12, simulated: true });
      doc.simulated.push({ workload: doc.workloads[0]!.id, executor: 'modular', threads: 64, speedup, model: 'm', modules: 128 });
      return doc;
    };
    const c = compare(withPredictions(4), withPredictions(6));
    const row = c.predictions.find((r) => r.name.endsWith('modular @64'))!;
    expect([row.base, row.next, row.ratio]).toEqual([4, 6, 1.5]);
    const text = formatComparison(c, 'old.json', 'new.json');
    expect(text).toMatch(/^simulated speedup\s+old\.json\s+new\.json\s+new \/ base$/m);
    expect(text).toMatch(/modular @64\s+4\.00x\s+6\.00x\s+1\.50x$/m);
    // Files without predictions in common print no such table.
    expect(formatComparison(compare(base, base), 'a', 'b')).not.toContain('simulated speedup');
  });

  it('warns on too few samples and different machines', () => {
    const few = sampleResults({ seqMs: 10, execMs: 6, samples: 4, machine: 'other box' });
    const c = compare(base, { ...few, machine: { ...few.machine, effectiveCores: 16, cpuModel: 'Another CPU' } });
    expect(c.warnings.join('\n')).toMatch(/fewer than 10 samples/);
    expect(c.warnings.join('\n')).toMatch(/different machines: base ran on "[^"]+", new on "other box" \(CPU .* -> Another CPU .*; effective cores \d+ -> 16\); differences include the hardware/);
    expect(formatComparison(c, 'a', 'b')).toMatch(/± ∞ ¹/);
  });

  it('warns where too few values a side let no difference be significant, so the gate cannot fire there', () => {
    const three = (execMs: number) => sampleResults({ seqMs: 10, execMs, samples: 3 });
    const c = compare(three(6), three(9));
    expect(significantSlowdowns(c, 5)).toEqual([]);
    expect(c.warnings.join('\n')).toMatch(/^\d+ of \d+ rows have too few values a side for any difference to be significant \(3 samples against 3: p >= 0\.1, above 0\.05\): no regression can be found on them; bench records 4 rounds or more: .*fake-parallel @2/m);
    expect(compare(base, sampleResults({ seqMs: 10, execMs: 9, samples: 12 })).warnings.join('\n')).not.toMatch(/too few values a side/);
  });

  it('tells machines apart by what was recorded of them, not by their label (bench --label)', () => {
    const relabelled = { ...base, machine: { ...base.machine, label: 'box A' } };
    expect(compare(base, relabelled).warnings.join('\n')).not.toMatch(/different machines/);
    const otherNode = { ...base, machine: { ...base.machine, node: '99.0.0' } };
    expect(compare(base, otherNode).warnings.join('\n')).toMatch(/different machines: .*\(Node [^ ]+ -> 99\.0\.0\)/);
  });

  it('aligns medians, intervals and tests in their columns whatever a row\'s footnote or delta', async () => {
    const slower = sampleResults({ seqMs: 10, execMs: 9, samples: 12 });
    // One run with too few samples for an interval: its cell reads "± ∞ ¹", the others "± 2%" or, lopsided, "-2% +3%".
    const few: ResultsFile = { ...slower, runs: slower.runs.map((r, i) => (i === 1 ? { ...r, samplesMs: r.samplesMs.slice(0, 4), busy: r.busy.slice(0, 4) } : r)) };
    const lines = formatComparison(compare(base, few), 'base-results.json', 'new-results.json').split('\n');
    const [header, sub] = lines;
    const body = lines.slice(2, lines.findIndex((l) => l.startsWith('geomean')));
    const geo = lines.find((l) => l.startsWith('geomean'))!;
    expect(body.some((l) => l.includes('± ∞ ¹')) && body.some((l) => /(± \d+%|-\d+% \+\d+%)\s+~/.test(l))).toBe(true);
    const pm = (l: string) => [l.indexOf('95% CI'), l.lastIndexOf('95% CI')];
    for (const l of body) expect(pm(sub!).map((i) => l[i])).toEqual([expect.stringMatching(/[±-]/), expect.stringMatching(/[±-]/)]);
    expect(body.some((l) => l.includes('(p<0.001')) && body.some((l) => l.includes('(p=1.000'))).toBe(true);
    for (const l of body) expect(l.indexOf('(p')).toBe(body[0]!.indexOf('(p'));
    // File names start their columns, over the medians, which end where the geomeans do.
    expect(header!.indexOf('base-results.json')).toBe(sub!.indexOf('median'));
    expect(header!.indexOf('new-results.json')).toBe(sub!.lastIndexOf('median'));
    const [b, n] = pm(sub!);
    expect(geo.slice(b! - 3, b!)).toMatch(/\d $/);
    expect(geo.slice(n! - 3, n!)).toMatch(/\d $/);
    expect(header!.indexOf('vs base')).toBeLessThan(body[0]!.indexOf('(p'));
  });

  it('warns when the two files ran the executors with different settings, and says how they are shown', () => {
    const next: ResultsFile = { ...base, settings: { ...base.settings, modules: 4, partition: 'range' } };
    expect(compare(base, next).warnings).toContain('different executor settings: base ran with the defaults, new with --modules 4 --partition range (settings.modules none given -> 4; settings.partition none given -> range); differences include them');
    expect(compare(base, base).warnings.join('\n')).not.toMatch(/executor settings/);
    expect(renderMarkdown(merge([{ file: 'n.json', doc: next }]), [])).toMatch(/^Sources: `n\.json` .*, --modules 4 --partition range; Concord .*\)\.$/m);
  });

  /** The base results and `next` as two files. */
  function resultFiles(next: object, first: object = base): { a: string; b: string } {
    const dir = mkdtempSync(join(tmpdir(), 'concord-compare-'));
    const a = join(dir, 'base.json');
    const b = join(dir, 'new.json');
    writeFileSync(a, JSON.stringify(first));
    writeFileSync(b, JSON.stringify(next));
    return { a, b };
  }

  it('concord compare exits 0, or 1 with --fail-on-regression when a row is significantly slower', async () => {
    const { a, b } = resultFiles(withRounds(sampleResults({ seqMs: 10, execMs: 9, samples: 12 }), 4), withRounds(base, 4));
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await compareCommand({ base: a, next: b })).toBe(0);
    expect(await compareCommand({ base: a, next: b, failOnRegression: '10' })).toBe(1);
    expect(await compareCommand({ base: a, next: b, failOnRegression: '80' })).toBe(0);
    expect(out.mock.calls.map((c) => String(c[0])).join('')).toMatch(/regression: .*fake-parallel/);
  });

  it('concord compare exits 2 when the files have no run in common, with the gate or without', async () => {
    const { a, b } = resultFiles({ ...base, runs: [] });
    let stdout = '';
    let stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
    for (const o of [{ failOnRegression: '5' }, { json: true }, {}]) {
      expect(await guard('compare', () => compareCommand({ base: a, next: b, ...o }))).toBe(2);
    }
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual(Array(3).fill(`concord compare: ${a} (8 runs) and ${b} (0 runs) have no run in common (same workload, executor and thread count): nothing to compare`));
  });

  it('concord compare exits 2 when the files share only the sequential baseline\'s runs', async () => {
    const { a, b } = resultFiles({ ...base, runs: base.runs.filter((r) => r.role === 'baseline') });
    let stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
    for (const o of [{ failOnRegression: '5' }, {}]) {
      expect(await guard('compare', () => compareCommand({ base: a, next: b, ...o }))).toBe(2);
    }
    expect(stderr.trim().split('\n')).toEqual(Array(2).fill(`concord compare: ${a} (8 runs) and ${b} (4 runs) have only the sequential baseline's runs in common, no executor's (same workload, executor and thread count): nothing to compare`));
  });

  it('marks runs that did not match the reference; one in the new file, or a failure there, fails compare with or without the gate', async () => {
    // The new file's fake-parallel @2 on p2p runs twice as fast, and wrongly.
    const wrong = structuredClone(base);
    const run = wrong.runs.find((r) => r.executor === 'fake-parallel' && r.threads === 2)!;
    Object.assign(run, { correct: false, samplesMs: run.samplesMs.map((ms) => ms / 2) });
    const c = compare(base, wrong);
    const row = c.rows.find((r) => r.workload === run.workload && r.executor === 'fake-parallel' && r.threads === 2)!;
    expect([row.base.correct, row.next.correct, c.rows.filter((r) => !r.next.correct).length]).toEqual([true, false, 1]);
    expect(c.broken).toEqual(['p2p 100 acc × 1000 tx · fake-parallel @2: did not match the reference result']);
    const text = formatComparison(c, 'a', 'b');
    expect(text).toMatch(/^p2p 100 acc × 1000 tx · fake-parallel @2 +[\d.]+ (± \d+%|-\d+% \+\d+%) +[\d.]+ (± \d+%|-\d+% \+\d+%) ✗ +-\d+\.\d\d% /m);
    expect(text.split('\n').filter((l) => l.includes('✗'))).toHaveLength(3);
    expect(text).toContain('\n✗ the run did not match the reference result: its time is not that of a correct execution, so its row is left out of the geomean and never counts as a regression\n');
    expect(text).toContain('\ngeomean: over the 3 executor rows whose runs matched the reference on both sides; 1 row marked ✗ left out\n');
    // A wrong run in base only is marked, and fails nothing.
    const back = compare(wrong, base);
    expect([back.rows.filter((r) => !r.base.correct).length, back.broken]).toEqual([1, []]);

    const failed = structuredClone(base);
    // At 1 thread, where no pool of it started (the fixture's start-up record is at 2).
    failed.failures = [{ executor: 'fake-parallel', threads: 1, workload: null, message: 'no workers' }, { executor: 'fake-parallel', threads: 2, workload: base.workloads[1]!.id, message: 'threw' }];
    expect(compare(base, failed).broken).toEqual(['fake-parallel @1: failed to start: no workers', 'token 100 acc × 1000 tx · fake-parallel @2: failed: threw']);

    let stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
    const { a, b } = resultFiles(wrong);
    expect(await compareCommand({ base: a, next: b })).toBe(1);
    expect(stdout).toContain(`\nbroken: ${b}: p2p 100 acc × 1000 tx · fake-parallel @2: did not match the reference result\n`);
    expect(await compareCommand({ base: a, next: b, failOnRegression: '50' })).toBe(1);
    stdout = '';
    expect(await compareCommand({ base: a, next: b, json: true })).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, broken: c.broken, regressions: [] });
    const f = resultFiles(failed);
    expect(await compareCommand({ base: f.a, next: f.b })).toBe(1);
    // The same files the other way round: the wrong run is base's, and compare passes.
    expect(await compareCommand({ base: b, next: a })).toBe(0);
  });

  it('warns when a run fell back to the sequential executor in a different share of blocks, and names baselines only in new', () => {
    const next = structuredClone(base);
    const run = (doc: ResultsFile) => doc.runs.find((r) => r.executor === 'fake-parallel' && r.threads === 2)!;
    Object.assign(run(next), { fallback: 'contention', fallbackShare: 8 / 19 });
    // Absent from base: unknown, not a difference.
    expect(compare(base, next).warnings.join('\n')).not.toMatch(/share/);
    const shared = structuredClone(base);
    run(shared).fallbackShare = 0;
    expect(compare(shared, next).warnings).toContain('these runs fell back to the sequential executor on a different share of their blocks: p2p 100 acc × 1000 tx · fake-parallel @2 (base 0%, new 42.1%); such rows compare partly different code');
    const fewer = { ...base, runs: base.runs.filter((r) => r.threads === 1) };
    expect(compare(fewer, base).warnings).toContain('only in new: p2p 100 acc × 1000 tx · sequential (baseline) @2; p2p 100 acc × 1000 tx · fake-parallel @2; token 100 acc × 1000 tx · sequential (baseline) @2; token 100 acc × 1000 tx · fake-parallel @2');
    expect(compare(base, fewer).warnings).toContain('only in base: p2p 100 acc × 1000 tx · sequential (baseline) @2; p2p 100 acc × 1000 tx · fake-parallel @2; token 100 acc × 1000 tx · sequential (baseline) @2; token 100 acc × 1000 tx · fake-parallel @2');
  });

  it('concord compare --json says ok exactly when the gate passes', async () => {
    const { a, b } = resultFiles(withRounds(sampleResults({ seqMs: 10, execMs: 9, samples: 12 }), 4), withRounds(base, 4));
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await compareCommand({ base: a, next: b, json: true, failOnRegression: '10' })).toBe(1);
    expect(await compareCommand({ base: a, next: b, json: true })).toBe(0);
    const [gated, plain] = out.mock.calls.map((c) => JSON.parse(String(c[0])));
    expect(gated).toMatchObject({ ok: false, regressions: [expect.stringMatching(/fake-parallel @2/), expect.stringMatching(/fake-parallel @2/)] });
    expect(plain).toMatchObject({ ok: true, regressions: [] });
  });
});
