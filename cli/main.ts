// `npm start` (concord main): the embedded default end to end within about three minutes here: a
// short verify, prove, a short bench and the report, all into one output folder, printing where
// the report is. Parts whose command has not landed yet are skipped with a line saying so.
// Invariant: every part runs even when an earlier one fails (a failed check must not hide the
// benchmark), and the exit code is the worst of the parts' exit codes.

import { join, relative } from 'node:path';
import { writeReport } from '../reports/report.js';
import { serializeResults } from '../reports/schema.js';
import { z3Installed } from '../spec/smt/z3.js';
import { plural } from '../spec/plural.js';
import { badRunLines, runBench } from './bench.js';
import { DEFAULT_CALL_TIMEOUT_S, EXIT, watchCalls } from './errors.js';
import { checkOutDir, writeStdout, writeWhole } from './output.js';
import { createProgress, type Progress } from './progress.js';

export interface MainOptions {
  out: string;
}

/**
 * The short verify's budget. A green verify must have exercised every Block-STM path, ESTIMATE
 * waits and dependency resumes included (cli/verify.ts), and at seed 1 the simulated schedules
 * reach them from about 200 runs: 100 left `npm start` failing. 500 runs take about 6 s here.
 */
export const SHORT_VERIFY = { runs: '500', timeLimit: '40' } as const;

type CommandModule = Record<string, unknown>;

/**
 * Loads a sibling command module that may not exist yet. The specifier is computed so the
 * TypeScript build does not require the module; a missing module is reported, never fatal.
 */
async function optional(file: string): Promise<CommandModule | string> {
  try {
    return (await import(new URL(file, import.meta.url).href)) as CommandModule;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return (e as Error).message.split('\n')[0]!;
    throw e;
  }
}

async function part(progress: Progress, name: string, file: string, exported: string, options: object): Promise<number> {
  const mod = await optional(file);
  if (typeof mod === 'string' || typeof mod[exported] !== 'function') {
    progress.note(`main: ${name}: skipped (cli/${file.replace(/\.js$/, '.ts')} has not landed yet${typeof mod === 'string' ? `: ${mod}` : ''})`);
    return EXIT.OK;
  }
  progress.note(`main: ${name} ...`);
  const started = performance.now();
  const code = await (mod[exported] as (o: object) => Promise<number>)(options);
  progress.note(`main: ${name}: exit ${code} after ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return code;
}

export async function mainCommand(o: MainOptions): Promise<number> {
  checkOutDir(o.out, '--out');
  const progress = createProgress();
  const started = performance.now();
  const codes: number[] = [];
  codes.push(await part(progress, 'verify (short)', 'verify.js', 'verifyCommand', { ...SHORT_VERIFY, out: join(o.out, 'verify') }));
  // An archive from bench/pack-offline.sh leaves z3-solver out: the rest of the job still runs.
  if (await z3Installed()) codes.push(await part(progress, 'prove', 'prove.js', 'proveCommand', { json: false }));
  else progress.note('main: prove: skipped (z3-solver is not installed here)');

  progress.note('main: bench (quick) ...');
  const benchStarted = performance.now();
  const doc = await runBench({ quick: true }, progress, watchCalls('main', DEFAULT_CALL_TIMEOUT_S));
  const results = join(o.out, 'results.json');
  writeWhole(results, serializeResults(doc, results));
  // Said as `concord bench` says it, by the same function: otherwise main exited 1 with every part it named at exit 0.
  const bad = badRunLines('main: bench (quick)', doc);
  for (const line of bad) progress.note(line);
  const benchCode = bad.length > 0 ? EXIT.FAILED : EXIT.OK;
  codes.push(benchCode);
  progress.note(`main: bench (quick): exit ${benchCode} after ${((performance.now() - benchStarted) / 1000).toFixed(1)} s${bad.length > 0 ? ` (${plural(bad.length, 'executor run')} failed or disagreed with the reference; ${results})` : ''}`);

  const report = await writeReport([{ file: relative(o.out, results) || results, doc }], o.out);
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  writeStdout(`concord: done in ${seconds} s. Report: ${report.html} (Markdown: ${report.markdown}; results: ${results})\n`);
  return Math.max(...codes);
}
