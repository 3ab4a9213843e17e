// The bound an `exec:` engine's request is judged hung by, shared between the engines verify makes
// (impl/exec-executor.ts reads it as it sends each request, AnswerLimit) and the runner, which
// shortens it for the tries of a hang's shrinking and puts it back after them: each try that hangs
// costs its bound, and at verify's --timeout (300 s by default) the whole shrinking had room for one
// try (a deadlock at 30 transactions stayed at 153 of 409). A try's bound is SHRINK_TRY_FACTOR times
// the slowest execute() the engine answered in the verify, SHRINK_TRY_FLOOR_MS at least and
// --timeout at most; a block that hung only under it is confirmed under --timeout before it is
// reported (runner.ts checkBatch). All the tries together stop at HANG_SHRINK_MS.
// Invariant: outside a hang's shrinking the bound is what verify made it with; within it, never
// above that.

/** An AnswerLimit whose `ms` and `by` the runner may change between requests. */
export interface HangBound {
  ms: number;
  by: string;
}

/** A shrink try's bound is this many times the slowest execute() the engine answered. */
export const SHRINK_TRY_FACTOR = 10;
/**
 * The least a shrink try's bound is: answers of milliseconds would make it a few, and each try that
 * follows a hang goes to a fresh engine (a hang stops its engine), whose start-up is in its time.
 */
export const SHRINK_TRY_FLOOR_MS = 5000;
/** The most time a hang's shrinking takes in all: tries that hang cost their bound each. */
export const HANG_SHRINK_MS = 120_000;

/** How the bound a shrink try was stopped at is named (in the engine's "within 5 s (...)"). */
const SHRINK_TRY_BY = `a hang's shrink try: ${SHRINK_TRY_FACTOR} times the slowest answer, ${SHRINK_TRY_FLOOR_MS / 1000} s at least, --timeout at most`;

/** A shrink try's bound under `full` (the bound verify made the engines with), after answers of `slowestMs` at most. */
export function shrinkTryMs(full: number, slowestMs: number): number {
  return Math.min(full, Math.max(SHRINK_TRY_FLOOR_MS, SHRINK_TRY_FACTOR * slowestMs));
}

/**
 * Runs `work` with `bound` set, before each request a try makes, to a shrink try's: `tryBound()`
 * gives it `slowestMs()` as it stands; `bound` is what it was again when `work` settles.
 */
export async function withShrinkTries<T>(bound: HangBound, slowestMs: () => number, work: (tryBound: () => void) => Promise<T>): Promise<T> {
  const full = { ...bound };
  try {
    return await work(() => {
      bound.ms = shrinkTryMs(full.ms, slowestMs());
      bound.by = bound.ms === full.ms ? full.by : SHRINK_TRY_BY;
    });
  } finally {
    Object.assign(bound, full);
  }
}
