// The modular executor (`--executor modular --modules M --partition hash|range|affinity`): state
// partitioned into M modules, one lane per module, lanes run in parallel on a persistent pool of
// worker threads (impl/runtime/pool.ts) over SharedArrayBuffers, cross-module transactions
// coordinated by per-key waits (plan.ts). Per window between barriers the main thread plans a
// first chunk, starts the lanes on the workers, publishes the rest of the plan chunk by chunk
// while they run; once the lanes are done, the workers and the main thread read the window back
// in chunks (collect.ts), and the main thread takes them in block order and finally builds the
// BlockResult (block-run.ts), whose release() hands its read-back memory to later blocks. At 1 thread the main thread plans the window, then one worker runs
// and reads back the lanes; from 2 threads on the main thread is one of the `threads`: once the window is planned it runs
// lanes beside threads - 1 workers (joinLanes), until it finds none left to claim, then sleeps
// until the lanes are done (DONE) to read back beside the workers.
// Bad cases, none of which returns a partial state:
// - an undeclared access, a full outputs arena or the stall watchdog: the lanes stop, the block
//   is finished in order on the main thread and stats.fallback says why (undeclared accesses are
//   listed in stats.undeclared with transaction, key and kind); a full arena is grown for the next block;
// - a worker that throws or dies: the others are stopped through the STATE cell and execute()
//   rejects naming the worker; the pool replaces a dead worker, so the next block runs normally.
//   An exception on the main thread while it runs lanes stops the workers the same way and
//   execute() rejects naming the main thread.
// A block whose declared footprints show a near-serial chain (impl/preflight.ts) goes to the
// sequential executor instead, as with Block-STM: the lanes would run it in block order anyway,
// at their extra cost per transaction. Its undeclared accesses are reported as the lanes' are:
// the sequential executor watches the transactions of every program whose footprint
// footprint-proof.ts cannot vouch for (undeclared.ts); `preflight: false` keeps every block on the lanes.

import type { Block, BlockResult } from '../../spec/block.js';
import { checkBlock } from '../../spec/block-check.js';
import { sequentialIfContended } from '../preflight.js';
import { newSequentialScratch } from '../sequential.js';
import type { ExecuteOptions, Executor } from '../../spec/executor.js';
import { effectiveCores } from '../runtime/cores.js';
import { WorkerPool, type JobGate, type JobRef } from '../runtime/pool.js';
import { BlockQueue, closingOnFailure, countOption, flagOption, knownOptions, MAX_STALL_MS, maxThreads, numberOption, warmUp, type InjectedFault } from '../runtime/pooled.js';
import { SharedArrays } from '../runtime/shared-arrays.js';
import { BlockRun, newRunSpares } from './block-run.js';
import { undeclaredStats, watchUndeclared, type Violation } from './undeclared.js';
import { bugFlags, type BugName } from './bugs.js';
import { joinLanes, type LanesJob, type LanesResult } from './job.js';
import { collectChunks, type CollectedChunk } from './collect.js';
import { ABORT_EXTERNAL, H, RUNNING } from './layout.js';
import { DEFAULT_PARTITION, PARTITION_KINDS, partitionerFor, type Partitioner } from './partition.js';
import { PlanScratch } from './scratch.js';
import { Counters } from './thread.js';
import { intransitivity } from './order.js';
import { defaultModules, MAX_MODULES } from './modules.js';

const JOB: JobRef = { module: 'impl/modular/job.js', fn: 'runLanesJob' };

/**
 * Transactions planned before the lanes start. Later chunks double (planning runs ~10x faster than
 * execution, so each chunk is published long before the lanes reach it) up to MAX_CHUNK.
 */
export const FIRST_CHUNK = 64;
export const MAX_CHUNK = 4096;

