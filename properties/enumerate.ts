// Exhaustive enumeration of Block-STM's and the modular executor's interleavings for tiny blocks
// (the goal: 5 transactions, 2 workers, 2 keys; the public TLA+ model was checked at 5 x 2 x 1).
// Why not enumerate the simulated runtime's recorded schedules directly: a scheduling point there
// is one shared-memory operation, and 5 transactions take ~260 two-way points, 2^260 schedules.
// Instead the enumerator works at the granularity of the TLA+ model: one step of a worker is one
// stage of the thread loop (BlockStmThread.step: take a task, execute a version, validate one),
// run atomically over the same shared memory, and it explores the state graph depth first with
// state caching. A state is the shared memory plus each worker's held task and its waiting, dirty
// (someone wrote since its last pause) and finished flags, mirroring the simulated runtime's
// waiting rule; BlockStmThread keeps no other state between steps (its invariant), so two paths
// that reach equal states have equal futures and each state is expanded once. States are told
// apart by a 53-bit hash (a collision, about 1e-4 at a million states, would merge two). Every path to a final
// state is covered: final states are checked against the reference, and the number of
// interleavings the explored graph contains is counted exactly. Finer-grained races inside a
// stage are the job of the random and PCT schedules (simulated.ts).
// The modular executor is explored alike, a step being one iteration of its lane loop
// (LaneThread.step: claim a lane, run its next transaction, release it), over 2 modules partitioned
// by hash, range or affinity (drawn; or the executor's own). Its block runs window by window, the
// main thread between them running barriers in order (block-run.ts): each window's state graph is
// explored, and every distinct memory it can end in is carried into the next window on a run
// rebuilt to that point (the main thread's bookkeeping is a function of the windows' final
// memories), so the paths through all windows are every interleaving of the block.
// Invariant: explore() and exploreModular() either visit every state reachable under every order
// of worker steps, or say they stopped at maxStates; they report the first failing final state (or
// a state where every unfinished worker waits forever) with the steps that reach it.

import fc from 'fast-check';
import type { Block, BlockResult } from '../spec/block.js';
import { emptyStats } from '../spec/block.js';
import { executeReference } from '../spec/reference.js';
import type { Cells } from '../impl/runtime/cells.js';
import { FINISHED } from '../impl/runtime/sim.js';
import { bugMask, type BugName } from '../impl/blockstm/bugs.js';
import { finalize } from '../impl/blockstm/finalize.js';
import { ABORT_CAPACITY, ABORT_INCARNATIONS, DONE, estimateCapacity, H, layoutFor, writeBlock } from '../impl/blockstm/layout.js';
import { Counters, EXECUTION_TASK, NO_TASK, taskIncarnation, taskKind } from '../impl/blockstm/scheduler.js';
import { BlockStmThread } from '../impl/blockstm/thread.js';
import { BlockRun } from '../impl/modular/block-run.js';
import { bugFlags, type BugName as ModularBug } from '../impl/modular/bugs.js';
import { H as MH, L_LAST, PAD } from '../impl/modular/layout.js';
import { affinityPartitioner, PARTITION_KINDS, partitionerFor, type Partitioner } from '../impl/modular/partition.js';
import { Counters as LaneCounters, LaneThread } from '../impl/modular/thread.js';
import { SharedArrays } from '../impl/runtime/shared-arrays.js';
import { blockSpecArb, buildBlock } from './arbitraries.js';
import { BLOCKSTM_COVERAGE, emptyCoverage, MODULAR_COVERAGE, type CheckDef, type Coverage, type Subject } from './equivalence.js';
import { explain, sameResult, type Explanation } from './explain.js';
import { completionViolation, eventText, incompleteExplanation, memoryProvenance, SIMULATED_MAX_MODULES } from './simulated.js';

/** Thrown when a step would have to wait for another worker mid-stage: that step is not enabled in this state. */
const BLOCKED: unique symbol = Symbol('blocked');

