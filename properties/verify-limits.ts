// The limits and defaults of verify's options that `concord verify` (cli/verify.ts), the vitest
// helper (properties/vitest.ts) and the runner (properties/runner.ts) share; kept apart from them
// so that `concord --help` and a refused option load none of the checks (fast-check, the executors).
// Invariant: each limit is stated once, here; the CLI and the helper check their options against
// these constants, in their own units, so the two never accept different ranges.

import { MAX_CALL_MS } from '../spec/call-time.js';

/** Transactions per generated block (--txs, `txs`): every check runs the reference beside the executor on thousands of blocks, and beyond this a run takes hours and gigabytes. */
export const MAX_VERIFY_TXS = 10_000;

/** The longest time limit on one call into an executor (--timeout, `timeout`): a day. */
export const MAX_CALL_TIMEOUT_S = MAX_CALL_MS / 1000;

/** Runs of one batch: each batch draws its blocks from its own fast-check seed, and shards take whole batches. */
export const BATCH = 50;
/** Batches each seed owns: keys are seed * 2^16 + b, and keys must be safe integers (replay tokens carry them). */
export const SEED_BATCHES = 2 ** 16;
/** The most runs of a check whose batches all belong to its seed alone (no check has a runsFactor above 1). */
export const MAX_RUNS = SEED_BATCHES * BATCH;
/** The largest seed whose keys are all safe integers. */
export const MAX_SEED = Math.floor(Number.MAX_SAFE_INTEGER / SEED_BATCHES);
/** The most times one replay may run its block (--repeat). */
export const MAX_REPLAY_REPEAT = 100_000;

/** Blocks per executor for the equivalence check by default (`concord verify`); sized so the default run stays well under 60 s here. */
export const DEFAULT_RUNS = 2000;
export const DEFAULT_SEED = 1;
/**
 * Runs one shard needs for its own coverage gate to pass: the short verify's budget (SHORT_VERIFY
 * in cli/main.ts), whose simulated schedules reach every Block-STM path from about 200 runs.
 * Measured: every path covered on each shard of --runs 2000 in 4 (seed 1) and on shards 1, 3, 5 and 8
 * of --runs 4000 in 8 (seeds 2 and 3).
 */
export const SHARD_RUNS = 500;
