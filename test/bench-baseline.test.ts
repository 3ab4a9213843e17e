// `concord bench --baseline` (cli/bench-baseline.ts, reports/baseline.ts): an engine's own
// sequential mode as the yardstick, given one thread, timed by its engine and held to the
// reference; refused up front where it does not load or is also measured; a wrong or failing one
// fails the command instead of becoming the yardstick; its file says what was left out and why,
// its report names it, and compare warns when two files' speedups are over different baselines.
// The default (no --baseline) keeps its file as before.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baselineOption } from '../cli/bench-baseline.js';
import { CUSTOM_GROUP, generated } from '../bench/suite.js';
import { sweep } from '../bench/sweep.js';
import { compare } from '../reports/compare.js';
import { merge } from '../reports/merge.js';
import { renderMarkdown } from '../reports/render.js';
import { parseResults, type ResultsFile } from '../reports/schema.js';
import { sampleResults } from './report-fixture.js';

const root = new URL('../', import.meta.url);
const cli = new URL('dist/cli/concord.js', root).pathname;
const dir = mkdtempSync(join(tmpdir(), 'concord-baseline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The example engine, importing Concord from this checkout, its stats saying the thread count each request gave (0: none). */
const probe = join(dir, 'threads-probe.mjs');
writeFileSync(probe, readFileSync(new URL('examples/exec-engine.mjs', root), 'utf8')
  .replace(/from 'concord\//g, `from '${root.href}`)
  .replace('stats: { ...result.stats, executeMs }', 'stats: { ...result.stats, executeMs, threadsGiven: request.threads ?? 0 }'));
const ENGINE = `exec:node ${probe}`;
const tiny = ['--workload', 'p2p', '--accounts', '10', '--txs', '20', '--quick', '--rounds', '2'];

function concord(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, CI: '1' } });
}

describe('bench --baseline', () => {
  it('times every executor against an exec: engine given 1 thread, and its file and report say so', () => {
    const out = join(dir, 'own.json');
    const r = concord('bench', ...tiny, '--threads', '2', '--executor', 'block-stm', '--baseline', ENGINE, '--json', '--out', out);
    expect(r.stderr).not.toMatch(/disagreed|failed/);
    expect(r.status).toBe(0);
    const doc = parseResults(r.stdout);
    expect(readFileSync(out, 'utf8')).toBe(r.stdout);
    expect(doc.settings).toMatchObject({ baseline: ENGINE, baselineThreads: 1, executors: ['block-stm'], threads: [2], baselineCpus: [] });
    expect(doc.settings.baselinePath).toBeUndefined();
    expect(doc.settings.baselineNotes).toEqual([
      expect.stringMatching(/is not pinned to each CPU in turn, and no speedup over its fastest core is given: it is an engine in another process; pinning Concord's main thread does not pin it/),
    ]);
    const baseline = doc.runs.find((x) => x.role === 'baseline')!;
    // Timed beside the 2-thread runs, on the one thread its requests asked for, by its own clock.
    expect(baseline).toMatchObject({ executor: ENGINE, threads: 2, timing: 'engine', correct: true, detail: expect.objectContaining({ threadsGiven: 1 }) });
    expect(baseline.cpus).toBeUndefined();
    expect(doc.runs.find((x) => x.role === 'executor')).toMatchObject({ executor: 'block-stm', threads: 2, correct: true });
    expect(doc.simulated).toEqual([]);
    expect(doc.simulatedGaps).toEqual([expect.stringMatching(/^no simulated scaling over the baseline exec:node .*threads-probe\.mjs: the models run Concord's VM/)]);
    // bench's warnings are in the results (baselineNotes, simulatedGaps): under --json it is quiet.
    expect(r.stderr).toBe('');
    const told = concord('bench', ...tiny, '--threads', '2', '--executor', 'block-stm', '--baseline', ENGINE);
    expect(told.status, told.stderr).toBe(0);
    expect(told.stderr).toMatch(/^bench: the baseline exec:node \S+ is not pinned to each CPU in turn/m);
    expect(told.stderr).toMatch(/^bench: no prediction: no simulated scaling over the baseline/m);
    const report = renderMarkdown(merge([{ file: 'own.json', doc }]), []);
    expect(report).toMatch(/every speedup over the baseline exec:node \S+threads-probe\.mjs \(given 1 thread\): the baseline/);
    expect(report).toMatch(/\| exec:node \S+threads-probe\.mjs \(baseline, given 1 thread, timed beside the 2-thread runs\)¹ \| 1 \|/);
    expect(report).toMatch(/The speedups here are over the baseline exec:node \S+, not Concord's sequential executor\./);
    // block-stm is timed whole, its baseline by the engine: its speedup says it mixes the two; its fastest-core cell says why it is empty.
    expect(report).toMatch(/\| block-stm \| 2 \| [^|]+ \| [\d.]+x[^|]*[¹²³⁴⁵] \| –[¹²³⁴⁵] \|/);
    expect(report).toMatch(/Timed unlike its baseline: block-stm whole .*the baseline exec:node \S+ by its engine/);
    expect(report).toMatch(/No speedup over the baseline's fastest core: the baseline exec:node \S+ does not run on Concord's main thread alone/);
    expect(report).toMatch(/Missing prediction: no simulated scaling over the baseline/);
  });

  it('refuses, before any work, a baseline that is also measured, does not load or is not one executor, and keeps sequential to one thread', () => {
    const cases: [string[], RegExp][] = [
      [['--executor', `block-stm,${ENGINE}`, '--baseline', ENGINE], /^concord bench: --baseline exec:node \S+: also named in --executor; the baseline is timed beside every executor/],
      [['--executor', 'block-stm', '--baseline', 'block-stm'], /^concord bench: --baseline block-stm: also named in --executor/],
      [['--executor', 'block-stm', '--baseline', join(dir, 'none.mjs')], /^concord bench: --baseline: \S+none\.mjs: no such module file/],
      [['--executor', 'block-stm', '--baseline', 'exec:./no-such-engine'], /^concord bench: --baseline: exec:\.\/no-such-engine: the shell found no such command \(\/bin\/sh: .*\.\/no-such-engine: /],
      [['--executor', 'block-stm', '--baseline', 'nope'], /^concord bench: --baseline: unknown executor "nope"/],
      [['--executor', 'block-stm', '--baseline', 'reference,modular'], /^concord bench: --baseline reference,modular: one executor, not 2/],
      // sequential may be measured against another baseline, on one thread as everywhere.
      [['--executor', 'sequential', '--threads', '2', '--baseline', ENGINE], /^concord bench: --threads 2: the sequential executor runs on one thread; bench it with --threads 1/],
    ];
    for (const [args, message] of cases) {
      const r = concord('bench', ...tiny, ...args);
      expect(r.stderr.trim(), args.join(' ')).toMatch(message);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.status, args.join(' ')).toBe(2);
    }
  });

  it('a wrong baseline fails the command and marks every speedup over it; one that fails leaves no executor timed against nothing', async () => {
    const broken = 'exec:node examples/exec-engine.mjs --fail-on-tx 3';
    const r = concord('bench', ...tiny, '--threads', '1', '--executor', 'sequential', '--baseline', broken);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^bench: the baseline exec:node examples\/exec-engine\.mjs --fail-on-tx 3 \(timed beside the 1-thread runs\) on p2p 10 acc × 20 tx disagreed with the reference on (\d+) of its \1 checked calls, first on its call 1 \(the block's untimed first execution\); no speedup over it there is valid \(what differs: npx concord run .* --executor 'exec:node examples\/exec-engine\.mjs --fail-on-tx 3' --threads 1 --warmup 0 --check\)$/m);
    expect(r.stdout).toMatch(/\| sequential \| 1 \| [^|]+ \| [\d.]+x[^|]* ✗[¹²³⁴⁵] \|/);
    expect(r.stdout).toMatch(/Over a baseline that did NOT match the reference result/);
    // An engine that cannot run the block: the baseline's failure says why the executor has no run there.
    const refuses = join(dir, 'refuses.mjs');
    writeFileSync(refuses, `import { createInterface } from 'node:readline';
for await (const line of createInterface({ input: process.stdin })) process.stdout.write(JSON.stringify({ id: JSON.parse(line).id, error: 'not yet' }) + '\\n');
`);
    const workloads = [generated('p2p', { accounts: 10, txs: 20, seed: 1, hashCost: 0 }, CUSTOM_GROUP)];
    const result = await sweep({ workloads, executors: ['sequential'], baseline: `exec:node ${refuses}`, baselineThreads: 1, baselineOnThisThread: false, threads: [1], idealThreads: [], rounds: 2, roundMs: 10, minSamples: 2, cores: 1 });
    expect(result.runs).toEqual([]);
    expect(result.failures).toEqual([{
      executor: `exec:node ${refuses}`, threads: 1, workload: workloads[0]!.id,
      message: expect.stringMatching(/not yet.* \(the baseline: no executor was timed on this block at this thread count, for want of it\)$/), call: 1,
    }]);
    // One that fails in its first timed round, with no sample taken: the executor's run there goes too.
    const tires = join(dir, 'tires.mjs');
    writeFileSync(tires, readFileSync(probe, 'utf8').replace('reply = answer(request);', "reply = request.id > 2 ? { id: request.id, error: 'tired' } : answer(request);"));
    const tired = await sweep({ workloads, executors: ['sequential'], baseline: `exec:node ${tires}`, baselineThreads: 1, baselineOnThisThread: false, threads: [1], idealThreads: [], rounds: 2, roundMs: 10, minSamples: 2, cores: 1 });
    expect(tired.runs).toEqual([]);
    expect(tired.failures).toEqual([expect.objectContaining({ message: expect.stringMatching(/tired.* \(the baseline: no executor was timed on this block at this thread count, for want of it\)$/) })]);
  });

  it('names a module baseline by the name its executor declares (its path beside where an executor declares it too), and reruns it by its path', () => {
    const module = (file: string, name: string, wrong = false) => {
      writeFileSync(join(dir, file), `import { sequentialExecutor } from '${new URL('dist/impl/sequential.js', root).href}';
export default () => {
  const e = sequentialExecutor();
  return { name: '${name}', execute: async (b, o) => { const r = await e.execute(b, o); return ${wrong ? "{ ...r, stateRoot: '00' + r.stateRoot.slice(2) }" : 'r'}; }, close: () => e.close() };
};
`);
      return join(dir, file);
    };
    const mine = module('my-seq.mjs', 'my-seq');
    const r = concord('bench', ...tiny, '--threads', '1', '--executor', 'block-stm', '--baseline', mine, '--json');
    expect(r.status, r.stderr).toBe(0);
    const doc = parseResults(r.stdout);
    expect(doc.settings.baseline).toBe('my-seq');
    expect(doc.settings.baselinePath).toBe(mine);
    expect(doc.runs.find((x) => x.role === 'baseline')).toMatchObject({ executor: 'my-seq', threads: 1 });
    expect(doc.settings.baselineNotes).toEqual([expect.stringMatching(/^the baseline my-seq is not pinned to each CPU in turn/)]);
    expect(doc.simulatedGaps).toEqual([expect.stringMatching(/^no simulated scaling over the baseline my-seq: /)]);
    expect(r.stderr).toBe('');
    expect(renderMarkdown(merge([{ file: 'mine.json', doc }]), [])).toMatch(/every speedup over the baseline my-seq \(given 1 thread\): the baseline my-seq is not pinned/);
    // The plan names a module executor as it names a module baseline: by the label of its runs.
    const theirs = module('their-par.mjs', 'their-par');
    const plan = concord('bench', ...tiny, '--threads', '1', '--executor', `block-stm,${theirs}`, '--baseline', mine);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stderr).toMatch(/^bench: 1 workload x threads 1 x my-seq \(baseline, 1 thread\), block-stm, their-par; 2 interleaved rounds each$/m);
    // A name another executor of the run has keeps the path beside it; a wrong baseline is rerun by its path.
    const wrong = module('wrong.mjs', 'block-stm', true);
    const w = concord('bench', ...tiny, '--threads', '1', '--executor', 'sequential', '--baseline', wrong);
    expect(w.status).toBe(1);
    // Every call it made was checked, and each differed.
    const calls = /disagreed with the reference on (\d+) of its \1 checked calls/.exec(w.stderr)?.[1];
    expect(w.stderr).toContain(`bench: 1 workload x threads 1 x block-stm (${wrong}) (baseline, 1 thread), sequential; 2 interleaved rounds each\n`);
    expect(w.stderr).toContain(`bench: the baseline block-stm (${wrong}) (timed beside the 1-thread runs) on p2p 10 acc × 20 tx disagreed with the reference on ${calls} of its ${calls} checked calls, first on its call 1 (the block's untimed first execution); no speedup over it there is valid `
      + `(what differs: npx concord run --workload p2p --accounts 10 --txs 20 --seed 1 --hash-cost 3 --executor ${wrong} --threads 1 --warmup 0 --check)\n`);
  });

  it('a module baseline that loads up front but not in the sweep, or whose close() throws, is the baseline\'s failure, named so (exit 1), not an error outside any call', async () => {
    // bench calls a module's function twice up front (the second to refuse an executor handed out
    // twice): the sweep's call, the third, is the one that throws.
    const once = join(dir, 'once.mjs');
    writeFileSync(once, `import { sequentialExecutor } from '${new URL('dist/impl/sequential.js', root).href}';
let made = 0;
export default () => {
  if (++made > 2) throw new Error('one instance only');
  const e = sequentialExecutor();
  return { name: 'once', execute: (b, o) => e.execute(b, o), close: () => e.close() };
};
`);
    const r = concord('bench', ...tiny, '--threads', '1', '--executor', 'block-stm', '--baseline', once);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^bench: the baseline once failed: loading threw: one instance only \(the baseline: no executor was timed, for want of it\)$/m);
    expect(r.stderr).not.toMatch(/outside any call|\n\s+at /);
    const sticky = join(dir, 'sticky.mjs');
    writeFileSync(sticky, `import { sequentialExecutor } from '${new URL('dist/impl/sequential.js', root).href}';
export default () => {
  const e = sequentialExecutor();
  return { name: 'sticky', execute: (b, o) => e.execute(b, o), close: () => { throw new Error('stuck'); } };
};
`);
    const workloads = [generated('p2p', { accounts: 10, txs: 20, seed: 1, hashCost: 0 }, CUSTOM_GROUP)];
    const result = await sweep({ workloads, executors: ['sequential'], baseline: sticky, baselineLabel: 'sticky', baselineThreads: 1, baselineOnThisThread: false, threads: [1], idealThreads: [], rounds: 1, roundMs: 10, minSamples: 2, cores: 1 });
    expect(result.runs.map((x) => x.executor).sort()).toEqual(['sequential', 'sticky']);
    expect(result.failures).toEqual([{ executor: 'sticky', threads: 1, workload: null, message: 'close() threw: stuck' }]);
  });

  it('compare warns, first, that two files\' speedups are over different baselines, and never matches a baseline run with an executor\'s', () => {
    const base = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    const own = 'exec:./engine --sequential';
    const next: ResultsFile = {
      ...base,
      settings: { ...base.settings, baseline: own, baselineThreads: 1 },
      runs: base.runs.map((r) => (r.role === 'baseline' ? { ...r, executor: own, timing: 'engine' as const } : r)),
    };
    const c = compare(base, parseResults(JSON.stringify(next), 'next.json'));
    expect(c.warnings[0]).toMatch(/^the speedups are over different baselines \(base: sequential; new: exec:\.\/engine --sequential\): .*speedups from these files do not compare with each other; block times of the same executor do\. The rows below compare block times/);
    expect(c.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^in new, the speedups of fake-parallel @1; fake-parallel @2 over the baseline exec:\.\/engine --sequential mix timings/)]));
    // The executors' rows still compare: block times do not depend on the yardstick.
    expect(c.rows.filter((r) => !r.baseline)).toHaveLength(4);
    expect(c.rows.filter((r) => r.baseline)).toEqual([]);
    expect(compare(base, base).warnings.join('\n')).not.toMatch(/different baselines|mix timings/);
    // fake-parallel as one file's baseline (1 thread) is not the other's fake-parallel at 1 thread.
    const swapped: ResultsFile = { ...base, runs: base.runs.map((r) => ({ ...r, role: r.executor === 'sequential' ? 'executor' as const : 'baseline' as const })) };
    expect(compare(base, swapped).rows).toEqual([]);
  });

  it('compare and report take a module baseline named by its path (an older file) and by its declared name beside that path for one', () => {
    const sample = sampleResults({ seqMs: 10, execMs: 6, samples: 8 });
    const over = (baseline: string, baselinePath?: string): ResultsFile => parseResults(JSON.stringify({
      ...sample,
      settings: { ...sample.settings, baseline, baselineThreads: 1, ...(baselinePath === undefined ? {} : { baselinePath }) },
      runs: sample.runs.map((r) => (r.role === 'baseline' ? { ...r, executor: baseline } : r)),
    }), 'file.json');
    const older = over('./my-seq.mjs');
    const newer = over('my-seq', './my-seq.mjs');
    for (const [a, b] of [[older, newer], [newer, older]] as const) {
      const c = compare(a, b);
      expect(c.warnings.join('\n')).not.toMatch(/different baselines|only in/);
      // The baseline's own rows pair up, so they still say whether the machine moved.
      expect(c.rows.filter((r) => r.baseline)).toHaveLength(4);
    }
    const report = renderMarkdown(merge([{ file: 'older.json', doc: older }, { file: 'newer.json', doc: newer }]), []);
    expect(report).not.toMatch(/different baselines|each file's/);
    expect(report).toMatch(/the interleaved baseline my-seq\b/);
    // Another module, by its path or by its name, is another baseline.
    expect(compare(over('./other.mjs'), newer).warnings[0]).toMatch(/^the speedups are over different baselines \(base: \.\/other\.mjs; new: my-seq\)/);
    expect(compare(older, over('other', './other.mjs')).warnings[0]).toMatch(/^the speedups are over different baselines/);
  });

  it('refuses a baseline module that --executor names by another spelling of its path', () => {
    expect(() => baselineOption('examples/my-executor.mjs', ['block-stm', './examples/my-executor.mjs'])).toThrow(/^--baseline examples\/my-executor\.mjs: also named in --executor/);
  });

  it('without --baseline, the baseline is Concord\'s sequential executor, as before', () => {
    expect(baselineOption(undefined, ['block-stm'])).toEqual({ name: 'sequential', label: 'sequential', threads: undefined, onMainThread: true, notes: [], noPrediction: null });
    expect(baselineOption(' sequential ', ['block-stm']).notes).toEqual([]);
    const r = concord('bench', ...tiny, '--threads', '1', '--executor', 'block-stm', '--json');
    expect(r.status).toBe(0);
    const doc = parseResults(r.stdout);
    // baselinePinning says how rounds were pinned, where they were (Linux with taskset).
    const pinned = doc.settings.baselineCpus!.length > 0 ? ['baselinePinning'] : [];
    expect(Object.keys(doc.settings).sort()).toEqual(['baseline', 'baselineCpus', ...pinned, 'executors', 'quick', 'roundMs', 'rounds', 'threads']);
    expect(doc.settings.baseline).toBe('sequential');
    expect(doc.runs.find((x) => x.role === 'baseline')).toMatchObject({ executor: 'sequential', threads: 1 });
    expect(doc.simulatedGaps.join('\n')).not.toMatch(/over the baseline/);
    // --quick predicts only the default suite's grid: the gap is in the results, and not said on stderr under --json.
    expect(doc.simulatedGaps).toEqual([expect.stringMatching(/^--quick predicts only the blocks of the default suite's/)]);
    expect(r.stderr).toBe('');
    expect(renderMarkdown(merge([{ file: 'default.json', doc }]), [])).not.toMatch(/every speedup over the baseline|given 1 thread/);
  });
});
