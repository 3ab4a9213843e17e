// Block-STM on the deterministic simulated runtime: agreement with the reference under many
// random and PCT schedules, exact replay of a recorded schedule, enumerating schedules from the
// recorded branching, a worker's first iteration run on the memory (not on what the worker read
// while it was built), the watchdog and capacity outcomes, a pre-state loaded only where the
// footprints declare or read from a SharedState's table, and a smoke check that every planted bug changes something (the property
// suite proper lives in properties/).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Block, Program } from '../spec/block.js';
import { DEFAULT_BLOCK_GAS_LIMIT } from '../spec/block.js';
import { assemble, type ReadableOp } from '../spec/bytecode.js';
import { executeReference } from '../spec/reference.js';
import { SharedState } from '../spec/shared-state.js';
import { generate } from '../bench/workloads.js';
import { BUG_NAMES, BUGS } from '../impl/blockstm/bugs.js';
import { declaredEntries, estimateCapacity, H, layoutFor, loadsDeclaredOnly, writeBlock } from '../impl/blockstm/layout.js';
import { runBlockStmSimulated } from '../impl/blockstm/simulate.js';
import { FINISHED, simulate } from '../impl/runtime/sim.js';
import { blockArb } from '../properties/arbitraries.js';
import { expectSameResult, FILLER_ENTITY, withLargePreState, withReadPastFootprint } from './helpers.js';

const WORKLOADS = ['p2p', 'token', 'amm', 'nft', 'defi'] as const;

function smallBlocks(txs: number, seed: number): Block[] {
  return WORKLOADS.flatMap((w) => [2, 6].map((accounts) => generate(w, { accounts, txs, seed, hashCost: 0 })));
}

