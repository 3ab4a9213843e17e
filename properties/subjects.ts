// Executors under test as Subjects: a built-in executor by name or a user's ES module by path,
// through the same registry `concord run` uses.
// Invariant: a subject owns exactly one executor instance, created by create() and released by
// close(); the checks call execute() with the thread count each run asks for.

import { createExecutor, EXECUTORS } from '../impl/registry.js';
import type { AnswerLimit } from '../impl/exec-executor.js';
import type { Executor } from '../spec/executor.js';
import { BLOCKSTM_COVERAGE, MODULAR_COVERAGE, type CoverageGoal, type Simulated, type Subject } from './equivalence.js';
import type { SubjectSource } from './runner.js';
import { settingsText, type PartitionSettings } from './replay.js';

/** Built-in parallel executors: the paths their green runs must take, and the simulated runtime their algorithm also runs on. */
const BUILT_IN: Readonly<Record<string, { coverage: readonly CoverageGoal[]; simulated: Simulated }>> = {
  'block-stm': { coverage: BLOCKSTM_COVERAGE, simulated: { kind: 'block-stm', bugs: [] } },
  modular: { coverage: MODULAR_COVERAGE, simulated: { kind: 'modular', bugs: [] } },
};

/**
 * Wraps an Executor; `coverage` lists the parallel paths a green run must take (none for a user's
 * module). A module loaded by path is labelled by its own name too, as `concord run` shows it.
 * `settings`: what it was made with, which its failures' tokens and rerun commands carry.
 */
export function executorSubject(executor: Executor, name: string, coverage: readonly CoverageGoal[] = [], simulated?: Simulated, settings?: PartitionSettings): Subject {
  return {
    name, coverage, ...(simulated ? { simulated } : {}), ...(executor.name === name ? {} : { label: `${executor.name} (${name})` }),
    ...(settings && settingsText(settings) ? { settings } : {}),
    execute: (block, threads) => executor.execute(block, { threads }),
    close: () => executor.close(),
  };
}

/**
 * Of `settings`, those `nameOrPath` takes: a built-in's own (the registry's `takes`: block-stm
 * ignores --modules, so its tokens and reruns must not carry it), all of them but a placement for
 * a user's module or engine, whose factory may read any of the documented ones (a placement is
 * the built-in modular executor's own structure, impl/registry.ts).
 */
export function settingsFor(nameOrPath: string, settings: PartitionSettings): PartitionSettings {
  const takes = EXECUTORS.get(nameOrPath)?.takes;
  return Object.fromEntries(Object.entries(settings).filter(([k, v]) => v !== undefined && (takes?.includes(k as keyof PartitionSettings) ?? k !== 'placement')));
}

/**
 * A built-in executor (its name) or a user's module (a path: impl/registry.ts isModulePath), made
 * with those of `settings` it takes, which its simulated runs keep too. `coverage` replaces the
 * paths its green runs must take (by default a built-in's own, none for a module). `answerWithin`:
 * how long an `exec:` engine may leave a request unanswered before its call fails as hung.
 */
export function executorSource(nameOrPath: string, settings: PartitionSettings = {}, coverage?: readonly CoverageGoal[], answerWithin?: AnswerLimit): SubjectSource {
  const own = settingsFor(nameOrPath, settings);
  const known = EXECUTORS.has(nameOrPath) ? BUILT_IN[nameOrPath] : undefined;
  // The simulated runtime takes a partition by name, which a token's schedule records, and places its affinity schedules by the
  // executor's placement where a token names it (by its file's digest, Placement.sha256), so that both check the configuration
  // the token replays. One it cannot name is given to replay a token made before tokens named placements, whose schedules
  // learned from each block, as they still do.
  const { placement, ...named } = own;
  const simulated = known?.simulated.kind === 'modular' ? { ...known.simulated, ...named, ...(placement?.sha256 === undefined ? {} : { placement }) } : known?.simulated;
  // One module has no other to cross into or wait on: its paths cannot be taken, and are not required.
  const goals = coverage ?? (known?.simulated.kind === 'modular' && own.modules === 1 ? [] : known?.coverage) ?? [];
  return {
    name: nameOrPath,
    gate: { name: nameOrPath, coverage: goals, ...(simulated ? { simulated } : {}) },
    create: async () => executorSubject(await createExecutor(nameOrPath, own, answerWithin), nameOrPath, goals, simulated, own),
  };
}

/** What `concord verify` checks when no --executor is given: every built-in but the reference itself. */
export function defaultExecutors(): string[] {
  return [...EXECUTORS.keys()].filter((n) => n !== 'reference');
}
