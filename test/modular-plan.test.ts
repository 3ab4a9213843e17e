// The modular executor's partitioners and lane plan, checked without running any transaction:
// partitions are total, balanced and keep entities whole; the lanes keep the protocol's
// invariants, and every access waits for exactly the earlier accesses the conflict table orders
// it after.
import { describe, expect, it } from 'vitest';
import type { Block } from '../spec/block.js';
import { ruleFor } from '../spec/conflicts.js';
import { generate } from '../bench/workloads.js';
import { AccessBuilder, allocateAccess, collectAccess, flatten } from '../impl/modular/access.js';
import { SlotTable } from '../impl/modular/slot-table.js';
import { COVERED, kindBit, KINDS } from '../impl/modular/order.js';
import { entityOf, partitionerFor, PARTITION_KINDS, affinityPartitioner, trainAffinity } from '../impl/modular/partition.js';
import { allocateLanes, LanePlanner, planBlock } from '../impl/modular/plan.js';
import { PlanScratch } from '../impl/modular/scratch.js';

const WORKLOADS = ['p2p', 'token', 'amm', 'nft', 'defi'] as const;
const small = (w: string, seed = 1): Block => generate(w, { accounts: 50, txs: 300, seed, hashCost: 0 });

function plan(block: Block, partition: string, modules: number, misroute = false): LanePlanner {
  return planBlock(block, { modules, moduleOf: partitionerFor(partition).forBlock(block, modules), misroute });
}

describe('access map', () => {
  it('resolves each key expression of a footprint once, its declared kinds merged', () => {
    const block = generate('p2p', { accounts: 50, txs: 10, seed: 1, hashCost: 0 });
    const flat = flatten(block)[0]!;
    const declared = block.programs[0]!.footprint!;
    // p2p declares the sender's nonce and balance and the receiver's balance, each as a read and a write.
    expect(declared.length).toBe(6);
    expect(flat.arg.length).toBe(3);
    expect([...flat.kind]).toEqual([0, 1, 2].map(() => kindBit('read') | kindBit('write')));
  });

  it('resolves footprints per transaction, one entry per distinct key, kinds merged', () => {
    const block = small('p2p');
    const a = collectAccess(block);
    const read = 1 << KINDS.indexOf('read');
    const write = 1 << KINDS.indexOf('write');
    for (let i = 0; i < block.txs.length; i++) {
      const [from, to] = block.txs[i]!.args;
      const keys = [...a.entryKey.subarray(a.txStart[i]!, a.txStart[i + 1]!)];
      expect(keys.sort((x, y) => x - y)).toEqual([to! * 16, from! * 16, from! * 16 + 1].sort((x, y) => x - y));
      for (let e = a.txStart[i]!; e < a.txStart[i + 1]!; e++) {
        expect(a.entryKinds[e]).toBe(read | write);
        expect(a.slotKey[a.entrySlot[e]!]).toBe(a.entryKey[e]);
      }
    }
  });

  it('merges a wide footprint\'s repeated expressions and keys as a narrow one does', () => {
    // 40 entries (past the width where repeats are found by name and by slot, not by scanning):
    // 20 keys, each declared as a read and again as a write; two expressions name one key.
    const keys = (arg: number) => Array.from({ length: 20 }, (_, k) => ({ key: { arg, mul: 16, add: 16 * k }, access: k % 2 ? 'read' as const : 'write' as const }));
    const flip = (arg: number) => keys(arg).map((e) => ({ ...e, access: e.access === 'read' ? 'write' as const : 'read' as const }));
    const wide = { name: 'wide', arity: 2, code: small('p2p').programs[0]!.code, footprint: [...keys(0), ...flip(0), { key: { arg: 1, mul: 0, add: 16 * 3 }, access: 'delta' as const, min: 0, max: 10 }] };
    const block: Block = { ...small('p2p'), programs: [wide], txs: [{ program: 0, args: [5, 0], gasLimit: 100_000 }, { program: 0, args: [6, 0], gasLimit: 100_000 }] };
    expect(flatten(block)[0]!.arg.length).toBe(21);
    const a = collectAccess(block);
    const rw = kindBit('read') | kindBit('write');
    for (const tx of [0, 1]) {
      const from = a.txStart[tx]!;
      // Its 20 accounts' balances read and written, and the delta on key 48 (args[1] * 0 + 48).
      expect([...a.entryKey.subarray(from, a.txStart[tx + 1]!)]).toEqual([...Array.from({ length: 20 }, (_, k) => (5 + tx + k) * 16), 48]);
      expect([...a.entryKinds.subarray(from, a.txStart[tx + 1]!)]).toEqual([...Array.from({ length: 20 }, () => rw), kindBit('delta')]);
    }
    // The two transactions share 19 of their accounts and the delta's key.
    expect(a.slots).toBe(22);
    // args [0, 0]: the delta's key 48 is account 3's balance, which the reads and writes name too.
    const b = collectAccess({ ...block, txs: [{ program: 0, args: [0, 0], gasLimit: 100_000 }] });
    expect([b.txStart[1], b.entryKinds[3]]).toEqual([20, rw | kindBit('delta')]);
  });

  it('marks programs without a footprint as barriers', () => {
    const block = small('token');
    const raw = { ...block, programs: [...block.programs, { name: 'raw', code: block.programs[0]!.code, arity: 3 }] };
    const b: Block = { ...raw, txs: [...block.txs.slice(0, 5), { ...block.txs[5]!, program: 1 }, ...block.txs.slice(6)] };
    const a = collectAccess(b);
    expect([...a.barrier].flatMap((x, i) => (x ? [i] : []))).toEqual([5]);
    expect(a.txStart[6]! - a.txStart[5]!).toBe(0);
  });

  it('slot table maps keys across the whole key range and grows', () => {
    const t = new SlotTable(2);
    const keys = [0, 1, 2 ** 31, 2 ** 32 - 1, 12345, 16 * 7 + 3];
    for (let k = 0; k < 1000; k++) keys.push(k * 16 + 5);
    keys.forEach((k, s) => expect(t.getOrInsert(k, s)).toBe(s));
    keys.forEach((k, s) => expect(t.get(k)).toBe(s));
    expect(t.get(99)).toBe(-1);
  });
});

