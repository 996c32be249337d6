#!/usr/bin/env bash
# Builds the demo daemon twice into OUT (default: samples/build): demo-native (no libsystemd) and, when
# libsystemd-dev is installed (scripts/test-setup.sh installs it), demo-libsystemd.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/build}
mkdir -p "$out"
cc -O2 -Wall -o "$out/demo-native" "$here/demo-daemon.c" "$here/sd_notify.c" "$here/sd_listen_fds.c"
if pkg-config --exists libsystemd 2>/dev/null || [ -e /usr/include/systemd/sd-daemon.h ]; then
  cc -O2 -Wall -o "$out/demo-libsystemd" "$here/demo-daemon.c" -lsystemd
fi
ls "$out"
