// Proofs about contracts, from their bytecode run symbolically over all paths (spec/smt/symvm.ts):
// (a) footprint soundness: for all arguments and pre-states, every READ, WRITE and DELTA the
// program executes touches a key its footprint declares with that access (a DELTA may also use a
// key declared read and write); (b) its stated invariants hold for all arguments, pre-states and
// gas limits; (c) two calls whose declared footprints share no key commute.
// Invariant: a refutation carries the arguments and pre-state that make it, replayed on the VM,
// and names instructions as the contract's source does (`code[i]` of a user's file).

import { assemble, disassembleOne, OP, OPS, REGISTERS, WIDTH, type ReadableOp } from '../bytecode.js';
import { MAX_TX_GAS_LIMIT } from '../block-file.js';
import { footprintKeys, type Footprint, type FootprintEntry, type KeyExpr, type Program } from '../block.js';
import { CONTRACTS, contractOps, FIELDS, STRIDE } from '../contracts.js';
import { runTransaction, newOutcome, TxStatus } from '../vm.js';
import { plural } from '../plural.js';
import { KEY_LIMIT, MAX_VALUE } from '../values.js';
import { search, type Claim, type Search, type Verdict } from './claims.js';
import { decideOrders, preStateOf } from './commute.js';
import { concreteDomain, evalBool, parseInvariant, type CmpOp, type Domain, type Invariant } from './invariants.js';
import { LIBRARY_INVARIANTS } from './library.js';
import { replayOrders, runBlock, showReceipt, showState, type Call } from './replay.js';
import { Alg, explore, World, type Access, type Cond, type Memory, type Path, type Val } from './symvm.js';
import { SOLVER_TIMEOUT_MS, valueOf, type B, type Int, type Z, type ZModel } from './z3.js';

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
  /** For a user's file: its `code` as written (labels and names), so a witness shows an instruction as the file does. */
  readonly source?: readonly ReadableOp[];
  readonly footprint: Footprint;
  readonly invariants: readonly Invariant[];
}

