// `concord gen`: writes a seeded workload as a block file (format concord-block/1), or, with
// --contract, a block file running a contract file `concord prove` checks: its program, and one
// transaction per --call.
// Invariants: the file is written whole or not at all (temp file, then rename; a pipe or a device
// the path names is written in place) and never over the --contract file it reads; a refused
// command leaves nothing behind, not even the folders --out would have needed; a contract's block
// is read back as `run` reads it before it is written, so what gen writes, run takes. A signal
// (Ctrl-C, a CI job's SIGTERM) before the file is written ends the process by that signal, with one
// line saying at which transaction of how many it stopped and that the file was not written
// (cli/ending-signal.ts); a large block is made a slice at a time so that the signal is heard.

import { existsSync } from 'node:fs';
import { BLOCK_FORMAT, BlockFileError, blockFileParts, parseBlock } from '../spec/block-file.js';
import { plural } from '../spec/plural.js';
import { ContractFileError, loadContractFile, programEntry } from '../spec/smt/user-contract.js';
import { generate } from '../bench/workloads.js';
import { shellWord } from '../properties/printed-command.js';
import { UsageError } from './errors.js';
import { checkOutFile, fsReason, refuseOverwrite, writeStdout, writeWhole } from './output.js';
import { givenWorkloadFlags, workloadSpec, type WorkloadOptions } from './block-source.js';
import { endingSignal, unlessSignalled, type EndingSignal } from './ending-signal.js';
import { failureLines } from './failure-lines.js';
import { takeTurn } from '../spec/turn.js';

export interface GenOptions extends WorkloadOptions {
  out?: string;
  /** A contract file (docs/prove.md) to write a block for, instead of a workload. */
  contract?: string;
  /** With contract: each a call's arguments, comma-separated. */
  call?: readonly string[];
}

/** How far gen got: the block's transactions made (generated and written as JSON) of how many; total null before it is known. */
interface Made {
  done: number;
  total: number | null;
}

/** Transactions made between two looks for a signal: a 1,000,000-transaction block takes seconds. */
const SLICE = 10_000;

export async function genCommand(o: GenOptions): Promise<number> {
  // Listening from the start: with no listener, a signal ends the process at once, without a word.
  const made: Made = { done: 0, total: null };
  const out = o.out === '-' || o.out === '' ? undefined : o.out;
  // Whether --out was there before gen ran, for the line a signal leaves: a file it would have replaced is left as it was.
  const there = out !== undefined && existsSync(out);
  return unlessSignalled(() => gen(o, made, out), (signal) => process.stderr.write(failureLines('gen', stoppedText(signal, made, out, there)).stderr));
}

/** What a gen stopped by `signal` says: how far it got, and that nothing was written. */
function stoppedText(signal: EndingSignal, made: Made, out: string | undefined, there: boolean): string {
  const left = out === undefined ? 'nothing was written to standard output' : there ? `${out} is left as it was` : `${out} was not written`;
  if (made.total === null) return `stopped by ${signal} before the block was made; ${left}`;
  return `stopped by ${signal} at transaction ${Math.min(made.done + 1, made.total).toLocaleString('en-US')} of ${made.total.toLocaleString('en-US')} (${made.done.toLocaleString('en-US')} made); ${left}`;
}

/** `out`: the file --out names, undefined for standard output. */
async function gen(o: GenOptions, made: Made, out: string | undefined): Promise<number> {
  if (o.out === '') throw new UsageError('--out: empty file name; give a file, or - for stdout');
  if (o.contract === undefined && o.call !== undefined) throw new UsageError('--call names a call of the contract --contract gives; give --contract too');
  const make = o.contract === undefined ? workloadText(o, made) : await contractText(o.contract, o.call ?? [], o);
  // Checking --out makes its folders, so it comes after every option is known good; and before
  // generating, so that a bad path fails at once even for a million transactions.
  if (out !== undefined) {
    refuseOverwrite(out, '--out', o.contract === undefined ? [] : [{ flag: '--contract', path: o.contract }]);
    checkOutFile(out, '--out');
  }
  const { text, txs } = await make();
  // A signal while the block was made said it was not written: it must not be written after. From
  // here on nothing awaits, so no signal's line can come between this and the write.
  if (endingSignal() !== null) await new Promise<never>(() => {});
  if (out === undefined) {
    writeStdout(text);
    return 0;
  }
  writeWhole(out, text);
  process.stderr.write(`wrote ${plural(txs, 'transaction')} to ${out}\n`);
  return 0;
}

/**
 * The workload's block, checked now and generated when called; `made` counts its transactions as
 * they are written as JSON, a slice at a time with a turn of the event loop between, in which a
 * signal's listener runs.
 */
