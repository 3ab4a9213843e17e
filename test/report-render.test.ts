// Reports: the charts' SVG holds every expected series, Markdown shows each speedup next to its
// ideal, several machines merge into one comparison, and the HTML page opens in headless
// Chromium without console errors and with its charts drawn (a screenshot that is not blank).
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../cli/errors.js';
import { reportCommand } from '../cli/report.js';
import { BLOCK_STM_ANCHORS } from '../reports/anchors.js';
import { charts, IDEAL_SERIES, renderSvg } from '../reports/charts.js';
import { merge } from '../reports/merge.js';
import { renderMarkdown } from '../reports/render.js';
import { writeReport } from '../reports/report.js';
import { sampleResults } from './report-fixture.js';

const CHROMIUM = '/usr/bin/chromium';

/** The text of every <text> element in an SVG, unescaped. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
}

describe('charts', () => {
  const one = merge([{ file: 'a.json', doc: sampleResults({ seqMs: 10, execMs: 6, samples: 10, simulated: true }) }]);

  it('the speedup chart draws measured, ideal, simulated and the paper\'s figures, each in the legend', async () => {
    const speedup = charts(one).find((c) => c.name === 'speedup')!;
    const expected = ['fake-parallel', IDEAL_SERIES, 'fake-parallel (simulated)', ...BLOCK_STM_ANCHORS.map((a) => `paper: ${a.setting}`)];
    expect([...speedup.series].sort()).toEqual([...expected].sort());
    const texts = svgTexts(await renderSvg(speedup.spec));
    for (const s of expected) expect(texts).toContain(s);
    expect(texts).toContain('p2p 100 acc × 1000 tx');
    expect(texts).toContain('token 100 acc × 1000 tx');
  });

  it('throughput shows the baseline and the executor; efficiency only executors', async () => {
    const [, throughput, efficiency] = charts(one);
    expect(svgTexts(await renderSvg(throughput!.spec))).toEqual(expect.arrayContaining(['sequential', 'fake-parallel']));
    expect(efficiency!.series).toEqual(['fake-parallel']);
    const baselineOnly = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    baselineOnly.runs = baselineOnly.runs.filter((r) => r.role === 'baseline');
    expect(charts(merge([{ file: 'b.json', doc: baselineOnly }])).map((c) => c.name)).toEqual(['speedup', 'throughput']);
  });

  it('several machines merge into one comparison with a series per machine', async () => {
    const m = merge([
      { file: 'a.json', doc: sampleResults({ seqMs: 10, execMs: 6, samples: 10, machine: 'box A' }) },
      { file: 'b.json', doc: sampleResults({ seqMs: 8, execMs: 3, samples: 10, machine: 'box B' }) },
    ]);
    const speedup = charts(m).find((c) => c.name === 'speedup')!;
    expect(speedup.series).toEqual(expect.arrayContaining(['fake-parallel · box A', 'fake-parallel · box B']));
    expect(svgTexts(await renderSvg(speedup.spec))).toEqual(expect.arrayContaining(['fake-parallel · box A', 'fake-parallel · box B']));
    const md = renderMarkdown(m, []);
    expect(md).toMatch(/\| workload \| machine \| executor \| threads \|/);
    expect(md).toMatch(/\| box A \| .* \| box B \|/s);
    expect(md).toMatch(/## Hardware comparison/);
    expect(md).toMatch(/\| workload \| executor \| threads \| tx\/s · box A \| speedup · box A \| tx\/s · box B \| speedup · box B \|/);
  });
});

describe('markdown', () => {
  it('prints each speedup next to the ideal and efficiency at its thread count', () => {
    const md = renderMarkdown(merge([{ file: 'a.json', doc: sampleResults({ seqMs: 10, execMs: 5, samples: 10 }) }]), [{ name: 'speedup', title: 'Speedup' }]);
    expect(md).toMatch(/\| tx\/s \| speedup \| over fastest-core baseline \| ideal \| bound \| efficiency \|/);
    // fake-parallel at 2 threads: about 10/5 = 2x against an ideal of 2x: efficiency about 100%.
    // The fixture records no CPUs per sample, so there is no fastest-core figure.
    expect(md).toMatch(/\| p2p 100 acc × 1000 tx \| fake-parallel \| 2 \| [\d.]+k \| 2\.\d\dx \| – \| 2\.00x \| 2\.00x \| (9\d|10\d)% \|/);
    expect(md).toContain('![Speedup](./speedup.svg)');
    expect(md).toMatch(/Block-STM paper, 32 threads: Diem p2p, low contention 20\.0x/);
  });

  it('warns about busy rounds, mismatches and failures', () => {
    const doc = sampleResults({ seqMs: 10, execMs: 5, samples: 10 });
    doc.noise.busyRounds = 3;
    doc.runs[1]!.correct = false;
    doc.failures.push({ executor: 'broken', threads: 2, workload: null, message: 'no workers' });
    const md = renderMarkdown(merge([{ file: 'a.json', doc }]), []);
    expect(md).toMatch(/⚠ .*3 of 24 rounds ran while other processes used more than 0\.25 cores/);
    expect(md).toMatch(/⚠ fake-parallel at 1 thread on p2p 100 acc × 1000 tx .* did NOT match the reference/);
    expect(md).toMatch(/⚠ .*broken at 2 threads failed: no workers/);
  });
});

describe('concord report', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes Markdown, HTML and SVGs from several files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-report-cmd-'));
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify(sampleResults({ seqMs: 10, execMs: 6, samples: 10, machine: 'box A' })));
    writeFileSync(b, JSON.stringify(sampleResults({ seqMs: 9, execMs: 4, samples: 10, machine: 'box B' })));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await reportCommand({ files: [a, b], out: join(dir, 'out') })).toBe(0);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['efficiency.svg', 'report.html', 'report.md', 'speedup.svg', 'throughput.svg']);
    expect(readFileSync(join(dir, 'out', 'report.md'), 'utf8')).toContain('## Hardware comparison');
  });

  it('rejects a malformed results file naming the file and the field, writing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-report-bad-'));
    const bad = join(dir, 'bad.json');
    const doc = sampleResults({ seqMs: 10, execMs: 6, samples: 10 });
    writeFileSync(bad, JSON.stringify({ ...doc, runs: [{ ...doc.runs[0], threads: 0 }] }));
    await expect(reportCommand({ files: [bad], out: join(dir, 'out') })).rejects.toThrow(UsageError);
    await expect(reportCommand({ files: [bad], out: join(dir, 'out') })).rejects.toThrow(`${bad}: runs[0].threads: `);
    await expect(reportCommand({ files: [join(dir, 'none.json')], out: join(dir, 'out') })).rejects.toThrow(/none\.json: cannot read: no such file or folder \(ENOENT\)/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('HTML report in headless Chromium', () => {
  if (!existsSync(CHROMIUM)) {
    console.warn(`\n\n!!! ${CHROMIUM} is missing: the HTML report browser test is SKIPPED. Install it: apt-get install -y chromium (.ci/run does) !!!\n`);
  }

  it.skipIf(!existsSync(CHROMIUM))('opens without console errors and shows its charts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-report-'));
    const written = await writeReport([{ file: 'a.json', doc: sampleResults({ seqMs: 10, execMs: 6, samples: 10, simulated: true }) }], dir);
    expect(readFileSync(written.html, 'utf8')).not.toMatch(/<script|src="http|href="http/);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
      await page.goto(pathToFileURL(written.html).href);
      const boxes = await page.locator('figure svg').evaluateAll((svgs) => svgs.map((s) => {
        const r = s.getBoundingClientRect();
        return { w: r.width, h: r.height, marks: s.querySelectorAll('path, line, circle').length };
      }));
      expect(boxes).toHaveLength(3);
      for (const b of boxes) {
        expect(b.w).toBeGreaterThan(300);
        expect(b.h).toBeGreaterThan(150);
        expect(b.marks).toBeGreaterThan(20);
      }
      await page.locator('#chart-speedup').scrollIntoViewIfNeeded();
      const shot = await page.screenshot();
      // Decode the screenshot in the page itself and count pixels that are not background.
      const inked = await page.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const px = ctx.getImageData(0, 0, img.width, img.height).data;
        let n = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i]! < 200 || px[i + 1]! < 200 || px[i + 2]! < 200) n++;
        return n / (px.length / 4);
      }, shot.toString('base64'));
      expect(inked).toBeGreaterThan(0.01);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
