// The child process of the per-core speed probe (core-speeds.ts): pins itself, all its threads,
// to one CPU after another with `taskset -a -p` and times the sequential executor on a p2p block
// there, round after round, so slow moments of the machine fall on every CPU alike; then, when
// asked, times cache-line round trips between CPUs (core-latency.ts). Prints one JSON line: each
// CPU's median block time in ms, and the round trips.
// Invariant: it only ever changes its own affinity, never another process's.
// Usage (by core-speeds.ts): node dist/bench/core-probe.js '{"cpus":[0,1],"rounds":3,"reps":3,"txs":10000,"taskset":"taskset","roundTrips":20000}'

import { execFileSync } from 'node:child_process';
import type { Block } from '../spec/block.js';
import { executeSequential, newSequentialScratch, type SequentialScratch } from '../impl/sequential.js';
import { median } from '../reports/stats.js';
import { generate } from './workloads.js';
import { crossCoreRoundTrips, type CrossCoreReply } from './core-latency.js';

export interface ProbeRequest {
  readonly cpus: readonly number[];
  readonly rounds: number;
  /** Blocks timed per CPU per round; the round's figure is their median. */
  readonly reps: number;
  readonly txs: number;
  readonly taskset: string;
  /** Cache-line round trips timed between the first CPU and each other one (core-latency.ts); 0: none. */
  readonly roundTrips: number;
}

export interface ProbeReply {
  /** Per CPU of the request, in its order: the median over rounds of each round's median block time. */
  readonly medianMs: number[];
  /** Present when round trips were asked for and there are two CPUs or more. */
  readonly crossCore?: CrossCoreReply;
}

function timeOn(cpu: number, request: ProbeRequest, block: Block, scratch: SequentialScratch): number {
  execFileSync(request.taskset, ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
  // The first block after a move meets cold caches on the new CPU.
  executeSequential(block, scratch);
  const ms: number[] = [];
  for (let r = 0; r < request.reps; r++) {
    const t0 = performance.now();
    executeSequential(block, scratch);
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

async function probe(request: ProbeRequest): Promise<ProbeReply> {
  // The suite's p2p shape: with 3 blocks per CPU, 64 CPUs take a few seconds per pass.
  const block = generate('p2p', { accounts: request.txs, txs: request.txs, seed: 1 });
  // Compiled code first, so no CPU pays for the warm-up.
  // The table kept from block to block, as the benchmark's baseline keeps it.
  const scratch = newSequentialScratch();
  for (let i = 0; i < 5; i++) executeSequential(block, scratch);
  const perCpu: number[][] = request.cpus.map(() => []);
  for (let round = 0; round < request.rounds; round++) {
    request.cpus.forEach((cpu, i) => perCpu[i]!.push(timeOn(cpu, request, block, scratch)));
  }
  const medianMs = perCpu.map((xs) => median(xs));
  if (request.roundTrips === 0 || request.cpus.length < 2) return { medianMs };
  try {
    return { medianMs, crossCore: await crossCoreRoundTrips(request.cpus, request.roundTrips, request.taskset) };
  } catch (e) {
    // The core speeds stand without the round trips (a thread that may not be pinned alone, say).
    process.stderr.write(`core-probe: no cache-line round trips: ${(e as Error).message}\n`);
    return { medianMs };
  }
}

process.stdout.write(`${JSON.stringify(await probe(JSON.parse(process.argv[2]!) as ProbeRequest))}\n`);
