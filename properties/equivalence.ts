// What every check shares (the executor under test as a Subject, coverage goals, the observer that
// counts and records failures, the CheckDef shape) and the checks that apply to any executor
// behind the public interface. Equivalence: for every generated block, the executor's result
// equals the reference's in full (state root, state, every receipt, every transaction's reads).
// VM corners: the same on programs that take the VM's corners, for executors that may run a VM of
// their own. Determinism: the same block at 1, 2, 3 and 4 threads, twice each, gives that same
// result each time. Big blocks: equivalence on blocks of 21 to 1,100 transactions. A subject given
// thread counts of its own (Subject.threadCounts: verify --threads) runs every one of these at those
// instead of each check's. Each of these draws how the block's pre-state is handed over as well: a Map, or a SharedState
// (spec/shared-state.ts) whose table the built-ins' workers read, a path of its own to check.
// A subject given --programs (Subject.programs) draws blocks of those library contracts' calls alone
// in every one of these, and is not run the VM-corner check, whose blocks are random bytecode.
// Invariant: a check's run() returns false exactly when a run differed from the reference, threw,
// changed the block it was given or could not be trusted, and has then called observer.fail for
// that very run; the runner runs the final shrunk input last, so the last recorded failure
// describes the reported counterexample.

import fc from 'fast-check';
import { PER_TX_COUNTERS, type Block, type BlockResult } from '../spec/block.js';
import type { BugName as BlockStmBug } from '../impl/blockstm/bugs.js';
import type { BugName as ModularBug } from '../impl/modular/bugs.js';
import type { Placement } from '../impl/modular/partition.js';
import { executeReference } from '../spec/reference.js';
import { PRE_STATE_KINDS, withPreState, type PreStateKind } from '../spec/shared-state.js';
import { EXECUTORS } from '../impl/registry.js';
import { engineFault, ExecEngineError, preStateOfResult, type EngineFault } from '../impl/exec-executor.js';
import { blockSpecArb, buildBlock, type BlockArbOptions, type BlockSpec } from './arbitraries.js';
import { snapshotBlock, tableChange, undoChange } from './block-change.js';
import { explain, nameAndMessage, sameResult, sentWithPreStateOf, thrownAt, type Explanation, type Provenance } from './explain.js';
import { PLANTED_PREFIX, TOKEN_VERSION, type CheckName, type PartitionSettings, type TokenVersion } from './replay.js';
import { notRunFor, type Programs } from './programs.js';

/**
 * Which simulated runtime the executor's algorithm also runs on, and which planted bugs are switched
 * on; for modular, the module count and partition its schedules keep (the executor's settings),
 * where absent drawn per schedule, and the trained placement its affinity schedules place by
 * (absent: each learns from its block).
 */
export type Simulated =
  | { readonly kind: 'block-stm'; readonly bugs: readonly BlockStmBug[] }
  | { readonly kind: 'modular'; readonly bugs: readonly ModularBug[]; readonly modules?: number; readonly partition?: string; readonly placement?: Placement };

/** The executor being checked, seen the way every check needs it. */
export interface Subject {
  /** What commands name it by (--executor, replay tokens, `concord run`): a built-in name or a module path. */
  readonly name: string;
  /** How reports show it, when `name` alone would hide what the executor calls itself. */
  readonly label?: string;
  /** Events its green runs must have exercised (skip-rest is always required). */
  readonly coverage: readonly CoverageGoal[];
  execute(block: Block, threads: number): Promise<BlockResult>;
  readonly simulated?: Simulated;
  /** The settings the executor was made with (--modules, --partition), which its failures' tokens and rerun commands carry; absent: none. */
  readonly settings?: PartitionSettings;
  /**
   * The thread counts every check calls execute() at, replacing each check's own (verify --threads,
   * properties/thread-counts.ts), which its failures' tokens carry; absent: each check's own.
   */
  readonly threadCounts?: readonly number[];
  /**
   * The library contracts every block generated for it calls alone (verify --programs,
   * properties/programs.ts), which its failures' tokens carry; absent: every program kind.
   */
  readonly programs?: Programs;
  /**
   * Releases the executor. `afterFailure`: the run found a counterexample, so this close() is a
   * clean-up, and its throw or hang must not keep the failure from being reported.
   */
  close(afterFailure: boolean): Promise<void>;
}

