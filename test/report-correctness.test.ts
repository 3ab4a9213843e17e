// Runs whose figures are not a correct, whole execution's, as report and compare show them: a run
// that did not match the reference is marked in every chart (its series' legend entry, a cross over
// its point, its own line style, each named in the legend), left out of compare's geomean and of
// its --fail-on-regression gate (saying how many rows the geomean covers); a failure without a
// workload is worded by what failed, not always as a failure to start; and a run that stopped
// part-way is marked in the report's tables with its samples and error.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compareCommand } from '../cli/compare.js';
import { charts, FALLBACK_POINT, renderSvg, WRONG_KIND, WRONG_POINT, type Chart } from '../reports/charts.js';
import { compare, formatComparison } from '../reports/compare.js';
import { significantSlowdowns } from './compare-run.js';
import { merge } from '../reports/merge.js';
import { renderHtml, renderMarkdown } from '../reports/render.js';
import type { ResultsFile } from '../reports/schema.js';
import { geomean, median } from '../reports/stats.js';
import { mdUnescaped, sampleResults, withRounds } from './report-fixture.js';

/** The text of every <text> element in an SVG, unescaped. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
}

/** The points a chart's spec draws. */
function points(c: Chart): { workload: string; threads: number; series: string; kind: string }[] {
  return (c.spec as unknown as { data: { values: { workload: string; threads: number; series: string; kind: string }[] } }).data.values;
}

/** The fixture's executor run on a workload at a thread count. */
function run(doc: ResultsFile, workload: string, threads: number): ResultsFile['runs'][number] {
  return doc.runs.find((r) => r.role === 'executor' && r.workload === workload && r.threads === threads)!;
}

const P2P = 'p2p-a100-t1000-s1-h3';
const TOKEN = 'token-a100-t1000-s1-h3';

describe('charts of a run that did not match the reference', () => {
  it('name it in the series legend, cross its point and give its line a style the legend names, in every chart', async () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    run(doc, P2P, 2).correct = false;
    const series = 'fake-parallel ✗ wrong results in 1 of 4 runs';
    for (const c of charts(merge([{ file: 'a.json', doc }]))) {
      expect(c.series).toContain(series);
      expect(c.series).not.toContain('fake-parallel');
      expect(points(c).filter((p) => p.kind === WRONG_KIND).map((p) => `${p.workload} @${p.threads}`)).toEqual(['p2p 100 acc × 1000 tx @2']);
      const svg = await renderSvg(c.spec);
      expect(svgTexts(svg)).toEqual(expect.arrayContaining([series, WRONG_POINT, WRONG_KIND, 'measured']));
      // The line legend draws its samples: a stroke, not the transparent one a line-with-points legend gets.
      const samples = [...svg.matchAll(/role-legend-symbol"[^>]*><path [^>]*stroke-dasharray="[^"]*"[^>]*>/g)].map((m) => m[0]);
      expect(samples.filter((s) => s.includes('stroke-dasharray="8,3,2,3"'))).toHaveLength(1);
      for (const s of samples) expect(s).toMatch(/ stroke="#[0-9a-f]{6}"/);
    }
  });

  it('say when all of a series\' runs were wrong, mark a wrong run that fell back with both marks, and mark nothing in a correct report', async () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10, chain: true });
    for (const r of doc.runs) if (r.role === 'executor') r.correct = false;
    const [speedup] = charts(merge([{ file: 'a.json', doc }]));
    expect(speedup!.series.filter((s) => s.startsWith('fake-parallel'))).toEqual(['fake-parallel ✗ wrong results']);
    expect(svgTexts(await renderSvg(speedup!.spec))).toEqual(expect.arrayContaining([WRONG_POINT, FALLBACK_POINT, WRONG_KIND]));
    const clean = charts(merge([{ file: 'a.json', doc: sampleResults({ seqMs: 10, execMs: 6, samples: 10 }) }]));
    for (const c of clean) {
      const texts = svgTexts(await renderSvg(c.spec));
      expect(texts.filter((t) => t.includes('✗') || t === WRONG_KIND)).toEqual([]);
    }
  });
});

