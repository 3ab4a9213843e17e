// The z3 image of spec/vm.ts: runs a program symbolically over all of its paths. A register holds
// an exact integer: a bigint while it is known, a z3 term once an input flows into it (a
// comparison's result stays a z3 Bool until arithmetic needs it as 0/1). Every fault the VM
// raises (overflow, division by zero, key out of range, delta outside its bounds) splits the path
// in two, as does every JUMPI on an unknown condition and every DIV or MOD on operands of unknown
// sign. HASH is an uninterpreted function of (value, iterations) into [0, 2^53), so what is
// proven holds for every hash function, sha256 included. A JUMPI's branch that z3 finds
// infeasible is dropped (in a loop always, so a loop bounded by a check ends; in forward code once
// an exploration has grown, see EXPLORE_LIMITS), and so, once it has grown, is a fault's at an
// instruction where no fault has yet been found reachable; a branch z3 cannot decide is followed.
// Invariant: for every input that satisfies a path's condition, runTransaction with unlimited gas
// follows exactly that path, with its accesses, reads, writes, outputs, status, code and gas; a
// finite gas limit L cuts the path at the first instruction whose cumulative gas exceeds L. The
// paths are mutually exclusive and, under the world's assumptions, cover every input.

import { AsyncLocalStorage } from 'node:async_hooks';
import { HASH_GAS_PER_ITERATION, OP, OPS, REGISTERS, WIDTH } from '../bytecode.js';
import { takeTurn } from '../turn.js';
import { FAULT, KEY_LIMIT } from '../values.js';
import { inValueRange, MAX, MIN, SOLVER_TIMEOUT_MS, type B, type Int, type Z, type ZModel } from './z3.js';

/** A register's content: known integer, z3 integer term, or z3 truth value (read as 1/0). */
export type Val = bigint | Int | B;
/** A condition: decided (a JS boolean) or a z3 Bool. */
export type Cond = boolean | B;

let worlds = 0;

/**
 * Bounds on exploration; past them a claim comes out unknown rather than running forever. A
 * forward JUMPI's branches, and faults, are checked for feasibility only once an exploration has
 * `pruneAfter` paths (finished or waiting): small programs pay no solver calls (a non-linear one
 * can take seconds), while independent ifs cannot multiply into thousands of impossible paths, nor
 * a loop's passes into thousands of impossible faults. `feasibilityMs` bounds each check of a
 * loop's branch, `forwardMs` each of a forward branch or a fault; past it the branch is followed.
 * A forward check only saves paths, so it gets less: a few hard non-linear ones at the full limit
 * would spend a claim's whole budget.
 */
export const EXPLORE_LIMITS = { paths: 2000, steps: 20_000, pruneAfter: 64, feasibilityMs: SOLVER_TIMEOUT_MS, forwardMs: 1000 };

/**
 * Whether a path is checked at its `visit`-th pass of a loop's JUMPI: the 1st, 2nd, 4th, ... 64th
 * and every 64th after. A loop bounded by a check overruns its bound by less than the last gap
 * (the overrun's waiting branches are checked and dropped when resumed), and one bounded by
 * nothing reaches the step limit with ~1/64 of the solver calls.
 */
function checkpoint(visit: number): boolean {
  return visit <= 64 ? (visit & (visit - 1)) === 0 : visit % 64 === 0;
}

export class ExplorationLimit extends Error {
  static {
    this.prototype.name = 'ExplorationLimit';
  }
}

/** What a loop named in an unknown's reason lacks: an exit z3 can see within the limits. */
const LOOP_HINT = ' (a loop bounded only by gas, or by a bound too large for the limits, gets no verdict: bound it by an argument the code checks, or by a constant)';

/** A claim's wall-clock budget, as runClaims sets it around the claim. */
export interface Budget {
  readonly ms: number;
  /** performance.now() past which the claim stops. */
  readonly deadline: number;
}

/** The budget of the claim running in this async context; a World takes it when made. */
export const claimBudget = new AsyncLocalStorage<Budget>();

/** The claim's wall-clock budget ran out: it is unknown, whatever stage it reached. */
export class OutOfTime extends Error {
  static {
    this.prototype.name = 'OutOfTime';
  }
  /** `during`: what the claim was doing, where that says more than the budget (a loop it kept passing). */
  constructor(readonly budget: Budget, during?: string) {
    super(`the claim's time budget of ${budget.ms / 1000} s ran out${during ? `, ${during}` : ''}`);
  }
}

