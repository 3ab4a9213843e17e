// Block files: the portable JSON form of a Block (format "concord-block/1"), documented in
// docs/block-format.md. Parsing validates everything up front and throws BlockFileError naming
// the file, the transaction index and the field, so no executor ever sees a half-valid block.
// Invariant: parseBlock(writeBlock(b)) executes exactly like b (same roots, receipts and reads),
// and a block parsed from text holds what the text says: a key given twice, a number JSON.parse
// would round or a negative zero is refused, never settled silently (spec/strict-json.ts).

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { AssembleError, MAX_HASH_ITERATIONS, assemble, disassemble, type ReadableOp } from './bytecode.js';
import type { Block, Footprint, FootprintEntry, Program, Transaction } from './block.js';
import { DEFAULT_BLOCK_GAS_LIMIT } from './block.js';
import { CONTRACTS, FIELD, FIELDS, MAX_ENTITY, STRIDE, contractProgram, type Field } from './contracts.js';
import { MAX_VALUE, isKey, isValue } from './values.js';
import { plural } from './plural.js';
import { describeValue, InputFileError, lineColumn } from './messages.js';
import { positionOf } from './json-position.js';
import { checkTopLevel, parseStrictJson } from './strict-json.js';

export const BLOCK_FORMAT = 'concord-block/1';
/**
 * The most gas one transaction may be given. The VM runs about 1e8 gas/s, so this bounds a
 * transaction to about a second; the heaviest legitimate one, a hash of MAX_HASH_ITERATIONS,
 * needs about 3e7.
 */
export const MAX_TX_GAS_LIMIT = 100_000_000;

/**
 * A block file's error: `where` names the field (and transaction), `problem` says what is wrong
 * with it. `position` is the line and column of the offending value in the file's text, for an
 * error a field's own check found on the parsed value (parseBlock places it); the strict reader's
 * errors (a number out of range, a key given twice) and JSON syntax errors carry theirs at the
 * head of `problem`. The message says all three: "FILE: WHERE: line L, column C: PROBLEM".
 */
export class BlockFileError extends InputFileError {
  static {
    this.prototype.name = 'BlockFileError';
  }

  constructor(file: string, where: string, problem: string, readonly position?: string) {
    super(file, where, problem);
    if (position !== undefined) this.message = `${file}: ${this.where}: ${position}: ${this.problem}`;
  }
}

/** Keys and indices from the top of a block file's JSON to a value in it. */
type JsonPath = readonly (string | number)[];

