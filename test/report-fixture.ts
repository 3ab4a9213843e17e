// Small, valid results documents for the report and compare tests, samples jittered
// deterministically around the given medians. sampleResults: two workloads (one in the p2p grid
// group, one contract mix), the sequential baseline and a fake parallel executor at 1 and 2
// threads; optionally a third, a dependency chain the executor hands to the sequential executor.
// contestResults: block-stm against modular on workloads described case by case;
// partitionedResults: the same with modular measured once per partition. mdUnescaped: the text a
// reader of the Markdown sees.
import { RESULTS_FORMAT, type ResultsFile } from '../reports/schema.js';

/** Markdown text as a reader sees it: CommonMark drops the backslash before any ASCII punctuation it escapes. */
export function mdUnescaped(md: string): string {
  return md.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/** The reason impl/preflight.ts gives for a block whose first 512 transactions form one chain. */
export const PREFLIGHT_CHAIN = 'preflight: the first 512 transactions\' declared footprints chain 512 of them in block order (parallelism 1.00 < 1.4)';

export interface FixtureOptions {
  seqMs: number;
  execMs: number;
  samples: number;
  jitterSeed?: number;
  machine?: string;
  simulated?: boolean;
  /**
   * Adds "p2p 2 acc × 1000 tx" to the p2p grid: one dependency chain (ideal 1x), which at 2 threads
   * the preflight sends wholly to the sequential executor (fallbackShare 1), 3% slower than the baseline.
   */
  chain?: boolean;
}

/**
 * A block's gas and an ideal whose speedup at t threads is min(t, limit), as the schema holds them
 * to their own numbers: work / criticalPath is `limit` (a whole number) exactly, about 100,000 gas,
 * so each bound is min(t, limit); the ideal's work is the gas the block used.
 */
function gasAndIdeal(limit: number, threads: readonly number[]): Pick<ResultsFile['workloads'][number], 'gasUsed' | 'ideal'> {
  const criticalPath = Math.round(100_000 / limit);
  const work = criticalPath * limit;
  return { gasUsed: work, ideal: { work, criticalPath, edges: 10, points: threads.map((t) => ({ threads: t, speedup: Math.min(t, limit), bound: Math.min(t, limit) })) } };
}

/** Park-Miller: deterministic jitter, so every test sees the same samples. */
function jitter(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

export function sampleResults(o: FixtureOptions): ResultsFile {
  const next = jitter(o.jitterSeed ?? 1);
  const samples = (ms: number) => Array.from({ length: o.samples }, () => Math.round(ms * (1 + 0.06 * (next() - 0.5)) * 1e4) / 1e4);
  const ideal = (limit: number) => gasAndIdeal(limit, [1, 2, 4, 8, 16, 32, 64]);
  const chain: ResultsFile['workloads'][number] = {
    id: 'p2p-a2-t1000-s1-h3', group: 'Block-STM p2p grid', source: { kind: 'generated', workload: 'p2p', accounts: 2, txs: 1000, seed: 1, hashCost: 3 }, txs: 1000, ...ideal(1),
  };
  const workloads: ResultsFile['workloads'] = [
    { id: 'p2p-a100-t1000-s1-h3', group: 'Block-STM p2p grid', source: { kind: 'generated', workload: 'p2p', accounts: 100, txs: 1000, seed: 1, hashCost: 3 }, txs: 1000, ...ideal(14) },
    { id: 'token-a100-t1000-s1-h3', group: 'contract mixes', source: { kind: 'generated', workload: 'token', accounts: 100, txs: 1000, seed: 1, hashCost: 3 }, txs: 1000, ...ideal(18) },
    ...(o.chain ? [chain] : []),
  ];
  const perTx = { executions: 1, reExecutions: 0, validations: 0, failedValidations: 0 };
  const runs: ResultsFile['runs'] = [];
  for (const w of workloads) {
    for (const threads of [1, 2]) {
      const seq = samples(o.seqMs);
      runs.push({ workload: w.id, executor: 'sequential', threads, role: 'baseline', samplesMs: seq, busy: seq.map(() => false), perTx, peakRssBytes: 100 * 2 ** 20, correct: true, fallback: '' });
      // One thread never asks the preflight.
      const sent = w === chain && threads > 1;
      const ex = samples(sent ? o.seqMs * 1.03 : threads === 1 ? o.seqMs * 1.1 : o.execMs);
      runs.push({
        workload: w.id, executor: 'fake-parallel', threads, role: 'executor', samplesMs: ex, busy: ex.map(() => false),
        perTx: sent ? perTx : { executions: 1.1, reExecutions: 0.1, validations: 1.1, failedValidations: 0.05 }, peakRssBytes: 120 * 2 ** 20, correct: true,
        ...(sent ? { fallback: PREFLIGHT_CHAIN, fallbackShare: 1 } : { fallback: '' }),
      });
    }
  }
  return {
    ...skeleton(o.machine, workloads, runs, ['fake-parallel']),
    simulated: o.simulated
      ? [4, 8, 16, 32, 64].map((t) => ({ workload: workloads[0]!.id, executor: 'fake-parallel', threads: t, speedup: Math.min(t, 14) * 0.7, model: 'test' }))
      : [],
    simulatedGaps: o.simulated ? [] : ['block-stm was not measured at 1 thread'],
  };
}

/**
 * `doc` as bench records rounds: each run's samples split in order over `rounds` rounds (sorted
 * within each, as tinybench keeps them), the baseline and the executors in the same rounds.
 */
export function withRounds(doc: ResultsFile, rounds: number): ResultsFile {
  const out = structuredClone(doc);
  out.settings.rounds = rounds;
  for (const r of out.runs) {
    const tags = r.samplesMs.map((_, i) => Math.floor((i * rounds) / r.samplesMs.length));
    r.samplesMs = tags.flatMap((t, i) => (i > 0 && tags[i - 1] === t ? [] : r.samplesMs.filter((_, j) => tags[j] === t).sort((a, b) => a - b)));
    r.rounds = tags;
  }
  return out;
}

/** Everything but the workloads' runs: one 2-core test machine, no busy rounds, no predictions. */
function skeleton(machine: string | undefined, workloads: ResultsFile['workloads'], runs: ResultsFile['runs'], executors: string[]): ResultsFile {
  const label = machine ?? 'Test CPU (family 1 model 2), 2 cores, 8 GiB, Node 20';
  return {
    format: RESULTS_FORMAT,
    createdAt: '2026-01-02T03:04:05.000Z',
    concordVersion: '0.1.0',
    command: ['bench', '--quick'],
    settings: { quick: true, threads: [1, 2], executors, baseline: 'sequential', rounds: 3, roundMs: 40 },
    machine: {
      label, cpuModel: 'Test CPU', cpuFamily: 1, cpuModelNumber: 2, cpuStepping: 0, cpuMhz: 2000, logicalCpus: 2, availableParallelism: 2,
      cgroupCpuMax: null, effectiveCores: 2, memoryBytes: 8 * 2 ** 30, node: '20.0.0', v8: '11.3', os: 'linux test x64',
    },
    noise: { loadBefore: [0.1, 0.1, 0.1], loadAfter: [0.2, 0.1, 0.1], foreignCores: 0.01, stealFraction: 0, busyThresholdCores: 0.25, busyRounds: 0, rounds: 24 },
    workloads,
    startup: executors.map((executor) => ({ executor, threads: 2, createMs: 60, firstBlockMs: 30 })),
    runs,
    failures: [],
    simulated: [],
    simulatedGaps: ['block-stm was not measured at 1 thread'],
  };
}

/** One executor's run in a contest case: its median block time and whatever it recorded. */
export interface ContestRun {
  ms: number;
  perTx?: ResultsFile['runs'][number]['perTx'];
  fallback?: string;
  fallbackShare?: number;
  detail?: Record<string, number>;
  correct?: boolean;
}

export interface ContestCase {
  /** Generator name; the workload is "NAME 1000 acc × 1000 tx". */
  workload: string;
  /** The ideal speedup at t threads is min(t, idealLimit). */
  idealLimit: number;
  seqMs: number;
  /** Every sample of this case (both executors and the baseline) taken on a busy machine. */
  busy?: boolean;
  blockStm: Record<1 | 2, ContestRun>;
  modular: Record<1 | 2, ContestRun>;
}

/** block-stm and modular against the sequential baseline at 1 and 2 threads, 10 samples per run. */
export function contestResults(cases: readonly ContestCase[], machine?: string): ResultsFile {
  return contest(cases.map((c) => ({ ...c, runs: [['block-stm', c.blockStm], ['modular', c.modular]] })), ['block-stm', 'modular'], machine);
}

/** A contest case of a sweep that measured modular once per partition (bench --partition hash,affinity): its runs under each partition. */
export interface PartitionedCase extends Omit<ContestCase, 'modular'> {
  modular: Record<string, Record<1 | 2, ContestRun>>;
}

/** As contestResults, modular measured under each of `partitions` (settings.partitions), its runs and start-ups labelled `modular (PARTITION)`. */
export function partitionedResults(cases: readonly PartitionedCase[], partitions: readonly string[], machine?: string): ResultsFile {
  const doc = contest(cases.map((c) => ({ ...c, runs: [['block-stm', c.blockStm], ...partitions.map((p) => [`modular (${p})`, c.modular[p]!] as const)] })), ['block-stm', 'modular'], machine);
  return { ...doc, settings: { ...doc.settings, partitions: [...partitions] }, startup: doc.runs.flatMap((r) => (r.role === 'executor' && r.threads === 2 && r.workload === doc.workloads[0]!.id ? [{ executor: r.executor, threads: 2, createMs: 60, firstBlockMs: 30 }] : [])) };
}

function contest(cases: readonly (Omit<ContestCase, 'blockStm' | 'modular'> & { runs: readonly (readonly [string, Record<1 | 2, ContestRun>])[] })[], executors: string[], machine?: string): ResultsFile {
  const next = jitter(7);
  const samples = (ms: number) => Array.from({ length: 10 }, () => Math.round(ms * (1 + 0.06 * (next() - 0.5)) * 1e4) / 1e4);
  const workloads: ResultsFile['workloads'] = cases.map((c) => ({
    id: `${c.workload}-a1000-t1000-s1-h3`, group: 'contract mixes',
    source: { kind: 'generated', workload: c.workload, accounts: 1000, txs: 1000, seed: 1, hashCost: 3 }, txs: 1000,
    ...gasAndIdeal(c.idealLimit, [1, 2, 4]),
  }));
  const runs: ResultsFile['runs'] = [];
  cases.forEach((c, i) => {
    const workload = workloads[i]!.id;
    for (const threads of [1, 2] as const) {
      const seq = samples(c.seqMs);
      const busy = seq.map(() => c.busy === true);
      runs.push({ workload, executor: 'sequential', threads, role: 'baseline', samplesMs: seq, busy, perTx: { executions: 1, reExecutions: 0, validations: 0, failedValidations: 0 }, peakRssBytes: 100 * 2 ** 20, correct: true, fallback: '' });
      for (const [executor, each] of c.runs) {
        const r = each[threads];
        runs.push({
          workload, executor, threads, role: 'executor', samplesMs: samples(r.ms), busy,
          perTx: r.perTx ?? { executions: 1, reExecutions: 0, validations: executor === 'block-stm' ? 1 : 0, failedValidations: 0 },
          peakRssBytes: 120 * 2 ** 20, correct: r.correct ?? true, fallback: r.fallback ?? '',
          detail: r.detail ?? {}, fallbackShare: r.fallbackShare ?? 0,
        });
      }
    }
  });
  return skeleton(machine, workloads, runs, executors);
}
