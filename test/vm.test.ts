import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { assemble, disassemble, AssembleError, HASH_GAS_PER_ITERATION, OPS } from '../spec/bytecode.js';
import { executeReference } from '../spec/reference.js';
import { hashValue, newOutcome, runTransaction, TxStatus, type StateView } from '../spec/vm.js';
import { FAULT, MAX_VALUE, MIN_VALUE } from '../spec/values.js';
import type { ReadableOp } from '../spec/bytecode.js';
import { blockOf } from './helpers.js';

function run(ops: ReadableOp[], opts: { args?: number[]; gas?: number; state?: Map<number, number> } = {}) {
  const state = opts.state ?? new Map<number, number>();
  const seen: [number, boolean][] = [];
  const view: StateView = { read: (k, forDelta) => { seen.push([k, forDelta]); return state.get(k) ?? 0; } };
  const out = runTransaction(assemble(ops), opts.args ?? [], opts.gas ?? 1_000_000, view, newOutcome());
  return {
    status: out.status, code: out.code, gas: out.gasUsed, seen,
    outputs: out.outputs.slice(0, out.outputCount),
    reads: out.readKeys.slice(0, out.readCount).map((k, i) => [k, out.readValues[i]]),
    writes: out.writeKeys.slice(0, out.writeCount).map((k, i) => [k, out.writeValues[i]]),
  };
}

const emitR0: ReadableOp[] = [['emit', 'r0']];

describe('arithmetic', () => {
  it.each([
    ['add', 2, 3, 5], ['sub', 2, 3, -1], ['mul', -4, 3, -12], ['div', 7, 2, 3], ['div', -7, 2, -3], ['mod', 7, 3, 1],
    ['mod', -7, 3, -1], ['lt', 1, 2, 1], ['lt', 2, 2, 0], ['le', 2, 2, 1], ['eq', 5, 5, 1], ['eq', 5, 6, 0],
  ] as const)('%s %d %d = %d', (op, a, b, want) => {
    const r = run([[op, 'r0', 'r0', 'r1'], ...emitR0], { args: [a, b] });
    expect(r.status).toBe(TxStatus.Success);
    expect(r.outputs).toEqual([want]);
  });

  it('never produces -0', () => {
    const r = run([['mul', 'r0', 'r0', 'r1'], ['div', 'r2', 'r3', 'r1'], ['mod', 'r4', 'r5', 'r1'], ['emit', 'r0'], ['emit', 'r2'], ['emit', 'r4']], { args: [0, -5, 0, 0, 0, -5] });
    for (const o of r.outputs) expect(Object.is(o, -0)).toBe(false);
  });

  it.each([
    ['add', MAX_VALUE, 1], ['sub', MIN_VALUE, 1], ['mul', 2 ** 27, 2 ** 27], ['mul', -(2 ** 30), 2 ** 30],
  ] as const)('%s %d %d overflows and aborts', (op, a, b) => {
    const r = run([['write', 'r2', 'r0'], [op, 'r0', 'r0', 'r1'], ...emitR0], { args: [a, b, 7] });
    expect(r).toMatchObject({ status: TxStatus.Reverted, code: FAULT.OVERFLOW, outputs: [], writes: [] });
  });

  it('addi and muli check overflow too', () => {
    expect(run([['addi', 'r0', 'r0', 1]], { args: [MAX_VALUE] }).code).toBe(FAULT.OVERFLOW);
    expect(run([['muli', 'r0', 'r0', 3]], { args: [2 ** 52] }).code).toBe(FAULT.OVERFLOW);
    expect(run([['addi', 'r0', 'r0', 1], ...emitR0], { args: [MAX_VALUE - 1] }).outputs).toEqual([MAX_VALUE]);
  });

  it('division and modulo by zero abort', () => {
    expect(run([['div', 'r0', 'r0', 'r1']], { args: [1, 0] }).code).toBe(FAULT.DIV_BY_ZERO);
    expect(run([['mod', 'r0', 'r0', 'r1']], { args: [1, 0] }).code).toBe(FAULT.DIV_BY_ZERO);
  });

  it('not and jumps branch on zero', () => {
    const ops: ReadableOp[] = [['not', 'r1', 'r0'], ['jumpi', 'r1', 'zero'], ['const', 'r2', 10], ['emit', 'r2'], ['stop'], ['label', 'zero'], ['const', 'r2', 20], ['emit', 'r2']];
    expect(run(ops, { args: [0] }).outputs).toEqual([20]);
    expect(run(ops, { args: [3] }).outputs).toEqual([10]);
    expect(run([['jump', 'end'], ['emit', 'r0'], ['label', 'end']], { args: [1] }).outputs).toEqual([]);
  });
});

