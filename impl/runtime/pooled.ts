// What the pooled executors (Block-STM, modular) share around their algorithms: blocks run one at
// a time in call order over one worker pool, a JIT warm-up counted as start-up time, options
// checked before any worker starts (an unknown one refused), and the fault a test injects into the
// next block.
// Invariant: a block starts only once the previous one settled (fulfilled or rejected), so two
// blocks never share the pool's workers or an executor's reused buffers.

import type { Block } from '../../spec/block.js';
import { DEFAULT_BLOCK_GAS_LIMIT } from '../../spec/block.js';
import { contractProgram, keyOf } from '../../spec/contracts.js';
import { describeValue } from '../../spec/messages.js';
import { effectiveCores } from './cores.js';
import type { WorkerPool } from './pool.js';

/** A fault to inject, for tests: the worker that executes `tx` throws, or ends its thread. */
export interface InjectedFault {
  readonly kind: 'throw' | 'exit';
  readonly tx: number;
}

/** The hook a job calls before executing each transaction, meeting the injected fault at its transaction. */
export function faultHook(fault: InjectedFault): (tx: number) => void {
  return (tx) => {
    if (tx !== fault.tx) return;
    if (fault.kind === 'exit') process.exit(70);
    throw new Error(`injected fault while executing transaction ${tx}`);
  };
}

/** Runs blocks one at a time in call order; each takes the fault injected before it was queued. */
export class BlockQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private fault: InjectedFault | null = null;
  /** Set by close(): the executor takes no more blocks. */
  closed = false;

  inject(fault: InjectedFault): void {
    this.fault = fault;
  }

  enqueue<T>(run: (fault: InjectedFault | null) => Promise<T>): Promise<T> {
    const fault = this.fault;
    this.fault = null;
    const block = this.tail.then(() => run(fault));
    this.tail = block.catch(() => {});
    return block;
  }

  /** Takes no more blocks (`closed`), and settles once every queued block has. */
  close(): Promise<unknown> {
    this.closed = true;
    return this.tail;
  }
}

/**
 * `make()` on a pool just started, the pool closed when it throws (a warm-up block that fails):
 * no caller would hold the pool to close it.
 */
export async function closingOnFailure<T>(pool: WorkerPool, make: () => Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (e) {
    await pool.close();
    throw e;
  }
}

/** Times warmUp() runs its block, and the block's transactions. */
export const WARM_UP_RUNS = 3;
export const WARM_UP_TXS = 2000;

/** A small block of transfers and token credits between 64 accounts: the one warmUp() runs. */
export function warmUpBlock(txs = WARM_UP_TXS): Block {
  const accounts = 64;
  const preState = new Map<number, number>();
  for (let a = 0; a < accounts; a++) {
    preState.set(keyOf(a, 'balance'), 1_000_000);
    preState.set(keyOf(a, 'token'), 1_000_000);
  }
  const seq = new Array<number>(accounts).fill(0);
  return {
    programs: [contractProgram('p2p', 1), contractProgram('token', 1)],
    txs: Array.from({ length: txs }, (_, i) => {
      const from = (i * 7) % accounts;
      const to = (i * 13 + 1) % accounts;
      return i % 2 === 0
        ? { program: 0, args: [from, to, 1 + (i % 100), seq[from]!++], gasLimit: 1_000_000 }
        : { program: 1, args: [from, to, 1 + (i % 100)], gasLimit: 1_000_000 };
    }),
    preState,
    gasLimit: DEFAULT_BLOCK_GAS_LIMIT,
  };
}

/** Runs a small block through the executor a few times so the first real block meets compiled code; counted as start-up. */
export async function warmUp(pool: WorkerPool, execute: (block: Block) => Promise<unknown>): Promise<void> {
  const start = performance.now();
  const block = warmUpBlock();
  for (let i = 0; i < WARM_UP_RUNS; i++) await execute(block);
  pool.startupMs += performance.now() - start;
}

/**
 * The most threads an executor starts: 4 per core (effective: within the cgroup quota), and at
 * least 64 so that a small machine can still run a large machine's thread counts. Each worker holds about 18 MB, and threads beyond
 * that only queue for the cores; far more (a typo) would exhaust memory before failing.
 */
export function maxThreads(): number {
  return Math.max(64, 4 * effectiveCores());
}

/** `n` when it is an integer in [1, max]; otherwise the error `fail` makes of a sentence naming the option. */
export function countOption(executor: string, what: string, n: unknown, max: number, fail: (message: string) => Error): number {
  return numberOption(executor, what, n, 1, max, fail);
}

/**
 * `n` when it is a number in [min, max], an integer unless `fractions`; otherwise the error `fail`
 * makes of a sentence naming the option and the value given. Options reach an executor from
 * JavaScript too, where nothing checked their types.
 */
export function numberOption(executor: string, what: string, n: unknown, min: number, max: number, fail: (message: string) => Error, fractions = false): number {
  if (typeof n !== 'number' || !(fractions ? Number.isFinite(n) : Number.isInteger(n)) || n < min || n > max) {
    throw fail(`${executor}: ${what} must be ${fractions ? 'a number' : 'an integer'} from ${min} to ${max}, got ${describeValue(n)}`);
  }
  return n;
}

/**
 * Refuses `options` that is no object, or that holds a key `known` does not list: a misspelt
 * option (`{ thread: 4 }`) would otherwise be ignored, and the executor run on its default.
 * `known` lists every key of the options' type, so that an option added there cannot be left out.
 */
export function knownOptions<O extends object>(executor: string, options: unknown, known: Readonly<Record<keyof O, true>>, fail: (message: string) => Error): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw fail(`${executor}: options must be an object ({ threads, ... }), got ${describeValue(options)}`);
  const unknown = Object.keys(options).filter((k) => !Object.hasOwn(known, k));
  if (unknown.length) throw fail(`${executor}: unknown option${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}: the options are ${Object.keys(known).join(', ')}`);
}

/** `b` when it is a boolean or absent; otherwise the error `fail` makes of a sentence naming the option. */
export function flagOption(executor: string, what: string, b: unknown, fail: (message: string) => Error): boolean | undefined {
  if (b !== undefined && typeof b !== 'boolean') throw fail(`${executor}: ${what} must be true or false, got ${describeValue(b)}`);
  return b;
}

/** The most milliseconds a watchdog option may name: a day (a stall limit, not a timeout of the whole block). */
export const MAX_STALL_MS = 86_400_000;