/** Shared memory where each operation takes effect at once; a whole step runs without interruption. */
class StepCells implements Cells {
  wrote = false;
  pauses = 0;
  wroteBeforePause = false;
  wroteAfterPause = false;

  reset(): void {
    this.wrote = this.wroteBeforePause = this.wroteAfterPause = false;
    this.pauses = 0;
  }

  private wrote_(): void {
    this.wrote = true;
    if (this.pauses > 0) this.wroteAfterPause = true;
  }

  constructor(private readonly i32: Int32Array, private readonly f64: Float64Array) {}

  load(i: number): number {
    return this.i32[i]!;
  }

  store(i: number, v: number): void {
    this.i32[i] = v;
    this.wrote_();
  }

  add(i: number, v: number): number {
    const old = this.i32[i]!;
    this.i32[i] = old + v;
    this.wrote_();
    return old;
  }

  cas(i: number, expected: number, v: number): number {
    const old = this.i32[i]!;
    if (old === expected) {
      this.i32[i] = v;
      this.wrote_();
    }
    return old;
  }

  loadF(i: number): number {
    return this.f64[i]!;
  }

  storeF(i: number, v: number): void {
    this.f64[i] = v;
    this.wrote_();
  }

  read(i: number): number {
    return this.i32[i]!;
  }

  write(i: number, v: number): void {
    this.i32[i] = v;
  }

  readF(i: number): number {
    return this.f64[i]!;
  }

  writeF(i: number, v: number): void {
    this.f64[i] = v;
  }

  // A step may end with one pause (it found nothing to do and will wait). A second pause means it
  // spins inside the stage on something only another worker can change: not possible atomically.
  pause(): void {
    if (++this.pauses > 1) throw BLOCKED;
    this.wroteBeforePause = this.wrote;
  }
}

/**
 * The simulated runtime's waiting rule, per worker: a pause parks the worker only when no one
 * wrote since its previous pause (`dirty` says someone did), and any write wakes the others.
 */
interface State {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly held: readonly number[];
  readonly waiting: readonly boolean[];
  readonly dirty: readonly boolean[];
  readonly finished: readonly boolean[];
}

/**
 * The state after worker `w` took a step from `s` to `next`, the memory it left in `i32`/`f64`:
 * a worker that paused without writing since its last pause waits until another writes.
 */
function successor(s: State, w: number, next: number, c: StepCells, i32: Int32Array, f64: Float64Array): State {
  const held = [...s.held];
  held[w] = next;
  const paused = c.pauses > 0;
  const waiting = s.waiting.map((x, v) => (v === w ? paused && !s.dirty[w] && !c.wroteBeforePause : x && !c.wrote));
  const dirty = s.dirty.map((x, v) => (v === w && paused ? c.wroteAfterPause : x || c.wrote));
  const finished = [...s.finished];
  if (next === FINISHED) finished[w] = true;
  return { i32: i32.slice(), f64: f64.slice(), held, waiting, dirty, finished };
}

/** The states an exploration expands before it stops (incomplete, not failed): the exhaustive check's blocks reach about 45,000. */
export const MAX_STATES = 200_000;

export interface ExploreOptions {
  readonly threads: number;
  readonly bugs?: readonly BugName[];
  /** States expanded before giving up (the exploration is then incomplete, not failed). */
  readonly maxStates?: number;
  readonly maxIncarnations?: number;
}

export interface ExploreFailure {
  readonly explanation: Explanation;
  /** The steps from the initial state to the failing one. */
  readonly steps: readonly string[];
}

export interface ExploreResult {
  readonly states: number;
  /** Distinct interleavings of worker steps (paths from the initial state to a final one) the explored graph holds. */
  readonly interleavings: number;
  readonly complete: boolean;
  readonly failure?: ExploreFailure;
  /** Coverage events seen on any explored step. */
  readonly coverage: Coverage;
}

