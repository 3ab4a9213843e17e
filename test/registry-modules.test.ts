// The shapes a user's executor module may take, run as a user runs them (dist/cli/concord.js):
// a class as the default export is constructed with the settings; TypeScript or Babel compiled to
// CommonJS (`exports.default` beside `__esModule`) is unwrapped; a .cjs path is a module like .js
// and .mjs; and what cannot load says what to do (ES module syntax in a file Node reads as
// CommonJS, TypeScript this Node cannot strip, a module without a default export).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkExecutorName, createExecutor, isModulePath, UnknownExecutorError } from '../impl/registry.js';
import { errorOf } from './helpers.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const reference = new URL('../dist/spec/reference.js', import.meta.url);
const example = new URL('../examples/transfer.json', import.meta.url).pathname;

describe('executor modules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-modules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    return path;
  };
  // From `dir`, as a user runs it: paths relative to where they are.
  const run = (executor: string, ...more: string[]) =>
    spawnSync(process.execPath, [cli, 'run', example, '--executor', executor, '--warmup', '0', ...more], { cwd: dir, encoding: 'utf8', timeout: 60_000 });

  // The README's exit codes, case by case: it said "a module path that does not load" is exit 2,
  // which read as covering a module that throws as it loads, exit 1.
  it('fails a module whose own code throws as it loads (exit 1), as a factory that throws does; what Node cannot load is the input (exit 2)', () => {
    file('top.mjs', "throw new Error('init failed');\nexport default {};\n");
    file('await.mjs', "await Promise.reject(new Error('not ready'));\nexport default {};\n");
    file('fact.mjs', "export default function () { throw new Error('factory failed'); }\n");
    file('ctor.mjs', "export default class Engine { constructor() { throw new Error('no threads'); } }\n");
    file('syntax.mjs', 'export default {\n');
    file('none.mjs', "export default () => 5;\n");
    file('missing.mjs', "import x from './nope.mjs';\nexport default x;\n");
    file('engine.py', 'print(1)\n');
    file('engine.json', '{}\n');
    const execHint = '; hint: an executor module is a JavaScript file \\(\\.js, \\.mjs, \\.cjs\\); an engine in another language, or any program to run, is given as exec:COMMAND \\(docs/exec-protocol\\.md\\)\n$';
    for (const [module, status, message] of [
      ['./engine.py', 2, new RegExp(`^concord run: \\./engine\\.py: cannot load the module: Unknown file extension "\\.py" for \\S+engine\\.py${execHint}`)],
      ['./engine.json', 2, new RegExp(`^concord run: \\./engine\\.json: cannot load the module: .*${execHint}`)],
      ['./top.mjs', 1, /^concord run: the executor \.\/top\.mjs threw while loading: Error: init failed(?: \(at [^\n]+\))?\n$/],
      ['./fact.mjs', 1, /^concord run: the executor \.\/fact\.mjs threw while loading: Error: factory failed(?: \(at [^\n]+\))?\n$/],
      ['./await.mjs', 1, /^concord run: the executor \.\/await\.mjs threw while loading: Error: not ready(?: \(at [^\n]+\))?\n$/],
      ['./ctor.mjs', 1, /^concord run: the executor \.\/ctor\.mjs threw while loading: Error: no threads(?: \(at [^\n]+\))?\n$/],
      ['./syntax.mjs', 2, /^concord run: \.\/syntax\.mjs: cannot load the module: [^\n]+ \(at \S+syntax\.mjs:2\)\n$/],
      ['./none.mjs', 2, /^concord run: \.\/none\.mjs: the default export must be an Executor .*; what the default export returned is a number\n$/],
      ['./missing.mjs', 2, /^concord run: \.\/missing\.mjs: cannot load the module: Cannot find module '\S+nope\.mjs' imported from \S+missing\.mjs\n$/],
    ] as const) {
      const r = run(module);
      expect([r.status, r.stderr], module).toEqual([status, expect.stringMatching(message)]);
    }
  });

  it('constructs a class exported as the default, with the settings', () => {
    file('cls.mjs', `import { executeReference } from '${reference.href}';
export default class MyExecutor {
  constructor(settings) { this.name = 'cls-' + settings.threads; }
  async execute(block) { return executeReference(block); }
  async close() {}
}
`);
    const r = run('./cls.mjs', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ executor: 'cls-undefined' });
  });

  it('unwraps TypeScript compiled to CommonJS (exports.default beside __esModule), in a .cjs file under a sub-folder', () => {
    file('ex/cjs2.cjs', `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const reference_1 = require(${JSON.stringify(reference.pathname)});
class Engine { constructor() { this.name = 'cjs2'; } async execute(block) { return (0, reference_1.executeReference)(block); } async close() {} }
exports.default = Engine;
`);
    const r = run('./ex/cjs2.cjs', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ executor: 'cjs2' });
    file('ex/plain.cjs', `const { executeReference } = require(${JSON.stringify(reference.pathname)});
module.exports = () => ({ name: 'plain-cjs', execute: async (b) => executeReference(b), close: async () => {} });
`);
    expect(JSON.parse(run('./ex/plain.cjs', '--json').stdout)).toMatchObject({ executor: 'plain-cjs' });
  });

  it('says to name the file .mjs or set "type": "module" when ES module syntax lands in a CommonJS package', () => {
    file('cjs-project/package.json', '{ "name": "mine", "type": "commonjs" }\n');
    file('cjs-project/my-executor.js', `import { executeReference } from '${reference.href}';
export default { name: 'mine', async execute(block) { return executeReference(block); }, async close() {} };
`);
    const r = run('./cjs-project/my-executor.js');
    expect(r.status).toBe(2);
    // One line: Node's own two-line warning of the same, printed before it, is dropped.
    expect(r.stderr).toMatch(/^concord run: \.\/cjs-project\/my-executor\.js: cannot load the module: Cannot use import statement outside a module[^\n]*; hint: [^\n]*name it \.mjs, or set "type": "module" in the package\.json nearest to it\n$/);
  });

  it('passes on every other warning Node emits while a module loads', () => {
    file('warns.mjs', `import { executeReference } from '${reference.href}';
process.emitWarning('the cache is cold', 'EngineWarning');
export default { name: 'warns', async execute(block) { return executeReference(block); }, async close() {} };
`);
    const r = run('./warns.mjs', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\(node:\d+\) EngineWarning: the cache is cold\n/);
  });

  it('says to name the file .cjs when CommonJS lands in an ES module package (exit 2, the hint whole)', () => {
    file('esm-project/package.json', '{ "name": "mine", "type": "module" }\n');
    file('esm-project/my-executor.js', `const { executeReference } = require(${JSON.stringify(reference.pathname)});
module.exports = { name: 'mine', async execute(block) { return executeReference(block); }, async close() {} };
`);
    const r = run('./esm-project/my-executor.js');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('concord run: ./esm-project/my-executor.js: cannot load the module: it is CommonJS (require), but Node runs it as an ES module'
      + ' (a .js file under "type": "module" in the nearest package.json, or .mjs); hint: name it .cjs, or use import/export\n');
    // A dependency of the module that is CommonJS is named by where it threw, not blamed on the module.
    file('esm-project/dep.js', "const fs = require('node:fs');\nexport default fs;\n");
    file('esm-project/uses-dep.js', "import fs from './dep.js';\nexport default { name: 'uses', async execute() { return fs; }, async close() {} };\n");
    const dep = run('./esm-project/uses-dep.js');
    expect(dep.status).toBe(1);
    expect(dep.stderr).toMatch(/threw while loading: ReferenceError: require is not defined in ES module scope.*\(at \S+esm-project\/dep\.js:1:\d+\)\n$/);
  });

  it('says to compile TypeScript, or use a loader, when this Node cannot load it', () => {
    file('engine.ts', "const e: { name: string } = { name: 'ts' };\nexport default e;\n");
    const r = run('./engine.ts');
    // Node 22.18+ and 23.6+ strip types themselves: the module loads, and is refused for its shape.
    expect(r.status).toBe(2);
    const strips = (process.features as { typescript?: unknown }).typescript;
    if (!strips) expect(r.stderr).toMatch(/Unknown file extension "\.ts".*; hint: this Node \(v[\d.]+\) cannot load TypeScript: compile it to JavaScript \(tsc\)/);
  });

  it.skipIf((process.features as { typescript?: unknown }).typescript)('says to import TypeScript in the test, not to run Concord under a loader, when verifyExecutor is given its path', () => {
    file('engine.ts', "const e: { name: string } = { name: 'ts' };\nexport default e;\n");
    // A program that imported Concord, as a test does; a test runner's own TypeScript support does
    // not reach the import() that loads the path.
    const helper = new URL('../dist/properties/vitest.js', import.meta.url).href;
    const script = `import { verifyExecutor } from '${helper}';\nverifyExecutor('./engine.ts', { runs: 1 }).catch((e) => console.log(e.message));\n`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toMatch(/Unknown file extension "\.ts".*; hint: this Node \(v[\d.]+\) cannot load TypeScript by its path: in a test \(vitest\), import the module there and pass verifyExecutor its executor, or the function or class that makes one; or compile it to JavaScript \(tsc\) and pass the \.js\/\.mjs file\n$/);
    expect(r.stdout).not.toMatch(/loader/);
  });

  it('names the accepted shapes when the default export is none of them, or missing', () => {
    file('named.mjs', 'export const executor = {};\nexport const other = 1;\n');
    const named = run('./named.mjs');
    expect(named.status).toBe(2);
    expect(named.stderr).toMatch(/^concord run: \.\/named\.mjs: the module has no default export \(it exports executor, other\); export default an Executor \(.*\), a function returning one or a class constructing one/);
    file('returns-nothing.mjs', 'export default () => undefined;\n');
    expect(run('./returns-nothing.mjs').stderr).toMatch(/the default export must be an Executor .*; what the default export returned is undefined\n$/);
  });

  it('refuses a function or class that returns an executor it returned before, open or closed, when it returns it; fresh ones each stand', async () => {
    const refused = (path: string, name: string) => `${path}: what the default export returned (${name}) is an executor it returned before: return a new one from each call `
      + '(bench makes one per thread count, verify one for the run and one for each rerun of a counterexample), or export the one object itself, which stays open until the command is done';
    const shared = file('shared-open.mjs', `const engine = { name: 'shared', execute: async () => { throw new Error('never run'); }, close: async () => {} };\nexport default () => engine;\n`);
    const first = await createExecutor(shared);
    // The first is still open, as a run's instance is while verify reruns its counterexample.
    await expect(createExecutor(shared)).rejects.toThrow(new UnknownExecutorError(refused(shared, 'shared')));
    await first.close();
    await expect(createExecutor(shared)).rejects.toThrow(new UnknownExecutorError(refused(shared, 'shared')));
    const singleton = file('singleton-class.mjs', `let one;\nexport default class Engine { constructor() { if (one) return one; one = this; this.name = 'singleton'; } async execute() {} async close() {} }\n`);
    await createExecutor(singleton);
    await expect(createExecutor(singleton)).rejects.toThrow(refused(singleton, 'singleton'));
    const fresh = file('fresh.mjs', `export default () => ({ name: 'fresh', execute: async () => { throw new Error('never run'); }, close: async () => {} });\n`);
    const [a, b] = [await createExecutor(fresh), await createExecutor(fresh)];
    expect(a).not.toBe(b);
  });

  it('refuses settings an executor object would never see, as verifyExecutor does, and hands it out without them', async () => {
    const object = file('settings-object.mjs', `export default { name: 'obj', execute: async () => { throw new Error('never run'); }, close: async () => {} };\n`);
    const refused = (taken: string) => `${object}: its default export is an executor object, made before any settings could reach it, so it cannot take ${taken}; `
      + 'export a function or a class, which receives the settings ({ threads, modules, partition }), to take them';
    await expect(createExecutor(object, { threads: 2, modules: 4, partition: 'range' })).rejects.toThrow(new UnknownExecutorError(refused('modules 4 (--modules) and partition "range" (--partition)')));
    await expect(createExecutor(object, { partition: 'hash' })).rejects.toThrow(new UnknownExecutorError(refused('partition "hash" (--partition)')));
    // Threads reach every execute(): an object takes them as it is.
    expect((await createExecutor(object, { threads: 2 })).name).toBe('obj');
  });

  it('recognises module paths: .js, .mjs, .cjs, TypeScript, or anything with a path separator', () => {
    for (const p of ['x.js', 'x.mjs', 'x.cjs', 'x.ts', 'x.mts', 'x.cts', './engine/index', 'engine\\index']) expect(isModulePath(p), p).toBe(true);
    for (const p of ['sequential', 'mine', 'x.json']) expect(isModulePath(p), p).toBe(false);
    expect(errorOf(UnknownExecutorError, () => checkExecutorName('mine')).message).toMatch(/^unknown executor "mine" \(built in: .*; or a path to your module: a file ending in \.js, \.mjs or \.cjs \(or \.ts, \.mts, \.cts where Node loads them\), or a path with a \/ in it; or exec:COMMAND for an engine in another process, docs\/exec-protocol\.md\)$/);
    expect(errorOf(UnknownExecutorError, () => checkExecutorName(join(dir, 'missing.cjs'))).message).toMatch(/missing\.cjs: no such module file$/);
    // The slash made no file of it, and resolve() took it off: "looked for FILE" named a file that is there.
    const slashed = file('slashed.mjs', 'export default {};\n');
    expect(errorOf(UnknownExecutorError, () => checkExecutorName(`${slashed}/`)).message).toBe(`${slashed}/: ends in /, so it names a folder, where ${slashed} is a file: give it without the /`);
    mkdirSync(join(dir, 'engine'), { recursive: true });
    expect(errorOf(UnknownExecutorError, () => checkExecutorName(join(dir, 'engine'))).message).toMatch(/engine: is a folder, not a module file: give the module's file \(\S+engine\/index\.mjs, say\)$/);
    const folder = run('./engine');
    expect(folder.status).toBe(2);
    expect(folder.stderr).toBe(`concord run: ./engine: is a folder, not a module file: give the module's file (engine/index.mjs, say)\n`);
  });
});
