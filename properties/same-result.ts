// The exact comparison of a result with an expected one (the reference's): what bench makes of
// every call it times, and verify of every run, so it walks each field once against the expected
// value and stops at the first difference. It never walks the result for its shape first (as
// malformation() does): a field equal to a well-formed expected one is well-formed itself, so only
// what equality cannot vouch for is looked at apart (a list being a list, a key the expected state
// lacks, the statistics).
// Invariant: for a well-formed `expected`, sameResult(expected, actual) is true exactly when
// malformation(actual) finds nothing and every field equals expected's (a key listed at 0, or at
// undefined, is the absent key it stands for): exactly when explain() (explain.ts) finds no divergence.

import { statsProblem, type BlockResult, type Receipt, type ReadSet } from '../spec/block.js';
import { isKey } from '../spec/values.js';

/** A state value that stands for an absent key: 0, or undefined (spec/state.ts: writing 0 deletes). */
const absent = (v: unknown): boolean => v === 0 || v === undefined;

function sameReceipts(expected: readonly Receipt[], actual: unknown): boolean {
  if (!Array.isArray(actual) || actual.length !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i] as Receipt;
    if (a.status !== e.status || a.code !== e.code || a.gasUsed !== e.gasUsed) return false;
    const out: unknown = a.outputs;
    if (!Array.isArray(out) || out.length !== e.outputs.length) return false;
    for (let o = 0; o < out.length; o++) if (out[o] !== e.outputs[o]) return false;
  }
  return true;
}

function sameReadSets(expected: readonly ReadSet[], actual: unknown): boolean {
  if (!Array.isArray(actual) || actual.length !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a: unknown = actual[i];
    if (!Array.isArray(a) || a.length !== e.length) return false;
    for (let j = 0; j < e.length; j++) {
      const p: unknown = a[j];
      if (!Array.isArray(p) || p.length !== 2 || p[0] !== e[j]![0] || p[1] !== e[j]![1]) return false;
    }
  }
  return true;
}

/**
 * Whether `actual` holds `expected`'s state. Each expected key is looked up once; the actual state
 * is walked only where it holds entries beyond those found there with a value (a key listed at 0 or
 * undefined, or a key too many), each of which must then be a key standing for an absent one.
 */
function sameState(expected: ReadonlyMap<number, number>, actual: unknown): boolean {
  if (!(actual instanceof Map)) return false;
  const state = actual as ReadonlyMap<unknown, unknown>;
  let found = 0;
  let same = true;
  expected.forEach((v, k) => {
    if (!same) return;
    const a = state.get(k);
    if (a !== undefined) found++;
    if (a !== v && !(absent(a) && absent(v))) same = false;
  });
  if (!same) return false;
  if (found === state.size) return true;
  state.forEach((a, k) => {
    if (same && !expected.has(k as number) && !(isKey(k) && absent(a))) same = false;
  });
  return same;
}

/** Whether `actual` is `expected`, field by field (see the invariant above); a field that throws as it is read is a difference. */
export function sameResult(expected: BlockResult, actual: unknown): boolean {
  if (typeof actual !== 'object' || actual === null) return false;
  const r = actual as { [K in keyof BlockResult]?: unknown };
  try {
    return r.gasUsed === expected.gasUsed
      && sameReceipts(expected.receipts, r.receipts)
      && sameReadSets(expected.reads, r.reads)
      && statsProblem(r.stats) === undefined
      && sameState(expected.state, r.state)
      && r.stateRoot === expected.stateRoot && r.receiptsRoot === expected.receiptsRoot;
  } catch {
    return false;
  }
}
