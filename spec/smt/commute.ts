// Whether two transactions commute, decided by z3: both run symbolically in both orders from one
// pre-state, and every observable the harness compares is set side by side: each transaction's
// receipt (status, code, gas used, outputs) and read set, and the final state.
// Two encodings: `lockstepGoals`, quick and stronger than needed (each transaction takes the same
// path in both orders), tried first; `ordersDiffer`, exact, when lockstep finds a difference the
// VM does not confirm or when paths cannot be paired.
// Invariant: a transaction's observables are exactly what runTransaction reports under its gas
// limit L: a path whose gas exceeds L ends out of gas with gas used L, no outputs and no writes,
// and a READ is in the read set iff it is charged within L and reads the view (not the
// transaction's own earlier access).

import { KEY_LIMIT } from '../values.js';
import { search, type Verdict } from './claims.js';
import type { OrderReplay } from './replay.js';
import { Alg, explore, type Cond, type Exploration, type ExploreOptions, type Memory, type Path, type Val, type World } from './symvm.js';
import { valueOf, type B, type Int, type ZModel } from './z3.js';

/** A transaction with symbolic arguments and gas limit. */
export interface SymTx {
  readonly code: Float64Array;
  readonly args: readonly Val[];
  readonly limit: Int;
  readonly immediate?: ExploreOptions['immediate'];
}

/** The state after the transaction: each path's own writes, guarded by taking it within the gas limit. */
function postState(world: World, x: Exploration, limit: Int, memIn: Memory): Memory {
  let post = memIn;
  for (const p of x.paths) {
    if (p.status !== 'success') continue;
    const applies = world.z.And(p.cond, limit.ge(p.gas));
    for (const w of p.writes) post = post.store(w.key, w.value, applies);
  }
  return post;
}

/** f of whichever path is taken: the paths are exclusive and cover every input, so the last needs no test. */
function merge<T>(paths: readonly Path[], f: (i: number) => T, ite: (c: B, x: T, y: T) => T): T {
  const last = paths.length - 1;
  let acc = f(last);
  for (let i = last - 1; i >= 0; i--) acc = ite(paths[i]!.cond, f(i), acc);
  return acc;
}

interface Slots {
  readonly outputs: number;
  readonly reads: number;
}

function slotsOf(xs: readonly Exploration[]): Slots {
  const paths = xs.flatMap((x) => x.paths);
  return {
    outputs: Math.max(0, ...paths.map((p) => p.outputs.length)),
    reads: Math.max(0, ...paths.map((p) => p.reads.length)),
  };
}

/**
 * The receipt and read set as one vector: status (0 success, 1 reverted, 2 out of gas), code,
 * gas, output count, outputs, read count, read keys, read values; absent slots are 0.
 */
function observe(alg: Alg, x: Exploration, limit: Int, slots: Slots): Val[] {
  const perPath = (p: Path): Val[] => {
    const fits = limit.ge(p.gas);
    const ok = p.status === 'success' ? fits : false;
    const outs = Array.from({ length: slots.outputs }, (_, i) => (i < p.outputs.length ? alg.ite(ok, p.outputs[i]!, 0n) : 0n));
    const keys: Val[] = Array(slots.reads).fill(0n);
    const values: Val[] = Array(slots.reads).fill(0n);
    let count: Val = 0n;
    for (const r of p.reads) {
      const recorded = alg.and(limit.ge(r.gasAt), r.fromView);
      for (let s = 0; s < slots.reads; s++) {
        const here = alg.and(recorded, alg.eq(count, BigInt(s)));
        keys[s] = alg.ite(here, r.key, keys[s]!);
        values[s] = alg.ite(here, r.value, values[s]!);
      }
      count = alg.add(count, alg.ite(recorded, 1n, 0n));
    }
    return [
      alg.ite(fits, p.status === 'success' ? 0n : 1n, 2n), alg.ite(fits, BigInt(p.code), 0n), alg.ite(fits, BigInt(p.gas), limit),
      alg.ite(ok, BigInt(p.outputs.length), 0n), ...outs, count, ...keys, ...values,
    ];
  };
  const vectors = x.paths.map(perPath);
  return vectors[0]!.map((_, i) => merge(x.paths, (p) => vectors[p]![i]!, (c, a, b) => alg.ite(c, a, b)));
}

/** Holds exactly when running a then b and running b then a differ in some observable. */
export async function ordersDiffer(world: World, a: SymTx, b: SymTx): Promise<B> {
  const z = world.z;
  const alg = new Alg(z);
  const pre = world.initial();
  const aFirst = await explore(world, a.code, a.args, pre, a);
  const bFirst = await explore(world, b.code, b.args, pre, b);
  const afterA = postState(world, aFirst, a.limit, pre);
  const afterB = postState(world, bFirst, b.limit, pre);
  const bSecond = await explore(world, b.code, b.args, afterA, b);
  const aSecond = await explore(world, a.code, a.args, afterB, a);
  const slotsA = slotsOf([aFirst, aSecond]);
  const slotsB = slotsOf([bFirst, bSecond]);
  const pairs: [Val, Val][] = [];
  const zip = (xs: Val[], ys: Val[]) => xs.forEach((x, i) => pairs.push([x, ys[i]!]));
  zip(observe(alg, aFirst, a.limit, slotsA), observe(alg, aSecond, a.limit, slotsA));
  zip(observe(alg, bSecond, b.limit, slotsB), observe(alg, bFirst, b.limit, slotsB));
  // Any key: where neither transaction wrote, both orders keep the pre-state value.
  const key = world.key('key');
  pairs.push([postState(world, bSecond, b.limit, afterA).select(key), postState(world, aSecond, a.limit, afterB).select(key)]);
  return alg.bool(alg.or(...pairs.map(([x, y]) => alg.not(alg.eq(x, y)))));
}

