// The second shrinking pass (properties/minimize.ts) on big blocks, and the failure report of a big
// block: a bug that needs two transactions of a 2,000-transaction block shrinks to those two within
// the attempt cap (chunks first, the way delta debugging does), deterministically, every accepted
// step failing; a bug that needs a transaction at a position keeps the transactions before it but
// not their bodies, and one at a later batch boundary moves to the first boundary, and a bug in
// skipping loses the transactions it does not need once the block gas limit is lowered; the pass
// says when the cap stopped it. The report of a block too big to read prints at most MAX_TXS
// transactions (those the explanation names and their neighbours first) and says how many it left
// out and where they are.
// Seeds are pinned so the suite is deterministic and mutation testing can match its tests.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeBlock } from '../spec/block-file.js';
import { emptyStats, type Block, type Receipt, type ReadSet } from '../spec/block.js';
import { executeReference } from '../spec/reference.js';
import type { Executor } from '../spec/executor.js';
import { blockResult, readSetOf, receiptOf, SKIPPED } from '../spec/result.js';
import { newOutcome, runTransaction, TxStatus } from '../spec/vm.js';
import { blockSpecArb, buildBlock, type BlockSpec, type TxSpec } from '../properties/arbitraries.js';
import { equivalenceCheck } from '../properties/equivalence.js';
import { ATTEMPTS_PER_TX, attemptCap, MAX_ATTEMPTS, minimize, MOST_ATTEMPTS, NOOP } from '../properties/minimize.js';
import { formatFailure, MAX_TXS, shownTxs } from '../properties/report.js';
import { newObserver, runVerify, type FailureReport } from '../properties/runner.js';
import { executorSource, executorSubject } from '../properties/subjects.js';
import { EquivalenceError, verifyExecutor } from '../properties/vitest.js';
import type { CheckDef, CheckInput } from '../properties/equivalence.js';

const SEED = 20_240_601;
const BIG = 2000;
/** The token of oogUncounted's failure at runs 200, seed 1, as verifyExecutor made it before minimize() tried gas-keeping removals, and its block's size. */
const OLD_TOKEN = 'cv2_WyJ0ZXN0Om9vZy11bmNvdW50ZWQiLCJlcXVpdmFsZW5jZSIsMSwyMCw2NTUzNywiMjE6MToxOjE6MToxOjM6MTowOjE6MzozOjM6NDo0OjM6MTA6MzozOjM6Mzo1OjQ6Mzo5OjEwOjEwOjEwOjEwOjEwOjEwOjE0OjE0OjE0OjE4OjE4OjE4OjE5IiwwLCI1LnkuMS45LjUiLCJkZmNjNmM0OWFjOTgiXQ';
const OLD_TRANSACTIONS = 10;

/** One generated spec of exactly `n` transactions. */
function specOf(n: number, seed = SEED): BlockSpec {
  return fc.sample(blockSpecArb({ minTxs: n, maxTxs: n }), { seed, numRuns: 1 })[0]!;
}

/**
 * The pass `r` stopped before its cap, counting every block it tried, and is deterministic: a
 * replay reaches the same block in the same steps and runs.
 */
async function expectUncappedAndReplayable(r: Awaited<ReturnType<typeof minimizeCounted>>, spec: BlockSpec, fails: (s: BlockSpec) => boolean | Promise<boolean>): Promise<void> {
  expect(r.capped).toBe(false);
  expect(r.attempts).toBe(r.runs);
  expect(r.runs).toBeLessThanOrEqual(attemptCap(spec));
  const again = await minimizeCounted(spec, fails);
  expect(again.spec).toEqual(r.spec);
  expect(again.steps).toBe(r.steps);
  expect(again.runs).toBe(r.runs);
}

/** Runs `minimize` counting the property's runs and checking that every accepted step failed. */
async function minimizeCounted(spec: BlockSpec, fails: (s: BlockSpec) => boolean | Promise<boolean>) {
  let runs = 0;
  const failing = new Set<BlockSpec>();
  const r = await minimize(spec, async (s) => {
    runs++;
    const f = await fails(s);
    if (f) failing.add(s);
    return f;
  });
  return { ...r, runs, failedWhenTried: failing.has(r.spec) };
}

