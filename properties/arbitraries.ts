// fast-check arbitraries for blocks: random bytecode programs and library-contract calls over a
// shared, contended key space, a non-empty pre-state and block gas limits that trigger skip-rest.
// A block is generated as a BlockSpec (plain JSON data that fast-check shrinks: fewer
// transactions, fewer statements, smaller numbers, one hot key) and built into a Block by
// buildBlock. Invariant: buildBlock is a pure function of the spec and always yields a valid
// Block (every program assembles, every key and value is in range), so a spec printed in a
// failure report or stored in a replay token rebuilds exactly the same block.

import fc from 'fast-check';
import type { Block, Footprint, FootprintEntry, Program, Transaction } from '../spec/block.js';
import { DEFAULT_BLOCK_GAS_LIMIT } from '../spec/block.js';
import { assemble, type ReadableOp } from '../spec/bytecode.js';
import { CONTRACTS, FIELD, MAX_SUPPLY, STRIDE, contractProgram, keyOf } from '../spec/contracts.js';
import { MAX_VALUE, MIN_VALUE } from '../spec/values.js';

/** How many distinct entities (keys) a block may touch: one hot key up to 10,000 cold ones. */
export const CONTENTION_LEVELS = [1, 2, 3, 5, 10, 100, 10_000] as const;

/** Raw entity numbers are reduced modulo the block's key count, so contention shrinks independently of the choices. */
const RAW_ENTITY = 9_999;
/** Starting balance and tokens of contract parties: enough for a few of the (<= 30) transfers. */
const FUNDS = 60;
const FUNDED = ['balance', 'token', 'reserve0', 'reserve1'] as const;
/** Value registers the random programs compute with; r12..r15 are scratch. */
const VALUE_REGS = 4;

/** One statement of a random program. Keys are raw entity numbers; the program touches field `balance` of entity (raw mod keys). */
export type Stmt =
  | { readonly s: 'read'; readonly dst: number; readonly key: number }
  /** A dynamic read: the key is computed from a value register, so the read set depends on state. */
  | { readonly s: 'readAt'; readonly dst: number; readonly at: number }
  | { readonly s: 'write'; readonly key: number; readonly src: number }
  /** A dynamic write: the key is computed from a value register. */
  | { readonly s: 'writeAt'; readonly at: number; readonly src: number }
  /** Adds an immediate; immediates near the value range's ends make overflow depend on what was read. */
  | { readonly s: 'addi'; readonly dst: number; readonly imm: number }
  /** A bounded delta-add whose bounds sit near the small pre-state values, so the bound check depends on order. */
  | { readonly s: 'delta'; readonly key: number; readonly amount: number; readonly lo: number; readonly hi: number }
  | { readonly s: 'revertIf'; readonly src: number; readonly below: number; readonly code: number }
  | { readonly s: 'emit'; readonly src: number }
  | { readonly s: 'hash'; readonly dst: number; readonly iterations: number }
  /** Loops (value mod 8) times, so gas used (and out-of-gas) depends on what was read. */
  | { readonly s: 'burn'; readonly src: number }
  // The statements below only appear in BlockArbOptions.vm blocks: the VM's corners, for engines that run a VM of their own.
  /** A constant into a register: negative values and the ends of the range, where arithmetic faults or signs matter. */
  | { readonly s: 'set'; readonly dst: number; readonly value: number }
  /** dst = a OP b (`not`: dst = not a). */
  | { readonly s: 'arith'; readonly op: ArithOp; readonly dst: number; readonly a: number; readonly b: number }
  | { readonly s: 'muli'; readonly dst: number; readonly imm: number }
  /** A read or write at the key a register holds as it is: it may lie outside [0, 2^32) (fault -3) or outside the block's keys. */
  | { readonly s: 'readRaw'; readonly dst: number; readonly at: number }
  | { readonly s: 'writeRaw'; readonly at: number; readonly src: number }
  /** A DELTA of a register's value: one near the range's ends overflows (code -1) before its bounds are checked (-4). */
  | { readonly s: 'deltaBy'; readonly key: number; readonly src: number; readonly lo: number; readonly hi: number };

