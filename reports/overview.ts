// The report's opening and its first section. The opening (headlineParagraphs), before the sources
// and settings: per machine, which of block-stm and modular is faster, where, by how much, and
// whether the machine could tell. The overview: what the run measured, at a glance, for a reader
// who publishes or skims it. Per machine, each executor's speedup at each thread count as the geometric mean over
// the workloads it ran in parallel (with the lowest and highest, and how many it left to the
// sequential executor), the verdict tally (and, where a file measured modular once per partition,
// the tally of its partitions against one another; where it measured a user's engine, the tally
// of each engine against each executor it was judged against), the machine's ceiling, and whether every run matched
// the reference and none failed. The sections after it hold the figures, their spread and the
// reasons.
// Invariant: every figure is read from the merged rows, verdicts and results files; a run that did
// not match the reference, failed, stopped part-way, or timed the sequential executor in its stead
// is counted and named, never averaged in; a figure the results tables mark (rounds more than
// UNSTEADY apart, fell back) is marked where the opening quotes it; a winner is named only as the
// verdicts name one.

import { verdictBaselineWords } from './baseline.js';
import { ceilingFor, recordedCeilingsWords } from './cores.js';
import type { Merged } from './merge.js';
import type { Section, Table } from './render.js';
import { geomean, median } from './stats.js';
import { fellBack, mediansByRound, UNSTEADY, unsteady, unsteadyMark, type Row } from './summary.js';
import { BLOCK_STM, MODULAR, TIE_BELOW, type Match, type Verdict } from './verdict.js';
import { pValue } from './compare.js';
import { pct } from './why.js';
import { plural } from '../spec/plural.js';
import { partitionLabel } from './partitions.js';
import type { PartitionVerdict } from './partition-verdict.js';
import type { EngineVerdict } from './engine-verdict.js';

const times = (v: number) => `${v.toFixed(2)}x`;
const TIE_PCT = Math.round(TIE_BELOW * 100);

/**
 * An executor's runs on a machine at a thread count that enter its mean: whole (not stopped
 * part-way), matching the reference, and not left wholly to the sequential executor; by speedup.
 */
function meanRuns(m: Merged, machine: string, executor: string, threads: number): Row[] {
  return m.rows.filter((r) => r.machine === machine && r.role === 'executor' && r.executor === executor && r.threads === threads
    && r.correct && r.stoppedBy === null && r.run.fallbackShare !== 1).sort((a, b) => a.speedup - b.speedup);
}

function speedupsTable(m: Merged): Table {
  const multi = m.sources.length > 1;
  const rows: string[][] = [];
  for (const s of m.sources) {
    const runs = m.rows.filter((r) => r.machine === s.name && r.role === 'executor');
    const executors = [...new Set(runs.map((r) => r.executor))];
    for (const executor of executors) {
      const threads = [...new Set(runs.filter((r) => r.executor === executor).map((r) => r.threads))].sort((a, b) => a - b);
      for (const t of threads) {
        const all = runs.filter((r) => r.executor === executor && r.threads === t);
        const correct = all.filter((r) => r.correct);
        // A run whose executor threw in a timed round kept only the rounds before: not the whole run the others are.
        const partial = correct.filter((r) => r.stoppedBy !== null).length;
        const whole = correct.filter((r) => r.stoppedBy === null);
        // A workload whose every block ran on the sequential executor times that executor, not this one.
        const sequential = whole.filter((r) => r.run.fallbackShare === 1).length;
        const parallel = meanRuns(m, s.name, executor, t);
        const byWorkload = (r: Row) => `${times(r.speedup)} (${r.label})${unsteadyMark(r)}`;
        const wide = parallel.filter(unsteady).length;
        const wrong = all.length - correct.length;
        rows.push([
          ...(multi ? [s.name] : []), executor, String(t), String(all.length),
          // One workload is its own mean, lowest and highest: said once, in the mean's cell.
          parallel.length === 1 ? byWorkload(parallel[0]!)
          : parallel.length ? `${times(geomean(parallel.map((r) => r.speedup)))}${wide ? ` ⚠ (holds ${wide} whose rounds are more than ${UNSTEADY}x apart)` : ''}` : '–',
          parallel.length > 1 ? byWorkload(parallel[0]!) : '–', parallel.length > 1 ? byWorkload(parallel[parallel.length - 1]!) : '–',
          String(sequential), partial ? `⚠ ${partial}` : '0', wrong ? `⚠ ${wrong}` : '0',
        ]);
      }
    }
  }
  return {
    headers: [...(multi ? ['machine'] : []), 'executor', 'threads', 'workloads', 'speedup (geometric mean)', 'lowest', 'highest', 'left to the sequential executor', 'stopped part-way (partial)', 'did not match the reference'],
    numeric: [...(multi ? [false] : []), false, true, true, true, false, false, true, true, true],
    rows,
  };
}

