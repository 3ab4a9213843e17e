// `concord main` (npm start) with its bench replaced by a fixed results document: a bench run that
// disagreed with the reference fails main (exit 1) and is said on stderr, as `concord bench` says it,
// and the bench part gets its exit line as the verify and prove parts do.
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ResultsFile } from '../reports/schema.js';
import { sampleResults } from './report-fixture.js';

const bench = vi.hoisted(() => ({ doc: undefined as unknown }));
vi.mock('../cli/bench.js', async (original) => ({ ...(await original<object>()), runBench: async () => bench.doc }));
// Only the bench part is under test: the short verify passes at once, and prove is skipped as where z3 is not installed.
vi.mock('../cli/verify.js', () => ({ verifyCommand: async () => 0 }));
vi.mock('../spec/smt/z3.js', async (original) => ({ ...(await original<object>()), z3Installed: async () => false }));

const { mainCommand } = await import('../cli/main.js');

afterEach(() => vi.restoreAllMocks());

async function main(doc: ResultsFile): Promise<{ code: number; stderr: string; stdout: string }> {
  bench.doc = doc;
  let stderr = '';
  let stdout = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { stderr += String(chunk); return true; });
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout += String(chunk); return true; });
  const code = await mainCommand({ out: mkdtempSync(join(tmpdir(), 'concord-main-')) });
  return { code, stderr, stdout };
}

describe('concord main', () => {
  it('fails, and says which bench run disagreed with the reference', async () => {
    const doc = sampleResults({ seqMs: 10, execMs: 5, samples: 5 });
    const wrong = doc.runs.find((r) => r.role === 'executor')!;
    (wrong as { correct: boolean }).correct = false;
    const r = await main(doc);
    expect(r.code).toBe(1);
    // bench's own line (cli/bench.ts badRunLines): the workload's label, and the command that shows what differs.
    expect(r.stderr).toContain('main: bench (quick): fake-parallel at 1 thread on p2p 100 acc × 1000 tx disagreed with the reference '
      + '(what differs: npx concord run --workload p2p --accounts 100 --txs 1000 --seed 1 --hash-cost 3 --executor fake-parallel --threads 1 --warmup 0 --check)\n');
    expect(r.stderr).toMatch(/main: bench \(quick\): exit 1 after [\d.]+ s \(1 executor run failed or disagreed with the reference; .*results\.json\)/);
    expect(r.stdout).toMatch(/^concord: done in \d+ s\. Report: /m);
  });

  it('names a failed run\'s workload by its label, as bench does', async () => {
    const doc = sampleResults({ seqMs: 10, execMs: 5, samples: 5 });
    doc.failures.push({ executor: 'fake-parallel', threads: 2, workload: 'token-a100-t1000-s1-h3', message: 'execute() threw: Error: boom' });
    const r = await main(doc);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('main: bench (quick): fake-parallel at 2 threads on token 100 acc × 1000 tx failed: execute() threw: Error: boom\n');
  });

  it('refuses, before any part runs, a folder where it would write the results or the report', async () => {
    for (const file of ['results.json', 'report.md', 'report.html', 'speedup.svg']) {
      const out = mkdtempSync(join(tmpdir(), 'concord-main-'));
      mkdirSync(join(out, file));
      await expect(mainCommand({ out })).rejects.toThrow(`--out ${join(out, file)}: is a folder; give a file name`);
      expect(readdirSync(out)).toEqual([file]);
    }
  });

  it('gives the bench part its exit line when it passes', async () => {
    const r = await main(sampleResults({ seqMs: 10, execMs: 5, samples: 5 }));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/main: bench \(quick\): exit 0 after [\d.]+ s\n/);
    expect(r.stderr).not.toMatch(/disagreed/);
  });
});
