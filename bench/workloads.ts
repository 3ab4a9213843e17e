// Seeded block generators: the workloads every benchmark, test and `concord gen` uses.
// Invariant: a workload name plus its parameters determines the block bit for bit (same seed,
// same block on every machine and Node version), so a result file names its block exactly.

import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { Block, Program, Transaction } from '../spec/block.js';
import { DEFAULT_BLOCK_GAS_LIMIT } from '../spec/block.js';
import { contractProgram, keyOf } from '../spec/contracts.js';
import { describeValue } from '../spec/messages.js';
import { seedState } from '../spec/seed.js';

/**
 * sha256 iterations per transaction by default: about 3 us each here, so a p2p transfer costs
 * about 10 us, the price of a signature check.
 */
export const DEFAULT_HASH_COST = 3;
export const TX_GAS_LIMIT = 1_000_000;
/**
 * The most sha256 iterations a generated transaction can afford: each costs 30 gas (spec/vm.ts),
 * and the contracts' own code needs well under 10,000 of TX_GAS_LIMIT. Beyond it every
 * transaction would run out of gas before hashing, and a benchmark would time nothing.
 */
export const MAX_WORKLOAD_HASH_COST = Math.floor((TX_GAS_LIMIT - 10_000) / 30);
/** A million accounts is a 51 MB block file and 180-370 MB of pre-state in memory; V8's Map stops at 2^24 entries. */
export const MAX_ACCOUNTS = 1_000_000;
export const MAX_TXS = 1_000_000;

export interface WorkloadParams {
  readonly accounts: number;
  readonly txs: number;
  readonly seed: number;
  readonly hashCost: number;
  /** Zipf exponent of hot-spot choice (defi only); 0 is uniform. */
  readonly zipf?: number;
}

export interface Workload {
  readonly name: string;
  readonly doc: string;
  generate(p: WorkloadParams): Block;
}

type Rng = ReturnType<typeof xoroshiro128plusFromState>;

/** The generator for a seed, from all of its bits (spec/seed.ts): seeds below 2^32 give the blocks they always gave. */
function seeded(seed: number): Rng {
  return xoroshiro128plusFromState(seedState(seed));
}

