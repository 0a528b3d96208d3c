#!/usr/bin/env bash
# The whole test suite: formatting, lints (server and wasm halves), Rust tests on SQLite and on a
# throw-away PostgreSQL server, the Playwright suite in Debian Chromium against a fresh server,
# an independent SCIM compliance checker against the built server on both databases, and a
# smoke test of the size-optimised (release) wasm bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
START=$SECONDS
step() { printf '\n==> %s (%ss)\n' "$*" "$(( SECONDS - START ))"; }

step "Setup"
scripts/setup.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/rewind/target}
export CARGO_TERM_COLOR=never
# Each test binary is about 1 GB, and every checkout path links its own set: binaries not
# linked in the last hour (other checkouts, older builds) are removed so runs do not fill the
# disk. Compiled libraries stay, so a binary still needed is only linked again.
if [ -d "$CARGO_TARGET_DIR/debug/deps" ]; then
  find "$CARGO_TARGET_DIR/debug/deps" -maxdepth 1 -type f -executable -size +100M -mmin +60 \
    -delete 2>/dev/null || true
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rewind-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# Test databases are created under TMPDIR and removed with it.
export TMPDIR=$WORK

step "Formatting"
cargo fmt --all --check

step "Lints (server)"
cargo clippy -p app -p server --features app/ssr --tests -- -D warnings
step "Lints (browser)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
step "Lints (build tool)"
cargo clippy -p xtask -- -D warnings

step "Rust tests on SQLite"
cargo test -p app -p server --features app/ssr

step "Rust tests on PostgreSQL"
scripts/with-postgres.sh cargo test -p app -p server --features app/ssr

# The benchmark at its small scale, so it cannot rot: it must run to the end on both
# databases within a minute each (figures at this scale and build mean nothing; the full
# benchmark is `server bench` on a release build, docs/benchmarks.md).
step "Benchmark smoke test (server bench --quick) on SQLite and PostgreSQL"
cargo build -p server
timeout 60 "$CARGO_TARGET_DIR/debug/server" bench --quick
scripts/with-postgres.sh sh -c \
  'DATABASE_URL=$REWIND_TEST_POSTGRES_URL exec timeout 60 "$CARGO_TARGET_DIR/debug/server" bench --quick'

step "End-to-end tests (Playwright, Debian Chromium)"
scripts/e2e.sh

step "SCIM compliance (scim2-tester) on SQLite"
scripts/scim-conformance.sh
step "SCIM compliance (scim2-tester) on PostgreSQL"
scripts/with-postgres.sh scripts/scim-conformance.sh

step "Release smoke test (size-optimised wasm, Chromium)"
scripts/e2e.sh --release-wasm --smoke

step "All tests passed"
