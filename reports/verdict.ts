// Which of block-stm and modular wins each workload, per machine: at the highest thread count at
// which both ran it, the one with the higher speedup over the interleaved baseline, or a
// tie; the lower thread counts they share are judged the same way. Where a file measured modular
// once per partition (settings.partitions, runs labelled `modular (PARTITION)`), block-stm is
// judged against each partition's runs in turn: one verdict per partition, as one partition gets.
// Invariants: a winner is named only when the two executors' block times differ significantly
// (Mann-Whitney p <= ALPHA over their rounds' medians where the file names rounds, else over their
// samples, as `concord compare` decides) and by at least TIE_BELOW; a tie is a gap below
// TIE_BELOW (or two runs of the sequential executor), never a wide gap the test could not call:
// that is inconclusive, too few or too noisy rounds to tell; a pair where either executor
// did not match the reference, or stopped part-way (it threw in a timed round, so its run holds
// only the rounds before, and the two are not timed over the same rounds), gets no verdict; two
// that both handed every block to the sequential executor tie, whatever the timings (the same
// code ran); every figure comes from the results file's rows. The test and tie rule are
// judgePair's, which partition-verdict.ts applies to two partitions of modular as well.

import { ALPHA, testBlockTimes } from './compare.js';
import type { Merged } from './merge.js';
import { partitionLabel } from './partitions.js';
import type { WorkloadRecord } from './schema.js';
import type { Row } from './summary.js';

export const BLOCK_STM = 'block-stm';
export const MODULAR = 'modular';

/**
 * Speedups closer than this (5%, as a ratio of the faster to the slower) are a tie even when the U
 * test calls them significant: it treats samples as independent, but samples taken back to back in
 * one round share the machine's state (JIT, caches, clock, other jobs), so a gap of a few percent
 * can be "significant" in one run and gone in the next.
 */
export const TIE_BELOW = 0.05;

/** MODULAR: the match's modular row won, under whichever partition its label names. */
export type Outcome = typeof BLOCK_STM | typeof MODULAR | 'tie' | 'inconclusive' | 'no verdict';

/** The two executors at one thread count, with the baseline both speedups are measured against. */
export interface Match {
  readonly threads: number;
  readonly blockStm: Row;
  readonly modular: Row;
  readonly baseline: Row;
  readonly outcome: Outcome;
  /** Two-sided Mann-Whitney p-value of the two executors' block times: their rounds' medians where the file names rounds (compare.ts testBlockTimes), else their samples. */
  readonly p: number;
  readonly unit: 'rounds' | 'samples';
  /** The faster one's speedup over the slower one's (>= 1). */
  readonly ratio: number;
  /** Both fell back to the sequential executor on every block: their timings are the same code's. */
  readonly bothSequential: boolean;
}

export interface Verdict {
  readonly machine: string;
  readonly workload: WorkloadRecord;
  readonly label: string;
  /** The partition of modular's runs judged, where its file measured several (their label says it too); null where it measured one. */
  readonly partition: string | null;
  /** At the highest thread count both ran. */
  readonly headline: Match;
  /** At the other thread counts both ran, ascending. */
  readonly others: readonly Match[];
}

/**
 * The test and tie rule every verdict applies to two runs at one thread count, whichever they are
 * (block-stm and a modular partition, or two partitions: partition-verdict.ts): the invariants
 * above, with `first` and `second` in place of the two executors.
 */
export interface Judgement {
  /** 'tie': apart by less than TIE_BELOW, or both ran the sequential executor; 'inconclusive': apart by TIE_BELOW or more, but not significantly. */
  readonly winner: 'first' | 'second' | 'tie' | 'inconclusive' | 'no verdict';
  /** As Match.p, of the two runs' block times. */
  readonly p: number;
  readonly unit: 'rounds' | 'samples';
  /** The faster one's speedup over the slower one's (>= 1). */
  readonly ratio: number;
  /** Both fell back to the sequential executor on every block: their timings are the same code's. */
  readonly bothSequential: boolean;
}

export function judgePair(first: Row, second: Row): Judgement {
  const { p, unit } = testBlockTimes(first.run, second.run);
  const ratio = Math.max(second.speedup / first.speedup, first.speedup / second.speedup);
  const bothSequential = first.run.fallbackShare === 1 && second.run.fallbackShare === 1;
  const winner = !first.correct || !second.correct || first.stoppedBy !== null || second.stoppedBy !== null ? 'no verdict'
    : bothSequential || ratio - 1 < TIE_BELOW ? 'tie'
    : p <= ALPHA ? (second.speedup > first.speedup ? 'second' : 'first')
    : 'inconclusive';
  return { winner, p, unit, ratio, bothSequential };
}

function judge(threads: number, blockStm: Row, modular: Row, baseline: Row): Match {
  const { winner, p, unit, ratio, bothSequential } = judgePair(blockStm, modular);
  const outcome: Outcome = winner === 'first' ? BLOCK_STM : winner === 'second' ? MODULAR : winner;
  return { threads, blockStm, modular, baseline, outcome, p, unit, ratio, bothSequential };
}

/**
 * One verdict per machine and workload that has runs of both executors at a common thread count
 * (and per partition of modular, where the machine's file measured several), ordered as the
 * results tables are: by workload (first seen first), then by machine, then partition as listed.
 */
export function verdicts(m: Merged): Verdict[] {
  const groups = new Map<string, Row[]>();
  for (const r of m.rows) {
    const key = `${r.machine}\0${r.workload.id}`;
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const partitions = new Map(m.sources.map((s) => [s.name, s.doc.settings.partitions ?? null]));
  const out: Verdict[] = [];
  for (const rows of groups.values()) {
    const find = (executor: string, threads: number) => rows.find((r) => r.executor === executor && r.role === 'executor' && r.threads === threads);
    const threads = [...new Set(rows.map((r) => r.threads))].sort((a, b) => a - b);
    const modulars = partitions.get(rows[0]!.machine)?.map((p) => ({ partition: p, label: partitionLabel(MODULAR, p) })) ?? [{ partition: null, label: MODULAR }];
    for (const { partition, label } of modulars) {
      const matches: Match[] = [];
      for (const t of threads) {
        const blockStm = find(BLOCK_STM, t);
        const modular = find(label, t);
        // The schema guarantees a baseline beside every executor run.
        if (blockStm && modular) matches.push(judge(t, blockStm, modular, rows.find((r) => r.role === 'baseline' && r.threads === t)!));
      }
      const headline = matches.pop();
      if (headline) out.push({ machine: headline.baseline.machine, workload: headline.baseline.workload, label: headline.baseline.label, partition, headline, others: matches });
    }
  }
  const workloadOrder = new Map<string, number>();
  for (const r of m.rows) if (!workloadOrder.has(r.workload.id)) workloadOrder.set(r.workload.id, workloadOrder.size);
  const machines = m.sources.map((s) => s.name);
  // Stable: a machine's partitions stay in the order its file lists them.
  return out.sort((a, b) => workloadOrder.get(a.workload.id)! - workloadOrder.get(b.workload.id)! || machines.indexOf(a.machine) - machines.indexOf(b.machine));
}
