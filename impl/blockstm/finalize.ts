// Turning a finished Block-STM run into a BlockResult, in two steps so the work after DONE is
// shared by the workers instead of left to the main thread. finalizePart (in each worker, once it
// sees DONE) reads back its share of the transactions and version nodes: the final incarnations'
// outcomes and writes, and the first invariant they break. finalResult (on the main thread) puts
// the parts together in block order and applies the block gas limit: the first transaction reached
// with cumulative gas >= block.gasLimit and every later one are skipped, exactly as the reference
// does. Their speculative executions are discarded: receipts SKIPPED, no reads, and their writes
// are left out of the final state. That is exact because a transaction's final incarnation only
// ever read from lower transactions.
// Invariant checked before anything is built: every transaction that counts is EXECUTED, its
// last record is of that incarnation, and every value it left in multi-version memory is of that
// incarnation (no ESTIMATE); a run that breaks it is reported as a violation (the executor then
// falls back to sequential execution). A part's violation only counts when the gas limit has not
// skipped its transaction, which only the main thread can tell. The parts copy out all a result
// keeps, so the executor may reuse the arrays for the next block; receipts, read sets and the
// state map are built from those copies when first asked for (spec/result.ts). Each part lives in
// one SharedArrayBuffer: a new one, or one a released result handed back (finalResult's
// onRelease, executor.ts), which no result reads any more.

import type { Block, BlockResult, ExecutionStats } from '../../spec/block.js';
import { keepOutcomes, loggedResult, logOutcome, sharedOutcomeLog, sharedOutcomeLogBytes, type OutcomeLog } from '../../spec/result.js';
import { sharedBufferFor } from '../spare-memory.js';
import { newOutcome, type TxStatus } from '../../spec/vm.js';
import { executeSequential, type SequentialScratch } from '../sequential.js';
import {
  EMPTY, ESTIMATE, EXECUTED, H, incarnationOf, N_KEY, N_TX, N_VERSION, NIL, NODE_CELLS, R_CODE, R_GAS, R_HEADER, R_INCARNATION,
  R_OUTPUTS, R_READS, R_STATUS, R_WRITES, READ_CELLS, READ_VALUE, statusOf, UNALLOCATED, valueOf, WRITE_CELLS, WRITE_VALUE, writesOf, type Layout,
} from './layout.js';

const STATUS_NAMES = ['READY_TO_EXECUTE', 'EXECUTING', 'EXECUTED', 'ABORTING'];

/** An invariant broken at a transaction: it counts only if the gas limit did not skip `tx`. */
export interface Violation {
  readonly tx: number;
  readonly message: string;
}

/**
 * One share of a finished block, read back by one worker: transactions [from, from + log.logged)
 * in `log`, with their final writes (transaction from + t's are writeKeys/writeValues
 * [writeEnd[t - 1], writeEnd[t]), from 0 for t = 0). The log stops early at the share's first
 * broken transaction (`violation`); `nodeViolation` is the lowest transaction among the share's
 * version nodes that left a value other than its final incarnation's.
 */
export interface FinalPart {
  readonly from: number;
  readonly log: OutcomeLog;
  readonly writeEnd: Int32Array;
  readonly writeKeys: Uint32Array;
  readonly writeValues: Float64Array;
  readonly violation: Violation | null;
  readonly nodeViolation: Violation | null;
  /** The buffer holding the log and the writes: handed back to the executor when the result is released. */
  readonly memory: SharedArrayBuffer;
}

/** Share `part` of `parts` of [0, total). */
const shareStart = (total: number, part: number, parts: number): number => Math.floor((total * part) / parts);

/** What the transaction's final incarnation broke, or null when its record is the one that counts. */
function brokenRecord(i32: Int32Array, L: Layout, t: number): string | null {
  const word = i32[L.status + t]!;
  if (statusOf(word) !== EXECUTED) return `transaction ${t} ended the block ${STATUS_NAMES[statusOf(word)]} (incarnation ${incarnationOf(word)})`;
  const rec = i32[L.lastRecord + t]!;
  if (rec === NIL || i32[rec + R_INCARNATION] !== incarnationOf(word)) {
    return `transaction ${t} is EXECUTED at incarnation ${incarnationOf(word)} but its last record is ${rec === NIL ? 'missing' : `of incarnation ${i32[rec + R_INCARNATION]}`}`;
  }
  return null;
}

/**
 * Reads back share `part` of `parts` of a block whose STATE is DONE: no worker writes shared
 * memory any more, so every read is plain. Into `spare` where it is large enough.
 */
