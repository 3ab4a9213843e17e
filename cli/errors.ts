// How every concord command reports bad input: one line naming what and where, exit code 2,
// no stack trace, nothing written to stdout. Invariant: only UsageError and the spec's input
// errors become exit 2; anything else is a bug and keeps its stack.

import { InvalidArgumentError } from 'commander';
import { BlockFileError } from '../spec/block-file.js';
import { UnknownExecutorError } from '../impl/registry.js';

export class UsageError extends Error {}

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

export function isInputError(e: unknown): e is Error {
  return e instanceof UsageError || e instanceof BlockFileError || e instanceof UnknownExecutorError;
}

/** Runs a command body, turning input errors into `concord CMD: message` and exit code 2. */
export async function guard(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (isInputError(e)) {
      process.stderr.write(`concord ${command}: ${e.message}\n`);
      return EXIT.USAGE;
    }
    throw e;
  }
}

/** Parses an integer option in [min, max], naming the option and its range when it is not one. */
export function intOption(name: string, raw: string | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max.toLocaleString('en-US')}`;
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(v) || v < min || v > max) throw new UsageError(`${name} expects an integer ${range}, got "${raw}"`);
  return v;
}

/** intOption as a commander argument parser (for scripts that parse with commander directly). */
export function intArgument(name: string, min: number): (raw: string) => number {
  return (raw) => {
    try {
      return intOption(name, raw, min, min);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}
