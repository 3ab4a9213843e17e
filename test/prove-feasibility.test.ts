// Path feasibility and time budgets in `concord prove`: forward branches that cannot both happen
// are pruned instead of multiplying into thousands of paths, a loop bounded by a free argument
// reaches the step limit in seconds rather than an hour, a claim never outlives its wall-clock
// budget (exploration here; a solver call in prove-budget.test.ts), and pruning never drops a
// path some input takes: checked against the real VM with pruning forced on, and with z3
// answering unknown.

import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assemble, type ReadableOp } from '../spec/bytecode.js';
import { runClaims, type Claim } from '../spec/smt/claims.js';
import { contractClaims } from '../spec/smt/contract-claims.js';
import { EXPLORE_LIMITS, ExplorationLimit, World, explore, type Path } from '../spec/smt/symvm.js';
import { closeZ3, openZ3, valueOf, type Z } from '../spec/smt/z3.js';
import { MAX_VALUE } from '../spec/values.js';
import { newOutcome, runTransaction, TxStatus } from '../spec/vm.js';

let z: Z;
beforeAll(async () => {
  z = await openZ3();
});
afterAll(closeZ3);

const saved = { ...EXPLORE_LIMITS };
afterEach(() => {
  Object.assign(EXPLORE_LIMITS, saved);
});

/** `while (i < n) i++; emit i`, n the only argument: bounded by nothing. */
const countTo: ReadableOp[] = [
  ['const', 'r1', 0], ['label', 'l'], ['lt', 'r2', 'r1', 'r0'], ['not', 'r2', 'r2'], ['jumpi', 'r2', 'end'],
  ['addi', 'r1', 'r1', 1], ['jump', 'l'], ['label', 'end'], ['emit', 'r1'],
];

/** The same loop after `if (n > 50) revert 1`. */
const countToChecked: ReadableOp[] = [['const', 'r3', 50], ['lt', 'r2', 'r3', 'r0'], ['jumpi', 'r2', 'bad'], ...countTo, ['stop'], ['label', 'bad'], ['revert', 1]];

/** `if (a < k) skip` for k = 0..n-1, counting the ifs not skipped in r3: n + 1 feasible paths of 2^n. */
function ladder(n: number): ReadableOp[] {
  const ops: ReadableOp[] = [['const', 'r1', 0]];
  for (let k = 0; k < n; k++) ops.push(['lt', 'r2', 'r0', 'r1'], ['jumpi', 'r2', `L${k}`], ['addi', 'r3', 'r3', 1], ['label', `L${k}`], ['addi', 'r1', 'r1', 1]);
  return [...ops, ['emit', 'r3']];
}

function claimOf(name: string, ops: ReadableOp[]): Claim {
  return contractClaims({ name, params: ['n'], code: assemble(ops), footprint: [], invariants: [] }, String)[0]!;
}

/** Checks each input against the real VM: exactly one path is taken, with the VM's status, code, gas and outputs. */
async function agrees(world: World, paths: readonly Path[], code: Float64Array, sym: readonly ReturnType<World['value']>[], inputs: readonly (readonly number[])[]): Promise<void> {
  const s = new z.Solver();
  s.add(...world.assumptions);
  for (const args of inputs) {
    const out = runTransaction(code, args, MAX_VALUE, { read: () => 0 }, newOutcome());
    s.push();
    s.add(...sym.map((x, i) => x.eq(args[i] ?? 0)), ...world.baseKeys.map((k) => world.stateAt(k).eq(0)));
    expect(await s.check()).toBe('sat');
    const m = s.model();
    const taken = paths.filter((p) => z.isTrue(m.eval(p.cond, true)));
    expect({ args, taken: taken.length }).toEqual({ args, taken: 1 });
    const p = taken[0]!;
    expect({
      args, status: p.status === 'success' ? TxStatus.Success : TxStatus.Reverted, code: p.code, gas: p.gas,
      outputs: p.status === 'success' ? p.outputs.map((o) => Number(valueOf(z, m, o))) : [],
    }).toEqual({ args, status: out.status, code: out.code, gas: out.gasUsed, outputs: out.outputs.slice(0, out.outputCount) });
    s.pop();
  }
}

