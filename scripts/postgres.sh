#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for FerretDB's PostgreSQL backend (scripts/ferretdb.sh start with
# FERRETDB_BACKEND=postgresql): Debian's PostgreSQL binaries, a cluster of its own in <dir>, run as a non-root
# user (PostgreSQL refuses root: when run as root, the cluster belongs to the `postgres` user), listening on
# 127.0.0.1:<port> only, with trust authentication for local connections. Idempotent.
#
#   scripts/postgres.sh start <port> <dir>   initdb <dir> once, start on <port> (a running one is reused);
#                                            print the URL of its `ferretdb` database
#   scripts/postgres.sh stop <dir>           stop the cluster in <dir> (fast shutdown) and wait for it
#   scripts/postgres.sh bindir               print the server binaries' directory (exit 1 when none)
#
# Durability is PostgreSQL's default (fsync on, synchronous_commit on): a commit is flushed before it is
# acknowledged, as Capturebox's SQLite store does before each 250.
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }

bindir() {
  local candidate
  for candidate in "${PG_BINDIR:-}" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -n "$candidate" ] && [ -x "$candidate/initdb" ] && { echo "$candidate"; return 0; }
  done
  die "no PostgreSQL server binaries (apt-get install postgresql, or set PG_BINDIR)"
}

# The cluster's user: ourselves, or `postgres` when we are root.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local port="${1:-}" dir="${2:-}" bin
  [[ "$port" =~ ^[0-9]+$ ]] && [ -n "$dir" ] || die "usage: postgres.sh start <port> <dir>"
  bin="$(bindir)"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the postgres user (apt-get install postgresql creates it)"
    chown postgres "$dir"
    runuser -u postgres -- test -w "$dir" || die "the postgres user cannot reach $dir (a parent directory is private): use a directory under /tmp"
  fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 ||
      { cat "$dir.initdb.log" >&2; die "initdb failed"; }
  fi
  if ! as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    # The socket directory is the cluster's own, so nothing needs /var/run/postgresql.
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c shared_buffers=128MB" start >/dev/null ||
      { tail -n 20 "$dir/postgres.log" >&2; die "PostgreSQL did not start"; }
  fi
  local actual
  actual="$(as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -Atc 'show port' 2>/dev/null || true)"
  [ "$actual" = "$port" ] || die "the cluster in $dir runs on port '${actual:-?}', not $port"
  if [ "$(as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -Atc "select 1 from pg_database where datname = 'ferretdb'")" != 1 ]; then
    as_owner "$bin/createdb" -h "$dir" -p "$port" -U postgres ferretdb
  fi
  echo "postgres://postgres@127.0.0.1:$port/ferretdb"
}

stop() {
  local dir="${1:-}" bin
  [ -n "$dir" ] || die "usage: postgres.sh stop <dir>"
  [ -f "$dir/PG_VERSION" ] || return 0
  bin="$(bindir)"
  as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1 || return 0
  as_owner "$bin/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null
}

case "${1:-}" in
  bindir) bindir ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) die "usage: postgres.sh start <port> <dir> | stop <dir> | bindir" ;;
esac
