// Model-based tests of Block-STM's multi-version memory and scheduler (properties/models.ts), with
// pinned seeds so mutation testing sees the same command sequences every run; each planted bug
// that lives in one of the two structures must make its model test fail (commit-before-validation
// needs a completion check racing a decrease, so only the interleaving checks can show it).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUG_BIT, type BugName } from '../impl/blockstm/bugs.js';
import { mvMemoryProperty, schedulerProperty } from '../properties/models.js';

const RUNS = { seed: 42, numRuns: 300 };

describe('model-based', () => {
  it('multi-version memory agrees with a map of versions', () => {
    fc.assert(mvMemoryProperty(), RUNS);
  });

  it('scheduler agrees with the paper\'s Algorithms 4 and 5, next_task changed as documented', () => {
    fc.assert(schedulerProperty(), RUNS);
  });

  it.each<[BugName, typeof mvMemoryProperty]>([
    ['read-higher-tx', mvMemoryProperty],
    ['no-estimate', mvMemoryProperty],
    ['wrong-delta-resolution', mvMemoryProperty],
    ['no-incarnation-bump', schedulerProperty],
    ['lost-dependency-resume', schedulerProperty],
    ['no-new-location-revalidation', schedulerProperty],
  ])('catches the planted bug %s', (bug, property) => {
    expect(fc.check(property(BUG_BIT[bug]), RUNS).failed).toBe(true);
  });
});
