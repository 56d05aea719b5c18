#!/bin/bash
# The README's test command: set up the host (apt packages, npm ci, containerd 1.7; idempotent),
# build, then run the whole suite — unit tests and the integration tests against the real kernel
# and private containerds 1.6 and 1.7 (TSRUN_CONTAINERD=1.6|1.7|both). Ends with the line
# "N passed, N failed". Extra arguments go to jest (e.g. --selectProjects unit, a test path).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ "${TSRUN_SKIP_SETUP:-0}" = 1 ] || scripts/setup-host.sh
if ! make --no-print-directory build; then
  echo "test: make build failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
exec scripts/run-tests.sh "$@"