/** A field check's error as blockFromJson throws it: with the path of the value, which parseBlock turns into its line and column. */
class FieldError extends BlockFileError {
  constructor(file: string, where: string, problem: string, readonly path: JsonPath) {
    super(file, where, problem);
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a block file's text. `file` only names the source in errors. */
export function parseBlock(text: string, file = 'block'): Block {
  const fail = (where: string, problem: string): BlockFileError => new BlockFileError(file, where, problem);
  const top = (where: string, problem: string, path: JsonPath): BlockFileError => new FieldError(file, where, problem, path);
  try {
    const json = parseStrictJson(text, { kind: 'a block file', syntaxWhere: 'JSON', place: placeOf, fail, top: (j) => checkTop(j, top) });
    return blockFromJson(json, file);
  } catch (e) {
    if (!(e instanceof FieldError)) throw e;
    // Placed in the text as parsed: without the byte-order mark parseJsonText leaves off.
    const body = text.replace(/^\uFEFF/, '');
    const { at, steps } = positionOf(body, e.path);
    const within = steps === e.path.length ? '' : ` (in ${steps === 0 ? 'the top level' : placeOf(e.path.slice(0, steps))}, which lacks it)`;
    throw new BlockFileError(file, e.where, e.problem, `${lineColumn(body, at)}${within}`);
  }
}

const TOP_FIELDS = ['format', 'gasLimit', 'hashCost', 'entities', 'preState', 'programs', 'transactions'];

/** A block file's top level: an object, of format BLOCK_FORMAT, with no field a block file does not have (checkTopLevel). */
function checkTop(json: unknown, fail: (where: string, problem: string, path: JsonPath) => Error): asserts json is Obj {
  checkTopLevel(json, BLOCK_FORMAT, TOP_FIELDS, fail);
}

/**
 * A place in the JSON (keys and indices from the top) named as blockFromJson names it:
 * "transaction 3: field args.amount", "field preState.alice.balance", "field programs.p.ops[2] operand 1".
 */
function placeOf(path: JsonPath): string {
  if (path.length === 0) return 'top level';
  const inTx = path[0] === 'transactions' && typeof path[1] === 'number';
  const field = path.slice(inTx ? 2 : 0).map((p, n, rest) => {
    if (typeof p === 'string') return n === 0 ? p : `.${p}`;
    // An instruction's elements are its opcode and operands, as the assembler's errors call them.
    if (n >= 2 && rest[n - 2] === 'ops' && typeof rest[n - 1] === 'number') return p === 0 ? ' op' : ` operand ${p - 1}`;
    return `[${p}]`;
  }).join('');
  if (!inTx) return `field ${field}`;
  return field === '' ? `transaction ${path[1]}` : `transaction ${path[1]}: field ${field}`;
}

export function blockFromJson(json: unknown, file = 'block'): Block {
  // Each check names the value it refuses by its path: its `where` (placeOf, or the assembler's
  // own name for a part of an instruction), and its line and column once parseBlock places it.
  const fail = (path: JsonPath, problem: string, where = placeOf(path)): never => {
    throw new FieldError(file, where, problem, path);
  };
  checkTop(json, (where, problem, path) => new FieldError(file, where, problem, path));

  const entityNames: string[] = [];
  const entityIndex = new Map<string, number>();
  const entity = (name: string, where: JsonPath): number => {
    const hash = /^#(\d+)$/.exec(name);
    if (hash) {
      const i = Number(hash[1]);
      if (i > MAX_ENTITY) fail(where, `entity index ${i} above ${MAX_ENTITY}`);
      return i;
    }
    if (name.startsWith('#')) fail(where, `entity index ${describeValue(name)} must be # and an integer from 0 to ${MAX_ENTITY}`);
    if (!/^[A-Za-z_][\w-]*$/.test(name)) fail(where, `entity name ${describeValue(name)} must start with an ASCII letter or _ and hold only ASCII letters, digits, _ and -`);
    let i = entityIndex.get(name);
    if (i === undefined) {
      i = entityNames.length;
      entityNames.push(name);
      entityIndex.set(name, i);
    }
    return i;
  };
  if (json.entities !== undefined) {
    if (!Array.isArray(json.entities)) fail(['entities'], `expected an array of names, got ${describeValue(json.entities)}`);
    (json.entities as Json[]).forEach((n, i) => {
      if (typeof n !== 'string') fail(['entities', i], `expected a name, got ${describeValue(n)}`);
      if (entityIndex.has(n as string)) fail(['entities', i], `duplicate entity ${describeValue(n)}`);
      entity(n as string, ['entities', i]);
    });
  }
  const keyByName = (name: string, where: JsonPath): number => {
    if (/^\d+$/.test(name)) {
      const k = Number(name);
      if (!isKey(k)) fail(where, `key ${name} outside [0, 2^32)`);
      return k;
    }
    // Any other number ("1.5", "-1", "1e3") would otherwise split at its dot into entity and field.
    if (name.trim() !== '' && !Number.isNaN(Number(name))) fail(where, `expected a key number (an integer in [0, 2^32)) or "entity.field", got ${describeValue(name)}`);
    const dot = name.lastIndexOf('.');
    if (dot <= 0 || name.indexOf('.') !== dot) fail(where, `expected a key "entity.field" (one dot) or a key number, got ${describeValue(name)}`);
    const field = name.slice(dot + 1);
    // An own-property test: `in` would take "constructor" or "toString" from Object.prototype for a field.
    if (!Object.hasOwn(FIELD, field)) fail(where, `unknown field "${field}" (fields: ${FIELDS.join(', ')})`);
    return entity(name.slice(0, dot), where) * STRIDE + FIELD[field as Field];
  };
  const intField = (v: Json | undefined, where: JsonPath, min: number, fallback?: number, max = MAX_VALUE): number => {
    if (v === undefined && fallback !== undefined) return fallback;
    // The top of the value range is said only to a value past it (a block built in memory: the
    // strict reader refuses such a number in a file, with its line and column), as an option's is.
    const range = max === MAX_VALUE ? `>= ${min}${typeof v === 'number' && v > max ? ' and at most 2^53 - 1' : ''}` : `from ${min} to ${max.toLocaleString('en-US')}`;
    if (!isValue(v) || v < min || v > max) fail(where, `expected an integer ${range}, got ${describeValue(v)}`);
    return v as number;
  };
  // The contract's HASH instruction carries hashCost, so it has that instruction's limit.
  const hashCostField = (v: Json | undefined, where: JsonPath, fallback: number) => intField(v, where, 0, fallback, MAX_HASH_ITERATIONS);

  const blockGasLimit = intField(json.gasLimit, ['gasLimit'], 0, DEFAULT_BLOCK_GAS_LIMIT);
  const defaultHashCost = hashCostField(json.hashCost, ['hashCost'], 0);

  const preState = new Map<number, number>();
  if (json.preState !== undefined) {
    if (!isObj(json.preState)) fail(['preState'], `expected an object of key: value, got ${describeValue(json.preState)}`);
    // Two spellings of one key ("7" and "007", or an entity's field and its number) are not the
    // same JSON key, so the strict reader cannot place them: the message names both.
    const spelling = new Map<number, string>();
    for (const [name, v] of Object.entries(json.preState as Obj)) {
      const where = ['preState', name];
      const k = keyByName(name, where);
      if (!isValue(v)) fail(where, `expected an integer value in the value range, got ${describeValue(v)}`);
      const other = spelling.get(k);
      if (other !== undefined) fail(where, `key ${k} given twice: also as preState.${other}`);
      spelling.set(k, name);
      preState.set(k, v as number);
    }
  }

  const programs: Program[] = [];
  const programIndex = new Map<string, number>();
  const resolveImmediate = (name: string): number | undefined => {
    try {
      return keyByName(name, []);
    } catch {
      return entityIndex.get(name);
    }
  };
  // `at` is the path of the object holding the program's fields: ["programs", NAME], or a transaction's with inline ops.
  const rawProgram = (def: Json, name: string, at: JsonPath): Program => {
    if (!isObj(def)) return fail(at, `expected a program object, got ${describeValue(def)}`);
    for (const k of Object.keys(def)) if (!['ops', 'footprint', 'arity'].includes(k)) fail([...at, k], 'unknown field (known: ops, footprint, arity)');
    if (!Array.isArray(def.ops)) fail([...at, 'ops'], `expected an array of instructions, got ${describeValue(def.ops)}`);
    // The assembler quotes a bad operand whole; an array there could be nested past the stack's depth.
    (def.ops as Json[]).forEach((op, j) => {
      if (!Array.isArray(op)) return;
      const bad = op.findIndex((x, n) => n > 0 && typeof x !== 'string' && typeof x !== 'number');
      if (bad > 0) fail([...at, 'ops', j, bad], `expected a register ("r3"), a number, a label or a name, got ${describeValue(op[bad])}`);
    });
    let code: Float64Array;
    try {
      code = assemble(def.ops as ReadableOp[], resolveImmediate, { refuseEmptyDeltaBounds: true });
    } catch (e) {
      if (e instanceof AssembleError) {
        // The instruction's element where the assembler names one (its opcode, an operand), else the instruction.
        const operand = /^operand (\d+)$/.exec(e.field);
        const path = [...at, 'ops', e.instruction];
        if (e.field === 'op') return fail([...path, 0], e.message);
        return operand ? fail([...path, Number(operand[1]) + 1], e.message) : fail(path, e.message, `${placeOf(path)} ${e.field}`);
      }
      throw e;
    }
    const arity = intField(def.arity, [...at, 'arity'], 0, 16);
    if (arity > 16) fail([...at, 'arity'], 'at most 16 arguments (registers r0..r15)');
    const footprint = def.footprint === undefined ? undefined : parseFootprint(def.footprint, [...at, 'footprint'], arity, fail);
    return { name, code, arity, ...(footprint ? { footprint } : {}) };
  };
  if (json.programs !== undefined) {
    if (!isObj(json.programs)) fail(['programs'], `expected an object of name: program, got ${describeValue(json.programs)}`);
    for (const [name, def] of Object.entries(json.programs as Obj)) {
      programIndex.set(name, programs.length);
      programs.push(rawProgram(def, name, ['programs', name]));
    }
  }

  if (!Array.isArray(json.transactions)) fail(['transactions'], `expected an array, got ${describeValue(json.transactions)}`);
  const contractIndex = new Map<string, number>();
  const txs: Transaction[] = (json.transactions as Json[]).map((t, i): Transaction => {
    const at = ['transactions', i];
    if (!isObj(t)) return fail(at, `expected an object, got ${describeValue(t)}`);
    for (const k of Object.keys(t)) if (!['call', 'ops', 'program', 'args', 'gasLimit', 'hashCost', 'footprint'].includes(k)) fail([...at, k], 'unknown field');
    const forms = ['call', 'ops', 'program'].filter((f) => t[f] !== undefined);
    if (forms.length !== 1) fail(at, 'needs exactly one of "call" (a library contract), "ops" (inline bytecode) or "program" (a name from programs)');
    // A field that the transaction's form does not use would be silently ignored, like an unknown one.
    if (t.hashCost !== undefined && t.call === undefined) fail([...at, 'hashCost'], 'only a "call" takes hashCost; inline code hashes with a "hash" instruction');
    if (t.footprint !== undefined && t.ops === undefined) {
      fail([...at, 'footprint'], t.call !== undefined ? 'a library contract declares its own footprint' : 'a named program declares its footprint in "programs"');
    }
    const gasLimit = intField(t.gasLimit, [...at, 'gasLimit'], 0, 1_000_000, MAX_TX_GAS_LIMIT);
    let program: number;
    let args: number[];
    if (t.call !== undefined) {
      const def = typeof t.call === 'string' ? CONTRACTS.get(t.call) : undefined;
      if (!def) return fail([...at, 'call'], `unknown contract ${describeValue(t.call)} (known: ${[...CONTRACTS.keys()].join(', ')})`);
      const hashCost = hashCostField(t.hashCost, [...at, 'hashCost'], defaultHashCost);
      const id = `${def.name}#${hashCost}`;
      let p = contractIndex.get(id);
      if (p === undefined) {
        p = programs.length;
        programs.push(contractProgram(def.name, hashCost));
        contractIndex.set(id, p);
      }
      program = p;
      if (!isObj(t.args)) return fail([...at, 'args'], `expected an object with ${def.params.map((q) => q.name).join(', ')}, got ${describeValue(t.args)}`);
      const given = t.args as Obj;
      for (const k of Object.keys(given)) if (!def.params.some((q) => q.name === k)) fail([...at, 'args', k], `"${def.name}" has no argument ${k} (arguments: ${def.params.map((q) => q.name).join(', ')})`);
      args = def.params.map((q) => {
        const v = given[q.name];
        const where = [...at, 'args', q.name];
        if (q.kind === 'entity') {
          if (typeof v === 'string') return entity(v, where);
          if (!isValue(v) || v < 0 || v > MAX_ENTITY) fail(where, `expected an entity name or index in [0, ${MAX_ENTITY}], got ${describeValue(v)}`);
          return v as number;
        }
        if (!isValue(v)) fail(where, `expected an integer in the value range, got ${describeValue(v)}`);
        return v as number;
      });
    } else {
      if (t.ops !== undefined) {
        program = programs.length;
        programs.push(rawProgram({ ops: t.ops, ...(t.footprint === undefined ? {} : { footprint: t.footprint }) }, `tx${i}`, at));
      } else {
        const p = typeof t.program === 'string' ? programIndex.get(t.program) : undefined;
        if (p === undefined) return fail([...at, 'program'], `unknown program ${describeValue(t.program)}`);
        program = p;
      }
      const raw = t.args ?? [];
      if (!Array.isArray(raw)) return fail([...at, 'args'], `expected an array of values, got ${describeValue(raw)}`);
      // Fewer arguments are fine (the rest read 0); more would land in registers the program does not expect.
      const { arity } = programs[program]!;
      if (raw.length > arity) {
        fail([...at, 'args'], t.ops !== undefined
          ? `at most ${arity} arguments (registers r0..r15)`
          : `program ${t.program as string} takes ${arity === 0 ? 'no arguments' : plural(arity, 'argument')}, got ${raw.length}`);
      }
      args = raw.map((v, j) => {
        if (typeof v === 'string') {
          const r = resolveImmediate(v);
          if (r !== undefined) return r;
          // A dotted name was meant as a key: keyByName says what is wrong with it.
          return v.includes('.') ? keyByName(v, [...at, 'args', j]) : fail([...at, 'args', j], `unknown name ${describeValue(v)}`);
        }
        if (!isValue(v)) fail([...at, 'args', j], `expected an integer in the value range, got ${describeValue(v)}`);
        return v as number;
      });
    }
    return { program, args, gasLimit };
  });
  return { programs, txs, preState, gasLimit: blockGasLimit, entityNames };
}

/**
 * What is wrong with a delta footprint entry whose bounds hold no value (lo above hi), or
 * undefined. Block and contract files refuse it alike, so `prove` never calls sound a footprint
 * that `run` refuses.
 */
export function emptyBounds(lo: unknown, hi: unknown): string | undefined {
  return isValue(lo) && isValue(hi) && lo > hi ? `lo ${lo} above hi ${hi}: no value is within the bounds` : undefined;
}

function parseFootprint(raw: Json, where: JsonPath, arity: number, fail: (path: JsonPath, problem: string) => never): Footprint {
  if (!Array.isArray(raw)) return fail(where, `expected an array, got ${describeValue(raw)}`);
  return raw.map((e, i): FootprintEntry => {
    const at = [...where, i];
    if (!isObj(e) || !isObj(e.key)) return fail(at, 'expected { key: { arg?, mul?, add }, access: read|write|delta, lo?, hi? }');
    for (const f of Object.keys(e)) if (!['key', 'access', 'lo', 'hi'].includes(f)) fail([...at, f], 'unknown field (known: key, access, lo, hi)');
    const access = e.access;
    if (access !== 'read' && access !== 'write' && access !== 'delta') return fail([...at, 'access'], `expected read, write or delta, got ${describeValue(access)}`);
    const k = e.key as Obj;
    for (const f of Object.keys(k)) if (!['arg', 'mul', 'add'].includes(f)) fail([...at, 'key', f], 'unknown field (known: arg, mul, add)');
    if (k.arg !== undefined && (!Number.isInteger(k.arg) || (k.arg as number) < 0 || (k.arg as number) >= arity)) {
      fail([...at, 'key', 'arg'], arity === 0
        ? `"arg": ${describeValue(k.arg)} names no argument: the program takes none ("arity": 0); declare its "arity"`
        : `expected an argument index from 0 to ${arity - 1} (the program's arity is ${arity}), got ${describeValue(k.arg)}`);
    }
    for (const f of ['mul', 'add'] as const) if (k[f] !== undefined && !isValue(k[f])) fail([...at, 'key', f], 'expected an integer');
    if (k.add === undefined) fail([...at, 'key', 'add'], 'missing');
    // With an argument the key depends on the call (args[i] * mul + add); without one it is fixed,
    // and one the VM cannot touch declares nothing, which is a slip (a key name's number mistyped).
    if (k.arg === undefined && !isKey(k.add)) fail([...at, 'key', 'add'], `${describeValue(k.add)} is no key: keys are integers in [0, 2^32)`);
    // Bounds on a read or write would be silently ignored, and a malformed bound silently dropped.
    for (const f of ['lo', 'hi'] as const) {
      if (e[f] === undefined) continue;
      if (access !== 'delta') fail([...at, f], `only a delta entry has bounds, this one is a ${access}`);
      if (!isValue(e[f])) fail([...at, f], `expected an integer in the value range, got ${describeValue(e[f])}`);
    }
    const empty = emptyBounds(e.lo, e.hi);
    if (empty) fail([...at, 'lo'], empty);
    const entry: FootprintEntry = {
      key: { add: k.add as number, ...(k.arg === undefined ? {} : { arg: k.arg as number }), ...(k.mul === undefined ? {} : { mul: k.mul as number }) },
      access,
      ...(isValue(e.lo) ? { lo: e.lo } : {}),
      ...(isValue(e.hi) ? { hi: e.hi } : {}),
    };
    return entry;
  });
}

/**
 * A digest of what a block holds (transactions, programs, pre-state, gas limit; not how a file
 * spells it): the first 12 hex digits of the sha256 of its file form. It names a block file's
 * workload in results files, and tells whether an executor changed the block it was given.
 */
export function blockDigest(block: Block): string {
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify(writeBlock(block))))).slice(0, 12);
}

