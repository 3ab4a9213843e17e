// The executors' own statistics in a report: the counters each run's `detail` recorded (every
// numeric field of BlockResult.stats beyond the four the results table shows per transaction),
// one table per executor, since each names its own (block-stm's estimateWaits, modular's
// crossModuleTxs, a user's module its waves or conflict-graph sizes). Without them a report
// showed a user's engine only through counters made for Block-STM (re-executions, failed
// validations), which an engine that schedules from access lists never moves.
// Invariant: every value shown is one recorded, as the mean per timed block it is; an executor
// that recorded none, or none but a 0 every result's stats start with, gets no section, and one
// whose counters are all 0 gets its section's words but no table without a counter column; a run that
// did not match the reference is marked ✗, as in the results tables, since its counters describe a
// wrong execution.

import { emptyStats, PER_TX_COUNTERS } from '../spec/block.js';
import type { Row } from './summary.js';
import { BLOCK_STM } from './verdict.js';

/**
 * The counters beyond the four every result counts (runs' perTx) that every result's stats start
 * at 0 (spec/block.ts emptyStats): Block-STM's estimateWaits and dependencyResumes. A result holds
 * them whether or not its executor counts them (the reference executor's results, and so those of
 * an engine that wraps it, carry them; an exec: engine's answer that leaves them out reads them as
 * 0, impl/exec-executor.ts), so a 0 in every run does not say the executor counted them.
 */
const STARTING_COUNTERS: ReadonlySet<string> = new Set(Object.entries(emptyStats())
  .filter(([k, v]) => typeof v === 'number' && !(PER_TX_COUNTERS as readonly string[]).includes(k)).map(([k]) => k));

export interface StatsTable {
  readonly executor: string;
  /** The counters given a column; a table without one is not printed, its section says the rest. */
  readonly counters: readonly string[];
  readonly headers: readonly string[];
  readonly numeric: readonly boolean[];
  readonly rows: readonly (readonly string[])[];
  /** Counters left out because every run that reported them reported 0. */
  readonly allZero: readonly string[];
  /** Of STARTING_COUNTERS, those 0 in every run of an executor not known to count them (all but block-stm): not known to be counted at all. */
  readonly uncounted: readonly string[];
  /** The footnote of the ✗ a row carries where its run did not match the reference; none where every run did. */
  readonly notes: readonly string[];
}

/** The footnote of a ✗ in a statistics table. */
export const WRONG_RUN = '✗ did not match the reference result (as in the results tables): these counters are of a wrong execution.';

/** A mean per block: one decimal from 100 on, three below (a rate per block such as 0.123), two significant digits below 0.001 (not a 0 that hides a count), no trailing zeros. */
export function meanText(v: number): string {
  const a = Math.abs(v);
  return String(Number(a > 0 && a < 0.001 ? v.toPrecision(2) : v.toFixed(a >= 100 ? 1 : 3)));
}

/**
 * The counters a run recorded of its own, in the order recorded: every one but 0s (a 0 of
 * STARTING_COUNTERS does not say it was counted, and a 0 the table names apart says nothing of a
 * single run) and a `threads` that repeats the run's thread count.
 */
export function ownCounters(r: Row): [string, number][] {
  return Object.entries(r.run.detail ?? {}).filter(([n, v]) => v !== 0 && !(n === 'threads' && v === r.threads));
}

/**
 * One table per executor with recorded statistics, rows in the order given, columns in the order
 * first recorded. A counter that is 0 in every run is named apart rather than given a column of
 * zeros: as not known to be counted where every result starts it at 0 (STARTING_COUNTERS: modular
 * never counts estimateWaits), else as 0. The executor's own `threads` is left out where it equals
 * the row's thread count everywhere (a second column of the same figures). An executor left with
 * nothing but those and uncounted ones gets no table: it reported no counter of its own.
 */
export function executorStatsTables(rows: readonly Row[], withMachine: boolean): StatsTable[] {
  const runs = rows.filter((r) => r.role === 'executor' && r.run.detail && Object.keys(r.run.detail).length > 0);
  const executors = [...new Set(runs.map((r) => r.executor))];
  return executors.flatMap((executor) => {
    const mine = runs.filter((r) => r.executor === executor);
    const recorded = [...new Set(mine.flatMap((r) => Object.keys(r.run.detail!)))];
    const values = (n: string) => mine.map((r) => r.run.detail![n]).filter((v): v is number => v !== undefined);
    const zero = recorded.filter((n) => values(n).every((v) => v === 0));
    // Block-STM counts them (impl/blockstm/README.md): its 0s are a block without dependencies, not a counter left alone.
    const unknown = (n: string) => STARTING_COUNTERS.has(n) && executor !== BLOCK_STM;
    const uncounted = zero.filter(unknown);
    const allZero = zero.filter((n) => !unknown(n));
    const echoesThreads = (n: string) => n === 'threads' && mine.every((r) => r.run.detail!.threads === undefined || r.run.detail!.threads === r.threads);
    const names = recorded.filter((n) => !zero.includes(n) && !echoesThreads(n));
    if (names.length === 0 && allZero.length === 0) return [];
    return [{
      executor,
      counters: names,
      headers: [...(withMachine ? ['machine'] : []), 'workload', 'threads', ...names],
      numeric: [...(withMachine ? [false] : []), false, true, ...names.map(() => true)],
      rows: mine.map((r) => [
        ...(withMachine ? [r.machine] : []), `${r.label}${r.correct ? '' : ' ✗'}`, String(r.threads),
        ...names.map((n) => (r.run.detail![n] === undefined ? '–' : meanText(r.run.detail![n]!))),
      ]),
      allZero,
      uncounted,
      notes: mine.every((r) => r.correct) ? [] : [WRONG_RUN],
    }];
  });
}
