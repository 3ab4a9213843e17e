// What a model of one executor's scaling gets and gives (simulate.ts for Block-STM,
// simulate-modular.ts for the modular executor), and what both models share: turning modelled
// block times into points, the preflight's gaps and cost, timing a step, an unfitted model's words.
// Invariant: a model reports a thread count either as a point or as a gap that says why.

import { MACHINE_NOT_CHARGED, MACHINE_SLOWDOWN, SLOWER_AT_TWO } from '../reports/fit.js';
import { ceilingsWords } from '../reports/cores.js';
import type { Block } from '../spec/block.js';
import { plural } from '../spec/plural.js';
import { contendedBlock } from '../impl/preflight.js';
import { median } from '../reports/stats.js';

export interface SimulatedPoint {
  workload: string;
  executor: string;
  threads: number;
  speedup: number;
  model: string;
  /**
   * Whether fitTransfer fitted against a measured 2-thread run: false only where it could not (no
   * usable 2-thread run, or the probe failed), and the model, charging no handover, is optimistic.
   * True does not mean a cost was fitted: a model slower than the 2-thread run at no cost charges
   * none and may be pessimistic, and one still faster at the largest cost is charged that and is
   * optimistic; `model` says which.
   */
  handoverFitted: boolean;
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
  /** The executor's measured 2-thread median, where it ran in parallel at 2 threads; else `unfitted` says why not. */
  readonly twoMs?: number;
  readonly unfitted?: string;
  /** What the preflight's check costs the main thread from 2 threads on (preflightCost), timed once per block for every model. */
  readonly preflightMs: number;
  /** Each transaction's VM time: its share of the block's gas, of seqMs. */
  readonly txMs: Float64Array;
  readonly threads: readonly number[];
  /** The VM cost, in words, for the model's description. */
  readonly vm: string;
  /** How much slower each thread computes when `threads` run at once (machineSlowdown); absent: not at all. */
  readonly slowdown?: MachineSlowdown;
}

/** The machine's ceilings at the thread counts the sweep measured (bench/ceiling.ts): what T threads of plain sequential work reach over one. */
export interface MeasuredCeiling {
  readonly threads: number;
  readonly ratio: number;
}

/**
 * How much slower a thread computes with `threads` running at once than alone, for the models to
 * charge every worker's work, and its words for a model's description. The ceiling at T threads
 * (T workers each on a T-th of a block, nothing shared) is ratio = T / slowdown on equal cores, so
 * a machine whose cores slow each other down (memory, a shared cache, the clock, SMT siblings)
 * shows in the ceiling and not as handovers: without it, a model's fit puts that loss on the cache
 * lines or lanes that move between workers, and scales it with their count at more threads.
 * Between two thread counts measured the lower one's slowdown holds, and above the highest it is
 * held (nothing more is known: where memory or a shared cache saturates with more cores, those
 * predictions are optimistic); it never falls as threads rise; below the lowest, and at 1 thread,
 * there is none. On unequal cores (`unequalCores`: why, from the core probes) the ceiling's fixed
 * parts wait for the slowest core, which an executor handing out work as it goes does not, so
 * nothing is charged and the words say why.
 */
export interface MachineSlowdown {
  readonly at: (threads: number) => number;
  readonly words: string;
}

export function machineSlowdown(ceilings: readonly MeasuredCeiling[], unequalCores?: string): MachineSlowdown | undefined {
  const measured = ceilings.filter((c) => Number.isFinite(c.ratio) && c.ratio > 0).sort((a, b) => a.threads - b.threads);
  if (measured.length === 0) return undefined;
  if (unequalCores !== undefined) return { at: () => 1, words: `${MACHINE_NOT_CHARGED} (${ceilingsWords(measured)}): ${unequalCores}` };
  // A ceiling above T (noise on a quiet machine) is no speed-up of each thread; nor does a thread get faster as more run.
  let most = 1;
  const steps = measured.map((c) => ({ threads: c.threads, ratio: c.ratio, slowdown: (most = Math.max(most, c.threads / c.ratio)) }));
  const at = (threads: number): number => steps.filter((c) => c.threads <= threads).at(-1)?.slowdown ?? 1;
  const top = steps.at(-1)!;
  const each = steps.map((c) => `${c.slowdown.toFixed(2)}x at ${c.threads} (ceiling ${c.ratio.toFixed(2)}x)`).join(', ');
  return { at, words: `${MACHINE_SLOWDOWN}: ${each}, held at ${top.slowdown.toFixed(2)}x above ${top.threads} threads` };
}

