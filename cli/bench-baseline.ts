// `concord bench --baseline`: the executor every speedup is measured against, and what bench can
// still truthfully measure about it. Concord's own sequential executor is the default; any other
// (a registry name, a module path, exec:COMMAND: an engine's own sequential mode) runs on one
// thread and is held to the reference like every executor.
// Invariants: a baseline other than the default is given `threads: 1`; it is pinned, and its
// samples carry their CPU, only where it runs on Concord's main thread alone (a registry one-thread
// executor), since pinning that thread pins nothing else; the simulated predictions are made only
// over Concord's sequential executor, whose median their models take the VM's time per gas from;
// whatever is left out for a baseline is said, with why, in `notes` (settings.baselineNotes);
// a module is named, there and in the results, by the name its executor declares (`label`).

import { checkExecutorName, EXECUTORS } from '../impl/registry.js';
import { isExecCommand } from '../impl/exec-executor.js';
import { UsageError } from './errors.js';
import { errorText } from '../spec/messages.js';
import { executorKey, executorNames } from './executor-settings.js';
import { SEQUENTIAL_BASELINE } from '../reports/baseline.js';

export interface Baseline {
  /** As --baseline gave it: what loads it. */
  readonly name: string;
  /**
   * What the results call it (settings.baseline, its runs): `name`, but a module by the name its
   * executor declares, with its path beside it where that name is another executor's
   * (bench/sweep.ts runLabels); `name` until bench has loaded it (withLabel).
   */
  readonly label: string;
  /** The thread count its execute() is given; undefined for the default, which is given each run's own and ignores it. */
  readonly threads: 1 | undefined;
  /** Whether it runs on Concord's main thread alone, so that pinning that thread pins it and each sample's CPU is its own. */
  readonly onMainThread: boolean;
  /** What bench leaves out for this baseline beside the predictions, and why (settings.baselineNotes); empty for the default. */
  readonly notes: readonly string[];
  /**
   * Why no scaling is simulated over it (a results file's simulatedGaps entry): bench/simulate.ts
   * takes the VM's time per gas from the baseline's median. Null where predictions are made.
   */
  readonly noPrediction: string | null;
}

/**
 * --baseline checked: one executor that exists (a built-in, a module file, a well-formed exec:
 * command) and is not also among --executor's `executors` (a run timed beside itself).
 */
export function baselineOption(raw: string | undefined, executors: readonly string[]): Baseline {
  if (raw === undefined || raw.trim() === SEQUENTIAL_BASELINE) {
    return { name: SEQUENTIAL_BASELINE, label: SEQUENTIAL_BASELINE, threads: undefined, onMainThread: true, notes: [], noPrediction: null };
  }
  if (raw.trim() === '') throw new UsageError('--baseline: empty; give one executor (a built-in name, a module path, or exec:COMMAND)');
  const names = executorNames([raw], '--baseline');
  if (names.length !== 1) throw new UsageError(`--baseline ${raw}: one executor, not ${names.length} (${names.join(', ')}); an exec: command takes commas in its arguments as they are`);
  const name = names[0]!;
  try {
    checkExecutorName(name);
  } catch (e) {
    throw baselineError(name, e);
  }
  if (executors.some((e) => executorKey(e) === executorKey(name))) {
    throw new UsageError(`--baseline ${name}: also named in --executor; the baseline is timed beside every executor, so name it in one of the two`);
  }
  return { name, label: name, threads: 1, onMainThread: EXECUTORS.get(name)?.parallel === false, ...words(name, name) };
}

/** A --baseline other than the default called `label` (a module by the name it declares), in the results and in what bench says of it. */
export function withLabel(baseline: Baseline, label: string): Baseline {
  return { ...baseline, label, ...words(baseline.name, label) };
}

/** What bench leaves out for the baseline `name` other than the default, said of it as `label`. */
function words(name: string, label: string): Pick<Baseline, 'notes' | 'noPrediction'> {
  const entry = EXECUTORS.get(name);
  const what = isExecCommand(name) ? 'an engine in another process' : entry === undefined ? 'a module, which may run its work on threads of its own' : 'a parallel executor, whose one thread is a worker';
  const notes = entry?.parallel === false ? [] : [
    `the baseline ${label} is not pinned to each CPU in turn, and no speedup over its fastest core is given: it is ${what}; pinning Concord's main thread does not pin it, and that thread's CPU is not the one it ran on`,
  ];
  const noPrediction = `no simulated scaling over the baseline ${label}: the models run Concord's VM and charge each run its gas at the baseline's time per gas (bench/simulate.ts), which holds for Concord's sequential executor alone`;
  return { notes, noPrediction };
}

/** An error met checking or loading the baseline as the usage error that names --baseline and its value. */
export function baselineError(name: string, e: unknown): UsageError {
  const message = errorText(e);
  // Most messages (no such module, a throw while loading) already name it.
  return new UsageError(`--baseline${message.includes(name) ? '' : ` ${name}`}: ${message}`);
}
