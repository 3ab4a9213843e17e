// What a command does when a signal ends it part-way (SIGTERM from a CI job's timeout or a `kill`,
// SIGINT from Ctrl-C, SIGHUP from a closed terminal): it leaves what it has (bench: the results
// measured so far), then the process ends as that signal ends it, so a shell or CI runner sees
// exit status 128 + the signal's number, not a command that finished.
// Invariant: `leave` runs at most once, for the first such signal, and synchronously inside it;
// the signal is raised again only once no listener is left, so Concord's others that run after
// this one in the same emit (cli/progress.ts restoring the terminal, impl/exec-executor.ts killing
// engines) still run.

export const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type EndingSignal = (typeof ENDING_SIGNALS)[number];

/**
 * Until the returned function is called, the first ending signal runs `leave(signal)` and then
 * ends the process with that signal. Register it before anything that listens too (progress
 * bars, engines) is started: listeners run in the order they were added, and this one must write
 * before the last of them raises the signal again.
 */
export function onEndingSignal(leave: (signal: EndingSignal) => void): () => void {
  const listeners = ENDING_SIGNALS.map((signal) => [signal, () => {
    off();
    leave(signal);
    raiseAgain(signal);
  }] as const);
  const off = () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
  for (const [signal, listener] of listeners) process.on(signal, listener);
  return off;
}

/**
 * Raises `signal` again with no listener left, which restores its default action (the process
 * ends). Concord's own listeners raise it themselves, the last to run doing so in this same emit;
 * one an executor added (a module's process.on('SIGINT')) would keep a stopped command running
 * on, its results already left, so once the emit is over whatever still listens is removed.
 */
function raiseAgain(signal: EndingSignal): void {
  if (process.listenerCount(signal) === 0) {
    process.kill(process.pid, signal);
    return;
  }
  setImmediate(() => {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}
