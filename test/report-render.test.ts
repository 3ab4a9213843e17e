// Reports: the charts' SVG holds every expected series, each executor in one hue across the charts, the
// paper's figures only beside the workloads whose ideal reaches them, runs that fell back to the
// sequential executor marked in charts and tables alike; Markdown shows each speedup next to its
// ideal, flags an efficiency above 100% and words its unequal-cores warning for 1-thread and
// parallel runs alike; several machines merge into one comparison, where two workloads keep their
// own rows, panels and labels even when their short labels agree; `concord report` refuses a file
// without runs; and the HTML page opens in headless Chromium without console errors and with its
// charts drawn (a screenshot that is not blank).
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { guard, UsageError } from '../cli/errors.js';
import { reportCommand } from '../cli/report.js';
import { anchorsFor, BLOCK_STM_ANCHORS } from '../reports/anchors.js';
import { charts, coresIdealName, FALLBACK_POINT, FITTED_KIND, IDEAL_SERIES, PAPER_TITLE, renderSvg, speedupChart, type Chart } from '../reports/charts.js';
import { merge } from '../reports/merge.js';
import { renderHtml, renderMarkdown, resultsMarkdown } from '../reports/render.js';
import { writeReport } from '../reports/report.js';
import { parseResults, serializeResults, type ResultsFile } from '../reports/schema.js';
import { workloadLabels } from '../reports/summary.js';
import { verdicts } from '../reports/verdict.js';
import { MACHINE_NOT_CHARGED, MACHINE_SLOWDOWN } from '../reports/fit.js';
import { contestResults, mdUnescaped, PREFLIGHT_CHAIN, sampleResults, withRounds } from './report-fixture.js';

const CHROMIUM = '/usr/bin/chromium';

/** The text of every <text> element in an SVG, unescaped. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
}

interface ChartPoint {
  workload: string;
  threads: number;
  series: string;
  hue: string;
  kind: string;
  fallback?: boolean;
}

/** The points a chart's spec draws. */
function points(c: Chart): ChartPoint[] {
  return (c.spec as unknown as { data: { values: ChartPoint[] } }).data.values;
}

/** Colour legend entries (an executor, an ideal) to colour, as the chart's colour scale maps them. */
function colours(c: Chart): Map<string, string> {
  const { domain, range } = (c.spec as unknown as { spec: { layer: { encoding: { color: { scale: { domain: string[]; range: string[] } } } }[] } })
    .spec.layer[0]!.encoding.color.scale;
  return new Map(domain.map((s, i) => [s, range[i]!]));
}

/** The document with its generated workloads' hash cost (and so their ids) changed: other blocks of the same short label. */
function withHashCost(doc: ResultsFile, hashCost: number): ResultsFile {
  const id = (w: string) => w.replace(/-h\d+$/, `-h${hashCost}`);
  return {
    ...doc,
    workloads: doc.workloads.map((w) => ({ ...w, id: id(w.id), source: w.source.kind === 'generated' ? { ...w.source, hashCost } : w.source })),
    runs: doc.runs.map((r) => ({ ...r, workload: id(r.workload) })),
    simulated: doc.simulated.map((x) => ({ ...x, workload: id(x.workload) })),
  };
}

/** The document with its fake parallel executor named block-stm: the runs the paper's figures are held against. */
function asBlockStm(doc: ResultsFile): ResultsFile {
  const name = (e: string) => (e === 'fake-parallel' ? 'block-stm' : e);
  return {
    ...doc,
    settings: { ...doc.settings, executors: doc.settings.executors.map(name) },
    runs: doc.runs.map((r) => ({ ...r, executor: name(r.executor) })),
    simulated: doc.simulated.map((x) => ({ ...x, executor: name(x.executor) })),
    startup: doc.startup.map((x) => ({ ...x, executor: name(x.executor) })),
  };
}

/** The causes an efficiency above the thread count's footnote gives, up to the last one or two. */
const ABOVE_THREADS = 'Efficiency above 100% from a speedup above the thread count (or the machine\'s cores, where fewer): noise; a baseline that ran on a slower core '
  + '(see the core speeds in the report\'s Noise section), or that is slower than the executor\'s own 1-thread run (a --baseline can be: efficiency is measured against the baseline)';

/** The cells of a Markdown table row that starts with these cells. */
function mdRow(md: string, ...start: string[]): string[] {
  const line = md.split('\n').find((l) => l.startsWith(`| ${start.join(' | ')} |`));
  expect(line, `no row starting ${start.join(' | ')}`).toBeDefined();
  return line!.slice(2, -2).split(' | ').map(mdUnescaped);
}

/**
 * A cell of the simulated scaling table: the row of `label` whose executor cell starts with
 * `executor` (its lanes and footnote marks after it), at the column of `threads`.
 */
function simCell(md: string, label: string, executor: string, threads: number): string {
  const table = md.slice(md.indexOf('## Simulated scaling'));
  const lines = table.split('\n').filter((l) => l.startsWith('| '));
  const header = lines[0]!.slice(2, -2).split(' | ');
  const column = header.indexOf(threads === 1 ? '1 thread' : `${threads} threads`);
  expect(column, `no column for ${threads} threads`).toBeGreaterThan(0);
  const line = lines.find((l) => l.startsWith(`| ${label} | ${executor}`));
  expect(line, `no simulated row for ${label}, ${executor}`).toBeDefined();
  return mdUnescaped(line!.slice(2, -2).split(' | ')[column]!);
}

// Two rounds whose speedups were 0.38x and 4.77x (a stalled baseline round) gave a cell of 2.58x
// with nothing beside its range to say that neither round measured it.
describe('a speedup whose rounds disagree', () => {
  it('is footnoted as no figure to quote where its rounds lie more than 2x apart', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    const rounds = [0, 0, 0, 0, 1, 1, 1, 1];
    const stalled: ResultsFile = {
      ...doc, settings: { ...doc.settings, rounds: 2 },
      runs: doc.runs.map((r, i) => ({
        ...r, rounds,
        // The first baseline's second round ran ten times slower.
        samplesMs: i === 0 ? r.samplesMs.map((ms, k) => (k >= 4 ? ms * 10 : ms)) : r.samplesMs,
      })),
    };
    const md = mdUnescaped(renderMarkdown(merge([{ file: 'stalled.json', doc: parseResults(serializeResults(stalled, 'stalled.json'), 'stalled.json') }]), []));
    const note = /^(\S+) Its rounds disagree by more than 2x \(their lowest speedup to their highest, [\d.]+x to [\d.]+x\): something slowed some rounds/m.exec(md);
    expect(note).not.toBeNull();
    const marked = md.split('\n').filter((l) => l.startsWith('|') && new RegExp(`x \\([\\d.]+–[\\d.]+\\)\\S*${note![1]}`).test(l));
    expect(marked.length).toBeGreaterThan(0);
    // The other runs' rounds agree: their cells carry no such mark.
    const steady = mdUnescaped(renderMarkdown(merge([{ file: 'steady.json', doc: parseResults(serializeResults({ ...stalled, runs: doc.runs.map((r) => ({ ...r, rounds })) }, 'steady.json'), 'steady.json') }]), []));
    expect(steady).not.toMatch(/Its rounds disagree/);
  });
});

// An exec: engine of 600 MiB read 121 MiB, Concord's own process's figure.
describe('the peak RSS column', () => {
  it('gives an exec: engine\'s own peak beside the benchmark process\'s', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    const engine: ResultsFile = { ...doc, runs: doc.runs.map((r) => (r.role === 'executor' ? { ...r, enginePeakRssBytes: 600 * 2 ** 20 } : r)) };
    const md = mdUnescaped(renderMarkdown(merge([{ file: 'engine.json', doc: parseResults(serializeResults(engine, 'engine.json'), 'engine.json') }]), []));
    expect(md).toMatch(/\| 120 MiB \+ engine 600 MiB \|/);
    expect(md).toMatch(/\| 100 MiB \|/);
  });
});

