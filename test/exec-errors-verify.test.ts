// How `concord verify` reports an `exec:` engine's failure that is its own, not a wrong result
// (properties/runner.ts, the engine fault): an engine that answers `error` to every block, or ends
// before its first answer on every fresh start, is reported on the smallest block after one try of
// it, with its message, not shrunk try by try (it was shrunk from its first block in 12 to 20
// tries, a fresh engine each for an end); an engine that answers `error` to some blocks alone is a
// counterexample, shrunk as any to the smallest block it errs on. The replay shows the same block.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const engine = new URL('fixtures/exec/misbehaving-engine.mjs', import.meta.url).pathname;
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

interface VerifyJson {
  readonly shrinkBlocks: number;
  readonly failures: readonly {
    readonly engineFault?: string;
    readonly transactions: number;
    readonly numShrinks: number;
    readonly error: string;
    readonly token: string;
  }[];
}

describe('verify on an engine that fails whatever the block', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-exec-errors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const verify = (mode: string): VerifyJson => {
    const r = concord('verify', '--executor', `exec:node ${engine} ${mode}`, '--runs', '100', '--out', join(dir, mode.replace(' ', '-')), '--json');
    expect(r.status, r.stderr).toBe(1);
    const json = JSON.parse(r.stdout) as VerifyJson;
    expect(json.failures).toHaveLength(1);
    // The CI log's line says the block was not shrunk, rather than counting the token's path as shrink steps.
    const fault = (json.failures[0] as { engineFault?: string }).engineFault;
    if (fault !== undefined) expect(r.stderr).toContain(`the engine's own fault (${fault === 'start-up' ? 'it ended before its first answer' : 'an error answer'}), shown on 1 transaction, the smallest block, where a fresh engine failed the same way: not shrunk`);
    else expect(r.stderr).toMatch(/shrunk to \d+ transactions? in \d+ steps?/);
    return json;
  };

  it('an error answer to every block: its message, on the smallest block, after one try of it', () => {
    const json = verify('error-from 0');
    const [f] = json.failures;
    expect(f).toMatchObject({ engineFault: 'error answer', transactions: 1, error: expect.stringMatching(/: the engine could not execute request \d+: opcode 21 \(hash\) is not supported yet$/) });
    // The one try of the smallest block, where shrinking ran a block a step.
    expect(json.shrinkBlocks).toBe(1);
    const replay = concord('verify', '--replay', f!.token, '--executor', `exec:node ${engine} error-from 0`, '--out', join(dir, 'replay'));
    expect(replay.status).toBe(1);
    expect(replay.stdout).toMatch(/^FAIL exec:node \S+ error-from 0: equivalence check \(threads \d+\), shrunk to 1 transaction .*\n {2}error {8}the executor threw: ExecEngineError: .*: the engine could not execute request 1: opcode 21 \(hash\) is not supported yet\n/);
  });

  it('an end before the first answer on every start: named so, on the smallest block, after one try of it', () => {
    // Exit 0 passes the close verify makes after loading it, so the first block finds it.
    const json = verify('exit-at-start 0');
    expect(json.failures[0]).toMatchObject({ engineFault: 'start-up', transactions: 1, error: expect.stringContaining(': the engine exited with code 0 before answering its first request (request 1 pending)') });
    expect(json.shrinkBlocks).toBe(1);
  });

  it('an error answer to some blocks alone is a counterexample, shrunk to the smallest block it errs on', () => {
    const json = verify('error-from 5');
    const [f] = json.failures;
    expect(f!.engineFault).toBeUndefined();
    expect(f).toMatchObject({ transactions: 5, error: expect.stringContaining('opcode 21 (hash) is not supported yet') });
    expect(f!.numShrinks).toBeGreaterThan(0);
    expect(json.shrinkBlocks).toBeGreaterThan(1);
  });
});
