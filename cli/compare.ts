// `concord compare BASE.json NEW.json`: benchstat-style comparison of block times (median and its
// interval, delta, Mann-Whitney p, `~` when not significant, geomean, sample warnings).
// Invariant: exit 0 whatever the numbers, unless NEW holds a run that did not match the reference
// or an executor failure (exit 1, gate or not: a broken executor must never pass), or
// --fail-on-regression PCT is given and some executor's row is slower by more than PCT percent
// with 95% confidence, its lower bound above PCT (exit 1): then it is a CI gate. The sequential baseline's own rows never fail it:
// they measure the machine, not the engine under test; where they moved by more than PCT (without
// a gate, significantly at all) a warning says so. Two files with no executor run in common (none
// at all, or only the sequential baseline's) are an input error (exit 2), gate or not: comparing
// nothing must not pass; unless NEW is broken, which exits 1 and lists its broken runs whether
// anything was compared or not, so a CI job sees a broken executor rather than an input error. A
// file compared with itself (the same real path, a byte-identical copy, or the same JSON laid out
// otherwise) is the first warning, not an error: no row can differ, so a gate on it cannot fail,
// but an A/A comparison is legitimate, and two separate runs never hold the same JSON (createdAt,
// the samples). --json prints one object whose `ok` is true exactly when the exit code is 0.
// The gate judges only what it can: a row it would test over samples (a side below MIN_ROUNDS
// rounds), by block time two files whose rounds differ in length (--quick against a full run), or
// with --relative one without ratios to its baseline, makes it refuse (exit 2, an input
// error like comparing nothing: those files cannot support a verdict, and a gate that passes
// without judging is a false green), unless NEW is broken, which exits 1 as above. An executor's
// run in one file only fails it (exit 1): a renamed or vanished engine compared with nothing is no
// pass. --only narrows all of that to the executors a team answers for; broken runs fail whatever
// --only says, since a wrong result is never a speed. The same holds of several runs a side
// (--base FILES --new FILES, each run one value: reports/compare-pooled.ts), whose files must be
// benched alike and given once each (else exit 2); compareEntry tells the forms apart, and sends
// one file with --base-executor and --new-executor to cli/compare-paired.ts.

import { brokenRuns, compare, formatComparison, MIN_ROUNDS, regressionLine, type Comparison } from '../reports/compare.js';
import { pool, poolRefusal } from '../reports/compare-pooled.js';
import { workloadLabels } from '../reports/summary.js';
import { plural } from '../spec/plural.js';
import type { ResultsFile } from '../reports/schema.js';
import { EXIT, nonNegativeNumberOption, UsageError } from './errors.js';
import { executorNames } from './executor-settings.js';
import { isExecCommand } from '../impl/exec-executor.js';
import { readResults } from './report.js';
import { repeatedRun, writeStdout } from './output.js';
import { ownBaseline } from '../reports/baseline.js';

export interface CompareOptions {
  base: string;
  next: string;
  /** Percent; a slowdown beyond it with 95% confidence fails the command. */
  failOnRegression?: string;
  /** The gate judges each executor's time relative to the baseline timed in the same rounds, not its block time. */
  relative?: boolean;
  /** Comma-separated executors (as the results name their runs) the gate judges; the rest are shown, not judged. */
  only?: string;
  json?: boolean;
}

/** --only's executors, each one that either file ran (as its runs name it): a typo must not narrow the gate to nothing. */
function onlyOption(raw: string | undefined, docs: readonly ResultsFile[]): string[] | undefined {
  if (raw === undefined) return undefined;
  const names = executorNames([raw], '--only');
  const known = [...new Set(docs.flatMap((d) => d.runs.filter((r) => r.role === 'executor').map((r) => r.executor)))];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) throw new UsageError(`--only: ${unknown.join(', ')}: no executor run of either file is named so (they ran ${known.join(', ') || 'none'})`);
  return names;
}

