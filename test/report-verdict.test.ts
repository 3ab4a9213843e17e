// The report's "Which executor wins, and why" section: its scope (the thread count of its verdicts)
// in its title, a row that says where the predictions rank the executors the other way, the verdict at the highest shared thread
// count (a clear modular win with few cross-module transactions, a block-stm win where block-stm
// fell back and modular's lanes were serialized, a tie on noisy samples with a differing 1-thread
// verdict), the reasons quoted from the recorded numbers, a block the preflight sent away although
// its ideal is higher (nft), a results file from before `detail` was recorded, and the same
// sentences in the HTML page; a file that measured modular once per partition, judged against
// block-stm partition by partition; and the names reports/ keeps its own copies of match their writers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { optimistic, pessimistic } from '../reports/fit.js';
import { merge } from '../reports/merge.js';
import { renderHtml, renderMarkdown } from '../reports/render.js';
import { parseResults, serializeResults, type ResultsFile } from '../reports/schema.js';
import { BLOCK_STM, MODULAR, verdicts } from '../reports/verdict.js';
import { SLOWER_AT_TWO } from '../reports/fit.js';
import { explain, PREFLIGHT_REASON as REPORTS_PREFLIGHT } from '../reports/why.js';
import { P2P_GRID_GROUP as REPORTS_P2P_GRID } from '../reports/anchors.js';
import { PREFLIGHT_REASON as IMPL_PREFLIGHT } from '../impl/preflight.js';
import { P2P_GRID_GROUP as BENCH_P2P_GRID } from '../bench/suite.js';
import { DEFAULT_PARTITION as REPORTS_DEFAULT_PARTITION } from '../reports/partitions.js';
import { DEFAULT_PARTITION as IMPL_DEFAULT_PARTITION } from '../impl/modular/partition.js';
import { contestResults, mdUnescaped, partitionedResults, PREFLIGHT_CHAIN, sampleResults, withRounds, type ContestCase, type PartitionedCase } from './report-fixture.js';

const CONTENTION = 'contention: transactions 256 to 512 needed 400 executions';

/** Modular at 10/5.5 = 1.82x against block-stm's 10/8 = 1.25x, with 2% of its transactions crossing modules. */
const MODULAR_WINS: ContestCase = {
  workload: 'p2p', idealLimit: 14, seqMs: 10,
  blockStm: {
    1: { ms: 11 },
    2: { ms: 8, perTx: { executions: 1.3, reExecutions: 0.3, validations: 1.9, failedValidations: 0.28 }, detail: { estimateWaits: 150, dependencyResumes: 120, threads: 2 } },
  },
  modular: {
    1: { ms: 11 },
    2: { ms: 5.5, detail: { threads: 2, modules: 8, crossModuleTxs: 20, crossShare: 0.02, laneImbalance: 1.05, crossWaits: 10, barriers: 0, windows: 1, hotLaneWindows: 0, undeclaredAccesses: 0 } },
  },
};

/** A dependency chain: block-stm falls back on every block and keeps the sequential pace; modular's lanes wait on each other. */
const BLOCK_STM_FELL_BACK: ContestCase = {
  workload: 'amm', idealLimit: 1, seqMs: 10,
  blockStm: {
    1: { ms: 10.5 },
    2: { ms: 10.2, perTx: { executions: 0.1, reExecutions: 0, validations: 0.1, failedValidations: 0.02 }, fallback: CONTENTION, fallbackShare: 1, detail: { estimateWaits: 30, threads: 2 } },
  },
  modular: {
    1: { ms: 10.5 },
    2: { ms: 14, detail: { threads: 2, modules: 2, crossShare: 0.6, laneImbalance: 1.9, crossWaits: 800, barriers: 0, windows: 1, hotLaneWindows: 1, undeclaredAccesses: 0 } },
  },
};

/** 6.0 against 6.05 ms at 2 threads on a busy machine; at 1 thread block-stm is clearly ahead. */
const TIE: ContestCase = {
  workload: 'token', idealLimit: 18, seqMs: 10, busy: true,
  blockStm: {
    1: { ms: 10.5 },
    2: { ms: 6, perTx: { executions: 1.01, reExecutions: 0.01, validations: 1.9, failedValidations: 0.01 } },
  },
  modular: {
    1: { ms: 13 },
    2: { ms: 6.05, detail: { threads: 2, modules: 8, crossShare: 0.25, laneImbalance: 1.2, crossWaits: 20, windows: 1, hotLaneWindows: 0 } },
  },
};

function section(md: string): string {
  const start = md.indexOf('## Which executor wins, and why');
  expect(start).toBeGreaterThanOrEqual(0);
  return md.slice(start, md.indexOf('\n## ', start + 1));
}

function render(doc: ResultsFile): string {
  return section(renderMarkdown(merge([{ file: 'r.json', doc }]), []));
}

/** The Method section, where the verdict section's rule is followed by how its reasons, splits, predictions and test are read. */
function method(doc: ResultsFile): string {
  const md = renderMarkdown(merge([{ file: 'r.json', doc }]), []);
  const start = md.indexOf('## Method');
  expect(start).toBeGreaterThanOrEqual(0);
  return md.slice(start, md.indexOf('\n## ', start + 1));
}

/**
 * The table row of a workload in the section: its cells, without the outer pipes. The why cell says
 * why in a sentence and the figures behind it follow the table, a paragraph per row in the rows'
 * order: the why cell here is that paragraph's text, as the cell held it all before (whyCell()
 * gives the cell as printed).
 */
function row(md: string, label: string): string[] {
  const lines = md.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`| ${label} |`));
  expect(at, `no row for ${label}`).toBeGreaterThanOrEqual(0);
  const cells = lines[at]!.slice(2, -2).split(' | ').map(mdUnescaped);
  const header = lines.slice(0, at).reverse().find((l) => l.startsWith('| workload |'))!.slice(2, -2).split(' | ');
  const why = header.indexOf('why');
  const details = lines.filter((l) => l.startsWith(`${label}: `) || l.startsWith(`${label}, `));
  if (why >= 0 && details.length) cells[why] = mdUnescaped(details[0]!.slice(details[0]!.indexOf(': ') + 2));
  return cells;
}

/** The why cell of a workload's row as printed: one short sentence. */
function whyCell(md: string, label: string): string {
  const lines = md.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`| ${label} |`));
  const header = lines.slice(0, at).reverse().find((l) => l.startsWith('| workload |'))!.slice(2, -2).split(' | ');
  return mdUnescaped(lines[at]!.slice(2, -2).split(' | ')[header.indexOf('why')]!);
}

describe('the names reports/ shares with the code that writes results files', () => {
  it('match: reports/ keeps its own copies so that it imports no executor or benchmark code', () => {
    expect(REPORTS_PREFLIGHT).toBe(IMPL_PREFLIGHT);
    expect(REPORTS_P2P_GRID).toBe(BENCH_P2P_GRID);
    expect(REPORTS_DEFAULT_PARTITION).toBe(IMPL_DEFAULT_PARTITION);
  });
});

