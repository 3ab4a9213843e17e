// The planted-bug catalogue: Block-STM with one classic mistake switched on (impl/blockstm/bugs.ts
// lists them), run on the simulated runtime. `concord verify --planted` checks them all and
// reports caught/total: the proof that the properties have teeth. A bug counts as caught when a
// check finds a counterexample: a result that differs from the reference, or a run that cannot
// finish or breaks an invariant (a correct Block-STM always finishes, so falling back is a failure).
// Invariant: every entry of BUG_NAMES is in the catalogue, and a planted subject differs from the
// correct one only in its bug flag: like the real executor it loads only the declared keys of a
// large pre-state and reruns with the whole one after a read past them (guess-unloaded-value's
// path).

import type { Block, BlockResult } from '../spec/block.js';
import { BUG_NAMES as BLOCKSTM_BUGS, BUGS as BLOCKSTM_DOCS, type BugName as BlockStmBug } from '../impl/blockstm/bugs.js';
import { BUG_NAMES as MODULAR_BUGS, BUGS as MODULAR_DOCS, type BugName as ModularBug } from '../impl/modular/bugs.js';
import { runModularSimulated } from '../impl/modular/simulate.js';
import { UnknownExecutorError } from '../impl/registry.js';
import { BLOCKSTM_COVERAGE, MODULAR_COVERAGE, UntrustedRun, type Simulated, type Subject } from './equivalence.js';
import { CHECK_DEFS, runVerify, type RunnerOptions, type RunReport, type SubjectSource } from './runner.js';
import { incompleteExplanation, simulateBlockStm, stepBudget } from './simulated.js';
import { executeSequential } from '../impl/sequential.js';
import { loadsDeclaredOnly } from '../impl/blockstm/layout.js';
import { PLANTED_PREFIX } from './replay.js';

export { PLANTED_PREFIX };

/** Modules the modular executor's equivalence runs use. */
const MODULES = 2;

/**
 * An executor whose runs go through the simulated runtime under a fixed seeded random schedule, so
 * the equivalence and determinism checks apply to it too. A run that cannot finish, or breaks a
 * completion invariant, throws UntrustedRun with its explanation.
 */
export function simulatedSubject(name: string, simulated: Simulated): Subject {
  const execute = async (block: Block, threads: number): Promise<BlockResult> => {
    if (simulated.kind === 'modular') {
      const r = runModularSimulated(block, { threads, modules: MODULES, schedule: 'random', seed: threads, bugs: simulated.bugs, maxSteps: stepBudget(block.txs.length, threads) });
      if (r.outcome === 'stuck' || r.outcome === 'exhausted') throw new UntrustedRun(incompleteExplanation(r.outcome, r.reason), undefined, r.schedule);
      return r.result;
    }
    // As the real executor (executor.ts): only the declared keys of a large pre-state are loaded,
    // and a read of any other key's pre-state value reruns the block with the whole pre-state.
    const run = (declaredOnly: boolean) => simulateBlockStm(block, { threads, schedule: 'random', seed: threads, bugs: simulated.bugs, declaredOnly });
    let r = run(loadsDeclaredOnly(block));
    const reloaded = r.outcome === 'undeclared';
    if (reloaded) r = run(false);
    // Out of buffers, the real executor retries with bigger ones; the simulated run stands in sequentially.
    if (r.outcome === 'capacity') return executeSequential(block);
    if (r.outcome !== 'done' || !r.result) throw new UntrustedRun(r.violation ?? incompleteExplanation(r.outcome, r.reason), r.provenance(), r.schedule);
    return { ...r.result, stats: { ...r.result.stats, preStateReloads: reloaded ? 1 : 0 } };
  };
  return { name, simulated, coverage: simulated.kind === 'modular' ? MODULAR_COVERAGE : BLOCKSTM_COVERAGE, execute, close: async () => {} };
}

interface PlantedBug {
  readonly name: string;
  readonly doc: string;
  readonly simulated: Simulated;
}

