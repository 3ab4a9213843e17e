// Exhaustive enumeration of the modular executor's interleavings (properties/enumerate.ts
// exploreModular): every order of its lane-loop steps over tiny blocks, window by window, under
// each partition; the planted misroute is caught on a block with a barrier, with the steps that
// reach it, and the exhaustive check runs for modular as it does for Block-STM.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildBlock, type BlockSpec } from '../properties/arbitraries.js';
import { EXHAUSTIVE_MODULES, exhaustiveCheck, exploreModular } from '../properties/enumerate.js';
import { runVerify } from '../properties/runner.js';
import { executorSubject } from '../properties/subjects.js';
import { PARTITION_KINDS } from '../impl/modular/partition.js';
import { executeReference } from '../spec/reference.js';
import type { Subject } from '../properties/equivalence.js';

/** Found by shrinking the check's modular inputs (seed 3) to one misroute fails on: a read, a token credit, a swap across both modules, then a barrier. */
const CROSSING: BlockSpec = {
  keys: 3, pre: [{ entity: 0, field: 0, value: 0 }], gasLimit: null,
  txs: [
    { kind: 'code', body: [{ s: 'read', dst: 0, key: 0 }], gas: 100000 },
    { kind: 'call', contract: 'token', args: [2794, 1342, 0], hashCost: 0, gas: 100000 },
    { kind: 'call', contract: 'amm-swap', args: [0, 2104, 1, 0], hashCost: 0, gas: 100000 },
    { kind: 'code', body: [{ s: 'writeAt', at: 0, src: 0 }], gas: 100000 },
  ],
} as BlockSpec;

const simulatedOnly = (simulated: Subject['simulated']): Subject => executorSubject({ name: 'sim', execute: async (b) => executeReference(b), close: async () => {} }, 'sim', [], simulated);

describe('exploreModular', () => {
  it('finds every interleaving of a correct run equal to the reference, under each partition', () => {
    for (const partition of PARTITION_KINDS) {
      const r = exploreModular(buildBlock(CROSSING), { threads: 2, modules: EXHAUSTIVE_MODULES, partition });
      expect(r.failure, partition).toBeUndefined();
      expect(r.complete).toBe(true);
      expect(r.states).toBeGreaterThan(10);
      expect(r.interleavings).toBeGreaterThan(r.states);
    }
  });

  it('catches the planted misroute, with the steps that reach the wrong read, in a window a barrier follows', () => {
    const r = exploreModular(buildBlock(CROSSING), { threads: 2, modules: EXHAUSTIVE_MODULES, partition: 'hash', bugs: ['misroute'] });
    expect(r.failure?.explanation).toMatchObject({ anomaly: 'wrong read set', tx: 1 });
    // The swap (tx 2) ran before the credit (tx 1) it crosses into: the lane did not wait for it.
    const steps = r.failure!.steps;
    expect(steps[0]).toBe('window from tx 0 to tx 2, planned on the main thread');
    expect(steps.indexOf('w0 runs tx 2 on lane 0')).toBeLessThan(steps.indexOf('w0 runs tx 1 on lane 1'));
  });

  it('stops at its state limit, saying so, rather than failing', () => {
    const r = exploreModular(buildBlock(CROSSING), { threads: 2, modules: EXHAUSTIVE_MODULES, partition: 'range', maxStates: 5 });
    expect(r).toMatchObject({ complete: false, states: 5 });
    expect(r.failure).toBeUndefined();
  });
});

describe('the exhaustive check on the modular executor', () => {
  it('applies to it, drawing the partition unless the executor was made with one', () => {
    const drawn = simulatedOnly({ kind: 'modular', bugs: [] });
    expect(exhaustiveCheck.applies(drawn)).toBe(true);
    const partitions = new Set(fc.sample(exhaustiveCheck.inputs(exhaustiveCheck.txs, drawn), { numRuns: 60, seed: 1 }).map((input) => input[1]));
    expect([...partitions].sort()).toEqual([...PARTITION_KINDS].sort());
    const pinned = simulatedOnly({ kind: 'modular', bugs: [], partition: 'range' });
    expect(new Set(fc.sample(exhaustiveCheck.inputs(exhaustiveCheck.txs, pinned), { numRuns: 20, seed: 1 }).map((input) => input[1]))).toEqual(new Set(['range']));
  });

  it('counts its states and interleavings in a run, and passes a correct executor', async () => {
    const subject = simulatedOnly({ kind: 'modular', bugs: [] });
    const report = await runVerify({ subjects: [{ name: 'sim', create: async () => subject }], runs: 500, seed: 1, checks: [exhaustiveCheck] });
    expect(report.failures).toEqual([]);
    expect(report.blocksChecked).toBe(10);
    expect(report.statesExplored).toBeGreaterThan(report.blocksChecked);
    expect(report.interleavingsCovered).toBeGreaterThan(report.statesExplored);
  });
});
