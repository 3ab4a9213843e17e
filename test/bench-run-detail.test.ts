// The per-run executor statistics the bench records as `detail` and `fallbackShare`: every finite
// numeric stat an executor reports (any names), a mean per block over the blocks that reported it,
// without the counters perTx already holds, and the share of blocks that fell back.
import { describe, expect, it } from 'vitest';
import { RunDetail } from '../bench/run-detail.js';
import { emptyStats, type ExecutionStats } from '../spec/block.js';

const stats = (extra: Record<string, number | string>): ExecutionStats => ({ ...emptyStats(), ...extra });

describe('RunDetail', () => {
  it('averages every numeric stat per block, whatever its name, leaving out perTx\'s counters and strings', () => {
    const d = new RunDetail();
    d.add(stats({ executions: 10, reExecutions: 2, estimateWaits: 4, crossShare: 0.25, myEngineRetries: 3, partition: 'hash' }));
    d.add(stats({ executions: 12, reExecutions: 0, estimateWaits: 8, crossShare: 0.75, myEngineRetries: 5, partition: 'hash' }));
    expect(d.detail()).toEqual({ estimateWaits: 6, dependencyResumes: 0, crossShare: 0.5, myEngineRetries: 4 });
    expect(d.fallbackShare()).toBe(0);
  });

  it('a stat reported on some blocks only is averaged over those; non-finite values are skipped', () => {
    const d = new RunDetail();
    d.add(stats({ capacityRetries: 2, ratio: Number.NaN }));
    d.add(stats({ ratio: Number.POSITIVE_INFINITY }));
    d.add(stats({}));
    expect(d.detail()).toEqual({ estimateWaits: 0, dependencyResumes: 0, capacityRetries: 2 });
  });

  it('counts the blocks finished sequentially', () => {
    const d = new RunDetail();
    expect(d.fallbackShare()).toBe(0);
    d.add(stats({ fallback: 'contention: transactions 1 to 2 needed 5 executions' }));
    d.add(stats({}));
    d.add(stats({ fallback: 'preflight: the footprints chain the block' }));
    d.add(stats({}));
    expect(d.fallbackShare()).toBe(0.5);
  });

  it('a sum past the largest double is left out rather than written as Infinity', () => {
    const d = new RunDetail();
    d.add(stats({ huge: Number.MAX_VALUE }));
    d.add(stats({ huge: Number.MAX_VALUE }));
    expect(d.detail()).not.toHaveProperty('huge');
  });
});
