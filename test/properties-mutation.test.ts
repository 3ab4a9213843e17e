// Fast, pinned-seed checks of the in-process algorithm code that `npm run mutate` mutates (see
// stryker.config.mjs): the sequential executor and its key table, Block-STM on the simulated
// runtime (results, statistics, every way a run can end) and the simulated runtime itself
// (replay, schedules, parking, the step budget). They belong to the normal suite as well.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executeReference } from '../spec/reference.js';
import { executeSequential, sequentialExecutor } from '../impl/sequential.js';
import { newKeyTable, tableEntries, tableGet, tableSet } from '../impl/key-table.js';
import { runBlockStmSimulated } from '../impl/blockstm/simulate.js';
import { FINISHED, ScheduleError, simulate, type SimWorker } from '../impl/runtime/sim.js';
import type { Cells } from '../impl/runtime/cells.js';
import { BUG_NAMES } from '../impl/blockstm/bugs.js';
import { blockSpecArb, buildBlock } from '../properties/arbitraries.js';
import { sameResult } from '../properties/explain.js';
import { simulatedSubject } from '../properties/planted.js';
import { newObserver } from '../properties/runner.js';
import { interleavingCheck } from '../properties/simulated.js';
import { countRun } from '../properties/equivalence.js';

const SEED = 99;
const blocks = fc.sample(blockSpecArb({ maxTxs: 16, hashes: false }), { seed: SEED, numRuns: 120 }).map(buildBlock);

describe('sequential executor', () => {
  it('equals the reference on generated blocks', async () => {
    const executor = sequentialExecutor();
    for (const block of blocks) expect(sameResult(executeReference(block), await executor.execute(block))).toBe(true);
    await executor.close();
  });

  it('keeps a key table exact through growth', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(2 ** 32 - 1), fc.integer()), { maxLength: 300 }), (pairs) => {
      const t = newKeyTable(1);
      const model = new Map<number, number>();
      for (const [k, v] of pairs) {
        tableSet(t, k, v);
        model.set(k, v);
      }
      for (const [k, v] of model) if (tableGet(t, k) !== v) return false;
      return tableGet(t, 2 ** 32 - 1) === (model.get(2 ** 32 - 1) ?? 0) && JSON.stringify([...tableEntries(t)].sort()) === JSON.stringify([...model].sort());
    }), { seed: SEED, numRuns: 100 });
  });
});

describe('Block-STM on the simulated runtime', () => {
  it('equals the reference under random and PCT schedules, with consistent statistics', () => {
    blocks.forEach((block, i) => {
      const threads = 1 + (i % 4);
      const r = runBlockStmSimulated(block, { threads, schedule: i % 2 ? 'pct' : 'random', seed: i, pctDepth: 1 + (i % 3) });
      expect(r.outcome).toBe('done');
      expect(sameResult(executeReference(block), r.result)).toBe(true);
      const c = r.counters;
      expect(c.reExecutions).toBe(Math.max(0, c.executions - block.txs.length));
      expect(c.executions).toBeGreaterThanOrEqual(block.txs.length - r.result.receipts.filter((x) => x.status === 'skipped').length);
      expect(c.validations).toBeGreaterThanOrEqual(c.failedValidations);
      expect(c.dependencyResumes).toBeLessThanOrEqual(c.estimateWaits);
      expect(r.result.stats.fallback).toBe('');
      expect(r.steps).toBe(r.schedule.length);
      expect(r.ran).toHaveLength(r.steps);
      expect(r.branching.every((b, p) => b >= 1 && b <= threads && r.schedule[p]! < b)).toBe(true);
    });
  });

  it('replays a run exactly from its recorded schedule', () => {
    const block = blocks.find((b) => b.txs.length > 8)!;
    const first = runBlockStmSimulated(block, { threads: 3, schedule: 'random', seed: 7 });
    const again = runBlockStmSimulated(block, { threads: 3, schedule: first.schedule });
    expect(again.schedule).toEqual(first.schedule);
    expect(again.ran).toEqual(first.ran);
    expect(again.counters).toEqual(first.counters);
  });

  it('ends every way it can, always with the complete (sequential) result', () => {
    const block = blocks.reduce((a, b) => (b.txs.length > a.txs.length ? b : a));
    const cases = [
      [{ maxSteps: 10 }, 'exhausted'],
      [{ capacityScale: 0.001 }, 'capacity'],
    ] as const;
    for (const [options, outcome] of cases) {
      const r = runBlockStmSimulated(block, { threads: 2, schedule: 'random', seed: 1, ...options });
      expect(r.outcome).toBe(outcome);
      expect(r.reason).not.toBe('');
      expect(r.result.stats.fallback).toBe(r.reason);
      expect(sameResult(executeSequential(block), r.result)).toBe(true);
    }
  });
});

