// `concord gen`: writes a seeded workload as a block file (format concord-block/1).
// Invariants: the file is written whole or not at all (temp file, then rename); a refused command
// leaves nothing behind, not even the folders --out would have needed.

import { writeBlock } from '../spec/block-file.js';
import { plural } from '../spec/plural.js';
import { generate } from '../bench/workloads.js';
import { UsageError } from './errors.js';
import { checkOutFile, writeStdout, writeWhole } from './output.js';
import { workloadSpec, type WorkloadOptions } from './block-source.js';

export async function genCommand(o: WorkloadOptions & { out?: string }): Promise<number> {
  if (o.out === '') throw new UsageError('--out: empty file name; give a file, or - for stdout');
  const out = o.out === '-' ? undefined : o.out;
  const { name, params } = workloadSpec(o);
  // Checking --out makes its folders, so it comes after every option is known good; and before
  // generating, so that a bad path fails at once even for a million transactions.
  if (out !== undefined) checkOutFile(out, '--out');
  const block = generate(name, params);
  const { transactions, ...head } = writeBlock(block) as { transactions: unknown[] };
  // One transaction per line keeps large files readable and diffable.
  const headText = JSON.stringify(head, null, 1).slice(0, -2);
  const text = `${headText},\n "transactions": [\n${transactions.map((t) => `  ${JSON.stringify(t)}`).join(',\n')}\n ]\n}\n`;
  if (out === undefined) {
    writeStdout(text);
    return 0;
  }
  writeWhole(out, text);
  process.stderr.write(`wrote ${plural(block.txs.length, 'transaction')} to ${out}\n`);
  return 0;
}
