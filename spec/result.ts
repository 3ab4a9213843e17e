// Building a BlockResult from per-transaction outcomes: the one place that decides what a
// receipt and a read set look like, shared by every executor so they cannot disagree on form.
// Invariant: a result given an `onRelease` (loggedResult) answers every read of its receipts,
// read sets, state and roots from its own memory until its release() is called, and throws on
// every such read after it, so memory the executor lends to a later block is never read as this
// block's.

import type { BlockResult, ExecutionStats, Receipt, ReadSet, Status } from './block.js';
import { receiptsRoot, stateRoot } from './state.js';
import { TxStatus, type TxOutcome } from './vm.js';

const STATUS_NAMES: Record<TxStatus, Status> = {
  [TxStatus.Success]: 'success',
  [TxStatus.Reverted]: 'reverted',
  [TxStatus.OutOfGas]: 'out-of-gas',
};

const NO_OUTPUTS: readonly number[] = Object.freeze([]);
const NO_READS: ReadSet = Object.freeze([]);

export const SKIPPED: Receipt = Object.freeze({ status: 'skipped', code: 0, gasUsed: 0, outputs: NO_OUTPUTS });

export function receiptOf(out: TxOutcome): Receipt {
  const outputs = out.outputCount === 0 ? NO_OUTPUTS : out.outputs.slice(0, out.outputCount);
  return { status: STATUS_NAMES[out.status], code: out.code, gasUsed: out.gasUsed, outputs };
}

export function readSetOf(out: TxOutcome): ReadSet {
  if (out.readCount === 0) return NO_READS;
  const reads = new Array<readonly [number, number]>(out.readCount);
  for (let i = 0; i < out.readCount; i++) reads[i] = [out.readKeys[i]!, out.readValues[i]!];
  return reads;
}

/**
 * A block's per-transaction outcomes in flat typed arrays, logged in block order as transactions
 * are settled and turned into receipts and read sets only when first asked for (loggedResult):
 * an executor's timed run then allocates nothing per transaction for its result, and V8's
 * collector has none of it to trace (on two cores, collecting a block's receipts competed with the
 * workers). Kept small because fresh memory costs page faults: about 63 bytes per transaction
 * with three reads.
 * Invariant: transactions [0, logged) are logged; every later one was skipped (past the block gas
 * limit). Transaction t's outputs are outputs[outputEnd[t - 1] .. outputEnd[t]) and its reads
 * readKeys/readValues[readEnd[t - 1] .. readEnd[t]) (from 0 for t = 0).
 */
export interface OutcomeLog {
  readonly status: Int8Array;
  readonly code: Float64Array;
  readonly gas: Float64Array;
  readonly outputEnd: Int32Array;
  readonly readEnd: Int32Array;
  outputs: Float64Array;
  readKeys: Uint32Array;
  readValues: Float64Array;
  logged: number;
  gasUsed: number;
}

/** Room for three reads and a quarter output per transaction before the arrays grow (the workloads read one to three keys). */
export function newOutcomeLog(txs: number): OutcomeLog {
  return {
    status: new Int8Array(txs), code: new Float64Array(txs), gas: new Float64Array(txs), outputEnd: new Int32Array(txs), readEnd: new Int32Array(txs),
    outputs: new Float64Array(Math.max(16, txs >> 2)), readKeys: new Uint32Array(Math.max(16, 3 * txs)), readValues: new Float64Array(Math.max(16, 3 * txs)),
    logged: 0, gasUsed: 0,
  };
}

/**
 * A log with room for exactly `outputs` outputs and `reads` reads, in one SharedArrayBuffer: a
 * worker that fills it and posts it to the main thread shares the memory instead of copying it
 * (copying a block's outcomes through postMessage cost milliseconds).
 */
export function sharedOutcomeLog(txs: number, outputs: number, reads: number, buffer = new SharedArrayBuffer(sharedOutcomeLogBytes(txs, outputs, reads)), at = 0): OutcomeLog {
  const f64 = new Float64Array(buffer, at, 2 * txs + outputs + reads);
  const i32 = new Int32Array(buffer, at + f64.byteLength, 2 * txs);
  return {
    status: new Int8Array(buffer, at + f64.byteLength + i32.byteLength + 4 * reads, txs),
    code: f64.subarray(0, txs), gas: f64.subarray(txs, 2 * txs), outputEnd: i32.subarray(0, txs), readEnd: i32.subarray(txs),
    outputs: f64.subarray(2 * txs, 2 * txs + outputs), readKeys: new Uint32Array(buffer, at + f64.byteLength + i32.byteLength, reads),
    readValues: f64.subarray(2 * txs + outputs), logged: 0, gasUsed: 0,
  };
}

