// Why one of block-stm and modular won (or neither did), one partition of modular over another, or
// a user's engine over another executor, in one sentence built from the recorded numbers:
// fallbacks with their reasons (and, where the preflight sent away a block with room for
// parallelism, why it did), Block-STM's re-executions and failed validations, modular's
// cross-module share, lane imbalance and cross-lane waits (each partition's own), an engine's
// re-executions, failed validations and own counters as it reported them (quoted, never
// interpreted: their meaning is the engine's), the block's ideal bound, and how noisy the samples
// were. Executor statistics come from the run's `detail`, read by the names the executors report;
// a results file without it says so instead of guessing, and an engine that reported none is said
// to give nothing to say why.
// Invariant: every number quoted is read from (or divided out of) the results file, and each
// clause appears only when the data for it is present.

import { median, RECOMMENDED_SAMPLES } from './stats.js';
import { roundMedians, unsteadyMark, type Row } from './summary.js';
import { BLOCK_STM, MODULAR, TIE_BELOW, type Judgement, type Match } from './verdict.js';
import { partitionWinner, type PartitionMatch } from './partition-verdict.js';
import { plural } from '../spec/plural.js';
import type { EngineMatch } from './engine-verdict.js';
import { meanText, ownCounters } from './executor-stats.js';

/**
 * How a fallback reason the preflight wrote begins (impl/preflight.ts writes `preflight: ...` into
 * stats.fallback). Kept here, not imported: reports/ reads results files and depends on no
 * executor code (test/report-verdict.test.ts holds the two equal).
 */
export const PREFLIGHT_REASON = 'preflight';

/**
 * Events per transaction (re-executions, failed validations, cross-lane waits) from which they are
 * called a real cost: each costs about a transaction's work, so at one in ten they add ~10% to the
 * block, more than the few percent block times drift between runs; below it they are noise.
 */
export const NOTABLE_PER_TX = 0.1;
/** Cross-module shares at or below this are "few" (nearly every lane runs on its own) ... */
export const LOW_CROSS_SHARE = 0.1;
/** ... and at or above this the usual case: at least half the transactions are ordered across lanes. */
export const HIGH_CROSS_SHARE = 0.5;
/** A share of planning windows with a hot lane from which it is mentioned: then it is the usual case, not an accident. */
export const HOT_WINDOW_SHARE = 0.5;
/**
 * An ideal speedup at or below this means the block is essentially one dependency chain: no
 * schedule gains more than 10%, which is within what executor overheads cost.
 */
export const CHAIN_IDEAL = 1.1;
/** Two shares of a lead (its logarithm) within this fraction of the larger are "about even". */
export const SAME_SHARE = 0.2;
/** Both speedups below this fraction of the ideal: the executors, not the block's dependencies, limit them. */
export const FAR_BELOW_IDEAL = 0.5;
/**
 * A share of busy samples from which a verdict is flagged as rough: across both executors and the
 * baseline, or in one run alone (one busy round of five moves that run's median, and so the
 * verdict, while the three runs together stay under the first share).
 */
export const NOISY_BUSY_SHARE = 0.25;
/**
 * A share of a block's median time from which modular's partitioner (placing the block's keys in
 * modules, on the main thread before any lane runs: `partitionMs`) is named as a cost: the
 * affinity partitioner builds a co-occurrence graph of the block's keys, hash costs nothing.
 */
export const NOTABLE_PARTITION_SHARE = 0.05;
const NOISY_RUN_BUSY_SHARE = 0.1;

/** A tie's line in words, as the verdicts draw it (verdict.ts TIE_BELOW). */
const TIE_WORDS = `${Math.round(TIE_BELOW * 100)}%`;
/**
 * A block whose ideal is below this share of the threads (or cores) caps a tie's two where the
 * faster reaches NEAR_IDEAL of that ideal: its dependencies, not the executors, hold them back. A
 * tie far below its ideal is held back by the executors' own costs, whatever the ideal.
 */
const CAPPED_BELOW = 0.95;
const NEAR_IDEAL = 0.8;

export const pct = (v: number) => `${v < 0.1 && v > 0 ? (v * 100).toFixed(1) : Math.round(v * 100)}%`;
/** A rate: two decimals, or one significant digit when it is smaller than 0.1 (0.004, not 0.00). */
const rate = (v: number) => (v === 0 ? '0' : v >= 0.1 ? v.toFixed(2) : String(Number(v.toPrecision(1))));
const times = (v: number) => `${v.toFixed(2)}x`;
const msText = (v: number) => `${v.toFixed(2)} ms`;
/** A ratio as `times` prints it, so that one compared with another agrees with what the reader sees. */
const shown = (v: number) => Number(v.toFixed(2));

