// Reading a finished window back: once every lane of a window has finished, its transactions'
// records (receipt and reads, thread.ts publish) are copied into outcome logs, COLLECT_CHUNK
// transactions per log, by whichever threads are there: each worker as it leaves the lanes (the
// first to see them finished sets DONE, which wakes the main thread to read back beside them),
// then the main thread for whatever chunks are left. A thread claims a chunk with one add on the
// COLLECT cell, so on many cores no single thread reads back the whole block (it was the largest
// serial step after the lanes), and each log lives in one SharedArrayBuffer, so a worker posts it
// without copying. The main thread then walks the chunks in block order for the gas limit
// (block-run.ts closeWindow). Chunk c is read into the window's spare c where one was lent and is
// large enough: a buffer a released result handed back (block-run.ts), else into a new one.
// Invariants: chunks are claimed only after the lanes finished the window with STATE still
// RUNNING, so every record read is final; each chunk is claimed by exactly one thread, and so is
// its spare; chunk c holds transactions [WINDOW_START + c * COLLECT_CHUNK, ...) up to WINDOW_END.

import { sharedOutcomeLog, sharedOutcomeLogBytes, type OutcomeLog } from '../../spec/result.js';
import { sharedBufferFor } from '../spare-memory.js';
import { H, R_HEADER, R_OUT_AT, R_OUT_COUNT, R_READS, R_STATUS, RF_CODE, RF_GAS, RF_HEADER, type Layout } from './layout.js';

/** Transactions per collected log: few enough logs that allocating and posting them stays cheap, enough that a few dozen threads share a block's chunks. */
export const COLLECT_CHUNK = 512;

/** Transactions read back into a log in one SharedArrayBuffer. */
export interface ReadBack {
  readonly log: OutcomeLog;
  /** The log's buffer, handed back to the executor when the result is released. */
  readonly memory: SharedArrayBuffer;
}

/** One chunk of a window, read back. */
export interface CollectedChunk extends ReadBack {
  readonly chunk: number;
}

/** The window's chunk count. */
export function chunksOf(i32: Int32Array): number {
  return Math.ceil((Atomics.load(i32, H.WINDOW_END) - Atomics.load(i32, H.WINDOW_START)) / COLLECT_CHUNK);
}

/** Says that the lanes finished the window: wakes the main thread waiting to read back (executor.ts). */
export function markDone(i32: Int32Array): void {
  if (Atomics.compareExchange(i32, H.DONE, 0, 1) === 0) Atomics.notify(i32, H.DONE);
}

/** Claims chunks of the finished window until none is left, appending each one read back to `into`; chunk c into spares[c] where it fits. */
export function collectChunks(i32: Int32Array, f64: Float64Array, L: Layout, into: CollectedChunk[], spares: readonly SharedArrayBuffer[] = []): void {
  const start = Atomics.load(i32, H.WINDOW_START);
  const end = Atomics.load(i32, H.WINDOW_END);
  const chunks = chunksOf(i32);
  for (let c = Atomics.add(i32, H.COLLECT, 1); c < chunks; c = Atomics.add(i32, H.COLLECT, 1)) {
    const from = start + c * COLLECT_CHUNK;
    into.push({ chunk: c, ...readBack(i32, f64, L, from, Math.min(end, from + COLLECT_CHUNK), spares[c] ?? null) });
  }
}

/** Transactions [from, to) from their records into a log of their own (its transaction 0 is `from`), in `spare` where it fits. */
export function readBack(i32: Int32Array, f64: Float64Array, L: Layout, from: number, to: number, spare: SharedArrayBuffer | null = null): ReadBack {
  let outputs = 0;
  let reads = 0;
  for (let i = from; i < to; i++) {
    const rec = L.records + i * L.recordI;
    outputs += i32[rec + R_OUT_COUNT]!;
    reads += i32[rec + R_READS]!;
  }
  const memory = sharedBufferFor(sharedOutcomeLogBytes(to - from, outputs, reads), spare);
  const log = sharedOutcomeLog(to - from, outputs, reads, memory);
  let outputEnd = 0;
  let readEnd = 0;
  for (let i = from, t = 0; i < to; i++, t++) {
    const rec = L.records + i * L.recordI;
    const recF = L.recordsF + i * L.recordF;
    log.status[t] = i32[rec + R_STATUS]!;
    log.code[t] = f64[recF + RF_CODE]!;
    const gas = f64[recF + RF_GAS]!;
    log.gas[t] = gas;
    log.gasUsed += gas;
    const outAt = L.outputs + i32[rec + R_OUT_AT]!;
    for (let o = 0, count = i32[rec + R_OUT_COUNT]!; o < count; o++) log.outputs[outputEnd++] = f64[outAt + o]!;
    log.outputEnd[t] = outputEnd;
    for (let r = 0, count = i32[rec + R_READS]!; r < count; r++) {
      log.readKeys[readEnd] = f64[L.entryKey + i32[rec + R_HEADER + r]!]!;
      log.readValues[readEnd++] = f64[recF + RF_HEADER + r]!;
    }
    log.readEnd[t] = readEnd;
  }
  log.logged = to - from;
  return { log, memory };
}
