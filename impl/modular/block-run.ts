// One block on the modular executor, seen from the main thread: planning, the shared buffers, and
// the in-order bookkeeping around the parallel windows. A driver (real worker pool or simulated
// runtime) loops: `while (run.nextWindow()) { plan some; start the lanes; plan the rest
// (run.planSome) while they run; wait; run.closeWindow(..., chunks read back) }`, then
// `run.result()`. Outcomes are kept as consecutive logs (spec/result.ts OutcomeSegments): each
// window's chunks as the threads read them back (collect.ts; closeWindow reads any left), and the
// main thread's own logs of what it ran in order between them.
// Memory a released result hands back (RunSpares): each window is lent one buffer a chunk from
// the shelf of released chunks, the access map keeps its slots' keys in a released result's
// array, and result() copies the slot values into one; the main thread's own logs (barriers, an
// in-order finish) are new each block.
//
// Windows. Barriers (transactions without a footprint, which may touch anything) split the block;
// between two barriers the lanes run in parallel, and each barrier runs alone on the main thread.
// Planning is published in chunks (PLANNED), so the lanes start on the first chunk while the main
// thread plans the next ones: a chunk's rows first, then PLANNED past them, two steps (planning())
// that the simulated planner takes at scheduling points of their own.
// Gas limit. Lanes run a window without knowing the block's cumulative gas. Closing a window walks
// its transactions in block order, as the reference does: from the first transaction reached with
// cumulative gas >= block.gasLimit on, everything is skipped, and the parallel writes of the
// skipped transactions are rolled back from their kept old values, highest transaction first.
// Fallback. When the lanes abort (an undeclared access, the outputs arena full, the watchdog), the
// window's finished prefix is kept, every finished transaction after it is rolled back, and the
// rest of the block runs in order on the main thread. Undeclared accesses are reported from that
// in-order run: it is the reference's order, so it reports exactly the accesses the reference makes.
// Invariants: the slots (plus the overflow map of keys only barriers touch) always hold the
// reference's state after some prefix of the block plus the writes of finished transactions of
// the open window; rolling back finished transactions highest first restores the prefix, because
// any two of them that wrote one key ran in block order (write and delta are ordered with
// everything by the conflict table).

import type { Block, BlockResult, ExecutionStats } from '../../spec/block.js';
import { emptyStats } from '../../spec/block.js';
import { keepOutcomes, loggedResult, logOutcome, newOutcomeLog, type OutcomeLog } from '../../spec/result.js';
import { newOutcome, runTransaction, TxStatus, type StateView } from '../../spec/vm.js';
import type { SharedArrays } from '../runtime/shared-arrays.js';
import { AccessBuilder } from './access.js';
import { chunksOf, collectChunks, readBack, type CollectedChunk, type ReadBack } from './collect.js';
import { float64sFor, SpareShelf } from '../spare-memory.js';
import {
  ABORT_EXTERNAL, ABORT_STALL, accessViews, beginBlock, H, HINT_UNKNOWN, laneViews, layoutFor, noAbort,
  outputCapacity, R_DONE, R_HEADER, RF_HEADER, RF_UNDECLARED_KEY, RUNNING, UNREAD,
  writeTxs, type Layout,
} from './layout.js';
import type { Partitioner } from './partition.js';
import { LanePlanner } from './plan.js';
import { PlanScratch } from './scratch.js';
import { Counters } from './thread.js';
import { DELTA, READ, WRITE } from './order.js';
import { noteAccess, undeclaredStats, type Violation } from './undeclared.js';

export interface RunSettings {
  readonly modules: number;
  readonly partitioner: Partitioner;
  readonly misroute: boolean;
  /** The planted bug kind-blind (bugs.ts), which the lanes take from the layout. */
  readonly kindBlind: boolean;
  /** The planted bug delta-skips-reads (bugs.ts), which the access map's waits take. */
  readonly deltaSkipsReads: boolean;
  readonly threads: number;
  /** Multiplies the outputs arena estimate (grown after a block ran out). */
  readonly outputScale: number;
}