/** One failing run: what it ran and what went wrong. */
export interface Failure {
  readonly spec: BlockSpec;
  readonly block: Block;
  /** The comparison with the reference; absent when the executor threw. */
  readonly explanation?: Explanation;
  readonly error?: string;
  /** Where the executor threw `error` (explain.ts thrownAt); absent when it did not throw or its throw had no stack. */
  readonly stack?: readonly string[];
  /** The rule of concord-exec/1 an `exec:` engine's output broke, where that was the throw (ExecEngineError.protocol). */
  readonly protocol?: string;
  /** The bound in ms an `exec:` engine left the call unanswered past, and was stopped for (ExecEngineError.hung). */
  readonly hung?: number;
  /** An `exec:` engine's failure that is its own whatever the block (impl/exec-executor.ts engineFault): an `error` answer, an end before its first answer. */
  readonly engineFault?: EngineFault;
  /** How the run was set up, e.g. "threads 2, repeat 1" or "pct schedule, 2 workers". */
  readonly setting: string;
  /** The thread count execute() was called with; absent for a simulated run, which has virtual workers instead. */
  readonly threads?: number;
  /** Where a check ran the block more than once on the instance (determinism), the failing call's number from 1: its rerun makes as many. */
  readonly call?: number;
  /**
   * The calls of this check's block on the instance before the failing one, in order, with the
   * thread count and pre-state kind of each: their rerun makes them first (an earlier-blocks file),
   * as the failing call's thread count alone, made `call` times, is not what the check ran.
   */
  readonly callsBefore?: readonly CallBefore[];
  readonly provenance?: Provenance;
  readonly schedule?: readonly number[];
}

/** A parallel path a green run must have taken, counted by a statistics counter the executor reports. */
export interface CoverageGoal {
  readonly event: string;
  readonly counter: string;
}

/** The goal a stats counter name stands for (`--coverage reExecutions`), or undefined for a name no result could carry. */
export function counterGoal(name: string): CoverageGoal | undefined {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? { event: name, counter: name } : undefined;
}

/** Block-STM's parallel paths: a run that never took them only proves the sequential-looking ones. */
export const BLOCKSTM_COVERAGE: readonly CoverageGoal[] = [
  { event: 're-execution', counter: 'reExecutions' },
  { event: 'ESTIMATE wait', counter: 'estimateWaits' },
  { event: 'dependency resume', counter: 'dependencyResumes' },
  { event: 'failed validation', counter: 'failedValidations' },
];

/** The modular executor's: transactions spanning modules, and lanes waiting on each other for them. */
export const MODULAR_COVERAGE: readonly CoverageGoal[] = [
  { event: 'cross-module transaction', counter: 'crossModuleTxs' },
  { event: 'cross-lane wait', counter: 'crossWaits' },
];

export const SKIP_REST = 'skip-rest';

/**
 * A built-in parallel executor's block that execute() ran on more than one thread without falling
 * back. Its other goals may be met by the simulated checks alone, which run the algorithm, not the
 * instance: without this one, an executor whose real runs always finished sequentially passed.
 */
export const PARALLEL_RUN = 'parallel run on threads';

/** A built-in parallel executor whose execute() runs on threads: not a planted bug, whose execute() is simulated too. */
export function runsOnThreads(subject: Pick<Subject, 'name' | 'simulated'>): boolean {
  return subject.simulated !== undefined && !subject.name.startsWith(PLANTED_PREFIX);
}

/** Event -> times seen. */
export type Coverage = Record<string, number>;

