// `concord verify` on a user's executor module that changes the block it is given (an argument, a
// transaction pushed or popped, the pre-state, a shared contract program's code): caught as its own
// failure, `changed input`, naming the executor and what changed, shrunk to a small block, written
// as the block it was given (so its rerun command catches it too) and replayed by its token; an
// executor that writes only to what it owns is unaffected. The modules import dist/, which
// `npm test` builds first.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseBlock } from '../spec/block-file.js';
import { CONTRACTS, contractProgram } from '../spec/contracts.js';
import { buildBlock, type BlockSpec } from '../properties/arbitraries.js';
import { capturedVerify } from './verify-capture.js';

const dir = mkdtempSync(join(tmpdir(), 'concord-verify-mutation-'));
const out = join(dir, 'out');
const reference = new URL('../dist/spec/reference.js', import.meta.url).href;
const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;

/** A module whose execute() runs `change` on the block it is given, then the reference on it. */
function executor(name: string, change: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, `import { executeReference } from '${reference}';
export default { name: '${name}', async execute(block) { ${change} return executeReference(block); }, async close() {} };\n`);
  return file;
}

const verify = capturedVerify(out);

afterEach(() => vi.restoreAllMocks());

describe('concord verify on an executor that changes the block it is given', () => {
  it.each([
    ['changes-argument', 'const tx = block.txs.find((t) => t.args.length > 0); if (tx) tx.args[0] += 1;', /transaction \d+'s args\[0\] was -?\d+ before execute\(\) and is -?\d+ after/],
    ['pushes-transaction', 'if (block.txs.length > 0) block.txs.push(block.txs[0]);', /the list of transactions was (\d+) long before execute\(\) and is \d+ long after/],
    ['pops-transaction', 'block.txs.pop();', /the list of transactions was \d+ long before execute\(\) and is \d+ long after/],
    ['edits-pre-state', 'const [k, v] = block.preState.entries().next().value ?? [0, 0]; block.preState.set(k, v + 1);', /the pre-state's key #\d+\.\w+ \(\d+\) was -?\d+ before execute\(\) and is -?\d+ after/],
    // The same value every time, into a contract program every generated block shares: shrinking
    // works only if each changed block is put back.
    ['patches-contract-code', 'const p = block.programs.find((q) => q.contract); if (p) p.code[2] = 7;', /program \d+ \([\w#-]+\)'s code\[2\], which transaction \d+ calls, was -?\d+ before execute\(\) and is 7 after/],
  ])('%s: exit 1, said plainly, shrunk, written as given and replayed', async (name, change, what) => {
    const module = executor(name, change);
    const r = await verify({ executor: [module], json: true });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(false);
    const [f] = j.failures;
    expect(f).toMatchObject({ executor: module, label: `${name} (${module})`, explanation: { anomaly: 'changed input' } });
    expect(f.explanation.detail).toMatch(new RegExp(`^The executor ${name} \\(\\S+\\) changed the block it was given: `));
    expect(f.explanation.detail).toMatch(what);
    expect(f.failsOnly).toBeUndefined();
    expect(f.transactions).toBeGreaterThan(0);
    expect(f.transactions).toBeLessThanOrEqual(2);
    // The file holds the block as it was given, so the rerun command sees the change too.
    const block = parseBlock(readFileSync(f.blockFile, 'utf8'), f.blockFile);
    expect(block.txs).toHaveLength(f.transactions);
    const rerun = spawnSync(process.execPath, [cli, 'run', f.blockFile, '--executor', module, '--threads', String(f.threads), '--check', '--warmup', '0'], { encoding: 'utf8' });
    expect(rerun.status).toBe(1);
    // `run` compares a digest of the block file's fields, which leave a contract's code out (it is named, not listed).
    if (name !== 'patches-contract-code') expect(rerun.stderr).toMatch(/changed the block it was given/);
    const again = JSON.parse((await verify({ replay: f.token, json: true })).stdout);
    expect(again).toMatchObject({ ok: false, reproduced: true });
    expect(again.failures[0].block).toEqual(f.block);
    expect(again.failures[0].explanation).toEqual(f.explanation);
    expect(again.failures[0].numShrinks).toBe(f.numShrinks);
  });

  it('catches an executor that writes into the table of a SharedState pre-state, which the Map beside it does not show', async () => {
    const module = executor('writes-table', 'if (block.preState.buffer) { const t = new Float64Array(block.preState.buffer); const n = t.length / 2; '
      + 'for (let h = 0; h < n; h++) if (t[h] !== -1) { t[n + h] += 1; break; } }');
    const r = await verify({ executor: [module], json: true });
    expect(r.code).toBe(1);
    const [f] = JSON.parse(r.stdout).failures;
    expect(f).toMatchObject({ preState: 'shared', explanation: { anomaly: 'changed input', tx: -1, key: expect.any(Number), expected: 'the table holds what the Map does (as given)' } });
    expect(f.setting).toMatch(/, shared pre-state$/);
    expect(f.explanation.actual).toMatch(/^key \d+: the table holds -?\d+, the Map -?\d+ \(after execute\(\)\)$/);
    expect(f.explanation.detail).toMatch(/^The executor writes-table \(\S+\) changed the table of the SharedState it was given as the pre-state \(key \d+: /);
    expect(f.transactions).toBe(1);
    const rerun = spawnSync(process.execPath, [cli, 'run', f.blockFile, '--executor', module, '--pre-state', 'shared', '--check', '--warmup', '0'], { encoding: 'utf8' });
    expect(rerun.status).toBe(1);
    expect(rerun.stderr).toMatch(/changed the table of the SharedState it was given as the pre-state/);
  });

  it('catches an executor that puts a Map in the place of the SharedState it was given, and puts the SharedState back', async () => {
    const module = executor('replaces-shared', 'if (block.preState.buffer) block.preState = new Map(block.preState);');
    const [f] = JSON.parse((await verify({ executor: [module], json: true })).stdout).failures;
    expect(f).toMatchObject({ preState: 'shared', explanation: { anomaly: 'changed input', expected: 'the SharedState (as given)', actual: 'a Map (after execute())' } });
    expect(f.explanation.detail).toMatch(/^The executor replaces-shared \(\S+\) replaced the SharedState it was given as the pre-state with a Map\. /);
  });

  it('prints the explanation with the rerun and replay lines on a terminal', async () => {
    const r = await verify({ executor: [executor('pops-to-print', 'block.txs.pop();')] });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL pops-to-print \(\S+\): equivalence check \(threads \d\), shrunk to 1 transaction in \d+ steps$/m);
    expect(r.stdout).toMatch(/^ {2}anomaly {6}changed input {2}\[Elle: the executor wrote to the block it was given\]$/m);
    expect(r.stdout).toMatch(/^ {2}transaction {2}tx 0$/m);
    expect(r.stdout).toMatch(/^ {2}expected {5}1 transaction \(as given\)$/m);
    expect(r.stdout).toMatch(/^ {2}actual {7}0 transactions \(after execute\(\)\)$/m);
    expect(r.stdout).toMatch(/^ {2}why {10}The executor pops-to-print \(\S+\) changed the block it was given: the list of transactions was 1 long before execute\(\) and is 0 long after\. /m);
    expect(r.stdout).toMatch(/^ {2}block file {3}\S+\.block\.json {2}\(rerun: npx concord run \S+\.block\.json --executor \S+pops-to-print\.mjs --threads \d --warmup 0 --check\)$/m);
    expect(r.stdout).toMatch(/^ {2}replay {7}npx concord verify --replay cv8_\S+( --out \S+)?$/m);
  });

  it('says so when an executor changed the block and threw as well', async () => {
    const r = await verify({ executor: [executor('pops-and-throws', "block.txs.pop(); throw new Error('lost a transaction');")], json: true });
    expect(r.code).toBe(1);
    const [f] = JSON.parse(r.stdout).failures;
    expect(f.explanation.anomaly).toBe('changed input');
    expect(f.error).toBe('Error: lost a transaction');
  });

  it('leaves an executor that writes only to what it owns alone, and the blocks checked after one that did not', async () => {
    const owns = executor('owns-its-copy', 'const state = new Map(block.preState); state.set(0, 1); const txs = [...block.txs]; txs.pop();');
    const good = await verify({ executor: [owns], runs: '200' });
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/all properties hold/);
    const patches = executor('patches-every-contract', 'for (const p of block.programs) if (p.contract) p.code[2] = 7;');
    const after = JSON.parse((await verify({ executor: [patches, 'sequential'], runs: '200', json: true })).stdout);
    expect(after.failures.map((f: { label: string }) => f.label)).toEqual([`patches-every-contract (${patches})`]);
    expect(after.executors[1]).toMatchObject({ name: 'sequential', failed: false, uncovered: [] });
    // Generated blocks share one copy of each contract program: every one is as assembled.
    for (const [contract, def] of CONTRACTS) {
      for (const hashCost of [0, 1]) {
        const spec: BlockSpec = { keys: 3, pre: [], gasLimit: null, txs: [{ kind: 'call', contract, args: def.params.map(() => 0), hashCost, gas: 100_000 }] };
        expect([...buildBlock(spec).programs[0]!.code], `${contract}#${hashCost}`).toEqual([...contractProgram(contract, hashCost).code]);
      }
    }
  });
});
