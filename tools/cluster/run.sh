#!/usr/bin/env bash
# make cluster: a throwaway PostgreSQL cluster, SERVERS strata-servers sharing one database, and
# nginx in front on PORT (default 8080), for a person to try and for tools/cluster_test.py. A
# server that stops (SIGTERM, kill -9) is started again on its port, as a supervisor would.
# Ctrl-C (or SIGTERM to this script) stops everything.
# STRATA_ADMIN_EMAIL / STRATA_ADMIN_PASSWORD make the first admin (defaults below); BIN picks the
# strata-server binary (default the release build).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CLUSTER_SERVERS=${SERVERS:-3} CLUSTER_PORT=${PORT:-8080} STRATA_SERVER_BIN=${BIN:-.build/release/strata-server}
exec tools/with_postgres.sh tools/cluster/start.sh
