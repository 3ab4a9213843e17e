// Charts of a (merged) report as vega-lite specifications rendered to SVG in plain Node (vega's
// headless 'none' renderer: no browser, no canvas). Speedup vs threads per workload with the
// ideal list-schedule line, simulated predictions and the Block-STM paper's figures; throughput;
// efficiency against the ideal.
// Invariant: every series a chart draws is named in its legend, so a reader (and the tests) can
// find each one in the SVG's text.

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { BLOCK_STM_ANCHORS, P2P_GRID_GROUP } from './anchors.js';
import type { Merged } from './merge.js';
import { workloadLabel } from './summary.js';

export const IDEAL_SERIES = 'ideal (list schedule)';

type Kind = 'measured' | 'ideal' | 'simulated' | 'paper';

interface Point {
  workload: string;
  threads: number;
  value: number;
  series: string;
  kind: Kind;
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

/** Series name of an executor: with several machines, which machine it ran on too. */
function seriesName(m: Merged, executor: string, machine: string): string {
  return m.sources.length > 1 ? `${executor} · ${machine}` : executor;
}

function workloadOrder(m: Merged): string[] {
  return [...new Set(m.sources.flatMap((s) => s.doc.workloads.map(workloadLabel)))];
}

const THREAD_TICKS = [1, 2, 4, 8, 16, 32, 64];
const KINDS: Kind[] = ['measured', 'ideal', 'simulated', 'paper'];
const DASHES = [[1, 0], [6, 3], [2, 2], [1, 0]];

function facetChart(m: Merged, points: Point[], title: string, yTitle: string, yLog: boolean): TopLevelSpec {
  // A line style per kind only where kinds differ; its legend draws line samples, not dots.
  const kinds = KINDS.filter((k) => k !== 'paper' && points.some((p) => p.kind === k));
  const strokeDash = kinds.length > 1
    ? { strokeDash: { field: 'kind', type: 'nominal' as const, title: 'line', scale: { domain: kinds, range: kinds.map((k) => DASHES[KINDS.indexOf(k)]!) }, legend: { symbolType: 'stroke', symbolStrokeWidth: 2 } } }
    : {};
  const x = {
    field: 'threads', type: 'quantitative' as const, title: 'threads',
    scale: { type: 'log' as const, base: 2 }, axis: { values: THREAD_TICKS, format: 'd' },
  };
  const y = { field: 'value', type: 'quantitative' as const, title: yTitle, ...(yLog ? { scale: { type: 'log' as const, base: 2 } } : {}) };
  const color = { field: 'series', type: 'nominal' as const, title: 'series', legend: { labelLimit: 360, orient: 'bottom' as const, columns: 2 } };
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
      const label = workloadLabel(w);
      if (!idealDone.has(label)) {
        idealDone.add(label);
        for (const p of w.ideal.points) points.push({ workload: label, threads: p.threads, value: p.speedup, series: IDEAL_SERIES, kind: 'ideal' });
        if (w.group === P2P_GRID_GROUP) {
          for (const a of BLOCK_STM_ANCHORS) {
            points.push({ workload: label, threads: a.threads, value: a.speedup, series: `paper: ${a.setting}`, kind: 'paper' });
          }
        }
      }
      for (const sim of s.doc.simulated.filter((x) => x.workload === w.id)) {
        points.push({ workload: label, threads: sim.threads, value: sim.speedup, series: `${seriesName(m, sim.executor, s.name)} (simulated)`, kind: 'simulated' });
      }
    }
  }
  for (const r of m.rows) {
    if (r.role === 'executor') points.push({ workload: r.label, threads: r.threads, value: r.speedup, series: seriesName(m, r.executor, r.machine), kind: 'measured' });
  }
  return chart('speedup', 'Speedup over the sequential baseline vs threads', facetChart(m, points, 'Speedup over sequential vs threads, against the ideal', 'speedup (x)', true), points);
}

export function throughputChart(m: Merged): Chart {
  const points: Point[] = m.rows.map((r) => ({
    workload: r.label, threads: r.threads, value: r.txPerSecond, series: seriesName(m, r.executor, r.machine), kind: 'measured' as const,
  }));
  return chart('throughput', 'Throughput (transactions per second)', facetChart(m, points, 'Throughput vs threads', 'tx/s', false), points);
}

export function efficiencyChart(m: Merged): Chart {
  const points: Point[] = m.rows.filter((r) => r.role === 'executor' && r.efficiency !== null).map((r) => ({
    workload: r.label, threads: r.threads, value: r.efficiency!, series: seriesName(m, r.executor, r.machine), kind: 'measured' as const,
  }));
  return chart('efficiency', 'Efficiency: measured speedup / ideal speedup', facetChart(m, points, 'Efficiency against the ideal (1 = the physical limit)', 'measured / ideal', false), points);
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
