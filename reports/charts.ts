// Charts of a (merged) report as vega-lite specifications rendered to SVG in plain Node (vega's
// headless 'none' renderer: no browser, no canvas). Speedup vs threads per workload with the
// ideal list-schedule line, simulated predictions and the Block-STM paper's figures (on the
// workloads anchorsFor gives them, as the tables do, and only in panels with a Block-STM series),
// and where measured runs had more threads than the machine's cores, the ideal at the cores
// carried on to them, the ideal the results table gives those runs; throughput; efficiency against the ideal, of runs that ran in parallel.
// Invariants: every series a chart draws is named in its legends: its executor (or ideal) in the
// colour legend and how it was obtained (measured, simulated and how the model was fitted, ideal)
// in the line-style legend, the paper's figures each by name, so a reader (and the tests) can find
// each one in the SVG's text; an executor has one hue in every chart of a report, its
// measurements and its predictions alike, told apart by dash, width and opacity; the panels of a
// chart share one y scale, so panels side by side compare; the points of runs the sequential
// executor partly or wholly ran are ringed, those whose rounds disagree as the results table's "no
// figure to quote" marked, and each mark is in the legend too; a run that did not match the
// reference is never drawn as a valid figure: its point is crossed out, its line dashed apart from
// its series' correct runs, and its series' legend entry says so, since a chart is often pasted
// where no table stands beside it. The same results draw the same bytes.

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { anchorsFor, type Anchor } from './anchors.js';
import { optimistic, pessimistic } from './fit.js';
import type { Merged } from './merge.js';
import type { ResultsFile } from './schema.js';
import { BLOCK_STM } from './verdict.js';
import { allSequential, fellBack, oversubscribed, UNSTEADY, unsteady, type Row } from './summary.js';
import { baselineNames, SEQUENTIAL_BASELINE } from './baseline.js';
import { plural } from '../spec/plural.js';

export const IDEAL_SERIES = 'ideal (list schedule)';
/** The legend entry of the ideal that measured runs with more threads than `cores` are held to: the ideal at the cores. */
export const coresIdealName = (cores: number) => `ideal on ${plural(cores, 'core')}: more threads share them`;
/** The legend entry of the ring around a point whose run fell back. */
export const FALLBACK_POINT = 'fell back to the sequential executor';
/** The legend entry of the cross over a point whose run did not match the reference. */
export const WRONG_POINT = '✗ did not match the reference: not a valid figure';
/** The legend entry of the triangle over a point whose rounds disagree as the results table's "no figure to quote" footnote says. */
export const UNSTEADY_POINT = `rounds more than ${UNSTEADY}x apart: no figure to quote`;
/** The kind of a measured run that did not match the reference, as the line-style legend names it. */
export const WRONG_KIND = 'wrong results';
/** The kinds of a simulated series, by how its model was fitted above 1 thread, in the words of the tables' footnotes (reports/fit.ts). */
export const FITTED_KIND = 'simulated';
export const OPTIMISTIC_KIND = 'simulated, optimistic (not fitted)';
export const PESSIMISTIC_KIND = 'simulated, pessimistic';
/** The legends' titles, in plain words. */
export const COLOUR_TITLE = 'series';
export const STYLE_TITLE = 'measured / simulated / ideal';
export const MARK_TITLE = 'marks on points';
export const PAPER_TITLE = `${BLOCK_STM} paper, on its own hardware`;

type Kind = 'measured' | typeof WRONG_KIND | 'ideal' | typeof FITTED_KIND | typeof OPTIMISTIC_KIND | typeof PESSIMISTIC_KIND | 'paper';
type SimulatedRecord = ResultsFile['simulated'][number];

interface Point {
  /** The workload's label, its panel: one per workload id, since merge keeps labels distinct per id. */
  workload: string;
  threads: number;
  value: number;
  /** The series, as Chart.series names it. */
  series: string;
  /** Its entry in the colour legend: the executor it measures or predicts (with its machine, and a ✗ where runs were wrong), the ideal, or the paper's figure. */
  hue: string;
  kind: Kind;
  /** A measured run the sequential executor partly or wholly ran: its figure is not the parallel engine's alone. */
  fallback?: boolean;
  /** The (lo–hi) range of the run's per-round speedups, in the value's unit, where its results hold rounds. */
  lo?: number;
  hi?: number;
  /** Its rounds' speedups more than UNSTEADY apart: the results table calls it no figure to quote. */
  unsteady?: boolean;
}

