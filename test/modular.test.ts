// The modular executor against the reference: every workload and partition at 1, 2 and 4 threads
// on the real worker pool, random blocks (barriers, gas limits, reverts) on the simulated runtime
// under random and PCT schedules, undeclared accesses, the planted misroute bug, a full outputs
// arena and dying workers. Results are compared in full: state root, receipts and every read set.
// The pool runs the compiled job from dist/ (npm test builds it first).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Block, BlockResult, Program } from '../spec/block.js';
import { assemble } from '../spec/bytecode.js';
import { parseBlock } from '../spec/block-file.js';
import { keyOf } from '../spec/contracts.js';
import { executeReference } from '../spec/reference.js';
import { SharedState } from '../spec/shared-state.js';
import { generate } from '../bench/workloads.js';
import { blockArb } from '../properties/arbitraries.js';
import { BUG_NAMES, BUGS } from '../impl/modular/bugs.js';
import { createModularExecutor, ModularError, type ModularExecutor } from '../impl/modular/executor.js';
import { BlockRun } from '../impl/modular/block-run.js';
import { collectChunks, COLLECT_CHUNK, type CollectedChunk } from '../impl/modular/collect.js';
import { H } from '../impl/modular/layout.js';
import { PARTITION_KINDS, partitionerFor } from '../impl/modular/partition.js';
import { planBlock } from '../impl/modular/plan.js';
import { intransitivity } from '../impl/modular/order.js';
import { CONFLICT_RULES } from '../spec/conflicts.js';
import { LaneThread, runLanes } from '../impl/modular/thread.js';
import { AtomicCells, observedCells } from '../impl/runtime/cells.js';
import { FINISHED } from '../impl/runtime/sim.js';
import { SharedArrays } from '../impl/runtime/shared-arrays.js';
import { runModularSimulated } from '../impl/modular/simulate.js';
import { createExecutor } from '../impl/registry.js';

const WORKLOADS = ['p2p', 'token', 'amm', 'nft', 'defi'] as const;

function expectSame(actual: BlockResult, expected: BlockResult, what: string): void {
  expect(actual.stateRoot, `${what}: state root`).toBe(expected.stateRoot);
  expect(actual.receipts, `${what}: receipts`).toEqual(expected.receipts);
  expect(actual.reads, `${what}: reads`).toEqual(expected.reads);
  expect(actual.gasUsed, `${what}: gas`).toBe(expected.gasUsed);
}

const sameResult = (a: BlockResult, b: BlockResult) =>
  a.stateRoot === b.stateRoot && JSON.stringify(a.receipts) === JSON.stringify(b.receipts) && JSON.stringify(a.reads) === JSON.stringify(b.reads);

/** A block that stops part-way on the block gas limit. */
function withGasLimit(block: Block, share: number): Block {
  return { ...block, gasLimit: Math.floor(executeReference(block).gasUsed * share) };
}

/** Puts raw programs (no footprint: barriers) at a few places of a block. */
function withBarriers(block: Block): Block {
  const raw: Program = { name: 'raw', code: assemble([['const', 'r0', keyOf(0, 'balance')], ['read', 'r1', 'r0'], ['addi', 'r1', 'r1', 7], ['write', 'r0', 'r1'], ['const', 'r2', 999_999], ['write', 'r2', 'r1']]), arity: 0 };
  const p = block.programs.length;
  const txs = block.txs.flatMap((tx, i) => (i % 97 === 40 ? [{ program: p, args: [], gasLimit: 100_000 }, tx] : [tx]));
  return { ...block, programs: [...block.programs, raw], txs };
}

/**
 * `sneaky` declares only a read of args[0]'s balance but also credits args[1]'s balance; `liar`
 * declares a read of its key but writes it. Around them, transfers touch the same accounts, so a
 * missed violation would show up in their reads.
 */
function undeclaredBlock(base: Block = generate('p2p', { accounts: 20, txs: 400, seed: 5, hashCost: 0 })): Block {
  const sneaky: Program = {
    name: 'sneaky', arity: 2,
    code: assemble([['muli', 'r4', 'r0', 16], ['read', 'r5', 'r4'], ['muli', 'r6', 'r1', 16], ['read', 'r7', 'r6'], ['add', 'r7', 'r7', 'r5'], ['write', 'r6', 'r7'], ['stop']]),
    footprint: [{ key: { arg: 0, mul: 16, add: 0 }, access: 'read' }],
  };
  const liar: Program = {
    name: 'liar', arity: 1,
    code: assemble([['muli', 'r4', 'r0', 16], ['read', 'r5', 'r4'], ['addi', 'r5', 'r5', 1], ['write', 'r4', 'r5'], ['stop']]),
    footprint: [{ key: { arg: 0, mul: 16, add: 0 }, access: 'read' }],
  };
  const txs = [...base.txs];
  txs.splice(150, 0, { program: 1, args: [3, 7], gasLimit: 100_000 });
  txs.splice(260, 0, { program: 2, args: [9], gasLimit: 100_000 });
  return { ...base, programs: [...base.programs, sneaky, liar], txs };
}

/** stats.undeclared for undeclaredBlock(). */
const UNDECLARED = 'tx 150 reads key 112 (acct7.balance), which it does not declare; tx 150 writes key 112 (acct7.balance), which it does not declare; '
  + 'tx 260 writes key 144 (acct9.balance), declared only as read';

