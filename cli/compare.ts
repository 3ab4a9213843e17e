// `concord compare BASE.json NEW.json`: benchstat-style comparison of block times (median +- 95%
// interval, delta, Mann-Whitney p, `~` when not significant, geomean, sample warnings).
// Invariant: exit 0 whatever the numbers, unless --fail-on-regression PCT is given and some row
// is significantly slower by more than PCT percent (exit 1): then it is a CI gate.

import { compare, formatComparison, regressions } from '../reports/compare.js';
import { EXIT, UsageError } from './errors.js';
import { readResults } from './report.js';

export interface CompareOptions {
  base: string;
  next: string;
  /** Percent; a significant slowdown beyond it fails the command. */
  failOnRegression?: string;
  json?: boolean;
}

export async function compareCommand(o: CompareOptions): Promise<number> {
  let threshold: number | undefined;
  if (o.failOnRegression !== undefined) {
    threshold = Number(o.failOnRegression);
    if (!Number.isFinite(threshold) || threshold < 0) throw new UsageError(`--fail-on-regression expects a percentage >= 0, got "${o.failOnRegression}"`);
  }
  const [base, next] = await readResults([o.base, o.next]);
  const c = compare(base!.doc, next!.doc);
  const slower = threshold === undefined ? [] : regressions(c, threshold);
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ ...c, regressions: slower.map((r) => r.name) })}\n`);
  } else {
    process.stdout.write(formatComparison(c, o.base, o.next));
    for (const r of slower) process.stdout.write(`regression: ${r.name}: ${r.deltaPct.toFixed(2)}% slower (p=${r.p.toFixed(3)}), above ${threshold}%\n`);
  }
  return slower.length > 0 ? EXIT.FAILED : EXIT.OK;
}
