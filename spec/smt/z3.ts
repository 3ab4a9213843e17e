// The z3 context every Concord proof shares, and its lifecycle, plus the few term helpers the
// encodings all need. Invariant: at most one z3 module is live per process; `closeZ3` kills z3's
// worker threads (so a command exits promptly) and a later `openZ3` starts a fresh module.
// z3's WebAssembly heap is 2 GiB and never given back, so a long proof can run out of it, and z3
// then aborts: the module is dead, `z3Aborted` says so, its error output is kept off the terminal,
// and its crashed thread neither ends the process nor leaves a check waiting for ever. z3 is given
// no memory limit of its own by default: at one (memory_max_size) it mostly answers unknown, "out
// of memory", but once its heap was corrupted there ("address zero", a CI run on Node 24).
// z3-solver must stay external to any bundle (it loads its own wasm and workers), and it is
// loaded only when a proof opens it, so the other commands start without it.

import type { Arith, Bool, Context, Model } from 'z3-solver';
import { MAX_VALUE, MIN_VALUE } from '../values.js';

export type Z = Context<'concord'>;
export type Int = Arith<'concord'>;
export type B = Bool<'concord'>;
export type ZModel = Model<'concord'>;

interface Live {
  readonly z: Z;
  readonly em: unknown;
}

interface Fate {
  /** Why the module aborted; unset while it lives. */
  reason?: string;
  /** Rejects with Z3AbortedError once the module aborts; never settles otherwise. */
  readonly aborted: Promise<never>;
}

let live: Promise<Live> | undefined;
/** Each module's fate, by its context. */
const fates = new WeakMap<Z, Fate>();
/** The memory limit given to the last openZ3, so that restartZ3 opens the same z3. */
let memoryMb = 0;

/** z3 aborted (out of memory, mostly): its module is dead, and what was asked of it is lost. */
export class Z3AbortedError extends Error {
  static {
    this.prototype.name = 'Z3AbortedError';
  }
}

/** z3-solver is not installed here, as in an archive from bench/pack-offline.sh. */
export class Z3MissingError extends Error {
  static {
    this.prototype.name = 'Z3MissingError';
  }
}

