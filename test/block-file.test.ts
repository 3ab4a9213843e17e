import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlockFileError, parseBlock } from '../spec/block-file.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const head = '"format": "concord-block/1"';
const tx = (t: string) => `{ ${head}, "transactions": [ {"call":"p2p","args":{"from":"a","to":"b","amount":1,"seq":0}}, ${t} ] }`;

// Each case: the file's text, then what the error must name (where) and say (problem).
const cases: [string, string, RegExp, RegExp][] = [
  ['bad JSON', '{ "format": ', /JSON/, /JSON|Unexpected|end/i],
  ['not an object', '[1,2]', /top level/, /expected an object/],
  ['wrong format', '{ "format": "x", "transactions": [] }', /field format/, /concord-block\/1/],
  ['unknown top-level field', `{ ${head}, "transactions": [], "gaslimit": 5 }`, /field gaslimit/, /unknown field/],
  ['missing transactions', `{ ${head} }`, /field transactions/, /expected an array/],
  ['unknown op', tx('{"ops": [["const","r0",1],["fly","r0"]]}'), /transaction 1: field ops\[1\] op/, /unknown opcode "fly"/],
  ['jump out of range', tx('{"ops": [["jump", 9]]}'), /transaction 1: field ops\[0\] operand 0/, /outside the program/],
  ['bad register', tx('{"ops": [["mov","r0","x9"]]}'), /transaction 1: field ops\[0\] operand 1/, /expected a register/],
  ['value out of range', tx('{"ops": [["const","r0",9007199254740992]]}'), /transaction 1: field ops\[0\] operand 1/, /value range/],
  ['key out of range', `{ ${head}, "preState": {"4294967296": 1}, "transactions": [] }`, /field preState.4294967296/, /outside \[0, 2\^32\)/],
  ['unknown key field', `{ ${head}, "preState": {"alice.wealth": 1}, "transactions": [] }`, /field preState.alice.wealth/, /unknown field "wealth"/],
  ['pre-state value wrong type', `{ ${head}, "preState": {"alice.balance": "lots"}, "transactions": [] }`, /field preState.alice.balance/, /expected an integer/],
  ['unknown contract', tx('{"call": "launder", "args": {}}'), /transaction 1: field call/, /unknown contract "launder"/],
  ['contract call missing argument', tx('{"call": "p2p", "args": {"from":"a","to":"b","amount":1}}'), /transaction 1: field args.seq/, /expected an integer/],
  ['contract call unknown argument', tx('{"call": "token", "args": {"from":"a","to":"b","amount":1,"memo":3}}'), /transaction 1: field args.memo/, /no argument memo/],
  ['contract call wrong type', tx('{"call": "token", "args": {"from":"a","to":"b","amount":1.5}}'), /transaction 1: field args.amount/, /expected an integer/],
  ['negative gas limit', tx('{"call": "token", "args": {"from":"a","to":"b","amount":1}, "gasLimit": -1}'), /transaction 1: field gasLimit/, /integer >= 0/],
  ['two forms', tx('{"call": "token", "ops": []}'), /transaction 1/, /exactly one of/],
  ['unknown program', tx('{"program": "nope"}'), /transaction 1: field program/, /unknown program/],
  ['transaction not an object', tx('7'), /transaction 1/, /expected an object/],
];

describe('block file errors', () => {
  it.each(cases)('%s', (_label, text, where, problem) => {
    let err: unknown;
    try {
      parseBlock(text, 'bad.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BlockFileError);
    const e = err as BlockFileError;
    expect(e.file).toBe('bad.json');
    expect(e.where).toMatch(where);
    expect(e.problem).toMatch(problem);
  });

  it('the CLI names file, transaction and field, exits 2, prints no stack and no partial output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-'));
    for (const [label, text, where] of cases) {
      const file = join(dir, `${label.replace(/\W+/g, '-')}.json`);
      writeFileSync(file, text);
      const r = spawnSync(process.execPath, [cli, 'run', file, '--json'], { encoding: 'utf8' });
      expect(r.status, label).toBe(2);
      expect(r.stdout, label).toBe('');
      expect(r.stderr, label).toContain(file);
      expect(r.stderr, label).toMatch(where);
      expect(r.stderr, label).not.toMatch(/\n\s+at /);
    }
  });

  it('the CLI rejects a missing file, an unknown executor and bad parameters with exit 2', () => {
    for (const args of [['run', '/nonexistent/block.json'], ['run', '--executor', 'nope'], ['run', '--txs', '-3'], ['run', '--warmup', '-5'], ['run', '--warmup', '0.5'], ['gen', '--workload', 'nope'], ['run', 'x.json', '--workload', 'p2p']]) {
      const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^concord (run|gen): /);
      expect(r.stdout).toBe('');
    }
  });

  it('gen writes a file that run executes to the same roots', () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-'));
    const file = join(dir, 'b.json');
    execFileSync(process.execPath, [cli, 'gen', '--workload', 'defi', '--accounts', '30', '--txs', '200', '--seed', '4', '-o', file], { stdio: 'pipe' });
    const fromFile = JSON.parse(execFileSync(process.execPath, [cli, 'run', file, '--json'], { encoding: 'utf8' }));
    const direct = JSON.parse(execFileSync(process.execPath, [cli, 'run', '--workload', 'defi', '--accounts', '30', '--txs', '200', '--seed', '4', '--json', '--executor', 'reference'], { encoding: 'utf8' }));
    expect(fromFile.stateRoot).toBe(direct.stateRoot);
    expect(fromFile.receiptsRoot).toBe(direct.receiptsRoot);
    for (const k of ['stateRoot', 'receiptsRoot', 'txs', 'gasUsed', 'medianMs', 'executor', 'threads', 'warmupRuns']) expect(fromFile).toHaveProperty(k);
  });

  it('run times the block after untimed warm-up runs, or cold with --warmup 0, and says which', () => {
    const run = (...extra: string[]) => execFileSync(process.execPath, [cli, 'run', '--workload', 'p2p', '--accounts', '20', '--txs', '50', ...extra], { encoding: 'utf8' });
    const warm = JSON.parse(run('--warmup', '150', '--repeat', '3', '--json'));
    expect(warm.warmupRuns).toBeGreaterThan(1);
    expect(warm.repeat).toBe(3);
    expect(JSON.parse(run('--warmup', '0', '--json')).warmupRuns).toBe(0);
    expect(run('--warmup', '0')).toMatch(/median time +[\d.]+ ms over 1 run, cold \(/);
    expect(run('--warmup', '150')).toMatch(/median time +[\d.]+ ms over 1 run after \d+ warm-up runs \(/);
  });
});
