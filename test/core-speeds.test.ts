// The per-core speed probe and what it allows: the cpu-list parser, the ceiling at t threads, a
// real probe of this machine's cores (tiny) run beside the event loop, a missing taskset reported
// instead of thrown, the report's warning when cores ran at unequal speeds, and the machine's
// ceiling at the cores for thread counts above them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crossCoreRoundTrips } from '../bench/core-latency.js';
import { allowedCpus, parseCpuList, pinThread, probeCoreSpeeds } from '../bench/core-speeds.js';
import { currentCpu } from '../bench/machine.js';
import { coreCeiling, probeText, QUICK_CORES_AT_END, unequal } from '../reports/cores.js';
import { merge } from '../reports/merge.js';
import { renderMarkdown } from '../reports/render.js';
import { summarize } from '../reports/summary.js';
import { parseResults, serializeResults } from '../reports/schema.js';
import { canPin, threadCpuList } from './helpers.js';
import { contestResults, mdUnescaped, sampleResults } from './report-fixture.js';
import { ceilingThreads } from '../bench/ceiling.js';

const speeds = (relative: number[]) => ({
  speeds: { method: 'taskset' as const, workload: 'test', cpus: relative.map((_, i) => i), medianMs: relative.map((r) => 10 / r), relative },
});

describe('core speeds', () => {
  it('parses Linux cpu lists', () => {
    expect(parseCpuList('0-3,8,10-11\n')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList('5')).toEqual([5]);
    expect(() => parseCpuList('0-x')).toThrow(/not a cpu list: "0-x"/);
  });

  it('adds the fastest cores for the ceiling at t threads', () => {
    expect(coreCeiling([0.59, 1], 1)).toBe(1);
    expect(coreCeiling([0.59, 1], 2)).toBeCloseTo(1.59);
    expect(coreCeiling([0.5, 1, 0.9, 0.8], 3)).toBeCloseTo(2.7);
    expect(coreCeiling([1, 1], 8)).toBe(2);
    expect(unequal(speeds([0.59, 1]))).toBe(true);
    expect(unequal(speeds([0.95, 1]))).toBe(false);
    expect(unequal({ unavailable: 'no taskset' })).toBe(false);
    expect(probeText(speeds([0.594, 1]))).toBe('cpu0 0.59, cpu1 1.00');
  });

  it('times every allowed CPU of this machine, or says why it cannot', async () => {
    const probe = await probeCoreSpeeds({ rounds: 1, reps: 1, txs: 200 });
    if (!canPin) {
      expect(probe).toEqual({ unavailable: expect.stringMatching(/needs Linux|taskset is not installed/) });
      return;
    }
    if (!('speeds' in probe)) throw new Error(`probe failed here: ${probe.unavailable}`);
    const allowed = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]!;
    expect(probe.speeds.cpus).toEqual(parseCpuList(allowed));
    expect(Math.max(...probe.speeds.relative)).toBe(1);
    for (const r of probe.speeds.relative) expect(r).toBeGreaterThan(0);
    expect(probe.speeds.medianMs).toHaveLength(probe.speeds.cpus.length);
    const { cpus, crossCore } = probe.speeds;
    if (cpus.length < 2) {
      expect(crossCore).toBeUndefined();
      return;
    }
    // One pair per CPU after the first, each a positive time below a millisecond (a cache line, not a wake-up).
    expect(crossCore!.pairs).toEqual(cpus.slice(1).map((b) => [cpus[0], b]));
    for (const ns of crossCore!.roundTripNs) expect(ns > 0 && ns < 1e6).toBe(true);
    expect(probeText(probe)).toMatch(/; cache-line round trips? (cpu\d+-cpu\d+ \d+ ns|from cpu\d+ to the \d+ others: median \d+ ns, \d+-\d+ ns)$/);
    const none = await probeCoreSpeeds({ rounds: 1, reps: 1, txs: 200, roundTrips: 0 });
    expect('speeds' in none && none.speeds.crossCore).toBeUndefined();
  });

  it('times no round trip for one CPU, and rejects (never hangs) when the threads cannot be pinned', async () => {
    expect(await crossCoreRoundTrips([0], 100, 'taskset')).toEqual({ pairs: [], roundTripNs: [] });
    await expect(crossCoreRoundTrips([0, 1], 100, '/nonexistent/taskset')).rejects.toThrow(/ENOENT/);
  });

  it.runIf(canPin)('leaves the event loop free while the probe runs, so a signal then is taken at once', async () => {
    // Waited for synchronously, the probe held off bench's signal listener for as long as it ran.
    let turns = 0;
    const ticking = setInterval(() => { turns++; }, 5);
    const probe = await probeCoreSpeeds({ rounds: 1, reps: 3, txs: 2_000, roundTrips: 0 });
    clearInterval(ticking);
    expect(probe).toBeDefined();
    expect(turns).toBeGreaterThan(0);
  });

  it('reports a missing taskset instead of failing', async () => {
    const probe = await probeCoreSpeeds({ rounds: 1, reps: 1, txs: 50, taskset: '/nonexistent/taskset' });
    expect(probe).toEqual({ unavailable: expect.stringMatching(process.platform === 'linux' ? /\/nonexistent\/taskset is not installed/ : /needs Linux/) });
  });

  it('pins the calling thread to one CPU and gives it every allowed CPU back', () => {
    const allowed = allowedCpus();
    if (!canPin || typeof allowed === 'string') {
      expect(pinThread(null, [0])).toBe(false);
      return;
    }
    const before = threadCpuList()!;
    const last = allowed[allowed.length - 1]!;
    try {
      expect(pinThread(last, allowed)).toBe(true);
      expect(threadCpuList()!).toBe(String(last));
      let spin = 0;
      for (let i = 0; i < 1e6; i++) spin += i;
      expect([currentCpu(), spin > 0]).toEqual([last, true]);
    } finally {
      expect(pinThread(null, allowed)).toBe(true);
    }
    expect(parseCpuList(threadCpuList()!)).toEqual(parseCpuList(before));
    expect(pinThread(last, allowed, '/nonexistent/taskset')).toBe(false);
  });

  it('keeps the probes in results files and warns in the report when cores were unequal', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    doc.cores = { start: speeds([0.59, 1]), end: speeds([0.97, 1]) };
    const back = parseResults(serializeResults(doc), 'r.json');
    expect(back.cores).toEqual(doc.cores);
    const md = renderMarkdown(merge([{ file: 'r.json', doc: back }]), []);
    // The bound is what the probe allowing more gives (the end's, 1.97x): the cores' speeds moved.
    expect(md).toMatch(/⚠ .*cores ran at unequal speeds \(at the start: cpu0 0\.59, cpu1 1\.00; at the end: cpu0 0\.97, cpu1 1\.00\); at the core speeds probed \(the start's or the end's, whichever allows more\), an executor could reach at most 1\.97x at 2 threads over a baseline on the fastest core\./);
    expect(md).toMatch(/\| Test CPU .* \| cpu0 0\.59, cpu1 1\.00 \| cpu0 0\.97, cpu1 1\.00 \|/);

    doc.cores = { start: speeds([0.97, 1]), end: { unavailable: 'taskset is not installed (util-linux)' } };
    const calm = renderMarkdown(merge([{ file: 'r.json', doc }]), []);
    expect(calm).not.toMatch(/unequal speeds/);
    expect(calm).toMatch(/\| cpu0 0\.97, cpu1 1\.00 \| not measured: taskset is not installed/);
    expect(calm).toContain('timed on each core alone (pinned with taskset) before and after the sweep; ');

    // A --quick run probes the cores before the sweep alone (cli/bench.ts): its end says so, and so does the method.
    const quick = renderMarkdown(merge([{ file: 'r.json', doc: { ...doc, cores: { start: speeds([0.59, 1]), end: QUICK_CORES_AT_END } } }]), []);
    expect(quick).toMatch(/\| cpu0 0\.59, cpu1 1\.00 \| not measured: a --quick run probes the cores before the sweep alone \|/);
    expect(quick).toMatch(/at the end: not measured: a --quick run probes the cores before the sweep alone\); at the core speeds probed \(the start's alone\), an executor could reach at most/);
    expect(quick).toContain('timed on each core alone (pinned with taskset) before and after the sweep (before it alone in a --quick run); ');

    delete doc.cores;
    expect(renderMarkdown(merge([{ file: 'r.json', doc }]), [])).toMatch(/\| not recorded \| not recorded \| not recorded \|/);
  });

  it('keeps the machine ceilings in results files and shows them beside the core speeds', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    doc.settings.threads = [1, 2, 4];
    doc.machine.effectiveCores = 4;
    doc.ceilings = [
      { threads: 2, workload: 'sequential executor, p2p 1000 accounts x 1000 txs', oneMs: 10, partsMs: 5.3, ratio: 10 / 5.3 },
      { threads: 4, workload: 'sequential executor, p2p 1000 accounts x 1000 txs', oneMs: 10, partsMs: 2.9, ratio: 10 / 2.9 },
    ];
    const back = parseResults(serializeResults(doc), 'r.json');
    expect(back.ceilings).toEqual(doc.ceilings);
    const md = renderMarkdown(merge([{ file: 'r.json', doc: back }]), []);
    expect(md).toMatch(/\| machine \| core speeds at the start \| at the end \| machine ceiling \|/);
    expect(md).toMatch(/\| 1\.89x at 2 threads, 3\.45x at 4 threads \|/);
    expect(md).toContain('Machine ceiling: at each thread count T the sweep ran within the cores (and at the cores, for a count above them, whose threads shared the cores), T workers each ran the sequential executor on one T-th of the probe block at once');
    expect(md).not.toMatch(/ceiling moved/);
    // Measured before the sweep alone: the method says so, and why (a --quick run measures it once; an older file did not yet measure it after).
    const once = (quick: boolean) => renderMarkdown(merge([{ file: 'r.json', doc: parseResults(serializeResults({ ...doc, settings: { ...doc.settings, quick } }), 'r.json') }]), []);
    expect(once(false)).toContain('It is measured before the sweep and again after it (before it only in files from before 2026-11-30);');
    expect(once(true)).toContain('It is measured before the sweep and again after it (before it only in a --quick run, which measures it once);');

    // Measured at both ends of the sweep: the column gives the mean the models charge, each end
    // beside it, and a ceiling that moved by more than CEILING_DRIFT (movedCeilings) is warned of.
    const steady = { oneMs: 10, partsMs: 5.1, ratio: 10 / 5.1 };
    const sank = { oneMs: 10, partsMs: 6.25, ratio: 1.6 };
    const both = (at2: typeof steady, at4: typeof steady) => renderMarkdown(merge([{ file: 'r.json', doc: parseResults(serializeResults({
      ...doc, ceilings: [{ ...doc.ceilings![0]!, end: at2 }, { ...doc.ceilings![1]!, end: at4 }],
    }), 'r.json') }]), []);
    const calm = both(steady, { oneMs: 10, partsMs: 3, ratio: 10 / 3 });
    expect(calm).toMatch(/\| 1\.92x at 2 threads \(1\.89x before the sweep, 1\.96x after\), 3\.39x at 4 threads \(3\.45x before the sweep, 3\.33x after\) \|/);
    expect(calm).not.toMatch(/ceiling moved/);
    expect(calm).toContain('It is measured before the sweep and again after it;');
    const moved = both(sank, { oneMs: 10, partsMs: 3, ratio: 10 / 3 });
    expect(moved).toMatch(/\| 1\.74x at 2 threads \(1\.89x before the sweep, 1\.60x after\)/);
    expect(moved).toContain(": the machine's ceiling moved during the sweep by more than 15% (1.89x before the sweep and 1.60x after at 2 threads)");
    expect(moved).not.toMatch(/3\.45x before the sweep and/);

    // What a sweep cannot have written is refused, naming the field: a thread count it did not
    // run, or beyond the cores; a second ceiling at one count; a ratio that is not its quotient.
    const refused = (ceilings: NonNullable<typeof doc.ceilings>) => () => parseResults(serializeResults({ ...doc, ceilings }), 'r.json');
    const [at2, at4] = doc.ceilings;
    expect(refused([at2!, { ...at4!, threads: 8 }])).toThrow(/ceilings\[1\]\.threads: a ceiling is measured at a thread count settings\.threads holds \(1, 2, 4\) within the machine's 4 effective cores, or at the cores for a count above them, got 8/);
    expect(refused([at2!, at2!])).toThrow(/ceilings\[1\]: duplicates ceilings\[0\] \(2 threads\)/);
    expect(refused([{ ...at2!, end: { oneMs: 10, partsMs: 5, ratio: 5 } }])).toThrow(/ceilings\[0\]\.end\.ratio: must be oneMs \/ partsMs \(2\.00000\), got 5/);
    expect(refused([{ ...at2!, ratio: 3 }])).toThrow(/ceilings\[0\]\.ratio: must be oneMs \/ partsMs/);

    // A ceiling needs two threads: one at 1 thread is no ceiling, and the schema says where.
    doc.ceilings = [{ threads: 1, workload: 'w', oneMs: 1, partsMs: 1, ratio: 1 }];
    expect(() => parseResults(serializeResults(doc), 'r.json')).toThrow(/ceilings\[0\]\.threads/);
  });

  it('measures the ceiling at the cores for thread counts above them, and the report reads those runs beside it', () => {
    expect(ceilingThreads([1, 4], 2)).toEqual([2]);
    expect(ceilingThreads([1, 2, 4, 8], 4)).toEqual([2, 4]);
    expect(ceilingThreads([1, 2], 2)).toEqual([2]);
    expect(ceilingThreads([1, 4], 1)).toEqual([]);

    // block-stm and modular at 1 and 4 threads on 2 cores, modular the clear winner at 4.
    const doc = contestResults([{
      workload: 'p2p', idealLimit: 14, seqMs: 10,
      blockStm: { 1: { ms: 11 }, 2: { ms: 8 } },
      modular: { 1: { ms: 11 }, 2: { ms: 5.5, detail: { threads: 2, modules: 8, crossShare: 0.02, laneImbalance: 1.05 } } },
    }]);
    doc.settings.threads = [1, 4];
    for (const r of doc.runs) if (r.threads === 2) r.threads = 4;
    for (const st of doc.startup) st.threads = 4;
    doc.ceilings = [{ threads: 2, workload: 'sequential executor, p2p 1000 accounts x 1000 txs', oneMs: 10, partsMs: 5.5, ratio: 10 / 5.5 }];
    const back = parseResults(serializeResults(doc), 'r.json');
    const md = mdUnescaped(renderMarkdown(merge([{ file: 'r.json', doc: back }]), []));
    expect(md).toContain("; the machine's ceiling at its 2 cores, which the 4 threads shared: 1.82x");
    expect(md).toContain("their ideal, bound and efficiency are taken at 2 threads. The machine's ceiling there, 1.82x at 2 threads (Noise section), is what the machine allows those threads on plain sequential work split into parts.");
    // A ceiling at a count the sweep neither ran nor reached by its cores is refused.
    expect(() => parseResults(serializeResults({ ...doc, machine: { ...doc.machine, effectiveCores: 8 } }), 'r.json')).toThrow(/ceilings\[0\]\.threads: a ceiling is measured at a thread count settings\.threads holds \(1, 4\) within the machine's 8 effective cores, or at the cores for a count above them, got 2/);
  });

  it('compares against the baseline on its fastest core when samples carry their CPU and round', () => {
    const doc = sampleResults({ seqMs: 12, execMs: 6, samples: 12 });
    doc.settings.rounds = 6;
    const base = doc.runs.find((r) => r.role === 'baseline' && r.threads === 2)!;
    const exec = doc.runs.find((r) => r.role === 'executor' && r.threads === 2 && r.workload === base.workload)!;
    // Rounds alternate cores: cpu 0 is the slow one (18 ms), cpu 1 the fast one (12 ms).
    base.samplesMs = [18, 18, 12, 12, 18, 18, 12, 12, 18, 18, 12, 12];
    base.cpus = [0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1];
    base.rounds = exec.rounds = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5];
    exec.samplesMs = [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6];
    const rows = summarize(parseResults(serializeResults(doc), 'r.json'));
    const row = rows.find((r) => r.workload.id === base.workload && r.threads === 2 && r.role === 'executor')!;
    // Per round 3, 2, 3, 2, 3, 2: the speedup is their median, the fastest-core one that of rounds 1, 3 and 5.
    expect(row.speedup).toBeCloseTo(2.5, 10);
    expect(row.fastCoreSpeedup).toBeCloseTo(2, 10);
    expect(row.fastCoreGap).toBeNull();
    // A baseline without CPUs per sample: no figure, and no reason to footnote (the file cannot have one).
    expect(rows.find((r) => r.threads === 1 && r.role === 'executor')!).toMatchObject({ fastCoreSpeedup: null, fastCoreGap: null });
    const md = renderMarkdown(merge([{ file: 'r.json', doc }]), []);
    expect(md).toContain(`| ${row.label} | fake-parallel | 2 | `);
    expect(md).toMatch(/\| 2\.50x \(2\.00–3\.00\)\S* \| 2\.00x \|/);
    expect(() => parseResults(JSON.stringify({ ...doc, runs: doc.runs.map((r) => (r === base ? { ...r, cpus: [0] } : r)) }), 'r.json'))
      .toThrow(/r\.json: runs\[\d+\]\.cpus: has 1 CPUs for 12 samples/);
  });

  it('rejects a probe whose lists disagree in length, naming the field', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 }) as unknown as Record<string, unknown>;
    doc.cores = { start: speeds([0.5, 1]), end: { speeds: { ...speeds([1]).speeds, cpus: [0, 1] } } };
    expect(() => parseResults(JSON.stringify(doc), 'r.json')).toThrow(/r\.json: cores\.end.*one entry per CPU/);
    const crossCore = { method: 'ping-pong', pairs: [[0, 1], [0, 2]], roundTripNs: [400] };
    doc.cores = { start: speeds([1, 1, 1]), end: { speeds: { ...speeds([1, 1, 1]).speeds, crossCore } } };
    expect(() => parseResults(JSON.stringify(doc), 'r.json')).toThrow(/r\.json: cores\.end\.speeds\.crossCore.*one round trip per pair/);
  });

  it('keeps cache-line round trips in results files and shows them beside the core speeds', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    const two = { ...speeds([1, 0.98]).speeds, crossCore: { method: 'ping-pong' as const, pairs: [[0, 1]] as [number, number][], roundTripNs: [451.7] } };
    const many = { ...speeds([1, 1, 1, 1]).speeds, crossCore: { method: 'ping-pong' as const, pairs: [[0, 1], [0, 2], [0, 3]] as [number, number][], roundTripNs: [120, 460, 180] } };
    doc.cores = { start: { speeds: two }, end: { speeds: many } };
    const back = parseResults(serializeResults(doc), 'r.json');
    expect(back.cores).toEqual(doc.cores);
    const md = renderMarkdown(merge([{ file: 'r.json', doc: back }]), []);
    expect(md).toContain('| cpu0 1.00, cpu1 0.98; cache-line round trip cpu0-cpu1 452 ns | cpu0 1.00, cpu1 1.00, cpu2 1.00, cpu3 1.00; cache-line round trips from cpu0 to the 3 others: median 180 ns, 120-460 ns |');
  });
});
