// Loads a user's contract file for `concord prove --contract FILE` (format: docs/prove.md): name,
// parameters, code in readable assembly, declared footprint, and the invariants to prove.
// Invariant: a file either loads completely, every field checked, or fails with one
// ContractFileError naming the file, the field (e.g. `code[4]`, `footprint[1].access`), the line
// and column where the file writes it (spec/json-position.ts) and what is wrong with it; nothing
// half-checked reaches the prover. The text is read as strictly as a
// block file's (spec/strict-json.ts), and what a block file refuses in a footprint or in code
// (empty delta bounds) a contract file refuses too, so prove never calls sound what run refuses.

import { readFile } from 'node:fs/promises';
import { AssembleError, assemble, OP_BY_NAME, REGISTERS, type ReadableOp } from '../bytecode.js';
import type { AccessKind, FootprintEntry } from '../block.js';
import { emptyBounds } from '../block-file.js';
import { ACCESS_KINDS } from '../conflicts.js';
import { describeValue, InputFileError, jsonPath, lineColumn, unshowable, utf8Text } from '../messages.js';
import { positionOf } from '../json-position.js';
import { parseStrictJson } from '../strict-json.js';
import { FIELD, STRIDE, type Field } from '../contracts.js';
import { isValue, MAX_VALUE, MIN_VALUE } from '../values.js';
import type { ContractSpec } from './contract-claims.js';
import { FieldError, parseInvariant, parseKey, type JsonPath, type Names } from './invariants.js';

export class ContractFileError extends InputFileError {
  static {
    this.prototype.name = 'ContractFileError';
  }
}

const TOP = ['name', 'doc', 'params', 'code', 'footprint', 'invariants'];

/** The names of the claims prove makes of every contract (contract-claims.ts), which an invariant may not take. */
const BUILT_IN_CLAIMS = ['footprint sound'];

const CONSTANTS: Readonly<Record<string, number>> = { STRIDE, MAX_VALUE, MIN_VALUE };

/** Names an immediate may use: field numbers, the key stride, the value range's ends. */
function immediateName(name: string): number | undefined {
  // Own properties only: "constructor" or "toString" must not resolve to Object.prototype's.
  if (Object.hasOwn(FIELD, name)) return FIELD[name as Field];
  return Object.hasOwn(CONSTANTS, name) ? CONSTANTS[name] : undefined;
}

function object(json: unknown, at: JsonPath): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FieldError(at, `expected an object, got ${describeValue(json)}`);
  return json as Record<string, unknown>;
}

function array(json: unknown, at: JsonPath): unknown[] {
  if (!Array.isArray(json)) throw new FieldError(at, `expected an array, got ${describeValue(json)}`);
  return json;
}

/** How deeply a footprint entry or an invariant may nest; an invariant needs a few dozen levels at most. */
const MAX_NESTING = 100;

/**
 * `json`, unless it nests deeper than MAX_NESTING. Checked without recursion before the parsers
 * in invariants.ts, which recurse once per level, see it: a file can nest values past the stack.
 */
function shallow(json: unknown, at: JsonPath): unknown {
  const stack: [unknown, number][] = [[json, 0]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [v, depth] = top;
    if (typeof v !== 'object' || v === null) continue;
    if (depth === MAX_NESTING) throw new FieldError(at, `nested more than ${MAX_NESTING} levels deep`);
    for (const x of Object.values(v)) stack.push([x, depth + 1]);
  }
  return json;
}

/** A name that claims are named by: non-empty, and every character shown as itself on one line. */
function displayName(json: unknown, at: JsonPath): string {
  if (typeof json !== 'string' || json.trim() === '') throw new FieldError(at, `expected a non-empty string, got ${describeValue(json)}`);
  const bad = unshowable(json);
  if (bad) throw new FieldError(at, `${bad}; a name is shown on one line of the table: leave it out`);
  return json;
}

function parseParams(json: unknown): string[] {
  const params = array(json, ['params']);
  if (params.length > REGISTERS) throw new FieldError(['params'], `at most ${REGISTERS} (one register each), got ${params.length}`);
  params.forEach((p, i) => {
    if (typeof p !== 'string' || !/^[A-Za-z_][\w-]*$/.test(p)) {
      throw new FieldError(['params', i], `expected a name that starts with an ASCII letter or _ and holds only ASCII letters, digits, _ and -, got ${describeValue(p)}`);
    }
    if (params.indexOf(p) !== i) throw new FieldError(['params', i], `"${p}" named twice`);
  });
  return params as string[];
}

