// The helper for a user's own test suite: a correct executor passes, a buggy one throws an Error
// whose message is the full report, its token replays through the helper, and coverage goals apply.
import { describe, expect, it } from 'vitest';
import { referenceExecutor } from '../spec/reference.js';
import { sequentialExecutor } from '../impl/sequential.js';
import { BLOCKSTM_COVERAGE } from '../properties/equivalence.js';
import { EquivalenceError, verifyExecutor } from '../properties/vitest.js';
import type { Executor } from '../spec/executor.js';

const buggy = async (): Promise<Executor> => (await import(new URL('./fixtures/verify/batch-executor.mjs', import.meta.url).pathname)).default();

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
    expect(message).toMatch(/replay {7}concord verify --replay (cv1_\S+)/);
    const token = /--replay (cv1_\S+)/.exec(message)![1]!;
    const again = await verifyExecutor(buggy, { replay: token }).catch((e: unknown) => e);
    expect((again as EquivalenceError).report.failures[0]!.block).toEqual((error as EquivalenceError).report.failures[0]!.block);
  });

  it('fails a run that never took the parallel paths it requires', async () => {
    await expect(verifyExecutor(sequentialExecutor, { runs: 30, coverage: BLOCKSTM_COVERAGE })).rejects.toThrow(/must exercise re-execution/);
  });
});
