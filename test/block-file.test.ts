import { execFileSync, spawnSync } from 'node:child_process';
import { constants } from 'node:buffer';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlockFileError, MAX_TX_GAS_LIMIT, blockFromJson, parseBlock, writeBlock } from '../spec/block-file.js';
import { blockProblem } from '../spec/block-check.js';
import { describeValue, jsonSyntaxProblem } from '../spec/messages.js';
import { MAX_HASH_ITERATIONS } from '../spec/bytecode.js';
import { executeReference } from '../spec/reference.js';
import { errorOf } from './helpers.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const head = '"format": "concord-block/1"';
const p2p = '{"call":"p2p","args":{"from":"a","to":"b","amount":1,"seq":0}}';
const tx = (t: string) => `{ ${head}, "transactions": [ ${p2p}, ${t} ] }`;
/** A block with program p of the given arity and footprint, called by transaction 1 with `args`. */
const prog = (arity: number, args: string, footprint = '[]') =>
  `{ ${head}, "programs": {"p": {"arity": ${arity}, "ops": [["stop"]], "footprint": ${footprint}}}, "transactions": [ ${p2p}, {"program":"p","args":${args}} ] }`;

// Each case: the file's text, then what the error must name (where) and say (problem).
const cases: [string, string, RegExp, RegExp][] = [
  ['bad JSON', '{ "format": ', /JSON/, /JSON|Unexpected|end/i],
  ['not an object', '[1,2]', /top level/, /expected an object/],
  ['wrong format', '{ "format": "x", "transactions": [] }', /field format/, /concord-block\/1/],
  ['unknown top-level field', `{ ${head}, "transactions": [], "gaslimit": 5 }`, /field gaslimit/, /unknown field/],
  // The numbers were read before the top level: a results file, or an unknown field holding a
  // fraction, was told "expected an integer in the value range" of the first fraction.
  ['a results file', '{ "machine": { "cpuMhz": 2596.138 }, "format": "concord-results/1", "runs": [] }', /^field format$/, /^expected "concord-block\/1", got "concord-results\/1"$/],
  ['no format, and a fraction', '{ "speedup": 1.5 }', /^field format$/, /^expected "concord-block\/1", got /],
  ['an unknown top-level field holding a fraction', `{ ${head}, "transactions": [], "speedup": 1.5 }`, /^field speedup$/, /^unknown field \(known: /],
  ['an unknown top-level field holding a number JSON.parse rounds', `{ ${head}, "transactions": [], "big": 1e400 }`, /^field big$/, /^unknown field/],
  ['missing transactions', `{ ${head} }`, /field transactions/, /expected an array/],
  ['unknown op', tx('{"ops": [["const","r0",1],["fly","r0"]]}'), /transaction 1: field ops\[1\] op/, /unknown opcode "fly"/],
  ['unknown op after a label', tx('{"ops": [["label","a"],["const","r0",1],["fly","r0"]]}'), /transaction 1: field ops\[2\] op/, /unknown opcode "fly"/],
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
  ['negative gas limit', tx('{"call": "token", "args": {"from":"a","to":"b","amount":1}, "gasLimit": -1}'), /transaction 1: field gasLimit/, /integer from 0 to 100,000,000, got -1/],
  ['gas limit above the cap', tx('{"ops": [["label","spin"],["jump","spin"]], "gasLimit": 9007199254740991}'), /transaction 1: field gasLimit/, /integer from 0 to 100,000,000, got 9007199254740991/],
  ['block hashCost above the hash limit', `{ ${head}, "hashCost": 1e9, "transactions": [ ${p2p} ] }`, /field hashCost/, /integer from 0 to 1,000,000, got 1000000000/],
  ['call hashCost above the hash limit', tx('{"call": "token", "args": {"from":"a","to":"b","amount":1}, "hashCost": 1e9}'), /transaction 1: field hashCost/, /integer from 0 to 1,000,000, got 1000000000/],
  ['negative hashCost', tx('{"call": "token", "args": {"from":"a","to":"b","amount":1}, "hashCost": -1}'), /transaction 1: field hashCost/, /integer from 0 to 1,000,000, got -1/],
  ['fractional hashCost', `{ ${head}, "hashCost": 2.5, "transactions": [] }`, /field hashCost/, /got 2.5/],
  ['hashCost on inline ops', tx('{"ops": [["stop"]], "hashCost": 5}'), /transaction 1: field hashCost/, /only a "call" takes hashCost/],
  ['hashCost on a named program', prog(1, '[]').replace('"program":"p"', '"program":"p","hashCost":5'), /transaction 1: field hashCost/, /only a "call" takes hashCost/],
  ['footprint on a named program call', prog(1, '[]').replace('"program":"p"', '"program":"p","footprint":"garbage"'), /transaction 1: field footprint/, /declares its footprint in "programs"/],
  ['footprint on a contract call', tx('{"call": "token", "args": {"from":"a","to":"b","amount":1}, "footprint": []}'), /transaction 1: field footprint/, /library contract declares its own footprint/],
  ['more arguments than the arity', prog(2, '[1, 2, 3]'), /transaction 1: field args/, /^program p takes 2 arguments, got 3$/],
  ['arguments to a program of arity 0', prog(0, '[1]'), /transaction 1: field args/, /^program p takes no arguments, got 1$/],
  ['footprint arg at the arity', prog(2, '[]', '[{"key":{"arg":2,"add":0},"access":"read"}]'), /field programs.p.footprint\[0\].key.arg/, /from 0 to 1 \(the program's arity is 2\), got 2/],
  ['footprint arg with arity 0', prog(0, '[]', '[{"key":{"arg":0,"add":0},"access":"read"}]'), /field programs.p.footprint\[0\].key.arg/, /takes none \("arity": 0\); declare its "arity"/],
  ['footprint lo above hi', prog(1, '[]', '[{"key":{"arg":0,"add":0},"access":"delta","lo":5,"hi":1}]'), /field programs.p.footprint\[0\].lo/, /lo 5 above hi 1/],
  ['footprint bounds on a read', prog(1, '[]', '[{"key":{"arg":0,"add":0},"access":"read","lo":0}]'), /field programs.p.footprint\[0\].lo/, /only a delta entry has bounds/],
  ['footprint bound not a value', prog(1, '[]', '[{"key":{"arg":0,"add":0},"access":"delta","hi":"max"}]'), /field programs.p.footprint\[0\].hi/, /expected an integer/],
  ['fixed footprint key below 0', prog(1, '[]', '[{"key":{"add":-5},"access":"read"}]'), /field programs.p.footprint\[0\].key.add/, /-5 is no key: keys are integers in \[0, 2\^32\)/],
  ['fixed footprint key at 2^32', prog(1, '[]', '[{"key":{"add":4294967296},"access":"write"}]'), /field programs.p.footprint\[0\].key.add/, /4294967296 is no key/],
  ['unknown footprint entry field', prog(1, '[]', '[{"key":{"arg":0,"add":0},"access":"read","acess":"write"}]'), /field programs.p.footprint\[0\].acess/, /unknown field/],
  ['unknown footprint key field', prog(1, '[]', '[{"key":{"arg":0,"add":0,"mull":2},"access":"read"}]'), /field programs.p.footprint\[0\].key.mull/, /unknown field/],
  ['inline footprint on a missing argument register', tx('{"ops": [["stop"]], "footprint": [{"key":{"arg":16,"add":0},"access":"read"}]}'), /transaction 1: field footprint\[0\].key.arg/, /from 0 to 15/],
  ['delta instruction lo above hi', tx('{"ops": [["label","top"],["const","r0",1],["delta","r0","r0",10,0]]}'), /transaction 1: field ops\[2\] operand 2/, /lo 10 above hi 0/],
  ['fractional pre-state key', `{ ${head}, "preState": {"1.5": 1}, "transactions": [] }`, /field preState.1.5/, /expected a key number .* or "entity.field", got "1.5"/],
  ['negative pre-state key', `{ ${head}, "preState": {"-1": 1}, "transactions": [] }`, /field preState.-1/, /expected a key number/],
  ['negative entity index', `{ ${head}, "preState": {"#-1.balance": 1}, "transactions": [] }`, /field preState.#-1.balance/, /^entity index "#-1" must be # and an integer from 0 to \d+$/],
  ['entity index not a number', `{ ${head}, "preState": {"#abc.balance": 1}, "transactions": [] }`, /field preState.#abc.balance/, /^entity index "#abc" must be # and an integer/],
  ['key with two dots', `{ ${head}, "preState": {"alice.balance.x": 1}, "transactions": [] }`, /field preState.alice.balance.x/, /^expected a key "entity.field" \(one dot\) or a key number, got "alice.balance.x"$/],
  ['two forms', tx('{"call": "token", "ops": []}'), /transaction 1/, /exactly one of/],
  ['unknown program', tx('{"program": "nope"}'), /transaction 1: field program/, /unknown program/],
  ['transaction not an object', tx('7'), /transaction 1/, /expected an object/],
  // Names Object.prototype has are no fields, programs or names: `in` found them and made garbage keys.
  ['inherited name as a pre-state key field', `{ ${head}, "preState": {"alice.constructor": 1}, "transactions": [] }`, /field preState.alice.constructor/, /^unknown field "constructor"/],
  ['__proto__ as a pre-state key field', `{ ${head}, "preState": {"alice.__proto__": 1}, "transactions": [] }`, /field preState.alice.__proto__/, /^unknown field "__proto__"/],
  ['inherited name as a key in program arguments', prog(1, '["bob.valueOf"]'), /transaction 1: field args\[0\]/, /^unknown field "valueOf"/],
  ['inherited name as a key immediate', tx('{"ops": [["const","r0","x.hasOwnProperty"]]}'), /transaction 1: field ops\[0\] operand 1/, /^unknown name "x.hasOwnProperty"$/],
  ['inherited name as a program', tx('{"program": "toString"}'), /transaction 1: field program/, /unknown program "toString"/],
  ['an array as an operand', tx('{"ops": [["mov","r0",["r1"]]]}'), /transaction 1: field ops\[0\] operand 1/, /^expected a register .*, got \["r1"\]$/],
  // JSON.parse keeps the last of a repeated key, so each would otherwise run with one of two values.
  ['key given twice at the top level', `{ ${head}, "transactions": [], "transactions": [ ${p2p} ] }`, /field transactions/, /^line 1, column 52: key "transactions" given twice \(first at line 1, column 32\)$/],
  ['key given twice in a transaction', tx('{"call":"p2p","call":"token","args":{"from":"a","to":"b","amount":1}}'), /transaction 1: field call/, /^line 1, column \d+: key "call" given twice \(first at line 1, column \d+\)$/],
  ['key given twice in args', tx('{"call":"token","args":{"from":"a","to":"b","amount":1,"amount":5}}'), /transaction 1: field args.amount/, /key "amount" given twice/],
  ['one pre-state key in two spellings', `{ ${head}, "preState": {"7": 5, "007": 6}, "transactions": [] }`, /field preState.007/, /^key 7 given twice: also as preState.7$/],
  ['key given twice in the pre-state', `{ ${head}, "preState": {"a.balance": 5, "a.balance": 7}, "transactions": [] }`, /field preState.a.balance/, /key "a.balance" given twice/],
  ['program given twice', `{ ${head}, "programs": {"p": {"ops": [["stop"]]}, "p": {"ops": [["fly"]]}}, "transactions": [] }`, /field programs.p/, /key "p" given twice/],
  ['key given twice in a footprint entry', prog(1, '[]', '[{"key":{"add":0,"add":1},"access":"read"}]'), /field programs.p.footprint\[0\].key.add/, /key "add" given twice/],
  ['key given twice, once spelled with an escape', tx('{"call":"token","args":{"from":"a","to":"b","amount":1,"\\u0061mount":5}}'), /transaction 1: field args.amount/, /key "amount" given twice/],
  // JSON.parse rounds what a double cannot hold: the error quotes the file's number, not the rounded one.
  ['integer past 2^53', tx('{"call":"token","args":{"from":"a","to":"b","amount":9007199254740993}}'), /transaction 1: field args.amount/, /^line 1, column \d+: expected an integer in the value range \[-\(2\^53 - 1\), 2\^53 - 1\] \(every number in a block file is one\), got 9007199254740993$/],
  ['block gas limit past 2^53', `{ ${head}, "gasLimit": 9007199254740993, "transactions": [] }`, /field gasLimit/, /got 9007199254740993$/],
  ['number past the largest double', tx('{"call":"token","args":{"from":"a","to":"b","amount":1e400}}'), /transaction 1: field args.amount/, /got 1e400$/],
  ['fraction JSON.parse rounds to an integer', tx('{"call":"token","args":{"from":"a","to":"b","amount":1.0000000000000001}}'), /transaction 1: field args.amount/, /got 1.0000000000000001$/],
  ['fraction JSON.parse rounds to 0', `{ ${head}, "preState": {"a.balance": 1e-400}, "transactions": [] }`, /field preState.a.balance/, /got 1e-400$/],
  ['operand past 2^53', tx('{"ops": [["const","r0",-9007199254740993]]}'), /transaction 1: field ops\[0\] operand 1/, /got -9007199254740993$/],
  ['program operand past 2^53', `{ ${head}, "programs": {"p": {"ops": [["jump",18446744073709551616]]}}, "transactions": [] }`, /field programs.p.ops\[0\] operand 0/, /got 18446744073709551616$/],
  // JSON.parse keeps the sign of a negative zero, which every range check passes and writeBlock drops.
  ['negative zero sequence number', tx('{"call":"p2p","args":{"from":"a","to":"b","amount":1,"seq":-0}}'), /transaction 1: field args.seq/, /^line 1, column \d+: got -0, a negative zero; write zero as 0$/],
  ['negative zero amount with a fraction', tx('{"call":"token","args":{"from":"a","to":"b","amount":-0.0}}'), /transaction 1: field args.amount/, /got -0\.0, a negative zero/],
  ['negative zero pre-state value with an exponent', `{ ${head}, "preState": {"a.balance": -0e5}, "transactions": [] }`, /field preState.a.balance/, /got -0e5, a negative zero/],
  ['negative zero operand', tx('{"ops": [["const","r0",-0E-3]]}'), /transaction 1: field ops\[0\] operand 1/, /got -0E-3, a negative zero/],
  ['negative zero gas limit', `{ ${head}, "gasLimit": -0, "transactions": [] }`, /field gasLimit/, /got -0, a negative zero/],
];

/** The error parseBlock throws for `text`. */
const blockError = (text: string): BlockFileError => errorOf(BlockFileError, () => parseBlock(text, 'bad.json'));

/** Nested n deep: [[[...]]]. */
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

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

  it('quotes a huge or deeply nested value in a short line, never overflowing the stack', () => {
    const nested = blockError(`{ ${head}, "transactions": ${deep(200_000)} }`);
    expect(nested.where).toBe('transaction 0');
    expect(nested.problem).toBe('expected an object, got [[[[…]]]] (1 item)');
    const wide = blockError(`{ ${head}, "transactions": [${JSON.stringify(Array.from({ length: 200_000 }, (_, i) => i))}] }`);
    expect(wide.problem).toMatch(/^expected an object, got \[0,1,2,.*,…\] \(200000 items\)$/);
    expect(wide.message.length).toBeLessThan(200);
    const operand = blockError(tx(`{"ops": [["mov", "r0", ${deep(200_000)}]]}`));
    expect(operand.where).toBe('transaction 1: field ops[0] operand 1');
    const name = blockError(`{ ${head}, "preState": {${JSON.stringify(`a\nb.${'x'.repeat(100_000)}`)}: 1}, "transactions": [] }`);
    expect(name.message).not.toMatch(/\n/);
    expect(name.message.length).toBeLessThan(700);
    expect(describeValue({ a: 'y'.repeat(1000), b: [1, { c: [2] }] })).toMatch(/^\{"a":"y{10,60}…"(,.*)?\} \(2 fields\)$/);
    expect(describeValue({ a: [1, { c: [2] }] })).toBe('{"a":[1,{"c":[…]}]} (1 field)');
    expect(describeValue([1, 'two', null, true])).toBe('[1,"two",null,true]');
  });

  it('reports a JSON syntax error on one line, with its line and column, which Node gives for some errors and Concord finds for the others', () => {
    const snippet = blockError(`{ ${head}, "transactions": [\n  NaN,\n  1] }`);
    expect(snippet.where).toBe('JSON');
    expect(snippet.message).not.toMatch(/[\n\r]/);
    // Node 20, 22 and 24 give an unexpected token no position (a NaN Python's json.dumps writes).
    expect(snippet.problem).toMatch(/^line 2, column 3: Unexpected token/);
    // Node 20 gives this message a position; Node 22 also a line and column, which come out the same.
    expect(blockError(`{"format":\r\n "x",,}`).problem).toBe('line 2, column 6: Expected double-quoted property name in JSON');
    expect(blockError(`\uFEFF{\n\n"a":1,}`).problem).toBe('line 3, column 7: Expected double-quoted property name in JSON');
    expect(jsonSyntaxProblem(new SyntaxError('Unexpected token } in JSON at position 4'), 'ab\ncde')).toBe('line 2, column 2: Unexpected token } in JSON');
    expect(jsonSyntaxProblem(new SyntaxError("Expected ',' or ']' after array element in JSON at position 4 (line 2 column 3)"), '[\n1 2]'))
      .toBe("line 2, column 3: Expected ',' or ']' after array element in JSON");
    expect(jsonSyntaxProblem(new SyntaxError('Unexpected end of JSON input'), '{')).toBe('line 1, column 2: Unexpected end of JSON input');
    // A message that came of something else than the text's syntax gets no position made up.
    expect(jsonSyntaxProblem(new SyntaxError('Unexpected end of JSON input'), '{}')).toBe('Unexpected end of JSON input');
    // An empty file says so, as an empty results file does.
    expect(blockError('').problem).toBe('the file is empty');
    expect(blockError('\uFEFF \n\t').problem).toBe('the file holds nothing but white space');
  });

  it('names the line and column of a repeated key and of its first use, in small objects and large', () => {
    const twice = blockError(`{\n  ${head},\n  "preState": {"a.balance": 5,\n    "a.balance": 7},\n  "transactions": []\n}`);
    expect(twice.message).toBe('bad.json: field preState.a.balance: line 4, column 5: key "a.balance" given twice (first at line 3, column 16)');
    // Past 16 keys an object's keys are hashed where they stand in the text; an escape sends them to a Map.
    const many = Array.from({ length: 40 }, (_, i) => `"#${i}.balance": ${i}`);
    for (const [extra, where] of [
      ['"#7.balance": 0', 'field preState.#7.balance'],
      ['"#39.balance": 0', 'field preState.#39.balance'],
      ['"\\u00237.balance": 0', 'field preState.#7.balance'],
      ['"": 0, "": 1', 'field preState.'],
    ] as const) {
      const e = blockError(`{ ${head}, "preState": {${[...many, extra].join(', ')}}, "transactions": [] }`);
      expect(e.where, extra).toBe(where);
      expect(e.problem, extra).toMatch(/^line 1, column \d+: key ".*" given twice \(first at line 1, column \d+\)$/);
    }
    // Distinct keys, escaped or not, many or few, and a string after an empty object are no repeat.
    expect(parseBlock(`{ ${head}, "preState": {${many.join(', ')}, "\\u00231.f13": 0}, "transactions": [] }`).preState.size).toBe(41);
    expect(parseBlock(tx('{"call":"token","args":{"from":"a","\\u0074o":"b","amount":1}}')).txs).toHaveLength(2);
    expect(blockError(`{ ${head}, "entities": ["a", {}, "b", "c"], "transactions": [] }`).where).toBe('field entities[1]');
  });

  it('takes a number however it is written when JSON.parse holds it exactly', () => {
    const block = parseBlock(tx('{"call":"token","args":{"from":"a","to":"b","amount":100000000000000000000e-20},"gasLimit":1.5e3}')
      .replace('"amount":1,', '"amount":9007199254740991,'));
    expect(block.txs.map((t) => t.args[2])).toEqual([9007199254740991, 1]);
    expect(block.txs[1]!.gasLimit).toBe(1500);
  });

  // Exactly 2^53 and 1e20 are no rounding, and were refused by the field's own check: without the
  // line and column a fraction gets, and for a gas limit as "expected an integer >= 0", which they are.
  it('refuses an integer JSON.parse holds exactly past the value range with its line and column, naming the range', () => {
    const range = 'expected an integer in the value range [-(2^53 - 1), 2^53 - 1] (every number in a block file is one)';
    expect(blockError(tx('{"call":"token","args":{"from":"a","to":"b","amount":9007199254740992}}')).message)
      .toBe(`bad.json: transaction 1: field args.amount: line 1, column 167: ${range}, got 9007199254740992`);
    for (const limit of ['9007199254740992', '1e20', '-9007199254740992']) {
      expect(blockError(`{"format":"concord-block/1","gasLimit":${limit},"transactions":[]}`).message)
        .toBe(`bad.json: field gasLimit: line 1, column 40: ${range}, got ${limit}`);
    }
    // The top of the range is a field's own too; below 0 a gas limit is said to be one as before.
    expect(parseBlock('{"format":"concord-block/1","gasLimit":9007199254740991,"transactions":[]}').gasLimit).toBe(9007199254740991);
    expect(blockError('{"format":"concord-block/1","gasLimit":-5,"transactions":[]}').message).toBe('bad.json: field gasLimit: line 1, column 40: expected an integer >= 0, got -5');
  });

  it('says the top of the value range to a gas limit past it in a block built in memory', () => {
    expect(() => blockFromJson({ format: 'concord-block/1', gasLimit: 1e20, transactions: [] }, 'mem')).toThrow('mem: field gasLimit: expected an integer >= 0 and at most 2^53 - 1, got 100000000000000000000');
    expect(blockProblem({ programs: [], txs: [], preState: new Map(), gasLimit: 2 ** 53 })).toBe('field gasLimit: expected an integer >= 0 and at most 2^53 - 1, got 9007199254740992');
    expect(blockProblem({ programs: [], txs: [], preState: new Map(), gasLimit: -1 })).toBe('field gasLimit: expected an integer >= 0, got -1');
  });

  // A field's own check (its range, a name it does not know) runs on the parsed value, where
  // JSON.parse keeps no positions; it said only the field, where the strict reader's errors said
  // the line and column too. Each is placed at the value it refuses, on the line it is written on.
  it('places every field check\'s error at the line and column of the value it refuses, with the transaction and field', () => {
    const text = [
      '{',
      `  ${head},`,
      '  "entities": ["alice", "bob"],',
      '  "preState": { "alice.balance": 10 },',
      '  "programs": { "p": { "arity": 1, "ops": [["const", "r0", 1]] } },',
      '  "transactions": [',
      '    {"call": "token", "args": {"from": "alice", "to": "bob", "amount": 5}, "gasLimit": 5}',
      '  ]',
      '}',
    ];
    /** The message for `text` with line `n` (from 1) made `line`. */
    const withLine = (n: number, line: string) => blockError(text.map((l, i) => (i === n - 1 ? line : l)).join('\n')).message;
    const column = (line: string, value: string) => line.indexOf(value) + 1;
    const cases: [number, string, string, string][] = [
      [2, `  ${head}, "gasLimit": -5,`, '-5', 'field gasLimit: LC: expected an integer >= 0, got -5'],
      [2, `  ${head}, "hashCost": 99999999,`, '99999999', 'field hashCost: LC: expected an integer from 0 to '],
      [3, '  "entities": ["alice", "9lives"],', '"9lives"', 'field entities[1]: LC: entity name "9lives" must start with an ASCII letter'],
      [4, '  "preState": { "alice.balance": 10, "bob.nope": 3 },', '3 }', 'field preState.bob.nope: LC: unknown field "nope"'],
      [5, '  "programs": { "p": { "arity": 1, "ops": [["const", "r0", 1], ["frob", "r1"]] } },', '"frob"', 'field programs.p.ops[1] op: LC: unknown opcode "frob"'],
      [5, '  "programs": { "p": { "arity": 17, "ops": [] } },', '17', 'field programs.p.arity: LC: at most 16 arguments (registers r0..r15)'],
      [7, '    {"call": "token", "args": {"from": "alice", "to": "bob", "amount": 5}, "gasLimit": -3}', '-3', 'transaction 0: field gasLimit: LC: expected an integer from 0 to 100,000,000, got -3'],
      [7, '    {"call": "token", "args": {"from": "alice", "to": "bob", "amount": "lots"}, "gasLimit": 5}', '"lots"', 'transaction 0: field args.amount: LC: expected an integer in the value range, got "lots"'],
      [7, '    {"call": "nope", "args": {}}', '"nope"', 'transaction 0: field call: LC: unknown contract "nope"'],
      [7, '    {"program": "p", "args": [1, 2]}', '[1, 2]', 'transaction 0: field args: LC: program p takes 1 argument, got 2'],
      [7, '    {"ops": [["const", "r0", 1]], "footprint": [{"key": {"add": 1}, "access": "steal"}]}', '"steal"', 'transaction 0: field footprint[0].access: LC: expected read, write or delta, got "steal"'],
      [7, '    {"call": "token", "args": {"from": "alice", "to": "bob", "amount": 5}, "colour": "red"}', '"red"', 'transaction 0: field colour: LC: unknown field'],
    ];
    for (const [n, line, value, message] of cases) {
      const [where, problem] = message.split('LC');
      expect(withLine(n, line), message).toContain(`bad.json: ${where}line ${n}, column ${column(line, value)}${problem}`);
    }
    // A transaction further down, on its own line: its index and its line both named.
    const many = [...text.slice(0, 6), '    {"call": "token", "args": {"from": "alice", "to": "bob", "amount": 5}},', '    {"call": "token", "args": {"from": "alice", "to": "bob", "amount": 5}},', '    {"call": "token", "args": {"from": "alice", "to": true}}', ...text.slice(7)];
    expect(blockError(many.join('\n')).message).toMatch(new RegExp(`^bad\\.json: transaction 2: field args\\.to: line 9, column ${many[8]!.indexOf('true') + 1}: expected an entity name or index in \\[0, \\d+\\], got true$`));
    const missing = blockError(text.join('\n').replace(/,\n {2}"transactions": \[\n.*\n {2}\]/, ''));
    // A field the file lacks: placed where the object that should hold it starts.
    expect(missing.message).toBe('bad.json: field transactions: line 1, column 1 (in the top level, which lacks it): expected an array, got nothing');
    // The problem alone stays as it was, for a caller that words the place itself (gen --call).
    expect([missing.where, missing.problem, missing.position]).toEqual(['field transactions', 'expected an array, got nothing', 'line 1, column 1 (in the top level, which lacks it)']);
  });

  it('refuses a negative zero however it is written, with its line and column, and takes 0 and what only starts like -0', () => {
    const e = blockError(`{\n  ${head},\n  "transactions": [\n    {"call":"p2p","args":{"from":"a","to":"b","amount":1,\n      "seq": -0.000e-7}}\n  ]\n}`);
    expect(e.message).toBe('bad.json: transaction 0: field args.seq: line 5, column 14: got -0.000e-7, a negative zero; write zero as 0');
    // An argument in an array names its index; a zero anywhere in a program's ops is refused too.
    expect(blockError(prog(2, '[1, -0]')).where).toBe('transaction 1: field args[1]');
    expect(blockError(`{ ${head}, "programs": {"p": {"ops": [["const","r0",-0],["stop"]]}}, "transactions": [] }`).where).toBe('field programs.p.ops[0] operand 1');
    // Plain zeros and numbers that only start with "-0" are no negative zero.
    const zeros = parseBlock(`{ ${head}, "preState": {"a.balance": 0.0e3}, "transactions": [ {"call":"p2p","args":{"from":"a","to":"b","amount":0,"seq":0.0},"gasLimit":0} ] }`);
    const values = [...zeros.preState.values(), ...zeros.txs[0]!.args.slice(2), zeros.txs[0]!.gasLimit];
    expect(values.map((v) => Object.is(v, 0))).toEqual([true, true, true, true]);
    expect(blockError(tx('{"call":"token","args":{"from":"a","to":"b","amount":-0.5}}')).problem).toMatch(/^line \d+, column \d+: expected an integer in the value range \[-\(2\^53 - 1\), 2\^53 - 1\] \(every number in a block file is one\), got -0\.5$/);
    // A negative number too small for a double rounds to -0: that is rounding, quoted as written.
    expect(blockError(tx('{"call":"token","args":{"from":"a","to":"b","amount":-1e-400}}')).problem).toMatch(/expected an integer in the value range \[-\(2\^53 - 1\), 2\^53 - 1\] \(every number in a block file is one\), got -1e-400$/);
  });

  it('writes and reads back programs named like Object.prototype\'s properties under their own names', () => {
    const text = `{ ${head}, "programs": {"constructor": {"ops": [["const","r0",1],["emit","r0"]]}, "__proto__": {"ops": [["const","r0",2],["emit","r0"]]}},
      "transactions": [ {"program":"constructor"}, {"program":"__proto__"} ] }`;
    const block = parseBlock(text);
    const written = JSON.parse(JSON.stringify(writeBlock(block))) as { programs: object };
    expect(Object.keys(written.programs)).toEqual(['constructor', '__proto__']);
    const again = parseBlock(JSON.stringify(written));
    expect(again.programs.map((p) => p.name)).toEqual(['constructor', '__proto__']);
    expect(executeReference(again).receipts.map((r) => r.outputs)).toEqual([[1], [2]]);
  });

  it('accepts the limits themselves, hashCost 0 and fewer arguments than the arity', () => {
    const block = parseBlock(`{ ${head}, "hashCost": ${MAX_HASH_ITERATIONS}, "transactions": [
      {"call":"token","args":{"from":"a","to":"b","amount":1},"hashCost":0,"gasLimit":${MAX_TX_GAS_LIMIT}},
      {"ops":[["emit","r0"],["emit","r1"]],"args":[7],"gasLimit":${MAX_TX_GAS_LIMIT}} ] }`);
    expect(block.programs[0]!.contract).toEqual({ name: 'token', hashCost: 0 });
    expect(block.txs.map((t) => t.gasLimit)).toEqual([MAX_TX_GAS_LIMIT, MAX_TX_GAS_LIMIT]);
    // The missing second argument reads 0, as documented.
    expect(executeReference(block).receipts[1]!.outputs).toEqual([7, 0]);
  });

  it('reads a file that starts with a UTF-8 byte-order mark', () => {
    expect(parseBlock(`\uFEFF{ ${head}, "transactions": [ ${p2p} ] }`).txs).toHaveLength(1);
  });

  it('loads what writeBlock writes for a program with a delta footprint and fewer arguments than its arity', () => {
    const text = prog(2, '[5]', '[{"key":{"arg":0,"add":0},"access":"delta","lo":0,"hi":9},{"key":{"arg":1,"add":3},"access":"read"}]');
    const block = parseBlock(text);
    const again = parseBlock(JSON.stringify(writeBlock(block)));
    expect(again.programs.find((p) => p.name === 'p')).toEqual(block.programs.find((p) => p.name === 'p'));
    expect(again.txs).toEqual(block.txs);
  });

  it('the CLI names file, transaction and field, exits 2, prints no stack and no partial output (under --json, only { ok: false, error, usage: true })', () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-'));
    // Every case's message is checked in-process above; a process per case cost 20 s, so the
    // wiring (exit code, stdout, no stack) is checked on every eighth.
    for (const [label, text, where] of cases.filter((_, i) => i % 8 === 0)) {
      const file = join(dir, `${label.replace(/\W+/g, '-')}.json`);
      writeFileSync(file, text);
      const r = spawnSync(process.execPath, [cli, 'run', file, '--json'], { encoding: 'utf8' });
      expect(r.status, label).toBe(2);
      // --json's one document says the same, and nothing of the block's result.
      expect(JSON.parse(r.stdout), label).toEqual({ ok: false, error: expect.stringContaining(file), usage: true });
      expect(r.stderr, label).toContain(file);
      expect(r.stderr, label).toMatch(where);
      expect(r.stderr, label).not.toMatch(/\n\s+at /);
    }
  });

  it('the CLI refuses an inherited field name and a deeply nested value with exit 2, not a wrong result or a stack', () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-'));
    const example = JSON.parse(readFileSync(new URL('../examples/transfer.json', import.meta.url), 'utf8')) as { preState: Record<string, number> };
    example.preState['alice.constructor'] = 1;
    const inherited = join(dir, 'inherited.json');
    writeFileSync(inherited, JSON.stringify(example));
    const nested = join(dir, 'nested.json');
    writeFileSync(nested, `{ ${head}, "transactions": ${deep(200_000)} }`);
    for (const [file, args, message] of [
      [inherited, ['--warmup', '0', '--check'], 'field preState.alice.constructor: line 1, column 246: unknown field "constructor"'],
      [nested, [], 'transaction 0: line 1, column 49: expected an object, got [[[[…]]]] (1 item)'],
    ] as const) {
      const r = spawnSync(process.execPath, [cli, 'run', file, ...args], { encoding: 'utf8' });
      expect(r.status, file).toBe(2);
      expect(r.stdout, file).toBe('');
      expect(r.stderr, file).toContain(`concord run: ${file}: ${message}`);
      expect(r.stderr.trimEnd(), file).not.toMatch(/\n/);
    }
  });

  it('the CLI names a results file given as a block file by its format, in run, request and bench --block', () => {
    const results = new URL('../reports/published/results.json', import.meta.url).pathname;
    for (const args of [['run', results], ['request', results], ['bench', '--block', results, '--executor', 'block-stm']]) {
      const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, args[0]).toBe(2);
      expect(r.stderr, args[0]).toBe(`concord ${args[0]}: ${results}: field format: line 2, column 12: expected "concord-block/1", got "concord-results/1"\n`);
      expect(r.stdout, args[0]).toBe('');
    }
  });

  it('the CLI refuses a repeated key, a number JSON.parse would round and a negative zero with exit 2 and one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-'));
    for (const [name, text, message] of [
      ['dupkey.json', '{"format":"concord-block/1","transactions":[{"call":"p2p","args":{"from":"a","to":"b","amount":1,"amount":5,"seq":0}}]}',
        'transaction 0: field args.amount: line 1, column 98: key "amount" given twice (first at line 1, column 87)'],
      ['hugenum.json', '{"format":"concord-block/1","transactions":[{"call":"p2p","args":{"from":"a","to":"b","amount":9007199254740993,"seq":0}}]}',
        'transaction 0: field args.amount: line 1, column 96: expected an integer in the value range [-(2^53 - 1), 2^53 - 1] (every number in a block file is one), got 9007199254740993'],
      // A fraction JSON.parse holds exactly is named where it is written, as one it would round is.
      ['fraction.json', '{"format":"concord-block/1","transactions":[{"call":"p2p","args":{"from":"a","to":"b","amount":15e-1,"seq":0}}]}',
        'transaction 0: field args.amount: line 1, column 96: expected an integer in the value range [-(2^53 - 1), 2^53 - 1] (every number in a block file is one), got 15e-1'],
      // An integer it holds exactly past the value range too (a gas limit was told "expected an integer >= 0").
      ['gaslimit.json', '{"format":"concord-block/1","gasLimit":1e20,"transactions":[]}',
        'field gasLimit: line 1, column 40: expected an integer in the value range [-(2^53 - 1), 2^53 - 1] (every number in a block file is one), got 1e20'],
      ['negzero.json', '{"format":"concord-block/1","transactions":[{"call":"p2p","args":{"from":"a","to":"b","amount":1,"seq":-0}}]}',
        'transaction 0: field args.seq: line 1, column 104: got -0, a negative zero; write zero as 0'],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const r = spawnSync(process.execPath, [cli, 'run', file], { encoding: 'utf8' });
      expect(r.status, name).toBe(2);
      expect(r.stdout, name).toBe('');
      expect(r.stderr, name).toBe(`concord run: ${file}: ${message}\n`);
    }
  });

  it('the CLI names a file that is not UTF-8: UTF-16 by its byte-order mark, another encoding by the line and column of its first bad byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-'));
    const text = '{"format":"concord-block/1",\n"entities":["caf\u00e9"]}';
    const u16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const latin1 = Buffer.from(text, 'latin1');
    // U+FFFD written out in UTF-8 is a character of the file, not a bad byte: the block's own error follows.
    const replacement = Buffer.from('{"format":"concord-block/1","entities":["\uFFFD"]}', 'utf8');
    for (const [name, bytes, message] of [
      ['u16.json', u16, 'encoding: the file is UTF-16 (it starts with the byte-order mark FF FE); save it as UTF-8'],
      ['latin1.json', latin1, 'encoding: line 2, column 17: byte E9 is not UTF-8 (a file saved in another encoding?); save it as UTF-8'],
      ['fffd.json', replacement, 'field entities[0]: line 1, column 41: entity name "\uFFFD" must start with an ASCII letter'],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      const r = spawnSync(process.execPath, [cli, 'run', file], { encoding: 'utf8' });
      expect(r.status, name).toBe(2);
      expect(r.stderr.startsWith(`concord run: ${file}: ${message}`), `${name}: ${r.stderr}`).toBe(true);
    }
  });

  // Past the longest string Node makes, the decoder's error ended the run as "a bug in Concord", with its stack.
  it('the CLI names a file too large to read as text, or to read at all, without a stack', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'concord-')), 'huge.json');
    writeFileSync(file, '');
    truncateSync(file, constants.MAX_STRING_LENGTH + 1);
    const r = spawnSync(process.execPath, [cli, 'run', file], { encoding: 'utf8' });
    const bytes = (constants.MAX_STRING_LENGTH + 1).toLocaleString('en-US');
    expect([r.status, r.stderr]).toEqual([2, `concord run: ${file}: encoding: the file holds ${bytes} bytes, more text than Node holds in one string (${constants.MAX_STRING_LENGTH.toLocaleString('en-US')} characters)\n`]);
    truncateSync(file, 2 ** 31);
    const past = spawnSync(process.execPath, [cli, 'run', file], { encoding: 'utf8' });
    expect([past.status, past.stderr]).toEqual([2, `concord run: ${file}: cannot read: larger than 2 GiB, the most Node reads whole (ERR_FS_FILE_TOO_LARGE)\n`]);
    rmSync(file);
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
