#!/usr/bin/env bash
# The Playwright suite alone, against a fresh server on a random port and a throw-away SQLite
# database seeded with the demo organisation and its year of history (as `make run` has it). `E2E_GREP=pattern scripts/e2e.sh` runs only the matching tests (after the foundation).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/rewind/target}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rewind-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export LEPTOS_SITE_ADDR=127.0.0.1:$PORT
export BASE_URL=http://127.0.0.1:$PORT
export DATABASE_URL=sqlite://$WORK/rewind.db
# System backups made by the suite go with the database, not into the checkout's data/.
export REWIND_BACKUP_DIR=$WORK/backups
export REWIND_SETUP_TOKEN=e2e-setup-$RANDOM$RANDOM
# The specs run against a year of seeded history; their own fixtures use prefixed names.
export REWIND_DEMO_DATA=1
cargo leptos end-to-end
