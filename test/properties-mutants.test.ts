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
import { generate } from '../bench/workloads.js';
import { newKeyTable, resetKeyTable, tableEntries, tableGet, tableGetOrLoad, tablePairs, tableSet } from '../impl/key-table.js';
import { runBlockStmSimulated } from '../impl/blockstm/simulate.js';
import { finalize, sequentialFallback } from '../impl/blockstm/finalize.js';
import {
  ABORT_CAPACITY, ABORT_CONTENTION, activeTaskCell, ABORT_INCARNATIONS, ABORT_STALL, ABORTING, DONE, EMPTY, ESTIMATE, estimateCapacity, EXECUTED,
  EXECUTING, H, incarnationOf, layoutFor, N_KEY, N_NEXT, N_TX, N_VERSION, NIL, NODE_CELLS, OUT_OF_CAPACITY, R_HEADER, R_INCARNATION, READY_TO_EXECUTE,
  RUNNING, WRITE_CELLS,
  keyHome, keyShift, S_BASE, S_HEAD, S_KEY, S_STATE, SLOT_BUSY, SLOT_CELLS, SLOT_EMPTY, SLOT_READY, statusWord, writeBlock, type Layout,
} from '../impl/blockstm/layout.js';
import { ABORTED, BlockStmThread, contentionReason, stallWatchdog, type ThreadOptions } from '../impl/blockstm/thread.js';
import {
  Counters, EXECUTION_TASK, INCARNATION_LIMIT, NO_TASK, Scheduler, task, taskIncarnation, taskKind, taskTx, VALIDATION_TASK,
} from '../impl/blockstm/scheduler.js';
import { FINISHED, ScheduleError, simulate, type SimOptions, type SimWorker } from '../impl/runtime/sim.js';
import type { Cells } from '../impl/runtime/cells.js';
import { emptyStats } from '../spec/block.js';
import { blockSpecArb, buildBlock, type TxSpec } from '../properties/arbitraries.js';
import { sameResult } from '../properties/explain.js';
import { PlainCells } from '../properties/simulated.js';
import { MVMemory, READ_NOT_FOUND, READ_OK, ReadLog } from '../impl/blockstm/mv-memory.js';
import { newOutcome, TxStatus } from '../spec/vm.js';

// ---- blocks and helpers -----------------------------------------------------------------------

/** n transactions that each read key `i % keys`, add one and write it back: contention by design. */
function counterBlock(n: number, keys: number, gasLimit: number | null = null): Block {
  const txs: TxSpec[] = Array.from({ length: n }, (_, i) => ({
    kind: 'code', gas: 100_000,
    body: [{ s: 'read', dst: 0, key: i % keys }, { s: 'addi', dst: 0, imm: 1 }, { s: 'write', key: i % keys, src: 0 }],
  }));
  return buildBlock({ keys, pre: [{ entity: 0, field: 0, value: 1 }], gasLimit, txs });
}

/** Ten transactions over four keys, of which only key 48 is in the pre-state (keys 0, 16, 32 are new). */
const sparseBlock = buildBlock({
  keys: 4, pre: [{ entity: 3, field: 0, value: 7 }], gasLimit: null,
  txs: Array.from({ length: 10 }, () => ({ kind: 'code' as const, gas: 1000, body: [{ s: 'read' as const, dst: 0, key: 0 }] })),
});

function memoryFor(block: Block, scale = 1, workers = 0) {
  const L = layoutFor(block, estimateCapacity(block, scale, workers));
  const i32 = new Int32Array(L.i32Size);
  const f64 = new Float64Array(L.f64Size);
  writeBlock(block, L, i32, f64);
  return { L, i32, f64 };
}

