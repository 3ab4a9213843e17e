// How verify shares a --time-limit (properties/runner.ts): checks cut short get the time the
// others left over, so a budget that holds the whole run passes every check, and a check stops
// between two runs of a batch, resuming there on a later turn. Fake checks take a fixed time per
// block on a fake clock (performance.now, which the runner reads, advanced by the checks alone), so
// the budget's arithmetic decides, exactly, whatever else the machine runs; a fake executor sleeps
// on the real clock, for the limit's effect on an executor's own runs.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CheckDef, CheckInput } from '../properties/equivalence.js';
import { runVerify, type SubjectSource } from '../properties/runner.js';
import { BATCH } from '../properties/verify-limits.js';
import { executorSource, executorSubject } from '../properties/subjects.js';
import { executeReference } from '../spec/reference.js';

/** A check that passes every block in `msPerBlock` of the fake clock. */
function timed(name: CheckDef['name'], runsFactor: number, msPerBlock: number): CheckDef {
  return {
    name, runsFactor, txs: { min: 1, max: 1 }, applies: () => true,
    inputs: () => fc.constant([{ keys: 1, txs: [] }] as unknown as CheckInput),
    run: async () => {
      vi.advanceTimersByTime(msPerBlock);
      return true;
    },
  };
}

/** A timed check whose runs record what fast-check drew for them, in the order they ran. */
function drawing(msPerBlock: number, drawn: number[]): CheckDef {
  return {
    ...timed('equivalence', 1, msPerBlock),
    applies: (s) => s.name === 'sequential',
    inputs: () => fc.integer().map((n) => [{ keys: 1, txs: [] }, n] as unknown as CheckInput),
    run: async (_subject, _o, input) => {
      drawn.push(input[1] as number);
      vi.advanceTimersByTime(msPerBlock);
      return true;
    },
  };
}

/** A correct executor that sleeps 100 ms over every block: one batch of 50 takes 5 s. */
const slow: SubjectSource = {
  name: 'slow',
  create: async () => executorSubject({
    name: 'slow',
    execute: async (block) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return executeReference(block);
    },
    close: async () => {},
  }, 'slow'),
};

