// `concord gen --contract FILE --call ARGS...`: a contract file prove checks, written as a block file
// run and verify take, whose program is the very bytecode that was proved (names replaced by their
// numbers, labels kept), with the arity the proof assumed; and its refusals, named by their flag.

import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { guard } from '../cli/errors.js';
import { genCommand, type GenOptions } from '../cli/gen.js';
import { parseBlock } from '../spec/block-file.js';
import { executeReference } from '../spec/reference.js';
import { loadContractFile } from '../spec/smt/user-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'concord-prove-gen-'));
const doc = readFileSync(new URL('../docs/prove.md', import.meta.url), 'utf8');
const transfer = join(dir, 'transfer.json');
/** What gen says a --call argument may be. */
const CALL_ARG = 'an argument is an integer from -(2^53 - 1) to 2^53 - 1, or a key name such as alice.balance (its key\'s number)';
writeFileSync(transfer, /```json\n([\s\S]*?)```/.exec(doc)![1]!);

async function gen(o: GenOptions): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    return { code: await guard('gen', () => genCommand(o)), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('gen --contract', () => {
  it('writes the documented contract as a block whose program is the proved bytecode, with its arity, footprint and calls', async () => {
    const r = await gen({ contract: transfer, call: ['1,2,5', ' 2, 1, 3 ', ''] });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const block = parseBlock(r.stdout, 'generated');
    const proved = await loadContractFile(transfer);
    expect(block.programs).toHaveLength(1);
    const [p] = block.programs;
    expect({ name: p!.name, arity: p!.arity, footprint: p!.footprint }).toEqual({ name: 'transfer', arity: 3, footprint: proved.footprint });
    expect([...p!.code]).toEqual([...proved.code]);
    expect(block.txs.map((t) => t.args)).toEqual([[1, 2, 5], [2, 1, 3], []]);
    // Names become numbers; labels and jump targets stay as the contract file writes them.
    expect(r.stdout).toContain('["muli","r4","r0",16],\n    ["addi","r4","r4",0],');
    expect(r.stdout).toContain('["delta","r7","r2",0,9007199254740991]');
    expect(r.stdout).toContain('["jumpi","r6","poor"]');
    // It runs: from 10 in account 1, the first call moves 5 to account 2.
    const result = executeReference({ ...block, preState: new Map([[16, 10]]) });
    expect(result.receipts.map((x) => x.status)).toEqual(['success', 'success', 'success']);
    expect(result.state.get(16)).toBe(8);
  });

  it('refuses a call the program does not take, --call without --contract, a workload beside it, and a bad contract file, naming each', async () => {
    const refusals: [GenOptions, string][] = [
      [{ contract: transfer, call: ['1,2,3,4'] }, 'concord gen: --call 1,2,3,4: field args: program transfer takes 3 arguments, got 4\n'],
      [{ contract: transfer, call: ['1,bob'] }, `concord gen: --call 1,bob: field args[1]: unknown name "bob": ${CALL_ARG}\n`],
      [{ contract: transfer, call: ['9007199254740993'] }, 'concord gen: --call 9007199254740993: field args[0]: 9007199254740993 is not an integer in the value range [-(2^53 - 1), 2^53 - 1]\n'],
      [{ call: ['1'] }, 'concord gen: --call names a call of the contract --contract gives; give --contract too\n'],
      [{ contract: transfer, workload: 'p2p', txs: '3' }, 'concord gen: give --contract or --workload, --txs, not both: the contract\'s block holds the calls --call gives\n'],
    ];
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"name": "x", "params": ["a"], "code": [["stop"]],\n "footprint": [{"key": {"arg": "b", "add": 0}, "access": "read"}]}');
    refusals.push([{ contract: bad }, `concord gen: ${bad}: footprint[0].key.arg: line 2, column 32: expected an argument index 0..0 or one of a; got "b"\n`]);
    for (const [o, stderr] of refusals) expect(await gen(o)).toEqual({ code: 2, stdout: '', stderr });
  });

  // An argument is a value (-5 and 2^53 - 1 go), yet 2.5 was told "expected a key number (an
  // integer in [0, 2^32)) or "entity.field"", 1e3 and an empty argument "unknown name".
  it('says what an argument may be where one is a fraction, a number not in digits or empty, naming it', async () => {
    const ok = await gen({ contract: transfer, call: ['1,2,-5', '1, 2, 9007199254740991', '1,2,alice.balance'] });
    expect(ok.code).toBe(0);
    expect(parseBlock(ok.stdout, 'generated').txs.map((t) => t.args)).toEqual([[1, 2, -5], [1, 2, 9007199254740991], [1, 2, 0]]);
    const digits = 'is a number not written in digits: write an integer as its digits, as -5 or 1000';
    const empty = `an empty argument (a comma with nothing on one side): ${CALL_ARG}; --call '' is a call with none`;
    const refusals: [string, string][] = [
      ['1,2,2.5', `field args[2]: 2.5 is not an integer: ${CALL_ARG}`],
      ['1,2,-.5', `field args[2]: -.5 is not an integer: ${CALL_ARG}`],
      ['1,2,1e3', `field args[2]: 1e3 ${digits}`],
      ['1,2,1.0', `field args[2]: 1.0 ${digits}`],
      ['1,2,+5', `field args[2]: +5 ${digits}`],
      [',,', `field args[0]: ${empty}`],
      ['1, ,2', `field args[1]: ${empty}`],
      ['1,2,', `field args[2]: ${empty}`],
    ];
    for (const [call, problem] of refusals) {
      const out = join(dir, 'not-written.json');
      expect(await gen({ contract: transfer, call: ['1,2,3', call], out }), call).toEqual({ code: 2, stdout: '', stderr: `concord gen: --call ${call.includes(' ') ? `'${call}'` : call}: ${problem}\n` });
      expect(existsSync(out)).toBe(false);
    }
  });

  // `-o` naming the contract file wrote the block over the contract, the user's source, and said so.
  it('refuses an --out that is the contract file, by any spelling or link, and leaves it as it was', async () => {
    const source = readFileSync(transfer, 'utf8');
    const link = join(dir, 'transfer-link.json');
    symlinkSync(transfer, link);
    for (const out of [transfer, join(dir, '.', 'transfer.json'), link]) {
      expect(await gen({ contract: transfer, call: ['1,2,5'], out })).toEqual({
        code: 2, stdout: '', stderr: `concord gen: --out ${out}: is the file of --contract ${transfer}, which the command would overwrite: give another file\n`,
      });
    }
    expect(readFileSync(transfer, 'utf8')).toBe(source);
  });
});
