import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generate, WORKLOADS } from '../bench/workloads.js';
import { CONTRACTS, contractProgram, FIELDS, keyOf, MAX_SUPPLY, REVERT } from '../spec/contracts.js';
import type { Block } from '../spec/block.js';
import { footprintKeys } from '../spec/block.js';
import { executeReference } from '../spec/reference.js';
import { executeSequential } from '../impl/sequential.js';
import { newOutcome, runTransaction } from '../spec/vm.js';

const SEED = Number(process.env.CONCORD_SEED ?? 20261125);

function blockWith(contract: string, calls: number[][], pre: [number, number][], hashCost = 0): Block {
  return {
    programs: [contractProgram(contract, hashCost)],
    txs: calls.map((args) => ({ program: 0, args, gasLimit: 100_000 })),
    preState: new Map(pre),
    gasLimit: Number.MAX_SAFE_INTEGER,
  };
}

function total(state: ReadonlyMap<number, number>, field: (typeof FIELDS)[number], entities: number[]): number {
  return entities.reduce((s, e) => s + (state.get(keyOf(e, field)) ?? 0), 0);
}

describe('contract library', () => {
  it('p2p transfers conserve the total balance and bump sequence numbers', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(4), fc.nat(4), fc.nat(2000)), { maxLength: 30 }),
      (moves) => {
        const seq = [0, 0, 0, 0, 0];
        const calls = moves.map(([f, t, amount]) => [f, t, amount, seq[f]!++]);
        const pre: [number, number][] = [0, 1, 2, 3, 4].map((e) => [keyOf(e, 'balance'), 1000]);
        const r = executeReference(blockWith('p2p', calls, pre));
        expect(total(r.state, 'balance', [0, 1, 2, 3, 4])).toBe(5000);
      },
    ), { seed: SEED, numRuns: 200 });
  });

  it('p2p rejects a wrong sequence number and an overdraft', () => {
    const pre: [number, number][] = [[keyOf(0, 'balance'), 10]];
    const r = executeReference(blockWith('p2p', [[0, 1, 5, 1], [0, 1, 50, 0], [0, 1, 5, 0]], pre));
    expect(r.receipts.map((x) => [x.status, x.code])).toEqual([['reverted', REVERT.BAD_SEQ], ['reverted', REVERT.INSUFFICIENT], ['success', 0]]);
    expect(r.state.get(keyOf(1, 'balance'))).toBe(5);
    expect(r.state.get(keyOf(0, 'seq'))).toBe(1);
  });

  it('token transfers conserve the total', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.nat(500)), { maxLength: 30 }), (moves) => {
      const pre: [number, number][] = [0, 1, 2, 3].map((e) => [keyOf(e, 'token'), 700]);
      const r = executeReference(blockWith('token', moves, pre));
      expect(total(r.state, 'token', [0, 1, 2, 3])).toBe(2800);
    }), { seed: SEED, numRuns: 200 });
  });

  it('AMM swaps never lower the constant product', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 10 ** 7 }), fc.integer({ min: 1, max: 10 ** 7 }), fc.array(fc.integer({ min: 1, max: 10 ** 5 }), { maxLength: 20 }),
      (r0, r1, ins) => {
        const pre: [number, number][] = [[keyOf(0, 'reserve0'), r0], [keyOf(0, 'reserve1'), r1], [keyOf(1, 'token'), 10 ** 8]];
        const r = executeReference(blockWith('amm-swap', ins.map((x) => [0, 1, x, 0]), pre));
        const k = (r.state.get(keyOf(0, 'reserve0')) ?? 0) * (r.state.get(keyOf(0, 'reserve1')) ?? 0);
        expect(k).toBeGreaterThanOrEqual(r0 * r1);
      },
    ), { seed: SEED, numRuns: 200 });
  });

  it('NFT mints count up by delta and stop at MAX_SUPPLY', () => {
    const pre: [number, number][] = [[keyOf(0, 'supply'), MAX_SUPPLY - 1], [keyOf(1, 'balance'), 100]];
    const r = executeReference(blockWith('nft-mint', [[0, 1, 10], [0, 1, 10]], pre));
    expect(r.receipts.map((x) => x.status)).toEqual(['success', 'reverted']);
    expect(r.state.get(keyOf(0, 'supply'))).toBe(MAX_SUPPLY);
    expect(r.state.get(keyOf(0, 'treasury'))).toBe(10);
  });

  it('hand-offs follow custody and stop once delivered', () => {
    const pre: [number, number][] = [[keyOf(0, 'custody'), 1]];
    const r = executeReference(blockWith('handoff', [[0, 2, 3], [0, 1, 2], [0, 2, 3], [0, 3, 4], [0, 4, 5]], pre));
    expect(r.receipts.map((x) => x.code)).toEqual([REVERT.NOT_CUSTODIAN, 0, 0, 0, REVERT.DELIVERED]);
    expect(r.state.get(keyOf(0, 'custody'))).toBe(4);
  });

  it('oracle trades pay the price the last update set', () => {
    const pre: [number, number][] = [[keyOf(0, 'custody'), 7], [keyOf(0, 'price'), 10], [keyOf(1, 'balance'), 1000]];
    const block: Block = {
      programs: [contractProgram('oracle-update', 0), contractProgram('oracle-trade', 0)],
      txs: [{ program: 1, args: [0, 1, 3], gasLimit: 1e5 }, { program: 0, args: [0, 7, 20], gasLimit: 1e5 }, { program: 1, args: [0, 1, 3], gasLimit: 1e5 }, { program: 0, args: [0, 8, 1], gasLimit: 1e5 }],
      preState: new Map(pre), gasLimit: Number.MAX_SAFE_INTEGER,
    };
    const r = executeReference(block);
    expect(r.receipts.map((x) => x.outputs)).toEqual([[30], [], [60], []]);
    expect(r.receipts[3]!.code).toBe(REVERT.NOT_REPORTER);
    expect(r.state.get(keyOf(1, 'token'))).toBe(6);
  });

  it('every key a contract touches on the generated workloads is in its declared footprint', () => {
    for (const name of WORKLOADS.keys()) {
      const block = generate(name, { accounts: 50, txs: 300, seed: 3, hashCost: 0 });
      const state = new Map(block.preState);
      const out = newOutcome();
      for (const tx of block.txs) {
        const p = block.programs[tx.program]!;
        const allowed = new Set(footprintKeys(p.footprint!, tx.args).map((e) => e.key));
        runTransaction(p.code, tx.args, tx.gasLimit, { read: (k) => { expect(allowed.has(k)).toBe(true); return state.get(k) ?? 0; } }, out);
        for (let w = 0; w < out.writeCount; w++) {
          expect(allowed.has(out.writeKeys[w]!)).toBe(true);
          state.set(out.writeKeys[w]!, out.writeValues[w]!);
        }
      }
    }
  });

  it('hash cost only adds gas', () => {
    for (const name of CONTRACTS.keys()) expect(contractProgram(name, 5).code.length).toBe(contractProgram(name, 0).code.length + 5);
    const a = executeReference(generate('defi', { txs: 200, hashCost: 0 }));
    const b = executeReference(generate('defi', { txs: 200, hashCost: 2 }));
    expect(b.stateRoot).toBe(a.stateRoot);
    expect(b.gasUsed).toBeGreaterThan(a.gasUsed);
  });
});

