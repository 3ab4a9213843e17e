// `concord compare --fail-on-regression`: the gate judges rows over round medians only (fewer than
// MIN_ROUNDS rounds a side is an input error, exit 2, unless NEW is broken); --relative judges each
// executor against the baseline timed in the same rounds, so a machine that slowed between the
// files fails nothing; an absolute regression whose baseline moved too says so and points at
// --relative; an executor's run in one file only fails the gate (a renamed exec: engine among
// them); --only narrows all of it to the executors named.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compare, formatComparison } from '../reports/compare.js';
import type { ResultsFile } from '../reports/schema.js';
import { sampleResults, withRounds } from './report-fixture.js';
import { compareFiles } from './compare-run.js';

const plain = sampleResults({ seqMs: 10, execMs: 6, samples: 12 });
const base = withRounds(plain, 4);

/** `doc` with the baseline's samples scaled by `baseline` and the executors' by `exec`: a machine, or an executor, that got slower. */
function scaled(doc: ResultsFile, baseline: number, exec = baseline, only?: string): ResultsFile {
  const out = structuredClone(doc);
  for (const r of out.runs) {
    if (r.role === 'executor' && only !== undefined && r.executor !== only) continue;
    r.samplesMs = r.samplesMs.map((ms) => ms * (r.role === 'baseline' ? baseline : exec));
  }
  return out;
}

/** `doc` with its executor fake-parallel named `name` instead (an exec: engine given by another path, say). */
function renamed(doc: ResultsFile, name: string): ResultsFile {
  const out = structuredClone(doc);
  out.settings.executors = out.settings.executors.map((e) => (e === 'fake-parallel' ? name : e));
  for (const r of [...out.runs, ...out.startup]) if (r.executor === 'fake-parallel') r.executor = name;
  return out;
}

/** `doc` with a second executor, `name`, timed as fake-parallel was. */
function withSecond(doc: ResultsFile, name: string): ResultsFile {
  const out = structuredClone(doc);
  out.settings.executors = [...out.settings.executors, name];
  out.runs.push(...out.runs.filter((r) => r.executor === 'fake-parallel').map((r) => ({ ...r, executor: name })));
  out.startup.push(...out.startup.map((s) => ({ ...s, executor: name })));
  return out;
}


