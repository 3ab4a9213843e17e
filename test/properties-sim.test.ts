// The simulated-runtime checks: simulateBlockStm is the executor's own simulated run (same
// scheduling points, same result as runBlockStmSimulated), the correct Block-STM passes random,
// PCT and exhaustive checks and exercises every parallel path, and the exhaustive explorer
// reaches the 5 transactions x 2 workers x 2 keys goal. Seeds are pinned.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runBlockStmSimulated } from '../impl/blockstm/simulate.js';
import { executeReference } from '../spec/reference.js';
import { blockSpecArb, buildBlock } from '../properties/arbitraries.js';
import { BLOCKSTM_COVERAGE, type CheckDef } from '../properties/equivalence.js';
import { explore, exhaustiveCheck } from '../properties/enumerate.js';
import { sameResult } from '../properties/explain.js';
import { simulatedSubject } from '../properties/planted.js';
import { newObserver } from '../properties/runner.js';
import {
  describeSchedule, interleavingCheck, modularStepBudget, pctHorizon, SIMULATED_MAX_MODULES, simulateBlockStm, stepBudget, type ScheduleSpec,
} from '../properties/simulated.js';
import { PARTITION_KINDS } from '../impl/modular/partition.js';

const correct = simulatedSubject('block-stm (simulated)', { kind: 'block-stm', bugs: [] });

async function runCheck(check: CheckDef, runs: number, seed: number) {
  const o = newObserver(correct);
  const details = await fc.check(fc.asyncProperty(check.inputs(check.txs, correct), (input) => check.run(correct, o, input)), { seed, numRuns: runs });
  return { details, o };
}

