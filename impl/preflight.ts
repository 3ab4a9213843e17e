// The contention preflight of the parallel executors (Block-STM and modular): before a block is
// handed to the workers, a look at the declared footprints of its first transactions says whether
// running them in parallel can pay. Over a prefix of the block it computes the longest chain of
// transactions that must keep block order (one key, a pair of accesses whose conflict-table
// verdict is not 'commute': Block-STM resolves a delta by reading its base, and the modular
// executor orders 'commute-if' pairs too (impl/modular/order.ts), so commuting-if deltas
// serialise both); the prefix's length over that chain is the parallelism any schedule could
// find. Below MIN_PARALLELISM neither executor's extra work per transaction can be won back
// (Block-STM's contention check in thread.ts uses the same bound once workers run), so the block
// goes to the sequential executor at once instead of after a losing parallel run, which is how
// the Block-STM paper's engine loses about 30% on a fully contended block.
// Invariant: only the choice of executor depends on the preflight, never a result: a block it
// sends away is executed by the sequential executor, equal to the reference by its own tests.
// Footprints are promises, not facts: a program without one makes the preflight abstain.

import { flatKey, flattenFootprints, type AccessKind, type Block, type BlockResult } from '../spec/block.js';
import { ACCESS_KINDS, ruleFor } from '../spec/conflicts.js';
import { executeSequential, type SequentialScratch, type TxWatch } from './sequential.js';

/** Transactions the preflight looks at: enough to see a hot spot, cheap next to executing them. */
export const PREFLIGHT_PREFIX = 512;
/** Blocks smaller than this always run in parallel: the preflight would cost more than it can save. */
export const PREFLIGHT_MIN_TXS = 256;
/** Parallelism below which a parallel executor on W >= 2 workers is expected to lose to one sequential thread. */
export const MIN_PARALLELISM = 1.4;

/** For each access kind a (by its index in ACCESS_KINDS), the kinds b whose earlier accesses it must follow. */
const ORDERED_AFTER: readonly (readonly number[])[] = ACCESS_KINDS.map((a) => ACCESS_KINDS.flatMap((b, i) => (ruleFor(b, a).verdict === 'commute' ? [] : [i])));
const KIND_INDEX: ReadonlyMap<AccessKind, number> = new Map(ACCESS_KINDS.map((k, i) => [k, i]));
const KINDS = ACCESS_KINDS.length;

export interface Preflight {
  /** Transactions looked at. */
  readonly prefix: number;
  /** The longest chain among them that must keep block order. */
  readonly chain: number;
}

/**
 * The chain of the block's first `prefix` transactions, or null when one of them has no declared
 * footprint (nothing is known about its accesses). It runs on the main thread before every
 * parallel block, so it allocates nothing per access (0.35 ms for 512 transactions before), and
 * numbers keys in an open-addressing table of its own (a Map's get and set were half of its time).
 */
export function preflight(block: Block, prefix = PREFLIGHT_PREFIX): Preflight | null {
  const n = Math.min(prefix, block.txs.length);
  const flats = flattenFootprints(block, (kind) => KIND_INDEX.get(kind)!);
  let widest = 0;
  let entries = 0;
  for (let t = 0; t < n; t++) {
    const f = flats[block.txs[t]!.program];
    if (!f) return null;
    widest = Math.max(widest, f.arg.length);
    entries += f.arg.length;
  }
  // Per key (numbered in order of first access; at most one per entry), per access kind: the
  // longest chain ending in a transaction that accessed it that way.
  const keyIndex = new KeyIndex(entries);
  const depth = new Int32Array(KINDS * entries);
  const at = new Int32Array(widest);
  let chain = 0;
  for (let t = 0; t < n; t++) {
    const tx = block.txs[t]!;
    const f = flats[tx.program]!;
    let d = 0;
    for (let e = 0; e < f.arg.length; e++) {
      const k = keyIndex.number(flatKey(f.arg[e]!, f.mul[e]!, f.add[e]!, tx.args));
      at[e] = KINDS * k;
      for (const b of ORDERED_AFTER[f.kind[e]!]!) d = Math.max(d, depth[KINDS * k + b]!);
    }
    d += 1;
    for (let e = 0; e < f.arg.length; e++) {
      const cell = at[e]! + f.kind[e]!;
      depth[cell] = Math.max(depth[cell]!, d);
    }
    chain = Math.max(chain, d);
  }
  return { prefix: n, chain };
}

/**
 * Numbers keys 0, 1, 2, ... in order of first sight, as a Map would, with the same key equality
 * (SameValueZero: NaN is one key, -0 is 0). Linear probing over at most `keys` keys at half load.
 */
class KeyIndex {
  private readonly keys: Float64Array;
  /** A slot's key number plus one; 0 when the slot is free. */
  private readonly numbers: Int32Array;
  private readonly mask: number;
  private readonly shift: number;
  private size = 0;

  constructor(keys: number) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, 2 * keys)));
    this.keys = new Float64Array(slots);
    this.numbers = new Int32Array(slots);
    this.mask = slots - 1;
    this.shift = 32 - Math.log2(slots);
  }

  number(key: number): number {
    // Fibonacci hashing of both halves of an integer key up to 2^53 (its top bits: the low ones
    // repeat with the key's low bits, which a footprint's multiplier often fixes); any other key
    // hashes to some slot and is told apart by equality.
    for (let h = Math.imul((key | 0) ^ ((key / 4294967296) | 0), 0x9e3779b1) >>> this.shift; ; h++) {
      const slot = h & this.mask;
      const n = this.numbers[slot]!;
      if (n === 0) {
        this.keys[slot] = key;
        this.numbers[slot] = ++this.size;
        return this.size - 1;
      }
      const there = this.keys[slot]!;
      if (there === key || (there !== there && key !== key)) return n - 1;
    }
  }
}

/** How the preflight's reasons in stats.fallback start, so reports can tell them from the executors' own fallbacks. */
export const PREFLIGHT_REASON = 'preflight';

/** Why the block should run sequentially, or null when parallel execution may pay. */
export function contendedBlock(block: Block): string | null {
  if (block.txs.length < PREFLIGHT_MIN_TXS) return null;
  const p = preflight(block);
  if (p === null || p.prefix >= p.chain * MIN_PARALLELISM) return null;
  return `${PREFLIGHT_REASON}: the first ${p.prefix} transactions' declared footprints chain ${p.chain} of them in block order (parallelism ${(p.prefix / p.chain).toFixed(2)} < ${MIN_PARALLELISM})`;
}

/**
 * For an executor about to run `block` on `threads` workers: the sequential executor's result,
 * with the preflight's reason in stats.fallback, when the block is near-serial; null when it should
 * run in parallel (one thread never asks). `scratch` is the executor's own, kept from block to block;
 * `watch`, asked only for a block sent there, gives what should watch its transactions run.
 */
export function sequentialIfContended(block: Block, threads: number, scratch: SequentialScratch, watch: () => TxWatch | null = () => null): BlockResult | null {
  const reason = threads > 1 ? contendedBlock(block) : null;
  if (reason === null) return null;
  const result = executeSequential(block, scratch, watch());
  Object.assign(result.stats, { threads, fallback: reason });
  return result;
}
