// The machine's ceiling for two threads on a benchmark block: two worker threads each run the
// sequential executor over one half of the block, nothing shared between them, against the faster
// of the two running the whole block, sampled in turn. On equal cores no parallel executor can be
// expected to beat this ratio on the same machine, so it says how much of a speedup goal the
// machine itself allows (cores that slow each other down, V8's helper threads, caches) before any
// executor overhead. On unequal cores the fixed halves wait for the slower core, which an executor
// handing out work as it goes does not: core-speeds.ts gives that bound.
// Invariant: both sides run the same code on the same transactions, in worker threads alike.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { distRoot } from '../impl/runtime/pool.js';
import { median } from '../reports/stats.js';
import type { WorkloadParams } from './workloads.js';

/** A worker that builds the block once, then runs the sequential executor on the part it is told. */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { generate } = await import(workerData.workloads);
  const { executeSequential, newSequentialScratch } = await import(workerData.sequential);
  const scratch = newSequentialScratch();
  const block = generate(workerData.workload, workerData.params);
  const mid = block.txs.length >> 1;
  const parts = { whole: block, first: { ...block, txs: block.txs.slice(0, mid) }, second: { ...block, txs: block.txs.slice(mid) } };
  for (let i = 0; i < 3; i++) executeSequential(block, scratch);
  parentPort.on('message', (part) => {
    const t0 = performance.now();
    executeSequential(parts[part], scratch);
    parentPort.postMessage(performance.now() - t0);
  });
  parentPort.postMessage('ready');
})();
`;

export interface Ceiling {
  /** Median ms of one worker over the whole block: the faster of the two (each is sampled). */
  readonly oneMs: number;
  /** Median ms until both workers finished their halves. */
  readonly twoMs: number;
  readonly ratio: number;
}

function start(workload: string, params: Partial<WorkloadParams>): Promise<Worker> {
  const worker = new Worker(SOURCE, {
    eval: true,
    workerData: {
      workload, params,
      // The built modules (dist/), whether this file runs built or from source (tests).
      workloads: pathToFileURL(join(distRoot(), 'bench', 'workloads.js')).href,
      sequential: pathToFileURL(join(distRoot(), 'impl', 'sequential.js')).href,
    },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve(worker));
    worker.once('error', reject);
  });
}

function run(worker: Worker, part: 'whole' | 'first' | 'second'): Promise<number> {
  return new Promise((resolve) => {
    worker.once('message', resolve);
    worker.postMessage(part);
  });
}

export async function twoThreadCeiling(workload: string, params: Partial<WorkloadParams>, samples: number): Promise<Ceiling> {
  const [a, b] = await Promise.all([start(workload, params), start(workload, params)]);
  try {
    // Each worker runs the whole block too: a thread can land on a slower core for its whole life
    // (core-speeds.ts), and the ceiling is over the faster one, as a baseline on the faster core.
    const one: [number[], number[]] = [[], []];
    const two: number[] = [];
    for (let s = 0; s < samples; s++) {
      for (const [i, worker] of [a!, b!].entries()) {
        const t0 = performance.now();
        await run(worker, 'whole');
        one[i]!.push(performance.now() - t0);
      }
      const t0 = performance.now();
      await Promise.all([run(a!, 'first'), run(b!, 'second')]);
      two.push(performance.now() - t0);
    }
    const oneMs = Math.min(median(one[0]), median(one[1]));
    return { oneMs, twoMs: median(two), ratio: oneMs / median(two) };
  } finally {
    await Promise.all([a!.terminate(), b!.terminate()]);
  }
}
