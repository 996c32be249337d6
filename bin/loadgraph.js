#!/usr/bin/env node
// Launcher, a CommonJS script (bin/package.json): Node starts one faster than an ES module. The CLI is
// one bundled script (npm run build) compiled with the V8 code cache the build wrote beside it, so Node
// neither resolves ~60 modules nor compiles the functions a run calls (docs/performance.md). A cache that
// does not fit this bundle or this Node is not used.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { setFlagsFromString } = require('node:v8');
const { Script } = require('node:vm');

// One program's analysis is over in a few hundred milliseconds: V8's optimising compiler would spend more
// on background compiles than it saves (and Node waits for them before exiting), so below the commands
// that walk a whole root (scan, rdeps, check, diff) functions stay in the baseline tier. V8 accepts a code
// cache only under the flags it was made with: each mode has its own.
const wholeRoot = ['scan', 'rdeps', 'check', 'diff'].includes(process.argv[2] ?? '');
if (!wholeRoot) setFlagsFromString('--max-opt=1');

const dist = join(__dirname, '..', 'dist');
const bundle = join(dist, 'loadgraph.cjs');
let source;
try {
  source = readFileSync(bundle, 'latin1');
} catch {
  process.stderr.write("loadgraph: not built yet; run 'npm run build' first\n");
  process.exitCode = 2;
}
if (source !== undefined) {
  // The build ends the bundle with its digest and heads the cache with the digest it was made for (V8
  // itself checks only the source's length).
  const stamp = `${/\/\/ loadgraph-build ([0-9a-f]+)\n?$/.exec(source.slice(-64))?.[1] ?? ''}\n`;
  const cacheFile = `${bundle}.${wholeRoot ? 'whole-root' : 'one'}.cache`;
  let cachedData;
  try {
    const c = readFileSync(cacheFile);
    const nl = c.indexOf(10);
    if (stamp !== '\n' && c.subarray(0, nl + 1).toString('latin1') === stamp) cachedData = c.subarray(nl + 1);
  } catch {
    // No cache: compile as usual.
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname, __loadgraphBuild) {${source}\n})`, { filename: bundle, cachedData });
  if (process.env.LOADGRAPH_DEBUG && (cachedData === undefined || script.cachedDataRejected)) {
    process.stderr.write(`loadgraph: code cache ${cachedData === undefined ? 'absent or made from another build' : 'rejected by this Node'}: compiling\n`);
  }
  // npm run build: after a representative run, keep what V8 compiled for next time.
  if (process.env.LOADGRAPH_WRITE_CODE_CACHE === '1') process.once('exit', () => writeFileSync(cacheFile, Buffer.concat([Buffer.from(stamp, 'latin1'), script.createCachedData()])));
  // Answers a whole-root command keeps between runs are replayed only by the build that made them
  // (src/cli/answers.ts): its digest, checked here against the bundle's bytes, not taken on trust.
  let build = '';
  if (wholeRoot && stamp !== '\n') {
    const body = source.slice(0, source.lastIndexOf('// loadgraph-build '));
    if (require('node:crypto').createHash('sha256').update(body, 'latin1').digest('hex').slice(0, 32) === stamp.trim()) build = stamp.trim();
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dist, build);
}