/** A tally's inconclusive verdicts, apart from its ties: a gap the rounds could not call is not an equal pair. */
function inconclusiveText(n: number): string {
  return n ? `, inconclusive on ${n} (${TIE_PCT}% apart or more, but not significantly: too few or too noisy rounds to tell)` : '';
}

/** `list`'s verdicts counted by outcome; `modular`: the label of the modular runs they judged. */
function tally(list: readonly Verdict[], modular: string): string {
  const count = (f: (v: Verdict) => boolean) => list.filter(f).length;
  const ties = count((v) => v.headline.outcome === 'tie');
  const sequentialTies = count((v) => v.headline.outcome === 'tie' && v.headline.bothSequential);
  const none = list.filter((v) => v.headline.outcome === 'no verdict').map((v) => [v.headline.blockStm, v.headline.modular]);
  const why = [
    ...(none.some((rows) => rows.some((r) => !r.correct)) ? ['a run that did not match the reference'] : []),
    ...(none.some((rows) => rows.some((r) => r.stoppedBy !== null)) ? ['a run that stopped part-way'] : []),
  ];
  return `${modular} on ${plural(count((v) => v.headline.outcome === MODULAR), 'workload')}, ${BLOCK_STM} on ${count((v) => v.headline.outcome === BLOCK_STM)}, `
    + `a tie on ${ties}${sequentialTies ? ` (${sequentialTies} of them where both ran the sequential executor on every block)` : ''}${inconclusiveText(count((v) => v.headline.outcome === 'inconclusive'))}`
    + `${none.length ? `, no verdict on ${none.length} (${why.join(' or ')})` : ''}`;
}

/**
 * One machine's verdicts counted: each partition's apart where its file measured several
 * (`partitions`), as they are judged apart, since one workload then has a verdict per partition.
 */
function winsText(mine: readonly Verdict[], partitions: readonly string[] | undefined): string {
  const head = 'which executor wins at the highest thread count both ran';
  if (partitions === undefined) return `${head}: ${tally(mine, MODULAR)}`;
  const each = partitions.flatMap((p) => {
    const judged = mine.filter((v) => v.partition === p);
    return judged.length ? [tally(judged, partitionLabel(MODULAR, p))] : [];
  });
  return `${head}, ${BLOCK_STM} against each partition's ${MODULAR} in turn: ${each.join('; ')}`;
}

/**
 * One machine's partition verdicts counted, per partition after the first: how often each of the
 * pair won, tied or had none, as tally() counts block-stm against modular.
 */
function partitionWinsText(mine: readonly PartitionVerdict[]): string {
  const pairs = [...new Set(mine.map((v) => v.other))].map((other) => {
    const judged = mine.filter((v) => v.other === other);
    const count = (winner: PartitionVerdict['headline']['winner']) => judged.filter((v) => v.headline.winner === winner).length;
    const [first, second] = [partitionLabel(MODULAR, judged[0]!.first), partitionLabel(MODULAR, other)];
    const sequentialTies = judged.filter((v) => v.headline.winner === 'tie' && v.headline.bothSequential).length;
    return `${second} against ${first}: ${second} on ${plural(count('second'), 'workload')}, ${first} on ${count('first')}, `
      + `a tie on ${count('tie')}${sequentialTies ? ` (${sequentialTies} of them where both ran the sequential executor on every block)` : ''}${inconclusiveText(count('inconclusive'))}${count('no verdict') ? `, no verdict on ${count('no verdict')}` : ''}`;
  });
  return `which partition of ${MODULAR} wins at the highest thread count both ran, against the first listed: ${pairs.join('; ')}`;
}

