// Training the modular executor's affinity placement once, before `run` runs or `bench` sweeps its
// block: `--train N` takes N blocks of the command's generated workload at the seeds after
// --seed, `--train-on FILE...` block files (a chain's history); `--save-placement FILE` keeps what
// was trained in a placement file (cli/placement-file.ts), which `--placement FILE` reads instead
// of training (run, bench, and verify, which checks the executor made with it). Training is
// untimed and reported apart (blocks, transactions, milliseconds); every block is then placed by
// it, with no placement paid inside the timed block.
// Invariants: the block measured is never in the sample (the seeds after its own; a file holding
// it is refused, and so is a placement file trained on one); a train or placement option is
// refused, naming it, wherever it would not be used (no built-in modular executor, no affinity
// partition, bench's suite of many workloads, --save-placement with nothing trained, --placement
// beside a training); the placement is trained for, or read with, the module count the executor
// will have (a placement file's own where --modules is not given).

import type { Block } from '../spec/block.js';
import { blockDigest } from '../spec/block-file.js';
import { plural } from '../spec/plural.js';
import { shellWord } from '../properties/printed-command.js';
import { EXECUTORS } from '../impl/registry.js';
import { defaultModules } from '../impl/modular/modules.js';
import { DEFAULT_PARTITION, trainAffinity, type Placement } from '../impl/modular/partition.js';
import { generate, type WorkloadParams } from '../bench/workloads.js';
import type { TrainingRecord } from '../reports/schema.js';
import { trainingOptions, type TrainingSource } from '../reports/partitions.js';
import { fileBlock, STDIN_LABEL } from './block-source.js';
import { intOption, isInputError, UsageError } from './errors.js';
import { checkOutFile, refuseOverwrite } from './output.js';
import type { PlacementFile } from './placement-file.js';
import type { Progress } from './progress.js';
import { MAX_TRAIN_BLOCKS, MAX_TRAIN_TXS } from './run-limits.js';

export interface TrainOptions {
  /** Blocks of the generated workload to train on, at the seeds after --seed. */
  train?: string;
  /** Block files to train on. */
  trainOn?: string[];
  /** A placement file to place by instead of training. */
  placement?: string;
  /** Where to save the placement trained, as a placement file. */
  savePlacement?: string;
}

/** What the command measures, as training needs it: the workload that generates its block (none for a block file); null for bench's suite. */
export type TrainTarget = { readonly workload?: { readonly name: string; readonly params: WorkloadParams } } | null;

/** A sample checked and ready to train on (the blocks of files already read, or the seeds still to generate), or a placement file read. */
export interface TrainingRequest {
  readonly flag: '--train' | '--train-on' | '--placement';
  readonly files?: readonly { readonly path: string; readonly block: Block }[];
  readonly generated?: { readonly name: string; readonly params: WorkloadParams; readonly firstSeed: number; readonly blocks: number };
  readonly loaded?: PlacementFile;
  /** --save-placement: the file the placement trained goes to, checked writable. */
  readonly save?: string;
}

export interface Training {
  readonly placement: Placement;
  readonly record: TrainingRecord;
  /** The sample, for bench's model to train again at the module counts of other machines. */
  readonly sample: readonly Block[];
}

/**
 * The train and placement options checked against the command, before its block is generated or
 * anything is started: `executors` as given, `partitions` the partitions the modular executor runs
 * with (one, or bench's list), `target` what is measured, `modules` --modules (undefined: not
 * given), `inputs` the command's own input files, which --save-placement may not overwrite. Files
 * are read here, so a file that is no block, or no placement file, is refused now, named with its
 * field (refuseMeasured checks them against the block once it is loaded). Undefined without a
 * train or placement option.
 */
