// The VM: runs one transaction's bytecode against a state view. Every executor (reference,
// sequential, Block-STM, modular) calls this same function; only the view differs.
// Invariants: gas is charged before an instruction runs and never exceeds the limit; a
// transaction that reverts or runs out of gas leaves no writes and no outputs; reads lists each
// key the program read from the view (not from its own writes) once, with the value seen; the
// view is only ever asked for keys inside [0, KEY_LIMIT).

import { sha256 } from '@noble/hashes/sha2.js';
import { HASH_GAS_PER_ITERATION, OP, OPS, REGISTERS, WIDTH } from './bytecode.js';
import { FAULT, KEY_LIMIT, MAX_VALUE, MIN_VALUE } from './values.js';

export interface StateView {
  /** The value of key as this transaction should see it; forDelta marks the base of a DELTA, which the program does not observe. */
  read(key: number, forDelta: boolean): number;
}

export const TxStatus = { Success: 0, Reverted: 1, OutOfGas: 2 } as const;
export type TxStatus = (typeof TxStatus)[keyof typeof TxStatus];

/**
 * What one execution produced. Reused between executions so the hot loop allocates nothing: each
 * list is the first `...Count` entries of its arrays (entries past the count are stale).
 */
export interface TxOutcome {
  status: TxStatus;
  code: number;
  gasUsed: number;
  outputCount: number;
  outputs: number[];
  readCount: number;
  readKeys: number[];
  readValues: number[];
  /** Keys whose base value a DELTA consulted without the program reading them, with that base. */
  deltaBaseCount: number;
  deltaBaseKeys: number[];
  deltaBaseValues: number[];
  writeCount: number;
  writeKeys: number[];
  writeValues: number[];
  /** Per write: true when only DELTAs touched the key (so the write is base + writeDeltas[i]). */
  writeIsDelta: boolean[];
  writeDeltas: number[];
  /** Writes a reverted or out-of-gas execution made before it stopped (the first entries of writeKeys and writeValues; writeCount is 0): only explanations read them. */
  revertedWriteCount: number;
}

export function newOutcome(): TxOutcome {
  return {
    status: TxStatus.Success, code: 0, gasUsed: 0, outputCount: 0, outputs: [], readCount: 0, readKeys: [], readValues: [],
    deltaBaseCount: 0, deltaBaseKeys: [], deltaBaseValues: [], writeCount: 0, writeKeys: [], writeValues: [], writeIsDelta: [], writeDeltas: [], revertedWriteCount: 0,
  };
}

const GAS = OPS.map((o) => o.gas);
const regs = new Float64Array(REGISTERS);

function indexOf(keys: number[], count: number, key: number): number {
  for (let i = 0; i < count; i++) if (keys[i] === key) return i;
  return -1;
}

function inRange(v: number): boolean {
  return v <= MAX_VALUE && v >= MIN_VALUE;
}

/**
 * Executes `code` with `args` in r0.. and at most `gasLimit` gas, filling `out`.
 * Returns `out` for convenience.
 */
