// The clean-up budget of one run: the close() calls made after a failure (a failed execute(), a
// counterexample, a hang), whose results do not matter, share CLEANUP_MS, or the call limit when
// that is shorter. verify makes several (the instance that found a counterexample and every fresh
// one it was rerun on), and a close() that never settles would otherwise cost the whole limit once
// per instance. Used by the CLI (cli/errors.ts watchCalls) and the vitest helper (call-timeout.ts).
// Invariant: all of one budget's waits together last at most its limit (plus timer slack); once it
// is spent a clean-up is not waited for: the CLI skips it, since it reports its failure and ends
// the process regardless; the vitest helper still calls it, since its process (the test runner's)
// goes on and an instance left open would keep its threads there.

/** How long one run waits at most for all its clean-up calls together. */
export const CLEANUP_MS = 5000;

export interface CleanUpBudget {
  /**
   * Calls `work()` and waits for it to settle, throw or hang for at most what is left, which the
   * wait spends; `around(ms)`, told the wait's bound before it starts, returns what to do after it
   * ends. Once the budget is spent: calls `work()` without waiting, or with `skipWhenSpent` not at all.
   * Resolves to whether `work()` settled (or threw) within the wait.
   */
  run(work: () => unknown, around?: (ms: number) => () => void): Promise<boolean>;
}

/**
 * A budget for the clean-ups of a run whose calls may take `limitMs` each (0: no limit).
 * `skipWhenSpent`: for a caller that ends its process after the clean-ups, where a call made with
 * no time left could only hold the main thread (a busy loop, a native wait) past any limit.
 */
export function cleanUpBudget(limitMs: number, skipWhenSpent = false): CleanUpBudget {
  let leftMs = limitMs > 0 ? Math.min(CLEANUP_MS, limitMs) : CLEANUP_MS;
  return {
    async run(work, around) {
      if (leftMs <= 0) {
        if (!skipWhenSpent) void Promise.resolve().then(work).catch(() => {});
        return false;
      }
      const began = performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      let expired = false;
      let settled = false;
      // Not unref'd, so a clean-up that never settles cannot let the process end before the wait is over.
      const waited = new Promise<void>((done) => { timer = setTimeout(() => { expired = true; done(); }, leftMs); });
      const after = around?.(leftMs);
      try {
        await Promise.race([Promise.resolve().then(work).catch(() => {}).then(() => { settled = true; }), waited]);
        return settled;
      } finally {
        clearTimeout(timer);
        // A timer may fire a fraction of a millisecond before performance.now() says it is due:
        // a wait that ran out spent the budget, whatever is left over by that clock.
        leftMs = expired ? 0 : Math.max(0, leftMs - (performance.now() - began));
        after?.();
      }
    },
  };
}
