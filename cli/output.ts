// Where commands read and write files: checks made before a long run starts, so that a bad
// --out fails in a second instead of after the run, and whole-file writes (temp file, then rename)
// so that a reader never sees half a file. Invariant: every failure is a UsageError naming the
// path and the reason in words, and a folder made by the check that is still empty when the
// process exits is removed (a passing verify writes nothing into its --out).

import { closeSync, constants, fstatSync, openSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from './exit.js';
import { isStreamFile, makeFolders, OutPathError, prepareOut, removeEmptyFolders } from '../properties/folders.js';

/** How long a write to a pipe waits for a process to read it (a reader started just after the command). */
export const READER_WAIT_MS = 5000;

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a part of the path is a file, not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  ENXIO: `a pipe no process read within ${READER_WAIT_MS / 1000} s`,
  ERR_FS_FILE_TOO_LARGE: 'larger than 2 GiB, the most Node reads whole',
};

/**
 * A file as one path whatever names it (`a.json`, `./a.json`, a link to it), so a file given twice
 * is told; the absolute name as given where there is no real path (a file that does not exist,
 * which reading it then says).
 */
export function realPathOf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return resolve(file);
  }
}

/** A file system error in words, with its code for searching. */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === undefined) return (e as Error).message;
  return REASONS[code] ? `${REASONS[code]} (${code})` : code;
}

/**
 * JSON text as one string whatever its layout: parsed (a byte-order mark taken off, as the strict
 * parsers take it), keys sorted, printed without white space. Two texts of one document (one
 * pretty-printed by jq, `jq -S`'s sorted keys, a number written 1.0 or 1) give the same string.
 */
function canonicalJson(text: string): string {
  const sorted = (v: unknown): unknown => (Array.isArray(v) ? v.map(sorted)
    : typeof v === 'object' && v !== null ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v);
  return JSON.stringify(sorted(JSON.parse(text.replace(/^\uFEFF/, ''))));
}

/**
 * The first input that repeats an earlier one, in words ("b.json: the same file as a.json"), or
 * null: the same real path, else the same bytes, else the same JSON document laid out otherwise (a
 * run reformatted by jq or an artifact store is still one run: two separate runs differ at least
 * in createdAt and their samples). Every input's text has parsed as JSON (its caller's strict parser).
 */
export function repeatedRun(inputs: readonly { readonly file: string; readonly realPath: string; readonly text: string }[]): string | null {
  // Each input's form made once, and only where its bytes left the question open.
  const canonical: (string | undefined)[] = [];
  const content = (i: number) => (canonical[i] ??= canonicalJson(inputs[i]!.text));
  for (const [i, later] of inputs.entries()) {
    for (const [j, earlier] of inputs.slice(0, i).entries()) {
      if (later.realPath === earlier.realPath) {
        const real = later.file === later.realPath && earlier.file === earlier.realPath ? '' : ` (${later.realPath})`;
        return later.file === earlier.file ? `${later.file}: given twice` : `${later.file}: the same file as ${earlier.file}${real}`;
      }
      if (later.text === earlier.text) return `${later.file}: byte for byte the same as ${earlier.file}, a copy of one run`;
      if (content(i) === content(j)) return `${later.file}: the same JSON as ${earlier.file}, laid out otherwise, a copy of one run`;
    }
  }
  return null;
}

/** What a command calls standard input when it reads a file from there (the file `-`). */
export const STDIN_LABEL = 'stdin';

/**
 * The bytes piped into standard input, for a command given the file `-`, which reads `one` (a
 * block) from there; `pipe` shows how to pipe one in. Read as a stream: a synchronous read of a pipe
 * the writer has not filled yet fails with EAGAIN.
 */
export async function readStdin(one: string, pipe: string): Promise<Buffer> {
  // Reading a terminal would wait for input nobody is about to type.
  if (process.stdin.isTTY) throw new UsageError(`-: reads ${one} from standard input, which is a terminal here; pipe ${one} into it (${pipe}) or give a file`);
  // A folder redirected into it (`< blocks/`) reads as nothing at all, which would be said to be empty.
  if (fstatSync(0).isDirectory()) throw new UsageError(`${STDIN_LABEL}: cannot read: ${fsReason({ code: 'EISDIR' })}`);
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  } catch (e) {
    throw new UsageError(`${STDIN_LABEL}: cannot read: ${fsReason(e)}`);
  }
  return Buffer.concat(chunks);
}

