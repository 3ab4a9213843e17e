// Replay tokens: everything `concord verify --replay TOKEN` needs to rerun one failing check on one
// counterexample, as a single shell-safe word. A token names the executor, the check, the check's
// generation settings, fast-check's seed and shrink path, the changes minimize() kept after
// fast-check (by attempt number, with the schedule each failed under) and a digest of the run they
// led to; regenerating with them yields the same shrunk block (and thread count or schedule) bit for
// bit without running a candidate, and the digest proves it, so a replay runs the reported block,
// under the reported settings, and nothing else, even for an executor whose results vary from run to
// run. It also says when the counterexample failed only after the blocks run before it on the same
// executor instance, which no replay runs again, or only sometimes: then a replay that passes does
// not mean the failure is gone.
// Tokens of version 1 (cv1_) still replay, as CI logs hold them: their digest, where they have one,
// covers the shrunk block alone, so one with a step of its path removed by hand could rebuild that
// block at another thread count and replay it as the failure. Version 2 (cv2_) digests the whole
// run and every field a replay reads but the executor. Version 3 (cv3_) is
// version 2 for checks that also draw how each block's pre-state is handed over (a Map or a
// SharedState, equivalence.ts drawsPreStateKind): a cv1_ or cv2_ token replays with the inputs the
// checks drew before, where every pre-state is a Map. Version 4 (cv4_) is
// version 3 for checks whose blocks' pre-states also set the contracts' counters (supply, nfts,
// round, treasury, handoffs; arbitraries.ts BlockArbOptions.contractState) and whose modular
// interleavings run mixed blocks. Version 5 (cv5_) is version 4 with the
// settings the executor was made with (--modules, --partition; absent: none), which its digest
// covers, and modular interleavings whose schedules also draw the partition (hash before). Version
// 6 (cv6_) is version 5 whose lying-footprints blocks also draw the 'stray' lie (footprint-lies.ts).
// Version 7 (cv7_) is version 6 whose big blocks, lying-footprints blocks and
// modular interleavings also draw the shapes that reach the executors' size gates (arbitraries.ts
// BlockArbOptions.shapes, footprint-lies.ts, simulated.ts ScheduleSpec.planChunk): each token replays with the inputs of its version (CheckDef.inputs'
// `version`). A cv5_ or later token of a run
// given thread counts (verify --threads, thread-counts.ts) holds them in that same element, since
// the checks drew from them and a replay must draw alike; its digest covers them. A token of a run
// without them is what it was before they existed, so every token made before replays as it did.
// So too a cv7_ token of a run given --programs (properties/programs.ts): the contract names its
// checks drew calls of alone are in that element (`programs`), covered by its digest, and its
// replay draws, and shrinks, within them again; no older version holds them.
// Version 8 (cv8_), what Concord makes, is version 7 that names what its failure was (FailureKind:
// a wrong result by its anomaly, a throw, an engine fault, a hang, a broken protocol rule) in that
// element (`failure`), covered by its digest: a replay whose block fails otherwise says so, not
// "reproduced" (report.ts failedOtherwise). A token of an older version holds no kind, and its
// replay calls any failure of its block reproduced, save a hang's ('h' below), as it did.
// Likewise a cv5_ or later token of an executor made with a placement file (verify --placement) names it in
// that element by the first PLACEMENT_DIGEST hex digits of the file's sha256 (which results
// record, and `run` prints), covered by its digest: a replay given another file, or none, would run
// another executor than the failure's, and is refused. A cv6_ token without one was made without a
// placement (every Concord that made cv6_ named them), and a file given to it is refused; a cv5_ one
// may be of before: given a file, it replays as it always did, and says so (cli/verify.ts).
// A sealed token's digest is followed by a mark of what stopped its shrinking early, if anything
// did: 'a' minimize()'s cap on tries, 't' --time-limit, 'h' the cap on a hang's shrinking, which
// tokens made before that mark gave 't' (they replay as they did, saying --time-limit).
// Invariant: decodeToken(encodeToken(t)) deep-equals t, and decodeToken rejects anything it did
// not produce with a ReplayTokenError naming the problem (never a crash); a cv2_ to cv8_ token always has
// its digest, which a replay checks before it runs anything.

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { isExecCommand } from '../impl/exec-executor.js';
import type { ExecutorSettings } from '../impl/registry.js';
import { concordCommand, shellWord } from './printed-command.js';
import { sameThreadCounts, sortedThreadCounts, threadCountsProblem } from './thread-counts.js';
import { programsProblem, type Programs } from './programs.js';
import { ELLE, type AnomalyName } from './explain.js';

