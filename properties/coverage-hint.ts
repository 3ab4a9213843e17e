// What to do about a run too small for what it had to show: the hint under missing coverage (and,
// for `concord verify --planted`, under a planted bug it missed), worded once for `concord verify`
// (cli/verify.ts) and the vitest helper (properties/vitest.ts), each naming its own options.
// Invariant: the two say the same sentences, differing only in how each names its options
// (`--runs`, `runs`), so a change to one is a change to both.

import { PARALLEL_RUN, type CoverageGoal } from './equivalence.js';
import type { ExecutorReport } from './runner.js';

/** How a caller names the options a hint refers to: `--runs` and `--coverage` (concord verify), `runs` and `coverage` (verifyExecutor). */
export interface HintOptionNames {
  readonly runs: string;
  readonly coverage: string;
}

/** A sharded run: its shard count, and the runs each shard needs, since each is judged on its own share. */
export interface HintShards {
  readonly count: number;
  readonly perShard: number;
}

/**
 * "this run had --runs 50 (default 2000): raise --runs"; with shards, the runs that give each
 * shard `perShard` (one batch each would still miss what the run had to show).
 */
export function raiseRuns(names: HintOptionNames, runs: number, defaultRuns: number, shards?: HintShards): string {
  const split = shards ? `, split over ${shards.count} shards, each judged on its own share` : '';
  const total = shards ? shards.perShard * shards.count : 0;
  const advice = shards && runs < total ? `raise ${names.runs} to ${total} (${shards.perShard} a shard)` : `raise ${names.runs}`;
  return `this run had ${names.runs} ${runs} (default ${defaultRuns})${split}: ${advice}`;
}

/**
 * The hint under paths a green run never took: raise the runs; and, where the caller gave goals
 * (`goals` undefined where none were given), check that the executor's stats report each counter
 * under its name. A goal that names its event apart from its counter (`ESTIMATE wait`, read from
 * `estimateWaits`) has both said, since the message names the event and the stats must carry the counter.
 */
export function coverageHint(names: HintOptionNames, runs: number, defaultRuns: number, goals: readonly CoverageGoal[] | undefined, shards?: HintShards): string {
  const counters = goals?.filter((g) => g.event !== g.counter).map((g) => `${g.event}: stats.${g.counter}`) ?? [];
  const named = goals === undefined ? '' : `, and a ${names.coverage} counter only where the executor's stats report it under that name${counters.length ? ` (${counters.join(', ')})` : ''}`;
  return `these paths show up only with enough runs${named}; ${raiseRuns(names, runs, defaultRuns, shards)}`;
}

/** What an executor whose green run missed paths the coverage gate requires is told, by both callers. */
export function uncoveredText(e: Pick<ExecutorReport, 'label' | 'uncovered' | 'unreported'>): string {
  // More runs would not help there: every block it ran on threads fell back, and its stats say why.
  const fellBack = e.uncovered.includes(PARALLEL_RUN) ? ' (every block it ran on more than one thread fell back to sequential; stats.fallback says why)' : '';
  // A counter no result carried at all is likelier misnamed than never reached.
  const absent = e.unreported.length ? ` (${e.unreported.join(', ')} ${e.unreported.length === 1 ? 'is' : 'are'} in no result's stats at all, not even as 0: check the name)` : '';
  return `${e.label}: a green run must exercise ${e.uncovered.join(', ')}, and this one never did${fellBack}${absent}`;
}