describe('which executor wins, and why', () => {
  const doc = contestResults([MODULAR_WINS, BLOCK_STM_FELL_BACK, TIE]);
  const md = render(doc);

  it('states how the verdict is reached', () => {
    expect(md).toContain('the one with the higher speedup over the interleaved sequential baseline wins when their block times differ significantly (Mann-Whitney p ≤ 0.05) and by at least 5%; closer than that it is a tie, and a wider gap the test does not find significant is inconclusive (too few or too noisy rounds to tell it from noise, counted apart from the ties).');
    expect(md).toContain('| workload | threads | block-stm | modular | ideal | verdict | why | predicted (block-stm / modular) |');
    expect(md).toContain('How the reasons, the split of a lead, the predictions and the test are read: the Method section at the end.');
    expect(md).not.toContain('Predicted: both executors');
    expect(method(doc)).toContain('Predicted: both executors\' simulated speedups at the highest thread count both models reach');
  });

  it('names the baseline the speedups are over where bench --baseline gave another', () => {
    const own = structuredClone(doc);
    own.settings.baseline = 'exec:./engine --sequential';
    expect(render(own)).toContain('the one with the higher speedup over the interleaved baseline exec:./engine --sequential wins when');
    const both = section(renderMarkdown(merge([{ file: 'a.json', doc }, { file: 'b.json', doc: own }]), []));
    expect(both).toContain('the one with the higher speedup over each file\'s interleaved baseline (sequential, exec:./engine --sequential) wins when');
  });

  it('says up front at which thread count its verdicts stand, and that it is the most the machine measured', () => {
    expect(md).toMatch(/^## Which executor wins, and why \(at 2 threads, the most this machine measured\)\n/);
    expect(md).toContain('Every verdict here is at 2 threads, the most this machine measured: what holds there need not hold on more cores');
    // A file that measured 4 threads, where the two executors share only 1 and 2, does not call 2 the most.
    const wider = structuredClone(doc);
    wider.settings.threads = [1, 2, 4];
    expect(render(wider)).toMatch(/^## Which executor wins, and why \(at 2 threads\)\n/);
  });

  it('says in the row where the predictions at more threads rank the executors the other way, drawing no verdict from them', () => {
    const predicted = structuredClone(doc);
    const id = (name: string) => predicted.workloads.find((w) => w.id.startsWith(name))!.id;
    predicted.simulated.push(
      // Modular wins p2p at 2 threads; the models put block-stm well ahead at 64.
      { workload: id('p2p'), executor: 'block-stm', threads: 64, speedup: 17.14, model: 'b' },
      { workload: id('p2p'), executor: 'modular', threads: 64, speedup: 7.56, model: 'm', modules: 128 },
      // The token tie, and models within 5% of each other, say nothing.
      { workload: id('token'), executor: 'block-stm', threads: 64, speedup: 15, model: 'b' },
      { workload: id('token'), executor: 'modular', threads: 64, speedup: 7, model: 'm', modules: 128 },
    );
    const text = render(predicted);
    expect(row(text, 'p2p 1000 acc × 1000 tx')[6]).toMatch(/ The predictions rank them the other way at 64 threads \(block-stm 17\.14x, modular 7\.56x\): a model's, not a measurement, so no verdict is drawn from it\.$/);
    expect(row(text, 'p2p 1000 acc × 1000 tx')[5]).toBe('modular wins (+47%, p<0.001)');
    expect(row(text, 'token 1000 acc × 1000 tx')[6]).not.toContain('other way');
    // A ranking that rests on a marked model says so, and draws nothing from it.
    predicted.simulated[0]!.model = 'no cost per line (not fitted: no parallel 2-thread measurement, so the model is optimistic at more threads)';
    expect(row(render(predicted), 'p2p 1000 acc × 1000 tx')[6]).toMatch(/ \(block-stm 17\.14x, modular 7\.56x\), but block-stm's is optimistic \(see its note\), so no ranking follows from them either\.$/);
    predicted.simulated[1]!.speedup = 16.5;
    expect(row(render(predicted), 'p2p 1000 acc × 1000 tx')[6]).not.toContain('other way');
  });

  it('marks a model slower than the measured 2-thread run even at no handover cost as pessimistic, in old files\' words and new', () => {
    const predicted = structuredClone(doc);
    const p2p = predicted.workloads.find((w) => w.id.startsWith('p2p'))!.id;
    // As the published file's p2p 10 acc × 1000 tx: handoverFitted true, yet the model is slower than measured at 2 threads.
    const before = 'no cost per slot or lane a worker takes over from another (at no cost the model already takes 2.36 ms at 2 threads, the measured 2.09 ms or more)';
    predicted.simulated.push(
      { workload: p2p, executor: 'block-stm', threads: 64, speedup: 17, model: 'b; 35 ns per cache line (fitted to the measured 2-thread 22.63 ms)', handoverFitted: true },
      { workload: p2p, executor: 'modular', threads: 64, speedup: 0.3, model: `m; ${before}`, handoverFitted: true, modules: 128 },
    );
    const pessimistic = 'Slower than measured at 2 threads: even charging nothing for a handover, the model is slower than the executor\'s measured 2-thread run, so no handover cost was fitted, its 2-thread point does not match the measurement, and the prediction is pessimistic.';
    let text = render(predicted);
    expect(row(text, 'p2p 1000 acc × 1000 tx').at(-1)).toBe('17.00x / 0.30x¹ at 64');
    expect(mdUnescaped(text)).toContain(`¹ ${pessimistic}`);
    expect(text).not.toContain('optimistic (its footnote');
    // The new words, from bench/simulate-modular.ts, and a file from before handoverFitted, read the same.
    predicted.simulated[1]!.model = `m; no cost per slot or lane a worker takes over from another (${SLOWER_AT_TWO}: the model takes 2.36 ms at 2 threads, the measured 2.09 ms)`;
    delete predicted.simulated[1]!.handoverFitted;
    text = render(parseResults(serializeResults(predicted), 'r.json'));
    expect(row(text, 'p2p 1000 acc × 1000 tx').at(-1)).toBe('17.00x / 0.30x¹ at 64');
    // A model both optimistic at 1 thread's fit and pessimistic at 2 carries both marks, apart.
    predicted.simulated[1]!.model += '; 0 ns per shared-memory operation (not fitted: even at no cost the model takes 3.87 ms at 1 thread)';
    expect(row(render(predicted), 'p2p 1000 acc × 1000 tx').at(-1)).toBe('17.00x / 0.30x¹,² at 64');
    // The simulated scaling table marks the point too, its calibration on the row's executor.
    const full = mdUnescaped(renderMarkdown(merge([{ file: 'r.json', doc: predicted }]), []));
    const modularRow = full.split('\n').find((l) => l.startsWith('| p2p 1000 acc × 1000 tx | modular (128 lanes)'))!;
    const [, calibration, mark] = /^\| p2p 1000 acc × 1000 tx \| modular \(128 lanes\)([¹²³⁴]) \| (?:.* \| )?0\.30x([¹²³⁴]) \|$/.exec(modularRow) ?? [];
    expect(calibration, modularRow).toBeDefined();
    expect(calibration).not.toBe(mark);
    expect(full).toContain(`${mark} ${pessimistic}`);
    expect(full).toContain(`${calibration} modular on p2p 1000 acc × 1000 tx: m; no cost per slot or lane`);
    expect(full).toContain('except where the model, charging nothing for a handover, is already slower than the 2-thread measurement');
  });

  it('quotes both models\' predictions at the highest thread count both reach, and – where they do not', () => {
    const predicted = structuredClone(doc);
    const p2p = predicted.workloads.find((w) => w.id.startsWith('p2p'))!.id;
    predicted.simulated.push(
      { workload: p2p, executor: 'block-stm', threads: 32, speedup: 12, model: 'b' },
      { workload: p2p, executor: 'block-stm', threads: 64, speedup: 20, model: 'b' },
      { workload: p2p, executor: 'modular', threads: 32, speedup: 7.5, model: 'm', modules: 64 },
    );
    let text = render(predicted);
    expect(row(text, 'p2p 1000 acc × 1000 tx').at(-1)).toBe('12.00x / 7.50x at 32');
    expect(row(text, 'amm 1000 acc × 1000 tx').at(-1)).toBe('–');
    // A model that could not be fitted is optimistic: its cell says so, as its footnote in the simulated section does.
    predicted.simulated[2]!.model = 'm (not fitted: no usable 2-thread run)';
    text = render(predicted);
    expect(row(text, 'p2p 1000 acc × 1000 tx').at(-1)).toBe('12.00x / 7.50x¹ at 32');
    expect(text).toContain('¹ Not fitted: the model could not fit a cost to this machine\'s runs and charges none for it, so the prediction is optimistic');
    // At 1 thread the point is the measurement's, by construction: no prediction to quote, and the cell says why.
    const amm = predicted.workloads.find((w) => w.id.startsWith('amm'))!.id;
    predicted.simulated.push(
      { workload: amm, executor: 'block-stm', threads: 1, speedup: 0.7, model: 'b (not fitted: no usable 2-thread run)' },
      { workload: amm, executor: 'modular', threads: 1, speedup: 0.8, model: 'm (not fitted: no usable 2-thread run)' },
    );
    text = render(predicted);
    expect(row(text, 'amm 1000 acc × 1000 tx').at(-1)).toBe('–²');
    expect(text).not.toContain('0.70x / 0.80x at 1');
    expect(text).toContain('² No prediction: the highest thread count both models reach is no higher than the highest measured, and there the models are fitted to the measurements');
  });

  it('modular wins a low-contention block with few cross-module transactions', () => {
    const [, threads, blockStm, modular, ideal, verdict, why] = row(md, 'p2p 1000 acc × 1000 tx');
    expect([threads, blockStm, modular, ideal]).toEqual(['2', '1.27x', '1.86x', '2.00x']);
    expect(verdict).toBe('modular wins (+47%, p<0.001)');
    expect(why).toBe(
      'block-stm re-executed 0.30 and failed 0.28 validations per transaction, waiting on an estimate 0.15 times per transaction; '
      + 'few of modular\'s transactions crossed modules (cross-module share 2.0%, lane imbalance 1.05). At 1 thread: tie (2% apart, p=0.393).'
      + ' modular\'s lead, split: at 1 thread block-stm 0.90x and modular 0.92x (each one\'s cost per transaction beside the baseline\'s), and from 1 to 2 threads block-stm scales by 1.39x and modular by 2.00x (each one\'s own block time at 1 thread over its time at 2): modular\'s lead is how it scales (at 1 thread the two tie).',
    );
  });

  it('adds the speedups over the baseline\'s fastest core where the baseline recorded CPUs and they differ', () => {
    // One sample a round, the baseline's rounds on the two CPUs in turn.
    const withCpus = withRounds(doc, 10);
    const base = withCpus.runs.find((r) => r.role === 'baseline' && r.threads === 2 && r.workload.startsWith('p2p'))!;
    // Half the rounds on a core that ran the baseline 1.5x slower: the plain median rises, the fastest core's does not.
    base.cpus = base.rounds!.map((round) => round % 2);
    base.samplesMs = base.samplesMs.map((ms, i) => (base.cpus![i] === 0 ? ms * 1.5 : ms));
    const [, , blockStm, modular] = row(render(withCpus), 'p2p 1000 acc × 1000 tx');
    // Named, since "(lo–hi)" after a speedup in the results table is a range.
    expect(blockStm).toMatch(/^\d\.\d\dx \(fastest core 1\.2\dx\)$/);
    expect(modular).toMatch(/^\d\.\d\dx \(fastest core 1\.8\dx\)$/);
    expect(method(withCpus)).toContain('"fastest core" after a speedup: the speedup over the baseline\'s fastest core, where it differs.');
  });

  it('says in how many rounds the winner was faster, paired round by round', () => {
    const paired = structuredClone(doc);
    paired.settings.rounds = 5;
    for (const r of paired.runs) r.rounds = r.samplesMs.map((_, i) => Math.floor(i / 2));
    // Modular 5.5 ms against block-stm's 8 ms: faster in every round, however the unpaired test reads them.
    let verdict = row(render(paired), 'p2p 1000 acc × 1000 tx')[5];
    expect(verdict).toMatch(/^modular wins \(\+4\d%, p=0\.008, faster in 5 of 5 rounds\)$/);
    // One round where block-stm ran faster is counted against modular: with 5 rounds a side, the
    // wide gap is not significant, so it is inconclusive (not a tie: the two are far apart), led by modular in 4.
    const slow = paired.runs.find((r) => r.executor === 'modular' && r.threads === 2 && r.workload.startsWith('p2p'))!;
    slow.samplesMs = slow.samplesMs.map((ms, i) => (slow.rounds![i] === 4 ? ms * 2 : ms));
    verdict = row(render(paired), 'p2p 1000 acc × 1000 tx')[5];
    expect(verdict).toMatch(/^inconclusive \(4\d% apart, p=0\.\d+: too few or too noisy rounds to tell; modular faster in 4 of 5 rounds\)$/);
    // Led in fewer rounds than not (rounds where the baseline, and so the speedups, ran slow can put
    // the higher median speedup on the one that lost most rounds), it is not called faster.
    const base = paired.runs.find((r) => r.role === 'baseline' && r.threads === 2 && r.workload.startsWith('p2p'))!;
    const blockStm = paired.runs.find((r) => r.executor === 'block-stm' && r.threads === 2 && r.workload.startsWith('p2p'))!;
    // Per-round speedups, block-stm / modular: rounds 0-1 1 / 10, round 2 6 / 5, rounds 3-4 2 / 1:
    // medians 2 and 5, and modular faster in rounds 0 and 1 only.
    const set = (r: typeof base, times: number[]) => { r.samplesMs = r.samplesMs.map((_, i) => times[r.rounds![i]!]!); };
    set(base, [10, 10, 30, 10, 10]);
    set(blockStm, [10, 10, 5, 5, 5]);
    set(slow, [1, 1, 6, 10, 10]);
    // Named once: "modular each faster in some rounds (modular 2, ...)" read the name twice.
    expect(row(render(paired), 'p2p 1000 acc × 1000 tx')[5]).toMatch(/^inconclusive \(\d+% apart, p=0\.\d+: too few or too noisy rounds to tell; each faster in some rounds \(modular 2, the other 3, of 5\)\)$/);
    expect(render(paired)).toContain('"Faster in k of n rounds" after a win (or a tie or an inconclusive gap, for the one with the higher speedup): in how many of the rounds both executors ran its median block time was the lower');
    // Without rounds, nothing to pair.
    expect(row(md, 'p2p 1000 acc × 1000 tx')[5]).toBe('modular wins (+47%, p<0.001)');
  });

  it('block-stm wins a dependency chain it finished sequentially, quoting the fallback and modular\'s serialized lanes', () => {
    const [, , blockStm, modular, , verdict, why] = row(md, 'amm 1000 acc × 1000 tx');
    expect([blockStm, modular]).toEqual(['0.98x', '0.72x']);
    expect(verdict).toBe('block-stm wins (+37%, p<0.001)');
    expect(why).toBe(
      `block-stm fell back to sequential execution on 100% of its blocks (${CONTENTION}); `
      + '60% of modular\'s transactions spanned several modules, which orders them against other lanes (lane imbalance 1.90); '
      + 'modular\'s heaviest lane carried 95% of the gas, so its lanes allow at most 1.05x; '
      + 'modular\'s lanes stopped to wait on another lane 0.80 times per transaction; '
      + 'in 100% of modular\'s windows one lane held most transactions (a hot spot, run in block order); '
      + 'the block is essentially one dependency chain (ideal 1.00x at 2 threads), so neither can beat the sequential executor by much. '
      + 'At 1 thread: tie (0% apart, p=0.912).',
    );
    // The parallel counters of aborted attempts are not quoted as if they described the run.
    expect(why).not.toMatch(/re-execut/);
  });

  it('a tie just under 5% apart reads so to a tenth, never as the 5% a win needs', () => {
    const close = contestResults([TIE]);
    const at2 = (executor: string) => close.runs.find((r) => r.executor === executor && r.threads === 2)!;
    (at2('modular') as { samplesMs: number[] }).samplesMs = at2('block-stm').samplesMs.map((v) => v / 1.0485);
    expect(row(render(close), 'token 1000 acc × 1000 tx')[5]).toMatch(/^tie \(4\.8% apart, p[<=]/);
  });

  it('a difference within the noise is a tie, flagged when the machine was busy, with the differing 1-thread verdict', () => {
    const [, , blockStm, modular, , verdict, why] = row(md, 'token 1000 acc × 1000 tx');
    expect([blockStm, modular]).toEqual(['1.66x', '1.63x']);
    expect(verdict).toBe('tie (2% apart, p=0.315)');
    expect(why).toBe(
      'block-stm met few conflicts (0.01 re-executions per transaction); modular\'s cross-module share 25%, lane imbalance 1.20; '
      + '⚠ 100% of these samples ran on a busy machine: a rough verdict. At 1 thread: block-stm wins (+22%, p<0.001).',
    );
  });

  it('flags a verdict one of whose runs took a tenth of its samples or more on a busy machine, naming that run', () => {
    const doc = contestResults([{ workload: 'p2p', idealLimit: 18, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 8 } }, modular: { 1: { ms: 10 }, 2: { ms: 6 } } }]);
    // One busy round of five in block-stm's 2-thread run alone: 20% of its samples, 1 in 15 of the three runs'.
    const busy = doc.runs.find((r) => r.executor === 'block-stm' && r.threads === 2)!;
    busy.busy = busy.busy.map((_, i) => i < busy.busy.length / 5);
    const why = row(section(renderMarkdown(merge([{ file: 'r.json', doc }]), [])), 'p2p 1000 acc × 1000 tx')[6]!;
    expect(why).toContain('⚠ 20% of block-stm\'s samples ran on a busy machine: a rough verdict');
  });

  it("splits the winner's lead into each executor's 1-thread speedup and its scaling to the threads, beside the machine's ceiling", () => {
    const whyOf = (modularOneMs: number, ceilings?: { threads: number; ratio: number }[]) => {
      const doc = contestResults([{ workload: 'p2p', idealLimit: 18, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 8 } }, modular: { 1: { ms: modularOneMs }, 2: { ms: 6 } } }]);
      const withCeilings = ceilings ? { ...doc, ceilings: ceilings.map((c) => ({ ...c, workload: 'sequential executor, p2p 1000 accounts x 1000 txs', oneMs: 10, partsMs: 10 / c.ratio })) } : doc;
      return row(section(renderMarkdown(merge([{ file: 'r.json', doc: withCeilings }]), [])), 'p2p 1000 acc × 1000 tx')[6]!;
    };
    // 2 threads: about 1.67x against 1.25x; 1 thread: 1.26x against 0.90x, as far apart (the fixture's samples spread around each ms).
    expect(whyOf(8)).toContain("modular's lead, split: at 1 thread block-stm 0.90x and modular 1.26x (each one's cost per transaction beside the baseline's), "
      + "and from 1 to 2 threads block-stm scales by 1.39x and modular by 1.33x (each one's own block time at 1 thread over its time at 2): modular's lead is its cost per transaction (it scales no better).");
    // 1 thread: about 1.0x against 0.9x, a smaller gap than modular's better scaling.
    const split = (blockStm: [number, number], modular: [number, number]) => {
      const doc = contestResults([{ workload: 'p2p', idealLimit: 18, seqMs: 10, blockStm: { 1: { ms: blockStm[0] }, 2: { ms: blockStm[1] } }, modular: { 1: { ms: modular[0] }, 2: { ms: modular[1] } } }]);
      return row(section(renderMarkdown(merge([{ file: 'r.json', doc }]), [])), 'p2p 1000 acc × 1000 tx')[6]!;
    };
    // block-stm wins at 1 thread (about 1.11x against 0.91x), modular at 2.
    expect(split([9, 8], [11, 5])).toMatch(/: modular's lead is how it scales \(at 1 thread block-stm wins\)\.$/);
    // 1.25x against 1.0x at 1 thread, and scaling by about 2.0x against 1.6x: the two leads about even.
    expect(split([10, 6.4], [8, 4])).toMatch(/: modular's lead comes from both, about evenly\.$/);
    expect(whyOf(10, [{ threads: 2, ratio: 1.8 }])).toMatch(/and from 1 to 2 threads block-stm scales by [\d.]+x and modular by [\d.]+x \(each one's own block time at 1 thread over its time at 2; the machine's ceiling: 1\.80x\): most of modular's lead comes from how it scales\.$/);
  });

  describe("the lead's split", () => {
    /** Block-stm 11 then 8 ms, modular 10 then 5 ms, the baseline 10 ms at both: modular wins at 2 threads. */
    const contest = () => contestResults([{ workload: 'p2p', idealLimit: 18, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 8 } }, modular: { 1: { ms: 10 }, 2: { ms: 5 } } }]);
    const whyIn = (doc: ResultsFile) => row(render(doc), 'p2p 1000 acc × 1000 tx')[6]!;
    const scalings = (why: string) => why.match(/block-stm scales by [\d.]+x and modular by [\d.]+x/)![0];
    const run = (doc: ResultsFile, role: 'baseline' | 'executor', threads: number, executor?: string) =>
      doc.runs.find((r) => r.role === role && r.threads === threads && (executor === undefined || r.executor === executor))!;

    it("measures a scaling by the executor's own block times, and names a baseline that moved between the two runs", () => {
      const doc = contest();
      // The fixture's samples spread by a few percent: the same baseline samples at both thread counts.
      run(doc, 'baseline', 2).samplesMs = [...run(doc, 'baseline', 1).samplesMs];
      const steady = whyIn(doc);
      expect(steady).not.toContain('the baseline ran');
      // The baseline 25% slower beside the 2-thread runs: both speedups at 2 threads rise by as much,
      // a ratio of speedups would call that scaling; the executors' own times did not change.
      const moved = structuredClone(doc);
      const base = run(moved, 'baseline', 2);
      base.samplesMs = base.samplesMs.map((ms) => ms * 1.25);
      const why = whyIn(moved);
      expect(scalings(why)).toBe(scalings(steady));
      expect(why).toMatch(/; the baseline ran 2\d% slower beside the 2-thread runs than beside the 1-thread ones, which the speedups at 2 threads carry and the scalings do not\): /);
      // 4% is within the drift between runs: not named.
      base.samplesMs = run(doc, 'baseline', 2).samplesMs.map((ms) => ms * 1.04);
      expect(whyIn(moved)).not.toContain('the baseline ran');
    });

    it("takes a run's block time from its rounds' medians where the file names rounds", () => {
      const doc = contest();
      doc.settings.rounds = 5;
      for (const r of doc.runs) r.rounds = r.samplesMs.map((_, i) => Math.floor(i / 2));
      // Modular at 1 thread: a fast round 0 that took six samples, four slow rounds of one each. Pooled,
      // the median is the fast round's 5 ms; round by round it is 10 ms, about twice its 2-thread time.
      const one = run(doc, 'executor', 1, 'modular');
      one.samplesMs = [5, 5, 5, 5, 5, 5, 10, 10, 10, 10];
      one.rounds = [0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
      expect(whyIn(doc)).toMatch(/and modular by (1\.9\d|2\.0\d)x/);
    });

    it("says why a scaling above the machine's ceiling does not contradict it", () => {
      const withCeiling = (ratio: number) => ({ ...contest(), ceilings: [{ threads: 2, ratio, workload: 'sequential executor, p2p 1000 accounts x 1000 txs', oneMs: 10, partsMs: 10 / ratio }] });
      const why = (ratio: number) => whyIn(withCeiling(ratio));
      const reason = ": the ceiling is measured on the sequential executor's work split into parts, and an executor at 1 thread can do in turn what its threads overlap at 2, "
        + 'or do work that loses less to cores sharing the machine): ';
      // Modular scales by about 2.0x, block-stm by about 1.4x.
      expect(why(1.9)).toContain(`(each one's own block time at 1 thread over its time at 2; the machine's ceiling: 1.90x, which modular passes without contradicting it${reason}`);
      expect(why(1.2)).toContain(`the machine's ceiling: 1.20x, which block-stm and modular pass without contradicting it${reason}`);
      expect(why(2.5)).toMatch(/\(each one's own block time at 1 thread over its time at 2; the machine's ceiling: 2\.50x\): /);
      // A scaling above the ceiling by less than the printed figures show is not said to pass it.
      const v = verdicts(merge([{ file: 'r.json', doc: contest() }]));
      const [oneMs, twoMs] = [1, 2].map((t) => [v[0]!.headline, ...v[0]!.others].find((m) => m.threads === t)!.blockStm.medianMs);
      const blockStm = oneMs! / twoMs!;
      const under = blockStm - 1e-9;
      expect(under.toFixed(2)).toBe(blockStm.toFixed(2));
      expect(why(under)).toContain(`the machine's ceiling: ${under.toFixed(2)}x, which modular passes without`);
    });
  });

  it('two executors that both ran the sequential executor on every block tie, whatever their timings', () => {
    const bothFellBack = contestResults([{
      ...BLOCK_STM_FELL_BACK,
      modular: { 1: { ms: 10.5 }, 2: { ms: 14, fallback: 'preflight: the first 512 transactions\' declared footprints chain 512 of them in block order (parallelism 1.00 < 1.4)', fallbackShare: 1, detail: {} } },
    }]);
    const v = verdicts(merge([{ file: 'r.json', doc: bothFellBack }]))[0]!;
    expect([v.headline.p <= 0.05, v.headline.ratio > 1.05, v.headline.bothSequential, v.headline.outcome]).toEqual([true, true, true, 'tie']);
    expect(row(render(bothFellBack), 'amm 1000 acc × 1000 tx')[5]).toBe('tie (both ran the sequential executor)');
  });

  it('a block the preflight sent away although its ideal is higher says why the ideal was out of reach', () => {
    // nft: mints bump one supply counter by bounded delta-adds; the ideal lets them commute, the preflight orders them.
    const sent = { ms: 10.3, fallback: PREFLIGHT_CHAIN, fallbackShare: 1, detail: {} };
    const nft = contestResults([{ workload: 'nft', idealLimit: 2, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: sent }, modular: { 1: { ms: 11 }, 2: { ...sent, ms: 10.4 } } }]);
    const md = renderMarkdown(merge([{ file: 'r.json', doc: nft }]), []);
    const [, , , , ideal, verdict, why] = row(section(md), 'nft 1000 acc × 1000 tx');
    expect([ideal, verdict]).toEqual(['2.00x', 'tie (both ran the sequential executor)']);
    expect(why).toBe(
      `block-stm fell back to sequential execution on 100% of its blocks (${PREFLIGHT_CHAIN}); `
      // The same reason once in a table: the second by its kind.
      + 'modular fell back to sequential execution on 100% of its blocks (preflight: as quoted above); '
      + 'the ideal 2.00x at 2 threads was out of reach because the preflight sent every block of block-stm and modular to the sequential executor: '
      + 'the preflight judges from declared footprints before any value is known, so it keeps in block order every pair of accesses to one key '
      + 'that does not always commute, bounded delta-adds included (they commute only when every bound check passes in either order), '
      + 'while the ideal checks that headroom on the reference run\'s values and lets such delta-adds run in any order.',
    );
    // The results table's footnote on those runs says the same.
    expect(md).toMatch(/\n¹ Fell back: every block of the run went to the sequential executor, .* The ideal is higher because the preflight judges from declared footprints .*bounded delta-adds included/);
    // A block that is one chain (amm) needs no such clause: the ideal agrees with the preflight there.
    const chain = contestResults([{ ...BLOCK_STM_FELL_BACK, modular: { 1: { ms: 10.5 }, 2: { ms: 10.4, fallback: PREFLIGHT_CHAIN, fallbackShare: 1, detail: {} } } }]);
    expect(row(render(chain), 'amm 1000 acc × 1000 tx')[6]).not.toMatch(/out of reach|delta-adds/);
    // Nor does a block the preflight sent away in part only: the parallel engine ran the rest.
    const partly = contestResults([{ workload: 'nft', idealLimit: 2, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ...sent, fallbackShare: 0.5 } }, modular: { 1: { ms: 11 }, 2: { ms: 8, detail: {} } } }]);
    expect(row(render(partly), 'nft 1000 acc × 1000 tx')[6]).not.toMatch(/out of reach|delta-adds/);
  });

  it('a significant gap below 5% is still a tie', () => {
    const close = verdicts(merge([{ file: 'r.json', doc: contestResults([{ ...TIE, busy: false, modular: { ...TIE.modular, 2: { ms: 6.2 } } }]) }]))[0]!;
    expect(close.headline.p).toBeLessThanOrEqual(0.05);
    expect(close.headline.ratio).toBeLessThan(1.05);
    expect(close.headline.outcome).toBe('tie');
  });

  it('compares the executors\' round medians where the file names rounds: a gap that drifts from round to round is inconclusive, not a win', () => {
    // Five rounds of 20 samples, both executors timed in each: modular's median is 6% lower over
    // all samples, but its rounds drift more; round by round the two trade places.
    const doc = contestResults([{ ...MODULAR_WINS, blockStm: { 1: { ms: 12 }, 2: { ms: 7 } }, modular: { 1: { ms: 12 }, 2: { ms: 6.3, detail: {} } } }]);
    const drift = { 'block-stm': [7.2, 6.4, 7.6, 6.8, 7.0], modular: [6.2, 7.8, 5.6, 6.9, 6.6] } as Record<string, number[]>;
    for (const r of doc.runs) {
      const medians = drift[r.executor] && r.threads === 2 ? drift[r.executor]! : [1, 2, 3, 4, 5].map(() => r.samplesMs[0]!);
      r.samplesMs = medians.flatMap((m) => Array.from({ length: 20 }, (_, i) => m * (1 + 0.002 * (i / 20 - 0.5))));
      r.busy = r.samplesMs.map(() => false);
      r.rounds = r.samplesMs.map((_, i) => Math.floor(i / 20));
    }
    doc.settings.rounds = 5;
    const v = verdicts(merge([{ file: 'r.json', doc: parseResults(serializeResults(doc), 'r.json') }]))[0]!.headline;
    // 6% apart and not significant: too few or too noisy rounds to tell, which a tie (closer than 5%) would hide.
    expect(v).toMatchObject({ unit: 'rounds', outcome: 'inconclusive' });
    expect(v.ratio).toBeGreaterThanOrEqual(1.05);
    expect(v.p).toBeCloseTo(0.421, 3);
    expect(method(doc)).toContain('The test compares the two executors\' round medians (both are timed in each round; 4 rounds or more each), so drift between rounds is not taken for a difference, and with 5 rounds a side no p is below 2/252 (0.008).');
    // The overview counts it apart from the ties.
    expect(renderMarkdown(merge([{ file: 'r.json', doc }]), [])).toContain('a tie on 0, inconclusive on 1 (5% apart or more, but not significantly: too few or too noisy rounds to tell)');
    // A side with fewer than 4 rounds is tested over samples, and its verdict says so.
    const stopped = doc.runs.find((r) => r.executor === 'modular' && r.threads === 2)!;
    stopped.rounds = stopped.rounds!.map((r) => Math.min(r, 2));
    // The count of rounds each led in still pairs the three rounds both timed.
    expect(row(render(doc), 'p2p 1000 acc × 1000 tx')[5]).toMatch(/ over samples, faster in \d of 3 rounds\)$/);
    // Without rounds the same samples, tested one by one, made modular the winner.
    for (const r of doc.runs) delete r.rounds;
    expect(verdicts(merge([{ file: 'r.json', doc }]))[0]!.headline).toMatchObject({ unit: 'samples', outcome: 'modular' });
  });

  it('both far below the ideal and few samples are named', () => {
    const far = contestResults([{ workload: 'nft', idealLimit: 8, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 12 } }, modular: { 1: { ms: 11 }, 2: { ms: 30, detail: {} } } }]);
    for (const r of far.runs) {
      r.samplesMs = r.samplesMs.slice(0, 6);
      r.busy = r.busy.slice(0, 6);
    }
    const [, , , , , verdict, why] = row(render(far), 'nft 1000 acc × 1000 tx');
    expect(verdict).toBe('block-stm wins (+148%, p=0.002)');
    expect(why).toBe('block-stm met few conflicts (0 re-executions per transaction); '
      + 'both stay below half of the 2.00x the block\'s dependencies allow at 2 threads: their own costs limit them, not the block; '
      + '⚠ only 6 samples in a run: a rough verdict. At 1 thread: tie (1% apart, p=1.000). '
      + 'block-stm\'s lead, split: at 1 thread block-stm 0.89x and modular 0.90x (each one\'s cost per transaction beside the baseline\'s), '
      + 'and from 1 to 2 threads block-stm scales by 0.93x and modular by 0.37x (each one\'s own block time at 1 thread over its time at 2): block-stm\'s lead is how it scales (at 1 thread the two tie).');
  });

  it('an executor that did not match the reference gets no verdict', () => {
    const wrong = contestResults([{ ...MODULAR_WINS, modular: { ...MODULAR_WINS.modular, 2: { ...MODULAR_WINS.modular[2], correct: false } } }]);
    const [, , , , , verdict, why] = row(render(wrong), 'p2p 1000 acc × 1000 tx');
    expect(verdict).toBe('no verdict');
    expect(why).toMatch(/^modular did not match the reference, so its times are not valid speedups; block-stm re-executed/);
  });

  it('a run that stopped part-way gets no verdict, says so in its row and in the overview\'s tally, and splits no lead', () => {
    /** MODULAR_WINS with the run of `executor` at `threads` cut to its first 3 samples by a throw in a timed round. */
    const stopped = (executor: string, threads: number): ResultsFile => {
      const d = contestResults([MODULAR_WINS]);
      const r = d.runs.find((x) => x.executor === executor && x.threads === threads)!;
      r.samplesMs = r.samplesMs.slice(0, 3);
      r.busy = r.busy.slice(0, 3);
      d.failures = [{ executor, threads, workload: r.workload, message: 'exploded on call 30' }];
      return d;
    };
    const headline = stopped(MODULAR, 2);
    const full = renderMarkdown(merge([{ file: 'r.json', doc: headline }]), []);
    const [, , , , , verdict, why] = row(section(full), 'p2p 1000 acc × 1000 tx');
    expect(verdict).toBe('no verdict');
    expect(why).toMatch(/^modular stopped part-way \(it threw in a timed round\), so its figures come from the 3 samples it took before, no whole run to judge it by; block-stm re-executed/);
    expect(why).not.toContain('lead, split');
    expect(full).toContain('modular on 0 workloads, block-stm on 0, a tie on 0, no verdict on 1 (a run that stopped part-way);');
    // At 1 thread: the 2-thread verdict stands, but no lead is split by a run that holds only some rounds.
    const one = row(render(stopped(BLOCK_STM, 1)), 'p2p 1000 acc × 1000 tx');
    expect(one[5]).toMatch(/^modular wins/);
    expect(one[6]).toContain('At 1 thread: no verdict (block-stm stopped part-way).');
    expect(one[6]).not.toContain('lead, split');
  });

  it('a results file from before `detail` was recorded still parses and renders, saying what it lacks', () => {
    const old = structuredClone(doc) as unknown as { runs: Record<string, unknown>[] };
    for (const r of old.runs) {
      delete r.detail;
      delete r.fallbackShare;
    }
    const parsed = parseResults(JSON.stringify(old), 'old.json');
    expect(parsed.runs.every((r) => r.detail === undefined && r.fallbackShare === undefined)).toBe(true);
    const oldMd = render(parsed);
    expect(row(oldMd, 'p2p 1000 acc × 1000 tx')[5]).toBe('modular wins (+47%, p<0.001)');
    expect(row(oldMd, 'p2p 1000 acc × 1000 tx')[6]).toBe(
      'block-stm re-executed 0.30 and failed 0.28 validations per transaction; '
      + 'modular\'s own statistics (cross-module share, lane imbalance) are not in this results file. At 1 thread: tie (2% apart, p=0.393).'
      + ' modular\'s lead, split: at 1 thread block-stm 0.90x and modular 0.92x (each one\'s cost per transaction beside the baseline\'s), and from 1 to 2 threads block-stm scales by 1.39x and modular by 2.00x (each one\'s own block time at 1 thread over its time at 2): modular\'s lead is how it scales (at 1 thread the two tie).',
    );
    expect(row(oldMd, 'amm 1000 acc × 1000 tx')[6]).toMatch(new RegExp(`^block-stm fell back to sequential execution \\(${CONTENTION}\\); modular's own statistics`));
  });

  it('a file with `detail` round-trips through the schema', () => {
    expect(parseResults(serializeResults(doc), 'r.json')).toEqual(doc);
  });

  it('says so when no workload has both executors', () => {
    expect(render(sampleResults({ seqMs: 10, execMs: 6, samples: 10 }))).toContain('No workload has runs of both block-stm and modular at a common thread count.');
  });

  it('names the machine when several files are merged', () => {
    const m = merge([{ file: 'a.json', doc: contestResults([MODULAR_WINS], 'box A') }, { file: 'b.json', doc: contestResults([MODULAR_WINS], 'box B') }]);
    const merged = section(renderMarkdown(m, []));
    expect(merged).toContain('| workload | machine | threads | block-stm | modular | ideal | verdict | why |');
    expect(row(merged, 'p2p 1000 acc × 1000 tx')[1]).toBe('box A');
    expect(merged).toMatch(/\| p2p 1000 acc × 1000 tx \| box B \| 2 \|/);
  });

  it("names the block's dependencies as a tie's cap only where the faster comes near the ideal", () => {
    // Both at 10/6.9 = 1.45x of an ideal 1.5x: the block holds them back. Both at 10/9 = 1.11x of
    // the same ideal: their own costs do, and the cell says nothing of a cap.
    const tie = (workload: string, ms: number): ContestCase => ({
      workload, idealLimit: 1.5, seqMs: 10,
      blockStm: { 1: { ms: 11 }, 2: { ms, perTx: { executions: 1, reExecutions: 0, validations: 1, failedValidations: 0 } } },
      modular: { 1: { ms: 11 }, 2: { ms: ms * 1.01, detail: { threads: 2, modules: 8, crossShare: 0.1, laneImbalance: 1.1, crossWaits: 5, windows: 1, hotLaneWindows: 0 } } },
    });
    const md = section(render(contestResults([tie('p2p', 6.9), tie('token', 9)])));
    expect(whyCell(md, 'p2p 1000 acc × 1000 tx')).toBe("Under 5% apart; the block's dependencies cap both (ideal 1.50x at 2 threads).");
    expect(whyCell(md, 'token 1000 acc × 1000 tx')).toBe('Under 5% apart.');
  });

  it('says why in one short sentence per cell, and gives the figures behind it once, under the table', () => {
    const v = verdicts(merge([{ file: 'r.json', doc }]));
    // A win split by thread count: where the lead comes from, as the split under the table concludes.
    expect(whyCell(md, 'p2p 1000 acc × 1000 tx')).toBe('modular\'s lead is how it scales (at 1 thread the two tie).');
    expect(row(md, 'p2p 1000 acc × 1000 tx')[6]).toMatch(/: modular's lead is how it scales \(at 1 thread the two tie\)\.$/);
    // One side on the sequential executor: named, with what its win rests on.
    expect(whyCell(md, 'amm 1000 acc × 1000 tx')).toBe('block-stm handed every block to the sequential executor (contention), which ran faster than modular in parallel.');
    // A tie on a busy machine says the verdict is rough, as its figures do.
    expect(whyCell(md, 'token 1000 acc × 1000 tx')).toBe('Under 5% apart (⚠ a rough verdict: busy machine or few samples).');
    expect(row(md, 'token 1000 acc × 1000 tx')[6]).toContain('⚠ 100% of these samples ran on a busy machine: a rough verdict');
    // The figures follow the table once each, in the rows' order, after a line that says what they are.
    expect(md).toContain('Why, in full, for block-stm against modular: the figures each why cell above rests on, by workload.');
    const details = md.split('\n').filter((l) => /^(p2p|amm|token) 1000 acc × 1000 tx: /.test(l));
    expect(details.map((l) => l.slice(0, l.indexOf(':')))).toEqual(v.map((x) => x.label));
    // Two executors that both ran the sequential executor tie, and the cell says the same code ran.
    const both = structuredClone(doc);
    for (const r of both.runs) if (r.threads === 2 && r.role === 'executor' && r.workload.startsWith('amm')) Object.assign(r, { fallback: PREFLIGHT_CHAIN, fallbackShare: 1 });
    expect(whyCell(render(both), 'amm 1000 acc × 1000 tx')).toBe('Both handed every block to the sequential executor (preflight), so the same code ran twice.');
  });

  it('keeps the published report\'s why cells to a short sentence each', () => {
    const published = readFileSync(new URL('../reports/published/report.md', import.meta.url), 'utf8');
    const verdictTable = section(published).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| workload') && !l.startsWith('| ---'));
    expect(verdictTable.length).toBeGreaterThan(10);
    for (const line of verdictTable) {
      const why = line.slice(2, -2).split(' | ')[6]!;
      expect(why.split(' ').length, why).toBeLessThanOrEqual(20);
    }
  });

  it('the HTML page shows the same verdicts and reasons', () => {
    const html = renderHtml(merge([{ file: 'r.json', doc }]), []);
    expect(html).toContain('<h2>Which executor wins, and why (at 2 threads, the most this machine measured)</h2>');
    expect(html).toContain('<td>modular wins (+47%, p&lt;0.001)</td>');
    // The why cell's sentence, and under the table the figures behind it.
    expect(html).toContain('<td>block-stm handed every block to the sequential executor (contention), which ran faster than modular in parallel.</td>');
    expect(html).toContain(`<p>amm 1000 acc × 1000 tx: block-stm fell back to sequential execution on 100% of its blocks (${CONTENTION}); `);
    expect(html).toContain('<td>tie (2% apart, p=0.315)</td>');
  });

  it('explain() is the why cell', () => {
    const v = verdicts(merge([{ file: 'r.json', doc }]));
    expect(v.map((x) => `${x.label}: ${x.headline.outcome}`)).toEqual(['p2p 1000 acc × 1000 tx: modular', 'amm 1000 acc × 1000 tx: block-stm', 'token 1000 acc × 1000 tx: tie']);
    expect(row(md, 'token 1000 acc × 1000 tx')[6]).toContain(explain(v[2]!.headline));
  });
});

