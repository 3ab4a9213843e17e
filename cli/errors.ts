// How every concord command reports bad input: one line naming what and where, exit code 2,
// no stack trace, nothing written to stdout; and an executor under test that fails outside any
// check (throws while loading, never settles, hangs past --timeout): one line naming it, exit 1,
// and under --json a JSON object on stdout. Invariant: only UsageError, the spec's input errors,
// a module that does not load and an exec: command the shell cannot find or run become exit 2,
// only ExecutorFailure becomes exit 1 here; anything else is a bug and keeps its stack.

import { InvalidArgumentError } from 'commander';
import { BlockFileError } from '../spec/block-file.js';
import { takeModuleObjects, UnknownExecutorError } from '../impl/registry.js';
import { ExecCommandError, ExecEngineError, execHangNote } from '../impl/exec-executor.js';
import { MAX_CALL_TIMEOUT_S } from '../properties/verify-limits.js';
import { thrownText } from '../properties/explain.js';
import { oneLine } from '../spec/messages.js';
import { cleanUpBudget } from '../properties/clean-up.js';
import { stopAllProgress } from './progress.js';
import { startWatchdog, type Watchdog } from './watchdog.js';
import type { KeptResults } from './stopped-results.js';
import { endingOnOwn } from './ending-signal.js';
import { exitOnceWritten, printFailure, printUsageError, setPendingCall } from './process-guard.js';
import { DEFAULT_CALL_TIMEOUT_S, EXIT, UsageError } from './exit.js';

export { DEFAULT_CALL_TIMEOUT_S, EXIT, UsageError };

/**
 * The executor under test threw, returned something no BlockResult is, or never settled. Exit 1,
 * not 2: the input was fine, and the executor is what is being checked. `json` is what --json
 * prints on stdout, the message added as `error`; absent without --json.
 */
export class ExecutorFailure extends Error {
  constructor(message: string, readonly json?: object) {
    super(message);
  }
}

export function isInputError(e: unknown): e is Error {
  return e instanceof UsageError || e instanceof BlockFileError || e instanceof UnknownExecutorError || e instanceof ExecCommandError;
}

/** Runs a command body, turning input errors into `concord CMD: message` and exit code 2, and executor failures into exit code 1. */
export async function guard(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    stopAllProgress();
    if (isInputError(e)) {
      printUsageError(command, e.message);
      return EXIT.USAGE;
    }
    if (e instanceof ExecutorFailure) {
      printFailure(command, e.message, e.json);
      return EXIT.FAILED;
    }
    throw e;
  }
}

/**
 * Closes the executor objects modules exported that are still open (impl/registry.ts: one instance
 * each, left open between the command's uses of it) once the command is done with them, each
 * through a call watch as every call into an executor is (a hang or a held main thread is
 * stopped): after a command that failed, as a clean-up whose result does not matter; after one that
 * passed, as a call whose throw or hang is a failure. `timeout` is the command's --timeout, read
 * only when there is something to close. Returns each failure (the module, the message), for the
 * command to report before it writes its output (verify and bench call this first, run closes its
 * own; cli/concord.ts once more, for any command that did not). `json` is the object a hang ends
 * the command with on stdout under --json, for a command whose output is not written yet (verify's
 * `{ ok: false }`, bench's `{}`), as its other hangs do; without it a hang goes to stderr alone.
 * `onHang` is watchCalls': bench's writes the results the hang would otherwise lose.
 */
export async function closeModuleExecutors(
  command: string, timeout: string | undefined, failed: boolean, json?: object, onHang?: (what: string, failure: string) => string,
): Promise<{ name: string; message: string }[]> {
  const objects = takeModuleObjects();
  if (objects.length === 0) return [];
  let seconds = DEFAULT_CALL_TIMEOUT_S;
  try {
    seconds = timeoutOption(timeout);
  } catch {
    // The command refused its --timeout already; the default serves its clean-up.
  }
  const watch = watchCalls(command, seconds, json, onHang);
  const failures: { name: string; message: string }[] = [];
  for (const { name, executor } of objects) {
    const what = `the executor ${name}: close()`;
    const close = () => callExecutor(name, 'while closing', () => executor.close());
    if (failed) {
      await watch.cleanUp(what, close);
      continue;
    }
    try {
      await watch.call(what, close);
    } catch (e) {
      if (!(e instanceof ExecutorFailure)) throw e;
      failures.push({ name, message: e.message });
    }
  }
  return failures;
}

/**
 * `f()`, a call into the executor `name` (a user's module, mostly); its throw becomes that
 * executor's failure, `the executor NAME threw WHAT: Error: ...` (exit 1, `json` under --json),
 * while an input error (a module path that does not load) stays one.
 */
