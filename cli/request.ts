// `concord request`: a block as the one line of concord-exec/1 an engine in another process reads
// (docs/exec-protocol.md), or with --answer the line the reference answers it with, so that a team
// can run its engine on a failing block outside Concord (under a debugger, in its own tests) and
// compare what it answers. Invariant: the request is the line `exec:` sends for that block, given
// the same --threads, --modules and --partition (checked as for an exec: engine in run and verify),
// and the answer is one a correct engine may give (its stats are the reference's; the settings
// change no result, so --answer takes them too, and one command line gives either).

import { executeReference } from '../spec/reference.js';
import { EXEC_PREFIX, execAnswer, execRequest } from '../impl/exec-executor.js';
import { maxThreads } from '../impl/runtime/pooled.js';
import { loadBlock, type WorkloadOptions } from './block-source.js';
import { EXIT, intOption } from './errors.js';
import { partitionSettings, type PartitionOptions } from './executor-settings.js';
import { writeStdout } from './output.js';

export interface RequestOptions extends WorkloadOptions, PartitionOptions {
  threads?: string;
  answer?: boolean;
}

export async function requestCommand(file: string | undefined, o: RequestOptions): Promise<number> {
  const threads = intOption('--threads', o.threads, 0, 1, maxThreads()) || undefined;
  // Checked as for the engine the request is for: any exec: command takes both settings.
  const settings = partitionSettings(o, [EXEC_PREFIX]);
  const { block } = await loadBlock(file, o, 'request');
  const line = o.answer ? execAnswer(block, executeReference(block), 1) : execRequest(block, 1, { ...settings, ...(threads === undefined ? {} : { threads }) });
  writeStdout(`${JSON.stringify(line)}\n`);
  return EXIT.OK;
}
