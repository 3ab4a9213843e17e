// What `concord` gives back around an executor under test, run as a user runs it
// (dist/cli/concord.js): once its output is out it exits with its code, whatever the executor left
// alive (a passing verify must not hang a CI job after its green verdict; what its close() left
// alive is a warning), and so does a command that gave up on a hang (its --json object, past a
// pipe's 64 KB, arrives whole); under --json stdout holds the JSON object alone, whatever the executor
// logs; `run` without --check still refuses a result that has not a receipt and a read set per
// transaction, and with --check one that changed its block; and what goes wrong in a user's module
// is said plainly (a thrown object's contents, a syntax error's place, a missing name), as is an
// executor that ends the process itself or throws where no call waits for it (exit 1, one line),
// and output stdout could not take (a full disk: exit 2 where the command passed, one line).
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SPAWNS_TIMEOUT_MS } from './helpers.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const reference = new URL('../dist/spec/reference.js', import.meta.url).href;
const example = new URL('../examples/transfer.json', import.meta.url).pathname;
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('concord ends', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-exit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const module = (name: string, text: string) => {
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, `import { executeReference } from '${reference}';\n${text}\n`);
    return file;
  };

  it('with a module whose default export is one executor object: bench and verify reuse it open, and close it once at the end', () => {
    const closes = join(dir, 'closes.txt');
    const text = (close: string) => `import { appendFileSync } from 'node:fs';
let closed = false;
export default {
  name: 'one',
  async execute(block) { if (closed) throw new Error('execute() after close()'); return executeReference(block); },
  async close() { closed = true; appendFileSync(${JSON.stringify(closes)}, 'closed\\n'); ${close} },
};`;
    const one = module('one', text(''));
    const count = () => { try { return readFileSync(closes, 'utf8').split('\n').filter(Boolean).length; } catch { return 0; } };
    for (const args of [
      ['bench', '--executor', one, '--threads', '1,2', '--workload', 'p2p', '--accounts', '10', '--txs', '40', '--quick', '--json'],
      ['verify', '--executor', one, '--runs', '30', '--out', join(dir, 'out')],
      ['run', example, '--executor', one, '--warmup', '0', '--check'],
    ]) {
      rmSync(closes, { force: true });
      const r = concord(...args);
      expect(r.status, `${args[0]}: ${r.stderr}`).toBe(0);
      expect(count(), args[0]).toBe(1);
    }
    // A close() that throws when the command is done is said, and fails a command that passed:
    // in verify's JSON too, and in bench's results.
    const throws = module('throws-at-end', text("throw new Error('flush failed');"));
    const r = concord('run', example, '--executor', throws, '--warmup', '0', '--check');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^concord run: the executor \S+throws-at-end\.mjs threw while closing: Error: flush failed \(at Object\.close \(\S+throws-at-end\.mjs:7:\d+\)\)\n$/);
    // The result and its check are printed all the same: a wrong one must not hide behind the close().
    expect(r.stdout).toMatch(/^check {10}the same state root, receipts and reads as the reference$/m);
    const j = concord('run', example, '--executor', throws, '--warmup', '0', '--json');
    expect(j.status).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ executor: 'one', stateRoot: expect.any(String), error: expect.stringMatching(/threw while closing: Error: flush failed/) });
    const v = concord('verify', '--executor', throws, '--runs', '20', '--out', join(dir, 'out'), '--json');
    expect(v.status).toBe(1);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: false, failures: [], error: expect.stringMatching(/threw while closing: Error: flush failed/) });
    const b = concord('bench', '--executor', throws, '--threads', '1', '--workload', 'p2p', '--accounts', '10', '--txs', '40', '--quick', '--json');
    expect(b.status).toBe(1);
    expect(JSON.parse(b.stdout).failures).toEqual([{ executor: 'one', threads: 1, workload: null, message: expect.stringMatching(/threw while closing: Error: flush failed/) }]);
    // A factory that hands out one shared executor is refused plainly where a command makes its second.
    const shared = module('shared-factory', "const engine = { name: 'shared', execute: async (b) => executeReference(b), close: async () => {} };\nexport default () => engine;");
    const again = concord('verify', '--executor', shared, '--runs', '20', '--out', join(dir, 'out'));
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/^concord verify: \S+shared-factory\.mjs: what the default export returned \(shared\) is an executor it returned before: return a new one from each call /);
    // verify cannot rerun a counterexample of such an object on a fresh instance, and says so.
    const leaky = module('leaky-object', `const kept = new Map();
export default { name: 'leaky', async execute(block) { const r = executeReference({ ...block, preState: new Map([...kept, ...block.preState]) }); for (const [k, v] of r.state) kept.set(k, v); return r; }, async close() {} };`);
    const l = concord('verify', '--executor', leaky, '--runs', '200', '--out', join(dir, 'out'));
    expect(l.status).toBe(1);
    expect(l.stdout).toMatch(/^ {2}instance {5}the module exports one executor object, so the reruns "on a fresh instance" ran on it again/m);
    // What the object holds open between the command's uses of it is not a leak of its close().
    const holds = module('holds', `let timer;
export default { name: 'holds', async execute(block) { timer ??= setInterval(() => {}, 1000); return executeReference(block); }, async close() { clearInterval(timer); timer = undefined; } };`);
    for (const args of [['verify', '--executor', holds, '--runs', '20', '--out', join(dir, 'out')], ['bench', '--executor', holds, '--threads', '1', '--workload', 'p2p', '--accounts', '10', '--txs', '40', '--quick', '--json']]) {
      const h = concord(...args);
      expect(h.status, `${args[0]}: ${h.stderr}`).toBe(0);
      expect(h.stderr, args[0]).not.toMatch(/left .* alive/);
    }
  }, SPAWNS_TIMEOUT_MS);

  it('after a passing run, even when the executor left a timer running', () => {
    const lingers = module('lingers', "export default () => { setInterval(() => {}, 1000); return { name: 'lingers', execute: async (b) => executeReference(b), close: async () => {} }; };");
    const verify = concord('verify', '--executor', lingers, '--runs', '50', '--out', join(dir, 'out'));
    expect(verify.error).toBeUndefined();
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/all properties hold\n$/);
    // Said, not failed: a program of the team's own that closes it would not exit (cli/leaks.ts).
    expect(verify.stderr).toMatch(/^concord verify: warning: the executor \S+lingers\.mjs: close\(\) left 1 Timeout alive: /);
    const run = concord('run', example, '--executor', lingers, '--warmup', '0', '--check');
    expect(run.error).toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^concord run: warning: the executor \S+lingers\.mjs: close\(\) left 1 Timeout alive: [^\n]+\n$/);
  });

  // The exit went through once stdout's writes had failed, with the command's own code: `concord
  // gen > block.json` on a full disk exited 0 with a cut file, and verify 0 with its verdict lost.
  it.skipIf(process.platform !== 'linux')('with exit 2 and a line naming stdout when its output could not be written (a full disk); a reader that stops reading is no failure', () => {
    const full = openSync('/dev/full', 'w');
    const onFull = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', full, 'pipe'] });
    for (const args of [['gen', '--txs', '2'], ['run', example, '--warmup', '0', '--json'], ['verify', '--executor', 'sequential', '--runs', '20', '--out', join(dir, 'full')]]) {
      const r = onFull(...args);
      expect([r.status, r.stderr.split('\n').at(-2)], args[0]).toEqual([2, `concord ${args[0]}: stdout: cannot write: no space left on the device (ENOSPC)`]);
    }
    const failed = onFull('run', example, '--executor', module('no-result', "export default { name: 'no-result', execute: async () => null, close: async () => {} };"), '--warmup', '0', '--json');
    expect([failed.status, failed.stderr.split('\n').at(-2)]).toEqual([1, 'concord run: stdout: cannot write: no space left on the device (ENOSPC)']);
    closeSync(full);
    const code = join(dir, 'head.code');
    const head = spawnSync('sh', ['-c', `{ "$0" "$1" gen --txs 20000; echo $? > "${code}"; } | head -c 1`, process.execPath, cli], { encoding: 'utf8', timeout: 60_000 });
    expect([head.stdout, readFileSync(code, 'utf8'), head.stderr]).toEqual(['{', '0\n', '']);
  });

  // The hang's exit did not wait for a pipe to take the --json object: past its 64 KB, it was cut.
  it('with exit 1 once the whole --json object of a hang past --timeout has gone through a pipe that was full', () => {
    // An engine that never answers, its command (named twice in the object) long enough to pass 64 KB.
    const engine = `exec:sleep 30 # ${'x'.repeat(100_000)}`;
    const [err, code] = [join(dir, 'hang.err'), join(dir, 'hang.code')];
    // A shell pipe, not the socket pair spawn makes (which holds some 200 KB): its reader starts once
    // the command has given up (its line is on stderr), and a while later, so the pipe is full then.
    const command = `{ "$0" "$@" 2>"${err}"; echo $? >"${code}"; } | { n=0; until grep -q 'did not settle' "${err}" 2>/dev/null || [ $n -ge 600 ]; do sleep 0.05; n=$((n + 1)); done; sleep 0.3; cat; }`;
    const r = spawnSync('sh', ['-c', command, process.execPath, cli, 'run', example, '--executor', engine, '--timeout', '0.4', '--warmup', '0', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(2 * 65_536);
    expect([readFileSync(code, 'utf8'), JSON.parse(r.stdout)]).toEqual(['1\n', {
      ok: false, block: example, executor: engine, error: expect.stringMatching(/^the executor exec:sleep 30 # x+: execute\(\) on \S+transfer\.json did not settle within 0\.4 s/),
    }]);
  });

  it('with exit 1 and one line when the executor ends the process, throws from a callback or leaves a rejection unhandled', () => {
    const exits = module('exits', "let n = 0; export default { name: 'exits', async execute(b) { if (++n === 3) process.exit(0); return executeReference(b); }, async close() {} };");
    const v = concord('verify', '--executor', exits, '--runs', '50', '--out', join(dir, 'out'), '--json');
    expect(v.status, v.stderr).toBe(1);
    const message = /^the executor \S+exits\.mjs: execute\(\) on a generated block of \d+ transactions? \(threads \d\): the process was made to exit \(code 0\) before the command finished/;
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: false, error: expect.stringMatching(message) });
    const run = concord('run', example, '--executor', exits, '--repeat', '5', '--warmup', '0');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^concord run: the executor \S+exits\.mjs: execute\(\) on \S+transfer\.json: the process was made to exit \(code 0\)[^\n]+\n$/);
    // Its JSON names the executor as a passing run's does, by the name it declares.
    expect(JSON.parse(concord('run', example, '--executor', exits, '--repeat', '5', '--warmup', '0', '--json').stdout)).toMatchObject({ executor: 'exits', error: expect.any(String) });
    for (const [name, body, how] of [
      ['timer', "setTimeout(() => { throw new Error('boom'); }, 0)", 'an exception nothing caught'],
      ['rejects', "Promise.reject(new Error('boom'))", 'a promise rejected with no handler'],
    ] as const) {
      const file = module(name, `let n = 0; export default { name: '${name}', async execute(b) { if (++n === 3) ${body}; await new Promise((r) => setTimeout(r, 5)); return executeReference(b); }, async close() {} };`);
      const r = concord('verify', '--executor', file, '--runs', '50', '--out', join(dir, 'out'));
      expect(r.status, r.stderr).toBe(1);
      // One line naming the call and the user's line, no stack.
      // The block in flight is written, for a rerun alone.
      expect(r.stderr).toMatch(new RegExp(`^concord verify: the executor \\S+${name}\\.mjs: execute\\(\\) on a generated block [^\n]+: ${how}[^\n]*: Error: boom \\(at [^\n]*${name}\\.mjs:\\d+:\\d+\\)+; its block is in \\S+-crashed\\.block\\.json \\(rerun: [^\n]+\\)\n$`));
    }
  });

  // It said one line and wrote nothing: the block a worker thread crashed on was lost with the process.
  it('writes the block a module crashed the process on to --out, with the run command that crashes again on it, in the text and under --json', () => {
    const crashes = new URL('fixtures/verify/worker-throws.mjs', import.meta.url).pathname;
    const out = join(dir, 'out-crash');
    const v = concord('verify', '--executor', crashes, '--runs', '100', '--out', out, '--json');
    expect(v.status, v.stderr).toBe(1);
    const json = JSON.parse(v.stdout) as { blockFile: string; rerun: string; error: string };
    expect(json).toEqual({
      ok: false, blockFile: expect.stringMatching(/^\S+worker-throws\.mjs-[0-9a-f]{8}-crashed\.block\.json$/), rerun: expect.stringContaining(' --warmup 0 --check'),
      error: expect.stringMatching(/: an exception nothing caught \(thrown from a callback, an event or a worker thread\): Error: worker: scheduler invariant broken at tx \d+; its block is in /),
    });
    expect(json.error).toContain(`; its block is in ${json.blockFile} (rerun: ${json.rerun})`);
    expect(v.stderr).toBe(`concord verify: ${json.error}\n`);
    const block = JSON.parse(readFileSync(json.blockFile, 'utf8')) as { transactions: unknown[] };
    expect(block.transactions.length).toBeGreaterThanOrEqual(6);
    // The rerun, as printed (but for how it names the CLI), crashes the same way.
    const rerun = json.rerun.replace(/^.*? run /, '').split(' ');
    const r = concord('run', ...rerun);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('an exception nothing caught (thrown from a callback, an event or a worker thread): Error: worker: scheduler invariant broken');
  });

  it('with exit 1 and one line when the executor\'s code throws as the command reads its result (a getter), not as if from a callback', () => {
    const getter = module('getter', "export default { name: 'getter', async execute(b) { const r = executeReference(b); let n = 0; return { ...r, get stateRoot() { if (++n > 1) throw new Error('gotcha'); return r.stateRoot; } }; }, async close() {} };");
    const r = concord('run', example, '--executor', getter, '--warmup', '0', '--json');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^concord run: an error outside any call into an executor: Error: gotcha \(at [^\n]*getter\.mjs:\d+:\d+\)\)\n$/);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: expect.stringMatching(/^an error outside any call into an executor: Error: gotcha/) });
  });

  it('keeps stdout for the JSON object under --json: what the executor logs goes to stderr', () => {
    const chatty = module('chatty', "export default { name: 'chatty', async execute(b) { console.log('engine: warming up'); console.info('engine: done'); return executeReference(b); }, async close() {} };");
    const r = concord('run', example, '--executor', chatty, '--warmup', '0', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ executor: 'chatty' });
    expect(r.stderr).toBe('engine: warming up\nengine: done\n');
  });

  it('under --json, writes to process.stdout from the executor (a logger, a worker thread) go to stderr too', () => {
    const logs = module('logs', `import { Worker } from 'node:worker_threads';
export default { name: 'logs', async execute(b) {
  process.stdout.write('{"level":30,"msg":"engine: start"}\\n');
  await new Promise((r) => new Worker("process.stdout.write('worker: up\\\\n')", { eval: true }).on('exit', r));
  return executeReference(b);
}, async close() { process.stdout.write('engine: closed\\n'); } };`);
    const r = concord('run', example, '--executor', logs, '--warmup', '0', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ executor: 'logs' });
    // A worker's output reaches the main thread asynchronously: its place among the lines may vary.
    expect(r.stderr.split('\n').sort()).toEqual(['', 'engine: closed', 'worker: up', '{"level":30,"msg":"engine: start"}']);
    const verify = concord('verify', '--executor', logs, '--runs', '10', '--json', '--out', join(dir, 'out-logs'));
    expect(verify.status, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
    const plain = concord('run', example, '--executor', logs, '--warmup', '0');
    expect(plain.stdout).toMatch(/^\{"level":30,"msg":"engine: start"\}\n/);
    expect(plain.stdout).toContain('worker: up\n');
  });

  it('run, with --check or without, names an executor that changed the block it was given (not its result\'s length)', () => {
    const mutates = module('mutates', "export default { name: 'mutates', async execute(b) { const r = executeReference(b); b.txs.pop(); return r; }, async close() {} };");
    for (const check of [['--check'], []]) {
      const r = concord('run', example, '--executor', mutates, '--warmup', '0', ...check);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^concord run: the executor \S+mutates\.mjs changed the block it was given \(\S+transfer\.json\): an executor must leave its input as it found it\n$/);
    }
  });

  it('run --pre-state shared names an executor that went around a SharedState\'s seal, in its Map or in its table', () => {
    const aroundMap = module('around-map', "export default { name: 'around-map', async execute(b) { const r = executeReference(b); Map.prototype.set.call(b.preState, 7, 1); return r; }, async close() {} };");
    const m = concord('run', example, '--executor', aroundMap, '--warmup', '0', '--pre-state', 'shared', '--check');
    expect(m.status).toBe(1);
    expect(m.stderr).toMatch(/^concord run: the executor \S+around-map\.mjs changed the block it was given \(\S+transfer\.json\): an executor must leave its input as it found it\n$/);
    const aroundTable = module('around-table', "export default { name: 'around-table', async execute(b) { const r = executeReference(b); new Float64Array(b.preState.buffer).fill(-1); return r; }, async close() {} };");
    const t = concord('run', example, '--executor', aroundTable, '--warmup', '0', '--pre-state', 'shared');
    expect(t.status).toBe(1);
    expect(t.stderr).toMatch(/^concord run: the executor \S+around-table\.mjs changed the table of the SharedState it was given as the pre-state \(\S+transfer\.json; key \d+: the table holds 0, the Map \d+\): an executor must leave its input as it found it\n$/);
    const bad = concord('run', example, '--pre-state', 'mmap');
    expect([bad.status, bad.stderr]).toEqual([2, 'concord run: --pre-state: unknown kind "mmap" (known: map, shared)\n']);
  });

  it('says what a user\'s module did wrong: a thrown object\'s contents, a syntax error\'s place, a missing name', () => {
    const throwsObject = module('throws-object', "export default { name: 'throws-object', async execute() { throw { code: 42 }; }, async close() {} };");
    expect(concord('run', example, '--executor', throwsObject, '--warmup', '0').stderr).toMatch(/threw on \S+transfer\.json: \{"code":42\}\n$/);
    const broken = join(dir, 'broken.mjs');
    writeFileSync(broken, "export default {\n  name: 'broken',\n  execute( }\n");
    const r = concord('run', example, '--executor', broken);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`concord run: ${broken}: cannot load the module: Unexpected token '}' (at ${broken}:3:12)\n`);
    const nameless = module('nameless', 'export default { async execute(b) { return executeReference(b); }, async close() {} };');
    const n = concord('run', example, '--executor', nameless);
    expect(n.status).toBe(2);
    expect(n.stderr).toMatch(/the default export must be an Executor \(\{ name, execute\(block, options\), close\(\) \}, name a non-empty string\)/);
    // "an object with name, execute, close" read as no fault where one of them was of the wrong kind.
    for (const [name, members, wrong] of [
      ['numbered', 'name: 42, async execute() {}, async close() {}', 'its name is 42, not a non-empty string'],
      ['unnamed', "name: '', async execute() {}, async close() {}", 'its name is "", not a non-empty string'],
      ['inert', "name: 'inert', execute: 5, close: 'later'", 'its execute is 5, not a function; its close is "later", not a function'],
    ]) {
      const r = concord('run', example, '--executor', module(name!, `export default { ${members} };`), '--warmup', '0');
      expect([r.status, r.stderr.replace(/^.*; the default export is /, '')], name).toEqual([2, `an object with name, execute, close; ${wrong}\n`]);
    }
  });

  it('run without --check refuses a result short of a receipt or a read set per transaction', () => {
    const drops = module('drops', "export default { name: 'drops', async execute(b) { const r = executeReference(b); return { ...r, stats: r.stats, receipts: r.receipts.slice(1) }; }, async close() {} };");
    const r = concord('run', example, '--executor', drops, '--warmup', '0');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^concord run: the executor \S+drops\.mjs returned a malformed result on \S+transfer\.json: 7 receipts for 8 transactions\n$/);
    expect(r.stdout).toBe('');
  });

  // A status of no receipt's kind ("ok") passed: run printed "receipts ok 8" and exited 0, where an exec: engine's is refused.
  it('run without --check refuses a receipt whose status is none of the four, as an exec: engine\'s', () => {
    const ok = module('says-ok', "export default { name: 'says-ok', async execute(b) { const r = executeReference(b); return { ...r, stats: r.stats, receipts: r.receipts.map((x) => ({ ...x, status: 'ok' })) }; }, async close() {} };");
    const r = concord('run', example, '--executor', ok, '--warmup', '0');
    expect([r.status, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toMatch(/^concord run: the executor \S+says-ok\.mjs returned a malformed result on \S+transfer\.json: receipt of tx 0: status is "ok" \(a string\), not one of success, reverted, out-of-gas, skipped\n$/);
  });
});