/** How a token of each version begins: Concord makes version 8, and reads them all. */
const PREFIXES = { 1: 'cv1_', 2: 'cv2_', 3: 'cv3_', 4: 'cv4_', 5: 'cv5_', 6: 'cv6_', 7: 'cv7_', 8: 'cv8_' } as const;
/** The versions of tokens, oldest first; the last is the one Concord makes. */
export type TokenVersion = keyof typeof PREFIXES;
export const TOKEN_VERSION = 8;

/**
 * The settings an executor under test is made with beyond threads (`concord verify --modules
 * --partition --placement`, the helper's `settings`), as far as it takes them (subjects.ts
 * executorSource): a failure reproduces only on an executor made alike. A token carries the
 * module count and the partition; a placement, a table of thousands of entities, it cannot: the
 * command lines name its file (`--placement FILE`), a replay is given it again, and the token
 * names it by its file's digest (TokenFields.placement) to refuse another.
 */
export type PartitionSettings = Readonly<Pick<ExecutorSettings, 'modules' | 'partition' | 'placement'>>;

/** `s` as the options that give it ("--modules 4 --partition range", "... --placement p.json"); '' for none. */
export function settingsText(s: PartitionSettings | undefined): string {
  return [
    s?.modules === undefined ? '' : `--modules ${s.modules}`, s?.partition === undefined ? '' : `--partition ${shellWord(s.partition)}`,
    s?.placement?.file === undefined ? '' : `--placement ${shellWord(s.placement.file)}`,
  ].filter(Boolean).join(' ');
}

/** `s` in words any caller's options read ("modules 4, partition range"; "its defaults" for none). */
export function settingsWords(s: PartitionSettings | undefined): string {
  return [s?.modules === undefined ? '' : `modules ${s.modules}`, s?.partition === undefined ? '' : `partition ${s.partition}`, s?.placement?.file === undefined ? '' : `placement ${s.placement.file}`]
    .filter(Boolean).join(', ') || 'its defaults';
}

/** `s` as a JSON object holds it: a placement by its file. */
export function settingsJson(s: PartitionSettings): object {
  const { placement, ...rest } = s;
  return { ...rest, ...(placement?.file === undefined ? {} : { placement: placement.file }) };
}

/** Of `s`, what a token carries: the module count and the partition. */
function tokenSettings(s: PartitionSettings): PartitionSettings {
  return { ...(s.modules === undefined ? {} : { modules: s.modules }), ...(s.partition === undefined ? {} : { partition: s.partition }) };
}

/** Whether two settings make the same executor (absent and {} alike). */
export function sameSettings(a: PartitionSettings | undefined, b: PartitionSettings | undefined): boolean {
  return a?.modules === b?.modules && a?.partition === b?.partition;
}
/**
 * How a token names an executor the vitest helper was given as an object or a factory: no command
 * can build it, so its failures replay only through the helper, in the test that found them.
 */
export const HELPER_PREFIX = 'test:';
/** How a token and a report name a planted bug of the catalogue (planted.ts). */
export const PLANTED_PREFIX = 'planted:';

export type CheckName = 'equivalence' | 'vm-corners' | 'determinism' | 'big-blocks' | 'empty-block' | 'interleaving' | 'exhaustive' | 'lying-footprints';
export const CHECKS: readonly CheckName[] = ['equivalence', 'vm-corners', 'determinism', 'big-blocks', 'empty-block', 'interleaving', 'exhaustive', 'lying-footprints'];

/**
 * Why rerunning a counterexample alone may pass (runner.ts howItFails): on fresh instances it passed
 * alone and failed after the blocks run before it, every time ('after earlier blocks': state kept
 * between blocks), or its reruns gave different outcomes, or none failed ('sometimes': a race, or
 * state kept from blocks older than those it was rerun after).
 */
export type FailsOnly = 'after earlier blocks' | 'sometimes';
/** In a token, FailsOnly is its index here plus one. */
const FAILS_ONLY: readonly FailsOnly[] = ['after earlier blocks', 'sometimes'];

