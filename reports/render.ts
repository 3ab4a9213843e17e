// Rendering a merged report: Markdown fit to paste into a pull request, and one self-contained
// HTML page (inline SVG charts, inline CSS, no scripts, nothing fetched). Both are built from the
// same table model, so they always show the same figures.
// Invariant: every measured speedup is printed next to the ideal at its thread count, and every
// warning (busy machine, incorrect executor, failures, too few samples) appears in both forms; a
// speedup of a run the sequential executor partly or wholly ran says so in its cell, with the share
// and the reason in a footnote under its table, as does one of a run that stopped part-way, with
// its samples and error; a run the sequential executor wholly ran has no efficiency (n/a); an
// efficiency above 100% carries a footnote on what can produce it; and
// both forms show every string from a results file as text, escaped for each (esc, mdText).

import { WORKLOADS } from '../bench/workloads.js';
import { shellWord } from '../properties/printed-command.js';
import { GIVE_UP_MS } from '../bench/round-trip.js';
import { anchorsFor, BLOCK_STM_ANCHORS, LOW_CONTENTION_ACCOUNTS, P2P_GRID_GROUP } from './anchors.js';
import { ALPHA, MIN_ROUNDS, pValue } from './compare.js';
import { CEILING_DRIFT_WORDS, coreCeiling, ceilingFor, ceilingsWords, movedCeilings, movedCrossCore, probeText, QUICK_CORES_AT_END, recordedCeilingsWords, UNEQUAL_CORES, unequal } from './cores.js';
import { machineCharge, optimistic, pessimistic } from './fit.js';
import type { Merged, Source } from './merge.js';
import type { ResultsFile } from './schema.js';
import { median, MIN_SAMPLES_FOR_CI, rangeConfidence, RECOMMENDED_SAMPLES, smallestP } from './stats.js';
import { allSequential, executorSettingsText, fellBack, idealAt, MIN_CORE_ROUNDS, mediansByRound, oversubscribed, roundMedians, UNSTEADY, unsteady, unsteadyMark, withLabels, type Row } from './summary.js';
import { BLOCK_STM, MODULAR, TIE_BELOW, verdicts, type Judgement, type Match, type Verdict } from './verdict.js';
import { clauses, explain, explainEngine, explainPartitions, leadSplit, pairLeadSplit, pairShortWhy, pct, preflightGap, shortWhy, unjudgedWhy, type Paired } from './why.js';
import { engineVerdicts, type EngineMatch, type EngineVerdict } from './engine-verdict.js';
import { partitionVerdicts, type PartitionVerdict } from './partition-verdict.js';
import { headlineParagraphs, overviewSection } from './overview.js';
import { executorStatsTables } from './executor-stats.js';
import { baselineSourceWords, differentBaselines, mixedTimingNote, ownBaseline, verdictBaselineWords } from './baseline.js';
import { plural } from '../spec/plural.js';
import { onePartition, partitionLabel } from './partitions.js';

/**
 * ", --modules 4 --partition range" after a source's run settings; nothing with the defaults. A
 * trained affinity says what trained it: its runs placed every block by that placement, and paid
 * no placement in their times, unlike affinity learned from each block.
 */
function settingsNote(doc: Source['doc']): string {
  const text = executorSettingsText(doc);
  const t = doc.settings.training;
  const file = t?.file && `${t.file.use === 'read' ? 'read from' : 'saved to'} the placement file ${t.file.path} (sha256 ${t.file.sha256.slice(0, 12)}…)`;
  const trained = t
    ? ` (affinity placed every block by a placement ${t.file?.use === 'read' ? `${file}, trained there` : 'trained'} once, untimed, on ${plural(t.blocks, 'block')} of ${t.txs.toLocaleString('en-US')} transactions `
      + `in ${t.ms.toFixed(0)} ms, for ${plural(t.modules, 'module')}, not learned from each block${t.learned ? '' : '; on its sample it did no better than hash, whose placement it kept'}`
      + `${t.file?.use === 'saved' ? `; ${file}` : ''})`
    : '';
  return text ? `, ${text}${trained}` : '';
}

/**
 * One sentence per kind of generated workload the report holds (bench/workloads.ts's own words),
 * and what the labels leave out: a reader comparing executors needs to know what a block does.
 */
function workloadWords(m: Merged): string[] {
  const kinds = new Set(m.sources.flatMap((s) => s.doc.workloads.flatMap((w) => (w.source.kind === 'generated' ? [w.source.workload] : []))));
  if (kinds.size === 0) return [];
  const known = [...kinds].map((k) => `${k}: ${WORKLOADS.get(k)?.doc ?? 'a workload this Concord does not know'}`);
  const costs = new Set(m.sources.flatMap((s) => s.doc.workloads.flatMap((w) => (w.source.kind === 'generated' ? [w.source.hashCost] : []))));
  const hash = costs.size === 1
    ? `Each transaction also pays a signature check of ${[...costs][0]} sha256 iterations (hash cost ${[...costs][0]} in every generated workload here)`
    : 'Each transaction also pays a signature check of sha256 iterations (its workload\'s hash cost, which differs between workloads here: see the Sources line and the results file)';
  return [`workloads: ${known.join('; ')}. ${hash}; "acc × tx" is the accounts the block draws on and its transactions, and zipf the exponent of the hot spots' skew (0: uniform).`];
}

/**
 * When bench began pinning rounds 2k and 2k + 1 to baselineCpus[k % length] (commit d97b350);
 * files before it pinned round r to [r % length], and so do files that say `baselinePinning`.
 */
const PIN_BY_PAIRS_SINCE = '2026-11-30T22:03:28Z';

/** Whether the file's bench pinned two rounds a CPU (files between d97b350 and settings.baselinePinning). */
function pinnedByPairs(doc: ResultsFile): boolean {
  return doc.settings.baselinePinning === undefined && Date.parse(doc.createdAt) >= Date.parse(PIN_BY_PAIRS_SINCE);
}

/**
 * The baseline's rounds that ran on a CPU other than the one bench pinned them to, grouped by that
 * CPU and the one they ran on, in round order: a pin that failed lets the round run wherever the
 * scheduler puts it, which can be another of the CPUs it may be pinned to, so the CPUs it ran on
 * alone do not show it.
 */
function unheldRounds(doc: ResultsFile): { meant: number; ran: number; rounds: number[] }[] {
  const pins = doc.settings.baselineCpus ?? [];
  if (pins.length === 0) return [];
  const byPairs = pinnedByPairs(doc);
  const astray = new Map<string, { meant: number; ran: number; rounds: Set<number> }>();
  for (const r of doc.runs) {
    if (r.role !== 'baseline' || r.cpus === undefined || r.rounds === undefined) continue;
    r.rounds.forEach((round, i) => {
      const meant = pins[(byPairs ? Math.floor(round / 2) : round) % pins.length]!;
      const ran = r.cpus![i];
      if (ran === undefined || ran === meant) return;
      const key = `${meant}>${ran}`;
      if (!astray.has(key)) astray.set(key, { meant, ran, rounds: new Set() });
      astray.get(key)!.rounds.add(round);
    });
  }
  return [...astray.values()].map((a) => ({ ...a, rounds: [...a.rounds].sort((x, y) => x - y) }))
    .sort((a, b) => a.rounds[0]! - b.rounds[0]!);
}

/** How a source's run was made, enough to make it again: its settings, Concord's version, when, and the command. */
function sourceWords(s: Source): string {
  const { settings, concordVersion, concordCommit, createdAt, command } = s.doc;
  // The CPUs its samples ran on, not every CPU it could be pinned to: bench pins a round (in older
  // files two) to each CPU in turn, so a run of fewer rounds than that many CPUs reaches only some.
  const ran = [...new Set(s.doc.runs.flatMap((r) => (r.role === 'baseline' ? r.cpus ?? [] : [])))].sort((a, b) => a - b);
  const cpus = ran.length ? ran : settings.baselineCpus ?? [];
  const unreached = settings.baselineCpus?.length && ran.length && ran.length < settings.baselineCpus.length
    ? ` (${settings.rounds} rounds, ${pinnedByPairs(s.doc) ? 'two' : 'one'} on each CPU in turn, reached ${ran.length} of the ${settings.baselineCpus.length} CPUs it could be pinned to)` : '';
  // A round on a CPU outside those was not pinned: where a pin fails, bench/sweep.ts timeRound times the round wherever the scheduler put it.
  const outside = ran.filter((cpu) => !settings.baselineCpus?.includes(cpu));
  const astray = unheldRounds(s.doc);
  const meant = `, the baseline meant to be pinned to CPU ${settings.baselineCpus?.join(', ')} round by round, but not held there`;
  const pinned = !settings.baselineCpus?.length ? ''
    : outside.length ? `${meant}: its rounds ran on CPU ${ran.join(', ')} (${outside.join(', ')} outside them)`
    : astray.length ? `${meant}: ${astray.map((a) => `${a.rounds.length > 1 ? 'rounds' : 'round'} ${a.rounds.join(', ')}, meant for CPU ${a.meant}, ran on CPU ${a.ran}`).join('; ')}`
    : `, the baseline pinned to CPU ${cpus.join(', ')} round by round${unreached}`;
  return `${s.name}, ${settings.quick ? 'quick' : 'full'} run, threads ${settings.threads.join(',')}, ${settings.rounds} interleaved rounds of ${settings.roundMs} ms${pinned}${baselineSourceWords(settings)}`
    + `${settingsNote(s.doc)}; Concord ${concordVersion} (${concordCommit ? `commit ${concordCommit}` : 'commit not recorded'}), written ${createdAt}, by concord ${command.map(shellWord).join(' ')}`;
}

export interface Table {
  readonly headers: readonly string[];
  /** Columns aligned right (numbers). */
  readonly numeric: readonly boolean[];
  readonly rows: readonly (readonly string[])[];
  /** Footnotes printed under the table, each starting with the mark its cells carry. */
  readonly notes?: readonly string[];
}

export interface Section {
  readonly title: string;
  readonly paragraphs: readonly string[];
  readonly tables: readonly Table[];
  /** Paragraphs after the tables: what the figures above them warn of, once the reader has them. */
  readonly after?: readonly string[];
  /** A line that points to the glossary at the end (GLOSSARY_TITLE), linked, after the paragraphs: where its words are first met. */
  readonly glossaryLink?: boolean;
}

/** The last section's title, which a section's glossaryLink points to; its anchor is GLOSSARY_ANCHOR. */
export const GLOSSARY_TITLE = 'Glossary';
const GLOSSARY_ANCHOR = 'glossary';
/** The Overview's pointer to the glossary, naming the words it explains in this report (lanes only where modular ran). */
function glossaryPointer(m: Merged): string {
  const lanes = hasModular(m) ? ' lanes,' : '';
  return `Words of the trade (baseline, ceiling, preflight, fastest-core baseline, ideal,${lanes} rounds, a rough or unsteady figure) are explained in plain words in the`;
}

export interface RenderedChart {
  readonly name: string;
  readonly title: string;
  readonly svg: string;
}

const fixed = (v: number, d = 2) => v.toFixed(d);
/** The footnote of a prediction whose model charges nothing for a cost it could not fit. */
const UNFITTED = 'Not fitted: the model could not fit a cost to this machine\'s runs and charges none for it, so the prediction is optimistic (its footnote under the simulated scaling table says why).';
/** The footnote of a prediction whose model is slower than the measured 2-thread run even with no handover cost. */
const PESSIMISTIC = 'Slower than measured at 2 threads: even charging nothing for a handover, the model is slower than the executor\'s measured 2-thread run, so no handover cost was fitted, its 2-thread point does not match the measurement, and the prediction is pessimistic.';
const orDash = (v: number | null, f: (v: number) => string) => (v === null ? '–' : f(v));
const tps = (v: number) => (v >= 10_000 ? `${Math.round(v / 1000)}k` : v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0));
const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
const threadsText = (t: number) => plural(t, 'thread');
/** Three significant figures: rounded first, so 9.9987 reads "10.0" beside its neighbours, not "10.00". */
const ms = (v: number) => {
  const r = Number(v.toPrecision(3));
  return r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2);
};
const superscript = (n: number) => [...String(n)].map((d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)]).join('');

/** A table's footnotes, numbered in order of first use as `concord compare` marks its own: each distinct text once. */
interface Footnotes {
  /** The marks of these notes, to follow a cell's text ("¹,²"), numbering those not seen before. */
  mark(...texts: string[]): string;
  /** The notes as printed under the table. */
  lines(): string[];
}

function footnotes(): Footnotes {
  const texts: string[] = [];
  return {
    mark: (...marked) => marked.map((t) => superscript((texts.includes(t) ? texts.indexOf(t) : texts.push(t) - 1) + 1)).join(','),
    lines: () => texts.map((t, i) => `${superscript(i + 1)} ${t}`),
  };
}

/** How much of a run the sequential executor ran, and why, from the run's own record. */
function fallbackNote(r: Row): string {
  const share = r.run.fallbackShare;
  const what = share === undefined ? 'some or all of the run\'s blocks (this file does not say how many) went to the sequential executor'
    : share >= 1 ? 'every block of the run went to the sequential executor, so its speedup is the sequential executor\'s, not the parallel engine\'s, and it has no efficiency against the ideal'
    : `${pct(share)} of the run's blocks went to the sequential executor, so its speedup mixes the parallel engine's blocks with the sequential executor's`;
  const gap = preflightGap(r);
  return `Fell back: ${what}. Why: ${r.fallback}.${gap === null ? '' : ` The ideal is higher because ${gap}.`}`;
}