/** Keys as the library lays them out, and as a contract file names fields: entity.field. */
export function libraryKeyName(k: number): string {
  // An invariant may look at a number no key can be (-1, 2^60): it is shown as the number.
  if (!Number.isSafeInteger(k) || k < 0) return String(k);
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
 * in one order and not the other pass as commuting. A key's delta entries count together, by
 * intersection (bench/ideal.ts, the one reader of declared bounds, intersects them): the tightest
 * lo and the tightest hi they declare must lie within the DELTA's bounds, a side no entry declares
 * being open (no scheduler checks headroom on it). bench/ideal.ts intersects only the entries that
 * declare both lo and hi, leaving a key whose entries each declare one side unbounded; so where
 * some entry on the key declares both, only those count (one-sided ones would narrow an
 * intersection it does not take).
 */
function boundsCover(alg: Alg, on: (e: FootprintEntry) => Cond, entries: readonly FootprintEntry[], lo: Val, hi: Val): Cond {
  const side = (given: readonly FootprintEntry[], ok: (e: FootprintEntry) => Cond) =>
    alg.or(alg.and(...given.map((e) => alg.not(on(e)))), ...given.map((e) => alg.and(on(e), ok(e))));
  const sides = (set: readonly FootprintEntry[]) => alg.and(
    side(set.filter((e) => e.lo !== undefined), (e) => alg.le(lo, BigInt(e.lo!))),
    side(set.filter((e) => e.hi !== undefined), (e) => alg.le(BigInt(e.hi!), hi)),
  );
  const both = entries.filter((e) => e.lo !== undefined && e.hi !== undefined);
  const someBoth = alg.or(...both.map(on));
  return alg.and(alg.or(alg.not(someBoth), sides(both)), alg.or(someBoth, sides(entries)));
}

/**
 * Whether the footprint covers an access: a READ a read entry on its key, a WRITE a write entry; a
 * DELTA a delta entry on its key, or read and write entries both, and the intersection of the
 * bounds of the key's delta entries (boundsCover) within the instruction's, whatever declares it:
 * a scheduler uses delta-entry bounds even on a key also declared read and write.
 */
function covered(alg: Alg, fp: Footprint, args: readonly Val[], acc: Access): Cond {
  const at = (e: FootprintEntry) => alg.eq(acc.key, keyOf(alg, e.key, args));
  const declared = (access: FootprintEntry['access']) => alg.or(...fp.filter((e) => e.access === access).map(at));
  if (acc.op !== 'delta') return declared(acc.op);
  const within = boundsCover(alg, at, fp.filter((e) => e.access === 'delta'), acc.lo!, acc.hi!);
  return alg.and(alg.or(declared('delta'), alg.and(declared('read'), declared('write'))), within);
}

/**
 * The bounds a scheduler takes for a key from its delta entries (boundsCover): the entries that
 * count, and among them the one declaring the tightest lo and the one declaring the tightest hi.
 */
function intersection<E extends { readonly lo?: number; readonly hi?: number }>(deltas: readonly E[]): { counted: readonly E[]; lo?: E; hi?: E } {
  const both = deltas.filter((e) => e.lo !== undefined && e.hi !== undefined);
  const counted = both.length > 0 ? both : deltas;
  let lo: E | undefined;
  let hi: E | undefined;
  for (const e of counted) {
    if (e.lo !== undefined && (lo === undefined || e.lo > lo.lo!)) lo = e;
    if (e.hi !== undefined && (hi === undefined || e.hi < hi.hi!)) hi = e;
  }
  return { counted, lo, hi };
}

/** A value no program computes (every value is an integer), marking an output the probe's tail emitted. */
const PROBE_MARK = 0.5;

/** Gas a probe runs with: a transaction's largest limit, and room for the probe's own tail. */
const PROBE_GAS = 4 * MAX_TX_GAS_LIMIT;

/** Registers the code names, or undefined where an operand is not a plain register index. */
function registersUsed(code: Float64Array): Set<number> {
  const used = new Set<number>();
  for (let pc = 0; pc < code.length / WIDTH; pc++) {
    OPS[code[pc * WIDTH]!]!.operands.forEach((kind, i) => { if (kind === 'reg') used.add(code[pc * WIDTH + 1 + i]!); });
  }
  return used;
}

/**
 * The program patched to report the key the DELTA, READ or WRITE at `pc` touches on its `visit`th
 * visit (probedKey runs it), or undefined past the first visit where no register is free to count
 * visits in. The instruction becomes a jump to a tail past the program's end (which stays a STOP,
 * so a run that falls off the end or jumps to it reports nothing); the tail counts visits in a
 * register neither the code nor an argument uses, runs the instruction itself and jumps back until
 * the visit it wants, then emits the key and PROBE_MARK and stops.
 */
function probe(c: ContractSpec, pc: number, keyReg: number, visit: number): Float64Array | undefined {
  const n = c.code.length / WIDTH;
  let last = n;
  for (let i = 0; i < n; i++) {
    OPS[c.code[i * WIDTH]!]!.operands.forEach((kind, j) => { if (kind === 'target') last = Math.max(last, c.code[i * WIDTH + 1 + j]!); });
  }
  const tail = last + 1; // no jump in the code lands in the tail
  const used = registersUsed(c.code);
  const counter = [...Array(REGISTERS).keys()].find((r) => r >= c.params.length && !used.has(r));
  const ops: number[][] = [];
  if (visit > 1) {
    if (counter === undefined) return undefined;
    const hit = tail + 7;
    ops.push(
      [OP.ADDI, counter, counter, 1, 0], [OP.ADDI, counter, counter, -visit, 0], [OP.JUMPI, counter, tail + 4, 0, 0], [OP.JUMP, hit, 0, 0, 0],
      [OP.ADDI, counter, counter, visit, 0], [...c.code.subarray(pc * WIDTH, pc * WIDTH + WIDTH)], [OP.JUMP, pc + 1, 0, 0, 0],
    );
  }
  ops.push([OP.EMIT, keyReg, 0, 0, 0], [OP.CONST, keyReg, PROBE_MARK, 0, 0], [OP.EMIT, keyReg, 0, 0, 0], [OP.STOP, 0, 0, 0, 0]);
  const patched = new Float64Array((tail + ops.length) * WIDTH); // zeros: STOP from the end to the tail
  patched.set(c.code);
  patched.set([OP.JUMP, tail, 0, 0, 0], pc * WIDTH);
  ops.forEach((op, i) => patched.set(op, (tail + i) * WIDTH));
  return patched;
}

/**
 * The key a probe reports, run on the VM with `args` and `pre`: undefined where the run does not
 * get to the visit, or the key is outside [0, 2^32) (the VM faults with BAD_KEY there before
 * touching anything, and so ends the run). A run reports a key only when its last output is
 * PROBE_MARK, which no program emits.
 */
function probedKey(patched: Float64Array, args: readonly number[], pre: ReadonlyMap<number, number>): number | undefined {
  const out = runTransaction(patched, args, PROBE_GAS, { read: (k: number) => pre.get(k) ?? 0 }, newOutcome());
  if (out.status !== TxStatus.Success || out.outputCount < 2 || out.outputs[out.outputCount - 1] !== PROBE_MARK) return undefined;
  const key = out.outputs[out.outputCount - 2]!;
  return Number.isInteger(key) && key >= 0 && key < KEY_LIMIT ? key : undefined;
}

/** The key the access at `pc` touches on its `visit`th visit in a run on the VM with `args` and `pre` (probe, probedKey); undefined where none is told. */
function keyAtVisit(c: ContractSpec, pc: number, keyReg: number, visit: number, args: readonly number[], pre: ReadonlyMap<number, number>): number | undefined {
  const patched = probe(c, pc, keyReg, visit);
  return patched && probedKey(patched, args, pre);
}

/**
 * Whether the real program, unpatched, run on the VM with `args` and `pre`, touches `key` with an
 * access of `op`'s kind: asks the view for it or finds it among its own writes (a READ), writes it
 * (a WRITE, kept even where the run reverts later), or takes a DELTA's base there.
 */
function touchesOnVm(c: ContractSpec, op: Access['op'], args: readonly number[], pre: ReadonlyMap<number, number>, key: number): boolean {
  const asked: number[] = [];
  const out = runTransaction(c.code, args, MAX_TX_GAS_LIMIT, { read: (k: number) => (asked.push(k), pre.get(k) ?? 0) }, newOutcome());
  const written = out.writeKeys.slice(0, Math.max(out.writeCount, out.revertedWriteCount));
  if (op === 'write') return written.includes(key);
  return asked.includes(key) || written.includes(key);
}

/**
 * Confirms a witness before it is reported: on the VM, with these arguments and pre-state, the
 * access at `acc.pc` (on the visit z3 named) touches `key`, the real program touches it with that
 * kind of access, and the footprint, resolved for these arguments, does not cover it.
 */
function confirmed(c: ContractSpec, acc: Access, args: readonly number[], pre: ReadonlyMap<number, number>, key: number, visit = acc.visit): boolean {
  return keyAtVisit(c, acc.pc, acc.keyReg, visit, args, pre) === key && touchesOnVm(c, acc.op, args, pre, key) && !coveredOnVm(c, acc, args, key);
}

/** A DELTA's own bounds, as its immediates hold them. */
function deltaBounds(c: ContractSpec, pc: number): [number, number] {
  return [c.code[pc * WIDTH + 3]!, c.code[pc * WIDTH + 4]!];
}

/** `covered`, for a concrete call: whether the footprint, resolved for `args`, covers the access at `key`. */
function coveredOnVm(c: ContractSpec, acc: Access, args: readonly number[], key: number): boolean {
  const entries = footprintKeys(c.footprint, args).filter((e) => e.key === key);
  const has = (access: FootprintEntry['access']) => entries.some((e) => e.access === access);
  if (acc.op !== 'delta') return has(acc.op);
  const [lo, hi] = deltaBounds(c, acc.pc);
  const tight = intersection(entries.filter((e) => e.access === 'delta'));
  const within = (tight.lo === undefined || lo <= tight.lo.lo!) && (tight.hi === undefined || tight.hi.hi! <= hi);
  return (has('delta') || (has('read') && has('write'))) && within;
}

/** How many argument sets a search on the VM tries besides z3's and all zeros. */
export const VM_TRIES = 256;

/**
 * Argument sets to run on the VM where z3's model does not replay: the model's own, all zeros,
 * then VM_TRIES drawn from a fixed seed (so a run repeats): mostly small values, which keys are
 * made of, some up to 2^20 and some anywhere in the value range.
 */
function* argsToTry(model: readonly number[]): Generator<readonly number[]> {
  yield model;
  yield model.map(() => 0);
  let seed = 0x9e3779b9;
  const next = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < VM_TRIES; i++) {
    yield model.map(() => {
      const kind = next();
      if (kind < 0.6) return Math.floor(next() * 40) - 4;
      if (kind < 0.85) return Math.floor(next() * 2 ** 20);
      return Math.floor((next() * 2 - 1) * MAX_VALUE);
    });
  }
}

