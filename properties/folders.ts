// The folders Concord writes into (a command's --out, verifyExecutor's outDir, the blocks a failure
// writes): made one level at a time, checked before a long run so that a bad path fails in a
// second instead of after the run, and removed again when nothing was written there. Shared by the
// commands (cli/output.ts) and the test-runner helper (vitest.ts), which word the problems each
// in their own errors.
// Invariants: makeFolders records exactly the folders it made, parents before their children;
// removeEmptyFolders removes only empty folders, so whatever was written stays; once writing
// stopped (a signal ended the command), the writers of properties/ write and remove nothing more.

import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, mkdirSync, openSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

let writing = true;

/**
 * Called once a signal ended the command (cli/ending-signal.ts), after its report said what was on
 * disk: the run goes on in the background until the process ends (up to 2 s while the report
 * drains), and a block file it wrote then would be one no report names.
 */
export function stopWriting(): void {
  writing = false;
}

/** Whether the command may still write its files (stopWriting). */
export const mayWrite = (): boolean => writing;

/**
 * mkdir -p one level at a time, pushing each folder it makes onto `made` (parents first), which it
 * returns: Node 20's recursive mkdirSync loops for ever under a folder that cannot hold folders
 * (`/proc/x`), where this throws. A file on the way throws ENOTDIR on every Node (Node 20's stat
 * throws it below a file, Node 22's finds nothing there).
 */
export function makeFolders(dir: string, made: string[] = []): string[] {
  const found = statSync(dir, { throwIfNoEntry: false });
  if (found?.isDirectory() === true) return made;
  if (found !== undefined) throw Object.assign(new Error(`${dir}: is a file, not a folder`), { code: 'ENOTDIR' });
  const parent = dirname(dir);
  if (parent !== dir) makeFolders(parent, made);
  try {
    mkdirSync(dir);
  } catch (e) {
    // Made meanwhile by another process (two test files writing to one outDir): as good.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || statSync(dir).isDirectory() !== true) throw e;
    return made;
  }
  made.push(resolve(dir));
  return made;
}

/** Removes the folders of `made` (parents first, as makeFolders lists them) that are still empty, deepest first. */
export function removeEmptyFolders(made: readonly string[]): void {
  for (const dir of [...made].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      // Not empty (something was written there) or already gone: it stays as it is.
    }
  }
}

/** Why an output path cannot be used: `problem` in words, to follow the option and the path. */
export class OutPathError extends Error {
  static {
    this.prototype.name = 'OutPathError';
  }
  constructor(readonly problem: string, options?: ErrorOptions) {
    super(problem, options);
  }
}

/**
 * Whether `path` (through its links) is a device or a pipe (`/dev/null`, a fifo, the `/dev/fd/63` of
 * a shell's `>(gzip > b.gz)`): written in place, as a shell's `>` writes it, since a temp file
 * renamed over it would replace it with a file its reader never sees.
 */
export function isStreamFile(path: string): boolean {
  try {
    const found = statSync(path);
    return !found.isFile() && !found.isDirectory();
  } catch {
    return false;
  }
}

/** Whether `path` is a folder; null where it cannot be looked at (not there, or no path can be). */
export function isDirectory(path: string): boolean | null {
  try {
    return statSync(path).isDirectory();
  } catch {
    return null;
  }
}

/** Whether `path` names a file that is there: a word no path can be (too long, a folder not to be read) names none. */
export function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false;
  }
}

/**
 * Makes a new file in `folder` and removes it again, or throws the file system's error. Every
 * writer makes new files there (writeWhole a temp file it renames over the target, the verify
 * runner its block files), so this is the very operation they need. access(W_OK) was no check:
 * root passes it everywhere, /sys and read-only mounts included, and a bench learnt it only when
 * its results were written, after the whole sweep. The probe's name is random and it is opened
 * exclusively, so nothing of anyone else's (another thread of this process too) is opened or removed.
 */
function probeWrite(folder: string): void {
  const probe = join(folder, `.concord-write-check-${randomBytes(8).toString('hex')}`);
  closeSync(openSync(probe, 'wx'));
  rmSync(probe, { force: true });
}

/**
 * Before a run that ends by writing `path`, a file or a folder of files: where it goes exists or is
 * made and a new file can be made there (probeWrite), and `path` is not the other kind; a device or
 * a pipe, written in place, need only be writable. Returns the folders it made (those it made
 * before failing it removes again); throws OutPathError ("is a folder; give a file name", "is a
 * file; give a folder", "cannot write there: " and `reason` of the file system's error).
 */
export function prepareOut(path: string, kind: 'file' | 'folder', reason: (e: unknown) => string): string[] {
  const directory = isDirectory(path);
  if (kind === 'file' && directory === true) throw new OutPathError('is a folder; give a file name');
  // Made as a folder or not, it is no file's name: the write after the run would fail.
  if (kind === 'file' && path.endsWith('/')) throw new OutPathError('ends in /, so it names a folder; give a file name');
  if (kind === 'folder' && directory === false) throw new OutPathError('is a file; give a folder');
  const made: string[] = [];
  try {
    if (kind === 'file' && isStreamFile(path)) {
      accessSync(path, constants.W_OK);
      return made;
    }
    const folder = kind === 'file' ? dirname(path) : path;
    makeFolders(folder, made);
    probeWrite(folder);
    return made;
  } catch (e) {
    removeEmptyFolders(made);
    throw new OutPathError(`cannot write there: ${reason(e)}`, { cause: e });
  }
}
