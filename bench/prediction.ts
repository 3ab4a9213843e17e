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

/**
 * What the shared preflight (impl/preflight.ts) does from 2 threads on: either it sends the block
 * to the sequential executor (then `skipped` are the thread counts not to predict, and `gap` says
 * why, in one line for all of them), or it only costs its check.
 */
export function serialFromTwoThreads(
  id: string, executor: string, block: Block, threads: readonly number[],
): { skipped: ReadonlySet<number>; gap: string | null; preflightMs: number } {
  const reason = contendedBlock(block);
  const skipped = threads.filter((t) => t > 1);
  if (reason !== null && skipped.length > 0) {
    return { skipped: new Set(skipped), gap: `${id} at ${skipped.join(', ')} threads: ${executor} runs it on the sequential executor (${reason})`, preflightMs: 0 };
  }
  return { skipped: new Set(), gap: null, preflightMs: reason === null ? medianTime(() => contendedBlock(block)) : 0 };
}