/** Each transaction's time scaled by the slowdown `s` (the array itself when s is 1). */
export function slowed(txMs: Float64Array, s: number): Float64Array {
  return s === 1 ? txMs : txMs.map((ms) => ms * s);
}

/**
 * A model's costs at `threads`: the machine's slowdown there (input.slowdown; 1 without one) and
 * each transaction's time stretched by it, made once per thread count, since a fit runs the
 * 2-worker model many times.
 */
export function costsAt(input: Pick<ModelInput, 'txMs' | 'slowdown'>): (threads: number) => { readonly slow: number; readonly txMs: Float64Array } {
  const made = new Map<number, { readonly slow: number; readonly txMs: Float64Array }>();
  return (threads) => {
    let costs = made.get(threads);
    if (!costs) {
      const slow = input.slowdown?.at(threads) ?? 1;
      made.set(threads, (costs = { slow, txMs: slowed(input.txMs, slow) }));
    }
    return costs;
  };
}

/** Calls of a main-thread step that warm it up before medianTime times it, and the calls it times. */
const WARM_CALLS = 20;
const TIMED_CALLS = 20;

/**
 * The median time of `f` over TIMED_CALLS calls after WARM_CALLS that warm it up, in ms. It is a
 * model's serial term, which caps every prediction above a few threads: with 3 calls to warm up
 * and 5 timed, Block-STM's setup on p2p 10,000 x 10,000 timed 1.59 ms against 0.62-0.73 ms in
 * the same process (its code not yet optimised); two bench runs in a row timed it at 4.35 and
 * 0.99 ms, and predicted 6.5x and 16x at 64 threads.
 */
export function medianTime(f: () => void): number {
  const times: number[] = [];
  for (let r = 0; r < WARM_CALLS + TIMED_CALLS; r++) {
    const started = performance.now();
    f();
    if (r >= WARM_CALLS) times.push(performance.now() - started);
  }
  return median(times);
}

/** One executor's predictions on one workload; why it has none at all (`gaps`), or none at some thread counts (`threadGaps`). */
export interface Predictions {
  readonly points: SimulatedPoint[];
  readonly gaps: string[];
  readonly threadGaps: ThreadGap[];
}

/**
 * Thread counts an executor has no prediction at, and why: the reason kept apart from its words so
 * that executors sharing it at the same thread counts share one line (gapLines), as both do where
 * the shared preflight sends a block to the sequential executor.
 */
export interface ThreadGap {
  readonly id: string;
  readonly threads: readonly number[];
  readonly executor: string;
  /** `detail`: the block's transactions; the preflight's reason; the model run's failure. */
  readonly kind: 'more threads than transactions' | 'sequential' | 'failed';
  readonly detail: string;
}

/** Groups in order of first appearance. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}

/** One line per reason: an executor's thread counts with the same reason together, then the executors with the same reason at the same thread counts. */
export function gapLines(gaps: readonly ThreadGap[]): string[] {
  const reason = (g: ThreadGap) => `${g.id}\0${g.kind}\0${g.detail}`;
  const perExecutor = groupBy(gaps, (g) => `${reason(g)}\0${g.executor}`)
    .map((group) => ({ ...group[0]!, threads: group.flatMap((g) => g.threads).sort((a, b) => a - b) }));
  return groupBy(perExecutor, (g) => `${reason(g)}\0${g.threads.join()}`).map((group) => {
    const g = group[0]!;
    const who = group.map((e) => e.executor).join(' and ');
    const at = `${g.id} at ${g.threads.join(', ')} threads: `;
    if (g.kind === 'more threads than transactions') return `${at}more threads than the block's ${plural(Number(g.detail), 'transaction')}, so ${who} ${group.length > 1 ? 'are' : 'is'} not predicted there`;
    if (g.kind === 'sequential') return `${at}${who} run${group.length > 1 ? '' : 's'} it on the sequential executor (${g.detail})`;
    return `${at}${who}: ${g.detail}`;
  });
}