describe('forward branches', () => {
  it('are pruned when infeasible: 40 ifs on one argument give its 41 paths, not "more than 2000 paths"', async () => {
    const code = assemble(ladder(40));
    const run = async () => {
      const world = new World(z);
      const sym = [world.value('a')];
      return { world, sym, ...(await explore(world, code, sym, world.initial())) };
    };
    // The first paths, explored before pruning starts, may include some no input takes.
    const { world, sym, paths } = await run();
    expect(paths.length).toBeLessThanOrEqual(41 + EXPLORE_LIMITS.pruneAfter);
    await agrees(world, paths, code, sym, [-1, 0, 1, 2, 20, 38, 39, 40, MAX_VALUE].map((a) => [a]));
    EXPLORE_LIMITS.pruneAfter = 0;
    expect((await run()).paths).toHaveLength(41);
  });

  it('cost no solver call while an exploration is small (the library\'s stay as they were)', async () => {
    const world = new World(z);
    let calls = 0;
    const feasible = world.feasible.bind(world);
    world.feasible = (conds, hint) => (calls++, feasible(conds, hint));
    const { paths } = await explore(world, assemble(ladder(5)), [world.value('a')], world.initial());
    expect({ calls, paths: paths.length }).toEqual({ calls: 0, paths: 32 });
  });

  it('keep every path some input takes, with pruning on from the first branch (random programs against the VM)', async () => {
    EXPLORE_LIMITS.pruneAfter = 0;
    const small = fc.integer({ min: -4, max: 4 });
    const reg = fc.integer({ min: 0, max: 3 }).map((r) => `r${r}`);
    const programArb = fc.integer({ min: 2, max: 10 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => fc.oneof(
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom('add', 'sub', 'mul', 'div', 'lt', 'le', 'eq'), reg, reg, reg) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('addi'), reg, reg, small) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('not'), reg, reg) },
      { weight: 3, arbitrary: fc.tuple(fc.constant('jumpi'), reg, fc.integer({ min: i + 1, max: n })) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('revert'), fc.integer({ min: 0, max: 3 })) },
    ))).map((ops) => [...ops, ['emit', 'r2'], ['emit', 'r3']]) as fc.Arbitrary<ReadableOp[]>);
    await fc.assert(fc.asyncProperty(programArb, fc.array(fc.tuple(small, small), { minLength: 4, maxLength: 4 }), async (ops, inputs) => {
      const code = assemble(ops);
      const world = new World(z);
      const sym = [world.value('a0'), world.value('a1')];
      const { paths } = await explore(world, code, sym, world.initial());
      await agrees(world, paths, code, sym, inputs);
    }), { numRuns: 60, seed: 20260211 });
  });

  it('keep a branch z3 cannot decide (a * b = a large prime), and drop one it refutes (a * b = 4)', async () => {
    EXPLORE_LIMITS.pruneAfter = 0;
    const hits = async (product: number) => {
      const ops: ReadableOp[] = [
        ['const', 'r2', 3], ['lt', 'r3', 'r0', 'r2'], ['jumpi', 'r3', 'out'], ['lt', 'r3', 'r1', 'r2'], ['jumpi', 'r3', 'out'],
        ['mul', 'r4', 'r0', 'r1'], ['const', 'r5', product], ['eq', 'r6', 'r4', 'r5'], ['jumpi', 'r6', 'hit'], ['stop'],
        ['label', 'hit'], ['emit', 'r6'], ['label', 'out'],
      ];
      const world = new World(z);
      const { paths } = await explore(world, assemble(ops), [world.value('a'), world.value('b')], world.initial());
      return paths.filter((p) => p.outputs.length === 1).length;
    };
    // Refuting a * b = 4 takes z3 a moment, which a busy machine must not turn into a timeout.
    expect(await hits(4)).toBe(0);
    EXPLORE_LIMITS.forwardMs = 50;
    expect(await hits(4_503_599_627_370_449)).toBe(1);
  });
});

describe('loops', () => {
  it('bounded by an unchecked argument: unknown at the step limit in seconds (it took an hour)', async () => {
    const [r] = await runClaims(z, [claimOf('cnt', countTo)]);
    // The reason names the loop: its instructions (bytecode 1 to 5: lt, not, jumpi, addi, jump) and how often the path passed it.
    expect(r).toMatchObject({ result: 'unknown' });
    expect(r!.reason).toMatch(new RegExp(`^exploration stopped: a path longer than ${EXPLORE_LIMITS.steps} instructions, in a loop over instruction 1 to instruction 5, passed 4,000 times on one path \\(a loop bounded only by gas`));
    expect(r!.ms).toBeLessThan(60_000);
  }, 120_000);

  it('bounded only by gas, reading one key each pass: unknown at the step limit within seconds, naming the loop as the file numbers it', async () => {
    // A READ of one key each pass split off the same bad-key fault each pass, and the claim spent its whole budget.
    const spin = { name: 'spin', params: ['k'], code: assemble([['label', 'top'], ['read', 'r1', 'r0'], ['jump', 'top']]), codeIndex: [1, 2], footprint: [{ key: { arg: 0, add: 0 }, access: 'read' as const }], invariants: [] };
    const [r] = await runClaims(z, [contractClaims(spin, String)[0]!], undefined, 30_000);
    expect(r).toMatchObject({ result: 'unknown' });
    expect(r!.reason).toMatch(/^exploration stopped: a path longer than 20000 instructions, in a loop over code\[1\] to code\[2\], passed 10,000 times on one path/);
    expect(r!.ms).toBeLessThan(20_000);
  }, 60_000);

  it('bounded by a check: exactly the paths inputs take, though the loop is checked only now and then', async () => {
    const code = assemble(countToChecked);
    const world = new World(z);
    const sym = [world.value('n')];
    const { paths } = await explore(world, code, sym, world.initial());
    // n <= 0, n = 1..50, n > 50.
    expect(paths).toHaveLength(52);
    await agrees(world, paths, code, sym, [[-5], [0], [1], [2], [31], [32], [33], [49], [50], [51], [MAX_VALUE]]);
  });

  it('report a path past the step limit only if some input takes it', async () => {
    const run = () => {
      const world = new World(z);
      return explore(world, assemble(countToChecked), [world.value('n')], world.initial());
    };
    // n = 50 runs 259 instructions; the paths past it, which run on unchecked to the loop's next checkpoint, are dropped.
    EXPLORE_LIMITS.steps = 259;
    expect((await run()).paths).toHaveLength(52);
    EXPLORE_LIMITS.steps = 258;
    await expect(run()).rejects.toThrow(ExplorationLimit);
  });
});

