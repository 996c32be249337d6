// Vitest global setup: every test's temporary files go into one directory of this run (TMPDIR, which
// os.tmpdir() reads and the workers inherit), removed when the run ends, so a run leaves nothing in /tmp.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'loadgraph-test-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
