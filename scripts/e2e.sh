#!/usr/bin/env bash
# The Playwright suite alone, against a fresh server on a random port and a throw-away SQLite
# database seeded with the demo organisation and its year of history (as `make run` has it):
# `cargo xtask e2e` builds, serves, runs `npx playwright test` in end2end/ and stops the server.
# `E2E_GREP=pattern scripts/e2e.sh` runs only the matching tests (after the foundation);
# arguments go to xtask (`--release-wasm --smoke`: the release smoke test).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/rewind/target}
exec cargo xtask e2e "$@"
