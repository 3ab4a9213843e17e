// A second shrinking pass over a failing block spec, after fast-check's: fast-check shrinks each
// part of a record in turn and can stop at a local minimum (a transaction that no longer matters
// kept because removing it was never tried once the others had shrunk), and a block of a fixed
// size (--txs) cannot lose transactions there at all. This pass first removes transactions the way
// delta debugging (ddmin) does: chunks of half the block, then quarters, eighths, ... down to pairs,
// each chunk tried once per size, last chunk first, keeping every removal after which the block
// still fails; a 2-transaction bug in a 2,000-transaction block takes a few dozen attempts, not one
// per transaction. Then it greedily tries removing each single transaction, statement
// and pre-state entry and simplifying gas limits and contention, keeping every change that still
// fails, until nothing more can go. Both passes share one cap on attempts (MAX_ATTEMPTS).
// Invariant: the result still fails (every accepted step failed when tried) and is no larger than
// the input on any measure (the block keeps at least one transaction); `steps` counts the accepted
// changes; the pass is deterministic (its attempts depend only on the spec and on which of them
// failed), so a replay reaches the same block in the same number of steps.

import type { BlockSpec, TxSpec } from './arbitraries.js';

/** Blocks tried in all (both passes together); each is one run of the failing property. */
export const MAX_ATTEMPTS = 400;

/** Single-change candidates: one transaction, statement or pre-state entry less, or a simpler value. */
function* candidates(s: BlockSpec): Generator<BlockSpec> {
  for (let i = s.txs.length - 1; i >= 0 && s.txs.length > 1; i--) yield { ...s, txs: s.txs.filter((_, j) => j !== i) };
  for (let k = s.pre.length - 1; k >= 0 && s.pre.length > 1; k--) yield { ...s, pre: s.pre.filter((_, j) => j !== k) };
  for (let i = 0; i < s.txs.length; i++) {
    const t = s.txs[i]!;
    const replace = (tx: TxSpec): BlockSpec => ({ ...s, txs: s.txs.map((x, j) => (j === i ? tx : x)) });
    if (t.kind === 'code') {
      for (let k = t.body.length - 1; k >= 0 && t.body.length > 1; k--) yield replace({ ...t, body: t.body.filter((_, j) => j !== k) });
    }
    if (t.gas !== 100_000) yield replace({ ...t, gas: 100_000 });
  }
  if (s.gasLimit !== null) yield { ...s, gasLimit: null };
  if (s.keys !== 1) yield { ...s, keys: 1 };
}

/** Shrinks `spec` while `fails` holds; returns the smallest failing spec found and how many steps were taken. */
export async function minimize(spec: BlockSpec, fails: (s: BlockSpec) => Promise<boolean>): Promise<{ spec: BlockSpec; steps: number }> {
  let current = spec;
  let steps = 0;
  let attempts = 0;
  const tryCandidate = async (c: BlockSpec): Promise<boolean> => {
    attempts++;
    if (!(await fails(c))) return false;
    current = c;
    steps++;
    return true;
  };

  // Chunk removal (ddmin's "reduce to complement"), sizes halving down to 1. Within a size the
  // chunks are taken from the end; removing [start, end) leaves the transactions before `start`
  // where they were, so the walk continues below it whether or not the removal was kept.
  // Single transactions (size 1) are left to the greedy pass below, which tries them anyway.
  for (let size = Math.ceil(current.txs.length / 2); size > 1 && attempts < MAX_ATTEMPTS; size = Math.min(Math.ceil(size / 2), Math.ceil(current.txs.length / 2))) {
    for (let end = current.txs.length; end > 0 && attempts < MAX_ATTEMPTS; end -= size) {
      const start = Math.max(0, end - size);
      // The block keeps at least one transaction.
      if (current.txs.length - (end - start) < 1) continue;
      await tryCandidate({ ...current, txs: [...current.txs.slice(0, start), ...current.txs.slice(end)] });
    }
  }

  for (let progress = true; progress && attempts < MAX_ATTEMPTS;) {
    progress = false;
    for (const c of candidates(current)) {
      if (attempts >= MAX_ATTEMPTS) break;
      if (await tryCandidate(c)) {
        progress = true;
        break;
      }
    }
  }
  return { spec: current, steps };
}
