// What an executor's close() left alive: the resources that keep a Node process running, counted
// by kind before the executor was loaded and again after its close() settled. Timers, sockets,
// servers, child processes and the like are the kinds process.getActiveResourcesInfo() names
// ('Timeout', 'TCPSocketWrap', ...); it lists only what holds the event loop, so an unref'd timer
// is not one. Worker threads it leaves out (Node 20 to 24), so they are counted apart, as 'Worker
// thread', from the inspector's list of the process's workers, which the main thread keeps itself:
// asking a worker (process.report does) would wait for ever on one blocked in native code.
// Invariant: a diff blames the executor only for kinds whose count grew, and never for Concord's
// own thread (the watchdog's: cli/watchdog.ts) nor for its own timers, which are unref'd.

import { pathToFileURL } from 'node:url';
import { plural } from '../spec/plural.js';
import { watchdogThreadFile } from './watchdog.js';

// A Node built without the inspector throws on importing it.
const inspector = process.features.inspector ? await import('node:inspector') : undefined;

/** Active resources by kind, each kind with a count above 0. */
export type ResourceCounts = Readonly<Record<string, number>>;

/** The kind a live worker thread is counted as. */
export const WORKER_THREAD = 'Worker thread';

/**
 * The worker threads alive now that are not Concord's own. The inspector reports each existing
 * worker while its NodeWorker domain is being enabled, synchronously, from the main thread's own
 * list; a Node without an inspector counts none.
 */
function workerThreads(): number {
  if (!inspector) return 0;
  const own = pathToFileURL(watchdogThreadFile()).href;
  const session = new inspector.Session();
  let count = 0;
  try {
    session.connect();
    session.on('NodeWorker.attachedToWorker', ({ params }) => {
      if (params.workerInfo.url !== own) count++;
    });
    session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    session.post('NodeWorker.disable');
  } catch {
    return 0;
  } finally {
    session.disconnect();
  }
  return count;
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