describe('on the simulated runtime', () => {
  it('agrees with the reference on random blocks under random and PCT schedules', () => {
    fc.assert(
      fc.property(
        blockArb({ maxTxs: 16, mix: 'mixed' }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(...PARTITION_KINDS), fc.constantFrom('random' as const, 'pct' as const), fc.nat(1000),
        (block, threads, modules, partition, schedule, seed) => {
          const run = runModularSimulated(block, { threads, modules, partition, schedule, seed });
          expect(run.outcome).toBe('done');
          expectSame(run.result, executeReference(block), 'simulated');
        },
      ),
      { numRuns: 150, seed: 6 },
    );
  });

  it('agrees with a SharedState pre-state, read from its table by the lanes, under random and PCT schedules', () => {
    fc.assert(
      fc.property(
        blockArb({ maxTxs: 16, mix: 'mixed' }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.constantFrom('random' as const, 'pct' as const), fc.nat(1000),
        (plain, threads, modules, schedule, seed) => {
          const block = { ...plain, preState: new SharedState(plain.preState) };
          const run = runModularSimulated(block, { threads, modules, schedule, seed });
          expect(run.outcome).toBe('done');
          expectSame(run.result, executeReference(plain), 'simulated, shared pre-state');
        },
      ),
      { numRuns: 150, seed: 24 },
    );
    const shared = (b: Block): Block => ({ ...b, preState: new SharedState(b.preState) });
    // Planning under the lanes, an undeclared access with roll-back (under a gas limit too), a full outputs arena.
    for (let seed = 0; seed < 10; seed++) {
      const amm = generate('amm', { accounts: 5, txs: 30, seed, hashCost: 0 });
      expectSame(runModularSimulated(shared(amm), { threads: 2, modules: 3, planChunk: 1 + (seed % 3), schedule: 'random', seed }).result, executeReference(amm), `pipelined ${seed}`);
    }
    for (const share of [1, 0.3, 0.8]) {
      const block = withGasLimit(undeclaredBlock(), share);
      const run = runModularSimulated(shared(block), { threads: 2, modules: 4, schedule: 'random', seed: 3 });
      // The tighter limits stop the block before its first undeclared access (transaction 150).
      if (share === 1) expect(run.outcome).toBe('fallback');
      expectSame(run.result, executeReference(block), `undeclared, gas share ${share}`);
    }
    const amm = generate('amm', { accounts: 10, txs: 60, seed: 1, hashCost: 0 });
    const full = runModularSimulated(shared(amm), { threads: 2, modules: 2, schedule: 'random', seed: 1, outputScale: 0.01 });
    expect(full.reason).toMatch(/outputs arena full/);
    expectSame(full.result, executeReference(amm), 'outputs arena full');
    // The planted bug reads the same stale value from the table as it did from the slot.
    for (let seed = 1; seed <= 5; seed++) {
      const block = generate('p2p', { accounts: 6, txs: 60, seed, hashCost: 0 });
      expect(sameResult(runModularSimulated(shared(block), { threads: 1, modules: 3, schedule: 'random', seed, bugs: ['misroute'] }).result, executeReference(block))).toBe(false);
    }
  });

  it('reads a NaN a Map pre-state holds as that value, as the reference does (UNREAD is a SharedState\'s only)', () => {
    const block = generate('p2p', { accounts: 4, txs: 8, seed: 1, hashCost: 0 });
    const preState = new Map(block.preState);
    for (const k of [...preState.keys()].slice(0, 2)) preState.set(k, Number.NaN);
    const odd = { ...block, preState };
    expectSame(runModularSimulated(odd, { threads: 2, modules: 2, schedule: 'random', seed: 1 }).result, executeReference(odd), 'NaN in a Map');
  });

  it('agrees on contract blocks (lanes only) and its lanes really interleave', () => {
    let crossWaits = 0;
    fc.assert(
      fc.property(blockArb({ minTxs: 8, maxTxs: 24, mix: 'contracts', hashes: false }), fc.nat(1000), (block, seed) => {
        const run = runModularSimulated(block, { threads: 3, modules: 3, schedule: 'random', seed });
        expectSame(run.result, executeReference(block), 'simulated');
        expect(run.result.stats.fallback).toBe('');
        crossWaits += run.result.stats.crossWaits as number;
      }),
      { numRuns: 100, seed: 7 },
    );
    expect(crossWaits).toBeGreaterThan(0);
  });

  it('agrees while the plan is published chunk by chunk under the lanes (as on real threads)', () => {
    fc.assert(
      fc.property(
        blockArb({ minTxs: 4, maxTxs: 24, mix: 'mixed', hashes: false }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }), fc.constantFrom('random' as const, 'pct' as const), fc.nat(1000),
        (block, threads, modules, planChunk, schedule, seed) => {
          const run = runModularSimulated(block, { threads, modules, planChunk, schedule, seed });
          expect(run.outcome).toBe('done');
          expectSame(run.result, executeReference(block), 'pipelined');
        },
      ),
      { numRuns: 150, seed: 8 },
    );
    // One hot lane: workers keep finding the lane's next transaction not yet planned.
    for (let seed = 0; seed < 20; seed++) {
      const block = generate('amm', { accounts: 5, txs: 30, seed, hashCost: 0 });
      const run = runModularSimulated(block, { threads: 2, modules: 3, planChunk: 1 + (seed % 3), schedule: 'random', seed });
      expectSame(run.result, executeReference(block), `amm pipelined ${seed}`);
    }
  });

  it('writes a chunk\'s rows one planning step before publishing them, each a scheduling point of the simulated planner', () => {
    const block = generate('p2p', { accounts: 20, txs: 12, seed: 2, hashCost: 0 });
    const chunk = 5;
    const run = new BlockRun(block, { modules: 3, partitioner: partitionerFor('hash'), misroute: false, kindBlind: false, deltaSkipsReads: false, threads: 2, outputScale: 1 }, new SharedArrays());
    expect(run.nextWindow()).toBe(true);
    const { i32 } = run.buffers;
    const { L } = run;
    const published = i32[H.PLANNED];
    const steps = run.planning(chunk);
    expect(steps.next().done).toBe(false);
    // The rows are there (the lanes' heads among the chunk's transactions), the marker not yet.
    expect([...i32.subarray(L.laneHead, L.laneHead + L.modules)].some((tx) => tx >= 0 && tx < chunk)).toBe(true);
    expect(i32[H.PLANNED]).toBe(published);
    expect(steps.next()).toEqual({ done: true, value: true });
    expect(i32[H.PLANNED]).toBe(chunk);
    // The simulated planner, always chosen while runnable, spends one scheduling point on each step.
    const threads = 2;
    const sim = runModularSimulated(block, { threads, modules: 3, planChunk: chunk, schedule: (runnable) => runnable.length - 1 });
    expect(sim.outcome).toBe('done');
    expect(sim.ran.filter((w) => w === threads).length).toBe(2 * Math.ceil(block.txs.length / chunk));
  });

  it('replays a recorded schedule exactly', () => {
    const block = generate('defi', { accounts: 8, txs: 40, seed: 2, hashCost: 0 });
    const first = runModularSimulated(block, { threads: 3, modules: 4, schedule: 'random', seed: 11 });
    const again = runModularSimulated(block, { threads: 3, modules: 4, schedule: first.schedule });
    expect(again.ran).toEqual(first.ran);
    expectSame(again.result, first.result, 'replay');
  });

  it('the planted kind-blind bug gives a wrong result on some schedules, unreported, where the executor reports and matches the reference on all', () => {
    // `liar` declares a read of account 0's balance and writes it; `copy` declares the same read and
    // copies the balance to keys of its own. Declared read against read, the plan orders none of
    // them: only the lanes' kind check stands between a copy and the liar's write in another lane.
    const liar: Program = {
      name: 'liar', arity: 0,
      code: assemble([['const', 'r4', keyOf(0, 'balance')], ['read', 'r5', 'r4'], ['addi', 'r5', 'r5', 1], ['write', 'r4', 'r5'], ['stop']]),
      footprint: [{ key: { add: keyOf(0, 'balance') }, access: 'read' }],
    };
    const copy: Program = {
      name: 'copy', arity: 1,
      code: assemble([['const', 'r4', keyOf(0, 'balance')], ['read', 'r5', 'r4'], ['muli', 'r6', 'r0', 16], ['write', 'r6', 'r5'], ['addi', 'r6', 'r6', 1], ['write', 'r6', 'r5'], ['stop']]),
      // Two keys of its own account: its home is that account's module, not account 0's.
      footprint: [{ key: { add: keyOf(0, 'balance') }, access: 'read' }, { key: { arg: 0, mul: 16, add: 0 }, access: 'write' }, { key: { arg: 0, mul: 16, add: 1 }, access: 'write' }],
    };
    const txs = [1, 2, 3, 4, 5, 6].flatMap((a) => [{ program: 1, args: [100 + a], gasLimit: 100_000 }, ...(a % 2 ? [{ program: 0, args: [], gasLimit: 100_000 }] : [])]);
    const block: Block = { programs: [liar, copy], txs, preState: new Map([[keyOf(0, 'balance'), 50]]), gasLimit: 10_000_000 };
    const expected = executeReference(block);
    let wrong = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const buggy = runModularSimulated(block, { threads: 2, modules: 4, schedule: 'random', seed, bugs: ['kind-blind'] }).result;
      if (!sameResult(buggy, expected)) wrong++;
      expect(buggy.stats.undeclaredAccesses, `seed ${seed}`).toBe(0);
      const sound = runModularSimulated(block, { threads: 2, modules: 4, schedule: 'random', seed }).result;
      expectSame(sound, expected, `seed ${seed}`);
      expect(sound.stats.undeclaredAccesses, `seed ${seed}`).toBe(3);
    }
    expect(wrong).toBeGreaterThan(0);
  });

  it('lists its planted bugs with descriptions', () => {
    expect(BUG_NAMES).toContain('misroute');
    for (const b of BUG_NAMES) expect(BUGS[b].length).toBeGreaterThan(20);
  });

  it('the planted misroute bug is caught: a cross-module transaction reads a stale value', () => {
    let caught = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const block = generate('p2p', { accounts: 6, txs: 60, seed, hashCost: 0 });
      const run = runModularSimulated(block, { threads: 1, modules: 3, schedule: 'random', seed, bugs: ['misroute'] });
      if (!sameResult(run.result, executeReference(block))) caught++;
    }
    expect(caught).toBe(5);
  });

  it('catches undeclared accesses, reports them and finishes the block in order', () => {
    const block = undeclaredBlock();
    const run = runModularSimulated(block, { threads: 2, modules: 4, schedule: 'random', seed: 3 });
    expectSame(run.result, executeReference(block), 'undeclared');
    expect(run.outcome).toBe('fallback');
    expect(run.reason).toMatch(/transaction 150 touched key 112 outside its declared footprint/);
    // Every undeclared access, each named by its kind: sneaky reads and writes key 112, liar writes a key it declared read-only.
    expect(run.result.stats.undeclaredAccesses).toBe(3);
    expect(run.result.stats.undeclared).toBe(UNDECLARED);
  });

  it('lists at most 8 undeclared accesses and says how many more there were', () => {
    const block = undeclaredBlock();
    // Ten more sneaky calls, each reading and writing a key it does not declare.
    const txs = [...block.txs];
    for (let k = 0; k < 10; k++) txs.splice(300 + k, 0, { program: 1, args: [k, 10 + k], gasLimit: 100_000 });
    const many: Block = { ...block, txs };
    const run = runModularSimulated(many, { threads: 2, modules: 4, schedule: 'random', seed: 3 });
    expectSame(run.result, executeReference(many), 'many undeclared');
    expect(run.result.stats.undeclaredAccesses).toBe(23);
    const listed = (run.result.stats.undeclared as string).split('; ');
    expect(listed).toHaveLength(9);
    expect(listed.slice(0, 3).join('; ')).toBe(UNDECLARED);
    expect(listed[8]).toBe('and 15 more');
  });

  it('does not blame a transaction the lanes ran past the block gas limit', () => {
    // The limit skips everything from transaction `cut` on; the lanes, which do not know it, meet
    // tx 150's undeclared access. With cut 150 every run falls back and names no culprit.
    const plain = undeclaredBlock();
    const gas = executeReference(plain).receipts.map((r) => r.gasUsed);
    let blamed = 0;
    for (const cut of [150, 140, 100]) {
      const block = { ...plain, gasLimit: gas.slice(0, cut).reduce((a, b) => a + b, 0) };
      for (let seed = 0; seed < 6; seed++) {
        const run = runModularSimulated(block, { threads: 2, modules: 4, schedule: 'random', seed });
        expectSame(run.result, executeReference(block), `cut at ${cut}, seed ${seed}`);
        expect(run.result.stats.undeclaredAccesses).toBe(0);
        expect(run.result.stats.fallback).not.toMatch(/touched key/);
        if (run.result.stats.fallback.startsWith('the lanes stopped at transaction 150, which is past the block gas limit and not executed; finished the block in order from transaction')) blamed++;
      }
    }
    expect(blamed).toBeGreaterThanOrEqual(6);
  });

  it('counts every transaction\'s gas in the lane imbalance, whichever path ran it', () => {
    const block = undeclaredBlock();
    const gas = executeReference(block).receipts.map((r) => r.gasUsed);
    const expected = planBlock(block, { modules: 4, moduleOf: partitionerFor('hash').forBlock(block, 4) }).laneImbalance(gas);
    for (const threads of [1, 2, 3]) {
      const run = runModularSimulated(block, { threads, modules: 4, schedule: 'random', seed: threads });
      expect(run.outcome).toBe('fallback');
      expect(run.result.stats.laneImbalance).toBeCloseTo(expected, 12);
    }
  });

  it('keeps the finished prefix of an aborted window exact under a block gas limit that cuts it or the in-order rest', () => {
    for (const share of [0.1, 0.3, 0.5, 0.8]) {
      const block = withGasLimit(undeclaredBlock(), share);
      for (const seed of [3, 4]) {
        const run = runModularSimulated(block, { threads: 2, modules: 4, schedule: 'random', seed });
        expectSame(run.result, executeReference(block), `gas share ${share} seed ${seed}`);
      }
    }
  });

  it('plans a footprint key on an argument the call does not give as 0, as the VM reads it', () => {
    // `bump` increments the key args[1] * 16 + 16001; called with one argument, it touches key
    // 16001, which no account of the block holds.
    const bump: Program = {
      name: 'bump', arity: 2,
      code: assemble([['muli', 'r4', 'r1', 16], ['addi', 'r4', 'r4', 16001], ['read', 'r5', 'r4'], ['addi', 'r5', 'r5', 1], ['write', 'r4', 'r5'], ['stop']]),
      footprint: [{ key: { arg: 1, mul: 16, add: 16001 }, access: 'read' }, { key: { arg: 1, mul: 16, add: 16001 }, access: 'write' }],
    };
    const base = generate('p2p', { accounts: 20, txs: 300, seed: 8, hashCost: 0 });
    const txs = [...base.txs];
    for (const at of [40, 120, 121, 250]) txs.splice(at, 0, { program: base.programs.length, args: [3], gasLimit: 100_000 });
    const block: Block = { ...base, programs: [...base.programs, bump], txs };
    const run = runModularSimulated(block, { threads: 2, modules: 4, schedule: 'random', seed: 4 });
    expectSame(run.result, executeReference(block), 'missing argument');
    expect(run.result.stats.undeclaredAccesses).toBe(0);
    expect(run.result.stats.fallback).toBe('');
    expect(run.result.state.get(16001)).toBe(4);
  });

  it('claims a lane by reading one packed hint per lane, not each lane\'s cells', () => {
    // 64 lanes, one lane thread over a planned window: every claim scans them all. Before the
    // hints a claim loaded each lane's owner, cursor and link (four or more operations a lane).
    const block = generate('p2p', { accounts: 2000, txs: 2000, seed: 3, hashCost: 0 });
    const modules = 64;
    const run = new BlockRun(block, { modules, partitioner: partitionerFor('hash'), misroute: false, threads: 1, outputScale: 1 }, new SharedArrays());
    run.nextWindow();
    while (run.planSome(block.txs.length));
    const { i32, f64 } = run.buffers;
    let ops = 0;
    const thread = new LaneThread(observedCells(new AtomicCells(i32, f64, () => {}, true), () => ops++), run.L, i32, f64, 0);
    let claimSteps = 0;
    let claimOps = 0;
    for (let state = 0; state !== FINISHED;) {
      const before = ops;
      const claiming = state === 0;
      state = thread.step(state);
      if (claiming) {
        claimSteps++;
        claimOps += ops - before;
      }
    }
    expect(thread.counters.executions).toBe(block.txs.length);
    expect(claimSteps).toBeGreaterThan(100);
    // The first claims work out each lane's head from its cells; after that, about one operation a lane.
    expect(claimOps / (claimSteps * modules)).toBeLessThan(1.5);
    const chunks: CollectedChunk[] = [];
    collectChunks(i32, f64, run.L, chunks);
    run.closeWindow(thread.counters, 0, chunks);
    expect(run.nextWindow()).toBe(false);
    expectSame(run.result(), executeReference(block), 'one lane thread, 64 lanes');
  });

  it('finishes in order when the outputs arena runs out', () => {
    const block = generate('amm', { accounts: 10, txs: 60, seed: 1, hashCost: 0 });
    const run = runModularSimulated(block, { threads: 2, modules: 2, schedule: 'random', seed: 1, outputScale: 0.01 });
    expectSame(run.result, executeReference(block), 'capacity');
    expect(run.reason).toMatch(/outputs arena full/);
  });

  it('names the lowest aborting transaction with its own reason when two lanes abort at once', () => {
    // tx 0 (entity 9's lane) emits more outputs than the arena holds; tx 1 (entity 0's lane) reads
    // entity 5, which it does not declare. Whichever lane aborts first, the reason reported and the
    // arena's growth must be tx 0's when tx 0 ran, and tx 1's (with its key) only when it did not.
    const emitter: Program = {
      name: 'emitter', arity: 1,
      code: assemble([['muli', 'r4', 'r0', 16], ['read', 'r5', 'r4'], ...Array.from({ length: 20 }, () => ['emit', 'r5'] as const), ['stop']]),
      footprint: [{ key: { arg: 0, mul: 16, add: 0 }, access: 'read' }],
    };
    const sneaky: Program = {
      name: 'sneaky', arity: 1,
      code: assemble([['muli', 'r4', 'r0', 16], ['read', 'r5', 'r4'], ['const', 'r6', keyOf(5, 'balance')], ['read', 'r7', 'r6'], ['stop']]),
      footprint: [{ key: { arg: 0, mul: 16, add: 0 }, access: 'read' }],
    };
    const block: Block = {
      ...generate('p2p', { accounts: 10, txs: 0, seed: 1, hashCost: 0 }),
      programs: [emitter, sneaky],
      txs: [{ program: 0, args: [9], gasLimit: 100_000 }, { program: 1, args: [0], gasLimit: 100_000 }],
    };
    const expected = executeReference(block);
    let bothAborted = 0;
    for (let seed = 0; seed < 60; seed++) {
      const run = runModularSimulated(block, { threads: 2, modules: 2, partition: 'range', schedule: 'random', seed, outputScale: 0.01 });
      expectSame(run.result, expected, `seed ${seed}`);
      const reason = run.reason.replace(/; finished the block.*/, '');
      expect(['transaction 0 found the outputs arena full', `transaction 1 touched key ${keyOf(5, 'balance')} outside its declared footprint`], `seed ${seed}`).toContain(reason);
      // Both ran on the lanes, then again in order: the two aborts raced (at seed 6, tx 1's came first
      // and the report read "transaction 0 touched key 80" when the reason and the key were set apart).
      if (run.result.stats.executions === 4) bothAborted++;
    }
    expect(bothAborted).toBeGreaterThan(10);
  });
});

