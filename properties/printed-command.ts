// The commands Concord prints for a user to paste (a rerun, a replay): how each begins, `npx concord`
// where that runs this very Concord from the folder the user is in and `node /path/to/concord.js`
// otherwise, and each word quoted for a shell. Invariant: the printed prefix never names a program
// other than the one running. From a folder outside any project that has Concord, `npx concord`
// would fetch the registry's unrelated package of that name and run it on the user's files.

import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How README.md runs Concord after `npm ci`, in a clone or a project that depends on it. */
export const NPX_CONCORD = 'npx concord';

/** This package's root (up from dist/properties/, or properties/ where the sources run under vitest) and its command-line entry point. */
const ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));
const CLI = join(ROOT, 'dist', 'cli', 'concord.js');

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
 * Whether `npx concord` run in `cwd` runs `cli`, as npm exec looks for it: the nearest folder up
 * from `cwd` with a package.json or node_modules is the project, whose node_modules/.bin/concord
 * (or, in Concord's own clone, its own bin) runs; failing that, a global install (under the
 * prefix of the node that runs this, where npm puts global packages) does.
 */
function npxFinds(cwd: string, cli: string): boolean {
  const project = projectOf(cwd);
  if (project !== undefined) {
    const bin = join(project, 'node_modules', '.bin', 'concord');
    if (existsSync(bin)) return real(bin) === cli;
    if (real(project) === real(ROOT)) return true;
  }
  const globalRoot = join(dirname(dirname(process.execPath)), 'lib', 'node_modules');
  return cli.startsWith(`${real(globalRoot) ?? globalRoot}${sep}`);
}

function packageRoot(dir: string): string {
  return existsSync(join(dir, 'package.json')) || dirname(dir) === dir ? dir : packageRoot(dirname(dir));
}

function projectOf(cwd: string): string | undefined {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'node_modules'))) return dir;
    if (dirname(dir) === dir) return undefined;
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
