// An executor in another process, written in any language: `--executor 'exec:CMD'` starts CMD
// (through the shell, in the working folder) and speaks concord-exec/1 with it, one JSON object a
// line (docs/exec-protocol.md): each execute() writes one request holding the block as data
// (bytecode, transactions, pre-state), and the engine answers it with one line holding the final
// value of every key the block wrote, the receipts, every transaction's reads and its statistics.
// The BlockResult is built from them as every executor's is (spec/result.ts blockResult), so
// Concord compares and times an engine in Rust, Go or C++ the way it does its own. An engine that
// says in an answer that it keeps the last pre-state it was sent (keepsPreState) is sent, for a
// block over that same pre-state, the id of the request that carried it instead of the pre-state
// again: bench's calls repeat one block, and a pre-state of a million accounts is 21 MB a request.
// Invariants: answers are matched to requests in order, by id; any line that is not a
// well-formed answer to the oldest pending request, or an engine that ends its output or exits
// while one is pending, rejects that call with an ExecEngineError naming the command, the request
// and the field, stops the engine, and rejects every later call (or, when no call is left to
// reject, close()): a result is never built from part of an answer. An answer `{"id", "error"}`
// rejects its call alone, and so does a block that cannot be written as a request (nothing is sent,
// no id used); so does a request left unanswered past the bound the executor was made with, if any
// (answerWithin: verify's --timeout), which stops the engine, as a hang's only cure is a fresh one.
// An engine that ends before its first answer, however it ends, fails at start-up (atStartUp: the
// protocol has no ready signal); one that ends with a request line of 64 KiB or more pending is
// told its size, where that line may be what its reader could not take (requestSize).
// close() ends the engine's input and waits for it to exit; no engine
// outlives the Concord process that started it, whether it exits or is ended by a signal, and
// the processes it started (marked in their environment) are killed once it has exited (Engine).
// A process the engine left in the background holding its output is not waited for: once the
// engine has exited and its pipes stay quiet, Concord stops reading them and says so. A call
// that --timeout gives up on is said to be waiting on an engine that wrote nothing since the
// request (an answer left unflushed looks like a hang), on one that closed its input and so never
// read the request, or on part of a line (execHangNote).
// An engine may declare its name in its answers (`name`), as a module's executor declares its
// own: bench labels its runs by it (bench/sweep.ts runLabels), so that one engine compares across
// results files whatever path or flags reached it; one engine process declares one name.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { carriesMark, killMarked, killTrees, MARK_VARIABLE, marksWith, newMark, processes, walkTree } from './process-tree.js';
import { createInterface } from 'node:readline';
import { constants } from 'node:os';
import { emptyStats, PER_TX_COUNTERS, STATUSES, type Block, type BlockResult, type ExecutionStats, type ReadSet, type Receipt, type Status } from '../spec/block.js';
import { MAX_CALL_MS } from '../spec/call-time.js';
import type { Executor } from '../spec/executor.js';
import { jsonBreak } from '../spec/json-break.js';
import { plural } from '../spec/plural.js';
import { isKey } from '../spec/values.js';
import { blockResult } from '../spec/result.js';

export const EXEC_PREFIX = 'exec:';
export const EXEC_PROTOCOL = 'concord-exec/1';

/** How long close() waits for an engine to exit once its input has ended, before it is killed. */
const CLOSE_GRACE_MS = 10_000;

/**
 * How long close() waits for an engine it never sent a request to (verify and bench load each
 * executor once up front and close it unused) before it stops it without blame: one still starting
 * then (a JVM, `cargo run` building first) has not read its input yet, so its end says nothing of
 * the engine. Long enough for a command the shell cannot run, or an engine that dies on start, to
 * be told at load.
 */
const UNUSED_GRACE_MS = 3_000;
/** Engines close() stopped unused, still running after UNUSED_GRACE_MS: whether each started was not seen. */
let stoppedStarting = 0;
/** How many engines close() has stopped unused so far (a start-up check that stopped one could not tell whether it starts). */
export const enginesStoppedStarting = (): number => stoppedStarting;
/**
 * A request line this long is past the cap of common line readers (Go's bufio.Scanner: 64 KiB by
 * default; a `char buf[65536]` with fgets), so an engine's end with one pending names its size.
 */
const LONG_REQUEST = 64 * 1024;
/** The end of the engine's standard error kept for messages, in characters. */
const STDERR_TAIL = 2000;
/** The most of a bad line a message quotes. */
const QUOTE = 200;
/** The most of a line in progress, or of standard error, that a hang's message quotes (execHangNote). */
const LINE_START = 80;
/**
 * How long an engine that ended its output may take to exit before a pending call fails: its exit
 * code and standard error say more than "ended its output", and a crash gives them at once.
 */
const EXIT_AFTER_OUTPUT_MS = 1000;
/** Why Concord stopped reading an engine that had exited. */
const HELD_OPEN = `a process it left (in the background: \`command &\`) held its output open ${EXIT_AFTER_OUTPUT_MS / 1000} s later; Concord stopped reading it`;
/**
 * The longest line an engine may write: JavaScript strings end near 512 MiB, and a longer line
 * would crash Concord inside readline. A 1,000,000-transaction answer is about 100 MB.
 */
export const MAX_LINE_BYTES = 256 * 2 ** 20;

/** What an engine did wrong. Its place in Concord's code says nothing about the engine, so it has no stack frames. */
export class ExecEngineError extends Error {
  /**
   * Set where the engine failed at start-up, whatever call reports it: a line written before any
   * request, or an end (an exit, a kill, a command that could not be started) before its first
   * answer. The protocol has no ready signal, so an engine's start-up runs into its first request
   * (docs/exec-protocol.md), and Concord cannot tell a start that failed from a first block that
   * did. A close() right after loading (verify and bench load each executor once up front) would
   * otherwise be said to have thrown, as if closing were what went wrong.
   */
  atStartUp = false;
  /**
   * Set where the engine answered the request with `error` (it ran, and said it cannot execute
   * the block): verify tries the smallest block before shrinking such a failure, since an engine
   * that answers error to that too is broken whatever the block (properties/runner.ts).
   */
  answeredError = false;
  /**
   * The rule of concord-exec/1 that what the engine wrote broke (an answer that is no answer, a
   * line with no request pending), as a clause; undefined for any other failure (an exit, an error
   * answer). Such a failure is the engine's output, not its execution: verify confirms it on a
   * minimal block rather than shrinking the block it surfaced on (properties/runner.ts).
   */
  protocol: string | undefined;
  /**
   * The bound in ms (AnswerLimit) where the engine left a request unanswered past it and was
   * stopped for it: a hang made a failure of the call, which verify shrinks as it shrinks a crash,
   * where a hang of a call in Concord's own process can only end the command.
   */
  hung: number | undefined;

