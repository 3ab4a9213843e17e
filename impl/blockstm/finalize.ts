// Turning a finished Block-STM run into a BlockResult, on the main thread once no worker runs.
// The block gas limit is applied here, in one in-order pass over the final incarnations: the
// first transaction reached with cumulative gas >= block.gasLimit and every later one are skipped,
// exactly as the reference does. Their speculative executions are discarded: receipts SKIPPED,
// no reads, and their writes are left out of the final state. That is exact because a
// transaction's final incarnation only ever read from lower transactions.
// Invariant checked before anything is built: every transaction that counts is EXECUTED, its
// last record is of that incarnation, and every value it left in multi-version memory is of that
// incarnation (no ESTIMATE); a run that breaks it is reported as a violation (the executor then
// falls back to sequential execution). The outcomes (an OutcomeLog) and every key's final value
// are copied out at once, so the executor may reuse the arrays for the next block; receipts, read
// sets and the state map are built from those copies when first asked for (spec/result.ts).

import type { Block, BlockResult, ExecutionStats } from '../../spec/block.js';
import { loggedResult, logOutcome, newOutcomeLog } from '../../spec/result.js';
import { newOutcome, type TxStatus } from '../../spec/vm.js';
import { executeSequential } from '../sequential.js';
import {
  EMPTY, ESTIMATE, EXECUTED, H, incarnationOf, N_KEY, N_TX, N_VERSION, NIL, NODE_CELLS, R_CODE, R_GAS, R_HEADER, R_INCARNATION,
  R_OUTPUTS, R_READS, R_STATUS, R_WRITES, READ_CELLS, READ_VALUE, statusOf, UNALLOCATED, valueOf, WRITE_CELLS, WRITE_VALUE, writesOf, type Layout,
} from './layout.js';

const STATUS_NAMES = ['READY_TO_EXECUTE', 'EXECUTING', 'EXECUTED', 'ABORTING'];

/** The BlockResult of a run that reached DONE, or the violated invariant as a sentence. */
export function finalize(block: Block, L: Layout, i32: Int32Array, stats: ExecutionStats): BlockResult | string {
  const n = L.txs;
  const log = newOutcomeLog(n);
  const out = newOutcome();
  // The final incarnations' writes in block order (a key's last one wins): a final incarnation
  // has one node per key it wrote, so there are at most as many as nodes.
  const nodes = Math.min(i32[H.NODE_TOP]!, L.capacity.nodes);
  const writeKeys = new Int32Array(nodes);
  const writeValues = new Float64Array(nodes);
  let writes = 0;
  let gasUsed = 0;
  let counted = n;
  for (let t = 0; t < n; t++) {
    if (gasUsed >= block.gasLimit) {
      counted = t;
      break;
    }
    const word = i32[L.status + t]!;
    if (statusOf(word) !== EXECUTED) return `transaction ${t} ended the block ${STATUS_NAMES[statusOf(word)]} (incarnation ${incarnationOf(word)})`;
    const rec = i32[L.lastRecord + t]!;
    if (rec === NIL || i32[rec + R_INCARNATION] !== incarnationOf(word)) {
      return `transaction ${t} is EXECUTED at incarnation ${incarnationOf(word)} but its last record is ${rec === NIL ? 'missing' : `of incarnation ${i32[rec + R_INCARNATION]}`}`;
    }
    const viewReads = i32[rec + R_READS]!;
    out.status = i32[rec + R_STATUS] as TxStatus;
    out.code = valueOf(i32[rec + R_CODE]!, i32[rec + R_CODE + 1]!);
    out.gasUsed = valueOf(i32[rec + R_GAS]!, i32[rec + R_GAS + 1]!);
    out.outputCount = i32[rec + R_OUTPUTS]!;
    const outputsAt = rec + R_HEADER + READ_CELLS * viewReads;
    for (let o = 0; o < out.outputCount; o++) out.outputs[o] = valueOf(i32[outputsAt + 2 * o]!, i32[outputsAt + 2 * o + 1]!);
    let programReads = 0;
    for (let r = 0; r < viewReads; r++) {
      const at = rec + R_HEADER + r * READ_CELLS;
      if (i32[at + 3] === 1) continue;
      out.readKeys[programReads] = i32[at]! >>> 0;
      out.readValues[programReads++] = valueOf(i32[at + READ_VALUE]!, i32[at + READ_VALUE + 1]!);
    }
    out.readCount = programReads;
    logOutcome(log, t, out);
    gasUsed += out.gasUsed;
    const written = writesOf(rec, viewReads, out.outputCount);
    for (let w = 0, count = i32[rec + R_WRITES]!; w < count; w++) {
      const entry = written + w * WRITE_CELLS;
      writeKeys[writes] = i32[L.nodes + i32[entry]! * NODE_CELLS + N_KEY]!;
      writeValues[writes++] = valueOf(i32[entry + WRITE_VALUE]!, i32[entry + WRITE_VALUE + 1]!);
    }
  }
  for (let node = 0; node < nodes; node++) {
    const at = L.nodes + node * NODE_CELLS;
    const tx = i32[at + N_TX]!;
    const entry = i32[at + N_VERSION]!;
    if (tx >= counted || entry === EMPTY || entry === UNALLOCATED) continue;
    const final = incarnationOf(i32[L.status + tx]!);
    if (entry === ESTIMATE || i32[entry + 1] !== final) {
      const what = entry === ESTIMATE ? 'an ESTIMATE' : `incarnation ${i32[entry + 1]}`;
      return `key ${i32[at + N_KEY]! >>> 0} holds ${what} of transaction ${tx}, whose final incarnation is ${final}`;
    }
  }
  return loggedResult(() => {
    const state = new Map(block.preState);
    for (let w = 0; w < writes; w++) state.set(writeKeys[w]! >>> 0, writeValues[w]!);
    return state;
  }, log, stats);
}

/**
 * The block finished by the sequential executor instead: its result, with the parallel attempt's
 * counters and the reason in stats.fallback. (The stats object is swapped in place so the
 * result's state and roots stay lazy.)
 */
export function sequentialFallback(block: Block, stats: ExecutionStats, reason: string): BlockResult {
  const result = executeSequential(block);
  for (const key of Object.keys(result.stats)) delete result.stats[key];
  Object.assign(result.stats, stats, { fallback: reason });
  return result;
}