/**
 * An executor's points on a workload at each thread count: `makespanAt(t)` is the modelled block
 * time in ms, or why there is none; `modulesAt(t)` the lanes where the executor has modules. From
 * 2 threads on the shared preflight (impl/preflight.ts) either sends the block to the sequential
 * executor (those thread counts are one gap) or costs its check, which is added here. Thread
 * counts above the block's transactions are one gap too: there is no work for the extra threads.
 */
export function predictEach(
  { id, block, seqMs, threads, preflightMs }: ModelInput, executor: string, model: { readonly words: string; readonly handoverFitted: boolean },
  makespanAt: (threads: number) => number | string, modulesAt?: (threads: number) => number,
): Predictions {
  const points: SimulatedPoint[] = [];
  const threadGaps: ThreadGap[] = [];
  const txs = block.txs.length;
  const tooMany = threads.filter((t) => t > Math.max(1, txs));
  if (tooMany.length > 0) threadGaps.push({ id, threads: tooMany, executor, kind: 'more threads than transactions', detail: String(txs) });
  const reason = contendedBlock(block);
  const serial = reason === null ? [] : threads.filter((t) => t > 1 && !tooMany.includes(t));
  if (serial.length > 0) threadGaps.push({ id, threads: serial, executor, kind: 'sequential', detail: reason! });
  const parallel = threads.filter((t) => !tooMany.includes(t) && !serial.includes(t));
  for (const t of parallel) {
    const ms = makespanAt(t);
    if (typeof ms === 'string') threadGaps.push({ id, threads: [t], executor, kind: 'failed', detail: ms });
    else {
      points.push({
        workload: id, executor, threads: t, speedup: seqMs / (ms + (t > 1 ? preflightMs : 0)), model: model.words, handoverFitted: model.handoverFitted,
        ...(modulesAt ? { modules: modulesAt(t) } : {}),
      });
    }
  }
  return { points, gaps: [], threadGaps };
}

/** What the preflight's check (impl/preflight.ts) costs the main thread from 2 threads on, in ms, as `time` times it; 0 for a block it sends to the sequential executor. */
export function preflightCost(block: Block, time: (step: () => void) => number): number {
  return contendedBlock(block) === null ? time(() => contendedBlock(block)) : 0;
}

/** Says, in a model's description, that its operation cost could not be fitted (it is 0). */
export function unfitted(modelMs: number, measuredMs: number): string {
  return `(not fitted: even at no cost the model takes ${modelMs.toFixed(2)} ms at 1 thread, above the measured ${measuredMs.toFixed(2)} ms, so it charges nothing for synchronisation and is optimistic at more threads)`;
}

/** A 2-worker run of a model at a given cost per handover: its block time (ms) and handovers, or why it failed. */
type TransferProbe = (transferMs: number) => { ms: number; transfers: number; where?: string } | string;

/** The transfer cost first tried when fitting: about what one costs between two cores of one socket. */
const FIRST_TRANSFER_MS = 100e-6;
/** The highest transfer cost a fit may give: a microsecond is more than a cross-socket miss. */
const MAX_TRANSFER_MS = 1e-3;
/** A fit stops within this share of the measured 2-thread time, or after FIT_PROBES runs past the bracket. */
const FIT_TOLERANCE = 0.01;
const FIT_PROBES = 6;