export function emptyCoverage(goals: readonly CoverageGoal[]): Coverage {
  return Object.fromEntries([...goals.map((g) => g.event), SKIP_REST].map((e) => [e, 0]));
}

/** Counts what the checks did and keeps the last failure; shared by every check of one run. */
export interface Observer {
  blocks: number;
  /** Simulated runs, one schedule each (random or PCT). */
  schedules: number;
  /** Exhaustive enumeration: states expanded, and the interleavings the explored state graphs hold. */
  states: number;
  interleavings: number;
  /** Explorations that stopped at their state limit: they passed what they explored, not every interleaving. */
  statesCut: number;
  readonly coverage: Coverage;
  /** The part of `coverage`'s goal counts that execute() calls gave (a built-in's real threads), not the simulated checks. */
  readonly executed: Coverage;
  /** The goals' counters some matching run's stats carried as a number, 0 included: a goal's counter outside it was never reported at all. */
  readonly reported: Set<string>;
  /** A user's module's own stats that were once not a whole number: measures (a ratio, a share), not counts of a path, so never summed. */
  readonly measures: Set<string>;
  fail(f: Failure): void;
}

/**
 * Stats every executor reports (its per-transaction counters) or that count nothing (threads, and
 * executeMs, an exec: engine's own time for the block): no executor's own paths.
 */
const NOT_OWN_COUNTERS: ReadonlySet<string> = new Set([...PER_TX_COUNTERS, 'threads', 'executeMs']);

/**
 * Adds a matching run's counts: each coverage goal's counter, skip-rest, and for an executor with
 * no built-in model (a user's module) every other whole number in its stats too, so a summary
 * shows its own parallel paths (waves, conflict-graph edges) without their being required.
 * `threads`: the run was an execute() call at that many threads (absent: a simulated check's run).
 */
export function countRun(subject: Subject, o: Observer, expected: BlockResult, actual: BlockResult, threads?: number): void {
  for (const { event, counter } of subject.coverage) {
    const v = actual.stats?.[counter];
    if (typeof v !== 'number') continue;
    o.reported.add(counter);
    o.coverage[event] = (o.coverage[event] ?? 0) + v;
    if (threads !== undefined && runsOnThreads(subject)) o.executed[event] = (o.executed[event] ?? 0) + v;
  }
  if (threads !== undefined && threads > 1 && runsOnThreads(subject) && actual.stats?.fallback === '') o.coverage[PARALLEL_RUN] = (o.coverage[PARALLEL_RUN] ?? 0) + 1;
  if (!subject.simulated && actual.stats) {
    const goals = new Set(subject.coverage.map((g) => g.counter));
    for (const [counter, v] of Object.entries(actual.stats)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || goals.has(counter) || NOT_OWN_COUNTERS.has(counter) || o.measures.has(counter)) continue;
      // A sum of shares (crossShare 132.57 over 200 runs) says nothing: such a stat leaves the summary.
      if (Number.isInteger(v)) o.coverage[counter] = (o.coverage[counter] ?? 0) + v;
      else {
        o.measures.add(counter);
        delete o.coverage[counter];
      }
    }
  }
  if (expected.receipts.length > 0 && expected.receipts[expected.receipts.length - 1]!.status === 'skipped') o.coverage[SKIP_REST] = (o.coverage[SKIP_REST] ?? 0) + 1;
}

/** Thrown by a subject whose parallel run could not be trusted (it did not finish, or broke an invariant), explained. */
export class UntrustedRun extends Error {
  static {
    this.prototype.name = 'UntrustedRun';
  }
  constructor(readonly explanation: Explanation, readonly provenance?: Provenance, readonly schedule?: readonly number[]) {
    super(explanation.actual);
  }
}

/**
 * Runs `block` on the subject and compares; records and returns false on a difference or a throw.
 * A result that matches is counted toward coverage; a differing one is not (its paths proved nothing).
 * A subject that changed the block it was given fails for that, whatever it returned or threw
 * (block-change.ts): its result may come from another block than the reference's, and comparing
 * them would blame the difference on something else. The block is put back as it was.
 */
