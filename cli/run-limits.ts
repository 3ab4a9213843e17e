// The defaults and limits of `concord run`'s options (and of --train, which bench takes too), apart
// from cli/run.ts so that the command line's help, which states them, loads nothing of the command
// itself (cli/concord.ts).

/** Warm-up time when --warmup is not given. */
export const DEFAULT_WARMUP_MS = 1000;
/** Past a few seconds warm-up finds nothing left to optimise; ten minutes bounds a typo, not a choice. */
export const MAX_WARMUP_MS = 600_000;
/** A median over this many runs is as steady as it gets; the times are kept, so a typo would fill memory. */
export const MAX_REPEAT = 100_000;
/** --train at most: a sample is held in memory whole while it trains. */
export const MAX_TRAIN_BLOCKS = 1000;
/** Transactions a training sample may hold, generated or read (cli/train.ts): the sample and its access map are held whole. */
export const MAX_TRAIN_TXS = 1_000_000;