/** What released results handed back, kept by the executor from block to block. */
export interface RunSpares {
  /** Buffers of read-back chunks (collect.ts). */
  readonly chunks: SpareShelf<SharedArrayBuffer>;
  /** Arrays the slot values were copied into (result()). */
  readonly values: SpareShelf<Float64Array>;
  /** Arrays that held the slots' keys (AccessBuilder.slotKey). */
  readonly slotKeys: SpareShelf<Float64Array>;
}

/** Room for the chunks of two blocks of 32,768 transactions, and two arrays of each kind. */
export function newRunSpares(): RunSpares {
  return { chunks: new SpareShelf(128), values: new SpareShelf(2), slotKeys: new SpareShelf(2) };
}

/** A window whose heaviest lane holds this share of its transactions keeps its late workers out. */
const HOT_LANE_SHARE = 0.8;

export class BlockRun {
  readonly L: Layout;
  readonly violations: Violation[] = [];
  /** Set when the lanes aborted and the block was finished in order; '' otherwise. */
  fallback = '';
  /** The lanes ran out of output space: the next block should get a bigger arena. */
  outOfOutputs = false;
  private readonly n: number;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly access: AccessBuilder;
  private readonly planner: LanePlanner;
  /** Per program: whether it declares a footprint (transactions of the others are barriers). */
  private readonly declared: boolean[];
  /**
   * The block's outcomes as consecutive logs (OutcomeSegments): the chunks read back from each
   * window, and between them the main thread's own logs of what it ran in order.
   */
  private readonly segments: OutcomeLog[] = [];
  /** The buffers of the segments the threads read back, the result's to hand back when released. */
  private readonly memories: SharedArrayBuffer[] = [];
  /** The array holding the access map's slotKey, the result's to hand back when released. */
  private slotKeys: Float64Array;
  /** The open window's spares, chunk c's at c: lent to the threads that read it back. */
  windowSpares: SharedArrayBuffer[] = [];
  /** The main thread's log being filled, and the transaction its first entry is; null when a window's chunks came last. */
  private mainLog: OutcomeLog | null = null;
  private mainFrom = 0;
  /** Keys no footprint of the planned prefix declares, written by transactions run on the main thread. */
  private readonly overflow = new Map<number, number>();
  private readonly out = newOutcome();
  private readonly counters = new Counters();
  private readonly gasOf: Float64Array;
  private gas = 0;
  private next = 0;
  private windowEnd = 0;
  /** Between nextWindow() opening a window and closeWindow(). */
  private windowOpen = false;
  /** Each lane's planned transactions when the window opened. */
  private windowLaneTxs = new Int32Array(0);
  private planned = 0;
  private slotsLoaded = 0;
  private argAt: number;
  private mainExecutions = 0;
  private reExecutions = 0;
  /** Transactions the lanes ran past the block gas limit, whose results were discarded. */
  private discarded = 0;
  private windows = 0;
  /** Windows whose lanes could not keep a second worker busy (hasParallelWork). */
  private hotLaneWindows = 0;
  private planMs = 0;
  private lanesMs = 0;
  private readonly partitionMs: number;