/** How a run that stopped part-way ended, and what its figures rest on. */
function partialNote(r: Row): string {
  return `Partial run: ${r.executor} threw in a timed round at ${threadsText(r.threads)} on ${r.label} (${r.stoppedBy}), so the rounds after it `
    + `did not run and its figures come from the ${plural(r.samples, 'sample')} it took before.`;
}

/**
 * "0.97x (fell back)¹" where the sequential executor ran some of the run's blocks, so its speed is
 * never taken for the parallel engine's; "(partial)²" where the run stopped part-way, so its speed
 * is never taken for a whole run's.
 */
function speedupCell(r: Row, notes: Footnotes): string {
  if (r.role === 'baseline') return '1 (def.)';
  const share = r.run.fallbackShare;
  const fell = fellBack(r) ? ` (${share === undefined || share >= 1 ? '' : `${pct(share)} `}fell back)${notes.mark(fallbackNote(r))}` : '';
  const partial = r.stoppedBy === null ? '' : ` (partial)${notes.mark(partialNote(r))}`;
  return `${fixed(r.speedup)}x${roundsRange(r, notes)}${fell}${partial}`;
}

/** Ranges below this confidence (fewer than MIN_ROUNDS rounds) are footnoted with theirs. */
const LOW_CONFIDENCE = rangeConfidence(MIN_ROUNDS);

/**
 * " (1.52–1.61)": where the speedup lies as the rounds saw it (Row.roundSpeedups); '' without a
 * range. A range over too few rounds to mean much is footnoted with how often it holds the median.
 */
function roundsRange(r: Row, notes: Footnotes): string {
  const s = r.roundSpeedups;
  if (s === null) return '';
  const weak = s.confidence < LOW_CONFIDENCE
    ? notes.mark(`A range over ${plural(s.rounds, 'round')} only: it holds the median per-round speedup with probability ${pct(s.confidence)}.`)
    : '';
  // Two rounds' speedups of 0.38x and 4.77x make a median of 2.58x that neither round measured.
  const apart = unsteady(r)
    ? notes.mark(`Its rounds disagree by more than ${UNSTEADY}x (their lowest speedup to their highest, ${fixed(s.lowest)}x to ${fixed(s.highest)}x): something slowed some rounds of it or of the baseline (see the Noise section), so the speedup between them is no figure to quote; rerun it on a quiet machine, or with more rounds.`)
    : '';
  return ` (${fixed(s.lo)}–${fixed(s.hi)})${weak}${apart}`;
}


/** A speedup cell outside the run's own row, where no executor column carries the ✗ of a run that did not match the reference. */
function checkedSpeedupCell(r: Row, notes: Footnotes): string {
  return `${speedupCell(r, notes)}${r.correct ? '' : ' ✗'}`;
}

/**
 * What can carry a speedup past the thread count; `engineTimed`: the run's samples are its engine's
 * own times (runs[].timing), which are only as true as the engine's clock and what it counts.
 */
function aboveThreads(engineTimed: boolean): string {
  const causes = [
    'noise',
    'a baseline that ran on a slower core (see the core speeds in the report\'s Noise section), or that is slower than the executor\'s own 1-thread run (a --baseline can be: efficiency is measured against the baseline)',
    'an executor that uses a core beyond its threads',
    ...(engineTimed ? ['an engine whose self-reported stats.executeMs (docs/exec-protocol.md) is shorter than the time it took'] : []),
  ];
  return `Efficiency above 100% from a speedup above the thread count (or the machine's cores, where fewer): ${causes.slice(0, -1).join('; ')}; or ${causes.at(-1)!}.`;
}

/**
 * Modular at 1 thread once ran its lanes on a worker while the main thread planned, on a second
 * core; it now plans first and then lets one worker run, so a file that shows it above 100% there
 * was, most likely, written before that change, and a results file does not say which build wrote it.
 */
const MODULAR_TWO_CORES = 'Modular above 100% at 1 thread: its 1-thread run uses one core at a time (the main thread plans, then one worker runs), but builds before 2026-11-29 ran the lanes on a worker while the main thread planned, on a second core. If this file is older, read this figure as two cores\' and not as one; otherwise it is noise or a baseline that ran on a slower core (see the core speeds in the report\'s Noise section).';
const ENGINE_TIMED_BY = 'Timed by the engine itself: an engine in another process (exec:) reports its own time for each block (stats.executeMs, docs/exec-protocol.md), without the request and the answer crossing between the processes, which bench would otherwise time with it.';
const ENGINE_TIMED = `${ENGINE_TIMED_BY} The baseline is Concord's sequential executor, in JavaScript, timed in Concord's process: a speedup over it also holds whatever the engine's language and build gain on one thread, so read the engine's rows against each other (its 1-thread row is its own baseline), or give bench your engine's own sequential mode as --baseline.`;
const WRONG_YARDSTICK = 'Over a baseline that did NOT match the reference result (its row is marked ✗): a wrong execution\'s time is no yardstick, so this speedup is not valid.';
const ABOVE_IDEAL = 'Efficiency above 100%: a speedup above the ideal, which counts work in gas, not time, so a small excess can be real; a large one is noise or a baseline that ran on a slower core (see the core speeds in the report\'s Noise section).';

/**
 * The thread count, with a footnote where it exceeds the machine's cores: its ideal is taken at
 * the cores, and so is the machine's ceiling (`ceiling`, where the file measured it there).
 */
function threadsCell(r: Row, notes: Footnotes, ceiling: ReturnType<typeof ceilingFor>): string {
  // The baseline runs on one thread, whatever the count of the runs it was timed beside (its label says which).
  if (r.role === 'baseline') return '1';
  if (!oversubscribed(r)) return String(r.threads);
  const reference = ceiling === null ? '' : ` The machine's ceiling there, ${fixed(ceiling.ratio)}x at ${plural(ceiling.threads, 'thread')} (Noise section), is what the machine allows those threads on plain sequential work split into parts.`;
  return `${r.threads}${notes.mark(`more threads than the machine's ${plural(r.cores, 'effective core')}: those runs' threads shared the cores, so at most ${r.cores} ran at once; their ideal, bound and efficiency are taken at ${plural(r.cores, 'thread')}.${reference}`)}`;
}

/**
 * " (baseline, timed beside the 2-thread runs)": which runs a baseline row was interleaved with,
 * round by round; its threads cell says the one thread it ran on, and a --baseline's words say
 * that it was given one.
 */
function baselineWords(r: Row, settings: ResultsFile['settings']): string {
  const given = settings.baselineThreads === undefined ? '' : `given ${plural(settings.baselineThreads, 'thread')}, `;
  return ` (baseline, ${given}timed beside the ${r.threads}-thread runs)`;
}

/**
 * The engine-timed footnote for a file's rows: its last sentence, on a speedup over Concord's
 * JavaScript executor, only where that is the baseline.
 */
function engineTimed(settings: ResultsFile['settings']): string {
  return ownBaseline(settings) ? `${ENGINE_TIMED_BY} The speedups here are over the baseline ${settings.baseline}, not Concord's sequential executor.` : ENGINE_TIMED;
}

/**
 * The fastest-core cell: '–' with its reason where the file's CPUs give no fastest core to trust
 * (Row.fastCoreGap), or where the baseline ran off Concord's main thread, whose CPU is not the
 * baseline's (bench neither pins it nor records its CPUs).
 */
function fastCoreCell(r: Row, settings: ResultsFile['settings'], notes: Footnotes): string {
  if (r.fastCoreSpeedup !== null) return `${fixed(r.fastCoreSpeedup)}x`;
  if (r.fastCoreGap !== null) return `–${notes.mark(`No speedup over the baseline's fastest core: ${r.fastCoreGap}`)}`;
  if (!ownBaseline(settings) || r.baselineRun.cpus !== undefined) return '–';
  return `–${notes.mark(`No speedup over the baseline's fastest core: the baseline ${settings.baseline} does not run on Concord's main thread alone (an engine in another process, a module, or a parallel executor), so bench did not pin it to each CPU in turn, and the CPU its samples ran on is not known.`)}`;
}

/** A footprint ideal below this fraction of the actual one is shown beside it: the block's declarations cost parallelism. */
export const DECLARED_GAP = 0.95;

const DECLARED_IDEAL = `declared: the ideal of a scheduler that knows only the declared footprints (bench/footprint-ideal.ts), as an access-list scheduler or the modular executor\'s lanes do: each transaction\'s declared keys ordered by the conflict table, delta-adds whose commuting needs run-time values ordered, a transaction without a footprint after all before it. Below the ideal from the reference run\'s actual accesses, the declarations order transactions the run did not need ordered, and declaring fewer or narrower keys lifts that limit. Shown only where it is below ${Math.round(DECLARED_GAP * 100)}% of the ideal.`;

/** The ideal, with the footprint ideal beside it where the declarations allow noticeably less. */
function idealCell(r: Row, notes: Footnotes): string {
  if (r.ideal === null) return '–';
  const declared = r.footprintIdeal !== null && r.footprintIdeal < DECLARED_GAP * r.ideal ? ` (declared ${fixed(r.footprintIdeal)}x)${notes.mark(DECLARED_IDEAL)}` : '';
  return `${fixed(r.ideal)}x${declared}`;
}

/**
 * Efficiency, with the fallback's footnote and, above 100%, one on what can carry a speedup past
 * the ideal. A run that sent every block to the sequential executor never ran in parallel: its
 * speedup over the baseline is one sequential executor against another, and no ideal for parallel
 * work applies, so it reads "n/a (sequential)".
 */
function efficiencyCell(r: Row, notes: Footnotes): string {
  if (r.role === 'baseline' || r.efficiency === null) return '–';
  if (allSequential(r)) return `n/a (sequential)${notes.mark(fallbackNote(r))}`;
  const shown = Math.round(r.efficiency * 100);
  const above = r.speedup <= Math.min(r.threads, r.cores) ? ABOVE_IDEAL : r.executor === MODULAR && r.threads === 1 ? MODULAR_TWO_CORES : aboveThreads(r.run.timing === 'engine');
  const marked = [...(fellBack(r) ? [fallbackNote(r)] : []), ...(shown > 100 ? [above] : [])];
  return `${shown}%${notes.mark(...marked)}`;
}

function machineTable(sources: readonly Source[]): Table {
  return {
    headers: ['machine', 'CPU', 'family / model', 'cores (effective / logical)', 'cgroup cpu.max', 'memory', 'Node / V8', 'OS', 'file'],
    numeric: [false, false, false, true, false, true, false, false, false],
    rows: sources.map((s) => {
      const m = s.machine;
      return [
        s.name, m.cpuModel, m.cpuFamily === null ? '–' : `${m.cpuFamily} / ${m.cpuModelNumber ?? '?'}${m.cpuMhz ? ` @ ${Math.round(m.cpuMhz)} MHz` : ''}`,
        `${m.effectiveCores} / ${m.logicalCpus}`, m.cgroupCpuMax ?? 'none', `${Math.round(m.memoryBytes / 2 ** 30)} GiB`,
        `${m.node} / ${m.v8}`, m.os, s.file,
      ];
    }),
  };
}

function noiseTable(sources: readonly Source[]): Table {
  return {
    headers: ['machine', 'load before', 'load after', 'foreign CPU (cores)', 'steal', 'busy rounds', 'round trip before each round'],
    numeric: [false, true, true, true, true, true, false],
    rows: sources.map((s) => {
      const n = s.doc.noise;
      return [
        s.name, n.loadBefore.map((v) => v.toFixed(2)).join(' '), n.loadAfter.map((v) => v.toFixed(2)).join(' '),
        orDash(n.foreignCores, (v) => v.toFixed(2)), orDash(n.stealFraction, (v) => `${(v * 100).toFixed(1)}%`), `${n.busyRounds} / ${n.rounds}`,
        roundTripsText(n.roundTrips),
      ];
    }),
  };
}

/** "median 110 ns (80–510 ns) over 40 rounds", with the probes that gave up; a dash where none was probed. */
function roundTripsText(trips: ResultsFile['noise']['roundTrips']): string {
  const all = (trips ?? []).flatMap((r) => r.ns);
  const ns = all.filter((v): v is number => v !== null);
  const gaveUp = all.length - ns.length;
  if (all.length === 0) return '–';
  const spread = ns.length ? `median ${median(ns).toFixed(0)} ns (${Math.min(...ns).toFixed(0)}–${Math.max(...ns).toFixed(0)} ns) over ${plural(ns.length, 'round')}` : '';
  return [spread, gaveUp ? `${plural(gaveUp, 'probe')} gave up` : ''].filter(Boolean).join('; ');
}

/**
 * Round trips of one run's rounds further apart than this (highest over lowest) mean its threads
 * ran on differently placed cores from round to round: a quiet host's probes agree within tens
 * of percent.
 */
export const ROUND_TRIP_MOVED = 2;

/**
 * The warning for a source where the round trip between two threads moved between the rounds of
 * a parallel run, or a probe gave up (its worker did not answer within GIVE_UP_MS: the two threads
 * shared a core), or null. Such a host moved its threads while the sweep ran: each round's
 * executors paid what every shared line cost in that round, and the baseline, on one thread, did
 * not.
 */
