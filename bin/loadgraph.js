#!/usr/bin/env node
// Launcher: the CLI is one bundled ES module (npm run build), which starts faster than ~60 separate files.
import { existsSync } from 'node:fs';

const main = new URL('../dist/loadgraph.mjs', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("loadgraph: not built yet; run 'npm run build' first\n");
  process.exitCode = 2;
} else {
  await import(main.href);
}
