// verify's progress bar as a terminal shows it (cli/progress.ts drawing to a stream that says it is
// a TTY): it counts the generated runs this shard owns, never past them, and a counterexample's
// shrink tries, which are no generated runs, are said beside it ("shrinking: N tries") while the
// bar holds still. It counted batches, and a failing batch as a whole one.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Block, BlockResult } from '../spec/block.js';
import { executeReference } from '../spec/reference.js';
import { blockResult } from '../spec/result.js';
import { createProgress } from '../cli/progress.js';
import { equivalenceCheck, type Subject } from '../properties/equivalence.js';
import { runVerify, type ProgressSink, type SubjectSource } from '../properties/runner.js';

class Terminal extends Writable {
  text = '';
  isTTY = true;
  columns = 200;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** cli/progress.ts's bar on a terminal of its own, and every call the run made of it. */
function drawn(): { terminal: Terminal; sink: ProgressSink; calls: ({ start: number; phase: string } | { done: number; item: string })[] } {
  const terminal = new Terminal();
  const bar = createProgress({ env: {}, stream: terminal as Terminal & NodeJS.WriteStream });
  expect(bar.active).toBe(true);
  const calls: ({ start: number; phase: string } | { done: number; item: string })[] = [];
  return {
    terminal, calls,
    sink: {
      start: (total, phase) => {
        calls.push({ start: total, phase });
        bar.start(total, phase);
      },
      update: (done, item) => {
        calls.push({ done, item });
        bar.update(done, item);
      },
      stop: () => bar.stop(),
    },
  };
}

/** A user's executor: the reference, or with `wrong`, tx 2's gas off by one on blocks of 3 transactions or more. */
function source(wrong: boolean): SubjectSource {
  const execute = async (block: Block): Promise<BlockResult> => {
    const r = executeReference(block);
    return wrong ? blockResult(new Map(r.state), r.receipts.map((x, i) => (i === 2 ? { ...x, gasUsed: x.gasUsed + 1 } : x)), [...r.reads], r.stats) : r;
  };
  const subject: Subject = { name: wrong ? 'wrong-from-tx-2' : 'right', coverage: [], execute, close: async () => {} };
  return { name: subject.name, create: async () => subject };
}

/** Every "value/total" the bar drew. */
const fractions = (text: string) => [...text.matchAll(/ (\d+)\/(\d+) /g)].map((m) => [Number(m[1]), Number(m[2])] as const);

describe('verify\'s progress bar', () => {
  it('counts a passing run\'s generated runs up to the runs the shard owns, one by one', async () => {
    const { terminal, sink, calls } = drawn();
    // Shard 3/3 of 120 runs owns batch 2 alone: its last 20 runs.
    const r = await runVerify({ subjects: [source(false)], runs: 120, seed: 1, shard: { index: 3, count: 3 }, checks: [equivalenceCheck], progress: sink });
    expect(r.blocksChecked).toBe(20);
    expect(calls[0]).toEqual({ start: 20, phase: 'right' });
    const done = calls.slice(1).map((c) => ('done' in c ? c.done : -1));
    expect(done).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(calls.at(-1)).toEqual({ done: 20, item: 'equivalence: 20 blocks, 0 schedules' });
    expect(terminal.text).toContain(' 20/20 ');
    for (const [value, total] of fractions(terminal.text)) expect(value).toBeLessThanOrEqual(total);
  });

  it('holds still at the generated runs while a counterexample is shrunk, saying its tries beside it', async () => {
    const { terminal, sink, calls } = drawn();
    const r = await runVerify({ subjects: [source(true)], runs: 100, seed: 1, checks: [equivalenceCheck], progress: sink });
    expect(r.failures).toHaveLength(1);
    expect(r.shrinkBlocks).toBeGreaterThan(0);
    expect(calls[0]).toEqual({ start: 100, phase: 'wrong-from-tx-2' });
    const updates = calls.slice(1).filter((c): c is { done: number; item: string } => 'done' in c);
    const generated = updates.filter((u) => !u.item.includes('shrinking') && !u.item.includes('counterexample'));
    const shrinking = updates.filter((u) => u.item.includes('shrinking: '));
    // One run, one block: the bar counts the generated ones alone, the failing one included.
    expect(generated.map((u) => u.done)).toEqual(Array.from({ length: r.blocksChecked }, (_, i) => i + 1));
    expect(shrinking.length).toBeGreaterThan(1);
    for (const u of shrinking) expect(u.done).toBe(r.blocksChecked);
    const tries = shrinking.map((u) => Number(/shrinking: (\d+) tr/.exec(u.item)![1]));
    expect(tries[0]).toBe(1);
    expect(tries.slice(1).every((n, i) => n >= tries[i]!)).toBe(true);
    expect(shrinking.some((u) => u.item.endsWith('rerunning the smallest on fresh instances'))).toBe(true);
    const last = tries.at(-1)!;
    expect(updates.at(-1)).toEqual({ done: r.blocksChecked, item: `equivalence: a counterexample, shrunk in ${last} tries` });
    // The bar is left as it ended: the generated runs against the runs owned, never past them.
    expect(terminal.text).toContain(` ${r.blocksChecked}/100 `);
    expect(terminal.text).toContain(`equivalence: a counterexample, shrunk in ${last} tries`);
    for (const [value, total] of fractions(terminal.text)) expect(value).toBeLessThanOrEqual(total);
  });
});