/** Draws indices in [0, n) with P(i) proportional to 1 / (i + 1)^s. */
function zipf(n: number, s: number): (rng: Rng) => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / (i + 1) ** s;
  return (rng) => {
    const u = uniformFloat64(rng) * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Collects programs, transactions, pre-state and entity names while a generator runs. */
function builder(hashCost: number) {
  const programs: Program[] = [];
  const programIds = new Map<string, number>();
  const txs: Transaction[] = [];
  const preState = new Map<number, number>();
  const entityNames: string[] = [];
  return {
    preState,
    entity(name: string): number {
      entityNames.push(name);
      return entityNames.length - 1;
    },
    call(contract: string, args: number[]): void {
      let p = programIds.get(contract);
      if (p === undefined) {
        p = programs.length;
        programs.push(contractProgram(contract, hashCost));
        programIds.set(contract, p);
      }
      txs.push({ program: p, args, gasLimit: TX_GAS_LIMIT });
    },
    block(): Block {
      return { programs, txs, preState, gasLimit: DEFAULT_BLOCK_GAS_LIMIT, entityNames };
    },
  };
}

const START_BALANCE = 1_000_000_000;

function accounts(b: ReturnType<typeof builder>, n: number, fields: ('balance' | 'token')[]): number[] {
  return Array.from({ length: n }, (_, i) => {
    const e = b.entity(`acct${i}`);
    for (const f of fields) b.preState.set(keyOf(e, f), START_BALANCE);
    return e;
  });
}

function pickOther(rng: Rng, n: number, not: number): number {
  if (n < 2) return not;
  const j = uniformInt(rng, 0, n - 2);
  return j >= not ? j + 1 : j;
}

function p2p(p: WorkloadParams): Block {
  const rng = seeded(p.seed);
  const b = builder(p.hashCost);
  const acct = accounts(b, p.accounts, ['balance']);
  const seq = new Array<number>(p.accounts).fill(0);
  for (let i = 0; i < p.txs; i++) {
    const from = uniformInt(rng, 0, p.accounts - 1);
    const to = pickOther(rng, p.accounts, from);
    b.call('p2p', [acct[from]!, acct[to]!, uniformInt(rng, 1, 1000), seq[from]!++]);
  }
  return b.block();
}

function token(p: WorkloadParams): Block {
  const rng = seeded(p.seed);
  const b = builder(p.hashCost);
  const acct = accounts(b, p.accounts, ['token']);
  for (let i = 0; i < p.txs; i++) {
    const from = uniformInt(rng, 0, p.accounts - 1);
    b.call('token', [acct[from]!, acct[pickOther(rng, p.accounts, from)]!, uniformInt(rng, 1, 1000)]);
  }
  return b.block();
}

/** A mixed DeFi block: swaps on a few pools, mints, hand-offs, oracle updates and trades, all picked with Zipf-distributed hot spots. */
function defi(p: WorkloadParams): Block {
  const rng = seeded(p.seed);
  const b = builder(p.hashCost);
  const s = p.zipf ?? 1;
  const acct = accounts(b, p.accounts, ['balance', 'token']);
  const pickAccount = zipf(p.accounts, s);
  const pools = Array.from({ length: 4 }, (_, i) => {
    const e = b.entity(`pool${i}`);
    b.preState.set(keyOf(e, 'reserve0'), 1_000_000_000);
    b.preState.set(keyOf(e, 'reserve1'), 1_000_000_000);
    return e;
  });
  const collections = Array.from({ length: 2 }, (_, i) => b.entity(`nft${i}`));
  const oracles = Array.from({ length: 2 }, (_, i) => {
    const e = b.entity(`oracle${i}`);
    b.preState.set(keyOf(e, 'custody'), acct[0]!);
    b.preState.set(keyOf(e, 'price'), 100);
    return e;
  });
  const shipments = Array.from({ length: Math.max(1, p.accounts >> 2) }, (_, i) => {
    const e = b.entity(`ship${i}`);
    b.preState.set(keyOf(e, 'custody'), acct[i % p.accounts]!);
    return e;
  });
  const custody = shipments.map((_, i) => i % p.accounts);
  const status = shipments.map(() => 0);
  const pickPool = zipf(pools.length, s);
  const pickShipment = zipf(shipments.length, s);
  for (let i = 0; i < p.txs; i++) {
    const kind = uniformInt(rng, 0, 99);
    const who = pickAccount(rng);
    if (kind < 35) {
      b.call('amm-swap', [pools[pickPool(rng)]!, acct[who]!, uniformInt(rng, 1, 10_000), 0]);
    } else if (kind < 50) {
      b.call('token', [acct[who]!, acct[pickOther(rng, p.accounts, who)]!, uniformInt(rng, 1, 1000)]);
    } else if (kind < 65) {
      b.call('nft-mint', [collections[uniformInt(rng, 0, collections.length - 1)]!, acct[who]!, 10]);
    } else if (kind < 80) {
      const sh = pickShipment(rng);
      if (status[sh]! < 3) {
        const to = pickOther(rng, p.accounts, custody[sh]!);
        b.call('handoff', [shipments[sh]!, acct[custody[sh]!]!, acct[to]!]);
        custody[sh] = to;
        status[sh]!++;
      } else {
        b.call('handoff', [shipments[sh]!, acct[who]!, acct[pickOther(rng, p.accounts, who)]!]);
      }
    } else if (kind < 85) {
      b.call('oracle-update', [oracles[uniformInt(rng, 0, 1)]!, acct[0]!, uniformInt(rng, 50, 150)]);
    } else {
      b.call('oracle-trade', [oracles[uniformInt(rng, 0, 1)]!, acct[who]!, uniformInt(rng, 1, 100)]);
    }
  }
  return b.block();
}

function single(setup: (b: ReturnType<typeof builder>, acct: number[], rng: Rng, p: WorkloadParams) => void): (p: WorkloadParams) => Block {
  return (p) => {
    const rng = seeded(p.seed);
    const b = builder(p.hashCost);
    const acct = accounts(b, p.accounts, ['balance', 'token']);
    setup(b, acct, rng, p);
    return b.block();
  };
}

const list: Workload[] = [
  { name: 'p2p', doc: 'Block-STM paper transfers with sequence numbers between uniformly chosen accounts', generate: p2p },
  { name: 'token', doc: 'token transfers crediting the receiver by delta-add', generate: token },
  {
    name: 'amm', doc: 'constant-product swaps on one hot pool', generate: single((b, acct, rng, p) => {
      const pool = b.entity('pool0');
      b.preState.set(keyOf(pool, 'reserve0'), 1_000_000_000);
      b.preState.set(keyOf(pool, 'reserve1'), 1_000_000_000);
      for (let i = 0; i < p.txs; i++) b.call('amm-swap', [pool, acct[uniformInt(rng, 0, acct.length - 1)]!, uniformInt(rng, 1, 10_000), 0]);
    }),
  },
  {
    name: 'nft', doc: 'mints on one collection: a global supply counter by delta-add', generate: single((b, acct, rng, p) => {
      const c = b.entity('nft0');
      for (let i = 0; i < p.txs; i++) b.call('nft-mint', [c, acct[uniformInt(rng, 0, acct.length - 1)]!, 10]);
    }),
  },
  { name: 'defi', doc: 'mixed DeFi block (swaps, tokens, mints, hand-offs, oracles) with Zipf hot spots (--zipf S)', generate: defi },
];

export const WORKLOADS: ReadonlyMap<string, Workload> = new Map(list.map((w) => [w.name, w]));

/** The parameters generate() takes, with their defaults (zipf: absent, which defi reads as 1). */
export const WORKLOAD_DEFAULTS: Readonly<WorkloadParams> = Object.freeze({ accounts: 100, txs: 1000, seed: 1, hashCost: DEFAULT_HASH_COST });
const PARAMS = ['accounts', 'txs', 'seed', 'hashCost', 'zipf'] as const;

/**
 * The block of workload `name` with `params` (each absent one at its default). A library caller's
 * mistake is an Error naming the call and the parameter: an unknown workload or parameter (a typo
 * would otherwise be ignored and the default used), a value out of its range, a zipf for a
 * workload without hot spots. The CLI checks its flags first, in its own words.
 */
export function generate(name: string, params: Partial<WorkloadParams> | null = {}): Block {
  const w = WORKLOADS.get(name);
  const where = `generate(${JSON.stringify(name)})`;
  if (!w) throw new Error(`${where}: unknown workload (known: ${[...WORKLOADS.keys()].join(', ')})`);
  const unknown = Object.keys(params ?? {}).filter((k) => !(PARAMS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new Error(`${where}: unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: ${PARAMS.join(', ')})`);
  const given = Object.fromEntries(Object.entries(params ?? {}).filter(([, v]) => v !== undefined)) as Partial<WorkloadParams>;
  const p: WorkloadParams = { ...WORKLOAD_DEFAULTS, ...given };
  const check = (field: keyof WorkloadParams, min: number, max: number) => {
    const v: unknown = p[field];
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) throw new Error(`${where}: ${field} must be an integer from ${min} to ${max}, got ${describeValue(v)}`);
  };
  check('accounts', 1, MAX_ACCOUNTS);
  check('txs', 0, MAX_TXS);
  check('hashCost', 0, MAX_WORKLOAD_HASH_COST);
  check('seed', 0, Number.MAX_SAFE_INTEGER);
  if (p.zipf !== undefined) {
    if (name !== 'defi') throw new Error(`${where}: zipf shapes the defi workload's hot spots; ${name} has none`);
    if (typeof p.zipf !== 'number' || !Number.isFinite(p.zipf) || p.zipf < 0) throw new Error(`${where}: zipf must be a finite number >= 0, got ${describeValue(p.zipf)}`);
  }
  return w.generate(p);
}