/**
 * How many visits of each access the VM search probes per call: a loop can derive a key by HASH
 * on any pass, and each visit probed costs a run of the program up to it (a test lowers it).
 */
export const VM_SEARCH = { visits: 32 };

/** A call the VM search found to escape the footprint, or what it could not search. */
type Escape =
  | { readonly acc: Access; readonly visit: number; readonly args: readonly number[]; readonly pre: ReadonlyMap<number, number>; readonly key: number }
  | { readonly unsearched: string };

/**
 * Runs the program on the VM for argsToTry's argument sets, from z3's pre-state and an empty one,
 * probing each access on every visit a run makes of it, up to VM_SEARCH.visits, for a key the
 * footprint does not cover; a loop that derives its key by HASH may leave the footprint only on a
 * later pass. Where none is found, says which later visits it could not probe: past the bound, or
 * every visit past the first where no register is free to count visits in.
 */
function searchEscape(c: ContractSpec, accesses: readonly Access[], model: readonly number[], pre: ReadonlyMap<number, number>, inTime: () => void): Escape {
  const bound = VM_SEARCH.visits;
  const byPc = [...new Map(accesses.map((a) => [a.pc, a])).values()];
  // A probe per access and visit (index visit - 1), built once for every call tried; bound + 1 to
  // tell whether a run goes past the bound. An access no jump leads back to is visited once at most.
  const probes = byPc.map((a) => Array.from({ length: mayRevisit(c, a.pc) ? bound + 1 : 1 }, (_, v) => probe(c, a.pc, a.keyReg, v + 1)));
  let uncounted = false;
  let deeper = false;
  for (const args of argsToTry(model)) {
    for (const state of [pre, new Map<number, number>()]) {
      for (const [i, a] of byPc.entries()) {
        for (let visit = 1; visit <= Math.min(bound, probes[i]!.length); visit++) {
          inTime();
          const patched = probes[i]![visit - 1];
          if (patched === undefined) {
            uncounted = true;
            break;
          }
          const key = probedKey(patched, args, state);
          if (key === undefined) break;
          if (!coveredOnVm(c, a, args, key) && confirmed(c, a, args, state, key, visit)) return { acc: a, visit, args, pre: state, key };
          const past = probes[i]![bound];
          if (visit === bound && past !== undefined && !deeper) deeper = probedKey(past, args, state) !== undefined;
        }
      }
    }
  }
  const later = 'so a key a loop derives by HASH on a later pass';
  if (uncounted) return { unsearched: `each access on its first visit only: the code and the arguments use every register, leaving none to count visits in, ${later} was not searched` };
  if (deeper) return { unsearched: `each access on its first ${plural(bound, 'visit')}: some runs visit an access more often, ${later} than the ${nth(bound)} was not searched` };
  return { unsearched: `each access on every visit a run makes of it` };
}

