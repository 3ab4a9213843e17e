// The worker pool's gated start (WorkerPool.run with a gate): workers from gate.from get their job
// only once the gate settles, so a caller can keep them asleep while it still has the cores' work
// to do. Any pure exported function of the compiled tree serves as the job (npm test builds it).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyName } from '../spec/contracts.js';
import { WorkerPool, type JobRef } from '../impl/runtime/pool.js';

const JOB: JobRef = { module: 'spec/contracts.js', fn: 'keyName' };
const KEYS = [0, 1, 17, 42];
const pending = Symbol('pending');
/** What the promise has settled to after the pool had time to run every ungated job, or `pending`. */
const settled = async <T>(p: Promise<T>): Promise<T | typeof pending> =>
  Promise.race([p, new Promise<typeof pending>((resolve) => setTimeout(() => resolve(pending), 300))]);

describe('WorkerPool.run with a gate', () => {
  let pool: WorkerPool;
  beforeAll(async () => {
    pool = await WorkerPool.start(KEYS.length, [JOB.module]);
  });
  afterAll(async () => {
    await pool.close();
  });

  it('runs the workers from gate.from only once the gate opens, and returns every result in order', async () => {
    let open = () => {};
    const gate = { from: 2, open: new Promise<void>((resolve) => (open = resolve)) };
    const run = pool.run<string>(JOB, KEYS, () => {}, gate);
    expect(await settled(run)).toBe(pending);
    open();
    expect(await run).toEqual(KEYS.map((k) => keyName(k)));
  });

  it('starts the gated workers when the gate fails too, so the run always ends', async () => {
    let fail = (_: Error) => {};
    const gate = { from: 0, open: new Promise<void>((_, reject) => (fail = reject)) };
    const run = pool.run<string>(JOB, KEYS, () => {}, gate);
    expect(await settled(run)).toBe(pending);
    fail(new Error('the caller gave up'));
    expect(await run).toEqual(KEYS.map((k) => keyName(k)));
  });
});

describe('WorkerPool.ensure', () => {
  it('a worker that fails to start leaves no other worker loading when the run rejects, so the next run waits for its job, not a load', async () => {
    // Of the three workers started for the first run, one exits loading the job module while the
    // other two still load it (test/fixtures/pool-slow-start.mjs); its replacement loads at once.
    const FIXTURE = '../test/fixtures/pool-slow-start.mjs';
    const job: JobRef = { module: FIXTURE, fn: 'mark' };
    const pool = await WorkerPool.start(1, [FIXTURE]);
    const dir = mkdtempSync(join(tmpdir(), 'concord-pool-'));
    process.env.CONCORD_POOL_START = dir;
    try {
      for (const file of ['fail', 'slow-1', 'slow-2']) writeFileSync(join(dir, file), '');
      const sab = new SharedArrayBuffer(16);
      const payloads = [0, 1, 2, 3].map((i) => ({ sab, i }));
      await expect(pool.run(job, payloads)).rejects.toThrow(/exited with code 3/);
      // Before, the two still loading got the next run's job at once, and their load's reply settled
      // it: the run resolved with null for them while they went on to run the job (every run).
      expect(await pool.run<number>(job, payloads)).toEqual([0, 1, 2, 3]);
      expect(Array.from(new Int32Array(sab))).toEqual([1, 1, 1, 1]);
    } finally {
      delete process.env.CONCORD_POOL_START;
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
