// `npm start` (concord main): the embedded default end to end within about three minutes here: a
// short verify, prove, a short bench and the report, all into one output folder, printing where
// the report is. A part that cannot run here (prove without z3-solver, as in the offline archive;
// a command that has not landed yet) is skipped, and named with why on the final line and in the
// report: a CI job reading either must not take a job without proofs for a proven one.
// Invariant: every part runs even when an earlier one fails (a failed check must not hide the
// benchmark), and the exit code is the worst of the parts' exit codes, a skipped part's being 2
// (as `concord prove` exits without z3-solver) unless --allow-skip accepts it. A signal (cli/ending-signal.ts)
// stops the part it comes in, which leaves what it has as its own command does (verify its report,
// bench the results measured so far, in the results file), then one line says which part it
// stopped, how the parts before it ended and which never ran; no part runs after it, and the
// process ends by the signal.

import { spawn } from 'node:child_process';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCharts, REPORT_FILES, writeRendered } from '../reports/report.js';
import type { Section } from '../reports/render.js';
import { serializeResults } from '../reports/schema.js';
import { z3Installed } from '../spec/smt/z3.js';
import { plural } from '../spec/plural.js';
import { badRunLines, runBench, signalLeft, type PartialResults } from './bench.js';
import { endingSignal, unlessSignalled, type EndingSignal } from './ending-signal.js';
import { DEFAULT_CALL_TIMEOUT_S, EXIT, watchCalls } from './errors.js';
import { checkOutDir, checkOutFile, writeStdout, writeWhole } from './output.js';
import { createProgress, type Progress } from './progress.js';
import { printFailure } from './process-guard.js';

export interface MainOptions {
  out: string;
  /** A part that cannot run here is skipped with exit 0 instead of 2 (still named on the final line and in the report). */
  allowSkip?: boolean;
}

/** A part that did not run, and why (the words after "skipped"). */
interface Skipped {
  readonly part: string;
  readonly why: string;
}

/**
 * The short verify's budget. A green verify must have exercised every Block-STM path, ESTIMATE
 * waits and dependency resumes included (cli/verify.ts), and at seed 1 the simulated schedules
 * reach them from about 200 runs: 100 left `npm start` failing. 500 runs take about 6 s here.
 * A call pending a minute is a hang: its blocks are small, and verify's default (300 s) outlasts
 * a CI step's patience, so a job stuck there ended by the step's timeout, saying nothing.
 */
export const SHORT_VERIFY = { runs: '500', timeLimit: '40', timeout: '60' } as const;

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

async function part(progress: Progress, name: string, file: string, exported: string, options: object): Promise<number | Skipped> {
  const mod = await optional(file);
  if (typeof mod === 'string' || typeof mod[exported] !== 'function') {
    return { part: name, why: `cli/${file.replace(/\.js$/, '.ts')} has not landed yet${typeof mod === 'string' ? `: ${mod}` : ''}` };
  }
  return timed(progress, name, () => (mod[exported] as (o: object) => Promise<number>)(options));
}