/**
 * The cost of one `handover` (Block-STM: a cache line taken from another worker, bench/coherence.ts;
 * modular: a slot or lane taken over) at which the 2-worker model takes `twoMs`, the executor's
 * measured 2-thread median, with its words for the model's description. The model's block time
 * rises with that cost, nearly in proportion, so regula falsi (Illinois) between no cost and a
 * cost found by doubling fits it within FIT_TOLERANCE in a few runs. It is 0, and the words say
 * why, without a parallel 2-thread measurement or when the model at no cost is already as slow
 * as the measurement. `beside`: a figure to read the fitted cost against, added to the words.
 */
export function fitTransfer(
  probe: TransferProbe, twoMs: number | undefined, txs: number, handover: string, beside?: string, unfittedWhy = 'no parallel 2-thread measurement',
): { ms: number; words: string; fitted: boolean } {
  const none = (why: string, fitted: boolean) => ({ ms: 0, words: `no cost per ${handover} (${why})`, fitted });
  if (twoMs === undefined) return none(`not fitted: ${unfittedWhy}, so the model is optimistic at more threads`, false);
  const failed = (why: string) => none(`not fitted: the 2-worker run failed: ${why}`, false);
  const free = probe(0);
  if (typeof free === 'string') return failed(free);
  // Nothing fitted there, and the model matches no measurement: the report marks it pessimistic (reports/fit.ts).
  if (free.ms >= twoMs) return none(`${SLOWER_AT_TWO}, so it may be pessimistic: the model takes ${free.ms.toFixed(2)} ms at 2 threads against the measured ${twoMs.toFixed(2)} ms`, true);
  let lo = { cost: 0, gap: free.ms - twoMs };
  let hi = { cost: FIRST_TRANSFER_MS, gap: 0 };
  let best = { cost: 0, transfers: free.transfers, where: free.where, gap: Infinity };
  const measure = (cost: number): number | string => {
    const at = probe(cost);
    if (typeof at === 'string') return at;
    const gap = at.ms - twoMs;
    if (Math.abs(gap) < Math.abs(best.gap)) best = { cost, transfers: at.transfers, where: at.where, gap };
    return gap;
  };
  for (;;) {
    const gap = measure(hi.cost);
    if (typeof gap === 'string') return failed(gap);
    hi.gap = gap;
    if (gap >= 0) break;
    if (hi.cost >= MAX_TRANSFER_MS) {
      // Charging nothing would be the most optimistic choice left; the most the fit allows is the nearest to what was measured.
      return {
        ms: MAX_TRANSFER_MS,
        fitted: true,
        words: `${(MAX_TRANSFER_MS * 1e6).toFixed(0)} ns per ${handover}, the most a fit gives (the measured 2-thread ${twoMs.toFixed(2)} ms is slower than the 2-worker model even at that cost, ${(twoMs + gap).toFixed(2)} ms: the model is optimistic)`,
      };
    }
    lo = { ...hi };
    hi = { cost: Math.min(MAX_TRANSFER_MS, 2 * hi.cost), gap: 0 };
  }
  let side = 0;
  for (let probes = 0; probes < FIT_PROBES && Math.abs(best.gap) > FIT_TOLERANCE * twoMs; probes++) {
    const cost = hi.cost - (hi.gap * (hi.cost - lo.cost)) / (hi.gap - lo.gap);
    const gap = measure(cost);
    if (typeof gap === 'string') return failed(gap);
    if (gap >= 0) {
      hi = { cost, gap };
      if (side === 1) lo.gap /= 2;
      side = 1;
    } else {
      lo = { cost, gap };
      if (side === -1) hi.gap /= 2;
      side = -1;
    }
  }
  return {
    ms: best.cost,
    fitted: true,
    words: `${(best.cost * 1e6).toFixed(0)} ns per ${handover} (fitted to the measured 2-thread ${twoMs.toFixed(2)} ms; ${(best.transfers / Math.max(1, txs)).toFixed(1)} per transaction at 2 workers${best.where ? `, most in ${best.where}` : ''}${beside ? `; ${beside}` : ''})`,
  };
}
