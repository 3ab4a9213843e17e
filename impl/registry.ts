// Executors by name, as `--executor NAME` selects them, plus a user's own ES module by path.
// Invariant: every name here builds a fresh executor that the caller must close().

import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Executor } from '../spec/executor.js';
import { referenceExecutor } from '../spec/reference.js';
import { sequentialExecutor } from './sequential.js';
import { createBlockStmExecutor } from './blockstm/executor.js';
import { createModularExecutor } from './modular/executor.js';

/** Settings some executors take (the modular executor's partitioning, for instance); others ignore them. */
export interface ExecutorSettings {
  readonly threads?: number;
  readonly modules?: number;
  readonly partition?: string;
}

export interface ExecutorEntry {
  readonly name: string;
  readonly doc: string;
  /** False for the executors that run a block on the calling thread alone (the specification and the baseline). */
  readonly parallel: boolean;
  /** The settings beyond threads that it reads; the CLI refuses the others for it rather than ignore them. */
  readonly takes: readonly ('modules' | 'partition')[];
  create(settings: ExecutorSettings): Executor | Promise<Executor>;
}

const entries: ExecutorEntry[] = [
  { name: 'reference', doc: 'the executable specification: plain Map, one transaction after another', parallel: false, takes: [], create: referenceExecutor },
  { name: 'sequential', doc: 'fast sequential baseline over a typed-array hash table', parallel: false, takes: [], create: sequentialExecutor },
  {
    name: 'modular', parallel: true, takes: ['modules', 'partition'], doc: 'state partitioned into modules (--modules M, --partition hash|range|affinity), one lane each, lanes in parallel on worker threads',
    create: (s) => createModularExecutor({ ...(s.threads ? { threads: s.threads } : {}), ...(s.modules ? { modules: s.modules } : {}), ...(s.partition ? { partition: s.partition } : {}) }),
  },
  {
    name: 'block-stm', parallel: true, takes: [], doc: 'Block-STM (Gelashvili et al., PPoPP\'23) on a persistent pool of worker threads (--threads N)',
    create: (s) => createBlockStmExecutor(s.threads ? { threads: s.threads } : {}),
  },
];

export const EXECUTORS: ReadonlyMap<string, ExecutorEntry> = new Map(entries.map((e) => [e.name, e]));

export class UnknownExecutorError extends Error {}

/** Throws UnknownExecutorError, before anything starts, for a name that is neither built in nor an existing module file. */
export function checkExecutorName(nameOrPath: string): void {
  if (EXECUTORS.has(nameOrPath)) return;
  if (!/\.m?js$/.test(nameOrPath)) {
    throw new UnknownExecutorError(`unknown executor "${nameOrPath}" (built in: ${[...EXECUTORS.keys()].join(', ')}; or a path to an ES module ending in .js or .mjs)`);
  }
  if (!existsSync(nameOrPath)) throw new UnknownExecutorError(`${nameOrPath}: no such module file`);
}

/**
 * Where a module's syntax error is, " (at FILE:LINE:COLUMN)": import() gives only the message (Node
 * prints the place for an uncaught error alone), so `node --check` is asked. '' when that does not
 * find it there (the error is in a module it imports).
 */
function syntaxErrorAt(e: unknown, file: string): string {
  if (!(e instanceof SyntaxError)) return '';
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  const [where, , caret] = (check.stderr ?? '').split('\n');
  const at = /^(.+):(\d+)$/.exec(where ?? '');
  if (!at) return '';
  const column = caret?.indexOf('^') ?? -1;
  return ` (at ${at[1]}:${at[2]}${column >= 0 ? `:${column + 1}` : ''})`;
}

/** A built-in executor by name, or a user's module (a path ending in .js/.mjs) whose default export is an Executor or a function returning one. */
export async function createExecutor(nameOrPath: string, settings: ExecutorSettings = {}): Promise<Executor> {
  const entry = EXECUTORS.get(nameOrPath);
  if (entry) return entry.create(settings);
  checkExecutorName(nameOrPath);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(resolve(nameOrPath)).href)) as { default?: unknown };
  } catch (e) {
    throw new UnknownExecutorError(`${nameOrPath}: cannot load the module: ${e instanceof Error ? `${e.message}${syntaxErrorAt(e, resolve(nameOrPath))}` : String(e)}`);
  }
  const d = mod.default;
  const executor = typeof d === 'function' ? await (d as (s: ExecutorSettings) => unknown)(settings) : d;
  const ok = typeof executor === 'object' && executor !== null && typeof (executor as Executor).execute === 'function' && typeof (executor as Executor).close === 'function'
    && typeof (executor as Executor).name === 'string' && (executor as Executor).name !== '';
  if (!ok) throw new UnknownExecutorError(`${nameOrPath}: the default export must be an Executor ({ name, execute(block, options), close() }, name a non-empty string) or a function returning one`);
  return executor as Executor;
}
