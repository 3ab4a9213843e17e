// What a results file's baseline makes of its speedups, in the words report and compare print: which
// executor every speedup is over (settings.baseline: Concord's sequential executor unless bench
// --baseline named another), what bench left out for it (settings.baselineNotes), and where a
// speedup divides one kind of time by another (an engine's own time by a whole call's).
// Invariants: a file with the default baseline gets no words from here, so its report reads as
// before; a speedup whose run and baseline were timed differently is always said to mix them; two
// files whose speedups are over different baselines are always said to be so, and two over one
// module baseline never are, whether a file names it by its path (written before a module baseline
// was named by its declared name) or by that name.

import type { ResultsFile, RunRecord } from './schema.js';
import { summarize } from './summary.js';
import { isExecCommand } from '../impl/exec-executor.js';

/** Concord's fast sequential executor in JavaScript: the baseline of every file that names no other, and bench's without --baseline. */
export const SEQUENTIAL_BASELINE = 'sequential';

type Settings = ResultsFile['settings'];

/** Whether the file's speedups are over another executor than Concord's sequential one. */
export function ownBaseline(settings: Settings): boolean {
  return settings.baseline !== SEQUENTIAL_BASELINE;
}

/** ", every speedup over exec:./engine --sequential (given 1 thread): notes": nothing for the default baseline. */
export function baselineSourceWords(settings: Settings): string {
  if (!ownBaseline(settings)) return '';
  const given = settings.baselineThreads === undefined ? '' : ` (given ${settings.baselineThreads} thread)`;
  const notes = settings.baselineNotes?.length ? `: ${settings.baselineNotes.join('; ')}` : '';
  return `, every speedup over the baseline ${settings.baseline}${given}${notes}`;
}

/** How a run was timed, as a speedup's footnote names it. */
function timingWords(r: RunRecord): string {
  if (r.timing === 'engine') return 'by its engine (stats.executeMs)';
  return isExecCommand(r.executor)
    ? 'whole (each execute() call, the request and the answer between the processes included)'
    : 'whole (each execute() call, in Concord\'s process)';
}

/**
 * The footnote of a speedup whose run and baseline were timed differently (one by its engine, one
 * whole), or null where they were timed alike.
 */
export function mixedTimingNote(run: RunRecord, baseline: RunRecord): string | null {
  if (run.timing === baseline.timing) return null;
  return `Timed unlike its baseline: ${run.executor} ${timingWords(run)}, the baseline ${baseline.executor} ${timingWords(baseline)}; `
    + 'the speedup divides one kind of time by the other: the engine\'s own time leaves out reading its request and writing its answer, which the whole call counts.';
}

/** The runs of a file whose speedups mix timings with their baseline's, as "executor @threads" once each. */
export function mixedTimingRuns(doc: ResultsFile): string[] {
  const mixed = summarize(doc).filter((r) => r.role === 'executor' && r.run.timing !== r.baselineRun.timing);
  return [...new Set(mixed.map((r) => `${r.executor} @${r.threads}`))];
}

/**
 * The verdict section's name for what the speedups are over: "the interleaved sequential baseline"
 * for files with the default one, else that baseline named (each file's, where several are merged).
 */
export function verdictBaselineWords(settings: readonly Settings[]): string {
  const names = baselineNames(settings);
  if (names.length === 1 && names[0] === SEQUENTIAL_BASELINE) return 'the interleaved sequential baseline';
  if (names.length === 1) return `the interleaved baseline ${names[0]}`;
  return `each file's interleaved baseline (${names.join(', ')})`;
}

/**
 * Whether two files' speedups are over one baseline: the same name, or one module by the path
 * --baseline gave it. A file names a module baseline by its declared name and keeps the path in
 * settings.baselinePath; one written before held the path in settings.baseline itself.
 */
export function sameBaseline(a: Settings, b: Settings): boolean {
  const names = (s: Settings) => (s.baselinePath === undefined ? [s.baseline] : [s.baseline, s.baselinePath]);
  return names(a).some((n) => names(b).includes(n));
}

/**
 * The files' baselines, each once: files over one (sameBaseline) by the name a file that records
 * its module path gives it, the name the newer files use.
 */
export function baselineNames(settings: readonly Settings[]): string[] {
  const one: Settings[] = [];
  for (const s of settings) {
    const i = one.findIndex((o) => sameBaseline(o, s));
    if (i < 0) one.push(s);
    else if (one[i]!.baselinePath === undefined && s.baselinePath !== undefined) one[i] = s;
  }
  return [...new Set(one.map((s) => s.baseline))];
}

/**
 * The warning for files whose speedups are over different baselines, or null: each file's
 * speedups (and predictions) are over its own, so set side by side they compare two yardsticks.
 */
export function differentBaselines(files: readonly { readonly name: string; readonly settings: Settings }[]): string | null {
  if (files.every((f) => files.every((g) => sameBaseline(f.settings, g.settings)))) return null;
  return `the speedups are over different baselines (${files.map((f) => `${f.name}: ${f.settings.baseline}`).join('; ')}): `
    + 'a speedup is its own file\'s executor time over its own baseline\'s, so speedups from these files do not compare with each other; block times of the same executor do';
}
