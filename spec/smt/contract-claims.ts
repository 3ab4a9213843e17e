// Proofs about contracts, from their bytecode run symbolically over all paths (spec/smt/symvm.ts):
// (a) footprint soundness: for all arguments and pre-states, every READ, WRITE and DELTA the
// program executes touches a key its footprint declares with that access (a DELTA may also use a
// key declared read and write); (b) its stated invariants hold for all arguments, pre-states and
// gas limits; (c) two calls whose declared footprints share no key commute.
// Invariant: a refutation carries the arguments and pre-state that make it, replayed on the VM,
// and names instructions as the contract's source does (`code[i]` of a user's file).

import { assemble, OP, WIDTH } from '../bytecode.js';
import type { Footprint, FootprintEntry, KeyExpr, Program } from '../block.js';
import { CONTRACTS, contractOps, FIELDS, STRIDE } from '../contracts.js';
import { runTransaction, newOutcome, TxStatus } from '../vm.js';
import { MAX_VALUE } from '../values.js';
import { search, type Claim, type Search, type Verdict } from './claims.js';
import { decideOrders, preStateOf } from './commute.js';
import { concreteDomain, evalBool, parseInvariant, type CmpOp, type Domain, type Invariant } from './invariants.js';
import { LIBRARY_INVARIANTS } from './library.js';
import { replayOrders, runBlock, showReceipt, showState, type Call } from './replay.js';
import { Alg, explore, World, type Access, type Cond, type Memory, type Val } from './symvm.js';
import { SOLVER_TIMEOUT_MS, valueOf, type Int, type Z, type ZModel } from './z3.js';

/** A contract as the prover sees it: bytecode, declared footprint, stated invariants. */
export interface ContractSpec {
  readonly name: string;
  readonly params: readonly string[];
  readonly code: Float64Array;
  /**
   * For a user's file: the index in its `code` of each instruction, which counts labels the
   * bytecode has no slot for. Absent for the library, whose instructions are numbered as assembled.
   */
  readonly codeIndex?: readonly number[];
  readonly footprint: Footprint;
  readonly invariants: readonly Invariant[];
}

/** Keys as the library lays them out, and as a contract file names fields: entity.field. */
export function libraryKeyName(k: number): string {
  return `${Math.floor(k / STRIDE)}.${FIELDS[k % STRIDE]}`;
}

function program(c: ContractSpec): Program {
  return { name: c.name, code: c.code, footprint: c.footprint, arity: c.params.length };
}

function keyOf(alg: Alg, k: KeyExpr, args: readonly Val[]): Int {
  return alg.int(k.arg === undefined ? BigInt(k.add) : alg.add(alg.mul(args[k.arg]!, BigInt(k.mul ?? 1)), BigInt(k.add)));
}

/** Bytecode index `pc` as an index of the contract file's `code` (labels counted); `pc` for a library contract. */
function codeIndexOf(c: ContractSpec, pc: number): number {
  return c.codeIndex?.[pc] ?? pc;
}

/** The instruction at bytecode index `pc` as the contract's source names it. */
function instructionAt(c: ContractSpec, pc: number): string {
  return c.codeIndex ? `code[${codeIndexOf(c, pc)}]` : `instruction ${pc}`;
}

function shows(c: ContractSpec, args: readonly number[]): string {
  return `${c.name}(${c.params.map((p, i) => `${p}=${args[i]}`).join(', ')})`;
}

/**
 * Declared bounds constrain a DELTA only if they lie within its own: executors decide whether two
 * deltas on a key commute by a headroom check on the declared bounds, and the VM checks the
 * instruction's, so declared bounds wider than the instruction's would let a delta that reverts
 * in one order and not the other pass as commuting.
 */
function boundsCover(alg: Alg, e: FootprintEntry, lo: Val, hi: Val): Cond {
  return alg.and(e.lo === undefined ? true : alg.le(lo, BigInt(e.lo)), e.hi === undefined ? true : alg.le(BigInt(e.hi), hi));
}

