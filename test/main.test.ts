// `concord main` (npm start) with its bench replaced by a fixed results document: a bench run that
// disagreed with the reference fails main (exit 1) and is said on stderr, as `concord bench` says it,
// and the bench part gets its exit line as the verify and prove parts do. A part that cannot run
// here (prove without z3-solver) fails main with exit 2 unless --allow-skip, and either way the
// final line and the report name it.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
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

async function main(doc: ResultsFile, allowSkip = true): Promise<{ code: number; stderr: string; stdout: string; out: string }> {
  bench.doc = doc;
  const out = mkdtempSync(join(tmpdir(), 'concord-main-'));
  let stderr = '';
  let stdout = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { stderr += String(chunk); return true; });
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout += String(chunk); return true; });
  const code = await mainCommand({ out, allowSkip });
  return { code, stderr, stdout, out };
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
    expect(r.stdout).toMatch(/^concord: done in \d+ s, but skipped prove \(z3-solver is not installed here\), which --allow-skip accepts\. Report: /m);
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

  it('fails with exit 2 where prove cannot run, and names it on the last line and in the report; --allow-skip exits 0 naming it all the same', async () => {
    const doc = sampleResults({ seqMs: 10, execMs: 5, samples: 5 });
    const strict = await main(doc, false);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain('main: prove: skipped (z3-solver is not installed here)\n');
    expect(strict.stdout).toMatch(/^concord: done in \d+ s, but skipped prove \(z3-solver is not installed here\): exit 2 \(--allow-skip accepts a job without it\)\. Report: \S+report\.html /);
    const said = 'concord main skipped prove (z3-solver is not installed here): what that part checks was not checked by this job, ';
    expect(readFileSync(join(strict.out, 'report.md'), 'utf8')).toMatch(/^Sources: .*\n\n## Parts of the job not run\n\nconcord main skipped prove \(z3-solver is not installed here\): what that part checks was not checked by this job, so main failed \(exit 2\); --allow-skip accepts a job without it\. The other parts ran\.\n/m);
    expect(readFileSync(join(strict.out, 'report.html'), 'utf8')).toContain(`<h2>Parts of the job not run</h2>\n<p>${said}so main failed (exit 2); --allow-skip accepts a job without it. The other parts ran.</p>\n<h2>Charts</h2>`);
    const allowed = await main(doc, true);
    expect(allowed.code).toBe(0);
    expect(readFileSync(join(allowed.out, 'report.md'), 'utf8')).toContain(`${said}main exited 0 all the same, as --allow-skip asked.`);
  });
});
