#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the ledger tests.
#
#   .ci/postgres.sh start [DIR]   create a cluster in DIR (default: a new temp folder), start it on
#                                 127.0.0.1 at a free port, create database "promokit", and print
#                                 `export PROMOKIT_TEST_PG_URL=postgresql://...` (eval it)
#   .ci/postgres.sh env [DIR]     print the export line of a running cluster again
#   .ci/postgres.sh stop [DIR]    stop the cluster and delete its folder
#
# DIR defaults to the folder named in $PROMOKIT_PG_DIR, else (start) a fresh mktemp folder.
# Debian's server binaries sit off PATH in /usr/lib/postgresql/<version>/bin and refuse to run
# as root, so they run as the `postgres` user; the package is installed with apt-get if missing.
set -euo pipefail

cmd=${1:-}
dir=${2:-${PROMOKIT_PG_DIR:-}}

die() { echo "postgres.sh: $*" >&2; exit 2; }

bindir() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z "$found" ]]; then
        [[ $(id -u) -eq 0 ]] || die "PostgreSQL server binaries missing; install the 'postgresql' package"
        echo "postgres.sh: installing the postgresql package" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null 2>&1 \
            || { apt-get update -q >/dev/null 2>&1 && \
                 DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null 2>&1; } \
            || die "could not install the postgresql package"
        found=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    echo "$found"
}

# Run a command as the postgres user (as is, when we are not root).
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

url_of() { echo "postgresql://postgres@127.0.0.1:$(cat "$1/port")/promokit"; }

case "$cmd" in
start)
    bin=$(bindir)
    if [[ -z "$dir" ]]; then dir=$(mktemp -d /tmp/promokit-pg.XXXXXX); fi
    mkdir -p "$dir"
    [[ ! -e "$dir/data" ]] || die "$dir/data exists already (stop it first)"
    [[ $(id -u) -ne 0 ]] || chown postgres: "$dir"
    chmod 700 "$dir"
    port=$(free_port)
    echo "$port" > "$dir/port"
    [[ $(id -u) -ne 0 ]] || chown postgres: "$dir/port"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
        || die "initdb failed: see $dir/initdb.log"
    # Loopback only, no unix socket outside the folder; fsync stays on (the tests kill processes,
    # not the machine, so it would not matter, but the benchmark should be honest).
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=100" start >/dev/null \
        || die "the server did not start: see $dir/server.log"
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres promokit \
        || die "createdb failed"
    echo "# cluster in $dir; stop it with: .ci/postgres.sh stop $dir" >&2
    echo "export PROMOKIT_PG_DIR=$dir"
    echo "export PROMOKIT_TEST_PG_URL=$(url_of "$dir")"
    ;;
env)
    [[ -n "$dir" && -f "$dir/port" ]] || die "no cluster folder given (start one first)"
    echo "export PROMOKIT_PG_DIR=$dir"
    echo "export PROMOKIT_TEST_PG_URL=$(url_of "$dir")"
    ;;
stop)
    [[ -n "$dir" ]] || die "no cluster folder given"
    if [[ -d "$dir/data" ]]; then
        bin=$(bindir)
        as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    case "$dir" in
        /tmp/*) rm -rf "$dir" ;;
        *) echo "postgres.sh: left $dir in place (not under /tmp)" >&2 ;;
    esac
    ;;
*)
    echo "usage: $0 start|env|stop [DIR]" >&2
    exit 2
    ;;
esac