describe('state access', () => {
  it('reads record the first value seen from state, once per key, not own writes', () => {
    const state = new Map([[5, 50], [6, 60]]);
    const r = run([
      ['const', 'r0', 5], ['read', 'r1', 'r0'], ['read', 'r1', 'r0'], ['const', 'r2', 6], ['const', 'r3', 1], ['write', 'r2', 'r3'],
      ['read', 'r4', 'r2'], ['emit', 'r4'],
    ], { state });
    expect(r.reads).toEqual([[5, 50]]);
    expect(r.outputs).toEqual([1]);
    expect(r.writes).toEqual([[6, 1]]);
  });

  it('keys outside [0, 2^32) abort with BAD_KEY', () => {
    expect(run([['const', 'r0', -1], ['read', 'r1', 'r0']]).code).toBe(FAULT.BAD_KEY);
    expect(run([['const', 'r0', 2 ** 32], ['write', 'r0', 'r0']]).code).toBe(FAULT.BAD_KEY);
    expect(run([['const', 'r0', 2 ** 32], ['delta', 'r0', 'r0', 0, 1]]).code).toBe(FAULT.BAD_KEY);
  });

  it('delta adds within bounds, asks the view for its base without recording a read', () => {
    const state = new Map([[9, 10]]);
    const r = run([['const', 'r0', 9], ['const', 'r1', 5], ['delta', 'r0', 'r1', 0, 100], ['delta', 'r0', 'r1', 0, 100]], { state });
    expect(r.status).toBe(TxStatus.Success);
    expect(r.writes).toEqual([[9, 20]]);
    expect(r.reads).toEqual([]);
    expect(r.seen).toEqual([[9, true]]);
  });

  it('delta outside its bounds aborts and discards every write', () => {
    const state = new Map([[9, 98]]);
    const r = run([['const', 'r2', 3], ['write', 'r2', 'r2'], ['const', 'r0', 9], ['const', 'r1', 5], ['delta', 'r0', 'r1', 0, 100]], { state });
    expect(r).toMatchObject({ status: TxStatus.Reverted, code: FAULT.DELTA_BOUND, writes: [] });
    expect(run([['const', 'r0', 9], ['const', 'r1', -99], ['delta', 'r0', 'r1', 0, 100]], { state }).code).toBe(FAULT.DELTA_BOUND);
  });
});

describe('revert, outputs and gas', () => {
  it('revert discards writes and outputs but keeps reads and gas', () => {
    const r = run([['const', 'r0', 1], ['read', 'r1', 'r0'], ['write', 'r0', 'r0'], ['emit', 'r0'], ['revert', 42]]);
    expect(r).toMatchObject({ status: TxStatus.Reverted, code: 42, writes: [], outputs: [], reads: [[1, 0]] });
    expect(r.gas).toBe(1 + 20 + 40 + 5 + 1);
  });

  it('charges each op its gas and runs out of gas exactly at the limit', () => {
    const ops: ReadableOp[] = [['const', 'r0', 1], ['const', 'r1', 2], ['write', 'r0', 'r1']];
    expect(run(ops, { gas: 42 })).toMatchObject({ status: TxStatus.Success, gas: 42 });
    expect(run(ops, { gas: 41 })).toMatchObject({ status: TxStatus.OutOfGas, gas: 41, writes: [] });
    expect(run([['label', 'loop'], ['jump', 'loop']], { gas: 1000 })).toMatchObject({ status: TxStatus.OutOfGas, gas: 1000 });
  });

  it('hash is deterministic, 53-bit, costs per iteration', () => {
    const r = run([['hash', 'r1', 'r0', 3], ['emit', 'r1']], { args: [12345] });
    expect(r.outputs[0]).toBe(hashValue(12345, 3));
    expect(r.outputs[0]).toBeGreaterThanOrEqual(0);
    expect(r.outputs[0]).toBeLessThan(2 ** 53);
    expect(hashValue(12345, 3)).not.toBe(hashValue(12345, 2));
    expect(hashValue(-1, 1)).not.toBe(hashValue(1, 1));
    expect(r.gas).toBe(5 + 3 * HASH_GAS_PER_ITERATION + 5);
    expect(hashValue(0, 1)).toMatchInlineSnapshot(`4316068296360203`);
  });

  it('hash is iterated sha256 of the 8-byte little-endian value, exactly as a fresh hasher per round gives it', () => {
    // The VM resets one hasher instead of building one per round: it must not change a bit.
    const plain = (value: number, iterations: number): number => {
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setBigInt64(0, BigInt(value), true);
      let d = sha256(bytes);
      for (let i = 1; i < iterations; i++) d = sha256(d);
      return Number(BigInt.asUintN(53, BigInt('0x' + Buffer.from(d.subarray(0, 7)).toString('hex'))));
    };
    for (const value of [0, 1, -1, 255, 2 ** 32, -(2 ** 32) - 7, MAX_VALUE, MIN_VALUE, 123456789]) {
      for (const iterations of [1, 2, 3, 7]) expect(hashValue(value, iterations), `${value} x${iterations}`).toBe(plain(value, iterations));
    }
  });
});