export const ARITH_OPS = ['add', 'sub', 'mul', 'div', 'mod', 'lt', 'le', 'eq', 'not'] as const;
export type ArithOp = (typeof ARITH_OPS)[number];

export type TxSpec =
  | { readonly kind: 'code'; readonly body: readonly Stmt[]; readonly gas: number }
  | { readonly kind: 'call'; readonly contract: string; readonly args: readonly number[]; readonly hashCost: number; readonly gas: number };

export interface PreEntry {
  readonly entity: number;
  readonly field: number;
  readonly value: number;
}

export interface BlockSpec {
  readonly keys: number;
  readonly pre: readonly PreEntry[];
  readonly txs: readonly TxSpec[];
  /** null: no block gas limit. */
  readonly gasLimit: number | null;
}

export type BlockMix = 'code' | 'contracts' | 'mixed';

export interface BlockArbOptions {
  readonly minTxs?: number;
  readonly maxTxs?: number;
  readonly mix?: BlockMix;
  /** Restricts contention to these key counts (default CONTENTION_LEVELS). */
  readonly keys?: readonly number[];
  /** Allows HASH instructions and hashed contracts (sha256 costs ~3 us, so tiny exhaustive blocks leave it out). */
  readonly hashes?: boolean;
  /**
   * Random programs also exercise the VM's corners (every arithmetic op on negative and extreme
   * values, keys outside the range, a DELTA that overflows, HASH of up to 5 iterations): for an
   * engine that runs a VM of its own. Without it the arbitraries are exactly those of before, so
   * every seed draws the blocks it always drew.
   */
  readonly vm?: boolean;
  /**
   * The pre-state also sets the contracts' counters (supply, nfts, round, treasury, handoffs), the
   * supply within a few mints of MAX_SUPPLY, so nft-mint's bounded delta on it reverts in some
   * orders and not others. Without it (the draws of cv3_ tokens and before) those keys start unset:
   * 0, far from every bound but the lower ones.
   */
  readonly contractState?: boolean;
  /**
   * Blocks also come in the shapes that reach the parallel executors' size gates (BLOCK_SHAPES):
   * besides the random mix, whose programs that compute a key (about one in four) declare no
   * footprint and split the modular executor's lanes into windows of a few dozen transactions,
   * blocks of contract calls alone (one window), blocks of declared windows straddling the
   * planner's chunks and the read-back's (WINDOW_EDGES), and hot blocks (hotBlockSpecArb), which
   * from 256 transactions on the preflight sends to the sequential executor. Without it (the draws
   * of cv6_ tokens and before) every block is the random mix.
   */
  readonly shapes?: boolean;
  /**
   * Every transaction is a call of one of these library contracts (names of spec/contracts.ts
   * CONTRACTS), with its proven footprint, whatever `mix`, `vm` and `shapes` say: for an engine
   * that implements those contracts natively and runs no bytecode (verify --programs). fast-check
   * shrinks a call within its contract, so every shrunk block holds only these. Absent: the
   * blocks above, drawn as they always were.
   */
  readonly contracts?: readonly string[];
}

const reg = fc.nat(VALUE_REGS - 1);
const rawEntity = fc.nat(RAW_ENTITY);
const small = fc.integer({ min: -3, max: 20 });
/** Values near the ends of the range make arithmetic overflow depend on the value read. */
const extreme = fc.constantFrom(MAX_VALUE, MIN_VALUE, MAX_VALUE - 1);

const deltaStmt: fc.Arbitrary<Stmt> = fc.record({
  s: fc.constant('delta' as const), key: rawEntity, amount: fc.integer({ min: -3, max: 3 }),
  lo: fc.integer({ min: -2, max: 4 }), hi: fc.integer({ min: 4, max: 12 }),
});

/** A value as the VM-corner statements use them: small of either sign, or the ends of the range. */
const signed = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -9, max: 9 }) }, { weight: 1, arbitrary: extreme }, { weight: 1, arbitrary: fc.constantFrom(MIN_VALUE + 1, -(2 ** 32), 2 ** 32, 2 ** 32 - 1) });

