#!/bin/bash
# Fetch Debian trixie's containerd 1.7 into build/containerd-1.7 WITHOUT touching the host's apt
# configuration or installed packages: a private apt tree (sources list, lists, cache) under
# build/apt-trixie is used for `apt-get download`, and the .deb is unpacked with dpkg-deb -x.
# The host keeps bookworm's containerd 1.6 in /usr/bin. Idempotent: does nothing when the unpacked
# tree already holds a containerd 1.7 binary. Usage: scripts/containerd/fetch.sh [DEST]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dest=${1:-$top/build/containerd-1.7}
aptdir=$top/build/apt-trixie

if [ -x "$dest/usr/bin/containerd" ] && "$dest/usr/bin/containerd" --version 2>/dev/null | grep -q ' 1\.7\.'; then
  echo "fetch: $("$dest/usr/bin/containerd" --version) already in $dest"
  exit 0
fi
# shellcheck source=scripts/lib/trixie-apt.sh
. "$top/scripts/lib/trixie-apt.sh"
trixie_apt_init "$top"
apt=("${trixie_apt[@]}")
mkdir -p "$aptdir/debs"
cd "$aptdir/debs"
rm -f containerd_*.deb
"${apt[@]}" download containerd >/dev/null
deb=$(ls containerd_*.deb)
case "$deb" in
  containerd_1.7.*) ;;
  *) echo "fetch: expected containerd 1.7 from trixie, got $deb" >&2; exit 1 ;;
esac
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
dpkg-deb -x "$deb" "$dest.tmp"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "fetch: $("$dest/usr/bin/containerd" --version) unpacked into $dest"