describe('faults', () => {
  /** if (a < 0 || a > cap) revert 1; for (i = 0; i < 300; i++) acc += a; emit acc (no cap: only a < 0 reverts). */
  const sum = (cap: number | null): ReadableOp[] => [
    ...(cap === null ? [] : [['const', 'r3', cap], ['lt', 'r2', 'r3', 'r0'], ['jumpi', 'r2', 'bad']] as ReadableOp[]),
    ['const', 'r3', 0], ['lt', 'r2', 'r0', 'r3'], ['jumpi', 'r2', 'bad'],
    ['const', 'r1', 0], ['const', 'r4', 0], ['const', 'r5', 300],
    ['label', 'l'], ['lt', 'r2', 'r4', 'r5'], ['not', 'r2', 'r2'], ['jumpi', 'r2', 'end'],
    ['add', 'r1', 'r1', 'r0'], ['addi', 'r4', 'r4', 1], ['jump', 'l'], ['label', 'end'], ['emit', 'r1'], ['stop'], ['label', 'bad'], ['revert', 1],
  ];

  it('no input reaches are no paths once an exploration has grown: a bounded sum over a long loop ends, where it ran out of paths', async () => {
    // Every pass's add may overflow as far as the simplifier can tell, but acc <= 30,000 never does.
    const code = assemble(sum(100));
    EXPLORE_LIMITS.paths = 200;
    const world = new World(z);
    const sym = [world.value('n')];
    const { paths } = await explore(world, code, sym, world.initial());
    // Before the exploration grew to pruneAfter, faults were split off unchecked, as they always were.
    expect(paths.length).toBeLessThan(EXPLORE_LIMITS.pruneAfter + 4);
    expect(paths.filter((p) => p.status === 'success')).toHaveLength(1);
    await agrees(world, paths, code, sym, [[-1], [0], [7], [100], [101]]);
  });

  it('some input reaches are kept, found reachable once and split off unchecked after that', async () => {
    // Unbounded a overflows in some pass for every a > MAX_VALUE / 300.
    const code = assemble(sum(null));
    const world = new World(z);
    const sym = [world.value('n')];
    const { paths } = await explore(world, code, sym, world.initial());
    expect(paths.filter((p) => p.status === 'reverted' && p.code !== 1).length).toBeGreaterThanOrEqual(299);
    await agrees(world, paths, code, sym, [[-1], [0], [2 ** 40], [Math.floor(MAX_VALUE / 2)], [MAX_VALUE]]);
  });

  it('a check z3 cannot decide keeps the fault', async () => {
    const code = assemble(sum(100));
    const world = new World(z);
    world.feasible = async () => ({ answer: 'unknown', witness: undefined });
    const sym = [world.value('n')];
    const { paths } = await explore(world, code, sym, world.initial());
    // Every pass's overflow is split off, as before faults were checked: one path each.
    expect(paths.filter((p) => p.status === 'reverted' && p.code !== 1)).toHaveLength(300);
  });
});

describe('the time budget per claim', () => {
  it('stops an exploration no limit stops, as unknown naming the budget, and shows progress while it runs', async () => {
    EXPLORE_LIMITS.steps = Number.MAX_SAFE_INTEGER;
    EXPLORE_LIMITS.paths = Number.MAX_SAFE_INTEGER;
    const items: string[] = [];
    const [r] = await runClaims(z, [claimOf('cnt', countTo)], (_done, _of, item) => items.push(item), 2_500);
    expect(r).toMatchObject({ result: 'unknown' });
    // Out of time in a loop: the reason says which, as the step limit's does.
    expect(r!.reason).toMatch(/^the claim's time budget of 2\.5 s ran out, exploring a loop over instruction 1 to instruction 5, passed [\d,]+ times on one path \(/);
    expect(r!.ms).toBeGreaterThanOrEqual(2_500);
    expect(r!.ms).toBeLessThan(20_000);
    expect(items[0]).toBe('cnt: footprint sound');
    expect(items.some((i) => /^cnt: footprint sound \(\d s, at most 2\.5 s\)$/.test(i))).toBe(true);
  }, 60_000);
});