/** Whether two explorations of one program made the same splits, so their paths pair up by index. */
function paired(x: Exploration, y: Exploration): boolean {
  return x.paths.length === y.paths.length && x.paths.every((p, i) => p.trace === y.paths[i]!.trace);
}

/** Holds when path p of the first run is taken but its twin q is not, or q observes otherwise. */
function strays(alg: Alg, p: Path, q: Path): Cond {
  const differ: Cond[] = [p.cond.eqIdentity(q.cond) ? false : alg.not(q.cond)];
  p.outputs.forEach((o, i) => differ.push(alg.not(alg.eq(o, q.outputs[i]!))));
  p.reads.forEach((r, i) => {
    const t = q.reads[i]!;
    differ.push(alg.not(alg.eq(r.key, t.key)), alg.not(alg.eq(r.value, t.value)), alg.not(alg.same(r.fromView, t.fromView)));
  });
  return alg.and(p.cond, alg.or(...differ));
}

/**
 * Goals that must all be unsatisfiable: whatever path one transaction takes first, the other
 * takes the same path after it as before it, observing the same values, and the final states
 * agree; together these imply equal receipts and read sets under any gas limits. After a path
 * that writes nothing (or runs out of gas) the other runs on the pre-state itself, so only
 * writing paths need goals, and each goal fixes one: z3 never splits cases over the other
 * transaction's paths, and on disjoint keys memory hands back the very same terms. Undefined
 * when the paths cannot be paired (a loop pruned differently in two runs).
 */
async function lockstepGoals(world: World, a: SymTx, b: SymTx): Promise<B[] | undefined> {
  const z = world.z;
  const alg = new Alg(z);
  const pre = world.initial();
  const aFirst = await explore(world, a.code, a.args, pre, a);
  const bFirst = await explore(world, b.code, b.args, pre, b);
  const writers = (x: Exploration) => x.paths.filter((p) => p.status === 'success' && p.writes.length > 0);
  const fits = (p: Path, tx: SymTx) => alg.and(p.cond, tx.limit.ge(p.gas));
  const goals: B[] = [];
  /** `other` run after each writing path of `first`: one goal per path, saying the rerun strays. */
  const after = async (first: Exploration, tx: SymTx, other: SymTx, otherFirst: Exploration) => {
    const runs = new Map<Path, Exploration>();
    for (const p of writers(first)) {
      const second = await explore(world, other.code, other.args, p.mem, other);
      if (!paired(otherFirst, second)) return undefined;
      runs.set(p, second);
      goals.push(alg.bool(alg.and(fits(p, tx), alg.or(...otherFirst.paths.map((q, i) => strays(alg, q, second.paths[i]!))))));
    }
    return runs;
  };
  const bAfterA = await after(aFirst, a, b, bFirst);
  const aAfterB = await after(bFirst, b, a, aFirst);
  if (!bAfterA || !aAfterB) return undefined;
  for (const [p, bRuns] of bAfterA) {
    for (const [q, aRuns] of aAfterB) {
      const endAB = bRuns.paths[bFirst.paths.indexOf(q)]!.mem;
      const endBA = aRuns.paths[aFirst.paths.indexOf(p)]!.mem;
      // Both ends are the pre-state plus the same stores, so they can differ only at a stored key.
      const keys = [...p.writes, ...q.writes].map((w) => w.key);
      const differ = alg.or(...keys.map((k) => alg.not(alg.eq(endAB.select(k), endBA.select(k)))));
      goals.push(alg.bool(alg.and(fits(p, a), fits(q, b), differ)));
    }
  }
  return goals;
}

/**
 * Decides whether a and b commute given the world's assumptions: lockstep first; a witness is
 * kept only if `replay` confirms it on the VM, otherwise the exact encoding decides.
 */
export async function decideOrders(world: World, a: SymTx, b: SymTx, replay: (model: ZModel) => OrderReplay): Promise<Verdict> {
  const refuted = (r: OrderReplay): Verdict => ({ result: 'refuted', witness: { summary: `${r.summary}; differ: ${r.differences.join(', ')}`, ...r.detail } });
  const goals = await lockstepGoals(world, a, b);
  if (goals) {
    const quick = await search(world, [world.z.Or(...goals)]);
    if ('unknown' in quick) return { result: 'unknown', reason: quick.unknown };
    if (!quick.found) return { result: 'proved' };
    const r = replay(quick.model);
    if (r.differences.length > 0) return refuted(r);
  }
  const exact = await search(world, [await ordersDiffer(world, a, b)]);
  if ('unknown' in exact) return { result: 'unknown', reason: exact.unknown };
  if (!exact.found) return { result: 'proved' };
  const r = replay(exact.model);
  return r.differences.length > 0 ? refuted(r) : { result: 'unknown', reason: 'a bug in Concord: z3 found a witness that does not replay on the VM, so the prover (spec/smt/symvm.ts) and the VM (spec/vm.ts) disagree and no verdict can be given; please report it' };
}

/** The witness's pre-state: the model's value at every key a formula mentions (zeros left out, as in the VM's state). */
export function preStateOf(world: World, model: ZModel): Map<number, number> {
  const pre = new Map<number, number>();
  for (const k of world.baseKeys) {
    const key = valueOf(world.z, model, k);
    if (key < 0n || key >= BigInt(KEY_LIMIT)) continue;
    const v = valueOf(world.z, model, world.stateAt(k));
    if (v !== 0n) pre.set(Number(key), Number(v));
  }
  return pre;
}