/**
 * Whether the footprint covers an access: a READ a read entry on its key, a WRITE a write entry; a
 * DELTA a delta entry on its key, or read and write entries both, and every delta entry on its key
 * with bounds within the instruction's. Every one, not some: a scheduler may take any of a key's
 * delta entries (the first, the last, or their intersection, as bench/ideal.ts does), and each
 * must be safe to check headroom on.
 */
function covered(alg: Alg, fp: Footprint, args: readonly Val[], acc: Access): Cond {
  const at = (e: FootprintEntry) => alg.eq(acc.key, keyOf(alg, e.key, args));
  const declared = (access: FootprintEntry['access']) => alg.or(...fp.filter((e) => e.access === access).map(at));
  if (acc.op !== 'delta') return declared(acc.op);
  const within = alg.and(...fp.filter((e) => e.access === 'delta').map((e) => alg.or(alg.not(at(e)), boundsCover(alg, e, acc.lo!, acc.hi!))));
  return alg.and(alg.or(declared('delta'), alg.and(declared('read'), declared('write'))), within);
}

/**
 * Confirms on the VM that the witness reaches the access with the key z3 named: the instruction
 * is replaced by a jump to EMIT key; STOP, so the run ends there and reports the key. A later
 * visit of a looping instruction is confirmed from what the run asks the view for and writes.
 */
function reachesKey(c: ContractSpec, acc: Access, args: readonly number[], pre: ReadonlyMap<number, number>, key: number): boolean {
  const out = newOutcome();
  const asked: number[] = [];
  const view = { read: (k: number) => (asked.push(k), pre.get(k) ?? 0) };
  if (acc.visit > 1) {
    runTransaction(c.code, args, MAX_VALUE, view, out);
    return asked.includes(key) || out.writeKeys.slice(0, out.writeCount).includes(key);
  }
  const end = c.code.length / WIDTH;
  const patched = new Float64Array(c.code.length + 2 * WIDTH);
  patched.set(c.code);
  patched.set([OP.JUMP, end, 0, 0, 0], acc.pc * WIDTH);
  patched.set([OP.EMIT, acc.keyReg, 0, 0, 0, OP.STOP, 0, 0, 0, 0], end * WIDTH);
  runTransaction(patched, args, MAX_VALUE, view, out);
  return out.status === TxStatus.Success && out.outputs[out.outputCount - 1] === key;
}

/** A delta entry's bounds as written: `bounds [0, 10]`, or the one side it gives. */
function declared(e: FootprintEntry): string {
  if (e.lo !== undefined && e.hi !== undefined) return `bounds [${e.lo}, ${e.hi}]`;
  return e.lo !== undefined ? `lo ${e.lo}` : `hi ${e.hi}`;
}

/**
 * Why an access escapes the footprint, as what to fix: a DELTA on a key declared delta with bounds
 * wider than the instruction's (the bounds are at fault, not the key), a key declared with other
 * accesses only, or a key not declared at all. `declares` says whether an entry names the key in
 * the witness; `bounds` are the DELTA's own in the witness.
 */
