// Concord's own package folder, found from the running file: the nearest folder above it with a
// package.json (spec/ when run from source under vitest, dist/spec/ when built). The version, the
// commit and the command Concord prints for a user to paste all start from it, and the same walk
// finds the project `npx concord` would run in (properties/printed-command.ts).

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder from `dir` up that holds one of `names`; undefined past the file system's root. */
export function nearestHolding(dir: string, names: readonly string[]): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    if (names.some((name) => existsSync(join(at, name)))) return at;
    if (dirname(at) === at) return undefined;
  }
}

const here = dirname(fileURLToPath(import.meta.url));
export const PACKAGE_ROOT: string = nearestHolding(here, ['package.json']) ?? here;