  /**
   * `scratch` lends the planning arrays, `spares` what released results handed back; an executor
   * keeps one of each and runs one block at a time on them.
   */
  constructor(
    readonly block: Block, private readonly settings: RunSettings, readonly buffers: SharedArrays, scratch = new PlanScratch(), private readonly spares = newRunSpares(),
  ) {
    const started = performance.now();
    const moduleOf = settings.partitioner.forBlock(block, settings.modules);
    this.partitionMs = performance.now() - started;
    this.n = block.txs.length;
    this.L = layoutFor(block, settings.modules, outputCapacity(block, settings.outputScale), settings.kindBlind);
    buffers.fit(this.L.i32Size, this.L.f64Size);
    this.i32 = buffers.i32;
    this.f64 = buffers.f64;
    beginBlock(block, this.L, this.i32, this.f64);
    this.argAt = this.L.args;
    this.slotKeys = spares.slotKeys.take() ?? new Float64Array(0);
    this.access = new AccessBuilder(block, accessViews(this.L, this.i32, this.f64), scratch, settings.deltaSkipsReads, this.slotKeys);
    // Not the spare (too short): the builder's own array is the one the result hands back.
    if (this.access.slotKey.buffer !== this.slotKeys.buffer) this.slotKeys = this.access.slotKey;
    this.planner = new LanePlanner(this.access, { modules: settings.modules, moduleOf, misroute: settings.misroute }, laneViews(this.L, this.i32), scratch);
    this.declared = block.programs.map((p) => p.footprint !== undefined);
    this.gasOf = scratch.float64('gasOf', this.n);
  }

  /**
   * Runs barriers and skipped transactions on the main thread up to the next window of lane
   * transactions and opens it (nothing of it planned yet); false once the whole block is done.
   */
  nextWindow(): boolean {
    const { n, block } = this;
    while (this.next < n) {
      if (this.gas >= block.gasLimit) {
        this.skipRest();
        return false;
      }
      if (!this.declared[block.txs[this.next]!.program]) {
        let to = this.next + 1;
        while (to < n && !this.declared[block.txs[to]!.program]) to++;
        finish(this.planTo(to));
        this.runInOrder(this.next, to);
        continue;
      }
      let to = this.next + 1;
      while (to < n && this.declared[block.txs[to]!.program]) to++;
      this.windowEnd = to;
      this.windowOpen = true;
      this.windowLaneTxs = this.planner.laneTxs.slice();
      // Lanes done in the last window may have transactions in this one.
      this.i32.fill(HINT_UNKNOWN, this.L.hints, this.L.hints + this.L.modules);
      Atomics.store(this.i32, H.WINDOW_END, to);
      Atomics.store(this.i32, H.WINDOW_START, this.next);
      // Spares lent and not read into (too small, or the window aborted) are dropped: a thread may hold one still.
      this.windowSpares = [];
      for (let c = chunksOf(this.i32); c > 0; c--) {
        const spare = this.spares.chunks.take();
        if (spare === undefined) break;
        this.windowSpares.push(spare);
      }
      Atomics.store(this.i32, H.COLLECT, 0);
      Atomics.store(this.i32, H.DONE, 0);
      Atomics.store(this.i32, H.ABORT_TX, noAbort(n));
      Atomics.store(this.i32, H.STATE, RUNNING);
      this.windows++;
      return true;
    }
    return false;
  }

  /**
   * Logs transaction tx's outcome (from `out`) in the main thread's log. A new log starts after a
   * window's chunks or when the last one is full, sized up to `last`: the main thread runs
   * [tx, last) in order unless the gas limit stops it.
   */
  private logMain(tx: number, last: number): void {
    if (this.mainLog === null || tx - this.mainFrom >= this.mainLog.status.length) {
      this.mainLog = newOutcomeLog(last - tx);
      this.mainFrom = tx;
      this.segments.push(this.mainLog);
    }
    logOutcome(this.mainLog, tx - this.mainFrom, this.out);
  }

  /** Plans and publishes up to `count` more transactions of the open window; false once all of it is. */
  planSome(count: number): boolean {
    return finish(this.planning(count));
  }

  /**
   * planSome in its steps: each `next()` runs one, and between two of them another thread may run
   * (the simulated planner makes each a scheduling point of its own); the last returns whether
   * some of the window is still unplanned.
   */
  *planning(count: number): Generator<void, boolean, void> {
    yield* this.planTo(Math.min(this.windowEnd, this.planned + count));
    return this.planned < this.windowEnd;
  }

