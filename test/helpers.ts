// Small builders shared by the tests: a block from readable programs, a pre-state far larger than
// a block's footprints (with or without a read past them), the error a parser throws; and
// whether this machine can pin a process to a core, and the calling thread's allowed CPUs; the
// time limit of a test that starts the command line dozens of times; a machine probe measured
// once per test file, for the files that run bench in-process many times; a command run beside
// the tests that follow, for one that spends its time waiting.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { assemble, type ReadableOp } from '../spec/bytecode.js';
import { expect } from 'vitest';
import type { Block, BlockResult, Program, Transaction } from '../spec/block.js';
import { DEFAULT_BLOCK_GAS_LIMIT } from '../spec/block.js';

export function program(ops: ReadableOp[], name = 'p'): Program {
  return { name, code: assemble(ops), arity: 16 };
}

export function blockOf(
  txs: { ops: ReadableOp[]; args?: number[]; gasLimit?: number }[],
  preState: [number, number][] = [],
  gasLimit = DEFAULT_BLOCK_GAS_LIMIT,
): Block {
  const programs = txs.map((t, i) => program(t.ops, `tx${i}`));
  const list: Transaction[] = txs.map((t, i) => ({ program: i, args: t.args ?? [], gasLimit: t.gasLimit ?? 100_000 }));
  return { programs, txs: list, preState: new Map(preState), gasLimit };
}

/** The error of class `type` that `f` throws; any other error is rethrown, and throwing nothing fails. */
export function errorOf<E extends Error>(type: abstract new (...args: never[]) => E, f: () => unknown): E {
  try {
    f();
  } catch (e) {
    if (e instanceof type) return e;
    throw e;
  }
  throw new Error(`expected ${type.name}, but nothing was thrown`);
}

/** The calling thread's allowed CPUs as Linux writes them ("0-1"), from /proc/thread-self/status. */
export function threadCpuList(): string | undefined {
  return /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/thread-self/status', 'utf8'))?.[1];
}

/** Whether this machine can pin a process to a core: Linux with util-linux's taskset (bench/core-speeds.ts). */
export const canPin = process.platform === 'linux' && spawnSync('taskset', ['-V']).status === 0;

/** The first entity of the filler `withLargePreState` adds: far above any workload's accounts. */
export const FILLER_ENTITY = 2_000_000;

/**
 * The block with `extra` more pre-state balances, of entities no transaction names, so the
 * pre-state dwarfs the keys the footprints declare (Block-STM then loads only those).
 */
export function withLargePreState(block: Block, extra: number): Block {
  const preState = new Map(block.preState);
  for (let e = 0; e < extra; e++) preState.set((FILLER_ENTITY + e) * 16, 1_000 + e);
  return { ...block, preState };
}

/**
 * withLargePreState(block, extra) with a transaction inserted at `at` that declares a read of one
 * account's balance but also reads a filler entity's and emits it: a read past its footprint, of a
 * key whose pre-state value is not 0.
 */
export function withReadPastFootprint(block: Block, extra: number, at: number): Block {
  const peek: Program = {
    name: 'peek', arity: 2,
    code: assemble([['muli', 'r2', 'r0', 16], ['read', 'r3', 'r2'], ['muli', 'r4', 'r1', 16], ['read', 'r5', 'r4'], ['emit', 'r5'], ['stop']]),
    footprint: [{ key: { arg: 0, mul: 16, add: 0 }, access: 'read' }],
  };
  const txs = [...block.txs];
  txs.splice(at, 0, { program: block.programs.length, args: [1, FILLER_ENTITY + 7], gasLimit: 100_000 });
  return withLargePreState({ ...block, programs: [...block.programs, peek], txs }, extra);
}

/**
 * For a test that runs the command line dozens of times, one after another: at about a second a
 * start on this 2-core machine, such tests took 46-51 s of the suite's 60 s limit with other work
 * beside them, and 66-69 s with more. The limit is there to catch a hang, not to time them.
 */
export const SPAWNS_TIMEOUT_MS = 180_000;

/**
 * `module` with its export `name` (a machine probe: bench/core-speeds.ts's probeCoreSpeeds,
 * bench/ceiling.ts's threadCeiling) measuring once per test file and arguments, every later call
 * answered with the last measurement (a promise that rejected is measured again); while `afresh()`
 * holds, every call measures. For vi.mock in a file that runs bench in-process many times: each
 * run probed the cores and the ceilings at its start and end, 2.6 s of CPU a tiny bench's 7, where
 * most of its tests are about what bench does with a probe, not the machine (test/core-speeds.test.ts
 * and test/bench-ceiling.test.ts are).
 */
export function measuredOnce<M extends object>(module: M, name: keyof M & string, afresh: () => boolean): M {
  const real = module[name] as (...args: unknown[]) => unknown;
  const measured = new Map<string, unknown>();
  const once = (...args: unknown[]): unknown => {
    const key = JSON.stringify(args);
    if (afresh() || !measured.has(key)) {
      const got = real(...args);
      measured.set(key, got);
      if (got instanceof Promise) got.catch(() => measured.delete(key));
    }
    return measured.get(key);
  };
  return { ...module, [name]: once };
}

/** What a command printed and how it ended, as spawnSync gives them. */
export interface Ran {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A command ranLater started: how it ended, once it has; `stop` ends it (SIGTERM, on which concord ends what it started) if it has not. */
export interface Running {
  readonly ran: Promise<Ran>;
  readonly stop: () => void;
}

/**
 * Runs `file` with `args` as spawnSync does, without holding the test file's thread: for a
 * command that spends most of its time waiting (an engine's hang, a pipe no process reads),
 * started in a beforeAll or first in its test, so that the commands after it run meanwhile.
 * Sent SIGTERM past `timeoutMs`, as spawnSync's timeout does.
 */
export function ranLater(file: string, args: readonly string[], timeoutMs: number): Running {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ran = new Promise<Ran>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, stdout, stderr }); });
  });
  return { ran, stop: () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM'); } };
}

/** An executor's result equals the reference's: roots, receipts, per-transaction reads, gas and state. */
export function expectSameResult(actual: BlockResult, expected: BlockResult): void {
  expect(actual.stateRoot).toBe(expected.stateRoot);
  expect(actual.receiptsRoot).toBe(expected.receiptsRoot);
  expect(actual.receipts).toEqual(expected.receipts);
  expect(actual.reads).toEqual(expected.reads);
  expect(actual.gasUsed).toBe(expected.gasUsed);
  expect(actual.state).toEqual(expected.state);
}
