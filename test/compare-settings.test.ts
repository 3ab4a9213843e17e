// `concord compare` between files benched or configured differently (reports/settings.ts): bench
// settings that differ (--quick against a full run: settings.quick, settings.roundMs; the rounds)
// are warned about, naming each field, and rounds of different lengths make the block-time gate
// refuse (exit 2) while --relative judges; executor settings are compared as they ran, so a
// default given explicitly is no difference, and two placements read from one path are told apart
// by the file's sha256 and their samples, the field named.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultModules as implDefaultModules } from '../impl/modular/executor.js';
import { EXECUTORS } from '../impl/registry.js';
import { compare } from '../reports/compare.js';
import type { ResultsFile, TrainingRecord } from '../reports/schema.js';
import { defaultModules, TAKES_NO_SETTINGS } from '../reports/settings.js';
import { contestResults, sampleResults, withRounds } from './report-fixture.js';
import { compareFiles } from './compare-run.js';

/** A full run: 5 rounds of 250 ms. */
const full: ResultsFile = (() => {
  const doc = withRounds(sampleResults({ seqMs: 10, execMs: 6, samples: 20 }), 5);
  doc.settings = { ...doc.settings, quick: false, roundMs: 250 };
  return doc;
})();

/** The same code benched with --quick: 30 ms rounds, every block time (the baseline's too) twice as long. */
const quick: ResultsFile = (() => {
  const doc = structuredClone(full);
  doc.settings = { ...doc.settings, quick: true, roundMs: 30 };
  doc.createdAt = '2026-01-03T03:04:05.000Z';
  for (const r of doc.runs) r.samplesMs = r.samplesMs.map((ms) => ms * 2);
  return doc;
})();


describe('bench settings that differ', () => {
  afterEach(() => vi.restoreAllMocks());

  it('warns, naming each field, that block times from rounds of different lengths do not compare', () => {
    const c = compare(full, quick);
    expect(c.warnings[0]).toBe('different bench settings: base was a full run with 5 rounds of 250 ms, new a --quick run with 5 rounds of 30 ms '
      + '(settings.quick false -> true; settings.roundMs 250 -> 30): block times from rounds of different lengths are not comparable '
      + '(a short round holds a few calls, more of them just after a switch between executors, which run slower), so every row\'s delta includes that; '
      + 'each executor\'s ratio to the baseline timed in the same rounds (--relative) has its round\'s length on both sides and compares better; '
      + 'to compare block times, rerun bench alike (both --quick, or neither)');
    expect(compare(quick, full).warnings[0]).toMatch(/^different bench settings: base was a --quick run with 5 rounds of 30 ms, new a full run with 5 rounds of 250 ms \(settings\.quick true -> false; settings\.roundMs 30 -> 250\): /);
    expect(compare(full, full).warnings.join('\n')).not.toMatch(/bench settings/);
  });

  it('refuses the block-time gate over rounds of different lengths (exit 2), suggesting --relative, which judges them', async () => {
    const gated = await compareFiles(full, quick, { failOnRegression: '10' });
    expect(gated.code).toBe(2);
    expect(gated.stdout).toBe('');
    expect(gated.stderr).toBe('concord compare: --fail-on-regression cannot judge block times from rounds of different lengths '
      + '(base: a full run with 5 rounds of 250 ms, new: a --quick run with 5 rounds of 30 ms): a short round\'s calls run slower, more of them just after a switch between executors, '
      + 'so every row would move for that alone; gate with --relative (each executor against the baseline timed in the same rounds), or rerun bench alike (both --quick, or neither)\n');
    // The same files' ratios to their baselines did not move: --relative passes them, the warning beside it.
    const relative = await compareFiles(full, quick, { failOnRegression: '10', relative: true });
    expect(relative.code).toBe(0);
    expect(relative.stdout).toContain('\nwarning: different bench settings: base was a full run');
    // Without the gate the table is there to read, with the warning.
    expect((await compareFiles(full, quick)).code).toBe(0);
  });

  it('warns of different numbers of rounds of one length, and the gate judges them', async () => {
    const more = withRounds(structuredClone(full), 6);
    const c = compare(full, more, { threshold: 10 });
    expect(c.warnings[0]).toBe('different bench settings: base was a full run with 5 rounds of 250 ms, new a full run with 6 rounds of 250 ms (settings.rounds 5 -> 6): '
      + 'the rounds are of one length, so block times compare; each side\'s interval and p-value rest on its own number of rounds');
    expect(c.gate!.refused).toBeNull();
    expect((await compareFiles(full, more, { failOnRegression: '10' })).code).toBe(0);
  });
});

/** block-stm and modular at 1 and 2 threads on a 2-core machine, over 5 rounds. */
function contest(): ResultsFile {
  return withRounds(contestResults([{ workload: 'defi', idealLimit: 14, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 8 } }, modular: { 1: { ms: 11 }, 2: { ms: 6 } } }]), 5);
}

/** `doc` with the settings `settings` added. */
function withSettings(doc: ResultsFile, settings: Partial<ResultsFile['settings']>): ResultsFile {
  return { ...doc, settings: { ...doc.settings, ...settings } };
}

