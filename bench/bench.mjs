#!/usr/bin/env node
// npm run bench [PROGRAM]: loadgraph against libtree, lddtree, ldd, scanelf and `node -e 0` on the same
// program. Rows run interleaved (A B C … A B C …, the order rotated each round) and every figure is the
// median of per-round ratios, so a machine that gets busier half-way through cannot fake a win.
// Peak RSS comes from GNU time. Installs missing peers from Debian packages when it can (root + apt-get).
// Never used by the tests: timings belong here only.
import { execa } from 'execa';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.BENCH_RUNS ?? 25);
const warm = 3;
const corpus = process.env.LOADGRAPH_CORPUS ?? `${process.env.HOME}/.cache/loadgraph-corpus`;
const debianRoot = `${corpus}/amd64/root`;

async function have(cmd) {
  return (await execa('sh', ['-c', 'command -v "$1"', 'sh', cmd], { reject: false })).exitCode === 0;
}
async function ensurePeers() {
  const missing = [];
  if (!(await have('libtree'))) missing.push('libtree');
  if (!(await have('lddtree')) || !(await have('scanelf'))) missing.push('pax-utils');
  if (!existsSync('/usr/lib/python3/dist-packages/elftools')) missing.push('python3-pyelftools');
  if (!existsSync('/usr/bin/time')) missing.push('time');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !(await have('apt-get'))) {
    console.error(`bench: missing ${missing.join(', ')} and cannot install them (needs root and apt-get); those rows are left out`);
    return;
  }
  console.error(`bench: installing ${missing.join(', ')} from Debian…`);
  await execa('apt-get', ['update', '-qq'], { reject: false });
  await execa('apt-get', ['install', '-y', '-qq', ...missing], { reject: false, env: { DEBIAN_FRONTEND: 'noninteractive' } });
}

await ensurePeers();
await execa('npm', ['run', '-s', 'build'], { cwd: here, stdio: 'inherit' });

// The program: the host's sshd, else Debian's inside the test sysroot (then every tool runs with a root).
let target = process.argv[2];
let root;
if (!target) {
  if (existsSync('/usr/sbin/sshd')) target = '/usr/sbin/sshd';
  else if (existsSync(`${debianRoot}/usr/sbin/sshd`)) [target, root] = ['/usr/sbin/sshd', debianRoot];
  else {
    console.error('bench: no sshd here and no Debian sysroot (npm run test:setup fetches one); pass a program as an argument');
    process.exit(2);
  }
}
const node = process.execPath;
// loadgraph as its users run it: the command (bin/loadgraph.js run by sh, which starts Node without
// NODE_EXTRA_CA_CERTS). `node -e 0`, the floor, runs in the environment that command gives Node, so that a
// ratio to it is what loadgraph adds to Node's own start; where the variable is set, Node's start with it
// is a row of its own.
const lgBin = `${here}/bin/loadgraph.js`;
const lg = (...args) => [lgBin, [...(root ? ['--root', root] : []), ...args, target]];
const certs = process.env.NODE_EXTRA_CA_CERTS;
const asLoadgraphStartsNode = (() => {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return { env, extendEnv: false };
})();
// lddtree is a Python script that needs Debian's pyelftools: run it with Debian's python3.
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const rows = {
  floor: ['node -e 0 (the floor)', node, ['-e', '0'], asLoadgraphStartsNode],
  ...(certs ? { floorWithCerts: ['node -e 0 with NODE_EXTRA_CA_CERTS', node, ['-e', '0']] } : {}),
  tree: ['loadgraph (default tree)', ...lg()],
  noCode: ['loadgraph --no-code', ...lg('--no-code')],
  json: ['loadgraph --format json', ...lg('--format', 'json')],
  lddtree: ['lddtree', python, ['/usr/bin/lddtree', ...(root ? ['--root', root] : []), target]],
  libtree: ['libtree', 'libtree', [target]],
  ldd: ['ldd', 'ldd', [target]],
  scanelf: ['scanelf -n (direct needs only)', 'scanelf', ['-n', target]],
};
// libtree, ldd and scanelf cannot resolve inside a root: with a sysroot target they are left out.
if (root) for (const k of ['libtree', 'ldd', 'scanelf']) delete rows[k];
for (const [k, [, cmd]] of Object.entries(rows)) {
  if (!(cmd.startsWith('/') ? existsSync(cmd) : await have(cmd))) delete rows[k];
}
if (rows.lddtree && !existsSync('/usr/bin/lddtree')) delete rows.lddtree;

