// Partition functions: which module owns each key of a block. Modules own whole entities (key =
// entity * STRIDE + field), so the fields of one account never straddle two modules.
//   hash:     a mixed hash of the entity, modulo M: balanced for any access pattern, blind to locality.
//   range:    M equal ranges of entity index between the lowest and highest entity the block
//             declares: keeps neighbours together, skewed when hot entities cluster.
//   affinity: places entities that transactions touch together in one module, balanced by load:
//             a streaming greedy pass (linear deterministic greedy) over the entity co-occurrence
//             graph, refined by balanced label propagation. Learned from the block itself, or
//             trained once on a sample of blocks and then fixed (unseen entities fall back to hash).
// Invariant: forBlock() is a pure function of its input (same block, same modules, same placement)
// whose result maps every key to a module in [0, modules), the same for every key of one entity.

import { flatKey, type Block } from '../../spec/block.js';
import { STRIDE } from '../../spec/contracts.js';
import { KEY_LIMIT } from '../../spec/values.js';
import { collectAccess, flatten, type AccessMap } from './access.js';
import { SlotTable } from './slot-table.js';

export const PARTITION_KINDS = ['hash', 'range', 'affinity'] as const;
export type PartitionKind = (typeof PARTITION_KINDS)[number];

/** The module of a key. */
export type ModuleOf = (key: number) => number;

export interface Partitioner {
  readonly kind: PartitionKind;
  /** The partition function for one block (range and affinity look at the block first). */
  forBlock(block: Block, modules: number): ModuleOf;
}

export const entityOf = (key: number): number => Math.floor(key / STRIDE);

