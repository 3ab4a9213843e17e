// Seeding pure-rand's 128-bit generators from a seed of up to 53 bits, the way every seeded run in
// Concord does (workload generators, verify's fast-check batches). pure-rand's own
// xoroshiro128plus(seed) and xorshift128plus(seed) build the state [-1, ~seed, seed | 0, 0] and so
// keep only the low 32 bits: seeds 0 and 2^32 would run the same stream under two names.
// Invariant: seedState(seed) is exactly that state for every seed below 2^32 (old seeds keep their
// streams), and distinct integer seeds up to 2^53 get distinct states (the high bits fill the word
// pure-rand leaves 0).

export function seedState(seed: number): [number, number, number, number] {
  return [-1, ~seed, seed | 0, Math.floor(seed / 2 ** 32)];
}
