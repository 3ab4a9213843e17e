// A mismatch on a block whose own footprint is wrong says so: an access-list scheduler trusts the
// declared footprint, and a block file's inline code may declare any, so the report names the
// transaction and key that left it, by the rule concord prove checks (properties/footprint-escape.ts).
import { describe, expect, it } from 'vitest';
import { parseBlock } from '../spec/block-file.js';
import { executeReference } from '../spec/reference.js';
import { explain, formatExplanation } from '../properties/explain.js';

/** tx 0 writes 7 to key 5 (declaring `fp0`), tx 1 reads key 5 and emits it; pre-state k5 = 1. */
function block(fp0: unknown[], ops0: unknown[] = [['const', 'r1', 5], ['const', 'r2', 7], ['write', 'r1', 'r2']]) {
  return parseBlock(JSON.stringify({
    format: 'concord-block/1',
    preState: { 5: 1 },
    transactions: [
      { ops: ops0, args: [], footprint: fp0 },
      { ops: [['const', 'r1', 5], ['read', 'r2', 'r1'], ['emit', 'r2']], args: [], footprint: [{ key: { add: 5 }, access: 'read' }] },
    ],
  }));
}

/** The reference's result with tx 1 reading the pre-state and emitting it, as a scheduler that trusted tx 0's footprint may run it. */
function staleRead(b: ReturnType<typeof block>) {
  const r = executeReference(b);
  return { ...r, reads: [r.reads[0]!, [[5, 1] as const]], receipts: [r.receipts[0]!, { ...r.receipts[1]!, outputs: [1] }] };
}

describe('footprint escapes in a mismatch report', () => {
  it('names the write outside the declared footprint', () => {
    const liar = block([{ key: { add: 6 }, access: 'write' }]);
    const x = explain(liar, executeReference(liar), staleRead(liar))!;
    expect(x.anomaly).toBe('stale read');
    expect(x.footprint).toMatch(/^tx 0 writes key #0\.custody \(5\), outside its declared footprint \(write #0\.status\): an executor that schedules by footprints/);
    expect(formatExplanation(x)).toContainEqual(expect.stringMatching(/^footprint {4}tx 0 writes key/));
  });

  it('says nothing when every access is declared, or when the program declares no footprint', () => {
    const honest = block([{ key: { add: 5 }, access: 'write' }]);
    expect(explain(honest, executeReference(honest), staleRead(honest))!.footprint).toBeUndefined();
    const none = parseBlock(JSON.stringify({
      format: 'concord-block/1', preState: { 5: 1 },
      transactions: [
        { ops: [['const', 'r1', 5], ['const', 'r2', 7], ['write', 'r1', 'r2']], args: [] },
        { ops: [['const', 'r1', 5], ['read', 'r2', 'r1'], ['emit', 'r2']], args: [] },
      ],
    }));
    expect(explain(none, executeReference(none), staleRead(none))!.footprint).toBeUndefined();
  });

  it('takes a DELTA as declared by a delta entry or by read and write both, as concord prove does', () => {
    const delta = [['const', 'r1', 5], ['const', 'r2', 7], ['delta', 'r1', 'r2', 0, 100]];
    for (const fp of [[{ key: { add: 5 }, access: 'delta', lo: 0, hi: 100 }], [{ key: { add: 5 }, access: 'read' }, { key: { add: 5 }, access: 'write' }]]) {
      const b = block(fp, delta);
      expect(explain(b, executeReference(b), staleRead(b))!.footprint, JSON.stringify(fp)).toBeUndefined();
    }
    const readOnly = block([{ key: { add: 5 }, access: 'read' }], delta);
    expect(explain(readOnly, executeReference(readOnly), staleRead(readOnly))!.footprint).toMatch(/^tx 0 applies a DELTA to key #0\.custody \(5\), outside its declared footprint \(read #0\.custody\)/);
  });

  // docs/block-format.md: a write entry covers a read or a delta of its key, being ordered with
  // everything they are. Prove's rule still refutes the footprint, but no scheduler is misled.
  it('says an access its key\'s declared kind already orders misleads no scheduler, and names prove\'s rule for it', () => {
    const readModifyWrite = [['const', 'r1', 5], ['read', 'r2', 'r1'], ['addi', 'r2', 'r2', 7], ['write', 'r1', 'r2']];
    const b = block([{ key: { add: 5 }, access: 'write' }], readModifyWrite);
    const x = explain(b, executeReference(b), staleRead(b))!;
    expect(x.footprint).toBe('tx 0 reads key #0.custody (5), outside its declared footprint (write #0.custody), but its declared write orders that access with every one it conflicts with, '
      + 'so a scheduler by footprints is not misled by it (docs/block-format.md); concord prove\'s stricter rule (a read needs a read entry) refutes the footprint');
    expect(x.footprint).not.toMatch(/cannot see|misleads it/);
    const deltaAsWrite = block([{ key: { add: 5 }, access: 'write' }], [['const', 'r1', 5], ['const', 'r2', 7], ['delta', 'r1', 'r2', 0, 100]]);
    expect(explain(deltaAsWrite, executeReference(deltaAsWrite), staleRead(deltaAsWrite))!.footprint)
      .toMatch(/^tx 0 applies a DELTA to key #0\.custody \(5\), .*\(a delta needs a delta entry, or read and write both\) refutes the footprint$/);
  });

  it('names an access that leaves the footprint outright before an earlier one its declared kind orders', () => {
    // tx 0 reads key 5, declared write (ordered); tx 1 reads key 6, which it does not declare.
    const b = parseBlock(JSON.stringify({
      format: 'concord-block/1',
      preState: { 5: 1, 6: 2 },
      transactions: [
        { ops: [['const', 'r1', 5], ['read', 'r2', 'r1'], ['addi', 'r2', 'r2', 7], ['write', 'r1', 'r2']], args: [], footprint: [{ key: { add: 5 }, access: 'write' }] },
        { ops: [['const', 'r1', 5], ['read', 'r2', 'r1'], ['const', 'r1', 6], ['read', 'r3', 'r1'], ['emit', 'r2']], args: [], footprint: [{ key: { add: 5 }, access: 'read' }] },
      ],
    }));
    const r = executeReference(b);
    const stale = { ...r, reads: [r.reads[0]!, [[5, 1], [6, 2]] as [number, number][]], receipts: [r.receipts[0]!, { ...r.receipts[1]!, outputs: [1] }] };
    const x = explain(b, r, stale)!;
    expect(x).toMatchObject({ anomaly: 'stale read', tx: 1 });
    expect(x.footprint).toMatch(/^tx 1 reads key #0\.status \(6\), outside its declared footprint \(read #0\.custody\): an executor that schedules by footprints cannot see that access/);
  });
});
