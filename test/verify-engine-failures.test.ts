// How `concord verify` reports an `exec:` engine's failures that are not wrong results, through the
// built CLI as a user runs it: output that breaks concord-exec/1 (a NaN in an answer, an empty line
// after one) is reported as a protocol violation, shown on a one-transaction block a fresh engine
// broke the same rule on, not shrunk and not framed as state kept between blocks; its rerun and
// replay show it again. An engine that deadlocks is stopped at --timeout and its block shrunk as a
// crash's is, each try on a fresh engine (under --timeout itself here: the shorter bound of
// properties/hang-bound.ts is 5 s at least, and test/verify-hang-shrink.test.ts checks it on a fake
// clock), to the size its deadlock needs, and the run goes on to the other executors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ranLater, type Running } from './helpers.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const engine = new URL('fixtures/exec/misbehaving-engine.mjs', import.meta.url).pathname;
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

interface FailureJson {
  readonly protocol?: { rule: string; afterAnswer?: true };
  readonly transactions: number;
  readonly failsOnly?: string;
  readonly earlier?: unknown;
  readonly error: string;
  readonly token: string;
  readonly rerun: string;
  readonly replay: string;
  readonly hungMs?: number;
  readonly block: { transactions: unknown[] };
}

// A small deadlock, so that its shrinking is quick: every try that hangs costs the bound it is judged by.
const hangs = `exec:node ${engine} hang-from 3`;
const example = `exec:node ${new URL('../examples/exec-engine.mjs', import.meta.url).pathname}`;
const hangDir = mkdtempSync(join(tmpdir(), 'concord-engine-hang-'));
// Its verify waits out --timeout on every try that hangs, most of its time: it starts before the
// protocol tests, which run their commands meanwhile, and its own test takes what it printed (a
// run of the others alone stops it at the end).
let deadlocked: Running;
beforeAll(() => {
  deadlocked = ranLater(process.execPath, [cli, 'verify', '--executor', hangs, '--executor', example, '--runs', '100', '--timeout', '2', '--out', hangDir, '--json'], 150_000);
});
afterAll(() => {
  deadlocked.stop();
  rmSync(hangDir, { recursive: true, force: true });
});

/** The rerun or replay a failure printed, as arguments of the CLI (the way it names the CLI itself left out). */
const argsOf = (command: string): string[] => [...command.replace(/^.*?concord(?:\.js)? /, '').matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);

describe('verify reports an engine whose output breaks the protocol', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-engine-failures-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const failure = (mode: string): FailureJson => {
    const r = concord('verify', '--executor', `exec:node ${engine} ${mode}`, '--runs', '100', '--out', join(dir, mode), '--json');
    expect(r.status, r.stderr).toBe(1);
    const failures = (JSON.parse(r.stdout) as { failures: FailureJson[] }).failures;
    expect(failures).toHaveLength(1);
    return failures[0]!;
  };

  // It was "shrunk to 1 transaction in 14 steps", a fresh engine started for each.
  it('a NaN in an answer: the rule, on one transaction, not shrunk; the rerun and the replay break it again', () => {
    const f = failure('nan');
    expect(f).toMatchObject({ protocol: { rule: 'an answer is one JSON object on one line' }, transactions: 1, error: expect.stringContaining('NaN, which JSON has no way to write') });
    expect(f.protocol!.afterAnswer).toBeUndefined();
    expect(f.failsOnly).toBeUndefined();
    const rerun = concord(...argsOf(f.rerun));
    expect([rerun.status, rerun.stderr]).toEqual([1, expect.stringContaining('NaN, which JSON has no way to write')]);
    const replay = concord('verify', '--replay', f.token, '--executor', `exec:node ${engine} nan`, '--out', join(dir, 'nan'));
    expect(replay.status).toBe(1);
    expect(replay.stdout).toMatch(/^FAIL exec:node \S+ nan: equivalence check \(threads \d\), a protocol violation, shown on 1 transaction, where a fresh engine broke the same rule: the block it surfaced on was not shrunk\n  protocol     concord-exec\/1: an answer is one JSON object on one line /);
  });

  // It was "fails only after the blocks run before it on the same executor instance (state kept between blocks)".
  it('an empty line after each answer: a line with no request pending, read as the next call went out, not state kept between blocks', () => {
    const f = failure('blank');
    expect(f).toMatchObject({
      protocol: { rule: expect.stringMatching(/^standard output carries answers only/), afterAnswer: true }, transactions: 1, error: expect.stringContaining('wrote a line with no request pending'),
    });
    expect([f.failsOnly, f.earlier]).toEqual([undefined, undefined]);
    // Its rerun makes the two calls the line needs, and the second fails.
    expect(f.rerun).toContain(' --repeat 2 ');
    const rerun = concord(...argsOf(f.rerun));
    expect([rerun.status, rerun.stderr]).toEqual([1, expect.stringContaining('wrote a line with no request pending')]);
    const text = concord('verify', '--executor', `exec:node ${engine} blank`, '--runs', '100', '--out', join(dir, 'blank'));
    expect(text.stdout).toContain('the engine wrote the line after its answer to this block, and it was read as the block\'s next call went out');
    expect(text.stdout).not.toContain('fails only');
    // The replay makes one call, and the line is read as its engine is closed.
    const replay = concord('verify', '--replay', f.token, '--executor', `exec:node ${engine} blank`, '--out', join(dir, 'blank'));
    expect([replay.status, replay.stderr]).toEqual([1, expect.stringContaining('threw while closing: ExecEngineError: exec:node')]);
    expect(replay.stderr).toContain('wrote a line with no request pending');
  });
});

describe('verify shrinks the block of an engine that deadlocks', () => {
  // A hang of the big-blocks check's block of 409 transactions ended the whole verify, with that block and no replay.
  // --timeout 2, not 0.5: at half a second the test flaked under load, where the engines' answers are not meant to hang.
  it('to the 3 transactions its deadlock needs, with a replay and a rerun bounded as the call was, and checks the next executor', { timeout: 150_000 }, async () => {
    const r = await deadlocked.ran;
    expect(r.status, r.stderr).toBe(1);
    const run = JSON.parse(r.stdout) as { failures: FailureJson[]; executors: { failed: boolean; checks: { status: string }[] }[] };
    expect(run.failures).toHaveLength(1);
    const f = run.failures[0]!;
    expect(f).toMatchObject({ transactions: 3, hungMs: 2000, error: expect.stringContaining('did not answer request 1 (a block of 3 transactions) within 2 s (--timeout), and was stopped') });
    expect(f.block.transactions).toHaveLength(3);
    expect(f.failsOnly).toBeUndefined();
    expect([f.rerun, f.replay]).toEqual([expect.stringMatching(/ --check --timeout 2$/), expect.stringContaining(' --timeout 2')]);
    // The engine after it was checked in full.
    expect(run.executors.map((e) => e.failed)).toEqual([true, false]);
    expect(run.executors[1]!.checks.every((c) => c.status === 'passed')).toBe(true);
    const replay = concord(...argsOf(f.replay));
    expect(replay.status).toBe(1);
    expect(replay.stdout).toMatch(/^FAIL exec:node \S+ hang-from 3: \S+ check \(threads \d+\), shrunk to 3 transactions in \d+ steps\n  error        the executor threw: ExecEngineError: [^\n]+ did not answer request 1 \(a block of 3 transactions\) within 2 s/);
  });
});