export async function callExecutor<T>(name: string, what: string, f: () => T | Promise<T>, json?: object): Promise<T> {
  try {
    return await f();
  } catch (e) {
    // A failure already worded (a warm-up's counterexample, cli/verify.ts) goes on as it is.
    if (isInputError(e) || e instanceof ExecutorFailure) throw e;
    // An engine's start-up line reported by the close() after loading is no failure to close.
    const how = e instanceof ExecEngineError && e.atStartUp ? 'failed at start-up' : `threw ${what}`;
    throw new ExecutorFailure(`the executor ${name} ${how}: ${failureText(e)}`, json);
  }
}

/**
 * A throw as a failure's message words it (thrownText), except that what an exec: engine wrote on
 * several lines (the end of its standard error, its error answer), which its message holds after
 * its first line (impl/exec-executor.ts engineText), keeps its line breaks: the failure's printers
 * show it below the line (cli/failure-lines.ts), where one line of escaped breaks hid a traceback.
 */
function failureText(e: unknown): string {
  const at = e instanceof ExecEngineError ? e.message.indexOf('\n') : -1;
  if (at < 0) return thrownText(e);
  const { name, message } = e as ExecEngineError;
  // Unbounded as thrownText leaves it: exec-executor.ts bounds what it quotes (STDERR_TAIL).
  return `${oneLine(`${name}: ${message.slice(0, at)}`, Infinity)}${message.slice(at)}`;
}

/**
 * Asked at 'beforeExit' (unlessStuck), one per watchCalls: whether the watch found its call past
 * --timeout, interrupted by the watchdog, and is reporting it.
 */
const reportsAtExit: (() => boolean)[] = [];

/**
 * `work`, unless the process runs out of things to do while it is pending: then nothing is left
 * that could settle it (a user's execute() whose promise is forgotten), and Node would end the
 * process with exit code 13 and not a word. Rejects with `failure()` instead, unless a watch
 * reports a call past --timeout (the watchdog's interrupt unwound what would have gone on, so the
 * call is what failed, not the process running dry). Costs nothing while `work` runs: it only
 * listens for 'beforeExit'.
 */
export function unlessStuck<T>(work: Promise<T>, failure: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const stuck = () => {
      if (reportsAtExit.some((reporting) => reporting())) return;
      process.off('beforeExit', stuck);
      reject(failure());
    };
    // Not once: a watch's report, too, can be cut short, and the process run dry again.
    process.on('beforeExit', stuck);
    work.then(resolve, reject).finally(() => process.off('beforeExit', stuck));
  });
}

/**
 * `f` in the next turn of the event loop, as a promise reaction. The watchdog's interrupt unwinds
 * a promise reaction cleanly, but where it lands in an immediate's or a timer's own callback, or
 * in a queueMicrotask callback (Node runs each in an async scope of its own), Node 20 and 22 abort
 * ("async hook stack has become corrupted": the callback's after-hook never ran), so what may
 * meet an interrupt runs here.
 */
function nextTurn(f: () => void): void {
  setImmediate(() => void Promise.resolve().then(f));
}

/** Every call a command makes into an executor under test goes through one of these. */
export interface CallWatch {
  /** `work()`, named by `what` ("the executor X: execute() on block.json") should it hang. */
  call<T>(what: string, work: () => T | Promise<T>): Promise<T>;
  /**
   * Waits for `work()`, a clean-up call into an executor whose result does not matter (a close()
   * after execute() failed), within the command's clean-up budget (properties/clean-up.ts: 5 s, or
   * --timeout when that is shorter, for all its clean-ups together, each spending what it waited). Whether it
   * settles, throws or hangs, the failure that made it needed is the one to report. Unlike `call`,
   * running past the budget is no failure of its own; once the budget is spent, a clean-up is
   * skipped (the command exits once its output is out, whatever is left running).
   */
  cleanUp(what: string, work: () => unknown): Promise<void>;
  /**
   * `call`, except that a `work()` still pending after `ms` (less than --timeout) rejects and is
   * left behind, no failure of the command: for a probe whose hang only says
   * the instance is broken (properties/runner.ts alive()). One that holds the main thread is still
   * the hang --timeout reports, as no timer can end it.
   */
  bounded<T>(what: string, ms: number, work: () => Promise<T>): Promise<T>;
  /**
   * What the watchdog thread leaves, in place of the failed command's results, should it have to
   * kill the process (cli/stopped-results.ts); the latest given counts. Nothing without --timeout.
   */
  keep(results: KeptResults): void;
}

