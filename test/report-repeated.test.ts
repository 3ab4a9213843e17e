// `concord report` given one run twice: the same file (by name, or through a link), a
// byte-identical copy, or the same JSON laid out otherwise (pretty-printed, keys sorted, a byte-order
// mark), is an input error (exit 2) naming both, and nothing is written; two runs of one machine
// are not, even where they differ in one sample only, and merge as "(run 2)".
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

  it('refuses one run laid out otherwise (as jq or an artifact store writes it), naming both; writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-report-reformatted-'));
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    const a = join(dir, 'a.json');
    writeFileSync(a, JSON.stringify(doc));
    /** `v` with every object's keys in reverse order, as a tool that sorts them may leave them. */
    const reversed = (v: unknown): unknown => (Array.isArray(v) ? v.map(reversed)
      : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v);
    const layouts = { 'pretty.json': JSON.stringify(doc, null, 2), 'sorted.json': `\uFEFF${JSON.stringify(reversed(doc), null, '\t')}\n` };
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
    const out = join(dir, 'out');
    for (const [name, text] of Object.entries(layouts)) {
      writeFileSync(join(dir, name), text);
      expect(await guard('report', () => reportCommand({ files: [a, join(dir, name)], out }))).toBe(2);
    }
    expect(stderr.trim().split('\n')).toEqual(Object.keys(layouts).map((name) => `concord report: ${join(dir, name)}: the same JSON as ${a}, laid out otherwise, a copy of one run: `
      + 'one run would count twice in the report; give each run\'s results file once'));
    expect(existsSync(out)).toBe(false);
    // One sample apart is another run.
    const other = structuredClone(doc);
    other.runs[0]!.samplesMs[0]! += 0.0001;
    writeFileSync(join(dir, 'other.json'), JSON.stringify(other, null, 2));
    expect(await reportCommand({ files: [a, join(dir, 'other.json')], out })).toBe(0);
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
