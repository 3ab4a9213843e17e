// Placement files (format "concord-placement/1", docs/bench.md): the modular executor's affinity
// placement as `--train`/`--train-on` trained it, written by `--save-placement FILE` and read by
// `--placement FILE`, so that a placement is trained once and every later run, on any machine,
// places its blocks by the very same table. The file holds the module count, the entity -> module
// table, and what it was trained on and how it did there (the results' TrainingRecord, less the
// module count and the entity count, which the table gives).
// Invariants: a file read back gives the placement and the training written (same table, same
// module count); a file is read whole or refused (a UsageError naming the option, the file and
// the field), never used in part; a file is written whole (temp file, then rename) or not at all.

import { z } from 'zod';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describeValue, InputFileError, jsonPath, utf8Text } from '../spec/messages.js';
import { checkTopLevel, parseStrictJson } from '../spec/strict-json.js';
import { MAX_ENTITY } from '../spec/contracts.js';
import { MAX_MODULES } from '../impl/modular/executor.js';
import type { Placement } from '../impl/modular/partition.js';
import { newerWriterHint, sampleIssues, Training, type TrainingRecord } from '../reports/schema.js';
import { issueWords } from '../reports/issue-words.js';
import { UsageError } from './errors.js';
import { readInputFile, writeWhole } from './output.js';
import { concordVersion } from './version.js';

export const PLACEMENT_FORMAT = 'concord-placement/1';

/** A placement file read: the placement, and its training with the file it was read from (record.file). */
export interface PlacementFile {
  readonly placement: Placement;
  readonly record: TrainingRecord;
}

const FIELDS = ['format', 'concordVersion', 'modules', 'training', 'entityModule'];

const PlacementDocument = z.strictObject({
  format: z.literal(PLACEMENT_FORMAT),
  /** The Concord that trained it. */
  concordVersion: z.string().min(1),
  /** The module count it was trained for, which the executor must have: its modules are lanes. */
  modules: z.number().int().min(1).max(MAX_MODULES),
  training: Training.omit({ modules: true, entities: true, file: true }),
  /** Entity (a key's number divided by the contracts' STRIDE, in decimal) -> module; the entities it does not hold go by hash. */
  entityModule: z.record(z.string(), z.number().int().min(0)),
}).superRefine((doc, ctx) => {
  sampleIssues(doc.training, (field, message) => ctx.addIssue({ code: 'custom', path: ['training', field], message }));
  for (const [entity, module] of Object.entries(doc.entityModule)) {
    // Checked here, not by the record's key schema, whose issue says only "Invalid key in record".
    if (!/^(0|[1-9]\d*)$/.test(entity)) ctx.addIssue({ code: 'custom', path: ['entityModule', entity], message: 'expected an entity number (decimal digits, no leading zero)' });
    else if (Number(entity) > MAX_ENTITY) ctx.addIssue({ code: 'custom', path: ['entityModule', entity], message: `entity ${entity} is above ${MAX_ENTITY}, the highest a key can name` });
    if (module >= doc.modules) ctx.addIssue({ code: 'custom', path: ['entityModule', entity], message: `module ${module}, but the placement has ${doc.modules} modules (0 to ${doc.modules - 1})` });
  }
});

/** The text of the placement file of `placement`, trained as `record` says. */
function placementText(placement: Placement, record: TrainingRecord): string {
  const { modules: _modules, entities: _entities, file: _file, ...training } = record;
  const entityModule: Record<string, number> = {};
  for (const e of [...placement.entityModule.keys()].sort((a, b) => a - b)) entityModule[e] = placement.entityModule.get(e)!;
  return `${JSON.stringify({ format: PLACEMENT_FORMAT, concordVersion: concordVersion(), modules: placement.modules, training, entityModule }, null, 1)}\n`;
}

const sha256Of = (bytes: Uint8Array): string => bytesToHex(sha256(bytes));

/** Writes `placement` to `path` whole (checked beforehand with checkOutFile); returns the record of where it went. */
export function savePlacement(path: string, placement: Placement, record: TrainingRecord): NonNullable<TrainingRecord['file']> {
  const text = placementText(placement, record);
  writeWhole(path, text);
  return { path, sha256: sha256Of(Buffer.from(text, 'utf8')), use: 'saved' };
}

/**
 * The placement file `path` (given as `flag`), read and checked whole: a syntax error, a key given
 * twice, another format or version, a field missing or out of range is a UsageError naming the
 * file and the field. Its record is the file's training with `file` saying where it was read.
 */
export async function readPlacement(path: string, flag: string): Promise<PlacementFile> {
  const bytes = await readInputFile(path).catch((e: unknown) => Promise.reject(e instanceof UsageError ? new UsageError(`${flag} ${e.message}`) : e));
  const fail = (where: string, problem: string) => new UsageError(`${flag} ${new InputFileError(path, where, problem).message}`);
  const place = (at: readonly PropertyKey[]) => (at.length === 0 ? 'top level' : `field ${jsonPath(at)}`);
  const json = parseStrictJson(utf8Text(bytes, (problem) => fail('encoding', problem)), {
    kind: 'a placement file', syntaxWhere: 'JSON', place, integers: false, fail,
    top: (j) => {
      const format = (j as { format?: unknown } | null)?.format;
      // Another version of this format is named as one, with the Concord that reads it where the file says a newer one wrote it;
      // another kind of file (a block file, a results file) as no placement file.
      if (typeof format === 'string' && format !== PLACEMENT_FORMAT) {
        throw fail('field format', format.startsWith('concord-placement/')
          ? `"${format}": a version this Concord does not read (it reads "${PLACEMENT_FORMAT}")${newerWriterHint(j as object, concordVersion())}`
          : `expected "${PLACEMENT_FORMAT}", got ${describeValue(format)}: not a placement file, which run and bench write with --train N (or --train-on FILE...) --save-placement FILE`);
      }
      checkTopLevel(j, PLACEMENT_FORMAT, FIELDS, fail);
    },
  });
  const parsed = PlacementDocument.safeParse(json, { error: issueWords });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fail(place(issue.path), issue.message);
  }
  const { modules, training, entityModule } = parsed.data;
  const digest = sha256Of(bytes);
  const placement: Placement = { modules, entityModule: new Map(Object.entries(entityModule).map(([e, m]) => [Number(e), m])), file: path, sha256: digest };
  return { placement, record: { ...training, modules, entities: placement.entityModule.size, file: { path, sha256: digest, use: 'read' } } };
}
