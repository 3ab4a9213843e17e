// Writing a report directory from results files: report.md, report.html and one SVG per chart.
// Invariant: the HTML embeds the very SVGs written beside it, so the page and the files agree.

import { rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../cli/errors.js';
import { writeWhole } from '../cli/output.js';
import { merge } from './merge.js';
import { renderHtml, renderMarkdown, type RenderedChart, type Section } from './render.js';
import type { ResultsFile } from './schema.js';

export interface WrittenReport {
  readonly markdown: string;
  readonly html: string;
  readonly charts: readonly string[];
  /** Charts an earlier report left in the folder that these results do not draw, removed. */
  readonly removed: readonly string[];
}

export async function renderCharts(inputs: readonly { file: string; doc: ResultsFile }[]): Promise<{ merged: ReturnType<typeof merge>; rendered: RenderedChart[] }> {
  const merged = merge(inputs);
  // Vega takes about 0.5 s to load, so only the commands that draw charts load it.
  const { charts, renderSvg } = await import('./charts.js');
  const rendered: RenderedChart[] = [];
  for (const c of charts(merged)) rendered.push({ name: c.name, title: c.title, svg: await renderSvg(c.spec) });
  return { merged, rendered };
}

export async function writeReport(inputs: readonly { file: string; doc: ResultsFile }[], outDir: string): Promise<WrittenReport> {
  return writeRendered(await renderCharts(inputs), outDir);
}

/** The names of the files a report may hold (a chart's only where it has points): `concord main` checks them before its parts run. */
export const REPORT_FILES: readonly string[] = ['report.md', 'report.html', 'speedup.svg', 'throughput.svg', 'efficiency.svg'];

/**
 * Writes a report renderCharts drew into `outDir`, synchronously: `concord main` draws it where a
 * signal may stop it (cli/main.ts). A folder where one of its files goes is refused before any is
 * written: a report half new, half an older run's, would chart one run and describe another. Each
 * file is written whole; a write that fails part-way (a full disk) leaves the ones before it new.
 * For the same reason a chart of REPORT_FILES these results do not draw (an earlier report's, in
 * the same folder) is removed first: published whole, the folder would carry another run's chart.
 * `lead`: sections that go first, about the job the results came from (main's parts it skipped).
 */
export function writeRendered({ merged, rendered }: Awaited<ReturnType<typeof renderCharts>>, outDir: string, lead: readonly Section[] = []): WrittenReport {
  const charts = rendered.map((c) => ({ path: join(outDir, `${c.name}.svg`), text: c.svg }));
  const markdown = join(outDir, 'report.md');
  const html = join(outDir, 'report.html');
  const files = [...charts, { path: markdown, text: renderMarkdown(merged, rendered, '.', lead) }, { path: html, text: renderHtml(merged, rendered, lead) }];
  const unlisted = files.find((f) => !REPORT_FILES.includes(basename(f.path)));
  if (unlisted) throw new Error(`${basename(unlisted.path)} is not in REPORT_FILES, which concord main checks before it runs`);
  const taken = files.find((f) => statSync(f.path, { throwIfNoEntry: false })?.isDirectory() === true);
  if (taken) throw new UsageError(`${taken.path}: is a folder, where the report writes a file; move it, or give another --out folder`);
  const stale = REPORT_FILES.filter((name) => name.endsWith('.svg') && !rendered.some((c) => `${c.name}.svg` === name))
    .map((name) => join(outDir, name)).filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile() === true);
  for (const path of stale) rmSync(path);
  for (const f of files) writeWhole(f.path, f.text);
  return { markdown, html, charts: charts.map((c) => c.path), removed: stale };
}
