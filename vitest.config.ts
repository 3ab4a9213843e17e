import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/temp-root.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Vitest's default (the cores less one) runs one file at a time on a 2-core machine, where much
    // of a file's time is spent waiting on the processes and workers it starts: two at a time took
    // `npm test` from 8 min 21 s to 5 min 1-7 s here, the same 1,020 tests passing. Three are not
    // faster for certain: 624 -> 524 s one day (1,255 tests), 439 s with two against 680 s with
    // three another (1,275 tests, nothing else running). Prove's docs example failed in whole runs
    // with three: z3's incremental solver, loaded so, answered unknown after 10 s on whether some
    // run meets an AMM invariant's assume (spec/smt/contract-claims.ts someRunMeets now asks a
    // fresh solver then).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
