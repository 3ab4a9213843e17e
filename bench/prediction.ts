// What a model of one executor's scaling gets and gives (simulate.ts for Block-STM,
// simulate-modular.ts for the modular executor), and what both models share: turning modelled
// block times into points, the preflight's gaps and cost, timing a step, an unfitted model's words.
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
  /** The modular executor's modules (its lanes) at that thread count. */
  modules?: number;
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
 * time in ms, or why there is none; `modulesAt(t)` the lanes where the executor has modules. From
 * 2 threads on the shared preflight (impl/preflight.ts) either sends the block to the sequential
 * executor (those thread counts are one gap) or costs its check, which is added here. Thread
 * counts above the block's transactions are one gap too: there is no work for the extra threads.
 */
export function predictEach(
  { id, block, seqMs, threads }: ModelInput, executor: string, model: string,
  makespanAt: (threads: number) => number | string, modulesAt?: (threads: number) => number,
): Predictions {
  const points: SimulatedPoint[] = [];
  const gaps: string[] = [];
  const txs = block.txs.length;
  const tooMany = threads.filter((t) => t > Math.max(1, txs));
  if (tooMany.length > 0) gaps.push(`${id} at ${tooMany.join(', ')} threads: more threads than the block's ${txs} transactions, so ${executor} is not predicted there`);
  const reason = contendedBlock(block);
  const serial = reason === null ? [] : threads.filter((t) => t > 1 && !tooMany.includes(t));
  if (serial.length > 0) gaps.push(`${id} at ${serial.join(', ')} threads: ${executor} runs it on the sequential executor (${reason})`);
  const parallel = threads.filter((t) => !tooMany.includes(t) && !serial.includes(t));
  const preflightMs = reason === null && parallel.some((t) => t > 1) ? medianTime(() => contendedBlock(block)) : 0;
  for (const t of parallel) {
    const ms = makespanAt(t);
    if (typeof ms === 'string') gaps.push(`${id} at ${t} threads: ${executor}: ${ms}`);
    else points.push({ workload: id, executor, threads: t, speedup: seqMs / (ms + (t > 1 ? preflightMs : 0)), model, ...(modulesAt ? { modules: modulesAt(t) } : {}) });
  }
  return { points, gaps };
}

/** Says, in a model's description, that its operation cost could not be fitted (it is 0). */
export function unfitted(modelMs: number, measuredMs: number): string {
  return `(not fitted: even at no cost the model takes ${modelMs.toFixed(2)} ms at 1 thread, above the measured ${measuredMs.toFixed(2)} ms, so it charges nothing for synchronisation and is optimistic at more threads)`;
}
