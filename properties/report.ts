// Failure reports as text: the explanation, the shrunk block in readable form, the interleaving,
// the block file with the command that reruns it, and the one replay command, in the order a person
// reads them. Shared by `concord verify` and the vitest helper, so a failing test reads exactly like
// a failing CLI run.
// Invariant: every line is derived from the FailureReport (or the replay token) alone, with no
// re-execution, so printing a report never changes what it says.

import { blockFromJson } from '../spec/block-file.js';
import type { Block } from '../spec/block.js';
import { disassemble } from '../spec/bytecode.js';
import { CONTRACTS, keyName } from '../spec/contracts.js';
import { DEFAULT_BLOCK_GAS_LIMIT } from '../spec/block.js';
import { plural } from '../spec/plural.js';
import { EXECUTORS } from '../impl/registry.js';
import { formatExplanation } from './explain.js';
import { HELPER_PREFIX, type FailsOnly, type ReplayToken } from './replay.js';
import type { FailureReport } from './runner.js';

/** Mirrors planted.ts's prefix without importing the catalogue (and the simulated runtimes) into every report. */
const PLANTED_PREFIX = 'planted:';

/** How simulated.ts words a worker's empty poll. */
const IDLE = 'finds no task and waits';
/** At most this many interleaving steps are printed (the rest are counted); the schedule itself is in the token. */
const MAX_STEPS = 40;

/** The block, one line per transaction: contract calls with named arguments, raw programs as their instructions. */
export function formatBlock(block: Block): string[] {
  const name = (k: number) => keyName(k, block.entityNames);
  const pre = [...block.preState].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${name(k)}=${v}`).join(' ');
  const lines = [
    `block        ${plural(block.txs.length, 'transaction')}`
      + `${block.gasLimit === DEFAULT_BLOCK_GAS_LIMIT ? '' : `, block gas limit ${block.gasLimit}`}; pre-state ${pre || '(empty)'}`,
  ];
  block.txs.forEach((tx, i) => {
    const p = block.programs[tx.program]!;
    const gas = ` (gas limit ${tx.gasLimit})`;
    if (p.contract) {
      const def = CONTRACTS.get(p.contract.name)!;
      const args = def.params.map((q, j) => `${q.name} ${q.kind === 'entity' ? `#${tx.args[j]}` : tx.args[j]}`).join(', ');
      lines.push(`  tx ${i}  ${p.contract.name}(${args})${p.contract.hashCost ? ` hash-cost ${p.contract.hashCost}` : ''}${gas}`);
    } else {
      const ops = disassemble(p.code).map((op) => op.join(' ')).join('; ');
      lines.push(`  tx ${i}  ${ops}${tx.args.length ? ` args [${tx.args.join(', ')}]` : ''}${gas}`);
    }
  });
  return lines;
}

/** `s` as one shell word: quoted when it holds anything but plain path characters (a space, say). */
function shellWord(s: string): string {
  return /^[\w./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * The command that runs a written block on an executor and compares it with the reference, at the
 * thread count of the failing call (`threads`), since a failure may show at 4 threads alone. The
 * one-thread built-ins get no --threads: `concord run` refuses it for them.
 */
export function rerunCommand(blockFile: string, executor: string, threads?: number): string {
  const onThreads = threads !== undefined && EXECUTORS.get(executor)?.parallel !== false ? ` --threads ${threads}` : '';
  return `concord run ${shellWord(blockFile)} --executor ${shellWord(executor)}${onThreads} --check`;
}

/** When a FailsOnly counterexample fails ("fails only ..."), and what the runner saw that says so. */
const FAILS_ONLY: Readonly<Record<FailsOnly, { readonly why: string; readonly found: string }>> = {
  'after earlier blocks': {
    why: 'after the blocks run before it on the same executor instance (state kept between blocks)',
    found: 'on a fresh instance this block passes',
  },
  sometimes: {
    why: 'sometimes (the executor\'s result changes from run to run of the same block)',
    found: 'run again on the same instance, this block passed',
  },
};

/**
 * What a replay of token `t` says when the counterexample passed, but it failed only after earlier
 * blocks or only sometimes (`failsOnly`, from the token): passing alone does not make it gone.
 */
export function passedAloneText(label: string, t: ReplayToken, failsOnly: FailsOnly): string {
  return `replayed ${label} ${t.check} seed ${t.seed} path ${t.path}: the block passes, but when it was found it failed only ${FAILS_ONLY[failsOnly].why}, `
    + 'so passing alone does not make the failure gone: rerun the whole verify to see whether it still fails';
}

export function formatFailure(f: FailureReport): string[] {
  const lines = [`FAIL ${f.label}: ${f.check} check (${f.setting || 'default setting'}), shrunk to ${plural(f.transactions, 'transaction')} in ${plural(f.numShrinks, 'step')}`];
  if (f.explanation) lines.push(...formatExplanation(f.explanation).map((l) => `  ${l}`));
  if (f.error) lines.push(`  error        the executor threw: ${f.error}`);
  if (f.transactions > 0) lines.push(...formatBlock(blockFromJson(f.block, 'failure')).map((l) => `  ${l}`));
  // Idle polls carry no information; the full interleaving (and the schedule) stays in the JSON report.
  const steps = (f.interleaving ?? []).filter((x) => !x.endsWith(IDLE));
  if (steps.length) {
    const shown = steps.slice(0, MAX_STEPS);
    lines.push(`  interleaving ${shown[0]}`, ...shown.slice(1).map((s) => `               ${s}`));
    if (steps.length > MAX_STEPS) lines.push(`               ... ${steps.length - MAX_STEPS} more steps`);
  }
  if (f.failsOnly) {
    const { why, found } = FAILS_ONLY[f.failsOnly];
    lines.push(`  fails only   ${why}: ${found}, so running it alone (a rerun of its block file, a replay) may not repeat the failure; rerun the whole verify to see it again`);
  }
  // Planted bugs exist only inside `concord verify`, and an executor object only inside the test
  // that gave it to the vitest helper; other executors can rerun the file with `concord run`.
  const rerun = f.executor.startsWith(PLANTED_PREFIX) || f.executor.startsWith(HELPER_PREFIX) ? '' : `  (rerun: ${rerunCommand(f.blockFile ?? '', f.executor, f.threads)})`;
  if (f.blockFile) lines.push(`  block file   ${f.blockFile}${rerun}`);
  lines.push(`  seed         ${f.seed}, path ${f.path}`);
  lines.push(`  replay       ${f.replay}`);
  return lines;
}
