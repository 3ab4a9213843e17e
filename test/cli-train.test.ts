// `--train N` and `--train-on FILE...` as a user runs them (dist/cli/concord.js): run trains the
// modular executor's affinity placement on the seeds after --seed (never the block run) or on
// block files, once and untimed, and says so in its text and --json; bench records the training in
// its results (settings.training), a list's affinity being the trained one, which report's Sources
// line, compare's settings warning and the rerun lines carry; the schema refuses a training that
// does not fit its file; each refusal is one line naming the option, exit 2.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Block } from '../spec/block.js';
import { writeBlock } from '../spec/block-file.js';
import { generate } from '../bench/workloads.js';
import { collectAccess } from '../impl/modular/access.js';
import { affinityPartitioner, trainAffinity } from '../impl/modular/partition.js';
import { badRunLines } from '../cli/bench.js';
import { compare } from '../reports/compare.js';
import { parseResults, resultsFromJson, serializeResults, type ResultsFile } from '../reports/schema.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, CI: '1' } });
const dir = mkdtempSync(join(tmpdir(), 'concord-train-'));

const params = { accounts: 300, txs: 600, hashCost: 0 };
const workload = ['--workload', 'defi', '--accounts', '300', '--txs', '600', '--hash-cost', '0'];
const modular = ['--executor', 'modular', '--partition', 'affinity', '--modules', '6', '--threads', '2', '--warmup', '0'];

/** The transactions of `block` whose keys the placement trained on `sample` puts in more than one module. */
function crossing(block: Block, sample: Block[], modules: number): number {
  const moduleOf = affinityPartitioner(trainAffinity(sample, modules)).forBlock(block, modules);
  const a = collectAccess(block);
  let cross = 0;
  for (let i = 0; i < a.txs; i++) {
    const first = moduleOf(a.entryKey[a.txStart[i]!]!);
    for (let e = a.txStart[i]! + 1; e < a.txStart[i + 1]!; e++) {
      if (moduleOf(a.entryKey[e]!) !== first) {
        cross++;
        break;
      }
    }
  }
  return cross;
}

function refused(args: string[], message: string): void {
  const r = concord(...args);
  const label = args.join(' ');
  expect(r.status, `${label}: ${r.stderr}`).toBe(2);
  expect(r.stderr.trim().split('\n'), label).toEqual([`concord ${args[0]}: ${message}`]);
  expect(r.stdout, label).toBe('');
}