/** Whether a run can reach `pc` twice: some jump at or past it goes back to it or before it. */
function mayRevisit(c: ContractSpec, pc: number): boolean {
  for (let j = pc; j < c.code.length / WIDTH; j++) {
    const info = OPS[c.code[j * WIDTH]!]!;
    if (info.operands.some((kind, k) => kind === 'target' && c.code[j * WIDTH + 1 + k]! <= pc)) return true;
  }
  return false;
}

/** 1st, 2nd, 3rd, 4th, ..., 11th, 21st. */
function nth(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}

/** Whether the code has a HASH, whose values in a z3 model are any function's, not sha256's. */
function hashes(c: ContractSpec): boolean {
  for (let pc = 0; pc < c.code.length / WIDTH; pc++) if (c.code[pc * WIDTH] === OP.HASH) return true;
  return false;
}

/**
 * Why, in code with a HASH, a model that does not replay is no witness and the VM found none
 * either: most likely its HASH values. (Without a HASH a model that does not replay is
 * Concord's bug: concordBug.)
 */
function noReplay(what: string, searched?: string): string {
  return `z3's witness does not replay on the VM, most likely because its HASH values are not sha256's (the proof takes HASH to be any function), ` +
    `and none of ${VM_TRIES + 2} argument sets run on the VM (z3's, all zeros and ${VM_TRIES} drawn ones${searched ? `; probing ${searched}` : ''}) ${what}; ` +
    'the claim may hold for sha256 alone, which no proof here can show';
}

