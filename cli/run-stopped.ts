// What a `concord run` stopped part-way by a signal (Ctrl-C, a CI job's SIGTERM: cli/ending-signal.ts)
// says of how far it got: the phase it was in and, once timed runs had begun, how many of --repeat
// completed and their median, as its summary would have given it; under --json the same in the
// failure's object, beside the block and the executor. run writes no file, so there is nothing on
// disk to account for.
// Invariant: counts only runs that completed (one the signal came during is not one), and gives a
// median only over those: never a figure of a run that did not finish.

import { median } from '../reports/stats.js';
import { plural } from '../spec/plural.js';
import type { EndingSignal } from './ending-signal.js';

/** A count and its noun, the count with thousands separators: --repeat goes to 100,000. */
const count = (n: number, noun: string): string => plural(n, noun).replace(/^\d+/, n.toLocaleString('en-US'));

/** Where a run is, kept up to date by the run (cli/run.ts) for the message a signal leaves. */
export interface RunSoFar {
  phase: 'starting' | 'loading' | 'earlier' | 'warm-up' | 'timed' | 'closing';
  /** The block as the run names it, and its transaction count; unset until it is read. */
  label?: string;
  txs?: number;
  repeat?: number;
  warmupRuns: number;
  /** The times of the timed runs that completed, in ms. */
  times: readonly number[];
  /** The failure's object under --json (the block, the executor), once the run has made it. */
  json?: Record<string, unknown>;
}

/** The message a run stopped by `signal` leaves, and the figures it adds to `json` (the failure's object under --json). */
export function runStopped(signal: EndingSignal, p: RunSoFar, json: Record<string, unknown> | undefined): string {
  const done = p.times.length;
  const ms = done > 0 ? median(p.times) : null;
  const txPerSecond = ms !== null && p.txs !== undefined ? p.txs / (ms / 1000) : null;
  if (json) Object.assign(json, { repeat: p.repeat ?? null, completedRuns: done, warmupRuns: p.warmupRuns, medianMs: ms, txPerSecond });
  const of = p.label === undefined ? '' : ` of ${p.label}`;
  const warmed = p.warmupRuns > 0 ? `, after ${count(p.warmupRuns, 'warm-up run')}` : '';
  const figures = ms === null ? '' : `; their median ${ms.toFixed(2)} ms${txPerSecond === null ? '' : ` (${Math.round(txPerSecond).toLocaleString('en-US')} tx/s)`}`;
  const runs = `${done.toLocaleString('en-US')} of ${count(p.repeat ?? 0, 'timed run')}${of}`;
  switch (p.phase) {
    case 'starting':
      return `stopped by ${signal} before the executor was loaded: no run of the block completed`;
    case 'loading':
      return `stopped by ${signal} while the executor was loading: no run of the block completed`;
    case 'earlier':
      return `stopped by ${signal} while the earlier blocks of --after ran: no run of the block completed`;
    case 'warm-up':
      return `stopped by ${signal} during the warm-up${of} (${count(p.warmupRuns, 'warm-up run')} completed): none of ${count(p.repeat ?? 0, 'timed run')} completed`;
    case 'timed':
      return `stopped by ${signal} after ${runs} completed${warmed}${figures}`;
    case 'closing':
      return `stopped by ${signal} while the executor closed, after ${runs} completed${warmed}${figures}`;
  }
}
