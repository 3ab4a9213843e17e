// A second shrinking pass over a failing block spec, after fast-check's: fast-check shrinks each
// part of a record in turn and can stop at a local minimum (a transaction that no longer matters
// kept because removing it was never tried once the others had shrunk), and a block of a fixed size
// (--txs) cannot lose transactions there at all. This pass first removes prefixes of 2^k
// transactions (..., 128, 64, ... 2), so that a bug at an engine's batch boundary moves to an
// earlier boundary instead of keeping every transaction before it, then transactions the way delta
// debugging (ddmin) does: chunks of half the block, then quarters, eighths, ... down to pairs, each
// chunk tried once per size, last chunk first; both keep every removal after which the block still
// fails, and a 2-transaction bug in a 2,000-transaction block takes a few dozen attempts, not one
// per transaction. Then it walks single changes round and round, keeping each after which the block
// still fails, until every change of the current block has failed: first single removals (a
// transaction, a pre-state entry), then those and the simplifications (a statement less, a
// transaction's gas limit reset, a transaction made the no-op NOOP, the block gas limit removed,
// zeroed or halved, one hot key); then the prefixes and ddmin's chunks again, since simpler bodies
// can let chunks go, and the walk again, while they do. Where a round of single changes would take
// more than half the attempts left (a block of many transactions the bug needs for their positions
// alone: a bug in the 65th transaction needs 64 before it), chunks of transactions become NOOPs
// first, the ddmin way. Last, where the block keeps a gas limit, it walks removals of a
// transaction that each lower the limit by the gas that transaction used in the reference, so the
// transactions after it meet the limit where they did (a bug in how an executor counts gas toward
// the limit needs it reached at one transaction exactly, which a plain removal or a halved limit
// moves), and after each kept one all of the above again: these come after every other change so
// that a replay token recorded before they existed, whose kept attempts all come earlier, rebuilds
// its block as before (its replay keeps none of them). All of it shares one cap on attempts
// (attemptCap: MAX_ATTEMPTS, or ATTEMPTS_PER_TX a transaction on a big block): each attempt runs
// the executor. Invariant: the result still fails (every accepted step failed when tried) and is no
// larger than the input: no more transactions, pre-state entries or keys, no longer transaction
// bodies (a contract call may become the one-statement NOOP), a block gas limit only removed or
// lowered, at least one transaction; `steps` counts the accepted changes and `attempts` the blocks
// tried, and `capped` is true exactly when the cap left a change untried; the pass is deterministic
// (its attempts depend only on the spec, `keepCalls` and on which of them failed), so a replay
// reaches the same block in the same steps. With `keepCalls` (a run given --programs, whose engine
// runs no bytecode) no transaction becomes NOOP, alone or in a chunk: a call is removed or kept
// as a call, so every block tried holds calls of the contracts the spec held and nothing else.

import { executeReference } from '../spec/reference.js';
import { buildBlock, type BlockSpec, type TxSpec } from './arbitraries.js';

/** Blocks tried in all (all passes together); each is one run of the failing property. */
export const MAX_ATTEMPTS = 400;
/**
 * Tries a transaction of the block the pass starts from, where that gives more than MAX_ATTEMPTS:
 * ddmin's first chunk walk alone takes about one try a transaction, and on a block of 602 it spent
 * the 400 before a body could become a NOOP (a bug past the 600th transaction was reported with
 * all 602). The pass plans by MAX_ATTEMPTS still (which rounds are worth their tries), so every
 * try below it is the one it always was, and a replay token recorded before rebuilds its block.
 */
export const ATTEMPTS_PER_TX = 3;
/**
 * The transactions of a block counted at most for ATTEMPTS_PER_TX: the big-blocks check's largest.
 * A try costs about a transaction's time in the executor and the reference, so a cap growing with
 * a bigger block (--txs 10000) would take a failure's shrinking from seconds to many minutes.
 */
const RAISED_UP_TO_TXS = 1100;
/** The most tries from any block. */
export const MOST_ATTEMPTS = ATTEMPTS_PER_TX * RAISED_UP_TO_TXS;

/** The most blocks minimize() tries from `spec`. */
export function attemptCap(spec: BlockSpec): number {
  return Math.max(MAX_ATTEMPTS, ATTEMPTS_PER_TX * Math.min(spec.txs.length, RAISED_UP_TO_TXS));
}

/** The gas limit generated transactions mostly get, and the one a simplified transaction gets. */
const AMPLE_GAS = 100_000;

/** The simplest transaction: one statement that touches no state and emits nothing. */
export const NOOP: TxSpec = { kind: 'code', body: [{ s: 'addi', dst: 0, imm: 0 }], gas: AMPLE_GAS };

/** Structural equality of plain spec data (NOOP itself is shared, so mostly the identity check decides). */
const same = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