const settingsWarnings = (a: ResultsFile, b: ResultsFile) => compare(a, b).warnings.filter((w) => w.startsWith('different executor settings'));

describe('executor settings as they ran', () => {
  it('takes a default given explicitly for the default: modular\'s module count on that file\'s machine, and hash', () => {
    const doc = contest();
    const explicit = withSettings(doc, { modules: 8, partition: 'hash' });
    expect(settingsWarnings(doc, explicit)).toEqual([]);
    expect(settingsWarnings(explicit, doc)).toEqual([]);
    // On 8 effective cores the default is 16: 8 given there is a difference.
    const bigger = { ...doc, machine: { ...doc.machine, effectiveCores: 8 } };
    expect(settingsWarnings(bigger, explicit)).toEqual(['different executor settings: base ran with the defaults, new with --modules 8 --partition hash (settings.modules 16 by default -> 8); differences include them']);
    expect(settingsWarnings(doc, withSettings(doc, { partition: 'range' })))
      .toEqual(['different executor settings: base ran with the defaults, new with --partition range (settings.partition hash by default -> range); differences include them']);
  });

  it('takes no default for a user\'s engine, which chose its own, and ignores settings no executor took', () => {
    const own = sampleResults({ seqMs: 10, execMs: 6, samples: 12 });
    expect(settingsWarnings(own, withSettings(own, { modules: 8 })))
      .toEqual(['different executor settings: base ran with the defaults, new with --modules 8 (settings.modules none given -> 8); differences include them']);
    const blockStm = withSettings(contest(), { executors: ['block-stm'] });
    expect(settingsWarnings(blockStm, contest())).toEqual([]);
  });

  /** A placement read from `pl.json`, as bench records it, trained on `blocks` blocks into a file of this sha256. */
  function placed(blocks: number, sha: string, more: Partial<TrainingRecord> = {}): ResultsFile {
    const doc = contest();
    const training: TrainingRecord = {
      blocks, txs: blocks * 1000, firstSeed: 2, workload: { name: 'defi', accounts: 1000, txs: 1000, hashCost: 3 }, modules: 8, entities: 900, ms: 40,
      learned: true, crossShare: 0.5, hashCrossShare: 0.8, file: { path: 'pl.json', sha256: sha.repeat(64), use: 'read' }, ...more,
    };
    return withSettings(doc, { modules: 8, partition: 'affinity', training });
  }

  it('tells two placements read from one path apart by the file\'s sha256 and the sample, naming the fields', () => {
    expect(settingsWarnings(placed(8, 'a'), placed(2, 'b'))).toEqual([
      'different executor settings: base ran with --modules 8 --partition affinity --placement pl.json, new with --modules 8 --partition affinity --placement pl.json '
      + '(settings.training.file.sha256 aaaaaaaaaaaa -> bbbbbbbbbbbb; settings.training.blocks 8 -> 2); differences include them',
    ]);
    // The same file read again (its time on the sample aside) is one placement.
    expect(settingsWarnings(placed(8, 'a'), placed(8, 'a', { ms: 55 }))).toEqual([]);
    expect(settingsWarnings(placed(8, 'a'), placed(8, 'c', { firstSeed: 9 }))[0]).toContain('(settings.training.file.sha256 aaaaaaaaaaaa -> cccccccccccc; settings.training.firstSeed 2 -> 9)');
    expect(settingsWarnings(placed(8, 'a'), withSettings(contest(), { modules: 8, partition: 'affinity' }))[0]).toContain('(settings.training --placement pl.json -> none)');
  });

  it('tells --train-on samples apart by their blocks\' digests, whatever the files are called', () => {
    const on = (files: string[], digests: string[]) => placed(2, 'a', { firstSeed: undefined, workload: undefined, files, fileDigests: digests, file: undefined });
    expect(settingsWarnings(on(['a.json', 'b.json'], ['0123456789ab', 'ba9876543210']), on(['x/a.json', 'x/b.json'], ['0123456789ab', 'ba9876543210']))).toEqual([]);
    expect(settingsWarnings(on(['a.json', 'b.json'], ['0123456789ab', 'ba9876543210']), on(['a.json', 'b.json'], ['0123456789ab', 'ffffffffffff']))[0])
      .toContain('(settings.training.fileDigests 0123456789ab,ba9876543210 -> 0123456789ab,ffffffffffff)');
  });

  it('keeps reports/ in step with the executors: the default module count, and which built-ins take no settings', () => {
    for (const cores of [1, 2, 4, 8, 64, 4096]) expect(defaultModules(cores)).toBe(implDefaultModules(cores));
    expect([...EXECUTORS.values()].filter((e) => !e.takes.includes('modules') && !e.takes.includes('partition')).map((e) => e.name).sort()).toEqual([...TAKES_NO_SETTINGS].sort());
    expect([...EXECUTORS.values()].filter((e) => e.takes.length > 0).map((e) => e.name)).toEqual(['modular']);
  });
});
