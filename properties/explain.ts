// The mismatch explainer: compares a result with the reference's in full (state root, state,
// receipts, receipts root, every transaction's reads) and, when they differ, names what went wrong
// the way Jepsen's Elle names anomalies: the first diverging transaction and key, expected vs
// actual value, which version the bad read came from and which it should have come from, and the
// anomaly's name. With the block order fixed, every read has exactly one correct source (the
// highest lower transaction that wrote the key), so no dependency-cycle search is needed.
// Invariant: sameResult(a, b) is true exactly when explain() finds no divergence; transactions
// before the reported one read exactly what the reference read, so their writes were right.

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ExecEngineError } from '../impl/exec-executor.js';
import { STATUSES, statsProblem, type Block, type BlockResult, type Receipt, type ReadSet, type Status } from '../spec/block.js';
import { keyName } from '../spec/contracts.js';
import { executeReference } from '../spec/reference.js';
import { describeValue, oneLine } from '../spec/messages.js';
import { OP, WIDTH } from '../spec/bytecode.js';
import { FAULT_NAMES, isKey, isValue, MAX_VALUE, MIN_VALUE } from '../spec/values.js';
import { newOutcome, runTransaction, TxStatus } from '../spec/vm.js';
import { footprintEscape, footprintEscapeText } from './footprint-escape.js';
import { missedEdge } from './missed-edge.js';
import { PRE_STATE, replayTx, replayWrites, traceReference, valueBefore, type ReferenceTrace } from './trace.js';

export type AnomalyName =
  | 'stale read'
  | 'read of a later transaction'
  | 'read of an aborted incarnation'
  | 'read of an earlier block'
  | 'read-your-write violation'
  | 'wrong read set'
  | 'wrong receipt'
  | 'lost write'
  | 'wrong final value'
  | 'wrong root'
  | 'wrong gas total'
  | 'malformed result'
  | 'changed input'
  | 'no progress'
  | 'invariant violated'
  | 'wrong undeclared report';

/** Elle's nearest class for each anomaly, for readers who know that vocabulary. */
export const ELLE: Readonly<Record<AnomalyName, string>> = {
  'stale read': 'G-single (a read missed a write ordered before it: an anti-dependency against the block order)',
  'read of a later transaction': 'G1c (information flowed from a later transaction to an earlier one: a cycle with the block order)',
  'read of an aborted incarnation': 'G1a (aborted read)',
  'read of an earlier block': 'state kept between blocks (no transaction of this block wrote the value)',
  'read-your-write violation': 'internal (a read that does not reflect the transaction\'s own earlier write)',
  'wrong read set': 'reported reads the program cannot have made',
  'wrong receipt': 'reads matched, the receipt did not',
  'lost write': 'P4 lost update (a committed write is missing from the final state)',
  'wrong final value': 'G1a-like (the final value comes from no committed write: an aborted, misdirected or miscomputed one)',
  'wrong root': 'roots disagree with the content they summarise',
  'wrong gas total': 'the block total disagrees with the receipts it sums',
  'malformed result': 'not a well-formed BlockResult (a field missing, or not the kind of number it holds)',
  'changed input': 'the executor wrote to the block it was given',
  'no progress': 'liveness: deadlock, lost wake-up or livelock',
  'invariant violated': 'the run reached a state the algorithm forbids',
  'wrong undeclared report': 'a right result whose report of accesses outside the declared footprints is not the reference execution\'s',
};

/** A version of a key: the write of one transaction's incarnation, or the pre-state (tx = PRE_STATE). */
export interface Version {
  readonly tx: number;
  readonly incarnation?: number;
}

/** What a simulated run knows beyond the BlockResult; every field is optional. */
export interface Provenance {
  /** The version the final incarnation of `tx` read `key` from. */
  readFrom?(tx: number, key: number): Version | undefined;
  /** The final (committed) incarnation of `tx`. */
  finalIncarnation?(tx: number): number | undefined;
  /** Every incarnation that wrote `value` to `key`, committed or aborted. */
  writersOf?(key: number, value: number): readonly Version[];
  /** The interleaving that produced the result, one line per step. */
  readonly interleaving?: readonly string[];
}

export interface Explanation {
  readonly anomaly: AnomalyName;
  readonly elle: string;
  /** The first diverging transaction, or -1 when only the final state or roots differ. */
  readonly tx: number;
  readonly key?: number;
  readonly keyName?: string;
  /** The BlockResult field that differs, when only a block-wide one does (stateRoot, receiptsRoot, gasUsed). */
  readonly field?: string;
  readonly expected: string;
  readonly actual: string;
  /** Where the correct value came from, and where the bad one did (undefined when unknown). */
  readonly shouldComeFrom?: Version;
  readonly cameFrom?: Version;
  /** One or two sentences a person can act on. */
  readonly detail: string;
  /** The block's own part, when a transaction up to the diverging one left its declared footprint. */
  readonly footprint?: string;
  /** The edge between the declared footprints of the bad read's writer and reader that orders them (properties/missed-edge.ts). */
  readonly dependency?: string;
  /**
   * The value read, or left at the key, is no version of it the run knows of, by no rule explain
   * knows (not a DELTA counted twice or on a stale base): its last resort, which a caller that
   * knows the blocks run before this one can name (afterRunBlocks).
   */
  readonly noWriter?: true;
  /**
   * A wrong receipt this block alone does not account for, though the transaction read what the
   * reference read: 'delta base' where a DELTA base no version of the key in this block holds gives
   * the executor's receipt, 'same reads' where no base tried gives it. What a caller that knows the
   * block passes alone and fails after earlier blocks names as changed by state kept from them
   * (afterEarlierBlocks), as noWriter is for a read.
   */
  readonly unexplainedReceipt?: 'delta base' | 'same reads';
  /**
   * The block was sent to an exec: engine as the id of this earlier request, whose pre-state the
   * engine said it keeps (keepsPreState), not with a pre-state of its own (sentWithPreStateOf).
   */
  readonly preStateOf?: number;
}

function sameReceipt(a: Receipt, b: Receipt): boolean {
  if (a.status !== b.status || a.code !== b.code || a.gasUsed !== b.gasUsed || a.outputs.length !== b.outputs.length) return false;
  for (let i = 0; i < a.outputs.length; i++) if (a.outputs[i] !== b.outputs[i]) return false;
  return true;
}

function sameReads(a: ReadSet, b: ReadSet): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]![0] !== b[i]![0] || a[i]![1] !== b[i]![1]) return false;
  return true;
}

/** Whether `a` and `b` hold the same [key, value] pairs, each as often, in whatever order. */
function sameReadsInAnyOrder(a: ReadSet, b: ReadSet): boolean {
  if (a.length !== b.length) return false;
  const text = (r: ReadSet) => r.map(([k, v]) => `${k}:${v}`).sort().join(' ');
  return text(a) === text(b);
}

/** A thrown value as failures report it: `Error: boom` for an Error, its string otherwise (a user's module may throw anything). */
export function nameAndMessage(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  // String() says "[object Object]" of a thrown plain object (`throw { code: 42 }`); its JSON says what it holds.
  if (typeof e === 'object' && e !== null) {
    try {
      const json = JSON.stringify(e);
      if (json !== undefined && json !== '{}') return json;
    } catch {
      // A cycle or a BigInt: String() is all there is.
    }
  }
  return String(e);
}

/** Frames of a thrown stack a report shows: where the user's code threw, not how Concord got there. */
const MAX_FRAMES = 5;
/**
 * Concord's own code, compiled (dist/spec/, ...) or as sources under vitest, and the command-line
 * parser every command runs under (commander: the last frames of every command's async stack):
 * frames in them are how the executor was called. Without commander's, a throw from Concord's own
 * code out of a command (a results file failing its schema) read as no bug of Concord's.
 */
const OWN_DIRS: readonly string[] = [
  ...['spec', 'impl', 'properties', 'cli', 'bench', 'reports'].map((d) => new URL(`../${d}/`, import.meta.url)),
  pathToFileURL(`${dirname(createRequire(import.meta.url).resolve('commander'))}/`),
].flatMap((dir) => [dir.href, fileURLToPath(dir)]);

/**
 * Where `e` was thrown: the frames of its stack from the first one outside Concord's own code (and
 * node: internals) up to the next one inside it, at most MAX_FRAMES ("deep (/x/engine.mjs:2:9)").
 * A throw from Concord's own code (a built-in executor) keeps its top frames. Empty when `e`
 * carries no stack (a user's module may throw anything).
 */
export function thrownAt(e: unknown): string[] {
  let stack: unknown;
  try {
    stack = e instanceof Error ? e.stack : undefined;
  } catch {
    // A getter of the user's error may throw.
  }
  if (typeof stack !== 'string') return [];
  const frames = stack.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('at ') && !/\(?node:|<anonymous>/.test(l)).map((l) => l.slice(3));
  const own = (f: string) => OWN_DIRS.some((d) => f.includes(d));
  const start = frames.findIndex((f) => !own(f));
  const end = frames.findIndex((f, i) => i > start && own(f));
  const shown = start < 0 ? frames.slice(0, MAX_FRAMES) : frames.slice(start, end < 0 ? undefined : end).slice(0, MAX_FRAMES);
  // A module's frames name it by URL; a path is what an editor opens.
  return shown.map((f) => f.replace(/file:\/\/[^\s()]+?(?=(:\d+)*\)?$)/, (url) => {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }));
}

