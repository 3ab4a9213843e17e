// impl/runtime/cores.ts: the cgroup CPU quota read from fake v1 and v2 files, and the effective
// cores it leaves (what the executors default to in a `docker --cpus=N` container).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cgroupQuota, coresWithin, effectiveCores, ownCgroup } from '../impl/runtime/cores.js';
import { machineFacts } from '../bench/machine.js';
import { BlockStmExecutor } from '../impl/blockstm/executor.js';
import { defaultModules, ModularExecutor } from '../impl/modular/executor.js';
import { maxThreads } from '../impl/runtime/pooled.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A fake cgroup root holding `files` (path relative to the root -> text). */
function fakeRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'concord-cgroup-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('cgroup v2 cpu.max', () => {
  it('"max" is no quota', () => {
    const q = cgroupQuota(fakeRoot({ 'cpu.max': 'max 100000\n' }));
    expect(q).toEqual({ text: 'max 100000', cores: Infinity });
    expect(coresWithin(q, 64)).toBe(64);
  });

  it('"200000 100000" is 2 cores, on a 64-core host too', () => {
    const q = cgroupQuota(fakeRoot({ 'cpu.max': '200000 100000\n' }));
    expect(q).toEqual({ text: '200000 100000', cores: 2 });
    expect(coresWithin(q, 64)).toBe(2);
    expect(coresWithin(q, 1)).toBe(1);
  });

  it('1.5 cores round down to 1, and a tiny quota still leaves 1', () => {
    expect(coresWithin(cgroupQuota(fakeRoot({ 'cpu.max': '150000 100000' })), 64)).toBe(1);
    expect(coresWithin(cgroupQuota(fakeRoot({ 'cpu.max': '1000 100000' })), 64)).toBe(1);
  });

  it('a file that makes no sense is no quota, not a guess', () => {
    expect(cgroupQuota(fakeRoot({ 'cpu.max': 'garbage' })).cores).toBe(Infinity);
    expect(cgroupQuota(fakeRoot({ 'cpu.max': '200000 0' })).cores).toBe(Infinity);
  });

  it('wins over v1 files beside it', () => {
    const root = fakeRoot({ 'cpu.max': '400000 100000', 'cpu/cpu.cfs_quota_us': '100000', 'cpu/cpu.cfs_period_us': '100000' });
    expect(cgroupQuota(root).cores).toBe(4);
  });
});

describe('the process\'s own cgroup and its ancestors', () => {
  it('takes the tightest quota from its own cgroup up to the root (a systemd slice\'s CPUQuota limits the services below it)', () => {
    const root = fakeRoot({ 'system.slice/cpu.max': '100000 100000', 'system.slice/ci.service/cpu.max': 'max 100000' });
    expect(cgroupQuota(root, '0::/system.slice/ci.service\n')).toEqual({ text: '100000 100000', cores: 1 });
    // Read at the root only, as before, the slice's quota was missed.
    expect(cgroupQuota(root, '0::/\n').cores).toBe(Infinity);
  });

  it('follows v1\'s cpu controller line, and its ancestors', () => {
    const root = fakeRoot({ 'cpu/docker/cpu.cfs_quota_us': '300000', 'cpu/docker/cpu.cfs_period_us': '100000', 'cpu/docker/abc/cpu.cfs_quota_us': '-1', 'cpu/docker/abc/cpu.cfs_period_us': '100000' });
    expect(cgroupQuota(root, '4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n')).toEqual({ text: '300000 100000', cores: 3 });
  });

  it('reads /proc/self/cgroup lines, "/" when none names the hierarchy', () => {
    const text = '12:cpu,cpuacct:/kubepods/pod1\n0::/user.slice/session-1.scope\n';
    expect(ownCgroup(text, false)).toBe('/user.slice/session-1.scope');
    expect(ownCgroup(text, true)).toBe('/kubepods/pod1');
    expect(ownCgroup(null, false)).toBe('/');
    expect(ownCgroup('garbage', true)).toBe('/');
  });
});

describe('cgroup v1 cfs_quota_us / cfs_period_us', () => {
  it('-1 is no quota, written "max"', () => {
    const q = cgroupQuota(fakeRoot({ 'cpu/cpu.cfs_quota_us': '-1\n', 'cpu/cpu.cfs_period_us': '100000\n' }));
    expect(q).toEqual({ text: 'max 100000', cores: Infinity });
  });

  it('"200000" over "100000" is 2 cores; 150000 over 100000 leaves 1', () => {
    const q = cgroupQuota(fakeRoot({ 'cpu/cpu.cfs_quota_us': '200000\n', 'cpu/cpu.cfs_period_us': '100000\n' }));
    expect(q).toEqual({ text: '200000 100000', cores: 2 });
    expect(coresWithin(q, 64)).toBe(2);
    expect(coresWithin(cgroupQuota(fakeRoot({ 'cpu/cpu.cfs_quota_us': '150000', 'cpu/cpu.cfs_period_us': '100000' })), 64)).toBe(1);
  });

  it('a quota without its period is no quota', () => {
    expect(cgroupQuota(fakeRoot({ 'cpu/cpu.cfs_quota_us': '200000' }))).toEqual({ text: null, cores: Infinity });
  });
});

describe('missing files', () => {
  it('no cgroup files at all: the available cores', () => {
    const q = cgroupQuota(fakeRoot({}));
    expect(q).toEqual({ text: null, cores: Infinity });
    expect(coresWithin(q, 16)).toBe(16);
    expect(cgroupQuota(join(tmpdir(), 'no-such-cgroup-root'))).toEqual({ text: null, cores: Infinity });
  });
});

describe('one count for every default', () => {
  it('bench, the modular default and the thread limit agree with effectiveCores()', () => {
    const cores = effectiveCores();
    expect(cores).toBeGreaterThanOrEqual(1);
    expect(cores).toBeLessThanOrEqual(availableParallelism());
    expect(machineFacts().effectiveCores).toBe(cores);
    expect(defaultModules()).toBe(Math.max(8, 2 * cores));
    expect(maxThreads()).toBe(Math.max(64, 4 * cores));
  });
});

describe('the executors default to the effective cores', () => {
  it('block-stm and modular start effectiveCores() threads when none are asked for', async () => {
    const stm = await BlockStmExecutor.create({ warmUp: false });
    const modular = await ModularExecutor.create({ warmUp: false });
    try {
      expect(stm.threads).toBe(effectiveCores());
      expect(modular.threads).toBe(effectiveCores());
      expect(modular.modules).toBe(defaultModules());
    } finally {
      await stm.close();
      await modular.close();
    }
  });
});
