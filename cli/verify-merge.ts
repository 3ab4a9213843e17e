// `concord verify --merge FILE...`: the --json results of a matrix's `verify --shard I/N` runs,
// read and pooled into the one run they split (cli/verify.ts prints it as verify prints a run).
// Invariant: a pool is made only of a whole matrix of agreeing shards: each file one verify run's
// result, each shard I of one N there once, all with the same runs, txs, seed, settings (thread
// counts and --programs included), executors and coverage gate; anything else is an input error (exit 2) naming the file and the field. The
// pool's coverage is judged by the gate verify judges one run by (runner.ts uncoveredEvents) on the
// sums of the shards' counts, and every shard's failures, cuts, signal and error are carried into
// it: pooling adds up coverage, never forgives a counterexample.

import { z } from 'zod';
import { InputFileError, jsonPath, utf8Text } from '../spec/messages.js';
import { parseStrictJson } from '../spec/strict-json.js';
import { plural } from '../spec/plural.js';
import { CHECKS, settingsText, type CheckName, type PartitionSettings } from '../properties/replay.js';
import { threadCountsText } from '../properties/thread-counts.js';
import { programsText, type Programs } from '../properties/programs.js';
import {
  CHECK_DEFS, checkRuns, shardBatches, uncoveredEvents, type CheckReport, type ExecutorReport, type FailureReport, type RunReport,
} from '../properties/runner.js';
import type { Coverage } from '../properties/equivalence.js';
import { issueWords } from '../reports/issue-words.js';
import { UsageError } from './errors.js';
import { readInputFile, realPathOf, repeatedRun } from './output.js';

/** A failure as a shard's JSON gives it, and which shard found it. */
export type ShardFailure = FailureReport & { readonly rerun?: string; readonly shard: string };

/** One shard's own verdict, beside the pool's: the executors it left uncovered alone (by name), which the pool may have covered. */
export interface ShardVerdict {
  readonly shard: string;
  readonly file: string;
  readonly ok: boolean;
  readonly uncoveredAlone?: Readonly<Record<string, readonly string[]>>;
}

/**
 * A file whose shard ended before or outside any check (an engine that failed at start-up, a hang;
 * a refused command, from a Concord before `usage`): `{ ok: false, error }`, with no report to pool;
 * `shard` where the file names it (`"shard": "I/N"`: a verify given --shard names it since shards
 * whose engine failed at start-up each wrote the same bytes).
 */
export interface EndedShard {
  readonly file: string;
  readonly error: string;
  readonly shard?: string;
}

export interface MergedShards {
  /** The pooled run, as a report of one run; its shard `1-N/N`. */
  readonly report: RunReport & { readonly failures: readonly ShardFailure[] };
  readonly runs: number;
  readonly txs: number | null;
  readonly settings: PartitionSettings;
  /** The shards' --threads (settings.threads), which every shard shares; absent: each check's own. */
  readonly threadCounts?: readonly number[];
  /** The shards' --programs (settings.programs), which every shard shares; absent: every program kind. */
  readonly programs?: Programs;
  readonly shards: readonly ShardVerdict[];
  /** Each shard's `error` (a module's executor object whose close() threw) and `stopped` (a signal), prefixed by its shard. */
  readonly errors: readonly string[];
  readonly stopped: readonly string[];
}

/** A shard as --shard gives it, and as a shard's file names it. */
const SHARD = /^\d+\/\d+$/;
const count = z.number().int().nonnegative();
const amount = z.number().nonnegative();
const coverage = z.record(z.string(), amount);

const checkReport = z.object({
  name: z.enum(CHECKS as [CheckName, ...CheckName[]]),
  status: z.enum(['passed', 'failed', 'cut', 'skipped', 'none', 'stopped', 'not run']),
  batches: count,
  of: count,
  partial: count.optional(),
  reason: z.string().optional(),
});

