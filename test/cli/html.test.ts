// --format html opened in a real browser (Debian's chromium, driven by puppeteer-core): every object of the
// graph drawn, load-time code marked, a click shows the why-path `why` prints, search marks by name, no
// console errors and no request beyond the page itself.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/analyses/result.js';
import { runCli } from '../support/cli.js';
import { sysroot } from '../support/corpus.js';
import { CHROMIUM, requires, sysrootOf } from '../support/prereq.js';

describe('--format html in headless chromium', () => {
  it("Debian 13's sshd-session: the page shows the graph and why liblzma may be loaded", async (ctx) => {
    requires(ctx, CHROMIUM, sysrootOf('trixie-amd64'));
    const root = sysroot('trixie-amd64');
    const prog = '/usr/lib/openssh/sshd-session';
    const g = JSON.parse((await runCli(['--root', root, '--format', 'json', prog])).stdout) as AnalysisResult;
    const html = await runCli(['--root', root, '--format', 'html', prog]);
    expect(html.code).toBe(0);
    const file = join(mkdtempSync(join(tmpdir(), 'lg-html-')), 'sshd-session.html');
    writeFileSync(file, html.stdout);
    const { launch } = await import('puppeteer-core');
    const browser = await launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      // Every object but the vDSO is a node, named as the tree names it.
      const all = [...g.objects, ...g.runtime!.objects].filter((o) => o.kind !== 'vdso');
      const names = await page.$$eval('g.node', (els) => els.map((e) => e.getAttribute('data-id')));
      expect(names.map(Number).sort((a, b) => a - b)).toEqual(all.map((o) => o.id).sort((a, b) => a - b));
      // Marked: exactly the objects that run their own code at load (start-up or run-time analysis).
      const running = [...g.loadTime!.objects, ...g.runtimeLoadTime!.objects].filter((o) => o.realConstructors || o.ifuncAtLoad).map((o) => o.id).sort((a, b) => a - b);
      const marked = await page.$$eval('g.node.code', (els) => els.map((e) => Number(e.getAttribute('data-id'))));
      expect(marked.sort((a, b) => a - b)).toEqual(running);
      // A click on liblzma shows the run-time path `why` prints, and draws it.
      const lzma = g.runtime!.objects.find((o) => o.soname === 'liblzma.so.5')!;
      await page.click(`g.node[data-id="${lzma.id}"]`);
      const why = await page.$eval('#why', (e) => e.textContent);
      const w = await runCli(['why', '--root', root, prog, 'liblzma.so.5']);
      const chain = /^\s+(sshd-session → .*)$/m.exec(w.stdout)![1]!;
      expect(why).toBe(`not at start; may be loaded at run time: ${chain}`);
      expect(await page.$$eval('path.edge.hot', (els) => els.length)).toBe(chain.split(' → ').length - 1);
      // Search marks by name.
      await page.type('#q', 'libsystemd');
      expect(await page.$$eval('g.node.match', (els) => els.map((e) => e.getAttribute('data-name')))).toEqual(['libsystemd.so.0']);
      expect(errors).toEqual([]);
      expect(requests).toEqual([`file://${file}`]);
      await page.screenshot({ path: join(tmpdir(), 'loadgraph-sshd-session.png') });
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('hostile names cannot break out of the page: the data is JSON with < escaped, the title HTML-escaped', async () => {
    const saved = JSON.parse((await runCli(['--format', 'json', '/usr/bin/ls'])).stdout) as AnalysisResult & { program: string; objects: Array<{ soname: string | null }> };
    const evil = '</script><script>alert(1)</script><b>';
    saved.program = evil;
    saved.objects[1]!.soname = evil;
    const file = join(mkdtempSync(join(tmpdir(), 'lg-html-')), 'evil.json');
    writeFileSync(file, JSON.stringify(saved));
    const page = (await runCli(['render', '--format', 'html', file])).stdout;
    expect(page.split('</script>')).toHaveLength(3); // the data element's and the script's own, nothing more
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('<title>loadgraph: &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;</title>');
  });
});
