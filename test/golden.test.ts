// Golden roots for committed blocks: any change to the VM's semantics, the contracts or the
// root encoding changes a root here and shows up in review. Regenerate deliberately with
// CONCORD_UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts, and say why in the commit.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBlock, writeBlock } from '../spec/block-file.js';
import { executeReference } from '../spec/reference.js';
import { executeSequential } from '../impl/sequential.js';

const dir = new URL('./fixtures/blocks/', import.meta.url).pathname;
const goldenFile = new URL('./fixtures/golden.json', import.meta.url).pathname;
const files = [...readdirSync(dir).map((f) => join(dir, f)), new URL('../examples/transfer.json', import.meta.url).pathname];
const name = (f: string) => f.split('/').slice(-2).join('/');
const golden: Record<string, unknown> = JSON.parse(readFileSync(goldenFile, 'utf8'));
const update = process.env.CONCORD_UPDATE_GOLDEN === '1';
const fresh: Record<string, unknown> = {};

describe('golden roots', () => {
  it.each(files)('%s', (file) => {
    const block = parseBlock(readFileSync(file, 'utf8'), file);
    const r = executeReference(block);
    const summary = {
      stateRoot: r.stateRoot, receiptsRoot: r.receiptsRoot, gasUsed: r.gasUsed,
      statuses: r.receipts.map((x) => (x.status === 'reverted' ? `reverted:${x.code}` : x.status)).join(' '),
    };
    fresh[name(file)] = summary;
    if (update) writeFileSync(goldenFile, `${JSON.stringify({ ...golden, ...fresh }, null, 2)}\n`);
    else expect(summary).toEqual(golden[name(file)]);
    const s = executeSequential(block);
    expect(s.stateRoot).toBe(r.stateRoot);
    expect(s.receiptsRoot).toBe(r.receiptsRoot);
    const again = executeReference(parseBlock(JSON.stringify(writeBlock(block)), 'round-trip'));
    expect(again.stateRoot).toBe(r.stateRoot);
    expect(again.receipts).toEqual(r.receipts);
    expect(again.reads).toEqual(r.reads);
  });
});
