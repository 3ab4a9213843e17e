// The published report is what today's code renders from its own results: `concord report
// reports/published/results.json --out reports/published`, run from the repository root, writes
// report.md byte for byte as committed. A change to the report's wording or rules that is not
// re-rendered there fails here, so the published report cannot go stale silently (helper 184 found
// 124 lines of drift). Only report.md is held: the charts (and report.html, which embeds them) are
// reports/charts.ts's, which changes apart; the lead re-renders the folder whole after such a change.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readResults } from '../cli/report.js';
import { writeReport } from '../reports/report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
/** As the Sources line names it: the path the command was given, from the repository root. */
const RESULTS = 'reports/published/results.json';

describe('reports/published', () => {
  it('holds the report.md that rendering its results.json writes today', async () => {
    // The Sources line quotes the path as given, so it is given as the command in the header gives it.
    expect(process.cwd(), 'run from the repository root, where the published report was rendered').toBe(ROOT);
    const out = mkdtempSync(join(tmpdir(), 'concord-published-'));
    await writeReport(await readResults([RESULTS], 'report'), out);
    const rendered = readFileSync(join(out, 'report.md'), 'utf8');
    const published = readFileSync(join(ROOT, 'reports/published/report.md'), 'utf8');
    expect(rendered.length).toBeGreaterThan(10_000);
    // On a failure, re-render: node dist/cli/concord.js report reports/published/results.json --out reports/published
    expect(rendered === published, 'reports/published/report.md is stale: re-render it (see the comment above)').toBe(true);
  }, 60_000);
});
