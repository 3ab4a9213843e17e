// `concord prove [--contract FILE]... [--timeout SEC] [--json]`: proves the conflict table and the library
// contracts with z3 (or, with --contract, the footprint and invariants of each contract file
// given) and prints a table of claim, expected, result and time, with a witness under every
// refutation; with contract files, each claim says which file it belongs to. A claim still running
// after --timeout seconds (default 60) is given up as unknown, so no contract runs for an hour.
// Invariants: exit 0 only when every claim comes out as expected, 1 when one does not, 2 for a
// bad contract file or --contract value (`concord prove: <file>: <field>: line L, column C: <what>` on stderr, a
// line for each bad file) and then nothing is proved; 2 also without z3-solver installed (as in
// the offline archive), when --json prints { ok: false, error }; past the contract files, --json
// prints exactly one JSON object on stdout; z3's threads are shut down before returning, so the process exits.

import { asExpected, CLAIM_BUDGET_MS, runClaims, type Claim, type ClaimResult } from '../spec/smt/claims.js';
import { contractClaims, libraryClaims } from '../spec/smt/contract-claims.js';
import { ruleClaims } from '../spec/smt/rules.js';
import { ContractFileError, loadContractFile } from '../spec/smt/user-contract.js';
import { closeZ3, openZ3, Z3MissingError } from '../spec/smt/z3.js';
import { EXIT, timeoutOption } from './errors.js';
import { fsReason, realPathOf, writeStdout } from './output.js';
import { createProgress } from './progress.js';
import { printUsageError } from './process-guard.js';
import { plural } from '../spec/plural.js';

export interface ProveOptions {
  /** Contract files to prove instead of the built-in claims: one, or several (--contract repeated). */
  contract?: string | readonly string[];
  /** --timeout: seconds a claim may run before it is given up as unknown (0: no limit); CLAIM_BUDGET_MS when absent. */
  timeout?: string;
  json: boolean;
}

/** A claim's result, and the contract file it belongs to (none for the built-in claims). */
export type ProveResult = ClaimResult & { readonly file?: string };

/**
 * The text report: one row per claim (! marks one not as expected), a witness or reason under it;
 * a claim of a contract file under a line naming the file.
 */
export function formatTable(results: readonly ProveResult[], ms: number): string {
  const width = Math.max(5, ...results.map((r) => r.name.length));
  const lines = [`  ${'claim'.padEnd(width)}  expected  result    ${'ms'.padStart(6)}`];
  results.forEach((r, i) => {
    if (r.file !== undefined && r.file !== results[i - 1]?.file) lines.push(`${r.file}:`);
    lines.push(`${asExpected(r) ? ' ' : '!'} ${r.name.padEnd(width)}  ${r.expected.padEnd(8)}  ${r.result.padEnd(8)}  ${String(r.ms).padStart(6)}`);
    if (r.witness) lines.push(`    witness: ${r.witness.summary}`);
    if (r.reason) lines.push(`    why: ${r.reason}`);
    if (r.retried) lines.push(`    ran again on a fresh z3: ${r.retried}`);
  });
  const off = results.filter((r) => !asExpected(r));
  lines.push('', `${plural(results.length, 'claim')}, ${results.length - off.length} as expected${off.length ? `, ${off.length} not (marked !)` : ''}; ${(ms / 1000).toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}

/** Why a --contract value cannot name a file to prove, or undefined: empty (an unset variable in `--contract "$FILE"`), or given before. */
function badContractValue(file: string, i: number, files: readonly string[]): string | undefined {
  if (file.trim() === '') return `--contract needs a file name, got ${file === '' ? 'an empty one (an unset variable?)' : 'only white space'}`;
  const first = files.findIndex((f) => realPathOf(f) === realPathOf(file));
  if (first < i) return files[first] === file ? `--contract ${file} given twice` : `--contract ${file} is the same file as ${files[first]}`;
  return undefined;
}

/** The claims of every contract file, each with its file; every bad file's error on stderr and undefined when one is bad. */
async function contractFileClaims(files: readonly string[]): Promise<{ claim: Claim; file: string }[] | undefined> {
  const problems = files.map((f, i) => badContractValue(f, i, files)).filter((p) => p !== undefined);
  if (problems.length > 0) {
    for (const p of problems) printUsageError('prove', p);
    return undefined;
  }
  const loaded = await Promise.all(files.map(async (file) => {
    try {
      return contractClaims(await loadContractFile(file, fsReason)).map((claim) => ({ claim, file }));
    } catch (e) {
      if (!(e instanceof ContractFileError)) throw e;
      printUsageError('prove', e.message);
      return undefined;
    }
  }));
  return loaded.every((l) => l !== undefined) ? loaded.flat() : undefined;
}

export async function proveCommand(opts: ProveOptions): Promise<number> {
  const t0 = performance.now();
  // Seconds, 0 (no limit) to a day, as run's --timeout; its own default (CLAIM_BUDGET_MS) where not given.
  const seconds = opts.timeout === undefined ? undefined : timeoutOption(opts.timeout);
  const budgetMs = seconds === undefined ? CLAIM_BUDGET_MS : seconds === 0 ? Infinity : seconds * 1000;
  let claims: Claim[];
  let files: (string | undefined)[] = [];
  if (opts.contract !== undefined) {
    const found = await contractFileClaims(typeof opts.contract === 'string' ? [opts.contract] : opts.contract);
    if (!found) return EXIT.USAGE;
    claims = found.map((f) => f.claim);
    files = found.map((f) => f.file);
  } else {
    claims = [...ruleClaims(), ...libraryClaims()];
  }
  const progress = createProgress({ json: opts.json });
  let results: ProveResult[];
  try {
    progress.start(claims.length, 'prove');
    // Not kept here: runClaims replaces a z3 that ran out of memory, whose heap must not stay reachable.
    results = (await runClaims(await openZ3(), claims, (done, _of, name) => progress.update(done, name), budgetMs)).map((r, i) => (files[i] === undefined ? r : { ...r, file: files[i] }));
    progress.update(claims.length, '');
  } catch (e) {
    if (!(e instanceof Z3MissingError)) throw e;
    printUsageError('prove', e.message);
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
