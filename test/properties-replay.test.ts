// Replay tokens and the seed/shard arithmetic: tokens round-trip and reject damage, a cv3_ token's
// digest covers its whole run, cv2_ and cv1_ tokens still read as they did, and the shards of a run together
// cover exactly its batches, each once. The commands a failure prints rerun the failing call as it
// was, and the blocks of two executors never overwrite each other.
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  blockDigest, decodeToken, digestMatches, encodeToken, replayCommand, ReplayTokenError, runDigest, sealToken, type ReplayToken, type ShrinkStep, type Shrunk, type TokenFields, type TokenV1, type TokenVersion,
} from '../properties/replay.js';
import { passedSharedText, rerunCommand } from '../properties/report.js';
import { commandFor } from '../properties/printed-command.js';
import { batchSeed, shardBatches, writeExecutorBlock } from '../properties/runner.js';
import { BATCH } from '../properties/verify-limits.js';
import { bigBlocksCheck, determinismCheck, equivalenceCheck, type CheckDef, type Subject } from '../properties/equivalence.js';
import { executeReference } from '../spec/reference.js';
import { FIELD, MAX_SUPPLY } from '../spec/contracts.js';
import { FAULT } from '../spec/values.js';
import { buildBlock } from '../properties/arbitraries.js';

const fields: TokenFields = { executor: './my executor.js', check: 'interleaving', minTxs: 1, maxTxs: 40, seed: -123, path: '4:0:2' };
/** A run as a token's digest sees it: a block spec (any JSON here) and the check's settings after it. */
const run = [{ txs: [{ program: 0 }] }, { kind: 'pct', seed: 7, threads: 2 }] as const;
const sealed = sealToken(fields, [[0, 0], [3, 1]], undefined, run);