describe('compare with rows that did not match the reference', () => {
  afterEach(() => vi.restoreAllMocks());

  const base = sampleResults({ seqMs: 10, execMs: 6, samples: 12 });

  function files(a: ResultsFile, b: ResultsFile): { a: string; b: string } {
    const dir = mkdtempSync(join(tmpdir(), 'concord-compare-correctness-'));
    const [pa, pb] = [join(dir, 'base.json'), join(dir, 'new.json')];
    writeFileSync(pa, JSON.stringify(a));
    writeFileSync(pb, JSON.stringify(b));
    return { a: pa, b: pb };
  }

  async function command(o: { base: string; next: string; json?: boolean; failOnRegression?: string }): Promise<{ code: number; stdout: string }> {
    let stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
    const code = await compareCommand(o);
    vi.restoreAllMocks();
    return { code, stdout };
  }

  /** Base's fake-parallel @2 on p2p ran three times as fast as new's, and wrongly; new's is correct. */
  function wrongBase(): ResultsFile {
    const doc = structuredClone(base);
    const r = run(doc, P2P, 2);
    Object.assign(r, { correct: false, samplesMs: r.samplesMs.map((ms) => ms / 3) });
    return doc;
  }

  it('leave them out of the geomean and say how many rows it covers', () => {
    const c = compare(wrongBase(), base);
    const counted = [run(base, P2P, 1), run(base, TOKEN, 1), run(base, TOKEN, 2)].map((r) => median(r.samplesMs));
    expect(c.geomean).toMatchObject({ rows: 3, incorrect: 1, next: geomean(counted) });
    expect(c.geomean!.deltaPct).toBeCloseTo(0, 10);
    const text = formatComparison(c, 'a', 'b');
    expect(text).toContain('\ngeomean: over the 3 executor rows whose runs matched the reference on both sides; 1 row marked ✗ left out\n');
    expect(text).toContain('✗ the run did not match the reference result: its time is not that of a correct execution, so its row is left out of the geomean and never counts as a regression\n');
    // With every executor row wrong there is no geomean, and the output says why.
    const allWrong = structuredClone(base);
    for (const r of allWrong.runs) if (r.role === 'executor') r.correct = false;
    const none = compare(base, allWrong);
    expect(none.geomean).toBeNull();
    expect(formatComparison(none, 'a', 'b')).toContain('\nno geomean: all 4 executor rows are marked ✗\n');
    // Nothing left out, nothing said.
    expect(formatComparison(compare(base, base), 'a', 'b')).not.toMatch(/^geomean:/m);
  });

  it('never count as regressions: a wrong base passes the gate, a wrong new fails as broken alone', async () => {
    const c = compare(wrongBase(), base);
    const row = c.rows.find((r) => r.workload === P2P && r.executor === 'fake-parallel' && r.threads === 2)!;
    expect([row.significant, row.deltaPct > 100]).toEqual([true, true]);
    expect(significantSlowdowns(c, 10)).toEqual([]);
    // Passing, but not silently: the warning names the rows base cannot judge.
    expect(c.warnings).toContainEqual(expect.stringMatching(/^in base, these runs did not match the reference, so new's rows are not compared with them \(no delta counts, no regression can be found\): .*fake-parallel @2/));
    const back = files(withRounds(wrongBase(), 4), withRounds(base, 4));
    expect((await command({ base: back.a, next: back.b, failOnRegression: '10' })).code).toBe(0);
    // New's run wrong and three times slower: broken, and no regression line for its wrong time.
    const slowWrong = structuredClone(base);
    Object.assign(run(slowWrong, P2P, 2), { correct: false, samplesMs: run(base, P2P, 2).samplesMs.map((ms) => ms * 3) });
    const f = files(base, slowWrong);
    const text = await command({ base: f.a, next: f.b, failOnRegression: '10' });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('fake-parallel @2: did not match the reference result\n');
    expect(text.stdout).not.toContain('regression:');
    const json = JSON.parse((await command({ base: f.a, next: f.b, failOnRegression: '10', json: true })).stdout) as { ok: boolean; regressions: string[]; broken: string[] };
    expect([json.ok, json.regressions, json.broken.length]).toEqual([false, [], 1]);
  });
});

describe('compare\'s words for a failure without a workload', () => {
  it('say the executor failed to start only where no pool of it started at that thread count, and quote what failed', () => {
    const next = structuredClone(sampleResults({ seqMs: 10, execMs: 6, samples: 12 }));
    // The fixture's fake-parallel started at 2 threads (its startup record); at 4 it never did.
    expect(next.startup).toEqual([expect.objectContaining({ executor: 'fake-parallel', threads: 2 })]);
    next.failures = [
      { executor: 'fake-parallel', threads: 2, workload: null, message: 'close() threw: close exploded late' },
      { executor: 'fake-parallel', threads: 4, workload: null, message: 'no workers' },
    ];
    expect(compare(sampleResults({ seqMs: 10, execMs: 6, samples: 12 }), next).broken).toEqual([
      'fake-parallel @2: failed after it started: close() threw: close exploded late',
      'fake-parallel @4: failed to start: no workers',
    ]);
  });
});

describe('a run that stopped part-way', () => {
  /** fake-parallel threw in a timed round on the token block at 2 threads, keeping 4 of its samples; and failed on p2p at 4 threads, where it has no run. */
  function stopped(): ResultsFile {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    const r = run(doc, TOKEN, 2);
    r.samplesMs = r.samplesMs.slice(0, 4);
    r.busy = r.busy.slice(0, 4);
    doc.failures = [
      { executor: 'fake-parallel', threads: 2, workload: TOKEN, message: 'exploded on call 30' },
      { executor: 'fake-parallel', threads: 4, workload: P2P, message: 'no run here' },
    ];
    return doc;
  }

  const NOTE = 'Partial run: fake-parallel threw in a timed round at 2 threads on token 100 acc × 1000 tx (exploded on call 30), so the rounds after it did not run and its figures come from the 4 samples it took before.';

  it('is marked in its speedup cell, with its samples and error under the table, in Markdown and HTML alike', () => {
    const m = merge([{ file: 'a.json', doc: stopped() }]);
    const md = renderMarkdown(m, []);
    const line = md.split('\n').find((l) => l.startsWith('| token 100 acc × 1000 tx | fake-parallel | 2 |'))!;
    expect(mdUnescaped(line)).toMatch(/^\| token 100 acc × 1000 tx \| fake-parallel \| 2 \| [\dk.]+ \| [\d.]+x \(partial\)¹ \|/);
    const table = md.slice(md.indexOf('## Results: contract mixes'), md.indexOf('\n## ', md.indexOf('## Results: contract mixes') + 1));
    expect(mdUnescaped(table)).toContain(`\n\n¹ ${NOTE}\n`);
    // Whole runs are not marked, and a failure with no run of its own marks none (the overview counts the partial run apart).
    expect(md.split('\n').filter((l) => l.startsWith('|') && l.includes('x (partial)'))).toEqual([line]);
    const html = renderHtml(m, []);
    expect(html).toMatch(/<td class="n">[\d.]+x \(partial\)¹<\/td>/);
    expect(html).toContain(`<p class="note">¹ ${NOTE}</p>`);
  });

  it('is marked in the hardware comparison too', () => {
    const two = renderMarkdown(merge([{ file: 'a.json', doc: stopped() }, { file: 'b.json', doc: sampleResults({ seqMs: 10, execMs: 6, samples: 10 }) }]), []);
    const hardware = two.slice(two.indexOf('## Hardware comparison'), two.indexOf('\n## ', two.indexOf('## Hardware comparison') + 1));
    const line = hardware.split('\n').find((l) => l.startsWith('| token 100 acc × 1000 tx | fake-parallel | 2 |'))!;
    expect(line.split(' | ').filter((c) => c.endsWith('(partial)¹'))).toHaveLength(1);
    expect(mdUnescaped(hardware)).toContain(`¹ ${NOTE}`);
  });
});
