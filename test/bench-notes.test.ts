// What `concord bench` tells at run time that a report would otherwise hide: thread counts past
// the machine's cores, a baseline left unpinned or cores left untimed (no taskset), the machine
// label a user gives with --label, and the rerun that shows where a run disagreed.
import { describe, expect, it } from 'vitest';
import { labelOption, oversubscribedNote, pinningNotes, rerunWrong } from '../cli/bench.js';
import { MAX_LABEL } from '../reports/schema.js';
import { UsageError } from '../cli/errors.js';
import { MAX_REPEAT } from '../cli/run-limits.js';
import { probeCoreSpeeds } from '../bench/core-speeds.js';
import { sampleResults } from './report-fixture.js';

describe('thread counts past the effective cores', () => {
  it('are named in a note saying their threads share cores; none within the cores', () => {
    expect(oversubscribedNote([1, 4], 2)).toBe("bench: --threads 4: more threads than this machine's 2 effective cores, so those runs' threads share cores; the report takes their ideal, efficiency and the machine's ceiling at 2");
    expect(oversubscribedNote([1, 2], 2)).toBeNull();
  });
});

describe('pinning and the per-core probe', () => {
  it.runIf(process.platform === 'linux')('say at bench time when taskset is missing, not only in the report', async () => {
    const probe = await probeCoreSpeeds({ taskset: '/nonexistent/taskset', rounds: 1, reps: 1, txs: 100, roundTrips: 0 });
    expect(pinningNotes([0, 1], false, probe)).toEqual([
      'bench: taskset is not installed (util-linux): the baseline is not pinned and core speeds are not measured; unequal cores would go unnoticed',
    ]);
  });

  it('say why the probe could not run, and when pinning alone failed', () => {
    expect(pinningNotes('no /proc/self/status on darwin', false, { unavailable: 'per-core timing needs Linux\'s taskset; this is darwin' })).toEqual([
      'bench: core speeds could not be measured (per-core timing needs Linux\'s taskset; this is darwin): the baseline is not pinned and core speeds are not measured; unequal cores would go unnoticed',
    ]);
    const speeds = { speeds: { method: 'taskset' as const, workload: 'w', cpus: [0, 1], medianMs: [1, 1], relative: [1, 1] } };
    expect(pinningNotes([0, 1], false, speeds)).toEqual([expect.stringMatching(/^bench: taskset could not pin the baseline's thread/)]);
    expect(pinningNotes([0, 1], true, speeds)).toEqual([]);
    expect(pinningNotes([0], false, speeds)).toEqual([]);
  });
});

describe('--label', () => {
  it('takes one trimmed line up to MAX_LABEL characters', () => {
    expect(labelOption('  box A  ')).toBe('box A');
    expect(labelOption('x'.repeat(MAX_LABEL))).toBe('x'.repeat(MAX_LABEL));
  });

  it('refuses a blank, multi-line or overlong name as a usage error', () => {
    for (const bad of ['', '   ', 'a\nb', 'tab\there', 'a\u2028b', 'box \u202eA', 'x'.repeat(MAX_LABEL + 1)]) expect(() => labelOption(bad)).toThrow(UsageError);
    expect(() => labelOption('a\nb')).toThrow(/^--label: character 2 is U\+000A, a control character or line break; /);
    expect(() => labelOption('box \u202eA')).toThrow(/^--label: character 5 is U\+202E, a bidi control character/);
  });
});

describe('the rerun of a run that disagreed', () => {
  const doc = sampleResults({ seqMs: 1, execMs: 1, samples: 3 });
  const [first, second] = doc.workloads.map((w) => w.id);
  const run = (workload: string, role: 'baseline' | 'executor', threads: number, call: number) => ({
    ...doc.runs.find((r) => r.workload === workload && r.role === role && r.threads === threads)!, call,
  });
  const flags = (w: string) => {
    const s = doc.workloads.find((x) => x.id === w)!.source as { workload: string; accounts: number; txs: number };
    return `--workload ${s.workload} --accounts ${s.accounts} --txs ${s.txs} --seed 1 --hash-cost 3`;
  };

  it('repeats bench\'s calls into the instance up to the one that differed, and says so', () => {
    expect(rerunWrong(doc, new Map(), new Set(), run(first!, 'executor', 2, 37))).toBe(
      `npx concord run ${flags(first!)} --executor fake-parallel --threads 2 --repeat 37 --warmup 0 --check: bench's 37 calls on a fresh instance, the last checked`,
    );
    // A first execution that differed at once is a cold run's.
    expect(rerunWrong(doc, new Map(), new Set(), run(first!, 'baseline', 1, 1))).toBe(`npx concord run ${flags(first!)} --executor sequential --warmup 0 --check`);
  });

  it('says where bench\'s instance had run other blocks first, which the rerun replaces with this one', () => {
    const others = '; some of bench\'s were on other workloads\' blocks or at other thread counts, which run cannot repeat: all of these run this block';
    expect(rerunWrong(doc, new Map(), new Set(), run(second!, 'executor', 1, 50))).toMatch(new RegExp(`--repeat 50 --warmup 0 --check: bench's 50 calls on a fresh instance, the last checked${others}$`));
    // The baseline's one instance serves every thread count.
    expect(rerunWrong(doc, new Map(), new Set(), run(first!, 'baseline', 2, 50))).toMatch(new RegExp(`${others}$`));
    // So does a module's exported executor object; a pool made at each thread count does not.
    expect(rerunWrong(doc, new Map(), new Set(['fake-parallel']), run(first!, 'executor', 2, 50))).toMatch(new RegExp(`${others}$`));
    expect(rerunWrong(doc, new Map(), new Set(), run(first!, 'executor', 2, 50))).not.toContain(others);
  });

  // A bench given --modules 8 --partition range printed a rerun on the modular executor's defaults.
  it('gives the executors that take them the --modules and --partition bench ran them with', () => {
    const set = { ...doc, settings: { ...doc.settings, modules: 8, partition: 'range' } };
    expect(rerunWrong(set, new Map(), new Set(), run(first!, 'executor', 2, 1))).toBe(
      `npx concord run ${flags(first!)} --executor fake-parallel --threads 2 --warmup 0 --check --modules 8 --partition range`,
    );
    // The sequential baseline takes neither.
    expect(rerunWrong(set, new Map(), new Set(), run(first!, 'baseline', 1, 1))).toBe(`npx concord run ${flags(first!)} --executor sequential --warmup 0 --check`);
  });

  it('stops at run\'s most calls, and says bench\'s call was later', () => {
    expect(rerunWrong(doc, new Map(), new Set(), run(first!, 'executor', 1, MAX_REPEAT + 1))).toMatch(
      new RegExp(`--repeat ${MAX_REPEAT} --warmup 0 --check: 100,000 calls \\(run's most; bench's was call 100,001\\) on a fresh instance, the last checked$`),
    );
  });
});