/** A call a check made of its block before the failing one (Failure.callsBefore). */
export interface CallBefore {
  readonly threads: number;
  readonly preState: PreStateKind;
}

export async function checkRun(
  subject: Subject, o: Observer, spec: BlockSpec, block: Block, expected: BlockResult, threads: number, setting: string, call = 1, callsBefore: readonly CallBefore[] = [],
): Promise<boolean> {
  const at = { spec, block, setting, threads, ...(call > 1 ? { call } : {}), ...(callsBefore.length ? { callsBefore } : {}) };
  const before = snapshotBlock(block);
  let outcome: { readonly actual: BlockResult } | { readonly thrown: unknown };
  try {
    outcome = { actual: await subject.execute(block, threads) };
  } catch (e) {
    outcome = { thrown: e };
  }
  // Both, so that a table written into beside the Map is put back too (the Map's change is the one told).
  const changedBlock = undoChange(before, block, subject.label ?? subject.name);
  const changedTable = tableChange(block, subject.label ?? subject.name);
  const changed = changedBlock ?? changedTable;
  if (changed) {
    o.fail({ ...at, explanation: changed, ...('thrown' in outcome ? thrown(outcome.thrown) : {}) });
    return false;
  }
  if ('thrown' in outcome) {
    const e = outcome.thrown;
    if (e instanceof UntrustedRun) {
      o.fail({ ...at, explanation: e.explanation, ...(e.provenance ? { provenance: e.provenance } : {}), ...(e.schedule ? { schedule: e.schedule } : {}) });
    } else {
      o.fail({ ...at, ...thrown(e) });
    }
    return false;
  }
  const { actual } = outcome;
  if (sameResult(expected, actual)) {
    countRun(subject, o, expected, actual, threads);
    return true;
  }
  o.fail({ ...at, explanation: sentWithPreStateOf(explain(block, expected, actual) ?? explainUnexplained(), preStateOfResult(actual)) });
  return false;
}

/**
 * Runs `check` on `input`, a throw out of its run being a failure of that input like a wrong
 * result: what was thrown and where, on the input's block, so that it is shrunk and reported with
 * its token. A throw from execute() is checkRun's to record; this takes what no execute() call
 * saw, a simulated run of the executor's own algorithm code in this process (a module index out
 * of range in a partition, say), which otherwise ended `concord verify` with a stack trace.
 */
export async function runCatching(check: CheckDef, subject: Subject, o: Observer, input: CheckInput): Promise<boolean> {
  try {
    return await check.run(subject, o, input);
  } catch (e) {
    const [spec, ...rest] = input;
    const last = rest.at(-1);
    const kind = PRE_STATE_KINDS.find((k) => k === last);
    o.fail({ spec, block: checkedBlock(spec, kind), setting: drawnText(kind === undefined ? rest : rest.slice(0, -1), kind), ...thrown(e) });
    return false;
  }
}

/**
 * How a failure's setting words what a check drew beside its block, where its run threw before it
 * could say so itself: each value as it is, an object (a schedule) as its fields.
 */
function drawnText(drawn: readonly unknown[], kind: PreStateKind | undefined): string {
  const words = drawn.map((d) => (typeof d === 'object' && d !== null ? Object.entries(d).map(([k, v]) => `${k} ${String(v)}`).join(', ') : String(d)));
  return `a run that threw${words.length ? `: ${words.join('; ')}` : ''}${preStateSetting(kind)}`;
}