/**
 * One machine's engine verdicts counted, per pair (the engine, the one it was judged against): how
 * often each won, tied or had none, as tally() counts block-stm against modular.
 */
function engineWinsText(mine: readonly EngineVerdict[]): string {
  const pairs = [...new Set(mine.map((v) => `${v.first}\0${v.other}`))].map((key) => {
    const judged = mine.filter((v) => `${v.first}\0${v.other}` === key);
    const [first, other] = [judged[0]!.first, judged[0]!.other];
    const count = (winner: EngineVerdict['headline']['winner']) => judged.filter((v) => v.headline.winner === winner).length;
    const sequentialTies = judged.filter((v) => v.headline.winner === 'tie' && v.headline.bothSequential).length;
    return `${first} against ${other}: ${first} on ${plural(count('first'), 'workload')}, ${other} on ${count('second')}, `
      + `a tie on ${count('tie')}${sequentialTies ? ` (${sequentialTies} of them where both ran the sequential executor on every block)` : ''}${inconclusiveText(count('inconclusive'))}${count('no verdict') ? `, no verdict on ${count('no verdict')}` : ''}`;
  });
  return `which executor wins at the highest thread count both ran, for each engine of yours: ${pairs.join('; ')}`;
}

/** The overview section; `judged`, `byPartition` and `engines`: the verdicts the report's verdict sections give. */
export function overviewSection(m: Merged, judged: readonly Verdict[], byPartition: readonly PartitionVerdict[], engines: readonly EngineVerdict[]): Section {
  const paragraphs = [
    `Each executor's speedup over ${verdictBaselineWords(m.sources.map((s) => s.doc.settings))} at each thread count, as the geometric mean over the workloads it ran in parallel, `
      + 'with the lowest and the highest (where it ran one workload in parallel, the mean is that one\'s speedup, named, and – stands in both). A workload whose every block it left to the sequential executor (the preflight, or a fallback) times that executor, not this one: it is counted apart, '
      + 'as are a run that stopped part-way (its executor threw in a timed round, so it holds only the rounds before: (partial) in the results tables) and a run that did not match the reference, '
      + 'and none of them enters the mean. The results tables below give each workload\'s figures and their spread.'
      + (m.rows.some((r) => r.role === 'executor' && unsteady(r))
        ? ` ⚠ marks a speedup whose rounds disagree by more than ${UNSTEADY}x (its lowest round's speedup to its highest): the results tables call it no figure to quote; a mean marked ⚠ holds such speedups, and says how many.` : ''),
  ];
  for (const s of m.sources) {
    const mine = judged.filter((v) => v.machine === s.name);
    const partitionsJudged = byPartition.filter((v) => v.machine === s.name);
    const enginesJudged = engines.filter((v) => v.machine === s.name);
    const who = m.sources.length > 1 ? `${s.name}: ` : '';
    const facts = [
      ...(mine.length ? [winsText(mine, s.doc.settings.partitions)] : []),
      ...(partitionsJudged.length ? [partitionWinsText(partitionsJudged)] : []),
      ...(enginesJudged.length ? [engineWinsText(enginesJudged)] : []),
      s.doc.ceilings ? `the machine's ceiling: ${recordedCeilingsWords(s.doc.ceilings)}` : 'the machine\'s ceiling was not measured (no thread count above 1 on a machine of more than one core, or a file from before it was)',
    ];
    const runs = m.rows.filter((r) => r.machine === s.name);
    const wrong = runs.filter((r) => !r.correct).length;
    const partial = runs.filter((r) => r.stoppedBy !== null).length;
    const failed = s.doc.failures.length;
    if (s.doc.stopped !== undefined) facts.push('⚠ the sweep stopped part-way, at a call into an executor that never settled, or by a signal: the file holds only what was measured before it (named under Noise)');
    if (wrong) facts.push(`⚠ ${plural(wrong, 'run')} did not match the reference (named under Noise)`);
    if (partial) facts.push(`⚠ ${plural(partial, 'run')} stopped part-way, its executor having thrown in a timed round (marked (partial) in the results tables)`);
    if (failed) facts.push(`⚠ ${plural(failed, 'executor run')} failed (named under Noise)`);
    if (!wrong && !failed) facts.push(runs.length ? `all ${plural(runs.length, 'run')}, baselines included, matched the reference` : 'no run was timed');
    const text = facts.join('; ');
    paragraphs.push(`${who}${text[0]!.toUpperCase()}${text.slice(1)}.`);
  }
  return { title: 'Overview', paragraphs, tables: [speedupsTable(m)], glossaryLink: true };
}