describe('replay tokens', () => {
  it('round-trip and make one shell-safe word', () => {
    expect(decodeToken(encodeToken(sealed))).toEqual(sealed);
    expect(encodeToken(sealed)).toMatch(/^cv8_[A-Za-z0-9_-]+$/);
    for (const version of [2, 3, 4, 5, 6, 7] as const) {
      const older = sealToken(fields, [[0, 0], [3, 1]], undefined, run, version);
      expect(decodeToken(encodeToken(older))).toEqual(older);
      expect(encodeToken(older)).toMatch(new RegExp(`^cv${version}_[A-Za-z0-9_-]+$`));
    }
    expect(replayCommand(sealed)).toBe(`npx concord verify --replay ${encodeToken(sealed)}`);
  });

  // The digest covered the shrunk block alone: a token with a step of its path removed by hand
  // rebuilt that block at another thread count and replayed it as the failure.
  it('seal a cv8_ token with a digest of the run it replays, thread count or schedule included, and of every other field but the executor', () => {
    expect(digestMatches(sealed, run)).toBe(true);
    expect(digestMatches(sealed, [run[0], { ...run[1], threads: 4 }])).toBe(false);
    expect(digestMatches(sealToken(fields, [], undefined, [run[0], 1]), [run[0], 2])).toBe(false);
    expect(digestMatches(sealed, [{ txs: [] }, run[1]])).toBe(false);
    const changed: ReplayToken[] = [
      { ...sealed, check: 'equivalence' }, { ...sealed, minTxs: 2 }, { ...sealed, maxTxs: 41 }, { ...sealed, seed: -124 }, { ...sealed, path: '4:0' },
      { ...sealed, failsOnly: 'sometimes' }, { ...sealed, minimized: [[0, 0]] }, { ...sealed, shrunk: { ...sealed.shrunk, capped: 'attempts' } }, { ...sealed, failure: 'hang' },
    ];
    for (const t of changed) expect(digestMatches(decodeToken(encodeToken(t)), run), JSON.stringify(t)).toBe(false);
    // The executor is what the replay is given, by the caller: the run is the same.
    expect(digestMatches({ ...sealed, executor: 'test:mine' }, run)).toBe(true);
    expect(sealed.shrunk.digest).toBe(runDigest(sealed, undefined, run));
    expect(sealToken(fields, [], 'time', run).shrunk).toEqual({ digest: runDigest({ ...fields, minimized: [] }, 'time', run), capped: 'time' });
  });

  // verify --modules/--partition: a failure on an executor made otherwise is another run, which a
  // replay at the defaults would not repeat (a modular schedule draws its modules and partition).
  it('carry the settings the executor was made with since cv5_, covered by the digest, and read the tokens made before them', () => {
    const settings = { modules: 4, partition: 'my range' };
    const made = sealToken({ ...fields, settings }, [[0, 0]], undefined, run);
    expect(decodeToken(encodeToken(made))).toEqual(made);
    expect(replayCommand(made)).toBe(`npx concord verify --replay ${encodeToken(made)}`);
    expect(digestMatches(made, run)).toBe(true);
    for (const other of [{ modules: 4 }, { modules: 5, partition: 'my range' }, undefined]) {
      expect(digestMatches({ ...made, ...(other ? { settings: other } : { settings: undefined }) }, run), JSON.stringify(other)).toBe(false);
    }
    // A token without settings keeps the digest it had before they were recorded.
    const none = sealToken(fields, [[0, 0]], undefined, run);
    expect(none.shrunk.digest).toBe(sealToken(fields, [[0, 0]], undefined, run, 4).shrunk.digest);
    expect(decodeToken(encodeToken(none))).toEqual(none);
    // Settings that are none ({}, a helper's factory given no settings) are no field of the word, nor of the digest.
    const empty = sealToken({ ...fields, settings: {} }, [[0, 0]], undefined, run);
    expect(empty.shrunk.digest).toBe(none.shrunk.digest);
    expect(digestMatches(decodeToken(encodeToken(empty)), run)).toBe(true);
    const word = (prefix: string, parts: unknown[]) => `${prefix}${Buffer.from(JSON.stringify(parts)).toString('base64url')}`;
    const whole = [fields.executor, fields.check, 1, 40, -123, '4:0:2', 0, '0', made.shrunk.digest];
    expect(decodeToken(word('cv8_', [...whole, settings]))).toEqual(made);
    expect(decodeToken(word('cv7_', [...whole, settings]))).toEqual({ ...made, version: 7 });
    expect(decodeToken(word('cv6_', [...whole, settings]))).toEqual({ ...made, version: 6 });
    expect(decodeToken(word('cv5_', [...whole, settings]))).toEqual({ ...made, version: 5 });
    // Before cv5_ no token had them; and settings that are none, or no settings, are damage.
    for (const bad of [{}, { modules: 0 }, { modules: 1.5 }, { partition: '' }, { partition: 3 }, { modules: 4, threads: 2 }, [4], 'range', null]) {
      for (const prefix of ['cv8_', 'cv7_', 'cv6_', 'cv5_']) expect(() => decodeToken(word(prefix, [...whole, bad])), `${prefix} ${JSON.stringify(bad)}`).toThrow(/damaged/);
    }
    expect(() => decodeToken(word('cv4_', [...whole, settings]))).toThrow(/damaged/);
  });

  it('replay an executor only the vitest helper holds through the helper, never through a command', () => {
    expect(replayCommand({ ...sealed, executor: 'test:sequential' })).toBe(`verifyExecutor(executor, { replay: '${encodeToken({ ...sealed, executor: 'test:sequential' })}' })`);
  });

  it('refuse a cv8_, cv7_, cv6_, cv5_, cv4_, cv3_ or cv2_ token without its steps and digest, which a cv1_ token may lack', () => {
    const word = (prefix: string, parts: unknown[]) => `${prefix}${Buffer.from(JSON.stringify(parts)).toString('base64url')}`;
    const head = [fields.executor, fields.check, 1, 40, -123, '4:0:2'];
    for (const tail of [[], [1], [0, '0.2-1']]) {
      for (const prefix of ['cv8_', 'cv7_', 'cv6_', 'cv5_', 'cv4_', 'cv3_', 'cv2_']) expect(() => decodeToken(word(prefix, [...head, ...tail])), `${prefix} ${JSON.stringify(tail)}`).toThrow(/damaged/);
      expect(decodeToken(word('cv1_', [...head, ...tail])).version).toBe(1);
    }
    expect(decodeToken(word('cv8_', [...head, 0, '0.2-1', sealed.shrunk.digest]))).toEqual(sealed);
    expect(decodeToken(word('cv7_', [...head, 0, '0.2-1', sealed.shrunk.digest]))).toEqual({ ...sealed, version: 7 });
    expect(decodeToken(word('cv6_', [...head, 0, '0.2-1', sealed.shrunk.digest]))).toEqual({ ...sealed, version: 6 });
    expect(decodeToken(word('cv5_', [...head, 0, '0.2-1', sealed.shrunk.digest]))).toEqual({ ...sealed, version: 5 });
    expect(decodeToken(word('cv4_', [...head, 0, '0.2-1', sealed.shrunk.digest]))).toEqual({ ...sealed, version: 4 });
    expect(decodeToken(word('cv3_', [...head, 0, '0.2-1', sealed.shrunk.digest]))).toEqual({ ...sealed, version: 3 });
    expect(decodeToken(word('cv2_', [...head, 0, '0.2-1', sealed.shrunk.digest]))).toEqual({ ...sealed, version: 2 });
    expect(() => decodeToken('cv9_AAAA')).toThrow(/^--replay: "cv9_AAAA" is not a replay token \(they start with cv8_, or cv7_, cv6_, cv5_, cv4_, cv3_, cv2_ or cv1_ for older ones\)$/);
  });
});

