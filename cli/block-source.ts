// Where a command's block comes from: a block file, or a named workload with its parameters.
// Invariant: the same options always give the same block; a bad file or parameter is a
// UsageError/BlockFileError naming it, never a crash.

import { readFileSync } from 'node:fs';
import type { Block } from '../spec/block.js';
import { BlockFileError, parseBlock } from '../spec/block-file.js';
import { PRE_STATE_KINDS, type PreStateKind } from '../spec/shared-state.js';
import { utf8Text } from '../spec/messages.js';
import { generate, MAX_ACCOUNTS, MAX_TXS, MAX_WORKLOAD_HASH_COST, WORKLOAD_DEFAULTS, WORKLOADS, type WorkloadParams } from '../bench/workloads.js';
import { intOption, nonNegativeNumberOption, UsageError } from './errors.js';
import { fsReason, nothingPiped, readStdin, STDIN_LABEL } from './output.js';

export { STDIN_LABEL };

export interface WorkloadOptions {
  workload?: string;
  accounts?: string;
  txs?: string;
  seed?: string;
  hashCost?: string;
  zipf?: string;
}

export function workloadParams(o: WorkloadOptions): WorkloadParams {
  const zipf = o.zipf === undefined ? undefined : nonNegativeNumberOption('--zipf', o.zipf, 'a number');
  if (zipf !== undefined && (o.workload ?? 'p2p') !== 'defi') throw new UsageError(`--zipf shapes the defi workload's hot spots; ${o.workload ?? 'p2p (the default)'} has none`);
  return {
    accounts: intOption('--accounts', o.accounts, WORKLOAD_DEFAULTS.accounts, 1, MAX_ACCOUNTS),
    txs: intOption('--txs', o.txs, WORKLOAD_DEFAULTS.txs, 0, MAX_TXS),
    seed: intOption('--seed', o.seed, WORKLOAD_DEFAULTS.seed, 0),
    hashCost: intOption('--hash-cost', o.hashCost, WORKLOAD_DEFAULTS.hashCost, 0, MAX_WORKLOAD_HASH_COST),
    ...(zipf === undefined ? {} : { zipf }),
  };
}

export function preStateKind(raw: string | undefined): PreStateKind {
  if (raw === undefined) return 'map';
  if (!(PRE_STATE_KINDS as readonly string[]).includes(raw)) throw new UsageError(`--pre-state: unknown kind "${raw}" (known: ${PRE_STATE_KINDS.join(', ')})`);
  return raw as PreStateKind;
}

/** The workload the options name, checked but not generated yet. */
export function workloadSpec(o: WorkloadOptions): { name: string; params: WorkloadParams; label: string } {
  const name = o.workload ?? 'p2p';
  if (!WORKLOADS.has(name)) throw new UsageError(`--workload: unknown workload "${name}" (known: ${[...WORKLOADS.keys()].join(', ')})`);
  const p = workloadParams(o);
  return { name, params: p, label: `${name} accounts=${p.accounts} txs=${p.txs} seed=${p.seed} hash-cost=${p.hashCost}${p.zipf === undefined ? '' : ` zipf=${p.zipf}`}` };
}

export function workloadBlock(o: WorkloadOptions): { block: Block; label: string } {
  const { name, params, label } = workloadSpec(o);
  return { block: generate(name, params), label };
}

export function fileBlock(file: string): { block: Block; label: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`${file}: cannot read: ${fsReason(e)}`);
  }
  return { block: parseBlock(blockText(bytes, file), file), label: file };
}

/** The block piped into standard input (`concord gen ... --out - | concord run -`). */
async function stdinBlock(command: string): Promise<{ block: Block; label: string }> {
  const pipe = `concord gen ... --out - | concord ${command} -`;
  const text = blockText(await readStdin('a block', pipe), STDIN_LABEL);
  const nothing = nothingPiped(text.replace(/^\uFEFF/, ''));
  if (nothing !== undefined) throw new BlockFileError(STDIN_LABEL, 'JSON', `${nothing} (pipe a block into it: ${pipe})`);
  return { block: parseBlock(text, STDIN_LABEL), label: STDIN_LABEL };
}

function blockText(bytes: Buffer, file: string): string {
  return utf8Text(bytes, (problem) => new BlockFileError(file, 'encoding', problem));
}

/** The command-line flag of each workload option. */
const WORKLOAD_FLAGS: Record<keyof WorkloadOptions, string> = {
  workload: '--workload', accounts: '--accounts', txs: '--txs', seed: '--seed', hashCost: '--hash-cost', zipf: '--zipf',
};

/** The options that make `concord run` generate the block they name: "--workload p2p --accounts 10 ...". */
export function workloadFlags(o: { readonly [K in keyof WorkloadOptions]?: string | number }): string {
  return (Object.keys(WORKLOAD_FLAGS) as (keyof WorkloadOptions)[]).filter((k) => o[k] !== undefined).map((k) => `${WORKLOAD_FLAGS[k]} ${o[k]}`).join(' ');
}

/** The flags of the options among `keys` (default: all) that were given. */
export function givenWorkloadFlags(o: WorkloadOptions, keys = Object.keys(WORKLOAD_FLAGS) as (keyof WorkloadOptions)[]): string[] {
  return keys.filter((k) => o[k] !== undefined).map((k) => WORKLOAD_FLAGS[k]);
}

/** Refuses workload options beside a block file (`what`: how the command names the file), where they would be ignored. */
export function noWorkloadOptions(o: WorkloadOptions, what: string): void {
  const given = givenWorkloadFlags(o);
  if (given.length) throw new UsageError(`give ${what} or ${given.join(', ')}, not both: the file sets its own transactions, accounts and hash costs`);
}

/** A block file (`-`: standard input, read for `command`, which its messages name) when one is given, otherwise the workload the options name. */
export async function loadBlock(file: string | undefined, o: WorkloadOptions, command: 'run' | 'request'): Promise<{ block: Block; label: string }> {
  if (file === undefined) return workloadBlock(o);
  noWorkloadOptions(o, 'a block file');
  return file === '-' ? stdinBlock(command) : fileBlock(file);
}