function fallbackFact(row: Row): string | null {
  if (row.fallback === '') return null;
  const share = row.run.fallbackShare;
  return `${row.executor} fell back to sequential execution${share === undefined ? '' : ` on ${pct(share)} of its blocks`} (${row.fallback})`;
}

/** True when every block fell back (or some did and the file does not say how many): then the parallel counters describe aborted attempts only. */
function allFellBack(row: Row): boolean {
  const share = row.run.fallbackShare;
  return row.fallback !== '' && (share === undefined || share >= 1);
}

/**
 * Why the preflight sent every block of a run to the sequential executor although the block's
 * ideal is above the sequential pace; null for other runs. The two judge different things: the
 * ideal reads the reference run's values, the preflight only the declared footprints.
 */
export function preflightGap(row: Row): string | null {
  if (!allFellBack(row) || !row.fallback.startsWith(`${PREFLIGHT_REASON}:`) || row.ideal === null || row.ideal <= CHAIN_IDEAL) return null;
  return 'the preflight judges from declared footprints before any value is known, so it keeps in block order every pair of accesses to one key '
    + 'that does not always commute, bounded delta-adds included (they commute only when every bound check passes in either order), '
    + 'while the ideal checks that headroom on the reference run\'s values and lets such delta-adds run in any order';
}

function blockStmFacts(row: Row, txs: number): string[] {
  const facts: string[] = [];
  const fallback = fallbackFact(row);
  if (fallback) facts.push(fallback);
  if (allFellBack(row)) return facts;
  const re = row.reExecutionsPerTx;
  const failed = row.failedValidationsPerTx;
  const waits = row.run.detail?.estimateWaits;
  const waitText = waits !== undefined && waits > 0 && txs > 0 ? `, waiting on an estimate ${rate(waits / txs)} times per transaction` : '';
  // The rates are over every timed block, and a block that fell back counts only what it ran in
  // parallel before (a contention check stops within the first eighth of the block, before
  // re-executions count, impl/blockstm/executor.ts; a preflight runs none), so they dilute the
  // parallel blocks' rates: over those alone, the rates are at most these over the parallel share.
  const share = row.run.fallbackShare ?? 0;
  const parallel = 1 - share;
  if (share > 0 && share < 1) {
    const [reAt, failedAt] = [re / parallel, failed / parallel];
    const over = `over all its blocks, the ${pct(share)} that fell back counting only what they ran in parallel before falling back`;
    if (reAt >= NOTABLE_PER_TX || failedAt >= NOTABLE_PER_TX) {
      facts.push(`${row.executor} re-executed ${rate(re)} and failed ${rate(failed)} validations per transaction ${over}${waitText}`);
    } else {
      facts.push(`on the blocks it ran in parallel ${row.executor} met few conflicts (at most ${rate(reAt)} re-executions per transaction there: ${rate(re)} ${over}${waitText})`);
    }
  } else if (re >= NOTABLE_PER_TX || failed >= NOTABLE_PER_TX) {
    facts.push(`${row.executor} re-executed ${rate(re)} and failed ${rate(failed)} validations per transaction${waitText}`);
  } else {
    facts.push(`${row.executor} met few conflicts (${rate(re)} re-executions per transaction${waitText})`);
  }
  return facts;
}

