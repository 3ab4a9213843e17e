// Where a command's block comes from: a block file, or a named workload with its parameters.
// Invariant: the same options always give the same block; a bad file or parameter is a
// UsageError/BlockFileError naming it, never a crash.

import { readFileSync } from 'node:fs';
import type { Block } from '../spec/block.js';
import { parseBlock } from '../spec/block-file.js';
import { DEFAULT_HASH_COST, generate, WORKLOADS, type WorkloadParams } from '../bench/workloads.js';
import { intOption, UsageError } from './errors.js';

export interface WorkloadOptions {
  workload?: string;
  accounts?: string;
  txs?: string;
  seed?: string;
  hashCost?: string;
  zipf?: string;
}

export function workloadParams(o: WorkloadOptions): WorkloadParams {
  const zipf = o.zipf === undefined ? undefined : Number(o.zipf);
  if (zipf !== undefined && !(zipf >= 0)) throw new UsageError(`--zipf expects a number >= 0, got "${o.zipf}"`);
  return {
    accounts: intOption('--accounts', o.accounts, 100, 1),
    txs: intOption('--txs', o.txs, 1000, 0),
    seed: intOption('--seed', o.seed, 1, 0),
    hashCost: intOption('--hash-cost', o.hashCost, DEFAULT_HASH_COST, 0),
    ...(zipf === undefined ? {} : { zipf }),
  };
}

export function workloadBlock(o: WorkloadOptions): { block: Block; label: string } {
  const name = o.workload ?? 'p2p';
  if (!WORKLOADS.has(name)) throw new UsageError(`--workload: unknown workload "${name}" (known: ${[...WORKLOADS.keys()].join(', ')})`);
  const p = workloadParams(o);
  return { block: generate(name, p), label: `${name} accounts=${p.accounts} txs=${p.txs} seed=${p.seed} hash-cost=${p.hashCost}` };
}

export function fileBlock(file: string): { block: Block; label: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { block: parseBlock(text, file), label: file };
}

/** A block file when one is given, otherwise the workload the options name. */
export function loadBlock(file: string | undefined, o: WorkloadOptions): { block: Block; label: string } {
  if (file !== undefined && o.workload !== undefined) throw new UsageError('give either a block file or --workload, not both');
  return file !== undefined ? fileBlock(file) : workloadBlock(o);
}
