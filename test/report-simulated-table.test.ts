// The simulated scaling table reads as scaling curves (reports/render.ts predictionTable): one row
// per workload and executor, one column per thread count, the measured speedup beside the simulated
// one where bench measured that count, the block's ideal in a row above; and each model's
// assumptions said once: the clauses every workload's model of an executor shares stand above the
// table, and each row's footnote keeps only what that workload's calibration gave. Files are built,
// not measured; the published report is held to the same: its shared clauses appear once each.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { merge } from '../reports/merge.js';
import { renderMarkdown, resultsMarkdown } from '../reports/render.js';
import type { ResultsFile } from '../reports/schema.js';
import { mdUnescaped, sampleResults } from './report-fixture.js';

const SHARED = 'modules: two per core, at least 8';
/** A calibration clause whose parenthesis holds "; ": one clause, not cut there. */
const inside = (ns: number) => `${ns} ns per operation (fitted to the measured 2-thread 3.06 ms; 12.2 per transaction)`;

function predicted(): ResultsFile {
  const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
  const [p2p, token] = doc.workloads.map((w) => w.id);
  for (const [w, ns] of [[p2p!, 5], [token!, 6]] as const) {
    for (const t of [1, 2, 4]) doc.simulated.push({ workload: w, executor: 'fake-parallel', threads: t, speedup: 0.9 * t, model: `VM 11 ns/gas; ${inside(ns)}; ${SHARED}` });
  }
  return doc;
}

/** The simulated scaling section's table rows, each's cells without the outer pipes. */
function tableRows(md: string): string[][] {
  const section = md.slice(md.indexOf('## Simulated scaling'), md.indexOf('\n## ', md.indexOf('## Simulated scaling') + 1));
  return section.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.slice(2, -2).split(' | '));
}

describe('the simulated scaling table', () => {
  const md = mdUnescaped(renderMarkdown(merge([{ file: 'a.json', doc: predicted() }]), []));

  it('has a row per workload and executor, under the block\'s ideal, and a column per thread count', () => {
    const [header, , ...rows] = tableRows(md);
    expect(header).toEqual(['workload', 'executor', '1 thread', '2 threads', '4 threads']);
    expect(rows.map((r) => r.slice(0, 2))).toEqual([
      ['p2p 100 acc × 1000 tx', 'ideal'], ['p2p 100 acc × 1000 tx', 'fake-parallel¹'],
      ['token 100 acc × 1000 tx', 'ideal'], ['token 100 acc × 1000 tx', 'fake-parallel²'],
    ]);
    expect(rows[0]!.slice(2)).toEqual(['1.00x', '2.00x', '4.00x']);
  });

  it('puts the measured speedup beside the simulated one where bench measured that thread count', () => {
    const [, , , p2p] = tableRows(md);
    expect(p2p![2]).toMatch(/^0\.90x · measured 0\.\d\dx$/);
    expect(p2p![3]).toMatch(/^1\.80x · measured 1\.\d\dx$/);
    // bench measured 1 and 2 threads only.
    expect(p2p![4]).toBe('3.60x');
  });

  it('says what every workload\'s model shares once, above the table, and each calibration in its row\'s footnote', () => {
    expect(md).toContain(`fake-parallel's model, on every workload below: VM 11 ns/gas; ${SHARED}.`);
    expect(md.split(SHARED)).toHaveLength(2);
    expect(md).toContain(`¹ fake-parallel on p2p 100 acc × 1000 tx: ${inside(5)}.`);
    expect(md).toContain(`² fake-parallel on token 100 acc × 1000 tx: ${inside(6)}.`);
  });

  it('keeps a model whole where it is the only one of its executor', () => {
    const one = predicted();
    one.simulated = one.simulated.filter((x) => x.workload === one.workloads[0]!.id);
    const text = mdUnescaped(renderMarkdown(merge([{ file: 'a.json', doc: one }]), []));
    expect(text).not.toContain('on every workload below');
    expect(text).toContain(`¹ fake-parallel on p2p 100 acc × 1000 tx: VM 11 ns/gas; ${inside(5)}; ${SHARED}.`);
  });

  it('reads the same in bench\'s terminal summary, the shared clauses included', () => {
    const text = mdUnescaped(resultsMarkdown(merge([{ file: 'a.json', doc: predicted() }])));
    expect(text).toContain(`fake-parallel's model, on every workload below: VM 11 ns/gas; ${SHARED}.`);
    expect(text).toContain('| workload | executor | 1 thread | 2 threads | 4 threads |');
  });
});

describe('the published report', () => {
  it('says each model\'s machine slowdown once per executor, not once per workload', () => {
    const published = readFileSync(new URL('../reports/published/report.md', import.meta.url), 'utf8');
    expect(published.split("every thread's work slowed as the machine's ceiling measured")).toHaveLength(3);
    expect(published).toContain("block-stm's model, on every workload below: ");
    expect(published).toContain("modular's model, on every workload below: ");
  });
});
