#!/usr/bin/env bash
# npm run build: the library (tsc → dist/), the CLI as one bundled script (esbuild → dist/loadgraph.cjs)
# with the replay of kept answers beside it (dist/replay.cjs), and the CLI bundle's V8 code caches,
# written after representative runs (bin/loadgraph.js explains why).
set -euo pipefail
cd "$(dirname "$0")/.."
tsc -p tsconfig.build.json
esbuild src/cli/main.ts --bundle --platform=node --format=cjs --target=node20 --outfile=dist/loadgraph.cjs --log-level=warning
# What replays a whole-root command's kept answer before the CLI is loaded (src/cli/replay-main.ts).
esbuild src/cli/replay-main.ts --bundle --platform=node --format=cjs --target=node20 --outfile=dist/replay.cjs --log-level=warning
rm -f dist/loadgraph.cjs*.cache dist/loadgraph.mjs
# The bundle names itself by its digest; the cache records the name it was made for.
echo "// loadgraph-build $(sha256sum dist/loadgraph.cjs | cut -c1-32)" >> dist/loadgraph.cjs
# The load graph of the Node binary running this build (present on every machine that can build), once
# as one program and once as a whole-root command: the two run under different V8 flags.
# (Answers are not replayed here: the runs must do the work whose code is kept.)
export LOADGRAPH_CACHE=off
LOADGRAPH_WRITE_CODE_CACHE=1 node bin/loadgraph.js "$(command -v node)" >/dev/null || [ -s dist/loadgraph.cjs.one.cache ]
LOADGRAPH_WRITE_CODE_CACHE=1 node bin/loadgraph.js scan --quiet "$(command -v node)" >/dev/null || [ -s dist/loadgraph.cjs.whole-root.cache ]
