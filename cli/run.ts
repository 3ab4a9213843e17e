// `concord run`: executes one block with one executor and prints its roots, receipts by status,
// gas and the median time over --repeat runs, after untimed warm-up runs: the first runs of a
// block meet unoptimised code (a p2p block of 1,000 transactions took 39 ms on its first
// sequential run and 2.5 ms from its seventh on), so a cold time would describe V8, not the
// executor. Invariant: --json prints exactly one JSON object on stdout and nothing else; an
// executor that throws, returns what run cannot read, never settles or hangs past --timeout is
// exit 1, one line naming it. A signal (Ctrl-C, a CI job's SIGTERM) before the result is printed
// ends the process by that signal, with one line saying how far the run got (cli/run-stopped.ts);
// one after, the result as printed (cli/ending-signal.ts). With --check every run's result is
// judged, warm-up runs included, and the runs stop at the first that differs, which is the one shown.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Block, BlockResult, Receipt } from '../spec/block.js';
import { executeReference } from '../spec/reference.js';
import { afterRunBlocks, differsText, explain, malformation, SAME_AS_REFERENCE, sameResult, sentWithPreStateOf } from '../properties/explain.js';
import { earlierFailedText, parseEarlierFile } from '../properties/earlier-file.js';
import { oneLine, utf8Text } from '../spec/messages.js';
import { snapshotBlock, undoChange } from '../properties/block-change.js';
import { FAULT_NAMES } from '../spec/values.js';
import { plural } from '../spec/plural.js';
import { checkExecutorName, closeForGood, createExecutor, EXECUTORS } from '../impl/registry.js';
import { isExecCommand, preStateOfResult } from '../impl/exec-executor.js';
import { maxThreads } from '../impl/runtime/pooled.js';
import { median } from '../reports/stats.js';
import { callExecutor, EXIT, ExecutorFailure, intOption, isInputError, timeoutOption, unlessStuck, UsageError, watchCalls } from './errors.js';
import { fileBlock, givenWorkloadFlags, loadBlock, preStateKind, workloadSpec, type WorkloadOptions } from './block-source.js';
import { tableDisagreement, withPreState, type PreStateKind } from '../spec/shared-state.js';
import { resourceCounts, warnLeftAlive } from './leaks.js';
import { executorNames, partitionSettings, type PartitionOptions } from './executor-settings.js';
import { shellWord } from '../properties/printed-command.js';
import { fsReason, writeStdout } from './output.js';
import { createProgress } from './progress.js';
import { takeTurn } from '../spec/turn.js';
import { printFailure } from './process-guard.js';
import { DEFAULT_WARMUP_MS, MAX_REPEAT, MAX_WARMUP_MS } from './run-limits.js';
import { refuseMeasured, trainingRequest, trainingWords, trainPlacement, withPlacementModules, type TrainOptions } from './train.js';
import { DEFAULT_PARTITION } from '../impl/modular/partition.js';
// Loaded with the command, as the modular executor is: the registry loads it on first use, which
// would count loading Concord's code into the start-up this command times and reports.
import '../impl/blockstm/executor.js';
import { endingSignal, unlessSignalled } from './ending-signal.js';
import { runStopped, type RunSoFar } from './run-stopped.js';

export interface RunOptions extends WorkloadOptions, PartitionOptions, TrainOptions {
  executor?: string;
  threads?: string;
  repeat?: string;
  warmup?: string;
  /** Seconds a call into the executor may stay pending (cli/errors.ts watchCalls). */
  timeout?: string;
  /** Also run the reference and report the first difference (exit 1 when there is one). */
  check?: boolean;
  /** Print every transaction's receipt. */
  receipts?: boolean;
  json?: boolean;
  /** How the block's pre-state reaches the executor: map (default) or shared (cli/block-source.ts preStateKind). */
  preState?: string;
  /** An earlier-blocks file (properties/earlier-file.ts): its blocks run first, in order, on the same instance. */
  after?: string;
}

export function statusCounts(result: BlockResult): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of result.receipts) {
    const name = r.status === 'reverted' ? `reverted(${FAULT_NAMES[r.code] ?? r.code})` : r.status;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}