/** Two 32-bit multiplicative hashes over both memories and the worker flags, folded into 53 bits (collisions ~1e-4 at 10^6 states). */
function hashState(i32: Int32Array, f64words: Int32Array, s: State): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < i32.length; i++) {
    const v = i32[i]!;
    a = Math.imul(a ^ v, 0x01000193);
    b = Math.imul(b + v, 0x5bd1e995) ^ (b >>> 13);
  }
  for (let i = 0; i < f64words.length; i++) {
    const v = f64words[i]!;
    a = Math.imul(a ^ v, 0x01000193);
    b = Math.imul(b + v, 0x5bd1e995) ^ (b >>> 13);
  }
  for (let w = 0; w < s.held.length; w++) {
    // A task number can exceed 32 bits: its high and low words, and the flags, are mixed separately.
    for (const v of [s.held[w]! | 0, Math.floor(s.held[w]! / 2 ** 32), (s.waiting[w] ? 1 : 0) | (s.dirty[w] ? 2 : 0) | (s.finished[w] ? 4 : 0)]) {
      a = Math.imul(a ^ v, 0x01000193);
      b = Math.imul(b + v, 0x5bd1e995) ^ (b >>> 13);
    }
  }
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) & 0x1fffff);
}

/** Explores every interleaving of worker steps for `block`, checking each final state against the reference. */
export function explore(block: Block, options: ExploreOptions, expected: BlockResult = executeReference(block)): ExploreResult {
  const { threads } = options;
  const maxStates = options.maxStates ?? MAX_STATES;
  const L = layoutFor(block, estimateCapacity(block, 1, threads));
  const i32 = new Int32Array(L.i32Size);
  const f64 = new Float64Array(L.f64Size);
  writeBlock(block, L, i32, f64);
  const cells = Array.from({ length: threads }, () => new StepCells(i32, f64));
  const mask = bugMask(options.bugs ?? []);
  const workers = cells.map((c, worker) => new BlockStmThread(c, L, f64, { bugs: mask, maxIncarnations: options.maxIncarnations ?? 20, beforeExecute: null, worker }));
  const coverage = emptyCoverage(BLOCKSTM_COVERAGE);
  /** Interleavings from each expanded state to a final state; -1 while the state is on the current path. */
  const paths = new Map<number, number>();
  const path: string[] = [];
  let failure: ExploreFailure | undefined;
  let complete = true;

  const fail = (explanation: Explanation) => {
    failure = { explanation, steps: [...path] };
  };

  const finalState = (): number => {
    const aborted = i32[H.STATE] === ABORT_INCARNATIONS ? `a transaction passed ${options.maxIncarnations ?? 20} incarnations` : i32[H.STATE] === ABORT_CAPACITY ? 'shared buffers ran out' : '';
    if (aborted) {
      fail(incompleteExplanation(i32[H.STATE] === ABORT_CAPACITY ? 'capacity' : 'incarnation-bound', aborted));
      return 1;
    }
    const result = i32[H.STATE] === DONE ? finalize(block, L, i32, { ...emptyStats() }, threads) : 'workers stopped before the block was DONE';
    if (typeof result === 'string') fail(incompleteExplanation('invariant', `invariant violated: ${result}`));
    else if (!sameResult(expected, result)) fail(explain(block, expected, result, memoryProvenance(L, i32, path))!);
    else {
      const violation = completionViolation(block, L, i32, f64, expected.receipts.filter((r) => r.status !== 'skipped').length);
      if (violation) fail(violation);
    }
    return 1;
  };

  const visit = (s: State): number => {
    if (failure) return 0;
    const h = hashState(s.i32, new Int32Array(s.f64.buffer), s);
    const known = paths.get(h);
    // A state on the current path again (-1) closes a cycle: only an unfair schedule, starving
    // another worker, stays on it, so it adds no interleaving that reaches a final state.
    if (known !== undefined) return Math.max(known, 0);
    if (paths.size >= maxStates) {
      complete = false;
      return 0;
    }
    const alive = s.finished.some((f) => !f);
    if (!alive) return finalState();
    const enabled = s.held.map((_, w) => w).filter((w) => !s.finished[w] && !s.waiting[w]);
    if (enabled.length === 0) {
      fail(incompleteExplanation('stuck', 'every unfinished worker waits and none can ever write again'));
      return 0;
    }
    paths.set(h, -1);
    let total = 0;
    for (const w of enabled) {
      i32.set(s.i32);
      f64.set(s.f64);
      const c = cells[w]!;
      c.reset();
      const before = new Counters();
      before.copyFrom(workers[w]!.counters);
      let next: number;
      try {
        next = workers[w]!.step(s.held[w]!);
      } catch (e) {
        if (e === BLOCKED) continue;
        throw e;
      }
      const after = workers[w]!.counters;
      coverage['failed validation']! += after.failedValidations - before.failedValidations;
      coverage['ESTIMATE wait']! += after.estimateWaits - before.estimateWaits;
      coverage['dependency resume']! += after.dependencyResumes - before.dependencyResumes;
      if (taskKind(s.held[w]!) === EXECUTION_TASK && taskIncarnation(s.held[w]!) > 0) coverage['re-execution']!++;
      path.push(eventText(w, s.held[w]!, next, before, after));
      total += visit(successor(s, w, next, c, i32, f64));
      path.pop();
      if (failure) return 0;
    }
    paths.set(h, total);
    return total;
  };

  const interleavings = visit({
    i32: i32.slice(), f64: f64.slice(), held: cells.map(() => NO_TASK), waiting: cells.map(() => false), dirty: cells.map(() => true), finished: cells.map(() => false),
  });
  return { states: paths.size, interleavings, complete, coverage, ...(failure ? { failure } : {}) };
}

