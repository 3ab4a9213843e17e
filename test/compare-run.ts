// Runs `concord compare` in this process on two results documents written as files, as the command
// line does (guard: input errors exit 2), capturing what it prints. The temporary folder the files
// are written to reads as DIR in the output, so a test can hold its text to a literal.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { compareCommand, type CompareOptions } from '../cli/compare.js';
import { guard } from '../cli/errors.js';
import type { Comparison, CompareRow } from '../reports/compare.js';
import type { ResultsFile } from '../reports/schema.js';

export async function compareFiles(a: ResultsFile, b: ResultsFile, o: Omit<CompareOptions, 'base' | 'next'> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'concord-compare-'));
  const [pa, pb] = [join(dir, 'base.json'), join(dir, 'new.json')];
  writeFileSync(pa, JSON.stringify(a));
  writeFileSync(pb, JSON.stringify(b));
  let [stdout, stderr] = ['', ''];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  try {
    const code = await guard('compare', () => compareCommand({ base: pa, next: pb, ...o }));
    return { code, stdout: stdout.replaceAll(dir, 'DIR'), stderr: stderr.replaceAll(dir, 'DIR') };
  } finally {
    vi.restoreAllMocks();
  }
}

/**
 * The executors' rows the comparison table reads as significantly slower than base by more than
 * pct percent (p <= alpha against no change, and a median delta above pct), both sides correct:
 * the rows' statistics apart from the gate, which asks more (a lower bound above pct).
 */
export function significantSlowdowns(c: Comparison, pct: number): CompareRow[] {
  return c.rows.filter((r) => !r.baseline && r.base.correct && r.next.correct && r.significant && r.deltaPct > pct);
}
