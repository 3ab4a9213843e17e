// An executor's own statistics over one run, for the results file's `detail` and `fallbackShare`:
// every finite numeric field of BlockResult.stats (whatever the executor reports: built-in or a
// user's module, so no names are special-cased here) as a mean per block, and the share of blocks
// it finished sequentially. The four counters the run's `perTx` already holds are left out.
// Invariants: each mean is over the blocks that reported that field, so a field reported on some
// blocks only (a retry counter) is not diluted by the others; only finite numbers are recorded,
// because a results file holds nothing else.

import { PER_TX_COUNTERS, type ExecutionStats } from '../spec/block.js';

/** Recorded per transaction in the run's `perTx`; repeating them per block would say the same twice. */
const IN_PER_TX: ReadonlySet<string> = new Set(PER_TX_COUNTERS);

export class RunDetail {
  private blocks = 0;
  private fellBack = 0;
  /** Per field: the sum over the blocks that reported it, and how many did. */
  private readonly sums = new Map<string, { sum: number; blocks: number }>();

  add(stats: ExecutionStats): void {
    this.blocks++;
    if (stats.fallback) this.fellBack++;
    for (const [key, value] of Object.entries(stats)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || IN_PER_TX.has(key)) continue;
      const s = this.sums.get(key);
      if (s) {
        s.sum += value;
        s.blocks++;
      } else {
        this.sums.set(key, { sum: value, blocks: 1 });
      }
    }
  }

  /** Each numeric statistic's mean per block, in the order the executor first reported them. */
  detail(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, s] of this.sums) {
      const mean = s.sum / s.blocks;
      // A sum of huge values can overflow; a results file must stay valid, so such a field is left out.
      if (Number.isFinite(mean)) out[key] = mean;
    }
    return out;
  }

  /** The share of blocks finished sequentially (stats.fallback set); 0 before any block. */
  fallbackShare(): number {
    return this.blocks === 0 ? 0 : this.fellBack / this.blocks;
  }
}