describe('planted bugs on small blocks', () => {
  // The catalogue test (verify-planted.test.ts) runs the full default budget; this one finds the
  // Block-STM bugs on blocks of up to 6 transactions within 600 schedules, fast enough
  // for every mutant of a bug flag's plumbing. no-estimate and no-incarnation-bump need longer
  // blocks to show; the model tests (properties-model.test.ts) catch those two directly.
  // guess-unloaded-value needs a block that loads declared keys only, which the interleaving check
  // never runs (it loads the whole pre-state): lying-footprints.test.ts catches it.
  const bugs = BUG_NAMES.filter((b) => b !== 'no-estimate' && b !== 'no-incarnation-bump' && b !== 'guess-unloaded-value');
  it.each(bugs)('catches %s within 600 schedules', async (bug) => {
    const subject = simulatedSubject(`planted:${bug}`, { kind: 'block-stm', bugs: [bug] });
    const o = newObserver(subject);
    const inputs = fc.sample(interleavingCheck.inputs({ min: 2, max: 6 }, subject), { seed: SEED, numRuns: 600 });
    let caught = -1;
    for (let i = 0; i < inputs.length && caught < 0; i++) if (!(await interleavingCheck.run(subject, o, inputs[i]!))) caught = i;
    expect(caught, `${bug} survived 600 schedules`).toBeGreaterThanOrEqual(0);
    expect(o.last?.explanation).toBeDefined();
  });
});

/** A worker that counts to `to` in one shared cell, one add per iteration, then finishes. */
function counter(to: number, pauses = false) {
  return (worker: number, cells: Cells): SimWorker => ({
    step: (state) => {
      if (pauses) {
        cells.pause();
        return 0;
      }
      cells.add(worker, 1);
      return state + 1 >= to ? FINISHED : state + 1;
    },
    begin: () => {},
    commit: () => {},
  });
}

describe('simulated runtime', () => {
  it('runs every worker to completion, one operation per scheduling point', () => {
    const i32 = new Int32Array(4);
    const r = simulate(i32, new Float64Array(1), 3, counter(5), 0, { schedule: 'random', seed: 3 });
    expect([...i32.slice(0, 3)]).toEqual([5, 5, 5]);
    expect(r.steps).toBe(15);
    expect(r.stuck || r.exhausted).toBe(false);
    expect(r.ran.filter((w) => w === 1)).toHaveLength(5);
  });

  it('follows a recorded or computed schedule and rejects an impossible choice', () => {
    const first = simulate(new Int32Array(4), new Float64Array(1), 2, counter(3), 0, { schedule: [1, 1, 1] });
    expect(first.ran).toEqual([1, 1, 1, 0, 0, 0]);
    const last = simulate(new Int32Array(4), new Float64Array(1), 2, counter(2), 0, { schedule: (runnable) => runnable.length - 1 });
    expect(last.ran).toEqual([1, 1, 0, 0]);
    expect(() => simulate(new Int32Array(4), new Float64Array(1), 2, counter(2), 0, { schedule: [5] })).toThrow(ScheduleError);
  });

  it('runs PCT by priority: at most depth - 1 preemptions, none at depth 1', () => {
    // Preemption: the running worker changes although the previous one has not finished.
    const preemptions = (ran: readonly number[], per: number) => {
      const done = new Map<number, number>();
      let n = 0;
      ran.forEach((w, i) => {
        if (i > 0 && ran[i - 1] !== w && (done.get(ran[i - 1]!) ?? 0) < per) n++;
        done.set(w, (done.get(w) ?? 0) + 1);
      });
      return n;
    };
    for (let seed = 1; seed <= 20; seed++) {
      for (const depth of [1, 2, 3]) {
        const r = simulate(new Int32Array(4), new Float64Array(1), 3, counter(6), 0, { schedule: 'pct', seed, pctDepth: depth, pctSteps: 18 });
        expect(r.steps).toBe(18);
        expect(preemptions(r.ran, 6)).toBeLessThanOrEqual(depth - 1);
      }
    }
    // Across seeds, PCT does preempt (depth 3) and does pick different first workers.
    const runs = Array.from({ length: 20 }, (_, seed) => simulate(new Int32Array(4), new Float64Array(1), 3, counter(6), 0, { schedule: 'pct', seed, pctDepth: 3, pctSteps: 18 }).ran);
    expect(runs.some((ran) => preemptions(ran, 6) > 0)).toBe(true);
    expect(new Set(runs.map((ran) => ran[0])).size).toBeGreaterThan(1);
  });

  it('parks workers that wait on nothing, and reports a run that can never finish', () => {
    const stuck = simulate(new Int32Array(4), new Float64Array(1), 2, counter(0, true), 0, { schedule: 'random', seed: 1 });
    expect(stuck.stuck).toBe(true);
    const exhausted = simulate(new Int32Array(4), new Float64Array(1), 2, counter(1000), 0, { schedule: 'pct', seed: 1, maxSteps: 50 });
    expect(exhausted.exhausted).toBe(true);
    expect(exhausted.steps).toBe(50);
  });
});

// A user's partitioned engine reported crossShare per block: summed over 200 runs it read
// "crossShare 132.57" in verify's coverage line, a figure that means nothing.
describe('the coverage summary of a user\'s module', () => {
  it('sums the whole-number stats it reports and leaves out one that was ever a fraction', () => {
    const subject = { name: './engine.mjs', coverage: [], execute: async () => { throw new Error('not called'); }, close: async () => {} };
    const o = newObserver(subject);
    const block = blocks[0]!;
    const expected = executeReference(block);
    const run = (stats: Record<string, number | string>) => countRun(subject, o, expected, { ...expected, stats: { ...expected.stats, ...stats } }, 2);
    run({ waves: 3, crossShare: 1 });
    run({ waves: 2, crossShare: 0.25 });
    run({ waves: 1, crossShare: 1 });
    expect(o.coverage).toMatchObject({ waves: 6 });
    expect(o.coverage).not.toHaveProperty('crossShare');
  });
});
