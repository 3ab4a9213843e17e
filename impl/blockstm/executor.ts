// The Block-STM executor (`--executor block-stm`): the paper's algorithm on a persistent pool of
// worker threads over SharedArrayBuffers. Per block the main thread writes the block into the
// buffers (growing them when the block needs more), starts the job on `threads` workers, waits,
// and puts the BlockResult together from the shares the workers read back (finalize.ts). A
// result's release() hands its shares' buffers back, one shelf per worker index, and the next
// block lends each worker one to read its share back into (impl/spare-memory.ts).
// Bad cases, none of which returns a partial state:
// - buffers too small: the block is aborted and rerun from scratch with doubled capacities, up to
//   maxBufferBytes, then execute() rejects with a clear error;
// - a pre-state far larger than the block's footprints: only the declared keys are loaded
//   (layout.ts), and a read of any other key's pre-state value aborts the block, which is rerun
//   from scratch with the whole pre-state (stats.preStateReloads);
// - a block whose declared footprints show it is a near-serial chain (impl/preflight.ts) never reaches
//   the workers: the sequential executor runs it, and stats.fallback says why;
// - the watchdog (incarnation bound, or no progress), the contention check (parallel execution
//   losing to sequential) or a violated end-of-block invariant: the block is finished by the
//   sequential executor and stats.fallback says why;
// - a worker that throws or dies: the others are stopped through the STATE cell and execute()
//   rejects naming the worker; the pool replaces a dead worker, so the next block runs normally.

import type { Block, BlockResult, ExecutionStats } from '../../spec/block.js';
import { emptyStats } from '../../spec/block.js';
import { checkBlock } from '../../spec/block-check.js';
import type { ExecuteOptions, Executor } from '../../spec/executor.js';
import { effectiveCores } from '../runtime/cores.js';
import { WorkerPool, type JobRef } from '../runtime/pool.js';
import { BlockQueue, closingOnFailure, countOption, flagOption, knownOptions, MAX_STALL_MS, maxThreads, numberOption, warmUp, type InjectedFault } from '../runtime/pooled.js';
import { SharedArrays } from '../runtime/shared-arrays.js';
import { SpareShelf } from '../spare-memory.js';
import { bugMask, type BugName } from './bugs.js';
import { finalResult, sequentialFallback } from './finalize.js';
import type { BlockJob, BlockJobResult } from './job.js';
import {
  ABORT_CAPACITY, ABORT_CONTENTION, ABORT_EXTERNAL, ABORT_INCARNATIONS, ABORT_STALL, ABORT_UNDECLARED, DONE, H, estimateCapacity, layoutFor, loadsDeclaredOnly,
  writeBlock, type Layout,
} from './layout.js';
import { sequentialIfContended } from '../preflight.js';
import { newSequentialScratch } from '../sequential.js';
import { contentionReason, DEFAULT_MAX_INCARNATIONS } from './thread.js';
import { INCARNATION_LIMIT } from './scheduler.js';

const JOB: JobRef = { module: 'impl/blockstm/job.js', fn: 'runBlock' };

export interface BlockStmOptions {
  /** Default worker threads per block (when absent, the effective cores: impl/runtime/cores.ts, capped by the cgroup CPU quota). */
  readonly threads?: number;
  /** Watchdog: an incarnation number above this finishes the block sequentially. */
  readonly maxIncarnations?: number;
  /**
   * Contention check: after this many executions a worker judges how many were wasted, and a
   * block where parallel execution is losing is finished sequentially (default 64; 0 turns it off).
   */
  readonly contentionWindow?: number;
  /**
   * Send blocks whose declared footprints form a near-serial chain to the sequential executor
   * (impl/preflight.ts; default: on whenever the contention check is).
   */
  readonly preflight?: boolean;
  /** Watchdog: this long with no scheduler progress and no active task finishes the block sequentially. */
  readonly stallMs?: number;
  readonly bugs?: Iterable<BugName>;
  /** Multiplies the estimated buffer capacities (tests use a tiny scale to exercise growth). */
  readonly capacityScale?: number;
  /** The largest buffers (both arrays, bytes) the executor may allocate. */
  readonly maxBufferBytes?: number;
  /** Run a small block through the pool at start-up so the first real block meets compiled code (default true). */
  readonly warmUp?: boolean;
}

export class BlockStmError extends Error {
  static {
    this.prototype.name = 'BlockStmError';
  }
}

