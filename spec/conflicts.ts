// The conflict rules: for every pair of the VM's state accesses (READ, WRITE, DELTA; no other
// instruction touches state) made by two transactions to one key, whether their order matters.
// This table and its side conditions are the only copy of the rules, held as data: `concord
// prove` proves each entry with z3 over the VM's exact arithmetic (spec/smt/rules.ts), and the
// modular executor and the ideal-speedup bound read it to decide what must run in block order.
// Invariant: a 'commute' entry (or 'commute-if' whose condition holds) means that for every state
// both orders give the same final state, the same values observed and the same receipts; every
// 'conflict' entry has a state where the orders differ; every check of a condition is needed.

import type { AccessKind } from './block.js';

export const ACCESS_KINDS: readonly AccessKind[] = ['read', 'write', 'delta'];

export type Verdict = 'commute' | 'conflict' | 'commute-if';

/** Side conditions, evaluated on concrete values at run time; each is defined in CONDITIONS. */
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

/** The two deltas of a pair: x is the rule's first access (a), y its second (b). */
export type DeltaName = 'x' | 'y';

/**
 * One bound check the VM makes when the deltas run in some order: the base plus the named
 * amounts, added left to right, with every partial sum in the value range and the last one
 * inside the bounds of the delta `within`.
 */
export interface BoundCheck {
  readonly adds: readonly DeltaName[];
  readonly within: DeltaName;
  readonly doc: string;
}

export interface ConditionDef {
  readonly doc: string;
  /** All must pass. */
  readonly checks: readonly BoundCheck[];
}

/**
 * 'delta-headroom' is exactly "every bound check passes in both orders", so both deltas succeed
 * whichever runs first. It is not "the orders agree": a delta failing in both orders alike also
 * commutes, but a scheduler cannot use that without running it, so the table calls it a conflict.
 */
export const CONDITIONS: Readonly<Record<Condition, ConditionDef>> = {
  'delta-headroom': {
    doc: 'every bound check passes in both orders',
    checks: [
      { adds: ['x'], within: 'x', doc: 'x first: x within its bounds' },
      { adds: ['x', 'y'], within: 'y', doc: 'x first: y within its bounds' },
      { adds: ['y'], within: 'y', doc: 'y first: y within its bounds' },
      { adds: ['y', 'x'], within: 'x', doc: 'y first: x within its bounds' },
    ],
  },
};

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

/**
 * Evaluates a condition on concrete values, as the VM would: each partial sum adds two safe
 * integers, so the float sum is exact when the true sum is in range and is not a safe integer
 * when it is not; a failed range check ends the check before any inexact sum is used.
 */
export function conditionHolds(def: ConditionDef, base: number, x: DeltaAccess, y: DeltaAccess): boolean {
  return def.checks.every((check) => {
    let v = base;
    for (const d of check.adds) {
      v += (d === 'x' ? x : y).amount;
      if (!Number.isSafeInteger(v)) return false;
    }
    const bounds = check.within === 'x' ? x : y;
    return v >= bounds.lo && v <= bounds.hi;
  });
}

/** Evaluates 'delta-headroom' for two deltas on one key whose base value is `base`. */
export function deltaHeadroom(base: number, x: DeltaAccess, y: DeltaAccess): boolean {
  return conditionHolds(CONDITIONS['delta-headroom'], base, x, y);
}

/** Whether two accesses to one key may be reordered without knowing any values. */
export function alwaysCommute(a: AccessKind, b: AccessKind): boolean {
  return ruleFor(a, b).verdict === 'commute';
}