function roundTripWarning(s: Source, labels: ReadonlyMap<string, string>): string | null {
  const moved = (s.doc.noise.roundTrips ?? []).flatMap((r) => {
    const ns = r.ns.filter((v): v is number => v !== null);
    const gaveUp = r.ns.length - ns.length;
    const [lo, hi] = [Math.min(...ns), Math.max(...ns)];
    const apart = ns.length >= 2 && hi / lo > ROUND_TRIP_MOVED;
    if (!apart && gaveUp === 0) return [];
    const facts = [
      ...(apart ? [`${lo.toFixed(0)}–${hi.toFixed(0)} ns, ${ns.filter((v) => v > ROUND_TRIP_MOVED * lo).length} of ${r.ns.length} rounds above ${(ROUND_TRIP_MOVED * lo).toFixed(0)} ns`] : []),
      ...(gaveUp ? [`${plural(gaveUp, 'probe')} of ${r.ns.length} gave up`] : []),
    ];
    return [`${labels.get(r.workload) ?? r.workload} at ${threadsText(r.threads)} (${facts.join('; ')})`];
  });
  if (moved.length === 0) return null;
  return `⚠ ${s.name}: the cache-line round trip between two threads, probed before each parallel round (bench/round-trip.ts), moved by more than ${ROUND_TRIP_MOVED}x between rounds, or a probe's worker did not answer within ${GIVE_UP_MS} ms (the two threads shared a core, or one was descheduled): ${moved.join(', ')}. `
    + 'The host placed the threads differently from round to round (vCPUs moved, or sharing a core), which each core alone does not show: every line the executors\' workers share cost more in some rounds than in others, while the 1-thread baseline paid nothing for it. Read those runs\' ranges rather than their medians, or rerun.';
}

/**
 * The warning for a source whose cache-line round trips between cores, probed before and after
 * the sweep (bench/core-latency.ts), stood more than ROUND_TRIP_MOVED apart on some pair, or null:
 * the probe before each round is held to that bar, and this is the same line passing between two
 * cores. Each core alone can keep its speed (the core speeds pass) while the host moves its vCPUs
 * onto siblings of one core or across sockets, which changes what every line the workers share costs.
 */
function crossCoreWarning(s: Source): string | null {
  const c = s.doc.cores;
  const moved = c ? movedCrossCore(c.start, c.end, ROUND_TRIP_MOVED) : [];
  if (moved.length === 0) return null;
  const each = moved.slice(0, 4).map((m) => `cpu${m.pair[0]}-cpu${m.pair[1]} ${m.startNs.toFixed(0)} ns at the start and ${m.endNs.toFixed(0)} ns at the end`);
  const more = moved.length > 4 ? `; and ${moved.length - 4} more pairs` : '';
  return `⚠ ${s.name}: the cache-line round trip between cores, probed before and after the sweep (bench/core-latency.ts), moved by more than ${ROUND_TRIP_MOVED}x: ${each.join('; ')}${more}. `
    + 'The host placed the cores differently at the two ends (vCPUs moved), which each core alone does not show: what a line the executors\' workers share cost changed while the rounds ran, and the 1-thread baseline paid nothing for it, so runs on more than one thread may not compare with each other. Rerun when the two agree.';
}

function coresTable(sources: readonly Source[]): Table {
  return {
    headers: ['machine', 'core speeds at the start', 'at the end', 'machine ceiling'],
    numeric: [false, false, false, false],
    rows: sources.map((s) => [
      s.name, ...(s.doc.cores ? [probeText(s.doc.cores.start), probeText(s.doc.cores.end)] : ['not recorded', 'not recorded']),
      s.doc.ceilings ? recordedCeilingsWords(s.doc.ceilings) : 'not recorded',
    ]),
  };
}

/**
 * The warning for a source whose cores ran at unequal speeds, or null. What it says holds at any
 * thread count, 1 included (there the baseline and the executor each ran on one core, either of
 * which may have been the slow one); only a run with parallel thread counts gets their ceilings.
 * It points to the fastest-core column only where the file has the CPUs that column needs.
 */
function coreWarning(s: Source, rows: readonly Row[]): string | null {
  const c = s.doc.cores;
  if (!c || !(unequal(c.start) || unequal(c.end))) return null;
  const probed = [c.start, c.end].flatMap((p) => ('speeds' in p ? [p.speeds] : []));
  const threads = s.doc.settings.threads.filter((t) => t > 1 && probed.every((p) => t <= p.cpus.length));
  // The probe that allows more at each count: the cores can change speed during a run (the start's
  // and the end's probes can even disagree on which is the fastest), and a bound from the slower
  // probe alone was exceeded by the column it points the reader to.
  const allowed = threads.map((t) => ({ threads: t, ratio: Math.max(...probed.map((p) => coreCeiling(p.relative, t))) }));
  const above = rows.filter((r) => r.machine === s.name && r.fastCoreSpeedup !== null && r.fastCoreSpeedup > (allowed.find((a) => a.threads === r.threads)?.ratio ?? Infinity));
  const exceeded = above.length === 0 ? ''
    : ` ${plural(above.length, 'figure')} in the "over fastest-core baseline" column ${above.length > 1 ? 'stand' : 'stands'} above that (up to ${fixed(Math.max(...above.map((r) => r.fastCoreSpeedup!)))}x): the cores ran otherwise while the rounds were timed than when probed, or those rounds were noisy: no speedup to quote.`;
  const bound = allowed.length ? `; at the core speeds probed (${probed.length > 1 ? 'the start\'s or the end\'s, whichever allows more' : `the ${'speeds' in c.start ? 'start' : 'end'}'s alone`}), an executor could reach at most ${ceilingsWords(allowed)} over a baseline on the fastest core` : '';
  const column = rows.some((r) => r.machine === s.name && r.fastCoreSpeedup !== null);
  const todo = column
    ? 'The "over fastest-core baseline" column takes only the rounds whose baseline ran on its fastest core, so no slow core under the baseline flatters it, but it rests on fewer rounds: where it reads above the plain speedup, that is the noise between rounds, and the lower of the two is the one to quote. Or rerun on a machine whose cores run at equal speeds.'
    : 'Rerun on a machine whose cores run at equal speeds.';
  return `⚠ ${s.name}: its cores ran at unequal speeds (at the start: ${probeText(c.start)}; at the end: ${probeText(c.end)})${bound}.${exceeded} A baseline timed on a slower core makes a speedup look larger, and an executor slowed by one makes it look smaller. ${todo}`;
}

/** The fastest core's probe medians at the start and the end further apart than this mean the machine changed speed. */
const MACHINE_DRIFT = 1.2;

/**
 * The warning for a source whose whole machine ran slower at the end than at the start, or null:
 * the core probes time one block on each core, and cores that slowed alike pass the equal-speed
 * check, yet every round between ran somewhere on that slope.
 */
function slowdownWarning(s: Source): string | null {
  const c = s.doc.cores;
  if (!c || !('speeds' in c.start) || !('speeds' in c.end)) return null;
  const [before, after] = [Math.min(...c.start.speeds.medianMs), Math.min(...c.end.speeds.medianMs)];
  const ratio = Math.max(before, after) / Math.min(before, after);
  if (ratio <= MACHINE_DRIFT) return null;
  return `⚠ ${s.name}: its fastest core took ${ms(before)} ms on the probe block at the start and ${ms(after)} ms at the end (${fixed(ratio)}x ${after > before ? 'slower' : 'faster'}): the whole machine changed speed during the sweep (a neighbour on the host, or throttling), which neither steal nor foreign CPU shows. Rounds timed while it did are not comparable with the others; rerun when the probes agree.`;
}

/**
 * Round medians of one baseline run further apart than this (slowest over fastest) mean something
 * slowed whole rounds: a quiet run's rounds agree within a few percent, and busy rounds are
 * flagged on their own, so drift that passed as quiet is what this catches.
 */
export const ROUND_DRIFT = 1.2;

/**
 * The warning for a source whose baseline rounds drifted, or null: each run with its spread. A
 * speedup pairs each round's executor with its own round's baseline, so drift widens the ranges
 * more than it moves the medians; tx/s and the models' fits, over all samples, take it in whole.
 */
function driftWarning(s: Source, rows: readonly Row[]): string | null {
  const baselines = rows.filter((r) => r.machine === s.name && r.role === 'baseline');
  const drifted = baselines.flatMap((r) => {
    const medians = roundMedians(r.run);
    if (medians === null || medians.length < 2) return [];
    const spread = Math.max(...medians) / Math.min(...medians);
    return spread > ROUND_DRIFT ? [`${r.label} at ${threadsText(r.threads)} (${fixed(spread)}x)`] : [];
  });
  if (drifted.length === 0) return null;
  return `⚠ ${s.name}: in ${drifted.length} of ${baselines.length} baseline runs the median block time of one round stood more than ${ROUND_DRIFT}x from another's (slowest round over fastest): ${drifted.join(', ')}. `
    + 'Something slowed whole rounds (busy or not: the Noise section says which rounds ran busy). Each speedup pairs an executor\'s round with the baseline of the same round, so such drift widens the (lo–hi) ranges more than it moves the speedups; tx/s and the predictions\' fits, taken over all samples, carry it whole.';
}

/**
 * The warning for a source whose machine ceiling moved between its measurements before and after
 * the sweep, or null: each core alone may have kept its speed (the core probes pass) while two
 * cores at once did not, as when a host moves a VM's vCPUs onto one core's siblings. The rounds
 * ran somewhere between the two ceilings, so neither bounds them and the models charge the mean.
 */
function ceilingWarning(s: Source): string | null {
  const moved = movedCeilings(s.doc.ceilings ?? []);
  if (moved.length === 0) return null;
  const each = moved.map((c) => `${c.ratio.toFixed(2)}x before the sweep and ${c.end!.ratio.toFixed(2)}x after at ${threadsText(c.threads)}`).join('; ');
  return `⚠ ${s.name}: the machine's ceiling moved during the sweep by ${CEILING_DRIFT_WORDS} (${each}): what the machine allowed its threads changed while the rounds ran, so how much of a missed speedup is the machine's is known only between those bounds, and the predictions charge their mean. Rerun when the two agree.`;
}

/**
 * The A/A evidence a file holds, or null: where both executors sent every block to the sequential
 * executor, the same code ran twice, so how far their speedups differ is the noise alone.
 */
function aaText(m: Merged, list: readonly Verdict[]): string | null {
  // A pair without a verdict (a run wrong or stopped part-way) is no evidence of the noise either.
  const same = list.flatMap((v) => [v.headline, ...v.others].filter((x) => x.bothSequential && x.outcome !== 'no verdict').map((x) => ({ v, x })));
  if (same.length === 0) return null;
  const listed = same.map(({ v, x }) => `${v.label}${m.sources.length > 1 ? ` (${v.machine})` : ''}${v.partition === null ? '' : ` with ${x.modular.executor}`} at ${threadsText(x.threads)}: ${fixed(x.blockStm.speedup)}x and ${fixed(x.modular.speedup)}x`);
  const most = Math.max(...same.map(({ x }) => x.ratio));
  return `A/A: where both ${BLOCK_STM} and ${MODULAR} sent every block to the sequential executor, the same code ran twice, and their speedups differ by ${Math.round((most - 1) * 100)}% at most (${listed.join('; ')}): a gap of that size between the executors elsewhere is within this machine's noise.`;
}

/** A sweep that stopped part-way (bench at a hang or a signal): why, and which workloads and thread counts it never measured. */
function stoppedWarning(s: Source, labels: ReadonlyMap<string, string>): string | null {
  const { stopped, settings, workloads, runs } = s.doc;
  if (stopped === undefined) return null;
  const measured = new Set(runs.filter((r) => r.role === 'baseline').map((r) => `${r.workload}@${r.threads}`));
  const missing = settings.threads.flatMap((t) => {
    const left = workloads.filter((w) => !measured.has(`${w.id}@${t}`));
    if (left.length === 0) return [];
    return [left.length === workloads.length ? `every workload at ${threadsText(t)}` : `${left.map((w) => labels.get(w.id) ?? w.id).join(', ')} at ${threadsText(t)}`];
  });
  return `⚠ ${s.name}: the sweep stopped part-way, so it holds only what was measured before: ${stopped}. Not measured: ${missing.join('; ') || 'none'}.`;
}