/** A model of the world's first `facts` assumptions and a path's first `conds` conditions. */
export interface Witness {
  readonly model: ZModel;
  readonly facts: number;
  readonly conds: number;
}

/** What z3 says of a path; a caller must treat 'unknown' as possible. `witness` is the freshest model known for it. */
export interface Feasible {
  readonly answer: 'sat' | 'unsat' | 'unknown';
  readonly witness: Witness | undefined;
}

/**
 * Path feasibility, incrementally. A model of the path so far decides most branches without a
 * solver call (at a split it satisfies one side or the other). Otherwise one solver whose push
 * levels hold one path's conditions in order, a level per check: moving to a path that shares a
 * prefix with the last pops only what differs, and each check adds only the new conditions
 * (re-adding the whole path made a loop's cost grow with the square of its length). Only a
 * solver's 'unsat' prunes, so a model can never drop a feasible path. Invariant: the solver holds
 * exactly the world's assumptions so far plus the conditions in `levels`; an assumption that
 * arrives while levels are pushed goes on the top one and is re-added lower when that one is popped.
 */
class Feasibility {
  private readonly solver;
  private readonly levels: { readonly conds: readonly B[]; readonly facts: B[] }[] = [];
  private known = 0;

  constructor(private readonly world: World) {
    this.solver = new world.z.Solver();
  }

  async check(conds: readonly B[], hint: Witness | undefined, ms: number): Promise<Feasible> {
    const z = this.world.z;
    const facts = this.world.assumptions;
    if (hint) {
      const rest = [...facts.slice(hint.facts), ...conds.slice(hint.conds)];
      if (rest.length === 0 || z.isTrue(hint.model.eval(z.And(...rest), true))) {
        return { answer: 'sat', witness: { model: hint.model, facts: facts.length, conds: conds.length } };
      }
    }
    let kept = 0;
    let held = 0;
    for (const { conds: level } of this.levels) {
      if (held + level.length > conds.length || level.some((c, i) => c !== conds[held + i])) break;
      kept++;
      held += level.length;
    }
    if (kept < this.levels.length) {
      this.solver.pop(this.levels.length - kept);
      this.assert(this.levels.splice(kept).flatMap((l) => l.facts));
    }
    if (held < conds.length) {
      const level = conds.slice(held);
      this.solver.push();
      this.solver.add(...level);
      this.levels.push({ conds: level, facts: [] });
    }
    this.assert(facts.slice(this.known));
    this.known = facts.length;
    this.solver.set('timeout', this.world.solverTimeout(ms));
    const answer = await this.solver.check();
    return { answer, witness: answer === 'sat' ? { model: this.solver.model(), facts: this.known, conds: conds.length } : hint };
  }

  private assert(more: readonly B[]): void {
    if (more.length === 0) return;
    this.solver.add(...more);
    this.levels.at(-1)?.facts.push(...more);
  }
}

/**
 * The shared frame of one proof: the pre-state, the facts every model must satisfy (values in
 * range, hash outputs in range) and the free inputs. One world per claim, so names never clash.
 */
export class World {
  readonly assumptions: B[] = [];
  /** Free inputs (arguments, gas limits, symbolic immediates): a witness is made readable by bounding them. */
  readonly inputs: Int[] = [];
  /** Gas limits (0..MAX_VALUE), kept apart: a readable witness gives them room rather than bounding them small. */
  readonly limits: Int[] = [];
  /** Keys whose pre-state value some formula mentions: a witness's pre-state is read at these. */
  readonly baseKeys: Int[] = [];
  /** What a witness should also show when it can (e.g. a pre-state inside a delta's bounds): readability only, never assumed. */
  readonly preferences: B[] = [];
  /** Key pairs the claim assumes differ (each also an assumption), so memory can skip such stores. */
  readonly apart: [Int, Int][] = [];
  /** Whether some input met the first `count` assumptions, when last asked (claims.ts vacuous). */
  assumptionsMet: { readonly count: number; readonly met: boolean } | undefined;
  /** The pre-state, key -> value: a function, since every store lives in a Memory, never in z3. */
  private readonly state;
  private readonly hashFn;
  /** The claim's budget: every exploration step and solver call of this world keeps within it. */
  readonly budget: Budget | undefined = claimBudget.getStore();
  private feasibility: Feasibility | undefined;
  private readonly id = ++worlds;
  private count = 0;

