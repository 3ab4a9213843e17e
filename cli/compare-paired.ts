// `concord compare RUN.json --base-executor A --new-executor B [--fail-on-regression PCT] [--json]`:
// two builds timed in the same bench run, compared round by round (reports/compare-paired.ts).
// Invariant: exit 0 unless the file holds a broken run (exit 1, gate or not), or with the gate a
// row of B slower than A's by more than PCT with 95% confidence, or a run of either build at a
// workload and thread count the other lacks (exit 1); an executor named that the file did not run,
// one named twice, or a row with fewer paired rounds than the test needs is an input error (exit
// 2): a gate that passes without judging is a false green. --json prints one object whose `ok` is
// true exactly when the exit code is 0.

import { comparePaired, formatPaired, MIN_PAIRED_ROUNDS, pairedRegressionLine, type PairedComparison } from '../reports/compare-paired.js';
import type { ResultsFile } from '../reports/schema.js';
import { EXIT, nonNegativeNumberOption, UsageError } from './errors.js';
import { readResults } from './report.js';
import { writeStdout } from './output.js';

export interface ComparePairedOptions {
  readonly file: string;
  readonly baseExecutor: string;
  readonly newExecutor: string;
  /** Percent; a round-by-round slowdown beyond it with 95% confidence fails the command. */
  readonly failOnRegression?: string;
  readonly json?: boolean;
}

/** `name` as one of the file's executors, or a usage error saying which it ran. */
function executorOption(flag: string, name: string, doc: ResultsFile, file: string): string {
  const executors = [...new Set(doc.runs.filter((r) => r.role === 'executor').map((r) => r.executor))];
  if (executors.includes(name)) return name;
  const baseline = doc.runs.some((r) => r.role === 'baseline' && r.executor === name) ? ' (it is the file\'s baseline, timed beside every executor: name the two builds bench timed as --executor)' : '';
  throw new UsageError(`${flag} ${name}: ${file} ran no executor so named${baseline}; it ran ${executors.join(', ') || 'none'}`);
}

/** Why the gate cannot judge, or null where it can. */
function pairedRefusal(c: PairedComparison): string | null {
  if (c.gate === null || c.gate.unjudged.length === 0) return null;
  const shown = c.gate.unjudged.slice(0, 4).map((u) => `${u.name} (${u.why})`).join('; ');
  const more = c.gate.unjudged.length > 4 ? ` and ${c.gate.unjudged.length - 4} more` : '';
  return `--fail-on-regression over paired rounds cannot judge ${c.gate.unjudged.length === 1 ? 'a row' : `${c.gate.unjudged.length} rows`} with fewer than ${MIN_PAIRED_ROUNDS} rounds timing both builds: ${shown}${more}; `
    + `the signed-rank test's smallest one-sided p over n rounds is 0.5^n, so below ${MIN_PAIRED_ROUNDS} it cannot reach the gate's 0.025; rerun bench with --rounds ${MIN_PAIRED_ROUNDS} or more`;
}

export async function comparePairedCommand(o: ComparePairedOptions): Promise<number> {
  const threshold = o.failOnRegression === undefined ? undefined : nonNegativeNumberOption('--fail-on-regression', o.failOnRegression, 'a percentage');
  const [run] = await readResults([o.file], 'compare');
  const doc = run!.doc;
  const base = executorOption('--base-executor', o.baseExecutor, doc, o.file);
  const next = executorOption('--new-executor', o.newExecutor, doc, o.file);
  if (base === next) throw new UsageError(`--base-executor and --new-executor both name ${base}: a build compared with itself cannot differ; name the two builds bench timed in the same rounds`);
  const c = comparePaired(doc, base, next, threshold === undefined ? {} : { threshold });
  const broken = c.broken.map((b) => `${o.file}: ${b}`);
  const nothing = c.rows.length === 0 ? `${base} and ${next} ran at no workload and thread count in common in ${o.file}: nothing to compare` : null;
  if (nothing !== null && broken.length === 0) throw new UsageError(nothing);
  const refusal = nothing === null ? pairedRefusal(c) : null;
  if (refusal !== null && broken.length === 0) throw new UsageError(refusal);
  const judged = refusal === null ? c.gate : null;
  const slower = judged?.regressions ?? [];
  const unmatched = judged?.unmatched ?? [];
  const ok = slower.length === 0 && unmatched.length === 0 && broken.length === 0;
  if (o.json) {
    const { gate, ...rest } = c;
    writeStdout(`${JSON.stringify({
      ok, file: o.file, ...rest, regressions: slower.map((r) => r.row.name), unmatched,
      gate: gate && { threshold: gate.threshold, by: 'paired rounds', ...(refusal === null ? {} : { cannotJudge: refusal }) },
      ...(nothing === null ? {} : { nothingCompared: nothing }),
    })}\n`);
    return ok ? EXIT.OK : EXIT.FAILED;
  }
  if (nothing === null) writeStdout(formatPaired(c, o.file));
  for (const why of [nothing, refusal]) if (why !== null) process.stderr.write(`concord compare: ${why}; ${o.file} is broken (below)\n`);
  for (const b of broken) writeStdout(`broken: ${b}\n`);
  for (const u of unmatched) writeStdout(`unmatched: ${u.name}: the ${u.in === 'base' ? 'new' : 'base'} build ${u.in === 'base' ? next : base} has no run at its workload and thread count, so nothing was compared with it\n`);
  for (const r of slower) writeStdout(`regression: ${pairedRegressionLine(judged!, r)}\n`);
  return ok ? EXIT.OK : EXIT.FAILED;
}