/**
 * p2p at 2 threads: block-stm 10/8 = 1.25x; modular under hash 10/9.5 (60% of its transactions
 * crossing modules), under affinity 10/5.5 (2% crossing). nft: both sent wholly to the sequential
 * executor under hash, modular ahead under affinity.
 */
const BY_PARTITION: PartitionedCase[] = [
  {
    workload: 'p2p', idealLimit: 14, seqMs: 10, blockStm: { 1: { ms: 11 }, 2: { ms: 8 } },
    modular: {
      hash: { 1: { ms: 11 }, 2: { ms: 9.5, detail: { threads: 2, modules: 8, crossShare: 0.6, laneImbalance: 1.4 } } },
      affinity: { 1: { ms: 11.2 }, 2: { ms: 5.5, detail: { threads: 2, modules: 8, crossShare: 0.02, laneImbalance: 1.05 } } },
    },
  },
  {
    workload: 'nft', idealLimit: 5, seqMs: 10, blockStm: { 1: { ms: 10.5 }, 2: { ms: 10.4, fallback: PREFLIGHT_CHAIN, fallbackShare: 1 } },
    modular: { hash: { 1: { ms: 10.5 }, 2: { ms: 10.3, fallback: PREFLIGHT_CHAIN, fallbackShare: 1 } }, affinity: { 1: { ms: 10.5 }, 2: { ms: 8 } } },
  },
];

