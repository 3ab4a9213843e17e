// The invariant language: statements about one transaction's arguments, pre-state, post-state and
// success, written as JSON (docs/prove.md), e.g. [">=", ["post", {"arg": 0, "mul": 16, "add": 3}], 0].
// One parser checks a statement and names the field at fault; one evaluator gives it meaning over
// a Domain, so the z3 reading (the proof) and the concrete bigint reading (replaying a witness on
// the VM) cannot drift apart. Invariant: a parsed term is well sorted (an integer where an
// integer is needed, a truth value where a truth value is) and its integers are exact.

import type { KeyExpr } from '../block.js';
import { FIELD, FIELDS, type Field } from '../contracts.js';
import { jsonPath } from '../messages.js';
import { isValue } from '../values.js';

/** A place in a user's JSON file: keys and indices from the top. */
export type JsonPath = readonly (string | number)[];

/**
 * A bad field in a user's file, at `path` (which lets the loader place it at a line and column);
 * `field` names it in the message, `invariants[0].holds[2]`, unless the error names it otherwise.
 */
export class FieldError extends Error {
  static {
    this.prototype.name = 'FieldError';
  }
  constructor(readonly path: JsonPath, readonly what: string, readonly field = jsonPath(path) || '(top level)') {
    super(`${field}: ${what}`);
  }
}

export type When = 'pre' | 'post';
export type CmpOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type IntTerm =
  | { readonly t: 'int'; readonly v: bigint }
  | { readonly t: 'arg'; readonly i: number }
  | { readonly t: 'at'; readonly when: When; readonly key: IntTerm }
  /** The sum over the distinct keys among `keys` (a key named twice counts once). */
  | { readonly t: 'sum'; readonly when: When; readonly keys: readonly IntTerm[] }
  | { readonly t: 'arith'; readonly op: '+' | '-' | '*'; readonly args: readonly IntTerm[] };

export type BoolTerm =
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'success' }
  | { readonly t: 'cmp'; readonly op: CmpOp; readonly a: IntTerm; readonly b: IntTerm }
  | { readonly t: 'logic'; readonly op: 'and' | 'or'; readonly args: readonly BoolTerm[] }
  | { readonly t: 'not'; readonly a: BoolTerm }
  | { readonly t: 'implies'; readonly a: BoolTerm; readonly b: BoolTerm };

export interface Invariant {
  readonly name: string;
  /** What the statement may take for granted about the arguments and the pre-state. */
  readonly assume?: BoolTerm;
  readonly holds: BoolTerm;
}

/** The words an invariant or footprint may use: argument names, and field names as numbers. */
export interface Names {
  readonly params: readonly string[];
}

const CMP: readonly CmpOp[] = ['=', '!=', '<', '<=', '>', '>='];

function isField(s: string): s is Field {
  return (FIELDS as readonly string[]).includes(s);
}

function integer(json: unknown, at: JsonPath): number {
  if (!isValue(json)) throw new FieldError(at, `expected an integer in the value range, got ${JSON.stringify(json)}`);
  return json;
}

/** An argument index, given as a number or a parameter name. */
function parseArg(json: unknown, at: JsonPath, names: Names): number {
  const i = typeof json === 'string' ? names.params.indexOf(json) : json;
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= names.params.length) {
    throw new FieldError(at, `expected an argument index 0..${names.params.length - 1} or one of ${names.params.join(', ')}; got ${JSON.stringify(json)}`);
  }
  return i;
}

/** A footprint key {arg?, mul?, add}: `add` may name a field (its index, as keys are entity * 16 + field). */
export function parseKey(json: unknown, at: JsonPath, names: Names): KeyExpr {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FieldError(at, 'expected a key {"arg", "mul", "add"}');
  const o = json as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['arg', 'mul', 'add'].includes(k)) throw new FieldError([...at, k], 'unknown field (a key has arg, mul, add)');
  if (o.add === undefined) throw new FieldError([...at, 'add'], 'missing');
  // A misspelt field name ("Balance") was told only that add must be an integer.
  if (typeof o.add === 'string' && !isField(o.add)) throw new FieldError([...at, 'add'], `unknown field name ${JSON.stringify(o.add)}: add is an integer or one of ${FIELDS.join(', ')} (lower case)`);
  const add = typeof o.add === 'string' && isField(o.add) ? FIELD[o.add] : integer(o.add, [...at, 'add']);
  if (o.arg === undefined) {
    if (o.mul !== undefined) throw new FieldError([...at, 'mul'], 'mul needs an arg');
    return { add };
  }
  const arg = parseArg(o.arg, [...at, 'arg'], names);
  return o.mul === undefined ? { arg, add } : { arg, mul: integer(o.mul, [...at, 'mul']), add };
}

