// How Concord quotes a user's input in an error message: on one line, bounded in length, and
// never by copying a value whole (a file's value can be megabytes long or nested thousands deep,
// which JSON.stringify would copy into the message or overflow the stack on). Shared by every
// reader of a user's file: block files, contract files, results files.
// Invariant: every function here returns a single line of bounded length and never throws.

import { constants } from 'node:buffer';
import { plural } from './plural.js';
import { jsonBreak } from './json-break.js';

/**
 * An error in a user's file: `FILE: WHERE: PROBLEM`, each part on one bounded line, since both may
 * quote the file's own names (keys, programs, unknown fields), which may be huge or hold newlines.
 * Block, contract and results files each have their own subclass, so a command can tell them apart.
 */
export class InputFileError extends Error {
  static {
    this.prototype.name = 'InputFileError';
  }
  readonly where: string;
  readonly problem: string;
  constructor(readonly file: string, where: string, problem: string) {
    const w = oneLine(where);
    const p = oneLine(problem);
    super(`${file}: ${w}: ${p}`);
    this.where = w;
    this.problem = p;
  }
}

/** How long one part of an input error (where, what) may grow before it is cut. */
const MAX_ERROR_PART = 300;
/** How much of a value an error message quotes. */
const PREVIEW_CHARS = 60;
/** How many levels of nested arrays and objects an error message quotes. */
const PREVIEW_DEPTH = 3;

/**
 * Text for a one-line error message: control characters escaped (a JSON.parse snippet or a key may
 * hold newlines) and the length bounded.
 */
export function oneLine(text: string, max = MAX_ERROR_PART): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, escapeControl);
}

function escapeControl(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * A value as an error message quotes it: compact JSON, cut short with "…" past a few dozen
 * characters or a few levels of nesting, with the size of a cut array or object.
 */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = preview(v, PREVIEW_DEPTH, PREVIEW_CHARS);
  if (typeof v !== 'object' || v === null || !text.includes('…')) return text;
  return `${text} (${Array.isArray(v) ? plural(v.length, 'item') : plural(Object.keys(v).length, 'field')})`;
}

/** `v` in about `room` characters, `depth` levels deep; strings keep at least a few characters. */
function preview(v: unknown, depth: number, room: number): string {
  if (typeof v === 'string') {
    const keep = Math.max(room, 10);
    return JSON.stringify(v.length > keep ? `${v.slice(0, keep)}…` : v);
  }
  if (typeof v !== 'object' || v === null) return String(v);
  const list = Array.isArray(v) ? (v as unknown[]) : null;
  const keys = list ? [] : Object.keys(v);
  const length = list ? list.length : keys.length;
  const [open, close] = list ? ['[', ']'] : ['{', '}'];
  if (length === 0) return `${open}${close}`;
  if (depth === 0) return `${open}…${close}`;
  const parts: string[] = [];
  let used = 2;
  for (let i = 0; i < length && parts.at(-1) !== '…'; i++) {
    const part = used >= room ? '…'
      : list ? preview(list[i], depth - 1, room - used)
      : `${preview(keys[i]!, 0, room - used)}:${preview((v as Record<string, unknown>)[keys[i]!], depth - 1, room - used)}`;
    parts.push(part);
    used += part.length + 1;
  }
  return `${open}${parts.join(',')}${close}`;
}

/** A thrown value's message (a user's module may throw anything, null included). */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * A JSON.parse error as one line, with the line and column of `text` (the text that was parsed)
 * where it breaks: from the engine's position where it gives one ("at position N", Node 22 adds
 * "(line L column C)"), else found again by jsonBreak ("Unexpected token" messages give none in
 * Node 20, 22 and 24 alike).
 */
export function jsonSyntaxProblem(e: unknown, text: string): string {
  const message = errorText(e);
  const at = / at position (\d+)(?: \(line \d+ column \d+\))?$/.exec(message);
  const index = at ? Number(at[1]) : jsonBreak(text);
  if (index < 0) return oneLine(message);
  return oneLine(`${lineColumn(text, index)}: ${at ? message.slice(0, at.index) : message}`);
}

