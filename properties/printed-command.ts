// The commands Concord prints for a user to paste (a rerun, a replay): how each begins, and each
// word quoted for a shell. The prefix is `npx concord` where that runs this very Concord from the
// folder the user is in; from the offline archive (bench/pack-offline.sh), its launcher
// concord/bin/concord where that starts the Node running now; else `node /path/to/concord.js` where
// the PATH's node is the one running, and the running Node's own path where it is not (a server
// with no Node on PATH, or an older one there). Invariant: the printed prefix never names a program
// other than the one running. From a folder outside any project that has Concord, `npx concord`
// would fetch the registry's unrelated package of that name and run it on the user's files.

import { accessSync, constants, existsSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { nearestHolding, PACKAGE_ROOT } from '../spec/package-root.js';

/** How README.md runs Concord after `npm ci`, in a clone or a project that depends on it. */
export const NPX_CONCORD = 'npx concord';

/** Where Concord's package is and which Node runs it: the process's own unless a test gives another. */
export interface Running {
  /** The package folder: dist/cli/concord.js under it, and bin/concord and bin/node in the offline archive. */
  readonly root: string;
  /** The Node binary running (process.execPath). */
  readonly execPath: string;
  /** The PATH a pasted command is looked up in. */
  readonly path: string | undefined;
}

const THIS_PROCESS: Running = { root: PACKAGE_ROOT, execPath: process.execPath, path: process.env['PATH'] };

let prefix: string | undefined;

/** The prefix for this process: computed once, as neither the working folder nor the script changes in a run. */
export function concordCommand(): string {
  return (prefix ??= commandFor(process.argv[1], process.cwd()));
}

/**
 * The prefix when `script` runs in `cwd`. A process that is not Concord's command line (a test
 * runner's, the vitest helper's user) has no command of its own to name: README's way is kept.
 */
export function commandFor(script: string | undefined, cwd: string, running: Running = THIS_PROCESS): string {
  const cli = real(join(running.root, 'dist', 'cli', 'concord.js'));
  if (script === undefined || cli === undefined || real(script) !== cli) return NPX_CONCORD;
  // The archive's server may have no npm, and its launcher is how README runs Concord there.
  const launcher = join(running.root, 'bin', 'concord');
  const archive = existsSync(launcher);
  if (!archive && npxFinds(cwd, cli, running.root)) return NPX_CONCORD;
  const node = real(running.execPath) ?? running.execPath;
  const packed = real(join(running.root, 'bin', 'node'));
  const pathNode = onPath('node', running.path);
  // The launcher starts its packed Node, or the PATH's where none was packed. Where one was packed
  // but another Node runs, the launcher either fell back to the PATH's (the packed one cannot run
  // here) or was not used: only `node` on PATH is then surely this one.
  if (archive && (packed === node || (packed === undefined && pathNode === node))) return shellWord(real(launcher) ?? launcher);
  return `${pathNode === node ? 'node' : shellWord(node)} ${shellWord(cli)}`;
}

/** The real path of the first executable `name` in the folders of `path`, as a shell finds it; undefined where none. */
function onPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
    } catch {
      continue;
    }
    const found = real(file);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Whether `npx concord` run in `cwd` surely runs `cli`, looking where npm exec looks first: the
 * project (the nearest folder up from `cwd` with a package.json or node_modules) whose own bin is
 * named concord (Concord's clone), then the first node_modules/.bin/concord up from the project.
 * Past those npm tries its global folder, whose place its configuration decides: not followed, so
 * a global install prints Node and the path, which runs it all the same.
 */
function npxFinds(cwd: string, cli: string, root: string): boolean {
  const project = nearestHolding(cwd, ['package.json', 'node_modules']);
  if (project === undefined) return false;
  if (ownsBin(project)) return real(project) === real(root);
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
