// Proof of teeth: every planted bug in the catalogue is caught by `concord verify --planted` within
// the default budget (default --runs, seed 1), and each catch comes with an explanation and a
// replay token that reproduces it.
import { describe, expect, it } from 'vitest';
import { BUG_NAMES as BLOCKSTM_BUGS } from '../impl/blockstm/bugs.js';
import { BUG_NAMES as MODULAR_BUGS } from '../impl/modular/bugs.js';
import { DEFAULT_RUNS } from '../properties/verify-limits.js';
import { PLANTED, plantedSource, runPlanted } from '../properties/planted.js';
import { formatExplanation } from '../properties/explain.js';
import { decodeToken } from '../properties/replay.js';
import { replayFailure } from '../properties/runner.js';

describe('planted bugs', () => {
  it('has at least 8, one per bug flag of each executor', () => {
    expect(PLANTED.length).toBeGreaterThanOrEqual(8);
    expect(PLANTED).toHaveLength(BLOCKSTM_BUGS.length + MODULAR_BUGS.length);
  });

  it('catches every one within the default budget, explained and replayable', async () => {
    const report = await runPlanted({ runs: DEFAULT_RUNS, seed: 1 });
    const missed = report.bugs.filter((b) => !b.caught).map((b) => b.name);
    expect(missed, `missed: ${missed.join(', ')}`).toEqual([]);
    expect(report.caught).toBe(report.total);
    for (const f of report.run.failures) {
      expect(f.explanation, f.executor).toBeDefined();
      expect(f.transactions, f.executor).toBeGreaterThan(0);
      // A completion-invariant catch whose two versions hold the same value says so, rather than show two equal numbers as the difference.
      const x = f.explanation!;
      if (x.expected === x.actual && x.cameFrom) {
        expect(x.detail, f.executor).toContain(`The two versions hold the same value (${x.actual})`);
        expect(formatExplanation(x).join('\n'), f.executor).toMatch(/^expected {5}from .*\nactual {7}from .*the values coincide/m);
      }
    }
    // Replaying one catch reproduces the same block and explanation.
    const f = report.run.failures[0]!;
    const token = decodeToken(f.token);
    const again = await replayFailure(plantedSource(token.executor.slice('planted:'.length)), token);
    expect(again.report?.block).toEqual(f.block);
    expect(again.report?.explanation).toEqual(f.explanation);
  }, 120_000);
});
