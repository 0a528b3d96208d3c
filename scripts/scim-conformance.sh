#!/usr/bin/env bash
# Runs an independent SCIM 2.0 compliance checker (scim2-tester, through scim2-cli from PyPI)
# against the real server (target/dist/debug/server, as scripts/e2e.sh builds it) on a fresh
# database: SQLite, or PostgreSQL when REWIND_TEST_POSTGRES_URL is set (scripts/with-postgres.sh).
# Fails on any check the tester reports as failed.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVER=target/dist/debug/server
[ -x "$SERVER" ] || { echo "no $SERVER: run scripts/e2e.sh first" >&2; exit 1; }

# The checker lives in its own virtual environment, which scripts/setup.sh makes.
VENV=${REWIND_SCIM_VENV:-$HOME/.cache/rewind/scim-venv}
[ -x "$VENV/bin/scim2" ] || { echo "no SCIM checker in $VENV: run scripts/setup.sh" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rewind-scim.XXXXXX")
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
if [ -n "${REWIND_TEST_POSTGRES_URL:-}" ]; then
  NAME="rewind_scim_$(date +%s%N)"
  psql "$REWIND_TEST_POSTGRES_URL" -q -c "CREATE DATABASE $NAME" >/dev/null
  DATABASE_URL="${REWIND_TEST_POSTGRES_URL%/*}/$NAME"
  echo "SCIM conformance on PostgreSQL ($NAME)"
else
  DATABASE_URL="sqlite://$WORK/rewind.db"
  echo "SCIM conformance on SQLite"
fi
SETUP="scim-setup-$RANDOM$RANDOM"
LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/dist/debug/site \
  DATABASE_URL="$DATABASE_URL" REWIND_VAULT_KEY_FILE="$WORK/vault.key" \
  REWIND_BACKUP_DIR="$WORK/backups" REWIND_SETUP_TOKEN="$SETUP" \
  "$SERVER" >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
  curl -sf "$BASE/healthz" >/dev/null && break
  sleep 0.2
done

# The Owner, signed in, makes a token with read and write.
JAR="$WORK/cookies"
PASS="conformance-$RANDOM$RANDOM"
curl -sf -c "$JAR" -b "$JAR" -o /dev/null -H "Origin: $BASE" "$BASE/api/create_owner" \
  --data-urlencode "setup_token=$SETUP" --data-urlencode "username=scim-owner" \
  --data-urlencode "display_name=" --data-urlencode "password=$PASS" \
  --data-urlencode "password_confirm=$PASS"
TOKEN=$(curl -sf -c "$JAR" -b "$JAR" -H "Origin: $BASE" -H "Content-Type: application/json" \
  "$BASE/api/create_api_token" \
  -d '{"input":{"name":"conformance","days":1,"permissions":["IdentityRead","IdentityWrite"]}}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')

REPORT="$WORK/report.txt"
set +e
SCIM_CLI_HEADERS="Authorization: Bearer $TOKEN" "$VENV/bin/scim2" --url "$BASE/scim/v2" test \
  >"$REPORT" 2>&1
STATUS=$?
set -e
cat "$REPORT"
if [ "$STATUS" -ne 0 ] || grep -Eq '^(ERROR|CRITICAL)|\bERROR\b' "$REPORT"; then
  echo "SCIM conformance: the checker reported failures (exit $STATUS); server log:" >&2
  tail -20 "$WORK/server.log" >&2
  exit 1
fi
echo "SCIM conformance: every check passed"