/** Where index `at` of `text` is, as every file error names it: "line L, column C", both from 1. */
export function lineColumn(text: string, at: number): string {
  let line = 1;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < at; nl = text.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return `line ${line}, column ${at - lineStart + 1}`;
}

/**
 * A user's file as text, or `fail(problem)` where it is not UTF-8: Node's decoder would put U+FFFD
 * for every bad byte and leave the JSON parser to complain of a character the file does not hold
 * ("Unexpected token '�'"). A UTF-16 file (PowerShell's `>` writes one) is named as such.
 */
export function utf8Text(bytes: Uint8Array, fail: (problem: string) => Error): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) {
    throw fail(`the file is UTF-16 (it starts with the byte-order mark ${hex(b.subarray(0, 2))}); save it as UTF-8`);
  }
  try {
    // ignoreBOM keeps a UTF-8 byte-order mark in the text, for parseJsonText to take off.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b);
  } catch (e) {
    // badByte would fail the same way, a stack where the file is at fault.
    if ((e as { code?: unknown }).code === 'ERR_STRING_TOO_LONG') {
      throw fail(`the file holds ${b.length.toLocaleString('en-US')} bytes, more text than Node holds in one string (${constants.MAX_STRING_LENGTH.toLocaleString('en-US')} characters)`);
    }
    throw fail(badByte(b));
  }
}

/** Where the first byte of `b` that is not UTF-8 is, in words: one pass, whatever the file holds. */
function badByte(b: Buffer): string {
  const text = b.toString('utf8');
  let at = 0;
  let line = 1;
  let lineStart = 0;
  let i = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    // U+FFFD stands for bad bytes unless the file spells it out itself (EF BF BD).
    if (cp === 0xfffd && !(b[at] === 0xef && b[at + 1] === 0xbf && b[at + 2] === 0xbd)) {
      // A byte-order mark is no column: parseJsonText counts without it.
      const column = i - lineStart + (line === 1 && text.startsWith('\uFEFF') ? 0 : 1);
      return `line ${line}, column ${column}: byte ${hex(b.subarray(at, at + 1))} is not UTF-8 (a file saved in another encoding?); save it as UTF-8`;
    }
    if (cp === 0x0a) {
      line++;
      lineStart = i + 1;
    }
    at += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += ch.length;
  }
  return 'bytes that are not UTF-8 (a file saved in another encoding?); save it as UTF-8';
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

/**
 * A user's JSON file (a block, contract or results file) parsed: a UTF-8 byte-order mark taken off (editors
 * on Windows save one, and JSON.parse rejects it), an empty or blank file said to be one (JSON.parse
 * calls no text at all "Unexpected end of JSON input", as if the file were cut short), a syntax
 * error as jsonSyntaxProblem words it. `fail` makes the command's own error of a problem. Returns
 * the text parsed and its value.
 */
export function parseJsonText(text: string, fail: (problem: string) => Error): { readonly body: string; readonly json: unknown } {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw fail(body === '' ? 'the file is empty' : 'the file holds nothing but white space');
  try {
    return { body, json: JSON.parse(body) as unknown };
  } catch (e) {
    throw fail(jsonSyntaxProblem(e, body));
  }
}

/**
 * Characters a name shown on one line (a table row, a legend) must not hold: C0 and C1 controls
 * and line and paragraph separators (they break the line), and the bidi controls (U+061C,
 * U+200E/F, U+202A-E, U+2066-9), which reorder what a terminal shows after them.
 */
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** The first character of `name` that UNSHOWABLE holds, in words ("character 14 is U+202E, a bidi control ..."), or null. */
export function unshowable(name: string): string | null {
  const chars = [...name];
  const at = chars.findIndex((c) => UNSHOWABLE.test(c));
  if (at < 0) return null;
  const c = chars[at]!;
  const kind = BIDI.test(c) ? 'a bidi control character, which reorders the text after it' : 'a control character or line break';
  return `character ${at + 1} is U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}, ${kind}`;
}

/** A place in parsed JSON as errors name it: `runs[2].samplesMs[1]`, `footprint[0].key.add`; '' for the top level, which each file words its own way. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}
