// What two results files' settings differ in, for compare's warnings and its gate, each difference
// named by its field: the bench settings that shape every block time (settings.roundMs, which
// --quick sets, settings.quick, settings.rounds), and the executor settings in effect (--modules,
// --partition, and what trained an affinity placement).
// Invariants: a setting a file leaves to a default is compared as the default its executors took
// where Concord knows it (the modular executor's, on that file's machine), so a default given
// explicitly is no difference, while a user's engine given nothing chose its own, known to no
// file; a setting no executor of either file took is no difference; and a placement is compared
// by what it is (its file's sha256, its sample), never by the options or the path that gave it.

import { plural } from '../spec/plural.js';
import { defaultModules } from '../impl/modular/modules.js';
import { DEFAULT_PARTITION, trainingOptions } from './partitions.js';
import type { ResultsFile, TrainingRecord } from './schema.js';

type Settings = ResultsFile['settings'];

/** A file's bench settings in words: "a full run with 5 rounds of 250 ms", "a --quick run with 4 rounds of 30 ms". */
export function benchSettingsText(s: Settings): string {
  return `a ${s.quick ? '--quick' : 'full'} run with ${plural(s.rounds, 'round')} of ${s.roundMs} ms`;
}

/** The bench settings two files differ in, one "settings.FIELD base -> new" each. */
export function benchSettingsDifferences(a: Settings, b: Settings): string[] {
  return (['quick', 'roundMs', 'rounds'] as const).filter((f) => a[f] !== b[f]).map((f) => `settings.${f} ${a[f]} -> ${b[f]}`);
}

/**
 * The built-in executors that take neither --modules nor --partition (impl/registry.ts, which
 * test/compare-settings.test.ts holds this to): the registry loads every executor, which reports/ does not. Every other
 * name a file's settings.executors holds took them: the modular executor, or a user's module or
 * exec: engine.
 */
export const TAKES_NO_SETTINGS: readonly string[] = ['reference', 'sequential', 'block-stm'];

/** The built-in executor that takes them, and whose defaults are known. */
const MODULAR = 'modular';

/** The modular executor's module count where none is given, one definition with the executor's (impl/modular/modules.ts). */
export { defaultModules };

/** A setting as a file ran it: the value compared, and how a message shows it. */
interface InEffect {
  readonly value: string | undefined;
  readonly shown: string;
}

/**
 * `given` as `doc`'s executors ran it: as given; else `fallback` where only the modular executor
 * took it; else undefined (a user's engine chose its own). Null where no executor of the file took it.
 */
function inEffect(doc: ResultsFile, given: string | undefined, fallback: string): InEffect | null {
  const takers = doc.settings.executors.filter((e) => !TAKES_NO_SETTINGS.includes(e));
  if (takers.length === 0) return null;
  if (given !== undefined) return { value: given, shown: given };
  if (takers.every((e) => e === MODULAR)) return { value: fallback, shown: `${fallback} by default` };
  return { value: undefined, shown: 'none given' };
}

/** Each field of a training that tells one placement from another, with how it reads; undefined where the training lacks it. */
const TRAINING_FIELDS: readonly (readonly [string, (t: TrainingRecord) => string | undefined])[] = [
  ['blocks', (t) => String(t.blocks)],
  ['firstSeed', (t) => t.firstSeed?.toString()],
  ['workload', (t) => t.workload && `${t.workload.name} ${t.workload.accounts} acc × ${t.workload.txs} tx, hash cost ${t.workload.hashCost}${t.workload.zipf === undefined ? '' : `, zipf ${t.workload.zipf}`}`],
  ['modules', (t) => String(t.modules)],
];

/**
 * What tells two trainings apart, "settings.training.FIELD base -> new" each: the sample (its
 * blocks, first seed, generator, module count; its block files by digest where both record
 * digests, else by name), and where both were read from or saved to a file, that file's sha256
 * (the first 12 hex digits): one path may hold another placement on another night, and a
 * placement trained again elsewhere is the same only if its sample is.
 */
function trainingDifferences(a: TrainingRecord | undefined, b: TrainingRecord | undefined): string[] {
  if (a === undefined || b === undefined) {
    if (a === b) return [];
    const shown = (t: TrainingRecord | undefined) => (t === undefined ? 'none' : trainingOptions(t));
    return [`settings.training ${shown(a)} -> ${shown(b)}`];
  }
  const files: (readonly [string, (t: TrainingRecord) => string | undefined])[] = a.fileDigests !== undefined && b.fileDigests !== undefined
    ? [['fileDigests', (t) => t.fileDigests!.join(',')]]
    : [['files', (t) => t.files?.join(' ')]];
  const sha = (t: TrainingRecord) => t.file?.sha256.slice(0, 12);
  return [
    ...(a.file !== undefined && b.file !== undefined && a.file.sha256 !== b.file.sha256 ? [`settings.training.file.sha256 ${sha(a)} -> ${sha(b)}`] : []),
    ...[...TRAINING_FIELDS, ...files].filter(([, f]) => f(a) !== f(b)).map(([name, f]) => `settings.training.${name} ${f(a) ?? 'none'} -> ${f(b) ?? 'none'}`),
  ];
}

/**
 * The executor settings two files ran with differently, one "FIELD base -> new" each: the module
 * count and the partition (a list of them, where bench measured several) in effect, and the
 * training. `byPartition`: the files' runs are matched by partition (compare's PartitionMatch),
 * whose partition settings differ by design while each matched row ran one partition on both
 * sides, so the partition is no difference.
 */
export function executorSettingsDifferences(base: ResultsFile, next: ResultsFile, byPartition: boolean): string[] {
  const modules = (doc: ResultsFile) => inEffect(doc, doc.settings.modules?.toString(), String(defaultModules(doc.machine.effectiveCores)));
  const partition = (doc: ResultsFile) => inEffect(doc, doc.settings.partitions?.join(',') ?? doc.settings.partition, DEFAULT_PARTITION);
  const settings: (readonly [string, (doc: ResultsFile) => InEffect | null])[] = [['settings.modules', modules], ...(byPartition ? [] : [['settings.partition', partition] as const])];
  return [
    ...settings.flatMap(([name, of]) => {
      const [a, b] = [of(base), of(next)];
      return a === null || b === null || a.value === b.value ? [] : [`${name} ${a.shown} -> ${b.shown}`];
    }),
    ...trainingDifferences(base.settings.training, next.settings.training),
  ];
}
