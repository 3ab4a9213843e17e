#!/usr/bin/env node
// The `concord` command: thin wiring of the subcommands over spec/, impl/, properties/, bench/
// and reports/. Invariant: exit 0 = success, 1 = a check failed, 2 = usage or input error; input
// errors print one line naming what and where, never a stack trace. A command's own module is
// loaded when it runs: `--help`, a refused option or `concord run` need not load the property
// checks, z3, the report's schema or the charts (half a second of start-up between them).

import { Command, CommanderError } from 'commander';
import { EXECUTORS, loadingForCommand } from '../impl/registry.js';
import { CONTRACTS } from '../spec/contracts.js';
import { defaultModules, MAX_MODULES } from '../impl/modular/modules.js';
import { PARTITION_KINDS } from '../impl/modular/partition.js';
import { effectiveCores } from '../impl/runtime/cores.js';
import { MAX_ACCOUNTS, MAX_TXS, MAX_WORKLOAD_HASH_COST, WORKLOAD_DEFAULTS, WORKLOADS } from '../bench/workloads.js';
import { DEFAULT_CALL_TIMEOUT_S, EXIT } from './exit.js';
import { PRE_STATE_KINDS } from '../spec/shared-state.js';
import type { RequestOptions } from './request.js';
import { CLAIM_BUDGET_MS } from '../spec/smt/claims.js';
import { BATCH, DEFAULT_RUNS, DEFAULT_SEED, MAX_REPLAY_REPEAT, MAX_RUNS, MAX_SEED, MAX_VERIFY_TXS, SHARD_RUNS } from '../properties/verify-limits.js';
import { DEFAULT_WARMUP_MS, MAX_TRAIN_BLOCKS, MAX_TRAIN_TXS } from './run-limits.js';
import { concordVersion } from './version.js';
import { shellWord } from '../properties/printed-command.js';
import { afterOutput, divertStdout, fsReason, stdoutError, watchStdout, writeStdout } from './output.js';
import { exitOnPurpose, guardProcess, printUsageError, setUsageJson, unexpectedError, usageObject } from './process-guard.js';

const program = new Command('concord')
  .description('Proves parallel blockchain executors equivalent to a sequential reference and measures their speedup.')
  .version(concordVersion())
  .exitOverride()
  .configureOutput({
    writeErr: (s) => process.stderr.write(s),
    // Commander's own usage errors (an unknown option, a missing value) are printed as every other is.
    outputError: (s) => printUsageError(usageCommand(), s.replace(/^error: /, '').trimEnd()),
  });

/** The command being parsed, named as the user typed it, or '' before one is known. */
function usageCommand(): string {
  const typed = process.argv[2];
  return program.commands.some((c) => c.name() === typed) ? typed! : '';
}

/** `suite`: without --workload the command runs its suite of blocks, which the sizes need --workload to leave and seed and hash cost apply to. */
function workloadOptions(c: Command, suite = false): Command {
  const given = suite ? 'with --workload; ' : '';
  const both = suite ? '; the suite\'s blocks too' : '';
  return c
    .option('--workload <name>', `generated workload (${[...WORKLOADS.keys()].join(', ')}; default ${suite ? 'the suite of blocks' : 'p2p'})`)
    .option('--accounts <n>', `accounts in the workload (${given}default ${WORKLOAD_DEFAULTS.accounts}, at most ${MAX_ACCOUNTS.toLocaleString('en-US')})`)
    .option('--txs <n>', `transactions in the block (${given}default ${WORKLOAD_DEFAULTS.txs}, at most ${MAX_TXS.toLocaleString('en-US')})`)
    .option('--seed <s>', `generator seed (default ${WORKLOAD_DEFAULTS.seed}${both})`)
    .option('--hash-cost <k>', `sha256 iterations per transaction, the signature-check cost (default ${WORKLOAD_DEFAULTS.hashCost}, at most ${MAX_WORKLOAD_HASH_COST}${both})`)
    .option('--zipf <s>', `Zipf exponent of hot spots (${given}defi workload; default 1)`);
}