/** Every option createBlockStmExecutor takes: any other key is refused (knownOptions). */
const OPTION_NAMES: Readonly<Record<keyof BlockStmOptions, true>> = {
  threads: true, maxIncarnations: true, contentionWindow: true, preflight: true, stallMs: true, bugs: true, capacityScale: true, maxBufferBytes: true, warmUp: true,
};

export class BlockStmExecutor implements Executor {
  readonly name = 'block-stm';
  private readonly queue = new BlockQueue();
  private readonly bugs: number;
  private readonly maxIncarnations: number;
  private readonly contentionWindow: number;
  private readonly stallMs: number;
  private readonly maxBufferBytes: number;
  private readonly arrays = new SharedArrays();
  /** The sequential executor's table, for the blocks the preflight or a fallback sends there. */
  private readonly sequential = newSequentialScratch();
  /** Per worker index, the share buffers of released results (finalize.ts FinalPart.memory). */
  private readonly spares: SpareShelf<SharedArrayBuffer>[] = [];

  private constructor(private readonly pool: WorkerPool, readonly threads: number, private readonly options: BlockStmOptions) {
    this.bugs = bugMask(options.bugs);
    this.maxIncarnations = options.maxIncarnations ?? DEFAULT_MAX_INCARNATIONS;
    this.contentionWindow = options.contentionWindow ?? 64;
    this.stallMs = options.stallMs ?? 1000;
    this.maxBufferBytes = options.maxBufferBytes ?? 2 ** 31;
  }

