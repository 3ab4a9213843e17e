// The strict reading of a user's JSON file, shared by block files (spec/block-file.ts), contract
// files (spec/smt/user-contract.ts) and, for its keys alone, results files (reports/schema.ts) and
// the shards' files of verify --merge (cli/verify-merge.ts):
// parseJsonText's (a byte-order mark allowed, an empty file and a syntax error said to be one,
// with line and column), then what JSON.parse hides, refused.
// Invariant: a value read here holds what the text says: a key given twice, a number JSON.parse
// would round or a negative zero is refused with its line and column and as written, never
// settled silently; where numbers are integers, so is one outside the value range.

import { describeValue, lineColumn, parseJsonText } from './messages.js';

/** How one kind of file words the errors of its strict reading. */
export interface StrictReader {
  /** The file as "every number in ... is one" says it: "a block file". */
  readonly kind: string;
  /** Where a syntax error is said to be: "JSON". */
  readonly syntaxWhere: string;
  /** A place in the JSON (keys and indices from the top) as the file's own field errors name it. */
  readonly place: (path: readonly (string | number)[]) => string;
  /** The file's own error for a problem at a place. */
  readonly fail: (where: string, problem: string) => Error;
  /**
   * The file's checks of its top level (an object, its format, no unknown field), throwing its own
   * error: run on JSON.parse's value before the text is read strictly, so that a file of another
   * kind (a results file given as a block file) is named as such, not by the first of its numbers
   * that is no integer, and an unknown field is named unknown, whatever number it holds.
   */
  readonly top?: (json: unknown) => void;
  /**
   * false where numbers may be fractions (a results file's times): only a key given twice is
   * refused, and what a number JSON.parse cannot hold is left to the file's own checks.
   */
  readonly integers?: false;
}

/** What a file of one format given where another is expected is told to do instead: the likeliest mix-ups of verify's output. */
const GIVE_INSTEAD: Readonly<Record<string, string>> = {
  'concord-block/1': 'that is a block file; an earlier-blocks file is the NAME.earlier.json verify writes beside a failure\'s block',
  'concord-earlier/1': 'that is an earlier-blocks file; give it to concord run --after, beside the failing block\'s file',
};

/**
 * A user file's top level, as each kind's `top` checks it: an object, of `format`, with no field
 * outside `fields`. The format first: a file of another kind ("concord-results/1") is told as that,
 * not by the first of its fields this kind does not know. `fail` is given the path of the value
 * refused too, for a reader that places it at its line and column (spec/block-file.ts).
 */
export function checkTopLevel(
  json: unknown, format: string, fields: readonly string[], fail: (where: string, problem: string, path: readonly string[]) => Error,
): asserts json is Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw fail('top level', `expected an object, got ${describeValue(json)}`, []);
  const o = json as Record<string, unknown>;
  const instead = typeof o.format === 'string' && o.format !== format ? GIVE_INSTEAD[o.format] : undefined;
  if (o.format !== format) throw fail('field format', `expected "${format}", got ${describeValue(o.format)}${instead ? `: ${instead}` : ''}`, ['format']);
  for (const k of Object.keys(o)) if (!fields.includes(k)) throw fail(`field ${k}`, `unknown field (known: ${fields.join(', ')})`, [k]);
}

