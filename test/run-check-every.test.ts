// `concord run --check` judges every run's result, warm-up runs included, and stops at the first
// that differs (cli/run.ts): a race shows in some runs only, and judging the last run alone passed
// an executor wrong in all the others.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const wrongOnCall = new URL('./fixtures/verify/wrong-on-call.mjs', import.meta.url).pathname;

function run(wrongCall: number, ...args: string[]) {
  return spawnSync(process.execPath, [cli, 'run', '--txs', '50', '--executor', wrongOnCall, '--check', ...args],
    { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: '1', WRONG_CALL: String(wrongCall) } });
}

describe('run --check', () => {
  it('fails on a timed run that differs though the last is right, and stops there', () => {
    const r = run(2, '--repeat', '5', '--warmup', '0');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^median time {4}\S+ ms over 2 of 5 runs, cold /m);
    expect(r.stdout).toMatch(/^statistics .* \(timed run 2's\)$/m);
    expect(r.stdout).toMatch(/^check {10}DIFFERS from the reference in timed run 2 \(1 run before it the same\); the first difference:\n {2}anomaly {6}wrong final value/m);
  });

  it('fails on a warm-up run that differs, with no timed run made', () => {
    const r = run(1, '--repeat', '5', '--warmup', '50', '--json');
    expect(r.status, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: false, warmupRuns: 1, medianMs: null, txPerSecond: null, check: { same: false, runs: 1, differed: { phase: 'warm-up', run: 1 } } });
    expect(out.check.difference.anomaly).toBe('wrong final value');
    const text = run(1, '--repeat', '5', '--warmup', '50');
    expect(text.stdout).toMatch(/^median time {4}none: warm-up run 1 differed from the reference, so no timed run was made/m);
  });

  it('passes when every run is right, and says how many it judged', () => {
    const r = run(0, '--repeat', '4', '--warmup', '0');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^check {10}the same state root, receipts and reads as the reference, in each of 4 runs$/m);
    const json = JSON.parse(run(0, '--repeat', '4', '--warmup', '0', '--json').stdout);
    expect(json.check).toEqual({ same: true, runs: 4 });
  });
});