  /**
   * Starts the pool (and warms it up) once; every block then reuses it. Every option is checked
   * before a worker starts, and a pool whose warm-up fails is closed: no caller holds it.
   */
  static async create(options: BlockStmOptions = {}): Promise<BlockStmExecutor> {
    knownOptions<BlockStmOptions>('block-stm', options, OPTION_NAMES, fail);
    const threads = checkThreads(options.threads ?? effectiveCores());
    checkOptions(options);
    const pool = await WorkerPool.start(threads, [JOB.module]);
    return closingOnFailure(pool, async () => {
      const executor = new BlockStmExecutor(pool, threads, options);
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

  /** Blocks run one at a time, in call order. */
  async execute(block: Block, options: ExecuteOptions = {}): Promise<BlockResult> {
    if (this.queue.closed) throw new BlockStmError('block-stm: the executor is closed');
    checkBlock('block-stm', block, fail);
    const threads = checkThreads(options.threads ?? this.threads);
    return this.queue.enqueue((fault) => this.executeNow(block, threads, fault));
  }

  /** The shared arrays for a block (reused across blocks: the workers' shares copy out all a result keeps), within maxBufferBytes. */
  private buffers(L: Layout): SharedArrays {
    const bytes = L.i32Size * 4 + L.f64Size * 8;
    if (bytes > this.maxBufferBytes) {
      const size = (b: number) => (b < 2 ** 20 ? `${b} bytes` : `${(b / 2 ** 20).toFixed(0)} MiB`);
      throw new BlockStmError(`block-stm: the block needs ${size(bytes)} of shared buffers, above the limit of ${size(this.maxBufferBytes)}`);
    }
    this.arrays.fit(L.i32Size, L.f64Size, this.maxBufferBytes);
    return this.arrays;
  }

  private async executeNow(block: Block, threads: number, fault: InjectedFault | null): Promise<BlockResult> {
    const stats: ExecutionStats = { ...emptyStats(), threads, capacityRetries: 0, preStateReloads: 0 };
    const preflighted = (this.options.preflight ?? this.contentionWindow > 0) ? sequentialIfContended(block, threads, this.sequential) : null;
    if (preflighted) return preflighted;
    let scale = this.options.capacityScale ?? 1;
    let declaredOnly = loadsDeclaredOnly(block);
    for (;;) {
      const L = layoutFor(block, estimateCapacity(block, scale, threads, declaredOnly));
      const { i32, f64 } = this.buffers(L);
      writeBlock(block, L, i32, f64);
      const job: Omit<BlockJob, 'worker' | 'spare'> = {
        i32: i32.buffer as SharedArrayBuffer, f64: f64.buffer as SharedArrayBuffer, layout: L, threads, bugs: this.bugs, maxIncarnations: this.maxIncarnations, contentionWindow: this.contentionWindow,
        cores: effectiveCores(), stallMs: this.stallMs, fault,
      };
      const lent = Array.from({ length: threads }, (_, worker) => this.shelf(worker).take() ?? null);
      let replies: BlockJobResult[];
      try {
        replies = await this.pool.run<BlockJobResult>(JOB, lent.map((spare, worker) => ({ ...job, worker, spare })), () => Atomics.store(i32, H.STATE, ABORT_EXTERNAL));
      } catch (e) {
        // The lent buffers are dropped: a worker stopped mid-block may not have let go of its own.
        throw new BlockStmError(`block-stm: the block was abandoned because a worker failed: ${(e as Error).message}`);
      }
      // A buffer no share was read into goes back; one too small for its share is dropped.
      replies.forEach((r, worker) => {
        if (lent[worker] !== null && r.part === null) this.shelf(worker).give(lent[worker]);
      });
      for (const { counters: c } of replies) {
        stats.executions += c.executions;
        stats.validations += c.validations;
        stats.failedValidations += c.failedValidations;
        stats.estimateWaits += c.estimateWaits;
        stats.dependencyResumes += c.dependencyResumes;
      }
      stats.reExecutions = Math.max(0, stats.executions - block.txs.length);
      const state = Atomics.load(i32, H.STATE);
      if (state === ABORT_CAPACITY) {
        scale *= 2;
        (stats.capacityRetries as number)++;
        continue;
      }
      if (state === ABORT_UNDECLARED) {
        declaredOnly = false;
        (stats.preStateReloads as number)++;
        continue;
      }
      if (state === DONE) {
        const parts = replies.map((r) => r.part!);
        const handBack = () => parts.forEach((part, worker) => this.shelf(worker).give(part.memory));
        const result = finalResult(block, parts, stats, handBack);
        if (typeof result !== 'string') return result;
        handBack();
        return sequentialFallback(block, stats, `invariant violated: ${result}`, this.sequential);
      }
      if (state === ABORT_INCARNATIONS) {
        return sequentialFallback(block, stats, `watchdog: transaction ${Atomics.load(i32, H.ABORT_TX)} passed ${this.maxIncarnations} incarnations`, this.sequential);
      }
      if (state === ABORT_STALL) return sequentialFallback(block, stats, `watchdog: no progress for ${this.stallMs} ms`, this.sequential);
      if (state === ABORT_CONTENTION) return sequentialFallback(block, stats, contentionReason(i32), this.sequential);
      throw new BlockStmError(`block-stm: workers stopped in state ${state}`);
    }
  }

  /** Worker `worker`'s shelf of share buffers; two each, the most a caller holding one result while releasing the last needs. */
  private shelf(worker: number): SpareShelf<SharedArrayBuffer> {
    return (this.spares[worker] ??= new SpareShelf(2));
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.pool.close();
  }
}

const fail = (message: string) => new BlockStmError(message);

function checkThreads(threads: unknown): number {
  return countOption('block-stm', 'threads', threads, maxThreads(), fail);
}

/** Every option but threads: a bad one would otherwise be ignored, hang a block (a scale of 0) or fail it later in other words. */
function checkOptions(o: BlockStmOptions): void {
  const given = <T>(v: T | undefined, check: (v: T) => unknown) => v === undefined || check(v);
  given(o.maxIncarnations, (v) => numberOption('block-stm', 'maxIncarnations', v, 0, INCARNATION_LIMIT - 1, fail));
  given(o.contentionWindow, (v) => numberOption('block-stm', 'contentionWindow', v, 0, 2 ** 31 - 1, fail));
  given(o.stallMs, (v) => numberOption('block-stm', 'stallMs', v, 1, MAX_STALL_MS, fail, true));
  given(o.capacityScale, (v) => numberOption('block-stm', 'capacityScale', v, 1e-6, 1e6, fail, true));
  given(o.maxBufferBytes, (v) => numberOption('block-stm', 'maxBufferBytes', v, 1, Number.MAX_SAFE_INTEGER, fail));
  flagOption('block-stm', 'preflight', o.preflight, fail);
  flagOption('block-stm', 'warmUp', o.warmUp, fail);
  try {
    bugMask(o.bugs);
  } catch (e) {
    throw new BlockStmError(`block-stm: ${(e as Error).message}`);
  }
}

export function createBlockStmExecutor(options: BlockStmOptions = {}): Promise<BlockStmExecutor> {
  return BlockStmExecutor.create(options);
}