/** What every token names: the run's executor, check, generation settings, seed and path, and why it may pass alone. */
export interface TokenFields {
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
  /** The settings the executor was made with (cv5_ on); absent: none, its defaults. */
  readonly settings?: PartitionSettings;
  /** The thread counts the checks drew from (Subject.threadCounts: cv5_ on); absent: each check's own. */
  readonly threadCounts?: readonly number[];
  /**
   * The placement file the executor was made with, by the first PLACEMENT_DIGEST hex digits of its
   * sha256 (cv5_ on; sealToken takes it from `settings`); absent: none, or a token made before tokens named them.
   */
  readonly placement?: string;
  /** The library contracts the checks drew calls of alone (Subject.programs: cv7_ on); absent: every program kind. */
  readonly programs?: Programs;
  /** What the failure was (cv8_; sealToken drops it from older versions); absent: unknown, any failure of the block reproduces it. */
  readonly failure?: FailureKind;
}

/** The first version whose tokens name their failure's kind. */
export const FAILURE_VERSION = 8;

/**
 * What a failure was, as coarsely as the same bug fails alike from run to run: a wrong result by
 * its anomaly alone (a lost write at another key or transaction is the same bug), or 'wrong result'
 * where no anomaly was named; a throw (an error, an engine's exit mid-block); an exec: engine's
 * fault whatever the block (an error answer, an end before its first answer: impl/exec-executor.ts
 * engineFault); a hang past the call's bound; a rule of concord-exec/1 broken.
 */
export type FailureKind = 'hang' | 'protocol' | 'engine fault' | 'threw' | 'wrong result' | `wrong result: ${AnomalyName}`;

/** What failureKindOf reads of a failure (equivalence.ts Failure). */
export interface FailureSeen {
  readonly protocol?: string;
  readonly hung?: number;
  readonly engineFault?: string;
  readonly error?: string;
  readonly explanation?: { readonly anomaly: AnomalyName };
}

/** The kind of `f`: a broken rule and a hang come with an error, which they explain, and an engine fault is one. */
export function failureKindOf(f: FailureSeen): FailureKind {
  if (f.protocol !== undefined) return 'protocol';
  if (f.hung !== undefined) return 'hang';
  if (f.engineFault !== undefined) return 'engine fault';
  if (f.error !== undefined) return 'threw';
  return f.explanation ? `wrong result: ${f.explanation.anomaly}` : 'wrong result';
}

/** Whether `k` is a FailureKind (a token's, read back). */
function isFailureKind(k: unknown): k is FailureKind {
  if (typeof k !== 'string') return false;
  const anomaly = /^wrong result: (.+)$/.exec(k)?.[1];
  return ['hang', 'protocol', 'engine fault', 'threw', 'wrong result'].includes(k) || (anomaly !== undefined && Object.hasOwn(ELLE, anomaly));
}

/**
 * Whether a replay that failed as `replayed` failed as the token's `found`: the same kind, where a
 * wrong result without a named anomaly is the same as any wrong result, and with `race` (a failure
 * that came only sometimes) any wrong result is: a race on one block may lose a write on one run
 * and read a stale value on the next.
 */
export function sameFailureKind(found: FailureKind, replayed: FailureKind, race = false): boolean {
  if (found === replayed) return true;
  const wrong = (k: FailureKind) => k.startsWith('wrong result');
  return wrong(found) && wrong(replayed) && (race || found === 'wrong result' || replayed === 'wrong result');
}

/** `k` in words ("a lost write (a wrong result)", "a hang"). */
export function failureKindWords(k: FailureKind): string {
  const anomaly = /^wrong result: (.+)$/.exec(k)?.[1];
  if (anomaly !== undefined) return `${/^[aeiou]/.test(anomaly) ? 'an' : 'a'} ${anomaly} (a wrong result)`;
  const words: Readonly<Record<string, string>> = {
    'wrong result': 'a wrong result', threw: 'a throw (an error from the executor)', 'engine fault': 'an engine fault (an error answer or an end before its first answer, whatever the block)',
    hang: 'a hang', protocol: 'a broken rule of concord-exec/1',
  };
  return words[k]!;
}

/** The first version whose tokens may hold `programs`. */
export const PROGRAMS_VERSION = 7;

