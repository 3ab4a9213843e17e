// Engines in another process (`exec:COMMAND`, impl/exec-executor.ts): the example engine agrees
// with the reference through the library and the command line, verify catches and shrinks a
// broken one, bench takes an engine's own time where every answer gives one, `concord request`
// prints the line an engine reads and the reference's answer, and every way an
// engine can break the protocol (a log line on standard output, an
// answer of the wrong shape or id, an exit mid-block, a command that does not start, an exit code
// at close) rejects with a message naming the command, the request and the field, without a
// partial result and without leaving the engine running; what the engine wrote on several lines
// (a traceback on its standard error) is printed under the failure's line, not escaped onto it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../spec/executor.js';
import { executeReference } from '../spec/reference.js';
import { generate } from '../bench/workloads.js';
import { declaredEngineName, ExecCommandError, execEnginePeakRssBytes, execEnginesCpuMs, ExecEngineError, execHangNote, preStateOfResult, requestBlock, resetExecEnginePeak, shellRefusal } from '../impl/exec-executor.js';
import { checkRun } from '../properties/equivalence.js';
import { formatExplanation } from '../properties/explain.js';
import { newObserver } from '../properties/runner.js';
import { executorSubject } from '../properties/subjects.js';
import { jsonBreak } from '../spec/json-break.js';
import { verifyExecutor } from '../properties/vitest.js';
import { executorBlockFile, type FailureReport } from '../properties/runner.js';
import { formatFailure } from '../properties/report.js';
import { badRunLines } from '../cli/bench.js';
import { checkExecutorName, createExecutor, isModulePath, UnknownExecutorError } from '../impl/registry.js';
import { executorNames } from '../cli/executor-settings.js';
import { CUSTOM_GROUP, generated } from '../bench/suite.js';
import { sweep } from '../bench/sweep.js';
import { parseResults, type ResultsFile } from '../reports/schema.js';
import { compare } from '../reports/compare.js';
import { renderMarkdown } from '../reports/render.js';
import { merge } from '../reports/merge.js';
import { sampleResults } from './report-fixture.js';
import { blockOf, errorOf } from './helpers.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const engine = new URL('../examples/exec-engine.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'concord-exec-'));

/** An engine script in `dir`, run by node; `answer(request)` is the body of a function returning the answer object. */
function engineScript(name: string, answer: string, atEnd = ''): string {
  const path = join(dir, name);
  writeFileSync(path, `import { createInterface } from 'node:readline';
for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line);
  const reply = ((request) => { ${answer} })(request);
  if (reply !== undefined) process.stdout.write(JSON.stringify(reply) + '\\n');
}
${atEnd}
`);
  return `exec:node ${path}`;
}

const block = blockOf([{ ops: [['const', 'r1', 5], ['write', 'r0', 'r1'], ['stop']], args: [7] }, { ops: [['read', 'r2', 'r0'], ['emit', 'r2'], ['stop']], args: [7] }]);
/** A well-formed answer for `block` (two transactions), whatever was asked. */
const GOOD = `return { id: request.id, writes: [[7, 5]], receipts: [{ status: 'success', code: 0, gasUsed: 3, outputs: [] }, { status: 'success', code: 0, gasUsed: 22, outputs: [5] }],
  reads: [[], [[7, 5]]], stats: { executions: 2, reExecutions: 0, validations: 0, failedValidations: 0, threads: request.threads ?? -1 } };`;

/** Waits for `ok()` to hold, up to `ms`: an engine's start and its first lines take their time on a busy machine. */
async function until(ok: () => boolean, ms = 20_000): Promise<void> {
  for (const end = performance.now() + ms; !ok() && performance.now() < end;) await new Promise((r) => setTimeout(r, 50));
}

async function failure(executor: Executor, b = block): Promise<string> {
  const e = await executor.execute(b).then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(ExecEngineError);
  return (e as Error).message;
}

