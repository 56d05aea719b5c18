#!/bin/sh
# Regenerate the protobuf TypeScript into a temp dir and compare with the committed src/gen.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$top/scripts/gen-proto.sh" "$tmp/gen"
if ! diff -r -u "$top/src/gen" "$tmp/gen"; then
  echo "check-proto: src/gen is stale; run 'make gen' and commit the result" >&2
  exit 1
fi
echo "check-proto: src/gen is current"