const MODULES_HELP = `modules (modular executor; default 2 per effective core and at least 8, here ${defaultModules()}; at most ${MAX_MODULES}: a claim scans every lane)`;
const PARTITION_HELP = `partition function (modular executor): ${PARTITION_KINDS.join(', ')} (default hash)`;
const TRAIN_HELP = `with --partition affinity (modular executor): train its placement once, untimed and reported apart, on N blocks of --workload's generator at the seeds after --seed (never the block measured), and place every block with it instead of learning each block's (1 to ${MAX_TRAIN_BLOCKS.toLocaleString('en-US')}, at most ${MAX_TRAIN_TXS.toLocaleString('en-US')} transactions in all)`;
const TRAIN_ON_HELP = 'as --train, trained on these block files instead (a chain\'s history, for a block file or a workload; never the block measured)';
const SAVE_PLACEMENT_HELP = 'with --train or --train-on: write the placement trained to this file (a versioned placement file, written whole), for --placement to read instead of training again';
const PLACEMENT_HELP = 'with --partition affinity (modular executor): place every block by the placement file --save-placement wrote instead of training or learning one; --modules defaults to its module count and must match it where given';
const TIMEOUT_HELP = `fail (exit 1) when a call into an executor (loading, execute(), close()) is still pending after this many seconds: it is hung (default ${DEFAULT_CALL_TIMEOUT_S}; 0: wait for ever)`;
const PRE_STATE_HELP = `how the block's pre-state reaches the executors: ${PRE_STATE_KINDS.join(' or ')}; shared builds a SharedState (untimed), which the parallel executors' workers read without the main thread copying it into shared memory before every block (default map)`;
const PROVE_TIMEOUT_HELP = `give a claim up as unknown when it is still running after this many seconds (default ${CLAIM_BUDGET_MS / 1000}; 0: no limit)`;

/**
 * errors.ts, loaded by the first command that runs guarded: it loads the executors' errors and the
 * call watch, which `--help`, a refused option and the listings need not.
 */
let errors: typeof import('./errors.js') | undefined;

async function guarded(command: string, body: () => Promise<number>): Promise<number> {
  errors ??= await import('./errors.js');
  return errors.guard(command, body);
}

let exitCode: number = EXIT.OK;
watchStdout();

// Under --json stdout holds one JSON object: what an executor under test logs with console.log
// or writes to process.stdout itself (a logger) would break it for whoever parses it, so it goes to
// stderr; Concord's own output still reaches stdout (divertStdout, cli/output.ts).
let commandName = '';
/** The commands that load and call executors, a user's module among them. */
const CALLS_EXECUTORS = new Set(['run', 'verify', 'bench', 'main']);
let commandTimeout: string | undefined;
let commandJson = false;
program.hook('preAction', (_program, command) => {
  commandName = command.name();
  loadingForCommand();
  commandTimeout = command.opts().timeout as string | undefined;
  commandJson = command.opts().json === true;
  if (command.opts().json === true) divertStdout();
  if (CALLS_EXECUTORS.has(commandName)) guardProcess(commandName, command.opts().json === true);
});

