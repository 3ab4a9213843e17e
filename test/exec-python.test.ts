// examples/exec-engine.py, the engine in another language (plain Python 3, standard library only),
// run as a user runs it (dist/cli/concord.js, `exec:python3 PATH`): verify finds it equivalent to
// the reference, and its vm-corners check catches a port of the VM that differs from Concord's (a
// `mod` taking the divisor's sign, as Python's % does); `run --check` agrees on a workload and on
// a block of corners (a key outside [0, 2^32), div and mod of two negatives, division by zero,
// overflow of addi, mul and a delta, a read after the transaction's own delta and write, hash of
// a negative value, a revert and an out-of-gas after reads and writes, and the block gas limit
// crossed by a transaction that started below it). python3 is required: .ci/run installs it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const engine = new URL('../examples/exec-engine.py', import.meta.url).pathname;
const executor = `exec:python3 '${engine}'`;

const MAX = Number.MAX_SAFE_INTEGER;
const corners = {
  format: 'concord-block/1',
  preState: { 5: MAX, 6: 4, 7: 11 },
  gasLimit: 420,
  transactions: [
    { ops: [['const', 'r0', MAX], ['addi', 'r0', 'r0', 1]], args: [] },
    { ops: [['const', 'r0', 94906267], ['mul', 'r1', 'r0', 'r0']], args: [] },
    { ops: [['const', 'r0', -7], ['const', 'r1', 2], ['div', 'r2', 'r0', 'r1'], ['mod', 'r3', 'r0', 'r1'], ['const', 'r1', -2], ['div', 'r4', 'r0', 'r1'], ['mod', 'r5', 'r0', 'r1'], ['emit', 'r2'], ['emit', 'r3'], ['emit', 'r4'], ['emit', 'r5']], args: [] },
    { ops: [['const', 'r0', 2 ** 32], ['read', 'r1', 'r0']], args: [] },
    { ops: [['const', 'r0', 5], ['const', 'r1', 1], ['delta', 'r0', 'r1', -MAX, MAX]], args: [] },
    { ops: [['const', 'r0', 6], ['const', 'r1', 3], ['delta', 'r0', 'r1', 0, 10], ['read', 'r2', 'r0'], ['emit', 'r2'], ['write', 'r0', 'r2'], ['read', 'r3', 'r0'], ['emit', 'r3']], args: [] },
    { ops: [['const', 'r0', -5], ['hash', 'r1', 'r0', 2], ['emit', 'r1']], args: [] },
    { ops: [['const', 'r0', 7], ['read', 'r1', 'r0'], ['const', 'r2', 8], ['write', 'r2', 'r1'], ['emit', 'r1'], ['revert', 3]], args: [] },
    { ops: [['const', 'r0', 7], ['read', 'r1', 'r0'], ['write', 'r0', 'r0']], args: [], gasLimit: 30 },
    { ops: [['const', 'r0', 0], ['div', 'r1', 'r0', 'r0']], args: [] },
    { ops: [['const', 'r0', 8], ['const', 'r1', 1], ['write', 'r0', 'r1']], args: [] },
    { ops: [['const', 'r0', 9], ['const', 'r1', 1], ['write', 'r0', 'r1']], args: [] },
  ],
};

