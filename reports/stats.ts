// The statistics behind reports and `concord compare`, the way benchstat does them: the median
// with a distribution-free 95% confidence interval from order statistics, the Mann-Whitney U
// test (exact for small samples, given their ties up to 25 values in all, else the normal
// approximation with tie and continuity correction), the Wilcoxon signed-rank test of paired values
// and the bounds both give a ratio, and the geometric mean. Building blocks come
// from simple-statistics; the U test's p-value is here because no maintained npm package computes
// it exactly.
// Invariant: functions never reorder their inputs, and every p-value is in [0, 1].

import { binomialDistribution, errorFunction, mean, medianSorted, quantileSorted, wilcoxonRankSum } from 'simple-statistics';

export function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

export function median(xs: readonly number[]): number {
  return medianSorted(sorted(xs));
}

/** The q-quantile (0..1), interpolated as simple-statistics does. */
export function quantile(xs: readonly number[], q: number): number {
  return quantileSorted(sorted(xs), q);
}

/** exp(mean(log x)): simple-statistics' geometricMean multiplies the values, which overflows past a few hundred of them. */
export function geomean(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('geomean of no values');
  if (xs.some((x) => !(x > 0))) throw new Error('geomean of a value that is not positive');
  return Math.exp(mean(xs.map(Math.log)));
}

/** Fewest samples for which an order-statistic interval reaches 95% (2 * 0.5^6 < 0.05). */
export const MIN_SAMPLES_FOR_CI = 6;
/** Below this, results are flagged as having too few samples (benchstat's advice). */
export const RECOMMENDED_SAMPLES = 10;

/**
 * A 95% confidence interval for the median: [x(k), x(n-k+1)] with the largest k such that a
 * Binomial(n, 1/2) falls below k with probability at most 2.5%. Null with fewer than 6 samples.
 */
export function medianInterval(xs: readonly number[]): { lo: number; hi: number } | null {
  const n = xs.length;
  if (n < MIN_SAMPLES_FOR_CI) return null;
  const pmf = binomialDistribution(n, 0.5)!;
  let k = 0;
  let tail = pmf[0]!;
  while (tail <= 0.025) tail += pmf[++k] ?? 0;
  // Now P(B <= k) > 2.5% but P(B <= k - 1) <= 2.5%: the k-th order statistic (1-based) bounds it.
  const s = sorted(xs);
  return { lo: s[k - 1]!, hi: s[n - k]! };
}

/**
 * Where the median of a quantity measured once per round lies, from its per-round values: with
 * MIN_SAMPLES_FOR_CI rounds or more, medianInterval's 95% interval; with fewer, the lowest and
 * highest value, which hold the median with probability 1 - 2 * 0.5^n (93.75% with 5 rounds).
 * Distribution-free, and honest about drift between rounds, which samples of one round share.
 * Null with fewer than 2 values.
 */
export function roundsInterval(xs: readonly number[]): { lo: number; hi: number; confidence: number } | null {
  const n = xs.length;
  if (n < 2) return null;
  const ci = medianInterval(xs);
  if (ci !== null) return { ...ci, confidence: 0.95 };
  const s = sorted(xs);
  return { lo: s[0]!, hi: s[n - 1]!, confidence: rangeConfidence(n) };
}

/** The probability that the range of n values holds their distribution's median: 1 - 2 * 0.5^n. */
export function rangeConfidence(n: number): number {
  return 1 - 2 * 0.5 ** n;
}

/** Standard normal cumulative probability. */
function normalCdf(z: number): number {
  return 0.5 * (1 + errorFunction(z / Math.SQRT2));
}

/** Without ties and both samples below this size, the U test uses its exact distribution. */
const EXACT_LIMIT = 50;
/**
 * With ties, up to this many values in all, the exact distribution given the ties (benchstat's
 * limit): four or five round medians a side, where the normal approximation is far off
 * ([0,0,0,1] against [1,1,2,2]: 0.047 where the exact p is 6/70 = 0.086).
 */
const N_TIED_EXACT_LIMIT = 25;

/**
 * The tails of U = u for a sample of m values, given the sizes of the pooled values' runs of ties
 * in order (`groups`): every way of taking m of the pooled values (their midranks, doubled to stay
 * integers) counted by rank sum: of `total` ways, `lower` have U <= u and `upper` U >= u. Both are
 * counted: ties at one end make the distribution lopsided.
 */
