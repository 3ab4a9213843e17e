// The options that configure executors (--modules, --partition), checked against the executors
// they would configure (the registry's `takes`): a built-in executor that would ignore one is an
// error, not a silent default; a user's module (a path) receives them all, as its factory may use
// them, and so does an engine in another process (`exec:`), in each request: a partition by any
// name, where the built-in modular executor takes only its own. A list of partitions is bench's
// alone (benchPartitions), which measures the built-in executor once per partition in one sweep;
// every other command is refused one, never handed it as a partition's name.

import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXECUTORS, isModulePath } from '../impl/registry.js';
import { EXEC_PREFIX } from '../impl/exec-executor.js';
import { MAX_MODULES } from '../impl/modular/executor.js';
import { PARTITION_KINDS } from '../impl/modular/partition.js';
import { intOption, UsageError } from './errors.js';

export interface PartitionOptions {
  modules?: string;
  partition?: string;
}

/** What tells two executor names apart: a module file by its real path (./m.mjs, m.mjs and a link to it are one), anything else by its name. */
export function executorKey(name: string): string {
  if (!isModulePath(name)) return name;
  try {
    return realpathSync(resolve(name));
  } catch {
    // A file that is not there is refused by its loading, in its own words.
    return resolve(name);
  }
}

/**
 * Executor names as --executor (or `option`) gives them, repeated or comma-separated, in order. An
 * `exec:` command keeps the rest of its --executor whole, commas and all, since a command line may
 * hold them (`block-stm,exec:./engine --sizes 1,2`). An --executor that names none (`--executor ,`)
 * is refused: it would silently mean the defaults; so is one that names an executor twice, by its
 * name or by two paths to one module file: dropping the second would hide a typo for another.
 */
export function executorNames(raw: readonly string[], option = '--executor'): string[] {
  const split = (e: string): string[] => {
    const at = e.search(new RegExp(`(^|,)\\s*${EXEC_PREFIX}`));
    if (at < 0) return e.split(',');
    const start = e.indexOf(EXEC_PREFIX, at);
    return [...(at > 0 ? e.slice(0, at).split(',') : []), e.slice(start)];
  };
  const names = raw.flatMap(split).map((e) => e.trim()).filter(Boolean);
  if (raw.length > 0 && names.length === 0) throw new UsageError(`${option} names no executor (got ${raw.map((e) => JSON.stringify(e)).join(', ')})`);
  const seen = new Map<string, string>();
  for (const name of names) {
    const key = executorKey(name);
    const before = seen.get(key);
    if (before === name) throw new UsageError(`${option}: ${name} is named twice`);
    if (before !== undefined) throw new UsageError(`${option}: ${before} and ${name} are one module file (${key}), named twice`);
    seen.set(key, name);
  }
  return names;
}

/** The settings for `executors`, from the options as given. */
export function partitionSettings(o: PartitionOptions, executors: readonly string[]): { modules?: number; partition?: string } {
  const modules = intOption('--modules', o.modules, 0, 1, MAX_MODULES) || undefined;
  // A user's engine may name partitions of its own; a built-in one knows only its own.
  const builtIn = executors.filter((name) => EXECUTORS.get(name)?.takes.includes('partition'));
  if (o.partition !== undefined && o.partition.trim() === '') throw new UsageError('--partition: empty; give a partition\'s name');
  if (o.partition?.includes(',')) throw new UsageError(`--partition ${o.partition}: one partition, not a list (bench alone takes several, measuring each in one run)`);
  if (o.partition !== undefined && builtIn.length > 0 && !(PARTITION_KINDS as readonly string[]).includes(o.partition)) {
    throw new UsageError(`--partition: unknown partition "${o.partition}" for the ${builtIn.join(', ')} executor (known: ${PARTITION_KINDS.join(', ')})`);
  }
  for (const [setting, given] of [['modules', modules], ['partition', o.partition]] as const) {
    const takers = executors.filter((name) => EXECUTORS.get(name)?.takes.includes(setting) ?? true);
    if (given !== undefined && takers.length === 0) {
      const by = [...EXECUTORS.values()].filter((e) => e.takes.includes(setting)).map((e) => e.name).join(', ');
      throw new UsageError(`--${setting} configures the ${by} executor, not ${executors.join(', ')}`);
    }
  }
  return { ...(modules ? { modules } : {}), ...(o.partition ? { partition: o.partition } : {}) };
}

/** The names --partition lists, where it lists several (comma-separated); undefined for one or none. */
export function partitionList(partition: string | undefined): string[] | undefined {
  return partition?.includes(',') ? partition.split(',').map((p) => p.trim()) : undefined;
}

/**
 * --partition as bench takes it: one partition (partitionSettings), or several, comma-separated,
 * with each of which the executors that take one are measured in the same sweep (`partitions`),
 * so that the partitions' speedups are measured at one time. Each is checked as one alone would
 * be; one named twice is refused, as --executor refuses an executor named twice. A list is for the
 * built-in executors: a module or an exec: engine is given one partition, and measuring it once
 * per name would guess at what its names mean.
 */
export function benchPartitions(o: PartitionOptions, executors: readonly string[]): { settings: { modules?: number }; partitions?: string[] } {
  const names = partitionList(o.partition);
  if (names === undefined) return { settings: partitionSettings(o, executors) };
  if (names.includes('')) throw new UsageError(`--partition ${o.partition}: an empty name in the list; give each partition's name`);
  const twice = names.find((p, i) => names.indexOf(p) !== i);
  if (twice !== undefined) throw new UsageError(`--partition: ${twice} is named twice`);
  const [settings] = names.map((partition) => partitionSettings({ ...o, partition }, executors));
  const own = executors.filter((e) => !EXECUTORS.has(e));
  if (own.length > 0) {
    throw new UsageError(`--partition ${o.partition}: a list measures the built-in executors that take a partition once per partition; ${own.join(', ')} would be given one: `
      + 'give one partition, or bench it in a run of its own');
  }
  return { settings: settings!.modules === undefined ? {} : { modules: settings!.modules }, partitions: names };
}
