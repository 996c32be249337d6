// Process wiring: real streams, environment and file access; everything else is in run().
import { confinedFs } from '../host/confined-fs.js';
import { detectHostCpu } from '../host/cpu.js';
import { answerStore } from '../host/answer-store.js';
import { withFileSource } from '../host/file-source.js';
import { run } from './run.js';

// A reader that stops early (`loadgraph scan | head`) closes the pipe: stop quietly, as a program killed by
// SIGPIPE would (Node ignores that signal, so a write fails with EPIPE instead).
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') process.stderr.write(`loadgraph: cannot write the output: ${e.message}\n`);
  process.exit(e.code === 'EPIPE' ? (process.exitCode ?? 0) : 2);
});

// The launcher (bin/loadgraph.js) names the build it runs: only the built CLI keeps answers (cli/answers.ts).
declare const __loadgraphBuild: string | undefined;
const build = typeof __loadgraphBuild === 'string' && __loadgraphBuild !== '' ? __loadgraphBuild : null;

// No top-level await: the bundle is a classic script, so that its compiled code can be cached (bin/loadgraph.js).
/** Settles when the run has set the exit code. */
export const done: Promise<void> = run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  isTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  withFile: withFileSource,
  graphFs: confinedFs,
  cwd: process.cwd(),
  hostCpu: detectHostCpu,
  answers: build === null ? null : answerStore(process.env, build),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // A bug, not a user error: say so in one line, keep the trace behind LOADGRAPH_DEBUG.
    process.stderr.write(`loadgraph: internal error: ${(e as Error).message}\n`);
    if (process.env.LOADGRAPH_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    process.exitCode = 70;
  },
);
