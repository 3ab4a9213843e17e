// Block-STM on real worker threads: agreement with the reference (state root, receipts, every
// transaction's reads) on every workload at 1, 2 and 4 threads, the block gas limit, deltas whose
// outcome depends on their base, determinism across thread counts, a pre-state far larger than the
// block (with a read past a footprint), and the bad cases: a worker that throws or dies, buffers
// that are too small, the watchdog. Workers run the compiled code in dist/ (npm test builds it
// first).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Block } from '../spec/block.js';
import { contractProgram, keyOf, MAX_SUPPLY } from '../spec/contracts.js';
import { executeReference } from '../spec/reference.js';
import { SharedState } from '../spec/shared-state.js';
import { MAX_VALUE } from '../spec/values.js';
import { generate } from '../bench/workloads.js';
import { BlockStmExecutor, BlockStmError } from '../impl/blockstm/executor.js';
import { ABORT_STALL, activeTaskCell, estimateCapacity, H, layoutFor } from '../impl/blockstm/layout.js';
import { ABORTED, stallWatchdog } from '../impl/blockstm/thread.js';
import { MIN_PARALLELISM, preflight } from '../impl/preflight.js';
import { contentionWorkers } from '../impl/blockstm/job.js';
import { createExecutor } from '../impl/registry.js';
import { blockOf, expectSameResult, withLargePreState, withReadPastFootprint } from './helpers.js';

const WORKLOADS = ['p2p', 'token', 'amm', 'nft', 'defi'] as const;

/** Mints on a collection whose supply is 3 below MAX_SUPPLY: later mints fail their delta's bound check. */
function nearBoundMints(txs: number): Block {
  const collection = 0;
  const preState = new Map<number, number>([[keyOf(collection, 'supply'), MAX_SUPPLY - 3]]);
  for (let a = 1; a <= 4; a++) preState.set(keyOf(a, 'balance'), 1_000);
  return {
    programs: [contractProgram('nft-mint', 1)],
    txs: Array.from({ length: txs }, (_, i) => ({ program: 0, args: [collection, 1 + (i % 4), 10], gasLimit: 1_000_000 })),
    preState,
    gasLimit: Number.MAX_SAFE_INTEGER,
  };
}

/** Token credits to a balance just under MAX_VALUE: whether a credit overflows depends on the credits before it. */
function nearOverflowCredits(txs: number): Block {
  const preState = new Map<number, number>([[keyOf(0, 'token'), MAX_VALUE - 2_500]]);
  for (let a = 1; a <= 3; a++) preState.set(keyOf(a, 'token'), 1_000_000);
  return {
    programs: [contractProgram('token', 1)],
    txs: Array.from({ length: txs }, (_, i) => ({ program: 0, args: [1 + (i % 3), 0, 900 + i], gasLimit: 1_000_000 })),
    preState,
    gasLimit: Number.MAX_SAFE_INTEGER,
  };
}

/** Raw programs mixing DELTAs with reads of the same key, so a delta's base becomes program-observed. */
function deltaThenRead(txs: number): Block {
  const ops = [
    ['const', 'r1', 7], ['delta', 'r1', 'r0', -50, 100], ['read', 'r2', 'r1'], ['emit', 'r2'],
    ['const', 'r3', 8], ['delta', 'r3', 'r0', 0, 1000], ['delta', 'r3', 'r0', 0, 1000], ['stop'],
  ];
  return blockOf(Array.from({ length: txs }, (_, i) => ({ ops, args: [i % 3 === 0 ? -20 : 15] })), [[7, 10]]);
}

/** Keys at the top of the key range (stored as negative Int32 cells), read, written and delta-added. */
function highKeys(txs: number): Block {
  const top = 2 ** 32 - 1;
  const ops = [
    ['const', 'r1', top], ['read', 'r2', 'r1'], ['addi', 'r2', 'r2', 3], ['write', 'r1', 'r2'],
    ['const', 'r3', 2 ** 31 + 5], ['delta', 'r3', 'r0', 0, 10 ** 9], ['read', 'r4', 'r3'], ['emit', 'r4'], ['stop'],
  ];
  return blockOf(Array.from({ length: txs }, (_, i) => ({ ops, args: [i + 1] })), [[top, 1], [2 ** 31, 9]]);
}

