// A close() after a failure is a clean-up (cli/errors.ts CallWatch.cleanUp): a command waits for
// all its clean-ups together at most CLEANUP_MS, or --timeout when that is shorter, however many
// it makes. verify makes several after a counterexample (the instance that found it, and each
// fresh instance it reran the counterexample on), and each used to wait the whole limit.
// Bounds here are loose, for a hang: two and a half times the limit where the old code took four
// times it (the span also holds the report and the process's exit, slow on a busy machine).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { watchCalls } from '../cli/errors.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const reference = new URL('../dist/spec/reference.js', import.meta.url).href;
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });

/** The limit the tests give clean-ups, in seconds (--timeout). */
const LIMIT_S = 2;

describe('clean-ups that never settle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-close-cleanup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * A module whose close() settles until execute() has run (verify loads a module up front and
   * closes it) and never after; it prints, as the process exits, how long it has been since the
   * first close() that never settled.
   */
  const stuckAfterUse = (name: string, execute: string) => {
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, `import { writeSync } from 'node:fs';
import { executeReference } from '${reference}';
let firstStuck;
process.on('exit', () => { if (firstStuck !== undefined) writeSync(2, 'clean-ups took ' + Math.round(performance.now() - firstStuck) + ' ms\\n'); });
export default () => { let ran = false; return { name: '${name}', ${execute},
  close() { if (!ran) return Promise.resolve(); firstStuck ??= performance.now(); return new Promise(() => {}); } }; };
`);
    return file;
  };
  const cleanUpMs = (stderr: string): number => Number(/^clean-ups took (\d+) ms$/m.exec(stderr)?.[1]);

  it('verify waits for them all together at most once: the counterexample is reported after one limit, not one per instance', () => {
    const wrong = stuckAfterUse('wrong-then-stuck', "async execute(b) { ran = true; return { ...executeReference(b), stateRoot: '0x' + '1'.repeat(64) }; }");
    const r = concord('verify', '--executor', wrong, '--runs', '20', '--timeout', String(LIMIT_S), '--out', join(dir, 'out'));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL wrong-then-stuck \(\S+wrong-then-stuck\.mjs\): equivalence check/m);
    expect(cleanUpMs(r.stderr)).toBeLessThan(2.5 * LIMIT_S * 1000);
  });

  it('run waits for its clean-up at most the limit too', () => {
    const throws = stuckAfterUse('throws-then-stuck', "async execute() { ran = true; throw new Error('boom'); }");
    const r = concord('run', '--workload', 'p2p', '--txs', '10', '--executor', throws, '--warmup', '0', '--timeout', String(LIMIT_S));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^concord run: the executor \S+throws-then-stuck\.mjs threw on p2p \S+ txs=10 \S+ \S+: Error: boom(?: \(at [^\n]+\))?$/m);
    expect(cleanUpMs(r.stderr)).toBeLessThan(2.5 * LIMIT_S * 1000);
  });

  it('a CallWatch spends one budget on all its clean-ups: once it is spent, a clean-up is skipped', async () => {
    const watch = watchCalls('verify', LIMIT_S);
    let calls = 0;
    const started = performance.now();
    for (let i = 0; i < 3; i++) await watch.cleanUp(`clean-up ${i}`, () => (calls++, new Promise(() => {})));
    expect(calls).toBe(1);
    expect(performance.now() - started).toBeLessThan(2.5 * LIMIT_S * 1000);
  });

  // Not a clean-up: a module's one executor object is closed once, after a run that passed, before
  // verify and bench write their output, so its hang must end --json with the object, as every hang does.
  it('a module\'s one executor object whose close() hangs after a passing run: verify and bench --json still print one JSON object naming it', () => {
    const file = join(dir, 'one-object-stuck.mjs');
    writeFileSync(file, `import { executeReference } from '${reference}';
let ran = false;
export default { name: 'one-object-stuck', async execute(b) { ran = true; return executeReference(b); },
  close() { if (!ran) return Promise.resolve(); setInterval(() => {}, 1000); return new Promise(() => {}); } };
`);
    const message = new RegExp(`^the executor \\S+one-object-stuck\\.mjs: close\\(\\) did not settle within ${LIMIT_S} s$`);
    const timeout = ['--timeout', String(LIMIT_S)];
    const verify = concord('verify', '--executor', file, '--runs', '20', ...timeout, '--out', join(dir, 'one'), '--json');
    expect(verify.status).toBe(1);
    expect(verify.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^concord verify: the executor /)]);
    const v = JSON.parse(verify.stdout) as { ok: boolean; error: string };
    expect(v.ok).toBe(false);
    expect(v.error).toMatch(message);
    const bench = concord('bench', '--executor', file, '--workload', 'p2p', '--accounts', '10', '--txs', '10', '--threads', '1', '--quick', ...timeout, '--json');
    expect(bench.status).toBe(1);
    expect((JSON.parse(bench.stdout) as { error: string }).error).toMatch(message);
  });
});