describe('reference and fast sequential executors', () => {
  it('agree on every workload over random seeds and sizes', () => {
    fc.assert(fc.property(
      fc.constantFrom(...WORKLOADS.keys()), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 400 }), fc.nat(), fc.nat(2),
      (name, accounts, txs, seed, hashCost) => {
        const block = generate(name, { accounts, txs, seed, hashCost });
        const a = executeReference(block);
        const b = executeSequential(block);
        expect(b.stateRoot).toBe(a.stateRoot);
        expect(b.receipts).toEqual(a.receipts);
        expect(b.reads).toEqual(a.reads);
        expect(b.receiptsRoot).toBe(a.receiptsRoot);
      },
    ), { seed: SEED, numRuns: 60 });
  });

  it('generators are deterministic', () => {
    const a = executeReference(generate('defi', { accounts: 100, txs: 500, seed: 9 }));
    const b = executeReference(generate('defi', { accounts: 100, txs: 500, seed: 9 }));
    const c = executeReference(generate('defi', { accounts: 100, txs: 500, seed: 10 }));
    expect(b.stateRoot).toBe(a.stateRoot);
    expect(c.stateRoot).not.toBe(a.stateRoot);
  });
});

describe('amount guards', () => {
  it('every contract taking an amount reverts on a negative one (z3 found the hole in amm-swap)', () => {
    const pre: [number, number][] = [[keyOf(0, 'balance'), 100], [keyOf(1, 'balance'), 100], [keyOf(0, 'token'), 100], [keyOf(1, 'token'), 100],
      [keyOf(0, 'reserve0'), 6], [keyOf(0, 'reserve1'), 2], [keyOf(0, 'custody'), 1], [keyOf(0, 'price'), 3]];
    const calls: [string, number[]][] = [['p2p', [1, 0, -5, 0]], ['token', [1, 0, -1]], ['amm-swap', [0, 0, -15, 0]], ['nft-mint', [0, 1, -10]], ['oracle-update', [0, 1, -3]], ['oracle-trade', [0, 1, -2]]];
    for (const [name, args] of calls) {
      const r = executeReference(blockWith(name, [args], pre));
      expect(r.receipts[0], name).toMatchObject({ status: 'reverted', code: REVERT.NEGATIVE_AMOUNT });
    }
  });
});
