// Replay tokens: everything `concord verify --replay TOKEN` needs to rerun one failing check on one
// counterexample, as a single shell-safe word. A token names the executor, the check, the check's
// generation settings, fast-check's seed and shrink path, the changes minimize() kept after
// fast-check (by attempt number, with the schedule each failed under) and a digest of the block
// they led to; regenerating with them yields the same shrunk block (and schedule) bit for bit
// without running a candidate, and the digest proves it, so a replay runs the reported block and
// nothing else, even for an executor whose results vary from run to run. It also says when the
// counterexample failed only after the blocks run before it on the same executor instance, which
// no replay runs again, or only sometimes: then a replay that passes does not mean the failure is
// gone.
// Invariant: decodeToken(encodeToken(t)) deep-equals t, and decodeToken rejects anything it did
// not produce with a ReplayTokenError naming the problem (never a crash).

import { isExecCommand } from '../impl/exec-executor.js';

export const TOKEN_PREFIX = 'cv1_';
/**
 * How the commands Concord prints for a user to paste begin: the way README.md runs it after `npm
 * ci`, in a clone or in a project that depends on it (a bare `concord` is found only once installed
 * globally, where `npx concord` runs it too).
 */
export const CONCORD = 'npx concord';
/**
 * How a token names an executor the vitest helper was given as an object or a factory: no command
 * can build it, so its failures replay only through the helper, in the test that found them.
 */
export const HELPER_PREFIX = 'test:';
/** How a token and a report name a planted bug of the catalogue (planted.ts). */
export const PLANTED_PREFIX = 'planted:';

export type CheckName = 'equivalence' | 'vm-corners' | 'determinism' | 'interleaving' | 'exhaustive';
export const CHECKS: readonly CheckName[] = ['equivalence', 'vm-corners', 'determinism', 'interleaving', 'exhaustive'];

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
  /**
   * The steps minimize() kept after fast-check's shrinking: for each, the number of the attempt
   * (0 for its first) and the index of the check's input alternative it failed under (0: the
   * failure's own). Absent in tokens made before it was recorded: their replay shrinks again.
   */
  readonly minimized?: readonly ShrinkStep[];
  /**
   * Beside `minimized`: a digest of the shrunk block, which the replay's rebuilt block must match
   * (a changed character elsewhere in the token rebuilds another block), and what stopped the
   * shrinking early, if anything did (the replay, which tries no candidate, cannot know).
   */
  readonly shrunk?: Shrunk;
}

export type ShrinkStep = readonly [attempt: number, alternative: number];

export interface Shrunk {
  /** SHRUNK_DIGEST hex characters of the shrunk block spec's digest (runner.ts specDigest). */
  readonly digest: string;
  readonly capped?: 'attempts' | 'time';
}

export const SHRUNK_DIGEST = 12;
const CAPPED: Readonly<Record<NonNullable<Shrunk['capped']>, string>> = { attempts: 'a', time: 't' };

function shrunkText(s: Shrunk): string {
  return `${s.digest}${s.capped ? CAPPED[s.capped] : ''}`;
}

function shrunkOf(text: string): Shrunk {
  const mark = text.slice(SHRUNK_DIGEST);
  const capped = (Object.keys(CAPPED) as NonNullable<Shrunk['capped']>[]).find((k) => CAPPED[k] === mark);
  return { digest: text.slice(0, SHRUNK_DIGEST), ...(capped ? { capped } : {}) };
}

const SHRUNK = new RegExp(`^[0-9a-f]{${SHRUNK_DIGEST}}[at]?$`);

/** minimized as a short word: each step's attempt as base-36 gap from the previous kept attempt, with "-k" for alternative k, joined by dots. */
function traceText(steps: readonly ShrinkStep[]): string {
  let previous = -1;
  return steps.map(([attempt, alternative]) => {
    const gap = attempt - previous - 1;
    previous = attempt;
    return `${gap.toString(36)}${alternative > 0 ? `-${alternative}` : ''}`;
  }).join('.');
}

const TRACE = /^(?:[0-9a-z]+(?:-[1-9]\d*)?(?:\.[0-9a-z]+(?:-[1-9]\d*)?)*)?$/;

function traceSteps(text: string): ShrinkStep[] {
  if (text === '') return [];
  let previous = -1;
  return text.split('.').map((item) => {
    const [gap, alternative] = item.split('-');
    previous += parseInt(gap!, 36) + 1;
    return [previous, alternative === undefined ? 0 : Number(alternative)] as const;
  });
}

export class ReplayTokenError extends Error {}

