#!/usr/bin/env node
// npm run bench: loadgraph against libtree, lddtree, ldd and scanelf on the same program, and against
// `node -e 0` (the runtime's floor). Median wall time of repeated runs; ratios are what we report.
// Installs missing peers from Debian packages when it can (root + apt-get).
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 25);
const target = process.argv[2] ?? ['/usr/sbin/sshd', '/usr/bin/curl', '/usr/bin/ssh', '/usr/bin/git'].find(existsSync);
if (!target) {
  console.error('bench: no target program found; pass one as an argument');
  process.exit(2);
}

async function have(cmd) {
  return (await execa('sh', ['-c', `command -v ${cmd}`], { reject: false })).exitCode === 0;
}
async function ensurePeers() {
  const missing = [];
  if (!(await have('libtree'))) missing.push('libtree');
  if (!(await have('lddtree')) || !(await have('scanelf'))) missing.push('pax-utils');
  if (!existsSync('/usr/lib/python3/dist-packages/elftools')) missing.push('python3-pyelftools');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !(await have('apt-get'))) {
    console.error(`bench: missing ${missing.join(', ')} and cannot install them; those rows are skipped`);
    return;
  }
  console.error(`bench: installing ${missing.join(', ')} from Debian…`);
  await execa('apt-get', ['update', '-qq'], { reject: false });
  await execa('apt-get', ['install', '-y', '-qq', ...missing], { reject: false, env: { DEBIAN_FRONTEND: 'noninteractive' } });
}

async function median(cmd, args) {
  const times = [];
  for (let i = 0; i < runs + 3; i++) {
    const t0 = performance.now();
    const r = await execa(cmd, args, { reject: false, stdout: 'ignore', stderr: 'ignore' });
    const t = performance.now() - t0;
    if (i >= 3) times.push(t); // the first runs warm the page cache
    if (r.exitCode !== 0 && r.exitCode !== 1) return null;
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

await ensurePeers();
if (!existsSync(`${here}/dist/cli/main.js`)) await execa('npm', ['run', '-s', 'build'], { cwd: here, stdio: 'inherit' });

const node = process.execPath;
// lddtree is a Python script that needs Debian's pyelftools: run it with Debian's python3.
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const rows = [
  ['node -e 0 (floor)', node, ['-e', '0']],
  ['loadgraph', node, [`${here}/bin/loadgraph.js`, target]],
  ['loadgraph --format json', node, [`${here}/bin/loadgraph.js`, '--format', 'json', target]],
  ['loadgraph --no-code (graph only)', node, [`${here}/bin/loadgraph.js`, '--no-code', target]],
  ['libtree', 'libtree', [target]],
  ['lddtree', python, ['/usr/bin/lddtree', target]],
  ['ldd', 'ldd', [target]],
  ['scanelf -n (direct needs only)', 'scanelf', ['-n', target]],
];

// Debian's sshd inside the amd64 test sysroot: the two tools that resolve inside a root, side by side.
const corpus = process.env.LOADGRAPH_CORPUS ?? `${process.env.HOME}/.cache/loadgraph-corpus`;
const root = `${corpus}/amd64/root`;
if (existsSync(`${root}/usr/sbin/sshd`)) {
  rows.push(['loadgraph --root (Debian sshd)', node, [`${here}/bin/loadgraph.js`, '--root', root, '/usr/sbin/sshd']]);
  rows.push(['loadgraph --root --no-code', node, [`${here}/bin/loadgraph.js`, '--root', root, '--no-code', '/usr/sbin/sshd']]);
  rows.push(['lddtree --root (Debian sshd)', python, ['/usr/bin/lddtree', '--root', root, '/usr/sbin/sshd']]);
}

console.log(`target: ${target}; ${runs} runs each, median wall time`);
const results = [];
for (const [label, cmd, args] of rows) {
  if (label.startsWith('lddtree') && !existsSync('/usr/bin/lddtree')) continue;
  if (!(await have(cmd)) && !cmd.startsWith('/')) continue;
  const t = await median(cmd, args);
  if (t !== null) results.push([label, t]);
}
const lg = results.find(([l]) => l === 'loadgraph')?.[1];
const floor = results.find(([l]) => l.startsWith('node -e 0'))?.[1];
console.log(`${'tool'.padEnd(32)} ${'ms'.padStart(8)}  loadgraph ÷ tool`);
const lgRoot = results.find(([l]) => l === 'loadgraph --root (Debian sshd)')?.[1];
for (const [label, t] of results) {
  const mine = label.includes('--root') ? lgRoot : lg;
  console.log(`${label.padEnd(32)} ${t.toFixed(1).padStart(8)}  ${(mine / t).toFixed(2)}×`);
}
const graphOnly = results.find(([l]) => l.startsWith('loadgraph --no-code'))?.[1];
if (lg !== undefined && floor !== undefined) console.log(`loadgraph over the node floor: ${(lg - floor).toFixed(1)} ms; graph only (--no-code): ${((graphOnly ?? lg) - floor).toFixed(1)} ms (target: within 40 ms)`);
