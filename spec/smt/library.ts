// The invariants the library contracts (spec/contracts.ts) must keep, written in the same JSON
// language a user's contract file uses (docs/prove.md), so the built-in proofs exercise the
// parser users rely on. Invariant: every entry names its contract's own parameters and fields.

import { STRIDE, type Field } from '../contracts.js';

const key = (arg: string, field: Field) => ({ arg, mul: STRIDE, add: field });

function conserves(field: Field): unknown {
  const keys = [key('from', field), key('to', field)];
  return { name: `conserves the total ${field}`, holds: ['=', ['sum', 'post', ...keys], ['sum', 'pre', ...keys]] };
}

const reserve0 = key('pool', 'reserve0');
const reserve1 = key('pool', 'reserve1');
const supply = key('collection', 'supply');

export const LIBRARY_INVARIANTS: Readonly<Record<string, readonly unknown[]>> = {
  p2p: [conserves('balance')],
  token: [conserves('token')],
  'amm-swap': [{
    name: 'never lowers reserve0 * reserve1',
    assume: ['and', ['>=', ['pre', reserve0], 0], ['>=', ['pre', reserve1], 0]],
    holds: ['>=', ['*', ['post', reserve0], ['post', reserve1]], ['*', ['pre', reserve0], ['pre', reserve1]]],
  }],
  'nft-mint': [{ name: 'the supply counter strictly increases', holds: ['=>', ['success'], ['>', ['post', supply], ['pre', supply]]] }],
};
