#!/bin/sh
':' //; unset NODE_EXTRA_CA_CERTS; exec node "$0" "$@"
// The line above is for sh, which runs this file as the loadgraph command; to Node it is a string and a
// comment. Node 20 reads every certificate NODE_EXTRA_CA_CERTS names, and its own root store with them, as
// it starts, before any script runs (nodejs/node#40524): 25 ms for one certificate, 60 ms for a
// distribution's bundle, on every run. loadgraph makes no network connection and starts no process, so
// its Node starts without the variable.
//
// Launcher, a CommonJS script (bin/package.json): Node starts one faster than an ES module. The CLI is
// one bundled script (npm run build) compiled with the V8 code cache the build wrote beside it, so Node
// neither resolves ~60 modules nor compiles the functions a run calls (docs/performance.md). A cache that
// does not fit this bundle or this Node is not used.
'use strict';
const { closeSync, fstatSync, openSync, readFileSync, readSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

// One program's analysis is over in a few hundred milliseconds: V8's optimising compiler would spend more
// on background compiles than it saves (and Node waits for them before exiting), so below the commands
// that walk a whole root (scan, rdeps, check, diff) functions stay in the baseline tier. V8 accepts a code
// cache only under the flags it was made with: each mode has its own. (These are the commands that keep
// answers, src/cli/answers.ts ANSWERED; a test holds the two lists equal.)
// A whole-root command keeps little (each library's tables, a kept answer's record: ~40 MB live at the end
// of a scan of a whole machine) but allocates a great deal, and V8's own heap growth let the heap reach
// three times what was live; growing it by half each time instead keeps peak RSS near what is needed
// (scan of / 250 → 213 MiB, of a list of 1,015 programs 180 → 166 MiB, in the same time: docs/performance.md).
const wholeRoot = ['scan', 'rdeps', 'check', 'diff'].includes(process.argv[2] ?? '');
// The same holds for Node's own modules, which come compiled in the code cache built into Node, made under
// V8's default flags: what one program's run needs is loaded before the flags change (node:crypto took
// 6.4 ms after the change against 2.6 ms before it; stdout as a pipe 3.2 against 1.4 ms). node:crypto only
// digests (liblzma's), which the graph alone (--no-code) does not.
if (!wholeRoot) {
  require('node:vm');
  void require('node:util').parseArgs, process.stdout;
  if (!process.argv.includes('--no-code')) require('node:crypto');
}
require('node:v8').setFlagsFromString(wholeRoot ? '--heap-growing-percent=50' : '--max-opt=1');

const dist = join(__dirname, '..', 'dist');
const bundle = join(dist, 'loadgraph.cjs');

const built = stampOf(bundle);
if (built === null) {
  process.stderr.write("loadgraph: not built yet; run 'npm run build' first\n");
  process.exitCode = 2;
} else {
  // Answers a whole-root command keeps between runs (src/cli/answers.ts) are replayed only by the build
  // that made them: this very bundle, named by its stamp and its file's identity (a byte rewritten
  // changes its ctime). A kept answer that still holds is replayed by a small bundle of its own, before
  // the CLI is loaded at all.
  const build = wholeRoot && built.stamp !== '' ? `${built.stamp} ${built.st.dev}:${built.st.ino}:${built.st.size}:${built.st.mtimeMs}:${built.st.ctimeMs}` : '';
  const replayed = build === '' ? null : replayKept(build);
  if (replayed !== null) process.exitCode = replayed;
  else start(built.stamp, build);
}

/** The digest the build ends the bundle with, and the bundle's stat; null when it is not built. */
function stampOf(path) {
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    const tail = Buffer.alloc(Math.min(64, st.size));
    readSync(fd, tail, 0, tail.length, st.size - tail.length);
    return { stamp: /\/\/ loadgraph-build ([0-9a-f]+)\n?$/.exec(tail.toString('latin1'))?.[1] ?? '', st };
  } catch {
    return null; // not a file that can be read
  } finally {
    closeSync(fd);
  }
}

/** The exit status of a kept answer replayed (src/cli/replay-main.ts), or null to run the CLI. */
function replayKept(build) {
  let replay;
  try {
    replay = require(join(dist, 'replay.cjs'));
  } catch {
    return null;
  }
  try {
    return replay.replayKept(replay.commandArgs(), build);
  } catch (e) {
    // Nothing was written (an answer is written only once it is known to hold): the CLI answers afresh.
    if (process.env.LOADGRAPH_DEBUG) process.stderr.write(`loadgraph: answer cache: replay failed: ${e.stack}\n`);
    return null;
  }
}

function start(stamp, build) {
  const { Script } = require('node:vm');
  const source = readFileSync(bundle, 'latin1');
  // The cache is headed with the stamp of the bundle it was made for (V8 itself checks only the source's length).
  const cacheFile = `${bundle}.${wholeRoot ? 'whole-root' : 'one'}.cache`;
  let cachedData;
  try {
    const c = readFileSync(cacheFile);
    const nl = c.indexOf(10);
    if (stamp !== '' && c.subarray(0, nl).toString('latin1') === stamp) cachedData = c.subarray(nl + 1);
  } catch {
    // No cache: compile as usual.
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname, __loadgraphBuild) {${source}\n})`, { filename: bundle, cachedData });
  if (process.env.LOADGRAPH_DEBUG && (cachedData === undefined || script.cachedDataRejected)) {
    process.stderr.write(`loadgraph: code cache ${cachedData === undefined ? 'absent or made from another build' : 'rejected by this Node'}: compiling\n`);
  }
  // npm run build: after a representative run, keep what V8 compiled for next time.
  if (process.env.LOADGRAPH_WRITE_CODE_CACHE === '1') process.once('exit', () => writeFileSync(cacheFile, Buffer.concat([Buffer.from(`${stamp}\n`, 'latin1'), script.createCachedData()])));
  const module = { exports: {} };
  // The bundle requires only Node's built-in modules: this script's own require serves (node:module's
  // createRequire would load Node's ES module loader as well).
  script.runInThisContext()(module.exports, require, module, bundle, dist, build);
}