/** Why the gate cannot judge, or null where it can: compare --fail-on-regression refuses then. Pooled, a side's "rounds" are its runs. */
function gateRefusal(c: Comparison, pooled: boolean): string | null {
  const g = c.gate;
  if (g === null) return null;
  if (g.refused !== null) return `--fail-on-regression ${g.refused}`;
  if (g.unjudged.length === 0) return null;
  // Rows that lack rounds for one reason (a whole file from before rounds were named, say) are named under it once.
  const byWhy = new Map<string, string[]>();
  for (const u of g.unjudged) byWhy.set(u.why, [...(byWhy.get(u.why) ?? []), u.name]);
  const shown = [...byWhy].map(([why, names]) => `${names.slice(0, 4).join(', ')}${names.length > 4 ? ` and ${names.length - 4} more` : ''} (${why})`).join('; ');
  if (pooled) {
    return `--fail-on-regression over pooled runs cannot judge ${g.unjudged.length === 1 ? 'a row' : `${g.unjudged.length} rows`} with fewer than ${MIN_ROUNDS} runs a side: `
      + `${shown}; the test counts each run once, and below ${MIN_ROUNDS} against ${MIN_ROUNDS} it cannot reach the gate's p; give --base and --new ${MIN_ROUNDS} results files or more each (separate bench runs, alternated base and new)`;
  }
  return g.relative
    ? `--fail-on-regression --relative cannot judge ${g.unjudged.length === 1 ? 'a row' : `${g.unjudged.length} rows`} without ${MIN_ROUNDS} or more rounds of ratios to the baseline a side: ${shown}; `
      + `rerun bench with --rounds ${MIN_ROUNDS} or more (the default is 5, --quick's ${MIN_ROUNDS}), or gate without --relative`
    : `--fail-on-regression cannot judge ${g.unjudged.length === 1 ? 'a row' : `${g.unjudged.length} rows`} with fewer than ${MIN_ROUNDS} rounds a side: `
      + `they would be tested over samples, which share their round's machine state, so one noisy round reads as a significant change: ${shown}; `
      + `rerun bench with --rounds ${MIN_ROUNDS} or more (the default is 5, --quick's ${MIN_ROUNDS}), or compare without the gate to read the table`;
}

/**
 * What an unmatched run's line adds: an exec: engine is named by its command, so another path to
 * it is another executor, unless it declares its name (docs/exec-protocol.md).
 */
function unmatchedHint(executor: string): string {
  return isExecCommand(executor)
    ? ' (an exec: engine is named by its command line unless its answers declare a name, "name" in docs/exec-protocol.md; the gate fails on a run in one file only, --only narrows it to the executors named)'
    : ' (the gate fails on a run in one file only; --only narrows it to the executors named)';
}

export async function compareCommand(o: CompareOptions): Promise<number> {
  const threshold = o.failOnRegression === undefined ? undefined : nonNegativeNumberOption('--fail-on-regression', o.failOnRegression, 'a percentage');
  if (o.only !== undefined && threshold === undefined) throw new UsageError('--only narrows the gate: give it with --fail-on-regression PCT');
  const [base, next] = await readResults([o.base, o.next], 'compare');
  const only = onlyOption(o.only, [base!.doc, next!.doc]);
  const compared = compare(base!.doc, next!.doc, { threshold, relative: o.relative === true, ...(only === undefined ? {} : { only }) });
  const repeated = repeatedRun([base!, next!]);
  const c = repeated === null ? compared : {
    ...compared,
    warnings: [`${repeated}: every row compares a run with itself, so no difference can show${threshold === undefined ? '' : ' and --fail-on-regression cannot fail'}`, ...compared.warnings],
  };
  const files = `${o.base} (${base!.doc.runs.length} runs) and ${o.next} (${next!.doc.runs.length} runs)`;
  return reportComparison(c, { ...o, threshold, files, baseSettings: base!.doc.settings, broken: c.broken.map((b) => `${o.next}: ${b}`), pooled: null });
}

