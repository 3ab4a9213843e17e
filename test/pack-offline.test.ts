// bench/pack-offline.sh ships in the package, but builds with the clone's tsconfig.json and installs
// from its package-lock.json, neither of which an installed package has: there it says at once that
// it runs from a clone, exit 2, before building or installing anything.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

describe('bench/pack-offline.sh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-pack-offline-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to run from an installed package, naming what is missing and where to run it', () => {
    // An installed package's layout: package.json and bench/, no tsconfig.json or package-lock.json.
    const installed = join(dir, 'node_modules', 'concord');
    mkdirSync(join(installed, 'bench'), { recursive: true });
    writeFileSync(join(installed, 'package.json'), '{ "name": "concord", "version": "0.1.0" }\n');
    copyFileSync(new URL('../bench/pack-offline.sh', import.meta.url), join(installed, 'bench', 'pack-offline.sh'));
    const r = spawnSync('bash', [join(installed, 'bench', 'pack-offline.sh')], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`pack-offline: runs from a clone of Concord's repository, and ${installed} has no tsconfig.json (an installed package has none): run bench/pack-offline.sh in the clone (git clone, npm ci)\n`);
    expect(readdirSync(installed).sort()).toEqual(['bench', 'package.json']);
  });
});
