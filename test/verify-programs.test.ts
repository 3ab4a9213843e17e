// `concord verify --programs` end to end, on an exec: engine that runs the library contracts
// natively and has no bytecode VM (test/fixtures/verify/native-contracts.mjs): it passes on
// contract blocks and fails without the option; its planted bug is caught, shrunk to contract calls
// alone and replayed from the token on the same subset; vm-corners is listed as not run, never as
// passed; unknown names and shards of different subsets are refused. Runs dist/, which `npm test` builds first.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeToken } from '../properties/replay.js';
import { CONTRACT_NAMES } from '../properties/programs.js';
import { EquivalenceError, verifyExecutor } from '../properties/vitest.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const engine = `exec:node ${new URL('./fixtures/verify/native-contracts.mjs', import.meta.url).pathname}`;
const buggy = `${engine} --bug token-credit-first`;
const out = mkdtempSync(join(tmpdir(), 'concord-verify-programs-'));
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, 'verify', ...args], { encoding: 'utf8', timeout: 240_000 });

interface Block { readonly transactions: readonly { readonly call?: string }[] }

describe('verify --programs', () => {
  it('passes an engine that implements only the contracts, lists vm-corners as not run, and fails it without the option', () => {
    const json = concord('--executor', engine, '--programs', 'contracts', '--runs', '100', '--json');
    expect(json.status, json.stderr).toBe(0);
    const j = JSON.parse(json.stdout);
    expect(j).toMatchObject({ ok: true, settings: { programs: CONTRACT_NAMES }, failures: [] });
    expect(j.executors[0].checks).toContainEqual({ name: 'vm-corners', status: 'not run', batches: 0, of: 0, reason: 'not run: --programs contracts' });
    expect(j.executors[0].checks.filter((c: { status: string }) => c.status === 'passed').map((c: { name: string }) => c.name)).toEqual(['equivalence', 'determinism', 'big-blocks', 'empty-block']);

    const text = concord('--executor', engine, '--programs', 'contracts', '--runs', '50');
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('vm-corners not run: --programs contracts');
    expect(text.stdout).toMatch(/seed 1, shard 1\/1, --programs contracts\n/);

    // Its first random program is one it has no VM for.
    const plain = concord('--executor', engine, '--runs', '50', '--json', '--out', out);
    expect(plain.status).toBe(1);
    expect(JSON.parse(plain.stdout).failures[0].error).toMatch(/program "tx\d+" is no library contract/);
  });

  it('catches a bug in one contract, shrinks it to contract calls alone and replays the token on the same subset', () => {
    const r = concord('--executor', buggy, '--programs', 'p2p,token', '--runs', '100', '--json', '--out', out);
    expect(r.status).toBe(1);
    const [f] = JSON.parse(r.stdout).failures;
    expect(f).toMatchObject({ check: 'equivalence', programs: ['p2p', 'token'] });
    const block = f.block as Block;
    expect(block.transactions.length).toBeGreaterThan(0);
    expect(block.transactions.every((t) => t.call === 'p2p' || t.call === 'token')).toBe(true);
    expect(decodeToken(f.token).programs).toEqual(['p2p', 'token']);
    expect(f.replay).not.toContain('--programs');

    const again = concord('--replay', f.token, '--executor', buggy, '--json', '--out', out);
    expect(again.status).toBe(1);
    const a = JSON.parse(again.stdout);
    expect(a).toMatchObject({ reproduced: true, settings: { programs: ['p2p', 'token'] } });
    expect(a.failures[0].block).toEqual(f.block);
    expect(a.failures[0].token).toBe(f.token);
    // The token fixes the subset.
    expect(concord('--replay', f.token, '--executor', buggy, '--programs', 'p2p').stderr).toMatch(/--replay reruns one failure: .*not with --programs/);
  });

  it('refuses an unknown contract name, with --planted, and a merge of shards of different subsets', () => {
    const r = concord('--executor', engine, '--programs', 'p2p,swap');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('concord verify: --programs p2p,swap: "swap" is no library contract; give all (every program kind, the default), contracts (every contract) '
      + 'or a comma-separated list of p2p, token, amm-swap, nft-mint, handoff, oracle-update, oracle-trade (`concord contracts` lists them)\n');
    expect(concord('--planted', '--programs', 'contracts')).toMatchObject({ status: 2, stderr: expect.stringMatching(/--planted checks the planted-bug catalogue: leave out --programs/) });

    const shard = (i: number, programs: string) => {
      const s = concord('--executor', engine, '--programs', programs, '--runs', '100', '--shard', `${i}/2`, '--json');
      expect(s.status, s.stderr).toBe(0);
      const file = join(out, `shard-${i}-${programs}.json`);
      writeFileSync(file, s.stdout);
      return file;
    };
    const one = shard(1, 'contracts');
    const merged = concord('--merge', one, shard(2, 'contracts'), '--json');
    expect(merged.status).toBe(0);
    expect(JSON.parse(merged.stdout)).toMatchObject({ ok: true, settings: { programs: CONTRACT_NAMES } });
    const mixed = concord('--merge', one, shard(2, 'token'));
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toMatch(/settings\.programs.*--programs token, where .* has --programs contracts/);
  });

  it('is the vitest helper\'s `programs` option too', async () => {
    const report = await verifyExecutor(engine, { programs: 'contracts', runs: 50 });
    expect(report.executors[0]!.checks).toContainEqual(expect.objectContaining({ name: 'vm-corners', status: 'not run' }));
    await expect(verifyExecutor(engine, { programs: ['p2p', 'swap'] })).rejects.toThrow(/^verifyExecutor: programs p2p,swap: "swap" is no library contract/);
    const caught = await verifyExecutor(buggy, { programs: ['token'], runs: 50 }).catch((e: unknown) => e);
    expect(caught).toBeInstanceOf(EquivalenceError);
    const [f] = (caught as EquivalenceError).report.failures;
    expect((f!.block as Block).transactions.every((t) => t.call === 'token')).toBe(true);
    await expect(verifyExecutor(buggy, { replay: f!.token })).rejects.toBeInstanceOf(EquivalenceError);
  });
});
