// Concord's transaction bytecode: a register machine with 16 registers. A program is a flat
// Float64Array of fixed-width instructions [opcode, a, b, c, d], so it crosses into workers through
// shared memory and is modelled instruction by instruction by z3. Call arguments are preloaded
// into r0..r(n-1); every other register starts at 0.
// Invariant: an assembled program only holds valid opcodes, register numbers in [0, REGISTERS),
// jump targets in [0, length] (length = stop) and immediates inside the value range, so the VM
// never has to check them again.

import { isValue } from './values.js';

export const REGISTERS = 16;
export const WIDTH = 5;

/** Operand kinds: a register, an immediate value, or a jump target (instruction index). */
export type OperandKind = 'reg' | 'imm' | 'target';

export interface OpInfo {
  readonly name: string;
  readonly code: number;
  readonly operands: readonly OperandKind[];
  /** Gas charged before the instruction runs (HASH adds HASH_GAS_PER_ITERATION per iteration). */
  readonly gas: number;
  readonly doc: string;
}

export const OP = {
  STOP: 0, CONST: 1, MOV: 2, READ: 3, WRITE: 4, DELTA: 5, ADD: 6, SUB: 7, MUL: 8, DIV: 9, MOD: 10,
  ADDI: 11, MULI: 12, LT: 13, LE: 14, EQ: 15, NOT: 16, JUMP: 17, JUMPI: 18, REVERT: 19, EMIT: 20,
  HASH: 21,
} as const;

export const HASH_GAS_PER_ITERATION = 30;
/** The most hash iterations one HASH instruction may ask for. */
export const MAX_HASH_ITERATIONS = 1_000_000;

const table: OpInfo[] = [
  { name: 'stop', code: OP.STOP, operands: [], gas: 1, doc: 'end the transaction successfully' },
  { name: 'const', code: OP.CONST, operands: ['reg', 'imm'], gas: 1, doc: 'rd = imm' },
  { name: 'mov', code: OP.MOV, operands: ['reg', 'reg'], gas: 1, doc: 'rd = rs' },
  { name: 'read', code: OP.READ, operands: ['reg', 'reg'], gas: 20, doc: 'rd = state[rk] (0 if unset)' },
  { name: 'write', code: OP.WRITE, operands: ['reg', 'reg'], gas: 40, doc: 'state[rk] = rs' },
  {
    name: 'delta', code: OP.DELTA, operands: ['reg', 'reg', 'imm', 'imm'], gas: 40,
    doc: 'state[rk] += rs; reverts with DELTA_BOUND unless lo <= result <= hi',
  },
  { name: 'add', code: OP.ADD, operands: ['reg', 'reg', 'reg'], gas: 2, doc: 'rd = ra + rb' },
  { name: 'sub', code: OP.SUB, operands: ['reg', 'reg', 'reg'], gas: 2, doc: 'rd = ra - rb' },
  { name: 'mul', code: OP.MUL, operands: ['reg', 'reg', 'reg'], gas: 3, doc: 'rd = ra * rb' },
  { name: 'div', code: OP.DIV, operands: ['reg', 'reg', 'reg'], gas: 4, doc: 'rd = trunc(ra / rb)' },
  { name: 'mod', code: OP.MOD, operands: ['reg', 'reg', 'reg'], gas: 4, doc: 'rd = ra - rb * trunc(ra / rb)' },
  { name: 'addi', code: OP.ADDI, operands: ['reg', 'reg', 'imm'], gas: 2, doc: 'rd = ra + imm' },
  { name: 'muli', code: OP.MULI, operands: ['reg', 'reg', 'imm'], gas: 3, doc: 'rd = ra * imm' },
  { name: 'lt', code: OP.LT, operands: ['reg', 'reg', 'reg'], gas: 2, doc: 'rd = ra < rb ? 1 : 0' },
  { name: 'le', code: OP.LE, operands: ['reg', 'reg', 'reg'], gas: 2, doc: 'rd = ra <= rb ? 1 : 0' },
  { name: 'eq', code: OP.EQ, operands: ['reg', 'reg', 'reg'], gas: 2, doc: 'rd = ra == rb ? 1 : 0' },
  { name: 'not', code: OP.NOT, operands: ['reg', 'reg'], gas: 1, doc: 'rd = rs == 0 ? 1 : 0' },
  { name: 'jump', code: OP.JUMP, operands: ['target'], gas: 1, doc: 'continue at target' },
  { name: 'jumpi', code: OP.JUMPI, operands: ['reg', 'target'], gas: 2, doc: 'continue at target if rc != 0' },
  { name: 'revert', code: OP.REVERT, operands: ['imm'], gas: 1, doc: 'abort with code (>= 0), discarding writes and outputs' },
  { name: 'emit', code: OP.EMIT, operands: ['reg'], gas: 5, doc: 'append rs to the receipt outputs' },
  {
    name: 'hash', code: OP.HASH, operands: ['reg', 'reg', 'imm'], gas: 5,
    doc: 'rd = sha256 iterated n times over rs, truncated to 53 bits (costs 30 gas per iteration)',
  },
];

export const OPS: readonly OpInfo[] = table;
export const OP_BY_NAME: ReadonlyMap<string, OpInfo> = new Map(table.map((o) => [o.name, o]));

/** One instruction in readable form: ["add", "r2", "r0", "r1"], ["const", "r0", "alice.balance"]. */
export type ReadableOp = readonly (string | number)[];

export class AssembleError extends Error {
  static {
    this.prototype.name = 'AssembleError';
  }
  constructor(message: string, readonly instruction: number, readonly field: string) {
    super(message);
  }
}