async function time(cmd, args, options = {}) {
  const t0 = performance.now();
  const r = await execa(cmd, args, { ...options, reject: false, stdout: 'ignore', stderr: 'ignore' });
  const t = performance.now() - t0;
  // Any exit status counts (libtree exits with the number of programs it could not resolve); a signal
  // or a failure to start does not.
  return typeof r.exitCode === 'number' && r.signal === undefined ? t : NaN;
}
/** Median peak RSS of five runs; `freshCache`: each run in an empty answer cache, so that it records and keeps its answer. */
async function peakRss(cmd, args, freshCache = false) {
  if (!existsSync('/usr/bin/time')) return undefined;
  const kib = [];
  for (let i = 0; i < 5; i++) {
    const dir = freshCache ? mkdtempSync(join(tmpdir(), 'loadgraph-bench-rss-')) : null;
    const r = await execa('/usr/bin/time', ['-f', '%M', cmd, ...args], { reject: false, stdout: 'ignore', ...(dir ? { env: { LOADGRAPH_CACHE_DIR: dir } } : {}) });
    if (dir) rmSync(dir, { recursive: true, force: true });
    kib.push(Number(r.stderr.trim().split('\n').at(-1)));
  }
  return median(kib) / 1024;
}
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

/** Runs every row `rounds + warm` times, interleaved with the order rotated each round; the warm-up rounds are dropped. */
async function interleave(rows, rounds, warm) {
  const keys = Object.keys(rows);
  const times = Object.fromEntries(keys.map((k) => [k, []]));
  for (let r = 0; r < rounds + warm; r++) {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[(i + r) % keys.length];
      const t = await time(rows[k][1], rows[k][2], rows[k][3]);
      if (r >= warm) times[k].push(t); // the first rounds warm the page cache
    }
  }
  return times;
}

const ratioIn = (ts, a, b) => (ts[a] && ts[b] ? median(ts[a].map((t, i) => t / ts[b][i])) : NaN);
const fmt = (x, unit = '×') => (Number.isFinite(x) ? `${x.toFixed(2)}${unit}` : 'n/a');

if (process.env.BENCH_SINGLE !== '0') await single();

async function single() {
const keys = Object.keys(rows);
const times = await interleave(rows, rounds, warm);
const ratio = (a, b) => ratioIn(times, a, b);

console.log(`target: ${root ? `${target} inside ${root}` : target}; ${rounds} interleaved rounds (+${warm} warm-up)\n`);
console.log(`${'row'.padEnd(34)} ${'median ms'.padStart(10)}  ${'tree ÷ row'.padStart(10)}`);
for (const k of keys) console.log(`${rows[k][0].padEnd(34)} ${median(times[k]).toFixed(1).padStart(10)}  ${fmt(ratio('tree', k)).padStart(10)}`);

const rss = await peakRss(rows.tree[1], rows.tree[2]);
console.log('\nmedians of per-round ratios (the targets of docs/performance.md):');
const table = [
  ['default tree ÷ lddtree', ratio('tree', 'lddtree'), '≤ 1.0×'],
  ['default tree ÷ node -e 0', ratio('tree', 'floor'), '≤ 1.8×'],
  ['--no-code ÷ node -e 0', ratio('noCode', 'floor'), '≤ 1.3×'],
  ['--format json ÷ lddtree', ratio('json', 'lddtree'), '≤ 1.3×'],
  ['default tree ÷ libtree', ratio('tree', 'libtree'), ''],
];
for (const [label, x, goal] of table) console.log(`  ${label.padEnd(28)} ${fmt(x).padStart(8)}  ${goal}`);
console.log(`  ${'default tree peak RSS'.padEnd(28)} ${fmt(rss, ' MiB').padStart(8)}  ≤ 64 MiB`);
if (certs) {
  console.log(`\nNODE_EXTRA_CA_CERTS is set here: Node 20 reads those certificates as it starts (nodejs/node#40524), ${fmt(median(times.floorWithCerts) - median(times.floor), ' ms')} a start;`);
  console.log(`the loadgraph command starts Node without them. Against \`node -e 0\` started with them: default tree ${fmt(ratio('tree', 'floorWithCerts'))}, --no-code ${fmt(ratio('noCode', 'floorWithCerts'))}.`);
}
}

// The bulk section: every program of this machine at once (docs/performance.md, docs/scale.md).
// BENCH_BULK=0 skips it, BENCH_SINGLE=0 the single-program section; BENCH_BULK_RUNS sets its rounds (the
// ldd loop and checksec take minutes each).
if (process.env.BENCH_BULK !== '0') await bulk();