workloadOptions(
  program.command('run')
    .description('execute one block (a block file or --workload) and print its roots, receipts, gas and median time')
    .argument('[block.json]', 'a block file (docs/block-format.md), or - to read one from standard input')
    .option('--executor <name>', `executor: ${[...EXECUTORS.keys()].join(', ')}, a path to your module.js, or exec:COMMAND (an engine in another process, docs/exec-protocol.md)`, 'sequential')
    .option('--threads <n>', `threads executing the block (parallel executors; default: the effective cores (the available cores, capped by the cgroup CPU quota), here ${effectiveCores()}; modular counts its main thread from 2 on)`)
    .option('--modules <m>', MODULES_HELP)
    .option('--partition <kind>', PARTITION_HELP)
    .option('--train <n>', TRAIN_HELP)
    .option('--train-on <file...>', `${TRAIN_ON_HELP}; give the block file first (concord run BLOCK --train-on FILE...), as the list takes every word after it`)
    .option('--save-placement <file>', SAVE_PLACEMENT_HELP)
    .option('--placement <file>', PLACEMENT_HELP)
    .option('--repeat <r>', 'runs; the median time is reported', '1')
    .option('--warmup <ms>', `untimed runs first, for at least this long (0: time the first, cold run; default ${DEFAULT_WARMUP_MS}, and 0 with --after)`)
    .option('--timeout <sec>', TIMEOUT_HELP)
    .option('--pre-state <kind>', PRE_STATE_HELP)
    .option('--after <file>', 'first run the blocks an earlier-blocks file names (verify writes one, NAME.earlier.json, for a failure that needs the blocks before it), in order, on the same instance')
    .option('--check', 'also run the reference executor and explain the first difference (exit 1 when there is one)')
    .option('--receipts', 'print every transaction\'s receipt (status, revert code, gas, outputs)')
    .option('--json', 'print one JSON object'),
).action(async (file: string | undefined, o) => {
  exitCode = await guarded('run', async () => (await import('./run.js')).runCommand(file, o));
});

workloadOptions(
  program.command('gen')
    .description('write a seeded workload as a block file, or with --contract a block running a contract file prove checks')
    .option('-o, --out <file>', 'output file (default: stdout)')
    .option('--contract <file>', 'write a block running this contract file (docs/prove.md) instead: its program, and a transaction per --call')
    .option('--call <args>', 'with --contract: a call of the contract, its arguments comma-separated (integers or key names such as alice.balance); repeat it for several', (v: string, given?: string[]) => [...(given ?? []), v]),
).action(async (o) => {
  exitCode = await guarded('gen', async () => (await import('./gen.js')).genCommand(o));
});

workloadOptions(
  program.command('request')
    .description('print a block as the concord-exec/1 request an engine in another process reads (docs/exec-protocol.md), or the reference\'s answer to it, or judge your engine\'s answer to it: to run your engine on a block outside Concord')
    .argument('[block.json]', 'a block file (a failing block verify wrote, say), or - to read one from standard input')
    .option('--threads <n>', 'the thread count the request asks for (default: none)')
    .option('--modules <m>', 'the module count the request carries in its settings, as an exec: engine given --modules by run, verify or bench gets it (default: none)')
    .option('--partition <kind>', 'the partition the request carries in its settings, as an exec: engine given --partition gets it: any name your engine takes (default: none)')
    .option('--answer', 'print the answer the reference gives to the request instead')
    .option('--check <file>', 'judge instead the answer your engine gave to the request, kept in this file (- for standard input): exit 0 when its result is the reference\'s, 1 with the first difference explained as verify explains it, or with the line refused as run and verify refuse it')
    .option('--json', 'with --check: print the verdict as one JSON object'),
).action(async (file: string | undefined, o: RequestOptions) => {
  exitCode = await guarded('request', async () => (await import('./request.js')).requestCommand(file, o));
});

program.command('prove')
  .description('prove the conflict rules and the contracts\' footprints and invariants with z3')
  .option('--contract <file>', 'check your own contract instead (docs/prove.md); repeat it for several', (v: string, given?: string[]) => [...(given ?? []), v])
  .option('--timeout <sec>', PROVE_TIMEOUT_HELP)
  .option('--json', 'print one JSON object')
  .action(async (o: { contract?: string[]; timeout?: string; json?: boolean }) => {
    exitCode = await guarded('prove', async () => (await import('./prove.js')).proveCommand({ ...(o.contract ? { contract: o.contract } : {}), ...(o.timeout === undefined ? {} : { timeout: o.timeout }), json: Boolean(o.json) }));
  });