  constructor(message: string) {
    super(message);
    this.name = 'ExecEngineError';
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * An engine's failure that is its own whatever the block, where `e` is one: it answered `error`, or
 * it ended before its first answer (not a line out of turn, which ExecEngineError.protocol names).
 * verify tries such a failure on the smallest block before it shrinks it (properties/runner.ts).
 */
export type EngineFault = 'error answer' | 'start-up';

/** The EngineFault `e` is, or undefined where it is none. */
export function engineFault(e: unknown): EngineFault | undefined {
  if (!(e instanceof ExecEngineError) || e.protocol !== undefined) return undefined;
  return e.answeredError ? 'error answer' : e.atStartUp ? 'start-up' : undefined;
}

/** The signal a shell's exit code of 128 + N names (137: SIGKILL), or undefined for any other code. */
function signalOfShellCode(code: number): string | undefined {
  if (code <= 128) return undefined;
  return Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0];
}

/**
 * The shell Concord started could not find the command (or found it, but could not run it): the
 * command line given is at fault, as a module path that names no file is (an input error, exit 2),
 * not an engine that ran.
 */
export class ExecCommandError extends ExecEngineError {}

/** The shells whose words for a command they cannot run shellRefusal knows: dash's and bash's. */
const SHELLS = new Set(['sh', 'dash', 'bash']);

/** Whether `word` stands as a word of the command line `command` (not inside another word). */
function namesWord(command: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s'"=;&|(])${escaped}($|[\\s'";&|)])`).test(command);
}

/**
 * Why the shell that ran `command` refused it, or null: a syntax error of the command line, or exit
 * 127 (not found) or 126 (not executable), and its standard error nothing but the shell's one line
 * about a word of `command` ("/bin/sh: 1: ./engine: not found" from dash, "/bin/sh: line 1:
 * ./engine: No such file or directory" from bash; "/bin/sh: 1: exec: ./engine: not found" and
 * "/bin/sh: line 1: exec: ./engine: cannot execute: No such file or directory" where the command
 * starts with exec). The shell is /bin/sh, the one Concord starts, or one the command line starts
 * itself (`sh -c 'my-engine'`: "sh: 1: my-engine: not found"), which names itself as the command
 * line does: a word of it, and sh, dash or bash. An engine that ran and then failed the same way
 * writes its own name in front ("./engine.sh: line 3: jq: command not found"), or about a word not
 * in the command line, or anything else besides; the caller also makes sure nothing was answered.
 */
export function shellRefusal(command: string, code: number | null, stderr: string): string | null {
  // A command line Concord's /bin/sh cannot parse (a quote left open) started no engine: exit 2,
  // and nothing on standard error but the shell's own lines about its syntax (dash's, bash's).
  if (code === 2 && /^(?:\/bin\/sh: (?:-c: )?(?:line )?\d+: (?:Syntax error|syntax error|unexpected EOF)[^\n]*(?:\n|$))+$/.test(stderr)) {
    return `the shell could not read the command line (${stderr.trim().split('\n').join('; ')}): check its quotes and brackets`;
  }
  if (code !== 127 && code !== 126) return null;
  // `exec:exec ./engine` (docs/exec-protocol.md) has the shell's exec builtin name the word after it.
  const line = /^(\S+?): (?:line )?(?:\d+: )?(?:exec: )?(.+?): (?:cannot execute(?: binary file)?: )?(not found|command not found|No such file or directory|Permission denied|Exec format error)\n?$/.exec(stderr);
  if (!line) return null;
  const [shell, word] = [line[1]!, line[2]!];
  const ours = shell === '/bin/sh' || (SHELLS.has(shell.slice(shell.lastIndexOf('/') + 1)) && namesWord(command, shell));
  if (!ours || !namesWord(command, word)) return null;
  const said = stderr.trim();
  if (code === 127) return `the shell found no such command (${said}): give the engine's path (./target/release/my-engine) or a command on PATH`;
  // A file that is no program for this machine (built for another, or no executable format at all).
  if (line[3] === 'Exec format error') return `the shell could not run the command (${said}): it is no program for this machine (built for another architecture or system? a script needs a #! line)`;
  return `the shell could not run the command (${said}): is it executable? (chmod +x)`;
}

const LIST_HINT = 'the command holds a comma, and in an --executor list an exec: command takes the rest of the list, commas and all: name it last';

/** Whether an --executor value names a command to run as an engine. */
export function isExecCommand(name: string): boolean {
  return name.startsWith(EXEC_PREFIX);
}

/** The command of an `exec:` executor name; throws ExecEngineError when there is none. */
export function execCommand(name: string): string {
  const command = name.slice(EXEC_PREFIX.length).trim();
  if (command === '') throw new ExecEngineError(`${name}: no command after "${EXEC_PREFIX}" (give it as --executor 'exec:./my-engine --flag')`);
  return command;
}

/**
 * The block as a request carries it: Concord's data model as plain JSON, nothing to resolve by
 * name. `preStateOf`: the id of an earlier request whose pre-state this block's is, sent in its
 * place to an engine that keeps the last pre-state it was sent (docs/exec-protocol.md).
 */
export function requestBlock(block: Block, preStateOf?: number): object {
  return {
    programs: block.programs.map((p) => ({ name: p.name, arity: p.arity, code: Array.from(p.code), ...(p.footprint ? { footprint: p.footprint } : {}) })),
    txs: block.txs.map((tx) => ({ program: tx.program, args: tx.args, gasLimit: tx.gasLimit })),
    ...(preStateOf === undefined ? { preState: [...block.preState] } : { preStateOf }),
    gasLimit: block.gasLimit,
  };
}

/** Settings a request carries beside the block: what run and bench were given. */
export interface ExecSettings {
  readonly threads?: number;
  readonly modules?: number;
  readonly partition?: string;
}

/** Request `id` for `block`, as an engine reads it (one JSON line); `preStateOf` as for requestBlock. */
export function execRequest(block: Block, id: number, settings: ExecSettings = {}, preStateOf?: number): object {
  const { threads, modules, partition } = settings;
  return {
    format: EXEC_PROTOCOL, id,
    ...(threads === undefined ? {} : { threads }),
    ...(modules === undefined && partition === undefined ? {} : { settings: { ...(modules === undefined ? {} : { modules }), ...(partition === undefined ? {} : { partition }) } }),
    block: requestBlock(block, preStateOf),
  };
}

/**
 * The answer to request `id` that `result` (the reference's, for `concord request --answer`)
 * makes: the final value of every key whose value changed (a key set to 0 as 0), the receipts,
 * the reads and the statistics.
 */
export function execAnswer(block: Block, result: BlockResult, id: number): object {
  const writes: [number, number][] = [];
  for (const [k, v] of result.state) if (block.preState.get(k) !== v) writes.push([k, v]);
  for (const k of block.preState.keys()) if (!result.state.has(k)) writes.push([k, 0]);
  return { id, writes, receipts: result.receipts, reads: result.reads, stats: result.stats };
}

/** A receipt's fields (docs/exec-protocol.md): any other is refused, as an answer's are. */
const RECEIPT_FIELDS: readonly string[] = ['status', 'code', 'gasUsed', 'outputs'];
/** An answer's fields (docs/exec-protocol.md), error last: it stands in for all but id. */
const ANSWER_FIELDS: readonly string[] = ['id', 'writes', 'receipts', 'reads', 'stats', 'keepsPreState', 'name', 'error'];
/** The longest name an engine may declare: one line of a report's table, as bench --label's. */
const MAX_NAME = 80;

/**
 * Why `x` is no name an engine or a module's executor may declare (its answers' `name`, its
 * `name` property: impl/registry.ts checks a module's at load), or null: a name stands for the
 * executor in results files, reports and compare's --only, which takes a comma-separated list, and
 * must not read as an `exec:` command or a `NAME (PATH)` label (bench/sweep.ts runLabels).
 */
export function nameProblem(x: unknown): string | null {
  if (typeof x !== 'string' || x.trim() === '') return `must be a non-empty string, got ${quoted(x)}`;
  if (x !== x.trim() || x.length > MAX_NAME) return `must be at most ${MAX_NAME} characters without spaces at either end, got ${quoted(x)}`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f,()]/.test(x)) return `must be one line without commas or parentheses (compare --only takes a comma-separated list), got ${quoted(x)}`;
  if (x.startsWith(EXEC_PREFIX)) return `must not start with "${EXEC_PREFIX}", which names a command, got ${quoted(x)}`;
  return null;
}

