// vitest's global setup: every temporary file a test run makes (mkdtempSync(tmpdir()), in the
// tests, in the CLI processes they start and in their worker threads) goes under one folder of
// its own, removed when the run ends, so a run leaves nothing in the machine's temp folder.
// os.tmpdir() reads TMPDIR when called, and the test workers and the processes they start inherit
// the environment set here, before any of them starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'concord-tests-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(root, { recursive: true, force: true });
  };
}
