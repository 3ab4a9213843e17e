// verify --threads LIST and the vitest helper's `threads` option: the thread counts every check
// calls execute() at, replacing each check's own. An engine wrong only from 8 threads on (an
// engine in Python, as a team whose engine is not JavaScript brings it) passes the defaults at a
// small --runs and is caught with --threads 8,16; the list is part of the run: its --json
// settings, the seed line, its tokens (which replay it), a merge that refuses shards run otherwise;
// a bad list is refused, naming it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { executeReference } from '../spec/reference.js';
import type { Block } from '../spec/block.js';
import type { Executor } from '../spec/executor.js';
import { decodeToken, digestMatches, encodeToken, sealToken, type TokenFields } from '../properties/replay.js';
import { EquivalenceError, verifyExecutor } from '../properties/vitest.js';
import { maxThreads } from '../impl/runtime/pooled.js';
import { capturedVerify } from './verify-capture.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const engine = new URL('./fixtures/verify/wrong-at-eight.py', import.meta.url).pathname;
const executor = `exec:python3 ${engine}`;
const dir = mkdtempSync(join(tmpdir(), 'concord-verify-threads-'));
const verify = capturedVerify(join(dir, 'out'));
const merging = capturedVerify();
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });

afterEach(() => vi.restoreAllMocks());

/** Right below 8 threads; from 8 on, its result's state one too high at the first key it wrote. */
function wrongAtEight(): Executor {
  return {
    name: 'wrong-at-eight',
    async execute(block: Block, options?: { threads?: number }) {
      const result = executeReference(block);
      if ((options?.threads ?? 1) < 8 || result.state.size === 0) return result;
      const [key, value] = result.state.entries().next().value!;
      const state = new Map(result.state).set(key, value + 1);
      return { ...result, state, stateRoot: result.stateRoot };
    },
    async close() {},
  };
}

