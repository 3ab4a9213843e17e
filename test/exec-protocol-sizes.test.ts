// docs/exec-protocol.md tells an engine's author how long a request line grows, with the sizes of
// three p2p blocks that `concord request` prints: each figure there is what the command prints now.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/cli/concord.js', import.meta.url));
const DOC = readFileSync(new URL('../docs/exec-protocol.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');

/** The bytes of the request line, newline included, as `| wc -c` counts them. */
function requestBytes(accounts: number, txs: number): number {
  const r = spawnSync(process.execPath, [CLI, 'request', '--workload', 'p2p', '--accounts', String(accounts), '--txs', String(txs)], { encoding: 'buffer', timeout: 60_000 });
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout.length;
}

const figure = (n: number) => n.toLocaleString('en-US');

describe('docs/exec-protocol.md request sizes', () => {
  it('gives the sizes concord request prints for p2p blocks of 1,000 and 10,000 transactions, naming the accounts of each', () => {
    expect(DOC).toContain(`a 1,000-transaction p2p block over 1,000 accounts is a line of ${figure(requestBytes(1000, 1000))} bytes`);
    expect(DOC).toContain(`a 10,000-transaction one ${figure(requestBytes(1000, 10_000))} over the same accounts and ${figure(requestBytes(10_000, 10_000))} over 10,000`);
  });
});
