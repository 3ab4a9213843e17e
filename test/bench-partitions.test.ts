// `concord bench --partition hash,affinity`: the modular executor measured once per partition in
// one run, in the same rounds against the same baseline, each partition's runs labelled
// `modular (PARTITION)` in the tables, --json and --out, so report (its executor statistics per
// partition, a verdict of block-stm against each partition, and one of the partitions against
// each other) and compare tell them apart, compare matching a one-partition file's modular with
// its partition's runs; block-stm beside
// them measured once; each partition's rerun line and predictions its own. A list is refused
// where it cannot be measured (a partition named twice or unknown, a module among the executors,
// run and verify), naming the option; one partition keeps its plain labels and file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { badRunLines, benchCommand } from '../cli/bench.js';
import { CUSTOM_GROUP, generated } from '../bench/suite.js';
import { simulateScaling } from '../bench/simulate.js';
import type { RunResult } from '../bench/sweep.js';
import { merge } from '../reports/merge.js';
import { resultsMarkdown } from '../reports/render.js';
import { parseResults, resultsFromJson, serializeResults, type ResultsFile } from '../reports/schema.js';
import { verdicts } from '../reports/verdict.js';

const root = new URL('../', import.meta.url);
const cli = new URL('dist/cli/concord.js', root).pathname;
const dir = mkdtempSync(join(tmpdir(), 'concord-partitions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function concord(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, CI: '1' } });
}

const block = ['--workload', 'p2p', '--accounts', '100', '--txs', '1000', '--quick'];

describe('bench --partition with a list', () => {
  const out = join(dir, 'partitions.json');
  let doc: ResultsFile;

  it('measures modular once per partition in one run, labelled by partition in --json and --out, block-stm once', () => {
    const r = concord('bench', ...block, '--threads', '1,2', '--executor', 'modular,block-stm', '--partition', 'hash,affinity', '--json', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(r.stdout);
    doc = parseResults(r.stdout);
    expect(doc.settings).toMatchObject({ executors: ['modular', 'block-stm'], partitions: ['hash', 'affinity'] });
    expect(doc.settings.partition).toBeUndefined();
    for (const t of [1, 2]) {
      const at = doc.runs.filter((x) => x.threads === t);
      expect(at.map((x) => x.executor)).toEqual(['sequential', 'modular (hash)', 'modular (affinity)', 'block-stm']);
      expect(at.every((x) => x.correct)).toBe(true);
      // Interleaved: every side has samples of every round, beside the one baseline.
      for (const x of at) expect(new Set(x.rounds)).toEqual(new Set([0, 1, 2, 3]));
      expect(doc.startup.filter((s) => s.threads === t).map((s) => s.executor)).toEqual(['modular (hash)', 'modular (affinity)', 'block-stm']);
    }
    // What a user compares across partitions: each partition's own.
    const [hash, affinity] = ['modular (hash)', 'modular (affinity)'].map((e) => doc.runs.find((x) => x.executor === e && x.threads === 2)!.detail!);
    for (const d of [hash!, affinity!]) expect(d).toEqual(expect.objectContaining({ crossShare: expect.any(Number), laneImbalance: expect.any(Number) }));
    expect(hash!.crossShare).not.toBe(affinity!.crossShare);
    // The tables bench prints: a row per partition and thread count.
    const tables = resultsMarkdown(merge([{ file: out, doc }]));
    for (const label of ['modular (hash)', 'modular (affinity)', 'block-stm']) {
      for (const t of [1, 2]) expect(tables).toMatch(new RegExp(`\\| p2p 100 acc × 1000 tx \\| ${label.replace(/[()]/g, '\\$&')} \\| ${t} \\|`));
    }
  }, 90_000);

  it('is rendered by report, a statistics table and a verdict per partition, and compared by compare', () => {
    const report = join(dir, 'report');
    const r = concord('report', out, '--out', report);
    expect(r.status, r.stderr).toBe(0);
    const md = readFileSync(join(report, 'report.md'), 'utf8');
    expect(md).toMatch(/^## Executor statistics: modular \(hash\)$/m);
    expect(md).toMatch(/^## Executor statistics: modular \(affinity\)$/m);
    expect(md).toMatch(/^## Executor statistics: block-stm$/m);
    expect(md).toMatch(/\| workload \| threads \| modules \| crossModuleTxs \| crossShare \| laneImbalance \|/);
    expect(md).toMatch(/modular ran once per partition here \(modular \(hash\), modular \(affinity\)\), in the same rounds against the same baseline: block-stm is judged against each partition's runs in turn/);
    // A verdict row per partition, each the verdict of block-stm against that partition's runs, named by its label.
    expect(md).toContain('| workload | partition | threads | block-stm | modular | ideal | verdict | why | predicted (block-stm / modular) |');
    const judged = verdicts(merge([{ file: out, doc }]));
    expect(judged.map((v) => [v.partition, v.headline.threads, v.headline.modular.executor])).toEqual([['hash', 2, 'modular (hash)'], ['affinity', 2, 'modular (affinity)']]);
    for (const v of judged) {
      const line = md.split('\n').find((l) => l.startsWith(`| p2p 100 acc × 1000 tx | ${v.partition} | 2 |`));
      expect(line, `no verdict row for ${v.partition}`).toBeDefined();
      const verdict = line!.split(' | ')[6]!.replace(/\\/g, '');
      const winner = v.headline.outcome === 'modular' ? `modular (${v.partition}) wins` : v.headline.outcome === 'block-stm' ? 'block-stm wins' : v.headline.outcome;
      expect(verdict.startsWith(winner), `${verdict} for ${v.headline.outcome}`).toBe(true);
      // The why (its figures under the table) names the partition's own statistics (its cross-module share), not another's.
      expect(md.split('\n').find((l) => l.startsWith(`p2p 100 acc × 1000 tx, ${v.partition}: `))).toContain(`modular (${v.partition})'s`);
    }
    expect(md).toMatch(/^Which executor wins at the highest thread count both ran, block-stm against each partition's modular in turn: modular \(hash\) on \d workloads?, .*; modular \(affinity\) on \d workloads?, /m);
    // The partitions judged against one another: one row, hash (listed first) against affinity, why in both one's statistics.
    expect(md).toMatch(/^## Which partition of modular wins, and why \(at 2 threads/m);
    const pair = md.split('\n').find((l) => l.startsWith('| p2p 100 acc × 1000 tx | 2 | hash |'));
    expect(pair, 'no row of the partitions against one another').toBeDefined();
    expect(pair!.split(' | ')[4]).toBe('affinity');
    // Its why cell says why in a sentence; the statistics follow the table, a paragraph per workload.
    const why = md.slice(md.indexOf('## Which partition of modular wins')).split('\n').find((l) => l.startsWith('p2p 100 acc × 1000 tx: '));
    for (const p of ['hash', 'affinity']) expect(why).toContain(`modular (${p})'s`);
    // Its Sources line gives the settings the runs were made with.
    expect(md).toMatch(/^Sources: .*, --partition hash,affinity; Concord /m);
    const c = concord('compare', out, out);
    expect(c.status, c.stderr).toBe(0);
    for (const label of ['modular (hash)', 'modular (affinity)', 'block-stm']) expect(c.stdout).toContain(`p2p 100 acc × 1000 tx · ${label} @2`);
    const only = concord('compare', out, out, '--only', 'modular (affinity)', '--fail-on-regression', '5', '--json');
    expect(only.status, only.stderr).toBe(0);
  }, 60_000);

  it('is compared with a file of one partition by that partition\'s runs, saying so', () => {
    // The affinity half of the sweep as a run of --partition affinity records it: plain labels, settings.partition.
    const plain = (e: string) => (e === 'modular (affinity)' ? 'modular' : e);
    const keep = (e: string) => e !== 'modular (hash)';
    const { partitions: _, ...settings } = doc.settings;
    const affinity: ResultsFile = {
      ...doc, settings: { ...settings, partition: 'affinity' },
      runs: doc.runs.filter((r) => keep(r.executor)).map((r) => ({ ...r, executor: plain(r.executor) })),
      startup: doc.startup.filter((r) => keep(r.executor)).map((r) => ({ ...r, executor: plain(r.executor) })),
      simulated: doc.simulated.filter((r) => keep(r.executor)).map((r) => ({ ...r, executor: plain(r.executor) })),
    };
    const one = join(dir, 'affinity.json');
    writeFileSync(one, serializeResults(affinity, one));
    const c = concord('compare', one, out);
    expect(c.status, c.stderr).toBe(0);
    for (const t of [1, 2]) expect(c.stdout).toMatch(new RegExp(`^p2p 100 acc × 1000 tx · modular → modular \\(affinity\\) @${t} .* ~ \\(p=1\\.000 4\\+4 rounds\\)$`, 'm'));
    expect(c.stdout).toContain(`modular → modular (affinity): matched by partition: ${one} measured modular under one partition, affinity (its settings.partition), and ${out} once per partition, so ${one}'s modular runs are compared with ${out}'s modular (affinity) runs`);
    expect(c.stdout).toContain('warning: only in new: p2p 100 acc × 1000 tx · modular (hash) @1; p2p 100 acc × 1000 tx · modular (hash) @2');
    expect(c.stdout).not.toContain('only in base');
    const json = concord('compare', one, out, '--json');
    expect(json.status, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as { partitionMatches: unknown; rows: { name: string; executor: string; newExecutor?: string }[] };
    expect(parsed.partitionMatches).toEqual([{ in: 'base', executor: 'modular', partition: 'affinity', recorded: true, as: 'modular (affinity)' }]);
    expect(parsed.rows.filter((r) => r.newExecutor !== undefined).map((r) => [r.executor, r.newExecutor])).toEqual([['modular', 'modular (affinity)'], ['modular', 'modular (affinity)']]);
  }, 60_000);

  it('gives a disagreeing partition\'s rerun line its own partition', () => {
    const wrong = { ...doc, runs: doc.runs.map((x) => (x.executor === 'modular (affinity)' && x.threads === 2 ? { ...x, correct: false, wrongCall: 3 } : x)) };
    const [line] = badRunLines('bench', wrong);
    expect(line).toMatch(/^bench: modular \(affinity\) at 2 threads on p2p 100 acc × 1000 tx disagreed with the reference on its call 3 \(what differs: npx concord run .*--executor modular --threads 2 .*--check --partition affinity: /);
  });

  it('is held together by the schema: labels of listed partitions only, and a list in place of one partition', () => {
    expect(() => resultsFromJson({ ...doc, settings: { ...doc.settings, partitions: ['hash', 'range'] } })).toThrow(/runs\[\d+\]\.executor: "modular \(affinity\)" is not in settings\.executors/);
    expect(() => resultsFromJson({ ...doc, settings: { ...doc.settings, partition: 'hash' } })).toThrow(/settings\.partitions: lists the partitions measured, but settings\.partition \("hash"\) gives one/);
    expect(() => resultsFromJson({ ...doc, settings: { ...doc.settings, partitions: ['hash', 'affinity', 'hash'] } })).toThrow(/settings\.partitions\[2\]: "hash" again/);
  });
});

describe('a partition list refused', () => {
  const cases: [string[], RegExp][] = [
    [['bench', ...block, '--executor', 'modular', '--partition', 'hash,affinity,hash'], /^concord bench: --partition: hash is named twice\n$/],
    [['bench', ...block, '--executor', 'modular', '--partition', 'hash,rings'], /^concord bench: --partition: unknown partition "rings" for the modular executor \(known: hash, range, affinity\)\n$/],
    [['bench', ...block, '--executor', 'modular', '--partition', 'hash,'], /^concord bench: --partition hash,: an empty name in the list; give each partition's name\n$/],
    // As one partition is, given only executors that take none.
    [['bench', ...block, '--executor', 'block-stm', '--partition', 'hash,range'], /^concord bench: --partition configures the modular executor, not block-stm\n$/],
    [['bench', ...block, '--executor', 'modular,examples/my-executor.mjs', '--partition', 'hash,range'], /^concord bench: --partition hash,range: a list measures the built-in executors that take a partition once per partition; examples\/my-executor\.mjs would be given one/],
    [['run', '--workload', 'p2p', '--executor', 'modular', '--partition', 'hash,range'], /^concord run: --partition hash,range: one partition, not a list \(bench alone takes several, measuring each in one run\)\n$/],
    [['verify', '--executor', 'modular', '--partition', 'hash,range'], /^concord verify: --partition hash,range: verify makes every executor with one partition, not a list; check each in a verify of its own/],
  ];
  it.each(cases)('concord %j', (args, message) => {
    const r = concord(...args);
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
  });
});

describe('bench with one partition', () => {
  afterEach(() => vi.restoreAllMocks());
  it('labels the modular executor\'s runs as before, the partition in settings.partition', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = join(dir, 'one.json');
    expect(await benchCommand({ workload: 'p2p', accounts: '10', txs: '40', hashCost: '0', quick: true, threads: '2', executor: 'modular,block-stm', partition: 'affinity', out })).toBe(0);
    const one = parseResults(readFileSync(out, 'utf8'), out);
    expect(one.settings.partition).toBe('affinity');
    expect(one.settings.partitions).toBeUndefined();
    expect(one.runs.map((x) => x.executor)).toEqual(['sequential', 'modular', 'block-stm']);
    expect(one.startup.map((x) => x.executor)).toEqual(['modular', 'block-stm']);
  }, 60_000);
});

describe('predictions of several partitions', () => {
  it('models each partition from its own runs, under its label', () => {
    const w = generated('p2p', { accounts: 50, txs: 40, seed: 1, hashCost: 0 }, CUSTOM_GROUP);
    const run = (executor: string, ms: number): RunResult => ({
      workload: w.id, executor, threads: 1, role: executor === 'sequential' ? 'baseline' : 'executor', samplesMs: [ms], busy: [false],
      perTx: { executions: 1, reExecutions: 0, validations: 0, failedValidations: 0 }, peakRssBytes: 0, correct: true, fallback: '', detail: {}, fallbackShare: 0, rounds: [0],
    });
    const o = { threads: [1, 2], stepBudget: 20, maxSteps: 1e7, maxExecutionsPerTx: 12 };
    const sim = simulateScaling([w], [run('sequential', 1), run('modular (hash)', 2), run('modular (affinity)', 3)], { ...o, partitions: ['hash', 'affinity'] });
    expect(new Set(sim.points.map((p) => p.executor))).toEqual(new Set(['modular (hash)', 'modular (affinity)']));
    expect(sim.points.find((p) => p.executor === 'modular (affinity)')!.model).toMatch(/fitted to modular \(affinity\)'s measured 1-thread 3\.00 ms/);
    // A partition without runs of its own is not modelled from another's.
    const half = simulateScaling([w], [run('sequential', 1), run('modular (hash)', 2)], { ...o, partitions: ['hash', 'affinity'] });
    expect(new Set(half.points.map((p) => p.executor))).toEqual(new Set(['modular (hash)']));
  });
});