/** Reads a user's JSON file strictly (see the head of this file); returns its value. */
export function parseStrictJson(text: string, reader: StrictReader): unknown {
  const { body, json } = parseJsonText(text, (problem) => reader.fail(reader.syntaxWhere, problem));
  reader.top?.(json);
  checkSource(body, reader);
  return json;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
/** An integer written with at most this many digits is below 2^53, so JSON.parse holds it exactly. */
const EXACT_DIGITS = 15;
/** Up to this many keys, an object's keys are compared one by one (a block file's transaction has at most 7, its args 5). */
const FEW_KEYS = 16;
/** The slots of a new key table: a power of two, at least twice FEW_KEYS + 1 (a table is at most half full). */
const FIRST_SLOTS = 64;

/**
 * What JSON.parse hides, checked on the text it accepted: a key given twice in one object (it
 * keeps the last), a number it cannot hold exactly (it rounds 9007199254740993 to
 * 9007199254740992, 1e400 to Infinity, 1.0000000000000001 to 1) and a negative zero (-0, -0.0,
 * -0e5: it keeps the sign, which the VM takes off every value it computes, and every check of a
 * value's range passes it; writeBlock would write it back as 0). Each throws the reader's error
 * with the line and column, the place as the reader names it, and the key or the number as written.
 * Every number in a block or contract file is an integer in the value range (spec/values.ts), so a
 * number JSON.parse cannot hold exactly, or one it holds past 2^53 - 1, is refused as one outside it.
 * One pass without recursion or a tree, since a block file may hold a million transactions or
 * arrays nested 200,000 deep: per nesting level it keeps the container's kind, where its current
 * key starts or its current index, and its keys so far, so the place is known without a second
 * pass.
 * The text must be valid JSON: an unterminated string would run past its end.
 */
function checkSource(text: string, reader: StrictReader): void {
  const inObject: boolean[] = [];
  const index: number[] = [];
  const keyAt: number[] = [];
  const keys: ObjectKeys[] = [];
  let depth = -1;
  let expectKey = false;
  const place = (): string => reader.place(Array.from({ length: depth + 1 }, (_, d) => (inObject[d] ? stringAt(text, keyAt[d]!) : index[d]!)));
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i + 1;
      let escaped = false;
      for (let d = text.charCodeAt(end); d !== QUOTE; d = text.charCodeAt(end)) {
        if (d === BACKSLASH) {
          escaped = true;
          end += 2;
        } else end++;
      }
      if (expectKey) {
        expectKey = false;
        keyAt[depth] = i;
        const first = keys[depth]!.add(i, end, escaped);
        if (first >= 0) {
          throw reader.fail(place(), `${lineColumn(text, i)}: key ${describeValue(stringAt(text, i))} given twice (first at ${lineColumn(text, first)})`);
        }
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      inObject[depth] = c === OPEN_OBJECT;
      index[depth] = 0;
      if (c === OPEN_OBJECT) (keys[depth] ??= new ObjectKeys(text)).clear();
      expectKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      // An empty object leaves expectKey set, which a string in an enclosing array must not see.
      expectKey = false;
    } else if (c === COMMA) {
      if (inObject[depth]) expectKey = true;
      else index[depth]!++;
    } else if (reader.integers !== false && (c === MINUS || (c >= ZERO && c <= NINE))) {
      let end = c === MINUS ? i + 1 : i;
      const digits = end;
      while (isDigit(text.charCodeAt(end))) end++;
      let plain = end - digits <= EXACT_DIGITS;
      const d = text.charCodeAt(end);
      if (d === DOT || d === LOWER_E || d === UPPER_E) {
        plain = false;
        while (isNumberChar(text.charCodeAt(end))) end++;
      }
      if (!plain) {
        const written = text.slice(i, end);
        // A fraction (15e-1, 2.5) JSON.parse holds exactly is refused here too, where its line and
        // column are known, rather than by the field's check, which quotes only the value.
        // So is an integer it holds exactly past the value range (2^53, 1e20), which the field's
        // check would refuse only by the field's own range, without the place in the text.
        const value = Number(written);
        if (!Number.isSafeInteger(value) || exactDecimal(written) !== exactDecimal(String(value))) {
          throw reader.fail(place(), `${lineColumn(text, i)}: expected an integer in the value range [-(2^53 - 1), 2^53 - 1] (every number in ${reader.kind} is one), got ${written}`);
        }
      }
      // JSON forbids "-01", so a number written "-0..." is zero unless a fraction or exponent makes it more.
      if (c === MINUS && text.charCodeAt(i + 1) === ZERO && (end === i + 2 || exactDecimal(text.slice(i, end)) === '0')) {
        throw reader.fail(place(), `${lineColumn(text, i)}: got ${text.slice(i, end)}, a negative zero; write zero as 0`);
      }
      i = end - 1;
    }
    // Whitespace, colons and the letters of true, false and null need nothing.
  }
}

/**
 * The keys of one JSON object so far, to find one given twice. Keys are kept as where they stand
 * in the text and compared as written, so no string is made for the million keys of a big
 * pre-state (a Map of them, one string each, took three times as long): the first
 * FEW_KEYS in a list, more in an open-addressing hash table. A key with an escape is not compared
 * as written ("\u0061" is "a" to JSON.parse): from the first one on, the object's keys are kept
 * decoded in a Map. One is reused for every object at a nesting level: `clear` starts the next.
 */
class ObjectKeys {
  private count = 0;
  /** Per key, its opening and closing quotes: [open0, close0, open1, close1, ...]; the first FEW_KEYS keys. */
  private readonly list: number[] = [];
  /** Per slot: opening quote + 1 (0 when empty), closing quote, hash; a power of two slots, at most half full. */
  private table: Int32Array | undefined;
  private decoded: Map<string, number> | undefined;