/** A token as Concord made it before cv2_, as CI logs hold them. */
const token: TokenV1 = { ...fields, version: 1 };

describe('version 1 replay tokens (cv1_)', () => {
  it('still round-trip as they were written', () => {
    expect(decodeToken(encodeToken(token))).toEqual(token);
    expect(encodeToken(token)).toMatch(/^cv1_[A-Za-z0-9_-]+$/);
  });

  it('match a run by its block alone, or, without a digest, any', () => {
    const withDigest: TokenV1 = { ...token, minimized: [], shrunk: { digest: blockDigest(run[0]) } };
    expect(digestMatches(withDigest, [run[0], { ...run[1], threads: 4 }])).toBe(true);
    expect(digestMatches(withDigest, [{ txs: [] }, run[1]])).toBe(false);
    expect(digestMatches(token, [{ txs: [] }])).toBe(true);
  });

  it('reject what they did not produce', () => {
    const good = encodeToken(token);
    // A character more, or one the decoder skips, decodes to the same token: it is refused all the same.
    for (const bad of ['', 'abc', good.slice(0, -3), 'cv1_!!!!', `cv1_${Buffer.from('[1,2]').toString('base64url')}`, `${good}x`, `${good}==`, `${good.slice(0, 10)}!${good.slice(10)}`]) {
      expect(() => decodeToken(bad)).toThrow(ReplayTokenError);
    }
    const wrongCheck = `cv1_${Buffer.from(JSON.stringify(['x', 7, 1, 5, 1, '0'])).toString('base64url')}`;
    expect(() => decodeToken(wrongCheck)).toThrow(/damaged/);
    // Whole, of a check another version has: said so, not called damaged.
    const newer = `cv1_${Buffer.from(JSON.stringify(['x', 'nope', 1, 5, 1, '0'])).toString('base64url')}`;
    expect(() => decodeToken(newer)).toThrow(/^--replay: the token is of a check this version of Concord does not have \("nope"; it has equivalence, vm-corners, determinism, big-blocks, empty-block, interleaving, exhaustive, lying-footprints\): replay it with the version that printed it$/);
    for (const mark of [0, 3, 1.5, '1']) {
      const wrongMark = `cv1_${Buffer.from(JSON.stringify(['x', 'equivalence', 1, 5, 1, '0', mark])).toString('base64url')}`;
      expect(() => decodeToken(wrongMark), String(mark)).toThrow(/damaged/);
    }
  });

  it('carry why a failure may pass alone, and read the tokens made before that mark', () => {
    for (const failsOnly of ['after earlier blocks', 'sometimes'] as const) {
      const marked: ReplayToken = { ...token, failsOnly };
      expect(decodeToken(encodeToken(marked))).toEqual(marked);
    }
    const older = `cv1_${Buffer.from(JSON.stringify([token.executor, token.check, token.minTxs, token.maxTxs, token.seed, token.path])).toString('base64url')}`;
    expect(older).toBe(encodeToken(token));
    expect(decodeToken(older)).toEqual(token);
  });

  it('carry the steps the shrinking kept, as a short word, and refuse a damaged one', () => {
    const shrunk: ReplayToken = { ...token, minimized: [[0, 0], [3, 2], [4, 0], [399, 0]] };
    expect(decodeToken(encodeToken(shrunk))).toEqual(shrunk);
    expect(JSON.parse(Buffer.from(encodeToken(shrunk).slice(4), 'base64url').toString())).toEqual([...JSON.parse(Buffer.from(encodeToken(token).slice(4), 'base64url').toString()), 0, '0.2-2.0.ay']);
    expect(decodeToken(encodeToken({ ...shrunk, failsOnly: 'sometimes' }))).toEqual({ ...shrunk, failsOnly: 'sometimes' });
    // No step kept is a trace too: the replay then runs the block at the path, unshrunk.
    expect(decodeToken(encodeToken({ ...token, minimized: [] }))).toEqual({ ...token, minimized: [] });
    const body = (trace: unknown, mark: unknown = 0) => `cv1_${Buffer.from(JSON.stringify([token.executor, token.check, 1, 40, -123, '4:0:2', mark, trace])).toString('base64url')}`;
    for (const bad of ['0.', '.0', '0-0', '0-', 'A', '0..1', 7, null]) expect(() => decodeToken(body(bad)), String(bad)).toThrow(/damaged/);
    expect(() => decodeToken(body('0', 3))).toThrow(/damaged/);
    // Any attempt number and alternative round-trips, not only those the shrinker makes today.
    for (const minimized of [[[0, 10]], [[2_000_000, 0], [2_000_001, 12]]] as ShrinkStep[][]) expect(decodeToken(encodeToken({ ...token, minimized }))).toEqual({ ...token, minimized });
  });

  it('carry the shrunk block\'s digest and what stopped its shrinking, and refuse a damaged one', () => {
    for (const shrunk of [{ digest: '0123456789ab' }, { digest: 'ba9876543210', capped: 'attempts' }, { digest: 'ffffffffffff', capped: 'time' }] as Shrunk[]) {
      const t: ReplayToken = { ...token, minimized: [[1, 0]], shrunk };
      expect(decodeToken(encodeToken(t))).toEqual(t);
    }
    const body = (shrunk: unknown) => `cv1_${Buffer.from(JSON.stringify([token.executor, token.check, 1, 40, -123, '4:0:2', 0, '1', shrunk])).toString('base64url')}`;
    for (const bad of ['0123456789a', '0123456789abx', '0123456789AB', '', 7]) expect(() => decodeToken(body(bad)), String(bad)).toThrow(/damaged/);
  });
});