function escapeFault(
  c: ContractSpec, acc: Access, key: number, name: (k: number) => string, declares: (e: FootprintEntry) => boolean, bounds: readonly [number, number] | undefined,
): { fault: string; entry?: number; lo?: number; hi?: number } {
  const shown = name(key) === String(key) ? `key ${key}` : `key ${key} (${name(key)})`;
  const what = `the ${acc.op.toUpperCase()} at ${instructionAt(c, acc.pc)}`;
  const entries = c.footprint.map((e, j) => ({ e, j })).filter(({ e }) => declares(e));
  const widerOf = (e: FootprintEntry, [lo, hi]: readonly [number, number]) => [
    ...(e.lo !== undefined && e.lo < lo ? [`lo ${e.lo} is below the instruction's ${lo}`] : []),
    ...(e.hi !== undefined && e.hi > hi ? [`hi ${e.hi} is above the instruction's ${hi}`] : []),
  ];
  // The first delta entry on the key whose bounds are wider: another may be within them.
  const delta = bounds && entries.find(({ e }) => e.access === 'delta' && widerOf(e, bounds).length > 0);
  if (bounds && delta) {
    const [lo, hi] = bounds;
    const { e, j } = delta;
    const wider = widerOf(e, bounds);
    const others = entries.filter(({ e: o, j: i }) => o.access === 'delta' && i !== j).map(({ j: i }) => `footprint[${i}]`);
    const alsoOk = others.length > 0 ? ` (${others.join(', ')} also declare${others.length === 1 ? 's' : ''} a delta on it: a scheduler may take any of them, so each must be within)` : '';
    return {
      fault: `footprint[${j}] declares a delta on ${shown} with ${declared(e)}, but ${what} applies it with bounds [${lo}, ${hi}]: ` +
        `the declared ${wider.join(' and the declared ')}. Executors check delta headroom on the declared bounds, so two deltas on the key could pass as commuting ` +
        `while the instruction's narrower bounds make one order revert${alsoOk}; declare bounds within [${lo}, ${hi}] (or the key read and write)`,
      entry: j, lo, hi,
    };
  }
  if (entries.length > 0) {
    const kinds = [...new Set(entries.map(({ e }) => e.access))].join(' and ');
    const need = acc.op === 'delta' ? 'a delta entry, or read and write both' : `a ${acc.op} entry`;
    return { fault: `${what} touches ${shown}, which the footprint declares ${kinds} only (footprint[${entries.map(({ j }) => j).join('], footprint[')}]); it needs ${need}` };
  }
  return { fault: `${what} touches ${shown}, outside the footprint` };
}

function footprintClaim(c: ContractSpec, name: (k: number) => string): Claim {
  return {
    name: `${c.name}: footprint sound`,
    expected: 'proved',
    check: async (z) => {
      const world = new World(z);
      const alg = new Alg(z);
      const args = c.params.map((p) => world.value(p));
      const { accesses } = await explore(world, c.code, args, world.initial());
      const escapes = accesses.map((acc) => alg.bool(alg.and(acc.cond, alg.not(covered(alg, c.footprint, args, acc)))));
      const found = await search(world, [alg.bool(alg.or(...escapes))]);
      if ('unknown' in found) return { result: 'unknown', reason: found.unknown };
      if (!found.found) return { result: 'proved' };
      const m = found.model;
      const i = escapes.findIndex((e) => z.isTrue(m.eval(e, true)));
      const acc = accesses[i]!;
      const argv = args.map((a) => Number(valueOf(z, m, a)));
      const key = Number(valueOf(z, m, acc.key));
      const pre = preStateOf(world, m);
      if (!reachesKey(c, acc, argv, pre, key)) return { result: 'unknown', reason: 'z3 found a witness that does not replay on the VM (an encoding slip)' };
      const at = (e: FootprintEntry) => Number(valueOf(z, m, keyOf(alg, e.key, args))) === key;
      const bounds = acc.op === 'delta' ? [acc.lo!, acc.hi!].map((b) => Number(valueOf(z, m, alg.int(b)))) as [number, number] : undefined;
      const { fault, ...detail } = escapeFault(c, acc, key, name, at, bounds);
      return {
        result: 'refuted',
        witness: {
          summary: `${shows(c, argv)} with pre ${showState(pre, name)}: ${fault}`,
          args: argv, pre: Object.fromEntries([...pre].map(([k, v]) => [name(k), v])), instruction: codeIndexOf(c, acc.pc), access: acc.op, key, ...detail,
        },
      };
    },
  };
}

