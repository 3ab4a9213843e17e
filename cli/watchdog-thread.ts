// The watchdog thread (started by cli/watchdog.ts, which says why it exists): every tick it reads
// the call the main thread published; past the call's limit plus the grace it interrupts the main
// thread's JavaScript through the inspector, and should that call still be pending a grace later,
// it leaves what the command kept for that, prints the failure line itself and kills the process,
// every process below it first (impl/process-tree.ts).
// Invariant: interrupts only a call it took from the main thread while pending (a compare-and-swap
// of its number: a call that returned meanwhile was taken back), hence each call at most once.

import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { failureLines } from './failure-lines.js';
import { killOwnTree } from '../impl/process-tree.js';
import type { ResultsFile } from '../reports/schema.js';
import type { KeptResults } from './stopped-results.js';
import { epochMs, INTERRUPTED, KILLING, LIMIT, PENDING, SESSION, SINCE, WHAT_LENGTH, type WatchdogData } from './watchdog.js';

const { control, clock, what, tickMs, graceMs, command, json } = workerData as WatchdogData;
const decoder = new TextDecoder();

/** The call that is overdue now, or null: pending, past its limit and the grace, and the same call throughout the read. */
function overdue(): { seq: number; limitMs: number } | null {
  const seq = Atomics.load(control, PENDING);
  if (seq <= 0) return null;
  const since = clock[SINCE]!;
  const limitMs = clock[LIMIT]!;
  if (epochMs() - since < limitMs + graceMs) return null;
  if (Atomics.load(control, PENDING) !== seq) return null;
  return { seq, limitMs };
}

/** Takes call `seq` from the main thread to interrupt it: false where it returned meanwhile (Watchdog.returned). */
function take(seq: number): boolean {
  // Open first: a main thread that finds the call taken waits for the session to close, the interrupt sent.
  Atomics.store(control, SESSION, 1);
  if (Atomics.compareExchange(control, PENDING, seq, -seq) === seq) return true;
  Atomics.store(control, SESSION, 0);
  Atomics.notify(control, SESSION);
  return false;
}

/** Runtime.terminateExecution on the main thread: unwinds the JavaScript running there (a busy loop, an Atomics.wait) back to the event loop. */
async function interruptMainThread(): Promise<void> {
  // The session was opened (take) from the moment the interrupt was decided, the import included:
  // a main thread that returned from the call meanwhile waits (Watchdog.quiet) for it to land.
  try {
    const { Session } = await import('node:inspector');
    const session = new Session();
    session.connectToMainThread();
    await new Promise<void>((done) => session.post('Runtime.terminateExecution', () => done()));
    session.disconnect();
  } finally {
    Atomics.store(control, SESSION, 0);
    Atomics.notify(control, SESSION);
  }
}

/** What the main thread kept for a kill (Watchdog.keep): the latest. */
let kept: KeptResults | null = null;
parentPort?.on('message', (results: KeptResults) => {
  kept = results;
});

/**
 * The last resort: the main thread did not report within the grace after the interrupt, so this
 * thread leaves what was kept for it (bench's results so far, `stopped` saying why), says what
 * hung, in the lines cli/process-guard.ts printFailure prints, and ends the process. Writing goes
 * straight to the file descriptors: the main thread that would pass a worker's process.stdout on
 * is the one held.
 */
async function kill(limitMs: number): Promise<void> {
  // From here the main thread, should it get free, waits for the kill rather than report (Watchdog.awaitKill).
  Atomics.store(control, KILLING, 1);
  const name = decoder.decode(what.slice(0, Atomics.load(control, WHAT_LENGTH)));
  const error = `${name} did not settle within ${limitMs / 1000} s and held the main thread, which could not be interrupted, so the process is killed`;
  const failure = json ? { ...json } : undefined;
  let left = '';
  if (kept !== null) {
    try {
      // Loaded only now: most commands never kill, and this thread starts with every one of them.
      const { leaveStopped } = await import('./stopped-results.js');
      left = leaveStopped({ ...(JSON.parse(kept.json) as ResultsFile), stopped: error }, kept.out, failure, (text) => writeSync(1, text));
    } catch (e) {
      left = `; what was measured before it could not be written: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  const lines = failureLines(command, error + left, failure);
  writeSync(2, lines.stderr);
  if (lines.stdout) writeSync(1, lines.stdout);
  // No exit hook runs after a SIGKILL: what the executor started (the child its native call waits
  // on, an engine) is killed first, or it would run on, orphaned.
  killOwnTree();
  process.kill(process.pid, 'SIGKILL');
}

setInterval(() => {
  const call = overdue();
  if (!call || !take(call.seq)) return;
  Atomics.store(control, INTERRUPTED, call.seq);
  // Without an inspector in this Node the interrupt fails, and the kill below is all there is.
  interruptMainThread().catch(() => {});
  // A main thread that got back from the interrupted call (a clean-up ends, and the command goes
  // on to report) has ended it; only one still inside it is past help.
  setTimeout(() => {
    if (Atomics.load(control, PENDING) === -call.seq) void kill(call.limitMs);
  }, graceMs);
}, tickMs);