describe('examples/exec-engine.py', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-exec-python-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });

  it('has python3 to run on', () => {
    const r = spawnSync('python3', ['--version'], { encoding: 'utf8' });
    expect(r.error?.message ?? r.status, 'python3 must be on PATH (.ci/run installs Debian\'s python3)').toBe(0);
  });

  it('passes verify', () => {
    const r = concord('verify', '--executor', executor, '--runs', '300', '--json', '--out', join(dir, 'verify'));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, failures: [], executors: [{ name: executor, failed: false }] });
  });

  it("catches a port whose mod differs from Concord's in the vm-corners check", () => {
    const source = readFileSync(engine, 'utf8');
    const right = 'regs[a] = q if op == DIV else regs[b] - q * regs[c]';
    expect(source).toContain(right);
    const broken = join(dir, 'broken-mod.py');
    writeFileSync(broken, source.replace(right, 'regs[a] = q if op == DIV else regs[b] % regs[c]'));
    const r = concord('verify', '--executor', `exec:python3 '${broken}'`, '--seed', '1', '--runs', '200', '--out', join(dir, 'broken'));
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^FAIL exec:python3 '\S+broken-mod\.py': vm-corners check \(threads \d\), shrunk to [12] transactions? /m);
    expect(r.stdout).toMatch(/^ +anomaly +wrong receipt/m);
    expect(r.stdout).toMatch(/^ +tx \d+(-\d+)? +.*\bmod r\d r\d r\d\b/m);
  });

  it('agrees with the reference on a workload and on a block of corners', () => {
    const run = concord('run', '--workload', 'defi', '--txs', '300', '--executor', executor, '--check', '--warmup', '0');
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(/^check +the same state root, receipts and reads as the reference$/m);
    // No fallback, which bench's report reads as a block sent to a sequential path ("fell back").
    expect(run.stdout).toMatch(/^statistics +executions 300, executeMs [\d.]+$/m);
    const file = join(dir, 'corners.json');
    writeFileSync(file, JSON.stringify(corners));
    const r = concord('run', file, '--executor', executor, '--check', '--receipts', '--warmup', '0');
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^check +the same state root, receipts and reads as the reference$/m);
    // The block reaches what it is for: every fault code, a revert, out-of-gas, skipped, the outputs.
    const receipts = r.stdout.split('\n').filter((l) => l.startsWith('tx ')).map((l) => l.replace(/^tx +\d+ +/, ''));
    expect(receipts).toEqual([
      'reverted code -1 (arithmetic overflow), gas 3',
      'reverted code -1 (arithmetic overflow), gas 4',
      'success, gas 39, outputs -3 -1 3 -1',
      'reverted code -3 (key out of range), gas 21',
      'reverted code -1 (arithmetic overflow), gas 42',
      'success, gas 132, outputs 7 7',
      'success, gas 71, outputs 7711202158536937',
      'reverted code 3, gas 68',
      'out-of-gas, gas 30',
      'reverted code -2 (division by zero), gas 5',
      'success, gas 42',
      'skipped, gas 0',
    ]);
  });

  // A port copied from either example must not say it fell back: bench's report marked every row of it so.
  it('reports no fallback, as examples/exec-engine.mjs does not, so bench reads its runs as run in parallel', () => {
    const request = concord('request', new URL('../examples/transfer.json', import.meta.url).pathname).stdout;
    const stats = (command: string, ...args: string[]): Record<string, unknown> => {
      const r = spawnSync(command, args, { input: request, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { stats: Record<string, unknown> }).stats;
    };
    // '' or absent: the block did not fall back (docs/exec-protocol.md, Answer).
    for (const s of [stats('python3', engine), stats(process.execPath, new URL('../examples/exec-engine.mjs', import.meta.url).pathname)]) {
      expect(s).toMatchObject({ executions: 8, reExecutions: 0, executeMs: expect.any(Number) });
      expect(s.fallback ?? '').toBe('');
    }
    const out = join(dir, 'bench.json');
    const bench = concord('bench', '--workload', 'p2p', '--accounts', '20', '--txs', '40', '--threads', '1', '--quick', '--rounds', '1', '--executor', executor, '--out', out);
    expect(bench.status, bench.stderr).toBe(0);
    const runs = (JSON.parse(readFileSync(out, 'utf8')) as { runs: { executor: string; fallback: string; fallbackShare: number }[] }).runs;
    expect(runs.find((r) => r.executor === executor)).toMatchObject({ fallback: '', fallbackShare: 0 });
    expect(bench.stdout).toMatch(/^\| p2p .*\| exec:python3 /m);
    expect(bench.stdout).not.toMatch(/fell back|n\/a \(sequential\)/);
  });

  // A port that raises: the traceback is what its authors read, so run prints it as Python wrote it.
  it("shows a crashing engine's traceback under the failure's line, as Python wrote it", () => {
    writeFileSync(join(dir, 'errengine.py'), 'import sys\n\ndef handle(request):\n    raise ValueError("opcode 21 not supported yet")\n\nfor line in sys.stdin:\n    handle(line)\n');
    const r = concord('run', '--workload', 'p2p', '--txs', '3', '--executor', 'exec:python3 errengine.py', '--warmup', '0');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^concord run: the executor exec:python3 errengine\.py failed at start-up: .*: the engine exited with code 1 before answering its first request \(request 1 pending\); the end of its standard error follows:\n {4}Traceback \(most recent call last\):\n {6}File "\S+errengine\.py", line 7, in <module>\n {8}handle\(line\)\n(.*\n)* {4}ValueError: opcode 21 not supported yet\n$/);
  });
});