describe('a verdict per partition, where modular was measured once per partition', () => {
  const doc = withRounds(partitionedResults(BY_PARTITION, ['hash', 'affinity']), 5);
  const m = merge([{ file: 'p.json', doc }]);
  const md = renderMarkdown(m, []);
  const text = section(md);
  /** The row of a workload under a partition, its cells without the outer pipes. */
  /** As row(): the why cell (index 7 here) is the figures under the table, "LABEL, PARTITION: ...". */
  const partitionRow = (md: string, label: string, partition: string) => {
    const line = md.split('\n').find((l) => l.startsWith(`| ${label} | ${partition} |`));
    expect(line, `no row for ${label} under ${partition}`).toBeDefined();
    const cells = line!.slice(2, -2).split(' | ').map(mdUnescaped);
    const detail = md.split('\n').find((l) => l.startsWith(`${label}, ${partition}: `));
    expect(detail, `no reasons for ${label} under ${partition}`).toBeDefined();
    cells[7] = mdUnescaped(detail!.slice(`${label}, ${partition}: `.length));
    return cells;
  };

  it('judges block-stm against each partition\'s runs, in the order the file lists them, with the verdict logic one partition gets', () => {
    const v = verdicts(m);
    expect(v.map((x) => [x.label, x.partition, x.headline.modular.executor, x.headline.outcome])).toEqual([
      ['p2p 1000 acc × 1000 tx', 'hash', 'modular (hash)', 'block-stm'],
      ['p2p 1000 acc × 1000 tx', 'affinity', 'modular (affinity)', 'modular'],
      ['nft 1000 acc × 1000 tx', 'hash', 'modular (hash)', 'tie'],
      ['nft 1000 acc × 1000 tx', 'affinity', 'modular (affinity)', 'modular'],
    ]);
    // Both against one block-stm run, and each partition's 1-thread match kept for the split.
    expect(v[0]!.headline.blockStm).toBe(v[1]!.headline.blockStm);
    expect(v.map((x) => x.others.map((o) => o.threads))).toEqual([[1], [1], [1], [1]]);
    expect(v[2]!.headline.bothSequential).toBe(true);
    // A file of one partition has verdicts without one.
    expect(verdicts(merge([{ file: 'r.json', doc: contestResults([MODULAR_WINS]) }])).map((x) => x.partition)).toEqual([null]);
  });

  it('gives each partition a row: its speedups, verdict naming the partition, and why in its own statistics', () => {
    expect(text).toContain('| workload | partition | threads | block-stm | modular | ideal | verdict | why | predicted (block-stm / modular) |');
    const hash = partitionRow(text, 'p2p 1000 acc × 1000 tx', 'hash');
    expect(hash.slice(2, 7)).toEqual(['2', '1.25x', '1.06x', '2.00x', 'block-stm wins (+18%, p=0.008, faster in 5 of 5 rounds)']);
    expect(hash[7]).toContain('60% of modular (hash)\'s transactions spanned several modules, which orders them against other lanes (lane imbalance 1.40)');
    expect(hash[7]).toMatch(/block-stm's lead, split: at 1 thread block-stm 0\.91x and modular \(hash\) 0\.91x .* from 1 to 2 threads block-stm scales by 1\.37x and modular \(hash\) by 1\.16x .*: block-stm's lead is how it scales \(at 1 thread the two tie\)\.$/);
    const affinity = partitionRow(text, 'p2p 1000 acc × 1000 tx', 'affinity');
    expect(affinity.slice(2, 7)).toEqual(['2', '1.25x', '1.80x', '2.00x', 'modular (affinity) wins (+45%, p=0.008, faster in 5 of 5 rounds)']);
    expect(affinity[7]).toContain('few of modular (affinity)\'s transactions crossed modules (cross-module share 2.0%, lane imbalance 1.05)');
    expect(affinity[7]).toContain('modular (affinity)\'s lead is how it scales (at 1 thread the two tie).');
    expect(partitionRow(text, 'nft 1000 acc × 1000 tx', 'hash')[6]).toBe('tie (both ran the sequential executor)');
    expect(partitionRow(text, 'nft 1000 acc × 1000 tx', 'affinity')[6]).toMatch(/^modular \(affinity\) wins \(\+31%, p=0\.008/);
    expect(text).toContain('modular ran once per partition here (modular (hash), modular (affinity)), in the same rounds against the same baseline: block-stm is judged against each partition\'s runs in turn, '
      + 'so a workload has a row per partition (the partition column) with its own verdict, reasons and predictions');
    expect(text).not.toContain('so these have none');
  });

  it('counts each partition\'s verdicts apart in the overview, and names the partition in the A/A evidence', () => {
    expect(md).toContain('Which executor wins at the highest thread count both ran, block-stm against each partition\'s modular in turn: '
      + 'modular (hash) on 0 workloads, block-stm on 1, a tie on 1 (1 of them where both ran the sequential executor on every block); modular (affinity) on 2 workloads, block-stm on 0, a tie on 0;');
    expect(md).toMatch(/A\/A: .*\(nft 1000 acc × 1000 tx with modular \(hash\) at 2 threads: 0\.\d\dx and 0\.\d\dx\)/);
  });

  it('sets each partition\'s predictions beside its verdict, and says where they rank the other way', () => {
    const predicted = structuredClone(doc);
    const p2p = predicted.workloads[0]!.id;
    predicted.simulated.push(
      { workload: p2p, executor: 'block-stm', threads: 64, speedup: 17, model: 'b' },
      { workload: p2p, executor: 'modular (hash)', threads: 64, speedup: 9, model: 'm', modules: 128 },
      { workload: p2p, executor: 'modular (affinity)', threads: 64, speedup: 6, model: 'm', modules: 128 },
    );
    const t = section(renderMarkdown(merge([{ file: 'p.json', doc: predicted }]), []));
    expect(partitionRow(t, 'p2p 1000 acc × 1000 tx', 'hash')[8]).toBe('17.00x / 9.00x at 64');
    const affinity = partitionRow(t, 'p2p 1000 acc × 1000 tx', 'affinity');
    expect(affinity[8]).toBe('17.00x / 6.00x at 64');
    expect(affinity[7]).toMatch(/ The predictions rank them the other way at 64 threads \(block-stm 17\.00x, modular \(affinity\) 6\.00x\): a model's, not a measurement, so no verdict is drawn from it\.$/);
  });

  it('names the partition of a one-partition file merged beside it, its settings.partition or the default', () => {
    const affinity = contestResults([{ ...BY_PARTITION[0]!, modular: BY_PARTITION[0]!.modular.affinity! }], 'box A');
    affinity.settings.partition = 'affinity';
    const plain = contestResults([{ ...BY_PARTITION[0]!, modular: BY_PARTITION[0]!.modular.hash! }], 'box B');
    const t = section(renderMarkdown(merge([{ file: 'a.json', doc: affinity }, { file: 'b.json', doc: plain }, { file: 'p.json', doc: partitionedResults(BY_PARTITION, ['hash', 'affinity'], 'box C') }]), []));
    expect(t).toContain('| workload | machine | partition | threads |');
    const rows = t.split('\n').filter((l) => l.startsWith('| p2p 1000 acc × 1000 tx |')).map((l) => l.slice(2, -2).split(' | ').slice(1, 3).join(' '));
    expect(rows).toEqual(['box A affinity', 'box B hash', 'box C hash', 'box C affinity']);
  });

  it('the HTML page shows the same verdicts per partition', () => {
    const html = renderHtml(m, []);
    expect(html).toContain('<th>partition</th>');
    expect(html).toContain('<td>modular (affinity) wins (+45%, p=0.008, faster in 5 of 5 rounds)</td>');
    expect(html).toContain('<td>block-stm wins (+18%, p=0.008, faster in 5 of 5 rounds)</td>');
  });
});

describe('a model\'s calibration, read from its words', () => {
  it('is pessimistic only where the model is slower than measured at 2 threads by 5% or more, in every wording bench has used', () => {
    expect(pessimistic('no cost per line (slower than measured at 2 threads even at no cost, so it may be pessimistic: the model takes 10.00 ms at 2 threads against the measured 9.00 ms)')).toBe(true);
    expect(pessimistic('no cost per slot (slower than measured at 2 threads even at no cost: pessimistic: the model takes 2.09 ms at 2 threads, the measured 2.05 ms)')).toBe(false);
    expect(pessimistic('no cost per line (at no cost the model already takes 31.21 ms at 2 threads, the measured 29.16 ms or more)')).toBe(true);
    expect(pessimistic('12 ns per line (fitted)')).toBe(false);
  });

  it('is optimistic where a cost was not fitted or its fit stopped at the most it gives', () => {
    expect(optimistic('no cost per line (not fitted: no parallel 2-thread measurement, so the model is optimistic at more threads)')).toBe(true);
    expect(optimistic('1000 ns per slot, the most a fit gives (the measured 2-thread 3.10 ms is slower than the 2-worker model even at that cost, 2.90 ms: the model is optimistic)')).toBe(true);
    expect(optimistic('12 ns per line (fitted)')).toBe(false);
  });
});
