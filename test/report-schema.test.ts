// The results schema: a valid document survives serialize -> parse unchanged, with a byte-order
// mark too; malformed or empty files, a key given twice, unknown versions and broken cross-references are rejected
// naming the file and the field, in Concord's words rather than zod's; the documentation names every field the schema has.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { compareCommand } from '../cli/compare.js';
import { guard } from '../cli/errors.js';
import { reportCommand } from '../cli/report.js';
import { madeUpLabel, MAX_LABEL, newerWriterHint, parseResults, RESULTS_FORMAT, ResultsFileError, ResultsSchema, serializeResults } from '../reports/schema.js';
import { sampleResults } from './report-fixture.js';
import { concordCommit } from '../cli/version.js';
import { merge } from '../reports/merge.js';
import { renderMarkdown } from '../reports/render.js';
import { errorOf } from './helpers.js';

function rejection(mutate: (doc: Record<string, unknown>) => void): ResultsFileError {
  const doc = structuredClone(sampleResults({ seqMs: 10, execMs: 6, samples: 8 })) as unknown as Record<string, unknown>;
  mutate(doc);
  try {
    parseResults(JSON.stringify(doc), 'r.json', '0.1.0');
  } catch (e) {
    if (e instanceof ResultsFileError) return e;
    throw e;
  }
  throw new Error('accepted a malformed document');
}

/**
 * `concord report BAD` and `concord compare BASE BAD` (in `dir`): each an input error, exit 2, with
 * one line on stderr naming the file and `why`, and no report folder written.
 */
async function refusedByReportAndCompare(dir: string, base: string, bad: string, why: string): Promise<void> {
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  expect(await guard('report', () => reportCommand({ files: [bad], out: join(dir, 'out') }))).toBe(2);
  expect(await guard('compare', () => compareCommand({ base, next: bad }))).toBe(2);
  vi.restoreAllMocks();
  expect(stderr.trim().split('\n')).toEqual([expect.stringContaining(`concord report: ${bad}: ${why}`), expect.stringContaining(`concord compare: ${bad}: ${why}`)]);
  expect(existsSync(join(dir, 'out'))).toBe(false);
}

