#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL server on loopback:
#   scripts/with-postgres.sh cargo test
# initdb into a temp dir, a free port, REWIND_TEST_POSTGRES_URL exported, torn down after.
set -euo pipefail
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

# PostgreSQL refuses to run as root: run it as the postgres system user then.
AS=()
if [ "$(id -u)" = 0 ]; then AS=(runuser -u postgres --); fi
# Not under TMPDIR: the postgres user must be able to reach it.
DIR=$(mktemp -d /tmp/rewind-pg.XXXXXX)
chmod 755 "$DIR"
[ ${#AS[@]} -gt 0 ] && chown postgres "$DIR"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
  "${AS[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT

"${AS[@]}" "$PG_BIN/initdb" -D "$DIR/data" -U rewind --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${AS[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c max_connections=200" start >/dev/null
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
export REWIND_TEST_POSTGRES_URL="postgres://rewind@127.0.0.1:$PORT/postgres"
"$@"
