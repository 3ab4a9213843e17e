// Training the modular executor's affinity placement once, before `run` runs or `bench` sweeps its
// block: `--train N` takes N blocks of the command's generated workload at the seeds after
// --seed, `--train-on FILE...` block files (a chain's history). Training is untimed and reported
// apart (blocks, transactions, milliseconds); every block is then placed by it, with no
// placement paid inside the timed block.
// Invariants: the block measured is never in the sample (the seeds after its own; a file holding
// it is refused); a train option is refused, naming it, wherever it would not be used (no
// built-in modular executor, no affinity partition, bench's suite of many workloads); the
// placement is trained for the module count the executor will have.

import type { Block } from '../spec/block.js';
import { blockDigest } from '../spec/block-file.js';
import { plural } from '../spec/plural.js';
import { shellWord } from '../properties/printed-command.js';
import { EXECUTORS } from '../impl/registry.js';
import { defaultModules } from '../impl/modular/executor.js';
import { DEFAULT_PARTITION, trainAffinity, type Placement } from '../impl/modular/partition.js';
import { generate, type WorkloadParams } from '../bench/workloads.js';
import type { TrainingRecord } from '../reports/schema.js';
import { trainingOptions } from '../reports/partitions.js';
import { fileBlock, STDIN_LABEL } from './block-source.js';
import { intOption, isInputError, UsageError } from './errors.js';
import type { Progress } from './progress.js';
import { MAX_TRAIN_BLOCKS, MAX_TRAIN_TXS } from './run-limits.js';

export interface TrainOptions {
  /** Blocks of the generated workload to train on, at the seeds after --seed. */
  train?: string;
  /** Block files to train on. */
  trainOn?: string[];
}

/** What the command measures, as training needs it: the workload that generates its block (none for a block file); null for bench's suite. */
export type TrainTarget = { readonly workload?: { readonly name: string; readonly params: WorkloadParams } } | null;

/** A sample checked and ready to train on: the blocks of files already read, or the seeds still to generate. */
export interface TrainingRequest {
  readonly flag: '--train' | '--train-on';
  readonly files?: readonly { readonly path: string; readonly block: Block }[];
  readonly generated?: { readonly name: string; readonly params: WorkloadParams; readonly firstSeed: number; readonly blocks: number };
}

export interface Training {
  readonly placement: Placement;
  readonly record: TrainingRecord;
  /** The sample, for bench's model to train again at the module counts of other machines. */
  readonly sample: readonly Block[];
}

/**
 * The train options checked against the command, before its block is generated or anything is
 * started: `executors` as given, `partitions` the partitions the modular executor runs with (one,
 * or bench's list), `target` what is measured. Files are read here, so a file that is no block is
 * refused now, named with its field (refuseMeasured checks them against the block once it is
 * loaded). Undefined without a train option.
 */
export function trainingRequest(o: TrainOptions, executors: readonly string[], partitions: readonly string[], target: TrainTarget): TrainingRequest | undefined {
  if (o.train === undefined && o.trainOn === undefined) return undefined;
  if (o.train !== undefined && o.trainOn !== undefined) throw new UsageError('give --train or --train-on, not both: one sample trains one placement');
  const flag = o.train !== undefined ? '--train' : '--train-on';
  const given = flag === '--train' ? `--train ${o.train}` : `--train-on ${o.trainOn!.map(shellWord).join(' ')}`;
  if (!executors.some((e) => EXECUTORS.get(e)?.takes.includes('placement'))) {
    const by = [...EXECUTORS.values()].filter((e) => e.takes.includes('placement')).map((e) => e.name).join(', ');
    throw new UsageError(`${flag} trains the ${by} executor's affinity placement, not ${executors.join(', ')}'s`);
  }
  if (!partitions.includes('affinity')) {
    const ran = partitions.length > 1 ? `the partitions ${partitions.join(', ')}` : `partition ${partitions[0]}${partitions[0] === DEFAULT_PARTITION ? ' (the default)' : ''}`;
    throw new UsageError(`${flag} trains the affinity partition's placement, and the modular executor runs ${ran} here: give --partition affinity${partitions.length > 1 ? ' among them' : ''}`);
  }
  if (target === null) {
    throw new UsageError(`${given}: bench's suite holds many workloads, each with entities of its own, which one placement cannot serve: give --workload (with --train) or --block (with --train-on)`);
  }
  if (o.train !== undefined) {
    const blocks = intOption('--train', o.train, 1, 1, MAX_TRAIN_BLOCKS);
    if (target.workload === undefined) {
      throw new UsageError(`--train ${o.train}: generates its sample with --workload's generator, and the block is a file; give the blocks before it with --train-on FILE...`);
    }
    const { name, params } = target.workload;
    if (params.txs === 0) throw new UsageError(`--train ${o.train}: the workload's blocks hold no transactions (--txs 0), so there is nothing to learn from`);
    if (blocks * params.txs > MAX_TRAIN_TXS) {
      throw new UsageError(`--train ${o.train}: ${plural(blocks, 'block')} of ${plural(params.txs, 'transaction')} is ${(blocks * params.txs).toLocaleString('en-US')}, past the ${MAX_TRAIN_TXS.toLocaleString('en-US')} a sample may hold; give --train ${Math.max(1, Math.floor(MAX_TRAIN_TXS / params.txs))} or fewer`);
    }
    if (params.seed + blocks > Number.MAX_SAFE_INTEGER) throw new UsageError(`--train ${o.train}: the seeds after --seed ${params.seed} run past 2^53 - 1`);
    return { flag, generated: { name, params, firstSeed: params.seed + 1, blocks } };
  }
  let txs = 0;
  const files = o.trainOn!.map((path) => {
    if (path === '-') throw new UsageError(`--train-on -: reads block files, not ${STDIN_LABEL}; write the blocks to files first`);
    let block: Block;
    try {
      ({ block } = fileBlock(path));
    } catch (e) {
      if (!isInputError(e)) throw e;
      throw new UsageError(`--train-on ${e.message}`);
    }
    txs += block.txs.length;
    return { path, block };
  });
  if (txs === 0) throw new UsageError(`${given}: the files hold no transactions, so there is nothing to learn from`);
  if (txs > MAX_TRAIN_TXS) throw new UsageError(`${given}: the files hold ${txs.toLocaleString('en-US')} transactions, past the ${MAX_TRAIN_TXS.toLocaleString('en-US')} a sample may hold`);
  return { flag, files };
}