/** A throw of the executor as a failure records it: what it threw and where. */
function thrown(e: unknown): Pick<Failure, 'error' | 'stack' | 'protocol' | 'hung' | 'engineFault'> {
  const stack = thrownAt(e);
  const protocol = e instanceof ExecEngineError ? e.protocol : undefined;
  const hung = e instanceof ExecEngineError ? e.hung : undefined;
  const fault = engineFault(e);
  return { error: nameAndMessage(e), ...(stack.length ? { stack } : {}), ...(protocol === undefined ? {} : { protocol }), ...(hung === undefined ? {} : { hung }), ...(fault === undefined ? {} : { engineFault: fault }) };
}

/** sameResult and explain agree by construction; this guards the impossible case without crashing a report. */
function explainUnexplained(): Explanation {
  return { anomaly: 'malformed result', elle: 'n/a', tx: -1, expected: 'the reference result', actual: 'a result that differs only in fields the explainer does not read', detail: 'Compare the two results field by field.' };
}

export const EQUIVALENCE_TXS = 20;
export const THREADS = [1, 2, 4] as const;
/**
 * 3 beside the generated checks' counts: an odd count catches work split by the thread count
 * wrongly (a table sized for 2 or 4 workers), which no power of two shows. It draws nothing from
 * the generator, so seeds and replay tokens are those of the other counts.
 */
const DETERMINISM_THREADS = [1, 2, 3, 4] as const;
const REPEATS = 2;
/**
 * The big-blocks check's sizes: from just past the other checks' 20 to past 1,024, so that a
 * block crosses the batch and buffer sizes engines pick (32, 64, 256, 1,024) and the size gates of
 * the built-ins (Block-STM's preflight looks from 256 transactions up, its contention check after
 * 64 executions a worker), which the other checks' blocks never reach.
 */
export const BIG_TXS: TxRange = { min: EQUIVALENCE_TXS + 1, max: 1100 };
/**
 * 8 and 16 beside 2 and 4: a split of a big block over more workers than the other checks use,
 * and past 8, where an engine's tables sized for 8 workers end (test/fixtures/verify/eight-buffers.mjs).
 * 16 grows Block-STM's and modular's pools to 16 workers: `concord verify` took 15.7-15.8 s and
 * 446 MB where it took 15.0 s and 343 MB (16.0-16.2 s and 441-450 MB with the interleaving check's
 * 8 virtual workers too).
 */
const BIG_THREADS = [2, 4, 8, 16] as const;
/** The thread counts replay tokens of before (cv1_, cv2_) drew. */
const LEGACY_BIG_THREADS = [2, 4, 8] as const;

/** Transactions per generated block: at least min, at most max. */
export interface TxRange {
  readonly min: number;
  readonly max: number;
}

/** What a check generates: the block spec first (minimize.ts shrinks it further), then the check's own settings. */
export type CheckInput = readonly [BlockSpec, ...unknown[]];

/** One check: how to generate its inputs and how to run one of them (false: a failure was recorded). */
export interface CheckDef {
  readonly name: CheckName;
  /** Transactions per generated block, by default. */
  readonly txs: TxRange;
  /** The block size is part of what the check is (exhaustive enumeration is only possible on tiny blocks, big blocks are the point of big-blocks): --txs leaves it alone. */
  readonly fixedSize?: boolean;
  /** Share of --runs this check gets (interleavings and enumeration cost more per block). */
  readonly runsFactor: number;
  applies(subject: Subject): boolean;
  /**
   * Why the check, which applies, is not run on `subject` (its blocks cannot be those the subject's
   * --programs allows), in the words a report lists it by; absent or undefined: it runs.
   */
  notRun?(subject: Subject): string | undefined;
  /**
   * What the check draws for a replay token of `version` (absent: TOKEN_VERSION, what a new run
   * draws). Each version's draws are kept, so an old token replays the run it was made of: before
   * cv3_ no check drew the block's pre-state kind (its last input), the interleaving check's
   * schedules had at most 4 workers and big blocks ran at up to 8 threads; before cv4_ no
   * pre-state set the contracts' counters and modular's interleavings ran contract blocks only;
   * before cv5_ modular's schedules all partitioned by hash.
   */
  inputs(txs: TxRange, subject: Subject, version?: TokenVersion): fc.Arbitrary<CheckInput>;
  run(subject: Subject, o: Observer, input: CheckInput): Promise<boolean>;
  /**
   * What else to run a smaller block under, beside the block, when it passes under what the
   * failure ran (`rest`: the input after the block), in the order to try them; a function of
   * `rest` alone, so shrinking stays deterministic. Absent: only `rest`.
   */
  alternatives?(rest: readonly unknown[]): readonly (readonly unknown[])[];
}

