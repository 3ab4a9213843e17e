// What an executor's close() leaves alive (cli/leaks.ts): counted by kind, worker threads too,
// never Concord's own watchdog thread, and what is on its way out when close() settles not at all;
// run, verify and bench say it in a warning on stderr, exit code and --json stdout unchanged; and
// Concord's own executors leave nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { leftAfterClose, leftAlive, leftAliveText, resourceCounts, WORKER_THREAD } from '../cli/leaks.js';
import { startWatchdog } from '../cli/watchdog.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const reference = new URL('../dist/spec/reference.js', import.meta.url).href;
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
const spinning = () => new Worker('setInterval(() => {}, 1000)', { eval: true });
const online = (w: Worker) => new Promise((done) => w.once('online', done));

describe('leftAlive and leftAliveText', () => {
  it('keep the kinds whose count grew, by how much, worker threads first', () => {
    const left = leftAlive({ Timeout: 1, TCPServerWrap: 2, PipeWrap: 1 }, { Timeout: 2, TCPServerWrap: 1, [WORKER_THREAD]: 2, Immediate: 1 });
    expect(left).toEqual({ Timeout: 1, [WORKER_THREAD]: 2, Immediate: 1 });
    expect(leftAliveText(left)).toBe('2 Worker threads, 1 Immediate and 1 Timeout');
    expect(leftAliveText({ Timeout: 3 })).toBe('3 Timeouts');
    expect(leftAliveText(leftAlive({ Timeout: 2 }, { Timeout: 2 }))).toBe('');
  });
});

describe('resourceCounts and leftAfterClose', () => {
  // A server on the loopback stands for the handles: vitest's own timers come and go in this process.
  const listening = async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return server;
  };

  it('count worker threads and handles, but not the watchdog thread nor what ends as close() returns', async () => {
    const before = resourceCounts();
    startWatchdog('test', 1000, undefined);
    const workers = [spinning(), spinning()];
    await Promise.all(workers.map(online));
    const server = await listening();
    expect(leftAlive(before, resourceCounts())).toMatchObject({ [WORKER_THREAD]: 2, TCPServerWrap: 1 });
    // A close() that starts ending its workers and its server without waiting for them.
    for (const w of workers) void w.terminate();
    server.close();
    const left = await leftAfterClose(before);
    expect(left).not.toHaveProperty(WORKER_THREAD);
    expect(left).not.toHaveProperty('TCPServerWrap');
  });

  it('count a worker thread from its constructor on, before it has finished starting, until its thread ends', async () => {
    const before = resourceCounts();
    const worker = spinning();
    expect(leftAlive(before, resourceCounts())).toEqual({ [WORKER_THREAD]: 1 });
    await worker.terminate();
    expect(leftAlive(before, resourceCounts())).toEqual({});
  });

  it('after close(), still count what is left', async () => {
    const before = resourceCounts();
    const worker = spinning();
    await online(worker);
    const server = await listening();
    try {
      expect(await leftAfterClose(before)).toMatchObject({ [WORKER_THREAD]: 1, TCPServerWrap: 1 });
    } finally {
      server.close();
      await worker.terminate();
    }
  });
});

describe('concord warns of what close() left alive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-close-leaks-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const module = (name: string, factory: string, close: string) => {
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, `import { Worker } from 'node:worker_threads';
import { executeReference } from '${reference}';
export default () => { ${factory}; return { name: '${name}', async execute(b) { return executeReference(b); }, async close() { ${close}; } }; };
`);
    return file;
  };
  const workers = "const workers = [1, 2].map(() => new Worker('setInterval(() => {}, 1000)', { eval: true })); const timer = setInterval(() => {}, 1000)";
  const leaky = module('leaky', workers, 'clearInterval(timer); setInterval(() => {}, 1000)');
  // Clears its timer and starts terminating its workers without waiting for them: nothing is left.
  const tidy = module('tidy', workers, 'clearInterval(timer); for (const w of workers) void w.terminate()');
  const warning = (command: string, who: string, left: string) => `concord ${command}: warning: ${who}: close() left ${left} alive: a program that expects to exit once close() is done may hang`;
  const small = ['--workload', 'p2p', '--accounts', '10', '--txs', '10'];

  it('run and verify: one line on stderr, exit code and --json stdout unchanged', () => {
    const left = warning('run', `the executor ${leaky}`, '2 Worker threads and 1 Timeout');
    const run = concord('run', ...small, '--executor', leaky, '--warmup', '0');
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(`${left}\n`);
    const json = concord('run', ...small, '--executor', leaky, '--warmup', '0', '--json');
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ executor: 'leaky' });
    expect(json.stderr).toBe(`${left}\n`);
    // Loaded up front and again to be checked, it warns once.
    const verify = concord('verify', '--executor', leaky, '--runs', '20', '--json', '--out', join(dir, 'out'));
    expect(verify.status).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
    expect(verify.stderr).toBe(`${warning('verify', `the executor ${leaky}`, '2 Worker threads and 1 Timeout')}\n`);
  });

  it('bench: for a module as it loads it up front, and for the sweep\'s executors together', () => {
    const r = concord('bench', ...small, '--threads', '1', '--quick', '--executor', leaky, '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ settings: { executors: [leaky] } });
    const lines = r.stderr.split('\n').filter((l) => l.includes('warning'));
    expect(lines).toEqual([
      warning('bench', `the executor ${leaky}`, '2 Worker threads and 1 Timeout'),
      warning('bench', `the sweep's executors (sequential, ${leaky})`, '2 Worker threads and 1 Timeout'),
    ]);
  });

  it('warns of a worker started by the factory even when the command ends before it has finished starting', () => {
    const started = module('started', "new Worker('setInterval(() => {}, 1000)', { eval: true })", '');
    const run = concord('run', ...small, '--executor', started, '--warmup', '0');
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(`${warning('run', `the executor ${started}`, '1 Worker thread')}\n`);
  });

  it('says nothing of a close() that ended what it started, nor of Concord\'s own executors', () => {
    expect(concord('run', ...small, '--executor', tidy, '--warmup', '0').stderr).toBe('');
    expect(concord('verify', '--executor', tidy, '--runs', '20', '--out', join(dir, 'out')).stderr).toBe('');
    for (const executor of ['sequential', 'block-stm', 'modular']) {
      const r = concord('run', ...small, '--executor', executor, '--warmup', '0');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    }
    const verify = concord('verify', '--executor', 'sequential,block-stm,modular', '--runs', '20', '--out', join(dir, 'out'));
    expect(verify.stderr).toBe('');
    const bench = concord('bench', ...small, '--threads', '2', '--quick', '--executor', 'block-stm,modular', '--json');
    expect(bench.status, bench.stderr).toBe(0);
    expect(bench.stderr).not.toMatch(/warning/);
  });
});
