// A replay never gives a verdict about an engine that cannot start: `verify --replay` makes the
// start-up check verify makes, so a printed replay command run from another folder than the
// failing verify's (python cannot open the engine's script) says the engine failed at start-up and
// nothing was replayed (exit 1, `notReplayed` in JSON), where it printed the token's FAIL and
// `"reproduced": true`, even for an engine already fixed. Run from the right folder, the replay
// still reproduces the failure, and passes once the engine is fixed; an engine that fails slower
// than the start-up check waits is said not replayed too. A token tells a replay that
// failed otherwise than its failure only where it marks a hang's shrinking capped (failedOtherwise).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { failedOtherwise } from '../properties/report.js';
import type { FailureReport } from '../properties/runner.js';
import type { ReplayToken } from '../properties/replay.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const example = new URL('../examples/exec-engine.py', import.meta.url).pathname;
const concord = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });

const ENGINE = 'exec:python3 engine.py';
/** examples/exec-engine.py's last write of a block of 3 transactions or more, one too high. */
const RIGHT = '    writes = [[k, v] for k, v in state.items() if pre.get(k, 0) != v]\n';
const WRONG = `${RIGHT}    if len(block['txs']) >= 3 and writes:\n        writes[-1] = [writes[-1][0], writes[-1][1] + 1]\n`;

describe('verify --replay of an engine that cannot start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-startup-replay-'));
  const home = join(dir, 'engine');
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(home);
  mkdirSync(elsewhere);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** The failing engine's token, from the first test. */
  let token = '';

  it('says the engine failed at start-up and nothing was replayed, never "reproduced", from another folder; from its own it reproduces, and passes once fixed', () => {
    const right = readFileSync(example, 'utf8');
    expect(right).toContain(RIGHT);
    writeFileSync(join(home, 'engine.py'), right.replace(RIGHT, WRONG));
    const found = concord(home, 'verify', '--executor', ENGINE, '--runs', '20', '--json');
    expect(found.status, found.stderr).toBe(1);
    ({ token } = (JSON.parse(found.stdout) as { failures: { token: string }[] }).failures[0]!);
    const replay = (cwd: string, ...extra: string[]) => concord(cwd, 'verify', '--replay', token, '--executor', ENGINE, ...extra);

    // From the folder the failing verify ran in, the start-up check passes and the failure is the engine's.
    const again = replay(home, '--json');
    expect(again.status, again.stderr).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: false, reproduced: true, runs: 1, failures: [{ explanation: { anomaly: expect.any(String) } }] });

    const text = replay(elsewhere);
    expect(text.status).toBe(1);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(new RegExp(`^concord verify: --replay: the engine failed at start-up, so nothing was replayed, and whether the token's failure is still there is unknown `
      + `\\(the engine command runs as given, in ${elsewhere}: is that the folder the failing verify ran in\\?\\): the executor exec:python3 engine\\.py .*can't open file '${elsewhere}/engine\\.py'`));
    const json = replay(elsewhere, '--json');
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false, executors: [ENGINE], reproduced: false, runs: 0, notReplayed: 'start-up', error: expect.stringContaining(`can't open file '${elsewhere}/engine.py'`),
    });

    // Fixed: from another folder still nothing is replayed, and from its own the counterexample passes.
    writeFileSync(join(home, 'engine.py'), right);
    expect(JSON.parse(replay(elsewhere, '--json').stdout)).toMatchObject({ reproduced: false, notReplayed: 'start-up' });
    const fixed = replay(home);
    expect([fixed.status, fixed.stdout]).toEqual([0, expect.stringMatching(/: the counterexample no longer fails\n$/)]);
  });

  it('reproduces an engine that ends on the token\'s block before answering it: that is the block\'s failure, not a start-up\'s', () => {
    const crashHome = join(dir, 'crash');
    mkdirSync(crashHome);
    writeFileSync(join(crashHome, 'engine.py'), readFileSync(example, 'utf8').replace(RIGHT, `${RIGHT}    if len(block['txs']) >= 3:\n        sys.exit(101)\n`));
    const found = concord(crashHome, 'verify', '--executor', ENGINE, '--runs', '20', '--json');
    expect(found.status, found.stderr).toBe(1);
    const crash = (JSON.parse(found.stdout) as { failures: { token: string }[] }).failures[0]!.token;
    const again = concord(crashHome, 'verify', '--replay', crash, '--executor', ENGINE, '--json');
    expect(again.status, again.stderr).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: false, reproduced: true, runs: 1 });
    expect(JSON.parse(again.stdout)).not.toHaveProperty('notReplayed');
  }, 120_000);

  it('says the same of an engine that fails at start-up slower than the start-up check waits, as a loaded machine makes python', () => {
    expect(token, 'the first test found the failing engine\'s token').not.toBe('');
    // Still running when the check stops it unused (3 s, impl/exec-executor.ts UNUSED_GRACE_MS), it ends before its first answer in the replay.
    const slow = 'exec:sh -c "sleep 4; exit 3"';
    const r = concord(home, 'verify', '--replay', token, '--executor', slow, '--other-command', '--json');
    expect(r.status, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false, reproduced: false, runs: 0, notReplayed: 'start-up', error: expect.stringMatching(/nothing was replayed.*the engine exited with code 3 before answering its first request/),
    });
  });
});

describe('failedOtherwise: a replay that fails, but not as the token\'s failure did', () => {
  const token: ReplayToken = {
    version: 7, executor: 'exec:./engine', check: 'equivalence', minTxs: 1, maxTxs: 20, seed: 65536, path: '0', minimized: [], shrunk: { digest: '0123456789ab', capped: 'hang' },
  };
  const report = {
    executor: 'exec:./engine', label: 'exec:./engine', check: 'equivalence', setting: 'threads 1', seed: 65536, path: '0', token: 'cv7_x', replay: 'npx concord verify --replay cv7_x',
    transactions: 3, numShrinks: 4, block: {}, error: 'ExecEngineError: exec:./engine: the engine exited with code 1 with request 1 unanswered',
  } satisfies FailureReport;

  it('a token marked as a hang\'s (its shrinking capped for a hang) and a replay that did not hang: another failure, named', () => {
    expect(failedOtherwise(token, report, undefined)).toBe('the token\'s failure was a hang (it marks its shrinking stopped at the cap on a hang\'s shrinking), and this replay failed without hanging '
      + '(threw: the engine exited with code 1 with request 1 unanswered): another failure of the same block, so the token\'s is neither reproduced nor shown gone');
  });

  it('a replay that hung again is the token\'s failure; a token without the mark cannot tell', () => {
    expect(failedOtherwise(token, { ...report, hungMs: 20_000 }, undefined)).toBeUndefined();
    expect(failedOtherwise({ ...token, shrunk: { digest: '0123456789ab' } }, report, undefined)).toBeUndefined();
    expect(failedOtherwise({ ...token, shrunk: { digest: '0123456789ab', capped: 'attempts' } }, report, undefined)).toBeUndefined();
  });
});
