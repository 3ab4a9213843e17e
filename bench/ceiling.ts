// The machine's ceiling for T threads on a benchmark block: T worker threads each run the
// sequential executor over one T-th of the block (consecutive transactions), nothing shared
// between them, against the fastest of the first few of them running the whole block, sampled in
// turn after an untimed round. On equal cores no parallel executor can be expected to beat this
// ratio on the same machine, so it says how much of a speedup goal the machine itself allows
// (cores that slow each other down, SMT siblings, a clock that drops with more cores busy, memory
// bandwidth, waking idle cores, V8's helper threads) before any executor overhead. On unequal
// cores the fixed parts wait for the slowest core, which an executor handing out work as it goes
// does not: core-speeds.ts gives that bound.
// Invariant: both sides run the same code on the same transactions, in worker threads alike; the
// parts cover the block's transactions exactly once.

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
  const block = generate(workerData.workload, workerData.params);
  // Each part keeps its own table, as an executor keeps one from block to block: one table
  // resized between the whole block and a part would be allocated afresh, page faults and all,
  // on every call.
  const parts = new Map();
  const partOf = (from, to) => {
    const key = from + ':' + to;
    if (!parts.has(key)) parts.set(key, { block: { ...block, txs: block.txs.slice(from, to) }, scratch: newSequentialScratch() });
    return parts.get(key);
  };
  const whole = partOf(0, block.txs.length);
  for (let i = 0; i < 3; i++) executeSequential(whole.block, whole.scratch);
  parentPort.on('message', ([from, to]) => {
    const part = partOf(from, to);
    // Warmed untimed the first time, as the whole block was.
    if (part.scratch.table === null) executeSequential(part.block, part.scratch);
    const t0 = performance.now();
    executeSequential(part.block, part.scratch);
    parentPort.postMessage(performance.now() - t0);
  });
  parentPort.postMessage(block.txs.length);
})();
`;

export interface Ceiling {
  /** Workers, each on one part of the block. */
  readonly threads: number;
  /** Transactions in the block. */
  readonly txs: number;
  /** Median ms of one worker over the whole block: the fastest of the first ONE_WORKERS workers'. */
  readonly oneMs: number;
  /** Median ms until every worker finished its part. */
  readonly partsMs: number;
  /** oneMs / partsMs: at most `threads` on a machine whose cores add up. */
  readonly ratio: number;
}

/**
 * The thread counts a machine ceiling is measured at: each parallel count of the sweep within the
 * cores, and the cores themselves where a count is above them, since those runs' threads shared
 * the cores and the report reads them beside the ceiling there (reports/cores.ts ceilingFor);
 * none on one core.
 */
export function ceilingThreads(threads: readonly number[], cores: number): number[] {
  return [...new Set(threads.map((t) => Math.min(t, cores)).filter((t) => t > 1))].sort((a, b) => a - b);
}

/** Workers timed alone on the whole block each sample (the fastest of them is the ceiling's one thread). */
const ONE_WORKERS = 4;

function start(workload: string, params: Partial<WorkloadParams>): Promise<{ worker: Worker; txs: number }> {
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
    worker.once('message', (txs: number) => resolve({ worker, txs }));
    worker.once('error', reject);
  });
}

function run(worker: Worker, from: number, to: number): Promise<number> {
  return new Promise((resolve) => {
    worker.once('message', resolve);
    worker.postMessage([from, to]);
  });
}

/** The ceiling of `threads` workers (2 or more) on the block `workload` generates with `params`, each side timed `samples` times. */
export async function threadCeiling(threads: number, workload: string, params: Partial<WorkloadParams>, samples: number): Promise<Ceiling> {
  if (!Number.isInteger(threads) || threads < 2) throw new RangeError(`a ceiling needs 2 threads or more, got ${threads}`);
  const started = await Promise.allSettled(Array.from({ length: threads }, () => start(workload, params)));
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value.worker] : []));
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const txs = (started[0] as PromiseFulfilledResult<{ txs: number }>).value.txs;
    // The first workers run the whole block too: a thread can land on a slower core for its whole
    // life (core-speeds.ts), and the ceiling is over the fastest of them, as a baseline on the
    // fastest core. Up to ONE_WORKERS of them, so that a sample costs a few blocks, not T.
    const timedAlone = workers.slice(0, ONE_WORKERS);
    const one = timedAlone.map((): number[] => []);
    const parts: number[] = [];
    const bounds = Array.from({ length: threads + 1 }, (_, i) => Math.round((i * txs) / threads));
    // Round 0 is untimed: each part's first calls, and the first wake of every worker, are warm-up.
    for (let s = 0; s <= samples; s++) {
      for (const [i, worker] of timedAlone.entries()) {
        const t0 = performance.now();
        await run(worker, 0, txs);
        if (s > 0) one[i]!.push(performance.now() - t0);
      }
      const t0 = performance.now();
      await Promise.all(workers.map((worker, i) => run(worker, bounds[i]!, bounds[i + 1]!)));
      if (s > 0) parts.push(performance.now() - t0);
    }
    const oneMs = Math.min(...one.map((m) => median(m)));
    const partsMs = median(parts);
    return { threads, txs, oneMs, partsMs, ratio: oneMs / partsMs };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