// The Sources line named every CPU the baseline could be pinned to, where the rounds (two on each
// CPU in turn) reached only some: with --rounds 2, CPU 0 alone.
describe('the Sources line', () => {
  it('names the CPUs the baseline ran on, and says when the rounds reached fewer than it could be pinned to', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    const pinned = (cpus: (run: number) => number[]): ResultsFile => ({
      ...doc, settings: { ...doc.settings, rounds: 2, baselineCpus: [0, 1, 2, 3] },
      runs: doc.runs.map((r, i) => (r.role === 'baseline' ? { ...r, cpus: cpus(i).slice(0, r.samplesMs.length) } : r)),
    });
    const few = mdUnescaped(renderMarkdown(merge([{ file: 'few.json', doc: parseResults(serializeResults(pinned(() => Array(8).fill(0)), 'few.json'), 'few.json') }]), []));
    expect(few).toContain('the baseline pinned to CPU 0 round by round (2 rounds, one on each CPU in turn, reached 1 of the 4 CPUs it could be pinned to)');
    // Files written while bench pinned two rounds a CPU say so.
    const pairs = { ...pinned(() => Array(8).fill(0)), createdAt: '2026-12-01T10:00:00.000Z' };
    expect(mdUnescaped(renderMarkdown(merge([{ file: 'pairs.json', doc: pairs }]), []))).toContain('(2 rounds, two on each CPU in turn, reached 1 of the 4 CPUs');
    const all = mdUnescaped(renderMarkdown(merge([{ file: 'all.json', doc: parseResults(serializeResults(pinned(() => [0, 0, 1, 1, 2, 2, 3, 3]), 'all.json'), 'all.json') }]), []));
    expect(all).toContain('the baseline pinned to CPU 0, 1, 2, 3 round by round;');
    // Rounds on CPUs outside those bench pinned the baseline to: the pinning did not hold, and the line does not call them pinned.
    const loose = mdUnescaped(renderMarkdown(merge([{ file: 'loose.json', doc: parseResults(serializeResults(pinned(() => [0, 0, 5, 5, 6, 6, 3, 3]), 'loose.json'), 'loose.json') }]), []));
    expect(loose).toContain('the baseline meant to be pinned to CPU 0, 1, 2, 3 round by round, but not held there: its rounds ran on CPU 0, 3, 5, 6 (5, 6 outside them);');
    expect(loose).not.toContain('the baseline pinned to');
  });

  // A pin that failed left the round wherever the scheduler put it: on a CPU it may be pinned to,
  // the CPUs the rounds ran on read as pinned ones, and only the round against its CPU shows it.
  it('says which rounds ran on a CPU other than the one they were pinned to', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    const rounds = [0, 0, 1, 1, 2, 2, 3, 3];
    const made = (cpus: number[], createdAt: string): string => {
      const file: ResultsFile = {
        ...doc, createdAt, settings: { ...doc.settings, rounds: 4, baselineCpus: [0, 1] },
        runs: doc.runs.map((r) => (r.role === 'baseline' ? { ...r, cpus: cpus.slice(0, r.samplesMs.length), rounds: rounds.slice(0, r.samplesMs.length) } : r)),
      };
      return mdUnescaped(renderMarkdown(merge([{ file: 'f.json', doc: parseResults(serializeResults(file, 'f.json'), 'f.json') }]), []));
    };
    expect(made([0, 0, 0, 0, 1, 1, 1, 1], '2026-12-01T10:00:00.000Z')).toContain('the baseline pinned to CPU 0, 1 round by round;');
    expect(made([0, 0, 0, 0, 0, 0, 0, 0], '2026-12-01T10:00:00.000Z'))
      .toContain('the baseline meant to be pinned to CPU 0, 1 round by round, but not held there: rounds 2, 3, meant for CPU 1, ran on CPU 0;');
    // Before bench pinned rounds in pairs, round r went to CPU r % 2.
    expect(made([0, 0, 1, 1, 0, 0, 1, 1], '2026-11-29T10:00:00.000Z')).toContain('the baseline pinned to CPU 0, 1 round by round;');
    expect(made([0, 0, 0, 0, 0, 0, 1, 1], '2026-11-29T10:00:00.000Z'))
      .toContain('but not held there: round 1, meant for CPU 1, ran on CPU 0;');
  });
});

describe('charts', () => {
  const one = merge([{ file: 'a.json', doc: sampleResults({ seqMs: 10, execMs: 6, samples: 10, simulated: true }) }]);

  it('the speedup chart draws measured, ideal, simulated and the paper\'s figures its workload reaches, each in the legends', async () => {
    // No Block-STM series, no paper figures: they measure Block-STM.
    expect(charts(one).find((c) => c.name === 'speedup')!.series).not.toContain(expect.stringContaining('paper'));
    const speedup = charts(merge([{ file: 'a.json', doc: asBlockStm(sampleResults({ seqMs: 10, execMs: 6, samples: 10, simulated: true })) }])).find((c) => c.name === 'speedup')!;
    // The fixture's p2p block (100 accounts, contended) allows 14x at 32 threads: the paper's contended figures (8-9x) fit it.
    const paper = ['Diem p2p, contended (derived from throughput)', 'Aptos p2p, contended (derived from throughput)'];
    expect([...speedup.series].sort()).toEqual(['block-stm', IDEAL_SERIES, 'block-stm (simulated)', ...paper].sort());
    // The prediction is named by its executor's colour entry and its line style's, the paper's figures under its title.
    const texts = svgTexts(await renderSvg(speedup.spec));
    for (const s of ['block-stm', IDEAL_SERIES, 'measured', FITTED_KIND, 'ideal', PAPER_TITLE, ...paper]) expect(texts).toContain(s);
    expect(texts).toContain('p2p 100 acc × 1000 tx');
    expect(texts).toContain('token 100 acc × 1000 tx');
  });

  it('puts each paper figure only beside the grid workloads of its contention whose ideal reaches it, and beside Block-STM only, in the chart as in the table', () => {
    const doc = asBlockStm(sampleResults({ seqMs: 10, execMs: 6, samples: 10, simulated: true, chain: true }));
    const wide = { ...doc.workloads[0]!, id: 'p2p-a1000-t1000-s1-h3', source: { ...doc.workloads[0]!.source, accounts: 1000 } };
    wide.ideal = { ...wide.ideal, points: wide.ideal.points.map((p) => ({ ...p, speedup: p.threads, bound: p.threads })) };
    doc.workloads.push(wide);
    // A prediction at 32 threads on each grid workload, so the table has a row where the paper's figures could go.
    for (const w of ['p2p-a2-t1000-s1-h3', wide.id]) doc.simulated.push({ workload: w, executor: 'block-stm', threads: 32, speedup: 0.9, model: 'test' });
    // A modular prediction beside them gets no paper figure.
    doc.simulated.push({ workload: wide.id, executor: 'modular', threads: 32, speedup: 0.9, model: 'test', modules: 64 });
    const m = merge([{ file: 'a.json', doc }]);
    const named = (contention: string) => BLOCK_STM_ANCHORS.filter((a) => a.contention === contention);
    const low = named('low').map((a) => `${a.setting}${a.derived ? ' (derived from throughput)' : ''}`);
    expect(anchorsFor(doc.workloads[1]!)).toEqual([]);
    const paperOn = (label: string) => points(speedupChart(m)).filter((p) => p.kind === 'paper' && p.workload === label).map((p) => p.series);
    expect(paperOn('p2p 2 acc × 1000 tx')).toEqual([]);
    expect(paperOn('p2p 100 acc × 1000 tx')).toEqual(['Diem p2p, contended (derived from throughput)', 'Aptos p2p, contended (derived from throughput)']);
    // 1000 accounts: the low-contention figures only, though its ideal reaches the contended ones too.
    expect(paperOn('p2p 1000 acc × 1000 tx')).toEqual(low);
    expect(paperOn('token 100 acc × 1000 tx')).toEqual([]);
    const md = renderMarkdown(m, []);
    // A paper row under a workload's predictions where its figures apply, at 32 threads; none where they do not.
    expect(md).not.toContain('| p2p 2 acc × 1000 tx | Block-STM paper |');
    expect(simCell(md, 'p2p 100 acc × 1000 tx', 'Block-STM paper', 32)).toBe('Diem p2p, contended 9.1x*; Aptos p2p, contended 8.0x*');
    expect(simCell(md, 'p2p 1000 acc × 1000 tx', 'Block-STM paper', 32)).toBe('Diem p2p, low contention 20.0x; Aptos p2p, low contention 17.0x');
    // The modular row beside them holds its prediction alone.
    expect(simCell(md, 'p2p 1000 acc × 1000 tx', 'modular (64 lanes)', 32)).toBe('0.90x');
    expect(md).toContain('its low-contention figures beside blocks of 1000 accounts or more, its contended ones beside blocks of fewer');
  });

  it('gives each executor one hue in every chart, its predictions too, told apart by dash, width and opacity', async () => {
    // Two executors and a prediction: left to vega, orange was block-stm (simulated) in one chart and modular in the others.
    const doc = contestResults([{ workload: 'p2p', idealLimit: 4, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 7 } }, modular: { 1: { ms: 11 }, 2: { ms: 6, detail: {} } } }]);
    doc.simulated.push({ workload: doc.workloads[0]!.id, executor: 'block-stm', threads: 4, speedup: 3, model: 'test' });
    const drawn = charts(merge([{ file: 'a.json', doc }]));
    expect(drawn.map((c) => c.name)).toEqual(['speedup', 'throughput', 'efficiency']);
    const maps = drawn.map(colours);
    expect([...maps[0]!.keys()].sort()).toEqual(['block-stm', IDEAL_SERIES, 'modular']);
    for (const [i, map] of maps.entries()) {
      expect([...map.keys()].sort()).toEqual([...new Set(points(drawn[i]!).map((p) => p.hue))].sort());
      expect(new Set(map.values()).size).toBe(map.size);
      // Every entry has a colour of its own: one without is drawn in none, so it does not show.
      for (const colour of map.values()) expect(colour).toMatch(/^#[0-9a-f]{6}$/i);
      for (const [series, colour] of map) for (const other of maps) if (other.has(series)) expect(other.get(series)).toBe(colour);
    }
    // The prediction takes its measurement's hue: a pale partner of it read as another series.
    expect(points(drawn[0]!).filter((p) => p.series === 'block-stm (simulated)').map((p) => p.hue)).toEqual(['block-stm']);
    const hue = maps[0]!.get('block-stm')!;
    const svg = await renderSvg(drawn[0]!.spec);
    const lines = [...svg.matchAll(/aria-roledescription="line mark"[^>]*>/g)].map((m) => m[0]).filter((l) => l.includes(`stroke="${hue}"`));
    // The measurement solid, heavy and opaque; the prediction thin, dashed and faint.
    expect(lines.filter((l) => /stroke-width="2.5"/.test(l) && /stroke-dasharray="1,0"/.test(l) && /opacity="1"/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /stroke-width="1.25"/.test(l) && /stroke-dasharray="4,3"/.test(l) && /opacity="0.6"/.test(l))).toHaveLength(1);
    const modular = maps[1]!.get('modular')!;
    for (const c of drawn) expect(await renderSvg(c.spec)).toContain(modular);
    expect(await renderSvg(drawn[1]!.spec)).toContain(maps[1]!.get('sequential baseline (1 thread, timed beside each count)')!);
  });

  it('rings the points of runs that fell back to the sequential executor, and says so in the legend', async () => {
    const m = merge([{ file: 'a.json', doc: sampleResults({ seqMs: 10, execMs: 6, samples: 10, chain: true }) }]);
    const [speedup, throughput, efficiency] = charts(m);
    for (const c of [speedup!, throughput!]) {
      expect(points(c).filter((p) => p.fallback).map((p) => `${p.workload} · ${p.series} @${p.threads}`)).toEqual(['p2p 2 acc × 1000 tx · fake-parallel @2']);
      expect(svgTexts(await renderSvg(c.spec))).toContain(FALLBACK_POINT);
    }
    // A run that sent every block to the sequential executor has no efficiency to draw: it never ran in parallel.
    expect(points(efficiency!).filter((p) => p.workload === 'p2p 2 acc × 1000 tx').map((p) => p.threads)).toEqual([1]);
    // One that sent only some does, ringed.
    const partly = sampleResults({ seqMs: 10, execMs: 6, samples: 10, chain: true });
    partly.runs.find((r) => r.fallbackShare === 1)!.fallbackShare = 0.5;
    const ringed = points(charts(merge([{ file: 'a.json', doc: partly }]))[2]!).filter((p) => p.fallback);
    expect(ringed.map((p) => `${p.workload} @${p.threads}`)).toEqual(['p2p 2 acc × 1000 tx @2']);
    for (const c of charts(one)) expect(svgTexts(await renderSvg(c.spec))).not.toContain(FALLBACK_POINT);
  });

  it('throughput shows the baseline and the executor; efficiency only executors', async () => {
    const [, throughput, efficiency] = charts(one);
    // The baseline's legend says it is one thread, timed beside each thread count.
    expect(svgTexts(await renderSvg(throughput!.spec))).toEqual(expect.arrayContaining(['sequential baseline (1 thread, timed beside each count)', 'fake-parallel']));
    expect(efficiency!.series).toEqual(['fake-parallel']);
    const baselineOnly = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    baselineOnly.runs = baselineOnly.runs.filter((r) => r.role === 'baseline');
    expect(charts(merge([{ file: 'b.json', doc: baselineOnly }])).map((c) => c.name)).toEqual(['speedup', 'throughput']);
  });

  it('several machines merge into one comparison with a series per machine', async () => {
    const m = merge([
      { file: 'a.json', doc: sampleResults({ seqMs: 10, execMs: 6, samples: 10, machine: 'box A' }) },
      { file: 'b.json', doc: sampleResults({ seqMs: 8, execMs: 3, samples: 10, machine: 'box B' }) },
    ]);
    const speedup = charts(m).find((c) => c.name === 'speedup')!;
    expect(speedup.series).toEqual(expect.arrayContaining(['fake-parallel · box A', 'fake-parallel · box B']));
    expect(svgTexts(await renderSvg(speedup.spec))).toEqual(expect.arrayContaining(['fake-parallel · box A', 'fake-parallel · box B']));
    const md = renderMarkdown(m, []);
    expect(md).toMatch(/\| workload \| machine \| executor \| threads \|/);
    expect(md).toMatch(/\| box A \| .* \| box B \|/s);
    expect(md).toMatch(/## Hardware comparison/);
    expect(md).toMatch(/\| workload \| executor \| threads \| tx\/s · box A \| speedup · box A \| tx\/s · box B \| speedup · box B \|/);
  });
});