/** The z3 meaning of an invariant on one path of the transaction. */
function z3Domain(world: World, alg: Alg, args: readonly Val[], post: Memory, success: boolean): Domain<Val, Cond> {
  const CMPS: Record<CmpOp, (a: Val, b: Val) => Cond> = {
    '=': (a, b) => alg.eq(a, b), '!=': (a, b) => alg.not(alg.eq(a, b)), '<': (a, b) => alg.lt(a, b),
    '<=': (a, b) => alg.le(a, b), '>': (a, b) => alg.lt(b, a), '>=': (a, b) => alg.le(b, a),
  };
  return {
    int: (v) => v,
    arg: (i) => args[i]!,
    at: (when, key) => {
      const k = alg.int(key);
      const before = world.pre(k);
      return when === 'pre' ? before : post.select(k);
    },
    success: () => success,
    bool: (v) => v,
    arith: (op, a, b) => (op === '+' ? alg.add(a, b) : op === '-' ? alg.sub(a, b) : alg.mul(a, b)),
    cmp: (op, a, b) => CMPS[op](a, b),
    and: (ts) => alg.and(...ts),
    or: (ts) => alg.or(...ts),
    not: (t) => alg.not(t),
    ite: (c, a, b) => alg.ite(c, a, b),
  };
}

function invariantClaim(c: ContractSpec, inv: Invariant, name: (k: number) => string): Claim {
  return {
    name: `${c.name}: ${inv.name}`,
    expected: 'proved',
    check: async (z) => {
      const world = new World(z);
      const alg = new Alg(z);
      const args = c.params.map((p) => world.value(p));
      const limit = world.limit('gas');
      const { paths } = await explore(world, c.code, args, world.initial());
      const fails = (d: Domain<Val, Cond>) => alg.and(inv.assume ? evalBool(inv.assume, d) : true, alg.not(evalBool(inv.holds, d)));
      // Every run without effect (a revert, or a path cut short by gas) ends in the pre-state
      // unsuccessfully: one goal covers them all. Each successful path gets its own goal, so z3
      // meets one path's arithmetic at a time.
      const idle = alg.or(...paths.map((p) => (p.status === 'success' ? alg.and(p.cond, limit.lt(p.gas)) : p.cond)));
      const perRun = (f: (d: Domain<Val, Cond>) => Cond) => [
        alg.and(idle, f(z3Domain(world, alg, args, world.initial(), false))),
        ...paths.filter((p) => p.status === 'success').map((p) => alg.and(p.cond, limit.ge(p.gas), f(z3Domain(world, alg, args, p.mem, true)))),
      ];
      const goals = perRun(fails);
      let found: Search = { found: false };
      for (const goal of goals) {
        found = await search(world, [alg.bool(goal)]);
        if ('unknown' in found || found.found) break;
      }
      if ('unknown' in found) return { result: 'unknown', reason: found.unknown };
      if (found.found) return invariantWitness(z, world, found.model, c, inv, args, limit, name);
      if (!inv.assume) return { result: 'proved' };
      // As with a claim's own assumptions (claims.ts): an assume no run meets proves nothing.
      const met = await world.feasible([alg.bool(alg.or(...perRun((d) => evalBool(inv.assume!, d))))], undefined, SOLVER_TIMEOUT_MS);
      if (met.answer === 'unsat') return { result: 'unknown', reason: `vacuous: no run meets its assume, so proving it would say nothing` };
      return met.answer === 'sat' ? { result: 'proved' } : { result: 'unknown', reason: 'z3 could not tell whether any run meets its assume' };
    },
  };
}