/** What reportComparison needs beyond the comparison: how to name the sides, and NEW's broken runs as lines naming their file. */
interface ReportInput {
  readonly base: string;
  readonly next: string;
  readonly threshold: number | undefined;
  readonly relative?: boolean;
  readonly json?: boolean;
  /** The files in words, for "have no run in common". */
  readonly files: string;
  readonly baseSettings: ResultsFile['settings'];
  readonly broken: readonly string[];
  /** Each side's files where each side pools several runs; else null. */
  readonly pooled: { readonly base: readonly string[]; readonly new: readonly string[] } | null;
}

/** Prints a comparison of two sides (two files, or two pools of runs) and its verdict, and gives the exit code; input errors throw. */
function reportComparison(c: Comparison, o: ReportInput): number {
  const nothing = c.rows.length === 0
    ? `${o.files} have no run in common (same workload, executor and thread count): nothing to compare`
    : c.rows.every((r) => r.baseline)
      ? `${o.files} have only the ${ownBaseline(o.baseSettings) ? `baseline ${o.baseSettings.baseline}` : 'sequential baseline'}'s runs in common, no executor's (same workload, executor and thread count): nothing to compare`
      : null;
  const brokenNew = o.pooled === null ? o.next : 'a NEW file';
  if (nothing !== null && o.broken.length === 0) throw new UsageError(nothing);
  // A broken NEW fails as broken (exit 1) whether or not the gate could judge; else a gate that cannot judge is refused.
  const refusal = nothing === null ? gateRefusal(c, o.pooled !== null) : null;
  if (refusal !== null && o.broken.length === 0) throw new UsageError(refusal);
  const judged = refusal === null && c.gate !== null ? c.gate : null;
  const slower = judged?.regressions ?? [];
  const unmatched = judged?.unmatched ?? [];
  const ok = slower.length === 0 && unmatched.length === 0 && o.broken.length === 0;
  const { gate, broken: _, ...rest } = c;
  if (o.json) {
    writeStdout(`${JSON.stringify({
      ok, ...rest, broken: o.pooled === null ? c.broken : o.broken, regressions: slower.map((r) => r.row.name), unmatched,
      gate: gate && { threshold: gate.threshold, by: gate.relative ? 'relative' : 'block time', only: gate.only, ...(refusal === null ? {} : { cannotJudge: refusal }) },
      ...(nothing === null ? {} : { nothingCompared: nothing }),
      ...(o.pooled === null ? {} : { pooled: o.pooled }),
    })}\n`);
  } else {
    if (nothing === null) writeStdout(formatComparison(c, o.base, o.next, { relative: o.relative === true, pooled: o.pooled !== null }));
    else {
      process.stderr.write(`concord compare: ${nothing}; ${brokenNew} is broken (below)\n`);
      for (const w of c.warnings) writeStdout(`warning: ${w}\n`);
    }
    if (refusal !== null) process.stderr.write(`concord compare: ${refusal}; ${brokenNew} is broken (below)\n`);
    for (const b of o.broken) writeStdout(`broken: ${b}\n`);
    for (const u of unmatched) writeStdout(`unmatched: ${u.name}: in ${u.in === 'base' ? o.base : o.next} only${unmatchedHint(u.executor)}\n`);
    for (const r of slower) writeStdout(`regression: ${regressionLine(judged!, r)}\n`);
  }
  return ok ? EXIT.OK : EXIT.FAILED;
}