describe('runs with more threads than the machine has cores', () => {
  it('are footnoted, and their ideal, bound and efficiency are taken at the cores, not the threads', async () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    doc.machine.effectiveCores = 1;
    const m = merge([{ file: 'one-core.json', doc }]);
    const row = m.rows.find((r) => r.executor === 'fake-parallel' && r.threads === 2)!;
    expect([row.ideal, row.bound, row.efficiency]).toEqual([1, 1, row.speedup]);
    const md = renderMarkdown(m, []);
    expect(md).toMatch(/\| fake-parallel \| 2¹ \| .* \| 1\.00x \| 1\.00x \|/);
    expect(md).toContain("¹ more threads than the machine's 1 effective core: those runs' threads shared the cores, so at most 1 ran at once; their ideal, bound and efficiency are taken at 1 thread.");
    expect(md).toContain('Both are taken at min(threads, the machine\'s effective cores)');
    // Within the cores nothing changes: the fixture's 2-core machine takes the ideal at 2 threads.
    const within = merge([{ file: 'two-core.json', doc: sampleResults({ seqMs: 10, execMs: 6, samples: 10 }) }]);
    expect(within.rows.find((r) => r.executor === 'fake-parallel' && r.threads === 2)!.ideal).toBe(2);
    expect(renderMarkdown(within, [])).not.toContain('more threads than');
  });

  it('hold the speedup chart and the simulated scaling table to the ideal at the cores, as the results table does', async () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    doc.machine.effectiveCores = 1;
    doc.simulated.push({ workload: doc.workloads[0]!.id, executor: 'fake-parallel', threads: 2, speedup: 1.6, model: 'test' });
    const m = merge([{ file: 'one-core.json', doc }]);
    const label = 'p2p 100 acc × 1000 tx';
    // The simulation's 2 virtual workers have the ideal at 2; beside it, the measured run's, at its 1 core.
    const md = renderMarkdown(m, []);
    expect(simCell(md, label, 'ideal', 2)).toBe('2.00x (1.00x on 1 core)¹');
    expect(simCell(md, label, 'fake-parallel²', 2)).toMatch(/^1\.60x · measured [\d.]+x$/);
    expect(md).toContain('¹ In parentheses after an ideal: the measured run had more threads than the machine\'s effective cores');
    // The chart's ideal line stays the block's limit on 2 workers; the measured points above the cores get the ideal at the cores, carried flat to them.
    const chart = speedupChart(m);
    const at = (series: string) => points(chart).filter((p) => p.workload === label && p.series === series).map((p) => [p.threads, p.value]);
    expect(at(IDEAL_SERIES)).toContainEqual([2, 2]);
    expect(at(coresIdealName(1))).toEqual([[1, 1], [2, 1]]);
    expect(svgTexts(await renderSvg(chart.spec))).toContain('ideal on 1 core: more threads share them');
    // Within the cores there is no such series, and no such cell.
    const within = merge([{ file: 'two-core.json', doc: { ...doc, machine: { ...doc.machine, effectiveCores: 2 } } }]);
    expect(speedupChart(within).series).not.toContain(coresIdealName(2));
    expect(renderMarkdown(within, [])).not.toContain(' on 2 cores)');
  });
});

describe('chart legends', () => {
  it('name every series whole, however long the machine labels', async () => {
    const long = (n: number) => `AMD EPYC 7B13 64-Core Processor (family 25 model 1), 2 cores, 8 GiB, Node 22 (run ${n})`;
    const m = merge([
      { file: 'a.json', doc: sampleResults({ seqMs: 10, execMs: 6, samples: 10, machine: long(1), simulated: true }) },
      { file: 'b.json', doc: sampleResults({ seqMs: 8, execMs: 3, samples: 10, machine: long(2), simulated: true }) },
    ]);
    const texts = svgTexts(await renderSvg(speedupChart(m).spec));
    // Each machine's prediction is named by its executor's entry and the style legend's.
    for (const n of [1, 2]) expect(texts).toEqual(expect.arrayContaining([`fake-parallel · ${long(n)}`, FITTED_KIND]));
  });
});

