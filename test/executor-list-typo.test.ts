// A typo in a list's module (`--executor block-stm,typo.mjs`) is named as that module, not as a
// module file named by the whole list: only a list whose folder part holds a comma, or that misses
// on more than one part, reads as one path meant whole.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executorNames } from '../cli/executor-settings.js';

describe('--executor lists with a module that is not there', () => {
  it('leaves block-stm,typo.mjs a list, for the module\'s own "no such module file"', () => {
    expect(executorNames(['block-stm,concord-no-such-typo.mjs'])).toEqual(['block-stm', 'concord-no-such-typo.mjs']);
  });

  it('still reads a missing file in a folder whose name has a comma as that path', () => {
    const root = mkdtempSync(join(tmpdir(), 'concord-typo-'));
    try {
      mkdirSync(join(root, 'dir,with,comma'));
      const path = join(root, 'dir,with,comma', 'typo.mjs');
      expect(() => executorNames([path])).toThrow(`--executor ${path}: no such module file (looked for ${path}); nor is it a list of executors`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
