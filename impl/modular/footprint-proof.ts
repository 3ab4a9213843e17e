// Programs that cannot make an undeclared access, whatever their arguments and the state: a sound,
// incomplete abstract interpretation of the bytecode, cheap enough to run on every block the
// preflight sends to the sequential executor, where checking each transaction's accesses as it
// runs cost 14-28% of the block (the lanes check every access anyway: they need its entry).
// Each register holds, at each instruction, one of: unknown (the analysis reached it with no
// path yet), an exact affine function of one argument, args[i] * mul + add (a constant when
// mul is 0), or anything. Branches are followed both ways, joins of different functions give
// anything, and the fixpoint over the control-flow graph ends because a register only moves up
// that three-step lattice. A program holds its footprint when every READ, WRITE and DELTA the
// analysis reaches computes its key as a function some footprint entry names with kinds that
// cover the access (COVERED, order.ts), as the lanes check it (thread.ts).
// Why exact functions suffice: the VM's values are safe integers and an operation whose exact
// result leaves that range faults (spec/values.ts), so a key the VM reaches equals the exact
// function; flatKey computes the footprint's key exactly too. Entries naming the same key at run
// time merge their kinds (access.ts), which can only cover more than the analysis assumes.
// One VM subtlety: a DELTA on a key the transaction read before is recorded as a write (it is no
// longer a pure delta), so a DELTA must also be covered as a write together with every READ whose
// key may equal its key at run time.
// Invariant: footprintHolds(p) implies that no execution of p reports an undeclared access; false
// says nothing (the caller checks at run time).

import type { Program } from '../../spec/block.js';
import { OP, REGISTERS, WIDTH } from '../../spec/bytecode.js';
import { COVERED, DELTA, kindBit, READ, WRITE } from './order.js';

/** args[arg] * mul + add; arg -1 for a constant. */
interface Affine {
  readonly arg: number;
  readonly mul: number;
  readonly add: number;
}

/** A register's abstract value: null before any path reached it, ANY when it may be anything. */
type Value = Affine | null | typeof ANY;
const ANY = 'any';


function affine(arg: number, mul: number, add: number): Value {
  if (!Number.isSafeInteger(mul) || !Number.isSafeInteger(add)) return ANY;
  return mul === 0 || arg < 0 ? { arg: -1, mul: 0, add } : { arg, mul, add };
}

const constant = (c: number): Value => affine(-1, 0, c);

function same(a: Value, b: Value): boolean {
  if (a === null || b === null || a === ANY || b === ANY) return a === b;
  return a.arg === b.arg && a.mul === b.mul && a.add === b.add;
}

function join(a: Value, b: Value): Value {
  if (a === null) return b;
  if (b === null) return a;
  return same(a, b) ? a : ANY;
}

function sum(a: Value, b: Value, sign: 1 | -1): Value {
  if (a === null || b === null || a === ANY || b === ANY) return ANY;
  if (b.arg < 0) return affine(a.arg, a.mul, a.add + sign * b.add);
  if (a.arg < 0 || a.arg === b.arg) return affine(b.arg, (a.arg < 0 ? 0 : a.mul) + sign * b.mul, a.add + sign * b.add);
  return ANY;
}

function scaled(a: Value, c: number): Value {
  if (a === null || a === ANY || !Number.isSafeInteger(c)) return ANY;
  return affine(a.arg, a.mul * c, a.add * c);
}

function product(a: Value, b: Value): Value {
  if (a === null || b === null || a === ANY || b === ANY) return ANY;
  if (a.arg < 0) return scaled(b, a.add);
  if (b.arg < 0) return scaled(a, b.add);
  return ANY;
}

/** Whether two functions may give the same key for some arguments. */
function mayMeet(a: Affine, b: Affine): boolean {
  if (a.arg < 0 && b.arg < 0) return a.add === b.add;
  if (a.arg === b.arg && a.mul === b.mul) return a.add === b.add;
  return true;
}

const proven = new WeakMap<Program, boolean>();

