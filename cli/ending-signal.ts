// What a command does when a signal ends it part-way (SIGTERM from a CI job's timeout or a `kill`,
// SIGINT from Ctrl-C, SIGHUP from a closed terminal): it leaves what it has (bench: the results
// measured so far), then the process ends as that signal ends it, so a shell or CI runner sees
// exit status 128 + the signal's number, not a command that finished.
// Invariant: `leave` runs at most once, for the first such signal, synchronously inside it; the
// process ends by that signal only once what `leave` wrote to standard output and error has
// reached them (a pipe takes it asynchronously: raised at once, a --json object of a few hundred
// KB was cut at 64 KB), or after FLUSH_CAP_MS should the reader never take it. Until then a
// listener stays, so Concord's others that run after this one in the same emit (cli/progress.ts
// restoring the terminal, impl/exec-executor.ts killing engines) and raise the signal again do not
// end the process before the output is out.

import { afterOutput, FLUSH_CAP_MS } from './output.js';

export const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type EndingSignal = (typeof ENDING_SIGNALS)[number];

/**
 * Until the returned function is called, the first ending signal runs `leave(signal)` and then
 * ends the process with that signal. Register it before anything that listens too (progress
 * bars, engines) is started: listeners run in the order they were added, and this one must write
 * before the others run. Once a signal came, the returned function leaves the listener in place:
 * the process is ending.
 */
export function onEndingSignal(leave: (signal: EndingSignal) => void): () => void {
  let ending = false;
  const listener = (signal: EndingSignal) => {
    // A second signal while the first's output drains: the first ends the process.
    if (ending) return;
    ending = true;
    try {
      leave(signal);
    } finally {
      endOnceWritten(signal);
    }
  };
  for (const signal of ENDING_SIGNALS) process.on(signal, listener);
  return () => {
    if (ending) return;
    for (const signal of ENDING_SIGNALS) process.off(signal, listener);
  };
}

/**
 * Ends the process by `signal` once standard output and error have taken what was written to
 * them, or after FLUSH_CAP_MS. Every listener is removed first, which restores the signal's
 * default action; one an executor added (a module's process.on('SIGINT')) would otherwise keep a
 * stopped command running.
 */
function endOnceWritten(signal: EndingSignal): void {
  afterOutput(() => {
    for (const s of ENDING_SIGNALS) process.removeAllListeners(s);
    process.kill(process.pid, signal);
  }, FLUSH_CAP_MS);
}
