// Where a block misleads an executor that schedules by declared footprints: the first access the
// reference execution makes outside the footprint its transaction's program declares, judged by
// the rule `concord prove` proves for the library contracts (a READ needs a read entry, a WRITE a
// write entry, a DELTA a delta entry or read and write both). A block file's inline code or raw
// program may declare any footprint, and an access-list scheduler that trusts it orders the block
// wrongly through no fault of its own, so a mismatch report names the block's part in it.
// An access prove's rule refutes may still be one the declared kind of its key orders, as the
// conflict table reads it (a read of a key declared `write`, docs/block-format.md): a scheduler by
// footprints is not misled by it, and the report says so, naming such an access only where no
// access up to the diverging transaction leaves the footprint outright.
// Invariant: only accesses the reference really made are reported (reads and delta bases of every
// transaction that ran, writes of the successful ones); a program that declares no footprint
// declares nothing to leave, and bounds are left to `concord prove`.

import { footprintKeys, type AccessKind, type Block } from '../spec/block.js';
import { COVERED, kindBit } from '../impl/modular/order.js';
import type { ReferenceTrace } from './trace.js';

export interface FootprintEscape {
  readonly tx: number;
  readonly key: number;
  readonly access: AccessKind;
  /** The footprint as the transaction's arguments resolve it. */
  readonly declared: readonly { readonly key: number; readonly access: AccessKind }[];
}

/**
 * The first access outside its declared footprint among transactions 0 to `last`, in block order,
 * that the kinds declared for its key do not order either; else the first outside it at all.
 */
export function footprintEscape(block: Block, trace: ReferenceTrace, last: number): FootprintEscape | undefined {
  let first: FootprintEscape | undefined;
  for (let t = 0; t <= last && t < block.txs.length; t++) {
    const tx = block.txs[t]!;
    const fp = block.programs[tx.program]!.footprint;
    const run = trace.txs[t]!;
    if (fp === undefined || run.skipped) continue;
    const entries = footprintKeys(fp, tx.args);
    const has = (key: number, access: AccessKind) => entries.some((e) => e.key === key && e.access === access);
    const covered = (key: number, access: AccessKind) =>
      has(key, access) || (access === 'delta' && has(key, 'read') && has(key, 'write'));
    const accesses: [number, AccessKind][] = [
      ...[...run.sources.keys()].map((k): [number, AccessKind] => [k, run.deltaBases.has(k) ? 'delta' : 'read']),
      ...[...run.writes.keys()].filter((k) => !run.deltaKeys.has(k)).map((k): [number, AccessKind] => [k, 'write']),
    ];
    for (const [key, access] of accesses.filter(([k, a]) => !covered(k, a))) {
      const escape: FootprintEscape = { tx: t, key, access, declared: entries };
      if (!orderedByDeclared(escape)) return escape;
      first ??= escape;
    }
  }
  return first;
}

/** Whether the kinds `e`'s transaction declares for its key order the access as the conflict table would order its own kind (impl/modular/order.ts COVERED). */
export function orderedByDeclared(e: FootprintEscape): boolean {
  const mask = e.declared.filter((d) => d.key === e.key).reduce((m, d) => m | kindBit(d.access), 0);
  return (COVERED[mask]! & kindBit(e.access)) !== 0;
}

/** What left the footprint: the transaction, its access and key, and what it declared. */
export function outsideFootprintText(e: FootprintEscape, name: (key: number) => string): string {
  const verb = { read: 'reads', write: 'writes', delta: 'applies a DELTA to' }[e.access];
  const declared = e.declared.length ? e.declared.map((d) => `${d.access} ${name(d.key)}`).join(', ') : 'nothing';
  return `tx ${e.tx} ${verb} key ${name(e.key)} (${e.key}), outside its declared footprint (${declared})`;
}

/** One line for a report: what left the footprint, and why it matters to the executor judged. */
export function footprintEscapeText(e: FootprintEscape, name: (key: number) => string): string {
  if (orderedByDeclared(e)) {
    const kinds = [...new Set(e.declared.filter((d) => d.key === e.key).map((d) => d.access))].join(' and ');
    return `${outsideFootprintText(e, name)}, but its declared ${kinds} orders that access with every one it conflicts with, so a scheduler by footprints is not misled by it `
      + `(docs/block-format.md); concord prove's stricter rule (a ${e.access} needs a ${e.access} entry${e.access === 'delta' ? ', or read and write both' : ''}) refutes the footprint`;
  }
  return `${outsideFootprintText(e, name)}: `
    + 'an executor that schedules by footprints cannot see that access, so the block misleads it; fix the footprint (concord prove checks a contract\'s)';
}
