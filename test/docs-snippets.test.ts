// The workflow files the README and docs/ give to paste into a project: each must parse as YAML
// (a `{` inside an unquoted flow value made GitHub reject the README's whole workflow), and each
// step that runs Concord must name a command and options Concord has.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../', import.meta.url);
const files = ['README.md', ...readdirSync(new URL('docs/', root)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The ```yaml blocks of a Markdown file. */
function yamlBlocks(file: string): string[] {
  const text = readFileSync(new URL(file, root), 'utf8');
  return [...text.matchAll(/^```ya?ml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

const OPTIONS_OF: Record<string, RegExp> = {
  verify: /^--(executor|runs|seed|txs|time-limit|fail-on-cut|timeout|shard|coverage|planted|replay|repeat|out|json)$/,
};

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
          for (const option of rest!.match(/--[a-z-]+/g) ?? []) expect(option, `${file} block ${i}: concord ${command}`).toMatch(OPTIONS_OF[command!]!);
        }
      }
    }
  });
});