/**
 * Why `text`, read from standard input, holds nothing to parse ("standard input is empty"), or
 * undefined. A parser words nothing to read as a file's ("the file is empty"): standard input is no
 * file, and when it is empty, nothing was piped into it.
 */
export function nothingPiped(text: string): string | undefined {
  if (text.trim() !== '') return undefined;
  return `standard input ${text === '' ? 'is empty' : 'holds nothing but white space'}`;
}

/** The bytes of a file the user gave, or a UsageError naming it and why it cannot be read. */
export async function readInputFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new UsageError(`${file}: cannot read: ${fsReason(e)}`);
  }
}

/**
 * Before a run that ends by writing `path` (option `flag`), a file or a folder of files: where it
 * goes exists or can be made and a new file can be made there, and it is not the other kind. The
 * check makes what is missing to know it can, and removes it again at once: a command that then
 * writes nothing there (a passing verify, or one a signal ends, which skips every 'exit' hook)
 * leaves no empty `concord-out/verify/` in the user's project, and every writer makes its folders
 * at the write (writeWhole, properties/runner.ts writeExecutorBlock, reports/report.ts).
 */
function checkOut(path: string, flag: string, kind: 'file' | 'folder'): void {
  refuseDash(path, flag, kind);
  try {
    removeEmptyFolders(prepareOut(path, kind, fsReason));
  } catch (e) {
    if (e instanceof OutPathError) throw new UsageError(`${flag} ${path}: ${e.problem}`);
    throw e;
  }
}

export const checkOutFile = (path: string, flag: string): void => checkOut(path, flag, 'file');

/**
 * Refuses `-` as the file or folder a command writes (option `flag`): everywhere else `-` is
 * standard input or output (`gen -o -`, `run -`, `report -`), so a file or folder named `-` made
 * instead is a surprise found later (`bench --out - | concord report -` wrote a file `./-`, and
 * the report read the tables). `instead`: what to do, where the command has a way to standard
 * output; else a name for the file or folder, `./-` for one that really is named `-`.
 */
export function refuseDash(path: string, flag: string, kind: 'file' | 'folder', instead?: string): void {
  if (path !== '-') return;
  const here = kind === 'file' ? 'the file to write; - stands for standard output elsewhere (gen -o -), but not here'
    : 'the folder to write into; - stands for standard output elsewhere (gen -o -), and no folder of files goes there';
  throw new UsageError(`${flag} -: takes ${here}: ${instead ?? `give a ${kind} (./- for one named -)`}`);
}

/**
 * Refuses an output file that is one of the command's inputs (`bench --block b.json --out b.json`
 * wrote its results over the block): the same file by its device and inode where both exist, so a
 * link or another spelling of the path is caught too, and by its resolved path where not. `within`:
 * what the user gave that names the file (an exec: engine's command line), where not the path itself.
 */
export function refuseOverwrite(out: string, flag: string, inputs: readonly { readonly flag: string; readonly path: string; readonly within?: string }[]): void {
  // No file there (a path through a file, `block.json/`, throws ENOTDIR): checkOutFile words why.
  const stat = (path: string) => {
    try {
      return statSync(path);
    } catch {
      return undefined;
    }
  };
  const target = stat(out);
  for (const input of inputs) {
    const given = stat(input.path);
    const same = target && given ? target.dev === given.dev && target.ino === given.ino : resolve(out) === resolve(input.path);
    const what = input.within === undefined ? `the file of ${input.flag} ${input.path}` : `${input.path}, a file of ${input.flag} ${input.within}`;
    if (same) throw new UsageError(`${flag} ${out}: is ${what}, which the command would overwrite: give another file`);
  }
}
export const checkOutDir = (path: string, flag: string): void => checkOut(path, flag, 'folder');