function keyTerm(k: KeyExpr): IntTerm {
  const add: IntTerm = { t: 'int', v: BigInt(k.add) };
  if (k.arg === undefined) return add;
  const scaled: IntTerm = { t: 'arith', op: '*', args: [{ t: 'arg', i: k.arg }, { t: 'int', v: BigInt(k.mul ?? 1) }] };
  return { t: 'arith', op: '+', args: [scaled, add] };
}

function operands(json: readonly unknown[], at: JsonPath, min: number, max = Infinity): unknown[] {
  const n = json.length - 1;
  if (n < min || n > max) {
    const want = max === min ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new FieldError(at, `"${String(json[0])}" takes ${want} operand${want === '1' ? '' : 's'}, got ${n}`);
  }
  return json.slice(1);
}

function parseWhen(json: unknown, at: JsonPath): When {
  if (json !== 'pre' && json !== 'post') throw new FieldError(at, `expected "pre" or "post", got ${JSON.stringify(json)}`);
  return json;
}

/** A key inside pre/post/sum: a footprint-style key object or an integer expression. */
function parseKeyTerm(json: unknown, at: JsonPath, names: Names): IntTerm {
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? keyTerm(parseKey(json, at, names)) : parseIntExpr(json, at, names);
}

function parseIntExpr(json: unknown, at: JsonPath, names: Names): IntTerm {
  if (typeof json === 'number') return { t: 'int', v: BigInt(integer(json, at)) };
  if (!Array.isArray(json) || typeof json[0] !== 'string') {
    throw new FieldError(at, `expected an integer expression (a number or an array such as ["pre", key]), got ${JSON.stringify(json)}`);
  }
  const op = json[0];
  const operand = (i: number): JsonPath => [...at, i + 1];
  switch (op) {
    case 'arg':
      return { t: 'arg', i: parseArg(operands(json, at, 1, 1)[0], operand(0), names) };
    case 'pre':
    case 'post':
      return { t: 'at', when: op, key: parseKeyTerm(operands(json, at, 1, 1)[0], operand(0), names) };
    case 'sum': {
      const [when, ...keys] = operands(json, at, 2);
      return { t: 'sum', when: parseWhen(when, operand(0)), keys: keys.map((k, i) => parseKeyTerm(k, operand(i + 1), names)) };
    }
    case '+':
    case '*':
      return { t: 'arith', op, args: operands(json, at, 2).map((a, i) => parseIntExpr(a, operand(i), names)) };
    case '-':
      return { t: 'arith', op, args: operands(json, at, 2, 2).map((a, i) => parseIntExpr(a, operand(i), names)) };
    default:
      throw new FieldError([...at, 0], `"${op}" is not an integer operator (arg, pre, post, sum, +, -, *)`);
  }
}

function parseStatement(json: unknown, at: JsonPath, names: Names): BoolTerm {
  if (typeof json === 'boolean') return { t: 'bool', v: json };
  if (!Array.isArray(json) || typeof json[0] !== 'string') {
    throw new FieldError(at, `expected a statement (true, false or an array such as [">=", a, b]), got ${JSON.stringify(json)}`);
  }
  const op = json[0];
  const operand = (i: number): JsonPath => [...at, i + 1];
  if ((CMP as readonly string[]).includes(op)) {
    const [a, b] = operands(json, at, 2, 2);
    return { t: 'cmp', op: op as CmpOp, a: parseIntExpr(a, operand(0), names), b: parseIntExpr(b, operand(1), names) };
  }
  switch (op) {
    case 'success':
      operands(json, at, 0, 0);
      return { t: 'success' };
    case 'and':
    case 'or':
      return { t: 'logic', op, args: operands(json, at, 1).map((a, i) => parseStatement(a, operand(i), names)) };
    case 'not':
      return { t: 'not', a: parseStatement(operands(json, at, 1, 1)[0], operand(0), names) };
    case '=>': {
      const [a, b] = operands(json, at, 2, 2);
      return { t: 'implies', a: parseStatement(a, operand(0), names), b: parseStatement(b, operand(1), names) };
    }
    default:
      throw new FieldError([...at, 0], `"${op}" is not a statement operator (${CMP.join(' ')} and or not => success)`);
  }
}

