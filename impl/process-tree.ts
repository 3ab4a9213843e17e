// The processes a Concord process started, found and killed through /proc (Linux): by walking
// down from a process (every thread's children), and by a mark in the environment that every
// process started below inherits (CONCORD_ENGINE, a comma-separated list), which still finds one
// the walk cannot: reparented to init once its parent exited (`cmd &` in a shell that ended, a
// daemon's double fork). Exec engines are marked apart (impl/exec-executor.ts), and the command as
// a whole carries a mark of its own (markOwnTree), so that its end reaches what a user's module
// started in Concord's own process too (killOwnTree: the CLI's exit, an ending signal, the
// watchdog's last-resort kill, which no exit hook survives).
// Invariant: a mark names the process that made it by its first part, its pid, and so killOwnTree
// kills only processes below this one or carrying a mark this process made, never this process;
// where there is no /proc (macOS, Windows) every function here finds nothing and kills nothing.
// Starts nothing when loaded: the watchdog thread (cli/watchdog-thread.ts) loads it.

import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

/** The variable that carries the marks: those of the Concords and engines above a process, outermost first, joined by commas. */
export const MARK_VARIABLE = 'CONCORD_ENGINE';

let made = 0;

/** A new mark, unique on the machine for as long as this process lives: its pid first (ownMarks), then a count and random digits. */
export function newMark(): string {
  return `${process.pid}-${++made}-${randomBytes(6).toString('hex')}`;
}

/** The marks this process made among those its environment carries (process.env is shared with a worker thread only as a copy, taken as it starts). */
function ownMarks(): string[] {
  return (process.env[MARK_VARIABLE] ?? '').split(',').filter((m) => m.startsWith(`${process.pid}-`));
}

/**
 * Puts a mark of this process's own after the ones it was given (a Concord run as an `exec:`
 * engine of another carries that one's), so that every process it starts from now on, whatever
 * starts it (a user's module, an engine, a worker thread), carries it. Once a process.
 */
export function markOwnTree(): void {
  if (ownMarks().length > 0) return;
  process.env[MARK_VARIABLE] = marksWith(newMark());
}

/** The marks this process's environment carries, then `mark`: what a process it starts with `mark` carries. */
export function marksWith(mark: string): string {
  const above = process.env[MARK_VARIABLE];
  return above ? `${above},${mark}` : mark;
}

/**
 * Kills, with SIGKILL, every process below this one and every process carrying a mark this process
 * made: what its executors started and hung on, or left behind, must not outlive it.
 */
export function killOwnTree(): void {
  killTrees([process.pid], ownMarks());
}

/** A process as it was seen: its pid, and its start time (field 22 of its stat line), which a pid freed and taken by another process does not keep. */
type SeenProcess = readonly [pid: number, start: string | undefined];

/** Kills, with SIGKILL, each process of `seen` that is still the process that was seen. */
function killSeen(seen: readonly SeenProcess[]): void {
  for (const [pid, start] of seen) if (statFields(pid)?.[19] === start) killProcess(pid);
}

/**
 * Kills, with SIGKILL, the processes `roots` and every process below them, but never this one, and
 * every process carrying one of `marks`. The trees are read before any is killed, while the
 * children of each are still its own (a process whose parent is killed is reparented out of the
 * tree), and each is killed only while it is the process that was seen.
 */
export function killTrees(roots: readonly number[], marks: readonly string[]): void {
  killSeen(below(roots));
  killMarked(marks);
}

/** `roots` and every process below them, but this one, as seen now. */
function below(roots: readonly number[]): SeenProcess[] {
  const seen: SeenProcess[] = [];
  for (const root of roots) {
    walkTree(root, (pid, f) => {
      if (pid !== process.pid) seen.push([pid, f[19]]);
    });
  }
  return seen;
}

/** SIGKILL to `pid`, which may be gone already. */
export function killProcess(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/**
 * Kills every process that carries one of the marks, looking again until no new one shows up, so
 * that one forked while the others were being killed goes too (a process with a SIGKILL pending
 * forks no more). One look over /proc serves every mark: it reads each process's environment.
 * This process is never one of them: its environment as /proc shows it is the one it started with.
 */
export function killMarked(marks: readonly string[]): void {
  if (marks.length === 0) return;
  // A process that started before this one cannot carry a mark it made, and reading a process's
  // environment takes that process's memory lock, which one busy exec'ing or dumping core holds.
  const since = Number(statFields(process.pid)?.[19] ?? 0);
  const carries = (pid: number) => pid !== process.pid && Number(statFields(pid)?.[19] ?? 0) >= since && carriesMark(pid, marks);
  const killed = new Set<number>();
  for (;;) {
    const marked = processes().filter((pid) => !killed.has(pid) && carries(pid));
    if (marked.length === 0) return;
    for (const pid of marked) {
      killed.add(pid);
      killProcess(pid);
    }
  }
}

/** Whether the process's environment carries one of the marks. */
export function carriesMark(pid: number, marks: readonly string[]): boolean {
  return marksOf(pid).some((m) => marks.includes(m));
}

/** The marks the process's environment carries (as it was started); none where it is gone or not ours to read. */
export function marksOf(pid: number): string[] {
  const prefix = `${MARK_VARIABLE}=`;
  return environment(pid).filter((e) => e.startsWith(prefix)).flatMap((e) => e.slice(prefix.length).split(','));
}

/** Every pid /proc lists, none where there is no /proc. */
export function processes(): number[] {
  try {
    return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return [];
  }
}

/** A process's environment as it was started, one entry an element; none where it is gone or not ours to read. */
function environment(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
  } catch {
    return [];
  }
}

/**
 * The fields of /proc/PID/stat after the command name, from the state (field 3) on, or null where
 * there is none. The name (field 2) may hold spaces and parentheses: the fields after it follow
 * the last ')'.
 */
export function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Calls `visit` with a process and every live process below it, from /proc (the process first); with nothing where /proc cannot tell. */
export function walkTree(root: number, visit: (pid: number, stat: readonly string[]) => void): void {
  const todo = [root];
  for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
    const f = statFields(pid);
    if (f === null) continue;
    visit(pid, f);
    // Every thread's children: an engine may start a process from a thread other than its main
    // one (Go's os/exec, Rust's Command on a worker thread).
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      // Exited meanwhile: nothing is below it now.
    }
    for (const task of tasks) {
      try {
        todo.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
      } catch {
        // The thread ended meanwhile.
      }
    }
  }
}