/** The VM-corner statements (BlockArbOptions.vm). */
const vmStmts: fc.WeightedArbitrary<Stmt>[] = [
  { weight: 3, arbitrary: fc.record({ s: fc.constant('set' as const), dst: reg, value: signed }) },
  { weight: 12, arbitrary: fc.record({ s: fc.constant('arith' as const), op: fc.constantFrom(...ARITH_OPS), dst: reg, a: reg, b: reg }) },
  { weight: 1, arbitrary: fc.record({ s: fc.constant('muli' as const), dst: reg, imm: signed }) },
  { weight: 1, arbitrary: fc.record({ s: fc.constant('readRaw' as const), dst: reg, at: reg }) },
  { weight: 1, arbitrary: fc.record({ s: fc.constant('writeRaw' as const), at: reg, src: reg }) },
  { weight: 1, arbitrary: fc.record({ s: fc.constant('deltaBy' as const), key: rawEntity, src: reg, lo: fc.integer({ min: -9, max: 0 }), hi: fc.integer({ min: 0, max: 9 }) }) },
  { weight: 1, arbitrary: fc.record({ s: fc.constant('hash' as const), dst: reg, iterations: fc.integer({ min: 1, max: 5 }) }) },
];

const readAtStmt: fc.Arbitrary<Stmt> = fc.record({ s: fc.constant('readAt' as const), dst: reg, at: reg });
const writeAtStmt: fc.Arbitrary<Stmt> = fc.record({ s: fc.constant('writeAt' as const), at: reg, src: reg });

/** Statements of random programs; without `computed`, none that computes its key (the program then declares a footprint). */
function stmtArb(hashes: boolean, vm = false, computed = true): fc.Arbitrary<Stmt> {
  const arbs: fc.WeightedArbitrary<Stmt>[] = [
    { weight: 6, arbitrary: fc.record({ s: fc.constant('read' as const), dst: reg, key: rawEntity }) },
    ...(computed ? [{ weight: 2, arbitrary: readAtStmt }] : []),
    { weight: 5, arbitrary: fc.record({ s: fc.constant('write' as const), key: rawEntity, src: reg }) },
    ...(computed ? [{ weight: 2, arbitrary: writeAtStmt }] : []),
    {
      weight: 3,
      arbitrary: fc.record({ s: fc.constant('addi' as const), dst: reg, imm: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: -5, max: 5 }) }, { weight: 1, arbitrary: extreme }) }),
    },
    { weight: 3, arbitrary: deltaStmt },
    { weight: 2, arbitrary: fc.record({ s: fc.constant('revertIf' as const), src: reg, below: fc.integer({ min: 0, max: 6 }), code: fc.nat(9) }) },
    { weight: 2, arbitrary: fc.record({ s: fc.constant('emit' as const), src: reg }) },
    { weight: 1, arbitrary: fc.record({ s: fc.constant('burn' as const), src: reg }) },
  ];
  if (hashes) arbs.push({ weight: 1, arbitrary: fc.record({ s: fc.constant('hash' as const), dst: reg, iterations: fc.integer({ min: 1, max: 2 }) }) });
  if (vm) arbs.push(...vmStmts);
  return fc.oneof(...arbs);
}

/** Most transactions get ample gas; some get so little that gas used decides between success and out-of-gas. */
const txGas = fc.oneof({ weight: 4, arbitrary: fc.constant(100_000) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 400 }) });

const amount = fc.oneof({ weight: 8, arbitrary: fc.nat(30) }, { weight: 1, arbitrary: extreme });
/** Value parameters whose useful range is narrow: sequence numbers near the start, mostly no slippage bound. */
const VALUE_PARAMS: Readonly<Record<string, fc.Arbitrary<number>>> = {
  seq: fc.nat(2),
  minOut: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(30) }),
};

/** Calls of the library contracts, or of those of `only` (a non-empty list of their names). */
export function callArb(hashes: boolean, only?: readonly string[]): fc.Arbitrary<TxSpec> {
  const defs = [...CONTRACTS.values()].filter((def) => only === undefined || only.includes(def.name));
  if (defs.length === 0) throw new RangeError(`callArb: no library contract among ${JSON.stringify(only)}`);
  return fc.oneof(...defs.map((def) => fc.record({
    kind: fc.constant('call' as const),
    contract: fc.constant(def.name),
    args: fc.tuple(...def.params.map((p) => (p.kind === 'entity' ? rawEntity : VALUE_PARAMS[p.name] ?? amount))),
    hashCost: hashes ? fc.constantFrom(0, 1) : fc.constant(0),
    gas: txGas,
  })));
}

