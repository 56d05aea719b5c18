#!/bin/bash
# Build the test image localhost/tsrun/busybox:latest from Debian's busybox-static, without any
# network image: OUTDIR/busybox-oci.tar (an OCI image layout tar for `ctr images import`) and
# OUTDIR/rootfs (the same tree unpacked, for runtime tests that use a bundle directly);
# OUTDIR/busybox-docker.tar is that tar plus a Docker manifest.json, for `docker load`.
# Reproducible: fixed mtimes (0), owner root, sorted entries, ustar; the same busybox gives the
# same digests. Skips the work when OUTDIR/stamp matches the inputs.
# Usage: scripts/build-image.sh [OUTDIR]   (default build/image)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/image}
ref=localhost/tsrun/busybox:latest
busybox=/bin/busybox

dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' ||
  { echo "build-image: Debian's busybox-static is not installed (apt-get install busybox-static)" >&2; exit 1; }
file_of=$(dpkg -L busybox-static | grep -E '/bin/busybox$' | head -n 1)
[ -n "$file_of" ] && busybox=$file_of
stamp="busybox $(sha256sum "$busybox" | cut -d' ' -f1) script $(sha256sum "$0" | cut -d' ' -f1)"
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] && [ -f "$out/busybox-oci.tar" ] && [ -f "$out/busybox-docker.tar" ] && [ -x "$out/rootfs/bin/busybox" ]; then
  echo "build-image: $out is up to date ($(cat "$out/digest"))"
  exit 0
fi

mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$(dirname "$out")/.image.XXXXXX")
trap 'rm -rf "$work"' EXIT
umask 022
rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,tmp,root,run,var/tmp,home}
chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
chmod 0700 "$rootfs/root"
install -m 0755 "$busybox" "$rootfs/bin/busybox"
# Applet links, relative so they resolve inside any root.
"$busybox" --list-full | while read -r applet; do
  case "$applet" in
    bin/busybox|linuxrc|"") continue ;;
    bin/*) target=busybox ;;
    sbin/*) target=../bin/busybox ;;
    usr/bin/*|usr/sbin/*) target=../../bin/busybox ;;
    *) echo "build-image: unexpected applet path $applet" >&2; exit 1 ;;
  esac
  ln -s "$target" "$rootfs/$applet"
done
cat > "$rootfs/etc/passwd" <<'EOT'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOT
cat > "$rootfs/etc/group" <<'EOT'
root:x:0:
daemon:x:1:
tty:x:5:
nogroup:x:65534:
EOT
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group"
find "$rootfs" -exec touch -h -d @0 {} +

# Deterministic tar of a directory's contents: $1 dir, $2 output.
det_tar() {
  local names
  names=$(cd "$1" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort)
  # shellcheck disable=SC2086
  (cd "$1" && LC_ALL=C tar --format=ustar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
     -cf "$2" $names)
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

oci=$work/oci
mkdir -p "$oci/blobs/sha256"
det_tar "$rootfs" "$work/layer.tar"
layer=$(sha "$work/layer.tar")
layer_size=$(size "$work/layer.tar")
mv "$work/layer.tar" "$oci/blobs/sha256/$layer"

printf '%s' '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:'"$layer"'"]},"history":[{"created_by":"tsrun scripts/build-image.sh from Debian busybox-static"}]}' > "$work/config.json"
config=$(sha "$work/config.json")
config_size=$(size "$work/config.json")
mv "$work/config.json" "$oci/blobs/sha256/$config"

printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'"$config"'","size":'"$config_size"'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:'"$layer"'","size":'"$layer_size"'}]}' > "$work/manifest.json"
manifest=$(sha "$work/manifest.json")
manifest_size=$(size "$work/manifest.json")
mv "$work/manifest.json" "$oci/blobs/sha256/$manifest"

printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:'"$manifest"'","size":'"$manifest_size"',"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"'"$ref"'","org.opencontainers.image.ref.name":"latest"}}]}' > "$oci/index.json"
printf '%s' '{"imageLayoutVersion":"1.0.0"}' > "$oci/oci-layout"
find "$oci" -exec touch -h -d @0 {} +
det_tar "$oci" "$work/busybox-oci.tar"
# The same layout plus a Docker manifest.json (as `docker save` of Docker >= 25 writes it): Docker
# 26's classic image store loads only tars with manifest.json (docker load -i busybox-docker.tar).
printf '%s' '[{"Config":"blobs/sha256/'"$config"'","RepoTags":["'"$ref"'"],"Layers":["blobs/sha256/'"$layer"'"]}]' > "$oci/manifest.json"
touch -h -d @0 "$oci/manifest.json"
det_tar "$oci" "$work/busybox-docker.tar"
rm -rf "$oci"

echo "$ref" > "$work/ref"
echo "sha256:$manifest" > "$work/digest"
echo "$stamp" > "$work/stamp"
rm -rf "$out"
mv "$work" "$out"
trap - EXIT
chmod 0755 "$out"
echo "build-image: $ref sha256:$manifest -> $out/busybox-oci.tar, $out/rootfs"