/** What minimize found, and whether it had to stop early. */
export interface Minimized {
  readonly spec: BlockSpec;
  /** Changes accepted. */
  readonly steps: number;
  /** Blocks tried, at most attemptCap of the spec it started from. */
  readonly attempts: number;
  /** The cap stopped the pass while changes were left untried: a smaller failing block may exist. */
  readonly capped: boolean;
  /** It was the deadline, not the cap on tries, that stopped it (capped is then true). */
  readonly outOfTime: boolean;
}

/**
 * Indices of `xs` whose removal is worth a try, last first: none when one is left (a block keeps a
 * transaction and a pre-state entry, a program a statement), and of a run of equal neighbours only
 * the last, since removing any of them gives the same block (a run of NOOPs costs one attempt).
 */
function removable<T>(xs: readonly T[]): number[] {
  const out: number[] = [];
  for (let i = xs.length - 1; i >= 0 && xs.length > 1; i--) if (i === xs.length - 1 || !same(xs[i], xs[i + 1])) out.push(i);
  return out;
}

/**
 * Lower block gas limits than `g`, simplest first: none at all, then 0 (every transaction
 * skipped), then half. Lowering, not only removing, matters for a bug in skipping: without a
 * limit nothing is skipped, and while the limit stays, removing a transaction that ran lets a
 * skipped one run. Halving again is a later step, so a limit takes about log2(g) steps to shrink.
 */
function lowerGasLimits(g: number | null): (number | null)[] {
  if (g === null) return [];
  return [null, ...new Set([0, Math.floor(g / 2)])].filter((x) => x === null || x < g);
}

/** Removals of one transaction or pre-state entry, last first; built lazily, since only a few are tried per block. */
function removals(s: BlockSpec): (() => BlockSpec)[] {
  return [
    ...removable(s.txs).map((i) => () => ({ ...s, txs: s.txs.filter((_, j) => j !== i) })),
    ...removable(s.pre).map((k) => () => ({ ...s, pre: s.pre.filter((_, j) => j !== k) })),
  ];
}

/**
 * Removals of one transaction that used gas in the reference, last first, each lowering the block
 * gas limit by that gas: the gas used before every later transaction drops by as much as the
 * limit, so each later one is still skipped, or run, as before. An earlier one can become skipped
 * (where less than that gas was left of the limit before it); such a candidate is only tried, and
 * kept where the failure stays, as any other. None without a limit.
 */
function gasKeepingRemovals(s: BlockSpec): (() => BlockSpec)[] {
  const limit = s.gasLimit;
  if (limit === null || s.txs.length < 2) return [];
  const gas = executeReference(buildBlock(s)).receipts.map((r) => r.gasUsed);
  const out: (() => BlockSpec)[] = [];
  for (let i = s.txs.length - 1; i >= 0; i--) {
    const used = gas[i]!;
    if (used > 0) out.push(() => ({ ...s, txs: s.txs.filter((_, j) => j !== i), gasLimit: Math.max(0, limit - used) }));
  }
  return out;
}

/** Simplifications that keep every transaction and pre-state entry: each transaction in turn, then the block's settings; no NOOP with `keepCalls`. */
function simplifications(s: BlockSpec, keepCalls: boolean): (() => BlockSpec)[] {
  const out: (() => BlockSpec)[] = [];
  s.txs.forEach((t, i) => {
    if (same(t, NOOP)) return;
    const replace = (tx: TxSpec) => (): BlockSpec => ({ ...s, txs: s.txs.map((x, j) => (j === i ? tx : x)) });
    if (t.kind === 'code') for (const k of removable(t.body)) out.push(replace({ ...t, body: t.body.filter((_, j) => j !== k) }));
    if (t.gas !== AMPLE_GAS) out.push(replace({ ...t, gas: AMPLE_GAS }));
    // Last: tried before the statements, a NOOP that still failed took bodies that later removals
    // needed, and planted bugs shrank to larger blocks.
    if (!keepCalls) out.push(replace(NOOP));
  });
  for (const gasLimit of lowerGasLimits(s.gasLimit)) out.push(() => ({ ...s, gasLimit }));
  if (s.keys !== 1) out.push(() => ({ ...s, keys: 1 }));
  return out;
}

/**
 * Shrinks `spec` while `fails` holds; returns the smallest failing spec found and how it got there.
 * Past `deadline` (performance.now()) no candidate is tried, as past the cap: a time-limited verify
 * keeps its budget, with the smallest block found so far. `keepCalls`: no transaction becomes NOOP
 * (verify --programs: the engine runs contract calls alone).
 */
