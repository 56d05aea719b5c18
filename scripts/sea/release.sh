#!/bin/bash
# Release artifact: build/release/tsrun-VERSION-linux-x64.tar.zst holding
#   tsrun-VERSION-linux-x64/bin/containerd-shim-tsrun-v1 (the single executable)
#   tsrun-VERSION-linux-x64/bin/tsrun -> containerd-shim-tsrun-v1
# Reproducible given the same SEA: sorted names, root owner, mtime of the last commit.
# Usage: scripts/sea/release.sh [SEA [OUTDIR]]   (make release; OUTDIR defaults to build/release;
# needs zstd: apt-get install zstd)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sea=${1:-$top/build/sea/containerd-shim-tsrun-v1}
[ -x "$sea" ] || { echo "release: $sea missing; run make sea" >&2; exit 1; }
command -v zstd >/dev/null || { echo "release: zstd missing; apt-get install zstd" >&2; exit 1; }
version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$top/package.json")
name=tsrun-$version-linux-x64
outdir=${2:-$top/build/release}
mkdir -p "$outdir"
out=$(cd "$outdir" && pwd)/$name.tar.zst
stage=$(mktemp -d "$outdir/.release.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/bin"
cp "$sea" "$stage/$name/bin/containerd-shim-tsrun-v1"
chmod 0755 "$stage/$name/bin/containerd-shim-tsrun-v1"
ln -s containerd-shim-tsrun-v1 "$stage/$name/bin/tsrun"
mtime=$(git -C "$top" log -1 --format=%ct 2>/dev/null || echo 0)
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -cf - "$name" |
  zstd -q -19 -T0 -o "$out.tmp" -f
mv -f "$out.tmp" "$out"
echo "release: $out ($(( $(stat -c %s "$out") / 1048576 )) MiB; binary $(( $(stat -c %s "$sea") / 1048576 )) MiB)"
