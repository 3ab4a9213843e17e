// A persistent pool of worker threads, started once and reused across blocks, that runs named
// jobs: a job is an exported function of a compiled module (under dist/), called in each chosen
// worker with its own payload (typically SharedArrayBuffers plus a layout). Shared by the
// parallel executors; knows nothing about any of them.
// Invariants: run() settles only once every worker it used has replied, died or been terminated,
// so no worker still touches the shared buffers when the caller reuses them; a worker that died
// is replaced before the next run, and a start that fails rejects only once every other worker
// started with it is ready or dead; start-up time (spawning, loading job modules) is accumulated
// in startupMs, apart from job time.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A job: `fn` exported by `module`, a path relative to the compiled tree (dist/), e.g. 'impl/blockstm/job.js'. */
export interface JobRef {
  readonly module: string;
  readonly fn: string;
}

export class WorkerFailure extends Error {
  static {
    this.prototype.name = 'WorkerFailure';
  }
  constructor(readonly worker: number, message: string) {
    super(`worker ${worker}: ${message}`);
  }
}

/** Messages from worker.ts. */
type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** The compiled tree: dist/ under the package root, found from this file whether it runs from sources or from dist. */
export function distRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the package root (package.json) above the worker pool');
    dir = up;
  }
  return join(dir, 'dist');
}

/** Workers whose job waits for `open` (see WorkerPool.run). */
export interface JobGate {
  readonly from: number;
  readonly open: Promise<void>;
}

interface Slot {
  worker: Worker;
  /** Settles the job in flight on this worker, if any. */
  settle: ((reply: Reply | Error) => void) | null;
  dead: boolean;
}

/** How long survivors of a failed run get to notice the abort before they are terminated. */
const GRACE_MS = 5000;

export class WorkerPool {
  private slots: Slot[] = [];
  private nextId = 1;
  private readonly entry: string;
  private readonly preload: string[] = [];
  private closed = false;
  /** Milliseconds spent starting workers and loading job modules, over the pool's life. */
  startupMs = 0;

  private constructor(private readonly dist: string) {
    this.entry = join(dist, 'impl', 'runtime', 'worker.js');
    if (!existsSync(this.entry)) throw new Error(`${this.entry} is missing: build first (npm run build)`);
  }

  /** Starts `size` workers, each loading the given job modules, and waits until they are ready. */
  static async start(size: number, preload: readonly string[] = []): Promise<WorkerPool> {
    const pool = new WorkerPool(distRoot());
    pool.preload.push(...preload);
    await pool.ensure(size);
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  private moduleUrl(module: string): string {
    return pathToFileURL(join(this.dist, module)).href;
  }

  /** Grows the pool to at least `size` live workers, replacing dead ones. */
  async ensure(size: number): Promise<void> {
    if (this.closed) throw new Error('the worker pool is closed');
    const start = performance.now();
    const starting: Promise<void>[] = [];
    for (let i = 0; i < Math.max(size, this.slots.length); i++) {
      const slot = this.slots[i];
      if (slot && !slot.dead) continue;
      starting.push(this.spawn(i));
    }
    if (starting.length === 0) return;
    // Every start settles before one that failed rejects: a worker still loading would otherwise
    // count as live, and the next run's job, posted to it at once, would be settled by the load's
    // reply while the worker went on to run the job on the buffers.
    const started = await Promise.allSettled(starting);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    this.startupMs += performance.now() - start;
  }

  private async spawn(index: number): Promise<void> {
    const worker = new Worker(this.entry);
    const slot: Slot = { worker, settle: null, dead: false };
    this.slots[index] = slot;
    worker.on('message', (reply: Reply) => {
      const settle = slot.settle;
      slot.settle = null;
      settle?.(reply);
    });
    const fail = (error: Error) => {
      slot.dead = true;
      const settle = slot.settle;
      slot.settle = null;
      settle?.(error);
    };
    worker.on('error', (e) => fail(e));
    worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    worker.unref();
    // A worker is ready once it has loaded every job module it will be asked to run.
    for (const module of this.preload) await this.call(index, { load: this.moduleUrl(module) });
  }

  private call(index: number, message: object): Promise<unknown> {
    const slot = this.slots[index]!;
    return new Promise((resolve, reject) => {
      if (slot.dead) {
        reject(new WorkerFailure(index, 'is dead'));
        return;
      }
      const id = this.nextId++;
      // An idle pool must not keep the process alive; a job in flight must.
      slot.worker.ref();
      slot.settle = (reply) => {
        slot.worker.unref();
        if (reply instanceof Error) reject(new WorkerFailure(index, reply.message));
        else if (reply.ok) resolve(reply.result);
        else reject(new WorkerFailure(index, reply.error));
      };
      slot.worker.postMessage({ id, ...message });
    });
  }

  /**
   * Runs `job` on workers 0..payloads.length-1, worker i with payloads[i], and resolves with their
   * results in order. When one fails (throws, dies), `onFailure` is called at once, so the caller
   * can tell the others through shared memory to stop; the run then rejects with that first
   * failure once every other worker has settled (or was terminated after a grace period).
   * With a `gate`, workers from `gate.from` on get their job only once `gate.open` settles, so
   * they do not wake (and take a core from the caller) before the caller has work for them; the
   * caller must settle it, or the run never ends.
   */
  async run<R>(job: JobRef, payloads: readonly unknown[], onFailure: (error: Error) => void = () => {}, gate?: JobGate): Promise<R[]> {
    await this.ensure(payloads.length);
    const url = this.moduleUrl(job.module);
    let first: Error | null = null;
    let survivorsDeadline: ReturnType<typeof setTimeout> | null = null;
    const start = (i: number, payload: unknown) => this.call(i, { module: url, fn: job.fn, payload });
    const calls = payloads.map((payload, i) =>
      (gate && i >= gate.from ? gate.open.then(() => start(i, payload), () => start(i, payload)) : start(i, payload)).catch((e: Error) => {
        if (first === null) {
          first = e;
          onFailure(e);
          survivorsDeadline = setTimeout(() => {
            for (let j = 0; j < payloads.length; j++) {
              const slot = this.slots[j]!;
              if (slot.settle) void slot.worker.terminate();
            }
          }, GRACE_MS);
        }
        return undefined;
      }),
    );
    const results = await Promise.all(calls);
    if (survivorsDeadline !== null) clearTimeout(survivorsDeadline);
    if (first !== null) throw first;
    return results as R[];
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => (s.dead ? undefined : s.worker.terminate())));
  }
}