  constructor(readonly z: Z) {
    this.state = z.Function.declare(`pre#${this.id}`, z.Int.sort(), z.Int.sort());
    this.hashFn = z.Function.declare(`hash#${this.id}`, z.Int.sort(), z.Int.sort(), z.Int.sort());
  }

  /** A fresh input anywhere in the value range. */
  value(name: string): Int {
    const x = this.z.Int.const(`${name}#${this.id}.${this.count++}`);
    this.assumptions.push(inValueRange(this.z, x));
    this.inputs.push(x);
    return x;
  }

  /** A fresh transaction gas limit. */
  limit(name: string): Int {
    const x = this.z.Int.const(`${name}#${this.id}.${this.count++}`);
    this.assumptions.push(x.ge(0), x.le(MAX));
    this.limits.push(x);
    return x;
  }

  /** Assumes a != b for the whole claim. */
  distinct(a: Int, b: Int): void {
    this.assumptions.push(a.neq(b));
    this.apart.push([a, b]);
  }

  /** The pre-state as a memory. */
  initial(): Memory {
    return new Memory(this, []);
  }

  /** The pre-state value at key, as a bare term (no assumption added). */
  stateAt(key: Int): Int {
    return this.state.call(key) as Int;
  }

  /** A fresh key, e.g. for "some key where two states differ". */
  key(name: string): Int {
    return this.z.Int.const(`${name}#${this.id}.${this.count++}`);
  }

  /** The pre-state value at key; the VM's state only ever holds values in range. */
  pre(key: Int): Int {
    const v = this.stateAt(key);
    this.assumptions.push(inValueRange(this.z, v));
    this.baseKeys.push(key);
    return v;
  }

  hash(x: Int, iterations: number): Int {
    const h = this.hashFn.call(x, BigInt(iterations)) as Int;
    this.assumptions.push(h.ge(0), h.lt(2n ** 53n));
    return h;
  }

  /**
   * Whether some input satisfies the assumptions and conds, asking z3 for at most `ms`; `hint`, a
   * model of part of them, may answer at once.
   */
  feasible(conds: readonly B[], hint?: Witness, ms: number = EXPLORE_LIMITS.feasibilityMs): Promise<Feasible> {
    this.feasibility ??= new Feasibility(this);
    return this.feasibility.check(conds, hint, ms);
  }

  /** Whether the claim's budget is spent. */
  spent(): boolean {
    return this.budget !== undefined && performance.now() >= this.budget.deadline;
  }

  /** Throws OutOfTime once the claim's budget is spent. */
  inTime(): void {
    if (this.spent()) throw new OutOfTime(this.budget!);
  }

  /** A solver call's timeout: at most `ms`, and never past the claim's budget (OutOfTime once it is spent). */
  solverTimeout(ms: number): number {
    this.inTime();
    return this.budget ? Math.min(ms, Math.ceil(this.budget.deadline - performance.now())) : ms;
  }
}

/** One store into memory; a guarded one happens only when its guard holds. */
export interface Store {
  readonly key: Int;
  readonly value: Int;
  readonly guard?: B;
}

/** A key as term + offset, so keys of one entity's fields (e*16+1, e*16+2) are seen to differ. */
function split(z: Z, k: Int): { readonly at: Int | undefined; readonly offset: bigint } {
  if (z.isIntVal(k)) return { at: undefined, offset: k.value() };
  if (k.numArgs() === 2 && k.decl().name() === '+') {
    const c = k.arg(1);
    if (z.isIntVal(c)) return { at: k.arg(0) as Int, offset: c.value() };
  }
  return { at: k, offset: 0n };
}

/**
 * A state as the world's pre-state plus stores. Reading a key skips every store whose key
 * certainly differs (other constant, same term + other offset, or a pair the world assumes
 * apart) and stops at one whose key is the same term, so a transaction reading keys another
 * never writes sees the very terms it would see on the pre-state, and z3 has nothing to split.
 * Invariant: select means exactly what it would on the z3 array with the same stores.
 */
