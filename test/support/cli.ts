// Runs the CLI in-process with fake streams.
import { run } from '../../src/cli/run.js';
import { confinedFs } from '../../src/host/confined-fs.js';
import { detectHostCpu } from '../../src/host/cpu.js';
import { withFileSource } from '../../src/host/file-source.js';

export interface CliResult { code: number; stdout: string; stderr: string }

export async function runCli(argv: string[], opts: { env?: Record<string, string>; isTTY?: boolean } = {}): Promise<CliResult> {
  let stdout = '', stderr = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: opts.env ?? {},
    isTTY: opts.isTTY ?? false,
    withFile: withFileSource,
    graphFs: confinedFs,
    cwd: process.cwd(),
    hostCpu: detectHostCpu,
  });
  return { code, stdout, stderr };
}
