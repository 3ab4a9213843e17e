// Which partition of the modular executor wins each workload, per machine, where a file measured
// modular once per partition (settings.partitions, runs labelled `modular (PARTITION)`): each other
// partition is judged against the first the file lists, at the highest thread count both ran (the
// lower ones they share judged the same way), by the test and tie rule block-stm and modular are
// judged by (verdict.ts judgePair). With three or more partitions a workload gets one verdict per
// partition after the first. Against the first listed, not the fastest against the rest: a pair
// chosen by the very speedups its test then compares would favour whichever gap noise made widest,
// and fixed pairs line up row for row between two runs of one command.
// Invariants: the two runs of a match were timed in the same rounds of one file against the same
// baseline (partitions of two files are never paired); a winner is named only as judgePair names
// one; a file of one partition has no partition verdicts.

import type { Merged } from './merge.js';
import { partitionLabel } from './partitions.js';
import type { WorkloadRecord } from './schema.js';
import type { Row } from './summary.js';
import { judgePair, MODULAR, type Judgement } from './verdict.js';

/** Two partitions' modular runs at one thread count, with the baseline both speedups are over. */
export interface PartitionMatch extends Judgement {
  readonly threads: number;
  /** The run under the partition the file lists first ('first' in `winner`). */
  readonly first: Row;
  /** The run under the partition judged against it ('second' in `winner`). */
  readonly other: Row;
  readonly baseline: Row;
}

export interface PartitionVerdict {
  readonly machine: string;
  readonly workload: WorkloadRecord;
  readonly label: string;
  /** The partition the file lists first, and the one judged against it. */
  readonly first: string;
  readonly other: string;
  /** At the highest thread count both ran. */
  readonly headline: PartitionMatch;
  /** At the other thread counts both ran, ascending. */
  readonly others: readonly PartitionMatch[];
}

/**
 * One verdict per machine, workload and partition after the first, where the machine's file
 * measured several and both partitions ran the workload at a common thread count; ordered as the
 * block-stm verdicts are: by workload (first seen first), then machine, then partition as listed.
 */
export function partitionVerdicts(m: Merged): PartitionVerdict[] {
  const out: PartitionVerdict[] = [];
  const workloads = [...new Set(m.rows.map((r) => r.workload.id))];
  for (const id of workloads) {
    for (const s of m.sources) {
      const [first, ...rest] = s.doc.settings.partitions ?? [];
      if (first === undefined) continue;
      const rows = m.rows.filter((r) => r.machine === s.name && r.workload.id === id);
      const find = (partition: string, threads: number) => rows.find((r) => r.executor === partitionLabel(MODULAR, partition) && r.role === 'executor' && r.threads === threads);
      const threads = [...new Set(rows.map((r) => r.threads))].sort((a, b) => a - b);
      for (const other of rest) {
        const matches: PartitionMatch[] = [];
        for (const t of threads) {
          const [a, b] = [find(first, t), find(other, t)];
          // The schema guarantees a baseline beside every executor run.
          if (a && b) matches.push({ threads: t, first: a, other: b, baseline: rows.find((r) => r.role === 'baseline' && r.threads === t)!, ...judgePair(a, b) });
        }
        const headline = matches.pop();
        if (headline) out.push({ machine: s.name, workload: headline.baseline.workload, label: headline.baseline.label, first, other, headline, others: matches });
      }
    }
  }
  return out;
}

/** The run that won a match, or null for a tie or no verdict. */
export function partitionWinner(x: PartitionMatch): Row | null {
  return x.winner === 'first' ? x.first : x.winner === 'second' ? x.other : null;
}
