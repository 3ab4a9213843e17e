// The cores this process may use: os.availableParallelism() capped by the cgroup CPU quota.
// os.availableParallelism() ignores the quota (a `docker --cpus=2` container on a 64-core host
// says 64), so an executor that started that many spinning workers would fight over 2 cores.
// Invariant: the count is an integer from 1 to os.availableParallelism(); a quota that
// cannot be read or makes no sense counts as no quota, never as a guess.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Where cgroup v2 (cpu.max) and v1 (cpu/cpu.cfs_quota_us, cpu/cpu.cfs_period_us) keep the quota. */
export const CGROUP_ROOT = '/sys/fs/cgroup';

/** The CPU quota as written ("max 100000", "200000 100000"), and its value in cores (Infinity when unlimited or absent). */
export interface CgroupQuota {
  readonly text: string | null;
  readonly cores: number;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** quota / period in cores, Infinity for an unlimited, negative or unreadable quota. */
function quotaCores(quota: string | undefined, period: string | undefined): number {
  const cores = Number(quota) / Number(period);
  return Number.isFinite(cores) && cores > 0 ? cores : Infinity;
}

/**
 * This process's cgroup, from /proc/self/cgroup's text: the v2 line ("0::/path"), or with `v1`
 * the line whose controllers include cpu ("4:cpu,cpuacct:/path"); "/" when none says.
 */
export function ownCgroup(procText: string | null, v1: boolean): string {
  for (const line of (procText ?? '').split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    if (v1 ? controllers.split(',').includes('cpu') : line.slice(0, first) === '0' && controllers === '') return line.slice(second + 1) || '/';
  }
  return '/';
}

/** `base` joined with `path` and each of its ancestors, the process's own cgroup first, `base` last. */
function upFrom(base: string, path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '' && p !== '..');
  return Array.from({ length: parts.length + 1 }, (_, i) => [base, ...parts.slice(0, parts.length - i)].join('/'));
}

/** The v2 quota in `dir`'s cpu.max, or null without one. */
function v2Quota(dir: string): CgroupQuota | null {
  const text = readText(`${dir}/cpu.max`);
  if (text === null) return null;
  const [quota, period] = text.trim().split(/\s+/);
  return { text: text.trim(), cores: quota === 'max' ? Infinity : quotaCores(quota, period) };
}

/** The v1 quota in `dir`'s cfs files, or null without both. */
function v1Quota(dir: string): CgroupQuota | null {
  const quota = readText(`${dir}/cpu.cfs_quota_us`);
  const period = readText(`${dir}/cpu.cfs_period_us`);
  if (quota === null || period === null) return null;
  const q = Number(quota.trim());
  return { text: `${Number.isNaN(q) ? quota.trim() : q < 0 ? 'max' : q} ${period.trim()}`, cores: quotaCores(quota.trim(), period.trim()) };
}

/**
 * The quota that binds this process: the smallest in its own cgroup and every ancestor up to
 * `root` (a quota on a parent, a systemd slice's CPUQuota, limits every cgroup below it), v2's
 * cpu.max first, else v1's pair under root/cpu. In a container the process's cgroup is the root
 * of what it sees. A test passes a folder of fake files and the text of a fake /proc/self/cgroup.
 */
export function cgroupQuota(root = CGROUP_ROOT, procText: string | null = readText('/proc/self/cgroup')): CgroupQuota {
  const tightest = (found: (CgroupQuota | null)[]): CgroupQuota | null =>
    found.reduce<CgroupQuota | null>((best, q) => (q && (!best || q.cores < best.cores) ? q : best), null);
  return tightest(upFrom(root, ownCgroup(procText, false)).map(v2Quota))
    ?? tightest(upFrom(`${root}/cpu`, ownCgroup(procText, true)).map(v1Quota))
    ?? { text: null, cores: Infinity };
}

/**
 * min(available, quota rounded down), at least 1: a quota of 1.5 cores gives 1, since a second
 * thread would only get half a core.
 */
export function coresWithin(quota: CgroupQuota, available: number): number {
  return Math.max(1, Math.min(available, Math.floor(quota.cores)));
}

let cached: number | undefined;

/**
 * This process's cores (coresWithin the quota read now), read once: the executors check every
 * block's threads against a limit made of it. The executors' default threads and modules, that
 * limit and bench's default sweep all start from this.
 */
export function effectiveCores(): number {
  cached ??= coresWithin(cgroupQuota(), availableParallelism());
  return cached;
}
