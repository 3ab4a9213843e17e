// The mismatch explainer: each anomaly, produced by a small hand-made wrong result, gets its name,
// its transaction and key, expected vs actual, and the versions the read came from and should have;
// and a block an executor changed (properties/block-change.ts) is named where it changed and put back.
// Also fromConcord: whether a throw out of a command is Concord's own (a bug) or a user's code's.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReadableOp } from '../spec/bytecode.js';
import { emptyStats, statsProblem, type Block, type BlockResult, type Program, type Receipt, type ReadSet } from '../spec/block.js';
import { contractProgram } from '../spec/contracts.js';
import { executeReference } from '../spec/reference.js';
import { blockResult } from '../spec/result.js';
import { blockSpecArb, buildBlock, type BlockSpec } from '../properties/arbitraries.js';
import { snapshotBlock, tableChange, undoChange } from '../properties/block-change.js';
import { SharedState, sharedTable, tableDisagreement, withSharedState } from '../spec/shared-state.js';
import { checkRun, type Subject } from '../properties/equivalence.js';
import { newObserver } from '../properties/runner.js';
import { afterEarlierBlocks, afterRunBlocks, explain, formatExplanation, fromConcord, sameResult } from '../properties/explain.js';
import { PRE_STATE } from '../properties/trace.js';
import { blockOf } from './helpers.js';

/** A copy of `r` with some parts replaced, built the way every executor builds results. */
function altered(r: BlockResult, o: { state?: Map<number, number>; receipts?: Receipt[]; reads?: ReadSet[] }): BlockResult {
  return blockResult(o.state ?? new Map(r.state), o.receipts ?? [...r.receipts], o.reads ?? [...r.reads], r.stats);
}

// tx0: k1 = 5; tx1: k1 += 2 (read then write); tx2: emits k1. Keys 1 and 2; pre-state k1 = 1, k2 = 7.
const chainTxs: { ops: ReadableOp[] }[] = [
  { ops: [['const', 'r0', 1], ['const', 'r1', 5], ['write', 'r0', 'r1']] },
  { ops: [['const', 'r0', 1], ['read', 'r1', 'r0'], ['addi', 'r1', 'r1', 2], ['write', 'r0', 'r1']] },
  { ops: [['const', 'r0', 1], ['read', 'r1', 'r0'], ['emit', 'r1']] },
];
const chain = blockOf(chainTxs, [[1, 1], [2, 7]]);
const good = executeReference(chain);
// A stale read as an executor makes one: tx 1 saw the pre-state's 1, so wrote 3, which tx 2 read and emitted.
const staleAt1 = altered(good, { reads: [good.reads[0]!, [[1, 1]], [[1, 3]]], receipts: [good.receipts[0]!, good.receipts[1]!, { ...good.receipts[2]!, outputs: [3] }], state: new Map([[1, 3], [2, 7]]) });
/** tx 2 saw `v` at k1, and emitted it. */
const tx2Saw = (v: number) => altered(good, { reads: [good.reads[0]!, good.reads[1]!, [[1, v]]], receipts: [good.receipts[0]!, good.receipts[1]!, { ...good.receipts[2]!, outputs: [v] }] });

