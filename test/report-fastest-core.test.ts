// The "over fastest-core baseline" column: the CPU is chosen by its rounds' medians (each round
// one vote), shown only over MIN_CORE_ROUNDS rounds or more, withheld where the core probes name
// another CPU or the cores swapped speeds; the bench pins the baseline to a new CPU every round
// with each CPU's rounds in both orders; the unequal-cores warning's bound is the loosest probe's
// and names a column figure above it. Results documents are built here, round by round.
import { describe, expect, it } from 'vitest';
import { roundPlan } from '../bench/sweep.js';
import { merge } from '../reports/merge.js';
import { renderMarkdown } from '../reports/render.js';
import { parseResults, serializeResults, type ResultsFile } from '../reports/schema.js';
import { summarize, type Row } from '../reports/summary.js';
import { mdUnescaped, sampleResults } from './report-fixture.js';

/** One round as a test gives it: the baseline's CPU and samples, and the executor's samples. */
interface Round {
  readonly cpu: number;
  readonly base: number[];
  readonly exec: number[];
}

/** sampleResults with the 2-thread baseline and executor of its first workload timed in `rounds`. */
function timed(rounds: readonly Round[], cores?: ResultsFile['cores']): ResultsFile {
  const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
  doc.settings.rounds = rounds.length;
  doc.settings.baselineCpus = [0, 1];
  doc.settings.baselinePinning = 'each-round';
  if (cores) doc.cores = cores;
  const workload = doc.workloads[0]!.id;
  for (const r of doc.runs) {
    if (r.workload !== workload || r.threads !== 2) continue;
    const side = (x: Round) => (r.role === 'baseline' ? x.base : x.exec);
    r.samplesMs = rounds.flatMap((x) => [...side(x)].sort((a, b) => a - b));
    r.busy = r.samplesMs.map(() => false);
    r.rounds = rounds.flatMap((x, i) => side(x).map(() => i));
    if (r.role === 'baseline') r.cpus = rounds.flatMap((x) => x.base.map(() => x.cpu));
  }
  return parseResults(serializeResults(doc), 'r.json');
}

function executorRow(doc: ResultsFile): Row {
  return summarize(doc).find((r) => r.role === 'executor' && r.threads === 2 && r.workload.id === doc.workloads[0]!.id)!;
}

const many = (ms: number, n: number) => Array<number>(n).fill(ms);
const speeds = (relative: number[]) => ({ speeds: { method: 'taskset' as const, workload: 'test', cpus: [0, 1], medianMs: relative.map((r) => 10 / r), relative } });

