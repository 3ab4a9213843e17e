// Proofs of the conflict table (spec/conflicts.ts). Each access kind is the VM's own instruction
// in a one-instruction program (READ, WRITE, or DELTA with symbolic bounds), run through the
// symbolic VM in both orders from every pre-state, with every parameter and gas limit free.
// 'commute' entries must be proved, 'conflict' entries refuted with a witness state, and a
// 'commute-if' entry gives three kinds of claim: the naive unconditional rule (refuted), the rule
// under its condition (proved), and the condition with each check dropped (refuted: every check
// is needed). Invariant: the table is only read here, so a wrong table (a test fixture) is refuted.

import { assemble, type ReadableOp } from '../bytecode.js';
import type { AccessKind, Program } from '../block.js';
import { ACCESS_KINDS, CONDITIONS, CONFLICT_RULES, type ConditionDef, type ConflictRule, type DeltaName } from '../conflicts.js';
import type { Claim, Verdict } from './claims.js';
import { decideOrders, preStateOf, type SymTx } from './commute.js';
import { replayOrders, type Call } from './replay.js';
import { Alg, World, type Cond } from './symvm.js';
import { valueOf, type Int, type Z } from './z3.js';

export type Conditions = Readonly<Record<string, ConditionDef>>;

/** r0 = key, r1 = the written value or delta amount; the DELTA's bounds are its immediates. */
function accessOps(kind: AccessKind, lo = 0, hi = 0): ReadableOp[] {
  if (kind === 'read') return [['read', 'r2', 'r0']];
  if (kind === 'write') return [['write', 'r0', 'r1']];
  return [['delta', 'r0', 'r1', lo, hi]];
}

interface Side {
  readonly kind: AccessKind;
  readonly param: Int;
  readonly lo: Int;
  readonly hi: Int;
  readonly tx: SymTx;
}

function side(world: World, kind: AccessKind, key: Int, label: string): Side {
  const param = world.value(`${label}.param`);
  const lo = world.value(`${label}.lo`);
  const hi = world.value(`${label}.hi`);
  const tx: SymTx = {
    code: assemble(accessOps(kind)), args: [key, param], limit: world.limit(`${label}.gas`),
    immediate: (_pc, operand) => (kind !== 'delta' ? undefined : operand === 2 ? lo : operand === 3 ? hi : undefined),
  };
  return { kind, param, lo, hi, tx };
}

/** The condition in z3, checking exactly what conditionHolds checks. */
function conditionZ3(alg: Alg, def: ConditionDef, base: Int, x: Side, y: Side): Cond {
  const of = (d: DeltaName) => (d === 'x' ? x : y);
  return alg.and(...def.checks.map((check) => {
    let v: Int = base;
    const inRange: Cond[] = [];
    for (const d of check.adds) {
      v = v.add(of(d).param);
      inRange.push(alg.inRange(v));
    }
    return alg.and(...inRange, alg.le(of(check.within).lo, v), alg.le(v, of(check.within).hi));
  }));
}

function shows(kind: AccessKind, param: number, lo: number, hi: number): string {
  if (kind === 'read') return 'read k';
  if (kind === 'write') return `write k := ${param}`;
  return `delta k ${param < 0 ? '' : '+'}${param} in [${lo}, ${hi}]`;
}

/** Decides whether a and b commute on one key (under `condition` when given). */
async function orders(z: Z, a: AccessKind, b: AccessKind, condition?: ConditionDef): Promise<Verdict> {
  if (condition && (a !== 'delta' || b !== 'delta')) {
    return { result: 'unknown', reason: 'a condition on delta amounts and bounds needs two deltas' };
  }
  const world = new World(z);
  const alg = new Alg(z);
  const key = world.value('key');
  const x = side(world, a, key, 'T1');
  const y = side(world, b, key, 'T2');
  const base = world.pre(key);
  if (condition) world.assumptions.push(alg.bool(conditionZ3(alg, condition, base, x, y)));
  // A witness reads best when each delta moves the value and starts inside its own bounds.
  for (const s of [x, y].filter((d) => d.kind === 'delta')) world.preferences.push(s.param.neq(0), s.lo.le(base), base.le(s.hi));
  return decideOrders(world, x.tx, y.tx, (model) => {
    const num = (t: Int) => Number(valueOf(z, model, t));
    const k = num(key);
    const call = (s: Side, label: string): Call => {
      const [p, lo, hi] = [num(s.param), num(s.lo), num(s.hi)];
      const program: Program = { name: `${s.kind}-access`, code: assemble(accessOps(s.kind, lo, hi)), arity: 2 };
      return { label, shows: shows(s.kind, p, lo, hi), program, args: [k, p], gasLimit: num(s.tx.limit) };
    };
    const pre = preStateOf(world, model);
    pre.set(k, pre.get(k) ?? 0); // shown even when 0
    return replayOrders(call(x, 'T1'), call(y, 'T2'), pre, (n) => (n === k ? 'k' : `#${n}`));
  });
}

function shapeProblems(rules: readonly ConflictRule[], conditions: Conditions): string[] {
  const problems: string[] = [];
  for (const r of rules) {
    if (!ACCESS_KINDS.includes(r.a) || !ACCESS_KINDS.includes(r.b)) problems.push(`rule ${r.a}/${r.b} names an access kind the VM does not have`);
    if (r.verdict === 'commute-if' && !(r.condition && conditions[r.condition])) problems.push(`rule ${r.a}/${r.b} is commute-if without a defined condition`);
    if (r.verdict !== 'commute-if' && r.condition) problems.push(`rule ${r.a}/${r.b} has a condition but verdict ${r.verdict}`);
  }
  ACCESS_KINDS.forEach((a, i) => ACCESS_KINDS.slice(i).forEach((b) => {
    const n = rules.filter((r) => (r.a === a && r.b === b) || (r.a === b && r.b === a)).length;
    if (n !== 1) problems.push(`${n} rules for ${a}/${b}`);
  }));
  return problems;
}

/** The claims that prove a conflict table: the built-in one unless a test passes its own. */
export function ruleClaims(rules: readonly ConflictRule[] = CONFLICT_RULES, conditions: Conditions = CONDITIONS): Claim[] {
  const claims: Claim[] = [{
    name: 'rules: one rule for each pair of access kinds',
    expected: 'proved',
    check: async () => {
      const problems = shapeProblems(rules, conditions);
      return problems.length === 0 ? { result: 'proved' } : { result: 'refuted', witness: { summary: problems.join('; '), problems } };
    },
  }];
  for (const rule of rules) {
    const pair = `rule ${rule.a}/${rule.b}`;
    const def = rule.condition ? conditions[rule.condition] : undefined;
    if (rule.verdict !== 'commute-if' || !def) {
      claims.push({ name: `${pair} commute`, expected: rule.verdict === 'commute' ? 'proved' : 'refuted', check: (z) => orders(z, rule.a, rule.b) });
      continue;
    }
    claims.push(
      { name: `${pair} always commute (naive rule)`, expected: 'refuted', check: (z) => orders(z, rule.a, rule.b) },
      { name: `${pair} commute if ${rule.condition}`, expected: 'proved', check: (z) => orders(z, rule.a, rule.b, def) },
      ...def.checks.map((dropped): Claim => ({
        name: `${pair} commute if ${rule.condition} without "${dropped.doc}"`,
        expected: 'refuted',
        check: (z) => orders(z, rule.a, rule.b, { doc: def.doc, checks: def.checks.filter((c) => c !== dropped) }),
      })),
    );
  }
  return claims;
}