/** A JSON value in a few characters, for a message. */
function quoted(x: unknown): string {
  const s = JSON.stringify(x) ?? String(x);
  return s.length > QUOTE ? `${s.slice(0, QUOTE)}...` : s;
}

/**
 * `text`, which the engine wrote (the end of its standard error, an error answer), after `lead` in
 * a message: on the message's line where it is one line (`LEAD: TEXT`); where it is several (a
 * Python traceback, a Go panic's tab-indented frames), the line ends saying it follows (`follows`)
 * and the text comes after a line break, its lines as written, for the printers of a failure to
 * show below the line (cli/failure-lines.ts, properties/report.ts), where escaping each break
 * (oneLine) left a traceback unreadable. Nothing before the text holds a line break (what the
 * engine wrote there is quoted as JSON), so the message's first line is its own. A character that
 * would act on a terminal (a carriage return, a colour code) is written as an escape, and the line
 * break that ends a text (Python's traceback.format_exc()) is no line of its own.
 */
function engineText(lead: string, follows: string, text: string): string {
  const shown = text.trimEnd().replace(/\r\n/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029]/g, (c) => (c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return shown.includes('\n') ? `${follows}:\n${shown}` : `${lead}: ${shown}`;
}

const isInteger = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);

/** The rules an engine's output may break (ExecEngineError.protocol), in docs/exec-protocol.md's words. */
const RULE = {
  lines: 'standard output carries answers only, one line for each request and nothing else: logs go to standard error',
  json: 'an answer is one JSON object on one line',
  order: 'each request is answered in order, with its id',
  shape: 'an answer holds the protocol\'s fields, each of its shape',
  long: 'a line is at most 256 MiB',
} as const;

/** Characters of a line a message shows before the place it breaks, and after it. */
const BEFORE_BREAK = 60;
const AFTER_BREAK = 20;

/**
 * Why `line`, which JSON.parse refused, is no answer, for "the answer to request N ... is not JSON
 * ...": a line that does not even start as JSON is a log line, quoted from its start; one that
 * breaks further on is said to break there (its column), with what comes before and after, and the
 * likeliest causes named: a NaN or an infinity (JSON has none; Python's json.dumps writes them
 * anyway), an answer written over several lines, two on one line.
 */
function notJson(line: string): string {
  const at = jsonBreak(line);
  const start = line.length - line.trimStart().length;
  // JSON.parse refuses a byte-order mark, and quoted shows it as nothing: it is named instead.
  if (line.startsWith('\uFEFF')) return ': a byte-order mark (U+FEFF) starts the line, before the answer: write UTF-8 without one (.NET: new UTF8Encoding(false))';
  // An answer is an object: a line that starts otherwise ("[INFO] ...", "3 blocks done") is a log line.
  if (at <= start || line[start] !== '{') return ` (answers only, one a line; write logs to standard error): ${quoted(line)}`;
  const before = JSON.stringify(`${at > BEFORE_BREAK ? '...' : ''}${line.slice(Math.max(0, at - BEFORE_BREAK), at)}`);
  if (at === line.length) return `: the line ends inside the answer, after ${before} (an answer is one line: write it without line breaks, not pretty-printed)`;
  const rest = line.slice(at);
  const nonFinite = /^(-?Infinity|NaN)/.exec(rest)?.[1];
  const why = nonFinite !== undefined ? `${nonFinite}, which JSON has no way to write: a number in the answer is not finite (Python's json.dumps writes NaN and Infinity all the same; json.dumps(..., allow_nan=False) raises instead)`
    : jsonBreak(line.slice(0, at)) === -1 ? 'more follows the answer\'s end (one answer a line, and nothing else on it)'
    : `unexpected ${JSON.stringify(line[at])}`;
  const after = JSON.stringify(`${rest.slice(0, AFTER_BREAK)}${rest.length > AFTER_BREAK ? '...' : ''}`);
  return `: at column ${at + 1} of ${line.length}, ${why}: after ${before} comes ${after}`;
}

/** Reads one answer's fields, throwing a message that names the first one out of shape. */
class Answer {
  constructor(private readonly json: Record<string, unknown>) {}

  list(field: string, length?: number): unknown[] {
    const v = this.json[field];
    if (!Array.isArray(v)) throw new Error(`${field} must be an array, got ${quoted(v)}`);
    if (length !== undefined && v.length !== length) throw new Error(`${field} must hold one entry per transaction of the block (${length}), got ${v.length}`);
    return v;
  }