function modularFacts(row: Row, txs: number, threads: number): string[] {
  const facts: string[] = [];
  const fallback = fallbackFact(row);
  if (fallback) facts.push(fallback);
  const d = row.run.detail;
  if (d === undefined) {
    facts.push(`${row.executor}'s own statistics (cross-module share, lane imbalance) are not in this results file`);
    return facts;
  }
  const imbalance = d.laneImbalance === undefined ? null : `lane imbalance ${d.laneImbalance.toFixed(2)}`;
  const cross = d.crossShare;
  if (cross !== undefined) {
    const figures = [`cross-module share ${pct(cross)}`, ...(imbalance ? [imbalance] : [])].join(', ');
    if (cross <= LOW_CROSS_SHARE) facts.push(`few of ${row.executor}'s transactions crossed modules (${figures})`);
    else if (cross >= HIGH_CROSS_SHARE) facts.push(`${pct(cross)} of ${row.executor}'s transactions spanned several modules, which orders them against other lanes${imbalance ? ` (${imbalance})` : ''}`);
    else facts.push(`${row.executor}'s ${figures}`);
  } else if (imbalance) {
    facts.push(`${row.executor}'s ${imbalance}`);
  }
  // The imbalance is over the lanes a block can fill, min(M, transactions) (over M before
  // 2026-12-01: the same for every block with at least M transactions, as a benchmark's are), so
  // the heaviest lane carries imbalance / lanes of the gas and the lanes run at best lanes / imbalance times faster than one.
  const lanes = d.modules === undefined ? undefined : txs > 0 ? Math.min(d.modules, txs) : d.modules;
  if (lanes !== undefined && d.laneImbalance !== undefined && d.laneImbalance > 0 && lanes / d.laneImbalance < threads) {
    facts.push(`${row.executor}'s heaviest lane carried ${pct(d.laneImbalance / lanes)} of the gas, so its lanes allow at most ${times(lanes / d.laneImbalance)}`);
  }
  if (d.crossWaits !== undefined && txs > 0 && d.crossWaits / txs >= NOTABLE_PER_TX) {
    facts.push(`${row.executor}'s lanes stopped to wait on another lane ${rate(d.crossWaits / txs)} times per transaction`);
  }
  if (d.hotLaneWindows !== undefined && d.windows !== undefined && d.windows > 0 && d.hotLaneWindows / d.windows >= HOT_WINDOW_SHARE) {
    facts.push(`in ${pct(d.hotLaneWindows / d.windows)} of ${row.executor}'s windows one lane held most transactions (a hot spot, run in block order)`);
  }
  if (d.barriers !== undefined && d.barriers > 0) facts.push(`${row.executor} ran ${rate(d.barriers)} footprint-less transactions per block alone, as barriers`);
  if (d.undeclaredAccesses !== undefined && d.undeclaredAccesses > 0) facts.push(`${row.executor} met ${rate(d.undeclaredAccesses)} undeclared accesses per block`);
  if (d.partitionMs !== undefined && row.medianMs > 0 && d.partitionMs / row.medianMs >= NOTABLE_PARTITION_SHARE) {
    facts.push(`${row.executor}'s partitioner took ${msText(d.partitionMs)} of its ${msText(row.medianMs)} block on the main thread, before any lane ran`);
  }
  return facts;
}

/** Where the ideal of two runs at `threads` was taken: min(threads, cores) (summary.ts), said as such. */
function idealAt(threads: number, r: Row): { readonly at: number; readonly where: string } {
  const at = Math.min(threads, r.cores);
  return { at, where: at === threads ? `${threads} threads` : `the machine's ${at} cores` };
}

function boundFact(m: Match): string | null {
  return pairBoundFact(m.threads, m.blockStm, m.modular);
}

/** boundFact of any two runs of one workload at one thread count. */
function pairBoundFact(threads: number, a: Row, b: Row): string | null {
  const ideal = a.ideal;
  const { at, where } = idealAt(threads, a);
  // At 1 the ideal is 1 for every block: it says nothing about the block.
  if (ideal === null || at === 1) return null;
  if (ideal <= CHAIN_IDEAL) {
    return `the block is essentially one dependency chain (ideal ${times(ideal)} at ${where}), so neither can beat the sequential executor by much`;
  }
  if (Math.max(a.speedup, b.speedup) < FAR_BELOW_IDEAL * ideal) {
    return `both stay below half of the ${times(ideal)} the block's dependencies allow at ${where}: their own costs limit them, not the block`;
  }
  return null;
}

function preflightFact(m: Match): string | null {
  return pairPreflightFact(m.threads, m.blockStm, m.modular);
}

/** The ideal out of reach because the preflight sent the block to the sequential executor: it stands in for boundFact, whose reasons do not apply then. */
function pairPreflightFact(threads: number, a: Row, b: Row): string | null {
  const sent = [a, b].filter((r) => preflightGap(r) !== null);
  if (sent.length === 0) return null;
  return `the ideal ${times(a.ideal!)} at ${idealAt(threads, a).where} was out of reach because the preflight sent every block of ${sent.map((r) => r.executor).join(' and ')} `
    + `to the sequential executor: ${preflightGap(sent[0]!)}`;
}

