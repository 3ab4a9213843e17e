// `concord main` (npm start) ended by a signal: the part it came in leaves what it has as its own
// command does (verify its report; bench what it measured, in the results file), one line says
// which part it stopped, how the parts before it ended and which never ran, and the process ends
// by that signal. The signal is sent on the line main prints as a part starts, which the part
// then takes seconds past (verify's first checks; prove's z3 starting; bench's core probes before
// its sweep).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { marksOf, processes } from '../impl/process-tree.js';
import { z3Installed } from '../spec/smt/z3.js';
import { signalWhen, type Ended } from './signal-child.js';

const dir = mkdtempSync(join(tmpdir(), 'concord-main-signal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs `concord main --out OUT`, sends `signal` once stderr has `line` and `also(main's pid)` holds, and resolves
 * when it has ended (or is given up on past `giveUpMs`).
 */
const stopAt = (out: string, line: string, signal: NodeJS.Signals, giveUpMs?: number, also: (pid: number) => boolean = () => true): Promise<Ended> =>
  signalWhen(['main', '--out', out], (stderr, pid) => stderr.includes(`${line}\n`) && also(pid), signal, [], giveUpMs);
/** The short verify and prove run in full before the bench: about a minute on a loaded CI runner, past the default timeout. */
const BENCH_TEST_MS = 240_000;
/** Without z3-solver (the offline archive) main skips prove. */
const hasZ3 = await z3Installed();
/** The short verify runs in full before prove. */
const PROVE_TEST_MS = 180_000;

/** The live processes whose environment carries a mark the process `pid` made (impl/process-tree.ts markOwnTree). */
const markedBy = (pid: number): number[] => processes().filter((p) => marksOf(p).some((m) => m.startsWith(`${pid}-`)));

describe('concord main stopped by a signal', () => {
  it('in the short verify: its report, then main\'s line, and nothing after it runs', async () => {
    const out = join(dir, 'in-verify');
    const r = await stopAt(out, 'main: verify (short) ...', 'SIGINT');
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGINT']);
    // Verify's own report of where it stopped (before its first check, on stderr; after, on stdout).
    expect(`${r.stdout}${r.stderr}`).toMatch(/stopped by SIGINT (before any check ran|after checking)/);
    expect(r.stderr.trim().split('\n').at(-1)).toBe('concord main: verify (short): stopped by SIGINT; not run: prove, bench (quick), the report');
    expect(r.stderr).not.toMatch(/main: (prove|bench)/);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
  });

  // Main skips prove without z3-solver, and never prints the line.
  it.skipIf(!hasZ3)('in prove: prove\'s own process ends with main, and nothing after it runs', async () => {
    const out = join(dir, 'in-prove');
    // Sent once prove's process shows main's mark (it is started just after the line), or 5 s after the line.
    let proving: number[] = [];
    let lineAt: number | null = null;
    const r = await stopAt(out, 'main: prove ...', 'SIGTERM', PROVE_TEST_MS - 10_000, (pid) => {
      lineAt ??= performance.now();
      proving = markedBy(pid);
      return proving.length > 0 || performance.now() - lineAt > 5_000;
    });
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGTERM']);
    expect(r.stderr.trim().split('\n').at(-1)).toBe('concord main: prove: stopped by SIGTERM; before it, verify (short) exit 0; not run: bench (quick), the report');
    // Prove runs in a process of its own (z3's heap and threads stay out of the bench): it carries main's mark, and went with it.
    if (process.platform === 'linux') expect(proving.length).toBeGreaterThan(0);
    expect(markedBy(r.pid)).toEqual([]);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
  }, PROVE_TEST_MS);

  it('in the quick bench: the results file as bench leaves it, and how the parts before it ended', async () => {
    const out = join(dir, 'in-bench');
    const r = await stopAt(out, 'main: bench (quick) ...', 'SIGTERM', BENCH_TEST_MS - 10_000);
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGTERM']);
    const results = join(out, 'results.json');
    // Signalled before the sweep's first measurement: nothing to leave, and no report drawn.
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(new RegExp(
      `^concord main: bench \\(quick\\): stopped by SIGTERM; nothing was measured before it \\(${results.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is left as it was\\); `
      + 'before it, verify \\(short\\) exit 0, prove (exit 0|skipped); not run: the report$',
    ));
    expect(existsSync(results)).toBe(false);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
    expect(r.stdout).not.toMatch(/concord: done/);
  }, BENCH_TEST_MS);
});
