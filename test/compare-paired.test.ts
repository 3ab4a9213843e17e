// `concord compare RUN.json --base-executor A --new-executor B`: two builds timed in the same bench
// rounds, judged round by round. On synthetic rounds whose speed swings from round to round as a
// shared runner's does, it catches a planted slowdown the two builds share every round with, passes
// a same-build pair, and refuses what it cannot judge (exit 2, saying what and where).
import { describe, expect, it } from 'vitest';
import { comparePaired, MIN_PAIRED_ROUNDS } from '../reports/compare-paired.js';
import type { ResultsFile } from '../reports/schema.js';
import { pairedRatioLowerBound } from '../reports/stats.js';
import { sampleResults } from './report-fixture.js';
import { compareArgs } from './compare-run.js';

/** A machine whose speed swings up to 5x from round to round: what both builds in a round share. */
const swings = [10, 31, 12, 50, 11, 26, 14, 40];
/** Each build's own jitter in a round, within 4%. */
const jitter = [1.01, 0.98, 1.03, 0.99, 1.02, 0.97, 1.0, 1.04];

/**
 * One bench run that timed `base-build` and `new-build` in the same rounds: one sample a round (so a
 * sample is its round's median), base's `base`, new's `next`, the baseline's `base` too.
 */
function run(base: readonly number[], next: readonly number[]): ResultsFile {
  const doc = structuredClone(sampleResults({ seqMs: 10, execMs: 6, samples: 6 }));
  doc.settings.rounds = base.length;
  doc.settings.executors = ['base-build', 'new-build'];
  const runs = doc.runs.flatMap((r) => (r.role === 'baseline' ? [r] : [{ ...r, executor: 'base-build' }, { ...r, executor: 'new-build' }]));
  for (const r of runs) {
    r.samplesMs = [...(r.executor === 'new-build' ? next : base)];
    r.busy = r.samplesMs.map(() => false);
    r.rounds = r.samplesMs.map((_, i) => i);
  }
  doc.runs = runs;
  doc.startup = doc.startup.flatMap((s) => [{ ...s, executor: 'base-build' }, { ...s, executor: 'new-build' }]);
  return doc;
}

const times = (xs: readonly number[], k: readonly number[] | number) => xs.map((v, i) => v * (typeof k === 'number' ? k : k[i]!));
const builds = { files: ['run'], baseExecutor: 'base-build', newExecutor: 'new-build' };

