// What the conflict table (spec/conflicts.ts, read through ruleFor, never copied) means for the
// modular executor: which declared access kinds must keep block order, and which actual accesses
// a declaration covers. Access kinds are bits (KINDS[k] is bit 1 << k); a key declared with
// several kinds by one transaction is one access whose mask holds them all.
// 'commute-if' counts as ordered here: its condition needs run-time values, and ordering is
// always exact (the result is the reference's with or without the condition).
// Invariant, checked where a modular executor starts (intransitivity): "commutes" is transitive
// over the kinds, which the lanes' per-key counters rely on (plan.ts); a table that breaks it
// fails loudly instead of running unsoundly.

import type { AccessKind } from '../../spec/block.js';
import { CONFLICT_RULES, ruleFor, type ConflictRule } from '../../spec/conflicts.js';

/** The access kinds the conflict table speaks of, in a fixed order. */
export const KINDS: readonly AccessKind[] = [...new Set(CONFLICT_RULES.flatMap((r) => [r.a, r.b]))];
export const KIND_COUNT = KINDS.length;
const K = KIND_COUNT;

export function kindBit(kind: AccessKind): number {
  const k = KINDS.indexOf(kind);
  if (k < 0) throw new Error(`access kind "${kind}" is not in the conflict table`);
  return 1 << k;
}

/**
 * The bits of the VM's three accesses, which the lanes, the in-order checks and the footprint proof
 * test. Made as this module loads: a table without one of them fails every command that loads the
 * modular executor, as it did where thread.ts made its own.
 */
export const READ = kindBit('read');
export const WRITE = kindBit('write');
export const DELTA = kindBit('delta');

function ordered(a: number, b: number): boolean {
  return ruleFor(KINDS[a]!, KINDS[b]!).verdict !== 'commute';
}

function maskOf(pred: (k: number) => boolean): number {
  let m = 0;
  for (let k = 0; k < K; k++) if (pred(k)) m |= 1 << k;
  return m;
}

const ORDERS = Array.from({ length: K }, (_, x) => maskOf((y) => ordered(x, y)));

/**
 * Why the lanes cannot run on `rules`, or null. Asked where a modular executor starts, not when
 * this module loads (every command loads it): a table edited wrongly must still let `concord
 * prove` run and refute the entry at fault.
 */
export function intransitivity(rules: readonly ConflictRule[] = CONFLICT_RULES): string | null {
  const kinds = [...new Set(rules.flatMap((r) => [r.a, r.b]))];
  const commute = (a: AccessKind, b: AccessKind) => rules.find((r) => (r.a === a && r.b === b) || (r.a === b && r.b === a))?.verdict === 'commute';
  for (const a of kinds) {
    for (const b of kinds) {
      for (const c of kinds) {
        if (commute(a, b) && commute(b, c) && !commute(a, c)) {
          return `modular executor: the conflict table lets ${a}/${b} and ${b}/${c} commute but orders ${a}/${c}; its per-key counters need a transitive commute relation`;
        }
      }
    }
  }
  return null;
}

/** ORDERS_OF[mask]: the kinds an access declaring `mask` must keep block order with. */
export const ORDERS_OF = Array.from({ length: 1 << K }, (_, mask) => {
  let m = 0;
  for (let x = 0; x < K; x++) if (mask & (1 << x)) m |= ORDERS[x]!;
  return m;
});

/**
 * COVERED[mask]: the actual access kinds a key declared with `mask` may receive. An actual kind a
 * is covered by a declared kind d when everything a must be ordered with, d is ordered with too:
 * the plan, built from d, then already orders a.
 */
export const COVERED = Array.from({ length: 1 << K }, (_, mask) => {
  let covered = 0;
  for (let d = 0; d < K; d++) if (mask & (1 << d)) covered |= maskOf((a) => (ORDERS[a]! & ~ORDERS[d]!) === 0);
  return covered;
});
