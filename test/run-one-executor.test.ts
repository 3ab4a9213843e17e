// `concord run` runs one executor: a list as bench and verify take it (`block-stm,modular`) is
// refused as a list, pointing to those two, not as one unknown executor; a module file whose path
// holds a comma is still the one executor it names. Run as a user runs it (dist/cli/concord.js).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const reference = new URL('../dist/spec/reference.js', import.meta.url);
const example = new URL('../examples/transfer.json', import.meta.url).pathname;

describe('run --executor with several', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-run-one-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (executor: string) =>
    spawnSync(process.execPath, [cli, 'run', example, '--executor', executor, '--warmup', '0'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });

  it('says run takes one executor and names bench and verify for several, with the list as given (exit 2, one line)', () => {
    const r = run('block-stm,modular');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('concord run: --executor block-stm,modular: run takes one executor, and this names 2 (block-stm, modular); give one, '
      + 'or time several on one block with concord bench --executor block-stm,modular (--block FILE for a block file), or check them with concord verify --executor block-stm,modular\n');
    // A typo in the list, or an exec: engine in it, is still a list.
    expect(run('block-stm,modualr').stderr).toMatch(/^concord run: --executor block-stm,modualr: run takes one executor, and this names 2 \(block-stm, modualr\);/);
    expect(run('sequential,exec:./engine --sizes 1,2').stderr)
      .toMatch(/^concord run: --executor sequential,exec:\.\/engine --sizes 1,2: run takes one executor, and this names 2 \(sequential, exec:\.\/engine --sizes 1,2\); .*concord bench --executor 'sequential,exec:\.\/engine --sizes 1,2'/);
  });

  it('runs the module file a path with a comma names', () => {
    mkdirSync(join(dir, 'a,b'));
    writeFileSync(join(dir, 'a,b', 'mine.mjs'), `import { executeReference } from '${reference.href}';
export default { name: 'comma', async execute(block) { return executeReference(block); }, async close() {} };
`);
    const r = run('./a,b/mine.mjs');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^executor {7}comma$/m);
  });
});
