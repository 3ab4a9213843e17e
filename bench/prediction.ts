// What a model of one executor's scaling gets and gives (simulate.ts for Block-STM,
// simulate-modular.ts for the modular executor), and the main-thread costs both models share.
// Invariant: a model reports a thread count either as a point or as a gap that says why.

import type { Block } from '../spec/block.js';
import { contendedBlock } from '../impl/preflight.js';
import { median } from '../reports/stats.js';

export interface SimulatedPoint {
  workload: string;
  executor: string;
  threads: number;
  speedup: number;
  model: string;
}

/** What a model of one executor gets for one workload. */
export interface ModelInput {
  readonly id: string;
  readonly block: Block;
  /** The block to run the model on: for a generated block, its hash-free twin. */
  readonly simBlock: Block;
  /** The sequential baseline's and the executor's measured 1-thread medians. */
  readonly seqMs: number;
  readonly oneMs: number;
  /** Each transaction's VM time: its share of the block's gas, of seqMs. */
  readonly txMs: Float64Array;
  readonly threads: readonly number[];
  /** The VM cost, in words, for the model's description. */
  readonly vm: string;
}

/** The median time of `f` over 5 calls after 3 to warm it up, in ms. */
export function medianTime(f: () => void): number {
  const times: number[] = [];
  for (let r = 0; r < 8; r++) {
    const started = performance.now();
    f();
    if (r >= 3) times.push(performance.now() - started);
  }
  return median(times);
}

/** One executor's predictions on one workload, and why some thread counts have none. */
export interface Predictions {
  readonly points: SimulatedPoint[];
  readonly gaps: string[];
}

/**
 * An executor's points on a workload at each thread count: `makespanAt(t)` is the modelled block
 * time in ms, or why there is none. From 2 threads on the shared preflight (impl/preflight.ts)
 * either sends the block to the sequential executor (those thread counts are one gap) or costs
 * its check, which is added here.
 */
export function predictEach(
  { id, block, seqMs, threads }: ModelInput, executor: string, model: string, makespanAt: (threads: number) => number | string,
): Predictions {
  const points: SimulatedPoint[] = [];
  const gaps: string[] = [];
  const reason = contendedBlock(block);
  const parallel = reason === null ? threads : threads.filter((t) => t === 1);
  if (reason !== null && parallel.length < threads.length) {
    gaps.push(`${id} at ${threads.filter((t) => t > 1).join(', ')} threads: ${executor} runs it on the sequential executor (${reason})`);
  }
  const preflightMs = reason === null && threads.some((t) => t > 1) ? medianTime(() => contendedBlock(block)) : 0;
  for (const t of parallel) {
    const ms = makespanAt(t);
    if (typeof ms === 'string') gaps.push(`${id} at ${t} threads: ${ms}`);
    else points.push({ workload: id, executor, threads: t, speedup: seqMs / (ms + (t > 1 ? preflightMs : 0)), model });
  }
  return { points, gaps };
}