describe('minimize on a big block', () => {
  it('shrinks a planted 2-transaction bug in a 2,000-transaction block to those two, within the attempt cap', async () => {
    const spec = specOf(BIG);
    expect(spec.txs).toHaveLength(BIG);
    // The bug: the block fails when it still holds tx 700 and, after it, tx 1500 (as they were generated).
    const a = spec.txs[700]!;
    const b = spec.txs[1500]!;
    const fails = (s: BlockSpec) => {
      const i = s.txs.indexOf(a);
      return i >= 0 && s.txs.indexOf(b) > i;
    };
    const r = await minimizeCounted(spec, fails);
    expect(r.spec.txs.length).toBeLessThanOrEqual(4);
    expect(r.spec.txs).toEqual([a, b]);
    expect(r.failedWhenTried).toBe(true);
    expect(r.runs).toBeLessThanOrEqual(MAX_ATTEMPTS);
    // Chunks first: a few dozen runs, not one per transaction.
    expect(r.runs).toBeLessThan(100);
    expect(r.steps).toBeGreaterThan(0);
    expect(r.steps).toBeLessThanOrEqual(r.runs);
    await expectUncappedAndReplayable(r, spec, fails);
  });

  it('shrinks a 2,000-transaction counterexample of an executor that swaps two transactions, against the real check, in seconds', async () => {
    const reorder: Executor = {
      name: 'reorder',
      async execute(block: Block) {
        if (block.txs.length < 2) return executeReference(block);
        const txs = [...block.txs];
        [txs[0], txs[1]] = [txs[1]!, txs[0]!];
        return executeReference({ ...block, txs });
      },
      async close() {},
    };
    const subject = executorSubject(reorder, 'reorder');
    const o = newObserver(subject);
    const [input] = fc.sample(equivalenceCheck.inputs({ min: BIG, max: BIG }, subject), { seed: SEED, numRuns: 1 });
    const [spec, ...rest] = input!;
    const fails = async (s: BlockSpec) => !(await equivalenceCheck.run(subject, o, [s, ...rest]));
    expect(await fails(spec as BlockSpec)).toBe(true);
    const started = performance.now();
    const r = await minimizeCounted(spec as BlockSpec, fails);
    const seconds = (performance.now() - started) / 1000;
    expect(r.spec.txs.length).toBeLessThanOrEqual(4);
    expect(r.spec.txs.length).toBeGreaterThanOrEqual(2);
    expect(r.failedWhenTried).toBe(true);
    expect(r.runs).toBeLessThanOrEqual(MAX_ATTEMPTS);
    expect(seconds).toBeLessThan(30);
  }, 60_000);

  it('keeps at least one transaction and is never larger than its input', async () => {
    const spec = specOf(300, SEED + 1);
    // Fails always: everything that can go goes, down to one transaction.
    const r = await minimizeCounted(spec, () => true);
    expect(r.spec.txs).toHaveLength(1);
    expect(r.spec.pre).toHaveLength(1);
    expect(r.runs).toBeLessThanOrEqual(attemptCap(spec));
    // Fails never: nothing is accepted, and the input comes back as it was.
    const none = await minimizeCounted(spec, () => false);
    expect(none.spec).toBe(spec);
    expect(none.steps).toBe(0);
    expect(none.runs).toBe(attemptCap(spec));
  });

  // A bug past the 600th transaction was reported with all 602: ddmin's first chunk walk spent the
  // 400 tries before a body could become a NOOP.
  it('tries 3 a transaction of a big block, and below MAX_ATTEMPTS the very tries it always made, so older tokens replay', async () => {
    const [spec] = fc.sample(blockSpecArb({ minTxs: 602, maxTxs: 602 }), { numRuns: 1, seed: 7 });
    const live = (t: TxSpec) => JSON.stringify(t) !== JSON.stringify(NOOP);
    const tried: string[] = [];
    const r = await minimize(spec!, async (s) => {
      tried.push(JSON.stringify(s));
      return s.txs.length >= 601 && live(s.txs[600]!) && s.txs.slice(0, 600).some(live);
    });
    expect([r.spec.txs.length, r.spec.txs.filter(live).length, r.capped]).toEqual([601, 2, false]);
    expect(r.attempts).toBeGreaterThan(MAX_ATTEMPTS);
    // The first 400 tries of this pass, as the pass before the raised cap made them (it then
    // stopped there, with all 602 transactions).
    expect(createHash('sha256').update(tried.slice(0, MAX_ATTEMPTS).map((t) => createHash('sha256').update(t).digest('hex').slice(0, 12)).join()).digest('hex').slice(0, 16)).toBe('84dbfc447e56c4be');
  });

  it('stops at the attempt cap when no transaction can go', async () => {
    const spec = specOf(BIG, SEED + 2);
    const r = await minimizeCounted(spec, (s) => s.txs.length === BIG && s.txs.every((t: TxSpec, i) => t === spec.txs[i]));
    // 3 a transaction of a block this big, up to the big-blocks check's 1,100.
    expect(attemptCap(spec)).toBe(MOST_ATTEMPTS);
    expect(r.runs).toBe(MOST_ATTEMPTS);
    expect(r.spec).toBe(spec);
    expect(r.steps).toBe(0);
    // ... and says so.
    expect(r.attempts).toBe(MOST_ATTEMPTS);
    expect(r.capped).toBe(true);
  });

  it('stops at its deadline as at the cap, saying which stopped it', async () => {
    const spec = specOf(BIG, SEED + 2);
    let runs = 0;
    const deadline = performance.now() + 50;
    const r = await minimize(spec, async () => {
      runs++;
      await new Promise((done) => setTimeout(done, 10));
      return false;
    }, deadline);
    expect(r.capped).toBe(true);
    expect(r.outOfTime).toBe(true);
    expect(runs).toBeLessThan(20);
    expect(r.spec).toBe(spec);
    const capped = await minimize(spec, async () => false);
    expect(capped.outOfTime).toBe(false);
  });

  it('empties the bodies of the transactions a bug needs for their positions alone, in a fixed-size block', async () => {
    const spec = specOf(100, SEED + 5);
    const [a, b] = [spec.txs[63]!, spec.txs[64]!];
    // The bug (an executor working in chunks of 64): the block fails while it still holds tx 63
    // and tx 64, as generated, at those positions. No transaction before them can go, and before
    // the fix the cap was spent retrying their removals: 63 random bodies were left.
    const fails = (s: BlockSpec) => s.txs[63] === a && s.txs[64] === b;
    const r = await minimizeCounted(spec, fails);
    expect(r.spec.txs).toHaveLength(65);
    expect(r.spec.txs.slice(0, 63).every((t) => t === NOOP)).toBe(true);
    expect(r.spec.txs.slice(63)).toEqual([a, b]);
    expect(r.spec.pre).toHaveLength(1);
    expect(r.spec.gasLimit).toBeNull();
    expect(r.spec.keys).toBe(1);
    expect(r.failedWhenTried).toBe(true);
    await expectUncappedAndReplayable(r, spec, fails);
  });

  it('moves a bug at a later batch boundary to the first one, in a fixed-size block', async () => {
    const spec = specOf(200, SEED + 6);
    const [a, b] = [spec.txs[191]!, spec.txs[192]!];
    // Batches of 64: the block fails while a and b straddle any boundary. ddmin's chunks (100, 50,
    // 25, ...) move them off it, so before the prefixes of 2^k the block kept all 192 transactions
    // before b and spent the cap.
    const fails = (s: BlockSpec) => s.txs.some((t, i) => i > 0 && i % 64 === 0 && t === b && s.txs[i - 1] === a);
    const r = await minimizeCounted(spec, fails);
    expect(r.spec.txs).toHaveLength(65);
    expect(r.spec.txs.slice(0, 63).every((t) => t === NOOP)).toBe(true);
    expect(r.spec.txs.slice(63)).toEqual([a, b]);
    expect(r.failedWhenTried).toBe(true);
    await expectUncappedAndReplayable(r, spec, fails);
  });

  it('tries a smaller block under the check\'s alternatives when it passes under the failing input, and keeps the one it fails under', async () => {
    // A race met under schedule 'A' by the whole block, and under 'B' by any block holding tx 7:
    // with 'A' alone no transaction can go, since every smaller block runs another interleaving.
    const spec = specOf(120, SEED + 7);
    const racy = spec.txs[7]!;
    const check = (alternatives: boolean): CheckDef => ({
      name: 'interleaving', runsFactor: 1, txs: { min: 1, max: 1 }, applies: () => true,
      inputs: () => fc.constant([spec, 'A'] as unknown as CheckInput),
      run: async (_, o, [s, schedule]) => {
        const fails = schedule === 'A' ? s.txs.length === spec.txs.length : s.txs.includes(racy);
        if (fails) o.fail({ spec: s, block: buildBlock(s), setting: `schedule ${String(schedule)}` });
        return !fails;
      },
      ...(alternatives ? { alternatives: () => [['B']] } : {}),
    });
    const shrunk = async (alternatives: boolean) => {
      const report = await runVerify({ subjects: [executorSource('sequential')], runs: 1, seed: 1, txs: 120, checks: [check(alternatives)] });
      return report.failures[0]!;
    };
    const without = await shrunk(false);
    expect([without.transactions, without.setting]).toEqual([120, 'schedule A']);
    const withAlternatives = await shrunk(true);
    expect([withAlternatives.transactions, withAlternatives.setting]).toEqual([1, 'schedule B']);
  });

  it('lowers the block gas limit, so that a bug in skipping shrinks to one transaction, against the real check', async () => {
    // Returns receipts and read sets for the transactions that ran only: the block fails while one is skipped.
    const noSkip: Executor = {
      name: 'no-skip',
      async execute(block: Block) {
        const r = executeReference(block);
        const ran = r.receipts.flatMap((x, i) => (x.status === 'skipped' ? [] : [i]));
        return blockResult(new Map(r.state), ran.map((i) => r.receipts[i]!), ran.map((i) => r.reads[i]!), r.stats);
      },
      async close() {},
    };
    const subject = executorSubject(noSkip, 'no-skip');
    const o = newObserver(subject);
    const check = (s: BlockSpec, rest: readonly unknown[]) => equivalenceCheck.run(subject, o, [s, ...rest]);
    // The first of these blocks that skips some but not all of its transactions: removing a
    // transaction that ran lets a skipped one run, and removing the limit skips none, so only a
    // lower limit lets the block shrink.
    const inputs = fc.sample(equivalenceCheck.inputs({ min: 12, max: 12 }, subject), { seed: SEED, numRuns: 200 });
    let found: { spec: BlockSpec; rest: readonly unknown[] } | undefined;
    for (const [spec, ...rest] of inputs) {
      const s = spec as BlockSpec;
      const skipped = executeReference(buildBlock(s)).receipts.filter((x) => x.status === 'skipped').length;
      if (skipped > 0 && skipped < 6) {
        found = { spec: s, rest };
        break;
      }
    }
    expect(found).toBeDefined();
    const { spec, rest } = found!;
    const fails = async (s: BlockSpec) => !(await check(s, rest));
    expect(await fails(spec)).toBe(true);
    const r = await minimizeCounted(spec, fails);
    expect(r.spec.txs).toHaveLength(1);
    expect(r.spec.gasLimit).toBe(0);
    expect(r.failedWhenTried).toBe(true);
    expect(r.capped).toBe(false);
    expect(r.runs).toBeLessThanOrEqual(MAX_ATTEMPTS);
  });
});

