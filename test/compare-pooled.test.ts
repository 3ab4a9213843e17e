// `concord compare --base A1.json ... --new B1.json ...`: several bench runs a side, each run one
// value (its median block time), never their rounds pooled as if independent. On synthetic runs
// whose whole-run speed moves as a shared runner's does, it catches a planted slowdown, passes runs
// of one build, and refuses what it cannot judge (exit 2, saying what and where).
import { describe, expect, it } from 'vitest';
import { compare, MIN_ROUNDS } from '../reports/compare.js';
import { pool, runMedian } from '../reports/compare-pooled.js';
import type { ResultsFile } from '../reports/schema.js';
import { mannWhitneyGreater, median, ratioLowerBound } from '../reports/stats.js';
import { sampleResults } from './report-fixture.js';
import { compareArgs } from './compare-run.js';

/** Rounds within one run: tight, as a run's rounds share its machine state. */
const rounds = [1, 1.02, 0.99, 1.03, 0.98, 1.01];

/** One run, every executor round's median `ms` times `rounds`, the baseline's 10 ms times them. */
function run(ms: number): ResultsFile {
  const doc = structuredClone(sampleResults({ seqMs: 10, execMs: 6, samples: 6 }));
  doc.settings.rounds = rounds.length;
  for (const r of doc.runs) {
    r.samplesMs = rounds.map((k) => k * (r.role === 'baseline' ? 10 : ms));
    r.busy = r.samplesMs.map(() => false);
    r.rounds = r.samplesMs.map((_, i) => i);
  }
  return doc;
}

/** What a neighbour does to whole runs: each run's speed, apart from its build's. */
const machine = [1, 1.3, 0.95, 1.2, 1.1, 1.02, 1.25, 1.15];
const runs = (ms: number, from: number) => Object.fromEntries(machine.slice(from, from + 4).map((k, i) => [`${ms === 6 ? 'a' : 'b'}${from + i}`, run(ms * k)]));

