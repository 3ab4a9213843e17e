// The programs a verify run's generated blocks may hold (`concord verify --programs`): every kind,
// as always (absent), or calls of a subset of the library contracts alone, for an engine with a VM
// of its own that implements those contracts natively, dispatching on each program's name
// (docs/exec-protocol.md). Invariant: a subset is never empty, names each contract once, and is
// in the library's order (spec/contracts.ts CONTRACTS), so two spellings of one subset are one run,
// one token and one merge key.

import { CONTRACTS } from '../spec/contracts.js';

/** A contract subset: names of library contracts, in CONTRACTS' order, each once; absent: every program kind. */
export type Programs = readonly string[];

/** The option's word for every program kind, today's blocks (its default). */
export const ALL_PROGRAMS = 'all';
/** The option's word for every library contract, and no random bytecode. */
export const ALL_CONTRACTS = 'contracts';

/** The names a subset may hold. */
export const CONTRACT_NAMES: readonly string[] = [...CONTRACTS.keys()];

/** `names` in CONTRACTS' order, each once. */
function ordered(names: readonly string[]): Programs {
  return CONTRACT_NAMES.filter((n) => names.includes(n));
}

/**
 * What is wrong with `value` as a subset (a token's, the helper's option), or null: an array of
 * known contract names, one at least, none twice, in CONTRACTS' order.
 */
export function programsProblem(value: unknown): string | null {
  if (!Array.isArray(value) || value.length === 0 || !value.every((n) => typeof n === 'string')) return 'must be a non-empty list of library contract names';
  const unknown = value.find((n) => !CONTRACT_NAMES.includes(n));
  if (unknown !== undefined) return `has "${unknown}", which is no library contract (they are ${CONTRACT_NAMES.join(', ')})`;
  const names = ordered(value);
  if (names.length !== value.length || names.some((n, i) => n !== value[i])) return `must name each contract once, in the library's order (${names.join(',')})`;
  return null;
}

/**
 * The subset `raw` (`--programs`'s value) names: undefined for `all`; every contract for
 * `contracts`; else a comma-separated list of contract names, taken in the library's order. An
 * unknown name throws a RangeError naming it and listing the valid ones.
 */
export function parsePrograms(raw: string, option = '--programs'): Programs | undefined {
  const words = raw.split(',').map((w) => w.trim());
  if (words.length === 1 && words[0] === ALL_PROGRAMS) return undefined;
  if (words.length === 1 && words[0] === ALL_CONTRACTS) return CONTRACT_NAMES;
  const unknown = words.find((w) => !CONTRACT_NAMES.includes(w));
  if (unknown !== undefined) {
    const named = unknown === '' ? 'an empty name' : `"${unknown}"`;
    throw new RangeError(`${option} ${raw}: ${named} is no library contract; give ${ALL_PROGRAMS} (every program kind, the default), ${ALL_CONTRACTS} (every contract) `
      + `or a comma-separated list of ${CONTRACT_NAMES.join(', ')} (\`concord contracts\` lists them)`);
  }
  return ordered(words);
}

/** How the option gives `p`: `contracts` for every contract, else the list; '' for none (all). */
export function programsWord(p: Programs | undefined): string {
  if (p === undefined) return '';
  return p.length === CONTRACT_NAMES.length ? ALL_CONTRACTS : p.join(',');
}

/** `p` as the option that gives it (`--programs contracts`); '' for none. */
export function programsText(p: Programs | undefined): string {
  return p === undefined ? '' : `--programs ${programsWord(p)}`;
}

/** Whether two subsets are one (absent and absent alike). */
export function samePrograms(a: Programs | undefined, b: Programs | undefined): boolean {
  return programsWord(a) === programsWord(b);
}

/** Why a check that can only run random bytecode is not run on a subject given `p`; undefined for none. */
export function notRunFor(p: Programs | undefined): string | undefined {
  return p === undefined ? undefined : `not run: ${programsText(p)}`;
}
