// The earlier-blocks file: the blocks a failure needs run before it on one executor instance, in
// order, each with the thread count and pre-state kind it ran with (FailureReport.earlier). verify
// writes it next to a failure that fails only after earlier blocks, and `concord run --after FILE`
// runs its blocks before the failing one, so that one printed command reruns the failure as it
// was found. Invariant: a file read here names only block files, each with 1 to maxThreads()
// threads and a known pre-state kind; anything else is refused naming the field and entry.

import { writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { describeValue } from '../spec/messages.js';
import { checkTopLevel, parseStrictJson } from '../spec/strict-json.js';
import { PRE_STATE_KINDS, type PreStateKind } from '../spec/shared-state.js';
import { maxThreads } from '../impl/runtime/pooled.js';

export const EARLIER_FORMAT = 'concord-earlier/1';

/** One block of an earlier-blocks file, its path resolved against the file's folder. */
export interface EarlierRun {
  readonly blockFile: string;
  readonly threads: number;
  readonly preState: PreStateKind;
}

/** Far more than verify writes (runner.ts HISTORY_BLOCKS): a bound on a hand-made file's typo, not a choice. */
export const MAX_EARLIER_BLOCKS = 10_000;

const TOP_FIELDS = ['format', 'blocks'];
const ENTRY_FIELDS = ['file', 'threads', 'preState'];

/**
 * Writes `runs` (oldest first) to `file`, in the folder of their block files: each block is named by
 * its file name alone, so the folder can be moved or shared whole.
 */
export function writeEarlierFile(file: string, runs: readonly EarlierRun[]): string {
  const blocks = runs.map((r) => ({ file: basename(r.blockFile), threads: r.threads, ...(r.preState === 'shared' ? { preState: r.preState } : {}) }));
  writeFileSync(file, `${JSON.stringify({ format: EARLIER_FORMAT, blocks }, null, 1)}\n`);
  return file;
}

/** Reads an earlier-blocks file's text; `file` names it in errors and resolves its blocks' paths. */
export function parseEarlierFile(text: string, file: string, fail: (where: string, problem: string) => Error): EarlierRun[] {
  const place = (path: readonly (string | number)[]) => (path.length === 0 ? 'top level'
    : `field ${path.map((p, n) => (typeof p === 'number' ? `[${p}]` : n === 0 ? p : `.${p}`)).join('')}`);
  const json = parseStrictJson(text, {
    kind: 'an earlier-blocks file', syntaxWhere: 'JSON', place, fail,
    top: (j) => checkTopLevel(j, EARLIER_FORMAT, TOP_FIELDS, fail),
  }) as { blocks?: unknown };
  const { blocks } = json;
  if (!Array.isArray(blocks)) throw fail('field blocks', `expected an array of blocks, got ${describeValue(blocks)}`);
  if (blocks.length === 0) throw fail('field blocks', 'no blocks: an earlier-blocks file names at least one');
  if (blocks.length > MAX_EARLIER_BLOCKS) throw fail('field blocks', `${blocks.length} blocks, more than the ${MAX_EARLIER_BLOCKS.toLocaleString('en-US')} allowed`);
  const folder = dirname(file);
  const most = maxThreads();
  return blocks.map((entry: unknown, i): EarlierRun => {
    const at = (field: string) => `field blocks[${i}].${field}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw fail(`field blocks[${i}]`, `expected an object, got ${describeValue(entry)}`);
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!ENTRY_FIELDS.includes(k)) throw fail(at(k), `unknown field (known: ${ENTRY_FIELDS.join(', ')})`);
    if (typeof e.file !== 'string' || e.file === '' || e.file.includes('\0')) throw fail(at('file'), `expected the path of a block file, got ${describeValue(e.file)}`);
    if (!Number.isInteger(e.threads) || (e.threads as number) < 1 || (e.threads as number) > most) {
      throw fail(at('threads'), `expected an integer from 1 to ${most}, got ${describeValue(e.threads)}`);
    }
    // Absent is a Map, as verify writes it; null is a value, and no kind.
    const preState = 'preState' in e ? e.preState : 'map';
    if (!(PRE_STATE_KINDS as readonly unknown[]).includes(preState)) throw fail(at('preState'), `expected one of ${PRE_STATE_KINDS.map((k) => `"${k}"`).join(', ')}, got ${describeValue(preState)}`);
    // Joined, not resolved: a file given as out/x.earlier.json names its blocks out/x-before-1.block.json.
    return { blockFile: isAbsolute(e.file) ? e.file : join(folder, e.file), threads: e.threads as number, preState: preState as PreStateKind };
  });
}

/** The earlier-blocks file of a failure whose block file is `blockFile`: beside it, named for it. */
export function earlierFileFor(blockFile: string): string {
  return join(dirname(blockFile), `${basename(blockFile).replace(/\.block\.json$/, '')}.earlier.json`);
}

/**
 * The earlier blocks (counted from 1) whose own result differed from the reference's, and those
 * that threw, as `concord run --after` and verify's report say it: "block 2 DIFFERED from the
 * reference, and blocks 1, 3 THREW".
 */
export function earlierFailedText(differing: readonly number[], threw: readonly number[]): string {
  const blocks = (n: readonly number[]) => `${n.length === 1 ? 'block' : 'blocks'} ${n.join(', ')}`;
  return [...(differing.length ? [`${blocks(differing)} DIFFERED from the reference`] : []), ...(threw.length ? [`${blocks(threw)} THREW`] : [])].join(', and ');
}
