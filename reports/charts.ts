// Charts of a (merged) report as vega-lite specifications rendered to SVG in plain Node (vega's
// headless 'none' renderer: no browser, no canvas). Speedup vs threads per workload with the
// ideal list-schedule line, simulated predictions and the Block-STM paper's figures (on the
// workloads anchorsFor gives them, as the tables do, and only in panels with a Block-STM series),
// and where measured runs had more threads than the machine's cores, the ideal at the cores
// carried on to them, the ideal the results table gives those runs; throughput; efficiency against the ideal, of runs that ran in parallel.
// Invariants: every series a chart draws is named in its legend, so a reader (and the tests) can
// find each one in the SVG's text; a series has the same colour in every chart of a report; the
// points of runs the sequential executor partly or wholly ran are ringed, and the ring is in the
// legend too; a run that did not match the reference is never drawn as a valid figure: its point is
// crossed out, its line dashed apart from its series' correct runs, and its series' legend entry
// says so, since a chart is often pasted where no table stands beside it.

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { anchorsFor, BLOCK_STM_ANCHORS, type Anchor } from './anchors.js';
import type { Merged } from './merge.js';
import { BLOCK_STM } from './verdict.js';
import { allSequential, fellBack, oversubscribed, type Row } from './summary.js';
import { baselineNames, SEQUENTIAL_BASELINE } from './baseline.js';
import { plural } from '../spec/plural.js';

export const IDEAL_SERIES = 'ideal (list schedule)';
/** The legend entry of the ideal that measured runs with more threads than `cores` are held to: the ideal at the cores. */
export const coresIdealName = (cores: number) => `ideal on ${plural(cores, 'core')}: more threads share them`;
/** The legend entry of the ring around a point whose run fell back. */
export const FALLBACK_POINT = 'fell back to the sequential executor';
/** The legend entry of the cross over a point whose run did not match the reference. */
export const WRONG_POINT = '✗ did not match the reference: not a valid figure';
/** The kind of a measured run that did not match the reference, as the line legend names it. */
export const WRONG_KIND = 'wrong results';

type Kind = 'measured' | typeof WRONG_KIND | 'ideal' | 'simulated' | 'paper';

interface Point {
  /** The workload's label, its panel: one per workload id, since merge keeps labels distinct per id. */
  workload: string;
  threads: number;
  value: number;
  series: string;
  kind: Kind;
  /** A measured run the sequential executor partly or wholly ran: its figure is not the parallel engine's alone. */
  fallback?: boolean;
}

export interface Chart {
  /** File stem: speedup, throughput, efficiency. */
  readonly name: string;
  readonly title: string;
  readonly spec: TopLevelSpec;
  /** The series drawn, as named in the legend. */
  readonly series: readonly string[];
}

function chart(name: string, title: string, spec: TopLevelSpec, points: readonly Point[]): Chart {
  return { name, title, spec, series: [...new Set(points.map((p) => p.series))] };
}

/** A run's series: its executor's, or for the baseline what it is, one thread timed beside each thread count (not the sequential executor run on that many). */
function rowSeries(m: Merged, r: Row): string {
  return seriesName(m, r.executor, r.machine, r.role === 'baseline' ? `${r.executor} baseline (1 thread, timed beside each count)` : r.executor);
}

/**
 * Series name of an executor (`shown` as): with several machines, which machine it ran on too; and
 * where any of its runs did not match the reference, how many, so the legend says so wherever the
 * chart goes.
 */
function seriesName(m: Merged, executor: string, machine: string, shown = executor): string {
  const name = m.sources.length > 1 ? `${shown} · ${machine}` : shown;
  const runs = m.rows.filter((r) => r.executor === executor && r.machine === machine);
  const wrong = runs.filter((r) => !r.correct).length;
  if (wrong === 0) return name;
  return `${name} ✗ ${wrong === runs.length ? 'wrong results' : `wrong results in ${wrong} of ${runs.length} runs`}`;
}

/** A measured run's kind: one that did not match the reference is drawn apart from its series' valid runs. */
const measuredKind = (r: Row): Kind => (r.correct ? 'measured' : WRONG_KIND);

const simulatedName = (m: Merged, executor: string, machine: string) => `${seriesName(m, executor, machine)} (simulated)`;
const paperName = (a: Anchor) => `${BLOCK_STM} paper: ${a.setting}${a.derived ? ' (derived from throughput)' : ''}`;

/** vega's tableau10, then the lighter partners tableau20 pairs with them: ten distinct hues before any returns lighter. */
const PALETTE = [
  '#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac',
  '#9ecae9', '#ffbf79', '#ff9d98', '#83bcb6', '#88d27a', '#f2cf5b', '#d6a5c9', '#fcbfd2', '#d8b5a5', '#79706e',
];
/** The palette's distinct hues; PALETTE[i + HUES] is PALETTE[i]'s lighter partner. */
const HUES = 10;
const IDEAL_COLOR = '#333333';

