// The deterministic simulated runtime: N virtual workers run the same algorithm code as the real
// worker threads, over one plain memory, advanced one shared-memory operation at a time by a
// seeded scheduler (uniform random, PCT priorities, or an explicit recorded schedule).
//
// How a synchronous algorithm is stepped without threads: a virtual worker's life is a sequence
// of iterations `state = step(cells, state)`. To advance a worker by one operation, its current
// iteration is re-run from the start: operations it already performed are answered from its log
// (no effect on memory; plain reads and writes are logged too, so a re-run sees what the first
// run saw and writes nothing twice), the next one is performed for real, and the one after that
// throws SUSPEND, unwinding the iteration. Re-running is exact because an iteration is a
// deterministic function of its input state and of the results of its operations (local state it
// changes is rolled back through the worker's begin/commit hooks).
//
// Invariants: each scheduling point performs exactly one load/store/add/cas/loadF/storeF/pause
// of one worker; the choice at a point is an index into the runnable workers in id order; a
// worker that paused is not runnable until another worker writes (polling again could not see
// anything new; a pause with a write, its own included, since the worker's previous pause does not
// park it). Hence the same schedule always replays the same run, and a recorded schedule's
// `branching` tells an enumerator every alternative at every point.

import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { Cells } from './cells.js';

/** The state a step returns when its worker has finished. */
export const FINISHED = -1;

/** One virtual worker of the simulated algorithm, built over its own view of the memory. */
export interface SimWorker {
  /** One iteration: a deterministic function of `state`, the results of its operations and committed local state. */
  step(state: number): number;
  /** Called before every attempt at an iteration: reset uncommitted local state. */
  begin(): void;
  /** Called when an iteration completed: keep its local state changes. */
  commit(): void;
}

/**
 * Which runnable worker performs the next operation. A recorded array gives the index at each
 * point (index 0 once it runs out, so a prefix extends deterministically); a function is asked
 * with the runnable workers' ids and the point's number.
 */
export type Schedule = 'random' | 'pct' | readonly number[] | ((runnable: readonly number[], point: number) => number);

export interface SimOptions {
  readonly schedule: Schedule;
  readonly seed?: number;
  /** Scheduling points before the run is declared to make no progress. */
  readonly maxSteps?: number;
  /** PCT: bug depth d (d - 1 priority change points). */
  readonly pctDepth?: number;
  /** PCT: the expected number of scheduling points, over which change points are drawn. */
  readonly pctSteps?: number;
  /**
   * Told of every access a worker performs, shared-memory operation or plain, once (an iteration's
   * re-runs replay earlier accesses without telling again); `write` for store, add, cas (even a
   * failed one: it takes the line as a write does), storeF and plain writes. For instruments that
   * model the memory system (bench/coherence.ts).
   */
  readonly onAccess?: AccessObserver;
}

export type AccessObserver = (worker: number, write: boolean, index: number, float: boolean) => void;

export interface SimOutcome {
  /** The index chosen at each scheduling point: pass it back as the schedule to replay the run. */
  readonly choices: number[];
  /** The number of runnable workers at each point (the alternatives an enumerator may try). */
  readonly branching: number[];
  /** Which worker ran at each point. */
  readonly ran: number[];
  readonly steps: number;
  /** Every unfinished worker was parked: no one could ever write again (a deadlock, or a livelock in real time). */
  readonly stuck: boolean;
  /** maxSteps was reached first. */
  readonly exhausted: boolean;
}

export class ScheduleError extends Error {
  static {
    this.prototype.name = 'ScheduleError';
  }
}

/** Thrown out of an iteration at its next operation once it has used its one operation. */
const SUSPEND: unique symbol = Symbol('suspend');

interface VirtualWorker {
  readonly id: number;
  readonly cells: SimCells;
  readonly program: SimWorker;
  state: number;
  finished: boolean;
  parked: boolean;
}

/** One virtual worker's view of the simulated memory. */
class SimCells implements Cells {
  /** Results of this iteration's operations so far (plain writes logged as 0 so replay skips them). */
  readonly log: number[] = [];
  pos = 0;
  private allowance = 0;
  performed = false;
  /** The memory's write count at this worker's last pause. */
  private writesAtPause = -1;

