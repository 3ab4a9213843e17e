// A schema issue in Concord's own words, as the one line a refused results file gets (`m.json:
// runs[2].threads: expected an integer >= 1, got 0`), in place of zod's ("Too small: expected
// number to be >=1"): what was expected, then what the file holds, as the hand-written checks say
// it. Given to safeParse as its error map, by issue code, not by field, so a field added to the
// schema is worded alike. Invariant: it words every issue zod raises from a schema's shape; a
// message the schema states itself (a refinement's, a check's own) wins over it, as zod gives
// that precedence, and a code it does not know falls back to zod's words rather than to none.

import type { z } from 'zod';
import { describeValue } from '../spec/messages.js';
import { plural } from '../spec/plural.js';

type Issue = z.core.$ZodRawIssue;

/** Each JSON type as a sentence names one. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  number: 'a number', int: 'an integer', string: 'a string', boolean: 'true or false', array: 'an array', tuple: 'an array',
  object: 'an object', record: 'an object', null: 'null', nan: 'NaN',
};

const typeWords = (expected: string): string => TYPE_WORDS[expected] ?? expected;

/** Whether the issue's schema takes integers alone (`z.number().int()`), so a bound on it is an integer's. */
function integral(issue: Issue): boolean {
  const checks = (issue.schema?._zod.def as { checks?: readonly { _zod: { def: { check?: string; format?: string } } }[] } | undefined)?.checks ?? [];
  return checks.some((c) => c._zod.def.check === 'number_format' && (c._zod.def.format ?? '').includes('int'));
}

/** "got 0", "got an empty array", "got 3 items": the value an issue refused, as the bound it broke counts it. */
function got(input: unknown, origin: string): string {
  if (origin === 'array' || origin === 'set') {
    const n = Array.isArray(input) ? input.length : input instanceof Set ? input.size : undefined;
    return n === 0 ? 'got an empty array' : n === undefined ? `got ${describeValue(input)}` : `got ${plural(n, 'item')}`;
  }
  if (origin === 'string' && typeof input === 'string') return input === '' ? 'got an empty string' : `got ${plural(input.length, 'character')}`;
  return `got ${describeValue(input)}`;
}

/** A too_small or too_big issue: the bound, in the words of what it bounds. */
function boundWords(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string {
  const small = issue.code === 'too_small';
  const bound = small ? issue.minimum : issue.maximum;
  const exact = issue.exact === true;
  const { origin } = issue;
  if (origin === 'array' || origin === 'set' || origin === 'string') {
    const unit = origin === 'string' ? 'character' : 'item';
    if (small && bound === 1 && !exact) return `expected at least one ${unit}, ${got(issue.input, origin)}`;
    const limit = exact ? 'exactly' : small ? 'at least' : 'at most';
    return `expected ${limit} ${plural(Number(bound), unit)}, ${got(issue.input, origin)}`;
  }
  if (origin === 'number' || origin === 'int' || origin === 'bigint') {
    const what = origin === 'int' || integral(issue) ? 'an integer' : 'a number';
    // The safe-integer bound (2^53 - 1): named, since the digits alone say nothing of why.
    const safe = origin === 'int' && Math.abs(Number(bound)) === Number.MAX_SAFE_INTEGER ? ` (${small ? '-(2^53 - 1)' : '2^53 - 1'}: past it, a number's integers are not exact)` : '';
    if (bound === 0 && issue.inclusive === false) return `expected ${small ? 'a positive' : 'a negative'} ${what === 'an integer' ? 'integer' : 'number'}, ${got(issue.input, origin)}`;
    const relation = `${small ? '>' : '<'}${issue.inclusive === false ? '' : '='}`;
    return `expected ${what} ${relation} ${String(bound)}${safe}, ${got(issue.input, origin)}`;
  }
  return `expected ${small ? 'at least' : 'at most'} ${String(bound)}, ${got(issue.input, origin)}`;
}

/** Values a field may hold, as JSON writes them: `"a", "b" or "c"`. */
function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v)));
  return shown.length <= 1 ? (shown[0] ?? 'nothing') : `one of ${shown.slice(0, -1).join(', ')} or ${shown.at(-1)!}`;
}

/** The fields an object's schema holds, for an unknown field's message; none where the schema is not one. */
function knownFields(issue: Issue): string[] {
  const shape = (issue.schema?._zod.def as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

/** One issue of a union's branch, placed below the union: "speeds.cpus: expected at least one item, got an empty array". */
function branchIssue(issue: z.core.$ZodIssue): string {
  const at = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return at ? `${at}: ${issue.message}` : issue.message;
}

/** The message for `issue`, or undefined for zod's own (a code this does not know; a message the schema gives wins regardless). */
export function issueWords(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `missing: expected ${typeWords(issue.expected)}`;
      return `expected ${typeWords(issue.expected)}, got ${describeValue(issue.input)}`;
    case 'too_small':
    case 'too_big':
      return boundWords(issue);
    case 'invalid_value':
      return `expected ${oneOf(issue.values)}, got ${describeValue(issue.input)}`;
    case 'unrecognized_keys': {
      const known = knownFields(issue);
      const fields = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      return `${issue.keys.length === 1 ? 'unknown field' : 'unknown fields'} ${fields}${known.length > 0 ? ` (known here: ${known.join(', ')})` : ''}`;
    }
    case 'invalid_union': {
      const { discriminator, options } = issue as { discriminator?: string; options?: readonly unknown[] };
      if (discriminator !== undefined && options !== undefined) {
        const input = issue.input as Record<string, unknown> | undefined;
        return `expected ${oneOf(options)}, got ${describeValue(input?.[discriminator])}`;
      }
      // Each shape the value may take, and the first thing each found wrong with it.
      const branches = (issue as { errors?: readonly (readonly z.core.$ZodIssue[])[] }).errors ?? [];
      if (branches.length === 0) return `matches more than one of the shapes it may take, got ${describeValue(issue.input)}`;
      return `matches none of the ${branches.length} shapes it may take (${branches.map((b) => (b[0] ? branchIssue(b[0]) : 'no issue')).join('; or ')})`;
    }
    case 'invalid_format':
      return `expected text ${issue.format === 'regex' && issue.pattern ? `matching ${issue.pattern}` : `in ${issue.format} format`}, got ${describeValue(issue.input)}`;
    case 'not_multiple_of':
      return `expected a multiple of ${issue.divisor}, got ${describeValue(issue.input)}`;
    case 'invalid_key':
      return `a key that is no valid key (${issue.issues.map(branchIssue).join('; ')}), got ${describeValue(issue.input)}`;
    case 'invalid_element':
      return `an element that is not valid (${issue.issues.map(branchIssue).join('; ')})`;
    default:
      return undefined;
  }
}
