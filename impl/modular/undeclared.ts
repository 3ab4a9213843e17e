// Undeclared accesses: a transaction touching a key outside its declared footprint, or with a kind
// of access its declaration does not cover (COVERED, order.ts). The lanes stop at the first one
// (thread.ts); what reports them is an in-order run, in the reference's order, so the report is
// exactly the accesses the reference makes: block-run.ts's run that finishes such a block on the
// main thread, and the sequential executor's run of a block the preflight sends there
// (watchUndeclared). Each is reported once per transaction, key and kind, in the order the VM
// made them (reads and delta bases as they happen, a successful transaction's writes after).
// Invariant: every path of the modular executor reports the same list for the same block.

import { flatKey, type AccessKind, type Block, type ExecutionStats } from '../../spec/block.js';
import { keyName } from '../../spec/contracts.js';
import { TxStatus, type StateView, type TxOutcome } from '../../spec/vm.js';
import type { TxWatch } from '../sequential.js';
import { flatten } from './access.js';
import { footprintHolds } from './footprint-proof.js';
import { COVERED, DELTA, KINDS, READ, WRITE } from './order.js';

export interface Violation {
  readonly tx: number;
  readonly key: number;
  /** What the transaction did: read the key, wrote it, or added a delta to it. */
  readonly access: AccessKind;
  /** The kinds the transaction declared on the key; empty when it did not declare the key. */
  readonly declared: readonly AccessKind[];
}

const VERB: Readonly<Record<AccessKind, string>> = { read: 'reads', write: 'writes', delta: 'adds a delta to' };

/** "tx 260 writes key 144 (acct9.balance), declared only as read". */
export function describeViolation(v: Violation, entityNames?: Block['entityNames']): string {
  const declared = v.declared.length === 0 ? 'which it does not declare' : `declared only as ${v.declared.join(' and ')}`;
  return `tx ${v.tx} ${VERB[v.access]} key ${v.key} (${keyName(v.key, entityNames)}), ${declared}`;
}

/** Violations spelled out in stats.undeclared ("and N more" after them); the count covers them all. */
const LISTED_VIOLATIONS = 8;

/** The statistics that report them: undeclaredAccesses counts them all, undeclared lists the first. */
export function undeclaredStats(violations: readonly Violation[], entityNames?: Block['entityNames']): Pick<ExecutionStats, 'undeclaredAccesses' | 'undeclared'> {
  return {
    undeclaredAccesses: violations.length,
    undeclared: [
      ...violations.slice(0, LISTED_VIOLATIONS).map((v) => describeViolation(v, entityNames)),
      ...(violations.length > LISTED_VIOLATIONS ? [`and ${violations.length - LISTED_VIOLATIONS} more`] : []),
    ].join('; '),
  };
}

/**
 * Records the access of `tx` to `key` as `kind` (a bit of KINDS) when `declared` (the kinds the
 * transaction declared on the key, 0 if none) does not cover it, unless it was recorded already
 * since `first`, the first violation of the transaction.
 */
export function noteAccess(violations: Violation[], first: number, tx: number, key: number, kind: number, declared: number): void {
  if ((COVERED[declared]! & kind) !== 0) return;
  const access = KINDS[31 - Math.clz32(kind)]!;
  for (let v = first; v < violations.length; v++) if (violations[v]!.key === key && violations[v]!.access === access) return;
  violations.push({ tx, key, access, declared: KINDS.filter((_, k) => declared & (1 << k)) });
}

/**
 * For the sequential executor's run of `block`: a watch that records the undeclared accesses of
 * every transaction whose program declares a footprint that footprintHolds cannot vouch for, into
 * `violations`; null when there is no such program (the run then costs what it always did).
 */
export function watchUndeclared(block: Block, violations: Violation[]): TxWatch | null {
  const watched = block.programs.map((p) => p.footprint !== undefined && !footprintHolds(p));
  if (!watched.includes(true)) return null;
  const flats = flatten(block);
  let base: StateView = { read: () => 0 };
  let tx = 0;
  let first = 0;
  // The running transaction's declared keys, one per distinct key with its kinds merged, as the
  // lanes' entries (access.ts): entries naming the same key for these arguments merge too.
  const keys: number[] = [];
  const kinds: number[] = [];
  const declaredOn = (key: number) => {
    for (let e = 0; e < keys.length; e++) if (keys[e] === key) return kinds[e]!;
    return 0;
  };
  const view: StateView = {
    read: (key, forDelta) => {
      noteAccess(violations, first, tx, key, forDelta ? DELTA : READ, declaredOn(key));
      return base.read(key, forDelta);
    },
  };
  return {
    watches: (t) => watched[block.txs[t]!.program]!,
    begin: (t, plain) => {
      tx = t;
      first = violations.length;
      base = plain;
      const { program, args } = block.txs[t]!;
      const f = flats[program]!;
      keys.length = 0;
      kinds.length = 0;
      for (let e = 0; e < f.arg.length; e++) {
        const key = flatKey(f.arg[e]!, f.mul[e]!, f.add[e]!, args);
        const at = keys.indexOf(key);
        if (at >= 0) kinds[at]! |= f.kind[e]!;
        else {
          keys.push(key);
          kinds.push(f.kind[e]!);
        }
      }
      return view;
    },
    end: (out: TxOutcome) => {
      if (out.status !== TxStatus.Success) return;
      for (let w = 0; w < out.writeCount; w++) {
        const key = out.writeKeys[w]!;
        noteAccess(violations, first, tx, key, out.writeIsDelta[w] ? DELTA : WRITE, declaredOn(key));
      }
    },
  };
}
