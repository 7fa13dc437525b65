#!/usr/bin/env bash
# A real MongoDB-wire server for the tests: FerretDB v1 with its SQLite backend (v2 needs PostgreSQL with
# DocumentDB, which this machine does not have). Built from source with the Go toolchain and module proxy,
# cached outside the clone so every clone and CI run on the machine reuses one binary.
#
#   scripts/ferretdb.sh install              build the pinned version once (idempotent); prints the binary path
#   scripts/ferretdb.sh path                 print the binary path (exit 1 when not installed)
#   scripts/ferretdb.sh start <port> <dir>   start on $FERRETDB_LISTEN_HOST:<port> with data in <dir>, wait until it
#                                            accepts connections, print its pid (log: <dir>/ferretdb.log)
#   scripts/ferretdb.sh stop <pid>           stop it and wait until it has exited
#
# FERRETDB_LISTEN_HOST (default 127.0.0.1): the address to listen on, e.g. the one-node cluster's node
# address (scripts/k8s-testbed.sh cluster-up), so that its pods reach the server.
# FERRETDB_POSTGRESQL_URL: use v1's PostgreSQL backend on that database (scripts/postgres.sh starts one)
# instead of the SQLite backend in <dir>; <dir> then holds only FerretDB's state and log.
set -euo pipefail

# The last v1 release. Bump deliberately: the tests assert what this version's explain reports.
FERRETDB_VERSION=v1.24.2
CACHE_ROOT="${CAPTUREBOX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/capturebox}"
GO_ROOT="$CACHE_ROOT/go"
BIN_DIR="$CACHE_ROOT/ferretdb/$FERRETDB_VERSION/bin"
BIN="$BIN_DIR/ferretdb"
START_TIMEOUT_SECONDS="${FERRETDB_START_TIMEOUT:-30}"
LISTEN_HOST="${FERRETDB_LISTEN_HOST:-127.0.0.1}"

die() { echo "ferretdb.sh: $*" >&2; exit 1; }

installed_version() {
  [ -x "$BIN" ] || return 1
  "$BIN" --version 2>/dev/null | awk '/^version:/ {print $2}'
}

is_installed() { [ "$(installed_version || true)" = "$FERRETDB_VERSION" ]; }

go_env() {
  # Everything Go writes stays under the cache dir; GOTOOLCHAIN=local so the installed Go is used as is
  # rather than fetching another toolchain. modernc SQLite is pure Go, hence no cgo.
  GOBIN="$BIN_DIR" GOPATH="$GO_ROOT/path" GOCACHE="$GO_ROOT/build-cache" GOMODCACHE="$GO_ROOT/mod" \
    GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false "$@"
}

install() {
  if is_installed; then echo "$BIN"; return 0; fi
  command -v go >/dev/null 2>&1 || die "the Go toolchain is needed to build FerretDB ($FERRETDB_VERSION)"
  mkdir -p "$BIN_DIR" "$GO_ROOT"
  # One build at a time per cache (two CI jobs may start together); the second finds the binary done.
  exec 9>"$CACHE_ROOT/ferretdb-install.lock"
  flock 9
  if is_installed; then echo "$BIN"; return 0; fi
  echo "ferretdb.sh: building FerretDB $FERRETDB_VERSION (first time only, about a minute)" >&2
  # Not a plain `go install ...@$FERRETDB_VERSION`: the module zip lacks the generated
  # build/version/version.txt, and such a binary panics at start ("Invalid build/version/version.txt file
  # content"). So: fetch the same pinned module through the proxy (checksum-verified), copy it, write
  # version.txt as FerretDB's own `task gen-version` would, and build that copy.
  local module_dir build_dir="$CACHE_ROOT/ferretdb/$FERRETDB_VERSION/src"
  module_dir="$(go_env go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$module_dir" ] || die "go mod download did not report a source directory for FerretDB $FERRETDB_VERSION"
  rm -rf "$build_dir"
  cp -R "$module_dir" "$build_dir"
  chmod -R u+w "$build_dir" # the module cache is read-only
  echo "$FERRETDB_VERSION" >"$build_dir/build/version/version.txt"
  # Built beside, then renamed: a server started meanwhile never runs a half-written binary.
  (cd "$build_dir" && go_env go build -trimpath -o "$BIN.partial" ./cmd/ferretdb) >&2
  mv -f "$BIN.partial" "$BIN"
  rm -rf "$build_dir"
  is_installed || die "built $BIN but it reports version '$(installed_version || true)', not $FERRETDB_VERSION"
  echo "$BIN"
}

accepts_connections() {
  # bash's /dev/tcp keeps this free of nc/ss; the subshell closes the socket again.
  (exec 3<>"/dev/tcp/$LISTEN_HOST/$1") 2>/dev/null
}

start() {
  local port="${1:-}" dir="${2:-}"
  [[ "$port" =~ ^[0-9]+$ ]] || die "usage: ferretdb.sh start <port> <datadir>"
  [ -n "$dir" ] || die "usage: ferretdb.sh start <port> <datadir>"
  is_installed || die "FerretDB $FERRETDB_VERSION is not installed at $BIN: run 'scripts/ferretdb.sh install' first"
  accepts_connections "$port" && die "port $port is already in use"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  # --debug-addr=- : no metrics/pprof listener, so parallel servers do not clash on its fixed port.
  # --state-dir    : FerretDB keeps its state.json there, not in the current directory.
  # synchronous(full): fsync the SQLite WAL on every commit, so an acknowledged write survives a crash
  #   (FerretDB v1 ignores writeConcern; this is what "journaled" means for it).
  # No --repl-set-name: it would make the driver send retryable-write transaction numbers, which FerretDB
  #   v1 does not honour; a standalone is what it really is.
  # setsid + nohup: the server outlives this script and the caller's terminal.
  local backend=(--handler=sqlite --sqlite-url="file:$dir/?_pragma=synchronous(full)")
  [ -n "${FERRETDB_POSTGRESQL_URL:-}" ] && backend=(--handler=postgresql --postgresql-url="$FERRETDB_POSTGRESQL_URL")
  setsid nohup "$BIN" \
    "${backend[@]}" \
    --listen-addr="$LISTEN_HOST:$port" \
    --state-dir="$dir" \
    --debug-addr=- \
    --telemetry=disable \
    --log-level=warn \
    >>"$dir/ferretdb.log" 2>&1 </dev/null &
  local pid=$!
  local deadline=$((SECONDS + START_TIMEOUT_SECONDS))
  until accepts_connections "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$dir/ferretdb.log" >&2 || true
      die "FerretDB exited before accepting connections on port $port"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      kill "$pid" 2>/dev/null || true
      die "FerretDB did not accept connections on port $port within ${START_TIMEOUT_SECONDS}s"
    fi
    sleep 0.1
  done
  echo "$pid"
}

stop() {
  local pid="${1:-}"
  [[ "$pid" =~ ^[0-9]+$ ]] || die "usage: ferretdb.sh stop <pid>"
  kill -0 "$pid" 2>/dev/null || return 0
  # Only our server: a stale pid may belong to something else by now.
  [ "$(readlink "/proc/$pid/exe" 2>/dev/null || true)" = "$BIN" ] || die "process $pid is not $BIN; not stopping it"
  kill -TERM "$pid"
  # Wait for the exit so a restart on the same port and data dir does not race the old process.
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

case "${1:-}" in
  install) install ;;
  path) is_installed || die "FerretDB $FERRETDB_VERSION is not installed"; echo "$BIN" ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) die "usage: ferretdb.sh install | path | start <port> <datadir> | stop <pid>" ;;
esac