/**
 * The bytes sharedOutcomeLog lays out from `at` (a multiple of 8) in a buffer handed back by a
 * released result: every field a log of `txs` transactions reads is written as it is filled, so
 * whatever the buffer held before is never read.
 */
export function sharedOutcomeLogBytes(txs: number, outputs: number, reads: number): number {
  return 8 * (2 * txs + outputs + reads) + 4 * (2 * txs + reads) + txs;
}

/**
 * `spare` (a log a released result handed back) emptied for a block of `txs` transactions when it
 * has room for them, its grown output and read arrays kept; otherwise a new log. Its arrays may be
 * longer than `txs`: give loggedResult the block's length (OutcomeSegments), not the log alone.
 */
export function reusedOutcomeLog(spare: OutcomeLog | undefined, txs: number): OutcomeLog {
  if (spare === undefined || spare.status.length < txs) return newOutcomeLog(txs);
  spare.logged = 0;
  spare.gasUsed = 0;
  return spare;
}

function grown<A extends Float64Array | Uint32Array>(a: A, needed: number, make: (length: number) => A): A {
  if (needed <= a.length) return a;
  const bigger = make(Math.max(needed, 2 * a.length));
  bigger.set(a);
  return bigger;
}

/** Logs the next transaction's outcome (its program-observed reads only, as readSetOf does); t must be log.logged. */
export function logOutcome(log: OutcomeLog, t: number, out: TxOutcome): void {
  if (t !== log.logged) throw new Error(`outcome of transaction ${t} logged out of order (expected ${log.logged})`);
  const outputsAt = t === 0 ? 0 : log.outputEnd[t - 1]!;
  const readsAt = t === 0 ? 0 : log.readEnd[t - 1]!;
  log.status[t] = out.status;
  log.code[t] = out.code;
  log.gas[t] = out.gasUsed;
  log.gasUsed += out.gasUsed;
  log.outputs = grown(log.outputs, outputsAt + out.outputCount, (n) => new Float64Array(n));
  for (let o = 0; o < out.outputCount; o++) log.outputs[outputsAt + o] = out.outputs[o]!;
  log.outputEnd[t] = outputsAt + out.outputCount;
  log.readKeys = grown(log.readKeys, readsAt + out.readCount, (n) => new Uint32Array(n));
  log.readValues = grown(log.readValues, readsAt + out.readCount, (n) => new Float64Array(n));
  for (let r = 0; r < out.readCount; r++) {
    log.readKeys[readsAt + r] = out.readKeys[r]!;
    log.readValues[readsAt + r] = out.readValues[r]!;
  }
  log.readEnd[t] = readsAt + out.readCount;
  log.logged = t + 1;
}

/** Keeps the first `count` logged outcomes only: the later ones turned out to be skipped. */
export function keepOutcomes(log: OutcomeLog, count: number): void {
  if (count >= log.logged) return;
  log.logged = Math.max(0, count);
  log.gasUsed = 0;
  for (let t = 0; t < log.logged; t++) log.gasUsed += log.gas[t]!;
}

/**
 * A block's outcomes as consecutive logs: the first covers transactions from 0, each next one
 * starts where the previous one's logged transactions end, and every transaction after the last
 * logged one, up to `txs`, was skipped.
 */
export interface OutcomeSegments {
  readonly logs: readonly OutcomeLog[];
  readonly txs: number;
}

function receiptsOf({ logs, txs }: OutcomeSegments): Receipt[] {
  const receipts = new Array<Receipt>(txs).fill(SKIPPED);
  let t = 0;
  for (const log of logs) {
    for (let i = 0, at = 0; i < log.logged; i++, t++) {
      const end = log.outputEnd[i]!;
      const outputs = end === at ? NO_OUTPUTS : Array.from(log.outputs.subarray(at, end));
      receipts[t] = { status: STATUS_NAMES[log.status[i] as TxStatus], code: log.code[i]!, gasUsed: log.gas[i]!, outputs };
      at = end;
    }
  }
  return receipts;
}

