// The z3 context every Concord proof shares, and its lifecycle, plus the few term helpers the
// encodings all need. Invariant: at most one z3 module is live per process; `closeZ3` kills z3's
// worker threads (so a command exits promptly) and a later `openZ3` starts a fresh module.
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

let live: Promise<Live> | undefined;

/** z3-solver is not installed here, as in an archive from bench/pack-offline.sh. */
export class Z3MissingError extends Error {}

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

export function openZ3(): Promise<Z> {
  live ??= loadZ3().then(({ init }) => init()).then((api) => ({ z: api.Context('concord'), em: api.em }));
  return live.then((l) => l.z);
}

interface Threads {
  readonly PThread: { readonly runningWorkers: readonly unknown[] };
}

export async function closeZ3(): Promise<void> {
  const l = live;
  live = undefined;
  if (!l) return;
  // A z3 that never loaded has no threads to end; openZ3's caller saw why.
  const loaded = await l.catch(() => undefined);
  if (!loaded) return;
  const em = loaded.em as Threads;
  // A solver thread that just finished still has to hand itself back to the pool; terminating
  // it first makes emscripten print "received cleanupThread from terminated worker".
  for (let waited = 0; em.PThread.runningWorkers.length > 0 && waited < 500; waited += 10) {
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
