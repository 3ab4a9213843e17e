// Executors under test as Subjects: a built-in executor by name or a user's ES module by path,
// through the same registry `concord run` uses. A pooled built-in's warm-up (the blocks it runs at
// load, impl/runtime/pooled.ts) is run here instead, each result compared with the reference.
// Invariant: a subject owns exactly one executor instance, created by create() and released by
// close(); the checks call execute() with the thread count each run asks for; no instance reaches
// the checks whose warm-up differed from the reference or threw.

import { createExecutor, EXECUTORS } from '../impl/registry.js';
import type { AnswerLimit } from '../impl/exec-executor.js';
import { WARM_UP_RUNS, warmUpBlock } from '../impl/runtime/pooled.js';
import type { Executor } from '../spec/executor.js';
import type { Block, BlockResult } from '../spec/block.js';
import { executeReference } from '../spec/reference.js';
import { plural } from '../spec/plural.js';
import { explain, nameAndMessage, sameResult, thrownAt, type Explanation } from './explain.js';
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
 * A pooled built-in's warm-up, which its source runs on each new instance before the checks have
 * it: `runs` calls of `block` at the executor's own thread count. `block` is made as each
 * instance's warm-up starts (absent before the first), not with the source: a run that never makes
 * an instance (a time limit or a signal before its turn, a usage error) builds none.
 * `running`: the call in flight, from 1 (0: none), which tells a hang while loading from one in it.
 */
export interface WarmUp {
  block?: Block;
  readonly runs: number;
  running: number;
  /** What the executor is made with (as far as it takes them), which a rerun of the block gives it again; absent: none. */
  readonly settings?: PartitionSettings;
}

/** A warm-up call whose result differed from the reference (`explanation`) or that threw (`error`, `thrownAt`). */
export class WarmUpFailure extends Error {
  static {
    this.prototype.name = 'WarmUpFailure';
  }
  constructor(
    readonly executor: string, readonly block: Block, readonly run: number, readonly runs: number,
    readonly explanation?: Explanation, readonly error?: string, readonly thrownAt?: readonly string[],
  ) {
    super(`${executor}: call ${run} of ${runs} of its warm-up block (${plural(block.txs.length, 'transaction')}, at its own thread count) `
      + `${explanation ? `differs from the reference at ${explanation.tx >= 0 ? `tx ${explanation.tx}` : explanation.field ?? 'the final state'}: ${explanation.anomaly}` : `threw: ${error}`}`);
  }
}

/** The reference's result for the warm-up block: one block, the same for every instance, so computed once. */
let warmUpExpected: BlockResult | undefined;

/**
 * Runs `w`'s calls on `executor`, as the executor would have at load, comparing each result with
 * the reference's: a wrong result there was never checked. Throws WarmUpFailure at the first that
 * differs or throws, once the instance, which no caller holds, is closed.
 */
async function warmedUp(executor: Executor, name: string, w: WarmUp): Promise<void> {
  // A block of its own for each instance, and for the reference: an executor may change the block
  // it is given (its pre-state Map, its transactions), and the block a hang or a failure writes to
  // --out, and the reference's result every instance is judged by, must be the block as it was made.
  const block = (w.block = warmUpBlock());
  const expected = (warmUpExpected ??= executeReference(warmUpBlock()));
  try {
    for (let run = 1; run <= w.runs; run++) {
      w.running = run;
      let actual: BlockResult;
      try {
        actual = await executor.execute(block);
      } catch (e) {
        const stack = thrownAt(e);
        throw new WarmUpFailure(name, block, run, w.runs, undefined, nameAndMessage(e), stack.length ? stack : undefined);
      }
      if (!sameResult(expected, actual)) throw new WarmUpFailure(name, block, run, w.runs, explain(block, expected, actual));
    }
  } catch (e) {
    await executor.close().catch(() => {});
    throw e;
  } finally {
    w.running = 0;
  }
}

/**
 * A built-in executor (its name) or a user's module (a path: impl/registry.ts isModulePath), made
 * with those of `settings` it takes, which its simulated runs keep too. `coverage` replaces the
 * paths its green runs must take (by default a built-in's own, none for a module). `answerWithin`:
 * how long an `exec:` engine may leave a request unanswered before its call fails as hung.
 */
export function executorSource(
  nameOrPath: string, settings: PartitionSettings = {}, coverage?: readonly CoverageGoal[], answerWithin?: AnswerLimit,
): SubjectSource & { readonly warmUp?: WarmUp } {
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
  // Every pooled built-in warms up at load; here that warm-up is checked.
  const warmUp: WarmUp | undefined = known ? { runs: WARM_UP_RUNS, running: 0, ...(settingsText(own) ? { settings: own } : {}) } : undefined;
  return {
    name: nameOrPath,
    gate: { name: nameOrPath, coverage: goals, ...(simulated ? { simulated } : {}) },
    ...(warmUp ? { warmUp } : {}),
    create: async () => {
      const executor = await createExecutor(nameOrPath, warmUp ? { ...own, warmUp: false } : own, answerWithin);
      if (warmUp) await warmedUp(executor, nameOrPath, warmUp);
      return executorSubject(executor, nameOrPath, goals, simulated, own);
    },
  };
}

/** What `concord verify` checks when no --executor is given: every built-in but the reference itself. */
export function defaultExecutors(): string[] {
  return [...EXECUTORS.keys()].filter((n) => n !== 'reference');
}