export async function minimize(spec: BlockSpec, fails: (s: BlockSpec) => Promise<boolean>, deadline = Infinity, keepCalls = false): Promise<Minimized> {
  let current = spec;
  let steps = 0;
  let attempts = 0;
  // Set when a candidate is left untried for want of attempts or time; every loop below stops on it.
  let capped = false;
  let outOfTime = false;
  const cap = attemptCap(spec);
  const tryCandidate = async (c: BlockSpec): Promise<boolean> => {
    if (attempts >= cap || performance.now() > deadline) {
      outOfTime ||= attempts < cap;
      capped = true;
      return false;
    }
    attempts++;
    if (!(await fails(c))) return false;
    current = c;
    steps++;
    return true;
  };

  // ddmin's chunk walk, sizes halving down to 2 (true if it kept any change). Within a size the
  // chunks are taken from the end; changing [start, end) leaves the transactions before `start`
  // where they were, so the walk continues below it whether or not the change was kept. `edit`
  // gives undefined for a chunk not worth a try. Single transactions are left to the walks.
  const byChunks = async (edit: (start: number, end: number) => BlockSpec | undefined): Promise<boolean> => {
    const before = steps;
    for (let size = Math.ceil(current.txs.length / 2); size > 1 && !capped; size = Math.min(Math.ceil(size / 2), Math.ceil(current.txs.length / 2))) {
      for (let end = current.txs.length; end > 0 && !capped; end -= size) {
        const c = edit(Math.max(0, end - size), end);
        if (c) await tryCandidate(c);
      }
    }
    return steps > before;
  };
  // ddmin's "reduce to complement"; the block keeps at least one transaction.
  const removeDdminChunks = () => byChunks((start, end) => (current.txs.length - (end - start) < 1
    ? undefined
    : { ...current, txs: [...current.txs.slice(0, start), ...current.txs.slice(end)] }));
  // Prefixes of 2^k transactions, largest first. ddmin's chunks shift every later transaction by
  // a size that is seldom a multiple of an engine's batch, so a bug at a batch boundary (tx 192
  // missing tx 191's write, batches of 64) kept all 192 before it; removing 128 moves the pair to
  // the boundary at 64, for one try per power of two.
  const removePrefixes = async (): Promise<boolean> => {
    const before = steps;
    for (let size = 2 ** Math.floor(Math.log2(current.txs.length - 1)); size >= 2 && !capped; size /= 2) {
      if (size < current.txs.length) await tryCandidate({ ...current, txs: current.txs.slice(size) });
    }
    return steps > before;
  };
  const removeChunks = async (): Promise<boolean> => {
    const prefixes = await removePrefixes();
    return (await removeDdminChunks()) || prefixes;
  };

  // Walks `make`'s candidates round and round until every candidate of the current block has
  // failed. After a kept change it goes on at the same index (the list is rebuilt, and what
  // followed the kept change is mostly at that index now), not at the first candidate: restarting
  // retried every failing removal after each step, and on a block of 65 transactions that all had
  // to stay spent the cap on them after six changes, with 63 bodies untouched.
  const walk = async (make: (s: BlockSpec) => (() => BlockSpec)[]): Promise<void> => {
    let list = make(current);
    for (let pos = 0, failedInARow = 0; failedInARow < list.length && !capped; pos = list.length === 0 ? 0 : pos % list.length) {
      if (await tryCandidate(list[pos]!())) {
        list = make(current);
        failedInARow = 0;
      } else {
        failedInARow++;
        pos++;
      }
    }
  };
  const everything = (s: BlockSpec) => [...removals(s), ...simplifications(s, keepCalls)];

  // Whether one round of `make`'s candidates would take more than half the attempts left.
  const tooMany = (make: (s: BlockSpec) => (() => BlockSpec)[]) => make(current).length > (MAX_ATTEMPTS - attempts) / 2;

  await removeChunks();
  // Single removals before any body changes, unless they alone would spend the attempts.
  if (!tooMany(removals)) await walk(removals);
  // Bodies in bulk only where the single changes would take more than half the attempts left: a
  // NOOP chunk can take a body that a later removal needed (planted bugs shrank to larger blocks),
  // so a small block is better shrunk one change at a time. A chunk of NOOPs already is not tried.
  if (!keepCalls && tooMany(everything)) {
    await byChunks((start, end) => (current.txs.slice(start, end).every((t) => same(t, NOOP))
      ? undefined
      : { ...current, txs: current.txs.map((t, j) => (j >= start && j < end ? NOOP : t)) }));
  }
  // Simpler bodies can let chunks go that could not before: chunks again, then single changes
  // again, while the chunks remove anything.
  const walkAndChunks = async (): Promise<void> => {
    do {
      await walk(everything);
    } while (!capped && (await removeChunks()));
  };
  await walkAndChunks();
  for (let before = steps; !capped; before = steps) {
    await walk(gasKeepingRemovals);
    if (steps === before) break;
    await walkAndChunks();
  }
  return { spec: current, steps, attempts, capped, outOfTime };
}
