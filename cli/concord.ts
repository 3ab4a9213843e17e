#!/usr/bin/env node
// The `concord` command: thin wiring of the subcommands over spec/, impl/, properties/, bench/
// and reports/. Invariant: exit 0 = success, 1 = a check failed, 2 = usage or input error; input
// errors print one line naming what and where, never a stack trace.

import { Command, CommanderError } from 'commander';
import { EXECUTORS } from '../impl/registry.js';
import { WORKLOADS } from '../bench/workloads.js';
import { EXIT, guard } from './errors.js';
import { genCommand } from './gen.js';
import { proveCommand } from './prove.js';
import { runCommand } from './run.js';

const program = new Command('concord')
  .description('Proves parallel blockchain executors equivalent to a sequential reference and measures their speedup.')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

function workloadOptions(c: Command): Command {
  return c
    .option('--workload <name>', `generated workload (${[...WORKLOADS.keys()].join(', ')})`)
    .option('--accounts <n>', 'accounts in the workload', '100')
    .option('--txs <n>', 'transactions in the block', '1000')
    .option('--seed <s>', 'generator seed', '1')
    .option('--hash-cost <k>', 'sha256 iterations per transaction (signature-check cost)')
    .option('--zipf <s>', 'Zipf exponent of hot spots (defi workload)');
}

let exitCode: number = EXIT.OK;

workloadOptions(
  program.command('run')
    .description('execute one block (a block file or --workload) and print its roots, receipts, gas and median time')
    .argument('[block.json]', 'a block file (docs/block-format.md)')
    .option('--executor <name>', `executor: ${[...EXECUTORS.keys()].join(', ')}, or a path to your module.js`, 'sequential')
    .option('--threads <n>', 'worker threads (parallel executors)')
    .option('--modules <m>', 'modules (modular executor)')
    .option('--partition <kind>', 'partition function (modular executor): hash, range, affinity')
    .option('--repeat <r>', 'runs; the median time is reported', '1')
    .option('--json', 'print one JSON object'),
).action(async (file: string | undefined, o) => {
  exitCode = await guard('run', () => runCommand(file, o));
});

workloadOptions(
  program.command('gen')
    .description('write a seeded workload as a block file')
    .option('-o, --out <file>', 'output file (default: stdout)'),
).action(async (o) => {
  exitCode = await guard('gen', () => genCommand({ workload: 'p2p', ...o }));
});

program.command('prove')
  .description('prove the conflict rules and the contracts\' footprints and invariants with z3')
  .option('--contract <file>', 'check your own contract instead (docs/prove.md)')
  .option('--json', 'print one JSON object')
  .action(async (o: { contract?: string; json?: boolean }) => {
    exitCode = await proveCommand({ ...(o.contract ? { contract: o.contract } : {}), json: Boolean(o.json) });
  });

program.command('executors').description('list the built-in executors').action(() => {
  for (const e of EXECUTORS.values()) process.stdout.write(`${e.name.padEnd(12)} ${e.doc}\n`);
});

program.command('workloads').description('list the workload generators').action(() => {
  for (const w of WORKLOADS.values()) process.stdout.write(`${w.name.padEnd(8)} ${w.doc}\n`);
});

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  } else {
    throw e;
  }
}
process.exitCode = exitCode;
