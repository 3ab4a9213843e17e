// Replays z3 witnesses on the real VM: two transactions in both orders through the reference
// executor, comparing exactly what the harness compares (final state, receipts, read sets).
// Invariant: a claim reports 'refuted' only when this replay shows the difference z3 promised,
// so a slip in an encoding surfaces as 'unknown', never as a false witness.

import type { Block, BlockResult, Program, ReadSet, Receipt } from '../block.js';
import { DEFAULT_BLOCK_GAS_LIMIT } from '../block.js';
import { executeReference } from '../reference.js';
import { FAULT_NAMES } from '../values.js';

/** One concrete transaction of a witness. */
export interface Call {
  readonly label: string;
  /** How the witness shows the call, e.g. `p2p(1, 2, 5, 0)` or `delta +3 in [0, 9]`. */
  readonly shows: string;
  readonly program: Program;
  readonly args: readonly number[];
  readonly gasLimit: number;
}

export type KeyNamer = (key: number) => string;

export function runBlock(calls: readonly Call[], pre: ReadonlyMap<number, number>): BlockResult {
  const block: Block = {
    programs: calls.map((c) => c.program),
    txs: calls.map((c, i) => ({ program: i, args: c.args, gasLimit: c.gasLimit })),
    preState: pre,
    gasLimit: DEFAULT_BLOCK_GAS_LIMIT,
  };
  return executeReference(block);
}

export function showReceipt(r: Receipt, reads: ReadSet, name: KeyNamer): string {
  const parts: string[] = [r.status];
  if (r.status === 'reverted') parts.push(`(${FAULT_NAMES[r.code] ?? `code ${r.code}`})`);
  if (reads.length > 0) parts.push(`read ${reads.map(([k, v]) => `${name(k)}=${v}`).join(' ')}`);
  if (r.outputs.length > 0) parts.push(`out [${r.outputs.join(', ')}]`);
  return parts.join(' ');
}

/** The state at its non-zero keys and at `also` (keys worth showing even when 0). */
export function showState(state: ReadonlyMap<number, number>, name: KeyNamer, also: Iterable<number> = []): string {
  const keys = [...new Set([...state.keys(), ...also])].sort((a, b) => a - b);
  return `{${keys.map((k) => `${name(k)}=${state.get(k) ?? 0}`).join(', ')}}`;
}

function stateObject(state: ReadonlyMap<number, number>, name: KeyNamer): Record<string, number> {
  return Object.fromEntries([...state].sort(([a], [b]) => a - b).map(([k, v]) => [name(k), v]));
}

const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);

export interface OrderReplay {
  readonly differences: readonly string[];
  readonly summary: string;
  readonly detail: Record<string, unknown>;
}

/** Runs [t1, t2] and [t2, t1] from pre and lists every observable that differs. */
export function replayOrders(t1: Call, t2: Call, pre: ReadonlyMap<number, number>, name: KeyNamer): OrderReplay {
  const first = runBlock([t1, t2], pre);
  const second = runBlock([t2, t1], pre);
  const differences: string[] = [];
  for (const [label, i, j] of [[t1.label, 0, 1], [t2.label, 1, 0]] as const) {
    if (!same(first.receipts[i], second.receipts[j])) differences.push(`${label}'s receipt`);
    if (!same(first.reads[i], second.reads[j])) differences.push(`${label}'s reads`);
  }
  const keys = new Set([...first.state.keys(), ...second.state.keys()]);
  for (const k of [...keys].sort((a, b) => a - b)) {
    if ((first.state.get(k) ?? 0) !== (second.state.get(k) ?? 0)) differences.push(`final ${name(k)}`);
  }
  const order = (r: BlockResult, a: Call, b: Call, ia: number, ib: number) =>
    `${a.label},${b.label} -> ${showState(r.state, name, pre.keys())}, ${a.label} ${showReceipt(r.receipts[ia]!, r.reads[ia]!, name)}, ${b.label} ${showReceipt(r.receipts[ib]!, r.reads[ib]!, name)}`;
  const summary = [
    `pre ${showState(pre, name)}; ${t1.label} = ${t1.shows}, ${t2.label} = ${t2.shows}`,
    order(first, t1, t2, 0, 1),
    order(second, t2, t1, 0, 1),
  ].join('; ');
  const outcome = (r: BlockResult, i: number) => ({ receipt: r.receipts[i], reads: r.reads[i] });
  const detail = {
    pre: stateObject(pre, name),
    txs: Object.fromEntries([t1, t2].map((c) => [c.label, { call: c.shows, args: c.args, gasLimit: c.gasLimit }])),
    [`${t1.label},${t2.label}`]: { state: stateObject(first.state, name), [t1.label]: outcome(first, 0), [t2.label]: outcome(first, 1) },
    [`${t2.label},${t1.label}`]: { state: stateObject(second.state, name), [t2.label]: outcome(second, 0), [t1.label]: outcome(second, 1) },
    differences,
  };
  return { differences, summary, detail };
}
