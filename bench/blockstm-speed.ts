// Measures Block-STM's speed goals against the fast sequential executor in one process, runs
// interleaved: p2p transfers (10,000 accounts, 10,000 transactions, default hash cost) at 1 and 2
// threads, full contention (2 accounts), and a 50,000-transaction block's memory; and the ceiling
// two threads have on this machine for the same block with nothing shared (bench/ceiling.ts).
// Other processes share this machine's cores, so every sample records how much CPU the rest of
// the machine used while it ran (/proc/stat minus this process); samples taken while others
// used more than 10% of a core are reported apart and left out of the medians. A core that a
// neighbour slows down shows in neither, so each core's speed alone is probed before and after
// (bench/core-speeds.ts) and what it allows two threads is printed beside the figures.
// Usage: npm run build && node dist/bench/blockstm-speed.js [--samples N] [--txs N] [--big N]

import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import type { Block } from '../spec/block.js';
import { plural } from '../spec/plural.js';
import { intArgument as count } from '../cli/errors.js';
import { executeSequential, newSequentialScratch } from '../impl/sequential.js';
import { BlockStmExecutor } from '../impl/blockstm/executor.js';
import { generate } from './workloads.js';
import { threadCeiling } from './ceiling.js';
import { ceilingsText, probeText } from '../reports/cores.js';
import { probeCoreSpeeds } from './core-speeds.js';
import { cpuSnapshot, JIFFY_MS, noiseBetween } from './machine.js';
import { median as statsMedian } from '../reports/stats.js';

const options = new Command('blockstm-speed')
  .description("Block-STM's speed goals against the sequential executor, sampled interleaved in one process")
  .option('--samples <n>', 'interleaved samples per figure', count('--samples', 1), 15)
  .option('--txs <n>', 'transactions in the p2p and full-contention blocks', count('--txs', 1), 10_000)
  .option('--big <n>', 'transactions in the memory-check block (0: skip it)', count('--big', 0), 50_000)
  .parse()
  .opts<{ samples: number; txs: number; big: number }>();

/** Each core's speed alone, and what that allows two threads over one on the fastest core. */
async function printCores(when: string): Promise<void> {
  const probe = await probeCoreSpeeds();
  const bound = 'speeds' in probe && probe.speeds.cpus.length > 1 ? `; at best ${ceilingsText(probe.speeds, [2])} over a baseline on the fastest core` : '';
  console.log(`core speeds ${when} (sequential executor pinned to each core): ${probeText(probe)}${bound}`);
}


/** CPU jiffies of each of this process's threads, by thread id. */
function threadJiffies(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return out;
}

/**
 * Where a sample's CPU went: the main thread, the pool's worker threads (the threads that appeared
 * when the pool started), and the rest, which is V8's platform threads doing parallel and
 * concurrent garbage collection. The split shows what two cores must hold beside the workers.
 */
interface CpuSplit {
  main: number;
  workers: number;
  other: number;
}

let poolThreads = new Set<number>();

interface Sample {
  ms: number;
  split: CpuSplit;
  /** CPU time of this process (all its threads) during the sample. */
  cpu: number;
  /** CPU other processes used during the sample, in cores (0 = quiet). */
  others: number;
}

async function timed(run: () => unknown): Promise<Sample> {
  const m0 = cpuSnapshot();
  const j0 = threadJiffies();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  const c1 = process.cpuUsage(c0);
  const j1 = threadJiffies();
  const m1 = cpuSnapshot();
  const split: CpuSplit = { main: 0, workers: 0, other: 0 };
  for (const [tid, jiffies] of j1) {
    const used = (jiffies - (j0.get(tid) ?? 0)) * JIFFY_MS;
    if (tid === process.pid) split.main += used;
    else if (poolThreads.has(tid)) split.workers += used;
    else split.other += used;
  }
  // Steal (the host running others on these cores) is noise too; without /proc nothing counts as quiet.
  const noise = noiseBetween(m0, m1, availableParallelism());
  const others = noise.foreignCores === null ? Infinity : noise.foreignCores + (noise.stealFraction ?? 0) * availableParallelism();
  return { ms, split, cpu: (c1.user + c1.system) / 1000, others };
}

/** NaN where every sample was noisy, so the line still prints. */
const median = (xs: number[]): number => (xs.length === 0 ? NaN : statsMedian(xs));

const QUIET = 0.1;
/** The sequential executor's table, kept from block to block as `concord bench`'s baseline keeps it. */
const sequential = newSequentialScratch();

