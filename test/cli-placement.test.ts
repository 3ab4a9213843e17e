// Placement files as a user runs them (dist/cli/concord.js): `--save-placement FILE` beside
// --train/--train-on writes the placement trained, `--placement FILE` places by it instead of
// training (run, bench, verify), the same placement and the same cross-module transactions as the
// training in-process; results, report, compare and the rerun lines name the file; each misuse and
// each malformed file is one line naming the option, the file and the field, exit 2.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { blockDigest, writeBlock } from '../spec/block-file.js';
import { generate } from '../bench/workloads.js';
import { trainAffinity } from '../impl/modular/partition.js';
import { badRunLines } from '../cli/bench.js';
import { compare } from '../reports/compare.js';
import { parseResults, resultsFromJson, type ResultsFile } from '../reports/schema.js';
import { decodeToken, encodeToken, replayCommand, type ReplayToken } from '../properties/replay.js';
import { rerunCommand } from '../properties/report.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, CI: '1' } });
const dir = mkdtempSync(join(tmpdir(), 'concord-placement-'));

const params = { accounts: 300, txs: 600, hashCost: 0 };
const workload = ['--workload', 'defi', '--accounts', '300', '--txs', '600', '--hash-cost', '0'];
const modular = ['--executor', 'modular', '--partition', 'affinity', '--threads', '2', '--warmup', '0'];
const saved = join(dir, 'p.json');