describe('verify --time-limit, on a fake clock', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives a check cut short the time the checks after it left unused', async () => {
    // equivalence: 10 batches of 50 blocks at 2.4 ms, 1.2 s in all; determinism: one block. Its
    // first share, half of 1.3 s, cuts equivalence; determinism leaves the rest to it, 0.1 s spare.
    const report = await runVerify({
      subjects: [executorSource('sequential')], runs: 500, seed: 1, timeLimitMs: 1300,
      checks: [timed('equivalence', 1, 2.4), timed('determinism', 0.002, 1)],
    });
    const [executor] = report.executors;
    expect(executor!.checks).toEqual([
      { name: 'equivalence', status: 'passed', batches: 10, of: 10 },
      { name: 'determinism', status: 'passed', batches: 1, of: 1 },
    ]);
    expect(report.timedOut).toBe(false);
  });

  it('gives an executor cut short the time the executors after it left unused, on a fresh instance, where it stopped', async () => {
    // sequential: 30 batches of 50 blocks at 2 ms, 3 s in all; its first share, half of 5 s, cuts
    // it. reference runs one block and leaves the other 2.5 s, which sequential's second turn gets.
    const heavy = { ...timed('equivalence', 1, 2), applies: (s: { name: string }) => s.name === 'sequential' };
    let created = 0;
    const counted = executorSource('sequential');
    const report = await runVerify({
      subjects: [{ ...counted, create: () => (created++, counted.create()) }, executorSource('reference')], runs: 1500, seed: 1, timeLimitMs: 5000,
      checks: [heavy, timed('determinism', 0.0005, 1)],
    });
    expect(report.executors.map((e) => e.checks)).toEqual([
      [{ name: 'equivalence', status: 'passed', batches: 30, of: 30 }, { name: 'determinism', status: 'passed', batches: 1, of: 1 }],
      [{ name: 'determinism', status: 'passed', batches: 1, of: 1 }],
    ]);
    expect([created, report.timedOut]).toEqual([2, false]);
  });

  it('runs one block of every check even when the budget is spent before it starts', async () => {
    const report = await runVerify({
      subjects: [executorSource('sequential'), executorSource('reference')], runs: 500, seed: 1, timeLimitMs: 1,
      checks: [timed('equivalence', 1, 1), timed('determinism', 0.002, 1)],
    });
    for (const e of report.executors) {
      expect(e.checks).toEqual([
        { name: 'equivalence', status: 'cut', batches: 0, of: 10, partial: 1 }, { name: 'determinism', status: 'passed', batches: 1, of: 1 },
      ]);
    }
    expect(report.timedOut).toBe(true);
  });

  it('resumes a cut check at the run where it stopped, running each run of the batch once, as drawn without a limit', async () => {
    // One batch of 50 blocks at 30 ms, 1.5 s. sequential's first turn (half of 2.4 s) stops it
    // part-way twice; reference leaves about 1.2 s, in which a second turn runs the rest.
    const uncut: number[] = [];
    await runVerify({ subjects: [executorSource('sequential')], runs: 50, seed: 1, checks: [drawing(0, uncut)] });
    const drawn: number[] = [];
    let created = 0;
    const counted = executorSource('sequential');
    const report = await runVerify({
      subjects: [{ ...counted, create: () => (created++, counted.create()) }, executorSource('reference')], runs: 50, seed: 1, timeLimitMs: 2400,
      checks: [drawing(30, drawn), timed('determinism', 0.02, 1)],
    });
    expect(uncut).toHaveLength(BATCH);
    expect(drawn).toEqual(uncut);
    expect(report.executors[0]!.checks[0]).toEqual({ name: 'equivalence', status: 'passed', batches: 1, of: 1 });
    expect([created, report.timedOut]).toEqual([2, false]);
  });

  it('never reports a check passed that a second turn could not finish, and counts the runs it did', async () => {
    const uncut: number[] = [];
    await runVerify({ subjects: [executorSource('sequential')], runs: 500, seed: 1, checks: [drawing(0, uncut)] });
    // 10 batches at 10 ms, 5 s; sequential's first turn is half of 2.4 s, its second turn the rest.
    const drawn: number[] = [];
    let created = 0;
    const counted = executorSource('sequential');
    const report = await runVerify({
      subjects: [{ ...counted, create: () => (created++, counted.create()) }, executorSource('reference')], runs: 500, seed: 1, timeLimitMs: 2400,
      checks: [drawing(10, drawn), timed('determinism', 0.002, 1)],
    });
    const [equivalence] = report.executors[0]!.checks;
    expect(equivalence).toMatchObject({ name: 'equivalence', status: 'cut', of: 10 });
    expect(drawn).toEqual(uncut.slice(0, equivalence!.batches * BATCH + (equivalence!.partial ?? 0)));
    expect([created, report.timedOut]).toEqual([2, true]);
  });
});

describe('verify --time-limit, on the real clock', () => {
  it('stops a slow executor\'s check part-way through a batch, and counts that batch as not run', async () => {
    // A whole batch would take 5 s (equivalence, vm-corners) or 15 s (determinism, 25 blocks run six
    // times); a 1 s limit stops each after a few blocks, determinism and big-blocks after their first (0.6 s, 0.1 s)
    // whatever the clock says.
    const started = performance.now();
    const report = await runVerify({ subjects: [slow], runs: 100, seed: 1, timeLimitMs: 1000 });
    expect(performance.now() - started).toBeLessThan(3500);
    const [executor] = report.executors;
    const [equivalence, corners, determinism, big, empty] = executor!.checks;
    expect(equivalence).toMatchObject({ name: 'equivalence', status: 'cut', batches: 0, of: 2 });
    expect(corners).toMatchObject({ name: 'vm-corners', status: 'cut', batches: 0, of: 1 });
    expect(determinism).toMatchObject({ name: 'determinism', status: 'cut', batches: 0, of: 1 });
    expect(big).toMatchObject({ name: 'big-blocks', status: 'cut', batches: 0, of: 1, partial: 1 });
    // One run in all: the run a check makes whatever the clock says is the whole check.
    expect(empty).toEqual({ name: 'empty-block', status: 'passed', batches: 1, of: 1 });
    expect(equivalence!.partial).toBeGreaterThan(0);
    expect(equivalence!.partial).toBeLessThan(BATCH);
    expect(corners!.partial).toBeGreaterThan(0);
    expect(determinism!.partial).toBeGreaterThan(0);
    expect(executor!.blocksChecked).toBe(equivalence!.partial! + corners!.partial! + determinism!.partial! + big!.partial! + 1);
    expect([executor!.cut, report.timedOut, report.failures]).toEqual([true, true, []]);
  });
});
