// The reference executor: the executable specification of a block. Transactions run one after
// another in block order against a plain Map; a successful transaction's writes are applied
// before the next one starts; once cumulative gas reaches the block gas limit, every remaining
// transaction is skipped. Every other executor must produce exactly this result.

import type { Block, BlockResult, Receipt, ReadSet } from './block.js';
import { emptyStats } from './block.js';
import type { Executor } from './executor.js';
import { checkBlock } from './block-check.js';
import { blockResult, readSetOf, receiptOf, SKIPPED } from './result.js';
import { newOutcome, runTransaction, TxStatus } from './vm.js';

export function executeReference(block: Block): BlockResult {
  const state = new Map(block.preState);
  const view = { read: (key: number) => state.get(key) ?? 0 };
  const receipts: Receipt[] = [];
  const reads: ReadSet[] = [];
  const out = newOutcome();
  const stats = emptyStats();
  let gasUsed = 0;
  for (const tx of block.txs) {
    if (gasUsed >= block.gasLimit) {
      receipts.push(SKIPPED);
      reads.push([]);
      continue;
    }
    runTransaction(block.programs[tx.program]!.code, tx.args, tx.gasLimit, view, out);
    stats.executions++;
    if (out.status === TxStatus.Success) {
      for (let w = 0; w < out.writeCount; w++) state.set(out.writeKeys[w]!, out.writeValues[w]!);
    }
    gasUsed += out.gasUsed;
    receipts.push(receiptOf(out));
    reads.push(readSetOf(out));
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