  static pairs(v: unknown, where: string): [number, number][] {
    if (!Array.isArray(v)) throw new Error(`${where} must be an array of [key, value] pairs, got ${quoted(v)}`);
    v.forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || !isInteger(p[0]) || !isInteger(p[1])) throw new Error(`${where}[${i}] must be a [key, value] pair of integers, got ${quoted(p)}`);
      // Checked here, not left to the result's check: a final value of 0 is no entry of the state,
      // so a key out of range written as 0 would pass unseen, and an engine's key-encoding bug with it.
      if (!isKey(p[0])) throw new Error(`${where}[${i}] holds key ${p[0]}, which is no key: keys are integers from 0 to 2^32 - 1`);
    });
    return v as [number, number][];
  }

  /** The final values: one per key, as two for one key would leave the state to the order they are laid in. */
  static writes(v: unknown): [number, number][] {
    const writes = Answer.pairs(v, 'writes');
    const first = new Map<number, number>();
    writes.forEach(([k], i) => {
      const j = first.get(k);
      if (j !== undefined) throw new Error(`writes[${i}] gives key ${k} a final value again (first at writes[${j}]): give each key once`);
      first.set(k, i);
    });
    return writes;
  }

  receipts(txs: number): Receipt[] {
    return this.list('receipts', txs).map((r, t) => {
      const at = `receipts[${t}]`;
      if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new Error(`${at} must be an object { status, code, gasUsed, outputs }, got ${quoted(r)}`);
      // As at the answer's top level: a field Concord does not compare (logs) would pass unseen.
      const unknown = Object.keys(r).find((k) => !RECEIPT_FIELDS.includes(k));
      if (unknown !== undefined) throw new Error(`${at} has an unknown field ${quoted(unknown)} (a receipt holds ${RECEIPT_FIELDS.join(', ')})`);
      const { status, code, gasUsed, outputs } = r as Record<string, unknown>;
      if (!STATUSES.includes(status as Status)) throw new Error(`${at}.status must be one of ${STATUSES.map((s) => `"${s}"`).join(', ')}, got ${quoted(status)}`);
      if (!isInteger(code)) throw new Error(`${at}.code must be an integer, got ${quoted(code)}`);
      if (!isInteger(gasUsed) || gasUsed < 0) throw new Error(`${at}.gasUsed must be an integer >= 0, got ${quoted(gasUsed)}`);
      if (!Array.isArray(outputs) || !outputs.every(isInteger)) throw new Error(`${at}.outputs must be an array of integers, got ${quoted(outputs)}`);
      return { status: status as Status, code, gasUsed, outputs: outputs as number[] };
    });
  }

  reads(txs: number): ReadSet[] {
    return this.list('reads', txs).map((r, t) => Answer.pairs(r, `reads[${t}]`));
  }

  stats(): ExecutionStats {
    const s = this.json.stats;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new Error(`stats must be an object of counters, got ${quoted(s)}`);
    // Taken by bench as the call's time: one that is no time (0, -3, "12") was dropped silently,
    // so that a run meant to be engine-timed was timed whole, and run printed it as it came.
    const ms = (s as Record<string, unknown>).executeMs;
    if ('executeMs' in s && !(typeof ms === 'number' && ms > 0 && ms <= MAX_CALL_MS)) {
      throw new Error(`stats.executeMs must be a positive number of milliseconds up to a day (the engine's own time for the block), got ${quoted(ms)}`);
    }
    for (const [k, v] of Object.entries(s)) {
      if (!(typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))) throw new Error(`stats.${k} must be a number or a string, got ${quoted(v)}`);
    }
    // A field of the wrong kind, refused as the protocol's others are (spec/block.ts statsProblem
    // holds every executor's result to the same). The counters' values are left to statsProblem,
    // which run, verify and bench all ask: "reExecutions": -1 is a malformed result there.
    if ('fallback' in s && typeof (s as Record<string, unknown>).fallback !== 'string') throw new Error(`stats.fallback must be a string (why the block ran sequentially, '' when it did not), got ${quoted((s as Record<string, unknown>).fallback)}`);
    // The counters the answer leaves out read 0, as in every executor's stats (emptyStats); the four
    // every result must hold stay out if absent, so that run, verify and bench name them as missing.
    const stats: Record<string, number | string> = { ...(s as Record<string, number | string>) };
    for (const [counter, v] of Object.entries(emptyStats())) if (!(counter in stats) && !(PER_TX_COUNTERS as readonly string[]).includes(counter)) stats[counter] = v;
    return stats as ExecutionStats;
  }
}

/** Why a line is no answer to its request: the message names the request, the field and what is wrong. */
export class AnswerRefused extends Error {
  /**
   * `protocol`: the rule the line broke (RULE); `notJson`: the line is not JSON at all (a live
   * engine's line cut off by its exit is explained by that exit instead).
   */
  constructor(message: string, readonly protocol: string, readonly notJson = false) {
    super(message);
  }
}

/** A line read as an answer (readAnswer): the engine's result, or the error it answered with; and what it said of itself. */
export type AnswerRead = { readonly keepsPreState?: boolean; readonly name?: string } & ({ readonly result: BlockResult } | { readonly error: string });

/** How messages name the answer to request `id`, for `block`. */
export function answerSubject(id: number, block: Block): string {
  return `the answer to request ${id} (a block of ${plural(block.txs.length, 'transaction')})`;
}

/**
 * `line` read as the answer to request `id`, whose block is `block`, by the protocol's rules
 * (docs/exec-protocol.md, Answer): the one reader of answers, a live engine's and one kept in a
 * file (`concord request --check`), so that both refuse a line with the same words and build the
 * same result (the writes laid over the block's pre-state). `declared` is the name an earlier
 * answer of the same engine process declared, which this one may not change. Throws AnswerRefused.
 * stats.executeMs is checked against the call's time by the caller, which alone has one.
 */
export function readAnswer(line: string, id: number, block: Block, declared?: string): AnswerRead {
  const about = answerSubject(id, block);
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new AnswerRefused(`${about} is not JSON${notJson(line)}`, line.trimStart().startsWith('{') ? RULE.json : RULE.lines, true);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new AnswerRefused(`${about} must be a JSON object, got ${quoted(json)}`, RULE.json);
  const o = json as Record<string, unknown>;
  if (o.id !== id) throw new AnswerRefused(`${about} has id ${quoted(o.id)}: answer each request in order, with its id`, RULE.order);
  // As in block files: a misspelt field (keepPreState) would otherwise pass unseen.
  const unknown = Object.keys(o).find((k) => !ANSWER_FIELDS.includes(k));
  if (unknown !== undefined) throw new AnswerRefused(`${about} has an unknown field ${quoted(unknown)} (an answer holds ${ANSWER_FIELDS.slice(0, -1).join(', ')}; or id and error)`, RULE.shape);
  if ('keepsPreState' in o && typeof o.keepsPreState !== 'boolean') throw new AnswerRefused(`${about}: keepsPreState must be true or false, got ${quoted(o.keepsPreState)}`, RULE.shape);
  if ('name' in o) {
    const problem = nameProblem(o.name);
    // One process is one engine: a name that changes would split its runs in two.
    const changed = problem === null && declared !== undefined && o.name !== declared ? `is ${quoted(o.name)}, where an earlier answer declared ${quoted(declared)}: declare one name` : null;
    if (problem !== null || changed !== null) throw new AnswerRefused(`${about}: name ${problem ?? changed}`, RULE.shape);
  }
  const said = { ...('keepsPreState' in o ? { keepsPreState: o.keepsPreState as boolean } : {}), ...('name' in o ? { name: o.name as string } : {}) };
  if ('error' in o) {
    const why = `the engine could not execute request ${id}`;
    return { ...said, error: typeof o.error === 'string' ? engineText(why, `${why}; its error follows`, o.error) : `${why}: ${quoted(o.error)}` };
  }
  try {
    const a = new Answer(o);
    const txs = block.txs.length;
    const receipts = a.receipts(txs);
    const reads = a.reads(txs);
    const writes = Answer.writes(o.writes);
    const stats = a.stats();
    const pre = block.preState;
    return {
      ...said,
      result: blockResult(() => {
        const state = new Map(pre);
        for (const [k, v] of writes) state.set(k, v);
        return state;
      }, receipts, reads, stats),
    };
  } catch (e) {
    throw new AnswerRefused(`${about}: ${(e as Error).message}`, RULE.shape);
  }
}

/** What an engine's executeMs may exceed its call's whole time by: a clock that counts whole milliseconds rounds up by less. */
export const EXECUTE_MS_SLACK = 1;
/** And by this share of it: the engine's clock may run at another rate than Node's (a raw monotonic clock drifts by up to some 500 ppm). */
export const EXECUTE_MS_DRIFT = 1e-3;

/**
 * The results of calls whose block was sent as `preStateOf` (not with its pre-state), with the id
 * of the request it named: a failure's explanation says so (properties/explain.ts
 * sentWithPreStateOf), since an engine that changed the pre-state it kept reads values of the
 * blocks it ran on it. Beside the result, not in its stats, which reports show and verify counts
 * as the engine's own paths.
 */
const sentByReference = new WeakMap<BlockResult, number>();

/** The id of the request whose pre-state the call that returned `result` named instead of sending its own (docs/exec-protocol.md, Keeping the pre-state); undefined for any other result. */
export function preStateOfResult(result: BlockResult): number | undefined {
  return sentByReference.get(result);
}