describe('the speedup over the baseline\'s fastest core', () => {
  // The audit's quick run: round 0's baseline took 17 ms, 5x its next round; CPU 0, which held
  // both, won on its pooled samples (the quick round 1 took 9), and the column read 1.82x (the
  // median of 3.09 and 0.55) beside a plain 0.62x.
  const audit: Round[] = [
    { cpu: 0, base: many(17.05, 4), exec: many(5.53, 5) },
    { cpu: 0, base: many(2.99, 9), exec: many(5.41, 5) },
    { cpu: 1, base: many(7.12, 5), exec: many(10.48, 4) },
    { cpu: 1, base: many(7.51, 5), exec: many(20.4, 4) },
  ];

  it('gives no figure from fewer than MIN_CORE_ROUNDS rounds on the chosen CPU, and says why in a footnote', () => {
    // Probes that flag CPU 0 slow make CPU 1 a fastest core to choose (its rounds overlap CPU 0's).
    const doc = timed(audit, { start: speeds([0.8, 1]), end: speeds([0.8, 1]) });
    const row = executorRow(doc);
    expect(row.speedup).toBeLessThan(1);
    expect(row.fastCoreSpeedup).toBeNull();
    expect(row.fastCoreGap).toMatch(/^fewer than 3 of the rounds both sides ran had the baseline on its fastest core, too few for a median that one wild round cannot move; bench pins the baseline to its 2 CPUs in turn, so --rounds 6 or more gives each CPU 3\.$/);
    const md = mdUnescaped(renderMarkdown(merge([{ file: 'r.json', doc }]), []));
    const cells = md.split('\n').find((l) => l.startsWith(`| ${row.label} | fake-parallel | 2 |`))!.split(' | ');
    expect(cells[5]).toMatch(/^–([¹²³⁴⁵⁶⁷⁸⁹]+)$/);
    expect(md).toContain(`${cells[5]!.slice(1)} No speedup over the baseline's fastest core: fewer than 3 of the rounds`);
    // The verdict-style text does not quote a fastest-core figure either.
    expect(md).not.toMatch(/fastest core 1\.8\dx/);
  });

  it('chooses the CPU by the median of its rounds\' medians, each round one vote, not by its pooled samples', () => {
    // CPU 1 has one quiet round with many samples (8 ms) and two slow ones (12 ms); CPU 0 takes 10
    // ms in each. Pooled, CPU 1's samples have the lower median; round by round, CPU 0 is the faster.
    const rounds: Round[] = [
      { cpu: 0, base: many(10, 5), exec: many(5, 5) },
      { cpu: 1, base: many(8, 30), exec: many(5, 5) },
      { cpu: 0, base: many(10, 5), exec: many(5, 5) },
      { cpu: 1, base: many(12, 5), exec: many(5, 5) },
      { cpu: 0, base: many(10, 5), exec: many(4, 5) },
      { cpu: 1, base: many(12, 5), exec: many(5, 5) },
    ];
    // The probes flag CPU 1 slow, so a fastest core is chosen although the two CPUs' rounds overlap.
    const row = executorRow(timed(rounds, { start: speeds([1, 0.8]), end: speeds([1, 0.8]) }));
    // Over CPU 0's rounds 0, 2, 4: 2, 2 and 2.5.
    expect(row.fastCoreSpeedup).toBeCloseTo(2, 10);
    expect(row.fastCoreGap).toBeNull();
  });

  it('chooses no fastest core where the probes find the cores alike and the CPUs\' rounds overlap: "cores alike"', () => {
    // The base-bench case: medians 47.5 against 48.5 ms (2% apart) while the rounds spanned 32-54 ms.
    const rounds: Round[] = [
      { cpu: 0, base: many(47.5, 5), exec: many(40, 5) },
      { cpu: 0, base: many(32.4, 5), exec: many(30, 5) },
      { cpu: 1, base: many(48.5, 5), exec: many(40, 5) },
      { cpu: 1, base: many(53.9, 5), exec: many(40, 5) },
      { cpu: 0, base: many(50, 5), exec: many(40, 5) },
      { cpu: 1, base: many(45, 5), exec: many(40, 5) },
    ];
    const alike = { start: speeds([1, 0.98]), end: speeds([0.99, 1]) };
    const doc = timed(rounds, alike);
    const row = executorRow(doc);
    expect(row.fastCoreSpeedup).toBeNull();
    expect(row.fastCoreGap).toBe('cores alike: the core probes found no core below 0.9 of the fastest, and the baseline\'s round medians on one CPU overlap those on another, so no CPU was the faster; read the plain speedup.');
    // Unprobed cores say so.
    expect(executorRow(timed(rounds)).fastCoreGap).toMatch(/^cores alike: the cores were not probed, and /);
    // The column's cell is a dash whose footnote says why.
    const md = mdUnescaped(renderMarkdown(merge([{ file: 'r.json', doc }]), []));
    const cell = md.split('\n').find((l) => l.startsWith(`| ${row.label} | fake-parallel | 2 |`))!.split(' | ')[5]!;
    expect(cell).toMatch(/^–[¹²³⁴⁵⁶⁷⁸⁹]+$/);
    expect(md).toContain(`${cell.slice(1)} No speedup over the baseline's fastest core: cores alike: `);
    // Every round on CPU 0 faster than every round on CPU 1: a gap wider than the rounds' spread picks CPU 0.
    const apart = rounds.map((x) => ({ ...x, base: x.cpu === 0 ? many(30, 5) : x.base }));
    expect(executorRow(timed(apart, alike)).fastCoreSpeedup).toBeCloseTo(0.75, 10);
  });

  it('gives no figure where the core probes name another CPU the fastest, or the cores swapped speeds during the run', () => {
    // Six rounds, CPU 0 the faster in them (3 rounds each).
    const rounds: Round[] = [0, 1, 2, 3, 4, 5].map((i) => ({ cpu: i % 2, base: many(i % 2 === 0 ? 9 : 10, 5), exec: many(6, 5) }));
    expect(executorRow(timed(rounds)).fastCoreSpeedup).toBeCloseTo(1.5, 10);
    // Probes that find the cores alike, or CPU 0 the faster, agree with the rounds.
    expect(executorRow(timed(rounds, { start: speeds([1, 0.95]), end: speeds([1, 0.6]) })).fastCoreSpeedup).toBeCloseTo(1.5, 10);
    // The start's probe found CPU 1 clearly the faster: the rounds' CPU 0 was not the fastest throughout.
    const other = executorRow(timed(rounds, { start: speeds([0.5, 1]), end: speeds([1, 0.95]) }));
    expect(other.fastCoreSpeedup).toBeNull();
    expect(other.fastCoreGap).toBe('the core probe found cpu1 clearly the fastest at the start of the run, but the baseline\'s rounds ran fastest on another CPU: the cores changed speed during the run, so no core was the fastest throughout, and a figure over one would rest on whichever rounds the noise favoured.');
    // The audit's run: CPU 0 at 0.47 of CPU 1 at the start, CPU 1 at 0.77 of CPU 0 at the end.
    const swapped = executorRow(timed(rounds, { start: speeds([0.47, 1]), end: speeds([1, 0.77]) }));
    expect(swapped.fastCoreSpeedup).toBeNull();
    expect(swapped.fastCoreGap).toMatch(/^the cores swapped speeds during the run: the core probes found cpu1 clearly the fastest at the start and cpu0 at the end/);
  });

  it('gives no figure from a file that names each sample\'s CPU but not its round', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    const base = doc.runs.find((r) => r.role === 'baseline' && r.threads === 2)!;
    base.cpus = base.samplesMs.map((_, i) => i % 2);
    const row = summarize(parseResults(serializeResults(doc), 'r.json')).find((r) => r.role === 'executor' && r.threads === 2 && r.workload.id === base.workload)!;
    expect(row.fastCoreSpeedup).toBeNull();
    expect(row.fastCoreGap).toMatch(/^this file does not name each sample's round/);
  });
});

