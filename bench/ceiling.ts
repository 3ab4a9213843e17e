// The machine's ceiling for two threads on a benchmark block: two worker threads each run the
// sequential executor over one half of the block, nothing shared between them, against one worker
// running the whole block, sampled in turn. No parallel executor can be expected to beat this
// ratio on the same machine, so it says how much of a speedup goal the machine itself allows
// (cores that slow each other down, V8's helper threads, caches) before any executor overhead.
// Invariant: both sides run the same code on the same transactions, in worker threads alike.

import { Worker } from 'node:worker_threads';
import { median } from '../reports/stats.js';
import type { WorkloadParams } from './workloads.js';

/** A worker that builds the block once, then runs the sequential executor on the part it is told. */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { generate } = await import(workerData.workloads);
  const { executeSequential } = await import(workerData.sequential);
  const block = generate(workerData.workload, workerData.params);
  const mid = block.txs.length >> 1;
  const parts = { whole: block, first: { ...block, txs: block.txs.slice(0, mid) }, second: { ...block, txs: block.txs.slice(mid) } };
  for (let i = 0; i < 3; i++) executeSequential(block);
  parentPort.on('message', (part) => {
    const t0 = performance.now();
    executeSequential(parts[part]);
    parentPort.postMessage(performance.now() - t0);
  });
  parentPort.postMessage('ready');
})();
`;

export interface Ceiling {
  /** Median ms of one worker over the whole block. */
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
      workloads: new URL('./workloads.js', import.meta.url).href,
      sequential: new URL('../impl/sequential.js', import.meta.url).href,
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
    const one: number[] = [];
    const two: number[] = [];
    for (let s = 0; s < samples; s++) {
      let t0 = performance.now();
      await run(a!, 'whole');
      one.push(performance.now() - t0);
      t0 = performance.now();
      await Promise.all([run(a!, 'first'), run(b!, 'second')]);
      two.push(performance.now() - t0);
    }
    return { oneMs: median(one), twoMs: median(two), ratio: median(one) / median(two) };
  } finally {
    await Promise.all([a!.terminate(), b!.terminate()]);
  }
}
