// The round-trip probe bench runs before each parallel round (bench/round-trip.ts): a figure in
// nanoseconds or null, never a hang, and nothing once closed.

import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { startRoundTripProbe } from '../bench/round-trip.js';

describe('round-trip probe', () => {
  it('measures a round trip between two threads many times over, then closes', async () => {
    const probe = await startRoundTripProbe();
    const started = performance.now();
    const trips = Array.from({ length: 10 }, () => probe.measure());
    // Each probe gives up within 50 ms (a busy machine: null), so ten never take long.
    expect(performance.now() - started).toBeLessThan(10 * 50 + 1_000);
    for (const ns of trips) expect(ns === null || (ns > 0 && Number.isFinite(ns))).toBe(true);
    // With a second core the worker answers some probe: a probe that always gave up would fail here.
    // Up to 400 (20 s at most): ten all gave up while the test suite and an npm ci shared two cores,
    // and a hundred while three test files and two other suites' did.
    if (availableParallelism() >= 2) {
      let answered = trips.some((ns) => ns !== null);
      for (let more = 0; !answered && more < 390; more++) answered = probe.measure() !== null;
      expect(answered).toBe(true);
    }
    await probe.close();
    expect(probe.measure()).toBeNull();
  });
});