/**
 * A VM-corner program's body: its value registers set first (they start at 0, where most of the
 * corners are out of reach: a quotient of 0, a product of 0, a key of 0), then its statements.
 */
const vmBody = (hashes: boolean): fc.Arbitrary<Stmt[]> => fc.tuple(fc.array(signed, { minLength: VALUE_REGS, maxLength: VALUE_REGS }), fc.array(stmtArb(hashes, true), { minLength: 1, maxLength: 8 }))
  .map(([values, stmts]) => [...values.map((value, dst): Stmt => ({ s: 'set', dst, value })), ...stmts]);

/**
 * Some bodies are bounded delta-adds alone: transactions that touch a key only by DELTA may share
 * it under the conflict table's commute-if rule, which holds only while every bound check passes
 * in both orders. Mixed into the other statements they are rare (a read or write of the key
 * orders it anyway), and an executor that took commute-if for commute passed 2000 runs.
 */
function codeArb(hashes: boolean, vm = false): fc.Arbitrary<TxSpec> {
  const body = fc.oneof(
    { weight: 5, arbitrary: vm ? vmBody(hashes) : fc.array(stmtArb(hashes), { minLength: 1, maxLength: 8 }) },
    { weight: 1, arbitrary: fc.array(deltaStmt, { minLength: 1, maxLength: 3 }) },
  );
  return fc.record({ kind: fc.constant('code' as const), body, gas: txGas });
}

/** Fields the random programs (balance) and the contracts use, drawn for every pre-state. */
const PRE_FIELDS = [FIELD.balance, FIELD.token, FIELD.seq, FIELD.custody, FIELD.reserve0, FIELD.reserve1, FIELD.price, FIELD.status];
/** The contracts' counters, drawn too with BlockArbOptions.contractState. */
const COUNTER_FIELDS = [FIELD.supply, FIELD.nfts, FIELD.round, FIELD.treasury, FIELD.handoffs];

const preEntry: fc.Arbitrary<PreEntry> = fc.record({
  entity: rawEntity,
  field: fc.constantFrom(...PRE_FIELDS),
  value: fc.oneof({ weight: 8, arbitrary: small }, { weight: 1, arbitrary: extreme }),
});

/** A supply a few mints below MAX_SUPPLY, or at it: nft-mint's bound is then met within a block. */
const nearSupplyCap = fc.integer({ min: MAX_SUPPLY - 3, max: MAX_SUPPLY });

const contractPreEntry: fc.Arbitrary<PreEntry> = fc.record({
  entity: rawEntity,
  field: fc.constantFrom(...PRE_FIELDS, ...COUNTER_FIELDS),
  value: fc.oneof({ weight: 8, arbitrary: small }, { weight: 1, arbitrary: extreme }, { weight: 1, arbitrary: nearSupplyCap }),
});

/** A small limit stops the block part-way (skip-rest); the exact point depends on gas used, hence on reads. */
const gasLimitArb = (maxTxs: number): fc.Arbitrary<number | null> => fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 60 * maxTxs }) });

/** A random program that declares a footprint: no statement of it computes a key. */
function declaredCodeArb(hashes: boolean): fc.Arbitrary<TxSpec> {
  const body = fc.oneof(
    { weight: 5, arbitrary: fc.array(stmtArb(hashes, false, false), { minLength: 1, maxLength: 8 }) },
    { weight: 1, arbitrary: fc.array(deltaStmt, { minLength: 1, maxLength: 3 }) },
  );
  return fc.record({ kind: fc.constant('code' as const), body, gas: txGas });
}

/** A transaction whose program declares a footprint: mostly contract calls, some random programs of constant keys. */
const declaredTxArb = (hashes: boolean): fc.Arbitrary<TxSpec> => fc.oneof({ weight: 2, arbitrary: callArb(hashes) }, { weight: 1, arbitrary: declaredCodeArb(hashes) });

