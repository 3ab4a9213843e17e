// An `exec:` engine that ends before its first answer (impl/exec-executor.ts), however it ends: an
// exit with a code, 0 included, a kill by a signal, a file that is no program. Each is named as
// what it is ("exited with code 3 before answering its first request"), with the end of its
// standard error, and is a failure at start-up (ExecEngineError.atStartUp), which run, verify and
// bench report as "failed at start-up", not as a close() that threw. And an engine that ends with a
// request pending whose line is past a common reader's cap (64 KiB) and longer than any it answered
// is told the line's size, and whether Concord had even finished writing it, so that its authors
// know to read a line whole; a short line says nothing of its size.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../bench/workloads.js';
import { createExecExecutor, ExecCommandError, ExecEngineError, execRequest } from '../impl/exec-executor.js';
import type { Block } from '../spec/block.js';
import { blockOf } from './helpers.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const engine = new URL('fixtures/exec/misbehaving-engine.mjs', import.meta.url).pathname;
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
const small = blockOf([{ ops: [['const', 'r1', 5], ['write', 'r0', 'r1'], ['stop']], args: [7] }]);

/** What execute(`block`) rejects with on `executor`: an ExecEngineError. */
async function rejection(executor: { execute(b: Block): Promise<unknown> }, block: Block = small): Promise<ExecEngineError> {
  const e = await executor.execute(block).then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(ExecEngineError);
  return e as ExecEngineError;
}

/** The bytes of request `id` for `block`, as an executor made without settings sends it. */
const requestBytes = (block: Block, id: number): number => Buffer.byteLength(`${JSON.stringify(execRequest(block, id))}\n`);

describe('an engine that ends before its first answer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-exec-startup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exiting non-zero: run, verify and bench say it failed at start-up, with the code and its standard error', () => {
    const executor = `exec:node ${engine} exit-at-start 3`;
    const said = '; the end of its standard error: engine: cannot read engine.toml: No such file or directory\n';
    const tiny = ['--workload', 'p2p', '--accounts', '10', '--txs', '20'];
    for (const args of [['run', ...tiny, '--warmup', '0'], ['verify', '--runs', '2', '--out', join(dir, 'verify')], ['bench', ...tiny, '--quick', '--rounds', '1', '--threads', '1', '--out', join(dir, 'bench')]]) {
      const r = concord(...args, '--executor', executor);
      // run sends its first request at once; verify and bench load the engine and close it unused first.
      const when = args[0] === 'run' ? '(request 1 pending)' : '(none was sent to it: Concord closed its input unused, and an engine exits with 0 when its input ends)';
      expect(r.stderr, args[0]).toBe(`concord ${args[0]}: the executor ${executor} failed at start-up: ExecEngineError: ${executor}: the engine exited with code 3 before answering its first request ${when}${said}`);
      expect(r.status, args[0]).toBe(1);
    }
  });

  it('exiting 0 without a word, or killed by a signal, is named as such and is at start-up', async () => {
    const quiet = createExecExecutor(`exec:node ${engine} exit-at-start 0`);
    const e = await rejection(quiet);
    expect(e.atStartUp).toBe(true);
    expect(e.message).toMatch(/: the engine exited with code 0 before answering its first request \(request 1 pending\); the end of its standard error: engine: cannot read/);
    await quiet.close();
    // `exec` in front: the shell is replaced by the engine, whose signal Concord then sees (a shell
    // that waits for its child says so itself: "exited with code 137", "Killed").
    const killed = createExecExecutor(`exec:exec node ${engine} kill-at-start`);
    const k = await rejection(killed);
    expect(k.atStartUp).toBe(true);
    expect(k.message).toMatch(/: the engine was killed by SIGKILL before answering its first request \(request 1 pending\)$/);
    await killed.close();
    // Where the shell waits for its child, its 128 + N names the signal; a shell that execs its one
    // command (dash, bash) leaves the signal itself, as above.
    const wrapped = createExecExecutor(`exec:node ${engine} kill-at-start; exit $?`);
    const w = await rejection(wrapped);
    expect(w.atStartUp).toBe(true);
    expect(w.message).toMatch(/: the engine exited with code 137 \(128 \+ 9: SIGKILL, as a shell reports a command a signal ended\) before answering its first request/);
    await wrapped.close();
    // Once it has answered, an end is no longer its start-up's.
    const later = createExecExecutor(`exec:node ${engine} hang-from 5`);
    expect((await later.execute(small)).receipts).toHaveLength(1);
    await later.close();
  });

  it('a file that is no program is the command line\'s fault, said so', async () => {
    const path = join(dir, 'not-a-program');
    writeFileSync(path, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]));
    chmodSync(path, 0o755);
    const executor = createExecExecutor(`exec:${path}`);
    const e = await rejection(executor);
    expect(e).toBeInstanceOf(ExecCommandError);
    expect(e.atStartUp).toBe(true);
    expect(e.message).toMatch(/: the shell could not run the command \(\/bin\/sh: .*not-a-program: (cannot execute binary file: )?Exec format error\): it is no program for this machine/);
    await executor.close();
  });
});

describe('an engine that ends on a request line past its reader\'s cap', () => {
  it('is told the line\'s size, and that Concord had not finished writing it, where it had not', async () => {
    // 577 KB: the engine reads 64 KiB, the pipe holds as much again, and the rest is never written.
    const big = generate('p2p', { accounts: 1000, txs: 10_000, seed: 1 });
    const executor = createExecExecutor(`exec:node ${engine} line-cap 65536`);
    expect((await executor.execute(small)).receipts).toHaveLength(1);
    const e = await rejection(executor, big);
    const bytes = requestBytes(big, 2).toLocaleString('en-US');
    expect(e.message).toContain(`: the engine exited with code 2 with request 2 unanswered (a line of ${bytes} bytes; Concord had not finished writing it to the engine's input when the engine ended, so it did not read it whole; `
      + `longer than any it answered (the longest: ${requestBytes(small, 1)} bytes); an engine reads each request line whole, however long: a reader with a cap on a line's length (Go's bufio.Scanner: 64 KiB by default) fails on the first line past it); `
      + 'the end of its standard error: bufio.Scanner: token too long');
    expect(e.atStartUp).toBe(false);
    await executor.close();
  });

  it('is told the line\'s size alone where the whole line was written, and nothing where the line is short', async () => {
    // About 75 KB, past a cap of 70,000 bytes: what the engine leaves unread fits in the pipe.
    const past = generate('p2p', { accounts: 1000, txs: 1000, seed: 1 });
    expect(requestBytes(past, 1)).toBeGreaterThan(70_000);
    const executor = createExecExecutor(`exec:node ${engine} line-cap 70000`);
    const e = await rejection(executor, past);
    expect(e.message).toContain(`: the engine exited with code 2 before answering its first request (request 1 pending: a line of ${requestBytes(past, 1).toLocaleString('en-US')} bytes; an engine reads each request line whole`);
    expect(e.message).not.toContain('had not finished writing');
    await executor.close();
    const short = createExecExecutor(`exec:node ${engine} line-cap 100`);
    expect((await rejection(short)).message).toMatch(/: the engine exited with code 2 before answering its first request \(request 1 pending\); the end of its standard error: bufio\.Scanner: token too long$/);
    await short.close();
  });
});
