// Failure reports as text: the explanation, the shrunk block in readable form, the interleaving,
// the block file with the command that reruns it, and the one replay command, in the order a person
// reads them. Shared by `concord verify` and the vitest helper, so a failing test reads exactly like
// a failing CLI run.
// Invariant: every line is derived from the FailureReport (or the replay token) alone, with no
// re-execution, so printing a report never changes what it says. A big block is printed in part
// (at most MAX_TXS transactions: those the explanation names, their neighbours, then the first
// ones), with a line that counts the rest and says where the whole block is.

import { blockFromJson } from '../spec/block-file.js';
import type { Block } from '../spec/block.js';
import { disassemble } from '../spec/bytecode.js';
import { CONTRACTS, keyName } from '../spec/contracts.js';
import { DEFAULT_BLOCK_GAS_LIMIT } from '../spec/block.js';
import { plural } from '../spec/plural.js';
import type { PreStateKind } from '../spec/shared-state.js';
import { EXECUTORS } from '../impl/registry.js';
import { isExecCommand } from '../impl/exec-executor.js';
import { formatExplanation, type Explanation } from './explain.js';
import { threadCountsText } from './thread-counts.js';
import { programsText } from './programs.js';
import {
  failureKindWords, HELPER_PREFIX, PLANTED_PREFIX, sameFailureKind, settingsText, sometimesRepeatText, SOMETIMES_REPEAT, type FailsOnly, type FailureKind, type PartitionSettings, type ReplayToken,
} from './replay.js';
import { oneLine } from '../spec/messages.js';
import { concordCommand, shellWord } from './printed-command.js';
import { ATTEMPTS_PER_TX, MAX_ATTEMPTS, MOST_ATTEMPTS } from './minimize.js';
import { HANG_SHRINK_MS, SHRINK_TRY_FACTOR, SHRINK_TRY_FLOOR_MS } from './hang-bound.js';
import type { EarlierOutcome, FailureReport } from './runner.js';
import { earlierFailedText } from './earlier-file.js';

/** How simulated.ts words a worker's empty poll. */
const IDLE = 'finds no task and waits';
/** At most this many interleaving steps are printed (the rest are counted); the schedule itself is in the token. */
const MAX_STEPS = 40;
/** At most this many transactions of a block are printed (the rest are counted); the whole block is in the block file. */
export const MAX_TXS = 40;
/** Transactions shown on each side of one the explanation names. */
const NEIGHBOURS = 2;

/**
 * Which of a block's `count` transactions to print when there are more than `max`: each of `named`
 * (in the order given, most important first) with NEIGHBOURS on each side, then the first ones,
 * until `max` are chosen; in block order. All of them when `count` <= `max`.
 */
export function shownTxs(count: number, named: readonly number[], max = MAX_TXS): number[] {
  if (count <= max) return Array.from({ length: count }, (_, i) => i);
  const chosen = new Set<number>();
  const add = (i: number) => {
    if (chosen.size < max && Number.isInteger(i) && i >= 0 && i < count) chosen.add(i);
  };
  for (const t of named) for (let d = 0; d <= NEIGHBOURS; d++) { add(t - d); add(t + d); }
  for (let i = 0; chosen.size < max; i++) add(i);
  return [...chosen].sort((a, b) => a - b);
}

/** The transactions an explanation names, most important first: the diverging one, then where its value should have come from and where it did. */
function namedTxs(x: Explanation | undefined): number[] {
  if (!x) return [];
  return [x.tx, x.shouldComeFrom?.tx, x.cameFrom?.tx].filter((t): t is number => t !== undefined && t >= 0);
}

/**
 * The block, one line per transaction: contract calls with named arguments, raw programs as their
 * instructions. `only` (indices in block order) prints just those, with a line counting each run of
 * the others left out.
 */