/** A barrier: a random program that computes a key first, so it declares no footprint. */
const barrierTxArb = (hashes: boolean): fc.Arbitrary<TxSpec> => fc.record({
  kind: fc.constant('code' as const),
  body: fc.tuple(fc.oneof(readAtStmt, writeAtStmt), fc.array(stmtArb(hashes), { maxLength: 4 })).map(([first, rest]) => [first, ...rest]),
  gas: txGas,
});

/**
 * Window lengths the shaped blocks draw around: the modular executor plans a window in chunks of
 * 64, 128, 256, ... transactions (executor.ts FIRST_CHUNK) and reads it back in chunks of 512
 * (collect.ts COLLECT_CHUNK), so a window one short of, at and one past each edge is where an
 * off-by-one in either shows. Not imported: properties do not follow the executors' constants,
 * which a change there must not quietly move the blocks away from.
 */
export const WINDOW_EDGES = [64, 128, 512, 1024] as const;
const windowLength = fc.tuple(fc.constantFrom(...WINDOW_EDGES), fc.integer({ min: -1, max: 1 })).map(([edge, off]) => edge + off);

/** The shapes a shaped block draw takes (BlockArbOptions.shapes), with their weights. */
export const BLOCK_SHAPES = { random: 2, contracts: 1, windows: 2, hot: 1 } as const;

/** The key counts of hot blocks: a few, so that contract calls share the hot key's entity too. */
export const HOT_KEYS = [1, 2, 3] as const;

/** The key counts of windowed blocks: contended enough to make lanes wait on each other, not so much that the preflight sends them away. */
const WINDOW_KEYS = [10, 100, 10_000] as const;

/**
 * A block of declared windows (WINDOW_EDGES) each followed by a barrier, cut at maxTxs: its first
 * window reaches the preflight's 512 transactions (impl/preflight.ts PREFLIGHT_PREFIX) only when
 * it is that long, so most of them run on the lanes, window by window.
 */
function windowedSpecArb(o: BlockArbOptions, hashes: boolean): fc.Arbitrary<BlockSpec> {
  const min = o.minTxs ?? 1;
  const max = o.maxTxs ?? 20;
  return fc.array(windowLength, { minLength: 1, maxLength: 3 }).chain((lengths) => {
    const declared = Math.min(max, Math.max(min, lengths.reduce((a, b) => a + b, 0)));
    return fc.record({
      keys: fc.constantFrom(...(o.keys ?? WINDOW_KEYS)),
      pre: fc.array(o.contractState ? contractPreEntry : preEntry, { minLength: 1, maxLength: 12 }),
      windows: fc.array(declaredTxArb(hashes), { minLength: declared, maxLength: declared }),
      barriers: fc.array(barrierTxArb(hashes), { minLength: lengths.length, maxLength: lengths.length }),
      gasLimit: gasLimitArb(max),
    }).map(({ windows, barriers, ...rest }): BlockSpec => {
      const txs: TxSpec[] = [];
      let at = 0;
      lengths.forEach((length, i) => {
        txs.push(...windows.slice(at, at + length));
        at += length;
        if (at < windows.length) txs.push(barriers[i]!);
      });
      txs.push(...windows.slice(at));
      return { ...rest, txs: txs.slice(0, max) };
    });
  });
}

/** The hot key's read, increment and write-back that a hot program starts with (in value register 3, which its statements may use too). */
const HOT_START: readonly Stmt[] = [{ s: 'read', dst: 3, key: 0 }, { s: 'addi', dst: 3, imm: 1 }, { s: 'write', key: 0, src: 3 }];

/** A random program of constant keys that starts by incrementing entity 0's balance, the block's hot key. */
const hotCodeArb = (hashes: boolean): fc.Arbitrary<TxSpec> => fc.record({
  kind: fc.constant('code' as const),
  body: fc.array(stmtArb(hashes, false, false), { maxLength: 6 }).map((rest) => [...HOT_START, ...rest]),
  gas: txGas,
});

/**
 * Blocks whose every program declares a footprint, drawn over one hot key: four in five
 * transactions are random programs of constant keys that start by incrementing it, the others
 * contract calls. The preflight looks at such a block, and from 256 transactions on sends it to
 * the sequential executor (impl/preflight.ts): without the hot key, contract calls of different
 * kinds touch different fields and chained too little of a block to be sent there (a parallelism
 * of 1.4-2.6 in a sample over 1 to 3 entities), which footprint-lies.ts's large lying blocks need.
 */