export interface Chart {
  /** File stem: speedup, throughput, efficiency. */
  readonly name: string;
  readonly title: string;
  readonly spec: TopLevelSpec;
  /** The series drawn, as named in the legends (a simulated one by its executor and its kind). */
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
/** A paper figure's series: its setting, under the paper's legend title. */
export const paperName = (a: Anchor) => `${a.setting}${a.derived ? ' (derived from throughput)' : ''}`;

/**
 * A simulated series' kind: how its model was fitted above 1 thread (at 1 thread every model's
 * point is the measurement's), as the tables' footnotes mark it. A series is one line, so one
 * unfitted point makes the whole line optimistic.
 */
function simulatedKind(series: readonly SimulatedRecord[]): Kind {
  const above = series.filter((x) => x.threads > 1);
  return above.some((x) => optimistic(x.model)) ? OPTIMISTIC_KIND : above.some((x) => pessimistic(x.model)) ? PESSIMISTIC_KIND : FITTED_KIND;
}

/** vega's tableau10 hues, reordered so the first few an executor takes (blue the baseline's) lie far apart: orange beside red read as one. */
const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756', '#72b7b2', '#9d755d', '#ff9da6', '#eeca3b', '#bab0ac'];
const IDEAL_COLOR = '#333333';
/** The paper's figures are another machine's, in a grey no executor takes, each setting a shape of its own. */
const PAPER_COLOR = '#666666';
const PAPER_SHAPES = ['diamond', 'triangle-up', 'triangle-down', 'triangle-right'];

/**
 * Every hue any chart of the report can draw: the ideal in near-black, the rest in the palette's
 * order by first appearance, one per executor (per machine), whose predictions share it. Each chart
 * picks its own entries from this one map, so vega's per-chart colour assignment cannot give a
 * colour two meanings.
 */
function hueColors(m: Merged): Map<string, string> {
  const names = [
    ...m.rows.map((r) => rowSeries(m, r)),
    ...m.rows.filter((r) => r.role === 'executor' && oversubscribed(r)).map((r) => coresIdealName(r.cores)),
    ...m.sources.flatMap((s) => s.doc.simulated.map((x) => seriesName(m, x.executor, s.name))),
  ];
  const colors = new Map([[IDEAL_SERIES, IDEAL_COLOR]]);
  for (const n of names) {
    if (colors.has(n)) continue;
    const used = new Set(colors.values());
    colors.set(n, PALETTE.find((c) => !used.has(c)) ?? PALETTE[(colors.size - 1) % PALETTE.length]!);
  }
  return colors;
}

function workloadOrder(m: Merged): string[] {
  return [...new Set(m.sources.flatMap((s) => s.doc.workloads.map((w) => m.labels.get(w.id)!)))];
}

const THREAD_TICKS = [1, 2, 4, 8, 16, 32, 64];
/**
 * How each kind of line is drawn: measurements solid, heavy and opaque, since they are what was
 * seen; predictions thin, faint and dashed, a dash for each way their model was fitted; the ideal
 * thin and dashed in its own near-black.
 */
const STYLES: readonly { kind: Exclude<Kind, 'paper'>; dash: number[]; width: number; opacity: number }[] = [
  { kind: 'measured', dash: [1, 0], width: 2.5, opacity: 1 },
  { kind: WRONG_KIND, dash: [8, 3, 2, 3], width: 2.5, opacity: 1 },
  { kind: FITTED_KIND, dash: [4, 3], width: 1.25, opacity: 0.6 },
  { kind: OPTIMISTIC_KIND, dash: [1.5, 2.5], width: 1.5, opacity: 0.6 },
  { kind: PESSIMISTIC_KIND, dash: [12, 3], width: 1.25, opacity: 0.6 },
  { kind: 'ideal', dash: [6, 3], width: 1.25, opacity: 0.9 },
];
/** A cross (an X) in the unit square vega sizes symbol paths in. */
const CROSS = 'M-1,-1L1,1M1,-1L-1,1';
const MARK_COLOR = '#000000';
const MEASURED = `datum.kind === 'measured' || datum.kind === '${WRONG_KIND}'`;

/** What an error bar's ends are, in words: the quantity and the unit after each figure ("x" for a speedup). */
interface RangeUnit {
  readonly noun: string;
  readonly suffix: string;
}

/**
 * A vega expression for an error bar's aria label: "block-stm at 2 threads on p2p 10 acc × 1000 tx:
 * its rounds' speedup ranged from 1.10x to 1.13x".
 */
function rangeWords(unit: RangeUnit): string {
  const threads = "datum.threads + (datum.threads === 1 ? ' thread' : ' threads')";
  const end = (field: string) => `format(datum.${field}, '.2f') + ${JSON.stringify(unit.suffix)}`;
  return `datum.series + ' at ' + ${threads} + ' on ' + datum.workload + ${JSON.stringify(`: its rounds' ${unit.noun} ranged from `)} + ${end('lo')} + ' to ' + ${end('hi')}`;
}

function facetChart(m: Merged, points: Point[], title: string, subtitle: readonly string[], yTitle: string, yLog: boolean, unit: RangeUnit | null = null): TopLevelSpec {
  const colors = hueColors(m);
  const order = [...colors.keys()];
  const lines = points.filter((p) => p.kind !== 'paper');
  const hues = [...new Set(lines.map((p) => p.hue))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const styles = STYLES.filter((s) => lines.some((p) => p.kind === s.kind));
  // The style legend only where kinds differ, or where a run's results were wrong, which no chart
  // draws as a plain line. Its three channels share the field and title, so vega-lite merges them
  // into one legend whose samples are drawn as the lines are.
  const styleLegend = styles.length > 1 || styles.some((s) => s.kind === WRONG_KIND)
    ? { symbolType: 'stroke', symbolSize: 400, labelLimit: 0, titleLimit: 0, orient: 'top' as const, direction: 'vertical' as const, encode: { symbols: { update: { stroke: { value: IDEAL_COLOR } } } } }
    : null;
  const style = (pick: (s: (typeof STYLES)[number]) => number | number[]) => ({
    // An ordinal scale maps each kind to its own value; vega-lite's default for a width or an
    // opacity would spread the range's two ends over the kinds.
    field: 'kind', type: 'ordinal' as const, title: STYLE_TITLE, sort: styles.map((s) => s.kind),
    scale: { type: 'ordinal' as const, domain: styles.map((s) => s.kind), range: styles.map(pick) }, legend: styleLegend,
  });
  const x = {
    field: 'threads', type: 'quantitative' as const, title: 'threads',
    scale: { type: 'log' as const, base: 2 }, axis: { values: THREAD_TICKS, format: 'd' },
  };
  const y = { field: 'value', type: 'quantitative' as const, title: yTitle, ...(yLog ? { scale: { type: 'log' as const, base: 2 } } : {}) };
  const color = {
    field: 'hue', type: 'nominal' as const, title: COLOUR_TITLE,
    scale: { domain: hues, range: hues.map((s) => colors.get(s)!) },
    // No label limit (0): a series names its machine with the full label (60+ characters), and a
    // cut one loses what tells two machines apart.
    legend: { labelLimit: 0, titleLimit: 0, orient: 'top' as const, direction: 'vertical' as const, symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 },
  };
  const paper = [...new Set(points.filter((p) => p.kind === 'paper').map((p) => p.series))];
  const paperLayers = paper.length === 0 ? [] : [{
    mark: { type: 'point' as const, filled: true, size: 80, color: PAPER_COLOR },
    transform: [{ filter: "datum.kind === 'paper'" }],
    encoding: { x, y, shape: { field: 'series', type: 'nominal' as const, title: PAPER_TITLE, scale: { domain: paper, range: paper.map((_, i) => PAPER_SHAPES[i % PAPER_SHAPES.length]!) }, legend: { labelLimit: 0, titleLimit: 0, orient: 'bottom' as const, direction: 'vertical' as const } } },
  }];
  // A ring over each fallback point, a triangle over each unsteady one and a cross over each wrong
  // one, in the legend by a constant datum; each drawn only where there is one, so no chart names
  // a mark it lacks. They take the stroke channel, all black, with each legend symbol shaped as its
  // mark is: on the shape channel they would share the paper's scale and legend, and a scale of
  // their own there would give every panel its own legend.
  const marks = [
    { label: FALLBACK_POINT, shape: 'square', filter: 'datum.fallback === true', drawn: points.some((p) => p.fallback) },
    { label: UNSTEADY_POINT, shape: 'triangle-up', filter: 'datum.unsteady === true', drawn: points.some((p) => p.unsteady) },
    { label: WRONG_POINT, shape: CROSS, filter: `datum.kind === '${WRONG_KIND}'`, drawn: points.some((p) => p.kind === WRONG_KIND) },
  ].filter((k) => k.drawn);
  const markScale = { domain: marks.map((k) => k.label), range: marks.map(() => MARK_COLOR) };
  const markShape = marks.reduceRight((rest, k) => `datum.value === ${JSON.stringify(k.label)} ? ${JSON.stringify(k.shape)} : ${rest}`, "'circle'");
  const markLegend = { labelLimit: 0, titleLimit: 0, orient: 'bottom' as const, direction: 'vertical' as const, symbolFillColor: 'transparent', symbolStrokeWidth: 1.5, encode: { symbols: { update: { shape: { signal: markShape } } } } };
  const markLayers = marks.map((k) => ({
    mark: { type: 'point' as const, shape: k.shape, size: 190, filled: false, strokeWidth: 1.5 },
    transform: [{ filter: k.filter }],
    encoding: { x, y, stroke: { datum: k.label, title: MARK_TITLE, scale: markScale, legend: markLegend } },
  }));
  const ranged = unit !== null && points.some((p) => p.lo !== undefined);
  // One line per series and kind: the detail channel keeps two series of one hue and kind apart.
  const lineLayer = (filter: string) => ({
    mark: { type: 'line' as const },
    transform: [{ filter }],
    encoding: { x, y, color, strokeDash: style((s) => s.dash), strokeWidth: style((s) => s.width), opacity: style((s) => s.opacity), detail: { field: 'series', type: 'nominal' as const } },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: [...subtitle], anchor: 'start', subtitleFontSize: 11.5, subtitleColor: '#444444', subtitlePadding: 4, offset: 12 },
    data: { values: points },
    facet: { field: 'workload', type: 'nominal', sort: workloadOrder(m), title: null, header: { labelLimit: 0 } },
    columns: 4,
    // Vega's headless renderer has no font to measure text by and takes each character as 0.8 em,
    // half again its width: a panel's whole title would push the columns apart by that much. The
    // panels sit flush instead, spaced for the title over each, and for the one y axis on the left.
    bounds: 'flush',
    spacing: { row: 34, column: 24 },
    spec: {
      width: 240,
      height: 150,
      layer: [
        // Predictions and the ideal first, measurements over them: a model's 1-thread point is the measurement's.
        lineLayer(`datum.kind !== 'paper' && !(${MEASURED})`),
        {
          mark: { type: 'point' as const, filled: true, size: 14 },
          transform: [{ filter: `datum.kind !== 'paper' && !(${MEASURED})` }],
          encoding: { x, y, color, opacity: style((s) => s.opacity) },
        },
        lineLayer(MEASURED),
        ...(ranged ? [{
          mark: { type: 'errorbar' as const, ticks: { size: 7 }, thickness: 1.5 },
          // A screen reader reads a bar's label: in words, not vega's field names (upper_lo, hi, lo).
          transform: [{ filter: 'isValid(datum.lo)' }, { calculate: rangeWords(unit!), as: 'words' }],
          encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, description: { field: 'words', type: 'nominal' as const } },
        }] : []),
        {
          mark: { type: 'point' as const, filled: true, size: 55, opacity: 1 },
          transform: [{ filter: MEASURED }],
          encoding: { x, y, color },
        },
        ...paperLayers,
        ...markLayers,
      ],
    },
    config: { font: 'sans-serif', axis: { labelLimit: 120 } },
  };
}

/** A measured run's point: its round range scaled by `per` (speedup 1, efficiency 1 / ideal), and whether its rounds disagree. */
function measuredPoint(m: Merged, r: Row, value: number, per: number | null): Point {
  const series = rowSeries(m, r);
  const s = per === null ? null : r.roundSpeedups;
  const ranged = s === null ? {} : { lo: s.lo * per!, hi: s.hi * per!, ...(unsteady(r) ? { unsteady: true } : {}) };
  return { workload: r.label, threads: r.threads, value, series, hue: series, kind: measuredKind(r), fallback: fellBack(r), ...ranged };
}

/** The subtitle line every chart opens with. Subtitles are given line by line: vega wraps no text. */
export const SHARED_SCALE = 'Every panel shares one y scale, so panels side by side compare.';
/** What a bar over a measured point spans. */
const RANGE_BAR = 'a bar spans the (lo–hi) range of its rounds\' speedups the results table gives';

export function speedupChart(m: Merged): Chart {
  const points: Point[] = [];
  const idealDone = new Set<string>();
  for (const s of m.sources) {
    for (const w of s.doc.workloads) {
      const label = m.labels.get(w.id)!;
      if (!idealDone.has(w.id)) {
        idealDone.add(w.id);
        for (const p of w.ideal.points) points.push({ workload: label, threads: p.threads, value: p.speedup, series: IDEAL_SERIES, hue: IDEAL_SERIES, kind: 'ideal' });
        const blockStm = m.rows.some((r) => r.workload.id === w.id && r.executor === BLOCK_STM) || m.sources.some((x) => x.doc.simulated.some((p) => p.workload === w.id && p.executor === BLOCK_STM));
        for (const a of blockStm ? anchorsFor(w) : []) points.push({ workload: label, threads: a.threads, value: a.speedup, series: paperName(a), hue: paperName(a), kind: 'paper' });
      }
      const sims = s.doc.simulated.filter((x) => x.workload === w.id);
      for (const executor of new Set(sims.map((x) => x.executor))) {
        const series = sims.filter((x) => x.executor === executor);
        const kind = simulatedKind(series);
        for (const sim of series) {
          points.push({ workload: label, threads: sim.threads, value: sim.speedup, series: simulatedName(m, executor, s.name), hue: seriesName(m, executor, s.name), kind });
        }
      }
    }
  }
  // The ideal line is the block's limit on that many workers, as the simulated and the paper's
  // points have them, so it is not capped; a measured run whose threads shared fewer cores is held
  // to the ideal at the cores, flat from the cores to its threads, the figure the results table gives.
  const capped = new Set<string>();
  for (const r of m.rows) {
    if (r.role !== 'executor') continue;
    points.push(measuredPoint(m, r, r.speedup, 1));
    if (!oversubscribed(r) || r.ideal === null) continue;
    for (const threads of [r.cores, r.threads]) {
      const at = JSON.stringify([r.label, r.cores, threads]);
      if (!capped.has(at)) points.push({ workload: r.label, threads, value: r.ideal, series: coresIdealName(r.cores), hue: coresIdealName(r.cores), kind: 'ideal' });
      capped.add(at);
    }
  }
  // Each file's speedups are over its own baseline: the title names it where it is not Concord's sequential executor.
  const baselines = baselineNames(m.sources.map((s) => s.doc.settings));
  const own = baselines.filter((b) => b !== SEQUENTIAL_BASELINE);
  const over = baselines.length > 1 ? 'each file\'s own baseline' : own.length === 1 ? `the baseline ${own[0]}` : 'the sequential baseline';
  const short = own.length === 0 ? 'sequential' : 'the baseline';
  const subtitle = [
    SHARED_SCALE.replace('y scale', 'y scale (log)'),
    `Measured: solid lines and large dots; ${RANGE_BAR}.`,
    'Simulated and the ideal: thin dashed lines; the dash says how a model was fitted.',
  ];
  return chart('speedup', `Speedup over ${over} vs threads`, facetChart(m, points, `Speedup over ${short} vs threads, against the ideal`, subtitle, 'speedup (x), log scale', true, { noun: 'speedup', suffix: 'x' }), points);
}

export function throughputChart(m: Merged): Chart {
  const points = m.rows.map((r) => measuredPoint(m, r, r.txPerSecond, null));
  const subtitle = [SHARED_SCALE, 'The baseline runs on 1 thread, timed beside each thread count.'];
  return chart('throughput', 'Throughput (transactions per second)', facetChart(m, points, 'Throughput vs threads', subtitle, 'tx/s', false), points);
}

/** Efficiency of the runs that ran in parallel: one that sent every block to the sequential executor has none (the tables say n/a). */
export function efficiencyChart(m: Merged): Chart {
  const points = m.rows.filter((r) => r.role === 'executor' && r.efficiency !== null && !allSequential(r))
    .map((r) => measuredPoint(m, r, r.efficiency!, 1 / r.ideal!));
  const subtitle = [SHARED_SCALE, '1 = the limit of the block\'s dependencies on the cores that ran.', `Over the same ideal, ${RANGE_BAR}.`];
  return chart('efficiency', 'Efficiency: measured speedup / ideal speedup', facetChart(m, points, 'Efficiency against the ideal at min(threads, cores)', subtitle, 'measured / ideal', false, { noun: 'efficiency (measured / ideal)', suffix: '' }), points);
}

/** The charts that have something to draw (no efficiency chart without a parallel executor). */
export function charts(m: Merged): Chart[] {
  return [speedupChart(m), throughputChart(m), efficiencyChart(m)].filter((c) => c.series.length > 0);
}

/** Renders a vega-lite spec to a standalone SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    // Vega sizes the SVG in pixels; a window narrower than that scales it down (its viewBox keeps
    // the proportions), where the page would otherwise clip the legend or scroll it sideways.
    return (await view.toSVG()).replace(/^<svg /, '<svg style="max-width:100%;height:auto" ');
  } finally {
    view.finalize();
  }
}
