// Executors by name, as `--executor NAME` selects them, plus a user's own ES module by path and an
// engine in another process (`exec:COMMAND`, exec-executor.ts).
// Invariant: every name here builds a fresh executor that the caller must close() (a module's
// function or class that returns one it returned before is refused: fresh-instance.ts), except a
// module whose default export is one executor object: there is only that one, so every create
// hands out a view of it whose close() does nothing, and the object itself is closed once, by
// closeModuleExecutors (cli/errors.ts), when the command is done with it (a command that closed
// it after one thread count, then ran the next, would otherwise run a closed executor).

import { existsSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { isAbsolute, join, resolve } from 'node:path';
import type { Executor } from '../spec/executor.js';
import { referenceExecutor } from '../spec/reference.js';
import { sequentialExecutor } from './sequential.js';
import { affinityPartitioner, type Placement } from './modular/partition.js';
import { createExecExecutor, EXEC_PREFIX, execCommand, isExecCommand, nameProblem, type AnswerLimit } from './exec-executor.js';
import { freshInstances } from './fresh-instance.js';
import { loadHoldingWarnings } from './held-warnings.js';
import { isModulePath } from './module-path.js';
import { describeValue } from '../spec/messages.js';

export { isModulePath };

/** Settings some executors take (the modular executor's partitioning, for instance); others ignore them. */
export interface ExecutorSettings {
  readonly threads?: number;
  readonly modules?: number;
  readonly partition?: string;
  /**
   * An affinity placement trained on a sample of blocks (`--train`): the modular executor's
   * partition affinity places every block with it instead of learning each block's; its other
   * partitions (a bench list's hash) do not read it. Built-in executors only: a module or an
   * engine is never handed it.
   */
  readonly placement?: Placement;
  /**
   * false: a pooled built-in (block-stm, modular) skips the warm-up it runs at load
   * (impl/runtime/pooled.ts), for a caller that runs those blocks itself and checks their results
   * (properties/subjects.ts). Built-in executors only, as a placement is.
   */
  readonly warmUp?: boolean;
}

export interface ExecutorEntry {
  readonly name: string;
  readonly doc: string;
  /** False for the executors that run a block on the calling thread alone (the specification and the baseline). */
  readonly parallel: boolean;
  /** The settings beyond threads that it reads; the CLI refuses the others for it rather than ignore them. */
  readonly takes: readonly ('modules' | 'partition' | 'placement')[];
  create(settings: ExecutorSettings): Executor | Promise<Executor>;
}

const entries: ExecutorEntry[] = [
  { name: 'reference', doc: 'the executable specification: plain Map, one transaction after another', parallel: false, takes: [], create: referenceExecutor },
  { name: 'sequential', doc: 'fast sequential baseline over a typed-array hash table', parallel: false, takes: [], create: sequentialExecutor },
  {
    name: 'modular', parallel: true, takes: ['modules', 'partition', 'placement'], doc: 'state partitioned into modules (--modules M, --partition hash|range|affinity, affinity trained once with --train N or --train-on FILE...), one lane each, lanes in parallel on worker threads',
    // The parallel executors load with their first use: `concord --help`, which lists these names,
    // and a command that runs neither need not load their worker pools (cli/concord.ts).
    create: async (s) => (await import('./modular/executor.js')).createModularExecutor({
      ...(s.threads === undefined ? {} : { threads: s.threads }), ...(s.modules === undefined ? {} : { modules: s.modules }), ...(s.warmUp === undefined ? {} : { warmUp: s.warmUp }),
      ...(s.partition === undefined ? {} : { partition: s.partition === 'affinity' && s.placement ? affinityPartitioner(s.placement) : s.partition }),
    }),
  },
  {
    name: 'block-stm', parallel: true, takes: [], doc: 'Block-STM (Gelashvili et al., PPoPP\'23) on a persistent pool of worker threads (--threads N)',
    create: async (s) => (await import('./blockstm/executor.js')).createBlockStmExecutor({ ...(s.threads === undefined ? {} : { threads: s.threads }), ...(s.warmUp === undefined ? {} : { warmUp: s.warmUp }) }),
  },
];

export const EXECUTORS: ReadonlyMap<string, ExecutorEntry> = new Map(entries.map((e) => [e.name, e]));

export class UnknownExecutorError extends Error {
  static {
    this.prototype.name = 'UnknownExecutorError';
  }
}


/** Whether `--executor` names the user's own executor: a module, or an engine in another process. */
export function isOwnExecutor(nameOrPath: string): boolean {
  return isModulePath(nameOrPath) || isExecCommand(nameOrPath);
}

/** Throws UnknownExecutorError, before anything starts, for a name that is neither built in nor an existing module file. */
export function checkExecutorName(nameOrPath: string): void {
  if (EXECUTORS.has(nameOrPath)) return;
  if (isExecCommand(nameOrPath)) {
    try {
      execCommand(nameOrPath);
    } catch (e) {
      throw new UnknownExecutorError((e as Error).message);
    }
    return;
  }
  if (!isModulePath(nameOrPath)) {
    throw new UnknownExecutorError(`unknown executor "${nameOrPath}" (built in: ${[...EXECUTORS.keys()].join(', ')}; or a path to your module: a file ending in .js, .mjs or .cjs (or .ts, .mts, .cts where Node loads them), or a path with a / in it; or ${EXEC_PREFIX}COMMAND for an engine in another process, docs/exec-protocol.md)`);
  }
  // The slash makes no file of it, and resolve() takes it off: "looked for FILE" named a file that is there.
  const file = nameOrPath.replace(/\/+$/, '');
  if (file !== nameOrPath && file !== '' && existsSync(file) && !statSync(file).isDirectory()) {
    throw new UnknownExecutorError(`${nameOrPath}: ends in /, so it names a folder, where ${file} is a file: give it without the /`);
  }
  // A relative path is taken from the working folder, which is not where a test file calling the
  // vitest helper is: the path tried says which folder that was.
  if (!existsSync(nameOrPath)) throw new UnknownExecutorError(`${nameOrPath}: no such module file${isAbsolute(nameOrPath) ? '' : ` (looked for ${resolve(nameOrPath)})`}`);
  // Node imports no folder as an ES module (its message names Concord's own file as the importer).
  if (statSync(nameOrPath).isDirectory()) throw new UnknownExecutorError(`${nameOrPath}: is a folder, not a module file: give the module's file (${join(nameOrPath, 'index.mjs')}, say)`);
}

/**
 * Whether modules are loaded for Concord's command (cli/concord.ts says so before any command
 * runs) or for a program that imported Concord, a test calling verifyExecutor with a path: the
 * advice for TypeScript differs (a command can run under a loader; a test can import the module
 * itself, its runner loading TypeScript, and pass the executor).
 */
let forCommand = false;

/** Called by Concord's command, before it loads any module. */
export function loadingForCommand(): void {
  forCommand = true;
}

/**
 * What to do about a module that does not load, when the error says: ESM syntax in a file Node
 * reads as CommonJS (a .js file under a package.json without "type": "module", which is what
 * `npm init -y` writes), or TypeScript that this Node cannot strip. '' otherwise.
 */
function loadHint(e: unknown, file: string): string {
  const message = e instanceof Error ? e.message : '';
  const code = (e as { code?: unknown } | null)?.code;
  if (esModuleAsCommonJs(e, file)) {
    return '; hint: the module uses ES module syntax (import/export) but Node loads it as CommonJS: name it .mjs, or set "type": "module" in the package.json nearest to it';
  }
  if (/\.[cm]?ts$/.test(file) && (code === 'ERR_UNKNOWN_FILE_EXTENSION' || code === 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING' || /strip-types|type stripping/i.test(message))) {
    const cannot = `; hint: this Node (${process.version}) cannot load TypeScript`;
    // Concord loads the path with Node's own import(), which a test runner's TypeScript support does not reach.
    if (!forCommand) return `${cannot} by its path: in a test (vitest), import the module there and pass verifyExecutor its executor, or the function or class that makes one; or compile it to JavaScript (tsc) and pass the .js/.mjs file`;
    return `${cannot}: compile it to JavaScript (tsc) and pass the .js/.mjs file, or run Concord under a TypeScript loader (node --import tsx ...concord.js)`;
  }
  // A Python script, a binary, a JSON file: not a module Node imports.
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION' || code === 'ERR_IMPORT_ATTRIBUTE_MISSING' || code === 'ERR_IMPORT_ASSERTION_TYPE_MISSING') {
    return `; hint: an executor module is a JavaScript file (.js, .mjs, .cjs); an engine in another language, or any program to run, is given as ${EXEC_PREFIX}COMMAND (docs/exec-protocol.md)`;
  }
  return '';
}

/** Whether `e` is the SyntaxError of ES module syntax in a file Node loads as CommonJS (not a .mjs). */
function esModuleAsCommonJs(e: unknown, file: string): boolean {
  return e instanceof SyntaxError && /Cannot use import statement outside a module|Unexpected token 'export'/.test(e.message) && !/\.mjs$/.test(file);
}

/** Whether `e` was thrown at the top of its stack in `file` (its first frame names it). */
function thrownIn(e: Error, file: string): boolean {
  const top = (e.stack ?? '').split('\n').find((l) => l.trim().startsWith('at '));
  return top !== undefined && (top.includes(pathToFileURL(file).href) || top.includes(file));
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

/** Whether `x` has an Executor's shape: name (a non-empty string), execute() and close(). */
function isExecutor(x: unknown): x is Executor {
  return typeof x === 'object' && x !== null && typeof (x as Executor).execute === 'function' && typeof (x as Executor).close === 'function'
    && typeof (x as Executor).name === 'string' && (x as Executor).name !== '';
}

/** Whether `f` is a class (which must be called with `new`), as opposed to a plain or arrow function. */
function isClass(f: (...args: never[]) => unknown): boolean {
  return /^class\b/.test(Function.prototype.toString.call(f));
}

/** A value in a few words, for a message: what a default export or a factory gave instead of an Executor. */
function described(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (typeof x !== 'object') return `a ${typeof x}`;
  const keys = Object.keys(x);
  const listed = keys.length ? `an object with ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', ...' : ''}` : 'an object with no own properties';
  // The list alone ("an object with name, execute, close") read as no fault where a member was of the wrong kind.
  const o = x as Record<string, unknown>;
  const wrong = [
    ...('name' in o && (typeof o.name !== 'string' || o.name === '') ? [`its name is ${describeValue(o.name)}, not a non-empty string`] : []),
    ...(['execute', 'close'] as const).flatMap((m) => (m in o && typeof o[m] !== 'function' ? [`its ${m} is ${describeValue(o[m])}, not a function`] : [])),
  ];
  return [listed, ...wrong].join('; ');
}

const SHAPES = 'an Executor ({ name, execute(block, options), close() }, name a non-empty string), a function returning one or a class constructing one (either receives the settings: threads, modules, partition)';

/**
 * A built-in executor by name, or a user's module (a path: see isModulePath) whose default export
 * is an Executor, a function returning one (maybe a promise of one), or a class constructing one;
 * the function and the class get the settings. A module compiled to CommonJS by TypeScript or
 * Babel (`exports.default = ...` beside `__esModule`) arrives from import() as
 * `{ default: { __esModule, default } }`: the inner default is the export meant. `answerWithin`
 * bounds an `exec:` engine's answers (createExecExecutor); it applies to no other executor.
 */
export async function createExecutor(nameOrPath: string, settings: ExecutorSettings = {}, answerWithin?: AnswerLimit): Promise<Executor> {
  const entry = EXECUTORS.get(nameOrPath);
  if (entry) return entry.create(settings);
  checkExecutorName(nameOrPath);
  // A placement is Concord's own structure, made for its modular executor, and warmUp a built-in's: a user's factory gets the documented settings.
  const { placement: _built, warmUp: _pooled, ...given } = settings;
  if (isExecCommand(nameOrPath)) return createExecExecutor(nameOrPath, given, answerWithin);
  let mod: Record<string, unknown>;
  try {
    // Node's warning before such a load fails says what the hint below does, on two lines of its own.
    mod = await loadHoldingWarnings(async () => (await import(pathToFileURL(resolve(nameOrPath)).href)) as Record<string, unknown>,
      (e) => esModuleAsCommonJs(e, resolve(nameOrPath)));
  } catch (e) {
    // What Node could not load (a syntax error, a missing import, a file type it does not run) is
    // the command's input at fault; a throw from the module's own code as it ran is the executor's
    // failure, as a throw from its factory is, and goes to the caller as it is.
    const file = resolve(nameOrPath);
    // CommonJS in a file Node runs as an ES module fails as it runs, but is a file of the wrong
    // kind, as a syntax error is; Node's own advice ends its message, past the length a thrown
    // message is cut to, so it is said here. Only of the module itself (a dependency's file is
    // named by the throw's place) and only of require, module and exports: an ES module using
    // __dirname needs import.meta.dirname, not a .cjs name.
    if (e instanceof ReferenceError && /^(require|module|exports) is not defined in ES module scope/.test(e.message) && thrownIn(e, file)) {
      throw new UnknownExecutorError(`${nameOrPath}: cannot load the module: it is CommonJS (${e.message.split(' ')[0]}), but Node runs it as an ES module (a .js file under "type": "module" in the nearest package.json, or .mjs); hint: name it .cjs, or use import/export`);
    }
    if (!(e instanceof SyntaxError) && !/^ERR_/.test(String((e as { code?: unknown } | null)?.code ?? ''))) throw e;
    throw new UnknownExecutorError(`${nameOrPath}: cannot load the module: ${e instanceof Error ? `${e.message}${syntaxErrorAt(e, file)}` : String(e)}${loadHint(e, file)}`);
  }
  let d = mod.default;
  if (d === undefined) {
    const names = Object.keys(mod);
    throw new UnknownExecutorError(`${nameOrPath}: the module has no default export${names.length ? ` (it exports ${names.slice(0, 6).join(', ')}${names.length > 6 ? ', ...' : ''})` : ''}; export default ${SHAPES}`);
  }
  if (typeof d === 'object' && d !== null && (d as { __esModule?: unknown }).__esModule && 'default' in d) {
    const inner = (d as { default: unknown }).default;
    if (isExecutor(inner) || typeof inner === 'function') d = inner;
  }
  const fail = (problem: string) => new UnknownExecutorError(`${nameOrPath}: ${problem}`);
  const executor = await executorFrom(d, given, 'the default export', fail);
  // Before the executor is used, as an engine's declared name is checked on its answer: a name
  // with a comma, say, labels bench's runs where compare --only can never name them.
  const problem = nameProblem(executor.name);
  if (problem !== null) throw fail(`the executor's name ${problem}`);
  if (executor !== d) return freshFromModule(executor, fail);
  const unused = settingsIgnored(given);
  if (unused !== null) throw fail(`its default export is an executor object, made before any settings could reach it, so it cannot take ${unused}; export a function or a class, which receives the settings ({ threads, modules, partition }), to take them`);
  return moduleObject(nameOrPath, executor);
}

/**
 * The settings an executor object would never see, in words (`modules 4 (--modules) and partition
 * "range" (--partition)`), or null: run, bench and verify record the ones given as applied, so an
 * object is refused them, as verifyExecutor refuses settings beside an object. Threads are not
 * among them: every execute() is given its thread count.
 */
function settingsIgnored(settings: Omit<ExecutorSettings, 'placement'>): string | null {
  const words = (['modules', 'partition'] as const).filter((k) => settings[k] !== undefined).map((k) => `${k} ${JSON.stringify(settings[k])} (--${k})`);
  return words.length === 0 ? null : words.join(' and ');
}

/**
 * The Executor that `x` is or makes, as a module's default export or the value given to
 * verifyExecutor may be: an Executor is itself, a class is constructed and a function called (its
 * promise awaited), both with `settings`. Otherwise throws what `fail` makes of the problem, which
 * names `x` as `subject` ("the default export must be ...; what the default export returned is null").
 */
export async function executorFrom(x: unknown, settings: ExecutorSettings, subject: string, fail: (problem: string) => Error): Promise<Executor> {
  let executor = x;
  let what = subject;
  if (typeof x === 'function') {
    const make = x as (s: ExecutorSettings) => unknown;
    if (isClass(make)) {
      executor = new (make as unknown as new (s: ExecutorSettings) => unknown)(settings);
      what = `new ${make.name || subject}(settings)`;
    } else {
      executor = await make(settings);
      what = `what ${subject} returned`;
    }
  }
  if (!isExecutor(executor)) throw fail(`${subject} must be ${SHAPES}; ${what} is ${described(executor)}`);
  return executor;
}

/**
 * `executor` as its caller sees it: every property and method is its own (methods bound to it,
 * so private fields and getters work), but close() is `close`.
 */
function view(executor: Executor, close: () => Promise<void>): Executor {
  return new Proxy(executor, {
    get(target, key) {
      if (key === 'close') return close;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Executors modules' functions and classes made, each to be handed out once (fresh-instance.ts). */
const freshFromModule = freshInstances({
  subject: 'the default export',
  calls: 'bench makes one per thread count, verify one for the run and one for each rerun of a counterexample',
  instead: 'export the one object itself, which stays open until the command is done',
});

/** The modules' executor objects handed out, by the name they were loaded by, to close once. */
const moduleObjects = new Map<string, Executor>();
/** The name behind each view handed out. */
const views = new WeakMap<Executor, string>();

/** A view of a module's one executor object for a caller that will close() it, whose close() leaves it open for the next caller. */
function moduleObject(name: string, executor: Executor): Executor {
  if (![...moduleObjects.values()].includes(executor)) moduleObjects.set(name, executor);
  const shared = view(executor, async () => {});
  views.set(shared, name);
  return shared;
}

/**
 * Whether the executor loaded as `name` is a module's executor object still open: what its view's
 * close() left alive is its own, not a leak (cli/leaks.ts).
 */
export function isModuleObject(name: string): boolean {
  return moduleObjects.has(name);
}

/**
 * Closes `executor` for good, for a caller that is its last user: a view of a module's executor
 * object closes the object itself, which is then forgotten.
 */
export async function closeForGood(executor: Executor): Promise<void> {
  const name = views.get(executor);
  const object = name === undefined ? undefined : moduleObjects.get(name);
  if (object === undefined) return executor.close();
  moduleObjects.delete(name!);
  return object.close();
}

/** Takes the module objects still open, to close (closeModuleExecutors, cli/errors.ts): the registry forgets them. */
export function takeModuleObjects(): { readonly name: string; readonly executor: Executor }[] {
  const open = [...moduleObjects].map(([name, executor]) => ({ name, executor }));
  moduleObjects.clear();
  return open;
}
