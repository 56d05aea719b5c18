#!/bin/bash
# Install the single executable (make sea) under PREFIX:
#   PREFIX/bin/containerd-shim-tsrun-v1   the SEA (Node 24 + tsrun + koffi + libtsrun.so)
#   PREFIX/bin/tsrun -> containerd-shim-tsrun-v1   (the same binary is the CLI under that name)
# The binary is replaced by rename, so running shims keep their old copy. A launcher install's
# PREFIX/lib/tsrun (scripts/install.sh) is removed: bin/ no longer uses it.
# Usage: scripts/sea/install.sh PREFIX [SEA]   (SEA defaults to build/sea/containerd-shim-tsrun-v1)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
prefix=${1:?usage: scripts/sea/install.sh PREFIX [SEA]}
sea=${2:-$top/build/sea/containerd-shim-tsrun-v1}
[ -x "$sea" ] || { echo "install-sea: $sea missing; run make sea" >&2; exit 1; }
mkdir -p "$prefix/bin"
prefix=$(cd "$prefix" && pwd)
tmp=$(mktemp "$prefix/bin/.containerd-shim-tsrun-v1.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cp "$sea" "$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$prefix/bin/containerd-shim-tsrun-v1"
trap - EXIT
ln -sfn containerd-shim-tsrun-v1 "$prefix/bin/tsrun"
rm -rf "$prefix/lib/tsrun"
rmdir "$prefix/lib" 2>/dev/null || true
size=$(stat -c %s "$prefix/bin/containerd-shim-tsrun-v1")
echo "install-sea: $prefix/bin/containerd-shim-tsrun-v1 ($(( size / 1048576 )) MiB, single executable) and $prefix/bin/tsrun -> containerd-shim-tsrun-v1"