describe('conflict table, as the plan reads it', () => {
  it('an access kind is covered only by declared kinds ordered with everything it is ordered with', () => {
    const bit = (k: string) => 1 << KINDS.indexOf(k as never);
    const orderedWith = (a: string) => KINDS.filter((b) => ruleFor(a as never, b).verdict !== 'commute');
    for (const d of KINDS) {
      for (const a of KINDS) {
        const expected = orderedWith(a).every((x) => orderedWith(d).includes(x));
        expect((COVERED[bit(d)]! & bit(a)) !== 0, `${a} under declared ${d}`).toBe(expected);
      }
    }
    // With today's table: a declared read covers only reads; write and delta cover everything.
    expect(COVERED[bit('read')]).toBe(bit('read'));
  });
});

describe('partitioners', () => {
  it.each(PARTITION_KINDS)('%s assigns every key a module and keeps entities whole', (kind) => {
    for (const w of WORKLOADS) {
      const block = small(w);
      const a = collectAccess(block);
      const moduleOf = partitionerFor(kind).forBlock(block, 5);
      const seen = new Map<number, number>();
      for (let s = 0; s < a.slots; s++) {
        const m = moduleOf(a.slotKey[s]!);
        expect(m).toBeGreaterThanOrEqual(0);
        expect(m).toBeLessThan(5);
        const e = entityOf(a.slotKey[s]!);
        expect(seen.get(e) ?? m).toBe(m);
        seen.set(e, m);
      }
    }
  });

  it('affinity cuts cross-module transactions against hash, and stays balanced', () => {
    // Transfers inside four clusters of accounts, plus a few across: the placement should find them.
    const block = generate('p2p', { accounts: 400, txs: 2000, seed: 4, hashCost: 0 });
    const clustered: Block = { ...block, txs: block.txs.map((tx, i) => {
      const [from, to, amount] = tx.args;
      const cluster = from! % 4;
      const dest = i % 50 === 0 ? to! : (to! - (to! % 4)) + cluster;
      return { ...tx, args: [from!, dest === from ? (dest + 4) % 400 : dest, amount!, 0] };
    }) };
    const hash = plan(clustered, 'hash', 4);
    const affinity = plan(clustered, 'affinity', 4);
    expect(hash.crossShare()).toBeGreaterThan(0.6);
    expect(affinity.crossShare()).toBeLessThan(0.1);
    expect(affinity.laneImbalance()).toBeLessThan(1.3);
  });

  it('affinity crosses modules no more than hash on every workload, keeps a hot spot\'s block in one module, and balances lanes', () => {
    for (const w of WORKLOADS) {
      for (const modules of [2, 4, 7, 16]) {
        const block = small(w);
        const hash = plan(block, 'hash', modules);
        const affinity = plan(block, 'affinity', modules);
        const what = `${w} at ${modules} modules`;
        expect(affinity.crossShare(), what).toBeLessThanOrEqual(hash.crossShare());
        // amm and nft: every transaction touches the one pool or collection, which orders them all
        // anyway; its traders join it rather than cross into other modules.
        if (w === 'amm' || w === 'nft') expect(affinity.crossShare(), what).toBe(0);
        else expect(affinity.crossShare(), what).toBeLessThan(hash.crossShare() - 0.1);
        expect(affinity.laneImbalance(), what).toBeLessThanOrEqual(Math.max(hash.laneImbalance(), 1.25) * 1.1);
      }
    }
    // Two accounts sending to each other: one chain, so one module, at any M.
    const pair = generate('p2p', { accounts: 2, txs: 300, seed: 1, hashCost: 0 });
    expect(plan(pair, 'affinity', 64).crossShare()).toBe(0);
  });

  it('affinity learns from wide footprints', () => {
    // 200 transactions of 1,000 keys each over overlapping entities: a clique per transaction
    // would be 200 million adjacency entries, past the test's time and memory; the star is 400,000.
    const base = small('p2p');
    const wide = { name: 'wide', arity: 1, code: base.programs[0]!.code, footprint: Array.from({ length: 1000 }, (_, k) => ({ key: { arg: 0, mul: 16, add: 16 * k }, access: 'write' as const })) };
    const block: Block = { ...base, programs: [wide], txs: Array.from({ length: 200 }, (_, i) => ({ program: 0, args: [i * 37], gasLimit: 100_000 })) };
    const moduleOf = partitionerFor('affinity').forBlock(block, 8);
    expect(moduleOf(16 * 37)).toBe(moduleOf(16 * 38));
  });

  it('a placement trained on a sample applies to later blocks, unseen entities by hash', () => {
    const sample = [small('defi', 1), small('defi', 2)];
    const placement = trainAffinity(sample, 4);
    const later = small('defi', 3);
    const a = collectAccess(later);
    const moduleOf = affinityPartitioner(placement).forBlock(later, 4);
    let known = 0;
    for (let s = 0; s < a.slots; s++) {
      const m = placement.entityModule.get(entityOf(a.slotKey[s]!));
      if (m === undefined) continue;
      expect(moduleOf(a.slotKey[s]!)).toBe(m);
      known++;
    }
    expect(known).toBeGreaterThan(0);
  });
});

