#!/usr/bin/env node
// Launcher: the compiled CLI lives in dist/ (npm run build).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("loadgraph: not built yet; run 'npm run build' first\n");
  process.exitCode = 2;
} else {
  await import(main.href);
}
