// Blocks whose declared footprints lie: generated blocks (arbitraries.ts) in which some
// transactions carry a Lie that changes the footprint their program declares, as a block file's
// program or a hand-written contract may. A lie leaves out an entry the program uses, names another
// key in its place, declares a read where the program writes or applies a DELTA, declares a delta
// where it writes (a lie by `concord prove`'s rule, which the conflict table makes harmless to a
// scheduler), narrows a delta's bounds below what its DELTA checks, or gives a program that
// computes its keys (and so declares none) a footprint of its constant keys alone. The lie rides
// on its transaction's spec (LyingTxSpec.lie), so minimize() keeps it with the transaction as it
// removes others, and drops it with the transaction's body when it makes it a NOOP.
// Invariant: lyingBlock is a pure function of the spec and the filler; it changes only footprints
// (and, with a filler, adds pre-state entries no transaction touches), so the reference executes
// the lying block exactly as the truthful one.

import fc from 'fast-check';
import type { Block, Footprint, FootprintEntry, KeyExpr, Program } from '../spec/block.js';
import { keyOf } from '../spec/contracts.js';
import { buildBlock, COMPUTED_KEY_STMTS, programFootprint, type BlockSpec, type Stmt, type TxSpec } from './arbitraries.js';

/** How a transaction's footprint lies; `entry` picks an entry (mod the footprint's length), `key` a raw entity (mod the block's keys). */
export interface Lie {
  readonly how: 'omit' | 'rekey' | 'as-read' | 'as-delta' | 'narrow';
  readonly entry: number;
  readonly key: number;
}

/** A transaction of a lying block: a generated one, with the lie its footprint tells, if any. */
export type LyingTxSpec = TxSpec & { readonly lie?: Lie };

const LIES: readonly Lie['how'][] = ['omit', 'rekey', 'as-read', 'as-delta', 'narrow'];

export const lieArb: fc.Arbitrary<Lie> = fc.record({ how: fc.constantFrom(...LIES), entry: fc.nat(7), key: fc.nat(9_999) });

/**
 * A lie for about one transaction in three: enough that most blocks hold several, and that blocks
 * with a single lie among truthful transactions (the shape a shrunk failure takes) are common too.
 */
const maybeLie: fc.Arbitrary<Lie | null> = fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: lieArb });

/** `spec` with lies[i] on transaction i (lies has one entry for every transaction a block may have). */
export function withLies(spec: BlockSpec, lies: readonly (Lie | null)[]): BlockSpec {
  const txs: LyingTxSpec[] = spec.txs.map((t, i) => (lies[i] ? { ...t, lie: lies[i] } : t));
  return { ...spec, txs };
}

/** Block specs of `minTxs` to `maxTxs` transactions drawn by `blocks`, with lies on some. */
export function lyingSpecArb(blocks: fc.Arbitrary<BlockSpec>, maxTxs: number): fc.Arbitrary<BlockSpec> {
  return fc.tuple(blocks, fc.array(maybeLie, { minLength: maxTxs, maxLength: maxTxs })).map(([spec, lies]) => withLies(spec, lies));
}

/** What a program that computes a key declares when it lies: the keys of its other statements, as programFootprint would. */
function constantPart(body: readonly Stmt[], keys: number): Footprint {
  return programFootprint(body.filter((st) => !COMPUTED_KEY_STMTS.has(st.s)), keys) ?? [];
}

/** `fp` as `lie` tells it: a footprint of no entries stays one. */
function lied(fp: Footprint, lie: Lie, keys: number): Footprint {
  if (fp.length === 0) return fp;
  const at = lie.entry % fp.length;
  const e = fp[at]!;
  const other: KeyExpr = { add: keyOf(lie.key % keys, 'balance') };
  const replaced = (x: FootprintEntry | null): Footprint => fp.flatMap((y, i) => (i !== at ? [y] : x ? [x] : []));
  switch (lie.how) {
    case 'omit':
      return replaced(null);
    case 'rekey':
      return replaced({ ...e, key: other });
    case 'as-read':
      return replaced({ key: e.key, access: 'read' });
    case 'as-delta':
      return replaced(e.access === 'write' ? { key: e.key, access: 'delta' } : e);
    case 'narrow':
      // One value of the declared range: narrower than the DELTA's own bounds wherever they span two.
      return replaced(e.access === 'delta' ? { ...e, lo: e.hi ?? e.lo ?? 0, hi: e.hi ?? e.lo ?? 0 } : e);
  }
}

/** Pre-state entries of entities past every generated key space (10,000), which no transaction touches. */
const FILLER_ENTITY = 20_000;

/**
 * The block `spec` describes, its programs declaring the footprints its transactions' lies tell,
 * and `filler` more pre-state entries. A lying contract call gets a program of its own (the
 * library's code, under the lie), written to a block file as code with its footprint, not by the
 * contract's name, which would bring back the true footprint. With a filler, every program that
 * computes a key declares its constant keys: Block-STM loads only the declared keys of a block
 * whose every program declares a footprint and whose pre-state is over twice their entries
 * (impl/blockstm/layout.ts loadsDeclaredOnly), and a read past a lying footprint there must reload.
 */
export function lyingBlock(spec: BlockSpec, filler = 0): Block {
  const block = buildBlock(spec);
  const programs: Program[] = [...block.programs];
  const txs = block.txs.map((tx, i) => {
    const t = spec.txs[i] as LyingTxSpec;
    const p = programs[tx.program]!;
    if (t.kind === 'code') {
      const declared = p.footprint ?? (t.lie || filler > 0 ? constantPart(t.body, spec.keys) : undefined);
      if (declared === undefined) return tx;
      programs[tx.program] = { ...p, footprint: t.lie ? lied(declared, t.lie, spec.keys) : declared };
      return tx;
    }
    if (!t.lie) return tx;
    const { contract: _, ...code } = p;
    programs.push({ ...code, name: `${p.name}-lying`, footprint: lied(p.footprint ?? [], t.lie, spec.keys) });
    return { ...tx, program: programs.length - 1 };
  });
  const preState = new Map(block.preState);
  for (let f = 0; f < filler; f++) preState.set(keyOf(FILLER_ENTITY + f, 'balance'), 1);
  return { ...block, programs, txs, preState };
}
