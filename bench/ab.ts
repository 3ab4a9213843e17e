// Interleaved A/B of two builds of one executor on one block: the tool behind every "A/B" figure
// in the executors' READMEs. Both builds' executors live in this process and are timed round
// after round beside the sequential executor, so a drift of the machine (this VM's cores change
// speed for minutes at a time) hits both sides alike. A round is A B B A then B A A B: each side
// runs first, last, and right after itself equally often. A plain AB order favoured whichever
// executor ran second by about 4% here, and ABBA alone still favoured B by up to 4% when both
// sides were the same build (B's second run follows its first, with its buffers still in cache).
// The figure to read is the median over rounds of A's time over B's: above 1, B is faster. Read
// it against an A/A run (both sides the same build): here those gave 0.97-1.04 with 15 rounds,
// so a difference inside that is noise; repeat the run before believing a few percent. Beside
// the times it gives each side's minor page faults per block, a count that other processes on
// the machine do not move (the process's own collector adds some to either side: A/A runs read
// 10-20% apart): fresh memory costs 11-12 us a page on the 2-core Zen 5 VM, and a build that
// allocates a page less per few transactions shows there when the times cannot tell. At 1
// thread each side's one worker can stay on one core for the whole run, and this VM's cores can
// differ in speed: run both orders (--a X --b Y, then --a Y --b X) before believing a figure.
// Each result is handed back (BlockResult.release) right after its call, outside its time, as
// `concord bench` does; --release says which sides do (a, b, both, none), so one build against
// itself measures what handing memory back buys (--a X --b X --release b).
// Invariant: A and B run the same block with the same settings; each build is loaded from its
// own compiled tree (DIR/dist), so two checkouts of the project (git worktree) compare directly.
// Usage: npm run build && node dist/bench/ab.js --a DIR --b DIR [--executor block-stm] [--threads 2]
//   [--modules M] [--rounds 15] [--release both|a|b|none] [--workload p2p --accounts 10000 --txs 10000]

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import type { Block } from '../spec/block.js';
import type { Executor } from '../spec/executor.js';
import { intArgument as count } from '../cli/errors.js';
import { executeSequential, newSequentialScratch } from '../impl/sequential.js';
import { median } from '../reports/stats.js';
import { plural } from '../spec/plural.js';
import { generate } from './workloads.js';

export interface ABOptions {
  /** Project checkouts holding a build (DIR/dist). */
  readonly a: string;
  readonly b: string;
  /** A registry name (block-stm, modular, ...) or a module path, as `concord run --executor` takes. */
  readonly executor: string;
  readonly threads: number;
  /** --modules for the modular executor; absent: its default. */
  readonly modules?: number;
  readonly rounds: number;
  readonly block: Block;
  /** Which sides release each result after its call (the sequential runs beside them too, unless none); default both. */
  readonly release?: Release;
}

export const RELEASE_SIDES = ['both', 'a', 'b', 'none'] as const;
export type Release = (typeof RELEASE_SIDES)[number];

export interface ABResult {
  /** Medians of every sample, ms. */
  readonly sequentialMs: number;
  readonly aMs: number;
  readonly bMs: number;
  /** Medians of the process's minor page faults per timed run (process.resourceUsage). */
  readonly aFaults: number;
  readonly bFaults: number;
  /** Median over rounds of the sum of A's four times over the sum of B's. */
  readonly ratio: number;
  readonly rounds: number;
}

/** Untimed runs of each side before the rounds: the first runs of a block meet unoptimised code. */
const WARM_UP = 5;

async function executorOf(dir: string, name: string, threads: number, modules: number | undefined): Promise<Executor> {
  const registry = join(resolve(dir), 'dist', 'impl', 'registry.js');
  if (!existsSync(registry)) throw new Error(`${dir}: no build at ${registry} (run npm run build there)`);
  const { createExecutor } = (await import(pathToFileURL(registry).href)) as typeof import('../impl/registry.js');
  return createExecutor(name, { threads, ...(modules === undefined ? {} : { modules }) });
}

const sum = (xs: readonly number[]): number => xs.reduce((x, y) => x + y, 0);

