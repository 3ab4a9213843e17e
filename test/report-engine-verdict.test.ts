// The report judges a user's engine as it judges block-stm against modular (reports/engine-verdict.ts):
// each engine against every one of Concord's executors beside it and against the engines listed
// before it, with the verdict (an inconclusive gap apart from a tie), the rounds it led, the reasons from what each recorded (or that it
// recorded none), the split of a win by thread count, the tally in the overview, and the block-stm
// against modular text of a file without an engine left as it was. Files are built, not measured:
// no figure here depends on this machine's timings.
import { describe, expect, it } from 'vitest';
import { EXECUTORS } from '../impl/registry.js';
import { CONCORD_EXECUTORS, concordExecutor, enginePairs, engineVerdicts } from '../reports/engine-verdict.js';
import { merge } from '../reports/merge.js';
import { renderHtml, renderMarkdown } from '../reports/render.js';
import { parseResults, serializeResults, type ResultsFile } from '../reports/schema.js';
import { contestResults, mdUnescaped, withRounds, type ContestCase } from './report-fixture.js';

/** block-stm at 10/8 = 1.25x and modular at 10/7 = 1.43x at 2 threads; both 10/11 at 1 thread. */
const CASE: ContestCase = {
  workload: 'p2p', idealLimit: 14, seqMs: 10,
  blockStm: {
    1: { ms: 11 },
    2: { ms: 8, perTx: { executions: 1.3, reExecutions: 0.3, validations: 1.9, failedValidations: 0.28 } },
  },
  modular: { 1: { ms: 11 }, 2: { ms: 7, detail: { threads: 2, modules: 8, crossShare: 0.02, laneImbalance: 1.05 } } },
};

type Run = ResultsFile['runs'][number];

/**
 * `doc` with an engine's runs added after the others: block-stm's samples at each thread count
 * scaled by `scale[threads]` (so its jitter, and its rounds, are block-stm's), with what it recorded.
 */
function withEngine(doc: ResultsFile, name: string, scale: Record<1 | 2, number>, recorded: Partial<Run> = {}): ResultsFile {
  const out = structuredClone(doc);
  const runs = out.runs.filter((r) => r.executor === 'block-stm').map((r): Run => ({
    ...r, executor: name, samplesMs: r.samplesMs.map((v) => v * scale[r.threads as 1 | 2]),
    perTx: { executions: 1, reExecutions: 0.02, validations: 1, failedValidations: 0.01 }, detail: {}, fallback: '', fallbackShare: 0, ...recorded,
  }));
  out.runs.push(...runs);
  out.settings.executors.push(`./${name}.mjs`);
  out.startup.push({ executor: name, threads: 2, createMs: 60, firstBlockMs: 30 });
  // What bench writes passes the schema; so must what these tests render.
  return parseResults(serializeResults(out), 'r.json');
}

function section(md: string): string {
  const start = md.indexOf('## Which executor wins, and why');
  expect(start).toBeGreaterThanOrEqual(0);
  return md.slice(start, md.indexOf('\n## ', start + 1));
}

const render = (doc: ResultsFile) => mdUnescaped(renderMarkdown(merge([{ file: 'r.json', doc }]), []));

/**
 * The engine table's row for the engine `first` against `other`: its cells, without the outer pipes.
 * The why cell (index 8) says why in a sentence and the reasons follow the table ("LABEL, FIRST
 * against OTHER: ..."): the why cell here is those reasons, as the cell held them all before
 * (whyCell() gives the cell as printed).
 */
function row(md: string, first: string, other: string): string[] {
  const lines = section(md).split('\n');
  const line = lines.find((l) => l.startsWith('| p2p ') && l.includes(` | ${first} | `) && l.includes(` | ${other} | `));
  expect(line, `no row for ${first} against ${other}`).toBeDefined();
  const cells = line!.slice(2, -2).split(' | ');
  const key = `, ${first} against ${other}: `;
  const detail = lines.find((l) => l.startsWith('p2p ') && l.includes(key));
  expect(detail, `no reasons for ${first} against ${other}`).toBeDefined();
  cells[8] = detail!.slice(detail!.indexOf(key) + key.length);
  return cells;
}

