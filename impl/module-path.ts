// Whether an executor name is a path to the user's own module: what --executor loads as one, what
// bench labels by the name the module declares (bench/sweep.ts runLabels), and what the results
// schema lets a run's label stand for.
// Invariant: an exec: command is never a module path, whatever its command line holds.

import { isExecCommand } from './exec-executor.js';

/**
 * Whether `--executor` names a module rather than a built-in: a file Node loads as JavaScript
 * (.js, .mjs, .cjs), TypeScript (.ts, .mts, .cts: Node loads it only with type stripping or a
 * loader; see impl/registry.ts loadHint) or anything with a path separator in it ("./engine/index").
 */
export function isModulePath(nameOrPath: string): boolean {
  if (isExecCommand(nameOrPath)) return false;
  return /\.[cm]?[jt]s$/.test(nameOrPath) || /[\\/]/.test(nameOrPath);
}