export function hotBlockSpecArb(o: BlockArbOptions = {}): fc.Arbitrary<BlockSpec> {
  const hashes = o.hashes ?? true;
  const maxTxs = o.maxTxs ?? 20;
  return fc.record({
    keys: fc.constantFrom(...(o.keys ?? CONTENTION_LEVELS)),
    pre: fc.array(o.contractState ? contractPreEntry : preEntry, { minLength: 1, maxLength: 12 }),
    txs: fc.array(fc.oneof({ weight: 4, arbitrary: hotCodeArb(hashes) }, { weight: 1, arbitrary: callArb(hashes) }), { minLength: o.minTxs ?? 1, maxLength: maxTxs, size: 'max' }),
    gasLimit: gasLimitArb(maxTxs),
  });
}

/** Arbitrary block specs; shrinking yields few transactions, short programs and a single hot key. */
export function blockSpecArb(o: BlockArbOptions = {}): fc.Arbitrary<BlockSpec> {
  // Before the shapes: their windows' barriers and their hot blocks are random programs.
  if (o.contracts) return contractBlockSpecArb(o, o.contracts);
  if (o.shapes) {
    const plain = { ...o, shapes: false };
    return fc.oneof(
      { weight: BLOCK_SHAPES.random, arbitrary: blockSpecArb(plain) },
      { weight: BLOCK_SHAPES.contracts, arbitrary: blockSpecArb({ ...plain, mix: 'contracts' }) },
      { weight: BLOCK_SHAPES.windows, arbitrary: windowedSpecArb(plain, o.hashes ?? true) },
      { weight: BLOCK_SHAPES.hot, arbitrary: hotBlockSpecArb({ ...plain, keys: o.keys ?? HOT_KEYS }) },
    );
  }
  const hashes = o.hashes ?? true;
  const mix = o.mix ?? 'mixed';
  const vm = o.vm ?? false;
  const tx = mix === 'code' ? codeArb(hashes, vm) : mix === 'contracts' ? callArb(hashes) : fc.oneof({ weight: 3, arbitrary: codeArb(hashes, vm) }, { weight: 2, arbitrary: callArb(hashes) });
  const maxTxs = o.maxTxs ?? 20;
  return fc.record({
    keys: fc.constantFrom(...(o.keys ?? CONTENTION_LEVELS)),
    pre: fc.array(o.contractState ? contractPreEntry : preEntry, { minLength: 1, maxLength: 12 }),
    // size 'max': fast-check's default size would cap blocks at about a dozen transactions.
    txs: fc.array(tx, { minLength: o.minTxs ?? 1, maxLength: maxTxs, size: 'max' }),
    gasLimit: gasLimitArb(maxTxs),
  });
}

/** Blocks of calls of the contracts `only` names alone (BlockArbOptions.contracts). */
function contractBlockSpecArb(o: BlockArbOptions, only: readonly string[]): fc.Arbitrary<BlockSpec> {
  const maxTxs = o.maxTxs ?? 20;
  return fc.record({
    keys: fc.constantFrom(...(o.keys ?? CONTENTION_LEVELS)),
    pre: fc.array(o.contractState ? contractPreEntry : preEntry, { minLength: 1, maxLength: 12 }),
    txs: fc.array(callArb(o.hashes ?? true, only), { minLength: o.minTxs ?? 1, maxLength: maxTxs, size: 'max' }),
    gasLimit: gasLimitArb(maxTxs),
  });
}

export function blockArb(o: BlockArbOptions = {}): fc.Arbitrary<Block> {
  return blockSpecArb(o).map(buildBlock);
}

function keyExprOps(dst: string, at: number, keys: number): ReadableOp[] {
  // key = (((v mod keys) + keys) mod keys) * STRIDE: always inside the block's key space, whatever v is.
  return [
    ['const', 'r15', keys], ['mod', dst, `r${at}`, 'r15'], ['add', dst, dst, 'r15'], ['mod', dst, dst, 'r15'], ['muli', dst, dst, STRIDE],
  ];
}

