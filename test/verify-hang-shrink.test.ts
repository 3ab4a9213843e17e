// How verify shrinks an `exec:` engine's hang (properties/runner.ts, properties/hang-bound.ts): each
// shrink try is judged by a shorter bound than --timeout (10 times the slowest answer, 5 s at least,
// --timeout at most), the smallest block is confirmed under --timeout before it is reported (or the
// block found is, unshrunk, saying why), the whole shrinking stops at its own cap, which the report
// and the replay token name apart from --time-limit. A fake engine stands in for a process: it reads
// the bound as a real engine does at each request, and where it would not answer within it, it
// moves a fake clock (performance.now, which the runner reads) on by the bound and fails the call
// as a stopped engine does; so minutes of hanging take milliseconds, and the arithmetic is exact.
// A real engine (test/fixtures/exec) shows that an engine reads the bound as each request goes out.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createExecExecutor, ExecEngineError } from '../impl/exec-executor.js';
import { buildBlock } from '../properties/arbitraries.js';
import { equivalenceCheck } from '../properties/equivalence.js';
import { HANG_SHRINK_MS, shrinkTryMs, SHRINK_TRY_FACTOR, SHRINK_TRY_FLOOR_MS, withShrinkTries, type HangBound } from '../properties/hang-bound.js';
import { NOOP } from '../properties/minimize.js';
import { formatFailure } from '../properties/report.js';
import { decodeToken, encodeToken } from '../properties/replay.js';
import { replayFailure, runVerify, type FailureReport, type SubjectSource } from '../properties/runner.js';
import { executorSubject } from '../properties/subjects.js';
import { executeReference } from '../spec/reference.js';

const TIMEOUT_MS = 300_000;

/** What the fake engine was asked: a block's size, the bound it was sent under, and whether it hung. */
interface EngineRequest {
  readonly txs: number;
  readonly ms: number;
  readonly by: string;
  readonly hung: boolean;
}

/**
 * A fake engine that takes `answerMs` over a block below `slow.from` transactions, `slow.ms` over
 * one below `deadlockFrom`, and never answers one of `deadlockFrom` or more; `requests` logs each.
 * An instance stopped for a hang fails every call after it at once, as a stopped engine does.
 */
function fakeEngine(bound: HangBound, deadlockFrom: number, answerMs: number, slow?: { readonly from: number; readonly ms: number }): { source: SubjectSource; requests: EngineRequest[] } {
  const requests: EngineRequest[] = [];
  const name = 'exec:fake-deadlock';
  const source: SubjectSource = {
    name,
    create: async () => {
      let stopped: ExecEngineError | undefined;
      return executorSubject({
        name,
        execute: async (block) => {
          if (stopped) throw stopped;
          const txs = block.txs.length;
          const takes = txs >= deadlockFrom ? Infinity : slow && txs >= slow.from ? slow.ms : answerMs;
          const hung = takes > bound.ms;
          requests.push({ txs, ms: bound.ms, by: bound.by, hung });
          vi.advanceTimersByTime(hung ? bound.ms : takes);
          if (!hung) return executeReference(block);
          const e = new ExecEngineError(`${name}: did not answer (a block of ${txs} transactions) within ${bound.ms / 1000} s (${bound.by}), and was stopped`);
          e.hung = bound.ms;
          stopped = e;
          throw e;
        },
        close: async () => {},
      }, name);
    },
  };
  return { source, requests };
}

/** Verify's run of the equivalence check on `source`, its engines made with `bound`. */
async function verifyHang(source: SubjectSource, bound: HangBound, o: { readonly timeLimitMs?: number; readonly txs?: number } = {}): Promise<FailureReport> {
  const report = await runVerify({ subjects: [source], runs: 50, seed: 1, checks: [equivalenceCheck], answerWithin: bound, ...o });
  expect(report.failures).toHaveLength(1);
  return report.failures[0]!;
}

const fullBound = (ms = TIMEOUT_MS): HangBound => ({ ms, by: '--timeout' });

