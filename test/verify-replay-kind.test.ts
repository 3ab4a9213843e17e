// A replay says "reproduced" only when the token's failure came back: a cv8_ token names its
// failure's kind (replay.ts FailureKind), and a replay of its block that fails as another kind (an
// engine fixed of a lost write that now answers `error`, or hangs) says it failed otherwise, exits
// 1 (the engine is still broken) and, under --json, is not reproduced and names failedOtherwise.
// The same engine, or one that loses a write elsewhere, reproduces it; an older token still cannot tell.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeToken, encodeToken, failureKindOf, sameFailureKind, sealToken, type SealedToken } from '../properties/replay.js';
import { failedOtherwise } from '../properties/report.js';
import type { FailureReport } from '../properties/runner.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const fixture = new URL('./fixtures/exec/misbehaving-engine.mjs', import.meta.url).pathname;
const engine = (mode: string) => `exec:node ${fixture} ${mode}`;
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

describe('a replay of a cv8_ token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-replay-kind-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const found = concord('verify', '--executor', engine('lose-write-from 1'), '--runs', '20', '--json', '--out', dir);
  const failure = (JSON.parse(found.stdout) as { failures: { token: string; explanation?: { anomaly: string } }[] }).failures[0]!;
  const replay = (mode: string, ...extra: string[]) => concord('verify', '--replay', failure.token, '--executor', engine(mode), '--out', dir, ...extra);

  it('names the failure\'s kind, a lost write, in the token', () => {
    expect(found.status, found.stderr).toBe(1);
    expect(failure.explanation?.anomaly).toBe('lost write');
    expect(decodeToken(failure.token)).toMatchObject({ version: 8, failure: 'wrong result: lost write' });
  });

  it('reproduces it on the same engine', () => {
    const r = replay('lose-write-from 1', '--json');
    expect(r.status, r.stderr).toBe(1);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ ok: false, reproduced: true, runs: 1 });
    expect(json).not.toHaveProperty('failedOtherwise');
  });

  it('says an engine that now answers error fails otherwise, and exits 1', () => {
    const r = replay('error-from 0', '--other-command');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain('  not as found the token\'s failure was a lost write (a wrong result), and this replay failed as an engine fault '
      + '(an error answer or an end before its first answer, whatever the block) (threw: the engine could not execute request 1: opcode 21 (hash) is not supported yet): '
      + 'another failure of the same block, so the token\'s is neither reproduced nor shown gone\n');
    const json = JSON.parse(replay('error-from 0', '--other-command', '--json').stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ ok: false, reproduced: false, failedOtherwise: expect.stringMatching(/^the token's failure was a lost write \(a wrong result\), and this replay failed as an engine fault /) });
  });

  it('says an engine that now hangs fails otherwise, under --repeat too (the first failure decides)', () => {
    const r = replay('hang-from 0', '--other-command', '--timeout', '1', '--repeat', '3', '--json');
    expect(r.status, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false, reproduced: false, runs: 1,
      failedOtherwise: 'the token\'s failure was a lost write (a wrong result), and this replay failed as a hang (hung on a block of 1 transaction: no answer within 1 s (--timeout)): '
        + 'another failure of the same block, so the token\'s is neither reproduced nor shown gone',
    });
  });
});

describe('failure kinds', () => {
  it('are coarse: a wrong result by its anomaly alone (any, for a race), and one without an anomaly is any wrong result', () => {
    expect(failureKindOf({ explanation: { anomaly: 'lost write' } })).toBe('wrong result: lost write');
    expect(failureKindOf({ error: 'x', hung: 1000 })).toBe('hang');
    expect(failureKindOf({ error: 'x', protocol: 'one answer a request' })).toBe('protocol');
    expect(failureKindOf({ error: 'x', engineFault: 'error answer' })).toBe('engine fault');
    expect(failureKindOf({ error: 'x' })).toBe('threw');
    expect(failureKindOf({})).toBe('wrong result');
    expect(sameFailureKind('wrong result: lost write', 'wrong result')).toBe(true);
    expect(sameFailureKind('wrong result: lost write', 'wrong result: stale read')).toBe(false);
    expect(sameFailureKind('wrong result: lost write', 'wrong result: stale read', true)).toBe(true);
    expect(sameFailureKind('wrong result: lost write', 'threw', true)).toBe(false);
    expect(sameFailureKind('threw', 'hang')).toBe(false);
  });

  const fields = { executor: 'blockstm', check: 'equivalence', minTxs: 1, maxTxs: 20, seed: 65536, path: '0', failure: 'hang' } as const;
  it('are sealed in cv8_ tokens under the digest, and never in older versions', () => {
    const t = sealToken(fields, [[0, 0]], undefined, [{ txs: [] }]);
    expect(decodeToken(encodeToken(t))).toEqual(t);
    const other: SealedToken = { ...t, failure: 'threw' };
    expect(other.shrunk.digest).toBe(t.shrunk.digest);
    expect(sealToken({ ...fields, failure: 'threw' }, [[0, 0]], undefined, [{ txs: [] }]).shrunk.digest).not.toBe(t.shrunk.digest);
    const older = sealToken(fields, [[0, 0]], undefined, [{ txs: [] }], 7);
    expect(older).not.toHaveProperty('failure');
    expect(encodeToken(older)).toMatch(/^cv7_/);
    expect(decodeToken(encodeToken(older))).toEqual(older);
    const word = (version: number, kind: unknown) => `cv${version}_${Buffer.from(JSON.stringify(['blockstm', 'equivalence', 1, 20, 65536, '0', 0, '', '0123456789ab', { failure: kind }])).toString('base64url')}`;
    expect(() => decodeToken(word(7, 'hang'))).toThrow(/damaged/);
    expect(() => decodeToken(word(8, 'wrong result: no such anomaly'))).toThrow(/damaged/);
    expect(decodeToken(word(8, 'wrong result: stale read')).failure).toBe('wrong result: stale read');
  });

  it('decide failedOtherwise for a cv8_ token, a race\'s other anomaly not told apart', () => {
    const token = { ...sealToken({ ...fields, failure: 'wrong result: lost write' }, [], undefined, [{ txs: [] }]) };
    const report = {
      executor: 'blockstm', label: 'blockstm', check: 'equivalence', setting: 'threads 4', seed: 65536, path: '0', token: 'cv8_x', replay: 'npx concord verify --replay cv8_x',
      transactions: 2, numShrinks: 3, block: {}, error: 'Error: boom',
    } satisfies FailureReport;
    expect(failedOtherwise(token, report, 'threw')).toBe('the token\'s failure was a lost write (a wrong result), and this replay failed as a throw (an error from the executor) (threw: Error: boom): '
      + 'another failure of the same block, so the token\'s is neither reproduced nor shown gone');
    expect(failedOtherwise(token, report, 'wrong result: lost write')).toBeUndefined();
    expect(failedOtherwise(token, report, 'wrong result: stale read')).toMatch(/^the token's failure was a lost write \(a wrong result\), and this replay failed as a stale read \(a wrong result\) /);
    expect(failedOtherwise({ ...token, failsOnly: 'sometimes' }, report, 'wrong result: stale read')).toBeUndefined();
  });
});