/** A token of the version Concord makes (cv8_), or of one before since cv2_: sealed by a digest of the run it rebuilds (sealToken). */
export interface SealedToken extends TokenFields {
  readonly version: 2 | 3 | 4 | 5 | 6 | 7 | 8;
  /**
   * The steps minimize() kept after fast-check's shrinking: for each, the number of the attempt
   * (0 for its first) and the index of the check's input alternative it failed under (0: the
   * failure's own). None for a run that was not shrunk (a hung one): the replay runs it as generated.
   */
  readonly minimized: readonly ShrinkStep[];
  /**
   * The digest of the run the replay rebuilds (runDigest), which it must match, and what stopped
   * the shrinking early, if anything did (the replay, which tries no candidate, cannot know).
   */
  readonly shrunk: Shrunk;
}

/** A token of version 1 (cv1_), read from the logs that hold them, and printed back as it was. */
export interface TokenV1 extends TokenFields {
  readonly version: 1;
  /** As SealedToken's; absent in tokens made before it was recorded: their replay shrinks again. */
  readonly minimized?: readonly ShrinkStep[];
  /** Beside `minimized` (absent in tokens made before it): a digest of the shrunk block alone (blockDigest), and what stopped the shrinking. */
  readonly shrunk?: Shrunk;
}

export type ReplayToken = SealedToken | TokenV1;

export type ShrinkStep = readonly [attempt: number, alternative: number];

/**
 * What stopped a shrinking with changes left untried: minimize()'s cap on tries, --time-limit, or
 * the cap on a hang's shrinking (hang-bound.ts), which tokens made before it had marked as the time
 * limit: they still replay, and say so.
 */
export type ShrinkCap = 'attempts' | 'time' | 'hang';

export interface Shrunk {
  /** SHRUNK_DIGEST hex characters: runDigest's (cv2_ to cv8_), blockDigest's (cv1_). */
  readonly digest: string;
  readonly capped?: ShrinkCap;
}

export const SHRUNK_DIGEST = 12;
/** Hex digits of a placement file's sha256 a token keeps: as many as `concord run` shows of it. */
export const PLACEMENT_DIGEST = 12;

/** How a token names the placement of `s`, a placement file's (Placement.sha256); undefined for none, or one no file holds. */
function placementDigest(s: PartitionSettings | undefined): string | undefined {
  return s?.placement?.sha256?.slice(0, PLACEMENT_DIGEST);
}

/** SHRUNK_DIGEST hex digits of the sha256 of `value` as JSON. */
function digestOf(value: unknown): string {
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify(value)))).slice(0, SHRUNK_DIGEST);
}

/** A cv1_ token's digest: of the shrunk block spec alone. */
export function blockDigest(spec: unknown): string {
  return digestOf(spec);
}

/**
 * A cv2_ to cv8_ token's digest: of `input`, the run the replay rebuilds (the shrunk block spec and the
 * check's settings after it: the thread count, the schedule, the pre-state kind since cv3_), and of every field a replay reads
 * but the executor, which names what the run is given to and comes from the caller anyway (the
 * helper's own executor; --executor for an engine command). The executor's settings are covered
 * where a token has them, so a token made before them keeps its digest, and one whose settings
 * were cut out by hand replays nothing.
 */
export function runDigest(t: Omit<SealedToken, 'version' | 'executor' | 'shrunk'>, capped: Shrunk['capped'], input: readonly unknown[]): string {
  // Settings that are none ({}) are no token field (encodeToken leaves them out): no digest part either.
  const settings = settingsText(t.settings) ? [[t.settings!.modules ?? null, t.settings!.partition ?? null]] : [];
  const threads = t.threadCounts ? [{ threads: t.threadCounts }] : [];
  const placement = t.placement === undefined ? [] : [{ placement: t.placement }];
  const programs = t.programs ? [{ programs: t.programs }] : [];
  const failure = t.failure === undefined ? [] : [{ failure: t.failure }];
  return digestOf([t.check, t.minTxs, t.maxTxs, t.seed, t.path, t.failsOnly ?? null, traceText(t.minimized), capped ?? null, input, ...settings, ...threads, ...placement, ...programs, ...failure]);
}

/**
 * `fields` as a cv8_ token (or of `version`) of the run `input`, which `minimized` rebuilds from the
 * case at the path; naming the placement file its settings hold, if any, and its failure's kind
 * only from FAILURE_VERSION (an older token replayed is printed as it was).
 */
