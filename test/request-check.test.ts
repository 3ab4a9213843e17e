// `concord request BLOCK --check ANSWER` (cli/check-answer.ts), run as a user runs it
// (dist/cli/concord.js): the answer of a correct engine (examples/exec-engine.mjs) passes from a
// file and from standard input; a wrong write is explained as verify explains it (tx, key,
// expected, actual), in text and in --json; a malformed answer, one with the wrong id, an error
// answer, a line after the answer and an empty file are refused naming the file and line, with the
// words `run` gives the same line from a live engine; the command's own input errors are exit 2.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { overlongLine } from '../cli/check-answer.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const engine = new URL('../examples/exec-engine.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'concord-request-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const concord = (args: string[], input?: string) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, ...(input === undefined ? {} : { input }) });

const block = join(dir, 'block.json');
const made = concord(['gen', '--workload', 'token', '--txs', '30', '-o', block]);
// The request as the docs' workflow makes it, with settings an engine may be given: they change no answer.
const settings = ['--threads', '2', '--modules', '4', '--partition', 'hash'];
const request = concord(['request', block, ...settings]).stdout;
const answered = spawnSync(process.execPath, [engine], { input: request, encoding: 'utf8' });
const good = answered.stdout;

interface Answer { id: unknown; writes: [number, number][]; receipts: Record<string, unknown>[]; [field: string]: unknown }

/** A file holding `text`, named `name`. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The engine's answer changed by `change`, as one line. */
function changed(change: (a: Answer) => void): string {
  const a = JSON.parse(good) as Answer;
  change(a);
  return `${JSON.stringify(a)}\n`;
}

