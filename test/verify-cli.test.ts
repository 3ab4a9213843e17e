// `concord verify` end to end, in process: exit codes, the --json object, a user's executor module
// (good, buggy, malformed), the failure report with its block file and replay token, seeds,
// sharding and input errors. The fixtures import dist/, which `npm test` builds first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseBlock } from '../spec/block-file.js';
import { executeReference } from '../spec/reference.js';
import { sameResult } from '../properties/explain.js';
import { coverageOption, VERIFY_OPTION_NAMES, type VerifyOptions } from '../cli/verify.js';
import { coverageHint } from '../properties/coverage-hint.js';
import { capturedVerify } from './verify-capture.js';
import { SHORT_VERIFY } from '../cli/main.js';
import { PLANTED } from '../properties/planted.js';
import { runVerify } from '../properties/runner.js';
import { DEFAULT_RUNS, MAX_SEED } from '../properties/verify-limits.js';
import { BLOCKSTM_COVERAGE, PARALLEL_RUN } from '../properties/equivalence.js';
import { executorSource, executorSubject } from '../properties/subjects.js';
import { decodeToken, encodeToken } from '../properties/replay.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const fixture = (name: string) => new URL(`./fixtures/verify/${name}`, import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'concord-verify-'));
const aFile = join(out, 'a-file');
writeFileSync(aFile, '');

const verify = capturedVerify(out);

afterEach(() => vi.restoreAllMocks());

