// Targeted, pinned-seed checks of the corners of the in-process Block-STM code that the broad
// property tests (properties-model, -sim, -mutation) rarely reach, written to kill the mutants
// `npm run mutate` found alive: the simulated runtime's replay log, parking, schedule defaults and
// errors; the worker's watchdogs (incarnation bound, contention check, stall watchdog) and step
// protocol; finalize's invariant checks on tampered shared memory and the sequential fallback;
// every way runBlockStmSimulated can end. Each expectation comes from the reference executor, a
// small model, or the documented contract, never from the code under test itself.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { Block } from '../spec/block.js';
import { executeReference } from '../spec/reference.js';
import { executeSequential, sequentialExecutor } from '../impl/sequential.js';
import { newKeyTable, tableEntries, tableGet, tableSet } from '../impl/key-table.js';
import { runBlockStmSimulated } from '../impl/blockstm/simulate.js';
import { finalize, sequentialFallback } from '../impl/blockstm/finalize.js';
import {
  ABORT_CAPACITY, ABORT_CONTENTION, ABORT_INCARNATIONS, ABORT_STALL, ABORTING, DONE, EMPTY, ESTIMATE, estimateCapacity, EXECUTED,
  EXECUTING, H, incarnationOf, layoutFor, N_KEY, N_TX, N_VERSION, NIL, NODE_CELLS, R_INCARNATION, READY_TO_EXECUTE, RUNNING,
  statusWord, writeBlock, type Layout,
} from '../impl/blockstm/layout.js';
import { ABORTED, BlockStmThread, contentionReason, stallWatchdog, type ThreadOptions } from '../impl/blockstm/thread.js';
import { EXECUTION_TASK, INCARNATION_LIMIT, NO_TASK, task, taskKind, taskTx, VALIDATION_TASK } from '../impl/blockstm/scheduler.js';
import { FINISHED, ScheduleError, simulate, type SimOptions, type SimWorker } from '../impl/runtime/sim.js';
import type { Cells } from '../impl/runtime/cells.js';
import { emptyStats } from '../spec/block.js';
import { blockSpecArb, buildBlock, type TxSpec } from '../properties/arbitraries.js';
import { sameResult } from '../properties/explain.js';
import { PlainCells } from '../properties/simulated.js';

// ---- blocks and helpers -----------------------------------------------------------------------

/** n transactions that each read key `i % keys`, add one and write it back: contention by design. */
function counterBlock(n: number, keys: number, gasLimit: number | null = null): Block {
  const txs: TxSpec[] = Array.from({ length: n }, (_, i) => ({
    kind: 'code', gas: 100_000,
    body: [{ s: 'read', dst: 0, key: i % keys }, { s: 'addi', dst: 0, imm: 1 }, { s: 'write', key: i % keys, src: 0 }],
  }));
  return buildBlock({ keys, pre: [{ entity: 0, field: 0, value: 1 }], gasLimit, txs });
}

function memoryFor(block: Block, scale = 1) {
  const L = layoutFor(block, estimateCapacity(block, scale));
  const i32 = new Int32Array(L.i32Size);
  const f64 = new Float64Array(L.f64Size);
  writeBlock(block, L, i32, f64);
  return { L, i32, f64 };
}

const OPTIONS: ThreadOptions = { bugs: 0, maxIncarnations: 100, beforeExecute: null };

/** Runs Block-STM to DONE on the simulated runtime over memory this test keeps, so finalize can be fed tampered copies. */
function runToDone(block: Block, threads: number, seed: number) {
  const mem = memoryFor(block);
  simulate(mem.i32, mem.f64, threads, (_w, cells) => {
    const t = new BlockStmThread(cells, mem.L, mem.f64, OPTIONS);
    return { step: (s) => t.step(s), begin: () => t.counters.copyFrom(t.committed), commit: () => t.committed.copyFrom(t.counters) };
  }, NO_TASK, { schedule: 'random', seed });
  expect(mem.i32[H.STATE]).toBe(DONE);
  return mem;
}

/** Cells over plain memory that log every operation's name: the protocol a worker follows, one call at a time. */
class LoggingCells extends PlainCells {
  readonly ops: string[] = [];
  onPause: () => void = () => {};
  constructor(i32: Int32Array, f64: Float64Array) {
    super(i32, f64);
  }
  override load(i: number): number { this.ops.push('load'); return super.load(i); }
  override store(i: number, v: number): void { this.ops.push('store'); super.store(i, v); }
  override cas(i: number, e: number, v: number): number { this.ops.push('cas'); return super.cas(i, e, v); }
  override add(i: number, v: number): number { this.ops.push('add'); return super.add(i, v); }
  override pause(): void { this.ops.push('pause'); this.onPause(); }
}

