// The footprint ideal: the bound of a scheduler that knows only what the transactions declare (an
// access-list scheduler, or the modular executor's lanes), beside the ideal from the reference
// run's actual accesses (ideal.ts). Each transaction's footprint, resolved against its arguments,
// gives its accesses; the conflict table orders them as it orders actual ones, except that a rule
// that commutes only under a run-time condition (delta-adds within their bounds) orders them,
// since no value is known before the block runs; a transaction that declares no footprint may
// touch any key, so it follows every earlier transaction and precedes every later one. Work is
// each transaction's gas in the reference run, as for the actual ideal.
// Invariant: every edge of the actual dependency graph is implied by this graph's edges (given
// footprints that cover the accesses), so this ideal is at most the actual one: the gap between
// them is what declaring instead of discovering costs on the block.

import type { Block } from '../spec/block.js';
import { footprintKeys } from '../spec/block.js';
import { isKey } from '../spec/values.js';
import { collectAccesses, dependencyGraph, idealFromGraph, type Access, type DependencyGraph, type IdealBound, type TxAccesses } from './ideal.js';

/** Transaction i's declared accesses; null where its program declares no footprint (a barrier). */
function declaredAccesses(block: Block, i: number): Access[] | null {
  const tx = block.txs[i]!;
  const footprint = block.programs[tx.program]!.footprint;
  if (footprint === undefined) return null;
  // A key outside the VM's range faults before any access. No declared delta carries what the
  // table's condition weighs (the base it meets, the amount), so declared deltas are ordered.
  return footprintKeys(footprint, tx.args).filter((e) => isKey(e.key)).map((e) => ({ key: e.key, kind: e.access }));
}

/**
 * The graph of the declared accesses with each barrier ordered after the transactions since the
 * barrier before it (and that barrier), and every later transaction after it: by transitivity,
 * after everything before it.
 */
function withBarriers(declared: readonly (TxAccesses | null)[]): DependencyGraph {
  const base = dependencyGraph(declared.map((t) => t ?? { gas: 0, accesses: [] }));
  const preds = base.preds.map((p) => [...p]);
  let edges = base.edges;
  let last = -1;
  declared.forEach((t, i) => {
    if (t === null) {
      const since = Array.from({ length: i - Math.max(last, 0) }, (_, k) => Math.max(last, 0) + k);
      preds[i] = since;
      edges += since.length - base.preds[i]!.length;
      last = i;
    } else if (last >= 0 && !preds[i]!.includes(last)) {
      preds[i]!.push(last);
      preds[i]!.sort((a, b) => a - b);
      edges++;
    }
  });
  return { preds, edges };
}

/**
 * The ideal speedups at `threads` of a scheduler that knows only the block's declared footprints;
 * `gas`: each transaction's gas in the reference run, where the caller has it (collectAccesses).
 */
export function footprintIdeal(block: Block, threads: readonly number[], gas: readonly number[] = collectAccesses(block).map((t) => t.gas)): IdealBound {
  const declared = gas.map((g, i) => {
    const accesses = declaredAccesses(block, i);
    return accesses === null ? null : { gas: g, accesses };
  });
  return idealFromGraph(gas, withBarriers(declared), threads);
}
