// The conflict rules: for every pair of access kinds two transactions can make to the same key,
// whether their order matters. This table is the only copy of the rules: `concord prove` proves
// each entry with z3 over the VM's exact arithmetic, and the modular executor and the
// ideal-speedup bound read it to decide which transactions must run in block order.
// Invariant: a 'commute' entry (or 'commute-if' whose condition holds) means that for every state
// both orders yield the same final value, the same values observed and the same revert outcome.

import type { AccessKind } from './block.js';

export type Verdict = 'commute' | 'conflict' | 'commute-if';

/**
 * Side conditions, evaluated on concrete values at run time. 'delta-headroom': two deltas on one
 * key with amounts d1, d2 commute when the base v lies in both bounds, d1 and d2 have the same
 * sign, and v + d1 + d2 lies in both bounds (so no bound check can fail in either order).
 */
export type Condition = 'delta-headroom';

export interface ConflictRule {
  readonly a: AccessKind;
  readonly b: AccessKind;
  readonly verdict: Verdict;
  readonly condition?: Condition;
  readonly why: string;
}

export const CONFLICT_RULES: readonly ConflictRule[] = [
  { a: 'read', b: 'read', verdict: 'commute', why: 'reads change nothing' },
  { a: 'read', b: 'write', verdict: 'conflict', why: 'the read sees the old or the new value' },
  { a: 'read', b: 'delta', verdict: 'conflict', why: 'the read sees the value before or after the delta' },
  { a: 'write', b: 'write', verdict: 'conflict', why: 'the last writer decides the final value' },
  { a: 'write', b: 'delta', verdict: 'conflict', why: 'the delta applies to the written value or is overwritten' },
  {
    a: 'delta', b: 'delta', verdict: 'commute-if', condition: 'delta-headroom',
    why: 'addition commutes, but a bound check may pass in one order and fail in the other',
  },
];

export function ruleFor(a: AccessKind, b: AccessKind): ConflictRule {
  const rule = CONFLICT_RULES.find((r) => (r.a === a && r.b === b) || (r.a === b && r.b === a));
  if (!rule) throw new Error(`no conflict rule for ${a}/${b}`);
  return rule;
}

export interface DeltaAccess {
  readonly amount: number;
  readonly lo: number;
  readonly hi: number;
}

/** Evaluates a rule's side condition for two deltas on one key whose base value is `base`. */
export function deltaHeadroom(base: number, x: DeltaAccess, y: DeltaAccess): boolean {
  const sum = base + x.amount + y.amount;
  const within = (v: number, d: DeltaAccess) => v >= d.lo && v <= d.hi;
  const sameSign = (x.amount >= 0 && y.amount >= 0) || (x.amount <= 0 && y.amount <= 0);
  return sameSign && within(base, x) && within(base, y) && within(sum, x) && within(sum, y);
}

/** Whether two accesses to one key may be reordered without knowing any values. */
export function alwaysCommute(a: AccessKind, b: AccessKind): boolean {
  return ruleFor(a, b).verdict === 'commute';
}