describe('concord run --train', () => {
  it('places the block by a placement trained on the seeds after --seed, and reports the training apart', () => {
    const r = concord('run', ...workload, '--seed', '4', ...modular, '--train', '2', '--check', '--json');
    expect(r.status, r.stderr).toBe(0);
    // Quiet under --json: nothing but the object, which says the check passed.
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { check: { same: boolean }; stats: Record<string, number | string>; training: Record<string, unknown> };
    expect(out.check.same).toBe(true);
    expect(out.training).toMatchObject({ partition: 'affinity', blocks: 2, txs: 1200, firstSeed: 5, modules: 6, learned: true });
    expect(out.training.crossShare).toBeLessThan(out.training.hashCrossShare as number);
    // Seeds 5 and 6, not 4 (the block run) nor any other: the lanes' cross-module transactions are that placement's.
    const block = generate('defi', { ...params, seed: 4 });
    const sample = [5, 6].map((seed) => generate('defi', { ...params, seed }));
    expect(out.stats.crossModuleTxs).toBe(crossing(block, sample, 6));
    expect(out.stats.crossModuleTxs).not.toBe(crossing(block, [block], 6));
    expect(out.stats.partition).toBe('affinity');
  }, 60_000);

  it('says what trained it in its text, with a line on stderr as it trains', () => {
    const r = concord('run', ...workload, ...modular, '--train', '3');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^partition {6}affinity placement for 6 modules, trained on 3 blocks \(1,800 transactions; defi seeds 2-4\) in \d+ ms, untimed: [\d,]+ entities placed, the others by hash; on it 0\.\d\d of transactions cross modules \(hash: 0\.\d\d\)$/m);
    expect(r.stderr).toBe('run: training the affinity placement for 6 modules on 3 blocks (defi seeds 2-4), untimed\n');
  }, 60_000);

  it('trains on block files with --train-on, the block file first', () => {
    // As concord gen writes them (the block file format), written here to spare three starts.
    const write = (name: string, seed: number) => {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify(writeBlock(generate('defi', { ...params, seed }))));
      return file;
    };
    const history = [write('history-5.json', 5), write('history-6.json', 6)];
    const blockFile = write('block-4.json', 4);
    const r = concord('run', blockFile, ...modular, '--train-on', ...history, '--check', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { stats: Record<string, number>; training: Record<string, unknown> };
    expect(out.training).toMatchObject({ blocks: 2, txs: 1200, files: history, modules: 6 });
    expect(out.training.firstSeed).toBeUndefined();
    // The same sample as --train 2 at seed 4: the same placement.
    const sample = [5, 6].map((seed) => generate('defi', { ...params, seed }));
    expect(out.stats.crossModuleTxs).toBe(crossing(generate('defi', { ...params, seed: 4 }), sample, 6));
    // The block measured is no history of itself.
    refused(['run', blockFile, ...modular, '--train-on', history[0]!, blockFile],
      `--train-on ${blockFile}: holds the very block measured; train on other blocks (the ones before it), or give --partition affinity alone to learn from each block as it runs`);
    // A block file after the list is taken as one of it: the run would be of the default workload.
    refused(['run', ...modular, '--train-on', history[0]!, blockFile],
      `--train-on ${history[0]} ${blockFile}: no block to run: without a block file or --workload, run would run the default workload; a block file after --train-on's files is taken as one of them: give it first (concord run BLOCK --train-on FILE...) or after -- (--train-on FILE... -- BLOCK)`);
    const notBlock = join(dir, 'not-a-block.json');
    writeFileSync(notBlock, '{"format":"concord-block/1","transactions":[{"program":"nope"}]}');
    refused(['run', blockFile, ...modular, '--train-on', notBlock], `--train-on ${notBlock}: transaction 0: field program: line 1, column 56: unknown program "nope"`);
    refused(['bench', '--block', blockFile, '--executor', 'modular', '--partition', 'affinity', '--train-on', blockFile],
      `--train-on ${blockFile}: holds the very block measured; train on other blocks (the ones before it), or give --partition affinity alone to learn from each block as it runs`);
    refused(['run', blockFile, ...modular, '--train', '2'],
      '--train 2: generates its sample with --workload\'s generator, and the block is a file; give the blocks before it with --train-on FILE...');
  }, 60_000);

  it('is refused where it would not be used, naming the option', () => {
    refused(['run', ...workload, '--executor', 'block-stm', '--train', '2'], '--train trains the modular executor\'s affinity placement, not block-stm\'s');
    refused(['run', ...workload, '--executor', 'modular', '--train', '2'],
      '--train trains the affinity partition\'s placement, and the modular executor runs partition hash (the default) here: give --partition affinity');
    refused(['run', ...workload, ...modular, '--train', '0'], '--train expects an integer from 1 to 1,000, got "0"');
    refused(['run', '--workload', 'p2p', '--txs', '100000', ...modular, '--train', '11'],
      '--train 11: 11 blocks of 100000 transactions is 1,100,000, past the 1,000,000 a sample may hold; give --train 10 or fewer');
    refused(['run', ...workload, ...modular, '--train', '2', '--train-on', 'x.json'], 'give --train or --train-on, not both: one sample trains one placement');
    refused(['bench', '--executor', 'modular', '--partition', 'affinity', '--train', '2'],
      '--train 2: bench\'s suite holds many workloads, each with entities of its own, which one placement cannot serve: give --workload (with --train) or --block (with --train-on)');
    refused(['bench', '--block', 'x.json', '--executor', 'modular', '--partition', 'affinity', '--train', '2'],
      '--train 2: generates its sample with --workload\'s generator, and the block is a file; give the blocks before it with --train-on FILE...');
    refused(['bench', ...workload, '--executor', 'modular', '--partition', 'hash,range', '--train', '2'],
      '--train trains the affinity partition\'s placement, and the modular executor runs the partitions hash, range here: give --partition affinity among them');
  }, 60_000);
});

