// The package's entry point, `import ... from 'concord'` (index.ts): it loads in Node, where
// `import('concord')` failed with ERR_PACKAGE_PATH_NOT_EXPORTED; it exports what the README's
// library section lists, and nothing it does not; the `concord/dist/...` paths of before still
// reach the same code; and a strict TypeScript project (the README's footprint example among it)
// type-checks against it under moduleResolution node16 and bundler.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const node = (code: string) => spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 60_000 });

/** The names the README's library section's table lists, in backquotes in its exports column. */
function listed(): Set<string> {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const start = readme.indexOf('### Using Concord as a library');
  const section = readme.slice(start, readme.indexOf('\n### ', start + 1));
  const exports = section.split('\n').filter((l) => /^\| [a-z]/.test(l) && !l.startsWith('| what ')).map((l) => l.split(' | ')[1]!);
  return new Set(exports.flatMap((e) => [...e.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!)));
}

describe("the package's entry point", () => {
  it('loads as concord, with every value the README lists, and the old dist paths reach the same code', () => {
    const r = node(`
      const api = await import('concord');
      const dist = await import('concord/dist/spec/reference.js');
      console.log(JSON.stringify({ names: Object.keys(api), same: api.executeReference === dist.executeReference }));
    `);
    expect(r.status, r.stderr).toBe(0);
    const { names, same } = JSON.parse(r.stdout) as { names: string[]; same: boolean };
    expect(same).toBe(true);
    const readme = listed();
    expect(names.filter((n) => !readme.has(n))).toEqual([]);
    // The README's other names are the types, in the declarations.
    const types = readFileSync(`${root}dist/index.d.ts`, 'utf8');
    expect([...readme].filter((n) => !names.includes(n) && !new RegExp(`\\b${n}\\b`).test(types))).toEqual([]);
  });

  it('type-checks a strict TypeScript project under moduleResolution node16 and bundler', () => {
    for (const mode of ['node16', 'bundler']) {
      const r = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `test/fixtures/library/tsconfig.${mode}.json`], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, `${mode}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  }, 240_000);
});