function warnings(m: Merged): string[] {
  const out: string[] = [];
  for (const s of m.sources) {
    const stopped = stoppedWarning(s, m.labels);
    if (stopped) out.push(stopped);
    const cores = coreWarning(s, m.rows);
    if (cores) out.push(cores);
    const slowdown = slowdownWarning(s);
    if (slowdown) out.push(slowdown);
    const ceiling = ceilingWarning(s);
    if (ceiling) out.push(ceiling);
    const crossCore = crossCoreWarning(s);
    if (crossCore) out.push(crossCore);
    const trips = roundTripWarning(s, m.labels);
    if (trips) out.push(trips);
    const drift = driftWarning(s, m.rows);
    if (drift) out.push(drift);
    const n = s.doc.noise;
    if (n.busyRounds > 0) {
      out.push(`⚠ ${s.name}: ${n.busyRounds} of ${n.rounds} rounds ran while other processes used more than ${n.busyThresholdCores} cores; their samples are counted in the "busy" column.`);
    }
    for (const f of s.doc.failures) {
      out.push(`⚠ ${s.name}: ${f.executor} at ${threadsText(f.threads)}${f.workload ? ` on ${m.labels.get(f.workload)!}` : ''} failed: ${f.message}`);
    }
  }
  for (const r of m.rows) {
    if (!r.correct && r.role === 'baseline') {
      out.push(`⚠ the baseline ${r.executor} timed beside the ${r.threads}-thread runs on ${r.label} (${r.machine}) did NOT match the reference result: no speedup over it there is valid.`);
    } else if (!r.correct) out.push(`⚠ ${r.executor} at ${threadsText(r.threads)} on ${r.label} (${r.machine}) did NOT match the reference result: its timings are not valid speedups.`);
  }
  const yardsticks = differentBaselines(m.sources.map((s) => ({ name: s.name, settings: s.doc.settings })));
  if (yardsticks !== null) out.push(`⚠ ${yardsticks}.`);
  const few = m.rows.filter((r) => r.samples < RECOMMENDED_SAMPLES).length;
  if (few > 0) out.push(`⚠ ${few} runs have fewer than ${RECOMMENDED_SAMPLES} samples: treat their figures as rough (a --quick run?).`);
  return out;
}

/** Rows by workload (in file order), then machine, baseline first, executor, threads: each block's rows together. */
function ordered(m: Merged, rows: readonly Row[]): Row[] {
  const order = new Map<string, number>();
  for (const r of m.rows) if (!order.has(r.workload.id)) order.set(r.workload.id, order.size);
  const machines = m.sources.map((s) => s.name);
  return [...rows].sort((a, b) =>
    order.get(a.workload.id)! - order.get(b.workload.id)! || machines.indexOf(a.machine) - machines.indexOf(b.machine) ||
    (a.role === b.role ? 0 : a.role === 'baseline' ? -1 : 1) || a.executor.localeCompare(b.executor) || a.threads - b.threads);
}

function resultsTable(m: Merged, unordered: readonly Row[]): Table {
  const multi = m.sources.length > 1;
  const notes = footnotes();
  const settings = new Map(m.sources.map((s) => [s.name, s.doc.settings]));
  const rows = ordered(m, unordered).map((r) => {
    const own = settings.get(r.machine)!;
    const ceiling = ceilingOf(m, r.machine, r.threads);
    const mixed = r.role === 'baseline' ? null : mixedTimingNote(r.run, r.baselineRun);
    return [
      r.label, ...(multi ? [r.machine] : []), `${r.executor}${r.role === 'baseline' ? baselineWords(r, own) : ''}${r.run.timing === 'engine' ? notes.mark(engineTimed(own)) : ''}${r.correct ? '' : ' ✗'}`, threadsCell(r, notes, ceiling),
      tps(r.txPerSecond), `${speedupCell(r, notes)}${mixed === null ? '' : notes.mark(mixed)}${r.role === 'baseline' || r.baselineRun.correct ? '' : ` ✗${notes.mark(WRONG_YARDSTICK)}`}`,
      r.role === 'baseline' ? '–' : fastCoreCell(r, own, notes),
      // A baseline runs on one thread whatever its row's count: the ideal at that count is its executors', not its own.
      ...(r.role === 'baseline' ? ['–', '–'] : [idealCell(r, notes), orDash(r.bound, (v) => `${fixed(v)}x`)]), efficiencyCell(r, notes),
      fixed(r.reExecutionsPerTx, 3), fixed(r.failedValidationsPerTx, 3), ms(r.p50Ms), ms(r.p99Ms), `${mib(r.peakRssBytes)}${r.run.enginePeakRssBytes === undefined ? '' : ` + engine ${mib(r.run.enginePeakRssBytes)}`}`, `${r.samples} (${r.busySamples})`,
    ];
  });
  return {
    headers: [
      'workload', ...(multi ? ['machine'] : []), 'executor', 'threads', 'tx/s', 'speedup', 'over fastest-core baseline', 'ideal', 'bound', 'efficiency',
      're-exec/tx', 'failed val/tx', 'p50 ms', 'p99 ms', 'peak RSS (process)', 'samples (busy)',
    ],
    numeric: [false, ...(multi ? [false] : []), false, true, true, true, true, true, true, true, true, true, true, true, true, true],
    rows,
    notes: notes.lines(),
  };
}

/** With several sources: one row per workload, executor and thread count, one column pair per machine. */
function hardwareTable(m: Merged): Table {
  const names = m.sources.map((s) => s.name);
  const keys = [...new Set(ordered(m, m.rows).map((r) => `${r.workload.id}\0${r.executor}\0${r.threads}`))];
  const notes = footnotes();
  const rows = keys.map((k) => {
    const [id, executor, threads] = k.split('\0') as [string, string, string];
    const cells = names.flatMap((n) => {
      const r = m.rows.find((x) => x.machine === n && x.workload.id === id && x.executor === executor && x.threads === Number(threads));
      if (!r) return ['–', '–'];
      return [tps(r.txPerSecond), checkedSpeedupCell(r, notes)];
    });
    return [m.labels.get(id)!, executor, threads, ...cells];
  });
  return {
    headers: ['workload', 'executor', 'threads', ...names.flatMap((n) => [`tx/s · ${n}`, `speedup · ${n}`])],
    numeric: [false, false, true, ...names.flatMap(() => [true, true])],
    rows,
    notes: notes.lines(),
  };
}

/**
 * " (2.00x on 2 cores)¹" after the simulation's ideal where the measured run beside it had more
 * threads than the machine's cores: the simulation's virtual workers each have a core, the
 * measured run's threads shared fewer, and the results table holds it to the ideal at the cores.
 */
function coresIdeal(measured: Row, notes: Footnotes): string {
  if (!oversubscribed(measured) || measured.ideal === null) return '';
  const note = 'In parentheses after an ideal: the measured run had more threads than the machine\'s effective cores, which its threads shared, so it is held to the ideal at the cores, as in the results table; the simulation\'s virtual workers each have a core of their own, so its ideal is the one at its thread count.';
  return ` (${fixed(measured.ideal)}x on ${plural(measured.cores, 'core')})${notes.mark(note)}`;
}

/**
 * Each executor's model clauses that every one of its predictions here states alike (the modules it
 * assumes, the machine's slowdown it charges): said once, above the table, and left out of the
 * footnotes, which keep what each workload's calibration gave. Only for an executor with more than
 * one workload's model: one model's clauses are all its own.
 */
function sharedClauses(m: Merged): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const executors = [...new Set(m.sources.flatMap((s) => s.doc.simulated.map((x) => x.executor)))];
  for (const executor of executors) {
    const models = [...new Set(m.sources.flatMap((s) => s.doc.simulated.filter((x) => x.executor === executor).map((x) => x.model)))];
    if (models.length < 2) continue;
    const [first, ...rest] = models.map(clauses);
    const common = first!.filter((c) => rest.every((cs) => cs.includes(c)));
    if (common.length) out.set(executor, common);
  }
  return out;
}

/** The lanes modular's model assumed at each thread count: two per thread and at least 8, unless the run set them. */
const defaultLanes = (threads: number) => Math.max(8, 2 * threads);

/**
 * An executor row's name, with the lanes its model ran: once where one rule or one count holds at
 * every thread count, else null (each cell then names its own).
 */
function lanesName(executor: string, sims: readonly SimulatedRecord[]): string | null {
  const lanes = sims.map((x) => x.modules);
  if (lanes.every((l) => l === undefined)) return executor;
  if (lanes.some((l) => l === undefined)) return null;
  if (new Set(lanes).size === 1) return `${executor} (${lanes[0]} lanes)`;
  // The models' own words say why ("modules: two per core, at least 8"): the range is enough here.
  if (sims.every((x) => x.modules === defaultLanes(x.threads))) return `${executor} (${Math.min(...(lanes as number[]))}–${Math.max(...(lanes as number[]))} lanes)`;
  return null;
}

/**
 * The simulated scaling table, as a scaling curve: one row per workload and executor (with the
 * block's ideal above them and the Block-STM paper's figures below, where they apply), one column
 * per thread count, the measured speedup beside the simulated one where both exist. Each model's
 * calibration on a workload is a footnote on its row's executor; what every calibration of an
 * executor shares is `assumptions`, said once.
 */
function predictionTable(m: Merged): { table: Table; assumptions: string[] } | null {
  if (m.sources.every((s) => s.doc.simulated.length === 0)) return null;
  const multi = m.sources.length > 1;
  const threads = [...new Set(m.sources.flatMap((s) => s.doc.simulated.map((x) => x.threads)))].sort((a, b) => a - b);
  const shared = sharedClauses(m);
  const notes = footnotes();
  const rows: string[][] = [];
  for (const s of m.sources) {
    for (const w of s.doc.workloads) {
      const sims = s.doc.simulated.filter((x) => x.workload === w.id);
      if (sims.length === 0) continue;
      const label = m.labels.get(w.id)!;
      const head = [label, ...(multi ? [s.name] : [])];
      const measuredAt = (executor: string, t: number) => m.rows.find((r) => r.machine === s.name && r.workload.id === w.id && r.executor === executor && r.threads === t && r.role === 'executor');
      const simulatedAt = new Set(sims.map((x) => x.threads));
      rows.push([...head, 'ideal', ...threads.map((t) => {
        if (!simulatedAt.has(t)) return '–';
        const measured = m.rows.find((r) => r.machine === s.name && r.workload.id === w.id && r.threads === t && r.role === 'executor');
        return `${orDash(idealAt(w, t)?.speedup ?? null, (v) => `${fixed(v)}x`)}${measured ? coresIdeal(measured, notes) : ''}`;
      })]);
      for (const executor of [...new Set(sims.map((x) => x.executor))]) {
        const mine = sims.filter((x) => x.executor === executor);
        const named = lanesName(executor, mine);
        const models = [...new Set(mine.map((x) => x.model))];
        const own = (model: string) => clauses(model).filter((c) => !(shared.get(executor) ?? []).includes(c)).join('; ');
        const calibration = notes.mark(...models.map((model) => `${executor} on ${label}: ${own(model) || 'as every workload\'s above the table'}.`));
        rows.push([...head, `${named ?? executor}${calibration}`, ...threads.map((t) => {
          const sim = mine.find((x) => x.threads === t);
          if (!sim) return '–';
          const measured = measuredAt(executor, t);
          const lanes = named === null && sim.modules !== undefined ? ` (${sim.modules} lanes)` : '';
          const mark = t > 1 && pessimistic(sim.model) ? notes.mark(PESSIMISTIC) : '';
          return `${fixed(sim.speedup)}x${lanes}${mark}${measured ? ` · measured ${checkedSpeedupCell(measured, notes)}` : ''}`;
        })]);
      }
      const paper = sims.some((x) => x.executor === BLOCK_STM) ? anchorsFor(w) : [];
      if (paper.length) {
        rows.push([...head, 'Block-STM paper', ...threads.map((t) => paper.filter((a) => a.threads === t).map((a) => `${a.setting} ${fixed(a.speedup, 1)}x${a.derived ? '*' : ''}`).join('; '))]);
      }
    }
  }
  return {
    table: {
      headers: ['workload', ...(multi ? ['machine'] : []), 'executor', ...threads.map((t) => plural(t, 'thread'))],
      numeric: [false, ...(multi ? [false] : []), false, ...threads.map(() => true)],
      rows,
      notes: notes.lines(),
    },
    assumptions: [...shared].map(([executor, common]) => `${executor}'s model, on every workload below: ${common.join('; ')}.`),
  };
}

function startupTable(m: Merged): Table {
  const multi = m.sources.length > 1;
  return {
    headers: [...(multi ? ['machine'] : []), 'executor', 'threads', 'create ms', 'first (cold) block ms'],
    numeric: [...(multi ? [false] : []), false, true, true, true],
    rows: m.sources.flatMap((s) => s.doc.startup.map((st) => [...(multi ? [s.name] : []), st.executor, String(st.threads), ms(st.createMs), ms(st.firstBlockMs)])),
  };
}

/**
 * "1.64x (fastest core 1.13x)": the speedup, and the one over the baseline's fastest core where
 * that differs, named, since "(lo–hi)" after a speedup in the results table is a range.
 */
function speedupText(r: Row): string {
  const plain = `${fixed(r.speedup)}x`;
  const fast = r.fastCoreSpeedup === null ? plain : `${fixed(r.fastCoreSpeedup)}x`;
  return `${fast === plain ? plain : `${plain} (fastest core ${fast})`}${unsteadyMark(r)}`;
}

/**
 * "faster in 5 of 5 rounds": in how many of the rounds both timed the winner's median block time
 * was the lower, paired round by round; '' without rounds. The test behind a verdict compares the
 * two sets of round medians unpaired, and ranges can overlap while one executor led every round.
 * `named`: the winner's name before it, where the words around do not name it already.
 */
function roundsWon(winner: Row, other: Row, named: boolean): string {
  const [mine, theirs] = [mediansByRound(winner.run), mediansByRound(other.run)];
  if (mine === null || theirs === null) return '';
  const shared = [...mine.keys()].filter((round) => theirs.has(round));
  if (shared.length < 2) return '';
  const k = shared.filter((round) => mine.get(round)! < theirs.get(round)!).length;
  // "faster in 2 of 5" reads as support for the one named; there the other led most rounds.
  if (2 * k <= shared.length) return `each faster in some rounds (${winner.executor} ${k}, the other ${shared.length - k}, of ${shared.length})`;
  return `${named ? `${winner.executor} ` : ''}faster in ${k} of ${shared.length} rounds`;
}

