// Building a BlockResult from per-transaction outcomes: the one place that decides what a
// receipt and a read set look like, shared by every executor so they cannot disagree on form.

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

function receiptsOf(log: OutcomeLog): Receipt[] {
  const receipts = new Array<Receipt>(log.status.length).fill(SKIPPED);
  for (let t = 0, at = 0; t < log.logged; t++) {
    const end = log.outputEnd[t]!;
    const outputs = end === at ? NO_OUTPUTS : Array.from(log.outputs.subarray(at, end));
    receipts[t] = { status: STATUS_NAMES[log.status[t] as TxStatus], code: log.code[t]!, gasUsed: log.gas[t]!, outputs };
    at = end;
  }
  return receipts;
}

function readSetsOf(log: OutcomeLog): ReadSet[] {
  const reads = new Array<ReadSet>(log.status.length);
  for (let t = 0, at = 0; t < reads.length; t++) {
    if (t >= log.logged) {
      reads[t] = [];
      continue;
    }
    const end = log.readEnd[t]!;
    if (end === at) {
      reads[t] = NO_READS;
      continue;
    }
    const set = new Array<readonly [number, number]>(end - at);
    for (let r = 0; at < end; r++, at++) set[r] = [log.readKeys[at]!, log.readValues[at]!];
    reads[t] = set;
  }
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

/** blockResult() for outcomes in a log: its receipts and read sets are built on first access too. */
export function loggedResult(state: Map<number, number> | (() => Map<number, number>), log: OutcomeLog, stats: ExecutionStats): BlockResult {
  let receipts: readonly Receipt[] | undefined;
  let reads: readonly ReadSet[] | undefined;
  return assemble(state, () => (receipts ??= receiptsOf(log)), () => (reads ??= readSetsOf(log)), log.gasUsed, stats);
}

function assemble(
  state: Map<number, number> | (() => Map<number, number>), receipts: () => readonly Receipt[], reads: () => readonly ReadSet[],
  gasUsed: number, stats: ExecutionStats,
): BlockResult {
  let finalState: Map<number, number> | undefined;
  let sr: string | undefined;
  let rr: string | undefined;
  const materialise = () => {
    if (!finalState) {
      finalState = typeof state === 'function' ? state() : state;
      for (const [k, v] of finalState) if (v === 0) finalState.delete(k);
    }
    return finalState;
  };
  return {
    get state() {
      return materialise();
    },
    get stateRoot() {
      return (sr ??= stateRoot(materialise()));
    },
    get receiptsRoot() {
      return (rr ??= receiptsRoot(receipts()));
    },
    get receipts() {
      return receipts();
    },
    get reads() {
      return reads();
    },
    gasUsed, stats,
  };
}
