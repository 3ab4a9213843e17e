// What a project that installs Concord's tarball gets (package.json `files`): the built commands
// and helpers, their TypeScript sources (the source maps point at them), the docs, the examples
// (a block and an executor module that passes verify) and the published report the README links
// with its charts, and not this repository's tests, the published results and HTML report (2 MB
// that `concord report` rebuilds from results) or tooling.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

describe('the package', () => {
  it('ships the built code, its sources, the docs, the examples and the published report, and no tests or published results', () => {
    // --ignore-scripts: the tarball's contents, without the build `prepare` would run first.
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const paths = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const needed of ['package.json', 'README.md', 'dist/cli/concord.js', 'dist/properties/vitest.js', 'dist/properties/vitest.d.ts', 'dist/spec/executor.d.ts', 'spec/vm.ts', 'docs/verify.md', 'examples/transfer.json', 'examples/my-executor.mjs', 'examples/exec-engine.py',
      'reports/published/report.md', 'reports/published/speedup.svg', 'reports/published/efficiency.svg', 'reports/published/throughput.svg']) {
      expect(paths).toContain(needed);
    }
    expect(paths.filter((p) => /^(test|node_modules|concord-out)\//.test(p) || /^reports\/published\/(?!report\.md$|\w+\.svg$)/.test(p)
      || p.endsWith('.test.ts') || p === 'stryker.config.mjs')).toEqual([]);
  });

  it('ships an example executor module that passes verify, as the README says to check one', () => {
    const r = spawnSync(process.execPath, ['dist/cli/concord.js', 'verify', '--executor', './examples/my-executor.mjs', '--runs', '200'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^ *mine \(\.\/examples\/my-executor\.mjs\) .* ok$/m);
  });
});