/**
 * A descriptor of `path` open to write without blocking, once a process has the pipe there open to
 * read (at once for a device): a plain open would block until then for ever, out of reach of the
 * signal handlers and of the watchdog, whose hang path writes here too. Opened without blocking, a
 * pipe no process reads fails (ENXIO) at once; tried again every 20 ms, past READER_WAIT_MS that
 * error is the write's.
 */
function awaitReader(path: string): number {
  const deadline = performance.now() + READER_WAIT_MS;
  for (;;) {
    try {
      return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO' || performance.now() > deadline) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** Writes `text` to `path` whole: a temp file beside it, then a rename; a device or a pipe is written in place (isStreamFile). */
export function writeWhole(path: string, text: string): void {
  if (isStreamFile(path)) {
    try {
      // The open that writes comes while the probe still holds the pipe: closed first, the
      // probe would end its reader's input (EOF) before a byte came.
      const probe = awaitReader(path);
      const fd = openSync(path, 'w');
      closeSync(probe);
      try {
        writeFileSync(fd, text);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      throw new UsageError(`${path}: cannot write: ${fsReason(e)}`);
    }
    return;
  }
  const tmp = `${path}.tmp-${process.pid}`;
  const folders: string[] = [];
  try {
    makeFolders(dirname(path), folders);
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    removeEmptyFolders(folders);
    throw new UsageError(`${path}: cannot write: ${fsReason(e)}`);
  }
}

type Write = (chunk: string, done?: (error?: Error | null) => void) => boolean;

/** The first error writing to stdout (watchStdout), or null. */
let stdoutFailure: NodeJS.ErrnoException | null = null;

/**
 * Keeps the first error writing to stdout (a full disk, a device that failed) for the exit to tell
 * (stdoutError): the exit came before Node would throw it, so `concord gen > block.json` on a full
 * disk exited 0 with a cut file. A reader that stopped reading (EPIPE, `| head`) took what it
 * wanted: no failure.
 */
function noteStdoutError(e: NodeJS.ErrnoException): void {
  if (e.code !== 'EPIPE') stdoutFailure ??= e;
}

/** From the start: an error Node emits mid-command, with no listener, would be thrown as an executor's. */
export function watchStdout(): void {
  process.stdout.on('error', noteStdoutError);
}

export const stdoutError = (): NodeJS.ErrnoException | null => stdoutFailure;

/** stdout's own write, kept by divertStdout for Concord's output; null while nothing is diverted. */
let stdoutWrite: Write | null = null;

/** Writes Concord's own output (results, JSON, the flush before exit) to stdout, diverted or not. */
export function writeStdout(text: string, done?: (error?: Error | null) => void): boolean {
  return stdoutWrite ? stdoutWrite(text, done) : process.stdout.write(text, done);
}

/**
 * The longest a process that is ending (a signal, a hang it gave up on) waits for a reader to take
 * its output: a reader that never reads must not keep it for ever.
 */
export const FLUSH_CAP_MS = 2000;

/**
 * Calls `then` once stdout (Concord's own, diverted or not) and stderr have taken what was written
 * to them, or after `capMs` (where given) should a reader never take it: a pipe takes writes
 * asynchronously, and a process ended before (a signal raised again, process.exit) cuts them at
 * the pipe's 64 KB.
 */
export function afterOutput(then: () => void, capMs?: number): void {
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    then();
  };
  if (capMs !== undefined) setTimeout(once, capMs);
  // The write's error reaches this callback before stdout's 'error' event: kept here for the exit.
  writeStdout('', (e) => {
    if (e) noteStdoutError(e);
    process.stderr.write('', once);
  });
}

/**
 * Under --json stdout holds one JSON object, and whatever else writes to process.stdout (an
 * executor's logger, console.log, a worker thread's output piped through) would break it for
 * whoever parses it: from here on such writes go to stderr, and only writeStdout, which every
 * command's own output goes through, reaches stdout. Called before any user module loads. Writes
 * straight to file descriptor 1 (fs.writeSync(1), sonic-boom's default destination for pino) are
 * out of reach.
 */
export function divertStdout(): void {
  if (stdoutWrite) return;
  stdoutWrite = process.stdout.write.bind(process.stdout) as Write;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
}
