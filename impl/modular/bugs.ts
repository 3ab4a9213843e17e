// Planted mistakes in the modular executor, all off by default. The property suite turns one on
// and checks that it is caught (a result that differs from the reference).
// Invariant: with no bug on, none of these code paths is taken.

export const BUGS = {
  misroute:
    'a cross-module transaction is routed to its home lane alone: it gets no cross-lane edges, so it no longer waits for the other modules it touches',
} as const;

export type BugName = keyof typeof BUGS;

export const BUG_NAMES = Object.keys(BUGS) as BugName[];

export interface BugFlags {
  readonly misroute: boolean;
}

export function bugFlags(bugs: Iterable<string> = []): BugFlags {
  const on = new Set<string>();
  for (const b of bugs) {
    if (!(b in BUGS)) throw new Error(`unknown planted bug "${b}" (known: ${BUG_NAMES.join(', ')})`);
    on.add(b);
  }
  return { misroute: on.has('misroute') };
}
