// `concord compare RUN.json --base-executor A --new-executor B`: two builds timed in the same bench
// run (bench --executor A --executor B), compared round by round. In each round bench times every
// side back to back, so a neighbour that slows a round slows both builds in it: per round, B's
// median block time over A's is a ratio the machine's speed in that round largely cancels out of.
// The ratios are tested with the Wilcoxon signed-rank test (reports/stats.ts), and the gate fails a
// row only where the lower bound of the 95% interval of the ratio lies above 1 + PCT/100, as the
// two-file gate does with its Mann-Whitney bound; on a shared runner two separate runs of one build
// stood several times apart (docs/bench.md, the gate study), which no test over one run per side tells from a
// regression.
// Invariants: rows pair A's and B's runs at one workload and thread count, and their rounds by
// round number (a round one of them lacks is left out); a row is judged only with MIN_PAIRED_ROUNDS
// paired rounds or more (fewer cannot reach the gate's p at all) and only where both runs matched
// the reference; a run of A or B at a workload and thread count the other lacks fails the gate
// (unmatched), as a run in one file only fails the two-file gate; the file's broken runs are
// listed whoever's they are.

import { ALPHA, brokenRuns, type Column, fmtPct, fmtSide, INTERVAL, pValue, type Side, textTable, type UnmatchedRun } from './compare.js';
import type { ResultsFile, RunRecord } from './schema.js';
import { fewestPairs, median, pairedRatioLowerBound, roundsInterval, signedRankGreaterAt, signedRankP } from './stats.js';
import { perRoundSpeedups, roundMedians, workloadLabels } from './summary.js';

/** Paired rounds a row needs before the gate judges it: the fewest whose signed-rank test can reach ALPHA / 2, one-sided. */
export const MIN_PAIRED_ROUNDS = fewestPairs(ALPHA / 2);

export interface PairedRow {
  readonly name: string;
  readonly workload: string;
  readonly threads: number;
  /** Each build over its rounds' medians, as compare's rows are. */
  readonly base: Side;
  readonly next: Side;
  /** Rounds both builds were timed in: how many ratios the test counts. */
  readonly rounds: number;
  /** (the median of the rounds' ratios, new over base, - 1) * 100: positive means slower. */
  readonly deltaPct: number;
  /** The two-sided signed-rank p of the rounds' log ratios against none (1 without rounds). */
  readonly p: number;
  readonly significant: boolean;
}

/** A row the paired gate finds slower beyond its threshold. */
export interface PairedRegression {
  readonly row: PairedRow;
  /** How much slower at least, in percent: the lower bound of the 1 - ALPHA interval of the ratio, above the threshold. */
  readonly atLeastPct: number;
  /** The one-sided signed-rank p that the row is no more than the threshold slower (at most ALPHA / 2). */
  readonly p: number;
}

export interface PairedGate {
  readonly threshold: number;
  readonly regressions: readonly PairedRegression[];
  /** Runs of one build at a workload and thread count the other build was not timed at. */
  readonly unmatched: readonly UnmatchedRun[];
  /** Rows it cannot judge, each with why: too few paired rounds, or rounds not named. */
  readonly unjudged: readonly { readonly name: string; readonly why: string }[];
}

export interface PairedComparison {
  readonly baseExecutor: string;
  readonly newExecutor: string;
  readonly rows: readonly PairedRow[];
  readonly warnings: readonly string[];
  /** The file's runs that did not match the reference and its executors' failures (whoever's). */
  readonly broken: readonly string[];
  readonly gate: PairedGate | null;
}

/** A build's side of a row: over its round medians (or its samples, in a file that names no rounds). */
function sideOf(r: RunRecord): Side {
  const values = roundMedians(r) ?? r.samplesMs;
  return { median: median(values), interval: roundsInterval(values), n: values.length, busy: r.busy.filter(Boolean).length, correct: r.correct };
}

/**
 * `newExecutor`'s runs in `doc` against `baseExecutor`'s, round by round; with a threshold, the
 * gate's verdict. Both must be executors the file ran (cli/compare.ts checks the names first).
 */
