// A helper for a user's own test suite (vitest, jest, node:test: it only throws): checks an
// executor against the reference with Concord's equivalence and determinism properties and, on a
// counterexample, throws an Error whose message is the full failure report (explanation, shrunk
// block, block file, replay command).
// Invariant: seeds are pinned (default 1), so a suite that passes once passes every time on the
// same code, and mutation testing can match its tests between runs.

import type { Executor } from '../spec/executor.js';
import type { CoverageGoal } from './equivalence.js';
import { executorSubject, executorSource } from './subjects.js';
import { formatFailure } from './report.js';
import { decodeToken } from './replay.js';
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

/**
 * Checks an executor: an Executor object (left open: the caller owns it), a factory (closed
 * afterwards), or a built-in name / module path. Resolves to the run's report; throws
 * EquivalenceError on a counterexample or missing coverage.
 */
export async function verifyExecutor(
  executor: Executor | (() => Executor | Promise<Executor>) | string, options: VerifyExecutorOptions = {},
): Promise<RunReport> {
  const coverage = options.coverage ?? [];
  let source: SubjectSource;
  if (typeof executor === 'string') {
    source = executorSource(executor);
  } else if (typeof executor === 'function') {
    source = { name: 'executor', create: async () => { const e = await executor(); return executorSubject(e, e.name, coverage); } };
  } else {
    source = { name: executor.name, create: async () => ({ ...executorSubject(executor, executor.name, coverage), close: async () => {} }) };
  }
  if (options.replay !== undefined) {
    const { report, observer } = await replayFailure(source, decodeToken(options.replay), options.outDir);
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
