// How far a simulated point's calibration can be trusted, read from its record: fitted (its
// 2-thread point matches the measurement by construction), optimistic (a cost it could not fit is
// charged as nothing), or pessimistic (even charging nothing per handover, the model is slower
// than the measured 2-thread run, so nothing was fitted there and it matches nothing).
// Invariant: a file written before the pessimistic case had words of its own reads the same as
// one after: bench/prediction.ts's "at no cost the model already takes ... at 2 threads" says it too.

/** The words bench (bench/prediction.ts fitTransfer) puts in a model's description where the 2-thread model is slower than measured at no handover cost. */
export const SLOWER_AT_TWO = 'slower than measured at 2 threads even at no cost: pessimistic';

/** What bench/prediction.ts fitTransfer wrote in that case in files from before SLOWER_AT_TWO. */
const SLOWER_AT_TWO_BEFORE = /at no cost the model already takes [\d.]+ ms at 2 threads/;

/** Whether a model's 2-thread point is slower than its measurement even at no handover cost. */
export function pessimistic(model: string): boolean {
  return model.includes(SLOWER_AT_TWO) || SLOWER_AT_TWO_BEFORE.test(model);
}

/** Whether a model charges nothing for a cost it could not fit (its words say "not fitted"), which makes it optimistic beyond 1 thread. */
export function optimistic(model: string): boolean {
  return model.includes('not fitted');
}