const executorReport = z.object({
  name: z.string(),
  label: z.string(),
  blocksChecked: count,
  schedulesExplored: count,
  // A shard of a verify before they were counted apart counted its tries in blocksChecked: none here.
  shrinkBlocks: count.default(0),
  shrinkSchedules: count.default(0),
  shrinkMs: amount.default(0),
  statesExplored: count,
  interleavingsCovered: amount,
  explorationsCut: count,
  // A shard of a verify before they were counted apart has neither: the pool then cannot say them.
  shrinkStates: count.optional(),
  shrinkInterleavings: amount.optional(),
  coverage,
  executedCoverage: coverage.optional(),
  // Without it the pool could not know which counts its gate requires: a custom executor's coverage holds its other stats too.
  required: z.array(z.string(), {
    error: (issue) => (issue.input === undefined
      ? 'missing: a verify from before --merge, which did not record what its coverage gate requires; rerun the shard with this Concord'
      : undefined),
  }),
  uncovered: z.array(z.string()),
  unreported: z.array(z.string()),
  failed: z.boolean(),
  cut: z.boolean(),
  stopped: z.literal(true).optional(),
  shrinking: z.literal(true).optional(),
  checks: z.array(checkReport),
  elapsedMs: amount,
});

// A failure is carried as the shard wrote it: what the text report and the replay need is checked, the rest kept.
const failure = z.looseObject({
  executor: z.string(), label: z.string(), check: z.enum(CHECKS as [CheckName, ...CheckName[]]), setting: z.string(), seed: count, path: z.string(),
  token: z.string(), replay: z.string(), transactions: count, numShrinks: count, block: z.looseObject({}),
});

const shardResult = z.object({
  ok: z.boolean(),
  runs: count,
  txs: count.nullable(),
  // A shard of a verify before --threads has none: each check's own counts, as a shard without it now.
  settings: z.object({
    modules: count.optional(), partition: z.string().optional(), threads: z.array(z.number().int().positive()).min(1).optional(), programs: z.array(z.string()).min(1).optional(),
  }),
  executors: z.array(executorReport).min(1),
  blocksChecked: count,
  schedulesExplored: count,
  statesExplored: count,
  interleavingsCovered: amount,
  elapsedMs: amount,
  shrinkMs: amount.default(0),
  seed: count,
  shard: z.string().regex(SHARD, 'expected I/N, as --shard gives it'),
  timedOut: z.boolean(),
  failures: z.array(failure),
  error: z.string().optional(),
  stopped: z.string().optional(),
});

type ShardResult = z.infer<typeof shardResult>;

interface ShardInput {
  readonly file: string;
  readonly realPath: string;
  readonly text: string;
  readonly index: number;
  readonly count: number;
  readonly result: ShardResult;
}

const fileError = (file: string, field: string, problem: string) => new UsageError(new InputFileError(file, field, problem).message);

/**
 * One file read as a shard's result; an EndedShard for a verify that ended outside any check. The
 * other objects verify prints (--planted, --replay, a merge, a refused command's) are refused by
 * name: each is judged by rules of its own, and a refused shard ran nothing, which no merge passes.
 */
function parseShard(file: string, text: string): Omit<ShardInput, 'file' | 'realPath' | 'text'> | EndedShard {
  // A key given twice would pool whichever JSON.parse kept; times and interleavings are fractions.
  const json = parseStrictJson(text, {
    kind: 'a verify --json file', syntaxWhere: 'JSON', place: (path) => jsonPath(path) || 'top level', integers: false,
    fail: (where, problem) => fileError(file, where, problem),
  });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw fileError(file, 'top level', 'expected the JSON object of concord verify --json');
  const has = (field: string) => field in json;
  if (has('shards')) throw fileError(file, 'shards', 'a merge of shards already: merge the shards\' own files');
  if (has('reproduced')) throw fileError(file, 'reproduced', 'the result of verify --replay, not of a run: merge the --json of verify --shard runs');
  if (has('planted')) {
    throw fileError(file, 'planted', 'the result of verify --planted, which judges each shard alone (every shard must catch every bug): its shards do not pool');
  }
  // Every object verify prints has `ok`: a file without it is something else (a bench results file, say).
  if (!has('ok')) throw fileError(file, 'top level', 'not the JSON object of concord verify --json, which has ok');
  const { ok, error, executors, usage, shard } = json as { ok?: unknown; error?: unknown; executors?: unknown; usage?: unknown; shard?: unknown };
  if (ok === false && usage === true) {
    throw fileError(file, 'usage', `that shard's verify was refused (exit 2) and ran nothing: ${String(error)}: fix its command and rerun the shard`);
  }
  if (ok === false && typeof error === 'string' && executors === undefined) {
    if (shard === undefined) return { file, error };
    if (typeof shard !== 'string' || !SHARD.test(shard)) throw fileError(file, 'shard', 'expected I/N, as --shard gives it');
    return { file, error, shard };
  }
  const parsed = shardResult.safeParse(json, { error: issueWords });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fileError(file, jsonPath(issue.path) || 'top level', issue.message);
  }
  const [index, of] = parsed.data.shard.split('/').map(Number) as [number, number];
  if (!(of >= 1 && index >= 1 && index <= of)) throw fileError(file, 'shard', `${parsed.data.shard}: expected I/N with 1 <= I <= N`);
  return { index, count: of, result: parsed.data };
}

