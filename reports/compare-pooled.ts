// `concord compare --base A1.json A2.json ... --new B1.json B2.json ...`: several bench runs a side,
// pooled with the run as the unit. Rounds of one run share its machine state, and on a shared runner
// a neighbour slows a whole run (two runs of one build stood several times apart, docs/bench.md): so each
// run gives one value per row, its median block time (the median of its rounds' medians), and the
// runs' values are what compare tests, never the rounds of all runs pooled as if independent. The
// pooled side is a results document whose "rounds" are its files, one value each, so compare's
// table, Mann-Whitney test, --relative ratios (each run's median over its baseline's) and gate
// (MIN_ROUNDS runs a side: 4) read it unchanged.
// Invariants: a side's files pool only when each was benched as its first was (round length,
// --quick, one baseline, the executor settings): a run's median moves with those, and pooled it
// would read as a difference within the side. Between the two sides compare judges as it judges two
// files (a build may bring its own baseline; --relative refuses two). A file given twice is refused
// by the caller (it would count one run twice); a run that did not match the reference in any file
// marks its pooled run so, and a fallback to the sequential executor in any file shows in its
// pooled run's share.

import { benchSettingsText, executorSettingsDifferences } from './settings.js';
import { sameBaseline } from './baseline.js';
import type { ResultsFile, RunRecord } from './schema.js';
import { median } from './stats.js';
import { roundMedians } from './summary.js';

export interface PoolInput {
  readonly file: string;
  readonly doc: ResultsFile;
}

/** Why one side's files (`side`: its option, --base or --new) cannot be pooled, in words naming them, or null: every file must be benched as the side's first was. */
export function poolRefusal(files: readonly PoolInput[], side: string): string | null {
  const [first, ...rest] = files;
  if (first === undefined) return null;
  const unlike = rest.flatMap((f) => {
    const why = [
      ...(f.doc.settings.roundMs !== first.doc.settings.roundMs || f.doc.settings.quick !== first.doc.settings.quick ? [benchSettingsText(f.doc.settings)] : []),
      ...(sameBaseline(first.doc.settings, f.doc.settings) ? [] : [`the baseline ${f.doc.settings.baseline}`]),
      ...executorSettingsDifferences(first.doc, f.doc, false),
    ];
    return why.length === 0 ? [] : [`${f.file} (${why.join('; ')})`];
  });
  if (unlike.length === 0) return null;
  return `cannot pool ${side}'s runs benched otherwise: ${first.file} is ${benchSettingsText(first.doc.settings)} over the baseline ${first.doc.settings.baseline}, `
    + `but ${unlike.join(', ')}; a run's block time moves with its round length, baseline and executor settings, so rerun bench alike for every file of a side`;
}

/** What a run is pooled on across files: its workload, executor, thread count and role. */
const poolKey = (r: RunRecord) => `${r.workload}\0${r.executor}\0${r.threads}\0${r.role}`;

/** A run's one value in a pool: the median of its rounds' medians (of its samples, in a file that names no rounds). */
export function runMedian(r: RunRecord): number {
  return median(roundMedians(r) ?? r.samplesMs);
}

/**
 * One side's files as one results document whose runs each hold one sample per file that ran
 * them (runMedian), "timed in round" i for the side's i-th file, so that an executor's value and
 * its baseline's from one file pair as one round's. The first file gives the settings and machine;
 * workloads are every file's; predictions are left out (one number per file, nothing to pool); a
 * stop part-way in any file is kept, named by its file.
 */
export function pool(files: readonly PoolInput[]): ResultsFile {
  const first = files[0]!.doc;
  const runs = new Map<string, RunRecord>();
  files.forEach(({ doc }, i) => {
    for (const r of doc.runs) {
      const k = poolKey(r);
      const had = runs.get(k);
      const value = runMedian(r);
      const busy = r.busy.some(Boolean);
      if (had === undefined) {
        runs.set(k, {
          workload: r.workload, executor: r.executor, threads: r.threads, role: r.role, samplesMs: [value], busy: [busy], rounds: [i],
          perTx: r.perTx, peakRssBytes: r.peakRssBytes, correct: r.correct, fallback: r.fallback,
          ...(r.fallbackShare === undefined ? {} : { fallbackShare: r.fallbackShare }), ...(r.timing === undefined ? {} : { timing: r.timing }),
        });
      } else {
        runs.set(k, {
          ...had, samplesMs: [...had.samplesMs, value], busy: [...had.busy, busy], rounds: [...had.rounds!, i],
          peakRssBytes: Math.max(had.peakRssBytes, r.peakRssBytes), correct: had.correct && r.correct, fallback: had.fallback || r.fallback,
          ...(had.fallbackShare === undefined || r.fallbackShare === undefined ? {} : { fallbackShare: (had.fallbackShare * had.samplesMs.length + r.fallbackShare) / (had.samplesMs.length + 1) }),
        });
      }
    }
  });
  const workloads = new Map(files.flatMap(({ doc }) => doc.workloads.map((w) => [w.id, w] as const)));
  const stopped = files.filter(({ doc }) => doc.stopped !== undefined).map(({ file, doc }) => `${file}: ${doc.stopped}`);
  return {
    ...first, runs: [...runs.values()], workloads: [...workloads.values()], simulated: [],
    startup: files.flatMap(({ doc }) => doc.startup), failures: files.flatMap(({ doc }) => doc.failures),
    ...(stopped.length === 0 ? { stopped: undefined } : { stopped: stopped.join('; ') }),
  };
}
