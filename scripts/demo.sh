#!/usr/bin/env bash
# The README's first command: build, then show what loadgraph knows about /usr/sbin/sshd, or, when this
# machine has no sshd, about Debian's sshd from the amd64 sysroot fetched by ../shared/scripts/debian-corpus.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
npm run -s build
target=/usr/sbin/sshd
if [ ! -e "$target" ]; then
  corpus=${LOADGRAPH_CORPUS:-$HOME/.cache/loadgraph-corpus}
  target=$corpus/amd64/root/usr/sbin/sshd
  if [ ! -e "$target" ]; then
    echo "demo: no /usr/sbin/sshd here; fetching Debian's (amd64) as the sample…" >&2
    bash "$here/../shared/scripts/debian-corpus.sh" amd64 >&2
  fi
fi
exec node bin/loadgraph.js inspect "$target"