describe('workloads that share a short label', () => {
  it('get labels that tell them apart: seed and hash cost, a block file\'s path, else the id', () => {
    const p2p = sampleResults({ seqMs: 10, execMs: 6, samples: 10 }).workloads[0]!;
    const file = (id: string, path: string): ResultsFile['workloads'][number] => ({ ...p2p, id, source: { kind: 'file', path } });
    const labels = workloadLabels([
      p2p, { ...p2p, id: 'p2p-a100-t1000-s2-h3', source: { kind: 'generated', workload: 'p2p', accounts: 100, txs: 1000, seed: 2, hashCost: 3 } },
      file('file:blk.json#aa', 'blk.json'), file('file:blk.json#bb', 'sub/blk.json'), file('file:blk.json#cc', 'sub/blk.json'),
      // The same id twice (as two merged files have it) is one workload.
      file('file:other.json#dd', 'x/other.json'), p2p,
    ]);
    expect([...labels.values()]).toEqual([
      'p2p 100 acc × 1000 tx (seed 1, hash cost 3)', 'p2p 100 acc × 1000 tx (seed 2, hash cost 3)',
      'blk.json', 'blk.json (file:blk.json#bb)', 'blk.json (file:blk.json#cc)', 'other.json',
    ]);
  });

  it('are shown by label in a missing prediction, as everywhere else in the report', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    const id = doc.workloads[0]!.id;
    const gapped = { ...doc, simulatedGaps: [`${id} at 2 threads: block-stm runs it on the sequential executor`, `--quick predicts only the blocks of the default suite's Block-STM p2p grid (drop --quick to predict every block), not ${id}, ${id}-z1`] };
    const md = renderMarkdown(merge([{ file: 'a.json', doc: gapped }]), []);
    expect(md).toContain('Missing prediction: p2p 100 acc × 1000 tx at 2 threads: block-stm runs it on the sequential executor.');
    // An id that only starts like a known one is left as it is.
    expect(md).toContain(`Missing prediction: --quick predicts only the blocks of the default suite's Block-STM p2p grid (drop --quick to predict every block), not p2p 100 acc × 1000 tx, ${id}-z1.`);
  });

  it('keep their own rows, chart panels and ideal lines when two files are merged', () => {
    const a = sampleResults({ seqMs: 10, execMs: 6, samples: 10, machine: 'box A' });
    const b = withHashCost(sampleResults({ seqMs: 8, execMs: 3, samples: 10, machine: 'box B' }), 0);
    const m = merge([{ file: 'a.json', doc: a }, { file: 'b.json', doc: b }]);
    const md = renderMarkdown(m, []);
    const hardware = md.slice(md.indexOf('## Hardware comparison'), md.indexOf('\n## ', md.indexOf('## Hardware comparison') + 1));
    const [h3, h0] = ['p2p 100 acc × 1000 tx (seed 1, hash cost 3)', 'p2p 100 acc × 1000 tx (seed 1, hash cost 0)'];
    expect(mdRow(hardware, h3, 'fake-parallel', '2').slice(5)).toEqual(['–', '–']);
    expect(mdRow(hardware, h0, 'fake-parallel', '2').slice(3, 5)).toEqual(['–', '–']);
    // The results table keeps each block's rows together, in file order.
    const grid = md.slice(md.indexOf('## Results: Block-STM p2p grid'), md.indexOf('## Results: contract mixes'));
    const labels = grid.split('\n').filter((l) => l.startsWith('| p2p')).map((l) => l.split(' | ')[0]!.slice(2));
    expect(labels).toEqual([...Array(4).fill(h3), ...Array(4).fill(h0)]);
    const speedup = points(speedupChart(m));
    for (const w of [h3, h0]) expect(speedup.filter((p) => p.workload === w && p.series === IDEAL_SERIES)).toHaveLength(7);
    expect((speedupChart(m).spec as unknown as { facet: { sort: string[] } }).facet.sort).toEqual([h3, 'token 100 acc × 1000 tx (seed 1, hash cost 3)', h0, 'token 100 acc × 1000 tx (seed 1, hash cost 0)']);
    // So do the verdicts: one per workload, in file order.
    const contest = contestResults([{ workload: 'p2p', idealLimit: 4, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 7 } }, modular: { 1: { ms: 11 }, 2: { ms: 6 } } }], 'box A');
    const both = merge([{ file: 'a.json', doc: contest }, { file: 'b.json', doc: withHashCost({ ...contest, machine: { ...contest.machine, label: 'box B' } }, 0) }]);
    expect(verdicts(both).map((v) => `${v.label} (${v.machine})`)).toEqual(['p2p 1000 acc × 1000 tx (seed 1, hash cost 3) (box A)', 'p2p 1000 acc × 1000 tx (seed 1, hash cost 0) (box B)']);
  });
});

