// `concord prove [--contract FILE] [--json]`: proves the conflict table and the library contracts
// with z3 (or, with --contract, the footprint and invariants of a user's contract) and prints a
// table of claim, expected, result and time, with a witness under every refutation.
// Invariants: exit 0 only when every claim comes out as expected, 1 when one does not, 2 for a
// bad contract file (`concord prove: <file>: <field>: <what>` on stderr); --json prints exactly
// one JSON object on stdout; z3's threads are shut down before returning, so the process exits.

import { asExpected, runClaims, type Claim, type ClaimResult } from '../spec/smt/claims.js';
import { contractClaims, libraryClaims } from '../spec/smt/contract-claims.js';
import { ruleClaims } from '../spec/smt/rules.js';
import { ContractFileError, loadContractFile } from '../spec/smt/user-contract.js';
import { closeZ3, openZ3, Z3MissingError } from '../spec/smt/z3.js';
import { EXIT } from './errors.js';
import { fsReason, writeStdout } from './output.js';
import { createProgress } from './progress.js';

export interface ProveOptions {
  contract?: string;
  json: boolean;
}

/** The text report: one row per claim (! marks one not as expected), a witness or reason under it. */
export function formatTable(results: readonly ClaimResult[], ms: number): string {
  const width = Math.max(5, ...results.map((r) => r.name.length));
  const lines = [`  ${'claim'.padEnd(width)}  expected  result    ${'ms'.padStart(6)}`];
  for (const r of results) {
    lines.push(`${asExpected(r) ? ' ' : '!'} ${r.name.padEnd(width)}  ${r.expected.padEnd(8)}  ${r.result.padEnd(8)}  ${String(r.ms).padStart(6)}`);
    if (r.witness) lines.push(`    witness: ${r.witness.summary}`);
    if (r.reason) lines.push(`    why: ${r.reason}`);
  }
  const off = results.filter((r) => !asExpected(r));
  lines.push('', `${results.length} claims, ${results.length - off.length} as expected${off.length ? `, ${off.length} not (marked !)` : ''}; ${(ms / 1000).toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}

export async function proveCommand(opts: ProveOptions): Promise<number> {
  const t0 = performance.now();
  let claims: Claim[];
  if (opts.contract) {
    try {
      claims = contractClaims(await loadContractFile(opts.contract, fsReason), String);
    } catch (e) {
      if (!(e instanceof ContractFileError)) throw e;
      process.stderr.write(`concord prove: ${e.message}\n`);
      return 2;
    }
  } else {
    claims = [...ruleClaims(), ...libraryClaims()];
  }
  const progress = createProgress({ json: opts.json });
  let results: ClaimResult[];
  try {
    const z3 = await openZ3();
    progress.start(claims.length, 'prove');
    results = await runClaims(z3, claims, (done, _of, name) => progress.update(done, name));
    progress.update(claims.length, '');
  } catch (e) {
    if (!(e instanceof Z3MissingError)) throw e;
    process.stderr.write(`concord prove: ${e.message}\n`);
    return EXIT.USAGE;
  } finally {
    progress.stop();
    await closeZ3();
  }
  const ms = Math.round(performance.now() - t0);
  const ok = results.every(asExpected);
  writeStdout(opts.json ? `${JSON.stringify({ ok, ms, claims: results })}\n` : formatTable(results, ms));
  return ok ? 0 : 1;
}
