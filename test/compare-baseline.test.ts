// `concord compare` and the sequential baseline's own rows: they never count as regressions (they
// measure the machine, not the engine under test), stay in the table, and a warning names those
// that moved significantly (beyond the gate's threshold when one is given) with their delta. And a
// file compared with itself, a byte-identical copy, or the same JSON laid out otherwise: a warning
// first among `warnings`.
import { copyFileSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compareCommand } from '../cli/compare.js';
import { compare, formatComparison } from '../reports/compare.js';
import { significantSlowdowns } from './compare-run.js';
import type { ResultsFile } from '../reports/schema.js';
import { sampleResults, withRounds } from './report-fixture.js';

const base = sampleResults({ seqMs: 10, execMs: 6, samples: 12 });

/** base with the baseline's samples (and, given `exec`, the executor's) scaled: a machine that got slower or faster. */
function moved(baseline: number, exec = 1): ResultsFile {
  const doc = structuredClone(base);
  for (const r of doc.runs) {
    const f = r.role === 'baseline' ? baseline : exec;
    r.samplesMs = r.samplesMs.map((ms) => ms * f);
  }
  return doc;
}

/** Writes documents as files in a fresh folder, by name. */
function files(docs: Record<string, ResultsFile>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'concord-compare-baseline-'));
  return Object.fromEntries(Object.entries(docs).map(([name, doc]) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(doc));
    return [name, path];
  }));
}

/** Captures stdout while running fn. */
async function stdoutOf(fn: () => Promise<number>): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
  try {
    return { code: await fn(), stdout };
  } finally {
    spy.mockRestore();
  }
}

const BASELINE_ROW = /^p2p 100 acc × 1000 tx · sequential \(baseline\) @1 .* \+30\.\d\d% \(p<0\.001 n=12\+12\)$/m;

