// The abstract shared memory the parallel algorithms are written against: one array of Int32
// cells and one of Float64 cells, shared by every worker. The real runtime implements it with
// Atomics over SharedArrayBuffers (AtomicCells, below); the simulated runtime (sim.ts) implements
// it by stepping one operation at a time under a seeded scheduler. Because an algorithm touches
// shared state only through this interface, the same code runs in both.
// Invariant (the contract an algorithm must keep so both runtimes are faithful):
// - load/store/add/cas on Int32 cells and loadF/storeF on Float64 cells are the shared-memory
//   operations other workers can race with; each is one scheduling point in the simulation.
// - read/readF may only touch cells that no other worker can be writing: immutable once
//   published, private, or last written by a store that happens-before the read through the
//   algorithm's own synchronization. write/writeF only touch cells not yet published (freshly
//   allocated) or owned the same way; publication is always a later store or cas. They are plain
//   accesses, not scheduling points.
// - pause() marks a spin: the caller will poll again and cannot progress until another worker
//   writes. Real workers back off; the simulation parks the worker until someone else writes.

export interface Cells {
  load(i: number): number;
  store(i: number, v: number): void;
  /** Returns the previous value. */
  add(i: number, v: number): number;
  /** Returns the previous value; the store happened iff it equals `expected`. */
  cas(i: number, expected: number, v: number): number;
  loadF(i: number): number;
  storeF(i: number, v: number): void;
  read(i: number): number;
  write(i: number, v: number): void;
  readF(i: number): number;
  writeF(i: number, v: number): void;
  pause(): void;
}

/** Called by AtomicCells.pause every SPIN_CHECK spins, so an algorithm can run its watchdog. */
export type SpinCheck = () => void;

const SPIN_CHECK = 64;
/** Spins before a worker starts sleeping between polls: sleeping yields the core when threads outnumber cores. */
const SPIN_BEFORE_SLEEP = 4096;
const MAX_SLEEP_MS = 0.5;

/**
 * The real runtime: seq-cst Atomics on SharedArrayBuffer-backed arrays. When `alone` is set the
 * caller is the only thread touching the arrays (a block run by one worker), so every operation
 * is a plain access: there is no one to be atomic with, and Atomics cost ~10 ns each in V8.
 */
export class AtomicCells implements Cells {
  private spins = 0;
  /** A private cell to Atomics.wait on: waiting on it sleeps for the timeout, nothing notifies it. */
  private readonly sleepCell = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    readonly i32: Int32Array,
    readonly f64: Float64Array,
    private readonly onSpin: SpinCheck = () => {},
    private readonly alone = false,
  ) {}

  load(i: number): number {
    return this.alone ? this.i32[i]! : Atomics.load(this.i32, i);
  }

  store(i: number, v: number): void {
    if (this.alone) this.i32[i] = v;
    else Atomics.store(this.i32, i, v);
  }

  add(i: number, v: number): number {
    if (!this.alone) return Atomics.add(this.i32, i, v);
    const old = this.i32[i]!;
    this.i32[i] = old + v;
    return old;
  }

  cas(i: number, expected: number, v: number): number {
    if (!this.alone) return Atomics.compareExchange(this.i32, i, expected, v);
    const old = this.i32[i]!;
    if (old === expected) this.i32[i] = v;
    return old;
  }

  // Float64 cells cannot be accessed with Atomics: an algorithm that races on one must order it
  // through Int32 cells (publish with a store after writing it, or re-check a stamp after reading).
  loadF(i: number): number {
    return this.f64[i]!;
  }

  storeF(i: number, v: number): void {
    this.f64[i] = v;
  }

  read(i: number): number {
    return this.i32[i]!;
  }

  write(i: number, v: number): void {
    this.i32[i] = v;
  }

  readF(i: number): number {
    return this.f64[i]!;
  }

  writeF(i: number, v: number): void {
    this.f64[i] = v;
  }

  pause(): void {
    const n = ++this.spins;
    if (n % SPIN_CHECK === 0) this.onSpin();
    if (n > SPIN_BEFORE_SLEEP) Atomics.wait(this.sleepCell, 0, 0, Math.min(MAX_SLEEP_MS, (n - SPIN_BEFORE_SLEEP) / 1e4));
  }

  /** The caller found work: the next spin starts from a short busy-poll again. */
  resetSpins(): void {
    this.spins = 0;
  }
}

/**
 * `inner`, with `before(write)` called ahead of each of its shared-memory operations (`write`:
 * store, add, cas, storeF); plain reads, writes and pauses pass straight through. For instruments
 * that time or count what an algorithm does (bench/simulate.ts, bench/simulate-modular.ts).
 */
export function observedCells(inner: Cells, before: (write: boolean) => void): Cells {
  return {
    load: (i) => (before(false), inner.load(i)),
    store: (i, v) => (before(true), inner.store(i, v)),
    add: (i, v) => (before(true), inner.add(i, v)),
    cas: (i, expected, v) => (before(true), inner.cas(i, expected, v)),
    loadF: (i) => (before(false), inner.loadF(i)),
    storeF: (i, v) => (before(true), inner.storeF(i, v)),
    read: (i) => inner.read(i),
    write: (i, v) => inner.write(i, v),
    readF: (i) => inner.readF(i),
    writeF: (i, v) => inner.writeF(i, v),
    pause: () => inner.pause(),
  };
}
