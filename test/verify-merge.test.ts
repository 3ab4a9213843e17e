// `concord verify --merge`: the --json files of a --shard matrix pooled into one verdict. Real
// sharded runs merged (their counts the sums of the shards', a counterexample of each shard carried
// with its shard and commands), and edited shard objects for what a merge must refuse (exit 2,
// naming the file and field) and how it judges the pooled coverage gate, cuts and signals.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runVerify, type RunReport, type SoFar } from '../properties/runner.js';
import { executorSource } from '../properties/subjects.js';
import { capturedVerify } from './verify-capture.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const fixture = (name: string) => new URL(`./fixtures/verify/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'concord-verify-merge-'));
const verify = capturedVerify(join(dir, 'out'));
/** A merge writes no block: given no --out, as the command line gives it none. */
const merging = capturedVerify();

type Json = Record<string, any>;

/** Writes `json` to a file of `dir` and returns its path. */
function file(name: string, json: Json | string): string {
  const path = join(dir, name);
  writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
  return path;
}

/** Each shard of `shards` of `--runs runs`, run with --json and written to a file: the files and their objects. */
async function sharded(name: string, o: Json, shards: number): Promise<{ files: string[]; parts: Json[] }> {
  const files: string[] = [];
  const parts: Json[] = [];
  for (let i = 1; i <= shards; i++) {
    const r = await verify({ ...o, shard: `${i}/${shards}`, json: true });
    parts.push(JSON.parse(r.stdout));
    files.push(file(`${name}-${i}.json`, r.stdout));
  }
  return { files, parts };
}

const sum = (parts: Json[], f: (p: Json) => number) => parts.reduce((n, p) => n + f(p), 0);

describe('concord verify --merge on real shards', () => {
  it('pools a 2-shard block-stm matrix: every count the sum of the shards\', judged as one run', async () => {
    const { files, parts } = await sharded('bstm', { executor: ['block-stm'], runs: '100', txs: '6' }, 2);
    const r = await merging({ merge: files, json: true });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, runs: 100, txs: 6, seed: 1, shard: '1-2/2', timedOut: false, failures: [] });
    for (const k of ['blocksChecked', 'schedulesExplored', 'statesExplored', 'interleavingsCovered', 'shrinkStates', 'shrinkInterleavings']) expect(j[k], k).toBe(sum(parts, (p) => p[k]));
    const [e] = j.executors;
    const shardsOf = parts.map((p) => p.executors[0]);
    for (const [k, v] of Object.entries(e.coverage)) expect(v, k).toBe(sum(shardsOf, (s) => s.coverage[k]));
    for (const [k, v] of Object.entries(e.executedCoverage)) expect(v, k).toBe(sum(shardsOf, (s) => s.executedCoverage[k]));
    expect(e.uncovered).toEqual([]);
    // Batches of each check add up to the unsharded run's: 100 runs are 2 batches of equivalence, 1 of the rest.
    expect(e.checks.map((c: Json) => `${c.name} ${c.status} ${c.batches}/${c.of}`)).toEqual([
      'equivalence passed 2/2', 'determinism passed 1/1', 'big-blocks passed 1/1', 'interleaving passed 1/1', 'exhaustive passed 1/1', 'lying-footprints passed 1/1',
    ]);
    expect(j.shards.map((s: Json) => [s.shard, s.file, s.ok])).toEqual([['1/2', files[0], parts[0]!.ok], ['2/2', files[1], parts[1]!.ok]]);
    // A shard that failed the gate alone is named as such, and the pool passes it.
    const text = await merging({ merge: [files[1]!, files[0]!] });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`pooled 2 shards: 1/2 ${files[0]}, 2/2 ${files[1]}\n`);
    expect(text.stdout).toMatch(new RegExp(`^${j.blocksChecked} blocks checked .*; seed 1, shard 1-2/2$`, 'm'));
    for (const [i, p] of parts.entries()) {
      if (p.ok) continue;
      expect(text.stdout).toContain(`shard ${i + 1}/2 (${files[i]}) failed the coverage gate alone (block-stm never exercised ${p.executors[0].uncovered.join(', ')} there)`);
    }
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe('all properties hold');
  }, 60_000);

  it('carries every shard\'s counterexample, with its shard and its commands as the shard printed them', async () => {
    const { files, parts } = await sharded('batch', { executor: [fixture('batch-executor.mjs')], runs: '100', txs: '6' }, 2);
    expect(parts.map((p) => p.failures.length)).toEqual([1, 1]);
    const r = await merging({ merge: files, json: true });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(false);
    expect(j.failures).toHaveLength(2);
    for (const [i, f] of j.failures.entries()) {
      const own = parts[i]!.failures[0];
      expect(f).toMatchObject({ shard: `${i + 1}/2`, replay: own.replay, rerun: own.rerun, token: own.token, blockFile: own.blockFile });
      expect(r.stderr).toContain(`concord verify: FAIL batch-executor (${fixture('batch-executor.mjs')}): equivalence check`);
      expect(r.stderr).toContain(`; replay: ${own.replay}\n`);
    }
    expect(j.executors[0]).toMatchObject({ failed: true, uncovered: [] });
    const text = await merging({ merge: files });
    expect(text.code).toBe(1);
    for (const [i, p] of parts.entries()) {
      expect(text.stdout).toContain(`  shard        ${i + 1}/2 (${files[i]})\n`);
      expect(text.stdout).toContain(`  replay       ${p.failures[0].replay}\n`);
      expect(text.stdout).toContain(`(rerun: ${p.failures[0].rerun})`);
    }
    expect(text.stdout).not.toContain('all properties hold');
  }, 60_000);

  it('takes its files from the command line, after --merge', async () => {
    const a = file('cli-1.json', shard('1/2'));
    const b = file('cli-2.json', shard('2/2'));
    const r = spawnSync(process.execPath, [cli, 'verify', '--merge', a, b, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, blocksChecked: 200, shard: '1-2/2' });
    // A refusal under --json is one object on stdout, as every usage error is.
    const missing = spawnSync(process.execPath, [cli, 'verify', '--merge', b, '--json'], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    // A shard refused so ran nothing: its file is no run's result, and no hang to fail the merge for.
    const refused = file('cli-refused.json', missing.stdout);
    const r2 = await merging({ merge: [a, refused] });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toBe(`concord verify: ${refused}: usage: that shard's verify was refused (exit 2) and ran nothing: ${JSON.parse(missing.stdout).error}: fix its command and rerun the shard\n`);
    expect(JSON.parse(missing.stdout)).toEqual({ ok: false, error: expect.stringContaining('the matrix of 2 shards lacks shard 1/2:'), usage: true });
  });
});