program.command('verify')
  .description('check executors against the reference: equivalence, determinism, interleavings; shrink and explain failures')
  .option('--executor <name...>', 'executors to check, repeated or comma-separated (built-in names, paths to your module.js, or exec:COMMAND for an engine in another process, which takes the rest of its --executor); a comma in the path of a module file that is there is part of it, and a list that reads two ways is refused; default: every built-in except reference')
  .option('--runs <n>', `generated blocks per executor (default ${DEFAULT_RUNS}, at most ${MAX_RUNS.toLocaleString('en-US')})`)
  .option('--seed <s>', `the run's seed, 0 to ${MAX_SEED.toLocaleString('en-US')} (default ${DEFAULT_SEED}); not the fast-check seed a failure prints`)
  .option('--txs <n>', `exactly this many transactions in every generated block (at most ${MAX_VERIFY_TXS.toLocaleString('en-US')}; default: 1 to 20, 40 for interleavings; the big-blocks check keeps its 21 to 1,100)`)
  .option('--threads <list>', 'comma-separated thread counts every check calls execute() at, replacing their own (1, 2 and 4; 1 to 4 in determinism; 2 to 16 in big-blocks), e.g. your engine\'s production count; up to 4 per effective core (at least 64); the simulated interleavings keep their virtual workers')
  .option('--programs <list>', 'what the generated blocks hold: all (default: random bytecode and library-contract calls), contracts (library-contract calls alone, for an engine that implements them natively and runs no bytecode; vm-corners is then not run), or a comma-separated list of contract names (concord contracts lists them)')
  .option('--time-limit <sec>', 'a budget in seconds shared over the checks; a check stops between two runs once its share is spent, but runs one at least, and checks cut short are listed as not passed (exit 0)')
  .option('--fail-on-cut', 'with --time-limit: checks it cut short fail the run (exit 1) instead of being listed as not passed (exit 0)')
  .option('--timeout <sec>', `${TIMEOUT_HELP}; a hung execute()'s block is written to --out`)
  .option('--modules <m>', `${MODULES_HELP}; every schedule of its simulated checks keeps it (default: 2 to 4 there)`)
  .option('--partition <kind>', `${PARTITION_HELP}; every schedule of its simulated checks keeps it (default: drawn per schedule there)`)
  .option('--placement <file>', `${PLACEMENT_HELP}; the modular executor is checked made with it (its simulated schedules keep its module count and learn affinity from each block); with --replay, the file the failure's replay line names`)
  .option('--shard <i/n>', `check shard i of n: runs go to shards in batches of ${BATCH}, so n shards together make the unsharded run; each shard is judged on its own share, so give each about ${SHARD_RUNS} runs (--runs >= ${SHARD_RUNS} x n)`)
  .option('--planted', 'run the catalogue of planted-bug executors and report caught/total (with --executor block-stm or modular: that executor\'s bugs alone)')
  .option('--coverage <counters>', 'stats counters a green run of each executor module must have seen above 0, comma-separated (e.g. reExecutions,failedValidations): the parallel paths your executor must take (a built-in keeps its own gate)')
  .option('--replay <token>', 'rerun one failure exactly, from the token a failure prints')
  .option('--other-command', 'with --replay of an exec: engine\'s token: replay its block and settings on the exec: command --executor names instead of the token\'s (a debug build, another path)')
  .option('--repeat <n>', `with --replay: run the replayed block up to n times on one instance, stopping at its first failure, for a failure that comes and goes (default 1, at most ${MAX_REPLAY_REPEAT.toLocaleString('en-US')})`)
  // No commander default: verify applies it (DEFAULT_OUT), so a --merge can tell an --out given beside it.
  .option('--out <dir>', 'where failing blocks are written (default: "concord-out/verify")')
  .option('--merge <file...>', 'pool the --json files of every shard of a --shard matrix into one verdict: their counts summed, the coverage gate judged on the sums, every shard\'s failures carried (with --json or --fail-on-cut alone)')
  .option('--json', 'print one JSON object')
  .action(async (o) => {
    exitCode = await guarded('verify', async () => (await import('./verify.js')).verifyCommand(o));
  });