/**
 * Turns readable instructions into bytecode. `["label", "name"]` marks a jump target; a target
 * operand is a label or an instruction index. Immediates are numbers or names that `resolveName`
 * maps to values (key names such as "alice.balance"). With `refuseEmptyDeltaBounds`, a delta
 * whose bounds hold no value (lo > hi: it always reverts) is an error: in a user's block it is a
 * mistake, while the VM's own tests assemble such deltas on purpose.
 */
export function assemble(
  ops: readonly ReadableOp[],
  resolveName: (name: string) => number | undefined = () => undefined,
  { refuseEmptyDeltaBounds = false } = {},
): Float64Array {
  const labels = new Map<string, number>();
  const body: ReadableOp[] = [];
  // Errors name the instruction's index in `ops`, where the writer can find it; labels take no slot in the code.
  const source: number[] = [];
  ops.forEach((op, i) => {
    if (!Array.isArray(op) || op.length === 0 || typeof op[0] !== 'string') {
      throw new AssembleError(`instruction ${i} must be an array starting with an opcode name`, i, 'op');
    }
    if (op[0] === 'label') {
      const name = op[1];
      if (op.length !== 2 || typeof name !== 'string') throw new AssembleError(`label at ${i} needs one name`, i, 'label');
      if (labels.has(name)) throw new AssembleError(`label "${name}" defined twice`, i, 'label');
      labels.set(name, body.length);
    } else {
      body.push(op);
      source.push(i);
    }
  });
  const code = new Float64Array(body.length * WIDTH);
  body.forEach((op, pc) => {
    const at = source[pc]!;
    const name = op[0] as string;
    const info = OP_BY_NAME.get(name);
    if (!info) throw new AssembleError(`unknown opcode "${name}"`, at, 'op');
    if (op.length - 1 !== info.operands.length) {
      throw new AssembleError(`"${name}" takes ${info.operands.length} operands, got ${op.length - 1}`, at, 'operands');
    }
    code[pc * WIDTH] = info.code;
    info.operands.forEach((kind, j) => {
      code[pc * WIDTH + 1 + j] = operand(kind, op[j + 1]!, at, j, body.length, labels, resolveName);
    });
    if (info.code === OP.REVERT && code[pc * WIDTH + 1]! < 0) {
      throw new AssembleError('revert codes must be >= 0 (negative codes are VM faults)', at, 'operand 0');
    }
    if (info.code === OP.HASH) {
      const n = code[pc * WIDTH + 3]!;
      if (n < 1 || n > MAX_HASH_ITERATIONS) {
        throw new AssembleError(`hash iterations must be in [1, ${MAX_HASH_ITERATIONS}], got ${n}`, at, 'operand 2');
      }
    }
    const bounds = pc * WIDTH + 3;
    if (info.code === OP.DELTA && refuseEmptyDeltaBounds && code[bounds]! > code[bounds + 1]!) {
      throw new AssembleError(`delta bounds lo ${code[bounds]} above hi ${code[bounds + 1]}: every delta would revert`, at, 'operand 2');
    }
  });
  return code;
}

function operand(
  kind: OperandKind, raw: string | number, at: number, j: number, length: number,
  labels: ReadonlyMap<string, number>, resolveName: (name: string) => number | undefined,
): number {
  const field = `operand ${j}`;
  if (kind === 'reg') {
    const m = typeof raw === 'string' ? /^r(\d+)$/.exec(raw) : null;
    const r = m ? Number(m[1]) : NaN;
    if (!(r >= 0 && r < REGISTERS)) throw new AssembleError(`expected a register r0..r${REGISTERS - 1}, got ${JSON.stringify(raw)}`, at, field);
    return r;
  }
  if (kind === 'target') {
    const t = typeof raw === 'string' ? labels.get(raw) : raw;
    if (t === undefined) throw new AssembleError(`unknown label ${JSON.stringify(raw)}`, at, field);
    if (!Number.isInteger(t) || t < 0 || t > length) throw new AssembleError(`jump target ${t} outside the program [0, ${length}]`, at, field);
    return t;
  }
  const v = typeof raw === 'string' ? resolveName(raw) : raw;
  if (v === undefined) throw new AssembleError(`unknown name ${JSON.stringify(raw)}`, at, field);
  if (!isValue(v)) throw new AssembleError(`immediate ${v} is not an integer in the value range`, at, field);
  return v;
}

/** Checks bytecode that did not come from `assemble` (a decoded file, a fuzzer). */
export function validateCode(code: Float64Array): void {
  if (code.length % WIDTH !== 0) throw new AssembleError(`code length ${code.length} is not a multiple of ${WIDTH}`, 0, 'code');
  const length = code.length / WIDTH;
  const ops: ReadableOp[] = [];
  for (let pc = 0; pc < length; pc++) ops.push(disassembleOne(code, pc));
  assemble(ops);
}

/** The readable form of one instruction (jump targets as indices). */
export function disassembleOne(code: Float64Array, pc: number): ReadableOp {
  const base = pc * WIDTH;
  const info = OPS[code[base]!];
  if (!info) throw new AssembleError(`unknown opcode ${code[base]}`, pc, 'op');
  return [info.name, ...info.operands.map((kind, j) => {
    const v = code[base + 1 + j]!;
    return kind === 'reg' ? `r${v}` : v;
  })];
}

export function disassemble(code: Float64Array): ReadableOp[] {
  const out: ReadableOp[] = [];
  for (let pc = 0; pc < code.length / WIDTH; pc++) out.push(disassembleOne(code, pc));
  return out;
}
