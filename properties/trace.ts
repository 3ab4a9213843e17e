// The reference execution with its provenance: for every transaction, what it wrote and, for every
// key it read, which transaction's write it should have seen (the highest lower transaction that
// wrote the key, or the pre-state). With the block order fixed there is no search: each read has
// exactly one correct source. Also replays one transaction against the reads another executor
// reported, to recover what that executor's final incarnation wrote.
// Invariant: traceReference watches the reference's own pass (spec/reference.ts runReference), so
// its statuses, reads and final state are exactly executeReference's; it only adds provenance.

import type { Block, ReadSet, Receipt } from '../spec/block.js';
import { receiptOf } from '../spec/result.js';
import { runReference } from '../spec/reference.js';
import { newOutcome, runTransaction, TxStatus, type TxOutcome } from '../spec/vm.js';

/** -1 stands for the pre-state. */
export const PRE_STATE = -1;

export interface TxTrace {
  readonly skipped: boolean;
  readonly status: TxStatus;
  /** Successful transactions only: key -> value written. */
  readonly writes: ReadonlyMap<number, number>;
  /** Keys written only by DELTA (the value is base + accumulated amount). */
  readonly deltaKeys: ReadonlySet<number>;
  /** key read -> the transaction whose write it should see (PRE_STATE for the pre-state). */
  readonly sources: ReadonlyMap<number, number>;
  /** Keys whose value only a DELTA's base consulted (not in the read set). */
  readonly deltaBases: ReadonlySet<number>;
  /** Reverted and out-of-gas transactions only: what it wrote before it stopped, which no executor may keep. */
  readonly revertedWrites: ReadonlyMap<number, number>;
}

export interface ReferenceTrace {
  readonly txs: readonly TxTrace[];
  /** key -> last transaction that wrote it. */
  readonly lastWriter: ReadonlyMap<number, number>;
  /** Index of the first skipped transaction, or txs.length when the block gas limit never hit. */
  readonly skipFrom: number;
}

function writesOf(out: TxOutcome): { writes: Map<number, number>; deltaKeys: Set<number> } {
  const writes = new Map<number, number>();
  const deltaKeys = new Set<number>();
  for (let w = 0; w < out.writeCount; w++) {
    writes.set(out.writeKeys[w]!, out.writeValues[w]!);
    if (out.writeIsDelta[w]) deltaKeys.add(out.writeKeys[w]!);
  }
  return { writes, deltaKeys };
}

export function traceReference(block: Block): ReferenceTrace {
  const lastWriter = new Map<number, number>();
  const txs: TxTrace[] = [];
  let sources = new Map<number, number>();
  let deltaBases = new Set<number>();
  runReference(block, {
    read: (_, key, forDelta) => {
      sources.set(key, lastWriter.get(key) ?? PRE_STATE);
      if (forDelta) deltaBases.add(key);
    },
    ran: (i, out) => {
      const { writes, deltaKeys } = out.status === TxStatus.Success ? writesOf(out) : { writes: new Map<number, number>(), deltaKeys: new Set<number>() };
      for (const k of writes.keys()) lastWriter.set(k, i);
      const revertedWrites = new Map<number, number>();
      for (let w = 0; w < out.revertedWriteCount; w++) revertedWrites.set(out.writeKeys[w]!, out.writeValues[w]!);
      txs.push({ skipped: false, status: out.status, writes, deltaKeys, sources, deltaBases, revertedWrites });
      sources = new Map();
      deltaBases = new Set();
    },
  });
  const skipFrom = txs.length;
  for (let i = skipFrom; i < block.txs.length; i++) {
    txs.push({ skipped: true, status: TxStatus.Success, writes: new Map(), deltaKeys: new Set(), sources: new Map(), deltaBases: new Set(), revertedWrites: new Map() });
  }
  return { txs, lastWriter, skipFrom };
}

/** The value of `key` just before transaction `tx` runs in the reference order. */
export function valueBefore(block: Block, trace: ReferenceTrace, key: number, tx: number): number {
  for (let i = tx - 1; i >= 0; i--) {
    const v = trace.txs[i]!.writes.get(key);
    if (v !== undefined) return v;
  }
  return block.preState.get(key) ?? 0;
}

/**
 * What transaction `tx` does when it sees `reads` (another executor's reported reads), and `bases`
 * for DELTA bases. Keys neither gives (a base the caller does not vary) take the reference's value.
 */
export function replayTx(block: Block, trace: ReferenceTrace, tx: number, reads: ReadSet, bases: ReadonlyMap<number, number> = new Map()): { writes: ReadonlyMap<number, number>; receipt: Receipt } {
  const seen = new Map(reads);
  const t = block.txs[tx]!;
  const out = runTransaction(block.programs[t.program]!.code, t.args, t.gasLimit, {
    read: (key, forDelta) => (forDelta ? bases.get(key) : undefined) ?? seen.get(key) ?? valueBefore(block, trace, key, tx),
  }, newOutcome());
  return { writes: out.status === TxStatus.Success ? writesOf(out).writes : new Map(), receipt: receiptOf(out) };
}

/** What transaction `tx` writes when it sees `reads`. */
export function replayWrites(block: Block, trace: ReferenceTrace, tx: number, reads: ReadSet): ReadonlyMap<number, number> {
  return replayTx(block, trace, tx, reads).writes;
}
