#!/usr/bin/env bash
# Installs what the test suite needs and npm does not bring: binutils (readelf, the differential oracle),
# a C compiler with 32-bit multilib and qemu-user (the i386 loader as oracle), libsystemd-dev (the samples' before/after pair), checksec and
# devscripts' hardening-check (oracles for check), graphviz (renders --format dot), chromium (opens --format html pages); then fetches the Debian sysroots of seven
# architectures (scripts/fetch-sysroots.sh). Idempotent: installed packages and fetched sysroots are kept.
# Exit status 0 even when something could not be had: each test that needs it says so when it skips.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

need=()
command -v readelf >/dev/null || need+=(binutils)
command -v cc >/dev/null || need+=(gcc libc6-dev)
[ -e /usr/include/systemd/sd-daemon.h ] || need+=(libsystemd-dev)   # the samples' "before" build
command -v checksec >/dev/null || need+=(checksec)                 # oracles for loadgraph check
command -v hardening-check >/dev/null || need+=(devscripts)
command -v dot >/dev/null || need+=(graphviz)                        # renders --format dot in the tests
[ -x /usr/bin/chromium ] || need+=(chromium)                         # opens --format html pages (puppeteer-core drives it)
[ "$(uname -m)" != x86_64 ] || dpkg -s gcc-multilib >/dev/null 2>&1 || need+=(gcc-multilib)   # 32-bit fixtures (-m32)
# The oracle for 32-bit fixtures: the i386 ld.so under qemu-i386 (kernels built or booted without ia32 emulation cannot run it).
[ "$(uname -m)" != x86_64 ] || command -v qemu-i386 >/dev/null || need+=(qemu-user)
# Each Debian root's own ld.so, in a chroot of the root: static qemu-user binaries are copied into it.
[ "$(uname -m)" != x86_64 ] || [ -x /usr/bin/qemu-mips64el-static ] || need+=(qemu-user-static)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test-setup: missing ${need[*]}; install them as root (apt-get install ${need[*]})" >&2
  elif ! command -v apt-get >/dev/null; then
    echo "test-setup: missing ${need[*]} and this machine has no apt-get to install them" >&2
  else
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; } \
      || echo "test-setup: could not install ${need[*]}; the tests that need them will say so" >&2
  fi
fi

{ bash "$here/scripts/fetch-sysroots.sh" && bash "$here/scripts/fetch-sysroots.sh" --release trixie amd64; } \
  || echo "test-setup: some Debian sysroots could not be fetched (see above); their tests will say so" >&2
exit 0
