// positionOf (spec/json-position.ts), which places a contract file's field errors: a path found in
// the text as JSON.parse reads it, past strings that hold brackets, quotes and escapes and past
// values nested deeper than a recursion would go; a path the text lacks stops where it is lacking.

import { describe, expect, it } from 'vitest';
import { positionOf } from '../spec/json-position.js';

describe('positionOf', () => {
  const at = (text: string, path: (string | number)[]) => {
    const { at: i, steps } = positionOf(text, path);
    return { rest: text.slice(i, i + 6), steps };
  };

  it('finds a value by keys and indices, skipping strings with brackets, quotes and escapes', () => {
    const text = ' {"a": "[{\\"}", "b" :\n [ 1 , {"c]": 2, "\\u0064": [3, "x"]} ] }';
    expect(at(text, [])).toEqual({ rest: '{"a": ', steps: 0 });
    expect(at(text, ['b', 0])).toEqual({ rest: '1 , {"', steps: 2 });
    expect(at(text, ['b', 1, 'c]'])).toEqual({ rest: '2, "\\u', steps: 3 });
    expect(at(text, ['b', 1, 'd', 1])).toEqual({ rest: '"x"]} ', steps: 4 });
  });

  it('stops at the deepest value the text holds where the path goes on past it', () => {
    const text = '{"a": [1, {"b": {}}]}';
    expect(at(text, ['a', 5])).toEqual({ rest: '[1, {"', steps: 1 });
    expect(at(text, ['a', 1, 'b', 'c'])).toEqual({ rest: '{}}]}', steps: 3 });
    expect(at(text, ['a', 0, 'x'])).toEqual({ rest: '1, {"b', steps: 2 });
    expect(at(text, ['z'])).toEqual({ rest: '{"a": ', steps: 0 });
  });

  it('skips a value nested 200,000 deep without recursing', () => {
    const text = `[${'['.repeat(200_000)}${']'.repeat(200_000)}, 7]`;
    expect(at(text, [1])).toEqual({ rest: '7]', steps: 1 });
  });
});