  /**
   * Plans [planned, to) in two steps: its rows (access entries, lane links, slots, transaction
   * table, JOIN), then the store of PLANNED that publishes them. Workers trust rows only below the
   * PLANNED they read, so the rows must come first; the step between them is where a lane can see
   * that order broken.
   */
  private *planTo(to: number): Generator<void, void, void> {
    if (to <= this.planned) return;
    this.timed(() => this.writeRows(to));
    yield;
    this.timed(() => this.publish(to));
  }

  private timed(step: () => void): void {
    const started = performance.now();
    step();
    this.planMs += performance.now() - started;
  }

  /** Writes the rows of [planned, to) with plain stores; `planned` then counts them (the lanes do not read it). */
  private writeRows(to: number): void {
    const { f64, L, access, overflow } = this;
    this.planner.add(to);
    // New slots start from the state as of the planned prefix: a barrier may have written the key.
    const { preState } = this.block;
    const shared = L.sharedPre !== null;
    for (let s = this.slotsLoaded; s < access.slots; s++) {
      const key = access.slotKey[s]!;
      const moved = overflow.size > 0 ? overflow.get(key) : undefined;
      f64[L.values + s] = moved ?? (shared ? UNREAD : (preState.get(key) ?? 0));
      this.i32[L.served + s] = 0;
      if (moved !== undefined) overflow.delete(key);
    }
    this.slotsLoaded = access.slots;
    this.argAt = writeTxs(this.block, L, this.i32, f64, this.planned, to, this.argAt);
    if (to === this.windowEnd && this.windowOpen) {
      const join = this.hasParallelWork();
      if (!join) this.hotLaneWindows++;
      Atomics.store(this.i32, H.JOIN, join ? 1 : 0);
    }
    this.planned = to;
  }

  /** Publishes the rows of every transaction below `to` to the workers. */
  private publish(to: number): void {
    Atomics.store(this.i32, H.PLANNED, to);
    // Workers that wait for the whole window's plan sleep on PLANNED.
    if (to === this.windowEnd) Atomics.notify(this.i32, H.PLANNED);
  }

  /**
   * Whether the open window's lanes can keep more than one worker busy: not when one lane holds
   * HOT_LANE_SHARE of its transactions (a hot spot runs in block order anyway, and a second worker
   * would only spin beside it).
   */
  private hasParallelWork(): boolean {
    const { laneTxs } = this.planner;
    let total = 0;
    let heaviest = 0;
    for (let m = 0; m < laneTxs.length; m++) {
      const txs = laneTxs[m]! - this.windowLaneTxs[m]!;
      total += txs;
      if (txs > heaviest) heaviest = txs;
    }
    return heaviest < HOT_LANE_SHARE * total;
  }

  /**
   * Takes the workers' finished window (they ran for `ms`, and read back `chunks` of it,
   * collect.ts): results in block order, the gas limit, or the fallback.
   */
  closeWindow(counters: Counters, ms: number, chunks: CollectedChunk[] = []): void {
    counters.addTo(this.counters);
    this.lanesMs += ms;
    this.windowOpen = false;
    const { i32, f64, L } = this;
    const state = i32[H.STATE]!;
    if (state === ABORT_EXTERNAL) throw new Error('closeWindow after an external abort');
    const from = this.next;
    const to = this.windowEnd;
    let done = from;
    while (done < to && i32[L.records + done * L.recordI + R_DONE] === 1) done++;
    if (state === RUNNING) {
      if (done < to) throw new Error(`lanes finished with transaction ${done} not done`);
      collectChunks(i32, f64, L, chunks, this.windowSpares);
      this.takeChunks(chunks, from, to);
      return;
    }
    // The finished prefix is kept: read back like a window's chunk, then taken in block order.
    if (!this.takeLogs(done > from ? [readBack(i32, f64, L, from, done)] : [], from, to)) return;
    this.reExecutions += this.rollBack(done, to);
    // ABORT_TX, not STATE, says why: when two lanes abort at once, the first to stop the others
    // sets STATE, and the lowest transaction sets ABORT_TX.
    const word = i32[H.ABORT_TX]!;
    const tx = word >> 1;
    this.outOfOutputs = tx < this.n && (word & 1) === 1;
    const key = tx < this.n ? f64[L.recordsF + tx * L.recordF + RF_UNDECLARED_KEY]! : 0;
    finish(this.planTo(this.n));
    const executed = this.runInOrder(done, this.n);
    // The lanes ran ahead of the block gas limit: a transaction past it is not part of the block,
    // and what it touched there is no undeclared access of the block's (the in-order run did not report it).
    const what = tx >= this.n
      ? state === ABORT_STALL ? 'watchdog: no lane moved for the stall limit' : `lanes ended in state ${state}`
      : this.outOfOutputs ? `transaction ${tx} found the outputs arena full`
      : tx < executed ? `transaction ${tx} touched key ${key} outside its declared footprint`
      : `the lanes stopped at transaction ${tx}, which is past the block gas limit and not executed`;
    this.fallback = `${what}; finished the block in order from transaction ${done}`;
  }