/**
 * Every series any chart of the report can draw, with its colour: the ideal in near-black, an
 * executor's simulated series in the lighter partner of its measured series' hue (a reader matches
 * a prediction to its measurement by colour; they had unrelated ones), the rest in the palette's
 * order by first appearance. Each chart picks its own series from this one map, so vega's
 * per-chart colour assignment cannot give a colour two meanings.
 */
function seriesColors(m: Merged): Map<string, string> {
  const simulated = m.sources.flatMap((s) => s.doc.simulated.map((x) => ({ name: simulatedName(m, x.executor, s.name), measured: seriesName(m, x.executor, s.name) })));
  const names = [
    ...m.rows.map((r) => rowSeries(m, r)),
    ...m.rows.filter((r) => r.role === 'executor' && oversubscribed(r)).map((r) => coresIdealName(r.cores)),
    ...simulated.map((x) => x.name),
    ...BLOCK_STM_ANCHORS.map(paperName),
  ];
  const colors = new Map([[IDEAL_SERIES, IDEAL_COLOR]]);
  const used = new Set<string>();
  const partner = new Map(simulated.map((x) => [x.name, x.measured]));
  const take = (name: string, color: string) => {
    colors.set(name, color);
    used.add(color);
  };
  for (const n of names) {
    if (colors.has(n)) continue;
    const base = PALETTE.indexOf(colors.get(partner.get(n) ?? '') ?? '');
    const light = base >= 0 && base < HUES ? PALETTE[base + HUES]! : undefined;
    if (light && !used.has(light)) take(n, light);
    else take(n, PALETTE.find((c) => !used.has(c)) ?? PALETTE[(colors.size - 1) % PALETTE.length]!);
  }
  return colors;
}

function workloadOrder(m: Merged): string[] {
  return [...new Set(m.sources.flatMap((s) => s.doc.workloads.map((w) => m.labels.get(w.id)!)))];
}

const THREAD_TICKS = [1, 2, 4, 8, 16, 32, 64];
const KINDS: Kind[] = ['measured', WRONG_KIND, 'ideal', 'simulated', 'paper'];
const DASHES = [[1, 0], [8, 3, 2, 3], [6, 3], [2, 2], [1, 0]];
/** A cross (an X) in the unit square vega sizes symbol paths in. */
const CROSS = 'M-1,-1L1,1M1,-1L-1,1';

