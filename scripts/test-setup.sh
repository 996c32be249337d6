#!/usr/bin/env bash
# Installs what the test suite needs and is not in npm: binutils (readelf, the differential oracle),
# a C compiler, libsystemd-dev (the samples' before/after pair), checksec and devscripts' hardening-check
# (oracles for check), and the Debian sysroots of seven architectures (../shared/scripts/debian-corpus.sh).
# Idempotent: installed packages and a fetched corpus are kept.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

need=()
command -v readelf >/dev/null || need+=(binutils)
command -v cc >/dev/null || need+=(gcc libc6-dev)
[ -e /usr/include/systemd/sd-daemon.h ] || need+=(libsystemd-dev)   # the samples' "before" build
command -v checksec >/dev/null || need+=(checksec)                 # oracles for loadgraph check
command -v hardening-check >/dev/null || need+=(devscripts)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "test-setup: missing ${need[*]} and cannot install them (not root, or no apt-get)" >&2
  fi
fi

corpus_script=${LOADGRAPH_CORPUS_SCRIPT:-$here/../shared/scripts/debian-corpus.sh}
if [ -f "$corpus_script" ]; then
  bash "$corpus_script" || echo "test-setup: some Debian sysroots could not be fetched; their tests will say so" >&2
else
  echo "test-setup: $corpus_script not found; the Debian sysroot tests will say so" >&2
fi
