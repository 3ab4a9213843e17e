// `concord prove` in the offline archive (bench/pack-offline.sh), which leaves z3-solver out: exit
// 2, a message that says so, that every other command works, and how to get z3 where a registry
// is reachable; under --json one object { ok: false, error } on stdout, as other failures print.
// The built CLI runs with a resolve hook that finds no z3-solver, as in the archive.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;

/** A --import module that makes `import('z3-solver')` fail the way a missing package does. */
function withoutZ3(): string {
  const dir = mkdtempSync(join(tmpdir(), 'concord-no-z3-'));
  writeFileSync(join(dir, 'hook.mjs'), `export async function resolve(specifier, context, next) {
  if (specifier === 'z3-solver') throw Object.assign(new Error("Cannot find package 'z3-solver' imported from " + context.parentURL), { code: 'ERR_MODULE_NOT_FOUND' });
  return next(specifier, context);
}\n`);
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)});\n`);
  return join(dir, 'register.mjs');
}

function prove(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', withoutZ3(), cli, 'prove', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('prove without z3-solver', () => {
  it('exits 2 saying the offline archive leaves z3 out, that the rest works, and how to get it', () => {
    const r = prove();
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/^concord prove: z3-solver is not installed here \(Cannot find package 'z3-solver'[^)]*\); the offline archive \(bench\/pack-offline\.sh\) leaves it out, 35 MB, and every other command works without it; .*`npm install z3-solver` in the folder holding concord's package\.json\n$/);
  });

  it('prints one JSON object { ok: false, error } under --json', () => {
    const r = prove('--json');
    expect(r.code).toBe(2);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: string };
    expect(doc.ok).toBe(false);
    expect(doc.error).toMatch(/^z3-solver is not installed here/);
  });
});