/** A program's bytecode, and the index in the file's `code` of each instruction (labels take no slot). */
interface ParsedCode {
  readonly code: Float64Array;
  readonly codeIndex: readonly number[];
  readonly source: readonly ReadableOp[];
}

function parseCode(json: unknown): ParsedCode {
  const ops = array(json, ['code']);
  if (ops.length === 0) throw new FieldError(['code'], 'a program needs at least one instruction');
  const body: number[] = [];
  ops.forEach((op, i) => {
    if (!Array.isArray(op) || typeof op[0] !== 'string') throw new FieldError(['code', i], `expected an instruction ["op", operands...], got ${describeValue(op)}`);
    if (op.some((x) => typeof x !== 'string' && typeof x !== 'number')) throw new FieldError(['code', i], 'operands are registers ("r3"), numbers, labels or names');
    if (op[0] !== 'label') body.push(i);
  });
  try {
    return { code: assemble(ops as ReadableOp[], immediateName, { refuseEmptyDeltaBounds: true }), codeIndex: body, source: ops as ReadableOp[] };
  } catch (e) {
    if (!(e instanceof AssembleError)) throw e;
    // The assembler names an instruction by its index in `ops`, labels counted, as code[i] does.
    const at = e.instruction;
    const operand = /^operand (\d+)$/.exec(e.field);
    const field = `code[${at}]${operand ? `[${Number(operand[1]) + 1}]` : ''}`;
    // An unknown opcode is placed at its name, still named by its instruction.
    const path = ['code', at, ...(operand ? [Number(operand[1]) + 1] : e.field === 'op' ? [0] : [])];
    // A numeric target counts instructions without labels, as in a block file, while code[i] counts
    // them: the assembler's range is in the first numbering, so the message says which it is.
    const target = /^jump target (.+) outside the program \[0, (\d+)\]$/.exec(e.message);
    const what = target
      ? `jump target ${target[1]} outside the program: a numeric target counts instructions without labels (as in a block file; code[i] counts them), 0 to ${target[2]} here, ${target[2]} being its end`
      : e.message;
    throw new FieldError(path, what, field);
  }
}

function parseEntry(json: unknown, at: JsonPath, names: Names): FootprintEntry {
  const o = object(shallow(json, at), at);
  for (const k of Object.keys(o)) if (!['key', 'access', 'lo', 'hi'].includes(k)) throw new FieldError([...at, k], 'unknown field (an entry has key, access, lo, hi)');
  if (!ACCESS_KINDS.includes(o.access as AccessKind)) throw new FieldError([...at, 'access'], `expected one of ${ACCESS_KINDS.join(', ')}, got ${describeValue(o.access)}`);
  const access = o.access as AccessKind;
  const key = parseKey(o.key, [...at, 'key'], names);
  const bounds: { lo?: number; hi?: number } = {};
  for (const b of ['lo', 'hi'] as const) {
    if (o[b] === undefined) continue;
    if (access !== 'delta') throw new FieldError([...at, b], 'only a delta entry has bounds');
    if (!isValue(o[b])) throw new FieldError([...at, b], `expected an integer in the value range, got ${describeValue(o[b])}`);
    bounds[b] = o[b];
  }
  const empty = emptyBounds(bounds.lo, bounds.hi);
  if (empty) throw new FieldError([...at, 'lo'], empty);
  return { key, access, ...bounds };
}

/** A contract file's top level: an object with no field a contract file does not have. */
function topOf(json: unknown): Record<string, unknown> {
  const o = object(json, []);
  // A block or results file given by mistake is said to be one, not refused for its first field.
  if (typeof o.format === 'string' && o.format.startsWith('concord-')) {
    const kind = o.format.startsWith('concord-block/') ? 'a block file' : o.format.startsWith('concord-results/') ? 'a results file' : 'a file of another Concord format';
    throw new FieldError(['format'], `${describeValue(o.format)}: ${kind}, not a contract file (a contract file has ${TOP.join(', ')}: docs/prove.md)`);
  }
  for (const k of Object.keys(o)) if (!TOP.includes(k)) throw new FieldError([k], `unknown field (a contract file has ${TOP.join(', ')})`);
  return o;
}

/**
 * FieldError, thrown by `f`, as the file's own error, placed in the file's `text` where given: at
 * the line and column where the field's value starts or, for one the file lacks (a field missing,
 * an index past the end), where the innermost value it would be in starts, named as well.
 */