async function bulk() {
  const bulkRounds = Number(process.env.BENCH_BULK_RUNS ?? 3);
  // Rows marked "answer kept" replay what the warm-up round kept (docs/cache.md), in a directory of the
  // bench's own; every other loadgraph row analyses afresh (--no-cache).
  process.env.LOADGRAPH_CACHE_DIR = mkdtempSync(join(tmpdir(), 'loadgraph-bench-answers-'));
  process.env.LOADGRAPH_CACHE = 'on';
  const list = (await execa(lgBin, ['scan', '--no-cache', '--quiet', '--no-code', '--format', 'ndjson'], { reject: false, maxBuffer: 1 << 30 }))
    .stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).path);
  if (list.length < 50) {
    console.log(`\nbulk: only ${list.length} programs found here; section left out`);
    return;
  }
  const sample = list.filter((_, i) => i % Math.ceil(list.length / 40) === 0);
  const rows = {
    scanNoCode: ['scan --no-code (the list)', lgBin, ['scan', '--no-cache', '--quiet', '--no-code', '--format', 'ndjson', ...list]],
    scan: ['scan (the list, load-time code)', lgBin, ['scan', '--no-cache', '--quiet', '--format', 'ndjson', ...list]],
    scanNoCodeKept: ['scan --no-code (the list, answer kept)', lgBin, ['scan', '--quiet', '--no-code', '--format', 'ndjson', ...list]],
    scanKept: ['scan (the list, answer kept)', lgBin, ['scan', '--quiet', '--format', 'ndjson', ...list]],
    scanRoot: ['scan --no-code (finds the programs)', lgBin, ['scan', '--no-cache', '--quiet', '--no-code', '--format', 'ndjson']],
    libtree: ['libtree (the list, one run)', 'libtree', list],
    lddLoop: ['ldd, once per program', 'sh', ['-c', 'for f; do ldd "$f"; done', 'sh', ...list]],
    scanelf: ['scanelf -n (the list; direct needs only)', 'scanelf', ['-n', ...list]],
    scanSample: [`scan (${sample.length} programs)`, lgBin, ['scan', '--no-cache', '--quiet', '--format', 'ndjson', ...sample]],
    lddtreeSample: [`lddtree (the same ${sample.length}, one run each)`, 'sh', ['-c', `for f; do ${python} /usr/bin/lddtree "$f"; done`, 'sh', ...sample]],
    checkSbin: ['loadgraph check /usr/sbin', lgBin, ['check', '--no-cache', '--quiet', '/usr/sbin']],
    checksecSbin: ['checksec --dir=/usr/sbin', 'checksec', ['--dir=/usr/sbin']],
  };
  // BENCH_BULK_ROWS=scan,libtree,... runs only those rows (a rerun of some ratios without the slow peers).
  const only = process.env.BENCH_BULK_ROWS?.split(',');
  if (only) for (const k of Object.keys(rows)) if (!only.includes(k)) delete rows[k];
  const need = { libtree: 'libtree', scanelf: 'scanelf', checksecSbin: 'checksec' };
  for (const [k, cmd] of Object.entries(need)) if (!(await have(cmd))) delete rows[k];
  if (!existsSync('/usr/bin/lddtree')) delete rows.lddtreeSample;
  if (!existsSync('/usr/sbin')) { delete rows.checkSbin; delete rows.checksecSbin; }
  const ts = await interleave(rows, bulkRounds, 1);
  console.log(`\nbulk: ${list.length} programs of this machine; ${bulkRounds} interleaved rounds (+1 warm-up)\n`);
  console.log(`${'row'.padEnd(44)} ${'median s'.padStart(9)}`);
  for (const k of Object.keys(rows)) console.log(`${rows[k][0].padEnd(44)} ${(median(ts[k]) / 1000).toFixed(2).padStart(9)}`);
  const rss = rows.scan ? await peakRss(rows.scan[1], rows.scan[2]) : undefined;
  // As a first run on a machine goes: the programs found by scan itself, with load-time code, the answer
  // recorded and kept (the record of 140,000 stats costs memory too).
  const rssRoot = rows.scanRoot ? await peakRss(lgBin, ['scan', '--quiet', '--format', 'ndjson'], true) : undefined;
  const r = (a, b) => ratioIn(ts, a, b);
  console.log('\nmedians of per-round ratios (docs/performance.md):');
  for (const [label, x, goal] of [
    ['scan --no-code ÷ libtree', r('scanNoCode', 'libtree'), '≤ 2.0×'],
    ['scan ÷ libtree', r('scan', 'libtree'), '≤ 5.0×'],
    ['answer kept: --no-code ÷ libtree', r('scanNoCodeKept', 'libtree'), ''],
    ['answer kept: scan ÷ libtree', r('scanKept', 'libtree'), ''],
    ['scan ÷ ldd loop', r('scan', 'lddLoop'), ''],
    ['scan --no-code ÷ scanelf -n', r('scanNoCode', 'scanelf'), ''],
    ['scan ÷ lddtree (same sample)', r('scanSample', 'lddtreeSample'), ''],
    ['check /usr/sbin ÷ checksec --dir', r('checkSbin', 'checksecSbin'), ''],
  ]) console.log(`  ${label.padEnd(34)} ${fmt(x).padStart(8)}  ${goal}`);
  console.log(`  ${'scan peak RSS'.padEnd(34)} ${fmt(rss, ' MiB').padStart(8)}  ≤ 256 MiB`);
  if (rssRoot !== undefined) console.log(`  ${'scan of the machine, answer kept'.padEnd(34)} ${fmt(rssRoot, ' MiB').padStart(8)}  ≤ 256 MiB`);
  rmSync(process.env.LOADGRAPH_CACHE_DIR, { recursive: true, force: true });
}
