// A helper for a user's own test suite (vitest, jest, node:test: it only throws): checks an
// executor against the reference with Concord's equivalence and determinism properties and, on a
// counterexample, throws an Error whose message is the full failure report (explanation, shrunk
// block, block file, replay command).
// Invariant: seeds are pinned (default 1), so a suite that passes once passes every time on the
// same code, and mutation testing can match its tests between runs. An executor given as an object
// or a factory is named in tokens as no command can build it (HELPER_PREFIX), so its failure's
// replay is this helper's own option, never a `concord verify --replay` that runs something else.

import type { Executor } from '../spec/executor.js';
import type { CoverageGoal, Subject } from './equivalence.js';
import { executorSubject, executorSource } from './subjects.js';
import { formatFailure, passedAloneText } from './report.js';
import { decodeToken, HELPER_PREFIX } from './replay.js';
import { replayFailure, runVerify, type RunReport, type SubjectSource } from './runner.js';

export interface VerifyExecutorOptions {
  /** Generated blocks for the equivalence check (the determinism check runs a quarter as many). */
  readonly runs?: number;
  readonly seed?: number;
  /** Where failing blocks are written (default: nowhere; the report still prints them). */
  readonly outDir?: string;
  /**
   * Parallel paths a green run must have taken, as statistics counters your executor reports, e.g.
   * BLOCKSTM_COVERAGE (re-executions, ESTIMATE waits, dependency resumes, failed validations).
   */
  readonly coverage?: readonly CoverageGoal[];
  /** A replay token from an earlier failure: rerun just that counterexample (against this executor). */
  readonly replay?: string;
}

export class EquivalenceError extends Error {
  constructor(readonly report: RunReport) {
    const lines = report.failures.flatMap((f) => [...formatFailure(f), '']);
    for (const e of report.executors) if (e.uncovered.length) lines.push(`${e.label}: a green run must exercise ${e.uncovered.join(', ')}, and this one never did`);
    super(`Concord found ${report.failures.length ? 'a counterexample' : 'missing coverage'}:\n${lines.join('\n')}`);
    this.name = 'EquivalenceError';
  }
}

/** An executor only this helper holds: named for tokens so that no command takes it for another, shown by its own name. */
function heldSubject(e: Executor, coverage: readonly CoverageGoal[]): Subject {
  return { ...executorSubject(e, `${HELPER_PREFIX}${e.name}`, coverage), label: e.name };
}

/**
 * Checks an executor: an Executor object (left open: the caller owns it), a factory (closed
 * afterwards), or a built-in name / module path. Resolves to the run's report; throws
 * EquivalenceError on a counterexample or missing coverage. A replay of a counterexample that failed
 * only after the blocks run before it on its instance, or only sometimes, throws an Error that says
 * so when it passes: passing alone does not make it gone.
 */
export async function verifyExecutor(
  executor: Executor | (() => Executor | Promise<Executor>) | string, options: VerifyExecutorOptions = {},
): Promise<RunReport> {
  const coverage = options.coverage ?? [];
  let source: SubjectSource;
  if (typeof executor === 'string') {
    source = executorSource(executor, {}, options.coverage);
  } else if (typeof executor === 'function') {
    source = { name: `${HELPER_PREFIX}executor`, create: async () => heldSubject(await executor(), coverage) };
  } else {
    source = { name: `${HELPER_PREFIX}${executor.name}`, create: async () => ({ ...heldSubject(executor, coverage), close: async () => {} }) };
  }
  if (options.replay !== undefined) {
    const token = decodeToken(options.replay);
    const { report, observer, label } = await replayFailure(source, token, options.outDir);
    // A counterexample that failed only after earlier blocks, or only sometimes, is not gone because it passes alone.
    if (!report && token.failsOnly) throw new Error(passedAloneText(label, token, token.failsOnly));
    const run: RunReport = {
      executors: [], blocksChecked: observer.blocks, schedulesExplored: observer.schedules, statesExplored: observer.states, interleavingsCovered: observer.interleavings,
      failures: report ? [report] : [], elapsedMs: 0, timedOut: false, seed: options.seed ?? 1, shard: '1/1',
    };
    if (report) throw new EquivalenceError(run);
    return run;
  }
  const report = await runVerify({
    subjects: [source], runs: options.runs ?? 200, seed: options.seed ?? 1, ...(options.outDir ? { outDir: options.outDir } : {}),
  });
  if (report.failures.length || report.executors.some((e) => e.uncovered.length)) throw new EquivalenceError(report);
  return report;
}
