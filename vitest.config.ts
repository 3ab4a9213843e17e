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
    // `npm test` from 8 min 21 s to 5 min 1-7 s here, the same 1,020 tests passing; three (1,255
    // tests) from 624 s to 524 s, the cores 95% busy, once the tests that timed themselves against a
    // budget (verify-budget, bench-simulate's fits) took a fixed clock instead.
    maxWorkers: Math.max(3, availableParallelism() - 1),
  },
});
