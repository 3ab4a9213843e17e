// Gaps of verify's own, found by an audit (helper 176): a throw inside a simulated run of an
// executor's algorithm is a counterexample, shrunk, not a crash of verify; a pooled built-in's
// warm-up blocks are compared with the reference, and a warm-up that differs, throws or hangs is
// reported with its block written and a rerun that makes as many calls.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Block, BlockResult } from '../spec/block.js';
import type { Executor } from '../spec/executor.js';
import { executeReference } from '../spec/reference.js';
import { parseBlock } from '../spec/block-file.js';
import { WARM_UP_RUNS, WARM_UP_TXS } from '../impl/runtime/pooled.js';
import { interleavingCheck } from '../properties/simulated.js';
import { exhaustiveCheck } from '../properties/enumerate.js';
import { runVerify } from '../properties/runner.js';
import { executorSubject } from '../properties/subjects.js';
import { capturedVerify } from './verify-capture.js';

/** What the mocked registry's built-ins do: by default run the reference; a test sets how the warm-up block goes. */
const warm: { call: number; onWarmUp: ((call: number, block: Block) => Promise<BlockResult> | undefined) | undefined } = { call: 0, onWarmUp: undefined };

vi.mock('../impl/registry.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../impl/registry.js')>();
  return {
    ...original,
    // A built-in made without its own warm-up (verify runs it, properties/subjects.ts), whose execute() is the reference's but for the warm-up block.
    createExecutor: async (name: string, settings: { warmUp?: boolean }): Promise<Executor> => {
      if (!original.EXECUTORS.has(name)) throw new Error(`the mocked registry makes built-ins only, not ${name}`);
      expect(settings.warmUp).toBe(name === 'block-stm' || name === 'modular' ? false : undefined);
      return {
        name,
        execute: async (block) => {
          if (block.txs.length !== WARM_UP_TXS) return executeReference(block);
          const call = ++warm.call;
          return (await warm.onWarmUp?.(call, block)) ?? executeReference(block);
        },
        close: async () => {},
      };
    },
  };
});

vi.mock('../cli/process-guard.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../cli/process-guard.js')>()),
  // A hang ends the command by exiting the process: here the run is only left pending, its report written.
  exitOnceWritten: () => new Promise<never>(() => {}),
}));

const out = mkdtempSync(join(tmpdir(), 'concord-own-gaps-'));
const verify = capturedVerify(out);

afterEach(() => {
  warm.call = 0;
  warm.onWarmUp = undefined;
});

/** The reference's result for `block` with receipt `tx`'s gas one more: a wrong result. */
function wrongGas(block: Block, tx: number): BlockResult {
  const r = executeReference(block);
  return { ...r, receipts: r.receipts.map((x, i) => (i === tx ? { ...x, gasUsed: x.gasUsed + 1 } : x)) };
}

describe('a throw inside a simulated run', () => {
  it('is a counterexample of the interleaving check, shrunk, with the error and where it was thrown (modular, a partition it cannot make)', async () => {
    // The simulated runtime makes the partition by name: one it does not know throws inside runModularSimulated.
    const subject = executorSubject({ name: 'sim', execute: async (b) => executeReference(b), close: async () => {} }, 'sim', [], { kind: 'modular', bugs: [], partition: 'no-such' });
    const report = await runVerify({ subjects: [{ name: 'sim', create: async () => subject }], runs: 20, seed: 1, checks: [interleavingCheck] });
    expect(report.failures).toHaveLength(1);
    const [f] = report.failures;
    expect(f!.error).toMatch(/unknown partition "no-such"/);
    expect(f!.stack?.some((frame) => frame.includes('partitionerFor'))).toBe(true);
    expect(f!.setting).toMatch(/^a run that threw: kind (random|pct), threads \d, seed \d+, depth \d, modules \d, partition no-such/);
    // Any block throws, so the shrunk one has a single transaction.
    expect(f!.transactions).toBe(1);
  });

  it('is a counterexample of the exhaustive check too (Block-STM, a planted bug it has no flag for)', async () => {
    const subject = executorSubject({ name: 'stm', execute: async (b) => executeReference(b), close: async () => {} }, 'stm', [], { kind: 'block-stm', bugs: ['no-such-bug' as never] });
    const report = await runVerify({ subjects: [{ name: 'stm', create: async () => subject }], runs: 100, seed: 1, checks: [exhaustiveCheck] });
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]!.error).toMatch(/no-such-bug/);
    expect(report.failures[0]!.transactions).toBe(1);
  });
});

