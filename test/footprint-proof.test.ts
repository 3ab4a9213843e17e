// The footprint proof (impl/modular/footprint-proof.ts) and the sequential executor's report of
// undeclared accesses (impl/modular/undeclared.ts): the proof vouches for every library contract
// and for no program that can leave its footprint, and on random programs whose footprints often
// lie, the sequential run reports exactly what the lanes report.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Block, FootprintEntry, Program } from '../spec/block.js';
import { assemble, type ReadableOp } from '../spec/bytecode.js';
import { CONTRACTS, contractProgram } from '../spec/contracts.js';
import { executeReference } from '../spec/reference.js';
import { executeSequential } from '../impl/sequential.js';
import { footprintHolds } from '../impl/modular/footprint-proof.js';
import { COVERED, kindBit } from '../impl/modular/order.js';
import { runModularSimulated } from '../impl/modular/simulate.js';
import { undeclaredStats, watchUndeclared, type Violation } from '../impl/modular/undeclared.js';

const program = (ops: ReadableOp[], footprint: FootprintEntry[] | undefined, arity = 2): Program => ({
  name: 'p', code: assemble(ops), arity, ...(footprint ? { footprint } : {}),
});
const at = (arg: number, access: FootprintEntry['access'], add = 0, mul = 16): FootprintEntry => ({ key: { arg, mul, add }, access });
const fixed = (add: number, access: FootprintEntry['access']): FootprintEntry => ({ key: { add }, access });

describe('footprintHolds', () => {
  it('vouches for every library contract', () => {
    for (const name of CONTRACTS.keys()) expect(footprintHolds(contractProgram(name, 3)), name).toBe(true);
  });

  it('vouches for keys computed from arguments and constants in any order of operations, across branches that agree', () => {
    // 16 * (args[0] + 1) + 2 = args[0] * 16 + 18; both branches leave the same function in r4.
    const ops: ReadableOp[] = [
      ['addi', 'r4', 'r0', 1], ['jumpi', 'r1', 'other'], ['muli', 'r4', 'r4', 16], ['jump', 'join'],
      ['label', 'other'], ['const', 'r5', 16], ['mul', 'r4', 'r5', 'r4'],
      ['label', 'join'], ['addi', 'r4', 'r4', 2], ['read', 'r6', 'r4'], ['const', 'r7', 5], ['write', 'r7', 'r6'], ['stop'],
    ];
    expect(footprintHolds(program(ops, [at(0, 'read', 18), fixed(5, 'write')]))).toBe(true);
    // A write entry covers a read of its key; a read entry covers no write.
    expect(footprintHolds(program(ops, [at(0, 'write', 18), fixed(5, 'write')]))).toBe(true);
    expect(footprintHolds(program(ops, [at(0, 'read', 18), fixed(5, 'read')]))).toBe(false);
    expect(footprintHolds(program(ops, [at(0, 'read', 17), fixed(5, 'write')]))).toBe(false);
    expect(footprintHolds(program(ops, [at(1, 'read', 18), fixed(5, 'write')]))).toBe(false);
    expect(footprintHolds(program(ops, undefined))).toBe(false);
  });

  it('gives up on keys it cannot name: branches that disagree, a loop, state, two arguments, huge coefficients', () => {
    const read = (keyOps: ReadableOp[]) => program([...keyOps, ['read', 'r6', 'r4'], ['stop']], [at(0, 'read'), at(1, 'read'), fixed(0, 'read'), fixed(16, 'read')]);
    expect(footprintHolds(read([['muli', 'r4', 'r0', 16]]))).toBe(true);
    expect(footprintHolds(read([['muli', 'r4', 'r0', 16], ['jumpi', 'r1', 'end'], ['muli', 'r4', 'r1', 16], ['label', 'end']]))).toBe(false);
    expect(footprintHolds(read([['const', 'r4', 0], ['label', 'loop'], ['addi', 'r4', 'r4', 16], ['jumpi', 'r0', 'loop']]))).toBe(false);
    expect(footprintHolds(read([['const', 'r4', 0], ['read', 'r4', 'r4']]))).toBe(false);
    expect(footprintHolds(read([['add', 'r4', 'r0', 'r1'], ['muli', 'r4', 'r4', 16]]))).toBe(false);
    expect(footprintHolds(read([['muli', 'r4', 'r0', 2 ** 40], ['muli', 'r4', 'r4', 2 ** 20]]))).toBe(false);
    // An argument past the ones the program takes is 0 in its register.
    expect(footprintHolds(read([['muli', 'r4', 'r3', 16]]))).toBe(true);
  });

  it('asks a delta on a key the program may have read before to be covered as a write, as the conflict table says', () => {
    // After a read of the same key, the VM records the delta as a write. Whether a read and a delta
    // entry cover it is the conflict table's word (today they do: a delta is ordered with everything).
    const readAndDeltaCoverWrite = (COVERED[kindBit('read') | kindBit('delta')]! & kindBit('write')) !== 0;
    const readThenDelta = (readKey: string): ReadableOp[] => [['muli', 'r4', 'r0', 16], ['muli', 'r5', 'r1', 16], ['read', 'r6', readKey], ['const', 'r7', 1], ['delta', 'r4', 'r7', 0, 100], ['stop']];
    expect(footprintHolds(program(readThenDelta('r4'), [at(0, 'read'), at(0, 'delta')]))).toBe(readAndDeltaCoverWrite);
    expect(footprintHolds(program(readThenDelta('r4'), [at(0, 'write')]))).toBe(true);
    expect(footprintHolds(program(readThenDelta('r4'), [at(0, 'read')]))).toBe(false);
    // args[1] may equal args[0]: the key read may be the one the delta adds to.
    expect(footprintHolds(program(readThenDelta('r5'), [at(1, 'read'), at(0, 'delta')]))).toBe(readAndDeltaCoverWrite);
    expect(footprintHolds(program(readThenDelta('r5'), [at(1, 'write'), at(0, 'delta')]))).toBe(true);
    // Two constants never meet.
    const constants: ReadableOp[] = [['const', 'r4', 16], ['read', 'r6', 'r4'], ['const', 'r4', 32], ['delta', 'r4', 'r6', 0, 100], ['stop']];
    expect(footprintHolds(program(constants, [fixed(16, 'read'), fixed(32, 'delta')]))).toBe(true);
  });
});