function worker(cells: Cells, block: Block, L: Layout, f64: Float64Array, options: Partial<ThreadOptions> = {}) {
  return new BlockStmThread(cells, L, f64, { ...OPTIONS, ...options });
}

// ---- the simulated runtime ----------------------------------------------------------------------

/** A worker built from one function per state: each returns the next state. */
function program(steps: ((cells: Cells, state: number) => number)[]) {
  return (_w: number, cells: Cells): SimWorker => ({ step: (state) => steps[state]!(cells, state), begin: () => {}, commit: () => {} });
}

describe('simulated runtime: one operation per scheduling point, exact replay', () => {
  it('re-runs an iteration without repeating its reads, writes or shared operations', () => {
    // One iteration that mixes every kind of access; each cell is incremented once, from what it held.
    const iteration = (c: Cells): number => {
      c.write(10, c.read(10) + 1); // plain
      c.writeF(10, c.readF(10) + 1);
      c.store(11, c.load(11) + 1); // two scheduling points
      c.add(12, 5);
      c.cas(13, 0, 7);
      c.cas(14, 1, 9); // fails: cell 14 holds 0
      c.storeF(11, c.loadF(11) + 1);
      return FINISHED;
    };
    for (const schedule of ['random', 'pct'] as const) {
      const i32 = new Int32Array(16);
      const f64 = new Float64Array(16);
      f64[10] = 0.5;
      const r = simulate(i32, f64, 1, program([iteration]), 0, { schedule, seed: 4 });
      // load, store, add, cas, cas, loadF, storeF: 7 shared operations; plain accesses are not points.
      expect(r.steps).toBe(7);
      expect([i32[10], i32[11], i32[12], i32[13], i32[14]]).toEqual([1, 1, 5, 7, 0]);
      expect([f64[10], f64[11]]).toEqual([1.5, 1]);
    }
  });

  it('matches a sequential model when workers interleave on their own cells', () => {
    // Worker w counts cell w up to 4 through load/store, two operations per iteration.
    const create = (w: number, cells: Cells): SimWorker => ({
      step: (state) => {
        cells.store(w, cells.load(w) + 1);
        return state + 1 >= 4 ? FINISHED : state + 1;
      },
      begin: () => {}, commit: () => {},
    });
    for (let seed = 0; seed < 5; seed++) {
      const i32 = new Int32Array(4);
      const r = simulate(i32, new Float64Array(1), 3, create, 0, { schedule: 'random', seed });
      expect([...i32.slice(0, 3)]).toEqual([4, 4, 4]);
      expect(r.steps).toBe(24);
      expect(r.branching.every((b) => b >= 1 && b <= 3)).toBe(true);
      expect(r.branching[0]).toBe(3);
    }
  });

  it('rejects an iteration that performs no shared-memory operation', () => {
    expect(() => simulate(new Int32Array(1), new Float64Array(1), 1, program([() => FINISHED]), 0, { schedule: 'random' }))
      .toThrow('a simulated iteration must perform at least one shared-memory operation');
  });

  it('does not park a worker at its first pause, nor after a write since its last pause', () => {
    // pause, then store, then finish: alone, the first pause must not park it.
    const once = program([(c) => (c.pause(), 1), (c) => (c.store(0, 1), FINISHED)]);
    const r = simulate(new Int32Array(1), new Float64Array(1), 1, once, 0, { schedule: 'random' });
    expect(r.stuck).toBe(false);
    expect(r.steps).toBe(2);
    // pause and store alternately, 5 times: its own writes keep it runnable.
    const alternate = program([...Array.from({ length: 10 }, (_, i) => (c: Cells) => {
      if (i % 2) c.store(0, i);
      else c.pause();
      return i === 9 ? FINISHED : i + 1;
    })]);
    expect(simulate(new Int32Array(1), new Float64Array(1), 1, alternate, 0, { schedule: 'random' }).stuck).toBe(false);
    // Two pauses without a write park it: alone, the run is stuck after exactly two points.
    const twice = program([(c) => (c.pause(), 1), (c) => (c.pause(), 2), (c) => (c.store(0, 1), FINISHED)]);
    const s = simulate(new Int32Array(1), new Float64Array(1), 1, twice, 0, { schedule: 'random' });
    expect([s.stuck, s.steps]).toEqual([true, 2]);
  });

  it('wakes a parked worker when another one writes', () => {
    // w0 polls cell 0 until it is 1 (pause between polls); w1 writes it after three stores elsewhere.
    const create = (w: number, cells: Cells): SimWorker => ({
      step: (state) => {
        if (w === 0) {
          if (cells.load(0) === 1) return FINISHED;
          cells.pause();
          return state;
        }
        cells.store(state < 3 ? 1 : 0, 1);
        return state < 3 ? state + 1 : FINISHED;
      },
      begin: () => {}, commit: () => {},
    });
    // Always run the lowest runnable worker: w0 polls, pauses (not parked), polls, pauses (parked), then w1 alone.
    const r = simulate(new Int32Array(2), new Float64Array(1), 2, create, 0, { schedule: () => 0 });
    expect(r.stuck).toBe(false);
    expect(r.ran.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(r.branching.slice(0, 5)).toEqual([2, 2, 2, 2, 1]);
    expect(r.ran.at(-1)).toBe(0);
  });

  it('uses seed 1, PCT depth 3 and a horizon of 1000 points when they are not given', () => {
    const counter = (w: number, cells: Cells): SimWorker => ({
      step: (state) => (cells.add(w, 1), state + 1 >= 40 ? FINISHED : state + 1), begin: () => {}, commit: () => {},
    });
    const ran = (o: SimOptions) => simulate(new Int32Array(4), new Float64Array(1), 3, counter, 0, o).ran;
    expect(ran({ schedule: 'random' })).toEqual(ran({ schedule: 'random', seed: 1 }));
    expect(ran({ schedule: 'random', seed: 2 })).not.toEqual(ran({ schedule: 'random', seed: 1 }));
    expect(ran({ schedule: 'pct', pctSteps: 120 })).toEqual(ran({ schedule: 'pct', seed: 1, pctDepth: 3, pctSteps: 120 }));
    expect(ran({ schedule: 'pct', seed: 5, pctDepth: 3 })).toEqual(ran({ schedule: 'pct', seed: 5, pctDepth: 3, pctSteps: 1000 }));
    // A horizon below one point is one point.
    expect(ran({ schedule: 'pct', seed: 5, pctSteps: 0 })).toEqual(ran({ schedule: 'pct', seed: 5, pctSteps: 1 }));
    // Depth matters: some seed runs differently at depth 1 and depth 3 over 120 points.
    const differs = [1, 2, 3, 4, 5, 6, 7, 8].some((seed) => JSON.stringify(ran({ schedule: 'pct', seed, pctSteps: 120 })) !== JSON.stringify(ran({ schedule: 'pct', seed, pctDepth: 1, pctSteps: 120 })));
    expect(differs).toBe(true);
  });

  it('PCT at depth 1 runs workers one at a time, highest priority first, each to its end', () => {
    // Priorities are distinct, so the run is three blocks of one worker, each worker once.
    const counter = (w: number, cells: Cells): SimWorker => ({
      step: (state) => (cells.add(w, 1), state + 1 >= 5 ? FINISHED : state + 1), begin: () => {}, commit: () => {},
    });
    const firsts = new Set<number>();
    for (let seed = 0; seed < 12; seed++) {
      const r = simulate(new Int32Array(4), new Float64Array(1), 3, counter, 0, { schedule: 'pct', seed, pctDepth: 1 });
      const order = [r.ran[0]!, r.ran[5]!, r.ran[10]!];
      expect(r.ran).toEqual(order.flatMap((w) => [w, w, w, w, w]));
      expect(new Set(order).size).toBe(3);
      firsts.add(order.join());
    }
    // Over seeds, the initial priorities are shuffled into several orders.
    expect(firsts.size).toBeGreaterThan(2);
  });

  it('says which choice is impossible, and which schedule is unknown', () => {
    const counter = (w: number, cells: Cells): SimWorker => ({ step: () => (cells.add(w, 1), FINISHED), begin: () => {}, commit: () => {} });
    const run = (schedule: SimOptions['schedule']) => () => simulate(new Int32Array(4), new Float64Array(1), 2, counter, 0, { schedule });
    expect(run([2])).toThrow('schedule chose 2 at point 0, but only 2 workers are runnable');
    expect(run([-1])).toThrow(ScheduleError);
    expect(run([0.5])).toThrow(ScheduleError);
    expect(run((runnable) => runnable.length - 1)).not.toThrow();
    expect(run('fifo' as SimOptions['schedule'])).toThrow('unknown schedule "fifo" (random, pct, or an array of choices)');
    // A recorded schedule that runs out continues with choice 0.
    expect(simulate(new Int32Array(4), new Float64Array(1), 2, counter, 0, { schedule: [1] }).ran).toEqual([1, 0]);
  });

  it('declares a run exhausted at 1,000,000 points by default', () => {
    const forever = (_w: number, cells: Cells): SimWorker => ({ step: (state) => (cells.add(0, 1), state), begin: () => {}, commit: () => {} });
    const r = simulate(new Int32Array(1), new Float64Array(1), 1, forever, 0, { schedule: [] });
    expect([r.exhausted, r.steps]).toEqual([true, 1_000_000]);
  });
});

// ---- the worker: step protocol and watchdogs ------------------------------------------------------

describe('Block-STM worker step', () => {
  it('stops when idle in an ended block, pauses when it finds no task, and keeps a held task in any state', () => {
    const block = counterBlock(2, 1);
    const { L, i32, f64 } = memoryFor(block);
    const cells = new LoggingCells(i32, f64);
    const w = worker(cells, block, L, f64);
    // Nothing to validate yet, execution_idx 0: the first task is tx 0's execution, incarnation 0.
    const first = w.step(NO_TASK);
    expect([taskKind(first), taskTx(first)]).toEqual([EXECUTION_TASK, 0]);
    // Executed, with validation_idx still 0: no validation task comes back, and no pause either.
    expect(w.step(first)).toBe(NO_TASK);
    expect(cells.ops.at(-1)).not.toBe('pause');
    // Take tx 1 and execute it; the block is then validated (tx 0, tx 1) and done.
    const tasks: number[] = [];
    let held = NO_TASK;
    for (let i = 0; i < 20 && held !== FINISHED; i++) tasks.push((held = w.step(held)));
    expect(held).toBe(FINISHED);
    expect(i32[H.STATE]).toBe(DONE);
    // Every NO_TASK answer to an idle step was followed by a pause (the spin the simulation parks).
    cells.ops.length = 0;
    i32[H.STATE] = RUNNING;
    expect(w.step(NO_TASK)).toBe(NO_TASK);
    expect(cells.ops.at(-1)).toBe('pause');
    // An ended block stops an idle worker at once, with one load.
    i32[H.STATE] = ABORT_STALL;
    cells.ops.length = 0;
    expect(w.step(NO_TASK)).toBe(FINISHED);
    expect(cells.ops).toEqual(['load']);
    expect(sameResult(executeReference(block), finalize(block, L, i32, f64, emptyStats()) as never)).toBe(true);
  });

  it('calls beforeExecute with the transaction, stops on ABORTED, rethrows anything else', () => {
    const block = counterBlock(3, 2);
    const { L, i32, f64 } = memoryFor(block);
    const seen: number[] = [];
    const w = worker(new PlainCells(i32, f64), block, L, f64, { beforeExecute: (tx) => { seen.push(tx); if (tx === 1) throw ABORTED; if (tx === 2) throw new Error('injected'); } });
    expect(w.step(task(EXECUTION_TASK, 0, 0))).toBe(NO_TASK);
    expect(w.step(task(EXECUTION_TASK, 1, 0))).toBe(FINISHED);
    expect(() => w.step(task(EXECUTION_TASK, 2, 0))).toThrow('injected');
    expect(seen).toEqual([0, 1, 2]);
  });

  it('aborts the block past maxIncarnations, naming the transaction, and not at the bound itself', () => {
    const block = counterBlock(4, 2);
    for (const max of [0, 3]) {
      const { L, i32, f64 } = memoryFor(block);
      const w = worker(new PlainCells(i32, f64), block, L, f64, { maxIncarnations: max });
      expect(w.step(task(EXECUTION_TASK, 2, max))).not.toBe(FINISHED);
      expect(i32[H.STATE]).toBe(RUNNING);
      expect(w.step(task(EXECUTION_TASK, 3, max + 1))).toBe(FINISHED);
      expect([i32[H.STATE], i32[H.ABORT_TX]]).toEqual([ABORT_INCARNATIONS, 3]);
      expect(w.counters.executions).toBe(1);
    }
    const { L, f64, i32 } = memoryFor(block);
    expect(() => worker(new PlainCells(i32, f64), block, L, f64, { maxIncarnations: INCARNATION_LIMIT })).toThrow(`maxIncarnations must be below ${INCARNATION_LIMIT}`);
    expect(() => worker(new PlainCells(i32, f64), block, L, f64, { maxIncarnations: INCARNATION_LIMIT - 1 })).not.toThrow();
  });

  it('turns running out of buffers into ABORT_CAPACITY', () => {
    const block = counterBlock(4, 2);
    const { L, i32, f64 } = memoryFor(block);
    i32[H.ARENA_TOP] = L.capacity.arena; // the arena is full: the next record does not fit
    const w = worker(new PlainCells(i32, f64), block, L, f64);
    expect(w.step(task(EXECUTION_TASK, 0, 0))).toBe(FINISHED);
    expect(i32[H.STATE]).toBe(ABORT_CAPACITY);
  });
});

describe('contention check', () => {
  /** The documented rule: due after `window` executions, then after twice as many, and so on, while within the first eighth of the block. */
  const dueModel = (e: number, window: number, txs: number) => {
    if (window === 0 || e < window || e % window !== 0) return false;
    if (e > window && e > txs / 8) return false;
    return Number.isInteger(Math.log2(e / window));
  };
  /** Aborted when at least 1 - 1.4 / W of the executions of the later half of the started transactions were wasted. */
  const contendedModel = (incarnations: readonly number[], executionIdx: number, W: number) => {
    const end = Math.min(executionIdx, incarnations.length);
    const start = Math.floor(end / 2);
    const wasted = incarnations.slice(start, end).reduce((a, b) => a + b, 0);
    const executions = end - start + wasted;
    return { contended: wasted * W >= (W - 1.4) * executions, start, end, wasted };
  };

  it('is due exactly when the model says', () => {
    const block = counterBlock(64, 4);
    for (const [window, workers] of [[1, 2], [2, 4], [3, 3], [5, 2], [4, 1], [0, 4]] as const) {
      for (let e = 0; e <= 40; e++) {
        const { L, i32, f64 } = memoryFor(block);
        // Every transaction looks hopelessly contended, so a due check always aborts.
        for (let t = 0; t < 64; t++) i32[L.status + t] = statusWord(50, EXECUTED);
        i32[H.EXECUTION_IDX] = 64;
        const w = worker(new PlainCells(i32, f64), block, L, f64, { contentionWindow: window, workers });
        w.counters.executions = e;
        const stopped = w.step(task(EXECUTION_TASK, 0, 0)) === FINISHED;
        expect(stopped, `window ${window}, ${workers} workers, ${e} executions`).toBe(workers > 1 && dueModel(e, window, 64));
        expect(i32[H.STATE]).toBe(stopped ? ABORT_CONTENTION : RUNNING);
      }
    }
  });

  it('aborts exactly when the model says, and records what it looked at', () => {
    const block = counterBlock(24, 4);
    fc.assert(fc.property(
      fc.array(fc.nat(6), { minLength: 24, maxLength: 24 }), fc.nat(30), fc.integer({ min: 2, max: 8 }),
      (incarnations, executionIdx, W) => {
        const { L, i32, f64 } = memoryFor(block);
        incarnations.forEach((inc, t) => { i32[L.status + t] = statusWord(inc, t % 2 ? EXECUTED : READY_TO_EXECUTE); });
        i32[H.EXECUTION_IDX] = executionIdx;
        const w = worker(new PlainCells(i32, f64), block, L, f64, { contentionWindow: 1, workers: W });
        w.counters.executions = 1;
        const expected = contendedModel(incarnations, executionIdx, W);
        const stopped = w.step(task(EXECUTION_TASK, 0, 0)) === FINISHED;
        expect(stopped).toBe(expected.contended);
        if (stopped) {
          expect([i32[H.STATE], i32[H.ABORT_FROM], i32[H.ABORT_TO], i32[H.ABORT_WASTED]]).toEqual([ABORT_CONTENTION, expected.start, expected.end, expected.wasted]);
          expect(contentionReason(i32)).toBe(`contention: transactions ${expected.start} to ${expected.end - 1} needed ${expected.end - expected.start + expected.wasted} executions`);
        } else {
          expect([i32[H.STATE], i32[H.ABORT_TO]]).toEqual([RUNNING, 0]);
        }
      },
    ), { seed: 17, numRuns: 300 });
  });

  it('leaves the reason of an earlier abort alone', () => {
    const block = counterBlock(16, 4);
    const { L, i32, f64 } = memoryFor(block);
    for (let t = 0; t < 16; t++) i32[L.status + t] = statusWord(9, EXECUTED);
    i32[H.EXECUTION_IDX] = 16;
    i32[H.STATE] = ABORT_CAPACITY;
    const w = worker(new PlainCells(i32, f64), block, L, f64, { contentionWindow: 1, workers: 4 });
    w.counters.executions = 1;
    expect(w.step(task(EXECUTION_TASK, 3, 0))).toBe(FINISHED);
    expect([i32[H.STATE], i32[H.ABORT_FROM], i32[H.ABORT_TO], i32[H.ABORT_WASTED]]).toEqual([ABORT_CAPACITY, 0, 0, 0]);
  });

  it('ends a hot block run with contention, falling back to the sequential result', () => {
    const block = counterBlock(96, 1);
    let contention = 0;
    for (let seed = 0; seed < 6; seed++) {
      const r = runBlockStmSimulated(block, { threads: 4, schedule: 'random', seed, contentionWindow: 2 });
      if (r.outcome !== 'contention') continue;
      contention++;
      expect(r.reason).toMatch(/^contention: transactions \d+ to \d+ needed \d+ executions$/);
      expect(r.result.stats.fallback).toBe(r.reason);
      expect(sameResult(executeReference(block), r.result)).toBe(true);
    }
    expect(contention).toBeGreaterThan(0);
    // One worker never checks.
    expect(runBlockStmSimulated(block, { threads: 1, schedule: 'random', seed: 1, contentionWindow: 1 }).outcome).toBe('done');
  });
});

describe('stall watchdog', () => {
  it('throws ABORTED once the block ended, and aborts with ABORT_STALL after stallMs without progress', () => {
    let now = 1000;
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => now);
    try {
      const i32 = new Int32Array(8 * 32);
      const check = stallWatchdog(i32, 10);
      check(); // first look: records the indices
      now += 10;
      check(); // exactly stallMs: not yet
      expect(i32[H.STATE]).toBe(RUNNING);
      // Progress on each index (or an active task) restarts the clock.
      for (const cell of [H.EXECUTION_IDX, H.VALIDATION_IDX, H.DECREASE_CNT]) {
        now += 8;
        i32[cell]! += 1;
        check();
        now += 8;
        check();
        expect(i32[H.STATE], `progress on cell ${cell}`).toBe(RUNNING);
      }
      i32[H.ACTIVE_TASKS] = 1;
      now += 100;
      check();
      expect(i32[H.STATE]).toBe(RUNNING);
      i32[H.ACTIVE_TASKS] = 0;
      check(); // the active task finished: the clock starts again now
      now += 11;
      expect(check).toThrow();
      expect(i32[H.STATE]).toBe(ABORT_STALL);
      // Once ended, every check throws ABORTED at once and leaves the state alone.
      i32[H.STATE] = ABORT_CAPACITY;
      let thrown: unknown;
      try { stallWatchdog(i32, 1e9)(); } catch (e) { thrown = e; }
      expect(thrown).toBe(ABORTED);
      expect(i32[H.STATE]).toBe(ABORT_CAPACITY);
    } finally {
      spy.mockRestore();
    }
  });
});