function loadZ3(): Promise<typeof import('z3-solver')> {
  return import('z3-solver').catch((e: unknown) => {
    if ((e as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    // The offline archive leaves z3-solver out on purpose, and `npm install` cannot work there: say both.
    throw new Z3MissingError(`z3-solver is not installed here (${(e as Error).message.split('\n')[0]}); the offline archive (bench/pack-offline.sh) leaves it out, 35 MB, `
      + 'and every other command works without it; to prove, on a machine that reaches the npm registry run `npm install z3-solver` in the folder holding concord\'s package.json');
  });
}

/** Whether z3-solver can be loaded here (without starting it). */
export function z3Installed(): Promise<boolean> {
  return loadZ3().then(() => true, (e: unknown) => {
    if (e instanceof Z3MissingError) return false;
    throw e;
  });
}

interface Emscripten {
  /** How every solver call starts on a thread; z3-solver's high-level API looks it up at each call. */
  async_call: (...args: unknown[]) => Promise<unknown>;
  readonly PThread: {
    readonly runningWorkers: readonly unknown[];
    loadWasmModuleToWorker: (worker: { onerror: (e: Error) => void }) => Promise<unknown>;
  };
}

/** Opens a fresh module whose abort rejects `aborted` and whose threads' crash is reported there rather than thrown. */
async function start(limitMb: number): Promise<Live> {
  const { init } = await loadZ3();
  let die!: (e: Z3AbortedError) => void;
  const aborted = new Promise<never>((_resolve, reject) => { die = reject; });
  aborted.catch(() => undefined);
  const fate: Fate = { aborted };
  // The solver call in flight (z3-solver runs one at a time): what rejects it, and its keep-alive timers.
  let inFlight: { readonly fail: (e: Z3AbortedError) => void; readonly keepAlive: ReturnType<typeof setTimeout>[] } | undefined;
  const onAbort = (what: unknown): void => {
    if (fate.reason !== undefined) return;
    fate.reason = `z3 aborted (${String(what).split('\n')[0].slice(0, 200)})`;
    const error = new Z3AbortedError(fate.reason);
    if (inFlight) {
      for (const t of inFlight.keepAlive) clearTimeout(t);
      inFlight.fail(error);
      inFlight = undefined;
    }
    die(error);
  };
  const api = await init({
    onAbort,
    // What follows an abort is its trace (the thread, the stack), which the error sums up.
    printErr: (line: unknown) => {
      if (fate.reason === undefined) process.stderr.write(`${String(line)}\n`);
    },
  });
  const em = api.em as Emscripten;
  // A call in flight when its thread aborts never settles, and z3-solver holds one process-wide
  // lock over every check: it must reject, or no later z3 could check anything. The call also sets
  // a 10-minute timer to keep the process alive while its thread runs, cleared by the thread as it
  // ends: after an abort, that is left to onAbort. A dead module is asked nothing more.
  const call = em.async_call;
  em.async_call = (...args) => {
    if (fate.reason !== undefined) return Promise.reject(new Z3AbortedError(fate.reason));
    const keepAlive: ReturnType<typeof setTimeout>[] = [];
    const set = globalThis.setTimeout;
    globalThis.setTimeout = ((...timer: Parameters<typeof setTimeout>) => {
      const t = set(...timer);
      keepAlive.push(t);
      return t;
    }) as typeof setTimeout;
    let pending: Promise<unknown>;
    try {
      pending = call(...args);
    } finally {
      globalThis.setTimeout = set;
    }
    return new Promise((resolve, reject) => {
      const record = { fail: reject, keepAlive };
      inFlight = record;
      pending.then(resolve, reject).finally(() => {
        if (inFlight === record) inFlight = undefined;
      });
    });
  };
  // Each solver thread's crash reaches emscripten's worker.onerror, which rethrows it as the
  // process's uncaught exception; every thread is loaded through this one function.
  const pthreads = em.PThread;
  const load = pthreads.loadWasmModuleToWorker;
  pthreads.loadWasmModuleToWorker = (worker) => {
    const loaded = load(worker);
    worker.onerror = (e) => onAbort(e.message);
    return loaded;
  };
  if (limitMb > 0) api.setParam('memory_max_size', String(limitMb));
  const z = api.Context('concord');
  fates.set(z, fate);
  return { z, em: api.em };
}

/**
 * The live module's context, started if none is. `memoryMb`: what z3 may allocate before its
 * solvers answer unknown (0: no limit); tests give a small one to make z3 abort in seconds.
 */
export function openZ3(options: { memoryMb?: number } = {}): Promise<Z> {
  if (!live) {
    memoryMb = options.memoryMb ?? 0;
    live = start(memoryMb);
  }
  return live.then((l) => l.z);
}

/** Rejects with Z3AbortedError when z's module aborts; never settles otherwise. */
export function z3Aborted(z: Z): Promise<never> {
  const fate = fates.get(z);
  if (!fate) throw new Error('z3Aborted(z) for a context openZ3 did not open');
  return fate.aborted;
}

/** Why z's module aborted, or undefined while it lives (a throw from z3 may be its abort). */
export function z3Death(z: Z): string | undefined {
  return fates.get(z)?.reason;
}

/** Ends the live module, dead or not, and opens a fresh one with the same memory limit. */
export async function restartZ3(): Promise<Z> {
  const limit = memoryMb;
  await closeZ3();
  return openZ3({ memoryMb: limit });
}

export async function closeZ3(): Promise<void> {
  const l = live;
  live = undefined;
  if (!l) return;
  // A z3 that never loaded has no threads to end; openZ3's caller saw why.
  const loaded = await l.catch(() => undefined);
  if (!loaded) return;
  const em = loaded.em as Emscripten;
  // A solver thread that just finished still has to hand itself back to the pool; terminating
  // it first makes emscripten print "received cleanupThread from terminated worker". A crashed
  // one never will.
  for (let waited = 0; em.PThread.runningWorkers.length > 0 && z3Death(loaded.z) === undefined && waited < 500; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const { killThreads } = await loadZ3();
  await killThreads(em);
}

/** Per solver call; z3 answers 'unknown' past it (it may overrun by ~0.5 s, FIELD-NOTES). */
export const SOLVER_TIMEOUT_MS = 10_000;

export const MIN = BigInt(MIN_VALUE);
export const MAX = BigInt(MAX_VALUE);

export function inValueRange(z: Z, x: Int): B {
  return z.And(x.ge(MIN), x.le(MAX));
}

/** The integer a model gives a term (model completion on, so unconstrained terms read 0). */
export function valueOf(z: Z, model: ZModel, x: Int): bigint {
  const v = model.eval(x, true);
  if (!z.isIntVal(v)) throw new Error(`z3 gave no integer for ${x.sexpr()}: ${v.sexpr()}`);
  return v.value();
}
