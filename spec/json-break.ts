// Where a text JSON.parse refused stops being JSON, found by walking it again: Node 20's JSON.parse
// names no position for an unexpected token ("Unexpected token 'N', ... is not valid JSON"), the
// commonest break (a NaN, a log line), and a user fixing a file or an engine's answer needs one.
// Invariant: the index returned is that of the first character no JSON text could continue with
// there, text.length where the text ends too soon, and -1 exactly where JSON.parse would accept it.

/**
 * Where `text`, which JSON.parse refused, stops being JSON: the index of the first character that
 * cannot continue it, `text.length` where it ends too soon, -1 where it is JSON after all. The walk
 * keeps its own stack, as a text may nest deeper than a recursion would go.
 */
export function jsonBreak(text: string): number {
  let i = 0;
  /** The closing bracket of each array or object the walk is in, innermost last. */
  const closers: string[] = [];
  const space = (): void => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = text.charCodeAt(++i));
  };
  /** A string from its opening quote at `i`: true past its closing quote, false at the character that breaks it. */
  const string = (): boolean => {
    for (i++; i < text.length;) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c !== 0x5c) {
        i++;
        continue;
      }
      const e = text[i + 1];
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
      else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
      else return false;
    }
    return false;
  };
  /** An object's key and its colon, from `i` (white space skipped): false at the character that breaks them. */
  const key = (): boolean => {
    space();
    if (text[i] !== '"' || !string()) return false;
    space();
    if (text[i] !== ':') return false;
    i++;
    return true;
  };
  const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  for (;;) {
    // A value.
    space();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      space();
      const close = c === '{' ? '}' : ']';
      if (text[i] !== close) {
        closers.push(close);
        if (close === '}' && !key()) return i;
        continue;
      }
      i++;
    } else if (c === '"') {
      if (!string()) return i;
    } else if (text.startsWith('true', i) || text.startsWith('null', i)) {
      i += 4;
    } else if (text.startsWith('false', i)) {
      i += 5;
    } else {
      number.lastIndex = i;
      if (!number.test(text)) return i;
      i = number.lastIndex;
    }
    // What follows it: a comma and the next value, the end of the array or object it is in, or the end of the text.
    for (;;) {
      space();
      const close = closers.at(-1);
      if (close === undefined) return i < text.length ? i : -1;
      if (text[i] === close) {
        i++;
        closers.pop();
        continue;
      }
      if (text[i] !== ',') return i;
      i++;
      if (close === '}' && !key()) return i;
      break;
    }
  }
}
