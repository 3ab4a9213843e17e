// Option handling of gen, run, bench and compare where a loose check used to let a value through:
// a seed that names a block it does not generate, a thread count a one-thread executor cannot use,
// numbers Number() reads too kindly, and a refused command that still made --out's folders.
// Run as a user runs them (dist/cli/concord.js): one line on stderr naming the option, exit 2.
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generate, WORKLOADS } from '../bench/workloads.js';
import { executorNames, partitionSettings } from '../cli/executor-settings.js';
import { intOption } from '../cli/errors.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
const published = new URL('../reports/published/results.json', import.meta.url).pathname;

function refused(args: string[], message: RegExp): void {
  const r = concord(...args);
  const label = args.join(' ');
  expect(r.status, `${label}: ${r.stderr}`).toBe(2);
  expect(r.stderr, label).toMatch(message);
  expect(r.stderr.trim().split('\n'), label).toHaveLength(1);
  expect(r.stdout, label).toBe('');
}

describe('concord option checks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-options-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the blocks of seeds below 2^32 and gives every seed from 2^32 on its own block', () => {
    // Hashes of the blocks generated before seeds' high bits counted (published results name them).
    const pinned: Record<string, string> = {
      'p2p/0': 'c6a9176cf7255794', 'p2p/1': 'bf9bafd1f0f5b4de', 'p2p/7': 'c56163657682adc3', 'p2p/2147483648': 'de70e24235a5e970', 'p2p/4294967295': 'fdd71484007daa69',
      'token/0': 'ef88a76d0d2683ca', 'token/1': '92ca6c338e84942f', 'token/7': '841d12fb28201349', 'token/2147483648': '32a5381838cc5515', 'token/4294967295': '840576a23e858924',
      'amm/0': '45d19efc05de4f69', 'amm/1': 'e84bf6e94c5aa0bb', 'amm/7': '1fa44b97e8bcd965', 'amm/2147483648': 'b0ca230f0d864fa9', 'amm/4294967295': '148bfae161c480e0',
      'nft/0': '85a95e1ff7412bb3', 'nft/1': 'caf34985c29b6922', 'nft/7': 'a8ac0333bc28b216', 'nft/2147483648': '7cb2d47b3cd9bfd3', 'nft/4294967295': 'f2acc1ebeb2c6673',
      'defi/0': '744aa10c4c8aaaf1', 'defi/1': '7259229a840474bf', 'defi/7': '794e363b480c2161', 'defi/2147483648': 'f1e5460636acb51a', 'defi/4294967295': '6076a9a1551a2c30',
    };
    const hash = (name: string, seed: number) => {
      const b = generate(name, { accounts: 10, txs: 50, seed, hashCost: 0 });
      return createHash('sha256').update(JSON.stringify([b.txs, [...b.preState]])).digest('hex').slice(0, 16);
    };
    for (const key of Object.keys(pinned)) {
      const [name, seed] = key.split('/');
      expect(hash(name!, Number(seed)), key).toBe(pinned[key]);
    }
    for (const name of WORKLOADS.keys()) {
      const seeds = [0, 2 ** 32, 2 ** 33, 2 ** 32 + 1, 1, Number.MAX_SAFE_INTEGER];
      expect(new Set(seeds.map((s) => hash(name, s))).size, name).toBe(seeds.length);
    }
    expect(() => generate('p2p', { seed: 1.5 })).toThrow('generate("p2p"): seed must be an integer from 0 to 9007199254740991, got 1.5');
    // A library caller's mistakes name the call and the parameter, never a CLI flag; a typo is no default.
    expect(() => generate('p2p', { acounts: 5 } as never)).toThrow('generate("p2p"): unknown parameter "acounts" (known: accounts, txs, seed, hashCost, zipf)');
    expect(() => generate('p2p', { accounts: 0 })).toThrow('generate("p2p"): accounts must be an integer from 1 to 1000000, got 0');
    expect(() => generate('p2p', { txs: '5' as never })).toThrow('generate("p2p"): txs must be an integer from 0 to 1000000, got "5"');
    expect(() => generate('p2p', { zipf: 1 })).toThrow('generate("p2p"): zipf shapes the defi workload\'s hot spots; p2p has none');
    expect(() => generate('defi', { zipf: Number.NaN })).toThrow('generate("defi"): zipf must be a finite number >= 0, got NaN');
    expect(() => generate('p2pp')).toThrow('generate("p2pp"): unknown workload (known: p2p, token, amm, nft, defi)');
    expect(generate('p2p', { accounts: undefined, txs: 3 }).txs).toHaveLength(3);
    expect(() => generate('defi', { zipf: '2' as never })).toThrow('generate("defi"): zipf must be a finite number >= 0, got "2"');
    expect(generate('p2p', null).txs).toHaveLength(1000);

    const gen = (seed: string) => concord('gen', '--workload', 'p2p', '--accounts', '10', '--txs', '20', '--seed', seed);
    const [low, high] = [gen('0'), gen('4294967296')];
    expect([low.status, high.status]).toEqual([0, 0]);
    expect(high.stdout).not.toBe(low.stdout);
  });

  it('bench measures a one-thread executor at 1 thread only', () => {
    const tiny = ['--workload', 'p2p', '--accounts', '10', '--txs', '10', '--hash-cost', '0', '--quick'];
    refused(['bench', '--executor', 'reference', '--threads', '2', ...tiny],
      /^concord bench: --threads 2: the reference executor runs on one thread; bench it with --threads 1\n$/);
    refused(['bench', '--executor', 'reference,block-stm', '--threads', '1,2', ...tiny],
      /--threads 1,2: the reference executor runs on one thread; bench it with --threads 1, apart from the parallel executors/);
    // Without --threads a one-thread executor gets 1 thread, not the parallel executors' 1 .. cores.
    const r = concord('bench', '--executor', 'reference', '--json', ...tiny);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { settings: { threads: number[] }; runs: { threads: number }[] };
    expect(doc.settings.threads).toEqual([1]);
    expect(new Set(doc.runs.map((x) => x.threads))).toEqual(new Set([1]));
  }, 120_000);

  it('bench\'s help gives the suite as its default and says which workload options need --workload', () => {
    const help = concord('bench', '--help').stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/--workload <name> generated workload \(p2p, token, amm, nft, defi; default the suite of blocks\)/);
    for (const o of ['accounts', 'txs', 'zipf']) expect(help).toMatch(new RegExp(`--${o} <\\w+> [^-]*\\(with --workload; `));
    for (const o of ['seed', 'hash-cost']) expect(help).toMatch(new RegExp(`--${o} <\\w+> [^(]*\\([^)]*; the suite's blocks too\\)`));
    expect(concord('run', '--help').stdout.replace(/\s+/g, ' ')).toMatch(/defi; default p2p\)/);
  });

  it('refuses an --executor that names no executor instead of falling back to the defaults', () => {
    refused(['bench', '--executor', ',', '--workload', 'p2p', '--accounts', '10', '--txs', '10', '--quick'], /^concord bench: --executor names no executor \(got ","\)\n$/);
    refused(['verify', '--executor', ' '], /^concord verify: --executor names no executor \(got " "\)\n$/);
  });

  // `--executor 'sequential,,block-stm'` dropped the empty name without a word, where --partition
  // and --threads refuse one: a name deleted from the list, or a variable unset, went unnoticed.
  it('refuses an empty name in an --executor list, wherever a list of executors is read, and keeps a path whose folder has ",," in it', () => {
    const empty = (option: string, value: string) => `${option} ${value}: an empty name in the list; give each executor's name`;
    const cases: [string[], string][] = [
      [['verify', '--executor', 'sequential,,block-stm', '--runs', '1'], empty('--executor', 'sequential,,block-stm')],
      [['verify', '--executor', 'sequential', '--executor', ',', '--runs', '1'], empty('--executor', ',')],
      [['verify', '--executor', 'sequential', '--executor', '', '--runs', '1'], empty('--executor', '""')],
      [['bench', '--executor', 'sequential,,block-stm', '--quick'], empty('--executor', 'sequential,,block-stm')],
      [['bench', '--executor', 'block-stm,', '--quick'], empty('--executor', 'block-stm,')],
      [['bench', '--executor', 'block-stm,,exec:./engine --sizes 1,2', '--quick'], empty('--executor', 'block-stm,,exec:./engine --sizes 1,2')],
      [['bench', '--executor', ',exec:./engine', '--quick'], empty('--executor', ',exec:./engine')],
      [['bench', '--executor', 'block-stm', '--baseline', 'sequential,', '--quick'], empty('--baseline', 'sequential,')],
      [['compare', published, published, '--fail-on-regression', '5', '--only', 'block-stm,,modular'], empty('--only', 'block-stm,,modular')],
    ];
    for (const [args, message] of cases) {
      const r = concord(...args);
      expect({ status: r.status, stderr: r.stderr, stdout: r.stdout }, args.join(' ')).toEqual({ status: 2, stderr: `concord ${args[0]}: ${message}\n`, stdout: '' });
    }
    // An empty name is never a file: the commas of a module's path that is there are no empty name.
    const module = join(dir, 'a,,b', 'm.mjs');
    mkdirSync(join(dir, 'a,,b'));
    writeFileSync(module, 'export default {};\n');
    expect(executorNames([module])).toEqual([module]);
    expect(executorNames([`sequential,${module}, block-stm`])).toEqual(['sequential', module, 'block-stm']);
    expect(() => executorNames([`${module},,block-stm`])).toThrow(empty('--executor', `${module},,block-stm`));
  });

  it('bench refuses an empty block up front, which no results file holds', () => {
    const why = 'an empty block takes no time worth comparing \\(its tx/s is 0 whatever runs it\\), and a results file holds none; give 1 transaction or more';
    refused(['bench', '--executor', 'block-stm', '--workload', 'p2p', '--accounts', '10', '--txs', '0', '--quick', '--rounds', '1'], new RegExp(`^concord bench: --txs 0: ${why}\n$`));
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, JSON.stringify({ format: 'concord-block/1', transactions: [] }));
    refused(['bench', '--executor', 'block-stm', '--block', empty, '--quick', '--rounds', '1'], new RegExp(`^concord bench: --block .*empty\\.json: the block holds no transactions; ${why}\n$`));
    // run executes one still: an empty block is a valid block.
    expect(concord('run', '--workload', 'p2p', '--accounts', '10', '--txs', '0').status).toBe(0);
  });

  it('refuses a thread count given twice instead of dropping the second', () => {
    refused(['bench', '--threads', '1,1', '--workload', 'p2p', '--accounts', '10', '--txs', '20', '--quick', '--rounds', '1'], /^concord bench: --threads: 1 is named twice\n$/);
    refused(['bench', '--executor', 'block-stm', '--threads', '2, 4,2'], /^concord bench: --threads: 2 is named twice\n$/);
  });

  it('refuses an executor named twice, by its name or by two paths to one module, instead of dropping the second', () => {
    refused(['bench', '--executor', 'block-stm,block-stm', '--workload', 'p2p', '--accounts', '10', '--txs', '20', '--quick', '--rounds', '1'], /^concord bench: --executor: block-stm is named twice\n$/);
    refused(['bench', '--executor', 'block-stm,modular, block-stm'], /^concord bench: --executor: block-stm is named twice\n$/);
    refused(['bench', '--executor', 'block-stm', '--baseline', 'reference,reference'], /^concord bench: --baseline: reference is named twice\n$/);
    refused(['verify', '--executor', 'modular,modular', '--runs', '1'], /^concord verify: --executor: modular is named twice\n$/);
    refused(['verify', '--executor', 'exec:./engine --x', '--executor', 'exec:./engine --x'], /^concord verify: --executor: exec:\.\/engine --x is named twice\n$/);
    refused(['verify', '--executor', './engine.mjs', '--executor', 'engine.mjs'], new RegExp(`^concord verify: --executor: \\./engine\\.mjs and engine\\.mjs are one module file \\(${join(process.cwd(), 'engine.mjs').replace(/[.]/g, '\\.')}\\), named twice\n$`));
    // A link to the module is the module too.
    const dir = mkdtempSync(join(tmpdir(), 'concord-link-'));
    try {
      writeFileSync(join(dir, 'engine.mjs'), 'export default {};\n');
      symlinkSync(join(dir, 'engine.mjs'), join(dir, 'link.mjs'));
      expect(() => executorNames([join(dir, 'engine.mjs'), join(dir, 'link.mjs')])).toThrow(/ are one module file \(.*engine\.mjs\), named twice$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // `verify --executor ./dir,with,comma/m.mjs` was split into ./dir, with and comma/m.mjs: a module
  // in a folder whose name has a comma could not be given to any command.
  it('takes commas inside the path of a module file that is there as part of it, in every --executor list, and refuses a list that reads two ways', () => {
    const root = mkdtempSync(join(tmpdir(), 'concord-comma-'));
    const inRoot = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, cwd: root });
    try {
      const module = join(root, 'dir,with,comma', 'my-executor.mjs');
      mkdirSync(join(root, 'dir,with,comma'));
      writeFileSync(module, `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
export default { name: 'mine', async execute(block) { return executeReference(block); }, async close() {} };\n`);
      expect(executorNames([module])).toEqual([module]);
      expect(executorNames([`block-stm, ${module},modular`])).toEqual(['block-stm', module, 'modular']);
      const verified = inRoot('verify', '--executor', 'sequential,./dir,with,comma/my-executor.mjs', '--runs', '3', '--json');
      expect(verified.status, verified.stderr).toBe(0);
      expect(JSON.parse(verified.stdout).executors.map((e: { name: string }) => e.name)).toEqual(['sequential', './dir,with,comma/my-executor.mjs']);
      expect(inRoot('verify', '--executor', './dir,with,comma/typo.mjs').stderr)
        .toBe(`concord verify: --executor ./dir,with,comma/typo.mjs: no such module file (looked for ${join(root, 'dir,with,comma', 'typo.mjs')}); nor is it a list of executors (./dir names none)\n`);
      const small = ['--workload', 'p2p', '--accounts', '10', '--txs', '20', '--quick', '--rounds', '1', '--threads', '1', '--json'];
      const benched = inRoot('bench', '--executor', './dir,with,comma/my-executor.mjs', '--baseline', './dir,with,comma/my-executor.mjs', ...small);
      expect(benched.stderr).toMatch(/^concord bench: --baseline \.\/dir,with,comma\/my-executor\.mjs: also named in --executor/);
      const baseline = inRoot('bench', '--executor', 'block-stm', '--baseline', './dir,with,comma/my-executor.mjs', ...small);
      expect(baseline.status, baseline.stderr).toBe(0);
      expect(JSON.parse(baseline.stdout).settings.baseline).toBe('mine');
      // a.mjs,b.mjs is a module file, and a.mjs and b.mjs are two: no reading is guessed.
      for (const name of ['a.mjs', 'b.mjs', 'a.mjs,b.mjs']) writeFileSync(join(root, name), 'export default {};\n');
      const twoWays = /--executor a\.mjs,b\.mjs: reads two ways, as the module file a\.mjs,b\.mjs or as the executors a\.mjs, b\.mjs: /;
      for (const command of ['verify', 'bench']) {
        const r = inRoot(command, '--executor', 'a.mjs,b.mjs');
        expect(r.status, r.stderr).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`^concord ${command}: ${twoWays.source}.*\n$`));
      }
      // Written another way, the list names no file as a whole.
      expect(inRoot('verify', '--executor', 'a.mjs,./b.mjs', '--runs', '1').stderr).toMatch(/^concord verify: a\.mjs: /);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  // `block-stm,typo.mjs` was said to be a module file named by the whole list, in '.' (always there).
  it('leaves a list with a typo in its module a list, for the module\'s own "no such module file"', () => {
    expect(executorNames(['block-stm,concord-no-such-typo.mjs'])).toEqual(['block-stm', 'concord-no-such-typo.mjs']);
  });

  // A CI step that reads stdout alone parsed nothing from a refused command under --json.
  it('prints { ok: false, error, usage: true } on stdout as well when a command given --json is refused', () => {
    for (const [args, error] of [
      [['run', 'examples/transfer.json', '--executor', 'modular', '--modules', '0', '--json'], '--modules expects an integer from 1 to 4,096, got "0"'],
      [['bench', '--executor', 'block-stm', '--bogus', '--json'], "unknown option '--bogus'"],
      [['verify', '--replay', 'zz', '--json'], '--replay: "zz" is not a replay token (they start with cv8_, or cv7_, cv6_, cv5_, cv4_, cv3_, cv2_ or cv1_ for older ones)'],
    ] as const) {
      const r = concord(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(JSON.parse(r.stdout), args.join(' ')).toEqual({ ok: false, error, usage: true });
    }
    // Without --json, or with it after `--` or on a command that has none, stdout stays empty.
    expect(concord('run', 'examples/transfer.json', '--modules', '0').stdout).toBe('');
    expect(concord('gen', '--workload', 'nope', '--json').stdout).toBe('');
  });

  it('says which option lost its value when the next word is another option, not "too many arguments"', () => {
    refused(['run', 'b.json', '--executor', 'modular', '--partition', '--modules', '3'], /^concord run: --partition is missing its value: the next word, --modules, is an option of run\n$/);
    refused(['bench', '--executor', 'modular', '--modules', '--partition=range'], /^concord bench: --modules is missing its value: the next word, --partition=range, is an option of bench\n$/);
    refused(['prove', '--contract', '--timeout', '5'], /^concord prove: --contract is missing its value: the next word, --timeout, is an option of prove\n$/);
  });

  // A team's own partitioned engine names its partitioners as it likes; the built-in one knows three.
  it('gives a user\'s engine a partition of any name, and holds the modular executor to its own', () => {
    expect(partitionSettings({ partition: 'by-contract' }, ['./engine.mjs', 'exec:./engine'])).toEqual({ partition: 'by-contract' });
    expect(() => partitionSettings({ partition: 'by-contract' }, ['./engine.mjs', 'modular'])).toThrow(/^--partition: unknown partition "by-contract" for the modular executor \(known: hash, range, affinity\)$/);
    expect(() => partitionSettings({ partition: ' ' }, ['./engine.mjs'])).toThrow(/^--partition: empty; give a partition's name$/);
  });

  it('refuses numbers Number() would read too kindly, naming the option', () => {
    for (const zipf of ['Infinity', '', ' ', '0x10', '-1', 'NaN']) {
      refused(['run', '--workload', 'defi', '--zipf', zipf], new RegExp(`^concord run: --zipf expects a number >= 0, got "${zipf}"\\n$`));
    }
    // A numeral past what a double holds, and an integer past 2^53 - 1, say so rather than repeat the sign rule.
    refused(['run', '--workload', 'defi', '--zipf', '1e999'], /^concord run: --zipf expects a number >= 0 that a double can hold, got "1e999"\n$/);
    refused(['gen', '--workload', 'p2p', '--seed', '9007199254740992'], /^concord gen: --seed expects an integer >= 0 and at most 2\^53 - 1, got "9007199254740992"\n$/);
    for (const pct of ['', '0x10', 'Infinity', '-5', '5%']) {
      refused(['compare', published, published, '--fail-on-regression', pct], new RegExp(`^concord compare: --fail-on-regression expects a percentage >= 0, got "${pct}"\\n$`));
    }
    for (const [command, rest] of [['run', ['--workload', 'p2p']], ['verify', []], ['bench', ['--quick']]] as const) {
      for (const timeout of ['', '-1', 'Infinity', '0x10', '1m']) {
        refused([command, ...rest, '--timeout', timeout], new RegExp(`^concord ${command}: --timeout expects seconds >= 0, got "${timeout}"\\n$`));
      }
      refused([command, ...rest, '--timeout', '86401'], new RegExp(`^concord ${command}: --timeout expects seconds from 0 to 86,400 \\(a day\\), got "86401"\\n$`));
    }
    refused(['gen', '-o', ''], /^concord gen: --out: empty file name; give a file, or - for stdout\n$/);
    refused(['bench', '--quick', '--workload', 'p2p', '--out', ''], /^concord bench: --out: empty file name; give a file\n$/);
    for (const zipf of ['0', '1.5', '.5', '2e0']) {
      expect(concord('gen', '--workload', 'defi', '--accounts', '5', '--txs', '5', '--zipf', zipf).status, zipf).toBe(0);
    }
    expect(concord('compare', published, published, '--fail-on-regression', '2.5').status).toBe(0);
  });

  // White space around a number is allowed by every numeric option alike (a list's items after
  // their commas need it), integers included: only inside the digits, or alone, is it refused.
  it('reads a number with white space around it as the number, in every numeric option, and refuses one with it inside', () => {
    for (const raw of ['', ' ', '5 0', '0x10', '1e3', '5.0', '+5', 'Infinity', '\u00a0']) {
      expect(() => intOption('--modules', raw, 0, 1, 4096), JSON.stringify(raw)).toThrow(`--modules expects an integer from 1 to 4,096, got "${raw}"`);
    }
    for (const raw of [' 5', '5 ', '\t5\n', '\u00a05']) expect(intOption('--modules', raw, 0, 1, 4096), JSON.stringify(raw)).toBe(5);
    refused(['run', 'examples/transfer.json', '--executor', 'modular', '--modules', '5 0'], /^concord run: --modules expects an integer from 1 to 4,096, got "5 0"\n$/);
    for (const modules of [' 5', '5 ']) {
      const r = concord('run', 'examples/transfer.json', '--executor', 'modular', '--modules', modules, '--json');
      expect(r.status, JSON.stringify(modules)).toBe(0);
      expect(JSON.parse(r.stdout).stats.modules, JSON.stringify(modules)).toBe(5);
    }
    const block = (...padded: string[]) => concord('gen', '--workload', 'defi', ...padded);
    const plain = block('--accounts', '5', '--txs', '3', '--seed', '2', '--hash-cost', '1', '--zipf', '1.5');
    expect(plain.status).toBe(0);
    expect(block('--accounts', ' 5', '--txs', '3 ', '--seed', '\t2', '--hash-cost', ' 1 ', '--zipf', ' 1.5').stdout).toBe(plain.stdout);
    const runs = concord('verify', '--executor', 'sequential', '--runs', ' 20', '--seed', '1 ', '--json');
    expect(JSON.parse(runs.stdout)).toMatchObject({ runs: 20, seed: 1 });
  });

  // `--executor ' modular'`, `--label` and every number read past the spaces of a quoted value,
  // while `--workload ' p2p'`, `--partition ' range'` and a pasted `--replay` token were refused as
  // unknown: every option's value is read without them now, and one of white space alone is still
  // refused in its option's own words.
  it('reads every option\'s value without the white space around it, and refuses one of white space alone, naming the option', () => {
    const json = (...args: string[]) => {
      const r = concord(...args, '--warmup', '0', '--json');
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout) as { block: string; executor: string; stats: { partition?: string } };
    };
    expect(json('run', '--workload', ' p2p', '--accounts', '3', '--txs', '5').block).toBe('p2p accounts=3 txs=5 seed=1 hash-cost=3');
    expect(json('run', '--workload', 'token\t', '--accounts', '3', '--txs', '5').block).toMatch(/^token /);
    const ran = json('run', 'examples/transfer.json', '--executor', ' modular ', '--partition', ' range', '--pre-state', 'shared ');
    expect([ran.executor, ran.stats.partition]).toEqual(['modular', 'range']);
    expect(concord('gen', '--workload', ' defi ', '--accounts', '5', '--txs', '3').stdout).toBe(concord('gen', '--workload', 'defi', '--accounts', '5', '--txs', '3').stdout);
    const token = `cv1_${Buffer.from(JSON.stringify(['sequential', 'equivalence', 1, 20, 65536, '0'])).toString('base64url')}`;
    const replay = (given: string) => concord('verify', '--replay', given, '--out', join(dir, 'replay'), '--json');
    const [padded, plain] = [replay(`  ${token} `), replay(token)];
    expect(padded.status, padded.stderr).toBe(0);
    expect(JSON.parse(padded.stdout)).toEqual(JSON.parse(plain.stdout));
    expect(JSON.parse(padded.stdout)).toMatchObject({ ok: true, executors: ['sequential'], blocksChecked: 1 });

    refused(['run', '--workload', '  '], /^concord run: --workload: unknown workload " {2}" \(known: p2p, token, amm, nft, defi\)\n$/);
    refused(['run', 'examples/transfer.json', '--executor', 'modular', '--partition', ' '], /^concord run: --partition: empty; give a partition's name\n$/);
    refused(['run', 'examples/transfer.json', '--pre-state', '\t'], /^concord run: --pre-state: unknown kind "\t" \(known: map, shared\)\n$/);
    refused(['run', 'examples/transfer.json', '--executor', ' '], /^concord run: --executor: empty; give one executor \(a built-in name, a module path, or exec:COMMAND\)\n$/);
    refused(['verify', '--replay', ' '], /^concord verify: --replay: " " is not a replay token \(they start with cv8_, or cv7_, cv6_, cv5_, cv4_, cv3_, cv2_ or cv1_ for older ones\)\n$/);
    refused(['bench', '--quick', '--label', '  '], /^concord bench: --label: empty; /);
  });

  // Commander kept the last of an option given twice: `bench --executor ./a.mjs --executor ./b.mjs`
  // measured b alone, without a word, and `gen --txs 10 --txs 20` wrote 20.
  it('refuses an option of one value given twice, saying how to give several where it takes a list', () => {
    refused(['bench', '--quick', '--threads', '1', '--threads', '2'], /^concord bench: --threads given twice \(1, then 2\): give it once, its values comma-separated \(--threads 1,2\)\n$/);
    // The same value twice: a list naming it twice is refused too, so giving it once is the mend.
    refused(['bench', '--quick', '--threads', '1', '--threads', '1'], /^concord bench: --threads given twice \(1, then 1\): give it once \(--threads 1\)\n$/);
    refused(['run', '--executor', 'block-stm', '--executor', 'modular'], /^concord run: --executor given twice \(block-stm, then modular\): give it once\n$/);
    refused(['gen', '--txs', '10', '--txs', '20'], /^concord gen: --txs given twice \(10, then 20\): give it once\n$/);
    refused(['bench', '--quick', '--label', 'x', '--label', 'y'], /^concord bench: --label given twice/);
    // verify's --executor collects its values, repeated or comma-separated, as its help says, and
    // so does bench's (test/bench-two-engines.test.ts): an exec: engine takes the rest of its list.
    const twice = concord('verify', '--executor', 'sequential', '--executor', 'reference', '--runs', '5', '--json');
    expect(twice.status, twice.stderr).toBe(0);
    expect(JSON.parse(twice.stdout).executors.map((e: { name: string }) => e.name)).toEqual(['sequential', 'reference']);
  });

  // bench --block b.json --out b.json wrote its results over the block.
  it('refuses a bench --out that is one of its inputs, by any spelling or link, before any work', () => {
    const block = join(dir, 'input.block.json');
    expect(concord('gen', '--workload', 'p2p', '--accounts', '5', '--txs', '5', '-o', block).status).toBe(0);
    const before = readFileSync(block, 'utf8');
    const link = join(dir, 'link.json');
    symlinkSync(block, link);
    const module = join(dir, 'mine.mjs');
    writeFileSync(module, `export default { name: 'mine', async execute() { throw new Error('not run'); }, async close() {} };\n`);
    refused(['bench', '--block', block, '--executor', 'block-stm', '--out', link], new RegExp(`^concord bench: --out ${link}: is the file of --block ${block}, which the command would overwrite: give another file\n$`));
    refused(['bench', '--block', `${dir}/./input.block.json`, '--executor', 'block-stm', '--out', block], /is the file of --block/);
    refused(['bench', '--quick', '--workload', 'p2p', '--executor', module, '--out', module], /is the file of --executor .*mine\.mjs/);
    refused(['bench', '--quick', '--workload', 'p2p', '--executor', 'block-stm', '--baseline', module, '--out', module], /is the file of --baseline .*mine\.mjs/);
    // An exec: engine's script, refused before the engine starts (this one would fail to).
    const script = join(dir, 'engine.sh');
    writeFileSync(script, '#!/bin/sh\nexit 3\n');
    refused(['bench', '--quick', '--workload', 'p2p', '--executor', `exec:sh '${script}' --fast`, '--out', script],
      new RegExp(`^concord bench: --out ${script}: is ${script}, a file of --executor exec:sh '${script}' --fast, which the command would overwrite: give another file\n$`));
    expect(readFileSync(script, 'utf8')).toBe('#!/bin/sh\nexit 3\n');
    // A word no path can be (a script inline) is no file of the engine's, not a crash.
    refused(['bench', '--quick', '--workload', 'p2p', '--executor', `exec:node -e //${'x'.repeat(300)}`, '--out', dir], /^concord bench: --out \S+: is a folder/);
    expect(readFileSync(block, 'utf8')).toBe(before);
  });

  // bench --out - wrote a file named -, and report and verify a folder, where gen -o -, run -,
  // report - and compare - take - for standard input or output.
  it('refuses --out - where a file or folder named - would be made, bench saying --json prints on standard output', () => {
    const here = mkdtempSync(join(dir, 'dash-'));
    const at = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: here, encoding: 'utf8', timeout: 120_000, input: readFileSync(published, 'utf8') });
    const folder = '--out -: takes the folder to write into; - stands for standard output elsewhere (gen -o -), and no folder of files goes there: give a folder (./- for one named -)';
    const cases: [string[], string][] = [
      [['bench', '--quick', '--workload', 'p2p', '--txs', '10', '--out', '-'],
        '--out -: takes the file to write; - stands for standard output elsewhere (gen -o -), but not here: --json prints the results on standard output (concord bench ... --json | concord report -)'],
      [['report', published, '--out', '-'], folder],
      // Refused before standard input is read.
      [['report', '-', '--out', '-'], folder],
      [['verify', '--executor', 'reference', '--runs', '5', '--out', '-'], folder],
      [['main', '--out', '-'], folder],
      [['run', '--workload', 'defi', '--txs', '5', '--warmup', '0', '--executor', 'modular', '--partition', 'affinity', '--train', '2', '--save-placement', '-'],
        '--save-placement -: takes the file to write; - stands for standard output elsewhere (gen -o -), but not here: give a file (./- for one named -)'],
    ];
    for (const [args, message] of cases) {
      const r = at(...args);
      expect([r.status, r.stderr, r.stdout], args.join(' ')).toEqual([2, `concord ${args[0]}: ${message}\n`, '']);
      expect(existsSync(join(here, '-')), args.join(' ')).toBe(false);
    }
    // A folder really named - is ./-.
    expect(at('report', published, '--out', './-').status).toBe(0);
    expect(existsSync(join(here, '-', 'report.md'))).toBe(true);
  });

  it('makes no folder for --out when an option is refused', () => {
    const cases: [string[], string, RegExp][] = [
      [['gen', '--workload', 'nope'], 'gen', /--workload: unknown workload "nope"/],
      [['gen', '--workload', 'p2p', '--seed', '-1'], 'gen-seed', /--seed expects an integer >= 0, got "-1"/],
      [['bench', '--quick', '--workload', 'nope'], 'bench', /--workload: .*unknown workload "nope"/],
      [['bench', '--quick', '--workload', 'p2p', '--executor', 'reference', '--threads', '2'], 'bench-threads', /the reference executor runs on one thread/],
    ];
    for (const [args, folder, message] of cases) {
      const out = join(dir, folder, 'deeper', 'x.json');
      refused([...args, args[0] === 'gen' ? '-o' : '--out', out], message);
      expect(existsSync(join(dir, folder)), args.join(' ')).toBe(false);
    }
  });

  it('a signal mid-verify or mid-run on an executor that settles at once reaches its listeners, and verify leaves no empty --out folder behind', async () => {
    // The progress bar listens for Ctrl-C to restore the terminal: with the sequential executor
    // verify never left its microtasks, so the listener (and the bar's timer) never ran and Ctrl-C
    // did nothing. This listener stands in for the bar's, which needs a terminal.
    const listener = join(dir, 'listener.mjs');
    writeFileSync(listener, "process.once('SIGINT', () => { process.stderr.write('listener ran\\n'); process.kill(process.pid, 'SIGINT'); });\n");
    const out = join(dir, 'interrupted', 'verify');
    for (const args of [['verify', '--executor', 'sequential', '--runs', '3000000', '--out', out], ['run', '--executor', 'sequential', '--workload', 'p2p', '--txs', '20000', '--repeat', '100000']]) {
      const child = spawn(process.execPath, ['--import', pathToFileURL(listener).href, cli, ...args]);
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const ended = new Promise<[number | null, string | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
      try {
        await new Promise((r) => setTimeout(r, 3000));
        child.kill('SIGINT');
        expect(await Promise.race([ended, new Promise((r) => setTimeout(() => r('still running 20 s after SIGINT'), 20_000))]), args[0]).toEqual([null, 'SIGINT']);
        // run says how far it got on stderr (verify's report of what it checked is on stdout).
        if (args[0] === 'run') expect(stderr, args[0]).toMatch(/^listener ran\nconcord run: stopped by SIGINT (after [\d,]+ of 100,000 timed runs|during the warm-up) of p2p [^\n]+\n$/);
        else expect(stderr, args[0]).toBe('listener ran\n');
      } finally {
        child.kill('SIGKILL');
      }
    }
    expect(existsSync(join(dir, 'interrupted'))).toBe(false);
  });
});
