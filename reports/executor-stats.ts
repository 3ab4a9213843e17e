// The executors' own statistics in a report: the counters each run's `detail` recorded (every
// numeric field of BlockResult.stats beyond the four the results table shows per transaction),
// one table per executor, since each names its own (block-stm's estimateWaits, modular's
// crossModuleTxs, a user's module its waves or conflict-graph sizes). Without them a report
// showed a user's engine only through counters made for Block-STM (re-executions, failed
// validations), which an engine that schedules from access lists never moves.
// Invariant: every value shown is one recorded, as the mean per timed block it is; an executor
// that recorded none gets no table.

import type { Row } from './summary.js';

export interface StatsTable {
  readonly executor: string;
  readonly headers: readonly string[];
  readonly numeric: readonly boolean[];
  readonly rows: readonly (readonly string[])[];
  /** Counters left out because every run that reported them reported 0. */
  readonly allZero: readonly string[];
}

/** A mean per block: one decimal from 100 on, three below (a rate per block such as 0.123), two significant digits below 0.001 (not a 0 that hides a count), no trailing zeros. */
function meanText(v: number): string {
  const a = Math.abs(v);
  return String(Number(a > 0 && a < 0.001 ? v.toPrecision(2) : v.toFixed(a >= 100 ? 1 : 3)));
}

/**
 * One table per executor with recorded statistics, rows in the order given, columns in the order
 * first recorded. A counter that is 0 in every run is named apart rather than given a column of
 * zeros (an executor reports what it does not do: modular's estimateWaits), and the executor's
 * own `threads` is left out where it equals the row's thread count everywhere (a second column of
 * the same figures).
 */
export function executorStatsTables(rows: readonly Row[], withMachine: boolean): StatsTable[] {
  const runs = rows.filter((r) => r.role === 'executor' && r.run.detail && Object.keys(r.run.detail).length > 0);
  const executors = [...new Set(runs.map((r) => r.executor))];
  return executors.map((executor) => {
    const mine = runs.filter((r) => r.executor === executor);
    const recorded = [...new Set(mine.flatMap((r) => Object.keys(r.run.detail!)))];
    const values = (n: string) => mine.map((r) => r.run.detail![n]).filter((v): v is number => v !== undefined);
    const allZero = recorded.filter((n) => values(n).every((v) => v === 0));
    const echoesThreads = (n: string) => n === 'threads' && mine.every((r) => r.run.detail!.threads === undefined || r.run.detail!.threads === r.threads);
    const names = recorded.filter((n) => !allZero.includes(n) && !echoesThreads(n));
    return {
      executor,
      headers: [...(withMachine ? ['machine'] : []), 'workload', 'threads', ...names],
      numeric: [...(withMachine ? [false] : []), false, true, ...names.map(() => true)],
      rows: mine.map((r) => [
        ...(withMachine ? [r.machine] : []), r.label, String(r.threads),
        ...names.map((n) => (r.run.detail![n] === undefined ? '–' : meanText(r.run.detail![n]!))),
      ]),
      allZero,
    };
  });
}
