// `concord bench`: the thread-count sweep of every parallel executor against a baseline (the fast
// sequential executor, or --baseline's: cli/bench-baseline.ts) and the ideal bound, with simulated
// scaling beside it; prints a summary table (or the results JSON with --json) and writes the
// results file with --out.
// Invariants: --json prints exactly one JSON document on stdout; the file written is validated
// against the results schema first; exit 1 when an executor failed or disagreed with the
// reference, because then its timings are not valid speedups. A signal (cli/ending-signal.ts) ends
// the process by that signal whenever it comes: before the results are whole it leaves what was
// measured; after, the results as printed, whole and once.

import { join } from 'node:path';
import { checkExecutorName, createExecutor, EXECUTORS, isModuleObject, isModulePath } from '../impl/registry.js';
import { execCommand, isExecCommand } from '../impl/exec-executor.js';
import { isFile } from '../properties/folders.js';
import { preStateFlag, rerunCommand, rerunGeneratedCommand } from '../properties/report.js';
import { maxThreads } from '../impl/runtime/pooled.js';
import { allowedCpus, pinThread, probeCoreSpeeds } from '../bench/core-speeds.js';
import { ceilingThreads, threadCeiling } from '../bench/ceiling.js';
import { CEILING_DRIFT_WORDS, ceilingRatio, movedCeilings, probeText, QUICK_CORES_AT_END, recordedCeilingsWords, unequal, type CeilingRecord } from '../reports/cores.js';
import { loadAverage, machineFacts } from '../bench/machine.js';
import { QUICK_SIMULATED_THREADS, simulateScaling, SIMULATED_THREADS } from '../bench/simulate.js';
import { allSharedPreState, CUSTOM_GROUP, defaultSuite, fromFile, generated, P2P_GRID_GROUP } from '../bench/suite.js';
import { partitionsOf, runLabels, sweep, type BlockSource, type RunResult, type SweepOptions, type SweepResult, type SweepWorkload } from '../bench/sweep.js';
import { merge } from '../reports/merge.js';
import { MIN_ROUNDS } from '../reports/compare.js';
import { resultsMarkdown } from '../reports/render.js';
import { labelProblem, RESULTS_FORMAT, ResultsFileError, serializeResults, type CoreProbeRecord, type ResultsFile, type RunRecord } from '../reports/schema.js';
import { plural } from '../spec/plural.js';
import type { Executor } from '../spec/executor.js';
import { errorText } from '../spec/messages.js';
import { median } from '../reports/stats.js';
import { withLabels, workloadLabels } from '../reports/summary.js';
import { fileBlock, givenWorkloadFlags, noWorkloadOptions, preStateKind, workloadFlags, workloadParams, workloadSpec, type WorkloadOptions } from './block-source.js';
import { callExecutor, closeModuleExecutors, EXIT, ExecutorFailure, intOption, timeoutOption, unlessStuck, UsageError, watchCalls, type CallWatch } from './errors.js';
import { benchPartitions, executorNames, partitionList, type partitionSettings, type PartitionOptions } from './executor-settings.js';
import { checkOutFile, refuseDash, refuseOverwrite, writeStdout, writeWhole } from './output.js';
import { concordCommit, concordVersion } from './version.js';
import { MAX_REPEAT } from './run-limits.js';
import { createProgress, type Progress } from './progress.js';
import { pendingCall, printFailure } from './process-guard.js';
import { resourceCounts, warnLeftAlive } from './leaks.js';
import { leaveStopped } from './stopped-results.js';
import { unlessSignalled, type EndingSignal } from './ending-signal.js';
import { baselineError, baselineOption, withLabel } from './bench-baseline.js';
import { SEQUENTIAL_BASELINE } from '../reports/baseline.js';
import { labelPartition, partitionLabel, type TrainingSource } from '../reports/partitions.js';
import { DEFAULT_PARTITION } from '../impl/modular/partition.js';
// Loaded with the command, as the modular executor is: the registry loads it on first use, which
// would count loading Concord's code into the start-up this command times and reports.
import '../impl/blockstm/executor.js';
import {
  placementsFor, refuseMeasured, trainFlags, trainingRequest, trainingWords, trainPlacement, withPlacementModules, type Training, type TrainOptions, type TrainTarget,
} from './train.js';

export interface BenchOptions extends WorkloadOptions, PartitionOptions, TrainOptions {
  /** Comma-separated thread counts; default the powers of two below the machine's effective cores, and the cores (threadList). */
  threads?: string;
  /** Comma-separated executors; default every parallel executor in the registry but the baseline. */
  /** Each --executor given, a list each (the CLI collects them; one list as a string). */
  executor?: string | string[];
  /** The executor every speedup is measured against (cli/bench-baseline.ts); default sequential. */
  baseline?: string;
  /** A block file instead of the suite. */
  block?: string;
  quick?: boolean;
  /** Interleaved rounds per workload and thread count (default 5, 4 with --quick). */
  rounds?: string;
  json?: boolean;
  out?: string;
  /** Seconds a call into an executor may stay pending (cli/errors.ts watchCalls). */
  timeout?: string;
  /** The results file's machine.label instead of the one machineFacts makes up (two boxes of one type look alike). */
  label?: string;
  /** How every block's pre-state reaches the executors: map (default) or shared (cli/block-source.ts preStateKind). */
  preState?: string;
}

/** --rounds at most: each round times every executor at every thread count on every workload. */
export const MAX_ROUNDS = 1000;

/**
 * The thread counts to measure: --threads, or by default the powers of two below the effective
 * cores and the cores themselves (1, 2, 4, 8, 12 on 12 cores): a sweep's time grows with its
 * thread counts, and every count from 1 to 64 would take a 64-core machine hours. A count given
 * twice is refused, as --executor refuses an executor named twice: dropping it would hide a typo
 * for another count.
 */
export function threadList(raw: string | undefined, cores: number): number[] {
  if (raw === undefined) {
    const list: number[] = [];
    for (let t = 1; t < cores; t *= 2) list.push(t);
    return [...list, cores];
  }
  const list = raw.split(',').map((s) => intOption('--threads', s.trim(), 1, 1, maxThreads()));
  const twice = list.find((t, i) => list.indexOf(t) !== i);
  if (twice !== undefined) throw new UsageError(`--threads: ${twice} is named twice`);
  return list.sort((a, b) => a - b);
}

