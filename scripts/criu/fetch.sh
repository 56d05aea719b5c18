#!/bin/bash
# Fetch Debian trixie's CRIU 4.1 (with the trixie libraries it links against, glibc included) into
# build/criu-4.1 WITHOUT touching the host's apt configuration or installed packages, and write
# build/criu-4.1/bin/criu, a wrapper that runs it through trixie's dynamic loader.
#
# Why: bookworm's CRIU 3.17.1 cannot run at all on kernels >= 6.13 (their vDSO/vvar layout):
# every `criu check|dump|restore` stops in kernel feature detection with
#   Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds
# (checkpoint-restore/criu#2532, fixed in CRIU 4.1). scripts/containerd/start.sh puts bin/ first on
# the PATH of the test containerds, so runc (io.containerd.runc.v2) and tsrun both find this criu.
# Idempotent: does nothing when bin/criu already answers `--version` with 4.x.
# Usage: scripts/criu/fetch.sh [DEST]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dest=${1:-$top/build/criu-4.1}
aptdir=$top/build/apt-trixie

if [ -x "$dest/bin/criu" ] && "$dest/bin/criu" --version 2>/dev/null | grep -q '^Version: 4\.'; then
  echo "fetch: criu $("$dest/bin/criu" --version | awk '/^Version/ {print $2}') already in $dest"
  exit 0
fi
# shellcheck source=scripts/lib/trixie-apt.sh
. "$top/scripts/lib/trixie-apt.sh"
trixie_apt_init "$top"
apt=("${trixie_apt[@]}")
mkdir -p "$aptdir/criu-debs"
# criu and the closure of its shared libraries in trixie (ldd of criu 4.1.1).
packages=(criu libcompel1 libc6 libgnutls30t64 libnftables1 libnl-3-200 libprotobuf-c1 libnet1 libbsd0
  libuuid1 libmd0 libp11-kit0 libidn2-0 libunistring5 libtasn1-6 libnettle8t64 libhogweed6t64 libgmp10
  libjansson4 libmnl0 libnftnl11 libxtables12 libffi8 libedit2 libtinfo6 libbrotli1 libzstd1 zlib1g)
cd "$aptdir/criu-debs"
rm -f ./*.deb
"${apt[@]}" download "${packages[@]}" >/dev/null
case "$(ls criu_*.deb)" in
  criu_4.*) ;;
  *) echo "fetch: expected criu 4.x from trixie, got $(ls criu_*.deb)" >&2; exit 1 ;;
esac
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp/root" "$dest.tmp/bin"
for deb in ./*.deb; do dpkg-deb -x "$deb" "$dest.tmp/root"; done
cat > "$dest.tmp/bin/criu" <<EOT
#!/bin/sh
# CRIU 4.1 from Debian trixie, run through trixie's loader and libraries (scripts/criu/fetch.sh).
r=$dest/root
exec "\$r/usr/lib64/ld-linux-x86-64.so.2" --library-path "\$r/usr/lib/x86_64-linux-gnu" --argv0 criu "\$r/usr/sbin/criu" "\$@"
EOT
chmod 755 "$dest.tmp/bin/criu"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
"$dest/bin/criu" --version >/dev/null || { echo "fetch: $dest/bin/criu does not run" >&2; exit 1; }
echo "fetch: criu $("$dest/bin/criu" --version | awk '/^Version/ {print $2}') unpacked into $dest"