/**
 * A check's inputs (`current`, by default its inputs of before) followed by how the block's
 * pre-state is handed over (shrinking to a Map); for a token older than cv3_, `legacy` alone.
 * Drawn last, the kind leaves every seed's blocks and settings as `current` draws them.
 */
export function drawsPreStateKind(legacy: CheckDef['inputs'], current = legacy): Pick<CheckDef, 'inputs'> {
  return {
    inputs: (txs, subject, version = TOKEN_VERSION) => (version < 3 ? legacy(txs, subject, version)
      : fc.tuple(current(txs, subject, version), fc.constantFrom(...PRE_STATE_KINDS)).map(([input, kind]): CheckInput => [...input, kind])),
  };
}

/**
 * The blocks a check draws for a token of `version`: since cv4_ their pre-states set the contracts'
 * counters too. Of a subject given --programs (`programs`), calls of those contracts alone.
 */
export function checkBlocks(txs: TxRange, version: TokenVersion = TOKEN_VERSION, o: BlockArbOptions = {}, programs?: Programs): fc.Arbitrary<BlockSpec> {
  return blockSpecArb({ ...o, minTxs: txs.min, maxTxs: txs.max, contractState: version >= 4, ...(programs ? { contracts: programs } : {}) });
}

/** The block a spec describes, with its pre-state handed over as `kind` says (absent: a Map, as vm-corners runs). */
export function checkedBlock(spec: BlockSpec, kind: PreStateKind = 'map'): Block {
  return withPreState(buildBlock(spec), kind);
}

/** What a setting adds for a SharedState pre-state; nothing for a Map. */
export function preStateSetting(kind: PreStateKind = 'map'): string {
  return kind === 'shared' ? ', shared pre-state' : '';
}

export const equivalenceCheck: CheckDef = {
  name: 'equivalence', txs: { min: 1, max: EQUIVALENCE_TXS }, runsFactor: 1, applies: () => true,
  ...drawsPreStateKind((txs, subject, version) => fc.tuple(checkBlocks(txs, version, {}, subject.programs), fc.constantFrom(...(subject.threadCounts ?? THREADS)))),
  run: async (subject, o, input) => {
    const [spec, threads, kind] = input as readonly [BlockSpec, number, PreStateKind?];
    o.blocks++;
    const block = checkedBlock(spec, kind);
    return checkRun(subject, o, spec, block, executeReference(block), threads, `threads ${threads}${preStateSetting(kind)}`);
  },
};

/**
 * Equivalence on blocks of random programs that also take the VM's corners (arbitraries.ts
 * BlockArbOptions.vm): arithmetic on negative and extreme values, keys outside the range, a DELTA
 * that overflows, longer HASH chains. The built-in executors and the planted bugs run Concord's
 * own VM, which the reference runs, so it applies to the others: an engine in another language
 * (`exec:`) or a module with a VM of its own, where a ported opcode can differ. Random bytecode is
 * what it is: on a subject given --programs it is not run, and listed so (never as passed).
 */
export const vmCornersCheck: CheckDef = {
  name: 'vm-corners', txs: { min: 1, max: EQUIVALENCE_TXS }, runsFactor: 0.5,
  applies: (subject) => !EXECUTORS.has(subject.name) && !subject.name.startsWith(PLANTED_PREFIX),
  notRun: (subject) => notRunFor(subject.programs),
  inputs: (txs, subject) => fc.tuple(blockSpecArb({ minTxs: txs.min, maxTxs: txs.max, mix: 'code', vm: true }), fc.constantFrom(...(subject.threadCounts ?? THREADS))),
  run: equivalenceCheck.run,
};