/** The key a statement's raw entity names in a key space of `keys` entities. */
const stmtKey = (raw: number, keys: number): number => keyOf(raw % keys, 'balance');

/**
 * A random program's footprint where every key it touches is a constant: each key with the kinds
 * of access its statements make, a delta with its bounds, so it covers every access the VM makes
 * (a read after the program's own write of the key is declared, though the VM answers it from the
 * write and does not read the state). A DELTA on a key the program also reads or
 * writes is a write of a value computed from the state (the VM reports it so), declared as read and
 * write, which covers it; on a key touched only by DELTAs it is a delta-add. One that computes a
 * key (readAt, writeAt) may touch any key in the block's space and declares none, so an executor
 * that schedules by footprints orders it against every transaction. So a scheduler that trusts
 * footprints is checked on the random programs as well as on the contracts: on reads and writes of
 * contended keys, and on bounded delta-adds whose bounds the small pre-state values reach.
 */
/** Statements whose key is computed, for which a program's footprint can declare nothing. */
export const COMPUTED_KEY_STMTS: ReadonlySet<Stmt['s']> = new Set(['readAt', 'writeAt', 'readRaw', 'writeRaw']);

export function programFootprint(body: readonly Stmt[], keys: number): Footprint | undefined {
  if (body.some((st) => COMPUTED_KEY_STMTS.has(st.s))) return undefined;
  const plain = new Set(body.flatMap((st) => (st.s === 'read' || st.s === 'write' ? [stmtKey(st.key, keys)] : [])));
  const entries = new Map<string, FootprintEntry>();
  const declare = (e: FootprintEntry) => entries.set(JSON.stringify(e), e);
  for (const st of body) {
    if (st.s === 'read' || st.s === 'write') declare({ key: { add: stmtKey(st.key, keys) }, access: st.s });
    else if (st.s === 'delta' || st.s === 'deltaBy') {
      const add = stmtKey(st.key, keys);
      if (plain.has(add)) {
        declare({ key: { add }, access: 'read' });
        declare({ key: { add }, access: 'write' });
      } else declare({ key: { add }, access: 'delta', lo: st.lo, hi: st.hi });
    }
  }
  return [...entries.values()];
}

const VM_STMTS: ReadonlySet<Stmt['s']> = new Set(['set', 'arith', 'muli', 'readRaw', 'writeRaw', 'deltaBy']);

/**
 * The bytecode of one random program over a key space of `keys` entities. A program with
 * VM-corner statements ends by emitting its value registers, so that what its arithmetic computed
 * shows in the receipt even where nothing wrote it.
 */
