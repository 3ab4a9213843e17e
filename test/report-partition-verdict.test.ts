// The report's "Which partition of modular wins, and why" section, for a file that measured modular
// once per partition: each partition after the first judged against the first, by the test and tie
// rule the block-stm verdicts use, at the highest thread count both ran (a lower count named where
// its verdict differs); the why quoting each partition's cross-module share and lane imbalance side
// by side; an inconclusive gap (wide, not significant) apart from a tie; three partitions as two rows against the first; the overview's tally; the HTML page;
// and no such section, nor a word of it, for a file of one partition or two files each of one.
import { describe, expect, it } from 'vitest';
import { merge } from '../reports/merge.js';
import { partitionVerdicts } from '../reports/partition-verdict.js';
import { renderHtml, renderMarkdown } from '../reports/render.js';
import { judgePair, verdicts } from '../reports/verdict.js';
import { contestResults, mdUnescaped, partitionedResults, withRounds, type PartitionedCase } from './report-fixture.js';

const P2P = 'p2p 1000 acc × 1000 tx';
const AMM = 'amm 1000 acc × 1000 tx';
const NFT = 'nft 1000 acc × 1000 tx';

/**
 * p2p at 2 threads: hash 10/9.5 (60% crossing, imbalance 1.40), affinity 10/5.5 (2%, 1.05), range
 * 10/9.4; at 1 thread all alike. amm: hash 10/6 and affinity 10/6.1, a tie, though at 1 thread
 * hash is clearly ahead. nft: affinity ahead although more of its transactions crossed modules.
 */
const CASES: PartitionedCase[] = [
  {
    workload: 'p2p', idealLimit: 14, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 8 } },
    modular: {
      hash: { 1: { ms: 11 }, 2: { ms: 9.5, detail: { threads: 2, modules: 8, crossShare: 0.6, laneImbalance: 1.4 } } },
      affinity: { 1: { ms: 11.1 }, 2: { ms: 5.5, detail: { threads: 2, modules: 8, crossShare: 0.02, laneImbalance: 1.05 } } },
      range: { 1: { ms: 11 }, 2: { ms: 9.4, detail: { threads: 2, modules: 8, crossShare: 0.55, laneImbalance: 1.3 } } },
    },
  },
  {
    workload: 'amm', idealLimit: 14, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 8 } },
    modular: {
      hash: { 1: { ms: 10 }, 2: { ms: 6, detail: { threads: 2, modules: 8, crossShare: 0.3, laneImbalance: 1.2 } } },
      affinity: { 1: { ms: 13 }, 2: { ms: 6.1, detail: { threads: 2, modules: 8, crossShare: 0.3, laneImbalance: 1.2 } } },
      range: { 1: { ms: 10 }, 2: { ms: 6, detail: { threads: 2, modules: 8, crossShare: 0.3, laneImbalance: 1.2 } } },
    },
  },
  {
    workload: 'nft', idealLimit: 14, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 8 } },
    modular: {
      hash: { 1: { ms: 11 }, 2: { ms: 9, detail: { threads: 2, modules: 8, crossShare: 0.2, laneImbalance: 1.1 } } },
      affinity: { 1: { ms: 11 }, 2: { ms: 6, detail: { threads: 2, modules: 8, crossShare: 0.4, laneImbalance: 1.3 } } },
      range: { 1: { ms: 11 }, 2: { ms: 9, detail: { threads: 2, modules: 8, crossShare: 0.2, laneImbalance: 1.1 } } },
    },
  },
];

const two = withRounds(partitionedResults(CASES, ['hash', 'affinity']), 5);

function section(md: string): string {
  const start = md.indexOf('## Which partition of modular wins, and why');
  expect(start).toBeGreaterThanOrEqual(0);
  return md.slice(start, md.indexOf('\n## ', start + 1));
}

/**
 * A workload's rows in the section, each's cells without the outer pipes. The why cell (the last)
 * says why in a sentence and the statistics follow the table, a paragraph per row in the rows'
 * order ("LABEL: PAIR: ..."): the why cell here is that paragraph's text after the label, as the
 * cell held it all before (whyCells() gives the cells as printed).
 */
function rows(md: string, label: string): string[][] {
  const details = md.split('\n').filter((l) => l.startsWith(`${label}: `)).map((l) => mdUnescaped(l.slice(label.length + 2)));
  return md.split('\n').filter((l) => l.startsWith(`| ${label} |`)).map((l, i) => {
    const cells = l.slice(2, -2).split(' | ').map(mdUnescaped);
    if (details[i] !== undefined) cells[cells.length - 1] = details[i]!;
    return cells;
  });
}

