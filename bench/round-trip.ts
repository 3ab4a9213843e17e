// The cache-line round trip between the main thread and a worker, probed before each parallel
// round of the sweep: a host can move a VM's threads between rounds (onto another core, a far
// chiplet, or one core's SMT siblings), which changes what every line shared between workers costs
// while each core alone keeps its speed, so neither the core probes nor the busy flags see it.
// Unlike core-latency.ts the threads are not pinned: the probe measures where the scheduler put
// them, as the executors' workers are. The worker sleeps in Atomics.wait between probes, so it
// takes no CPU from the rounds it sits between.
// Invariants: a probe gives up within GIVE_UP_MS (null: no figure) and leaves the worker asleep
// or finished, never spinning; close() ends the worker.

import { Worker } from 'node:worker_threads';
import { median } from '../reports/stats.js';

/** Cells: the exchanged count, the probe's number (the worker sleeps on it), the trips asked, the probe the worker has started. */
const COUNT = 0;
const PROBE = 1;
const TRIPS = 2;
const STARTED = 3;
/** Stored in COUNT when the main thread gives up: the worker stops answering and sleeps again. */
const STOP = -1;
/** A probe's last cell value tells the worker to end. */
const END = -1;

const BATCHES = 5;
const TRIPS_PER_BATCH = 200;
/** Long enough for a worker woken on a busy machine; short beside a round (bench's are 250 ms). A probe that passes it found the two threads not running at once: on one core, or one descheduled. */
export const GIVE_UP_MS = 50;

const ECHO = `
const { workerData } = require('node:worker_threads');
const cell = new Int32Array(workerData.cell);
for (let probe = 0; ; ) {
  Atomics.wait(cell, ${PROBE}, probe);
  probe = Atomics.load(cell, ${PROBE});
  if (probe === ${END}) break;
  const trips = Atomics.load(cell, ${TRIPS});
  Atomics.store(cell, ${STARTED}, probe);
  answer: for (let v = 1; v < 2 * trips; v += 2) {
    for (;;) {
      const seen = Atomics.load(cell, ${COUNT});
      if (seen === v) break;
      if (seen === ${STOP}) break answer;
    }
    // A swap, not a store: a main thread that gave up in between has written STOP, which a store
    // would overwrite, leaving this loop waiting for a count that never comes.
    if (Atomics.compareExchange(cell, ${COUNT}, v, v + 1) !== v) break answer;
  }
}
`;

export interface RoundTripProbe {
  /** The median over batches of the mean round trip in ns, or null where the worker did not keep up. */
  readonly measure: () => number | null;
  readonly close: () => Promise<void>;
}

/** Resolves once the worker runs, so that the first probe does not time its start-up. */
export async function startRoundTripProbe(): Promise<RoundTripProbe> {
  const cell = new Int32Array(new SharedArrayBuffer(4 * 4));
  const worker = new Worker(ECHO, { eval: true, workerData: { cell: cell.buffer } });
  let alive = true;
  // A worker that failed is only a probe without figures: the sweep goes on.
  worker.on('error', () => (alive = false));
  worker.on('exit', () => (alive = false));
  await new Promise<void>((resolve) => {
    worker.once('online', resolve);
    worker.once('error', () => resolve());
  });
  // Only now: an unreferenced worker would not keep the process alive until it is online. A sweep
  // that ends in an error past close() must not be kept alive by its sleeping probe.
  worker.unref();
  let probe = 0;

  const measure = (): number | null => {
    if (!alive) return null;
    probe++;
    Atomics.store(cell, COUNT, 0);
    Atomics.store(cell, TRIPS, (BATCHES + 1) * TRIPS_PER_BATCH);
    Atomics.store(cell, PROBE, probe);
    Atomics.notify(cell, PROBE);
    const deadline = performance.now() + GIVE_UP_MS;
    const late = (spins: number) => (spins & 0x3ff) === 0x3ff && performance.now() > deadline;
    for (let spins = 0; Atomics.load(cell, STARTED) !== probe; spins++) if (late(spins)) return giveUp();
    const ns: number[] = [];
    // The first batch is untimed: it brings both threads' loops to speed.
    for (let b = 0, v = 1; b <= BATCHES; b++) {
      const t0 = performance.now();
      for (let end = v + 2 * TRIPS_PER_BATCH; v < end; v += 2) {
        Atomics.store(cell, COUNT, v);
        for (let spins = 0; Atomics.load(cell, COUNT) !== v + 1; spins++) if (late(spins)) return giveUp();
      }
      if (b > 0) ns.push(((performance.now() - t0) * 1e6) / TRIPS_PER_BATCH);
    }
    return median(ns);
  };

  const giveUp = (): null => {
    Atomics.store(cell, COUNT, STOP);
    return null;
  };

  const close = async (): Promise<void> => {
    alive = false;
    Atomics.store(cell, COUNT, STOP);
    Atomics.store(cell, PROBE, END);
    Atomics.notify(cell, PROBE);
    await worker.terminate();
  };

  // Untimed: the worker's loop and this one run for the first time.
  measure();
  return { measure, close };
}
