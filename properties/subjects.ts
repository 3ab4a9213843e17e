// Executors under test as Subjects: a built-in executor by name or a user's ES module by path,
// through the same registry `concord run` uses.
// Invariant: a subject owns exactly one executor instance, created by create() and released by
// close(); the checks call execute() with the thread count each run asks for.

import type { ExecutorSettings } from '../impl/registry.js';
import { createExecutor, EXECUTORS } from '../impl/registry.js';
import type { Executor } from '../spec/executor.js';
import { BLOCKSTM_COVERAGE, MODULAR_COVERAGE, type CoverageGoal, type Simulated, type Subject } from './equivalence.js';
import type { SubjectSource } from './runner.js';

/** Built-in parallel executors: the paths their green runs must take, and the simulated runtime their algorithm also runs on. */
const BUILT_IN: Readonly<Record<string, { coverage: readonly CoverageGoal[]; simulated: Simulated }>> = {
  'block-stm': { coverage: BLOCKSTM_COVERAGE, simulated: { kind: 'block-stm', bugs: [] } },
  modular: { coverage: MODULAR_COVERAGE, simulated: { kind: 'modular', bugs: [] } },
};

/**
 * Wraps an Executor; `coverage` lists the parallel paths a green run must take (none for a user's
 * module). A module loaded by path is labelled by its own name too, as `concord run` shows it.
 */
export function executorSubject(executor: Executor, name: string, coverage: readonly CoverageGoal[] = [], simulated?: Simulated): Subject {
  return {
    name, coverage, ...(simulated ? { simulated } : {}), ...(executor.name === name ? {} : { label: `${executor.name} (${name})` }),
    execute: (block, threads) => executor.execute(block, { threads }),
    close: () => executor.close(),
  };
}

/**
 * A built-in executor (its name) or a user's module (a path: impl/registry.ts isModulePath). `coverage`
 * replaces the paths its green runs must take (by default a built-in's own, none for a module).
 */
export function executorSource(nameOrPath: string, settings: ExecutorSettings = {}, coverage?: readonly CoverageGoal[]): SubjectSource {
  return {
    name: nameOrPath,
    create: async () => {
      const executor = await createExecutor(nameOrPath, settings);
      const known = EXECUTORS.has(nameOrPath) ? BUILT_IN[nameOrPath] : undefined;
      return executorSubject(executor, nameOrPath, coverage ?? known?.coverage, known?.simulated);
    },
  };
}

/** What `concord verify` checks when no --executor is given: every built-in but the reference itself. */
export function defaultExecutors(): string[] {
  return [...EXECUTORS.keys()].filter((n) => n !== 'reference');
}
