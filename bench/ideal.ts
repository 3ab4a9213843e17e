// The ideal-speedup bound: the physical limit a parallel executor is measured against. From the
// reference run's actual reads, writes and deltas and the conflict table (spec/conflicts.ts, read
// through ruleFor/deltaHeadroom, never copied), build the block's true dependency graph; with gas
// as work, the ideal speedup at t threads is total work over the best list-schedule of that graph
// on t workers.
// Invariants: an edge j -> i exists only for j < i and only when the table says some access of j
// and some access of i to one key must keep block order; every order the graph allows is
// equivalent to block order; the ideal speedup never exceeds min(t, work / critical path).

import type { AccessKind, Block } from '../spec/block.js';
import { footprintKeys } from '../spec/block.js';
import { CONFLICT_RULES, deltaHeadroom, ruleFor, type Condition, type Verdict } from '../spec/conflicts.js';
import { runReference } from '../spec/reference.js';
import { TxStatus } from '../spec/vm.js';

/** One access of one transaction to one key, as the reference run made it. */
export interface Access {
  readonly key: number;
  readonly kind: AccessKind;
  /** For deltas: the amount, the bounds (from the program's footprint; null when it declares none) and the base value seen in block order. */
  readonly delta?: { readonly amount: number; readonly bounds: { lo: number; hi: number } | null; readonly base: number };
}

export interface TxAccesses {
  /** Gas the transaction used in the reference run: its work. */
  readonly gas: number;
  readonly accesses: readonly Access[];
}

/** Watches the reference's pass over the block (spec/reference.ts runReference), recording every transaction's accesses. */
export function collectAccesses(block: Block): TxAccesses[] {
  const result: TxAccesses[] = [];
  runReference(block, {
    ran: (i, out) => {
      const tx = block.txs[i]!;
      const program = block.programs[tx.program]!;
      const accesses: Access[] = [];
      for (let r = 0; r < out.readCount; r++) accesses.push({ key: out.readKeys[r]!, kind: 'read' });
      const baseOf = new Map<number, number>();
      for (let d = 0; d < out.deltaBaseCount; d++) baseOf.set(out.deltaBaseKeys[d]!, out.deltaBaseValues[d]!);
      const pureDeltas = new Set<number>();
      if (out.status === TxStatus.Success) {
        const bounds = deltaBounds(program.footprint === undefined ? [] : footprintKeys(program.footprint, tx.args));
        for (let w = 0; w < out.writeCount; w++) {
          const key = out.writeKeys[w]!;
          if (out.writeIsDelta[w]) {
            pureDeltas.add(key);
            accesses.push({ key, kind: 'delta', delta: { amount: out.writeDeltas[w]!, bounds: bounds.get(key) ?? null, base: baseOf.get(key)! } });
          } else {
            accesses.push({ key, kind: 'write' });
          }
        }
      }
      // A DELTA's bound check made the outcome depend on the base; unless that is a pure delta the
      // table weighs, it is an ordinary read (a reverted delta, or a key later overwritten).
      for (const key of baseOf.keys()) if (!pureDeltas.has(key)) accesses.push({ key, kind: 'read' });
      result.push({ gas: out.gasUsed, accesses });
    },
  });
  // The transactions past the block gas limit, never run, access nothing.
  while (result.length < block.txs.length) result.push({ gas: 0, accesses: [] });
  return result;
}

/** Per key, the tightest bounds the footprint's delta entries declare. */
function deltaBounds(entries: ReturnType<typeof footprintKeys>): Map<number, { lo: number; hi: number }> {
  const bounds = new Map<number, { lo: number; hi: number }>();
  for (const e of entries) {
    if (e.access !== 'delta' || e.lo === undefined || e.hi === undefined) continue;
    const b = bounds.get(e.key);
    bounds.set(e.key, b ? { lo: Math.max(b.lo, e.lo), hi: Math.min(b.hi, e.hi) } : { lo: e.lo, hi: e.hi });
  }
  return bounds;
}

const KINDS: readonly AccessKind[] = [...new Set(CONFLICT_RULES.flatMap((r) => [r.a, r.b]))];

