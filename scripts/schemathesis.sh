#!/usr/bin/env bash
# Schemathesis, the property-based API fuzzer the OpenAPI test runs (e2e/src/openapi-fuzz.test.ts), in its
# own Python venv under the shared cache, so every clone on the machine reuses one install.
#
#   scripts/schemathesis.sh install   install the pinned version once (idempotent); prints the executable's path
#   scripts/schemathesis.sh path      print the executable's path (exit 1 when not installed)
set -euo pipefail

# Bump deliberately: the test names this version's checks and options.
SCHEMATHESIS_VERSION=4.32.5
CACHE_ROOT="${CAPTUREBOX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/capturebox}"
VENV="$CACHE_ROOT/schemathesis/$SCHEMATHESIS_VERSION"
BIN="$VENV/bin/st"

# `st --version` prints "st, version X"; read whole (a `grep -q` that stops early would fail under pipefail).
is_installed() { [ -x "$BIN" ] && [ "$("$BIN" --version 2>/dev/null)" = "st, version $SCHEMATHESIS_VERSION" ]; }

case "${1:-}" in
  install)
    if ! is_installed; then
      rm -rf "$VENV"
      mkdir -p "$(dirname "$VENV")"
      python3 -m venv "$VENV"
      "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
    fi
    echo "$BIN"
    ;;
  path)
    is_installed || { echo "schemathesis.sh: not installed (run scripts/schemathesis.sh install)" >&2; exit 1; }
    echo "$BIN"
    ;;
  *)
    echo "usage: scripts/schemathesis.sh install|path" >&2
    exit 2
    ;;
esac