export class Memory {
  constructor(private readonly world: World, readonly stores: readonly Store[]) {}

  store(key: Int, value: Int, guard?: B): Memory {
    return new Memory(this.world, [...this.stores, guard ? { key, value, guard } : { key, value }]);
  }

  select(key: Int): Int {
    const z = this.world.z;
    const hits: [B, Int][] = [];
    let v: Int | undefined;
    for (let i = this.stores.length - 1; i >= 0 && v === undefined; i--) {
      const w = this.stores[i]!;
      const rel = this.relate(key, w.key);
      if (rel === 'apart') continue;
      const cond = rel === 'same' ? w.guard : w.guard ? z.And(key.eq(w.key), w.guard) : key.eq(w.key);
      if (cond) hits.push([cond, w.value]);
      else v = w.value;
    }
    v ??= this.world.stateAt(key);
    for (let i = hits.length - 1; i >= 0; i--) v = z.If(hits[i]![0], hits[i]![1], v) as Int;
    return v;
  }

  private relate(a: Int, b: Int): 'same' | 'apart' | 'maybe' {
    if (a.eqIdentity(b)) return 'same';
    const x = split(this.world.z, a);
    const y = split(this.world.z, b);
    const sameAt = x.at === undefined ? y.at === undefined : y.at !== undefined && x.at.eqIdentity(y.at);
    if (sameAt) return x.offset === y.offset ? 'same' : 'apart';
    const assumed = this.world.apart.some(([p, q]) => (p.eqIdentity(a) && q.eqIdentity(b)) || (p.eqIdentity(b) && q.eqIdentity(a)));
    return assumed ? 'apart' : 'maybe';
  }
}

/** Exact integer algebra over known values and z3 terms, folding whatever is known. */
export class Alg {
  constructor(readonly z: Z) {}

  int(v: Val): Int {
    if (typeof v === 'bigint') return this.z.Int.val(v);
    return this.z.isBool(v) ? (this.z.If(v, this.z.Int.val(1), this.z.Int.val(0)) as Int) : v;
  }

  truth(v: Val): Cond {
    if (typeof v === 'bigint') return v !== 0n;
    return this.z.isBool(v) ? v : v.neq(0);
  }

  /** A condition as a register value (1/0 when decided). */
  reg(c: Cond): Val {
    return typeof c === 'boolean' ? (c ? 1n : 0n) : c;
  }

  bool(c: Cond): B {
    return typeof c === 'boolean' ? this.z.Bool.val(c) : c;
  }

  not(c: Cond): Cond {
    return typeof c === 'boolean' ? !c : this.z.Not(c);
  }

  and(...cs: Cond[]): Cond {
    const open: B[] = [];
    for (const c of cs) {
      if (c === false) return false;
      if (c !== true) open.push(c);
    }
    return open.length === 0 ? true : open.length === 1 ? open[0]! : this.z.And(...open);
  }

  or(...cs: Cond[]): Cond {
    const open: B[] = [];
    for (const c of cs) {
      if (c === true) return true;
      if (c !== false) open.push(c);
    }
    return open.length === 0 ? false : open.length === 1 ? open[0]! : this.z.Or(...open);
  }

  ite(c: Cond, x: Val, y: Val): Val {
    if (typeof c === 'boolean') return c ? x : y;
    return this.z.If(c, this.int(x), this.int(y)) as Int;
  }

  add(a: Val, b: Val): Val {
    return typeof a === 'bigint' && typeof b === 'bigint' ? a + b : this.int(a).add(this.int(b));
  }

  sub(a: Val, b: Val): Val {
    return typeof a === 'bigint' && typeof b === 'bigint' ? a - b : this.int(a).sub(this.int(b));
  }

  mul(a: Val, b: Val): Val {
    return typeof a === 'bigint' && typeof b === 'bigint' ? a * b : this.int(a).mul(this.int(b));
  }

  neg(a: Val): Val {
    return typeof a === 'bigint' ? -a : this.int(a).neg();
  }

  lt(a: Val, b: Val): Cond {
    return typeof a === 'bigint' && typeof b === 'bigint' ? a < b : this.int(a).lt(this.int(b));
  }