function invariantWitness(
  z: Z, world: World, m: ZModel, c: ContractSpec, inv: Invariant, args: readonly Int[], limit: Int, name: (k: number) => string,
): Verdict {
  const argv = args.map((a) => Number(valueOf(z, m, a)));
  const gasLimit = Number(valueOf(z, m, limit));
  const pre = preStateOf(world, m);
  const call: Call = { label: 'T', shows: shows(c, argv), program: program(c), args: argv, gasLimit };
  const run = runBlock([call], pre);
  const looked = new Set<bigint>();
  const d = concreteDomain(argv, pre, run.state, run.receipts[0]!.status === 'success', looked);
  const assumed = inv.assume ? evalBool(inv.assume, d) : true;
  if (!assumed || evalBool(inv.holds, d)) return { result: 'unknown', reason: 'z3 found a witness that does not replay on the VM (an encoding slip)' };
  const keys = [...looked].map(Number);
  const at = (s: ReadonlyMap<number, number>) => new Map(keys.map((k) => [k, s.get(k) ?? 0]));
  const receipt = showReceipt(run.receipts[0]!, run.reads[0]!, name);
  return {
    result: 'refuted',
    witness: {
      summary: `${call.shows}, gas limit ${gasLimit}: ${receipt}; pre ${showState(at(pre), name)} -> post ${showState(at(run.state), name)}`,
      args: argv, gasLimit, pre: Object.fromEntries([...pre].map(([k, v]) => [name(k), v])),
      post: Object.fromEntries([...run.state].map(([k, v]) => [name(k), v])), receipt: run.receipts[0],
    },
  };
}

function commuteClaim(a: ContractSpec, b: ContractSpec, name: (k: number) => string): Claim {
  return {
    name: `${a.name} + ${b.name}: commute when footprints are disjoint`,
    expected: 'proved',
    check: async (z) => {
      const world = new World(z);
      const alg = new Alg(z);
      const argsA = a.params.map((p) => world.value(`T1.${p}`));
      const argsB = b.params.map((p) => world.value(`T2.${p}`));
      const limitA = world.limit('T1.gas');
      const limitB = world.limit('T2.gas');
      const keysA = a.footprint.map((e) => keyOf(alg, e.key, argsA));
      const keysB = b.footprint.map((e) => keyOf(alg, e.key, argsB));
      for (const ka of keysA) for (const kb of keysB) world.distinct(ka, kb);
      const txA = { code: a.code, args: argsA, limit: limitA };
      const txB = { code: b.code, args: argsB, limit: limitB };
      return decideOrders(world, txA, txB, (model) => {
        const num = (t: Int) => Number(valueOf(z, model, t));
        const call = (c: ContractSpec, label: string, args: Int[], limit: Int): Call => {
          const argv = args.map(num);
          return { label, shows: shows(c, argv), program: program(c), args: argv, gasLimit: num(limit) };
        };
        return replayOrders(call(a, 'T1', argsA, limitA), call(b, 'T2', argsB, limitB), preStateOf(world, model), name);
      });
    },
  };
}

/** Footprint soundness and each stated invariant of one contract. */
export function contractClaims(c: ContractSpec, name: (k: number) => string = libraryKeyName): Claim[] {
  return [footprintClaim(c, name), ...c.invariants.map((inv) => invariantClaim(c, inv, name))];
}

/** The library contracts (spec/contracts.ts) as the prover sees them, with their invariants. */
function librarySpecs(): ContractSpec[] {
  return [...CONTRACTS.values()].map((def) => {
    const params = def.params.map((p) => p.name);
    return {
      name: def.name,
      params,
      code: assemble(contractOps(def, 0)),
      footprint: def.footprint,
      invariants: (LIBRARY_INVARIANTS[def.name] ?? []).map((inv, i) => parseInvariant(inv, `${def.name}.invariants[${i}]`, { params })),
    };
  });
}

/** Every library claim: each contract's footprint and invariants, then every pair (a contract with itself too) on disjoint footprints. */
export function libraryClaims(): Claim[] {
  const specs = librarySpecs();
  return [
    ...specs.flatMap((c) => contractClaims(c)),
    ...specs.flatMap((a, i) => specs.slice(i).map((b) => commuteClaim(a, b, libraryKeyName))),
  ];
}