/** Every planted bug of every executor that has them. */
export const PLANTED: readonly PlantedBug[] = [
  ...BLOCKSTM_BUGS.map((b): PlantedBug => ({ name: b, doc: `block-stm: ${BLOCKSTM_DOCS[b]}`, simulated: { kind: 'block-stm', bugs: [b as BlockStmBug] } })),
  ...MODULAR_BUGS.map((b): PlantedBug => ({ name: `modular-${b}`, doc: `modular: ${MODULAR_DOCS[b]}`, simulated: { kind: 'modular', bugs: [b as ModularBug] } })),
];

export function plantedSource(bug: string): SubjectSource {
  const entry = PLANTED.find((p) => p.name === bug);
  if (!entry) throw new UnknownExecutorError(`unknown planted bug "${bug}" (known: ${PLANTED.map((p) => p.name).join(', ')})`);
  const name = `${PLANTED_PREFIX}${bug}`;
  return { name, create: async () => simulatedSubject(name, entry.simulated) };
}

export interface PlantedResult {
  readonly name: string;
  readonly doc: string;
  readonly caught: boolean;
  /** The check that caught it, and how many blocks all checks generated until then. */
  readonly check: string;
  readonly blocks: number;
  readonly anomaly: string;
  readonly replay: string;
  /** In a report of a run a signal ended only: not caught, and its checks had not all run. */
  readonly stopped?: true;
}

export interface PlantedReport {
  readonly caught: number;
  readonly total: number;
  readonly bugs: readonly PlantedResult[];
  readonly run: RunReport;
}

/**
 * The interleaving checks find these bugs fastest; equivalence and determinism run them too, through
 * a fixed schedule; lying-footprints catches a bug in how an access outside a footprint is handled
 * (modular's kind-blind, Block-STM's guess-unloaded-value), which no block of the others makes.
 */
const PLANTED_CHECKS = ['interleaving', 'exhaustive', 'lying-footprints', 'equivalence'];

/** The executors that have planted bugs, as --executor names them. */
export const PLANTED_EXECUTORS: readonly Simulated['kind'][] = ['block-stm', 'modular'];

/** The planted bugs of `executors`. */
const plantedOf = (executors: readonly Simulated['kind'][]): readonly PlantedBug[] => PLANTED.filter((p) => executors.includes(p.simulated.kind));

/** Runs the planted bugs of `executors` (default: every one's) through the checks that catch them. */
export async function runPlanted(o: Omit<RunnerOptions, 'subjects' | 'checks'>, executors: readonly Simulated['kind'][] = PLANTED_EXECUTORS): Promise<PlantedReport> {
  const checks = PLANTED_CHECKS.map((n) => CHECK_DEFS.find((c) => c.name === n)!);
  const run = await runVerify({ ...o, subjects: plantedOf(executors).map((p) => plantedSource(p.name)), checks });
  return plantedReport(run, executors);
}

/** The tally of `run`, a run of the planted bugs of `executors`: whole, or as a signal stopped it (runVerify's SoFar). */
export function plantedReport(run: RunReport, executors: readonly Simulated['kind'][] = PLANTED_EXECUTORS): PlantedReport {
  const bugs = plantedOf(executors).map((bug): PlantedResult => {
    const name = `${PLANTED_PREFIX}${bug.name}`;
    const f = run.failures.find((x) => x.executor === name);
    const e = run.executors.find((x) => x.name === name);
    return {
      name, doc: bug.doc, caught: Boolean(f), check: f?.check ?? '', blocks: e?.blocksChecked ?? 0,
      anomaly: f?.explanation?.anomaly ?? (f?.error ? 'executor failed' : ''), replay: f?.replay ?? '', ...(e?.stopped ? { stopped: true as const } : {}),
    };
  });
  return { caught: bugs.filter((b) => b.caught).length, total: bugs.length, bugs, run };
}
