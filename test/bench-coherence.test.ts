// The coherence model behind the Block-STM prediction (bench/coherence.ts) and the fit of the cost
// of a line moving between workers (bench/prediction.ts fitTransfer): one worker never pays, a
// line another worker wrote costs one transfer and is then shared for free, a write takes the line
// from every other holder, lines are 64 bytes, and the fit reproduces the 2-thread measurement
// or says why it could not.
import { describe, expect, it } from 'vitest';
import { Coherence, MAX_COHERENT_WORKERS } from '../bench/coherence.js';
import { fitTransfer } from '../bench/prediction.js';

describe('Coherence', () => {
  it('charges nothing with one worker, whatever it does', () => {
    const c = new Coherence(64, 64);
    for (let i = 0; i < 200; i++) expect(c.access(0, i % 3 === 0, i % 64, i % 2 === 0)).toBe(false);
    expect(c.transfers).toBe(0);
  });

  it('a read of a line another worker wrote is one transfer; then both share it for free until one writes', () => {
    const c = new Coherence(64, 0);
    expect(c.access(0, false, 3, false)).toBe(false); // the block as the main thread wrote it
    expect(c.access(1, false, 3, false)).toBe(false);
    expect(c.access(0, true, 3, false)).toBe(true); // worker 1's copy is invalidated
    expect(c.access(0, true, 4, false)).toBe(false); // same line, held modified
    expect(c.access(1, false, 15, false)).toBe(true); // same 64-byte line (cells 0-15)
    expect(c.access(0, false, 0, false)).toBe(false);
    expect(c.access(1, false, 1, false)).toBe(false);
    expect(c.access(1, false, 16, false)).toBe(false); // the next line, never written
    expect(c.access(1, true, 2, false)).toBe(true); // worker 0 holds a copy
    expect(c.access(0, false, 2, false)).toBe(true);
    expect(c.transfers).toBe(4);
  });

  it('keeps Float64 cells on lines of 8, apart from the Int32 lines, and tells every worker apart', () => {
    const c = new Coherence(16, 16);
    expect(c.access(0, true, 0, true)).toBe(false);
    expect(c.access(1, false, 0, false)).toBe(false); // Int32 cell 0 is another line
    expect(c.access(1, false, 7, true)).toBe(true);
    expect(c.access(1, true, 8, true)).toBe(false); // the second Float64 line
    const last = MAX_COHERENT_WORKERS - 1;
    expect(c.access(last, true, 8, true)).toBe(true);
    expect(c.access(33, false, 8, true)).toBe(true);
    expect(c.access(last, true, 8, true)).toBe(true); // 33 holds a copy now
    expect(c.access(last, true, 9, true)).toBe(false);
  });
});

describe('fitTransfer', () => {
  const linear = (freeMs: number, perTransfer: number, transfers: number) => (ms: number) => ({ ms: freeMs + perTransfer * transfers * (ms / 1e-4), transfers });

  it('finds the cost at which the 2-worker model takes the measured time', () => {
    const probe = linear(10, 0.5, 1000);
    const fit = fitTransfer(probe, 14, 500, 'line');
    expect(probe(fit.ms).ms).toBeCloseTo(14, 9);
    expect(fit.words).toMatch(/^\d+ ns per line \(fitted to the measured 2-thread 14\.00 ms; 2\.0 per transaction at 2 workers\)$/);
  });

  it('charges nothing, and says why, without a 2-thread run, when the model is already slower, or when its run fails', () => {
    const probe = linear(10, 0.5, 1000);
    expect(fitTransfer(probe, undefined, 500, 'line')).toEqual({ ms: 0, fitted: false, words: 'no cost per line (not fitted: no parallel 2-thread measurement, so the model is optimistic at more threads)' });
    expect(fitTransfer(probe, 9, 500, 'line')).toEqual({ ms: 0, fitted: true, words: 'no cost per line (slower than measured at 2 threads even at no cost, so it may be pessimistic: the model takes 10.00 ms at 2 threads against the measured 9.00 ms)' });
    expect(fitTransfer(() => 'stuck', 12, 500, 'line')).toEqual({ ms: 0, fitted: false, words: 'no cost per line (not fitted: the 2-worker run failed: stuck)' });
  });

  it('fits a model that is not linear in the cost, and never more than a microsecond', () => {
    const bent = (ms: number) => ({ ms: 10 + 3e4 * ms + 4e7 * ms * ms, transfers: 100 });
    const fit = fitTransfer(bent, 20, 100, 'line');
    expect(Math.abs(bent(fit.ms).ms - 20)).toBeLessThan(0.2);
    expect(fitTransfer(linear(10, 1e-6, 1), 1e6, 500, 'line')).toEqual({
      ms: 1e-3, fitted: true, words: '1000 ns per line, the most a fit gives (the measured 2-thread 1000000.00 ms is slower than the 2-worker model even at that cost, 10.00 ms: the model is optimistic)',
    });
  });
});