export function sealToken(fields: TokenFields, minimized: readonly ShrinkStep[], capped: Shrunk['capped'], input: readonly unknown[], version: SealedToken['version'] = TOKEN_VERSION): SealedToken {
  const placement = placementDigest(fields.settings);
  const { failure, ...rest } = fields;
  const t = { ...rest, ...(placement === undefined ? {} : { placement }), ...(failure !== undefined && version >= FAILURE_VERSION ? { failure } : {}), minimized };
  return { ...t, version, shrunk: { digest: runDigest(t, capped, input), ...(capped ? { capped } : {}) } };
}

/** Whether the run a replay rebuilt from `t` is the one `t` was made of: a cv1_ token without a digest cannot say, and passes. */
export function digestMatches(t: ReplayToken, input: readonly [unknown, ...unknown[]]): boolean {
  if (t.version !== 1) return t.shrunk.digest === runDigest(t, t.shrunk.capped, input);
  return t.shrunk === undefined || t.shrunk.digest === blockDigest(input[0]);
}
/** A token's mark of each cap after its digest. */
const CAPPED: Readonly<Record<ShrinkCap, string>> = { attempts: 'a', time: 't', hang: 'h' };

function shrunkText(s: Shrunk): string {
  return `${s.digest}${s.capped ? CAPPED[s.capped] : ''}`;
}

function shrunkOf(text: string): Shrunk {
  const mark = text.slice(SHRUNK_DIGEST);
  const capped = (Object.keys(CAPPED) as ShrinkCap[]).find((k) => CAPPED[k] === mark);
  return { digest: text.slice(0, SHRUNK_DIGEST), ...(capped ? { capped } : {}) };
}

const SHRUNK = new RegExp(`^[0-9a-f]{${SHRUNK_DIGEST}}[${Object.values(CAPPED).join('')}]?$`);

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

export class ReplayTokenError extends Error {
  static {
    this.prototype.name = 'ReplayTokenError';
  }
}

/** A token that decodes to no run, or that rebuilds another run than its own: `cause`, what found it, if anything threw. */
export function damagedToken(cause?: unknown): ReplayTokenError {
  return new ReplayTokenError('--replay: the token is damaged (copy it whole, it is one word)', cause === undefined ? undefined : { cause });
}

/**
 * A token as one word: its prefix, then its fields as a JSON array in base64url (a cv2_ to cv8_ one
 * has all nine, a cv5_ or later one its settings and thread counts tenth, where it has either).
 */
export function encodeToken(t: ReplayToken): string {
  const mark = t.failsOnly ? FAILS_ONLY.indexOf(t.failsOnly) + 1 : 0;
  const made = t.settings ? tokenSettings(t.settings) : {};
  const run = {
    ...made, ...(t.placement === undefined ? {} : { placement: t.placement }), ...(t.threadCounts ? { threads: t.threadCounts } : {}), ...(t.programs ? { programs: t.programs } : {}),
    ...(t.failure === undefined ? {} : { failure: t.failure }),
  };
  const settings = Object.keys(run).length > 0 ? [run] : [];
  const tail = t.minimized ? [mark, traceText(t.minimized), ...(t.shrunk ? [shrunkText(t.shrunk), ...settings] : [])] : mark > 0 ? [mark] : [];
  const body = JSON.stringify([t.executor, t.check, t.minTxs, t.maxTxs, t.seed, t.path, ...tail]);
  return PREFIXES[t.version] + Buffer.from(body, 'utf8').toString('base64url');
}

/** What a message says tokens start with. */
export const TOKEN_STARTS = `${PREFIXES[8]}, or ${PREFIXES[7]}, ${PREFIXES[6]}, ${PREFIXES[5]}, ${PREFIXES[4]}, ${PREFIXES[3]}, ${PREFIXES[2]} or ${PREFIXES[1]} for older ones`;

const PLACEMENT = new RegExp(`^[0-9a-f]{${PLACEMENT_DIGEST}}$`);

/**
 * A cv5_ or later token's tenth element: an object of a module count, a partition name, a placement
 * file's digest (only beside a module count and partition affinity, as verify makes a placement's
 * executor), thread counts (ascending, each once), in a token of PROGRAMS_VERSION on a contract
 * subset (programs.ts), one at least, and in one of FAILURE_VERSION on a FailureKind, or undefined
 * for anything else.
 */