/**
 * A thrown value as failure reports word it, on one bounded line, with where in the user's code it
 * was thrown, as verify's `thrown at` says it (the first frame outside Concord): `Error: boom (at
 * /x/engine.mjs:2:9)`.
 */
export function thrownText(e: unknown): string {
  const [at] = thrownAt(e);
  // An engine's failure ends with the end of its standard error (a panic's line, a missing
  // module), which a cut would drop; exec-executor.ts bounds it (STDERR_TAIL) where it is made.
  return `${oneLine(nameAndMessage(e), e instanceof ExecEngineError ? Infinity : undefined)}${at ? ` (at ${at})` : ''}`;
}

/** True when every frame of `e`'s stack is Concord's own or Node's: a throw no user's code made. */
export function fromConcord(e: unknown): boolean {
  const [first] = thrownAt(e);
  return first !== undefined && OWN_DIRS.some((d) => first.includes(d));
}

/**
 * What makes `r` unreadable as a BlockResult (spec/block.ts), or undefined. A user's module may
 * return anything (null, a plain object, receipts of the wrong shape, NaN for a value); every reader
 * of a result that came from outside asks this first instead of crashing on it or misreading it.
 */
export function malformation(r: unknown): string | undefined {
  try {
    return shapeProblem(r);
  } catch (e) {
    // A getter of the user's object may throw.
    return `reading it threw ${nameAndMessage(e)}`;
  }
}

const VALUES = 'an integer from -(2^53 - 1) to 2^53 - 1';
const KEYS = 'a key (an integer from 0 to 2^32 - 1)';
const GAS = 'an integer >= 0';
const isGas = (v: unknown): v is number => isValue(v) && v >= 0;

/** A value of the wrong kind as a message quotes it: a BigInt 60n or a string "60" would otherwise read as the number 60. */
function quoted(v: unknown): string {
  if (typeof v === 'number' || v === null || v === undefined) return String(v);
  if (typeof v === 'bigint') return `${v}n (a BigInt)`;
  return `${describeValue(v)} (${typeof v === 'object' ? (Array.isArray(v) ? 'a list' : 'an object') : `a ${typeof v}`})`;
}

/** What is wrong with receipt `t` of tx `i`, or undefined: its fields hold the VM's kinds of number (spec/values.ts). */
function receiptProblem(t: Partial<Receipt> | null, i: number): string | undefined {
  if (typeof t?.status !== 'string' || !Array.isArray(t.outputs)) return `receipt ${i} is not { status, code, gasUsed, outputs }`;
  // Any other string compared unequal to the reference's status, and run without --check printed it as a status.
  if (!STATUSES.includes(t.status as Status)) return `receipt of tx ${i}: status is ${quoted(t.status)}, not one of ${STATUSES.join(', ')}`;
  if (!isValue(t.code)) return `receipt of tx ${i}: code is ${quoted(t.code)}, not ${VALUES}`;
  if (!isGas(t.gasUsed)) return `receipt of tx ${i}: gasUsed is ${quoted(t.gasUsed)}, not ${GAS}`;
  for (let o = 0; o < t.outputs.length; o++) if (!isValue(t.outputs[o])) return `receipt of tx ${i}: output ${o} is ${quoted(t.outputs[o])}, not ${VALUES}`;
  return undefined;
}

function readsProblem(set: unknown, i: number): string | undefined {
  if (!Array.isArray(set)) return `read set ${i} is not a list of [key, value] pairs`;
  for (let j = 0; j < set.length; j++) {
    const p: unknown = set[j];
    if (!Array.isArray(p) || p.length !== 2) return `read set ${i} is not a list of [key, value] pairs`;
    if (!isKey(p[0])) return `reads of tx ${i}: key ${quoted(p[0])} is not ${KEYS}`;
    if (!isValue(p[1])) return `reads of tx ${i}: the value read at key ${p[0]} is ${quoted(p[1])}, not ${VALUES}`;
  }
  return undefined;
}

/** The first state entry that is not a key and a value, in words. forEach: a Map's iterator costs twice as much per entry. */
function stateProblem(state: ReadonlyMap<unknown, unknown>): string | undefined {
  let problem: string | undefined;
  state.forEach((v, k) => {
    if (problem !== undefined) return;
    if (!isKey(k)) problem = `state key ${quoted(k)} is not ${KEYS}`;
    // An undefined value reads as 0, an absent key, as sameResult has it.
    else if (v !== undefined && !isValue(v)) problem = `state value for key ${k} is ${quoted(v)}, not ${VALUES}`;
  });
  return problem;
}

/**
 * Every field is checked for the kind of number it must hold, not just for being a number: NaN, a
 * BigInt or a string key compares unequal to the reference's value (or equal in print), and the
 * explainer would then name a wrong read or a wrong final value that never happened. Indexed loops:
 * this runs on every verified block, about 1 ms for 10,000 transactions (2 ms with a 100,000-key
 * state), against the tens of milliseconds running such a block takes.
 */
function shapeProblem(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null) return `${r === null ? 'null' : typeof r} instead of a BlockResult object`;
  const x = r as { [K in keyof BlockResult]?: unknown };
  if (!Array.isArray(x.receipts)) return 'receipts is not a list';
  for (let i = 0; i < x.receipts.length; i++) {
    const problem = receiptProblem(x.receipts[i] as Partial<Receipt> | null, i);
    if (problem !== undefined) return problem;
  }
  if (!Array.isArray(x.reads)) return 'reads is not a list';
  for (let i = 0; i < x.reads.length; i++) {
    const problem = readsProblem(x.reads[i], i);
    if (problem !== undefined) return problem;
  }
  if (typeof x.stateRoot !== 'string' || typeof x.receiptsRoot !== 'string') return 'stateRoot and receiptsRoot must be strings';
  if (!isGas(x.gasUsed)) return `gasUsed is ${quoted(x.gasUsed)}, not ${GAS}`;
  if (!(x.state instanceof Map)) return 'state must be a Map';
  const state = stateProblem(x.state);
  if (state !== undefined) return state;
  return statsProblem(x.stats);
}

// Full comparison, the hot path of every property and of every call bench times.
export { sameResult } from './same-result.js';

export function versionText(v: Version | undefined, final?: (tx: number) => number | undefined): string {
  if (!v) return 'an unknown version';
  if (v.tx === PRE_STATE) return 'the pre-state';
  const inc = v.incarnation ?? final?.(v.tx);
  return inc === undefined ? `tx ${v.tx}` : `tx ${v.tx} incarnation ${inc}`;
}

function receiptText(r: Receipt): string {
  const status = r.status === 'reverted' ? `reverted(${FAULT_NAMES[r.code] ?? `code ${r.code}`})` : r.status;
  return `${status} gas ${r.gasUsed}${r.outputs.length ? ` outputs [${r.outputs.join(', ')}]` : ''}`;
}

interface Context {
  readonly block: Block;
  readonly trace: ReferenceTrace;
  readonly expected: BlockResult;
  readonly actual: BlockResult;
  readonly prov: Provenance;
  readonly name: (key: number) => string;
}

/** Where a bad read most plausibly came from (`came`), and a later write of the same value it may have come from instead (`later`). */
interface Source {
  readonly came?: Version;
  readonly later?: Version;
  /** `came` reverted in the reference: the value is one of the writes it made before reverting. */
  readonly reverted?: true;
}

/**
 * Which version a bad read most plausibly came from, when the run did not record it (the run's own
 * provenance always wins): an older write than the correct source (the highest such, or the
 * pre-state), since that is the explanation the block order allows (a stale read); failing that, a
 * later transaction's write (G1c); failing both, an aborted incarnation's that the run recorded,
 * or a write a reverted transaction made before it reverted. When an older version and a later
 * write both hold the value, the older one is named and the later one returned beside it, since
 * the value alone cannot tell them apart.
 */
function inferSource(c: Context, tx: number, key: number, value: number, correct: number): Source {
  const fromProv = c.prov.readFrom?.(tx, key);
  if (fromProv) return { came: fromProv };
  const laterWriter = (): Version | undefined => {
    for (let i = tx + 1; i < c.block.txs.length; i++) {
      if (replayWrites(c.block, c.trace, i, c.actual.reads[i]!).get(key) === value) return { tx: i };
    }
    return undefined;
  };
  let older: Version | undefined;
  for (let i = correct - 1; i >= 0 && !older; i--) if (c.trace.txs[i]!.writes.get(key) === value) older = { tx: i };
  if (!older && correct !== PRE_STATE && (c.block.preState.get(key) ?? 0) === value) older = { tx: PRE_STATE };
  const later = laterWriter();
  if (older) return later ? { came: older, later } : { came: older };
  if (later) return { came: later };
  const final = (v: Version) => v.incarnation === undefined || v.incarnation === c.prov.finalIncarnation?.(v.tx);
  const abortedWriter = (c.prov.writersOf?.(key, value) ?? []).find((v) => !final(v));
  if (abortedWriter) return { came: abortedWriter };
  const reverted = revertedWriter(c, key, value, tx);
  return reverted === undefined ? {} : { came: { tx: reverted }, reverted: true };
}