describe('markdown', () => {
  it('prints each speedup next to the ideal and efficiency at its thread count', () => {
    const md = renderMarkdown(merge([{ file: 'a.json', doc: sampleResults({ seqMs: 10, execMs: 5, samples: 10 }) }]), [{ name: 'speedup', title: 'Speedup' }]);
    expect(md).toMatch(/\| tx\/s \| speedup \| over fastest-core baseline \| ideal \| bound \| efficiency \|/);
    // fake-parallel at 2 threads: about 10/5 = 2x against an ideal of 2x. The fixture's jitter makes
    // it 2.03x, above the thread count, so its 101% efficiency carries a footnote.
    // The fixture records no CPUs per sample, so there is no fastest-core figure.
    expect(md).toMatch(/\| p2p 100 acc × 1000 tx \| fake-parallel \| 2 \| [\d.]+k \| 2\.03x \| – \| 2\.00x \| 2\.00x \| 101%¹ \|/);
    expect(md).toContain('\n\n¹ Efficiency above 100% from a speedup above the thread count');
    expect(md).toMatch(/\| token 100 acc × 1000 tx \| fake-parallel \| 2 \| [\d.]+k \| 1\.98x \| – \| 2\.00x \| 2\.00x \| 99% \|/);
    expect(md).toContain('![Speedup](./speedup.svg)');
    expect(md).toMatch(/Block-STM paper, 32 threads: Diem p2p, low contention 20\.0x/);
    // Without predictions the section says so, without describing the models.
    expect(md).toContain('No predictions; the lines below say why.');
    expect(md).not.toContain('Modular: the lane protocol replayed');
  });

  it('gives each speedup the range its rounds spread over, where samples name their rounds', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 5, samples: 10 });
    const runs = doc.runs.filter((r) => r.workload === doc.workloads[0]!.id && r.threads === 2);
    const [base, exec] = [runs.find((r) => r.role === 'baseline')!, runs.find((r) => r.role === 'executor')!];
    // Five rounds of two samples; round k's speedup is 10 / (5 + k / 10): 2.00, 1.96, ... 1.85.
    base.samplesMs = Array.from({ length: 10 }, () => 10);
    exec.samplesMs = Array.from({ length: 10 }, (_, i) => 5 + Math.floor(i / 2) / 10);
    base.rounds = exec.rounds = Array.from({ length: 10 }, (_, i) => Math.floor(i / 2));
    doc.settings.rounds = 5;
    let md = renderMarkdown(merge([{ file: 'a.json', doc: parseResults(serializeResults(doc), 'a.json') }]), []);
    expect(mdRow(md, 'p2p 100 acc × 1000 tx', 'fake-parallel', '2')[4]).toBe('1.92x (1.85–2.00)');
    // The baseline has no speedup range; a run without rounds (an older file) has none either.
    expect(mdRow(md, 'p2p 100 acc × 1000 tx', 'sequential (baseline, timed beside the 2-thread runs)', '1')[4]).toBe('1 (def.)');
    expect(mdRow(md, 'token 100 acc × 1000 tx', 'fake-parallel', '2')[4]).toMatch(/^\d\.\d\dx$/);
    expect(md).toContain('(lo–hi) after a speedup: how far it moved between rounds.');
    // Only rounds both sides timed count: one round alone gives no range.
    exec.rounds = Array.from({ length: 10 }, () => 4);
    base.rounds = Array.from({ length: 10 }, (_, i) => Math.min(4, i));
    md = renderMarkdown(merge([{ file: 'a.json', doc }]), []);
    expect(mdRow(md, 'p2p 100 acc × 1000 tx', 'fake-parallel', '2')[4]).toMatch(/^\d\.\d\dx$/);
    expect(() => parseResults(JSON.stringify({ ...doc, runs: doc.runs.map((r) => (r === exec ? { ...r, rounds: [0] } : r)) }), 'a.json'))
      .toThrow(/a\.json: runs\[\d+\]\.rounds: has 1 round numbers for 10 samples/);
  });

  it('takes the speedup round by round, so it lies in its range however many samples each round took', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 5, samples: 10 });
    doc.settings.rounds = 5;
    const runs = doc.runs.filter((r) => r.workload === doc.workloads[0]!.id && r.threads === 2);
    const [base, exec] = [runs.find((r) => r.role === 'baseline')!, runs.find((r) => r.role === 'executor')!];
    // The baseline's last two rounds ran slow (16 ms) and took fewer samples, as a time-boxed round
    // does; the executor's rounds, listed out of order, ran at 5 ms throughout. Pooled medians
    // give 10 / 5 = 2.00x here too; the stopped run below is where they part.
    const round = (r: number, ms: number, n: number) => Array.from({ length: n }, () => [r, ms] as const);
    const baseSamples = [...round(0, 10, 6), ...round(1, 10, 6), ...round(2, 10, 6), ...round(3, 16, 3), ...round(4, 16, 3)];
    const execSamples = [...round(4, 5, 4), ...round(2, 5, 4), ...round(0, 5, 4), ...round(3, 5, 4), ...round(1, 5, 4)];
    for (const [run, samples] of [[base, baseSamples], [exec, execSamples]] as const) {
      run.samplesMs = samples.map(([, ms]) => ms);
      run.rounds = samples.map(([r]) => r);
      run.busy = samples.map(() => false);
    }
    let md = renderMarkdown(merge([{ file: 'a.json', doc: parseResults(serializeResults(doc), 'a.json') }]), []);
    // Per round: 2, 2, 2, 3.2, 3.2; their median is 2.00 and the range 2.00-3.20.
    expect(mdRow(md, 'p2p 100 acc × 1000 tx', 'fake-parallel', '2')[4]).toBe('2.00x (2.00–3.20)');
    // An executor that stopped after two rounds is paired over those two: a range that holds the median half the time, and says so.
    exec.samplesMs = exec.samplesMs.slice(0, 8);
    exec.rounds = [0, 0, 0, 0, 3, 3, 3, 3];
    exec.busy = exec.busy.slice(0, 8);
    md = renderMarkdown(merge([{ file: 'a.json', doc }]), []);
    const cell = mdRow(md, 'p2p 100 acc × 1000 tx', 'fake-parallel', '2')[4]!;
    expect(cell).toMatch(/^2\.60x \(2\.00–3\.20\)(¹|²|³)$/);
    expect(md).toContain('A range over 2 rounds only: it holds the median per-round speedup with probability 50%.');
    // A round the settings do not have is refused.
    expect(() => parseResults(JSON.stringify({ ...doc, runs: doc.runs.map((r) => (r === exec ? { ...r, rounds: exec.rounds!.map(() => 5) } : r)) }), 'a.json'))
      .toThrow(/a\.json: runs\[\d+\]\.rounds: names round 5, but settings\.rounds is 5 \(rounds count from 0\)/);
  });

  it('says a baseline row is the one thread timed beside its row\'s thread count, with no ideal or bound, and rounds times to three figures', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    const base = doc.runs.find((r) => r.role === 'baseline' && r.workload === 'p2p-a100-t1000-s1-h3' && r.threads === 2)!;
    base.samplesMs = base.samplesMs.map(() => 9.9987);
    const md = renderMarkdown(merge([{ file: 'a.json', doc }]), []);
    const [, , , , , , ideal, bound, , , , p50] = mdRow(md, 'p2p 100 acc × 1000 tx', 'sequential (baseline, timed beside the 2-thread runs)', '1');
    expect([ideal, bound]).toEqual(['–', '–']);
    // 9.9987 ms reads as its neighbours do (10.1, 9.97), not "10.00".
    expect(p50).toBe('10.0');
    expect(mdRow(md, 'p2p 100 acc × 1000 tx', 'fake-parallel', '2')[6]).toBe('2.00x');
  });

  it('names the modular executor\'s lanes in each prediction row', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    doc.simulated.push({ workload: doc.workloads[0]!.id, executor: 'modular', threads: 16, speedup: 5, model: 'lanes', modules: 32 });
    const md = renderMarkdown(merge([{ file: 'a.json', doc }]), []);
    expect(simCell(md, 'p2p 100 acc × 1000 tx', 'modular (32 lanes)¹', 16)).toBe('5.00x');
    expect(md).toContain('Modular: the lane protocol replayed');
  });

  it('marks a run that fell back to the sequential executor, with the share and the reason under its table', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10, chain: true });
    doc.simulated.push({ workload: 'p2p-a2-t1000-s1-h3', executor: 'fake-parallel', threads: 2, speedup: 0.8, model: 'test' });
    const m = merge([{ file: 'a.json', doc }]);
    const md = renderMarkdown(m, []);
    const note = `¹ Fell back: every block of the run went to the sequential executor, so its speedup is the sequential executor's, not the parallel engine's, and it has no efficiency against the ideal. Why: ${PREFLIGHT_CHAIN}.`;
    const [, , , , speedup, , ideal, , efficiency] = mdRow(md, 'p2p 2 acc × 1000 tx', 'fake-parallel', '2');
    // It never ran in parallel: no efficiency against the ideal, rather than the sequential executor's 99%.
    expect([speedup, ideal, efficiency]).toEqual(['0.99x (fell back)¹', '1.00x', 'n/a (sequential)¹']);
    // One thread never asks the preflight: that run is the parallel engine's own.
    expect(mdRow(md, 'p2p 2 acc × 1000 tx', 'fake-parallel', '1')[4]).toBe('0.92x');
    // The note follows the grid's table, before the next section; the predictions table marks its measured column too.
    const grid = md.slice(md.indexOf('## Results: Block-STM p2p grid'), md.indexOf('## Results: contract mixes'));
    expect(mdUnescaped(grid)).toContain(`\n\n${note}\n`);
    // A < that cannot open a tag is left as written: the reason reads the same in the file and on bench's terminal.
    expect(grid).toContain('(parallelism 1.00 < 1.4).');
    expect(simCell(md, 'p2p 2 acc × 1000 tx', 'fake-parallel¹', 2)).toBe('0.80x · measured 0.99x (fell back)²');
    // Each prediction's calibration is its row's footnote.
    expect(md).toContain('¹ fake-parallel on p2p 2 acc × 1000 tx: test.');
    // bench's own table and the HTML page say the same.
    expect(resultsMarkdown(m)).toContain('| 0.99x (fell back)¹ |');
    expect(mdUnescaped(resultsMarkdown(m))).toContain(note);
    const html = renderHtml(m, []);
    expect(html).toContain('<td class="n">0.99x (fell back)¹</td>');
    expect(html).toContain(`<p class="note">${note.replace('<', '&lt;').replace(/'/g, '&#39;')}</p>`);
    // A share below 1 is named in the cell; a file from before shares were recorded says it does not know.
    const partly = structuredClone(doc);
    Object.assign(partly.runs.find((r) => r.fallback !== '')!, { fallback: 'contention: transactions 33 to 66 needed 49 executions', fallbackShare: 0.25 });
    const partlyMd = renderMarkdown(merge([{ file: 'a.json', doc: partly }]), []);
    expect(mdRow(partlyMd, 'p2p 2 acc × 1000 tx', 'fake-parallel', '2')[4]).toBe('0.99x (25% fell back)¹');
    expect(partlyMd).toContain('¹ Fell back: 25% of the run\'s blocks went to the sequential executor, so its speedup mixes the parallel engine\'s blocks with the sequential executor\'s. Why: contention: transactions 33 to 66 needed 49 executions.');
    const old = structuredClone(doc);
    delete old.runs.find((r) => r.fallback !== '')!.fallbackShare;
    expect(renderMarkdown(merge([{ file: 'a.json', doc: old }]), [])).toContain('¹ Fell back: some or all of the run\'s blocks (this file does not say how many) went to the sequential executor. Why: ');
    // Several machines: the hardware comparison marks the cell as well.
    const two = renderMarkdown(merge([{ file: 'a.json', doc: { ...doc, simulated: [] } }, { file: 'b.json', doc: { ...doc, simulated: [] } }]), []);
    const hardware = two.slice(two.indexOf('## Hardware comparison'), two.indexOf('\n## ', two.indexOf('## Hardware comparison') + 1));
    expect(mdRow(hardware, 'p2p 2 acc × 1000 tx', 'fake-parallel', '2').filter((c) => c === '0.99x (fell back)¹')).toHaveLength(2);
    expect(mdUnescaped(hardware)).toContain(note);
    // A run that did not match the reference is marked ✗ there too, where no executor column says so.
    const wrong = structuredClone(doc);
    wrong.runs.find((r) => r.role === 'executor' && r.workload === 'p2p-a100-t1000-s1-h3' && r.threads === 2)!.correct = false;
    const both = renderMarkdown(merge([{ file: 'a.json', doc: { ...wrong, simulated: [] } }, { file: 'b.json', doc: { ...doc, simulated: [] } }]), []);
    const compared = both.slice(both.indexOf('## Hardware comparison'), both.indexOf('\n## ', both.indexOf('## Hardware comparison') + 1));
    const cells = mdRow(compared, 'p2p 100 acc × 1000 tx', 'fake-parallel', '2');
    expect([cells[4]!.endsWith(' ✗'), cells[6]!.endsWith(' ✗')]).toEqual([true, false]);
  });

  it('flags an efficiency above 100%: above the thread count it is noise or unequal cores, above the ideal only it may be real', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10, chain: true });
    const run = (workload: string, threads: number) => doc.runs.find((r) => r.role === 'executor' && r.workload === workload && r.threads === threads)!;
    // 1.7x at 1 thread; and the chain, sent to the sequential executor, 1.3x faster than its baseline at 2 threads.
    for (const [r, by] of [[run('p2p-a100-t1000-s1-h3', 1), 1.1 * 1.7], [run('p2p-a2-t1000-s1-h3', 2), 1.03 * 1.3]] as const) r.samplesMs = r.samplesMs.map((ms) => ms / by);
    const md = renderMarkdown(merge([{ file: 'a.json', doc }]), []);
    const [, , , , speedup, , , , efficiency] = mdRow(md, 'p2p 100 acc × 1000 tx', 'fake-parallel', '1');
    expect([speedup, efficiency]).toEqual(['1.68x', '168%¹']);
    expect(md).toContain(`¹ ${ABOVE_THREADS}; or an executor that uses a core beyond its threads.`);
    expect(md).not.toContain('Modular above 100% at 1 thread');
    expect(md).not.toContain('stats.executeMs (docs/exec-protocol.md) is shorter');
    // The chain ran on the sequential executor throughout: what "a small excess can be real" says of parallel work cannot apply.
    const chain = mdRow(md, 'p2p 2 acc × 1000 tx', 'fake-parallel', '2');
    expect([chain[4], chain[8]]).toEqual(['1.32x (fell back)²', 'n/a (sequential)²']);
    expect(md).not.toContain('a speedup above the ideal, which counts work in gas');
    // Where only part of it went there, the efficiency is shown, with both notes.
    const partly = structuredClone(doc);
    partly.runs.find((r) => r.fallbackShare === 1)!.fallbackShare = 0.5;
    const partlyMd = renderMarkdown(merge([{ file: 'a.json', doc: partly }]), []);
    expect(mdRow(partlyMd, 'p2p 2 acc × 1000 tx', 'fake-parallel', '2')[8]).toBe('132%²,³');
    expect(partlyMd).toContain('³ Efficiency above 100%: a speedup above the ideal, which counts work in gas, not time, so a small excess can be real; a large one is noise or a baseline that ran on a slower core (see the core speeds in the report\'s Noise section).');
    // At or below 100%, no mark.
    expect(mdRow(md, 'p2p 100 acc × 1000 tx', 'fake-parallel', '2')[8]).toBe('84%');
  });

  it('footnotes a speedup above the thread count with a baseline slower than the executor on 1 thread, and an engine-timed one with an engine that under-reports its time', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    // An exec: engine, timed by its own executeMs, 1.7x the baseline at 1 thread; a --baseline, itself slower than the engine on one thread.
    const own = 'exec:./engine --sequential';
    doc.settings = { ...doc.settings, baseline: own, baselineThreads: 1 };
    for (const r of doc.runs) {
      if (r.role === 'baseline') Object.assign(r, { executor: own, timing: 'engine' });
      else r.timing = 'engine';
    }
    const run = doc.runs.find((r) => r.role === 'executor' && r.workload === 'p2p-a100-t1000-s1-h3' && r.threads === 1)!;
    run.samplesMs = run.samplesMs.map((ms) => ms / (1.1 * 1.7));
    const md = mdUnescaped(renderMarkdown(merge([{ file: 'a.json', doc: parseResults(serializeResults(doc), 'a.json') }]), []));
    const row = md.split('\n').find((l) => l.startsWith('| p2p 100 acc × 1000 tx | fake-parallel') && l.split(' | ')[2] === '1')!;
    const efficiency = row.split(' | ')[8]!;
    expect(efficiency).toMatch(/^168%[¹²³⁴⁵⁶⁷⁸⁹]$/);
    expect(md).toContain(`\n${efficiency.slice(-1)} ${ABOVE_THREADS}; an executor that uses a core beyond its threads; `
      + 'or an engine whose self-reported stats.executeMs (docs/exec-protocol.md) is shorter than the time it took.\n');
  });

  it('says what a thread is for each executor, and footnotes modular above 100% at 1 thread as a file from the two-core builds', () => {
    const run = (blockStm: number, modular: number) => ({ blockStm: { 1: { ms: blockStm }, 2: { ms: 6 } }, modular: { 1: { ms: modular }, 2: { ms: 5.5 } } });
    // Modular 10 / 8.8 = 1.14x at 1 thread, as the published file's p2p 1000000 acc × 1000 tx; block-stm 0.9x.
    const md = renderMarkdown(merge([{ file: 'a.json', doc: contestResults([{ workload: 'p2p', idealLimit: 14, seqMs: 10, ...run(11, 8.8) }]) }]), []);
    expect(md).toContain('threads: for block-stm, N threads are N workers while the main thread waits for them; for modular, the main thread is one of the N from 2 threads on');
    expect(md).toContain('at 1 thread the main thread plans and then one worker runs, one thread at a time');
    const [, , , , , , , , efficiency] = mdRow(md, 'p2p 1000 acc × 1000 tx', 'modular', '1');
    expect(efficiency).toMatch(/^11\d%(¹|²)$/);
    expect(md).toContain('Modular above 100% at 1 thread: its 1-thread run uses one core at a time (the main thread plans, then one worker runs), but builds before 2026-11-29 ran the lanes on a worker while the main thread planned, on a second core. If this file is older, read this figure as two cores\' and not as one; otherwise it is noise');
    // Block-STM at 1 thread above 100% gets the general note, not modular's.
    const other = renderMarkdown(merge([{ file: 'a.json', doc: contestResults([{ workload: 'p2p', idealLimit: 14, seqMs: 10, ...run(8.8, 11) }]) }]), []);
    expect(mdRow(other, 'p2p 1000 acc × 1000 tx', 'block-stm', '1')[8]).toMatch(/^11\d%¹$/);
    expect(other).not.toContain('Modular above 100% at 1 thread');
  });

  it('warns about unequal cores in words that fit a 1-thread run as well as a parallel one, and says what to do', () => {
    const speeds = (relative: number[]) => ({ speeds: { method: 'taskset' as const, workload: 'test', cpus: [0, 1], medianMs: relative.map((r) => 10 / r), relative } });
    const coreWarning = (doc: ResultsFile) => renderMarkdown(merge([{ file: 'a.json', doc }]), []).split('\n').find((l) => l.includes('unequal speeds'));
    const head = '⚠ Test CPU (family 1 model 2), 2 cores, 8 GiB, Node 20: its cores ran at unequal speeds (at the start: cpu0 0.59, cpu1 1.00; at the end: cpu0 0.97, cpu1 1.00)';
    const effect = 'A baseline timed on a slower core makes a speedup look larger, and an executor slowed by one makes it look smaller.';
    const parallel = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    parallel.cores = { start: speeds([0.59, 1]), end: speeds([0.97, 1]) };
    // The baseline's samples name their CPUs and rounds (one a round, CPUs in turn, cpu 1 in 3 of
    // 5), so the fastest-core column has figures to point to. The bound is the end's probe's, which
    // allows more: the cores changed speed between the two.
    const rounded = withRounds(parallel, 5);
    for (const r of rounded.runs) {
      if (r.role !== 'baseline') continue;
      r.cpus = r.rounds!.map((round) => (round + 1) % 2);
      r.samplesMs = r.samplesMs.map((ms, i) => (r.cpus![i] === 0 ? ms * 1.5 : ms));
    }
    expect(coreWarning(rounded)).toBe(`${head}; at the core speeds probed (the start's or the end's, whichever allows more), an executor could reach at most 1.97x at 2 threads over a baseline on the fastest core. ${effect} The "over fastest-core baseline" column takes only the rounds whose baseline ran on its fastest core, so no slow core under the baseline flatters it, but it rests on fewer rounds: where it reads above the plain speedup, that is the noise between rounds, and the lower of the two is the one to quote. Or rerun on a machine whose cores run at equal speeds.`);
    // `bench --threads 1`: no ceiling to quote, and no sentence that leans on one; without CPUs per sample, no column to read.
    const single = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    single.cores = parallel.cores;
    single.settings.threads = [1];
    single.runs = single.runs.filter((r) => r.threads === 1);
    expect(coreWarning(single)).toBe(`${head}. ${effect} Rerun on a machine whose cores run at equal speeds.`);
  });

  it('says in How to read this what each kind of workload does, and what peak RSS covers', () => {
    const md = renderMarkdown(merge([{ file: 'a.json', doc: sampleResults({ seqMs: 10, execMs: 6, samples: 10 }) }]), []);
    const read = md.slice(md.indexOf('## How to read this'));
    expect(read).toContain('workloads: p2p: Block-STM paper transfers with sequence numbers between uniformly chosen accounts; token: token transfers crediting the receiver by delta-add. Each transaction also pays a signature check of 3 sha256 iterations (hash cost 3 in every generated workload here)');
    expect(read).toContain('peak RSS (process): the highest resident memory of the whole benchmark process (its worker threads included) seen after each of the run\'s timed blocks');
  });

  it('warns where the whole machine changed speed between the start and the end, its cores alike', () => {
    const speeds = (ms: number) => ({ speeds: { method: 'taskset' as const, workload: 'test', cpus: [0, 1], medianMs: [ms, ms * 1.01], relative: [1, 1 / 1.01] } });
    const slowdown = (doc: ResultsFile) => renderMarkdown(merge([{ file: 'a.json', doc }]), []).split('\n').find((l) => l.includes('changed speed during the sweep'));
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    doc.cores = { start: speeds(27.8), end: speeds(47.6) };
    expect(slowdown(doc)).toMatch(/^⚠ Test CPU \(family 1 model 2\), 2 cores, 8 GiB, Node 20: its fastest core took 27\.8 ms on the probe block at the start and 47\.6 ms at the end \(1\.71x slower\): the whole machine changed speed during the sweep/);
    doc.cores = { start: speeds(27.8), end: speeds(30) };
    expect(slowdown(doc)).toBeUndefined();
  });

  it('warns where the cache-line round trip between two cores moved more than 2x between the start and the end, naming the cores and both figures', () => {
    // Each core alone kept its speed: only the line between them moved (a host that moved the vCPUs).
    const probe = (ns: number[]) => ({ speeds: {
      method: 'taskset' as const, workload: 'test', cpus: [0, 1, 2], medianMs: [10, 10, 10], relative: [1, 1, 1],
      crossCore: { method: 'ping-pong' as const, pairs: [[0, 1], [0, 2]] as [number, number][], roundTripNs: ns },
    } });
    const moved = (doc: ResultsFile) => renderMarkdown(merge([{ file: 'a.json', doc }]), []).split('\n').find((l) => l.includes('cache-line round trip between cores'));
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    doc.cores = { start: probe([93.7, 110]), end: probe([480.2, 150]) };
    expect(moved(doc)).toMatch(/^⚠ Test CPU \(family 1 model 2\), 2 cores, 8 GiB, Node 20: the cache-line round trip between cores, probed before and after the sweep \(bench\/core-latency\.ts\), moved by more than 2x: cpu0-cpu1 94 ns at the start and 480 ns at the end\. The host placed the cores/);
    // 110 to 150 ns is within what a quiet host's probes move.
    doc.cores = { start: probe([93.7, 110]), end: probe([150, 150]) };
    expect(moved(doc)).toBeUndefined();
  });

  it('warns where a baseline\'s rounds drifted apart, naming the workload, thread count and spread', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    doc.settings.rounds = 5;
    for (const r of doc.runs) r.rounds = r.samplesMs.map((_, i) => Math.floor(i / 2));
    const quiet = renderMarkdown(merge([{ file: 'a.json', doc }]), []);
    expect(quiet).not.toContain('baseline runs the median block time of one round');
    expect(quiet).toContain('No warnings: no busy rounds, drifting rounds, unequal cores, change of the machine\'s speed');
    // Round 3 of the p2p baseline at 1 thread ran 1.6x slower: a round the busy check did not catch.
    const base = doc.runs.find((r) => r.role === 'baseline' && r.workload === 'p2p-a100-t1000-s1-h3' && r.threads === 1)!;
    base.samplesMs = base.samplesMs.map((ms, i) => (base.rounds![i] === 3 ? ms * 1.6 : ms));
    const md = mdUnescaped(renderMarkdown(merge([{ file: 'a.json', doc }]), []));
    expect(md).toMatch(/⚠ Test CPU \(family 1 model 2\), 2 cores, 8 GiB, Node 20: in 1 of 4 baseline runs the median block time of one round stood more than 1\.2x from another's \(slowest round over fastest\): p2p 100 acc × 1000 tx at 1 thread \(1\.[5-7]\dx\)\. /);
    expect(md).not.toContain('No warnings');
  });

  it('shows the round trip probed before each parallel round and warns where it moved between rounds or a probe gave up', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    doc.settings.rounds = 5;
    const render = () => mdUnescaped(renderMarkdown(merge([{ file: 'a.json', doc: parseResults(serializeResults(doc), 'a.json') }]), []));
    expect(render()).toMatch(/\| round trip before each round \|[^\n]*\n[^\n]*\n\|[^\n]*\| – \|/);
    doc.noise.roundTrips = [{ workload: 'p2p-a100-t1000-s1-h3', threads: 2, ns: [110, 120, 105, 130, 115] }];
    const steady = render();
    expect(steady).toContain('| median 115 ns (105–130 ns) over 5 rounds |');
    expect(steady).not.toContain('probed before each parallel round (bench/round-trip.ts), moved');
    doc.noise.roundTrips = [{ workload: 'p2p-a100-t1000-s1-h3', threads: 2, ns: [110, 480, 105, null, 115] }];
    const moved = render();
    expect(moved).toContain('| median 113 ns (105–480 ns) over 4 rounds; 1 probe gave up |');
    expect(moved).toMatch(/⚠ Test CPU \(family 1 model 2\), 2 cores, 8 GiB, Node 20: the cache-line round trip between two threads, probed before each parallel round \(bench\/round-trip\.ts\), moved by more than 2x between rounds, or a probe's worker did not answer within 50 ms \(the two threads shared a core, or one was descheduled\): p2p 100 acc × 1000 tx at 2 threads \(105–480 ns, 1 of 5 rounds above 210 ns; 1 probe of 5 gave up\)\. /);
    expect(moved).not.toContain('No warnings');

    // What a sweep cannot have written is refused, naming the field.
    const refused = (roundTrips: NonNullable<ResultsFile['noise']['roundTrips']>) => () => parseResults(serializeResults({ ...doc, noise: { ...doc.noise, roundTrips } }), 'a.json');
    const good = { workload: 'p2p-a100-t1000-s1-h3', threads: 2, ns: [110, 120] };
    expect(refused([{ ...good, workload: 'nope' }])).toThrow(/noise\.roundTrips\[0\]\.workload: no workload with id "nope"/);
    expect(refused([{ ...good, threads: 1 }])).toThrow(/noise\.roundTrips\[0\]\.threads: probes only precede rounds at a thread count above 1 that settings\.threads holds \(1, 2\), got 1/);
    expect(refused([{ ...good, threads: 16 }])).toThrow(/got 16/);
    expect(refused([good, good])).toThrow(/noise\.roundTrips\[1\]: duplicates noise\.roundTrips\[0\] \(p2p-a100-t1000-s1-h3, 2 threads\)/);
    expect(refused([{ ...good, ns: Array(6).fill(100) }])).toThrow(/noise\.roundTrips\[0\]\.ns: has 6 probes, but settings\.rounds is 5 \(one probe a round\)/);
  });

  it('shows the footprint ideal beside the ideal where the declarations allow less than 95% of it', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    const render = () => mdUnescaped(renderMarkdown(merge([{ file: 'a.json', doc: parseResults(serializeResults(doc), 'a.json') }]), []));
    expect(render()).not.toContain('(declared');
    for (const w of doc.workloads) w.ideal.footprint = { criticalPath: w.ideal.criticalPath, edges: w.ideal.edges, points: w.ideal.points.map((p) => ({ ...p, speedup: Math.max(1, p.speedup * 0.97) })) };
    expect(render()).not.toContain('(declared');
    for (const w of doc.workloads) w.ideal.footprint = { criticalPath: w.ideal.work, edges: w.ideal.edges, points: w.ideal.points.map((p) => ({ ...p, speedup: 1, bound: 1 })) };
    const md = render();
    expect(md).toMatch(/\| 2\.00x \(declared 1\.00x\)[¹²³⁴⁵⁶⁷⁸⁹⁰]+ \|/);
    expect(md).toContain('declared: the ideal of a scheduler that knows only the declared footprints (bench/footprint-ideal.ts)');
  });

  it('states the A/A evidence where both executors ran every block on the sequential executor', () => {
    const sequential = { ms: 10.2, fallback: PREFLIGHT_CHAIN, fallbackShare: 1 };
    const doc = contestResults([{ workload: 'amm', idealLimit: 1, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: sequential }, modular: { 1: { ms: 11 }, 2: { ...sequential, ms: 10.5 } } }]);
    const md = mdUnescaped(renderMarkdown(merge([{ file: 'a.json', doc }]), []));
    expect(md).toMatch(/A\/A: where both block-stm and modular sent every block to the sequential executor, the same code ran twice, and their speedups differ by \d% at most \(amm 1000 acc × 1000 tx at 2 threads: 0\.9\dx and 0\.9\dx\): a gap of that size between the executors elsewhere is within this machine's noise\./);
    expect(renderMarkdown(merge([{ file: 'a.json', doc: sampleResults({ seqMs: 10, execMs: 6, samples: 10 }) }]), [])).not.toContain('A/A');
  });

  it('warns about busy rounds, mismatches and failures', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 5, samples: 10 });
    doc.noise.busyRounds = 3;
    doc.runs[1]!.correct = false;
    doc.failures.push({ executor: 'broken', threads: 2, workload: null, message: 'no workers' });
    const md = renderMarkdown(merge([{ file: 'a.json', doc }]), []);
    expect(md).toMatch(/⚠ .*3 of 24 rounds ran while other processes used more than 0\.25 cores/);
    expect(md).toMatch(/⚠ fake-parallel at 1 thread on p2p 100 acc × 1000 tx .* did NOT match the reference/);
    expect(md).toMatch(/⚠ .*broken at 2 threads failed: no workers/);
  });

  it('names a failure\'s workload by its label, as a mismatch\'s, and prints bench\'s warnings with no Markdown escape', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 5, samples: 10 });
    // A block file's id holds its digest after a #, which Markdown escapes before a digit.
    const id = 'file:p2p_1.json#2a95205cf080';
    const old = doc.workloads[1]!.id;
    doc.workloads[1] = { ...doc.workloads[1]!, id, source: { kind: 'file', path: 'blocks/p2p_1.json' } };
    doc.runs = doc.runs.map((r) => (r.workload === old ? { ...r, workload: id } : r));
    doc.runs.find((r) => r.workload === id && r.role === 'executor')!.correct = false;
    doc.failures.push({ executor: 'throws', threads: 1, workload: id, message: 'boom' });
    const m = merge([{ file: 'a.json', doc }]);
    const md = renderMarkdown(m, []);
    expect(md).toContain(': throws at 1 thread on p2p\\_1.json failed: boom');
    expect(md).toMatch(/⚠ fake-parallel at \d threads? on p2p\\_1\.json \(/);
    expect(md).not.toContain('2a95205cf080');
    const terminal = resultsMarkdown(m);
    expect(terminal).toContain(': throws at 1 thread on p2p_1.json failed: boom\n');
    expect(terminal).toMatch(/⚠ fake-parallel at \d threads? on p2p_1\.json \(.* did NOT match the reference result: its timings are not valid speedups\.\n/);
    expect(renderHtml(m, [])).toContain(': throws at 1 thread on p2p_1.json failed: boom');
  });
});