/** Yields to the event loop once: the pool posts the job to its workers in a microtask of run(). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export { defaultModules, MAX_MODULES };

export interface ModularOptions {
  /** Default threads per block running lanes, the main thread among them from 2 on (the effective cores when absent: impl/runtime/cores.ts). */
  readonly threads?: number;
  readonly modules?: number;
  /** A partition kind (hash, range, affinity) or a partitioner (an affinity placement trained on a sample). */
  readonly partition?: string | Partitioner;
  readonly bugs?: Iterable<BugName>;
  /** Watchdog: no lane moving for this long while a worker waits finishes the block in order. */
  readonly stallMs?: number;
  /** Run a small block through the pool at start-up so the first real block meets compiled code (default true). */
  readonly warmUp?: boolean;
  /** Cores to plan for (the effective cores when absent: impl/runtime/cores.ts): the main thread plans on one while cores - 1 workers start. */
  readonly cores?: number;
  /** Send near-serial blocks of 256 transactions or more to the sequential executor (impl/preflight.ts; default true). */
  readonly preflight?: boolean;
}

export class ModularError extends Error {
  static {
    this.prototype.name = 'ModularError';
  }
}

/** Every option createModularExecutor takes: any other key is refused (knownOptions). */
const OPTION_NAMES: Readonly<Record<keyof ModularOptions, true>> = {
  threads: true, modules: true, partition: true, bugs: true, stallMs: true, warmUp: true, cores: true, preflight: true,
};

export class ModularExecutor implements Executor {
  readonly name = 'modular';
  /** The undeclared accesses of the last block, in block order (none after a block that was rejected). */
  violations: readonly Violation[] = [];
  private readonly buffers = new SharedArrays();
  private readonly scratch = new PlanScratch();
  /** What released results handed back (block-run.ts RunSpares). */
  private readonly spares = newRunSpares();
  /** The sequential executor's table, for the blocks the preflight sends there. */
  private readonly sequential = newSequentialScratch();
  private readonly queue = new BlockQueue();
  private readonly partitioner: Partitioner;
  private readonly misroute: boolean;
  private readonly kindBlind: boolean;
  private readonly deltaSkipsReads: boolean;
  private readonly stallMs: number;
  /** Workers that start on the first chunk; the others get their job once the window is planned (and wait for it, see LanesJob.waitForPlan). */
  private readonly startAtOnce: number;
  private readonly preflight: boolean;
  private outputScale = 1;

  private constructor(private readonly pool: WorkerPool, readonly threads: number, readonly modules: number, options: ModularOptions) {
    this.partitioner = typeof options.partition === 'object' ? options.partition : partitionerFor(options.partition ?? DEFAULT_PARTITION);
    ({ misroute: this.misroute, kindBlind: this.kindBlind, deltaSkipsReads: this.deltaSkipsReads } = bugFlags(options.bugs));
    this.stallMs = options.stallMs ?? 2000;
    this.startAtOnce = Math.max(1, (options.cores ?? effectiveCores()) - 1);
    this.preflight = options.preflight ?? true;
  }

  /**
   * Starts the pool (and warms it up) once; every block then reuses it. Every option is checked
   * before a worker starts, and a pool whose warm-up fails is closed: no caller holds it.
   */
  static async create(options: ModularOptions = {}): Promise<ModularExecutor> {
    knownOptions<ModularOptions>('modular', options, OPTION_NAMES, fail);
    const intransitive = intransitivity();
    if (intransitive !== null) throw new ModularError(intransitive);
    const threads = checkCount('threads', options.threads ?? effectiveCores(), maxThreads());
    if (options.cores !== undefined) checkCount('cores', options.cores, MAX_MODULES);
    const modules = checkCount('modules', options.modules ?? defaultModules(options.cores), MAX_MODULES);
    checkOptions(options);
    const fixed = typeof options.partition === 'object' ? options.partition.modules : undefined;
    // A trained placement's modules are its lanes: at another count every block would be refused as it is planned.
    if (fixed !== undefined && fixed !== modules) throw new ModularError(`modular: the partition's placement was trained for ${fixed} modules, and the executor has ${modules}${options.modules === undefined ? ' (its default here)' : ''}: train it for ${modules}, or give modules ${fixed}`);
    const pool = await WorkerPool.start(poolSize(threads), [JOB.module]);
    return closingOnFailure(pool, async () => {
      const executor = new ModularExecutor(pool, threads, modules, options);
      if (options.warmUp ?? true) await warmUp(pool, (block) => executor.execute(block));
      return executor;
    });
  }