/**
 * A shard's object as verify --json prints it for `--executor sequential --runs 200 --shard I/N`,
 * 100 blocks and skip-rest seen 10 times a shard, edited by `edit`.
 */
function shard(at: string, edit: (j: Json) => void = () => {}): Json {
  const j: Json = {
    ok: true, runs: 200, txs: null, settings: {},
    executors: [{
      name: 'sequential', label: 'sequential', blocksChecked: 100, schedulesExplored: 0, statesExplored: 0, interleavingsCovered: 0, explorationsCut: 0,
      coverage: { 'skip-rest': 10 }, required: ['skip-rest'], uncovered: [], unreported: [], failed: false, cut: false,
      checks: [{ name: 'equivalence', status: 'passed', batches: 2, of: 2 }], elapsedMs: 500, blocksPerSecond: 200, schedulesPerSecond: 0,
    }],
    blocksChecked: 100, schedulesExplored: 0, statesExplored: 0, interleavingsCovered: 0, blocksPerSecond: 200, schedulesPerSecond: 0,
    elapsedMs: 500, seed: 1, shard: at, timedOut: false, failures: [],
  };
  edit(j);
  return j;
}

/** The merge of `objects` written to files named `name-K.json`, with --json or not. */
async function mergeOf(name: string, objects: (Json | string)[], json = true) {
  const files = objects.map((o, k) => file(`${name}-${k + 1}.json`, o));
  return { files, ...(await merging({ merge: files, json })) };
}