// ---- finalize: the completion invariants on tampered memory -----------------------------------------

describe('finalize', () => {
  const block = counterBlock(8, 3);
  const expected = executeReference(block);
  const done = runToDone(block, 3, 7);
  const tampered = (change: (i32: Int32Array, L: Layout) => void) => {
    const i32 = done.i32.slice();
    change(i32, done.L);
    return finalize(block, done.L, i32, done.f64, emptyStats());
  };
  /** The node holding tx's write (every transaction of counterBlock writes exactly one key). */
  const nodeOf = (i32: Int32Array, L: Layout, tx: number) => {
    for (let node = 0; node < i32[H.NODE_TOP]!; node++) if (i32[L.nodes + node * NODE_CELLS + N_TX] === tx) return L.nodes + node * NODE_CELLS;
    throw new Error(`no node of tx ${tx}`);
  };

  it('builds the reference result from a DONE run', () => {
    const r = tampered(() => {});
    expect(typeof r).not.toBe('string');
    expect(sameResult(expected, r as Exclude<typeof r, string>)).toBe(true);
  });

  it('names a transaction that is not EXECUTED, by status and incarnation', () => {
    for (const [status, name] of [[READY_TO_EXECUTE, 'READY_TO_EXECUTE'], [EXECUTING, 'EXECUTING'], [ABORTING, 'ABORTING']] as const) {
      expect(tampered((i32, L) => { i32[L.status + 5] = statusWord(2, status); })).toBe(`transaction 5 ended the block ${name} (incarnation 2)`);
    }
  });

  it('names a last record that is missing or of another incarnation', () => {
    const inc = incarnationOf(done.i32[done.L.status + 4]!);
    expect(tampered((i32, L) => { i32[L.lastRecord + 4] = NIL; })).toBe(`transaction 4 is EXECUTED at incarnation ${inc} but its last record is missing`);
    expect(tampered((i32, L) => { i32[L.status + 4] = statusWord(inc + 3, EXECUTED); }))
      .toBe(`transaction 4 is EXECUTED at incarnation ${inc + 3} but its last record is of incarnation ${inc}`);
    expect(tampered((i32, L) => { i32[i32[L.lastRecord + 4]! + R_INCARNATION] = inc + 1; }))
      .toBe(`transaction 4 is EXECUTED at incarnation ${inc} but its last record is of incarnation ${inc + 1}`);
  });

  it('names a value left in multi-version memory by an ESTIMATE or an older incarnation', () => {
    const key = (i32: Int32Array, L: Layout) => i32[nodeOf(i32, L, 6) + N_KEY]! >>> 0;
    const final = incarnationOf(done.i32[done.L.status + 6]!);
    expect(tampered((i32, L) => { i32[nodeOf(i32, L, 6) + N_VERSION] = ESTIMATE; }))
      .toBe(`key ${key(done.i32, done.L)} holds an ESTIMATE of transaction 6, whose final incarnation is ${final}`);
    expect(tampered((i32, L) => { i32[i32[nodeOf(i32, L, 6) + N_VERSION]! + 1] = final + 4; }))
      .toBe(`key ${key(done.i32, done.L)} holds incarnation ${final + 4} of transaction 6, whose final incarnation is ${final}`);
    // An EMPTY node is no value at all: nothing to check.
    expect(typeof tampered((i32, L) => { i32[nodeOf(i32, L, 6) + N_VERSION] = EMPTY; })).not.toBe('string');
  });

  it('checks no node beyond the nodes allocated, even when the counter overshot the capacity', () => {
    const r = tampered((i32, L) => { i32[H.NODE_TOP] = L.capacity.nodes + 1000; });
    expect(typeof r).not.toBe('string');
    expect(sameResult(expected, r as Exclude<typeof r, string>)).toBe(true);
  });

  it('ignores transactions skipped by the block gas limit, whatever they left behind', () => {
    for (const limit of [0, 1, 40, 90, 200]) {
      const limited = counterBlock(8, 3, limit);
      const ref = executeReference(limited);
      const skipped = ref.receipts.findIndex((r) => r.status === 'skipped');
      const mem = runToDone(limited, 2, limit);
      if (skipped >= 0) {
        // A skipped transaction may end in any state, with ESTIMATEs: it does not count.
        mem.i32[mem.L.status + skipped] = statusWord(1, EXECUTING);
        for (let node = 0; node < mem.i32[H.NODE_TOP]!; node++) {
          const at = mem.L.nodes + node * NODE_CELLS;
          if (mem.i32[at + N_TX]! >= skipped) mem.i32[at + N_VERSION] = ESTIMATE;
        }
      }
      const r = finalize(limited, mem.L, mem.i32, mem.f64, emptyStats());
      expect(typeof r, `gas limit ${limit}`).not.toBe('string');
      expect(sameResult(ref, r as Exclude<typeof r, string>), `gas limit ${limit}`).toBe(true);
    }
  });

  it('falls back to the sequential result, carrying the parallel attempt\'s stats and the reason', () => {
    const stats = { ...emptyStats(), executions: 123, validations: 7, threads: 3 };
    const r = sequentialFallback(block, stats, 'because');
    expect(r.stats).toEqual({ ...stats, fallback: 'because' });
    expect(sameResult(expected, r)).toBe(true);
  });
});

