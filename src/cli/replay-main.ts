// The launcher's first step for a whole-root command (bin/loadgraph.js): its kept answer replayed, when
// it is still true, before the CLI itself is loaded. A separate small bundle (dist/replay.cjs), so that
// a replayed answer costs Node's start-up and the checks, not the CLI's ~600 KB of code.
import { ANSWERED, replay, withoutNoCache } from './answers.js';
import { processIo } from './process-io.js';

/** The launcher's arguments, as bytes (process-io.ts), so that a replay asks the question the CLI kept. */
export { commandArgs } from './process-io.js';

/** The exit status of the replayed answer, or null when there is none to replay (the CLI then runs). */
export function replayKept(argv: string[], build: string): number | null {
  const [name, ...rest] = argv;
  if (name === undefined || !ANSWERED.has(name)) return null;
  const { args, noCache } = withoutNoCache(rest);
  return noCache ? null : replay(name, args, processIo(build));
}
