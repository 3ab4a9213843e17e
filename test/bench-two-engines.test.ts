// bench times two exec: engines (or two configurations of one) in the same rounds: --executor is
// repeated, one list each, since an exec: command takes the rest of its list; two engines in one
// list is a usage error, where the first took the second as part of its command and failed to start.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executorNames } from '../cli/executor-settings.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const engine = new URL('../examples/exec-engine.mjs', import.meta.url).pathname;
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, CI: '1' } });

describe('bench --executor, repeated', () => {
  it('times each list\'s executors in the same rounds, two engines among them', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'concord-two-engines-')), 'two.json');
    const [a, b] = [`exec:node ${engine}`, `exec:node ${engine} --second`];
    const r = concord('bench', '--executor', `block-stm,${a}`, '--executor', b, '--threads', '1', '--workload', 'p2p', '--accounts', '100', '--txs', '100',
      '--quick', '--rounds', '1', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { settings: { executors: string[] }; runs: { executor: string; role: string; correct: boolean }[] };
    expect(doc.settings.executors).toEqual(['block-stm', a, b]);
    expect(doc.runs.filter((x) => x.role === 'executor').map((x) => [x.executor, x.correct])).toEqual([['block-stm', true], [a, true], [b, true]]);
  }, 120_000);

  it('refuses two engines in one list, naming the option', () => {
    expect(() => executorNames(['exec:./a,exec:./b'])).toThrow('--executor exec:./a,exec:./b: two exec: engines in one list, where an exec: command takes the rest of it: give each engine its own --executor');
    const r = concord('bench', '--executor', 'block-stm,exec:./a --x,exec:./b', '--threads', '1');
    expect([r.status, r.stderr.trim()]).toEqual([2, 'concord bench: --executor block-stm,exec:./a --x,exec:./b: two exec: engines in one list, where an exec: command takes the rest of it: give each engine its own --executor']);
  });
});
