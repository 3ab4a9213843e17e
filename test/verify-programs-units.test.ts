// verify --programs, its parts: the option's words, blocks of a contract subset (drawn and shrunk
// by fast-check, in every shape, built the same from one spec), minimize() keeping calls, the
// checks drawing within a subject's subset, and the tokens that carry a subset.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockSpecArb, buildBlock, type BlockSpec } from '../properties/arbitraries.js';
import { minimize, NOOP } from '../properties/minimize.js';
import { CONTRACT_NAMES, parsePrograms, programsProblem, programsText, programsWord, samePrograms } from '../properties/programs.js';
import { decodeToken, digestMatches, encodeToken, sealToken, type TokenFields } from '../properties/replay.js';
import { bigBlocksCheck, determinismCheck, equivalenceCheck, vmCornersCheck, type Subject } from '../properties/equivalence.js';
import { interleavingCheck } from '../properties/simulated.js';
import { CONTRACTS } from '../spec/contracts.js';

const SUBSET = ['p2p', 'token'] as const;

/** The contracts a spec's transactions call; 'code' for a random program. */
const called = (s: BlockSpec): Set<string> => new Set(s.txs.map((t) => (t.kind === 'call' ? t.contract : 'code')));

describe('--programs words', () => {
  it('reads all, contracts and a list, in the library\'s order', () => {
    expect(parsePrograms('all')).toBeUndefined();
    expect(parsePrograms('contracts')).toEqual([...CONTRACTS.keys()]);
    expect(parsePrograms('token, p2p')).toEqual(['p2p', 'token']);
    expect(parsePrograms('token,token')).toEqual(['token']);
    expect(programsWord(CONTRACT_NAMES)).toBe('contracts');
    expect(programsText(['p2p', 'token'])).toBe('--programs p2p,token');
    expect(programsText(undefined)).toBe('');
    expect(samePrograms(parsePrograms('token,p2p'), ['p2p', 'token'])).toBe(true);
    expect(samePrograms(undefined, ['p2p'])).toBe(false);
  });

  it('refuses an unknown name, naming it and listing the valid ones', () => {
    expect(() => parsePrograms('p2p,swap')).toThrow(/--programs p2p,swap: "swap" is no library contract; .*p2p, token, amm-swap, nft-mint, handoff, oracle-update, oracle-trade/);
    expect(() => parsePrograms('p2p,')).toThrow(/an empty name is no library contract/);
    expect(programsProblem(['token', 'p2p'])).toMatch(/in the library's order \(p2p,token\)/);
    expect(programsProblem([])).toMatch(/non-empty/);
    expect(programsProblem(['mint'])).toMatch(/"mint", which is no library contract/);
    expect(programsProblem(['p2p', 'token'])).toBeNull();
  });
});

describe('blocks of a contract subset', () => {
  it('hold calls of the subset alone in every shape, vm and mix, and build the same block from one spec', () => {
    for (const o of [{}, { shapes: true, maxTxs: 300 }, { vm: true, mix: 'code' as const }, { mix: 'mixed' as const }]) {
      for (const spec of fc.sample(blockSpecArb({ ...o, contracts: SUBSET }), { numRuns: 60, seed: 3 })) {
        expect([...called(spec)].every((c) => (SUBSET as readonly string[]).includes(c))).toBe(true);
        expect(buildBlock(spec)).toEqual(buildBlock(JSON.parse(JSON.stringify(spec)) as BlockSpec));
        // Every program of the block is a contract's, with its proven footprint.
        for (const p of buildBlock(spec).programs) expect(p.footprint).toEqual(CONTRACTS.get(p.contract!.name)!.footprint);
      }
    }
  });

  it('shrink within the subset', () => {
    const details = fc.check(fc.property(blockSpecArb({ contracts: ['token'], maxTxs: 20 }), (s) => s.txs.length < 3), { seed: 11 });
    expect(details.failed).toBe(true);
    const [shrunk] = details.counterexample!;
    expect(shrunk.txs).toHaveLength(3);
    expect(called(shrunk)).toEqual(new Set(['token']));
  });

  it('every check that generates blocks for a subject draws them within its subset; vm-corners is not run on it', () => {
    const subject = { name: 'exec:engine', coverage: [], programs: SUBSET, execute: async () => { throw new Error('not run'); }, close: async () => {} } as unknown as Subject;
    for (const check of [equivalenceCheck, determinismCheck, bigBlocksCheck]) {
      for (const [spec] of fc.sample(check.inputs(check.txs, subject), { numRuns: 20, seed: 5 })) {
        expect([...called(spec)].every((c) => (SUBSET as readonly string[]).includes(c)), check.name).toBe(true);
      }
    }
    const builtIn = { ...subject, name: 'block-stm', simulated: { kind: 'block-stm', bugs: [] } } as Subject;
    for (const [spec] of fc.sample(interleavingCheck.inputs(interleavingCheck.txs, builtIn), { numRuns: 20, seed: 5 })) {
      expect([...called(spec)].every((c) => (SUBSET as readonly string[]).includes(c))).toBe(true);
    }
    expect(vmCornersCheck.notRun?.(subject)).toBe('not run: --programs p2p,token');
    expect(vmCornersCheck.notRun?.({ ...subject, programs: undefined })).toBeUndefined();
  });
});

describe('minimize() with keepCalls', () => {
  const spec: BlockSpec = {
    keys: 3, gasLimit: 500, pre: [{ entity: 0, field: 2, value: 5 }],
    txs: [0, 1, 2, 3, 4].map((i) => ({ kind: 'call' as const, contract: 'token', args: [i, i + 1, 7], hashCost: 1, gas: 300 })),
  };

  it('removes or keeps calls, never making one a NOOP', async () => {
    // A failure that needs two transactions: without keepCalls, the one kept first becomes a NOOP.
    const fails = async (s: BlockSpec) => s.txs.length >= 2;
    const plain = await minimize(spec, fails);
    expect(plain.spec.txs).toContainEqual(NOOP);
    const kept = await minimize(spec, fails, Infinity, true);
    expect(kept.spec.txs).toHaveLength(2);
    expect(kept.spec.txs.every((t) => t.kind === 'call' && t.contract === 'token')).toBe(true);
    // Still simplified otherwise: gas reset, gas limit removed, one key.
    expect(kept.spec).toMatchObject({ keys: 1, gasLimit: null });
    expect(kept.spec.txs.every((t) => t.gas === 100_000)).toBe(true);
  });
});

describe('tokens of a run given --programs', () => {
  const fields: TokenFields = { executor: 'exec:./engine', check: 'equivalence', minTxs: 1, maxTxs: 20, seed: 9, path: '3:0', programs: ['p2p', 'token'] };
  const input = [{ txs: [] }, 2] as const;

  it('carry the subset, covered by their digest', () => {
    const t = sealToken(fields, [[0, 0]], undefined, input);
    const token = encodeToken(t);
    expect(token).toMatch(/^cv8_/);
    expect(decodeToken(token)).toEqual(t);
    expect(JSON.parse(Buffer.from(token.slice(4), 'base64url').toString())[9]).toEqual({ programs: ['p2p', 'token'] });
    // Cut out, or another subset: the digest no longer matches, so the replay refuses it as damaged.
    expect(digestMatches({ ...t, programs: undefined }, input)).toBe(false);
    expect(digestMatches({ ...t, programs: ['p2p'] }, input)).toBe(false);
    expect(digestMatches(t, input)).toBe(true);
    // Beside thread counts, in the one element.
    const both = sealToken({ ...fields, threadCounts: [2, 8] }, [], undefined, input);
    expect(decodeToken(encodeToken(both))).toEqual(both);
  });

  it('hold a subset only from cv7_, and a valid one', () => {
    const body = (programs: unknown) => ['exec:./engine', 'equivalence', 1, 20, 9, '3', 0, '', 'abcdefabcdef', { programs }];
    const word = (prefix: string, programs: unknown) => `${prefix}${Buffer.from(JSON.stringify(body(programs))).toString('base64url')}`;
    expect(decodeToken(word('cv7_', ['token'])).programs).toEqual(['token']);
    expect(() => decodeToken(word('cv6_', ['token']))).toThrow(/damaged/);
    expect(() => decodeToken(word('cv7_', ['swap']))).toThrow(/damaged/);
    expect(() => decodeToken(word('cv7_', ['token', 'p2p']))).toThrow(/damaged/);
    expect(() => decodeToken(word('cv7_', []))).toThrow(/damaged/);
  });

  it('leave every token without a subset as it was', () => {
    const { programs: _, ...plain } = fields;
    const t = sealToken(plain, [[0, 0]], undefined, input);
    expect(decodeToken(encodeToken(t))).toEqual(t);
    expect(JSON.parse(Buffer.from(encodeToken(t).slice(4), 'base64url').toString())).toHaveLength(9);
  });
});