describe('the warm-up of a pooled built-in', () => {
  it('is run by verify and compared: a wrong result in its second call fails with the block written and a rerun of two calls', async () => {
    warm.onWarmUp = (call, block) => (call === 2 ? Promise.resolve(wrongGas(block, 7)) : undefined);
    const r = await verify({ executor: ['modular'], runs: '20', modules: '3' });
    expect(r.code).toBe(1);
    const file = join(out, 'modular-warm-up.block.json');
    expect(r.stderr).toContain(`concord verify: the executor modular: call 2 of ${WARM_UP_RUNS} of its warm-up block (${WARM_UP_TXS} transactions, at its own thread count) differs from the reference at tx 7: wrong receipt; its block is in ${file} `);
    expect(r.stderr).toMatch(/rerun: .* run \S+modular-warm-up\.block\.json --executor modular --modules 3 --repeat 2 --warmup 0 --check\)\n/);
    expect(r.stderr).toContain('    transaction  tx 7\n');
    expect(parseBlock(readFileSync(file, 'utf8')).txs).toHaveLength(WARM_UP_TXS);
  });

  it('that throws fails alike under --json, with the call, the block file and the rerun', async () => {
    warm.onWarmUp = (call) => (call === 1 ? Promise.reject(new Error('warm-up boom')) : undefined);
    const r = await verify({ executor: ['block-stm'], runs: '20', json: true });
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ ok: false, warmUp: { call: 1, calls: WARM_UP_RUNS }, blockFile: join(out, 'block-stm-warm-up.block.json') });
    expect(json.error).toMatch(/^the executor block-stm: call 1 of 3 of its warm-up block \(2000 transactions, at its own thread count\) threw: Error: warm-up boom;/);
    expect(json.rerun).toMatch(/ --executor block-stm --warmup 0 --check$/);
  });

  it('that passes lets the checks run (every instance warmed up through the source)', async () => {
    const r = await verify({ executor: ['block-stm'], runs: '20', json: true });
    // The stand-in runs no threads, so it misses the coverage a built-in owes: that is its only fault.
    const json = JSON.parse(r.stdout);
    expect(json.failures).toEqual([]);
    expect(json.error).toBeUndefined();
    expect(json.executors[0].blocksChecked).toBeGreaterThan(0);
    // The pre-run load and every instance the checks made ran the three calls.
    expect(warm.call % WARM_UP_RUNS).toBe(0);
    expect(warm.call).toBeGreaterThan(0);
  });

  it('that hangs names its call and writes its block, with a rerun carrying --timeout', async () => {
    warm.onWarmUp = (call) => (call === 3 ? new Promise<BlockResult>(() => {}) : undefined);
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
    const { verifyCommand } = await import('../cli/verify.js');
    // Left pending: at the end of the file's process it says that nothing was left to settle it, which is no part of this test.
    verifyCommand({ executor: ['modular'], runs: '20', out, timeout: '0.5' }).catch(() => {});
    await vi.waitFor(() => expect(stderr).toContain('did not settle'), { timeout: 10_000, interval: 50 });
    vi.restoreAllMocks();
    const file = join(out, 'modular-warm-up-hung.block.json');
    expect(stderr).toContain(`concord verify: the executor modular: loading did not settle within 0.5 s; it was in call 3 of ${WARM_UP_RUNS} of its warm-up block (${WARM_UP_TXS} transactions, at its own thread count); its block is in ${file} `);
    expect(stderr).toMatch(/ --executor modular --repeat 3 --warmup 0 --check --timeout 0\.5\)\n/);
    expect(existsSync(file)).toBe(true);
  });
});

describe('a signal that comes while a call holds the main thread', () => {
  it('ends verify by that signal once the call is interrupted, not as a hang at --timeout', async () => {
    const spins = join(out, 'spins.mjs');
    writeFileSync(spins, "export default { name: 'spins', execute() { process.stderr.write('spinning\\n'); for (;;); }, async close() {} };\n");
    const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
    const child = spawn(process.execPath, [cli, 'verify', '--executor', spins, '--runs', '20', '--timeout', '2', '--out', out]);
    let output = '';
    child.stdout.on('data', (d) => { output += String(d); });
    // Once it is inside execute(), which it never leaves by itself.
    child.stderr.on('data', (d) => {
      if (!output.includes('spinning') && String(d).includes('spinning')) child.kill('SIGTERM');
      output += String(d);
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('exit', (c, s) => done([c, s])));
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
    expect(output).toMatch(/^stopped by SIGTERM after checking 0 of 1 executor \(\d+ blocks? checked\); spins \(\S+spins\.mjs\) was in its equivalence check/m);
    expect(output).not.toContain('did not settle');
  });
});
