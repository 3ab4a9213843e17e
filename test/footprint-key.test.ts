// A footprint entry names key arg * mul + add exactly, as `concord prove` proves it and the VM
// computes it: a product past 2^53 whose key is in range must not be rounded into another key, or
// the modular executor blames a correct footprint for an undeclared access.
import { afterAll, describe, expect, it } from 'vitest';
import { flatKey } from '../spec/block.js';
import { parseBlock } from '../spec/block-file.js';
import { executeReference } from '../spec/reference.js';
import { createModularExecutor } from '../impl/modular/executor.js';

const MAX = Number.MAX_SAFE_INTEGER;

describe('footprint keys', () => {
  it('are exact where doubles round', () => {
    expect(3 * 3002399751580331 - MAX).toBe(1);
    expect(flatKey(0, 3, -MAX, [3002399751580331])).toBe(2);
    expect(flatKey(0, -3, MAX, [3002399751580331])).toBe(-2);
    expect(flatKey(0, 16, 5, [7])).toBe(117);
    expect(flatKey(-1, 16, 5, [7])).toBe(5);
    expect(flatKey(2, 16, 5, [7])).toBe(5);
  });

  const modular = createModularExecutor({ threads: 2 });
  afterAll(async () => (await modular).close());

  it('let the modular executor run such a footprint without a fallback', async () => {
    const block = parseBlock(JSON.stringify({
      format: 'concord-block/1',
      programs: {
        bump: {
          arity: 1,
          ops: [['addi', 'r4', 'r0', -3002399751580330], ['muli', 'r4', 'r4', 3], ['addi', 'r4', 'r4', -1], ['read', 'r5', 'r4'], ['addi', 'r5', 'r5', 1], ['write', 'r4', 'r5'], ['stop']],
          footprint: [{ key: { arg: 0, mul: 3, add: -MAX }, access: 'read' }, { key: { arg: 0, mul: 3, add: -MAX }, access: 'write' }],
        },
        set: { arity: 2, ops: [['write', 'r0', 'r1'], ['stop']], footprint: [{ key: { arg: 0, add: 0 }, access: 'write' }] },
      },
      transactions: [{ program: 'bump', args: [3002399751580331] }, { program: 'set', args: [2, 100] }],
    }), 'round.json');
    const r = await (await modular).execute(block);
    expect(r.stats.fallback).toBe('');
    expect(r.stats.undeclaredAccesses ?? 0).toBe(0);
    expect(r.stateRoot).toBe(executeReference(block).stateRoot);
  });
});
