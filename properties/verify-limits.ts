// The limits of verify's options that `concord verify` (cli/verify.ts) and the vitest helper
// (properties/vitest.ts) share, beside the runner's own (MAX_RUNS, MAX_SEED in runner.ts).
// Invariant: each limit is stated once, here; the CLI and the helper check their options against
// these constants, in their own units, so the two never accept different ranges.

import { MAX_CALL_MS } from '../spec/call-time.js';

/** Transactions per generated block (--txs, `txs`): every check runs the reference beside the executor on thousands of blocks, and beyond this a run takes hours and gigabytes. */
export const MAX_VERIFY_TXS = 10_000;

/** The longest time limit on one call into an executor (--timeout, `timeout`): a day. */
export const MAX_CALL_TIMEOUT_S = MAX_CALL_MS / 1000;
