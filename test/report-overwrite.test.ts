// `concord report` given a results file that is one of the files it writes into --out (report.md,
// report.html, a chart's SVG), by any spelling or through a link: an input error (exit 2) naming
// the clash, and nothing written; the results file is left as it was.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { guard } from '../cli/errors.js';
import { reportCommand } from '../cli/report.js';
import { REPORT_FILES } from '../reports/report.js';
import { sampleResults } from './report-fixture.js';

const RESULTS = JSON.stringify(sampleResults({ seqMs: 10, execMs: 6, samples: 10 }));

describe('concord report with a results file it would overwrite', () => {
  const cwd = process.cwd();
  afterEach(() => {
    vi.restoreAllMocks();
    process.chdir(cwd);
  });

  /** The exit code and stderr of `concord report files --out out`. */
  async function report(files: string[], out: string): Promise<{ code: number; stderr: string }> {
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
    const code = await guard('report', () => reportCommand({ files, out }));
    spy.mockRestore();
    return { code, stderr };
  }

  it('refuses each file name the report writes, before writing any', async () => {
    for (const name of REPORT_FILES) {
      const dir = mkdtempSync(join(tmpdir(), 'concord-report-over-'));
      const out = join(dir, 'rr');
      mkdirSync(out);
      const file = join(out, name);
      writeFileSync(file, RESULTS);
      expect(await report([file], out)).toEqual({
        code: 2,
        stderr: `concord report: --out ${out}: ${file} is the results file ${file}, which the report would overwrite: give another --out folder, or move the file\n`,
      });
      expect(readFileSync(file, 'utf8')).toBe(RESULTS);
      expect(readdirSync(out)).toEqual([name]);
    }
  });

  it('tells the file by its real path: another spelling, a link to it, a linked folder, and a second results file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-report-over-'));
    process.chdir(dir);
    mkdirSync('rr');
    writeFileSync('rr/report.md', RESULTS);
    writeFileSync('other.json', JSON.stringify(sampleResults({ seqMs: 10, execMs: 6, samples: 10, jitterSeed: 7 })));
    symlinkSync(join(dir, 'rr', 'report.md'), 'link.json');
    symlinkSync('rr', 'rr-link');
    const why = 'which the report would overwrite: give another --out folder, or move the file';
    expect(await report(['./rr/report.md'], 'rr')).toEqual({ code: 2, stderr: `concord report: --out rr: rr/report.md is the results file ./rr/report.md, ${why}\n` });
    expect(await report(['link.json'], './rr')).toEqual({ code: 2, stderr: `concord report: --out ./rr: rr/report.md is the results file link.json, ${why}\n` });
    expect(await report(['other.json', 'rr/report.md'], 'rr-link')).toEqual({ code: 2, stderr: `concord report: --out rr-link: rr-link/report.md is the results file rr/report.md, ${why}\n` });
    expect(readFileSync('rr/report.md', 'utf8')).toBe(RESULTS);
    expect(readdirSync('rr')).toEqual(['report.md']);
  });

  it('reports a results file in --out under a name the report does not write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-report-over-'));
    const out = join(dir, 'rr');
    mkdirSync(out);
    const file = join(out, 'results.json');
    writeFileSync(file, RESULTS);
    expect((await report([file], out)).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(RESULTS);
    expect(existsSync(join(out, 'report.md'))).toBe(true);
  });
});