/** True when no execution of `program` can touch a key outside its footprint or beyond its declared kinds. */
export function footprintHolds(program: Program): boolean {
  let holds = proven.get(program);
  if (holds === undefined) {
    holds = analyse(program);
    proven.set(program, holds);
  }
  return holds;
}

function analyse(program: Program): boolean {
  const { code, footprint, arity } = program;
  if (!footprint) return false;
  const declared = footprint.map((e) => ({ fn: affine(e.key.arg ?? -1, e.key.mul ?? 1, e.key.add), kinds: kindBit(e.access) }));
  if (declared.some((d) => d.fn === ANY)) return false;
  /** The kinds the footprint declares for the function, OR-ed over its entries. */
  const kindsOf = (fn: Affine) => declared.reduce((k, d) => (same(d.fn, fn) ? k | d.kinds : k), 0);
  const end = code.length / WIDTH;
  // An argument the call does not give is 0 in the VM's register and in flatKey alike.
  const entry: Value[] = Array.from({ length: REGISTERS }, (_, r) => (r < arity ? affine(r, 1, 0) : constant(0)));
  const at: (Value[] | null)[] = new Array(end).fill(null);
  const reads = new Map<number, Affine>();
  const deltas = new Map<number, Affine>();
  const pending: number[] = [];
  const flow = (pc: number, regs: Value[]) => {
    if (pc >= end) return;
    const there = at[pc];
    if (there === null) {
      at[pc] = regs.slice();
    } else {
      let changed = false;
      for (let r = 0; r < REGISTERS; r++) {
        const j = join(there[r]!, regs[r]!);
        if (!same(j, there[r]!)) {
          there[r] = j;
          changed = true;
        }
      }
      if (!changed) return;
    }
    pending.push(pc);
  };
  /** Whether a key known as `fn` is a function the footprint names with kinds that cover `kind`. */
  const covered = (fn: Value, kind: number): fn is Affine => fn !== null && fn !== ANY && (COVERED[kindsOf(fn)]! & kind) !== 0;
  flow(0, entry);
  while (pending.length > 0) {
    const pc = pending.pop()!;
    const regs = at[pc]!.slice();
    const base = pc * WIDTH;
    const op = code[base]!;
    const a = code[base + 1]!;
    const b = code[base + 2]!;
    const c = code[base + 3]!;
    switch (op) {
      case OP.STOP:
      case OP.REVERT:
        continue;
      case OP.JUMP:
        flow(a, regs);
        continue;
      case OP.JUMPI:
        flow(b, regs);
        break;
      case OP.CONST:
        regs[a] = Number.isSafeInteger(b) ? constant(b) : ANY;
        break;
      case OP.MOV:
        regs[a] = regs[b]!;
        break;
      case OP.READ:
        if (!covered(regs[b]!, READ)) return false;
        reads.set(pc, regs[b] as Affine);
        regs[a] = ANY;
        break;
      case OP.WRITE:
        if (!covered(regs[a]!, WRITE)) return false;
        break;
      case OP.DELTA:
        if (!covered(regs[a]!, DELTA)) return false;
        deltas.set(pc, regs[a] as Affine);
        break;
      case OP.ADD:
        regs[a] = sum(regs[b]!, regs[c]!, 1);
        break;
      case OP.SUB:
        regs[a] = sum(regs[b]!, regs[c]!, -1);
        break;
      case OP.MUL:
        regs[a] = product(regs[b]!, regs[c]!);
        break;
      case OP.ADDI:
        regs[a] = sum(regs[b]!, constant(c), 1);
        break;
      case OP.MULI:
        regs[a] = scaled(regs[b]!, c);
        break;
      case OP.EMIT:
        break;
      default:
        // DIV, MOD, the comparisons, NOT and HASH: no affine function of an argument.
        regs[a] = ANY;
    }
    flow(pc + 1, regs);
  }
  for (const d of deltas.values()) {
    for (const r of reads.values()) if (mayMeet(d, r) && (COVERED[kindsOf(d) | kindsOf(r)]! & WRITE) === 0) return false;
  }
  return true;
}