/** The reverted transaction that wrote `value` to `key` before it reverted: the highest below `before`, else the lowest above it. */
function revertedWriter(c: Context, key: number, value: number, before: number): number | undefined {
  const wrote = (i: number) => c.trace.txs[i]!.revertedWrites.get(key) === value;
  for (let i = Math.min(before, c.block.txs.length) - 1; i >= 0; i--) if (wrote(i)) return i;
  for (let i = before + 1; i < c.block.txs.length; i++) if (wrote(i)) return i;
  return undefined;
}

/** The skipped transactions skippedWriter runs at most: a kept write shows in the first few, and each costs a run of the VM. */
const SKIPPED_TRIED = 1000;

/**
 * The last skipped transaction that would have written `value` to `key` had it run, each after
 * those before it (as an executor that ignores the block gas limit would run them), from the
 * reference's final state, which is the state at the first skipped one. Run only here, where a
 * final value no committed write explains asks for it: the trace itself runs nothing skipped.
 */
function skippedWriter(c: Context, key: number, value: number): number | undefined {
  const state = new Map(c.expected.state);
  const out = newOutcome();
  let found: number | undefined;
  const end = Math.min(c.block.txs.length, c.trace.skipFrom + SKIPPED_TRIED);
  for (let i = c.trace.skipFrom; i < end; i++) {
    const tx = c.block.txs[i]!;
    runTransaction(c.block.programs[tx.program]!.code, tx.args, tx.gasLimit, { read: (k) => state.get(k) ?? 0 }, out);
    if (out.status !== TxStatus.Success) continue;
    for (let w = 0; w < out.writeCount; w++) {
      state.set(out.writeKeys[w]!, out.writeValues[w]!);
      if (out.writeKeys[w] === key && out.writeValues[w] === value) found = i;
    }
  }
  return found;
}

/** How a transaction that kept no writes ended: reverted, or ran out of gas (whose receipt has code 0, no fault). */
function endedText(c: Context, writer: number): string {
  return c.expected.receipts[writer]!.status === 'out-of-gas' ? 'ran out of gas' : 'reverted';
}

/** Why a reverted (or out-of-gas) transaction's write must not be seen, with its fault. */
function revertedWords(c: Context, writer: number): string {
  const r = c.expected.receipts[writer]!;
  const fault = r.status === 'reverted' ? ` (${FAULT_NAMES[r.code] ?? `code ${r.code}`})` : '';
  return `tx ${writer} ${endedText(c, writer)}${fault} in the reference, so none of its writes may be kept`;
}

/** The note on a stale read whose value a later transaction also wrote. */
function alsoLater(later: Version | undefined, tx: number): string {
  return later
    ? ` (${versionText(later)}, after tx ${tx} in block order, wrote the same value, so it may instead be a read of a later transaction [G1c]; the block order makes the stale read the likelier)`
    : '';
}

/**
 * Whether the read `tx` reports at `index`, where the reference's read set holds another key or
 * none, is of a key the reference's run wrote before reading it again: the reads before it agree,
 * so both runs took the same path to it, and the key is one the transaction wrote. That alone
 * would also fit a blind write reported as a read, so the outcome must show the read: the
 * receipt differs from the reference's, and replayed on the reported reads (where the VM serves
 * the key from the transaction's own write, never asking the state) the program gives the
 * reference's receipt, so the value from the state is what changed it.
 */
function readsOwnWrite(c: Context, tx: number, index: number): boolean {
  const key = c.actual.reads[tx]![index]![0];
  const t = c.trace.txs[tx]!;
  if (!(t.writes.has(key) || t.revertedWrites.has(key)) || c.expected.reads[tx]!.slice(0, index).some(([k]) => k === key)) return false;
  const expected = c.expected.receipts[tx]!;
  return !sameReceipt(expected, c.actual.receipts[tx]!) && sameReceipt(replayTx(c.block, c.trace, tx, c.actual.reads[tx]!).receipt, expected);
}

/**
 * How transaction `tx`'s own outcome shows it did not make the reads it reports, or undefined: its
 * receipt is the reference's, yet replayed on the reported reads the program gives another
 * receipt, or another value for a write the result holds as the reference's (in the final state,
 * where `tx` is the key's last writer, or in a later read of that write). A stale read shows in
 * what the transaction did with the value; reads that its outcome contradicts were reported from
 * another execution than the one whose receipt and writes were kept.
 */
function outcomeContradicts(c: Context, tx: number): string | undefined {
  const receipt = c.actual.receipts[tx]!;
  if (!sameReceipt(c.expected.receipts[tx]!, receipt)) return undefined;
  const replay = replayTx(c.block, c.trace, tx, c.actual.reads[tx]!);
  if (!sameReceipt(replay.receipt, receipt)) return `replayed on the reported reads the program gives ${receiptText(replay.receipt)}`;
  for (const [key, v] of c.trace.txs[tx]!.writes) {
    const w = replay.writes.get(key);
    if (w === v) continue;
    const would = `replayed on the reported reads the program writes ${w ?? 'nothing'} to ${c.name(key)}`;
    if (c.trace.lastWriter.get(key) === tx && (c.actual.state.get(key) ?? 0) === v) return `${would}, but the final state holds ${v}, its write in the reference`;
    for (let j = tx + 1; j < c.block.txs.length; j++) {
      if (c.trace.txs[j]!.sources.get(key) === tx && c.actual.reads[j]!.some(([k, x]) => k === key && x === v)) return `${would}, but tx ${j} read ${v} there, its write in the reference`;
    }
  }
  return undefined;
}

/**
 * Whether nothing transaction `tx` did depends on the values it reports reading: replayed on
 * them, it gives the reference's receipt and writes. Then only the read set shows a stale read,
 * and shrinking, which keeps any block that still fails, tends to end there.
 */
function outcomeBlind(c: Context, tx: number): boolean {
  const replay = replayTx(c.block, c.trace, tx, c.actual.reads[tx]!);
  const writes = c.trace.txs[tx]!.writes;
  return sameReceipt(replay.receipt, c.expected.receipts[tx]!) && replay.writes.size === writes.size && [...writes].every(([k, v]) => replay.writes.get(k) === v);
}

const ONLY_THE_READ_SET = 'nothing it did depends on the value (replayed on the reported reads it gives the reference\'s receipt and writes), '
  + 'so only its read set shows the stale read, and a read set reported from another execution than the one kept would look the same';

