// Published figures Concord's measurements and predictions are held against: the Block-STM
// paper's p2p results (Gelashvili et al., PPoPP'23, arXiv 2203.06871, abstract). The paper reports
// 32-thread throughput and speedup over its sequential baseline; where it gives only throughput,
// the speedup is derived from the implied sequential throughput and marked as derived.
// Invariant: every number here is quoted from or computed from the cited text, never fitted; a
// workload is held against the figures of its own contention only, and only its Block-STM runs are.

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
 * Accounts from which a grid block stands for the paper's low-contention setting: its figures
 * with 1000 and 10000 accounts scale, those with fewer are held back by conflicts. A block with
 * fewer accounts is held against the contended figures.
 */
export const LOW_CONTENTION_ACCOUNTS = 1000;

/** The paper's setting a generated grid block stands for, by its accounts; null for a block file. */
export function contentionOf(w: WorkloadRecord): Anchor['contention'] | null {
  if (w.source.kind !== 'generated') return null;
  return w.source.accounts >= LOW_CONTENTION_ACCOUNTS ? 'low' : 'high';
}

/**
 * The paper's figures a workload's Block-STM runs are held against, in tables and charts alike:
 * those of the p2p grid of the workload's contention (contentionOf) whose speedup the workload's
 * ideal at the figure's thread count reaches. The paper measured each figure on a block that
 * allowed at least that much, so a block whose dependencies cap every schedule lower (2 or 10
 * accounts: 1x and about 2x) is not the setting it describes; and a low-contention figure beside
 * a contended block (or the reverse) compares two settings.
 */
export function anchorsFor(w: WorkloadRecord): Anchor[] {
  if (w.group !== P2P_GRID_GROUP) return [];
  const contention = contentionOf(w);
  return BLOCK_STM_ANCHORS.filter((a) => a.contention === contention && (idealAt(w, a.threads)?.speedup ?? 0) >= a.speedup);
}
