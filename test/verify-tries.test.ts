// What verify counts as checked against what it ran shrinking and rerunning a counterexample
// (properties/runner.ts, Tries): the window of a counterexample's tries is closed however its
// shrinking ends, a throw included, so no report after it counts later time as shrinking; and the
// exhaustive check's states and interleavings are counted apart as its blocks are, for Block-STM's
// explorations and modular's alike, in the report and in the text verify prints.
import { describe, expect, it } from 'vitest';
import type { Block, BlockResult } from '../spec/block.js';
import { executeReference } from '../spec/reference.js';
import { blockResult } from '../spec/result.js';
import { textSummary } from '../cli/verify.js';
import { exhaustiveCheck } from '../properties/enumerate.js';
import { equivalenceCheck, type CheckDef, type Subject } from '../properties/equivalence.js';
import { plantedSource } from '../properties/planted.js';
import { runVerify, type SoFar, type SubjectSource } from '../properties/runner.js';

/** The reference's result with tx 2's gas off by one: wrong on every block of 3 transactions or more. */
function wrongFromTx2(block: Block): BlockResult {
  const r = executeReference(block);
  return blockResult(new Map(r.state), r.receipts.map((x, i) => (i === 2 ? { ...x, gasUsed: x.gasUsed + 1 } : x)), [...r.reads], r.stats);
}

const wrongSubject = (): Subject => ({ name: 'wrong-from-tx-2', coverage: [], execute: async (block) => wrongFromTx2(block), close: async () => {} });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a counterexample whose shrinking throws', () => {
  // howItFails reruns the shrunk block on fresh instances, and a create() that throws rejects the run.
  // The window opened at the failure (Tries.since) stayed open: every report made after it, as a
  // signal's is, counted the time since as shrinking, past the executor's own time.
  it('leaves the shrink time where the throw left it, within the executor time', async () => {
    let made = 0;
    const source: SubjectSource = {
      name: 'wrong-from-tx-2',
      create: async () => {
        if (made++ > 0) throw new Error('no second instance');
        return wrongSubject();
      },
    };
    const sofar: SoFar = { report: null };
    await expect(runVerify({ subjects: [source], runs: 50, seed: 1, checks: [equivalenceCheck], sofar })).rejects.toThrow('no second instance');
    const first = sofar.report!();
    await sleep(250);
    const later = sofar.report!();
    const [e] = later.executors;
    expect(e!.shrinkBlocks).toBeGreaterThan(0);
    expect(e!.blocksChecked).toBeGreaterThan(0);
    expect(later.shrinkMs).toBe(first.shrinkMs);
    expect(e!.shrinkMs).toBe(first.executors[0]!.shrinkMs);
    expect(e!.shrinkMs).toBeLessThanOrEqual(e!.elapsedMs);
    expect(later.blocksChecked + later.shrinkBlocks).toBe(first.blocksChecked + first.shrinkBlocks);
  });
});

/**
 * The exhaustive check, recording each run's states and interleavings in the order its runs are
 * made (on whatever observer: howItFails's reruns have their own).
 */
function recordedExhaustive(): { check: CheckDef; runs: { states: number; interleavings: number }[] } {
  const runs: { states: number; interleavings: number }[] = [];
  const check: CheckDef = {
    ...exhaustiveCheck,
    run: async (subject, o, input) => {
      const before = { states: o.states, interleavings: o.interleavings };
      const ok = await exhaustiveCheck.run(subject, o, input);
      runs.push({ states: o.states - before.states, interleavings: o.interleavings - before.interleavings });
      return ok;
    },
  };
  return { check, runs };
}

describe('the exhaustive check\'s states and interleavings of a counterexample', () => {
  // A planted bug the exhaustive check catches: before, statesExplored summed every exploration,
  // the shrink candidates' and the fresh reruns' included (11,972 states for 1 generated block of
  // skip-validation at seed 1, of which that block's own were 171).
  for (const bug of ['skip-validation', 'modular-misroute']) {
    it(`are counted apart from the generated runs' (${bug})`, async () => {
      const { check, runs } = recordedExhaustive();
      const r = await runVerify({ subjects: [plantedSource(bug)], runs: 2000, seed: 1, checks: [check] });
      expect(r.failures).toHaveLength(1);
      const [e] = r.executors;
      // One block a run: the first blocksChecked runs are the generated ones, the rest shrink tries and reruns.
      const generated = runs.slice(0, e!.blocksChecked);
      const tries = runs.slice(e!.blocksChecked);
      const sum = (xs: typeof runs, k: 'states' | 'interleavings') => xs.reduce((n, x) => n + x[k], 0);
      expect(tries.length).toBe(e!.shrinkBlocks);
      expect(e!.statesExplored).toBe(sum(generated, 'states'));
      expect(e!.interleavingsCovered).toBe(sum(generated, 'interleavings'));
      expect(e!.shrinkStates).toBe(sum(tries, 'states'));
      expect(e!.shrinkInterleavings).toBe(sum(tries, 'interleavings'));
      expect(e!.shrinkStates).toBeGreaterThan(e!.statesExplored);
      expect(r).toMatchObject({ statesExplored: e!.statesExplored, shrinkStates: e!.shrinkStates, shrinkInterleavings: e!.shrinkInterleavings });
      const text = textSummary(r).join('\n');
      expect(text).toContain(`${e!.statesExplored.toLocaleString('en-US')} states covering ${e!.interleavingsCovered.toExponential(2)} interleavings`);
      expect(text).toContain(`shrinking and rerunning its counterexample (exploring ${e!.shrinkStates!.toLocaleString('en-US')} states covering `
        + `${e!.shrinkInterleavings!.toExponential(2)} interleavings), not counted above`);
    });
  }

  it('are none in a run that found no counterexample', async () => {
    const { check, runs } = recordedExhaustive();
    const r = await runVerify({ subjects: [plantedSource('no-incarnation-bump')], runs: 100, seed: 1, checks: [check] });
    expect(r.failures).toHaveLength(0);
    expect(runs).toHaveLength(2);
    expect(r.executors[0]).toMatchObject({ shrinkStates: 0, shrinkInterleavings: 0, statesExplored: runs[0]!.states + runs[1]!.states });
    expect(textSummary(r).join('\n')).not.toContain('exploring');
  });
});
