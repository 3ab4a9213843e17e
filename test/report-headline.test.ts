// The report opens with its answer (reports/overview.ts headlineParagraphs), before its sources and
// settings: which of block-stm and modular is faster at the highest thread count both ran, on how
// many workloads and in which groups, by how much (the lead over the workloads won, its spread, the
// highest p and the fewest rounds led), the ties named by kind, each one's mean speedup (a speedup whose rounds are more
// than 2x apart marked), and whether the machine could tell: the thread counts beside its cores,
// its ceiling, busy rounds, the Noise section's warnings and the runs that matched the reference.
// Files are built, not measured: every figure asserted is read back from the verdicts and rows.
import { describe, expect, it } from 'vitest';
import { merge } from '../reports/merge.js';
import { renderHtml, renderMarkdown } from '../reports/render.js';
import type { ResultsFile } from '../reports/schema.js';
import { verdicts } from '../reports/verdict.js';
import { contestResults, mdUnescaped, PREFLIGHT_CHAIN, withRounds, type ContestCase } from './report-fixture.js';

const P2P = 'p2p 1000 acc × 1000 tx';
const AMM = 'amm 1000 acc × 1000 tx';

/** Modular 10/5 = 2x and block-stm 10/8 = 1.25x on p2p at 2 threads; on amm both hand every block to the sequential executor. */
const CASES: ContestCase[] = [
  { workload: 'p2p', idealLimit: 14, seqMs: 10, blockStm: { 1: { ms: 12 }, 2: { ms: 8 } }, modular: { 1: { ms: 11 }, 2: { ms: 5, detail: { crossShare: 0.5 } } } },
  {
    workload: 'amm', idealLimit: 1, seqMs: 10, blockStm: { 1: { ms: 12 }, 2: { ms: 10, fallback: PREFLIGHT_CHAIN, fallbackShare: 1, detail: {} } },
    modular: { 1: { ms: 11 }, 2: { ms: 10, fallback: PREFLIGHT_CHAIN, fallbackShare: 1, detail: {} } },
  },
];