function refused(args: string[], message: string): void {
  const r = concord(...args);
  const label = args.join(' ');
  expect(r.status, `${label}: ${r.stderr}`).toBe(2);
  expect(r.stderr.trim().split('\n'), label).toEqual([`concord ${args[0]}: ${message}`]);
  expect(r.stdout, label).toBe('');
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

type RunJson = { ok: boolean; check: { same: boolean }; stats: Record<string, number | string>; training: Record<string, unknown> };

describe('run --save-placement, then --placement', () => {
  let trained: RunJson;

  it('saves the placement trained, as training in-process makes it', () => {
    const r = concord('run', ...workload, ...modular, '--modules', '6', '--train', '3', '--save-placement', saved, '--check', '--json');
    expect(r.status, r.stderr).toBe(0);
    trained = JSON.parse(r.stdout) as RunJson;
    expect(trained.training).toMatchObject({ blocks: 3, firstSeed: 2, modules: 6, file: { path: saved, sha256: sha256(saved), use: 'saved' } });
    const file = JSON.parse(readFileSync(saved, 'utf8')) as { format: string; concordVersion: string; modules: number; training: Record<string, unknown>; entityModule: Record<string, number> };
    expect(file).toMatchObject({ format: 'concord-placement/1', modules: 6, training: { blocks: 3, txs: 1800, firstSeed: 2, workload: { name: 'defi', ...params } } });
    const inProcess = trainAffinity([2, 3, 4].map((seed) => generate('defi', { ...params, seed })), 6);
    expect(new Map(Object.entries(file.entityModule).map(([e, m]) => [Number(e), m]))).toEqual(inProcess.entityModule);
    expect(file.training.crossShare).toBe(inProcess.crossTxs / inProcess.sampleTxs);
  }, 60_000);

  it('places by it without training: the same cross-module transactions, its module count taken', () => {
    const r = concord('run', ...workload, ...modular, '--placement', saved, '--check', '--json');
    expect(r.status, r.stderr).toBe(0);
    // No training, so nothing said on stderr.
    expect(r.stderr).toBe('');
    const placed = JSON.parse(r.stdout) as RunJson;
    expect(placed.check.same).toBe(true);
    expect(placed.stats.modules).toBe(6);
    expect(placed.stats.crossModuleTxs).toBe(trained.stats.crossModuleTxs);
    expect(placed.stats.crossShare).toBe(trained.stats.crossShare);
    const { file: _saved, ...training } = trained.training;
    expect(placed.training).toEqual({ ...training, file: { path: saved, sha256: sha256(saved), use: 'read' } });
    const text = concord('run', ...workload, ...modular, '--placement', saved, '--modules', '6');
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^partition {6}affinity placement for 6 modules, read from the placement file \S+p\.json \(sha256 [0-9a-f]{12}…\), trained there on 3 blocks \(1,800 transactions; defi seeds 2-4\) in \d+ ms, untimed: /m);
  }, 60_000);

  it('records the files trained on by content, and refuses a placement trained on the block measured', () => {
    const write = (name: string, seed: number) => {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify(writeBlock(generate('defi', { ...params, seed }))));
      return file;
    };
    const history = [write('h5.json', 5), write('h6.json', 6)];
    const fromFiles = join(dir, 'files.json');
    const r = concord('run', ...workload, ...modular, '--train-on', ...history, '--save-placement', fromFiles);
    expect(r.status, r.stderr).toBe(0);
    const file = JSON.parse(readFileSync(fromFiles, 'utf8')) as { training: { files: string[]; fileDigests: string[] } };
    expect(file.training.files).toEqual(history);
    expect(file.training.fileDigests).toEqual([5, 6].map((seed) => blockDigest(generate('defi', { ...params, seed }))));
    refused(['run', history[1]!, ...modular, '--placement', fromFiles],
      `--placement ${fromFiles}: was trained on ${history[1]}, which holds the very block measured; give a placement trained on other blocks (the ones before it)`);
    refused(['run', history[0]!, ...modular, '--train-on', history[1]!, '--save-placement', history[1]!],
      `--save-placement ${history[1]}: is the file of --train-on ${history[1]}, which the command would overwrite: give another file`);
  }, 60_000);

  it('refuses a misuse, naming the option', () => {
    refused(['run', ...workload, ...modular, '--placement', saved, '--modules', '4'],
      `--placement ${saved}: field modules: the placement is for 6 modules, and --modules is 4: give --modules 6, or leave --modules out to take the placement's`);
    refused(['run', ...workload, '--executor', 'modular', '--placement', saved],
      '--placement gives the affinity partition\'s placement, and the modular executor runs partition hash (the default) here: give --partition affinity');
    refused(['run', ...workload, '--executor', 'block-stm', '--placement', saved], '--placement gives the modular executor\'s affinity placement, not block-stm\'s');
    refused(['run', '--workload', 'p2p', '--accounts', '300', '--txs', '600', ...modular, '--placement', saved],
      `--placement ${saved}: field training.workload.name: the placement was trained on defi blocks, and this measures p2p, whose entities are other things: `
      + 'give a placement trained on p2p (--workload p2p --partition affinity --train N --save-placement FILE)');
    refused(['run', ...workload, ...modular, '--placement', saved, '--train', '2'],
      'give --placement or --train, not both: --placement reads a placement trained already, which a sample would train again');
    refused(['run', ...workload, ...modular, '--placement', saved, '--train-on', saved],
      'give --placement or --train-on, not both: --placement reads a placement trained already, which a sample would train again');
    refused(['run', ...workload, ...modular, '--save-placement', 'q.json'], '--save-placement q.json: saves the placement --train N or --train-on FILE... trains: give one of them');
    refused(['run', ...workload, ...modular, '--placement', saved, '--save-placement', 'q.json'],
      '--save-placement q.json: saves the placement --train N or --train-on FILE... trains; --placement reads one saved already (copy its file to keep it elsewhere)');
    refused(['bench', '--executor', 'modular', '--partition', 'affinity', '--placement', saved],
      `--placement ${saved}: bench's suite holds many workloads, each with entities of its own, which one placement cannot serve: give --workload or --block`);
    refused(['verify', '--executor', 'modular', '--placement', saved, '--runs', '10'],
      '--placement gives the affinity partition\'s placement, and the modular executor runs partition hash (the default) here: give --partition affinity');
    refused(['verify', '--planted', '--executor', 'modular', '--placement', saved], '--planted checks the planted-bug catalogue: leave out --placement');
    expect(existsSync('q.json')).toBe(false);
  }, 60_000);

  it('refuses a malformed file, naming the file and the field', () => {
    const text = readFileSync(saved, 'utf8');
    const bad = (name: string, content: string, message: string) => {
      const file = join(dir, name);
      writeFileSync(file, content);
      refused(['run', ...workload, ...modular, '--placement', file], `--placement ${file}: ${message}`);
    };
    // Node words a syntax error as its version does: matched by its place.
    const cut = join(dir, 'cut.json');
    writeFileSync(cut, text.slice(0, 40));
    const r = concord('run', ...workload, ...modular, '--placement', cut);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^concord run: --placement ${cut}: JSON: line 3, column 5: .+\n$`));
    bad('v2.json', text.replace('concord-placement/1', 'concord-placement/2'), 'field format: "concord-placement/2": a version this Concord does not read (it reads "concord-placement/1")');
    bad('block.json', JSON.stringify(writeBlock(generate('defi', { ...params, seed: 1 }))),
      'field format: expected "concord-placement/1", got "concord-block/1": not a placement file, which run and bench write with --train N (or --train-on FILE...) --save-placement FILE');
    bad('module.json', text.replace(/"0": \d+/, '"0": 6'), 'field entityModule.0: module 6, but the placement has 6 modules (0 to 5)');
    bad('entity.json', text.replace(/"0": (\d+)/, '"0x": $1'), 'field entityModule.0x: expected an entity number (decimal digits, no leading zero)');
    bad('twice.json', text.replace(/"0": (\d+),/, '"0": $1, "0": $1,'), 'field entityModule.0: line 21, column 11: key "0" given twice (first at line 21, column 3)');
    bad('field.json', text.replace('"modules": 6,', '"modules": 6, "extra": 1,'), 'field extra: unknown field (known: format, concordVersion, modules, training, entityModule)');
    bad('sample.json', text.replace('"firstSeed": 2,', '"files": ["a.json"], "firstSeed": 2,'), 'field training.files: a sample is generated (firstSeed) or read from block files (files): give one of them');
    // In Concord's words, as a results file's issues are (reports/issue-words.ts), not zod's.
    bad('zero.json', text.replace('"modules": 6,', '"modules": 0,'), 'field modules: expected an integer >= 1, got 0');
  }, 60_000);
});

describe('bench --placement', () => {
  const out = join(dir, 'placed.json');
  let doc: ResultsFile;

  it('records the file in settings.training, which report, compare and the rerun lines carry', () => {
    const r = concord('bench', ...workload, '--executor', 'modular', '--partition', 'hash,affinity', '--placement', saved, '--threads', '1', '--quick', '--rounds', '1', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    doc = parseResults(readFileSync(out, 'utf8'));
    expect(doc.settings.modules).toBe(6);
    expect(doc.settings.training).toMatchObject({ blocks: 3, firstSeed: 2, workload: { name: 'defi' }, modules: 6, file: { path: saved, sha256: sha256(saved), use: 'read' } });
    const report = join(dir, 'report');
    expect(concord('report', out, '--out', report).status).toBe(0);
    expect(readFileSync(join(report, 'report.md'), 'utf8')).toMatch(new RegExp(
      `^Sources: .*, --modules 6 --partition hash,affinity --placement ${saved} \\(affinity placed every block by a placement read from the placement file ${saved} \\(sha256 ${sha256(saved).slice(0, 12)}…\\), trained there once, untimed, on 3 blocks of 1,800 transactions in \\d+ ms, for 6 modules, not learned from each block\\); Concord `, 'm'));
    const wrong = { ...doc, runs: doc.runs.map((x) => ({ ...x, correct: x.role === 'baseline' })) };
    expect(badRunLines('bench', wrong).find((l) => l.includes('modular (affinity) at'))).toMatch(new RegExp(`--check --modules 6 --partition affinity --placement ${saved}\\)$`));
    const { training: _, ...settings } = doc.settings;
    expect(compare(doc, { ...doc, settings }).warnings)
      .toContain(`different executor settings: base ran with --modules 6 --partition hash,affinity --placement ${saved}, new with --modules 6 --partition hash,affinity (settings.training --placement ${saved} -> none); differences include them`);
  }, 60_000);

  it('keeps results files from before placement files loading', () => {
    const { workload: _w, file: _f, ...older } = doc.settings.training!;
    // Its sample's seeds are then the measured workload's: 2 after seed 1.
    expect(resultsFromJson({ ...doc, settings: { ...doc.settings, training: older } }).settings.training).toEqual(older);
    // A placement read from a file was trained on seeds of its own, which are not held to the workload's.
    const elsewhere = { ...doc.settings.training!, firstSeed: 40 };
    expect(resultsFromJson({ ...doc, settings: { ...doc.settings, training: elsewhere } }).settings.training?.firstSeed).toBe(40);
    expect(() => resultsFromJson({ ...doc, settings: { ...doc.settings, training: { ...older, firstSeed: 40 } } }, 'r.json'))
      .toThrow('r.json: settings.training.firstSeed: 40, but the seeds after the workload\'s 1 start at 2');
  });
});

describe('verify --placement', () => {
  it('checks the modular executor made with the placement against the reference', () => {
    const r = concord('verify', '--executor', 'modular', '--partition', 'affinity', '--placement', saved, '--runs', '100', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; settings: object; executors: { blocksChecked: number }[] };
    expect(out.ok).toBe(true);
    expect(out.settings).toEqual({ modules: 6, partition: 'affinity', placement: saved });
    expect(out.executors[0]!.blocksChecked).toBeGreaterThan(100);
  }, 120_000);

  it('names the file in a failure\'s replay and rerun lines, which no token carries', () => {
    const placement = { modules: 6, entityModule: new Map([[0, 1]]), file: 'p lan.json' };
    const token: ReplayToken = {
      version: 5, executor: 'modular', check: 'equivalence', minTxs: 1, maxTxs: 20, seed: 3, path: '1:0', minimized: [], shrunk: { digest: '0123456789ab' },
      settings: { modules: 6, partition: 'affinity', placement },
    };
    expect(replayCommand(token)).toMatch(/verify --replay cv5_\S+ --placement 'p lan\.json'$/);
    expect(decodeToken(encodeToken(token)).settings).toEqual({ modules: 6, partition: 'affinity' });
    expect(rerunCommand('b.json', 'modular', 2, 1, undefined, undefined, token.settings)).toMatch(/ --modules 6 --partition affinity --placement 'p lan\.json' --threads 2 /);
  });
});