export function formatBlock(block: Block, only?: readonly number[]): string[] {
  const name = (k: number) => keyName(k, block.entityNames);
  const pre = [...block.preState].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${name(k)}=${v}`).join(' ');
  const lines = [
    `block        ${plural(block.txs.length, 'transaction')}`
      + `${block.gasLimit === DEFAULT_BLOCK_GAS_LIMIT ? '' : `, block gas limit ${block.gasLimit}`}; pre-state ${pre || '(empty)'}`,
  ];
  const omitted = (from: number, to: number) => {
    if (to > from) lines.push(`  ... ${plural(to - from, 'transaction')} not shown (${to - from === 1 ? `tx ${from}` : `tx ${from}-${to - 1}`})`);
  };
  const text = (i: number): string => {
    const tx = block.txs[i]!;
    const p = block.programs[tx.program]!;
    const gas = ` (gas limit ${tx.gasLimit})`;
    if (p.contract) {
      const def = CONTRACTS.get(p.contract.name)!;
      const args = def.params.map((q, j) => `${q.name} ${q.kind === 'entity' ? `#${tx.args[j]}` : tx.args[j]}`).join(', ');
      return `${p.contract.name}(${args})${p.contract.hashCost ? ` hash-cost ${p.contract.hashCost}` : ''}${gas}`;
    }
    const ops = disassemble(p.code).map((op) => op.join(' ')).join('; ');
    return `${ops}${tx.args.length ? ` args [${tx.args.join(', ')}]` : ''}${gas}`;
  };
  const shown = [...(only ?? block.txs.keys())].map((i) => ({ i, text: text(i) }));
  let next = 0;
  for (let k = 0; k < shown.length;) {
    const { i, text: t } = shown[k]!;
    // A run of transactions alike (the no-ops a shrunk block keeps for their positions) is one line.
    let end = k + 1;
    while (end < shown.length && shown[end]!.i === i + (end - k) && shown[end]!.text === t) end++;
    omitted(next, i);
    const last = shown[end - 1]!.i;
    lines.push(end - k >= 3 ? `  tx ${i}-${last}  ${t}  (${end - k} transactions alike)` : `  tx ${i}  ${t}`);
    if (end - k < 3) end = k + 1;
    next = shown[end - 1]!.i + 1;
    k = end;
  }
  omitted(next, block.txs.length);
  return lines;
}

/**
 * The command that runs a written block on an executor and compares it with the reference, at the
 * thread count of the failing call (`threads`), since a failure may show at 4 threads alone. The
 * one-thread built-ins get no --threads: `concord run` refuses it for them. --warmup 0: the block
 * runs once on a fresh instance, as the counterexample was rerun (`run` otherwise checks only the
 * last of thousands of runs on one instance, after an executor that keeps state between blocks
 * has been warmed up on this one). `repeat` above 1: the failure was the instance's call `repeat`
 * (bench), so the rerun makes that many calls on its fresh instance and `run` checks the last.
 * `preState`: how the block's pre-state was handed over (a SharedState reruns with --pre-state shared).
 * `settings`: what the executor was made with (--modules, --partition), for an executor made alike.
 */
export function rerunCommand(blockFile: string, executor: string, threads?: number, repeat = 1, preState?: PreStateKind, earlierFile?: string, settings?: PartitionSettings): string {
  return runCheckCommand(`${shellWord(blockFile)}${preStateFlag(preState)}${earlierFile ? ` --after ${shellWord(earlierFile)}` : ''}`, executor, threads, repeat, settings);
}

/** What a rerun command adds for a block whose pre-state was handed over as `kind`: --pre-state shared for a SharedState. */
export function preStateFlag(kind: PreStateKind | undefined): string {
  return kind === 'shared' ? ' --pre-state shared' : '';
}

/** The same for a generated block, named by `concord run`'s workload options ("--workload p2p --accounts 10 ..."). */
export function rerunGeneratedCommand(workloadOptions: string, executor: string, threads?: number, repeat = 1): string {
  return runCheckCommand(workloadOptions, executor, threads, repeat);
}

function runCheckCommand(block: string, executor: string, threads: number | undefined, repeat: number, settings?: PartitionSettings): string {
  const onThreads = threads !== undefined && EXECUTORS.get(executor)?.parallel !== false ? ` --threads ${threads}` : '';
  const made = settingsText(settings);
  return `${concordCommand()} run ${block} --executor ${shellWord(executor)}${made ? ` ${made}` : ''}${onThreads}${repeat > 1 ? ` --repeat ${repeat}` : ''} --warmup 0 --check`;
}

/**
 * When a FailsOnly counterexample fails ("fails only ..."), and what the runner saw that says so
 * (runner.ts howItFails), given how many earlier blocks it was found to need. 'sometimes' may be a
 * race or state kept from blocks older than those replayed: it says so rather than name one.
 */
const FAILS_ONLY: Readonly<Record<FailsOnly, { readonly why: string; found(earlier: number): string }>> = {
  'after earlier blocks': {
    why: 'after the blocks run before it on the same executor instance (state kept between blocks)',
    found: (earlier) => `on a fresh instance this block passes, and fails after the blocks run before it, every time, and after ${earlier === 1 ? 'the one' : `the ${earlier}`} of them listed below alone`,
  },
  sometimes: {
    why: 'sometimes (the executor\'s result changes from run to run of the same block)',
    found: () => 'run again, on the same instance or on fresh ones, this block passed some times and failed others (also after the blocks run before it, '
      + 'replayed on a fresh instance): a race, or state kept between blocks from before those',
  },
};
/** At most this many earlier blocks are listed (the rest are counted); their files are all written. */
const MAX_EARLIER = 8;

/**
 * How the earlier blocks went themselves, before the failing block on the fresh instance: one that
 * differed or threw is wrong itself, where the others only leave state behind that the block fails on.
 */
function earlierRanLine(earlier: NonNullable<FailureReport['earlier']>): string {
  const numbered = (outcome: EarlierOutcome) => earlier.flatMap((e, i) => (e.outcome === outcome ? [i + 1] : []));
  const differing = numbered('differed');
  const threw = numbered('threw');
  const one = earlier.length === 1;
  if (!differing.length && !threw.length) {
    return `  earlier ran  on a fresh instance before this block, ${one ? 'the same' : 'each the same'} as the reference: `
      + `the fault is in the state ${one ? 'it leaves' : 'they leave'}, not in ${one ? 'its own result' : 'their own results'}`;
  }
  const wrong = differing.length + threw.length === 1 ? 'wrong itself, not only in the state it leaves' : 'wrong themselves, not only in the state they leave';
  return `  earlier ran  on a fresh instance before this block: ${earlierFailedText(differing, threw)} already (counted from 1, oldest first): ${wrong}`;
}

/**
 * What a replay of token `t` says when the counterexample passed, but it failed only after earlier
 * blocks or only sometimes (`failsOnly`, from the token): passing alone does not make it gone.
 */
export function passedAloneText(label: string, t: ReplayToken, failsOnly: FailsOnly, runs = 1, earlierFile?: string): string {
  const passes = runs > 1 ? `passed all ${runs.toLocaleString('en-US')} runs` : 'passes';
  const more = failsOnly === 'sometimes' ? 'replay it with more runs (--repeat N, or repeat: N in verifyExecutor), or ' : '';
  // The earlier blocks are in the failing run's folder, not in the token: the rerun line printed then runs them.
  const after = earlierFile ? `, or the rerun line it printed for its block, which runs the blocks it needs first (--after ${earlierFile})` : '';
  return `replayed ${label} ${t.check} seed ${t.seed} path ${t.path}: the block ${passes}, but when it was found it failed only ${FAILS_ONLY[failsOnly].why}, `
    + `so passing alone does not make the failure gone: ${more}rerun the whole verify to see whether it still fails${after}`;
}

/**
 * What a replay of token `t` says when the counterexample passed on a module that exports one
 * executor object: verify had no fresh instance, so whether it failed alone is unknown (the
 * report's `instance` line), and a fresh process's object passing it says nothing more.
 */
export function passedSharedText(label: string, t: ReplayToken, runs = 1): string {
  const passes = runs > 1 ? `passed all ${runs.toLocaleString('en-US')} runs` : 'passes';
  return `replayed ${label} ${t.check} seed ${t.seed} path ${t.path}: the block ${passes}, but the module exports one executor object, so when it was found `
    + 'verify could not tell whether it failed alone or only after the blocks run before it, and passing alone does not make the failure gone: '
    + 'rerun the whole verify to see whether it still fails, or export a function or a class for a fresh instance each time';
}

/**
 * What a replay of token `t` of a module path says when the counterexample passed, though it was
 * found failing alone on fresh instances: those were made in verify's process, after other
 * instances of the module had run blocks there, and a module's own top-level state (a cache, a
 * counter) is shared by every instance it makes and starts anew only in a fresh process, as this
 * one is. So passing here may be a fix, or that state, or a race: it names all three, and claims none.
 */
export function passedFreshProcessText(label: string, t: ReplayToken, runs = 1): string {
  const times = runs > 1 ? ` in ${runs.toLocaleString('en-US')} runs` : '';
  return `replayed ${label} ${t.check} seed ${t.seed} path ${t.path}: the counterexample no longer fails${times}, here in a fresh process. `
    + 'When it was found it failed alone on fresh instances, but in verify\'s process, after other instances of the module had run blocks there: '
    + 'if the executor is unchanged since, the recorded failure did not reproduce in a fresh process because it needs state the module keeps at module level '
    + '(shared by every instance it makes: a cache or a counter outside the executor) left by those blocks, or because it fails only sometimes (a race); '
    + 'rerun the whole verify to see whether it still fails';
}

/**
 * What a run's summary says of the blocks and schedules it ran shrinking and rerunning `what` (a
 * counterexample, or counterexamples), which its counts of blocks checked and schedules explored,
 * and their rates, leave out ("39 blocks more in 1.1 s shrinking and rerunning counterexamples");
 * undefined where it ran none.
 */
export function triesText(r: { readonly shrinkBlocks: number; readonly shrinkSchedules: number; readonly shrinkMs: number }, what: string): string | undefined {
  if (r.shrinkBlocks === 0 && r.shrinkSchedules === 0) return undefined;
  const runs = [plural(r.shrinkBlocks, 'block'), ...(r.shrinkSchedules ? [plural(r.shrinkSchedules, 'schedule')] : [])].join(' and ');
  return `${runs} more in ${(r.shrinkMs / 1000).toFixed(1)} s shrinking and rerunning ${what}`;
}

/**
 * Why `verify --replay` refuses --other-command for a token of `executor` beside the executors
 * `given`, where it does (`other`: whether it was given): it replays an exec: engine's token on one
 * other exec: command, and nothing else.
 */
export function otherCommandProblem(executor: string, given: readonly string[], other: boolean): string | undefined {
  if (!other) return undefined;
  if (!isExecCommand(executor)) {
    return `--other-command replays an exec: engine's token on another command line, and this token's executor, ${executor}, is no command: give --replay without it`;
  }
  if (given.length !== 1 || !isExecCommand(given[0]!)) {
    return `--other-command: give the one command to replay the token's block on with --executor 'exec:COMMAND' (the token's is ${shellWord(executor)})`
      + `${given.length ? `; --executor named ${given.map(shellWord).join(', ')}` : ''}`;
  }
  return undefined;
}

/** What a replay with --other-command says first: the command it runs the token's block on, and the one the token was made on. */
export function otherCommandLine(tokenExecutor: string, on: string): string {
  return `replaying on ${shellWord(on)} (--other-command), not on the command the token was made with, ${shellWord(tokenExecutor)}: `
    + 'the same block, check, seed, shrink path and settings, checked as strictly; a failure below names this command, and its new token replays on it';
}

/** What a replay that failed adds to the report when it ran its block more than once. */
export function replayRunsLine(runs: number, repeat: number): string | undefined {
  return repeat > 1 ? `  replayed     failed on run ${runs.toLocaleString('en-US')} of up to ${repeat.toLocaleString('en-US')}` : undefined;
}

/**
 * Whose options a report names: `concord verify`'s (--seed, --runs, ...) or, for a failure that
 * came through the vitest helper, the helper's (seed, runs, ...), which is all its caller can
 * change, whether the helper was given a module path or an object.
 */
export type OptionWords = 'cli' | 'helper';

const WORDS: Readonly<Record<OptionWords, { readonly seed: string; readonly same: string; readonly repeat: (n: number) => string; readonly timeLimit: string; readonly timeout: string }>> = {
  cli: { seed: '--seed', same: '--runs, --txs and --shard', repeat: (n) => `--repeat ${n}`, timeLimit: '--time-limit', timeout: '--timeout' },
  helper: { seed: 'seed', same: 'runs and txs', repeat: (n) => `repeat: ${n}`, timeLimit: 'timeLimit', timeout: 'timeout' },
};

/**
 * What the printed seed is: fast-check's seed of one batch, not the run's --seed (which a rerun
 * with --seed 458752 would take it for, and check other blocks), and what reproduces the failure.
 */
function seedOrigin(f: FailureReport, words: OptionWords): string {
  if (f.runSeed === undefined || f.batch === undefined) return '';
  const w = WORDS[words];
  // The same seed draws other schedules for a modular executor made otherwise, and other runs from other thread counts.
  const made = words === 'cli' ? [settingsText(f.settings), threadCountsText(f.threadCounts), programsText(f.programs)].filter(Boolean).map((t) => ` ${t}`).join('') : '';
  const seed = `${w.seed} ${f.runSeed}`;
  // The helper's caller gives these as options beside runs and txs (the CLI's are in `made`).
  const extra = words === 'helper' ? [...(f.settings ? ['settings'] : []), ...(f.threadCounts ? ['threads'] : []), ...(f.programs ? ['programs'] : [])] : [];
  const same = `${seed}${made} with the same ${extra.length ? `runs, txs, ${extra.join(', ')}`.replace(/, ([a-z]+)$/, ' and $1') : w.same}`;
  // A seed makes the same blocks, not the same timings: a race may not show again on either.
  // A replay line made before it carried --repeat (a shard's file --merge reads) runs the block once.
  return f.failsOnly === 'sometimes' && replayWhy(f) !== ''
    ? ` (fast-check's, for batch ${f.batch} of ${seed}: the replay below runs this block up to ${SOMETIMES_REPEAT} times; ${same} makes the same blocks, which may pass)`
    : ` (fast-check's, for batch ${f.batch} of ${seed}: to reproduce, use the replay below or ${same})`;
}