  /** The window's chunks in block order, into the segments, with their gas against the block's limit. */
  private takeChunks(chunks: CollectedChunk[], from: number, to: number): void {
    chunks.sort((a, b) => a.chunk - b.chunk);
    const expected = chunksOf(this.i32);
    chunks.forEach((c, k) => {
      if (c.chunk !== k) throw new Error(`window [${from}, ${to}) read back ${c.chunk < k ? `chunk ${c.chunk} twice` : `without chunk ${k}`}`);
    });
    if (chunks.length !== expected) throw new Error(`window [${from}, ${to}) read back in ${chunks.length} chunks, not ${expected}`);
    this.takeLogs(chunks, from, to);
  }

  /**
   * Logs of the window's transactions from `from` on, in block order, into the segments, with their
   * gas against the block's limit. False when the limit cut them: the rest of the window (up to
   * `to`) is rolled back and the block's rest skipped.
   */
  private takeLogs(backs: readonly ReadBack[], from: number, to: number): boolean {
    this.mainLog = null;
    let i = from;
    for (const { log, memory } of backs) {
      this.memories.push(memory);
      for (let t = 0; t < log.logged; t++, i++) {
        if (this.gas >= this.block.gasLimit) {
          keepOutcomes(log, t);
          this.segments.push(log);
          this.discarded += this.rollBack(i, to);
          this.skipRest();
          return false;
        }
        this.gasOf[i] = log.gas[t]!;
        this.gas += log.gas[t]!;
      }
      this.segments.push(log);
    }
    this.next = i;
    return true;
  }

  /** Builds the BlockResult once nextWindow() returned false. */
  result(): BlockResult {
    const { L, access } = this;
    // Copied now: the buffers belong to the next block once this one returns.
    const kept = float64sFor(access.slots, this.spares.values.take());
    const values = kept.subarray(0, access.slots);
    values.set(this.f64.subarray(L.values, L.values + access.slots));
    const slotKey = access.slotKey;
    const { preState } = this.block;
    const overflow = this.overflow;
    const shared = L.sharedPre !== null;
    const state = () => {
      const map = new Map(preState);
      for (const [k, v] of overflow) map.set(k, v);
      // An UNREAD slot holds its pre-state value, which the copy has.
      for (let s = 0; s < values.length; s++) if (values[s] === values[s] || !shared) map.set(slotKey[s]!, values[s]!);
      return map;
    };
    const { memories, spares, slotKeys } = this;
    return loggedResult(state, { logs: this.segments, txs: this.n }, this.stats(), () => {
      for (const memory of memories) spares.chunks.give(memory);
      spares.values.give(kept);
      spares.slotKeys.give(slotKeys);
    });
  }