function verdict(a: AccessKind, b: AccessKind): Verdict {
  return ruleFor(a, b).verdict;
}

/**
 * The deltas of a run on one key, folded for the table's side condition: the positive amounts
 * summed into one delta and the negative ones into another, both with the run's intersected
 * bounds. Whatever order the run's deltas take, every partial sum lies between base + neg and
 * base + pos, so when the condition holds for (base, pos, neg) every bound check passes in every
 * order. Null: some delta declared no bounds, so it commutes with nothing.
 */
interface Fold {
  readonly pos: number;
  readonly neg: number;
  readonly lo: number;
  readonly hi: number;
}

/** A run of accesses of one kind on one key that mutually commute; `base` is the value before it. */
interface Group {
  readonly kind: AccessKind;
  readonly txs: number[];
  readonly base: number;
  fold: Fold | null;
}

/** The fold of a group with delta x added, or null when either has no bounds. */
function foldWith(f: Fold | null, x: Access): Fold | null {
  const d = x.delta;
  if (!d?.bounds || !f) return null;
  return { pos: f.pos + Math.max(0, d.amount), neg: f.neg + Math.min(0, d.amount), lo: Math.max(f.lo, d.bounds.lo), hi: Math.min(f.hi, d.bounds.hi) };
}

function conditionHolds(condition: Condition, g: Group, x: Access): boolean {
  switch (condition) {
    case 'delta-headroom': {
      const f = foldWith(g.fold, x);
      return f !== null && deltaHeadroom(g.base, { amount: f.pos, lo: f.lo, hi: f.hi }, { amount: f.neg, lo: f.lo, hi: f.hi });
    }
  }
}

export interface DependencyGraph {
  /** preds[i]: the transactions i must follow, ascending, each < i. */
  readonly preds: readonly (readonly number[])[];
  readonly edges: number;
}

/** The true dependency graph: for each key, each access is ordered after the earlier accesses the table says it conflicts with. */
export function dependencyGraph(txs: readonly TxAccesses[]): DependencyGraph {
  const absorbs = new Map(KINDS.map((k) => [k, KINDS.every((o) => verdict(k, o) === 'conflict')]));
  // Per key, the groups since the last access that conflicts with every kind; anything before that
  // access is ordered before it, so later accesses need no edge to it.
  const open = new Map<number, Group[]>();
  const preds: number[][] = txs.map(() => []);
  const marked = new Int32Array(txs.length).fill(-1);
  let edges = 0;
  txs.forEach((tx, i) => {
    const mine = preds[i]!;
    const edge = (j: number) => {
      if (j === i || marked[j] === i) return;
      marked[j] = i;
      mine.push(j);
      edges++;
    };
    for (const x of tx.accesses) {
      let groups = open.get(x.key);
      if (!groups) open.set(x.key, (groups = []));
      let joinsLast = false;
      groups.forEach((g, at) => {
        const rule = ruleFor(g.kind, x.kind);
        let commutes = rule.verdict === 'commute';
        if (rule.verdict === 'commute-if') commutes = conditionHolds(rule.condition!, g, x);
        if (!commutes) for (const j of g.txs) edge(j);
        if (at === groups!.length - 1) joinsLast = commutes && g.kind === x.kind;
      });
      if (absorbs.get(x.kind)) {
        open.set(x.key, [newGroup(i, x)]);
      } else if (joinsLast) {
        const last = groups[groups.length - 1]!;
        last.txs.push(i);
        last.fold = foldWith(last.fold, x);
      } else {
        groups.push(newGroup(i, x));
      }
    }
    mine.sort((a, b) => a - b);
  });
  return { preds, edges };
}

function newGroup(tx: number, x: Access): Group {
  const d = x.delta;
  const empty: Fold = { pos: 0, neg: 0, lo: -Infinity, hi: Infinity };
  return { kind: x.kind, txs: [tx], base: d?.base ?? 0, fold: d ? foldWith(empty, x) : null };
}

