// The trained affinity partitioner (impl/modular/partition.ts trainedPartitioner), checked without
// running the lanes: its table gives every key the module its placement's Map gives the key's
// entity, and hash's module to an entity the placement does not hold; it serves only the module
// count it was trained for (the executor refuses it at another before a worker starts); training
// reports how the placement did on its sample; a block placed by it executes as the reference does;
// and a user's module is never handed a placement among its settings.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Block } from '../spec/block.js';
import { executeReference } from '../spec/reference.js';
import { generate } from '../bench/workloads.js';
import { collectAccess } from '../impl/modular/access.js';
import { affinityPartitioner, entityOf, mixEntity, trainAffinity, type Placement } from '../impl/modular/partition.js';
import { createModularExecutor, ModularError } from '../impl/modular/executor.js';
import { createExecutor } from '../impl/registry.js';

const block = (w: string, seed: number, accounts = 200, txs = 400): Block => generate(w, { accounts, txs, seed, hashCost: 0 });

/** What the placement says of `key`: its entity's module, or hash's where it holds none. */
const byMap = (p: Placement, key: number): number => p.entityModule.get(entityOf(key)) ?? mixEntity(entityOf(key)) % p.modules;

describe('a trained affinity placement', () => {
  it('gives every key of later blocks its Map\'s module, and hash\'s to entities it never saw', () => {
    for (const w of ['p2p', 'token', 'amm', 'nft', 'defi']) {
      for (const modules of [1, 3, 8, 64]) {
        const placement = trainAffinity([block(w, 2), block(w, 3)], modules);
        // Twice the accounts of the sample: half the later block's entities were never seen.
        const later = block(w, 4, 400);
        const moduleOf = affinityPartitioner(placement).forBlock(later, modules);
        const a = collectAccess(later);
        let seen = 0;
        let unseen = 0;
        for (let s = 0; s < a.slots; s++) {
          const key = a.slotKey[s]!;
          const e = entityOf(key);
          expect(moduleOf(key), `${w} at ${modules} modules, key ${key}`).toBe(byMap(placement, key));
          if (placement.entityModule.has(e)) seen++;
          else {
            unseen++;
            expect(moduleOf(key)).toBe(mixEntity(e) % modules);
          }
        }
        expect(seen, `${w} at ${modules}`).toBeGreaterThan(0);
        if (w === 'p2p' || w === 'token') expect(unseen, `${w} at ${modules}`).toBeGreaterThan(0);
      }
    }
  });

  it('places an entity where training put it, not where hash would, and every field of it alike', () => {
    const placement = trainAffinity([block('defi', 2), block('defi', 3)], 8);
    const moved = [...placement.entityModule].filter(([e, m]) => mixEntity(e) % 8 !== m);
    // Otherwise the check above could not tell the table from hash.
    expect(moved.length).toBeGreaterThan(placement.entityModule.size / 2);
    const moduleOf = affinityPartitioner(placement).forBlock(block('defi', 9), 8);
    for (const [e, m] of moved) for (const field of [0, 1, 7, 15]) expect(moduleOf(e * 16 + field)).toBe(m);
  });

  it('reports how it and hash\'s placement cross modules on its sample', () => {
    const sample = [block('defi', 2), block('defi', 3)];
    const placement = trainAffinity(sample, 8);
    expect(placement.learned).toBe(true);
    // Every generated transaction declares keys.
    expect(placement.sampleTxs).toBe(800);
    expect(placement.crossTxs).toBeLessThan(placement.hashCrossTxs);
    // A two-account p2p sample is one chain: one module, crossing nothing.
    const pair = trainAffinity([generate('p2p', { accounts: 2, txs: 100, seed: 2, hashCost: 0 })], 8);
    expect([pair.crossTxs, new Set(pair.entityModule.values()).size]).toEqual([0, 1]);
  });

  it('serves only the module count it was trained for', async () => {
    const placement = trainAffinity([block('p2p', 2)], 4);
    const partition = affinityPartitioner(placement);
    expect(partition.modules).toBe(4);
    expect(() => partition.forBlock(block('p2p', 1), 8)).toThrow('affinity: the placement was trained for 4 modules, not 8; train it for 8');
    // Refused before any worker starts, naming both counts.
    await expect(createModularExecutor({ threads: 2, modules: 8, partition, warmUp: false })).rejects.toThrow(ModularError);
    await expect(createModularExecutor({ threads: 2, modules: 8, partition, warmUp: false }))
      .rejects.toThrow('modular: the partition\'s placement was trained for 4 modules, and the executor has 8: train it for 8, or give modules 4');
  });

  it('refuses a placement that puts an entity outside its modules', () => {
    expect(() => affinityPartitioner({ modules: 4, entityModule: new Map([[7, 4]]) })).toThrow('affinity: the placement puts entity 7 in module 4, outside 0..3');
    expect(() => affinityPartitioner({ modules: 0, entityModule: new Map() })).toThrow('a positive integer');
  });

  it('executes a later block as the reference does, through the registry', async () => {
    const later = block('defi', 5, 200, 600);
    const placement = trainAffinity([block('defi', 2, 200, 600), block('defi', 3, 200, 600)], 6);
    const executor = await createExecutor('modular', { threads: 2, modules: 6, partition: 'affinity', placement });
    try {
      const r = await executor.execute(later);
      const expected = executeReference(later);
      expect([r.stateRoot, r.receiptsRoot]).toEqual([expected.stateRoot, expected.receiptsRoot]);
      expect(r.stats.partition).toBe('affinity');
      // The placement was used, not learned from the block: its cross-module transactions are the placement's.
      const moduleOf = affinityPartitioner(placement).forBlock(later, 6);
      const a = collectAccess(later);
      let cross = 0;
      for (let i = 0; i < a.txs; i++) {
        const mods = new Set<number>();
        for (let e = a.txStart[i]!; e < a.txStart[i + 1]!; e++) mods.add(moduleOf(a.entryKey[e]!));
        if (mods.size > 1) cross++;
      }
      expect(r.stats.crossModuleTxs).toBe(cross);
    } finally {
      await executor.close();
    }
  });

  it('is never handed to a user\'s module among its settings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-placement-'));
    const file = join(dir, 'own.mjs');
    writeFileSync(file, 'export default (settings) => { globalThis.ownSettings = settings; return { name: "own", execute() { throw new Error("unused"); }, close() {} }; };\n');
    const placement = trainAffinity([block('p2p', 2)], 8);
    const executor = await createExecutor(file, { threads: 2, modules: 8, partition: 'affinity', placement });
    await executor.close();
    expect((globalThis as { ownSettings?: unknown }).ownSettings).toEqual({ threads: 2, modules: 8, partition: 'affinity' });
  });
});
