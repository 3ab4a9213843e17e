// The dependency a footprint-scheduling executor missed, in the conflict table's words: when a
// transaction read (or applied a DELTA on) a key without the write of the earlier transaction it
// should have seen, the two transactions' declared footprints both name that key, and the
// conflict rules (spec/conflicts.ts) say why their order matters. An access-list scheduler builds
// its dependency graph from exactly these entries and rules, so for one this is the edge it
// dropped; an optimistic executor (Block-STM) is told which order its validation had to restore.
// Invariant: an edge is named only where the footprints make one: both declare the key with
// accesses whose rule is not 'commute' (for 'commute-if', not where the reference's delta amounts
// show its condition holding), or one of the two programs declares no footprint, which
// orders it against every transaction; a footprint that leaves the key out is the block's fault
// (properties/footprint-escape.ts).

import { footprintKeys, type AccessKind, type Block, type Receipt } from '../spec/block.js';
import { CONDITIONS, deltaHeadroom, ruleFor, type ConflictRule, type DeltaAccess } from '../spec/conflicts.js';
import { FAULT } from '../spec/values.js';
import { valueBefore, type ReferenceTrace } from './trace.js';

/** The accesses transaction `t` declares on `key`, or undefined when its program declares no footprint. */
function declaredOn(block: Block, t: number, key: number): AccessKind[] | undefined {
  const tx = block.txs[t]!;
  const fp = block.programs[tx.program]!.footprint;
  return fp && [...new Set(footprintKeys(fp, tx.args).filter((e) => e.key === key).map((e) => e.access))];
}

/**
 * Transaction `t`'s one declared delta on `key` with the amount its reference run added, or
 * undefined where that is not known: more than one delta entry, no bounds, or no kept pure-delta write.
 */
function deltaOf(block: Block, trace: ReferenceTrace, t: number, key: number): DeltaAccess | undefined {
  const tx = block.txs[t]!;
  const deltas = footprintKeys(block.programs[tx.program]!.footprint ?? [], tx.args).filter((e) => e.key === key && e.access === 'delta');
  const run = trace.txs[t]!;
  const written = run.writes.get(key);
  const d = deltas[0];
  if (deltas.length !== 1 || d?.lo === undefined || d.hi === undefined || written === undefined || !run.deltaKeys.has(key)) return undefined;
  return { amount: written - valueBefore(block, trace, key, t), lo: d.lo, hi: d.hi };
}

/**
 * Whether delta-headroom holds for the two transactions' deltas on `key` at the value before
 * `writer`; where the reader kept no delta, false if it reverted with DELTA_BOUND in block order
 * (a bound check failed, most likely this one, which the pair must pass), else undefined.
 */
function headroom(block: Block, trace: ReferenceTrace, receipts: readonly Receipt[], writer: number, reader: number, key: number): boolean | undefined {
  const x = deltaOf(block, trace, writer, key);
  const y = deltaOf(block, trace, reader, key);
  if (x && y) return deltaHeadroom(valueBefore(block, trace, key, writer), x, y);
  const r = receipts[reader]!;
  return r.status === 'reverted' && r.code === FAULT.DELTA_BOUND ? false : undefined;
}

/**
 * One line naming the edge from `writer` to `reader` on `key`, or undefined when the footprints do
 * not make one. `about` is what went wrong: a read of `reader`'s, or the key's final value, which
 * `reader`'s own write (the last one) decides.
 */
export function missedEdge(
  block: Block, trace: ReferenceTrace, receipts: readonly Receipt[], writer: number, reader: number, key: number, name: (key: number) => string,
  about: 'read' | 'final value' = 'read',
): string | undefined {
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
  const byReader: readonly AccessKind[] = about === 'read' ? ['read', 'delta', 'write'] : ['write', 'delta', 'read'];
  const pairs = byWriter.filter((a) => w.includes(a)).flatMap((a) => byReader.filter((b) => r.includes(b)).map((b): [AccessKind, AccessKind, ConflictRule] => [a, b, ruleFor(a, b)]));
  const [a, b, rule] = pairs.find(([, , x]) => x.verdict !== 'commute') ?? [];
  if (!rule) return undefined;
  // commute-if: where the reference's amounts show the condition holding, the two may share a wave and no edge orders them.
  const holds = rule.verdict === 'commute-if' ? headroom(block, trace, receipts, writer, reader, key) : false;
  if (holds) return undefined;
  const k = name(key);
  const which = rule.verdict === 'conflict'
    ? `a ${a}/${b} conflict (${rule.why})`
    : `${a}/${b}, which commute only while ${rule.condition} holds (${CONDITIONS[rule.condition!].doc}), and ${holds === false ? 'here it does not' : 'nothing here shows that it does'}`;
  return `tx ${writer} declares ${a} ${k} and tx ${reader} declares ${b} ${k}: ${which}, so tx ${reader} must run after tx ${writer}: `
    + 'an edge a scheduler by declared footprints must keep';
}
