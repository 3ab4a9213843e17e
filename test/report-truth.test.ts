// What the report says must hold for the file it renders (helper 184's audit): the smallest p the
// rounds allow, figures the results tables call no figure to quote carried marked into the
// overview and the verdicts, conflict rates of a run that partly fell back, and block-stm's own
// counters when they are 0.

import { describe, expect, it } from 'vitest';
import { merge } from '../reports/merge.js';
import { renderMarkdown } from '../reports/render.js';
import type { ResultsFile } from '../reports/schema.js';
import { contestResults, mdUnescaped, PREFLIGHT_CHAIN, withRounds, type ContestCase } from './report-fixture.js';

const MODULAR_WINS: ContestCase = {
  workload: 'p2p', idealLimit: 14, seqMs: 10,
  blockStm: { 1: { ms: 11 }, 2: { ms: 8 } },
  modular: { 1: { ms: 11 }, 2: { ms: 5.5, detail: { crossShare: 0.02, laneImbalance: 1.05 } } },
};
const LABEL = 'p2p 1000 acc × 1000 tx';

function render(doc: ResultsFile): string {
  return mdUnescaped(renderMarkdown(merge([{ file: 'r.json', doc }]), []));
}

/** The text of a section, from its heading to the next. */
function section(md: string, title: string): string {
  const start = md.indexOf(`## ${title}`);
  expect(start, `no section ${title}`).toBeGreaterThanOrEqual(0);
  const end = md.indexOf('\n## ', start + 1);
  return md.slice(start, end < 0 ? undefined : end);
}

describe('the smallest p a verdict could have', () => {
  it('is computed from the rounds the file holds, not assumed to be five a side', () => {
    expect(render(withRounds(contestResults([MODULAR_WINS]), 5))).toContain('with 5 rounds a side no p is below 2/252 (0.008).');
    const six = render(withRounds(contestResults([MODULAR_WINS]), 6));
    expect(six).toContain('with 6 rounds a side no p is below 2/924 (0.002).');
    expect(six).not.toContain('2/252');
    expect(render(withRounds(contestResults([MODULAR_WINS]), 4))).toContain('with 4 rounds a side no p is below 2/70 (0.029).');
  });

  it('mentions "over samples" only where a verdict was tested over samples', () => {
    expect(render(withRounds(contestResults([MODULAR_WINS]), 5))).not.toContain('A verdict marked "over samples"');
  });
});