/** A prover/VM disagreement where no HASH explains it, worded as what it is: a bug in Concord. */
function concordBug(what: string): string {
  return `a bug in Concord, not in the contract: ${what}; the prover (spec/smt/symvm.ts) and the VM (spec/vm.ts) disagree: please report it with this contract file`;
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
  c: ContractSpec, acc: Access, visit: number, key: number, name: (k: number) => string, declares: (e: FootprintEntry) => boolean, bounds: readonly [number, number] | undefined,
  resolved: readonly { readonly key: number; readonly access: string }[],
): { fault: string; entry?: number; lo?: number; hi?: number } {
  const keyText = (k: number) => (name(k) === String(k) ? `key ${k}` : `key ${k} (${name(k)})`);
  const shown = keyText(key);
  const what = `the ${acc.op.toUpperCase()} at ${instructionAt(c, acc.pc)} (${JSON.stringify(c.source?.[codeIndexOf(c, acc.pc)] ?? disassembleOne(c.code, acc.pc))})${visit > 1 ? ` on its ${nth(visit)} visit` : ''}`;
  const entries = c.footprint.map((e, j) => ({ e, j })).filter(({ e }) => declares(e));
  // The key's delta entries as a scheduler takes them, by intersection: the entry declaring the
  // intersection's lo or hi where that lies outside the instruction's bounds is at fault.
  const tight = intersection(entries.filter(({ e }) => e.access === 'delta').map(({ e, j }) => ({ lo: e.lo, hi: e.hi, e, j })));
  const wide = bounds && [
    ...(tight.lo && tight.lo.lo! < bounds[0] ? [{ at: tight.lo, what: `lo ${tight.lo.lo} is below the instruction's ${bounds[0]}` }] : []),
    ...(tight.hi && tight.hi.hi! > bounds[1] ? [{ at: tight.hi, what: `hi ${tight.hi.hi} is above the instruction's ${bounds[1]}` }] : []),
  ];
  if (bounds && wide && wide.length > 0) {
    const [lo, hi] = bounds;
    const { e, j } = wide[0]!.at;
    const others = tight.counted.filter((o) => o.j !== j).map((o) => `footprint[${o.j}]`);
    const left = entries.filter(({ e: o }) => o.access === 'delta').length - tight.counted.length;
    const together = others.length > 0
      ? ` (with ${others.join(', ')}: a scheduler takes the intersection of a key's delta entries${left > 0 ? ' that declare both lo and hi, as bench/ideal.ts does' : ''}, and it is no narrower)`
      : left > 0 ? ' (the key\'s other delta entries declare one side only, which a scheduler that intersects the entries declaring both, as bench/ideal.ts does, leaves out)' : '';
    return {
      fault: `footprint[${j}] declares a delta on ${shown} with ${declared(e)}, but ${what} applies it with bounds [${lo}, ${hi}]: ` +
        `the declared ${wide.map((w) => w.what).join(' and the declared ')}${together}. Executors check delta headroom on the declared bounds, so two deltas on the key could pass as commuting ` +
        `while the instruction's narrower bounds make one order revert; declare bounds within [${lo}, ${hi}] (or the key read and write)`,
      entry: j, lo, hi,
    };
  }
  if (entries.length > 0) {
    const kinds = [...new Set(entries.map(({ e }) => e.access))].join(' and ');
    const need = acc.op === 'delta' ? 'a delta entry, or read and write both' : `a ${acc.op} entry`;
    return { fault: `${what} touches ${shown}, which the footprint declares ${kinds} only (footprint[${entries.map(({ j }) => j).join('], footprint[')}]); it needs ${need}` };
  }
  const all = resolved.map((e, j) => `footprint[${j}] ${e.access} ${keyText(e.key)}`).join(', ');
  return { fault: `${what} touches ${shown}, outside the footprint, which ${all ? `for these arguments declares ${all}` : 'declares nothing'}` };
}