describe("a hang's shrink tries", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('are bounded by 10 times the slowest answer, 5 s at least, --timeout at most', async () => {
    expect(shrinkTryMs(TIMEOUT_MS, 0)).toBe(SHRINK_TRY_FLOOR_MS);
    expect(shrinkTryMs(TIMEOUT_MS, SHRINK_TRY_FLOOR_MS)).toBe(SHRINK_TRY_FACTOR * SHRINK_TRY_FLOOR_MS);
    expect(shrinkTryMs(SHRINK_TRY_FLOOR_MS / 2, 0)).toBe(SHRINK_TRY_FLOOR_MS / 2);
    expect(shrinkTryMs(TIMEOUT_MS, TIMEOUT_MS)).toBe(TIMEOUT_MS);
    // Put back as it was, whether the work settles or throws.
    const bound = fullBound();
    await expect(withShrinkTries(bound, () => 0, async (tryBound) => {
      tryBound();
      expect(bound.ms).toBe(SHRINK_TRY_FLOOR_MS);
      throw new Error('a try threw');
    })).rejects.toThrow('a try threw');
    expect(bound).toEqual(fullBound());
  });

  it('shrink a deadlock to the size it needs, each try under the shorter bound, and confirm it under --timeout', async () => {
    const bound = fullBound();
    // An answer takes 0.6 s: tries are bounded by 6 s, not by --timeout's 300.
    const answerMs = 600;
    const { source, requests } = fakeEngine(bound, 4, answerMs);
    const f = await verifyHang(source, bound);
    expect(f).toMatchObject({ transactions: 4, hungMs: TIMEOUT_MS, error: expect.stringContaining('within 300 s (--timeout)') });
    expect([f.shrinkCapped, f.hangUnconfirmed, f.failsOnly]).toEqual([undefined, undefined, undefined]);
    // The first hang and the confirmation under --timeout, the tries between them under the shorter bound.
    const first = requests.findIndex((r) => r.hung);
    const last = requests.length - 1;
    expect(requests[first]!.ms).toBe(TIMEOUT_MS);
    expect(requests[last]).toMatchObject({ txs: 4, ms: TIMEOUT_MS, hung: true });
    const tries = requests.slice(first + 1, last);
    expect(tries.filter((r) => r.hung).length).toBeGreaterThan(0);
    let answered = requests.slice(0, first).some((r) => !r.hung);
    for (const r of tries) {
      expect(r).toMatchObject({ ms: shrinkTryMs(TIMEOUT_MS, answered ? answerMs : 0), by: expect.stringContaining("a hang's shrink try") });
      answered ||= !r.hung;
    }
    expect(tries.some((r) => r.hung && r.ms === SHRINK_TRY_FACTOR * answerMs)).toBe(true);
    expect(bound).toEqual(fullBound());
  });

  it('report the block found, unshrunk, where the smallest hung only under the shorter bound', async () => {
    const bound = fullBound(60_000);
    // Blocks of 4 to 7 transactions take 6 s: past a try's 5 s, within --timeout's 60. The first
    // block, of 12, hangs before any of them is answered (which would raise the tries' bound).
    const { source } = fakeEngine(bound, 8, 0, { from: 4, ms: 6000 });
    const f = await verifyHang(source, bound, { txs: 12 });
    expect(f).toMatchObject({ transactions: 12, numShrinks: 0, hungMs: 60_000, hangUnconfirmed: { transactions: 4, boundMs: SHRINK_TRY_FLOOR_MS } });
    expect(f.failsOnly).toBeUndefined();
    expect(formatFailure(f).join('\n')).toContain('  shrinking    the smallest block the shrinking reached, of 4 transactions, hung under a shrink try\'s shorter bound of 5 s, '
      + 'but answered within --timeout (60 s) alone on a fresh engine: this is the block that hung under --timeout when found, not shrunk');
    // Its token replays the block found.
    const replayed = await replayFailure(source, decodeToken(f.token));
    expect(replayed.report?.block).toEqual(f.block);
  });

  it('stop at the cap on a hang\'s shrinking, which the report and the token name apart from --time-limit', async () => {
    const bound = fullBound();
    // Every block of 2 transactions or more hangs, each try that does for 20 s (10 times the 2 s
    // an answer takes); blocks of 20 leave more changes to try than 120 s allows.
    const answerMs = 2000;
    const { source, requests } = fakeEngine(bound, 2, answerMs);
    const f = await verifyHang(source, bound, { txs: 20 });
    expect(f).toMatchObject({ shrinkCapped: true, shrinkHangLimited: true, hungMs: TIMEOUT_MS });
    expect(f.shrinkTimeLimited).toBeUndefined();
    // The tries (between the first hang and the confirmation) took the cap's time, and at most
    // two more: one started at its end, and the pre-state made a Map after them, which it does not bound.
    const tries = requests.slice(requests.findIndex((r) => r.hung) + 1, -1);
    const spent = tries.reduce((ms, r) => ms + (r.hung ? r.ms : answerMs), 0);
    expect(spent).toBeGreaterThan(HANG_SHRINK_MS);
    expect(spent).toBeLessThanOrEqual(HANG_SHRINK_MS + 2 * shrinkTryMs(TIMEOUT_MS, answerMs));
    expect(formatFailure(f)[0]).toContain(`the shrinker stopped at its cap on time for a hang's shrinking (${HANG_SHRINK_MS / 1000} s in all`);
    const token = decodeToken(f.token);
    expect(token.shrunk?.capped).toBe('hang');
    expect(encodeToken(token)).toBe(f.token);
    // The replay says what stopped the shrinking as the run did: the token's mark.
    const replayed = await replayFailure(source, token);
    expect(replayed.report).toMatchObject({ shrinkCapped: true, shrinkHangLimited: true, token: f.token });
    expect(replayed.report?.shrinkTimeLimited).toBeUndefined();
  });

  it('stop at --time-limit where it comes first, and say so', async () => {
    const bound = fullBound();
    const { source } = fakeEngine(bound, 2, 2000);
    const f = await verifyHang(source, bound, { txs: 20, timeLimitMs: HANG_SHRINK_MS / 4 });
    expect(f).toMatchObject({ shrinkCapped: true, shrinkTimeLimited: true });
    expect(f.shrinkHangLimited).toBeUndefined();
    expect(decodeToken(f.token).shrunk?.capped).toBe('time');
  });
});

describe('an exec: engine', () => {
  const engine = new URL('fixtures/exec/misbehaving-engine.mjs', import.meta.url).pathname;

  // The runner shortens the bound between requests: an engine that read it once, when made, would judge every try by --timeout.
  it('judges each request by its bound as it stands when the request is sent', async () => {
    const bound = fullBound();
    const executor = createExecExecutor(`exec:node ${engine} hang-from 2`, {}, bound);
    const block = (txs: number) => buildBlock({ keys: 1, pre: [{ entity: 0, field: 0, value: 1 }], txs: Array.from({ length: txs }, () => NOOP), gasLimit: null });
    try {
      await executor.execute(block(1));
      bound.ms = 500;
      bound.by = 'a shorter bound';
      const hung = await executor.execute(block(2)).then(() => undefined, (e: unknown) => e);
      expect(hung).toBeInstanceOf(ExecEngineError);
      expect(hung).toMatchObject({ hung: 500, message: expect.stringContaining('within 0.5 s (a shorter bound)') });
    } finally {
      await executor.close().catch(() => {});
    }
  });
});