/** --label checked by the results schema's rule (labelProblem), surrounding spaces dropped. */
export function labelOption(raw: string): string {
  const label = raw.trim();
  const problem = labelProblem(label);
  if (problem !== null) throw new UsageError(`--label: ${problem}`);
  return label;
}

/**
 * Notes for a sweep whose thread counts exceed the machine's effective cores: those runs' threads
 * take turns on the cores, so they measure sharing, not parallelism past the cores.
 */
export function oversubscribedNote(threads: readonly number[], cores: number): string | null {
  const over = threads.filter((t) => t > cores);
  if (over.length === 0) return null;
  return `bench: --threads ${over.join(',')}: more threads than this machine's ${plural(cores, 'effective core')}, so those runs' threads share cores; the report takes their ideal, efficiency and the machine's ceiling at ${cores}`;
}

/**
 * What bench says when it could not pin the baseline or time each core alone (no taskset, no
 * Linux): otherwise the only trace is a cell in the report's Noise table, and unequal cores, which
 * bend every speedup, would go unnoticed. `pinned`: whether the baseline gets pinned round by round;
 * `pinnable`: whether bench tried (a baseline off the main thread is not, and its note says why).
 */
export function pinningNotes(allowed: readonly number[] | string, pinned: boolean, probe: CoreProbeRecord, pinnable = true): string[] {
  if ('unavailable' in probe) {
    const missing = /is not installed/.exec(probe.unavailable) ? 'taskset is not installed (util-linux)' : `core speeds could not be measured (${probe.unavailable})`;
    return [`bench: ${missing}: ${pinned || !pinnable ? '' : 'the baseline is not pinned and '}core speeds are not measured; unequal cores would go unnoticed`];
  }
  if (pinnable && !pinned && typeof allowed !== 'string' && allowed.length > 1) {
    return ['bench: taskset could not pin the baseline\'s thread: it runs wherever the scheduler puts it, and the over-fastest-core speedup has fewer samples per core'];
  }
  return [];
}

function workloads(o: BenchOptions): SweepWorkload[] {
  return preStateKind(o.preState) === 'map' ? blocks(o) : allSharedPreState(blocks(o));
}

/** Why bench times no empty block: the results schema refuses one (`run` still executes it). */
const EMPTY_BLOCK = 'an empty block takes no time worth comparing (its tx/s is 0 whatever runs it), and a results file holds none; give 1 transaction or more';

function blocks(o: BenchOptions): SweepWorkload[] {
  if (o.block !== undefined && o.workload !== undefined) throw new UsageError('give either --block FILE or --workload NAME, not both');
  if (o.block !== undefined) {
    // A results file names its block file, and a disagreeing run's rerun line gives it to concord run.
    if (o.block === '-') throw new UsageError('--block -: bench names the block file in its results and rerun lines, so it reads no standard input; write the block to a file first');
    noWorkloadOptions(o, '--block FILE');
    const { block } = fileBlock(o.block);
    if (block.txs.length === 0) throw new UsageError(`--block ${o.block}: the block holds no transactions; ${EMPTY_BLOCK}`);
    return [fromFile(o.block, block)];
  }
  if (o.workload === undefined) {
    const sized = givenWorkloadFlags(o, ['accounts', 'txs', 'zipf']);
    if (sized.length) throw new UsageError(`${sized.join(', ')}: only with --workload; the suite's blocks have fixed sizes (bench/suite.ts)`);
  }
  if (o.workload !== undefined) {
    const { name, params } = workloadSpec(o);
    if (params.txs === 0) throw new UsageError(`--txs 0: ${EMPTY_BLOCK}`);
    return [generated(name, params, CUSTOM_GROUP)];
  }
  const p = workloadParams(o);
  return defaultSuite(o.quick === true, p.seed, p.hashCost);
}

/**
 * The CPUs the baseline is pinned to in turn, round by round: every allowed CPU where the main
 * thread can be pinned (and given back), none elsewhere.
 */
function baselineCpus(): number[] {
  const cpus = allowedCpus();
  if (typeof cpus === 'string' || cpus.length < 2) return [];
  return pinThread(null, cpus) ? cpus : [];
}

/**
 * Loads the executor `name` (a module or exec: command) and closes it, so that one that does not
 * load, or exports no executor, is found before the sweep; returns the name it declares. A
 * module's function or class is called a second time: the sweep makes an instance per thread
 * count, and one that hands out an executor it handed out before is refused on that call
 * (impl/fresh-instance.ts), here an input error before anything is timed, as verify refuses it
 * right after its own load; found by the sweep, it was refused after the baseline's rounds at the
 * first thread count, as a failure there, misleadingly called the first instance's.
 */
async function loadUpFront(name: string, settings: ReturnType<typeof partitionSettings>, json: boolean, watch: CallWatch): Promise<string> {
  const failure = json ? { executor: name } : undefined;
  const alive = resourceCounts();
  const load = () => watch.call(`the executor ${name}: loading`, () => callExecutor(name, 'while loading', () => createExecutor(name, { threads: 1, ...settings }), failure));
  const close = (executor: Executor) => watch.call(`the executor ${name}: close()`, () => callExecutor(name, 'while closing', () => executor.close(), failure));
  const executor = await load();
  await close(executor);
  // A module's executor object stays open until bench is done with it (impl/registry.ts).
  if (isModuleObject(name)) return executor.name;
  // Of the first instance alone: the second's would say the same again.
  await warnLeftAlive('bench', `the executor ${name}`, alive);
  if (isModulePath(name)) await close(await load());
  return executor.name;
}

/**
 * Where runBench leaves, once its sweep has started, how to make the results file of what was
 * measured so far: for a command that must stop part-way (a call that never settles, a signal),
 * `stopped` saying why. Null before the sweep starts, where nothing was measured.
 */
export interface PartialResults {
  at: ((stopped: string) => ResultsFile) | null;
}

/**
 * What a sweep stopped part-way had measured: its result as it stood, less the round-trip probes
 * of a workload and thread count whose rounds had not all run (they stand beside no run, and the
 * report would warn of runs that are not there), with the load average now.
 */