describe('concord verify --merge refuses what is not one whole matrix (exit 2)', () => {
  it('names the shards missing', async () => {
    const r = await mergeOf('missing', [shard('1/4'), shard('3/4')], false);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe(`concord verify: --merge: the matrix of 4 shards lacks shards 2/4, 4/4: give every shard's --json file (given: 1/4 ${r.files[0]}, 3/4 ${r.files[1]})\n`);
  });

  it('names the file and the field where shards disagree', async () => {
    const cases: [string, (j: Json) => void, string][] = [
      ['runs', (j) => { j.runs = 400; }, 'runs: 400, where'],
      ['txs', (j) => { j.txs = 8; }, 'txs: 8, where'],
      ['seed', (j) => { j.seed = 2; }, 'seed: 2, where'],
      ['settings', (j) => { j.settings = { modules: 4 }; }, 'settings: --modules 4, where'],
      ['executors', (j) => { j.executors[0].name = 'block-stm'; }, 'executors: block-stm, where'],
      ['count', (j) => { j.shard = '2/3'; }, 'shard: of 3 shards, where'],
      ['coverage', (j) => { j.executors[0].required = ['waves', 'skip-rest']; }, 'executors[0].required: sequential\'s coverage gate requires waves, skip-rest, where'],
    ];
    for (const [name, edit, says] of cases) {
      const r = await mergeOf(`disagree-${name}`, [shard('1/2'), shard('2/2', edit)], false);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toContain(`concord verify: ${r.files[1]}: ${says} ${r.files[0]}`);
    }
  });

  it('refuses a shard given twice: the same file, a copy of it, or the same shard of another run', async () => {
    const a = file('twice-1.json', shard('1/2'));
    const b = file('twice-2.json', shard('2/2'));
    expect(await merging({ merge: [a, b, a] })).toMatchObject({ code: 2, stderr: `concord verify: ${a}: given twice: its shard's batches would count twice\n` });
    const copy = file('twice-copy.json', shard('1/2'));
    expect((await merging({ merge: [a, b, copy] })).stderr).toBe(`concord verify: ${copy}: byte for byte the same as ${a}, a copy of one run: its shard's batches would count twice\n`);
    const rerun = file('twice-rerun.json', shard('1/2', (j) => { j.elapsedMs = 700; }));
    const r = await merging({ merge: [a, b, rerun] });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`concord verify: ${rerun}: shard: 1/2, as ${a} is: a shard given twice (two runs of one shard would count its batches twice)\n`);
  });

  it('refuses a file that is no verify run\'s result, naming the file and the field', async () => {
    const cases: [string, Json | string, string][] = [
      ['text', 'all properties hold\n', 'JSON: '],
      ['array', [], 'top level: expected the JSON object of concord verify --json'],
      ['bench', { format: 'concord-results/1', runs: [] }, 'top level: not the JSON object of concord verify --json'],
      ['replay', { ok: true, executors: ['block-stm'], reproduced: false, runs: 1 }, 'reproduced: the result of verify --replay'],
      ['planted', shard('1/1', (j) => { j.caught = 9; j.total = 9; j.planted = []; }), 'planted: the result of verify --planted'],
      ['merged', shard('1/1', (j) => { j.shards = []; }), 'shards: a merge of shards already'],
      ['field', shard('1/1', (j) => { j.executors[0].coverage['skip-rest'] = 'ten'; }), 'executors[0].coverage.skip-rest: '],
      ['old', shard('1/1', (j) => { delete j.executors[0].required; }), 'executors[0].required: missing: a verify from before --merge'],
      ['shard', shard('0/2'), 'shard: 0/2: expected I/N with 1 <= I <= N'],
      ['twice', JSON.stringify(shard('1/1')).replace('"blocksChecked":100,', '"blocksChecked":100,"blocksChecked":900,'), 'executors[0].blocksChecked: line 1, column 123: key "blocksChecked" given twice (first at line 1, column 103)'],
    ];
    for (const [name, json, says] of cases) {
      const r = await mergeOf(`not-${name}`, [json], false);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toContain(`concord verify: ${r.files[0]}: ${says}`);
    }
  });

  it('refuses the options the shards\' files fix, and no file at all', async () => {
    const a = file('alone.json', shard('1/1'));
    expect(await merging({ merge: [a], runs: '100', seed: '2' })).toMatchObject({
      code: 2, stderr: 'concord verify: --merge pools the shards\' --json files, which fix the run: give it alone (with --json or --fail-on-cut), not with --runs, --seed\n',
    });
    expect((await merging({ merge: [] })).code).toBe(2);
    // --out has a default, which the command line must not pass on as one given.
    const r = spawnSync(process.execPath, [cli, 'verify', '--merge', a, '--out', dir], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('concord verify: --merge pools the shards\' --json files, which fix the run: give it alone (with --json or --fail-on-cut), not with --out\n');
  });
});