describe('block-stm on worker threads', () => {
  let executor: BlockStmExecutor;
  beforeAll(async () => {
    // The contention check would finish contended blocks sequentially: these tests want the parallel run.
    executor = await BlockStmExecutor.create({ threads: 2, warmUp: false, contentionWindow: 0 });
  });
  afterAll(async () => {
    await executor.close();
  });

  for (const workload of WORKLOADS) {
    it(`agrees with the reference on ${workload} at 1, 2 and 4 threads`, async () => {
      for (const accounts of [3, 200]) {
        const block = generate(workload, { accounts, txs: 300, seed: 11, hashCost: 1 });
        const expected = executeReference(block);
        for (const threads of [1, 2, 4]) {
          const result = await executor.execute(block, { threads });
          expectSameResult(result, expected);
          expect(result.stats.fallback).toBe('');
          expect(result.stats.executions).toBeGreaterThanOrEqual(block.txs.length);
          expect(result.stats.validations).toBeGreaterThanOrEqual(block.txs.length);
        }
      }
    });
  }

  it('resolves deltas against their bounds exactly as the reference, whatever the base', async () => {
    for (const block of [nearBoundMints(40), nearOverflowCredits(40), deltaThenRead(60)]) {
      const expected = executeReference(block);
      expect(expected.receipts.some((r) => r.status === 'reverted')).toBe(true);
      for (const threads of [1, 2, 4]) expectSameResult(await executor.execute(block, { threads }), expected);
    }
  });

  it('loads only the declared keys of a pre-state far larger than the block, and reruns with all of it after a read past a footprint', async () => {
    const base = generate('token', { accounts: 40, txs: 300, seed: 12, hashCost: 1 });
    const large = withLargePreState(base, 5_000);
    const expected = executeReference(large);
    for (const threads of [1, 2, 4]) {
      const result = await executor.execute(large, { threads });
      expectSameResult(result, expected);
      expect(result.stats.preStateReloads).toBe(0);
    }
    const past = withReadPastFootprint(base, 5_000, 150);
    const pastExpected = executeReference(past);
    expect(pastExpected.receipts[150]!.outputs).toEqual([1_007]);
    for (const threads of [1, 2, 4]) {
      const result = await executor.execute(past, { threads });
      expectSameResult(result, pastExpected);
      expect(result.stats.preStateReloads).toBe(1);
      expect(result.stats.fallback).toBe('');
    }
  });

  it('reads a SharedState pre-state from the workers, loading none of it, even past a footprint or for a program without one', async () => {
    const base = generate('token', { accounts: 40, txs: 300, seed: 12, hashCost: 1 });
    const blocks = [
      withReadPastFootprint(base, 5_000, 150),
      generate('defi', { accounts: 30, txs: 300, seed: 13, hashCost: 1 }),
      deltaThenRead(60),
      highKeys(50),
      // A block whose programs declare no footprint, so reads may go anywhere in the pre-state.
      { ...base, programs: base.programs.map(({ footprint: _, ...p }) => p) },
    ];
    for (const plain of blocks) {
      const block = { ...plain, preState: new SharedState(plain.preState) };
      const expected = executeReference(plain);
      for (const threads of [1, 2, 4]) {
        const result = await executor.execute(block, { threads });
        expectSameResult(result, expected);
        expect(result.stats.preStateReloads).toBe(0);
        expect(result.stats.fallback).toBe('');
      }
    }
  });

  it('handles keys at the top of the key range', async () => {
    const block = highKeys(50);
    const expected = executeReference(block);
    for (const threads of [1, 2, 4]) expectSameResult(await executor.execute(block, { threads }), expected);
  });

  it('skips every transaction after cumulative gas reaches the block gas limit', async () => {
    const base = generate('p2p', { accounts: 5, txs: 200, seed: 3, hashCost: 1 });
    const perTx = executeReference(base).receipts[0]!.gasUsed;
    for (const gasLimit of [1, perTx * 50 + 1, perTx * 120]) {
      const block = { ...base, gasLimit };
      const expected = executeReference(block);
      expect(expected.receipts.at(-1)!.status).toBe('skipped');
      for (const threads of [1, 2, 4]) expectSameResult(await executor.execute(block, { threads }), expected);
    }
  });

  it('gives the same result at every thread count and on every run', async () => {
    const block = generate('defi', { accounts: 20, txs: 400, seed: 5, hashCost: 1 });
    const first = await executor.execute(block, { threads: 1 });
    for (const threads of [2, 3, 4, 2, 4]) {
      const again = await executor.execute(block, { threads });
      expect(again.reads).toEqual(first.reads);
      expect(again.receipts).toEqual(first.receipts);
      expect(again.stateRoot).toBe(first.stateRoot);
    }
  });

  it('runs the parallel paths: re-executions, failed validations and ESTIMATE waits happen under contention', async () => {
    // On a loaded machine one worker may finish a small block before the others start: try a few times.
    const block = generate('p2p', { accounts: 2, txs: 2000, seed: 9, hashCost: 1 });
    const expected = executeReference(block);
    let reExecutions = 0;
    let failed = 0;
    let waits = 0;
    for (let run = 0; run < 10 && (reExecutions === 0 || failed + waits === 0); run++) {
      const result = await executor.execute(block, { threads: 4 });
      expectSameResult(result, expected);
      reExecutions += result.stats.reExecutions;
      failed += result.stats.failedValidations;
      waits += result.stats.estimateWaits;
    }
    expect(reExecutions).toBeGreaterThan(0);
    expect(failed + waits).toBeGreaterThan(0);
  });

  it('handles empty and one-transaction blocks', async () => {
    for (const block of [generate('p2p', { accounts: 4, txs: 0 }), generate('p2p', { accounts: 4, txs: 1 })]) {
      for (const threads of [1, 4]) expectSameResult(await executor.execute(block, { threads }), executeReference(block));
    }
  });

  it('rejects a block whose worker throws, and runs the next block correctly', async () => {
    const block = generate('token', { accounts: 50, txs: 300, seed: 2, hashCost: 1 });
    executor.injectFault({ kind: 'throw', tx: 120 });
    await expect(executor.execute(block, { threads: 2 })).rejects.toThrow(/worker \d: .*injected fault while executing transaction 120/);
    expectSameResult(await executor.execute(block, { threads: 2 }), executeReference(block));
  });

  it('rejects a block whose worker dies, replaces the worker, and runs the next block correctly', async () => {
    const block = generate('p2p', { accounts: 50, txs: 300, seed: 4, hashCost: 1 });
    executor.injectFault({ kind: 'exit', tx: 77 });
    const failure = executor.execute(block, { threads: 2 });
    await expect(failure).rejects.toBeInstanceOf(BlockStmError);
    await expect(failure).rejects.toThrow(/exited with code 70/);
    for (const threads of [2, 4]) expectSameResult(await executor.execute(block, { threads }), executeReference(block));
  });

  it('grows its buffers when a block does not fit, and fails clearly past the limit', async () => {
    const block = generate('defi', { accounts: 30, txs: 300, seed: 8, hashCost: 1 });
    // A key table sized for the block's writes alone (nothing of a SharedState is loaded) grows the same way.
    for (const given of [block, { ...block, preState: new SharedState(block.preState) }]) {
      const small = await BlockStmExecutor.create({ threads: 2, warmUp: false, capacityScale: 0.02 });
      try {
        const result = await small.execute(given);
        expectSameResult(result, executeReference(block));
        expect(result.stats.capacityRetries).toBeGreaterThan(0);
      } finally {
        await small.close();
      }
    }
    const capped = await BlockStmExecutor.create({ threads: 1, warmUp: false, maxBufferBytes: 4096 });
    try {
      await expect(capped.execute(block)).rejects.toThrow(/^block-stm: the block needs \d+ (bytes|MiB) of shared buffers, above the limit of 4096 bytes$/);
    } finally {
      await capped.close();
    }
  });

  it('finishes the block sequentially when an incarnation passes the watchdog bound', async () => {
    const block = generate('p2p', { accounts: 2, txs: 1000, seed: 6, hashCost: 1 });
    const expected = executeReference(block);
    const strict = await BlockStmExecutor.create({ threads: 4, warmUp: false, maxIncarnations: 0, contentionWindow: 0 });
    try {
      let fallbacks = 0;
      for (let run = 0; run < 10 && fallbacks === 0; run++) {
        const result = await strict.execute(block);
        expectSameResult(result, expected);
        if (result.stats.fallback) {
          expect(result.stats.fallback).toMatch(/^watchdog: transaction \d+ passed 0 incarnations$/);
          fallbacks++;
        }
      }
      expect(fallbacks).toBe(1);
    } finally {
      await strict.close();
    }
  });

  it('finishes a block sequentially when the contention check finds parallel execution losing', async () => {
    const contended = generate('p2p', { accounts: 2, txs: 2000, seed: 6, hashCost: 1 });
    const spread = generate('p2p', { accounts: 5000, txs: 2000, seed: 6, hashCost: 1 });
    // The preflight would send the contended block away before the workers see it.
    const checking = await BlockStmExecutor.create({ threads: 2, warmUp: false, contentionWindow: 8, preflight: false });
    try {
      let fallbacks = 0;
      for (let run = 0; run < 10 && fallbacks === 0; run++) {
        const result = await checking.execute(contended);
        expectSameResult(result, executeReference(contended));
        if (result.stats.fallback) {
          expect(result.stats.fallback).toMatch(/^contention: transactions \d+ to \d+ needed \d+ executions$/);
          fallbacks++;
        }
      }
      expect(fallbacks).toBe(1);
      const result = await checking.execute(spread);
      expectSameResult(result, executeReference(spread));
      expect(result.stats.fallback).toBe('');
    } finally {
      await checking.close();
    }
  });

  it('judges contention against the cores where threads outnumber them, and against two at least', () => {
    expect([contentionWorkers(1, 2), contentionWorkers(2, 2), contentionWorkers(8, 2), contentionWorkers(8, 1), contentionWorkers(8, 16)]).toEqual([1, 2, 2, 2, 8]);
  });

  it('sends a block whose declared footprints chain it in block order to the sequential executor (preflight)', async () => {
    const contended = generate('p2p', { accounts: 2, txs: 1200, seed: 6, hashCost: 0 });
    const spread = generate('p2p', { accounts: 5000, txs: 1200, seed: 6, hashCost: 0 });
    const small = generate('p2p', { accounts: 2, txs: 200, seed: 6, hashCost: 0 });
    const unknown = { ...contended, programs: contended.programs.map(({ footprint: _, ...p }) => p) };
    const checking = await BlockStmExecutor.create({ threads: 2, warmUp: false, contentionWindow: 64 });
    try {
      const result = await checking.execute(contended);
      expectSameResult(result, executeReference(contended));
      expect(result.stats.fallback).toMatch(/^preflight: the first 512 transactions' declared footprints chain (\d+) of them in block order/);
      expect(result.stats.executions).toBe(contended.txs.length);
      expect(preflight(contended)!.chain).toBeGreaterThan(512 / MIN_PARALLELISM);
      expect(preflight(spread)!.chain).toBeLessThan(20);
      expect(preflight(unknown)).toBeNull();
      for (const block of [spread, small, unknown]) {
        const r = await checking.execute(block);
        expectSameResult(r, executeReference(block));
        expect(r.stats.fallback).not.toMatch(/^preflight/);
      }
      expect((await checking.execute(contended, { threads: 1 })).stats.fallback).toBe('');
    } finally {
      await checking.close();
    }
  });

  it('aborts a stalled block: no active task and no scheduler move for stallMs', async () => {
    const block = generate('p2p', { accounts: 10, txs: 10, seed: 1, hashCost: 1 });
    const L = layoutFor(block, estimateCapacity(block, 1, 2));
    const i32 = new Int32Array(new SharedArrayBuffer(4 * L.i32Size));
    const check = stallWatchdog(i32, L, 300);
    check();
    Atomics.store(i32, activeTaskCell(L, 1), 1);
    await new Promise((r) => setTimeout(r, 400));
    check(); // a task is active: someone is working, however long it takes
    Atomics.store(i32, activeTaskCell(L, 1), 0);
    check();
    await new Promise((r) => setTimeout(r, 400));
    let thrown: unknown;
    try {
      check();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(ABORTED);
    expect(i32[H.STATE]).toBe(ABORT_STALL);
  });

  it('is registered as block-stm and reports start-up apart', async () => {
    const fromRegistry = await createExecutor('block-stm', { threads: 2 });
    try {
      expect(fromRegistry.name).toBe('block-stm');
      expect((fromRegistry as BlockStmExecutor).startupMs).toBeGreaterThan(0);
      const block = generate('nft', { accounts: 10, txs: 100, seed: 1, hashCost: 1 });
      expectSameResult(await fromRegistry.execute(block), executeReference(block));
    } finally {
      await fromRegistry.close();
    }
    await expect(executor.execute(generate('p2p', { txs: 1 }), { threads: 0 })).rejects.toThrow(/threads must be an integer from 1 to/);
  });
});