export async function trainingRequest(
  o: TrainOptions, executors: readonly string[], partitions: readonly string[], target: TrainTarget, modules: number | undefined,
  inputs: readonly { readonly flag: string; readonly path: string }[] = [],
): Promise<TrainingRequest | undefined> {
  const trains = o.train !== undefined || o.trainOn !== undefined;
  if (o.savePlacement !== undefined && !trains) {
    throw new UsageError(`--save-placement ${o.savePlacement}: saves the placement --train N or --train-on FILE... trains${o.placement !== undefined ? '; --placement reads one saved already (copy its file to keep it elsewhere)' : ': give one of them'}`);
  }
  if (!trains && o.placement === undefined) return undefined;
  if (o.train !== undefined && o.trainOn !== undefined) throw new UsageError('give --train or --train-on, not both: one sample trains one placement');
  const flag = o.placement !== undefined ? '--placement' : o.train !== undefined ? '--train' : '--train-on';
  if (flag === '--placement' && trains) {
    throw new UsageError(`give --placement or ${o.train !== undefined ? '--train' : '--train-on'}, not both: --placement reads a placement trained already, which a sample would train again`);
  }
  const given = flag === '--placement' ? `--placement ${shellWord(o.placement!)}` : flag === '--train' ? `--train ${o.train}` : `--train-on ${o.trainOn!.map(shellWord).join(' ')}`;
  const does = flag === '--placement' ? 'gives' : 'trains';
  if (!executors.some((e) => EXECUTORS.get(e)?.takes.includes('placement'))) {
    const by = [...EXECUTORS.values()].filter((e) => e.takes.includes('placement')).map((e) => e.name).join(', ');
    throw new UsageError(`${flag} ${does} the ${by} executor's affinity placement, not ${executors.join(', ')}'s`);
  }
  if (!partitions.includes('affinity')) {
    const ran = partitions.length > 1 ? `the partitions ${partitions.join(', ')}` : `partition ${partitions[0]}${partitions[0] === DEFAULT_PARTITION ? ' (the default)' : ''}`;
    throw new UsageError(`${flag} ${does} the affinity partition's placement, and the modular executor runs ${ran} here: give --partition affinity${partitions.length > 1 ? ' among them' : ''}`);
  }
  if (target === null) {
    const instead = flag === '--placement' ? 'give --workload or --block' : 'give --workload (with --train) or --block (with --train-on)';
    throw new UsageError(`${given}: bench's suite holds many workloads, each with entities of its own, which one placement cannot serve: ${instead}`);
  }
  if (o.placement !== undefined) {
    // The placement file's reader loads its schema (zod), which a run without --placement need not.
    const loaded = await (await import('./placement-file.js')).readPlacement(o.placement, '--placement');
    const m = loaded.placement.modules;
    if (modules !== undefined && modules !== m) {
      throw new UsageError(`--placement ${o.placement}: field modules: the placement is for ${plural(m, 'module')}, and --modules is ${modules}: give --modules ${m}, or leave --modules out to take the placement's`);
    }
    // An entity is a number each workload gives its own meaning (an account in p2p, a pool in amm):
    // another workload's placement groups entities that have nothing to do with each other here.
    const trainedOn = loaded.record.workload?.name;
    const measured = target.workload?.name;
    if (trainedOn !== undefined && measured !== undefined && trainedOn !== measured) {
      throw new UsageError(`--placement ${o.placement}: field training.workload.name: the placement was trained on ${trainedOn} blocks, and this measures ${measured}, whose entities are other things: `
        + `give a placement trained on ${measured} (--workload ${measured} --partition affinity --train N --save-placement FILE)`);
    }
    return { flag, loaded };
  }
  const save = o.savePlacement;
  if (save !== undefined) {
    refuseOverwrite(save, '--save-placement', [...inputs, ...(o.trainOn ?? []).map((path) => ({ flag: '--train-on', path }))]);
    checkOutFile(save, '--save-placement');
  }
  const saving = save === undefined ? {} : { save };
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
    return { flag, generated: { name, params, firstSeed: params.seed + 1, blocks }, ...saving };
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
  return { flag, files, ...saving };
}

/**
 * Refuses a --train-on file holding the block measured: the block would learn its own placement,
 * with its cost left out of its time; and so a placement file trained on such a file (by the
 * block digests it records). (--train's seeds are the ones after the block's own.)
 */
export function refuseMeasured(request: TrainingRequest | undefined, measured: Block): void {
  let digest: string | undefined;
  for (const { path, block } of request?.files ?? []) {
    if (block.txs.length === measured.txs.length && block.txs.length > 0 && blockDigest(block) === (digest ??= blockDigest(measured))) {
      throw new UsageError(`--train-on ${path}: holds the very block measured; train on other blocks (the ones before it), or give --partition affinity alone to learn from each block as it runs`);
    }
  }
  const t = request?.loaded?.record;
  const at = t?.fileDigests && measured.txs.length > 0 ? t.fileDigests.indexOf(blockDigest(measured)) : -1;
  if (at >= 0) {
    throw new UsageError(`--placement ${t!.file!.path}: was trained on ${t!.files![at]}, which holds the very block measured; give a placement trained on other blocks (the ones before it)`);
  }
}