describe('exec: engines', () => {
  it('the example engine agrees with the reference, threads reach it, and close ends it', async () => {
    const b = generate('token', { accounts: 50, txs: 200, seed: 3 });
    const executor = await createExecutor(`exec:node ${engine}`, { threads: 3 });
    try {
      const r = await executor.execute(b, { threads: 2 });
      const ref = executeReference(b);
      expect(r.stateRoot).toBe(ref.stateRoot);
      expect(r.receipts).toEqual(ref.receipts);
      expect(r.reads).toEqual(ref.reads);
      expect(r.stats.executions).toBe(200);
      expect(executor.name).toBe(`exec:node ${engine}`);
      expect(execEnginesCpuMs()).toBeGreaterThan(0);
    } finally {
      await executor.close();
    }
    await expect(executor.execute(b)).rejects.toThrow(/the executor is closed/);
  });

  it('sends the block as plain data, with threads and settings', async () => {
    const executor = await createExecutor(engineScript('echo.mjs', `${GOOD.replace('threads: request.threads ?? -1', 'threads: request.threads ?? -1, modules: request.settings?.modules ?? -1, format: request.format')}`), { threads: 3, modules: 4 });
    try {
      const r = await executor.execute(block, { threads: 2 });
      expect(r.stats).toMatchObject({ threads: 2, modules: 4, format: 'concord-exec/1' });
      expect((await executor.execute(block)).stats.threads).toBe(3);
      expect(r.stateRoot).toBe(executeReference(block).stateRoot);
    } finally {
      await executor.close();
    }
    const sent = JSON.parse(JSON.stringify(requestBlock(block))) as { programs: { code: number[] }[]; preState: unknown[]; txs: unknown[] };
    expect(sent.programs[0]!.code).toEqual(Array.from(block.programs[0]!.code));
    expect(sent.txs).toEqual(block.txs);
    expect(sent.preState).toEqual([]);
  });

  it('sends a pre-state once to an engine that keeps it, and names the request that carried it after', async () => {
    // The engine answers with what each request's block held in place of a pre-state.
    const seen = `${GOOD.replace('threads: request.threads ?? -1', "sent: 'preState' in request.block ? 'preState' : 'preStateOf ' + request.block.preStateOf")}`;
    const keeping = await createExecutor(engineScript('keeps.mjs', `const a = (() => { ${seen} })(); return { ...a, keepsPreState: true };`));
    const other = { ...block, preState: new Map([[9, 1]]) };
    try {
      // The first answer says it keeps the pre-state: only later requests may name it.
      const sent = [];
      for (const b of [block, block, block, other, other, block]) sent.push((await keeping.execute(b)).stats.sent);
      expect(sent).toEqual(['preState', 'preStateOf 1', 'preStateOf 1', 'preState', 'preStateOf 4', 'preState']);
    } finally {
      await keeping.close();
    }
    // An engine that does not say so gets the pre-state with every request.
    const plain = await createExecutor(engineScript('plain.mjs', seen));
    try {
      for (let i = 0; i < 3; i++) expect((await plain.execute(block)).stats.sent).toBe('preState');
    } finally {
      await plain.close();
    }
    // A keepsPreState that is not a boolean is a malformed answer, named as such.
    const odd = await createExecutor(engineScript('keeps-odd.mjs', `const a = (() => { ${GOOD} })(); return { ...a, keepsPreState: 'yes' };`));
    try {
      expect(await failure(odd)).toMatch(/the answer to request 1 \(a block of 2 transactions\): keepsPreState must be true or false, got "yes"$/);
    } finally {
      await odd.close().catch(() => {});
    }
  });

  // An engine that applies each block's writes to the pre-state it keeps: the second call of a
  // block reads the first's writes and lists none, explained as a lost write. The explanation must
  // say the block was sent as a preStateOf, which alone tells that the engine's kept pre-state is where to look.
  it('says a failing block was sent with preStateOf, to an engine that keeps a pre-state it then changed', async () => {
    const expected = executeReference(block);
    const changing = await createExecutor(engineScript('changes-kept.mjs', `
      if (request.block.preState) globalThis.kept = new Map(request.block.preState);
      const kept = globalThis.kept;
      const before = kept.get(7) ?? 0;
      kept.set(7, 5);
      return { id: request.id, writes: before === 5 ? [] : [[7, 5]], receipts: ${JSON.stringify(expected.receipts)}, reads: ${JSON.stringify(expected.reads)},
        stats: { executions: 2, reExecutions: 0, validations: 0, failedValidations: 0 }, keepsPreState: true };`));
    const subject = executorSubject(changing, 'changing');
    const o = newObserver(subject);
    const spec = { keys: 1, pre: [], txs: [], gasLimit: null };
    try {
      expect(await checkRun(subject, o, spec, block, expected, 1, 'threads 1')).toBe(true);
      expect(await checkRun(subject, o, spec, block, expected, 1, 'threads 1')).toBe(false);
      // A block over another pre-state carries it: its result names no request.
      expect(preStateOfResult(await changing.execute({ ...block, preState: new Map() }))).toBeUndefined();
    } finally {
      await changing.close();
    }
    const x = o.last!.explanation!;
    expect(x).toMatchObject({ anomaly: 'lost write', key: 7, preStateOf: 1 });
    expect(formatExplanation(x)).toContain('pre-state    the block was sent with preStateOf: request 1, naming the pre-state the engine said it keeps (keepsPreState), not with its own; '
      + 'an engine that keeps a pre-state it then changed (applying a block\'s writes to it, say) reads values of an earlier block, and its writes are counted from them');
    // The same lost write from a block sent with its pre-state says nothing of one.
    const dropping = await createExecutor(engineScript('drops-writes.mjs', `return { id: request.id, writes: [], receipts: ${JSON.stringify(expected.receipts)}, reads: ${JSON.stringify(expected.reads)},
      stats: { executions: 2, reExecutions: 0, validations: 0, failedValidations: 0 } };`));
    const plain = executorSubject(dropping, 'dropping');
    const p = newObserver(plain);
    try {
      expect(await checkRun(plain, p, spec, block, expected, 1, 'threads 1')).toBe(false);
    } finally {
      await dropping.close();
    }
    expect(p.last!.explanation).toMatchObject({ anomaly: 'lost write', key: 7 });
    expect(p.last!.explanation!.preStateOf).toBeUndefined();
  });

  it('the example engines keep the pre-state and agree with the reference over many calls and two pre-states', async () => {
    const a = generate('p2p', { accounts: 200, txs: 300, seed: 4 });
    const b = generate('token', { accounts: 50, txs: 100, seed: 5 });
    for (const command of [`exec:node ${engine}`, `exec:python3 ${new URL('../examples/exec-engine.py', import.meta.url).pathname}`]) {
      const executor = await createExecutor(command);
      try {
        for (const x of [a, a, b, b, a]) expect((await executor.execute(x)).stateRoot).toBe(executeReference(x).stateRoot);
      } finally {
        await executor.close();
      }
    }
  });

  it.each([
    ['a log line on standard output', `process.stdout.write('starting block ' + request.id + '\\n'); ${GOOD}`, /the answer to request 1 \(a block of 2 transactions\) is not JSON \(answers only, one a line; write logs to standard error\): "starting block 1"/],
    ['an answer with the wrong id', `return { ...(() => { ${GOOD} })(), id: 9 };`, /the answer to request 1 .* has id 9: answer each request in order, with its id/],
    ['a receipt per transaction missing', `const a = (() => { ${GOOD} })(); a.receipts.pop(); return a;`, /receipts must hold one entry per transaction of the block \(2\), got 1/],
    ['a status Concord does not know', `const a = (() => { ${GOOD} })(); a.receipts[1].status = 'ok'; return a;`, /receipts\[1\]\.status must be one of "success", "reverted", "out-of-gas", "skipped", got "ok"/],
    ['a read that is not a pair', `const a = (() => { ${GOOD} })(); a.reads[1] = [[7]]; return a;`, /reads\[1\]\[0\] must be a \[key, value\] pair of integers, got \[7\]/],
    ['no stats', `const a = (() => { ${GOOD} })(); delete a.stats; return a;`, /stats must be an object of counters, got undefined/],
    ['a misspelt field', `return { ...(() => { ${GOOD} })(), keepPreState: true };`, /the answer to request 1 .* has an unknown field "keepPreState" \(an answer holds id, writes, receipts, reads, stats, keepsPreState, name; or id and error\)$/],
    ['a name that is no string', `return { ...(() => { ${GOOD} })(), name: 7 };`, /the answer to request 1 \(a block of 2 transactions\): name must be a non-empty string, got 7$/],
    ['a name with a comma', `return { ...(() => { ${GOOD} })(), name: 'mine,fast' };`, /: name must be one line without commas or parentheses \(compare --only takes a comma-separated list\), got "mine,fast"$/],
    ['a name that reads as a command', `return { ...(() => { ${GOOD} })(), name: 'exec:./engine' };`, /: name must not start with "exec:", which names a command, got "exec:\.\/engine"$/],
    ['a field beside an error', `return { id: request.id, error: 'no delta yet', detail: 3 };`, /has an unknown field "detail"/],
    // As at the answer's top level: a field Concord does not compare passed unseen.
    ['a field in a receipt', `const a = (() => { ${GOOD} })(); a.receipts[1].logs = []; return a;`,
      /the answer to request 1 \(a block of 2 transactions\): receipts\[1\] has an unknown field "logs" \(a receipt holds status, code, gasUsed, outputs\)$/],
    // Python's json.dumps writes a float NaN as NaN: the line is quoted where it breaks, not from its start alone.
    ['a NaN in the answer', `process.stdout.write(JSON.stringify((() => { ${GOOD} })()).replace('"reExecutions":0', '"reExecutions":NaN') + '\\n');`,
      /the answer to request 1 \(a block of 2 transactions\) is not JSON: at column \d+ of \d+, NaN, which JSON has no way to write: a number in the answer is not finite \(Python's json\.dumps writes NaN and Infinity all the same; json\.dumps\(\.\.\., allow_nan=False\) raises instead\): after "\.\.\..*\\"stats\\":\{\\"executions\\":2,\\"reExecutions\\":" comes "NaN,\\"validations\\":0,\.\.\."$/],
    ['a -Infinity in the answer', `process.stdout.write(JSON.stringify((() => { ${GOOD} })()).replace('"reExecutions":0', '"reExecutions":-Infinity') + '\\n');`,
      /is not JSON: at column \d+ of \d+, -Infinity, which JSON has no way to write: .* comes "-Infinity,\\"validatio\.\.\."$/],
    ['an answer over several lines', `process.stdout.write(JSON.stringify((() => { ${GOOD} })(), null, 1) + '\\n');`,
      /is not JSON: the line ends inside the answer, after "\{" \(an answer is one line: write it without line breaks, not pretty-printed\)$/],
    ['two answers on one line', `const a = JSON.stringify((() => { ${GOOD} })()); process.stdout.write(a + a + '\\n');`,
      /is not JSON: at column (\d+) of \d+, more follows the answer's end \(one answer a line, and nothing else on it\): after "\.\.\..*\}\}" comes "\{\\"id\\":1,\\"writes\\":\[\[7\.\.\."$/],
    ['a character out of place', `process.stdout.write(JSON.stringify((() => { ${GOOD} })()).replace('"writes":', '"writes";') + '\\n');`,
      /is not JSON: at column 17 of \d+, unexpected ";": after "\{\\"id\\":1,\\"writes\\"" comes ";\[\[7,5\]\],\\"receipts\\":\.\.\."$/],
    // A line that does not start as an answer (an object) is a log line, quoted from its start.
    ['a log line in brackets', `process.stdout.write('[INFO] block ' + request.id + '\\n'); ${GOOD}`,
      /is not JSON \(answers only, one a line; write logs to standard error\): "\[INFO\] block 1"$/],
    ['a key written twice', `const a = (() => { ${GOOD} })(); a.writes.push([9, 1], [7, 6]); return a;`, /writes\[2\] gives key 7 a final value again \(first at writes\[0\]\): give each key once$/],
    // A final value of 0 is no entry of the state: checked on the final state alone, the key passed.
    ['a key out of range written as 0', `const a = (() => { ${GOOD} })(); a.writes.push([4294967296, 0]); return a;`,
      /: writes\[1\] holds key 4294967296, which is no key: keys are integers from 0 to 2\^32 - 1$/],
    ['a negative key read', `const a = (() => { ${GOOD} })(); a.reads[0].push([-1, 0]); return a;`, /: reads\[0\]\[\d+\] holds key -1, which is no key: keys are integers from 0 to 2\^32 - 1$/],
    // .NET and PowerShell write one by default; JSON.parse refuses it, and quoted shows it as nothing.
    ['a byte-order mark before the answer', `process.stdout.write('\\uFEFF' + JSON.stringify((() => { ${GOOD} })()) + '\\n');`,
      /is not JSON: a byte-order mark \(U\+FEFF\) starts the line, before the answer: write UTF-8 without one \(\.NET: new UTF8Encoding\(false\)\)$/],
    ['an exit mid-block', `process.stderr.write('panicked at src/scheduler.rs:42\\n'); process.exit(3);`, /the engine exited with code 3 before answering its first request \(request 1 pending\); the end of its standard error: panicked at src\/scheduler\.rs:42/],
    ['an executeMs below 0', `const a = (() => { ${GOOD} })(); a.stats.executeMs = -3; return a;`, /stats\.executeMs must be a positive number of milliseconds up to a day \(the engine's own time for the block\), got -3$/],
    ['an executeMs of 0', `const a = (() => { ${GOOD} })(); a.stats.executeMs = 0; return a;`, /stats\.executeMs must be a positive number of milliseconds .*, got 0$/],
    ['an executeMs as a string', `const a = (() => { ${GOOD} })(); a.stats.executeMs = '12'; return a;`, /stats\.executeMs must be a positive number of milliseconds .*, got "12"$/],
    ['an executeMs past a day', `const a = (() => { ${GOOD} })(); a.stats.executeMs = 1e308; return a;`, /stats\.executeMs must be a positive number of milliseconds up to a day .*, got 1e\+308$/],
    ['an executeMs of null', `const a = (() => { ${GOOD} })(); a.stats.executeMs = null; return a;`, /stats\.executeMs must be a positive number of milliseconds .*, got null$/],
    // A time in microseconds, or from a clock that counts something else, would be published as the block's time.
    ['an executeMs longer than the call took', `const a = (() => { ${GOOD} })(); a.stats.executeMs = 60000; return a;`,
      /stats\.executeMs is 60000 ms, longer than the whole call took \(\d+\.\d\d ms from writing the request to reading this answer\): it must be the engine's own time for the block, in milliseconds$/],
    ['a fallback that is not a string', `const a = (() => { ${GOOD} })(); a.stats.fallback = 1; return a;`, /stats\.fallback must be a string .*, got 1$/],
    ['an exit mid-answer', `process.stdout.write('{"id":1,"wri', () => { process.stderr.write('panicked at src/answer.rs:7\\n'); process.exit(101); });`,
      /the engine exited with code 101 with request 1 unanswered after writing part of its answer \("\{\\"id\\":1,\\"wri", no newline\); the end of its standard error: panicked at src\/answer\.rs:7/],
  ])('%s rejects the call, names it, and stops the engine for good', async (name, answer, message) => {
    const executor = await createExecutor(engineScript(`${name.replace(/\W+/g, '-')}.mjs`, answer));
    try {
      const m = await failure(executor);
      expect(m).toMatch(/^exec:node \S+: /);
      expect(m).toMatch(message);
      // The engine is stopped: a later call gets the same error at once, not a second request.
      expect(await failure(executor)).toBe(m);
    } finally {
      await executor.close();
    }
  });

  it('a start-up line on standard output is named as one, not as a line after an answer', async () => {
    const path = join(dir, 'banner.mjs');
    writeFileSync(path, `process.stdout.write('engine starting\\n');\nprocess.stdin.resume();\n`);
    const executor = await createExecutor(`exec:node ${path}`);
    await new Promise((r) => setTimeout(r, 300));
    await expect(executor.close()).rejects.toThrow(/wrote a line before any request was sent to it \(at start-up\) \(answers only, one a request; write logs to standard error\): "engine starting"$/);
  });

  it('a block of one transaction is said to be one', async () => {
    const executor = await createExecutor(engineScript('log-line.mjs', `process.stdout.write('starting\\n');`));
    try {
      expect(await failure(executor, blockOf([{ ops: [['stop']] }]))).toMatch(/the answer to request 1 \(a block of 1 transaction\) is not JSON/);
    } finally {
      await executor.close();
    }
  });

  it('finds where a line stops being JSON exactly where JSON.parse refuses it', () => {
    const parses = (t: string) => {
      try {
        JSON.parse(t);
        return true;
      } catch {
        return false;
      }
    };
    // JSON text, a character deleted, replaced or put in somewhere; and strings of JSON's own characters.
    const text = fc.oneof(
      fc.json(),
      fc.tuple(fc.json(), fc.nat(), fc.nat(2), fc.constantFrom(...'{}[],:"\\0123456789-+.eE tfnNIaul\n\u0001'.split(''))).map(([j, at, how, c]) => {
        const k = at % (j.length + 1);
        return how === 0 ? j.slice(0, k) + j.slice(k + 1) : how === 1 ? j.slice(0, k) + c + j.slice(k + 1) : j.slice(0, k) + c + j.slice(k);
      }),
      fc.stringMatching(/^[{}[\],:"0-9.eE+\- tfalsenurNI\\]{0,20}$/),
    );
    fc.assert(fc.property(text, (t) => {
      const at = jsonBreak(t);
      expect(at === -1, t).toBe(parses(t));
      // What comes before the break is JSON as far as it goes: complete, or cut short at its end.
      if (at !== -1) expect([-1, at]).toContain(jsonBreak(t.slice(0, at)));
    }), { numRuns: 3000 });
    // Deeper than a recursion would go.
    expect(jsonBreak(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toBe(-1);
    expect(jsonBreak(`${'['.repeat(100_000)}1,]`)).toBe(100_002);
  });

  it('says what a hung engine was seen to do since the request: nothing on its output (an answer not flushed?), or part of a line', async () => {
    const silent = engineScript('silent.mjs', `process.stderr.write('waiting for lock\\n');`);
    const partial = engineScript('partial.mjs', `process.stdout.write('{"id":' + request.id + ',"wri');`);
    const [quiet, cut] = [await createExecutor(silent), await createExecutor(partial)];
    const call = (name: string) => `the executor ${name}: execute() on a block`;
    try {
      expect(execHangNote(call(silent))).toBe('');
      for (const e of [quiet, cut]) void e.execute(block).catch(() => {});
      const nothing = '; the engine wrote nothing on its standard output since request 1 was sent (an answer not flushed? write each answer with a newline and flush: Python print(..., flush=True) or python3 -u)';
      await until(() => execHangNote(call(silent)).includes('standard error'));
      expect(execHangNote(call(silent))).toBe(`${nothing}; it wrote to its standard error since, which ends: "waiting for lock"`);
      await until(() => execHangNote(call(partial)).includes('part of a line'));
      expect(execHangNote(call(partial))).toBe('; the engine has written part of a line since request 1 was sent but not its newline ("{\\"id\\":1,\\"wri"): end each answer with a newline, and flush after it');
      // A hang of another executor says nothing of these.
      expect(execHangNote('the executor block-stm: execute() on a block')).toBe('');
    } finally {
      await quiet.close();
      await cut.close();
    }
    expect(execHangNote(call(silent))).toBe('');
    // Where the hang's message is made: --timeout's (cli/errors.ts) and verifyExecutor's timeout option (properties/call-timeout.ts).
    const r = spawnSync(process.execPath, [cli, 'run', '--workload', 'p2p', '--txs', '5', '--warmup', '0', '--timeout', '1', '--executor', silent], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toMatch(/did not settle within 1 s; the engine wrote nothing on its standard output since request 1 was sent \(an answer not flushed\? write each answer with a newline and flush: Python print\(\.\.\., flush=True\) or python3 -u\); it wrote to its standard error since, which ends: "waiting for lock"/);
    expect(r.status).toBe(1);
    const hung = await verifyExecutor(silent, { runs: 1, timeout: 1000 }).then(() => null, (e: unknown) => e);
    expect((hung as Error).message.split('\n')[0]).toMatch(/did not settle within 1000 ms \(the timeout option\); the engine wrote nothing on its standard output since request 1 was sent \(an answer not flushed\?/);
  });

  // An engine that closed its input and hung was asked whether it had not flushed an answer: it had
  // stopped reading, and the request it was sent was never read.
  it('says a hung engine closed its standard input where none of its processes holds it open, and what else it may be where only its shell does', async () => {
    const closer = join(dir, 'closer.mjs');
    writeFileSync(closer, `import { closeSync } from 'node:fs';\ncloseSync(0);\nsetTimeout(() => {}, 60_000);\n`);
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const closed = `; the engine closed its standard input (no process of it holds it open) and wrote nothing on its standard output since request 1 was sent: `
      + 'it stopped reading requests before it answered this one (an engine reads its standard input until it ends, and answers each request)';
    // The shell Concord starts the command with runs it in a process of its own here, holding the
    // input, unless told to exec it; a shell loop reading the requests itself, busy with one, looks
    // the same in /proc, so both readings are given.
    const shell = '; only the shell that started the engine holds its standard input open, and nothing came on its standard output since request 1 was sent: '
      + 'either the command that shell runs closed its input and stopped reading requests before it answered this one, or the command line reads them itself (a shell loop) and is still at work on this one';
    const engines = [[`exec:node ${closer}`, shell], [`exec:sh -c 'exec 0<&-; sleep 60'`, shell], ['exec:while read l; do sleep 60 </dev/null; done', shell], [`exec:exec node ${closer}`, closed]] as const;
    for (const [engine, said] of engines) {
      const r = spawnSync(process.execPath, [cli, 'run', '--workload', 'p2p', '--txs', '5', '--warmup', '0', '--timeout', '1', '--executor', engine], { encoding: 'utf8', timeout: 120_000 });
      const [line, ...more] = r.stderr.split('\n');
      expect(line, engine).toMatch(new RegExp(`^concord run: the executor ${literal(engine)}: execute\\(\\) on p2p .* did not settle within 1 s${literal(said)}$`));
      expect(more, engine).toEqual(['']);
      expect(r.status, engine).toBe(1);
    }
  });

  it('a start-up line is reported as the engine failing at start-up, not as a close() that threw, where the close() after loading finds it', () => {
    const path = join(dir, 'banner-engine.mjs');
    writeFileSync(path, `process.stdout.write('engine v0.1 ready\\n');\nawait import(${JSON.stringify(engine)});\n`);
    const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
    const tiny = ['--workload', 'p2p', '--accounts', '10', '--txs', '20'];
    for (const args of [['verify', '--runs', '2'], ['bench', ...tiny, '--quick', '--rounds', '1', '--threads', '1']]) {
      const r = concord(...args, '--executor', `exec:node ${path}`);
      expect(r.stderr, args[0]).toBe(`concord ${args[0]}: the executor exec:node ${path} failed at start-up: ExecEngineError: exec:node ${path}: wrote a line before any request was sent to it (at start-up) (answers only, one a request; write logs to standard error): "engine v0.1 ready"\n`);
      expect(r.status, args[0]).toBe(1);
    }
  });

  it('a line after the last answer fails close(), as no call is left to reject', async () => {
    const executor = await createExecutor(engineScript('answers-twice.mjs', `const a = (() => { ${GOOD} })(); process.stdout.write(JSON.stringify(a) + '\\n'); return a;`));
    expect((await executor.execute(block)).receipts).toHaveLength(2);
    await expect(executor.close()).rejects.toThrow(/wrote a line with no request pending/);
  });

  it('an engine that closes its standard output and runs on fails the pending call, not hangs', async () => {
    const path = join(dir, 'closes-output.mjs');
    writeFileSync(path, `import { closeSync } from 'node:fs';\ncloseSync(1);\nprocess.stdin.resume();\nsetInterval(() => {}, 1000);\n`);
    // exec: the shell would otherwise keep its own copy of the output open.
    const executor = await createExecutor(`exec:exec node ${path}`);
    try {
      expect(await failure(executor)).toMatch(/the engine closed its standard output but kept running, with request 1 unanswered/);
    } finally {
      await executor.close();
    }
  });

  it('counts the CPU of the helpers an engine ran, once they have exited, as the engine\'s', async () => {
    const path = join(dir, 'helper.mjs');
    writeFileSync(path, `import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
for await (const line of createInterface({ input: process.stdin })) {
  execFileSync(process.execPath, ['-e', 'for (const t = Date.now(); Date.now() - t < 300;);']);
  const request = JSON.parse(line);
  process.stdout.write(JSON.stringify((() => { ${GOOD} })()) + '\\n');
}
`);
    const executor = await createExecutor(`exec:node ${path}`);
    try {
      const before = execEnginesCpuMs();
      await executor.execute(block);
      await executor.execute(block);
      // About 600 ms of the helpers' CPU; without them, the engine's own few ms.
      expect(execEnginesCpuMs() - before).toBeGreaterThan(300);
    } finally {
      await executor.close();
    }
  });

  it('a signal that ends Concord stops a hung engine too', async () => {
    const path = join(dir, 'hangs.mjs');
    const pidFile = join(dir, 'hangs.pid');
    // Busy for ever, deaf to SIGTERM and to the end of its input: only a SIGKILL stops it.
    writeFileSync(path, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nprocess.on('SIGTERM', () => {});\nfor (;;);\n`);
    const concord = spawn(process.execPath, [cli, 'run', '--workload', 'p2p', '--txs', '10', '--executor', `exec:node ${path}`, '--timeout', '0'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => concord.once('exit', (_code, signal) => resolve(signal)));
    for (const t = Date.now(); !existsSync(pidFile) && Date.now() - t < 20_000;) await new Promise((r) => setTimeout(r, 50));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    concord.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    // Gone, or a zombie no one has reaped yet: not running.
    const state = () => (existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0] : 'gone');
    for (const t = Date.now(); !['gone', 'Z', 'X'].includes(state()!) && Date.now() - t < 5000;) await new Promise((r) => setTimeout(r, 50));
    const left = state();
    if (!['gone', 'Z', 'X'].includes(left!)) process.kill(pid, 'SIGKILL');
    expect(['gone', 'Z', 'X']).toContain(left);
  });

  it('an answer { id, error } rejects that call alone', async () => {
    const executor = await createExecutor(engineScript('refuses.mjs', `if (request.id === 1) return { id: 1, error: 'opcode 21 not implemented' }; ${GOOD}`));
    try {
      expect(await failure(executor)).toMatch(/the engine could not execute request 1: opcode 21 not implemented$/);
      expect((await executor.execute(block)).receipts).toHaveLength(2);
    } finally {
      await executor.close();
    }
  });

  // A Python engine answering { id, error: traceback.format_exc() }: one line of escaped breaks hid it.
  it('an error answer of several lines follows the message\'s line, as written', async () => {
    const executor = await createExecutor(engineScript('refuses-long.mjs', `if (request.id === 1) return { id: 1, error: 'Traceback (most recent call last):\\n  File "engine.py", line 9\\nKeyError: 21\\n' }; ${GOOD}`));
    try {
      expect(await failure(executor)).toMatch(/: the engine could not execute request 1; its error follows:\nTraceback \(most recent call last\):\n {2}File "engine\.py", line 9\nKeyError: 21$/);
      expect((await executor.execute(block)).receipts).toHaveLength(2);
    } finally {
      await executor.close();
    }
  });

  it('the end of a standard error of several lines follows the message\'s one line, its lines as written; one line stays on it', async () => {
    // A traceback, a Go panic's tab-indented frame, a CRLF line end, a colour code and a carriage return.
    const said = 'Traceback (most recent call last):\\n  File \\"engine.py\\", line 3, in run\\n\\tmain.go:12 +0x1d\\r\\n\\u001b[31mValueError: boom\\u001b[0m\\n50%\\r100%\\n';
    const crashing = await createExecutor(engineScript('traceback.mjs', `process.stderr.write("${said}", () => process.exit(1));`));
    try {
      const m = await failure(crashing);
      expect(m).toMatch(/^exec:node \S+: the engine exited with code 1 before answering its first request \(request 1 pending\); the end of its standard error follows:\n/);
      expect(m.slice(m.indexOf('\n') + 1)).toBe('Traceback (most recent call last):\n  File "engine.py", line 3, in run\n\tmain.go:12 +0x1d\n\\u001b[31mValueError: boom\\u001b[0m\n50%\\r100%');
    } finally {
      await crashing.close();
    }
    const one = await createExecutor(engineScript('one-line.mjs', "process.stderr.write('panicked at src/lib.rs:1\\t(tab)\\n', () => process.exit(1));"));
    try {
      expect(await failure(one)).toMatch(/; the end of its standard error: panicked at src\/lib\.rs:1\t\(tab\)$/);
    } finally {
      await one.close();
    }
  });

  it('a block that cannot be written as a request rejects that call alone, and the next call gets its own answer', async () => {
    // Request ids must run 1, 2, 3: an answer whose id is not the call's fails the engine (GOOD echoes it).
    const executor = await createExecutor(engineScript('echoes.mjs', `globalThis.seen = (globalThis.seen ?? 0) + 1; if (request.id !== globalThis.seen) return { id: -1 }; ${GOOD}`));
    const bigint = { ...block, txs: [{ ...block.txs[0]!, args: [7n as unknown as number] }, block.txs[1]!] };
    const shapeless = { ...block, programs: undefined as never };
    try {
      for (const bad of [bigint, shapeless]) {
        // Before, the call stayed pending unsent (or execute() threw at once): the next answer was taken as its own and the engine stopped.
        const failed = executor.execute(bad);
        const next = executor.execute(block);
        await expect(failed).rejects.toThrow(/^exec:node .*echoes\.mjs: the block cannot be sent as a request: /);
        expect((await next).receipts).toHaveLength(2);
      }
    } finally {
      await executor.close();
    }
  });

  it('a line longer than 256 MiB fails the call, not Concord', async () => {
    const path = join(dir, 'endless-line.mjs');
    writeFileSync(path, `process.stdin.once('data', () => {
  const chunk = 'x'.repeat(1 << 20);
  const more = () => { while (process.stdout.write(chunk)); process.stdout.once('drain', more); };
  more();
});
`);
    const executor = await createExecutor(`exec:node ${path}`);
    expect(await failure(executor)).toMatch(/: wrote a line of more than 256 MiB without ending it \(request 1 unanswered\)$/);
    await executor.close();
  });

  it('a command that does not start, and an exit code at close, are errors', async () => {
    const missing = await createExecutor('exec:./no-such-engine --flag');
    const e = await missing.execute(block).then(() => null, (x: unknown) => x);
    // The command line is at fault, not an engine: an input error (exit 2), as a missing module is.
    expect(e).toBeInstanceOf(ExecCommandError);
    expect((e as Error).message).toMatch(/^exec:\.\/no-such-engine --flag: the shell found no such command \(\/bin\/sh: .*\.\/no-such-engine: (not found|No such file or directory)\): give the engine's path/);
    await missing.close();
    // Found, and then exiting 127 itself: the engine's failure.
    const own = await createExecutor("exec:sh -c 'echo \"sh: 1: jq: not found\" >&2; exit 127'");
    const ownError = await own.execute(block).then(() => null, (x: unknown) => x);
    expect(ownError).toBeInstanceOf(ExecEngineError);
    expect(ownError).not.toBeInstanceOf(ExecCommandError);
    await own.close();
    const sloppy = await createExecutor(engineScript('exit-2.mjs', GOOD, 'process.exit(2);'));
    expect((await sloppy.execute(block)).receipts).toHaveLength(2);
    await expect(sloppy.close()).rejects.toThrow(/the engine exited with code 2 when its input ended \(expected 0\)/);
    // bench and verify load each executor once and close it: an engine dead on start is said to be.
    const dead = await createExecutor(`exec:node ${join(dir, 'no-such-engine.mjs')},block-stm`);
    const closed = await dead.close().then(() => null, (x: unknown) => x);
    expect(closed).toMatchObject({ atStartUp: true });
    expect((closed as Error).message).toMatch(/the engine exited with code 1 before answering its first request \(none was sent to it: Concord closed its input unused, and an engine exits with 0 when its input ends\); the command holds a comma, and in an --executor list an exec: command takes the rest of the list, commas and all: name it last; the end of its standard error follows:\n.*Cannot find module/s);
  });

  // bench's peak memory is its own process's, where an engine's is not: a 600 MiB engine read 121 MiB.
  it('reads an engine\'s peak memory from its own process, which Concord\'s does not hold', async () => {
    const fat = await createExecutor(engineScript('ballast.mjs', `globalThis.kept ??= Buffer.alloc(96 * 2 ** 20, 1); ${GOOD}`));
    const lean = await createExecutor(engineScript('lean.mjs', GOOD));
    await Promise.all([fat.execute(block), lean.execute(block)]);
    const [heavy, light] = [execEnginePeakRssBytes(fat), execEnginePeakRssBytes(lean)];
    expect(light).toBeGreaterThan(0);
    expect(heavy! - light!).toBeGreaterThan(80 * 2 ** 20);
    const sequential = await createExecutor('sequential');
    expect(execEnginePeakRssBytes(sequential)).toBeNull();
    await Promise.all([fat.close(), lean.close(), sequential.close()]);
  });

  // One engine process serves every block: a small block after a big one read the big one's peak.
  it.runIf(process.platform === 'linux')('starts the peak again where bench asks, so a round reads its own', async () => {
    const once = await createExecutor(engineScript('once.mjs', `if (request.id === 1) { let b = Buffer.alloc(96 * 2 ** 20, 1); b = null; globalThis.gc(); } ${GOOD}`).replace(/^exec:node /, 'exec:node --expose-gc '));
    await once.execute(block);
    const first = execEnginePeakRssBytes(once)!;
    resetExecEnginePeak(once);
    await once.execute(block);
    expect(first - execEnginePeakRssBytes(once)!).toBeGreaterThan(80 * 2 ** 20);
    await once.close();
  });

  it('a failure through the command line quotes the end of the engine\'s standard error whole, below its line, and a cold run says it holds the engine\'s start-up', () => {
    const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
    const tiny = ['--workload', 'p2p', '--accounts', '10', '--txs', '20', '--warmup', '0'];
    const noisy = engineScript('noisy.mjs', "process.stderr.write('compiling...\\n'.repeat(40) + 'panicked at src/scheduler.rs:42:17: index out of bounds\\n'); process.exit(101);");
    const r = concord('run', ...tiny, '--executor', noisy);
    // One line for the failure, then the engine's lines as it wrote them, indented under it.
    expect(r.stderr).toMatch(/^concord run: the executor exec:node \S+ failed at start-up: ExecEngineError: exec:node \S+: the engine exited with code 101 before answering its first request \(request 1 pending\); the end of its standard error follows:\n( {4}compiling\.\.\.\n){40} {4}panicked at src\/scheduler\.rs:42:17: index out of bounds\n$/);
    expect(r.status).toBe(1);
    // --json: the whole message in `error`, the lines after its first line as written.
    const json = concord('run', ...tiny, '--executor', noisy, '--json');
    expect(json.status).toBe(1);
    expect((JSON.parse(json.stdout) as { error: string }).error).toMatch(/ \(request 1 pending\); the end of its standard error follows:\n(compiling\.\.\.\n){40}panicked at src\/scheduler\.rs:42:17: index out of bounds$/);
    expect(json.stderr).toBe(r.stderr);
    const cold = concord('run', ...tiny, '--executor', `exec:node ${engine}`);
    expect(cold.stdout).toMatch(/, cold \(.*\)\n +\(the first run holds the engine's own start-up: its process starts, then reads its first request\)\n/);
    expect(concord('run', ...tiny, '--executor', 'sequential').stdout).not.toMatch(/engine's own start-up/);
  });

  it('tells the shell refusing the command from an engine that ran and exited 127 or 126', () => {
    expect(shellRefusal('./engine --x', 127, '/bin/sh: 1: ./engine: not found\n')).toMatch(/^the shell found no such command \(\/bin\/sh: 1: \.\/engine: not found\): /);
    expect(shellRefusal('cd build && ./engine', 127, '/bin/sh: line 1: ./engine: No such file or directory\n')).toMatch(/^the shell found no such command/);
    expect(shellRefusal('my-engine', 127, '/bin/sh: my-engine: command not found\n')).toMatch(/^the shell found no such command/);
    expect(shellRefusal('./engine', 126, '/bin/sh: 1: ./engine: Permission denied\n')).toMatch(/^the shell could not run the command \(.*\): is it executable\?/);
    // exec:exec ./engine, as docs/exec-protocol.md suggests: dash's and bash's words for the exec builtin.
    expect(shellRefusal('exec ./engine', 127, '/bin/sh: 1: exec: ./engine: not found\n')).toMatch(/^the shell found no such command/);
    expect(shellRefusal('exec ./engine', 127, '/bin/sh: line 1: exec: ./engine: cannot execute: No such file or directory\n')).toMatch(/^the shell found no such command/);
    // A shell the command line starts itself names itself as the command line does.
    expect(shellRefusal("sh -c 'no-such-engine'", 127, 'sh: 1: no-such-engine: not found\n')).toMatch(/^the shell found no such command \(sh: 1: no-such-engine: not found\): /);
    expect(shellRefusal("bash -c 'cd build && ./engine --x'", 127, 'bash: line 1: ./engine: No such file or directory\n')).toMatch(/^the shell found no such command/);
    expect(shellRefusal('/usr/bin/env bash -c my-engine', 127, 'bash: my-engine: command not found\n')).toMatch(/^the shell found no such command/);
    expect(shellRefusal("/bin/dash -c 'exec ./engine'", 127, '/bin/dash: 1: exec: ./engine: not found\n')).toMatch(/^the shell found no such command/);
    expect(shellRefusal('sh -c ./engine', 126, 'sh: 1: ./engine: Permission denied\n')).toMatch(/^the shell could not run the command/);
    // The engine's own script missing a tool, another shell's line, more on standard error, another code.
    expect(shellRefusal('./engine.sh', 127, './engine.sh: line 3: jq: command not found\n')).toBeNull();
    expect(shellRefusal('sh engine.sh', 127, 'engine.sh: 3: jq: not found\n')).toBeNull();
    // A shell the engine started, not the command line; a program that is no shell; a word only inside a quoted message.
    expect(shellRefusal('./engine jq', 127, 'sh: 1: jq: not found\n')).toBeNull();
    expect(shellRefusal('python3 engine.py jq', 127, 'python3: jq: not found\n')).toBeNull();
    expect(shellRefusal('sh -c \'echo "sh: 1: jq: not found" >&2; exit 127\'', 127, 'sh: 1: jq: not found\n')).toBeNull();
    expect(shellRefusal('./engine.sh', 127, '/bin/sh: 1: jq: not found\n')).toBeNull();
    expect(shellRefusal('./jq-engine', 127, '/bin/sh: 1: jq: not found\n')).toBeNull();
    expect(shellRefusal('./engine', 127, 'starting\n/bin/sh: 1: ./engine: not found\n')).toBeNull();
    expect(shellRefusal('./engine', 1, '/bin/sh: 1: ./engine: not found\n')).toBeNull();
    // A command line Concord's shell cannot parse (a quote left open): dash's words and bash's, as /bin/sh.
    expect(shellRefusal("./engine --name 'x", 2, '/bin/sh: 1: Syntax error: Unterminated quoted string\n')).toBe(
      "the shell could not read the command line (/bin/sh: 1: Syntax error: Unterminated quoted string): check its quotes and brackets");
    expect(shellRefusal("./engine --name 'x", 2, "/bin/sh: -c: line 1: unexpected EOF while looking for matching `''\n")).toMatch(/^the shell could not read the command line \(/);
    expect(shellRefusal('./engine (', 2, '/bin/sh: -c: line 1: syntax error near unexpected token `newline\'\n')).toMatch(/^the shell could not read the command line \(/);
    // An engine that exits 2 (an argument parser's usage error), or a script of the engine's with a syntax error.
    expect(shellRefusal('./engine --bad', 2, 'usage: engine [--x]\n')).toBeNull();
    expect(shellRefusal('sh engine.sh', 2, 'engine.sh: 3: Syntax error: Unterminated quoted string\n')).toBeNull();
  });

  it('a command the shell cannot find is a usage error (exit 2) in run, verify and bench, as a missing module is; an engine exiting 127 is a failure (exit 1)', () => {
    const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
    const tiny = ['--workload', 'p2p', '--accounts', '10', '--txs', '20'];
    for (const args of [['run', ...tiny, '--warmup', '0'], ['verify', '--runs', '2'], ['bench', ...tiny, '--quick', '--rounds', '1', '--threads', '1']]) {
      const r = concord(...args, '--executor', 'exec:no-such-engine-cmd --flag');
      expect(r.stderr, args[0]).toMatch(new RegExp(`^concord ${args[0]}: exec:no-such-engine-cmd --flag: the shell found no such command \\(/bin/sh: .*no-such-engine-cmd: (command )?not found\\): give the engine's path \\(\\./target/release/my-engine\\) or a command on PATH\n$`));
      expect(r.status, args[0]).toBe(2);
    }
    // A shell the command line starts itself, not finding the engine, is the command line's fault too.
    const nested = concord('run', ...tiny, '--warmup', '0', '--executor', "exec:sh -c 'no-such-engine-cmd --flag'");
    expect(nested.stderr).toMatch(/^concord run: exec:sh -c 'no-such-engine-cmd --flag': the shell found no such command \(sh: .*no-such-engine-cmd: (command )?not found\): give the engine's path/);
    expect(nested.status).toBe(2);
    const unquoted = concord('run', ...tiny, '--warmup', '0', '--executor', "exec:no-such-engine-cmd --name 'x");
    expect(unquoted.stderr).toMatch(/^concord run: exec:no-such-engine-cmd --name 'x: the shell could not read the command line \(\/bin\/sh: [^\n]+\): check its quotes and brackets\n$/);
    expect(unquoted.status).toBe(2);
    const own = concord('run', ...tiny, '--warmup', '0', '--executor', "exec:sh -c 'exit 127'");
    expect(own.stderr).toMatch(/^concord run: the executor exec:sh -c 'exit 127' failed at start-up: .*the engine exited with code 127/);
    expect(own.status).toBe(1);
  });

  it('a process the command leaves in the background holding the output neither stalls close() nor takes the blame', async () => {
    // The background sleep holds the engine's output after the engine exits: close() waited for it
    // to end (or blamed the engine for still running after 10 s); a pending call waited as long.
    const left = await createExecutor(`exec:sleep 4 & node ${engine}`);
    expect((await left.execute(block)).receipts).toHaveLength(2);
    await expect(left.close()).rejects.toThrow(/^exec:sleep 4 & node \S+: end every process the engine starts before it exits: it exited with code 0, but a process it left \(in the background: `command &`\) held its output open 1 s later; Concord stopped reading it$/);
    const crashed = await createExecutor(`exec:sleep 4 & ${engineScript('exit-at-once.mjs', 'process.exit(3);').slice('exec:'.length)}`);
    expect(await failure(crashed)).toMatch(/: the engine exited with code 3 before answering its first request \(request 1 pending\); a process it left \(in the background: `command &`\) held its output open 1 s later; Concord stopped reading it$/);
    await crashed.close();
  });

  // Once the shell or the engine exited, what it left in the background was reparented to init,
  // out of reach of the walk down from the engine's pid: `sleep 47` ran on after Concord.
  it('kills what an engine left in the background once it has exited: after close(), after a crash, and when the command ends', async () => {
    const pidFile = (name: string) => join(dir, `${name}.pid`);
    const leftBehind = async (name: string): Promise<string> => {
      const pid = Number(readFileSync(pidFile(name), 'utf8'));
      // Gone, or a zombie no one has reaped yet: not running.
      const state = () => (existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0]! : 'gone');
      for (const t = Date.now(); !['gone', 'Z', 'X'].includes(state()) && Date.now() - t < 2000;) await new Promise((r) => setTimeout(r, 20));
      const left = state();
      if (!['gone', 'Z', 'X'].includes(left)) process.kill(pid, 'SIGKILL');
      return ['gone', 'Z', 'X'].includes(left) ? 'not running' : `running (${left})`;
    };
    const closed = await createExecutor(`exec:sleep 47 & echo $! > ${pidFile('closed')}; node ${engine}`);
    expect((await closed.execute(block)).receipts).toHaveLength(2);
    await expect(closed.close()).rejects.toThrow(/held its output open 1 s later; Concord stopped reading it$/);
    expect(await leftBehind('closed'), 'after close()').toBe('not running');
    // Its output elsewhere, so the exit is seen at once; the engine exits at the second request.
    const crashes = engineScript('crashes-second.mjs', `if (request.id === 2) process.exit(3); ${GOOD}`).slice('exec:'.length);
    const crashed = await createExecutor(`exec:sleep 47 >/dev/null 2>&1 & echo $! > ${pidFile('crashed')}; ${crashes}`);
    expect((await crashed.execute(block)).receipts).toHaveLength(2);
    expect(await failure(crashed)).toMatch(/the engine exited with code 3 with request 2 unanswered/);
    await crashed.close();
    expect(await leftBehind('crashed'), 'after a crash').toBe('not running');
    // Closed before its shell reached the background command, and a process out of the tree at
    // once (a double fork): no walk down from the engine finds either.
    const early = await createExecutor(`exec:sleep 0.3; sleep 47 & echo $! > ${pidFile('early')}; node ${engine}`);
    await expect(early.close()).rejects.toThrow(/held its output open 1 s later; Concord stopped reading it$/);
    expect(await leftBehind('early'), 'closed at once').toBe('not running');
    const daemon = await createExecutor(`exec:sh -c 'sleep 47 >/dev/null 2>&1 & echo $! > ${pidFile('daemon')}'; node ${engine}`);
    expect((await daemon.execute(block)).receipts).toHaveLength(2);
    await daemon.close();
    expect(await leftBehind('daemon'), 'double fork').toBe('not running');
    // An engine of a Concord that is itself an engine (a wrapper over exec:) carries both marks:
    // the outer kill reaches it, though the wrapper's exit hooks never run after a SIGKILL.
    const nested = await createExecutor(`exec:CONCORD_ENGINE="$CONCORD_ENGINE,inner-mark" sh -c 'sleep 47 >/dev/null 2>&1 & echo $! > ${pidFile('nested')}'; node ${engine}`);
    expect((await nested.execute(block)).receipts).toHaveLength(2);
    await nested.close();
    expect(await leftBehind('nested'), 'an engine of an engine').toBe('not running');
    // As that wrapper, Concord puts its own mark after the one it was given.
    process.env.CONCORD_ENGINE = 'outer-mark';
    try {
      const inner = await createExecutor(`exec:echo "$CONCORD_ENGINE" > ${pidFile('marks')}; node ${engine}`);
      await inner.close();
    } finally {
      delete process.env.CONCORD_ENGINE;
    }
    expect(readFileSync(pidFile('marks'), 'utf8')).toMatch(/^outer-mark,\d+-\d+-[0-9a-f]{12}\n$/);
    // A process still below an engine that is stopped, started with an environment without the mark.
    const bad = engineScript('bad-answer.mjs', "return 'not an answer';").slice('exec:'.length);
    const unmarked = await createExecutor(`exec:env -u CONCORD_ENGINE sleep 47 >/dev/null 2>&1 & echo $! > ${pidFile('unmarked')}; ${bad}`);
    expect(await failure(unmarked)).toMatch(/must be a JSON object/);
    await unmarked.close();
    expect(await leftBehind('unmarked'), 'no mark, in the tree').toBe('not running');
    // The same, started from a thread other than the engine's main one: /proc lists it among that
    // thread's children only.
    const fromThread = engineScript('spawns-from-thread.mjs', "return 'not an answer';").slice('exec:'.length).replace(/^node /, '');
    writeFileSync(join(dir, 'thread-spawner.mjs'), `import { Worker } from 'node:worker_threads';
const spawner = \`const { spawn } = require('node:child_process'); const { writeFileSync } = require('node:fs');
const env = { ...process.env }; delete env.CONCORD_ENGINE;
const child = spawn('sleep', ['47'], { env, stdio: 'ignore' });
writeFileSync(${JSON.stringify(pidFile('thread'))}, String(child.pid)); setInterval(() => {}, 1000);\`;
new Worker(spawner, { eval: true });
await new Promise((r) => setTimeout(r, 300));
await import(${JSON.stringify(fromThread)});
`);
    const threaded = await createExecutor(`exec:node ${join(dir, 'thread-spawner.mjs')}`);
    expect(await failure(threaded)).toMatch(/must be a JSON object/);
    await threaded.close();
    expect(await leftBehind('thread'), 'no mark, a thread\'s child').toBe('not running');
    for (const command of ['run', 'verify']) {
      const args = command === 'run' ? ['--workload', 'p2p', '--txs', '20', '--accounts', '100', '--warmup', '0'] : ['--runs', '2'];
      const r = spawnSync(process.execPath, [cli, command, ...args, '--executor', `exec:sleep 47 & echo $! > ${pidFile(command)}; node ${engine}`], { encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr, command).toMatch(/: end every process the engine starts before it exits: it exited with code 0, but a process it left/);
      expect(r.status, command).toBe(1);
      expect(await leftBehind(command), command).toBe('not running');
    }
  });

  // The engine ran on after its input ended and Concord killed it. Once, a process left outside its
  // tree held the output on, and close() said only 'it was killed by SIGKILL, but a process it left ...'.
  // verify and bench close each engine unused once loaded: one still starting (a JVM, `cargo run`
  // building) was killed 10 s on and blamed for ignoring an input it had not read yet.
  it('an engine closed unused while it is still starting is stopped without blame', async () => {
    const slow = await createExecutor(`exec:sleep 30; ${engineScript('slow-start.mjs', GOOD).slice('exec:'.length)}`);
    const started = performance.now();
    await expect(slow.close()).resolves.toBeUndefined();
    expect(performance.now() - started).toBeLessThan(8_000);
  }, 20_000);

  it('an engine killed for running on after its input ended is said to be, and what it left out of its tree holding its output goes with it', async () => {
    const stubborn = await createExecutor(`exec:(sleep 15 &); ${engineScript('runs-on.mjs', GOOD, 'setInterval(() => {}, 1000);').slice('exec:'.length)}`);
    expect((await stubborn.execute(block)).receipts).toHaveLength(2);
    await expect(stubborn.close()).rejects.toThrow(/: the engine was still running 10 s after its input ended, and was killed: exit when standard input ends$/);
  }, 20_000);

  it('an engine declares its name in its answers: one name a process, its runs labelled by it in bench, its command kept in settings', async () => {
    const named = engineScript('named.mjs', `return { ...(() => { ${GOOD} })(), name: 'my-engine' };`);
    const executor = await createExecutor(named);
    try {
      expect(declaredEngineName(executor)).toBeUndefined();
      await executor.execute(block);
      expect([executor.name, declaredEngineName(executor)]).toEqual([named, 'my-engine']);
    } finally {
      await executor.close();
    }
    const fickle = await createExecutor(engineScript('fickle.mjs', `return { ...(() => { ${GOOD} })(), name: 'v' + request.id };`));
    try {
      await fickle.execute(block);
      expect(await failure(fickle)).toMatch(/the answer to request 2 \(a block of 2 transactions\): name is "v2", where an earlier answer declared "v1": declare one name$/);
    } finally {
      await fickle.close().catch(() => {});
    }
    // bench: the engine's runs, start-ups and failures by its name, whatever path reached it; one that
    // declares a registry executor's name keeps its command beside it; one that declares none, its command.
    const source = readFileSync(engine, 'utf8').replace(/from 'concord\//g, `from '${new URL('../', import.meta.url).href}`);
    const naming = (file: string, name: string | null) => {
      const path = join(dir, file);
      writeFileSync(path, name === null ? source : source.replace('keepsPreState: true }', `keepsPreState: true, name: '${name}' }`));
      return `exec:node ${path}`;
    };
    const workloads = [generated('p2p', { accounts: 10, txs: 30, seed: 1, hashCost: 0 }, CUSTOM_GROUP)];
    const executors = [naming('mine.mjs', 'mine'), naming('impostor.mjs', 'block-stm'), naming('anonymous.mjs', null)];
    const labels: [string, string][] = [];
    const result = await sweep({ workloads, executors, baseline: 'sequential', threads: [1], idealThreads: [], rounds: 1, roundMs: 10, minSamples: 1, cores: 1, onEngineLabel: (l, c) => labels.push([l, c]) });
    expect(result.runs.filter((r) => r.role === 'executor').map((r) => r.executor)).toEqual(['mine', `block-stm (${executors[1]})`, executors[2]]);
    expect(result.startup.map((r) => r.executor)).toEqual(['mine', `block-stm (${executors[1]})`, executors[2]]);
    expect(labels).toEqual([['mine', executors[0]], [`block-stm (${executors[1]})`, executors[1]]]);
    // Timed by the executeMs their answers give, named or not: the label is no command, the executor is an engine's.
    expect(result.runs.filter((r) => r.role === 'executor').map((r) => r.timing)).toEqual(['engine', 'engine', 'engine']);
    // A results file keeps the commands in settings.executors, and reads back.
    const doc = { ...sampleResults({ seqMs: 10, execMs: 6, samples: 8 }), ...result, settings: { ...sampleResults({ seqMs: 10, execMs: 6, samples: 8 }).settings, threads: [1], executors, rounds: 1 }, simulated: [] };
    expect(parseResults(JSON.stringify(doc), 'named.json').runs.map((r) => r.executor)).toContain('mine');
  });

  it('bench times an engine by the executeMs its answers give, and a run where one gave none whole', async () => {
    // The example engine over a 30-transaction block, answering executeMs 0.25 always (or never).
    const source = readFileSync(engine, 'utf8');
    const fixed = join(dir, 'fixed-time.mjs');
    writeFileSync(fixed, source.replace(/from 'concord\//g, `from '${new URL('../', import.meta.url).href}`).replace('stats: { ...result.stats, executeMs }', 'stats: { ...result.stats, executeMs: 0.25 }'));
    const untimed = join(dir, 'untimed.mjs');
    writeFileSync(untimed, source.replace(/from 'concord\//g, `from '${new URL('../', import.meta.url).href}`).replace('stats: { ...result.stats, executeMs }', 'stats: result.stats'));
    const workloads = [generated('p2p', { accounts: 10, txs: 30, seed: 1, hashCost: 0 }, CUSTOM_GROUP)];
    const executors = [`exec:node ${fixed}`, `exec:node ${untimed}`];
    const result = await sweep({ workloads, executors, baseline: 'sequential', threads: [1], idealThreads: [], rounds: 2, roundMs: 20, minSamples: 3, cores: 1 });
    const run = (executor: string) => result.runs.find((r) => r.executor === executor)!;
    expect(run(executors[0]!)).toMatchObject({ timing: 'engine', correct: true });
    expect(new Set(run(executors[0]!).samplesMs)).toEqual(new Set([0.25]));
    expect(run(executors[1]!).timing).toBeUndefined();
    expect(run(executors[1]!).samplesMs.some((ms) => ms !== 0.25)).toBe(true);
    expect(run('sequential').timing).toBeUndefined();
    // A results file holds it; the report marks the row, and compare warns against a run timed whole.
    const base = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    const next: ResultsFile = { ...base, runs: base.runs.map((r) => (r.role === 'executor' ? { ...r, timing: 'engine' as const } : r)) };
    const parsed = parseResults(JSON.stringify(next), 'next.json');
    expect(parsed.runs.filter((r) => r.timing === 'engine').length).toBeGreaterThan(0);
    expect(renderMarkdown(merge([{ file: 'next.json', doc: parsed }]), [])).toMatch(/Timed by the engine itself/);
    expect(compare(base, parsed).warnings.join('\n')).toMatch(/^timed differently \(an exec: engine's own time, or each call whole.*\(base whole, new by the engine\)/m);
  });

  it('names an engine\'s block files by the file its command runs, however the command spells the path to it, with a digest of the command', () => {
    const name = (command: string) => basename(executorBlockFile('out', command, 'equivalence-65536'));
    const stem = (command: string) => name(command).replace(/-[0-9a-f]{8}-equivalence-65536\.block\.json$/, '');
    // The basename of the whole command named the second exec_python3_errengine.py.
    expect(stem('exec:python3 ./errengine.py')).toBe('errengine.py');
    expect(stem('exec:python3 errengine.py')).toBe('errengine.py');
    expect(name('exec:python3 errengine.py')).not.toBe(name('exec:python3 ./errengine.py'));
    expect(name('exec:python3 errengine.py')).toBe(name('exec:python3 errengine.py'));
    expect(stem('exec:python3 -u engine.py')).toBe('engine.py');
    expect(stem("exec:python3 '/tmp/my dir/engine.py'")).toBe('engine.py');
    expect(stem('exec:.venv/bin/python engine.py --seed 3')).toBe('engine.py');
    // Options after the file stay out of the name; so does a value that looks like a number.
    expect(stem('exec:./target/release/my-engine --mode parallel')).toBe('my-engine');
    expect(stem('exec:node examples/exec-engine.mjs --fail-on-tx 3 --jitter 0.5')).toBe('exec-engine.mjs');
    expect(stem('exec:./engine 2>/dev/null')).toBe('engine');
    // No word names a file: the command's first word, the program on PATH.
    expect(stem('exec:my-engine --threads 4')).toBe('my-engine');
    expect(stem('exec:cargo run --release -q --bin engine')).toBe('cargo');
  });

  it('names: exec: takes the rest of its --executor, commas and all, and is not a module path', () => {
    expect(executorNames(['block-stm,exec:./engine --sizes 1,2'])).toEqual(['block-stm', 'exec:./engine --sizes 1,2']);
    expect(executorNames(['exec:./e', 'modular'])).toEqual(['exec:./e', 'modular']);
    expect(isModulePath('exec:node ./engine.mjs')).toBe(false);
    expect(errorOf(UnknownExecutorError, () => checkExecutorName('exec:  ')).message).toMatch(/^exec: {2}: no command after "exec:"/);
  });

  it('through the command line: run --check, verify, a broken engine caught and shrunk', () => {
    const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
    const run = concord('run', '--workload', 'defi', '--txs', '300', '--executor', `exec:node ${engine}`, '--check', '--warmup', '0');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^check +the same state root, receipts and reads as the reference$/m);
    const ok = concord('verify', '--executor', `exec:node ${engine}`, '--runs', '100', '--json');
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true });
    const broken = concord('verify', '--executor', `exec:node ${engine} --fail-on-tx 1`, '--runs', '200', '--out', dir);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/^FAIL exec:node \S+ --fail-on-tx 1: equivalence check \(threads 1\), shrunk to 2 transactions/m);
    expect(broken.stdout).toMatch(/^ +actual +reverted\(code 99\)/m);
    expect(broken.stdout).toMatch(/--executor 'exec:node \S+ --fail-on-tx 1'/);
    // A token is pasted from logs: an exec: one starts its command only beside the same --executor, as the printed line gives it.
    expect(broken.stdout).toMatch(/^ +replay +npx concord verify --replay cv8_\S+ --executor 'exec:node \S+ --fail-on-tx 1'( --out \S+)?$/m);
    const marker = join(dir, 'started');
    const command = `exec:touch '${marker}'`;
    const token = `cv1_${Buffer.from(JSON.stringify([command, 'equivalence', 1, 20, 65536, '0'])).toString('base64url')}`;
    for (const given of [[], ['--executor', 'exec:node other.mjs']]) {
      const refused = concord('verify', '--replay', token, ...given);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/^concord verify: --replay: this token replays the engine command 'exec:touch .*', and a token never starts a command by itself: give the same command with --executor/);
      expect(existsSync(marker)).toBe(false);
    }
    concord('verify', '--replay', token, '--executor', command, '--out', dir);
    expect(existsSync(marker)).toBe(true);
    // concord request: a written failing block as the line the engine reads, and the reference's answer to compare with.
    const request = concord('request', '--workload', 'token', '--txs', '40', '--threads', '2');
    expect(request.status, request.stderr).toBe(0);
    expect(JSON.parse(request.stdout)).toMatchObject({ format: 'concord-exec/1', id: 1, threads: 2, block: { txs: expect.any(Array) } });
    const answered = spawnSync(process.execPath, [engine], { input: request.stdout, encoding: 'utf8' });
    const expected = concord('request', '--workload', 'token', '--txs', '40', '--answer');
    const [got, want] = [JSON.parse(answered.stdout), JSON.parse(expected.stdout)] as { writes: [number, number][]; receipts: unknown[]; reads: unknown[] }[];
    expect(got!.receipts).toHaveLength(40);
    expect([got!.receipts, got!.reads, [...got!.writes].sort((x, y) => x[0] - y[0])]).toEqual([want!.receipts, want!.reads, [...want!.writes].sort((x, y) => x[0] - y[0])]);
    const both = concord('request', 'block.json', '--workload', 'p2p');
    expect([both.status, both.stderr]).toEqual([2, 'concord request: give a block file or --workload, not both: the file sets its own transactions, accounts and hash costs\n']);
    const empty = concord('run', '--executor', 'exec:');
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/^concord run: exec:: no command after "exec:"/);
  });

  it('concord request prints, byte for byte, the request an engine given --threads, --modules and --partition was sent, and verify\'s failure names those', () => {
    const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
    const dumping = new URL('./fixtures/exec/dump-requests.mjs', import.meta.url).pathname;
    const made = ['--modules', '4', '--partition', 'hash'];
    const sentByRun = join(dir, 'run-requests.jsonl');
    const run = concord('run', '--workload', 'p2p', '--txs', '5', '--executor', `exec:node ${dumping} ${sentByRun}`, '--threads', '2', ...made, '--warmup', '0', '--check');
    expect(run.status, run.stderr).toBe(0);
    const first = readFileSync(sentByRun, 'utf8').split('\n')[0]!;
    expect(JSON.parse(first)).toMatchObject({ id: 1, threads: 2, settings: { modules: 4, partition: 'hash' } });
    const printed = concord('request', '--workload', 'p2p', '--txs', '5', '--threads', '2', ...made);
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(`${first}\n`);

    // The fixture answers wrongly under partition range alone: the failure's request line must carry it to reproduce.
    const sentByVerify = join(dir, 'verify-requests.jsonl');
    const out = join(dir, 'request-verify-out');
    const broken = concord('verify', '--executor', `exec:node ${dumping} ${sentByVerify}`, '--modules', '4', '--partition', 'range', '--runs', '20', '--out', out, '--json');
    expect(broken.status, broken.stderr).toBe(1);
    const [failed] = (JSON.parse(broken.stdout) as { failures: (FailureReport & { request?: string })[] }).failures;
    expect(failed!.request).toBe(`npx concord request ${failed!.blockFile!} --threads ${failed!.threads!} --modules 4 --partition range`);
    expect(formatFailure(failed!)).toContain(`  request      ${failed!.request!}  (the request line the engine was sent, to run it outside Concord: docs/exec-protocol.md)`);
    const replayed = concord(...failed!.request!.split(' ').slice(2));
    expect(replayed.status, replayed.stderr).toBe(0);
    // The engine answered other blocks first, so its request had another id; the rest is the same bytes.
    const withoutId = (line: string) => line.replace(/^\{"format":"concord-exec\/1","id":\d+,/, '');
    expect(readFileSync(sentByVerify, 'utf8').split('\n').map(withoutId)).toContain(withoutId(replayed.stdout.trimEnd()));

    for (const [given, message] of [
      [['--modules', '0'], '--modules expects an integer from 1 to 4,096, got "0"'],
      [['--partition', 'hash,range'], '--partition hash,range: one partition, not a list (bench alone takes several, measuring each in one run)'],
    ] as const) {
      const refused = concord('request', '--txs', '2', ...given);
      expect([refused.status, refused.stderr]).toEqual([2, `concord request: ${message}\n`]);
    }
  });

  it('verify shows an engine\'s traceback below the failure\'s error line, and --json keeps it in the failure\'s error', () => {
    const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
    const crashing = engineScript('crashes.mjs', `process.stderr.write('Traceback (most recent call last):\\n  File "engine.py", line 3, in run\\nValueError: opcode 21\\n', () => process.exit(1));`);
    const r = concord('verify', '--executor', crashing, '--runs', '5', '--out', join(dir, 'crashes-out'), '--json');
    expect(r.status, r.stderr).toBe(1);
    const [failed] = (JSON.parse(r.stdout) as { failures: FailureReport[] }).failures;
    expect(failed!.error).toMatch(/; the end of its standard error follows:\nTraceback \(most recent call last\):\n {2}File "engine\.py", line 3, in run\nValueError: opcode 21$/);
    // The text report, made of that same failure: the lines under the error's, at its column.
    expect(formatFailure(failed!).join('\n')).toMatch(
      /^ {2}error {8}the executor threw: ExecEngineError: exec:node \S+: the engine exited with code 1 before answering its first request \(request 1 pending\); the end of its standard error follows:\n {15}Traceback \(most recent call last\):\n {17}File "engine\.py", line 3, in run\n {15}ValueError: opcode 21\n {2}block /m);
  });

  it('bench prints what an engine wrote on several lines under its failed run\'s line, indented, as run does', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 5, samples: 5 });
    doc.failures.push({ executor: 'exec:python3 engine.py', threads: 2, workload: 'token-a100-t1000-s1-h3',
      message: 'exec:python3 engine.py: the engine exited with code 1 with request 4 unanswered; the end of its standard error follows:\nTraceback (most recent call last):\n  File "engine.py", line 3\nValueError: boom' });
    expect(badRunLines('bench', doc)).toContain('bench: exec:python3 engine.py at 2 threads on token 100 acc × 1000 tx failed: exec:python3 engine.py: the engine exited with code 1 '
      + 'with request 4 unanswered; the end of its standard error follows:\n    Traceback (most recent call last):\n      File "engine.py", line 3\n    ValueError: boom');
  });

  it('verify names an engine\'s files by the file it runs however the command spells its path, and its replay finds the earlier-blocks file by that name', () => {
    // Keeps every key it saw and lays them under the next block's pre-state: it fails only after earlier blocks.
    const folder = join(dir, 'leaky');
    mkdirSync(folder);
    writeFileSync(join(folder, 'leaky-engine.mjs'), `import { createInterface } from 'node:readline';
import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
const table = new Map();
for await (const line of createInterface({ input: process.stdin })) {
  const { id, block: b } = JSON.parse(line);
  const pre = new Map(b.preState);
  const r = executeReference({ programs: b.programs.map((p) => ({ ...p, code: Float64Array.from(p.code) })), txs: b.txs, preState: new Map([...table, ...pre]), gasLimit: b.gasLimit });
  for (const [k, v] of r.state) table.set(k, v);
  const writes = [...r.state].filter(([k, v]) => pre.get(k) !== v);
  for (const k of pre.keys()) if (!r.state.has(k)) writes.push([k, 0]);
  process.stdout.write(JSON.stringify({ id, writes, receipts: r.receipts, reads: r.reads, stats: r.stats }) + '\\n');
}
`);
    const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: folder, encoding: 'utf8', timeout: 120_000 });
    // No slash in the command: the basename of the whole command named these exec_node_leaky-engine.mjs-...
    const executor = 'exec:node leaky-engine.mjs';
    const r = concord('verify', '--executor', executor, '--runs', '100', '--out', 'out', '--json');
    expect(r.status, r.stderr).toBe(1);
    const [f] = (JSON.parse(r.stdout) as { failures: { failsOnly: string; blockFile: string; earlierFile: string; earlier: { blockFile: string }[]; token: string }[] }).failures;
    expect(f!.failsOnly).toBe('after earlier blocks');
    const stem = /^out\/(leaky-engine\.mjs-[0-9a-f]{8})-equivalence-\d+\.block\.json$/.exec(f!.blockFile)?.[1];
    expect(stem, f!.blockFile).toBeDefined();
    expect(f!.earlierFile).toBe(f!.blockFile.replace(/\.block\.json$/, '.earlier.json'));
    for (const e of f!.earlier) expect(e.blockFile).toMatch(new RegExp(`^out/${stem}-equivalence-\\d+-before-\\d+\\.block\\.json$`));
    for (const file of [f!.blockFile, f!.earlierFile, ...f!.earlier.map((e) => e.blockFile)]) expect(existsSync(join(folder, file)), file).toBe(true);
    // The replay passes alone, and names the earlier-blocks file it finds under the same name.
    const again = concord('verify', '--replay', f!.token, '--executor', executor, '--out', 'out');
    expect(again.status).toBe(1);
    expect(again.stdout).toContain(`which runs the blocks it needs first (--after ${f!.earlierFile})`);
  });
});