describe('lane plan', () => {
  it.each(PARTITION_KINDS)('lanes hold every placed transaction once, ascending (%s)', (kind) => {
    for (const w of WORKLOADS) {
      const p = plan(small(w), kind, 3);
      const all: number[] = [];
      for (let m = 0; m < 3; m++) {
        const lane = p.lane(m);
        expect(lane).toEqual([...lane].sort((x, y) => x - y));
        for (const t of lane) expect(p.home[t]).toBe(m);
        all.push(...lane);
      }
      expect(all.sort((x, y) => x - y)).toEqual(Array.from({ length: p.home.length }, (_, i) => i));
    }
  });

  it('each access waits for exactly the earlier accesses to its key the conflict table orders it after', () => {
    // Hot keys, and (p2p over 100,000 accounts) keys so sparse that the key table grows mid-block.
    const blocks = [...WORKLOADS.map((w) => generate(w, { accounts: 12, txs: 150, seed: 9, hashCost: 0 })), generate('p2p', { accounts: 100_000, txs: 600, seed: 2, hashCost: 0 })];
    for (const [b, block] of blocks.entries()) {
      const w = `block ${b}`;
      const a = collectAccess(block);
      const kindsOf = (mask: number) => KINDS.filter((_, b) => mask & (1 << b));
      const history = new Map<number, number[]>();
      for (let e = 0; e < a.txStart[a.txs]!; e++) {
        const earlier = history.get(a.entryKey[e]!) ?? [];
        let last = -1;
        earlier.forEach((mask, s) => {
          const mustOrder = kindsOf(a.entryKinds[e]!).some((x) => kindsOf(mask).some((y) => ruleFor(x, y).verdict !== 'commute'));
          if (mustOrder) last = s;
        });
        expect(a.entryWait[e], `${w} entry ${e}`).toBe(last + 1);
        history.set(a.entryKey[e]!, [...earlier, a.entryKinds[e]!]);
      }
    }
  });

  it('reports the cross-module share and the lane imbalance', () => {
    const p = plan(small('amm'), 'hash', 4);
    // Every swap touches the one pool and a trader: the pool's module is every swap's home.
    expect(p.laneImbalance()).toBe(4);
    expect(plan(small('p2p'), 'hash', 1).crossShare()).toBe(0);
    // Over the lanes the block can fill, min(M, transactions): comparable across M.
    const five = generate('p2p', { accounts: 10_000, txs: 5, seed: 1, hashCost: 0 });
    const spread = plan(five, 'hash', 4096);
    // Each transaction counts 1: the imbalance is the heaviest lane's transactions (it read 819 or more over all 4,096 lanes).
    const heaviest = Math.max(...Array.from({ length: 4096 }, (_, m) => spread.lane(m).length));
    expect(heaviest).toBeLessThan(5);
    expect(spread.laneImbalance()).toBe(heaviest);
    expect(plan(five, 'hash', 1).laneImbalance()).toBe(1);
    // Two accounts, one module (affinity): all five in one lane.
    expect(plan(generate('p2p', { accounts: 2, txs: 5, seed: 1, hashCost: 0 }), 'affinity', 4096).laneImbalance()).toBe(5);
    expect(plan(small('p2p'), 'hash', 8).crossShare()).toBeGreaterThan(0.7);
  });

  it('the planted misroute bug drops the waits of cross-module transactions outside their home module', () => {
    const block = small('p2p');
    const honest = plan(block, 'hash', 4);
    const bugged = plan(block, 'hash', 4, true);
    const { txStart, entrySlot } = honest.access;
    let dropped = 0;
    for (let i = 0; i < block.txs.length; i++) {
      for (let e = txStart[i]!; e < txStart[i + 1]!; e++) {
        const away = honest.cross[i] === 1 && honest.moduleOfSlot[entrySlot[e]!] !== honest.home[i];
        expect(bugged.access.entryWait[e]).toBe(away ? 0 : honest.access.entryWait[e]);
        if (away && honest.access.entryWait[e]! > 0) dropped++;
      }
    }
    expect(dropped).toBeGreaterThan(0);
    expect([...bugged.home]).toEqual([...honest.home]);
  });
});

