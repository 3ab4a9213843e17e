// What `concord prove` reports: claims, each a statement z3 proves or refutes, with the result it
// is expected to reach, and the one place that asks z3 whether a set of goals can hold.
// Invariant: 'proved' only ever comes from an 'unsat' answer to the claim's negation; 'refuted'
// only with a witness: a z3 model replayed on the real VM (spec/vm.ts) showing the failure, or,
// for the conflict table's shape, the entries at fault; anything else (timeout, exploration
// bound, the claim's time budget spent, a model that does not replay) is 'unknown'.

import type { Solver } from 'z3-solver';
import { claimBudget, ExplorationLimit, OutOfTime, type World } from './symvm.js';
import { restartZ3, SOLVER_TIMEOUT_MS, Z3AbortedError, z3Aborted, z3Death, type B, type Z, type ZModel } from './z3.js';

export type Result = 'proved' | 'refuted' | 'unknown';
export type Expected = 'proved' | 'refuted';

/** A counterexample: a one-line summary, then whatever concrete values make it (JSON-safe). */
export interface Witness {
  readonly summary: string;
  readonly [field: string]: unknown;
}

export interface Verdict {
  readonly result: Result;
  readonly witness?: Witness;
  /** Why the result is unknown. */
  readonly reason?: string;
}

export interface Claim {
  readonly name: string;
  readonly expected: Expected;
  readonly check: (z: Z) => Promise<Verdict>;
}

export interface ClaimResult extends Verdict {
  readonly name: string;
  readonly expected: Expected;
  readonly ms: number;
  /** Why the claim ran a second time, on a fresh z3 (its ms count both runs). */
  readonly retried?: string;
}

/**
 * Tried in turn on a witness so it reads easily: every input and pre-state value within a bound,
 * the world's preferences first; the raw model when none fits.
 */
const NICE = [{ bound: 16n, preferred: true }, { bound: 16n, preferred: false }, { bound: 1000n, preferred: false }];
/** The gas limit a readable witness gets: room for any path without a huge HASH. */
const NICE_GAS = 1_000_000n;
/** A readable witness is worth a short wait only. */
const NICE_TIMEOUT_MS = 2_000;

export type Search = { readonly found: false } | { readonly found: true; readonly model: ZModel } | { readonly unknown: string };

/**
 * Looks for inputs satisfying the world's assumptions and the goals. The solver is released at
 * once: z3 counts what the garbage collector has not yet freed against its memory limit.
 */
export async function search(world: World, goals: readonly B[], question?: string): Promise<Search> {
  const s = new world.z.Solver();
  try {
    return await searchWith(s, world, goals, question);
  } finally {
    s.release();
  }
}

/** The limit of one search's solver call (SOLVER_TIMEOUT_MS; a test may lower it). */
export const SEARCH_LIMITS = { callMs: SOLVER_TIMEOUT_MS };

/**
 * `question` says what the goals ask ("whether the successful path ending at code[7] breaks it"),
 * so that an unknown says what z3 could not decide.
 */
async function searchWith(s: Solver<'concord'>, world: World, goals: readonly B[], question?: string): Promise<Search> {
  const z = world.z;
  const limit = SEARCH_LIMITS.callMs;
  s.set('timeout', world.solverTimeout(limit));
  s.add(...world.assumptions, ...goals);
  const answer = await s.check();
  if (answer === 'unsat') return (await vacuous(world)) ? { unknown: VACUOUS } : { found: false };
  if (answer === 'unknown') {
    // z3's own timeout was cut short by the budget: the budget is the reason.
    world.inTime();
    const why = s.reasonUnknown();
    const what = question ? ` ${question}` : '';
    if (why === 'timeout' || why === 'canceled') return { unknown: `z3 could not decide${what} within its ${limit / 1000} s limit for one call (z3: ${why})` };
    return { unknown: `z3 answered unknown${what ? ` on${what}` : ''} (${why})` };
  }
  const raw = s.model();
  const free = [...world.inputs, ...world.baseKeys.map((k) => world.stateAt(k))];
  for (const { bound, preferred } of NICE) {
    if (preferred && world.preferences.length === 0) continue;
    // A witness is in hand: a spent budget leaves it raw rather than unknown.
    if (world.spent()) break;
    s.set('timeout', world.solverTimeout(NICE_TIMEOUT_MS));
    s.push();
    s.add(...free.map((x) => z.And(x.ge(-bound), x.le(bound))), ...world.limits.map((l) => l.eq(NICE_GAS)));
    if (preferred) s.add(...world.preferences);
    if ((await s.check()) === 'sat') return { found: true, model: s.model() };
    s.pop();
  }
  return { found: true, model: raw };
}

/**
 * A negation that holds for no input proves the claim only where some input meets the claim's own
 * assumptions: a footprint key that names one key whatever the arguments (`add: 5`) makes
 * "commute when footprints are disjoint" assume 5 != 5 of a contract with itself, which would then
 * be proved whatever its code did. Asked of the assumptions alone, again only when they grew.
 */