describe('a speedup whose rounds disagree by more than 2x', () => {
  // Round 0 of block-stm's 1-thread run four times slow: its round speedups run 0.23x to 0.9x.
  function unsteady(): ResultsFile {
    const doc = withRounds(contestResults([MODULAR_WINS, { ...MODULAR_WINS, workload: 'token' }]), 5);
    const run = doc.runs.find((r) => r.executor === 'block-stm' && r.threads === 1 && r.workload.startsWith('p2p'))!;
    run.samplesMs = run.samplesMs.map((ms, i) => (run.rounds![i] === 0 ? ms * 4 : ms));
    return doc;
  }

  it('is marked in the overview, whose mean says it holds it', () => {
    const overview = section(render(unsteady()), 'Overview');
    const row = overview.split('\n').find((l) => l.startsWith('| block-stm | 1 |'))!;
    expect(row).toMatch(/\| 0\.\d\dx ⚠ \(holds 1 whose rounds are more than 2x apart\) \|/);
    // The lowest of the two is p2p's, marked; token's, the highest, is not.
    expect(row).toContain(`(${LABEL}) ⚠ (its rounds more than 2x apart) | `);
    expect(row).toMatch(/\(token 1000 acc × 1000 tx\) \|/);
    expect(overview).toContain('⚠ marks a speedup whose rounds disagree by more than 2x');
    // A steady run carries no mark.
    expect(overview.split('\n').find((l) => l.startsWith('| modular | 1 |'))).not.toContain('⚠');
  });

  it('is marked where the verdict splits the lead', () => {
    const verdicts = section(render(unsteady()), 'Which executor wins');
    expect(verdicts).toMatch(/lead, split: at 1 thread block-stm 0\.\d\dx ⚠ \(its rounds more than 2x apart\) and modular 0\.\d\dx \(/);
  });

  it('leaves a steady file unmarked', () => {
    expect(render(withRounds(contestResults([MODULAR_WINS]), 5))).not.toContain('⚠');
  });
});

describe('block-stm\'s conflicts where some of its blocks fell back', () => {
  const CONTENTION = 'contention: transactions 499 to 998 needed 959 executions';
  const partly = (reExecutions: number) => contestResults([{
    ...MODULAR_WINS,
    blockStm: { 1: { ms: 11 }, 2: { ms: 8, fallback: CONTENTION, fallbackShare: 0.5, perTx: { executions: 1 + reExecutions, reExecutions, validations: 1.5, failedValidations: reExecutions } } },
  }]);

  it('are "few" only on the blocks it ran in parallel, bounded by the share that did', () => {
    const md = section(render(partly(0.04)), 'Which executor wins');
    expect(md).toContain('on the blocks it ran in parallel block-stm met few conflicts (at most 0.08 re-executions per transaction there: 0.04 over all its blocks, the 50% that fell back counting only what they ran in parallel before falling back)');
  });

  it('are not called few where the parallel blocks alone may have had many', () => {
    const md = section(render(partly(0.06)), 'Which executor wins');
    expect(md).not.toContain('few conflicts');
    expect(md).toContain('block-stm re-executed 0.06 and failed 0.06 validations per transaction over all its blocks, the 50% that fell back counting only what they ran in parallel before falling back');
  });
});

describe('block-stm\'s own counters at 0', () => {
  it('are said to be 0, not uncounted, with no table lacking a counter column', () => {
    const doc = contestResults([{
      ...MODULAR_WINS,
      blockStm: { 1: { ms: 11, detail: { estimateWaits: 0, dependencyResumes: 0, threads: 1 } }, 2: { ms: 8, detail: { estimateWaits: 0, dependencyResumes: 0, threads: 2 } } },
    }]);
    const stats = section(render(doc), 'Executor statistics: block-stm');
    expect(stats).toContain('0 in every run: estimateWaits, dependencyResumes.');
    expect(stats).not.toContain('Not known to be counted');
    expect(stats).not.toContain('| workload | threads |');
  });
});

describe('clauses about older files and marks the file does not have', () => {
  it('are printed only where the file needs them', () => {
    const current = render(withRounds(contestResults([MODULAR_WINS]), 5));
    expect(current).not.toContain('a file from before rounds were recorded');
    expect(current).not.toContain('builds before 2026-11-29');
    expect(current).not.toContain('"fastest core" after a speedup');
    // The fixture's noise record has no round trips, as files from before 2026-11-30 do not.
    expect(current).toContain('(files from before 2026-11-30 have none)');
    const probed = withRounds(contestResults([MODULAR_WINS]), 5);
    probed.noise.roundTrips = [{ workload: probed.workloads[0]!.id, threads: 2, ns: [100, 110, 105, 120, 100] }];
    expect(render(probed)).not.toContain('(files from before 2026-11-30 have none)');
    // Beside a file without rounds, the definition says how that one's speedups were taken.
    const mixed = mdUnescaped(renderMarkdown(merge([{ file: 'r.json', doc: probed }, { file: 'old.json', doc: contestResults([MODULAR_WINS]) }]), []));
    expect(mixed).toContain('(a file from before rounds were recorded: the baseline\'s median over the executor\'s, over all samples)');
  });
});

describe('a fallback reason shared by several verdicts', () => {
  it('is quoted whole once in the verdict table, and by its kind after', () => {
    const chained = (workload: string): ContestCase => {
      const sent = { ms: 10, fallback: PREFLIGHT_CHAIN, fallbackShare: 1 };
      return { workload, idealLimit: 1, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: sent }, modular: { 1: { ms: 11 }, 2: sent } };
    };
    const verdicts = section(render(contestResults([chained('p2p'), chained('amm')])), 'Which executor wins');
    expect(verdicts.split(PREFLIGHT_CHAIN).length - 1).toBe(1);
    expect(verdicts.split('(preflight: as quoted above)').length - 1).toBe(3);
  });
});
