#!/usr/bin/env bash
# fetch-sysroots.sh [--release NAME] [ARCH...] — Debian sysroots for loadgraph's tests and demo.
#
# For each ARCH (default: amd64 i386 arm64 armhf s390x ppc64el mips64el) this downloads the .deb files of
# an sshd-centred package set and unpacks them with `dpkg-deb -x` into
#   $LOADGRAPH_CORPUS/ARCH/root           (release bookworm, the default)
#   $LOADGRAPH_CORPUS/RELEASE-ARCH/root   (any other release)
# with a manifest.tsv (package, version, architecture, sha256 of the .deb) beside it.
# Nothing is installed and nothing from a package is executed: apt gets private lists, cache and an empty
# dpkg status, so the machine's own package state is untouched; what maintainer scripts would write at
# install time and loadgraph reads (merged-/usr links, PAM's common-* files) is written by this script.
# A finished sysroot is kept (a .done stamp naming the package list), so calling the script again is cheap.
#
# Needs: apt-get and dpkg-deb, write access for apt's private state (root on Debian), and the network
# path to the Debian archive this machine's apt is configured for. LOADGRAPH_CORPUS defaults to
# ~/.cache/loadgraph-corpus.
# Exit status: 0 every sysroot is there; 1 some could not be fetched (each says why); 2 cannot run here.
set -u -o pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
corpus=${LOADGRAPH_CORPUS:-$HOME/.cache/loadgraph-corpus}
release=bookworm
if [ "${1-}" = --release ]; then release=${2:?--release needs a name}; shift 2; fi
arches=("$@"); [ ${#arches[@]} -gt 0 ] || arches=(amd64 i386 arm64 armhf s390x ppc64el mips64el)

# sshd and everything it links, the PAM stack and NSS modules that load into it at run time, systemd
# (RUNPATH, dlopen notes; trixie's liblz4 needs libxxhash) and coreutils; the last line has the names trixie
# gave some of them (64-bit time_t).
packages="openssh-server openssh-client openssh-sftp-server libsystemd0 libsystemd-shared systemd coreutils
 libc6 libc-bin libgcc-s1 libstdc++6 liblzma5 libzstd1 liblz4-1 libgcrypt20 libgpg-error0 libcap2 libcap-ng0
 libselinux1 libsepol2 libpam0g libpam-modules libpam-modules-bin libpam-runtime libpam-systemd libnss-systemd
 libaudit1 libkrb5-3 libgssapi-krb5-2 libk5crypto3 libkrb5support0 libkeyutils1
 libcom-err2 libssl3 zlib1g libcrypt1 libwrap0 libnsl2 libtirpc3 libpcre2-8-0 libacl1 libattr1 libapparmor1
 libargon2-1 libblkid1 libbsd0 libbz2-1.0 libcbor0.8 libcryptsetup12 libdevmapper1.02.1 libedit2 libfdisk1
 libffi8 libfido2-1 libgmp10 libip4tc2 libjson-c5 libkmod2 libmd0 libmount1 libncursesw6 libp11-kit0
 libproc2-0 libseccomp2 libtinfo6 libudev1 libuuid1 libdb5.3 libxxhash0
 libssl3t64 libtirpc3t64 libcbor0.10 libdb5.3t64 libwtmpdb0 libsqlite3-0"

fail() { echo "fetch-sysroots: $*" >&2; exit 2; }
command -v apt-get >/dev/null || fail "needs apt-get (a Debian or Ubuntu machine); nothing fetched"
command -v dpkg-deb >/dev/null || fail "needs dpkg-deb (package dpkg); nothing fetched"
command -v node >/dev/null || fail "needs node (for what install-time scripts would write); nothing fetched"
mkdir -p "$corpus" 2>/dev/null && [ -w "$corpus" ] || fail "cannot write to $corpus (set LOADGRAPH_CORPUS)"

# The archive this machine's apt already uses, so the script works behind the same mirror.
mirror=$(grep -hoE '^(URIs:|deb) +[a-z]+://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
  /etc/apt/sources.list.d/*.list 2>/dev/null | head -1 | awk '{print $2}')
mirror=${mirror:-http://deb.debian.org/debian}

# What maintainer scripts would have made at install time, and unpacking does not: also for a root
# fetched before this was done (each step leaves a finished root alone).
install_time() {
  usr_links "$1"
  # libpam-runtime's postinst: /etc/pam.d/common-* from the default PAM profiles (pam-auth-update).
  node "$here/pam-auth-update.mjs" "$1"
}

# A release whose packages install under /usr only (merged /usr, trixie on) relies on the installer
# (debootstrap, base-files) for /bin, /lib64, ... as links into /usr: make them, or PT_INTERP's
# /lib64/ld-linux-x86-64.so.2 would not exist in the root. Also for a root fetched before this was done.
usr_links() {
  local root=$1 d
  [ -d "$root/usr" ] && [ ! -e "$root/bin" ] || return 0
  for d in bin sbin lib lib32 lib64 libx32 libo32; do
    if [ -d "$root/usr/$d" ] && [ ! -e "$root/$d" ]; then ln -s "usr/$d" "$root/$d"; fi
  done
}

fetch() {
  local arch=$1 name
  if [ "$release" = bookworm ]; then name=$arch; else name=$release-$arch; fi
  local out=$corpus/$name state=$corpus/.apt-$name
  # .done holds a digest of the package list: a root fetched for another list is fetched again.
  local stamp; stamp=$(printf '%s' "$packages" | sha256sum | cut -c1-16)
  if [ -f "$out/.done" ] && [ "$(cat "$out/.done")" = "$stamp" ]; then install_time "$out/root" || return 1; echo "$name: already in $out/root" >&2; return 0; fi
  rm -rf "$out/root" "$out/.done"
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$out/debs" "$out/root" || return 1
  : > "$state/status"
  printf 'deb %s %s main\n' "$mirror" "$release" > "$state/sources.list"
  local opts=(-o "APT::Architecture=$arch" -o "APT::Architectures=$arch"
    -o "Dir::Etc::sourcelist=$state/sources.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$state/lists" -o "Dir::State::status=$state/status"
    -o "Dir::Cache=$state/cache" -o "Dir::Cache::archives=$state/cache/archives"
    -o "Acquire::Languages=none" -o "APT::Get::List-Cleanup=0" -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=root")
  local ok=0 try
  for try in 1 2 3; do apt-get -qq "${opts[@]}" update >&2 && { ok=1; break; }; sleep 3; done
  if [ $ok = 0 ]; then
    echo "$name: cannot read the package lists of $release/$arch from $mirror (offline, or not root?)" >&2
    return 1
  fi
  printf 'package\tversion\tarch\tsha256\n' > "$out/manifest.tsv"
  local pkg deb rc=0 missing=() all=()
  for pkg in $packages; do all+=("$pkg:$arch"); done
  # One apt-get call for the whole set (each call parses the package lists anew); when a package is not in
  # this release that call fails as a whole, and each package is then asked for on its own.
  if ! ( cd "$out/debs" && apt-get -qq "${opts[@]}" download "${all[@]}" >/dev/null 2>&1 ); then
    for pkg in $packages; do
      ls "$out/debs/${pkg}"_*.deb >/dev/null 2>&1 \
        || ( cd "$out/debs" && apt-get -qq "${opts[@]}" download "$pkg:$arch" >/dev/null 2>&1 ) || true
    done
  fi
  for pkg in $packages; do
    deb=$(ls -t "$out/debs/${pkg}"_*.deb 2>/dev/null | head -1)
    [ -n "$deb" ] || { missing+=("$pkg"); continue; }
    dpkg-deb -x "$deb" "$out/root" || rc=1
    printf '%s\t%s\t%s\t%s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" "$(dpkg-deb -f "$deb" Architecture)" \
      "$(sha256sum "$deb" | cut -d' ' -f1)" >> "$out/manifest.tsv"
  done
  # A release renames some packages (libssl3 → libssl3t64); those are simply absent, which is fine as
  # long as sshd itself arrived.
  [ ${#missing[@]} -eq 0 ] || echo "$name: not in $release: ${missing[*]}" >&2
  [ -e "$out/root/usr/sbin/sshd" ] || { echo "$name: sshd did not arrive" >&2; rc=1; }
  install_time "$out/root" || rc=1
  rm -rf "$out/debs"
  [ $rc = 0 ] && echo "$stamp" > "$out/.done"
  echo "$name: $(($(wc -l < "$out/manifest.tsv") - 1)) packages in $out/root" >&2
  return $rc
}

status=0
for a in "${arches[@]}"; do fetch "$a" || status=1; done
exit $status