function explainRead(c: Context, tx: number, index: number): Explanation {
  const exp = c.expected.reads[tx]!;
  const act = c.actual.reads[tx]!;
  const e = exp[index];
  const a = act[index];
  if (!e || !a || e[0] !== a[0]) {
    const show = (r: ReadSet) => `[${r.map(([k, v]) => `${c.name(k)}=${v}`).join(', ')}]`;
    if (sameReadsInAnyOrder(exp, act)) {
      return {
        anomaly: 'wrong read set', elle: ELLE['wrong read set'], tx, key: e![0], keyName: c.name(e![0]), expected: show(exp), actual: show(act),
        detail: `tx ${tx} reports the same reads as the reference, with the same values, in another order: list them in the order first read, ${show(exp)} here `
          + '(a read set lists each key the first time the program reads it, in that order: spec/block.ts, and for an exec: engine docs/exec-protocol.md).',
      };
    }
    if (a && readsOwnWrite(c, tx, index)) {
      const [key, value] = a;
      const before = olderVersion(c, key, tx, value, true);
      const er = c.expected.receipts[tx]!;
      const ar = c.actual.receipts[tx]!;
      return {
        anomaly: 'read-your-write violation', elle: ELLE['read-your-write violation'], tx, key, keyName: c.name(key), expected: show(exp), actual: show(act),
        ...(before ? { cameFrom: before } : {}),
        detail: `tx ${tx} wrote ${c.name(key)} and then read it, a read the VM serves from the transaction's own write (the reference's read set leaves the key out), `
          + `yet it reports reading ${value} there${before ? `, ${versionText(before)}'s value from before its own write` : ''}: the read went past the transaction's own write to the state.`
          + ` Its receipt shows the value used: ${receiptText(ar)}, where the reference's is ${receiptText(er)}.`,
      };
    }
    // Where the transaction did not run to its end, that is the likelier cause than a stale incarnation.
    const { status } = c.expected.receipts[tx]!;
    const ended = !a && (status === 'out-of-gas' || status === 'reverted')
      ? ` It ${status === 'out-of-gas' ? 'ran out of gas' : 'reverted'} there, after those reads: a transaction that fails still reports the reads it made before it failed, as the reference's read set does.`
      : a && !e && status === 'skipped' ? ' It was skipped (the block gas limit was reached before it): a skipped transaction runs nothing and reads nothing.' : '';
    return {
      anomaly: 'wrong read set', elle: ELLE['wrong read set'], tx, expected: show(exp), actual: show(act),
      ...(e ? { key: e[0], keyName: c.name(e[0]) } : a ? { key: a[0], keyName: c.name(a[0]) } : {}),
      detail: `tx ${tx} read every value right up to read ${index}, yet reports ${a ? `key ${c.name(a[0])}` : 'no read'} where the program reads ${e ? c.name(e[0]) : 'nothing more'}: the read set is not the one the final incarnation made.${ended}`,
    };
  }
  const key = e[0];
  const correct = c.trace.txs[tx]!.sources.get(key) ?? PRE_STATE;
  const final = (t: number) => c.prov.finalIncarnation?.(t);
  const should: Version = correct === PRE_STATE ? { tx: PRE_STATE } : { tx: correct, ...(final(correct) === undefined ? {} : { incarnation: final(correct)! }) };
  const { came, later, reverted } = inferSource(c, tx, key, a[1], correct);
  const contradiction = outcomeContradicts(c, tx);
  if (contradiction !== undefined) {
    return {
      anomaly: 'wrong read set', elle: ELLE['wrong read set'], tx, key, keyName: c.name(key), expected: String(e[1]), actual: String(a[1]), shouldComeFrom: should,
      ...(came ? { cameFrom: came } : {}),
      detail: `tx ${tx} reports reading ${a[1]} at ${c.name(key)}${came ? ` (${versionText(came)}'s value)` : ''}, yet its receipt is the reference's (${receiptText(c.actual.receipts[tx]!)}) `
        + `and ${contradiction}: it ran on what the reference read (${e[1]} from ${versionText(should, final)}), and the read set it reports is not the one its outcome came from `
        + '(an earlier execution\'s, say). The fault is in putting the result together, not in the order the transactions ran.',
    };
  }
  let anomaly: AnomalyName;
  let why: string;
  let noWriter: true | undefined;
  const finalOfCame = came ? final(came.tx) : undefined;
  if (came && reverted) {
    anomaly = 'read of an aborted incarnation';
    why = `tx ${tx} saw ${a[1]}, which tx ${came.tx} wrote before it ${endedText(c, came.tx)}: ${revertedWords(c, came.tx)}`;
  } else if (came && came.tx > tx) {
    anomaly = 'read of a later transaction';
    why = `tx ${tx} saw the write of ${versionText(came)}, which comes after it in block order`;
  } else if (came?.incarnation !== undefined && finalOfCame !== undefined && came.incarnation !== finalOfCame) {
    anomaly = 'read of an aborted incarnation';
    why = `tx ${tx} saw the write of ${versionText(came)}, an incarnation that was aborted (incarnation ${finalOfCame} is the one that committed)`;
  } else if (came && came.tx < correct) {
    anomaly = 'stale read';
    why = `tx ${tx} saw ${versionText(came)} instead of the newer write of ${versionText(should, final)}${alsoLater(later, tx)}${outcomeBlind(c, tx) ? `; ${ONLY_THE_READ_SET}` : ''}`;
  } else {
    const miscount = came ? undefined : deltaMiscount(c, key, correct, e[1], a[1]);
    if (miscount?.stale) return staleDeltaBase(c, key, correct, miscount, miscount.stale, tx);
    anomaly = 'read of an aborted incarnation';
    if (!came && !miscount?.twice) noWriter = true;
    why = came
      ? `tx ${tx} saw a value from ${versionText(came)}, which no committed incarnation wrote`
      : miscount?.twice
        ? `tx ${tx} read ${versionText(should, final)}'s write, as it should, but that is its DELTA of ${miscount.amount} applied twice to the right base, ${miscount.base}`
        : `tx ${tx} saw a value that no committed incarnation of any transaction wrote to this key (an aborted incarnation's, a miscomputed one, or one kept from outside this block: an earlier block's, kept by the executor instance or by its process, in module-level state that every instance shares)`;
  }
  return {
    anomaly, elle: ELLE[anomaly], tx, key, keyName: c.name(key), expected: String(e[1]), actual: String(a[1]), shouldComeFrom: should,
    ...(came ? { cameFrom: came } : {}), ...(noWriter ? { noWriter } : {}),
    detail: `${why}. It should have read ${e[1]} from ${versionText(should, final)}.`,
  };
}

/**
 * The explanation of a block that fails only after the blocks its instance ran before it: a read
 * of a value no transaction of this block wrote (which explainRead, seeing this block alone, can
 * only call an aborted incarnation's) is a value kept from those blocks; so is a DELTA base no
 * version of the key in this block holds that gives the executor's receipt; and a receipt the
 * reads alone cannot explain was changed by state kept from them. Both are known by their flags
 * (noWriter, unexplainedReceipt), never by their wording, and a sentence is added that says which.
 */
export function afterEarlierBlocks(x: Explanation): Explanation {
  if (x.unexplainedReceipt !== undefined) return { ...x, detail: `${x.detail} ${AFTER_EARLIER} ${KEPT_RECEIPT[x.unexplainedReceipt]}.` };
  if (x.anomaly !== 'read of an aborted incarnation' || !x.noWriter || x.shouldComeFrom === undefined) return x;
  const anomaly: AnomalyName = 'read of an earlier block';
  return {
    ...x, anomaly, elle: ELLE[anomaly],
    detail: `tx ${x.tx} saw ${x.actual}, which no transaction of this block wrote to ${x.keyName}, and the block passes on a fresh instance: `
      + `the executor kept the value from an earlier block (state not cleared between blocks). It should have read ${x.expected} from ${versionText(x.shouldComeFrom)}.`,
  };
}

/**
 * The explanation of a block `concord run --after` ran after earlier blocks on the same instance,
 * whose reference runs left `earlierStates` (oldest first): a read of a value no transaction of
 * this block wrote, which one of those blocks left at the key, is named as kept from it, as verify
 * names it (afterEarlierBlocks), and a final value no transaction wrote that one of them left is
 * said to be; run cannot tell whether the block passes alone, and does not say.
 */
export function afterRunBlocks(x: Explanation, earlierStates: readonly ReadonlyMap<number, number>[]): Explanation {
  if (!x.noWriter || x.key === undefined) return x;
  let left = earlierStates.length - 1;
  while (left >= 0 && !(earlierStates[left]!.has(x.key) && String(earlierStates[left]!.get(x.key)) === x.actual)) left--;
  if (left < 0) return x;
  // A match of one value is no proof: said as what it is.
  const kept = `${x.actual} is what earlier block ${left + 1} (of those --after ran first) left at ${x.keyName}: the executor likely kept the value from an earlier block (state not cleared between blocks)`;
  if (x.anomaly === 'wrong final value') return { ...x, detail: `${x.detail} ${kept}.` };
  if (x.anomaly !== 'read of an aborted incarnation' || x.shouldComeFrom === undefined) return x;
  const anomaly: AnomalyName = 'read of an earlier block';
  return {
    ...x, anomaly, elle: ELLE[anomaly],
    detail: `tx ${x.tx} saw ${x.actual}, which no transaction of this block wrote to ${x.keyName}; ${kept}. It should have read ${x.expected} from ${versionText(x.shouldComeFrom)}.`,
  };
}

/**
 * Where the executor's receipts, taken together, are exactly the reference's but out of order: the
 * transaction whose reference receipt tx got (a swap partner first), else undefined. Equal
 * receipts are common (transfers cost the same), so a single wrong receipt that happens to equal
 * another transaction's is not taken for a reordering: the whole list must be a permutation, and
 * every read set and the final state right (an executor that ran tx 1 where it should have run
 * tx 0 and skipped tx 1 swaps receipts too, but reads or writes differently).
 */
function reorderedFrom(c: Context, tx: number): number | undefined {
  const { receipts: expected } = c.expected;
  const { receipts: actual } = c.actual;
  if (!c.expected.reads.every((r, i) => sameReads(r, c.actual.reads[i]!)) || explainState(c) !== undefined) return undefined;
  const text = (r: Receipt) => `${r.status} ${r.code} ${r.gasUsed} ${r.outputs.join(',')}`;
  const count = new Map<string, number>();
  for (const r of expected) count.set(text(r), (count.get(text(r)) ?? 0) + 1);
  for (const r of actual) {
    const left = count.get(text(r)) ?? 0;
    if (left === 0) return undefined;
    count.set(text(r), left - 1);
  }
  const candidates = expected.map((_, j) => j).filter((j) => j !== tx && sameReceipt(expected[j]!, actual[tx]!));
  return candidates.find((j) => sameReceipt(actual[j]!, expected[tx]!)) ?? candidates[0];
}

/**
 * A receipt that differs although every read matched: the DELTA bases (which the read set leaves
 * out) are tried first; if one older, later or unknown base reproduces the executor's receipt
 * exactly, the bad base read is named like any bad read.
 */
function explainReceipt(c: Context, tx: number): Explanation {
  const e = c.expected.receipts[tx]!;
  const a = c.actual.receipts[tx]!;
  const t = c.trace.txs[tx]!;
  const from = reorderedFrom(c, tx);
  const reordered = from === undefined ? ''
    : `the executor's receipts are the reference's in another order: tx ${tx} got the receipt of tx ${from}${sameReceipt(c.actual.receipts[from]!, e) ? `, and tx ${from} got tx ${tx}'s` : ''}`;
  if ((e.status === 'skipped') !== (a.status === 'skipped')) {
    // Every receipt before tx matched, so both sides agree on the gas the transactions before it used.
    const used = c.expected.receipts.slice(0, tx).reduce((n, r) => n + r.gasUsed, 0);
    // Where failed transactions' gas is what reaches the limit, the executor most likely left it out.
    const failed = c.expected.receipts.slice(0, tx).flatMap((r, i) => (r.gasUsed > 0 && (r.status === 'reverted' || r.status === 'out-of-gas') ? [i] : []));
    const failedGas = failed.reduce((n, i) => n + c.expected.receipts[i]!.gasUsed, 0);
    const failedText = failed.length > 0 && used - failedGas < c.block.gasLimit
      ? `. ${gasOf(c, failed)} ${failed.length > 1 ? 'are' : 'is'} among them: a transaction that fails still spends its gas toward the block limit, and without ${failed.length > 1 ? 'theirs' : 'it'} `
        + `the transactions before tx ${tx} used ${used - failedGas}, below the limit (an executor that leaves failed transactions' gas out of the total runs tx ${tx})`
      : '';
    const detail = e.status === 'skipped'
      ? `the block gas limit (${c.block.gasLimit}) is reached before tx ${tx} (the transactions before it used ${used} gas), so it and every later transaction must be skipped (skip-rest); the executor ran it${failedText}`
      : `tx ${tx} fits under the block gas limit (${c.block.gasLimit}) but the executor skipped it: the transactions before it in block order used ${used} gas, below the limit, so it must run `
        + '(an executor that spends the limit in another order than the block\'s skips the wrong transactions)';
    // Transactions alike in all but their place give the same reads and state either way.
    const or = reordered && `. Or else ${reordered}, and it listed them out of block order`;
    return { anomaly: 'wrong receipt', elle: ELLE['wrong receipt'], tx, expected: receiptText(e), actual: receiptText(a), detail: `${detail}${or}.` };
  }
  if (reordered) {
    return {
      anomaly: 'wrong receipt', elle: ELLE['wrong receipt'], tx, expected: receiptText(e), actual: receiptText(a),
      detail: `${reordered}. Receipts must be listed in block order, one per transaction.`,
    };
  }
  for (const key of t.deltaBases) {
    const correct = t.sources.get(key) ?? PRE_STATE;
    const base = valueBefore(c.block, c.trace, key, tx);
    // Older versions first, newest first, then later writes: a later base (G1c) is named only when no older one reproduces the receipt.
    const earlier: Version[] = [...c.block.txs.keys()].slice(0, tx).reverse().map((i) => ({ tx: i }));
    const candidates = [...earlier, { tx: PRE_STATE }, ...c.block.txs.map((_, i) => ({ tx: i })).slice(tx + 1)].filter((v) => v.tx !== correct);
    const valueOf = (v: Version) => (v.tx === PRE_STATE ? c.block.preState.get(key) ?? 0 : v.tx < tx ? c.trace.txs[v.tx]!.writes.get(key) : replayWrites(c.block, c.trace, v.tx, c.actual.reads[v.tx]!).get(key));
    const reproduces = (value: number | undefined): value is number => value !== undefined && value !== base && baseGives(c, tx, key, value, a);
    for (const v of candidates) {
      const value = valueOf(v);
      if (!reproduces(value)) continue;
      const anomaly: AnomalyName = v.tx > tx ? 'read of a later transaction' : 'stale read';
      const later = v.tx < tx ? candidates.find((w) => w.tx > tx && reproduces(valueOf(w))) : undefined;
      const should: Version = { tx: correct };
      return {
        anomaly, elle: ELLE[anomaly], tx, key, keyName: c.name(key), expected: String(base), actual: String(value),
        shouldComeFrom: should, cameFrom: v,
        detail: `tx ${tx}'s DELTA on ${c.name(key)} was resolved against the base ${value} from ${versionText(v)} instead of ${versionText(should)}${alsoLater(later, tx)}: `
          + `with that base the VM gives exactly the executor's receipt (${receiptText(a)}), since the base decides the bound check. `
          + 'DELTA bases are not part of the read set, so only the receipt shows it.',
      };
    }
  }
  // No version of the key gives the receipt: a base no transaction of this block wrote may
  // (0, an aborted write, a value kept from an earlier block), which the report may only say where
  // one was found to.
  for (const key of t.deltaBases) {
    const base = valueBefore(c.block, c.trace, key, tx);
    const other = otherBases(c, tx, key).find((b) => b.value !== base && baseGives(c, tx, key, b.value, a));
    if (!other) continue;
    const correct = t.sources.get(key) ?? PRE_STATE;
    return {
      anomaly: 'wrong receipt', elle: ELLE['wrong receipt'], tx, key, keyName: c.name(key), expected: receiptText(e), actual: receiptText(a),
      detail: `tx ${tx} read the same values as the reference, yet its receipt differs: its DELTA on ${c.name(key)}, whose base is not in the read set, `
        + `gives exactly the executor's receipt (${receiptText(a)}) on a base of ${other.value} (${other.what}), where the reference's base is ${base}, ${versionText({ tx: correct })}'s; `
        + `no version of the key in this block gives it: ${UNKNOWN_BASE}.`,
      unexplainedReceipt: 'delta base',
    };
  }
  // A bound check that flipped changes the status; a receipt of the same status that differs in gas
  // or outputs was blamed on one too. Every base tried above failed to reproduce it, which is all
  // the report may claim: other bases may.
  const tried = t.deltaBases.size > 0
    ? ` (no base tried for its DELTA${t.deltaBases.size > 1 ? 's' : ''} on ${[...t.deltaBases].map(c.name).join(', ')}, which ${t.deltaBases.size > 1 ? 'are' : 'is'} not in the read set, gives that receipt either: `
      + `the versions of ${t.deltaBases.size > 1 ? 'each' : 'the'} key in this block, 0, the values transactions reported reading there or wrote there before they failed, `
      + 'the executor\'s final value of the key, and the edges of the DELTA bounds and of the value range)'
    : '';
  const detail = (t.deltaKeys.size > 0 || t.deltaBases.size > 0) && (e.status !== a.status || e.code !== a.code)
    ? `tx ${tx} read the same values as the reference but ended differently; it uses DELTA, whose bases are not in the read set: a wrong delta resolution changes whether a bound check passes${tried}`
    : `tx ${tx} read the same values as the reference, so the VM must produce the same receipt; the executor reported a different one${tried}`;
  return { anomaly: 'wrong receipt', elle: ELLE['wrong receipt'], tx, expected: receiptText(e), actual: receiptText(a), detail: `${detail}.`, unexplainedReceipt: 'same reads' };
}

/** How a wrong receipt a DELTA base no version holds gives ends: on a fresh instance, any of these may be the base. */
const UNKNOWN_BASE = 'the DELTA read a stale or wrong base (an aborted incarnation\'s, a miscomputed one, or one kept from an earlier block)';
/** What afterEarlierBlocks adds to an unexplained receipt's detail: what the reruns showed, then which state it was (KEPT_RECEIPT). */
const AFTER_EARLIER = 'The block passes on a fresh instance and fails after the blocks run before it:';
const KEPT_RECEIPT: Readonly<Record<NonNullable<Explanation['unexplainedReceipt']>, string>> = {
  'delta base': 'the DELTA read a base the executor kept from an earlier block (state not cleared between blocks: a read cache, say)',
  'same reads': 'state the executor kept from an earlier block changed this receipt',
};

/** Whether tx, on its reported reads with `value` as the base of its DELTA on `key`, gives `receipt` exactly. */
function baseGives(c: Context, tx: number, key: number, value: number, receipt: Receipt): boolean {
  return sameReceipt(replayTx(c.block, c.trace, tx, c.actual.reads[tx]!, new Map([[key, value]])).receipt, receipt);
}

/**
 * Bases of `tx`'s DELTA on `key` that no version of the key in this block need hold, the likeliest
 * first, each with where it may have come from: 0 (a key absent), values transactions reported
 * reading at the key or the executor's final state holds there, values transactions wrote there
 * before they reverted, and the edges of the DELTA's bounds (the bases that put the new value at a
 * bound, and just past it) and of the value range (the bases that overflow it).
 */
function otherBases(c: Context, tx: number, key: number): { value: number; what: string }[] {
  const out: { value: number; what: string }[] = [{ value: 0, what: 'the value of an absent key' }];
  c.actual.reads.forEach((r, i) => {
    for (const [k, v] of r) if (k === key) out.push({ value: v, what: `the value tx ${i} reports reading there` });
  });
  const final = c.actual.state.get(key);
  if (final !== undefined) out.push({ value: final, what: 'the value the executor\'s final state holds there' });
  c.trace.txs.forEach((t, i) => {
    const v = t.revertedWrites.get(key);
    if (v !== undefined) out.push({ value: v, what: `what tx ${i} wrote there before it ${endedText(c, i)}` });
  });
  const amount = deltaAmount(c, tx, key);
  if (amount !== undefined) {
    const code = c.block.programs[c.block.txs[tx]!.program]!.code;
    for (let at = 0; at < code.length; at += WIDTH) {
      if (code[at] !== OP.DELTA) continue;
      const [lo, hi] = [code[at + 3]!, code[at + 4]!];
      for (const v of [lo - amount, hi - amount]) out.push({ value: v, what: `a base that puts the DELTA at its bound ${v + amount}` });
      for (const v of [lo - amount - 1, hi - amount + 1]) out.push({ value: v, what: `a base just past what the DELTA's bounds, ${lo} to ${hi}, allow` });
    }
    for (const v of [MAX_VALUE - amount + 1, MIN_VALUE - amount - 1]) out.push({ value: v, what: 'a base the DELTA\'s amount takes out of the value range' });
  }
  // Each value once, as it first came: every one costs a run of the VM.
  const tried = new Set<number>();
  return out.filter((b) => isValue(b.value) && !tried.has(b.value) && Boolean(tried.add(b.value)));
}

/**
 * What `tx`'s DELTAs on `key` add to it in all, on its reported reads: the program never sees a
 * DELTA's base, so the amount is the same whatever the base; run with a base of 0 and every
 * DELTA's bounds lifted, the key's pure-DELTA write is the amount. Undefined where that run keeps
 * no such write (it failed, or read the key).
 */
function deltaAmount(c: Context, tx: number, key: number): number | undefined {
  const t = c.block.txs[tx]!;
  const code = c.block.programs[t.program]!.code.slice();
  for (let at = 0; at < code.length; at += WIDTH) {
    if (code[at] !== OP.DELTA) continue;
    code[at + 3] = MIN_VALUE;
    code[at + 4] = MAX_VALUE;
  }
  const seen = new Map(c.actual.reads[tx]!);
  const out = runTransaction(code, t.args, t.gasLimit, {
    read: (k, forDelta) => (forDelta && k === key ? 0 : seen.get(k) ?? valueBefore(c.block, c.trace, k, tx)),
  }, newOutcome());
  if (out.status !== TxStatus.Success) return undefined;
  for (let w = 0; w < out.writeCount; w++) if (out.writeKeys[w] === key && out.writeIsDelta[w]) return out.writeDeltas[w];
  return undefined;
}

function explainState(c: Context): Explanation | undefined {
  const exp = c.expected.state;
  const act = c.actual.state;
  const keys = new Set([...exp.keys(), ...act.keys()]);
  let first: number | undefined;
  let firstWriter = Infinity;
  for (const k of keys) {
    if ((exp.get(k) ?? 0) === (act.get(k) ?? 0)) continue;
    const w = c.trace.lastWriter.get(k) ?? PRE_STATE;
    if (w < firstWriter || (w === firstWriter && k < first!)) {
      first = k;
      firstWriter = w;
    }
  }
  if (first === undefined) return undefined;
  const key = first;
  const e = exp.get(key) ?? 0;
  const a = act.get(key) ?? 0;
  const writer: Version = { tx: firstWriter };
  // An older value of the key (pre-state or an earlier committed write) means the last write was dropped.
  const older = firstWriter === PRE_STATE ? [] : [c.block.preState.get(key) ?? 0, ...c.trace.txs.slice(0, firstWriter).map((t) => t.writes.get(key))];
  const lost = older.includes(a);
  const came = lost ? olderVersion(c, key, firstWriter, a) : undefined;
  const miscount = deltaMiscount(c, key, firstWriter, e, a);
  const delta = miscount !== undefined;
  const { base, amount = 0, twice = false } = miscount ?? {};
  const staleBase = miscount?.stale?.version;
  const leaked = lost || twice || staleBase ? undefined : revertedWriter(c, key, a, c.block.txs.length);
  const unrun = lost || twice || staleBase || leaked !== undefined ? undefined : skippedWriter(c, key, a);
  const stray = lost || delta || leaked !== undefined || unrun !== undefined ? undefined : misdirected(c, key, a);
  const anomaly: AnomalyName = lost ? 'lost write' : 'wrong final value';
  // A lower transaction's committed write over the writer's: the two ran, or their writes were
  // applied, out of order. Running the lower one after the writer gives the result only where
  // neither read what the other wrote (blind writes); where one did, the reads that matched say
  // each ran in block order, and only the merge or commit of their writes can have been misordered.
  const lower = came && came.tx !== PRE_STATE && !miscount?.stale;
  const overwrote = lower && ranAfter(c, came.tx, firstWriter, key, a);
  const edge = lower ? missedEdge(c.block, c.trace, c.expected.receipts, came.tx, firstWriter, key, c.name, 'final value') : undefined;
  const why = overwrote
    ? `the final value ${a} is ${versionText(came)}'s write, which landed after ${versionText(writer)}'s: running ${versionText(came)} after ${versionText(writer)}, against the block order, gives this result, `
      + `with every read and receipt as reported; or the committed write of ${versionText(writer)} is missing`
    : lower
    ? misappliedText(c, key, firstWriter, a, came)
    : came
    ? lostWriteText(c, key, firstWriter, a, came, miscount)
    : twice
      ? `the final value ${a} is ${versionText(writer)}'s DELTA of ${amount} applied twice to the right base, ${base}`
      : staleBase
        ? `the final value ${a} was written by no committed transaction; ${versionText(writer)} wrote it by DELTA of ${amount}, resolved against ${versionText(staleBase)}'s value ${a - amount} instead of ${base}`
        : leaked !== undefined
          ? `the final value ${a} is what tx ${leaked} wrote before it ${endedText(c, leaked)}: ${revertedWords(c, leaked)}`
          : unrun !== undefined
            ? `the final value ${a} is what tx ${unrun} would have written, had it run: the block's gas limit was reached before it (at tx ${c.trace.skipFrom}), so the reference skips it, and none of its writes may be kept`
            : stray
              ? `the final value ${a} is what ${versionText({ tx: stray.tx })} wrote to ${c.name(stray.key)} (key ${stray.key}), which does not hold it: a write applied to the wrong key`
              : `the final value ${a} was written by no committed transaction${delta ? `; ${versionText(writer)} wrote it by DELTA of ${amount}, and no version of the key plus that amount gives it` : firstWriter === PRE_STATE ? ' (the key should still hold its pre-state value)' : ` (it should be ${versionText(writer)}'s write)`}`;
  const blamed = stray ? stray.tx : leaked ?? unrun ?? (firstWriter === PRE_STATE ? -1 : firstWriter);
  const cameFrom = came ?? (stray ? { tx: stray.tx } : leaked !== undefined ? { tx: leaked } : unrun !== undefined ? { tx: unrun } : undefined);
  const noWriter = !overwrote && !came && !twice && !staleBase && leaked === undefined && unrun === undefined && !stray && !delta;
  return {
    anomaly, elle: ELLE[anomaly], tx: blamed, key, keyName: c.name(key),
    expected: String(e), actual: String(a), shouldComeFrom: writer, ...(cameFrom ? { cameFrom } : {}),
    detail: `Every read and receipt matched, yet ${why}.`, ...(edge ? { dependency: edge } : {}), ...(noWriter ? { noWriter } : {}),
  };
}

/**
 * Whether running transaction `earlier` right after `later` instead of before it (the block
 * otherwise in order) leaves `value` in `key` and gives every transaction the reads and receipt
 * the executor reported: then the result is that of the two run, or their writes applied, in the
 * wrong order, which is the edge between them a scheduler must keep.
 */
function ranAfter(c: Context, earlier: number, later: number, key: number, value: number): boolean {
  const txs = [...c.block.txs];
  const [moved] = txs.splice(earlier, 1);
  txs.splice(later, 0, moved!);
  const r = executeReference({ ...c.block, txs });
  if ((r.state.get(key) ?? 0) !== value) return false;
  const at = (i: number) => (i === earlier ? later : i > earlier && i <= later ? i - 1 : i);
  return c.block.txs.every((_, i) => sameReads(r.reads[at(i)]!, c.actual.reads[i]!) && sameReceipt(r.receipts[at(i)]!, c.actual.receipts[i]!));
}

/**
 * Why the final value `a` of `key` is `came`'s committed write, where running `came` after `writer`
 * does not give the reported reads: those reads, all the reference's, say every transaction ran in
 * block order, so `came`'s write was applied after `writer`'s (a merge or commit-order fault), or
 * the writes from `writer` back to `came`'s are missing.
 */
function misappliedText(c: Context, key: number, writer: number, a: number, came: Version): string {
  const between = c.trace.txs.slice(came.tx + 1, writer + 1).flatMap((t, i) => (t.writes.has(key) ? [`tx ${came.tx + 1 + i}`] : []));
  const missing = between.length === 1 ? `the committed write of ${between[0]} is missing`
    : `the committed writes of ${between.slice(0, -1).join(', ')} and ${between.at(-1)} are missing`;
  return `the final value ${a} is ${versionText(came)}'s committed write, applied after ${versionText({ tx: writer })}'s: the matching reads say both ran in block order, `
    + `so their writes were merged or committed out of it (a merge or commit-order fault); or ${missing}${undoneText(c, key, writer)}`;
}

/** Where a transaction after `writer` wrote `key` and then failed, how undoing its writes would lose `writer`'s; '' where none did. */
function undoneText(c: Context, key: number, writer: number): string {
  // An executor that undoes such writes by putting back the value from before the block, not from
  // before that transaction, loses this one.
  const undone = c.trace.txs.findIndex((t, i) => i > writer && t.revertedWrites.has(key));
  return undone < 0 ? '' : `; tx ${undone} also wrote the key and then ${endedText(c, undone)}, so undoing its writes with an older value than tx ${undone} saw would lose it`;
}

/**
 * Why the final value `a` of `key`, which the older version `came` holds, is wrong: the committed
 * write of `writer` is missing, or, where `m` found that base, its DELTA was resolved against an
 * older version's value. Either may give the value; the one the evidence decides on leads. The
 * missing write alone gives it only where `came` is the version the writer came after (else the
 * writes between them must be missing too), and the stale base gives it by more than coincidence
 * where `came` is itself a DELTA resolved against that same base: two DELTAs resolved against one
 * base, the classic lost update.
 */
function lostWriteText(c: Context, key: number, writer: number, a: number, came: Version, m: DeltaMiscount | undefined): string {
  const w = versionText({ tx: writer });
  const missing = `the committed write of ${w} is missing`;
  const stale = m?.stale;
  if (!m || !stale) return `the final value ${a} is an older value of the key (${versionText(came)}'s): ${missing}${undoneText(c, key, writer)}`;
  const previous: Version = { tx: c.trace.txs[writer]!.sources.get(key) ?? PRE_STATE };
  const alone = previous.tx === came.tx;
  const shared = came.tx !== PRE_STATE && c.trace.txs[came.tx]!.deltaKeys.has(key) && valueBefore(c.block, c.trace, key, came.tx) === stale.value;
  const staleText = `${w}'s DELTA of ${m.amount} was resolved against ${versionText(stale.version)}'s value, ${stale.value}`;
  if (alone && !shared) return `the final value ${a} is an older value of the key (${versionText(came)}'s): ${missing}; or ${staleText}, and the two coincide`;
  const between = c.trace.txs.slice(came.tx + 1, writer + 1).flatMap((t, i) => (t.writes.has(key) ? [`tx ${came.tx + 1 + i}`] : []));
  const orMissing = alone ? `${missing} and ${a} is ${versionText(came)}'s value: the two coincide`
    : `the committed writes of ${between.slice(0, -1).join(', ')} and ${between.at(-1)} are missing`;
  return `the final value ${a} is ${w}'s DELTA of ${m.amount} resolved against ${versionText(stale.version)}'s value, ${stale.value}`
    + `${shared ? ` (the base ${versionText(came)}'s DELTA was resolved against too)` : ''}, instead of ${versionText(previous)}'s ${m.base}, `
    + `so ${versionText(previous)}'s write is lost under it; or ${orMissing}`;
}

/** How a DELTA's written value went wrong: applied twice to the right base, or resolved against an older version's value. */
interface DeltaMiscount {
  readonly base: number;
  readonly amount: number;
  readonly twice: boolean;
  /** The older version whose value plus the amount is the executor's value, and that value. */
  readonly stale?: { readonly version: Version; readonly value: number };
}

/**
 * Where `writer` wrote `key` by DELTA (undefined otherwise) and the executor's value of that write
 * is `actual` where the reference's is `expected`: a DELTA's value is its base plus its amount, and
 * the base the reference used is the version before it, so the amount is known and an older
 * version that holds `actual - amount` is the base the executor used.
 */
function deltaMiscount(c: Context, key: number, writer: number, expected: number, actual: number): DeltaMiscount | undefined {
  if (writer === PRE_STATE || !c.trace.txs[writer]!.deltaKeys.has(key)) return undefined;
  const base = valueBefore(c.block, c.trace, key, writer);
  const amount = expected - base;
  const twice = amount !== 0 && actual === expected + amount;
  const staleBase = twice ? undefined : olderVersion(c, key, writer, actual - amount, true);
  return { base, amount, twice, ...(staleBase ? { stale: { version: staleBase, value: actual - amount } } : {}) };
}

/**
 * A read of the right version whose value is wrong because its writer resolved a DELTA against an
 * older version: the writer's stale base read is the anomaly, and `reader` the first read it showed
 * in (a DELTA base is not in the writer's read set, and a later write may hide it from the state).
 */
function staleDeltaBase(c: Context, key: number, writer: number, m: DeltaMiscount, stale: NonNullable<DeltaMiscount['stale']>, reader: number): Explanation {
  const should: Version = { tx: c.trace.txs[writer]!.sources.get(key) ?? PRE_STATE };
  return {
    anomaly: 'stale read', elle: ELLE['stale read'], tx: writer, key, keyName: c.name(key), expected: String(m.base), actual: String(stale.value),
    shouldComeFrom: should, cameFrom: stale.version,
    detail: `tx ${writer}'s DELTA of ${m.amount} on ${c.name(key)} was resolved against the base ${stale.value} from ${versionText(stale.version)} instead of ${m.base} from ${versionText(should)}, `
      + `so it wrote ${stale.value + m.amount} where the reference writes ${m.base + m.amount}; tx ${reader} read that write, the first read that differs. `
      + 'DELTA bases are not part of the read set, so only a later read of the key shows it.',
  };
}

/**
 * A committed write of `value` to another key that does not hold it in the result: the value went
 * to `key` instead (a write applied to the wrong key). The latest such write; undefined when none,
 * or when the value is one no key kept either way (a coincidence is then likelier than a stray).
 */
function misdirected(c: Context, key: number, value: number): { tx: number; key: number } | undefined {
  for (let t = c.trace.txs.length - 1; t >= 0; t--) {
    for (const [k, v] of c.trace.txs[t]!.writes) {
      if (k === key || v !== value || c.trace.lastWriter.get(k) !== t) continue;
      if ((c.actual.state.get(k) ?? 0) !== value) return { tx: t, key: k };
    }
  }
  return undefined;
}

/**
 * The newest version of `key` before transaction `before` that holds `value`: a write of an earlier
 * transaction, or the pre-state. With `strict`, undefined where none holds it (without, the
 * pre-state, for a value the caller knows one of them holds).
 */
function olderVersion(c: Context, key: number, before: number, value: number, strict: true): Version | undefined;
function olderVersion(c: Context, key: number, before: number, value: number): Version;
function olderVersion(c: Context, key: number, before: number, value: number, strict = false): Version | undefined {
  for (let t = before - 1; t >= 0; t--) if (c.trace.txs[t]!.writes.get(key) === value) return { tx: t };
  if (!strict || (c.block.preState.get(key) ?? 0) === value) return { tx: PRE_STATE };
  return undefined;
}

/** Explains the first divergence of `actual` from the reference result `expected`, or undefined when they agree. */
export function explain(block: Block, expected: BlockResult, actual: BlockResult, prov: Provenance = {}): Explanation | undefined {
  const n = block.txs.length;
  const problem = malformation(actual);
  if (problem !== undefined) {
    return {
      anomaly: 'malformed result', elle: ELLE['malformed result'], tx: -1, expected: 'a BlockResult', actual: problem,
      detail: 'A BlockResult holds the state root, receipts, receipts root, read sets, gas used, final state and statistics (spec/block.ts); '
        + 'its keys are integers from 0 to 2^32 - 1 and its values integers from -(2^53 - 1) to 2^53 - 1 (spec/values.ts).',
    };
  }
  if (actual.receipts.length !== n || actual.reads.length !== n) {
    return {
      anomaly: 'malformed result', elle: ELLE['malformed result'], tx: -1, expected: `${n} receipts and read sets`,
      actual: `${actual.receipts.length} receipts, ${actual.reads.length} read sets`,
      detail: 'A BlockResult must hold one receipt and one read set per transaction, in block order.',
    };
  }
  const trace = traceReference(block);
  const c: Context = { block, trace, expected, actual, prov, name: (k) => keyName(k, block.entityNames) };
  const x = firstDivergence(c);
  if (!x) return undefined;
  const escape = footprintEscape(block, trace, x.tx < 0 ? n - 1 : x.tx);
  // A final-state explanation's tx is the transaction blamed for the value (a reverted one whose
  // write was kept, one whose write went to another key), not a reader of the key; and a read of a
  // write its transaction did not keep (it reverted or ran out of gas) is wrong in any order: no
  // edge orders either.
  const unkept = x.cameFrom !== undefined && x.cameFrom.tx >= 0 && trace.txs[x.cameFrom.tx]!.revertedWrites.size > 0;
  // A wrong read set is a fault in putting the result together: no order of two transactions makes it right.
  const read = x.anomaly !== 'lost write' && x.anomaly !== 'wrong final value' && x.anomaly !== 'wrong read set' && !unkept;
  const edge = read && x.key !== undefined && x.shouldComeFrom ? missedEdge(block, trace, expected.receipts, x.shouldComeFrom.tx, x.tx, x.key, c.name) : undefined;
  return { ...x, ...(escape ? { footprint: footprintEscapeText(escape, c.name) } : {}), ...(edge ? { dependency: edge } : {}) };
}

/** The first transaction, in block order, whose read set or receipt differs; else the final state or the totals. */
function firstDivergence(c: Context): Explanation | undefined {
  const { expected, actual } = c;
  const n = c.block.txs.length;
  for (let i = 0; i < n; i++) {
    const er = expected.reads[i]!;
    const ar = actual.reads[i]!;
    // A transaction skipped where the reference ran it (or run where the reference skipped it) reads
    // nothing (or something) for that reason alone: its receipt says why, its read set only echoes it.
    if ((expected.receipts[i]!.status === 'skipped') !== (actual.receipts[i]!.status === 'skipped')) return explainReceipt(c, i);
    if (!sameReads(er, ar)) {
      let j = 0;
      while (j < er.length && j < ar.length && er[j]![0] === ar[j]![0] && er[j]![1] === ar[j]![1]) j++;
      return explainRead(c, i, j);
    }
    if (!sameReceipt(expected.receipts[i]!, actual.receipts[i]!)) return explainReceipt(c, i);
  }
  const state = explainState(c);
  if (state) return state;
  return explainTotals(c);
}

/**
 * With every read, receipt and final value right, what is left are the fields that summarise them:
 * each named, with what it summarises, since a wrong gas total and a wrong root are different bugs.
 */
function explainTotals(c: Context): Explanation | undefined {
  const { expected: e, actual: a } = c;
  const fields: readonly [keyof BlockResult, string, string, string][] = [
    ['stateRoot', e.stateRoot, a.stateRoot, 'the root of the final state'],
    ['receiptsRoot', e.receiptsRoot, a.receiptsRoot, 'the root of the receipts'],
    ['gasUsed', String(e.gasUsed), String(a.gasUsed), 'the sum of the receipts\' gas'],
  ];
  const bad = fields.filter(([, x, y]) => x !== y);
  if (bad.length === 0) return undefined;
  const [field, expected, actual, what] = bad[0]!;
  const anomaly: AnomalyName = field === 'gasUsed' ? 'wrong gas total' : 'wrong root';
  const also = bad.length > 1 ? ` (${bad.slice(1).map(([f]) => f).join(' and ')} ${bad.length > 2 ? 'are' : 'is'} wrong too)` : '';
  return {
    anomaly, elle: ELLE[anomaly], tx: -1, field, expected, actual,
    detail: `Every read, receipt and final value matched, but the result's ${field} is not ${what}${field === 'gasUsed' ? gasGap(c) : ''}${also}; `
      + 'build results with spec/result.ts blockResult() so they are computed one way.',
  };
}

/** The transactions shown at most by name where a gas total is off by theirs. */
const MAX_NAMED = 5;

/** Transactions `txs` with their statuses and gas, as a gas total's explanation names them: `tx 0 (reverted: delta outside its bounds, gas 42)`. */
function gasOf(c: Context, txs: readonly number[]): string {
  const named = txs.slice(0, MAX_NAMED).map((i) => {
    const r = c.expected.receipts[i]!;
    const status = r.status === 'reverted' ? `reverted: ${FAULT_NAMES[r.code] ?? `code ${r.code}`}` : r.status;
    return `tx ${i} (${status}, gas ${r.gasUsed})`;
  });
  const more = txs.length > MAX_NAMED ? [`${txs.length - MAX_NAMED} more`] : [];
  const all = [...named, ...more];
  return all.length > 1 ? `${all.slice(0, -1).join(', ')} and ${all.at(-1)}` : all[0]!;
}

/**
 * How the result's gasUsed differs from the sum of the receipts' gas, with the statuses of the
 * transactions whose gas makes the difference: the gas of every transaction that failed (reverted
 * or ran out of gas), of those of one status, or of one transaction, left out or counted twice;
 * else the statuses the block's receipts have, since a total by status is the usual slip.
 */
function gasGap(c: Context): string {
  const receipts = c.expected.receipts;
  const gap = c.expected.gasUsed - c.actual.gasUsed;
  const groups: [string, (s: Receipt['status']) => boolean][] = [
    ['that failed', (s) => s === 'reverted' || s === 'out-of-gas'], ['that reverted', (s) => s === 'reverted'],
    ['that ran out of gas', (s) => s === 'out-of-gas'], ['that succeeded', (s) => s === 'success'],
  ];
  const size = Math.abs(gap);
  const how = gap > 0 ? 'left out' : 'counted twice';
  for (const [which, is] of groups) {
    const txs = receipts.flatMap((r, i) => (is(r.status) && r.gasUsed > 0 ? [i] : []));
    if (txs.length > 0 && txs.reduce((n, i) => n + receipts[i]!.gasUsed, 0) === size) {
      return ` (${size} ${gap > 0 ? 'short' : 'over'}: the gas of the transactions ${which}, ${gasOf(c, txs)}, is ${how})`;
    }
  }
  const one = receipts.findIndex((r) => r.gasUsed === size);
  if (one >= 0) return ` (${size} ${gap > 0 ? 'short' : 'over'}: ${gasOf(c, [one])} used exactly that)`;
  const count = new Map<string, number>();
  for (const r of receipts) count.set(r.status, (count.get(r.status) ?? 0) + 1);
  return ` (${size} ${gap > 0 ? 'short' : 'over'}; the block's receipts: ${[...count].map(([s, n]) => `${n} ${s}`).join(', ')})`;
}

/**
 * `x` of a block an exec: engine was sent with `preStateOf` (impl/exec-executor.ts
 * preStateOfResult; undefined: sent with its pre-state, or no engine): whatever the values read
 * show, the engine ran on the pre-state it kept, and one that changed it (applying a block's
 * writes to it, say) reads and writes against an earlier block's values, which the explanation
 * alone names as a lost write or a stale read.
 */
export function sentWithPreStateOf(x: Explanation, preStateOf: number | undefined): Explanation {
  return preStateOf === undefined ? x : { ...x, preStateOf };
}

/** A result the same as the reference's, as `run --check` and `request --check` word it. */
export const SAME_AS_REFERENCE = 'the same state root, receipts and reads as the reference';

/** A result that differs, as `run --check` and `request --check` word it: `which` says which result, then its first difference, indented. */
export function differsText(which: string, x: Explanation): string {
  return `DIFFERS from the reference${which}; the first difference:\n${formatExplanation(x).map((l) => `  ${l}`).join('\n')}`;
}

/** The explanation as the lines a terminal report shows. */
export function formatExplanation(x: Explanation): string[] {
  const lines = [`anomaly      ${x.anomaly}  [Elle: ${x.elle}]`];
  if (x.tx >= 0) lines.push(`transaction  tx ${x.tx}${x.keyName ? `, key ${x.keyName} (${x.key})` : ''}`);
  else if (x.keyName) lines.push(`key          ${x.keyName} (${x.key})`);
  if (x.field) lines.push(`field        ${x.field}`);
  if (x.expected === x.actual && x.shouldComeFrom && x.cameFrom) {
    // A shrunk block drives values toward 0, so a read of the wrong version often returns the right
    // value by coincidence (a completion invariant still catches it): the versions are the difference.
    lines.push(`expected     from ${versionText(x.shouldComeFrom)}  (value ${x.expected})`);
    lines.push(`actual       from ${versionText(x.cameFrom)}  (value ${x.actual} too: the values coincide, so the version read is the difference)`);
  } else {
    lines.push(`expected     ${x.expected}${x.shouldComeFrom ? `  (from ${versionText(x.shouldComeFrom)})` : ''}`);
    lines.push(`actual       ${x.actual}${x.cameFrom ? `  (from ${versionText(x.cameFrom)})` : ''}`);
  }
  lines.push(`why          ${x.detail}`);
  if (x.dependency) lines.push(`dependency   ${x.dependency}`);
  if (x.footprint) lines.push(`footprint    ${x.footprint}`);
  if (x.preStateOf !== undefined) {
    lines.push(`pre-state    the block was sent with preStateOf: request ${x.preStateOf}, naming the pre-state the engine said it keeps (keepsPreState), not with its own; `
      + 'an engine that keeps a pre-state it then changed (applying a block\'s writes to it, say) reads values of an earlier block, and its writes are counted from them');
  }
  return lines;
}