function footprintClaim(c: ContractSpec, name: (k: number) => string): Claim {
  return {
    name: `${c.name}: footprint sound`,
    expected: 'proved',
    check: async (z) => {
      const world = new World(z);
      const alg = new Alg(z);
      const args = c.params.map((p) => world.value(p));
      const { accesses } = await explore(world, c.code, args, world.initial(), { where: (pc) => instructionAt(c, pc) });
      const escapes = accesses.map((acc) => alg.bool(alg.and(acc.cond, alg.not(covered(alg, c.footprint, args, acc)))));
      const found = await search(world, [alg.bool(alg.or(...escapes))], 'whether some access leaves the footprint');
      if ('unknown' in found) return { result: 'unknown', reason: found.unknown };
      if (!found.found) return { result: 'proved' };
      const m = found.model;
      const i = escapes.findIndex((e) => z.isTrue(m.eval(e, true)));
      const acc = accesses[i]!;
      const argv = args.map((a) => Number(valueOf(z, m, a)));
      const key = Number(valueOf(z, m, acc.key));
      const pre = preStateOf(world, m);
      if (confirmed(c, acc, argv, pre, key)) return footprintWitness(c, acc, argv, pre, key, name);
      if (!hashes(c)) {
        const escape = `${shows(c, argv)} with pre ${showState(pre, name)} makes the ${acc.op.toUpperCase()} at ${instructionAt(c, acc.pc)} touch key ${key} outside the footprint`;
        return { result: 'unknown', reason: concordBug(`z3 found that ${escape}, which the VM, run on the same call, does not confirm`) };
      }
      // The model's HASH values are any function's: look for a call that escapes on the VM itself.
      const onVm = searchEscape(c, accesses, argv, pre, () => world.inTime());
      if ('acc' in onVm) {
        return footprintWitness(c, onVm.acc, onVm.args, onVm.pre, onVm.key, name, '; found by running the VM, as z3\'s own witness took HASH values sha256 does not give', onVm.visit);
      }
      return { result: 'unknown', reason: noReplay('leaves the footprint', onVm.unsearched) };
    },
  };
}

