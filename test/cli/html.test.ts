// --format html opened in a real browser (Debian's chromium, driven by puppeteer-core): every object of the
// graph drawn, load-time code marked, a click shows the why-path `why` prints, search marks by name, no
// console errors and no request beyond the page itself; the diff page draws both graphs merged, marked as
// the diff JSON says.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiffResult } from '../../src/analyses/diff.js';
import type { AnalysisResult } from '../../src/analyses/result.js';
import { runCli } from '../support/cli.js';
import { sysroot } from '../support/corpus.js';
import { CHROMIUM, requires, sysrootOf } from '../support/prereq.js';

type Browser = Awaited<ReturnType<typeof import('puppeteer-core')['launch']>>;

/** A page opened from a file, with the console errors it logs and every request it makes. */
async function openPage(browser: Browser, file: string) {
  const p = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  p.on('pageerror', (e) => errors.push(String(e)));
  p.on('request', (r) => requests.push(r.url()));
  await p.goto(`file://${file}`, { waitUntil: 'load' });
  return { p, errors, requests };
}

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
      const { p: page, errors, requests } = await openPage(browser, file);
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
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('hostile names cannot break out of the page: the data is JSON with < escaped, the title HTML-escaped', async () => {
    const saved = JSON.parse((await runCli(['--format', 'json', '/usr/bin/ls'])).stdout) as AnalysisResult & { program: string; objects: Array<{ soname: string | null }> };
    const evil = '</script><script>alert(1)</script><b>';
    saved.program = evil;
    saved.objects[saved.objects.findIndex((o) => o.soname !== null)]!.soname = evil; // a library the page draws (not the vDSO)
    const file = join(mkdtempSync(join(tmpdir(), 'lg-html-')), 'evil.json');
    writeFileSync(file, JSON.stringify(saved));
    const page = (await runCli(['render', '--format', 'html', file])).stdout;
    expect(page.split('</script>')).toHaveLength(3); // the data element's and the script's own, nothing more
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('<title>loadgraph: &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;</title>');
    // The diff page of the same names (the object with the hostile SONAME is added).
    const plain = join(mkdtempSync(join(tmpdir(), 'lg-html-')), 'plain.json');
    writeFileSync(plain, (await runCli(['--format', 'json', '/usr/bin/ls'])).stdout);
    const diff = (await runCli(['diff', '--format', 'html', plain, file])).stdout;
    expect(diff).toContain('"status":"added"');
    expect(diff.split('</script>')).toHaveLength(3);
    expect(diff).not.toContain('<script>alert');
  });

  it('scan, check and diff pages: every row of the JSON, columns sort on a click, the filter box filters', async (ctx) => {
    requires(ctx, CHROMIUM, sysrootOf('amd64'), sysrootOf('trixie-amd64'));
    const A = sysroot('amd64'), B = sysroot('trixie-amd64');
    const dir = mkdtempSync(join(tmpdir(), 'lg-html-'));
    const page = async (args: string[], name: string) => {
      const r = await runCli([...args, '--format', 'html']);
      const file = join(dir, `${name}.html`);
      writeFileSync(file, r.stdout);
      return { file, json: JSON.parse((await runCli([...args, '--format', 'json'])).stdout) };
    };
    const scan = await page(['scan', '--root', A, '--no-code', '/usr/sbin', '/usr/bin/ssh'], 'scan');
    const check = await page(['check', '--root', A, '/usr/sbin'], 'check');
    const rootDiff = await page(['diff', '--root-a', A, '--root-b', B, '/usr/sbin', '/usr/lib/openssh'], 'rootdiff');
    const { launch } = await import('puppeteer-core');
    const browser = await launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const open = async (file: string) => {
        const o = await openPage(browser, file);
        return { ...o, rows: async () => o.p.$$eval('table', (ts) => ts.map((t) => t.tBodies[0]!.rows.length)) };
      };
      const s = await open(scan.file);
      expect(await s.rows()).toEqual([scan.json.objects.length, scan.json.programs.length]);
      // Sort the libraries by "programs", a number: ascending, then descending on a second click.
      const col = async () => s.p.$$eval('table:first-of-type tbody tr', (trs) => trs.map((tr) => Number(tr.children[2]!.getAttribute("data-v"))));
      await s.p.click('table:first-of-type th:nth-child(3)');
      const up = await col();
      expect(up).toEqual([...up].sort((a, b) => a - b));
      await s.p.click('table:first-of-type th:nth-child(3)');
      const down = await col();
      expect(down).toEqual([...up].reverse());
      await s.p.type('#q', 'libc.so.6');
      expect(await s.p.$$eval('tbody tr:not(.hide)', (trs) => trs.length)).toBeGreaterThan(0);
      expect(await s.p.$$eval('table:first-of-type tbody tr:not(.hide)', (trs) => trs.map((tr) => tr.children[0]!.textContent))).toEqual(['libc.so.6']);
      const c = await open(check.file);
      expect(await c.rows()).toEqual([check.json.objects.length, check.json.closure.length]);
      const d = await open(rootDiff.file);
      expect(await d.rows()).toEqual([rootDiff.json.programs.length, rootDiff.json.causes.length, rootDiff.json.objects.length]);
      for (const x of [s, c, d]) {
        expect(x.errors).toEqual([]);
        expect(x.requests).toHaveLength(1);
      }
    } finally {
      await browser.close();
    }
  }, 300_000);

  it('diff --format html, sshd bookworm → trixie: one graph of both sides, added, removed and changed as the JSON says, a click shows each side\'s path', async (ctx) => {
    requires(ctx, CHROMIUM, sysrootOf('amd64'), sysrootOf('trixie-amd64'));
    const roots = [sysroot('amd64'), sysroot('trixie-amd64')] as const;
    const prog = '/usr/sbin/sshd';
    const args = ['diff', '--root-a', roots[0], '--root-b', roots[1], prog];
    const d = JSON.parse((await runCli([...args, '--format', 'json'])).stdout) as DiffResult;
    const html = await runCli([...args, '--format', 'html']);
    expect(html.code).toBe(1);
    const file = join(mkdtempSync(join(tmpdir(), 'lg-html-')), 'diff.html');
    writeFileSync(file, html.stdout);
    // Each side's objects by the name the tree gives them, from each side's own graph.
    const names = await Promise.all(roots.map(async (root) => {
      const g = JSON.parse((await runCli(['--root', root, '--format', 'json', prog])).stdout) as AnalysisResult;
      return new Set(g.objects.filter((o) => o.kind !== 'vdso').map((o) => (o.kind === 'program' ? 'sshd' : o.soname ?? o.path!.slice(o.path!.lastIndexOf('/') + 1))));
    }));
    const [inA, inB] = names as [Set<string>, Set<string>];
    const sorted = (xs: Iterable<string>) => [...xs].sort();
    const nameOfKey = new Map(d.graph.nodes.map((n) => [n.key, n.name]));
    const subjects = (...kinds: string[]) => sorted(new Set(d.items.filter((i) => kinds.includes(i.kind)).map((i) => nameOfKey.get(i.subject)!)));
    // The case the page is for: libsystemd and liblzma leave sshd's start-up closure.
    expect(sorted(inA)).toEqual(expect.arrayContaining(['libsystemd.so.0', 'liblzma.so.5']));
    expect(inB.has('liblzma.so.5')).toBe(false);
    const why = async (root: string, lib: string) => /^\s+(sshd → .*)$/m.exec((await runCli(['why', '--root', root, prog, lib])).stdout)![1]!;
    const { launch } = await import('puppeteer-core');
    const browser = await launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const { p, errors, requests } = await openPage(browser, file);
      const drawn = (sel: string) => p.$$eval(sel, (els) => els.map((e) => e.getAttribute('data-name')!));
      // Every object of either side is one node.
      const all = await drawn('g.node');
      expect(sorted(all)).toEqual(sorted(new Set([...inA, ...inB])));
      expect(new Set(all).size).toBe(all.length);
      // Only in B: added; only in A: removed, name struck; exactly as the two graphs and the diff's items say.
      expect(sorted(await drawn('g.node.added'))).toEqual(sorted([...inB].filter((n) => !inA.has(n))));
      expect(sorted(await drawn('g.node.removed'))).toEqual(sorted([...inA].filter((n) => !inB.has(n))));
      expect(sorted(await drawn('g.node.added'))).toEqual(subjects('object-entered'));
      expect(sorted(await drawn('g.node.removed'))).toEqual(subjects('object-left'));
      expect(await p.$eval('g.node.removed text.name', (t) => (globalThis as unknown as { getComputedStyle(e: unknown): { textDecorationLine: string } }).getComputedStyle(t).textDecorationLine)).toBe('line-through');
      expect(sorted(await drawn('g.node.changed'))).toEqual(subjects('constructor-removed', 'constructor-added', 'ifunc-removed', 'ifunc-added', 'ifunc-moved-to-load',
        'audit-changed', 'hardening-changed', 'dlopen-removed', 'dlopen-added', 'indicator-added', 'indicator-removed'));
      expect(await drawn('g.node.changed')).toContain('libc.so.6'); // RELRO partial → full, BIND_NOW off → on
      for (const s of ['added', 'removed'] as const) expect(await p.$$eval(`path.edge.${s}`, (els) => els.length)).toBe(d.graph.edges.filter((e) => e.status === s).length);
      // liblzma: A's path as `why` gives it on bookworm, drawn; B does not load it.
      await p.click('g.node[data-name="liblzma.so.5"]');
      const lzmaA = await why(roots[0], 'liblzma.so.5');
      expect(await p.$eval('#why-a', (e) => e.textContent)).toBe(`A: loaded at start: ${lzmaA}`);
      expect(await p.$eval('#why-b', (e) => e.textContent)).toBe('B: not loaded at start');
      expect(await p.$$eval('path.edge.hot', (els) => els.length)).toBe(lzmaA.split(' → ').length - 1);
      expect(await p.$$eval('path.edge.hot:not(.removed)', (els) => els.length)).toBe(0);
      // libz.so.1, in both: sshd needs it directly on bookworm, through libcrypto.so.3 on trixie.
      await p.click('g.node[data-name="libz.so.1"]');
      const [zA, zB] = [await why(roots[0], 'libz.so.1'), await why(roots[1], 'libz.so.1')];
      expect(zA).not.toBe(zB);
      expect(await p.$eval('#why-a', (e) => e.textContent)).toBe(`A: loaded at start: ${zA}`);
      expect(await p.$eval('#why-b', (e) => e.textContent)).toBe(`B: loaded at start: ${zB}`);
      const hops = (chain: string) => chain.split(' → ').slice(1).map((to, i, xs) => `${i ? xs[i - 1] : 'sshd'}>${to}`);
      expect(await p.$$eval('path.edge.hot', (els) => els.length)).toBe(new Set([...hops(zA), ...hops(zB)]).size);
      expect(await p.$$eval('path.edge.hot.removed', (els) => els.length)).toBe(1);
      expect(await p.$$eval('path.edge.hot.added', (els) => els.length)).toBe(1);
      // What changed for it: the items about its edges.
      const zItems = d.items.filter((i) => i.subject.endsWith(' → libz.so.1')).map((i) => i.message);
      expect(zItems).toHaveLength(2);
      expect(await p.$$eval('#changes > li', (els) => els.map((e) => e.firstChild!.textContent))).toEqual(zItems);
      // The search marks by name and narrows the table below to the rows that name it.
      await p.type('#q', 'lzma');
      expect(await drawn('g.node.match')).toEqual(['liblzma.so.5']);
      const rows = await p.$$eval('#below tbody tr:not(.hide)', (trs) => trs.map((tr) => tr.textContent!));
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.length).toBeLessThan(d.items.length);
      for (const r of rows) expect(r).toContain('lzma');
      expect(errors).toEqual([]);
      expect(requests).toEqual([`file://${file}`]);
    } finally {
      await browser.close();
    }
  }, 180_000);

  it('why --format html opens with LIB selected: its why-path drawn and said', async (ctx) => {
    requires(ctx, CHROMIUM, sysrootOf('amd64'));
    const root = sysroot('amd64');
    const r = await runCli(['why', '--root', root, '--format', 'html', '/usr/sbin/sshd', 'liblzma.so.5']);
    expect(r.code).toBe(0);
    const file = join(mkdtempSync(join(tmpdir(), 'lg-html-')), 'why.html');
    writeFileSync(file, r.stdout);
    const text = await runCli(['why', '--root', root, '/usr/sbin/sshd', 'liblzma.so.5']);
    const chain = /^\s+(sshd → .*)$/m.exec(text.stdout)![1]!;
    const { launch } = await import('puppeteer-core');
    const browser = await launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const { p, errors } = await openPage(browser, file);
      expect(await p.$eval('#why', (e) => e.textContent)).toBe(`loaded at start: ${chain}`);
      expect(await p.$$eval('path.edge.hot', (els) => els.length)).toBe(chain.split(' → ').length - 1);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
    expect((await runCli(['why', '--root', root, '--format', 'html', '/usr/sbin/sshd', 'libnothere.so.1'])).code).toBe(1);
  }, 120_000);
});
