// What the runs of an executor that bench measured once per partition in one sweep (`bench
// --partition hash,affinity`, settings.partitions) are called: `EXECUTOR (PARTITION)`, as a
// module's are `NAME (PATH)` where its name alone would not tell them apart. Everything that
// keys runs by their label (the report's tables, compare's rows, the predictions) then tells the
// partitions apart with no field of their own, and a file of one partition keeps its plain labels
// (its partition in settings.partition, or none recorded: the executor's default).
// A trained affinity placement (`bench --train`, `--placement`, settings.training) keeps these
// labels: a file's settings say it, in the options that give it (trainingOptions), where report
// and compare show them.
// Invariant: a label is read back as a partition's only against the partitions its file lists,
// so a module's `NAME (PATH)` is never taken for one.

import type { TrainingRecord } from './schema.js';

/** The label of `executor`'s runs with `partition`, where a sweep measured several. */
export function partitionLabel(executor: string, partition: string): string {
  return `${executor} (${partition})`;
}

/** The executor and partition behind `label`, where it is partitionLabel's of one of `partitions`; null otherwise. */
export function labelPartition(label: string, partitions: readonly string[] | undefined): { executor: string; partition: string } | null {
  for (const partition of partitions ?? []) {
    const suffix = ` (${partition})`;
    if (label.length > suffix.length && label.endsWith(suffix)) return { executor: label.slice(0, -suffix.length), partition };
  }
  return null;
}

/**
 * The partition the modular executor takes where none is given (impl/modular/partition.ts), kept
 * here, not imported: reports/ depends on no executor code (test/report-verdict.test.ts holds the
 * two equal). A file of one partition without settings.partition ran modular with it.
 */
export const DEFAULT_PARTITION = 'hash';

/** The partition of a file that measured one: its settings.partition, else the default its executors ran with. */
export function onePartition(settings: { readonly partition?: string | undefined }): string {
  return settings.partition ?? DEFAULT_PARTITION;
}

/** What trained an affinity placement: a sample (a results file's training), or a placement file read, as a command's options give it. */
export type TrainingSource = Pick<TrainingRecord, 'blocks' | 'files' | 'file'> | { readonly file: { readonly path: string; readonly use: 'read' } };

/**
 * The options that give `t` again (`--train 8`, `--train-on a.json b.json`, or `--placement p.json`
 * for one read from a file, which need not be where it was trained), each file written by `quote`
 * (a command line's quoting). A placement saved to a file is trained again, not saved over it.
 */
export function trainingOptions(t: TrainingSource, quote: (file: string) => string = (file) => file): string {
  if (t.file?.use === 'read' || !('blocks' in t)) return `--placement ${quote(t.file!.path)}`;
  return t.files ? `--train-on ${t.files.map(quote).join(' ')}` : `--train ${t.blocks}`;
}
