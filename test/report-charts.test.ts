// The report's charts as a reader meets them: the panels of a chart share one y scale; measured
// points stand out over the predictions, with their rounds' (lo–hi) range as a bar; a prediction
// the tables mark optimistic (not fitted) or pessimistic is drawn with a dash and a legend entry of
// its own; a run whose rounds the results table calls no figure to quote is marked; the legends are
// titled in plain words; and the published report's charts fit a 1280-pixel window, the same
// results drawing the same bytes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from 'vega-lite';
import {
  charts, COLOUR_TITLE, FALLBACK_POINT, FITTED_KIND, MARK_TITLE, OPTIMISTIC_KIND, PESSIMISTIC_KIND, renderSvg, SHARED_SCALE, speedupChart,
  STYLE_TITLE, UNSTEADY_POINT, type Chart,
} from '../reports/charts.js';
import { merge } from '../reports/merge.js';
import { parseResults, serializeResults, type ResultsFile } from '../reports/schema.js';
import { sampleResults, withRounds } from './report-fixture.js';

/** The text of every <text> element in an SVG, unescaped. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
}

interface ChartPoint {
  workload: string;
  threads: number;
  series: string;
  kind: string;
  value: number;
  lo?: number;
  hi?: number;
  unsteady?: boolean;
}

function points(c: Chart): ChartPoint[] {
  return (c.spec as unknown as { data: { values: ChartPoint[] } }).data.values;
}

/** Every scale the compiled vega spec defines, at any depth (an independent scale lives in each panel's group). */
function scaleNames(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(scaleNames);
  if (node === null || typeof node !== 'object') return [];
  const o = node as Record<string, unknown>;
  const own = Array.isArray(o.scales) ? (o.scales as { name: string }[]).map((s) => s.name) : [];
  return [...own, ...Object.entries(o).filter(([k]) => k !== 'scales').flatMap(([, v]) => scaleNames(v))];
}

/** The SVG's line marks drawn in `colour`, as their tags. */
function linesIn(svg: string, colour: string): string[] {
  return [...svg.matchAll(/aria-roledescription="line mark"[^>]*>/g)].map((m) => m[0]).filter((l) => l.includes(`stroke="${colour}"`));
}

const P2P = 'p2p-a100-t1000-s1-h3';
const TOKEN = 'token-a100-t1000-s1-h3';

describe('chart panels', () => {
  it('share one y scale in every chart, and say so', async () => {
    const m = merge([{ file: 'a.json', doc: sampleResults({ seqMs: 10, execMs: 6, samples: 10, simulated: true }) }]);
    const drawn = charts(m);
    expect(drawn.map((c) => c.name)).toEqual(['speedup', 'throughput', 'efficiency']);
    for (const c of drawn) {
      expect(scaleNames(compile(c.spec).spec).filter((n) => /(^|_)y$/.test(n))).toEqual(['y']);
      // The subtitle's lines are tspans of one text element.
      expect(await renderSvg(c.spec)).toContain(c.name === 'speedup' ? SHARED_SCALE.replace('y scale', 'y scale (log)') : SHARED_SCALE);
    }
  });
});

