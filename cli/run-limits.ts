// The defaults and limits of `concord run`'s options, apart from cli/run.ts so that the command
// line's help, which states them, loads nothing of the command itself (cli/concord.ts).

/** Warm-up time when --warmup is not given. */
export const DEFAULT_WARMUP_MS = 1000;
/** Past a few seconds warm-up finds nothing left to optimise; ten minutes bounds a typo, not a choice. */
export const MAX_WARMUP_MS = 600_000;
/** A median over this many runs is as steady as it gets; the times are kept, so a typo would fill memory. */
export const MAX_REPEAT = 100_000;
