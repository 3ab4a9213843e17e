// A counterexample whose failure is an `exec:` engine's output breaking concord-exec/1 (an answer
// that is no JSON, holds a NaN or an unknown field, a line with no request pending: impl/exec-
// executor.ts ExecEngineError.protocol), shown on the smallest block rather than shrunk from the
// one it surfaced on. Such an answer is malformed whatever the block, and each shrink candidate
// cost a fresh engine (the engine is stopped on a bad line), so shrinking took 14 steps and 4.5 to
// 7.6 s to reach the one-transaction block every candidate failed on; and a line written after an
// answer surfaces on the next call, so it was shrunk and framed as state kept between blocks.
// Invariant: the block shown is the one minimize() reaches when every change it tries is taken to
// fail, so its token records those steps and replays it as any token does; it is reported only
// where it broke the same rule on a fresh instance (its own call, or the next one on that instance
// for a line that follows an answer); otherwise the caller shrinks as for any failure.

import type { CheckInput } from './equivalence.js';
import { attemptCap, minimize } from './minimize.js';
import type { ShrinkStep } from './replay.js';

/** The smallest input minimize() makes of `input`, and the steps that make it, with none of its candidates run. */
export interface MinimalInput {
  readonly input: CheckInput;
  readonly kept: readonly ShrinkStep[];
  readonly steps: number;
  /** minimize() stopped at its cap on tries with changes left: a block that large takes more taken changes than the cap. */
  readonly capped: boolean;
}

/**
 * `input` as minimize() leaves it where every change fails, and the shared pre-state then made a
 * Map, as checkBatch does after minimize() (numbered as it numbers that step): each step keeps the
 * failure's own other inputs (alternative 0), so a replay rebuilds it from the token. `keepCalls`:
 * as minimize()'s (verify --programs), so the block shown holds contract calls alone.
 */
export async function minimalInput(input: CheckInput, asMap: (rest: readonly unknown[]) => readonly unknown[] | undefined, keepCalls = false): Promise<MinimalInput> {
  const kept: ShrinkStep[] = [];
  let attempt = 0;
  const { spec, steps, capped } = await minimize(input[0], async () => {
    kept.push([attempt++, 0]);
    return true;
  }, Infinity, keepCalls);
  let rest: readonly unknown[] = input.slice(1);
  const map = asMap(rest);
  if (map) {
    kept.push([attemptCap(input[0]), 0]);
    rest = map;
  }
  return { input: [spec, ...rest], kept, steps: steps + (map ? 1 : 0), capped };
}

/** How a protocol failure showed on the minimal input: on its own call (1), or on the next call of the same block on that instance (2). */
export type ProtocolCall = 1 | 2;

/**
 * Whether the minimal input breaks `rule` again, run by `run` (false: it failed; the caller reads
 * the failure's rule from what the check recorded, `ruleOf()`): on its own call, or, where that
 * passed, on a second call of it on the same instance, which is where a line written after an
 * answer is read. Undefined where it did not break `rule`.
 */
export async function confirmProtocol(input: CheckInput, rule: string, run: (input: CheckInput) => Promise<boolean>, ruleOf: () => string | undefined): Promise<ProtocolCall | undefined> {
  for (const call of [1, 2] as const) {
    if (await run(input)) continue;
    return ruleOf() === rule ? call : undefined;
  }
  return undefined;
}
