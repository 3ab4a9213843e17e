// How far a simulated point's calibration can be trusted, read from its record: fitted (its
// 2-thread point matches the measurement by construction), optimistic (a cost it could not fit is
// charged as nothing, or its fit stopped at the most it gives), or pessimistic (even charging
// nothing per handover, the model is slower than the measured 2-thread run by PESSIMISTIC_ABOVE or
// more, so nothing was fitted there and it matches nothing).
// Invariant: files written with any of bench's wordings read the same: the model's and the
// measured 2-thread times are read from the words, not from a phrase that changed.

/** The words bench (bench/prediction.ts machineSlowdown) puts in a model's description where it slowed every thread as the machine's measured ceiling shows. */
export const MACHINE_SLOWDOWN = "every thread's work slowed as the machine's ceiling measured";

/** The words bench puts there where the run measured a ceiling but its cores ran at unequal speeds, so the models charge none. */
export const MACHINE_NOT_CHARGED = "the machine's ceiling not charged";

/**
 * How a model treated the machine's measured ceiling: charged, not charged (unequal cores, its
 * words say why), or neither said (files from before bench charged it, or without a ceiling).
 */
export function machineCharge(model: string): 'charged' | 'not charged' | null {
  return model.includes(MACHINE_SLOWDOWN) ? 'charged' : model.includes(MACHINE_NOT_CHARGED) ? 'not charged' : null;
}

/** The words bench (bench/prediction.ts fitTransfer) puts in a model's description where the 2-thread model is slower than measured at no handover cost. */
export const SLOWER_AT_TWO = 'slower than measured at 2 threads even at no cost';

/**
 * The model's and the measured 2-thread times those words give: "... the model takes 2.36 ms at 2
 * threads, the measured 2.09 ms", in every wording bench has used ("at no cost the model already
 * takes 2.36 ms at 2 threads, the measured 2.09 ms or more" before SLOWER_AT_TWO).
 */
const TIMES_AT_TWO = /the model (?:already )?takes ([\d.]+) ms at 2 threads,? (?:against )?the measured ([\d.]+) ms/;

/**
 * A model slower than its measurement by less than this at 2 threads matches it within this
 * machine's noise: marking it pessimistic would flag figures that agree with what was measured.
 */
export const PESSIMISTIC_ABOVE = 1.05;

/** Whether a model's 2-thread point is slower than its measurement, by PESSIMISTIC_ABOVE or more, even at no handover cost. */
export function pessimistic(model: string): boolean {
  const times = TIMES_AT_TWO.exec(model);
  if (!times) return false;
  return Number(times[1]) >= PESSIMISTIC_ABOVE * Number(times[2]);
}

/**
 * Whether a model is optimistic beyond 1 thread: it charges nothing for a cost it could not fit
 * (its words say "not fitted"), or its cost per handover hit the most a fit gives while the
 * measurement was slower still ("the model is optimistic").
 */
export function optimistic(model: string): boolean {
  return model.includes('not fitted') || model.includes('the model is optimistic');
}