describe('plan scratch (arrays lent from block to block)', () => {
  it('lends zeroed views of exactly the asked length, growing when a block needs more', () => {
    const scratch = new PlanScratch();
    const a = scratch.int32('home', 100);
    a.fill(7);
    const b = scratch.int32('home', 40);
    expect([b.length, b.every((v) => v === 0), b.buffer]).toEqual([40, true, a.buffer]);
    const c = scratch.int32('home', 1000);
    expect([c.length, c.every((v) => v === 0), c.buffer === a.buffer]).toEqual([1000, true, false]);
    // Names are separate arrays.
    expect(scratch.uint8('cross', 10).buffer).not.toBe(scratch.uint8('barrier', 10).buffer);
    expect(scratch.float64('gasOf', 5)).toEqual(new Float64Array(5));
  });

  it('lends an emptied slot table when it has room, a new one when not', () => {
    const scratch = new PlanScratch();
    const t = scratch.slotTable(100);
    for (let k = 0; k < 150; k++) t.getOrInsert(k * 16, k);
    const again = scratch.slotTable(100);
    expect(again).toBe(t);
    expect([again.get(0), again.get(16 * 149)]).toEqual([-1, -1]);
    expect(scratch.slotTable(100_000)).not.toBe(t);
  });

  it('plans a block the same with lent arrays as with fresh ones, before and after another block', () => {
    const scratch = new PlanScratch();
    const a = generate('defi', { accounts: 300, txs: 900, seed: 5 });
    const b = generate('p2p', { accounts: 50, txs: 300, seed: 6 });
    const moduleOf = partitionerFor('hash').forBlock(a, 5);
    const fresh = planBlock(a, { modules: 5, moduleOf });
    const lentPlan = (block: Block) => new LanePlanner(new AccessBuilder(block, allocateAccess(block), scratch), { modules: 5, moduleOf }, allocateLanes(5, block.txs.length), scratch);
    for (const block of [a, b, a]) {
      const p = lentPlan(block);
      p.add(block.txs.length);
      if (block !== a) continue;
      expect(Array.from(p.home)).toEqual(Array.from(fresh.home));
      expect(Array.from(p.cross)).toEqual(Array.from(fresh.cross));
      expect(Array.from(p.access.entryWait)).toEqual(Array.from(fresh.access.entryWait));
      expect(Array.from({ length: 5 }, (_, m) => p.lane(m))).toEqual(Array.from({ length: 5 }, (_, m) => fresh.lane(m)));
    }
  });
});
