// The one rule for executors that a factory makes, whether a module's default-export function or
// class (impl/registry.ts createExecutor) or a factory or class given to verifyExecutor
// (properties/vitest.ts): every call gives a new executor object. Bench makes one per thread count
// and verify one for the run and one for each rerun of a counterexample, beside the instance that
// found it and after closing others: an object handed out twice would be run by two holders at
// once, or run after one closed it, and fail in ways that say nothing of the executor's algorithm.
// Invariant: no executor object reaches one caller of freshInstances from a factory twice in this
// process; the repeat is refused when it is returned, before anything runs on it.

import type { Executor } from '../spec/executor.js';

/** How a refusal names the factory and says what to do, in its caller's words. */
export interface FactoryWords {
  /** The factory: "the default export", "the executor". */
  readonly subject: string;
  /** Who calls it more than once, and when: "bench makes one per thread count, ...". */
  readonly calls: string;
  /** How to hand over one shared object instead, where the caller allows that. */
  readonly instead: string;
}

/** Takes an executor a factory just returned: itself, or a throw of what `fail` makes of the problem. */
export type FreshCheck = (executor: Executor, fail: (problem: string) => Error) => Executor;

/**
 * A check for one caller that receives executors from factories, each seen at most once (whether
 * its first holder still has it open or closed it since). One per caller, not one for the process:
 * a factory given to verifyExecutor may itself call createExecutor on a module, and the executor
 * the module made then reaches the helper as the same object, once, through one chain of calls.
 * Across factories within a caller, one object is still one shared engine: two tests that each
 * give verifyExecutor `() => engine` hand it the same object twice.
 */
export function freshInstances(words: FactoryWords): FreshCheck {
  const seen = new WeakSet<Executor>();
  return (executor, fail) => {
    if (seen.has(executor)) {
      throw fail(`what ${words.subject} returned (${executor.name}) is an executor it returned before: return a new one from each call (${words.calls}), or ${words.instead}`);
    }
    seen.add(executor);
    return executor;
  };
}