describe('the conflict table it runs on', () => {
  it('must let kinds commute transitively; a table that does not is refused where an executor starts, not when the module loads', () => {
    expect(intransitivity()).toBeNull();
    const edited = CONFLICT_RULES.map((r) => ((r.a === 'read' && r.b === 'write') || (r.a === 'write' && r.b === 'read') ? { ...r, verdict: 'commute' as const } : r));
    expect(intransitivity(edited)).toBe('modular executor: the conflict table lets write/read and read/write commute but orders write/write; its per-key counters need a transitive commute relation');
  });
});

describe('on the worker pool', () => {
  const executors = new Map<string, ModularExecutor>();
  beforeAll(async () => {
    // cores: 2 makes workers 1..3 wait for each window's plan (and sit out hot-lane windows) on any
    // machine; without the preflight, the hot-spot blocks run on the lanes too.
    for (const partition of PARTITION_KINDS) {
      executors.set(partition, await createModularExecutor({ threads: 4, modules: 6, partition, warmUp: false, cores: 2, preflight: false }));
    }
  });
  afterAll(async () => {
    for (const e of executors.values()) await e.close();
  });

  it.each(PARTITION_KINDS)('agrees with the reference on every workload at 1, 2 and 4 threads (%s)', async (partition) => {
    const executor = executors.get(partition)!;
    for (const w of WORKLOADS) {
      const block = generate(w, { accounts: 60, txs: 1500, seed: 3, hashCost: 1 });
      const expected = executeReference(block);
      for (const threads of [1, 2, 4]) {
        const r = await executor.execute(block, { threads });
        expectSame(r, expected, `${w} ${partition} ${threads} threads`);
        expect(r.stats.fallback).toBe('');
        expect(r.stats.executions).toBe(block.txs.length);
        expect(r.stats.laneClaims).toBeGreaterThan(0);
        expect(r.stats.threads).toBe(threads);
        expect(r.stats.partition).toBe(partition);
      }
    }
  });

  it('sends a near-serial block to the sequential executor by its footprints, and keeps a spread one on the lanes', async () => {
    const executor = await createModularExecutor({ threads: 2, modules: 6, warmUp: false });
    try {
      const amm = generate('amm', { accounts: 60, txs: 1500, seed: 4, hashCost: 0 });
      const serial = await executor.execute(amm);
      expectSame(serial, executeReference(amm), 'amm');
      expect(serial.stats.fallback).toMatch(/^preflight: the first 512 transactions' declared footprints chain \d+ of them in block order/);
      expect(serial.stats.laneClaims).toBeUndefined();
      // One thread never runs in parallel, so it never asks.
      expect((await executor.execute(amm, { threads: 1 })).stats.fallback).toBe('');
      const p2p = generate('p2p', { accounts: 200, txs: 1500, seed: 4, hashCost: 0 });
      const spread = await executor.execute(p2p);
      expectSame(spread, executeReference(p2p), 'p2p');
      expect([spread.stats.fallback, (spread.stats.laneClaims as number) > 0]).toEqual(['', true]);
    } finally {
      await executor.close();
    }
  });

  it('keeps late workers out of a window that one hot lane dominates', async () => {
    const executor = executors.get('hash')!;
    const amm = generate('amm', { accounts: 60, txs: 1500, seed: 4, hashCost: 0 });
    const hot = await executor.execute(amm, { threads: 4 });
    expectSame(hot, executeReference(amm), 'amm');
    expect(hot.stats.hotLaneWindows).toBe(1);
    const p2p = generate('p2p', { accounts: 200, txs: 1500, seed: 4, hashCost: 0 });
    const spread = await executor.execute(p2p, { threads: 4 });
    expectSame(spread, executeReference(p2p), 'p2p');
    expect(spread.stats.hotLaneWindows).toBe(0);
    // At 1 thread the pool holds the one worker's job until the window is planned, and it runs such a window whatever JOIN says: no one else would.
    const alone = await executor.execute(amm, { threads: 1 });
    expectSame(alone, executeReference(amm), 'amm at 1 thread');
    expect([alone.stats.fallback, alone.stats.hotLaneWindows]).toEqual(['', 1]);
  });

  it('agrees with barriers and a block gas limit that stops the block part-way', async () => {
    const executor = executors.get('hash')!;
    for (const w of WORKLOADS) {
      const block = withBarriers(generate(w, { accounts: 40, txs: 600, seed: 8, hashCost: 0 }));
      for (const b of [block, withGasLimit(block, 0.5), withGasLimit(block, 0.001)]) {
        for (const threads of [1, 2, 4]) expectSame(await executor.execute(b, { threads }), executeReference(b), `${w} gas limit ${b.gasLimit}`);
      }
      const r = await executor.execute(block, { threads: 2 });
      expect(r.stats.barriers).toBe(6);
      expect(r.stats.windows).toBe(7);
    }
  });

  it('agrees with a SharedState pre-state: barriers, gas limits, undeclared accesses, random blocks', async () => {
    const executor = executors.get('hash')!;
    const blocks = [
      ...WORKLOADS.map((w) => withBarriers(generate(w, { accounts: 40, txs: 600, seed: 9, hashCost: 0 }))),
      withGasLimit(withBarriers(generate('token', { accounts: 40, txs: 600, seed: 9, hashCost: 0 })), 0.5),
      undeclaredBlock(),
    ];
    for (const plain of blocks) {
      const block = { ...plain, preState: new SharedState(plain.preState) };
      const expected = executeReference(plain);
      for (const threads of [1, 2, 4]) expectSame(await executor.execute(block, { threads }), expected, `shared pre-state, ${threads} threads`);
    }
    await fc.assert(
      fc.asyncProperty(blockArb({ maxTxs: 30 }), fc.integer({ min: 1, max: 4 }), async (plain, threads) => {
        expectSame(await executor.execute({ ...plain, preState: new SharedState(plain.preState) }, { threads }), executeReference(plain), 'random, shared pre-state');
      }),
      { numRuns: 40, seed: 24 },
    );
  });

  it('agrees when the gas limit falls inside a window of many read-back chunks', async () => {
    const executor = executors.get('hash')!;
    const block = generate('p2p', { accounts: 3000, txs: 2000, seed: 21, hashCost: 0 });
    for (const b of [block, withGasLimit(block, 0.3), withGasLimit(block, 0.62), withGasLimit(block, 0.999)]) {
      for (const threads of [1, 2, 4]) expectSame(await executor.execute(b, { threads }), executeReference(b), `gas limit ${b.gasLimit} at ${threads} threads`);
    }
  });

  it('refuses a window read back with a chunk twice or one missing, instead of shifting receipts', () => {
    const block = generate('p2p', { accounts: 3000, txs: 3 * COLLECT_CHUNK, seed: 1, hashCost: 0 });
    const finished = () => {
      const run = new BlockRun(block, { modules: 8, partitioner: partitionerFor('hash'), misroute: false, threads: 1, outputScale: 1 }, new SharedArrays());
      run.nextWindow();
      while (run.planSome(block.txs.length));
      const { i32, f64 } = run.buffers;
      const thread = new LaneThread(new AtomicCells(i32, f64, () => {}, true), run.L, i32, f64, 0);
      runLanes(thread, () => {});
      const chunks: CollectedChunk[] = [];
      collectChunks(i32, f64, run.L, chunks);
      expect(chunks.map((c) => c.chunk)).toEqual([0, 1, 2]);
      return { run, counters: thread.counters, chunks };
    };
    const twice = finished();
    expect(() => twice.run.closeWindow(twice.counters, 0, [twice.chunks[0]!, ...twice.chunks])).toThrow(/read back chunk 0 twice/);
    const gap = finished();
    expect(() => gap.run.closeWindow(gap.counters, 0, [gap.chunks[0]!, gap.chunks[2]!])).toThrow(/read back without chunk 1/);
    const short = finished();
    expect(() => short.run.closeWindow(short.counters, 0, short.chunks.slice(0, 2))).toThrow(/read back in 2 chunks, not 3/);
    const whole = finished();
    whole.run.closeWindow(whole.counters, 0, whole.chunks);
    expect(whole.run.nextWindow()).toBe(false);
    expectSame(whole.run.result(), executeReference(block), 'read back by hand');
  });

  it('keeps a result exact after the executor ran the next blocks on the same buffers and planning arrays', async () => {
    const executor = executors.get('affinity')!;
    const first = generate('token', { accounts: 300, txs: 1200, seed: 11, hashCost: 0 });
    const kept = await executor.execute(first, { threads: 2 });
    // A smaller and a larger block reuse (and grow) everything the first one planned in.
    await executor.execute(generate('p2p', { accounts: 20, txs: 100, seed: 12, hashCost: 0 }), { threads: 2 });
    await executor.execute(generate('defi', { accounts: 500, txs: 2500, seed: 13, hashCost: 0 }), { threads: 2 });
    // Nothing of `kept` was read yet: its state, receipts and reads are built now.
    expectSame(kept, executeReference(first), 'token after two more blocks');
  });

  it('agrees on the committed block files', async () => {
    const dir = new URL('./fixtures/blocks/', import.meta.url).pathname;
    const files = [...readdirSync(dir).map((f) => join(dir, f)), new URL('../examples/transfer.json', import.meta.url).pathname];
    for (const file of files) {
      const block = parseBlock(readFileSync(file, 'utf8'), file);
      for (const threads of [1, 2, 4]) expectSame(await executors.get('affinity')!.execute(block, { threads }), executeReference(block), file);
    }
  });

  it('agrees on random mixed blocks', async () => {
    const executor = executors.get('range')!;
    await fc.assert(
      fc.asyncProperty(blockArb({ maxTxs: 30 }), fc.integer({ min: 1, max: 4 }), async (block, threads) => {
        expectSame(await executor.execute(block, { threads }), executeReference(block), 'random');
      }),
      { numRuns: 60, seed: 12 },
    );
  });

  it('catches undeclared accesses with index and key, and finishes the block in order', async () => {
    const executor = executors.get('hash')!;
    const block = undeclaredBlock();
    for (const threads of [1, 2, 4]) {
      const r = await executor.execute(block, { threads });
      expectSame(r, executeReference(block), `undeclared ${threads}`);
      expect(executor.violations).toEqual([
        { tx: 150, key: 112, access: 'read', declared: [] }, { tx: 150, key: 112, access: 'write', declared: [] },
        { tx: 260, key: 144, access: 'write', declared: ['read'] },
      ]);
      expect([r.stats.undeclaredAccesses, r.stats.undeclared]).toEqual([3, UNDECLARED]);
      expect(r.stats.fallback).toMatch(/^transaction 150 touched key 112 outside its declared footprint; finished the block in order from transaction \d+$/);
    }
  });

  it('reports the undeclared accesses of a block its preflight sends to the sequential executor as the lanes report them', async () => {
    const lanes = executors.get('hash')!;
    const executor = await createModularExecutor({ threads: 2, modules: 6, warmUp: false });
    try {
      const block = undeclaredBlock(generate('amm', { accounts: 20, txs: 400, seed: 5, hashCost: 0 }));
      const expected = executeReference(block);
      const onLanes = await lanes.execute(block, { threads: 2 });
      const violations = lanes.violations;
      expect(violations.map((v) => v.tx)).toEqual([150, 150, 260]);
      const r = await executor.execute(block);
      expectSame(r, expected, 'preflight with undeclared accesses');
      expect(r.stats.fallback).toMatch(/^preflight: /);
      expect(executor.violations).toEqual(violations);
      expect([r.stats.undeclaredAccesses, r.stats.undeclared]).toEqual([3, onLanes.stats.undeclared]);
      // A block with none reports none, and the next block's report replaces the last one's.
      const clean = await executor.execute(generate('amm', { accounts: 20, txs: 400, seed: 5, hashCost: 0 }));
      expect(clean.stats.fallback).toMatch(/^preflight: /);
      expect([clean.stats.undeclaredAccesses, clean.stats.undeclared, executor.violations]).toEqual([0, '', []]);
    } finally {
      await executor.close();
    }
  });

  it('a dying or throwing lane thread rejects with a clear error, and the next block runs normally', async () => {
    // From 2 threads on the main thread runs lanes too, so the transaction with the fault may be
    // its (an injected 'exit' throws there: it cannot end the process) or a worker's.
    const executor = executors.get('hash')!;
    const block = generate('p2p', { accounts: 100, txs: 800, seed: 2, hashCost: 0 });
    const expected = executeReference(block);
    for (const kind of ['exit', 'throw'] as const) {
      for (const tx of [5, 300, 790]) {
        executor.injectFault({ kind, tx });
        const failed = executor.execute(block, { threads: 4 });
        await expect(failed).rejects.toBeInstanceOf(ModularError);
        await expect(failed).rejects.toThrow(new RegExp(
          `^modular: the block was abandoned because (a worker failed: worker \\d|the main thread failed in the lanes: injected fault while executing transaction ${tx}$)`,
        ));
        expectSame(await executor.execute(block, { threads: 4 }), expected, `after ${kind} at ${tx}`);
      }
    }
  });

  it('a partitioner that throws while the lanes run rejects the block, and the next block runs on buffers no worker still touches', async () => {
    // The partitioner fails on the 5,000th key it places, late in planning: the lanes have long started.
    const block = generate('p2p', { accounts: 5000, txs: 3000, seed: 1, hashCost: 0 });
    let armed = false;
    let placed = 0;
    const hash = partitionerFor('hash');
    const partition = {
      kind: 'hash' as const,
      forBlock: (b: Block, modules: number) => {
        const of = hash.forBlock(b, modules);
        placed = 0;
        return (key: number) => {
          if (armed && ++placed === 5000) throw new Error('partitioner failed');
          return of(key);
        };
      },
    };
    const next = generate('p2p', { accounts: 200, txs: 3000, seed: 2, hashCost: 0 });
    const expected = executeReference(next);
    const executor = await createModularExecutor({ threads: 2, modules: 4, partition, preflight: false, warmUp: false });
    try {
      // Before the failed block waited for its workers, the next block met them here in about 1 round in 3: an error, or wrong reads.
      for (const threads of [1, 2, 2, 2, 1, 2, 2, 2, 2, 2]) {
        armed = true;
        const failed = executor.execute(block, { threads });
        const after = executor.execute(next, { threads });
        await expect(failed).rejects.toThrow(/partitioner failed/);
        armed = false;
        expectSame(await after, expected, `the block after a failed plan at ${threads} threads`);
      }
    } finally {
      await executor.close();
    }
  });

  it('a partition function that names a module out of range rejects the block with the key and module, clears the last violations, and the next block runs', async () => {
    const hash = partitionerFor('hash');
    let broken = true;
    const partition = {
      kind: 'hash' as const,
      forBlock: (b: Block, modules: number) => {
        const of = hash.forBlock(b, modules);
        return (key: number) => (broken && key === 16 * 7 ? modules : of(key));
      },
    };
    const block = generate('p2p', { accounts: 50, txs: 600, seed: 4, hashCost: 0 });
    const executor = await createModularExecutor({ threads: 2, modules: 4, partition, preflight: false, warmUp: false });
    try {
      broken = false;
      await executor.execute(undeclaredBlock());
      expect(executor.violations).toHaveLength(3);
      broken = true;
      await expect(executor.execute(block)).rejects.toThrow(/the partition function put key 112 in module 4, outside 0\.\.3/);
      // The last block's violations, not the block before it's.
      expect(executor.violations).toEqual([]);
      broken = false;
      expectSame(await executor.execute(block), executeReference(block), 'after a partition out of range');
    } finally {
      await executor.close();
    }
  });

  it('the planted misroute bug is caught on real threads too', async () => {
    const buggy = await createModularExecutor({ threads: 2, modules: 3, bugs: ['misroute'], warmUp: false });
    try {
      let caught = 0;
      for (let seed = 1; seed <= 3; seed++) {
        const block = generate('p2p', { accounts: 6, txs: 300, seed, hashCost: 0 });
        if (!sameResult(await buggy.execute(block), executeReference(block))) caught++;
      }
      expect(caught).toBe(3);
    } finally {
      await buggy.close();
    }
  });

  it('is registered as `modular` and takes --modules and --partition', async () => {
    const executor = await createExecutor('modular', { threads: 2, modules: 5, partition: 'range' });
    try {
      const block = generate('token', { accounts: 30, txs: 200, seed: 1, hashCost: 0 });
      const r = await executor.execute(block);
      expectSame(r, executeReference(block), 'registry');
      expect(r.stats.modules).toBe(5);
      expect(r.stats.partition).toBe('range');
    } finally {
      await executor.close();
    }
    await expect(createExecutor('modular', { partition: 'zigzag' })).rejects.toThrow(/unknown partition "zigzag"/);
  });
});