describe('predictions', () => {
  it('are drawn with a dash and a legend entry for how their model was fitted, as the tables mark them', async () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    const predict = (workload: string, executor: string, model: string) => [1, 2, 4, 8].map((threads) => ({ workload, executor, threads, speedup: threads * 0.7, model: threads === 1 ? 'test' : model }));
    doc.simulated = [
      ...predict(P2P, 'fake-parallel', 'test'),
      // reports/fit.ts reads these words: a cost not fitted, and a model slower at 2 threads than measured even at no cost.
      ...predict(TOKEN, 'fake-parallel', 'handover cost not fitted (too few re-executions)'),
      ...predict(TOKEN, 'other', 'slower than measured at 2 threads even at no cost: the model takes 2.36 ms at 2 threads, the measured 2.09 ms'),
    ];
    const speedup = speedupChart(merge([{ file: 'a.json', doc }]));
    const kinds = (workload: string, series: string) => [...new Set(points(speedup).filter((p) => p.workload === workload && p.series === series).map((p) => p.kind))];
    // A series is one line: its 1-thread point (the measurement's) takes the kind of the rest.
    expect(kinds('p2p 100 acc × 1000 tx', 'fake-parallel (simulated)')).toEqual([FITTED_KIND]);
    expect(kinds('token 100 acc × 1000 tx', 'fake-parallel (simulated)')).toEqual([OPTIMISTIC_KIND]);
    expect(kinds('token 100 acc × 1000 tx', 'other (simulated)')).toEqual([PESSIMISTIC_KIND]);
    const svg = await renderSvg(speedup.spec);
    expect(svgTexts(svg)).toEqual(expect.arrayContaining([STYLE_TITLE, 'measured', FITTED_KIND, OPTIMISTIC_KIND, PESSIMISTIC_KIND, 'ideal']));
    // Each kind a dash of its own, in the legend's samples as on the chart.
    const samples = [...svg.matchAll(/role-legend-symbol"[^>]*><path [^>]*stroke-dasharray="([^"]*)"/g)].map((x) => x[1]);
    expect(samples).toHaveLength(5);
    expect(new Set(samples).size).toBe(5);
    // The fitted and the unfitted predictions of one executor share its hue, told apart by dash.
    const colour = (compile(speedup.spec).spec.scales!.find((s) => s.name === 'color') as { domain: string[]; range: string[] });
    const hue = colour.range[colour.domain.indexOf('fake-parallel')]!;
    const dashes = new Set(linesIn(svg, hue).map((l) => /stroke-dasharray="([^"]*)"/.exec(l)![1]));
    expect(dashes.size).toBe(3);
  });
});

describe('measured points', () => {
  it('carry the (lo–hi) range of their rounds\' speedups as a bar, in the speedup and efficiency charts', async () => {
    const m = merge([{ file: 'a.json', doc: withRounds(sampleResults({ seqMs: 10, execMs: 6, samples: 10 }), 5) }]);
    const [speedup, throughput, efficiency] = charts(m);
    const row = m.rows.find((r) => r.role === 'executor' && r.threads === 2 && r.workload.id === P2P)!;
    const at2 = (c: Chart) => points(c).find((p) => p.workload === row.label && p.threads === 2 && p.series === 'fake-parallel')!;
    expect(row.roundSpeedups).not.toBeNull();
    expect([at2(speedup!).lo, at2(speedup!).hi]).toEqual([row.roundSpeedups!.lo, row.roundSpeedups!.hi]);
    expect(at2(efficiency!).lo).toBeCloseTo(row.roundSpeedups!.lo / row.ideal!, 12);
    expect(at2(efficiency!).hi).toBeCloseTo(row.roundSpeedups!.hi / row.ideal!, 12);
    // Throughput has no per-round figure to range over.
    expect(points(throughput!).filter((p) => p.lo !== undefined)).toEqual([]);
    // A bar from lo to hi for each measured executor point, its ends in the aria label a screen reader reads.
    const executorPoints = points(speedup!).filter((p) => p.kind === 'measured');
    const svg = await renderSvg(speedup!.spec);
    const bars = [...svg.matchAll(/aria-label="([^"]*)"[^>]*aria-roledescription="errorbar"/g)].map((x) => x[1]!);
    expect(bars).toHaveLength(executorPoints.length);
    // In words, as the results table gives the range: no vega field name (upper_lo, hi, lo) read out.
    expect(bars).toContain(`fake-parallel at 2 threads on ${row.label}: its rounds' speedup ranged from ${row.roundSpeedups!.lo.toFixed(2)}x to ${row.roundSpeedups!.hi.toFixed(2)}x`);
    for (const bar of bars) expect(bar).not.toMatch(/upper_lo|\bhi:|\blo:/);
    const effBars = [...(await renderSvg(efficiency!.spec)).matchAll(/aria-label="([^"]*)"[^>]*aria-roledescription="errorbar"/g)].map((x) => x[1]!);
    expect(effBars).toContain(`fake-parallel at 2 threads on ${row.label}: its rounds' efficiency (measured / ideal) ranged from ${(row.roundSpeedups!.lo / row.ideal!).toFixed(2)} to ${(row.roundSpeedups!.hi / row.ideal!).toFixed(2)}`);
  });

  it('whose rounds lie more than 2x apart, the results table\'s "no figure to quote", are marked and the mark named', async () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    const rounds = [0, 0, 0, 0, 1, 1, 1, 1];
    const stalled: ResultsFile = {
      ...doc, settings: { ...doc.settings, rounds: 2 },
      // The first baseline's second round ran ten times slower: the 1-thread p2p run's round speedups lie 10x apart.
      runs: doc.runs.map((r, i) => ({ ...r, rounds, samplesMs: i === 0 ? r.samplesMs.map((ms, k) => (k >= 4 ? ms * 10 : ms)) : r.samplesMs })),
    };
    const m = merge([{ file: 'stalled.json', doc: parseResults(serializeResults(stalled, 'stalled.json'), 'stalled.json') }]);
    const [speedup, throughput, efficiency] = charts(m);
    for (const c of [speedup!, efficiency!]) {
      expect(points(c).filter((p) => p.unsteady).map((p) => `${p.workload} · ${p.series} @${p.threads}`)).toEqual(['p2p 100 acc × 1000 tx · fake-parallel @1']);
      expect(svgTexts(await renderSvg(c.spec))).toEqual(expect.arrayContaining([MARK_TITLE, UNSTEADY_POINT]));
    }
    expect(svgTexts(await renderSvg(throughput!.spec))).not.toContain(UNSTEADY_POINT);
    // Rounds that agree draw no such mark.
    const steady = charts(merge([{ file: 'a.json', doc: withRounds(sampleResults({ seqMs: 10, execMs: 6, samples: 10 }), 5) }]));
    for (const c of steady) {
      expect(points(c).some((p) => p.unsteady)).toBe(false);
      expect(svgTexts(await renderSvg(c.spec))).not.toContain(UNSTEADY_POINT);
    }
  });
});