/**
 * The `concord run` command that reruns a failure's block file, making first the earlier blocks and
 * calls it was found to need: what its `block file` line shows, and verify's --json gives as
 * `rerun`. Undefined without a block file, and for an executor no command can load: planted bugs
 * exist only inside `concord verify`, and an executor object only inside the test that gave it to
 * the vitest helper.
 */
export function failureRerun(f: FailureReport): string | undefined {
  if (!f.blockFile || f.executor.startsWith(PLANTED_PREFIX) || f.executor.startsWith(HELPER_PREFIX)) return undefined;
  // The check's earlier calls of the block are in the earlier-blocks file: the rerun makes them, then this one.
  const repeat = f.callsBefore?.length && f.earlierFile ? 1 : f.call ?? 1;
  return `${rerunCommand(f.blockFile, f.executor, f.threads, repeat, f.preState, f.earlierFile, f.settings)}${f.hungMs === undefined ? '' : ` --timeout ${f.hungMs / 1000}`}`;
}

/**
 * For an engine in another process (`exec:`), the `concord request` command that prints the request
 * line it was sent for the failure's block file, with the threads and settings it was sent with:
 * what its `request` line shows, and verify's --json gives as `request`, to run the engine on the
 * block outside Concord (docs/exec-protocol.md). Its id is 1, the engine's first, where verify's
 * engine had answered others before; undefined for any other executor, and without a block file.
 */
