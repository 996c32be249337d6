#!/usr/bin/env bash
# The README's first command: build, then show the load graph of /usr/sbin/sshd — or, when this machine has
# no sshd, of Debian's sshd inside the amd64 sysroot that scripts/fetch-sysroots.sh fetches (nothing is
# installed or run from it).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
npm run -s build
sshd=${LOADGRAPH_DEMO_SSHD:-/usr/sbin/sshd}
if [ -e "$sshd" ]; then
  exec bin/loadgraph.js "$sshd"
fi
corpus=${LOADGRAPH_CORPUS:-$HOME/.cache/loadgraph-corpus}
if [ ! -e "$corpus/amd64/.done" ]; then
  echo "demo: this machine has no $sshd; fetching Debian's sshd (amd64) into $corpus as the sample…" >&2
  bash "$here/scripts/fetch-sysroots.sh" amd64 || {
    echo "demo: could not fetch Debian's sshd (see above); run 'bin/loadgraph.js PROGRAM' on any program instead" >&2
    exit 1
  }
fi
echo "demo: this machine has no $sshd; showing Debian's, inside $corpus/amd64/root" >&2
exec bin/loadgraph.js --root "$corpus/amd64/root" /usr/sbin/sshd