// Before cv4_ modular's interleavings ran library-contract blocks only, on the stale ground that only
// contracts declare footprints: random programs with constant keys declare one too, and one that
// computes a key declares none, which modular must order against every other transaction.
describe('simulated modular', () => {
  const modular = simulatedSubject('modular (simulated)', { kind: 'modular', bugs: [] });
  const kinds = (version: 3 | 4) => new Set(fc.sample(interleavingCheck.inputs(interleavingCheck.txs, modular, version), { seed: 5, numRuns: 100 })
    .flatMap(([spec]) => spec.txs.map((tx) => tx.kind)));

  it('draws blocks of random programs and contracts since cv4_, of contracts alone before', () => {
    expect(kinds(3)).toEqual(new Set(['call']));
    expect(kinds(4)).toEqual(new Set(['call', 'code']));
  });

  // Every schedule partitioned by hash: range and affinity went through no default verify.
  it('draws each partition since cv5_, keeping the schedules of before, and hash alone before', () => {
    const schedules = (version: 4 | 5, subject = modular) => fc.sample(interleavingCheck.inputs(interleavingCheck.txs, subject, version), { seed: 5, numRuns: 60 })
      .map((input) => input[1] as ScheduleSpec);
    const now = schedules(5);
    expect(new Set(now.map((s) => s.partition))).toEqual(new Set(PARTITION_KINDS));
    expect(schedules(4).every((s) => s.partition === undefined)).toBe(true);
    // Drawn last, the partition leaves the rest of each schedule as a cv4_ token drew it.
    expect(now.map(({ partition: _, ...rest }) => rest)).toEqual(schedules(4));
    expect(describeSchedule({ ...now[0]!, kind: 'random', threads: 3, modules: 2, seed: 7, partition: 'range' }, true)).toBe('random schedule, 3 workers, 2 modules, range partition, seed 7');
    expect(describeSchedule({ ...now[0]!, kind: 'random', threads: 3, modules: 2, seed: 7, partition: undefined }, true)).toBe('random schedule, 3 workers, 2 modules, hash partition, seed 7');
    // Block-STM's schedules have no partition, and draw as they did.
    const blockStm = simulatedSubject('block-stm (simulated)', { kind: 'block-stm', bugs: [] });
    expect(schedules(5, blockStm)).toEqual(schedules(4, blockStm));
    // An executor made with --modules and --partition keeps them in every schedule: a module count
    // past SIMULATED_MAX_MODULES runs that many, a simulated run's length growing with the lanes.
    const made = (settings: { modules?: number; partition?: string }) => simulatedSubject('modular (simulated)', { kind: 'modular', bugs: [], ...settings });
    expect(new Set(schedules(5, made({ modules: 7, partition: 'affinity' })).map((s) => `${s.modules} ${s.partition}`))).toEqual(new Set(['7 affinity']));
    expect(new Set(schedules(5, made({ modules: 4096 })).map((s) => s.modules))).toEqual(new Set([SIMULATED_MAX_MODULES]));
    expect(new Set(schedules(5, made({ partition: 'range' })).map((s) => s.modules))).toEqual(new Set([2, 3, 4]));
  });

  // Before cv7_ every simulated window was planned before its lanes started: a lane reaching the end of what is
  // planned, and waiting there, was left to the real threads' timing.
  it('plans while the lanes run in two of three schedules since cv7_, keeping the rest of each schedule as before', () => {
    const schedules = (version: 6 | 7, subject = modular) => fc.sample(interleavingCheck.inputs(interleavingCheck.txs, subject, version), { seed: 5, numRuns: 60 })
      .map((input) => input[1] as ScheduleSpec);
    const now = schedules(7);
    const planning = now.filter((s) => (s.planChunk ?? 0) > 0).length;
    expect(planning).toBeGreaterThan(now.length / 2);
    expect(planning).toBeLessThan(now.length);
    expect(schedules(6).every((s) => s.planChunk === undefined)).toBe(true);
    expect(now.map(({ planChunk: _, ...rest }) => rest)).toEqual(schedules(6));
    const blockStm = simulatedSubject('block-stm (simulated)', { kind: 'block-stm', bugs: [] });
    expect(schedules(7, blockStm)).toEqual(schedules(6, blockStm));
    const s: ScheduleSpec = { kind: 'random', threads: 3, modules: 2, seed: 7, depth: 1, partition: 'range', planChunk: 2 };
    expect(describeSchedule(s, true)).toBe('random schedule, 3 workers, 2 modules, range partition, planned in chunks of 2 transactions while the lanes run, seed 7');
  });

  it('gives a run over many modules the steps its lane scans take', () => {
    expect(modularStepBudget(10, 2, 4)).toBe(stepBudget(10, 2));
    expect(modularStepBudget(10, 2, 64)).toBe(8 * stepBudget(10, 2));
  });

  it('passes the interleaving check over every partition, at 1 module and at the most a simulated run has', async () => {
    for (const settings of [{ modules: 1 }, { modules: SIMULATED_MAX_MODULES }, {}]) {
      const subject = simulatedSubject('modular (simulated)', { kind: 'modular', bugs: [], ...settings });
      const o = newObserver(subject);
      const details = await fc.check(fc.asyncProperty(interleavingCheck.inputs(interleavingCheck.txs, subject), (input) => interleavingCheck.run(subject, o, input)), { seed: 3, numRuns: 15 });
      expect([settings, details.failed]).toEqual([settings, false]);
    }
  });

  it('passes the interleaving check on the blocks it draws now', async () => {
    const o = newObserver(modular);
    const details = await fc.check(fc.asyncProperty(interleavingCheck.inputs(interleavingCheck.txs, modular), (input) => interleavingCheck.run(modular, o, input)), { seed: 11, numRuns: 60 });
    expect(details.failed).toBe(false);
    expect(o.schedules).toBe(60);
  });
});