/** A refutation of footprint soundness: a call, replayed on the VM, whose access at `key` the footprint does not cover. */
function footprintWitness(
  c: ContractSpec, acc: Access, argv: readonly number[], pre: ReadonlyMap<number, number>, key: number, name: (k: number) => string, how = '', visit = acc.visit,
): Verdict {
  const resolved = footprintKeys(c.footprint, argv);
  const at = (e: FootprintEntry) => resolved[c.footprint.indexOf(e)]!.key === key;
  const bounds = acc.op === 'delta' ? deltaBounds(c, acc.pc) : undefined;
  const { fault, ...detail } = escapeFault(c, acc, visit, key, name, at, bounds, resolved);
  return {
    result: 'refuted',
    witness: {
      summary: `${shows(c, argv)} with pre ${showState(pre, name)}: ${fault}${how}`,
      args: [...argv], pre: Object.fromEntries([...pre].map(([k, v]) => [name(k), v])), instruction: codeIndexOf(c, acc.pc), visit, access: acc.op, key, ...detail,
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

/**
 * Whether some run meets `goal`: asked first of the exploration's incremental solver, which holds
 * most of it already; where that answers unknown, once more of a fresh solver. The incremental one,
 * carrying what it learned of every path, can lose its way on this disjunction: under three test
 * files at once on 2 cores it answered unknown after its 10 s on the AMM's "keeps the reserves
 * non-negative", which a fresh solver answered sat in 320 ms (21 ms for the incremental one alone).
 */
export async function someRunMeets(world: World, goal: B): Promise<{ answer: 'sat' | 'unsat' | 'unknown' }> {
  const first = await world.feasible([goal], undefined, SOLVER_TIMEOUT_MS);
  if (first.answer !== 'unknown') return first;
  const s = new world.z.Solver();
  try {
    s.set('timeout', world.solverTimeout(SOLVER_TIMEOUT_MS));
    s.add(...world.assumptions, goal);
    return { answer: await s.check() };
  } finally {
    s.release();
  }
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
      const { paths } = await explore(world, c.code, args, world.initial(), { where: (pc) => instructionAt(c, pc) });
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
      const successes = paths.filter((p) => p.status === 'success');
      // What each goal asks, for an unknown: the first covers every run without effect, each other one successful path.
      const question = (g: number) => (g === 0
        ? 'whether a run that reverts or runs out of gas breaks it'
        : successes[g - 1]!.last < 0 ? 'whether the program, which runs nothing, breaks it' : `whether the successful path ending at ${instructionAt(c, successes[g - 1]!.last)} breaks it`);
      let found: Search = { found: false };
      let g = 0;
      for (; g < goals.length; g++) {
        found = await search(world, [alg.bool(goals[g]!)], question(g));
        if ('unknown' in found || found.found) break;
      }
      if ('unknown' in found) return { result: 'unknown', reason: found.unknown };
      if (found.found) return invariantWitness(z, world, found.model, c, inv, args, limit, g === 0 ? undefined : successes[g - 1], name);
      if (!inv.assume) return { result: 'proved' };
      // As with a claim's own assumptions (claims.ts): an assume no run meets proves nothing.
      const met = await someRunMeets(world, alg.bool(alg.or(...perRun((d) => evalBool(inv.assume!, d)))));
      if (met.answer === 'unsat') return { result: 'unknown', reason: `vacuous: no run meets its assume, so proving it would say nothing` };
      return met.answer === 'sat' ? { result: 'proved' } : { result: 'unknown', reason: 'z3 could not tell whether any run meets its assume' };
    },
  };
}

/**
 * A run of the transaction as the prover or the VM sees it: whether it succeeds and, where it
 * does, its gas, outputs and writes (key -> the value it leaves). z3's model of a witness
 * predicts one, the path its goal took; the VM, run on the witness's call, gives another.
 */
interface RunShape {
  readonly success: boolean;
  readonly gasUsed?: number;
  readonly outputs?: readonly number[];
  readonly writes?: ReadonlyMap<number, number>;
}

/** The run z3's model predicts: a successful `path`'s, or (none) one that reverts or runs out of gas, leaving nothing. */
function predicted(z: Z, m: ZModel, path: Path | undefined): RunShape {
  if (path === undefined) return { success: false };
  const num = (t: Int) => Number(valueOf(z, m, t));
  return { success: true, gasUsed: path.gas, outputs: path.outputs.map(num), writes: new Map(path.writes.map((w) => [num(w.key), num(w.value)])) };
}

/** The run the VM (spec/vm.ts) makes of the call. */
function observed(c: ContractSpec, argv: readonly number[], pre: ReadonlyMap<number, number>, gasLimit: number): RunShape {
  const out = runTransaction(c.code, argv, gasLimit, { read: (k: number) => pre.get(k) ?? 0 }, newOutcome());
  if (out.status !== TxStatus.Success) return { success: false };
  return {
    success: true, gasUsed: out.gasUsed, outputs: out.outputs.slice(0, out.outputCount),
    writes: new Map(out.writeKeys.slice(0, out.writeCount).map((k, i) => [k, out.writeValues[i]!])),
  };
}

/** Where two runs differ, in words ("gas used 12 by z3's model, 14 on the VM"); none where they agree. */
function runDifferences(model: RunShape, vm: RunShape, name: (k: number) => string): string[] {
  const ended = (r: RunShape) => (r.success ? 'succeeds' : 'reverts or runs out of gas');
  if (model.success !== vm.success) return [`the run ${ended(model)} by z3's model, ${ended(vm)} on the VM`];
  if (!model.success) return [];
  const differ: string[] = [];
  if (model.gasUsed !== vm.gasUsed) differ.push(`gas used ${model.gasUsed} by z3's model, ${vm.gasUsed} on the VM`);
  const list = (xs: readonly number[]) => `[${xs.join(', ')}]`;
  if (list(model.outputs!) !== list(vm.outputs!)) differ.push(`outputs ${list(model.outputs!)} by z3's model, ${list(vm.outputs!)} on the VM`);
  const writes = (w: ReadonlyMap<number, number>) => showState(new Map([...w].sort(([a], [b]) => a - b)), name);
  if (writes(model.writes!) !== writes(vm.writes!)) differ.push(`writes ${writes(model.writes!)} by z3's model, ${writes(vm.writes!)} on the VM`);
  return differ;
}

/**
 * The invariant witness z3's model gives, confirmed on the VM before it is reported: the call,
 * run on the VM, breaks the invariant, and runs as the model's path predicts. Without a HASH,
 * every disagreement is Concord's bug: a call the VM does not break the invariant with is no
 * witness (unknown, saying so), and one it does but by another run is refuted as the VM runs it,
 * with the disagreement named as Concord's. With a HASH the model's hash values are most likely
 * not sha256's, so a disagreement says nothing, and the VM is searched for a call that breaks it.
 */
function invariantWitness(
  z: Z, world: World, m: ZModel, c: ContractSpec, inv: Invariant, args: readonly Int[], limit: Int, path: Path | undefined, name: (k: number) => string,
): Verdict {
  const argv = args.map((a) => Number(valueOf(z, m, a)));
  const gasLimit = Number(valueOf(z, m, limit));
  const pre = preStateOf(world, m);
  const differ = hashes(c) ? [] : runDifferences(predicted(z, m, path), observed(c, argv, pre, gasLimit), name);
  const note = differ.length > 0 ? `; the VM breaks the invariant so, but ${concordBug(`z3's model of this call predicted another run (${differ.join('; ')})`)}` : '';
  const replayed = invariantFails(c, inv, argv, pre, gasLimit, name, note);
  if (replayed) return differ.length > 0 ? { ...replayed, witness: { ...replayed.witness!, disagreement: differ } } : replayed;
  if (!hashes(c)) {
    const call = `${shows(c, argv)}, gas limit ${gasLimit}, with pre ${showState(pre, name)}`;
    const why = differ.length > 0 ? differ.join('; ') : 'the run is as z3 predicts, so the invariant\'s encoding is at fault';
    return { result: 'unknown', reason: concordBug(`z3 found that ${call} breaks the invariant, which the VM, run on the same call, does not confirm (${why})`) };
  }
  // The model's HASH values are any function's: look for a call that breaks the invariant on the VM itself.
  for (const tried of argsToTry(argv)) {
    for (const state of [pre, new Map<number, number>()]) {
      world.inTime();
      const found = invariantFails(c, inv, tried, state, gasLimit, name, '; found by running the VM, as z3\'s own witness took HASH values sha256 does not give');
      if (found) return found;
    }
  }
  return { result: 'unknown', reason: noReplay('breaks the invariant') };
}

/**
 * The call run on the VM, refuting the invariant if the run breaks it. The summary and the JSON
 * show the same keys: every key the pre-state holds, the transaction wrote or the invariant looks at.
 */
function invariantFails(
  c: ContractSpec, inv: Invariant, argv: readonly number[], pre: ReadonlyMap<number, number>, gasLimit: number, name: (k: number) => string, how = '',
): Verdict | undefined {
  const call: Call = { label: 'T', shows: shows(c, argv), program: program(c), args: argv, gasLimit };
  const run = runBlock([call], pre);
  const looked = new Set<bigint>();
  const d = concreteDomain(argv, pre, run.state, run.receipts[0]!.status === 'success', looked);
  const assumed = inv.assume ? evalBool(inv.assume, d) : true;
  if (!assumed || evalBool(inv.holds, d)) return undefined;
  const keys = [...new Set([...pre.keys(), ...run.state.keys(), ...[...looked].map(Number)])].sort((a, b) => a - b);
  const at = (s: ReadonlyMap<number, number>) => new Map(keys.map((k) => [k, s.get(k) ?? 0]));
  const receipt = showReceipt(run.receipts[0]!, run.reads[0]!, name);
  return {
    result: 'refuted',
    witness: {
      summary: `${call.shows}, gas limit ${gasLimit}: ${receipt}; pre ${showState(at(pre), name)} -> post ${showState(at(run.state), name)}${how}`,
      args: [...argv], gasLimit, pre: Object.fromEntries([...at(pre)].map(([k, v]) => [name(k), v])),
      post: Object.fromEntries([...at(run.state)].map(([k, v]) => [name(k), v])), receipt: run.receipts[0],
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
      invariants: (LIBRARY_INVARIANTS[def.name] ?? []).map((inv, i) => parseInvariant(inv, [def.name, 'invariants', i], { params })),
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