export interface ModularExploreOptions {
  readonly threads: number;
  readonly modules: number;
  readonly partition: string | Partitioner;
  readonly bugs?: readonly ModularBug[];
  /** States expanded, over all windows, before giving up (the exploration is then incomplete, not failed). */
  readonly maxStates?: number;
}

/** A window's final memory, carried into the next window. */
interface WindowEnd {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
}

/** A worker state of the lane loop (thread.ts): 0 holds no lane, l + 1 holds lane l. */
const IDLE = 0;

/** How one lane-loop step reads in an interleaving, from the state it held and the one it returned. */
function laneStepText(worker: number, held: number, next: number, lastTx: (lane: number) => number, crossWait: boolean): string {
  const w = `w${worker}`;
  if (next === FINISHED) return `${w} stops (no lane has work left in the window)`;
  if (held === IDLE) return next === IDLE ? `${w} finds no lane ready and waits` : `${w} claims lane ${next - 1}`;
  const lane = held - 1;
  if (next === held) return `${w} runs tx ${lastTx(lane)} on lane ${lane}`;
  return crossWait ? `${w} releases lane ${lane}: its next transaction waits on another lane` : `${w} releases lane ${lane}: nothing of it is ready`;
}

/**
 * Explores every interleaving of the modular executor's lane-loop steps for `block`, window by
 * window (the file's header says how), checking each complete run's result against the reference.
 */
