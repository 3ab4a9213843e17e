// The built-ins' warm-up block (properties/subjects.ts): made when an instance's warm-up runs, not
// when the source is made (verify makes every executor's source before any check, and a run a
// time limit or a signal ends early may never make an instance of some), and made anew for each
// instance, which may change the block it is given.
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Subject } from '../properties/equivalence.js';
import { executorSource } from '../properties/subjects.js';
import { WARM_UP_TXS } from '../impl/runtime/pooled.js';

const made = vi.hoisted(() => ({ blocks: 0 }));
vi.mock('../impl/runtime/pooled.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../impl/runtime/pooled.js')>();
  return {
    ...actual,
    warmUpBlock: (...args: Parameters<typeof actual.warmUpBlock>) => {
      made.blocks++;
      return actual.warmUpBlock(...args);
    },
  };
});

const open: Subject[] = [];
afterAll(async () => {
  for (const s of open) await s.close(false);
});

describe('a built-in\'s warm-up block', () => {
  it('is not built with the source, and is built for each instance\'s warm-up', async () => {
    const sources = [executorSource('block-stm'), executorSource('modular', { modules: 2 })];
    expect(made.blocks).toBe(0);
    for (const s of sources) expect(s.warmUp).toMatchObject({ runs: 3, running: 0 });
    for (const s of sources) expect(s.warmUp!.block).toBeUndefined();

    const [stm] = sources;
    open.push(await stm!.create());
    const first = stm!.warmUp!.block;
    expect(first?.txs).toHaveLength(WARM_UP_TXS);
    // The instance's block, and the reference's own (made once, for every instance to be judged by).
    expect(made.blocks).toBe(2);

    open.push(await stm!.create());
    expect(made.blocks).toBe(3);
    expect(stm!.warmUp!.block).not.toBe(first);
    expect(stm!.warmUp!.block?.txs).toHaveLength(WARM_UP_TXS);
    expect(stm!.warmUp!.running).toBe(0);
    // The other source, of which no instance was made, built none.
    expect(sources[1]!.warmUp!.block).toBeUndefined();
  });
});