describe("the models' share of the machine", () => {
  const ceilings = [{ threads: 2, workload: 'sequential executor, p2p 1000 accounts x 1000 txs', oneMs: 10, partsMs: 5.5, ratio: 1.82 }];
  const text = (doc: ResultsFile) => mdUnescaped(renderMarkdown(merge([{ file: 'r.json', doc }]), []));
  const predicted = (model: string, withCeilings: boolean): ResultsFile => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 6, simulated: true });
    return { ...doc, ...(withCeilings ? { ceilings } : {}), simulated: doc.simulated.map((p) => ({ ...p, model })) };
  };

  it('says the models slowed every thread by the ceiling where their footnotes say they did', () => {
    const md = text(predicted(`VM 1 ns/gas; ${MACHINE_SLOWDOWN}: 1.10x at 2 (ceiling 1.82x), held at 1.10x above 2 threads`, true));
    expect(md).toContain("Where the run measured the machine's ceiling (the Noise section's machine ceiling column), both models first slow every thread's work at T threads by T over the ceiling at T");
    expect(md).not.toContain('made before the models charged it');
  });

  it("says a file's predictions made before the models charged the ceiling put the machine's loss on the handovers", () => {
    const md = text(predicted('VM 1 ns/gas', true));
    expect(md).toContain("The predictions of a run that measured the machine's ceiling but were made before the models charged it fit their handover costs to the whole 2-thread loss");
    expect(md).not.toContain('both models first slow every thread');
  });

  it('says a run on unequal cores charged none, and why', () => {
    const md = text(predicted(`VM 1 ns/gas; ${MACHINE_NOT_CHARGED} (1.82x at 2 threads): the core probes found cores of unequal speed`, true));
    expect(md).toContain('A run whose cores ran at unequal speeds charges no slowdown for its ceiling (its footnotes say so)');
    expect(md).not.toContain('both models first slow every thread');
    expect(md).not.toContain('made before the models charged it');
  });

  it('says a run without a ceiling charges no slowdown', () => {
    const md = text(predicted('VM 1 ns/gas', false));
    expect(md).toContain('A run without a ceiling charges no such slowdown.');
    expect(md).not.toContain('both models first slow every thread');
  });
});

