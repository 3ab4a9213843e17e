// `concord report RESULTS.json... --out DIR`: Markdown and a self-contained HTML page with charts
// from one or more results files (several machines merge into one comparison of hardware).
// Invariant: a malformed or unknown-version results file, or one that holds no runs, is an input
// error (exit 2) naming the file (and the field); nothing is written then.

import { readFile } from 'node:fs/promises';
import { parseResults, ResultsFileError, type ResultsFile } from '../reports/schema.js';
import { writeReport } from '../reports/report.js';
import { plural } from '../spec/plural.js';
import { EXIT, UsageError } from './errors.js';
import { checkOutDir, fsReason } from './output.js';

export interface ReportOptions {
  files: string[];
  out: string;
}

/** Reads and validates results files, turning schema errors into usage errors (exit 2). */
export async function readResults(files: readonly string[]): Promise<{ file: string; doc: ResultsFile }[]> {
  const out: { file: string; doc: ResultsFile }[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new UsageError(`${file}: cannot read: ${fsReason(e)}`);
    }
    try {
      out.push({ file, doc: parseResults(text, file) });
    } catch (e) {
      if (e instanceof ResultsFileError) throw new UsageError(e.message);
      throw e;
    }
  }
  return out;
}

export async function reportCommand(o: ReportOptions): Promise<number> {
  if (o.files.length === 0) throw new UsageError('report: give at least one results file');
  if (o.out === '') throw new UsageError('--out: empty folder name; give a folder');
  const inputs = await readResults(o.files);
  // A sweep whose every run failed still writes a file; its report would be headings without a figure.
  const empty = inputs.find((i) => i.doc.runs.length === 0);
  if (empty) {
    const failures = empty.doc.failures.length;
    throw new UsageError(`${empty.file}: holds no runs${failures > 0 ? ` (only ${plural(failures, 'failure')})` : ''}: nothing to report`);
  }
  checkOutDir(o.out, '--out');
  const written = await writeReport(inputs, o.out);
  process.stderr.write(`report: ${written.html}\nreport: ${written.markdown} (+ ${written.charts.length} SVG charts)\n`);
  return EXIT.OK;
}