interface Pending {
  readonly id: number;
  readonly block: Block;
  /** The request whose pre-state this one named (block.preStateOf) instead of carrying its own. */
  readonly preStateOf?: number;
  /** performance.now() as the request was written: its answer's executeMs cannot be longer than the time since. */
  readonly sentAt: number;
  /** The request line's length in bytes, newline included. */
  readonly bytes: number;
  /** Set once the whole line is in the engine's input pipe: until then the engine cannot have read it whole. */
  written: boolean;
  resolve(result: BlockResult): void;
  reject(error: Error): void;
}

/**
 * A started engine: its process, and the mark in the environment it and every process below it
 * inherit (CONCORD_ENGINE), by which they are found and killed once it is stopped or has exited.
 *
 * Why a mark beside a walk down from the engine's pid: once the engine (or the shell that ran it)
 * exits, the processes it left in the background (`exec:sleep 30 & ./engine`) are reparented to
 * init, and the walk no longer finds them; remembering what walks found missed a process started
 * after the last walk (an engine closed as soon as it started, before its shell reached
 * `sleep 30 &`) or one that left the tree in between (a daemon's double fork). The walk stays for
 * a stop while the engine runs: a process below it that started with an environment of its own
 * carries no mark. An engine that is itself a Concord (a wrapper over `exec:`) marks its engines
 * with its own mark after the one it was given, so the outer Concord's kill, which its exit hooks
 * never see, still reaches them. Why not a process group of its own (detached, then a kill of the
 * group) instead: the engine stays in Concord's group, so that Ctrl-C in a terminal reaches it
 * even while Concord's main thread is held in synchronous code (its SIGINT listener cannot run
 * then), and a group's id is free for another group to take once its last process exits. Out of
 * sight, once out of the engine's tree: a process that started with an environment of its own
 * (`env -i`), one not ours to read (another user's, or not dumpable), and every process where there
 * is no /proc. The finding and killing is impl/process-tree.ts's, which the CLI's own end uses too.
 */
interface Engine {
  readonly child: ChildProcessWithoutNullStreams;
  readonly mark: string;
  /** The executor's name, `exec:...`. */
  readonly name: string;
  /** What Concord has seen of its oldest unanswered request, for a hang's message (execHangNote); null while none is pending. */
  waiting(): { readonly sentAt: number; readonly seen: string } | null;
}

/** Engines not yet exited (or not yet closed after it), stopped if the process exits without closing them. */
const live = new Set<Engine>();
let exitHook = false;

/**
 * Stops every live engine when Concord exits, or when a signal ends it: 'exit' does not run then,
 * and an engine that ignores its closed input (one that hangs, the case --timeout is for) would
 * keep a core busy after a `kill` or a CI job's cancellation. A signal is raised again once no
 * other listener is left, so the process still ends as that signal ends it.
 */
function stopEnginesOnExit(): void {
  if (exitHook) return;
  exitHook = true;
  const stopAll = () => stop(...live);
  process.once('exit', stopAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopAll();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/**
 * Kills engines, every process below them now and every process that carries one of their
 * marks: the shell may run the command as its child rather than in its own place, and killing
 * the shell alone would leave the engine running. The tree is read before the shell is killed,
 * while its children are still its own.
 */
function stop(...stopped: Engine[]): void {
  // Only while Node has not reaped the shell: once it has, its pid may be another process's.
  const running = stopped.filter(({ child }) => child.pid !== undefined && child.exitCode === null && child.signalCode === null);
  killTrees(running.map(({ child }) => child.pid!), stopped.map((e) => e.mark));
  // Node's own record of the shell it started (exited, or killed just now) settles through it.
  for (const { child } of stopped) child.kill('SIGKILL');
}

/** What the process's file descriptor `fd` is open on, as /proc names it ("socket:[4711]", "pipe:[4711]", a path); null where it is closed, or /proc cannot tell. */
function openFile(pid: number, fd: string): string | null {
  try {
    return readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return null;
  }
}

/**
 * Who still holds the engine's standard input, `input` (its shell's fd 0 as /proc named it at the
 * start), open, of the engine's processes (the tree below its shell, and those carrying its mark):
 * 'none'; 'shell' where only the shell Concord started holds it, still running the command line
 * (not replaced by the engine: its arguments are still Concord's) with processes below it that do
 * not, as a shell does that waits for the command it started; 'engine' where any other does; null
 * where /proc cannot tell.
 */
function inputHolders(engine: Engine, input: string): 'none' | 'shell' | 'engine' | null {
  const root = engine.child.pid;
  const listed = processes();
  if (root === undefined || listed.length === 0) return null;
  const tree: number[] = [];
  walkTree(root, (pid) => tree.push(pid));
  const all = new Set([...tree, ...listed.filter((pid) => carriesMark(pid, [engine.mark]))]);
  const holding = [...all].filter((pid) => {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      // Exited meanwhile, or not ours to read: holds nothing that can be seen.
    }
    return fds.some((fd) => openFile(pid, fd) === input);
  });
  if (holding.length === 0) return 'none';
  if (holding.length > 1 || holding[0] !== root || tree.length === 1) return 'engine';
  try {
    return readFileSync(`/proc/${root}/cmdline`, 'utf8') === `${engine.child.spawnargs.join('\0')}\0` ? 'shell' : 'engine';
  } catch {
    return null;
  }
}

/** USER_HZ: /proc/PID/stat counts CPU in 1/100 s on every Linux Node supports. */
const JIFFY_MS = 10;

/** The CPU in ms a process and every live process below it have used, from /proc; 0 where /proc cannot tell. */
function treeCpuMs(root: number): number {
  let ms = 0;
  // utime, stime, cutime and cstime, fields 14 to 17 of the line, are 11 to 14 from the state.
  // cutime and cstime hold the children it has reaped: an engine's helper that exited is no
  // longer in the tree, and its CPU would otherwise count as another process's.
  walkTree(root, (_, f) => (ms += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * JIFFY_MS));
  return ms;
}

/**
 * CPU in ms used so far by the live engines and every process below them (the shell, the engine it
 * started, that engine's helpers), for bench, which counts it as the executor's own rather than
 * as another process making the machine busy. 0 where /proc is absent.
 */
export function execEnginesCpuMs(): number {
  let ms = 0;
  for (const { child } of live) if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) ms += treeCpuMs(child.pid);
  return ms;
}

/**
 * What Concord has seen of the oldest unanswered request of the engine that `call` (a hung call,
 * as --timeout names it: "the executor exec:./engine: execute() on ...") was made to, as a clause
 * to append to the hang's message ("; the engine wrote nothing on its standard output since
 * request 3 was sent (an answer not flushed? ...)"); '' where no engine of that name has a request
 * pending. An answer left in the engine's output buffer (a pipe is block-buffered in most
 * languages) looks like a hang from here, and only the engine's silence since the request tells
 * it, so the hang says what was seen. Of several such engines (one left behind pending by an
 * earlier call), the one sent a request last: the hung call is the latest.
 */
export function execHangNote(call: string): string {
  let latest: { readonly sentAt: number; readonly seen: string } | null = null;
  for (const engine of live) {
    if (!call.includes(`${engine.name}:`)) continue;
    const w = engine.waiting();
    if (w !== null && (latest === null || w.sentAt >= latest.sentAt)) latest = w;
  }
  return latest === null ? '' : `; ${latest.seen}`;
}

