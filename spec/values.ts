// Values and keys of Concord's VM: the exact ranges every executor and the z3 encoding share.
// Invariant: a register, a stored value and a delta amount are always integers in
// [MIN_VALUE, MAX_VALUE] (the JS safe-integer range, so arithmetic on JS numbers is exact);
// a key is an integer in [0, KEY_LIMIT). Arithmetic whose exact result leaves the value range
// aborts the transaction (status reverted with code FAULT.OVERFLOW), it never wraps.

export const MAX_VALUE = Number.MAX_SAFE_INTEGER; // 2^53 - 1
export const MIN_VALUE = Number.MIN_SAFE_INTEGER; // -(2^53 - 1)
export const KEY_LIMIT = 2 ** 32;

/** Revert codes the VM itself raises. Contracts revert with codes >= 0, so the two never collide. */
export const FAULT = {
  OVERFLOW: -1,
  DIV_BY_ZERO: -2,
  BAD_KEY: -3,
  DELTA_BOUND: -4,
} as const;

export const FAULT_NAMES: Readonly<Record<number, string>> = {
  [FAULT.OVERFLOW]: 'arithmetic overflow',
  [FAULT.DIV_BY_ZERO]: 'division by zero',
  [FAULT.BAD_KEY]: 'key out of range',
  [FAULT.DELTA_BOUND]: 'delta outside its bounds',
};

export function isValue(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

export function isKey(k: unknown): k is number {
  return typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < KEY_LIMIT;
}
