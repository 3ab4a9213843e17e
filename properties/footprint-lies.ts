// Blocks whose declared footprints lie: generated blocks (arbitraries.ts) in which some
// transactions carry a Lie that changes the footprint their program declares, as a block file's
// program or a hand-written contract may. A lie leaves out an entry the program uses, names another
// key in its place, declares a read where the program writes or applies a DELTA, declares a delta
// where it writes (a lie by `concord prove`'s rule, which the conflict table makes harmless to a
// scheduler), narrows a delta's bounds below what its DELTA checks, or gives a program that
// computes its keys (and so declares none) a footprint of its constant keys alone. A 'stray' lie
// (since cv6_ tokens) leaves out a read the program makes first, of a filler key: a pre-state value
// that is not 0 and that no footprint of the block declares, so under Block-STM's load of the
// declared keys alone every such read is one of a value it did not load, which must reload rather
// than be guessed (the lies before it mostly left out keys another transaction declares, or whose
// pre-state value is 0, where a guess of 0 is right). The lie rides
// on its transaction's spec (LyingTxSpec.lie), so minimize() keeps it with the transaction as it
// removes others, and drops it with the transaction's body when it makes it a NOOP.
// Invariant: lyingBlock is a pure function of the spec and the filler; it changes only footprints
// and, for a stray lie, adds its read at the program's start and its key to the pre-state (with a
// filler, it adds pre-state entries no other transaction touches), so the reference executes the
// lying block exactly as the truthful one but for the stray reads.

import fc from 'fast-check';
import type { Block, Footprint, FootprintEntry, KeyExpr, Program } from '../spec/block.js';
import { assemble, type ReadableOp } from '../spec/bytecode.js';
import { CONTRACTS, contractOps, keyOf } from '../spec/contracts.js';
import { buildBlock, COMPUTED_KEY_STMTS, HOT_KEYS, hotBlockSpecArb, programFootprint, programOps, type BlockSpec, type Stmt, type TxSpec } from './arbitraries.js';
import type { TokenVersion } from './replay.js';

/**
 * How a transaction's footprint lies; `entry` picks an entry (mod the footprint's length), `key` a
 * raw entity (mod the block's keys; for a stray lie, the filler entry read, mod FILLER).
 */
export interface Lie {
  readonly how: 'omit' | 'rekey' | 'as-read' | 'as-delta' | 'narrow' | 'stray';
  readonly entry: number;
  readonly key: number;
}

/** A transaction of a lying block: a generated one, with the lie its footprint tells, if any. */
export type LyingTxSpec = TxSpec & { readonly lie?: Lie };

/** The lies a token before cv6_ drew, in the order it drew them. */
const LIES_BEFORE_STRAY: readonly Lie['how'][] = ['omit', 'rekey', 'as-read', 'as-delta', 'narrow'];

/**
 * Lies for a token of `version`. Since cv6_ a stray lie is as likely as all the others together:
 * about half the lying blocks with a filler read a value Block-STM did not load, where before
 * some 4% did (the h167 audit), which left a Block-STM that guesses such a value missed.
 */
function lieArb(version: TokenVersion): fc.Arbitrary<Lie> {
  const how = version < 6 ? fc.constantFrom(...LIES_BEFORE_STRAY)
    : fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...LIES_BEFORE_STRAY) }, { weight: 1, arbitrary: fc.constant('stray' as const) });
  return fc.record({ how, entry: fc.nat(7), key: fc.nat(9_999) });
}

/**
 * A lie for about one transaction in three: enough that most blocks hold several, and that blocks
 * with a single lie among truthful transactions (the shape a shrunk failure takes) are common too.
 */
const maybeLie = (version: TokenVersion): fc.Arbitrary<Lie | null> => fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: lieArb(version) });

/** `spec` with lies[i] on transaction i (lies has one entry for every transaction a block may have). */
export function withLies(spec: BlockSpec, lies: readonly (Lie | null)[]): BlockSpec {
  const txs: LyingTxSpec[] = spec.txs.map((t, i) => (lies[i] ? { ...t, lie: lies[i] } : t));
  return { ...spec, txs };
}

/** Block specs of `minTxs` to `maxTxs` transactions drawn by `blocks`, with lies on some, as a token of `version` draws them. */
export function lyingSpecArb(blocks: fc.Arbitrary<BlockSpec>, maxTxs: number, version: TokenVersion): fc.Arbitrary<BlockSpec> {
  return fc.tuple(blocks, fc.array(maybeLie(version), { minLength: maxTxs, maxLength: maxTxs })).map(([spec, lies]) => withLies(spec, lies));
}

/**
 * The sizes of the large lying blocks: from the preflight's 256 transactions (impl/preflight.ts
 * PREFLIGHT_MIN_TXS) to past its prefix of 512, so that the lanes plan them in several chunks
 * where the preflight lets them run. Not imported, as arbitraries.ts's WINDOW_EDGES.
 */
export const LARGE_LYING_TXS = { min: 256, max: 600 } as const;

/** Lying blocks per large one, since cv7_. */
const SMALL_PER_LARGE = 9;

