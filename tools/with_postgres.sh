#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster from Debian's postgresql package: initdb in a
# temporary directory, a free loopback port, fsync on; the cluster is stopped and removed when the
# command ends. The command finds it in STRATA_TEST_POSTGRES_URL (the maintenance database; tests
# create a database of their own in it). Run as root, the cluster runs as the postgres user.
set -euo pipefail
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$BIN" ]; then echo "with_postgres: PostgreSQL is not installed (make postgres-deps)" >&2; exit 2; fi
DIR=$(mktemp -d /tmp/strata-pg.XXXXXX)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
AS=()
if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; AS=(runuser -u postgres --); fi
cleanup() {
    "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
}
trap cleanup EXIT
trap "exit 130" INT TERM
"${AS[@]}" "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; exit 2; }
"${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=400 -c shared_buffers=256MB" start >/dev/null \
    || { cat "$DIR/server.log" >&2; exit 2; }
export STRATA_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
export STRATA_TEST_POSTGRES_BIN="$BIN"
export STRATA_TEST_POSTGRES_DATA="$DIR/data"
echo "==> PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT ($DIR)"
set +e
"$@"
status=$?
exit $status
