// The helper for a user's own test suite: a correct executor passes, a buggy one throws an Error
// whose message is the full report, its token replays through the helper, and coverage goals apply.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeReference, referenceExecutor } from '../spec/reference.js';
import { sequentialExecutor } from '../impl/sequential.js';
import { BLOCKSTM_COVERAGE } from '../properties/equivalence.js';
import { decodeToken } from '../properties/replay.js';
import { EquivalenceError, verifyExecutor } from '../properties/vitest.js';
import type { Executor } from '../spec/executor.js';

const batchExecutor = new URL('./fixtures/verify/batch-executor.mjs', import.meta.url).pathname;
const buggy = async (): Promise<Executor> => (await import(batchExecutor)).default();

/** Keeps every key it ever saw from block to block, and leaks it into the next block's pre-state. */
function leaky(): Executor {
  const table = new Map<number, number>();
  return {
    name: 'leaky',
    async execute(block) {
      const r = executeReference({ ...block, preState: new Map([...table, ...block.preState]) });
      for (const [k, v] of r.state) table.set(k, v);
      return r;
    },
    async close() {},
  };
}

describe('verifyExecutor', () => {
  it('passes a correct executor object and reports what it checked', async () => {
    const report = await verifyExecutor(referenceExecutor(), { runs: 60 });
    expect(report.failures).toEqual([]);
    expect(report.blocksChecked).toBe(75);
  });

  it('throws the full report for a buggy executor, and the token replays it', async () => {
    const error = await verifyExecutor(buggy, { runs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EquivalenceError);
    const message = (error as Error).message;
    expect(message).toMatch(/anomaly {6}\S/);
    // The executor lives only in this test, so its replay is the helper's own option.
    expect(message).toMatch(/replay {7}verifyExecutor\(executor, \{ replay: '(cv1_\S+)' \}\)/);
    const token = /replay: '(cv1_\S+)'/.exec(message)![1]!;
    const again = await verifyExecutor(buggy, { replay: token }).catch((e: unknown) => e);
    expect((again as EquivalenceError).report.failures[0]!.block).toEqual((error as EquivalenceError).report.failures[0]!.block);
    // It failed again, and on a fresh instance too: it fails alone, every time.
    expect((error as EquivalenceError).report.failures[0]!.failsOnly).toBeUndefined();
  });

  // The token used to carry the executor's own name: `concord verify --replay` then ran the built-in
  // of that name (and said the failure was gone) or knew no such executor.
  it('never prints a command that would replay or rerun some other executor in place of an executor object', async () => {
    const named = { ...(await buggy()), name: 'sequential' };
    const error = await verifyExecutor(named, { runs: 200, outDir: mkdtempSync(join(tmpdir(), 'concord-vitest-')) }).catch((e: unknown) => e);
    const message = (error as Error).message;
    expect(message).toMatch(/^FAIL sequential: equivalence check/m);
    expect(message).toMatch(/^ {2}block file {3}\S+\.block\.json$/m);
    expect(message).not.toMatch(/concord (verify|run)/);
    const [f] = (error as EquivalenceError).report.failures;
    expect(decodeToken(f!.token).executor).toBe('test:sequential');
    await expect(verifyExecutor(named, { replay: f!.token })).rejects.toThrow(/^Concord found a counterexample:\nFAIL sequential: equivalence check/);
  });

  it('fails a run that never took the parallel paths it requires', async () => {
    await expect(verifyExecutor(sequentialExecutor, { runs: 30, coverage: BLOCKSTM_COVERAGE })).rejects.toThrow(/must exercise re-execution/);
  });

  it('requires the coverage it is given of a module path too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-vitest-'));
    const module = join(dir, 'plain.mjs');
    writeFileSync(module, `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';\n`
      + "export default { name: 'plain', async execute(block) { return executeReference(block); }, async close() {} };\n");
    await expect(verifyExecutor(module, { runs: 30, coverage: BLOCKSTM_COVERAGE })).rejects.toThrow(/plain \(\S+plain\.mjs\): a green run must exercise re-execution/);
    await expect(verifyExecutor(module, { runs: 30 })).resolves.toMatchObject({ failures: [] });
  });

  it('says a failure needs the blocks run before it on the same instance, and its replay never calls it gone', async () => {
    const error = await verifyExecutor(leaky, { runs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EquivalenceError);
    const [f] = (error as EquivalenceError).report.failures;
    expect(f!.failsOnly).toBe('after earlier blocks');
    expect(decodeToken(f!.token).failsOnly).toBe('after earlier blocks');
    expect((error as Error).message).toMatch(/^ {2}fails only {3}after the blocks run before it on the same executor instance \(state kept between blocks\): on a fresh instance this block passes/m);
    await expect(verifyExecutor(leaky, { replay: f!.token })).rejects.toThrow(
      /^replayed leaky equivalence seed \d+ path [\d:]+: the block passes, but when it was found it failed only after the blocks run before it on the same executor instance/);
  });

  it('says a failure that passed when run again fails only sometimes', async () => {
    // Wrong once per instance: on its first block of three transactions or more.
    const once = (): Executor => {
      let failed = false;
      return {
        name: 'once',
        async execute(block) {
          const r = executeReference(block);
          if (failed || block.txs.length < 3) return r;
          failed = true;
          return { ...r, gasUsed: r.gasUsed + 1 };
        },
        async close() {},
      };
    };
    const error = await verifyExecutor(once, { runs: 100 }).catch((e: unknown) => e);
    const [f] = (error as EquivalenceError).report.failures;
    expect(f!.failsOnly).toBe('sometimes');
    expect((error as Error).message).toMatch(/^ {2}fails only {3}sometimes \(the executor's result changes from run to run of the same block\): run again, on the same instance or on fresh ones, this block passed some times and failed others/m);
  });
});