function measuredPart(live: Readonly<SweepResult>): SweepResult {
  const sofar = structuredClone(live) as SweepResult;
  const measured = new Set(sofar.runs.filter((r) => r.role === 'baseline').map((r) => `${r.workload}@${r.threads}`));
  const { roundTrips, ...noise } = sofar.noise;
  const trips = roundTrips?.filter((t) => measured.has(`${t.workload}@${t.threads}`));
  return { ...sofar, noise: { ...noise, loadAfter: loadAverage(), ...(trips?.length ? { roundTrips: trips } : {}) } };
}

/**
 * The `stopped` of a sweep ended by `signal`: how far it got, counting what the report counts as
 * measured (a workload at a thread count whose baseline run is in; reports/render.ts names the rest).
 */
function signalStopped(signal: string, doc: Pick<ResultsFile, 'settings' | 'workloads' | 'runs'>): string {
  const measured = new Set(doc.runs.filter((r) => r.role === 'baseline').map((r) => `${r.workload}@${r.threads}`)).size;
  const { threads } = doc.settings;
  const total = doc.workloads.length * threads.length;
  const of = threads.length === 1
    ? `${plural(doc.workloads.length, 'workload')} at ${plural(threads[0]!, 'thread')}`
    : `${total} workload and thread count pairs (${plural(doc.workloads.length, 'workload')} x threads ${threads.join(',')})`;
  return measured === total ? `stopped by ${signal} after the sweep (${measured} of ${of} measured), before bench had finished` : `stopped by ${signal} after measuring ${measured} of ${of}`;
}

/**
 * What a sweep ended by `signal` leaves (`partial`: how to make its results so far): the results
 * where they would have gone (cli/stopped-results.ts), and the failure's message, saying how far
 * it got and where they are. `json`: the failure's object under --json.
 */
export function signalLeft(signal: EndingSignal, partial: PartialResults, out: string | undefined, json: Record<string, unknown> | undefined): string {
  let message = `stopped by ${signal}`;
  try {
    const sofar = partial.at?.(message) ?? null;
    if (sofar !== null && sofar.runs.length > 0) message = signalStopped(signal, sofar);
    return message + leaveStopped(sofar && { ...sofar, stopped: message }, out, json, writeStdout);
  } catch (e) {
    return `${message}; what was measured before it could not be written: ${errorText(e)}`;
  }
}

/**
 * Runs the sweep and simulation and builds the results document (the part `main` reuses; writing
 * it validates it). Every option, --out included, is checked before the long work starts, and
 * --out, whose check makes folders, last of all. `moduleOf` hears the module path behind each
 * module's run label (the name it declares, bench/sweep.ts runLabels), the baseline's too.
 */