export function failureRequest(f: FailureReport): string | undefined {
  if (!f.blockFile || !isExecCommand(f.executor)) return undefined;
  const made = settingsText({ ...(f.settings?.modules === undefined ? {} : { modules: f.settings.modules }), ...(f.settings?.partition === undefined ? {} : { partition: f.settings.partition }) });
  return `${concordCommand()} request ${shellWord(f.blockFile)}${f.threads === undefined ? '' : ` --threads ${f.threads}`}${made ? ` ${made}` : ''}`;
}

/**
 * The report as lines; `words`: whose options they name (by default the helper's for an executor
 * only the helper holds, the CLI's otherwise: the helper passes 'helper' for a module path too).
 */
export function formatFailure(f: FailureReport, words: OptionWords = f.executor.startsWith(HELPER_PREFIX) ? 'helper' : 'cli'): string[] {
  const timeLimit = `(${WORDS[words].timeLimit})`;
  const stop = f.shrinkTimeLimited ? `at the time limit ${timeLimit}`
    : f.shrinkHangLimited ? `at its cap on time for a hang's shrinking (${HANG_SHRINK_MS / 1000} s in all: each try that hangs takes its bound, `
      + `${SHRINK_TRY_FACTOR} times the engine's slowest answer, ${SHRINK_TRY_FLOOR_MS / 1000} s at least, --timeout at most)`
    : `at its cap on tries (${MAX_ATTEMPTS}, or ${ATTEMPTS_PER_TX} a transaction of the block it started from, up to ${MOST_ATTEMPTS})`;
  const capped = f.shrinkCapped ? ` (a step is a change kept; the shrinker stopped ${stop} with changes left untried: a smaller failing block may exist)` : '';
  const rerun = failureRerun(f);
  const afterRerun = rerun !== undefined && f.earlierFile !== undefined;
  // A protocol violation or an engine's own fault is the engine's output, not its result: its block was made small, not shrunk.
  const size = f.protocol
    ? `a protocol violation, shown on ${plural(f.transactions, 'transaction')}, where a fresh engine broke the same rule: the block it surfaced on was not shrunk${capped}`
    : f.engineFault
      ? `the engine's own fault (${f.engineFault === 'start-up' ? 'it ended before its first answer' : 'an error answer'}), shown on ${plural(f.transactions, 'transaction')}, the smallest block, where a fresh engine failed the same way: not shrunk`
      : `shrunk to ${plural(f.transactions, 'transaction')} in ${plural(f.numShrinks, 'step')}${capped}`;
  const lines = [`FAIL ${f.label}: ${f.check} check (${f.setting || 'default setting'}), ${size}`];
  if (f.protocol) {
    const after = f.protocol.afterAnswer ? '; the engine wrote the line after its answer to this block, and it was read as the block\'s next call went out (the rerun below makes both calls)' : '';
    lines.push(`  protocol     concord-exec/1: ${f.protocol.rule} (docs/exec-protocol.md, Rules)${after}`);
  }
  if (f.hangUnconfirmed) {
    const { transactions, boundMs } = f.hangUnconfirmed;
    const how = boundMs === undefined ? 'failed its shrink try' : `hung under a shrink try's shorter bound of ${boundMs / 1000} s`;
    const under = f.hungMs === undefined ? '--timeout' : `--timeout (${f.hungMs / 1000} s)`;
    lines.push(`  shrinking    the smallest block the shrinking reached, of ${plural(transactions, 'transaction')}, ${how}, but answered within ${under} alone on a fresh engine: `
      + 'this is the block that hung under --timeout when found, not shrunk');
  }
  if (f.explanation) lines.push(...formatExplanation(f.explanation).map((l) => `  ${l}`));
  if (f.error) {
    // What an engine wrote on several lines (a traceback), which the error's line says follows, is shown below it as written.
    const [line, ...quoted] = f.error.split('\n');
    lines.push(`  error        the executor threw: ${line}`, ...quoted.map((l) => `               ${l}`));
  }
  const [top, ...below] = f.stack ?? [];
  if (top) lines.push(`  thrown at    ${top}`, ...below.map((frame) => `               ${frame}`));
  if ('format' in f.block) {
    const block = blockFromJson(f.block, 'failure');
    // Runs of transactions alike take a line each, so a block that folds into few lines is shown whole.
    const whole = formatBlock(block);
    const only = whole.length - 1 <= MAX_TXS ? undefined : shownTxs(block.txs.length, namedTxs(f.explanation));
    lines.push(...(only ? formatBlock(block, only) : whole).map((l) => `  ${l}`));
    const left = only ? block.txs.length - only.length : 0;
    if (left > 0) {
      const where = f.blockFile ? `the whole block is in ${f.blockFile}` : 'the whole block is in the report\'s block (no block file was written)';
      lines.push(`  not shown    ${plural(left, 'transaction')} of ${block.txs.length}: ${where}`);
    }
  }
  // Idle polls carry no information; the full interleaving (and the schedule) stays in the JSON report.
  const steps = (f.interleaving ?? []).filter((x) => !x.endsWith(IDLE));
  if (steps.length) {
    const shown = steps.slice(0, MAX_STEPS);
    lines.push(`  interleaving ${shown[0]}`, ...shown.slice(1).map((s) => `               ${s}`));
    if (steps.length > MAX_STEPS) lines.push(`               ... ${steps.length - MAX_STEPS} more steps`);
  }
  if (f.failsOnly && f.replayed) {
    lines.push(`  fails only   ${FAILS_ONLY[f.failsOnly].why}, when it was found; this replay failed too, so the failure is still there, `
      + 'but an executor whose results vary may shrink to another block than the one found then (this one is written apart, ...-replay.block.json)');
  } else if (f.failsOnly) {
    const { why, found } = FAILS_ONLY[f.failsOnly];
    const alone = afterRerun ? 'a replay, which runs it alone, may not repeat the failure (the rerun below runs the earlier blocks first)' : 'running it alone (a rerun of its block file, a replay) may not repeat the failure';
    lines.push(`  fails only   ${why}: ${found(f.earlier?.length ?? 0)}, so ${alone}; rerun the whole verify to see it again`);
  }
  if (f.sharedInstance) {
    lines.push('  instance     the module exports one executor object, so the reruns "on a fresh instance" ran on it again: whether this block fails alone '
      + 'or only after the blocks before it is unknown; export a function or a class for a fresh instance each time');
  }
  if (f.earlier?.length) {
    const files = f.earlier.flatMap((e) => (e.blockFile ? [`${e.blockFile} (threads ${e.threads}${e.preState === 'shared' ? ', --pre-state shared' : ''})`] : []));
    // No rerun line for an executor no command can load (a helper's object): the file is named all the same.
    const where = afterRerun ? `run them in this order on one instance, then this block: the rerun below does, from ${f.earlierFile}`
      : files.length ? `run them in this order on one instance, then this block${f.earlierFile ? `; ${f.earlierFile} lists them with the thread count and pre-state kind each ran at` : ''}`
        : 'no block files were written: the failure\'s `earlier` holds them';
    const cut = f.earlierTimeLimited ? `; the time limit ${timeLimit} stopped the search for fewer blocks with removals left untried: fewer may do` : '';
    lines.push(`  earlier      ${plural(f.earlier.length, 'block')} this one fails after, oldest first (${where})${cut}`);
    lines.push(...files.slice(0, MAX_EARLIER).map((file) => `               ${file}`));
    if (files.length > MAX_EARLIER) lines.push(`               ... ${files.length - MAX_EARLIER} more, named alike`);
    lines.push(earlierRanLine(f.earlier));
  }
  if (f.callsBefore?.length) {
    const calls = f.callsBefore.map((c) => `${c.threads}${c.preState === 'shared' ? ' shared' : ''}`).join(', ');
    const where = afterRerun ? `: the rerun below makes them first, from ${f.earlierFile}` : '';
    lines.push(`  calls before ${plural(f.callsBefore.length, 'call')} of this block on the instance before the failing one, at threads ${calls}${where}`);
  }
  if (f.blockFile) lines.push(`  block file   ${f.blockFile}${rerun ? `  (rerun: ${rerun})` : ''}`);
  const request = failureRequest(f);
  // The earlier blocks and calls a failure needs are not in the one request: the rerun above makes them.
  const alone = f.earlier?.length || f.callsBefore?.length ? ', this block alone' : '';
  if (request) lines.push(`  request      ${request}  (the request line the engine was sent${alone}, to run it outside Concord: docs/exec-protocol.md)`);
  lines.push(`  seed         ${f.seed}, path ${f.path}${seedOrigin(f, words)}`);
  const why = replayWhy(f);
  lines.push(`  replay       ${f.replay}${why ? `  (${why})` : ''}`);
  return lines;
}