function inFile<T>(file: string, f: () => T, text?: string): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof FieldError)) throw e;
    if (text === undefined) throw new ContractFileError(file, e.field, e.what);
    const { at, steps } = positionOf(text, e.path);
    const within = steps === e.path.length ? '' : ` (in ${steps === 0 ? 'the top level' : fieldPath(e.path.slice(0, steps))}, which lacks it)`;
    throw new ContractFileError(file, e.field, `${lineColumn(text, at)}${within}: ${e.what}`);
  }
}

/** A contract as its file gives it: the prover's view, and its code as written (labels and names). */
export type ContractFile = ContractSpec & { readonly source: readonly ReadableOp[]; readonly codeIndex: readonly number[] };

/** Checks a parsed contract file; `file` only names it in errors, `text` (what was parsed, a BOM left off) places them. */
function parseContractFile(json: unknown, file: string, text: string): ContractFile {
  return inFile(file, () => {
    const o = topOf(json);
    const name = displayName(o.name, ['name']);
    if (o.doc !== undefined && typeof o.doc !== 'string') throw new FieldError(['doc'], 'expected a string');
    const params = parseParams(o.params);
    const names: Names = { params };
    const { code, codeIndex, source } = parseCode(o.code);
    const footprint = array(o.footprint, ['footprint']).map((e, i) => parseEntry(e, ['footprint', i], names));
    const invariants = o.invariants === undefined ? [] : array(o.invariants, ['invariants']).map((inv, i) => {
      const parsed = parseInvariant(shallow(inv, ['invariants', i]), ['invariants', i], names);
      displayName(parsed.name, ['invariants', i, 'name']);
      return parsed;
    });
    // A claim is named "<contract>: <name>": two of one name, or one named as a built-in claim, could not be told apart in the table or the JSON.
    invariants.forEach((inv, i) => {
      const first = invariants.findIndex((x) => x.name === inv.name);
      if (first < i) throw new FieldError(['invariants', i, 'name'], `"${inv.name}" is invariants[${first}]'s name too; each claim needs a name of its own`);
      if (BUILT_IN_CLAIMS.includes(inv.name)) throw new FieldError(['invariants', i, 'name'], `"${inv.name}" is the name of the claim prove makes of every contract; name the invariant otherwise`);
    });
    return { name, params, code, codeIndex, source, footprint, invariants };
  }, text);
}

/** A place in the JSON named as this file's field errors name it: `footprint[1].lo`, `code[4][2]`. */
function fieldPath(path: readonly (string | number)[]): string {
  return jsonPath(path) || '(top level)';
}

/** Reads and checks a contract file; `reason` words a file system error (the CLI's says "no such file or folder (ENOENT)"). */
export async function loadContractFile(
  file: string, reason: (e: unknown) => string = (e) => (e as NodeJS.ErrnoException).code ?? String(e),
): Promise<ContractFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new ContractFileError(file, '(file)', `cannot read it: ${reason(e)}`);
  }
  const text = utf8Text(bytes, (problem) => new ContractFileError(file, '(file)', problem));
  // As parseStrictJson reads it: a byte-order mark is no column.
  const body = text.replace(/^\uFEFF/, '');
  const json = parseStrictJson(text, {
    kind: 'a contract file', syntaxWhere: '(JSON)', place: fieldPath, fail: (where, problem) => new ContractFileError(file, where, problem),
    top: (j) => inFile(file, () => topOf(j), body),
  });
  return parseContractFile(json, file, body);
}

/** A program entry of a block file's `programs` (docs/block-format.md). */
export interface ProgramEntry {
  readonly ops: readonly ReadableOp[];
  readonly arity: number;
  readonly footprint: readonly FootprintEntry[];
}

/**
 * The contract as a block file's program, meaning what was proved: its code with each name an
 * immediate takes (a field, STRIDE, MAX_VALUE, MIN_VALUE: contract files' own, which a block file
 * reads otherwise) replaced by its number, labels and jump targets as written; arity the number of
 * params, since the proof takes every register past them to start at 0, which a call passing more
 * would break; the footprint as checked (argument indices, numbers).
 */
export function programEntry(c: ContractFile): ProgramEntry {
  const ops = c.source.map((op) => {
    const info = OP_BY_NAME.get(String(op[0]));
    if (info === undefined) return op; // a label
    return op.map((x, i) => (i > 0 && info.operands[i - 1] === 'imm' && typeof x === 'string' ? immediateName(x)! : x));
  });
  return { ops, arity: c.params.length, footprint: c.footprint };
}
