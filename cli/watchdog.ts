// The main thread's side of the watchdog thread behind --timeout (cli/errors.ts watchCalls). The
// main thread's own timer cannot fire while an executor holds the main thread in synchronous code:
// a busy loop, or an Atomics.wait that nobody notifies (Node allows both on the main thread). So
// a second thread (watchdog-thread.ts) watches the same call from outside. A call is published in
// shared memory: its start, its limit, and what to call it. Once the call has stayed pending past
// its limit plus a grace that the main thread's own timer would have used, the watchdog interrupts
// the main thread's JavaScript through the inspector (Runtime.terminateExecution). The
// interrupted call never settles, the event loop runs again, and the main thread reports the
// hang as it reports any other. Should the main thread still not exit (no inspector in this
// Node, or a native call that termination cannot reach), the watchdog prints the line itself and
// kills the process, leaving first what the command had kept for that (bench's results so far).
// A call that returns as the interrupt is decided races it: each side takes the call with one
// compare-and-swap, and a main thread that lost waits for the interrupt to land (Watchdog.returned).
// Invariant: the watchdog interrupts only a call that is still the one pending, past its limit
// plus the grace, that it took from the main thread, and at most once per call.

import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { distRoot } from '../impl/runtime/pool.js';
import type { KeptResults } from './stopped-results.js';

/**
 * Cells of the Int32Array: the number of the latest call; the call pending (its number, 0 for
 * none, minus its number once the watchdog has taken it to interrupt it); the call interrupted
 * last; the length of its name; whether the watchdog's inspector session is open (Node prints
 * "Waiting for the debugger to disconnect..." when a process exits with one open), and whether the
 * watchdog thread has begun to kill the process.
 */
export const SEQ = 0;
export const PENDING = 1;
export const INTERRUPTED = 2;
export const WHAT_LENGTH = 3;
export const SESSION = 4;
export const KILLING = 5;
const CONTROL_CELLS = 6;
/** How long the main thread waits, before it exits, for the watchdog to close its session. */
const SESSION_CLOSE_MS = 2000;
/** Cells of the Float64Array: when the call began (ms since the epoch, high resolution) and its limit in ms. */
export const SINCE = 0;
export const LIMIT = 1;
/** The longest call name kept for the last-resort message, in UTF-8 bytes. */
export const WHAT_BYTES = 1024;

/** What the watchdog thread is started with. */
export interface WatchdogData {
  readonly control: Int32Array;
  readonly clock: Float64Array;
  readonly what: Uint8Array;
  /** How often it looks, in ms. */
  readonly tickMs: number;
  /** How long past a call's limit it waits before it interrupts, and again before it kills. */
  readonly graceMs: number;
  /** The concord command, and what --json prints on failure (absent without it), for the last-resort message. */
  readonly command: string;
  readonly json: object | undefined;
}

/** The watchdog thread's script. */
export function watchdogThreadFile(): string {
  return join(distRoot(), 'cli', 'watchdog-thread.js');
}

/** The thread ids of the watchdog threads started: Concord's own, which cli/leaks.ts never blames on an executor. */
const watchdogThreads = new Set<number>();

export function isWatchdogThread(threadId: number): boolean {
  return watchdogThreads.has(threadId);
}

/** Milliseconds since the epoch at high resolution, comparable between threads (performance.now() is per thread). */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface Watchdog {
  /** The call named `what` starts now and may take `limitMs`; returns its number. */
  begin(what: string, limitMs: number): number;
  /** The call begun last has settled, or is given up on. */
  end(): void;
  /**
   * Call `seq` has returned: takes it back, so the watchdog will not interrupt it. Returns true
   * where the watchdog took it first and its interrupt is still to land: Runtime.terminateExecution
   * then unwinds whatever JavaScript runs when it comes, and drops every promise reaction queued.
   */
  returned(seq: number): boolean;
  /** Whether the watchdog interrupted the main thread during call `seq`. */
  interrupted(seq: number): boolean;
  /** Waits (a while at most) until the session the interrupt opened is closed; call before exiting after an interrupt. */
  quiet(): void;
  /** What the watchdog leaves should it kill the process (cli/stopped-results.ts); replaces what was kept before. */
  keep(results: KeptResults): void;
  /**
   * Where the watchdog thread has begun to kill the process, waits for the kill, which never
   * returns: the processes it kills first include the child a native call waited on, and the main
   * thread, freed by that, would otherwise print an end of its own after the watchdog's.
   */
  awaitKill(): void;
}

/**
 * Starts the watchdog thread for `command`'s calls (`json` as for ExecutorFailure); it looks every
 * `tickMs` and never keeps the process alive. The grace is two ticks, the time the main thread's
 * own timer (one tick) takes to notice a call past its limit when the main thread is free, and at
 * least a second, the time it takes to report and exit.
 */
export function startWatchdog(command: string, tickMs: number, json: object | undefined): Watchdog {
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_CELLS * Int32Array.BYTES_PER_ELEMENT));
  const clock = new Float64Array(new SharedArrayBuffer(2 * Float64Array.BYTES_PER_ELEMENT));
  const what = new Uint8Array(new SharedArrayBuffer(WHAT_BYTES));
  const data: WatchdogData = { control, clock, what, tickMs, graceMs: Math.max(2 * tickMs, 1000), command, json };
  const thread = new Worker(watchdogThreadFile(), { workerData: data });
  watchdogThreads.add(thread.threadId);
  thread.unref();
  const encoder = new TextEncoder();
  return {
    begin(name, limitMs) {
      Atomics.store(control, WHAT_LENGTH, encoder.encodeInto(name, what).written);
      clock[SINCE] = epochMs();
      clock[LIMIT] = limitMs;
      // The atomic stores publish the plain ones above to the watchdog, which reads SEQ first.
      const seq = Atomics.add(control, SEQ, 1) + 1;
      Atomics.store(control, PENDING, seq);
      return seq;
    },
    end() {
      Atomics.store(control, PENDING, 0);
    },
    // The watchdog opens its session before it takes the call, and closes it once the interrupt is sent.
    returned: (seq) => Atomics.compareExchange(control, PENDING, seq, 0) === -seq && Atomics.load(control, SESSION) === 1,
    interrupted: (seq) => Atomics.load(control, INTERRUPTED) === seq,
    quiet() {
      Atomics.wait(control, SESSION, 1, SESSION_CLOSE_MS);
    },
    keep(results) {
      thread.postMessage(results);
    },
    awaitKill() {
      while (Atomics.load(control, KILLING) === 1) Atomics.wait(control, KILLING, 1);
    },
  };
}
