// The concord command's option checks, run as a user runs them: every bad option or combination
// is one line on stderr naming the option, exit 2, nothing on stdout, no stack trace, and it fails
// before any long work starts (a bench with a bad --out must not run the benchmark first). An
// executor that throws, returns garbage, never settles or hangs past --timeout is one line naming
// it, exit 1.
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ranLater, SPAWNS_TIMEOUT_MS } from './helpers.js';
import { READER_WAIT_MS, writeWhole } from '../cli/output.js';
import { secondsPast } from '../cli/errors.js';
import { proveCommand } from '../cli/prove.js';
import { z3Installed } from '../spec/smt/z3.js';
import { parseBlock } from '../spec/block-file.js';
import { encodeToken } from '../properties/replay.js';

const cli = new URL('../dist/cli/concord.js', import.meta.url).pathname;
const z3 = await z3Installed();
const concord = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('concord options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const empty = join(dir, 'empty.json');
  writeFileSync(empty, '{"format":"concord-block/1","transactions":[]}');
  const notAnExecutor = join(dir, 'forty-two.mjs');
  writeFileSync(notAnExecutor, 'export default 42;\n');

  it('refuses out-of-range, misplaced and unknown options with one line and exit 2', () => {
    const cases: [string[], RegExp][] = [
      [['run', '--workload', 'p2p', '--hash-cost', '40000'], /--hash-cost expects an integer from 0 to 33,000, got "40000"/],
      [['run', '--zipf', '2'], /--zipf shapes the defi workload's hot spots; p2p \(the default\) has none/],
      [['verify', '--txs', '100000000'], /--txs expects an integer from 1 to 10,000/],
      [['gen', '--workload', 'defi', '--accounts', '100000000'], /--accounts expects an integer from 1 to 1,000,000/],
      [['run', '--workload', 'p2p', '--txs', '99999999999999999'], /--txs expects an integer from 0 to 1,000,000/],
      [['run', '--workload', 'p2p', '--executor', 'block-stm', '--threads', '100000'], /--threads expects an integer from 1 to \d+, got "100000"/],
      [['run', '--workload', 'p2p', '--executor', 'modular', '--modules', '99999999'], /--modules expects an integer from 1 to 4,096/],
      [['run', '--workload', 'p2p', '--executor', 'modular', '--partition', 'nope'], /--partition: unknown partition "nope" for the modular executor \(known: hash, range, affinity\)/],
      [['run', '--workload', 'p2p', '--executor', 'block-stm', '--modules', '4'], /--modules configures the modular executor, not block-stm/],
      [['run', '--workload', 'p2p', '--executor', 'sequential', '--threads', '2'], /--threads: the sequential executor runs on one thread \(give --threads 1, or none\)/],
      [['run', empty, '--txs', '5'], /give a block file or --txs, not both/],
      [['run', '--workload', 'p2p', '--zipf', '2'], /--zipf shapes the defi workload's hot spots; p2p has none/],
      [['run', join(dir, 'missing.json')], /cannot read: no such file or folder \(ENOENT\)/],
      [['run', dir], /cannot read: is a folder, not a file \(EISDIR\)/],
      [['bench', '--quick', '--workload', 'p2p', '--executor', 'nope'], /unknown executor "nope" .*ending in \.js, \.mjs or \.cjs/],
      [['bench', '--quick', '--workload', 'p2p', '--executor', join(dir, 'none.mjs')], /none\.mjs: no such module file/],
      [['bench', '--quick', '--workload', 'p2p', '--executor', 'block-stm', '--partition', 'range'], /--partition configures the modular executor, not block-stm/],
      [['bench', '--quick', '--workload', 'p2p', '--executor', notAnExecutor], /forty-two\.mjs: the default export must be an Executor/],
      [['bench', '--quick', '--workload', 'p2p', '--executor', 'block-stm,sequential'], /--executor: sequential is the baseline every executor is measured against/],
      [['bench', '--quick', '--txs', '200'], /--txs: only with --workload; the suite's blocks have fixed sizes/],
      [['bench', '--block', empty, '--seed', '3'], /give --block FILE or --seed, not both/],
      [['bench', '--quick', '--workload', 'p2p', '--out', dir], /--out .*: is a folder; give a file name/],
      [['report', join(dir, 'r.json'), '--out', empty], /cannot read: no such file or folder/],
      [['verify', '--executor', 'sequential', '--runs', '10000000000', '--time-limit', '2', '--json'], /--runs expects an integer from 1 to 3,276,800, got "10000000000"/],
      [['verify', '--executor', 'sequential', '--seed', '137438953472'], /--seed expects an integer from 0 to 137,438,953,471/],
      [['verify', '--executor', 'sequential', '--runs', '1 000'], /--runs expects an integer from 1 to 3,276,800, got "1 000"/],
      [['verify', '--executor', 'sequential', '--runs', '50', '--out', empty, '--json'], /^concord verify: --out .*empty\.json: is a file; give a folder$/m],
      [['run', empty, '--repeat', '100001'], /--repeat expects an integer from 1 to 100,000, got "100001"/],
      [['run', empty, '--warmup', '99999999999'], /--warmup expects an integer from 0 to 600,000, got "99999999999"/],
      [['main', '--out', empty], /^concord main: --out .*empty\.json: is a file; give a folder$/m],
      [['run', '--bogus'], /^concord run: unknown option '--bogus'$/m],
      [['bench', '--threads'], /^concord bench: option '--threads <list>' argument missing$/m],
      [['bogus'], /^concord: unknown command 'bogus'$/m],
    ];
    for (const [args, message] of cases) {
      const r = concord(...args);
      const label = args.join(' ');
      expect(r.status, label).toBe(2);
      expect(r.stderr, label).toMatch(message);
      expect(r.stderr.trim().split('\n'), label).toHaveLength(1);
      // Under --json the same error is also the one document on stdout.
      if (args.includes('--json')) expect(`concord ${args[0]}: ${(JSON.parse(r.stdout) as { error: string }).error}\n`, label).toBe(r.stderr);
      else expect(r.stdout, label).toBe('');
    }
  }, SPAWNS_TIMEOUT_MS);

  // The token fixes the check, its block size, seed and shrink path: these options would be ignored.
  it('verify --replay refuses the options a replay would ignore, and a token only the vitest helper can replay', () => {
    const token = (executor: string) => `cv1_${Buffer.from(JSON.stringify([executor, 'equivalence', 1, 20, 65536, '0'])).toString('base64url')}`;
    const alone = /^concord verify: --replay reruns one failure: give it alone \(with --repeat, --json, --out or --timeout\), not with /;
    for (const [option, value] of [['--seed', '5'], ['--runs', '10'], ['--txs', '3'], ['--time-limit', '5'], ['--shard', '1/2']]) {
      const r = concord('verify', '--replay', token('sequential'), option!, value!, '--out', join(dir, 'replay'));
      expect(r.status, option).toBe(2);
      expect(r.stderr.trim().split('\n'), option).toEqual([expect.stringMatching(new RegExp(`${alone.source}${option}$`))]);
      expect(r.stdout, option).toBe('');
    }
    const both = concord('verify', '--replay', token('sequential'), '--seed', '5', '--runs', '10');
    expect(both.stderr.trim()).toMatch(new RegExp(`${alone.source}--runs, --seed$`));
    // The vitest helper names an executor object so that no command takes it for a built-in of the same name.
    const held = concord('verify', '--replay', token('test:sequential'), '--out', join(dir, 'replay'));
    expect(held.status).toBe(2);
    expect(held.stderr.trim().split('\n')).toEqual([expect.stringMatching(
      /^concord verify: --replay: this token is of the executor sequential that a test gave verifyExecutor as an object or a factory, which no command can build: replay it in that test, with verifyExecutor\(executor, \{ replay: TOKEN \}\)$/)]);
  });

  it.skipIf(process.platform !== 'linux')('refuses an --out under /proc at once (a recursive mkdir loops there on Node 20)', () => {
    const results = join(dir, 'results-proc.json');
    writeFileSync(results, readFileSync(new URL('../reports/published/results.json', import.meta.url)));
    const buggy = new URL('./fixtures/verify/batch-executor.mjs', import.meta.url).pathname;
    for (const [command, ...args] of [['report', results], ['verify', '--executor', buggy, '--runs', '50'], ['main']]) {
      const r = concord(command!, ...args, '--out', `/proc/concord-test/${command}`);
      expect(r.status, command).toBe(2);
      expect(r.stderr.trim(), command).toMatch(new RegExp(`^concord ${command}: --out /proc/concord-test/${command}: cannot write there: [^\n]+$`));
    }
  });

  // access(W_OK) passes for root everywhere: as root a bench with --out under /sys ran its whole
  // sweep and only then failed to write, losing the results; report and verify failed at the write.
  it.skipIf(process.platform !== 'linux')('refuses an --out where no file can be made (/sys, for root too) before any work', () => {
    const results = join(dir, 'results-sys.json');
    writeFileSync(results, readFileSync(new URL('../reports/published/results.json', import.meta.url)));
    const buggy = new URL('./fixtures/verify/batch-executor.mjs', import.meta.url).pathname;
    const cases: [string, string[], string][] = [
      ['bench', ['--quick', '--workload', 'p2p', '--executor', 'block-stm'], '/sys/concord-test.json'],
      ['gen', ['--workload', 'p2p'], '/sys/concord-test.json'],
      ['report', [results], '/sys'],
      ['verify', ['--executor', buggy, '--runs', '50'], '/sys'],
      ['main', [], '/sys'],
    ];
    for (const [command, args, out] of cases) {
      const r = concord(command, ...args, '--out', out);
      expect(r.status, command).toBe(2);
      expect(r.stderr.trim(), command).toMatch(new RegExp(`^concord ${command}: --out ${out}: cannot write there: [^\n]+$`));
      expect(r.stdout, command).toBe('');
    }
  });

  it('verify leaves no output folder it made when it wrote nothing there, and keeps one it wrote to or found', () => {
    const cwd = mkdtempSync(join(dir, 'out-'));
    const verify = (...args: string[]) => spawnSync(process.execPath, [cli, 'verify', '--runs', '50', ...args], { encoding: 'utf8', timeout: 60_000, cwd });
    expect(verify('--executor', 'sequential').status).toBe(0);
    expect(readdirSync(cwd), 'a passing verify').toEqual([]);
    mkdirSync(join(cwd, 'mine'));
    expect(verify('--executor', 'sequential', '--out', 'mine').status).toBe(0);
    expect(readdirSync(cwd), 'a folder that was there').toEqual(['mine']);
    const buggy = new URL('./fixtures/verify/batch-executor.mjs', import.meta.url).pathname;
    expect(verify('--executor', buggy).status).toBe(1);
    expect(readdirSync(join(cwd, 'concord-out/verify')), 'a failing verify').toEqual([expect.stringMatching(/\.block\.json$/)]);
    // A command that found its folder made by another, which removed it empty at its exit, makes it again to write.
    const results = join(cwd, 'gone', 'deeper', 'results.json');
    mkdirSync(join(cwd, 'gone', 'deeper'), { recursive: true });
    rmSync(join(cwd, 'gone'), { recursive: true });
    writeWhole(results, '{}');
    expect(readFileSync(results, 'utf8')).toBe('{}');
  });

  // `--out newdir/` passed the check and failed at the write, after bench's whole sweep, its results
  // lost; `--out file.json/` ended in a raw ENOTDIR (exit 1).
  it('refuses an --out file that ends in a slash, a folder\'s name, before any work', () => {
    const cwd = mkdtempSync(join(dir, 'slash-'));
    writeFileSync(join(cwd, 'block.json'), '{}');
    const cases: [string, string[]][] = [['gen', ['--txs', '2']], ['bench', ['--quick', '--workload', 'p2p', '--executor', 'block-stm']]];
    for (const [command, args] of cases) {
      for (const out of ['new/', 'block.json/']) {
        const r = spawnSync(process.execPath, [cli, command, ...args, '--out', out], { encoding: 'utf8', timeout: 60_000, cwd });
        expect([r.status, r.stderr, r.stdout], `${command} --out ${out}`).toEqual([2, `concord ${command}: --out ${out}: ends in /, so it names a folder; give a file name\n`, '']);
      }
    }
    expect(readdirSync(cwd)).toEqual(['block.json']);
  });

  // A temp file renamed over the path replaced a pipe with a file its reader never saw (and, as
  // root, `-o /dev/null` replaced the device), where `-o >(gzip > b.gz)` was refused outright.
  it.skipIf(process.platform !== 'linux')('gen --out writes into a pipe or a device the path names, never replacing it with a file', async () => {
    const fifo = join(dir, 'out.fifo');
    const got = join(dir, 'from-fifo.json');
    spawnSync('mkfifo', [fifo]);
    // A pipe no process reads, its own: the command waits READER_WAIT_MS for a reader, while the cases below run.
    const lonely = join(dir, 'unread.fifo');
    spawnSync('mkfifo', [lonely]);
    const unreadLater = ranLater(process.execPath, [cli, 'gen', '--txs', '2', '-o', lonely], 60_000);
    const piped = spawnSync('sh', ['-c', `timeout 20 cat "$1" > "$2" & "$3" "$4" gen --txs 2 -o "$1"; code=$?; wait; exit $code`, 'sh', fifo, got, process.execPath, cli], { encoding: 'utf8', timeout: 60_000 });
    expect([piped.status, piped.stderr]).toEqual([0, 'wrote 2 transactions to ' + fifo + '\n']);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(parseBlock(readFileSync(got, 'utf8'), got).txs).toHaveLength(2);
    // A reader that comes a second later gets the whole block; with none, the command ends, never hangs.
    const late = spawnSync('sh', ['-c', `(sleep 1; timeout 20 cat "$1" > "$2") & "$3" "$4" gen --txs 2 -o "$1"; code=$?; wait; exit $code`, 'sh', fifo, got, process.execPath, cli], { encoding: 'utf8', timeout: 60_000 });
    expect([late.status, late.stderr]).toEqual([0, 'wrote 2 transactions to ' + fifo + '\n']);
    expect(parseBlock(readFileSync(got, 'utf8'), got).txs).toHaveLength(2);
    const unread = await unreadLater.ran;
    expect([unread.status, unread.stderr]).toEqual([2, `concord gen: ${lonely}: cannot write: a pipe no process read within ${READER_WAIT_MS / 1000} s (ENXIO)\n`]);
    const substituted = spawnSync('bash', ['-c', `"$1" "$2" gen --txs 2 -o >(wc -c > "$3"); code=$?; wait; exit $code`, 'bash', process.execPath, cli, join(dir, 'count')], { encoding: 'utf8', timeout: 60_000 });
    expect([substituted.status, substituted.stderr]).toEqual([0, expect.stringMatching(/^wrote 2 transactions to \/dev\/fd\/\d+\n$/)]);
    const link = join(dir, 'null-link');
    symlinkSync('/dev/null', link);
    expect(concord('gen', '--txs', '2', '-o', link).status).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('report refuses a file as its output folder before writing anything', () => {
    const results = join(dir, 'results.json');
    writeFileSync(results, readFileSync(new URL('../reports/published/results.json', import.meta.url)));
    const r = concord('report', results, '--out', empty);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out .*empty\.json: is a file; give a folder/);
    expect(readFileSync(empty, 'utf8')).toContain('concord-block/1');
  });

  it('report refuses a folder where it writes one of its files, before writing any of them', () => {
    const results = join(dir, 'results-taken.json');
    writeFileSync(results, readFileSync(new URL('../reports/published/results.json', import.meta.url)));
    const out = join(dir, 'taken');
    mkdirSync(join(out, 'report.md'), { recursive: true });
    const r = concord('report', results, '--out', out);
    expect([r.status, r.stderr]).toEqual([2, `concord report: ${out}/report.md: is a folder, where the report writes a file; move it, or give another --out folder\n`]);
    expect(readdirSync(out)).toEqual(['report.md']);
  });

  // A folder published whole carried the chart of an earlier report these results do not draw; and
  // the Sources line gave the bench command unquoted, which a shell split at every space.
  it('report removes an earlier report\'s chart these results do not draw, and quotes the bench command it names', () => {
    const published = JSON.parse(readFileSync(new URL('../reports/published/results.json', import.meta.url), 'utf8')) as { command: string[]; createdAt: string; runs: { role: string; fallbackShare?: number; fallback?: string }[] };
    const out = join(dir, 'report-again');
    expect(concord('report', new URL('../reports/published/results.json', import.meta.url).pathname, '--out', out).status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['efficiency.svg', 'report.html', 'report.md', 'speedup.svg', 'throughput.svg']);
    // Every block sent to the sequential executor: no efficiency to chart.
    for (const r of published.runs) if (r.role === 'executor') Object.assign(r, { fallbackShare: 1, fallback: 'preflight: a test' });
    const sequential = join(dir, 'all-sequential.json');
    writeFileSync(sequential, JSON.stringify({ ...published, command: ['bench', '--executor', 'exec:node e.mjs --sched a', '--out', 'my results.json'], createdAt: '2026-12-02T19:10:00.000Z' }));
    const r = concord('report', sequential, '--out', out);
    expect([r.status, r.stderr]).toEqual([0, `report: ${out}/report.html\nreport: ${out}/report.md (+ 2 SVG charts; removed efficiency.svg, an earlier report's, which these results do not draw)\n`]);
    expect(readdirSync(out).sort()).toEqual(['report.html', 'report.md', 'speedup.svg', 'throughput.svg']);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain("by concord bench --executor 'exec:node e.mjs --sched a' --out 'my results.json'");
  });

  it('report and compare read one results file piped into standard input as -, and say so when nothing came', () => {
    const published = readFileSync(new URL('../reports/published/results.json', import.meta.url), 'utf8');
    const piped = (input: string, ...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, input });
    const out = join(dir, 'piped-report');
    const report = piped(published, 'report', '-', '--out', out);
    expect([report.status, report.stderr]).toEqual([0, `report: ${out}/report.html\nreport: ${out}/report.md (+ 3 SVG charts)\n`]);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/stdin/);
    const copy = join(dir, 'published-copy.json');
    // Not byte for byte the same, which compare would take for one run given twice.
    writeFileSync(copy, `${published}\n`);
    const compared = piped(published, 'compare', '-', copy, '--json');
    expect(compared.status).toBe(0);
    expect((JSON.parse(compared.stdout) as { rows: unknown[] }).rows.length).toBeGreaterThan(10);
    expect([piped(published, 'compare', '-', '-').status, piped(published, 'compare', '-', '-').stderr])
      .toEqual([2, 'concord compare: -: given twice; standard input holds one results file, so give the others as files\n']);
    expect(piped('', 'report', '-', '--out', out).stderr)
      .toBe('concord report: stdin: standard input is empty (pipe a results file into it: concord bench ... --json | concord report -)\n');
    expect(piped(' \n', 'compare', copy, '-').stderr)
      .toBe('concord compare: stdin: standard input holds nothing but white space (pipe a results file into it: concord bench ... --json | concord compare - NEW.json)\n');
    expect(piped('{"format"', 'report', '-', '--out', out).stderr).toMatch(/^concord report: stdin: /);
    const folder = spawnSync(process.execPath, [cli, 'report', '-', '--out', out], { encoding: 'utf8', timeout: 60_000, stdio: [openSync(dir, 'r'), 'pipe', 'pipe'] });
    expect([folder.status, folder.stderr]).toEqual([2, 'concord report: stdin: cannot read: is a folder, not a file (EISDIR)\n']);
  });

  it('run --check explains the first difference from the reference and exits 1; --receipts lists every receipt', () => {
    const reversed = join(dir, 'reversed.mjs');
    const reference = new URL('../dist/spec/reference.js', import.meta.url).href;
    writeFileSync(reversed, `import { executeReference } from '${reference}';
export default { name: 'reversed', async execute(block) { return executeReference({ ...block, txs: [...block.txs].reverse() }); }, async close() {} };\n`);
    const example = new URL('../examples/transfer.json', import.meta.url).pathname;
    const bad = concord('run', example, '--executor', reversed, '--check', '--warmup', '0');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^check +DIFFERS from the reference; the first difference:\n {2}anomaly /m);
    const json = concord('run', example, '--executor', reversed, '--check', '--warmup', '0', '--json');
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout).check.same).toBe(false);
    const good = concord('run', example, '--executor', 'block-stm', '--threads', '2', '--check', '--receipts', '--warmup', '0');
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/^check +the same state root, receipts and reads as the reference$/m);
    expect(good.stdout).toMatch(/^tx +7 +out-of-gas, gas 100$/m);
  });

  /** A module that returns the reference's result, altered by `alter` (JavaScript over `r`, the result, and `b`, the block). */
  const altering = (file: string, name: string, alter: string) => {
    const reference = new URL('../dist/spec/reference.js', import.meta.url).href;
    writeFileSync(file, `import { executeReference } from '${reference}';
export default { name: '${name}', async execute(b, o) { const r = executeReference(b); ${alter} }, async close() {} };\n`);
    return file;
  };

  // spec/state.ts: a key holding 0 is an absent key, which the state root leaves out.
  it('run --check and verify agree that a state listing a key at 0 is the state without it', () => {
    const zero = altering(join(dir, 'zero-state.mjs'), 'zero-state', 'return { ...r, state: new Map(r.state).set(999, 0) };');
    const example = new URL('../examples/transfer.json', import.meta.url).pathname;
    const run = concord('run', example, '--executor', zero, '--check', '--warmup', '0');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^check +the same state root, receipts and reads as the reference$/m);
    const verify = concord('verify', '--executor', zero, '--runs', '100', '--out', join(dir, 'zero-state'));
    expect(verify.stdout).toMatch(/^all properties hold$/m);
    expect(verify.status).toBe(0);
  });

  it('verify keeps the blocks of two modules of one file name apart, each rerun running its own', () => {
    mkdirSync(join(dir, 'twins', 'sub'), { recursive: true });
    const wrong = (n: number) => `return b.txs.length <= ${n} ? r : { ...r, stateRoot: '00'.repeat(32) };`;
    const one = altering(join(dir, 'twins', 'badroot.mjs'), 'badroot', wrong(5));
    const other = altering(join(dir, 'twins', 'sub', 'badroot.mjs'), 'badroot', wrong(2));
    const r = concord('verify', '--executor', `${one},${other}`, '--runs', '100', '--out', join(dir, 'twins-out'), '--json');
    expect(r.status).toBe(1);
    const failures = (JSON.parse(r.stdout) as { failures: { executor: string; blockFile: string; block: object }[] }).failures;
    expect(failures.map((f) => f.executor)).toEqual([one, other]);
    expect(new Set(failures.map((f) => f.blockFile)).size).toBe(2);
    for (const f of failures) {
      expect(JSON.parse(readFileSync(f.blockFile, 'utf8')), f.executor).toEqual(f.block);
      expect(concord('run', f.blockFile, '--executor', f.executor, '--check', '--warmup', '0').status, f.executor).toBe(1);
    }
  });

  it('verify says a counterexample fails only after the blocks run before it on the same instance, and its replay never calls it gone', () => {
    // Keeps every key it saw, and leaks it into the next block's pre-state.
    const leaky = join(dir, 'leaky.mjs');
    writeFileSync(leaky, `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
export default () => { const table = new Map(); return { name: 'leaky', async execute(b) {
  const r = executeReference({ ...b, preState: new Map([...table, ...b.preState]) }); for (const [k, v] of r.state) table.set(k, v); return r; }, async close() {} }; };\n`);
    const out = join(dir, 'leaky-out');
    const r = concord('verify', '--executor', leaky, '--runs', '100', '--out', out);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^ {2}fails only {3}after the blocks run before it on the same executor instance \(state kept between blocks\): on a fresh instance this block passes/m);
    const token = /replay {7}npx concord verify --replay (cv8_\S+)/.exec(r.stdout)![1]!;
    const again = concord('verify', '--replay', token, '--out', out);
    expect(again.status).toBe(1);
    expect(again.stdout).toMatch(/^replayed leaky \(\S+leaky\.mjs\) equivalence seed \d+ path [\d:]+: the block passes, but when it was found it failed only after the blocks run before it on the same executor instance \(state kept between blocks\), so passing alone does not make the failure gone: rerun the whole verify to see whether it still fails, or the rerun line it printed for its block, which runs the blocks it needs first \(--after \S+leaky-out\/leaky\.mjs-[0-9a-f]{8}-equivalence-\d+\.earlier\.json\)$/m);
    expect(again.stdout).not.toMatch(/no longer fails/);
    const json = concord('verify', '--replay', token, '--out', out, '--json');
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, reproduced: false, failsOnly: 'after earlier blocks', failures: [] });
  });

  // A counter at module level, shared by every instance: fresh instances in verify's process fail
  // too, so the failure was not marked, and its replay in a fresh process said "no longer fails" alone.
  it('a passing replay of a module path says the failure did not reproduce in a fresh process, and names module-level state among the causes', () => {
    const shared = join(dir, 'module-level.mjs');
    writeFileSync(shared, `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
let calls = 0;
export default () => ({ name: 'module-level', async execute(b) { const r = executeReference(b); return ++calls > 30 ? { ...r, gasUsed: r.gasUsed + 1 } : r; }, async close() {} });\n`);
    const out = join(dir, 'module-level-out');
    const r = concord('verify', '--executor', shared, '--runs', '100', '--out', out);
    expect(r.status).toBe(1);
    expect(r.stdout).not.toMatch(/fails only/);
    const token = /replay {7}npx concord verify --replay (cv8_\S+)/.exec(r.stdout)![1]!;
    const again = concord('verify', '--replay', token, '--out', out);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^replayed module-level \(\S+module-level\.mjs\) equivalence seed \d+ path [\d:]+: the counterexample no longer fails, here in a fresh process\. /);
    expect(again.stdout).toMatch(/the recorded failure did not reproduce in a fresh process because it needs state the module keeps at module level .*, or because it fails only sometimes \(a race\); rerun the whole verify/);
    const json = concord('verify', '--replay', token, '--out', out, '--json');
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, reproduced: false, failures: [], note: expect.stringMatching(/did not reproduce in a fresh process/) });
  });

  it('a replay that reproduces a counterexample found to fail only sometimes keeps that label, and writes its block apart', () => {
    // Wrong on every other call while verify looks for it; wrong on every call while it is replayed.
    const flaky = join(dir, 'flaky.mjs');
    writeFileSync(flaky, `import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
let calls = 0;
export default () => ({ name: 'flaky', async execute(b) {
  const r = executeReference(b); const wrong = process.env.ALWAYS_WRONG === '1' || calls++ % 2 === 1;
  return wrong ? { ...r, gasUsed: r.gasUsed + 1, state: r.state, stats: r.stats } : r; }, async close() {} });\n`);
    const out = join(dir, 'flaky-out');
    const r = concord('verify', '--executor', flaky, '--runs', '100', '--out', out);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^ {2}fails only {3}sometimes /m);
    const token = /replay {7}npx concord verify --replay (cv8_\S+)/.exec(r.stdout)![1]!;
    const found = /^ {2}block file {3}(\S+)/m.exec(r.stdout)![1]!;
    const again = spawnSync(process.execPath, [cli, 'verify', '--replay', token, '--out', out, '--json'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ALWAYS_WRONG: '1' } });
    expect(again.status).toBe(1);
    const doc = JSON.parse(again.stdout) as { reproduced: boolean; failures: { failsOnly?: string; replayed?: boolean; blockFile: string; token: string }[] };
    expect(doc).toMatchObject({ reproduced: true, failures: [{ failsOnly: 'sometimes', replayed: true }] });
    expect(doc.failures[0]!.blockFile).toBe(found.replace(/\.block\.json$/, '-replay.block.json'));
    // Its token still says so, for the next replay.
    expect(doc.failures[0]!.token).toBe(token);
  });

  it('verify --replay --repeat N runs the reported block until it fails, and runs no other', () => {
    // Wrong on every other call while verify looks for it; while replayed, right for the first
    // WRONG_AFTER calls of the process and wrong after them. Every block it is given is logged.
    const late = join(dir, 'late.mjs');
    const log = join(dir, 'late-blocks.txt');
    writeFileSync(late, `import { appendFileSync } from 'node:fs';
import { executeReference } from '${new URL('../dist/spec/reference.js', import.meta.url).href}';
let calls = 0;
export default () => ({ name: 'late', async execute(b) {
  calls++;
  if (process.env.BLOCK_LOG) appendFileSync(process.env.BLOCK_LOG, JSON.stringify(b.txs) + '\\n');
  const r = executeReference(b);
  const after = Number(process.env.WRONG_AFTER ?? -1);
  const wrong = after >= 0 ? calls > after : calls % 2 === 0;
  return wrong ? { ...r, gasUsed: r.gasUsed + 1, state: r.state, stats: r.stats } : r; }, async close() {} });\n`);
    const out = join(dir, 'late-out');
    const r = concord('verify', '--executor', late, '--runs', '100', '--out', out);
    expect(r.status).toBe(1);
    const token = /replay {7}npx concord verify --replay (cv8_\S+)/.exec(r.stdout)![1]!;
    const replay = (...extra: string[]) => spawnSync(process.execPath, [cli, 'verify', '--replay', token, '--out', out, ...extra],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, WRONG_AFTER: '20', BLOCK_LOG: log } });
    const once = replay('--json');
    expect(once.status).toBe(1);
    expect(JSON.parse(once.stdout)).toMatchObject({ ok: false, reproduced: false, runs: 1, failsOnly: 'sometimes' });
    expect(JSON.parse(once.stdout).error).toMatch(/the block passes, .* replay it with more runs \(--repeat N, or repeat: N in verifyExecutor\), or rerun the whole verify/);
    writeFileSync(log, '');
    const more = replay('--repeat', '50');
    expect(more.status).toBe(1);
    expect(more.stdout).toMatch(/^ {2}replayed {5}failed on run ([2-9]|\d\d) of up to 50$/m);
    // Every call of the replay was given the one reported block.
    expect(new Set(readFileSync(log, 'utf8').trim().split('\n')).size).toBe(1);
    const alone = concord('verify', '--executor', late, '--repeat', '5');
    expect(alone.status).toBe(2);
    expect(alone.stderr).toBe('concord verify: --repeat runs a replayed block again: give it with --replay TOKEN\n');
  });

  it('verify --coverage requires the named stats counters of any executor, and refuses names no stats can carry', () => {
    const wrapper = new URL('./fixtures/verify/reference-wrapper.mjs', import.meta.url).pathname;
    const out = join(dir, 'coverage-out');
    const ok = concord('verify', '--executor', wrapper, '--runs', '60', '--coverage', 'executions', '--out', out);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ +coverage, summed over its runs: executions \d+, skip-rest \d+$/m);
    const missing = concord('verify', '--executor', wrapper, '--runs', '60', '--coverage', 'executions, failedValidations', '--out', out);
    expect(missing.status).toBe(1);
    expect(missing.stdout).toMatch(/^FAIL reference-wrapper \(\S+\): a green run must exercise failedValidations, and this one never did$/m);
    expect(missing.stdout).toMatch(/a --coverage counter only where the executor's stats report it under that name/);
    for (const args of [['--coverage', 're-executions'], ['--coverage', ''], ['--planted', '--coverage', 'executions'], ['--executor', 'sequential', '--coverage', 'executions']]) {
      const r = concord('verify', ...args, '--out', out);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^concord verify: (--coverage expects comma-separated stats counter names|--planted checks the planted-bug catalogue: leave out --coverage|--coverage names the stats counters of your own executor: give its module or its exec: command with --executor)/);
    }
  });

  it('lists the library contracts with their arguments', () => {
    const r = concord('contracts');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^p2p\(from: entity, to: entity, amount: value, seq: value\)$/m);
  });

  it('prints its version, and an empty block says so', () => {
    const version = concord('--version');
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version);
    const run = concord('run', empty, '--warmup', '0');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\(0 transactions\)/);
    expect(run.stdout).toMatch(/receipts +none \(an empty block\)/);
    expect(run.stdout).toMatch(/over 1 run, cold/);
  });

  it('verify --replay names the folder a token\'s relative module path is from, run elsewhere', () => {
    const token = encodeToken({ version: 1, executor: './engine-of-another-folder.mjs', check: 'equivalence', minTxs: 1, maxTxs: 20, seed: 65536, path: '0' });
    const r = concord('verify', '--replay', token);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`concord verify: --replay: the token's executor ./engine-of-another-folder.mjs is a path from the folder verify ran in, and ${process.cwd()} has no such file: `
      + 'run the replay from the folder the failing verify ran in\n');
  });

  it('run - reads the block piped into it, says so when nothing came, and --json names the threads that ran it', () => {
    const piped = (input: string, ...args: string[]) => spawnSync(process.execPath, [cli, 'run', '-', '--warmup', '0', ...args], { encoding: 'utf8', timeout: 60_000, input });
    const generated = concord('gen', '--workload', 'p2p', '--accounts', '20', '--txs', '30', '--out', '-');
    expect(generated.status).toBe(0);
    const r = piped(generated.stdout, '--executor', 'block-stm', '--check', '--json');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout) as { block: string; txs: number; threads: number; check: { same: boolean } };
    expect(summary).toMatchObject({ block: 'stdin', txs: 30, check: { same: true } });
    // Not null: the executor reports the count its default gave it.
    expect(summary.threads).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(piped(generated.stdout, '--json').stdout).threads).toBe(1);
    // --threads 1 is what a one-thread executor does anyway: a script looping over thread counts gives it.
    expect(JSON.parse(piped(generated.stdout, '--json', '--executor', 'reference', '--threads', '1').stdout).threads).toBe(1);
    const none = piped('');
    expect(none.status).toBe(2);
    // Standard input is no file: said as what it is, with how to fill it.
    expect(none.stderr).toBe('concord run: stdin: JSON: standard input is empty (pipe a block into it: concord gen ... --out - | concord run -)\n');
    expect(piped(' \n').stderr).toBe('concord run: stdin: JSON: standard input holds nothing but white space (pipe a block into it: concord gen ... --out - | concord run -)\n');
    const request = spawnSync(process.execPath, [cli, 'request', '-'], { encoding: 'utf8', timeout: 60_000, input: '' });
    expect(request.status).toBe(2);
    expect(request.stderr).toBe('concord request: stdin: JSON: standard input is empty (pipe a block into it: concord gen ... --out - | concord request -)\n');
    // A folder redirected into it (`concord run - < blocks/`) reads as nothing at all, and was said to be empty.
    const folder = spawnSync(process.execPath, [cli, 'run', '-'], { encoding: 'utf8', timeout: 60_000, stdio: [openSync(dir, 'r'), 'pipe', 'pipe'] });
    expect([folder.status, folder.stderr]).toEqual([2, 'concord run: stdin: cannot read: is a folder, not a file (EISDIR)\n']);
    const cut = piped(generated.stdout.slice(0, 200));
    expect(cut.status).toBe(2);
    expect(cut.stderr).toMatch(/^concord run: stdin: JSON: /);
    // bench names its block file in results and rerun lines: a pipe has no name to give.
    const bench = spawnSync(process.execPath, [cli, 'bench', '--block', '-'], { encoding: 'utf8', timeout: 60_000, input: generated.stdout });
    expect(bench.status).toBe(2);
    expect(bench.stderr).toMatch(/^concord bench: --block -: bench names the block file in its results and rerun lines, so it reads no standard input/);
  });

  describe('an executor that fails outside any check', () => {
    const example = new URL('../examples/transfer.json', import.meta.url).pathname;
    const reference = new URL('../dist/spec/reference.js', import.meta.url).href;
    const executor = (name: string, body: string) => {
      const file = join(dir, `${name}.mjs`);
      writeFileSync(file, `import { executeReference } from '${reference}';\nexport default { name: '${name}', ${body}, async close() {} };\n`);
      return file;
    };
    const throws = executor('throws', "async execute() { throw new Error('boom\\nsecond line'); }");
    const garbage = executor('garbage', 'async execute() { return { stateRoot: 5 }; }');
    const nothing = executor('nothing', 'async execute() { return null; }');
    const hangs = executor('hangs', 'execute() { return new Promise(() => {}); }');
    // A deadlocked engine: its threads (here a timer) keep the process alive, so only --timeout ends it.
    const deadlocks = executor('deadlocks', 'execute() { setInterval(() => {}, 1000); return new Promise(() => {}); }');
    const module = (name: string, text: string) => {
      const file = join(dir, `${name}.mjs`);
      writeFileSync(file, text);
      return file;
    };
    const noEngine = module('no-engine', "export default () => { throw new Error('no engine'); };");
    // A factory: an exported object is closed once, after the command (impl/registry.ts), not as verify loads it.
    const badClose = module('bad-close', "export default () => ({ name: 'bad-close', async execute() { return null; }, async close() { throw new Error('still busy'); } });");
    const bothThrow = module('both-throw', "export default { name: 'both-throw', async execute() { throw new Error('boom'); }, async close() { throw new Error('still busy'); } };");

    /** Exit 1, one line on stderr; with --json, the same message in one JSON object on stdout. */
    function failsWith(args: string[], message: RegExp): Record<string, unknown> {
      const text = concord(...args);
      const label = args.join(' ');
      expect(text.status, label).toBe(1);
      expect(text.stderr.trim().split('\n'), label).toEqual([expect.stringMatching(message)]);
      expect(text.stdout, label).toBe('');
      const json = concord(...args, '--json');
      expect(json.status, label).toBe(1);
      expect(json.stderr.trim().split('\n'), label).toEqual([expect.stringMatching(message)]);
      const j = JSON.parse(json.stdout) as Record<string, unknown>;
      expect(`concord ${args[0]}: ${String(j.error)}`, label).toMatch(message);
      return j;
    }

    it('run names the executor and what it did, with and without --check', () => {
      for (const check of [[], ['--check']]) {
        const run = (file: string) => ['run', example, '--executor', file, '--warmup', '0', ...check];
        const j = failsWith(run(throws), /^concord run: the executor \S+throws\.mjs threw on \S+transfer\.json: Error: boom\\nsecond line(?: \(at [^\n]+\))?$/);
        // Named as a passing run's JSON names it: by the name the module declares.
        expect(j).toMatchObject({ block: example, executor: 'throws' });
        failsWith(run(garbage), /^concord run: the executor \S+garbage\.mjs returned a malformed result on \S+transfer\.json: receipts is not a list$/);
        failsWith(run(nothing), /^concord run: the executor \S+nothing\.mjs returned a malformed result on \S+transfer\.json: null instead of a BlockResult object$/);
        // Why execute() failed is what the user needs; the close() that fails after it is not.
        failsWith(run(bothThrow), /^concord run: the executor \S+both-throw\.mjs threw on \S+transfer\.json: Error: boom(?: \(at [^\n]+\))?$/);
      }
    });

    it('verify and bench name a module that throws while loading or closing, and bench one that never settles', () => {
      const tiny = ['--workload', 'p2p', '--accounts', '10', '--txs', '10', '--threads', '1', '--quick'];
      failsWith(['verify', '--executor', noEngine, '--runs', '50', '--out', join(dir, 'no-engine')], /^concord verify: the executor \S+no-engine\.mjs threw while loading: Error: no engine(?: \(at [^\n]+\))?$/);
      failsWith(['verify', '--executor', badClose, '--runs', '50', '--out', join(dir, 'bad-close')], /^concord verify: the executor \S+bad-close\.mjs threw while closing: Error: still busy(?: \(at [^\n]+\))?$/);
      failsWith(['bench', '--executor', noEngine, ...tiny], /^concord bench: the executor \S+no-engine\.mjs threw while loading: Error: no engine(?: \(at [^\n]+\))?$/);
      // bench says what it is about to do before it starts (not under --json), so the error is its last line.
      const stalled = /^concord bench: the executor \S+hangs\.mjs: execute\(\) on p2p-a10-t10-s1-h3 at 1 thread never settled, and nothing was left running that could settle it; rerun: npx concord run --workload p2p --accounts 10 --txs 10 --seed 1 --hash-cost 3 --executor \S+hangs\.mjs --threads 1 --warmup 0 --check --timeout 300; nothing was measured before it$/;
      const text = concord('bench', '--executor', hangs, ...tiny);
      expect(text.status).toBe(1);
      expect(text.stderr.trim().split('\n').at(-1)).toMatch(stalled);
      const json = concord('bench', '--executor', hangs, ...tiny, '--json');
      expect(json.status).toBe(1);
      expect(json.stderr.trim().split('\n')).toEqual([expect.stringMatching(stalled)]);
      expect(`concord bench: ${String((JSON.parse(json.stdout) as { error: string }).error)}`).toMatch(stalled);
    });

    it('run and verify say which call never settled, instead of exiting 13 without a word', () => {
      failsWith(['run', example, '--executor', hangs, '--warmup', '0'], /^concord run: the executor \S+hangs\.mjs: execute\(\) never settled on \S+transfer\.json: nothing was left running that could settle it$/);
      const j = failsWith(['verify', '--executor', hangs, '--runs', '50', '--time-limit', '5', '--out', join(dir, 'hangs')],
        /^concord verify: the executor \S+hangs\.mjs: execute\(\) never settled on a generated block of \d+ transactions? \(threads (\d)\): nothing was left running that could settle it; its block is in \S+hangs\.mjs-[0-9a-f]{8}-hung\.block\.json \(rerun: npx concord run \S+ --executor \S+hangs\.mjs --threads \1 --warmup 0 --check --timeout 300\)$/);
      expect(j.ok).toBe(false);
      const written = /its block is in (\S+)/.exec(String(j.error))![1]!;
      expect(written.startsWith(`${join(dir, 'hangs')}/`)).toBe(true);
      expect(parseBlock(readFileSync(written, 'utf8'), written).txs.length).toBeGreaterThan(0);
    });

    it('run, verify and bench stop an executor hung past --timeout, naming the call; verify writes its block', () => {
      failsWith(['run', example, '--executor', deadlocks, '--warmup', '0', '--timeout', '0.4'],
        /^concord run: the executor \S+deadlocks\.mjs: execute\(\) on \S+transfer\.json did not settle within 0\.4 s$/);
      const out = join(dir, 'deadlocks');
      const j = failsWith(['verify', '--executor', deadlocks, '--runs', '50', '--timeout', '0.4', '--out', out],
        /^concord verify: the executor \S+deadlocks\.mjs: execute\(\) on a generated block of \d+ transactions? \(threads (\d)\) did not settle within 0\.4 s; its block is in \S+deadlocks\.mjs-[0-9a-f]{8}-hung\.block\.json \(rerun: npx concord run \S+ --executor \S+deadlocks\.mjs --threads \1 --warmup 0 --check --timeout 0\.4\)$/);
      expect(j.ok).toBe(false);
      const written = /its block is in (\S+)/.exec(String(j.error))![1]!;
      expect(written.startsWith(out)).toBe(true);
      expect(parseBlock(readFileSync(written, 'utf8'), written).txs.length).toBeGreaterThan(0);
      const tiny = ['--workload', 'p2p', '--accounts', '10', '--txs', '10', '--threads', '1', '--quick', '--timeout', '0.4'];
      const hung = /^concord bench: the executor \S+deadlocks\.mjs: execute\(\) on p2p-a10-t10-s1-h3 at 1 thread did not settle within 0\.4 s; rerun: npx concord run --workload p2p --accounts 10 --txs 10 --seed 1 --hash-cost 3 --executor \S+deadlocks\.mjs --threads 1 --warmup 0 --check --timeout 0\.4; nothing was measured before it$/;
      const text = concord('bench', '--executor', deadlocks, ...tiny);
      expect(text.status).toBe(1);
      expect(text.stderr.trim().split('\n').at(-1)).toMatch(hung);
    });

    // A failure or hang that shows at 4 threads alone passed when rerun without them.
    it('verify reruns a failure and a hang at the thread count of the failing call', () => {
      const reference = new URL('../dist/spec/reference.js', import.meta.url).href;
      const at4 = module('wrong-at-4', `import { executeReference } from '${reference}';
export default { name: 'wrong-at-4', async execute(b, o) { const r = executeReference(b);
  return o?.threads === 4 && b.txs.length >= 3 ? { ...r, receipts: r.receipts.map((x, i) => (i === 1 ? { ...x, outputs: [...x.outputs, 1] } : x)) } : r; }, async close() {} };\n`);
      const r = concord('verify', '--executor', at4, '--runs', '100', '--seed', '11', '--out', join(dir, 'wrong-at-4'));
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/^FAIL wrong-at-4 \(\S+\): equivalence check \(threads 4\)/m);
      const rerun = /\(rerun: npx concord (run \S+ --executor \S+wrong-at-4\.mjs --threads 4 --warmup 0 --check)\)/.exec(r.stdout)![1]!;
      expect(concord(...rerun.split(' ')).status).toBe(1);
      const hangsAt4 = module('hangs-at-4', `import { executeReference } from '${reference}';
export default { name: 'hangs-at-4', execute(b, o) { if (o?.threads === 4 && b.txs.length >= 3) { setInterval(() => {}, 1000); return new Promise(() => {}); }
  return Promise.resolve(executeReference(b)); }, async close() {} };\n`);
      const hung = concord('verify', '--executor', hangsAt4, '--runs', '100', '--timeout', '0.4', '--out', join(dir, 'hangs-at-4'));
      expect(hung.status).toBe(1);
      expect(hung.stderr.trim().split('\n')).toEqual([expect.stringMatching(
        /^concord verify: the executor \S+hangs-at-4\.mjs: execute\(\) on a generated block of \d+ transactions \(threads 4\) did not settle within 0\.4 s; its block is in \S+ \(rerun: npx concord run \S+ --executor \S+hangs-at-4\.mjs --threads 4 --warmup 0 --check --timeout 0\.4\)$/)]);
    });

    it('run, verify and bench stop an executor that holds the main thread past --timeout (a busy loop, a blocking wait)', () => {
      const spins = executor('spins', 'execute() { for (;;); }');
      const blocks = executor('blocks', 'async execute() { await null; Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); }');
      const held = 'did not settle within 0\\.4 s; it held the main thread \\(a busy loop or a blocking wait\\) until interrupted';
      failsWith(['run', example, '--executor', spins, '--warmup', '0', '--timeout', '0.4'],
        new RegExp(`^concord run: the executor \\S+spins\\.mjs: execute\\(\\) on \\S+transfer\\.json ${held}$`));
      const out = join(dir, 'blocks');
      const verify = concord('verify', '--executor', blocks, '--runs', '50', '--timeout', '0.4', '--out', out);
      expect(verify.status).toBe(1);
      expect(verify.stderr.trim().split('\n')).toEqual([expect.stringMatching(
        new RegExp(`^concord verify: the executor \\S+blocks\\.mjs: execute\\(\\) on a generated block of \\d+ transactions? \\(threads \\d\\) ${held}; its block is in \\S+blocks\\.mjs-[0-9a-f]{8}-hung\\.block\\.json `))]);
      const written = /its block is in (\S+)/.exec(verify.stderr)![1]!;
      expect(written.startsWith(out)).toBe(true);
      expect(parseBlock(readFileSync(written, 'utf8'), written).txs.length).toBeGreaterThan(0);
      const bench = concord('bench', '--executor', spins, '--workload', 'p2p', '--accounts', '10', '--txs', '10', '--threads', '1', '--quick', '--timeout', '0.4', '--json');
      expect(bench.status).toBe(1);
      // With the command that makes the same call again: bench stops at a hang, leaving no results to look at.
      expect(JSON.parse(bench.stdout)).toMatchObject({ error: expect.stringMatching(new RegExp(`^the executor \\S+spins\\.mjs: execute\\(\\) on p2p-a10-t10-s1-h3 at 1 thread ${held}; `
        + 'rerun: npx concord run --workload p2p --accounts 10 --txs 10 --seed 1 --hash-cost 3 --executor \\S+spins\\.mjs --threads 1 --warmup 0 --check --timeout 0\\.4; nothing was measured before it$')) });
    });

    // bench stops at a hang: the rerun it prints must make the same call again, here the
    // instance's 20th on one block, which the first 19 calls lead to.
    it('bench prints the rerun of a hung call, with as many calls as its instance had made', () => {
      const twentieth = module('twentieth', `import { executeReference } from '${reference}';
export default () => { let n = 0; return { name: 'twentieth', async execute(b) { if (++n === 20) { setInterval(() => {}, 1000); return new Promise(() => {}); } return executeReference(b); }, async close() {} }; };\n`);
      const bench = concord('bench', '--executor', twentieth, '--block', example, '--threads', '1', '--rounds', '2', '--timeout', '1');
      expect(bench.status).toBe(1);
      const rerun = /; rerun: npx concord (run \S+ --executor \S+twentieth\.mjs --threads 1 --repeat 20 --warmup 0 --check --timeout 1) \(it was call 20 of its instance, /.exec(bench.stderr);
      expect(rerun, bench.stderr).not.toBeNull();
      const again = concord(...rerun![1]!.split(' '));
      expect([again.status, again.stderr]).toEqual([1, expect.stringMatching(/execute\(\) on \S+transfer\.json did not settle within 1 s\n$/)]);
    });

    it('bench writes the whole sweep when a module object\'s close() hangs at the end, and leaves --out as it was when a hang came before anything was measured', () => {
      const closeHangs = module('close-hangs', `import { executeReference } from '${reference}';
export default { name: 'close-hangs', async execute(b) { return executeReference(b); }, close() { setInterval(() => {}, 1000); return new Promise(() => {}); } };\n`);
      const out = join(dir, 'close-hangs.json');
      const bench = concord('bench', '--executor', closeHangs, '--block', example, '--threads', '1', '--quick', '--rounds', '2', '--timeout', '1', '--out', out);
      expect([bench.status, bench.stderr.trim().split('\n').at(-1)]).toEqual([1, expect.stringMatching(/: close\(\) did not settle within 1 s; what was measured before it is in \S+close-hangs\.json /)]);
      const doc = JSON.parse(readFileSync(out, 'utf8')) as { stopped: string; runs: unknown[] };
      expect([doc.runs.length, doc.stopped]).toEqual([2, expect.stringMatching(/^the executor \S+close-hangs\.mjs: close\(\) did not settle within 1 s$/)]);
      // Never settling with nothing left running: the process would end on its own, with nothing written.
      const closeNever = module('close-never', `import { executeReference } from '${reference}';
export default { name: 'close-never', async execute(b) { return executeReference(b); }, close() { return new Promise(() => {}); } };\n`);
      const never = concord('bench', '--executor', closeNever, '--block', example, '--threads', '1', '--quick', '--rounds', '2', '--out', out);
      expect([never.status, never.stderr.trim().split('\n').at(-1)]).toEqual([1, expect.stringMatching(/close-never\.mjs: close\(\) never settled, and nothing was left running that could settle it; what was measured before it is in /)]);
      expect((JSON.parse(readFileSync(out, 'utf8')) as { runs: unknown[] }).runs).toHaveLength(2);
      writeFileSync(out, 'an earlier file\n');
      const first = concord('bench', '--executor', hangs, '--block', example, '--threads', '1', '--quick', '--timeout', '1', '--out', out);
      expect([first.status, first.stderr.trim().split('\n').at(-1)]).toEqual([1, expect.stringMatching(/; nothing was measured before it \(\S+close-hangs\.json is left as it was\)$/)]);
      expect(readFileSync(out, 'utf8')).toBe('an earlier file\n');
    });

    // Labelled at each thread count over the modules that loaded there, the second lost its path at
    // 2 threads, where the first failed to load: bench refused its own file and wrote nothing.
    it('bench names a module by one label at every thread count, though another of its name fails at one', () => {
      const make = (name: string, fails: boolean) => module(name, `import { executeReference } from '${reference}';
export default function create(s) { if (${fails} && s.threads === 2) throw new Error('one thread only'); return { name: 'X', async execute(b) { return executeReference(b); }, async close() {} }; }\n`);
      const [one, both] = [make('one-thread', true), make('both-threads', false)];
      const out = join(dir, 'one-label.json');
      const bench = concord('bench', '--executor', `${one},${both}`, '--block', example, '--threads', '1,2', '--quick', '--rounds', '2', '--out', out, '--json');
      expect(bench.status).toBe(1);
      const doc = JSON.parse(readFileSync(out, 'utf8')) as { runs: { executor: string; threads: number; role: string }[]; failures: { executor: string; threads: number }[] };
      expect(doc.runs.filter((r) => r.role === 'executor').map((r) => [r.executor, r.threads])).toEqual([
        [`X (${one})`, 1], [`X (${both})`, 1], [`X (${both})`, 2],
      ]);
      expect(doc.failures).toMatchObject([{ executor: one, threads: 2 }]);
    });

    // A wrong result had its rerun line; a call that threw had none, though it is as much the engine's bug.
    it('bench gives a call that threw on a block the concord run that makes it again', () => {
      const at2 = module('throws-at-2', `import { executeReference } from '${reference}';
export default function create(s) { let calls = 0; return { name: 'throws-at-2', async execute(b) { if (s.threads === 2 && ++calls === 3) throw new Error('boom at 2'); return executeReference(b); }, async close() {} }; }\n`);
      const out = join(dir, 'throws-at-2.json');
      const bench = concord('bench', '--executor', at2, '--block', example, '--threads', '1,2', '--quick', '--rounds', '2', '--out', out);
      expect(bench.status).toBe(1);
      const doc = JSON.parse(readFileSync(out, 'utf8')) as { failures: { executor: string; threads: number; call?: number }[] };
      expect(doc.failures).toMatchObject([{ executor: 'throws-at-2', threads: 2, call: 3 }]);
      const line = bench.stderr.split('\n').find((l) => l.includes('failed:'))!;
      expect(line).toMatch(/^bench: throws-at-2 at 2 threads on \S+ failed: boom at 2 \(rerun: (npx concord|node \S+) run \S+transfer\.json --executor \S+throws-at-2\.mjs --threads 2 --repeat 3 --warmup 0 --check: bench's 3 calls on a fresh instance, the last checked\)$/);
    });

    // A sweep of several engines used to lose every figure it had measured to one engine's hang.
    it('bench writes what it measured before a hang, which report and compare read as a sweep that stopped part-way', () => {
      const at2 = module('hangs-at-2', `import { executeReference } from '${reference}';
let at2 = 0;
export default { name: 'hangs-at-2', execute(b, o) { if (o?.threads === 2 && ++at2 === 3) { setInterval(() => {}, 1000); return new Promise(() => {}); } return Promise.resolve(executeReference(b)); }, async close() {} };\n`);
      const out = join(dir, 'hangs-at-2.json');
      const bench = concord('bench', '--executor', at2, '--block', example, '--threads', '1,2', '--quick', '--rounds', '2', '--timeout', '1', '--out', out, '--json');
      expect(bench.status).toBe(1);
      const said = JSON.parse(bench.stdout) as { error: string; resultsFile: string; results: unknown };
      expect(said).toMatchObject({ resultsFile: out, error: expect.stringMatching(/at 2 threads did not settle within 1 s; rerun: .* --threads 2 .*; what was measured before it is in \S+hangs-at-2\.json \(its "stopped" says where the sweep stopped\)$/) });
      const doc = JSON.parse(readFileSync(out, 'utf8')) as {
        stopped: string; runs: { executor: string; threads: number; role: string }[]; simulated: unknown[]; noise: { roundTrips?: { threads: number }[] };
      };
      // Its third call at 2 threads hung in the first timed round, whose probe ran: it stands beside no run, so it is left out.
      expect(doc.noise.roundTrips?.filter((t) => t.threads === 2) ?? []).toEqual([]);
      // The file's document in the failure's JSON too, for a reader of stdout alone.
      expect(said.results).toEqual(doc);
      expect(doc.stopped).toMatch(/^the executor hangs-at-2: execute\(\) on \S+ at 2 threads did not settle within 1 s; rerun: .* --executor \S+hangs-at-2\.mjs --threads 2 --repeat \d+ /);
      expect(doc.runs.map((r) => [r.role, r.executor, r.threads])).toEqual([['baseline', 'sequential', 1], ['executor', 'hangs-at-2', 1]]);
      expect(doc.simulated).toEqual([]);
      const report = concord('report', out, '--out', join(dir, 'hangs-at-2-report'));
      expect(report.status, report.stderr).toBe(0);
      const md = readFileSync(join(dir, 'hangs-at-2-report', 'report.md'), 'utf8');
      expect(md).toContain('the sweep stopped part-way, at a call into an executor that never settled');
      expect(md).toMatch(/the sweep stopped part-way, so it holds only what was measured before: the executor .* Not measured: every workload at 2 threads\./);
      // A new side that hung is no passing comparison, whatever its measured rows say.
      const compared = concord('compare', out, out);
      expect(compared.status).toBe(1);
      expect(compared.stdout).toMatch(/^broken: \S+hangs-at-2\.json: the sweep stopped part-way: the executor /m);
    });

    it('run and verify fail a call that held the main thread past --timeout and then returned, at once, whenever it returned', () => {
      const slow = executor('slow', 'execute(b) { const end = performance.now() + 600; while (performance.now() < end); return executeReference(b); }');
      failsWith(['run', example, '--executor', slow, '--warmup', '0', '--timeout', '0.4'],
        /^concord run: the executor \S+slow\.mjs: execute\(\) on \S+transfer\.json did not settle within 0\.4 s \(it returned after 0\.\d\d s\)$/);
      // Returning just as the watchdog sends its interrupt (the limit plus its 1 s grace): the
      // command still ends on the first call, with one line, whichever of the two ended it.
      const racing = executor('racing', 'execute(b) { const end = performance.now() + 1400; while (performance.now() < end); return executeReference(b); }');
      const started = performance.now();
      const r = concord('verify', '--executor', racing, '--runs', '50', '--timeout', '0.4', '--out', join(dir, 'racing'));
      expect(r.status).toBe(1);
      expect(performance.now() - started).toBeLessThan(20_000);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(
        /^concord verify: the executor \S+racing\.mjs: execute\(\) on a generated block of \d+ transactions? \(threads \d\) did not settle within 0\.4 s(; it held the main thread \(a busy loop or a blocking wait\) until interrupted| \(it returned after 1\.\d\d s\)); its block is in /)]);
    });

    it('ends with the call\'s own report when the watchdog\'s interrupt lands in Concord\'s code, after the call returned or as the command gave up', () => {
      // Fault injection into the race itself: the watchdog's control cells (cli/watchdog.ts) are
      // caught as the main thread publishes a call, and the main thread is held, once, where it
      // takes the call back from the watchdog (Watchdog.returned), by `hold`.
      const racer = (name: string, hold: string, execute: string) => module(name, `import { executeReference } from '${reference}';
const store = Atomics.store;
const swap = Atomics.compareExchange;
let control = null;
let held = false;
Atomics.store = (cells, i, v) => { if (cells instanceof Int32Array && cells.length === 6 && i === 1 && v > 0) control = cells; return store(cells, i, v); };
Atomics.compareExchange = (cells, i, expected, v) => {
  if (cells === control && i === 1 && !held) { held = true; ${hold} }
  return swap(cells, i, expected, v);
};
export default { name: '${name}', execute(b) { ${execute} }, async close() {} };`);
      // Returned past the limit, and held until the watchdog takes the call: its interrupt is on
      // its way as the main thread goes on, and lands in the wait kept for it.
      const takenAsReturned = racer('taken-as-returned', 'while (Atomics.load(cells, 1) === expected);',
        'const end = performance.now() + 600; while (performance.now() < end); return executeReference(b);');
      failsWith(['run', example, '--executor', takenAsReturned, '--warmup', '0', '--timeout', '0.4'],
        /^concord run: the executor \S+taken-as-returned\.mjs: execute\(\) on \S+transfer\.json did not settle within 0\.4 s \(it returned after 0\.6\d s\)$/);
      // Held past the limit, then never settles: the report is held until the interrupt lands in
      // it, which loses it; the watch's timer gives up again.
      const reportCut = racer('report-cut', 'for (;;);', 'const end = performance.now() + 600; while (performance.now() < end); return new Promise(() => {});');
      const cut = concord('run', example, '--executor', reportCut, '--warmup', '0', '--timeout', '0.4');
      expect([cut.status, cut.stderr.trim().split('\n')]).toEqual([1, [expect.stringMatching(
        /^concord run: the executor \S+report-cut\.mjs: execute\(\) on \S+transfer\.json did not settle within 0\.4 s$/)]]);
      // A forgotten promise found only as the process runs dry, past the limit (a 'beforeExit'
      // handler ahead of Concord's held the main thread), and never interrupted: still said as one.
      const heldAtExit = module('held-at-exit', `process.prependOnceListener('beforeExit', () => { const end = performance.now() + 600; while (performance.now() < end); });
export default { name: 'held-at-exit', execute() { return new Promise(() => {}); }, async close() {} };`);
      const dry = concord('run', example, '--executor', heldAtExit, '--warmup', '0', '--timeout', '0.4');
      expect([dry.status, dry.stderr.trim().split('\n')]).toEqual([1, [expect.stringMatching(
        /^concord run: the executor \S+held-at-exit\.mjs: execute\(\) never settled on \S+transfer\.json: nothing was left running that could settle it$/)]]);
      // docs/cli.md's known limit: held in an immediate's own callback, Node aborts as the
      // interrupt lands, unless its async hook checks are off, as the docs say to do.
      const inImmediate = module('held-in-immediate', "export default { name: 'held-in-immediate', execute() { return new Promise(() => setImmediate(() => { for (;;); })); }, async close() {} };");
      const args = ['run', example, '--executor', inImmediate, '--warmup', '0', '--timeout', '0.4'];
      const aborted = concord(...args);
      expect([aborted.status, aborted.stderr.split('\n')[0]]).toEqual([1, expect.stringMatching(/^Error: async hook stack has become corrupted/)]);
      const checksOff = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '--no-force-async-hooks-checks' } });
      expect([checksOff.status, checksOff.stderr.trim()]).toEqual([1, expect.stringMatching(/held-in-immediate\.mjs: execute\(\) on \S+transfer\.json did not settle within 0\.4 s; it held the main thread \(a busy loop or a blocking wait\) until interrupted$/)]);
    });

    it('says a call that returned past a --timeout under 10 ms took longer than it, not "0.00 s"', () => {
      // Two decimals, and as many more as it takes to show the time above the limit.
      expect([secondsPast(1.4, 0.001), secondsPast(1000.3, 1), secondsPast(1234, 0.4), secondsPast(10, 0.01)]).toEqual(['0.0014', '1.0003', '1.23', '0.01']);
      const r = concord('run', '--txs', '5', '--warmup', '0', '--timeout', '0.001');
      expect(r.status, r.stderr).toBe(1);
      const [, took] = /^concord run: the executor sequential: \S+(?: [^\n]*)? did not settle within 0\.001 s \(it returned after (\d+\.\d+) s\)$/.exec(r.stderr.trim()) ?? [];
      expect(Number(took), r.stderr).toBeGreaterThan(0.001);
    });

    it('run still reports why execute() failed when the close() after it holds the main thread, with or without --timeout', () => {
      const spinningClose = module('spinning-close', "export default { name: 'spinning-close', async execute() { throw new Error('boom'); }, close() { for (;;); } };");
      const boom = /^concord run: the executor \S+spinning-close\.mjs threw on \S+transfer\.json: Error: boom(?: \(at [^\n]+\))?$/;
      failsWith(['run', example, '--executor', spinningClose, '--warmup', '0', '--timeout', '0.4'], boom);
      // --timeout 0 waits for ever on a call, but a clean-up still gets its 5 s.
      const r = concord('run', example, '--executor', spinningClose, '--warmup', '0', '--timeout', '0');
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(boom)]);
    });

    it('kills the process, saying why, when an executor holds the main thread where no interrupt reaches (a blocking native call)', () => {
      const native = module('native', "import { execFileSync } from 'node:child_process';\nexport default { name: 'native', execute() { execFileSync('sleep', ['10']); }, async close() {} };");
      const r = concord('run', example, '--executor', native, '--warmup', '0', '--timeout', '0.4', '--json');
      expect(r.signal).toBe('SIGKILL');
      const message = /^concord run: the executor \S+native\.mjs: execute\(\) on \S+transfer\.json did not settle within 0\.4 s and held the main thread, which could not be interrupted, so the process is killed$/;
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
      expect(`concord run: ${String((JSON.parse(r.stdout) as { error: string }).error)}`).toMatch(message);
    });

    // A native engine deadlocked inside a synchronous call: the watchdog kills the process, and
    // used to leave no figure of a sweep that had measured everything up to it.
    it('bench leaves what it measured before a call no interrupt reaches, as the watchdog kills the process', () => {
      const native = module('native-at-2', `import { execFileSync } from 'node:child_process';
import { executeReference } from '${reference}';
let at2 = 0;
export default { name: 'native-at-2', execute(b, o) { if (o?.threads === 2 && ++at2 === 3) execFileSync('sleep', ['10']); return Promise.resolve(executeReference(b)); }, async close() {} };\n`);
      const out = join(dir, 'native-at-2.json');
      const r = concord('bench', '--executor', native, '--block', example, '--threads', '1,2', '--quick', '--rounds', '2', '--timeout', '0.4', '--out', out, '--json');
      expect(r.signal).toBe('SIGKILL');
      const message = /^concord bench: the executor native-at-2: execute\(\) on \S+ at 2 threads did not settle within 0\.4 s and held the main thread, which could not be interrupted, so the process is killed; what was measured before it is in \S+native-at-2\.json \(its "stopped" says where the sweep stopped\)$/;
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(message);
      const said = JSON.parse(r.stdout) as { error: string; resultsFile: string; results: unknown };
      expect(`concord bench: ${said.error}`).toMatch(message);
      const doc = JSON.parse(readFileSync(out, 'utf8')) as { stopped: string; runs: { executor: string; threads: number; role: string }[] };
      expect(said).toMatchObject({ resultsFile: out, results: doc });
      expect(doc.stopped).toMatch(/^the executor native-at-2: execute\(\) on \S+ at 2 threads did not settle within 0\.4 s and held the main thread/);
      expect(doc.runs.map((x) => [x.role, x.executor, x.threads])).toEqual([['baseline', 'sequential', 1], ['executor', 'native-at-2', 1]]);
      const report = concord('report', out, '--out', join(dir, 'native-at-2-report'));
      expect(report.status, report.stderr).toBe(0);
      expect(readFileSync(join(dir, 'native-at-2-report', 'report.md'), 'utf8')).toContain('Not measured: every workload at 2 threads.');
    });

    it('run reports why execute() failed even when the close() after it hangs', () => {
      const stuckClose = module('stuck-close', "export default { name: 'stuck-close', async execute() { throw new Error('boom'); }, close() { setInterval(() => {}, 1000); return new Promise(() => {}); } };");
      failsWith(['run', example, '--executor', stuckClose, '--warmup', '0', '--timeout', '1'], /^concord run: the executor \S+stuck-close\.mjs threw on \S+transfer\.json: Error: boom(?: \(at [^\n]+\))?$/);
    });

    // Its close() is a clean-up after a counterexample (at most 5 s, or --timeout when shorter), as `run` has it.
    it('verify still reports a counterexample in full when the close() after it hangs; after a passing run, such a close() is the hang it is', () => {
      // Each closes at once until it has executed a block, so verify's load check up front passes.
      const stuckAfter = (name: string, execute: string) => module(name, `export default () => { let ran = false; return { name: '${name}', ${execute},
  close() { if (!ran) return Promise.resolve(); setInterval(() => {}, 1000); return new Promise(() => {}); } }; };\n`);
      const thrown = stuckAfter('throws-then-stuck', "async execute() { ran = true; throw new Error('boom'); }");
      const out = join(dir, 'throws-then-stuck');
      const r = concord('verify', '--executor', thrown, '--runs', '50', '--timeout', '1', '--out', out);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^FAIL throws-then-stuck \(\S+throws-then-stuck\.mjs\): equivalence check/m);
      expect(r.stdout).toMatch(/^ {2}error {8}the executor threw: Error: boom$/m);
      expect(r.stdout).toMatch(/^ {2}replay {7}npx concord verify --replay cv8_\S+( --out \S+)?$/m);
      const written = /^ {2}block file {3}(\S+)/m.exec(r.stdout)![1]!;
      expect(written.startsWith(out)).toBe(true);
      expect(parseBlock(readFileSync(written, 'utf8'), written).txs.length).toBeGreaterThan(0);
      const reference = new URL('../dist/spec/reference.js', import.meta.url).href;
      const passes = module('passes-then-stuck', `import { executeReference } from '${reference}';
export default () => { let ran = false; return { name: 'passes-then-stuck', async execute(b) { ran = true; return executeReference(b); },
  close() { if (!ran) return Promise.resolve(); setInterval(() => {}, 1000); return new Promise(() => {}); } }; };\n`);
      failsWith(['verify', '--executor', passes, '--runs', '50', '--timeout', '1', '--out', join(dir, 'passes-then-stuck')],
        /^concord verify: the executor \S+passes-then-stuck\.mjs: close\(\) did not settle within 1 s$/);
    });

    it('run still waits for a slow executor that has a timer pending', () => {
      const slow = executor('slow', 'execute(block) { return new Promise((done) => setTimeout(() => done(executeReference(block)), 300)); }');
      const r = concord('run', example, '--executor', slow, '--warmup', '0', '--check');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^check +the same state root, receipts and reads as the reference$/m);
    });
  });

  it.skipIf(!z3)('prove draws its bar on a terminal only, never under CI (the rule bench and verify follow)', async () => {
    const contract = new URL('./fixtures/prove/reads-outside.json', import.meta.url).pathname;
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    try {
      for (const ci of ['1', '']) {
        vi.stubEnv('CI', ci);
        let stderr = '';
        vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
        vi.spyOn(process.stderr, 'write').mockImplementation((x) => ((stderr += String(x)), true));
        await proveCommand({ contract, json: false });
        vi.restoreAllMocks();
        if (ci) expect(stderr, 'CI set').toBe('');
        else expect(stderr, 'a terminal').toMatch(/prove +\[.*\] 2\/2/);
      }
    } finally {
      vi.unstubAllEnvs();
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
  });
});