/** `rows`: the two runs judged, then their baseline. */
function noiseFact(rows: readonly Row[]): string | null {
  const samples = rows.reduce((s, r) => s + r.samples, 0);
  const busy = rows.reduce((s, r) => s + r.busySamples, 0) / samples;
  const fewest = Math.min(...rows.map((r) => r.samples));
  const busyRuns = rows.filter((r) => r.samples > 0 && r.busySamples / r.samples >= NOISY_RUN_BUSY_SHARE);
  const why = [
    ...(busy >= NOISY_BUSY_SHARE ? [`${pct(busy)} of these samples ran on a busy machine`]
      : busyRuns.map((r) => `${pct(r.busySamples / r.samples)} of ${r.executor}'s samples ran on a busy machine`)),
    ...(fewest < RECOMMENDED_SAMPLES ? [`only ${fewest} samples in a run`] : []),
  ];
  return why.length === 0 ? null : `⚠ ${why.join(' and ')}: a rough verdict`;
}

/**
 * A run's block time as the rounds saw it: the median of its rounds' medians where the file names
 * rounds, else of its samples. Pooled samples lean to the fast rounds, which tinybench fills with
 * more samples; runs at two thread counts are timed at different times, so their rounds cannot be
 * paired as a speedup's are.
 */
function blockMs(r: Row): number {
  return median(roundMedians(r.run) ?? r.run.samplesMs);
}

/**
 * A change in the baseline's block time between the 1-thread and the T-thread runs from which it
 * is named: below it, the drift between runs that every comparison here carries.
 */
export const BASELINE_MOVED = 0.05;

/**
 * Two runs judged at one thread count, whichever executors they are (block-stm and modular,
 * verdict.ts; a user's engine and another, engine-verdict.ts), as leadSplit reads them.
 */
export interface Paired {
  readonly threads: number;
  readonly first: Row;
  readonly second: Row;
  readonly baseline: Row;
  readonly winner: Judgement['winner'];
}

/** A block-stm/modular match as a pair, block-stm first. */
function paired(m: Match): Paired {
  return { threads: m.threads, first: m.blockStm, second: m.modular, baseline: m.baseline, winner: m.outcome === BLOCK_STM ? 'first' : m.outcome === MODULAR ? 'second' : m.outcome };
}

/**
 * The machine's ceiling a scaling at T threads reads beside (bench/ceiling.ts): the one at T, or,
 * where T is above the machine's cores, the one at the cores, which its threads shared.
 */
export interface CeilingAt {
  readonly threads: number;
  readonly ratio: number;
}

/**
 * The winner's lead at T threads split by thread count, where both also ran at 1 thread: each
 * executor's 1-thread speedup (what its own work per transaction costs beside the baseline's) and
 * its scaling, its own block time at 1 thread over its block time at T (how it parallelizes). The
 * speedup at T is about their product: the two speedups are over baselines timed apart, and each
 * is the median of per-round ratios, not a ratio of medians. The lead at T is about the product of
 * the two leads (the baseline cancels in each, as both executors share it). Where the 1-thread
 * verdict is a tie or goes the other way, the lead is the scaling; otherwise the larger of the two
 * leads names where it comes from, or both when they are within SAME_SHARE of each other.
 * `ceiling`: the machine's at T, or at its cores where T is above them, beside which a scaling
 * reads. Null for a tie, or where a run did not match the reference, stopped part-way, or ran the
 * sequential executor on every block (then both sides time the same code).
 */
export function leadSplit(one: Match | undefined, at: Match, ceiling: CeilingAt | null): string | null {
  return pairLeadSplit(one && paired(one), paired(at), ceiling);
}

type Side = 'first' | 'second';