describe('concord report', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes Markdown, HTML and SVGs from several files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-report-cmd-'));
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify(sampleResults({ seqMs: 10, execMs: 6, samples: 10, machine: 'box A' })));
    writeFileSync(b, JSON.stringify(sampleResults({ seqMs: 9, execMs: 4, samples: 10, machine: 'box B' })));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await reportCommand({ files: [a, b], out: join(dir, 'out') })).toBe(0);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['efficiency.svg', 'report.html', 'report.md', 'speedup.svg', 'throughput.svg']);
    expect(readFileSync(join(dir, 'out', 'report.md'), 'utf8')).toContain('## Hardware comparison');
  });

  it('rejects a malformed results file naming the file and the field, writing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-report-bad-'));
    const bad = join(dir, 'bad.json');
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    writeFileSync(bad, JSON.stringify({ ...doc, runs: [{ ...doc.runs[0], threads: 0 }] }));
    await expect(reportCommand({ files: [bad], out: join(dir, 'out') })).rejects.toThrow(UsageError);
    await expect(reportCommand({ files: [bad], out: join(dir, 'out') })).rejects.toThrow(`${bad}: runs[0].threads: `);
    // A time no call can take would be read as a speedup of 1e+307x.
    const samplesMs = [...doc.runs[1]!.samplesMs];
    samplesMs[2] = 1e308;
    writeFileSync(bad, JSON.stringify({ ...doc, runs: [doc.runs[0], { ...doc.runs[1], samplesMs }, ...doc.runs.slice(2)] }));
    await expect(reportCommand({ files: [bad], out: join(dir, 'out') })).rejects.toThrow(`${bad}: runs[1].samplesMs[2]: expected a time up to 86400000 ms (a day, the longest --timeout)`);
    await expect(reportCommand({ files: [join(dir, 'none.json')], out: join(dir, 'out') })).rejects.toThrow(/none\.json: cannot read: no such file or folder \(ENOENT\)/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('refuses a results file that holds no runs, and an empty --out, writing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-report-empty-'));
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    const good = join(dir, 'a.json');
    const noRuns = join(dir, 'noruns.json');
    const nothing = join(dir, 'nothing.json');
    writeFileSync(good, JSON.stringify(doc));
    writeFileSync(noRuns, JSON.stringify({ ...doc, runs: [] }));
    const failure = { executor: 'fake-parallel', threads: 2, workload: null, message: 'no workers' };
    writeFileSync(nothing, JSON.stringify({ ...doc, workloads: [], runs: [], failures: [failure] }));
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
    const out = join(dir, 'out');
    for (const [files, o] of [[[good, noRuns], out], [[nothing], out], [[good], '']] as const) {
      expect(await guard('report', () => reportCommand({ files: [...files], out: o }))).toBe(2);
    }
    expect(stderr.trim().split('\n')).toEqual([
      `concord report: ${noRuns}: holds no runs: nothing to report`,
      `concord report: ${nothing}: holds no runs (only 1 failure): nothing to report`,
      'concord report: --out: empty folder name; give a folder',
    ]);
    expect(existsSync(out)).toBe(false);
  });
});