describe('results schema', () => {
  it('round-trips a valid document', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8, simulated: true });
    const text = serializeResults(doc);
    expect(parseResults(text, 'r.json')).toEqual(doc);
    expect(JSON.parse(text).format).toBe(RESULTS_FORMAT);
  });

  it('records the commit of the checkout bench ran from, which the report shows beside the version', () => {
    const commit = concordCommit();
    // This test runs from a clone; a copy without .git names no commit.
    if (existsSync(new URL('../.git', import.meta.url))) expect(commit).toMatch(/^[0-9a-f]{12}(\+changes)?$/);
    else expect(commit).toBeUndefined();
    const doc = { ...sampleResults({ seqMs: 10, execMs: 6, samples: 8 }), concordCommit: '0123456789ab+changes' };
    expect(parseResults(serializeResults(doc), 'r.json')).toEqual(doc);
    expect(renderMarkdown(merge([{ file: 'r.json', doc }]), [])).toContain('Concord 0.1.0 (commit 0123456789ab+changes), written');
    expect(rejection((d) => { d.concordCommit = 'HEAD'; }).message).toMatch(/concordCommit/);
  });

  it('rejects an unknown version and non-results files by the format field', () => {
    const v2 = rejection((d) => { d.format = 'concord-results/2'; });
    expect(v2.field).toBe('format');
    expect(v2.message).toMatch(/^r\.json: format: format "concord-results\/2": an unknown version \(this concord reads "concord-results\/1"\)/);
    expect(rejection((d) => { delete d.format; }).message).toMatch(/no format field: not a concord results file/);
    expect(() => parseResults('[1, 2]', 'r.json')).toThrow(/r\.json: top level: expected a JSON object/);
    expect(() => parseResults('{"format":', 'r.json')).toThrow(/r\.json: JSON: /);
  });

  it('names the field of a malformed value', () => {
    const bad = rejection((d) => { (d.runs as { samplesMs: unknown[] }[])[2]!.samplesMs[1] = 'fast'; });
    expect(bad.field).toBe('runs[2].samplesMs[1]');
    expect(bad.message).toMatch(/^r\.json: runs\[2\]\.samplesMs\[1\]: .*number/);
    expect(rejection((d) => { (d.machine as Record<string, unknown>).cores = 2; }).message).toMatch(/machine: .*cores/);
    expect(rejection((d) => { (d.runs as unknown[]).push({}); }).field).toMatch(/^runs\[8\]\./);
    expect(rejection((d) => { (d.runs as { samplesMs: number[] }[])[0]!.samplesMs = []; }).field).toBe('runs[0].samplesMs');
  });

  it('checks the optional per-run executor statistics when present', () => {
    expect(rejection((d) => { (d.runs as Record<string, unknown>[])[1]!.detail = { crossShare: 'low' }; }).field).toBe('runs[1].detail.crossShare');
    expect(rejection((d) => { (d.runs as Record<string, unknown>[])[1]!.fallbackShare = 1.5; }).field).toBe('runs[1].fallbackShare');
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    doc.runs[1] = { ...doc.runs[1]!, detail: { estimateWaits: 12.5, threads: 2 }, fallbackShare: 0.25, fallback: 'contention' };
    expect(parseResults(serializeResults(doc), 'r.json').runs[1]).toMatchObject({ detail: { estimateWaits: 12.5, threads: 2 }, fallbackShare: 0.25 });
  });

  it('checks cross-references: workload ids, baselines, busy flags', () => {
    expect(rejection((d) => { (d.runs as { workload: string }[])[1]!.workload = 'nope'; }).message)
      .toMatch(/runs\[1\]\.workload: no workload with id "nope"/);
    expect(rejection((d) => { d.runs = (d.runs as { role: string }[]).filter((r) => r.role !== 'baseline'); }).message)
      .toMatch(/runs\[0\]: no baseline run for workload "p2p-a100-t1000-s1-h3" at 1 thread/);
    expect(rejection((d) => { (d.runs as { busy: boolean[] }[])[3]!.busy.pop(); }).message).toMatch(/runs\[3\]\.busy: has 7 flags for 8 samples/);
    expect(rejection((d) => { (d.workloads as { id: string }[])[1]!.id = 'p2p-a100-t1000-s1-h3'; }).message).toMatch(/duplicate workload id/);
    // A call that differed belongs to a run that did not match the reference.
    expect(rejection((d) => { (d.runs as Record<string, unknown>[])[1]!.wrongCall = 5; }).message)
      .toMatch(/runs\[1\]\.wrongCall: names call 5 as differing from the reference, but the run is correct/);
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    doc.runs[1] = { ...doc.runs[1]!, correct: false, wrongCall: 5 };
    expect(parseResults(serializeResults(doc), 'r.json').runs[1]).toMatchObject({ correct: false, wrongCall: 5 });
    // Where it differed, and how often, as bench writes them since it checks every call; files without them load.
    const wrong = { correct: false, wrongCall: 5, checkedCalls: 20, differingCalls: 7, wrongAt: { stage: 'timed' as const, round: 1, index: 2 } };
    doc.runs[1] = { ...doc.runs[1]!, ...wrong };
    expect(parseResults(serializeResults(doc), 'r.json').runs[1]).toMatchObject(wrong);
    expect(rejection((d) => { Object.assign((d.runs as Record<string, unknown>[])[1]!, { checkedCalls: 20, wrongAt: { stage: 'first' } }); }).message)
      .toMatch(/runs\[1\]\.wrongAt: says where or how often the run differed from the reference, but the run is correct/);
    expect(rejection((d) => { Object.assign((d.runs as Record<string, unknown>[])[1]!, { ...wrong, differingCalls: 21 }); }).message)
      .toMatch(/runs\[1\]\.differingCalls: is 21, more than the 20 checkedCalls/);
    expect(rejection((d) => { Object.assign((d.runs as Record<string, unknown>[])[1]!, { ...wrong, wrongAt: { stage: 'timed', round: 9, index: 1 } }); }).message)
      .toMatch(/runs\[1\]\.wrongAt\.round: names round 9, but settings\.rounds is \d+ \(rounds count from 0\)/);
    expect(rejection((d) => { Object.assign((d.runs as Record<string, unknown>[])[1]!, { ...wrong, wrongAt: { stage: 'cold', round: 0, index: 1 } }); }).message)
      .toMatch(/runs\[1\]\.wrongAt/);
  });

  it('refuses a duplicated run and a failure naming no workload', () => {
    const dup = rejection((d) => { (d.runs as unknown[]).push(structuredClone((d.runs as unknown[])[3])); });
    expect(dup.field).toBe('runs[8]');
    expect(dup.message).toMatch(/^r\.json: runs\[8\]: duplicates runs\[3\] \(p2p-[^,]+, fake-parallel, 2 threads, executor\)$/);
    const failure = { executor: 'fake-parallel', threads: 2, workload: 'nope', message: 'threw' };
    expect(rejection((d) => { d.failures = [failure]; }).message).toMatch(/^r\.json: failures\[0\]\.workload: no workload with id "nope"$/);
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    doc.failures = [{ ...failure, workload: null }, { ...failure, workload: doc.workloads[0]!.id }];
    expect(parseResults(serializeResults(doc), 'r.json').failures).toEqual(doc.failures);
  });

  it('holds machine.label to bench --label\'s rule, so report and compare refuse what bench would, naming the field', async () => {
    const label = (l: string) => rejection((d) => { (d.machine as { label: string }).label = l; });
    for (const bad of ['', '   ', 'a\nb', 'tab\there', 'a\u2028b', 'box \u202eA', 'x'.repeat(MAX_LABEL + 1)]) expect(label(bad).field).toBe('machine.label');
    expect(label('box \u202eA').message).toBe('r.json: machine.label: character 5 is U+202E, a bidi control character, which reorders the text after it; the label heads report columns and chart legends on one line: leave it out');
    expect(label('x'.repeat(MAX_LABEL + 1)).message).toBe(`r.json: machine.label: at most ${MAX_LABEL} characters (it heads report columns and chart legends), got ${MAX_LABEL + 1}`);
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    expect(parseResults(serializeResults({ ...doc, machine: { ...doc.machine, label: 'x'.repeat(MAX_LABEL) } })).machine.label).toBe('x'.repeat(MAX_LABEL));
    // The label bench makes up without --label has no limit (a long CPU model name), and bench's own files stay readable.
    const xeon = { ...doc.machine, cpuModel: 'Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz', cpuFamily: 6, cpuModelNumber: 106, memoryBytes: 8 * 2 ** 30, node: '20.19.0' };
    const madeUp = madeUpLabel(xeon);
    expect(madeUp).toBe('Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz (family 6 model 106), 2 cores, 8 GiB, Node 20.19.0');
    expect(madeUp.length).toBeGreaterThan(MAX_LABEL);
    expect(parseResults(serializeResults({ ...doc, machine: { ...xeon, label: madeUp } })).machine.label).toBe(madeUp);
    expect(() => serializeResults({ ...doc, machine: { ...xeon, label: `${madeUp} ` } })).toThrow(/machine\.label: at most 80 characters/);
    // The commands: an input error (exit 2) naming the file and the field.
    const dir = mkdtempSync(join(tmpdir(), 'concord-label-'));
    const [good, bad] = [join(dir, 'good.json'), join(dir, 'bad.json')];
    writeFileSync(good, JSON.stringify(doc));
    writeFileSync(bad, JSON.stringify({ ...doc, machine: { ...doc.machine, label: 'box\nA' } }));
    await refusedByReportAndCompare(dir, good, bad, 'machine.label: character 4 is U+000A, a control character or line break');
  });

  it('accepts the published results file', () => {
    const text = readFileSync(new URL('../reports/published/results.json', import.meta.url), 'utf8');
    expect(parseResults(text, 'results.json').runs.length).toBeGreaterThan(0);
  });

  it('reports bad JSON and a deeply nested format on one short line', () => {
    const bad = (text: string) => errorOf(ResultsFileError, () => parseResults(text, 'r.json'));
    const snippet = bad('{"format": "concord-results/1", "runs": [\n  NaN,\n  1] }');
    expect(snippet.field).toBe('JSON');
    expect(snippet.message).not.toMatch(/[\n\r]/);
    // Node gives an unexpected token no position; Concord finds it (spec/json-break.ts).
    expect(snippet.message).toMatch(/^r\.json: JSON: line 2, column 3: Unexpected token/);
    expect(bad('{"format":\n "x",,}').message).toBe('r.json: JSON: line 2, column 6: Expected double-quoted property name in JSON');
    const nested = bad(`{"format": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
    expect(nested.message).toBe('r.json: format: format [[[[…]]]] (1 item): not a concord results file (this concord reads "concord-results/1")');
    const key = rejection((d) => { (d.runs as Record<string, unknown>[])[1]!.detail = { [`a\nb${'c'.repeat(100_000)}`]: 'x' }; });
    expect(key.message).not.toMatch(/\n/);
    expect(key.message.length).toBeLessThan(700);
  });

  // JSON.parse keeps the last of a key given twice: a hand-edit or a merge that left both was read as the last alone.
  it('refuses a key given twice in one object, with the line and column of both, as a block file does', () => {
    const text = serializeResults(sampleResults({ seqMs: 10, execMs: 6, samples: 8 }));
    expect(text).toContain('  "quick": true,\n');
    const bad = (t: string) => errorOf(ResultsFileError, () => parseResults(t, 'r.json')).message;
    expect(bad(text.replace('  "quick": true,\n', '  "quick": false,\n  "quick": true,\n'))).toMatch(/^r\.json: settings\.quick: line (\d+), column 3: key "quick" given twice \(first at line \d+, column 3\)$/);
    expect(bad(text.replace(/"samplesMs": \[/, '"samplesMs": [1], "samplesMs": ['))).toMatch(/^r\.json: runs\[0\]\.samplesMs: line \d+, column \d+: key "samplesMs" given twice/);
    // A file of another kind is still told by its format first.
    expect(bad('{"format": "x", "a": 1, "a": 2}')).toBe('r.json: format: format "x": not a concord results file (this concord reads "concord-results/1")');
  });

  it('reads a file saved with a UTF-8 byte-order mark, and calls an empty file empty', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    expect(parseResults(`\uFEFF${serializeResults(doc)}`, 'r.json')).toEqual(doc);
    const bad = (text: string) => errorOf(ResultsFileError, () => parseResults(text, 'r.json')).message;
    expect(bad('')).toBe('r.json: JSON: the file is empty');
    expect(bad('\uFEFF')).toBe('r.json: JSON: the file is empty');
    expect(bad(' \n\t')).toBe('r.json: JSON: the file holds nothing but white space');
    // A mark anywhere but first is no byte-order mark: the file is not JSON.
    expect(bad(` \uFEFF${serializeResults(doc)}`)).toMatch(/^r\.json: JSON: /);
  });

  it('docs/results-schema.md documents every field', () => {
    const doc = readFileSync(new URL('../docs/results-schema.md', import.meta.url), 'utf8');
    const fields = new Set<string>();
    const walk = (schema: unknown): void => {
      const def = (schema as { def?: Record<string, unknown> }).def;
      if (!def) return;
      if (def.shape) {
        for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) {
          fields.add(k);
          walk(v);
        }
      }
      for (const k of ['element', 'innerType', 'in', 'schema']) if (def[k]) walk(def[k]);
      for (const o of (def.options as unknown[] | undefined) ?? []) walk(o);
      for (const o of (def.items as unknown[] | undefined) ?? []) walk(o);
    };
    walk(ResultsSchema);
    expect(fields.size).toBeGreaterThan(50);
    const missing = [...fields].filter((f) => !doc.includes(`\`${f}\``));
    expect(missing).toEqual([]);
  });
});