describe('concord verify', () => {
  it('takes executors comma-separated as well as repeated, and refuses one named twice or an empty name', async () => {
    const r = await verify({ executor: ['sequential,block-stm', 'reference'], runs: '20', json: true });
    expect(JSON.parse(r.stdout).executors.map((e: { name: string }) => e.name)).toEqual(['sequential', 'block-stm', 'reference']);
    // A trailing comma is an empty name, as in --partition's list: a slip (a name deleted, a variable unset), not dropped.
    expect(await verify({ executor: ['sequential,', 'reference'], runs: '20', json: true }))
      .toMatchObject({ code: 2, stderr: 'concord verify: --executor sequential,: an empty name in the list; give each executor\'s name\n' });
    // Dropping the second would hide a typo for another executor.
    expect(await verify({ executor: ['sequential,reference', 'sequential'], runs: '20', json: true })).toEqual({ code: 2, stdout: '', stderr: 'concord verify: --executor: sequential is named twice\n' });
  });

  it('passes the sequential executor and prints one JSON object', async () => {
    const r = await verify({ executor: ['sequential'], runs: '100', json: true });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, runs: 100, txs: null, blocksChecked: 137, schedulesExplored: 0, failures: [], seed: 1, shard: '1/1' });
    expect(j.executors).toHaveLength(1);
    expect(j.executors[0]).toMatchObject({ name: 'sequential', failed: false, uncovered: [] });
    expect(j.executors[0].checks).toEqual([
      { name: 'equivalence', status: 'passed', batches: 2, of: 2 }, { name: 'determinism', status: 'passed', batches: 1, of: 1 },
      { name: 'big-blocks', status: 'passed', batches: 1, of: 1 }, { name: 'lying-footprints', status: 'passed', batches: 1, of: 1 },
    ]);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('passes, covering every path, with the short budget `concord main` (npm start) gives it', async () => {
    const r = await verify({ ...SHORT_VERIFY, json: true });
    const j = JSON.parse(r.stdout);
    expect(j.failures).toEqual([]);
    for (const e of j.executors) expect([e.name, e.uncovered]).toEqual([e.name, []]);
    expect(r.code).toBe(0);
  });

  // Its simulated checks run the algorithm, not the instance, and took every path the goals name:
  // summed with them, an executor whose threads always finished sequentially passed.
  it('fails a built-in parallel executor whose execute() runs all fell back, though its simulated checks took every path', async () => {
    const fallsBack = { name: 'block-stm', close: async () => {}, execute: async (b: Parameters<typeof executeReference>[0]) => {
      const r = executeReference(b);
      return { ...r, stats: { ...r.stats, fallback: 'contention: always' } };
    } };
    const source = { name: 'block-stm', create: async () => executorSubject(fallsBack, 'block-stm', BLOCKSTM_COVERAGE, { kind: 'block-stm', bugs: [] }) };
    const [e] = (await runVerify({ subjects: [source], runs: 100, seed: 1 })).executors;
    expect(e).toMatchObject({ failed: false, cut: false, uncovered: [PARALLEL_RUN] });
    for (const { event } of BLOCKSTM_COVERAGE) expect([event, e!.coverage[event]! > 0, e!.executedCoverage?.[event]]).toEqual([event, true, 0]);
  });

  // At seed 5 a single run per check never stops a block at its gas limit (skip-rest), which the coverage gate requires
  // (at seeds 1-4 and 6 one of cv8_'s shaped big blocks or large lying blocks does).
  it('fails missing coverage with ok false in the JSON, whose failures are empty', async () => {
    const r = await verify({ executor: ['sequential'], runs: '1', seed: '5', json: true });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: false, failures: [], timedOut: false });
    expect(j.executors[0]).toMatchObject({ failed: false, cut: false, uncovered: ['skip-rest'] });
  });

  it('says which paths a green run missed and that --runs, default 2000, was too small', async () => {
    const r = await verify({ executor: ['sequential'], runs: '1', seed: '5' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL sequential: a green run must exercise skip-rest, and this one never did/);
    expect(r.stdout).toMatch(/hint: .*--runs 1 \(default 2000\): raise --runs/);
    expect(r.stdout).not.toMatch(/all properties hold/);
  });

  // The helper repeated this sentence in its own copy, free to drift from verify's (coverage-hint.ts).
  it('hints under missing --coverage in the sentence the vitest helper says too, in verify\'s option names', async () => {
    const r = await verify({ executor: [fixture('reference-wrapper.mjs')], runs: '60', coverage: 'executions, failedValidations' });
    expect(r.code).toBe(1);
    const hint = '  hint: these paths show up only with enough runs, and a --coverage counter only where the executor\'s stats report it under that name; '
      + 'this run had --runs 60 (default 2000): raise --runs';
    expect(r.stdout.split('\n')).toContain(hint);
    expect(hint).toBe(`  hint: ${coverageHint(VERIFY_OPTION_NAMES, 60, DEFAULT_RUNS, coverageOption('executions, failedValidations'))}`);
  });

  it('tells a --coverage counter no result carried (misnamed) from one carried as 0', async () => {
    const r = await verify({ executor: [fixture('reference-wrapper.mjs')], runs: '60', coverage: 'failedValidations,waves' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL reference-wrapper \(\S+\): a green run must exercise failedValidations, waves, and this one never did \(waves is in no result's stats at all, not even as 0: check the name\)$/m);
    const j = JSON.parse((await verify({ executor: [fixture('reference-wrapper.mjs')], runs: '60', coverage: 'failedValidations,waves', json: true })).stdout);
    expect(j.executors[0]).toMatchObject({ uncovered: ['failedValidations', 'waves'], unreported: ['waves'] });
  });

  it('checks a user module that is correct', async () => {
    const r = await verify({ executor: [fixture('reference-wrapper.mjs')], runs: '60' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/all properties hold/);
  });

  it('catches, shrinks, explains, writes and replays the bug in a user module', async () => {
    const r = await verify({ executor: [fixture('batch-executor.mjs')], json: true });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    const [f] = j.failures;
    // Commands need the path; people read the name the module gives itself, as `concord run` shows it.
    expect(f.executor).toBe(fixture('batch-executor.mjs'));
    expect(f.label).toBe(`batch-executor (${fixture('batch-executor.mjs')})`);
    expect(j.executors[0]).toMatchObject({ name: f.executor, label: f.label });
    expect(f.transactions).toBeLessThanOrEqual(3);
    expect(['stale read', 'wrong receipt']).toContain(f.explanation.anomaly);
    expect(f.replay).toMatch(/^npx concord verify --replay cv8_/);
    // A CI job sends the JSON to a file: its log still says what failed, how, and how to replay it.
    const x = f.explanation;
    expect(r.stderr).toBe(`concord verify: FAIL ${f.label}: ${f.check} check (${f.setting}), shrunk to ${f.transactions} transaction${f.transactions === 1 ? '' : 's'} in ${f.numShrinks} steps; `
      + `${x.anomaly} at tx ${x.tx}, key ${x.keyName}: expected ${x.expected}, actual ${x.actual}; replay: ${f.replay}\n`);
    // The block file is a valid block on which the module really differs from the reference.
    expect(existsSync(f.blockFile)).toBe(true);
    const block = parseBlock(readFileSync(f.blockFile, 'utf8'), f.blockFile);
    const mine = (await import(fixture('batch-executor.mjs'))).default();
    expect(sameResult(executeReference(block), await mine.execute(block))).toBe(false);
    // The token reproduces exactly the same counterexample.
    const again = await verify({ replay: f.token, json: true });
    expect(again.code).toBe(1);
    const g = JSON.parse(again.stdout);
    expect(g).toMatchObject({ ok: false, reproduced: true });
    expect(g.failures[0].numShrinks).toBe(f.numShrinks);
    expect(g.failures[0].block).toEqual(f.block);
    expect(g.failures[0].explanation).toEqual(f.explanation);
  });

  it('prints the explanation, the shrunk block and the replay command on a terminal', async () => {
    const r = await verify({ executor: [fixture('batch-executor.mjs')] });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL batch-executor \(\S*batch-executor\.mjs\): equivalence check/m);
    expect(r.stdout).toMatch(/^ {2}batch-executor \(\S*batch-executor\.mjs\) +\d+ blocks .* FAILED$/m);
    // At the thread count of the failing call: a failure may show at one thread count alone.
    expect(r.stdout).toMatch(/^FAIL batch-executor \(\S*batch-executor\.mjs\): equivalence check \(threads (\d)\)[^]*\(rerun: npx concord run \S+\.block\.json --executor \S*batch-executor\.mjs --threads \1 --warmup 0 --check\)/m);
    expect(r.stdout).toMatch(/anomaly {6}(stale read|wrong receipt)/);
    expect(r.stdout).toMatch(/block {8}\d transactions?/);
    expect(r.stdout).toMatch(/block file {3}.*\.block\.json/);
    expect(r.stdout).toMatch(/replay {7}npx concord verify --replay cv8_\S+/);
    expect(r.stdout).toMatch(/seed {9}\d+, path [\d:]+/);
  });

  // Seeds used to be taken mod 2^15, so --seed 32769 checked exactly the blocks of --seed 1.
  it('checks different blocks for every seed, keeps the blocks of the seeds below 2^15, and replays each', async () => {
    const found = [];
    for (const seed of ['1', '32769', String(MAX_SEED)]) {
      const [f] = JSON.parse((await verify({ executor: [fixture('batch-executor.mjs')], seed, json: true })).stdout).failures;
      const again = JSON.parse((await verify({ replay: f.token, json: true })).stdout);
      expect(again.failures[0].block, `seed ${seed}`).toEqual(f.block);
      found.push(f);
    }
    // 65536 is seed 1's first batch, as docs/verify.md shows it.
    expect(found[0].seed).toBe(65536);
    expect(new Set(found.map((f) => f.seed)).size).toBe(3);
    expect(new Set(found.map((f) => JSON.stringify(f.block))).size).toBe(3);
  });

  it('splits the seed space over shards that together make the whole run', async () => {
    const whole = JSON.parse((await verify({ executor: ['sequential'], runs: '200', json: true })).stdout);
    const parts = [];
    for (const shard of ['1/3', '2/3', '3/3']) parts.push(JSON.parse((await verify({ executor: ['sequential'], runs: '200', shard, json: true })).stdout));
    expect(parts.reduce((n, p) => n + p.blocksChecked, 0)).toBe(whole.blocksChecked);
    expect(parts.map((p) => p.shard)).toEqual(['1/3', '2/3', '3/3']);
    // Determinism's 50 runs are one batch, shard 1's: the others ran none of it, and do not call it passed.
    expect(parts.map((p) => p.executors[0].checks.find((c: { name: string }) => c.name === 'determinism').status)).toEqual(['passed', 'none', 'none']);
  });

  // Each shard judges coverage on its own share, so the advice must give every shard enough runs, not just one batch.
  it('advises a --runs at which a too-small shard passes', async () => {
    const small = await verify({ executor: ['sequential'], runs: '151', shard: '4/4' });
    expect(small.code).toBe(1);
    expect(small.stdout).toMatch(/^ {2}hint: .*--runs 151 \(default 2000\), split over 4 shards, each judged on its own share: raise --runs to 2000 \(500 a shard\)$/m);
    const advised = await verify({ executor: ['sequential'], runs: '2000', shard: '4/4' });
    expect(advised.code).toBe(0);
    expect(advised.stdout).toMatch(/all properties hold/);
  });

  // Whoever works on one executor waited for the other's bugs too.
  it('runs one executor\'s planted bugs alone with --executor', async () => {
    const catches: { blockFile?: string; rerun?: string }[] = [];
    for (const executor of ['modular', 'block-stm']) {
      const j = JSON.parse((await verify({ planted: true, executor: [executor], runs: '50', json: true })).stdout);
      const names = PLANTED.filter((p) => p.simulated.kind === executor).map((p) => `planted:${p.name}`);
      expect(j.planted.map((b: { name: string }) => b.name)).toEqual(names);
      expect(j.total).toBe(names.length);
      expect(j.executors.map((e: { name: string }) => e.name)).toEqual(names);
      catches.push(...j.failures);
    }
    // No command outside verify can load a planted bug: its catches' block files have no rerun.
    expect(catches.length).toBeGreaterThan(0);
    expect(catches.filter((f) => f.blockFile === undefined || f.rerun !== undefined)).toEqual([]);
  });

  it('prints the first planted catch in full, a replay command for each other catch, and a --runs hint for the misses', async () => {
    const r = await verify({ planted: true, runs: '50' });
    expect(r.code).toBe(1);
    const rows = r.stdout.split('\n').map((l) => /^(caught|MISSED) {2}(\S+) +/.exec(l)).filter((m) => m !== null);
    expect(rows).toHaveLength(PLANTED.length);
    // The column after the names lines up, however long the longest name is.
    expect(new Set(rows.map((m) => m[0].length)).size).toBe(1);
    const caught = rows.filter((m) => m[1] === 'caught').map((m) => m[2]!);
    expect(caught.length).toBeGreaterThan(1);
    expect(caught.length).toBeLessThan(PLANTED.length);
    expect(r.stdout).toMatch(new RegExp(`^FAIL ${caught[0]}: \\w+ check`, 'm'));
    expect(r.stdout).toMatch(/^ {2}anomaly {6}\S/m);
    expect(r.stdout).toMatch(/^ {2}replay {7}npx concord verify --replay cv8_\S+( --out \S+)?$/m);
    expect(r.stdout).toContain(`each replay prints its full report, as above; their blocks are in ${out}\n`);
    for (const name of caught.slice(1)) expect(r.stdout).toMatch(new RegExp(`^ {2}${name} +npx concord verify --replay cv8_\\S+( --out \\S+)?$`, 'm'));
    // The per-executor summary lines up too.
    const counts = r.stdout.split('\n').filter((l) => /^ {2}planted:\S+ +\d+ blocks/.test(l)).map((l) => l.indexOf(' blocks'));
    expect(counts).toHaveLength(PLANTED.length);
    expect(new Set(counts).size).toBe(1);
    expect(r.stdout).toMatch(/^ {2}hint: .*--runs 50 \(default 2000\): raise --runs$/m);
  });

  it.each([
    [{ shard: '3/2' }, /--shard expects I\/N/],
    [{ shard: 'x' }, /--shard/],
    [{ runs: '0' }, /--runs expects an integer from 1 to 3,276,800, got "0"/],
    [{ timeLimit: '-1' }, /--time-limit expects a number of seconds > 0/],
    [{ failOnCut: true }, /--fail-on-cut fails a run whose checks --time-limit cut short: give it with --time-limit SEC/],
    [{ planted: true, failOnCut: true, timeLimit: '5' }, /leave out --fail-on-cut/],
    [{ replay: 'cv1_AAAA', runs: undefined, failOnCut: true }, /give it alone .* not with --fail-on-cut/],
    [{ executor: ['nope'] }, /unknown executor "nope"/],
    [{ executor: [fixture('not-an-executor.mjs')] }, /default export must be an Executor/],
    [{ executor: ['missing-file.js'] }, /missing-file\.js: no such module file \(looked for \/\S+\/missing-file\.js\)/],
    [{ replay: 'garbage', runs: undefined }, /not a replay token/],
    [{ replay: 'cv1_AAAA', runs: undefined }, /damaged/],
    [{ planted: true, executor: ['sequential'] }, /^concord verify: --planted --executor: sequential has no planted bugs \(those of block-stm and modular do\)\n$/],
    [{ planted: true, executor: ['modular', './mine.mjs'] }, /--planted --executor: \.\/mine\.mjs has no planted bugs/],
    [{ replay: 'cv1_AAAA', runs: undefined, shard: '1/2' }, /give it alone/],
    [{ executor: ['sequential'], runs: '5', shard: '2/4' }, /^concord verify: --shard 2\/4 of --runs 5 gets no runs: .* 4 shards need --runs >= 2000 \(500 a shard\)\n$/],
    [{ planted: true, runs: '100', shard: '3/4' }, /--shard 3\/4 of --runs 100 gets no runs: .* 4 shards need --runs >= 8000 \(2000 a shard\)/],
    // No --runs gives that many shards their share: the advice is the most shards --runs' cap gives one each.
    [{ executor: ['sequential'], runs: '3276800', shard: '65537/65537' },
      /^concord verify: --shard 65537\/65537 of --runs 3276800 gets no runs: .* so 65537 shards would need --runs >= 32768500 \(500 a shard\), past its cap of 3,276,800: the matrix has more shards than the cap allows; give at most 6553 \(--runs 3276800 --shard I\/6553\)\n$/],
    [{ planted: true, runs: '100', shard: '3000/3000' }, /so 3000 shards would need --runs >= 6000000 \(2000 a shard\), past its cap of 3,276,800: the matrix has more shards than the cap allows; give at most 1638 \(--runs 3276800 --shard I\/1638\)\n$/],
    [{ executor: [fixture('batch-executor.mjs')], out: aFile, json: true }, /^concord verify: --out \S+a-file: is a file; give a folder\n$/],
    [{ planted: true, out: aFile }, /--out \S+a-file: is a file; give a folder/],
  ] as [VerifyOptions, RegExp][])('exits 2 on bad input %#', async (o, message) => {
    const r = await verify({ runs: '10', ...o });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  // fast-check's own "Unable to replay" came out as an error outside any call into an executor (exit 1), and a path that led to no
  // case ran nothing and said the counterexample no longer fails (exit 0).
  it('refuses as damaged a token whose path leads fast-check to no case, with the shrinking\'s steps or without', async () => {
    const fields = { executor: 'reference', check: 'equivalence', minTxs: 1, maxTxs: 20, seed: 65536, path: '0:99999', version: 1 } as const;
    for (const token of [fields, { ...fields, minimized: [] }]) {
      const r = await verify({ replay: encodeToken(token) });
      expect(r.stderr).toBe('concord verify: --replay: the token is damaged (copy it whole, it is one word)\n');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    }
  });

  it('shares the time limit out: every check of every executor runs part of its batches, and the JSON says which were cut', async () => {
    const r = await verify({ executor: ['sequential', 'reference'], runs: '100000', timeLimit: '2', json: true });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, timedOut: true, failures: [] });
    expect(j.executors.map((e: { name: string }) => e.name)).toEqual(['sequential', 'reference']);
    for (const e of j.executors) {
      expect(e).toMatchObject({ cut: true, uncovered: [] });
      expect(e.checks.map((c: { name: string; of: number }) => [c.name, c.of])).toEqual([['equivalence', 2000], ['determinism', 500], ['big-blocks', 40], ['lying-footprints', 200]]);
      // How far each got depends on this machine's speed; that each ran a block does not.
      for (const c of e.checks) {
        expect(['cut', 'passed'], `${e.name} ${c.name}`).toContain(c.status);
        expect(c.batches + (c.partial ?? 0), `${e.name} ${c.name}`).toBeGreaterThan(0);
      }
    }
  });

  it('never calls a run the time limit cut a pass', async () => {
    const r = await verify({ executor: ['sequential', 'reference'], runs: '100000', timeLimit: '1' });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/all properties hold/);
    expect(r.stdout).toMatch(/time limit reached: these checks did not run in full, so they are not passed:/);
    for (const name of ['sequential', 'reference']) {
      expect(r.stdout).toMatch(new RegExp(`^ {2}${name} +equivalence \\d+/2000 batches( and \\d+ runs? of the next)?(, determinism \\d+/500 batches( and \\d+ runs? of the next)?)?(, big-blocks \\d+/40 batches( and \\d+ runs? of the next)?)?(, lying-footprints \\d+/200 batches( and \\d+ runs? of the next)?)?$`, 'm'));
    }
    expect(r.stdout).toMatch(/no counterexample in what ran, but the time limit cut the checks above/);
  });

  it('runs every block of the determinism check at an odd thread count too, where a bug of splitting work by the count shows', async () => {
    const r = await verify({ executor: [fixture('wrong-at-three.mjs')], runs: '40' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL wrong-at-three \(\S+\): determinism check \(threads 3, repeat 1 of 2\)/m);
  });

  it('catches an executor wrong only past 64 transactions in the big-blocks check, which the other checks pass, shrunk to the boundary', async () => {
    const r = await verify({ executor: [fixture('chunk-lag.mjs')], runs: '200', json: true });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.executors[0].checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['equivalence', 'passed'], ['vm-corners', 'passed'], ['determinism', 'passed'], ['big-blocks', 'failed'], ['empty-block', 'skipped'],
    ]);
    expect(j.failures).toHaveLength(1);
    expect(j.failures[0]).toMatchObject({ check: 'big-blocks', transactions: 65, explanation: { anomaly: 'stale read', tx: 64 } });
  });

  it('hands half the blocks over as a SharedState, and catches an executor right on every Map that reads the table wrongly', async () => {
    const module = fixture('table-reader.mjs');
    const r = await verify({ executor: [module], runs: '200', json: true });
    expect(r.code).toBe(1);
    const [f] = JSON.parse(r.stdout).failures;
    expect(f).toMatchObject({ check: 'equivalence', preState: 'shared', transactions: 1, explanation: { key: 0, expected: '-1' } });
    expect(f.setting).toMatch(/^threads \d, shared pre-state$/);
    expect(f.token).toMatch(/^cv8_/);
    const again = JSON.parse((await verify({ replay: f.token, json: true })).stdout);
    expect(again).toMatchObject({ ok: false, reproduced: true, failures: [{ preState: 'shared', block: f.block }] });
    // The rerun line carries the kind: the block file alone, as a Map, passes.
    const text = await verify({ executor: [module], runs: '200' });
    const rerun = /\(rerun: npx concord run (\S+) --pre-state shared --executor \S+table-reader\.mjs --threads \d --warmup 0 --check\)$/m.exec(text.stdout);
    expect(rerun).not.toBeNull();
    const run = (...flags: string[]) => spawnSync(process.execPath, [cli, 'run', rerun![1]!, '--executor', module, '--warmup', '0', '--check', ...flags], { encoding: 'utf8' });
    expect(run('--pre-state', 'shared').status).toBe(1);
    expect(run().status).toBe(0);
    // The built-ins read the same blocks from their tables, and pass.
    const builtIns = JSON.parse((await verify({ executor: ['block-stm', 'modular'], runs: '200', json: true })).stdout);
    expect(builtIns.failures).toEqual([]);
  });

  // Past a size (--txs 150 here) minimize() shrinks alone and fast-check does not shrink the kind.
  it('tries a shrunk block under a Map where fast-check does not shrink: only a failure that needs the table says shared', async () => {
    const r = await verify({ executor: [fixture('wrong-at-three.mjs')], txs: '150', runs: '4', seed: '1', json: true });
    const [f] = JSON.parse(r.stdout).failures;
    expect(f.setting).toBe('threads 3, repeat 1 of 2');
    expect(f.preState).toBeUndefined();
    const again = JSON.parse((await verify({ replay: f.token, json: true })).stdout);
    expect(again.failures[0]).toMatchObject({ setting: f.setting, numShrinks: f.numShrinks, block: f.block });
    const needs = JSON.parse((await verify({ executor: [fixture('table-reader.mjs')], txs: '150', runs: '40', json: true })).stdout).failures[0];
    expect(needs).toMatchObject({ preState: 'shared', transactions: 1 });
    expect(needs.setting).toMatch(/, shared pre-state$/);
  });

  // A replay's minimize() has no deadline: the Map step must not take the number of an attempt it makes past the time limit.
  it('replays a failure whose shrinking the time limit stopped before its block was tried under a Map', async () => {
    const module = join(out, 'slow-wrong.mjs');
    writeFileSync(module, `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
export default { name: 'slow-wrong', async execute(block) { const until = performance.now() + 120; while (performance.now() < until) {}
  if (block.txs.length >= 60) throw new Error('boom'); return executeReference(block); }, async close() {} };\n`);
    const [f] = JSON.parse((await verify({ executor: [module], txs: '150', runs: '1', seed: '1', timeLimit: '1', json: true })).stdout).failures;
    expect(f).toMatchObject({ shrinkTimeLimited: true, setting: 'threads 4' });
    expect(f.preState).toBeUndefined();
    const again = JSON.parse((await verify({ replay: f.token, json: true })).stdout);
    expect(again).toMatchObject({ ok: false, reproduced: true, failures: [{ token: f.token, block: f.block }] });
  });

  // Before the checks drew the pre-state kind: its replay uses their inputs of then, and so must the token it prints.
  it('replays a cv1_ token made before the shrinking steps were recorded, and prints a cv2_ token that replays the same block', async () => {
    const old = encodeToken({ version: 1, executor: fixture('wrong-at-three.mjs'), check: 'determinism', minTxs: 1, maxTxs: 20, seed: 65536, path: '0' });
    const first = JSON.parse((await verify({ replay: old, json: true })).stdout);
    expect(first).toMatchObject({ ok: false, reproduced: true });
    const [f] = first.failures;
    expect(f.token).toMatch(/^cv2_/);
    expect(f.preState).toBeUndefined();
    const again = JSON.parse((await verify({ replay: f.token, json: true })).stdout);
    expect(again).toMatchObject({ ok: false, reproduced: true, failures: [{ token: f.token, block: f.block }] });
  });

  it('catches an executor wrong only past 8 threads in the big-blocks check, at 16 threads', async () => {
    const r = await verify({ executor: [fixture('eight-buffers.mjs')], json: true });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.executors[0].checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['equivalence', 'passed'], ['vm-corners', 'passed'], ['determinism', 'passed'], ['big-blocks', 'failed'], ['empty-block', 'skipped'],
    ]);
    expect(j.failures[0]).toMatchObject({ check: 'big-blocks', threads: 16, transactions: 10, explanation: { anomaly: 'stale read' } });
  });

  it('stops a slow executor part-way through its first batch at the time limit, and exits 0 saying the limit cut it', async () => {
    // slow-reference takes 100 ms a block: a batch is 5 s of equivalence, 15 s of determinism (six runs a block).
    const started = performance.now();
    const r = await verify({ executor: [fixture('slow-reference.mjs')], runs: '100', timeLimit: '1' });
    expect(performance.now() - started).toBeLessThan(3500);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}slow-reference \(\S+\) equivalence 0\/2 batches and \d+ runs? of the next, vm-corners 0\/1 batches and \d+ runs? of the next, determinism 0\/1 batches and \d+ runs? of the next, big-blocks 0\/1 batches and 1 run of the next$/m);
    expect(r.stdout).toMatch(/^no counterexample in what ran, but the time limit cut the checks above: raise --time-limit to run them in full$/m);
    // A CI job that needs every check run in full: --fail-on-cut makes the same cut a failure.
    const strict = await verify({ executor: [fixture('slow-reference.mjs')], runs: '100', timeLimit: '1', failOnCut: true });
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/^FAIL: no counterexample in what ran, but the time limit cut the checks above and --fail-on-cut makes that a failure: raise --time-limit to run them in full$/m);
    expect(strict.stdout).not.toMatch(/^no counterexample/m);
  });
});

