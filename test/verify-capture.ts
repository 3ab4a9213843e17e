// `concord verify` run in-process as the CLI runs it (guard and all), its stdout and stderr
// captured: for the tests that read what a user would see.
import { vi } from 'vitest';
import { guard } from '../cli/errors.js';
import { verifyCommand, type VerifyOptions } from '../cli/verify.js';

export type CapturedVerify = (o: VerifyOptions) => Promise<{ code: number; stdout: string; stderr: string }>;

/** A verify that writes its failures under `out` unless told otherwise (without `out`, verify's own default: a --merge refuses an --out). */
export function capturedVerify(out?: string): CapturedVerify {
  return async (o) => {
    let stdout = '';
    let stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
    const code = await guard('verify', () => verifyCommand(out === undefined ? o : { out, ...o }));
    vi.restoreAllMocks();
    return { code, stdout, stderr };
  };
}