/** A step of a random program: keys are args[0] or args[1] times 16 plus 0 or 1, a constant, or a value read from state; it may jump to its end or loop back to its start. */
const instructionArb: fc.Arbitrary<ReadableOp[]> = fc.oneof(
  fc.tuple(fc.constantFrom('r0', 'r1'), fc.constantFrom(0, 1), fc.constantFrom('r4', 'r5')).map(([arg, add, dst]): ReadableOp[] => [['muli', dst, arg, 16], ['addi', dst, dst, add]]),
  fc.tuple(fc.constantFrom(16, 17, 32), fc.constantFrom('r4', 'r5')).map(([c, dst]): ReadableOp[] => [['const', dst, c]]),
  fc.tuple(fc.constantFrom('r6', 'r4'), fc.constantFrom('r4', 'r5')).map(([dst, key]): ReadableOp[] => [['read', dst, key]]),
  fc.constantFrom('r4', 'r5').map((key): ReadableOp[] => [['write', key, 'r6']]),
  fc.constantFrom('r4', 'r5').map((key): ReadableOp[] => [['const', 'r7', 1], ['delta', key, 'r7', -50, 50]]),
  fc.constantFrom('r1', 'r6').map((cond): ReadableOp[] => [['jumpi', cond, 'end']]),
  fc.constant<ReadableOp[]>([['jumpi', 'r6', 'top']]),
);

const entryArb: fc.Arbitrary<FootprintEntry> = fc.tuple(fc.constantFrom(-1, 0, 1), fc.constantFrom(0, 1, 16, 32), fc.constantFrom('read', 'write', 'delta') as fc.Arbitrary<FootprintEntry['access']>)
  .map(([arg, add, access]) => (arg < 0 ? fixed(add, access) : at(arg, access, add)));

/** Instructions, each maybe skipped when r1 or a value read is not 0, so that paths join after it. */
const bodyArb: fc.Arbitrary<ReadableOp[]> = fc.array(fc.tuple(instructionArb, fc.option(fc.constantFrom('r1', 'r6'))), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.flatMap(([ops, skipIf], i): ReadableOp[] => (skipIf === null ? ops : [['jumpi', skipIf, `past${i}`], ...ops, ['label', `past${i}`]])));

const programArb: fc.Arbitrary<Program> = fc.tuple(bodyArb, fc.uniqueArray(entryArb, { maxLength: 5, selector: (e) => JSON.stringify(e) }))
  .map(([body, footprint]) => program([['label', 'top'], ...body, ['label', 'end'], ['stop']], footprint));

const blockArb: fc.Arbitrary<Block> = fc.tuple(
  fc.array(programArb, { minLength: 1, maxLength: 4 }),
  fc.array(fc.tuple(fc.nat(3), fc.nat(2), fc.nat(2)), { minLength: 1, maxLength: 12 }),
  fc.array(fc.tuple(fc.constantFrom(0, 1, 16, 17, 32, 33), fc.integer({ min: -2, max: 40 })), { maxLength: 6 }),
).map(([programs, calls, pre]) => ({
  programs,
  txs: calls.map(([p, a, b]) => ({ program: p % programs.length, args: [a, b], gasLimit: 10_000 })),
  preState: new Map(pre.filter(([, v]) => v !== 0)),
  gasLimit: Number.MAX_SAFE_INTEGER,
}));

describe('the sequential run of a block the preflight sends away', () => {
  it('reports exactly the undeclared accesses the lanes report, on random programs whose footprints often lie', () => {
    let vouched = 0;
    let lying = 0;
    fc.assert(
      fc.property(blockArb, fc.integer({ min: 1, max: 3 }), fc.nat(1000), (block, threads, seed) => {
        const violations: Violation[] = [];
        const result = executeSequential(block, undefined, watchUndeclared(block, violations));
        expect(result.stateRoot).toBe(executeReference(block).stateRoot);
        const lanes = runModularSimulated(block, { threads, modules: 3, schedule: 'random', seed });
        const { undeclaredAccesses, undeclared } = lanes.result.stats;
        expect(undeclaredStats(violations, block.entityNames)).toEqual({ undeclaredAccesses, undeclared });
        vouched += block.programs.filter(footprintHolds).length;
        if (violations.length > 0) lying++;
      }),
      { numRuns: 400, seed: 31 },
    );
    // The property means something only if both kinds of program were drawn often.
    expect(vouched).toBeGreaterThan(100);
    expect(lying).toBeGreaterThan(40);
  });
});