  /** Time spent starting (and warming) workers so far, reported apart from block times. */
  get startupMs(): number {
    return this.pool.startupMs;
  }

  /** Test hook: the next block meets this fault in the worker that executes `fault.tx`. */
  injectFault(fault: InjectedFault): void {
    this.queue.inject(fault);
  }

  async execute(block: Block, options: ExecuteOptions = {}): Promise<BlockResult> {
    if (this.queue.closed) throw new ModularError('modular: the executor is closed');
    checkBlock('modular', block, fail);
    const threads = checkCount('threads', options.threads ?? this.threads, maxThreads());
    return this.queue.enqueue((fault) => this.executeNow(block, threads, fault));
  }

  private async executeNow(block: Block, threads: number, fault: InjectedFault | null): Promise<BlockResult> {
    const violations: Violation[] = [];
    this.violations = violations;
    const preflighted = this.preflight ? sequentialIfContended(block, threads, this.sequential, () => watchUndeclared(block, violations)) : null;
    if (preflighted) {
      Object.assign(preflighted.stats, undeclaredStats(violations, block.entityNames));
      return preflighted;
    }
    const run = new BlockRun(block, {
      modules: this.modules, partitioner: this.partitioner, misroute: this.misroute, kindBlind: this.kindBlind, deltaSkipsReads: this.deltaSkipsReads, threads, outputScale: this.outputScale,
    }, this.buffers, this.scratch, this.spares);
    const { i32, f64 } = this.buffers;
    const workers = poolSize(threads);
    // At 1 thread one thread works at a time: the worker is given the window once it is planned
    // (and then runs it whatever JOIN says, being the only one), and reads it back alone. Planning
    // beside it used a second core, which "1 thread" must not (it read 114% efficiency on a block
    // whose planning it hid that way).
    const gateFrom = threads === 1 ? 0 : this.startAtOnce;
    while (run.nextWindow()) {
      const job = (worker: number): LanesJob => ({
        i32: i32.buffer as SharedArrayBuffer, f64: f64.buffer as SharedArrayBuffer, layout: run.L, worker, stallMs: this.stallMs,
        waitForPlan: worker >= this.startAtOnce, alone: threads === 1, fault, spares: run.windowSpares,
      });
      const payloads = Array.from({ length: workers }, (_, worker) => job(worker));
      run.planSome(FIRST_CHUNK);
      const started = performance.now();
      // The workers beyond the free cores get their job once the window is planned: woken at
      // once, they took a core from the planning main thread just to go to sleep. Their jobs go
      // out in reactions to the gate, which run only once the main thread has left the lanes
      // (joinLanes is synchronous): on more threads than cores they take what lanes are left
      // rather than a core from a thread in them. Sent before the main thread joined, they made
      // p2p 10,000 x 10,000 at 4 threads on 2 cores take 35 ms a block instead of 22.
      let planned = () => {};
      const gate: JobGate = { from: gateFrom, open: new Promise<void>((resolve) => (planned = resolve)) };
      const lanes = this.pool.run<LanesResult>(JOB, payloads, () => Atomics.store(i32, H.STATE, ABORT_EXTERNAL), gate);
      // Awaited below, after planning: a rejection before then (a pool that cannot start a worker)
      // must not count as unhandled meanwhile, which would end the process.
      lanes.catch(() => {});
      // Planning the rest of the window overlaps the lanes: once the workers have their job, the
      // main thread publishes chunk after chunk (synchronously; the workers need nothing else from it).
      try {
        await nextTurn();
        for (let chunk = 2 * FIRST_CHUNK; run.planSome(chunk); chunk = Math.min(MAX_CHUNK, 2 * chunk));
      } catch (e) {
        // Planning failed (a partitioner that throws): stop the lanes and let every worker leave
        // before the error ends the block, or the next block would be laid out in the buffers under
        // them (and, on a pool slot still busy, take their reply for its own).
        Atomics.store(i32, H.STATE, ABORT_EXTERNAL);
        planned();
        await lanes.catch(() => {});
        throw e;
      } finally {
        planned();
      }
      // From 2 threads on, the main thread is one of them: once it has planned the window it runs
      // lanes beside the workers, with the plan it just wrote still in its caches, instead of
      // waking one more worker and sleeping. (Not in a window of one hot lane, as the late workers.)
      let mine: LanesResult = { counters: new Counters(), chunks: [] };
      let mainFailure: Error | null = null;
      if (threads > 1 && Atomics.load(i32, H.JOIN) === 1) {
        try {
          // A thread cannot end the process's main thread: an injected 'exit' throws here.
          mine = joinLanes({ ...job(workers), waitForPlan: false, fault: fault && { ...fault, kind: 'throw' } });
        } catch (e) {
          mainFailure = e as Error;
          Atomics.store(i32, H.STATE, ABORT_EXTERNAL);
        }
      }
      if (!mainFailure && threads > 1) await this.readBackBeside(lanes, run, mine.chunks);
      let results: LanesResult[];
      try {
        results = await lanes;
      } catch (e) {
        throw new ModularError(`modular: the block was abandoned because a worker failed: ${(e as Error).message}`);
      }
      if (mainFailure) throw new ModularError(`modular: the block was abandoned because the main thread failed in the lanes: ${mainFailure.message}`);
      const all = [...results, mine];
      run.closeWindow(Counters.sum(all.map((r) => r.counters)), performance.now() - started, all.flatMap((r) => r.chunks));
    }
    if (run.outOfOutputs) this.outputScale *= 2;
    this.violations = run.violations;
    return run.result();
  }

