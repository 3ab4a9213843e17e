// The partition why compares cross-module shares as it prints them: two shares that print alike
// are not called fewer or more.
import { describe, expect, it } from 'vitest';
import { merge } from '../reports/merge.js';
import { renderMarkdown } from '../reports/render.js';
import { mdUnescaped, partitionedResults, withRounds } from './report-fixture.js';

describe('the partition why', () => {
  it('calls no share fewer or more where the two print the same', () => {
    const doc = withRounds(partitionedResults([{
      workload: 'p2p', idealLimit: 14, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 8 } },
      modular: {
        hash: { 1: { ms: 11 }, 2: { ms: 9.5, detail: { threads: 2, modules: 8, crossShare: 0.251, laneImbalance: 1.4 } } },
        affinity: { 1: { ms: 11 }, 2: { ms: 5.5, detail: { threads: 2, modules: 8, crossShare: 0.249, laneImbalance: 1.05 } } },
      },
    }], ['hash', 'affinity']), 5);
    const md = renderMarkdown(merge([{ file: 'p.json', doc }]), []);
    const start = md.indexOf('## Which partition of modular wins');
    const row = md.slice(start).split('\n').find((l) => l.startsWith('| p2p'))!.slice(2, -2).split(' | ').map(mdUnescaped);
    expect(row[6]).toMatch(/^modular \(affinity\) wins/);
    expect(row[7]).toMatch(/^modular \(affinity\) against modular \(hash\): its lanes were more evenly loaded \(lane imbalance 1\.05 against 1\.40\); /);
    expect(row[7]).not.toContain('25% against 25%');
  });
});
