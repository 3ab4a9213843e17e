// The lying-footprints check: equivalence on blocks whose declared footprints lie
// (footprint-lies.ts), for the built-in executors and the planted bugs. Footprints are promises,
// not facts (issue 6): an executor that plans by them must catch a transaction touching a key
// outside its footprint as it runs and still give the reference's result. Block-STM uses them only
// to size its buffers, for its preflight and to load only the declared keys of a large pre-state,
// and claims no report, so it is held to the result alone; the modular executor plans its lanes by
// them and claims to report every such access (undeclared-report.ts), so a run of it must also
// report exactly what the reference execution made outside its footprints, a right result with a
// missing report being a run that was right by luck. Half the blocks carry FILLER pre-state entries
// no transaction touches but a stray read (footprint-lies.ts), which take Block-STM's load of the
// declared keys alone; a stray read there is of a value it did not load, so it must reload. One
// block in ten is large and contended (footprint-lies.ts lyingBlocksArb), so that the preflight
// sends it to the sequential executor, whose watch must report what the lanes would.
// Your own executors are not held to it: docs/block-format.md lets an executor trust a footprint,
// and a block that lies misleads it through no fault of its own (footprint-escape.ts).
// Invariant: as every check's, run() returns false exactly when it recorded a failure for that run;
// the block, its lies and its filler are a pure function of the input, so a token replays them.

import fc from 'fast-check';
import type { BlockResult } from '../spec/block.js';
import { executeReference } from '../spec/reference.js';
import { PRE_STATE_KINDS, withPreState, type PreStateKind } from '../spec/shared-state.js';
import { EXECUTORS } from '../impl/registry.js';
import { checkBlocks, checkRun, EQUIVALENCE_TXS, preStateSetting, THREADS, type CheckDef, type Subject } from './equivalence.js';
import type { BlockSpec } from './arbitraries.js';
import { FILLER, lyingBlock, lyingBlocksArb } from './footprint-lies.js';
import { reportMismatch, undeclaredAccesses } from './undeclared-report.js';
import { PLANTED_PREFIX, TOKEN_VERSION } from './replay.js';

/** The executors that claim to report an access outside a declared footprint: the modular executor and its planted bugs. */
function owesReport(subject: Subject): boolean {
  return subject.simulated?.kind === 'modular';
}

/**
 * The check's own block sizes; a run given --txs draws every block at that size, and no large ones
 * (footprint-lies.ts lyingBlocksArb). Nor do the planted bugs: they run on the simulated runtime,
 * where no preflight sends a block away, and shrinking a large block there cost `verify --planted
 * --runs 50` 22 s more (20 s before, on a loaded machine).
 */
const LYING_TXS = { min: 1, max: EQUIVALENCE_TXS } as const;

export const lyingFootprintsCheck: CheckDef = {
  name: 'lying-footprints', txs: LYING_TXS, runsFactor: 0.1,
  applies: (subject) => EXECUTORS.has(subject.name) || subject.name.startsWith(PLANTED_PREFIX),
  inputs: (txs, subject, version = TOKEN_VERSION) => {
    const large = txs.min === LYING_TXS.min && txs.max === LYING_TXS.max && !subject.name.startsWith(PLANTED_PREFIX);
    return fc.tuple(lyingBlocksArb(checkBlocks(txs), txs.max, version, large), fc.constantFrom(0, FILLER), fc.constantFrom(...(subject.threadCounts ?? THREADS)), fc.constantFrom(...PRE_STATE_KINDS));
  },
  run: async (subject, o, input) => {
    const [spec, filler, threads, kind] = input as readonly [BlockSpec, number, number, PreStateKind];
    o.blocks++;
    const block = withPreState(lyingBlock(spec, filler), kind);
    const setting = `threads ${threads}${filler > 0 ? `, ${filler} pre-state entries no footprint declares` : ''}${preStateSetting(kind)}`;
    let actual: BlockResult | undefined;
    const seen: Subject = { ...subject, execute: async (b, t) => (actual = await subject.execute(b, t)) };
    if (!(await checkRun(seen, o, spec, block, executeReference(block), threads, setting))) return false;
    if (!owesReport(subject)) return true;
    const explanation = reportMismatch(block, undeclaredAccesses(block), actual!);
    if (!explanation) return true;
    o.fail({ spec, block, setting, threads, explanation });
    return false;
  },
};