  le(a: Val, b: Val): Cond {
    return typeof a === 'bigint' && typeof b === 'bigint' ? a <= b : this.int(a).le(this.int(b));
  }

  eq(a: Val, b: Val): Cond {
    if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
    if (typeof a !== 'bigint' && typeof b !== 'bigint' && a.eqIdentity(b)) return true;
    return this.int(a).eq(this.int(b));
  }

  inRange(v: Val): Cond {
    return typeof v === 'bigint' ? v >= MIN && v <= MAX : inValueRange(this.z, this.int(v));
  }

  same(x: Cond, y: Cond): Cond {
    if (typeof x === 'boolean' && typeof y === 'boolean') return x === y;
    if (typeof x !== 'boolean' && typeof y !== 'boolean' && x.eqIdentity(y)) return true;
    return this.bool(x).eq(this.bool(y));
  }
}

export type AccessOp = 'read' | 'write' | 'delta';

/** One READ, WRITE or DELTA the program executes (its key already checked to be in range). */
export interface Access {
  readonly pc: number;
  /** Which visit of pc on its path (1 unless the program loops). */
  readonly visit: number;
  readonly op: AccessOp;
  readonly key: Int;
  /** The register holding the key (a witness replay reports it). */
  readonly keyReg: number;
  /** Condition under which the access happens. */
  readonly cond: B;
  readonly lo?: Val;
  readonly hi?: Val;
}

/** A READ on a path: the VM records (key, value) in the read set when fromView holds and the READ runs. */
export interface ReadEvent {
  /** Cumulative gas once the READ is charged: it runs iff the gas limit is at least this. */
  readonly gasAt: number;
  readonly key: Int;
  readonly value: Int;
  readonly fromView: Cond;
}

export interface Path {
  readonly cond: B;
  readonly status: 'success' | 'reverted';
  readonly code: number;
  /** Gas with an unlimited limit; a limit below this ends the path out of gas. */
  readonly gas: number;
  readonly outputs: readonly Int[];
  readonly reads: readonly ReadEvent[];
  /** The state after the transaction's own writes (applied only if it succeeds). */
  readonly mem: Memory;
  /** The stores that made mem from the input state, in order. */
  readonly writes: readonly { readonly key: Int; readonly value: Int }[];
  /** The branch taken at each split, so two explorations of one program can be paired path by path. */
  readonly trace: string;
  /** The bytecode index of the last instruction the path ran (-1: none). */
  readonly last: number;
}

export interface Exploration {
  readonly paths: readonly Path[];
  readonly accesses: readonly Access[];
}

export interface ExploreOptions {
  /** Symbolic values for immediates, (pc, operand index) -> value, in place of the code's numbers. */
  readonly immediate?: (pc: number, operand: number) => Val | undefined;
  /** An instruction as messages name it (`code[4]` of a user's file); `instruction 4` when absent. */
  readonly where?: (pc: number) => string;
}

interface State {
  pc: number;
  regs: Val[];
  conds: B[];
  gas: number;
  mem: Memory;
  outputs: Int[];
  writes: { key: Int; value: Int }[];
  trace: string;
  /** Keys this path has read, written or delta-added (a later READ of one is not from the view). */
  seen: Int[];
  reads: ReadEvent[];
  visits: Map<number, number>;
  steps: number;
  /** A model of a prefix of conds, from the last feasibility check on this path. */
  witness: Witness | undefined;
  /** Its last cond is a JUMPI branch not yet checked, of a loop or of forward code: check before running on. */
  pending: 'loop' | 'forward' | false;
  /** Ids of the faults split off this path (their negations are in conds): the same fault again is no new path. */
  denied: Set<number>;
  /** The instruction running, or the last one run (-1: none yet). */
  last: number;
}

const GAS = OPS.map((o) => o.gas);

/** The branch where c holds; s itself goes on as the branch where it does not. */
function fork(s: State, c: B, z: Z): State {
  const branch: State = {
    ...s, regs: [...s.regs], conds: [...s.conds, c], outputs: [...s.outputs], writes: [...s.writes], seen: [...s.seen],
    reads: [...s.reads], visits: new Map(s.visits), trace: `${s.trace}1`, pending: false, denied: new Set(s.denied),
  };
  s.conds.push(z.Not(c));
  s.trace += '0';
  return branch;
}