  /**
   * Reads back chunks of the window beside the workers (collect.ts) once the lanes have finished:
   * the main thread sleeps on DONE until the first worker out of the lanes sets it, or until the
   * workers' job settles (an abort, a failure: then there is nothing to read back here).
   */
  private async readBackBeside(lanes: Promise<LanesResult[]>, run: BlockRun, into: CollectedChunk[]): Promise<void> {
    const { i32, f64 } = this.buffers;
    const waiting = Atomics.waitAsync(i32, H.DONE, 0);
    if (waiting.async) {
      const settled = lanes.then(() => {}, () => {}).then(() => Atomics.notify(i32, H.DONE));
      await Promise.race([waiting.value, settled]);
    }
    if (Atomics.load(i32, H.DONE) === 1 && Atomics.load(i32, H.STATE) === RUNNING) collectChunks(i32, f64, run.L, into, run.windowSpares);
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.pool.close();
  }
}

/** Workers for `threads` lane threads: at 1 the main thread plans, then one worker runs the lanes; from 2 on it is one of the threads. */
const poolSize = (threads: number): number => Math.max(1, threads - 1);

const fail = (message: string) => new ModularError(message);

function checkCount(what: string, n: unknown, max: number): number {
  return countOption('modular', what, n, max, fail);
}

/** The options beyond the counts: a bad one would otherwise be ignored or fail every block later in other words. */
function checkOptions(o: ModularOptions): void {
  if (o.stallMs !== undefined) numberOption('modular', 'stallMs', o.stallMs, 1, MAX_STALL_MS, fail, true);
  flagOption('modular', 'preflight', o.preflight, fail);
  flagOption('modular', 'warmUp', o.warmUp, fail);
  const p: unknown = o.partition;
  if (typeof p === 'object' && (p === null || typeof (p as Partial<Partitioner>).forBlock !== 'function')) {
    throw new ModularError(`modular: partition must be one of ${PARTITION_KINDS.join(', ')} or a partitioner (an object with forBlock), got ${p === null ? 'null' : 'an object without forBlock'}`);
  }
  try {
    if (typeof p !== 'object') partitionerFor(o.partition === undefined ? DEFAULT_PARTITION : String(o.partition));
    bugFlags(o.bugs);
  } catch (e) {
    throw new ModularError(`modular: ${(e as Error).message}`);
  }
}

export function createModularExecutor(options: ModularOptions = {}): Promise<ModularExecutor> {
  return ModularExecutor.create(options);
}