export async function runCommand(file: string | undefined, o: RunOptions): Promise<number> {
  // Listening from the start: with no listener, a signal ends the process at once, without a word.
  const sofar: RunSoFar = { phase: 'starting', warmupRuns: 0, times: [] };
  return unlessSignalled(() => runBlock(file, o, sofar), (signal) => {
    const json = o.json ? { ...sofar.json } : undefined;
    printFailure('run', runStopped(signal, sofar, json), json);
  });
}

/**
 * Refuses, as a usage error, an --executor that bench and verify would read as a list of several
 * (their reading, executorNames: a module file whose path holds a comma stays one): run takes one,
 * and "unknown executor" of the whole list would not say so. A value they refuse stays for
 * checkExecutorName to name.
 */
function refuseSeveral(name: string): void {
  if (!name.includes(',') || EXECUTORS.has(name) || isExecCommand(name)) return;
  let names: string[];
  try {
    names = executorNames([name]);
  } catch {
    return;
  }
  if (names.length < 2) return;
  throw new UsageError(`--executor ${name}: run takes one executor, and this names ${names.length} (${names.join(', ')}); give one, `
    + `or time several on one block with concord bench --executor ${shellWord(name)} (--block FILE for a block file), or check them with concord verify --executor ${shellWord(name)}`);
}

