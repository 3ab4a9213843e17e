// The signal tests' child: the built command line started with some arguments, sent a signal once
// its standard error shows it has reached a known point, and watched to its end. Sent on what the
// child says rather than after a delay, the signal lands at that point whatever the machine's speed.
import { spawn } from 'node:child_process';

export const CLI = new URL('../dist/cli/concord.js', import.meta.url).pathname;

export interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Starts `concord ARGS` (under Node's options `node`, where given), sends `signal` once
 * `ready(stderr)` holds (checked on each chunk of its stderr and every 50 ms, for a `ready` that
 * looks at files), and resolves when it has ended.
 */
export function signalWhen(args: readonly string[], ready: (stderr: string) => boolean, signal: NodeJS.Signals, node: readonly string[] = []): Promise<Ended> {
  const child = spawn(process.execPath, [...node, CLI, ...args], { env: { ...process.env, CI: '1' } });
  let stdout = '';
  let stderr = '';
  let sent = false;
  const check = () => {
    if (sent || !ready(stderr)) return;
    sent = true;
    child.kill(signal);
  };
  const poll = setInterval(check, 50);
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); check(); });
  return new Promise((resolve) => child.on('close', (code, sig) => {
    clearInterval(poll);
    resolve({ code, signal: sig, stdout, stderr });
  }));
}