describe('compare RUN.json --base-executor --new-executor', () => {
  it('catches a planted 20% slowdown round by round on a machine whose rounds swing 5x, stating the lower bound it found', async () => {
    const doc = run(swings, times(times(swings, 1.2), jitter));
    const ratios = times(times(swings, 1.2), jitter).map((v, i) => v / swings[i]!);
    const bound = pairedRatioLowerBound(ratios.map(() => 1), ratios, 0.025)!;
    expect(bound).toBeGreaterThan(1.1);
    const r = await compareArgs({ run: doc }, { ...builds, failOnRegression: '10' });
    expect([r.code, r.stderr]).toEqual([1, '']);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('regression: '));
    expect(lines).toHaveLength(4);
    for (const l of lines) {
      expect(l).toMatch(new RegExp(`^regression: .* · base-build → new-build @[12]: 20\\.\\d\\d% slower round by round, at least ${((bound - 1) * 100).toFixed(2)}% by its 95% interval \\(one-sided p=0\\.\\d{3} against its being 10% slower or less\\), above 10%$`));
    }
    expect(r.stdout).toMatch(/^p2p 100 acc × 1000 tx · base-build → new-build @1 .* \+20\.\d\d% \(p=0\.008 8 rounds paired\)$/m);
  });

  it('passes the same build against itself in the same rounds, where two files of it would differ by the machine alone', async () => {
    const r = await compareArgs({ run: run(swings, times(swings, jitter)) }, { ...builds, failOnRegression: '10' });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).not.toMatch(/^regression: /m);
    expect(r.stdout).toMatch(/^p2p 100 acc × 1000 tx · base-build → new-build @1 .* ~ \(p=\d\.\d{3} 8 rounds paired\)$/m);
  });

  it('prints one JSON object whose ok matches the exit code, in the two-file gate\'s shape where it can', async () => {
    const r = await compareArgs({ run: run(swings, times(swings, 1.5)) }, { ...builds, failOnRegression: '10', json: true });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as Record<string, unknown> & { rows: Record<string, unknown>[]; regressions: string[]; gate: unknown };
    expect(Object.keys(out).sort()).toEqual(['baseExecutor', 'broken', 'file', 'gate', 'newExecutor', 'ok', 'regressions', 'rows', 'unmatched', 'warnings']);
    expect(out).toMatchObject({ ok: false, file: 'DIR/run.json', baseExecutor: 'base-build', newExecutor: 'new-build', broken: [], unmatched: [], gate: { threshold: 10, by: 'paired rounds' } });
    expect(out.regressions).toHaveLength(4);
    expect(Object.keys(out.rows[0]!).sort()).toEqual(['base', 'deltaPct', 'name', 'next', 'p', 'rounds', 'significant', 'threads', 'workload']);
    expect(out.rows[0]).toMatchObject({ rounds: 8, significant: true });
    expect(out.rows[0]!.deltaPct).toBeCloseTo(50, 9);
    const passed = JSON.parse((await compareArgs({ run: run(swings, swings) }, { ...builds, failOnRegression: '10', json: true })).stdout) as { ok: boolean };
    expect(passed.ok).toBe(true);
  });

  it('fails a run of one build at a workload and thread count the other lacks, and a broken run of either', async () => {
    const lacking = run(swings, swings);
    lacking.runs = lacking.runs.filter((r) => !(r.executor === 'new-build' && r.threads === 2));
    const r = await compareArgs({ run: lacking }, { ...builds, failOnRegression: '10' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^unmatched: p2p 100 acc × 1000 tx · base-build @2: the new build new-build has no run at its workload and thread count, so nothing was compared with it$/m);
    // Without the gate nothing fails, but the run compared with nothing is said.
    const table = await compareArgs({ run: lacking }, builds);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^warning: ran by one build only, so compared with nothing: p2p 100 acc × 1000 tx · base-build @2 \(base-build only\)/m);
    const wrong = run(swings, swings);
    wrong.runs.find((x) => x.executor === 'new-build')!.correct = false;
    const w = await compareArgs({ run: wrong }, builds);
    expect(w.code).toBe(1);
    expect(w.stdout).toMatch(/^broken: DIR\/run\.json: p2p 100 acc × 1000 tx · new-build @1: did not match the reference result$/m);
  });

  it('refuses, exit 2 with what and where, an executor the file did not run, the baseline, one build named twice and a row with too few rounds', async () => {
    const doc = run(swings, swings);
    const refused = async (args: Parameters<typeof compareArgs>[1], docs: Record<string, ResultsFile> = { run: doc }) => {
      const r = await compareArgs(docs, args);
      expect([r.code, r.stdout]).toEqual([2, '']);
      return r.stderr;
    };
    expect(await refused({ ...builds, newExecutor: 'nope' })).toBe('concord compare: --new-executor nope: DIR/run.json ran no executor so named; it ran base-build, new-build\n');
    expect(await refused({ ...builds, baseExecutor: 'sequential' })).toMatch(/^concord compare: --base-executor sequential: DIR\/run\.json ran no executor so named \(it is the file's baseline, .*\); it ran base-build, new-build\n$/);
    expect(await refused({ ...builds, newExecutor: 'base-build' })).toMatch(/^concord compare: --base-executor and --new-executor both name base-build: /);
    expect(MIN_PAIRED_ROUNDS).toBe(6);
    const five = run(swings.slice(0, 5), times(swings.slice(0, 5), 2));
    expect(await refused({ ...builds, failOnRegression: '10' }, { run: five }))
      .toMatch(/^concord compare: --fail-on-regression over paired rounds cannot judge 4 rows with fewer than 6 rounds timing both builds: p2p 100 acc × 1000 tx · base-build → new-build @1 \(5 rounds timed both builds\);.* rerun bench with --rounds 6 or more\n$/);
    // Without the gate the same file's table is read.
    expect((await compareArgs({ run: five }, builds)).code).toBe(0);
    expect(await refused({ ...builds, failOnRegression: '10', relative: true })).toMatch(/^concord compare: --relative does not apply to --base-executor and --new-executor/);
    expect(await refused({ ...builds, failOnRegression: '10', only: 'new-build' })).toMatch(/^concord compare: --only does not apply to --base-executor and --new-executor: the gate judges those two builds alone/);
    expect(await refused({ files: ['run'], baseExecutor: 'base-build' })).toMatch(/^concord compare: --base-executor needs --new-executor: /);
    expect(await refused({ ...builds, files: ['run', 'run2'] }, { run: doc, run2: doc })).toMatch(/^concord compare: --base-executor and --new-executor compare two builds in one results file: give exactly one file/);
  });

  it('pairs the builds\' rounds by round number, leaving out a round one of them lacks', () => {
    const doc = run(swings, times(swings, 2));
    const next = doc.runs.find((r) => r.executor === 'new-build' && r.threads === 1)!;
    // new-build's round 3 is lost: its other rounds still pair with base's of the same number.
    next.samplesMs = next.samplesMs.filter((_, i) => i !== 3);
    next.rounds = next.rounds!.filter((i) => i !== 3);
    next.busy = next.busy.slice(1);
    const row = comparePaired(doc, 'base-build', 'new-build').rows.find((r) => r.threads === 1 && r.workload === doc.workloads[0]!.id)!;
    expect(row.rounds).toBe(7);
    expect(row.deltaPct).toBeCloseTo(100, 9);
  });
});
