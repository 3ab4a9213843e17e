// What a Block built in memory must hold for an executor to run it: what spec/block-file.ts checks
// of a block file, for the blocks a program builds itself (a node's block loop, a harness), where
// nothing checked types. blockProblem names the first problem as a block file's errors do
// ("transaction 3: field args[2]: ..."), and an executor refuses the block before running any of
// it. The pre-state's entries are not walked: a block costs what it touches, not the size of the
// state it runs on (a 1,000-transaction block over a million accounts), so its values are the
// caller's to keep in range, as a block file's are checked when it is read.

import type { Block, Program } from './block.js';
import { REGISTERS } from './bytecode.js';
import { MAX_TX_GAS_LIMIT } from './block-file.js';
import { describeValue } from './messages.js';
import { plural } from './plural.js';
import { isValue } from './values.js';

const isCount = (v: unknown, max: number): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;

/** Throws what `fail` makes of "EXECUTOR: the block is malformed: ..." when `block` is not one an executor can run. */
export function checkBlock(executor: string, block: unknown, fail: (message: string) => Error = (m) => new Error(m)): void {
  const problem = blockProblem(block);
  if (problem !== undefined) throw fail(`${executor}: the block is malformed: ${problem}`);
}

/** The first thing that keeps `block` from being a Block an executor can run, or undefined. */
export function blockProblem(block: unknown): string | undefined {
  if (typeof block !== 'object' || block === null) return `expected a block object, got ${describeValue(block)}`;
  const { programs, txs, preState, gasLimit } = block as Partial<Record<keyof Block, unknown>>;
  if (!isCount(gasLimit, Number.MAX_SAFE_INTEGER)) {
    // The top of the value range is said only to a value past it, as a block file's field check says it.
    const top = typeof gasLimit === 'number' && gasLimit > Number.MAX_SAFE_INTEGER ? ' and at most 2^53 - 1' : '';
    return `field gasLimit: expected an integer >= 0${top}, got ${describeValue(gasLimit)}`;
  }
  if (!Array.isArray(programs)) return `field programs: expected a list, got ${describeValue(programs)}`;
  for (const [p, program] of programs.entries()) {
    if (!((program as { code?: unknown } | null)?.code instanceof Float64Array)) return `program ${p}: field code: expected a Float64Array (spec/bytecode.ts assemble)`;
    const { arity } = program as { arity?: unknown };
    if (!isCount(arity, REGISTERS)) return `program ${p}: field arity: expected an integer from 0 to ${REGISTERS} (arguments go in r0..r${REGISTERS - 1}), got ${describeValue(arity)}`;
  }
  if (!(preState instanceof Map)) return `field preState: expected a Map of key to value, got ${describeValue(preState)}`;
  if (!Array.isArray(txs)) return `field txs: expected a list, got ${describeValue(txs)}`;
  // Indexed loops: this runs before every block an executor is given (0.1 ms for 10,000 transactions).
  const last = programs.length - 1;
  for (let t = 0; t < txs.length; t++) {
    const { program, args, gasLimit: gas } = (txs[t] ?? {}) as { program?: unknown; args?: unknown; gasLimit?: unknown };
    if (!isCount(program, last)) return `transaction ${t}: field program: expected a program index from 0 to ${last}, got ${describeValue(program)}`;
    if (!isCount(gas, MAX_TX_GAS_LIMIT)) return `transaction ${t}: field gasLimit: expected an integer from 0 to ${MAX_TX_GAS_LIMIT}, got ${describeValue(gas)}`;
    if (!Array.isArray(args)) return `transaction ${t}: field args: expected a list, got ${describeValue(args)}`;
    // Fewer arguments read 0, as in a block file; more would land in registers the program does not expect.
    const { arity } = programs[program] as Program;
    if (args.length > arity) return `transaction ${t}: field args: program ${program} takes ${arity === 0 ? 'no arguments' : plural(arity, 'argument')}, got ${args.length}`;
    for (let j = 0; j < args.length; j++) {
      if (!isValue(args[j])) return `transaction ${t}: field args[${j}]: expected an integer in the value range, got ${describeValue(args[j])}`;
    }
  }
  return undefined;
}
