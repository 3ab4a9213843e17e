// The modular executor's scaling model: it replays the lane protocol on the real plan, so it never
// beats the block's ideal or the lanes' own limits, the main thread's serial steps bound it as they
// bound the executor, the calibration reproduces the measured 1-thread run (and the 2-thread one,
// or says it is slower than it even at no handover cost: pessimistic), and the blocks the
// executor would not run in lanes are reported instead of predicted.
import { describe, expect, it } from 'vitest';
import { idealSpeedup } from '../bench/ideal.js';
import { fitOpMs, modularVirtualRun, modulesFor, planModular, predictModular, slowedMain, type MainThreadCosts } from '../bench/simulate-modular.js';
import { COLLECT_CHUNK } from '../impl/modular/collect.js';
import { fitTransfer, gapLines, machineSlowdown, medianTime, preflightCost, slowed, type ModelInput } from '../bench/prediction.js';
import { generated } from '../bench/suite.js';
import { pessimistic, SLOWER_AT_TWO } from '../reports/fit.js';

const noMain: MainThreadCosts = { preMs: [0], planMsPerTx: 0, collectMs: [0], closeMs: [0] };

describe('modular virtual run', () => {
  it('runs every transaction once and scales independent transactions up to the lanes it has', () => {
    const block = generated('p2p', { accounts: 100_000, txs: 64, seed: 1, hashCost: 0 }, 'g').block;
    const plan = planModular(block, 8, 'hash');
    const txMs = new Float64Array(64).fill(1);
    expect(plan.windows).toHaveLength(1);
    expect(plan.windows[0]!.lanes.reduce((s, l) => s + l.length, 0)).toBe(64);
    expect(modularVirtualRun(plan, noMain, 1, txMs, 0).makespanMs).toBe(64);
    const heaviest = Math.max(...plan.windows[0]!.lanes.map((l) => l.length));
    const four = 64 / modularVirtualRun(plan, noMain, 4, txMs, 0).makespanMs;
    expect(four).toBeGreaterThan(2);
    expect(four).toBeLessThanOrEqual(4);
    // Past 8 threads, 8 lanes cannot keep more workers busy, and no lane runs faster than its own transactions.
    const sixteen = 64 / modularVirtualRun(plan, noMain, 16, txMs, 0).makespanMs;
    expect(sixteen).toBeLessThanOrEqual(Math.min(8, 64 / heaviest) + 1e-9);
  });

  it('a dependency chain is never predicted faster than its ideal', () => {
    const w = generated('p2p', { accounts: 3, txs: 40, seed: 1, hashCost: 0 }, 'g');
    const plan = planModular(w.block, 8, 'hash');
    const txMs = new Float64Array(40).fill(1);
    const ideal = idealSpeedup(w.block, [4]).points[0]!.speedup;
    expect(40 / modularVirtualRun(plan, noMain, 4, txMs, 0).makespanMs).toBeLessThanOrEqual(ideal + 1e-9);
  });

  it('the main thread bounds it: planning and taking the results are serial, reading back is shared out', () => {
    const block = generated('p2p', { accounts: 100_000, txs: 64, seed: 1, hashCost: 0 }, 'g').block;
    const plan = planModular(block, 64, 'hash');
    const txMs = new Float64Array(64).fill(1);
    const main: MainThreadCosts = { preMs: [2], planMsPerTx: 0.5, collectMs: [4], closeMs: [5] };
    // 2 before the window, 32 planning, 5 taking the results: the main thread's 39 at any thread count.
    expect(modularVirtualRun(plan, main, 64, txMs, 0).makespanMs).toBeGreaterThanOrEqual(39);
    // At 1 thread the worker runs the lanes once the main thread has planned them, then reads all back: 2 + the plan (32) + 64 + 4 + 5.
    expect(modularVirtualRun(plan, main, 1, txMs, 0).makespanMs).toBe(2 + 32 + 64 + 4 + 5);
    // Planned in several chunks, the window still starts at 1 thread only once all of them are: 2 + 256 + 512 + 4 + 5.
    const chunked = generated('p2p', { accounts: 100_000, txs: 512, seed: 1, hashCost: 0 }, 'g').block;
    expect(modularVirtualRun(planModular(chunked, 64, 'hash'), main, 1, new Float64Array(512).fill(1), 0).makespanMs).toBe(2 + 256 + 512 + 4 + 5);
    // A block of several chunks is read back by several threads at once; at 1 thread by the worker alone.
    const big = generated('p2p', { accounts: 100_000, txs: 8 * COLLECT_CHUNK, seed: 1, hashCost: 0 }, 'g').block;
    const bigPlan = planModular(big, 8, 'hash');
    const reading: MainThreadCosts = { ...noMain, collectMs: [40] };
    const small = new Float64Array(8 * COLLECT_CHUNK).fill(0.001);
    const readBack = (threads: number) => modularVirtualRun(bigPlan, reading, threads, small, 0).makespanMs - modularVirtualRun(bigPlan, noMain, threads, small, 0).makespanMs;
    expect(readBack(1)).toBeCloseTo(40, 9);
    expect(readBack(4)).toBeCloseTo(10, 9);
    expect(readBack(16)).toBeCloseTo(5, 9);
  });

  it('finishes when every lane is held and idle workers wait for the next publication (free claims)', () => {
    const block = generated('p2p', { accounts: 100_000, txs: 400, seed: 1, hashCost: 0 }, 'g').block;
    const plan = planModular(block, 2, 'hash');
    // Long transactions, quick planning: at every publication both lanes are held, and the two idle workers must still move on.
    const run = modularVirtualRun(plan, { ...noMain, planMsPerTx: 1e-4 }, 4, new Float64Array(400).fill(1), 0);
    const heaviest = Math.max(...plan.windows[0]!.lanes.map((l) => l.length));
    expect(run.makespanMs).toBeGreaterThanOrEqual(heaviest);
    expect(run.makespanMs).toBeLessThanOrEqual(400);
  });

  it('fits the operation cost exactly even where the one worker waits for the planning main thread', () => {
    const block = generated('p2p', { accounts: 100_000, txs: 2000, seed: 1, hashCost: 0 }, 'g').block;
    const plan = planModular(block, 8, 'hash');
    const main: MainThreadCosts = { ...noMain, planMsPerTx: 0.004 };
    const txMs = new Float64Array(2000).fill(0.002);
    const makespan = (op: number) => modularVirtualRun(plan, main, 1, txMs, op).makespanMs;
    for (const target of [makespan(0) * 1.1, makespan(0) * 2]) expect(makespan(fitOpMs(makespan, target))).toBeCloseTo(target, 6);
    expect(fitOpMs(makespan, makespan(0) / 2)).toBe(0);
  });

  it('charges a slot or lane taken over from another worker, never with one worker', () => {
    const block = generated('p2p', { accounts: 1000, txs: 200, seed: 1, hashCost: 0 }, 'g').block;
    const plan = planModular(block, 8, 'hash');
    const txMs = new Float64Array(200).fill(0.01);
    expect(modularVirtualRun(plan, noMain, 1, txMs, 1e-5, 1).transfers).toBe(0);
    expect(modularVirtualRun(plan, noMain, 1, txMs, 1e-5, 1).makespanMs).toBe(modularVirtualRun(plan, noMain, 1, txMs, 1e-5).makespanMs);
    const [none, dear] = [0, 1e-3].map((t) => modularVirtualRun(plan, noMain, 2, txMs, 1e-5, t));
    expect(none!.transfers).toBeGreaterThan(0);
    expect(dear!.transfers).toBeGreaterThan(0);
    expect(dear!.makespanMs).toBeGreaterThan(none!.makespanMs);
  });

  it('charges each claim its lanes: more modules, more time per claim', () => {
    const block = generated('p2p', { accounts: 100_000, txs: 200, seed: 1, hashCost: 0 }, 'g').block;
    const txMs = new Float64Array(200).fill(0.001);
    const few = modularVirtualRun(planModular(block, 8, 'hash'), noMain, 2, txMs, 1e-3);
    const many = modularVirtualRun(planModular(block, 512, 'hash'), noMain, 2, txMs, 1e-3);
    expect(many.ops).toBeGreaterThan(10 * few.ops);
    expect(many.makespanMs).toBeGreaterThan(few.makespanMs);
  });
});

