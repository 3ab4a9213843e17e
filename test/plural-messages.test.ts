// Counts in messages take their noun through spec/plural.ts: "1 transaction", never "1 transactions"
// (gen's line, bench's prediction gaps, the results file's check of a generated block's size; the
// exec: executor's answers are held to it in test/exec-executor.test.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gapLines } from '../bench/prediction.js';
import { parseResults, ResultsFileError } from '../reports/schema.js';
import { sampleResults } from './report-fixture.js';
import { errorOf } from './helpers.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;

describe('one transaction is said as one', () => {
  it('gen, a prediction gap, a results file', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'concord-plural-')), 'one.json');
    const gen = spawnSync(process.execPath, [cli, 'gen', '--workload', 'p2p', '--txs', '1', '--out', out], { encoding: 'utf8', timeout: 120_000 });
    expect(gen.stderr).toBe(`wrote 1 transaction to ${out}\n`);
    expect(gapLines([{ id: 'p2p', threads: [2, 4], executor: 'modular', kind: 'more threads than transactions', detail: '1' }]))
      .toEqual(["p2p at 2, 4 threads: more threads than the block's 1 transaction, so modular is not predicted there"]);
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    doc.workloads[1]!.txs = 1;
    expect(errorOf(ResultsFileError, () => parseResults(JSON.stringify(doc), 'r.json')).message)
      .toBe('r.json: workloads[1].txs: 1 transaction, but the generator was asked for 1000 (source.txs)');
  });
});
