// The vitest helper's replay says what `concord verify --replay` says of a cv8_ token: a block that
// fails as the token's failure did is reproduced, and one that fails another way (the executor,
// fixed of its lost write, now throws or hangs on that block) says first that it failed otherwise,
// in failedOtherwise's words, with `reproduced: false` and `failedOtherwise` on the error. A token
// from before tokens named their failure's kind still cannot tell.
import { describe, expect, it } from 'vitest';
import { executeReference } from '../spec/reference.js';
import type { Executor } from '../spec/executor.js';
import { decodeToken, encodeToken, type TokenV1 } from '../properties/replay.js';
import { EquivalenceError, ExecutorTimeoutError, ReplayHangError, verifyExecutor } from '../properties/vitest.js';

type Mode = 'lose a write' | 'throw' | 'hang';

/** `text` matched literally inside a RegExp (Node 20 has no RegExp.escape). */
const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The reference, except on a block of 2 transactions or more as `mode.now` says: its last written
 * key back at its pre-state value (a lost write), an error, or an execute() that never settles.
 */
function switching(mode: { now: Mode }): () => Executor {
  return () => ({
    name: 'switching',
    async execute(block) {
      const r = executeReference(block);
      if (block.txs.length < 2) return r;
      if (mode.now === 'throw') throw new Error('opcode 21 (hash) is not supported yet');
      if (mode.now === 'hang') return new Promise<never>(() => {});
      const last = [...r.state].filter(([k, v]) => (block.preState.get(k) ?? 0) !== v).at(-1);
      if (!last) return r;
      const state = new Map(r.state);
      state.set(last[0], block.preState.get(last[0]) ?? 0);
      return { ...r, state };
    },
    async close() {},
  });
}

describe('verifyExecutor({ replay }) of a cv8_ token', async () => {
  const mode: { now: Mode } = { now: 'lose a write' };
  const executor = switching(mode);
  const found = await verifyExecutor(executor, { runs: 100 }).catch((e: unknown) => e);
  const failure = (found as EquivalenceError).report.failures[0]!;
  const replay = async (now: Mode, token = failure.token) => {
    mode.now = now;
    return verifyExecutor(executor, { replay: token, timeout: 300 }).catch((e: unknown) => e);
  };

  it('names the failure a lost write in the token', () => {
    expect(found).toBeInstanceOf(EquivalenceError);
    expect(decodeToken(failure.token)).toMatchObject({ version: 8, failure: 'wrong result: lost write' });
  });

  it('reproduces it on the executor that still loses the write, as before', async () => {
    const again = await replay('lose a write');
    expect(again).toBeInstanceOf(EquivalenceError);
    expect(again).toMatchObject({ reproduced: true });
    expect(again).not.toHaveProperty('failedOtherwise');
    expect((again as Error).message).toMatch(/^Concord found a counterexample:\nFAIL switching: equivalence check/);
    expect((again as EquivalenceError).report.failures[0]!.block).toEqual(failure.block);
  });

  it('says first that an executor that now throws on the block failed otherwise', async () => {
    const error = await replay('throw');
    expect(error).toBeInstanceOf(EquivalenceError);
    const otherwise = 'the token\'s failure was a lost write (a wrong result), and this replay failed as a throw (an error from the executor) '
      + '(threw: Error: opcode 21 (hash) is not supported yet): another failure of the same block, so the token\'s is neither reproduced nor shown gone';
    expect(error).toMatchObject({ reproduced: false, failedOtherwise: otherwise });
    expect((error as Error).message).toMatch(new RegExp(`^Concord's replay failed, but not as found: ${escaped(otherwise)}\nConcord found a counterexample:\nFAIL switching: `));
    expect((error as EquivalenceError).report.failures[0]!.error).toBe('Error: opcode 21 (hash) is not supported yet');
  });

  it('says first that an executor that now hangs on the block failed otherwise, still rejecting with ExecutorTimeoutError', async () => {
    const error = await replay('hang');
    expect(error).toBeInstanceOf(ExecutorTimeoutError);
    expect(error).toBeInstanceOf(ReplayHangError);
    const otherwise = `the token's failure was a lost write (a wrong result), and this replay failed as a hang (hung on a block of ${failure.transactions} transactions: `
      + 'no answer within 0.3 s (timeout)): another failure of the same block, so the token\'s is neither reproduced nor shown gone';
    expect(error).toMatchObject({ reproduced: false, failedOtherwise: otherwise, name: 'ExecutorTimeoutError' });
    expect((error as Error).message).toMatch(new RegExp(`^Concord's replay failed, but not as found: ${escaped(otherwise)}\nverifyExecutor: the executor switching: execute\\(\\) on `));
    expect((error as ExecutorTimeoutError).hang.token).toBe(failure.token);
  });

  it('cannot tell from a token that names no kind, and reports the throw as before', async () => {
    const { executor: name, check, minTxs, maxTxs, seed, path } = decodeToken(failure.token);
    const older: TokenV1 = { version: 1, executor: name, check, minTxs, maxTxs, seed, path };
    const error = await replay('throw', encodeToken(older));
    expect(error).toBeInstanceOf(EquivalenceError);
    expect(error).toMatchObject({ reproduced: true });
    expect(error).not.toHaveProperty('failedOtherwise');
    expect((error as Error).message).toMatch(/^Concord found a counterexample:\nFAIL switching: /);
  });
});