// ---- runBlockStmSimulated: every way a run ends ---------------------------------------------------

describe('runBlockStmSimulated outcomes', () => {
  const hot = counterBlock(8, 1);
  const expected = executeReference(hot);

  it('rejects a thread count that is not a positive integer', () => {
    for (const threads of [0, -1, 1.5, Number.NaN]) {
      expect(() => runBlockStmSimulated(hot, { threads, schedule: 'random' })).toThrow(`threads must be an integer >= 1, got ${threads}`);
    }
    expect(runBlockStmSimulated(hot, { threads: 1, schedule: 'random' }).outcome).toBe('done');
  });

  it('reports its counters and thread count in the result stats', () => {
    for (let seed = 0; seed < 4; seed++) {
      const r = runBlockStmSimulated(hot, { threads: 2 + seed, schedule: 'random', seed });
      expect(r.result.stats).toEqual({ ...emptyStats(), ...r.counters, threads: 2 + seed, steps: r.steps });
      expect(r.counters.reExecutions).toBe(r.counters.executions - 8);
      expect(r.counters.reExecutions).toBeGreaterThanOrEqual(0);
    }
  });

  it('uses a PCT horizon of 40 points per transaction unless told', () => {
    for (let seed = 0; seed < 4; seed++) {
      const a = runBlockStmSimulated(hot, { threads: 3, schedule: 'pct', seed, pctDepth: 4 });
      const b = runBlockStmSimulated(hot, { threads: 3, schedule: 'pct', seed, pctDepth: 4, pctSteps: 320 });
      expect(a.schedule).toEqual(b.schedule);
    }
    const empty: Block = { ...hot, txs: [] };
    expect(runBlockStmSimulated(empty, { threads: 2, schedule: 'pct', seed: 3 }).schedule)
      .toEqual(runBlockStmSimulated(empty, { threads: 2, schedule: 'pct', seed: 3, pctSteps: 40 }).schedule);
  });

  it('ends at the incarnation bound with a reason naming the transaction', () => {
    let bound = 0;
    for (let seed = 0; seed < 6; seed++) {
      const r = runBlockStmSimulated(hot, { threads: 3, schedule: 'random', seed, maxIncarnations: 0 });
      if (r.outcome === 'done') continue;
      bound++;
      expect(r.outcome).toBe('incarnation-bound');
      expect(r.reason).toMatch(/^watchdog: transaction [1-7] passed 0 incarnations$/);
      expect(r.result.stats.fallback).toBe(r.reason);
      expect(sameResult(expected, r.result)).toBe(true);
    }
    expect(bound).toBeGreaterThan(0);
  });

  it('says why it ran out of steps or of buffers', () => {
    const ex = runBlockStmSimulated(hot, { threads: 2, schedule: 'random', seed: 1, maxSteps: 10 });
    expect([ex.outcome, ex.reason, ex.steps]).toEqual(['exhausted', 'watchdog: no completion after 10 scheduling points', 10]);
    const cap = runBlockStmSimulated(hot, { threads: 2, schedule: 'random', seed: 1, capacityScale: 0.001 });
    expect([cap.outcome, cap.reason]).toEqual(['capacity', 'shared buffers too small for the block']);
    expect(sameResult(expected, cap.result)).toBe(true);
    // The default budget (2,000,000 points) is far above what a hot block needs.
    expect(runBlockStmSimulated(hot, { threads: 4, schedule: 'random', seed: 1 }).outcome).toBe('done');
  });

  it('reports a broken completion invariant (a planted lost wake-up) and falls back', () => {
    let invariant = 0;
    for (let seed = 0; seed < 10; seed++) {
      const r = runBlockStmSimulated(hot, { threads: 2 + (seed % 3), schedule: seed % 2 ? 'pct' : 'random', seed, bugs: ['lost-dependency-resume'], maxSteps: 200_000 });
      if (r.outcome !== 'invariant') continue;
      invariant++;
      expect(r.reason).toMatch(/^invariant violated: transaction \d+ ended the block ABORTING \(incarnation \d+\)$/);
      expect(r.result.stats.fallback).toBe(r.reason);
      expect(sameResult(expected, r.result)).toBe(true);
    }
    expect(invariant).toBeGreaterThan(0);
  });
});

