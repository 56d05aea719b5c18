#!/bin/sh
# usage: mkinitramfs.sh KROOT OUT.cpio.gz  (KROOT = dpkg -x of a Debian linux-image .deb)
# Packs a static busybox, the rig's init and stage2, and the modules needed for virtio-pci, the
# virtio console, virtio-rng and the host's root over virtio-9p under a tmpfs overlay. A .deb
# has no modules.dep (depmod runs at install time), so dependencies are read from each module's
# own "depends=" field and listed dependencies first; modules built into the kernel are skipped.
set -eu
KROOT=$1; OUT=$2; HERE=$(cd "$(dirname "$0")" && pwd)
MODROOT=$KROOT/lib/modules
[ -d "$MODROOT" ] || MODROOT=$KROOT/usr/lib/modules
KV=$(find "$MODROOT" -mindepth 1 -maxdepth 1 -printf '%f\n' | head -1)
MD=$MODROOT/$KV
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/lib/modules"
cp "${BUSYBOX:-/bin/busybox}" "$T/bin/busybox"   # must be static (busybox-static)
cp "$HERE/init" "$T/init"; cp "$HERE/stage2" "$T/stage2"; chmod +x "$T/init" "$T/stage2"
: > "$T/modules.list"
find "$MD/kernel" -name '*.ko*' > "$T/all-modules"
# path_of NAME: the module file for NAME ('-' and '_' are the same in module names)
path_of() {
  pat=$(echo "$1" | sed 's/[-_]/[-_]/g')
  grep -E "/$pat\.ko(\.xz|\.zst)?\$" "$T/all-modules" | head -1
}
unpack() {
  case $1 in
    *.xz) xz -dc "$1";;
    *.zst) zstd -qdc "$1";;
    *) cat "$1";;
  esac
}
# add NAME: unpack NAME's dependencies, then NAME, into the initramfs (once each)
add() {
  n=$(echo "$1" | tr - _)
  grep -qx "$n" "$T/modules.list" && return 0
  p=$(path_of "$n")
  if [ -z "$p" ]; then
    grep -qE "/$(echo "$n" | sed 's/[-_]/[-_]/g')\.ko\$" "$MD/modules.builtin" && return 0
    echo "mkinitramfs: module $n not found in $MD" >&2; exit 1
  fi
  unpack "$p" > "$T/lib/modules/$n.ko"
  for d in $(tr '\0' '\n' < "$T/lib/modules/$n.ko" | sed -n 's/^depends=//p' | tr , ' '); do add "$d"; done
  n=$(echo "$1" | tr - _)   # sh has no local variables: the recursion above changed n
  grep -qx "$n" "$T/modules.list" || echo "$n" >> "$T/modules.list"
}
for m in virtio_pci virtio_console virtio_rng 9pnet_virtio 9p overlay; do add "$m"; done
rm -f "$T/all-modules"
(cd "$T" && find . | "$T/bin/busybox" cpio -o -H newc 2>/dev/null) | gzip -1 > "$OUT"
