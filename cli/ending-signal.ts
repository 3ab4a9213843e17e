// What a command does when a signal ends it part-way (SIGTERM from a CI job's timeout or a `kill`,
// SIGINT from Ctrl-C, SIGHUP from a closed terminal): it leaves what it has (bench: the results
// measured so far; verify: the report of what it checked), then the process ends as that signal
// ends it, so a shell or CI runner sees exit status 128 + the signal's number, not a command that
// finished.
// Invariants: once a command listens (its first onEndingSignal), the first such signal ends the
// process by that signal, never by an exit code, whenever it comes until the process is gone, the
// command's own end included (exitOnPurpose defers to it). It ends it once what was written to
// standard output and error has reached them (a pipe takes it asynchronously: raised at once, a
// --json object of a few hundred KB was cut at 64 KB), or after FLUSH_CAP_MS should the reader
// never take it. Until then the listener stays, so Concord's others that run after this one in the
// same emit (cli/progress.ts restoring the terminal, impl/exec-executor.ts killing engines) and
// raise the signal again do not end the process before the output is out.
// One end is printed, never two: the command's own (its whole output, once it began printing it,
// saying so first through the function onEndingSignal returned) or, where the signal came first,
// the `leave` of each part still running, innermost first (`concord main`'s verify, then main's own
// line), synchronously inside the signal. So a signal that comes after the output began leaves
// that output whole and alone, and the process still ends by the signal. Once the leaves ran,
// nothing writes a file (properties/folders.ts stopWriting; a command's own end and its hang
// reports no longer run), so what they said is on disk is what stays there.

import { stopWriting } from '../properties/folders.js';
import { killOwnTree } from '../impl/process-tree.js';
import { afterOutput, FLUSH_CAP_MS } from './output.js';
import { stopAllProgress } from './progress.js';

export const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type EndingSignal = (typeof ENDING_SIGNALS)[number];

/** The signal the process is ending by; null until one came. */
let taken: EndingSignal | null = null;
/** What each part still running leaves, outermost first. */
const leaves: ((signal: EndingSignal) => void)[] = [];
let listening = false;

const listener = (signal: EndingSignal) => {
  // A second signal while the first's output drains: the first ends the process.
  if (taken !== null) return;
  taken = signal;
  try {
    for (const leave of leaves.splice(0).reverse()) leave(signal);
  } finally {
    // What was left says what is on disk; the run going on until the process ends writes nothing more.
    stopWriting();
    afterOutput(() => endBy(signal), FLUSH_CAP_MS);
  }
};

/**
 * Until the returned function is called, the first ending signal runs `leave(signal)` (after the
 * `leave` of any part registered since, which runs inside this one) and then ends the process with
 * that signal. Register it before anything that listens too (progress bars, engines) is started:
 * listeners run in the order they were added, and this one should write before the others run.
 * The returned function is the part's own end taking over, called before it prints anything of
 * it: true where it may print (`leave` will not run; a signal from now on ends the process by the
 * signal once that output is out), false where a signal came first and its leave printed (print
 * nothing: the process is ending).
 */
export function onEndingSignal(leave: (signal: EndingSignal) => void): () => boolean {
  if (!listening) {
    listening = true;
    for (const signal of ENDING_SIGNALS) process.on(signal, listener);
  }
  leaves.push(leave);
  return () => {
    const at = leaves.indexOf(leave);
    if (at >= 0) leaves.splice(at, 1);
    return taken === null;
  };
}

/**
 * The command ends now, on its own (a hang it gave up on): no part leaves anything more. False
 * where a signal came first: its leaves printed, and the process is ending by it.
 */
export function endingOnOwn(): boolean {
  leaves.length = 0;
  return taken === null;
}

/** The signal the process is ending by, or null. */
export const endingSignal = (): EndingSignal | null => taken;

/**
 * Ends the process by `signal`. Every listener is removed first, which restores the signal's
 * default action; one an executor added (a module's process.on('SIGINT')) would otherwise keep a
 * stopped command running. The processes below it go first: a signal's default action runs no
 * exit hook, and a `kill` or a CI job's SIGTERM reaches this process alone.
 */
export function endBy(signal: EndingSignal): void {
  for (const s of ENDING_SIGNALS) process.removeAllListeners(s);
  killOwnTree();
  process.kill(process.pid, signal);
}

/**
 * `work` (a run, from when its options were checked), with a signal that ends the process part-way
 * leaving what it did so far: on the first, the progress bars are stopped and `leave(signal)`
 * prints it, and the process ends by the signal. Then `work`'s own end is never printed: what this
 * returns never settles, and so neither does a failure it throws; otherwise its end (a result or
 * a failure) is the one printed, and a signal after it leaves nothing more.
 */
export async function unlessSignalled<T>(work: () => Promise<T>, leave: (signal: EndingSignal) => void): Promise<T> {
  const ownEnd = onEndingSignal((signal) => {
    stopAllProgress();
    leave(signal);
  });
  try {
    return await work();
  } finally {
    // Returned, the run's own end would be printed too, and cli/concord.ts could end the process by an exit code first.
    if (!ownEnd()) await new Promise<never>(() => {});
  }
}