async function readShards(files: readonly string[]): Promise<{ shards: ShardInput[]; ended: EndedShard[] }> {
  const shards: ShardInput[] = [];
  const ended: EndedShard[] = [];
  const inputs: { file: string; realPath: string; text: string }[] = [];
  for (const file of files) {
    const bytes = await readInputFile(file);
    const input = { file, realPath: realPathOf(file), text: utf8Text(bytes, (problem) => fileError(file, 'encoding', problem)) };
    inputs.push(input);
    const read = parseShard(file, input.text);
    if ('error' in read) ended.push(read);
    else shards.push({ ...input, ...read });
  }
  // The same file twice, or a copy of one: its shard's blocks would count twice.
  const repeated = repeatedRun(inputs);
  if (repeated !== null) throw new UsageError(`${repeated}: its shard's batches would count twice`);
  return { shards, ended };
}

/** What every shard of one matrix shares, as `field` of each file, in words for a message. */
const AGREED: readonly { readonly field: string; readonly of: (r: ShardResult) => string }[] = [
  { field: 'runs', of: (r) => String(r.runs) },
  { field: 'txs', of: (r) => (r.txs === null ? 'null (the default sizes)' : String(r.txs)) },
  { field: 'seed', of: (r) => String(r.seed) },
  { field: 'settings', of: (r) => settingsText(r.settings) || 'none' },
  { field: 'settings.threads', of: (r) => threadCountsText(r.settings.threads) || 'none (each check\'s own thread counts)' },
  { field: 'settings.programs', of: (r) => programsText(r.settings.programs) || 'none (--programs all)' },
  { field: 'shard', of: (r) => `of ${r.shard.split('/')[1]} shards` },
  { field: 'executors', of: (r) => r.executors.map((e) => e.name).join(', ') },
];

/**
 * Refuses shards that are not one whole matrix: a setting that differs from the first file's
 * (they would not add up to one run), an executor's gate that does (--coverage), a shard twice, a
 * shard missing. `ended` shards count as present, since their file is there, but hold no number.
 */
function checkMatrix(shards: readonly ShardInput[], ended: readonly EndedShard[]): void {
  const [first, ...rest] = shards;
  if (!first) return;
  for (const s of rest) {
    for (const { field, of } of AGREED) {
      if (of(s.result) !== of(first.result)) {
        throw fileError(s.file, field, `${of(s.result)}, where ${first.file} has ${of(first.result)}: the shards of one matrix are one verify run split, with the same --runs, --txs, --seed, --modules, --partition, --threads, --programs, --executor and --shard N`);
      }
    }
    for (const [i, e] of s.result.executors.entries()) {
      const want = first.result.executors[i]!.required;
      if (e.required.join(',') !== want.join(',')) {
        throw fileError(s.file, `executors[${i}].required`, `${e.name}'s coverage gate requires ${e.required.join(', ')}, where ${first.file}'s requires ${want.join(', ')}: give every shard the same --coverage`);
      }
    }
  }
  for (const [i, s] of shards.entries()) {
    const twice = shards.slice(0, i).find((t) => t.index === s.index);
    if (twice) throw fileError(s.file, 'shard', `${s.result.shard}, as ${twice.file} is: a shard given twice (two runs of one shard would count its batches twice)`);
  }
  if (ended.length) return;
  const n = first.count;
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !shards.some((s) => s.index === i)).map((i) => `${i}/${n}`);
  if (missing.length) {
    throw new UsageError(`--merge: the matrix of ${plural(n, 'shard')} lacks ${missing.length === 1 ? 'shard' : 'shards'} ${missing.join(', ')}: `
      + `give every shard's --json file (given: ${shards.map((s) => `${s.result.shard} ${s.file}`).join(', ')})`);
  }
}

