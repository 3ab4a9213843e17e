// The analysis half of bench/gate-study.sh: over a folder of its results files, how often
// `concord compare --fail-on-regression PCT` (the gate as shipped, reports/compare.ts) fails a pair of
// same-build runs (a false alarm) and a same-build run against a slowed one (a catch), by block
// time and --relative, over Concord's sequential baseline (js-*) and the engine's own (own-*); beside
// it, the rule before (two-sided p <= 0.05 and a median delta above PCT) and two measured and not
// shipped: the lower bound of a one-sided 95% interval (p <= 0.05 where the shipped takes 0.025),
// and the shipped one with Holm's correction across the rows of a pair. Then the two gates that
// need no quiet runner: runs pooled (compare --base ... --new ..., reports/compare-pooled.ts), over
// every way to take POOL same-build files a side (false alarms) and POOL same-build files against
// POOL slowed ones (catches), which share runs and so are no independent trials; and two builds
// timed in one run (compare RUN.json --base-executor --new-executor, reports/compare-paired.ts), over
// each pair-*.json file: `same` against `base` (a false alarm) and `slow` against `base` (a catch).
// Invariant: every rule sees the same pairs: each same-build file against every later one (by its
// run number), every same-build file against every slowed one; the files are only read.
// Usage: node dist/bench/gate-study.js DIR

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALPHA, compare, MIN_ROUNDS } from '../reports/compare.js';
import { comparePaired } from '../reports/compare-paired.js';
import { pool } from '../reports/compare-pooled.js';
import type { ResultsFile, RunRecord } from '../reports/schema.js';
import { mannWhitney, mannWhitneyGreater, median } from '../reports/stats.js';
import { perRoundSpeedups, roundMedians } from '../reports/summary.js';

type By = 'block' | 'relative';
/** A file's executor rows, each as the values a gate tests: round medians and ratios to the baseline, per round. */
type Rows = Map<string, Record<By, number[]>>;
type Rule = (base: ResultsFile, next: ResultsFile, a: Rows, b: Rows, pct: number, by: By) => boolean;

function rowsOf(doc: ResultsFile): Rows {
  const baseline = (r: RunRecord) => doc.runs.find((x) => x.role === 'baseline' && x.workload === r.workload && x.threads === r.threads)!;
  return new Map(doc.runs.filter((r) => r.role === 'executor').map((r) => [`${r.workload} ${r.executor} @${r.threads}`, {
    block: roundMedians(r)!, relative: perRoundSpeedups(baseline(r), r)!.map((s) => 1 / s),
  }]));
}

/** Each row's values on both sides, for the rows both files have. */
const paired = (a: Rows, b: Rows, by: By) => [...a.keys()].filter((k) => b.has(k)).map((k) => [a.get(k)![by], b.get(k)![by]] as const);

/** The one-sided p of each row being PCT slower or less, as the gate tests it. */
const gatePs = (a: Rows, b: Rows, pct: number, by: By) => paired(a, b, by).map(([x, y]) => mannWhitneyGreater(x.map((v) => v * (1 + pct / 100)), y));

/** Holm's step-down: any of these p-values rejected with the family's chance of a false rejection at most alpha. */
function holmAny(ps: readonly number[], alpha: number): boolean {
  const s = [...ps].sort((u, v) => u - v);
  return s.length > 0 && s[0]! <= alpha / s.length;
}