export function exploreModular(block: Block, options: ModularExploreOptions, expected: BlockResult = executeReference(block)): ExploreResult {
  const { threads } = options;
  const maxStates = options.maxStates ?? MAX_STATES;
  const flags = bugFlags(options.bugs);
  const partitioner = typeof options.partition === 'object' ? options.partition : partitionerFor(options.partition);
  const settings = { modules: options.modules, partitioner, misroute: flags.misroute, kindBlind: flags.kindBlind, deltaSkipsReads: flags.deltaSkipsReads, threads, outputScale: 1 };
  const coverage = emptyCoverage(MODULAR_COVERAGE);
  let states = 0;
  let complete = true;
  let failure: ExploreFailure | undefined;

  /** A run of the block whose windows before the open one ended in `ends`; `open` false once the block is done. */
  const rebuilt = (ends: readonly WindowEnd[]): { run: BlockRun; open: boolean } => {
    const run = new BlockRun(block, settings, new SharedArrays());
    for (const end of ends) {
      run.nextWindow();
      while (run.planSome(block.txs.length));
      run.buffers.i32.set(end.i32);
      run.buffers.f64.set(end.f64);
      run.closeWindow(new LaneCounters(), 0);
    }
    return { run, open: run.nextWindow() };
  };

  /** Interleavings from the start of the window after `ends` to the end of the block; `path` the steps that led there. */
  const fromWindow = (ends: readonly WindowEnd[], path: string[]): number => {
    const { run, open } = rebuilt(ends);
    if (!open) {
      const result = run.result();
      coverage['cross-module transaction']! += Number(result.stats.crossModuleTxs ?? 0);
      if (!sameResult(expected, result)) failure = { explanation: explain(block, expected, result, { interleaving: path }) ?? incompleteExplanation('invariant', 'a result the explainer finds no difference in'), steps: path };
      return 1;
    }
    while (run.planSome(block.txs.length));
    const { L } = run;
    const { i32, f64 } = run.buffers;
    const cells = Array.from({ length: threads }, () => new StepCells(i32, f64));
    const workers = cells.map((c, w) => new LaneThread(c, L, i32, f64, w));
    const lastTx = (lane: number) => i32[L.lanes + lane * PAD + L_LAST]!;
    /** Interleavings from each state of this window to the end of the block; -1 while on the current path. */
    const paths = new Map<number, number>();
    path.push(`window from tx ${i32[MH.WINDOW_START]} to tx ${i32[MH.WINDOW_END]! - 1}, planned on the main thread`);
    const visit = (s: State): number => {
      if (failure) return 0;
      const h = hashState(s.i32, new Int32Array(s.f64.buffer), s);
      const known = paths.get(h);
      if (known !== undefined) return Math.max(known, 0);
      if (states >= maxStates) {
        complete = false;
        return 0;
      }
      if (s.finished.every(Boolean)) {
        // A final memory of this window met again is a known state above: the rest of the block is explored once from each.
        const rest = fromWindow([...ends, { i32: s.i32, f64: s.f64 }], [...path]);
        paths.set(h, rest);
        return rest;
      }
      const enabled = s.held.map((_, w) => w).filter((w) => !s.finished[w] && !s.waiting[w]);
      if (enabled.length === 0) {
        failure = { explanation: incompleteExplanation('stuck', 'every unfinished worker waits and none can ever write again'), steps: [...path] };
        return 0;
      }
      states++;
      paths.set(h, -1);
      let total = 0;
      for (const w of enabled) {
        i32.set(s.i32);
        f64.set(s.f64);
        const c = cells[w]!;
        c.reset();
        const worker = workers[w]!;
        worker.counters.copyFrom(worker.committed);
        const waits = worker.counters.crossWaits;
        let next: number;
        try {
          next = worker.step(s.held[w]!);
        } catch (e) {
          if (e === BLOCKED) continue;
          throw e;
        }
        const crossWait = worker.counters.crossWaits > waits;
        if (crossWait) coverage['cross-lane wait']!++;
        path.push(laneStepText(w, s.held[w]!, next, lastTx, crossWait));
        total += visit(successor(s, w, next, c, i32, f64));
        path.pop();
        if (failure) return 0;
      }
      paths.set(h, total);
      return total;
    };
    return visit({
      i32: i32.slice(), f64: f64.slice(), held: cells.map(() => IDLE), waiting: cells.map(() => false), dirty: cells.map(() => true), finished: cells.map(() => false),
    });
  };

  const interleavings = fromWindow([], []);
  return { states, interleavings, complete, coverage, ...(failure ? { failure } : {}) };
}

export const EXHAUSTIVE_TXS = 5;
export const EXHAUSTIVE_KEYS = [1, 2] as const;
/** Modules of the modular executor's explorations, unless it was made with a count of its own: two, so that transactions cross them. */
export const EXHAUSTIVE_MODULES = 2;