function readSetsOf({ logs, txs }: OutcomeSegments): ReadSet[] {
  const reads = new Array<ReadSet>(txs);
  let t = 0;
  for (const log of logs) {
    for (let i = 0, at = 0; i < log.logged; i++, t++) {
      const end = log.readEnd[i]!;
      if (end === at) {
        reads[t] = NO_READS;
        continue;
      }
      const set = new Array<readonly [number, number]>(end - at);
      for (let r = 0; at < end; r++, at++) set[r] = [log.readKeys[at]!, log.readValues[at]!];
      reads[t] = set;
    }
  }
  for (; t < txs; t++) reads[t] = [];
  return reads;
}

/**
 * Assembles the result from receipts and read sets already built (the reference executor, and
 * executors written outside Concord). `state` is the final state, or a function producing it for
 * executors whose state lives elsewhere (typed arrays, shared memory); either way the map is taken
 * over and its zero entries are deleted. The state map and the two roots are materialised on
 * first access, the same way for every executor, so timing an execute() measures execution
 * rather than converting and hashing the result (the Block-STM paper's figures likewise exclude
 * commit).
 */
export function blockResult(
  state: Map<number, number> | (() => Map<number, number>), receipts: readonly Receipt[], reads: readonly ReadSet[], stats: ExecutionStats,
): BlockResult {
  let gasUsed = 0;
  for (const r of receipts) gasUsed += r.gasUsed;
  return assemble(state, () => receipts, () => reads, gasUsed, stats);
}

/**
 * blockResult() for outcomes in a log, or in consecutive logs of a block of `txs` transactions
 * (one per worker that read back a share of the block, each counting its own transactions from
 * 0): receipts and read sets are built on first access, without copying the logs together first.
 * With `onRelease`, the result has a release(): the caller says it is done with it, and
 * `onRelease` (called once) hands the logs' memory back to the executor for a later block. Every
 * later read of the receipts, read sets, state or roots throws (RELEASED); gasUsed and stats,
 * plain values, stay readable.
 */
export function loggedResult(
  state: Map<number, number> | (() => Map<number, number>), outcomes: OutcomeLog | OutcomeSegments, stats: ExecutionStats, onRelease?: () => void,
): BlockResult {
  const segments: OutcomeSegments = 'logs' in outcomes ? outcomes : { logs: [outcomes], txs: outcomes.status.length };
  let gasUsed = 0;
  for (const log of segments.logs) gasUsed += log.gasUsed;
  let receipts: readonly Receipt[] | undefined;
  let reads: readonly ReadSet[] | undefined;
  return assemble(state, () => (receipts ??= receiptsOf(segments)), () => (reads ??= readSetsOf(segments)), gasUsed, stats, onRelease && (() => {
    receipts = undefined;
    reads = undefined;
    onRelease();
  }));
}

/** What a released result's receipts, read sets, state and roots throw. */
export const RELEASED = 'this BlockResult was released (its release() was called), so the executor may have reused its memory for a later block: read its receipts, reads, state and roots before releasing it';

function assemble(
  state: Map<number, number> | (() => Map<number, number>), receipts: () => readonly Receipt[], reads: () => readonly ReadSet[],
  gasUsed: number, stats: ExecutionStats, onRelease?: () => void,
): BlockResult {
  let finalState: Map<number, number> | undefined;
  let sr: string | undefined;
  let rr: string | undefined;
  let released = false;
  const live = () => {
    if (released) throw new Error(RELEASED);
  };
  const materialise = () => {
    live();
    if (!finalState) {
      finalState = typeof state === 'function' ? state() : state;
      for (const [k, v] of finalState) if (v === 0) finalState.delete(k);
    }
    return finalState;
  };
  const result: BlockResult = {
    get state() {
      return materialise();
    },
    get stateRoot() {
      live();
      return (sr ??= stateRoot(materialise()));
    },
    get receiptsRoot() {
      live();
      return (rr ??= receiptsRoot(receipts()));
    },
    get receipts() {
      live();
      return receipts();
    },
    get reads() {
      live();
      return reads();
    },
    gasUsed, stats,
  };
  if (onRelease === undefined) return result;
  return Object.assign(result, {
    release: () => {
      if (released) return;
      released = true;
      finalState = undefined;
      onRelease();
    },
  });
}