export async function runBench(
  o: BenchOptions, progress: Progress, watch: CallWatch, moduleOf = new Map<string, string>(), onExecute?: SweepOptions['onExecute'],
  partial: PartialResults = { at: null },
): Promise<ResultsFile> {
  if (o.out === '') throw new UsageError('--out: empty file name; give a file');
  if (o.out !== undefined) refuseDash(o.out, '--out', 'file', '--json prints the results on standard output (concord bench ... --json | concord report -)');
  const machine = o.label === undefined ? machineFacts() : { ...machineFacts(), label: labelOption(o.label) };
  // --quick: four rounds, the fewest whose medians compare can test (reports/compare.ts
  // MIN_ROUNDS), in the time three took; 6 or more give each speedup's range a 95% confidence.
  const rounds = intOption('--rounds', o.rounds, o.quick === true ? MIN_ROUNDS : 5, 1, MAX_ROUNDS);
  // Without --executor, a parallel executor given as the baseline is measured against nothing but itself: left out.
  const executors = o.executor === undefined
    ? [...EXECUTORS.values()].filter((e) => e.parallel && e.name !== o.baseline?.trim()).map((e) => e.name)
    : executorNames(typeof o.executor === 'string' ? [o.executor] : o.executor);
  executors.forEach(checkExecutorName);
  const option = baselineOption(o.baseline, executors);
  if (executors.includes(SEQUENTIAL_BASELINE) && option.name === SEQUENTIAL_BASELINE) {
    throw new UsageError(`--executor: ${SEQUENTIAL_BASELINE} is the baseline every executor is measured against; name the executors to measure beside it (or give --baseline another)`);
  }
  // A one-thread executor timed "at 2 threads" is the same run under a claim of parallelism (a
  // made-up efficiency), so it is measured at 1 thread only, as `run` allows.
  const oneThread = executors.filter((e) => EXECUTORS.get(e)?.parallel === false);
  const threads = threadList(o.threads, oneThread.length === executors.length ? 1 : machine.effectiveCores);
  if (oneThread.length > 0 && threads.some((t) => t > 1)) {
    const given = o.threads === undefined ? `--threads (default ${threads.join(',')})` : `--threads ${threads.join(',')}`;
    const [runs, it] = oneThread.length === 1 ? ['executor runs', 'it'] : ['executors run', 'them'];
    const apart = oneThread.length < executors.length ? ', apart from the parallel executors' : '';
    throw new UsageError(`${given}: the ${oneThread.join(', ')} ${runs} on one thread; bench ${it} with --threads 1${apart}`);
  }
  // With several partitions, the executors that take one are measured once per partition (reports/partitions.ts).
  const { settings: given, partitions } = benchPartitions(o, executors);
  // The suite's workloads are many chains, which no one placement serves (null).
  const target: TrainTarget = o.block !== undefined ? {} : o.workload !== undefined ? { workload: workloadSpec(o) } : null;
  const request = await trainingRequest(o, executors, partitions ?? [o.partition ?? DEFAULT_PARTITION], target, given.modules,
    [...(o.block === undefined ? [] : [{ flag: '--block', path: o.block }]), ...(o.out === undefined ? [] : [{ flag: '--out', path: o.out }])]);
  // A placement file's module count where --modules left it to the default, recorded as settings.modules.
  const partition = withPlacementModules(given, request);
  // After the options that cost nothing to check: the default suite takes seconds to generate.
  const suite = workloads(o);
  if (target !== null) refuseMeasured(request, suite[0]!.block);
  // Before any engine starts: a refusal after minutes of loading is no refusal.
  if (o.out !== undefined) {
    const engines = [...executors.map((name) => ({ flag: '--executor', name })), { flag: '--baseline', name: option.name }]
      .flatMap(({ flag, name }) => engineFiles(name).map((path) => ({ flag, path, ...(path === name ? {} : { within: name }) })));
    refuseOverwrite(o.out, '--out', [...(o.block === undefined ? [] : [{ flag: '--block', path: o.block }]), ...engines]);
    checkOutFile(o.out, '--out');
  }
  // A module that does not load, or exports no executor, is a usage error now, not a failure
  // reported after minutes of sweeping (verify loads its modules up front the same way).
  const declared = new Map<string, string>();
  for (const name of executors.filter((e) => !EXECUTORS.has(e))) declared.set(name, await loadUpFront(name, partition, o.json === true, watch));
  // The baseline is the yardstick of every figure: one that cannot run is a usage error, exit 2.
  if (!EXECUTORS.has(option.name)) {
    declared.set(option.name, await loadUpFront(option.name, {}, o.json === true, watch).catch((e: unknown) => Promise.reject(baselineError(option.name, e))));
  }
  // A module's runs are labelled by the name it declares, the baseline's too (with its path where
  // an executor declares that name as well), as the sweep labels them (bench/sweep.ts runLabels).
  const labels = (names: readonly string[]) => runLabels(names, names.map((n) => ({ name: declared.get(n) ?? n })));
  for (const [i, label] of labels(executors).entries()) if (declared.has(executors[i]!)) moduleOf.set(label, executors[i]!);
  const baseline = EXECUTORS.has(option.name) ? option : withLabel(option, labels([option.name, ...executors])[0]!);
  if (baseline.label !== baseline.name) moduleOf.set(baseline.label, baseline.name);
  // Every warning of bench's is in its results too (settings, machine, cores, ceilings,
  // simulatedGaps): under --json, whose reader has them there, it is quiet.
  if (executors.length === 0) progress.warn(`bench: no parallel executor in the registry yet: measuring the baseline ${baseline.label} alone`);
  const quick = o.quick === true;
  // Pinning Concord's main thread pins only a baseline that runs on it alone.
  const pinCpus = baseline.onMainThread ? baselineCpus() : [];
  // Once, before the sweep and outside every timing, after every check: the placement every affinity run then uses.
  const training = request && await trainPlacement(request, partition.modules, 'bench', progress);
  if (training) progress.info(`bench: ${trainingWords(training.record)}`);
  const settings = {
    quick, threads, executors, baseline: baseline.label, ...(baseline.threads === undefined ? {} : { baselineThreads: baseline.threads }),
    // A module's path beside its declared name: older files named it by the path, and compare matches the two.
    ...(baseline.label === baseline.name ? {} : { baselinePath: baseline.name }),
    rounds, roundMs: quick ? 30 : 250, baselineCpus: pinCpus, ...(pinCpus.length > 0 ? { baselinePinning: 'each-round' as const } : {}), ...(baseline.notes.length > 0 ? { baselineNotes: [...baseline.notes] } : {}), ...partition,
    ...(partitions === undefined ? {} : { partitions }), ...(training ? { training: training.record } : {}),
  };
  const over = oversubscribedNote(threads, machine.effectiveCores);
  if (over !== null) progress.warn(over);
  for (const line of baseline.notes) progress.warn(`bench: ${line}`);
  // Each side by the label its runs carry in the results, so the plan names what the report will.
  const measured = labels(executors).flatMap((label, i) => partitionsOf(executors[i]!, partitions).map((p) => (p === undefined ? label : partitionLabel(label, p))));
  const sides = [baseline.threads === undefined ? baseline.label : `${baseline.label} (baseline, 1 thread)`, ...measured];
  progress.info(`bench: ${plural(suite.length, 'workload')} x threads ${threads.join(',')} x ${sides.join(', ')}; ${plural(settings.rounds, 'interleaved round')} each`);
  // Cores can differ in speed, and change while the sweep runs (a VM's neighbours), so both ends
  // are probed, on a p2p block as large as the suite's largest (up to 10,000 transactions); a quick
  // look probes in proportion, once, before the sweep (QUICK_CORE_ROUNDS says how and why).
  const probe = { txs: Math.min(10_000, Math.max(1_000, ...suite.map((w) => w.block.txs.length))), ...(quick ? { rounds: QUICK_CORE_ROUNDS } : {}) };
  progress.info('bench: timing each core alone (bench/core-speeds.ts)');
  const coresAtStart = await probeCoreSpeeds(probe);
  for (const line of pinningNotes(allowedCpus(), pinCpus.length > 0, coresAtStart, baseline.onMainThread)) progress.warn(line);
  const ceilingsAtStart = await machineCeilings(ceilingThreads(threads, machine.effectiveCores), probe.txs, quick, progress);
  // The sweep starts and closes one instance of every executor at each thread count, the baseline's
  // too, so what is left alive after it is told of them all together.
  const alive = resourceCounts();
  progress.start(threads.length * suite.length * settings.rounds, 'bench');
  const commit = concordCommit();
  const results = (sweepResult: SweepResult, end: Pick<ResultsFile, 'cores' | 'ceilings' | 'simulated' | 'simulatedGaps' | 'stopped'>): ResultsFile => ({
    format: RESULTS_FORMAT,
    createdAt: new Date().toISOString(),
    concordVersion: concordVersion(), ...(commit ? { concordCommit: commit } : {}),
    command: process.argv.slice(2),
    settings,
    machine,
    ...sweepResult,
    ...end,
  });
  // No prediction, and no probes after a sweep stopped part-way: an executor that hangs may still
  // be running its threads, and the runs a prediction is calibrated from may be missing.
  const sofar = (live: Readonly<SweepResult>, end: NonNullable<ResultsFile['cores']>['end'], gap: string): NonNullable<PartialResults['at']> => (stopped) => results(measuredPart(live), {
    cores: { start: coresAtStart, end },
    ...(ceilingsAtStart.length > 0 ? { ceilings: ceilingsAtStart } : {}),
    simulated: [],
    simulatedGaps: [gap],
    stopped,
  });
  const onStart = (live: Readonly<SweepResult>) => {
    partial.at = sofar(live, { unavailable: 'the sweep stopped part-way (stopped)' }, 'the sweep stopped part-way (stopped): nothing is predicted from an incomplete sweep');
  };
  const result = await sweep({
    workloads: suite, executors, executorLabels: new Map(labels(executors).map((label, i) => [executors[i]!, label])),
    onEngineLabel: (label, command) => moduleOf.set(label, command),
    baseline: baseline.name, baselineLabel: baseline.label, ...(baseline.threads === undefined ? {} : { baselineThreads: baseline.threads }),
    baselineOnThisThread: baseline.onMainThread, threads, idealThreads: SIMULATED_THREADS,
    rounds: settings.rounds, roundMs: settings.roundMs, minSamples: quick ? 4 : 5, cores: machine.effectiveCores, pinCpus,
    executorSettings: { ...partition, ...(training ? { placement: training.placement } : {}) }, ...(partitions === undefined ? {} : { partitions }),
    onProgress: (done, _total, what) => progress.update(done, what), watch: watch.call, cleanUp: watch.cleanUp, onStart, ...(onExecute ? { onExecute } : {}),
    // For a call that holds the main thread past any interrupt: the watchdog writes these as it kills the process.
    onMeasured: () => watch.keep({ json: JSON.stringify({ ...partial.at!('-'), stopped: undefined }), out: o.out }),
  });
  // The probes and ceilings after the sweep take seconds, in which a signal must not lose it.
  partial.at = sofar(result, quick ? QUICK_CORES_AT_END : { unavailable: 'bench stopped after the sweep, before probing the cores again (stopped)' }, 'bench stopped after the sweep (stopped): nothing was predicted');
  progress.stop();
  if (![baseline.name, ...executors].some(isModuleObject)) await warnLeftAlive('bench', `the sweep's executors (${[baseline.name, ...executors].join(', ')})`, alive);
  const cores = { start: coresAtStart, end: quick ? QUICK_CORES_AT_END : await probeCoreSpeeds(probe) };
  partial.at = sofar(result, cores.end, `bench stopped after the sweep${quick ? '' : ', while measuring the machine\'s ceilings again'} (stopped): nothing was predicted`);
  const ceilings = quick ? ceilingsAtStart : await ceilingsAtEnd(ceilingsAtStart, probe.txs, progress);
  const { points, gaps } = baseline.noPrediction === null
    ? predict(suite, result.runs, { threads, quick, partition, partitions, training, cores, ceilings, progress })
    : { points: [], gaps: [baseline.noPrediction] };
  return results(result, { cores, ...(ceilings.length > 0 ? { ceilings } : {}), simulated: points, simulatedGaps: gaps });
}

