// How verify shares a --time-limit (properties/runner.ts): checks cut short get the time the
// others left over, so a budget that holds the whole run passes every check. Two fake checks
// spin for a fixed time per block, so the budget's arithmetic, not the VM's speed, decides.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckDef, CheckInput } from '../properties/equivalence.js';
import { runVerify } from '../properties/runner.js';
import { executorSource } from '../properties/subjects.js';

function spinning(name: CheckDef['name'], runsFactor: number, msPerBlock: number): CheckDef {
  return {
    name, runsFactor, txs: { min: 1, max: 1 }, applies: () => true,
    inputs: () => fc.constant([{ keys: 1, txs: [] }] as unknown as CheckInput),
    run: async () => {
      for (const end = performance.now() + msPerBlock; performance.now() < end;);
      return true;
    },
  };
}

describe('verify --time-limit', () => {
  it('gives a check cut short the time the checks after it left unused', async () => {
    // equivalence: 10 batches of 50 blocks at 1.2 ms, 0.6 s in all; determinism: one block. Its
    // first share, half of 1.1 s, cuts equivalence; determinism leaves the rest (0.5 s spare) to it.
    const report = await runVerify({
      subjects: [executorSource('sequential')], runs: 500, seed: 1, timeLimitMs: 1100,
      checks: [spinning('equivalence', 1, 1.2), spinning('determinism', 0.002, 1)],
    });
    const [executor] = report.executors;
    expect(executor!.checks).toEqual([
      { name: 'equivalence', status: 'passed', batches: 10, of: 10 },
      { name: 'determinism', status: 'passed', batches: 1, of: 1 },
    ]);
    expect(report.timedOut).toBe(false);
  });

  it('gives an executor cut short the time the executors after it left unused, on a fresh instance, where it stopped', async () => {
    // sequential: 30 batches of 50 blocks at 2 ms, 3 s in all; its first share, half of 4 s, cuts
    // it. reference runs one block and leaves about 2 s, which sequential's second turn gets.
    const heavy = { ...spinning('equivalence', 1, 2), applies: (s: { name: string }) => s.name === 'sequential' };
    let created = 0;
    const counted = executorSource('sequential');
    const report = await runVerify({
      subjects: [{ ...counted, create: () => (created++, counted.create()) }, executorSource('reference')], runs: 1500, seed: 1, timeLimitMs: 4000,
      checks: [heavy, spinning('determinism', 0.0005, 1)],
    });
    expect(report.executors.map((e) => e.checks)).toEqual([
      [{ name: 'equivalence', status: 'passed', batches: 30, of: 30 }, { name: 'determinism', status: 'passed', batches: 1, of: 1 }],
      [{ name: 'determinism', status: 'passed', batches: 1, of: 1 }],
    ]);
    expect([created, report.timedOut]).toEqual([2, false]);
  });

  it('runs every check\'s first batch even when the budget is spent before it starts', async () => {
    const report = await runVerify({
      subjects: [executorSource('sequential'), executorSource('reference')], runs: 500, seed: 1, timeLimitMs: 1,
      checks: [spinning('equivalence', 1, 1), spinning('determinism', 0.002, 1)],
    });
    for (const e of report.executors) {
      expect(e.checks.map((c) => [c.name, c.batches])).toEqual([['equivalence', 1], ['determinism', 1]]);
    }
    expect(report.timedOut).toBe(true);
  });

  it('reports a check the whole budget cannot hold as cut, with the batches it ran', async () => {
    const report = await runVerify({
      subjects: [executorSource('sequential')], runs: 500, seed: 1, timeLimitMs: 400,
      checks: [spinning('equivalence', 1, 1), spinning('determinism', 0.002, 1)],
    });
    const [equivalence, determinism] = report.executors[0]!.checks;
    expect(equivalence).toMatchObject({ status: 'cut', of: 10 });
    expect(equivalence!.batches).toBeGreaterThan(0);
    expect(equivalence!.batches).toBeLessThan(10);
    expect(determinism).toEqual({ name: 'determinism', status: 'passed', batches: 1, of: 1 });
    expect(report.timedOut).toBe(true);
  });
});