const rules: Record<string, Rule> = {
  'before: p<=0.05 two-sided, median delta > PCT': (_b, _n, a, b, pct, by) => paired(a, b, by).some(([x, y]) => mannWhitney(x, y).p <= ALPHA && (median(y) / median(x) - 1) * 100 > pct),
  'shipped: 95% interval\'s lower bound > PCT': (base, next, _a, _b, pct, by) => {
    const g = compare(base, next, { threshold: pct, relative: by === 'relative' }).gate!;
    return g.regressions.length > 0 || g.unmatched.length > 0;
  },
  'not shipped: one-sided 95% bound > PCT': (_b, _n, a, b, pct, by) => gatePs(a, b, pct, by).some((p) => p <= ALPHA),
  'not shipped: shipped, Holm across rows': (_b, _n, a, b, pct, by) => holmAny(gatePs(a, b, pct, by), ALPHA / 2),
};

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write('usage: node dist/bench/gate-study.js DIR (the folder bench/gate-study.sh wrote)\n');
  process.exit(2);
}
const files = readdirSync(dir).filter((f) => /^(js|own)-(same|slow)\d+\.json$/.test(f));
const number = (f: string) => Number(/(\d+)\.json$/.exec(f)![1]);
/** Each file read once, for the gates over one run a side and over pooled runs alike. */
const docs = new Map(files.map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as ResultsFile]));
/** A set's (js, own) files of a kind (same, slow), in the order they were benched. */
const filesOf = (set: string, kind: string) => files.filter((f) => f.startsWith(`${set}-${kind}`)).sort((x, y) => number(x) - number(y));
/** Sorted ratios' lowest-highest and median, as the study prints them. */
const range = (xs: number[]) => `${xs[0]!.toFixed(2)}-${xs[xs.length - 1]!.toFixed(2)} (median ${median(xs).toFixed(2)})`;
for (const set of ['js', 'own']) {
  const [same, slow] = [filesOf(set, 'same'), filesOf(set, 'slow')];
  if (same.length < 2) continue;
  const rows = new Map([...same, ...slow].map((f) => [f, rowsOf(docs.get(f)!)]));
  const pairs = [
    ...same.flatMap((a, i) => same.slice(i + 1).map((b) => ({ kind: 'same', a, b }))),
    ...same.flatMap((a) => slow.map((b) => ({ kind: 'slow', a, b }))),
  ];
  const count = (kind: string) => pairs.filter((p) => p.kind === kind).length;
  const rounds = [...rows.get(same[0]!)!.values()][0]!.block.length;
  process.stdout.write(`${set === 'js' ? 'over Concord\'s sequential baseline' : 'over the engine\'s own sequential mode (--baseline)'}: `
    + `${same.length} same-build files, ${slow.length} slowed by 20%, ${rounds} rounds\n`);
  for (const pct of [10, 15]) {
    for (const by of ['block', 'relative'] as const) {
      for (const [name, rule] of Object.entries(rules)) {
        const fails = (kind: string) => pairs.filter((p) => p.kind === kind
          && rule(docs.get(p.a)!, docs.get(p.b)!, rows.get(p.a)!, rows.get(p.b)!, pct, by)).length;
        process.stdout.write(`  ${String(pct).padStart(2)}% ${(by === 'block' ? 'block time' : '--relative').padEnd(10)}  ${name.padEnd(48)}  `
          + `false alarms ${fails('same')}/${count('same')}, caught ${fails('slow')}/${count('slow')}\n`);
      }
    }
  }
  // How far apart two runs' medians lie (new over base), same-build and slowed.
  for (const by of ['block', 'relative'] as const) {
    const ratios = (kind: string) => pairs.filter((p) => p.kind === kind)
      .flatMap((p) => paired(rows.get(p.a)!, rows.get(p.b)!, by).map(([x, y]) => median(y) / median(x))).sort((u, v) => u - v);
    process.stdout.write(`  ${by === 'block' ? 'block time' : '--relative'}: new/base medians, same build ${range(ratios('same'))}, slowed ${range(ratios('slow'))}\n`);
  }
}

/** Every way to take k of xs, in order. */
function choose<T>(xs: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  return xs.flatMap((x, i) => choose(xs.slice(i + 1), k - 1).map((rest) => [x, ...rest]));
}

