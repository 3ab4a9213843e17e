// z3 running out of memory: at the limit openZ3 sets, its solvers answer unknown or it aborts.
// runClaims then goes on on a fresh z3 and runs the claim once more there, unless it was the first
// on its z3; the process neither crashes nor hangs, and the abort's trace stays off stderr. A small
// limit (80 MB) makes z3 reach it in about a second: a 128-bit multiplication then aborts, a
// 256-bit one stops gracefully (z3 5.2.0, the same each run).

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatTable } from '../cli/prove.js';
import { runClaims, type Claim } from '../spec/smt/claims.js';
import { closeZ3, openZ3, z3Death, type Z } from '../spec/smt/z3.js';

let z: Z;
beforeAll(async () => {
  z = await openZ3({ memoryMb: 80 });
});
afterAll(closeZ3);

/** Whether a product of two numbers above 1 can be 2^(bits-1) - 1 and commute, in `bits`-bit words: bit-blasting it needs far more than 80 MB. */
function factoring(bits: number, keep?: unknown[]): Claim {
  return {
    name: `factor in ${bits} bits${keep ? ', the solver kept' : ''}`,
    expected: 'proved',
    check: async (zz) => {
      const s = new zz.Solver();
      // What a claim holds on to, z3 counts against the limit until the garbage collector frees it.
      keep?.push(s);
      const [x, y] = [zz.BitVec.const('x', bits), zz.BitVec.const('y', bits)];
      s.add(x.mul(y).eq(zz.BitVec.val((1n << BigInt(bits - 1)) - 1n, bits)), x.ugt(1), y.ugt(1), x.mul(y).mul(x).eq(y.mul(x).mul(y)));
      const answer = await s.check();
      if (keep) return { result: 'proved' };
      return answer === 'unknown' ? { result: 'unknown', reason: s.reasonUnknown() } : { result: answer === 'unsat' ? 'proved' : 'refuted' };
    },
  };
}

const easy = (name: string): Claim => ({
  name,
  expected: 'proved',
  check: async (zz) => {
    const s = new zz.Solver();
    const x = zz.Int.const('x');
    s.add(x.add(1).le(x));
    return { result: (await s.check()) === 'unsat' ? 'proved' : 'refuted' };
  },
});

describe('z3 out of memory', () => {
  it('runs a claim once more on a fresh z3 after others filled the old one, and goes on after an abort or a graceful stop', async () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    const kept: unknown[] = [];
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const timersBefore = timers();
    try {
      const results = await runClaims(z, [easy('a'), factoring(256, kept), easy('b'), factoring(128), factoring(256), easy('c')]);
      // z3-solver keeps the process alive with a 10-minute timer per solver call; an aborted call's is cleared.
      expect(timers()).toBeLessThanOrEqual(timersBefore);
      expect(results.map((r) => [r.name, r.result])).toEqual([
        ['a', 'proved'], ['factor in 256 bits, the solver kept', 'proved'], ['b', 'proved'],
        ['factor in 128 bits', 'unknown'], ['factor in 256 bits', 'unknown'], ['c', 'proved'],
      ]);
      // b failed to allocate on the full z3 and passed on a fresh one; the 128-bit claim aborted
      // there after b, then alone on a fresh z3; the 256-bit one was first on its z3.
      expect(results[3]!.reason).toMatch(/^z3 aborted \(.+\), on a fresh z3: this claim alone makes z3 abort \(most often by needing more memory than z3 may use\)$/);
      expect(results[4]!.reason).toBe('out of memory, on a fresh z3: this claim alone needs more memory than z3 may use');
      expect(results.map((r) => r.retried)).toEqual([
        undefined, undefined, 'z3 threw "out of memory", after other claims', expect.stringMatching(/^z3 aborted \(.+\), after other claims$/), undefined, undefined,
      ]);
      expect(formatTable(results, 0)).toContain('  b  ');
      expect(formatTable(results, 0)).toContain('\n    ran again on a fresh z3: z3 threw "out of memory", after other claims\n');
      expect(z3Death(z)).toBeUndefined();
      expect(stderr.mock.calls.map((c) => String(c[0])).filter((line) => /abort|pthread|wasm/i.test(line))).toEqual([]);
    } finally {
      stderr.mockRestore();
    }
    // The fresh z3 keeps the limit, and lives.
    const again = await openZ3();
    expect(z3Death(again)).toBeUndefined();
    expect(again).not.toBe(z);
  }, 120_000);
});