/** The why cell of the engine `first` against `other` as printed: one short sentence. */
function whyCell(md: string, first: string, other: string): string {
  const line = section(md).split('\n').find((l) => l.startsWith('| p2p ') && l.includes(` | ${first} | `) && l.includes(` | ${other} | `))!;
  return line.slice(2, -2).split(' | ')[8]!;
}

describe("a user's engine in the report's verdicts", () => {
  // block-stm's samples at 0.6 of its time: the engine is clearly the faster at 2 threads.
  const alone = withRounds(contestResults([CASE]), 5);
  const doc = withEngine(alone, 'mine', { 1: 1.05, 2: 0.6 }, { perTx: { executions: 1.01, reExecutions: 0.01, validations: 1, failedValidations: 0 }, detail: { waves: 12, edges: 340.5 } });

  it('judges the engine against block-stm and against modular, by the test block-stm and modular are judged by', () => {
    const md = render(doc);
    const [, threads, first, , other, , , verdict] = row(md, 'mine', 'block-stm');
    expect([threads, first, other]).toEqual(['2', 'mine', 'block-stm']);
    expect(verdict).toMatch(/^mine wins \(\+\d+%, p=0\.00\d, faster in 5 of 5 rounds\)$/);
    expect(row(md, 'mine', 'modular')[7]).toMatch(/^mine wins \(/);
    expect(section(md)).toContain('| workload | threads | executor | speedup | against | speedup | ideal | verdict | why |');
    expect(section(md)).toContain('Your engines (each executor not built into Concord: a module or an exec: engine) are judged against each of Concord\'s executors they ran beside');
  });

  it('gives the reasons from what each recorded: the re-executions set side by side, the engine\'s own counters quoted', () => {
    const why = row(render(doc), 'mine', 'block-stm')[8]!;
    expect(why).toContain('mine re-executed fewer transactions than block-stm (0.01 against 0.30 per transaction)');
    expect(why).toContain('mine reports 0.01 re-executions and 0 failed validations per transaction');
    expect(why).toContain("mine's own counters, as the mean per block: waves 12, edges 340.5");
    expect(why).toContain('block-stm re-executed 0.30 and failed 0.28 validations per transaction');
    expect(why).toMatch(/mine's lead, split: at 1 thread mine 0\.\d\dx and block-stm 0\.\d\dx/);
  });

  it('says why in one short sentence per cell, the figures left to the paragraph under the table', () => {
    const md = render(doc);
    expect(whyCell(md, 'mine', 'block-stm')).toBe('mine\'s lead is how it scales (at 1 thread the two tie).');
    expect(md).toContain('Why, in full, for your engines: the figures each why cell above rests on, by workload and pair.');
  });

  it('says so where an engine recorded no statistics', () => {
    const silent = withEngine(alone, 'mine', { 1: 1.05, 2: 0.6 }, { perTx: { executions: 0, reExecutions: 0, validations: 0, failedValidations: 0 }, detail: {} });
    const why = row(render(silent), 'mine', 'block-stm')[8]!;
    expect(why).toContain('mine reports no statistics to say why (no executions, re-executions or validations counted, no counter of its own)');
    expect(why).not.toContain('re-executed fewer');
  });

  it('calls a wide gap the rounds cannot tell from noise inconclusive, not a tie nor a win, and tallies it apart', () => {
    // The engine at 0.6 of block-stm's time at 2 threads, but at 1.8 in one of its five rounds:
    // faster in 4 rounds of 5 is no significant difference with 5 rounds a side, while the
    // speedups stand far more than 5% apart.
    const noisy = structuredClone(doc);
    const mine = noisy.runs.find((r) => r.executor === 'mine' && r.threads === 2)!;
    mine.samplesMs = mine.samplesMs.map((v, i) => (mine.rounds![i] === 4 ? v * 3 : v));
    const v = engineVerdicts(merge([{ file: 'r.json', doc: noisy }])).find((x) => x.other === 'block-stm')!.headline;
    expect(v).toMatchObject({ unit: 'rounds', winner: 'inconclusive' });
    expect(v.ratio).toBeGreaterThanOrEqual(1.05);
    expect(v.p).toBeGreaterThan(0.05);
    const md = render(noisy);
    expect(row(md, 'mine', 'block-stm')[7]).toMatch(/^inconclusive \(\d+% apart, p=0\.\d+: too few or too noisy rounds to tell; mine faster in 4 of 5 rounds\)$/);
    expect(md).toContain('mine against block-stm: mine on 0 workloads, block-stm on 0, a tie on 0, inconclusive on 1 (5% apart or more, but not significantly: too few or too noisy rounds to tell)');
  });

  it('gives no verdict where the engine did not match the reference, and says why', () => {
    const wrong = structuredClone(doc);
    for (const r of wrong.runs) if (r.executor === 'mine') r.correct = false;
    const [, , , , , , , verdict, why] = row(render(wrong), 'mine', 'block-stm');
    expect(verdict).toBe('no verdict');
    expect(why).toContain('mine did not match the reference, so its times are not valid speedups');
  });

  it('leaves the block-stm and modular verdicts as they were, and the section as it was in a file without an engine', () => {
    const before = section(render(alone));
    const after = section(render(doc));
    const builtIn = before.split('\n').filter((l) => l.startsWith('| '));
    for (const line of builtIn) expect(after).toContain(line);
    expect(after).toContain(before.split('\n')[2]!);
    expect(engineVerdicts(merge([{ file: 'r.json', doc: alone }]))).toEqual([]);
  });

  it('needs no modular run: an engine measured beside block-stm alone gets its verdict', () => {
    const noModular = structuredClone(doc);
    noModular.runs = noModular.runs.filter((r) => r.executor !== 'modular');
    noModular.settings.executors = noModular.settings.executors.filter((e) => e !== 'modular');
    noModular.startup = noModular.startup.filter((s) => s.executor !== 'modular');
    const md = render(noModular);
    expect(section(md)).not.toContain('No workload has runs of both');
    expect(section(md)).toMatch(/^## Which executor wins, and why \(at 2 threads, the most this machine measured\)\n\nEvery verdict here is at 2 threads/);
    expect(row(md, 'mine', 'block-stm')[7]).toMatch(/^mine wins/);
    expect(md).toMatch(/Which executor wins at the highest thread count both ran, for each engine of yours: mine against block-stm: mine on 1 workload, block-stm on 0, a tie on 0;/);
    expect(renderHtml(merge([{ file: 'r.json', doc: noModular }]), [])).toContain('<th>against</th>');
  });

  it('judges two engines against each other, the later against the earlier', () => {
    const two = withEngine(doc, 'theirs', { 1: 1.05, 2: 0.9 });
    const md = render(two);
    expect(row(md, 'theirs', 'mine')[7]).toMatch(/^mine wins \(/);
    expect(row(md, 'theirs', 'block-stm')[7]).toMatch(/^theirs wins \(|^tie \(/);
    expect(md).toContain('theirs against mine: theirs on 0 workloads, mine on 1, a tie on 0');
  });
});

describe('which pairs an engine is judged in', () => {
  it('pairs each engine with every one of Concord\'s executors and with the engines before it, and leaves Concord\'s own pairs alone', () => {
    expect(enginePairs(['block-stm', 'modular', 'mine', 'theirs'], undefined)).toEqual([
      ['mine', 'block-stm'], ['mine', 'modular'], ['theirs', 'block-stm'], ['theirs', 'modular'], ['theirs', 'mine'],
    ]);
    expect(enginePairs(['block-stm', 'modular (hash)', 'modular (affinity)'], ['hash', 'affinity'])).toEqual([]);
  });

  it("tells a module that declares one of Concord's names (labelled with its path) from Concord's executor", () => {
    expect(concordExecutor('modular (./m.mjs)', undefined)).toBeNull();
    expect(concordExecutor('modular (hash)', ['hash'])).toBe('modular');
    expect(concordExecutor('block-stm', undefined)).toBe('block-stm');
  });

  it("keeps the registry's names: reports/ holds its own copy", () => {
    expect([...CONCORD_EXECUTORS].sort()).toEqual([...EXECUTORS.keys()].sort());
  });
});
