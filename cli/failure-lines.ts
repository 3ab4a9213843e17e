// How an executor's failure is printed: one line for stderr and, under --json, the command's
// object with the error for stdout. Shared by the main thread (cli/process-guard.ts printFailure) and the watchdog
// thread (cli/watchdog-thread.ts), which must load no module of the CLI that starts anything.
// A message is one line, except that what an exec: engine wrote on several lines (the end of its
// standard error, a traceback), which the line says follows, comes after it (impl/exec-executor.ts
// engineText): stderr shows those lines below the failure's line, indented, and --json's `error`
// holds the whole message, line breaks and all.
// Invariant: imports nothing; every failure's object says `"ok": false` first, whichever command's
// (run's and bench's objects were made without it, where verify's and every usage error's had it),
// so that a reader of stdout alone tells a failure from an answer by one field.

export interface FailureLines {
  readonly stderr: string;
  /** null without --json. */
  readonly stdout: string | null;
}

/** How far the lines an engine wrote stand in from the failure's line: a traceback's own indentation stays readable under it. */
const QUOTED_INDENT = '    ';

export function failureLines(command: string, message: string, json?: object): FailureLines {
  const [line, ...quoted] = message.split('\n');
  const below = quoted.map((l) => `${QUOTED_INDENT}${l}\n`).join('');
  return { stderr: `concord ${command}: ${line}\n${below}`, stdout: json ? `${JSON.stringify({ ok: false, ...json, error: message })}\n` : null };
}