/** A judgement of `first` against `second` in words, the winner named by its row's label (modular's names its partition where the file measured several). */
function judgementText(x: Judgement, first: Row, second: Row): string {
  // Whole percents, but never across the tie's line: 4.8% apart is a tie and must not read "5%".
  const pct = (x.ratio - 1) * 100;
  const whole = Math.round(pct);
  const apart = `${whole >= TIE_BELOW * 100 && pct < TIE_BELOW * 100 ? (Math.floor(pct * 10) / 10).toFixed(1) : whole}%`;
  // In a file that names rounds, a test that fell back to samples (a side with too few rounds) says so.
  const over = x.unit === 'samples' && (first.run.rounds !== undefined || second.run.rounds !== undefined) ? ' over samples' : '';
  if (x.winner === 'tie' && x.bothSequential) return 'tie (both ran the sequential executor)';
  if (x.winner === 'tie' || x.winner === 'inconclusive') {
    // The rounds the one with the higher speedup led in: a tie can be one led in most rounds, and
    // an inconclusive gap one led in every round the test had too few of.
    const [ahead, behind] = second.speedup > first.speedup ? [second, first] : [first, second];
    const led = roundsWon(ahead, behind, true);
    const why = x.winner === 'inconclusive' ? `: too few or too noisy ${x.unit} to tell` : '';
    return `${x.winner} (${apart} apart, ${pValue(x.p)}${over}${why}${led ? `; ${led}` : ''})`;
  }
  if (x.winner === 'no verdict') return 'no verdict';
  const [won, lost] = x.winner === 'first' ? [first, second] : [second, first];
  const led = roundsWon(won, lost, false);
  return `${won.executor} wins (+${apart}, ${pValue(x.p)}${over}${led ? `, ${led}` : ''})`;
}

function outcomeText(x: Match): string {
  const winner = x.outcome === BLOCK_STM ? 'first' : x.outcome === MODULAR ? 'second' : x.outcome;
  return judgementText({ ...x, winner }, x.blockStm, x.modular);
}

type SimulatedRecord = ResultsFile['simulated'][number];

/** Both executors' simulated points on a workload (modular's under `modular`, its runs' label) at the highest thread count both models reach, or null. */
function predictedPair(m: Merged, machine: string, workload: string, modular: string): { threads: number; blockStm: SimulatedRecord; modular: SimulatedRecord } | null {
  const sims = m.sources.find((s) => s.name === machine)?.doc.simulated.filter((x) => x.workload === workload) ?? [];
  const at = (executor: string) => new Map(sims.filter((x) => x.executor === executor).map((x) => [x.threads, x]));
  const [bs, mod] = [at(BLOCK_STM), at(modular)];
  const t = Math.max(-Infinity, ...[...bs.keys()].filter((k) => mod.has(k)));
  return Number.isFinite(t) ? { threads: t, blockStm: bs.get(t)!, modular: mod.get(t)! } : null;
}

/** The footnote of a predicted cell whose models reach no thread count above the measured ones. */
const CALIBRATION_ONLY = 'No prediction: the highest thread count both models reach is no higher than the highest measured, and there the models are fitted to the measurements (at 1 thread to the measured time, by construction), so they would repeat them, not predict; the simulated scaling table has their points.';

/**
 * "17.14x / 7.56x at 64", or '–' without a pair or above no measured thread count (CALIBRATION_ONLY); above 1 thread, a model whose calibration says
 * "not fitted" (it charges nothing it could not fit, so it is optimistic there; at 1 thread its
 * point is the measurement's) is marked with the footnote UNFITTED, and one slower than its
 * 2-thread measurement even at no handover cost with PESSIMISTIC.
 */
function predictedText(pair: ReturnType<typeof predictedPair>, measured: number, notes: Footnotes): string {
  if (pair === null) return '–';
  if (pair.threads <= measured) return `–${notes.mark(CALIBRATION_ONLY)}`;
  const marks = (x: SimulatedRecord) => (pair.threads > 1 ? [...(optimistic(x.model) ? [UNFITTED] : []), ...(pessimistic(x.model) ? [PESSIMISTIC] : [])] : []);
  const cell = (x: SimulatedRecord) => `${fixed(x.speedup)}x${notes.mark(...marks(x))}`;
  return `${cell(pair.blockStm)} / ${cell(pair.modular)} at ${pair.threads}`;
}

/**
 * A sentence for the why column where the predictions, at more threads than the verdict's, rank
 * the executors the other way (by TIE_BELOW or more): a reader who sees both columns must not
 * take the row's verdict for the one at many threads, nor the model's ranking for a verdict.
 */
function reversedText(h: Match, pair: ReturnType<typeof predictedPair>): string {
  if (pair === null || pair.threads <= h.threads || (h.outcome !== BLOCK_STM && h.outcome !== MODULAR)) return '';
  const [bs, mod] = [pair.blockStm.speedup, pair.modular.speedup];
  const predicted = bs / mod >= 1 + TIE_BELOW ? BLOCK_STM : mod / bs >= 1 + TIE_BELOW ? MODULAR : null;
  if (predicted === null || predicted === h.outcome) return '';
  // A model marked optimistic or pessimistic leans the way its mark says: a ranking that rests on
  // one is the calibration's as much as the executors'.
  const marked = [pair.blockStm, pair.modular].filter((x) => optimistic(x.model) || pessimistic(x.model)).map((x) => `${x.executor}'s is ${optimistic(x.model) ? 'optimistic' : 'pessimistic'}`);
  const lean = marked.length ? `, but ${marked.join(' and ')} (see ${marked.length > 1 ? 'their notes' : 'its note'}), so no ranking follows from them either` : ': a model\'s, not a measurement, so no verdict is drawn from it';
  return ` The predictions rank them the other way at ${threadsText(pair.threads)} (${BLOCK_STM} ${fixed(bs)}x, ${h.modular.executor} ${fixed(mod)}x)${lean}.`;
}

/**
 * The thread counts the verdicts stand at, in words for the section's title: "at 2 threads, the
 * most this machine measured" where every verdict is at its machine's highest measured count;
 * `both`: what "both" ran the others at ("both executors").
 */
function verdictScope(m: Merged, list: readonly { readonly machine: string; readonly headline: { readonly threads: number } }[], both: string): string {
  const counts = [...new Set(list.map((v) => v.headline.threads))].sort((a, b) => a - b);
  const most = list.every((v) => v.headline.threads === Math.max(...m.sources.find((s) => s.name === v.machine)!.doc.settings.threads));
  const which = m.sources.length > 1 ? 'each machine' : 'this machine';
  if (counts.length === 1) return `at ${threadsText(counts[0]!)}${most ? `, the most ${which} measured` : ''}`;
  return `at ${counts.join(' or ')} threads${most ? `, the most ${which} measured` : `, the most ${both} ran`}`;
}

/**
 * How a file's modular runs of several partitions (`modular (hash)`, reports/partitions.ts) are
 * judged: each partition against the same block-stm runs, a verdict of its own; the partitions
 * against one another in the section after. '' where no file measured several.
 */
function partitionsJudged(m: Merged): string {
  const listed = m.sources.filter((s) => s.doc.settings.partitions !== undefined);
  if (listed.length === 0) return '';
  const labels = [...new Set(listed.flatMap((s) => s.doc.settings.partitions!.map((p) => partitionLabel(MODULAR, p))))];
  return ` ${MODULAR} ran once per partition here (${labels.join(', ')}), in the same rounds against the same baseline: ${BLOCK_STM} is judged against each partition's runs in turn, `
    + `so a workload has a row per partition (the partition column) with its own verdict, reasons and predictions, and "${MODULAR}" in a row means that partition's runs. `
    + `The partitions are tested against one another in the next section.`;
}

/** The machine's ceiling that runs at `threads` on `machine` read beside (cores.ts ceilingFor), or null. */
function ceilingOf(m: Merged, machine: string, threads: number): ReturnType<typeof ceilingFor> {
  const doc = m.sources.find((s) => s.name === machine)?.doc;
  return doc ? ceilingFor(doc.ceilings, threads, doc.machine.effectiveCores) : null;
}

/** Two runs a verdict tested, and whether over their round medians or their samples. */
interface Tested {
  readonly unit: 'rounds' | 'samples';
  readonly runs: readonly [Row, Row];
}

/**
 * "with 5 rounds a side no p is below 2/252 (0.008)": the smallest p the U test can reach with
 * the rounds the tested pairs had (stats.ts smallestP), each size once; '' where none was tested
 * over rounds, or every such pair had too many rounds for the floor to matter.
 */
function roundsFloor(tested: readonly Tested[]): string {
  const sizes = new Map<string, [number, number]>();
  for (const t of tested) {
    if (t.unit !== 'rounds') continue;
    const [a, b] = t.runs.map((r) => roundMedians(r.run)?.length ?? 0).sort((x, y) => x - y) as [number, number];
    sizes.set(`${a},${b}`, [a, b]);
  }
  const each = [...sizes.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1]).flatMap(([a, b]) => {
    const p = smallestP(a, b);
    if (p === 0) return [];
    const rounds = a === b ? `${a} rounds a side` : `${a} rounds on one side and ${b} on the other`;
    return [`with ${rounds} no p is below 2/${Math.round(2 / p)} (${p.toFixed(3)})`];
  });
  return each.join(', and ');
}

/** The sentence on what the test compares: round medians where a verdict's file names rounds, else samples. */
function testWords(tested: readonly Tested[]): string {
  const floor = roundsFloor(tested);
  return tested.some((t) => t.unit === 'rounds')
    ? `The test compares the two executors' round medians (both are timed in each round; ${MIN_ROUNDS} rounds or more each), so drift between rounds is not taken for a difference${floor ? `, and ${floor}` : ''}.${tested.some((t) => t.unit === 'samples') ? ' A verdict marked "over samples" had fewer rounds on a side and treats every sample as independent, which samples of one round are not: its small p says the samples taken agree, not that another run will.' : ''}`
    : 'The p-values treat every sample as independent, which samples of one round are not: a small p says the samples taken agree, not that another run will.';
}

/** An engine's match as why.ts pairs two runs: the engine first. */
function enginePaired(x: EngineMatch): Paired {
  return { threads: x.threads, first: x.first, second: x.other, baseline: x.baseline, winner: x.winner };
}

/**
 * What the section says of the verdicts of users' engines (engine-verdict.ts), whole in itself:
 * a report of an engine beside block-stm alone has no block-stm/modular verdicts before it.
 * `builtInRounds`: whether the block-stm/modular verdicts before were tested over rounds, null
 * where there are none.
 */
function engineMethod(m: Merged, list: readonly EngineVerdict[], scope: string, builtInRounds: boolean | null): string {
  const builtIn = builtInRounds !== null;
  const roundsTested = list.some((v) => [v.headline, ...v.others].some((x) => x.unit === 'rounds'));
  return `${builtIn ? '' : `Every verdict here is ${scope}: what holds there need not hold on more cores. `}Your engines (each executor not built into Concord: a module or an exec: engine) are judged `
    + `against each of Concord's executors they ran beside (${BLOCK_STM}, ${MODULAR}) and, where several engines ran, each against those listed before it, at the highest thread count both ran a workload: `
    + `the one with the higher speedup over ${verdictBaselineWords(m.sources.map((s) => s.doc.settings))} wins when their block times differ significantly (Mann-Whitney p ≤ ${ALPHA}) and by at least ${Math.round(TIE_BELOW * 100)}%; closer than that it is a tie, and a wider gap the test does not find significant is inconclusive (too few or too noisy rounds to tell it from noise, counted apart from the ties). `
    + '"Faster in k of n rounds" after a win (or a tie or an inconclusive gap, for the one with the higher speedup): in how many of the rounds both ran its median block time was the lower, paired round by round. Lower thread counts are named where their verdict differs. '
    + 'The reasons quote what each executor recorded: an engine\'s fallbacks, its re-executions and failed validations per transaction (counted as the engine sees fit) and its own counters as recorded (Concord does not know what they mean, so it quotes them and draws nothing from them), or that it recorded none; '
    + `${BLOCK_STM}'s and ${MODULAR}'s own statistics${builtIn ? ' as above' : ''}; the ideal bound; busy or few samples. `
    + 'Where both also ran at 1 thread, a win is split into each one\'s 1-thread speedup and its scaling from 1 thread to T, beside the machine\'s ceiling where the run measured it. '
    + `No predictions: the models simulate Concord's executors only. ${builtInRounds === roundsTested ? 'The test is as for the verdicts above (Method section).' : testWords(list.flatMap((v) => [v.headline, ...v.others].map((x): Tested => ({ unit: x.unit, runs: [x.first, x.other] }))))}`;
}

