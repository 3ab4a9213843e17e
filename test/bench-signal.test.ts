// `concord bench` ended by a signal part-way (a CI job's timeout sends SIGTERM, a user presses
// Ctrl-C): what it measured before is left as a hang leaves it (cli/stopped-results.ts), in a
// results file `report` reads with `stopped` saying how far it got, one line on stderr says where,
// the exec: engine it was waiting on is killed, and the process ends by that signal; with nothing
// measured, --out is left as it was. One end is printed, never two: a signal as the results are
// made whole leaves them alone, and one after a command's own output began leaves that. The
// executors here block at a known point and say so on a channel the test watches, so the signal
// lands there whatever the machine's speed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, signalWhen, type Ended } from './signal-child.js';
import { parseResults } from '../reports/schema.js';

const root = new URL('../', import.meta.url);
const example = new URL('examples/transfer.json', root).pathname;
const dir = mkdtempSync(join(tmpdir(), 'concord-bench-signal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** signalWhen with --timeout 30, which bounds the executor's hold: a signal never sent fails the test instead of hanging it. */
const stopWhen = (args: readonly string[], ready: (stderr: string) => boolean, signal: NodeJS.Signals): Promise<Ended> =>
  signalWhen([...args, '--timeout', '30'], ready, signal);

/** Whether process `pid` has ended (gone, or a zombie no one reaped yet). */
function ended(pid: number): boolean {
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/\) [^ZX]/.test(stat);
}

describe('bench stopped by a signal', () => {
  it('leaves what it measured in --out, says where, kills its engine and ends by the signal', async () => {
    // The example engine, answering every request at 1 thread and holding the first at 2 after
    // writing its pid: the 1-thread workload is measured by then.
    const pidFile = join(dir, 'engine.pid');
    const engine = join(dir, 'holds-at-2.mjs');
    writeFileSync(engine, readFileSync(new URL('examples/exec-engine.mjs', root), 'utf8')
      .replace(/from 'concord\//g, `from '${root.href}`)
      .replace("import { createInterface } from 'node:readline';", "import { createInterface } from 'node:readline';\nimport { writeFileSync } from 'node:fs';")
      .replace('const request = JSON.parse(line);', `const request = JSON.parse(line);
  if (request.threads === 2) { writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000); await new Promise(() => {}); }`));
    const out = join(dir, 'held.json');
    const r = await stopWhen(['bench', '--executor', `exec:node ${engine}`, '--block', example, '--threads', '1,2', '--quick', '--rounds', '2', '--out', out, '--json'],
      () => existsSync(pidFile), 'SIGTERM');
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGTERM']);
    const line = /^concord bench: stopped by SIGTERM after measuring 1 of 2 workload and thread count pairs \(1 workload x threads 1,2\); what was measured before it is in (\S+) \(its "stopped" says where the sweep stopped\)$/;
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(line);
    expect(line.exec(r.stderr.trim().split('\n').at(-1)!)![1]).toBe(out);
    const doc = parseResults(readFileSync(out, 'utf8'), out);
    expect(doc.stopped).toBe('stopped by SIGTERM after measuring 1 of 2 workload and thread count pairs (1 workload x threads 1,2)');
    expect(doc.runs.map((x) => [x.role, x.threads])).toEqual([['baseline', 1], ['executor', 1]]);
    expect(doc.simulated).toEqual([]);
    // Under --json, stdout holds the failure's one object, as a hang's: the file's document beside where it is.
    // It says "ok": false first, as every failure's object does.
    const said = JSON.parse(r.stdout) as { ok: boolean; error: string; resultsFile: string; results: unknown };
    expect(said).toEqual({ ok: false, error: expect.stringMatching(/^stopped by SIGTERM after measuring 1 of 2 /), resultsFile: out, results: JSON.parse(readFileSync(out, 'utf8')) });
    expect(Object.keys(said)[0]).toBe('ok');
    // Written whole: no temporary file beside it.
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // The engine holding the request was killed with Concord, not left running on a core (it turns a zombie at once; waiting for that is no timing).
    const pid = Number(readFileSync(pidFile, 'utf8'));
    while (!ended(pid)) await new Promise((done) => setTimeout(done, 20));
  });

  it('leaves --out as it was when nothing was measured yet', async () => {
    // Signalled as it loads, before the sweep; its execute() would hold anyway, so nothing is ever measured.
    const loading = join(dir, 'loading.mjs');
    writeFileSync(loading, "process.stderr.write('loading.mjs: loaded\\n');\nexport default { name: 'loading', execute() { setInterval(() => {}, 1000); return new Promise(() => {}); }, async close() {} };\n");
    const out = join(dir, 'before.json');
    writeFileSync(out, 'what was here before\n');
    const r = await stopWhen(['bench', '--executor', loading, '--block', example, '--threads', '1,2', '--quick', '--out', out],
      (stderr) => stderr.includes('loading.mjs: loaded'), 'SIGINT');
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGINT']);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(`concord bench: stopped by SIGINT; nothing was measured before it (${out} is left as it was)`);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe('what was here before\n');
  });

  it('leaves the results once when the signal comes as they are made whole, and the run\'s own end never prints them', async () => {
    // A module's executor object is closed after the sweep; its close() takes 500 ms, after writing
    // 2 MB to stdout, which the test reads only 1.5 s after the signal: the run's own end, once the
    // close() settled, found the process still draining and printed the results again, into --out too.
    const closing = join(dir, 'closing');
    const module = join(dir, 'slow-close.mjs');
    writeFileSync(module, `import { writeFileSync } from 'node:fs';
import { executeReference } from '${new URL('dist/spec/reference.js', root).href}';
let executed = 0;
export default {
  name: 'slow-close',
  async execute(block) { executed++; return executeReference(block); },
  async close() {
    if (executed === 0) return;
    process.stdout.write('#'.repeat(2000000) + '\\n');
    writeFileSync(${JSON.stringify(closing)}, '');
    await new Promise((resolve) => setTimeout(resolve, 500));
  },
};
`);
    const out = join(dir, 'closing.json');
    const child = spawn(process.execPath, [CLI, 'bench', '--executor', module, '--block', example, '--threads', '1', '--quick', '--rounds', '2', '--out', out, '--timeout', '30'], { env: { ...process.env, CI: '1' } });
    child.stdout.pause();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const poll = setInterval(() => {
      if (!existsSync(closing)) return;
      clearInterval(poll);
      child.kill('SIGTERM');
      setTimeout(() => child.stdout.resume(), 1500);
    }, 20);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('close', (c, sig) => done([c, sig])));
    clearInterval(poll);
    expect([code, signal], stderr).toEqual([null, 'SIGTERM']);
    const stopped = 'stopped by SIGTERM after the sweep (1 of 1 workload at 1 thread measured), before bench had finished';
    expect(stderr.trim().split('\n').at(-1)).toBe(`concord bench: ${stopped}; what was measured before it is in ${out} (its "stopped" says where the sweep stopped)`);
    expect(stderr).not.toContain('results written');
    // The results are in --out alone, as a stopped sweep leaves them: stdout holds only what the close() wrote.
    expect(stdout).toBe(`${'#'.repeat(2000000)}\n`);
    expect(parseResults(readFileSync(out, 'utf8'), out).stopped).toBe(stopped);
  });

  it('leaves the output a command began printing whole and alone, and still ends by the signal', async () => {
    // The command's own end claims the output (onEndingSignal's function) and prints 500 KB, then
    // exits as cli/concord.ts does once it is out; the signal comes after, while the pipe is full.
    const script = join(dir, 'own-end.mjs');
    writeFileSync(script, `import { onEndingSignal } from '${new URL('dist/cli/ending-signal.js', root).href}';
import { exitOnceWritten } from '${new URL('dist/cli/process-guard.js', root).href}';
const ownEnd = onEndingSignal(() => process.stdout.write('left'));
if (ownEnd()) process.stdout.write('y'.repeat(500000));
process.stderr.write('printed\\n');
await exitOnceWritten(0);
`);
    const child = spawn(process.execPath, [script]);
    let stdout = '';
    let stderr = '';
    child.stdout.pause();
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr === 'printed\n') {
        child.kill('SIGTERM');
        setTimeout(() => child.stdout.resume(), 200);
      }
    });
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('close', (c, sig) => done([c, sig])));
    expect([code, signal, stderr, stdout === 'y'.repeat(500000)]).toEqual([null, 'SIGTERM', 'printed\n', true]);
  });

  it('ends by the signal only once a pipe has taken what was left on stdout, past its 64 KB buffer', async () => {
    // A --json sweep's partial results run to hundreds of KB; raised at once, the pipe kept 64 KB.
    const script = join(dir, 'leaves-much.mjs');
    writeFileSync(script, `import { onEndingSignal } from '${new URL('dist/cli/ending-signal.js', root).href}';
onEndingSignal(() => { process.stdout.write('x'.repeat(500000)); process.stderr.write('left\\n'); });
process.stderr.write('listening\\n');
setInterval(() => {}, 1000);
`);
    const child = spawn(process.execPath, [script]);
    let bytes = 0;
    let stderr = '';
    // Read slowly: the pipe stays full while the signal is handled.
    child.stdout.pause();
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr === 'listening\n') {
        child.kill('SIGTERM');
        setTimeout(() => child.stdout.resume(), 200);
      }
    });
    child.stdout.on('data', (d: Buffer) => { bytes += d.length; });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('close', (c, sig) => done([c, sig])));
    expect([code, signal, stderr, bytes]).toEqual([null, 'SIGTERM', 'listening\nleft\n', 500000]);
  });
});
