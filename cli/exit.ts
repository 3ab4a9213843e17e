// What a concord command's exit code says, and the error that makes it a usage error (2). Kept
// apart from cli/errors.ts, which loads the executors' errors and the call watch, so that the
// command line (cli/concord.ts) and output.ts start without them. Invariant: 0 = success,
// 1 = a check failed, 2 = usage or input error.

export class UsageError extends Error {}

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** The default of --timeout: seconds a call into an executor may stay pending before the command gives up on it. */
export const DEFAULT_CALL_TIMEOUT_S = 300;
