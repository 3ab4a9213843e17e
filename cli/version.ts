// Concord's own version, for `concord --version` and the results files bench writes.

import { readFileSync } from 'node:fs';

/** Concord's package version: the nearest package.json above this file (cli/ when run from source, dist/cli/ when built). */
export function concordVersion(): string {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      return (JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { version: string }).version;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dir.pathname === '/') throw e;
    }
  }
}