function sumCoverage(all: readonly (Coverage | undefined)[]): Coverage {
  const out: Coverage = {};
  for (const c of all) for (const [k, v] of Object.entries(c ?? {})) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** The strongest status first: a check is passed in the pool only where every shard that owned a batch of it passed it. */
const STATUS_ORDER: readonly CheckReport['status'][] = ['failed', 'stopped', 'cut', 'skipped', 'passed', 'none', 'not run'];

/**
 * One check over every shard: batches and runs summed, the strongest status. A shard whose turn a
 * signal or the time limit took before the check began lists no report of it: it owned
 * `shardBatches` of it and ran none, so it counts as stopped or cut there.
 */
function poolCheck(name: CheckName, runs: number, own: readonly { readonly e: ExecutorReport; readonly s: ShardInput }[]): CheckReport {
  const def = CHECK_DEFS.find((c) => c.name === name)!;
  const reports = own.map(({ e, s }) => e.checks.find((c) => c.name === name) ?? {
    name, status: e.stopped ? 'stopped' as const : 'cut' as const, batches: 0, of: shardBatches(checkRuns(runs, def), s).length,
  });
  const status = STATUS_ORDER.find((st) => reports.some((r) => r.status === st))!;
  const partial = reports.reduce((n, r) => n + (r.partial ?? 0), 0);
  const reason = reports.find((r) => r.reason !== undefined)?.reason;
  return {
    name, status, batches: reports.reduce((n, r) => n + r.batches, 0), of: reports.reduce((n, r) => n + r.of, 0), ...(partial > 0 ? { partial } : {}),
    ...(status === 'not run' && reason !== undefined ? { reason } : {}),
  };
}

/**
 * Executor `i` over every shard. It is judged on coverage as verify judges one run's executor:
 * not where a shard found a counterexample, was cut by the time limit or stopped by a signal.
 */
function poolExecutor(i: number, runs: number, shards: readonly ShardInput[]): ExecutorReport {
  const own = shards.map((s) => ({ e: s.result.executors[i]!, s }));
  const all = own.map(({ e }) => e);
  const sum = (f: (e: ExecutorReport) => number) => all.reduce((n, e) => n + f(e), 0);
  const failed = all.some((e) => e.failed);
  const cut = !failed && all.some((e) => e.cut);
  const stopped = !failed && all.some((e) => e.stopped);
  const { name, label, required } = all[0]!;
  const pooled = sumCoverage(all.map((e) => e.coverage));
  const uncovered = failed || cut || stopped ? [] : uncoveredEvents(required, pooled);
  const names = [...new Set(all.flatMap((e) => e.checks.map((c) => c.name)))];
  // A shard without them explored an unknown amount shrinking: a sum that left it out would understate it.
  const explored = all.every((e) => e.shrinkStates !== undefined && e.shrinkInterleavings !== undefined)
    ? { shrinkStates: sum((e) => e.shrinkStates!), shrinkInterleavings: sum((e) => e.shrinkInterleavings!) } : {};
  return {
    name, label, blocksChecked: sum((e) => e.blocksChecked), schedulesExplored: sum((e) => e.schedulesExplored),
    shrinkBlocks: sum((e) => e.shrinkBlocks), shrinkSchedules: sum((e) => e.shrinkSchedules), shrinkMs: sum((e) => e.shrinkMs), statesExplored: sum((e) => e.statesExplored),
    interleavingsCovered: sum((e) => e.interleavingsCovered), explorationsCut: sum((e) => e.explorationsCut), ...explored, coverage: pooled,
    ...(all.some((e) => e.executedCoverage) ? { executedCoverage: sumCoverage(all.map((e) => e.executedCoverage)) } : {}),
    // Every shard judged it (none failed, was cut or stopped), so a count 0 in the pool was listed uncovered by each.
    required, uncovered, unreported: uncovered.filter((ev) => all.every((e) => e.unreported.includes(ev))),
    failed, cut, ...(stopped ? { stopped: true as const, ...(all.some((e) => e.shrinking) ? { shrinking: true as const } : {}) } : {}),
    checks: names.map((c) => poolCheck(c, runs, own)),
    // The machine time spent on it: its blocks/s is one machine's rate.
    elapsedMs: sum((e) => e.elapsedMs),
  };
}

/** The shard that took longest, whose time is the matrix's (they run side by side). */
function longest(shards: readonly ShardInput[]): ShardInput {
  return shards.reduce((a, b) => (b.result.elapsedMs > a.result.elapsedMs ? b : a));
}

/** `shards` pooled: a whole matrix that agrees (checkMatrix), in shard order. */
function pool(shards: readonly ShardInput[]): MergedShards {
  const first = shards[0]!.result;
  const executors = first.executors.map((_, i) => poolExecutor(i, first.runs, shards));
  const sum = (f: (e: ExecutorReport) => number) => executors.reduce((n, e) => n + f(e), 0);
  const n = shards[0]!.count;
  return {
    report: {
      executors, blocksChecked: sum((e) => e.blocksChecked), schedulesExplored: sum((e) => e.schedulesExplored),
      shrinkBlocks: sum((e) => e.shrinkBlocks), shrinkSchedules: sum((e) => e.shrinkSchedules),
      // Of the run's elapsedMs (its longest shard's), what the generated runs did not take: the
      // longest any shard's generated runs took stands beside it, so the pooled rate is not
      // overstated where the longest shard was longest for its shrinking.
      shrinkMs: longest(shards).result.elapsedMs - Math.max(...shards.map((s) => s.result.elapsedMs - s.result.shrinkMs)),
      statesExplored: sum((e) => e.statesExplored), interleavingsCovered: sum((e) => e.interleavingsCovered),
      ...(executors.every((e) => e.shrinkStates !== undefined) ? { shrinkStates: sum((e) => e.shrinkStates!), shrinkInterleavings: sum((e) => e.shrinkInterleavings!) } : {}),
      failures: shards.flatMap((s) => s.result.failures.map((f) => ({ ...(f as unknown as FailureReport), shard: s.result.shard }))),
      // The shards run side by side: the matrix took as long as its longest.
      elapsedMs: longest(shards).result.elapsedMs, timedOut: executors.some((e) => e.cut),
      seed: first.seed, shard: n === 1 ? '1/1' : `1-${n}/${n}`,
    },
    runs: first.runs, txs: first.txs, settings: { ...(first.settings.modules === undefined ? {} : { modules: first.settings.modules }), ...(first.settings.partition === undefined ? {} : { partition: first.settings.partition }) },
    ...(first.settings.threads ? { threadCounts: first.settings.threads } : {}), ...(first.settings.programs ? { programs: first.settings.programs } : {}),
    shards: shards.map((s) => {
      const alone = s.result.executors.filter((e) => e.uncovered.length > 0);
      return {
        shard: s.result.shard, file: s.file, ok: s.result.ok,
        ...(alone.length ? { uncoveredAlone: Object.fromEntries(alone.map((e) => [e.name, e.uncovered])) } : {}),
      };
    }),
    errors: shards.flatMap((s) => (s.result.error === undefined ? [] : [`shard ${s.result.shard} (${s.file}): ${s.result.error}`])),
    stopped: shards.flatMap((s) => (s.result.stopped === undefined ? [] : [`shard ${s.result.shard} (${s.file}): ${s.result.stopped}`])),
  };
}

/**
 * Reads and pools the files of `--merge`, in shard order; or, where a shard's verify ended
 * outside any check, those files alone: with no report of what that shard ran there is no pool.
 */
export async function mergeShardFiles(files: readonly string[]): Promise<{ merged: MergedShards } | { ended: readonly EndedShard[] }> {
  const { shards, ended } = await readShards(files);
  checkMatrix(shards, ended);
  if (ended.length) return { ended };
  return { merged: pool([...shards].sort((a, b) => a.index - b.index)) };
}
