// The line a CI log shows of a failure under `verify --json` (stderr; the report is in the JSON
// file the log does not show) names what went wrong in a few words (whatWentWrong): the first
// difference from the reference, an engine's error answer with the last line it wrote, a hang and
// its bound, the protocol rule its output broke; where it said only the check and the shrink. A
// failure that comes and goes prints a replay that carries --repeat SOMETIMES_REPEAT (the helper's
// `repeat`), and says why, where one run of its block would pass most times and say nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatFailure, whatWentWrong } from '../properties/report.js';
import { encodeToken, replayCommand, SOMETIMES_REPEAT, type ReplayToken } from '../properties/replay.js';
import type { FailureReport } from '../properties/runner.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const reference = new URL('../dist/spec/reference.js', import.meta.url).href;
const batchExecutor = new URL('fixtures/verify/batch-executor.mjs', import.meta.url).pathname;
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

/** The replay a failure printed, as arguments of the CLI (the way it names the CLI itself left out). */
const argsOf = (command: string): string[] => [...command.replace(/^.*?concord(?:\.js)? /, '').matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);

interface FailureJson {
  readonly replay: string;
  readonly failsOnly?: string;
  readonly explanation?: { readonly anomaly: string; readonly tx: number; readonly keyName: string; readonly expected: string; readonly actual: string };
}

describe('verify --json: the log line of a failure says what went wrong', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-startup-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const failing = (executor: string, name: string) => {
    const r = concord('verify', '--executor', executor, '--runs', '20', '--out', join(dir, name), '--json');
    expect(r.status, r.stderr).toBe(1);
    const [failure] = (JSON.parse(r.stdout) as { failures: FailureJson[] }).failures;
    return { stderr: r.stderr, failure: failure! };
  };

  it('a wrong result: the anomaly, where, and the values', () => {
    const { stderr, failure } = failing(batchExecutor, 'batch');
    const x = failure.explanation!;
    expect(x.anomaly).toBe('stale read');
    expect(stderr).toMatch(new RegExp(`^concord verify: FAIL batch-executor \\(\\S+\\): equivalence check \\(threads \\d\\), shrunk to \\d+ transactions in \\d+ steps; `));
    expect(stderr.endsWith(`; stale read at tx ${x.tx}, key ${x.keyName}: expected ${x.expected}, actual ${x.actual}; replay: ${failure.replay}\n`)).toBe(true);
  });

  it('an engine\'s error answer: what it answered, with the last line of its traceback', () => {
    const engine = join(dir, 'error-engine.mjs');
    writeFileSync(engine, `import { createInterface } from 'node:readline';
for await (const line of createInterface({ input: process.stdin })) {
  const { id } = JSON.parse(line);
  process.stdout.write(JSON.stringify({ id, error: 'Traceback (most recent call last):\\n  File "engine.py", line 9\\nKeyError: 7' }) + '\\n');
}\n`);
    const { stderr, failure } = failing(`exec:node ${engine}`, 'error');
    // An error answer to every block is the engine's own fault: shown on the smallest block, not shrunk.
    expect(stderr).toMatch(new RegExp(`^concord verify: FAIL exec:node \\S+error-engine\\.mjs: \\S+ check \\(threads \\d\\), the engine's own fault \\(an error answer\\), shown on 1 transaction, the smallest block, where a fresh engine failed the same way: not shrunk; `
      + 'threw: the engine could not execute request \\d+; its error follows \\(its last line: KeyError: 7\\); replay: '));
    expect(stderr.endsWith(`; replay: ${failure.replay}\n`)).toBe(true);
  });

  it('a hang names its bound; a protocol violation its rule; an error of a module is quoted as thrown', () => {
    const report = {
      executor: 'exec:./engine', label: 'exec:./engine', check: 'equivalence', setting: 'threads 4', seed: 65536, path: '0', token: 'cv8_x', replay: 'npx concord verify --replay cv8_x',
      transactions: 3, numShrinks: 15, block: {},
    } satisfies FailureReport;
    const hang = 'ExecEngineError: exec:./engine: did not answer request 1 (a block of 3 transactions) within 20 s (--timeout), and was stopped';
    expect(whatWentWrong({ ...report, hungMs: 20_000, error: hang })).toBe('hung on a block of 3 transactions: no answer within 20 s (--timeout)');
    expect(whatWentWrong({ ...report, protocol: { rule: 'an answer is one JSON object on one line' }, error: 'ExecEngineError: exec:./engine: ...' }))
      .toBe('broke concord-exec/1: an answer is one JSON object on one line');
    expect(whatWentWrong({ ...report, executor: './mine.mjs', label: 'mine (./mine.mjs)', error: 'TypeError: x is undefined' })).toBe('threw: TypeError: x is undefined');
    expect(whatWentWrong(report)).toBe('its result differs from the reference');
  });
});