function settingsOf(v: unknown, version: TokenVersion): { settings?: PartitionSettings; threadCounts?: readonly number[]; placement?: string; programs?: Programs; failure?: FailureKind } | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const { modules, partition, placement, threads, programs, failure, ...rest } = v as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || (modules === undefined && partition === undefined && threads === undefined && programs === undefined && failure === undefined)) return undefined;
  if (programs !== undefined && (version < PROGRAMS_VERSION || programsProblem(programs) !== null)) return undefined;
  if (failure !== undefined && (version < FAILURE_VERSION || !isFailureKind(failure))) return undefined;
  if (modules !== undefined && !(Number.isSafeInteger(modules) && (modules as number) >= 1)) return undefined;
  if (partition !== undefined && !(typeof partition === 'string' && partition !== '')) return undefined;
  if (placement !== undefined && !(typeof placement === 'string' && PLACEMENT.test(placement) && modules !== undefined && partition === 'affinity')) return undefined;
  // Any count the token's run could have had: whether this machine can run it is the replay's to say.
  if (threads !== undefined && (threadCountsProblem(threads, Number.MAX_SAFE_INTEGER) !== null
    || !sameThreadCounts(threads as number[], sortedThreadCounts(threads as number[])))) return undefined;
  const settings = { ...(modules === undefined ? {} : { modules: modules as number }), ...(partition === undefined ? {} : { partition: partition as string }) };
  return {
    ...(Object.keys(settings).length ? { settings } : {}), ...(threads === undefined ? {} : { threadCounts: threads as number[] }), ...(placement === undefined ? {} : { placement: placement as string }),
    ...(programs === undefined ? {} : { programs: programs as string[] }), ...(failure === undefined ? {} : { failure }),
  };
}

export function decodeToken(token: string): ReplayToken {
  const version = ([8, 7, 6, 5, 4, 3, 2, 1] as const).find((v) => token.startsWith(PREFIXES[v]));
  if (version === undefined) throw new ReplayTokenError(`--replay: "${token.slice(0, 24)}" is not a replay token (they start with ${TOKEN_STARTS})`);
  const body = token.slice(PREFIXES[version].length);
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
  // A seventh element gives FailsOnly (0: none), an eighth the minimize() steps and a ninth the
  // digest: a cv2_ to cv8_ token has all nine, since one without its digest could not be checked,
  // and a cv5_ or later one a tenth, its settings (a cv8_ one's with its failure's kind), where it has any. A cv1_ token made before them
  // has six, or seven (a FailsOnly, not 0), or eight (no digest yet).
  const mark = (m: unknown, least: number) => Number.isSafeInteger(m) && (m as number) >= least && (m as number) <= FAILS_ONLY.length;
  const text = (v: unknown, pattern: RegExp) => typeof v === 'string' && pattern.test(v);
  const shrinkTail = (p: unknown[]) => mark(p[6], 0) && text(p[7], TRACE) && (p.length === 8 || text(p[8], SHRUNK));
  const ok = Array.isArray(parts)
    && (version !== 1 ? (parts.length === 9 || (version >= 5 && parts.length === 10 && settingsOf(parts[9], version) !== undefined)) && shrinkTail(parts)
      : parts.length === 6 || (parts.length === 7 && mark(parts[6], 1)) || ((parts.length === 8 || parts.length === 9) && shrinkTail(parts)))
    && typeof parts[0] === 'string' && parts[0].length > 0
    && typeof parts[1] === 'string'
    && Number.isSafeInteger(parts[2]) && (parts[2] as number) >= 0
    && Number.isSafeInteger(parts[3]) && (parts[3] as number) >= (parts[2] as number)
    && Number.isSafeInteger(parts[4])
    && typeof parts[5] === 'string' && /^\d+(:\d+)*$/.test(parts[5]);
  if (!ok) throw damagedToken();
  const [executor, check, minTxs, maxTxs, seed, path, failsOnly, trace, shrunk, given] = parts as [string, CheckName, number, number, number, string, number?, string?, string?, unknown?];
  // Whole, but of a check this Concord lacks (a check added after it); a name no check could have is damage.
  if (!CHECKS.includes(check)) {
    if (!/^[a-z][a-z-]*$/.test(check)) throw damagedToken();
    throw new ReplayTokenError(`--replay: the token is of a check this version of Concord does not have (${JSON.stringify(check)}; it has ${CHECKS.join(', ')}): replay it with the version that printed it`);
  }
  const minimized = trace === undefined ? undefined : traceSteps(trace);
  // A gap too long to count exactly is damage; one that is merely past the shrinker's cap rebuilds
  // too few steps, which the replay reports as damage too.
  if (minimized?.some(([attempt]) => !Number.isSafeInteger(attempt))) throw damagedToken();
  const { settings, threadCounts, placement, programs, failure } = given === undefined ? {} : settingsOf(given, version)!;
  const fields: TokenFields = {
    executor, check, minTxs, maxTxs, seed, path, ...(failsOnly ? { failsOnly: FAILS_ONLY[failsOnly - 1]! } : {}), ...(settings ? { settings } : {}), ...(threadCounts ? { threadCounts } : {}),
    ...(placement === undefined ? {} : { placement }), ...(programs ? { programs } : {}), ...(failure === undefined ? {} : { failure }),
  };
  if (version !== 1) return { ...fields, version, minimized: minimized!, shrunk: shrunkOf(shrunk!) };
  return { ...fields, version, ...(minimized ? { minimized } : {}), ...(shrunk === undefined ? {} : { shrunk: shrunkOf(shrunk) }) };
}

