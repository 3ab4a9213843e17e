// What the runs of an executor that bench measured once per partition in one sweep (`bench
// --partition hash,affinity`, settings.partitions) are called: `EXECUTOR (PARTITION)`, as a
// module's are `NAME (PATH)` where its name alone would not tell them apart. Everything that
// keys runs by their label (the report's tables, compare's rows, the predictions) then tells the
// partitions apart with no field of their own, and a file of one partition keeps its plain labels.
// Invariant: a label is read back as a partition's only against the partitions its file lists,
// so a module's `NAME (PATH)` is never taken for one.

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
