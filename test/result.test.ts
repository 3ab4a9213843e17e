// The OutcomeLog behind every optimized executor's receipts and read sets: it must build exactly
// what receiptOf/readSetOf build however far its arrays grow, read every transaction it was not
// given as skipped, and refuse an outcome logged out of block order. Consecutive logs (one per
// worker's share of a block) must read exactly as one log holding them all.
import { describe, expect, it } from 'vitest';
import { emptyStats } from '../spec/block.js';
import {
  blockResult, keepOutcomes, loggedResult, logOutcome, newOutcomeLog, readSetOf, receiptOf, sharedOutcomeLog, SKIPPED,
} from '../spec/result.js';
import { newOutcome, TxStatus, type TxOutcome } from '../spec/vm.js';

function outcome(t: number): TxOutcome {
  const out = newOutcome();
  out.status = t % 5 === 3 ? TxStatus.Reverted : t % 7 === 6 ? TxStatus.OutOfGas : TxStatus.Success;
  out.code = out.status === TxStatus.Reverted ? -t : 0;
  out.gasUsed = 100 + t;
  out.outputCount = t % 4;
  for (let o = 0; o < out.outputCount; o++) out.outputs[o] = t * 10 + o;
  out.readCount = t % 6;
  for (let r = 0; r < out.readCount; r++) [out.readKeys[r], out.readValues[r]] = [t * 100 + r, 2 ** 52 + r];
  return out;
}

describe('OutcomeLog', () => {
  it('builds the receipts and read sets receiptOf and readSetOf build, past its first capacity', () => {
    const n = 50;
    const log = newOutcomeLog(n);
    for (let t = 0; t < 48; t++) logOutcome(log, t, outcome(t));
    const r = loggedResult(new Map([[1, 2]]), log, emptyStats());
    const expected = Array.from({ length: n }, (_, t) => outcome(t));
    const receipts = expected.map((o, t) => (t >= 48 ? SKIPPED : receiptOf(o)));
    const reads = expected.map((o, t) => (t >= 48 ? [] : readSetOf(o)));
    expect(r.receipts).toEqual(receipts);
    expect(r.reads).toEqual(reads);
    expect(r.receipts).toBe(r.receipts);
    const eager = blockResult(new Map([[1, 2]]), receipts, reads, emptyStats());
    expect([r.gasUsed, r.receiptsRoot, r.stateRoot]).toEqual([eager.gasUsed, eager.receiptsRoot, eager.stateRoot]);
  });

  it('reads an unlogged transaction as skipped, and takes outcomes only in block order', () => {
    const log = newOutcomeLog(3);
    logOutcome(log, 0, outcome(1));
    expect(() => logOutcome(log, 2, outcome(2))).toThrow('outcome of transaction 2 logged out of order (expected 1)');
    const r = loggedResult(new Map(), log, emptyStats());
    expect([r.receipts[1], r.reads[1], r.receipts[2], r.gasUsed]).toEqual([SKIPPED, [], SKIPPED, 101]);
  });

  it('reads consecutive logs, shared or not, cut where the later transactions were skipped, as one log', () => {
    const n = 40;
    const whole = newOutcomeLog(n);
    for (let t = 0; t < 33; t++) logOutcome(whole, t, outcome(t));
    // Shares [0, 10), [10, 25), [25, 40): the last cut at 33, where the gas limit stopped the block.
    const shares = [[0, 10], [10, 25], [25, 40]].map(([from, to], i) => {
      const outs = Array.from({ length: to! - from! }, (_, k) => outcome(from! + k));
      const log = i === 1
        ? sharedOutcomeLog(outs.length, outs.reduce((a, o) => a + o.outputCount, 0), outs.reduce((a, o) => a + o.readCount, 0))
        : newOutcomeLog(outs.length);
      outs.forEach((o, k) => logOutcome(log, k, o));
      return log;
    });
    expect(shares[1]!.readKeys.buffer).toBeInstanceOf(SharedArrayBuffer);
    keepOutcomes(shares[2]!, 33 - 25);
    expect([shares[2]!.logged, shares[2]!.gasUsed]).toEqual([8, Array.from({ length: 8 }, (_, k) => 100 + 25 + k).reduce((a, g) => a + g)]);
    const joined = loggedResult(new Map(), { logs: shares, txs: n }, emptyStats());
    const single = loggedResult(new Map(), whole, emptyStats());
    expect(joined.receipts).toEqual(single.receipts);
    expect(joined.reads).toEqual(single.reads);
    expect([joined.gasUsed, joined.receiptsRoot]).toEqual([single.gasUsed, single.receiptsRoot]);
    expect(loggedResult(new Map(), { logs: [], txs: 2 }, emptyStats()).receipts).toEqual([SKIPPED, SKIPPED]);
  });
});
