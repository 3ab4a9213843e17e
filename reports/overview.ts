// The report's first section: what the run measured, at a glance, for a reader who publishes or
// skims it. Per machine, each executor's speedup at each thread count as the geometric mean over
// the workloads it ran (with the lowest and highest and where it ran the sequential executor on
// every block), the verdict tally, the machine's ceiling and whether every run matched the
// reference. The sections after it hold the figures, their spread and the reasons.
// Invariant: every figure is read from the merged rows, verdicts and results files; a run that did
// not match the reference is counted and named, never averaged in.

import { verdictBaselineWords } from './baseline.js';
import { ceilingsWords } from './cores.js';
import type { Merged } from './merge.js';
import type { Section, Table } from './render.js';
import { geomean } from './stats.js';
import type { Row } from './summary.js';
import { BLOCK_STM, MODULAR, type Verdict } from './verdict.js';
import { plural } from '../spec/plural.js';

const times = (v: number) => `${v.toFixed(2)}x`;

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
        const counted = all.filter((r) => r.correct);
        const byWorkload = (r: Row) => `${times(r.speedup)} (${r.label})`;
        const sorted = [...counted].sort((a, b) => a.speedup - b.speedup);
        const sequential = counted.filter((r) => r.run.fallbackShare === 1).length;
        const wrong = all.length - counted.length;
        rows.push([
          ...(multi ? [s.name] : []), executor, String(t), String(all.length),
          counted.length ? times(geomean(counted.map((r) => r.speedup))) : '–',
          sorted.length ? byWorkload(sorted[0]!) : '–', sorted.length ? byWorkload(sorted[sorted.length - 1]!) : '–',
          sequential ? `${sequential} of ${counted.length}` : '0', wrong ? `⚠ ${wrong}` : '0',
        ]);
      }
    }
  }
  return {
    headers: [...(multi ? ['machine'] : []), 'executor', 'threads', 'workloads', 'speedup (geometric mean)', 'lowest', 'highest', 'ran the sequential executor on every block', 'did not match the reference'],
    numeric: [...(multi ? [false] : []), false, true, true, true, false, false, true, true],
    rows,
  };
}

function tally(list: readonly Verdict[]): string {
  const count = (f: (v: Verdict) => boolean) => list.filter(f).length;
  const ties = count((v) => v.headline.outcome === 'tie');
  const sequentialTies = count((v) => v.headline.outcome === 'tie' && v.headline.bothSequential);
  const none = count((v) => v.headline.outcome === 'no verdict');
  return `${MODULAR} on ${plural(count((v) => v.headline.outcome === MODULAR), 'workload')}, ${BLOCK_STM} on ${count((v) => v.headline.outcome === BLOCK_STM)}, `
    + `a tie on ${ties}${sequentialTies ? ` (${sequentialTies} of them where both ran the sequential executor on every block)` : ''}${none ? `, no verdict on ${none} (a run that did not match the reference)` : ''}`;
}

/** The overview section; `judged`: the verdicts the report's verdict section gives. */
export function overviewSection(m: Merged, judged: readonly Verdict[]): Section {
  const paragraphs = [
    `Each executor's speedup over ${verdictBaselineWords(m.sources.map((s) => s.doc.settings))} at each thread count, as the geometric mean over the workloads it ran, `
      + 'with the lowest and the highest; where it ran the sequential executor on every block of a workload (the preflight, or a fallback), its speedup there is that executor\'s own. '
      + 'A run that did not match the reference is left out of the mean and counted in the last column. The results tables below give each workload\'s figures and their spread.',
  ];
  for (const s of m.sources) {
    const mine = judged.filter((v) => v.machine === s.name);
    const who = m.sources.length > 1 ? `${s.name}: ` : '';
    const facts = [
      ...(mine.length ? [`which executor wins at the highest thread count both ran: ${tally(mine)}`] : []),
      s.doc.ceilings ? `the machine's ceiling: ${ceilingsWords(s.doc.ceilings)}` : 'the machine\'s ceiling was not measured (no thread count above 1 within the cores, or a file from before it was)',
    ];
    const runs = m.rows.filter((r) => r.machine === s.name);
    const wrong = runs.filter((r) => !r.correct).length;
    facts.push(wrong ? `⚠ ${plural(wrong, 'run')} did not match the reference (named under Noise)` : `all ${plural(runs.length, 'run')}, baselines included, matched the reference`);
    const text = facts.join('; ');
    paragraphs.push(`${who}${text[0]!.toUpperCase()}${text.slice(1)}.`);
  }
  return { title: 'Overview', paragraphs, tables: [speedupsTable(m)] };
}
