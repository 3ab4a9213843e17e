// The benchmark suites: the Block-STM paper's p2p grid, the contract mixes, the Zipf hot-spot
// DeFi block and a block over a large state, at full size or --quick size, plus single custom
// workloads and block files.
// Invariant: a workload id names its block exactly (generator, accounts, txs, seed, hash cost,
// zipf), so two results files with the same id measured the same block.

import { basename } from 'node:path';
import type { Block } from '../spec/block.js';
import { blockDigest } from '../spec/block-file.js';
import { withSharedState } from '../spec/shared-state.js';
import { generate, type WorkloadParams } from './workloads.js';
import type { BlockSource, SweepWorkload } from './sweep.js';

export const P2P_GRID_GROUP = 'Block-STM p2p grid';
export const MIXES_GROUP = 'contract mixes';
export const DEFI_GROUP = 'DeFi hot spot (Zipf)';
export const LARGE_STATE_GROUP = 'large state';
/** Accounts in the large-state block: a state a thousand times the block, as on a live chain. */
export const LARGE_STATE_ACCOUNTS = 1_000_000;
export const CUSTOM_GROUP = 'custom';

/** The Block-STM paper's grid: accounts x block size. */
export const P2P_ACCOUNTS = [2, 10, 100, 1000, 10_000];
export const P2P_TXS = [1000, 10_000];

export function workloadId(name: string, p: WorkloadParams): string {
  return `${name}-a${p.accounts}-t${p.txs}-s${p.seed}-h${p.hashCost}${p.zipf === undefined ? '' : `-z${p.zipf}`}`;
}

export function generated(name: string, p: WorkloadParams, group: string): SweepWorkload {
  const source: BlockSource = {
    kind: 'generated', workload: name, accounts: p.accounts, txs: p.txs, seed: p.seed, hashCost: p.hashCost,
    ...(p.zipf === undefined ? {} : { zipf: p.zipf }),
  };
  return { id: workloadId(name, p), group, source, block: generate(name, p) };
}

/**
 * The workload with its pre-state given as a SharedState (spec/shared-state.ts), built here, outside
 * every timing. Its id and source say so, so a results file never passes it for the Map-fed run
 * of the same block in `compare` or `report`.
 */
export function withSharedPreState(w: SweepWorkload): SweepWorkload {
  if (w.source.preState === 'shared') return w;
  return { ...w, id: sharedId(w.id), source: { ...w.source, preState: 'shared' }, block: withSharedState(w.block) };
}

const sharedId = (id: string): string => `${id}-shared`;

/**
 * Every workload of `list` with a SharedState pre-state, in order. One whose shared twin is in the
 * list already (the full suite's large-state block) is left out rather than built again.
 */
export function allSharedPreState(list: readonly SweepWorkload[]): SweepWorkload[] {
  const ids = new Set(list.map((w) => w.id));
  return list.filter((w) => w.source.preState === 'shared' || !ids.has(sharedId(w.id))).map(withSharedPreState);
}

/**
 * A block file's workload. Its id names the file and a digest of the block it holds, so results
 * files agree on it whatever path reached the file (`blk.json`, `./blk.json`), and two different
 * blocks of one name in different folders never pass for one in `compare` or `report`.
 */
export function fromFile(path: string, block: Block): SweepWorkload {
  return { id: `file:${basename(path)}#${blockDigest(block)}`, group: CUSTOM_GROUP, source: { kind: 'file', path }, block };
}

/**
 * The default suite. Full: the whole p2p grid, the token/amm/nft mixes and the DeFi block at
 * 1,000 accounts x 10,000 transactions, and p2p with 1,000 transactions over 1,000,000 accounts
 * (an executor should pay for what a block touches, not for the size of the state), given once
 * as a Map and once as a SharedState its workers can read (what the copy a Map forces costs).
 * Quick: the grid's 1,000-transaction row and the mixes at 1,000 transactions, so `npm start` fits
 * its time budget.
 */
export function defaultSuite(quick: boolean, seed: number, hashCost: number): SweepWorkload[] {
  const txsList = quick ? [1000] : P2P_TXS;
  const mixTxs = quick ? 1000 : 10_000;
  const mixAccounts = quick ? 100 : 1000;
  const out: SweepWorkload[] = [];
  for (const txs of txsList) {
    for (const accounts of P2P_ACCOUNTS) out.push(generated('p2p', { accounts, txs, seed, hashCost }, P2P_GRID_GROUP));
  }
  for (const name of ['token', 'amm', 'nft']) out.push(generated(name, { accounts: mixAccounts, txs: mixTxs, seed, hashCost }, MIXES_GROUP));
  out.push(generated('defi', { accounts: mixAccounts, txs: mixTxs, seed, hashCost, zipf: 1 }, DEFI_GROUP));
  if (!quick) {
    const large = generated('p2p', { accounts: LARGE_STATE_ACCOUNTS, txs: 1000, seed, hashCost }, LARGE_STATE_GROUP);
    out.push(large, withSharedPreState(large));
  }
  return out;
}