/** The verdicts of users' engines as a table: the engine, the one it is judged against, both speedups, the verdict and why. */
function engineTable(m: Merged, list: readonly EngineVerdict[]): { table: Table; details: string[] } {
  const multi = m.sources.length > 1;
  const details: string[] = [];
  const rows = list.map((v) => {
    const h = v.headline;
    const differing = v.others.filter((o) => o.winner !== h.winner)
      .map((o) => ` At ${threadsText(o.threads)}: ${judgementText(o, o.first, o.other)}${o.winner === 'no verdict' ? ` (${unjudgedWhy([o.first, o.other])})` : ''}.`);
    const one = v.others.find((o) => o.threads === 1);
    const split = pairLeadSplit(one && enginePaired(one), enginePaired(h), ceilingOf(m, v.machine, h.threads));
    const full = explainEngine(h);
    details.push(`${[v.label, ...(multi ? [v.machine] : [])].join(', ')}, ${v.first} against ${v.other}: ${full}${differing.join('')}${split ? ` ${split}` : ''}`);
    return [
      v.label, ...(multi ? [v.machine] : []), String(h.threads), v.first, speedupText(h.first), v.other, speedupText(h.other),
      orDash(h.first.ideal, (x) => `${fixed(x)}x`), judgementText(h, h.first, h.other), pairShortWhy(one && enginePaired(one), enginePaired(h), full),
    ];
  });
  return {
    table: {
      headers: ['workload', ...(multi ? ['machine'] : []), 'threads', 'executor', 'speedup', 'against', 'speedup', 'ideal', 'verdict', 'why'],
      numeric: [false, ...(multi ? [false] : []), true, false, true, false, true, true, false, false],
      rows,
    },
    details: ['Why, in full, for your engines: the figures each why cell above rests on, by workload and pair.', ...details],
  };
}

/**
 * `text` with each of `reasons` (fallback reasons, quoted in parentheses) given whole only the first
 * time in a table, `quoted` holding those given before: the preflight's reason, the same for every
 * chained block, stood 8 times in the published verdicts. Later ones keep their kind ("preflight").
 */
function quoteOnce(text: string, reasons: readonly string[], quoted: Set<string>): string {
  let out = text;
  for (const reason of new Set(reasons.filter((r) => r !== ''))) {
    const whole = `(${reason})`;
    const short = `(${reason.split(':')[0]}: as quoted above)`;
    const first = out.indexOf(whole);
    if (first < 0) continue;
    const keep = quoted.has(reason) ? 0 : first + whole.length;
    out = out.slice(0, keep) + out.slice(keep).split(whole).join(short);
    quoted.add(reason);
  }
  return out;
}

/**
 * Which executor wins each workload, and why, at the highest thread count both ran: block-stm
 * against modular, then each user's engine against the executors beside it (engine-verdict.ts).
 */
function verdictSection(m: Merged, list: readonly Verdict[], engines: readonly EngineVerdict[]): { section: Section; method: string | null } {
  const all = [...list, ...engines];
  const scope = all.length ? verdictScope(m, all, 'both executors') : '';
  const title = `Which executor wins, and why${scope ? ` (${scope})` : ''}`;
  const roundsTested = list.some((v) => [v.headline, ...v.others].some((x) => x.unit === 'rounds'));
  const fastShown = list.some((v) => [v.headline.blockStm, v.headline.modular].some((r) => speedupText(r).includes('(fastest core')));
  const method = `${scope ? `Every verdict here is ${scope}: what holds there need not hold on more cores, which only the predictions (last column) speak to. ` : ''}At the highest thread count at which both ${BLOCK_STM} and ${MODULAR} ran a workload, the one with the higher speedup over ${verdictBaselineWords(m.sources.map((s) => s.doc.settings))} wins when their block times differ significantly (Mann-Whitney p ≤ ${ALPHA}) and by at least ${Math.round(TIE_BELOW * 100)}%; closer than that it is a tie, and a wider gap the test does not find significant is inconclusive (too few or too noisy rounds to tell it from noise, counted apart from the ties). "Faster in k of n rounds" after a win (or a tie or an inconclusive gap, for the one with the higher speedup): in how many of the rounds both executors ran its median block time was the lower, paired round by round. How the reasons, the split of a lead, the predictions and the test are read: the Method section at the end.`;
  const methodRest = `Which executor wins:${fastShown ? ' "fastest core" after a speedup: the speedup over the baseline\'s fastest core, where it differs.' : ''} The why column says why in one sentence; the figures it rests on follow the table, a paragraph per workload. Lower thread counts are named where their verdict differs. The reasons quote the recorded statistics: fallbacks, re-executions and failed validations per transaction, cross-module share, lane imbalance and cross-lane waits, the ideal bound, busy or few samples. Where both also ran at 1 thread, a win is split in two: each executor's 1-thread speedup (its cost per transaction beside the baseline's) and its scaling, its own block time at 1 thread over its time at T (medians of round medians where rounds are named). The two multiply to the speedup at T only roughly, off by as much as the baseline itself moved between the two runs, which the why cell names from 5% on. Where the 1-thread verdict is a tie or goes the other way the win is the scaling, otherwise the larger of the two leads says where it comes from, and the scaling reads beside the machine's ceiling where the run measured it (an executor can pass it: the ceiling is measured on the sequential executor's work split into parts). Predicted: both executors' simulated speedups at the highest thread count both models reach (next section), – where that is no higher than the verdict's (there the models repeat the measurements they are fitted to); no verdict is drawn from them, the models may rank the executors otherwise than the measurements (the why column says where they do), one whose footnote says "not fitted" is optimistic, and one marked slower than measured at 2 threads is pessimistic. ${testWords(list.flatMap((v) => [v.headline, ...v.others].map((x): Tested => ({ unit: x.unit, runs: [x.blockStm, x.modular] }))))}`;
  const byPartition = partitionsJudged(m);
  const enginesPart = engines.length ? { paragraph: engineMethod(m, engines, scope, list.length > 0 ? roundsTested : null), ...engineTable(m, engines) } : null;
  if (list.length === 0) {
    if (enginesPart) return { section: { title, paragraphs: [enginesPart.paragraph], tables: [enginesPart.table], after: enginesPart.details }, method: null };
    return { section: { title, paragraphs: [`No workload has runs of both ${BLOCK_STM} and ${MODULAR} at a common thread count.${byPartition}`], tables: [] }, method: null };
  }
  const multi = m.sources.length > 1;
  // A file of one partition beside one of several names its own in that column.
  const parted = list.some((v) => v.partition !== null);
  const partitionOf = (v: Verdict) => v.partition ?? onePartition(m.sources.find((s) => s.name === v.machine)!.doc.settings);
  const notes = footnotes();
  const quoted = new Set<string>();
  const details: string[] = [];
  const rows = list.map((v) => {
    const h = v.headline;
    const differing = v.others.filter((o) => o.outcome !== h.outcome).map((o) => ` At ${threadsText(o.threads)}: ${outcomeText(o)}${o.outcome === 'no verdict' ? ` (${unjudgedWhy([o.blockStm, o.modular])})` : ''}.`);
    const one = v.others.find((o) => o.threads === 1);
    const split = leadSplit(one, h, ceilingOf(m, v.machine, h.threads));
    const pair = predictedPair(m, v.machine, v.workload.id, h.modular.executor);
    // The cell says why in a sentence; the figures behind it follow the table, once per workload.
    details.push(`${[v.label, ...(multi ? [v.machine] : []), ...(parted ? [partitionOf(v)] : [])].join(', ')}: ${quoteOnce(`${explain(h)}${differing.join('')}${split ? ` ${split}` : ''}${reversedText(h, pair)}`, [h.blockStm.fallback, h.modular.fallback], quoted)}`);
    return [
      v.label, ...(multi ? [v.machine] : []), ...(parted ? [partitionOf(v)] : []), String(h.threads), speedupText(h.blockStm), speedupText(h.modular),
      orDash(h.blockStm.ideal, (x) => `${fixed(x)}x`), outcomeText(h), shortWhy(one, h), predictedText(pair, h.threads, notes),
    ];
  });
  return { method: methodRest, section: {
    title,
    paragraphs: [method + byPartition, ...(enginesPart ? [enginesPart.paragraph] : [])],
    tables: [{
      headers: ['workload', ...(multi ? ['machine'] : []), ...(parted ? ['partition'] : []), 'threads', BLOCK_STM, MODULAR, 'ideal', 'verdict', 'why', `predicted (${BLOCK_STM} / ${MODULAR})`],
      numeric: [false, ...(multi ? [false] : []), ...(parted ? [false] : []), true, true, true, true, false, false, false],
      rows,
      notes: notes.lines(),
    }, ...(enginesPart ? [enginesPart.table] : [])],
    after: [`Why, in full, for ${BLOCK_STM} against ${MODULAR}: the figures each why cell above rests on, by workload.`, ...details, ...(enginesPart ? enginesPart.details : [])],
  } };
}

/**
 * Which partition of modular wins each workload, and why, where a file measured several: each
 * partition after the first listed against the first (partition-verdict.ts).
 */
function partitionSection(m: Merged, list: readonly PartitionVerdict[]): Section {
  const scope = verdictScope(m, list, 'both partitions');
  const labels = [...new Set(m.sources.flatMap((s) => (s.doc.settings.partitions ?? []).map((p) => partitionLabel(MODULAR, p))))];
  const roundsTested = list.some((v) => [v.headline, ...v.others].some((x) => x.unit === 'rounds'));
  const method = `Every verdict here is ${scope}. ${MODULAR} ran once per partition here (${labels.join(', ')}), in the same rounds against the same baseline, so their speedups can be tested against one another. `
    + `Each partition is judged against the one its file lists first (the partition column), at the highest thread count both ran a workload, by the test the verdicts above use: `
    + `the one with the higher speedup wins when their block times differ significantly (Mann-Whitney p ≤ ${ALPHA}) and by at least ${Math.round(TIE_BELOW * 100)}%; closer than that it is a tie, and a wider gap the test does not find significant is inconclusive (too few or too noisy rounds to tell it from noise, counted apart from the ties). `
    + 'With three partitions or more a workload has a row per partition after the first: pairs fixed by the order given, not the fastest against the rest, since a pair picked by the speedups its test then compares would favour whichever gap noise widened. '
    + '"Faster in k of n rounds": in how many of the rounds both ran the winner\'s median block time was the lower, paired round by round. Lower thread counts are named where their verdict differs. '
    + 'The reasons quote each partition\'s own statistics: its cross-module share (transactions that touch several modules, ordered against other lanes) and lane imbalance (the heaviest lane\'s gas over the mean lane\'s), '
    + 'and where they matter its heaviest lane, cross-lane waits, hot lanes, fallbacks, and busy or few samples. '
    + (roundsTested ? 'The test compares the two partitions\' round medians, as above.' : 'The p-values treat every sample as independent, as above.');
  const multi = m.sources.length > 1;
  const details: string[] = [];
  const rows = list.map((v) => {
    const h = v.headline;
    const differing = v.others.filter((o) => o.winner !== h.winner).map((o) => ` At ${threadsText(o.threads)}: ${judgementText(o, o.first, o.other)}.`);
    const full = explainPartitions(h);
    // explainPartitions opens with the pair ("modular (affinity) against modular (hash): ..."), which names the row.
    details.push(`${[v.label, ...(multi ? [v.machine] : [])].join(', ')}: ${full}${differing.join('')}`);
    const pair = { threads: h.threads, first: h.first, second: h.other, baseline: h.baseline, winner: h.winner };
    return [
      v.label, ...(multi ? [v.machine] : []), String(h.threads), v.first, speedupText(h.first), v.other, speedupText(h.other),
      judgementText(h, h.first, h.other), pairShortWhy(undefined, pair, full),
    ];
  });
  return {
    title: `Which partition of ${MODULAR} wins, and why (${scope})`,
    paragraphs: [method],
    tables: [{
      headers: ['workload', ...(multi ? ['machine'] : []), 'threads', 'partition', 'speedup', 'against', 'speedup', 'verdict', 'why'],
      numeric: [false, ...(multi ? [false] : []), true, false, true, false, true, false, false],
      rows,
    }],
    after: ['Why, in full: the figures each why cell above rests on, by workload.', ...details],
  };
}

/** How the models charged the machine's own loss at more threads (its ceiling), as each file's predictions did. */
function machineShareText(m: Merged): string {
  const by = (charge: ReturnType<typeof machineCharge>) => m.sources.filter((s) => s.doc.ceilings && s.doc.simulated.length > 0
    && (charge === null ? s.doc.simulated.every((p) => machineCharge(p.model) === null) : s.doc.simulated.some((p) => machineCharge(p.model) === charge)));
  const files = (list: readonly Source[]) => (m.sources.length > 1 ? ` (${list.map((s) => s.name).join(', ')})` : '');
  const charged = by('charged');
  const notCharged = by('not charged');
  const before = by(null);
  return [
    ...(charged.length ? [`Where the run measured the machine's ceiling (the Noise section's machine ceiling column)${files(charged)}, both models first slow every thread's work at T threads `
      + 'by T over the ceiling at T (the mean of its measurements before and after the sweep, where both were taken; between two thread counts measured, by the lower one\'s; above the highest, by its, which is optimistic where memory or a shared cache saturates with more cores); '
      + 'the footnotes say so. Only what is left of the measured 2-thread time is then fitted to handovers, so the loss the machine has with nothing shared (memory, a shared cache, the clock) '
      + 'is not put on cache lines or lanes and multiplied by their number at more threads. The main thread\'s work while the workers wait (Block-STM\'s writing of the block, modular\'s barriers and results) is not slowed.'] : []),
    ...(notCharged.length ? [`A run whose cores ran at unequal speeds${files(notCharged)} charges no slowdown for its ceiling (its footnotes say so): the ceiling\'s fixed parts wait for the slowest core, which an executor handing out work as it goes does not.`] : []),
    ...(before.length ? [`The predictions of a run that measured the machine's ceiling but were made before the models charged it${files(before)} fit their handover costs to the whole 2-thread loss, the machine's own included, which then grows with the handovers at more threads.`] : []),
    ...(m.sources.some((s) => !s.doc.ceilings && s.doc.simulated.length > 0) ? ['A run without a ceiling charges no such slowdown.'] : []),
  ].join(' ');
}

