// A first-order model of cache coherence for the simulated workers (bench/simulate.ts), MESI
// without its timing: for each 64-byte line of the shared arrays, which virtual workers hold a
// copy and whether one of them holds it modified. Two accesses take a line from another core,
// one transfer each (the cost the cross-core probe measures, bench/core-latency.ts; a round trip
// is two): a read of a line another worker holds modified, and a write to a line other workers
// hold (their copies are invalidated). A line no worker has written in the block (the block as the
// main thread wrote it, read in order) is read from the shared cache for nothing here: one worker
// pays that too, so the 1-thread calibration already covers it.
// Invariant: with one worker no access is ever a transfer, so the model changes nothing at 1 thread.

/** Cells per 64-byte line: 16 Int32, 8 Float64. */
const I32_PER_LINE = 16;
const F64_PER_LINE = 8;
/** Holders are bits of two 32-bit words: up to 64 workers. */
export const MAX_COHERENT_WORKERS = 64;
/** `owner` of a line no worker holds modified. */
const CLEAN = -1;

export class Coherence {
  /** Per line, the workers holding a copy: bits 0-31 and 32-63. */
  private readonly low: Int32Array;
  private readonly high: Int32Array;
  /** Per line, the worker holding it modified, or CLEAN. */
  private readonly owner: Int8Array;
  private readonly f64Base: number;
  /** Transfers so far. */
  transfers = 0;

  constructor(i32Cells: number, f64Cells: number) {
    this.f64Base = Math.ceil(i32Cells / I32_PER_LINE);
    const lines = this.f64Base + Math.ceil(f64Cells / F64_PER_LINE);
    this.low = new Int32Array(lines);
    this.high = new Int32Array(lines);
    this.owner = new Int8Array(lines).fill(CLEAN);
  }

  /** `worker` accesses cell `index` (of the Float64 array when `float`); true when that takes the line from another worker. */
  access(worker: number, write: boolean, index: number, float: boolean): boolean {
    const line = float ? this.f64Base + Math.floor(index / F64_PER_LINE) : Math.floor(index / I32_PER_LINE);
    const owner = this.owner[line]!;
    if (owner === worker) return false;
    const mineLow = worker < 32 ? 1 << worker : 0;
    const mineHigh = worker < 32 ? 0 : 1 << (worker - 32);
    const low = this.low[line]!;
    const high = this.high[line]!;
    let transfer: boolean;
    if (write) {
      transfer = (low & ~mineLow) !== 0 || (high & ~mineHigh) !== 0;
      this.owner[line] = worker;
      this.low[line] = mineLow;
      this.high[line] = mineHigh;
    } else {
      transfer = owner !== CLEAN;
      this.owner[line] = CLEAN;
      this.low[line] = low | mineLow;
      this.high[line] = high | mineHigh;
    }
    if (transfer) this.transfers++;
    return transfer;
  }
}
