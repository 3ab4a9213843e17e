// Merging results files (one per machine or run) into one comparison of hardware configurations.
// Invariant: each input keeps its own rows, baselines and noise record under a distinct machine
// name; figures are never mixed across files (a speedup always uses its own file's baseline); a
// workload's label is the same in every part of the report and distinct from every other's.

import type { MachineRecord, ResultsFile } from './schema.js';
import { summarize, workloadLabels, type Row } from './summary.js';

export interface Source {
  /** Distinct name of this input in the merged report: the machine label, suffixed when two files share one. */
  readonly name: string;
  readonly file: string;
  readonly doc: ResultsFile;
  readonly machine: MachineRecord;
}

export interface Merged {
  readonly sources: readonly Source[];
  readonly rows: readonly Row[];
  /** Each workload id's label (as its rows carry it), told apart from the other files' workloads. */
  readonly labels: ReadonlyMap<string, string>;
}

export function merge(inputs: readonly { file: string; doc: ResultsFile }[]): Merged {
  const seen = new Map<string, number>();
  const sources = inputs.map(({ file, doc }): Source => {
    const n = (seen.get(doc.machine.label) ?? 0) + 1;
    seen.set(doc.machine.label, n);
    const name = n === 1 ? doc.machine.label : `${doc.machine.label} (run ${n})`;
    return { name, file, doc, machine: doc.machine };
  });
  const labels = workloadLabels(sources.flatMap((s) => s.doc.workloads));
  return { sources, rows: sources.flatMap((s) => summarize(s.doc, s.name, labels)), labels };
}