// verify made every executor at its defaults: --modules and --partition were "unknown options",
// and range and affinity never went through it.
describe('concord verify --modules --partition', () => {
  it('refuses them where run and bench do: for executors that would ignore them, a partition modular does not know, and --planted', async () => {
    expect(await verify({ executor: ['block-stm'], modules: '4', runs: '20' })).toEqual({ code: 2, stdout: '', stderr: 'concord verify: --modules configures the modular executor, not block-stm\n' });
    expect((await verify({ executor: ['modular'], partition: 'nope', runs: '20' })).stderr)
      .toBe('concord verify: --partition: unknown partition "nope" for the modular executor (known: hash, range, affinity)\n');
    expect((await verify({ planted: true, partition: 'range' })).stderr).toBe('concord verify: --planted checks the planted-bug catalogue: leave out --partition\n');
  });

  it('makes each executor with those it takes, its simulated schedules keeping them, and says so in the JSON', async () => {
    const made = async (name: string, settings: { modules?: number; partition?: string }) => {
      const subject = await executorSource(name, settings).create();
      await subject.close(false);
      return subject;
    };
    expect(await made('modular', { modules: 3, partition: 'range' })).toMatchObject({ settings: { modules: 3, partition: 'range' }, simulated: { kind: 'modular', modules: 3, partition: 'range' } });
    expect((await made('block-stm', { modules: 3, partition: 'range' })).settings).toBeUndefined();
    expect((await made(fixture('wrong-on-range.mjs'), { partition: 'mine' })).settings).toEqual({ partition: 'mine' });
    // One module has no other to cross into: those paths are not required of it.
    expect((await made('modular', { modules: 1 })).coverage).toEqual([]);
    const r = await verify({ executor: ['modular'], modules: '3', partition: 'affinity', runs: '60', json: true });
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, settings: { modules: 3, partition: 'affinity' } });
    expect(JSON.parse((await verify({ executor: ['sequential'], runs: '20', json: true })).stdout).settings).toEqual({});
    expect((await verify({ executor: ['modular'], partition: 'range', runs: '20' })).stdout).toMatch(/; seed 1, shard 1\/1, --partition range$/m);
  });

  it('prints a rerun line and a replay that make the executor as the failure found it, and refuses a replay with other settings', async () => {
    const module = fixture('wrong-on-range.mjs');
    expect((await verify({ executor: [module], runs: '40' })).code).toBe(0);
    const text = await verify({ executor: [module], partition: 'range', runs: '40' });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/to reproduce, use the replay below or --seed 1 --partition range with the same --runs, --txs and --shard\)$/m);
    const rerun = /\(rerun: (npx concord run (\S+) --executor \S+wrong-on-range\.mjs --partition range --threads (\d) --warmup 0 --check)\)$/m.exec(text.stdout);
    expect(rerun).not.toBeNull();
    const run = (...flags: string[]) => spawnSync(process.execPath, [cli, 'run', rerun![2]!, '--executor', module, '--threads', rerun![3]!, '--warmup', '0', '--check', ...flags], { encoding: 'utf8' });
    expect(run('--partition', 'range').status).toBe(1);
    expect(run().status).toBe(0);
    const f = JSON.parse((await verify({ executor: [module], partition: 'range', runs: '40', json: true })).stdout).failures[0];
    expect(f).toMatchObject({ settings: { partition: 'range' }, replay: `npx concord verify --replay ${f.token} --out ${out}` });
    // A CI job's JSON carries the rerun its text shows, which the run above failed with.
    expect(f.rerun).toBe(rerun![1]);
    expect(decodeToken(f.token).settings).toEqual({ partition: 'range' });
    expect(JSON.parse((await verify({ replay: f.token, json: true })).stdout)).toMatchObject({ reproduced: true, settings: { partition: 'range' }, failures: [{ block: f.block, rerun: f.rerun }] });
    expect(JSON.parse((await verify({ replay: f.token, partition: 'range', json: true })).stdout)).toMatchObject({ reproduced: true });
    expect(await verify({ replay: f.token, partition: 'hash' })).toEqual({
      code: 2, stdout: '', stderr: `concord verify: --replay: the token's failure was found on ${module} made with --partition range, not --partition hash: the token carries its settings, so give --replay without --partition\n`,
    });
    // A token made at the defaults replays at the defaults.
    const other = JSON.parse((await verify({ executor: [fixture('wrong-at-three.mjs')], runs: '40', json: true })).stdout).failures[0];
    expect((await verify({ replay: other.token, modules: '2' })).stderr).toMatch(/made with no --modules or --partition \(its defaults\), not --modules 2: .* give --replay without --modules\n$/);
  });

  it('reruns a hung block on the executor made alike', () => {
    const hangs = join(out, 'hangs-made.mjs');
    writeFileSync(hangs, "export default (settings) => ({ name: 'hangs', execute() { setInterval(() => {}, 1000); return new Promise(() => {}); }, async close() {} });\n");
    const r = spawnSync(process.execPath, [cli, 'verify', '--executor', hangs, '--partition', 'p 1', '--runs', '20', '--timeout', '0.4', '--out', out], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\(rerun: npx concord run \S+-hung\.block\.json --executor \S+hangs-made\.mjs --partition 'p 1' --threads \d --warmup 0 --check --timeout 0\.4\)$/m);
  });
});
