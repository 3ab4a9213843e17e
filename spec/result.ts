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
 * Assembles the result. `state` is the final state, or a function producing it for executors
 * whose state lives elsewhere (typed arrays, shared memory); either way the map is taken over and
 * its zero entries are deleted. The state map and the two roots are materialised on first
 * access, the same way for every executor, so timing an execute() measures execution rather than
 * converting and hashing the result (the Block-STM paper's figures likewise exclude commit).
 */
export function blockResult(
  state: Map<number, number> | (() => Map<number, number>), receipts: readonly Receipt[], reads: readonly ReadSet[], stats: ExecutionStats,
): BlockResult {
  let gasUsed = 0;
  for (const r of receipts) gasUsed += r.gasUsed;
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
      return (rr ??= receiptsRoot(receipts));
    },
    receipts, reads, gasUsed, stats,
  };
}
