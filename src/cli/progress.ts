// Progress of a whole-root run on stderr: "count/total path" rewritten in place, only when stderr is a
// terminal (never in a pipe or a log) and not --quiet.
import type { CliIo } from './io.js';
import { terminalSafe } from './terminal-safe.js';

export interface Progress {
  step(count: number, total: number, path: string): void;
  done(): void;
}

export function progressFor(io: CliIo, quiet: boolean): Progress {
  if (quiet || io.stderrIsTTY !== true) return { step: () => {}, done: () => {} };
  let shown = false;
  const out = io.progress ?? io.stderr;
  return {
    step(count, total, path) {
      const line = terminalSafe(`${count}/${total} ${path}`);
      out.write(`\r\x1b[K${line.length > 100 ? `${line.slice(0, 97)}...` : line}`);
      shown = true;
    },
    done() {
      if (shown) out.write('\r\x1b[K');
    },
  };
}
