// `concord compare` between a file that measured the modular executor under one partition (runs
// labelled `modular`, settings.partition, or none: the default) and one that measured several
// (`modular (hash)`, `modular (affinity)`, settings.partitions): the plain runs are matched with the
// other file's runs of the same partition, in either order, the row named `base's → new's`, a note
// saying why, the predictions matched alike and --only taking either label; a partition the other
// file did not measure matches nothing, and two files of one partition each compare as before, as
// do two files of several: each partition's rows by their labels.
import { describe, expect, it } from 'vitest';
import { compare, formatComparison } from '../reports/compare.js';
import { DEFAULT_PARTITION } from '../reports/partitions.js';
import type { ResultsFile } from '../reports/schema.js';
import { contestResults, partitionedResults, withRounds } from './report-fixture.js';

const P2P = 'p2p 1000 acc × 1000 tx';

/** One partition: modular at 6 ms against block-stm's 8 at 2 threads; `partition` as settings.partition records it (absent: the default). */
function one(partition?: string): ResultsFile {
  const doc = withRounds(contestResults([{ workload: 'p2p', idealLimit: 14, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 8 } }, modular: { 1: { ms: 11 }, 2: { ms: 6 } } }]), 5);
  if (partition !== undefined) doc.settings.partition = partition;
  doc.simulated.push({ workload: doc.workloads[0]!.id, executor: 'modular', threads: 4, speedup: 3, model: 'm' });
  return doc;
}

/** hash and affinity in one sweep: modular (affinity) 10% slower than one()'s modular at 2 threads, modular (hash) slower still. */
function many(): ResultsFile {
  const doc = withRounds(partitionedResults([{
    workload: 'p2p', idealLimit: 14, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 8 } },
    modular: { hash: { 1: { ms: 11 }, 2: { ms: 9 } }, affinity: { 1: { ms: 11 }, 2: { ms: 6.6 } } },
  }], ['hash', 'affinity']), 5);
  for (const p of ['hash', 'affinity']) doc.simulated.push({ workload: doc.workloads[0]!.id, executor: `modular (${p})`, threads: 4, speedup: p === 'hash' ? 2 : 3.3, model: 'm' });
  return doc;
}

