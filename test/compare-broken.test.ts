// `concord compare` when NEW is broken and nothing can be compared: exit 1 with its broken runs
// listed, never the input error (exit 2) that two clean files sharing nothing are; and predictions
// whose cost per handover was fitted on one side only: marked, and warned about.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compareCommand } from '../cli/compare.js';
import { guard } from '../cli/errors.js';
import { fitTransfer } from '../bench/prediction.js';
import { compare, formatComparison, handoverFitted } from '../reports/compare.js';
import type { ResultsFile } from '../reports/schema.js';
import { sampleResults } from './report-fixture.js';

const base = sampleResults({ seqMs: 10, execMs: 6, samples: 12 });

function files(next: ResultsFile): { a: string; b: string } {
  const dir = mkdtempSync(join(tmpdir(), 'concord-compare-broken-'));
  const [a, b] = [join(dir, 'base.json'), join(dir, 'new.json')];
  writeFileSync(a, JSON.stringify(base));
  writeFileSync(b, JSON.stringify(next));
  return { a, b };
}

async function run(o: { base: string; next: string; json?: boolean; failOnRegression?: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  const code = await guard('compare', () => compareCommand(o));
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

describe('compare with a broken NEW and no run in common', () => {
  afterEach(() => vi.restoreAllMocks());

  /** NEW ran only other thread counts than base: one failure and one wrong run, nothing shared. */
  function brokenElsewhere(): ResultsFile {
    const doc = structuredClone(base);
    doc.runs = doc.runs.map((r) => ({ ...r, threads: r.threads + 10 }));
    doc.startup = doc.startup.map((s) => ({ ...s, threads: s.threads + 10 }));
    doc.settings.threads = doc.settings.threads.map((t) => t + 10);
    doc.runs.find((r) => r.role === 'executor')!.correct = false;
    // At 11 threads, where no pool of it started (its start-up record is at 12).
    doc.failures = [{ executor: 'fake-parallel', threads: 11, workload: null, message: 'no workers' }];
    return doc;
  }

  it('exits 1 and lists the broken runs, with the gate or without, in text and JSON', async () => {
    const { a, b } = files(brokenElsewhere());
    for (const o of [{}, { failOnRegression: '5' }]) {
      const r = await run({ base: a, next: b, ...o });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('have no run in common');
      expect(r.stdout).toMatch(new RegExp(`^broken: ${b}: .* @1\\d: did not match the reference result$`, 'm'));
      expect(r.stdout).toContain(`broken: ${b}: fake-parallel @11: failed to start: no workers\n`);
    }
    const j = await run({ base: a, next: b, json: true });
    expect(j.code).toBe(1);
    const doc = JSON.parse(j.stdout) as { ok: boolean; broken: string[]; rows: unknown[]; nothingCompared: string };
    expect([doc.ok, doc.broken.length, doc.rows.length]).toEqual([false, 2, 0]);
    expect(doc.nothingCompared).toMatch(/have no run in common/);
  });

  it('exits 1 too when only the baseline\'s runs are shared', async () => {
    const doc = structuredClone(base);
    doc.runs = doc.runs.filter((r) => r.role === 'baseline');
    // It never started: no pool of it was created, so no startup record.
    doc.startup = [];
    doc.failures = [{ executor: 'fake-parallel', threads: 2, workload: null, message: 'no workers' }];
    const { a, b } = files(doc);
    const r = await run({ base: a, next: b });
    expect([r.code, r.stdout.includes('failed to start: no workers')]).toEqual([1, true]);
  });

  it('keeps exit 2 for clean files that share nothing', async () => {
    const doc = brokenElsewhere();
    doc.runs.forEach((r) => { r.correct = true; });
    doc.failures = [];
    const { a, b } = files(doc);
    const r = await run({ base: a, next: b });
    expect([r.code, r.stdout]).toEqual([2, '']);
  });
});

describe('predictions fitted on one side only', () => {
  const probe = () => ({ ms: 1, transfers: 10 });
  const fitted = `VM; ${fitTransfer(() => ({ ms: 0.5, transfers: 10 }), 0.8, 10, 'cache line a worker takes from another').words}`;
  const unfitted = `VM; ${fitTransfer(probe, undefined, 10, 'cache line a worker takes from another').words}`;

  it('reads the fit from the words bench/prediction.ts writes', () => {
    expect(handoverFitted(fitted)).toBe(true);
    expect(handoverFitted(unfitted)).toBe(false);
    // A model that at no cost is already slower than the measurement was fitted to it: its cost is 0.
    expect(handoverFitted(fitTransfer(probe, 0.5, 10, 'cache line').words)).toBe(true);
    expect(handoverFitted(fitTransfer(() => 'stuck', 0.5, 10, 'cache line').words)).toBe(false);
    // bench records the fit as a field too, which compare reads first.
    expect([fitTransfer(probe, 0.5, 10, 'cache line').fitted, fitTransfer(probe, undefined, 10, 'cache line').fitted, fitTransfer(() => 'stuck', 0.5, 10, 'cache line').fitted]).toEqual([true, false, false]);
  });

  it('takes a point\'s recorded handoverFitted over its words', () => {
    const recorded = (speedup: number, fittedHere: boolean): ResultsFile => {
      const doc = structuredClone(base);
      doc.simulated = [{ workload: doc.workloads[0]!.id, executor: 'block-stm', threads: 8, speedup, model: 'VM; words from another version', handoverFitted: fittedHere }];
      return doc;
    };
    expect(compare(recorded(4, true), recorded(5, false)).predictions.map((p) => [p.baseFitted, p.nextFitted])).toEqual([[true, false]]);
  });

  function predicting(speedup: number, model: string): ResultsFile {
    const doc = structuredClone(base);
    doc.simulated = [{ workload: doc.workloads[0]!.id, executor: 'block-stm', threads: 8, speedup, model }];
    return doc;
  }

  it('marks the unfitted side and warns, and says nothing when both sides agree', () => {
    const c = compare(predicting(4, fitted), predicting(5.48, unfitted));
    expect(c.predictions.map((p) => [p.baseFitted, p.nextFitted])).toEqual([[true, false]]);
    expect(c.warnings.join('\n')).toMatch(/the cost per handover is fitted to a 2-thread run on one side only for .* · block-stm @8 \(fitted in base\); .*optimistic.*\(marked †\)/);
    const text = formatComparison(c, 'old.json', 'new.json');
    expect(text).toMatch(/block-stm @8\s+4\.00x \s+5\.48x†\s+1\.37x$/m);
    expect(text).toMatch(/^† no cost per handover fitted/m);
    const same = compare(predicting(4, unfitted), predicting(5, unfitted));
    expect(same.warnings.join('\n')).not.toMatch(/handover/);
    expect(formatComparison(compare(predicting(4, fitted), predicting(5, fitted)), 'a', 'b')).not.toContain('†');
  });
});