/** Runs a side the pooled gate needs (MIN_ROUNDS: 4 against 4 is the fewest equal sides whose Mann-Whitney test reaches 0.025 one-sided). */
const POOL = MIN_ROUNDS;
const GATE_PCT = 10;
for (const set of ['js', 'own']) {
  const [same, slow] = [filesOf(set, 'same'), filesOf(set, 'slow')];
  if (same.length < 2 * POOL || slow.length < POOL) continue;
  const pooled = (fs: readonly string[]) => pool(fs.map((f) => ({ file: f, doc: docs.get(f)! })));
  const sameSplits = choose(same, POOL).flatMap((a) => choose(same.filter((f) => !a.includes(f)), POOL).map((b) => [a, b] as const));
  const slowSplits = choose(same, POOL).flatMap((a) => choose(slow, POOL).map((b) => [a, b] as const));
  process.stdout.write(`pooled, ${POOL} runs a side (${set === 'js' ? 'over Concord\'s sequential baseline' : 'over the engine\'s own sequential mode'}): `
    + `${sameSplits.length} ways to split ${same.length} same-build runs, ${slowSplits.length} of same-build against slowed runs (overlapping: not independent trials)\n`);
  for (const by of ['block', 'relative'] as const) {
    const fails = (splits: readonly (readonly [string[], string[]])[]) => splits.filter(([a, b]) => {
      const g = compare(pooled(a), pooled(b), { threshold: GATE_PCT, relative: by === 'relative' }).gate!;
      return g.regressions.length > 0 || g.unmatched.length > 0;
    }).length;
    process.stdout.write(`  ${GATE_PCT}% ${(by === 'block' ? 'block time' : '--relative').padEnd(10)}  pooled runs' medians, 95% interval's lower bound > PCT  `
      + `false alarms ${fails(sameSplits)}/${sameSplits.length}, caught ${fails(slowSplits)}/${slowSplits.length}\n`);
  }
}

const pairs = readdirSync(dir).filter((f) => /^pair-\d+\.json$/.test(f)).sort((x, y) => number(x) - number(y));
/** `doc` with only its first k rounds' samples: what a run of k rounds would have timed, for the paired gate at fewer rounds. */
function firstRounds(doc: ResultsFile, k: number): ResultsFile {
  return {
    ...doc, runs: doc.runs.map((r) => {
      const keep = r.samplesMs.map((_, i) => r.rounds![i]! < k);
      const kept = <T>(xs: readonly T[]) => xs.filter((_, i) => keep[i]);
      return { ...r, samplesMs: kept(r.samplesMs), busy: kept(r.busy), rounds: kept(r.rounds!), ...(r.cpus === undefined ? {} : { cpus: kept(r.cpus) }) };
    }),
  };
}

if (pairs.length > 0) {
  const pairDocs = pairs.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ResultsFile);
  const rounds = pairDocs[0]!.settings.rounds;
  process.stdout.write(`paired, two builds timed in one run (base, same and slow 20% in each of ${pairs.length} files, over the engine's own sequential mode, ${rounds} rounds)\n`);
  // The gate at fewer rounds too, from each file's first rounds: more rounds are more pairs.
  for (const k of [...new Set([6, 8, 12, rounds])].filter((n) => n <= rounds)) {
    const judged = (build: string) => pairDocs.map((d) => comparePaired(firstRounds(d, k), 'base', build, { threshold: GATE_PCT }));
    const fails = (build: string) => judged(build).filter((c) => c.gate!.regressions.length > 0 || c.gate!.unmatched.length > 0).length;
    process.stdout.write(`  ${GATE_PCT}% paired     signed-rank over ${String(k).padStart(2)} rounds' ratios, 95% interval's lower bound > PCT  false alarms ${fails('same')}/${pairs.length}, caught ${fails('slow')}/${pairs.length}\n`);
  }
  const ratios = (build: string) => pairDocs.flatMap((d) => comparePaired(d, 'base', build).rows.map((r) => 1 + r.deltaPct / 100)).sort((u, v) => u - v);
  process.stdout.write(`  paired: median of the rounds' new/base ratios, same build ${range(ratios('same'))}, slowed ${range(ratios('slow'))}\n`);
}
