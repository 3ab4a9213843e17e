// Report text from results files, which anyone can write: in the HTML page every name, label,
// message and reason is escaped once (element content and attributes alike, charts included), so a
// file, executor, machine or workload called `<b>x</b>`, `a&b` or `</script>` shows as written and
// adds no element or attribute; in the Markdown each is escaped too (HTML, emphasis, code, links,
// table pipes, line breaks), so it reads as written there as well.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { merge } from '../reports/merge.js';
import { renderMarkdown } from '../reports/render.js';
import { writeReport } from '../reports/report.js';
import type { ResultsFile } from '../reports/schema.js';
import { mdUnescaped, sampleResults } from './report-fixture.js';

const CHROMIUM = '/usr/bin/chromium';

/** Every character HTML gives a meaning, a closing script tag, an attribute that would run code, and Markdown's inline markup. */
const NASTY = `<b>x</b> a&b "q" 's' </script><script>alert(1)</script><img src=x onerror="alert(2)"> *x* _y_ \`c\` [l](u) ~~s~~ $m$ a|b \\ @team #123`;
const EXECUTOR = `exec ${NASTY}`;
const MACHINE = `box ${NASTY}`;
/** A block file's label is its name after the last slash, so this one holds none. */
const BLOCK_FILE = `<u a="1" b='2'>&w.json`;
const FILE = `results ${NASTY}.json`;

