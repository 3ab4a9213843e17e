// Writing a report directory from results files: report.md, report.html and one SVG per chart.
// Invariant: the HTML embeds the very SVGs written beside it, so the page and the files agree.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { merge } from './merge.js';
import { renderHtml, renderMarkdown, type RenderedChart } from './render.js';
import type { ResultsFile } from './schema.js';

export interface WrittenReport {
  readonly markdown: string;
  readonly html: string;
  readonly charts: readonly string[];
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

/**
 * Writes a report renderCharts drew into `outDir`, synchronously: `concord main` draws it where a
 * signal may stop it (cli/main.ts), and then writes it whole or not at all.
 */
export function writeRendered({ merged, rendered }: Awaited<ReturnType<typeof renderCharts>>, outDir: string): WrittenReport {
  mkdirSync(outDir, { recursive: true });
  const chartFiles: string[] = [];
  for (const c of rendered) {
    const path = join(outDir, `${c.name}.svg`);
    writeFileSync(path, c.svg);
    chartFiles.push(path);
  }
  const markdown = join(outDir, 'report.md');
  const html = join(outDir, 'report.html');
  writeFileSync(markdown, renderMarkdown(merged, rendered));
  writeFileSync(html, renderHtml(merged, rendered));
  return { markdown, html, charts: chartFiles };
}
