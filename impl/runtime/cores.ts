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

/** The quota under `root` (a test passes a folder of fake files): v2's cpu.max first, else v1's pair. */
export function cgroupQuota(root = CGROUP_ROOT): CgroupQuota {
  const v2 = readText(`${root}/cpu.max`);
  if (v2 !== null) {
    const [quota, period] = v2.trim().split(/\s+/);
    return { text: v2.trim(), cores: quota === 'max' ? Infinity : quotaCores(quota, period) };
  }
  const quota = readText(`${root}/cpu/cpu.cfs_quota_us`);
  const period = readText(`${root}/cpu/cpu.cfs_period_us`);
  if (quota === null || period === null) return { text: null, cores: Infinity };
  const q = Number(quota.trim());
  return { text: `${q < 0 ? 'max' : q} ${period.trim()}`, cores: quotaCores(quota.trim(), period.trim()) };
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