/** A 32-bit integer mix (murmur3's finaliser), so consecutive entities spread over all modules. */
export function mixEntity(entity: number): number {
  let h = (entity ^ Math.floor(entity / 2 ** 32)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function hashPartitioner(): Partitioner {
  return {
    kind: 'hash',
    forBlock: (_block, modules) => (key) => mixEntity(entityOf(key)) % modules,
  };
}

/** The lowest and highest entity any transaction's footprint declares (one pass, no key table). */
function entityBounds(block: Block): [number, number] {
  const flat = flatten(block);
  let lo = Infinity;
  let hi = -Infinity;
  for (const tx of block.txs) {
    const f = flat[tx.program];
    if (!f) continue;
    for (let e = 0; e < f.arg.length; e++) {
      const key = flatKey(f.arg[e]!, f.mul[e]!, f.add[e]!, tx.args);
      if (!(key >= 0 && key < KEY_LIMIT)) continue;
      const entity = entityOf(key);
      if (entity < lo) lo = entity;
      if (entity > hi) hi = entity;
    }
  }
  return [lo, hi];
}

export function rangePartitioner(): Partitioner {
  return {
    kind: 'range',
    forBlock(block, modules) {
      const [lo, hi] = entityBounds(block);
      const span = hi - lo + 1;
      // Entities outside the declared bounds (only barriers' keys) clamp to the end modules.
      return (key) => Math.min(modules - 1, Math.max(0, Math.floor(((entityOf(key) - lo) * modules) / span)));
    },
  };
}

/** Load may exceed the even share by this fraction before a module stops taking entities. */
const SLACK = 0.05;
const REFINE_PASSES = 4;

/** The entity co-occurrence graph of an access map: nodes are entities, weighted by the transactions touching them. */
interface EntityGraph {
  readonly nodes: number;
  readonly nodeEntity: Float64Array;
  readonly weight: Float64Array;
  /** CSR adjacency; a pair touched together by k transactions appears k times. */
  readonly adjStart: Int32Array;
  readonly adj: Int32Array;
}

function entityGraph(map: AccessMap): EntityGraph {
  const nodeOfSlot = new Int32Array(map.slots);
  const table = new SlotTable(map.slots);
  let nodeEntity = new Float64Array(Math.max(16, map.slots));
  let nodes = 0;
  for (let s = 0; s < map.slots; s++) {
    const e = entityOf(map.slotKey[s]!);
    const v = table.getOrInsert(e, nodes);
    if (v === nodes) nodeEntity[nodes++] = e;
    nodeOfSlot[s] = v;
  }
  nodeEntity = nodeEntity.slice(0, nodes);
  const weight = new Float64Array(nodes);
  const degree = new Int32Array(nodes + 1);
  const seen: number[] = [];
  // Two passes over the transactions' distinct entities: count degrees, then fill adjacency.
  const eachTx = (visit: (tx: readonly number[]) => void) => {
    for (let i = 0; i < map.txs; i++) {
      seen.length = 0;
      for (let e = map.txStart[i]!; e < map.txStart[i + 1]!; e++) {
        const v = nodeOfSlot[map.entrySlot[e]!]!;
        if (!seen.includes(v)) seen.push(v);
      }
      if (seen.length > 0) visit(seen);
    }
  };
  eachTx((tx) => {
    for (const v of tx) {
      weight[v]!++;
      degree[v + 1]! += tx.length - 1;
    }
  });
  for (let v = 0; v < nodes; v++) degree[v + 1]! += degree[v]!;
  const adj = new Int32Array(degree[nodes]!);
  const fill = degree.slice(0, nodes);
  eachTx((tx) => {
    for (const v of tx) for (const u of tx) if (u !== v) adj[fill[v]!++] = u;
  });
  return { nodes, nodeEntity, weight, adjStart: degree, adj };
}

/** Module of every node: greedy streaming placement, then label-propagation moves that cut edges without breaking balance. */
function placeNodes(g: EntityGraph, modules: number): Int32Array {
  const place = new Int32Array(g.nodes).fill(-1);
  const load = new Float64Array(modules);
  let total = 0;
  for (let v = 0; v < g.nodes; v++) total += g.weight[v]!;
  const cap = ((1 + SLACK) * total) / modules;
  const conn = new Float64Array(modules);
  const connect = (v: number) => {
    conn.fill(0);
    for (let a = g.adjStart[v]!; a < g.adjStart[v + 1]!; a++) {
      const m = place[g.adj[a]!]!;
      if (m >= 0) conn[m]!++;
    }
  };
  // Linear deterministic greedy (Stanton & Kliot, KDD'12): neighbours already placed, damped by fullness.
  for (let v = 0; v < g.nodes; v++) {
    connect(v);
    let best = 0;
    let bestScore = -Infinity;
    for (let m = 0; m < modules; m++) {
      const score = conn[m]! * (1 - load[m]! / cap) - load[m]! / (cap * modules);
      if (score > bestScore) {
        bestScore = score;
        best = m;
      }
    }
    place[v] = best;
    load[best]! += g.weight[v]!;
  }
  for (let pass = 0; pass < REFINE_PASSES; pass++) {
    let moved = 0;
    for (let v = 0; v < g.nodes; v++) {
      connect(v);
      const here = place[v]!;
      let best = here;
      for (let m = 0; m < modules; m++) {
        if (conn[m]! > conn[best]! && load[m]! + g.weight[v]! <= cap) best = m;
      }
      if (best !== here) {
        load[here]! -= g.weight[v]!;
        load[best]! += g.weight[v]!;
        place[v] = best;
        moved++;
      }
    }
    if (moved === 0) break;
  }
  return place;
}

/** A fixed placement of entities, trained on a sample of blocks. */
export interface Placement {
  readonly modules: number;
  readonly entityModule: ReadonlyMap<number, number>;
}

/** Learns a placement from the co-occurrence of entities across a sample of blocks. */
export function trainAffinity(sample: readonly Block[], modules: number): Placement {
  const merged: Block = {
    programs: sample.flatMap((b) => b.programs),
    txs: sample.flatMap((b, k) => {
      const offset = sample.slice(0, k).reduce((n, p) => n + p.programs.length, 0);
      return b.txs.map((tx) => ({ ...tx, program: tx.program + offset }));
    }),
    preState: new Map(),
    gasLimit: 0,
  };
  return learn(collectAccess(merged), modules);
}

/** Learns a placement from one block's access map. */
function learn(map: AccessMap, modules: number): Placement {
  const g = entityGraph(map);
  const place = placeNodes(g, modules);
  const entityModule = new Map<number, number>();
  for (let v = 0; v < g.nodes; v++) entityModule.set(g.nodeEntity[v]!, place[v]!);
  return { modules, entityModule };
}

/** Affinity placement: from `placement` when trained on a sample, otherwise learned from each block as it is executed. */
export function affinityPartitioner(placement?: Placement): Partitioner {
  return {
    kind: 'affinity',
    forBlock(block, modules) {
      const p = placement && placement.modules === modules ? placement : learn(collectAccess(block), modules);
      return (key) => {
        const e = entityOf(key);
        return p.entityModule.get(e) ?? mixEntity(e) % modules;
      };
    },
  };
}

export function partitionerFor(kind: string): Partitioner {
  switch (kind) {
    case 'hash':
      return hashPartitioner();
    case 'range':
      return rangePartitioner();
    case 'affinity':
      return affinityPartitioner();
    default:
      throw new Error(`unknown partition "${kind}" (known: ${PARTITION_KINDS.join(', ')})`);
  }
}
