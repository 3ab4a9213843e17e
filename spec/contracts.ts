// The contract library: realistic transactions written in Concord's bytecode, each with the
// footprint it declares (the keys it may touch, as functions of its arguments).
// Key layout shared by every contract: an entity (account, pool, shipment, oracle, collection)
// has an index e, and its field f lives at key e * STRIDE + f. Keys are therefore computed from
// argument values at run time, as in real contracts, while footprints stay statically known.
// Invariant: every key a contract can touch is inside its declared footprint (checked with z3 by
// `concord prove`), and `hashCost` only adds a HASH (the stand-in for signature checks) without
// changing any state effect.

import { assemble, type ReadableOp } from './bytecode.js';
import type { AccessKind, Footprint, FootprintEntry, Program } from './block.js';
import { MAX_VALUE } from './values.js';

export const STRIDE = 16;
export const FIELDS = [
  'balance', 'seq', 'token', 'reserve0', 'reserve1', 'custody', 'status', 'price',
  'supply', 'nfts', 'round', 'treasury', 'handoffs', 'f13', 'f14', 'f15',
] as const;
export type Field = (typeof FIELDS)[number];
export const FIELD: Readonly<Record<Field, number>> = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<Field, number>;
/** Entities are limited so every computed key stays below KEY_LIMIT. */
export const MAX_ENTITY = 2 ** 28 - 1;

export function keyOf(entity: number, field: Field): number {
  return entity * STRIDE + FIELD[field];
}

/** "alice.balance" for a key, using entity names where known. */
export function keyName(key: number, entityNames?: readonly string[]): string {
  const entity = Math.floor(key / STRIDE);
  return `${entityNames?.[entity] ?? `#${entity}`}.${FIELDS[key % STRIDE]}`;
}

/** Reverts contracts raise (codes >= 0). */
export const REVERT = { BAD_SEQ: 1, INSUFFICIENT: 2, SLIPPAGE: 3, NOT_CUSTODIAN: 4, DELIVERED: 5, NOT_REPORTER: 6, NEGATIVE_AMOUNT: 7 } as const;

export type ParamKind = 'entity' | 'value';

export interface ContractDef {
  readonly name: string;
  readonly doc: string;
  readonly params: readonly { readonly name: string; readonly kind: ParamKind }[];
  readonly footprint: Footprint;
  /** The program body; `hashCost` iterations of sha256 are prepended by `contractProgram`. */
  readonly body: readonly ReadableOp[];
}

function fp(arg: number, field: Field, ...access: AccessKind[]): FootprintEntry[] {
  return access.map((a) => ({ key: { arg, mul: STRIDE, add: FIELD[field] }, access: a }));
}

function deltaFp(arg: number, field: Field, lo: number, hi: number): FootprintEntry {
  return { key: { arg, mul: STRIDE, add: FIELD[field] }, access: 'delta', lo, hi };
}

/**
 * Reverts when the amount in register `amount` is negative: without it a "transfer" of -x pulls
 * value from the receiver (z3 found this for amm-swap, where it lowered the constant product).
 */
function nonNegative(amount: string): ReadableOp[] {
  return [['const', 'r14', 0], ['lt', 'r14', amount, 'r14'], ['jumpi', 'r14', 'negative']];
}

const NEGATIVE: ReadableOp[] = [['label', 'negative'], ['revert', REVERT.NEGATIVE_AMOUNT]];

/** Loads the key of field of the entity in register `entity` into register `dst`. */
function key(dst: string, entity: string, field: Field): ReadableOp[] {
  return [['muli', dst, entity, STRIDE], ['addi', dst, dst, FIELD[field]]];
}

export const MAX_SUPPLY = 1_000_000;

