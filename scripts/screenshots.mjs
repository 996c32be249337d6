// Writes the screenshots in docs/img from the built CLI's own pages, in Debian's chromium driven by
// puppeteer-core (npm run screenshots builds first). Needs /usr/bin/chromium and the bookworm and trixie
// amd64 sysroots (npm run test:setup, or bash scripts/fetch-sysroots.sh [--release trixie] amd64).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from 'puppeteer-core';

const corpus = process.env.LOADGRAPH_CORPUS ?? join(homedir(), '.cache', 'loadgraph-corpus');
// Run from the corpus with relative roots, so the pages name them as 'amd64/root' and 'trixie-amd64/root'.
const bookworm = 'amd64/root', trixie = 'trixie-amd64/root';
const missing = [['/usr/bin/chromium', 'apt-get install chromium'], [join(corpus, 'amd64', '.done'), 'bash scripts/fetch-sysroots.sh amd64'],
  [join(corpus, 'trixie-amd64', '.done'), 'bash scripts/fetch-sysroots.sh --release trixie amd64']].filter(([f]) => !existsSync(f));
if (missing.length) {
  for (const [f, how] of missing) console.error(`screenshots: missing ${f}; get it: ${how}`);
  process.exit(2);
}

const cli = new URL('../bin/loadgraph.js', import.meta.url).pathname;
const out = new URL('../docs/img/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'lg-shots-'));
mkdirSync(out, { recursive: true });

/** The page a loadgraph command prints, saved to a file (diff exits 1 when there are differences). */
function page(name, args) {
  let html;
  try {
    html = execFileSync('node', [cli, ...args, '--format', 'html'], { cwd: corpus, encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (e) {
    if (e.status !== 1) throw e;
    html = e.stdout;
  }
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  return file;
}

const shots = [
  { png: 'sshd-session.png', file: page('sshd-session', ['--root', trixie, '/usr/lib/openssh/sshd-session']), select: 'liblzma.so.5' },
  { png: 'diff-sshd.png', file: page('diff-sshd', ['diff', '--root-a', bookworm, '--root-b', trixie, '/usr/sbin/sshd']), select: 'liblzma.so.5' },
];
const browser = await launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  for (const s of shots) {
    const p = await browser.newPage();
    await p.setViewport({ width: 1400, height: 900 });
    const errors = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await p.goto(`file://${s.file}`, { waitUntil: 'load' });
    // Clicked in place: a real click would scroll the drawing to the node first.
    await p.$eval(`g.node[data-name="${s.select}"]`, (g) => g.dispatchEvent(new MouseEvent('click')));
    if (errors.length) throw new Error(`${s.png}: ${errors.join('; ')}`);
    await p.screenshot({ path: join(out, s.png) });
    console.log(`docs/img/${s.png}: ${Math.round(statSync(join(out, s.png)).size / 1024)} KB`);
  }
} finally {
  await browser.close();
}
