// Replay tokens: everything `concord verify --replay TOKEN` needs to rerun one failing check on one
// counterexample, as a single shell-safe word. A token names the executor, the check, the check's
// generation settings and fast-check's seed and shrink path; regenerating with them yields the
// same shrunk block (and schedule) bit for bit.
// Invariant: decodeToken(encodeToken(t)) deep-equals t, and decodeToken rejects anything it did
// not produce with a ReplayTokenError naming the problem (never a crash).

export const TOKEN_PREFIX = 'cv1_';

export type CheckName = 'equivalence' | 'determinism' | 'interleaving' | 'exhaustive';
export const CHECKS: readonly CheckName[] = ['equivalence', 'determinism', 'interleaving', 'exhaustive'];

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
}

export class ReplayTokenError extends Error {}

export function encodeToken(t: ReplayToken): string {
  const body = JSON.stringify([t.executor, t.check, t.minTxs, t.maxTxs, t.seed, t.path]);
  return TOKEN_PREFIX + Buffer.from(body, 'utf8').toString('base64url');
}

export function decodeToken(token: string): ReplayToken {
  if (!token.startsWith(TOKEN_PREFIX)) throw new ReplayTokenError(`--replay: "${token.slice(0, 24)}" is not a replay token (they start with ${TOKEN_PREFIX})`);
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw new ReplayTokenError('--replay: the token is damaged (copy it whole, it is one word)');
  }
  const ok = Array.isArray(parts) && parts.length === 6
    && typeof parts[0] === 'string' && parts[0].length > 0
    && CHECKS.includes(parts[1] as CheckName)
    && Number.isSafeInteger(parts[2]) && (parts[2] as number) > 0
    && Number.isSafeInteger(parts[3]) && (parts[3] as number) >= (parts[2] as number)
    && Number.isSafeInteger(parts[4])
    && typeof parts[5] === 'string' && /^\d+(:\d+)*$/.test(parts[5]);
  if (!ok) throw new ReplayTokenError('--replay: the token is damaged (copy it whole, it is one word)');
  const [executor, check, minTxs, maxTxs, seed, path] = parts as [string, CheckName, number, number, number, string];
  return { executor, check, minTxs, maxTxs, seed, path };
}

/** The one command that reproduces a failure. */
export function replayCommand(t: ReplayToken): string {
  return `concord verify --replay ${encodeToken(t)}`;
}
