// The fast sequential executor: the honest baseline every speedup is measured against. Same VM
// and same block-order semantics as the reference, but state lives in a typed-array hash table
// instead of a Map, and outcomes go to an OutcomeLog: per-transaction work allocates nothing.
// Invariant: its BlockResult equals the reference's for every block (checked by the tests).

import type { Block, BlockResult } from '../spec/block.js';
import { emptyStats } from '../spec/block.js';
import type { Executor } from '../spec/executor.js';
import { loggedResult, logOutcome, newOutcomeLog } from '../spec/result.js';
import { newOutcome, runTransaction, TxStatus, type StateView } from '../spec/vm.js';
import { newKeyTable, tableEntries, tableGet, tableSet, type KeyTable } from './key-table.js';

export function executeSequential(block: Block): BlockResult {
  const table: KeyTable = newKeyTable(block.preState.size + block.txs.length * 2);
  for (const [k, v] of block.preState) tableSet(table, k, v);
  const view: StateView = { read: (key) => tableGet(table, key) };
  const log = newOutcomeLog(block.txs.length);
  const out = newOutcome();
  const stats = emptyStats();
  let gasUsed = 0;
  const { txs, programs } = block;
  for (let i = 0; i < txs.length; i++) {
    if (gasUsed >= block.gasLimit) break;
    const tx = txs[i]!;
    runTransaction(programs[tx.program]!.code, tx.args, tx.gasLimit, view, out);
    stats.executions++;
    if (out.status === TxStatus.Success) {
      for (let w = 0; w < out.writeCount; w++) tableSet(table, out.writeKeys[w]!, out.writeValues[w]!);
    }
    gasUsed += out.gasUsed;
    logOutcome(log, i, out);
  }
  return loggedResult(() => tableEntries(table), log, stats);
}

export function sequentialExecutor(): Executor {
  return {
    name: 'sequential',
    execute: async (block) => executeSequential(block),
    close: async () => {},
  };
}