/**
 * Refuses a --train-on file holding the block measured: the block would learn its own placement,
 * with its cost left out of its time. (--train's seeds are the ones after the block's own.)
 */
export function refuseMeasured(request: TrainingRequest | undefined, measured: Block): void {
  let digest: string | undefined;
  for (const { path, block } of request?.files ?? []) {
    if (block.txs.length === measured.txs.length && block.txs.length > 0 && blockDigest(block) === (digest ??= blockDigest(measured))) {
      throw new UsageError(`--train-on ${path}: holds the very block measured; train on other blocks (the ones before it), or give --partition affinity alone to learn from each block as it runs`);
    }
  }
}

/**
 * Trains the placement `request` asks for at `modules` (--modules, else the executor's default),
 * untimed by the command; `command` names the line saying so, and the bar while the sample is
 * generated, on a terminal (quiet with --json). The command reports what training found (trainingWords).
 */
export function trainPlacement(request: TrainingRequest, modules: number | undefined, command: string, progress: Progress): Training {
  const m = modules ?? defaultModules();
  const g = request.generated;
  const count = g?.blocks ?? request.files!.length;
  const from = g ? `${g.name} ${seedsWords(g.firstSeed, g.blocks)}` : filesWords(request.files!.map((f) => f.path));
  progress.info(`${command}: training the affinity placement for ${plural(m, 'module')} on ${plural(count, 'block')} (${from}), untimed`);
  let sample: Block[];
  if (g) {
    progress.start(g.blocks, 'generate');
    sample = [];
    for (let k = 0; k < g.blocks; k++) {
      progress.update(k, `seed ${g.firstSeed + k}`);
      sample.push(generate(g.name, { ...g.params, seed: g.firstSeed + k }));
    }
    progress.stop();
  } else {
    sample = request.files!.map((f) => f.block);
  }
  const started = performance.now();
  const placement = trainAffinity(sample, m);
  const ms = performance.now() - started;
  const txs = sample.reduce((n, b) => n + b.txs.length, 0);
  const keyed = Math.max(1, placement.sampleTxs);
  const record: TrainingRecord = {
    blocks: count, txs,
    ...(g ? { firstSeed: g.firstSeed } : { files: request.files!.map((f) => f.path) }),
    modules: m, entities: placement.entityModule.size, ms, learned: placement.learned,
    crossShare: placement.crossTxs / keyed, hashCrossShare: placement.hashCrossTxs / keyed,
  };
  return { placement, record, sample };
}

/** One line of what training did: its sample, its time, and how the placement crossed modules on the sample against hash. */
export function trainingWords(t: TrainingRecord): string {
  const from = t.firstSeed !== undefined ? seedsWords(t.firstSeed, t.blocks) : filesWords(t.files!);
  const kept = t.learned
    ? `on it ${share(t.crossShare)} of transactions cross modules (hash: ${share(t.hashCrossShare)})`
    : `on it the learned placement did no better than hash's (${share(t.hashCrossShare)} of transactions crossing modules), so its entities are placed by hash`;
  return `affinity placement for ${plural(t.modules, 'module')}, trained on ${plural(t.blocks, 'block')} (${t.txs.toLocaleString('en-US')} transactions; ${from}) in ${t.ms.toFixed(0)} ms, untimed: `
    + `${t.entities.toLocaleString('en-US')} ${t.entities === 1 ? 'entity' : 'entities'} placed, the others by hash; ${kept}`;
}

const share = (x: number): string => x.toFixed(2);
const seedsWords = (first: number, blocks: number): string => (blocks > 1 ? `seeds ${first}-${first + blocks - 1}` : `seed ${first}`);
const filesWords = (files: readonly string[]): string => (files.length <= 3 ? files.join(', ') : `${files.slice(0, 2).join(', ')} and ${files.length - 2} more`);

/** The options that train as `t` was trained, for a rerun command: ` --train N` or ` --train-on FILE...`. */
export function trainFlags(t: Pick<TrainingRecord, 'blocks' | 'files'>): string {
  return ` ${trainingOptions(t, shellWord)}`;
}

/** The placement `training` gives at each module count: its own, or one trained again on its sample (bench's model, at other machines' counts). */
export function placementsFor(training: Training): (modules: number) => Placement {
  const trained = new Map<number, Placement>([[training.record.modules, training.placement]]);
  return (modules) => trained.get(modules) ?? trained.set(modules, trainAffinity(training.sample, modules)).get(modules)!;
}