const defs: ContractDef[] = [
  {
    name: 'p2p',
    doc: 'Block-STM paper transfer: checks and bumps the sender sequence number, moves amount of balance',
    params: [{ name: 'from', kind: 'entity' }, { name: 'to', kind: 'entity' }, { name: 'amount', kind: 'value' }, { name: 'seq', kind: 'value' }],
    footprint: [...fp(0, 'seq', 'read', 'write'), ...fp(0, 'balance', 'read', 'write'), ...fp(1, 'balance', 'read', 'write')],
    body: [
      ...nonNegative('r2'),
      ...key('r4', 'r0', 'seq'), ['read', 'r5', 'r4'], ['eq', 'r6', 'r5', 'r3'], ['jumpi', 'r6', 'seq_ok'], ['revert', REVERT.BAD_SEQ],
      ['label', 'seq_ok'],
      ...key('r7', 'r0', 'balance'), ['read', 'r8', 'r7'], ['lt', 'r6', 'r8', 'r2'], ['jumpi', 'r6', 'poor'],
      ['sub', 'r8', 'r8', 'r2'], ['write', 'r7', 'r8'], ['addi', 'r5', 'r5', 1], ['write', 'r4', 'r5'],
      ...key('r9', 'r1', 'balance'), ['read', 'r10', 'r9'], ['add', 'r10', 'r10', 'r2'], ['write', 'r9', 'r10'], ['stop'],
      ['label', 'poor'], ['revert', REVERT.INSUFFICIENT], ...NEGATIVE,
    ],
  },
  {
    name: 'token',
    doc: 'Token transfer: debits the sender, credits the receiver with a commutative delta-add',
    params: [{ name: 'from', kind: 'entity' }, { name: 'to', kind: 'entity' }, { name: 'amount', kind: 'value' }],
    footprint: [...fp(0, 'token', 'read', 'write'), deltaFp(1, 'token', 0, MAX_VALUE)],
    body: [
      ...nonNegative('r2'),
      ...key('r4', 'r0', 'token'), ['read', 'r5', 'r4'], ['lt', 'r6', 'r5', 'r2'], ['jumpi', 'r6', 'poor'],
      ['sub', 'r5', 'r5', 'r2'], ['write', 'r4', 'r5'],
      ...key('r7', 'r1', 'token'), ['delta', 'r7', 'r2', 0, MAX_VALUE], ['stop'],
      ['label', 'poor'], ['revert', REVERT.INSUFFICIENT], ...NEGATIVE,
    ],
  },
  {
    name: 'amm-swap',
    doc: 'Constant-product swap: sells amountIn tokens to the pool for at least minOut balance (hot pool reserves)',
    params: [{ name: 'pool', kind: 'entity' }, { name: 'trader', kind: 'entity' }, { name: 'amountIn', kind: 'value' }, { name: 'minOut', kind: 'value' }],
    footprint: [
      ...fp(0, 'reserve0', 'read', 'write'), ...fp(0, 'reserve1', 'read', 'write'),
      ...fp(1, 'token', 'read', 'write'), deltaFp(1, 'balance', 0, MAX_VALUE),
    ],
    body: [
      ...nonNegative('r2'),
      ...key('r4', 'r1', 'token'), ['read', 'r5', 'r4'], ['lt', 'r6', 'r5', 'r2'], ['jumpi', 'r6', 'poor'],
      ...key('r7', 'r0', 'reserve0'), ['read', 'r8', 'r7'], ...key('r9', 'r0', 'reserve1'), ['read', 'r10', 'r9'],
      ['add', 'r11', 'r8', 'r2'], ['mul', 'r12', 'r10', 'r2'], ['div', 'r12', 'r12', 'r11'],
      ['lt', 'r6', 'r12', 'r3'], ['jumpi', 'r6', 'slip'],
      ['sub', 'r5', 'r5', 'r2'], ['write', 'r4', 'r5'], ['write', 'r7', 'r11'], ['sub', 'r10', 'r10', 'r12'], ['write', 'r9', 'r10'],
      ...key('r13', 'r1', 'balance'), ['delta', 'r13', 'r12', 0, MAX_VALUE], ['emit', 'r12'], ['stop'],
      ['label', 'poor'], ['revert', REVERT.INSUFFICIENT],
      ['label', 'slip'], ['revert', REVERT.SLIPPAGE], ...NEGATIVE,
    ],
  },
  {
    name: 'nft-mint',
    doc: 'NFT mint: pays price to the collection treasury and bumps the global supply counter, both by delta-add (bounded by MAX_SUPPLY)',
    params: [{ name: 'collection', kind: 'entity' }, { name: 'minter', kind: 'entity' }, { name: 'price', kind: 'value' }],
    footprint: [
      ...fp(1, 'balance', 'read', 'write'), deltaFp(1, 'nfts', 0, MAX_VALUE),
      deltaFp(0, 'supply', 0, MAX_SUPPLY), deltaFp(0, 'treasury', 0, MAX_VALUE),
    ],
    body: [
      ...nonNegative('r2'),
      ...key('r4', 'r1', 'balance'), ['read', 'r5', 'r4'], ['lt', 'r6', 'r5', 'r2'], ['jumpi', 'r6', 'poor'],
      ['sub', 'r5', 'r5', 'r2'], ['write', 'r4', 'r5'], ['const', 'r7', 1],
      ...key('r8', 'r0', 'supply'), ['delta', 'r8', 'r7', 0, MAX_SUPPLY],
      ...key('r9', 'r0', 'treasury'), ['delta', 'r9', 'r2', 0, MAX_VALUE],
      ...key('r10', 'r1', 'nfts'), ['delta', 'r10', 'r7', 0, MAX_VALUE], ['stop'],
      ['label', 'poor'], ['revert', REVERT.INSUFFICIENT], ...NEGATIVE,
    ],
  },
  {
    name: 'handoff',
    doc: "Supply-chain hand-off: the current custodian passes a shipment on, advancing its status (3 = delivered)",
    params: [{ name: 'shipment', kind: 'entity' }, { name: 'from', kind: 'entity' }, { name: 'to', kind: 'entity' }],
    footprint: [...fp(0, 'custody', 'read', 'write'), ...fp(0, 'status', 'read', 'write'), deltaFp(1, 'handoffs', 0, MAX_VALUE)],
    body: [
      ...key('r4', 'r0', 'custody'), ['read', 'r5', 'r4'], ['eq', 'r6', 'r5', 'r1'], ['jumpi', 'r6', 'holder'], ['revert', REVERT.NOT_CUSTODIAN],
      ['label', 'holder'],
      ...key('r7', 'r0', 'status'), ['read', 'r8', 'r7'], ['const', 'r9', 3], ['lt', 'r6', 'r8', 'r9'], ['jumpi', 'r6', 'open'], ['revert', REVERT.DELIVERED],
      ['label', 'open'],
      ['write', 'r4', 'r2'], ['addi', 'r8', 'r8', 1], ['write', 'r7', 'r8'],
      ...key('r10', 'r1', 'handoffs'), ['const', 'r11', 1], ['delta', 'r10', 'r11', 0, MAX_VALUE], ['emit', 'r8'], ['stop'],
    ],
  },
  {
    name: 'oracle-update',
    doc: "Oracle price update by the oracle's registered reporter (custody field): writes the price, bumps the round",
    params: [{ name: 'oracle', kind: 'entity' }, { name: 'reporter', kind: 'entity' }, { name: 'price', kind: 'value' }],
    footprint: [...fp(0, 'custody', 'read'), ...fp(0, 'price', 'write'), ...fp(0, 'round', 'read', 'write')],
    body: [
      ...nonNegative('r2'),
      ...key('r4', 'r0', 'custody'), ['read', 'r5', 'r4'], ['eq', 'r6', 'r5', 'r1'], ['jumpi', 'r6', 'ok'], ['revert', REVERT.NOT_REPORTER],
      ['label', 'ok'],
      ...key('r7', 'r0', 'price'), ['write', 'r7', 'r2'],
      ...key('r8', 'r0', 'round'), ['read', 'r9', 'r8'], ['addi', 'r9', 'r9', 1], ['write', 'r8', 'r9'], ['stop'],
      ...NEGATIVE,
    ],
  },
  {
    name: 'oracle-trade',
    doc: 'Buys qty tokens at the oracle price: reads the price, debits price*qty of balance, credits tokens by delta',
    params: [{ name: 'oracle', kind: 'entity' }, { name: 'trader', kind: 'entity' }, { name: 'qty', kind: 'value' }],
    footprint: [...fp(0, 'price', 'read'), ...fp(1, 'balance', 'read', 'write'), deltaFp(1, 'token', 0, MAX_VALUE)],
    body: [
      ...nonNegative('r2'),
      ...key('r4', 'r0', 'price'), ['read', 'r5', 'r4'], ['mul', 'r6', 'r5', 'r2'],
      ...key('r7', 'r1', 'balance'), ['read', 'r8', 'r7'], ['lt', 'r9', 'r8', 'r6'], ['jumpi', 'r9', 'poor'],
      ['sub', 'r8', 'r8', 'r6'], ['write', 'r7', 'r8'],
      ...key('r10', 'r1', 'token'), ['delta', 'r10', 'r2', 0, MAX_VALUE], ['emit', 'r6'], ['stop'],
      ['label', 'poor'], ['revert', REVERT.INSUFFICIENT], ...NEGATIVE,
    ],
  },
];

export const CONTRACTS: ReadonlyMap<string, ContractDef> = new Map(defs.map((d) => [d.name, d]));

/** The readable program of a contract at a given hash cost (sha256 iterations over its first argument). */
export function contractOps(def: ContractDef, hashCost: number): ReadableOp[] {
  return hashCost > 0 ? [['hash', 'r15', 'r0', hashCost], ...def.body] : [...def.body];
}

export function contractProgram(name: string, hashCost: number): Program {
  const def = CONTRACTS.get(name);
  if (!def) throw new Error(`unknown contract "${name}" (known: ${[...CONTRACTS.keys()].join(', ')})`);
  return {
    name: hashCost > 0 ? `${name}#${hashCost}` : name,
    code: assemble(contractOps(def, hashCost)),
    footprint: def.footprint,
    arity: def.params.length,
    contract: { name, hashCost },
  };
}
