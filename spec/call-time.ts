// How long one call into an executor can take, as Concord records it. Results files keep times to
// 0.1 us (bench/sweep.ts), so nothing shorter is a time, and no call runs past a day (--timeout's
// limit). A time outside the range is a broken clock or a hand-edited file: its speedups (a sample
// of 1e+308 ms read as 1e+307x) would be printed as if measured, so whatever reads a time it did
// not take itself (an exec: engine's executeMs, a results file) refuses it.

export const MIN_CALL_MS = 1e-4;
export const MAX_CALL_MS = 86_400_000;
