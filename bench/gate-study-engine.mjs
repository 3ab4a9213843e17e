#!/usr/bin/env node
// The engine bench/gate-study.sh times: examples/exec-engine.mjs's engine (Concord's reference
// executor behind concord-exec/1), declaring the name `gate-study` so that its runs match across
// files, with a slowdown to plant. GATE_STUDY_SLOW=F or `--slow F` (a fraction, e.g. 0.2) busy-waits
// F times its own execution time after each block, so a slowed build is that much slower whatever
// the machine's speed in that round; `--name NAME` declares another name, so that two or three
// builds timed in one bench run (the paired gate's study) are told apart; `--sequential` is its own
// baseline (bench --baseline), never slowed and named by its command, as bench names a baseline.
// Invariant: one answer line per request line, in order, with the request's id; the answers are the
// reference executor's, so every run matches the reference.

import { createInterface } from 'node:readline';
import { executeReference } from 'concord/dist/spec/reference.js';

const sequential = process.argv.includes('--sequential');
/** The value after `flag` on the command line, else `fallback`. */
function arg(flag, fallback) {
  const at = process.argv.indexOf(flag);
  return at < 0 ? fallback : process.argv[at + 1];
}
const slow = sequential ? 0 : Number(arg('--slow', process.env.GATE_STUDY_SLOW ?? 0));
const name = arg('--name', 'gate-study');

/** The last pre-state a request carried: the engine says it keeps it (keepsPreState). */
let kept = null;

function blockOf(request) {
  const b = request.block;
  if (b.preState !== undefined) kept = { id: request.id, preState: new Map(b.preState) };
  else if (kept === null || b.preStateOf !== kept.id) throw new Error(`preStateOf ${b.preStateOf}: the last request that carried a pre-state was ${kept?.id ?? 'none'}`);
  return { programs: b.programs.map((p) => ({ ...p, code: Float64Array.from(p.code) })), txs: b.txs, preState: kept.preState, gasLimit: b.gasLimit };
}

function answer(request) {
  const block = blockOf(request);
  const started = performance.now();
  const result = executeReference(block);
  const until = performance.now() + (performance.now() - started) * slow;
  while (performance.now() < until);
  // The engine's own time, the planted wait included.
  const executeMs = performance.now() - started;
  const writes = [];
  for (const [k, v] of result.state) if (block.preState.get(k) !== v) writes.push([k, v]);
  for (const k of block.preState.keys()) if (!result.state.has(k)) writes.push([k, 0]);
  return {
    id: request.id, writes, receipts: result.receipts, reads: result.reads, stats: { ...result.stats, executeMs }, keepsPreState: true,
    ...(sequential ? {} : { name }),
  };
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
