// The parallel executors as a library (a node's block loop calls them from JavaScript, where
// nothing checks types): every option is checked before a worker starts, with the option and the
// value named; a failed create leaves no worker behind; execute() always returns a promise, and
// after close() it rejects rather than end the process (a user audit found modular's did); a block
// built in memory with a bad field is refused by every built-in executor, naming the transaction
// and the field (Block-STM ran a fractional argument to another root than the reference's).
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate } from '../bench/workloads.js';
import { BlockStmExecutor, BlockStmError } from '../impl/blockstm/executor.js';
import { ModularError, ModularExecutor } from '../impl/modular/executor.js';
import { createExecutor } from '../impl/registry.js';
import type { BlockResult } from '../spec/block.js';
import { executeReference } from '../spec/reference.js';

const block = generate('p2p', { accounts: 10, txs: 20, hashCost: 0 });
const osThreads = () => readdirSync('/proc/self/task').length;

describe('the parallel executors as a library', () => {
  it('refuse a bad option before starting a worker, naming it and the value given', async () => {
    const blockStm = [
      [{ capacityScale: 0 }, 'block-stm: capacityScale must be a number from 0.000001 to 1000000, got 0'],
      [{ maxIncarnations: 'x' }, 'block-stm: maxIncarnations must be an integer from 0 to'],
      [{ stallMs: -1 }, 'block-stm: stallMs must be a number from 1 to 86400000, got -1'],
      [{ contentionWindow: Number.NaN }, 'block-stm: contentionWindow must be an integer from 0 to 2147483647, got NaN'],
      [{ maxBufferBytes: 0 }, 'block-stm: maxBufferBytes must be an integer from 1 to'],
      [{ threads: '2' }, 'block-stm: threads must be an integer from 1 to 64, got "2"'],
      [{ warmUp: 'no' }, 'block-stm: warmUp must be true or false, got "no"'],
      [{ bugs: ['nope'] }, 'block-stm: unknown planted bug "nope"'],
    ] as const;
    for (const [options, message] of blockStm) {
      await expect(BlockStmExecutor.create({ threads: 2, ...options } as never), JSON.stringify(options)).rejects.toThrow(expect.objectContaining({ message: expect.stringContaining(message) }));
      await expect(BlockStmExecutor.create({ threads: 2, ...options } as never)).rejects.toBeInstanceOf(BlockStmError);
    }
    const modular = [
      [{ partition: null }, 'modular: partition must be one of hash, range, affinity or a partitioner (an object with forBlock), got null'],
      [{ partition: 'rings' }, 'modular: unknown partition "rings"'],
      [{ stallMs: 0 }, 'modular: stallMs must be a number from 1 to 86400000, got 0'],
      [{ cores: 0 }, 'modular: cores must be an integer from 1 to'],
      [{ preflight: 1 }, 'modular: preflight must be true or false, got 1'],
    ] as const;
    for (const [options, message] of modular) {
      await expect(ModularExecutor.create({ threads: 2, ...options } as never), JSON.stringify(options)).rejects.toThrow(expect.objectContaining({ message: expect.stringContaining(message) }));
      await expect(ModularExecutor.create({ threads: 2, ...options } as never)).rejects.toBeInstanceOf(ModularError);
    }
    // Through the registry, a 0 is a bad count, not "the default".
    await expect(createExecutor('block-stm', { threads: 0 })).rejects.toThrow('block-stm: threads must be an integer from 1 to');
    await expect(createExecutor('modular', { modules: 0 })).rejects.toThrow('modular: modules must be an integer from 1 to');
  });

  // The docs say every option is checked, and { thread: 4 } (threads misspelt) ran on the default count, silently.
  it('refuse an option they do not take, naming it and the ones they do, and name their errors', async () => {
    const threads = osThreads();
    const stm = await BlockStmExecutor.create({ thread: 4, bogus: 1 } as never).catch((e: unknown) => e);
    expect(stm).toBeInstanceOf(BlockStmError);
    expect(String(stm)).toBe('BlockStmError: block-stm: unknown options thread, bogus: the options are threads, maxIncarnations, contentionWindow, preflight, stallMs, bugs, capacityScale, maxBufferBytes, warmUp');
    const modular = await ModularExecutor.create({ thread: 4 } as never).catch((e: unknown) => e);
    expect(modular).toBeInstanceOf(ModularError);
    expect(String(modular)).toBe('ModularError: modular: unknown option thread: the options are threads, modules, partition, bugs, stallMs, warmUp, cores, preflight');
    for (const create of [BlockStmExecutor.create, ModularExecutor.create]) {
      await expect(create(null as never)).rejects.toThrow(/^(block-stm|modular): options must be an object \(\{ threads, \.\.\. \}\), got null$/);
    }
    // The error's name rides on its class, not on each error: JSON and inspect show no extra field.
    expect(Object.keys(stm as object)).toEqual([]);
    expect(osThreads()).toBe(threads);
  });

  // DESIGN's fixed point: pools start once and are reused across blocks. A pool restarted per block
  // would still give every right result; its start-up time, summed over the workers it started, says it.
  it('run every block on the pool they started, starting no worker after the first block at a thread count', async () => {
    for (const create of [() => BlockStmExecutor.create({ threads: 3 }), () => ModularExecutor.create({ threads: 3 })]) {
      const ex = await create();
      try {
        await ex.execute(block);
        const startup = ex.startupMs;
        for (let i = 0; i < 4; i++) expect((await ex.execute(block)).stateRoot).toBe(executeReference(block).stateRoot);
        expect([ex.name, ex.startupMs]).toEqual([ex.name, startup]);
      } finally {
        await ex.close();
      }
    }
  });

  it('close the pool when the warm-up fails, so a retried create leaves no worker behind', async () => {
    const before = osThreads();
    for (let i = 0; i < 3; i++) {
      // A 1 KB buffer limit fails the warm-up block, after the pool started.
      await expect(BlockStmExecutor.create({ threads: 3, maxBufferBytes: 1024 })).rejects.toThrow(/above the limit of 1024 bytes/);
    }
    // Terminated workers' threads are gone once the pool's close() settled.
    expect(osThreads()).toBeLessThanOrEqual(before + 1);
  });

  it('refuse a block built in memory with a bad field, naming where, and run the next block', async () => {
    const bad: [object, string][] = [
      [{ ...block, txs: block.txs.map((t, i) => (i === 2 ? { ...t, args: [0, 1, 1.5] } : t)) }, 'transaction 2: field args[2]: expected an integer in the value range, got 1.5'],
      [{ ...block, txs: block.txs.map((t, i) => (i === 1 ? { ...t, program: '0' } : t)) }, `transaction 1: field program: expected a program index from 0 to ${block.programs.length - 1}, got "0"`],
      [{ ...block, txs: block.txs.map((t, i) => (i === 0 ? { ...t, gasLimit: -1 } : t)) }, 'transaction 0: field gasLimit: expected an integer from 0 to 100000000, got -1'],
      [{ ...block, preState: {} }, 'field preState: expected a Map of key to value, got {}'],
      [{ ...block, gasLimit: Number.NaN }, 'field gasLimit: expected an integer >= 0, got NaN'],
      [{ ...block, txs: block.txs.map((t, i) => (i === 3 ? { ...t, args: [...t.args, 7] } : t)) }, `transaction 3: field args: program ${block.txs[3]!.program} takes ${block.programs[block.txs[3]!.program]!.arity} arguments, got ${block.txs[3]!.args.length + 1}`],
      [{ ...block, programs: block.programs.map((p, i) => (i === 0 ? { ...p, arity: 17 } : p)) }, 'program 0: field arity: expected an integer from 0 to 16 (arguments go in r0..r15), got 17'],
    ];
    const root = executeReference(block).stateRoot;
    for (const name of ['block-stm', 'modular', 'sequential', 'reference']) {
      const ex = await createExecutor(name, name === 'block-stm' || name === 'modular' ? { threads: 2 } : {});
      try {
        for (const [b, message] of bad) await expect(ex.execute(b as never), `${name}: ${message}`).rejects.toThrow(`${name}: the block is malformed: ${message}`);
        expect((await ex.execute(block)).stateRoot).toBe(root);
      } finally {
        await ex.close();
      }
    }
  });

  it('reject, never throw or crash, on a bad per-call thread count and after close(), also with a call in flight', async () => {
    for (const create of [() => ModularExecutor.create({ threads: 2, warmUp: false }), () => BlockStmExecutor.create({ threads: 2, warmUp: false })]) {
      const ex = await create();
      let call: Promise<unknown> | undefined;
      expect(() => { call = ex.execute(block, { threads: 0 }); }).not.toThrow();
      await expect(call).rejects.toThrow(/threads must be an integer from 1 to \d+, got 0/);
      const inFlight = ex.execute(block);
      const closing = ex.close();
      await expect(ex.execute(block)).rejects.toThrow(`${ex.name}: the executor is closed`);
      expect((await inFlight as BlockResult).stateRoot).toBe(executeReference(block).stateRoot);
      await closing;
      await expect(ex.execute(block)).rejects.toThrow(`${ex.name}: the executor is closed`);
    }
  });
});
