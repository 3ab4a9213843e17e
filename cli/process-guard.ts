// What ends a command that no call into an executor was waiting for: an exception thrown where
// nothing catches it (a timer's callback, an event handler, a worker thread's 'error' with no
// listener), a promise rejected with no handler, or the executor's own code calling
// process.exit(). Node would print a raw stack and exit 1 for the first two, and for the last end
// the process with whatever code was passed, 0 included, and nothing said: a CI job would go green
// on a verify that never finished. Each is reported as an executor's failure (one line naming the
// call pending then, with what the command's crash note adds: verify's block in flight, written for
// a rerun; the JSON object under --json) and the process exits 1.
// Invariant: once guardProcess ran, the process ends with a code other than 1 only through
// exitOnPurpose (the command's own end, a hang it reported), and never with a raw stack for an
// error thrown in a user's code; once a signal ended the command (cli/ending-signal.ts), it ends
// by that signal, and nothing more is printed. However it ends, no process the command started
// outlives it: a user's module's child (one it hung on, or left behind) is killed with every
// process below Concord (impl/process-tree.ts), on exit here, by a signal in endBy, by the
// watchdog's kill in its thread.

import { fromConcord, thrownText } from '../properties/explain.js';
import { failureLines } from './failure-lines.js';
import { afterOutput, FLUSH_CAP_MS, writeStdout } from './output.js';
import { stopAllProgress } from './progress.js';
import { endBy, endingSignal } from './ending-signal.js';
import { killOwnTree, markOwnTree } from '../impl/process-tree.js';

/** The call into an executor pending now, as the command's call watch names it, and what --json prints with a failure. */
let pending = '';
let pendingJson: object | undefined;
let ending = false;
/** What the command adds to the line of a crash during a call (cli/verify.ts: the block in flight, written); '' without one. */
let crashNote: () => string = () => '';

/** Called by the call watch (cli/errors.ts) as each call begins (`what`) and ends (''). */
export function setPendingCall(what: string, json: object | undefined): void {
  pending = what;
  pendingJson = json;
}

/**
 * `note` runs, synchronously (a process.exit() leaves no turn of the event loop), when an
 * executor's code ends the process while a call into it is pending, and what it returns ends the
 * failure's line: verify writes the block of the execute() in flight there, for a rerun alone.
 */
export function setCrashNote(note: () => string): void {
  crashNote = note;
}

/** The call pending now, whichever call watch made it ('' between calls). */
export const pendingCall = (): string => pending;

/**
 * Ends the process with `code`, as the command meant to: the guard lets it through. After a signal
 * it ends by the signal instead, whichever of the two waits for the output ends first.
 */
export function exitOnPurpose(code: number): never {
  ending = true;
  const signal = endingSignal();
  if (signal !== null) endBy(signal);
  process.exit(code);
}

/**
 * exitOnPurpose(code) once stdout and stderr have taken what was written to them, or after
 * FLUSH_CAP_MS: process.exit at once cut a --json object past a pipe's 64 KB. The promise never
 * settles, so a command that awaits it goes no further while its output drains.
 */
export function exitOnceWritten(code: number): Promise<never> {
  afterOutput(() => exitOnPurpose(code), FLUSH_CAP_MS);
  return new Promise(() => {});
}

/**
 * Guards the process for the rest of `command` (run, verify, bench, main: the commands that call
 * executors). `json` is the --json flag: without a call pending, a failure prints
 * `{ ok: false, error }`; with one, the object the call's watch was given.
 */
export function guardProcess(command: string, json: boolean): void {
  // Before any executor loads, so that every process it starts carries the mark.
  markOwnTree();
  process.on('exit', killOwnTree);
  const fail = (message: string) => {
    stopAllProgress();
    printFailure(command, message, pending ? pendingJson : json ? { ok: false } : undefined);
  };
  const where = () => (pending ? `${pending}: ` : 'an executor under test, between calls: ');
  const note = () => (pending ? crashNote() : '');
  // The command's own promise rejecting never comes here: cli/concord.ts catches it (unexpectedError).
  process.on('uncaughtException', (e, origin) => {
    // After a signal, what the command left is its report, and the process ends by the signal once
    // it is out; only a bug in Concord (a leave that threw) is still said.
    if (endingSignal() !== null) {
      if (fromConcord(e)) unexpectedError(command, e, false);
      return;
    }
    fail(`${where()}${origin === 'unhandledRejection' ? 'a promise rejected with no handler' : 'an exception nothing caught (thrown from a callback, an event or a worker thread)'}: ${thrownText(e)}${note()}`);
    ownStack(e);
    exitOnPurpose(1);
  });
  process.on('exit', (code) => {
    if (ending) return;
    // An executor's process.exit() while a signal's report drains (its own handler of the signal) must not end the process by its code.
    const signal = endingSignal();
    if (signal !== null) endBy(signal);
    // process.exit() from the executor's code, or Node ending a command left with nothing to run.
    fail(`${where()}the process was made to exit (code ${code}) before the command finished, so nothing it was to check or print is known${note()}`);
    process.exitCode = 1;
  });
}

/**
 * An error the command did not expect, thrown out of it (not from a callback): a bug in Concord,
 * or a user's code Concord ran outside any call it watches (a getter of the result it reads). One
 * line naming where it was thrown (and `{ ok: false, error }` on stdout under --json), and the
 * stack when that was Concord's own code. Returns the exit code, 1.
 */
export function unexpectedError(command: string, e: unknown, json: boolean): number {
  stopAllProgress();
  const what = fromConcord(e) ? 'a bug in Concord (the stack below is what a report of it needs)' : 'an error outside any call into an executor';
  printFailure(command, `${what}: ${thrownText(e)}`, json ? { ok: false } : undefined);
  ownStack(e);
  return 1;
}

/** The usage errors printed so far, and whether the command was given --json (cli/concord.ts). */
const usageErrors: string[] = [];
let usageJson = false;

/** Whether a usage error ends with `{ ok: false, error, usage: true }` on stdout too: the command takes --json and was given it. */
export function setUsageJson(on: boolean): void {
  usageJson = on;
}

/** A usage error (exit 2) as every command prints it: one line on stderr, and under --json a part of usageObject's error. */
export function printUsageError(command: string, message: string): void {
  process.stderr.write(`concord${command ? ` ${command}` : ''}: ${message}\n`);
  usageErrors.push(message);
}

/**
 * What a command refused (exit 2) under --json leaves on stdout, once, after every error it printed:
 * `{ ok: false, error }`, as its other failures do, so a reader of stdout alone parses an answer
 * rather than nothing; `usage: true` tells it from a failure's (a hang's), which is exit 1, since a
 * file of stdout keeps no exit code. Undefined without --json or before any usage error.
 */
export function usageObject(): string | undefined {
  return usageJson && usageErrors.length > 0 ? `${JSON.stringify({ ok: false, error: usageErrors.join('\n'), usage: true })}\n` : undefined;
}

/** A failure as every command prints it: one line on stderr, and under --json (`json`) its object on stdout. */
export function printFailure(command: string, message: string, json: object | undefined): void {
  const lines = failureLines(command, message, json);
  process.stderr.write(lines.stderr);
  if (lines.stdout) writeStdout(lines.stdout);
}

/** A throw from Concord's own code is a bug in Concord: its whole stack is what a fix needs. */
function ownStack(e: unknown): void {
  if (fromConcord(e) && e instanceof Error) process.stderr.write(`${e.stack}\n`);
}
