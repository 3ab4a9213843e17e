// The reference executor: the executable specification of a block. Transactions run one after
// another in block order against a plain Map; a successful transaction's writes are applied
// before the next one starts; once cumulative gas reaches the block gas limit, every remaining
// transaction is skipped. Every other executor must produce exactly this result.

import type { Block, BlockResult, Receipt, ReadSet } from './block.js';
import { emptyStats } from './block.js';
import type { Executor } from './executor.js';
import { checkBlock } from './block-check.js';
import { blockResult, readSetOf, receiptOf, SKIPPED } from './result.js';
import { newOutcome, runTransaction, TxStatus, type TxOutcome } from './vm.js';

/** What a pass in the reference order tells its watcher, transaction by transaction. */
export interface ReferenceWatch {
  /** Transaction `tx` reads `key` (a DELTA's base where `forDelta`), before the value is returned. */
  read?(tx: number, key: number, forDelta: boolean): void;
  /** Transaction `tx` has run; its successful writes are applied to the state after this returns. */
  ran?(tx: number, out: TxOutcome): void;
}

/**
 * The reference order itself: runs `block`'s transactions one after another until the block gas
 * limit, telling `watch` what each one does, and returns the final state. The transactions it
 * never told of were skipped. executeReference and every view of the reference execution the
 * property suite takes (properties/trace.ts, undeclared-report.ts) are this one loop, so none can
 * drift from the specification.
 */
export function runReference(block: Block, watch: ReferenceWatch): Map<number, number> {
  const state = new Map(block.preState);
  const out = newOutcome();
  let gasUsed = 0;
  for (const [i, tx] of block.txs.entries()) {
    if (gasUsed >= block.gasLimit) break;
    runTransaction(block.programs[tx.program]!.code, tx.args, tx.gasLimit, {
      read: (key, forDelta) => {
        watch.read?.(i, key, forDelta);
        return state.get(key) ?? 0;
      },
    }, out);
    gasUsed += out.gasUsed;
    watch.ran?.(i, out);
    if (out.status === TxStatus.Success) for (let w = 0; w < out.writeCount; w++) state.set(out.writeKeys[w]!, out.writeValues[w]!);
  }
  return state;
}

export function executeReference(block: Block): BlockResult {
  const receipts: Receipt[] = [];
  const reads: ReadSet[] = [];
  const stats = emptyStats();
  const state = runReference(block, {
    ran: (_, out) => {
      stats.executions++;
      receipts.push(receiptOf(out));
      reads.push(readSetOf(out));
    },
  });
  // The transactions past the block gas limit, never run, are skipped.
  while (receipts.length < block.txs.length) {
    receipts.push(SKIPPED);
    reads.push([]);
  }
  return blockResult(state, receipts, reads, stats);
}

export function referenceExecutor(): Executor {
  return {
    name: 'reference',
    execute: async (block) => {
      checkBlock('reference', block);
      return executeReference(block);
    },
    close: async () => {},
  };
}
