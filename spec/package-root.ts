// Concord's own package folder, found from the running file: the nearest folder above it with a
// package.json (spec/ when run from source under vitest, dist/spec/ when built). The version, the
// commit and the command Concord prints for a user to paste all start from it.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function nearestPackage(dir: string): string {
  return existsSync(join(dir, 'package.json')) || dirname(dir) === dir ? dir : nearestPackage(dirname(dir));
}

export const PACKAGE_ROOT: string = nearestPackage(dirname(fileURLToPath(import.meta.url)));
