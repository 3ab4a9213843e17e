// `concord report RESULTS.json... --out DIR`: Markdown and a self-contained HTML page with charts
// from one or more results files (several machines merge into one comparison of hardware).
// Invariant: a malformed or unknown-version results file, or one that holds no runs, is an input
// error (exit 2) naming the file (and the field); nothing is written then. So is one run given
// twice, naming both: the same file (by real path, so `a.json`, `./a.json` and a link to it are
// one) or two files with the same bytes. A report would count that run twice, as "(run 2)" of its
// machine, and compare a machine with itself. Byte-identical content is taken as a copy, not as a
// second run: a bench writes its creation time and measured samples, which two runs never share.
// A results file that is one of the files the report writes into --out (report.md, a chart's SVG;
// by real path, so a link or another spelling counts) is refused too, before anything is written:
// the report would replace the very results it was drawn from.

import { basename, join } from 'node:path';
import { parseResults, ResultsFileError, type ResultsFile } from '../reports/schema.js';
import { utf8Text } from '../spec/messages.js';
import { REPORT_FILES, writeReport } from '../reports/report.js';
import { concordVersion } from './version.js';
import { plural } from '../spec/plural.js';
import { EXIT, UsageError } from './errors.js';
import { checkOutDir, nothingPiped, refuseDash, readInputFile, readStdin, realPathOf, repeatedRun, STDIN_LABEL } from './output.js';

export interface ReportOptions {
  files: string[];
  out: string;
}

/** A results file as read: the name it was given by, its document, and what tells one run given twice. */
export interface ResultsInput {
  readonly file: string;
  readonly doc: ResultsFile;
  /** The file's real path (output.ts realPathOf). */
  readonly realPath: string;
  readonly text: string;
}

/** Reads and validates results files (`-`: standard input), turning schema errors into usage errors (exit 2). */
export async function readResults(files: readonly string[], command: string): Promise<ResultsInput[]> {
  const out: ResultsInput[] = [];
  // Only a file this Concord cannot read needs it, to say whether a newer one wrote it; a package.json it cannot read must not stop the others.
  let reader: string | undefined;
  try {
    reader = concordVersion();
  } catch {
    reader = undefined;
  }
  // Standard input holds one document; a second `-` would find it read.
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('-: given twice; standard input holds one results file, so give the others as files');
  const pipe = `concord bench ... --json | concord ${command} -${command === 'compare' ? ' NEW.json' : ''}`;
  for (const given of files) {
    const stdin = given === '-';
    const file = stdin ? STDIN_LABEL : given;
    const bytes = stdin ? await readStdin('a results file', pipe) : await readInputFile(file);
    try {
      const text = utf8Text(bytes, (problem) => new ResultsFileError(file, 'encoding', problem));
      const nothing = stdin ? nothingPiped(text) : undefined;
      if (nothing !== undefined) throw new UsageError(`${STDIN_LABEL}: ${nothing} (pipe a results file into it: ${pipe})`);
      out.push({ file, doc: parseResults(text, file, reader), realPath: stdin ? STDIN_LABEL : realPathOf(file), text });
    } catch (e) {
      if (e instanceof ResultsFileError) throw new UsageError(e.message);
      throw e;
    }
  }
  return out;
}

/**
 * The first input that is a file the report may write into `out`, in words, or null. Every name of
 * REPORT_FILES counts, a chart's whether or not these results draw it: whether they do is known only
 * after Vega has drawn them, and a results file named so would be lost to the next report that does.
 */
function overwrittenInput(inputs: readonly ResultsInput[], out: string): string | null {
  for (const name of REPORT_FILES) {
    const path = join(out, name);
    const real = realPathOf(path);
    const input = inputs.find((i) => i.realPath === real);
    if (input) return `${path} is the results file ${input.file}, which the report would overwrite: give another --out folder, or move the file`;
  }
  return null;
}

export async function reportCommand(o: ReportOptions): Promise<number> {
  if (o.files.length === 0) throw new UsageError('report: give at least one results file');
  if (o.out === '') throw new UsageError('--out: empty folder name; give a folder');
  // Before standard input is read, which a terminal would hold the command on.
  refuseDash(o.out, '--out', 'folder');
  const inputs = await readResults(o.files, 'report');
  const overwritten = overwrittenInput(inputs, o.out);
  if (overwritten !== null) throw new UsageError(`--out ${o.out}: ${overwritten}`);
  const repeated = repeatedRun(inputs);
  if (repeated !== null) throw new UsageError(`${repeated}: one run would count twice in the report; give each run's results file once`);
  // A sweep whose every run failed still writes a file; its report would be headings without a figure.
  const empty = inputs.find((i) => i.doc.runs.length === 0);
  if (empty) {
    const failures = empty.doc.failures.length;
    throw new UsageError(`${empty.file}: holds no runs${failures > 0 ? ` (only ${plural(failures, 'failure')})` : ''}: nothing to report`);
  }
  checkOutDir(o.out, '--out');
  const written = await writeReport(inputs, o.out);
  const removed = written.removed.length === 0 ? '' : `; removed ${written.removed.map((p) => basename(p)).join(', ')}, an earlier report's, which these results do not draw`;
  process.stderr.write(`report: ${written.html}\nreport: ${written.markdown} (+ ${plural(written.charts.length, 'SVG chart')}${removed})\n`);
  return EXIT.OK;
}