  constructor(
    private readonly i32: Int32Array,
    private readonly f64: Float64Array,
    private readonly memory: { writes: number },
    private readonly onWrite: () => void,
    private readonly onPause: () => void,
    private readonly onAccess: (write: boolean, index: number, float: boolean) => void,
  ) {}

  grant(): void {
    this.allowance = 1;
    this.performed = false;
  }

  /** Starts a re-run of the current iteration from its beginning. */
  rewind(): void {
    this.pos = 0;
  }

  /** Starts a new iteration. */
  clear(): void {
    this.log.length = 0;
    this.pos = 0;
  }

  private replaying(): boolean {
    return this.pos < this.log.length;
  }

  private replay(): number {
    return this.log[this.pos++]!;
  }

  /** Takes this attempt's one real operation, or suspends the iteration if it is used. */
  private gate(): void {
    if (this.allowance === 0) throw SUSPEND;
    this.allowance = 0;
    this.performed = true;
  }

  private record(v: number): number {
    this.log.push(v);
    this.pos++;
    return v;
  }

  load(i: number): number {
    if (this.replaying()) return this.replay();
    this.gate();
    this.onAccess(false, i, false);
    return this.record(this.i32[i]!);
  }

  store(i: number, v: number): void {
    if (this.replaying()) {
      this.pos++;
      return;
    }
    this.gate();
    this.onAccess(true, i, false);
    this.i32[i] = v;
    this.record(0);
    this.onWrite();
  }

  add(i: number, v: number): number {
    if (this.replaying()) return this.replay();
    this.gate();
    this.onAccess(true, i, false);
    const old = this.i32[i]!;
    this.i32[i] = old + v;
    this.onWrite();
    return this.record(old);
  }

  cas(i: number, expected: number, v: number): number {
    if (this.replaying()) return this.replay();
    this.gate();
    this.onAccess(true, i, false);
    const old = this.i32[i]!;
    if (old === expected) {
      this.i32[i] = v;
      this.onWrite();
    }
    return this.record(old);
  }

  loadF(i: number): number {
    if (this.replaying()) return this.replay();
    this.gate();
    this.onAccess(false, i, true);
    return this.record(this.f64[i]!);
  }

  storeF(i: number, v: number): void {
    if (this.replaying()) {
      this.pos++;
      return;
    }
    this.gate();
    this.onAccess(true, i, true);
    this.f64[i] = v;
    this.record(0);
    this.onWrite();
  }

  // Plain reads are not scheduling points, but a re-run must see what the first run saw: the
  // iteration itself may have stored to the cell since (a record's own lastRecord, for instance).
  read(i: number): number {
    if (this.replaying()) return this.replay();
    this.onAccess(false, i, false);
    return this.record(this.i32[i]!);
  }

  // Plain writes go to unpublished cells, but once the publishing operation has happened another
  // worker may change them (a list node's next link): a re-run must not write them a second time.
  write(i: number, v: number): void {
    if (this.replaying()) {
      this.pos++;
      return;
    }
    this.onAccess(true, i, false);
    this.i32[i] = v;
    this.record(0);
  }

  readF(i: number): number {
    if (this.replaying()) return this.replay();
    this.onAccess(false, i, true);
    return this.record(this.f64[i]!);
  }

  writeF(i: number, v: number): void {
    if (this.replaying()) {
      this.pos++;
      return;
    }
    this.onAccess(true, i, true);
    this.f64[i] = v;
    this.record(0);
  }

  pause(): void {
    if (this.replaying()) {
      this.pos++;
      return;
    }
    this.gate();
    this.record(0);
    // Everything this worker polled since its last pause was read after that pause: if no one
    // wrote in between, polling again would read the same, so it waits for the next write.
    const writes = this.memory.writes;
    if (writes === this.writesAtPause) this.onPause();
    this.writesAtPause = writes;
  }
}

type Chooser = (runnable: readonly number[], point: number) => number;

