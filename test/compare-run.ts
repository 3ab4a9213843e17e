// Runs `concord compare` in this process on results documents written as files, as the command
// line does (guard: input errors exit 2), capturing what it prints: two files (compareFiles), or any
// of its forms (compareArgs: one file and two builds, or pools of runs). The temporary folder the
// files are written to reads as DIR in the output, so a test can hold its text to a literal.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { compareCommand, compareEntry, type CompareArgs, type CompareOptions } from '../cli/compare.js';
import { guard } from '../cli/errors.js';
import type { Comparison, CompareRow } from '../reports/compare.js';
import type { ResultsFile } from '../reports/schema.js';

/** Captures what `run` prints and its exit code (input errors exit 2, as the command line gives them), the folder `dir` read as DIR. */
async function captured(dir: string, run: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  let [stdout, stderr] = ['', ''];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  try {
    const code = await guard('compare', run);
    return { code, stdout: stdout.replaceAll(dir, 'DIR'), stderr: stderr.replaceAll(dir, 'DIR') };
  } finally {
    vi.restoreAllMocks();
  }
}

/**
 * `concord compare` with `args`, every document of `docs` written to DIR/NAME.json first; the
 * arguments name them as DIR/NAME.json (`files`, `base`, `new` are given those names: `run` for
 * DIR/run.json).
 */
export async function compareArgs(docs: Readonly<Record<string, ResultsFile>>, args: CompareArgs): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'concord-compare-'));
  for (const [name, doc] of Object.entries(docs)) writeFileSync(join(dir, `${name}.json`), JSON.stringify(doc));
  const path = (names: readonly string[] | undefined) => names?.map((n) => join(dir, `${n}.json`));
  const { files, base, new: next, ...rest } = args;
  return captured(dir, () => compareEntry({ ...rest, files: path(files)!, ...(base === undefined ? {} : { base: path(base)! }), ...(next === undefined ? {} : { new: path(next)! }) }));
}

export async function compareFiles(a: ResultsFile, b: ResultsFile, o: Omit<CompareOptions, 'base' | 'next'> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'concord-compare-'));
  const [pa, pb] = [join(dir, 'base.json'), join(dir, 'new.json')];
  writeFileSync(pa, JSON.stringify(a));
  writeFileSync(pb, JSON.stringify(b));
  return captured(dir, () => compareCommand({ base: pa, next: pb, ...o }));
}

/**
 * The executors' rows the comparison table reads as significantly slower than base by more than
 * pct percent (p <= alpha against no change, and a median delta above pct), both sides correct:
 * the rows' statistics apart from the gate, which asks more (a lower bound above pct).
 */
export function significantSlowdowns(c: Comparison, pct: number): CompareRow[] {
  return c.rows.filter((r) => !r.baseline && r.base.correct && r.next.correct && r.significant && r.deltaPct > pct);
}
