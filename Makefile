# Rewind: `make run` starts the console, `make test` runs every check. Both install what is
# missing first (scripts/setup.sh is idempotent and quick when everything is present).
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/rewind/target
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: run test setup release

run:
	@scripts/run.sh

test:
	@scripts/test.sh

setup:
	@scripts/setup.sh

# target/dist/release/: the release server, hash.txt and site/ (copy the directory, run ./server).
release:
	@scripts/setup.sh && cargo xtask build --release
