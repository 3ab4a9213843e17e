// Progress for long commands (bench, verify, main, run): a bar on a terminal's stderr, silent when
// stdout carries JSON, when the CI environment variable is set (to anything but "", "0" or
// "false"), or when stderr is not a TTY (so logs and pipes never fill with redraws). Notes
// (failures, skips, what the output does not hold) are printed either way, above the bar when one
// is shown; warnings the JSON output holds too and info lines (the plan, where output went) are
// left out under --json, which asks for quiet.
// Invariant: nothing here ever writes to stdout, which belongs to the command's results.

import cliProgress from 'cli-progress';

export interface ProgressOptions {
  /** The command prints JSON: no bar, no warnings, no info lines (notes still go to stderr). */
  readonly json?: boolean;
  /** Where the bar and notes go; stderr by default. */
  readonly stream?: NodeJS.WriteStream;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Progress {
  /** Whether a bar is drawn (false: silent mode, notes only). */
  readonly active: boolean;
  /** Starts a phase of `total` steps, replacing any bar shown; a phase of none shows no bar. */
  start(total: number, phase: string): void;
  /** `done` of the phase's steps are complete; `item` names what runs now. */
  update(done: number, item: string): void;
  /** Ends the phase, leaving its bar's last state on screen. */
  stop(): void;
  /** One line for the reader (a failure, a skip), shown whether or not bars are, under --json too. */
  note(line: string): void;
  /**
   * A warning whose substance the command's JSON output holds too (a prediction missing, a
   * baseline left unpinned): a note, except under --json, whose reader finds it there.
   */
  warn(line: string): void;
  /** What the command is doing (its plan, where output went): a note, except under --json, which asks for quiet. */
  info(line: string): void;
}

/** The stop() of every bar on screen, so that an error can clear them before it is printed. */
const shown = new Set<() => void>();

/** Stops every bar on screen (restoring the cursor they hide); a command's error is printed after. */
export function stopAllProgress(): void {
  for (const stop of [...shown]) stop();
}

/**
 * A bar hides the cursor and turns line wrapping off; Ctrl-C (or a kill) would leave the user's
 * terminal that way. So while one is shown, the first such signal stops every bar and is raised
 * again, the listener gone, so the process still ends as that signal ends it.
 */
let signalsWatched = false;
function restoreTerminalOnSignals(): void {
  if (signalsWatched) return;
  signalsWatched = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopAllProgress();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * Whether the environment says CI. Any non-empty string is truthy, so `CI=false` (how a developer
 * turns a CI setting off in a shell or a Makefile) or `CI=0` would count as on.
 */
function isCI(env: NodeJS.ProcessEnv): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}

export function createProgress(o: ProgressOptions = {}): Progress {
  const stream = o.stream ?? process.stderr;
  const env = o.env ?? process.env;
  const active = !o.json && !isCI(env) && stream.isTTY === true;
  let multi: cliProgress.MultiBar | null = null;
  let bar: cliProgress.SingleBar | null = null;
  const note = (line: string) => {
    if (multi) multi.log(`${line}\n`);
    else stream.write(`${line}\n`);
  };
  const stop = () => {
    multi?.stop();
    multi = null;
    bar = null;
    shown.delete(stop);
  };
  return {
    active,
    start(total, phase) {
      if (!active) return;
      stop();
      // cli-progress draws a stage of no steps as a full bar, "0/0": as if work had been done.
      if (total === 0) return;
      const line = (eta: string) => `${phase.padEnd(10)} [{bar}] {value}/{total} ${eta} {item}`;
      multi = new cliProgress.MultiBar({
        stream,
        // Before the first step there is no rate to estimate from: cli-progress would say "0s left".
        format: (options, params, payload) => cliProgress.Format.Formatter({ ...options, format: line(params.value === 0 ? '' : '{eta_formatted} left ') }, params, payload),
        barsize: 24, hideCursor: true, clearOnComplete: false, etaBuffer: 20,
      }, cliProgress.Presets.shades_classic);
      // The redraw timer must not keep the process alive: a command whose work stalls with nothing
      // left to run (an executor's forgotten promise) has to reach 'beforeExit' and say so
      // (unlessStuck, cli/errors.ts), bar or no bar. cli-progress sets the timer before each event.
      const current = multi;
      const unref = () => (current as unknown as { timer?: NodeJS.Timeout }).timer?.unref();
      current.on('start', unref);
      current.on('update-post', unref);
      bar = multi.create(total, 0, { item: '' });
      shown.add(stop);
      restoreTerminalOnSignals();
    },
    update(done, item) {
      bar?.update(done, { item });
    },
    stop,
    note,
    warn(line) {
      if (!o.json) note(line);
    },
    info(line) {
      if (!o.json) note(line);
    },
  };
}