function exactTiedTails(m: number, groups: readonly number[], u: number): { lower: number; upper: number; total: number } {
  const doubled: number[] = [];
  let below = 0;
  for (const t of groups) {
    // Ranks below+1..below+t share their midrank (2 below + t + 1) / 2, doubled.
    for (let k = 0; k < t; k++) doubled.push(2 * below + t + 1);
    below += t;
  }
  const N = below;
  const most = N * (N + 1);
  // ways[k][s]: subsets of k values so far with doubled rank sum s.
  const ways = Array.from({ length: m + 1 }, () => new Float64Array(most + 1));
  ways[0]![0] = 1;
  for (const d of doubled) {
    for (let k = m; k >= 1; k--) {
      const to = ways[k]!;
      const from = ways[k - 1]!;
      for (let s = most; s >= d; s--) to[s] = to[s]! + from[s - d]!;
    }
  }
  // U = W - m(m+1)/2, so U = u is 2W = 2u + m(m+1) in doubled rank sums.
  const at = 2 * u + m * (m + 1);
  let total = 0;
  let lower = 0;
  let upper = 0;
  const dist = ways[m]!;
  for (let s = 0; s <= most; s++) {
    total += dist[s]!;
    if (s <= at) lower += dist[s]!;
    if (s >= at) upper += dist[s]!;
  }
  return { lower, upper, total };
}

/** The two-sided p of U = u given the ties (exactTiedTails): twice the smaller tail. */
function exactTiedP(m: number, groups: readonly number[], u: number): number {
  const { lower, upper, total } = exactTiedTails(m, groups, u);
  return Math.min(1, (2 * Math.min(lower, upper)) / total);
}

/** P(U <= u) for U of samples of sizes m and n without ties: counts of arrangements by U, in doubles (additions only, so no cancellation). */
function exactUCdf(m: number, n: number, u: number): number {
  // ways[j][s]: orderings of i x's and j y's with U = s, row by row over i.
  let prev: Float64Array[] = Array.from({ length: n + 1 }, () => Float64Array.of(1));
  for (let i = 1; i <= m; i++) {
    const row: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= n; j++) {
      const cur = new Float64Array(i * j + 1);
      // The largest value is an x (it beats all j y's: U grows by j) or a y (U unchanged).
      const fromX = prev[j]!;
      for (let s = 0; s < fromX.length; s++) cur[s + j] = cur[s + j]! + fromX[s]!;
      const fromY = row[j - 1]!;
      for (let s = 0; s < fromY.length; s++) cur[s] = cur[s]! + fromY[s]!;
      row.push(cur);
    }
    prev = row;
  }
  const dist = prev[n]!;
  let total = 0;
  let below = 0;
  for (let s = 0; s < dist.length; s++) {
    total += dist[s]!;
    if (s <= u) below += dist[s]!;
  }
  return below / total;
}

/**
 * The smallest two-sided p the U test can give samples of m and n values, every x on one side of
 * every y: 2 / C(m + n, m); 1 with an empty side, and 0 past 25 values, where it is far below any
 * significance level anyway.
 */
export function smallestP(m: number, n: number): number {
  if (m === 0 || n === 0) return 1;
  if (m + n > N_TIED_EXACT_LIMIT) return 0;
  let ways = 1;
  for (let k = 1; k <= m; k++) ways = (ways * (n + k)) / k;
  return Math.min(1, 2 / ways);
}

export interface UTest {
  /** U of the first sample: how many (x, y) pairs have x > y, ties counting one half. */
  readonly u: number;
  /** Two-sided p-value. */
  readonly p: number;
  readonly exact: boolean;
}

/** The sizes of the runs of equal values in sorted values, in order. */
function tieGroups(pooled: readonly number[]): number[] {
  const groups: number[] = [];
  for (let i = 0; i < pooled.length;) {
    let j = i;
    while (j < pooled.length && pooled[j] === pooled[i]) j++;
    groups.push(j - i);
    i = j;
  }
  return groups;
}

/** U of x (m values) against y (n values), and what both tests read of the pooled values' ties: their runs in order and the correction term. */
function uOf(x: readonly number[], y: readonly number[]): { m: number; n: number; u: number; groups: number[]; tieTerm: number } {
  const [m, n] = [x.length, y.length];
  const groups = tieGroups(sorted([...x, ...y]));
  return { m, n, u: wilcoxonRankSum(x, y) - (m * (m + 1)) / 2, groups, tieTerm: groups.reduce((sum, t) => sum + t * t * t - t, 0) };
}

