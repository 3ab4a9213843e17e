// Machine facts and noise meters for benchmarks: what ran the numbers (CPU, cores, cgroup quota,
// memory, Node/V8, OS) and how busy the machine was while they ran.
// Invariant: everything here only reads the system (/proc, /sys, os); a fact that cannot be read
// on this platform is null, never a guess, so result files from other OSes stay honest.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import { cgroupQuota, coresWithin } from '../impl/runtime/cores.js';
import { execEnginesCpuMs } from '../impl/exec-executor.js';
import { madeUpLabel } from '../reports/schema.js';

export interface MachineFacts {
  /** Short human label used to tell machines apart in merged reports. */
  readonly label: string;
  readonly cpuModel: string;
  /** /proc/cpuinfo "cpu family", "model", "stepping" and "cpu MHz" (the model string alone can be just "AMD EPYC"). */
  readonly cpuFamily: number | null;
  readonly cpuModelNumber: number | null;
  readonly cpuStepping: number | null;
  readonly cpuMhz: number | null;
  readonly logicalCpus: number;
  readonly availableParallelism: number;
  /** The cgroup CPU quota as written ("max 100000", "200000 100000"), v2 cpu.max or v1 cfs_quota/period; null when absent. */
  readonly cgroupCpuMax: string | null;
  /** min(availableParallelism, cgroup quota in cores), impl/runtime/cores.ts: os.availableParallelism() ignores the quota. */
  readonly effectiveCores: number;
  readonly memoryBytes: number;
  readonly node: string;
  readonly v8: string;
  readonly os: string;
}

/** A file's text, or null where it cannot be read (a fact missing on this platform). */
export function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function cpuinfoField(text: string | null, field: string): string | null {
  if (text === null) return null;
  const m = new RegExp(`^${field}\\s*:\\s*(.*)$`, 'm').exec(text);
  return m ? m[1]!.trim() : null;
}

function numberOrNull(s: string | null): number | null {
  if (s === null) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

export function machineFacts(): MachineFacts {
  const cpuinfo = readText('/proc/cpuinfo');
  const cpus = os.cpus();
  const cpuModel = cpuinfoField(cpuinfo, 'model name') ?? cpus[0]?.model ?? 'unknown';
  const available = os.availableParallelism();
  const quota = cgroupQuota();
  const effectiveCores = coresWithin(quota, available);
  const family = numberOrNull(cpuinfoField(cpuinfo, 'cpu family'));
  const model = numberOrNull(cpuinfoField(cpuinfo, 'model'));
  const memoryBytes = os.totalmem();
  return {
    label: madeUpLabel({ cpuModel, cpuFamily: family, cpuModelNumber: model, effectiveCores, memoryBytes, node: process.versions.node }),
    cpuModel,
    cpuFamily: family,
    cpuModelNumber: model,
    cpuStepping: numberOrNull(cpuinfoField(cpuinfo, 'stepping')),
    cpuMhz: numberOrNull(cpuinfoField(cpuinfo, 'cpu MHz')),
    logicalCpus: cpus.length,
    availableParallelism: available,
    cgroupCpuMax: quota.text,
    effectiveCores,
    memoryBytes,
    node: process.versions.node,
    v8: process.versions.v8,
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

/** A point in time for measuring how busy the machine was: whole-machine jiffies and this process's own CPU. */
export interface CpuSnapshot {
  readonly wallMs: number;
  /** Whole-machine busy and steal time in ms from /proc/stat; null where /proc/stat is absent. */
  readonly busyMs: number | null;
  readonly stealMs: number | null;
  /** This process's CPU (all its threads, workers included) and its exec: engines' in ms. */
  readonly ownMs: number;
}

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux Node supports. */
export const JIFFY_MS = 10;

export function cpuSnapshot(): CpuSnapshot {
  const usage = process.cpuUsage();
  const ownMs = (usage.user + usage.system) / 1000 + execEnginesCpuMs();
  const wallMs = performance.now();
  const stat = readText('/proc/stat');
  const line = stat?.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return { wallMs, busyMs: null, stealMs: null, ownMs };
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already inside user.
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]!;
  return { wallMs, busyMs: busy * JIFFY_MS, stealMs: (f[7] ?? 0) * JIFFY_MS, ownMs };
}

/** How busy the machine was between two snapshots, beyond this process. */
export interface NoiseWindow {
  readonly wallMs: number;
  /** Other processes' CPU in cores (their busy time / wall time); null without /proc/stat. */
  readonly foreignCores: number | null;
  /** Time the hypervisor took from this machine, as a fraction of all CPU time in the window. */
  readonly stealFraction: number | null;
}

export function noiseBetween(a: CpuSnapshot, b: CpuSnapshot, cores: number): NoiseWindow {
  const wallMs = b.wallMs - a.wallMs;
  if (a.busyMs === null || b.busyMs === null || a.stealMs === null || b.stealMs === null || wallMs <= 0) {
    return { wallMs, foreignCores: null, stealFraction: null };
  }
  const foreignMs = Math.max(0, b.busyMs - a.busyMs - (b.ownMs - a.ownMs));
  return {
    wallMs,
    foreignCores: foreignMs / wallMs,
    stealFraction: Math.min(1, (b.stealMs - a.stealMs) / (wallMs * cores)),
  };
}

/**
 * Above this much foreign CPU (in cores) or steal, a window counts as busy. Jiffies are 10 ms, so
 * a window of a few hundred ms cannot resolve much less than this; a whole extra busy core (the
 * field notes' 1.90x -> 1.54x case) is far above it.
 */
export const BUSY_FOREIGN_CORES = 0.25;
export const BUSY_STEAL_FRACTION = 0.05;

export function isBusy(w: NoiseWindow): boolean {
  return (w.foreignCores ?? 0) > BUSY_FOREIGN_CORES || (w.stealFraction ?? 0) > BUSY_STEAL_FRACTION;
}

/** The CPU the calling thread last ran on (/proc/thread-self/stat, field 39); null where that is not readable. */
export function currentCpu(): number | null {
  const stat = readText('/proc/thread-self/stat');
  if (stat === null) return null;
  const cpu = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[36]);
  return Number.isInteger(cpu) ? cpu : null;
}

export function loadAverage(): [number, number, number] {
  const [a, b, c] = os.loadavg();
  return [a!, b!, c!];
}
