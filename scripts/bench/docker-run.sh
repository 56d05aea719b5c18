#!/bin/bash
# Benchmark (not a test): `docker run --rm --network none IMAGE true` with --runtime runc and with
# --runtime tsrun, against a private Docker 26 (scripts/docker/start.sh) on a private containerd 1.7
# with the freshly installed tsrun; interleaved, TSRUN_BENCH_DOCKER_RUNS runs each (default 10,
# after 2 warm-up runs each), reported as median/min/max wall ms (client, dockerd, containerd,
# shim and runtime included) and the tsrun/runc median ratio. Run as root after `make build`.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
runs=${TSRUN_BENCH_DOCKER_RUNS:-10}
[ "$(id -u)" = 0 ] || { echo "bench docker: run as root" >&2; exit 1; }
[ -e dist/main.js ] || { echo "bench docker: dist/main.js missing; run make build" >&2; exit 1; }
tmp=$(mktemp -d /tmp/tsrun-bench-docker.XXXXXX)
# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
  scripts/docker/stop.sh --remove "$tmp/docker" >&2 || true
  scripts/containerd/stop.sh --remove "$tmp/containerd" >&2 || true
  if ! grep -qF " $tmp/" /proc/self/mountinfo; then rm -rf --one-file-system "$tmp"; fi
}
trap cleanup EXIT
scripts/docker/fetch.sh >/dev/null
scripts/install.sh "$tmp/prefix" >/dev/null
scripts/build-image.sh >/dev/null
scripts/containerd/start.sh --version 1.7 --dir "$tmp/containerd" --bin-dir "$tmp/prefix/bin" >/dev/null
ctd_sock=$(sed -n 's/^CONTAINERD_ADDRESS=//p' "$tmp/containerd/env")
scripts/docker/start.sh --dir "$tmp/docker" --containerd "$ctd_sock" >/dev/null
DOCKER=$(sed -n 's/^DOCKER=//p' "$tmp/docker/env")
DOCKER_HOST=$(sed -n 's/^DOCKER_HOST=//p' "$tmp/docker/env")
DOCKER_CONFIG=$(sed -n 's/^DOCKER_CONFIG=//p' "$tmp/docker/env")
export DOCKER_HOST DOCKER_CONFIG
"$DOCKER" load -i build/image/busybox-docker.tar >/dev/null
image=$(cat build/image/ref)

one() { # $1 runtime → wall ms of one docker run --rm
  local t0 t1
  t0=$(date +%s%N)
  "$DOCKER" run --rm --runtime "$1" --network none "$image" true >/dev/null ||
    { echo "bench docker: docker run --runtime $1 failed" >&2; exit 1; }
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 ))
}
for _ in 1 2; do one runc >/dev/null; one tsrun >/dev/null; done
: > "$tmp/runc"; : > "$tmp/tsrun"
for _ in $(seq 1 "$runs"); do
  one runc >> "$tmp/runc"
  one tsrun >> "$tmp/tsrun"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }
echo "bench docker: $("$DOCKER" version --format '{{.Server.Version}}'), containerd $(sed -n 's/^CONTAINERD_FULL_VERSION=//p' "$tmp/containerd/env"), $runs runs of 'docker run --rm --network none IMAGE true' per runtime (wall ms)"
for rt in runc tsrun; do
  printf '  %-6s median %5d  min %5d  max %5d\n' "$rt" "$(median "$tmp/$rt")" "$(sort -n "$tmp/$rt" | head -1)" "$(sort -n "$tmp/$rt" | tail -1)"
done
awk -v a="$(median "$tmp/tsrun")" -v b="$(median "$tmp/runc")" 'BEGIN {printf "  tsrun/runc median ratio %.2f\n", a / b}'