/** The paragraphs between the title and the Sources line. */
function headline(doc: ResultsFile): string[] {
  const md = mdUnescaped(renderMarkdown(merge([{ file: 'r.json', doc }]), []));
  const lines = md.split('\n');
  expect(lines[0]).toMatch(/^# Concord benchmark report/);
  const sources = lines.findIndex((l) => l.startsWith('Sources: '));
  expect(sources).toBeGreaterThan(1);
  return lines.slice(1, sources).filter((l) => l !== '');
}

describe('the report\'s opening answer', () => {
  const doc = withRounds(contestResults(CASES), 5);
  const m = merge([{ file: 'r.json', doc }]);
  const [answer, judged] = headline(doc);

  it('names the faster executor, its wins, and the ties by kind, before the sources and settings', () => {
    expect(answer).toMatch(/^modular is the faster executor at 2 threads: it wins 1 of the 2 workloads, block-stm none; 1 tie\. /);
    expect(answer).toContain(`The ties: 1 where both handed every block to the sequential executor, so the same code ran twice (${AMM}).`);
  });

  it('gives the lead as the verdict measured it, with its p, and each one\'s speedup', () => {
    const p2p = verdicts(m).find((v) => v.label === P2P)!.headline;
    expect(p2p.outcome).toBe('modular');
    expect(answer).toContain(`Where modular wins, its speedup is ${Math.round((p2p.ratio - 1) * 100)}% above block-stm's (p=0.008, faster in every round), on ${P2P}: ${p2p.modular.speedup.toFixed(2)}x against ${p2p.blockStm.speedup.toFixed(2)}x.`);
    // amm ran the sequential executor: not in either mean, which is then p2p's alone, named.
    expect(answer).toContain(`as the geometric mean over the workloads each ran in parallel: modular ${p2p.modular.speedup.toFixed(2)}x (on ${P2P}, the one workload it ran in parallel); block-stm ${p2p.blockStm.speedup.toFixed(2)}x (on ${P2P}, `);
  });

  it("counts the wins by group as the leader's, named, where the other won some too", () => {
    const win = (workload: string, leader: 'blockStm' | 'modular'): ContestCase => ({
      workload, idealLimit: 14, seqMs: 10,
      blockStm: { 1: { ms: 12 }, 2: { ms: leader === 'blockStm' ? 5 : 8 } },
      modular: { 1: { ms: 11 }, 2: { ms: leader === 'modular' ? 5 : 8, detail: { crossShare: 0.1 } } },
    });
    const doc3 = withRounds(contestResults([win('p2p', 'modular'), win('token', 'modular'), win('defi', 'blockStm')]), 5);
    doc3.workloads[0]!.group = 'Block-STM p2p grid';
    const [mixed] = headline(doc3);
    expect(mixed).toContain('Where block-stm wins, ');
    expect(mixed).toContain(" modular's wins by workload group: 1 of 1 in Block-STM p2p grid, 1 of 2 in contract mixes.");
    expect(mixed).not.toContain('Its wins');
  });

  it('says whether the machine could tell: its cores, its ceiling where measured, busy rounds, warnings and matching runs', () => {
    expect(judged).toBe('Could this machine tell? Only at 2 threads: it has 2 cores, and 2 threads are the most measured. What holds there need not hold on more cores, where only the simulated predictions speak (a model\'s, not a measurement). '
      + 'Its ceiling (what its threads gain when they share nothing) was not measured. 0 of 24 timed windows (one a run a round) ran beside busy processes; the Noise section gives no warning; all 12 runs matched the reference.');
    const measured = structuredClone(doc);
    measured.ceilings = [{ threads: 2, workload: 'sequential executor, p2p 1000 accounts x 1000 txs', oneMs: 10, partsMs: 5.5, ratio: 1.82 }];
    expect(headline(measured)[1]).toContain('Its ceiling, what 2 threads gain on it when they share nothing (the sequential executor\'s work split 2 ways), is 1.82x: of a speedup short of 2x, the part down to 1.82x is the machine\'s and the rest the executor\'s.');
  });

  it('stands first on the HTML page too', () => {
    const html = renderHtml(m, []);
    expect(html).toMatch(/<h1>Concord benchmark report[^<]*<\/h1>\n<p>modular is the faster executor at 2 threads: /);
    expect(html.indexOf('Could this machine tell?')).toBeLessThan(html.indexOf('<p>Sources: '));
  });
});

describe('the opening answer keeps the verdicts\' rules', () => {
  it('marks a mean that holds a speedup whose rounds are more than 2x apart', () => {
    const doc = withRounds(contestResults(CASES), 5);
    // block-stm's 2-thread p2p run four times slower in round 0: its round speedups lie 0.31x to 1.25x apart.
    const run = doc.runs.find((r) => r.executor === 'block-stm' && r.threads === 2 && r.workload.startsWith('p2p'))!;
    run.samplesMs = run.samplesMs.map((ms, i) => (run.rounds![i] === 0 ? ms * 4 : ms));
    const [answer] = headline(doc);
    expect(answer).toMatch(/block-stm \d\.\d\dx ⚠ \(its rounds more than 2x apart\) \(on p2p 1000 acc × 1000 tx, the one workload it ran in parallel\)/);
    expect(answer).toMatch(/: \d\.\d\dx against \d\.\d\dx ⚠ \(its rounds more than 2x apart\)\./);
  });

  it('marks a winner\'s speedup that the sequential executor ran, as the results tables do', () => {
    const doc = withRounds(contestResults([
      CASES[0]!,
      { workload: 'amm', idealLimit: 1, seqMs: 10, blockStm: { 1: { ms: 12 }, 2: { ms: 10, fallback: 'contention: transactions 256 to 512 needed 400 executions', fallbackShare: 1, detail: {} } }, modular: { 1: { ms: 11 }, 2: { ms: 14, detail: {} } } },
    ]), 5);
    const amm = verdicts(merge([{ file: 'r.json', doc }])).find((v) => v.label === AMM)!.headline;
    expect(amm.outcome).toBe('block-stm');
    expect(headline(doc)[0]).toContain(`Where block-stm wins, its speedup is ${Math.round((amm.ratio - 1) * 100)}% above modular's (p=0.008, faster in every round), on ${AMM}: ${amm.blockStm.speedup.toFixed(2)}x (fell back) against ${amm.modular.speedup.toFixed(2)}x.`);
  });

  it('calls no executor faster where the gap is inconclusive, and counts it apart from the ties', () => {
    const doc = withRounds(contestResults(CASES), 5);
    // Modular twice as slow in one round of five: far apart, but not significantly.
    const slow = doc.runs.find((r) => r.executor === 'modular' && r.threads === 2 && r.workload.startsWith('p2p'))!;
    slow.samplesMs = slow.samplesMs.map((ms, i) => (slow.rounds![i] === 4 ? ms * 2 : ms));
    expect(verdicts(merge([{ file: 'r.json', doc }])).find((v) => v.label === P2P)!.headline.outcome).toBe('inconclusive');
    expect(headline(doc)[0]).toMatch(/^Neither executor is the faster at 2 threads: each wins 0 of the 2 workloads; 1 tie; 1 inconclusive \(5% apart or more, but too few or too noisy rounds to tell\)\. /);
  });

  it('says so where no workload has runs of both executors', () => {
    const doc = contestResults(CASES);
    doc.runs = doc.runs.filter((r) => r.executor !== 'modular');
    doc.settings.executors = ['block-stm'];
    doc.startup = doc.startup.filter((s) => s.executor !== 'modular');
    const [answer, judged] = headline(doc);
    expect(answer).toBe('No workload has runs of both block-stm and modular at a common thread count, so neither is judged the faster; the Overview gives each executor\'s speedups.');
    expect(judged).toMatch(/^Could this machine tell\? Only at 2 threads: /);
  });

  it('gives each machine its own answer where files are merged', () => {
    const md = mdUnescaped(renderMarkdown(merge([{ file: 'a.json', doc: contestResults(CASES, 'box-a') }, { file: 'b.json', doc: contestResults(CASES, 'box-b') }]), []));
    const opening = md.slice(0, md.indexOf('Sources: '));
    expect(opening).toMatch(/^box-a: modular is the faster executor at 2 threads/m);
    expect(opening).toMatch(/^box-b: modular is the faster executor at 2 threads/m);
    expect(opening).toMatch(/^box-b: Could this machine tell\?/m);
  });
});

describe('the glossary', () => {
  const doc = withRounds(contestResults(CASES), 5);
  const m = merge([{ file: 'r.json', doc }]);
  const md = mdUnescaped(renderMarkdown(m, []));

  it('closes the report, before the charts, and the overview links to it where its words are first met', () => {
    expect(md.indexOf('## Glossary')).toBeGreaterThan(md.indexOf('## How to read this'));
    expect(md.indexOf('## Glossary')).toBeLessThan(md.indexOf('## Charts'));
    const overview = md.slice(md.indexOf('## Overview'), md.indexOf('## Machines'));
    expect(overview).toContain('are explained in plain words in the [glossary](#glossary) at the end.');
    const html = renderHtml(m, []);
    expect(html).toContain('<h2 id="glossary">Glossary</h2>');
    expect(html).toContain('<a href="#glossary">glossary</a>');
  });

  it('explains each word in plain words, with the figures the report\'s rules use', () => {
    const glossary = md.slice(md.indexOf('## Glossary'), md.indexOf('## Charts'));
    for (const word of ['baseline: ', 'rounds, (lo–hi): ', 'ceiling (the machine\'s): ', 'fastest-core baseline: ', 'ideal, bound, efficiency: ', 'preflight, fell back: ', 'lanes, modules: ', 'busy, rough: ', 'tie, inconclusive: ']) {
      expect(glossary).toMatch(new RegExp(`^${word.replace(/[()]/g, '\\$&')}`, 'm'));
    }
    expect(glossary).toContain('A speedup whose rounds stood more than 2x apart is unsteady: ');
    expect(glossary).toContain('two executors within 5% of each other tie; 5% or more apart but with a test (Mann-Whitney) p above 0.05, the gap is inconclusive');
    // No predictions in this file: no word for them.
    expect(glossary).not.toContain('simulated: ');
  });

  it('names lanes, in the pointer and the glossary, only where modular ran', () => {
    const alone = structuredClone(doc);
    alone.runs = alone.runs.filter((r) => r.executor !== 'modular');
    const text = mdUnescaped(renderMarkdown(merge([{ file: 'r.json', doc: alone }]), []));
    expect(text).toContain('Words of the trade (baseline, ceiling, preflight, fastest-core baseline, ideal, rounds, a rough or unsteady figure)');
    expect(text).not.toMatch(/^lanes, modules: /m);
    expect(md).toContain('Words of the trade (baseline, ceiling, preflight, fastest-core baseline, ideal, lanes, rounds, a rough or unsteady figure)');
  });
});