/** The engine of each executor createExecExecutor made, for execEnginePeakRssBytes. */
const engineOf = new WeakMap<Executor, Engine>();

/** The name each exec: executor's engine declared in its answers, once it has. */
const declaredNames = new WeakMap<Executor, string>();

/** Whether `executor` is an `exec:` engine's, whatever its results call it (the name its answers declare, or the command). */
export function isExecExecutor(executor: Executor): boolean {
  return engineOf.has(executor);
}

/** The name an `exec:` executor's engine declared in an answer (`name`); undefined before one did, where none does, and for any other executor. */
export function declaredEngineName(executor: Executor): string | undefined {
  return declaredNames.get(executor);
}

/**
 * The most resident memory the engine of an `exec:` executor has held since resetExecEnginePeak:
 * the high-water mark (VmHWM) of its process and of every process below it still alive, summed
 * (each peaked when it did, so the sum bounds the live processes' peak together from above; one
 * that exited meanwhile is not counted). Null for any other executor and where /proc cannot tell:
 * bench's peak RSS is Concord's own process, where an engine's memory is not.
 */
export function execEnginePeakRssBytes(executor: Executor): number | null {
  const engine = engineOf.get(executor);
  if (engine?.child.pid === undefined) return null;
  let bytes = 0;
  let read = false;
  walkTree(engine.child.pid, (pid) => {
    try {
      const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (kb !== undefined) {
        bytes += Number(kb) * 1024;
        read = true;
      }
    } catch {
      // Exited meanwhile: its memory is given back.
    }
  });
  return read ? bytes : null;
}

/**
 * Starts the high-water marks of an `exec:` executor's engine processes again from their memory now
 * (`5` to /proc/PID/clear_refs, Linux 4.0 on), so that the next execEnginePeakRssBytes is what the
 * calls in between needed: one engine process serves every block bench gives it, and a small block
 * timed after a big one would otherwise read the big one's peak. Where it cannot (no /proc, older
 * Linux), the mark runs on, as Concord's own process's does.
 */
export function resetExecEnginePeak(executor: Executor): void {
  const pid = engineOf.get(executor)?.child.pid;
  if (pid === undefined) return;
  walkTree(pid, (p) => {
    try {
      writeFileSync(`/proc/${p}/clear_refs`, '5');
    } catch {
      // Exited meanwhile, or a kernel without it: its mark stands.
    }
  });
}

/**
 * How long a request may stay unanswered before the engine is stopped and the call fails as hung
 * (ExecEngineError.hung), and the option that set it, for the message: verify's --timeout, so that
 * a deadlocked engine is a counterexample to shrink on fresh engines, not the end of the command.
 */
export interface AnswerLimit {
  readonly ms: number;
  readonly by: string;
}

/**
 * The executor behind `exec:CMD`. `settings` (threads, modules, partition, as run and bench were
 * given them) go with every request, a call's own `threads` over the setting. `answerWithin`: none
 * by default, so that a call waits for its answer as long as its caller's own limit lets it.
 */