function chooser(options: SimOptions, workers: number): Chooser {
  const { schedule } = options;
  if (typeof schedule === 'function') return schedule;
  if (Array.isArray(schedule)) {
    const recorded = schedule as readonly number[];
    return (_runnable, point) => recorded[point] ?? 0;
  }
  const rng = xoroshiro128plus(options.seed ?? 1);
  if (schedule === 'random') return (runnable) => uniformInt(rng, 0, runnable.length - 1);
  if (schedule !== 'pct') throw new ScheduleError(`unknown schedule ${JSON.stringify(schedule)} (random, pct, or an array of choices)`);
  // PCT (Burckhardt et al., ASPLOS'10): distinct random initial priorities above d; at each of
  // d - 1 random change points the running worker drops to a priority below every initial one;
  // the highest-priority runnable worker always runs.
  const depth = options.pctDepth ?? 3;
  const horizon = Math.max(1, options.pctSteps ?? 1000);
  const priority = Array.from({ length: workers }, (_, w) => depth + w);
  for (let i = workers - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    [priority[i], priority[j]] = [priority[j]!, priority[i]!];
  }
  const changeAt = new Map<number, number>();
  for (let c = 1; c < depth; c++) changeAt.set(uniformInt(rng, 0, horizon - 1), depth - c);
  return (runnable, point) => {
    let best = 0;
    for (let k = 1; k < runnable.length; k++) if (priority[runnable[k]!]! > priority[runnable[best]!]!) best = k;
    const drop = changeAt.get(point);
    if (drop !== undefined) priority[runnable[best]!] = drop;
    return best;
  };
}

/**
 * Runs `workers` virtual workers, built by `create` over their views of (i32, f64), until all
 * finish, all are parked, or maxSteps scheduling points have passed. Every worker starts in
 * `initial` state.
 */
export function simulate(
  i32: Int32Array, f64: Float64Array, workers: number, create: (worker: number, cells: Cells) => SimWorker, initial: number,
  options: SimOptions,
): SimOutcome {
  const choose = chooser(options, workers);
  const maxSteps = options.maxSteps ?? 1_000_000;
  const pool: VirtualWorker[] = [];
  let current = -1;
  const memory = { writes: 0 };
  const wakeOthers = () => {
    memory.writes++;
    for (const w of pool) if (w.id !== current) w.parked = false;
  };
  const park = () => {
    pool[current]!.parked = true;
  };
  const { onAccess } = options;
  const silent = () => {};
  for (let id = 0; id < workers; id++) {
    const access = onAccess ? (write: boolean, index: number, float: boolean) => onAccess(id, write, index, float) : silent;
    const cells = new SimCells(i32, f64, memory, wakeOthers, park, access);
    const program = create(id, cells);
    // What the worker read while being built (a Block-STM thread reads the program table) belongs
    // to no iteration: left in the log, it answered the first iteration's operations, so every
    // worker began with a step on made-up values (an idle poll, or a task nobody handed out).
    cells.clear();
    pool.push({ id, cells, program, state: initial, finished: false, parked: false });
  }
  const choices: number[] = [];
  const branching: number[] = [];
  const ran: number[] = [];
  const runnable: number[] = [];
  let stuck = false;
  let exhausted = false;
  for (;;) {
    runnable.length = 0;
    let unfinished = 0;
    for (const w of pool) {
      if (w.finished) continue;
      unfinished++;
      if (!w.parked) runnable.push(w.id);
    }
    if (unfinished === 0) break;
    if (runnable.length === 0) {
      stuck = true;
      break;
    }
    if (choices.length >= maxSteps) {
      exhausted = true;
      break;
    }
    const point = choices.length;
    const k = choose(runnable, point);
    if (!Number.isInteger(k) || k < 0 || k >= runnable.length) {
      throw new ScheduleError(`schedule chose ${k} at point ${point}, but only ${runnable.length} workers are runnable`);
    }
    choices.push(k);
    branching.push(runnable.length);
    const w = pool[runnable[k]!]!;
    ran.push(w.id);
    current = w.id;
    advance(w);
  }
  return { choices, branching, ran, steps: choices.length, stuck, exhausted };
}

/** Performs exactly one operation of w, completing iterations that end before its next one. */
function advance(w: VirtualWorker): void {
  w.cells.grant();
  for (;;) {
    w.cells.rewind();
    w.program.begin();
    let next: number;
    try {
      next = w.program.step(w.state);
    } catch (e) {
      if (e === SUSPEND) return;
      throw e;
    }
    const used = w.cells.performed;
    if (w.cells.log.length === 0) throw new Error('a simulated iteration must perform at least one shared-memory operation');
    w.program.commit();
    w.cells.clear();
    w.state = next;
    if (next === FINISHED) {
      w.finished = true;
      return;
    }
    if (used) return;
  }
}
