// A claim's wall-clock budget cuts a solver call short, well before the solver's own 10 s limit.
// In a file of its own: z3's WebAssembly heap never shrinks and stops at 2 GiB, and after the long
// explorations in prove-feasibility.test.ts a hard non-linear check could run it out (seen once on
// Node 24 in CI: the solver's worker aborted and the test hung), so it gets a fresh z3.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClaims, search, type Claim } from '../spec/smt/claims.js';
import { World } from '../spec/smt/symvm.js';
import { closeZ3, openZ3, type Z } from '../spec/smt/z3.js';

let z: Z;
beforeAll(async () => {
  z = await openZ3();
});
afterAll(closeZ3);

describe('the time budget per claim', () => {
  it('cuts a solver call short: unknown naming the budget, well before the solver\'s own 10 s', async () => {
    const hard: Claim = {
      name: 'factor a prime',
      expected: 'proved',
      check: async (zz) => {
        const world = new World(zz);
        const [a, b] = [world.value('a'), world.value('b')];
        const found = await search(world, [a.ge(2), b.ge(2), a.mul(b).eq(4_503_599_627_370_449)]);
        return 'unknown' in found ? { result: 'unknown', reason: found.unknown } : { result: found.found ? 'refuted' : 'proved' };
      },
    };
    const [r] = await runClaims(z, [hard], undefined, 1_000);
    expect(r).toMatchObject({ result: 'unknown', reason: 'the claim\'s time budget of 1 s ran out' });
    expect(r!.ms).toBeLessThan(8_000);
  }, 60_000);
});