describe('a failure that comes and goes: its replay carries --repeat, and says why', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-startup-repeat-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the printed replay asks for SOMETIMES_REPEAT runs and reproduces the failure one run would have passed', () => {
    // Right on every odd call, wrong on every even one: a replay's first run passes, its second fails.
    const flaky = join(dir, 'flaky.mjs');
    writeFileSync(flaky, `import { executeReference } from '${reference}';
let calls = 0;
export default () => ({ name: 'flaky', async execute(b) {
  const r = executeReference(b); const wrong = calls++ % 2 === 1;
  return wrong ? { ...r, gasUsed: r.gasUsed + 1, state: r.state, stats: r.stats } : r; }, async close() {} });\n`);
    const out = join(dir, 'out');
    const why = `(--repeat ${SOMETIMES_REPEAT}: it failed only sometimes, and ${SOMETIMES_REPEAT} runs see again, with odds of 99%, a failure that comes once in 20 runs of its block)`;
    const r = concord('verify', '--executor', flaky, '--runs', '100', '--out', out, '--json');
    expect(r.status, r.stderr).toBe(1);
    const [failure] = (JSON.parse(r.stdout) as { failures: FailureJson[] }).failures;
    expect(failure).toMatchObject({ failsOnly: 'sometimes', replay: expect.stringMatching(new RegExp(`^npx concord verify --replay cv8_\\S+ --repeat ${SOMETIMES_REPEAT} --out \\S+$`)) });
    expect(r.stderr).toMatch(/; wrong gas total in gasUsed: expected \d+, actual \d+; replay: /);
    expect(r.stderr.endsWith(`; replay: ${failure!.replay} ${why}\n`)).toBe(true);
    const text = concord('verify', '--executor', flaky, '--runs', '100', '--out', out);
    expect(text.stdout).toContain(`\n  replay       ${failure!.replay}  ${why}\n`);
    expect(text.stdout).toMatch(new RegExp(`\\n {2}seed {9}\\d+, path [\\d:]+ \\(fast-check's, for batch 0 of --seed 1: the replay below runs this block up to ${SOMETIMES_REPEAT} times; `));

    const again = concord(...argsOf(failure!.replay), '--json');
    expect(again.status).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ reproduced: true, runs: 2 });
    const once = concord(...argsOf(failure!.replay.replace(` --repeat ${SOMETIMES_REPEAT}`, '')), '--json');
    expect(JSON.parse(once.stdout)).toMatchObject({ reproduced: false, runs: 1 });
  });

  it('the helper\'s replay asks for as many runs with repeat; a failure that fails every time gets one', () => {
    const token: ReplayToken = {
      version: 7, executor: 'test:flaky', check: 'equivalence', minTxs: 1, maxTxs: 20, seed: 65536, path: '0', minimized: [], shrunk: { digest: '0123456789ab' }, failsOnly: 'sometimes',
    };
    expect(replayCommand(token, 5000)).toBe(`verifyExecutor(executor, { replay: '${encodeToken(token)}', repeat: ${SOMETIMES_REPEAT}, timeout: 5000 })`);
    const always = { ...token, executor: 'exec:./engine', failsOnly: undefined };
    expect(replayCommand(always)).toBe(`npx concord verify --replay ${encodeToken(always)} --executor exec:./engine`);
    const report = {
      executor: 'test:flaky', label: 'flaky', check: 'equivalence', setting: 'threads 1', seed: 65536, path: '0', token: encodeToken(token), replay: replayCommand(token),
      transactions: 1, numShrinks: 0, block: {}, failsOnly: 'sometimes',
    } satisfies FailureReport;
    expect(formatFailure(report).at(-1)).toBe(`  replay       ${report.replay}  (repeat: ${SOMETIMES_REPEAT}: it failed only sometimes, and ${SOMETIMES_REPEAT} runs see again, `
      + 'with odds of 99%, a failure that comes once in 20 runs of its block)');
  });
});
