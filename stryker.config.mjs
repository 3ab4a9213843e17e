// StrykerJS mutation testing of impl/ against Concord's property suite: `npm run mutate` (not part
// of `npm test`: it takes tens of minutes on 2 cores). Every mutant of the in-process algorithm code
// must be killed by the model-based tests, the simulated-runtime checks and the verify tests.
// Invariant: every test this runs pins its fast-check seed (unpinned @fast-check/vitest seeds rename
// tests between runs, and Stryker then miscounts), so a mutant's verdict is reproducible.
//
// Scope: the code that runs in this process, where Stryker's instrumented sources are what executes.
// Worker-thread plumbing (impl/runtime/pool.ts, the executors' worker entry points and job files)
// runs from the bundled dist/ inside Worker threads, which never see a mutant; it is tested for
// equivalence by `concord verify` and the executors' own tests instead.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'impl/blockstm/mv-memory.ts',
    'impl/blockstm/scheduler.ts',
    'impl/blockstm/thread.ts',
    'impl/blockstm/finalize.ts',
    'impl/blockstm/simulate.ts',
    'impl/runtime/sim.ts',
    'impl/sequential.ts',
    'impl/key-table.ts',
  ],
  testFiles: [
    'test/properties-model.test.ts',
    'test/properties-sim.test.ts',
    'test/properties-mutation.test.ts',
    'test/properties-mutants.test.ts',
  ],
  vitest: { related: false },
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'concord-out/mutation/mutation.json' },
  htmlReporter: { fileName: 'concord-out/mutation/index.html' },
  tempDirName: '.stryker-tmp',
  thresholds: { high: 90, low: 85, break: 85 },
};