describe('legends', () => {
  it('are titled in plain words', async () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10, simulated: true, chain: true });
    const texts = svgTexts(await renderSvg(speedupChart(merge([{ file: 'a.json', doc }])).spec));
    expect(texts).toEqual(expect.arrayContaining([COLOUR_TITLE, STYLE_TITLE, MARK_TITLE, FALLBACK_POINT]));
    expect(texts).not.toContain('line');
    expect(texts).not.toContain('marked');
  });
});

describe('the published report\'s charts', () => {
  const published = (() => {
    const file = 'reports/published/results.json';
    return merge([{ file, doc: parseResults(readFileSync(file, 'utf8'), file) }]);
  })();

  it('fit a 1280-pixel window whole, legends and all, and scale down in a narrower one', async () => {
    for (const c of charts(published)) {
      const svg = await renderSvg(c.spec);
      const width = Number(/^<svg [^>]*width="(\d+)"/.exec(svg)![1]);
      // The page's body leaves about 1230 pixels of a 1280-pixel window to a figure.
      expect(width, c.name).toBeLessThanOrEqual(1200);
      expect(svg).toMatch(/^<svg style="max-width:100%;height:auto" [^>]*viewBox="0 0 \d+ \d+"/);
    }
  });

  it('draw the same bytes from the same results', async () => {
    const again = merge([{ file: 'reports/published/results.json', doc: published.sources[0]!.doc }]);
    const [first, second] = [charts(published), charts(again)];
    for (const [i, c] of first.entries()) expect(await renderSvg(second[i]!.spec)).toBe(await renderSvg(c.spec));
  });
});
