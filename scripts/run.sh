#!/usr/bin/env bash
# Builds and serves the console on http://127.0.0.1:3000 (LEPTOS_SITE_ADDR overrides) with an
# embedded SQLite database in data/ (DATABASE_URL overrides), seeded with demo data when new.
# The browser gets the size-optimised wasm bundle; the server is the debug build the tests
# share (`cargo xtask serve --release` builds a release server too, which takes longer).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/rewind/target}
export DATABASE_URL=${DATABASE_URL:-sqlite://data/rewind.db}
# A new, empty database gets demo data (200 users, 40 groups, a year of history);
# REWIND_DEMO_DATA=0 starts empty instead.
export REWIND_DEMO_DATA=${REWIND_DEMO_DATA:-1}
echo "==> Starting Rewind (database: $DATABASE_URL). On first start the log prints the Owner setup link."
exec cargo xtask serve --release-wasm