describe('the sequential baseline in compare', () => {
  afterEach(() => vi.restoreAllMocks());

  it('never counts the baseline\'s rows as regressions, and warns that they moved, naming them with their delta', () => {
    const c = compare(base, moved(1.3), { threshold: 10 });
    expect(c.rows.filter((r) => r.baseline && r.significant).map((r) => r.deltaPct.toFixed(0))).toEqual(['30', '30', '30', '30']);
    expect(significantSlowdowns(c, 10)).toEqual([]);
    // Nor do they move the geomean, which the executors' rows alone make.
    expect(c.geomean!.deltaPct).toBeCloseTo(0, 10);
    const warning = c.warnings.find((w) => w.startsWith('the sequential baseline\'s own runs moved'))!;
    expect(warning).toMatch(/^the sequential baseline's own runs moved by more than 10%: p2p 100 acc × 1000 tx · sequential \(baseline\) @1 \+30\.\d\d% \(p<0\.001\); /);
    expect(warning).toMatch(/; the machine or the baseline executor changed between the files, so the other rows' deltas include that move$/);
    // The table still shows the baseline's rows, with their delta.
    expect(formatComparison(c, 'a', 'b')).toMatch(BASELINE_ROW);
  });

  it('warns on a baseline that got faster too, beyond the threshold only, and without a threshold on any significant move', () => {
    expect(compare(base, moved(0.7), { threshold: 10 }).warnings.join('\n')).toMatch(/baseline's own runs moved by more than 10%: p2p 100 acc × 1000 tx · sequential \(baseline\) @1 -30\.\d\d% /);
    expect(compare(base, moved(1.3), { threshold: 40 }).warnings.join('\n')).not.toMatch(/baseline's own runs/);
    expect(compare(base, moved(1.3)).warnings.join('\n')).toMatch(/^the sequential baseline's own runs moved: p2p 100 acc × 1000 tx · sequential \(baseline\) @1 \+30/m);
    // Not significant: no warning, whatever the threshold.
    expect(compare(base, sampleResults({ seqMs: 10, execMs: 6, samples: 12, jitterSeed: 7 })).warnings).toEqual([]);
  });

  it('still gates the executors\' rows when the baseline moved as well', () => {
    const c = compare(base, moved(1.3, 1.3), { threshold: 10 });
    expect(significantSlowdowns(c, 10).map((r) => `${r.executor}@${r.threads}`)).toEqual(['fake-parallel@1', 'fake-parallel@2', 'fake-parallel@1', 'fake-parallel@2']);
  });

  it('concord compare --fail-on-regression passes when only the baseline got slower, saying so in text and --json', async () => {
    // The gate judges rows over 4 rounds or more a side.
    const f = files({ 'base.json': withRounds(base, 4), 'new.json': withRounds(moved(1.3), 4) });
    const text = await stdoutOf(() => compareCommand({ base: f['base.json']!, next: f['new.json']!, failOnRegression: '10' }));
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(/^regression:/m);
    expect(text.stdout).toMatch(/^p2p 100 acc × 1000 tx · sequential \(baseline\) @1 .* \+30\.\d\d% \(p=0\.029 4\+4 rounds\)$/m);
    expect(text.stdout).toMatch(/^warning: the sequential baseline's own runs moved by more than 10%: p2p 100 acc × 1000 tx · sequential \(baseline\) @1 \+30\.\d\d% /m);
    const json = await stdoutOf(() => compareCommand({ base: f['base.json']!, next: f['new.json']!, failOnRegression: '10', json: true }));
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ ok: true, regressions: [] });
    expect(doc.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^the sequential baseline's own runs moved by more than 10%: .*sequential \(baseline\) @2 \+30\.\d\d% \(p=0\.029\)/)]));
  });
});

describe('compare of a file with itself', () => {
  afterEach(() => vi.restoreAllMocks());

  it('warns first, in text and --json, for the same file, a link to it, a byte-identical copy or one laid out otherwise; the exit code is unchanged', async () => {
    const f = files({ 'a.json': withRounds(base, 4), 'b.json': moved(1.3, 1.3) });
    const a = f['a.json']!;
    const copy = `${a}.copy`;
    const link = `${a}.link`;
    copyFileSync(a, copy);
    symlinkSync(a, link);
    const same = await stdoutOf(() => compareCommand({ base: a, next: a }));
    expect(same.code).toBe(0);
    expect(same.stdout).toContain(`\nwarning: ${a}: given twice: every row compares a run with itself, so no difference can show\n`);
    const gated = await stdoutOf(() => compareCommand({ base: a, next: link, failOnRegression: '5', json: true }));
    expect(gated.code).toBe(0);
    expect(JSON.parse(gated.stdout).warnings[0]).toBe(`${link}: the same file as ${a} (${realpathSync(a)}): every row compares a run with itself, so no difference can show and --fail-on-regression cannot fail`);
    const copied = await stdoutOf(() => compareCommand({ base: a, next: copy, json: true }));
    expect(JSON.parse(copied.stdout).warnings[0]).toBe(`${copy}: byte for byte the same as ${a}, a copy of one run: every row compares a run with itself, so no difference can show`);
    // Pretty-printed (by jq, say), it is still one run, and the gate on it cannot fail.
    const pretty = `${a}.pretty`;
    writeFileSync(pretty, JSON.stringify(JSON.parse(readFileSync(a, 'utf8')), null, 2));
    const reformatted = await stdoutOf(() => compareCommand({ base: a, next: pretty, failOnRegression: '5', json: true }));
    expect(reformatted.code).toBe(0);
    expect(JSON.parse(reformatted.stdout).warnings[0]).toBe(`${pretty}: the same JSON as ${a}, laid out otherwise, a copy of one run: every row compares a run with itself, so no difference can show and --fail-on-regression cannot fail`);
    // Two different files: no such warning.
    const differ = await stdoutOf(() => compareCommand({ base: a, next: f['b.json']!, json: true }));
    expect(JSON.parse(differ.stdout).warnings.join('\n')).not.toMatch(/with itself/);
  });
});
