// Planted mistakes in the Block-STM algorithm, all off by default. Each is a classic way a real
// executor goes wrong; the property suite turns one on and checks that it is caught (a result
// that differs from the reference, or a run that reports a violated invariant or a fallback).
// Invariant: with no bug on, none of these code paths is taken; the flags are bits so the hot
// path tests them with one AND.

export const BUGS = {
  'skip-validation': 'validation always passes: a read set is never re-checked against multi-version memory',
  'no-estimate': 'an aborted incarnation leaves its writes in place instead of ESTIMATE markers',
  'read-higher-tx': 'a read also sees versions written by higher transactions, not only lower ones',
  'no-incarnation-bump': 'a re-execution keeps the incarnation number, so validation cannot tell versions apart',
  'commit-before-validation': 'the block is declared done once everything executed, without waiting for pending validations',
  'wrong-delta-resolution': "a DELTA's base is never validated: a delta keeps the base it saw first, even after it changed",
  'lost-dependency-resume': 'finishing an execution drops the transactions suspended on its ESTIMATEs instead of resuming them',
  'no-new-location-revalidation': 'a re-execution that writes a new location does not schedule higher transactions for validation again',
  'guess-unloaded-value': 'a read of a pre-state value that was not loaded (only the declared keys were) takes it as 0 instead of reloading the block with the whole pre-state',
} as const;

export type BugName = keyof typeof BUGS;

export const BUG_NAMES = Object.keys(BUGS) as BugName[];

/** The bit of each bug in the mask the algorithm tests. */
export const BUG_BIT: Readonly<Record<BugName, number>> = Object.fromEntries(BUG_NAMES.map((b, i) => [b, 1 << i])) as Record<BugName, number>;

export function bugMask(bugs: Iterable<string> = []): number {
  let mask = 0;
  for (const b of bugs) {
    const bit = BUG_BIT[b as BugName];
    if (bit === undefined) throw new Error(`unknown planted bug "${b}" (known: ${BUG_NAMES.join(', ')})`);
    mask |= bit;
  }
  return mask;
}
