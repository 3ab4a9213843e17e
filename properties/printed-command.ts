// The commands Concord prints for a user to paste (a rerun, a replay): how each begins, `npx concord`
// where that runs this very Concord from the folder the user is in and `node /path/to/concord.js`
// otherwise, and each word quoted for a shell. Invariant: the printed prefix never names a program
// other than the one running. From a folder outside any project that has Concord, `npx concord`
// would fetch the registry's unrelated package of that name and run it on the user's files.

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { nearestHolding, PACKAGE_ROOT } from '../spec/package-root.js';

/** How README.md runs Concord after `npm ci`, in a clone or a project that depends on it. */
export const NPX_CONCORD = 'npx concord';

/** This package's command-line entry point. */
const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'concord.js');

let prefix: string | undefined;

/** The prefix for this process: computed once, as neither the working folder nor the script changes in a run. */
export function concordCommand(): string {
  return (prefix ??= commandFor(process.argv[1], process.cwd()));
}

/**
 * The prefix when `script` runs in `cwd`. A process that is not Concord's command line (a test
 * runner's, the vitest helper's user) has no command of its own to name: README's way is kept.
 */
export function commandFor(script: string | undefined, cwd: string): string {
  const cli = real(CLI);
  if (script === undefined || cli === undefined || real(script) !== cli) return NPX_CONCORD;
  return npxFinds(cwd, cli) ? NPX_CONCORD : `node ${shellWord(cli)}`;
}

/**
 * Whether `npx concord` run in `cwd` surely runs `cli`, looking where npm exec looks first: the
 * project (the nearest folder up from `cwd` with a package.json or node_modules) whose own bin is
 * named concord (Concord's clone), then the first node_modules/.bin/concord up from the project.
 * Past those npm tries its global folder, whose place its configuration decides: not followed, so
 * a global install prints `node` and the path, which runs it all the same.
 */
function npxFinds(cwd: string, cli: string): boolean {
  const project = nearestHolding(cwd, ['package.json', 'node_modules']);
  if (project === undefined) return false;
  if (ownsBin(project)) return real(project) === real(PACKAGE_ROOT);
  for (let dir = project; ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '.bin', 'concord');
    if (existsSync(bin)) return real(bin) === cli;
    if (dirname(dir) === dir) return false;
  }
}

/** Whether the package.json of `dir` declares a bin named concord. */
function ownsBin(dir: string): boolean {
  try {
    const { name, bin } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; bin?: unknown };
    return typeof bin === 'string' ? name === 'concord' : typeof bin === 'object' && bin !== null && 'concord' in bin;
  } catch {
    return false;
  }
}

function real(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** `s` as one shell word: quoted when it holds anything but plain path characters (a space, say). */
export function shellWord(s: string): string {
  return /^[\w./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
