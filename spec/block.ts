// The data every executor consumes and produces: Block in, BlockResult out.
// Invariant: a Block is immutable once built and fully validated (programs assembled, every
// argument, gas limit and pre-state entry in range), so executors never re-check input.

import { isValue } from './values.js';

/** How a transaction may touch a key: read it, overwrite it, or add a bounded delta to it. */
export type AccessKind = 'read' | 'write' | 'delta';

/** A key computed from a call's arguments: args[arg] * mul + add, or just add without arg. */
export interface KeyExpr {
  readonly arg?: number;
  readonly mul?: number;
  readonly add: number;
}

export interface FootprintEntry {
  readonly key: KeyExpr;
  readonly access: AccessKind;
  /** For deltas: the bounds the program's DELTA uses, so the conflict table can weigh them. */
  readonly lo?: number;
  readonly hi?: number;
}

/** The keys a program declares it may touch, as functions of its arguments. */
export type Footprint = readonly FootprintEntry[];

export interface Program {
  readonly name: string;
  readonly code: Float64Array;
  /** Absent for raw programs that declare nothing; executors that need footprints treat those as touching everything. */
  readonly footprint?: Footprint;
  /** Number of arguments the program expects in r0..r(n-1). */
  readonly arity: number;
  /** Set when the program is a library contract, so block files can name it instead of listing code. */
  readonly contract?: { readonly name: string; readonly hashCost: number };
}

export interface Transaction {
  /** Index into Block.programs. */
  readonly program: number;
  readonly args: readonly number[];
  readonly gasLimit: number;
}

export interface Block {
  readonly programs: readonly Program[];
  readonly txs: readonly Transaction[];
  readonly preState: ReadonlyMap<number, number>;
  /** Once cumulative gas used reaches this, every later transaction is skipped. */
  readonly gasLimit: number;
  /** Readable names of entities by index (key = entity * 16 + field), used in files and explanations. */
  readonly entityNames?: readonly string[];
}

export type Status = 'success' | 'reverted' | 'out-of-gas' | 'skipped';
export const STATUSES: readonly Status[] = ['success', 'reverted', 'out-of-gas', 'skipped'];

export interface Receipt {
  readonly status: Status;
  /** Revert code: >= 0 from the program, < 0 a VM fault (see FAULT); 0 otherwise. */
  readonly code: number;
  readonly gasUsed: number;
  readonly outputs: readonly number[];
}

/** Keys a transaction read from state (not from its own writes), in first-read order, with the value seen. */
export type ReadSet = readonly (readonly [key: number, value: number])[];

/** Counters an executor reports; every executor fills what applies to it and leaves the rest 0. */
export interface ExecutionStats {
  executions: number;
  reExecutions: number;
  validations: number;
  failedValidations: number;
  estimateWaits: number;
  dependencyResumes: number;
  /** Why the executor finished the block sequentially, or '' when it did not. */
  fallback: string;
  [extra: string]: number | string;
}

/** The counters every result must hold a count for, and bench reports per transaction (its `perTx`). */
export const PER_TX_COUNTERS = ['executions', 'reExecutions', 'validations', 'failedValidations'] as const;
export type PerTxCounter = (typeof PER_TX_COUNTERS)[number];

/**
 * What is wrong with a result's `stats`, in words, or undefined: the one definition of what they
 * must hold, which run, verify and bench ask of every result (properties/explain.ts malformation)
 * and bench of every timed one. Numbers and strings only; each of PER_TX_COUNTERS a count (an
 * integer from 0 to 2^53 - 1, as gas is), so that bench's means per transaction are the finite
 * numbers >= 0 the results file holds (reports/schema.ts perTx) however many blocks it sums; and
 * `fallback`, where given, a string, which the results file records as the run's. Refused here, on
 * the call that returned it; let through, it failed the results file's validation after the whole
 * sweep, and nothing was written.
 */