export function runTransaction(
  code: Float64Array, args: readonly number[], gasLimit: number, view: StateView, out: TxOutcome,
): TxOutcome {
  regs.fill(0);
  for (let i = 0; i < args.length; i++) regs[i] = args[i]!;
  let outputs = 0;
  let reads = 0;
  let bases = 0;
  let writes = 0;
  const end = code.length / WIDTH;
  let gas = 0;
  let pc = 0;
  let status: TxStatus = TxStatus.Success;
  let fault = 0;
  run: while (pc < end) {
    const at = pc * WIDTH;
    // Register operands as small integers keep V8 on its fast element paths; immediates
    // (CONST's b, ADDI/MULI's c, DELTA's bounds) are read as doubles where used.
    const op = code[at]! | 0;
    const a = code[at + 1]! | 0;
    const b = code[at + 2]! | 0;
    const c = code[at + 3]! | 0;
    const cost = op === OP.HASH ? GAS[op]! + HASH_GAS_PER_ITERATION * code[at + 3]! : GAS[op]!;
    if (gas + cost > gasLimit) {
      status = TxStatus.OutOfGas;
      gas = gasLimit;
      break;
    }
    gas += cost;
    pc++;
    let r: number;
    switch (op) {
      case OP.STOP:
        break run;
      case OP.CONST:
        regs[a] = code[at + 2]!;
        break;
      case OP.MOV:
        regs[a] = regs[b]!;
        break;
      case OP.READ: {
        const key = regs[b]!;
        if (key < 0 || key >= KEY_LIMIT) { fault = FAULT.BAD_KEY; break run; }
        const w = indexOf(out.writeKeys, writes, key);
        if (w >= 0) {
          regs[a] = out.writeValues[w]!;
        } else {
          const seen = indexOf(out.readKeys, reads, key);
          if (seen >= 0) {
            regs[a] = out.readValues[seen]!;
          } else {
            const v = view.read(key, false);
            out.readKeys[reads] = key;
            out.readValues[reads++] = v;
            regs[a] = v;
          }
        }
        break;
      }
      case OP.WRITE: {
        const key = regs[a]!;
        if (key < 0 || key >= KEY_LIMIT) { fault = FAULT.BAD_KEY; break run; }
        const w = indexOf(out.writeKeys, writes, key);
        if (w >= 0) {
          out.writeValues[w] = regs[b]!;
          out.writeIsDelta[w] = false;
        } else {
          out.writeKeys[writes] = key;
          out.writeValues[writes] = regs[b]!;
          out.writeIsDelta[writes] = false;
          out.writeDeltas[writes++] = 0;
        }
        break;
      }
      case OP.DELTA: {
        const key = regs[a]!;
        if (key < 0 || key >= KEY_LIMIT) { fault = FAULT.BAD_KEY; break run; }
        const amount = regs[b]!;
        const w = indexOf(out.writeKeys, writes, key);
        let base: number;
        if (w >= 0) {
          base = out.writeValues[w]!;
        } else {
          const seen = indexOf(out.readKeys, reads, key);
          if (seen >= 0) {
            base = out.readValues[seen]!;
          } else {
            const known = indexOf(out.deltaBaseKeys, bases, key);
            if (known >= 0) {
              base = out.deltaBaseValues[known]!;
            } else {
              base = view.read(key, true);
              out.deltaBaseKeys[bases] = key;
              out.deltaBaseValues[bases++] = base;
            }
          }
        }
        r = base + amount;
        if (!inRange(r)) { fault = FAULT.OVERFLOW; break run; }
        if (r < code[at + 3]! || r > code[at + 4]!) { fault = FAULT.DELTA_BOUND; break run; }
        if (w >= 0) {
          out.writeValues[w] = r;
          if (out.writeIsDelta[w]) out.writeDeltas[w] = out.writeDeltas[w]! + amount;
        } else {
          const pureDelta = indexOf(out.readKeys, reads, key) < 0;
          out.writeKeys[writes] = key;
          out.writeValues[writes] = r;
          out.writeIsDelta[writes] = pureDelta;
          out.writeDeltas[writes++] = pureDelta ? amount : 0;
        }
        break;
      }
      case OP.ADD:
        r = regs[b]! + regs[c]!;
        if (!inRange(r)) { fault = FAULT.OVERFLOW; break run; }
        regs[a] = r;
        break;
      case OP.SUB:
        r = regs[b]! - regs[c]!;
        if (!inRange(r)) { fault = FAULT.OVERFLOW; break run; }
        regs[a] = r;
        break;
      case OP.MUL:
        r = regs[b]! * regs[c]!;
        if (!inRange(r)) { fault = FAULT.OVERFLOW; break run; }
        regs[a] = r + 0; // normalises -0 so every later comparison and hash sees plain 0
        break;
      case OP.DIV:
        if (regs[c] === 0) { fault = FAULT.DIV_BY_ZERO; break run; }
        regs[a] = Math.trunc(regs[b]! / regs[c]!) + 0;
        break;
      case OP.MOD:
        if (regs[c] === 0) { fault = FAULT.DIV_BY_ZERO; break run; }
        regs[a] = (regs[b]! % regs[c]!) + 0;
        break;
      case OP.ADDI:
        r = regs[b]! + code[at + 3]!;
        if (!inRange(r)) { fault = FAULT.OVERFLOW; break run; }
        regs[a] = r;
        break;
      case OP.MULI:
        r = regs[b]! * code[at + 3]!;
        if (!inRange(r)) { fault = FAULT.OVERFLOW; break run; }
        regs[a] = r + 0;
        break;
      case OP.LT:
        regs[a] = regs[b]! < regs[c]! ? 1 : 0;
        break;
      case OP.LE:
        regs[a] = regs[b]! <= regs[c]! ? 1 : 0;
        break;
      case OP.EQ:
        regs[a] = regs[b] === regs[c] ? 1 : 0;
        break;
      case OP.NOT:
        regs[a] = regs[b] === 0 ? 1 : 0;
        break;
      case OP.JUMP:
        pc = a;
        break;
      case OP.JUMPI:
        if (regs[a] !== 0) pc = b;
        break;
      case OP.REVERT:
        status = TxStatus.Reverted;
        fault = code[at + 1]!;
        break run;
      case OP.EMIT:
        out.outputs[outputs++] = regs[a]!;
        break;
      case OP.HASH:
        regs[a] = hashValue(regs[b]!, code[at + 3]!);
        break;
    }
  }
  if (fault !== 0 || status === TxStatus.Reverted) status = TxStatus.Reverted;
  out.status = status;
  out.code = status === TxStatus.Reverted ? fault : 0;
  out.gasUsed = gas;
  const ok = status === TxStatus.Success;
  out.outputCount = ok ? outputs : 0;
  out.writeCount = ok ? writes : 0;
  out.revertedWriteCount = ok ? 0 : writes;
  out.readCount = reads;
  out.deltaBaseCount = bases;
  return out;
}

const hashInput = new Uint8Array(8);
const hashInputView = new DataView(hashInput.buffer);
// One pristine and one working SHA-256 state, reset by copying the pristine one over the working
// one: sha256(bytes) would build a hasher, its buffers and a digest per call, and that garbage
// (collected by V8's helper threads) was what the VM spent most beside hashing itself.
const pristine = sha256.create();
let hasher = sha256.create();
const digest = new Uint8Array(32);

function sha256Into(input: Uint8Array): void {
  hasher = pristine._cloneInto(hasher);
  hasher.update(input);
  hasher.digestInto(digest);
}

/** sha256 of the value's 8-byte little-endian two's complement, iterated, truncated to its first 53 bits. */
export function hashValue(value: number, iterations: number): number {
  const hi = Math.floor(value / 2 ** 32);
  hashInputView.setUint32(0, value - hi * 2 ** 32, true);
  hashInputView.setInt32(4, hi, true);
  sha256Into(hashInput);
  for (let i = 1; i < iterations; i++) sha256Into(digest);
  const d = digest;
  const top = ((d[0]! & 0x1f) << 16) | (d[1]! << 8) | d[2]!;
  const low = ((d[3]! << 24) | (d[4]! << 16) | (d[5]! << 8) | d[6]!) >>> 0;
  return top * 2 ** 32 + low;
}
