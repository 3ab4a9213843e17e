// verify with a placement file (--placement FILE): a failure's replay token names the placement by
// its file's digest, which the replay checks (another file or none is refused, exit 2, naming the
// digest and the file given), while a token made before tokens named placements replays as it did;
// and the simulated modular schedules place by the placement, as the executor's threads do.
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPlacement, savePlacement } from '../cli/placement-file.js';
import { affinityPartitioner, type Placement } from '../impl/modular/partition.js';
import { runModularSimulated } from '../impl/modular/simulate.js';
import { checkedBlock, type CheckInput, type Subject } from '../properties/equivalence.js';
import { decodeToken, digestMatches, encodeToken, replayCommand, sealToken, type PartitionSettings, type TokenFields } from '../properties/replay.js';
import { newObserver } from '../properties/runner.js';
import { interleavingCheck, modularStepBudget, type ScheduleSpec } from '../properties/simulated.js';
import { executorSource } from '../properties/subjects.js';
import type { BlockSpec } from '../properties/arbitraries.js';
import type { TrainingRecord } from '../reports/schema.js';
import { capturedVerify } from './verify-capture.js';

const dir = mkdtempSync(join(tmpdir(), 'concord-placement-token-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const verify = capturedVerify(join(dir, 'out'));

const MODULES = 4;
/** A placement file of `modules` modules whose entity e goes to module (e + shift) % modules: a table no block's own affinity learns. */
async function placementFile(name: string, shift: number, modules = MODULES): Promise<Placement> {
  const entityModule = new Map(Array.from({ length: 256 }, (_, e) => [e, (e + shift) % modules] as const));
  const record: TrainingRecord = {
    blocks: 1, txs: 10, firstSeed: 2, workload: { name: 'p2p', accounts: 10, txs: 10, hashCost: 0 }, modules, entities: entityModule.size, ms: 1, learned: true, crossShare: 0.5, hashCrossShare: 0.5,
  };
  const path = join(dir, name);
  savePlacement(path, { modules, entityModule }, record);
  return (await readPlacement(path, '--placement')).placement;
}

/** The interleaving check's subject for modular made with `settings`, as verify makes it (its execute() unused here). */
function modularSubject(settings: PartitionSettings): Subject {
  const gate = executorSource('modular', settings).gate!;
  return { ...gate, settings, execute: () => Promise.reject(new Error('not called')), close: async () => {} };
}

const TXS = { min: 1, max: 40 };
const SEED = 5;

/**
 * The interleaving input at fast-check's path "0" of `SEED` for `subject`, as a replay of a token
 * without minimize() steps rebuilds it (below 2^32, a key's runs are fast-check's own seed's).
 */
function firstInput(subject: Subject, version?: number): CheckInput {
  let found: CheckInput | undefined;
  fc.check(fc.property(interleavingCheck.inputs(TXS, subject, version), (input) => {
    found = input;
    return false;
  }), { seed: SEED, path: '0', endOnFailure: true });
  return found!;
}

/** The token of a failure of the interleaving check on `subject` at path "0" of SEED, sealed as verify seals one of `version` (drawn as that version draws). */
function tokenFor(subject: Subject, version?: number): string {
  const fields: TokenFields = { executor: 'modular', check: 'interleaving', minTxs: TXS.min, maxTxs: TXS.max, seed: SEED, path: '0', settings: subject.settings! };
  return encodeToken(sealToken(fields, [], undefined, firstInput(subject, version), version));
}

describe('a verify replay token of an executor made with a placement file', () => {
  it('names the placement by its file\'s digest, covered by the token\'s digest, and a token of one without it as before', async () => {
    const placement = await placementFile('named.json', 0);
    const settings = { modules: MODULES, partition: 'affinity', placement };
    const fields: TokenFields = { executor: 'modular', check: 'interleaving', minTxs: 1, maxTxs: 40, seed: 7, path: '2:0', settings };
    const run = [{ txs: [] }, { kind: 'pct' }] as const;
    const made = sealToken(fields, [[0, 0]], undefined, run);
    expect(made.placement).toBe(placement.sha256!.slice(0, 12));
    const read = decodeToken(encodeToken(made));
    expect(read).toEqual({ ...made, settings: { modules: MODULES, partition: 'affinity' } });
    expect(digestMatches(read, run)).toBe(true);
    // Cut out by hand, or changed, the placement makes the run another one: its digest no longer matches.
    const { placement: _cut, ...unnamed } = read;
    expect(digestMatches(unnamed, run)).toBe(false);
    expect(digestMatches({ ...read, placement: '0123456789ab' }, run)).toBe(false);
    expect(replayCommand(made)).toBe(`npx concord verify --replay ${encodeToken(made)} --placement ${placement.file!}`);
    // A placement no file holds (trained in this process, or unnamed for an older token's replay) is no part of the token:
    // the word is the one Concord made before tokens named placements (under the version it makes now).
    const { sha256: _sha, ...inProcess } = placement;
    const older = sealToken({ ...fields, settings: { ...settings, placement: { ...inProcess, entityModule: new Map([[0, 1]]), file: 'p.json' } } }, [[0, 0]], undefined, run);
    expect(encodeToken(older)).toBe('cv8_WyJtb2R1bGFyIiwiaW50ZXJsZWF2aW5nIiwxLDQwLDcsIjI6MCIsMCwiMCIsIjlmZDFhNDk5ZTZmMiIseyJtb2R1bGVzIjo0LCJwYXJ0aXRpb24iOiJhZmZpbml0eSJ9XQ');
    expect(decodeToken(encodeToken(older)).placement).toBeUndefined();
  });

  it('refuses a placement digest that is no digest, or beside settings no placement makes', () => {
    const word = (element: object) => `cv5_${Buffer.from(JSON.stringify(['modular', 'interleaving', 1, 40, 7, '2:0', 0, '0', '9fd1a499e6f2', element])).toString('base64url')}`;
    expect(decodeToken(word({ modules: 4, partition: 'affinity', placement: '0123456789ab' })).placement).toBe('0123456789ab');
    for (const bad of [
      { modules: 4, partition: 'affinity', placement: '0123456789' }, { modules: 4, partition: 'affinity', placement: '0123456789AB' }, { modules: 4, partition: 'affinity', placement: 12 },
      { modules: 4, partition: 'hash', placement: '0123456789ab' }, { partition: 'affinity', placement: '0123456789ab' }, { placement: '0123456789ab' },
    ]) expect(() => decodeToken(word(bad)), JSON.stringify(bad)).toThrow(/damaged/);
  });

  it('replays with the file it names, and refuses another file, of the same module count or not, or none, naming the digest and the file', async () => {
    const placement = await placementFile('right.json', 0);
    const other = await placementFile('other.json', 1);
    const wider = await placementFile('wider.json', 0, MODULES + 2);
    const token = tokenFor(modularSubject({ modules: MODULES, partition: 'affinity', placement }));
    const digest = placement.sha256!.slice(0, 12);
    const replayed = await verify({ replay: token, placement: placement.file! });
    expect(replayed, replayed.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(replayed.stdout).toMatch(/^replayed modular interleaving seed 5 path 0: the counterexample no longer fails\n$/);
    expect(await verify({ replay: token })).toEqual({
      code: 2, stdout: '',
      stderr: `concord verify: --replay: the token's failure was found on modular placed by the placement file of sha256 ${digest}…, and no --placement is given: `
        + 'give that file with --placement FILE, as the replay line printed with the token does\n',
    });
    for (const wrong of [other, wider]) {
      expect(await verify({ replay: token, placement: wrong.file! }), wrong.file).toEqual({
        code: 2, stdout: '',
        stderr: `concord verify: --replay: the token's failure was found on modular placed by the placement file of sha256 ${digest}…, `
          + `not by --placement ${wrong.file!} (sha256 ${wrong.sha256!.slice(0, 12)}…): give the placement file the failing verify was given\n`,
      });
    }
  }, 60_000);

  it('made before tokens named placements (cv5_), still replays beside the file given, which it cannot check, and says so', async () => {
    const placement = await placementFile('older.json', 0);
    const { sha256: _sha, ...unnamed } = placement;
    // As Concord made it before: no digest of the placement, and schedules that learned affinity from each block.
    const token = tokenFor(modularSubject({ modules: MODULES, partition: 'affinity', placement: unnamed }), 5);
    expect(decodeToken(token).placement).toBeUndefined();
    const replayed = await verify({ replay: token, placement: placement.file! });
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stderr).toBe(`concord verify: --replay: a cv5_ token names no placement file (every cv6_ or later token of one does, and only some cv5_ tokens), so whether its failure was found with one is unknown: `
      + `replaying with --placement ${placement.file!} (sha256 ${placement.sha256!.slice(0, 12)}…), unchecked against the token; without --placement its affinity partition learns each block's placement\n`);
    expect(replayed.stdout).toMatch(/the counterexample no longer fails\n$/);
  }, 60_000);

  it('of partition affinity that names no placement (cv6_ or later), made without one, refuses a file given to it', async () => {
    const placement = await placementFile('unasked.json', 0);
    const token = tokenFor(modularSubject({ modules: MODULES, partition: 'affinity' }));
    expect(decodeToken(token)).toMatchObject({ version: 8, settings: { modules: MODULES, partition: 'affinity' } });
    expect(await verify({ replay: token, placement: placement.file! })).toEqual({
      code: 2, stdout: '',
      stderr: `concord verify: --replay: the token's failure was found on modular made with --modules ${MODULES} --partition affinity and no placement file `
        + '(a cv8_ token names the one its executor was made with, and this one names none): its affinity partition learned each block\'s placement; give --replay without --placement\n',
    });
  });
});

describe('verify\'s simulated modular schedules with a placement file', () => {
  /** The cross-module transactions of the simulated run of `input` under `partition`. */
  const crossing = (input: CheckInput, partition: Parameters<typeof runModularSimulated>[1]['partition']): number => {
    const [spec, s] = input as readonly [BlockSpec, ScheduleSpec];
    const block = checkedBlock(spec, input[2] as Parameters<typeof checkedBlock>[1]);
    const run = runModularSimulated(block, { threads: s.threads, modules: s.modules, partition, schedule: s.kind, seed: s.seed, pctDepth: s.depth, maxSteps: modularStepBudget(block.txs.length, s.threads, s.modules) });
    return Number(run.result.stats.crossModuleTxs);
  };

  it('place by the placement, as the executor\'s threads do; without a digest to name it, each learns from its block as before', async () => {
    const placement = await placementFile('simulated.json', 0);
    const named = modularSubject({ modules: MODULES, partition: 'affinity', placement });
    const { sha256: _sha, ...inProcess } = placement;
    const unnamed = modularSubject({ modules: MODULES, partition: 'affinity', placement: inProcess });
    // A block whose transactions cross modules otherwise by the placement than by what affinity learns from it.
    const inputs = fc.sample(interleavingCheck.inputs(TXS, named), { seed: 11, numRuns: 50 }) as CheckInput[];
    const input = inputs.find((i) => crossing(i, affinityPartitioner(placement)) !== crossing(i, 'affinity'));
    expect(input, 'an input on which the placement and the block\'s own affinity cross differently').toBeDefined();
    expect((input![1] as ScheduleSpec).partition).toBe('affinity');
    const counted = async (subject: Subject) => {
      const o = newObserver(subject);
      expect(await interleavingCheck.run(subject, o, input!)).toBe(true);
      return o.coverage['cross-module transaction'];
    };
    expect(await counted(named)).toBe(crossing(input!, affinityPartitioner(placement)));
    expect(await counted(unnamed)).toBe(crossing(input!, 'affinity'));
  });
});
