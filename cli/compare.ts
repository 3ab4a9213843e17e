// `concord compare BASE.json NEW.json`: benchstat-style comparison of block times (median and its
// interval, delta, Mann-Whitney p, `~` when not significant, geomean, sample warnings).
// Invariant: exit 0 whatever the numbers, unless NEW holds a run that did not match the reference
// or an executor failure (exit 1, gate or not: a broken executor must never pass), or
// --fail-on-regression PCT is given and some executor's row is significantly slower by more than
// PCT percent (exit 1): then it is a CI gate. The sequential baseline's own rows never fail it:
// they measure the machine, not the engine under test; where they moved by more than PCT (without
// a gate, significantly at all) a warning says so. Two files with no executor run in common (none
// at all, or only the sequential baseline's) are an input error (exit 2), gate or not: comparing
// nothing must not pass; unless NEW is broken, which exits 1 and lists its broken runs whether
// anything was compared or not, so a CI job sees a broken executor rather than an input error. A
// file compared with itself (the same real path, or a byte-identical copy) is the first warning,
// not an error: no row can differ, so a gate on it cannot fail, but an A/A comparison is
// legitimate, and two separate runs are never byte-identical. --json prints one object whose `ok`
// is true exactly when the exit code is 0.

import { compare, formatComparison, pValue, regressions } from '../reports/compare.js';
import { EXIT, nonNegativeNumberOption, UsageError } from './errors.js';
import { readResults, repeatedRun } from './report.js';
import { writeStdout } from './output.js';
import { ownBaseline } from '../reports/baseline.js';

export interface CompareOptions {
  base: string;
  next: string;
  /** Percent; a significant slowdown beyond it fails the command. */
  failOnRegression?: string;
  json?: boolean;
}

export async function compareCommand(o: CompareOptions): Promise<number> {
  const threshold = o.failOnRegression === undefined ? undefined : nonNegativeNumberOption('--fail-on-regression', o.failOnRegression, 'a percentage');
  const [base, next] = await readResults([o.base, o.next]);
  const compared = compare(base!.doc, next!.doc, { threshold });
  const repeated = repeatedRun([base!, next!]);
  const c = repeated === null ? compared : {
    ...compared,
    warnings: [`${repeated}: every row compares a run with itself, so no difference can show${threshold === undefined ? '' : ' and --fail-on-regression cannot fail'}`, ...compared.warnings],
  };
  const files = `${o.base} (${base!.doc.runs.length} runs) and ${o.next} (${next!.doc.runs.length} runs)`;
  const nothing = c.rows.length === 0
    ? `${files} have no run in common (same workload, executor and thread count): nothing to compare`
    : c.rows.every((r) => r.baseline)
      ? `${files} have only the ${ownBaseline(base!.doc.settings) ? `baseline ${base!.doc.settings.baseline}` : 'sequential baseline'}'s runs in common, no executor's (same workload, executor and thread count): nothing to compare`
      : null;
  if (nothing !== null && c.broken.length === 0) throw new UsageError(nothing);
  const slower = threshold === undefined ? [] : regressions(c, threshold);
  const ok = slower.length === 0 && c.broken.length === 0;
  if (o.json) {
    writeStdout(`${JSON.stringify({ ok, ...c, regressions: slower.map((r) => r.name), ...(nothing === null ? {} : { nothingCompared: nothing }) })}\n`);
  } else {
    if (nothing === null) writeStdout(formatComparison(c, o.base, o.next));
    else {
      process.stderr.write(`concord compare: ${nothing}; ${o.next} is broken (below)\n`);
      for (const w of c.warnings) writeStdout(`warning: ${w}\n`);
    }
    for (const b of c.broken) writeStdout(`broken: ${o.next}: ${b}\n`);
    for (const r of slower) writeStdout(`regression: ${r.name}: ${r.deltaPct.toFixed(2)}% slower (${pValue(r.p)}), above ${threshold}%\n`);
  }
  return ok ? EXIT.OK : EXIT.FAILED;
}