// ---- the sequential executor and its key table ------------------------------------------------------

describe('sequential executor', () => {
  it('counts one execution per transaction that was not skipped, and is named sequential', () => {
    const blocks = fc.sample(blockSpecArb({ maxTxs: 12, hashes: false }), { seed: 23, numRuns: 40 }).map(buildBlock);
    for (const block of blocks) {
      const ref = executeReference(block);
      const r = executeSequential(block);
      expect(sameResult(ref, r)).toBe(true);
      expect(r.stats.executions).toBe(ref.receipts.filter((x) => x.status !== 'skipped').length);
    }
    expect(sequentialExecutor().name).toBe('sequential');
  });

  it('keeps a key table exact across many growths and dense keys', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(2000), fc.integer({ min: -5, max: 5 })), { minLength: 1, maxLength: 600 }), fc.nat(64), (pairs, expected) => {
      const t = newKeyTable(expected);
      const model = new Map<number, number>();
      for (const [k, v] of pairs) {
        tableSet(t, k, v);
        model.set(k, v);
        if (tableGet(t, k) !== v) return false;
      }
      for (let k = 0; k <= 2000; k += 7) if (tableGet(t, k) !== (model.get(k) ?? 0)) return false;
      return t.size === model.size && tableEntries(t).size === model.size && [...model].every(([k, v]) => tableEntries(t).get(k) === v);
    }), { seed: 31, numRuns: 150 });
  });
});