/** Runs `code` with `args` in r0.. against `mem` along every path. */
export async function explore(
  world: World, code: Float64Array, args: readonly Val[], mem: Memory, opts: ExploreOptions = {},
): Promise<Exploration> {
  const z = world.z;
  const alg = new Alg(z);
  const paths: Path[] = [];
  const accesses: Access[] = [];
  const end = code.length / WIDTH;
  let executed = 0;
  const regs: Val[] = Array.from({ length: REGISTERS }, (_, i) => args[i] ?? 0n);
  const stack: State[] = [{
    pc: 0, regs, conds: [], gas: 0, mem, outputs: [], writes: [], trace: '', seen: [], reads: [], visits: new Map(), steps: 0, witness: undefined, pending: false,
    denied: new Set(), last: -1,
  }];
  const where = opts.where ?? ((pc: number) => `instruction ${pc}`);
  const all = (conds: readonly B[]) => (conds.length === 0 ? z.Bool.val(true) : conds.length === 1 ? conds[0]! : z.And(...conds));

  const finish = (s: State, status: Path['status'], failure: number) => {
    if (paths.length >= EXPLORE_LIMITS.paths) throw new ExplorationLimit(`more than ${EXPLORE_LIMITS.paths} paths${((l) => (l ? `, the last in ${l}` : ''))(loopOf(s))}`);
    paths.push({
      cond: all(s.conds), status, code: failure, gas: s.gas, outputs: s.outputs, reads: s.reads, mem: s.mem, writes: s.writes, trace: s.trace, last: s.last,
    });
  };
  /** Whether the exploration has grown enough that a forward branch or a fault is worth a solver call. */
  const grown = () => paths.length + stack.length >= EXPLORE_LIMITS.pruneAfter;
  /** Instructions where a fault was found reachable (or undecided): a check there is likely wasted. */
  const reachableFaults = new Set<number>();
  /**
   * Splits off the path where `bad` holds as a revert with `failure`; says whether s goes on. Once
   * the exploration has grown, a fault at an instruction where none was found reachable yet is
   * checked first, and one no input reaches is no path and no condition on s (its trace still
   * records the split, as the branch not taken): a loop whose every pass may overflow as far as
   * the simplifier can tell would otherwise spend the path limit on overflows no input reaches.
   * A fault found reachable at an instruction is not checked there again, so a loop whose faults
   * do happen costs one solver call, not one per pass.
   */
  const guard = async (s: State, bad: Cond, failure: number): Promise<boolean> => {
    if (bad === false) return true;
    if (bad === true) {
      finish(s, 'reverted', failure);
      return false;
    }
    // The very fault this path already split off (a loop reading one key each pass): no input of
    // the path reaches it, so it is the branch not taken, as a fault found unreachable below.
    if (s.denied.has(bad.id())) {
      s.trace += '0';
      return true;
    }
    if (grown() && !reachableFaults.has(s.pc)) {
      const { answer } = await world.feasible([...s.conds, bad], s.witness, EXPLORE_LIMITS.forwardMs);
      if (answer === 'unsat') {
        s.trace += '0';
        return true;
      }
      reachableFaults.add(s.pc);
    }
    finish(fork(s, bad, z), 'reverted', failure);
    s.denied.add(bad.id());
    return true;
  };
  const badKey = (key: Val) => alg.or(alg.lt(key, 0n), alg.le(BigInt(KEY_LIMIT), key));
  /** Whether key is none of the keys seen: false at once at the first seen to be the same (a loop re-reading one key each pass). */
  const unseen = (seen: readonly Int[], key: Int): Cond => {
    const apart: Cond[] = [];
    for (const k of seen) {
      const c = alg.not(alg.eq(key, k));
      if (c === false) return false;
      apart.push(c);
    }
    return alg.and(...apart);
  };
  /**
   * The loop a path is in, from how often it passed each instruction: it starts at the first one
   * passed more than half as often as the most passed one (strictly more, so that after only two
   * passes the code before the loop, passed once, is not counted in it), and ends at the last one
   * from there passed that often or one time fewer than the most (the pass the budget cut short
   * has not reached the loop's end again). Undefined when it passed none twice.
   */
  const loopOf = (s: State): string | undefined => {
    let most = 0;
    for (const v of s.visits.values()) most = Math.max(most, v);
    if (most < 2) return undefined;
    const first = Math.min(...[...s.visits].filter(([, v]) => v * 2 > most).map(([pc]) => pc));
    const last = Math.max(...[...s.visits].filter(([pc, v]) => pc >= first && (v * 2 > most || v >= most - 1)).map(([pc]) => pc));
    const span = first === last ? where(first) : `${where(first)} to ${where(last)}`;
    return `a loop over ${span}, passed ${most.toLocaleString('en-US')} times on one path`;
  };
  let current: State | undefined;

  try {
    while (stack.length > 0) {
      const s = stack.pop()!;
      current = s;
      if (s.pending) {
        const { answer, witness } = await world.feasible(s.conds, s.witness, s.pending === 'loop' ? EXPLORE_LIMITS.feasibilityMs : EXPLORE_LIMITS.forwardMs);
        if (answer === 'unsat') continue;
        s.witness = witness;
        s.pending = false;
      }
      run: for (;;) {
        world.inTime();
        // A long stretch without a solver call would starve timers and signal handlers (a
        // terminal's progress, Ctrl-C); the clock is read once every 4,096 instructions.
        if (++executed % 4096 === 0) await takeTurn();
        if (s.pc >= end) {
          finish(s, 'success', 0);
          break;
        }
        const pc = s.pc;
        s.last = pc;
        const at = pc * WIDTH;
        const op = code[at]!;
        const a = code[at + 1]!;
        const b = code[at + 2]!;
        const c = code[at + 3]!;
        const imm = (j: number): Val => opts.immediate?.(pc, j) ?? BigInt(code[at + 1 + j]!);
        const r = s.regs;
        s.gas += op === OP.HASH ? GAS[op]! + HASH_GAS_PER_ITERATION * c : GAS[op]!;
        if (++s.steps > EXPLORE_LIMITS.steps) {
          // A loop's path may have run on unchecked since its last checkpoint.
          if ((await world.feasible(s.conds, s.witness)).answer === 'unsat') break run;
          throw new ExplorationLimit(`a path longer than ${EXPLORE_LIMITS.steps} instructions${((l) => (l ? `, in ${l}${LOOP_HINT}` : ''))(loopOf(s))}`);
        }
        const visit = (s.visits.get(pc) ?? 0) + 1;
        s.visits.set(pc, visit);
        s.pc++;
        let v: Val;
        switch (op) {
          case OP.STOP:
            finish(s, 'success', 0);
            break run;
          case OP.CONST:
            r[a] = imm(1);
            break;
          case OP.MOV:
            r[a] = r[b]!;
            break;
          case OP.READ: {
            if (!(await guard(s, badKey(r[b]!), FAULT.BAD_KEY))) break run;
            const key = alg.int(r[b]!);
            accesses.push({ pc, visit, op: 'read', key, keyReg: b, cond: all(s.conds) });
            const value = s.mem.select(key);
            world.pre(key);
            s.reads.push({ gasAt: s.gas, key, value, fromView: unseen(s.seen, key) });
            s.seen.push(key);
            r[a] = value;
            break;
          }
          case OP.WRITE: {
            if (!(await guard(s, badKey(r[a]!), FAULT.BAD_KEY))) break run;
            const key = alg.int(r[a]!);
            accesses.push({ pc, visit, op: 'write', key, keyReg: a, cond: all(s.conds) });
            const value = alg.int(r[b]!);
            s.mem = s.mem.store(key, value);
            s.writes.push({ key, value });
            s.seen.push(key);
            break;
          }
          case OP.DELTA: {
            if (!(await guard(s, badKey(r[a]!), FAULT.BAD_KEY))) break run;
            const key = alg.int(r[a]!);
            const lo = imm(2);
            const hi = imm(3);
            accesses.push({ pc, visit, op: 'delta', key, keyReg: a, cond: all(s.conds), lo, hi });
            world.pre(key);
            v = alg.add(s.mem.select(key), r[b]!);
            if (!(await guard(s, alg.not(alg.inRange(v)), FAULT.OVERFLOW))) break run;
            if (!(await guard(s, alg.or(alg.lt(v, lo), alg.lt(hi, v)), FAULT.DELTA_BOUND))) break run;
            const value = alg.int(v);
            s.mem = s.mem.store(key, value);
            s.writes.push({ key, value });
            s.seen.push(key);
            break;
          }
          case OP.ADD:
          case OP.SUB:
          case OP.MUL:
          case OP.ADDI:
          case OP.MULI: {
            const y = op === OP.ADDI || op === OP.MULI ? imm(2) : r[c]!;
            v = op === OP.SUB ? alg.sub(r[b]!, y) : op === OP.MUL || op === OP.MULI ? alg.mul(r[b]!, y) : alg.add(r[b]!, y);
            if (!(await guard(s, alg.not(alg.inRange(v)), FAULT.OVERFLOW))) break run;
            r[a] = v;
            break;
          }
          case OP.DIV:
          case OP.MOD: {
            if (!(await guard(s, alg.eq(r[c]!, 0n), FAULT.DIV_BY_ZERO))) break run;
            // Math.trunc(x / y) and x % y on safe integers are exact (the float quotient's error is
            // below 1/|y|, its distance to the next integer at least 1/|y|). The path splits on the
            // operands' signs, so each branch divides non-negative numbers, where z3's div and mod
            // are trunc's and %'s; the sign then goes back on (a remainder takes the dividend's).
            const x = r[b]!;
            const y = r[c]!;
            const split = (st: State, c: Cond): [State, boolean][] => {
              if (typeof c === 'boolean') return [[st, c]];
              return [[fork(st, c, z), true], [st, false]];
            };
            for (const [sx, xNonNeg] of split(s, alg.le(0n, x))) {
              for (const [st, yNonNeg] of split(sx, alg.le(0n, y))) {
                const px = xNonNeg ? x : alg.neg(x);
                const py = yNonNeg ? y : alg.neg(y);
                const m: Val = typeof px === 'bigint' && typeof py === 'bigint'
                  ? (op === OP.DIV ? px / py : px % py)
                  : (op === OP.DIV ? alg.int(px).div(alg.int(py)) : alg.int(px).mod(alg.int(py)));
                st.regs[a] = (op === OP.DIV ? xNonNeg === yNonNeg : xNonNeg) ? m : alg.neg(m);
                if (st !== s) stack.push(st);
              }
            }
            break;
          }
          case OP.LT:
            r[a] = alg.reg(alg.lt(r[b]!, r[c]!));
            break;
          case OP.LE:
            r[a] = alg.reg(alg.le(r[b]!, r[c]!));
            break;
          case OP.EQ:
            r[a] = alg.reg(alg.eq(r[b]!, r[c]!));
            break;
          case OP.NOT:
            r[a] = alg.reg(alg.not(alg.truth(r[b]!)));
            break;
          case OP.JUMP:
            s.pc = a;
            break;
          case OP.JUMPI: {
            const taken = alg.truth(r[a]!);
            if (typeof taken === 'boolean') {
              if (taken) s.pc = b;
              break;
            }
            // s runs on now, so it is checked now (at a loop's checkpoints); the jump waits and is
            // checked when resumed.
            const loop = visit > 1;
            const prune = loop || grown();
            const jump = fork(s, taken, z);
            jump.pc = b;
            jump.pending = prune && (loop ? 'loop' : 'forward');
            stack.push(jump);
            if (!prune || !checkpoint(visit)) break;
            const { answer, witness } = await world.feasible(s.conds, s.witness, loop ? EXPLORE_LIMITS.feasibilityMs : EXPLORE_LIMITS.forwardMs);
            if (answer === 'unsat') break run;
            s.witness = witness;
            break;
          }
          case OP.REVERT:
            finish(s, 'reverted', a);
            break run;
          case OP.EMIT:
            s.outputs.push(alg.int(r[a]!));
            break;
          case OP.HASH:
            r[a] = world.hash(alg.int(r[b]!), c);
            break;
        }
      }
    }
  } catch (e) {
    // A budget spent in a loop says which loop: the budget alone does not tell what to fix.
    const loop = e instanceof OutOfTime && current && loopOf(current);
    if (loop) throw new OutOfTime((e as OutOfTime).budget, `exploring ${loop}${LOOP_HINT}`);
    throw e;
  }
  return { paths, accesses };
}