/** Entities of the modular executor's tiny blocks: 2 or 3, so that its 2 modules both hold some and transactions cross them. */
export const EXHAUSTIVE_MODULAR_KEYS = [2, 3] as const;

/** Block-STM's tiny blocks: random programs over 1 or 2 keys. */
const exhaustiveBlocks = (txs: { min: number; max: number }) => blockSpecArb({ minTxs: txs.min, maxTxs: txs.max, keys: EXHAUSTIVE_KEYS, mix: 'code', hashes: false });

/**
 * The modular executor's: library contracts alone (transfers between two accounts: transactions
 * that cross modules, which misroute needs, caught on 5 of 200 such blocks and on none of 200 mixed
 * ones), or mixed with random programs, which declare footprints where their keys are constant and
 * none where computed (barriers, so blocks of several windows).
 */
const exhaustiveModularBlocks = (txs: { min: number; max: number }) => fc.oneof(
  ...(['contracts', 'mixed'] as const).map((mix) => blockSpecArb({ minTxs: txs.min, maxTxs: txs.max, keys: EXHAUSTIVE_MODULAR_KEYS, mix, hashes: false })),
);

/** The modular executor's modules and partition in an exploration: its own where it was made with them (a trained placement where it has one for them), else 2 and the partition drawn. */
function modularSetting(subject: Subject, drawn: string): { modules: number; partition: string | Partitioner; text: string } {
  const sim = subject.simulated?.kind === 'modular' ? subject.simulated : undefined;
  const modules = Math.min(sim?.modules ?? EXHAUSTIVE_MODULES, SIMULATED_MAX_MODULES);
  const placed = drawn === 'affinity' && sim?.placement?.modules === modules;
  return { modules, partition: placed ? affinityPartitioner(sim.placement) : drawn, text: `${modules} modules, ${drawn} partition${placed ? ' (by the trained placement)' : ''}` };
}

/**
 * Every interleaving of 2 workers over tiny blocks (up to 5 transactions) must match the
 * reference: Block-STM's over 1 or 2 keys, and the modular executor's over 2 or 3 accounts and each
 * partition (drawn, shrinking to hash, unless the executor was made with one).
 */
export const exhaustiveCheck: CheckDef = {
  name: 'exhaustive', txs: { min: 1, max: EXHAUSTIVE_TXS }, fixedSize: true, runsFactor: 0.02, applies: (s) => s.simulated !== undefined,
  inputs: (txs, subject) => {
    const sim = subject.simulated;
    if (sim?.kind !== 'modular') return fc.tuple(exhaustiveBlocks(txs));
    return fc.tuple(exhaustiveModularBlocks(txs), sim.partition === undefined ? fc.constantFrom(...PARTITION_KINDS) : fc.constant(sim.partition));
  },
  run: async (subject, o, [spec, drawn]) => {
    o.blocks++;
    const block = buildBlock(spec);
    const sim = subject.simulated;
    const modular = sim?.kind === 'modular' ? modularSetting(subject, drawn as string) : undefined;
    const r = sim?.kind === 'modular' && modular
      ? exploreModular(block, { threads: 2, modules: modular.modules, partition: modular.partition, bugs: sim.bugs })
      : explore(block, { threads: 2, bugs: sim?.kind === 'block-stm' ? sim.bugs : [] });
    o.states += r.states;
    o.interleavings += r.interleavings;
    if (!r.complete) o.statesCut++;
    for (const [k, v] of Object.entries(r.coverage)) o.coverage[k] = (o.coverage[k] ?? 0) + v;
    if (!r.failure) return true;
    o.fail({
      spec, block, setting: `every interleaving of 2 workers${modular ? ` over ${modular.text}` : ''} (${r.states} states explored)`, explanation: r.failure.explanation,
      provenance: { interleaving: r.failure.steps },
    });
    return false;
  },
};