/**
 * `ms` in seconds, with two decimals or as many more (up to microseconds, the clock's grain) as it
 * takes to show it above `limitS`: a call that ran past a 0.001 s limit returned after 0.0014 s,
 * where two decimals said 0.00 and the line contradicted itself. A time exactly at the limit
 * (which fails too) is shown as it is, without zeros after it.
 */
export function secondsPast(ms: number, limitS: number): string {
  const s = ms / 1000;
  let decimals = 2;
  while (decimals < 6 && Number(s.toFixed(decimals)) <= limitS && Number(s.toFixed(decimals)) !== s) decimals++;
  return s.toFixed(decimals);
}

/**
 * Watches the calls a command makes into executors, one at a time. A call still pending `seconds`
 * after it began (0: never) means the executor is hung, and a hung executor's worker threads or
 * timers would keep the process alive for ever, so the command stops at once: `onHang(what,
 * failure)` may add to the message `failure` (where the block was written, or what was measured
 * before), and may write what is left to write before the exit; the failure is printed as guard() prints
 * one, and the process exits with EXIT.FAILED once that output is out (a pipe takes it
 * asynchronously) or FLUSH_CAP_MS on, the command going no further meanwhile: the hung call, should
 * it settle after all, never returns. One unref'd timer serves every call, checked four times per
 * limit (at least once a second), so a call costs a few stores, not a timer of its own, and the
 * timer never keeps the process alive. An executor that holds the main thread keeps that
 * timer from firing; the watchdog thread (cli/watchdog.ts), started with the first call, then
 * interrupts it, and the hang is reported the same way. After a signal (cli/ending-signal.ts) a
 * hang is not reported: the signal's report is the command's, and the command goes no further.
 */
export function watchCalls(command: string, seconds: number, json?: object, onHang: (what: string, failure: string) => string = () => ''): CallWatch {
  let pending = '';
  let since = 0;
  let seq = 0;
  let timer: ReturnType<typeof setInterval> | null = null;
  let dog: Watchdog | null = null;
  const limitMs = seconds * 1000;
  const tickMs = seconds > 0 ? Math.min(1000, limitMs / 4) : 1000;
  const cleanUps = cleanUpBudget(limitMs, true);
  const watchdog = () => (dog ??= startWatchdog(command, tickMs, json));
  /** Why the command gives up on the call pending (the first reason found), or null; and whether its report has begun. */
  let givenUp: string | null = null;
  let reported = false;
  // A turn of the event loop first: a signal that came while the call held the main thread is
  // read only once the loop polls again, and it ended the command then, not this limit later
  // (reported at the limit, such a run read "did not settle within 300 s" after a SIGTERM at 60).
  // Until the report has begun, the timer and 'beforeExit' give up again: an interrupt that lands
  // in Concord's code unwinds what was on the stack and drops every promise reaction queued, so
  // an attempt can be lost.
  const giveUp = (why: string): void => {
    givenUp ??= why;
    nextTurn(stop);
  };
  /**
   * Runs `then` once no interrupt of call `callSeq` is on its way: at once, having taken the call
   * back from the watchdog, or where the watchdog took it first, in a turn of its own after the
   * interrupt has landed in the wait here (a call that returned just as it was interrupted ended
   * with its report cut short, or none, and then "nothing was left running").
   */
  const afterInterrupt = (callSeq: number, then: () => void): void => {
    if (dog === null || !dog.returned(callSeq)) return then();
    nextTurn(then);
    dog.quiet();
  };
  const stop = (): void => {
    if (reported) return;
    // The watchdog's kill has begun (it freed this thread by killing the child a native call waited on): its line is the command's.
    dog?.awaitKill();
    afterInterrupt(seq, report);
  };
  const report = (): void => {
    if (reported) return;
    reported = true;
    // A signal came first: what was left is its report, and the process is ending by it.
    if (!endingOnOwn()) {
      dog?.quiet();
      dog?.end();
      return;
    }
    stopAllProgress();
    // What an exec: engine was seen to do since its request (nothing at all: an answer not
    // flushed?); not after a main thread held, which read nothing the engine wrote meanwhile.
    const why = givenUp ?? '';
    const failure = `${pending} did not settle within ${seconds} s${why}${why === '' ? execHangNote(pending) : ''}`;
    printFailure(command, failure + onHang(pending, failure), json);
    dog?.end();
    void exitOnceWritten(EXIT.FAILED);
  };
  const overdue = () => seconds > 0 && pending !== '' && performance.now() - since >= limitMs;
  const check = () => {
    if (!reported && overdue()) giveUp(dog?.interrupted(seq) ? '; it held the main thread (a busy loop or a blocking wait) until interrupted' : '');
  };
  // The timer is unref'd: a call the watchdog interrupted, still pending when the process runs
  // dry (the interrupt cut its report short), is reported then. One that was not interrupted is
  // a forgotten promise, which unlessStuck says.
  reportsAtExit.push(() => {
    if (reported || !overdue() || dog?.interrupted(seq) !== true) return false;
    check();
    return true;
  });
  return {
    call<T>(what: string, work: () => T | Promise<T>): Promise<T> {
      if (seconds > 0 && timer === null) timer = setInterval(check, tickMs).unref();
      pending = what;
      setPendingCall(what, json);
      since = performance.now();
      if (seconds > 0) seq = watchdog().begin(what, limitMs);
      const callSeq = seq;
      return new Promise((resolve, reject) => {
        const returned = (settle: () => void) => {
          // A call that held the main thread past the limit and then returned was never seen by the
          // timer. It failed all the same: the command ends here. Before any wait for an interrupt,
          // so that the timer, free once it lands, finds the command given up on as it returned.
          const tookMs = performance.now() - since;
          if (seconds > 0 && tookMs >= limitMs) giveUp(` (it returned after ${secondsPast(tookMs, seconds)} s)`);
          afterInterrupt(callSeq, () => {
            // Given up on (now, or by the timer before the call settled after all): the command stops here.
            if (givenUp !== null) return;
            pending = '';
            setPendingCall('', undefined);
            // Taken back already (afterInterrupt), unless the watchdog took it first on a clock that disagreed with this thread's.
            dog?.end();
            settle();
          });
        };
        new Promise<T>((done) => done(work())).then((value) => returned(() => resolve(value)), (e: unknown) => returned(() => reject(e)));
      });
    },
    bounded(what, ms, work) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      // Not unref'd: a probe that never settles, with nothing else left running, must still end.
      const expired = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms); });
      return this.call(what, () => Promise.race([work(), expired])).finally(() => clearTimeout(timer));
    },
    keep(results) {
      if (seconds > 0) watchdog().keep(results);
    },
    // A spent budget skips the call: with no time left, a close() that holds the main thread or a
    // native call could not be interrupted gently, and the command exits once its report is out.
    cleanUp: async (what, work) => {
      let cleanUpSeq = 0;
      // Told the clean-up's end as a call's (afterInterrupt), or a close() that returned as it was interrupted would end the command here.
      const watched = () => new Promise<void>((done) => {
        const returned = () => afterInterrupt(cleanUpSeq, done);
        Promise.resolve().then(work).then(returned, returned);
      });
      await cleanUps.run(watched, (ms) => {
        cleanUpSeq = watchdog().begin(what, ms);
        setPendingCall(what, json);
        return () => {
          setPendingCall('', undefined);
          dog?.end();
          // The command ends soon after a clean-up: the interrupt's session must be closed by then.
          dog?.quiet();
        };
      });
    },
  };
}

