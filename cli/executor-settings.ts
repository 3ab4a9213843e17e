// The options that configure executors (--modules, --partition), checked against the executors
// they would configure (the registry's `takes`): a built-in executor that would ignore one is an
// error, not a silent default; a user's module (a path) receives them all, as its factory may use
// them, and so does an engine in another process (`exec:`), in each request: a partition by any
// name, where the built-in modular executor takes only its own.

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