describe('compare across one partition and several', () => {
  it('matches a one-partition file\'s modular with the other\'s run of its partition, and says so', () => {
    const c = compare(one('affinity'), many(), { threshold: 5 });
    expect(c.partitionMatches).toEqual([{ in: 'base', executor: 'modular', partition: 'affinity', recorded: true, as: 'modular (affinity)' }]);
    const matched = c.rows.filter((r) => r.newExecutor !== undefined);
    expect(matched.map((r) => [r.name, r.executor, r.newExecutor])).toEqual([
      [`${P2P} · modular → modular (affinity) @1`, 'modular', 'modular (affinity)'],
      [`${P2P} · modular → modular (affinity) @2`, 'modular', 'modular (affinity)'],
    ]);
    // The two runs compared are the two files' affinity runs: 6 ms against 6.6.
    expect(matched[1]!.deltaPct).toBeGreaterThan(5);
    expect(matched[1]!.deltaPct).toBeLessThan(15);
    expect(c.gate!.regressions.map((r) => r.row.name)).toEqual([`${P2P} · modular → modular (affinity) @2`]);
    // The partition the base did not measure has no counterpart, as before.
    expect(c.gate!.unmatched.map((u) => `${u.name} in ${u.in}`)).toEqual([`${P2P} · modular (hash) @1 in new`, `${P2P} · modular (hash) @2 in new`]);
    expect(c.warnings).toContain(`only in new: ${P2P} · modular (hash) @1; ${P2P} · modular (hash) @2`);
    expect(c.warnings.some((w) => w.startsWith('only in base'))).toBe(false);
    // The partition settings differ by design here; each matched row ran under affinity on both sides.
    expect(c.warnings.some((w) => w.startsWith('different executor settings'))).toBe(false);
    expect(c.predictions.map((p) => [p.name, p.base, p.next])).toEqual([[`${P2P} · modular → modular (affinity) @4`, 3, 3.3]]);
    const text = formatComparison(c, 'one.json', 'many.json');
    expect(text).toMatch(new RegExp(`^${P2P} · modular → modular \\(affinity\\) @2 +5\\.\\d+ .*\\+\\d+\\.\\d+% \\(p=0\\.008 5\\+5 rounds\\)$`, 'm'));
    expect(text).toContain('modular → modular (affinity): matched by partition: one.json measured modular under one partition, affinity (its settings.partition), '
      + 'and many.json once per partition, so one.json\'s modular runs are compared with many.json\'s modular (affinity) runs');
  });

  it('matches the other way round, the several partitions as base', () => {
    const c = compare(many(), one('hash'));
    const modules = one('hash');
    modules.settings.modules = 4;
    expect(compare(many(), modules).warnings).toContain('different executor settings: base ran with --partition hash,affinity, new with --modules 4 --partition hash (settings.modules 8 by default -> 4); differences include them');
    expect(c.partitionMatches).toEqual([{ in: 'new', executor: 'modular', partition: 'hash', recorded: true, as: 'modular (hash)' }]);
    expect(c.rows.filter((r) => r.newExecutor !== undefined).map((r) => r.name)).toEqual([`${P2P} · modular (hash) → modular @1`, `${P2P} · modular (hash) → modular @2`]);
    // 9 ms in base, 6 in new: faster.
    expect(c.rows.find((r) => r.name === `${P2P} · modular (hash) → modular @2`)!.deltaPct).toBeLessThan(-25);
    expect(c.warnings).toContain(`only in base: ${P2P} · modular (affinity) @1; ${P2P} · modular (affinity) @2`);
    expect(formatComparison(c, 'many.json', 'one.json')).toContain('modular (hash) → modular: matched by partition: one.json measured modular under one partition, hash (its settings.partition), '
      + 'and many.json once per partition, so one.json\'s modular runs are compared with many.json\'s modular (hash) runs');
  });

  it('takes a file that names no partition as the modular executor\'s default, and says so', () => {
    const c = compare(one(), many());
    expect(c.partitionMatches).toEqual([{ in: 'base', executor: 'modular', partition: DEFAULT_PARTITION, recorded: false, as: `modular (${DEFAULT_PARTITION})` }]);
    expect(formatComparison(c, 'one.json', 'many.json')).toContain(`modular → modular (hash): matched by partition: one.json measured modular under one partition, hash (the executor's default: the file names none)`);
  });

  it('lets --only name either label of a matched row', () => {
    for (const only of [['modular'], ['modular (affinity)']]) {
      const c = compare(one('affinity'), many(), { threshold: 5, only });
      expect(c.gate!.regressions.map((r) => r.row.name)).toEqual([`${P2P} · modular → modular (affinity) @2`]);
    }
    expect(compare(one('affinity'), many(), { threshold: 5, only: ['block-stm'] }).gate!.regressions).toEqual([]);
  });

  it('matches nothing where the other file did not measure the partition, or both measured one', () => {
    const c = compare(one('range'), many());
    expect(c.partitionMatches).toBeUndefined();
    expect(c.rows.map((r) => r.executor)).not.toContain('modular');
    expect(c.warnings).toContain(`only in base: ${P2P} · modular @1; ${P2P} · modular @2`);
    expect(formatComparison(c, 'one.json', 'many.json')).not.toContain('matched by partition');
    // Two files of one partition each: the plain labels match as they always did, and nothing more is said.
    const plain = compare(one('affinity'), one('hash'));
    expect(plain.partitionMatches).toBeUndefined();
    expect(plain.rows.filter((r) => r.executor === 'modular').map((r) => r.name)).toEqual([`${P2P} · modular @1`, `${P2P} · modular @2`]);
    expect(Object.keys(plain)).toEqual(['rows', 'predictions', 'geomean', 'warnings', 'broken', 'gate']);
  });

  it('matches two files of several partitions each by their labels, a partition with its own', () => {
    const c = compare(many(), many());
    expect(c.partitionMatches).toBeUndefined();
    expect(c.rows.filter((r) => r.executor.startsWith('modular')).map((r) => r.name)).toEqual([
      `${P2P} · modular (affinity) @1`, `${P2P} · modular (affinity) @2`, `${P2P} · modular (hash) @1`, `${P2P} · modular (hash) @2`,
    ]);
    expect(c.rows.every((r) => r.newExecutor === undefined)).toBe(true);
    expect(c.warnings.some((w) => w.startsWith('different executor settings') || w.startsWith('only in'))).toBe(false);
  });
});