/** The rounds of an A/B of two executors already started (interleavedAB loads them from two builds). */
export async function timeAB(A: Executor, B: Executor, o: Pick<ABOptions, 'threads' | 'rounds' | 'block' | 'release'>): Promise<ABResult> {
  const faults: Record<'a' | 'b', number[]> = { a: [], b: [] };
  const release = o.release ?? 'both';
  const releases = { a: release === 'both' || release === 'a', b: release === 'both' || release === 'b' };
  const time = async (executor: Executor, side: 'a' | 'b', timed = true): Promise<number> => {
    const f0 = process.resourceUsage().minorPageFault;
    const t0 = performance.now();
    const result = await executor.execute(o.block, { threads: o.threads });
    const ms = performance.now() - t0;
    if (timed) faults[side].push(process.resourceUsage().minorPageFault - f0);
    if (releases[side]) result.release?.();
    return ms;
  };
  for (let i = 0; i < WARM_UP; i++) {
    await time(A, 'a', false);
    await time(B, 'b', false);
  }
  const a: number[] = [];
  const b: number[] = [];
  const s: number[] = [];
  const ratios: number[] = [];
  // Kept from round to round, as `concord bench`'s baseline keeps its table.
  const scratch = newSequentialScratch();
  for (let r = 0; r < o.rounds; r++) {
    const t0 = performance.now();
    const sequential = executeSequential(o.block, scratch);
    s.push(performance.now() - t0);
    if (release !== 'none') sequential.release?.();
    const round = { a: [] as number[], b: [] as number[] };
    for (const side of ['a', 'b', 'b', 'a', 'b', 'a', 'a', 'b'] as const) round[side].push(await time(side === 'a' ? A : B, side));
    a.push(...round.a);
    b.push(...round.b);
    ratios.push(sum(round.a) / sum(round.b));
  }
  return { sequentialMs: median(s), aMs: median(a), bMs: median(b), aFaults: median(faults.a), bFaults: median(faults.b), ratio: median(ratios), rounds: o.rounds };
}

export async function interleavedAB(o: ABOptions): Promise<ABResult> {
  const A = await executorOf(o.a, o.executor, o.threads, o.modules);
  try {
    const B = await executorOf(o.b, o.executor, o.threads, o.modules);
    try {
      return await timeAB(A, B, o);
    } finally {
      await B.close();
    }
  } finally {
    await A.close();
  }
}

async function main(): Promise<void> {
  const o = new Command('ab')
    .description('interleaved A/B comparison of two builds of one executor on one block (rounds of A B B A B A A B)')
    .requiredOption('--a <dir>', 'checkout of build A (holding dist/)')
    .requiredOption('--b <dir>', 'checkout of build B')
    .option('--executor <name>', 'executor name or module path', 'block-stm')
    .option('--threads <n>', 'worker threads', count('--threads', 1), 2)
    .option('--modules <n>', 'modules, for the modular executor', count('--modules', 1))
    .option('--rounds <n>', 'rounds of A B B A B A A B', count('--rounds', 1), 15)
    .addOption(new Option('--release <sides>', 'sides that hand each result back after its call (as concord bench does)').choices(RELEASE_SIDES).default('both'))
    .option('--workload <name>', 'workload generator', 'p2p')
    .option('--accounts <n>', 'accounts', count('--accounts', 1), 10_000)
    .option('--txs <n>', 'transactions', count('--txs', 1), 10_000)
    .parse()
    .opts<{ a: string; b: string; executor: string; threads: number; modules?: number; rounds: number; release: Release; workload: string; accounts: number; txs: number }>();
  const block = generate(o.workload, { accounts: o.accounts, txs: o.txs });
  const r = await interleavedAB({ ...o, block });
  const x = (ms: number) => `${(r.sequentialMs / ms).toFixed(2)}x`;
  console.log(
    `${o.executor}, ${plural(o.threads, 'thread')}, ${o.workload} ${o.accounts} accounts x ${o.txs} txs, ${r.rounds} rounds of ABBA BAAB, results released: ${o.release}: `
    + `sequential ${r.sequentialMs.toFixed(1)} ms; A ${r.aMs.toFixed(1)} ms (${x(r.aMs)}); B ${r.bMs.toFixed(1)} ms (${x(r.bMs)}); `
    + `A over B per round, median ${r.ratio.toFixed(3)} (above 1: B is faster); minor page faults per block: A ${r.aFaults.toFixed(0)}, B ${r.bFaults.toFixed(0)}`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: Error) => {
    console.error(`ab: ${e.message}`);
    process.exitCode = 1;
  });
}
