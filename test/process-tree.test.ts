// No process an executor under test started outlives the `concord` that ran it (impl/process-tree.ts):
// a user's module that starts a child (a `sleep` here) and then hangs had the child run on,
// orphaned, after Concord ended, whether Concord gave up on the hang itself (--timeout), the
// watchdog killed it (a native call no interrupt reaches: the child is what it waits on, and no exit
// hook runs after a SIGKILL), or the child had left Concord's tree already (its shell exited).
// Linux: the child is found through /proc, which is also how the test tells it has ended.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const reference = new URL('../dist/spec/reference.js', import.meta.url).href;
const example = new URL('../examples/transfer.json', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'concord-tree-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A module file `name`.mjs holding `text`; `PID` in it is the file its child's pid goes to. */
function module(name: string, text: string): { file: string; pidFile: string } {
  const file = join(dir, `${name}.mjs`);
  const pidFile = join(dir, `${name}.pid`);
  writeFileSync(file, `import { spawn, spawnSync } from 'node:child_process';\nimport { writeFileSync } from 'node:fs';\nimport { executeReference } from '${reference}';\nconst PID = ${JSON.stringify(pidFile)};\n${text}\n`);
  return { file, pidFile };
}

/** 'not running' once process `pid` is gone or a zombie (waited for up to 2 s: a SIGKILL lands at once, but asynchronously); else its state, after killing it. */
async function state(pid: number): Promise<string> {
  const now = () => (existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0]! : 'gone');
  for (const t = Date.now(); !['gone', 'Z', 'X'].includes(now()) && Date.now() - t < 2000;) await new Promise((r) => setTimeout(r, 20));
  const left = now();
  if (['gone', 'Z', 'X'].includes(left)) return 'not running';
  process.kill(pid, 'SIGKILL');
  return `running (${left})`;
}

const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });

describe.runIf(process.platform === 'linux')('a module\'s own child process ends with Concord', () => {
  it('when run gives up on the hung execute() past --timeout', async () => {
    const { file, pidFile } = module('hangs', `export default { name: 'hangs', execute() {
  writeFileSync(PID, String(spawn('sleep', ['47'], { stdio: 'ignore' }).pid));
  setInterval(() => {}, 1000);
  return new Promise(() => {});
}, async close() {} };`);
    const r = concord('run', example, '--executor', file, '--warmup', '0', '--timeout', '0.5');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/execute\(\) on \S+transfer\.json did not settle within 0\.5 s/);
    expect(await state(Number(readFileSync(pidFile, 'utf8')))).toBe('not running');
  });

  it('when the watchdog kills Concord, held in a native call that waits on the child', async () => {
    // The shell writes its pid and becomes the sleep: the child spawnSync waits on is the one that must go.
    const { file, pidFile } = module('native', `export default { name: 'native', execute() {
  spawnSync('sh', ['-c', 'echo $$ > "$0"; exec sleep 47', PID]);
  return new Promise(() => {});
}, async close() {} };`);
    const r = concord('run', example, '--executor', file, '--warmup', '0', '--timeout', '0.4');
    expect(r.signal, r.stderr).toBe('SIGKILL');
    expect(r.stderr).toMatch(/held the main thread, which could not be interrupted, so the process is killed$/m);
    expect(await state(Number(readFileSync(pidFile, 'utf8')))).toBe('not running');
  });

  it('when the child has left Concord\'s tree (its shell exited), in verify and bench too', async () => {
    // Reparented to init, no walk down from Concord finds it: the mark in its environment does.
    const { file, pidFile } = module('background', `let calls = 0;
export default { name: 'background', async execute(block) {
  if (++calls === 1) return executeReference(block);
  spawnSync('sh', ['-c', 'sleep 47 >/dev/null 2>&1 & echo $! > "$0"', PID]);
  setInterval(() => {}, 1000);
  return new Promise(() => {});
}, async close() {} };`);
    for (const args of [['verify', '--runs', '5'], ['bench', '--block', example, '--threads', '1', '--quick', '--rounds', '2']]) {
      rmSync(pidFile, { force: true });
      const r = concord(...args, '--executor', file, '--timeout', '0.5');
      expect(r.status, `${args[0]}: ${r.stderr}`).toBe(1);
      expect(r.stderr, args[0]).toMatch(/did not settle within 0\.5 s/);
      expect(await state(Number(readFileSync(pidFile, 'utf8'))), args[0]).toBe('not running');
    }
  });

  it('when a passing run\'s module left it running after close()', async () => {
    const { file, pidFile } = module('leaves', `export default { name: 'leaves', async execute(block) {
  const child = spawn('sleep', ['47'], { stdio: 'ignore' });
  child.unref();
  writeFileSync(PID, String(child.pid));
  return executeReference(block);
}, async close() {} };`);
    const r = concord('run', example, '--executor', file, '--warmup', '0');
    expect(r.status, r.stderr).toBe(0);
    expect(await state(Number(readFileSync(pidFile, 'utf8')))).toBe('not running');
  });
});