/** Two accounts' balances and no transaction: an executor that drops the pre-state shows a wrong root. */
const EMPTY_BLOCK: BlockSpec = { keys: 2, pre: [{ entity: 0, field: 0, value: 5 }, { entity: 1, field: 0, value: 7 }], txs: [], gasLimit: null };

/**
 * A block of no transactions, once per run, at each thread count and with each kind of pre-state:
 * the generated checks draw one transaction at least, so an engine that divides its block by its
 * workers into nothing, or waits for a worker that got no transaction, passed them all, and chains
 * make empty blocks. For your executors; the built-ins' empty blocks are in their own tests.
 */
export const emptyBlockCheck: CheckDef = {
  name: 'empty-block', txs: { min: 0, max: 0 }, fixedSize: true, runsFactor: 0, applies: vmCornersCheck.applies,
  inputs: () => fc.tuple(fc.constant(EMPTY_BLOCK)),
  run: async (subject, o, [spec]) => {
    o.blocks++;
    const made: CallBefore[] = [];
    for (const kind of PRE_STATE_KINDS) {
      const block = checkedBlock(spec as BlockSpec, kind);
      const expected = executeReference(block);
      for (const threads of subject.threadCounts ?? THREADS) {
        if (!(await checkRun(subject, o, spec as BlockSpec, block, expected, threads, `threads ${threads}${preStateSetting(kind)}`, made.length + 1, [...made]))) return false;
        made.push({ threads, preState: kind });
      }
    }
    return true;
  },
};

/**
 * Equivalence on blocks of 21 to 1,100 transactions (BIG_TXS) at 2, 4, 8 or 16 threads, a fiftieth of
 * the runs: an engine that goes wrong only past a size (a batch of 64, a buffer of 256 entries, a
 * second chunk) passes every block of the other checks. Its size is part of what it is, so --txs
 * leaves it alone; minimize.ts takes a failure down to the boundary and the few transactions that
 * matter. Since cv7_ its blocks also come in the shapes that reach the built-ins' size gates
 * (arbitraries.ts BlockArbOptions.shapes).
 */
export const bigBlocksCheck: CheckDef = {
  name: 'big-blocks', txs: BIG_TXS, fixedSize: true, runsFactor: 0.02, applies: () => true,
  ...drawsPreStateKind(
    (txs, _, version) => fc.tuple(checkBlocks(txs, version), fc.constantFrom(...LEGACY_BIG_THREADS)),
    (txs, subject, version = TOKEN_VERSION) => fc.tuple(checkBlocks(txs, version, { shapes: version >= 7 }, subject.programs), fc.constantFrom(...(subject.threadCounts ?? BIG_THREADS))),
  ),
  run: equivalenceCheck.run,
};

export const determinismCheck: CheckDef = {
  name: 'determinism', txs: { min: 1, max: EQUIVALENCE_TXS }, runsFactor: 0.25, applies: () => true,
  ...drawsPreStateKind((txs, subject, version) => fc.tuple(checkBlocks(txs, version, {}, subject.programs))),
  run: async (subject, o, input) => {
    const [spec, kind] = input as readonly [BlockSpec, PreStateKind?];
    o.blocks++;
    const block = checkedBlock(spec, kind);
    const expected = executeReference(block);
    const made: CallBefore[] = [];
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      for (const threads of subject.threadCounts ?? DETERMINISM_THREADS) {
        if (!(await checkRun(subject, o, spec, block, expected, threads, `threads ${threads}, repeat ${repeat} of ${REPEATS}${preStateSetting(kind)}`, made.length + 1, [...made]))) return false;
        made.push({ threads, preState: kind ?? 'map' });
      }
    }
    return true;
  },
};