describe('concord verify --threads', () => {
  it('catches an engine wrong only from 8 threads at --runs 100, which the default thread counts pass there', () => {
    const plain = concord('verify', '--executor', executor, '--runs', '100', '--json');
    expect(plain.status, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout)).toMatchObject({ ok: true, settings: {} });

    const r = concord('verify', '--executor', executor, '--runs', '100', '--threads', '16,8', '--json', '--out', join(dir, 'eight'));
    expect(r.status, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    // Sorted: two orders of one list are one run.
    expect(j).toMatchObject({ ok: false, settings: { threads: [8, 16] } });
    const [f] = j.failures;
    expect(f.check).toBe('equivalence');
    expect([8, 16]).toContain(f.threads);
    expect(decodeToken(f.token).threadCounts).toEqual([8, 16]);
    // The token holds the list: its replay line needs no --threads, and rebuilds the same run.
    expect(f.replay).not.toContain('--threads');
    const again = concord('verify', '--replay', f.token, '--executor', executor, '--json', '--out', join(dir, 'eight'));
    expect(again.status, again.stderr).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: false, reproduced: true, settings: { threads: [8, 16] }, failures: [{ token: f.token, threads: f.threads }] });

    // The text names the list where it says how to make the same blocks again, and in the summary.
    const text = concord('verify', '--executor', executor, '--runs', '100', '--threads', '8,16', '--out', join(dir, 'eight'));
    expect(text.status).toBe(1);
    expect(text.stdout).toContain('to reproduce, use the replay below or --seed 1 --threads 8,16 with the same --runs, --txs and --shard');
    expect(text.stdout).toMatch(/; seed 1, shard 1\/1, --threads 8,16\n/);
  }, 120_000);

  it('refuses a bad list, and beside --planted, --replay and --merge, naming it', async () => {
    const most = maxThreads();
    for (const [given, message] of [
      ['0', `--threads expects an integer from 1 to ${most}, got "0"`],
      [String(most + 1), `--threads expects an integer from 1 to ${most}, got "${most + 1}"`],
      ['8,x', `--threads expects an integer from 1 to ${most}, got "x"`],
      ['8,', `--threads expects an integer from 1 to ${most}, got ""`],
      ['8,16,8', '--threads: 8 is named twice'],
    ] as const) {
      expect(await verify({ executor: ['sequential'], runs: '10', threads: given }), given).toEqual({ code: 2, stdout: '', stderr: `concord verify: ${message}\n` });
    }
    expect((await verify({ planted: true, threads: '8' })).stderr).toBe('concord verify: --planted checks the planted-bug catalogue: leave out --threads\n');
    const token = encodeToken(sealToken({ executor: 'sequential', check: 'equivalence', minTxs: 1, maxTxs: 20, seed: 65536, path: '0', threadCounts: [8] }, [], undefined, [{}]));
    expect((await verify({ replay: token, threads: '8' })).stderr).toMatch(/^concord verify: --replay reruns one failure: give it alone .*, not with --threads\n$/);
    expect((await merging({ merge: ['a.json'], threads: '8' })).stderr).toMatch(/^concord verify: --merge pools the shards' --json files, which fix the run: .*, not with --threads\n$/);
  });

  it('asks a built-in for no parallel run at --threads 1, where none can be, and runs it at the counts given', async () => {
    const one = JSON.parse((await verify({ executor: ['block-stm'], runs: '100', threads: '1', json: true })).stdout);
    expect(one).toMatchObject({ ok: true, settings: { threads: [1] } });
    expect(one.executors[0].required).not.toContain('parallel run on threads');
    const wide = JSON.parse((await verify({ executor: ['block-stm'], runs: '100', threads: '3,32', json: true })).stdout);
    expect(wide).toMatchObject({ ok: true, settings: { threads: [3, 32] } });
    expect(wide.executors[0].coverage['parallel run on threads']).toBeGreaterThan(0);
  }, 120_000);

  it('merges only shards run with the same --threads', async () => {
    const shard = async (name: string, index: number, threads?: string) => {
      const r = await verify({ executor: ['sequential'], runs: '100', shard: `${index}/2`, ...(threads ? { threads } : {}), json: true });
      const file = join(dir, `${name}.json`);
      writeFileSync(file, r.stdout);
      return file;
    };
    const a = await shard('a', 1, '2,8');
    const b = await shard('b', 2, '8,2');
    const pooled = await merging({ merge: [a, b], json: true });
    expect(pooled.code).toBe(0);
    expect(JSON.parse(pooled.stdout)).toMatchObject({ ok: true, settings: { threads: [2, 8] } });
    const plain = await shard('plain', 2);
    expect(await merging({ merge: [a, plain] })).toEqual({
      code: 2, stdout: '',
      stderr: `concord verify: ${plain}: settings.threads: none (each check's own thread counts), where ${a} has --threads 2,8: the shards of one matrix are one verify run split, `
        + 'with the same --runs, --txs, --seed, --modules, --partition, --threads, --programs, --executor and --shard N\n',
    });
  }, 60_000);
});

