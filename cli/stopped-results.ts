// What a `concord bench` stopped part-way, by a hang or a signal, leaves of its sweep: the results
// measured before it, their `stopped` saying why, go where the whole results would have gone
// (--out; the failure's JSON object under --json; the tables on standard output otherwise), and
// nothing measured leaves --out as it was. Callers: the main thread reporting a hang or a signal
// (cli/bench.ts), and the watchdog thread (cli/watchdog-thread.ts) when the main thread is held
// by a call no interrupt reaches (a native call) and the process must be killed.
// Invariant: starts nothing when loaded, so the watchdog thread may load it; and writes the
// results only through serializeResults, so a file it leaves is one `report` reads.

import { merge } from '../reports/merge.js';
import { resultsMarkdown } from '../reports/render.js';
import { serializeResults, type ResultsFile } from '../reports/schema.js';
import { errorText } from '../spec/messages.js';
import { writeWhole } from './output.js';

/**
 * What the main thread hands the watchdog after each workload and thread count it measured: the
 * results so far as JSON, less `stopped` (a hang's own message says why), and where they go.
 */
export interface KeptResults {
  readonly json: string;
  readonly out: string | undefined;
}

/**
 * Leaves `doc` (whose `stopped` is set; null before the sweep started) where it goes and returns
 * what the failure's message adds: where the results are, or why they could not be written.
 * `json` is the failure's object under --json (given `results` and `resultsFile`); `print` writes
 * to standard output.
 */
export function leaveStopped(doc: ResultsFile | null, out: string | undefined, json: Record<string, unknown> | undefined, print: (text: string) => void): string {
  if (doc === null || doc.runs.length === 0) return `; nothing was measured before it${out === undefined ? '' : ` (${out} is left as it was)`}`;
  try {
    const text = serializeResults(doc, out ?? 'results');
    if (json) json.results = doc;
    if (out !== undefined) {
      writeWhole(out, text);
      if (json) json.resultsFile = out;
      return `; what was measured before it is in ${out} (its "stopped" says where the sweep stopped)`;
    }
    if (json === undefined) print(resultsMarkdown(merge([{ file: '(not written)', doc }])));
    return '';
  } catch (e) {
    return `; what was measured before it could not be written: ${errorText(e)}`;
  }
}
