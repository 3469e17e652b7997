#!/usr/bin/env bash
# make cluster: a throwaway PostgreSQL cluster, SERVERS strata-servers sharing one database, and
# nginx in front on PORT (default 8080), for a person to try. Ctrl-C stops everything.
# STRATA_ADMIN_EMAIL / STRATA_ADMIN_PASSWORD make the first admin (defaults below).
set -euo pipefail
cd "$(dirname "$0")/../.."
SERVERS=${SERVERS:-3}
PORT=${PORT:-8080}
BIN=${BIN:-.build/release/strata-server}
exec tools/with_postgres.sh bash -c '
set -euo pipefail
prefix=$(mktemp -d /tmp/strata-cluster.XXXXXX)
database="${STRATA_TEST_POSTGRES_URL%/postgres}/strata"
psql "$STRATA_TEST_POSTGRES_URL" -q -c "CREATE DATABASE strata"
export STRATA_POSTGRES_URL="$database"
export STRATA_JWT_SECRET="${STRATA_JWT_SECRET:-$(head -c 48 /dev/urandom | base64)}"
export STRATA_ADMIN_EMAIL="${STRATA_ADMIN_EMAIL:-admin@example.com}"
export STRATA_ADMIN_PASSWORD="${STRATA_ADMIN_PASSWORD:-change me now}"
pids=()
upstreams=""
for index in $(seq 1 '"$SERVERS"'); do
    port=$(python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])")
    '"$BIN"' --port "$port" >"$prefix/server-$index.log" 2>&1 &
    pids+=($!)
    upstreams+="server 127.0.0.1:$port max_fails=1 fail_timeout=5s; "
    for _ in $(seq 1 200); do curl -sf "127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.05; done
    echo "==> strata-server $index on 127.0.0.1:$port (log $prefix/server-$index.log)"
done
sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|'"$PORT"'|g" -e "s|@UPSTREAMS@|$upstreams|" tools/cluster/nginx.conf.template >"$prefix/nginx.conf"
nginx -p "$prefix" -c "$prefix/nginx.conf" -g "daemon off;" &
pids+=($!)
trap "kill \${pids[*]} 2>/dev/null; wait; rm -rf $prefix" EXIT INT TERM
echo "==> nginx on http://127.0.0.1:'"$PORT"' in front of '"$SERVERS"' servers; admin $STRATA_ADMIN_EMAIL; Ctrl-C stops"
wait
'