export function finalizePart(L: Layout, i32: Int32Array, part: number, parts: number, spare: SharedArrayBuffer | null = null): FinalPart {
  const from = shareStart(L.txs, part, parts);
  const to = shareStart(L.txs, part + 1, parts);
  let violation: Violation | null = null;
  let end = from;
  let outputs = 0;
  let reads = 0;
  let writes = 0;
  for (; end < to; end++) {
    const message = brokenRecord(i32, L, end);
    if (message !== null) {
      violation = { tx: end, message };
      break;
    }
    const rec = i32[L.lastRecord + end]!;
    outputs += i32[rec + R_OUTPUTS]!;
    reads += i32[rec + R_READS]!;
    writes += i32[rec + R_WRITES]!;
  }
  // Shared memory, so posting the part to the main thread copies nothing. Write values first and
  // the log after them keep every Float64Array 8-aligned; the log's status bytes end unaligned.
  const logAt = 8 * writes;
  const keysAt = (logAt + sharedOutcomeLogBytes(end - from, outputs, reads) + 3) & ~3;
  const bytes = keysAt + 4 * writes + 4 * (end - from);
  const memory = sharedBufferFor(bytes, spare);
  const writeValues = new Float64Array(memory, 0, writes);
  const log = sharedOutcomeLog(end - from, outputs, reads, memory, logAt);
  const writeKeys = new Uint32Array(memory, keysAt, writes);
  const writeEnd = new Int32Array(memory, keysAt + 4 * writes, end - from);
  const out = newOutcome();
  let w = 0;
  for (let t = from; t < end; t++) {
    const rec = i32[L.lastRecord + t]!;
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
    logOutcome(log, t - from, out);
    const written = writesOf(rec, viewReads, out.outputCount);
    for (let k = 0, count = i32[rec + R_WRITES]!; k < count; k++, w++) {
      const entry = written + k * WRITE_CELLS;
      writeKeys[w] = i32[L.nodes + i32[entry]! * NODE_CELLS + N_KEY]! >>> 0;
      writeValues[w] = valueOf(i32[entry + WRITE_VALUE]!, i32[entry + WRITE_VALUE + 1]!);
    }
    writeEnd[t - from] = w;
  }
  return { from, log, writeEnd, writeKeys, writeValues, violation, nodeViolation: brokenNode(L, i32, part, parts), memory };
}

/** The lowest transaction among share `part` of the allocated nodes whose value is not of its final incarnation. */
function brokenNode(L: Layout, i32: Int32Array, part: number, parts: number): Violation | null {
  const nodes = Math.min(i32[H.NODE_TOP]!, L.capacity.nodes);
  let found: Violation | null = null;
  for (let node = shareStart(nodes, part, parts), last = shareStart(nodes, part + 1, parts); node < last; node++) {
    const at = L.nodes + node * NODE_CELLS;
    const tx = i32[at + N_TX]!;
    const entry = i32[at + N_VERSION]!;
    if (entry === EMPTY || entry === UNALLOCATED || (found !== null && tx >= found.tx)) continue;
    const final = incarnationOf(i32[L.status + tx]!);
    if (entry === ESTIMATE || i32[entry + 1] !== final) {
      const what = entry === ESTIMATE ? 'an ESTIMATE' : `incarnation ${i32[entry + 1]}`;
      found = { tx, message: `key ${i32[at + N_KEY]! >>> 0} holds ${what} of transaction ${tx}, whose final incarnation is ${final}` };
    }
  }
  return found;
}

/**
 * The BlockResult from every part of a DONE run (in share order), or the violated invariant as a
 * sentence. `onRelease`, where given, is the result's release() (spec/result.ts loggedResult):
 * the parts' memory is then the executor's again.
 */
export function finalResult(block: Block, parts: readonly FinalPart[], stats: ExecutionStats, onRelease?: () => void): BlockResult | string {
  let gasUsed = 0;
  let counted = block.txs.length;
  let t = 0;
  search: for (const part of parts) {
    for (let i = 0; i < part.log.logged; i++, t++) {
      if (gasUsed >= block.gasLimit) {
        counted = t;
        break search;
      }
      gasUsed += part.log.gas[i]!;
    }
    if (part.violation !== null) {
      if (gasUsed >= block.gasLimit) {
        counted = t;
        break;
      }
      return part.violation.message;
    }
  }
  let node: Violation | null = null;
  for (const part of parts) {
    const v = part.nodeViolation;
    if (v !== null && v.tx < counted && (node === null || v.tx < node.tx)) node = v;
  }
  if (node !== null) return node.message;
  const counting = parts.filter((part) => part.from < counted);
  for (const part of counting) keepOutcomes(part.log, counted - part.from);
  return loggedResult(() => {
    const state = new Map(block.preState);
    for (const part of counting) {
      const writes = part.log.logged === 0 ? 0 : part.writeEnd[part.log.logged - 1]!;
      for (let w = 0; w < writes; w++) state.set(part.writeKeys[w]!, part.writeValues[w]!);
    }
    return state;
  }, { logs: counting.map((part) => part.log), txs: block.txs.length }, stats, onRelease);
}

/** finalizePart and finalResult in one go, with the block split into `parts` shares (the simulated runtime, tests). */
export function finalize(block: Block, L: Layout, i32: Int32Array, stats: ExecutionStats, parts = 1): BlockResult | string {
  return finalResult(block, Array.from({ length: parts }, (_, p) => finalizePart(L, i32, p, parts)), stats);
}

/**
 * The block finished by the sequential executor instead: its result, with the parallel attempt's
 * counters and the reason in stats.fallback. (The stats object is swapped in place so the
 * result's state and roots stay lazy.) `scratch`: the executor's own, kept from block to block.
 */
export function sequentialFallback(block: Block, stats: ExecutionStats, reason: string, scratch?: SequentialScratch): BlockResult {
  const result = executeSequential(block, scratch);
  for (const key of Object.keys(result.stats)) delete result.stats[key];
  Object.assign(result.stats, stats, { fallback: reason });
  return result;
}