/**
 * What a replay command of `f` says of the runs it asks for: why one of a failure that comes and
 * goes carries --repeat (or the helper's repeat), in its own words; '' for any other, and for one
 * made before replay commands carried it (a shard's file that --merge reads).
 */
function replayWhy(f: FailureReport): string {
  if (f.failsOnly !== 'sometimes') return '';
  const option = Object.values(WORDS).map((w) => w.repeat(SOMETIMES_REPEAT)).find((o) => f.replay.includes(o));
  return option === undefined ? '' : sometimesRepeatText(option);
}

/** The most of a value, or of an error's line, that a failure's log line quotes. */
const GIST_VALUE = 40;
const GIST_ERROR = 200;

/**
 * What went wrong in `f`, in a few words, for the one line a CI log shows of a failure (verify
 * --json's stderr), whose report is in a file the log does not show: the rule an engine's output
 * broke, a hang and its bound, what was thrown (an engine's error answer or its exit, with the last
 * line it wrote to standard error), or the first difference from the reference.
 */
export function whatWentWrong(f: FailureReport, words: OptionWords = 'cli'): string {
  if (f.protocol) return `broke concord-exec/1: ${f.protocol.rule}`;
  if (f.hungMs !== undefined) return `hung on a block of ${plural(f.transactions, 'transaction')}: no answer within ${f.hungMs / 1000} s (${WORDS[words].timeout})`;
  if (f.error !== undefined) {
    const [line = '', ...quoted] = f.error.split('\n');
    // The log line names the executor already, which an engine's error repeats after its name ("ExecEngineError: exec:...: ").
    const named = `${/^\w+: /.exec(line)?.[0] ?? ''}${f.executor}: `;
    const said = line.startsWith(named) ? line.slice(named.length) : line;
    const last = quoted.filter((l) => l.trim() !== '').at(-1);
    return `threw: ${oneLine(said.replace(/:$/, ''), GIST_ERROR)}${last === undefined ? '' : ` (its last line: ${oneLine(last.trim(), GIST_ERROR)})`}`;
  }
  const x = f.explanation;
  if (!x) return 'its result differs from the reference';
  const where = [x.tx >= 0 ? `at tx ${x.tx}` : '', x.keyName ? `key ${x.keyName}` : '', x.field ? `in ${x.field}` : ''].filter(Boolean).join(', ');
  return `${x.anomaly}${where ? ` ${where}` : ''}: expected ${oneLine(x.expected, GIST_VALUE)}, actual ${oneLine(x.actual, GIST_VALUE)}`;
}