/** "1.38x (1.09x to 1.53x over 12 workloads)": an executor's mean speedup where it ran in parallel, or null where it did not. */
function meanWords(runs: readonly Row[]): string | null {
  if (runs.length === 0) return null;
  const wide = runs.filter(unsteady).length;
  const mark = wide ? ` ⚠ (${wide} of them with rounds more than ${UNSTEADY}x apart: no figure to quote)` : '';
  if (runs.length === 1) return `${times(runs[0]!.speedup)}${unsteadyMark(runs[0]!)} (on ${runs[0]!.label}, the one workload it ran in parallel)`;
  return `${times(geomean(runs.map((r) => r.speedup)))} (${times(runs[0]!.speedup)} to ${times(runs[runs.length - 1]!.speedup)} over ${runs.length} workloads)${mark}`;
}

/** A run's speedup as the headline quotes it: marked where its rounds disagree, or where the sequential executor ran its blocks (the results tables' marks). */
function figure(r: Row): string {
  const share = r.run.fallbackShare;
  return `${times(r.speedup)}${unsteadyMark(r)}${fellBack(r) ? ` (${share === undefined || share >= 1 ? '' : `${pct(share)} `}fell back)` : ''}`;
}

/** "11% to 35% (median 14%)": how far the winner's speedups stood above the loser's, over its wins. */
function leadWords(wins: readonly Match[]): string {
  const leads = wins.map((x) => x.ratio - 1).sort((a, b) => a - b);
  const p = (v: number) => `${Math.round(v * 100)}%`;
  return leads.length === 1 ? p(leads[0]!) : `${p(leads[0]!)} to ${p(leads[leads.length - 1]!)} (median ${p(median(leads))})`;
}

/**
 * ", faster in every round of each" or ", faster in 4 of 5 rounds or more": in how many of the rounds
 * both ran the winner's median block time was the lower, paired round by round as the verdict
 * table counts them, at the least over `wins`; '' where a win has fewer than 2 such rounds.
 */
function roundsLedWords(wins: readonly { readonly won: Row; readonly lost: Row }[]): string {
  const led = wins.map(({ won, lost }) => {
    const [mine, theirs] = [mediansByRound(won.run), mediansByRound(lost.run)];
    if (mine === null || theirs === null) return null;
    const shared = [...mine.keys()].filter((round) => theirs.has(round));
    return shared.length < 2 ? null : { k: shared.filter((round) => mine.get(round)! < theirs.get(round)!).length, n: shared.length };
  });
  if (led.length === 0 || led.some((x) => x === null)) return '';
  const least = [...(led as { k: number; n: number }[])].sort((a, b) => a.k / a.n - b.k / b.n)[0]!;
  if (least.k === least.n) return `, faster in every round${wins.length === 1 ? '' : ' of each'}`;
  return `, faster in ${least.k} of ${least.n} rounds${wins.length === 1 ? '' : ' or more'}`;
}

/** "p=0.008" where every match's p is the same, else "p ≤ 0.032": the highest, which each is at or below. */
function pWords(list: readonly Match[]): string {
  const ps = list.map((x) => x.p);
  const most = Math.max(...ps);
  return most === Math.min(...ps) ? pValue(most) : pValue(most).replace('=', ' ≤ ');
}