/** The same text as the Markdown must write it: a backslash before each character its lines give a meaning. */
const mdEscaped = (s: string) => s.replace(/[\\`*_[\]~|$@]|<(?=[A-Za-z/!?])|&(?=[A-Za-z#])|#(?=\d)/g, '\\$&');

/** The same HTML-special text, as the page must write it. */
const escaped = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** The fixture with every string a report shows from the file made hostile. */
function hostile(): ResultsFile {
  const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10, simulated: true, chain: true });
  const executor = (e: string) => (e === 'fake-parallel' ? EXECUTOR : e);
  const [first, ...rest] = doc.workloads;
  return {
    ...doc,
    settings: { ...doc.settings, executors: doc.settings.executors.map(executor) },
    machine: { ...doc.machine, label: MACHINE, cpuModel: `cpu ${NASTY}`, os: `os ${NASTY}`, cgroupCpuMax: `max ${NASTY}` },
    workloads: [{ ...first!, source: { kind: 'file', path: `blocks/${BLOCK_FILE}` } }, ...rest.map((w) => ({ ...w, group: `group ${NASTY}` }))],
    runs: doc.runs.map((r) => ({ ...r, executor: executor(r.executor), ...(r.fallback ? { fallback: `reason ${NASTY}` } : {}) })),
    startup: doc.startup.map((s) => ({ ...s, executor: executor(s.executor) })),
    simulated: doc.simulated.map((s) => ({ ...s, executor: executor(s.executor), model: `model ${NASTY}` })),
    simulatedGaps: [`gap ${NASTY}`],
    failures: [{ executor: EXECUTOR, threads: 2, workload: first!.id, message: `message ${NASTY}\nat its second line` }],
    cores: { start: { unavailable: `probe ${NASTY}` }, end: { unavailable: `probe ${NASTY}` } },
  };
}

/** The elements the page itself writes, and those vega's SVG charts are drawn with. */
const ELEMENTS = new Set([
  'html', 'head', 'meta', 'title', 'style', 'body', 'h1', 'h2', 'p', 'a', 'code', 'figure', 'figcaption', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
  'svg', 'g', 'path', 'line', 'rect', 'text', 'defs', 'clipPath', 'circle', 'tspan',
]);

describe('HTML report from a results file with hostile names', () => {
  it('escapes every name, label, message and reason, and adds no element or attribute', async () => {
    const written = await writeReport([{ file: FILE, doc: hostile() }], mkdtempSync(join(tmpdir(), 'concord-report-escape-')));
    const html = readFileSync(written.html, 'utf8');
    expect(html).not.toMatch(/<\/?(b|u|script|img)\b/i);
    // The one link the page writes is its own, to its glossary.
    expect([...html.matchAll(/<a\b[^>]*>/g)].map((x) => x[0])).toEqual(['<a href="#glossary">']);
    expect([...new Set([...html.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1]!))].filter((t) => !ELEMENTS.has(t))).toEqual([]);
    // Outside the quoted attribute values (where the names stand escaped), no tag has an event handler.
    const tags = [...html.matchAll(/<[a-zA-Z][^>]*>/g)].map((m) => m[0].replace(/"[^"]*"/g, '""'));
    expect(tags.filter((t) => /\son\w*=/i.test(t) || t.includes("'"))).toEqual([]);
    // In the page's own text each string is escaped once, never twice.
    expect(html).not.toContain('&amp;amp;');
    expect(html).toContain(`<code>${escaped(FILE)}</code> (${escaped(MACHINE)}, `);
    expect(html).toContain(`<td>${escaped(EXECUTOR)}</td>`);
    expect(html).toContain(`<td>${escaped(BLOCK_FILE)}</td>`);
    expect(html).toContain(`<h2>Results: group ${escaped(NASTY)}</h2>`);
    for (const text of [`cpu ${NASTY}`, `os ${NASTY}`, `max ${NASTY}`, `probe ${NASTY}`, `reason ${NASTY}`, `model ${NASTY}`, `gap ${NASTY}`, `message ${NASTY}`]) {
      expect(html).toContain(escaped(text));
    }
    // Vega escapes the chart text it draws (quotes need none there): a panel's title is its workload's label.
    const panel = `>${BLOCK_FILE.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</text>`;
    expect(html).toContain(panel);
    expect(readFileSync(written.charts.find((f) => f.endsWith('speedup.svg'))!, 'utf8')).toContain(panel);
  });

  it('escapes every name, label, message and reason in the Markdown, so each reads as written and adds no markup', () => {
    const md = renderMarkdown(merge([{ file: FILE, doc: hostile() }]), []);
    for (const text of [EXECUTOR, MACHINE, BLOCK_FILE, `group ${NASTY}`, `cpu ${NASTY}`, `reason ${NASTY}`, `model ${NASTY}`, `gap ${NASTY}`, `probe ${NASTY}`]) {
      expect(mdUnescaped(mdEscaped(text))).toBe(text);
      expect(md).toContain(mdEscaped(text));
    }
    expect(md).toContain(`| ${mdEscaped(BLOCK_FILE)} | ${mdEscaped(EXECUTOR)} | 2 |`);
    expect(md).toContain(`## Results: ${mdEscaped(`group ${NASTY}`)}\n`);
    // A line break in a message would end the paragraph (or a table row) it stands in.
    expect(md).toContain(`${mdEscaped(`message ${NASTY}`)} at its second line`);
    // The file name stands in a code span, whose fence is longer than any run of backticks in it.
    expect(md).toContain(`Sources: \`\`${FILE}\`\` (${mdEscaped(MACHINE)}, `);
    // Outside that span no character Markdown reads as markup stands unescaped, but the tables' own
    // pipes: a < that could open a tag, an & that could open an entity, or any of the others.
    // The report's own link to its glossary is the one markup it writes in prose.
    expect(md.split('[glossary](#glossary)')).toHaveLength(2);
    const prose = md.replace(`\`\`${FILE}\`\``, '').replace('[glossary](#glossary)', '').split('\n').map((l) => l.replace(/^\| | \|$/g, '').replace(/ \| /g, ' '));
    expect(prose.filter((l) => /(?<!\\)(\\\\)*([`*_[\]~|$@]|<[A-Za-z/!?]|&[A-Za-z#]|#\d)/.test(l))).toEqual([]);
  });

  it.skipIf(!existsSync(CHROMIUM))('shows every name as text in a browser, with no element the names would inject', async () => {
    const written = await writeReport([{ file: FILE, doc: hostile() }], mkdtempSync(join(tmpdir(), 'concord-report-escape-')));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
      await page.goto(pathToFileURL(written.html).href);
      const seen = await page.evaluate(() => ({
        injected: document.querySelectorAll('b, u, script, img, [onerror], [a]').length,
        cells: [...document.querySelectorAll('td')].map((td) => td.textContent),
        code: document.querySelector('code')?.textContent,
        texts: [...document.querySelectorAll('figure svg text')].map((t) => t.textContent ?? ''),
      }));
      expect(seen.injected).toBe(0);
      expect(seen.code).toBe(FILE);
      expect(seen.cells).toContain(EXECUTOR);
      expect(seen.cells).toContain(BLOCK_FILE);
      // The legend cuts a long name short with "…".
      expect(seen.texts).toContain(BLOCK_FILE);
      expect(seen.texts.some((t) => t.startsWith('exec <b>x</b> a&b "q" \'s\' </script>'))).toBe(true);
      expect(dialogs).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
