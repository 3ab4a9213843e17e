#!/usr/bin/env node
// An engine in another process, speaking concord-exec/1 (docs/exec-protocol.md) on its standard
// input and output: the shape an engine in Rust, Go or C++ takes to be checked and timed by
// Concord. It stands in for one by running Concord's reference executor, so verify passes on it as
// it is: `npx concord verify --executor 'exec:node examples/exec-engine.mjs'`.
// Invariant: one answer line per request line, in order, with the request's id; nothing else on
// standard output (logs go to standard error); exit 0 when standard input ends.
// `--fail-on-tx N` makes it answer wrongly (the receipt of transaction N reverted with code 99),
// to watch verify catch and shrink a broken engine.

import { createInterface } from 'node:readline';
import { executeReference } from 'concord/dist/spec/reference.js';

const failAt = process.argv.indexOf('--fail-on-tx');
const brokenTx = failAt > 0 ? Number(process.argv[failAt + 1]) : -1;

/**
 * The pre-state of the last request that carried one. The engine says it keeps it (keepsPreState
 * in every answer), so a request for a block over the same pre-state names that request
 * (preStateOf) instead of carrying it again.
 */
let kept = null;

/** The request's block as Concord's Block type: the data is the same, code as a Float64Array and the pre-state as a Map. */
function blockOf(request) {
  const b = request.block;
  if (b.preState !== undefined) kept = { id: request.id, preState: new Map(b.preState) };
  else if (kept === null || b.preStateOf !== kept.id) throw new Error(`preStateOf ${b.preStateOf}: the last request that carried a pre-state was ${kept?.id ?? 'none'}`);
  return {
    programs: b.programs.map((p) => ({ ...p, code: Float64Array.from(p.code) })),
    txs: b.txs,
    preState: kept.preState,
    gasLimit: b.gasLimit,
  };
}

function answer(request) {
  const block = blockOf(request);
  const started = performance.now();
  const result = executeReference(block);
  // The engine's own time, apart from reading the request and writing the answer.
  const executeMs = performance.now() - started;
  // Final values of the keys whose value changed; a key set to 0 is written as 0.
  const writes = [];
  for (const [k, v] of result.state) if (block.preState.get(k) !== v) writes.push([k, v]);
  for (const k of block.preState.keys()) if (!result.state.has(k)) writes.push([k, 0]);
  const receipts = result.receipts.map((r, t) => (t === brokenTx ? { ...r, status: 'reverted', code: 99 } : r));
  return { id: request.id, writes, receipts, reads: result.reads, stats: { ...result.stats, executeMs }, keepsPreState: true };
}

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  const request = JSON.parse(line);
  let reply;
  try {
    reply = answer(request);
  } catch (e) {
    reply = { id: request.id, error: String(e?.message ?? e) };
  }
  process.stdout.write(`${JSON.stringify(reply)}\n`);
}