/** U's variance under no difference, corrected for ties, for the normal approximation. */
function uVariance(m: number, n: number, tieTerm: number): number {
  const N = m + n;
  return ((m * n) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
}

/** The two-sided Mann-Whitney U test of x against y. */
export function mannWhitney(x: readonly number[], y: readonly number[]): UTest {
  if (x.length === 0 || y.length === 0) return { u: 0, p: 1, exact: true };
  const { m, n, u, groups, tieTerm } = uOf(x, y);
  if (tieTerm === 0 && m < EXACT_LIMIT && n < EXACT_LIMIT) {
    const lower = exactUCdf(m, n, u);
    // U is symmetric around mn/2, so P(U >= u) = P(U <= mn - u).
    const upper = exactUCdf(m, n, m * n - u);
    return { u, p: Math.min(1, 2 * Math.min(lower, upper)), exact: true };
  }
  if (m + n <= N_TIED_EXACT_LIMIT) return { u, p: exactTiedP(m, groups, u), exact: true };
  const variance = uVariance(m, n, tieTerm);
  if (variance <= 0) return { u, p: 1, exact: false };
  const z = Math.max(0, Math.abs(u - (m * n) / 2) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * (1 - normalCdf(z))), exact: false };
}

/**
 * The one-sided Mann-Whitney test that y tends to be greater than x: P(U <= u) for U of x, exact
 * where mannWhitney's is (without ties below 50 values a side; with ties up to 25 in all, given
 * them), else the normal approximation with tie and continuity correction.
 */
export function mannWhitneyGreater(x: readonly number[], y: readonly number[]): number {
  if (x.length === 0 || y.length === 0) return 1;
  const { m, n, u, groups, tieTerm } = uOf(x, y);
  if (tieTerm === 0 && m < EXACT_LIMIT && n < EXACT_LIMIT) return exactUCdf(m, n, u);
  if (m + n <= N_TIED_EXACT_LIMIT) {
    const { lower, total } = exactTiedTails(m, groups, u);
    return Math.min(1, lower / total);
  }
  const variance = uVariance(m, n, tieTerm);
  if (variance <= 0) return 1;
  return normalCdf((u - (m * n) / 2 + 0.5) / Math.sqrt(variance));
}

/**
 * How much larger than x's values y's are at least, as a ratio, with one-sided confidence
 * 1 - alpha: the largest r for which mannWhitneyGreater(x scaled by r, y) <= alpha (the
 * Hodges-Lehmann bound of the shift of the logarithms, inverted from the test itself so the two
 * agree: y exceeds x by more than a factor r exactly when r is below it). Null where no r is
 * (too few values for the test to reach alpha at all). Values must be positive.
 */
export function ratioLowerBound(x: readonly number[], y: readonly number[], alpha: number): number | null {
  if (x.some((v) => !(v > 0)) || y.some((v) => !(v > 0))) throw new Error('ratioLowerBound of a value that is not positive');
  // The test's p is a step function of r, constant between consecutive pairwise ratios y / x.
  const ratios = sorted(x.flatMap((a) => y.map((b) => b / a)));
  // Just below the k-th smallest ratio (1-based), or below all of them for k = 1.
  const below = (k: number) => (k === 1 ? ratios[0]! / 2 : Math.sqrt(ratios[k - 2]! * ratios[k - 1]!));
  return largestRejecting(ratios, (r) => mannWhitneyGreater(x.map((a) => a * r), y) <= alpha, below);
}

/**
 * The largest of `points` (ascending) just below which `rejects` holds, or null where it holds
 * below none: the inversion of a one-sided test into its confidence bound, where the test's p is a
 * step function constant between consecutive points and rejects up to some point, not beyond.
 * `below(k)` is a value between the (k-1)-th and the k-th point (1-based), below the first for k = 1.
 */
function largestRejecting(points: readonly number[], rejects: (v: number) => boolean, below: (k: number) => number): number | null {
  if (points.length === 0 || !rejects(below(1))) return null;
  let [lo, hi] = [1, points.length];
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (rejects(below(mid))) lo = mid;
    else hi = mid - 1;
  }
  return points[lo - 1]!;
}

/** Up to this many nonzero differences, the signed-rank test counts its exact distribution given their ties. */
const SIGNED_RANK_EXACT_LIMIT = 100;

/**
 * The one-sided Wilcoxon signed-rank test that paired differences `d` tend to lie above 0: under
 * no difference each |d| is as likely to carry either sign, and p is the chance of a sum of the
 * positive ones' ranks at least the observed. Zeros are dropped (Wilcoxon's rule); tied |d| share
 * their midrank. Exact given the ties up to SIGNED_RANK_EXACT_LIMIT nonzero differences (every
 * sign pattern counted by rank sum, midranks doubled to stay integers), else the normal
 * approximation with tie and continuity correction. 1 with no nonzero difference.
 */
