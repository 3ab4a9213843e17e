// Planted mistakes in the modular executor, all off by default. The property suite turns one on
// and checks that it is caught (a result that differs from the reference).
// Invariant: with no bug on, none of these code paths is taken.

export const BUGS = {
  misroute:
    'a cross-module transaction is routed to its home lane alone: it gets no cross-lane edges, so it no longer waits for the other modules it touches',
  'kind-blind':
    'the lanes check that an access\'s key is declared, not that its declared kind covers the access: a write to a key declared only as read runs unordered against the key\'s other readers, unreported and without the in-order finish',
  'delta-skips-reads':
    'a delta-only access waits for the earlier writes and deltas of its key, not for its earlier reads: a lane may apply it before an earlier transaction in another lane read the key, which then reads the later value',
} as const;

export type BugName = keyof typeof BUGS;

export const BUG_NAMES = Object.keys(BUGS) as BugName[];

export interface BugFlags {
  readonly misroute: boolean;
  readonly kindBlind: boolean;
  readonly deltaSkipsReads: boolean;
}

export function bugFlags(bugs: Iterable<string> = []): BugFlags {
  const on = new Set<string>();
  for (const b of bugs) {
    if (!(b in BUGS)) throw new Error(`unknown planted bug "${b}" (known: ${BUG_NAMES.join(', ')})`);
    on.add(b);
  }
  return { misroute: on.has('misroute'), kindBlind: on.has('kind-blind'), deltaSkipsReads: on.has('delta-skips-reads') };
}
