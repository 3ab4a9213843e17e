// A second shrinking pass over a failing block spec, after fast-check's: fast-check shrinks each
// part of a record in turn and can stop at a local minimum (a transaction that no longer matters
// kept because removing it was never tried once the others had shrunk). This pass greedily tries
// removing each transaction, statement and pre-state entry and simplifying gas limits and
// contention, keeping every change that still fails, until nothing more can go.
// Invariant: the result still fails (every accepted step failed when tried) and is no larger than
// the input on any measure; the pass is deterministic, so a replay reaches the same block.

import type { BlockSpec, TxSpec } from './arbitraries.js';

const MAX_ATTEMPTS = 400;

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
  for (let progress = true; progress && attempts < MAX_ATTEMPTS;) {
    progress = false;
    for (const c of candidates(current)) {
      if (++attempts > MAX_ATTEMPTS) break;
      if (await fails(c)) {
        current = c;
        steps++;
        progress = true;
        break;
      }
    }
  }
  return { spec: current, steps };
}