async function compare(label: string, block: Block, executor: BlockStmExecutor, threads: number[], samples: number): Promise<void> {
  const seq: Sample[] = [];
  const par = new Map<number, Sample[]>(threads.map((t) => [t, []]));
  const reexec = new Map<number, number[]>(threads.map((t) => [t, []]));
  const fallbacks = new Set<string>();
  for (let s = 0; s < samples; s++) {
    seq.push(await timed(() => executeSequential(block, sequential)));
    for (const t of threads) {
      let stats: Record<string, unknown> = {};
      par.get(t)!.push(await timed(async () => {
        stats = (await executor.execute(block, { threads: t })).stats;
      }));
      reexec.get(t)!.push((stats.reExecutions as number) / block.txs.length);
      if (stats.fallback) fallbacks.add(String(stats.fallback));
    }
  }
  const quiet = (xs: Sample[]) => xs.filter((x) => x.others < QUIET).map((x) => x.ms);
  const seqQuiet = quiet(seq);
  console.log(`\n${label}: ${plural(block.txs.length, 'transaction')}, ${plural(samples, 'interleaved sample')}`);
  const cpu = (xs: Sample[]) => {
    // Jiffies are 10 ms: per-sample splits are coarse, their mean over the samples is not.
    const mean = (f: (c: CpuSplit) => number) => (xs.reduce((a, x) => a + f(x.split), 0) / xs.length).toFixed(1);
    return `${median(xs.map((x) => x.cpu)).toFixed(1)} ms (mean by thread: main ${mean((c) => c.main)}, workers ${mean((c) => c.workers)}, GC and other V8 threads ${mean((c) => c.other)})`;
  };
  console.log(`  machine load while sampling: others used a median ${median(seq.map((x) => x.others)).toFixed(2)} cores`);
  console.log(`  sequential   median ${median(seqQuiet).toFixed(1)} ms (quiet ${seqQuiet.length}/${samples}), min ${Math.min(...seq.map((x) => x.ms)).toFixed(1)} ms, cpu ${cpu(seq)}`);
  for (const t of threads) {
    const q = quiet(par.get(t)!);
    const all = par.get(t)!.map((x) => x.ms);
    const pairs = seq.map((x, i) => [x, par.get(t)![i]!] as const).filter(([a, b]) => a.others < QUIET && b.others < QUIET);
    const pairRatio = median(pairs.map(([a, b]) => a.ms / b.ms));
    console.log(
      `  block-stm ${t}t median ${median(q).toFixed(1)} ms (quiet ${q.length}/${samples}), min ${Math.min(...all).toFixed(1)} ms; ` +
        `speedup: ratio of quiet medians ${(median(seqQuiet) / median(q)).toFixed(2)}x, median of quiet pairs ${pairRatio.toFixed(2)}x (${pairs.length} pairs), ` +
        `ratio of mins ${(Math.min(...seq.map((x) => x.ms)) / Math.min(...all)).toFixed(2)}x; cpu ${cpu(par.get(t)!)}; re-executions/tx ${median(reexec.get(t)!).toFixed(3)}`,
    );
  }
  if (fallbacks.size) console.log(`  fallbacks: ${[...fallbacks].join('; ')}`);
}

const { samples, txs, big } = options;
await printCores('before');
const start = performance.now();
const before = new Set(threadJiffies().keys());
const executor = await BlockStmExecutor.create({ threads: 2 });
poolThreads = new Set([...threadJiffies().keys()].filter((tid) => !before.has(tid)));
console.log(`pool start-up incl. warm-up: ${executor.startupMs.toFixed(0)} ms (${(performance.now() - start).toFixed(0)} ms wall)`);
const p2p = generate('p2p', { accounts: 10_000, txs, seed: 1 });
const contended = generate('p2p', { accounts: 2, txs, seed: 1 });
// Warm both executors on the measured shapes before sampling.
for (let i = 0; i < 3; i++) {
  executeSequential(p2p, sequential);
  executeSequential(contended, sequential);
  await executor.execute(p2p, { threads: 2 });
  await executor.execute(contended, { threads: 2 });
  await executor.execute(p2p, { threads: 1 });
}
await compare('p2p, 10,000 accounts', p2p, executor, [1, 2], samples);
const ceiling = await threadCeiling(2, 'p2p', { accounts: 10_000, txs, seed: 1 }, samples);
console.log(
  `  ceiling of this machine: two workers each running the sequential executor over half the block, nothing shared, ` +
    `${ceiling.partsMs.toFixed(1)} ms against the faster of them over all of it, ${ceiling.oneMs.toFixed(1)} ms: ${ceiling.ratio.toFixed(2)}x`,
);
await compare('full contention, 2 accounts', contended, executor, [2], samples);
if (big > 0) {
  const block = generate('p2p', { accounts: 10_000, txs: big, seed: 2 });
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const r = await executor.execute(block, { threads: 2 });
  console.log(
    `\n${plural(big, 'transaction')}: ${(performance.now() - t0).toFixed(0)} ms, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB ` +
      `(was ${(rss0 / 2 ** 20).toFixed(0)} MiB before the block, peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB), fallback '${r.stats.fallback}', re-executions ${r.stats.reExecutions}`,
  );
}
await executor.close();
await printCores('after');
