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
mirror=${TSRUN_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ -x "$dest/usr/bin/containerd" ] && "$dest/usr/bin/containerd" --version 2>/dev/null | grep -q ' 1\.7\.'; then
  echo "fetch: $("$dest/usr/bin/containerd" --version) already in $dest"
  exit 0
fi
command -v apt-get >/dev/null || { echo "fetch: apt-get not found (this script needs Debian's apt)" >&2; exit 1; }

mkdir -p "$aptdir/lists/partial" "$aptdir/archives/partial" "$aptdir/etc/preferences.d" "$aptdir/debs"
# The trixie key ships in bookworm's debian-archive-keyring; Signed-By keeps it scoped to this source.
cat > "$aptdir/etc/sources.list" <<EOT
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main
EOT
apt=(apt-get -q
  -o "Dir::Etc::SourceList=$aptdir/etc/sources.list"
  -o "Dir::Etc::SourceParts=/nonexistent"
  -o "Dir::Etc::Preferences=/dev/null"
  -o "Dir::Etc::PreferencesParts=$aptdir/etc/preferences.d"
  -o "Dir::State::Lists=$aptdir/lists"
  -o "Dir::Cache=$aptdir/cache"
  -o "Dir::Cache::Archives=$aptdir/archives"
  -o "APT::Get::List-Cleanup=false"
  -o "APT::Sandbox::User=root")
mkdir -p "$aptdir/cache"
"${apt[@]}" update >/dev/null
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