export function comparePaired(doc: ResultsFile, baseExecutor: string, newExecutor: string, o: { threshold?: number; alpha?: number } = {}): PairedComparison {
  const alpha = o.alpha ?? ALPHA;
  const labels = workloadLabels(doc.workloads);
  const runsOf = (executor: string) => doc.runs.filter((r) => r.role === 'executor' && r.executor === executor);
  const at = (r: RunRecord) => `${r.workload}\0${r.threads}`;
  const nextRuns = new Map(runsOf(newExecutor).map((r) => [at(r), r]));
  const rowName = (r: RunRecord) => `${labels.get(r.workload)} · ${baseExecutor} → ${newExecutor} @${r.threads}`;
  const runName = (r: RunRecord) => `${labels.get(r.workload)} · ${r.executor} @${r.threads}`;
  const rows: PairedRow[] = [];
  const ratiosOf = new Map<PairedRow, number[] | null>();
  const unmatched: UnmatchedRun[] = [];
  const timings: string[] = [];
  for (const b of runsOf(baseExecutor)) {
    const n = nextRuns.get(at(b));
    if (n === undefined) {
      unmatched.push({ name: runName(b), executor: b.executor, in: 'base' });
      continue;
    }
    nextRuns.delete(at(b));
    // perRoundSpeedups(x, y) is x's median over y's per round both name: here new's over base's.
    const ratios = perRoundSpeedups(n, b);
    const logs = ratios?.map(Math.log) ?? [];
    const p = signedRankP(logs);
    const row: PairedRow = {
      name: rowName(b), workload: b.workload, threads: b.threads, base: sideOf(b), next: sideOf(n), rounds: logs.length,
      deltaPct: ratios === null || ratios.length === 0 ? 0 : (median(ratios) - 1) * 100, p, significant: p <= alpha,
    };
    rows.push(row);
    ratiosOf.set(row, ratios);
    if (b.timing !== n.timing) timings.push(row.name);
  }
  for (const n of nextRuns.values()) unmatched.push({ name: runName(n), executor: n.executor, in: 'new' });
  const warnings = [
    ...(timings.length > 0 ? [`timed differently (one build by its engine, stats.executeMs, the other each call whole): ${timings.join(', ')}; their ratios include that`] : []),
    // With the gate they fail it, each on an unmatched: line; without, they would pass unmentioned.
    ...(unmatched.length > 0 && o.threshold === undefined
      ? [`ran by one build only, so compared with nothing: ${unmatched.map((u) => `${u.name} (${u.in === 'base' ? baseExecutor : newExecutor} only)`).join(', ')}`]
      : []),
    ...(rows.some((r) => r.base.busy > 0 || r.next.busy > 0)
      ? [`${rows.filter((r) => r.base.busy > 0 || r.next.busy > 0).length} of ${rows.length} rows include samples taken while the machine was busy with other processes; both builds in a round shared it`]
      : []),
  ];
  const gate = o.threshold === undefined ? null : judgePaired(rows, ratiosOf, unmatched, o.threshold, alpha);
  return { baseExecutor, newExecutor, rows, warnings, broken: brokenRuns(doc, labels), gate };
}

/** The gate over the rows both of whose runs matched the reference; a row without MIN_PAIRED_ROUNDS paired rounds is unjudged. */
function judgePaired(rows: readonly PairedRow[], ratiosOf: ReadonlyMap<PairedRow, number[] | null>, unmatched: readonly UnmatchedRun[], threshold: number, alpha: number): PairedGate {
  const gated = rows.filter((r) => r.base.correct && r.next.correct);
  const unjudged = gated.flatMap((r) => {
    const ratios = ratiosOf.get(r)!;
    if (ratios === null) return [{ name: r.name, why: 'the file does not name each sample\'s round (a file from before bench recorded them)' }];
    return ratios.length < MIN_PAIRED_ROUNDS ? [{ name: r.name, why: `${ratios.length} rounds timed both builds` }] : [];
  });
  const regressions = gated.flatMap((r) => {
    const ratios = ratiosOf.get(r)!;
    if (ratios === null || ratios.length < MIN_PAIRED_ROUNDS) return [];
    const p = signedRankGreaterAt(ratios.map(Math.log), Math.log(1 + threshold / 100));
    if (p > alpha / 2) return [];
    // Read at the threshold as the bound reads the test (signedRankGreaterAt), a rejection there puts the bound above it.
    const bound = pairedRatioLowerBound(ratios.map(() => 1), ratios, alpha / 2)!;
    return [{ row: r, atLeastPct: (bound - 1) * 100, p }];
  });
  return { threshold, regressions, unmatched, unjudged };
}

/** A paired regression's line, in the two-file gate's words. */
export function pairedRegressionLine(g: PairedGate, r: PairedRegression): string {
  return `${r.row.name}: ${r.row.deltaPct.toFixed(2)}% slower round by round, at least ${r.atLeastPct.toFixed(2)}% by its 95% interval `
    + `(one-sided ${pValue(r.p)} against its being ${g.threshold}% slower or less), above ${g.threshold}%`;
}

/** The text table: each build's median block time and interval, and the rounds' ratio with its test. */
export function formatPaired(c: PairedComparison, file: string): string {
  const columns: Column[] = [
    { header: `block time (ms), ${file}`, sub: [''], right: [false] },
    { header: c.baseExecutor, sub: ['median', INTERVAL], right: [true, false] },
    { header: c.newExecutor, sub: ['median', INTERVAL], right: [true, false] },
    { header: 'new / base, per round', sub: ['', ''], right: [true, false] },
  ];
  const body = c.rows.map((r) => [[r.name], fmtSide(r.base), fmtSide(r.next), [r.significant ? fmtPct(r.deltaPct) : '~', `(${pValue(r.p)} ${r.rounds} rounds paired)`]]);
  const out = textTable(columns, body);
  out.push('', 'new / base, per round: in each round, the new build\'s median block time over the base build\'s in that round, the median of those ratios, '
    + 'and the Wilcoxon signed-rank test of them; a neighbour that slowed a round slowed both builds in it');
  for (const w of c.warnings) out.push(`warning: ${w}`);
  return `${out.join('\n')}\n`;
}
