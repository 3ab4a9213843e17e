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
 * A block's per-transaction outcomes in flat typed arrays, filled as transactions finish (in any
 * order) and turned into receipts and read sets only when first asked for (loggedResult): an executor's timed
 * run then allocates nothing per transaction for its result, and neither does its garbage
 * collector work on it (on two cores, collecting a block's receipts competed with the workers).
 * Invariant: transaction t's outputs are outputs[outputAt[t] ..+ outputCount[t]], its reads
 * readKeys/readValues[readAt[t] ..+ readCount[t]]; status is SKIPPED_STATUS until logged.
 */
export interface OutcomeLog {
  readonly status: Int8Array;
  readonly code: Float64Array;
  readonly gas: Float64Array;
  readonly outputAt: Int32Array;
  readonly outputCount: Int32Array;
  readonly readAt: Int32Array;
  readonly readCount: Int32Array;
  outputs: Float64Array;
  outputsUsed: number;
  readKeys: Float64Array;
  readValues: Float64Array;
  readsUsed: number;
  gasUsed: number;
}

const SKIPPED_STATUS = -1;

/** Room for four reads and one output per transaction before the arrays grow (the workloads read one to three keys). */
export function newOutcomeLog(txs: number): OutcomeLog {
  const status = new Int8Array(txs);
  status.fill(SKIPPED_STATUS);
  return {
    status, code: new Float64Array(txs), gas: new Float64Array(txs),
    outputAt: new Int32Array(txs), outputCount: new Int32Array(txs), readAt: new Int32Array(txs), readCount: new Int32Array(txs),
    outputs: new Float64Array(Math.max(16, txs)), outputsUsed: 0,
    readKeys: new Float64Array(Math.max(16, 4 * txs)), readValues: new Float64Array(Math.max(16, 4 * txs)), readsUsed: 0,
    gasUsed: 0,
  };
}

function grown(a: Float64Array, needed: number): Float64Array {
  if (needed <= a.length) return a;
  const bigger = new Float64Array(Math.max(needed, 2 * a.length));
  bigger.set(a);
  return bigger;
}

/** Records transaction t's outcome (its program-observed reads only, as readSetOf does). */
export function logOutcome(log: OutcomeLog, t: number, out: TxOutcome): void {
  log.status[t] = out.status;
  log.code[t] = out.code;
  log.gas[t] = out.gasUsed;
  log.gasUsed += out.gasUsed;
  const outputs = out.outputCount;
  log.outputs = grown(log.outputs, log.outputsUsed + outputs);
  log.outputAt[t] = log.outputsUsed;
  log.outputCount[t] = outputs;
  for (let o = 0; o < outputs; o++) log.outputs[log.outputsUsed++] = out.outputs[o]!;
  const reads = out.readCount;
  log.readKeys = grown(log.readKeys, log.readsUsed + reads);
  log.readValues = grown(log.readValues, log.readsUsed + reads);
  log.readAt[t] = log.readsUsed;
  log.readCount[t] = reads;
  for (let r = 0; r < reads; r++) {
    log.readKeys[log.readsUsed] = out.readKeys[r]!;
    log.readValues[log.readsUsed++] = out.readValues[r]!;
  }
}

/** Marks transaction t skipped (past the block gas limit), undoing an earlier logOutcome of it. */
export function logSkipped(log: OutcomeLog, t: number): void {
  if (log.status[t] !== SKIPPED_STATUS) log.gasUsed -= log.gas[t]!;
  log.status[t] = SKIPPED_STATUS;
  log.gas[t] = 0;
  log.outputCount[t] = 0;
  log.readCount[t] = 0;
}

function receiptsOf(log: OutcomeLog): Receipt[] {
  const receipts = new Array<Receipt>(log.status.length);
  for (let t = 0; t < receipts.length; t++) {
    const status = log.status[t]!;
    if (status === SKIPPED_STATUS) {
      receipts[t] = SKIPPED;
      continue;
    }
    const at = log.outputAt[t]!;
    const count = log.outputCount[t]!;
    const outputs = count === 0 ? NO_OUTPUTS : Array.from(log.outputs.subarray(at, at + count));
    receipts[t] = { status: STATUS_NAMES[status as TxStatus], code: log.code[t]!, gasUsed: log.gas[t]!, outputs };
  }
  return receipts;
}

function readSetsOf(log: OutcomeLog): ReadSet[] {
  const reads = new Array<ReadSet>(log.status.length);
  for (let t = 0; t < reads.length; t++) {
    const count = log.readCount[t]!;
    if (count === 0) {
      reads[t] = log.status[t] === SKIPPED_STATUS ? [] : NO_READS;
      continue;
    }
    const set = new Array<readonly [number, number]>(count);
    for (let r = 0, at = log.readAt[t]!; r < count; r++, at++) set[r] = [log.readKeys[at]!, log.readValues[at]!];
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