export function programOps(body: readonly Stmt[], keys: number): ReadableOp[] {
  const key = (raw: number) => stmtKey(raw, keys);
  const ops: ReadableOp[] = [];
  body.forEach((st, i) => {
    switch (st.s) {
      case 'read':
        ops.push(['const', 'r12', key(st.key)], ['read', `r${st.dst}`, 'r12']);
        break;
      case 'readAt':
        ops.push(...keyExprOps('r12', st.at, keys), ['read', `r${st.dst}`, 'r12']);
        break;
      case 'write':
        ops.push(['const', 'r12', key(st.key)], ['write', 'r12', `r${st.src}`]);
        break;
      case 'writeAt':
        ops.push(...keyExprOps('r12', st.at, keys), ['write', 'r12', `r${st.src}`]);
        break;
      case 'addi':
        ops.push(['addi', `r${st.dst}`, `r${st.dst}`, st.imm]);
        break;
      case 'delta':
        ops.push(['const', 'r12', key(st.key)], ['const', 'r13', st.amount], ['delta', 'r12', 'r13', st.lo, st.hi]);
        break;
      case 'revertIf':
        ops.push(['const', 'r13', st.below], ['lt', 'r14', `r${st.src}`, 'r13'], ['not', 'r14', 'r14'], ['jumpi', 'r14', `ok${i}`], ['revert', st.code], ['label', `ok${i}`]);
        break;
      case 'emit':
        ops.push(['emit', `r${st.src}`]);
        break;
      case 'hash':
        ops.push(['hash', `r${st.dst}`, `r${st.dst}`, st.iterations]);
        break;
      case 'set':
        ops.push(['const', `r${st.dst}`, st.value]);
        break;
      case 'arith':
        ops.push(st.op === 'not' ? ['not', `r${st.dst}`, `r${st.a}`] : [st.op, `r${st.dst}`, `r${st.a}`, `r${st.b}`]);
        break;
      case 'muli':
        ops.push(['muli', `r${st.dst}`, `r${st.dst}`, st.imm]);
        break;
      case 'readRaw':
        ops.push(['read', `r${st.dst}`, `r${st.at}`]);
        break;
      case 'writeRaw':
        ops.push(['write', `r${st.at}`, `r${st.src}`]);
        break;
      case 'deltaBy':
        ops.push(['const', 'r12', key(st.key)], ['delta', 'r12', `r${st.src}`, st.lo, st.hi]);
        break;
      case 'burn':
        ops.push(
          ['const', 'r15', 8], ['mod', 'r14', `r${st.src}`, 'r15'], ['add', 'r14', 'r14', 'r15'], ['mod', 'r14', 'r14', 'r15'],
          ['label', `loop${i}`], ['jumpi', 'r14', `more${i}`], ['jump', `done${i}`],
          ['label', `more${i}`], ['addi', 'r14', 'r14', -1], ['jump', `loop${i}`], ['label', `done${i}`],
        );
        break;
    }
  });
  if (body.some((st) => VM_STMTS.has(st.s))) for (let r = 0; r < VALUE_REGS; r++) ops.push(['emit', `r${r}`]);
  return ops;
}

const contractCache = new Map<string, Program>();

/** Contract programs are immutable, so one assembled copy serves every generated block. */
function contractProgramCached(name: string, hashCost: number): Program {
  const id = `${name}#${hashCost}`;
  let p = contractCache.get(id);
  if (!p) contractCache.set(id, (p = contractProgram(name, hashCost)));
  return p;
}

/** Builds the Block a spec describes. Entities stay unnamed (#3.balance): with 10,000 keys a name list would cost more than the block. */
export function buildBlock(spec: BlockSpec): Block {
  const { keys } = spec;
  const entity = (raw: number) => raw % keys;
  const programs: Program[] = [];
  const contractIds = new Map<string, number>();
  const txs: Transaction[] = spec.txs.map((t, i): Transaction => {
    if (t.kind === 'code') {
      const footprint = programFootprint(t.body, keys);
      programs.push({ name: `tx${i}`, code: assemble(programOps(t.body, keys)), arity: 0, ...(footprint ? { footprint } : {}) });
      return { program: programs.length - 1, args: [], gasLimit: t.gas };
    }
    const def = CONTRACTS.get(t.contract)!;
    const id = `${t.contract}#${t.hashCost}`;
    let p = contractIds.get(id);
    if (p === undefined) {
      p = programs.length;
      programs.push(contractProgramCached(t.contract, t.hashCost));
      contractIds.set(id, p);
    }
    const args = def.params.map((q, j) => (q.kind === 'entity' ? entity(t.args[j]!) : t.args[j]!));
    return { program: p, args, gasLimit: t.gas };
  });
  const preState = new Map<number, number>();
  // Contract parties start funded (unless the spec sets the key), so calls mostly succeed until
  // they compete for the same funds, which is where order matters.
  for (const t of spec.txs) {
    if (t.kind !== 'call') continue;
    CONTRACTS.get(t.contract)!.params.forEach((q, j) => {
      if (q.kind !== 'entity') return;
      const e = entity(t.args[j]!);
      for (const f of FUNDED) preState.set(keyOf(e, f), FUNDS);
    });
  }
  for (const e of spec.pre) preState.set(entity(e.entity) * STRIDE + e.field, e.value);
  // In key order, as a block file holds it (spec/block-file.ts writeBlock): an engine whose table
  // or partition follows the order it is handed the keys in sees the same block in a failure's
  // rerun from its file as it did in verify.
  const ordered = new Map([...preState].sort(([a], [b]) => a - b));
  return { programs, txs, preState: ordered, gasLimit: spec.gasLimit ?? DEFAULT_BLOCK_GAS_LIMIT };
}