describe('the commands a failure prints', () => {
  // A failure at 4 threads alone passes when rerun without them.
  it('rerun a block at the thread count of the failing call, where the executor takes one', () => {
    expect(rerunCommand('out/x.block.json', './mine.mjs', 4)).toBe('npx concord run out/x.block.json --executor ./mine.mjs --threads 4 --warmup 0 --check');
    expect(rerunCommand('out/x.block.json', 'block-stm', 2)).toBe('npx concord run out/x.block.json --executor block-stm --threads 2 --warmup 0 --check');
    // `concord run` refuses --threads for the one-thread built-ins.
    expect(rerunCommand('out/x.block.json', 'sequential', 4)).toBe('npx concord run out/x.block.json --executor sequential --warmup 0 --check');
    // A simulated run has virtual workers, not a thread count.
    expect(rerunCommand('out/x.block.json', './mine.mjs')).toBe('npx concord run out/x.block.json --executor ./mine.mjs --warmup 0 --check');
    // A failure on an instance's 37th call (bench) is rerun with as many calls; run checks the last.
    expect(rerunCommand('out/x.block.json', './mine.mjs', 2, 37)).toBe('npx concord run out/x.block.json --executor ./mine.mjs --threads 2 --repeat 37 --warmup 0 --check');
    // A failure that needs the blocks before it runs them first, from the file verify wrote.
    expect(rerunCommand('out/x.block.json', './mine.mjs', 2, 1, 'shared', 'out/my x.earlier.json'))
      .toBe('npx concord run out/x.block.json --pre-state shared --after \'out/my x.earlier.json\' --executor ./mine.mjs --threads 2 --warmup 0 --check');
    // An executor verify made with --modules or --partition is made so again.
    expect(rerunCommand('out/x.block.json', 'modular', 2, 1, 'map', undefined, { modules: 3, partition: 'range' }))
      .toBe('npx concord run out/x.block.json --executor modular --modules 3 --partition range --threads 2 --warmup 0 --check');
    expect(rerunCommand('out/x.block.json', './mine.mjs', 2, 1, undefined, undefined, { partition: 'by owner' }))
      .toBe('npx concord run out/x.block.json --executor ./mine.mjs --partition \'by owner\' --threads 2 --warmup 0 --check');
  });

  // A module's one executor object gave verify no fresh instance: a replay in a fresh process that
  // passed said "no longer fails" of a failure that may need the blocks before it.
  it('never call the failure of a module\'s one executor object gone when its replay passes', () => {
    const text = passedSharedText('obj (./obj.mjs)', { ...fields, version: 1 }, 3);
    expect(text).toMatch(/^replayed obj \(\.\/obj\.mjs\) interleaving seed -123 path 4:0:2: the block passed all 3 runs, but the module exports one executor object, /);
    expect(text).toMatch(/passing alone does not make the failure gone: rerun the whole verify/);
  });

  // From a folder no project of which has Concord, `npx concord` would fetch the registry's package
  // of that name, another program than the one that printed the command.
  it('begin with npx concord only where that runs this Concord, and with node and its path elsewhere', () => {
    const cli = realpathSync(fileURLToPath(new URL('../dist/cli/concord.js', import.meta.url)));
    const repo = fileURLToPath(new URL('..', import.meta.url));
    expect(commandFor(undefined, repo)).toBe('npx concord');
    expect(commandFor('/usr/lib/node_modules/vitest/vitest.mjs', tmpdir())).toBe('npx concord');
    expect(commandFor(cli, repo)).toBe('npx concord');
    expect(commandFor(cli, join(repo, 'docs'))).toBe('npx concord');
    const outside = mkdtempSync(join(tmpdir(), 'concord-outside-'));
    expect(commandFor(cli, outside)).toBe(`node ${cli}`);
    // A project whose node_modules/.bin/concord is this Concord (npm links it so), and one whose is another's.
    const project = mkdtempSync(join(tmpdir(), 'concord-project-'));
    mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(project, 'package.json'), '{}');
    symlinkSync(cli, join(project, 'node_modules', '.bin', 'concord'));
    expect(commandFor(join(project, 'node_modules', '.bin', 'concord'), join(project))).toBe('npx concord');
    const other = mkdtempSync(join(tmpdir(), 'concord-other-'));
    mkdirSync(join(other, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(other, 'node_modules', '.bin', 'concord'), '#!/bin/sh\n');
    expect(commandFor(cli, other)).toBe(`node ${cli}`);
  });

  it('name block files so that two modules of one file name keep their own, under the same name every run', () => {
    const out = mkdtempSync(join(tmpdir(), 'concord-blocks-'));
    const here = writeExecutorBlock(out, './badroot.mjs', 'equivalence-1', {});
    const there = writeExecutorBlock(out, './sub/badroot.mjs', 'equivalence-1', {});
    expect(here).not.toBe(there);
    expect(basename(here)).toMatch(/^badroot\.mjs-[0-9a-f]{8}-equivalence-1\.block\.json$/);
    expect(writeExecutorBlock(out, './badroot.mjs', 'equivalence-1', {})).toBe(here);
    expect(writeExecutorBlock(out, 'badroot.mjs', 'equivalence-1', {})).toBe(here);
    expect(basename(writeExecutorBlock(out, 'block-stm', 'hung', {}))).toBe('block-stm-hung.block.json');
  });
});