describe('a results file that contradicts itself', () => {
  type Doc = ReturnType<typeof sampleResults>;
  const bad = (mutate: (doc: Doc) => void) => rejection((d) => mutate(d as unknown as Doc));

  it('refuses an ideal point above its own bound, a bound that is not min(threads, work / criticalPath), and a critical path beyond the work', () => {
    // The report showed such a point as "7.50x (declared 2.00x)": an ideal above the thread count.
    const above = bad((d) => { d.workloads[0]!.ideal.points[1]!.speedup = 7.5; });
    expect(above.message).toBe('r.json: workloads[0].ideal.points[1].speedup: 7.5 is above the point\'s bound 2 (min(threads, work / criticalPath)), which no schedule beats');
    expect(bad((d) => { Object.assign(d.workloads[0]!.ideal.points[1]!, { speedup: 7.5, bound: 7.5 }); }).message)
      .toBe('r.json: workloads[0].ideal.points[1].bound: must be min(threads, work / criticalPath) = 2 at 2 threads, got 7.5');
    expect(bad((d) => { d.workloads[1]!.ideal.points[6]!.bound = 18.5; }).message).toMatch(/^r\.json: workloads\[1\]\.ideal\.points\[6\]\.bound: must be .* = 18 at 64 threads, got 18\.5$/);
    expect(bad((d) => { d.workloads[0]!.ideal.points[0]!.speedup = 0.5; }).field).toBe('workloads[0].ideal.points[0].speedup');
    expect(bad((d) => { d.workloads[0]!.ideal.criticalPath = d.workloads[0]!.ideal.work + 1; }).message).toMatch(/^r\.json: workloads\[0\]\.ideal\.criticalPath: the gas along the longest chain lies from 1 to work \(\d+\), got \d+$/);
    // The footprint ideal is held to the block's work too.
    const footprint = bad((d) => {
      const w = d.workloads[0]!;
      w.ideal.footprint = { criticalPath: w.ideal.work, edges: 3, points: w.ideal.points.map((p) => ({ threads: p.threads, speedup: 1.5, bound: 1 })) };
    });
    expect(footprint.field).toBe('workloads[0].ideal.footprint.points[0].speedup');
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    const w = doc.workloads[0]!;
    w.ideal.footprint = { criticalPath: w.ideal.work, edges: 3, points: w.ideal.points.map((p) => ({ threads: p.threads, speedup: 1, bound: 1 })) };
    expect(parseResults(serializeResults(doc), 'r.json').workloads[0]!.ideal.footprint).toEqual(w.ideal.footprint);
  });

  // A bench from before it refused empty blocks wrote one of 0 transactions, which still reads.
  it('refuses a generated block of another size than its generator was asked for, and reads an empty one an older bench wrote', () => {
    expect(bad((d) => { d.workloads[1]!.txs = 999; }).message).toBe('r.json: workloads[1].txs: 999 transactions, but the generator was asked for 1000 (source.txs)');
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    doc.workloads[1]!.txs = 0;
    (doc.workloads[1]!.source as { txs: number }).txs = 0;
    expect(parseResults(serializeResults(doc), 'r.json').workloads[1]!.txs).toBe(0);
  });

  it('refuses a share of blocks sent to the sequential executor without a reason, and a reason without a share', () => {
    expect(bad((d) => { d.runs[1]!.fallbackShare = 0.5; }).message)
      .toBe('r.json: runs[1].fallback: gives no reason (\'\'), but fallbackShare says 0.5 of the run\'s blocks went to the sequential executor');
    expect(bad((d) => { Object.assign(d.runs[3]!, { fallback: 'contention', fallbackShare: 0 }); }).message)
      .toBe('r.json: runs[3].fallbackShare: is 0, but fallback gives a reason, which bench records only from a block that went to the sequential executor');
    // A file from before shares were recorded gives the reason alone.
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    doc.runs[3]!.fallback = 'contention';
    expect(parseResults(serializeResults(doc), 'r.json').runs[3]!.fallback).toBe('contention');
  });

  it('refuses a run at a thread count settings.threads does not hold', () => {
    expect(bad((d) => { d.settings.threads = [1]; }).message).toBe('r.json: runs[2].threads: 2, a thread count settings.threads (1) does not hold');
    // The baseline's runs too: each is timed beside the runs of its count.
    expect(bad((d) => { for (const r of d.runs) if (r.threads === 2) r.threads = 3; }).message).toBe('r.json: runs[2].threads: 3, a thread count settings.threads (1, 2) does not hold');
  });

  it('refuses a run by an executor settings does not name, where no module of its own could have named it', () => {
    expect(bad((d) => { d.runs[3]!.executor = 'modular'; }).message).toBe('r.json: runs[3].executor: "modular" is not in settings.executors (fake-parallel)');
    expect(bad((d) => { d.settings.executors = ['block-stm']; }).message).toBe('r.json: runs[1].executor: "fake-parallel" is not in settings.executors (block-stm)');
    // The baseline's runs are named as settings.baseline, which settings.executors does not list.
    expect(bad((d) => { d.runs[0]!.executor = 'reference'; }).message).toBe('r.json: runs[0].executor: a baseline run by "reference", but settings.baseline is "sequential"');
    const moved = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    for (const r of moved.runs) if (r.role === 'baseline') r.executor = 'exec:./engine --sequential';
    moved.settings.baseline = 'exec:./engine --sequential';
    expect(parseResults(serializeResults(moved), 'r.json').runs[0]!.executor).toBe('exec:./engine --sequential');
    // A module is listed by its path and its runs named by the name it declares, or NAME (PATH) where that name is not unique: one name per module.
    const modules = (executors: string[], names: string[]) => {
      const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
      const executor = doc.runs.filter((r) => r.role === 'executor');
      executor.forEach((r, i) => { r.executor = names[i % names.length]!; });
      for (const x of doc.startup) x.executor = names[0]!;
      doc.settings.executors = executors;
      return doc;
    };
    expect(parseResults(serializeResults(modules(['./mine.mjs'], ['mine'])), 'r.json').runs[1]!.executor).toBe('mine');
    expect(parseResults(serializeResults(modules(['./mine.mjs', 'block-stm'], ['block-stm', 'mine'])), 'r.json').runs.length).toBe(8);
    expect(parseResults(serializeResults(modules(['./a/mine.mjs', './b/mine.mjs'], ['mine (./a/mine.mjs)', 'mine (./b/mine.mjs)'])), 'r.json').runs.length).toBe(8);
    expect(parseResults(serializeResults(modules(['./a/mine.mjs', './b/x.mjs'], ['mine (./a/mine.mjs)', 'x'])), 'r.json').runs.length).toBe(8);
    expect(() => serializeResults(modules(['./mine.mjs'], ['mine', 'yours']), 'r.json'))
      .toThrow('r.json: runs[3].executor: "yours" is not in settings.executors (./mine.mjs), nor a name one of its modules can declare (each names one executor)');
    expect(() => serializeResults(modules(['./a/mine.mjs'], ['mine (./a/mine.mjs)', 'x']), 'r.json')).toThrow(/runs\[3\]\.executor: "x" is not in settings\.executors/);
  });

  it('refuses a failure or start-up by an executor, or at a thread count, the settings do not name, and reads every one bench writes', () => {
    const failure = (f: Partial<Doc['failures'][number]>) => bad((d) => { d.failures = [{ executor: 'fake-parallel', threads: 2, workload: null, message: 'threw', ...f }]; });
    expect(failure({ threads: 4 }).message).toBe('r.json: failures[0].threads: 4, a thread count settings.threads (1, 2) does not hold');
    expect(failure({ executor: 'modular' }).message).toBe('r.json: failures[0].executor: "modular" is not in settings.executors (fake-parallel), and is not settings.baseline ("sequential")');
    expect(bad((d) => { d.startup[0]!.threads = 8; }).message).toBe('r.json: startup[0].threads: 8, a thread count settings.threads (1, 2) does not hold');
    expect(bad((d) => { d.startup[0]!.executor = 'modular'; }).message).toBe('r.json: startup[0].executor: "modular" is not in settings.executors (fake-parallel)');
    // A module's labels are one name between its runs, start-ups and failures: a second is refused where only a failure bears it.
    const module = (d: Doc) => {
      d.settings.executors = ['./mine.mjs'];
      for (const r of [...d.runs.filter((x) => x.role === 'executor'), ...d.startup]) r.executor = 'mine';
    };
    expect(bad((d) => { module(d); d.failures = [{ executor: 'yours', threads: 1, workload: null, message: 'threw' }]; }).message)
      .toBe('r.json: failures[0].executor: "yours" is not in settings.executors (./mine.mjs), nor a name one of its modules can declare (each names one executor), and is not settings.baseline ("sequential")');
    // What bench/sweep.ts and cli/bench.ts write: the baseline by its label (loading, a block, close()); a module
    // that did not load by its path, one that started by its declared name (a block, the warm-up block, close(),
    // its executor object closed at the end); a registry executor by its name.
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    module(doc);
    const p2p = doc.workloads[0]!.id;
    doc.failures = [
      { executor: 'sequential', threads: 1, workload: null, message: 'loading threw: no (the baseline: no executor was timed, for want of it)' },
      { executor: 'sequential', threads: 2, workload: p2p, message: 'threw' },
      { executor: 'sequential', threads: 2, workload: null, message: 'close() threw: no' },
      { executor: './mine.mjs', threads: 1, workload: null, message: 'the executor ./mine.mjs threw while loading' },
      { executor: 'mine', threads: 2, workload: p2p, message: 'execute() threw on the warm-up block' },
      { executor: 'mine', threads: 2, workload: null, message: 'the executor ./mine.mjs threw while closing: no' },
    ];
    expect(parseResults(serializeResults(doc), 'r.json').failures).toEqual(doc.failures);
    const declared = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    for (const r of declared.runs.filter((x) => x.role === 'baseline')) r.executor = 'my-seq';
    Object.assign(declared.settings, { baseline: 'my-seq', baselinePath: './seq.mjs', baselineThreads: 1 });
    declared.failures = [{ executor: 'my-seq', threads: 2, workload: null, message: 'close() threw: no' }];
    expect(parseResults(serializeResults(declared), 'r.json').failures).toEqual(declared.failures);
  });

  it('refuses an ideal with two points at one thread count, and an ideal whose work is not the block\'s gas', () => {
    expect(bad((d) => { d.workloads[0]!.ideal.points[2]!.threads = 2; }).message).toBe('r.json: workloads[0].ideal.points[2].threads: 2 threads again: points[1] is the point there already');
    const footprint = bad((d) => {
      const w = d.workloads[0]!;
      w.ideal.footprint = { criticalPath: w.ideal.work, edges: 3, points: [1, 2, 2].map((t) => ({ threads: t, speedup: 1, bound: 1 })) };
    });
    expect(footprint.message).toBe('r.json: workloads[0].ideal.footprint.points[2].threads: 2 threads again: points[1] is the point there already');
    expect(bad((d) => { d.workloads[1]!.gasUsed += 1; }).message).toMatch(/^r\.json: workloads\[1\]\.ideal\.work: (\d+), but gasUsed is (\d+): both are the gas of the block's reference run$/);
  });

  it('is an input error for report and compare: exit 2, one line naming the file and the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-contradicts-'));
    const file = join(dir, 'bad.json');
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    doc.runs[1]!.fallbackShare = 0.5;
    writeFileSync(file, JSON.stringify(doc));
    await refusedByReportAndCompare(dir, file, file, 'runs[1].fallback: gives no reason (\'\'), but fallbackShare says 0.5 of the run\'s blocks went to the sequential executor');
  });
});

