// How an executor's failure is printed: one line for stderr and, under --json, the command's
// object with the error for stdout. Shared by the main thread (cli/process-guard.ts printFailure) and the watchdog
// thread (cli/watchdog-thread.ts), which must load no module of the CLI that starts anything.
// Invariant: imports nothing.

export interface FailureLines {
  readonly stderr: string;
  /** null without --json. */
  readonly stdout: string | null;
}

export function failureLines(command: string, message: string, json?: object): FailureLines {
  return { stderr: `concord ${command}: ${message}\n`, stdout: json ? `${JSON.stringify({ ...json, error: message })}\n` : null };
}