describe('seeds and shards', () => {
  it('split a run so the shards together run every batch exactly once', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 9 }), (runs, n) => {
      const all = shardBatches(runs);
      const parts = Array.from({ length: n }, (_, i) => shardBatches(runs, { index: i + 1, count: n })).flat().sort((a, b) => a - b);
      return all.length === Math.ceil(runs / BATCH) && JSON.stringify(parts) === JSON.stringify(all);
    }), { seed: 3, numRuns: 200 });
  });

  it('give neighbouring seeds disjoint batch seeds', () => {
    const a = new Set(Array.from({ length: 100 }, (_, b) => batchSeed(1, b)));
    const b = Array.from({ length: 100 }, (_, i) => batchSeed(2, i));
    expect(b.some((s) => a.has(s))).toBe(false);
    for (const s of b) expect(Number.isInteger(s)).toBe(true);
  });
});

// Each token replays the inputs of its version, what the checks drew when it was made.
describe('the inputs each token version replays', () => {
  const subject: Subject = { name: 'reference', coverage: [], execute: async (block) => executeReference(block), close: async () => {} };
  const draw = (check: CheckDef, runs: number, version?: TokenVersion) => fc.sample(check.inputs(check.txs, subject, version), { seed: 5, numRuns: runs });

  it('big blocks: 2, 4, 8 or 16 threads and a pre-state kind; before cv3_, 2, 4 or 8 and none', () => {
    const now = draw(bigBlocksCheck, 40);
    expect(new Set(now.map((i) => i[1]))).toEqual(new Set([2, 4, 8, 16]));
    expect(new Set(now.map((i) => i[2]))).toEqual(new Set(['map', 'shared']));
    const before = draw(bigBlocksCheck, 40, 2);
    expect(new Set(before.map((i) => i[1]))).toEqual(new Set([2, 4, 8]));
    expect(new Set(before.map((i) => i.length))).toEqual(new Set([2]));
  });

  it('equivalence and determinism: since cv3_ the same blocks and thread counts as before, then a pre-state kind', () => {
    for (const check of [equivalenceCheck, determinismCheck]) {
      const v3 = draw(check, 100, 3);
      expect(v3.map((i) => i.slice(0, -1)), check.name).toEqual(draw(check, 100, 2));
      expect(new Set(v3.map((i) => i[i.length - 1])), check.name).toEqual(new Set(['map', 'shared']));
    }
  });

  // Before cv4_ the contracts' counters started at 0 in every block: nft-mint's supply bound
  // (MAX_SUPPLY) was never met, nor a counter's other values.
  it('since cv4_, pre-states that set the contracts\' counters, the supply near its bound, so nft-mints revert on it', () => {
    const counters = new Set(['supply', 'nfts', 'round', 'treasury', 'handoffs'].map((f) => FIELD[f as keyof typeof FIELD]));
    const drawnCounters = (version: TokenVersion) => draw(equivalenceCheck, 300, version).flatMap(([spec]) => spec.pre.filter((e) => counters.has(e.field)));
    expect(drawnCounters(3)).toEqual([]);
    const now = drawnCounters(4);
    expect(new Set(now.map((e) => e.field))).toEqual(counters);
    expect(now.some((e) => e.field === FIELD.supply && e.value >= MAX_SUPPLY - 3)).toBe(true);
    // A mint reverted by the supply's bound, in blocks as the check draws them.
    const mintsCapped = draw(equivalenceCheck, 300).filter(([spec]) => {
      const block = buildBlock(spec);
      const r = executeReference(block);
      return block.txs.some((tx, i) => block.programs[tx.program]?.contract?.name === 'nft-mint' && r.receipts[i]?.status === 'reverted' && r.receipts[i]?.code === FAULT.DELTA_BOUND);
    });
    expect(mintsCapped.length).toBeGreaterThan(0);
  });
});
