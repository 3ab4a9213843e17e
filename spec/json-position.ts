// Where a value stands in a JSON text, found from its path (keys and indices from the top): a
// field error found on the parsed value (spec/smt/user-contract.ts) is placed at a line and
// column as an error found on the text (spec/strict-json.ts) is, though JSON.parse keeps no
// positions. Invariant: the text is one JSON.parse accepted with no key given twice in an object
// (the strict reader refuses those), so each path names at most one place; the walk keeps no
// stack, as a value skipped may nest deeper than a recursion would go.

/** Where the deepest part of `path` the text holds starts, and how many of its steps that is (path.length: all of it). */
export interface JsonPosition {
  readonly at: number;
  readonly steps: number;
}

const SPACE = ' \t\n\r';

/**
 * The position of `path` in `text`: where its value starts, or, where the text lacks it (a field
 * missing, an index past the end), where the deepest enclosing value it does hold starts.
 */
export function positionOf(text: string, path: readonly (string | number)[]): JsonPosition {
  const space = (i: number) => {
    while (i < text.length && SPACE.includes(text[i]!)) i++;
    return i;
  };
  const endOfString = (i: number) => {
    for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
    return i + 1;
  };
  const skip = (i: number) => {
    if (text[i] === '"') return endOfString(i);
    if (text[i] !== '[' && text[i] !== '{') {
      while (i < text.length && !`,]}${SPACE}`.includes(text[i]!)) i++;
      return i;
    }
    for (let depth = 0; ; ) {
      const ch = text[i];
      if (ch === '"') {
        i = endOfString(i);
        continue;
      }
      if (ch === '[' || ch === '{') depth++;
      else if ((ch === ']' || ch === '}') && --depth === 0) return i + 1;
      i++;
    }
  };
  const next = (i: number) => {
    i = space(skip(i));
    return text[i] === ',' ? space(i + 1) : i;
  };
  /** Where the value `step` names in the container at `i` starts, or undefined where it holds none. */
  const enter = (i: number, step: string | number): number | undefined => {
    if (typeof step === 'number') {
      if (text[i] !== '[') return undefined;
      i = space(i + 1);
      for (let n = 0; n < step && text[i] !== ']'; n++) i = next(i);
      return text[i] === ']' ? undefined : i;
    }
    if (text[i] !== '{') return undefined;
    for (i = space(i + 1); text[i] === '"'; i = next(i)) {
      const end = endOfString(i);
      const key = JSON.parse(text.slice(i, end)) as string;
      i = space(space(end) + 1);
      if (key === step) return i;
    }
    return undefined;
  };
  let at = space(0);
  let steps = 0;
  for (const step of path) {
    const inside = enter(at, step);
    if (inside === undefined) break;
    at = inside;
    steps++;
  }
  return { at, steps };
}