describe('replay tokens with thread counts', () => {
  const fields: TokenFields = { executor: 'exec:./engine', check: 'big-blocks', minTxs: 21, maxTxs: 1100, seed: 65536, path: '3:1' };
  const run = [{ txs: [] }, 16, 'map'] as const;
  const word = (parts: unknown[]) => `cv5_${Buffer.from(JSON.stringify(parts)).toString('base64url')}`;

  it('carry them beside the settings, covered by the digest, and leave a token without them as it was', () => {
    const plain = sealToken(fields, [[0, 0]], undefined, run);
    const counted = sealToken({ ...fields, threadCounts: [8, 16] }, [[0, 0]], undefined, run);
    expect(decodeToken(encodeToken(counted))).toEqual(counted);
    const parts = JSON.parse(Buffer.from(encodeToken(counted).slice(4), 'base64url').toString());
    expect(parts.at(-1)).toEqual({ threads: [8, 16] });
    expect(decodeToken(encodeToken(sealToken({ ...fields, settings: { modules: 4 }, threadCounts: [32] }, [], undefined, run))))
      .toMatchObject({ settings: { modules: 4 }, threadCounts: [32] });
    // A token made before them: the same word and digest as a token of a run without them.
    expect(JSON.parse(Buffer.from(encodeToken(plain).slice(4), 'base64url').toString())).toHaveLength(9);
    expect(plain.shrunk.digest).not.toBe(counted.shrunk.digest);
    expect(digestMatches({ ...counted, threadCounts: undefined }, run)).toBe(false);
    expect(digestMatches({ ...counted, threadCounts: [8] }, run)).toBe(false);
    const whole = parts.slice(0, 9);
    for (const bad of [{ threads: [] }, { threads: [0] }, { threads: [16, 8] }, { threads: [8, 8] }, { threads: [1.5] }, { threads: 8 }, { threads: ['8'] }]) {
      expect(() => decodeToken(word([...whole, bad])), JSON.stringify(bad)).toThrow(/damaged/);
    }
  });

  it('replay on a machine that can run their counts, and say so where it cannot', async () => {
    const token = encodeToken(sealToken({ ...fields, executor: 'test:wrong-at-eight', check: 'equivalence', minTxs: 1, maxTxs: 20, threadCounts: [1, 100_000] }, [], undefined, run));
    const error = await verifyExecutor(wrongAtEight(), { replay: token }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe(`verifyExecutor: replay: the token's run drew from --threads 1,100000, and 100000 threads is past this machine's most, ${maxThreads()} `
      + '(4 per effective core, at least 64): replay it on a machine with the cores for it');
  });
});

describe('verifyExecutor threads', () => {
  it('runs every check at the counts given, where the defaults pass an executor wrong from 8 threads at few runs', async () => {
    await expect(verifyExecutor(wrongAtEight(), { runs: 20 })).resolves.toMatchObject({ failures: [] });
    const error = await verifyExecutor(wrongAtEight(), { runs: 20, threads: [8] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EquivalenceError);
    const [f] = (error as EquivalenceError).report.failures;
    expect(f).toMatchObject({ threads: 8, threadCounts: [8] });
    expect((error as Error).message).toContain('use the replay below or seed 1 with the same runs, txs and threads');
    // Its token holds them: the replay needs no threads option, and refuses one.
    const again = await verifyExecutor(wrongAtEight(), { replay: f!.token }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(EquivalenceError);
    await expect(verifyExecutor(wrongAtEight(), { replay: f!.token, threads: [8] })).rejects.toThrow(/^verifyExecutor: replay reruns the one counterexample its token fixes: give it without threads$/);
  }, 60_000);

  it('refuses a list that is not one of thread counts from 1 to the most, each once', async () => {
    const most = maxThreads();
    for (const [threads, kind, message] of [
      [8, TypeError, 'must be an array of thread counts, e.g. [8, 16], got 8'],
      [[], RangeError, 'must be an array of thread counts, e.g. [8, 16], got an empty array: leave it out for each check\'s own counts'],
      [[4, 0], RangeError, `must hold integers from 1 to ${most} (4 per effective core, at least 64), got 0 at index 1`],
      [[most + 1], RangeError, `must hold integers from 1 to ${most} (4 per effective core, at least 64), got ${most + 1} at index 0`],
      [['8'], TypeError, `must hold integers from 1 to ${most} (4 per effective core, at least 64), got "8" at index 0`],
      [[8, 16, 8], RangeError, 'names 8 twice'],
    ] as const) {
      const error = await verifyExecutor(wrongAtEight(), { threads: threads as unknown as number[] }).catch((e: unknown) => e);
      expect(error, JSON.stringify(threads)).toBeInstanceOf(kind);
      expect((error as Error).message).toBe(`verifyExecutor: threads ${message}`);
    }
  });
});