describe('a results file from a newer Concord', () => {
  it('says so when this Concord cannot read it, and not when an older or equal one wrote it', () => {
    const newer = rejection((d) => { d.concordVersion = '99.2.0'; (d.runs as Record<string, unknown>[])[0]!.energyJ = 1; });
    expect(newer.message).toMatch(/^r\.json: runs\[0\]: written by Concord 99\.2\.0, newer than this one \(0\.1\.0\): upgrade Concord to read it; unknown field "energyJ" \(known here: workload, executor, threads, /);
    expect(rejection((d) => { d.concordVersion = '99.0.0'; d.format = 'concord-results/2'; }).message).toMatch(/an unknown version .*; written by Concord 99\.0\.0, newer than this one/);
    expect(rejection((d) => { d.concordVersion = '0.0.1'; (d.runs as Record<string, unknown>[])[0]!.energyJ = 1; }).message).not.toMatch(/newer/);
  });

  it('compares release numbers, not text', () => {
    expect(newerWriterHint({ concordVersion: '0.10.0' }, '0.9.3')).toMatch(/^; written by Concord 0\.10\.0, newer than this one \(0\.9\.3\)/);
    expect(newerWriterHint({ concordVersion: '0.9.3' }, '0.10.0')).toBe('');
    expect(newerWriterHint({ concordVersion: '0.1.0' }, '0.1.0')).toBe('');
    expect(newerWriterHint({ concordVersion: 'dev' }, '0.1.0')).toBe('');
  });
});

describe('a schema issue', () => {
  it('is worded as Concord words its own checks, by what was expected and what the file holds, whatever the field', () => {
    const run = (d: Record<string, unknown>) => (d.runs as Record<string, unknown>[])[2]!;
    const cases: [string, (d: Record<string, unknown>) => void, string][] = [
      ['an empty array', (d) => { run(d).samplesMs = []; }, 'runs[2].samplesMs: expected at least one item, got an empty array'],
      ['an integer below its least', (d) => { run(d).threads = 0; }, 'runs[2].threads: expected an integer >= 1, got 0'],
      ['a fraction for an integer', (d) => { run(d).threads = 1.5; }, 'runs[2].threads: expected an integer, got 1.5'],
      ['a number below 0', (d) => { run(d).cpus = [-1]; }, 'runs[2].cpus[0]: expected an integer >= 0, got -1'],
      ['a share above 1', (d) => { run(d).fallbackShare = 2; }, 'runs[2].fallbackShare: expected a number <= 1, got 2'],
      ['a string for a number', (d) => { run(d).threads = '2'; }, 'runs[2].threads: expected a number, got "2"'],
      ['a missing field', (d) => { delete run(d).executor; }, 'runs[2].executor: missing: expected a string'],
      ['null for a string', (d) => { d.createdAt = null; }, 'createdAt: expected a string, got null'],
      ['a value outside an enum', (d) => { run(d).role = 'boss'; }, 'runs[2].role: expected one of "baseline" or "executor", got "boss"'],
      ['an empty name', (d) => { run(d).workload = ''; }, 'runs[2].workload: expected at least one character, got an empty string'],
      ['a kind no source has', (d) => { ((d.workloads as Record<string, unknown>[])[0]!.source as Record<string, unknown>).kind = 'x'; }, 'workloads[0].source.kind: expected one of "generated" or "file", got "x"'],
      ['neither shape of a union', (d) => { d.cores = { start: {} }; }, 'cores.start: matches none of the 2 shapes it may take (speeds: missing: expected an object; or unavailable: missing: expected a string)'],
    ];
    for (const [what, mutate, message] of cases) expect(rejection(mutate).message, what).toBe(`r.json: ${message}`);
    // An integer past 2^53 - 1 says why that bound, and no word of zod's shows in any of them.
    expect(rejection((d) => { run(d).threads = 2 ** 60; }).message).toBe('r.json: runs[2].threads: expected an integer <= 9007199254740991 (2^53 - 1: past it, a number\'s integers are not exact), got 1152921504606847000');
    for (const [, mutate] of cases) expect(rejection(mutate).message).not.toMatch(/Too small|Too big|Invalid input|received|Unrecognized/);
  });

  it('keeps the message a check states itself', () => {
    expect(rejection((d) => { (d.runs as Record<string, unknown>[])[2]!.samplesMs = [0]; }).message)
      .toBe('r.json: runs[2].samplesMs[0]: expected a time from 0.0001 ms (0.1 us, the precision results keep)');
  });
});