describe('concord request --check', () => {
  it('passes a correct engine\'s answer, from a file and from standard input, with the request\'s settings or without', () => {
    expect(made.status, made.stderr).toBe(0);
    expect(answered.status, answered.stderr).toBe(0);
    const answer = file('got.jsonl', good);
    for (const args of [[block, ...settings, '--check', answer], [block, '--check', answer]]) {
      const r = concord(['request', ...args]);
      expect([r.status, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toBe(`the same state root, receipts and reads as the reference: ${answer}, the answer to request 1 (a block of 30 transactions) for ${block}\n`);
    }
    const piped = concord(['request', block, '--check', '-'], good);
    expect([piped.status, piped.stdout]).toEqual([0, `the same state root, receipts and reads as the reference: stdin, the answer to request 1 (a block of 30 transactions) for ${block}\n`]);
    const json = concord(['request', block, '--check', answer, '--json']);
    expect(json.status).toBe(0);
    expect(json.stdout).toBe(`${JSON.stringify({ ok: true, same: true, block, answer, request: 1 })}\n`);
  });

  it('explains a wrong write as verify does: the transaction, the key, expected and actual', () => {
    let key = 0;
    let value = 0;
    const wrong = file('wrong.jsonl', changed((a) => {
      [key, value] = a.writes[0]!;
      a.writes[0] = [key, value + 1];
    }));
    const r = concord(['request', block, '--check', wrong]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^DIFFERS from the reference: ${wrong}, the answer to request 1 \\(a block of 30 transactions\\) for ${block}; the first difference:\n  anomaly      wrong final value`));
    expect(r.stdout).toMatch(new RegExp(`^  transaction  tx \\d+, key \\S+ \\(${key}\\)$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^  expected     ${value}  \\(from tx \\d+\\)$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^  actual       ${value + 1}$`, 'm'));
    const json = concord(['request', block, '--check', wrong, '--json']);
    expect(json.status).toBe(1);
    const verdict = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(verdict)[0]).toBe('ok');
    expect(verdict).toMatchObject({ ok: false, same: false, answer: wrong, request: 1, difference: { anomaly: 'wrong final value', key, expected: String(value), actual: String(value + 1) } });
  });

  it('refuses a line that is no answer with the file, the line and the words run gives it live', () => {
    const cases: [string, string, number][] = [
      ['id.jsonl', changed((a) => { a.id = 2; }), 1],
      ['field.jsonl', changed((a) => { a.receipts[1]!.logs = []; }), 1],
      ['log.jsonl', `engine starting\n${good}`, 1],
    ];
    for (const [name, text, line] of cases) {
      const path = file(name, text);
      const r = concord(['request', block, '--check', path]);
      expect([r.status, r.stdout], name).toEqual([1, '']);
      const said = new RegExp(`^concord request: ${path} line ${line}: (the answer to request 1 \\(a block of 30 transactions\\)[ :].*)\n$`).exec(r.stderr);
      expect(said, r.stderr).not.toBeNull();
      // The same line from an engine run live fails run with the same words.
      const live = concord(['run', block, '--executor', `exec:sh -c 'read -r request; cat ${path}; cat > /dev/null'`, '--warmup', '0', '--check']);
      expect(live.status, name).toBe(1);
      expect(live.stderr).toContain(said![1]);
    }
    expect(concord(['request', block, '--check', file('id.jsonl', changed((a) => { a.id = 2; }))]).stderr).toMatch(/line 1: the answer to request 1 \(a block of 30 transactions\) has id 2: answer each request in order, with its id\n$/);
    const json = concord(['request', block, '--check', join(dir, 'field.jsonl'), '--json']);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ ok: false, block, answer: join(dir, 'field.jsonl'), request: 1, line: 1, error: expect.stringMatching(/line 1: .*receipts\[1\] has an unknown field "logs"/) });
  });

  it('refuses an error answer, a line after the answer and no answer at all (exit 1), and its own bad input (exit 2)', () => {
    const error = file('error.jsonl', '{"id":1,"error":"opcode 21 is not supported yet"}\n');
    expect(concord(['request', block, '--check', error]).stderr).toBe(`concord request: ${error} line 1: the engine could not execute request 1: opcode 21 is not supported yet\n`);
    const two = concord(['request', block, '--check', file('two.jsonl', `${good}done\n`)]);
    expect([two.status, two.stderr]).toEqual([1, `concord request: ${join(dir, 'two.jsonl')} line 2: a line after the answer to request 1 (a block of 30 transactions), the one request (answers only, one a request; write logs to standard error): "done"\n`]);
    const none = concord(['request', block, '--check', '-'], '');
    expect([none.status, none.stderr]).toEqual([1, 'concord request: stdin: no answer: standard input is empty, where the answer to request 1 (a block of 30 transactions) was expected (one JSON line)\n']);
    for (const [args, message] of [
      [[block, '--check', join(dir, 'missing.jsonl')], `${join(dir, 'missing.jsonl')}: cannot read: no such file or folder (ENOENT)`],
      [['-', '--check', '-'], 'the block and --check cannot both read standard input (-): give one of them as a file'],
      [[block, '--answer', '--check', error], 'give --answer or --check, not both: --answer prints the reference\'s answer, --check judges your engine\'s'],
      [[block, '--json'], '--json goes with --check (its verdict as one object): the request and --answer\'s line are JSON already'],
    ] as const) {
      const r = concord(['request', ...args], readFileSync(block, 'utf8'));
      expect([r.status, r.stderr]).toEqual([2, `concord request: ${message}\n`]);
    }
  });

  it('finds a line longer than a live engine may write before reading it as a string, whatever ends the lines', () => {
    const at = (text: string) => overlongLine(Buffer.from(text), 4);
    expect([at(''), at('abcd'), at('abcd\n'), at('ab\r\ncd\rabcd\n\n')]).toEqual([undefined, undefined, undefined, undefined]);
    expect([at('abcde'), at('ab\nabcde\n'), at('ab\r\nab\rabcde'), at('\n\n\nabcdef\r\n')]).toEqual([1, 2, 3, 4]);
  });
});
