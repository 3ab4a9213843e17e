// Witnesses are confirmed on the VM before they are reported, and a prover/VM disagreement is
// named as Concord's bug, never as the contract's: the VM here can be made to disagree with the
// symbolic VM (a write's value or key off by one), as a bug in either would.

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { assemble, type ReadableOp } from '../spec/bytecode.js';
import { runClaims, type ClaimResult } from '../spec/smt/claims.js';
import { contractClaims, type ContractSpec } from '../spec/smt/contract-claims.js';
import { parseInvariant } from '../spec/smt/invariants.js';
import { closeZ3, openZ3, type Z } from '../spec/smt/z3.js';

/** How the VM is made to disagree: nothing, the first write's value + 1, or its key + 1. */
const skew = vi.hoisted(() => ({ mode: 'none' as 'none' | 'value' | 'key' }));

vi.mock('../spec/vm.js', async (original) => {
  const vm = await original<typeof import('../spec/vm.js')>();
  return {
    ...vm,
    runTransaction: (...a: Parameters<typeof vm.runTransaction>) => {
      const out = vm.runTransaction(...a);
      if (skew.mode === 'value' && out.writeCount > 0) out.writeValues[0]! += 1;
      if (skew.mode === 'key' && out.writeCount > 0) out.writeKeys[0]! += 1;
      return out;
    },
  };
});

let z: Z;
beforeAll(async () => {
  z = await openZ3();
});
afterAll(closeZ3);
afterEach(() => {
  skew.mode = 'none';
});

/** `state[key] = v`: key 0 unless `keyed`, where the key is the argument too. */
function storing(keyed: boolean, invariants: unknown[]): ContractSpec {
  const code: ReadableOp[] = [keyed ? ['mov', 'r1', 'r0'] : ['const', 'r1', 0], ['write', 'r1', 'r0'], ['stop']];
  const params = ['v'];
  return {
    name: 'store', params, code: assemble(code), codeIndex: [0, 1, 2], source: code,
    footprint: [{ key: { add: 0 }, access: 'write' }],
    invariants: invariants.map((inv, i) => parseInvariant(inv, ['invariants', i], { params })),
  };
}

const never5 = { name: 'never 5', holds: ['=>', ['success'], ['!=', ['post', 0], 5]] };
const below10 = { name: 'below 10', holds: ['=>', ['success'], ['<', ['post', 0], 10]] };

async function results(c: ContractSpec): Promise<ClaimResult[]> {
  return runClaims(z, contractClaims(c));
}

describe('invariant witnesses, confirmed on the VM', () => {
  it('reports a witness the VM confirms as the contract\'s, with no disagreement', async () => {
    const [, n5, b10] = await results(storing(false, [never5, below10]));
    expect(n5).toMatchObject({ result: 'refuted', witness: { args: [5], post: { '0.balance': 5 } } });
    expect(b10!.result).toBe('refuted');
    // A write, a delta on the same key and an output: z3's path and the VM agree on the gas, outputs and final writes.
    const code: ReadableOp[] = [['const', 'r1', 0], ['write', 'r1', 'r0'], ['delta', 'r1', 'r0', -100, 100], ['emit', 'r0'], ['stop']];
    const busy: ContractSpec = {
      ...storing(false, []), code: assemble(code), codeIndex: [0, 1, 2, 3, 4], source: code,
      invariants: [parseInvariant({ name: 'never 10', holds: ['=>', ['success'], ['!=', ['post', 0], 10]] }, ['invariants', 0], { params: ['v'] })],
    };
    const [, n10] = await results(busy);
    expect(n10).toMatchObject({ result: 'refuted', witness: { args: [5], post: { '0.balance': 10 }, receipt: { outputs: [5] } } });
    for (const r of [n5!, b10!, n10!]) {
      expect(r.witness).not.toHaveProperty('disagreement');
      expect(r.witness!.summary).not.toMatch(/Concord/);
    }
  });

  it('a witness the VM does not confirm is unknown, named a bug in Concord with the call and where the runs differ', async () => {
    skew.mode = 'value';
    const [, n5] = await results(storing(false, [never5]));
    expect(n5!.result).toBe('unknown');
    expect(n5!.reason).toBe(
      'a bug in Concord, not in the contract: z3 found that store(v=5), gas limit 1000000, with pre {} breaks the invariant, which the VM, run on the same call, does not confirm ' +
      '(writes {0.balance=5} by z3\'s model, {0.balance=6} on the VM); the prover (spec/smt/symvm.ts) and the VM (spec/vm.ts) disagree: please report it with this contract file',
    );
  });

  it('a witness the VM breaks the invariant with, but by another run than z3\'s, is refuted and the disagreement named as Concord\'s', async () => {
    skew.mode = 'value';
    const [, b10] = await results(storing(false, [below10]));
    expect(b10!.result).toBe('refuted');
    const w = b10!.witness as unknown as { args: number[]; post: Record<string, number>; disagreement: string[]; summary: string };
    expect(w.post['0.balance']).toBe(w.args[0]! + 1);
    expect(w.disagreement).toEqual([`writes {0.balance=${w.args[0]}} by z3's model, {0.balance=${w.args[0]! + 1}} on the VM`]);
    expect(w.summary).toMatch(/; the VM breaks the invariant so, but a bug in Concord, not in the contract: z3's model of this call predicted another run \(writes .*\); the prover .* disagree: please report it with this contract file$/);
  });
});

describe('footprint witnesses, confirmed on the VM', () => {
  it('an escape the VM does not make is unknown, named a bug in Concord with the call', async () => {
    skew.mode = 'key';
    const [fp] = await results(storing(true, []));
    expect(fp!.result).toBe('unknown');
    expect(fp!.reason).toMatch(/^a bug in Concord, not in the contract: z3 found that store\(v=-?\d+\) with pre \{\} makes the WRITE at code\[1\] touch key -?\d+ outside the footprint, which the VM, run on the same call, does not confirm; the prover .* disagree: please report it with this contract file$/);
  });
});