export function parseInvariant(json: unknown, at: JsonPath, names: Names): Invariant {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FieldError(at, 'expected an object {"name", "assume"?, "holds"}');
  const o = json as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['name', 'assume', 'holds'].includes(k)) throw new FieldError([...at, k], 'unknown field (an invariant has name, assume, holds)');
  if (typeof o.name !== 'string' || o.name.trim() === '') throw new FieldError([...at, 'name'], 'expected a non-empty string');
  if (o.holds === undefined) throw new FieldError([...at, 'holds'], 'missing');
  const holds = parseStatement(o.holds, [...at, 'holds'], names);
  return o.assume === undefined ? { name: o.name, holds } : { name: o.name, assume: parseStatement(o.assume, [...at, 'assume'], names), holds };
}

/** What a term means: integers I and truth values T over some domain (z3 terms, or bigints). */
export interface Domain<I, T> {
  int(v: bigint): I;
  arg(i: number): I;
  at(when: When, key: I): I;
  success(): T;
  bool(v: boolean): T;
  arith(op: '+' | '-' | '*', a: I, b: I): I;
  cmp(op: CmpOp, a: I, b: I): T;
  and(ts: T[]): T;
  or(ts: T[]): T;
  not(t: T): T;
  ite(c: T, a: I, b: I): I;
}

function evalInt<I, T>(term: IntTerm, d: Domain<I, T>): I {
  switch (term.t) {
    case 'int':
      return d.int(term.v);
    case 'arg':
      return d.arg(term.i);
    case 'at':
      return d.at(term.when, evalInt(term.key, d));
    case 'sum': {
      const keys = term.keys.map((k) => evalInt(k, d));
      return keys.reduce<I>((sum, k, i) => {
        const fresh = d.and(keys.slice(0, i).map((earlier) => d.cmp('!=', k, earlier)));
        return d.arith('+', sum, d.ite(fresh, d.at(term.when, k), d.int(0n)));
      }, d.int(0n));
    }
    case 'arith': {
      const [first, ...rest] = term.args.map((a) => evalInt(a, d));
      return rest.reduce((acc, x) => d.arith(term.op, acc, x), first!);
    }
  }
}

export function evalBool<I, T>(term: BoolTerm, d: Domain<I, T>): T {
  switch (term.t) {
    case 'bool':
      return d.bool(term.v);
    case 'success':
      return d.success();
    case 'cmp':
      return d.cmp(term.op, evalInt(term.a, d), evalInt(term.b, d));
    case 'logic': {
      const args = term.args.map((a) => evalBool(a, d));
      return term.op === 'and' ? d.and(args) : d.or(args);
    }
    case 'not':
      return d.not(evalBool(term.a, d));
    case 'implies':
      return d.or([d.not(evalBool(term.a, d)), evalBool(term.b, d)]);
  }
}

/** Exact concrete meaning, for replaying a witness; `at` records the keys it looks at. */
export function concreteDomain(
  args: readonly number[], pre: ReadonlyMap<number, number>, post: ReadonlyMap<number, number>, success: boolean, looked: Set<bigint>,
): Domain<bigint, boolean> {
  const CMPS: Record<CmpOp, (a: bigint, b: bigint) => boolean> = {
    '=': (a, b) => a === b, '!=': (a, b) => a !== b, '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b,
  };
  return {
    int: (v) => v,
    arg: (i) => BigInt(args[i]!),
    at: (when, key) => {
      looked.add(key);
      return BigInt((when === 'pre' ? pre : post).get(Number(key)) ?? 0);
    },
    success: () => success,
    bool: (v) => v,
    arith: (op, a, b) => (op === '+' ? a + b : op === '-' ? a - b : a * b),
    cmp: (op, a, b) => CMPS[op](a, b),
    and: (ts) => ts.every(Boolean),
    or: (ts) => ts.some(Boolean),
    not: (t) => !t,
    ite: (c, a, b) => (c ? a : b),
  };
}
