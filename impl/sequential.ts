// The fast sequential executor: the honest baseline every speedup is measured against. Same VM
// and same block-order semantics as the reference, but state lives in a typed-array hash table
// instead of a Map, and outcomes go to an OutcomeLog: per-transaction work allocates nothing.
// The table holds the keys the block touches. A pre-state no larger than what the block is
// expected to touch is copied in first (iterating a Map beats a lookup per key); a larger one is
// read through, each key loaded on its first read, so a block costs what it touches, not the size
// of the state. An executor keeps its table from block to block, as the parallel executors keep
// their shared buffers: on this project's 2-core VM fresh memory costs about 13 us a page, and a
// table allocated per block made the baseline slower in a long benchmark process than alone. The
// result therefore keeps a copy of the touched entries, never the table. The copy and the outcome
// log are the result's own until its release() (BlockResult.release): then they go back to the
// scratch, and a later block writes into them instead of into fresh pages.
// A TxWatch sees the transactions it asks for run (the modular executor reports undeclared
// accesses that way when its preflight sends a block here); it changes nothing they do.
// Invariant: its BlockResult equals the reference's for every block (checked by the tests), and
// stays equal after the table is reused for later blocks; a result's log and copy are written by a
// later block only after that result was released (impl/spare-memory.ts).

import type { Block, BlockResult } from '../spec/block.js';
import { emptyStats } from '../spec/block.js';
import type { Executor } from '../spec/executor.js';
import { checkBlock } from '../spec/block-check.js';
import { loggedResult, logOutcome, reusedOutcomeLog, type OutcomeLog } from '../spec/result.js';
import { newOutcome, runTransaction, TxStatus, type StateView, type TxOutcome } from '../spec/vm.js';
import { resetKeyTable, tableGetOrLoad, tablePairs, tableSet, type KeyTable } from './key-table.js';
import { float64sFor, SpareShelf } from './spare-memory.js';

/** What released results handed back: an outcome log and the array their touched entries were copied into. */
interface ResultMemory {
  readonly log: OutcomeLog;
  readonly pairs: Float64Array;
}

/** What the sequential executor keeps from block to block. */
export interface SequentialScratch {
  table: KeyTable | null;
  readonly spares: SpareShelf<ResultMemory>;
}

export function newSequentialScratch(): SequentialScratch {
  return { table: null, spares: new SpareShelf(4) };
}

/** An observer of some transactions' accesses. */
export interface TxWatch {
  /** Whether the transaction at this index is watched. */
  watches(tx: number): boolean;
  /** Before a watched transaction runs: the view it runs against, which must read through `view`. */
  begin(tx: number, view: StateView): StateView;
  /** After it ran, its outcome. */
  end(out: TxOutcome): void;
}

export function executeSequential(block: Block, scratch: SequentialScratch = newSequentialScratch(), watch: TxWatch | null = null): BlockResult {
  const pre = block.preState;
  const expected = block.txs.length * 2;
  const eager = pre.size <= expected;
  const table = (scratch.table = resetKeyTable(scratch.table, eager ? pre.size + expected : expected));
  if (eager) for (const [k, v] of pre) tableSet(table, k, v);
  const load = eager ? () => 0 : (key: number) => pre.get(key) ?? 0;
  const view: StateView = { read: (key) => tableGetOrLoad(table, key, load) };
  const spare = scratch.spares.take();
  const log = reusedOutcomeLog(spare?.log, block.txs.length);
  const out = newOutcome();
  const stats = emptyStats();
  let gasUsed = 0;
  const { txs, programs } = block;
  for (let i = 0; i < txs.length; i++) {
    if (gasUsed >= block.gasLimit) break;
    const tx = txs[i]!;
    const watched = watch !== null && watch.watches(i);
    runTransaction(programs[tx.program]!.code, tx.args, tx.gasLimit, watched ? watch.begin(i, view) : view, out);
    if (watched) watch.end(out);
    stats.executions++;
    if (out.status === TxStatus.Success) {
      for (let w = 0; w < out.writeCount; w++) tableSet(table, out.writeKeys[w]!, out.writeValues[w]!);
    }
    gasUsed += out.gasUsed;
    logOutcome(log, i, out);
  }
  // A key read but not written holds its pre-state value, so laying every touched entry over the
  // pre-state is exact.
  const pairs = float64sFor(2 * table.size, spare?.pairs);
  const touched = tablePairs(table, pairs);
  return loggedResult(() => {
    const state = new Map(pre);
    for (let p = 0; p < touched.length; p += 2) state.set(touched[p]!, touched[p + 1]!);
    return state;
  }, { logs: [log], txs: txs.length }, stats, () => scratch.spares.give({ log, pairs }));
}

export function sequentialExecutor(): Executor {
  const scratch = newSequentialScratch();
  return {
    name: 'sequential',
    execute: async (block) => {
      checkBlock('sequential', block);
      return executeSequential(block, scratch);
    },
    close: async () => {},
  };
}
