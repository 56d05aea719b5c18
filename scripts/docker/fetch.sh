#!/bin/bash
# Fetch Debian trixie's Docker 26 (docker.io: dockerd, docker-proxy, docker-init -> tini-static;
# docker-cli: the docker client; tini: tini-static) into build/docker-26 WITHOUT touching the host's
# apt configuration or installed packages: the private apt tree under build/apt-trixie that
# scripts/containerd/fetch.sh uses (own sources list, lists, cache) serves `apt-get download`, and
# the .debs are unpacked with dpkg-deb -x. Nothing is installed; the binaries need glibc >= 2.34
# (bookworm has 2.36) and libsystemd0. containerd comes from scripts/containerd (1.7), runc from
# the host. Idempotent: does nothing when DEST already holds a working dockerd and docker 26.
# Usage: scripts/docker/fetch.sh [DEST]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dest=${1:-$top/build/docker-26}
aptdir=$top/build/apt-trixie

is26() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -q '^Docker version 26\.'; }
if is26 "$dest/usr/sbin/dockerd" && is26 "$dest/usr/bin/docker" && [ -x "$dest/usr/bin/docker-init" ]; then
  echo "fetch: $("$dest/usr/sbin/dockerd" --version) already in $dest"
  exit 0
fi
# shellcheck source=scripts/lib/trixie-apt.sh
. "$top/scripts/lib/trixie-apt.sh"
trixie_apt_init "$top"
apt=("${trixie_apt[@]}")
mkdir -p "$aptdir/debs"
cd "$aptdir/debs"
rm -f docker.io_*.deb docker-cli_*.deb tini_*.deb
"${apt[@]}" download docker.io docker-cli tini >/dev/null
for p in docker.io docker-cli; do
  deb=$(ls "${p}"_*.deb)
  case "$deb" in
    "${p}"_26.*) ;;
    *) echo "fetch: expected $p 26.x from trixie, got $deb" >&2; exit 1 ;;
  esac
done
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
for deb in docker.io_*.deb docker-cli_*.deb tini_*.deb; do
  dpkg-deb -x "$deb" "$dest.tmp"
done
# Check that they run here (glibc, shared libraries) before replacing DEST.
for b in usr/sbin/dockerd usr/bin/docker; do
  is26 "$dest.tmp/$b" || { echo "fetch: $b from trixie does not run on this host:" >&2; "$dest.tmp/$b" --version >&2 || true; exit 1; }
done
"$dest.tmp/usr/bin/docker-init" --version >/dev/null ||
  { echo "fetch: usr/bin/docker-init (tini-static) from trixie does not run on this host" >&2; exit 1; }
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "fetch: $("$dest/usr/sbin/dockerd" --version) and $("$dest/usr/bin/docker" --version | cut -d, -f1) client unpacked into $dest"