/**
 * The files an executor name stands for, which bench --out must not overwrite: a module's path; an
 * exec: engine's command words that name a file here (`exec:node ./engine.js`'s script, quotes
 * around a word dropped), as no shell parsing is needed to know a file that is there.
 */
function engineFiles(name: string): string[] {
  if (isModulePath(name)) return [name];
  if (!isExecCommand(name)) return [];
  return execCommand(name).split(/\s+/).map((word) => word.replace(/^(['"])(.*)\1$/, '$2')).filter(isFile);
}

/** Samples of a machine ceiling: at 1,000-transaction blocks (3 ms here) fewer than about 10 swing by half. */
const CEILING_SAMPLES = 15;
const CEILING_SAMPLES_QUICK = 10;

/**
 * --quick's passes over the cores in its core probe (bench/core-speeds.ts; 3 otherwise). Each
 * probe, and each ceiling, costs its start-up (a child process; workers generating the block)
 * more than its timed blocks: on a 10-transaction quick look the probes at both ends took 2.6 s
 * of CPU, most of the run. So --quick probes once, before the sweep: the cores in one pass (the
 * record's workload says so), their end record saying why they were not probed again
 * (QUICK_CORES_AT_END), and the ceilings without `end`, which the report says were measured
 * before the sweep alone.
 */
const QUICK_CORE_ROUNDS = 1;

/**
 * What the machine allows each parallel thread count before any executor's overhead
 * (bench/ceiling.ts), on the probe block (p2p, `txs` accounts and transactions), so that a report
 * can tell the machine's share of a missed speedup from the executor's.
 */
async function machineCeilings(threads: readonly number[], txs: number, quick: boolean, progress: Progress): Promise<CeilingRecord[]> {
  const out: CeilingRecord[] = [];
  for (const t of threads) {
    progress.info(`bench: the machine's ceiling at ${plural(t, 'thread')} (bench/ceiling.ts)`);
    const c = await ceilingOnProbe(t, txs, quick);
    out.push({ threads: t, workload: `sequential executor, p2p ${txs} accounts x ${txs} txs`, oneMs: c.oneMs, partsMs: c.partsMs, ratio: c.ratio });
  }
  if (out.length > 0) progress.info(`bench: the machine's ceiling: ${recordedCeilingsWords(out)}`);
  return out;
}

function ceilingOnProbe(threads: number, txs: number, quick: boolean): ReturnType<typeof threadCeiling> {
  return threadCeiling(threads, 'p2p', { accounts: txs, txs, seed: 1 }, quick ? CEILING_SAMPLES_QUICK : CEILING_SAMPLES);
}

/**
 * The ceilings measured before the sweep with the same measured again after it: a host can move a
 * VM's vCPUs while it runs, which changes what two threads at once reach while each core alone
 * keeps its speed (the core probes pass), so one measurement taken in a bad phase would halve
 * the predictions of a sweep that ran in a good one. Warns where the two ends differ.
 */
async function ceilingsAtEnd(atStart: readonly CeilingRecord[], txs: number, progress: Progress): Promise<CeilingRecord[]> {
  const out: CeilingRecord[] = [];
  for (const c of atStart) {
    progress.info(`bench: the machine's ceiling at ${plural(c.threads, 'thread')} again, after the sweep`);
    // The sweep's results are worth more than this figure: a measurement that fails (a worker that
    // cannot start once the executors have run) leaves the ceiling as measured before, and says so.
    const end = await ceilingOnProbe(c.threads, txs, false).catch((e: unknown) => {
      progress.note(`bench: the machine's ceiling at ${plural(c.threads, 'thread')} could not be measured after the sweep (${errorText(e)}); the one before it stands alone`);
      return null;
    });
    out.push(end === null ? c : { ...c, end: { oneMs: end.oneMs, partsMs: end.partsMs, ratio: end.ratio } });
  }
  if (out.length === 0) return out;
  progress.info(`bench: the machine's ceiling: ${recordedCeilingsWords(out)}`);
  const moved = movedCeilings(out);
  if (moved.length > 0) {
    progress.warn(`bench: the machine's ceiling moved during the sweep by ${CEILING_DRIFT_WORDS} at ${moved.map((c) => plural(c.threads, 'thread')).join(', ')}: `
      + 'the predictions charge the mean of the two, and the report warns; rerun when they agree');
  }
  return out;
}

/**
 * The simulated scaling of the sweep's `runs` (bench/simulate.ts), calibrated on Concord's
 * sequential baseline, and why any prediction is missing.
 */
function predict(
  suite: readonly SweepWorkload[], runs: readonly RunResult[],
  { threads, quick, partition, partitions, training, cores, ceilings, progress }: {
    threads: readonly number[]; quick: boolean; partition: ReturnType<typeof partitionSettings>; partitions: readonly string[] | undefined; training: Training | undefined;
    cores: NonNullable<ResultsFile['cores']>; ceilings: readonly CeilingRecord[]; progress: Progress;
  },
): { points: ResultsFile['simulated']; gaps: string[] } {
  const virtualThreads = [...new Set([...threads, ...(quick ? QUICK_SIMULATED_THREADS : SIMULATED_THREADS)])].sort((a, b) => a - b);
  // --quick predicts the paper's grid only, with a smaller step budget, so `npm start` keeps its time.
  const simulated = quick ? suite.filter((w) => w.group === P2P_GRID_GROUP) : suite;
  // The cross-core round trips the probes measured, beside which the model's fitted cost per line is shown.
  const trips = [cores.start, cores.end].flatMap((c) => ('speeds' in c ? c.speeds.crossCore?.roundTripNs ?? [] : []));
  const simulation = simulateScaling(simulated, runs, {
    threads: virtualThreads, stepBudget: quick ? 12 : 20, maxSteps: quick ? 1_500_000 : 12_000_000, maxExecutionsPerTx: 12, modular: { ...partition, ...(training ? { placements: placementsFor(training) } : {}) },
    ...(partitions === undefined ? {} : { partitions }),
    ...(trips.length > 0 ? { crossCoreNs: median(trips) } : {}),
    ceilings: ceilings.map((c) => ({ threads: c.threads, ratio: ceilingRatio(c) })),
    ...([cores.start, cores.end].some(unequal) ? { unequalCores: `the core probes found cores of unequal speed (${probeText(cores.start)}; then ${probeText(cores.end)})` } : {}),
    onProgress: (done, total, what) => (done === 0 ? progress.start(total, 'simulate') : progress.update(done, what)),
  });
  progress.stop();
  const unpredicted = suite.filter((w) => !simulated.includes(w)).map((w) => w.id);
  const gaps = unpredicted.length ? [...simulation.gaps, `--quick predicts only the blocks of the default suite's Block-STM p2p grid (drop --quick to predict every block), not ${unpredicted.join(', ')}`] : simulation.gaps;
  return { points: simulation.points, gaps };
}

export async function benchCommand(o: BenchOptions): Promise<number> {
  const json: Record<string, unknown> | undefined = o.json ? {} : undefined;
  const timeout = timeoutOption(o.timeout);
  const moduleOf = new Map<string, string>();
  // The execute() in flight, for the rerun of its block should it hang (bench stops at a hang): kept
  // in place, not allocated per call, as the hook runs inside the timed calls of every side.
  const executing = { what: '', executor: '', workload: undefined as SweepWorkload | undefined, threads: 1, call: 0 };
  const onExecute: NonNullable<SweepOptions['onExecute']> = (what, executor, workload, threads, call) => {
    executing.what = what;
    executing.executor = executor;
    executing.workload = workload;
    executing.threads = threads;
    executing.call = call;
  };
  const hungRerun = (what: string): string => {
    const { executor, workload, threads, call } = executing;
    if (executing.what !== what || workload === undefined) return '';
    const { source } = workload;
    // A partition's runs are labelled with it, and a module's by the name it declares; the command needs the executor, its partition and a module's path.
    const split = labelPartition(executor, partitionList(o.partition));
    const given = split?.executor ?? moduleOf.get(executor) ?? executor;
    // As many calls as its instance had made, as for a wrong result (rerunWrong).
    const repeat = Math.min(call, MAX_REPEAT);
    const training: TrainingSource | undefined = o.placement !== undefined ? { file: { path: o.placement, use: 'read' } }
      : o.trainOn !== undefined ? { blocks: o.trainOn.length, files: o.trainOn } : o.train !== undefined ? { blocks: Number(o.train) } : undefined;
    const command = benchRunCommand(source, given, threads, repeat, { ...o, training, ...(split === null ? {} : { partition: split.partition }) });
    const most = repeat < call ? `, of which run makes ${repeat.toLocaleString('en-US')} at most` : '';
    const earlier = call > 1 ? ` (it was call ${call.toLocaleString('en-US')} of its instance${most}, which may have run other blocks or thread counts before it, which run does not)` : '';
    return `; rerun: ${command} --timeout ${timeout}${earlier}`;
  };
  const partial: PartialResults = { at: null };
  // A hang ends the command at once; what the sweep measured before it is not lost with it, but
  // goes where the whole results would have gone (--out; the failure's JSON under --json; the
  // tables otherwise), saying where it stopped. With nothing measured, --out is left as it was.
  const stoppedAt = (what: string, failure: string): string => {
    const rerun = hungRerun(what);
    if (partial.at === null) return rerun;
    try {
      return rerun + leaveStopped(partial.at(failure + rerun), o.out, json, writeStdout);
    } catch (e) {
      return `${rerun}; what was measured before it could not be written: ${errorText(e)}`;
    }
  };
  const watch = watchCalls('bench', timeout, json, stoppedAt);
  const progress = createProgress({ json: o.json === true });
  // Without this, a user's execute() that never settles (and keeps nothing alive) ends the process with exit 13, silently.
  // A call that never settles with nothing left running to settle it: named by whichever watch made
  // it (pendingCall), with what was measured before it, as a hang past --timeout is.
  const neverSettled = (unnamed: string) => (): ExecutorFailure => {
    const what = pendingCall() || unnamed;
    const failure = `${what} never settled, and nothing was left running that could settle it`;
    return new ExecutorFailure(failure + stoppedAt(what, failure), json);
  };
  // A signal (a CI job's timeout, Ctrl-C) ends the command part-way too, leaving what was measured
  // as a hang does, until the results are whole and about to be printed; from then on it leaves
  // nothing more, and the process ends by it once they are out (cli/ending-signal.ts).
  const { doc, objects, closes } = await unlessSignalled(async () => {
    const doc = await unlessStuck(runBench(o, progress, watch, moduleOf, onExecute, partial), neverSettled('a call into an executor'));
    // Which modules were one object for every thread count, asked before closing forgets them.
    const objects = new Set(doc.settings.executors.filter(isModuleObject));
    // Every round ran: a close() that hangs here stops a sweep that measured everything, whether
    // past --timeout or never settling with nothing left running.
    partial.at = (stopped) => ({ ...doc, stopped });
    const closes = await unlessStuck(closeModuleExecutors('bench', o.timeout, doc.failures.length > 0, json, stoppedAt), neverSettled('the close() of a module\'s executor object'));
    return { doc, objects, closes };
  }, (signal) => printFailure('bench', signalLeft(signal, partial, o.out, json), json));
  // A module's executor object is closed once the sweep is done with it; a failure there is one
  // of the run's, in the results like a close() that threw after a thread count.
  const last = doc.settings.threads.at(-1)!;
  for (const { name, message } of closes) {
    doc.failures.push({ executor: [...moduleOf].find(([, path]) => path === name)?.[0] ?? name, threads: last, workload: null, message });
  }
  // Serializing validates: a file bench writes is always one that report and compare accept.
  const text = validResults(doc, o.out, json);
  if (text === null) return EXIT.FAILED;
  if (o.out !== undefined) {
    writeWhole(o.out, text);
    progress.info(`bench: results written to ${o.out}`);
  }
  if (o.json) writeStdout(text);
  else writeStdout(resultsMarkdown(merge([{ file: o.out ?? '(not written)', doc }])));
  // Gaps on stderr too, failures and disagreements even under --json: a CI log that keeps the
  // results in a file shows none of the report's warnings, nor why the command failed.
  const labels = workloadLabels(doc.workloads);
  for (const gap of doc.simulatedGaps) progress.warn(`bench: no prediction: ${withLabels(gap, labels)}`);
  const bad = badRunLines('bench', doc, moduleOf, objects);
  for (const line of bad) progress.note(line);
  if (bad.length > 0) progress.note(`bench: ${plural(bad.length, 'executor run')} failed or disagreed with the reference`);
  return bad.length > 0 ? EXIT.FAILED : EXIT.OK;
}

/** Where bench keeps results that fail the results schema (validResults), --out given or not. */
export const REJECTED_RESULTS = join('concord-out', 'bench', 'rejected-results.json');

/**
 * `doc` as the results file's text, validated (serializeResults); null where it fails the schema,
 * once the failure is printed (exit 1). Every result an executor returns is held where it is
 * returned to what the file needs of it (spec/block.ts statsProblem), so a failure here is a bug in
 * Concord: it is said as one, naming the field, after a sweep that may have taken an hour, never as a
 * crash; and since report and compare would refuse it, and --out must only ever hold a file they
 * read, --out is left as it was and the measurements are kept as they stand in REJECTED_RESULTS,
 * for the bug's report and for reading by hand. `json` is the failure's object under --json,
 * which is given `rejectedFile`.
 */
export function validResults(doc: ResultsFile, out: string | undefined, json: Record<string, unknown> | undefined): string | null {
  try {
    return serializeResults(doc, out ?? 'results');
  } catch (e) {
    if (!(e instanceof ResultsFileError)) throw e;
    let kept: string;
    try {
      writeWhole(REJECTED_RESULTS, `${JSON.stringify(doc, null, 1)}\n`);
      kept = `the results as measured are kept, unvalidated, in ${REJECTED_RESULTS} (report and compare refuse them)`;
      if (json) json.rejectedFile = REJECTED_RESULTS;
    } catch (w) {
      kept = `the results as measured could not be kept either: ${errorText(w)}`;
    }
    const where = out === undefined ? '' : `, so ${out} is left as it was`;
    printFailure('bench', `the results fail the results file's schema (reports/schema.ts)${where}: ${e.where}: ${e.problem}; a bug in Concord, which checks every result where it is returned; ${kept}`, json);
    return null;
  }
}

/**
 * One line for each run of `doc` that failed or disagreed with the reference, after `prefix`
 * (`bench`, or `main: bench (quick)`, which says them as bench does): a workload by its label, as
 * the report names it (the id stays in the JSON), and a disagreeing run with the `concord run
 * --check` that shows what differs (rerunWrong, given `moduleOf` and `objects`).
 */
export function badRunLines(
  prefix: string, doc: Pick<ResultsFile, 'workloads' | 'settings' | 'runs' | 'failures'>, moduleOf: ReadonlyMap<string, string> = new Map(), objects: ReadonlySet<string> = new Set(),
): string[] {
  const labels = workloadLabels(doc.workloads);
  const lines = doc.failures.map((f) => {
    // The baseline is loaded and closed once for every thread count: only its runs on a block have one.
    const baseline = f.executor === doc.settings.baseline;
    const who = !baseline ? `${f.executor} at ${plural(f.threads, 'thread')}` : f.workload ? `the baseline ${f.executor} (beside the ${f.threads}-thread runs)` : `the baseline ${f.executor}`;
    // A call that threw on a block is made again by a rerun, as a wrong result's is.
    const rerun = f.workload !== null && f.call !== undefined
      ? rerunWrong(doc, moduleOf, objects, { executor: f.executor, role: baseline ? 'baseline' : 'executor', workload: f.workload, threads: f.threads, call: f.call }) : '';
    // What an exec: engine wrote on several lines (a traceback) follows the message's line: indented
    // under it, as run prints it; the rerun goes before them, on the line a reader reads first.
    const [line, ...after] = f.message.split('\n');
    return [`${prefix}: ${who}${f.workload ? ` on ${labels.get(f.workload)!}` : ''} failed: ${line}${rerun ? ` (rerun: ${rerun})` : ''}`, ...after].join('\n    ');
  });
  for (const r of doc.runs.filter((x) => !x.correct)) {
    const rerun = rerunWrong(doc, moduleOf, objects, { ...r, call: r.wrongCall ?? 1 });
    const call = r.wrongCall === undefined ? '' : ` on ${differingWords(r)}its call ${r.wrongCall.toLocaleString('en-US')}${r.wrongAt === undefined ? '' : ` (${placeWords(r.wrongAt)})`}`;
    // The baseline is every speedup's yardstick: a wrong one makes all of them beside it wrong too.
    const who = r.role === 'baseline' ? `the baseline ${r.executor} (timed beside the ${r.threads}-thread runs)` : `${r.executor} at ${plural(r.threads, 'thread')}`;
    const yardstick = r.role === 'baseline' ? '; no speedup over it there is valid' : '';
    lines.push(`${prefix}: ${who} on ${labels.get(r.workload)!} disagreed with the reference${call}${yardstick}${rerun ? ` (what differs: ${rerun})` : ''}`);
  }
  return lines;
}

/** How many of a wrong run's checked calls differed, leading to its first ('' in files that do not say). */
function differingWords(r: Pick<RunRecord, 'differingCalls' | 'checkedCalls'>): string {
  if (r.differingCalls === undefined || r.checkedCalls === undefined) return '';
  return `${r.differingCalls.toLocaleString('en-US')} of its ${r.checkedCalls.toLocaleString('en-US')} checked call${r.checkedCalls === 1 ? '' : 's'}, first on `;
}

/** Where a call on a block was made (bench/sweep.ts CallPlace), in words. */
function placeWords(at: NonNullable<RunRecord['wrongAt']>): string {
  if (!('round' in at)) return at.stage === 'cold' ? 'its pool\'s cold first block, untimed' : 'the block\'s untimed first execution';
  return `round ${at.round}'s ${at.stage === 'timed' ? 'timed' : 'untimed warm-up'} call ${at.index.toLocaleString('en-US')}; rounds count from 0`;
}

/**
 * The `concord run` that makes bench's call again: its block (file or workload), executor, thread
 * count and number of calls, and the --modules and --partition bench gave the executors that take
 * them, with the training of an affinity placement (run trains it on the same sample).
 */
function benchRunCommand(
  source: BlockSource, executor: string, threads: number, repeat: number,
  settings: { readonly modules?: number | string; readonly partition?: string; readonly training?: TrainingSource | undefined },
): string {
  const command = source.kind === 'file'
    ? rerunCommand(source.path, executor, threads, repeat, source.preState)
    : rerunGeneratedCommand(`${workloadFlags(source)}${preStateFlag(source.preState)}`, executor, threads, repeat);
  const flags = (['modules', 'partition'] as const)
    .filter((k) => settings[k] !== undefined && (EXECUTORS.get(executor)?.takes.includes(k) ?? true))
    .map((k) => ` --${k} ${settings[k]}`).join('');
  const trained = settings.training !== undefined && settings.partition === 'affinity' && EXECUTORS.get(executor)?.takes.includes('placement') === true;
  return `${command}${flags}${trained ? trainFlags(settings.training!) : ''}`;
}

/** A call bench made and a rerun makes again: the run's executor (its label), role, block, thread count and the call's number on its instance. */
type CallAgain = Pick<RunRecord, 'executor' | 'role' | 'workload' | 'threads'> & { readonly call: number };

/**
 * The `concord run --check` that shows where run `r` disagreed (or `r`'s call threw), and what it
 * repeats, or '' where the command cannot be known. A module's run is labelled by its declared name (bench/sweep.ts
 * runLabels), with its path beside it where the name is not unique, the baseline's too; `moduleOf`
 * gives the path behind each module's label; `objects`, the modules whose one executor object
 * served every thread count.
 * A result that differed only on a later call is no cold run's: the command makes as many calls on
 * a fresh instance, so `run` checks the same call.
 */
export function rerunWrong(
  doc: Pick<ResultsFile, 'workloads' | 'settings'>, moduleOf: ReadonlyMap<string, string>, objects: ReadonlySet<string>, r: CallAgain,
): string {
  const source = doc.workloads.find((w) => w.id === r.workload)?.source;
  const label = r.executor;
  const inLabel = /^.+ \((.+)\)$/.exec(label)?.[1];
  // A run of one of several partitions names it in its label (reports/partitions.ts), which the command gives as --partition.
  const split = r.role === 'executor' ? labelPartition(label, doc.settings.partitions) : null;
  // settings.executors holds what --executor gave; settings.baseline, the baseline's label.
  const executor = r.role === 'baseline' ? moduleOf.get(label) ?? label
    : doc.settings.executors.includes(label) ? label : split?.executor ?? inLabel ?? moduleOf.get(label);
  if (!source || executor === undefined) return '';
  const calls = r.call;
  const repeat = Math.min(calls, MAX_REPEAT);
  // A baseline row's count is the runs it was timed beside; --baseline's ran on the one it was given.
  const threads = r.role === 'baseline' ? doc.settings.baselineThreads ?? r.threads : r.threads;
  const command = benchRunCommand(source, executor, threads, repeat, split === null ? doc.settings : { ...doc.settings, partition: split.partition });
  if (repeat === 1) return command;
  // A pool serves every workload at its thread count; the baseline's instance and a module's
  // executor object serve every thread count too. Bench's earlier calls may then have run other
  // blocks or thread counts, which run cannot.
  const everyCount = r.role === 'baseline' || objects.has(executor);
  const alone = r.workload === doc.workloads[0]?.id && (!everyCount || r.threads === doc.settings.threads[0]);
  const what = repeat < calls ? `${repeat.toLocaleString('en-US')} calls (run's most; bench's was call ${calls.toLocaleString('en-US')})`
    : `bench's ${calls.toLocaleString('en-US')} calls`;
  const others = alone ? '' : '; some of bench\'s were on other workloads\' blocks or at other thread counts, which run cannot repeat: all of these run this block';
  return `${command}: ${what} on a fresh instance, the last checked${others}`;
}
