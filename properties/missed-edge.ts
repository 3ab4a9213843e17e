// The dependency a footprint-scheduling executor missed, in the conflict table's words: when a
// transaction read (or applied a DELTA on) a key without the write of the earlier transaction it
// should have seen, the two transactions' declared footprints both name that key, and the
// conflict rules (spec/conflicts.ts) say why their order matters. An access-list scheduler builds
// its dependency graph from exactly these entries and rules, so for one this is the edge it
// dropped; an optimistic executor (Block-STM) is told which order its validation had to restore.
// Invariant: an edge is named only where the footprints make one: both declare the key with
// accesses whose rule is not 'commute', or one of the two programs declares no footprint, which
// orders it against every transaction; a footprint that leaves the key out is the block's fault
// (properties/footprint-escape.ts).

import { footprintKeys, type AccessKind, type Block } from '../spec/block.js';
import { CONDITIONS, ruleFor, type ConflictRule } from '../spec/conflicts.js';

/** The accesses transaction `t` declares on `key`, or undefined when its program declares no footprint. */
function declaredOn(block: Block, t: number, key: number): AccessKind[] | undefined {
  const tx = block.txs[t]!;
  const fp = block.programs[tx.program]!.footprint;
  return fp && [...new Set(footprintKeys(fp, tx.args).filter((e) => e.key === key).map((e) => e.access))];
}

/** One line naming the edge from `writer` to `reader` on `key`, or undefined when the footprints do not make one. */
export function missedEdge(block: Block, writer: number, reader: number, key: number, name: (key: number) => string): string | undefined {
  if (writer < 0 || writer >= reader) return undefined;
  const w = declaredOn(block, writer, key);
  const r = declaredOn(block, reader, key);
  if (!w && !r) return undefined;
  if (!w || !r) {
    return `tx ${w ? reader : writer} declares no footprint, so it may touch any key and is ordered against every transaction: `
      + `tx ${reader} must run after tx ${writer}: an edge a scheduler by declared footprints must keep`;
  }
  // The pair the failure is about first: the writer's write (or delta) against the reader's read (or delta).
  const byWriter: readonly AccessKind[] = ['write', 'delta', 'read'];
  const byReader: readonly AccessKind[] = ['read', 'delta', 'write'];
  const pairs = byWriter.filter((a) => w.includes(a)).flatMap((a) => byReader.filter((b) => r.includes(b)).map((b): [AccessKind, AccessKind, ConflictRule] => [a, b, ruleFor(a, b)]));
  const [a, b, rule] = pairs.find(([, , x]) => x.verdict !== 'commute') ?? [];
  if (!rule) return undefined;
  const k = name(key);
  const which = rule.verdict === 'conflict'
    ? `a ${a}/${b} conflict (${rule.why})`
    : `${a}/${b}, which commute only while ${rule.condition} holds (${CONDITIONS[rule.condition!].doc}), and here it does not`;
  return `tx ${writer} declares ${a} ${k} and tx ${reader} declares ${b} ${k}: ${which}, so tx ${reader} must run after tx ${writer}: `
    + 'an edge a scheduler by declared footprints must keep';
}