/** A --quick run probes the cores before the sweep alone (cli/bench.ts), and its end record says so. */
function quickCoresOnce(s: Source): boolean {
  const end = s.doc.cores?.end;
  return end !== undefined && 'unavailable' in end && end.unavailable === QUICK_CORES_AT_END.unavailable;
}

/** Which files measured the machine's ceilings before the sweep alone (no `end`), and why, for the Noise section's method. */
function ceilingsOnceWords(m: Merged): string {
  const once = m.sources.filter((s) => s.doc.ceilings?.some((c) => c.end === undefined));
  const why = [
    ...(once.some((s) => s.doc.settings.quick) ? ['in a --quick run, which measures it once'] : []),
    ...(once.some((s) => !s.doc.settings.quick) ? ['in files from before 2026-11-30'] : []),
  ];
  return why.length > 0 ? ` (before it only ${why.join(' and ')})` : '';
}

function sections(m: Merged): Section[] {
  const out: Section[] = [];
  // The overview, the A/A evidence in the Noise section and the verdicts below read the same judgements.
  const judged = verdicts(m);
  const byPartition = partitionVerdicts(m);
  const engines = engineVerdicts(m);
  out.push(overviewSection(m, judged, byPartition, engines));
  out.push({ title: 'Machines', paragraphs: [], tables: [machineTable(m.sources)] });
  const warn = warnings(m);
  out.push({
    title: 'Noise',
    paragraphs: [
      'Foreign CPU is other processes\' CPU time (whole-machine busy time in /proc/stat minus this process\'s own) per second of wall time, averaged over all timed rounds; a round above the threshold or with steal above 5% is flagged busy. '
        + `Round trip: before each round at more than one thread, the main thread and a worker pass a counter through one shared cell, unpinned, where the scheduler puts them (bench/round-trip.ts): what a cache line moving between two of the executors' threads cost in that round${m.sources.some((s) => s.doc.noise.roundTrips === undefined) ? ' (files from before 2026-11-30 have none)' : ''}. A run whose rounds' probes stood more than ${ROUND_TRIP_MOVED}x apart, or where one's worker did not answer within ${GIVE_UP_MS} ms, is warned of.`,
      `Core speeds: the sequential executor timed on each core alone (pinned with taskset) before and after the sweep${m.sources.some(quickCoresOnce) ? ' (before it alone in a --quick run)' : ''}; the fastest core is 1. A core below ${UNEQUAL_CORES} of the fastest is flagged: a core a neighbour slows down shows neither as steal nor as foreign CPU. The cache-line round trip from the first core to each other one is probed with them (bench/core-latency.ts); a pair whose two stood more than ${ROUND_TRIP_MOVED}x apart is warned of. Machine ceiling: at each thread count T the sweep ran within the cores (and at the cores, for a count above them, whose threads shared the cores), T workers each ran the sequential executor on one T-th of the probe block at once, sharing nothing, over the fastest of up to four of them on the whole block (bench/ceiling.ts): what the machine allows T threads before any executor's overhead (cores that slow each other down, a clock that drops with more cores busy, memory bandwidth), so a speedup short of T is the machine's up to there and the executor's beyond. It is measured before the sweep and again after it${ceilingsOnceWords(m)}; where both were, the column gives their mean with each beside it, and a warning names a ceiling that moved by ${CEILING_DRIFT_WORDS}.`,
    ],
    tables: [noiseTable(m.sources), coresTable(m.sources)],
    // How noise is measured, then the figures, then what they warn of.
    after: [
      ...(warn.length ? warn : ['No warnings: no busy rounds, drifting rounds, unequal cores, change of the machine\'s speed or ceiling, moved threads, failures, mismatches or short runs.']),
      aaText(m, judged) ?? '',
    ],
  });
  if (m.sources.length > 1) {
    out.push({ title: 'Hardware comparison', paragraphs: ['The same blocks on each machine: throughput and speedup over that machine\'s own sequential baseline.'], tables: [hardwareTable(m)] });
  }
  const groups = [...new Set(m.rows.map((r) => r.workload.group))];
  for (const g of groups) {
    const rows = m.rows.filter((r) => r.workload.group === g);
    out.push({
      title: `Results: ${g}`,
      paragraphs: g === P2P_GRID_GROUP ? ['The Block-STM paper\'s benchmark grid: p2p transfers with sequence numbers, accounts x block size.'] : [],
      tables: [resultsTable(m, rows)],
    });
  }
  const verdict = verdictSection(m, judged, engines);
  out.push(verdict.section);
  if (byPartition.length) out.push(partitionSection(m, byPartition));
  const predictions = predictionTable(m);
  const paperNote = BLOCK_STM_ANCHORS.some((a) => a.derived)
    ? '* derived: the paper gives throughput only; speedup = throughput / the sequential throughput its headline figures imply.'
    : '';
  const gaps = m.sources.flatMap((s) => s.doc.simulatedGaps.map((g) => `Missing prediction${m.sources.length > 1 ? ` (${s.name})` : ''}: ${withLabels(g, m.labels)}.`));
  out.push({
    title: 'Simulated scaling against measurements and the Block-STM paper',
    paragraphs: [
      ...(predictions ? [
        'Block-STM: its own thread logic run as N virtual workers in the simulated runtime, in virtual time: each VM run costs its gas at the sequential baseline\'s time per gas, each shared-memory operation a cost fitted so one virtual worker matches Block-STM\'s measured 1-thread time, and each cache line a worker takes from another (a line another worker wrote, or one others hold when it writes: 64-byte lines followed as MESI would) a cost fitted so two virtual workers match its measured 2-thread time; the main thread lays out and writes the block first, at the time that took in this process.',
        'Modular: the lane protocol replayed on the block\'s own plan (its lanes, and the finished accesses each transaction waits for) in virtual time, with the main thread as the executor uses it: it plans the window chunk by chunk while the lanes run (joining them from 2 threads on), reads the finished window back beside the workers (shared out evenly), and takes the results in block order, each step at the time it took in this process. VM runs cost as for Block-STM; each shared-memory operation (counted per execution and per lane a claim scans) a cost fitted so the 1-thread model matches modular\'s measured 1-thread time, and each slot or lane a worker takes over from another (the cache lines of its value and count, or of its cursor) a cost fitted so the 2-thread model matches modular\'s measured 2-thread time. Modules: two per core and at least 8, as on a machine with that many cores, unless the run set --modules. The main thread\'s serial steps bound its speedup at many threads.',
        'Both pay the preflight\'s check from 2 threads on; where the preflight sends a block to the sequential executor, that thread count is not predicted (listed below).',
        machineShareText(m),
        'Each prediction rests on the calibration in its row\'s footnote, made from the 1- and 2-thread runs, so the 2-thread point of a fitted model matches its measurement by construction, up to the baseline (except where the model, charging nothing for a handover, is already slower than the 2-thread measurement: its footnote says so, nothing is fitted there, and the prediction is pessimistic): a prediction divides by the 1-thread baseline\'s time, a measured speedup by the baseline interleaved with that thread count. The fit takes block-time medians over all samples, while a measured speedup is the median of its rounds\' speedups where the file names rounds: where rounds drifted, the two can differ at 1 and 2 threads as well. '
          + (m.rows.some((r) => r.role === 'executor' && r.threads > 2) ? 'The measured points beyond 2 threads test the model. ' : 'This run measured no thread count above 2, so nothing here tests the predictions beyond it. ')
          + 'On a noisy machine two runs can differ by tens of percent at 64 threads, and rounds that ran beside other processes make the fitted costs too high. A footnote that says "not fitted" charges no line moving between cores, and that prediction is optimistic. Neither model charges cache capacity, memory bandwidth or waking the workers beyond what the ceiling\'s slowdown holds at the thread counts measured. The modular executor gets more lanes as the cores grow, and every claim scans them all: on a block with few accounts or hot keys its prediction can fall as threads rise.',
      ] : [gaps.length ? 'No predictions; the lines below say why.' : 'No predictions.']),
      `Block-STM paper, 32 threads: ${BLOCK_STM_ANCHORS.map((a) => `${a.setting} ${fixed(a.speedup, 1)}x (${tps(a.txPerSecond)} tx/s)${a.derived ? '*' : ''}`).join('; ')}.`,
      `The paper's figures stand beside the p2p grid's ${BLOCK_STM} predictions and series only (they measure Block-STM, not the other executors): its low-contention figures beside blocks of ${LOW_CONTENTION_ACCOUNTS} accounts or more, its contended ones beside blocks of fewer, each only where the block's ideal at 32 threads reaches it.`,
      paperNote,
      ...gaps,
      ...(predictions ? [
        'The table reads as scaling curves: a row per workload and executor, a column per thread count. A cell gives the simulated speedup and, where bench measured that thread count, "measured" and the measured speedup with its (lo–hi) range, as the results tables give it. '
          + 'Each workload\'s ideal row is the block\'s ideal at each thread count (the limit of its dependencies), and its Block-STM paper row the paper\'s figures beside it. '
          + 'The footnote on an executor names what its model was calibrated to on that workload; what every workload\'s model of it shares is said once here:',
        ...predictions.assumptions,
      ] : []),
    ],
    tables: predictions ? [predictions.table] : [],
  });
  for (const [i, t] of executorStatsTables(ordered(m, m.rows), m.sources.length > 1).entries()) {
    out.push({
      title: `Executor statistics: ${t.executor}`,
      paragraphs: [
        ...(i === 0 ? ['Each executor\'s own counters (BlockResult.stats beyond those the tables above show per transaction), as the mean per timed block; – where a run did not report one (a block the preflight sent to the sequential executor reports that executor\'s). An executor that reported no counter of its own has no table.'] : []),
        ...(t.allZero.length ? [`0 in every run: ${t.allZero.join(', ')}.`] : []),
        ...(t.uncounted.length ? [`Not known to be counted: ${t.uncounted.join(', ')} (0 in every run, as every result's stats hold them until an executor counts them, spec/block.ts emptyStats).`] : []),
      ],
      tables: t.counters.length ? [t] : [],
    });
  }
  out.push({ title: 'Start-up (apart from the timings above)', paragraphs: ['Pool creation and the first, cold block, measured once per executor and thread count; every timed sample above ran on a warm pool.'], tables: [startupTable(m)] });
  // How the verdicts are read, beside how the tables are: the verdict section opens with its rule alone.
  if (verdict.method) out.push({ title: 'Method', paragraphs: [verdict.method], tables: [] });
  const ranged = m.rows.some((r) => r.roundSpeedups !== null);
  // The footnote MODULAR_TWO_CORES marks such a run: only then does the older build's wording matter.
  const oldModular = m.rows.some((r) => r.executor === MODULAR && r.threads === 1 && r.efficiency !== null && Math.round(r.efficiency * 100) > 100 && r.speedup > Math.min(r.threads, r.cores));
  out.push({
    title: 'How to read this',
    paragraphs: [
      ...(ranged ? [
        `speedup = the median over the rounds of the round's speedup: each round times the baseline and the executor back to back in the same process, and a round's speedup is the baseline's median block time over the executor's in that round${m.rows.some((r) => r.run.rounds === undefined) ? ' (a file from before rounds were recorded: the baseline\'s median over the executor\'s, over all samples)' : ''}.`,
        `(lo–hi) after a speedup: how far it moved between rounds. With ${MIN_SAMPLES_FOR_CI} rounds or more the range is the 95% confidence interval of the median per-round speedup (order statistics); with fewer, it runs from the lowest per-round speedup to the highest, which holds that median with probability 1 - 2 × 0.5^rounds (${pct(rangeConfidence(5))} with 5 rounds, ${pct(rangeConfidence(4))} with 4; a footnote marks fewer). Samples of one round share its machine state, so this range, more than the number of samples, says how far a rerun may move the figure. Absent where the two runs shared fewer than 2 rounds.`,
      ] : ['speedup = median block time of the sequential baseline / the executor\'s, both timed in the same process, interleaved round by round.']),
      `over fastest-core baseline = the same, taken only over the rounds in which the baseline ran on its fastest core: the CPU whose rounds' medians have the lowest median (each round one vote, however many samples it took). Where it can, bench pins the baseline to each CPU in turn, one round each, so drift over the run falls alike on every CPU. Where cores differ in speed (Noise section), a baseline that partly ran on a slow core flatters the plain speedup; this column does not, but it rests on fewer rounds. – where the file has no CPUs per sample, where the cores are alike (the core probes flag no core below ${UNEQUAL_CORES} of the fastest and the baseline's round medians on each CPU overlap, so which CPU is "fastest" would be a coin flip), where fewer than ${MIN_CORE_ROUNDS} rounds ran on that CPU (the median of two is their mean, which one wild round moves), or where the core probes found another CPU clearly the fastest, or the cores swapping speeds between the start and the end, so that no core was the fastest throughout; a footnote says which.`,
      ...(m.sources.some((s) => ownBaseline(s.doc.settings)) ? [
        'baseline (where the Sources line names one other than sequential, bench --baseline): every speedup of that file is over that executor, not Concord\'s sequential executor in JavaScript: given 1 thread, timed in the same rounds and checked against the reference like every executor. Where it does not run on Concord\'s main thread alone, it is not pinned and has no fastest core; no scaling is simulated over it (the models take the VM\'s time per gas from Concord\'s sequential executor). A footnote marks a speedup whose executor and baseline were timed differently (one by its engine, one whole).',
      ] : []),
      `threads: for ${BLOCK_STM}, N threads are N workers while the main thread waits for them; for ${MODULAR}, the main thread is one of the N from 2 threads on (N - 1 workers, and the main thread plans and then runs lanes beside them), and at 1 thread the main thread plans and then one worker runs, one thread at a time${oldModular ? ` (builds before 2026-11-29 ran the worker beside the planning main thread, on a second core: a footnote marks a 1-thread ${MODULAR} efficiency above 100%)` : ''}. The sequential baseline always runs on one thread.`,
      'ideal = total gas / the best list schedule of the block\'s true dependency graph (from the reference run\'s reads and writes and the conflict table) on that many workers; bound = min(threads, work / critical path). efficiency = speedup / ideal. Both are taken at min(threads, the machine\'s effective cores): threads beyond the cores share them, so no more than the cores run at once, and a footnote marks such rows.',
      ...(ranged ? ['tx/s: transactions over the median block time of all the run\'s samples; where rounds drifted, two runs\' tx/s can stand in another ratio than their speedup, which is taken round by round.'] : []),
      ...workloadWords(m),
      'peak RSS (process): the highest resident memory of the whole benchmark process (its worker threads included) seen after each of the run\'s timed blocks; it includes what earlier runs left allocated, so it bounds what the run needed rather than measuring it. An exec: engine runs in processes of its own: "+ engine" gives their peak over the run\'s rounds (the high-water marks of its process and those below it still alive, summed, started again before each round and read after it), which the benchmark process\'s figure does not hold.',
      're-exec/tx and failed val/tx: the executor\'s re-executions and failed validations per transaction, averaged over timed blocks. p50/p99: block latency percentiles; with 100 samples or fewer (the samples column), the p99 lies between the run\'s two slowest samples: it says how slow the slowest blocks were, not how often a block is that slow.',
      '(fell back) after a speedup: the parallel executor handed some or all of the run\'s blocks to the sequential executor (its preflight or its contention check judged them too contended), so the figure is partly or wholly the sequential executor\'s; the footnote under the table says how many blocks and why. The charts mark such runs\' points too. A run that sent every block there never ran in parallel: its efficiency reads n/a (sequential), and the efficiency chart leaves it out. (partial) after a speedup: the executor threw part-way through its timed rounds, so the figures of its row come from the samples it took before; the footnote says how many. A footnote on an efficiency above 100% says what can cause it.',
    ],
    tables: [],
  });
  out.push({ title: GLOSSARY_TITLE, paragraphs: glossary(m), tables: [] });
  return out;
}