/**
 * Why a replay's failure `report`, of kind `kind`, is not the failure token `t` was made of, where
 * the token can tell; undefined where it is, or the token cannot tell. A cv8_ token names its
 * failure's kind (replay.ts FailureKind): a replay that fails as another kind (a hang or an error
 * where a write was lost; another anomaly, unless the failure came only sometimes) failed
 * otherwise. An older one holds no kind, only what rebuilds its block, and is told apart only
 * where it marks its shrinking stopped at the cap on a hang's shrinking ('h'): that failure was a
 * hang, and a replay that fails without hanging failed otherwise.
 */
export function failedOtherwise(t: ReplayToken, report: FailureReport, kind: FailureKind | undefined, words: OptionWords = 'cli'): string | undefined {
  const gone = 'another failure of the same block, so the token\'s is neither reproduced nor shown gone';
  if (t.failure !== undefined && kind !== undefined) {
    if (sameFailureKind(t.failure, kind, t.failsOnly === 'sometimes')) return undefined;
    return `the token's failure was ${failureKindWords(t.failure)}, and this replay failed as ${failureKindWords(kind)} (${whatWentWrong(report, words)}): ${gone}`;
  }
  if (t.shrunk?.capped !== 'hang' || report.hungMs !== undefined) return undefined;
  return 'the token\'s failure was a hang (it marks its shrinking stopped at the cap on a hang\'s shrinking), '
    + `and this replay failed without hanging (${whatWentWrong(report, words)}): ${gone}`;
}

/** A failure as a CI log shows it under verify --json: its FAIL line, what went wrong (whatWentWrong) and its replay, with why it asks for the runs it does. */
export function failureLogLine(f: FailureReport): string {
  const why = replayWhy(f);
  return `${formatFailure(f)[0]!}; ${whatWentWrong(f)}; replay: ${f.replay}${why ? ` (${why})` : ''}`;
}
