// Reading a per-core speed probe (bench/core-speeds.ts): what unequal cores allow. The ceiling at
// t threads is the sum of the t fastest cores' speeds over the fastest core's: what t workers
// could do at best over one worker on the fastest core, before any executor overhead or sharing.
// A baseline that the scheduler happened to run on a slower core can be beaten by more. The
// cache-line round trip between cores (bench/core-latency.ts) prices what workers share. The
// machine's measured ceiling (bench/ceiling.ts) is what t workers sharing nothing reached at once.

import type { CoreProbeRecord, ResultsFile } from './schema.js';
import { median } from './stats.js';
import { plural } from '../spec/plural.js';

/** A core this much slower than the fastest (or more) makes the cores "unequal" in warnings. */
export const UNEQUAL_CORES = 0.9;

/** The end probe of a --quick run (cli/bench.ts), which probes the cores before the sweep alone: the report says so where it names the method. */
export const QUICK_CORES_AT_END: Extract<CoreProbeRecord, { unavailable: string }> = { unavailable: 'a --quick run probes the cores before the sweep alone' };

export type CoreSpeedsRecord = Extract<CoreProbeRecord, { speeds: unknown }>['speeds'];

export function coreCeiling(relative: readonly number[], threads: number): number {
  const fastestFirst = [...relative].sort((a, b) => b - a);
  let sum = 0;
  for (let i = 0; i < Math.min(threads, fastestFirst.length); i++) sum += fastestFirst[i]!;
  return sum;
}

/** "cpu0 0.59, cpu1 1.00" (the fastest is 1). */
export function coreSpeedsText(speeds: CoreSpeedsRecord): string {
  return speeds.cpus.map((c, i) => `cpu${c} ${speeds.relative[i]!.toFixed(2)}`).join(', ');
}

/**
 * "cache-line round trip cpu0-cpu1 450 ns", or over many pairs "cache-line round trips from cpu0
 * to the 63 others: median 180 ns, 120-460 ns"; null where none was measured.
 */
export function crossCoreText(speeds: CoreSpeedsRecord): string | null {
  const c = speeds.crossCore;
  if (!c) return null;
  const ns = c.roundTripNs;
  if (ns.length === 1) return `cache-line round trip cpu${c.pairs[0]![0]}-cpu${c.pairs[0]![1]} ${ns[0]!.toFixed(0)} ns`;
  return `cache-line round trips from cpu${c.pairs[0]![0]} to the ${ns.length} others: median ${median(ns).toFixed(0)} ns, ${Math.min(...ns).toFixed(0)}-${Math.max(...ns).toFixed(0)} ns`;
}

export function probeText(probe: CoreProbeRecord): string {
  if (!('speeds' in probe)) return `not measured: ${probe.unavailable}`;
  const crossCore = crossCoreText(probe.speeds);
  return crossCore === null ? coreSpeedsText(probe.speeds) : `${coreSpeedsText(probe.speeds)}; ${crossCore}`;
}

/** One pair of CPUs' cache-line round trip (bench/core-latency.ts) at the start and the end of a sweep. */
export interface CrossCoreMove {
  readonly pair: readonly [number, number];
  readonly startNs: number;
  readonly endNs: number;
}

/**
 * The pairs of CPUs both probes timed whose round trip at one end of the sweep was more than
 * `factor` times the other end's, in the start probe's order.
 */
export function movedCrossCore(start: CoreProbeRecord, end: CoreProbeRecord, factor: number): CrossCoreMove[] {
  const [a, b] = [start, end].map((p) => ('speeds' in p ? p.speeds.crossCore : undefined));
  if (!a || !b) return [];
  return a.pairs.flatMap((pair, i) => {
    const j = b.pairs.findIndex((q) => q[0] === pair[0] && q[1] === pair[1]);
    if (j < 0) return [];
    const [startNs, endNs] = [a.roundTripNs[i]!, b.roundTripNs[j]!];
    return Math.max(startNs, endNs) / Math.min(startNs, endNs) > factor ? [{ pair, startNs, endNs }] : [];
  });
}

/** Whether some core ran below UNEQUAL_CORES of the fastest. */
export function unequal(probe: CoreProbeRecord): boolean {
  return 'speeds' in probe && Math.min(...probe.speeds.relative) < UNEQUAL_CORES;
}

/**
 * "1.88x at 2 threads, 3.50x at 4 threads": ceilings as every message words them, the machine's
 * measured ones (ResultsFile['ceilings'], bench/ceiling.ts) as those the core speeds allow.
 */
export function ceilingsWords(ceilings: readonly { readonly threads: number; readonly ratio: number }[]): string {
  return ceilings.map((c) => `${c.ratio.toFixed(2)}x at ${plural(c.threads, 'thread')}`).join(', ');
}

export type CeilingRecord = NonNullable<ResultsFile['ceilings']>[number];

/** A ceiling measured this much higher at one end of the sweep than at the other (or more) moved during it. */
export const CEILING_DRIFT = 1.15;

/**
 * The ceiling the models charge and the verdicts read: the mean of the measurements before and
 * after the sweep where both were taken, since its rounds ran somewhere between the two.
 */
export function ceilingRatio(c: CeilingRecord): number {
  return c.end ? (c.ratio + c.end.ratio) / 2 : c.ratio;
}

/**
 * The ceiling runs at `threads` read beside, as ceilingRatio gives it: the one measured at
 * `threads`, or at the machine's `cores` where `threads` is above them (their threads shared the
 * cores, and bench measures the ceiling there for them); null where none was measured.
 */
export function ceilingFor(ceilings: readonly CeilingRecord[] | undefined, threads: number, cores: number): { threads: number; ratio: number } | null {
  const c = ceilings?.find((x) => x.threads === Math.min(threads, cores));
  return c ? { threads: c.threads, ratio: ceilingRatio(c) } : null;
}

/** How bench and the report word CEILING_DRIFT. */
export const CEILING_DRIFT_WORDS = `more than ${Math.round((CEILING_DRIFT - 1) * 100)}%`;

/** The ceilings that moved during the sweep: one end's measurement above the other's by more than CEILING_DRIFT. */
export function movedCeilings(ceilings: readonly CeilingRecord[]): CeilingRecord[] {
  return ceilings.filter((c) => c.end !== undefined && Math.max(c.ratio, c.end.ratio) / Math.min(c.ratio, c.end.ratio) > CEILING_DRIFT);
}

/** "1.75x at 2 threads (1.90x before the sweep, 1.60x after)", or "1.73x at 2 threads" from a file with one measurement. */
export function recordedCeilingsWords(ceilings: readonly CeilingRecord[]): string {
  return ceilings.map((c) => `${ceilingsWords([{ threads: c.threads, ratio: ceilingRatio(c) }])}${c.end ? ` (${c.ratio.toFixed(2)}x before the sweep, ${c.end.ratio.toFixed(2)}x after)` : ''}`).join(', ');
}

/** "1.59x at 2 threads, ..." for the thread counts given (capped at the cores measured). */
export function ceilingsText(speeds: CoreSpeedsRecord, threads: readonly number[]): string {
  return ceilingsWords(threads.map((t) => ({ threads: t, ratio: coreCeiling(speeds.relative, t) })));
}