/** A binary min-heap over numbers ordered by a key array (smaller key first, then smaller index). */
class Heap {
  private readonly items: number[] = [];
  constructor(private readonly key: (i: number) => number) {}
  get size(): number {
    return this.items.length;
  }
  private less(a: number, b: number): boolean {
    const ka = this.key(a);
    const kb = this.key(b);
    return ka < kb || (ka === kb && a < b);
  }
  push(x: number): void {
    const h = this.items;
    h.push(x);
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): number {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
  peek(): number {
    return this.items[0]!;
  }
}

/** Longest path from each task to the end of the graph, its own work included. */
export function bottomLevels(work: readonly number[], g: DependencyGraph): Float64Array {
  // Edges point from lower to higher index, so walking down visits every successor first:
  // level[i] holds the longest successor path when i is reached, then gains i's own work.
  const level = new Float64Array(work.length);
  for (let i = work.length - 1; i >= 0; i--) {
    level[i] = level[i]! + work[i]!;
    for (const j of g.preds[i]!) if (level[i]! > level[j]!) level[j] = level[i]!;
  }
  return level;
}

/**
 * Makespan of a list schedule on `workers`: whenever a worker is free, it starts the ready task
 * that comes first by `priority` (smaller first).
 */
export function listScheduleMakespan(work: readonly number[], g: DependencyGraph, workers: number, priority: (i: number) => number): number {
  const n = work.length;
  const missing = new Int32Array(n);
  const succStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    missing[i] = g.preds[i]!.length;
    for (const j of g.preds[i]!) succStart[j + 1]!++;
  }
  for (let i = 0; i < n; i++) succStart[i + 1] = succStart[i + 1]! + succStart[i]!;
  const succ = new Int32Array(succStart[n]!);
  const fill = succStart.slice(0, n);
  for (let i = 0; i < n; i++) for (const j of g.preds[i]!) succ[fill[j]!++] = i;

  const finish = new Float64Array(n);
  const ready = new Heap(priority);
  const running = new Heap((i) => finish[i]!);
  for (let i = 0; i < n; i++) if (missing[i] === 0) ready.push(i);
  let now = 0;
  let done = 0;
  while (done < n) {
    while (running.size < workers && ready.size > 0) {
      const i = ready.pop();
      finish[i] = now + work[i]!;
      running.push(i);
    }
    const i = running.pop();
    now = finish[i]!;
    done++;
    for (let s = succStart[i]!; s < succStart[i + 1]!; s++) {
      const k = succ[s]!;
      if (--missing[k] === 0) ready.push(k);
    }
  }
  return now;
}

export interface IdealPoint {
  readonly threads: number;
  /** work / best list-schedule makespan: the speedup an executor with perfect knowledge and no overhead reaches. */
  readonly speedup: number;
  /** min(threads, work / critical path): no schedule can beat it. */
  readonly bound: number;
}

export interface IdealBound {
  readonly work: number;
  readonly criticalPath: number;
  readonly edges: number;
  readonly points: readonly IdealPoint[];
}

/** The ideal speedups of a dependency graph at each thread count. */
export function idealFromGraph(work: readonly number[], g: DependencyGraph, threads: readonly number[]): IdealBound {
  const total = work.reduce((a, b) => a + b, 0);
  const level = bottomLevels(work, g);
  const criticalPath = level.reduce((a, b) => Math.max(a, b), 0);
  // Two classic priorities: most remaining critical path first (HLFET), and block order (what
  // Block-STM's scheduler follows). The better makespan is the bound.
  const priorities = [(i: number) => -level[i]!, (i: number) => i];
  const points = threads.map((t) => {
    if (total === 0) return { threads: t, speedup: 1, bound: 1 };
    const makespan = Math.min(...priorities.map((p) => listScheduleMakespan(work, g, t, p)));
    return { threads: t, speedup: total / makespan, bound: Math.min(t, total / criticalPath) };
  });
  return { work: total, criticalPath, edges: g.edges, points };
}

/**
 * The ideal bound of a block: reference accesses -> dependency graph -> list schedules. `txs`:
 * the block's accesses, where the caller has them (collectAccesses).
 */
export function idealSpeedup(block: Block, threads: readonly number[], txs: readonly TxAccesses[] = collectAccesses(block)): IdealBound {
  return idealFromGraph(txs.map((t) => t.gas), dependencyGraph(txs), threads);
}