workloadOptions(
  program.command('bench')
    .description('measure speedup over the fast sequential executor (or --baseline) across thread counts, next to the ideal bound')
    .option('--executor <names>', 'comma-separated executors: built-in names, paths to your module.js, or exec:COMMAND last (an engine in another process; it takes the rest); repeat --executor for another list, so two exec: engines (or one engine\'s two configurations) are timed in the same rounds; a comma in the path of a module file that is there is part of it, and a list that reads two ways is refused (default: every parallel executor but the baseline)',
      (value: string, given: string[] | undefined) => [...(given ?? []), value])
    .option('--baseline <executor>', 'the one executor every speedup is measured against, as --executor takes it (a built-in name, a module path, or exec:COMMAND: your engine\'s own sequential mode, e.g. --executor \'exec:./engine\' --baseline \'exec:./engine --sequential\'); run on 1 thread and checked against the reference like every executor; only the default, Concord\'s sequential executor, is pinned to each core in turn, and only over it are the over-fastest-core figure (an in-process one-thread built-in keeps both) and the simulated predictions given (default: sequential)')
    .option('--threads <list>', 'comma-separated thread counts (default: the powers of two below the effective cores, and the effective cores: the available cores, capped by the cgroup CPU quota; 1 for one-thread executors)')
    .option('--block <file>', 'benchmark a block file instead of the suite')
    .option('--modules <m>', MODULES_HELP)
    .option('--partition <kinds>', `${PARTITION_HELP}; comma-separated (hash,affinity): modular measured once per partition in the same rounds, its rows labelled modular (KIND)`)
    .option('--train <n>', `${TRAIN_HELP}; with --workload; in a list (hash,affinity), affinity is the trained one`)
    .option('--train-on <file...>', `${TRAIN_ON_HELP}; with --workload or --block`)
    .option('--save-placement <file>', SAVE_PLACEMENT_HELP)
    .option('--placement <file>', `${PLACEMENT_HELP}; with --workload or --block`)
    .option('--quick', 'a short run')
    .option('--rounds <n>', 'interleaved rounds per workload and thread count, each timing the baseline and every executor back to back (default 5, 4 with --quick; at most 1000): each speedup\'s range comes from its rounds, a 95% interval from 6 rounds on')
    .option('--timeout <sec>', TIMEOUT_HELP)
    .option('--pre-state <kind>', PRE_STATE_HELP)
    .option('--out <file>', 'write the results file (JSON)')
    .option('--label <name>', 'name this machine in the results (machine.label; one line, up to 80 characters), so a report tells two boxes of one type apart (default: CPU model, cores, memory, Node version; compare reads the recorded hardware, not the label)')
    .option('--json', 'print the results as JSON on stdout'),
  true,
).action(async (o) => {
  exitCode = await guarded('bench', async () => (await import('./bench.js')).benchCommand(o));
});

program.command('report')
  .description('render results files as Markdown and a self-contained HTML page with charts')
  .argument('<results.json...>', 'results files (several machines merge into one comparison); - reads one from standard input (concord bench ... --json | concord report -)')
  .option('--out <dir>', 'output folder', 'concord-out/report')
  .action(async (files: string[], o: { out: string }) => {
    exitCode = await guarded('report', async () => (await import('./report.js')).reportCommand({ files, out: o.out }));
  });

