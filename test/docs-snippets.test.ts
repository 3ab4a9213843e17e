// The workflow files the README and docs/ give to paste into a project: each must parse as YAML
// (a `{` inside an unquoted flow value made GitHub reject the README's whole workflow), and each
// step that runs Concord must name a command and options Concord has. The README's table of
// commands and docs/verify.md's table of options must name every option --help lists, and no
// other. All three are checked against --help itself: a hand-kept list of verify's options
// missed --modules and --partition once verify took them.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../', import.meta.url);
const files = ['README.md', ...readdirSync(new URL('docs/', root)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const cli = new URL('dist/cli/concord.js', root).pathname;

const helps = new Map<string, ReadonlySet<string>>();

/** The long options `concord COMMAND --help` lists (an option's line starts at the help's indent; its description's lines further in). */
function helpOptions(command: string): ReadonlySet<string> {
  let options = helps.get(command);
  if (!options) {
    const help = spawnSync(process.execPath, [cli, command, '--help'], { encoding: 'utf8' });
    expect(help.status, `concord ${command} --help`).toBe(0);
    options = new Set([...help.stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]!).filter((o) => o !== '--help'));
    helps.set(command, options);
  }
  return options;
}

/** The ```yaml blocks of a Markdown file. */
function yamlBlocks(file: string): string[] {
  const text = readFileSync(new URL(file, root), 'utf8');
  return [...text.matchAll(/^```ya?ml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

describe('the workflows the docs give', () => {
  const blocks = files.flatMap((file) => yamlBlocks(file).map((yaml, i) => ({ file, i, yaml })));

  it('exist, and each parses as YAML', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const { file, i, yaml } of blocks) expect(() => parse(yaml, { strict: true }), `${file} block ${i}`).not.toThrow();
  });

  it('run concord with options it has, and keep every shard of a failing matrix', () => {
    for (const { file, i, yaml } of blocks) {
      const doc = parse(yaml) as { jobs: Record<string, { strategy?: { 'fail-fast'?: boolean; matrix?: unknown }; steps: { run?: string }[] }> };
      for (const job of Object.values(doc.jobs)) {
        if (job.strategy?.matrix) expect(job.strategy['fail-fast'], `${file} block ${i}`).toBe(false);
        for (const run of job.steps.map((s) => s.run).filter((r): r is string => typeof r === 'string' && r.includes('concord '))) {
          const [, command, rest] = /concord (\w+)(.*)/.exec(run)!;
          const options = helpOptions(command!);
          for (const option of rest!.match(/--[a-z-]+/g) ?? []) expect(options.has(option), `${file} block ${i}: concord ${command} ${option}`).toBe(true);
        }
      }
    }
  });
});

describe("the README's table of commands", () => {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  // The workload options that run, gen, request and bench take are given once, below the table.
  const workloads = /^Workloads \(`--workload`\)[^]*?\n\n/m.exec(readme)![0];

  it('names every option of each command, as its --help lists them, and none it lacks', () => {
    const rows = [...readme.matchAll(/^\| `concord (\w+)([^|`]*(?:\\\|[^|`]*)*)`/gm)].filter((m) => !['executors', 'workloads', 'contracts'].includes(m[1]!));
    const commands = new Set(rows.map((m) => m[1]!));
    expect([...commands]).toEqual(expect.arrayContaining(['run', 'gen', 'verify', 'bench', 'compare']));
    for (const command of commands) {
      const syntax = rows.filter((m) => m[1] === command).map((m) => m[2]!).join(' ').replace(/\B-o\b/g, '--out');
      const named = new Set(syntax.match(/--[a-z-]+/g) ?? []);
      const help = helpOptions(command);
      const below = help.has('--workload') ? new Set(workloads.match(/--[a-z-]+/g) ?? []) : new Set<string>();
      expect([...help].filter((o) => !named.has(o) && !below.has(o)), `concord ${command}: options --help lists that its row does not`).toEqual([]);
      expect([...named].filter((o) => !help.has(o)), `concord ${command}: options its row names that --help does not list`).toEqual([]);
    }
  });
});

describe("docs/verify.md's table of options", () => {
  it('has a row for every option verify --help lists, and for none it lacks', () => {
    const text = readFileSync(new URL('docs/verify.md', root), 'utf8');
    const table = /^## Options\n([^]*?)\n\n/m.exec(text)![1]!;
    const named = new Set([...table.matchAll(/^\| ([^|]*(?:\\\|[^|]*)*) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`(--[a-z-]+)/g)].map((o) => o[1]!)));
    expect([...named].sort()).toEqual([...helpOptions('verify')].sort());
  });
});