async function runBlock(file: string | undefined, o: RunOptions, sofar: RunSoFar): Promise<number> {
  const name = o.executor ?? 'sequential';
  const threads = intOption('--threads', o.threads, 0, 1, maxThreads()) || undefined;
  const repeat = intOption('--repeat', o.repeat, 1, 1, MAX_REPEAT);
  // After --after's blocks, a warm-up would run the block on the instance they left before the run
  // that is checked: the state verify found the failure in would be gone.
  const warmupMs = intOption('--warmup', o.warmup, o.after === undefined ? DEFAULT_WARMUP_MS : 0, 0, MAX_WARMUP_MS);
  if (o.after !== undefined && warmupMs > 0) {
    throw new UsageError(`--warmup ${o.warmup}: with --after, warm-up runs would run the block again on the instance the earlier blocks left, before the run that is timed and checked; give --warmup 0 (the default with --after)`);
  }
  const timeout = timeoutOption(o.timeout);
  // The registry's "unknown executor" would not say which option was blank.
  if (name.trim() === '') throw new UsageError('--executor: empty; give one executor (a built-in name, a module path, or exec:COMMAND)');
  refuseSeveral(name);
  checkExecutorName(name);
  const partition = partitionSettings(o, [name]);
  // --train-on takes every word up to the next option: `run --train-on a.json b.json blk.json` would
  // train on blk.json too and run the default workload.
  if (o.trainOn !== undefined && file === undefined && givenWorkloadFlags(o).length === 0) {
    throw new UsageError(`--train-on ${o.trainOn.join(' ')}: no block to run: without a block file or --workload, run would run the default workload; `
      + 'a block file after --train-on\'s files is taken as one of them: give it first (concord run BLOCK --train-on FILE...) or after -- (--train-on FILE... -- BLOCK)');
  }
  // --threads 1 asks for what a one-thread executor does anyway: a script looping over thread counts for every executor gives it.
  if (threads !== undefined && threads > 1 && EXECUTORS.get(name)?.parallel === false) throw new UsageError(`--threads: the ${name} executor runs on one thread (give --threads 1, or none)`);
  const kind = preStateKind(o.preState);
  const request = await trainingRequest(o, [name], [partition.partition ?? DEFAULT_PARTITION], file === undefined ? { workload: workloadSpec(o) } : {}, partition.modules,
    file === undefined || file === '-' ? [] : [{ flag: 'the block', path: file }]);
  // A placement file's module count where --modules left it to the default.
  const made = withPlacementModules(partition, request);
  const loaded = await loadBlock(file, o, 'run');
  refuseMeasured(request, loaded.block);
  const block = withPreState(loaded.block, kind);
  // verify's determinism check hands the instance one block object call after call, and an engine
  // may key what it keeps by it: the earlier entries of this block's file get the same object.
  const shared = new Map<string, Block>(file === undefined || file === '-' ? [] : [[blockKey(file, kind), block]]);
  const earlier = o.after === undefined ? [] : earlierBlocks(o.after, shared);
  const { label } = loaded;
  const json = o.json ? { block: label, executor: name } : undefined;
  Object.assign(sofar, { label, txs: block.txs.length, repeat, json });
  const failed = (what: string) => new ExecutorFailure(`the executor ${name}${what}`, json);
  const options = threads ? { threads } : {};
  // Named in the message should the executor never settle what it is doing.
  let doing = ' never finished loading';
  const attempt = <T>(what: string, f: () => T | Promise<T>): Promise<T> => callExecutor(name, what, f, json);
  // On a terminal, a bar while the block runs: a large one (1,000,000 transactions) takes seconds a run.
  const progress = createProgress({ json: o.json });
  // Before the executor starts, and outside every timing: the placement is fixed for every run of the block.
  const training = request && await trainPlacement(request, partition.modules, 'run', progress);
  const watch = watchCalls('run', timeout, json);
  // Taken before the executor has the block: an executor that changes its input must be told so,
  // not judged (--check) or counted (the receipts below, the figures) against the changed block.
  const given = snapshotBlock(block);
  const expected = o.check ? executeReference(block) : undefined;
  // An earlier entry is often this very block object (the determinism check's calls before the
  // failing one), or another entry's: each block's reference is run once.
  const references = new Map<Block, BlockResult>(expected ? [[block, expected]] : []);
  const referenceOf = (b: Block): BlockResult => references.get(b) ?? references.set(b, executeReference(b)).get(b)!;
  // How each earlier block went (with --check): one that differs from the reference, or throws, is
  // a failure found before the one this run is for. verify ran on after such a block, and so does
  // run: a throw ends no earlier block's turn. Their references and inputs are taken before the
  // executor has them, as the block's are.
  const earlierOutcomes: ('same' | 'differs' | 'threw' | 'ran')[] = [];
  const runs = async () => {
    sofar.phase = 'loading';
    const alive = resourceCounts();
    const startedAt = performance.now();
    // Cold means cold: a built-in's own warm-up at load (impl/runtime/pooled.ts) is skipped too, so
    // the rerun verify prints for a wrong warm-up call (--repeat N --warmup 0 --check) makes exactly its calls.
    const executor = await watch.call(`the executor ${name}: loading`, () => attempt('while loading', () => createExecutor(name, { ...options, ...made, ...(training ? { placement: training.placement } : {}), ...(warmupMs === 0 ? { warmUp: false } : {}) })));
    // From here a failure's JSON names the executor as a success's does: by the name it declares.
    if (json) json.executor = executor.name;
    const startupMs = performance.now() - startedAt;
    // Timed inside the watch, so the watch's own cost stays out of the times.
    const execute = (times?: number[]) => watch.call(`the executor ${name}: execute() on ${label}`, async () => {
      const t = performance.now();
      const r = await executor.execute(block, options);
      times?.push(performance.now() - t);
      return r;
    });
    // run is the executor's one user: a module's executor object is closed here, like any other.
    const close = () => watch.call(`the executor ${name}: close()`, () => closeForGood(executor));
    const times: number[] = [];
    sofar.times = times;
    let result: unknown;
    let warmupRuns = 0;
    // With --check every call's result is judged, the warm-up's too, and the runs stop at the first
    // that differs: a race shows in some runs only, and the last run alone would pass it.
    let differed: DifferingRun | undefined;
    const differs = (r: BlockResult, phase: DifferingRun['phase'], run: number): boolean => {
      if (expected === undefined || sameResult(expected, r)) return false;
      result = r;
      differed = { phase, run };
      return true;
    };
    try {
      sofar.phase = 'earlier';
      for (const [i, e] of earlier.entries()) {
        const what = `earlier block ${i + 1} of ${earlier.length} (${e.label})`;
        doing = `: execute() never settled on ${what}`;
        await takeTurn();
        const reference = o.check ? referenceOf(e.block) : undefined;
        const input = snapshotBlock(e.block);
        let r: BlockResult | undefined;
        try {
          r = await watch.call(`the executor ${name}: execute() on ${what}`, () => executor.execute(e.block, { threads: e.threads }));
        } catch {
          // The throw is the earlier block's outcome; a hang or a crash of the process is not caught here.
        }
        if (undoChange(input, e.block, name)) throw failed(` changed the block it was given (${what}): an executor must leave its input as it found it`);
        earlierOutcomes.push(r === undefined ? 'threw' : !reference ? 'ran' : sameResult(reference, r) ? 'same' : 'differs');
      }
      doing = `: execute() never settled on ${label}`;
      await attempt(`on ${label}`, async () => {
        // The warm-up's bar counts milliseconds (it ends on the clock), the timed runs' bar runs.
        progress.start(warmupMs, 'warm-up');
        sofar.phase = 'warm-up';
        const warmupStart = performance.now();
        for (let ms = 0; ms < warmupMs; ms = performance.now() - warmupStart) {
          sofar.warmupRuns = warmupRuns;
          progress.update(Math.round(ms), plural(warmupRuns, 'run'));
          await takeTurn();
          const r = await execute();
          warmupRuns++;
          if (differs(r, 'warm-up', warmupRuns)) break;
        }
        progress.start(repeat, 'run');
        Object.assign(sofar, { phase: 'timed', warmupRuns });
        for (let i = 0; i < repeat && differed === undefined; i++) {
          progress.update(i, label);
          await takeTurn();
          result = await execute(times);
          differs(result as BlockResult, 'timed', i + 1);
        }
        progress.update(times.length, label);
        progress.stop();
      });
    } catch (e) {
      // Why execute() failed is the news; a close() that fails or hangs after it would only hide it.
      await watch.cleanUp(`the executor ${name}: close() after execute() failed`, () => closeForGood(executor));
      throw e;
    }
    doing = ': close() never settled';
    sofar.phase = 'closing';
    // A close() that throws fails the run, but after the result and its check are printed: a
    // wrong result would otherwise be hidden behind it.
    let closeFailure: ExecutorFailure | undefined;
    try {
      await attempt('while closing', close);
      await warnLeftAlive('run', `the executor ${name}`, alive);
    } catch (e) {
      if (!(e instanceof ExecutorFailure)) throw e;
      closeFailure = e;
    }
    return { executor, startupMs, times, result, warmupRuns, differed, closeFailure };
  };
  const { executor, startupMs, times, result, warmupRuns, differed, closeFailure } = await unlessStuck(runs(), () => failed(`${doing}: nothing was left running that could settle it`));
  // A signal during the runs printed how far they got: the result must not follow it. From here to
  // the end nothing awaits, so no signal's line can come between this and the result printed.
  if (endingSignal() !== null) await new Promise<never>(() => {});
  if (undoChange(given, block, name)) throw failed(` changed the block it was given (${label}): an executor must leave its input as it found it`);
  const table = tableDisagreement(block.preState);
  if (table !== null) throw failed(` changed the table of the SharedState it was given as the pre-state (${label}; ${table.text}): an executor must leave its input as it found it`);
  const problem = malformation(result);
  // Which run is said where there were several: with one, it is the run.
  if (problem) throw failed(` returned a malformed result on ${label}${differed && warmupRuns + times.length > 1 ? ` (${runWords(differed)})` : ''}: ${problem}`);
  const r = result as BlockResult;
  // Without --check nothing else compares the result with the block (with it, the explanation
  // says what is missing): a receipt and a read set per transaction is the least a result owes it.
  const n = block.txs.length;
  for (const [got, what] of [[r.receipts.length, 'receipt'], [r.reads.length, 'read set']] as const) {
    if (!o.check && got !== n) throw failed(` returned a malformed result on ${label}: ${plural(got, what)} for ${plural(n, 'transaction')}`);
  }
  // None where the warm-up's result differed: the timed runs were never made.
  const medianMs = times.length > 0 ? median(times) : null;
  // The count the executor ran with when --threads left it to its default: its own figure, where
  // it reports one; null only for a module that does not say.
  const reported = r.stats.threads;
  const usedThreads = threads ?? (typeof reported === 'number' ? reported : EXECUTORS.get(name)?.parallel === false ? 1 : null);
  const explained = expected ? explain(block, expected, r) : undefined;
  // A run of the block after the first goes to an engine that keeps pre-states as a preStateOf.
  const found = explained && sentWithPreStateOf(explained, preStateOfResult(r));
  const difference = found && earlier.length > 0 ? afterRunBlocks(found, earlier.map((e) => referenceOf(e.block).state)) : found;
  // The earlier blocks that differed from the reference or threw, counted from 1 as the file lists them.
  const differing = earlierOutcomes.flatMap((x, i) => (x === 'differs' ? [i + 1] : []));
  const threw = earlierOutcomes.flatMap((x, i) => (x === 'threw' ? [i + 1] : []));
  const code = difference || differed || differing.length || threw.length || closeFailure ? EXIT.FAILED : EXIT.OK;
  const summary = {
    // As verify's summary says it, and every failure's object (cli/failure-lines.ts): whether the command passed.
    ok: code === EXIT.OK,
    block: label,
    executor: executor.name,
    threads: usedThreads,
    txs: block.txs.length,
    stateRoot: r.stateRoot,
    receiptsRoot: r.receiptsRoot,
    statuses: statusCounts(r),
    gasUsed: r.gasUsed,
    repeat,
    warmupRuns,
    medianMs,
    txPerSecond: medianMs === null ? null : block.txs.length / (medianMs / 1000),
    startupMs,
    stats: r.stats,
    ...(training ? { training: { partition: 'affinity', ...training.record } } : {}),
    ...(o.after === undefined ? {} : { after: { file: o.after, blocks: earlier.length, threw, ...(o.check ? { differing } : {}) } }),
    ...(o.check ? { check: { same: differed === undefined, runs: warmupRuns + times.length, ...(differed ? { differed } : {}), ...(difference ? { difference } : {}) } } : {}),
    ...(o.receipts ? { receipts: r.receipts } : {}),
    ...(closeFailure ? { error: closeFailure.message } : {}),
  };
  // Its JSON is run's own summary above, which carries the error: stderr's line alone here.
  if (closeFailure) printFailure('run', closeFailure.message, undefined);
  if (o.json) {
    writeStdout(`${JSON.stringify(summary)}\n`);
    return code;
  }
  const lines = [
    `block          ${label} (${plural(block.txs.length, 'transaction')})`,
    `executor       ${executor.name}${usedThreads ? ` (${plural(usedThreads, 'thread')})` : ''}`,
    ...(training ? [`partition      ${trainingWords(training.record)}`] : []),
    `state root     ${r.stateRoot}`,
    `receipts root  ${r.receiptsRoot}`,
    `receipts       ${Object.entries(summary.statuses).map(([k, v]) => `${k} ${v}`).join(', ') || 'none (an empty block)'}`,
    `gas used       ${r.gasUsed}`,
    medianMs === null
      ? `median time    none: ${runWords(differed!)} differed from the reference, so no timed run was made (start-up ${startupMs.toFixed(1)} ms apart)`
      : `median time    ${medianMs.toFixed(2)} ms over ${times.length < repeat ? `${times.length} of ${repeat} runs` : plural(repeat, 'run')}`
        + `${warmupRuns > 0 ? ` after ${plural(warmupRuns, 'warm-up run')}` : o.after !== undefined ? ', after the earlier blocks' : ', cold'} (${Math.round(summary.txPerSecond!).toLocaleString('en-US')} tx/s; start-up ${startupMs.toFixed(1)} ms apart)`,
  ];
  // concord-exec/1 has no ready signal: start-up is the process's spawn, and the engine's own
  // start (an interpreter, a JIT) is in the first execute().
  if (warmupRuns === 0 && o.after === undefined && isExecCommand(name)) lines.push(`               (the first run holds the engine's own start-up: its process starts, then reads its first request)`);
  const counters = Object.entries(r.stats).filter(([, v]) => v !== 0 && v !== '');
  // Timings and shares are floats: three significant digits say all a reader can use.
  const shown = (v: unknown): string => (typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toPrecision(3))) : String(v));
  // The result shown is the last run's (or the one that differed), and so are its counters: an engine's own executeMs there is one call's, not the median.
  const whose = differed ? ` (${runWords(differed)}'s)` : repeat > 1 ? ' (the last run\'s)' : '';
  if (counters.length) lines.push(`statistics     ${counters.map(([k, v]) => `${k} ${shown(v)}`).join(', ')}${whose}`);
  if (o.after !== undefined) lines.push(earlierLine(o.after, earlier.length, o.check ? differing : undefined, threw));
  if (o.receipts) lines.push(...r.receipts.map((x, i) => receiptLine(i, x)));
  if (o.check) {
    const runs = warmupRuns + times.length;
    lines.push(difference
      ? `check          ${differsText(differed && runs > 1 ? ` in ${runWords(differed)} (${plural(runs - 1, 'run')} before it the same)` : '', difference)}`
      : `check          ${SAME_AS_REFERENCE}${runs > 1 ? `, in each of ${plural(runs, 'run')}` : ''}`);
  }
  writeStdout(`${lines.join('\n')}\n`);
  return code;
}

