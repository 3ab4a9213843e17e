// `verify --merge` of a matrix whose engine cannot start reports that failure: each shard's file of
// a verify that ended at start-up names its shard (`"shard": "I/N"`), so the shards' files are no
// longer the same bytes, which the merge refused as copies of one run (exit 2) over the failure
// docs/verify.md promises (exit 1, with the engine's error); shards that ended alike are said once.
// A real copy of a shard's file is still refused.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

describe('verify --merge of shards whose engine failed at start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-startup-merge-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // An engine whose script is not there: node exits 1 before reading any request.
  const engine = `exec:node ${join(dir, 'missing-engine.mjs')}`;
  const files = [1, 2].map((i) => join(dir, `verify-${i}.json`));

  it('each shard\'s file names its shard; the merge fails with the engine\'s error once (exit 1), and refuses a copy (exit 2)', () => {
    const errors = files.map((file, i) => {
      const r = concord('verify', '--executor', engine, '--runs', '1000', '--shard', `${i + 1}/2`, '--json');
      expect(r.status, r.stderr).toBe(1);
      writeFileSync(file, r.stdout);
      const doc = JSON.parse(r.stdout) as { error: string };
      expect(doc).toEqual({ ok: false, shard: `${i + 1}/2`, error: expect.stringMatching(/^the executor exec:node \S+missing-engine\.mjs .*Cannot find module/s) });
      return doc.error;
    });
    // The engine failed alike in both: one failure, said once.
    const [error] = errors as [string, string];
    expect(errors[1]).toBe(error);
    const [first] = error.split('\n');
    const line = `shard 1/2 (${files[0]}), shard 2/2 (${files[1]}): the verify of each of these 2 shards ended before or outside any check `
      + `(an engine that failed at start-up, a hang, a refused command), with no report to pool: ${first}`;

    const text = concord('verify', '--merge', ...files);
    expect([text.status, text.stderr]).toEqual([1, '']);
    expect(text.stdout.startsWith(`FAIL ${line}`)).toBe(true);
    expect(text.stdout.match(/^FAIL /gm)).toHaveLength(1);
    const json = concord('verify', '--merge', ...files, '--json');
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ ok: false, error: `${line}${error.slice(first!.length)}` });

    const copy = join(dir, 'verify-1-copy.json');
    copyFileSync(files[0]!, copy);
    const copied = concord('verify', '--merge', files[0]!, copy);
    expect(copied.status).toBe(2);
    expect(copied.stderr).toBe(`concord verify: ${copy}: byte for byte the same as ${files[0]}, a copy of one run: its shard's batches would count twice\n`);
  });

  it('a shard\'s file of a verify that ended with a shard no --shard gives is refused, naming the field', () => {
    const bad = join(dir, 'bad-shard.json');
    writeFileSync(bad, JSON.stringify({ ok: false, shard: 'first', error: 'the executor exec:./engine failed at start-up: ...' }));
    const r = concord('verify', '--merge', bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^concord verify: .*bad-shard\.json.*shard.*expected I\/N, as --shard gives it\n$/);
  });
});
