#!/usr/bin/env bash
# A real Docker engine for the Testcontainers test (e2e/src/testcontainers.test.ts): Debian's docker.io
# daemon, private to the caller's directory (its own socket, pid file and exec root; images kept under
# ~/.cache/capturebox/docker so a loaded image survives runs). It stays off the host's firewall and
# forwarding (--iptables=false, --ip-forward=false: the one-node cluster's pod network shares the host) and
# uses its own bridge subnet; published ports go through docker-proxy on loopback.
#
#   scripts/docker-engine.sh install                   docker.io from Debian when dockerd is missing (idempotent)
#   scripts/docker-engine.sh start <dir>               start dockerd, wait for its socket; prints DOCKER_HOST
#   scripts/docker-engine.sh stop <dir>                stop the dockerd started in <dir> and wait until it exited
#   scripts/docker-engine.sh load-capturebox <dir> <tag>
#                                                      build the image from ./Dockerfile (buildah, on the locally
#                                                      assembled base: scripts/k8s-testbed.sh image-archive) and
#                                                      docker load it, unless that very image is loaded already
set -euo pipefail

CACHE_ROOT="${CAPTUREBOX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/capturebox}"
DATA_ROOT="$CACHE_ROOT/docker"
BRIDGE_IP="${CAPTUREBOX_DOCKER_BIP:-172.31.250.1/24}"
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DOCKER=/usr/bin/docker # Debian's CLI, matching its daemon's API

die() { echo "docker-engine.sh: $*" >&2; exit 1; }
need_dir() { [ -n "${1:-}" ] || die "usage: docker-engine.sh $2 <dir>"; mkdir -p "$1"; cd "$1" && pwd; }
host_of() { echo "unix://$1/docker.sock"; }
docker_in() { local dir="$1"; shift; DOCKER_HOST="$(host_of "$dir")" "$DOCKER" "$@"; }
pid_of() { cat "$1/dockerd.pid" 2>/dev/null || true; }
alive() { local pid; pid="$(pid_of "$1")"; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

install() {
  [ -x /usr/sbin/dockerd ] && [ -x "$DOCKER" ] && return 0
  [ "$(id -u)" -eq 0 ] || die "dockerd is missing: apt-get install docker.io (or run this as root)"
  echo "docker-engine.sh: installing docker.io with apt-get" >&2
  apt-get update -qq >&2
  # --no-remove: refuse rather than take away a package that conflicts (the test bed's containerd stays).
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --no-remove docker.io >&2
}

start() {
  local dir; dir="$(need_dir "${1:-}" start)"
  install
  alive "$dir" && { host_of "$dir"; return 0; }
  mkdir -p "$DATA_ROOT" "$dir/exec"
  # One daemon per data root at a time: dockerd inherits the lock and holds it until it exits, so a second
  # test run waits here for the first one's daemon to stop.
  exec 9>"$CACHE_ROOT/docker.lock"
  flock -w 600 9 || die "another dockerd on $DATA_ROOT did not stop in 10 minutes"
  setsid /usr/sbin/dockerd --data-root "$DATA_ROOT" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
    --host "$(host_of "$dir")" --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --bip "$BRIDGE_IP" \
    >"$dir/dockerd.log" 2>&1 </dev/null &
  local launched=$! waited=0
  exec 9>&-
  until docker_in "$dir" version >/dev/null 2>&1; do
    kill -0 "$launched" 2>/dev/null || { tail -n 20 "$dir/dockerd.log" >&2; die "dockerd exited (log: $dir/dockerd.log)"; }
    [ $waited -lt 60 ] || die "dockerd did not answer in 60 s (log: $dir/dockerd.log)"
    sleep 1; waited=$((waited + 1))
  done
  host_of "$dir"
}

stop() {
  local dir pid
  dir="$(need_dir "${1:-}" stop)"
  pid="$(pid_of "$dir")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$dir/dockerd.pid"
}

load_capturebox() {
  local dir; dir="$(need_dir "${1:-}" load-capturebox)"
  local tag="${2:-}" archive built loaded
  [ -n "$tag" ] || die "usage: docker-engine.sh load-capturebox <dir> <tag>"
  archive="$dir/capturebox-image.tar"
  "$REPO_ROOT/scripts/k8s-testbed.sh" image-archive "$tag" "$archive" >&2
  # The archive's config digest is the image id docker gives it: load only when that image is not there.
  built="sha256:$(tar -xOf "$archive" manifest.json | sed -n 's/.*"Config":"\([0-9a-f]*\)\(\.json\)\{0,1\}".*/\1/p')"
  loaded="$(docker_in "$dir" image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
  if [ "$built" != "$loaded" ]; then
    docker_in "$dir" load --quiet --input "$archive" >&2
    docker_in "$dir" image prune --force >/dev/null # the image this tag named before, now untagged
  fi
  rm -f "$archive"
  echo "$tag"
}

case "${1:-}" in
install) install ;;
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
load-capturebox) load_capturebox "${2:-}" "${3:-}" ;;
*) die "usage: docker-engine.sh install | start <dir> | stop <dir> | load-capturebox <dir> <tag>" ;;
esac
