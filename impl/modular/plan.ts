// The lane plan of a block: which module each transaction belongs to and the lanes that run them.
//
// Protocol. Each module is a lane. A transaction runs in exactly one lane, its home: the module
// holding most of its declared keys (ties: the module touched by more transactions so far, so a
// hot spot keeps one lane; then the lower module). A lane runs its transactions in block order,
// one at a time, on whichever worker holds it. Cross-module coordination is per key: each slot
// counts its finished accesses, and a transaction may start once, for each of its keys, the count
// has reached the entry's wait (access.ts): every earlier access to that key the conflict table
// orders it after, whatever lane ran it, has finished. These waits are the protocol's edges, from
// the footprints and the table.
// Why this equals block order: when an access starts, every access to its key that it must
// follow has finished. By induction over starts: say a_t starts once the count reached c + 1 (a_c
// its last ordered predecessor) while an ordered predecessor a_s, s <= c, is unfinished. At most c
// of a_0..a_c have finished, so some a_u with u > c has; when a_u started (before a_t), a_s was
// unfinished, so by induction a_u commutes with a_s; and a_t commutes with a_u (if u < t, as c is
// a_t's last ordered predecessor; if u > t, by induction, a_t being unfinished when a_u started).
// By transitivity (order.ts) a_t commutes with a_s: a contradiction. So every read sees exactly
// the reference's value. No deadlock: the lowest unfinished transaction's predecessors have all
// finished, so its waits are met, and it is the next of its lane.
// Invariants: lanes hold every non-barrier transaction exactly once, ascending; barriers (no
// footprint) are in no lane.

import type { Block } from '../../spec/block.js';
import { AccessBuilder, allocateAccess } from './access.js';
import type { ModuleOf } from './partition.js';
import { PlanScratch } from './scratch.js';

/** Lane links: the first transaction of each lane, and each transaction's successor in its lane (-1: none yet). */
export interface LaneArrays {
  readonly laneHead: Int32Array;
  readonly nextInLane: Int32Array;
}

export function allocateLanes(modules: number, txs: number): LaneArrays {
  return { laneHead: new Int32Array(modules).fill(-1), nextInLane: new Int32Array(txs).fill(-1) };
}

export interface PlanOptions {
  readonly modules: number;
  readonly moduleOf: ModuleOf;
  /** Planted bug: a cross-module transaction ignores its waits on keys outside its home module. */
  readonly misroute?: boolean;
}

/**
 * Builds the plan incrementally, transaction by transaction in block order, on top of an access
 * builder, writing lane links into `lanes` (shared with workers). Links are plain stores: the
 * executor publishes a planned prefix with an atomic store of PLANNED after its links and entries
 * are written, and a worker trusts a link only to a transaction below the PLANNED it read first; a
 * link it reads while it is being written is an aligned Int32, so it reads as old or new, never
 * torn, and a new one points past that PLANNED (seq-cst stores here cost 0.3 ms a 10,000-transaction
 * block, each waiting for the stores before it to drain).
 */
export class LanePlanner {
  readonly modules: number;
  /** Home lane of each transaction; -1 for a barrier. */
  readonly home: Int32Array;
  /** 1 when a transaction declares keys in more than one module. */
  readonly cross: Uint8Array;
  readonly moduleOfSlot: Int32Array;
  crossTxs = 0;
  barriers = 0;
  /** Transactions planned into each lane so far. */
  readonly laneTxs: Int32Array;
  /** Transactions [0, added) are planned. */
  added = 0;
  private slotsSeen = 0;
  private readonly heat: Int32Array;
  private readonly tail: Int32Array;
  private readonly mods: Int32Array;
  private readonly counts: Int32Array;

  /** `scratch` lends the per-transaction and per-slot arrays (an executor keeps one from block to block). */
  constructor(readonly access: AccessBuilder, private readonly options: PlanOptions, readonly lanes: LaneArrays, scratch = new PlanScratch()) {
    this.modules = options.modules;
    if (!Number.isInteger(this.modules) || this.modules < 1) throw new Error(`modules must be an integer >= 1, got ${this.modules}`);
    this.home = scratch.int32('home', access.txs);
    this.cross = scratch.uint8('cross', access.txs);
    this.moduleOfSlot = scratch.int32('moduleOfSlot', access.slotKey.length);
    this.heat = new Int32Array(this.modules);
    this.tail = new Int32Array(this.modules).fill(-1);
    this.laneTxs = new Int32Array(this.modules);
    this.mods = new Int32Array(this.modules);
    this.counts = new Int32Array(this.modules);
  }

