// A report shows each executor's own statistics (a results file's runs[].detail), so an engine whose
// parallel paths are not Block-STM's (waves, conflict-graph edges) has its counters in the report
// it publishes, as recorded, an executor that recorded none gets no table, and a run that did not
// match the reference is marked ✗ (reports/executor-stats.ts).
import { describe, expect, it } from 'vitest';
import { merge } from '../reports/merge.js';
import { renderHtml, renderMarkdown } from '../reports/render.js';
import { contestResults, mdUnescaped, sampleResults } from './report-fixture.js';

function withDetail() {
  const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 6 });
  let n = 0;
  return {
    ...doc,
    runs: doc.runs.map((r) => (r.role === 'executor' ? { ...r, detail: { waves: 40 + n++, parallelTxs: 999.5, edgeShare: 0.123456 } } : r)),
  };
}

describe('executor statistics in a report', () => {
  it('tabulates every recorded counter per workload and thread count, as the mean per block', () => {
    const md = mdUnescaped(renderMarkdown(merge([{ file: 'a.json', doc: withDetail() }]), []));
    const section = md.slice(md.indexOf('## Executor statistics: fake-parallel'), md.indexOf('## Start-up'));
    expect(section).toContain('as the mean per timed block;');
    expect(section).toContain('| workload | threads | waves | parallelTxs | edgeShare |');
    expect(section).toContain('| p2p 100 acc × 1000 tx | 1 | 40 | 999.5 | 0.123 |');
    expect(section).toContain('| token 100 acc × 1000 tx | 2 | 43 | 999.5 | 0.123 |');
    expect(renderHtml(merge([{ file: 'a.json', doc: withDetail() }]), [])).toContain('<h2>Executor statistics: fake-parallel</h2>');
  });

  it('names the counters that stayed 0 apart, and leaves out a threads counter that repeats the thread count', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 6 });
    const zeros = { ...doc, runs: doc.runs.map((r) => (r.role === 'executor' ? { ...r, detail: { waves: 3, retries: 0, threads: r.threads, rare: 0.000123 } } : r)) };
    const md = mdUnescaped(renderMarkdown(merge([{ file: 'a.json', doc: zeros }]), []));
    const section = md.slice(md.indexOf('## Executor statistics: fake-parallel'), md.indexOf('## Start-up'));
    expect(section).toContain('0 in every run: retries.');
    // A mean below 0.001 keeps two significant digits: 0.000 would read as never.
    expect(section).toContain('| workload | threads | waves | rare |');
    expect(section).toMatch(/\| 3 \| 0\.00012 \|/);
  });

  it('tells a counter every result starts at 0 from one counted as 0, and leaves out an executor that counted none of its own', () => {
    const doc = contestResults([{ workload: 'p2p', idealLimit: 14, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 8 } }, modular: { 1: { ms: 11 }, 2: { ms: 6 } } }]);
    // block-stm counted estimate waits and dependency resumes on one run each; modular, as the
    // reference's results do, carries emptyStats' 0s for them beside its own; a user's engine wrapping
    // the reference carries only those.
    for (const r of doc.runs.filter((x) => x.role === 'executor')) {
      r.detail = r.executor === 'block-stm'
        ? { estimateWaits: r.threads === 2 ? 5 : 0, dependencyResumes: r.threads === 2 ? 2 : 0, capacityRetries: 0, threads: r.threads }
        : { estimateWaits: 0, dependencyResumes: 0, barriers: 0, modules: 8 };
    }
    const mine = doc.runs.filter((x) => x.executor === 'modular').map((r) => ({ ...r, executor: 'mine', detail: { estimateWaits: 0, dependencyResumes: 0 } }));
    const md = mdUnescaped(renderMarkdown(merge([{ file: 'a.json', doc: { ...doc, runs: [...doc.runs, ...mine] } }]), []));
    const of = (executor: string) => md.slice(md.indexOf(`## Executor statistics: ${executor}`), md.indexOf('\n## ', md.indexOf(`## Executor statistics: ${executor}`) + 1));
    expect(of('block-stm')).toContain('0 in every run: capacityRetries.');
    expect(of('block-stm')).toContain('| workload | threads | estimateWaits | dependencyResumes |');
    expect(of('block-stm')).not.toContain('Not known to be counted');
    expect(of('modular')).toContain('0 in every run: barriers.');
    expect(of('modular')).toContain('Not known to be counted: estimateWaits, dependencyResumes (0 in every run, as every result\'s stats hold them until an executor counts them, spec/block.ts emptyStats).');
    expect(md).not.toContain('Executor statistics: mine');
    expect(md).toContain('An executor that reported no counter of its own has no table.');
  });

  it('marks a run that did not match the reference, as the results tables do', () => {
    const doc = withDetail();
    const wrong = doc.runs.find((r) => r.role === 'executor' && r.threads === 2)!;
    wrong.correct = false;
    const md = mdUnescaped(renderMarkdown(merge([{ file: 'a.json', doc }]), []));
    const section = md.slice(md.indexOf('## Executor statistics: fake-parallel'), md.indexOf('## Start-up'));
    expect(section).toMatch(/\| p2p 100 acc × 1000 tx ✗ \| 2 \| \d+ \|/);
    expect(section).toMatch(/\| p2p 100 acc × 1000 tx \| 1 \| \d+ \|/);
    expect(section).toContain('✗ did not match the reference result (as in the results tables): these counters are of a wrong execution.');
    expect(mdUnescaped(renderMarkdown(merge([{ file: 'a.json', doc: withDetail() }]), []))).not.toContain('these counters are of a wrong execution');
  });

  it('leaves the section out when no run recorded statistics', () => {
    const md = renderMarkdown(merge([{ file: 'a.json', doc: sampleResults({ seqMs: 10, execMs: 6, samples: 6 }) }]), []);
    expect(md).not.toContain('Executor statistics');
  });
});