describe('the unequal-cores warning', () => {
  const warning = (doc: ResultsFile) => renderMarkdown(merge([{ file: 'r.json', doc }]), []).split('\n').find((l) => l.includes('unequal speeds'))!;

  it('bounds the speedup by the probe that allows more, and names a fastest-core figure above it', () => {
    // CPU 0 at 0.5 of CPU 1 at the start, 0.8 at the end: at most 1.80x at 2 threads, not the 1.50x
    // the slower probe alone allows (which a column figure, from rounds between, can exceed).
    const rounds: Round[] = [0, 1, 2, 3, 4, 5].map((i) => ({ cpu: i % 2, base: many(i % 2 === 1 ? 9 : 18, 5), exec: many(5, 5) }));
    const doc = timed(rounds, { start: speeds([0.5, 1]), end: speeds([0.8, 1]) });
    expect(executorRow(doc).fastCoreSpeedup).toBeCloseTo(1.8, 10);
    expect(warning(doc)).toContain('; at the core speeds probed (the start\'s or the end\'s, whichever allows more), an executor could reach at most 1.80x at 2 threads over a baseline on the fastest core.');
    expect(warning(doc)).not.toContain('no executor could exceed');
    expect(warning(doc)).not.toContain('above that');
    // Faster still in the rounds: the warning says the column stands above the bound, and why.
    const above = timed(rounds.map((x) => ({ ...x, exec: many(4, 5) })), { start: speeds([0.5, 1]), end: speeds([0.8, 1]) });
    expect(warning(above)).toContain('. 1 figure in the "over fastest-core baseline" column stands above that (up to 2.25x): the cores ran otherwise while the rounds were timed than when probed, or those rounds were noisy: no speedup to quote.');
  });
});

describe('pinning the baseline round by round', () => {
  it('moves the baseline to the next CPU every round, and times each CPU\'s rounds in both orders', () => {
    for (const pins of [[0, 1], [0, 1, 2], [4, 5, 6, 7]]) {
      const plan = Array.from({ length: 4 * pins.length }, (_, round) => roundPlan(round, pins));
      expect(plan.map((p) => p.cpu)).toEqual(plan.map((_, round) => pins[round % pins.length]));
      for (const cpu of pins) expect(new Set(plan.filter((p) => p.cpu === cpu).map((p) => p.reversed))).toEqual(new Set([false, true]));
    }
    // Two CPUs: A B B A per four rounds, so a steady drift favours neither order.
    expect([0, 1, 2, 3].map((round) => roundPlan(round, [0, 1]).reversed)).toEqual([false, true, true, false]);
    // Unpinned: the order alternates every round.
    expect([0, 1, 2, 3].map((round) => roundPlan(round, []))).toEqual([false, true, false, true].map((reversed) => ({ cpu: null, reversed })));
  });

  it('reads a file pinned round by round as such, and older files by when they were written', () => {
    const rounds: Round[] = [0, 1, 2, 3].map((i) => ({ cpu: i % 2, base: many(10, 5), exec: many(6, 5) }));
    const sources = (doc: ResultsFile) => mdUnescaped(renderMarkdown(merge([{ file: 'r.json', doc }]), [])).split('\n').find((l) => l.startsWith('Sources'))!;
    const doc = { ...timed(rounds), createdAt: '2026-12-02T10:00:00.000Z' };
    expect(sources(doc)).toContain('the baseline pinned to CPU 0, 1 round by round;');
    // The same CPUs in a file from when bench pinned two rounds a CPU: rounds 1 and 2 were not held.
    const { baselinePinning: _, ...older } = doc.settings;
    expect(sources({ ...doc, settings: older })).toContain('but not held there: round 1, meant for CPU 0, ran on CPU 1; round 2, meant for CPU 1, ran on CPU 0');
  });
});
