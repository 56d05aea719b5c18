#!/bin/bash
# Build the pod sandbox image localhost/tsrun/pause:latest from native/pause/pause.c (make
# build/pause, a static binary), without any network image: OUTDIR/pause-oci.tar, an OCI image
# layout tar for `ctr -n k8s.io images import`, whose one layer holds /pause and the empty mount
# points. containerd's CRI plugin uses it as sandbox_image (scripts/containerd/start.sh).
# Reproducible like scripts/build-image.sh: mtimes 0, owner root, sorted ustar entries.
# Usage: scripts/build-pause-image.sh [OUTDIR]   (default build/pause-image)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/pause-image}
ref=localhost/tsrun/pause:latest

make --no-print-directory -C "$top" build/pause >&2
pause=$top/build/pause
stamp="pause $(sha256sum "$pause" | cut -d' ' -f1) script $(sha256sum "$0" | cut -d' ' -f1)"
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] && [ -f "$out/pause-oci.tar" ]; then
  echo "build-pause-image: $out is up to date ($(cat "$out/digest"))"
  exit 0
fi

mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$(dirname "$out")/.pause-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
umask 022
rootfs=$work/rootfs
mkdir -p "$rootfs"/{dev,proc,sys,etc}
install -m 0755 "$pause" "$rootfs/pause"
find "$rootfs" -exec touch -h -d @0 {} +

det_tar() {
  (cd "$1" && LC_ALL=C tar --format=ustar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$2" .)
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
# blob FILE: moves FILE into the layout's blobs, prints "digest size".
blob() {
  local d s
  d=$(sha "$1") s=$(size "$1")
  mv "$1" "$oci/blobs/sha256/$d"
  echo "$d $s"
}

oci=$work/oci
mkdir -p "$oci/blobs/sha256"
det_tar "$rootfs" "$work/layer.tar"
layer_diff=$(sha "$work/layer.tar")
read -r layer layer_size < <(blob "$work/layer.tar")

printf '%s' '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:'"$layer_diff"'"]},"history":[{"created_by":"tsrun scripts/build-pause-image.sh from native/pause/pause.c"}]}' > "$work/config.json"
read -r config config_size < <(blob "$work/config.json")

printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'"$config"'","size":'"$config_size"'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:'"$layer"'","size":'"$layer_size"'}]}' > "$work/manifest.json"
read -r manifest manifest_size < <(blob "$work/manifest.json")

printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:'"$manifest"'","size":'"$manifest_size"',"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"'"$ref"'","org.opencontainers.image.ref.name":"latest"}}]}' > "$oci/index.json"
printf '%s' '{"imageLayoutVersion":"1.0.0"}' > "$oci/oci-layout"
find "$oci" -exec touch -h -d @0 {} +
det_tar "$oci" "$work/pause-oci.tar"
rm -rf "$oci" "$rootfs"

echo "$ref" > "$work/ref"
echo "sha256:$manifest" > "$work/digest"
echo "$stamp" > "$work/stamp"
rm -rf "$out"
mv "$work" "$out"
trap - EXIT
chmod 0755 "$out"
echo "build-pause-image: $ref sha256:$manifest -> $out/pause-oci.tar"