/** `run` as main's part `name`, between the line saying it starts and the one with its exit code and time. */
async function timed(progress: Progress, name: string, run: () => Promise<number>): Promise<number> {
  progress.note(`main: ${name} ...`);
  const started = performance.now();
  const code = await run();
  progress.note(`main: ${name}: exit ${code} after ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return code;
}

/**
 * `concord prove` in a process of its own, writing straight to main's output: z3's heap (2 GiB,
 * never given back), its threads and finalizers, and the AsyncLocalStorage that times its claims
 * (on Node 20 it turns async hooks on for good, and under them a watchdog interrupt aborts the
 * process: docs/cli.md) would otherwise stay in the process the bench runs in next. A signal to
 * main ends it with the rest of main's tree (cli/ending-signal.ts endBy); one that ends it alone
 * (the kernel's out-of-memory killer) fails the part, exit 1.
 */
function proveApart(progress: Progress): Promise<number> {
  // Node's options go on (memory limits, say), but not a debugger's: --inspect-brk would wait for one.
  const node = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  return timed(progress, 'prove', () => new Promise((resolve) => {
    const child = spawn(process.execPath, [...node, fileURLToPath(new URL('concord.js', import.meta.url)), 'prove'], { stdio: 'inherit' });
    child.once('error', (e) => {
      progress.note(`main: prove: could not start: ${e.message}`);
      resolve(EXIT.FAILED);
    });
    child.once('close', (code, signal) => {
      // Ctrl-C reaches the whole process group: main's own line is the last word then.
      if (endingSignal() !== null) return;
      if (code === null) progress.note(`main: prove: ended by ${signal}, counted as exit ${EXIT.FAILED}`);
      resolve(code ?? EXIT.FAILED);
    });
  }));
}

/** The parts main skipped, with why, as its final line and the report's first section name them. */
function skippedWords(skipped: readonly Skipped[]): string {
  return skipped.map((s) => `${s.part} (${s.why})`).join(', ');
}

function skippedSection(skipped: readonly Skipped[], allowed: boolean): Section {
  const exit = allowed ? 'main exited 0 all the same, as --allow-skip asked' : 'so main failed (exit 2); --allow-skip accepts a job without it';
  return {
    title: 'Parts of the job not run',
    paragraphs: [`concord main skipped ${skippedWords(skipped)}: what ${skipped.length === 1 ? 'that part checks' : 'those parts check'} was not checked by this job, ${exit}. The other parts ran.`],
    tables: [],
  };
}

/** main's parts in order, as its lines name them. */
const PARTS = ['verify (short)', 'prove', 'bench (quick)', 'the report'] as const;
type Part = (typeof PARTS)[number];

export async function mainCommand(o: MainOptions): Promise<number> {
  checkOutDir(o.out, '--out');
  const results = join(o.out, 'results.json');
  // A folder where the bench's results or the report go would fail the job at its end, minutes on.
  for (const file of [results, ...REPORT_FILES.map((f) => join(o.out, f))]) checkOutFile(file, '--out');
  const progress = createProgress();
  const started = performance.now();
  const codes: number[] = [];
  const skipped: Skipped[] = [];
  /** A part's exit code, or for one skipped, its line, and 2 unless --allow-skip. */
  const ran = (code: number | Skipped): number => {
    if (typeof code === 'number') return code;
    skipped.push(code);
    progress.note(`main: ${code.part}: skipped (${code.why})`);
    return o.allowSkip ? EXIT.OK : EXIT.USAGE;
  };
  // How each part ended, and the bench's results so far, for the line a signal leaves.
  const ended: string[] = [];
  const partial: PartialResults = { at: null };
  let now: Part = 'verify (short)';
  const stopped = (signal: EndingSignal): string => {
    const what = now === 'bench (quick)' ? signalLeft(signal, partial, results, undefined)
      : now === 'the report' ? `stopped by ${signal} while drawing it: no report was written (concord report ${results} --out ${o.out} draws it from the results)`
        : `stopped by ${signal}`;
    const before = ended.length > 0 ? `; before it, ${ended.join(', ')}` : '';
    const after = PARTS.slice(PARTS.indexOf(now) + 1);
    return `${now}: ${what}${before}${after.length > 0 ? `; not run: ${after.join(', ')}` : ''}`;
  };
  // Each part in its turn; one a signal stops never settles, so no part runs after it.
  const step = <T>(part: Part, work: () => Promise<T>): Promise<T> => {
    now = part;
    return unlessSignalled(work, (signal) => printFailure('main', stopped(signal), undefined));
  };
  const verifyCode = ran(await step('verify (short)', () => part(progress, 'verify (short)', 'verify.js', 'verifyCommand', { ...SHORT_VERIFY, out: join(o.out, 'verify') })));
  codes.push(verifyCode);
  ended.push(skipped.some((s) => s.part === 'verify (short)') ? 'verify (short) skipped' : `verify (short) exit ${verifyCode}`);
  // An archive from bench/pack-offline.sh leaves z3-solver out: the rest of the job still runs.
  const noZ3: Skipped = { part: 'prove', why: 'z3-solver is not installed here' };
  const proveCode = ran(await step('prove', async () => ((await z3Installed()) ? proveApart(progress) : noZ3)));
  codes.push(proveCode);
  ended.push(skipped.some((s) => s.part === 'prove') ? 'prove skipped' : `prove exit ${proveCode}`);

  progress.note('main: bench (quick) ...');
  const benchStarted = performance.now();
  const doc = await step('bench (quick)', () => runBench({ quick: true }, progress, watchCalls('main', DEFAULT_CALL_TIMEOUT_S), undefined, undefined, partial));
  writeWhole(results, serializeResults(doc, results));
  // Said as `concord bench` says it, by the same function: otherwise main exited 1 with every part it named at exit 0.
  const bad = badRunLines('main: bench (quick)', doc);
  for (const line of bad) progress.note(line);
  const benchCode = bad.length > 0 ? EXIT.FAILED : EXIT.OK;
  codes.push(benchCode);
  progress.note(`main: bench (quick): exit ${benchCode} after ${((performance.now() - benchStarted) / 1000).toFixed(1)} s${bad.length > 0 ? ` (${plural(bad.length, 'executor run')} failed or disagreed with the reference; ${results})` : ''}`);
  ended.push(`bench (quick) exit ${benchCode} (its results in ${results})`);

  // Drawn under the signal's watch, written at once (reports/report.ts writeRendered).
  const drawn = await step('the report', () => renderCharts([{ file: relative(o.out, results) || results, doc }]));
  const report = writeRendered(drawn, o.out, skipped.length > 0 ? [skippedSection(skipped, Boolean(o.allowSkip))] : []);
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  const without = skipped.length === 0 ? ''
    : o.allowSkip ? `, but skipped ${skippedWords(skipped)}, which --allow-skip accepts`
      : `, but skipped ${skippedWords(skipped)}: exit 2 (--allow-skip accepts a job without it)`;
  writeStdout(`concord: done in ${seconds} s${without}. Report: ${report.html} (Markdown: ${report.markdown}; results: ${results})\n`);
  return Math.max(...codes);
}
