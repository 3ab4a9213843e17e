// The report's overview: per executor and thread count the geometric mean of its speedups with the
// lowest and highest workload, the workloads it ran sequentially, the verdict tally, the machine's
// ceiling, and runs that did not match the reference or stopped part-way counted apart, never
// averaged in.
import { describe, expect, it } from 'vitest';
import { merge } from '../reports/merge.js';
import { renderMarkdown } from '../reports/render.js';
import { contestResults, mdUnescaped, PREFLIGHT_CHAIN, type ContestCase } from './report-fixture.js';

/** Modular 10/5 = 2x and block-stm 10/8 = 1.25x on p2p; on amm both hand every block to the sequential executor. */
const CASES: ContestCase[] = [
  { workload: 'p2p', idealLimit: 14, seqMs: 10, blockStm: { 1: { ms: 12 }, 2: { ms: 8 } }, modular: { 1: { ms: 11 }, 2: { ms: 5, detail: { crossShare: 0.5 } } } },
  {
    workload: 'amm', idealLimit: 1, seqMs: 10, blockStm: { 1: { ms: 12 }, 2: { ms: 10, fallback: PREFLIGHT_CHAIN, fallbackShare: 1, detail: {} } },
    modular: { 1: { ms: 11 }, 2: { ms: 10, fallback: PREFLIGHT_CHAIN, fallbackShare: 1, detail: {} } },
  },
];

function overview(md: string): string {
  const text = mdUnescaped(md);
  return text.slice(text.indexOf('## Overview'), text.indexOf('## Machines'));
}

const tableRow = (text: string, executor: string, threads: number) => text.split('\n').find((l) => l.startsWith(`| ${executor} | ${threads} |`))!.split(' | ').slice(2);

describe('the report overview', () => {
  it('gives each executor\'s geometric mean with its lowest and highest workload, and the workloads it ran sequentially', () => {
    const text = overview(renderMarkdown(merge([{ file: 'r.json', doc: contestResults(CASES) }]), []));
    const [workloads, mean, lowest, highest, sequential, partial, wrong] = tableRow(text, 'modular', 2);
    expect([workloads, sequential, partial, wrong!.replace(' |', '')]).toEqual(['2', '1', '0', '0']);
    // amm timed the sequential executor: the mean, lowest and highest are p2p's alone (about 2x; the fixture jitters samples).
    expect(Number(mean!.split('x')[0])).toBeCloseTo(2, 1);
    // One workload in parallel: the mean names it, and lowest and highest do not repeat it.
    expect(mean).toMatch(/^\d\.\d\dx \(p2p 1000 acc × 1000 tx\)$/);
    expect([lowest, highest]).toEqual(['–', '–']);
    expect(tableRow(text, 'block-stm', 1)[4]).toBe('0');
    expect(tableRow(text, 'block-stm', 1)[1]).toMatch(/^0\.\d\dx$/);
    expect(text).toContain('Which executor wins at the highest thread count both ran: modular on 1 workload, block-stm on 0, a tie on 1 (1 of them where both ran the sequential executor on every block); '
      + 'the machine\'s ceiling was not measured (no thread count above 1 on a machine of more than one core, or a file from before it was); all 12 runs, baselines included, matched the reference.');
  });

  it('names the machine\'s ceiling, and leaves a run that did not match the reference out of the mean', () => {
    const doc = contestResults(CASES);
    doc.ceilings = [{ threads: 2, workload: 'sequential executor, p2p 1000 accounts x 1000 txs', oneMs: 10, partsMs: 5.5, ratio: 1.82 }];
    doc.runs.find((r) => r.executor === 'modular' && r.threads === 2 && r.workload.startsWith('p2p'))!.correct = false;
    const text = overview(renderMarkdown(merge([{ file: 'r.json', doc }]), []));
    const [workloads, mean, lowest, highest, , , wrong] = tableRow(text, 'modular', 2);
    // p2p did not match and amm timed the sequential executor: nothing is left to average.
    expect([workloads, mean, lowest, highest, wrong!.replace(' |', '')]).toEqual(['2', '–', '–', '–', '⚠ 1']);
    expect(text).toContain('no verdict on 1 (a run that did not match the reference); the machine\'s ceiling: 1.82x at 2 threads; ⚠ 1 run did not match the reference (named under Noise).');
  });

  it('counts a run that stopped part-way apart, out of the mean, as the results tables mark it (partial)', () => {
    const doc = contestResults(CASES);
    // block-stm threw in a timed round on p2p at 2 threads: its run holds the rounds before, here 4.00x, which a mean would take for a whole run's.
    const p2p = doc.workloads[0]!.id;
    const stopped = doc.runs.find((r) => r.executor === 'block-stm' && r.threads === 2 && r.workload === p2p)!;
    stopped.samplesMs = stopped.samplesMs.slice(0, 3).map((ms) => ms / 3.2);
    stopped.busy = stopped.busy.slice(0, 3);
    doc.failures = [{ executor: 'block-stm', threads: 2, workload: p2p, message: 'exploded on call 30' }];
    const text = overview(renderMarkdown(merge([{ file: 'r.json', doc }]), []));
    expect(text).toContain('| executor | threads | workloads | speedup (geometric mean) | lowest | highest | left to the sequential executor | stopped part-way (partial) | did not match the reference |');
    // amm went to the sequential executor and p2p stopped: nothing is left to average.
    expect(tableRow(text, 'block-stm', 2)).toEqual(['2', '–', '–', '–', '1', '⚠ 1', '0 |']);
    // The other executor and thread counts are as before.
    expect(tableRow(text, 'modular', 2).slice(4)).toEqual(['1', '0', '0 |']);
    expect(tableRow(text, 'block-stm', 1).slice(5)).toEqual(['0', '0 |']);
    expect(text).toContain('; ⚠ 1 run stopped part-way, its executor having thrown in a timed round (marked (partial) in the results tables); ⚠ 1 executor run failed (named under Noise).');
    expect(text).toContain('as are a run that stopped part-way (its executor threw in a timed round, so it holds only the rounds before: (partial) in the results tables) and a run that did not match the reference, and none of them enters the mean.');
  });

  it('never says every run matched where an executor failed, and says none was timed', () => {
    const doc = contestResults(CASES);
    doc.failures = [{ executor: 'block-stm', threads: 2, workload: null, message: 'close() threw: boom' }];
    expect(overview(renderMarkdown(merge([{ file: 'r.json', doc }]), []))).toContain('; ⚠ 1 executor run failed (named under Noise).');
    const none = { ...contestResults(CASES), runs: [], workloads: [] };
    expect(overview(renderMarkdown(merge([{ file: 'r.json', doc: none }]), []))).toContain('; no run was timed.');
  });

  it('has a machine column and a line per machine when files are merged', () => {
    const md = renderMarkdown(merge([{ file: 'a.json', doc: contestResults(CASES, 'box-a') }, { file: 'b.json', doc: contestResults(CASES, 'box-b') }]), []);
    const text = overview(md);
    expect(text).toContain('| machine | executor | threads |');
    expect(text.split('\n').filter((l) => /^\| box-[ab] \| modular \| 2 \|/.test(l))).toHaveLength(2);
    expect(text).toMatch(/^box-a: Which executor wins/m);
    expect(text).toMatch(/^box-b: Which executor wins/m);
  });
});