/** A token that decodes to no run, or that rebuilds another run than its own: `cause`, what found it, if anything threw. */
export function damagedToken(cause?: unknown): ReplayTokenError {
  return new ReplayTokenError('--replay: the token is damaged (copy it whole, it is one word)', cause === undefined ? undefined : { cause });
}

export function encodeToken(t: ReplayToken): string {
  const mark = t.failsOnly ? FAILS_ONLY.indexOf(t.failsOnly) + 1 : 0;
  const tail = t.minimized ? [mark, traceText(t.minimized), ...(t.shrunk ? [shrunkText(t.shrunk)] : [])] : mark > 0 ? [mark] : [];
  const body = JSON.stringify([t.executor, t.check, t.minTxs, t.maxTxs, t.seed, t.path, ...tail]);
  return TOKEN_PREFIX + Buffer.from(body, 'utf8').toString('base64url');
}

export function decodeToken(token: string): ReplayToken {
  if (!token.startsWith(TOKEN_PREFIX)) throw new ReplayTokenError(`--replay: "${token.slice(0, 24)}" is not a replay token (they start with ${TOKEN_PREFIX})`);
  const body = token.slice(TOKEN_PREFIX.length);
  const bytes = Buffer.from(body, 'base64url');
  // Node's decoder skips characters it cannot read and stops at padding: a token with a few
  // characters more or changed would decode to the original and replay as if whole.
  if (bytes.toString('base64url') !== body) throw damagedToken();
  let parts: unknown;
  try {
    parts = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw damagedToken();
  }
  // A seventh element gives FailsOnly (tokens made before it have six; 0, none, only beside an
  // eighth), an eighth the minimize() steps and a ninth the shrunk block's digest (tokens made
  // before them have six or seven).
  const mark = (m: unknown, least: number) => Number.isSafeInteger(m) && (m as number) >= least && (m as number) <= FAILS_ONLY.length;
  const text = (v: unknown, pattern: RegExp) => typeof v === 'string' && pattern.test(v);
  const ok = Array.isArray(parts)
    && (parts.length === 6 || (parts.length === 7 && mark(parts[6], 1))
      || ((parts.length === 8 || parts.length === 9) && mark(parts[6], 0) && text(parts[7], TRACE) && (parts.length === 8 || text(parts[8], SHRUNK))))
    && typeof parts[0] === 'string' && parts[0].length > 0
    && CHECKS.includes(parts[1] as CheckName)
    && Number.isSafeInteger(parts[2]) && (parts[2] as number) > 0
    && Number.isSafeInteger(parts[3]) && (parts[3] as number) >= (parts[2] as number)
    && Number.isSafeInteger(parts[4])
    && typeof parts[5] === 'string' && /^\d+(:\d+)*$/.test(parts[5]);
  if (!ok) throw damagedToken();
  const [executor, check, minTxs, maxTxs, seed, path, failsOnly, trace, shrunk] = parts as [string, CheckName, number, number, number, string, number?, string?, string?];
  const minimized = trace === undefined ? undefined : traceSteps(trace);
  // A gap too long to count exactly is damage; one that is merely past the shrinker's cap rebuilds
  // too few steps, which the replay reports as damage too.
  if (minimized?.some(([attempt]) => !Number.isSafeInteger(attempt))) throw damagedToken();
  return {
    executor, check, minTxs, maxTxs, seed, path, ...(failsOnly ? { failsOnly: FAILS_ONLY[failsOnly - 1]! } : {}),
    ...(minimized ? { minimized } : {}), ...(shrunk === undefined ? {} : { shrunk: shrunkOf(shrunk) }),
  };
}

/**
 * The one command that reproduces a failure: `concord verify --replay`, or for an executor only the
 * vitest helper holds, the helper's own replay option, called in the test with that executor.
 */
export function replayCommand(t: ReplayToken, timeoutMs?: number): string {
  const token = encodeToken(t);
  // A replay of a hang keeps the call limit it hung under, in each caller's unit.
  if (t.executor.startsWith(HELPER_PREFIX)) return `verifyExecutor(executor, { replay: '${token}'${timeoutMs === undefined ? '' : `, timeout: ${timeoutMs}`} })`;
  // A token is pasted from logs and issues: it never starts a command by itself (cli/verify.ts), so the command is given beside it.
  const engine = isExecCommand(t.executor) ? ` --executor ${shellWord(t.executor)}` : '';
  return `${CONCORD} verify --replay ${token}${engine}${timeoutMs === undefined ? '' : ` --timeout ${timeoutMs / 1000}`}`;
}

/** `s` as one shell word: quoted when it holds anything but plain path characters (a space, say). */
export function shellWord(s: string): string {
  return /^[\w./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
