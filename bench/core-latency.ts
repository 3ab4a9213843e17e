// How long one cache line takes to go from one core to another and back: the price a parallel
// executor pays each time a worker touches a line another core wrote last (a scheduler counter,
// a status word, a record validated by another worker). Two threads pinned to two CPUs pass a
// counter through one shared Int32 cell, each waiting for the other's store before its own, so
// every round trip moves the line there and back. On the 2-core VM this project was built on a
// round trip mostly took 400-640 ns (now and then 90-190 ns for a few seconds: the host moves the
// virtual CPUs), where a sequential transaction costs about 3 us: ten lines moved per
// transaction cost a 2-thread executor more than half a core.
// Runs inside the probe child (core-probe.ts), which owns its affinity: the main thread pins
// itself to the first CPU of each pair, the worker to the second.
// Invariant: the spinning main thread gives up with an error instead of hanging when the worker
// stops answering, and the worker is always terminated.

import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { median } from '../reports/stats.js';

export interface CrossCoreReply {
  /** [first CPU, second CPU] of each pair measured. */
  readonly pairs: [number, number][];
  /** Per pair, the median over batches of the mean round trip, in nanoseconds. */
  readonly roundTripNs: number[];
}

const BATCHES = 5;
const GIVE_UP_MS = 10_000;
/** A clock read per this many trips costs under 0.1% of a 400 ns round trip. */
const TRIPS_PER_LOOK = 128;

/** The worker: pins itself where told, then answers each odd value of the cell with the next even one. */
const ECHO = `
const { parentPort, workerData } = require('node:worker_threads');
const { execFileSync } = require('node:child_process');
const { readlinkSync } = require('node:fs');
const cell = new Int32Array(workerData.cell);
parentPort.on('message', ({ cpu, trips }) => {
  execFileSync(workerData.taskset, ['-p', '-c', String(cpu), readlinkSync('/proc/thread-self').split('/').pop()], { stdio: 'ignore' });
  parentPort.postMessage('pinned');
  for (let v = 1; v < 2 * trips; v += 2) {
    while (Atomics.load(cell, 0) !== v);
    Atomics.store(cell, 0, v + 1);
  }
});
`;

function pinSelf(cpu: number, taskset: string): void {
  // /proc/thread-self links to /proc/<pid>/task/<tid>: the calling thread alone.
  execFileSync(taskset, ['-p', '-c', String(cpu), readlinkSync('/proc/thread-self').split('/').pop()!], { stdio: 'ignore' });
}

/**
 * Mean round trip in ns over `trips` exchanges that continue the cell's count from `from`. The
 * clock is read every TRIPS_PER_LOOK trips as well as within a long wait: on a loaded machine the
 * two threads may seldom run at once, each trip a few milliseconds that no single wait's spins
 * reach, and 40,000 of them outlast any deadline read within one wait only.
 */
function exchange(cell: Int32Array, from: number, trips: number, deadline: number): number {
  const t0 = performance.now();
  for (let v = from; v < from + 2 * trips; v += 2) {
    Atomics.store(cell, 0, v + 1);
    for (let spins = 0; Atomics.load(cell, 0) !== v + 2; spins++) {
      if ((spins & 0xfffff) === 0xfffff && performance.now() > deadline) throw new Error('the echo worker stopped answering');
    }
    if (((v - from) & (2 * TRIPS_PER_LOOK - 1)) === 0 && performance.now() > deadline) {
      throw new Error(`round trips took past ${GIVE_UP_MS / 1000} s (the two threads seldom ran at once: a loaded machine)`);
    }
  }
  return ((performance.now() - t0) * 1e6) / trips;
}

/**
 * Round trips between the first CPU and each other one (all pairs would be quadratic on 64
 * CPUs; the first CPU's view already shows a far socket or chiplet). `trips` per pair are timed
 * in BATCHES batches after as many untimed ones for the JIT.
 */
export async function crossCoreRoundTrips(cpus: readonly number[], trips: number, taskset: string): Promise<CrossCoreReply> {
  const pairs: [number, number][] = cpus.slice(1).map((b) => [cpus[0]!, b]);
  const reply: CrossCoreReply = { pairs, roundTripNs: [] };
  if (pairs.length === 0) return reply;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(ECHO, { eval: true, workerData: { cell: cell.buffer, taskset } });
  const failed = new Promise<never>((_, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the echo worker exited with code ${code}`)));
  });
  try {
    const perBatch = Math.max(1, Math.floor(trips / BATCHES));
    for (const [a, b] of pairs) {
      pinSelf(a, taskset);
      Atomics.store(cell, 0, 0);
      const pinned = new Promise<void>((resolve) => worker.once('message', () => resolve()));
      worker.postMessage({ cpu: b, trips: 2 * BATCHES * perBatch });
      await Promise.race([pinned, failed]);
      const deadline = performance.now() + GIVE_UP_MS;
      let from = 0;
      for (let i = 0; i < BATCHES; i++, from += 2 * perBatch) exchange(cell, from, perBatch, deadline);
      const ns: number[] = [];
      for (let i = 0; i < BATCHES; i++, from += 2 * perBatch) ns.push(exchange(cell, from, perBatch, deadline));
      reply.roundTripNs.push(median(ns));
    }
  } finally {
    failed.catch(() => {});
    await worker.terminate();
  }
  return reply;
}
