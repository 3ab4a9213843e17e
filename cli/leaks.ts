// What an executor's close() left alive: the resources that keep a Node process running, counted
// by kind before the executor was loaded and again after its close() settled. Timers, sockets,
// servers, child processes and the like are the kinds process.getActiveResourcesInfo() names
// ('Timeout', 'TCPSocketWrap', ...); it lists only what holds the event loop, so an unref'd timer
// is not one. Worker threads it leaves out (Node 20 to 24), so they are counted apart, as 'Worker
// thread', from the workers Node announces as it constructs them (the 'worker_threads' diagnostics
// channel), alive until their thread has ended. The inspector's list of workers would miss one
// still starting (tens of ms: all of a quick command's life), and asking a worker (process.report
// does) would wait for ever on one blocked in native code.
// Invariant: a diff blames the executor only for kinds whose count grew, and never for Concord's
// own thread (the watchdog's: cli/watchdog.ts) nor for its own timers, which are unref'd; every
// worker constructed after this module loaded (before any executor is) is counted from its
// constructor on.

import { subscribe } from 'node:diagnostics_channel';
import type { Worker } from 'node:worker_threads';
import { plural } from '../spec/plural.js';
import { isWatchdogThread } from './watchdog.js';

/** Active resources by kind, each kind with a count above 0. */
export type ResourceCounts = Readonly<Record<string, number>>;

/** The kind a live worker thread is counted as. */
export const WORKER_THREAD = 'Worker thread';

/** The workers constructed since this module loaded whose thread had not ended when last looked at. */
const workers = new Set<Worker>();

/** Forgets the workers whose thread has ended: Node gives those the thread id -1, listener or none. */
function forgetEnded(): void {
  for (const w of workers) if (w.threadId === -1) workers.delete(w);
}

subscribe('worker_threads', (message) => {
  forgetEnded();
  workers.add((message as { worker: Worker }).worker);
});

/** The worker threads alive now, started or still starting, that are not Concord's own. */
function workerThreads(): number {
  forgetEnded();
  return [...workers].filter((w) => !isWatchdogThread(w.threadId)).length;
}

/** What keeps this process running now, by kind (WORKER_THREAD for worker threads). */
export function resourceCounts(): ResourceCounts {
  // Node makes process.stdout and process.stderr on first use (a worker's output piped through
  // makes them too), each a handle where it is a pipe: made here, they are in every count.
  void process.stdout;
  void process.stderr;
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  const threads = workerThreads();
  if (threads > 0) counts[WORKER_THREAD] = threads;
  return counts;
}

/** The kinds more of which are alive `after` than `before`, each with how many more. */
export function leftAlive(before: ResourceCounts, after: ResourceCounts): ResourceCounts {
  const left: Record<string, number> = {};
  for (const [kind, n] of Object.entries(after)) if (n > (before[kind] ?? 0)) left[kind] = n - (before[kind] ?? 0);
  return left;
}

/** `left` in words, worker threads first: "2 Worker threads and 1 Timeout"; '' when nothing is left. */
export function leftAliveText(left: ResourceCounts): string {
  const kinds = Object.keys(left).sort((a, b) => Number(b === WORKER_THREAD) - Number(a === WORKER_THREAD) || a.localeCompare(b));
  const parts = kinds.map((kind) => plural(left[kind]!, kind));
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts.join('');
}

/** Looks again this often, this many times, while something seems left: a worker whose terminate() was not awaited takes a few ms to end. */
const SETTLE_MS = 50;
const SETTLE_LOOKS = 20;

/**
 * What a close() that has just settled left alive since `before`: counted after the event loop
 * has had a turn, so what ends as the close() returns (a terminate() that resolved) is not counted,
 * and again a little later while something seems left. Costs a turn when nothing is.
 */
export async function leftAfterClose(before: ResourceCounts): Promise<ResourceCounts> {
  await new Promise((done) => setImmediate(done));
  let left = leftAlive(before, resourceCounts());
  for (let look = 0; look < SETTLE_LOOKS && Object.keys(left).length > 0; look++) {
    await new Promise((done) => setTimeout(done, SETTLE_MS));
    left = leftAlive(before, resourceCounts());
  }
  return left;
}

/**
 * After `who`'s close() settled (`before` counted before it was loaded): a warning on stderr,
 * `concord COMMAND: warning: WHO: close() left ... alive`, when it left anything; returns whether
 * it warned. A warning, not a failure: the command's result and exit code stand, and Concord
 * exits whatever is left.
 */
export async function warnLeftAlive(command: string, who: string, before: ResourceCounts): Promise<boolean> {
  const left = leftAliveText(await leftAfterClose(before));
  if (left === '') return false;
  process.stderr.write(`concord ${command}: warning: ${who}: close() left ${left} alive: a program that expects to exit once close() is done may hang\n`);
  return true;
}
