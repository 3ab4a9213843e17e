// What the modular executor owes a block whose footprints lie: a report of every access the
// reference execution makes outside its transaction's declared footprint, by the rule the executor
// documents (docs/block-format.md Footprints, impl/modular/README.md): a key no entry names, or an
// access the declared kinds do not cover, where a declared kind covers an access when it keeps
// order with everything the conflict table orders that access with (a write entry covers a read
// and a DELTA, a delta entry a write; a read entry covers no write). That rule, not `concord
// prove`'s stricter one (footprint-escape.ts), is what its plan needs and what it claims to
// report, so a delta declared where the program writes owes no report. Each access is owed once
// per transaction, key and kind, in the order the VM makes them (reads and DELTA bases as they
// happen, a successful transaction's writes after): stats.undeclaredAccesses counts them and
// stats.undeclared spells out the first LISTED as "tx I <verb> key K (name), ...".
// Invariant: undeclaredAccesses watches the reference's own pass (spec/reference.ts runReference),
// so it lists only accesses the reference made; a program without a footprint declares nothing to
// leave.

import { footprintKeys, type AccessKind, type Block, type BlockResult } from '../spec/block.js';
import { ACCESS_KINDS, ruleFor } from '../spec/conflicts.js';
import { keyName } from '../spec/contracts.js';
import { runReference } from '../spec/reference.js';
import { TxStatus } from '../spec/vm.js';
import { ELLE, type Explanation } from './explain.js';
import { outsideFootprintText } from './footprint-escape.js';

export interface UndeclaredAccess {
  readonly tx: number;
  readonly key: number;
  readonly access: AccessKind;
}

/** Whether a key declared as `declared` may receive `actual`: the plan built from it already orders the access. */
export function covers(declared: AccessKind, actual: AccessKind): boolean {
  return ACCESS_KINDS.every((k) => ruleFor(actual, k).verdict === 'commute' || ruleFor(declared, k).verdict !== 'commute');
}

/** Transaction `tx`'s footprint as its arguments resolve it; undefined where its program declares none. */
function declaredOf(block: Block, tx: number): { readonly key: number; readonly access: AccessKind }[] | undefined {
  const t = block.txs[tx]!;
  const fp = block.programs[t.program]!.footprint;
  return fp === undefined ? undefined : footprintKeys(fp, t.args);
}

/** The accesses outside their declared footprints that the reference execution of `block` makes, in order. */
export function undeclaredAccesses(block: Block): UndeclaredAccess[] {
  const found: UndeclaredAccess[] = [];
  // The transaction being run, its footprint, and where its accesses start in `found`.
  let current = -1;
  let entries: ReturnType<typeof declaredOf>;
  let first = 0;
  const note = (tx: number, key: number, access: AccessKind) => {
    if (tx !== current) {
      current = tx;
      entries = declaredOf(block, tx);
      first = found.length;
    }
    if (entries === undefined || entries.some((e) => e.key === key && covers(e.access, access))) return;
    if (found.slice(first).some((f) => f.key === key && f.access === access)) return;
    found.push({ tx, key, access });
  };
  runReference(block, {
    read: (tx, key, forDelta) => note(tx, key, forDelta ? 'delta' : 'read'),
    ran: (tx, out) => {
      if (out.status !== TxStatus.Success) return;
      for (let w = 0; w < out.writeCount; w++) note(tx, out.writeKeys[w]!, out.writeIsDelta[w] ? 'delta' : 'write');
    },
  });
  return found;
}

/** The accesses stats.undeclared spells out before "and N more". */
const LISTED = 8;

const VERB: Readonly<Record<AccessKind, string>> = { read: 'reads', write: 'writes', delta: 'adds a delta to' };

/** How stats.undeclared begins its item for `a`: the transaction, what it did, and the key. */
function itemStart(a: UndeclaredAccess): string {
  return `tx ${a.tx} ${VERB[a.access]} key ${a.key} (`;
}

/**
 * Why `actual`'s stats do not report exactly `owed` (undeclaredAccesses), or undefined when they
 * do: the count, and each listed item's transaction, access and key in order.
 */
export function reportMismatch(block: Block, owed: readonly UndeclaredAccess[], actual: BlockResult): Explanation | undefined {
  const count = actual.stats.undeclaredAccesses;
  const text = actual.stats.undeclared;
  const items = typeof text === 'string' && text !== '' ? text.split('; ') : [];
  const listed = owed.slice(0, LISTED);
  const wrongAt = listed.findIndex((a, i) => !items[i]?.startsWith(itemStart(a)));
  if (count === owed.length && wrongAt < 0) return undefined;
  const name = (key: number) => keyName(key, block.entityNames);
  const at = owed[wrongAt < 0 ? 0 : wrongAt];
  const words = (a: UndeclaredAccess) => `${itemStart(a)}${name(a.key)})`;
  return {
    anomaly: 'wrong undeclared report', elle: ELLE['wrong undeclared report'], tx: at?.tx ?? -1,
    ...(at ? { key: at.key, keyName: name(at.key) } : {}),
    expected: owed.length === 0 ? 'no undeclared access (undeclaredAccesses 0)' : `undeclaredAccesses ${owed.length}: ${listed.map(words).join('; ')}${owed.length > LISTED ? '; ...' : ''}`,
    actual: `undeclaredAccesses ${String(count)}, undeclared ${JSON.stringify(text ?? null)}`,
    detail: owed.length > (typeof count === 'number' ? count : 0)
      ? 'The result equals the reference\'s, but an access outside a declared footprint went unreported: the executor did not see it, so it ran the transaction on a plan its footprint does not describe and was right by luck. It must report every such access and finish the block in order from it.'
      : 'The result equals the reference\'s, but the report of undeclared accesses names other accesses than the reference made outside their footprints.',
    // The access the report is held to, by the executor's own rule (covers), and told as a lie of the check's making.
    ...(at ? { footprint: `${outsideFootprintText({ ...at, declared: declaredOf(block, at.tx) ?? [] }, name)}: a lie this check tells on purpose, which the executor must catch as it runs, report, and finish in block order` } : {}),
  };
}