/**
 * An executor that leaves an out-of-gas transaction's gas out of the block's total, so a block
 * whose gas limit an out-of-gas transaction reaches runs the transactions after it (helper 93's
 * audit).
 */
const oogUncounted: Executor = {
  name: 'oog-uncounted',
  async execute(block: Block) {
    const state = new Map(block.preState);
    const receipts: Receipt[] = [];
    const reads: ReadSet[] = [];
    const out = newOutcome();
    let used = 0;
    for (const tx of block.txs) {
      if (used >= block.gasLimit) {
        receipts.push(SKIPPED);
        reads.push([]);
        continue;
      }
      runTransaction(block.programs[tx.program]!.code, tx.args, tx.gasLimit, { read: (k) => state.get(k) ?? 0 }, out);
      if (out.status === TxStatus.Success) for (let w = 0; w < out.writeCount; w++) state.set(out.writeKeys[w]!, out.writeValues[w]!);
      if (out.status !== TxStatus.OutOfGas) used += out.gasUsed;
      receipts.push(receiptOf(out));
      reads.push(readSetOf(out));
    }
    return blockResult(state, receipts, reads, emptyStats());
  },
  async close() {},
};

describe('minimize on a bug in counting gas toward the block gas limit', () => {
  // Removing a transaction that ran lowers the gas used before the one the bug runs, below the
  // limit: the blocks shrank to 3-8 transactions, where 2 show it (helper 93's audit).
  it('removes transactions with the gas they used from the limit, down to the out-of-gas one and the one after it', async () => {
    const subject = executorSubject(oogUncounted, 'oog-uncounted');
    const o = newObserver(subject);
    const inputs = fc.sample(equivalenceCheck.inputs({ min: 12, max: 12 }, subject), { seed: SEED, numRuns: 300 });
    let shrunk = 0;
    for (const [spec, ...rest] of inputs) {
      const fails = async (s: BlockSpec) => !(await equivalenceCheck.run(subject, o, [s, ...rest]));
      if (!(await fails(spec as BlockSpec))) continue;
      const r = await minimizeCounted(spec as BlockSpec, fails);
      expect(r.failedWhenTried).toBe(true);
      expect(r.spec.txs).toHaveLength(2);
      expect(executeReference(buildBlock(r.spec)).receipts.map((x) => x.status)).toEqual(['out-of-gas', 'skipped']);
      if (shrunk === 0) await expectUncappedAndReplayable(r, spec as BlockSpec, fails);
      if (++shrunk === 3) break;
    }
    expect(shrunk).toBe(3);
  }, 60_000);

  // Tokens digest the block their steps rebuild, and these removals come after every earlier change.
  it('shrinks the failure verify finds to two transactions, and replays a token made before these removals existed to the block it named', async () => {
    const failure = async (o: { runs: number; seed: number } | { replay: string }) => {
      const error = await verifyExecutor(oogUncounted, o).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EquivalenceError);
      return (error as EquivalenceError).report.failures[0]!;
    };
    const now = await failure({ runs: 200, seed: 1 });
    expect(now.transactions).toBe(2);
    expect((await failure({ replay: now.token })).block).toEqual(now.block);
    const old = await failure({ replay: OLD_TOKEN });
    expect(old.transactions).toBe(OLD_TRANSACTIONS);
    expect(old.token).toBe(OLD_TOKEN);
  });
});