/** A successful execution's outcome that wrote these (key, value) pairs and read nothing. */
function writesOutcome(writes: readonly (readonly [number, number])[]) {
  const out = newOutcome();
  out.status = TxStatus.Success;
  out.writeCount = writes.length;
  writes.forEach(([k, v], i) => { out.writeKeys[i] = k; out.writeValues[i] = v; });
  return out;
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

/** Cells that count a worker's spins and failed CASes (replays of an interrupted iteration count again: only > 0 matters). */
function countingCells(inner: Cells, counts: { pauses: number; failedCas: number }): Cells {
  return {
    load: (i) => inner.load(i), store: (i, v) => inner.store(i, v), add: (i, v) => inner.add(i, v),
    cas: (i, e, v) => {
      const old = inner.cas(i, e, v);
      if (old !== e) counts.failedCas++;
      return old;
    },
    loadF: (i) => inner.loadF(i), storeF: (i, v) => inner.storeF(i, v), read: (i) => inner.read(i), write: (i, v) => inner.write(i, v),
    readF: (i) => inner.readF(i), writeF: (i, v) => inner.writeF(i, v),
    pause: () => {
      inner.pause();
      counts.pauses++;
    },
  };
}

function worker(cells: Cells, block: Block, L: Layout, f64: Float64Array, options: Partial<ThreadOptions> = {}) {
  return new BlockStmThread(cells, L, f64, { ...OPTIONS, ...options });
}

/**
 * Every schedule of two workers that switches at most twice (PCT depth 3 covers the same), as
 * schedule functions: worker `start` runs until the first switch point, then the other, and so on;
 * a worker that cannot run yields to the other.
 */
function* switchSchedules(points: number) {
  for (const start of [0, 1]) {
    yield { name: `w${start} alone first`, schedule: (runnable: readonly number[]) => Math.max(0, runnable.indexOf(start)) };
    for (let a = 1; a < points; a++) {
      for (let b = a; b <= points; b++) {
        const schedule = (runnable: readonly number[], point: number) => {
          const flips = (point >= a ? 1 : 0) + (point >= b && b < points ? 1 : 0);
          return Math.max(0, runnable.indexOf((start + flips) % 2));
        };
        yield { name: `w${start} first, switches at ${a} and ${b < points ? b : '-'}`, schedule };
      }
    }
  }
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

  it('tells an access observer of each access once, in order, though the iteration re-runs at every point', () => {
    const iteration = (c: Cells): number => {
      c.write(10, c.read(10) + 1);
      c.store(11, c.load(11) + 1);
      c.cas(14, 1, 9); // fails, but takes the line as a write does
      c.storeF(11, c.loadF(11) + 1);
      c.writeF(3, 1);
      return FINISHED;
    };
    const seen: string[] = [];
    simulate(new Int32Array(16), new Float64Array(16), 1, program([iteration]), 0, {
      schedule: 'random', onAccess: (worker, write, index, float) => seen.push(`${worker}:${write ? 'w' : 'r'}${float ? 'f' : ''}${index}`),
    });
    expect(seen).toEqual(['0:r10', '0:w10', '0:r11', '0:w11', '0:w14', '0:rf11', '0:wf11', '0:wf3']);
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

  it('completes an iteration of plain accesses only within the point of the next operation', () => {
    // Iteration 1 only reads a plain cell; iteration 2 stores: one scheduling point in all.
    const r = simulate(new Int32Array(2), new Float64Array(1), 1, program([(c) => (c.read(0), 1), (c) => (c.store(1, 3), FINISHED)]), 0, { schedule: 'random' });
    expect([r.steps, r.ran]).toEqual([1, [0]]);
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

  it('PCT drops the running worker below every other at a change point, and draws change points over the horizon', () => {
    const counter = (w: number, cells: Cells): SimWorker => ({
      step: (state) => (cells.add(w, 1), state + 1 >= 20 ? FINISHED : state + 1), begin: () => {}, commit: () => {},
    });
    const points = new Set<number>();
    for (let seed = 0; seed < 30; seed++) {
      const { ran } = simulate(new Int32Array(4), new Float64Array(1), 3, counter, 0, { schedule: 'pct', seed, pctDepth: 2, pctSteps: 60 });
      const done = new Map<number, number>();
      let preempted = -1;
      ran.forEach((w, i) => {
        if (preempted < 0 && i > 0 && w !== ran[i - 1] && (done.get(ran[i - 1]!) ?? 0) < 20) {
          preempted = ran[i - 1]!;
          points.add(i);
          // From here the dropped worker runs only once every other worker has finished.
          const rest = ran.slice(i);
          const others = rest.filter((x) => x !== preempted);
          expect(rest.slice(0, others.length).every((x) => x !== preempted), `seed ${seed}`).toBe(true);
        }
        done.set(w, (done.get(w) ?? 0) + 1);
      });
    }
    expect(points.size).toBeGreaterThan(4);
    expect(Math.max(...points)).toBeGreaterThan(20);
    // A horizon of one point puts the change point at point 0: the first worker runs once, then another.
    for (let seed = 0; seed < 20; seed++) {
      const { ran } = simulate(new Int32Array(4), new Float64Array(1), 3, counter, 0, { schedule: 'pct', seed, pctDepth: 2, pctSteps: 1 });
      expect(ran[1], `seed ${seed}`).not.toBe(ran[0]);
    }
  });

  it('does not park a worker whose first pause comes after another worker wrote', () => {
    // w1 stores once and finishes; then w0 pauses for the first time (memory has seen one write), then stores.
    const create = (w: number, cells: Cells): SimWorker => ({
      step: (state) => {
        if (w === 1) return (cells.store(1, 1), FINISHED);
        if (state === 0) return (cells.pause(), 1);
        return (cells.store(0, 1), FINISHED);
      },
      begin: () => {}, commit: () => {},
    });
    const r = simulate(new Int32Array(2), new Float64Array(1), 2, create, 0, { schedule: [1, 0, 0] });
    expect([r.stuck, r.ran]).toEqual([false, [1, 0, 0]]);
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

// ---- multi-version memory under racing writers --------------------------------------------------

describe('multi-version memory with racing writers and a reader', () => {
  // Keys 0, 16 and 32 are new (not in the pre-state); key 48 is in it. Key 0 matters: a slot being
  // claimed still reads key 0 and head 0 until its claimer publishes it, so a reader that does not
  // wait for a BUSY slot would walk node 0 (tx 0's write of key 32).
  const block = sparseBlock;
  const PRE = new Map([[48, 7]]);
  const WRITERS: readonly (readonly [tx: number, writes: readonly (readonly [number, number])[]])[] = [
    [2, [[0, 11], [16, 12]]],
    [4, [[0, 21], [48, 22]]],
    [3, [[16, 31], [0, 32], [32, 33]]],
  ];
  const ALL = [[0, [[32, 5]]] as const, ...WRITERS];
  /** The paper's read over the writers: the highest writer below tx, else the pre-state. */
  const model = (key: number, tx: number) => {
    let best: { tx: number; value: number } | undefined;
    for (const [w, writes] of ALL) {
      const hit = writes.find(([k]) => k === key);
      if (hit && w < tx && (!best || w > best.tx)) best = { tx: w, value: hit[1] };
    }
    return best ? { status: READ_OK, tx: best.tx, value: best.value } : { status: READ_NOT_FOUND, tx: NIL, value: PRE.get(key) ?? 0 };
  };

  it('ends with every key in one slot, every list in index order, and reads that match the model', () => {
    const schedules = fc.sample(fc.tuple(fc.constantFrom('random' as const, 'pct' as const), fc.nat(), fc.integer({ min: 1, max: 4 })), { seed: 8, numRuns: 250 });
    const races = { pauses: 0, failedCas: 0 };
    for (const [kind, seed, depth] of schedules) {
      const { L, i32, f64 } = memoryFor(block);
      const plain = new MVMemory(new PlainCells(i32, f64), L, 0);
      plain.record(0, 0, writesOutcome(ALL[0]![1]), new ReadLog());
      const seen: { key: number; status: number; tx: number; value: number }[] = [];
      const wrote: boolean[] = [];
      const r = simulate(i32, f64, WRITERS.length + 1, (w, cells) => {
        const mv = new MVMemory(countingCells(cells, races), L, 0);
        return {
          step: () => {
            if (w === WRITERS.length) {
              const got = [0, 16].map((key) => ({ key, status: mv.read(key, 9), tx: mv.tx, value: mv.value }));
              seen.push(...got);
            } else {
              const [tx, writes] = WRITERS[w]!;
              wrote[w] = mv.record(tx, 0, writesOutcome(writes), new ReadLog());
            }
            return FINISHED;
          },
          begin: () => {}, commit: () => {},
        };
      }, 0, { schedule: kind, seed, pctDepth: depth, pctSteps: 60, maxSteps: 5_000 });
      expect(r.stuck || r.exhausted).toBe(false);
      expect(wrote).toEqual([true, true, true]);
      // The concurrent read saw, for each key, nothing yet or one of the writers' values: never another key's node.
      for (const s of seen) {
        const options = [{ status: READ_NOT_FOUND, tx: NIL, value: 0 }, ...ALL.filter(([w]) => w < 9).flatMap(([w, writes]) => writes.filter(([k]) => k === s.key).map(([, v]) => ({ status: READ_OK, tx: w, value: v })))];
        expect(options, `${kind} seed ${seed}: read of ${s.key}`).toContainEqual({ status: s.status, tx: s.status === READ_OK ? s.tx : NIL, value: s.value });
      }
      // Afterwards: one READY slot per key, lists sorted by tx (highest first, no duplicates), reads as the model says.
      const slots = new Map<number, number>();
      for (let h = 0; h < L.capacity.keys; h++) {
        const slot = L.keys + h * SLOT_CELLS;
        if (i32[slot + S_STATE] === SLOT_EMPTY) continue;
        expect(i32[slot + S_STATE]).toBe(SLOT_READY);
        const key = i32[slot + S_KEY]! >>> 0;
        expect(slots.has(key), `key ${key} twice`).toBe(false);
        slots.set(key, slot);
        const txs: number[] = [];
        for (let node = i32[slot + S_HEAD]!; node !== NIL; node = i32[L.nodes + node * NODE_CELLS + N_NEXT]!) {
          expect(i32[L.nodes + node * NODE_CELLS + N_KEY]! >>> 0).toBe(key);
          txs.push(i32[L.nodes + node * NODE_CELLS + N_TX]!);
        }
        expect(txs).toEqual([...txs].sort((a, b) => b - a).filter((t, i, a) => a.indexOf(t) === i));
      }
      expect([...slots.keys()].sort((a, b) => a - b)).toEqual([0, 16, 32, 48]);
      expect(i32[H.KEY_COUNT]).toBe(4);
      for (const key of [0, 16, 32, 48, 64]) {
        for (let tx = 0; tx <= 10; tx++) {
          const status = plain.read(key, tx);
          expect({ status, tx: plain.tx, value: plain.value }, `read(${key}, ${tx})`).toEqual(model(key, tx));
        }
      }
    }
    // The races happened: some claim or insert lost its CAS, some lookup waited on a BUSY slot.
    expect(races.failedCas).toBeGreaterThan(0);
    expect(races.pauses).toBeGreaterThan(0);
  });
});

describe('multi-version memory: a slot being claimed by another worker', () => {
  // The claim publishes the slot (key, empty list, no base) with the store of READY; before it, a
  // reader may see the slot BUSY with its cells not yet written (here: key 0 and head 0, node 0
  // being tx 0's write of key 32). Pausing lets the claimer finish: the first pause publishes it.
  const block = sparseBlock;
  const setup = () => {
    const { L, i32, f64 } = memoryFor(block);
    const cells = new (class extends PlainCells {
      pauses = 0;
      override pause(): void {
        if (this.pauses++ === 0) publish();
      }
    })(i32, f64);
    const mv = new MVMemory(cells, L, 0);
    const out = newOutcome();
    [out.status, out.writeCount, out.writeKeys[0], out.writeValues[0]] = [TxStatus.Success, 1, 32, 5];
    mv.record(0, 0, out, new ReadLog());
    const slot = L.keys + keyHome(0, keyShift(L.capacity.keys)) * SLOT_CELLS;
    expect(i32[slot + S_STATE]).toBe(SLOT_EMPTY);
    i32[slot + S_STATE] = SLOT_BUSY;
    i32[slot + S_HEAD] = 0;
    i32[H.KEY_COUNT]! += 1;
    const publish = () => {
      [i32[slot + S_KEY], i32[slot + S_HEAD], i32[slot + S_BASE], i32[slot + S_STATE]] = [0, NIL, NIL, SLOT_READY];
    };
    return { mv, cells, publish, out };
  };

  it('a read waits for the claim to be published, then finds the key empty', () => {
    const { mv, cells } = setup();
    expect([mv.read(0, 9), mv.tx, mv.value]).toEqual([READ_NOT_FOUND, NIL, 0]);
    expect(cells.pauses).toBeGreaterThan(0);
  });

  it('a write waits for the claim to be published, then links its node into that slot', () => {
    const { mv, cells, publish, out } = setup();
    [out.writeKeys[0], out.writeValues[0]] = [0, 77];
    expect(mv.record(5, 0, out, new ReadLog())).toBe(true);
    if (cells.pauses === 0) publish(); // the claimer finishes its claim in any case
    expect([mv.read(0, 9), mv.tx, mv.value]).toEqual([READ_OK, 5, 77]);
    expect([mv.read(32, 9), mv.tx, mv.value]).toEqual([READ_OK, 0, 5]);
  });
});

describe('multi-version memory: a key table with every slot taken', () => {
  // Each worker's claim past the key limit takes its slot before it throws, so with more workers
  // than a quarter of the table every slot can be READY: a probe must end after one turn.
  const full = () => {
    const { L, i32, f64 } = memoryFor(sparseBlock);
    for (let h = 0; h < L.capacity.keys; h++) {
      const slot = L.keys + h * SLOT_CELLS;
      [i32[slot + S_KEY], i32[slot + S_HEAD], i32[slot + S_BASE], i32[slot + S_STATE]] = [1000 + h, NIL, NIL, SLOT_READY];
    }
    return new MVMemory(new PlainCells(i32, f64), L, 0);
  };

  it('a read of a key in no slot finds it in storage', () => {
    const mv = full();
    expect([mv.read(0, 5), mv.tx, mv.value]).toEqual([READ_NOT_FOUND, NIL, 0]);
  });

  it('a write of a new key is out of capacity', () => {
    const mv = full();
    let thrown: unknown = null;
    try {
      mv.record(5, 0, writesOutcome([[0, 1]]), new ReadLog());
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(OUT_OF_CAPACITY);
    expect([mv.read(1000, 9), mv.tx]).toEqual([READ_NOT_FOUND, NIL]);
  });
});

describe('multi-version memory: two writers inserting into one list', () => {
  it('keeps both nodes, in index order, under every schedule with at most two preemptions', () => {
    const block = sparseBlock;
    let runs = 0;
    for (const key of [32, 0]) { // 32: the list exists (tx 0 wrote it); 0: a new key, so the slot is claimed too
      for (const { name, schedule } of switchSchedules(30)) {
        const { L, i32, f64 } = memoryFor(block);
        const outcome = (k: number, v: number) => writesOutcome([[k, v]]);
        const plain = new MVMemory(new PlainCells(i32, f64), L, 0);
        plain.record(0, 0, outcome(32, 5), new ReadLog());
        const r = simulate(i32, f64, 2, (w, cells) => {
          const mv = new MVMemory(cells, L, 0);
          return { step: () => (mv.record(w ? 5 : 3, 0, outcome(key, w ? 55 : 33), new ReadLog()), FINISHED), begin: () => {}, commit: () => {} };
        }, 0, { schedule, maxSteps: 2_000 });
        expect(r.stuck || r.exhausted, name).toBe(false);
        const at = (tx: number) => (plain.read(key, tx), [plain.tx, plain.value]);
        expect([at(3), at(4), at(9)], `key ${key}, ${name}`).toEqual([key === 32 ? [0, 5] : [NIL, 0], [3, 33], [5, 55]]);
        runs++;
      }
    }
    expect(runs).toBeGreaterThan(1000);
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
    expect(sameResult(executeReference(block), finalize(block, L, i32, emptyStats()) as never)).toBe(true);
  });

  it('finishes a held task even when the block has ended meanwhile (the end is noticed when idle)', () => {
    const block = counterBlock(3, 2);
    const { L, i32, f64 } = memoryFor(block);
    const w = worker(new PlainCells(i32, f64), block, L, f64);
    i32[H.STATE] = ABORT_STALL;
    expect(w.step(task(EXECUTION_TASK, 0, 0))).not.toBe(FINISHED);
    expect(i32[L.status]).toBe(statusWord(0, EXECUTED));
    expect(w.counters.executions).toBe(1);
    expect(w.step(NO_TASK)).toBe(FINISHED);
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
    for (const [window, workers] of [[1, 2], [2, 4], [3, 3], [5, 2], [16, 2], [4, 1], [0, 4]] as const) {
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
    // The check looks at a few early moments only, so it fires in about one random schedule in seven.
    for (let seed = 0; seed < 30; seed++) {
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
      const { L, i32 } = memoryFor(sparseBlock, 1, 2);
      const check = stallWatchdog(i32, L, 10);
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
      // An active task, counted in the shared cell or in a worker's own share, does too.
      for (const cell of [H.ACTIVE_TASKS, activeTaskCell(L, 1)]) {
        i32[cell] = 1;
        now += 100;
        check();
        expect(i32[H.STATE], `active task in cell ${cell}`).toBe(RUNNING);
        i32[cell] = 0;
      }
      check(); // the active task finished: the clock starts again now
      now += 11;
      expect(check).toThrow();
      expect(i32[H.STATE]).toBe(ABORT_STALL);
      // Once ended, every check throws ABORTED at once and leaves the state alone.
      i32[H.STATE] = ABORT_CAPACITY;
      let thrown: unknown;
      try { stallWatchdog(i32, L, 1e9)(); } catch (e) { thrown = e; }
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
  // Run inside each test (not while collecting them, and keeping no state between tests).
  const run = () => runToDone(block, 3, 7);
  /** finalize on a tampered copy, read back whole and in three shares as three workers do: both must agree. */
  const tampered = (change: (i32: Int32Array, L: Layout) => void) => {
    const done = run();
    const i32 = done.i32.slice();
    change(i32, done.L);
    const whole = finalize(block, done.L, i32, emptyStats());
    const shared = finalize(block, done.L, i32, emptyStats(), 3);
    expect(typeof shared === 'string' ? shared : sameResult(expected, shared)).toEqual(typeof whole === 'string' ? whole : sameResult(expected, whole));
    return whole;
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
    const done = run();
    const inc = incarnationOf(done.i32[done.L.status + 4]!);
    expect(tampered((i32, L) => { i32[L.lastRecord + 4] = NIL; })).toBe(`transaction 4 is EXECUTED at incarnation ${inc} but its last record is missing`);
    expect(tampered((i32, L) => { i32[L.status + 4] = statusWord(inc + 3, EXECUTED); }))
      .toBe(`transaction 4 is EXECUTED at incarnation ${inc + 3} but its last record is of incarnation ${inc}`);
    expect(tampered((i32, L) => { i32[i32[L.lastRecord + 4]! + R_INCARNATION] = inc + 1; }))
      .toBe(`transaction 4 is EXECUTED at incarnation ${inc} but its last record is of incarnation ${inc + 1}`);
  });

  it('names a value left in multi-version memory by an ESTIMATE or an older incarnation', () => {
    const key = (i32: Int32Array, L: Layout) => i32[nodeOf(i32, L, 6) + N_KEY]! >>> 0;
    const done = run();
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
      for (const parts of [1, 3, 8, 11]) {
        const r = finalize(limited, mem.L, mem.i32, emptyStats(), parts);
        expect(typeof r, `gas limit ${limit}, ${parts} shares`).not.toBe('string');
        expect(sameResult(ref, r as Exclude<typeof r, string>), `gas limit ${limit}, ${parts} shares`).toBe(true);
      }
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

  it('counts every execution and validation once, however often the simulation re-runs a step', () => {
    // One worker: no conflicts, so n executions and n validations; a plain-memory loop (which never re-runs a step) agrees.
    for (const block of [hot, counterBlock(12, 3)]) {
      const { L, i32, f64 } = memoryFor(block);
      const alone = worker(new PlainCells(i32, f64), block, L, f64);
      for (let held = NO_TASK, i = 0; held !== FINISHED && i < 1000; i++) held = alone.step(held);
      const n = block.txs.length;
      expect({ ...alone.counters }).toEqual({ executions: n, validations: n, failedValidations: 0, estimateWaits: 0, dependencyResumes: 0 });
      const r = runBlockStmSimulated(block, { threads: 1, schedule: 'random', seed: 2 });
      expect({ ...r.counters }).toEqual({ ...alone.counters, reExecutions: 0 });
    }
    // Several workers: every suspended transaction is resumed exactly once.
    let waits = 0;
    for (let seed = 0; seed < 8; seed++) {
      const r = runBlockStmSimulated(hot, { threads: 2 + (seed % 3), schedule: seed % 2 ? 'pct' : 'random', seed });
      expect(r.counters.dependencyResumes).toBe(r.counters.estimateWaits);
      expect(r.counters.failedValidations).toBeLessThanOrEqual(r.counters.validations);
      waits += r.counters.estimateWaits;
    }
    expect(waits).toBeGreaterThan(0);
  });

  it('returns the parallel result itself when the run is done: a planted bug shows, with no reason', () => {
    let wrong = 0;
    for (let seed = 0; seed < 10; seed++) {
      const r = runBlockStmSimulated(hot, { threads: 3, schedule: 'random', seed, bugs: ['skip-validation'] });
      if (r.outcome !== 'done') continue;
      expect([r.reason, r.result.stats.fallback]).toEqual(['', '']);
      if (!sameResult(expected, r.result)) wrong++;
    }
    expect(wrong).toBeGreaterThan(0);
  });

  it('applies a given incarnation bound, not the default', () => {
    const outcomes = [0, 1, 2, 3, 4, 5, 6, 7].map((seed) => runBlockStmSimulated(counterBlock(12, 1), { threads: 4, schedule: 'random', seed, maxIncarnations: 1 }));
    const bound = outcomes.filter((r) => r.outcome === 'incarnation-bound');
    expect(bound.length).toBeGreaterThan(0);
    for (const r of bound) expect(r.reason).toMatch(/^watchdog: transaction \d+ passed 1 incarnations$/);
  });

  it('passes the PCT depth on to the schedule', () => {
    // Depth 1 never preempts; depth 4 does: for some seed the two schedules differ.
    const differs = [0, 1, 2, 3, 4, 5].some((seed) => JSON.stringify(runBlockStmSimulated(hot, { threads: 3, schedule: 'pct', seed, pctDepth: 1 }).ran)
      !== JSON.stringify(runBlockStmSimulated(hot, { threads: 3, schedule: 'pct', seed, pctDepth: 4 }).ran));
    expect(differs).toBe(true);
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

  it('skips every transaction once the gas used reaches the block gas limit exactly', () => {
    const block = counterBlock(6, 2);
    const perTx = executeReference(block).receipts[0]!.gasUsed;
    for (const limit of [0, perTx, 2 * perTx, 2 * perTx + 1]) {
      const limited = { ...block, gasLimit: limit };
      const ref = executeReference(limited);
      expect(ref.receipts.filter((r) => r.status !== 'skipped')).toHaveLength(Math.ceil(limit / perTx));
      expect(sameResult(ref, executeSequential(limited)), `limit ${limit}`).toBe(true);
    }
  });

  it('keeps every result exact after its key table is reused, grown and replaced by later blocks', async () => {
    const small = fc.sample(blockSpecArb({ maxTxs: 12, hashes: false }), { seed: 29, numRuns: 30 }).map(buildBlock);
    // 300 transactions need a table of 2^11 slots; the small blocks then need 2^4 to 2^6 (a new one).
    const big = generate('p2p', { accounts: 50, txs: 300, seed: 3 });
    const blocks = [...small.slice(0, 10), big, ...small.slice(10), big, small[0]!];
    const executor = sequentialExecutor();
    const results = [];
    for (const block of blocks) results.push(await executor.execute(block));
    // Read only now: each result must not depend on the table the later blocks reused.
    blocks.forEach((block, b) => expect(sameResult(executeReference(block), results[b]!), `block ${b}`).toBe(true));
  });

  it('loads a missed key once, reports every stored pair, and empties a kept table in place', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(300), fc.integer({ min: -5, max: 5 })), { maxLength: 400 }), fc.nat(32), (ops, expected) => {
      const pre = (k: number) => (k % 3 === 0 ? 0 : k * 10);
      const t = resetKeyTable(newKeyTable(expected), expected);
      const model = new Map<number, number>();
      let loads = 0;
      for (const [write, k, v] of ops) {
        if (write) {
          tableSet(t, k, v);
          model.set(k, v);
        } else {
          const got = tableGetOrLoad(t, k, (key) => (loads++, pre(key)));
          if (!model.has(k)) model.set(k, pre(k));
          if (got !== model.get(k)) return false;
        }
      }
      const pairs = tablePairs(t);
      const listed = new Map<number, number>();
      for (let p = 0; p < pairs.length; p += 2) listed.set(pairs[p]!, pairs[p + 1]!);
      // A key is loaded once, and only when it is read before anything was written to it.
      const firstIsRead = new Map<number, boolean>();
      for (const [write, k] of ops) if (!firstIsRead.has(k)) firstIsRead.set(k, !write);
      const kept = resetKeyTable(t, expected);
      return loads === [...firstIsRead.values()].filter(Boolean).length
        && pairs.length === 2 * model.size && [...model].every(([k, v]) => listed.get(k) === v)
        && kept === t && kept.size === 0 && tableGet(kept, ops[0]?.[1] ?? 0) === 0;
    }), { seed: 37, numRuns: 150 });
    const huge = newKeyTable(10_000);
    expect(resetKeyTable(huge, 10)).not.toBe(huge);
    expect(resetKeyTable(newKeyTable(10), 10_000).slots.length).toBeGreaterThanOrEqual(4 * 10_000);
  });

  it('keeps a key table exact across many growths and dense keys', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(2000), fc.integer({ min: -5, max: 5 })), { minLength: 1, maxLength: 600, size: 'max' }), fc.nat(64), (pairs, expected) => {
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

// ---- multi-version memory and scheduler: buffer bounds, probing, decrease_cnt ------------------------

describe('multi-version memory: capacities, probing and read results', () => {
  const block = counterBlock(4, 2);
  const thrown = (f: () => unknown): unknown => {
    try { f(); } catch (e) { return e; }
    return undefined;
  };

  it('hands each worker nodes and record cells from chunks of its own, to the exact bounds, and finalize skips what they left', () => {
    const wide = counterBlock(64, 8);
    const setup = (workers: number) => {
      const { L, i32, f64 } = memoryFor(wide, 1, workers);
      return { L, i32, mv: (w: number) => new MVMemory(new PlainCells(i32, f64), L, 0, w) };
    };
    const { L, i32, mv } = setup(2);
    expect([L.nodeChunk, L.arenaChunk]).toEqual([8, 256]);
    const [w0, w1] = [mv(0), mv(1)];
    w0.record(0, 0, writesOutcome([[0, 1]]), new ReadLog());
    w1.record(1, 0, writesOutcome([[16, 2]]), new ReadLog());
    w0.record(2, 0, writesOutcome([[32, 3]]), new ReadLog());
    // Two chunks of each were taken from the shared tops; worker 0's second node is next to its first.
    expect([i32[H.NODE_TOP], i32[H.ARENA_TOP]]).toEqual([2 * L.nodeChunk, 2 * L.arenaChunk]);
    const nodeOf = (key: number) => {
      for (let node = 0; node < i32[H.NODE_TOP]!; node++) if (i32[L.nodes + node * NODE_CELLS + N_VERSION] !== 0 && i32[L.nodes + node * NODE_CELLS + N_KEY] === key) return node;
      return NIL;
    };
    expect([nodeOf(0), nodeOf(32), nodeOf(16)]).toEqual([0, 1, L.nodeChunk]);
    // A worker without cursors (index past capacity.workers) takes one node at a time.
    mv(2).record(3, 0, writesOutcome([[48, 4]]), new ReadLog());
    expect(i32[H.NODE_TOP]).toBe(2 * L.nodeChunk + 1);
    // The last chunk is cut at the capacity: one node fits, the next does not.
    const full = setup(1);
    full.i32[H.NODE_TOP] = full.L.capacity.nodes - 1;
    const last = full.mv(0);
    expect(thrown(() => last.record(0, 0, writesOutcome([[0, 1]]), new ReadLog()))).toBeUndefined();
    expect(thrown(() => last.record(1, 0, writesOutcome([[16, 1]]), new ReadLog()))).toBe(OUT_OF_CAPACITY);
    // A chunk taken at the capacity holds nothing.
    const none = setup(1);
    none.i32[H.NODE_TOP] = none.L.capacity.nodes;
    expect(thrown(() => none.mv(0).record(0, 0, writesOutcome([[0, 1]]), new ReadLog()))).toBe(OUT_OF_CAPACITY);
  });

  it('counts the keys a worker adds against the key table\'s budget in chunks of its own, to the exact bound', () => {
    const wide = counterBlock(64, 8);
    const setup = () => {
      const { L, i32, f64 } = memoryFor(wide, 1, 2);
      return { L, i32, mv: (w: number) => new MVMemory(new PlainCells(i32, f64), L, 0, w) };
    };
    const { L, i32, mv } = setup();
    const [w0, w1] = [mv(0), mv(1)];
    const preState = i32[H.KEY_COUNT]!;
    w0.record(0, 0, writesOutcome([[16, 1]]), new ReadLog());
    w1.record(1, 0, writesOutcome([[32, 2]]), new ReadLog());
    w0.record(2, 0, writesOutcome([[48, 3]]), new ReadLog());
    // Three new keys, two chunks taken: worker 0's second key came from its own chunk.
    expect(i32[H.KEY_COUNT]).toBe(preState + 2 * L.nodeChunk);
    // The last chunk is cut at the limit (3/4 of the slots): one key fits, the next does not.
    const full = setup();
    full.i32[H.KEY_COUNT] = (full.L.capacity.keys * 3) / 4 - 1;
    const last = full.mv(1);
    expect(thrown(() => last.record(0, 0, writesOutcome([[16, 1]]), new ReadLog()))).toBeUndefined();
    expect(thrown(() => last.record(1, 0, writesOutcome([[32, 1]]), new ReadLog()))).toBe(OUT_OF_CAPACITY);
  });

  it('fills the record arena, the node pool and the key table exactly to their bounds', () => {
    // A record of no reads, no outputs and one write takes R_HEADER + WRITE_CELLS cells.
    const size = R_HEADER + WRITE_CELLS;
    for (const [top, fits] of [[-size, true], [-size + 1, false]] as const) {
      const { L, i32, f64 } = memoryFor(block);
      i32[H.ARENA_TOP] = L.capacity.arena + top;
      const mv = new MVMemory(new PlainCells(i32, f64), L, 0);
      expect(thrown(() => mv.record(0, 0, writesOutcome([[0, 1]]), new ReadLog())), `arena top capacity ${top}`).toBe(fits ? undefined : OUT_OF_CAPACITY);
    }
    for (const [top, fits] of [[-1, true], [0, false]] as const) {
      const { L, i32, f64 } = memoryFor(block);
      i32[H.NODE_TOP] = L.capacity.nodes + top;
      const mv = new MVMemory(new PlainCells(i32, f64), L, 0);
      expect(thrown(() => mv.record(0, 0, writesOutcome([[0, 1]]), new ReadLog())), `node top capacity ${top}`).toBe(fits ? undefined : OUT_OF_CAPACITY);
    }
    // The key table holds keys up to 3/4 of its slots: claiming a slot when 3/4 - 1 are taken is the last that fits.
    for (const [taken, fits] of [[-1, true], [0, false]] as const) {
      const { L, i32, f64 } = memoryFor(block);
      const limit = (L.capacity.keys * 3) / 4;
      i32[H.KEY_COUNT] = limit + taken;
      const mv = new MVMemory(new PlainCells(i32, f64), L, 0);
      expect(thrown(() => mv.record(0, 0, writesOutcome([[16 * 7, 1]]), new ReadLog())), `keys taken ${limit + taken}`).toBe(fits ? undefined : OUT_OF_CAPACITY);
    }
    // A dependency node takes two cells.
    for (const [top, fits] of [[-2, true], [-1, false]] as const) {
      const { L, i32, f64 } = memoryFor(block);
      i32[H.ARENA_TOP] = L.capacity.arena + top;
      const s = new Scheduler(new PlainCells(i32, f64), L, 0, new Counters());
      expect(thrown(() => s.addDependency(1, 0)), `arena top capacity ${top}`).toBe(fits ? undefined : OUT_OF_CAPACITY);
    }
  });

  it('finds every key of a crowded table (pre-state and new keys, colliding homes)', () => {
    const pre = new Map<number, number>();
    for (let k = 0; k < 60; k++) pre.set(k * 16 + 3, 1000 + k);
    const crowded: Block = { ...block, preState: pre };
    const L = layoutFor(crowded, { nodes: 200, keys: 256, arena: 100_000 });
    const i32 = new Int32Array(L.i32Size);
    const f64 = new Float64Array(L.f64Size);
    writeBlock(crowded, L, i32, f64);
    const mv = new MVMemory(new PlainCells(i32, f64), L, 0);
    const writes = Array.from({ length: 120 }, (_, i) => [i * 16 + 3 + (i % 2) * 8, i] as const);
    mv.record(1, 0, writesOutcome(writes), new ReadLog());
    const written = new Map(writes);
    for (let k = 0; k < 2100; k += 1) {
      const status = mv.read(k, 2);
      const expected = written.has(k) ? { status: READ_OK, tx: 1, value: written.get(k) } : { status: READ_NOT_FOUND, tx: NIL, value: pre.get(k) ?? 0 };
      expect({ status, tx: mv.tx, value: mv.value }, `key ${k}`).toEqual(expected);
      // Below the writer: the pre-state (or nothing).
      expect([mv.read(k, 1), mv.value]).toEqual([READ_NOT_FOUND, pre.get(k) ?? 0]);
    }
  });

  it('reports a read from storage with no version: tx NIL, incarnation 0', () => {
    const { L, i32, f64 } = memoryFor(block);
    const mv = new MVMemory(new PlainCells(i32, f64), L, 0);
    const log = new ReadLog();
    mv.record(1, 0, writesOutcome([[0, 1]]), log);
    // Re-record tx 1 at incarnation 5 so a versioned read carries a non-zero incarnation.
    mv.convertWritesToEstimates(1);
    mv.record(1, 5, writesOutcome([[0, 2]]), log);
    expect([mv.read(0, 3), mv.tx, mv.incarnation, mv.value]).toEqual([READ_OK, 1, 5, 2]);
    expect([mv.read(0, 1), mv.tx, mv.incarnation, mv.value]).toEqual([READ_NOT_FOUND, NIL, 0, 1]); // key 0 is in the pre-state (value 1)
    mv.read(0, 3);
    expect([mv.read(16 * 5, 3), mv.tx, mv.incarnation, mv.value, mv.slot]).toEqual([READ_NOT_FOUND, NIL, 0, 0, NIL]); // in no slot
  });
});

describe('scheduler: decrease_cnt counts every move of an index', () => {
  it('agrees with a count of the decreases the paper performs, over random protocol runs', () => {
    const block = counterBlock(6, 2);
    const action = fc.tuple(fc.nat(3), fc.nat(), fc.boolean());
    fc.assert(fc.property(fc.array(action, { minLength: 10, maxLength: 80 }), (actions) => {
      const { L, i32, f64 } = memoryFor(block);
      const s = new Scheduler(new PlainCells(i32, f64), L, 0, new Counters());
      const held: number[] = [];
      const waiting = new Map<number, number[]>();
      let decreases = 0;
      for (const [kind, pick, flag] of actions) {
        const execs = held.filter((t) => taskKind(t) === EXECUTION_TASK);
        const vals = held.filter((t) => taskKind(t) === VALIDATION_TASK);
        let next = NO_TASK;
        if (kind === 0) {
          if (i32[H.STATE] === DONE) continue;
          next = s.nextTask();
        } else if (kind === 1 && execs.length) {
          const t = execs[pick % execs.length]!;
          held.splice(held.indexOf(t), 1);
          const resumed = waiting.get(taskTx(t))?.length ?? 0;
          waiting.delete(taskTx(t));
          const revalidate = i32[H.VALIDATION_IDX]! > taskTx(t) && flag;
          decreases += (resumed > 0 ? 1 : 0) + (revalidate ? 1 : 0);
          next = s.finishExecution(taskTx(t), taskIncarnation(t), flag);
        } else if (kind === 2 && execs.length && taskTx(execs[pick % execs.length]!) > 0) {
          const t = execs[pick % execs.length]!;
          const blocking = pick % taskTx(t);
          if (s.addDependency(taskTx(t), blocking)) {
            held.splice(held.indexOf(t), 1);
            waiting.set(blocking, [...(waiting.get(blocking) ?? []), taskTx(t)]);
          }
        } else if (kind === 3 && vals.length) {
          const t = vals[pick % vals.length]!;
          held.splice(held.indexOf(t), 1);
          const aborted = !flag && s.tryValidationAbort(taskTx(t), taskIncarnation(t));
          if (aborted) decreases++;
          next = s.finishValidation(taskTx(t), aborted);
        } else continue;
        if (next !== NO_TASK) held.push(next);
        if (i32[H.DECREASE_CNT] !== decreases) return false;
      }
      return true;
    }), { seed: 12, numRuns: 300 });
  });
});

// ---- scheduler races, every interleaving with up to two preemptions --------------------------------

describe('scheduler races (two workers, every schedule with at most two preemptions)', () => {
  /**
   * Runs two one-iteration workers, each one scheduler call, under every schedule, checking the
   * outcome each time. `shares`: the workers count their active tasks in cells of their own.
   */
  function race(
    setup: (i32: Int32Array, L: Layout, s: Scheduler) => void, calls: readonly ((s: Scheduler) => number | boolean)[],
    check: (i32: Int32Array, L: Layout, results: (number | boolean)[], name: string) => void, shares = false,
  ) {
    const block = counterBlock(4, 2);
    let runs = 0;
    for (const { name, schedule } of switchSchedules(40)) {
      const { L, i32, f64 } = memoryFor(block, 1, shares ? 2 : 0);
      setup(i32, L, new Scheduler(new PlainCells(i32, f64), L, 0, new Counters()));
      const results: (number | boolean)[] = [];
      const r = simulate(i32, f64, 2, (w, cells) => {
        const s = new Scheduler(cells, L, 0, new Counters(), w);
        return { step: () => ((results[w] = calls[w]!(s)), FINISHED), begin: () => {}, commit: () => {} };
      }, 0, { schedule, maxSteps: 2_000 });
      expect(r.stuck || r.exhausted, name).toBe(false);
      check(i32, L, results, name);
      runs++;
    }
    return runs;
  }

  const executing = (i32: Int32Array, L: Layout, txs: readonly number[]) => { for (const t of txs) i32[L.status + t] = statusWord(0, EXECUTING); };

  it('never loses a dependent: add_dependency racing the blocking transaction\'s finish_execution', () => {
    race((i32, L) => {
      executing(i32, L, [0, 1]);
      [i32[H.EXECUTION_IDX], i32[H.ACTIVE_TASKS]] = [2, 2];
    }, [(s) => s.finishExecution(0, 0, false), (s) => s.addDependency(1, 0)], (i32, L, [, suspended], name) => {
      if (suspended) {
        // Suspended: tx 1 was resumed with its next incarnation and execution_idx came back to it.
        expect([i32[L.status + 1], i32[H.EXECUTION_IDX]! <= 1, i32[H.ACTIVE_TASKS]], name).toEqual([statusWord(1, READY_TO_EXECUTE), true, 0]);
      } else {
        // Told to re-execute at once: it still holds its execution.
        expect([i32[L.status + 1], i32[H.ACTIVE_TASKS]], name).toEqual([statusWord(0, EXECUTING), 1]);
      }
      expect([i32[L.depHead], i32[L.depLock]], name).toEqual([NIL, 0]);
    });
  });

  it('never declares the block done while a finishing execution pulls validation_idx back', () => {
    race((i32, L) => {
      for (const t of [0, 2, 3]) i32[L.status + t] = statusWord(0, EXECUTED);
      executing(i32, L, [1]);
      [i32[H.EXECUTION_IDX], i32[H.VALIDATION_IDX], i32[H.ACTIVE_TASKS]] = [4, 4, 1];
    }, [(s) => s.nextTask(), (s) => s.finishExecution(1, 0, true)], (i32, _L, [next], name) => {
      expect(i32[H.STATE], name).toBe(RUNNING);
      expect(i32[H.VALIDATION_IDX]! <= 2, name).toBe(true);
      if (next !== NO_TASK) expect([taskKind(next as number), taskTx(next as number)], name).toEqual([VALIDATION_TASK, 1]);
    });
  });

  it('never declares the block done while a worker holding a task in its own share pulls validation_idx back', () => {
    race((i32, L) => {
      for (const t of [0, 2, 3]) i32[L.status + t] = statusWord(0, EXECUTED);
      executing(i32, L, [1]);
      [i32[H.EXECUTION_IDX], i32[H.VALIDATION_IDX], i32[activeTaskCell(L, 1)]] = [4, 4, 1];
    }, [(s) => s.nextTask(), (s) => s.finishExecution(1, 0, true)], (i32, L, [next], name) => {
      expect([i32[H.STATE], i32[H.ACTIVE_TASKS], i32[activeTaskCell(L, 1)]], name).toEqual([RUNNING, 0, 0]);
      expect(i32[H.VALIDATION_IDX]! <= 2, name).toBe(true);
      // Worker 0 either got the validation of tx 1 (its share counts it) or nothing.
      if (next !== NO_TASK) expect([taskKind(next as number), taskTx(next as number)], name).toEqual([VALIDATION_TASK, 1]);
      expect(i32[activeTaskCell(L, 0)], name).toBe(next === NO_TASK ? 0 : 1);
    }, true);
  });

  it('declares the block done once every share is 0, and not while one is 1', () => {
    for (const held of [0, 1]) {
      race((i32, L) => {
        for (const t of [0, 1, 2, 3]) i32[L.status + t] = statusWord(0, EXECUTED);
        [i32[H.EXECUTION_IDX], i32[H.VALIDATION_IDX], i32[activeTaskCell(L, 1)]] = [4, 4, held];
      }, [(s) => s.nextTask(), (s) => s.nextTask()], (i32, _L, results, name) => {
        expect(results, name).toEqual([NO_TASK, NO_TASK]);
        expect(i32[H.STATE], name).toBe(held ? RUNNING : DONE);
      }, true);
    }
  });

  it('hands the last transaction to one of two racing workers, the other gets nothing', () => {
    // The cell after the last status word is lastRecord[0]: whatever it holds must never be taken for a status.
    for (const [lowBits, validation] of [[READY_TO_EXECUTE, false], [EXECUTED, true]] as const) {
      const record = (L: Layout) => L.arena + 64 + lowBits;
      race((i32, L) => {
        for (const t of [0, 1, 2, 3]) i32[L.status + t] = statusWord(0, validation || t < 3 ? EXECUTED : READY_TO_EXECUTE);
        [i32[H.EXECUTION_IDX], i32[H.VALIDATION_IDX]] = validation ? [4, 3] : [3, 3];
        i32[L.lastRecord] = record(L);
      }, [(s) => s.nextTask(), (s) => s.nextTask()], (i32, L, results, name) => {
        const got = results.filter((t) => t !== NO_TASK).map((t) => [taskKind(t as number), taskTx(t as number)]);
        expect(got, name).toEqual([[validation ? VALIDATION_TASK : EXECUTION_TASK, 3]]);
        expect([i32[H.ACTIVE_TASKS], i32[L.lastRecord]], name).toEqual([1, record(L)]);
      });
    }
  });

  it('keeps the lowest of two racing decreases of validation_idx', () => {
    race((i32, L) => {
      i32[L.status] = statusWord(0, EXECUTED);
      executing(i32, L, [2]);
      [i32[H.EXECUTION_IDX], i32[H.VALIDATION_IDX], i32[H.ACTIVE_TASKS]] = [4, 4, 2];
    }, [(s) => s.finishExecution(2, 0, true), (s) => s.finishValidation(0, s.tryValidationAbort(0, 0))], (i32, L, [, reexecute], name) => {
      // finish_execution only pulls validation_idx back when it is still above tx 2, so one or two decreases.
      expect(i32[H.VALIDATION_IDX], name).toBe(1);
      expect([1, 2], name).toContain(i32[H.DECREASE_CNT]);
      expect([taskKind(reexecute as number), taskTx(reexecute as number), i32[L.status]], name).toEqual([EXECUTION_TASK, 0, statusWord(1, EXECUTING)]);
    });
  });

  it('keeps the lowest of two racing decreases of execution_idx when two blocking transactions finish', () => {
    race((i32, L, s) => {
      executing(i32, L, [0, 1, 2, 3]);
      [i32[H.EXECUTION_IDX], i32[H.ACTIVE_TASKS]] = [4, 4];
      expect([s.addDependency(3, 0), s.addDependency(2, 1)]).toEqual([true, true]);
    }, [(s) => s.finishExecution(0, 0, false), (s) => s.finishExecution(1, 0, false)], (i32, L, _r, name) => {
      expect([i32[H.EXECUTION_IDX], i32[H.DECREASE_CNT], i32[H.ACTIVE_TASKS]], name).toEqual([2, 2, 0]);
      expect([i32[L.status + 2], i32[L.status + 3]], name).toEqual([statusWord(1, READY_TO_EXECUTE), statusWord(1, READY_TO_EXECUTE)]);
    });
  });
});
