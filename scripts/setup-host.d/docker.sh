#!/bin/bash
# Docker 26 (trixie's docker.io and docker-cli) unpacked under build/docker-26 for the Docker
# integration tests (test/integration/docker); the host's apt sources stay untouched.
set -euo pipefail
exec "$(cd "$(dirname "$0")/../.." && pwd)/scripts/docker/fetch.sh"