/**
 * The runs a replay of a failure that comes and goes (failsOnly 'sometimes') is given: enough to see
 * again, with odds of SOMETIMES_ODDS, a failure that comes once in 1 / SOMETIMES_RATE runs of its
 * block. Verify calls it 'sometimes' having seen it fail in as few as 1 of the 3 runs it made of the
 * block (found, then passing alone and after earlier blocks: runner.ts howItFails), but a failure
 * found among thousands of blocks may come more rarely than that: the rate assumed leaves room for
 * it. A replay stops at the first failure, so the runs cost time only where the failure is gone.
 */
const SOMETIMES_ODDS = 0.99;
const SOMETIMES_RATE = 1 / 20;
export const SOMETIMES_REPEAT = Math.ceil(Math.log(1 - SOMETIMES_ODDS) / Math.log(1 - SOMETIMES_RATE));

/** Why a replay command of a failure that comes and goes carries --repeat (`option`: as its caller names it, `--repeat 90`). */
export function sometimesRepeatText(option: string): string {
  return `${option}: it failed only sometimes, and ${SOMETIMES_REPEAT} runs see again, with odds of ${SOMETIMES_ODDS * 100}%, `
    + `a failure that comes once in ${Math.round(1 / SOMETIMES_RATE)} runs of its block`;
}

/**
 * The one command that reproduces a failure: `concord verify --replay`, or for an executor only the
 * vitest helper holds, the helper's own replay option, called in the test with that executor. A
 * failure that comes and goes gets SOMETIMES_REPEAT runs (`--repeat`, the helper's `repeat`): one
 * run alone would pass most times, and say nothing.
 */
export function replayCommand(t: ReplayToken, timeoutMs?: number, outDir?: string): string {
  const token = encodeToken(t);
  const sometimes = t.failsOnly === 'sometimes';
  // A replay of a hang keeps the call limit it hung under, in each caller's unit.
  if (t.executor.startsWith(HELPER_PREFIX)) {
    return `verifyExecutor(executor, { replay: '${token}'${sometimes ? `, repeat: ${SOMETIMES_REPEAT}` : ''}${timeoutMs === undefined ? '' : `, timeout: ${timeoutMs}`} })`;
  }
  // A token is pasted from logs and issues: it never starts a command by itself (cli/verify.ts), so the command is given beside it.
  const engine = isExecCommand(t.executor) ? ` --executor ${shellWord(t.executor)}` : '';
  // The failing run's --out: where its block files are, which the replay names (an earlier-blocks file).
  const out = outDir === undefined || outDir === DEFAULT_VERIFY_OUT ? '' : ` --out ${shellWord(outDir)}`;
  // The placement file the executor was made with, which a token names only by its digest.
  const placement = t.settings?.placement?.file === undefined ? '' : ` --placement ${shellWord(t.settings.placement.file)}`;
  const repeat = sometimes ? ` --repeat ${SOMETIMES_REPEAT}` : '';
  return `${concordCommand()} verify --replay ${token}${engine}${placement}${repeat}${timeoutMs === undefined ? '' : ` --timeout ${timeoutMs / 1000}`}${out}`;
}

/** Where `concord verify` writes its failing blocks without --out. */
export const DEFAULT_VERIFY_OUT = 'concord-out/verify';
