#!/usr/bin/env bash
# The inside of tools/cluster/run.sh, beside the PostgreSQL cluster tools/with_postgres.sh started.
# Prints "==> cluster in DIR" (each server's pid in DIR/server-N.pid, its port in DIR/server-N.port,
# its log in DIR/server-N.log), then a line per server, then the nginx line.
set -euo pipefail
prefix=$(mktemp -d /tmp/strata-cluster.XXXXXX)
echo "==> cluster in $prefix"
psql "$STRATA_TEST_POSTGRES_URL" -q -c "CREATE DATABASE strata"
export STRATA_POSTGRES_URL="${STRATA_TEST_POSTGRES_URL%/postgres}/strata"
export STRATA_JWT_SECRET="${STRATA_JWT_SECRET:-$(head -c 48 /dev/urandom | base64)}"
export STRATA_ADMIN_EMAIL="${STRATA_ADMIN_EMAIL:-admin@example.com}"
export STRATA_ADMIN_PASSWORD="${STRATA_ADMIN_PASSWORD:-change me now}"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Runs server $1 on port $2 until the cluster stops, starting it again whenever it exits.
supervise() {
    local index=$1 port=$2
    while [ ! -e "$prefix/stopping" ]; do
        "$STRATA_SERVER_BIN" --port "$port" >>"$prefix/server-$index.log" 2>&1 &
        # Written whole, by a rename: the cluster test reads it while servers restart.
        echo $! >"$prefix/server-$index.pid.new" && mv "$prefix/server-$index.pid.new" "$prefix/server-$index.pid"
        wait $! || true
        [ -e "$prefix/stopping" ] || { echo "==> strata-server $index stopped; starting it again"; sleep 0.2; }
    done
}

stop() {
    touch "$prefix/stopping"
    for file in "$prefix"/server-*.pid "$prefix/nginx.pid"; do [ -f "$file" ] && kill "$(cat "$file")" 2>/dev/null || true; done
    wait
    rm -rf "$prefix"
}
trap stop EXIT
trap 'exit 0' INT TERM

upstreams=""
for index in $(seq 1 "$CLUSTER_SERVERS"); do
    port=$(free_port)
    echo "$port" >"$prefix/server-$index.port"
    supervise "$index" "$port" &
    upstreams+="server 127.0.0.1:$port max_fails=1 fail_timeout=5s; "
    for _ in $(seq 1 400); do curl -sf "127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.05; done
    echo "==> strata-server $index on 127.0.0.1:$port (log $prefix/server-$index.log)"
done
sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$CLUSTER_PORT|g" -e "s|@UPSTREAMS@|$upstreams|" tools/cluster/nginx.conf.template >"$prefix/nginx.conf"
nginx -p "$prefix" -c "$prefix/nginx.conf" -g "daemon off;" &
nginx_pid=$!
for _ in $(seq 1 200); do curl -sf "127.0.0.1:$CLUSTER_PORT/health/ready" >/dev/null && break; sleep 0.05; done
kill -0 "$nginx_pid" 2>/dev/null || { echo "==> nginx did not start (is port $CLUSTER_PORT taken?)" >&2; exit 1; }
echo "==> nginx on http://127.0.0.1:$CLUSTER_PORT in front of $CLUSTER_SERVERS servers; admin $STRATA_ADMIN_EMAIL; Ctrl-C stops"
wait