describe('compare --base FILES --new FILES', () => {
  it('gives each run one value, its median block time, and tests those: a run\'s rounds count once', () => {
    const [a, b] = [Object.values(runs(6, 0)), Object.values(runs(9, 4))];
    const c = compare(pool(a.map((doc, i) => ({ file: `a${i}`, doc }))), pool(b.map((doc, i) => ({ file: `b${i}`, doc }))), { threshold: 10 });
    const row = c.rows.find((r) => !r.baseline && r.threads === 1 && r.workload === a[0]!.workloads[0]!.id)!;
    const values = (docs: ResultsFile[]) => docs.map((d) => runMedian(d.runs.find((r) => r.workload === row.workload && r.executor === row.executor && r.threads === 1)!));
    expect(row.base.n).toBe(4);
    expect(row.base.median).toBeCloseTo(median(values(a)), 12);
    expect(row.p).toBeGreaterThan(0);
    const g = c.gate!.regressions.find((r) => r.row === row)!;
    expect(g.atLeastPct).toBeCloseTo((ratioLowerBound(values(a), values(b), 0.025)! - 1) * 100, 9);
    expect(g.p).toBeCloseTo(mannWhitneyGreater(values(a).map((v) => v * 1.1), values(b)), 12);
  });

  it('catches a planted 50% slowdown over four runs a side whose speed moved up to 1.37x run to run, with the two-file gate\'s lines', async () => {
    const [a, b] = [runs(6, 0), runs(9, 4)];
    const r = await compareArgs({ ...a, ...b }, { files: [], base: Object.keys(a), new: Object.keys(b), failOnRegression: '10' });
    expect([r.code, r.stderr]).toEqual([1, '']);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('regression: '))).toHaveLength(4);
    expect(r.stdout).toMatch(/^regression: p2p 100 acc × 1000 tx · fake-parallel @1: \d+\.\d\d% slower, at least \d+\.\d\d% by its 95% interval \(one-sided p=0\.014 against its being 10% slower or less\), above 10%/m);
    expect(r.stdout).toMatch(/^p2p 100 acc × 1000 tx · fake-parallel @1 .* \(p=0\.\d{3} 4\+4 runs\)$/m);
    expect(r.stdout).toMatch(/^pooled: each run \(results file\) is one value a side/m);
  });

  it('passes four runs of one build against four more, which one run a side can fail by the machine alone', async () => {
    const [a, b] = [runs(6, 0), Object.fromEntries(Object.entries(runs(6, 4)).map(([k, v]) => [k.replace('a', 'c'), v]))];
    const r = await compareArgs({ ...a, ...b }, { files: [], base: Object.keys(a), new: Object.keys(b), failOnRegression: '10' });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).not.toMatch(/^regression: /m);
    // One run a side, a slow one against a fast one, differs by the machine's 1.37x alone.
    const one = await compareArgs({ x: run(6 * 0.95), y: run(6 * 1.3) }, { files: ['x', 'y'], failOnRegression: '10' });
    expect(one.code).toBe(1);
  });

  it('pools a new build benched over its own baseline, as two files may differ in theirs, and counts runs, not rounds, where there are too few', async () => {
    const [a, b] = [runs(6, 0), runs(9, 4)];
    for (const doc of Object.values(b)) {
      doc.settings.baseline = 'exec:./new/engine --sequential';
      for (const r of doc.runs) if (r.role === 'baseline') r.executor = doc.settings.baseline;
    }
    const r = await compareArgs({ ...a, ...b }, { files: [], base: Object.keys(a), new: Object.keys(b), failOnRegression: '10' });
    expect([r.code, r.stderr]).toEqual([1, '']);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('regression: '))).toHaveLength(4);
    const two = await compareArgs({ ...a, ...b }, { files: [], base: Object.keys(a).slice(0, 2), new: Object.keys(b).slice(0, 2) });
    expect(two.code).toBe(0);
    expect(two.stdout).toMatch(/^warning: 4 of 4 rows have too few values a side for any difference to be significant \(2 runs against 2: .*give --base and --new 4 results files or more each/m);
    expect(two.stdout).not.toMatch(/tested over samples|samples on a side|bench records/);
  });

  it('prints the two-file gate\'s JSON, with each side\'s files under pooled and broken runs named by their file', async () => {
    const [a, b] = [runs(6, 0), runs(6, 4)];
    const wrong = Object.keys(b)[2]!;
    b[wrong]!.runs.find((x) => x.role === 'executor')!.correct = false;
    const r = await compareArgs({ ...a, ...b }, { files: [], base: Object.keys(a), new: Object.keys(b), failOnRegression: '10', json: true });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual(['broken', 'gate', 'geomean', 'ok', 'pooled', 'predictions', 'regressions', 'rows', 'unmatched', 'warnings']);
    expect(out).toMatchObject({
      ok: false, pooled: { base: Object.keys(a).map((k) => `DIR/${k}.json`), new: Object.keys(b).map((k) => `DIR/${k}.json`) },
      broken: [`DIR/${wrong}.json: p2p 100 acc × 1000 tx · fake-parallel @1: did not match the reference result`], gate: { threshold: 10, by: 'block time', only: null },
    });
  });

  it('refuses, exit 2 with what and where, fewer runs than the test needs, files benched otherwise, a file given twice and half a pool', async () => {
    const [a, b] = [runs(6, 0), runs(9, 4)];
    const refused = async (docs: Record<string, ResultsFile>, args: Parameters<typeof compareArgs>[1]) => {
      const r = await compareArgs(docs, args);
      expect([r.code, r.stdout]).toEqual([2, '']);
      return r.stderr;
    };
    const three = [Object.keys(a).slice(0, 3), Object.keys(b).slice(0, 3)] as const;
    expect(MIN_ROUNDS).toBe(4);
    expect(await refused({ ...a, ...b }, { files: [], base: three[0], new: three[1], failOnRegression: '10' }))
      .toMatch(/^concord compare: --fail-on-regression over pooled runs cannot judge 4 rows with fewer than 4 runs a side: .* \(base: 3 runs, new: 3 runs\); .* give --base and --new 4 results files or more each/);
    // Without the gate the table of three a side is read.
    expect((await compareArgs({ ...a, ...b }, { files: [], base: three[0], new: three[1] })).code).toBe(0);
    const full = structuredClone(b[Object.keys(b)[1]!]!);
    full.settings.quick = false;
    full.settings.roundMs = 250;
    expect(await refused({ ...a, ...b, full }, { files: [], base: Object.keys(a), new: [...Object.keys(b), 'full'] }))
      .toBe(`concord compare: cannot pool --new's runs benched otherwise: DIR/b4.json is a --quick run with 6 rounds of 40 ms over the baseline sequential, but DIR/full.json (a full run with 6 rounds of 250 ms); a run's block time moves with its round length, baseline and executor settings, so rerun bench alike for every file of a side\n`);
    expect(await refused({ ...a, ...b }, { files: [], base: Object.keys(a), new: [...Object.keys(b).slice(0, 3), 'a0'] }))
      .toBe('concord compare: DIR/a0.json: given twice: a pool counts each run once, so give each run\'s file once\n');
    expect(await refused(a, { files: [], base: Object.keys(a) })).toMatch(/^concord compare: --base needs --new: /);
    expect(await refused(a, { files: ['a0'], base: ['a1'], new: ['a2'] })).toMatch(/^concord compare: DIR\/a0\.json: with --base and --new, give every file after one of them/);
    expect(await refused(a, { files: ['a0'] })).toMatch(/^concord compare: compare takes two results files, not 1 \(concord compare BASE\.json NEW\.json, /);
  });
});
