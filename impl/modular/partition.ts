// Partition functions: which module owns each key of a block. Modules own whole entities (key =
// entity * STRIDE + field), so the fields of one account never straddle two modules.
//   hash:     a mixed hash of the entity, modulo M: balanced for any access pattern, blind to locality.
//   range:    M equal ranges of entity index between the lowest and highest entity the block
//             declares: keeps neighbours together, skewed when hot entities cluster.
//   affinity: places entities that transactions touch together in one module, balanced by lane load:
//             a streaming greedy pass (linear deterministic greedy) over the entity co-occurrence
//             graph (each transaction a star around the entity it is homed by), refined by
//             capped label propagation, kept only where it crosses modules no more than hash does.
//             Learned from the block itself, or trained once on a sample of blocks and then fixed
//             (unseen entities fall back to hash), read through a table built once.
// Invariant: forBlock() is a pure function of its input (same block, same modules, same placement)
// whose result maps every key to a module in [0, modules), the same for every key of one entity;
// a trained placement serves only the module count it was trained for.

import { flatKey, type Block } from '../../spec/block.js';
import { STRIDE } from '../../spec/contracts.js';
import { KEY_LIMIT } from '../../spec/values.js';
import { collectAccess, flatten, type AccessMap } from './access.js';
import { SlotTable } from './slot-table.js';

export const PARTITION_KINDS = ['hash', 'range', 'affinity'] as const;
export type PartitionKind = (typeof PARTITION_KINDS)[number];
/** The partition the modular executor (and its simulation) takes where none is given. */
export const DEFAULT_PARTITION: PartitionKind = 'hash';

/** The module of a key. */
export type ModuleOf = (key: number) => number;

