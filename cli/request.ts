// `concord request`: a block as the one line of concord-exec/1 an engine in another process reads
// (docs/exec-protocol.md), with --answer the line the reference answers it with, or with --check
// FILE the verdict on an engine's answer to it (cli/check-answer.ts), so that a team can run its
// engine on a failing block outside Concord (under a debugger, in its own tests) and hold its
// answer to the reference. Invariant: the request is the line `exec:` sends for that block, given
// the same --threads, --modules and --partition (checked as for an exec: engine in run and verify),
// and the answer is one a correct engine may give (its stats are the reference's; the settings
// change no result, so --answer and --check take them too, and one command line gives all three).

import { executeReference } from '../spec/reference.js';
import { EXEC_PREFIX, execAnswer, execRequest } from '../impl/exec-executor.js';
import { maxThreads } from '../impl/runtime/pooled.js';
import { loadBlock, type WorkloadOptions } from './block-source.js';
import { checkAnswer, REQUEST_ID } from './check-answer.js';
import { EXIT, intOption, UsageError } from './errors.js';
import { partitionSettings, type PartitionOptions } from './executor-settings.js';
import { writeStdout } from './output.js';

export interface RequestOptions extends WorkloadOptions, PartitionOptions {
  threads?: string;
  answer?: boolean;
  check?: string;
  json?: boolean;
}

export async function requestCommand(file: string | undefined, o: RequestOptions): Promise<number> {
  const threads = intOption('--threads', o.threads, 0, 1, maxThreads()) || undefined;
  // Checked as for the engine the request is for: any exec: command takes both settings.
  const settings = partitionSettings(o, [EXEC_PREFIX]);
  if (o.answer && o.check !== undefined) throw new UsageError('give --answer or --check, not both: --answer prints the reference\'s answer, --check judges your engine\'s');
  if (o.json && o.check === undefined) throw new UsageError('--json goes with --check (its verdict as one object): the request and --answer\'s line are JSON already');
  // Standard input holds one thing: the block, or the answer.
  if (file === '-' && o.check === '-') throw new UsageError('the block and --check cannot both read standard input (-): give one of them as a file');
  const { block, label } = await loadBlock(file, o, 'request');
  if (o.check !== undefined) return checkAnswer(block, label, o.check, o.json === true);
  const line = o.answer ? execAnswer(block, executeReference(block), REQUEST_ID) : execRequest(block, REQUEST_ID, { ...settings, ...(threads === undefined ? {} : { threads }) });
  writeStdout(`${JSON.stringify(line)}\n`);
  return EXIT.OK;
}