describe('HTML report in headless Chromium', () => {
  if (!existsSync(CHROMIUM)) {
    console.warn(`\n\n!!! ${CHROMIUM} is missing: the HTML report browser test is SKIPPED. Install it: apt-get install -y chromium (.ci/run does) !!!\n`);
  }

  it.skipIf(!existsSync(CHROMIUM))('opens without console errors and shows its charts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-report-'));
    const written = await writeReport([{ file: 'a.json', doc: sampleResults({ seqMs: 10, execMs: 6, samples: 10, simulated: true }) }], dir);
    expect(readFileSync(written.html, 'utf8')).not.toMatch(/<script|src="http|href="http/);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
      await page.goto(pathToFileURL(written.html).href);
      const boxes = await page.locator('figure svg').evaluateAll((svgs) => svgs.map((s) => {
        const r = s.getBoundingClientRect();
        return { w: r.width, h: r.height, marks: s.querySelectorAll('path, line, circle').length };
      }));
      expect(boxes).toHaveLength(3);
      for (const b of boxes) {
        expect(b.w).toBeGreaterThan(300);
        expect(b.h).toBeGreaterThan(150);
        expect(b.marks).toBeGreaterThan(20);
      }
      await page.locator('#chart-speedup').scrollIntoViewIfNeeded();
      const shot = await page.screenshot();
      // Decode the screenshot in the page itself and count pixels that are not background.
      const inked = await page.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const px = ctx.getImageData(0, 0, img.width, img.height).data;
        let n = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i]! < 200 || px[i + 1]! < 200 || px[i + 2]! < 200) n++;
        return n / (px.length / 4);
      }, shot.toString('base64'));
      expect(inked).toBeGreaterThan(0.01);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
