// What a project that installs Concord's tarball gets (package.json `files`): the built commands
// and helpers, their TypeScript sources (the source maps point at them), the docs and the example
// block, and not this repository's tests, published reports or tooling.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('the package', () => {
  it('ships the built code, its sources and the docs, and no tests or published reports', () => {
    const root = new URL('..', import.meta.url).pathname;
    // --ignore-scripts: the tarball's contents, without the build `prepare` would run first.
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const paths = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const needed of ['package.json', 'README.md', 'dist/cli/concord.js', 'dist/properties/vitest.js', 'dist/properties/vitest.d.ts', 'dist/spec/executor.d.ts', 'spec/vm.ts', 'docs/verify.md', 'examples/transfer.json']) {
      expect(paths).toContain(needed);
    }
    expect(paths.filter((p) => /^(test|reports\/published|node_modules|concord-out)\//.test(p) || p.endsWith('.test.ts') || p === 'stryker.config.mjs')).toEqual([]);
  });
});
