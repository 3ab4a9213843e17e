// Replay tokens: everything `concord verify --replay TOKEN` needs to rerun one failing check on one
// counterexample, as a single shell-safe word. A token names the executor, the check, the check's
// generation settings and fast-check's seed and shrink path; regenerating with them yields the
// same shrunk block (and schedule) bit for bit. It also says when the counterexample failed only
// after the blocks run before it on the same executor instance, which no replay runs again, or only
// sometimes: then a replay that passes does not mean the failure is gone.
// Invariant: decodeToken(encodeToken(t)) deep-equals t, and decodeToken rejects anything it did
// not produce with a ReplayTokenError naming the problem (never a crash).

export const TOKEN_PREFIX = 'cv1_';
/**
 * How a token names an executor the vitest helper was given as an object or a factory: no command
 * can build it, so its failures replay only through the helper, in the test that found them.
 */
export const HELPER_PREFIX = 'test:';

export type CheckName = 'equivalence' | 'determinism' | 'interleaving' | 'exhaustive';
export const CHECKS: readonly CheckName[] = ['equivalence', 'determinism', 'interleaving', 'exhaustive'];

/**
 * Why rerunning a counterexample alone may pass (runner.ts howItFails): on fresh instances it passed
 * alone and failed after the blocks run before it, every time ('after earlier blocks': state kept
 * between blocks), or its reruns gave different outcomes, or none failed ('sometimes': a race, or
 * state kept from blocks older than those it was rerun after).
 */
export type FailsOnly = 'after earlier blocks' | 'sometimes';
/** In a token, FailsOnly is its index here plus one. */
const FAILS_ONLY: readonly FailsOnly[] = ['after earlier blocks', 'sometimes'];

export interface ReplayToken {
  /** A built-in executor or planted bug name, or a module path as given on the command line. */
  readonly executor: string;
  readonly check: CheckName;
  /** Transactions per generated block: the check's setting at the time of the failure. */
  readonly minTxs: number;
  readonly maxTxs: number;
  readonly seed: number;
  /** fast-check's counterexample path ("3:1:0"), which replays the shrunk case directly. */
  readonly path: string;
  /** Why the counterexample may pass when rerun alone; absent when it failed alone on a fresh instance. */
  readonly failsOnly?: FailsOnly;
}

export class ReplayTokenError extends Error {}

export function encodeToken(t: ReplayToken): string {
  const body = JSON.stringify([t.executor, t.check, t.minTxs, t.maxTxs, t.seed, t.path, ...(t.failsOnly ? [FAILS_ONLY.indexOf(t.failsOnly) + 1] : [])]);
  return TOKEN_PREFIX + Buffer.from(body, 'utf8').toString('base64url');
}

export function decodeToken(token: string): ReplayToken {
  if (!token.startsWith(TOKEN_PREFIX)) throw new ReplayTokenError(`--replay: "${token.slice(0, 24)}" is not a replay token (they start with ${TOKEN_PREFIX})`);
  const damaged = () => new ReplayTokenError('--replay: the token is damaged (copy it whole, it is one word)');
  const body = token.slice(TOKEN_PREFIX.length);
  const bytes = Buffer.from(body, 'base64url');
  // Node's decoder skips characters it cannot read and stops at padding: a token with a few
  // characters more or changed would decode to the original and replay as if whole.
  if (bytes.toString('base64url') !== body) throw damaged();
  let parts: unknown;
  try {
    parts = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw damaged();
  }
  // A seventh element gives FailsOnly (tokens made before it have six).
  const ok = Array.isArray(parts) && (parts.length === 6 || (parts.length === 7 && Number.isSafeInteger(parts[6]) && (parts[6] as number) >= 1 && (parts[6] as number) <= FAILS_ONLY.length))
    && typeof parts[0] === 'string' && parts[0].length > 0
    && CHECKS.includes(parts[1] as CheckName)
    && Number.isSafeInteger(parts[2]) && (parts[2] as number) > 0
    && Number.isSafeInteger(parts[3]) && (parts[3] as number) >= (parts[2] as number)
    && Number.isSafeInteger(parts[4])
    && typeof parts[5] === 'string' && /^\d+(:\d+)*$/.test(parts[5]);
  if (!ok) throw damaged();
  const [executor, check, minTxs, maxTxs, seed, path, failsOnly] = parts as [string, CheckName, number, number, number, string, number?];
  return { executor, check, minTxs, maxTxs, seed, path, ...(failsOnly ? { failsOnly: FAILS_ONLY[failsOnly - 1]! } : {}) };
}

/**
 * The one command that reproduces a failure: `concord verify --replay`, or for an executor only the
 * vitest helper holds, the helper's own replay option, called in the test with that executor.
 */
export function replayCommand(t: ReplayToken, timeoutMs?: number): string {
  const token = encodeToken(t);
  // A replay of a hang keeps the call limit it hung under, in each caller's unit.
  return t.executor.startsWith(HELPER_PREFIX)
    ? `verifyExecutor(executor, { replay: '${token}'${timeoutMs === undefined ? '' : `, timeout: ${timeoutMs}`} })`
    : `concord verify --replay ${token}${timeoutMs === undefined ? '' : ` --timeout ${timeoutMs / 1000}`}`;
}