  constructor(private readonly text: string) {}

  clear(): void {
    this.count = 0;
    this.table = undefined;
    this.decoded = undefined;
  }

  /** Adds the key quoted at [open, close]; returns where the same key was given before, or -1. */
  add(open: number, close: number, escaped: boolean): number {
    if (escaped && this.decoded === undefined) {
      this.decoded = new Map(this.quotes().map((at) => [stringAt(this.text, at), at]));
    }
    let first = -1;
    if (this.decoded !== undefined) {
      const name = stringAt(this.text, open);
      first = this.decoded.get(name) ?? -1;
      this.decoded.set(name, open);
    } else if (this.count < FEW_KEYS) {
      const { list } = this;
      for (let j = 0; j < 2 * this.count && first < 0; j += 2) if (sameText(this.text, list[j]!, list[j + 1]!, open, close)) first = list[j]!;
      list[2 * this.count] = open;
      list[2 * this.count + 1] = close;
    } else {
      if (this.table === undefined) {
        this.table = new Int32Array(3 * FIRST_SLOTS);
        for (let j = 0; j < 2 * this.count; j += 2) this.put(this.list[j]!, this.list[j + 1]!, hashText(this.text, this.list[j]!, this.list[j + 1]!));
      } else if (2 * (this.count + 1) > this.table.length / 3) {
        this.grow();
      }
      first = this.put(open, close, hashText(this.text, open, close));
    }
    this.count++;
    return first;
  }

  /** Stores a key in the table unless it is there; returns where it was given before, or -1. */
  private put(open: number, close: number, hash: number): number {
    const table = this.table!;
    const mask = table.length / 3 - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = table[3 * slot]! - 1;
      if (at < 0) {
        table[3 * slot] = open + 1;
        table[3 * slot + 1] = close;
        table[3 * slot + 2] = hash;
        return -1;
      }
      if (table[3 * slot + 2] === hash && sameText(this.text, at, table[3 * slot + 1]!, open, close)) return at;
    }
  }

  private grow(): void {
    const old = this.table!;
    this.table = new Int32Array(2 * old.length);
    for (let k = 0; k < old.length; k += 3) if (old[k] !== 0) this.put(old[k]! - 1, old[k + 1]!, old[k + 2]!);
  }

  /** Where each key so far starts. */
  private quotes(): number[] {
    const { table, list } = this;
    if (table === undefined) return list.slice(0, 2 * this.count).filter((_, j) => j % 2 === 0);
    const at: number[] = [];
    for (let k = 0; k < table.length; k += 3) if (table[k] !== 0) at.push(table[k]! - 1);
    return at;
  }
}

/** FNV-1a over the characters between the quotes at `open` and `close`. */
function hashText(text: string, open: number, close: number): number {
  // As an int32, as the table stores it: an empty key's hash is this start value.
  let h = 0x811c9dc5 | 0;
  for (let k = open + 1; k < close; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return h;
}

/** Whether the strings quoted at [a, aEnd] and [b, bEnd] in `text` are written alike. */
function sameText(text: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (let k = 1; k < aEnd - a; k++) if (text.charCodeAt(a + k) !== text.charCodeAt(b + k)) return false;
  return true;
}

/** The string whose opening quote is at `at` in `text`, decoded. */
function stringAt(text: string, at: number): string {
  let end = at + 1;
  while (text.charCodeAt(end) !== QUOTE) end += text.charCodeAt(end) === BACKSLASH ? 2 : 1;
  return JSON.parse(text.slice(at, end + 1)) as string;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function isNumberChar(c: number): boolean {
  return isDigit(c) || c === DOT || c === LOWER_E || c === UPPER_E || c === PLUS || c === MINUS;
}

/**
 * A decimal number's exact value as "digits e exponent", without leading or trailing zeros ("0"
 * for zero of either sign), so "1e9" and "1000000000" compare equal; undefined for what is not a
 * finite decimal ("Infinity"). The exponent is a BigInt, since the text's may exceed 2^53.
 */
function exactDecimal(s: string): string | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) return undefined;
  const fraction = m[3] ?? '';
  const digits = (m[2]! + fraction).replace(/^0+/, '');
  if (digits === '') return '0';
  const significant = digits.replace(/0+$/, '');
  const exponent = BigInt(m[4] ?? 0) - BigInt(fraction.length) + BigInt(digits.length - significant.length);
  return `${m[1]}${significant}e${exponent}`;
}