describe('block-stm on the simulated runtime', () => {
  it('agrees with the reference under random and PCT schedules at 1 to 4 virtual workers', () => {
    let reExecutions = 0;
    let waits = 0;
    let resumes = 0;
    for (const block of smallBlocks(12, 21)) {
      const expected = executeReference(block);
      for (let seed = 0; seed < 12; seed++) {
        const run = runBlockStmSimulated(block, { threads: 1 + (seed % 4), schedule: seed % 2 ? 'random' : 'pct', seed, pctDepth: 1 + (seed % 3) });
        expect(run.outcome, run.reason).toBe('done');
        expectSameResult(run.result, expected);
        reExecutions += run.counters.reExecutions;
        waits += run.counters.estimateWaits;
        resumes += run.counters.dependencyResumes;
      }
    }
    expect(reExecutions).toBeGreaterThan(0);
    expect(waits).toBeGreaterThan(0);
    expect(resumes).toBe(waits);
  });

  it('reads a SharedState pre-state from its table under random and PCT schedules, past a footprint too', () => {
    const past = withReadPastFootprint(generate('p2p', { accounts: 6, txs: 12, seed: 3, hashCost: 0 }), 200, 5);
    for (const plain of [...smallBlocks(12, 25).map((b) => withLargePreState(b, 200)), past]) {
      const block = { ...plain, preState: new SharedState(plain.preState) };
      expect(loadsDeclaredOnly(block)).toBe(false);
      // Nothing of it is loaded: no storage, no slot taken before the workers start.
      const L = layoutFor(block, estimateCapacity(block, 1, 2));
      const i32 = new Int32Array(L.i32Size);
      writeBlock(block, L, i32, new Float64Array(L.f64Size));
      expect([L.sharedPre, L.f64Size - L.storage, i32[H.KEY_COUNT]]).toEqual([block.preState.buffer, 0, 0]);
      const expected = executeReference(plain);
      for (let seed = 0; seed < 6; seed++) {
        const run = runBlockStmSimulated(block, { threads: 1 + (seed % 4), schedule: seed % 2 ? 'random' : 'pct', seed });
        expect(run.outcome, run.reason).toBe('done');
        expectSameResult(run.result, expected);
      }
    }
  });

  it('loads only the declared keys of a large pre-state under random and PCT schedules, and gives up when a read needs another', () => {
    for (const block of smallBlocks(12, 23).map((b) => withLargePreState(b, 200))) {
      expect(loadsDeclaredOnly(block)).toBe(true);
      const expected = executeReference(block);
      for (let seed = 0; seed < 6; seed++) {
        const run = runBlockStmSimulated(block, { threads: 1 + (seed % 4), schedule: seed % 2 ? 'random' : 'pct', seed, declaredOnly: true });
        expect(run.outcome, run.reason).toBe('done');
        expectSameResult(run.result, expected);
      }
    }
    const past = withReadPastFootprint(generate('p2p', { accounts: 6, txs: 12, seed: 3, hashCost: 0 }), 200, 5);
    const expected = executeReference(past);
    expect(expected.receipts[5]!.outputs).toEqual([1_007]);
    for (let seed = 0; seed < 6; seed++) {
      const run = runBlockStmSimulated(past, { threads: 1 + (seed % 4), schedule: 'random', seed, declaredOnly: true });
      expect(run.outcome).toBe('undeclared');
      expect(run.result.stats.fallback).toMatch(/no footprint declares/);
      expectSameResult(run.result, expected);
      expect(runBlockStmSimulated(past, { threads: 1 + (seed % 4), schedule: 'random', seed }).outcome).toBe('done');
    }
    // The higher transaction writes the undeclared key, so under some schedules its slot exists
    // (with no pre-state value loaded) before the lower one, slowed by declared reads, reads it.
    const fields = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const reader: Program = {
      name: 'reader', arity: 2,
      code: assemble([...fields.flatMap((f): ReadableOp[] => [['const', 'r2', f], ['read', 'r3', 'r2']]), ['muli', 'r2', 'r1', 16], ['read', 'r3', 'r2'], ['emit', 'r3'], ['stop']]),
      footprint: fields.map((f) => ({ key: { add: f }, access: 'read' })),
    };
    const writer: Program = {
      name: 'writer', arity: 2, code: assemble([['muli', 'r2', 'r1', 16], ['const', 'r3', 9], ['write', 'r2', 'r3'], ['stop']]),
      footprint: [{ key: { arg: 0, mul: 16, add: 0 }, access: 'write' }],
    };
    const race = withLargePreState({ programs: [reader, writer], txs: [0, 1].map((program) => ({ program, args: [program, FILLER_ENTITY + 3], gasLimit: 100_000 })), preState: new Map(), gasLimit: DEFAULT_BLOCK_GAS_LIMIT }, 20);
    const raceExpected = executeReference(race);
    expect(raceExpected.receipts[0]!.outputs).toEqual([1_003]);
    for (let seed = 0; seed < 30; seed++) {
      const run = runBlockStmSimulated(race, { threads: 2, schedule: 'random', seed, declaredOnly: true });
      expect(run.outcome).toBe('undeclared');
      expectSameResult(run.result, raceExpected);
    }
  });

  it('agrees with the reference on random contract blocks over a large pre-state, with and without a read past a footprint', () => {
    fc.assert(
      fc.property(
        blockArb({ minTxs: 1, maxTxs: 16, mix: 'contracts', hashes: false }), fc.integer({ min: 1, max: 4 }),
        fc.constantFrom('random' as const, 'pct' as const), fc.nat(1000), fc.boolean(),
        (block, threads, schedule, seed, past) => {
          const filler = 2 * declaredEntries(block) + 8;
          const large = past ? withReadPastFootprint(block, filler, seed % (block.txs.length + 1)) : withLargePreState(block, filler);
          expect(loadsDeclaredOnly(large)).toBe(true);
          const run = runBlockStmSimulated(large, { threads, schedule, seed, declaredOnly: true });
          expect(run.outcome, run.reason).toBe(past ? 'undeclared' : 'done');
          expectSameResult(run.result, executeReference(large));
        },
      ),
      { numRuns: 120, seed: 17 },
    );
  });

  it('replays a recorded schedule into the identical run', () => {
    const block = generate('defi', { accounts: 3, txs: 10, seed: 4, hashCost: 0 });
    for (const schedule of ['random', 'pct'] as const) {
      const first = runBlockStmSimulated(block, { threads: 3, schedule, seed: 99 });
      const again = runBlockStmSimulated(block, { threads: 3, schedule: first.schedule });
      expect(again.schedule).toEqual(first.schedule);
      expect(again.ran).toEqual(first.ran);
      expect(again.branching).toEqual(first.branching);
      expect(again.counters).toEqual(first.counters);
      expect(again.result.reads).toEqual(first.result.reads);
      expect(again.result.stateRoot).toBe(first.result.stateRoot);
    }
  });

  it("starts each worker's first iteration on the memory, not on what the worker read while it was built", () => {
    const i32 = new Int32Array([42, 7]);
    const seen: number[] = [];
    simulate(i32, new Float64Array(1), 2, (_, cells) => {
      cells.read(0);
      return { step: () => { seen.push(cells.load(1)); return FINISHED; }, begin: () => {}, commit: () => {} };
    }, 0, { schedule: 'random', seed: 1 });
    expect(seen).toEqual([7, 7]);
  });

  it('extends a schedule prefix with index 0 and exposes every alternative, so schedules can be enumerated', () => {
    const block = generate('p2p', { accounts: 2, txs: 2, seed: 1, hashCost: 0 });
    const expected = executeReference(block);
    // Depth-first over the first scheduling points: each run's branching names the siblings to try.
    const pending: number[][] = [[]];
    let runs = 0;
    while (pending.length > 0 && runs < 150) {
      const prefix = pending.pop()!;
      const run = runBlockStmSimulated(block, { threads: 2, schedule: prefix });
      runs++;
      expect(run.schedule.slice(0, prefix.length)).toEqual(prefix);
      expect(run.schedule.slice(prefix.length).every((c) => c === 0)).toBe(true);
      expect(run.branching).toHaveLength(run.steps);
      expectSameResult(run.result, expected);
      for (let point = run.steps - 1; point >= prefix.length; point--) {
        for (let alt = 1; alt < run.branching[point]!; alt++) pending.push([...run.schedule.slice(0, point), alt]);
      }
    }
    expect(runs).toBe(150);
    expect(() => runBlockStmSimulated(block, { threads: 2, schedule: [5] })).toThrow(/chose 5 at point 0, but only 2 workers are runnable/);
  });

  it('reports the watchdog and finishes the block sequentially when an incarnation passes the bound', () => {
    const block = generate('p2p', { accounts: 2, txs: 12, seed: 2, hashCost: 0 });
    const expected = executeReference(block);
    let bound = 0;
    for (let seed = 0; seed < 20; seed++) {
      const run = runBlockStmSimulated(block, { threads: 3, schedule: 'random', seed, maxIncarnations: 1 });
      expectSameResult(run.result, expected);
      if (run.outcome === 'done') continue;
      expect(run.outcome).toBe('incarnation-bound');
      expect(run.result.stats.fallback).toMatch(/^watchdog: transaction \d+ passed 1 incarnations$/);
      bound++;
    }
    expect(bound).toBeGreaterThan(0);
  });

  it('reports the contention check giving up on a contended block, and still returns the complete result', () => {
    const block = generate('p2p', { accounts: 2, txs: 64, seed: 3, hashCost: 0 });
    const expected = executeReference(block);
    const outcomes = new Set<string>();
    for (let seed = 0; seed < 6; seed++) {
      const run = runBlockStmSimulated(block, { threads: 2, schedule: 'random', seed, contentionWindow: 4 });
      expectSameResult(run.result, expected);
      outcomes.add(run.outcome);
      if (run.outcome === 'contention') expect(run.result.stats.fallback).toMatch(/^contention: transactions \d+ to \d+ needed \d+ executions$/);
    }
    expect(outcomes.has('contention')).toBe(true);
  });

  it('reports buffers that are too small and still returns the complete result', () => {
    const block = generate('token', { accounts: 4, txs: 30, seed: 2, hashCost: 0 });
    const run = runBlockStmSimulated(block, { threads: 2, schedule: 'random', seed: 1, capacityScale: 0.01 });
    expect(run.outcome).toBe('capacity');
    expectSameResult(run.result, executeReference(block));
    expect(run.result.stats.fallback).toBe('shared buffers too small for the block');
  });

  it('reports a run that makes no progress within its step budget', () => {
    const block = generate('amm', { accounts: 3, txs: 10, seed: 2, hashCost: 0 });
    const run = runBlockStmSimulated(block, { threads: 2, schedule: 'random', seed: 1, maxSteps: 50 });
    expect(run.outcome).toBe('exhausted');
    expectSameResult(run.result, executeReference(block));
  });

  it('has a one-line description for every planted bug, and each one changes some run', () => {
    const blocks = smallBlocks(8, 7);
    const expected = blocks.map((b) => executeReference(b));
    // Only the declared keys loaded, and a read past them, which a correct run stops at to reload: guess-unloaded-value's path.
    const past = withReadPastFootprint(generate('p2p', { accounts: 6, txs: 8, seed: 3, hashCost: 0 }), 200, 3);
    const pastExpected = executeReference(past);
    for (const bug of BUG_NAMES) {
      expect(BUGS[bug]).toMatch(/^[a-z].{20,}[^.]$/);
      let caught = false;
      for (let seed = 0; seed < 20 && !caught; seed++) {
        blocks.forEach((block, i) => {
          const run = runBlockStmSimulated(block, { threads: 2 + (seed % 3), schedule: seed % 2 ? 'random' : 'pct', seed, bugs: [bug] });
          if (run.outcome !== 'done' || run.result.stateRoot !== expected[i]!.stateRoot || JSON.stringify(run.result.reads) !== JSON.stringify(expected[i]!.reads)) caught = true;
        });
        const run = runBlockStmSimulated(past, { threads: 2, schedule: 'random', seed, bugs: [bug], declaredOnly: true });
        if (run.outcome === 'done' && JSON.stringify(run.result.reads) !== JSON.stringify(pastExpected.reads)) caught = true;
      }
      expect(caught, bug).toBe(true);
    }
    // The guess is of a value the block did not load; it finishes, with the read of the filler as 0.
    const guessed = runBlockStmSimulated(past, { threads: 2, schedule: 'random', seed: 1, bugs: ['guess-unloaded-value'], declaredOnly: true });
    expect(guessed.outcome).toBe('done');
    expect(guessed.result.reads[3]).toEqual([pastExpected.reads[3]![0], [pastExpected.reads[3]![1]![0], 0]]);
    expect(pastExpected.reads[3]![1]![1]).not.toBe(0);
    expect(() => runBlockStmSimulated(blocks[0]!, { threads: 2, schedule: 'random', bugs: ['nonsense' as never] })).toThrow(/unknown planted bug "nonsense"/);
  });
});