describe('concord verify --merge judges the pool as one run', () => {
  it('passes a gate each shard failed alone where the pooled counts pass it, and says so', async () => {
    const alone = (j: Json) => {
      j.ok = false;
      j.executors[0].coverage['skip-rest'] = 0;
      j.executors[0].uncovered = ['skip-rest'];
    };
    const r = await mergeOf('rescued', [shard('1/3', alone), shard('2/3'), shard('3/3', alone)]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, blocksChecked: 300, shard: '1-3/3' });
    expect(j.executors[0]).toMatchObject({ coverage: { 'skip-rest': 10 }, uncovered: [], blocksChecked: 300, elapsedMs: 1500 });
    expect(j.shards).toEqual([
      { shard: '1/3', file: r.files[0], ok: false, uncoveredAlone: { sequential: ['skip-rest'] } },
      { shard: '2/3', file: r.files[1], ok: true },
      { shard: '3/3', file: r.files[2], ok: false, uncoveredAlone: { sequential: ['skip-rest'] } },
    ]);
    const text = await merging({ merge: r.files });
    expect(text.stdout).toContain(`shard 1/3 (${r.files[0]}) failed the coverage gate alone (sequential never exercised skip-rest there); pooled over the 3 shards, sequential exercised every path the gate requires\n`);
    expect(text.stdout).toContain(`shard 3/3 (${r.files[2]}) failed the coverage gate alone`);
    expect(text.stdout).not.toContain('shard 2/3 (');
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe('all properties hold');
  });

  // The exhaustive check's enumeration while shrinking and rerunning a counterexample: the merge
  // left it out, so the pool said less than the run it split.
  it('pools what the exhaustive check explored shrinking, per executor and for the run; a shard from before it was counted makes the pool say none', async () => {
    const shrunk = (states: number, interleavings: number) => (j: Json) => {
      Object.assign(j.executors[0], { shrinkBlocks: 40, shrinkSchedules: 0, shrinkMs: 300, shrinkStates: states, shrinkInterleavings: interleavings });
      Object.assign(j, { shrinkBlocks: 40, shrinkSchedules: 0, shrinkMs: 300, shrinkStates: states, shrinkInterleavings: interleavings });
    };
    const r = await mergeOf('explored', [shard('1/2', shrunk(5000, 2e5)), shard('2/2', shrunk(6864, 3.79e5))]);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ shrinkBlocks: 80, shrinkStates: 11864, shrinkInterleavings: 5.79e5 });
    expect(j.executors[0]).toMatchObject({ shrinkBlocks: 80, shrinkStates: 11864, shrinkInterleavings: 5.79e5 });
    const text = await merging({ merge: r.files });
    expect(text.stdout).toContain(' and 80 blocks more in 0.6 s shrinking and rerunning its counterexample (exploring 11,864 states covering 5.79e+5 interleavings), not counted above\n');
    // A shard without the fields explored an unknown amount: the pool says neither rather than a part as the whole.
    const older = await mergeOf('explored-older', [shard('1/2', shrunk(5000, 2e5)), shard('2/2', (o) => Object.assign(o.executors[0], { shrinkBlocks: 40, shrinkMs: 300 }))]);
    const o = JSON.parse(older.stdout);
    expect(o.shrinkBlocks).toBe(80);
    expect(o).not.toHaveProperty('shrinkStates');
    expect(o).not.toHaveProperty('shrinkInterleavings');
    expect(o.executors[0]).not.toHaveProperty('shrinkStates');
    expect(o.executors[0]).not.toHaveProperty('shrinkInterleavings');
    const olderText = await merging({ merge: older.files });
    expect(olderText.stdout).toContain(' and 80 blocks more in 0.6 s shrinking and rerunning its counterexample, not counted above\n');
  });

  it('fails a gate the pooled counts fail too, with the unsharded run\'s advice', async () => {
    const none = (j: Json) => {
      j.ok = false;
      j.executors[0].coverage['skip-rest'] = 0;
      j.executors[0].uncovered = ['skip-rest'];
    };
    const r = await mergeOf('uncovered', [shard('1/2', none), shard('2/2', none)], false);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('\nFAIL sequential: a green run must exercise skip-rest, and this one never did\n');
    // The pool is the unsharded run: no per-shard advice.
    expect(r.stdout).toContain('  hint: these paths show up only with enough runs; this run had --runs 200 (default 2000): raise --runs\n');
    expect(r.stdout).not.toContain('failed the coverage gate alone');
  });

  it('carries a cut as verify does one run\'s: listed, not passed, a failure only with --fail-on-cut; a signal fails it', async () => {
    const cut = (j: Json) => {
      j.timedOut = true;
      j.executors[0].cut = true;
      j.executors[0].coverage['skip-rest'] = 0;
      j.executors[0].checks = [{ name: 'equivalence', status: 'cut', batches: 0, of: 2, partial: 7 }];
    };
    const files = (await mergeOf('cut', [shard('1/2'), shard('2/2', cut)], false)).files;
    const text = await merging({ merge: files });
    expect(text.code).toBe(0);
    // Not judged for coverage, as verify leaves a cut executor, and its checks are summed.
    expect(text.stdout).toContain('  sequential equivalence 2/4 batches and 7 runs of the next\n');
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe('no counterexample in what ran, but the time limit cut the checks above: raise --time-limit to run them in full');
    const j = JSON.parse((await merging({ merge: files, json: true })).stdout);
    expect(j).toMatchObject({ ok: true, timedOut: true });
    expect(j.executors[0]).toMatchObject({ cut: true, uncovered: [], checks: [{ name: 'equivalence', status: 'cut', batches: 2, of: 4, partial: 7 }] });
    const failing = await merging({ merge: files, failOnCut: true });
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/\nFAIL: no counterexample in what ran, but the time limit cut the checks above and --fail-on-cut makes that a failure/);

    // A signal before the executor's turn: the shard lists no check, and owned 2 of equivalence's 4 batches.
    const stopped = 'stopped by SIGTERM after checking 0 of 1 executor (0 blocks checked); sequential was being made';
    const signalled = await mergeOf('stopped', [shard('1/2'), shard('2/2', (j) => {
      j.ok = false;
      j.stopped = stopped;
      j.executors[0].stopped = true;
      j.executors[0].checks = [];
    })]);
    expect(signalled.code).toBe(1);
    expect(JSON.parse(signalled.stdout)).toMatchObject({
      ok: false, stopped: `shard 2/2 (${signalled.files[1]}): ${stopped}`,
      executors: [{ stopped: true, uncovered: [], checks: [{ name: 'equivalence', status: 'stopped', batches: 2, of: 4 }] }],
    });
    const said = (await merging({ merge: signalled.files })).stdout;
    expect(said.trimEnd().split('\n').at(-1)).toBe(`shard 2/2 (${signalled.files[1]}): ${stopped}`);
    expect(said).not.toContain('all properties hold');
  });

  it('reports the gate of an executor a signal stopped before its turn, so that shard agrees with the others and fails the merge for its signal', async () => {
    // The report a signal takes while sequential is being made, before block-stm's turn.
    const sofar: SoFar = { report: null };
    let report: RunReport | undefined;
    const stoppedWhileMaking = { name: 'sequential', create: async () => { report = sofar.report!(); throw new Error('stopped here'); } };
    await expect(runVerify({ subjects: [stoppedWhileMaking, executorSource('block-stm')], runs: 200, seed: 1, sofar })).rejects.toThrow('stopped here');
    const required = ['re-execution', 'ESTIMATE wait', 'dependency resume', 'failed validation', 'parallel run on threads', 'skip-rest'];
    expect(report!.executors[1]).toMatchObject({ name: 'block-stm', stopped: true, required, checks: [] });

    const blockStm = (j: Json) => {
      j.executors = [j.executors[0], { ...j.executors[0], name: 'block-stm', label: 'block-stm', required, coverage: Object.fromEntries(required.map((e) => [e, 10])) }];
    };
    const stopped = 'stopped by SIGTERM after checking 1 of 2 executors (100 blocks checked); block-stm was being made';
    const r = await mergeOf('stopped-turn', [shard('1/2', blockStm), shard('2/2', (j) => {
      blockStm(j);
      j.ok = false;
      j.stopped = stopped;
      j.executors[1] = report!.executors[1];
    })]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false, stopped: `shard 2/2 (${r.files[1]}): ${stopped}`,
      executors: [{ name: 'sequential' }, { name: 'block-stm', stopped: true, uncovered: [], checks: [{ name: 'equivalence', status: 'stopped', batches: 2, of: 4 }] }],
    });
  });

  it('fails on a shard\'s error (a module\'s executor object that threw while closing), naming the shard', async () => {
    const error = 'the executor ./mine.mjs threw while closing: Error: pool gone';
    const r = await mergeOf('error', [shard('1/2'), shard('2/2', (j) => { j.ok = false; j.error = error; })]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: `shard 2/2 (${r.files[1]}): ${error}`, failures: [] });
    expect(r.stderr).toBe(`concord verify: shard 2/2 (${r.files[1]}): ${error}\n`);
  });

  it('fails on a shard that ended before or outside any check, which has nothing to pool', async () => {
    const r = await mergeOf('ended', [shard('1/2'), { ok: false, error: 'the executor ./mine.mjs: execute() never settled on a generated block of 3 transactions (threads 2)' }], false);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`FAIL ${r.files[1]}: that shard's verify ended before or outside any check (an engine that failed at start-up, a hang, a refused command), with no report to pool: the executor ./mine.mjs: execute() never settled on a generated block of 3 transactions (threads 2)\n`);
  });
});