  /** Plans transactions [added, to): their access entries, modules, homes and lane links. */
  add(to: number): void {
    const { access, moduleOfSlot, home, heat, tail, mods, counts, lanes } = this;
    access.add(to);
    for (let s = this.slotsSeen; s < access.slots; s++) {
      const key = access.slotKey[s]!;
      const m = this.options.moduleOf(key);
      // A lane out of range is no lane: its transactions would wait for the stall watchdog.
      if (!(Number.isInteger(m) && m >= 0 && m < this.modules)) throw new Error(`the partition function put key ${key} in module ${m}, outside 0..${this.modules - 1}`);
      moduleOfSlot[s] = m;
    }
    this.slotsSeen = access.slots;
    const { txStart, entrySlot, barrier } = access;
    const wait = access.entryWait;
    for (let i = this.added; i < to; i++) {
      // Cleared before i can become a lane's tail (the arrays are reused from block to block).
      lanes.nextInLane[i] = -1;
      if (barrier[i]) {
        home[i] = -1;
        this.barriers++;
        continue;
      }
      const s0 = txStart[i]!;
      const s1 = txStart[i + 1]!;
      let distinct = 0;
      for (let e = s0; e < s1; e++) {
        const m = moduleOfSlot[entrySlot[e]!]!;
        let at = 0;
        while (at < distinct && mods[at] !== m) at++;
        if (at === distinct) {
          mods[distinct] = m;
          counts[distinct++] = 1;
        } else {
          counts[at]!++;
        }
      }
      let best = 0;
      for (let k = 1; k < distinct; k++) {
        const m = mods[k]!;
        const b = mods[best]!;
        if (counts[k]! > counts[best]! || (counts[k] === counts[best] && (heat[m]! > heat[b]! || (heat[m] === heat[b] && m < b)))) best = k;
      }
      const h = distinct > 0 ? mods[best]! : 0;
      for (let k = 0; k < distinct; k++) heat[mods[k]!]!++;
      home[i] = h;
      if (distinct > 1) {
        this.cross[i] = 1;
        this.crossTxs++;
        if (this.options.misroute) for (let e = s0; e < s1; e++) if (moduleOfSlot[entrySlot[e]!] !== h) wait[e] = 0;
      }
      if (tail[h]! < 0) lanes.laneHead[h] = i;
      else lanes.nextInLane[tail[h]!] = i;
      tail[h] = i;
      this.laneTxs[h]!++;
    }
    this.added = to;
  }

  /** Share of the transactions with a footprint that declare keys in more than one module. */
  crossShare(): number {
    const placed = this.added - this.barriers;
    return placed === 0 ? 0 : this.crossTxs / placed;
  }

  /**
   * Lane load imbalance: the heaviest lane's work over the mean of the lanes the block can fill,
   * min(M, n) of them, n the transactions in lanes that did work (a transaction skipped past the
   * block gas limit did none). 1: spread as evenly as the lanes allow; min(M, n): all in one lane.
   * Over all M lanes it grew with M on a block of fewer transactions than lanes (1,640 for 5
   * transactions at 4,096 modules), and read nothing a user could compare across M.
   * `work` gives each transaction's work (gas used); without it, each counts 1.
   */
  laneImbalance(work?: ArrayLike<number>): number {
    const load = new Float64Array(this.modules);
    let total = 0;
    let working = 0;
    for (let i = 0; i < this.added; i++) {
      const h = this.home[i]!;
      if (h < 0) continue;
      const w = work ? work[i]! : 1;
      if (w <= 0) continue;
      load[h]! += w;
      total += w;
      working++;
    }
    if (total === 0) return 1;
    let max = 0;
    for (const l of load) if (l > max) max = l;
    return max / (total / Math.min(this.modules, working));
  }

  /** The transactions of lane m in order (for tests and reports). */
  lane(m: number): number[] {
    const out: number[] = [];
    for (let i = this.lanes.laneHead[m]!; i >= 0; i = this.lanes.nextInLane[i]!) out.push(i);
    return out;
  }
}

/** The whole block planned at once, in arrays of its own (tests, reports). */
export function planBlock(block: Block, options: PlanOptions): LanePlanner {
  const planner = new LanePlanner(new AccessBuilder(block, allocateAccess(block)), options, allocateLanes(options.modules, block.txs.length));
  planner.add(block.txs.length);
  return planner;
}
