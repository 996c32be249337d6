#!/usr/bin/env bash
# The README's first command: build, then show the load graph of /usr/sbin/sshd — or, when this machine has
# no sshd, of Debian's sshd inside the amd64 sysroot that ../shared/scripts/debian-corpus.sh fetches.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
npm run -s build
if [ -e /usr/sbin/sshd ]; then
  exec node bin/loadgraph.js /usr/sbin/sshd
fi
corpus=${LOADGRAPH_CORPUS:-$HOME/.cache/loadgraph-corpus}
if [ ! -e "$corpus/amd64/root/usr/sbin/sshd" ]; then
  echo "demo: this machine has no /usr/sbin/sshd; fetching Debian's (amd64) as the sample…" >&2
  bash "$here/../shared/scripts/debian-corpus.sh" amd64 >&2
fi
echo "demo: this machine has no /usr/sbin/sshd; showing Debian's, inside $corpus/amd64/root" >&2
exec node bin/loadgraph.js --root "$corpus/amd64/root" /usr/sbin/sshd