describe('explain', () => {
  it('finds nothing when results agree', () => {
    expect(explain(chain, good, executeReference(chain))).toBeUndefined();
    expect(sameResult(good, executeReference(chain))).toBe(true);
  });

  it('names a stale read: tx 1 saw the pre-state instead of tx 0', () => {
    const x = explain(chain, good, staleAt1)!;
    expect(x).toMatchObject({ anomaly: 'stale read', tx: 1, key: 1, expected: '5', actual: '1', shouldComeFrom: { tx: 0 }, cameFrom: { tx: PRE_STATE } });
    expect(formatExplanation(x).join('\n')).toMatch(/stale read[\s\S]*tx 1[\s\S]*expected {5}5 {2}\(from tx 0\)[\s\S]*actual {7}1 {2}\(from the pre-state\)/);
  });

  // helper 93's audit: an executor that re-executed tx 1 right but reported its first execution's
  // reads was said to have read stale; its receipt and state show it read the right value.
  it('names a read set the transaction\'s own outcome contradicts a wrong read set, not a stale read', () => {
    // Pre-state k0 = 0; tx 0 writes 5 to k0; tx 1 reads k0 and emits it (5).
    const writer: { ops: ReadableOp[] } = { ops: [['const', 'r1', 0], ['const', 'r2', 5], ['write', 'r1', 'r2']] };
    const block = blockOf([writer, { ops: [['const', 'r1', 0], ['read', 'r2', 'r1'], ['emit', 'r2']] }], [[0, 0]]);
    const ref = executeReference(block);
    const x = explain(block, ref, altered(ref, { reads: [ref.reads[0]!, [[0, 0]]] }))!;
    expect(x).toMatchObject({ anomaly: 'wrong read set', tx: 1, key: 0, expected: '5', actual: '0', shouldComeFrom: { tx: 0 }, cameFrom: { tx: PRE_STATE } });
    expect(x.detail).toBe('tx 1 reports reading 0 at #0.balance (the pre-state\'s value), yet its receipt is the reference\'s (success gas 26 outputs [5]) '
      + 'and replayed on the reported reads the program gives success gas 26 outputs [0]: it ran on what the reference read (5 from tx 0), '
      + 'and the read set it reports is not the one its outcome came from (an earlier execution\'s, say). The fault is in putting the result together, not in the order the transactions ran.');
    // The receipt that goes with the read: a stale read.
    const stale = explain(block, ref, altered(ref, { reads: [ref.reads[0]!, [[0, 0]]], receipts: [ref.receipts[0]!, { ...ref.receipts[1]!, outputs: [0] }] }))!;
    expect(stale).toMatchObject({ anomaly: 'stale read', tx: 1 });
    expect(stale.detail).toBe('tx 1 saw the pre-state instead of the newer write of tx 0. It should have read 5 from tx 0.');
    // A read nothing depends on: the read set alone cannot tell the two apart, and the report says so.
    const unused = blockOf([writer, { ops: [['const', 'r1', 0], ['read', 'r2', 'r1']] }], [[0, 0]]);
    const unusedRef = executeReference(unused);
    const blind = explain(unused, unusedRef, altered(unusedRef, { reads: [[], [[0, 0]]] }))!;
    expect(blind).toMatchObject({ anomaly: 'stale read', tx: 1 });
    expect(blind.detail).toBe('tx 1 saw the pre-state instead of the newer write of tx 0; nothing it did depends on the value (replayed on the reported reads it gives the reference\'s receipt and writes), '
      + 'so only its read set shows the stale read, and a read set reported from another execution than the one kept would look the same. It should have read 5 from tx 0.');
  });

  it('names a wrong read set where the transaction\'s writes, in the final state or a later read, contradict its reported reads', () => {
    // tx 1 reports the pre-state's 1 at k1, yet the result holds 7, its write of 5 + 2, not 1 + 2.
    const x = explain(chain, good, altered(good, { reads: [good.reads[0]!, [[1, 1]], good.reads[2]!] }))!;
    expect(x).toMatchObject({ anomaly: 'wrong read set', tx: 1, key: 1, expected: '5', actual: '1' });
    expect(x.detail).toMatch(/and replayed on the reported reads the program writes 3 to #0\.seq, but the final state holds 7, its write in the reference: it ran on what the reference read \(5 from tx 0\)/);
    // With a tx 3 that overwrites k1, the final state hides tx 1's write, and tx 2's read of it shows it.
    const block = blockOf([...chainTxs, { ops: [['const', 'r0', 1], ['const', 'r1', 0], ['write', 'r0', 'r1']] }], [[1, 1], [2, 7]]);
    const ref = executeReference(block);
    const y = explain(block, ref, altered(ref, { reads: [ref.reads[0]!, [[1, 1]], ref.reads[2]!, ref.reads[3]!] }))!;
    expect(y).toMatchObject({ anomaly: 'wrong read set', tx: 1 });
    expect(y.detail).toMatch(/the program writes 3 to #0\.seq, but tx 2 read 7 there, its write in the reference/);
  });

  // helper 93's audit: a VM whose READ ignored the transaction's own writes was said to report a read set the program cannot make.
  it('names a read of a key the transaction wrote earlier that got the value from before its write a read-your-write violation', () => {
    // Pre-state k0 = 7; tx 0 writes 5 to k0, reads it back and emits it (5, from its own write: no read of the state).
    const block = blockOf([{ ops: [['const', 'r1', 0], ['const', 'r2', 5], ['write', 'r1', 'r2'], ['read', 'r3', 'r1'], ['emit', 'r3']] }], [[0, 7]]);
    const ref = executeReference(block);
    expect(ref.reads[0]).toEqual([]);
    const x = explain(block, ref, altered(ref, { reads: [[[0, 7]]], receipts: [{ ...ref.receipts[0]!, outputs: [7] }] }))!;
    expect(x).toMatchObject({ anomaly: 'read-your-write violation', tx: 0, key: 0, expected: '[]', actual: '[#0.balance=7]', cameFrom: { tx: PRE_STATE } });
    expect(x.elle).toMatch(/^internal/);
    expect(x.detail).toBe('tx 0 wrote #0.balance and then read it, a read the VM serves from the transaction\'s own write (the reference\'s read set leaves the key out), '
      + 'yet it reports reading 7 there, the pre-state\'s value from before its own write: the read went past the transaction\'s own write to the state. '
      + 'Its receipt shows the value used: success gas 67 outputs [7], where the reference\'s is success gas 67 outputs [5].');
    // Where the outcome does not show the read (the values coincide, or a blind write is reported
    // as a read: helper 96's review), nothing tells a read past the write from a read the program
    // never made, so it stays a wrong read set.
    const same = blockOf([{ ops: [['const', 'r1', 0], ['write', 'r1', 'r1'], ['read', 'r3', 'r1']] }], [[0, 0]]);
    const sameRef = executeReference(same);
    expect(explain(same, sameRef, altered(sameRef, { reads: [[[0, 0]]] }))).toMatchObject({ anomaly: 'wrong read set', tx: 0 });
    const blind = blockOf([{ ops: [['const', 'r1', 0], ['const', 'r2', 5], ['write', 'r1', 'r2']] }], [[0, 7]]);
    const blindRef = executeReference(blind);
    expect(explain(blind, blindRef, altered(blindRef, { reads: [[[0, 7]]] }))).toMatchObject({ anomaly: 'wrong read set', tx: 0 });
  });

  // Shrinking drives values to 0, so a wrong version often holds the right value: then the versions are what differs.
  it('leads with the versions when the expected and actual values coincide', () => {
    const x = { ...explain(chain, good, staleAt1)!, expected: '0', actual: '0' };
    const lines = formatExplanation(x);
    expect(lines).toContain('expected     from tx 0  (value 0)');
    expect(lines).toContain('actual       from the pre-state  (value 0 too: the values coincide, so the version read is the difference)');
  });

  it('names a read of a later transaction: tx 0 saw what tx 1 wrote', () => {
    const block = blockOf([
      { ops: [['const', 'r0', 1], ['read', 'r1', 'r0'], ['emit', 'r1']] },
      { ops: [['const', 'r0', 1], ['const', 'r1', 9], ['write', 'r0', 'r1']] },
    ], [[1, 1]]);
    const ref = executeReference(block);
    const bad = altered(ref, { reads: [[[1, 9]], ref.reads[1]!], receipts: [{ ...ref.receipts[0]!, outputs: [9] }, ref.receipts[1]!] });
    expect(explain(block, ref, bad)).toMatchObject({ anomaly: 'read of a later transaction', tx: 0, cameFrom: { tx: 1 }, shouldComeFrom: { tx: PRE_STATE } });
  });

  it('names a read of an aborted incarnation from the provenance the run recorded', () => {
    const bad = tx2Saw(4);
    const prov = { readFrom: () => ({ tx: 1, incarnation: 0 }), finalIncarnation: (tx: number) => (tx === 1 ? 1 : 0) };
    expect(explain(chain, good, bad, prov)).toMatchObject({ anomaly: 'read of an aborted incarnation', tx: 2, cameFrom: { tx: 1, incarnation: 0 }, shouldComeFrom: { tx: 1, incarnation: 1 } });
    // Without provenance, a value nobody committed is still an aborted incarnation's.
    expect(explain(chain, good, bad)).toMatchObject({ anomaly: 'read of an aborted incarnation', tx: 2 });
  });

  it('calls a read of a value no transaction wrote, in a block that fails only after earlier blocks, a read of an earlier block', () => {
    const x = afterEarlierBlocks(explain(chain, good, tx2Saw(4))!);
    expect(x).toMatchObject({ anomaly: 'read of an earlier block', tx: 2, key: 1, expected: '7', actual: '4' });
    expect(x.detail).toBe('tx 2 saw 4, which no transaction of this block wrote to #0.seq, and the block passes on a fresh instance: '
      + 'the executor kept the value from an earlier block (state not cleared between blocks). It should have read 7 from tx 1.');
    // A read whose source is known keeps its anomaly.
    const stale = explain(chain, good, staleAt1)!;
    expect(afterEarlierBlocks(stale)).toBe(stale);
  });

  // run --after named it an aborted incarnation's read, where verify named it a read of an earlier block.
  it('calls such a read, after the earlier blocks run --after ran first, one of the block that left the value there', () => {
    const x = afterRunBlocks(explain(chain, good, tx2Saw(4))!, [new Map([[1, 4], [2, 9]]), new Map([[2, 4]])]);
    expect(x).toMatchObject({ anomaly: 'read of an earlier block', tx: 2, key: 1, expected: '7', actual: '4' });
    expect(x.detail).toBe('tx 2 saw 4, which no transaction of this block wrote to #0.seq; 4 is what earlier block 1 (of those --after ran first) left at #0.seq: '
      + 'the executor likely kept the value from an earlier block (state not cleared between blocks). It should have read 7 from tx 1.');
    // Where no earlier block left the value at the key, run cannot tell, and says what explain says.
    const alone = explain(chain, good, tx2Saw(4))!;
    expect(afterRunBlocks(alone, [new Map([[2, 4]]), new Map()])).toBe(alone);
    expect(alone.detail).toMatch(/one kept from outside this block: an earlier block's, kept by the executor instance or by its process, in module-level state that every instance shares\)/);
  });

  it('names receipts listed out of block order, only when the reads are right and the receipts a permutation', () => {
    const block = blockOf([{ ops: [['const', 'r0', 1], ['emit', 'r0']] }, { ops: [['const', 'r0', 2], ['emit', 'r0'], ['emit', 'r0']] }], [[1, 1]]);
    const ref = executeReference(block);
    const swapped = explain(block, ref, altered(ref, { receipts: [ref.receipts[1]!, ref.receipts[0]!] }))!;
    expect(swapped).toMatchObject({ anomaly: 'wrong receipt', tx: 0 });
    expect(swapped.detail).toBe('the executor\'s receipts are the reference\'s in another order: tx 0 got the receipt of tx 1, and tx 1 got tx 0\'s. Receipts must be listed in block order, one per transaction.');
    // tx 0's receipt given to both: not a permutation, so a plain wrong receipt.
    const twice = explain(block, ref, altered(ref, { receipts: [ref.receipts[1]!, ref.receipts[1]!] }))!;
    expect(twice.detail).not.toMatch(/another order/);
  });

  it('names a lost write when reads and receipts match but a committed write is missing', () => {
    const state = new Map(good.state);
    state.set(1, 5);
    const x = explain(chain, good, altered(good, { state }))!;
    expect(x).toMatchObject({ anomaly: 'lost write', key: 1, tx: 1, expected: '7', actual: '5', shouldComeFrom: { tx: 1 }, cameFrom: { tx: 0 } });
    // tx 1 read tx 0's write, so no order of the two runs gives this: their writes were applied out of order, or tx 1's dropped.
    expect(x.detail).toBe('Every read and receipt matched, yet the final value 5 is tx 0\'s committed write, applied after tx 1\'s: the matching reads say both ran in block order, '
      + 'so their writes were merged or committed out of it (a merge or commit-order fault); or the committed write of tx 1 is missing.');
    state.set(1, 1);
    const y = explain(chain, good, altered(good, { state }))!;
    expect(y).toMatchObject({ anomaly: 'lost write', cameFrom: { tx: PRE_STATE } });
    expect(y.detail).toBe('Every read and receipt matched, yet the final value 1 is an older value of the key (the pre-state\'s): the committed write of tx 1 is missing.');
  });

  it('names a wrong final value (a delta resolved against the wrong base)', () => {
    const block = blockOf([
      { ops: [['const', 'r0', 1], ['const', 'r1', 3], ['delta', 'r0', 'r1', 0, 100]] },
    ], [[1, 1]]);
    const ref = executeReference(block);
    const state = new Map(ref.state);
    state.set(1, 3);
    const x = explain(block, ref, altered(ref, { state }))!;
    expect(x).toMatchObject({ anomaly: 'wrong final value', key: 1, expected: '4', actual: '3' });
    expect(x.detail).toMatch(/DELTA/);
  });

  it('tells a DELTA resolved against an older version (named) from one applied twice', () => {
    // Pre-state k1 = 1; tx0: k1 = 5; tx1: k1 += 3 by DELTA, so 8.
    const block = blockOf([
      { ops: [['const', 'r0', 1], ['const', 'r1', 5], ['write', 'r0', 'r1']] },
      { ops: [['const', 'r0', 1], ['const', 'r1', 3], ['delta', 'r0', 'r1', 0, 100]] },
    ], [[1, 1]]);
    const ref = executeReference(block);
    const withFinal = (v: number) => explain(block, ref, altered(ref, { state: new Map([...ref.state, [1, v]]) }))!;
    expect(withFinal(4).detail).toBe('Every read and receipt matched, yet the final value 4 was written by no committed transaction; tx 1 wrote it by DELTA of 3, resolved against the pre-state\'s value 1 instead of 5.');
    expect(withFinal(11).detail).toBe('Every read and receipt matched, yet the final value 11 is tx 1\'s DELTA of 3 applied twice to the right base, 5.');
    // 5 is tx 0's write, and also 2 + 3: a lost write, or a DELTA against a base of 2, which no version holds: no second reading.
    expect(withFinal(5)).toMatchObject({ anomaly: 'lost write', cameFrom: { tx: 0 } });
    expect(withFinal(5).detail).not.toMatch(/coincide/);
  });

  it('blames a DELTA resolved against an older version on its writer when only a later read shows it', () => {
    // Pre-state k1 = 1; tx0: k1 = 5; tx1: k1 += 3 by DELTA (8); tx2 emits k1; tx3: k1 = 0, so the final state hides tx 1's write.
    const block = blockOf([
      { ops: [['const', 'r0', 1], ['const', 'r1', 5], ['write', 'r0', 'r1']] },
      { ops: [['const', 'r0', 1], ['const', 'r1', 3], ['delta', 'r0', 'r1', 0, 100]] },
      { ops: [['const', 'r0', 1], ['read', 'r1', 'r0'], ['emit', 'r1']] },
      { ops: [['const', 'r0', 1], ['const', 'r1', 0], ['write', 'r0', 'r1']] },
    ], [[1, 1]]);
    const ref = executeReference(block);
    const readerSaw = (v: number) => explain(block, ref, altered(ref, {
      reads: ref.reads.map((r, i) => (i === 2 ? [[1, v]] : r)), receipts: ref.receipts.map((r, i) => (i === 2 ? { ...r, outputs: [v] } : r)),
    }))!;
    const x = readerSaw(4);
    expect(x).toMatchObject({ anomaly: 'stale read', tx: 1, key: 1, expected: '5', actual: '1', shouldComeFrom: { tx: 0 }, cameFrom: { tx: PRE_STATE } });
    expect(x.detail).toBe('tx 1\'s DELTA of 3 on #0.seq was resolved against the base 1 from the pre-state instead of 5 from tx 0, so it wrote 4 where the reference writes 8; '
      + 'tx 2 read that write, the first read that differs. DELTA bases are not part of the read set, so only a later read of the key shows it.');
    expect(readerSaw(11)).toMatchObject({ anomaly: 'read of an aborted incarnation', tx: 2 });
    expect(readerSaw(11).detail).toMatch(/^tx 2 read tx 1's write, as it should, but that is its DELTA of 3 applied twice to the right base, 5\./);
    // No version plus 3 gives 100: the read is left unexplained, as before.
    expect(readerSaw(100).detail).toMatch(/no committed incarnation of any transaction wrote/);
    // Only that last resort is one a caller knowing earlier blocks may name (run --after, verify):
    // a DELTA applied twice stays what it is, whatever an earlier block left.
    expect(readerSaw(100).noWriter).toBe(true);
    expect(readerSaw(11).noWriter).toBeUndefined();
    expect(afterRunBlocks(readerSaw(11), [new Map([[1, 11]])])).toEqual(readerSaw(11));
    expect(afterEarlierBlocks(readerSaw(11))).toEqual(readerSaw(11));
    expect(afterRunBlocks(readerSaw(100), [new Map([[1, 100]])]).anomaly).toBe('read of an earlier block');
  });

  it('names a reverted transaction whose write was kept, in a later read and in the final state', () => {
    // Pre-state k1 = 1; tx0: k1 = 9, then reverts with code 7; tx1 emits k1 (1 in the reference).
    const block = blockOf([
      { ops: [['const', 'r0', 1], ['const', 'r1', 9], ['write', 'r0', 'r1'], ['revert', 7]] },
      { ops: [['const', 'r0', 1], ['read', 'r1', 'r0'], ['emit', 'r1']] },
    ], [[1, 1]]);
    const ref = executeReference(block);
    const read = explain(block, ref, altered(ref, { reads: [ref.reads[0]!, [[1, 9]]], receipts: [ref.receipts[0]!, { ...ref.receipts[1]!, outputs: [9] }] }))!;
    expect(read).toMatchObject({ anomaly: 'read of an aborted incarnation', tx: 1, key: 1, expected: '1', actual: '9', cameFrom: { tx: 0 } });
    expect(read.detail).toBe('tx 1 saw 9, which tx 0 wrote before it reverted: tx 0 reverted (code 7) in the reference, so none of its writes may be kept. It should have read 1 from the pre-state.');
    const state = explain(block, ref, altered(ref, { state: new Map([[1, 9]]) }))!;
    expect(state).toMatchObject({ anomaly: 'wrong final value', tx: 0, key: 1, expected: '1', actual: '9', cameFrom: { tx: 0 } });
    expect(state.detail).toBe('Every read and receipt matched, yet the final value 9 is what tx 0 wrote before it reverted: tx 0 reverted (code 7) in the reference, so none of its writes may be kept.');
  });

  it('says a transaction that ran out of gas ran out of gas, not that it reverted with code 0', () => {
    // Pre-state k1 = 1; tx0: k1 = 9, then runs out of gas (43 of 44); tx1 emits k1 (1 in the reference).
    const block = blockOf([
      { ops: [['const', 'r0', 1], ['const', 'r1', 9], ['write', 'r0', 'r1'], ['const', 'r2', 1], ['const', 'r2', 1]], gasLimit: 43 },
      { ops: [['const', 'r0', 1], ['read', 'r1', 'r0'], ['emit', 'r1']] },
    ], [[1, 1]]);
    const ref = executeReference(block);
    expect(ref.receipts[0]!.status).toBe('out-of-gas');
    const read = explain(block, ref, altered(ref, { reads: [ref.reads[0]!, [[1, 9]]], receipts: [ref.receipts[0]!, { ...ref.receipts[1]!, outputs: [9] }] }))!;
    expect(read.detail).toBe('tx 1 saw 9, which tx 0 wrote before it ran out of gas: tx 0 ran out of gas in the reference, so none of its writes may be kept. It should have read 1 from the pre-state.');
    const state = explain(block, ref, altered(ref, { state: new Map([[1, 9]]) }))!;
    expect(state.detail).toBe('Every read and receipt matched, yet the final value 9 is what tx 0 wrote before it ran out of gas: tx 0 ran out of gas in the reference, so none of its writes may be kept.');
  });

  it('gives the second reading where a lost write\'s value is also a DELTA against an older version', () => {
    // Pre-state k0 = 10; tx0: k0 = 12; tx1: k0 += 2 by DELTA (14). 12 is tx 0's write, and 10 + 2.
    const block = blockOf([
      { ops: [['const', 'r1', 12], ['const', 'r12', 0], ['write', 'r12', 'r1']] },
      { ops: [['const', 'r12', 0], ['const', 'r13', 2], ['delta', 'r12', 'r13', -100, 100]] },
    ], [[0, 10]]);
    const ref = executeReference(block);
    const x = explain(block, ref, altered(ref, { state: new Map([...ref.state, [0, 12]]) }))!;
    expect(x).toMatchObject({ anomaly: 'lost write', tx: 1, cameFrom: { tx: 0 } });
    expect(x.detail).toMatch(/; or tx 1's DELTA of 2 was resolved against the pre-state's value, 10, and the two coincide\.$/);
  });

  // helper 93's audit: two DELTAs resolved against one base were said first to have lost a write, the stale base second.
  it('leads with the DELTA resolved against an older base where the evidence makes it the whole story', () => {
    const add = (amount: number): { ops: ReadableOp[] } => ({ ops: [['const', 'r12', 0], ['const', 'r13', amount], ['delta', 'r12', 'r13', 0, 100]] });
    const finalOf = (block: Block, v: number) => explain(block, executeReference(block), altered(executeReference(block), { state: new Map([[0, v]]) }))!;
    // Pre-state k0 = 10, two DELTAs of +1: 11 is tx 0's value, and tx 1's +1 on the base tx 0 used too.
    const twoAdds = finalOf(blockOf([add(1), add(1)], [[0, 10]]), 11);
    expect(twoAdds).toMatchObject({ anomaly: 'lost write', tx: 1, expected: '12', actual: '11', cameFrom: { tx: 0 } });
    expect(twoAdds.detail).toBe('Every read and receipt matched, yet the final value 11 is tx 1\'s DELTA of 1 resolved against the pre-state\'s value, 10 '
      + '(the base tx 0\'s DELTA was resolved against too), instead of tx 0\'s 11, so tx 0\'s write is lost under it; '
      + 'or the committed write of tx 1 is missing and 11 is tx 0\'s value: the two coincide.');
    // Pre-state k0 = 0, +1 then +0: 0 is the pre-state's; a missing write of tx 1 alone would leave tx 0's 1.
    const older = finalOf(blockOf([add(1), add(0)], [[0, 0]]), 0);
    expect(older).toMatchObject({ anomaly: 'lost write', tx: 1, cameFrom: { tx: PRE_STATE } });
    expect(older.detail).toBe('Every read and receipt matched, yet the final value 0 is tx 1\'s DELTA of 0 resolved against the pre-state\'s value, 0, '
      + 'instead of tx 0\'s 1, so tx 0\'s write is lost under it; or the committed writes of tx 0 and tx 1 are missing.');
  });

  it('names a committed write applied to the wrong key, and the transaction that wrote it', () => {
    // tx0 writes 5 to k1 (pre-state 1); the result has k1 = 1 and the 5 on k2 (pre-state 7).
    const block = blockOf([{ ops: [['const', 'r0', 1], ['const', 'r1', 5], ['write', 'r0', 'r1']] }], [[1, 1], [2, 7]]);
    const ref = executeReference(block);
    const y = explain(block, ref, altered(ref, { state: new Map([[1, 1], [2, 5]]) }))!;
    expect(y).toMatchObject({ anomaly: 'wrong final value', tx: 0, key: 2, expected: '7', actual: '5', cameFrom: { tx: 0 } });
    expect(y.detail).toBe('Every read and receipt matched, yet the final value 5 is what tx 0 wrote to #0.seq (key 1), which does not hold it: a write applied to the wrong key.');
  });

  it('names a wrong receipt, and says when skip-rest was ignored', () => {
    const block = blockOf([{ ops: [['const', 'r0', 1], ['emit', 'r0']] }, { ops: [['const', 'r0', 2], ['emit', 'r0']] }], [[1, 1]], 1);
    const ref = executeReference(block);
    expect(ref.receipts[1]!.status).toBe('skipped');
    const ran: Receipt = { status: 'success', code: 0, gasUsed: 6, outputs: [2] };
    const x = explain(block, ref, altered(ref, { receipts: [ref.receipts[0]!, ran] }))!;
    expect(x).toMatchObject({ anomaly: 'wrong receipt', tx: 1 });
    expect(x.detail).toMatch(/skip-rest/);
  });

  // A receipt off in its gas alone was put down to a DELTA bound check, which would have changed its status.
  it('blames no bound check for a receipt of the same status that differs in gas alone', () => {
    const block = blockOf([{ ops: [['const', 'r0', 1], ['const', 'r1', 2], ['delta', 'r0', 'r1', 0, 100]] }], [[1, 5]]);
    const ref = executeReference(block);
    expect(ref.receipts[0]!.status).toBe('success');
    const x = explain(block, ref, altered(ref, { receipts: [{ ...ref.receipts[0]!, gasUsed: ref.receipts[0]!.gasUsed + 1 }] }))!;
    expect(x).toMatchObject({ anomaly: 'wrong receipt', tx: 0 });
    expect(x.detail).toMatch(/^tx 0 read the same values as the reference, so the VM must produce the same receipt; the executor reported a different one \(no base tried/);
    // One that reverted where the reference's succeeded may still be a bound check resolved on a wrong base: one past the bounds gives it.
    const reverted = explain(block, ref, altered(ref, { receipts: [{ status: 'reverted', code: -4, gasUsed: ref.receipts[0]!.gasUsed, outputs: [] }] }))!;
    expect(reverted.detail).toMatch(/its DELTA on #0\.seq, whose base is not in the read set, gives exactly the executor's receipt/);
    // One that reverted on another fault than the bound check: no base tried gives it.
    const overflow = explain(block, ref, altered(ref, { receipts: [{ status: 'reverted', code: -2, gasUsed: ref.receipts[0]!.gasUsed, outputs: [] }] }))!;
    expect(overflow.detail).toMatch(/a wrong delta resolution changes whether a bound check passes \(no base tried for its DELTA on #0\.seq/);
  });

  it('names a stale DELTA base from the receipt alone (bases are not in the read set)', () => {
    const block = blockOf([
      { ops: [['const', 'r0', 1], ['const', 'r1', 0], ['write', 'r0', 'r1']] },
      { ops: [['const', 'r0', 1], ['const', 'r1', 0], ['delta', 'r0', 'r1', 0, 4]] },
    ], [[1, -1]]);
    const ref = executeReference(block);
    expect(ref.receipts[1]!.status).toBe('success');
    const stale = executeReference(blockOf([{ ops: [['const', 'r0', 1], ['const', 'r1', 0], ['delta', 'r0', 'r1', 0, 4]] }], [[1, -1]])).receipts[0]!;
    const x = explain(block, ref, altered(ref, { receipts: [ref.receipts[0]!, stale] }))!;
    expect(x).toMatchObject({ anomaly: 'stale read', tx: 1, key: 1, expected: '0', actual: '-1', cameFrom: { tx: PRE_STATE }, shouldComeFrom: { tx: 0 } });
    expect(x.detail).toMatch(/DELTA/);
  });

  it('says that a transaction that failed keeps the reads it made before, where its read set came back short', () => {
    // A read, then more hashing than its gas allows: out of gas after the read.
    const block = blockOf([{ ops: [['const', 'r0', 1], ['read', 'r1', 'r0'], ['hash', 'r1', 'r1', 50]], gasLimit: 200 }], [[1, 9]]);
    const ref = executeReference(block);
    expect([ref.receipts[0]!.status, ref.reads[0]]).toEqual(['out-of-gas', [[1, 9]]]);
    const x = explain(block, ref, altered(ref, { reads: [[]] }))!;
    expect(x).toMatchObject({ anomaly: 'wrong read set', tx: 0, key: 1 });
    expect(x.detail).toMatch(/It ran out of gas there, after those reads: a transaction that fails still reports the reads it made before it failed/);
  });

  it('names, beside a lost write, a later transaction that wrote the key and then reverted', () => {
    const block = blockOf([chainTxs[0]!, { ops: [['const', 'r0', 1], ['const', 'r1', 9], ['write', 'r0', 'r1'], ['revert', 3]] }], [[1, 1]]);
    const ref = executeReference(block);
    expect(ref.receipts.map((r) => r.status)).toEqual(['success', 'reverted']);
    const x = explain(block, ref, altered(ref, { state: new Map([[1, 1]]) }))!;
    expect(x).toMatchObject({ anomaly: 'lost write', tx: 0, key: 1, expected: '5', actual: '1' });
    expect(x.detail).toMatch(/the committed write of tx 0 is missing; tx 1 also wrote the key and then reverted, so undoing its writes with an older value than tx 1 saw would lose it/);
  });

  it('names the skipped transaction whose write a final value is, had the gas limit not skipped it', () => {
    // The first transaction uses gas up to the limit; the second, skipped, would write 5 to key 1, and the third 6 after it.
    const block = blockOf([...chainTxs.slice(0, 1), { ops: [['const', 'r0', 1], ['const', 'r1', 5], ['write', 'r0', 'r1']] }, { ops: [['const', 'r0', 1], ['read', 'r1', 'r0'], ['addi', 'r1', 'r1', 1], ['write', 'r0', 'r1']] }], [[1, 1]], 1);
    const ref = executeReference(block);
    expect(ref.receipts.map((r) => r.status)).toEqual(['success', 'skipped', 'skipped']);
    const x = explain(block, ref, altered(ref, { state: new Map([[1, 6]]) }))!;
    expect(x).toMatchObject({ anomaly: 'wrong final value', tx: 2, key: 1, expected: '5', actual: '6', cameFrom: { tx: 2 } });
    expect(x.detail).toMatch(/the final value 6 is what tx 2 would have written, had it run: the block's gas limit was reached before it \(at tx 1\), so the reference skips it/);
  });

  it('names a wrong read set, a malformed result and a wrong root', () => {
    expect(explain(chain, good, altered(good, { reads: [good.reads[0]!, [[1, 5], [2, 7]], good.reads[2]!] }))).toMatchObject({ anomaly: 'wrong read set', tx: 1 });
    expect(explain(chain, good, altered(good, { receipts: good.receipts.slice(0, 2) }))).toMatchObject({ anomaly: 'malformed result' });
    // A user's module may return anything: neither the explainer nor sameResult may crash on it.
    const shapes: [unknown, RegExp][] = [
      [null, /^null instead/], [42, /^number instead/], [{ ...good, receipts: 'no' }, /^receipts is not a list/],
      [altered(good, { receipts: [good.receipts[0]!, { status: 'success' } as Receipt, good.receipts[2]!] }), /^receipt 1 is not/],
      [altered(good, { reads: [good.reads[0]!, [[1]] as unknown as ReadSet, good.reads[2]!] }), /^read set 1 is not/],
      [{ ...good, state: {} }, /^state must be a Map/],
      [{ get receipts() { throw new Error('lazy field failed'); } }, /^reading it threw Error: lazy field failed$/],
    ];
    for (const [r, problem] of shapes) {
      expect(sameResult(good, r as BlockResult)).toBe(false);
      expect(explain(chain, good, r as BlockResult)).toMatchObject({ anomaly: 'malformed result', actual: expect.stringMatching(problem) });
    }
    expect(explain(chain, good, { ...good, stateRoot: '00', receiptsRoot: good.receiptsRoot, state: good.state, receipts: good.receipts, reads: good.reads, gasUsed: good.gasUsed, stats: good.stats })).toMatchObject({ anomaly: 'wrong root', field: 'stateRoot' });
  });

  // NaN, a BigInt or a string key passed for numbers, and were explained as reads and final values that never happened.
  it('names a key or value that is not the VM\'s kind of number as a malformed result, with the field and the value', () => {
    const result = (o: Partial<Record<keyof BlockResult, unknown>>): BlockResult => ({
      stateRoot: good.stateRoot, receiptsRoot: good.receiptsRoot, receipts: good.receipts, reads: good.reads, gasUsed: good.gasUsed, state: good.state, stats: good.stats, ...o,
    } as BlockResult);
    const values = 'not an integer from -(2^53 - 1) to 2^53 - 1';
    const keys = 'is not a key (an integer from 0 to 2^32 - 1)';
    const [r0, r1, r2] = good.receipts as [Receipt, Receipt, Receipt];
    const cases: [BlockResult, string][] = [
      [result({ state: new Map(good.state).set(1, Number.NaN) }), `state value for key 1 is NaN, ${values}`],
      [result({ state: new Map<number, unknown>(good.state).set(1, 7n) }), `state value for key 1 is 7n (a BigInt), ${values}`],
      [result({ state: new Map(good.state).set(2, 2 ** 53) }), `state value for key 2 is 9007199254740992, ${values}`],
      [result({ state: new Map([...good.state].map(([k, v]) => [String(k), v])) }), `state key "1" (a string) ${keys}`],
      [result({ state: new Map(good.state).set(2 ** 32, 1) }), `state key 4294967296 ${keys}`],
      [result({ reads: [good.reads[0]!, [[1, Number.NaN]], good.reads[2]!] }), `reads of tx 1: the value read at key 1 is NaN, ${values}`],
      [result({ reads: [good.reads[0]!, [['1', 5]], good.reads[2]!] }), `reads of tx 1: key "1" (a string) ${keys}`],
      [result({ receipts: [{ ...r0, gasUsed: Number.NaN }, r1, r2] }), 'receipt of tx 0: gasUsed is NaN, not an integer >= 0'],
      [result({ receipts: [r0, { ...r1, code: 0.5 }, r2] }), `receipt of tx 1: code is 0.5, ${values}`],
      [result({ receipts: [r0, { ...r1, status: 'ok' as never }, r2] }), 'receipt of tx 1: status is "ok" (a string), not one of success, reverted, out-of-gas, skipped'],
      [result({ receipts: [r0, r1, { ...r2, outputs: [7n] }] }), `receipt of tx 2: output 0 is 7n (a BigInt), ${values}`],
      [result({ gasUsed: Infinity }), 'gasUsed is Infinity, not an integer >= 0'],
    ];
    for (const [r, problem] of cases) {
      expect(sameResult(good, r), problem).toBe(false);
      expect(explain(chain, good, r), problem).toMatchObject({ anomaly: 'malformed result', tx: -1, actual: problem });
    }
    // A value the state holds as undefined reads as 0, an absent key, as before.
    expect(explain(chain, good, result({ state: new Map<number, unknown>(good.state).set(3, undefined) }))).toBeUndefined();
  });

  // verify passed a result with stats {}, which bench then refused: the counters bench reports are part of a BlockResult.
  it('names the counters a result\'s stats lack as a malformed result, as bench refuses it', () => {
    const withStats = (stats: object): BlockResult => ({
      stateRoot: good.stateRoot, receiptsRoot: good.receiptsRoot, receipts: good.receipts, reads: good.reads, gasUsed: good.gasUsed, state: good.state, stats,
    } as BlockResult);
    const why = ': every result counts them, and bench reports them per transaction (emptyStats() in spec/block.ts starts every counter at 0)';
    const cases: [object, string][] = [
      [{}, `stats has no number for executions, reExecutions, validations, failedValidations${why}`],
      [{ ...emptyStats(), validations: Number.NaN, failedValidations: '0' }, `stats has no number for validations, failedValidations${why}`],
    ];
    for (const [stats, problem] of cases) {
      expect(sameResult(good, withStats(stats))).toBe(false);
      expect(explain(chain, good, withStats(stats))).toMatchObject({ anomaly: 'malformed result', actual: problem });
    }
    // The other counters, and counters of its own, are the executor's to report or not.
    expect(explain(chain, good, withStats({ executions: 3, reExecutions: 0, validations: 0, failedValidations: 0, lanes: 3 }))).toBeUndefined();
  });

  // A negative counter or a fallback that is no string passed run and verify, and bench crashed on
  // it after the whole sweep, when its results file failed the schema: refused here, by value.
  it('refuses a counter that is not a count, or a fallback that is not a string, naming each and its value', () => {
    const withStats = (stats: object): BlockResult => ({ ...good, stats } as BlockResult);
    const count = ': every counter bench reports per transaction is a count, an integer >= 0 (emptyStats() in spec/block.ts starts every counter at 0)';
    const cases: [object, string][] = [
      [{ ...emptyStats(), reExecutions: -1 }, `stats.reExecutions is -1${count}`],
      [{ ...emptyStats(), executions: 0.5, failedValidations: 2 ** 53 }, `stats.executions is 0.5, stats.failedValidations is 9007199254740992${count}`],
      [{ ...emptyStats(), fallback: 5 }, "stats.fallback is 5, not a string (why the block ran sequentially, '' when it did not)"],
    ];
    for (const [stats, problem] of cases) {
      expect(statsProblem(stats)).toBe(problem);
      expect(sameResult(good, withStats(stats))).toBe(false);
      expect(explain(chain, good, withStats(stats))).toMatchObject({ anomaly: 'malformed result', actual: problem });
    }
    // A fallback left out reads as none, as before; a reason, and the largest count, are taken.
    const { fallback: _none, ...noFallback } = emptyStats();
    for (const stats of [noFallback, { ...emptyStats(), fallback: 'a chain', executions: 2 ** 53 - 1 }]) expect(explain(chain, good, withStats(stats))).toBeUndefined();
  });

  // spec/state.ts: a key holding 0 is an absent key (the state root leaves it out), as `concord run --check` has it.
  it('takes a key the state lists at 0 for the absent key it is, and names a key that really differs', () => {
    const zero = new Map(good.state).set(999, 0);
    const listed = { ...good, state: zero };
    expect(sameResult(good, listed)).toBe(true);
    expect(explain(chain, good, listed)).toBeUndefined();
    // And the other way round: the reference's key at 0, left out of the executor's state.
    expect(sameResult(listed, good)).toBe(true);
    const extra = { ...good, state: new Map(good.state).set(999, 4) };
    expect(sameResult(good, extra)).toBe(false);
    expect(explain(chain, good, extra)).toMatchObject({ anomaly: 'wrong final value', key: 999, expected: '0', actual: '4' });
  });

  it('agrees with sameResult on random pairs of results', () => {
    fc.assert(fc.property(blockSpecArb({ maxTxs: 6 }), blockSpecArb({ maxTxs: 6 }), (a, b) => {
      const block = buildBlock(a);
      const ref = executeReference(block);
      const other = buildBlock({ ...b, txs: a.txs });
      const r = executeReference(other);
      return sameResult(ref, r) === (explain(block, ref, r) === undefined);
    }), { seed: 7, numRuns: 150 });
  });
});

// helper 118's engine with planted bugs: four explanations that were false or left out what mattered.
describe('explanations of helper 118\'s planted bugs', () => {
  const withFootprint = (block: Block, footprints: Program['footprint'][]): Block => ({ ...block, programs: block.programs.map((p, i) => ({ ...p, footprint: footprints[i] })) });

  // stale-cache-x: a per-worker read cache never cleared between blocks served the DELTA a base of
  // 0 from an earlier block; the report said no other base gives that receipt, and 0 does.
  it('names a DELTA base no version of the key holds where one gives the receipt, and claims no more than the bases it tried', () => {
    const block = blockOf([{ ops: [['const', 'r12', 0], ['const', 'r13', 0], ['delta', 'r12', 'r13', 0, 4]] }], [[0, 999_997]]);
    const ref = executeReference(block);
    expect(ref.receipts[0]).toEqual({ status: 'reverted', code: -4, gasUsed: 42, outputs: [] });
    const x = explain(block, ref, altered(ref, { receipts: [{ status: 'success', code: 0, gasUsed: 42, outputs: [] }] }))!;
    expect(x).toMatchObject({ anomaly: 'wrong receipt', tx: 0, key: 0, keyName: '#0.balance', expected: 'reverted(delta outside its bounds) gas 42', actual: 'success gas 42' });
    const lead = 'tx 0 read the same values as the reference, yet its receipt differs: its DELTA on #0.balance, whose base is not in the read set, '
      + 'gives exactly the executor\'s receipt (success gas 42) on a base of 0 (the value of an absent key), where the reference\'s base is 999997, the pre-state\'s; '
      + 'no version of the key in this block gives it';
    expect(x.detail).toBe(`${lead}: the DELTA read a stale or wrong base (an aborted incarnation's, a miscomputed one, or one kept from an earlier block).`);
    // verify found it failing only after an earlier block: the why says where the base came from, as the fails-only line does.
    expect(x.unexplainedReceipt).toBe('delta base');
    expect(afterEarlierBlocks(x).detail).toBe(`${x.detail} The block passes on a fresh instance and fails after the blocks run before it: `
      + 'the DELTA read a base the executor kept from an earlier block (state not cleared between blocks: a read cache, say).');
    expect(afterEarlierBlocks(x)).toMatchObject({ anomaly: 'wrong receipt', key: 0 });
    // Known by its flag, not its words: a reworded explanation is still named, and one without the flag is left alone.
    expect(afterEarlierBlocks({ ...x, detail: 'Reworded.' }).detail).toMatch(/^Reworded\. The block passes on a fresh instance .* the DELTA read a base the executor kept/);
    const { unexplainedReceipt: _, ...unflagged } = x;
    expect(afterEarlierBlocks(unflagged)).toBe(unflagged);

    // A base just past the bounds' edge: pre-state 5, +2 within 0 to 100 succeeds; the executor's bound check failed.
    const add = blockOf([{ ops: [['const', 'r0', 1], ['const', 'r1', 2], ['delta', 'r0', 'r1', 0, 100]] }], [[1, 5]]);
    const addRef = executeReference(add);
    const edge = explain(add, addRef, altered(addRef, { receipts: [{ status: 'reverted', code: -4, gasUsed: addRef.receipts[0]!.gasUsed, outputs: [] }] }))!;
    expect(edge).toMatchObject({ anomaly: 'wrong receipt', tx: 0, key: 1 });
    expect(edge.detail).toMatch(/gives exactly the executor's receipt \(reverted\(delta outside its bounds\) gas 42\) on a base of -3 \(a base just past what the DELTA's bounds, 0 to 100, allow\), where the reference's base is 5/);
    const overflow = explain(add, addRef, altered(addRef, { receipts: [{ status: 'reverted', code: -1, gasUsed: addRef.receipts[0]!.gasUsed, outputs: [] }] }))!;
    expect(overflow.detail).toMatch(/on a base of 9007199254740990 \(a base the DELTA's amount takes out of the value range\)/);
  });

  it('says which bases it tried where none gives the receipt, and that state kept from an earlier block changed it where the block fails only after one', () => {
    const block = blockOf([{ ops: [['const', 'r0', 1], ['const', 'r1', 2], ['delta', 'r0', 'r1', 0, 100]] }], [[1, 5]]);
    const ref = executeReference(block);
    const x = explain(block, ref, altered(ref, { receipts: [{ ...ref.receipts[0]!, gasUsed: ref.receipts[0]!.gasUsed + 1 }] }))!;
    expect(x.detail).not.toMatch(/no other base/);
    expect(x.detail).toBe('tx 0 read the same values as the reference, so the VM must produce the same receipt; the executor reported a different one '
      + '(no base tried for its DELTA on #0.seq, which is not in the read set, gives that receipt either: '
      + 'the versions of the key in this block, 0, the values transactions reported reading there or wrote there before they failed, '
      + 'the executor\'s final value of the key, and the edges of the DELTA bounds and of the value range).');
    expect(x.unexplainedReceipt).toBe('same reads');
    expect(afterEarlierBlocks(x).detail).toBe(`${x.detail} The block passes on a fresh instance and fails after the blocks run before it: `
      + 'state the executor kept from an earlier block changed this receipt.');
    expect(afterEarlierBlocks({ ...x, detail: `The receipt differs.` }).detail).toMatch(/^The receipt differs\. The block passes .* changed this receipt\.$/);
    // A wrong receipt the block does account for (receipts out of block order) is not blamed on earlier blocks.
    const swapped = blockOf([{ ops: [['const', 'r0', 1], ['emit', 'r0']] }, { ops: [['const', 'r0', 2], ['emit', 'r0']] }]);
    const swappedRef = executeReference(swapped);
    const reordered = explain(swapped, swappedRef, altered(swappedRef, { receipts: [swappedRef.receipts[1]!, swappedRef.receipts[0]!] }))!;
    expect(reordered).toMatchObject({ anomaly: 'wrong receipt', tx: 0 });
    expect(reordered.unexplainedReceipt).toBeUndefined();
    expect(afterEarlierBlocks(reordered)).toBe(reordered);
  });

  // ww-race --reverse: two blind writers of one key, their writes applied in reverse order.
  it('names the write/write edge where a lower transaction\'s write landed over a higher one\'s, as running them in the other order would', () => {
    const write: Program['footprint'] = [{ key: { add: 0 }, access: 'write' }];
    const block = withFootprint(blockOf([
      { ops: [['const', 'r12', 0], ['write', 'r12', 'r0']] },
      { ops: [['const', 'r0', 1], ['const', 'r12', 0], ['write', 'r12', 'r0']] },
    ], [[0, 0]]), [write, write]);
    const ref = executeReference(block);
    const x = explain(block, ref, altered(ref, { state: new Map([[0, 0]]) }))!;
    expect(x).toMatchObject({ anomaly: 'lost write', tx: 1, key: 0, expected: '1', actual: '0', shouldComeFrom: { tx: 1 }, cameFrom: { tx: 0 } });
    expect(x.detail).toBe('Every read and receipt matched, yet the final value 0 is tx 0\'s write, which landed after tx 1\'s: running tx 0 after tx 1, '
      + 'against the block order, gives this result, with every read and receipt as reported; or the committed write of tx 1 is missing.');
    expect(x.dependency).toBe('tx 0 declares write #0.balance and tx 1 declares write #0.balance: a write/write conflict (the last writer decides the final value), '
      + 'so tx 1 must run after tx 0: an edge a scheduler by declared footprints must keep');
    expect(formatExplanation(x)).toContain(`dependency   ${x.dependency}`);
    // Where running them the other way round gives other reads (tx 1 reads the key first), the reads say both ran in order: their writes were applied out of it.
    const reader = withFootprint(blockOf([
      { ops: [['const', 'r12', 0], ['const', 'r1', 5], ['write', 'r12', 'r1']] },
      { ops: [['const', 'r12', 0], ['read', 'r1', 'r12'], ['addi', 'r1', 'r1', 1], ['write', 'r12', 'r1']] },
    ], [[0, 0]]), [write, [{ key: { add: 0 }, access: 'read' }, { key: { add: 0 }, access: 'write' }]]);
    const readerRef = executeReference(reader);
    const y = explain(reader, readerRef, altered(readerRef, { state: new Map([[0, 5]]) }))!;
    expect(y).toMatchObject({ anomaly: 'lost write', tx: 1, cameFrom: { tx: 0 } });
    expect(y.detail).toMatch(/the final value 5 is tx 0's committed write, applied after tx 1's: .* \(a merge or commit-order fault\); or the committed write of tx 1 is missing\.$/);
    // tx 1 declares a read and a write of the key: its write, which the final value is about, makes the edge.
    expect(y.dependency).toMatch(/^tx 0 declares write #0\.balance and tx 1 declares write #0\.balance: a write\/write conflict /);
  });

  // A write-merge-order bug: each transaction reads the key, adds to it and writes it back, and the
  // lower one's write is applied last. The lower one read the key, so running it after the higher
  // one gives other reads: only the reported reads, all right, tell a misordered merge from a run.
  it('names a lower transaction\'s committed write applied after a higher one\'s where both read the key, with the edge between them', () => {
    const write: Program['footprint'] = [{ key: { add: 0 }, access: 'write' }];
    const add = (n: number): { ops: ReadableOp[] } => ({ ops: [['const', 'r12', 0], ['read', 'r1', 'r12'], ['addi', 'r1', 'r1', n], ['write', 'r12', 'r1']] });
    const block = withFootprint(blockOf([add(10), add(100)], [[0, 1]]), [write, write]);
    const ref = executeReference(block);
    expect(ref.state.get(0)).toBe(111);
    const x = explain(block, ref, altered(ref, { state: new Map([[0, 11]]) }))!;
    expect(x).toMatchObject({ anomaly: 'lost write', tx: 1, key: 0, expected: '111', actual: '11', shouldComeFrom: { tx: 1 }, cameFrom: { tx: 0 } });
    expect(x.detail).toBe('Every read and receipt matched, yet the final value 11 is tx 0\'s committed write, applied after tx 1\'s: the matching reads say both ran in block order, '
      + 'so their writes were merged or committed out of it (a merge or commit-order fault); or the committed write of tx 1 is missing.');
    expect(x.dependency).toBe('tx 0 declares write #0.balance and tx 1 declares write #0.balance: a write/write conflict (the last writer decides the final value), '
      + 'so tx 1 must run after tx 0: an edge a scheduler by declared footprints must keep');
    // Three writers, the lowest one's write left: a drop would need both later writes missing.
    const three = withFootprint(blockOf([add(10), add(100), add(1000)], [[0, 1]]), [write, write, write]);
    const threeRef = executeReference(three);
    expect(explain(three, threeRef, altered(threeRef, { state: new Map([[0, 11]]) }))!.detail)
      .toMatch(/the final value 11 is tx 0's committed write, applied after tx 2's: .*; or the committed writes of tx 1 and tx 2 are missing\.$/);
  });

  // sorted-reads: the engine returned each read set sorted by key.
  it('says a read set holds the right reads in another order, and which order is right', () => {
    const block = blockOf([{ ops: [['const', 'r0', 2], ['read', 'r1', 'r0'], ['const', 'r0', 1], ['read', 'r1', 'r0']] }], [[1, 1], [2, 7]]);
    const ref = executeReference(block);
    expect(ref.reads[0]).toEqual([[2, 7], [1, 1]]);
    const x = explain(block, ref, altered(ref, { reads: [[[1, 1], [2, 7]]] }))!;
    expect(x).toMatchObject({ anomaly: 'wrong read set', tx: 0, expected: '[#0.token=7, #0.seq=1]', actual: '[#0.seq=1, #0.token=7]' });
    expect(x.detail).toBe('tx 0 reports the same reads as the reference, with the same values, in another order: list them in the order first read, [#0.token=7, #0.seq=1] here '
      + '(a read set lists each key the first time the program reads it, in that order: spec/block.ts, and for an exec: engine docs/exec-protocol.md).');
    // Another value in another order is not the same reads.
    expect(explain(block, ref, altered(ref, { reads: [[[1, 1], [2, 8]]] }))!.detail).toMatch(/the read set is not the one the final incarnation made/);
  });

  // block-gas: failed transactions' gas left out of the block total.
  it('names the statuses of the transactions whose gas the block total or the gas limit left out', () => {
    // tx 0 reverts (a delta outside its bounds) after 85 gas; tx 1 succeeds.
    const failing: { ops: ReadableOp[] } = { ops: [['addi', 'r1', 'r1', -4], ['const', 'r12', 0], ['write', 'r12', 'r1'], ['const', 'r12', 0], ['const', 'r13', 1], ['delta', 'r12', 'r13', 0, 5]] };
    const block = blockOf([failing, { ops: [['const', 'r0', 1], ['emit', 'r0']] }], [[0, 0]]);
    const ref = executeReference(block);
    expect(ref.receipts.map((r) => [r.status, r.gasUsed])).toEqual([['reverted', 85], ['success', 6]]);
    const total = explain(block, ref, { ...ref, gasUsed: 6 })!;
    expect(total).toMatchObject({ anomaly: 'wrong gas total', field: 'gasUsed', expected: '91', actual: '6' });
    expect(total.detail).toBe('Every read, receipt and final value matched, but the result\'s gasUsed is not the sum of the receipts\' gas '
      + '(85 short: the gas of the transactions that failed, tx 0 (reverted: delta outside its bounds, gas 85), is left out); '
      + 'build results with spec/result.ts blockResult() so they are computed one way.');
    expect(explain(block, ref, { ...ref, gasUsed: 97 })!.detail).toMatch(/\(6 over: the gas of the transactions that succeeded, tx 1 \(success, gas 6\), is counted twice\)/);
    expect(explain(block, ref, { ...ref, gasUsed: 80 })!.detail).toMatch(/\(11 short; the block's receipts: 1 reverted, 1 success\)/);
    // With a block gas limit of 1, tx 0's 85 gas reaches it: tx 1 must be skipped, and an executor that leaves failed gas out runs it.
    const limited = blockOf([failing, { ops: [['addi', 'r0', 'r0', 0]] }], [[0, 0]], 1);
    const limitedRef = executeReference(limited);
    expect(limitedRef.receipts[1]!.status).toBe('skipped');
    const ran = altered(limitedRef, { receipts: [limitedRef.receipts[0]!, { status: 'success', code: 0, gasUsed: 2, outputs: [] }] });
    expect(explain(limited, limitedRef, ran)!.detail).toBe('the block gas limit (1) is reached before tx 1 (the transactions before it used 85 gas), so it and every later transaction '
      + 'must be skipped (skip-rest); the executor ran it. tx 0 (reverted: delta outside its bounds, gas 85) is among them: a transaction that fails still spends its gas '
      + 'toward the block limit, and without it the transactions before tx 1 used 0, below the limit (an executor that leaves failed transactions\' gas out of the total runs tx 1).');
  });
});

describe('undoChange: an executor that changed the block it was given', () => {
  // tx 0 raw, tx 1 raw with arguments; pre-state keys 1 and 2.
  const given = () => blockOf([
    { ops: [['const', 'r0', 1], ['read', 'r1', 'r0'], ['emit', 'r1']] },
    { ops: [['const', 'r1', 5], ['write', 'r0', 'r1']], args: [2, 9] },
  ], [[1, 1], [2, 7]]);
  type Writable = { -readonly [K in keyof Block]: unknown } & { txs: { args: number[]; gasLimit: number }[]; preState: Map<number, number> };

  it('puts back a SharedState replaced by a Map of its entries, and a table written into, saying which', () => {
    const block = withSharedState(given());
    const shared = block.preState as SharedState;
    const snap = snapshotBlock(block);
    (block as Writable).preState = new Map(shared);
    expect(undoChange(snap, block, 'mine')).toMatchObject({ anomaly: 'changed input', tx: -1, expected: 'the SharedState (as given)', actual: 'a Map (after execute())' });
    expect(block.preState).toBe(shared);
    expect(undoChange(snap, block, 'mine')).toBeUndefined();
    sharedTable(shared.buffer).values.fill(5);
    expect(undoChange(snap, block, 'mine')).toBeUndefined();
    expect(tableChange(block, 'mine')).toMatchObject({ anomaly: 'changed input', key: 1, keyName: '#0.seq', actual: 'key 1: the table holds 5, the Map 1 (after execute())' });
    expect(tableChange(block, 'mine')).toBeUndefined();
    expect(tableChange(given(), 'mine')).toBeUndefined();
  });

  it('puts back a SharedState changed and then replaced, and says what replaced it whatever it is', () => {
    for (const [replacement, words] of [
      [(s: SharedState) => { Map.prototype.set.call(s, 1, 99); sharedTable(s.buffer).values.fill(99); return new Map(s); }, 'a Map'],
      [() => Object.create(null) as unknown, 'an Object'],
      [(s: SharedState) => new Proxy(new Map(s), {}), 'a Map'],
      [() => null, 'null'],
    ] as const) {
      const block = withSharedState(given());
      const shared = block.preState as SharedState;
      const snap = snapshotBlock(block);
      (block as Writable).preState = replacement(shared) as Map<number, number>;
      expect(undoChange(snap, block, 'mine'), words).toMatchObject({ anomaly: 'changed input', actual: `${words} (after execute())` });
      expect(block.preState).toBe(shared);
      expect([...shared]).toEqual([[1, 1], [2, 7]]);
      expect(tableDisagreement(shared)).toBeNull();
    }
  });

  it('in a verify run, puts back a table written into beside a Map changed around its seal, and tells the Map\'s change', async () => {
    const spec: BlockSpec = { keys: 3, pre: [{ entity: 0, field: 1, value: 4 }], gasLimit: null, txs: [{ kind: 'code', body: [], gas: 100_000 }] };
    const block = withSharedState(buildBlock(spec));
    const shared = block.preState as SharedState;
    const subject: Subject = {
      name: 'both', coverage: [], close: async () => {},
      execute: async (b) => {
        Map.prototype.set.call(b.preState, 1, 5);
        sharedTable(shared.buffer).values.fill(5);
        return executeReference(b);
      },
    };
    const o = newObserver(subject);
    expect(await checkRun(subject, o, spec, block, executeReference(block), 1, 'threads 1, shared pre-state')).toBe(false);
    expect(o.last?.explanation).toMatchObject({ anomaly: 'changed input', key: 1, expected: '4 (as given)', actual: '5 (after execute())' });
    expect(shared.get(1)).toBe(4);
    expect(tableDisagreement(shared)).toBeNull();
  });

  it('finds no change in generated blocks nobody wrote to', () => {
    fc.assert(fc.property(blockSpecArb({ maxTxs: 20 }), (spec) => {
      const block = buildBlock(spec);
      const snap = snapshotBlock(block);
      executeReference(block);
      return undoChange(snap, block, 'x') === undefined;
    }), { seed: 3, numRuns: 200 });
  });

  it.each<[string, (b: Writable) => void, object, RegExp]>([
    ['an argument', (b) => { b.txs[1]!.args[0] = 3; }, { tx: 1, expected: 'args[0] 2 (as given)', actual: 'args[0] 3 (after execute())' }, /transaction 1's args\[0\] was 2 before execute\(\) and is 3 after/],
    ['a transaction pushed', (b) => { b.txs.push(b.txs[0]!); }, { tx: 2, expected: '2 transactions (as given)', actual: '3 transactions (after execute())' }, /the list of transactions was 2 long before execute\(\) and is 3 long after/],
    ['a transaction popped', (b) => { b.txs.pop(); }, { tx: 1, expected: '2 transactions (as given)', actual: '1 transaction (after execute())' }, /the list of transactions was 2 long/],
    ['a pre-state value', (b) => { b.preState.set(2, 8); }, { tx: -1, key: 2, keyName: '#0.token', expected: '7 (as given)', actual: '8 (after execute())' }, /the pre-state's key #0.token \(2\) was 7 before execute\(\) and is 8 after/],
    ['a pre-state key deleted', (b) => { b.preState.delete(1); }, { key: 1, expected: '1 (as given)', actual: 'absent (after execute())' }, /key #0.seq \(1\) was 1 before execute\(\) and is absent after/],
    ['a pre-state key added', (b) => { b.preState.set(5, 1); }, { key: 5, expected: 'absent (as given)', actual: '1 (after execute())' }, /key #0.\w+ \(5\) was absent/],
    ['program code', (b) => { (b.programs as { code: Float64Array }[])[1]!.code[1] = 6; }, { tx: 1, expected: 'code[1] 1 (as given)', actual: 'code[1] 6 (after execute())' }, /program 1 \(tx1\)'s code\[1\], which transaction 1 calls, was 1 before/],
    ['the block gas limit', (b) => { b.gasLimit = 5; }, { tx: -1 }, /the block's gasLimit was \d+ before execute\(\) and is 5 after/],
    ['a field added to a transaction', (b) => { Object.assign(b.txs[0]!, { compiled: {} }); }, { tx: 0, actual: 'compiled a record (after execute())' }, /transaction 0's compiled was absent before execute\(\) and is a record after/],
    ['a list replaced', (b) => { Object.assign(b.txs[1]!, { args: null }); }, { tx: 1, actual: 'args null (after execute())' }, /transaction 1's args was a list before execute\(\) and is null after/],
  ])('names %s that changed, and puts the block back as it was', (_, change, fields, detail) => {
    const block = given();
    const snap = snapshotBlock(block);
    const programs = block.programs;
    change(block as unknown as Writable);
    const x = undoChange(snap, block, 'mine (./engine.js)')!;
    expect(x).toMatchObject({ anomaly: 'changed input', ...fields });
    expect(x.detail).toMatch(/^The executor mine \(.\/engine.js\) changed the block it was given: /);
    expect(x.detail).toMatch(detail);
    expect(formatExplanation(x)[0]).toBe('anomaly      changed input  [Elle: the executor wrote to the block it was given]');
    // Put back in place: the same objects, holding what they held.
    expect(block.programs).toBe(programs);
    expect(block).toEqual(given());
    expect(undoChange(snap, block, 'mine')).toBeUndefined();
  });

  // Generated blocks share their contract programs: one left changed would change every block checked after it.
  it('puts a contract program that other blocks share back in place', () => {
    const call = (args: number[]): BlockSpec => ({ keys: 3, pre: [], gasLimit: null, txs: [{ kind: 'call', contract: 'p2p', args, hashCost: 0, gas: 100_000 }] });
    const a = buildBlock(call([0, 1, 0, 5]));
    const b = buildBlock(call([1, 2, 0, 3]));
    expect(a.programs[0]).toBe(b.programs[0]);
    const snap = snapshotBlock(a);
    const code = a.programs[0]!.code;
    code[0] = 99;
    expect(undoChange(snap, a, 'mine')).toMatchObject({ anomaly: 'changed input', tx: 0, expected: expect.stringMatching(/^code\[0\] /) });
    expect(b.programs[0]!.code).toBe(code);
    expect([...code]).toEqual([...contractProgram('p2p', 0).code]);
  });
});

// bench's results failing their schema after a sweep was said as "an error outside any call into
// an executor": the one frame of its stack outside Concord's folders was commander's, under which
// every command runs.
describe('fromConcord', () => {
  const frame = (fn: string, file: string) => `    at ${fn} (${file}:1:1)`;
  const stack = (...frames: string[]) => Object.assign(new Error('x'), { stack: ['Error: x', ...frames].join('\n') });
  const own = fileURLToPath(new URL('../reports/schema.ts', import.meta.url));
  const commander = join(dirname(createRequire(import.meta.url).resolve('commander')), 'lib', 'command.js');
  it('takes a throw from Concord\'s own code, out of a command, for Concord\'s', () => {
    expect(fromConcord(stack(frame('resultsFromJson', own), frame('async Command.parseAsync', commander)))).toBe(true);
  });
  it('takes a throw with any frame of a user\'s code in it for the user\'s', () => {
    expect(fromConcord(stack(frame('get stateRoot', '/x/getter.mjs'), frame('malformation', own), frame('async Command.parseAsync', commander)))).toBe(false);
  });
});
