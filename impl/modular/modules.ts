// How many modules the modular executor partitions state into: its default and its bound. Apart
// from the executor, so that what reads results files (reports/settings.ts) knows the default a
// file's machine gave without loading the executor and its worker pool.

import { effectiveCores } from '../runtime/cores.js';

/**
 * A worker claiming a lane scans every lane's cursor (impl/modular/thread.ts), so the modules set
 * the cost of each claim: a p2p block of 2,000 transactions took 23 ms at 64 modules, 0.6 s at
 * 4,096 and 5.6 s at 65,536. Beyond this many, a typo.
 */
export const MAX_MODULES = 4096;

/**
 * Modules when none are asked for: two lanes per core (the effective cores, impl/runtime/cores.ts)
 * and at least 8, so that idle workers find a ready lane at every thread count the machine runs
 * well (8 lanes would cap 16 threads at 8). It
 * depends on the machine, never on a block's thread count, so one executor partitions alike at
 * every thread count. Every claim scans all lanes, hence no more: at 2 threads on a p2p block of
 * 10,000 transactions, 8 modules took 17.7 ms, 64 took 19.7 ms and 256 took 31.3 ms.
 */
export function defaultModules(cores = effectiveCores()): number {
  return Math.min(MAX_MODULES, Math.max(8, 2 * cores));
}
