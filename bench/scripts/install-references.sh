#!/usr/bin/env bash
# Installs the reference servers `make bench` compares Capturebox with, once, into the cache outside the
# clone (~/.cache/capturebox/bench); idempotent and safe to run often. Prints `name=path` and
# `name_version=...` lines on stdout (the benchmark reads them), progress on stderr.
#   maildev  - npm package `maildev`, pinned exact, `npm install --prefix` into its own directory
#   mailpit  - `go install github.com/axllent/mailpit@<pinned>` (its web UI is blank when built this way;
#              SMTP and the API work, which is all the benchmark uses)
#   ferretdb - the MongoDB-wire test server, through scripts/ferretdb.sh (skipped without Go), on PostgreSQL
#              through scripts/postgres.sh when the machine has it (Debian's `postgresql` package)
set -euo pipefail

MAILDEV_VERSION=3.0.0
MAILPIT_VERSION=v1.33.1

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_ROOT="${CAPTUREBOX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/capturebox}"
BENCH_CACHE="$CACHE_ROOT/bench"
GO_ROOT="$CACHE_ROOT/go"
MAILDEV_DIR="$BENCH_CACHE/maildev/$MAILDEV_VERSION"
MAILDEV_MAIN="$MAILDEV_DIR/node_modules/maildev/dist/bin/maildev.js"
MAILPIT_BIN_DIR="$BENCH_CACHE/mailpit/$MAILPIT_VERSION/bin"
MAILPIT_BIN="$MAILPIT_BIN_DIR/mailpit"

say() { echo "install-references: $*" >&2; }
die() { say "$*"; exit 1; }

mkdir -p "$BENCH_CACHE"
# One install at a time per cache (two runs may start together); the second finds everything done.
exec 9>"$BENCH_CACHE/install.lock"
flock 9

maildev_installed() {
  [ -f "$MAILDEV_MAIN" ] &&
    [ "$(node -p "require('$MAILDEV_DIR/node_modules/maildev/package.json').version" 2>/dev/null)" = "$MAILDEV_VERSION" ]
}

if ! maildev_installed; then
  say "installing maildev@$MAILDEV_VERSION into $MAILDEV_DIR"
  mkdir -p "$MAILDEV_DIR"
  # Its package.json engines say node >=20; two transitive packages (cookie, content-disposition) declare
  # >=22 and npm warns: MailDev runs on Node 20.19+ all the same (checked by the benchmark's start-up).
  npm install --prefix "$MAILDEV_DIR" --no-audit --no-fund --save-exact --loglevel=error "maildev@$MAILDEV_VERSION" >&2
  maildev_installed || die "maildev@$MAILDEV_VERSION did not install into $MAILDEV_DIR"
fi
echo "maildev=$MAILDEV_MAIN"
echo "maildev_version=$MAILDEV_VERSION"

# `go version -m` reads the module version from the binary (a `go install` build calls itself "dev"), and
# never contacts the network, unlike `mailpit version`, which looks for updates.
mailpit_installed() {
  [ -x "$MAILPIT_BIN" ] &&
    go version -m "$MAILPIT_BIN" 2>/dev/null | awk '$1 == "mod" && $2 == "github.com/axllent/mailpit" {print $3}' | grep -qx "$MAILPIT_VERSION"
}

if command -v go >/dev/null 2>&1; then
  if ! mailpit_installed; then
    say "building mailpit $MAILPIT_VERSION with go install (first time only, about two minutes)"
    mkdir -p "$MAILPIT_BIN_DIR" "$GO_ROOT"
    # Everything Go writes stays under the cache dir, as scripts/ferretdb.sh does; modernc SQLite: no cgo.
    GOBIN="$MAILPIT_BIN_DIR" GOPATH="$GO_ROOT/path" GOCACHE="$GO_ROOT/build-cache" GOMODCACHE="$GO_ROOT/mod" \
      GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
      go install "github.com/axllent/mailpit@$MAILPIT_VERSION" >&2
    mailpit_installed || die "mailpit $MAILPIT_VERSION did not install into $MAILPIT_BIN_DIR"
  fi
  echo "mailpit=$MAILPIT_BIN"
  echo "mailpit_version=$MAILPIT_VERSION"
  if ferretdb="$("$REPO_ROOT/scripts/ferretdb.sh" install)"; then
    echo "ferretdb=$ferretdb"
    echo "ferretdb_version=$("$ferretdb" --version 2>/dev/null | awk '/^version:/ {print $2}')"
    # FerretDB's PostgreSQL backend when the machine has PostgreSQL (apt-get install postgresql), else SQLite.
    if pg_bindir="$("$REPO_ROOT/scripts/postgres.sh" bindir 2>/dev/null)"; then
      echo "postgres=$pg_bindir"
      echo "postgres_version=$("$pg_bindir/postgres" --version | awk '{print $3}')"
    else
      say "no PostgreSQL server: Capturebox on MongoDB runs on FerretDB's SQLite backend"
    fi
  else
    say "FerretDB could not be installed: Capturebox on MongoDB is skipped"
  fi
else
  say "no Go toolchain: Mailpit and Capturebox on MongoDB (FerretDB) are skipped"
fi