async function vacuous(world: World): Promise<boolean> {
  const count = world.assumptions.length;
  const known = world.assumptionsMet;
  // More assumptions only narrow the inputs: one met by none stays so.
  if (known !== undefined && (known.count === count || !known.met)) return !known.met;
  const s = new world.z.Solver();
  try {
    s.set('timeout', world.solverTimeout(SOLVER_TIMEOUT_MS));
    s.add(...world.assumptions);
    // unknown (a timeout) is no evidence of vacuity: only unsat is.
    world.assumptionsMet = { count, met: (await s.check()) !== 'unsat' };
  } finally {
    s.release();
  }
  return !world.assumptionsMet.met;
}
const VACUOUS = 'vacuous: no input meets the claim\'s assumptions (its declared keys cannot be told apart, or its assume clauses contradict each other), so proving it would say nothing';

/**
 * Wall-clock time one claim may take before it is unknown: no built-in claim takes a second, and
 * a user's loop bounded by nothing reaches the exploration limits well within it.
 */
export const CLAIM_BUDGET_MS = 60_000;

/** Whether z3's words say it ran out of the memory openZ3 lets it have. */
function outOfMemory(words: string | undefined): words is string {
  return words !== undefined && /out of memory|memory exceeded/i.test(words);
}

/**
 * Runs claims one after another (z3 serialises checks anyway), timing each; a claim still
 * running `budgetMs` after it started (Infinity: never) is unknown. `progress` hears as each
 * claim starts, then about every second while it runs, `item` saying for how long, so that a
 * terminal shows a long claim is alive.
 * Memory: z3 keeps what earlier claims left until the garbage collector frees their solvers, and
 * its heap never shrinks. Where z3 aborts or runs out of memory, the claims go on on a fresh z3
 * (restartZ3; `z`, opened by openZ3, may be closed by then), and the claim it happened in runs
 * once more there, within its budget, unless it was the first on its z3: then it is unknown, why
 * said.
 */
export async function runClaims(
  z: Z, claims: readonly Claim[], progress?: (done: number, of: number, item: string) => void, budgetMs: number = CLAIM_BUDGET_MS,
): Promise<ClaimResult[]> {
  const out: ClaimResult[] = [];
  let claimsOnLive = 0;
  for (const claim of claims) {
    const done = out.length;
    progress?.(done, claims.length, claim.name);
    const t0 = performance.now();
    const deadline = t0 + budgetMs;
    const tick = progress && setInterval(() => {
      const s = Math.round((performance.now() - t0) / 1000);
      progress(done, claims.length, `${claim.name} (${s} s${Number.isFinite(budgetMs) ? `, at most ${budgetMs / 1000} s` : ''})`);
    }, 1000);
    tick?.unref();
    let verdict: Verdict;
    let retried: string | undefined;
    try {
      for (;;) {
        const z3 = z;
        const first = claimsOnLive++ === 0;
        let spent: string;
        try {
          const v = await claimBudget.run({ ms: budgetMs, deadline }, () => Promise.race([claim.check(z3), z3Aborted(z3)]));
          if (v.result !== 'unknown' || !outOfMemory(v.reason)) {
            verdict = v;
            break;
          }
          spent = v.reason;
        } catch (e) {
          const why = e instanceof Z3AbortedError ? e.message : z3Death(z3) ?? (e instanceof Error && outOfMemory(e.message) ? `z3 threw "${e.message}"` : undefined);
          if (why === undefined) throw e;
          spent = why;
        }
        // The parameter itself is replaced: nothing may keep a dead module's heap reachable.
        z = await restartZ3();
        claimsOnLive = 0;
        if (first) {
          // An abort says why only in emscripten's words ("native code called abort()" is z3 at its memory limit, mostly).
          const alone = outOfMemory(spent) ? 'needs more memory than z3 may use' : 'makes z3 abort (most often by needing more memory than z3 may use)';
          verdict = { result: 'unknown', reason: `${spent}, on a fresh z3: this claim alone ${alone}` };
          break;
        }
        if (performance.now() >= deadline) {
          verdict = { result: 'unknown', reason: `${spent}, after other claims, and no time was left to run it on a fresh z3` };
          break;
        }
        retried = `${spent}, after other claims`;
      }
    } catch (e) {
      if (e instanceof OutOfTime) verdict = { result: 'unknown', reason: e.message };
      else if (e instanceof ExplorationLimit) verdict = { result: 'unknown', reason: `exploration stopped: ${e.message}` };
      else throw e;
    } finally {
      clearInterval(tick);
    }
    out.push({ name: claim.name, expected: claim.expected, ...verdict, ms: Math.round(performance.now() - t0), ...(retried === undefined ? {} : { retried }) });
  }
  return out;
}

export function asExpected(r: ClaimResult): boolean {
  return r.result === r.expected;
}