  private stats(): ExecutionStats {
    const { planner, violations } = this;
    const c = this.counters;
    return {
      ...emptyStats(),
      executions: c.executions + this.mainExecutions,
      reExecutions: this.reExecutions,
      fallback: this.fallback,
      threads: this.settings.threads,
      modules: planner.modules,
      partition: this.settings.partitioner.kind,
      crossModuleTxs: planner.crossTxs,
      crossShare: planner.crossShare(),
      laneImbalance: planner.laneImbalance(this.gasOf),
      laneClaims: c.claims,
      crossWaits: c.crossWaits,
      barriers: planner.barriers,
      windows: this.windows,
      hotLaneWindows: this.hotLaneWindows,
      discardedPastGasLimit: this.discarded,
      ...undeclaredStats(violations, this.block.entityNames),
      partitionMs: this.partitionMs,
      planMs: this.planMs,
      lanesMs: this.lanesMs,
    };
  }

  /** Skips every transaction not logged yet (the block gas limit was reached): the log reads them as skipped. */
  private skipRest(): void {
    this.next = this.n;
  }

  /** Undoes the writes of every finished transaction in [from, to), highest first; returns how many there were. */
  private rollBack(from: number, to: number): number {
    const { i32, f64, L, access } = this;
    const { txStart, entrySlot } = access;
    let undone = 0;
    for (let i = to - 1; i >= from; i--) {
      const rec = L.records + i * L.recordI;
      if (i32[rec + R_DONE] !== 1) continue;
      undone++;
      const recF = L.recordsF + i * L.recordF;
      const first = txStart[i]!;
      for (let e = first; e < txStart[i + 1]!; e++) {
        if (i32[rec + R_HEADER + L.widest + e - first] === 1) f64[L.values + entrySlot[e]!] = f64[recF + RF_HEADER + L.widest + e - first]!;
      }
    }
    return undone;
  }

  /**
   * Runs [from, to) (planned) one after another on the main thread against the slots and the
   * overflow map, checking each access of a transaction with a footprint against it and recording
   * every undeclared one (once per key and kind of access). Returns the first transaction it did
   * not execute: `to`, or where the block gas limit stopped it.
   */
  private runInOrder(from: number, to: number): number {
    const { block, f64, L, out, overflow, violations, access } = this;
    const { txStart, entryKey, entryKinds, table, barrier } = access;
    let tx = 0;
    /** The first violation of the running transaction. */
    let first = 0;
    const check = (key: number, kind: number) => {
      if (barrier[tx]) return;
      let declared = 0;
      for (let e = txStart[tx]!; e < txStart[tx + 1]!; e++) if (entryKey[e] === key) declared = entryKinds[e]!;
      noteAccess(violations, first, tx, key, kind, declared);
    };
    const view: StateView = {
      read: (key, forDelta) => {
        check(key, forDelta ? DELTA : READ);
        const slot = table.get(key);
        if (slot >= 0) {
          const value = f64[L.values + slot]!;
          // UNREAD (only with a SharedState pre-state): the pre-state's value, which no write replaced.
          if (value === value || L.sharedPre === null) return value;
        }
        return overflow.get(key) ?? block.preState.get(key) ?? 0;
      },
    };
    for (tx = from; tx < to; tx++) {
      if (this.gas >= block.gasLimit) {
        this.skipRest();
        return tx;
      }
      first = violations.length;
      const t = block.txs[tx]!;
      runTransaction(block.programs[t.program]!.code, t.args, t.gasLimit, view, out);
      this.mainExecutions++;
      if (out.status === TxStatus.Success) {
        for (let w = 0; w < out.writeCount; w++) {
          const key = out.writeKeys[w]!;
          check(key, out.writeIsDelta[w] ? DELTA : WRITE);
          const slot = table.get(key);
          if (slot >= 0) f64[L.values + slot] = out.writeValues[w]!;
          else overflow.set(key, out.writeValues[w]!);
        }
      }
      this.logMain(tx, to);
      // The lane imbalance counts each transaction's gas whichever path ran it (takeLogs, or here).
      this.gasOf[tx] = out.gasUsed;
      this.gas += out.gasUsed;
    }
    this.next = to;
    return to;
  }
}

/** Runs a planning generator's steps back to back; its result. */
function finish<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