/** The run whose result differed from the reference: a warm-up run or a timed one, counted from 1 within its kind. */
interface DifferingRun {
  readonly phase: 'warm-up' | 'timed';
  readonly run: number;
}

const runWords = (d: DifferingRun): string => `${d.phase} run ${d.run}`;

/** A block file with its pre-state handed over as `kind`, by its resolved path. */
function blockKey(file: string, kind: PreStateKind): string {
  return `${kind}:${resolve(file)}`;
}

/**
 * The blocks of the earlier-blocks file `file`, each with the pre-state kind and thread count it is
 * to run with; an entry of a file and kind already in `shared` (the block's own, another entry's)
 * is the same Block object, as it was in verify.
 */
function earlierBlocks(file: string, shared: Map<string, Block>): { block: Block; label: string; threads: number }[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`--after ${file}: cannot read: ${fsReason(e)}`);
  }
  const fail = (where: string, problem: string) => new UsageError(`--after ${file}: ${where}: ${oneLine(problem)}`);
  // Checked as a block file's bytes are (block-source.ts): decoded loosely, a byte that is no UTF-8
  // became U+FFFD inside a block's file name, and the file was refused as missing.
  return parseEarlierFile(utf8Text(bytes, (problem) => fail('encoding', problem)), file, fail).map((e, i) => {
    try {
      const key = blockKey(e.blockFile, e.preState);
      const block = shared.get(key) ?? withPreState(fileBlock(e.blockFile).block, e.preState);
      shared.set(key, block);
      return { block, label: e.blockFile, threads: e.threads };
    } catch (err) {
      if (!isInputError(err)) throw err;
      throw fail(`field blocks[${i}].file`, err.message);
    }
  });
}

/** What the text report says of the earlier blocks: how many ran first, which threw, and (with --check) which differed from the reference. */
function earlierLine(file: string, count: number, checked: readonly number[] | undefined, threw: readonly number[]): string {
  const ran = `${plural(count, 'earlier block')} from ${file}, run first on the same instance`;
  const differing = checked ?? [];
  if (!checked && !threw.length) return `after          ${ran}`;
  if (!differing.length && !threw.length) return `after          ${ran} (${count === 1 ? 'the same' : 'each the same'} as the reference)`;
  return `after          ${ran}: ${earlierFailedText(differing, threw)} already`;
}

function receiptLine(i: number, x: Receipt): string {
  const code = x.status === 'reverted' ? ` code ${x.code}${FAULT_NAMES[x.code] ? ` (${FAULT_NAMES[x.code]})` : ''}` : '';
  return `tx ${String(i).padStart(5)}       ${x.status}${code}, gas ${x.gasUsed}${x.outputs.length ? `, outputs ${x.outputs.join(' ')}` : ''}`;
}