describe('assembler', () => {
  it('round-trips through disassemble', () => {
    const code = assemble([['const', 'r0', 7], ['label', 'l'], ['addi', 'r0', 'r0', -1], ['jumpi', 'r0', 'l'], ['revert', 3]]);
    expect(disassemble(code)).toEqual([['const', 'r0', 7], ['addi', 'r0', 'r0', -1], ['jumpi', 'r0', 1], ['revert', 3]]);
    expect(assemble(disassemble(code))).toEqual(code);
  });

  it.each([
    [[['nope']], /unknown opcode "nope"/],
    [[['add', 'r0', 'r1']], /takes 3 operands/],
    [[['const', 'r16', 1]], /expected a register/],
    [[['jump', 5]], /outside the program/],
    [[['jump', 'missing']], /unknown label/],
    [[['const', 'r0', 2 ** 53]], /not an integer in the value range/],
    [[['const', 'r0', 1.5]], /not an integer/],
    [[['revert', -1]], /revert codes must be >= 0/],
    [[['hash', 'r0', 'r0', 0]], /hash iterations/],
  ] as [ReadableOp[], RegExp][])('rejects %j', (ops, message) => {
    expect(() => assemble(ops)).toThrow(AssembleError);
    expect(() => assemble(ops)).toThrow(message);
  });

  it('refuses a delta whose bounds hold no value only when asked, naming its index in ops', () => {
    const ops: ReadableOp[] = [['label', 'top'], ['const', 'r0', 1], ['delta', 'r0', 'r0', 10, 0]];
    expect(assemble(ops)).toHaveLength(2 * 5);
    let error: unknown;
    try {
      assemble(ops, undefined, { refuseEmptyDeltaBounds: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AssembleError);
    expect(error).toMatchObject({ instruction: 2, field: 'operand 2', message: 'delta bounds lo 10 above hi 0: every delta would revert' });
  });

  it('documents every opcode', () => {
    for (const o of OPS) expect(o.doc.length).toBeGreaterThan(5);
  });
});

describe('block semantics', () => {
  it('skips every transaction once cumulative gas reaches the block gas limit', () => {
    const tx = { ops: [['const', 'r0', 1], ['const', 'r1', 1], ['delta', 'r0', 'r1', 0, 100]] as ReadableOp[] };
    const block = blockOf([tx, tx, tx, tx], [], 84); // 42 gas each: the limit is reached after the second
    const r = executeReference(block);
    expect(r.receipts.map((x) => x.status)).toEqual(['success', 'success', 'skipped', 'skipped']);
    expect(r.state.get(1)).toBe(2);
    expect(r.gasUsed).toBe(84);
  });

  it('a reverted transaction changes nothing later ones see', () => {
    const block = blockOf([
      { ops: [['const', 'r0', 1], ['const', 'r1', 9], ['write', 'r0', 'r1'], ['revert', 1]] },
      { ops: [['const', 'r0', 1], ['read', 'r1', 'r0'], ['emit', 'r1']] },
    ], [[1, 4]]);
    const r = executeReference(block);
    expect(r.receipts[1]!.outputs).toEqual([4]);
    expect(r.reads[1]).toEqual([[1, 4]]);
  });

  it('writing zero deletes the key from the state root', () => {
    const a = executeReference(blockOf([{ ops: [['const', 'r0', 1], ['const', 'r1', 0], ['write', 'r0', 'r1']] }], [[1, 4]]));
    const b = executeReference(blockOf([], []));
    expect(a.stateRoot).toBe(b.stateRoot);
    expect(a.state.has(1)).toBe(false);
  });
});
