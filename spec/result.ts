// Building a BlockResult from per-transaction outcomes: the one place that decides what a
// receipt and a read set look like, shared by every executor so they cannot disagree on form.

import type { BlockResult, ExecutionStats, Receipt, ReadSet, Status } from './block.js';
import { nonZero, receiptsRoot, stateRoot } from './state.js';
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

export function blockResult(
  state: ReadonlyMap<number, number>, receipts: readonly Receipt[], reads: readonly ReadSet[], stats: ExecutionStats,
): BlockResult {
  const finalState = nonZero(state);
  let gasUsed = 0;
  for (const r of receipts) gasUsed += r.gasUsed;
  return { stateRoot: stateRoot(finalState), receiptsRoot: receiptsRoot(receipts), receipts, reads, gasUsed, state: finalState, stats };
}