/** Where a win at T comes from (its 1-thread cost, its scaling, or both), in words; null where pairLeadSplit splits none. */
function splitSource(one: Paired | undefined, at: Paired): { readonly one: Paired; readonly source: string } | null {
  if (!one || at.threads === 1 || (at.winner !== 'first' && at.winner !== 'second')) return null;
  const rows = [one.first, one.second, at.first, at.second];
  // A 1-thread run that stopped part-way has no whole run's speedup or block time to split by.
  if (rows.some((r) => !r.correct || r.stoppedBy !== null || allFellBack(r))) return null;
  const [winner, loser]: [Side, Side] = at.winner === 'first' ? ['first', 'second'] : ['second', 'first'];
  const scaling = (e: Side) => blockMs(one[e]) / blockMs(at[e]);
  const oneLead = Math.log(one[winner].speedup / one[loser].speedup);
  const scalingLead = Math.log(scaling(winner) / scaling(loser));
  const [won, lost] = [at[winner].executor, at[loser].executor];
  // An inconclusive 1-thread gap is read by its sign, and said to be one the test could not call.
  const unsure = one.winner === 'inconclusive' ? ' (at 1 thread the gap is inconclusive)' : '';
  const source = one.winner === 'tie' ? `${won}'s lead is how it scales (at 1 thread the two tie)`
    : one.winner === loser ? `${won}'s lead is how it scales (at 1 thread ${lost} wins)`
    : unsure && oneLead <= 0 ? `${won}'s lead is how it scales (at 1 thread ${lost} is ahead, inconclusively)`
    : scalingLead <= 0 ? `${won}'s lead is its cost per transaction (it scales no better)${unsure}`
    : Math.abs(oneLead - scalingLead) <= SAME_SHARE * Math.max(oneLead, scalingLead) ? `${won}'s lead comes from both, about evenly${unsure}`
    : oneLead > scalingLead ? `most of ${won}'s lead comes from its cost per transaction${unsure}` : `most of ${won}'s lead comes from how it scales${unsure}`;
  return { one, source };
}

/** leadSplit of any two executors' runs, `first` named first. */
export function pairLeadSplit(maybeOne: Paired | undefined, at: Paired, ceiling: CeilingAt | null): string | null {
  const split = splitSource(maybeOne, at);
  if (split === null) return null;
  const { one, source } = split;
  // Each by its row's label: modular's names its partition where the file measured several.
  const name = (e: Side) => at[e].executor;
  const scaling = (e: Side) => blockMs(one[e]) / blockMs(at[e]);
  const notes = [
    `each one's own block time at 1 thread over its time at ${at.threads}`,
    ...(ceiling === null ? [] : [ceilingNote(ceiling, at.threads, (['first', 'second'] as const).filter((e) => shown(scaling(e)) > shown(ceiling.ratio)).map(name))]),
    ...baselineNote(one, at),
  ];
  return `${name(at.winner === 'first' ? 'first' : 'second')}'s lead, split: at 1 thread ${name('first')} ${times(one.first.speedup)}${unsteadyMark(one.first)} and ${name('second')} ${times(one.second.speedup)}${unsteadyMark(one.second)} (each one's cost per transaction beside the baseline's), `
    + `and from 1 to ${at.threads} threads ${name('first')} scales by ${times(scaling('first'))} and ${name('second')} by ${times(scaling('second'))} (${notes.join('; ')}): ${source}.`;
}

/**
 * The machine's ceiling at T (or at its cores, where T is above them), and why the executors named
 * in `above` (whose scaling reads above it as printed) could pass it: the ceiling is T workers
 * running the sequential executor on a T-th of a block each, so it bounds how that work scales, not
 * how an executor scales from its own 1-thread run (modular's, for one, plans each window before
 * running it there, and beside the lanes at more).
 */
function ceilingNote(ceiling: CeilingAt, threads: number, above: readonly string[]): string {
  const text = `the machine's ceiling${ceiling.threads < threads ? ` at its ${ceiling.threads} cores, which the ${threads} threads shared` : ''}: ${times(ceiling.ratio)}`;
  if (above.length === 0) return text;
  return `${text}, which ${above.join(' and ')} ${above.length === 1 ? 'passes' : 'pass'} without contradicting it: the ceiling is measured on the sequential executor's work split into parts, `
    + `and an executor at 1 thread can do in turn what its threads overlap at ${threads}, or do work that loses less to cores sharing the machine`;
}

/** The baseline's own change between the two runs, where it is BASELINE_MOVED or more: the speedups carry it, the scalings do not. */
function baselineNote(one: Paired, at: Paired): string[] {
  const moved = blockMs(at.baseline) / blockMs(one.baseline);
  if (Math.abs(moved - 1) < BASELINE_MOVED) return [];
  return [`the baseline ran ${pct(Math.abs(moved - 1))} ${moved > 1 ? 'slower' : 'faster'} beside the ${at.threads}-thread runs than beside the 1-thread ones, which the speedups at ${at.threads} threads carry and the scalings do not`];
}

