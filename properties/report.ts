// Failure reports as text: the explanation, the shrunk block in readable form, the interleaving,
// the block file and the one replay command, in the order a person reads them. Shared by
// `concord verify` and the vitest helper, so a failing test reads exactly like a failing CLI run.
// Invariant: every line is derived from the FailureReport alone (no re-execution), so printing a
// report never changes what it says.

import { blockFromJson } from '../spec/block-file.js';
import type { Block } from '../spec/block.js';
import { disassemble } from '../spec/bytecode.js';
import { CONTRACTS, keyName } from '../spec/contracts.js';
import { DEFAULT_BLOCK_GAS_LIMIT } from '../spec/block.js';
import { plural } from '../spec/plural.js';
import { formatExplanation } from './explain.js';
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

/** The command that runs a written block on an executor and compares it with the reference. */
export function rerunCommand(blockFile: string, executor: string): string {
  return `concord run ${shellWord(blockFile)} --executor ${shellWord(executor)} --check`;
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
  // Planted bugs exist only inside `concord verify`; other executors can rerun the file with `concord run`.
  const rerun = f.executor.startsWith(PLANTED_PREFIX) ? '' : `  (rerun: ${rerunCommand(f.blockFile ?? '', f.executor)})`;
  if (f.blockFile) lines.push(`  block file   ${f.blockFile}${rerun}`);
  lines.push(`  seed         ${f.seed}, path ${f.path}`);
  lines.push(`  replay       ${f.replay}`);
  return lines;
}