export function createExecExecutor(name: string, settings: ExecSettings = {}, answerWithin?: AnswerLimit): Executor {
  const command = execCommand(name);
  // In Concord's process group, so that Ctrl-C in a terminal reaches the engine too.
  const mark = newMark();
  const env = { ...process.env, [MARK_VARIABLE]: marksWith(mark) };
  const child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'pipe'], env });
  // Taken at once, before the command line can redirect or close it: what the engine reads requests from.
  const started = child.pid === undefined ? null : openFile(child.pid, '0');
  const input = started !== null && /^(socket|pipe):\[\d+\]$/.test(started) ? started : null;
  const engine: Engine = { child, mark, name, waiting: () => waiting() };
  live.add(engine);
  stopEnginesOnExit();
  let stderr = '';
  /** Whether `stderr` lost its start: then it is no longer all the engine wrote there. */
  let stderrCut = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderrCut ||= stderr.length + d.length > STDERR_TAIL;
    stderr = (stderr + d).slice(-STDERR_TAIL);
  });
  const tail = () => (stderr.trim() === '' ? '' : engineText('; the end of its standard error', '; the end of its standard error follows', stderr.trim()));
  // The engine's input closes when it exits; a write after that fails here, and the exit says why.
  // One that fails while it runs (EPIPE) says, where /proc cannot, that it closed its input.
  child.stdin.on('error', () => {});
  /** The request whose write failed as no process held the engine's input open, if one did. */
  let unread: number | null = null;
  const pending: Pending[] = [];
  let failed: ExecEngineError | null = null;
  /** Whether `failed` rejected a call: a line after the last answer fails close() instead. */
  let reported = false;
  /** What close() reports: an engine that did not exit cleanly once its input ended. */
  let closeError: ExecEngineError | null = null;
  let closing = false;
  let killedAtClose = false;
  /** Set where close() stopped an engine it never sent a request to, still running after UNUSED_GRACE_MS. */
  let stoppedUnused = false;
  let nextId = 1;
  let answered = false;
  /** The longest request line the engine answered (its answer or an error), in bytes. */
  let longestAnswered = 0;
  /**
   * What an end with request `p` pending says of its line, which a reader with a cap on its length
   * fails on (Go's bufio.Scanner stops at 64 KiB): where it is that long, its size, if it is longer
   * than any the engine answered or Concord had not finished writing it (then the engine cannot have
   * read it whole, and is told so). No more is known: a line in the pipe may or may not have been read.
   */
  const requestSize = (p: Pending): string => {
    // A short line not written whole is an engine gone before it read anything, which its end says.
    if (p.bytes < LONG_REQUEST) return '';
    const longest = p.bytes > longestAnswered;
    if (p.written && !longest) return '';
    const unread = p.written ? '' : '; Concord had not finished writing it to the engine\'s input when the engine ended, so it did not read it whole';
    const than = !longest ? '' : `${longestAnswered === 0 ? '' : `; longer than any it answered (the longest: ${longestAnswered.toLocaleString('en-US')} bytes)`}`
      + '; an engine reads each request line whole, however long: a reader with a cap on a line\'s length (Go\'s bufio.Scanner: 64 KiB by default) fails on the first line past it';
    return `a line of ${p.bytes.toLocaleString('en-US')} bytes${unread}${than}`;
  };
  /** Set by an answer with keepsPreState: the engine keeps the pre-state of the last request that carried one. */
  let keepsPreState = false;
  /** The name the engine's answers declare (`name`), once one has. */
  let declared: string | undefined;
  /**
   * The pre-state the last request carried, by identity: Concord's commands never change a
   * block's pre-state Map once made, so the same Map of the same size is the same pre-state.
   */
  let lastSent: { readonly preState: Block['preState']; readonly size: number; readonly id: number } | null = null;

  /**
   * Fails the engine for good with `problem` (once: a failure after the first is not said), an
   * error of `kind`; `atStartUp`, `protocol` (the rule its output broke) and `hung` as
   * ExecEngineError has them.
   */
  const fail = (problem: string, { kind = ExecEngineError, atStartUp = false, protocol, hung }: { kind?: typeof ExecEngineError; atStartUp?: boolean; protocol?: string; hung?: number } = {}): void => {
    if (failed) return;
    failed = new kind(`${name}: ${problem}`);
    failed.atStartUp = atStartUp;
    failed.protocol = protocol;
    failed.hung = hung;
    reported = pending.length > 0;
    for (const p of pending.splice(0)) p.reject(failed);
    if (child.exitCode === null && child.signalCode === null) stop(engine);
  };

  /** Request `id`, on `block`, still unanswered past answerWithin: the engine is stopped, and the call fails as hung. */
  const unanswered = (id: number, block: Block, limit: AnswerLimit): void => {
    if (failed || !pending.some((p) => p.id === id)) return;
    const seen = waiting()?.seen;
    fail(`did not answer request ${id} (a block of ${plural(block.txs.length, 'transaction')}) within ${limit.ms / 1000} s (${limit.by}), and was stopped${seen ? `; ${seen}` : ''}`, { hung: limit.ms });
  };

  /** The start of an answer the engine ended its output in, left for the exit to explain. */
  let cutAnswer: string | null = null;
  // An engine that closed its output and runs on would leave a pending call waiting for ever.
  const failIfStillRunning = (): void => {
    setTimeout(() => {
      if (pending.length > 0 && child.exitCode === null && child.signalCode === null) {
        fail(`the engine closed its standard output but kept running, with request ${pending[0]!.id} unanswered${tail()}`);
      }
    }, EXIT_AFTER_OUTPUT_MS).unref();
  };
  // Registered before readline's: set when it hands over the last line, one with no newline.
  let outputEnded = false;
  child.stdout.once('end', () => {
    outputEnded = true;
    failIfStillRunning();
  });
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  let lineBytes = 0;
  /** The start of the line in progress (LINE_START bytes at most), and when the engine's output and error were last read from. */
  let lineStart = '';
  let outAt = -Infinity;
  let errAt = -Infinity;
  /** Chunks read from the engine's output and error so far: the pipes are still being drained while it grows. */
  let heard = 0;
  child.stderr.on('data', () => {
    heard++;
    errAt = performance.now();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    heard++;
    outAt = performance.now();
    const newline = chunk.lastIndexOf(10);
    lineBytes = newline < 0 ? lineBytes + chunk.length : chunk.length - newline - 1;
    if (newline >= 0) lineStart = '';
    if (lineStart.length < LINE_START) lineStart += chunk.subarray(newline + 1, newline + 1 + LINE_START - lineStart.length).toString('utf8');
    if (lineBytes > MAX_LINE_BYTES && !failed) {
      fail(`wrote a line of more than ${MAX_LINE_BYTES / 2 ** 20} MiB without ending it${pending.length > 0 ? ` (request ${pending[0]!.id} unanswered)` : ''}`, { protocol: RULE.long });
      lines.close();
    }
  });
  lines.on('line', (line) => {
    if (failed) return;
    answered = true;
    const p = pending.shift();
    if (!p) {
      // A start-up banner comes before any request: said so, as a close() that follows reports it.
      const when = nextId === 1 ? 'before any request was sent to it (at start-up)' : 'with no request pending';
      fail(`wrote a line ${when} (answers only, one a request; write logs to standard error): ${quoted(line)}`, { atStartUp: nextId === 1, protocol: RULE.lines });
      return;
    }
    let read: AnswerRead;
    try {
      read = readAnswer(line, p.id, p.block, declared);
    } catch (e) {
      pending.unshift(p);
      // A line cut off by the end of the output is an engine that stopped mid-answer: its exit says why.
      if (e instanceof AnswerRefused && e.notJson && outputEnded) cutAnswer = line;
      else fail((e as Error).message, { protocol: e instanceof AnswerRefused ? e.protocol : undefined });
      return;
    }
    if (read.keepsPreState === true) keepsPreState = true;
    if (read.name !== undefined) {
      declared = read.name;
      declaredNames.set(executor, declared);
    }
    longestAnswered = Math.max(longestAnswered, p.bytes);
    if ('error' in read) {
      const error = new ExecEngineError(`${name}: ${read.error}`);
      error.answeredError = true;
      p.reject(error);
      return;
    }
    // bench takes it as the block's time: one in microseconds, or from a clock that counts something
    // else, would be published as a speedup a thousand times too small (or large, and is not seen).
    const tookMs = performance.now() - p.sentAt;
    const ms = read.result.stats.executeMs;
    if (typeof ms === 'number' && ms > tookMs * (1 + EXECUTE_MS_DRIFT) + EXECUTE_MS_SLACK) {
      pending.unshift(p);
      fail(`${answerSubject(p.id, p.block)}: stats.executeMs is ${ms} ms, longer than the whole call took (${tookMs.toFixed(2)} ms from writing the request to reading this answer): `
        + 'it must be the engine\'s own time for the block, in milliseconds', { protocol: RULE.shape });
      return;
    }
    if (p.preStateOf !== undefined) sentByReference.set(read.result, p.preStateOf);
    p.resolve(read.result);
  });

  /**
   * How it is known that the engine closed its standard input, where it is: no process of it holds
   * that open, or a write to it failed (where /proc cannot tell); 'shell' where only the shell that
   * started it holds it, which is either waiting for an engine that closed it or is the engine
   * itself (a command line that reads the requests, a shell loop, busy with one): /proc shows the
   * two alike. null where it may still be reading.
   */
  const inputClosed = (): string | 'shell' | null => {
    const held = input === null ? null : inputHolders(engine, input);
    if (held === 'none') return 'no process of it holds it open';
    if (held === 'shell') return 'shell';
    return held === null && unread !== null ? `writing request ${unread} to it failed: no process held it open` : null;
  };

  /** What was seen of the oldest pending request (execHangNote): nothing on the output since it was sent (with its input closed, or not), or part of a line without its newline. */
  const waiting = (): { readonly sentAt: number; readonly seen: string } | null => {
    const p = pending[0];
    if (p === undefined || failed) return null;
    const sent = `request ${p.id} was sent`;
    const partial = lineBytes > Buffer.byteLength(lineStart) ? `${JSON.stringify(`${lineStart}...`)}, ${lineBytes.toLocaleString('en-US')} bytes` : JSON.stringify(lineStart);
    const errors = errAt >= p.sentAt ? `; it wrote to its standard error since, which ends: ${JSON.stringify(stderr.trim().slice(-LINE_START))}` : '';
    if (outAt < p.sentAt) {
      const before = lineBytes > 0 ? `; what it wrote before that, ${partial}, has no newline yet` : '';
      // Asking about an answer left unflushed would mislead: the engine stopped reading requests.
      const closed = inputClosed();
      if (closed === 'shell') {
        return { sentAt: p.sentAt, seen: `only the shell that started the engine holds its standard input open, and nothing came on its standard output since ${sent}: `
          + `either the command that shell runs closed its input and stopped reading requests before it answered this one, or the command line reads them itself (a shell loop) and is still at work on this one${before}${errors}` };
      }
      if (closed !== null) {
        return { sentAt: p.sentAt, seen: `the engine closed its standard input (${closed}) and wrote nothing on its standard output since ${sent}: `
          + `it stopped reading requests before it answered this one (an engine reads its standard input until it ends, and answers each request)${before}${errors}` };
      }
      return { sentAt: p.sentAt, seen: `the engine wrote nothing on its standard output since ${sent} (an answer not flushed? write each answer with a newline and flush: Python print(..., flush=True) or python3 -u)${before}${errors}` };
    }
    // A whole line since the request would have been taken as its answer.
    if (lineBytes === 0) return null;
    return { sentAt: p.sentAt, seen: `the engine has written part of a line since ${sent} but not its newline (${partial}): end each answer with a newline, and flush after it${errors}` };
  };

  /** Set when Concord stopped reading pipes that something else held open after the engine exited. */
  let heldOpen = false;
  let pipesClosed = false;
  // A process the command left in the background (`sleep 30 & ./engine`) inherits the engine's
  // output and error, and 'close' waits for every holder of them: close() and any call pending
  // would wait for that process, and the grace timer would blame the engine, which had exited.
  // Once the pipes stay quiet for a while after the exit, Concord stops reading them. The look
  // runs after an I/O poll (setImmediate after the timer), so data the engine wrote before it
  // exited is read even when a long answer kept the event loop busy past the timer.
  child.once('exit', () => {
    let seen = -1;
    const look = (): void => {
      if (pipesClosed) return;
      if (heard === seen) {
        heldOpen = true;
        child.stdout.destroy();
        child.stderr.destroy();
        return;
      }
      seen = heard;
      setTimeout(() => setImmediate(look), EXIT_AFTER_OUTPUT_MS).unref();
    };
    look();
  });

  const closed = new Promise<void>((resolve) => {
    child.once('error', (e) => {
      fail(`could not start the command: ${e.message}`, { atStartUp: true });
      live.delete(engine);
      resolve();
    });
    child.once('close', (code, signal) => {
      pipesClosed = true;
      // The engine has exited: whatever it left running (in the background) goes with it.
      killMarked([engine.mark]);
      live.delete(engine);
      // Not the engine's failure but the command line's: reported as such whenever it is seen.
      const refused = answered || heldOpen || stderrCut ? null : shellRefusal(command, code, stderr);
      if (refused !== null) {
        fail(refused, { kind: ExecCommandError, atStartUp: true });
        resolve();
        return;
      }
      // The shell's own codes for a command it could not run, before the engine answered anything.
      // A shell that waits for its child reports a signal's end as 128 + its number.
      const shellSignal = code === null ? undefined : signalOfShellCode(code);
      const shell = !answered && code === 127 ? ' (the shell found no such command)' : !answered && code === 126 ? ' (the shell could not run the command: is it executable?)'
        : shellSignal === undefined ? '' : ` (128 + ${code! - 128}: ${shellSignal}, as a shell reports a command a signal ended)`;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}${shell}`;
      const cut = cutAnswer === null ? '' : ` after writing part of its answer (${quoted(cutAnswer)}, no newline)`;
      // An engine that failed before answering anything may not be the engine meant: in a list,
      // `exec:` takes the rest (`exec:./engine,block-stm` runs "./engine,block-stm").
      const notes = `${heldOpen ? `; ${HELD_OPEN}` : ''}${!answered && command.includes(',') ? `; ${LIST_HINT}` : ''}`;
      // Before its first answer, the engine's end is its start-up's as far as Concord can tell (ExecEngineError.atStartUp).
      const first = answered ? '' : ' before answering its first request';
      if (pending.length > 0) {
        const p = pending[0]!;
        const size = requestSize(p);
        const unanswered = answered ? ` with request ${p.id} unanswered${size && ` (${size})`}` : `${first} (request ${p.id} pending${size && `: ${size}`})`;
        fail(`the engine ${how}${unanswered}${cut}${notes}${tail()}`, { atStartUp: !answered });
      } else if (!closing) fail(`the engine ${how}${answered ? ' before Concord closed it' : `${first} (none was sent to it yet)`}${notes}${tail()}`, { atStartUp: !answered });
      // Still starting when Concord closed it unused: nothing it did is known to be wrong.
      else if (stoppedUnused) closeError = null;
      // Killed for running on: the SIGKILL is Concord's, and a process it left holding the output is said after.
      else if (killedAtClose) closeError = new ExecEngineError(`${name}: the engine was still running ${CLOSE_GRACE_MS / 1000} s after its input ended, and was killed: exit when standard input ends${notes}`);
      else if (heldOpen && !failed) closeError = new ExecEngineError(`${name}: end every process the engine starts before it exits: it ${how}, but ${HELD_OPEN}`);
      else if (code !== 0 && !failed) {
        // Closed before any request (verify and bench load each executor once up front): it may
        // have died starting, or on its input's end; either is a failure before its first answer.
        const exitsWith0 = shellSignal === undefined ? ', and an engine exits with 0 when its input ends' : '';
        const when = nextId === 1 ? `${first} (none was sent to it: Concord closed its input unused${exitsWith0})` : ' when its input ended (expected 0)';
        closeError = new ExecEngineError(`${name}: the engine ${how}${when}${notes}${tail()}`);
        closeError.atStartUp = nextId === 1;
      }
      resolve();
    });
  });

  const executor: Executor = {
    name,
    execute(block, options) {
      if (closing) return Promise.reject(new ExecEngineError(`${name}: the executor is closed`));
      if (failed) {
        reported = true;
        return Promise.reject(failed);
      }
      const id = nextId;
      const threads = options?.threads ?? settings.threads;
      // The line is made before the call is pending: a block it cannot be made of (a BigInt, a
      // missing field) rejects this call alone, where a call left pending unsent would take the
      // next request's answer as its own and stop the engine.
      let line: string;
      const kept = keepsPreState && lastSent !== null && lastSent.preState === block.preState && lastSent.size === block.preState.size ? lastSent.id : undefined;
      try {
        line = `${JSON.stringify(execRequest(block, id, { ...settings, ...(threads === undefined ? {} : { threads }) }, kept))}\n`;
      } catch (e) {
        return Promise.reject(new Error(`${name}: the block cannot be sent as a request: ${(e as Error).message}`));
      }
      if (kept === undefined) lastSent = { preState: block.preState, size: block.preState.size, id };
      nextId++;
      return new Promise<BlockResult>((resolve, reject) => {
        // Not unref'd: it is what settles a call to an engine that never answers.
        const timer = answerWithin && answerWithin.ms > 0 ? setTimeout(() => unanswered(id, block, answerWithin), answerWithin.ms) : undefined;
        const settled = <T>(f: (v: T) => void) => (v: T): void => {
          clearTimeout(timer);
          f(v);
        };
        const call: Pending = { id, block, ...(kept === undefined ? {} : { preStateOf: kept }), sentAt: performance.now(), bytes: Buffer.byteLength(line), written: false, resolve: settled(resolve), reject: settled(reject) };
        pending.push(call);
        child.stdin.write(line, (e) => {
          if (e === null || e === undefined) call.written = true;
          else if ((e as NodeJS.ErrnoException).code === 'EPIPE') unread ??= id;
        });
        if (outputEnded) failIfStillRunning();
      });
    },
    async close() {
      if (!closing) {
        closing = true;
        child.stdin.end();
        const unused = nextId === 1;
        const timer = setTimeout(() => {
          if (unused) {
            stoppedUnused = true;
            stoppedStarting++;
          } else killedAtClose = true;
          stop(engine);
        }, unused ? UNUSED_GRACE_MS : CLOSE_GRACE_MS);
        await closed;
        clearTimeout(timer);
      } else {
        await closed;
      }
      if (failed && !reported) {
        reported = true;
        throw failed;
      }
      if (closeError) throw closeError;
    },
  };
  engineOf.set(executor, engine);
  return executor;
}
