#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL server for tests, on a loopback port, with its
# data in a folder of its own.
#   scripts/postgres.sh start DIR PORT   prints the connection URL once the server accepts
#   scripts/postgres.sh stop DIR
# As root the server runs as the unprivileged 'postgres' user (PostgreSQL refuses root);
# otherwise as the calling user. Idempotent: starting a running server prints its URL.
set -euo pipefail

action=${1:?usage: postgres.sh start DIR PORT | stop DIR}
dir=${2:?data folder}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ]; then
    echo "postgres.sh: PostgreSQL server not installed (run scripts/install-system.sh)" >&2
    exit 1
fi

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "$action" in
start)
    port=${3:?port}
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$dir"
        chmod 700 "$dir"
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$bindir/initdb" -D "$dir/data" -U skywarden -A trust --no-sync \
            -E UTF8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if ! as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null \
            || { cat "$dir/server.log" >&2; exit 1; }
    fi
    echo "postgresql://skywarden@127.0.0.1:$port/postgres"
    ;;
stop)
    if [ -f "$dir/data/PG_VERSION" ]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
*)
    echo "usage: postgres.sh start DIR PORT | stop DIR" >&2
    exit 2
    ;;
esac