export interface Partitioner {
  readonly kind: PartitionKind;
  /** The module count a fixed (trained) placement was made for; the executor refuses it at another. Absent: any. */
  readonly modules?: number;
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

/** A module's lane load may exceed the even share by this fraction (when no single chain is longer). */
const SLACK = 0.1;
const REFINE_PASSES = 8;

/**
 * The entities of an access map as a graph, linear in the footprints. Each transaction has an
 * anchor, the entity holding most of its keys (ties: the entity more transactions touch, then the
 * first), which is where plan.ts will home it when its entities share a module; the transaction
 * links its anchor to each of its other entities (a star, not a clique: a transaction stays in one
 * module exactly when every one of its entities joins its anchor).
 */
interface EntityGraph {
  readonly nodes: number;
  readonly nodeEntity: Float64Array;
  /** entity -> node, for the key lookups of the block's partition function. */
  readonly nodeOf: SlotTable;
  /** Transactions anchored at each node: the lane load it brings to its module. */
  readonly load: Float64Array;
  /** Transactions touching each node: they keep block order whatever the placement. */
  readonly touches: Float64Array;
  /** CSR adjacency of the stars, both ways; a pair linked by k transactions appears k times. */
  readonly adjStart: Int32Array;
  readonly adj: Int32Array;
  /** Each transaction's distinct nodes [txStart[i], txStart[i + 1]) and its keys on each. */
  readonly txStart: Int32Array;
  readonly txNode: Int32Array;
  readonly txKeys: Int32Array;
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
  // Each transaction's distinct nodes: `mark` says which transaction last saw a node, `at` where.
  const entries = map.txStart[map.txs]!;
  const txStart = new Int32Array(map.txs + 1);
  const txNode = new Int32Array(entries);
  const txKeys = new Int32Array(entries);
  const mark = new Int32Array(nodes).fill(-1);
  const at = new Int32Array(nodes);
  const touches = new Float64Array(nodes);
  let count = 0;
  for (let i = 0; i < map.txs; i++) {
    for (let e = map.txStart[i]!; e < map.txStart[i + 1]!; e++) {
      const v = nodeOfSlot[map.entrySlot[e]!]!;
      if (mark[v] === i) {
        txKeys[at[v]!]!++;
        continue;
      }
      mark[v] = i;
      at[v] = count;
      txNode[count] = v;
      txKeys[count++] = 1;
      touches[v]!++;
    }
    txStart[i + 1] = count;
  }
  const load = new Float64Array(nodes);
  const anchor = new Int32Array(map.txs).fill(-1);
  const degree = new Int32Array(nodes + 1);
  for (let i = 0; i < map.txs; i++) {
    const s0 = txStart[i]!;
    const s1 = txStart[i + 1]!;
    if (s0 === s1) continue;
    let best = s0;
    for (let k = s0 + 1; k < s1; k++) {
      if (txKeys[k]! > txKeys[best]! || (txKeys[k] === txKeys[best] && touches[txNode[k]!]! > touches[txNode[best]!]!)) best = k;
    }
    const a = txNode[best]!;
    anchor[i] = best;
    load[a]!++;
    degree[a + 1]! += s1 - s0 - 1;
    for (let k = s0; k < s1; k++) if (k !== best) degree[txNode[k]! + 1]!++;
  }
  for (let v = 0; v < nodes; v++) degree[v + 1]! += degree[v]!;
  const adj = new Int32Array(degree[nodes]!);
  const fill = degree.slice(0, nodes);
  for (let i = 0; i < map.txs; i++) {
    if (anchor[i]! < 0) continue;
    const a = txNode[anchor[i]!]!;
    for (let k = txStart[i]!; k < txStart[i + 1]!; k++) {
      if (k === anchor[i]) continue;
      const v = txNode[k]!;
      adj[fill[a]!++] = v;
      adj[fill[v]!++] = a;
    }
  }
  return { nodes, nodeEntity, nodeOf: table, load, touches, adjStart: degree, adj, txStart, txNode, txKeys };
}

/**
 * The most load a module may take: the even share with SLACK, or the longest chain the block forces
 * anyway (the transactions touching its hottest entity, which keep block order whatever the
 * placement), whichever is more. A module that heavy lengthens no critical path, so a hot entity
 * keeps the entities that come with it (amm's traders with their pool) instead of pushing them away.
 */
function capOf(g: EntityGraph, modules: number): number {
  let total = 0;
  let chain = 0;
  for (let v = 0; v < g.nodes; v++) {
    total += g.load[v]!;
    if (g.touches[v]! > chain) chain = g.touches[v]!;
  }
  return Math.max(((1 + SLACK) * total) / modules, chain);
}

/** A min tree over module loads (leaves at [size, 2 size)), so the least loaded module is found in log M. */
function loadTree(modules: number): { tree: Float64Array; size: number } {
  let size = 1;
  while (size < modules) size *= 2;
  const tree = new Float64Array(2 * size).fill(Infinity);
  for (let m = 0; m < modules; m++) tree[size + m] = 0;
  for (let k = size - 1; k >= 1; k--) tree[k] = Math.min(tree[2 * k]!, tree[2 * k + 1]!);
  return { tree, size };
}

function setLoad(tree: Float64Array, size: number, m: number, load: number): void {
  let k = size + m;
  tree[k] = load;
  for (k >>= 1; k >= 1; k >>= 1) tree[k] = Math.min(tree[2 * k]!, tree[2 * k + 1]!);
}

function leastLoaded(tree: Float64Array, size: number): number {
  let k = 1;
  while (k < size) k = tree[2 * k]! <= tree[2 * k + 1]! ? 2 * k : 2 * k + 1;
  return k - size;
}

/**
 * Module of every node: a streaming greedy placement, then label-propagation moves that cut
 * star edges without taking a module past the cap. Neighbours' modules are gathered sparsely
 * (`conn` is cleared through `seen`), so a pass costs the adjacency plus log M per node, not M.
 */
function placeNodes(g: EntityGraph, modules: number): Int32Array {
  const place = new Int32Array(g.nodes).fill(-1);
  const load = new Float64Array(modules);
  const cap = capOf(g, modules);
  const { tree, size } = loadTree(modules);
  const conn = new Float64Array(modules);
  // The modules connect() found, in the order it found them; a typed array, as emptying a JS array took 7% of the placement.
  const seen = new Int32Array(modules);
  let seenCount = 0;
  const connect = (v: number) => {
    for (let i = 0; i < seenCount; i++) conn[seen[i]!] = 0;
    seenCount = 0;
    for (let a = g.adjStart[v]!; a < g.adjStart[v + 1]!; a++) {
      const m = place[g.adj[a]!]!;
      if (m < 0) continue;
      if (conn[m] === 0) seen[seenCount++] = m;
      conn[m]!++;
    }
  };
  const put = (v: number, m: number) => {
    load[m]! += g.load[v]!;
    setLoad(tree, size, m, load[m]!);
    place[v] = m;
  };
  // Linear deterministic greedy (Stanton & Kliot, KDD'12): neighbours already placed, damped by
  // fullness; a module with no placed neighbour scores only by its load, so the least loaded stands for them all.
  for (let v = 0; v < g.nodes; v++) {
    connect(v);
    const w = g.load[v]!;
    let best = leastLoaded(tree, size);
    let bestScore = load[best]! + w <= cap ? conn[best]! * (1 - load[best]! / cap) - load[best]! / (cap * modules) : -Infinity;
    for (let i = 0; i < seenCount; i++) {
      const m = seen[i]!;
      if (load[m]! + w > cap) continue;
      const score = conn[m]! * (1 - load[m]! / cap) - load[m]! / (cap * modules);
      if (score > bestScore) {
        bestScore = score;
        best = m;
      }
    }
    put(v, best);
  }
  for (let pass = 0; pass < REFINE_PASSES; pass++) {
    let moved = 0;
    for (let v = 0; v < g.nodes; v++) {
      connect(v);
      const here = place[v]!;
      let best = here;
      for (let i = 0; i < seenCount; i++) {
        const m = seen[i]!;
        if (conn[m]! > conn[best]! && load[m]! + g.load[v]! <= cap) best = m;
      }
      if (best === here) continue;
      load[here]! -= g.load[v]!;
      setLoad(tree, size, here, load[here]!);
      put(v, best);
      moved++;
    }
    // Each move cuts at least one star edge, so the passes end; usually well before the limit.
    if (moved === 0) break;
  }
  return place;
}

/**
 * What a placement gives the lane plan: its transactions with keys, the cross-module ones among
 * them, and its heaviest module's load, each transaction homed by plan.ts's rule (the module
 * holding most of its keys; ties: the module more transactions touched so far, then the lower).
 */
function evaluate(g: EntityGraph, place: Int32Array, modules: number): { txs: number; cross: number; heaviest: number } {
  const heat = new Int32Array(modules);
  const load = new Int32Array(modules);
  // A transaction's modules and its keys in each; `slot` says where a module is among them (valid when `stamp` is the transaction's).
  const mods = new Int32Array(modules);
  const counts = new Int32Array(modules);
  const stamp = new Int32Array(modules);
  const slot = new Int32Array(modules);
  let cross = 0;
  let txs = 0;
  for (let i = 0; i + 1 < g.txStart.length; i++) {
    let distinct = 0;
    for (let k = g.txStart[i]!; k < g.txStart[i + 1]!; k++) {
      const m = place[g.txNode[k]!]!;
      if (stamp[m] === i + 1) {
        counts[slot[m]!]! += g.txKeys[k]!;
        continue;
      }
      stamp[m] = i + 1;
      slot[m] = distinct;
      mods[distinct] = m;
      counts[distinct++] = g.txKeys[k]!;
    }
    if (distinct === 0) continue;
    txs++;
    let best = 0;
    for (let k = 1; k < distinct; k++) {
      const m = mods[k]!;
      const b = mods[best]!;
      if (counts[k]! > counts[best]! || (counts[k] === counts[best] && (heat[m]! > heat[b]! || (heat[m] === heat[b] && m < b)))) best = k;
    }
    for (let k = 0; k < distinct; k++) heat[mods[k]!]!++;
    load[mods[best]!]!++;
    if (distinct > 1) cross++;
  }
  let heaviest = 0;
  for (const l of load) if (l > heaviest) heaviest = l;
  return { txs, cross, heaviest };
}

/** A fixed placement of entities, trained on a sample of blocks; entities it does not hold go by hash. */
export interface Placement {
  readonly modules: number;
  readonly entityModule: ReadonlyMap<number, number>;
  /** The placement file it was read from (`--placement FILE`), which a command that makes the executor again names; absent: trained in this process. */
  readonly file?: string;
  /**
   * The sha256 (hex) of that file, by which a replay token names the placement (properties/replay.ts)
   * and verify's simulated schedules place by it too (properties/subjects.ts); absent: trained in
   * this process, or given to replay a token made before tokens named placements.
   */
  readonly sha256?: string;
}

/** A placement as training left it, with how it did on its own sample. */
export interface TrainedPlacement extends Placement {
  /**
   * Whether the placement learned from co-occurrence was kept; false: on the sample it crossed
   * modules more often than hash or overloaded a module (learn), so the sample's entities are placed by hash.
   */
  readonly learned: boolean;
  /** The sample's transactions with keys, and how many of them cross modules with this placement and with hash's. */
  readonly sampleTxs: number;
  readonly crossTxs: number;
  readonly hashCrossTxs: number;
}

/** Learns a placement from the co-occurrence of entities across a sample of blocks. */
export function trainAffinity(sample: readonly Block[], modules: number): TrainedPlacement {
  const offsets: number[] = [];
  let programs = 0;
  for (const b of sample) {
    offsets.push(programs);
    programs += b.programs.length;
  }
  const merged: Block = {
    programs: sample.flatMap((b) => b.programs),
    txs: sample.flatMap((b, k) => b.txs.map((tx) => ({ ...tx, program: tx.program + offsets[k]! }))),
    preState: new Map(),
    gasLimit: 0,
  };
  const learned = learn(collectAccess(merged), modules);
  const { g, place } = learned;
  const entityModule = new Map<number, number>();
  for (let v = 0; v < g.nodes; v++) entityModule.set(g.nodeEntity[v]!, place[v]!);
  return { modules, entityModule, learned: learned.kept, sampleTxs: learned.txs, crossTxs: learned.cross, hashCrossTxs: learned.hashCross };
}

/**
 * Learns a placement from one block's access map, and keeps it only if it crosses modules no more
 * often than hash does and its heaviest module stays within SLACK of the cap or of hash's heaviest
 * (the placement balances anchors, and a transaction's home can differ from its anchor's module);
 * otherwise the placement is hash's, so affinity never does worse than hash on the block it learned from.
 */
function learn(map: AccessMap, modules: number): { g: EntityGraph; place: Int32Array; kept: boolean; txs: number; cross: number; hashCross: number } {
  const g = entityGraph(map);
  const learned = placeNodes(g, modules);
  const hashed = new Int32Array(g.nodes);
  for (let v = 0; v < g.nodes; v++) hashed[v] = mixEntity(g.nodeEntity[v]!) % modules;
  const a = evaluate(g, learned, modules);
  const h = evaluate(g, hashed, modules);
  const kept = a.cross <= h.cross && a.heaviest <= (1 + SLACK) * Math.max(capOf(g, modules), h.heaviest);
  return { g, place: kept ? learned : hashed, kept, txs: a.txs, cross: kept ? a.cross : h.cross, hashCross: h.cross };
}

/**
 * A trained placement's partition function. The placement's entities go into a SlotTable of
 * entity -> module, built once: forBlock plus a lookup of each of the block's keys took 0.60 ms
 * through the placement's Map and 0.20 ms through the table on p2p 10,000 x 10,000 (14,888 keys),
 * 0.36 and 0.14 ms on defi (scratch loop, 8 modules, median of 40, the two alternating). It serves
 * only the module count it was trained for: at another its modules would mean other lanes.
 */
function trainedPartitioner(placement: Placement): Partitioner {
  const { modules } = placement;
  if (!(Number.isInteger(modules) && modules >= 1)) throw new Error(`affinity: a placement's modules must be a positive integer, got ${String(modules)}`);
  const table = new SlotTable(placement.entityModule.size);
  for (const [e, m] of placement.entityModule) {
    if (!(Number.isInteger(e) && e >= 0 && e < KEY_LIMIT / STRIDE)) throw new Error(`affinity: the placement holds entity ${e}, outside 0..${KEY_LIMIT / STRIDE - 1}`);
    if (!(Number.isInteger(m) && m >= 0 && m < modules)) throw new Error(`affinity: the placement puts entity ${e} in module ${m}, outside 0..${modules - 1}`);
    table.getOrInsert(e, m);
  }
  const moduleOf: ModuleOf = (key) => {
    const e = entityOf(key);
    const m = table.get(e);
    return m >= 0 ? m : mixEntity(e) % modules;
  };
  return {
    kind: 'affinity',
    modules,
    forBlock(_block, given) {
      if (given !== modules) throw new Error(`affinity: the placement was trained for ${modules} modules, not ${given}; train it for ${given}`);
      return moduleOf;
    },
  };
}

/** Affinity placement: from `placement` when trained on a sample, otherwise learned from each block as it is executed. */
export function affinityPartitioner(placement?: Placement): Partitioner {
  if (placement) return trainedPartitioner(placement);
  return {
    kind: 'affinity',
    forBlock(block, modules) {
      // The block's own placement is read through the graph's entity table: filling a Map of it took 13% of the placement.
      const { g, place } = learn(collectAccess(block), modules);
      return (key) => {
        const e = entityOf(key);
        const v = g.nodeOf.get(e);
        return v >= 0 ? place[v]! : mixEntity(e) % modules;
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