/** A failure report of `spec`'s block as the runner builds one (no re-execution: formatFailure reads the report alone). */
function reportOf(spec: BlockSpec, extra: Partial<FailureReport> = {}): FailureReport {
  const block = buildBlock(spec);
  return {
    executor: './reorder.mjs', label: 'reorder', check: 'equivalence', setting: 'threads 4', threads: 4, seed: 65_536, path: '0',
    token: 'cv1_x', replay: 'npx concord verify --replay cv1_x', transactions: block.txs.length, numShrinks: 0, block: writeBlock(block),
    ...extra,
  };
}

const txLines = (lines: readonly string[]) => lines.filter((l) => /^ {4}tx \d+ {2}/.test(l)).map((l) => Number(/tx (\d+)/.exec(l)![1]));

describe('the failure report of a big block', () => {
  const spec = specOf(1600, SEED + 3);
  const file = 'concord-out/verify/reorder.mjs-92df4e24-equivalence-65536.block.json';

  it('prints at most MAX_TXS transactions, those the explanation names and their neighbours first, and says where the rest are', () => {
    const lines = formatFailure(reportOf(spec, {
      blockFile: file,
      explanation: {
        anomaly: 'stale read', elle: 'G-single', tx: 900, key: 1, keyName: '#0.balance', expected: '1', actual: '0',
        shouldComeFrom: { tx: 3 }, cameFrom: { tx: 1599 }, detail: 'tx 900 read a stale value.',
      },
    }));
    const shown = txLines(lines);
    expect(shown.length).toBeLessThanOrEqual(MAX_TXS);
    expect(shown.length).toBeGreaterThan(0);
    for (const t of [898, 899, 900, 901, 902, 1, 2, 3, 4, 5, 1597, 1598, 1599, 0]) expect(shown, `tx ${t}`).toContain(t);
    expect(shown).toEqual([...shown].sort((x, y) => x - y));
    expect(lines.length).toBeLessThan(MAX_TXS + 30);
    expect(lines.join('\n').length).toBeLessThan(24_000);
    const left = 1600 - shown.length;
    expect(lines).toContain(`  not shown    ${left} transactions of 1600: the whole block is in ${file}`);
    // Each run of transactions left out is counted where it was.
    expect(lines.some((l) => /^ {4}\.\.\. \d+ transactions? not shown \(tx \d+(-\d+)?\)$/.test(l))).toBe(true);
    // 13 named or neighbours (tx 1-5, 898-902, 1597-1599), then the first ones up to 40: tx 0-31.
    expect(shown).toEqual([...Array.from({ length: 32 }, (_, i) => i), 898, 899, 900, 901, 902, 1597, 1598, 1599]);
    expect(lines).toContain('    ... 866 transactions not shown (tx 32-897)');
    expect(lines).toContain('    ... 694 transactions not shown (tx 903-1596)');
    expect(lines.some((l) => l.startsWith(`  block file   ${file}`))).toBe(true);
  });

  it('prints the first MAX_TXS transactions when nothing names one, and says so without a block file', () => {
    const lines = formatFailure(reportOf(spec, { error: 'boom' }));
    expect(txLines(lines)).toEqual(Array.from({ length: MAX_TXS }, (_, i) => i));
    expect(lines).toContain(`    ... ${1600 - MAX_TXS} transactions not shown (tx ${MAX_TXS}-1599)`);
    expect(lines.find((l) => l.startsWith('  not shown'))).toMatch(/^ {2}not shown {4}1560 transactions of 1600: the whole block is in the report's block/);
  });

  it('prints a block of MAX_TXS transactions or fewer in full', () => {
    const small = specOf(MAX_TXS, SEED + 4);
    const lines = formatFailure(reportOf(small, { blockFile: file }));
    expect(txLines(lines)).toEqual(Array.from({ length: MAX_TXS }, (_, i) => i));
    expect(lines.some((l) => l.includes('not shown'))).toBe(false);
  });

  it('folds a run of transactions alike into one line, so a shrunk block of no-ops kept for their positions shows whole, and says when shrinking hit its cap', () => {
    const tail = specOf(2, SEED + 5);
    const padded: BlockSpec = { ...tail, txs: [...Array.from({ length: 63 }, () => NOOP), ...tail.txs] };
    const lines = formatFailure(reportOf(padded, { blockFile: file, shrinkCapped: true }));
    expect(lines[0]).toMatch(new RegExp(`shrunk to 65 transactions in 0 steps \\(a step is a change kept; the shrinker stopped at its cap on tries \\(${MAX_ATTEMPTS}, or ${ATTEMPTS_PER_TX} a transaction of the block it started from, up to ${MOST_ATTEMPTS}\\) with changes left untried: a smaller failing block may exist\\)$`));
    expect(lines).toContain('    tx 0-62  addi r0 r0 0 (gas limit 100000)  (63 transactions alike)');
    expect(txLines(lines)).toEqual([63, 64]);
    expect(lines.some((l) => l.includes('not shown'))).toBe(false);
    // Two alike are two lines.
    const two = formatFailure(reportOf({ ...tail, txs: [NOOP, NOOP, ...tail.txs] }));
    expect(txLines(two)).toEqual([0, 1, 2, 3]);
  });

  it('choose transactions deterministically, in block order, ignoring what is out of range', () => {
    expect(shownTxs(10, [3])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(shownTxs(100, [50, -1, 500], 8)).toEqual([0, 1, 2, 48, 49, 50, 51, 52]);
    expect(shownTxs(100, [99, 0], 6)).toEqual([0, 1, 2, 97, 98, 99]);
  });
});
