// How fast each core of this machine runs the VM, and what that allows a parallel executor. The
// cores of one machine are not always equal: a VM's virtual CPUs run on host threads that may
// share a physical core or its caches with a busy neighbour, and hybrid CPUs differ by design. On
// the 2-core VM this project was built on, one core (CPU 0 mostly, CPU 1 at times) runs the
// sequential executor on the p2p 10,000 block at 0.5-0.75 of the other's speed for minutes at a
// time, then as fast again: while it lasts, no executor can reach 1.8x at 2 threads over a
// baseline on the fast core. Neither /proc/stat's steal nor other processes' load shows it.
// The probe runs in a child process (core-probe.ts) that pins itself to each CPU in turn with
// taskset (Linux, util-linux); elsewhere it reports why it could not measure, never a guess.
// What the speeds allow (the ceiling at t threads) is read in reports/cores.ts.

import { execFile, execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { distRoot } from '../impl/runtime/pool.js';
import type { CoreProbeRecord } from '../reports/schema.js';
import { readText } from './machine.js';
import { plural } from '../spec/plural.js';
import type { ProbeReply, ProbeRequest } from './core-probe.js';

export interface ProbeOptions {
  /** Passes over every CPU (default 3 up to 8 CPUs, else 1). */
  readonly rounds?: number;
  /** Blocks timed per CPU per pass (default 3). */
  readonly reps?: number;
  /** The p2p block's size (default 10,000, the suite's: a smaller one fits in caches a busy neighbour would share). */
  readonly txs?: number;
  /** The taskset command (tests give a missing one). */
  readonly taskset?: string;
  /** Cache-line round trips timed between the first CPU and each other one (default 20,000; 0: none). */
  readonly roundTrips?: number;
  /** Kills a probe that takes longer than this. */
  readonly timeoutMs?: number;
}

/** "0-3,8,10-11" (Linux's cpu list format) as [0, 1, 2, 3, 8, 10, 11]. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`not a cpu list: "${text.trim()}"`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let c = lo; c <= hi; c++) cpus.push(c);
  }
  return cpus;
}

/** The CPUs this process may run on (Cpus_allowed_list), or why they cannot be read. */
export function allowedCpus(): number[] | string {
  const status = readText('/proc/self/status');
  if (status === null) return `no /proc/self/status on ${process.platform}`;
  const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(status);
  return line ? parseCpuList(line[1]!) : 'no Cpus_allowed_list in /proc/self/status';
}

const execFileAsync = promisify(execFile);

/**
 * Times the sequential executor on each allowed CPU alone: each CPU's median time and its speed
 * over the fastest CPU's (1 for the fastest), or `unavailable` saying why it could not. The child
 * is awaited, never waited for synchronously: a signal that comes while it runs (bench's line
 * before it is where CI scripts and `concord main`'s test send one) is taken at once, and the
 * ending kills the child with the rest of the process's tree; held off, it waited for the probe,
 * up to the timeout on a loaded machine.
 */
export async function probeCoreSpeeds(options: ProbeOptions = {}): Promise<CoreProbeRecord> {
  if (process.platform !== 'linux') return { unavailable: `per-core timing needs Linux's taskset; this is ${process.platform}` };
  const cpus = allowedCpus();
  if (typeof cpus === 'string') return { unavailable: cpus };
  const request: ProbeRequest = {
    cpus, rounds: options.rounds ?? (cpus.length <= 8 ? 3 : 1), reps: options.reps ?? 3, txs: options.txs ?? 10_000,
    taskset: options.taskset ?? 'taskset', roundTrips: options.roundTrips ?? 20_000,
  };
  const timeoutMs = options.timeoutMs ?? 120_000;
  let reply: ProbeReply;
  try {
    const { stdout } = await execFileAsync(process.execPath, [join(distRoot(), 'bench', 'core-probe.js'), JSON.stringify(request)], { encoding: 'utf8', timeout: timeoutMs });
    reply = JSON.parse(stdout) as ProbeReply;
  } catch (e) {
    const err = e as { stderr?: string; message: string; killed?: boolean };
    const why = /ENOENT|not found/.test(err.stderr ?? err.message) ? `${request.taskset} is not installed (util-linux)`
      : err.killed === true ? `killed after ${timeoutMs / 1000} s, its time limit` : (err.stderr || err.message).trim().split('\n').pop();
    return { unavailable: `per-core probe failed: ${why}` };
  }
  const fastest = Math.min(...reply.medianMs);
  return {
    speeds: {
      method: 'taskset',
      workload: `sequential executor, p2p ${request.txs} accounts x ${request.txs} txs, median of ${plural(request.reps, 'block')} x ${plural(request.rounds, 'round')} per CPU`,
      cpus, medianMs: reply.medianMs, relative: reply.medianMs.map((ms) => fastest / ms),
      ...(reply.crossCore && reply.crossCore.pairs.length > 0 ? { crossCore: { method: 'ping-pong' as const, ...reply.crossCore } } : {}),
    },
  };
}

/**
 * Pins the calling thread alone (not V8's helper threads, not other workers) to `cpu`, or with
 * null back to every CPU in `allowed`; false where taskset is missing or refused. The bench pins
 * its sequential baseline round by round to each core in turn, so the baseline is sampled on
 * every core instead of wherever the scheduler left the thread.
 */
export function pinThread(cpu: number | null, allowed: readonly number[], taskset = 'taskset'): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // /proc/thread-self links to /proc/<pid>/task/<tid>: the calling thread's own id.
    const tid = readlinkSync('/proc/thread-self').split('/').pop()!;
    execFileSync(taskset, ['-p', '-c', cpu === null ? allowed.join(',') : String(cpu), tid], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