/**
 * Trains the placement `request` asks for at `modules` (--modules, else the executor's default),
 * untimed by the command, and saves it where --save-placement says; or gives the placement file
 * read. `command` names the line saying so, and the bar while the sample is generated, on a
 * terminal (quiet with --json). The command reports what training found (trainingWords).
 */
export async function trainPlacement(request: TrainingRequest, modules: number | undefined, command: string, progress: Progress): Promise<Training> {
  if (request.loaded) return { ...request.loaded, sample: [] };
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
  const trained: TrainingRecord = {
    blocks: count, txs,
    ...(g
      ? { workload: { name: g.name, accounts: g.params.accounts, txs: g.params.txs, hashCost: g.params.hashCost, ...(g.params.zipf === undefined ? {} : { zipf: g.params.zipf }) }, firstSeed: g.firstSeed }
      // A saved placement names its files by content too: a path says nothing of what the file held then.
      : { files: request.files!.map((f) => f.path), ...(request.save === undefined ? {} : { fileDigests: request.files!.map((f) => blockDigest(f.block)) }) }),
    modules: m, entities: placement.entityModule.size, ms, learned: placement.learned,
    crossShare: placement.crossTxs / keyed, hashCrossShare: placement.hashCrossTxs / keyed,
  };
  // Written before the command runs anything with it: an executor that fails later leaves the placement kept.
  const record = request.save === undefined ? trained : { ...trained, file: (await import('./placement-file.js')).savePlacement(request.save, placement, trained) };
  return { placement, record, sample };
}

/** `settings` with a placement file's module count where --modules did not give one: the placement's modules are the executor's lanes. */
export function withPlacementModules<S extends { modules?: number }>(settings: S, request: TrainingRequest | undefined): S {
  return request?.loaded ? { ...settings, modules: request.loaded.placement.modules } : settings;
}

/** One line of what training did: its sample, its time, and how the placement crossed modules on the sample against hash. */
export function trainingWords(t: TrainingRecord): string {
  const from = t.firstSeed !== undefined ? `${t.workload ? `${t.workload.name} ` : ''}${seedsWords(t.firstSeed, t.blocks)}` : filesWords(t.files!);
  const file = t.file && `the placement file ${t.file.path} (sha256 ${t.file.sha256.slice(0, 12)}…)`;
  const kept = t.learned
    ? `on it ${share(t.crossShare)} of transactions cross modules (hash: ${share(t.hashCrossShare)})`
    : `on it the learned placement did no better than hash's (${share(t.hashCrossShare)} of transactions crossing modules), so its entities are placed by hash`;
  return `affinity placement for ${plural(t.modules, 'module')}, ${t.file?.use === 'read' ? `read from ${file}, trained there` : 'trained'} on ${plural(t.blocks, 'block')} `
    + `(${t.txs.toLocaleString('en-US')} transactions; ${from}) in ${t.ms.toFixed(0)} ms, untimed: `
    + `${t.entities.toLocaleString('en-US')} ${t.entities === 1 ? 'entity' : 'entities'} placed, the others by hash; ${kept}${t.file?.use === 'saved' ? `; saved to ${file}` : ''}`;
}

const share = (x: number): string => x.toFixed(2);
const seedsWords = (first: number, blocks: number): string => (blocks > 1 ? `seeds ${first}-${first + blocks - 1}` : `seed ${first}`);
const filesWords = (files: readonly string[]): string => (files.length <= 3 ? files.join(', ') : `${files.slice(0, 2).join(', ')} and ${files.length - 2} more`);

/** The options that give `t` again, for a rerun command: ` --train N`, ` --train-on FILE...` or ` --placement FILE`. */
export function trainFlags(t: TrainingSource): string {
  return ` ${trainingOptions(t, shellWord)}`;
}

/** The placement `training` gives at each module count: its own, or one trained again on its sample (bench's model, at other machines' counts). */
export function placementsFor(training: Training): (modules: number) => Placement {
  const trained = new Map<number, Placement>([[training.record.modules, training.placement]]);
  return (modules) => trained.get(modules) ?? trained.set(modules, trainAffinity(training.sample, modules)).get(modules)!;
}
