#!/bin/sh
# cg2rig setup (root, once per machine or CI run): install QEMU from Debian, then unpack (not
# install) a Debian kernel and a static busybox under DEST and build the rig's initramfs.
# usage: scripts/cg2rig/setup.sh [DEST]   (default /var/cache/cg2rig; not under /run, /dev, /proc, /sys)
# The kernel is Debian's current linux-image-amd64 for the host's release (bookworm: 6.1): the
# host's own kernel image is not on disk on these machines, and a stock kernel is what users run.
set -eu
[ "$(id -u)" = 0 ] || { echo "cg2rig setup: run as root (it installs qemu with apt)" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
DEST=${1:-${CG2RIG_DIR:-/var/cache/cg2rig}}
APT="apt-get -o DPkg::Lock::Timeout=600 -qq"
export DEBIAN_FRONTEND=noninteractive
$APT update
$APT install -y --no-install-recommends qemu-system-x86 busybox-static >/dev/null
KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
[ -n "$KPKG" ] || { echo "cg2rig setup: cannot resolve linux-image-amd64's kernel package" >&2; exit 1; }
if [ "$(cat "$DEST/kernel-package" 2>/dev/null)" = "$KPKG" ] && [ -d "$DEST/kroot/boot" ]; then
  echo "cg2rig setup: $KPKG already unpacked in $DEST/kroot"
else
  mkdir -p "$DEST/debs"
  chmod 755 "$DEST" "$DEST/debs"
  cd "$DEST/debs"
  rm -f ./*.deb
  # _apt must be able to write here, or apt-get download falls back to an unsandboxed fetch.
  chown _apt "$DEST/debs" 2>/dev/null || true
  $APT download "$KPKG"
  rm -rf "$DEST/kroot.new"
  dpkg -x ./"$KPKG"_*.deb "$DEST/kroot.new"
  rm -rf "$DEST/kroot" && mv "$DEST/kroot.new" "$DEST/kroot"
  rm -f ./*.deb
fi
BUSYBOX=/bin/busybox "$HERE/mkinitramfs.sh" "$DEST/kroot" "$DEST/initramfs.cpio.gz.new"
mv "$DEST/initramfs.cpio.gz.new" "$DEST/initramfs.cpio.gz"
echo "$KPKG" > "$DEST/kernel-package"
echo "cg2rig ready: kernel $KPKG, initramfs $DEST/initramfs.cpio.gz"
