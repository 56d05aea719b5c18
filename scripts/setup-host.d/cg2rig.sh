#!/bin/sh
# The cgroup v2 test rig (scripts/cg2rig, see its README): QEMU, an unpacked Debian kernel and the
# rig's initramfs. Quick when already set up: setup.sh (apt update, kernel download, initramfs) runs
# only when something is missing or the rig's own scripts changed since the last set-up.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
dest=${CG2RIG_DIR:-/var/cache/cg2rig}
want=$(cat "$top"/scripts/cg2rig/* | sha256sum | cut -d' ' -f1)
if [ -s "$dest/initramfs.cpio.gz" ] && [ -d "$dest/kroot/boot" ] && command -v qemu-system-x86_64 >/dev/null \
  && [ "$(cat "$dest/rig-scripts.sha256" 2>/dev/null)" = "$want" ]; then
  echo "cg2rig: ready in $dest"
  exit 0
fi
"$top/scripts/cg2rig/setup.sh" "$dest"
echo "$want" > "$dest/rig-scripts.sha256"