/** The block as a file: contract calls by name with named arguments, raw programs as readable ops. */
export function writeBlock(block: Block): object {
  const { head, transaction } = blockFileParts(block);
  return { ...head, transactions: block.txs.map(transaction) };
}

/**
 * writeBlock in two parts: the file's fields but its transactions, and how one transaction is
 * written; for a writer of a large block (gen) that writes it a transaction at a time.
 */
export function blockFileParts(block: Block): { head: object; transaction: (tx: Transaction) => object } {
  const names = block.entityNames ?? [];
  const entityRef = (i: number) => names[i] ?? `#${i}`;
  const keyRef = (k: number) => {
    const e = Math.floor(k / STRIDE);
    return names[e] !== undefined ? `${names[e]}.${FIELDS[k % STRIDE]}` : String(k);
  };
  const rawNames = new Map<number, string>();
  // No prototype: a program may be called "__proto__" or "constructor" like any other name.
  const programs: Record<string, object> = Object.create(null);
  block.programs.forEach((p, i) => {
    if (p.contract) return;
    const name = Object.hasOwn(programs, p.name) ? `${p.name}_${i}` : p.name;
    rawNames.set(i, name);
    programs[name] = { ops: disassemble(p.code), arity: p.arity, ...(p.footprint ? { footprint: p.footprint } : {}) };
  });
  const preState: Record<string, number> = {};
  for (const k of [...block.preState.keys()].sort((a, b) => a - b)) preState[keyRef(k)] = block.preState.get(k)!;
  const head = {
    format: BLOCK_FORMAT,
    ...(block.gasLimit === DEFAULT_BLOCK_GAS_LIMIT ? {} : { gasLimit: block.gasLimit }),
    entities: names,
    preState,
    ...(rawNames.size ? { programs } : {}),
  };
  const transaction = (tx: Transaction): object => {
    const p = block.programs[tx.program]!;
    if (!p.contract) return { program: rawNames.get(tx.program), args: tx.args, gasLimit: tx.gasLimit };
    const def = CONTRACTS.get(p.contract.name)!;
    const args = Object.fromEntries(def.params.map((q, j) => [q.name, q.kind === 'entity' ? entityRef(tx.args[j]!) : tx.args[j]!]));
    return { call: def.name, args, gasLimit: tx.gasLimit, ...(p.contract.hashCost ? { hashCost: p.contract.hashCost } : {}) };
  };
  return { head, transaction };
}
