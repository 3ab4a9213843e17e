// `concord report` given one run twice: the same file (by name, or through a link), or a
// byte-identical copy, is an input error (exit 2) naming both, and nothing is written; two runs
// of one machine are not, and merge as "(run 2)".
import { copyFileSync, existsSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { guard } from '../cli/errors.js';
import { reportCommand } from '../cli/report.js';
import { sampleResults } from './report-fixture.js';

describe('concord report with one run given twice', () => {
  afterEach(() => vi.restoreAllMocks());

  it('refuses the same file twice, a link to it, or a byte-identical copy, naming both; writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-report-twice-'));
    const a = join(dir, 'a.json');
    const copy = join(dir, 'copy.json');
    const link = join(dir, 'link.json');
    writeFileSync(a, JSON.stringify(sampleResults({ seqMs: 10, execMs: 6, samples: 10 })));
    copyFileSync(a, copy);
    symlinkSync(a, link);
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
    const out = join(dir, 'out');
    for (const files of [[a, a], [a, link], [a, copy]]) {
      expect(await guard('report', () => reportCommand({ files, out }))).toBe(2);
    }
    const why = 'one run would count twice in the report; give each run\'s results file once';
    expect(stderr.trim().split('\n')).toEqual([
      `concord report: ${a}: given twice: ${why}`,
      `concord report: ${link}: the same file as ${a} (${realpathSync(a)}): ${why}`,
      `concord report: ${copy}: byte for byte the same as ${a}, a copy of one run: ${why}`,
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it('reports two different runs of one machine, the second as "(run 2)"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-report-two-runs-'));
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify(sampleResults({ seqMs: 10, execMs: 6, samples: 10 })));
    writeFileSync(b, JSON.stringify(sampleResults({ seqMs: 10, execMs: 6, samples: 10, jitterSeed: 7 })));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await reportCommand({ files: [a, b], out: join(dir, 'out') })).toBe(0);
    expect(readFileSync(join(dir, 'out', 'report.md'), 'utf8')).toContain('(run 2)');
  });
});