export function signedRankGreater(d: readonly number[]): number {
  const nonzero = d.filter((v) => v !== 0);
  const n = nonzero.length;
  if (n === 0) return 1;
  const order = nonzero.map((v, i) => [Math.abs(v), i] as const).sort((a, b) => a[0] - b[0]);
  const doubled = new Array<number>(n);
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j < n && order[j]![0] === order[i]![0]) j++;
    // Ranks i+1..j share their midrank (i + 1 + j) / 2, doubled.
    for (let k = i; k < j; k++) doubled[order[k]![1]] = i + 1 + j;
    tieTerm += (j - i) ** 3 - (j - i);
    i = j;
  }
  const observed = nonzero.reduce((sum, v, i) => sum + (v > 0 ? doubled[i]! : 0), 0);
  if (n <= SIGNED_RANK_EXACT_LIMIT) {
    const most = n * (n + 1);
    // ways[s]: sign patterns so far whose positive ranks sum (doubled) to s.
    const ways = new Float64Array(most + 1);
    ways[0] = 1;
    for (const r of doubled) for (let s = most; s >= r; s--) ways[s] = ways[s]! + ways[s - r]!;
    let total = 0;
    let upper = 0;
    for (let s = 0; s <= most; s++) {
      total += ways[s]!;
      if (s >= observed) upper += ways[s]!;
    }
    return Math.min(1, upper / total);
  }
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  if (variance <= 0) return 1;
  return Math.min(1, 1 - normalCdf((observed / 2 - (n * (n + 1)) / 4 - 0.5) / Math.sqrt(variance)));
}

/** The two-sided signed-rank test of paired differences against none: twice the smaller one-sided tail. */
export function signedRankP(d: readonly number[]): number {
  return Math.min(1, 2 * Math.min(signedRankGreater(d), signedRankGreater(d.map((v) => -v))));
}

/**
 * Pairs a side needs before the signed-rank test can reach a one-sided `alpha` at all: its
 * smallest p is 0.5^n, every difference positive (6 pairs for 0.025).
 */
export function fewestPairs(alpha: number): number {
  return Math.ceil(Math.log(alpha) / Math.log(0.5));
}

/**
 * How much larger than its pair in x each value of y is at least, as a ratio, with one-sided
 * confidence 1 - alpha: the largest r for which signedRankGreater of log(y / x) - log r is at most
 * alpha (the Hodges-Lehmann bound from the Walsh averages of the log ratios, inverted from the test
 * itself so the two agree: the pairs' ratio exceeds r exactly when r is below it). x and y are
 * paired by position (one round each). Null where no r is (too few pairs for the test to reach
 * alpha). Values must be positive, and x and y of one length.
 */
export function pairedRatioLowerBound(x: readonly number[], y: readonly number[], alpha: number): number | null {
  if (x.length !== y.length) throw new Error(`pairedRatioLowerBound of ${x.length} values against ${y.length}: they must pair`);
  if (x.some((v) => !(v > 0)) || y.some((v) => !(v > 0))) throw new Error('pairedRatioLowerBound of a value that is not positive');
  const logs = x.map((a, i) => Math.log(y[i]! / a));
  const walsh = walshAverages(logs);
  const below = (k: number) => (k === 1 ? walsh[0]! - 1 : (walsh[k - 2]! + walsh[k - 1]!) / 2);
  const c = largestRejecting(walsh, (v) => signedRankGreater(logs.map((d) => d - v)) <= alpha, below);
  return c === null ? null : Math.exp(c);
}

/**
 * The distinct Walsh averages of `d` ((d_i + d_j) / 2 for i <= j), ascending: signedRankGreater of
 * d - c is a step function of c, constant between consecutive ones, and only at one of them does a
 * difference reach 0 (dropped) or two tie in size.
 */
function walshAverages(d: readonly number[]): number[] {
  return [...new Set(d.flatMap((a, i) => d.slice(i).map((b) => (a + b) / 2)))].sort((a, b) => a - b);
}

/**
 * signedRankGreater of d - c, read as pairedRatioLowerBound reads the test: where c is itself a
 * Walsh average of d (a difference exactly c, or two equally far either side of it), at which the
 * test drops zeros and ties sizes, it is taken just above c, as if those differences lay below it.
 * So a gate that fails where this p is at most alpha fails exactly where the bound lies above c,
 * and an exact tie with the threshold never counts against the new build.
 */
export function signedRankGreaterAt(d: readonly number[], c: number): number {
  const walsh = walshAverages(d);
  const at = walsh.indexOf(c);
  const shifted = at === -1 ? c : at + 1 < walsh.length ? (walsh[at]! + walsh[at + 1]!) / 2 : walsh[at]! + 1;
  return signedRankGreater(d.map((v) => v - shifted));
}
