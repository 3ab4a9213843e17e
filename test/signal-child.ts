// The signal tests' child: the built command line started with some arguments, sent a signal once
// its standard error shows it has reached a known point, and watched to its end. Sent on what the
// child says rather than after a delay, the signal lands at that point whatever the machine's speed.
// A child that has not ended by the deadline (below the test's own timeout) is given up on: what
// its threads and child processes were doing (/proc) and Node's diagnostic report (each thread's
// JavaScript stack; it comes only from a main thread that returns to its event loop) go at the end
// of its stderr and it is killed, so a hang on a CI runner fails the test with a where, rather
// than with a bare "test timed out".
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { walkTree } from '../impl/process-tree.js';

export const CLI = new URL('../dist/cli/concord.js', import.meta.url).pathname;

export interface Ended {
  /** The child's process id, gone by now. */
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Within vitest's testTimeout (vitest.config.ts), so that the child is given up on first. */
const GIVE_UP_MS = 55_000;
/** How long the diagnostic report may take to be written once asked for. */
const REPORT_WAIT_MS = 3_000;

/** Each thread's name, state and kernel wait channel, from /proc (nothing where there is none). */
function threadStates(pid: number): string {
  try {
    return readdirSync(`/proc/${pid}/task`).map((tid) => {
      const at = (f: string) => readFileSync(`/proc/${pid}/task/${tid}/${f}`, 'utf8').trim();
      return `  ${tid} ${at('comm')}: state ${at('stat').replace(/^.*\) /, '').split(' ')[0]}, waiting in ${at('wchan') || '-'}`;
    }).join('\n');
  } catch (e) {
    return `  (no /proc: ${(e as Error).message})`;
  }
}

/** The processes below `pid` still there: each one's state and command line (a probe or an engine it waits for). */
function childProcesses(pid: number): string {
  const below: string[] = [];
  walkTree(pid, (p, stat) => {
    if (p === pid) return;
    let command = '?';
    try {
      command = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 200);
    } catch {
      // Gone meanwhile: its state says what it was.
    }
    below.push(`  ${p} (state ${stat[0]}): ${command}`);
  });
  return below.length === 0 ? '  none' : below.join('\n');
}

/** A thread as Node's diagnostic report gives it: its JavaScript stack (empty: idle in its event loop) and, the main thread's, libuv's handles. */
interface ReportedThread {
  javascriptStack?: { message?: string; stack?: string[] };
  libuv?: { type?: string; is_active?: boolean; pid?: number; filename?: string }[];
}

const stackLines = (t: ReportedThread): string => {
  const stack = (t.javascriptStack?.stack ?? []).map((l) => l.trim()).filter((l) => l !== '');
  return stack.length === 0 ? '    (none: idle in its event loop)' : stack.map((l) => `    ${l}`).join('\n');
};

/** What Node's diagnostic report in `dir` says of each thread's JavaScript and of the main thread's active handles, if it wrote one. */
function reportStacks(dir: string): string {
  const file = readdirSync(dir).find((f) => f.endsWith('.json'));
  if (file === undefined) return '  (no diagnostic report came: the main thread never took the request)';
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ReportedThread & { workers?: ReportedThread[] };
  const handles = (report.libuv ?? []).filter((h) => h.is_active === true)
    .map((h) => `${h.type ?? '?'}${h.pid === undefined ? '' : ` ${h.pid}`}${h.filename === undefined ? '' : ` ${h.filename}`}`);
  const workers = (report.workers ?? []).map((w, i) => `  worker ${i + 1}'s JavaScript:\n${stackLines(w)}`);
  return [`  main thread's JavaScript:\n${stackLines(report)}`, `  its active handles: ${handles.join(', ') || 'none'}`, ...workers].join('\n');
}

/**
 * Starts `concord ARGS` (under Node's options `node`, where given), sends `signal` once
 * `ready(stderr, its pid)` holds (checked on each chunk of its stderr and every 50 ms, for a `ready` that
 * looks at files), and resolves when it has ended, or, past `giveUpMs`, once it is killed.
 */
export function signalWhen(args: readonly string[], ready: (stderr: string, pid: number) => boolean, signal: NodeJS.Signals, node: readonly string[] = [], giveUpMs = GIVE_UP_MS): Promise<Ended> {
  const reports = mkdtempSync(join(tmpdir(), 'concord-signal-report-'));
  const report = ['--report-on-signal', '--report-signal=SIGUSR2', `--report-directory=${reports}`];
  const child = spawn(process.execPath, [...report, ...node, CLI, ...args], { env: { ...process.env, CI: '1' } });
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
  let stdout = '';
  let stderr = '';
  let sentAt: string | null = null;
  let lastOutputAt = '0.0';
  let gaveUp = '';
  let closed = false;
  const check = () => {
    if (sentAt !== null || !ready(stderr, child.pid!)) return;
    sentAt = seconds();
    child.kill(signal);
  };
  const poll = setInterval(check, 50);
  const deadline = setTimeout(() => {
    const where = sentAt === null ? `the point to send ${signal} at never came` : `${signal} was sent at ${sentAt} s`;
    const threads = threadStates(child.pid!);
    const children = childProcesses(child.pid!);
    child.kill('SIGUSR2');
    setTimeout(() => {
      if (closed) return;
      gaveUp = `\n[signal-child] not ended after ${seconds()} s (${where}; its last output on stderr at ${lastOutputAt} s); killed. Its threads:\n${threads}\n`
        + `Its child processes:\n${children}\nIts diagnostic report:\n${reportStacks(reports)}\n`;
      child.kill('SIGKILL');
    }, REPORT_WAIT_MS);
  }, giveUpMs);
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    lastOutputAt = seconds();
    check();
  });
  return new Promise((resolve) => child.on('close', (code, sig) => {
    closed = true;
    clearInterval(poll);
    clearTimeout(deadline);
    rmSync(reports, { recursive: true, force: true });
    resolve({ pid: child.pid!, code, signal: sig, stdout, stderr: `${stderr}${gaveUp}` });
  }));
}