describe('the gate and its rounds', () => {
  afterEach(() => vi.restoreAllMocks());

  it('refuses to judge a row with fewer than 4 rounds a side (exit 2), naming the rows and why, and judges from 4', async () => {
    const slower = scaled(plain, 1, 1.5);
    const old = await compareFiles(plain, slower, { failOnRegression: '10' });
    expect(old.code).toBe(2);
    expect(old.stdout).toBe('');
    expect(old.stderr).toBe('concord compare: --fail-on-regression cannot judge 4 rows with fewer than 4 rounds a side: they would be tested over samples, '
      + 'which share their round\'s machine state, so one noisy round reads as a significant change: p2p 100 acc × 1000 tx · fake-parallel @1, p2p 100 acc × 1000 tx · fake-parallel @2, '
      + 'token 100 acc × 1000 tx · fake-parallel @1, token 100 acc × 1000 tx · fake-parallel @2 (base: no rounds named, new: no rounds named); '
      + 'rerun bench with --rounds 4 or more (the default is 5, --quick\'s 4), or compare without the gate to read the table\n');
    const three = await compareFiles(withRounds(plain, 3), withRounds(slower, 4), { failOnRegression: '10' });
    expect(three.code).toBe(2);
    expect(three.stderr).toMatch(/^concord compare: --fail-on-regression cannot judge 4 rows .*\(base: 3 rounds, new: 4 rounds\); rerun bench/);
    // Without the gate the table is still there to read.
    expect((await compareFiles(plain, slower)).code).toBe(0);
    const judged = await compareFiles(base, withRounds(slower, 4), { failOnRegression: '10' });
    expect(judged.code).toBe(1);
    expect(judged.stdout).toMatch(/^regression: p2p 100 acc × 1000 tx · fake-parallel @1: 50\.\d\d% slower, at least 4\d\.\d\d% by its 95% interval \(one-sided p=0\.014 against its being 10% slower or less\), above 10%$/m);
  });

  it('fails a broken NEW as broken (exit 1) even where it cannot judge the rest', async () => {
    const wrong = structuredClone(plain);
    wrong.runs.find((r) => r.role === 'executor')!.correct = false;
    const r = await compareFiles(plain, wrong, { failOnRegression: '10' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^broken: DIR\/new\.json: p2p 100 acc × 1000 tx · fake-parallel @1: did not match the reference result$/m);
    expect(r.stderr).toMatch(/^concord compare: --fail-on-regression cannot judge 3 rows .*; DIR\/new\.json is broken \(below\)$/m);
  });
});

describe('--relative', () => {
  afterEach(() => vi.restoreAllMocks());

  // The user's night: unchanged code on a machine that ran 50% slower throughout.
  const slowMachine = scaled(base, 1.5);

  it('an absolute regression whose baseline moved too says so, with the row against the baseline, and points at --relative', async () => {
    const r = await compareFiles(base, slowMachine, { failOnRegression: '10' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp('^regression: p2p 100 acc × 1000 tx · fake-parallel @2: 50\\.\\d\\d% slower, at least 4\\d\\.\\d\\d% by its 95% interval \\(one-sided p=0\\.014 against its being 10% slower or less\\), above 10%; '
      + 'the baseline moved too \\(p2p 100 acc × 1000 tx · sequential \\(baseline\\) @2 \\+50\\.\\d\\d%, p=0\\.029\\): the machine may have, so this includes its move; '
      + 'against it, round by round, this row is unchanged \\(p=0\\.\\d{3}\\); --relative judges each row against the baseline timed in the same rounds$', 'm'));
  });

  it('judges each executor against the baseline timed in the same rounds: a slower machine passes, a slower executor fails', async () => {
    const passed = await compareFiles(base, slowMachine, { failOnRegression: '10', relative: true });
    expect(passed.code).toBe(0);
    expect(passed.stdout).not.toMatch(/^regression:/m);
    // The second table: each executor's time over the baseline's, per round, unchanged.
    expect(passed.stdout).toMatch(/^time \/ baseline's, per round +DIR\/base\.json +DIR\/new\.json +vs base$/m);
    expect(passed.stdout).toMatch(/^p2p 100 acc × 1000 tx · fake-parallel @2 +0\.\d{3} .* ~ \(p=0\.\d{3} 4\+4 rounds\)$/m);
    const json = JSON.parse((await compareFiles(base, slowMachine, { failOnRegression: '10', relative: true, json: true })).stdout);
    expect(json).toMatchObject({ ok: true, regressions: [], unmatched: [], gate: { threshold: 10, by: 'relative', only: null } });
    const row = json.rows.find((r: { name: string }) => r.name === 'p2p 100 acc × 1000 tx · fake-parallel @2');
    expect(row.deltaPct).toBeCloseTo(50, 0);
    expect(row.relative.deltaPct).toBeCloseTo(0, 6);
    expect(json.rows.find((r: { baseline: boolean }) => r.baseline).relative).toBeNull();
    // The executor 50% slower beside the same baseline: the ratio moves as much.
    const slowed = await compareFiles(base, scaled(base, 1, 1.5), { failOnRegression: '10', relative: true });
    expect(slowed.code).toBe(1);
    expect(slowed.stdout).toMatch(/^regression: p2p 100 acc × 1000 tx · fake-parallel @2: 50\.\d\d% slower against the baseline in the same rounds, at least 4\d\.\d\d% by its 95% interval \(one-sided p=0\.014 against its being 10% slower or less\), above 10%$/m);
  });

  it('refuses where a side has no ratios to judge (no rounds named), and over two different baselines', async () => {
    const r = await compareFiles(plain, scaled(plain, 1.5), { failOnRegression: '10', relative: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^concord compare: --fail-on-regression --relative cannot judge 4 rows without 4 or more rounds of ratios to the baseline a side: .* \(base does not name each sample's round/);
    const other = structuredClone(base);
    other.settings.baseline = 'mine';
    for (const x of other.runs) if (x.role === 'baseline') x.executor = 'mine';
    const yardsticks = await compareFiles(base, other, { failOnRegression: '10', relative: true });
    expect(yardsticks.code).toBe(2);
    expect(yardsticks.stderr).toMatch(/^concord compare: --fail-on-regression --relative: the speedups are over different baselines \(base: sequential; new: mine\).*; a ratio to one baseline does not compare with a ratio to another\n$/);
  });

  it('shows the table without the gate too, and says why a row has no ratio', () => {
    const c = compare(base, withRounds(plain, 3));
    expect(c.rows.find((r) => !r.baseline)!.relative).toEqual({ unavailable: '4 rounds beside the baseline in base, 3 in new (4 or more a side are needed)' });
    expect(formatComparison(c, 'a', 'b', { relative: true })).toMatch(/^p2p 100 acc × 1000 tx · fake-parallel @1 +4 rounds beside the baseline in base, 3 in new \(4 or more a side are needed\)$/m);
  });
});

describe('runs in one file only, and --only', () => {
  afterEach(() => vi.restoreAllMocks());

  it('fails the gate on an executor in one file only, naming an exec: engine\'s way to a stable name; without the gate, warnings', async () => {
    const [before, after] = [renamed(base, 'exec:./target/release/engine'), renamed(base, 'exec:/work/target/release/engine')];
    // Only the baselines are shared: nothing to compare, gate or not.
    expect((await compareFiles(before, after, { failOnRegression: '10' })).code).toBe(2);
    const both = withSecond(base, 'block-stm');
    const [b2, a2] = [renamed(both, 'exec:./target/release/engine'), renamed(both, 'exec:/work/target/release/engine')];
    expect((await compareFiles(b2, a2)).code).toBe(0);
    const gated = await compareFiles(b2, a2, { failOnRegression: '10' });
    expect(gated.code).toBe(1);
    expect(gated.stdout).toContain('\nunmatched: p2p 100 acc × 1000 tx · exec:./target/release/engine @1: in DIR/base.json only (an exec: engine is named by its command line unless its answers declare a name, '
      + '"name" in docs/exec-protocol.md; the gate fails on a run in one file only, --only narrows it to the executors named)\n');
    expect(gated.stdout).toContain('\nunmatched: token 100 acc × 1000 tx · exec:/work/target/release/engine @2: in DIR/new.json only (');
    const json = JSON.parse((await compareFiles(b2, a2, { failOnRegression: '10', json: true })).stdout);
    expect(json.ok).toBe(false);
    expect(json.unmatched).toHaveLength(8);
    expect(json.unmatched[0]).toEqual({ name: 'p2p 100 acc × 1000 tx · exec:./target/release/engine @1', executor: 'exec:./target/release/engine', in: 'base' });
    // Narrowed to block-stm, the engine's runs are not the gate's business.
    expect((await compareFiles(b2, a2, { failOnRegression: '10', only: 'block-stm' })).code).toBe(0);
    // Named, one in one file only still fails.
    expect((await compareFiles(b2, a2, { failOnRegression: '10', only: 'block-stm,exec:./target/release/engine' })).code).toBe(1);
  });

  it('--only judges the executors named alone, refuses a name neither file ran and a use without the gate', async () => {
    const two = withSecond(base, 'mine');
    const slowerOther = scaled(two, 1, 1.5, 'fake-parallel');
    expect((await compareFiles(two, slowerOther, { failOnRegression: '10' })).code).toBe(1);
    const mine = await compareFiles(two, slowerOther, { failOnRegression: '10', only: 'mine', json: true });
    expect(mine.code).toBe(0);
    expect(JSON.parse(mine.stdout)).toMatchObject({ ok: true, gate: { by: 'block time', only: ['mine'] } });
    const typo = await compareFiles(two, slowerOther, { failOnRegression: '10', only: 'mien' });
    expect([typo.code, typo.stderr]).toEqual([2, 'concord compare: --only: mien: no executor run of either file is named so (they ran fake-parallel, mine)\n']);
    const ungated = await compareFiles(two, slowerOther, { only: 'mine' });
    expect([ungated.code, ungated.stderr]).toEqual([2, 'concord compare: --only narrows the gate: give it with --fail-on-regression PCT\n']);
  });
});