/**
 * Since cv7_, one lying block in ten is large (LARGE_LYING_TXS), declares a footprint for every
 * program and contends for one hot key (arbitraries.ts hotBlockSpecArb): from 2 threads on the preflight sends it to the sequential
 * executor, which must report its undeclared accesses as the lanes do (the transactions of every
 * program footprint-proof.ts does not vouch for are watched), and at 1 thread the lanes plan it in
 * chunks and stop at its first lie. `small` draws the others; with `large` false (a run given
 * --txs, a planted bug) they are drawn alone.
 */
export function lyingBlocksArb(small: fc.Arbitrary<BlockSpec>, maxTxs: number, version: TokenVersion, large: boolean): fc.Arbitrary<BlockSpec> {
  const lying = lyingSpecArb(small, maxTxs, version);
  if (version < 7 || !large) return lying;
  const blocks = hotBlockSpecArb({ minTxs: LARGE_LYING_TXS.min, maxTxs: LARGE_LYING_TXS.max, keys: HOT_KEYS, contractState: true });
  return fc.oneof({ weight: SMALL_PER_LARGE, arbitrary: lying }, { weight: 1, arbitrary: lyingSpecArb(blocks, LARGE_LYING_TXS.max, version) });
}

/** What a program that computes a key declares when it lies: the keys of its other statements, as programFootprint would. */
function constantPart(body: readonly Stmt[], keys: number): Footprint {
  return programFootprint(body.filter((st) => !COMPUTED_KEY_STMTS.has(st.s)), keys) ?? [];
}

/** `fp` as `lie` tells it: a footprint of no entries stays one, and a stray lie's is the program's own (its lie is in the code). */
function lied(fp: Footprint, lie: Lie, keys: number): Footprint {
  if (fp.length === 0 || lie.how === 'stray') return fp;
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

/** Pre-state entries of entities past every generated key space (10,000), which no transaction touches but a stray read. */
const FILLER_ENTITY = 20_000;

/**
 * Pre-state entries past the footprints of any block of up to EQUIVALENCE_TXS transactions, twice
 * over (loadsDeclaredOnly's bar); not past a large block's (LARGE_LYING_TXS), whose whole pre-state
 * Block-STM loads.
 */
export const FILLER = 400;

/** The filler key a stray lie reads: one of the FILLER entries, whose value is 1. */
const strayKey = (lie: Lie): number => keyOf(FILLER_ENTITY + (lie.key % FILLER), 'balance');

/**
 * A stray read of `key`, before the program's own code: into r15 (a scratch register of the
 * generated programs, the hash's of the contracts) and back to 0, as every register starts, so the
 * program then runs as it did. Only its read set and gas tell it.
 */
const strayRead = (key: number): ReadableOp[] => [['const', 'r15', key], ['read', 'r15', 'r15'], ['const', 'r15', 0]];

/**
 * The block `spec` describes, its programs declaring the footprints its transactions' lies tell,
 * and `filler` more pre-state entries. A lying contract call gets a program of its own (the
 * library's code, under the lie), written to a block file as code with its footprint, not by the
 * contract's name, which would bring back the true footprint. With a filler, every program that
 * computes a key declares its constant keys: Block-STM loads only the declared keys of a block
 * whose every program declares a footprint and whose pre-state is over twice their entries
 * (impl/blockstm/layout.ts loadsDeclaredOnly), and a read past a lying footprint there must reload.
 * A stray lie's key is in the pre-state with or without a filler, so its read is never of 0; with
 * a SharedState pre-state it is one the key table does not hold, which the state's table answers.
 */
export function lyingBlock(spec: BlockSpec, filler = 0): Block {
  const block = buildBlock(spec);
  const programs: Program[] = [...block.programs];
  const strays = new Set<number>();
  const txs = block.txs.map((tx, i) => {
    const t = spec.txs[i] as LyingTxSpec;
    const p = programs[tx.program]!;
    const stray = t.lie?.how === 'stray' ? strayKey(t.lie) : undefined;
    if (stray !== undefined) strays.add(stray);
    if (t.kind === 'code') {
      const declared = p.footprint ?? (t.lie || filler > 0 ? constantPart(t.body, spec.keys) : undefined);
      if (declared === undefined) return tx;
      const code = stray === undefined ? p.code : assemble([...strayRead(stray), ...programOps(t.body, spec.keys)]);
      programs[tx.program] = { ...p, code, footprint: t.lie ? lied(declared, t.lie, spec.keys) : declared };
      return tx;
    }
    if (!t.lie) return tx;
    const { contract: _, ...own } = p;
    const code = stray === undefined ? own.code : assemble([...strayRead(stray), ...contractOps(CONTRACTS.get(t.contract)!, t.hashCost)]);
    programs.push({ ...own, code, name: `${p.name}-lying`, footprint: lied(p.footprint ?? [], t.lie, spec.keys) });
    return { ...tx, program: programs.length - 1 };
  });
  const preState = new Map(block.preState);
  for (let f = 0; f < filler; f++) preState.set(keyOf(FILLER_ENTITY + f, 'balance'), 1);
  // Past the filler, in key order as a block file holds the pre-state (arbitraries.ts buildBlock).
  for (const key of [...strays].sort((a, b) => a - b)) if (!preState.has(key)) preState.set(key, 1);
  return { ...block, programs, txs, preState };
}