/** `concord compare --base A1.json ... --new B1.json ...`: each side's runs pooled, the run as the unit (reports/compare-pooled.ts). */
export async function comparePooledCommand(o: Omit<CompareOptions, 'base' | 'next'> & { base: readonly string[]; next: readonly string[] }): Promise<number> {
  const threshold = o.failOnRegression === undefined ? undefined : nonNegativeNumberOption('--fail-on-regression', o.failOnRegression, 'a percentage');
  if (o.only !== undefined && threshold === undefined) throw new UsageError('--only narrows the gate: give it with --fail-on-regression PCT');
  const read = await readResults([...o.base, ...o.next], 'compare');
  const repeated = repeatedRun(read);
  if (repeated !== null) throw new UsageError(`${repeated}: a pool counts each run once, so give each run's file once`);
  const [bases, nexts] = [read.slice(0, o.base.length), read.slice(o.base.length)];
  const refusal = poolRefusal(bases, '--base') ?? poolRefusal(nexts, '--new');
  if (refusal !== null) throw new UsageError(refusal);
  const only = onlyOption(o.only, read.map((r) => r.doc));
  const c = compare(pool(bases), pool(nexts), { threshold, relative: o.relative === true, pooled: true, ...(only === undefined ? {} : { only }) });
  const labels = workloadLabels(read.flatMap((r) => r.doc.workloads));
  return reportComparison(c, {
    base: 'BASE', next: 'NEW', threshold, ...(o.relative === undefined ? {} : { relative: o.relative }), ...(o.json === undefined ? {} : { json: o.json }),
    files: `--base's ${plural(bases.length, 'file')} and --new's ${plural(nexts.length, 'file')}`, baseSettings: bases[0]!.doc.settings,
    broken: nexts.flatMap((n) => brokenRuns(n.doc, labels).map((b) => `${n.file}: ${b}`)),
    pooled: { base: bases.map((b) => b.file), new: nexts.map((n) => n.file) },
  });
}

/** `concord compare`'s command line before it is known which comparison it asks for. */
export interface CompareArgs {
  readonly files: readonly string[];
  readonly base?: readonly string[];
  readonly new?: readonly string[];
  readonly baseExecutor?: string;
  readonly newExecutor?: string;
  readonly failOnRegression?: string;
  readonly relative?: boolean;
  readonly only?: string;
  readonly json?: boolean;
}

const FORMS = 'concord compare BASE.json NEW.json, concord compare RUN.json --base-executor A --new-executor B, or concord compare --base A1.json A2.json ... --new B1.json B2.json ...';

/** The comparison the arguments ask for: two files, two builds in one file, or two pools of runs; any other mix is a usage error naming the three forms. */
export async function compareEntry(a: CompareArgs): Promise<number> {
  const { files, base, new: next, baseExecutor, newExecutor, ...shared } = a;
  const options = Object.fromEntries(Object.entries(shared).filter(([, v]) => v !== undefined)) as Omit<CompareOptions, 'base' | 'next'>;
  if (baseExecutor !== undefined || newExecutor !== undefined) {
    if (baseExecutor === undefined || newExecutor === undefined) throw new UsageError(`${baseExecutor === undefined ? '--new-executor' : '--base-executor'} needs ${baseExecutor === undefined ? '--base-executor' : '--new-executor'}: name both builds timed in RUN.json (${FORMS})`);
    if (base !== undefined || next !== undefined || files.length !== 1) throw new UsageError(`--base-executor and --new-executor compare two builds in one results file: give exactly one file, without --base or --new (${FORMS})`);
    if (a.relative !== undefined) throw new UsageError('--relative does not apply to --base-executor and --new-executor: each round\'s ratio of the new build to the base build is already taken in the same round, which is what --relative\'s ratio to the baseline stands in for');
    if (a.only !== undefined) throw new UsageError('--only does not apply to --base-executor and --new-executor: the gate judges those two builds alone, so they are what it narrows to');
    return (await import('./compare-paired.js')).comparePairedCommand({ file: files[0]!, baseExecutor, newExecutor, ...(a.failOnRegression === undefined ? {} : { failOnRegression: a.failOnRegression }), ...(a.json === undefined ? {} : { json: a.json }) });
  }
  if (base !== undefined || next !== undefined) {
    if (base === undefined || next === undefined) throw new UsageError(`${base === undefined ? '--new' : '--base'} needs ${base === undefined ? '--base' : '--new'}: give each side's results files (${FORMS})`);
    if (files.length > 0) throw new UsageError(`${files.join(' ')}: with --base and --new, give every file after one of them (${FORMS})`);
    return comparePooledCommand({ ...options, base, next });
  }
  if (files.length !== 2) throw new UsageError(`compare takes two results files, ${files.length === 0 ? 'none given' : `not ${files.length}`} (${FORMS})`);
  return compareCommand({ ...options, base: files[0]!, next: files[1]! });
}
