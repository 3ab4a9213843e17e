// A mismatch report names the edge of the declared-footprint dependency graph that the executor
// did not honour, in the conflict table's words (properties/missed-edge.ts): what an access-list
// scheduler builds its graph from, so what it dropped.
import { describe, expect, it } from 'vitest';
import { parseBlock } from '../spec/block-file.js';
import type { Block } from '../spec/block.js';
import { executeReference } from '../spec/reference.js';
import { blockResult } from '../spec/result.js';
import { explain, formatExplanation } from '../properties/explain.js';

/** Every transaction run on the pre-state, writes applied in block order: one wave with no edges. */
function oneWave(block: Block) {
  const alone = block.txs.map((tx) => executeReference({ ...block, txs: [tx] }));
  const state = new Map(block.preState);
  for (const r of alone) for (const [k, v] of r.state) state.set(k, v);
  return blockResult(state, alone.map((r) => r.receipts[0]!), alone.map((r) => r.reads[0]!), alone[0]!.stats);
}

function blockOf(preState: object, transactions: object[]): Block {
  return parseBlock(JSON.stringify({ format: 'concord-block/1', entities: ['coll', 'alice', 'bob'], preState, transactions }));
}

describe('the missed dependency in a mismatch report', () => {
  it('names a write/read conflict between the declared footprints', () => {
    const b = blockOf({ 'coll.custody': 1, 'bob.balance': 100 }, [
      { call: 'oracle-update', args: { oracle: 'coll', reporter: 'alice', price: 3 } },
      { call: 'oracle-trade', args: { oracle: 'coll', trader: 'bob', qty: 1 } },
    ]);
    const x = explain(b, executeReference(b), oneWave(b))!;
    expect(x).toMatchObject({ anomaly: 'stale read', tx: 1, keyName: 'coll.price' });
    expect(x.dependency).toBe('tx 0 declares write coll.price and tx 1 declares read coll.price: a write/read conflict (the read sees the old or the new value), '
      + 'so tx 1 must run after tx 0: an edge a scheduler by declared footprints must keep');
    expect(formatExplanation(x)).toContain(`dependency   ${x.dependency}`);
  });

  it('names two bounded deltas whose headroom does not hold', () => {
    const b = blockOf({ 'coll.supply': 999_999, 'alice.balance': 100, 'bob.balance': 100 }, [
      { call: 'nft-mint', args: { collection: 'coll', minter: 'alice', price: 1 } },
      { call: 'nft-mint', args: { collection: 'coll', minter: 'bob', price: 1 } },
    ]);
    const x = explain(b, executeReference(b), oneWave(b))!;
    expect(x).toMatchObject({ tx: 1, keyName: 'coll.supply' });
    expect(x.dependency).toMatch(/^tx 0 declares delta coll\.supply and tx 1 declares delta coll\.supply: delta\/delta, which commute only while delta-headroom holds \(every bound check passes in both orders\), and here it does not/);
  });

  it('names no edge for a final value a reverted transaction or a write to another key left', () => {
    const write = (key: number, value: number, revert: boolean) => ({
      ops: [['const', 'r1', key], ['const', 'r2', value], ['write', 'r1', 'r2'], ...(revert ? [['revert', 7]] : [])], args: [],
      footprint: [{ key: { add: key }, access: 'write' }],
    });
    const leak = blockOf({ 5: 1 }, [write(5, 3, false), write(5, 9, true)]);
    const leakRef = executeReference(leak);
    const kept = explain(leak, leakRef, blockResult(new Map([[5, 9]]), leakRef.receipts, leakRef.reads, leakRef.stats))!;
    expect(kept).toMatchObject({ anomaly: 'wrong final value', tx: 1 });
    expect(kept.dependency).toBeUndefined();
    const stray = blockOf({ 5: 1 }, [write(5, 3, false), { ...write(6, 7, false), footprint: undefined }]);
    const ref = executeReference(stray);
    const moved = explain(stray, ref, blockResult(new Map([[5, 7]]), ref.receipts, ref.reads, ref.stats))!;
    expect(moved).toMatchObject({ anomaly: 'wrong final value', tx: 1 });
    expect(moved.dependency).toBeUndefined();
  });

  it('names no edge for a read of a write its transaction did not keep: no order makes that read right', () => {
    // tx0 writes 7 to k5 and reverts; tx1 reads k5 (1 in the reference); the run kept tx 0's write.
    const b = blockOf({ 5: 1 }, [
      { ops: [['const', 'r1', 5], ['const', 'r2', 7], ['write', 'r1', 'r2'], ['revert', 3]], args: [], footprint: [{ key: { add: 5 }, access: 'write' }] },
      { ops: [['const', 'r1', 5], ['read', 'r2', 'r1'], ['emit', 'r2']], args: [], footprint: [{ key: { add: 5 }, access: 'read' }] },
    ]);
    const ref = executeReference(b);
    const x = explain(b, ref, blockResult(new Map([[5, 1]]), [ref.receipts[0]!, { ...ref.receipts[1]!, outputs: [7] }], [[], [[5, 7]]], ref.stats))!;
    expect(x).toMatchObject({ anomaly: 'read of an aborted incarnation', tx: 1, cameFrom: { tx: 0 } });
    expect(x.dependency).toBeUndefined();
  });

  it('names no edge for a read set the transaction\'s own receipt contradicts: the result was put together wrong, in any order', () => {
    // tx1 re-executed after tx0's write, emitting 7, but reports the read of its first execution.
    const b = blockOf({ 5: 1 }, [
      { ops: [['const', 'r1', 5], ['const', 'r2', 7], ['write', 'r1', 'r2']], args: [], footprint: [{ key: { add: 5 }, access: 'write' }] },
      { ops: [['const', 'r1', 5], ['read', 'r2', 'r1'], ['emit', 'r2']], args: [], footprint: [{ key: { add: 5 }, access: 'read' }] },
    ]);
    const ref = executeReference(b);
    const x = explain(b, ref, blockResult(new Map(ref.state), ref.receipts, [[], [[5, 1]]], ref.stats))!;
    expect(x).toMatchObject({ anomaly: 'wrong read set', tx: 1, shouldComeFrom: { tx: 0 } });
    expect(x.dependency).toBeUndefined();
  });

  it('names no edge for two deltas whose headroom holds: they may share a wave, so the bug is the merge', () => {
    // Pre-state k5 = 0; tx0 adds 5 and tx1 adds 3, both within [0, 100] in either order; tx2 reads 8. The run resolved tx 1 against the pre-state.
    const add = (amount: number) => ({
      ops: [['const', 'r1', 5], ['const', 'r2', amount], ['delta', 'r1', 'r2', 0, 100]], args: [], footprint: [{ key: { add: 5 }, access: 'delta', lo: 0, hi: 100 }],
    });
    const read = { ops: [['const', 'r1', 5], ['read', 'r2', 'r1'], ['emit', 'r2']], args: [], footprint: [{ key: { add: 5 }, access: 'read' }] };
    const b = blockOf({}, [add(5), add(3), read]);
    const ref = executeReference(b);
    const x = explain(b, ref, blockResult(new Map([[5, 3]]), ref.receipts.map((r, i) => (i === 2 ? { ...r, outputs: [3] } : r)), [[], [], [[5, 3]]], ref.stats))!;
    expect(x).toMatchObject({ anomaly: 'stale read', tx: 1 });
    expect(x.dependency).toBeUndefined();
  });

  it('orders a program that declares no footprint against everything, and names nothing where neither declares one', () => {
    const writer = { ops: [['const', 'r1', 5], ['const', 'r2', 7], ['write', 'r1', 'r2']], args: [] };
    const reader = { ops: [['const', 'r1', 5], ['read', 'r2', 'r1'], ['emit', 'r2']], args: [] };
    const b = blockOf({ 5: 1 }, [writer, { ...reader, footprint: [{ key: { add: 5 }, access: 'read' }] }]);
    const x = explain(b, executeReference(b), oneWave(b))!;
    expect(x.anomaly).toBe('stale read');
    expect(x.dependency).toBe('tx 0 declares no footprint, so it may touch any key and is ordered against every transaction: '
      + 'tx 1 must run after tx 0: an edge a scheduler by declared footprints must keep');
    const none = blockOf({ 5: 1 }, [writer, reader]);
    expect(explain(none, executeReference(none), oneWave(none))!.dependency).toBeUndefined();
  });
});