/** Why two runs have no verdict, in short ("block-stm stopped part-way"), for where their reasons are not spelled out. */
export function unjudgedWhy(rows: readonly Row[]): string {
  return rows.flatMap((r) => [
    ...(r.correct ? [] : [`${r.executor} did not match the reference`]),
    ...(r.stoppedBy === null ? [] : [`${r.executor} stopped part-way`]),
  ]).join(' and ');
}

/**
 * A text cut into its clauses at the "; " that stand outside parentheses: a clause's own
 * parenthesis can hold "; " ("fitted to the measured 2-thread 3.06 ms; 12.2 per transaction").
 */
export function clauses(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && text.startsWith('; ', i)) {
      out.push(text.slice(start, i));
      start = i + 2;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** A reason's first clause without the figures in its parentheses ("(cross-module share 2.0% against 60%)"), which the full reasons give. */
function firstReason(full: string): string {
  return clauses(full.replace(/\.$/, ''))[0]!.replace(/ \([^()]*\d[^()]*\)/g, '').split('. ')[0]!;
}

/**
 * Why two runs' match came out as it did, in one short sentence for a verdict table's cell: where a
 * win comes from (leadSplit's conclusion, where `one` gives the 1-thread match), the sequential
 * executor that timed one side or both, the block's dependencies that cap a tie, a rough verdict
 * (busy machine or few samples), or else the first reason `full` gives, its figures left to `full`,
 * which the report gives under the table.
 */
export function pairShortWhy(one: Paired | undefined, at: Paired, full: string): string {
  const rows = [at.first, at.second];
  // An executor's name keeps its case at the start, as everywhere the report names it.
  const sentence = (s: string) => `${rows.some((r) => s.startsWith(r.executor)) ? s[0] : s[0]!.toUpperCase()}${s.slice(1)}.`;
  const kinds = (list: readonly Row[]) => [...new Set(list.map((r) => r.fallback.split(':')[0]))].join(', ');
  const rough = noiseFact([at.first, at.second, at.baseline]) === null ? '' : ' (⚠ a rough verdict: busy machine or few samples)';
  if (at.winner === 'no verdict') return sentence(`${unjudgedWhy(rows)}, so neither is judged`);
  if (at.winner === 'inconclusive') return sentence(`${TIE_WORDS} or more apart, but too few or too noisy rounds to tell that from noise${rough}`);
  const sequential = rows.filter(allFellBack);
  if (sequential.length === 2) return sentence(`both handed every block to the sequential executor (${kinds(sequential)}), so the same code ran twice`);
  const won = at.winner === 'first' ? at.first : at.winner === 'second' ? at.second : null;
  if (sequential.length === 1) {
    const [seq, other] = sequential[0] === at.first ? [at.first, at.second] : [at.second, at.first];
    return sentence(`${seq.executor} handed every block to the sequential executor (${kinds(sequential)})${won === seq ? `, which ran faster than ${other.executor} in parallel` : ''}${rough}`);
  }
  if (at.winner === 'tie') {
    const ideal = at.first.ideal;
    const { at: cores, where } = idealAt(at.threads, at.first);
    const capped = ideal !== null && cores > 1 && ideal < CAPPED_BELOW * cores && Math.max(at.first.speedup, at.second.speedup) >= NEAR_IDEAL * ideal;
    return sentence(`under ${TIE_WORDS} apart${capped ? `; the block's dependencies cap both (ideal ${times(ideal)} at ${where})` : ''}${rough}`);
  }
  const source = splitSource(one, at);
  return sentence(`${source ? source.source : firstReason(full)}${rough}`);
}

/** pairShortWhy of a block-stm/modular match, from explain()'s reasons. */
export function shortWhy(one: Match | undefined, m: Match): string {
  return pairShortWhy(one && paired(one), paired(m), explain(m));
}

/** The reasons behind a match, as one sentence. */
export function explain(m: Match): string {
  const txs = m.baseline.workload.txs;
  const facts = [
    ...[m.blockStm, m.modular].filter((r) => !r.correct).map((r) => `${r.executor} did not match the reference, so its times are not valid speedups`),
    ...[m.blockStm, m.modular].filter((r) => r.stoppedBy !== null)
      .map((r) => `${r.executor} stopped part-way (it threw in a timed round), so its figures come from the ${plural(r.samples, 'sample')} it took before, no whole run to judge it by`),
    ...blockStmFacts(m.blockStm, txs),
    ...modularFacts(m.modular, txs, m.threads),
    preflightFact(m) ?? boundFact(m),
    noiseFact([m.blockStm, m.modular, m.baseline]),
  ].filter((f): f is string => f !== null);
  return `${facts.join('; ')}.`;
}

/** The two partitions' cross-module shares and lane imbalances side by side, the winner's first, where both recorded them. */
function partitionContrast(x: PartitionMatch): string | null {
  const won = partitionWinner(x);
  if (won === null) return null;
  const lost = won === x.first ? x.other : x.first;
  const [w, l] = [won.run.detail, lost.run.detail];
  const parts = [
    // Shares are compared as pct prints them: "25% against 25%" called "fewer" reads as a contradiction.
    ...(w?.crossShare !== undefined && l?.crossShare !== undefined && pct(w.crossShare) !== pct(l.crossShare)
      ? [{ better: w.crossShare < l.crossShare, text: `${w.crossShare < l.crossShare ? 'fewer' : 'more'} of its transactions crossed modules (cross-module share ${pct(w.crossShare)} against ${pct(l.crossShare)})` }] : []),
    ...(w?.laneImbalance !== undefined && l?.laneImbalance !== undefined && w.laneImbalance.toFixed(2) !== l.laneImbalance.toFixed(2)
      ? [{ better: w.laneImbalance < l.laneImbalance, text: `its lanes were ${w.laneImbalance < l.laneImbalance ? 'more' : 'less'} evenly loaded (lane imbalance ${w.laneImbalance.toFixed(2)} against ${l.laneImbalance.toFixed(2)})` }] : []),
    // Fewer crossings bought with main-thread time: affinity's placement can cost more than its lanes save.
    ...(w?.partitionMs !== undefined && l?.partitionMs !== undefined && Math.abs(w.partitionMs - l.partitionMs) >= NOTABLE_PARTITION_SHARE * lost.medianMs
      ? [{ better: w.partitionMs < l.partitionMs, text: `its partitioner took ${w.partitionMs < l.partitionMs ? 'less' : 'more'} of each block on the main thread (${msText(w.partitionMs)} against ${msText(l.partitionMs)}, of blocks of ${msText(won.medianMs)} against ${msText(lost.medianMs)})` }] : []),
  ];
  const better = parts.filter((p) => p.better).map((p) => p.text);
  const worse = parts.filter((p) => !p.better).map((p) => p.text);
  // A winner worse on every count won by something else: the facts after this say what else differed.
  if (better.length === 0) return worse.length === 0 ? null : `${won.executor} won although, against ${lost.executor}, ${worse.join(' and ')}`;
  return `${won.executor} against ${lost.executor}: ${better.join(' and ')}${worse.length > 0 ? `, though ${worse.join(' and ')}` : ''}`;
}

/** The reasons behind a match of two partitions, as one sentence: each partition's own statistics, its fallbacks, and the samples' noise. */
export function explainPartitions(x: PartitionMatch): string {
  const txs = x.baseline.workload.txs;
  const rows = [x.first, x.other];
  const facts = [
    partitionContrast(x),
    ...rows.filter((r) => !r.correct).map((r) => `${r.executor} did not match the reference, so its times are not valid speedups`),
    ...rows.filter((r) => r.stoppedBy !== null)
      .map((r) => `${r.executor} stopped part-way (it threw in a timed round), so its figures come from the ${plural(r.samples, 'sample')} it took before, no whole run to judge it by`),
    ...rows.flatMap((r) => modularFacts(r, txs, x.threads)),
    noiseFact([x.first, x.other, x.baseline]),
  ].filter((f): f is string => f !== null);
  return `${facts.join('; ')}.`;
}

/** A user's engine's own counters quoted in a why cell, at most: the rest are in its Executor statistics table. */
export const ENGINE_COUNTERS_QUOTED = 4;

/**
 * What a user's engine reported that can say why it won or lost: its fallbacks, its re-executions
 * and failed validations (every result counts them, as an engine sees fit), and its own counters,
 * quoted, not read: Concord does not know what an engine's `waves` mean. An engine that reported
 * none of these is said to give no statistics to say why.
 */
function engineFacts(row: Row): string[] {
  const facts: string[] = [];
  const fallback = fallbackFact(row);
  if (fallback) facts.push(fallback);
  if (allFellBack(row)) return facts;
  const { executions, reExecutions, validations, failedValidations } = row.run.perTx;
  const counted = executions + reExecutions + validations + failedValidations > 0;
  if (reExecutions >= NOTABLE_PER_TX || failedValidations >= NOTABLE_PER_TX) {
    facts.push(`${row.executor} re-executed ${rate(reExecutions)} and failed ${rate(failedValidations)} validations per transaction, as it reports them`);
  } else if (counted) {
    facts.push(`${row.executor} reports ${rate(reExecutions)} re-executions and ${rate(failedValidations)} failed validations per transaction`);
  }
  const own = ownCounters(row);
  if (own.length > 0) {
    const quoted = own.slice(0, ENGINE_COUNTERS_QUOTED).map(([n, v]) => `${n} ${meanText(v)}`).join(', ');
    const more = own.length > ENGINE_COUNTERS_QUOTED ? ` and ${own.length - ENGINE_COUNTERS_QUOTED} more (its Executor statistics table)` : '';
    facts.push(`${row.executor}'s own counters, as the mean per block: ${quoted}${more}`);
  }
  if (!counted && own.length === 0 && fallback === null) {
    facts.push(`${row.executor} reports no statistics to say why (no executions, re-executions or validations counted, no counter of its own)`);
  }
  return facts;
}

/** What a run recorded that says why, by what ran it: one of Concord's executors (`concord`), by its own facts, or a user's engine. */
function factsOf(row: Row, concord: string | null, txs: number, threads: number): string[] {
  if (concord === BLOCK_STM) return blockStmFacts(row, txs);
  if (concord === MODULAR) return modularFacts(row, txs, threads);
  // The sequential and the reference executor count nothing of their own.
  if (concord !== null) return fallbackFact(row) === null ? [] : [fallbackFact(row)!];
  return engineFacts(row);
}

/**
 * The winner's re-executions beside the loser's, where both counted any and they differ as
 * printed: the one counter every executor reports, so the one two engines' reports can be set
 * side by side by. Null for a tie or no verdict.
 */
function reExecutionContrast(x: EngineMatch): string | null {
  if (x.winner !== 'first' && x.winner !== 'second') return null;
  const [won, lost] = x.winner === 'first' ? [x.first, x.other] : [x.other, x.first];
  const counted = (r: Row) => r.run.perTx.executions > 0 && !allFellBack(r);
  if (!counted(won) || !counted(lost) || rate(won.reExecutionsPerTx) === rate(lost.reExecutionsPerTx)) return null;
  const fewer = won.reExecutionsPerTx < lost.reExecutionsPerTx;
  return `${won.executor} ${fewer ? 're-executed fewer transactions' : 'won although it re-executed more transactions'} than ${lost.executor} (${rate(won.reExecutionsPerTx)} against ${rate(lost.reExecutionsPerTx)} per transaction)`;
}

/** Where the two runs' times are of different kinds (an engine's own, stats.executeMs, against whole calls): the verdict compares them as they are. */
function timingFact(x: EngineMatch): string | null {
  const [a, b] = [x.first, x.other];
  if (a.run.timing === b.run.timing) return null;
  const [engine, whole] = a.run.timing === 'engine' ? [a, b] : [b, a];
  return `${engine.executor}'s times are its engine's own (stats.executeMs, without the request and answer between the processes) and ${whole.executor}'s whole calls: the verdict compares the two as they are`;
}

/** The reasons behind a match of a user's engine and another executor, as one sentence. */
export function explainEngine(x: EngineMatch): string {
  const txs = x.baseline.workload.txs;
  const rows = [x.first, x.other];
  const facts = [
    reExecutionContrast(x),
    ...rows.filter((r) => !r.correct).map((r) => `${r.executor} did not match the reference, so its times are not valid speedups`),
    ...rows.filter((r) => r.stoppedBy !== null)
      .map((r) => `${r.executor} stopped part-way (it threw in a timed round), so its figures come from the ${plural(r.samples, 'sample')} it took before, no whole run to judge it by`),
    ...factsOf(x.first, null, txs, x.threads),
    ...factsOf(x.other, x.otherIs, txs, x.threads),
    timingFact(x),
    pairPreflightFact(x.threads, x.first, x.other) ?? pairBoundFact(x.threads, x.first, x.other),
    noiseFact([x.first, x.other, x.baseline]),
  ].filter((f): f is string => f !== null);
  return `${facts.join('; ')}.`;
}