program.command('compare')
  .description('compare two results files the way benchstat does; or two builds timed in one run, round by round (--base-executor, --new-executor); or several runs a side, each run one value (--base, --new) (exit 1: NEW holds a run that did not match the reference or an executor failure, or --fail-on-regression found a slowdown or an executor\'s run on one side only; 2: the files share no executor run and NEW is not broken, or the gate cannot judge a row: fewer than 4 rounds a side, 4 runs a side pooled, 6 rounds paired)')
  .argument('[files...]', 'BASE.json NEW.json (- reads one of them from standard input); or one RUN.json with --base-executor and --new-executor')
  .option('--base <files...>', 'several runs of the base build, one results file each, pooled with each run as one value (with --new)')
  .option('--new <files...>', 'several runs of the new build, pooled as --base\'s')
  .option('--base-executor <name>', 'with one RUN.json: the base build, as the results name its runs (bench --executor A --executor B timed both in the same rounds)')
  .option('--new-executor <name>', 'with one RUN.json: the new build, judged against --base-executor round by round')
  .option('--fail-on-regression <pct>', 'exit 1 when an executor\'s row is slower by more than PCT percent with 95% confidence (over round medians: each side needs 4 rounds or more, else exit 2; pooled, 4 runs a side; paired, 6 rounds), or an executor\'s run is on one side only')
  .option('--relative', 'judge (and show) each executor\'s block time relative to the baseline timed in the same rounds: per round, its median over the baseline\'s, so a machine that slowed between the files does not count (default: block time)')
  .option('--only <executors>', 'the gate judges these executors alone (comma-separated, as the results name their runs); the others are shown, not judged')
  .option('--json', 'print one JSON object')
  .action(async (files: string[], o: { base?: string[]; new?: string[]; baseExecutor?: string; newExecutor?: string; failOnRegression?: string; relative?: boolean; only?: string; json?: boolean }) => {
    exitCode = await guarded('compare', async () => (await import('./compare.js')).compareEntry({ files, ...o }));
  });

program.command('main')
  .description('the main job (npm start): a short verify, prove, a short bench and the report')
  .option('--out <dir>', 'output folder', 'concord-out')
  .option('--allow-skip', 'exit 0 though a part cannot run here (prove without z3-solver, as from the offline archive); it is named all the same on the last line and in the report (default: such a part fails main, exit 2)')
  .action(async (o: { out: string; allowSkip?: boolean }) => {
    exitCode = await guarded('main', async () => (await import('./main.js')).mainCommand(o));
  });

program.command('executors').description('list the built-in executors').action(() => {
  for (const e of EXECUTORS.values()) writeStdout(`${e.name.padEnd(12)} ${e.doc}\n`);
  writeStdout('\nor your own: a path to an executor module (README: Plugging in your own executor), or exec:COMMAND, an engine in any language in another process (docs/exec-protocol.md)\n');
});

program.command('contracts').description('list the library contracts a block file can call, with their arguments').action(() => {
  for (const c of CONTRACTS.values()) {
    writeStdout(`${c.name}(${c.params.map((q) => `${q.name}: ${q.kind}`).join(', ')})\n    ${c.doc}\n`);
  }
});

program.command('workloads').description('list the workload generators').action(() => {
  for (const w of WORKLOADS.values()) writeStdout(`${w.name.padEnd(8)} ${w.doc}\n`);
});

// Commander keeps the last value of an option given twice: `bench --executor ./a.mjs --executor
// ./b.mjs` measured b alone, and `--threads 1 --threads 2` ran 2. An option of one value is refused
// when it comes again; a variadic one (verify --executor) and one with a parser of its own (prove
// --contract, gen --call) collect their values, as their help says.
for (const command of [program, ...program.commands]) {
  for (const option of command.options) {
    if (option.variadic || option.isBoolean() || option.parseArg) continue;
    const list = /comma-separated/.test(option.description) ? `, its values comma-separated (${option.long} ` : '';
    let first: string | undefined;
    option.argParser((value: string) => {
      if (first !== undefined) {
        // An exec: engine takes the rest of the list, so it goes last, and two of them make no list.
        const engines = [first, value].filter((v) => v.startsWith('exec:')).length;
        const merged = first.startsWith('exec:') ? `${value},${first}` : `${first},${value}`;
        // The same value twice: giving it once is the mend (a list naming it twice is refused).
        const once = first === value ? ` (${option.long} ${shellWord(value)})` : list && engines < 2 ? `${list}${shellWord(merged)})` : '';
        command.error(`error: ${option.long} given twice (${first}, then ${value}): give it once${once}`, { exitCode: EXIT.USAGE, code: 'concord.repeatedOption' });
      }
      first = value;
      return value;
    });
  }
}

