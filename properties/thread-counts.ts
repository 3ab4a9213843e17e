// The thread counts a verify run's checks call execute() at, where `concord verify --threads LIST`
// or the vitest helper's `threads` option gives them: one list that replaces every check's own
// (1, 2 and 4; 1 to 4 in the determinism check; 2 to 16 in big-blocks), so that an engine is
// checked at the counts it runs in production (32 or 64 on a server), which the defaults never
// reach. The simulated interleavings keep their virtual workers: they run the algorithm, not the
// instance. A list changes what the checks draw, so it is part of the run: tokens carry it
// (replay.ts), --json gives it as `settings.threads`, and `--merge` pools only shards that agree.
// Invariant: a list is held sorted, without repeats, of integers from 1 to maxThreads(), so that
// two lists that make the same run are equal, element by element.

import { maxThreads } from '../impl/runtime/pooled.js';

/** The list as `concord verify` takes it ("--threads 8,16"); '' for none (each check's own). */
export function threadCountsText(list: readonly number[] | undefined): string {
  return list ? `--threads ${list.join(',')}` : '';
}

/** Whether two runs draw the same thread counts (absent: each check's own, alike). */
export function sameThreadCounts(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.length === b.length && a.every((t, i) => t === b[i]);
}

/**
 * What is wrong with `v` as a thread-count list, in words after the option's name; null for a
 * list of whole numbers from 1 to `max`, ascending, each once (what a token holds, and what the
 * helper's option is sorted into).
 */
export function threadCountsProblem(v: unknown, max = maxThreads()): string | null {
  const example = 'an array of thread counts, e.g. [8, 16]';
  if (!Array.isArray(v)) return `must be ${example}, got ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`;
  if (v.length === 0) return `must be ${example}, got an empty array: leave it out for each check's own counts`;
  const bad = v.findIndex((t) => !Number.isSafeInteger(t) || (t as number) < 1 || (t as number) > max);
  if (bad >= 0) {
    const t: unknown = v[bad];
    return `must hold integers from 1 to ${max} (4 per effective core, at least 64), got ${typeof t === 'string' ? JSON.stringify(t) : String(t)} at index ${bad}`;
  }
  const twice = v.find((t, i) => v.indexOf(t) !== i);
  return twice === undefined ? null : `names ${String(twice)} twice`;
}

/** `list` as a run holds it: sorted (a list given in another order makes the same run). */
export function sortedThreadCounts(list: readonly number[]): readonly number[] {
  return [...list].sort((a, b) => a - b);
}