/**
 * One machine's answer, in the words a reader who stops after it should take away: which of
 * block-stm and modular (`modular`: the label of the runs judged) is faster at the highest thread
 * count both ran, on how many workloads and where, by how much (the winner's lead, its spread over
 * the workloads it won, the highest p among them), the ties named, and each one's mean speedup.
 */
function answerText(m: Merged, mine: readonly Verdict[], modular: string): string {
  const threads = [...new Set(mine.map((v) => v.headline.threads))];
  const at = threads.length === 1 ? `at ${plural(threads[0]!, 'thread')}` : 'at the highest thread count both ran each workload';
  const won = (outcome: Verdict['headline']['outcome']) => mine.filter((v) => v.headline.outcome === outcome);
  const [wm, wb] = [won(MODULAR), won(BLOCK_STM)];
  const [leader, other, wins, lost] = wm.length >= wb.length ? [modular, BLOCK_STM, wm, wb] : [BLOCK_STM, modular, wb, wm];
  const ties = won('tie');
  const [inconclusive, none] = [won('inconclusive').length, won('no verdict').length];
  const rest = [
    `${ties.length ? plural(ties.length, 'tie') : 'no tie'}`,
    ...(inconclusive ? [`${inconclusive} inconclusive (${TIE_PCT}% apart or more, but too few or too noisy rounds to tell)`] : []),
    ...(none ? [`${none} without a verdict (a run did not match the reference or stopped part-way)`] : []),
  ];
  const sentences = [wins.length > lost.length
    ? `${leader} is the faster executor ${at}: it wins ${wins.length} of the ${mine.length} workloads, ${other} ${lost.length || 'none'}; ${rest.join('; ')}.`
    : `Neither executor is the faster ${at}: each wins ${wins.length} of the ${mine.length} workloads; ${rest.join('; ')}.`];
  for (const [name, list, against] of [[leader, wins, other], [other, lost, leader]] as const) {
    if (list.length === 0) continue;
    const widest = [...list].sort((a, b) => b.headline.ratio - a.headline.ratio)[0]!.headline;
    const [w, l] = name === BLOCK_STM ? [widest.blockStm, widest.modular] : [widest.modular, widest.blockStm];
    const sides = list.map((v) => (name === BLOCK_STM ? { won: v.headline.blockStm, lost: v.headline.modular } : { won: v.headline.modular, lost: v.headline.blockStm }));
    sentences.push(`Where ${name} wins, its speedup is ${leadWords(list.map((v) => v.headline))} above ${against}'s (${list.length === 1 ? pWords([widest]) : `each win ${pWords(list.map((v) => v.headline))}`}${roundsLedWords(sides)}), `
      + `${list.length === 1 ? 'on' : 'widest on'} ${w.label}: ${figure(w)} against ${figure(l)}.`);
  }
  const groups = [...new Set(mine.map((v) => v.workload.group))];
  if (groups.length > 1 && wins.length > lost.length) {
    sentences.push(`${leader}'s wins by workload group: ${groups.map((g) => `${wins.filter((v) => v.workload.group === g).length} of ${mine.filter((v) => v.workload.group === g).length} in ${g}`).join(', ')}.`);
  }
  const sequential = ties.filter((v) => v.headline.bothSequential).map((v) => v.label);
  const close = ties.filter((v) => !v.headline.bothSequential).map((v) => v.label);
  if (ties.length) {
    sentences.push(`The ties: ${[
      ...(sequential.length ? [`${sequential.length} where both handed every block to the sequential executor, so the same code ran twice (${sequential.join(', ')})`] : []),
      ...(close.length ? [`${close.length} under ${TIE_PCT}% apart (${close.join(', ')})`] : []),
    ].join('; ')}.`);
  }
  const t = Math.max(...threads);
  const machine = mine[0]!.machine;
  const means = [leader, other].flatMap((e) => {
    const words = meanWords(meanRuns(m, machine, e, t));
    return words ? [`${e} ${words}`] : [];
  });
  if (means.length) sentences.push(`Speedup over ${verdictBaselineWords(m.sources.map((s) => s.doc.settings))} at ${plural(t, 'thread')}, as the geometric mean over the workloads each ran in parallel: ${means.join('; ')}.`);
  return sentences.join(' ');
}

