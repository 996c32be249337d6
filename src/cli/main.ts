// The process entry: this process's I/O (process-io.ts) handed to run(), and its exit code set.
import { commandArgs, processIo } from './process-io.js';
import { run } from './run.js';

// The launcher (bin/loadgraph.js) names the build it runs: only the built CLI keeps answers (cli/answers.ts).
declare const __loadgraphBuild: string | undefined;
const build = typeof __loadgraphBuild === 'string' && __loadgraphBuild !== '' ? __loadgraphBuild : null;

// No top-level await: the bundle is a classic script, so that its compiled code can be cached (bin/loadgraph.js).
/** Settles when the run has set the exit code. */
export const done: Promise<void> = Promise.resolve().then(() => run(commandArgs(), processIo(build))).then(
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
