// The options that configure executors (--modules, --partition), checked against the executors
// they would configure (the registry's `takes`): a built-in executor that would ignore one is an
// error, not a silent default; a user's module (a path) receives them all, as its factory may use
// them, and so does an engine in another process (`exec:`), in each request: a partition by any
// name, where the built-in modular executor takes only its own. A list of partitions is bench's
// alone (benchPartitions), which measures the built-in executor once per partition in one sweep;
// every other command is refused one, never handed it as a partition's name.

import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EXECUTORS, isModulePath } from '../impl/registry.js';
import { EXEC_PREFIX } from '../impl/exec-executor.js';
import { MAX_MODULES } from '../impl/modular/executor.js';
import { PARTITION_KINDS } from '../impl/modular/partition.js';
import { isDirectory, isFile } from '../properties/folders.js';
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

/** Whether `name`, taken whole, names an executor: a built-in, or a module file that is there. */
function namesExecutor(name: string): boolean {
  return EXECUTORS.has(name) || (isModulePath(name) && isFile(name));
}

interface Reading {
  /** How many of its executors name none, an empty one aside: the fewer, the likelier what was meant. */
  readonly misses: number;
  /** How many of its executors are empty (`a,,b`), which a reading that joins them into a file's path has not. */
  readonly empties: number;
  /** Its executors, and one other reading as likely where there is one (kept to say so). */
  readonly names: readonly string[];
  readonly tie?: readonly string[];
}

/**
 * `value` (no exec: command in it) read as comma-separated executors, where a run of its parts
 * that together name a module file that is there (`./dir,with,comma/m.mjs`) may be one: a path
 * may hold commas, and a list of names rarely forms an existing file's path by chance. Of the
 * readings, the one in which the fewest parts name no executor (a typo keeps that of its own
 * words); a value that reads as likely in two ways is refused, never split by a guess. An empty
 * part names none (no file's path is empty), so a reading keeps one only where no run of parts
 * around it names a file (`./a,,b/m.mjs` that is there is that file), as '' for executorNames to refuse.
 */
function listNames(value: string, option: string): string[] {
  const parts = value.split(',');
  // best[i]: the likeliest reading of parts i.. onwards; a run of parts is read as one only where it names a file.
  const best: Reading[] = [];
  best[parts.length] = { misses: 0, empties: 0, names: [] };
  const cost = (r: Reading) => r.misses + r.empties;
  for (let i = parts.length - 1; i >= 0; i--) {
    let reading: Reading | undefined;
    for (let j = i + 1; j <= parts.length; j++) {
      const name = parts.slice(i, j).join(',').trim();
      const whole = namesExecutor(name);
      if (j > i + 1 && !whole) continue;
      const rest = best[j]!;
      const here: Reading = { misses: rest.misses + (whole || name === '' ? 0 : 1), empties: rest.empties + (name === '' ? 1 : 0), names: [name, ...rest.names] };
      const tie = rest.tie && [name, ...rest.tie];
      if (reading === undefined || cost(here) < cost(reading)) reading = { ...here, ...(tie ? { tie } : {}) };
      else if (cost(here) === cost(reading) && reading.tie === undefined) reading = { ...reading, tie: here.names };
    }
    best[i] = reading!;
  }
  const { names, tie, misses, empties } = best[0]!;
  // "./dir: no such module file" would hide that the file meant is the whole value, in a folder that is there;
  // but block-stm,typo.mjs, whose folder is '.', is a list with one typo: read whole, its own name would be lost.
  const whole = value.trim();
  if (parts.length > 1 && misses > 0 && isModulePath(whole) && isDirectory(dirname(whole)) === true && (misses > 1 || dirname(whole).includes(','))) {
    throw new UsageError(`${option} ${whole}: no such module file (looked for ${resolve(whole)}); nor is it a list of executors (${names.find((n) => n !== '' && !namesExecutor(n))} names none)`);
  }
  // An empty name is refused whichever reading is meant (executorNames): no need to ask which.
  if (tie !== undefined && empties === 0) {
    const said = (list: readonly string[]) => list.length === 1
      ? `the module file ${list[0]}`
      : `the executors ${list.map((n) => n.includes(',') ? JSON.stringify(n) : n).join(', ')}`;
    const [one, other] = [names, tie].sort((a, b) => a.length - b.length);
    throw new UsageError(`${option} ${value.trim()}: reads two ways, as ${said(one!)} or as ${said(other!)}: `
      + 'for the list, write a path in it another way (with ./ before it, or absolute) so that no run of its parts names a file; for the module, give it by a link whose name has no comma');
  }
  return [...names];
}

/**
 * Executor names as --executor (or `option`) gives them, repeated or comma-separated, in order. An
 * `exec:` command keeps the rest of its --executor whole, commas and all, since a command line may
 * hold them (`block-stm,exec:./engine --sizes 1,2`); so does the path of a module file that is
 * there (listNames). An --executor that names none (`--executor ,`) is refused: it would silently
 * mean the defaults; so is an empty name in a list (`a,,b`, or verify's `--executor a --executor ''`),
 * and one that names an executor twice, by its name or by two paths to one module file: dropping
 * the second would hide a typo for another.
 */
export function executorNames(raw: readonly string[], option = '--executor'): string[] {
  const split = (e: string): string[] => {
    const at = e.search(new RegExp(`(^|,)\\s*${EXEC_PREFIX}`));
    if (at < 0) return listNames(e, option);
    const start = e.indexOf(EXEC_PREFIX, at);
    // The first engine would take the second as part of its command, and fail to start with it.
    if (/,\s*exec:/.test(e.slice(start))) {
      throw new UsageError(`${option} ${e.trim()}: two exec: engines in one list, where an exec: command takes the rest of it: give each engine its own ${option}`);
    }
    // A comma before the command ends a list, even an empty one (`,exec:./engine`).
    return [...(e[at] === ',' ? listNames(e.slice(0, at), option) : []), e.slice(start).trim()];
  };
  const lists = raw.map((given) => ({ given, names: split(given) }));
  const names = lists.flatMap((l) => l.names).filter((n) => n !== '');
  if (raw.length > 0 && names.length === 0) throw new UsageError(`${option} names no executor (got ${raw.map((e) => JSON.stringify(e)).join(', ')})`);
  // Dropped, it hid a slip of the list (a name deleted, a variable unset), as it would in --partition's or --threads'.
  const empty = lists.find((l) => l.names.includes(''));
  if (empty !== undefined) {
    throw new UsageError(`${option} ${empty.given.trim() === '' ? JSON.stringify(empty.given) : empty.given.trim()}: an empty name in the list; give each executor's name`);
  }
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