/**
 * The words a reader meets before the sections that define them, each in plain words, the figures
 * its rules rest on named as the report applies them; each only where the report has what it names.
 */
/** Whether modular ran in any file, under its name or a partition's label. */
function hasModular(m: Merged): boolean {
  return m.rows.some((r) => r.executor === MODULAR || r.executor.startsWith(`${MODULAR} (`));
}

function glossary(m: Merged): string[] {
  const modular = hasModular(m);
  const predicted = m.sources.some((s) => s.doc.simulated.length > 0);
  return [
    `baseline: Concord's sequential executor on one thread, timed in the same rounds as each parallel run ("interleaved"), so a speedup compares two runs taken under the same machine conditions. speedup: the baseline's block time over the executor's; 2x is twice as fast.`,
    `rounds, (lo–hi): bench times the baseline and each executor back to back, several rounds over; (lo–hi) after a speedup is how far it moved from round to round. A speedup whose rounds stood more than ${UNSTEADY}x apart is unsteady${m.rows.some(unsteady) ? ' (marked ⚠)' : ''}: the machine slowed some of them, so it is no figure to quote.`,
    `ceiling (the machine's): what T threads gain on this machine when they share nothing, the sequential executor's work split T ways; below T because busy cores slow each other (memory, caches, clock). Of a speedup short of T, the part down to the ceiling is the machine's and the rest the executor's.`,
    `fastest-core baseline: the baseline taken only over the rounds it ran on the machine's fastest CPU; it differs from the plain one only where some cores are slower than others (a core below ${UNEQUAL_CORES} of the fastest is flagged under Noise).`,
    'ideal, bound, efficiency: the ideal is the best speedup the block\'s own dependencies allow on that many threads; the bound a simpler limit (threads, or total work over the longest chain of dependent transactions); efficiency the measured speedup over the ideal.',
    'preflight, fell back: before running a block in parallel, an executor checks the accesses its transactions declare (the preflight); a block whose transactions chain one after another goes to the sequential executor instead, as can one that meets too much contention while running. Either is "fell back": that share of the timing is the sequential executor\'s.',
    ...(modular ? [`lanes, modules: ${MODULAR} splits the state into modules; each module's transactions form a lane, run in block order by one worker at a time; a transaction that touches several modules (cross-module) must wait for the other lanes, and lane imbalance is the heaviest lane's gas over the mean lane's.`] : []),
    `busy, rough: a round is busy where other processes took a notable share of the CPU, or the hypervisor stole more than 5%; a verdict is rough where many of its samples ran busy or its runs took few samples.`,
    `tie, inconclusive: two executors within ${Math.round(TIE_BELOW * 100)}% of each other tie; ${Math.round(TIE_BELOW * 100)}% or more apart but with a test (Mann-Whitney) p above ${ALPHA}, the gap is inconclusive: too few or too noisy rounds to tell it from noise.`,
    ...(predicted ? ['simulated: a model\'s speedup at more threads than measured, calibrated to the 1- and 2-thread runs: a prediction, not a measurement. Optimistic where it could not fit a cost and charges none; pessimistic where it is slower than measured already at 2 threads.'] : []),
  ];
}

/**
 * Text for Markdown, as a table cell, heading or paragraph: every string the Markdown shows goes
 * through here once, as every string the page shows goes through esc(), since names, labels,
 * messages and reasons come from results files anyone can write. A backslash goes before each
 * character that GitHub's Markdown gives a meaning inside a line (emphasis, code, links,
 * strikethrough, math, table cells, an @mention or a #123 reference once pasted into a comment),
 * before a < that could open an HTML tag and an & that could open an entity (a "1.00 < 1.4" in a
 * reason stays readable, in the file and on bench's terminal), and a line break becomes a space:
 * one would end the table row or paragraph it stands in.
 */
function mdText(s: string): string {
  return s.replace(/\r\n?|\n/g, ' ').replace(/[\\`*_[\]~|$@]|<(?=[A-Za-z/!?])|&(?=[A-Za-z#])|#(?=\d)/g, '\\$&');
}

/**
 * A code span that shows s as written: CommonMark ends a span at a run of backticks as long as its
 * fence, and strips one space from each end of a padded one.
 */
function mdCode(s: string): string {
  const text = s.replace(/\r\n?|\n/g, ' ');
  const fence = '`'.repeat(Math.max(0, ...[...text.matchAll(/`+/g)].map((r) => r[0].length)) + 1);
  const pad = /^[` ]|[` ]$/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

function mdTable(t: Table): string {
  const head = `| ${t.headers.map(mdText).join(' | ')} |`;
  const rule = `| ${t.numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`;
  // Each note a paragraph of its own: a line right under a table would join its last row.
  return [[head, rule, ...t.rows.map((r) => `| ${r.map(mdText).join(' | ')} |`)].join('\n'), ...(t.notes ?? []).map(mdText)].join('\n\n');
}

/** The answer the report opens with, before its sources and settings (overview.ts headlineParagraphs). */
function headline(m: Merged): string[] {
  return headlineParagraphs(m, verdicts(m), partitionVerdicts(m), engineVerdicts(m), warnings(m).length);
}

function title(m: Merged): string {
  return `Concord benchmark report (${m.sources.map((s) => s.doc.createdAt.slice(0, 10)).filter((v, i, a) => a.indexOf(v) === i).join(', ')})`;
}

/**
 * Markdown for a pull request; charts are linked as `<chartDir>/<name>.svg`. `lead`: sections
 * before the results' own, about the job that made them (what `concord main` skipped).
 */
export function renderMarkdown(m: Merged, charts: readonly { name: string; title: string }[], chartDir = '.', lead: readonly Section[] = []): string {
  const parts = [`# ${mdText(title(m))}`, ''];
  for (const p of headline(m)) parts.push(mdText(p), '');
  const source = (s: Source) => `${mdCode(s.file)} (${mdText(sourceWords(s))})`;
  parts.push(`Sources: ${m.sources.map(source).join('; ')}.`, '');
  for (const s of [...lead, ...sections(m)]) {
    parts.push(`## ${mdText(s.title)}`, '');
    for (const p of s.paragraphs) if (p) parts.push(mdText(p), '');
    if (s.glossaryLink) parts.push(`${mdText(glossaryPointer(m))} [${GLOSSARY_TITLE.toLowerCase()}](#${GLOSSARY_ANCHOR}) at the end.`, '');
    for (const t of s.tables) parts.push(mdTable(t), '');
    for (const p of s.after ?? []) if (p) parts.push(mdText(p), '');
  }
  parts.push('## Charts', '');
  for (const c of charts) parts.push(`![${mdText(c.title)}](${chartDir}/${c.name}.svg)`, '');
  return parts.join('\n');
}

/**
 * The terminal summary `concord bench` prints: warnings, the results tables and the predictions.
 * The warnings are plain lines, as bench's notes on stderr are: a terminal shows no Markdown, so
 * an escape would stand in the text (`p2p\_1.json`); the tables stay Markdown, pasteable.
 */
export function resultsMarkdown(m: Merged): string {
  const parts: string[] = [];
  for (const w of warnings(m)) parts.push(w.replace(/\r\n?|\n/g, ' '), '');
  const groups = [...new Set(m.rows.map((r) => r.workload.group))];
  for (const g of groups) parts.push(`## ${mdText(g)}`, '', mdTable(resultsTable(m, m.rows.filter((r) => r.workload.group === g))), '');
  const predictions = predictionTable(m);
  if (predictions) parts.push('## Simulated scaling', '', ...predictions.assumptions.flatMap((a) => [mdText(a), '']), mdTable(predictions.table), '');
  return parts.join('\n');
}

/**
 * Text for HTML, as element content or a quoted attribute value: every string the page shows goes
 * through here once, since file names, executor and machine names, workload labels, failure
 * messages and fallback reasons come from results files anyone can write. Both quotes are escaped,
 * so the text is safe in an attribute whichever quote delimits it.
 */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function htmlTable(t: Table): string {
  const th = t.headers.map((h, i) => `<th${t.numeric[i] ? ' class="n"' : ''}>${esc(h)}</th>`).join('');
  const rows = t.rows.map((r) => `<tr>${r.map((c, i) => `<td${t.numeric[i] ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  const notes = (t.notes ?? []).map((n) => `\n<p class="note">${esc(n)}</p>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${rows}\n</tbody></table>${notes}`;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1400px;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:12.5px}th,td{border:1px solid #ddd;padding:3px 7px;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}thead{background:#f4f4f4}
figure{margin:1.2em 0;overflow-x:auto}figcaption{font-weight:600;margin-bottom:.4em}p.note{font-size:12.5px;margin:.2em 0}`;

/** One self-contained page: inline CSS and SVG, no scripts, nothing loaded from elsewhere; `lead` as for renderMarkdown, above the charts. */
export function renderHtml(m: Merged, charts: readonly RenderedChart[], lead: readonly Section[] = []): string {
  const body: string[] = [`<h1>${esc(title(m))}</h1>`, ...headline(m).map((p) => `<p>${esc(p)}</p>`)];
  body.push(`<p>Sources: ${m.sources.map((s) => `<code>${esc(s.file)}</code> (${esc(sourceWords(s))})`).join('; ')}.</p>`);
  const section = (s: Section) => {
    body.push(s.title === GLOSSARY_TITLE ? `<h2 id="${GLOSSARY_ANCHOR}">${esc(s.title)}</h2>` : `<h2>${esc(s.title)}</h2>`);
    for (const p of s.paragraphs) if (p) body.push(`<p>${esc(p)}</p>`);
    if (s.glossaryLink) body.push(`<p>${esc(glossaryPointer(m))} <a href="#${GLOSSARY_ANCHOR}">${esc(GLOSSARY_TITLE.toLowerCase())}</a> at the end.</p>`);
    for (const t of s.tables) body.push(htmlTable(t));
    for (const p of s.after ?? []) if (p) body.push(`<p>${esc(p)}</p>`);
  };
  lead.forEach(section);
  body.push('<h2>Charts</h2>');
  // Vega's SVG writer escapes the text and attributes it draws (series, workload labels): the SVG goes in as it is.
  for (const c of charts) body.push(`<figure id="chart-${esc(c.name)}"><figcaption>${esc(c.title)}</figcaption>${c.svg}</figure>`);
  sections(m).forEach(section);
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title(m))}</title><style>${CSS}</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}