function facetChart(m: Merged, points: Point[], title: string, yTitle: string, yLog: boolean): TopLevelSpec {
  const colors = seriesColors(m);
  const order = [...colors.keys()];
  const domain = [...new Set(points.map((p) => p.series))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  // A line style per kind only where kinds differ, or where a run's results were wrong, which no
  // chart draws as a plain line; its legend draws line samples, not dots.
  const kinds = KINDS.filter((k) => k !== 'paper' && points.some((p) => p.kind === k));
  const strokeDash = kinds.length > 1 || kinds.includes(WRONG_KIND)
    ? { strokeDash: { field: 'kind', type: 'nominal' as const, title: 'line', scale: { domain: kinds, range: kinds.map((k) => DASHES[KINDS.indexOf(k)]!) }, legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 400, encode: { symbols: { update: { stroke: { value: '#333333' } } } } } } }
    : {};
  const x = {
    field: 'threads', type: 'quantitative' as const, title: 'threads',
    scale: { type: 'log' as const, base: 2 }, axis: { values: THREAD_TICKS, format: 'd' },
  };
  const y = { field: 'value', type: 'quantitative' as const, title: yTitle, ...(yLog ? { scale: { type: 'log' as const, base: 2 } } : {}) };
  const color = {
    field: 'series', type: 'nominal' as const, title: 'series',
    scale: { domain, range: domain.map((s) => colors.get(s)!) },
    // No label limit (0): a series names its machine with the full label (60+ characters), and a
    // cut one loses what tells two machines, or a run from its simulation, apart.
    legend: { labelLimit: 0, orient: 'bottom' as const, columns: 2 },
  };
  // A ring over each fallback point and a cross over each wrong one, in the legend by a constant
  // datum; each drawn only where there is one, so no chart names a mark it lacks. The layers share
  // one shape scale, so each names every mark drawn.
  const marks = [
    { label: FALLBACK_POINT, shape: 'square', filter: 'datum.fallback === true', drawn: points.some((p) => p.fallback) },
    { label: WRONG_POINT, shape: CROSS, filter: `datum.kind === '${WRONG_KIND}'`, drawn: points.some((p) => p.kind === WRONG_KIND) },
  ].filter((k) => k.drawn);
  const markScale = { domain: marks.map((k) => k.label), range: marks.map((k) => k.shape) };
  const markLayers = marks.map((k) => ({
    mark: { type: 'point' as const, size: 170, filled: false, strokeWidth: 1.5, color: '#000000' },
    transform: [{ filter: k.filter }],
    encoding: { x, y, shape: { datum: k.label, title: 'marked', scale: markScale, legend: { labelLimit: 0, orient: 'bottom' as const } } },
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: points },
    facet: { field: 'workload', type: 'nominal', sort: workloadOrder(m), title: null, header: { labelLimit: 0 } },
    columns: 4,
    spec: {
      width: 190,
      height: 140,
      layer: [
        {
          mark: { type: 'line', point: true, strokeWidth: 1.5 },
          transform: [{ filter: "datum.kind !== 'paper'" }],
          encoding: { x, y, color, ...strokeDash },
        },
        {
          mark: { type: 'point', shape: 'diamond', filled: true, size: 70 },
          transform: [{ filter: "datum.kind === 'paper'" }],
          encoding: { x, y, color },
        },
        ...markLayers,
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config: { font: 'sans-serif', axis: { labelLimit: 120 } },
  };
}

export function speedupChart(m: Merged): Chart {
  const points: Point[] = [];
  const idealDone = new Set<string>();
  for (const s of m.sources) {
    for (const w of s.doc.workloads) {
      const label = m.labels.get(w.id)!;
      if (!idealDone.has(w.id)) {
        idealDone.add(w.id);
        for (const p of w.ideal.points) points.push({ workload: label, threads: p.threads, value: p.speedup, series: IDEAL_SERIES, kind: 'ideal' });
        const blockStm = m.rows.some((r) => r.workload.id === w.id && r.executor === BLOCK_STM) || m.sources.some((x) => x.doc.simulated.some((p) => p.workload === w.id && p.executor === BLOCK_STM));
        for (const a of blockStm ? anchorsFor(w) : []) points.push({ workload: label, threads: a.threads, value: a.speedup, series: paperName(a), kind: 'paper' });
      }
      for (const sim of s.doc.simulated.filter((x) => x.workload === w.id)) {
        points.push({ workload: label, threads: sim.threads, value: sim.speedup, series: simulatedName(m, sim.executor, s.name), kind: 'simulated' });
      }
    }
  }
  // The ideal line is the block's limit on that many workers, as the simulated and the paper's
  // points have them, so it is not capped; a measured run whose threads shared fewer cores is held
  // to the ideal at the cores, flat from the cores to its threads, the figure the results table gives.
  const capped = new Set<string>();
  for (const r of m.rows) {
    if (r.role !== 'executor') continue;
    points.push({ workload: r.label, threads: r.threads, value: r.speedup, series: rowSeries(m, r), kind: measuredKind(r), fallback: fellBack(r) });
    if (!oversubscribed(r) || r.ideal === null) continue;
    for (const threads of [r.cores, r.threads]) {
      const at = JSON.stringify([r.label, r.cores, threads]);
      if (!capped.has(at)) points.push({ workload: r.label, threads, value: r.ideal, series: coresIdealName(r.cores), kind: 'ideal' });
      capped.add(at);
    }
  }
  // Each file's speedups are over its own baseline: the title names it where it is not Concord's sequential executor.
  const baselines = baselineNames(m.sources.map((s) => s.doc.settings));
  const own = baselines.filter((b) => b !== SEQUENTIAL_BASELINE);
  const over = baselines.length > 1 ? 'each file\'s own baseline' : own.length === 1 ? `the baseline ${own[0]}` : 'the sequential baseline';
  const short = own.length === 0 ? 'sequential' : 'the baseline';
  return chart('speedup', `Speedup over ${over} vs threads`, facetChart(m, points, `Speedup over ${short} vs threads, against the ideal`, 'speedup (x)', true), points);
}

export function throughputChart(m: Merged): Chart {
  const points: Point[] = m.rows.map((r) => ({
    workload: r.label, threads: r.threads, value: r.txPerSecond, series: rowSeries(m, r), kind: measuredKind(r), fallback: fellBack(r),
  }));
  return chart('throughput', 'Throughput (transactions per second)', facetChart(m, points, 'Throughput vs threads', 'tx/s', false), points);
}

/** Efficiency of the runs that ran in parallel: one that sent every block to the sequential executor has none (the tables say n/a). */
export function efficiencyChart(m: Merged): Chart {
  const points: Point[] = m.rows.filter((r) => r.role === 'executor' && r.efficiency !== null && !allSequential(r)).map((r) => ({
    workload: r.label, threads: r.threads, value: r.efficiency!, series: rowSeries(m, r), kind: measuredKind(r), fallback: fellBack(r),
  }));
  return chart('efficiency', 'Efficiency: measured speedup / ideal speedup', facetChart(m, points, 'Efficiency against the ideal at min(threads, cores) (1 = the limit of the block\'s dependencies on the cores that ran)', 'measured / ideal', false), points);
}

/** The charts that have something to draw (no efficiency chart without a parallel executor). */
export function charts(m: Merged): Chart[] {
  return [speedupChart(m), throughputChart(m), efficiencyChart(m)].filter((c) => c.series.length > 0);
}

/** Renders a vega-lite spec to a standalone SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
