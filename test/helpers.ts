// Small builders shared by the tests: a block from readable programs, a one-transaction run; and
// whether this machine can pin a process to a core, and the calling thread's allowed CPUs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { assemble, type ReadableOp } from '../spec/bytecode.js';
import type { Block, Program, Transaction } from '../spec/block.js';
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

/** The calling thread's allowed CPUs as Linux writes them ("0-1"), from /proc/thread-self/status. */
export function threadCpuList(): string | undefined {
  return /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/thread-self/status', 'utf8'))?.[1];
}

/** Whether this machine can pin a process to a core: Linux with util-linux's taskset (bench/core-speeds.ts). */
export const canPin = process.platform === 'linux' && spawnSync('taskset', ['-V']).status === 0;