// An option whose value was left out takes the next word, the next option among them, as its value:
// `--partition --modules 3` read "--modules" as the partition and then refused the 3 as "too many
// arguments". A value that is one of the command's own options is that slip, said as such.
for (const command of [program, ...program.commands]) {
  const longs = new Set(command.options.map((o) => o.long));
  for (const option of command.options) {
    if (option.variadic || option.isBoolean()) continue;
    const own = option.parseArg;
    option.argParser((value: string, previous: unknown) => {
      if (longs.has(value.split('=')[0])) {
        command.error(`error: ${option.long} is missing its value: the next word, ${value}, is an option of ${command.name()}`, { exitCode: EXIT.USAGE, code: 'concord.missingValue' });
      }
      return own ? own(value, previous) : value;
    });
  }
}

// A value quoted with a space (`--workload ' p2p'`, a variable pasted with one) was refused as an
// unknown name by some options and read as meant by others (--executor, --label, every number).
// Every option's value is read without the white space around it, here, before any check sees it,
// so that no option's check has to remember to. A value of white space alone is kept as given:
// each option refuses it in its own words, naming itself (a number, a name, gen --call's empty
// argument list alike). A file or folder (`<file>`, `<dir>`) is taken as typed, as a block file
// argument is: its name may hold those spaces. Added last, so it runs first, before the checks above.
for (const command of [program, ...program.commands]) {
  for (const option of command.options) {
    if (option.variadic || option.isBoolean() || /<(file|dir)>/.test(option.flags)) continue;
    const own = option.parseArg;
    option.argParser((value: string, previous: unknown) => {
      const trimmed = value.trim();
      const given = trimmed === '' ? value : trimmed;
      return own ? own(given, previous) : given;
    });
  }
}

// Under --json a refused command also says so on stdout (process-guard.ts usageObject); known from
// the words alone, as commander refuses some before any command's action knows its options.
const typed = program.commands.find((c) => c.name() === process.argv[2]);
const words = process.argv.slice(3);
const ended = words.indexOf('--');
setUsageJson(typed?.options.some((o) => o.long === '--json') === true && (ended < 0 ? words : words.slice(0, ended)).includes('--json'));

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  } else {
    exitCode = unexpectedError(commandName || 'concord', e, commandJson);
  }
}
// A module's executor object served every use of it in the command (impl/registry.ts): run,
// verify and bench closed theirs before their output; any other command's is closed now.
// Only a guarded command can have loaded a module (createExecutor), so only it can leave one open.
const closing = errors ? await errors.closeModuleExecutors(commandName, commandTimeout, exitCode !== EXIT.OK) : [];
for (const { message } of closing) {
  process.stderr.write(`concord ${commandName}: ${message}\n`);
  if (exitCode === EXIT.OK) exitCode = EXIT.FAILED;
}
const refused = exitCode === EXIT.USAGE ? usageObject() : undefined;
if (refused) writeStdout(refused);
process.exitCode = exitCode;
// A user's executor may leave threads or timers alive, after a passing run as after a failed one
// (a close() that never settled after its execute() threw, a timer its close() forgot): once the
// output is out, nothing is left to wait for, and a CI job must not hang after a green verdict.
afterOutput(() => {
  // Output that never reached stdout is a command that did not do its work, whatever it found.
  const lost = stdoutError();
  if (lost) printUsageError(commandName, `stdout: cannot write: ${fsReason(lost)}`);
  exitOnPurpose(lost && exitCode === EXIT.OK ? EXIT.USAGE : exitCode);
});
