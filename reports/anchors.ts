// Published figures Concord's measurements and predictions are held against: the Block-STM
// paper's p2p results (Gelashvili et al., PPoPP'23, arXiv 2203.06871, abstract). The paper reports
// 32-thread throughput and speedup over its sequential baseline; where it gives only throughput,
// the speedup is derived from the implied sequential throughput and marked as derived.
// Invariant: every number here is quoted from or computed from the cited text, never fitted.

import type { WorkloadRecord } from './schema.js';
import { idealAt } from './summary.js';

export interface Anchor {
  readonly source: string;
  readonly setting: string;
  readonly contention: 'low' | 'high';
  readonly threads: number;
  readonly speedup: number;
  readonly txPerSecond: number;
  /** True when the speedup is computed (throughput / implied sequential throughput), not printed in the paper. */
  readonly derived: boolean;
}

const PAPER = 'Block-STM (PPoPP\'23, arXiv 2203.06871)';

/** Sequential throughput the paper implies: 110k tps is 20x (Diem), 170k tps is 17x (Aptos). */
const DIEM_SEQUENTIAL = 110_000 / 20;
const APTOS_SEQUENTIAL = 170_000 / 17;

export const BLOCK_STM_ANCHORS: readonly Anchor[] = [
  { source: PAPER, setting: 'Diem p2p, low contention', contention: 'low', threads: 32, speedup: 20, txPerSecond: 110_000, derived: false },
  { source: PAPER, setting: 'Diem p2p, contended', contention: 'high', threads: 32, speedup: 50_000 / DIEM_SEQUENTIAL, txPerSecond: 50_000, derived: true },
  { source: PAPER, setting: 'Aptos p2p, low contention', contention: 'low', threads: 32, speedup: 17, txPerSecond: 170_000, derived: false },
  { source: PAPER, setting: 'Aptos p2p, contended', contention: 'high', threads: 32, speedup: 80_000 / APTOS_SEQUENTIAL, txPerSecond: 80_000, derived: true },
];

/** The results-file group whose workloads the paper's p2p figures are drawn beside (the name bench/suite.ts writes into results files). */
export const P2P_GRID_GROUP = 'Block-STM p2p grid';

/**
 * The paper's figures a workload is held against, in tables and charts alike: those of the p2p
 * grid whose speedup the workload's ideal at the figure's thread count reaches. The paper measured
 * each figure on a block that allowed at least that much, so a block whose dependencies cap every
 * schedule lower (2 or 10 accounts: 1x and about 2x) is not the setting it describes.
 */
export function anchorsFor(w: WorkloadRecord): Anchor[] {
  if (w.group !== P2P_GRID_GROUP) return [];
  return BLOCK_STM_ANCHORS.filter((a) => (idealAt(w, a.threads)?.speedup ?? 0) >= a.speedup);
}