describe('predictModular', () => {
  const input = (accounts: number, threads: number[], seqMs: number, oneMs: number): ModelInput => {
    const w = generated('p2p', { accounts, txs: 300, seed: 1, hashCost: 3 }, 'g');
    const twin = generated('p2p', { accounts, txs: 300, seed: 1, hashCost: 0 }, 'g').block;
    return { id: w.id, block: w.block, simBlock: twin, seqMs, oneMs, preflightMs: preflightCost(w.block, medianTime), txMs: new Float64Array(300).fill(seqMs / 300), threads, vm: 'VM' };
  };

  it('fits the operation cost to the measured 1-thread run and predicts beyond it', () => {
    const { points, gaps } = predictModular(input(10_000, [1, 2, 8], 30, 45), {});
    expect(gaps).toEqual([]);
    expect(points.map((p) => p.threads)).toEqual([1, 2, 8]);
    expect(points[0]!.speedup).toBeCloseTo(30 / 45, 6);
    expect(points[1]!.speedup).toBeGreaterThan(points[0]!.speedup);
    expect(points[2]!.speedup).toBeLessThanOrEqual(8);
    expect(points[0]!.model).toMatch(/ns per shared-memory operation \(fitted to modular's measured 1-thread 45\.00 ms\); no cost per slot or lane a worker takes over from another \(not fitted: no parallel 2-thread measurement, so the model is optimistic at more threads\); modules: two per core, at least 8/);
  });

  it('fits the cost of a slot or lane taken over from another worker to the measured 2-thread run', () => {
    // With the main thread's costs fixed, so the fit is exact: 3 us a transaction, a tenth slower at 2 threads.
    const block = generated('p2p', { accounts: 10_000, txs: 2000, seed: 1, hashCost: 0 }, 'g').block;
    const plan = planModular(block, 8, 'hash');
    const txMs = new Float64Array(2000).fill(0.003);
    const at = (transferMs: number) => modularVirtualRun(plan, noMain, 2, txMs, 1e-5, transferMs);
    const twoMs = at(0).makespanMs * 1.1;
    const fit = fitTransfer((t) => ({ ms: at(t).makespanMs, transfers: at(t).transfers }), twoMs, 2000, 'slot or lane');
    expect(fit.ms).toBeGreaterThan(0);
    expect(at(fit.ms).makespanMs / twoMs).toBeCloseTo(1, 1);
    expect(Math.abs(at(fit.ms).makespanMs / twoMs - 1)).toBeLessThan(0.01);
    // predictModular hands the measured 2-thread median to that fit, which says what it made of it.
    const { points } = predictModular({ ...input(10_000, [1, 2], 30, 45), twoMs: 40 }, {});
    expect(points[1]!.model).toMatch(/; \d+ ns per slot or lane a worker takes over from another(, the most a fit gives)? \((fitted to )?the measured 2-thread 40\.00 ms/);
    expect(points[1]!.handoverFitted).toBe(true);
    expect(pessimistic(points[1]!.model)).toBe(false);
  });

  it("charges the machine's measured slowdown to every thread beside the lanes, the main thread's planning and read-back included", () => {
    const slowdown = machineSlowdown([{ threads: 2, ratio: 1.6 }])!;
    const plain = predictModular(input(10_000, [1, 2, 8], 30, 45), {}).points;
    const charged = predictModular({ ...input(10_000, [1, 2, 8], 30, 45), slowdown }, {}).points;
    expect(charged[0]!.speedup).toBeCloseTo(plain[0]!.speedup, 6);
    expect(charged[2]!.model).toMatch(/; every thread's work slowed as the machine's ceiling measured: 1\.25x at 2 \(ceiling 1\.60x\), held at 1\.25x above 2 threads \(the main thread's planning and reading back too, which run beside the lanes\)$/);
    expect(plain[2]!.model).not.toMatch(/ceiling/);
    // With the main thread's costs fixed (each prediction times its own), a run with everything a thread does slowed 1.25x takes 1.25x as long.
    const block = generated('p2p', { accounts: 10_000, txs: 2000, seed: 1, hashCost: 0 }, 'g').block;
    const plan = planModular(block, 8, 'hash');
    const txMs = new Float64Array(2000).fill(0.003);
    const main: MainThreadCosts = { ...noMain, planMsPerTx: 2e-4, collectMs: noMain.collectMs.map(() => 0.1) };
    for (const t of [2, 8]) {
      const base = modularVirtualRun(plan, main, t, txMs, 1e-5).makespanMs;
      const stretched = modularVirtualRun(plan, slowedMain(main, 1.25), t, slowed(txMs, 1.25), 1.25e-5).makespanMs;
      expect(stretched / base).toBeCloseTo(1.25, 6);
    }
  });

  it('says a model slower than the measured 2-thread run even at no handover cost is pessimistic, not fitted to it', () => {
    const { points } = predictModular({ ...input(10_000, [1, 2, 8], 30, 45), twoMs: 12.5 }, {});
    expect(points[1]!.model).toMatch(new RegExp(`; no cost per slot or lane a worker takes over from another \\(${SLOWER_AT_TWO}, so it may be pessimistic: the model takes [\\d.]+ ms at 2 threads against the measured 12\\.50 ms\\)`));
    expect(30 / points[1]!.speedup).toBeGreaterThan(12.5);
    // Not optimistic: the report reads "not fitted" as a model that charges too little.
    expect(points[1]!.model).not.toContain('not fitted');
    expect(pessimistic(points[1]!.model)).toBe(true);
  });

  it('says when the operation cost could not be fitted, and names each point\'s lanes', () => {
    const { points } = predictModular(input(10_000, [1, 64], 30, 1), { modules: 16 });
    expect(points[0]!.model).toMatch(/0 ns per shared-memory operation \(not fitted: even at no cost the model takes [\d.]+ ms at 1 thread, above the measured 1\.00 ms/);
    expect(points.map((p) => p.modules)).toEqual([16, 16]);
    expect(predictModular(input(10_000, [1, 8], 30, 45), {}).points.map((p) => p.modules)).toEqual([modulesFor(1, {}), modulesFor(8, {})]);
  });

  it('leaves out thread counts above the block\'s transactions', () => {
    const w = generated('p2p', { accounts: 1000, txs: 8, seed: 1, hashCost: 3 }, 'g');
    const { points, threadGaps } = predictModular({ id: w.id, block: w.block, simBlock: w.block, seqMs: 1, oneMs: 1.5, txMs: new Float64Array(8).fill(1 / 8), threads: [1, 8, 16, 64], vm: 'VM' }, {});
    expect(points.map((p) => p.threads)).toEqual([1, 8]);
    expect(gapLines(threadGaps)).toEqual([expect.stringMatching(/at 16, 64 threads: more threads than the block's 8 transactions, so modular is not predicted there/)]);
  });

  it('says which thread counts the executor would not run in lanes (its preflight)', () => {
    const { points, threadGaps } = predictModular(input(2, [1, 4], 30, 45), { modules: 16 });
    expect(points.map((p) => p.threads)).toEqual([1]);
    expect(points[0]!.model).toMatch(/modules: 16$/);
    expect(gapLines(threadGaps)).toEqual([expect.stringMatching(/at 4 threads: modular runs it on the sequential executor \(preflight: /)]);
  });
});