/** --timeout: seconds >= 0, fractions allowed, at most MAX_CALL_TIMEOUT_S; DEFAULT_CALL_TIMEOUT_S when absent. */
export function timeoutOption(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_CALL_TIMEOUT_S;
  const v = nonNegativeNumberOption('--timeout', raw, 'seconds');
  if (v > MAX_CALL_TIMEOUT_S) throw new UsageError(`--timeout expects seconds from 0 to ${MAX_CALL_TIMEOUT_S.toLocaleString('en-US')} (a day), got "${raw}"`);
  return v;
}

/**
 * Parses an integer option in [min, max], naming the option and its range when it is not one.
 * White space around the digits is allowed, as every numeric option allows it (a value quoted
 * with a space, a list's item after its comma): inside them, or alone, it is refused.
 */
export function intOption(name: string, raw: string | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  // The largest integers are a limit of doubles, said only to a value past it.
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}${v > max ? ' and at most 2^53 - 1' : ''}` : `from ${min} to ${max.toLocaleString('en-US')}`;
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(v) || v < min || v > max) throw new UsageError(`${name} expects an integer ${range}, got "${raw}"`);
  return v;
}

/**
 * A decimal option >= 0 (`what` names its kind): digits with an optional fraction and exponent.
 * Number() alone would take "" as 0, "0x10" as 16 and "Infinity" as a value.
 */
export function nonNegativeNumberOption(name: string, raw: string, what: string): number {
  const v = Number(raw);
  const numeral = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw.trim());
  if (!numeral || !Number.isFinite(v)) throw new UsageError(`${name} expects ${what} >= 0${numeral ? ' that a double can hold' : ''}, got "${raw}"`);
  return v;
}

/** intOption as a commander argument parser (for scripts that parse with commander directly). */
export function intArgument(name: string, min: number): (raw: string) => number {
  return (raw) => {
    try {
      return intOption(name, raw, min, min);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}
