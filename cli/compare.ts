// `concord compare BASE.json NEW.json`: benchstat-style comparison of block times (median +- 95%
// interval, delta, Mann-Whitney p, `~` when not significant, geomean, sample warnings).
// Invariant: exit 0 whatever the numbers, unless --fail-on-regression PCT is given and some row
// is significantly slower by more than PCT percent (exit 1): then it is a CI gate. Two files with
// no run in common are an input error (exit 2), gate or not: comparing nothing must not pass.
// --json prints one object whose `ok` is true exactly when the exit code is 0.

import { compare, formatComparison, pValue, regressions } from '../reports/compare.js';
import { EXIT, nonNegativeNumberOption, UsageError } from './errors.js';
import { readResults } from './report.js';

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
  const c = compare(base!.doc, next!.doc);
  if (c.rows.length === 0) {
    throw new UsageError(`${o.base} (${base!.doc.runs.length} runs) and ${o.next} (${next!.doc.runs.length} runs) have no run in common `
      + '(same workload, executor and thread count): nothing to compare');
  }
  const slower = threshold === undefined ? [] : regressions(c, threshold);
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ ok: slower.length === 0, ...c, regressions: slower.map((r) => r.name) })}\n`);
  } else {
    process.stdout.write(formatComparison(c, o.base, o.next));
    for (const r of slower) process.stdout.write(`regression: ${r.name}: ${r.deltaPct.toFixed(2)}% slower (${pValue(r.p)}), above ${threshold}%\n`);
  }
  return slower.length > 0 ? EXIT.FAILED : EXIT.OK;
}
