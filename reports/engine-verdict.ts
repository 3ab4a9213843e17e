// Which of two executors wins each workload, per machine, where at least one of them is not
// Concord's own: a user's engine (a module, or an exec: engine) against block-stm, against modular
// (each partition's runs, where a file measured several) and against every other engine measured
// beside it. Block-stm against modular is verdict.ts's; two partitions of modular,
// partition-verdict.ts's. Each pair is judged at the highest thread count both ran a workload (the
// lower ones they share judged the same way), by the test and tie rule every verdict applies
// (verdict.ts judgePair). The engine is the one judged: against one of Concord's executors it is
// `first`; of two engines, the one listed later is judged against the one listed before it, as
// each partition after the first is judged against the first.
// Invariants: the two runs of a match were timed in the same file against the same baseline (runs
// of two files are never paired); a winner is named only as judgePair names one; a file whose
// executors are all Concord's own has no verdicts here, so its report reads as before.

import type { Merged } from './merge.js';
import type { WorkloadRecord } from './schema.js';
import type { Row } from './summary.js';
import { BLOCK_STM, judgePair, MODULAR, type Judgement } from './verdict.js';
import { labelPartition } from './partitions.js';

/**
 * The executors Concord has built in (impl/registry.ts EXECUTORS), kept here, not imported:
 * reports/ depends on no executor code (test/report-engine-verdict.test.ts holds the two equal).
 * A run labelled otherwise is a user's engine: a module's label is the name it declares, told
 * apart by its path where it declares one of these (bench/sweep.ts runLabels).
 */
export const CONCORD_EXECUTORS: readonly string[] = ['reference', 'sequential', MODULAR, BLOCK_STM];

/** Two executors' runs at one thread count, with the baseline both speedups are over. */
export interface EngineMatch extends Judgement {
  readonly threads: number;
  /** The run of the executor judged ('first' in `winner`): a user's engine. */
  readonly first: Row;
  /** The run it is judged against ('second' in `winner`). */
  readonly other: Row;
  /** The one of CONCORD_EXECUTORS that ran `other`, or null where it is another engine. */
  readonly otherIs: string | null;
  readonly baseline: Row;
}

export interface EngineVerdict {
  readonly machine: string;
  readonly workload: WorkloadRecord;
  readonly label: string;
  /** The executor judged (a user's engine) and the one it is judged against, by their runs' labels. */
  readonly first: string;
  readonly other: string;
  /** At the highest thread count both ran. */
  readonly headline: EngineMatch;
  /** At the other thread counts both ran, ascending. */
  readonly others: readonly EngineMatch[];
}

/** The one of Concord's executors a run's label names, a partition of one included (`modular (hash)`, where its file lists that partition); null for a user's engine. */
export function concordExecutor(label: string, partitions: readonly string[] | undefined): string | null {
  const executor = labelPartition(label, partitions)?.executor ?? label;
  return CONCORD_EXECUTORS.includes(executor) ? executor : null;
}

/**
 * The ordered pairs of `executors` (one machine's labels, in the order its file lists their runs)
 * that get a verdict here: every pair with a user's engine in it, the engine first; two engines,
 * the later against the earlier. Pairs of Concord's own executors are left to verdict.ts and
 * partition-verdict.ts.
 */
export function enginePairs(executors: readonly string[], partitions: readonly string[] | undefined): [string, string][] {
  const ours = (e: string) => concordExecutor(e, partitions) !== null;
  const engines = executors.filter((e) => !ours(e));
  return engines.flatMap((engine) => [
    ...executors.filter(ours).map((other): [string, string] => [engine, other]),
    ...engines.slice(0, engines.indexOf(engine)).map((other): [string, string] => [engine, other]),
  ]);
}

/**
 * One verdict per machine, workload and pair of enginePairs where both ran the workload at a
 * common thread count; ordered as the other verdicts are: by workload (first seen first), then by
 * machine, then pair as enginePairs lists them.
 */
export function engineVerdicts(m: Merged): EngineVerdict[] {
  const out: EngineVerdict[] = [];
  const workloads = [...new Set(m.rows.map((r) => r.workload.id))];
  for (const id of workloads) {
    for (const s of m.sources) {
      const mine = m.rows.filter((r) => r.machine === s.name);
      const executors = [...new Set(mine.filter((r) => r.role === 'executor').map((r) => r.executor))];
      const rows = mine.filter((r) => r.workload.id === id);
      const find = (executor: string, threads: number) => rows.find((r) => r.executor === executor && r.role === 'executor' && r.threads === threads);
      const threads = [...new Set(rows.map((r) => r.threads))].sort((a, b) => a - b);
      for (const [first, other] of enginePairs(executors, s.doc.settings.partitions)) {
        const matches: EngineMatch[] = [];
        for (const t of threads) {
          const [a, b] = [find(first, t), find(other, t)];
          // The schema guarantees a baseline beside every executor run.
          if (a && b) matches.push({ threads: t, first: a, other: b, otherIs: concordExecutor(other, s.doc.settings.partitions), baseline: rows.find((r) => r.role === 'baseline' && r.threads === t)!, ...judgePair(a, b) });
        }
        const headline = matches.pop();
        if (headline) out.push({ machine: s.name, workload: headline.baseline.workload, label: headline.baseline.label, first, other, headline, others: matches });
      }
    }
  }
  return out;
}

/** The run that won a match, or null for a tie or no verdict. */
export function engineWinner(x: EngineMatch): Row | null {
  return x.winner === 'first' ? x.first : x.winner === 'second' ? x.other : null;
}