/**
 * Whether one machine could judge the question: the thread counts it measured beside its cores
 * (what holds there need not hold on more), its ceiling (what that many threads gain on it with
 * nothing shared, so no executor reaches the thread count), and how quiet and correct its runs were.
 */
function judgedText(m: Merged, s: Merged['sources'][number], mine: readonly Verdict[], warned: number): string {
  const t = mine.length ? Math.max(...mine.map((v) => v.headline.threads)) : Math.max(0, ...m.rows.filter((r) => r.machine === s.name).map((r) => r.threads));
  const cores = s.doc.machine.effectiveCores;
  const reach = t > cores ? `it ran up to ${plural(t, 'thread')} on ${plural(cores, 'core')}, so threads above ${cores} shared them`
    : t < cores ? `the sweep went to ${plural(t, 'thread')} of its ${plural(cores, 'core')}` : `it has ${plural(cores, 'core')}, and ${t === 1 ? '1 thread is' : `${t} threads are`} the most measured`;
  const ceiling = ceilingFor(s.doc.ceilings, t, cores);
  const ceilingWords = ceiling
    ? `Its ceiling, what ${plural(ceiling.threads, 'thread')} gain on it when they share nothing (the sequential executor's work split ${ceiling.threads} ways), is ${times(ceiling.ratio)}: of a speedup short of ${ceiling.threads}x, the part down to ${times(ceiling.ratio)} is the machine's and the rest the executor's.`
    : 'Its ceiling (what its threads gain when they share nothing) was not measured.';
  const runs = m.rows.filter((r) => r.machine === s.name);
  const wrong = runs.filter((r) => !r.correct).length + s.doc.failures.length;
  const noise = `${s.doc.noise.busyRounds} of ${s.doc.noise.rounds} timed windows (one a run a round) ran beside busy processes; `
    + `${warned ? `the Noise section gives ${plural(warned, 'warning')}` : 'the Noise section gives no warning'}; `
    + `${wrong ? `⚠ ${plural(wrong, 'run')} failed or did not match the reference` : `all ${plural(runs.length, 'run')} matched the reference`}.`;
  return `Could this machine tell? Only at ${plural(t, 'thread')}: ${reach}. What holds there need not hold on more cores, where only the simulated predictions speak (a model's, not a measurement). ${ceilingWords} ${noise[0]!.toUpperCase()}${noise.slice(1)}`;
}

/**
 * The report's opening: per machine, the answer (answerText), and whether the machine could tell
 * (judgedText); where partitions of modular or users' engines were judged, where to find theirs.
 * `warned`: how many warnings the Noise section gives.
 */
export function headlineParagraphs(m: Merged, judged: readonly Verdict[], byPartition: readonly PartitionVerdict[], engines: readonly EngineVerdict[], warned: number): string[] {
  const out: string[] = [];
  for (const s of m.sources) {
    const who = m.sources.length > 1 ? `${s.name}: ` : '';
    const mine = judged.filter((v) => v.machine === s.name);
    const labels = [...new Set(mine.map((v) => v.headline.modular.executor))];
    if (mine.length === 0) out.push(`${who}No workload has runs of both ${BLOCK_STM} and ${MODULAR} at a common thread count, so neither is judged the faster; the Overview gives each executor's speedups.`);
    for (const label of labels) out.push(`${who}${answerText(m, mine.filter((v) => v.headline.modular.executor === label), label)}`);
    const others = [
      ...(byPartition.some((v) => v.machine === s.name) ? [`${MODULAR}'s partitions against one another`] : []),
      ...(engines.some((v) => v.machine === s.name) ? ['your engines against the executors beside them'] : []),
    ];
    if (others.length) out.push(`${who}The verdict sections also judge ${others.join(' and ')}; the Overview counts them.`);
    out.push(`${who}${judgedText(m, s, mine, warned)}`);
  }
  return out;
}
