// `concord gen`: writes a seeded workload as a block file (format concord-block/1).
// Invariant: the file is written whole or not at all (temp file, then rename).

import { writeBlock } from '../spec/block-file.js';
import { checkOutFile, writeWhole } from './output.js';
import { workloadBlock, type WorkloadOptions } from './block-source.js';

export async function genCommand(o: WorkloadOptions & { out?: string }): Promise<number> {
  if (o.out && o.out !== '-') checkOutFile(o.out, '--out');
  const { block } = workloadBlock(o);
  const { transactions, ...head } = writeBlock(block) as { transactions: unknown[] };
  // One transaction per line keeps large files readable and diffable.
  const headText = JSON.stringify(head, null, 1).slice(0, -2);
  const text = `${headText},\n "transactions": [\n${transactions.map((t) => `  ${JSON.stringify(t)}`).join(',\n')}\n ]\n}\n`;
  if (!o.out || o.out === '-') {
    process.stdout.write(text);
    return 0;
  }
  writeWhole(o.out, text);
  process.stderr.write(`wrote ${block.txs.length} transactions to ${o.out}\n`);
  return 0;
}
