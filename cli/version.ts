// Concord's own version, for `concord --version` and the results files bench writes, and the
// commit of a checkout it runs from: a version names a release, while a publication made from a
// clone between releases is reproduced only from its commit.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../spec/package-root.js';


/** Concord's package version: its package.json's. */
export function concordVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The commit Concord runs from, 12 hex digits, with "+changes" when tracked files differ from it;
 * undefined unless Concord's own folder is a git checkout (installed under a project's
 * node_modules, git would name the project's commit) or git cannot say.
 */
export function concordCommit(): string | undefined {
  const root = PACKAGE_ROOT;
  if (!existsSync(`${root}/.git`)) return undefined;
  const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8', timeout: 5000 });
  const head = git('rev-parse', '--short=12', 'HEAD');
  if (head.status !== 0 || !/^[0-9a-f]{12}$/.test(head.stdout.trim())) return undefined;
  const changes = git('status', '--porcelain', '--untracked-files=no');
  return `${head.stdout.trim()}${changes.status === 0 && changes.stdout.trim() !== '' ? '+changes' : ''}`;
}