function workloadText(o: WorkloadOptions, made: Made): () => Promise<{ text: string; txs: number }> {
  const { name, params } = workloadSpec(o);
  return async () => {
    made.total = params.txs;
    const block = generate(name, params);
    await takeTurn();
    const { head, transaction } = blockFileParts(block);
    // One transaction per line keeps large files readable and diffable.
    const lines: string[] = [];
    for (const [i, tx] of block.txs.entries()) {
      lines.push(`  ${JSON.stringify(transaction(tx))}`);
      if ((i + 1) % SLICE === 0) {
        made.done = i + 1;
        await takeTurn();
      }
    }
    made.done = block.txs.length;
    const headText = JSON.stringify(head, null, 1).slice(0, -2);
    return { text: `${headText},\n "transactions": [\n${lines.join(',\n')}\n ]\n}\n`, txs: block.txs.length };
  };
}

/** What a --call argument may be, said where one is not. */
const CALL_ARG = 'an argument is an integer from -(2^53 - 1) to 2^53 - 1, or a key name such as alice.balance (its key\'s number)';

/** A number in decimal, fraction or exponent form, which the block reader would take for an unknown name. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
/** One of those that is no integer: a fraction, with no exponent to make it one. */
const FRACTION = /^[+-]?\d*\.\d*[1-9]\d*$/;

/**
 * The arguments of one --call: integers, or names a block file's arguments take (a key,
 * `alice.balance`), which the block reader resolves (contractText). An argument is a value, so any
 * integer of the value range goes (-5 too), not only a key's number. A number written otherwise
 * than in digits (2.5, 1e3) and an empty argument are refused here, naming the argument: the block
 * reader would take them for names and say it knows none.
 */
function callArgs(call: string): (number | string)[] {
  if (call.trim() === '') return [];
  return call.split(',').map((raw, i) => {
    const value = raw.trim();
    const refuse = (problem: string) => new UsageError(`--call ${shellWord(call)}: field args[${i}]: ${problem}`);
    if (value === '') throw refuse(`an empty argument (a comma with nothing on one side): ${CALL_ARG}; --call '' is a call with none`);
    if (!/^-?\d+$/.test(value)) {
      if (FRACTION.test(value)) throw refuse(`${value} is not an integer: ${CALL_ARG}`);
      if (DECIMAL.test(value)) throw refuse(`${value} is a number not written in digits: write an integer as its digits, as -5 or 1000`);
      return value;
    }
    const n = Number(value);
    // Number() would round one past 2^53 silently, as JSON.parse would.
    if (!Number.isSafeInteger(n)) throw refuse(`${value} is not an integer in the value range [-(2^53 - 1), 2^53 - 1]`);
    return n;
  });
}

/**
 * The block running the contract in `file`: its program under the contract's name, and a
 * transaction per call; read back as a block file (blockFromJson) so that an argument the
 * program does not take is refused here, named by its --call.
 */
async function contractText(file: string, calls: readonly string[], o: WorkloadOptions): Promise<() => Promise<{ text: string; txs: number }>> {
  const workload = givenWorkloadFlags(o);
  if (workload.length) throw new UsageError(`give --contract or ${workload.join(', ')}, not both: the contract's block holds the calls --call gives`);
  let contract;
  try {
    contract = await loadContractFile(file, fsReason);
  } catch (e) {
    if (e instanceof ContractFileError) throw new UsageError(e.message);
    throw e;
  }
  const entry = programEntry(contract);
  const transactions = calls.map((call) => ({ program: contract.name, args: callArgs(call) }));
  // An instruction, a footprint entry and a transaction a line: readable, and diffable against the contract file.
  const lines = (xs: readonly unknown[], indent: string) => xs.map((x) => `${indent}${JSON.stringify(x)}`).join(',\n');
  const text = [
    '{',
    ` "format": ${JSON.stringify(BLOCK_FORMAT)},`,
    ' "programs": {',
    `  ${JSON.stringify(contract.name)}: {`,
    `   "arity": ${entry.arity},`,
    `   "ops": [\n${lines(entry.ops, '    ')}\n   ],`,
    `   "footprint": [${entry.footprint.length ? `\n${lines(entry.footprint, '    ')}\n   ` : ''}]`,
    '  }',
    ' },',
    ` "transactions": [${transactions.length ? `\n${lines(transactions, '  ')}\n ` : ''}]`,
    '}',
    '',
  ].join('\n');
  try {
    parseBlock(text, file);
  } catch (e) {
    if (!(e instanceof BlockFileError)) throw e;
    const tx = /^transaction (\d+)(?:: )?(.*)$/.exec(e.where);
    // A name the block knows no key or entity by: the block file's words, and what --call takes.
    const problem = e.problem.startsWith('unknown name ') ? `${e.problem}: ${CALL_ARG}` : e.problem;
    // Without its position: the line and column would be of the text gen made, not of a file the user has.
    throw new UsageError(tx ? `--call ${shellWord(calls[Number(tx[1])]!)}: ${tx[2] ? `${tx[2]}: ` : ''}${problem}` : `${e.file}: ${e.where}: ${e.problem}`);
  }
  return async () => ({ text, txs: transactions.length });
}