describe('concord bench --train', () => {
  const out = join(dir, 'trained.json');
  let doc: ResultsFile;

  it('records the training, a list\'s affinity the trained one, in --json and --out', () => {
    const r = concord('bench', ...workload, '--executor', 'modular', '--partition', 'hash,affinity', '--train', '2', '--threads', '1', '--quick', '--rounds', '1', '--json', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    doc = parseResults(readFileSync(out, 'utf8'));
    expect(doc.settings.partitions).toEqual(['hash', 'affinity']);
    expect(doc.settings.training).toMatchObject({ blocks: 2, txs: 1200, firstSeed: 2, learned: true });
    const runs = doc.runs.filter((x) => x.role === 'executor');
    expect(runs.map((x) => x.executor)).toEqual(['modular (hash)', 'modular (affinity)']);
    // Trained once before the sweep: the affinity runs place each block by table, not by learning it.
    const detail = (label: string) => runs.find((x) => x.executor === label)!.detail!;
    expect(detail('modular (affinity)').crossModuleTxs).toBe(crossing(generate('defi', { ...params, seed: 1 }), [2, 3].map((seed) => generate('defi', { ...params, seed })), doc.settings.training!.modules));
    // A disagreeing run's rerun trains as bench did, the hash run's does not.
    const wrong = { ...doc, runs: doc.runs.map((x) => ({ ...x, correct: x.role === 'baseline' })) };
    const lines = badRunLines('bench', wrong);
    expect(lines.find((l) => l.includes('modular (affinity) at'))).toMatch(/--executor modular --threads 1 --warmup 0 --check --partition affinity --train 2\)$/);
    expect(lines.find((l) => l.includes('modular (hash) at'))).toMatch(/--check --partition hash\)$/);
  }, 60_000);

  it('is told from affinity learned per block by report and compare', () => {
    const report = join(dir, 'report');
    const r = concord('report', out, '--out', report);
    expect(r.status, r.stderr).toBe(0);
    const md = readFileSync(join(report, 'report.md'), 'utf8');
    expect(md).toMatch(/^Sources: .*, --partition hash,affinity --train 2 \(affinity placed every block by a placement trained once, untimed, on 2 blocks of 1,200 transactions in \d+ ms, for \d+ modules?, not learned from each block\); Concord /m);
    const { training: _, ...settings } = doc.settings;
    const perBlock: ResultsFile = { ...doc, settings };
    expect(compare(doc, perBlock).warnings).toContain('different executor settings: base ran with --partition hash,affinity --train 2, new with --partition hash,affinity (settings.training --train 2 -> none); differences include them');
    expect(compare(doc, doc).warnings.some((w) => w.startsWith('different executor settings'))).toBe(false);
    // A one-partition file matched by partition with the list's affinity: the training still differs, and is said.
    const plain = (e: string) => (e === 'modular (affinity)' ? 'modular' : e);
    const keep = (e: string) => e !== 'modular (hash)';
    const { partitions: __, ...one } = doc.settings;
    const trainedAlone: ResultsFile = {
      ...doc, settings: { ...one, partition: 'affinity' },
      runs: doc.runs.filter((x) => keep(x.executor)).map((x) => ({ ...x, executor: plain(x.executor) })),
      startup: doc.startup.filter((x) => keep(x.executor)).map((x) => ({ ...x, executor: plain(x.executor) })),
      simulated: [],
    };
    const matched = compare(trainedAlone, perBlock);
    expect(matched.partitionMatches).toHaveLength(1);
    expect(matched.warnings).toContain('different executor settings: base ran with --partition affinity --train 2, new with --partition hash,affinity (settings.training --train 2 -> none); differences include them');
    expect(compare(trainedAlone, doc).warnings.some((w) => w.startsWith('different executor settings'))).toBe(false);
  }, 60_000);

  it('is refused by the schema where it does not fit its file', () => {
    const bad = (settings: object, field: string) => {
      const json = JSON.parse(serializeResults(doc)) as { settings: Record<string, unknown> };
      json.settings = { ...json.settings, training: {}, ...settings };
      expect(() => resultsFromJson(json, 'r.json'), field).toThrow(`r.json: settings.training.${field}`);
    };
    const t = doc.settings.training!;
    bad({ partitions: ['hash', 'range'], training: t }, 'blocks: a placement is the affinity partition\'s, but the sweep ran hash, range');
    bad({ training: { ...t, firstSeed: 7 } }, 'firstSeed: 7, but the seeds after the workload\'s 1 start at 2');
    bad({ training: { ...t, files: ['a.json'] } }, 'files: a sample is generated (firstSeed) or read from block files (files): give one of them');
    bad({ modules: t.modules + 1, training: t }, `modules: ${t.modules}, but settings.modules is ${t.modules + 1}`);
    // A file from before training (none recorded) still loads.
    const { training: _, ...settings } = doc.settings;
    expect(resultsFromJson({ ...doc, settings }).settings.training).toBeUndefined();
  });
});