/** A workload's why cells as printed: one short sentence each. */
function whyCells(md: string, label: string): string[] {
  return md.split('\n').filter((l) => l.startsWith(`| ${label} |`)).map((l) => mdUnescaped(l.slice(2, -2).split(' | ').at(-1)!));
}

describe('the partitions of modular judged against one another', () => {
  const m = merge([{ file: 'p.json', doc: two }]);
  const md = renderMarkdown(m, []);
  const text = section(md);

  it('judges each partition after the first against the first, by the block-stm verdicts\' test, at the highest thread count both ran', () => {
    const v = partitionVerdicts(m);
    expect(v.map((x) => [x.label, x.first, x.other, x.headline.threads, x.headline.winner])).toEqual([
      [P2P, 'hash', 'affinity', 2, 'second'],
      [AMM, 'hash', 'affinity', 2, 'tie'],
      [NFT, 'hash', 'affinity', 2, 'second'],
    ]);
    // The same judgement judgePair gives, which the block-stm verdicts rest on too.
    expect(v[0]!.headline.p).toBe(judgePair(v[0]!.headline.first, v[0]!.headline.other).p);
    expect(v.map((x) => x.others.map((o) => [o.threads, o.winner]))).toEqual([[[1, 'tie']], [[1, 'first']], [[1, 'tie']]]);
    // The block-stm verdicts are as before: one per partition.
    expect(verdicts(m).map((x) => x.partition)).toEqual(['hash', 'affinity', 'hash', 'affinity', 'hash', 'affinity']);
  });

  it('gives a row per workload: both speedups, the verdict in the verdicts\' words, and why in each partition\'s statistics', () => {
    expect(text).toContain('## Which partition of modular wins, and why (at 2 threads, the most this machine measured)');
    expect(text).toContain('| workload | threads | partition | speedup | against | speedup | verdict | why |');
    const [p2p] = rows(text, P2P);
    expect(p2p!.slice(0, 7)).toEqual([P2P, '2', 'hash', '1.06x', 'affinity', '1.80x', 'modular (affinity) wins (+71%, p=0.008, faster in 5 of 5 rounds)']);
    expect(p2p![7]).toMatch(/^modular \(affinity\) against modular \(hash\): fewer of its transactions crossed modules \(cross-module share 2\.0% against 60%\) and its lanes were more evenly loaded \(lane imbalance 1\.05 against 1\.40\); /);
    expect(p2p![7]).toContain('60% of modular (hash)\'s transactions spanned several modules, which orders them against other lanes (lane imbalance 1.40)');
    expect(p2p![7]).toContain('few of modular (affinity)\'s transactions crossed modules (cross-module share 2.0%, lane imbalance 1.05)');
    const [amm] = rows(text, AMM);
    expect(amm![6]).toMatch(/^tie \(1% apart, p=0\.\d+; modular \(hash\) faster in 4 of 5 rounds\)$/);
    // At 1 thread hash wins: named, as the block-stm verdicts name a lower count that differs.
    expect(amm![7]).toMatch(/ At 1 thread: modular \(hash\) wins \(\+\d+%, p=0\.008, faster in 5 of 5 rounds\)\.$/);
    expect(amm![7]).not.toContain('against modular');
    const [nft] = rows(text, NFT);
    expect(nft![6]).toMatch(/^modular \(affinity\) wins \(\+50%/);
    expect(nft![7]).toMatch(/^modular \(affinity\) won although, against modular \(hash\), more of its transactions crossed modules \(cross-module share 40% against 20%\) and its lanes were less evenly loaded \(lane imbalance 1\.30 against 1\.10\); /);
    expect(text).toContain('Each partition is judged against the one its file lists first (the partition column), at the highest thread count both ran a workload, by the test the verdicts above use');
  });

  it('says why in one short sentence per cell, the figures left to the paragraph under the table', () => {
    expect(whyCells(text, P2P)).toEqual(['modular (affinity) against modular (hash): fewer of its transactions crossed modules and its lanes were more evenly loaded.']);
    expect(whyCells(text, AMM)).toEqual(['Under 5% apart.']);
    expect(text).toContain('Why, in full: the figures each why cell above rests on, by workload.');
  });

  it('names the partitioner\'s main-thread time where it differs: fewer crossings can cost more than they save', () => {
    // As a real run read (bench --partition hash,affinity, p2p 1000 x 1000 at 2 threads): affinity
    // crossed modules far less, and lost by the 0.89 ms a block its placement took.
    const placed: PartitionedCase = {
      workload: 'p2p', idealLimit: 14, seqMs: 4, blockStm: { 1: { ms: 4.4 }, 2: { ms: 3.2 } },
      modular: {
        hash: { 1: { ms: 4.4 }, 2: { ms: 3.1, detail: { threads: 2, modules: 8, crossShare: 0.89, laneImbalance: 1.16, partitionMs: 0.0006 } } },
        affinity: { 1: { ms: 5.3 }, 2: { ms: 4.3, detail: { threads: 2, modules: 8, crossShare: 0.25, laneImbalance: 1.04, partitionMs: 0.89 } } },
      },
    };
    const t = section(renderMarkdown(merge([{ file: 'p.json', doc: withRounds(partitionedResults([placed], ['hash', 'affinity']), 5) }]), []));
    const [p2p] = rows(t, P2P);
    expect(p2p![6]).toMatch(/^modular \(hash\) wins/);
    expect(p2p![7]).toMatch(/^modular \(hash\) against modular \(affinity\): its partitioner took less of each block on the main thread \(0\.00 ms against 0\.89 ms, of blocks of 3\.\d\d ms against 4\.30 ms\), though more of its transactions crossed modules \(cross-module share 89% against 25%\) and its lanes were less evenly loaded \(lane imbalance 1\.16 against 1\.04\); /);
    // Each partition's own facts name a partitioner that took a notable share of its block, and only that one.
    expect(p2p![7]).toContain('modular (affinity)\'s partitioner took 0.89 ms of its 4.30 ms block on the main thread, before any lane ran');
    expect(p2p![7]).not.toContain('modular (hash)\'s partitioner');
  });

  it('calls no cross-module share fewer or more where the two print the same', () => {
    const near: PartitionedCase = {
      workload: 'p2p', idealLimit: 14, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 8 } },
      modular: {
        hash: { 1: { ms: 11 }, 2: { ms: 9.5, detail: { threads: 2, modules: 8, crossShare: 0.251, laneImbalance: 1.4 } } },
        affinity: { 1: { ms: 11 }, 2: { ms: 5.5, detail: { threads: 2, modules: 8, crossShare: 0.249, laneImbalance: 1.05 } } },
      },
    };
    const [p2p] = rows(section(renderMarkdown(merge([{ file: 'p.json', doc: withRounds(partitionedResults([near], ['hash', 'affinity']), 5) }]), [])), P2P);
    expect(p2p![6]).toMatch(/^modular \(affinity\) wins/);
    expect(p2p![7]).toMatch(/^modular \(affinity\) against modular \(hash\): its lanes were more evenly loaded \(lane imbalance 1\.05 against 1\.40\); /);
    expect(p2p![7]).not.toContain('25% against 25%');
  });

  it('points from the block-stm verdicts to it, and tallies it in the overview', () => {
    expect(md).toContain('The partitions are tested against one another in the next section.');
    expect(md).not.toContain('are not tested against one another');
    expect(md.indexOf('## Which executor wins, and why')).toBeLessThan(md.indexOf('## Which partition of modular wins, and why'));
    expect(md).toContain('which partition of modular wins at the highest thread count both ran, against the first listed: '
      + 'modular (affinity) against modular (hash): modular (affinity) on 2 workloads, modular (hash) on 0, a tie on 1;');
  });

  it('judges three partitions as each after the first against the first, a row each', () => {
    const three = merge([{ file: 'p.json', doc: withRounds(partitionedResults(CASES, ['hash', 'affinity', 'range']), 5) }]);
    expect(partitionVerdicts(three).map((x) => [x.label, x.other, x.headline.winner])).toEqual([
      [P2P, 'affinity', 'second'], [P2P, 'range', 'tie'],
      [AMM, 'affinity', 'tie'], [AMM, 'range', 'tie'],
      [NFT, 'affinity', 'second'], [NFT, 'range', 'tie'],
    ]);
    const t = section(renderMarkdown(three, []));
    expect(rows(t, P2P).map((r) => [r[2], r[4]])).toEqual([['hash', 'affinity'], ['hash', 'range']]);
    expect(t).toContain('With three partitions or more a workload has a row per partition after the first');
    expect(renderMarkdown(three, [])).toContain('modular (affinity) against modular (hash): modular (affinity) on 2 workloads, modular (hash) on 0, a tie on 1; '
      + 'modular (range) against modular (hash): modular (range) on 0 workloads, modular (hash) on 0, a tie on 3');
  });

  it('calls a wide gap the rounds cannot tell from noise inconclusive, not a tie nor a win, and tallies it apart', () => {
    // affinity ran 5.5 ms against hash's 9.5 ms at 2 threads, but one of its five rounds ran at
    // twice that: 4 rounds to 1 is no significant difference with 5 rounds a side, while the
    // speedups stand far more than 5% apart.
    const noisy = structuredClone(two);
    const affinity = noisy.runs.find((r) => r.executor === 'modular (affinity)' && r.threads === 2 && r.workload === noisy.workloads[0]!.id)!;
    affinity.samplesMs = affinity.samplesMs.map((v, i) => (affinity.rounds![i] === 4 ? v * 2 : v));
    const judged = merge([{ file: 'p.json', doc: noisy }]);
    const v = partitionVerdicts(judged)[0]!.headline;
    expect(v).toMatchObject({ unit: 'rounds', winner: 'inconclusive' });
    expect(v.ratio).toBeGreaterThanOrEqual(1.05);
    expect(v.p).toBeGreaterThan(0.05);
    const md = renderMarkdown(judged, []);
    expect(rows(section(md), P2P)[0]![6]).toMatch(/^inconclusive \(\d+% apart, p=0\.\d+: too few or too noisy rounds to tell; modular \(affinity\) faster in 4 of 5 rounds\)$/);
    expect(md).toContain('modular (affinity) against modular (hash): modular (affinity) on 1 workload, modular (hash) on 0, a tie on 1, inconclusive on 1 (5% apart or more, but not significantly: too few or too noisy rounds to tell);');
  });

  it('names no winner where a partition did not match the reference', () => {
    const wrong = structuredClone(two);
    for (const r of wrong.runs) if (r.executor === 'modular (affinity)' && r.workload === wrong.workloads[0]!.id) r.correct = false;
    const [p2p] = rows(section(renderMarkdown(merge([{ file: 'p.json', doc: wrong }]), [])), P2P);
    expect(p2p![6]).toBe('no verdict');
    expect(renderMarkdown(merge([{ file: 'p.json', doc: wrong }]), [])).toContain('modular (affinity) against modular (hash): modular (affinity) on 1 workload, modular (hash) on 0, a tie on 1, no verdict on 1;');
    expect(p2p![7]).toContain('modular (affinity) did not match the reference, so its times are not valid speedups');
  });

  it('names the machine, and pairs partitions only within a file, where several are merged', () => {
    const both = merge([{ file: 'a.json', doc: partitionedResults(CASES, ['hash', 'affinity'], 'box A') }, { file: 'b.json', doc: partitionedResults(CASES, ['affinity', 'range'], 'box B') }]);
    const t = section(renderMarkdown(both, []));
    expect(t).toContain('| workload | machine | threads | partition | speedup | against | speedup | verdict | why |');
    expect(rows(t, P2P).map((r) => [r[1], r[3], r[5]])).toEqual([['box A', 'hash', 'affinity'], ['box B', 'affinity', 'range']]);
  });

  it('counts the ties where both partitions ran the sequential executor on every block', () => {
    const sequential = structuredClone(two);
    for (const r of sequential.runs) if (r.executor.startsWith('modular (') && r.threads === 2 && r.workload === sequential.workloads[1]!.id) r.fallbackShare = 1;
    const md = renderMarkdown(merge([{ file: 'p.json', doc: sequential }]), []);
    expect(rows(section(md), AMM)[0]![6]).toBe('tie (both ran the sequential executor)');
    expect(md).toContain('modular (hash): modular (affinity) on 2 workloads, modular (hash) on 0, a tie on 1 (1 of them where both ran the sequential executor on every block);');
  });

  it('the HTML page shows the same section', () => {
    const html = renderHtml(m, []);
    expect(html).toContain('<h2>Which partition of modular wins, and why (at 2 threads, the most this machine measured)</h2>');
    expect(html).toContain('<td>modular (affinity) wins (+71%, p=0.008, faster in 5 of 5 rounds)</td>');
    expect(html).toContain('<th>against</th>');
  });
});

describe('a report of one partition', () => {
  it('has no partition section nor a word of one, alone or beside another one-partition file', () => {
    const one = contestResults([{ ...CASES[0]!, modular: CASES[0]!.modular.affinity! }]);
    const other = contestResults([{ ...CASES[0]!, modular: CASES[0]!.modular.hash! }], 'box B');
    other.settings.partition = 'hash';
    for (const m of [merge([{ file: 'r.json', doc: one }]), merge([{ file: 'r.json', doc: one }, { file: 'b.json', doc: other }])]) {
      expect(partitionVerdicts(m)).toEqual([]);
      const md = renderMarkdown(m, []);
      expect(md).not.toContain('Which partition');
      expect(md).not.toContain('which partition');
      expect(renderHtml(m, [])).not.toContain('Which partition');
    }
  });
});
