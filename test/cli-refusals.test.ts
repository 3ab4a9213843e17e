// What run, verify and bench refuse of a user's executor, each alike and at the first chance, run
// as a user runs them (dist/cli/concord.js): a result whose stats hold a counter that is no count
// or a fallback that is no string (a module's or an exec: engine's) is malformed on the call that
// returned it, where bench had crashed after its whole sweep writing nothing; a module whose
// function hands out one executor twice is refused by bench before any timing, as by verify; a
// module's name compare --only could not name is refused at load, as an engine's is; and every
// failure's JSON object of run and bench says "ok": false, run's summary whether it passed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseResults } from '../reports/schema.js';
import { SPAWNS_TIMEOUT_MS } from './helpers.js';

const root = new URL('../', import.meta.url);
const cli = new URL('dist/cli/concord.js', root).pathname;
const reference = new URL('dist/spec/reference.js', root).href;
const example = new URL('examples/transfer.json', root).pathname;
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
const block = ['--workload', 'p2p', '--accounts', '10', '--txs', '20'];
const tiny = [...block, '--quick', '--rounds', '1', '--threads', '1'];

describe('run, verify and bench refuse alike', { timeout: SPAWNS_TIMEOUT_MS }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-refusals-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** A module wrapping the reference, its result's stats changed by `stats` (a JS expression over `r.stats`). */
  const wrapping = (name: string, stats: string) => {
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, `import { executeReference } from '${reference}';
export default () => ({ name: '${name}', async execute(b) { const r = executeReference(b); return { ...r, stats: ${stats} }; }, async close() {} });
`);
    return file;
  };
  const count = ': every counter bench reports per transaction is a count, an integer >= 0 (emptyStats() in spec/block.ts starts every counter at 0)';

  it('a result whose counter is negative or whose fallback is a number: malformed on its first call, naming the counter and value', () => {
    // The example engine, answering "reExecutions": -1, which the protocol's own checks let through.
    const engine = join(dir, 'negative-engine.mjs');
    writeFileSync(engine, readFileSync(new URL('examples/exec-engine.mjs', root), 'utf8')
      .replace(/from 'concord\//g, `from '${root.href}`)
      .replace('stats: { ...result.stats, executeMs }', 'stats: { ...result.stats, executeMs, reExecutions: -1 }'));
    const cases = [
      { executor: wrapping('negative', '{ ...r.stats, reExecutions: -1 }'), problem: `stats.reExecutions is -1${count}` },
      { executor: wrapping('numbered', '{ ...r.stats, fallback: 5 }'), problem: "stats.fallback is 5, not a string (why the block ran sequentially, '' when it did not)" },
      { executor: `exec:node ${engine}`, problem: `stats.reExecutions is -1${count}` },
    ];
    for (const { executor, problem } of cases) {
      const run = concord('run', example, '--executor', executor, '--check', '--warmup', '0');
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toBe(`concord run: the executor ${executor} returned a malformed result on ${example}: ${problem}\n`);
      expect(run.stdout).toBe('');
      const verify = concord('verify', '--executor', executor, '--runs', '5', '--out', join(dir, 'verify'), '--json');
      expect(verify.status, verify.stderr).toBe(1);
      const report = JSON.parse(verify.stdout) as { ok: boolean; failures: { explanation: object }[] };
      expect(report.ok).toBe(false);
      expect(report.failures[0]!.explanation).toMatchObject({ anomaly: 'malformed result', actual: problem });
      // bench: that executor's failure, on its first call; the results (the baseline's) are written.
      const out = join(dir, 'refused.json');
      rmSync(out, { force: true });
      const bench = concord('bench', ...tiny, '--executor', executor, '--out', out);
      expect(bench.status, bench.stderr).toBe(1);
      expect(bench.stderr).not.toMatch(/outside any call|bug in Concord/);
      const doc = parseResults(readFileSync(out, 'utf8'), out);
      expect(doc.failures).toEqual([expect.objectContaining({ threads: 1, workload: 'p2p-a10-t20-s1-h3', message: `returned a malformed result: ${problem}`, call: 1 })]);
      expect(doc.runs.map((r) => r.role)).toEqual(['baseline']);
    }
  });

  it('bench refuses a module whose function hands out one executor twice up front, exit 2, in verify\'s words, before timing anything', () => {
    const shared = join(dir, 'shared.mjs');
    writeFileSync(shared, `import { executeReference } from '${reference}';
const engine = { name: 'shared', async execute(b) { return executeReference(b); }, async close() {} };
export default () => engine;
`);
    const message = `${shared}: what the default export returned (shared) is an executor it returned before: return a new one from each call (bench makes one per thread count, verify one for the run and one for each rerun of a counterexample), or export the one object itself, which stays open until the command is done`;
    const verify = concord('verify', '--executor', shared, '--runs', '50', '--out', join(dir, 'verify'));
    expect(verify.status).toBe(2);
    expect(verify.stderr).toBe(`concord verify: ${message}\n`);
    const out = join(dir, 'shared.json');
    const bench = concord('bench', ...block, '--quick', '--threads', '1,2', '--executor', shared, '--out', out);
    expect(bench.status).toBe(2);
    // The one line alone: no sweep line, no probe, no round before it.
    expect(bench.stderr).toBe(`concord bench: ${message}\n`);
    expect(existsSync(out)).toBe(false);
    const json = concord('bench', ...block, '--quick', '--threads', '1,2', '--executor', shared, '--json');
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ ok: false, error: message, usage: true });
  });

  it('a module whose executor\'s name has a comma or parentheses is refused at load, in the words an engine\'s name is', () => {
    for (const name of ['fast,safe', 'mine (v2)']) {
      const file = join(dir, `named-${name.replace(/\W+/g, '-')}.mjs`);
      writeFileSync(file, `import { executeReference } from '${reference}';\nexport default { name: ${JSON.stringify(name)}, async execute(b) { return executeReference(b); }, async close() {} };\n`);
      const message = `${file}: the executor's name must be one line without commas or parentheses (compare --only takes a comma-separated list), got ${JSON.stringify(name)}`;
      for (const args of [['run', example], ['verify', '--runs', '5'], ['bench', ...tiny]]) {
        const r = concord(...args, '--executor', file);
        expect(r.status, `${args[0]}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toBe(`concord ${args[0]}: ${message}\n`);
      }
    }
  });

  // An exported object got no settings, yet run's --json said ok and bench's and verify's settings
  // recorded them as applied; verifyExecutor refused the same object given settings.
  it('a module exporting an executor object is refused --modules and --partition (exit 2, naming both), and a function takes them', () => {
    const object = join(dir, 'object.mjs');
    writeFileSync(object, `import { executeReference } from '${reference}';\nexport default { name: 'obj', async execute(b) { return executeReference(b); }, async close() {} };\n`);
    const factory = join(dir, 'factory.mjs');
    writeFileSync(factory, `import { executeReference } from '${reference}';\nexport default (settings) => ({ name: 'made', async execute(b) { return executeReference(b); }, async close() {} });\n`);
    const why = 'its default export is an executor object, made before any settings could reach it, so it cannot take';
    const advice = 'export a function or a class, which receives the settings ({ threads, modules, partition }), to take them';
    const cases = [
      { args: ['run', example, '--warmup', '0', '--modules', '4', '--partition', 'zzz'], refused: 'modules 4 (--modules) and partition "zzz" (--partition)' },
      { args: ['verify', '--runs', '5', '--modules', '4'], refused: 'modules 4 (--modules)' },
      { args: ['bench', ...tiny, '--partition', 'range'], refused: 'partition "range" (--partition)' },
    ];
    for (const { args, refused } of cases) {
      const message = `${object}: ${why} ${refused}; ${advice}`;
      const r = concord(...args, '--executor', object);
      expect(r.status, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toBe(`concord ${args[0]}: ${message}\n`);
      const json = concord(...args, '--executor', object, '--json');
      expect(json.status).toBe(2);
      expect(JSON.parse(json.stdout)).toEqual({ ok: false, error: message, usage: true });
      // A function receives them; the object without them runs as before.
      if (args[0] !== 'run') continue;
      expect(concord(...args, '--executor', factory).status).toBe(0);
      expect(concord('run', example, '--warmup', '0', '--executor', object).status).toBe(0);
    }
  });

  it('run and bench: every failure\'s JSON object says "ok": false first, and run\'s summary whether it passed', () => {
    const hang = join(dir, 'hang.mjs');
    writeFileSync(hang, "export default { name: 'hang', execute: () => new Promise(() => { setInterval(() => {}, 1000); }), async close() {} };\n");
    const run = concord('run', example, '--executor', hang, '--json', '--timeout', '1');
    expect(run.status).toBe(1);
    const failed = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(failed).toEqual({ ok: false, block: example, executor: 'hang', error: `the executor ${hang}: execute() on ${example} did not settle within 1 s` });
    expect(Object.keys(failed)[0]).toBe('ok');
    const bench = concord('bench', ...tiny, '--executor', hang, '--json', '--timeout', '1');
    expect(bench.status).toBe(1);
    const stopped = JSON.parse(bench.stdout) as Record<string, unknown>;
    expect(Object.keys(stopped)[0]).toBe('ok');
    expect(stopped).toMatchObject({ ok: false, error: expect.stringMatching(new RegExp(`^the executor \\S+hang\\.mjs: execute\\(\\) on p2p-a10-t20-s1-h3 at 1 thread did not settle within 1 s; `)) });
    // A module that fails to load (a throw from its factory) is bench's failure before the sweep: its object too.
    const throws = join(dir, 'throws.mjs');
    writeFileSync(throws, "export default () => { throw new Error('no licence'); };\n");
    const load = concord('bench', ...tiny, '--executor', throws, '--json');
    expect(load.status).toBe(1);
    expect(JSON.parse(load.stdout)).toEqual({ ok: false, executor: throws, error: expect.stringMatching(/^the executor \S+throws\.mjs threw while loading: Error: no licence/) });
    // run's summary, as verify's: true where it passed, false where its check found a difference.
    const passed = JSON.parse(concord('run', example, '--executor', 'sequential', '--json', '--warmup', '0').stdout) as Record<string, unknown>;
    expect(Object.keys(passed)[0]).toBe('ok');
    expect(passed).toMatchObject({ ok: true, executor: 'sequential' });
    const wrong = join(dir, 'wrong.mjs');
    writeFileSync(wrong, `import { executeReference } from '${reference}';\nexport default { name: 'wrong', async execute(b) { const r = executeReference(b); return { ...r, gasUsed: r.gasUsed + 1 }; }, async close() {} };\n`);
    const differs = concord('run', example, '--executor', wrong, '--json', '--warmup', '0', '--check');
    expect(differs.status).toBe(1);
    expect(JSON.parse(differs.stdout)).toMatchObject({ ok: false, executor: 'wrong', check: { same: false } });
  });
});