export function statsProblem(stats: unknown): string | undefined {
  if (typeof stats !== 'object' || stats === null || !Object.values(stats).every((v) => typeof v === 'number' || typeof v === 'string')) return 'stats must be an object of numbers and strings';
  const s = stats as Readonly<Record<string, number | string>>;
  const missing = PER_TX_COUNTERS.filter((k) => !Number.isFinite(s[k]));
  if (missing.length > 0) {
    return `stats has no number for ${missing.join(', ')}: every result counts them, and bench reports them per transaction (emptyStats() in spec/block.ts starts every counter at 0)`;
  }
  const wrong = PER_TX_COUNTERS.filter((k) => !isValue(s[k]) || (s[k] as number) < 0);
  if (wrong.length > 0) {
    return `${wrong.map((k) => `stats.${k} is ${String(s[k])}`).join(', ')}: every counter bench reports per transaction is a count, an integer >= 0 (emptyStats() in spec/block.ts starts every counter at 0)`;
  }
  if ('fallback' in s && typeof s.fallback !== 'string') return `stats.fallback is ${String(s.fallback)}, not a string (why the block ran sequentially, '' when it did not)`;
  return undefined;
}

export interface BlockResult {
  readonly stateRoot: string;
  readonly receiptsRoot: string;
  readonly receipts: readonly Receipt[];
  readonly reads: readonly ReadSet[];
  readonly gasUsed: number;
  /** Final value of every key with a non-zero value. */
  readonly state: ReadonlyMap<number, number>;
  readonly stats: ExecutionStats;
  /**
   * Optional, for a caller done with the result (a node that has committed the block): the
   * executor may then reuse the result's memory for a later block, and every later read of
   * state, stateRoot, receipts, receiptsRoot or reads throws, naming the release (gasUsed and
   * stats stay readable). Calling it again does nothing. A result never released keeps its
   * memory and reads right for ever. The built-in executors give their results one; a result
   * without it (the reference's, a user's module's, an exec: engine's) has nothing to hand back:
   * call it as `result.release?.()`.
   */
  release?(): void;
}

export function emptyStats(): ExecutionStats {
  return { executions: 0, reExecutions: 0, validations: 0, failedValidations: 0, estimateWaits: 0, dependencyResumes: 0, fallback: '' };
}

/**
 * The key a footprint entry names for a call with `args` (arg -1: none). An argument the call does
 * not give counts as 0, as the VM's register does, so every planner resolves the key the program
 * will compute. Exact, as `concord prove` reads a footprint: arg * mul may pass 2^53 while the key
 * is in range (3 * 3002399751580331 - 9007199254740991 = 2), where doubles would round it to 1.
 */
export function flatKey(arg: number, mul: number, add: number, args: readonly number[]): number {
  if (arg < 0) return add;
  const x = args[arg] ?? 0;
  const product = x * mul;
  const key = product + add;
  // Past 2^53 an integer product or sum has lost its low bits; anything else is exact or no key.
  if ((Number.isSafeInteger(product) && Number.isSafeInteger(key)) || !Number.isSafeInteger(x) || !Number.isSafeInteger(mul) || !Number.isSafeInteger(add)) return key;
  return Number(BigInt(x) * BigInt(mul) + BigInt(add));
}

export function footprintKeys(fp: Footprint, args: readonly number[]): { key: number; access: AccessKind; lo?: number; hi?: number }[] {
  return fp.map((e) => ({
    key: flatKey(e.key.arg ?? -1, e.key.mul ?? 1, e.key.add, args),
    access: e.access,
    ...(e.lo === undefined ? {} : { lo: e.lo }),
    ...(e.hi === undefined ? {} : { hi: e.hi }),
  }));
}

/**
 * A program's footprint as parallel arrays (arg -1: no argument; kind: the caller's code for the
 * access kind), so the executors' planners resolve it per transaction without allocating.
 */
export interface FlatFootprint {
  readonly arg: Int32Array;
  readonly mul: Float64Array;
  readonly add: Float64Array;
  readonly kind: Int32Array;
}

/** Each program's flattened footprint, kinds coded by `kindCode`; null for a program that declares none. */
export function flattenFootprints(block: Block, kindCode: (kind: AccessKind) => number): (FlatFootprint | null)[] {
  return block.programs.map((p) => {
    const fp = p.footprint;
    if (!fp) return null;
    return {
      arg: Int32Array.from(fp, (e) => e.key.arg ?? -1),
      mul: Float64Array.from(fp, (e) => e.key.mul ?? 1),
      add: Float64Array.from(fp, (e) => e.key.add),
      kind: Int32Array.from(fp, (e) => kindCode(e.access)),
    };
  });
}

export const DEFAULT_BLOCK_GAS_LIMIT = Number.MAX_SAFE_INTEGER;