describe('simulated Block-STM', () => {
  it('is the executor\'s own simulated run: same schedule, same result', () => {
    const blocks = fc.sample(blockSpecArb({ maxTxs: 15, hashes: false }), { seed: 5, numRuns: 30 }).map(buildBlock);
    blocks.forEach((block, i) => {
      const threads = 2 + (i % 7);
      const kind = i % 2 ? 'pct' as const : 'random' as const;
      const theirs = runBlockStmSimulated(block, { threads, schedule: kind, seed: i, pctDepth: 3, maxSteps: stepBudget(block.txs.length, threads), pctSteps: pctHorizon(block.txs.length, threads) });
      const mine = simulateBlockStm(block, { threads, schedule: kind, seed: i, pctDepth: 3 });
      expect(mine.schedule).toEqual(theirs.schedule);
      expect(mine.outcome).toBe(theirs.outcome);
      expect(sameResult(theirs.result, mine.result!)).toBe(true);
      expect(sameResult(executeReference(block), mine.result!)).toBe(true);
      // Replaying the recorded choices is the same run again.
      expect(simulateBlockStm(block, { threads, schedule: mine.schedule }).schedule).toEqual(mine.schedule);
    });
  });

  it('passes random and PCT schedules and exercises every parallel path', async () => {
    const { details, o } = await runCheck(interleavingCheck, 150, 11);
    expect(details.failed, String(details.counterexample)).toBe(false);
    for (const goal of BLOCKSTM_COVERAGE) expect(o.coverage[goal.event], goal.event).toBeGreaterThan(0);
    expect(o.coverage['skip-rest']).toBeGreaterThan(0);
    expect(o.schedules).toBe(150);
  });

  // Tokens of before (cv1_, cv2_) replay the inputs of their version: their schedules had 2 to 4 workers, and no pre-state kind.
  it('draws schedules of 2 to 8 workers and both pre-state kinds, and its inputs of before 2 to 4 workers and no kind', () => {
    const drawn = fc.sample(interleavingCheck.inputs(interleavingCheck.txs, correct), { seed: 5, numRuns: 300 });
    expect(new Set(drawn.map((i) => (i[1] as { threads: number }).threads))).toEqual(new Set([2, 3, 4, 5, 6, 7, 8]));
    expect(new Set(drawn.map((i) => i[2]))).toEqual(new Set(['map', 'shared']));
    const before = fc.sample(interleavingCheck.inputs(interleavingCheck.txs, correct, 2), { seed: 5, numRuns: 300 });
    expect(new Set(before.map((i) => (i[1] as { threads: number }).threads))).toEqual(new Set([2, 3, 4]));
    expect(new Set(before.map((i) => i.length))).toEqual(new Set([2]));
  });

  it('passes every interleaving of tiny blocks', async () => {
    const { details, o } = await runCheck(exhaustiveCheck, 8, 3);
    expect(details.failed).toBe(false);
    expect(o.states).toBeGreaterThan(0);
    expect(o.interleavings).toBeGreaterThan(o.states);
    // An exploration stopped at its state limit passes what it explored, not every interleaving.
    expect(o.statesCut).toBe(0);
  });

  it('enumerates all interleavings of 5 transactions x 2 workers over 2 keys', () => {
    // Five transactions that all read, then write, the same two keys: maximal contention.
    const spec = {
      keys: 2, pre: [{ entity: 0, field: 0, value: 1 }], gasLimit: null,
      txs: Array.from({ length: 5 }, (_, i) => ({
        kind: 'code' as const, gas: 100_000,
        body: [{ s: 'read' as const, dst: 0, key: i }, { s: 'addi' as const, dst: 0, imm: 1 }, { s: 'write' as const, key: i + 1, src: 0 }],
      })),
    };
    const r = explore(buildBlock(spec), { threads: 2 });
    expect(r.complete).toBe(true);
    expect(r.failure).toBeUndefined();
    expect(r.interleavings).toBeGreaterThan(1e6);
    expect(r.coverage['failed validation']).toBeGreaterThan(0);
  });

  it('stops at maxStates and says the exploration is incomplete', () => {
    const block = buildBlock({ keys: 1, pre: [{ entity: 0, field: 0, value: 1 }], gasLimit: null, txs: [0, 1, 2].map(() => ({ kind: 'code' as const, gas: 100_000, body: [{ s: 'read' as const, dst: 0, key: 0 }, { s: 'write' as const, key: 0, src: 0 }] })) });
    const r = explore(block, { threads: 2, maxStates: 10 });
    expect(r.complete).toBe(false);
    expect(r.states).toBeLessThanOrEqual(10);
  });
});
