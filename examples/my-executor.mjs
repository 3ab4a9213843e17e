// An executor module to start from: the reference executor behind the Executor interface
// (spec/executor.ts), in the shape Concord recommends. Copy it into your project, replace the
// body of execute() with your engine, and check it: `npx concord verify --executor ./my-executor.mjs`.
// Invariant: every result is the reference's, so verify passes on it as it is.
//
// The default export is a function, not an executor object: Concord calls it for each instance it
// needs (bench one per thread count, verify a fresh one per rerun of a counterexample, which is how
// it tells a block that fails alone from one that fails only after earlier blocks). run and bench
// pass it their settings ({ threads, modules, partition }), verify only --modules and --partition
// where given ({} otherwise), since it picks each block's thread count itself.

import { executeReference } from 'concord/dist/spec/reference.js';

export default function createMyExecutor() {
  return {
    name: 'mine',
    // options.threads, where given, is the thread count to run this block on.
    async execute(block, options) {
      return executeReference(block);
    },
    // Where your engine ends its threads and timers, and waits for them: Concord warns of any left alive.
    async close() {},
  };
}
