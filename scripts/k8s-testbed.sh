#!/usr/bin/env bash
# The Kubernetes test bed, in two sizes: `start` runs the API alone (etcd + kube-apiserver, optionally a
# kube-controller-manager); `cluster-up` runs a one-node cluster where pods really run. Everything is built
# from source with the Go toolchain through the Go module proxy (no prebuilt binaries can be fetched here) and
# cached outside the clone, so every clone and CI run on the machine reuses one set of binaries.
#
#   scripts/k8s-testbed.sh install        build the pinned etcd, kube-apiserver, kube-controller-manager,
#                                         kube-scheduler, kubelet, kube-proxy, kubectl, CoreDNS and helm into
#                                         $CACHE/k8s/bin (idempotent: skips each binary already built at its
#                                         pinned version; ~13 min the first time); prints the bin dir
#   scripts/k8s-testbed.sh bin-dir        print the bin dir (exit 1 when something is not installed)
#   scripts/k8s-testbed.sh start <dir>    the API alone: etcd and kube-apiserver on loopback (random free
#                                         ports), state in <dir>; wait until /readyz is ok; write
#                                         <dir>/kubeconfig, <dir>/pids and <dir>/env; print KUBECONFIG=... and
#                                         the pids (eval-able lines)
#   scripts/k8s-testbed.sh stop <dir>     stop exactly the processes listed in <dir>/pids and remove the state
#                                         it created (set K8S_TESTBED_KEEP_LOGS=1 to keep <dir>/*.log)
#   scripts/k8s-testbed.sh status <dir>   exit 0 when the instance in <dir> is running and ready
#   scripts/k8s-testbed.sh node-packages  install what runs pods and builds images (containerd, runc, CNI
#                                         plugins, iptables, buildah, debootstrap) with apt when missing
#   scripts/k8s-testbed.sh cluster-up <dir>    (root) a one-node cluster: the control plane with every default
#                                         controller, kube-scheduler, a kubelet on Debian's containerd, a bridge
#                                         pod network, kube-proxy, CoreDNS and a "local" StorageClass; installs
#                                         containerd, runc, the CNI plugins, buildah and debootstrap with apt
#                                         when missing; prints `export KUBECONFIG=...` (about 10 s)
#   scripts/k8s-testbed.sh images [<dir>]      (root) build capturebox:test and capturebox-operator:test from
#                                         Dockerfile and operator/Dockerfile with buildah, on a Debian base made
#                                         with debootstrap (NODE_IMAGE), and load them into the cluster in <dir>
#   scripts/k8s-testbed.sh prometheus-operator <dir>  (root) the monitoring.coreos.com CRDs, and
#                                         prometheus-operator beside the control plane; Prometheus resources
#                                         run the locally built image it prints (PROMETHEUS_IMAGE=...)
#   scripts/k8s-testbed.sh cluster-down <dir>  (root) stop all of it; fails if any process, mount, interface,
#                                         iptables chain or cgroup of the cluster is left behind
#
# Environment: K8S_TESTBED_START_TIMEOUT (seconds, default 60), K8S_TESTBED_STOP_TIMEOUT (seconds before
# SIGKILL, default 20), K8S_TESTBED_KEEP_LOGS=1, K8S_TESTBED_APISERVER_ARGS (extra kube-apiserver flags,
# word-split, e.g. "--disable-admission-plugins=ServiceAccount --feature-gates=X=true"),
# CAPTUREBOX_CACHE_DIR (default ~/.cache/capturebox),
# K8S_TESTBED_CONTROLLERS (start only): unset (the default) runs no controller at all; "gc" also starts a
# kube-controller-manager on loopback running only the garbage collector and the namespace controller
# (garbage-collector-controller,namespace-controller), so ownerReference cascades and namespace deletion
# happen for real; a comma-separated list of kube-controller-manager controller names runs exactly those.
#
# What `start` is and is not: the API only. Objects can be created, applied (also server-side), validated
# (OpenAPI schemas, CEL rules, admission policies), dry-run and watched; CRDs are served. Nothing acts on
# them: no pod ever runs or gets scheduled, Deployments get no ReplicaSets, namespaces get no "default"
# ServiceAccount and no kube-root-ca.crt, deleting a namespace leaves it Terminating for ever (the namespace
# controller lives in kube-controller-manager), ownerReference cascades (garbage collection) never happen
# (both unless K8S_TESTBED_CONTROLLERS=gc), and Services get a cluster IP but carry no traffic. All default
# admission plugins are on, so creating a Pod (even with --dry-run=server) fails with 'serviceaccount
# "default" not found' unless that ServiceAccount is created first (or ServiceAccount admission is disabled
# with K8S_TESTBED_APISERVER_ARGS); Deployments, StatefulSets and Jobs are not affected (their pods are never
# created). `cluster-up` is all of that acting for real; its addresses are fixed (one cluster per machine).
# Where PID 1 does not reap orphans (this sandbox), stopped daemons linger as <defunct> zombies: exited,
# holding no port, memory or file.
set -euo pipefail

# --- pinned versions: bump deliberately (kube-apiserver and kubectl come from one k8s.io/kubernetes) ---
K8S_VERSION=v1.34.4   # k8s.io/kubernetes; its staging modules (k8s.io/api, ...) are pinned to v0.34.4
ETCD_VERSION=v3.6.16  # go.etcd.io/etcd/server/v3 (etcd 3.6 is what Kubernetes 1.34 ships with)
HELM_VERSION=v3.19.5  # helm.sh/helm/v3 (built against k8s.io/client-go v0.34, matching the server)
COREDNS_VERSION=v1.15.0 # github.com/coredns/coredns: cluster DNS for the one-node cluster (cluster-up)
# prometheus-operator for the cluster's ServiceMonitors (`prometheus-operator <dir>`): the newest version the
# module proxy serves here (later ones answer 403), with the Prometheus it is built against (v0.305.0 is
# Prometheus v3.5.0, the operator's default Prometheus version).
PROMETHEUS_OPERATOR_VERSION=v0.85.0
PROMETHEUS_MODULE_VERSION=v0.305.0
PROMETHEUS_VERSION=v3.5.0

SCRIPT_PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
REPO_ROOT="$(cd "$(dirname "$SCRIPT_PATH")/.." && pwd)"
CACHE_ROOT="${CAPTUREBOX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/capturebox}"

# --- the one-node cluster (cluster-up): fixed addresses, so only one cluster runs on a machine at a time ---
NODE_NAME=capturebox-node
BRIDGE=cbx0             # the pod network: a Linux bridge that exists only while the cluster is up
POD_CIDR=10.244.0.0/24
NODE_IP=10.244.0.1      # the bridge's own address: node IP, API server, kubelet and cluster DNS listen here
API_SECURE_PORT=6443
CLUSTER_DOMAIN=cluster.local
PAUSE_IMAGE=capturebox.local/pause:3.10  # built from Kubernetes' own pause.c (nothing can be pulled here)
DEBIAN_SUITE=trixie     # the base image's Debian: Node.js 20.19 and tini from Debian's packages
NODE_BASE_IMAGE=localhost/capturebox-node-base:$DEBIAN_SUITE
PV_COUNT=8              # statically provisioned local volumes, bound on first use (StorageClass "local")
GO_ROOT="$CACHE_ROOT/go" # shared with scripts/ferretdb.sh: one module cache and one build cache
K8S_ROOT="$CACHE_ROOT/k8s"
BIN_DIR="$K8S_ROOT/bin"
SRC_DIR="$K8S_ROOT/src"
START_TIMEOUT_SECONDS="${K8S_TESTBED_START_TIMEOUT:-60}"
STOP_TIMEOUT_SECONDS="${K8S_TESTBED_STOP_TIMEOUT:-20}"

log() { echo "k8s-testbed: $*" >&2; }
die() { echo "k8s-testbed: $*" >&2; exit 1; }

go_env() {
  # Everything Go writes stays under the cache dir; GOTOOLCHAIN=local so the installed Go is used as is
  # rather than fetching another toolchain; no cgo, so the binaries are static like the official ones.
  GOPATH="$GO_ROOT/path" GOCACHE="$GO_ROOT/build-cache" GOMODCACHE="$GO_ROOT/mod" \
    GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOWORK=off "$@"
}

# --- installed versions (empty when missing or broken) ---
etcd_version() { [ -x "$BIN_DIR/etcd" ] && "$BIN_DIR/etcd" --version 2>/dev/null | awk '/^etcd Version:/ {print "v"$3}' || true; }
apiserver_version() { [ -x "$BIN_DIR/kube-apiserver" ] && "$BIN_DIR/kube-apiserver" --version 2>/dev/null | awk '{print $2}' || true; }
controller_manager_version() {
  [ -x "$BIN_DIR/kube-controller-manager" ] && "$BIN_DIR/kube-controller-manager" --version 2>/dev/null | awk '{print $2}' || true
}
kubectl_version() {
  [ -x "$BIN_DIR/kubectl" ] && "$BIN_DIR/kubectl" version --client -o json 2>/dev/null |
    sed -n 's/^ *"gitVersion": "\(.*\)",$/\1/p' | head -1 || true
}
scheduler_version() { [ -x "$BIN_DIR/kube-scheduler" ] && "$BIN_DIR/kube-scheduler" --version 2>/dev/null | awk '{print $2}' || true; }
kubelet_version() { [ -x "$BIN_DIR/kubelet" ] && "$BIN_DIR/kubelet" --version 2>/dev/null | awk '{print $2}' || true; }
proxy_version() { [ -x "$BIN_DIR/kube-proxy" ] && "$BIN_DIR/kube-proxy" --version 2>/dev/null | awk '{print $2}' || true; }
coredns_version() { [ -x "$BIN_DIR/coredns" ] && "$BIN_DIR/coredns" -version 2>/dev/null | awk -F- '/^CoreDNS-/ {print "v"$2; exit}' || true; }
prometheus_operator_version() { [ -x "$BIN_DIR/prometheus-operator" ] && "$BIN_DIR/prometheus-operator" --version 2>&1 | awk '/version/ {print "v"$3; exit}' || true; }
config_reloader_version() { [ -x "$BIN_DIR/prometheus-config-reloader" ] && "$BIN_DIR/prometheus-config-reloader" --version 2>&1 | awk '/version/ {print "v"$3; exit}' || true; }
prometheus_version() { [ -x "$BIN_DIR/prometheus" ] && "$BIN_DIR/prometheus" --version 2>&1 | awk '/version/ {print "v"$3; exit}' || true; }
helm_version() { [ -x "$BIN_DIR/helm" ] && "$BIN_DIR/helm" version --template '{{.Version}}' 2>/dev/null || true; }

all_installed() {
  [ "$(etcd_version)" = "$ETCD_VERSION" ] && [ "$(apiserver_version)" = "$K8S_VERSION" ] &&
    [ "$(kubectl_version)" = "$K8S_VERSION" ] && [ "$(helm_version)" = "$HELM_VERSION" ] &&
    [ "$(controller_manager_version)" = "$K8S_VERSION" ] && node_binaries_installed && monitoring_binaries_installed
}
node_binaries_installed() {
  [ "$(scheduler_version)" = "$K8S_VERSION" ] && [ "$(kubelet_version)" = "$K8S_VERSION" ] &&
    [ "$(proxy_version)" = "$K8S_VERSION" ] && [ "$(coredns_version)" = "$COREDNS_VERSION" ]
}
monitoring_binaries_installed() {
  [ "$(prometheus_operator_version)" = "$PROMETHEUS_OPERATOR_VERSION" ] && [ "$(prometheus_version)" = "$PROMETHEUS_VERSION" ] &&
    [ "$(config_reloader_version)" = "$PROMETHEUS_OPERATOR_VERSION" ]
}
# The binaries of the Kubernetes module, each with its version reader: cmd name -> function.
K8S_COMMANDS=(kube-apiserver:apiserver_version kubectl:kubectl_version kube-controller-manager:controller_manager_version
  kube-scheduler:scheduler_version kubelet:kubelet_version kube-proxy:proxy_version)

# go.mod of a module at a version, fetched alone (without the module zip) through the proxy.
gomod_path() {
  go_env go list -m -json "$1" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p'
}
# The commit time the proxy records for a module version (used as the reproducible build date).
module_time() {
  go_env go list -m -json "$1" | sed -n 's/^[[:space:]]*"Time": "\(.*\)",\{0,1\}$/\1/p'
}

quiet() { # quiet <cmd...>: run it, showing its output only when it fails (go get lists every module)
  local out
  out="$(mktemp)"
  "$@" >"$out" 2>&1 || { cat "$out" >&2; rm -f "$out"; return 1; }
  rm -f "$out"
}

timed() { # timed <label> <cmd...>: run it, report how long it took
  local label="$1" start=$SECONDS
  shift
  "$@"
  log "$label built in $((SECONDS - start))s"
}

# A throwaway main module that requires the pinned module, so its main packages can be built with `go build`.
# (`go install pkg@version` refuses modules whose go.mod has replace directives, which both etcd's server
# module and k8s.io/kubernetes have; as a dependency their replace directives are simply ignored.)
new_build_module() { # new_build_module <dir> <go directive> <extra go.mod text>
  rm -rf "$1"
  mkdir -p "$1"
  printf 'module capturebox.local/k8s-testbed-build\n\ngo %s\n%s' "$2" "$3" >"$1/go.mod"
}

build_etcd() {
  local dir="$SRC_DIR/etcd-$ETCD_VERSION"
  new_build_module "$dir" 1.26.0 ""
  (
    cd "$dir"
    quiet go_env go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    # The etcd binary is the main package at the server module's root (`go install` would name it "v3").
    go_env go build -trimpath -ldflags='-s -w' -o "$BIN_DIR/etcd.tmp" go.etcd.io/etcd/server/v3
  ) >&2
  mv -f "$BIN_DIR/etcd.tmp" "$BIN_DIR/etcd"
}

build_kubernetes() {
  local dir="$SRC_DIR/kubernetes-$K8S_VERSION" kmod staging_version replaces go_directive date minor ldflags pkg
  kmod="$(gomod_path "k8s.io/kubernetes@$K8S_VERSION")"
  [ -f "$kmod" ] || die "could not fetch the go.mod of k8s.io/kubernetes@$K8S_VERSION"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with ./staging/src/...;
  # the published staging modules carry the same code at v0.<minor>.<patch>.
  staging_version="v0.${K8S_VERSION#v1.}"
  replaces="$(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/k8s\.io/.*$#\t\1 => \1 '"$staging_version"'#p' "$kmod")"
  [ -n "$replaces" ] || die "found no staging modules in $kmod"
  go_directive="$(awk '$1 == "go" {print $2; exit}' "$kmod")"
  # godebug default: keep the runtime behaviour k8s.io/kubernetes itself is built with.
  new_build_module "$dir" "$go_directive" "$(grep -E '^godebug ' "$kmod" || true)

require k8s.io/kubernetes $K8S_VERSION

replace (
$replaces
)
"
  date="$(module_time "k8s.io/kubernetes@$K8S_VERSION")"
  minor="${K8S_VERSION#v1.}"
  minor="${minor%%.*}"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=${date:-1970-01-01T00:00:00Z} -X $pkg.gitCommit="
  done
  (
    cd "$dir"
    local entry cmd reader gets=()
    for entry in "${K8S_COMMANDS[@]}"; do gets+=("k8s.io/kubernetes/cmd/${entry%%:*}@$K8S_VERSION"); done
    quiet go_env go get "${gets[@]}"
    for entry in "${K8S_COMMANDS[@]}"; do
      cmd="${entry%%:*}" reader="${entry#*:}"
      [ "$($reader)" = "$K8S_VERSION" ] && continue
      timed "$cmd" go_env go build -trimpath -ldflags="$ldflags" -o "$BIN_DIR/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
      mv -f "$BIN_DIR/$cmd.tmp" "$BIN_DIR/$cmd"
    done
  ) >&2
}

build_coredns() { # no replace directives in its go.mod, so `go install module@version` works as is
  GOBIN="$BIN_DIR/coredns-build" quiet go_env go install -trimpath -ldflags='-s -w' "github.com/coredns/coredns@$COREDNS_VERSION" >&2
  mv -f "$BIN_DIR/coredns-build/coredns" "$BIN_DIR/coredns"
  rmdir "$BIN_DIR/coredns-build"
}

build_monitoring() { # prometheus-operator, its config reloader and Prometheus, from one build module
  local dir="$SRC_DIR/prometheus-operator-$PROMETHEUS_OPERATOR_VERSION" pmod op="github.com/prometheus-operator/prometheus-operator"
  local version_pkg=github.com/prometheus/common/version cmd
  pmod="$(gomod_path "$op@$PROMETHEUS_OPERATOR_VERSION")"
  [ -f "$pmod" ] || die "could not fetch the go.mod of $op@$PROMETHEUS_OPERATOR_VERSION"
  new_build_module "$dir" "$(awk '$1 == "go" {print $2; exit}' "$pmod")" ""
  (
    cd "$dir"
    quiet go_env go get "$op/cmd/operator@$PROMETHEUS_OPERATOR_VERSION" "$op/cmd/prometheus-config-reloader@$PROMETHEUS_OPERATOR_VERSION"
    for cmd in operator:prometheus-operator:prometheus_operator_version prometheus-config-reloader:prometheus-config-reloader:config_reloader_version; do
      local reader="${cmd##*:}"
      cmd="${cmd%:*}"
      [ "$($reader)" = "$PROMETHEUS_OPERATOR_VERSION" ] && continue
      timed "${cmd#*:}" go_env go build -trimpath -ldflags="-s -w -X $version_pkg.Version=${PROMETHEUS_OPERATOR_VERSION#v}" \
        -o "$BIN_DIR/${cmd#*:}.tmp" "$op/cmd/${cmd%%:*}"
      mv -f "$BIN_DIR/${cmd#*:}.tmp" "$BIN_DIR/${cmd#*:}"
    done
  ) >&2
  [ "$(prometheus_version)" = "$PROMETHEUS_VERSION" ] && return 0
  # Prometheus in a build module of its own: with the operator's newer client-go it does not compile.
  dir="$SRC_DIR/prometheus-$PROMETHEUS_MODULE_VERSION"
  pmod="$(gomod_path "github.com/prometheus/prometheus@$PROMETHEUS_MODULE_VERSION")"
  new_build_module "$dir" "$(awk '$1 == "go" {print $2; exit}' "$pmod")" ""
  (
    cd "$dir"
    quiet go_env go get "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_MODULE_VERSION"
    timed prometheus go_env go build -trimpath -ldflags="-s -w -X $version_pkg.Version=${PROMETHEUS_VERSION#v}" \
      -o "$BIN_DIR/prometheus.tmp" github.com/prometheus/prometheus/cmd/prometheus
    mv -f "$BIN_DIR/prometheus.tmp" "$BIN_DIR/prometheus"
  ) >&2
}

build_helm() {
  local dir="$SRC_DIR/helm-$HELM_VERSION" hmod cg major minor ldflags p
  hmod="$(gomod_path "helm.sh/helm/v3@$HELM_VERSION")"
  [ -f "$hmod" ] || die "could not fetch the go.mod of helm.sh/helm/v3@$HELM_VERSION"
  # As helm's own Makefile does: the default .Capabilities.KubeVersion (helm template, lint) is derived
  # from the client-go it is built with (v0.34.x -> 1.34), not the 1.20 compiled in by default.
  cg="$(awk '$1 == "k8s.io/client-go" {print $2; exit}' "$hmod")"
  cg="${cg#v}"
  major=$((${cg%%.*} + 1))
  minor="${cg#*.}"
  minor="${minor%%.*}"
  ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    ldflags+=" -X $p.k8sVersionMajor=$major -X $p.k8sVersionMinor=$minor"
  done
  new_build_module "$dir" "$(awk '$1 == "go" {print $2; exit}' "$hmod")" ""
  (
    cd "$dir"
    quiet go_env go get "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
    go_env go build -trimpath -ldflags="$ldflags" -o "$BIN_DIR/helm.tmp" helm.sh/helm/v3/cmd/helm
  ) >&2
  mv -f "$BIN_DIR/helm.tmp" "$BIN_DIR/helm"
}

install() {
  command -v go >/dev/null 2>&1 || die "the Go toolchain is needed to build the Kubernetes test tools"
  mkdir -p "$BIN_DIR" "$SRC_DIR" "$GO_ROOT"
  # One install at a time per cache (parallel CI jobs, two shells): the others wait, then find it built.
  exec 9>"$K8S_ROOT/install.lock"
  flock -w 3600 9 || die "another install holds $K8S_ROOT/install.lock"
  if [ "$(etcd_version)" != "$ETCD_VERSION" ]; then
    log "building etcd $ETCD_VERSION (first time only; about a minute)"
    timed etcd build_etcd
  fi
  local entry
  for entry in "${K8S_COMMANDS[@]}"; do
    if [ "$(${entry#*:})" != "$K8S_VERSION" ]; then
      log "building kube-apiserver, kubectl, kube-controller-manager, kube-scheduler, kubelet and kube-proxy $K8S_VERSION (first time only; several minutes)"
      build_kubernetes
      break
    fi
  done
  if [ "$(coredns_version)" != "$COREDNS_VERSION" ]; then
    log "building coredns $COREDNS_VERSION (first time only; a few minutes)"
    timed coredns build_coredns
  fi
  if ! monitoring_binaries_installed; then
    log "building prometheus-operator $PROMETHEUS_OPERATOR_VERSION and Prometheus $PROMETHEUS_VERSION (first time only; a few minutes)"
    build_monitoring
  fi
  if [ "$(helm_version)" != "$HELM_VERSION" ]; then
    log "building helm $HELM_VERSION (first time only; a few minutes)"
    timed helm build_helm
  fi
  rm -rf "$SRC_DIR" # only throwaway go.mod files; sources and objects stay in the Go caches
  exec 9>&-
  all_installed || die "built, but the versions are etcd '$(etcd_version)', kube-apiserver '$(apiserver_version)', kubectl '$(kubectl_version)', helm '$(helm_version)', kube-controller-manager '$(controller_manager_version)', kube-scheduler '$(scheduler_version)', kubelet '$(kubelet_version)', kube-proxy '$(proxy_version)', coredns '$(coredns_version)', prometheus-operator '$(prometheus_operator_version)', prometheus '$(prometheus_version)'"
  log "etcd $ETCD_VERSION, Kubernetes $K8S_VERSION (kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kubectl), coredns $COREDNS_VERSION, prometheus-operator $PROMETHEUS_OPERATOR_VERSION, Prometheus $PROMETHEUS_VERSION, helm $HELM_VERSION in $BIN_DIR"
  echo "$BIN_DIR"
}

# ---------------------------------------------------------------------------------------------------------
# start / stop

# TCP ports in use on this machine in any state (listening or connected), from /proc: no ss/netstat needed.
ports_in_use() {
  local hex
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$2 ~ /:/ {split($2, a, ":"); print a[2]}' | sort -u |
    while read -r hex; do echo $((16#$hex)); done
}

# Free ports below the kernel's ephemeral range (so no outgoing connection can take them meanwhile), chosen
# at random so that parallel instances rarely race for the same one; a lost race shows up as "address
# already in use" and start retries with new ports.
pick_ports() { # pick_ports <count>
  local used low picked=() p tries=0
  used="$(ports_in_use)"
  low="$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
  [ "$low" -gt 12000 ] || low=32768
  while [ ${#picked[@]} -lt "$1" ]; do
    tries=$((tries + 1))
    [ $tries -lt 1000 ] || die "found no free TCP port"
    p=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10000)))
    grep -qx "$p" <<<"$used" && continue
    [[ " ${picked[*]} " == *" $p "* ]] && continue
    picked+=("$p")
  done
  echo "${picked[@]}"
}

gen_pki() { # gen_pki <pki dir>: a CA, the apiserver's serving cert, the admin's client cert, the SA key pair
  local pki="$1"
  mkdir -p "$pki"
  chmod 700 "$pki"
  (
    cd "$pki"
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 3650 -subj "/CN=capturebox-testbed-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req "${ec[@]}" -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver"
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" \
      "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,IP:$NODE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
      >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile apiserver.ext -out apiserver.crt
    # The admin: any user in group system:masters is cluster-admin under RBAC.
    openssl req "${ec[@]}" -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=capturebox-admin"
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=clientAuth" >admin.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile admin.ext -out admin.crt
    # The kubelet (Node authorizer: user system:node:<name> in group system:nodes) and the apiserver's
    # client identity towards kubelets (logs, exec, port-forward).
    openssl req "${ec[@]}" -keyout kubelet.key -out kubelet.csr -subj "/O=system:nodes/CN=system:node:$NODE_NAME"
    openssl x509 -req -in kubelet.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile admin.ext -out kubelet.crt
    openssl req "${ec[@]}" -keyout apiserver-kubelet-client.key -out apiserver-kubelet-client.csr \
      -subj "/O=system:masters/CN=kube-apiserver-kubelet-client"
    openssl x509 -req -in apiserver-kubelet-client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile admin.ext -out apiserver-kubelet-client.crt
    # Service account tokens are signed with this key and verified with its public half.
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key
    openssl pkey -in sa.key -pubout -out sa.pub
    rm -f ./*.csr ./*.ext ./*.srl
  ) >/dev/null 2>"$pki/openssl.log" || { cat "$pki/openssl.log" >&2; die "openssl failed to generate the certificates"; }
  rm -f "$pki/openssl.log"
}

write_kubeconfig() { # write_kubeconfig <dir> <server url> [<user cert name> <file>]: admin's by default
  local pki="$1/pki" user="${3:-admin}" file="${4:-$1/kubeconfig}" tmp
  tmp="$file.tmp"
  cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: capturebox-testbed
  cluster:
    server: $2
    certificate-authority-data: $(base64 -w0 <"$pki/ca.crt")
users:
- name: capturebox-admin
  user:
    client-certificate-data: $(base64 -w0 <"$pki/$user.crt")
    client-key-data: $(base64 -w0 <"$pki/$user.key")
contexts:
- name: capturebox-testbed
  context:
    cluster: capturebox-testbed
    user: capturebox-admin
current-context: capturebox-testbed
EOF
  chmod 600 "$tmp"
  mv -f "$tmp" "$file"
}

# Is <pid> alive and the process this script started for <dir>? (guards against a recycled pid)
ours() { # ours <pid> <dir>
  [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -qF -- "$2/"
}

pid_of() { # pid_of <dir> <name>
  [ -f "$1/pids" ] && awk -v n="$2" '$1 == n {print $2}' "$1/pids" || true
}

kill_and_wait() { # kill_and_wait <dir> <pid>...: SIGTERM, then SIGKILL after STOP_TIMEOUT_SECONDS
  local dir="$1" pid deadline
  shift
  for pid in "$@"; do ours "$pid" "$dir" && kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + STOP_TIMEOUT_SECONDS))
  for pid in "$@"; do
    while ours "$pid" "$dir"; do
      if [ $SECONDS -ge $deadline ]; then
        log "pid $pid did not exit on SIGTERM within ${STOP_TIMEOUT_SECONDS}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
        ours "$pid" "$dir" && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && die "pid $pid survived SIGKILL"
        break
      fi
      # A zombie (no reaping parent yet) has exited: that counts.
      grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && break
      sleep 0.1
    done
  done
}

is_ready() { # is_ready <dir>
  "$BIN_DIR/kubectl" --kubeconfig "$1/kubeconfig" --request-timeout=5s get --raw /readyz >/dev/null 2>&1
}

print_env() { # print_env <dir>
  cat "$1/env"
}

start_once() { # start_once <dir>; returns 2 when a port was taken meanwhile (worth retrying)
  local dir="$1" etcd_client etcd_peer api_port kcm_port server etcd_pid api_pid deadline rc
  read -r etcd_client etcd_peer api_port kcm_port <<<"$(pick_ports 4)"
  # cluster-up serves the API on the node's address (pods reach it through the kubernetes Service).
  local api_address="${API_ADDRESS:-127.0.0.1}"
  [ -z "${API_PORT:-}" ] || api_port="$API_PORT"
  server="https://$api_address:$api_port"
  rm -rf "$dir/etcd"
  mkdir -p "$dir/etcd"
  chmod 700 "$dir/etcd"

  # etcd: single member, loopback only, plain HTTP (nothing but the apiserver on this machine talks to it).
  # --unsafe-no-fsync: test data, so skip fsync; a crash of the machine loses the instance anyway.
  setsid nohup "$BIN_DIR/etcd" \
    --name=testbed \
    --data-dir="$dir/etcd" \
    --listen-client-urls="http://127.0.0.1:$etcd_client" \
    --advertise-client-urls="http://127.0.0.1:$etcd_client" \
    --listen-peer-urls="http://127.0.0.1:$etcd_peer" \
    --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer" \
    --initial-cluster="testbed=http://127.0.0.1:$etcd_peer" \
    --initial-cluster-state=new \
    --unsafe-no-fsync \
    --log-level=warn \
    </dev/null >"$dir/etcd.log" 2>&1 9>&- &
  etcd_pid=$!
  printf 'etcd %s\n' "$etcd_pid" >"$dir/pids"

  setsid nohup "$BIN_DIR/kube-apiserver" \
    --bind-address="$api_address" \
    --advertise-address="$api_address" \
    --secure-port="$api_port" \
    --cert-dir="$dir/pki" \
    --tls-cert-file="$dir/pki/apiserver.crt" \
    --tls-private-key-file="$dir/pki/apiserver.key" \
    --client-ca-file="$dir/pki/ca.crt" \
    --authorization-mode="${API_AUTHORIZATION:-RBAC}" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$dir/pki/sa.pub" \
    --service-account-signing-key-file="$dir/pki/sa.key" \
    --etcd-servers="http://127.0.0.1:$etcd_client" \
    --service-cluster-ip-range=10.96.0.0/12 \
    --endpoint-reconciler-type="${API_ENDPOINT_RECONCILER:-none}" \
    --allow-privileged=true \
    --profiling=false \
    --enable-priority-and-fairness=false \
    ${CLUSTER_APISERVER_ARGS:-} ${K8S_TESTBED_APISERVER_ARGS:-} \
    </dev/null >"$dir/kube-apiserver.log" 2>&1 9>&- &
  api_pid=$!
  printf 'etcd %s\nkube-apiserver %s\n' "$etcd_pid" "$api_pid" >"$dir/pids"
  write_kubeconfig "$dir" "$server"

  deadline=$((SECONDS + START_TIMEOUT_SECONDS))
  until is_ready "$dir"; do
    if ! ours "$etcd_pid" "$dir" || ! ours "$api_pid" "$dir" || [ $SECONDS -ge $deadline ]; then
      if grep -qi 'address already in use' "$dir/etcd.log" "$dir/kube-apiserver.log" 2>/dev/null; then
        kill_and_wait "$dir" "$api_pid" "$etcd_pid"
        return 2
      fi
      log "not ready after $((SECONDS - deadline + START_TIMEOUT_SECONDS))s (etcd pid $etcd_pid, kube-apiserver pid $api_pid)"
      echo "--- tail of $dir/etcd.log" >&2
      tail -n 20 "$dir/etcd.log" >&2 || true
      echo "--- tail of $dir/kube-apiserver.log" >&2
      tail -n 40 "$dir/kube-apiserver.log" >&2 || true
      kill_and_wait "$dir" "$api_pid" "$etcd_pid"
      rm -f "$dir/pids"
      return 1
    fi
    sleep 0.5
  done
  if [ -n "${K8S_TESTBED_CONTROLLERS:-}" ]; then
    rc=0
    start_controllers "$dir" "$kcm_port" || rc=$?
    if [ $rc -ne 0 ]; then
      kill_and_wait "$dir" "$api_pid" "$etcd_pid"
      [ $rc -eq 2 ] || rm -f "$dir/pids"
      return $rc
    fi
  fi
  cat >"$dir/env" <<EOF
KUBECONFIG=$dir/kubeconfig
K8S_TESTBED_SERVER=$server
K8S_TESTBED_ETCD_PID=$etcd_pid
K8S_TESTBED_APISERVER_PID=$api_pid
EOF
  [ -z "${K8S_TESTBED_CONTROLLERS:-}" ] ||
    echo "K8S_TESTBED_CONTROLLER_MANAGER_PID=$(pid_of "$dir" kube-controller-manager)" >>"$dir/env"
}

# kube-controller-manager with only the asked controllers, talking to the apiserver as the admin; waits until
# its /healthz answers. Returns 2 when its port was taken meanwhile (worth retrying), 1 on other failures.
start_controllers() { # start_controllers <dir> <port>
  local dir="$1" port="$2" controllers="${K8S_TESTBED_CONTROLLERS}" kcm_pid deadline
  [ "$controllers" = gc ] && controllers=garbage-collector-controller,namespace-controller
  [ "$controllers" = all ] && controllers='*' # cluster-up: every default controller
  [ -x "$BIN_DIR/kube-controller-manager" ] ||
    { log "$BIN_DIR/kube-controller-manager is missing: run 'scripts/k8s-testbed.sh install' first"; return 1; }
  setsid nohup "$BIN_DIR/kube-controller-manager" \
    --kubeconfig="$dir/kubeconfig" \
    --controllers="$controllers" \
    --bind-address=127.0.0.1 \
    --secure-port="$port" \
    --cert-dir="$dir/pki/kcm" \
    --leader-elect=false \
    --use-service-account-credentials=false \
    --authentication-skip-lookup=true \
    --profiling=false \
    ${CLUSTER_KCM_ARGS:-} \
    </dev/null >"$dir/kube-controller-manager.log" 2>&1 9>&- &
  kcm_pid=$!
  printf 'kube-controller-manager %s\n' "$kcm_pid" >>"$dir/pids"
  deadline=$((SECONDS + START_TIMEOUT_SECONDS))
  until "$BIN_DIR/kubectl" --kubeconfig "$dir/kubeconfig" --server "https://127.0.0.1:$port" \
    --insecure-skip-tls-verify=true --request-timeout=5s get --raw /healthz >/dev/null 2>&1; do
    if ! ours "$kcm_pid" "$dir" || [ $SECONDS -ge $deadline ]; then
      kill_and_wait "$dir" "$kcm_pid"
      grep -qi 'address already in use' "$dir/kube-controller-manager.log" 2>/dev/null && return 2
      log "kube-controller-manager not healthy (pid $kcm_pid); tail of $dir/kube-controller-manager.log:"
      tail -n 40 "$dir/kube-controller-manager.log" >&2 || true
      return 1
    fi
    sleep 0.5
  done
}

start() {
  local dir="${1:-}" attempt rc
  [ -n "$dir" ] || die "usage: k8s-testbed.sh start <dir>"
  for b in etcd kube-apiserver kubectl; do
    [ -x "$BIN_DIR/$b" ] || die "$BIN_DIR/$b is missing: run 'scripts/k8s-testbed.sh install' first"
  done
  command -v openssl >/dev/null 2>&1 || die "openssl is needed to generate the certificates"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  exec 9>"$dir/.lock" # one start/stop at a time per dir (the daemons do not inherit fd 9)
  flock -w 120 9 || die "another start/stop holds $dir/.lock"

  # Already running here? Then this is a no-op that reports it again.
  if ours "$(pid_of "$dir" etcd)" "$dir" && ours "$(pid_of "$dir" kube-apiserver)" "$dir" && is_ready "$dir" &&
    [ -f "$dir/env" ]; then
    log "already running in $dir"
    print_env "$dir"
    return 0
  fi
  # Leftovers of an instance that died or was half-started: stop what is ours and start afresh.
  if [ -f "$dir/pids" ]; then
    log "cleaning up a previous instance in $dir"
    kill_and_wait "$dir" "$(pid_of "$dir" kube-controller-manager)" "$(pid_of "$dir" kube-apiserver)" "$(pid_of "$dir" etcd)"
  fi
  rm -rf "$dir/pids" "$dir/env" "$dir/kubeconfig" "$dir/pki" "$dir/etcd"
  gen_pki "$dir/pki"

  local started=$SECONDS
  for attempt in 1 2 3; do
    rc=0
    start_once "$dir" || rc=$?
    [ $rc -eq 2 ] && { log "a port was taken meanwhile; retrying with new ports"; continue; }
    [ $rc -eq 0 ] || die "kube-apiserver did not become ready (logs in $dir)"
    log "ready in $((SECONDS - started))s"
    print_env "$dir"
    return 0
  done
  die "could not find free ports in 3 attempts (logs in $dir)"
}

stop() {
  local dir="${1:-}"
  [ -n "$dir" ] || die "usage: k8s-testbed.sh stop <dir>"
  [ -d "$dir" ] || { log "no $dir: nothing to stop"; return 0; }
  dir="$(cd "$dir" && pwd)"
  exec 9>"$dir/.lock"
  flock -w 120 9 || die "another start/stop holds $dir/.lock"
  if [ -f "$dir/pids" ]; then
    # The controller manager and the apiserver first (they would otherwise log connection errors), then etcd.
    kill_and_wait "$dir" "$(pid_of "$dir" kube-controller-manager)"
    kill_and_wait "$dir" "$(pid_of "$dir" kube-apiserver)"
    kill_and_wait "$dir" "$(pid_of "$dir" etcd)"
  else
    log "no $dir/pids: nothing to stop"
  fi
  rm -rf "$dir/pids" "$dir/env" "$dir/kubeconfig" "$dir/pki" "$dir/etcd" "$dir/kubeconfig.tmp"
  [ "${K8S_TESTBED_KEEP_LOGS:-}" = 1 ] || rm -f "$dir/etcd.log" "$dir/kube-apiserver.log" "$dir/kube-controller-manager.log"
  rm -f "$dir/.lock"
  rmdir "$dir" 2>/dev/null || true
}

status() {
  local dir="${1:-}"
  [ -n "$dir" ] && [ -d "$dir" ] || die "usage: k8s-testbed.sh status <dir>"
  dir="$(cd "$dir" && pwd)"
  ours "$(pid_of "$dir" etcd)" "$dir" && ours "$(pid_of "$dir" kube-apiserver)" "$dir" && is_ready "$dir" ||
    die "not running in $dir"
  print_env "$dir"
}

# ---------------------------------------------------------------------------------------------------------
# cluster-up / cluster-down / images: a one-node cluster where pods really run
#
# Beside the control plane above (in cluster mode: on the bridge address, Node+RBAC authorization, every
# default controller): kube-scheduler, CoreDNS and kube-proxy (iptables mode) on the host, and the node,
# containerd + kubelet, in a private mount namespace of their own, so every mount they make (overlay
# rootfs, secret tmpfs, network namespaces) disappears with them. Pods sit on the bridge $BRIDGE
# ($POD_CIDR, bridge CNI plugin, host-local IPAM). What the host keeps while the cluster is up, and
# cluster-down takes away again: the bridge and its veths, kube-proxy's and kubelet's iptables chains, the
# kubepods cgroups, and the kernel settings kubelet and the bridge plugin change (saved first, restored).

# What runs pods and builds their images, as command (or file) -> the Debian package that brings it. Checked by
# command, not package: Docker's containerd.io provides containerd and runc under another name, and is kept.
NODE_TOOLS=(containerd:containerd runc:runc /usr/lib/cni/bridge:containernetworking-plugins iptables:iptables
  buildah:buildah debootstrap:debootstrap)
# kubelet sets the vm./kernel. ones (protectKernelDefaults: false), the bridge plugin turns on forwarding.
TOUCHED_SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.ipv4.ip_forward net.ipv4.conf.all.route_localnet net.bridge.bridge-nf-call-iptables)
IMAGE_CACHE="$CACHE_ROOT/images"

need_root() { [ "$(id -u)" -eq 0 ] || die "$1 needs root (containerd, kubelet, the pod network bridge)"; }

ensure_node_packages() { # containerd, runc, CNI plugins, iptables, buildah and debootstrap, from Debian if missing
  local missing=() entry tool
  for entry in "${NODE_TOOLS[@]}"; do
    tool="${entry%%:*}"
    if [[ "$tool" == /* ]]; then [ -x "$tool" ]; else command -v "$tool" >/dev/null 2>&1; fi || missing+=("${entry#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}: install them (apt-get install ${missing[*]}) or run this as root"
  log "installing ${missing[*]} with apt-get"
  apt-get update -qq >&2
  # --no-remove: refuse rather than take away a package that conflicts (another containerd, say).
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --no-remove "${missing[@]}" >&2
}

cluster_pid_alive() { ours "$(pid_of "$1" "$2")" "$1"; }

cluster_running() { # cluster_running <dir>
  local name
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler coredns kube-proxy node containerd kubelet; do
    cluster_pid_alive "$1" "$name" || return 1
  done
  is_ready "$1" && [ -f "$1/env" ]
}

save_sysctls() { # save_sysctls <dir>: the values cluster-down puts back
  local key
  [ -f "$1/sysctl.saved" ] && return 0 # a half-started earlier instance saved the originals already
  for key in "${TOUCHED_SYSCTLS[@]}"; do
    sysctl -n "$key" >/dev/null 2>&1 && echo "$key=$(sysctl -n "$key")"
  done >"$1/sysctl.saved.tmp"
  mv "$1/sysctl.saved.tmp" "$1/sysctl.saved"
}

restore_sysctls() {
  [ -f "$1/sysctl.saved" ] || return 0
  local line
  while read -r line; do sysctl -q -w "$line" >/dev/null 2>&1 || log "could not restore $line"; done <"$1/sysctl.saved"
  rm -f "$1/sysctl.saved"
}

write_node_configs() { # write_node_configs <dir>: containerd, CNI, kubelet, kube-proxy and CoreDNS settings
  local dir="$1" kubelet_healthz proxy_healthz proxy_metrics
  read -r kubelet_healthz proxy_healthz proxy_metrics <<<"$(pick_ports 3)"
  mkdir -p "$dir/containerd" "$dir/cni/net.d" "$dir/cni/ipam" "$dir/kubelet" "$dir/pod-logs" "$dir/volumes"
  cat >"$dir/containerd/config.toml" <<TOML
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.grpc.v1.cri.v1alpha2"]
[grpc]
  address = "$dir/containerd/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # This machine's root lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj below its own.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$dir/containerd/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
TOML
  # ipMasq off: pods only talk to each other and to this machine, so no NAT rule is needed; hairpin lets a
  # pod reach itself through its own Service.
  cat >"$dir/cni/net.d/10-capturebox.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "capturebox",
  "plugins": [
    {
      "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$dir/cni/ipam",
                "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$NODE_IP" }]], "routes": [{ "dst": "0.0.0.0/0" }] }
    }
  ]
}
JSON
  : >"$dir/resolv.conf" # pods resolve through the cluster DNS only (no upstream: nothing outside is reachable)
  cat >"$dir/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $kubelet_healthz
containerRuntimeEndpoint: unix://$dir/containerd/containerd.sock
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
oomScoreAdj: 0
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $dir/pki/ca.crt }
authorization: { mode: Webhook }
clusterDomain: $CLUSTER_DOMAIN
clusterDNS: [$NODE_IP]
resolvConf: $dir/resolv.conf
podLogsDir: $dir/pod-logs
rotateCertificates: false
serializeImagePulls: false
maxPods: 60
# A test bed on a shared disk: evict only when the machine is really out of room.
evictionHard: { memory.available: 100Mi, nodefs.available: 1%, nodefs.inodesFree: 1%, imagefs.available: 1% }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
YAML
  write_kubeconfig "$dir" "https://$NODE_IP:$API_SECURE_PORT" kubelet "$dir/kubelet/kubeconfig"
  cat >"$dir/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $dir/kubeconfig }
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
healthzBindAddress: 127.0.0.1:$proxy_healthz
metricsBindAddress: 127.0.0.1:$proxy_metrics
nodePortAddresses: [$NODE_IP/32]
# Masquerade Service traffic, so a pod's reply to another pod on the same bridge comes back through the
# host's conntrack; no localhost NodePorts (they would need route_localnet); leave conntrack sysctls alone.
iptables: { masqueradeAll: true, localhostNodePorts: false }
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
YAML
  cat >"$dir/Corefile" <<COREFILE
.:53 {
    bind $NODE_IP
    errors
    kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
        kubeconfig $dir/kubeconfig
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 5
}
COREFILE
}

start_daemon() { # start_daemon <dir> <name> <cmd...>: in the background, logged to <dir>/<name>.log, pid in <dir>/pids
  local dir="$1" name="$2"
  shift 2
  setsid nohup "$@" </dev/null >"$dir/$name.log" 2>&1 9>&- &
  printf '%s %s\n' "$name" "$!" >>"$dir/pids"
}

wait_for() { # wait_for <seconds> <what> <cmd...>
  local seconds="$1" what="$2" deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { log "$what: not ready after ${seconds}s"; return 1; }
    sleep 0.5
  done
}

# Runs inside `unshare --mount`: containerd, then the kubelet; exits when both have exited.
node_run() { # node_run <dir>/
  local dir="${1%/}"
  # Shared within this namespace (kubelet wants rshared /), private towards the host (unshare made it so).
  mount --make-rshared /
  /usr/bin/containerd --config "$dir/containerd/config.toml" >"$dir/containerd.log" 2>&1 &
  echo "containerd $!" >>"$dir/pids"
  wait_for 30 containerd ctr --address "$dir/containerd/containerd.sock" version || exit 1
  "$BIN_DIR/kubelet" --config="$dir/kubelet/config.yaml" --kubeconfig="$dir/kubelet/kubeconfig" \
    --root-dir="$dir/kubelet/root" --cert-dir="$dir/kubelet/pki" --hostname-override="$NODE_NAME" \
    --node-ip="$NODE_IP" >"$dir/kubelet.log" 2>&1 &
  echo "kubelet $!" >>"$dir/pids"
  wait
}

ctr_k8s() { ctr --address "$1/containerd/containerd.sock" --namespace k8s.io "${@:2}"; }

kubectl_in() { "$BIN_DIR/kubectl" --kubeconfig "$1/kubeconfig" --request-timeout=30s "${@:2}"; }

node_ready() {
  [ "$(kubectl_in "$1" get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

# The local volumes PersistentVolumeClaims bind to (StorageClass "local", the default, bound when the first
# pod using the claim is scheduled). kubelet applies a pod's fsGroup to them, as to any local volume.
create_storage() { # create_storage <dir>
  local dir="$1" i manifest
  manifest="apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local
  annotations: { storageclass.kubernetes.io/is-default-class: \"true\" }
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain"
  for i in $(seq 1 "$PV_COUNT"); do
    mkdir -p "$dir/volumes/pv-$i"
    manifest+="
---
apiVersion: v1
kind: PersistentVolume
metadata: { name: local-pv-$i }
spec:
  capacity: { storage: 10Gi }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: local
  local: { path: $dir/volumes/pv-$i }
  nodeAffinity:
    required:
      nodeSelectorTerms: [{ matchExpressions: [{ key: kubernetes.io/hostname, operator: In, values: [$NODE_NAME] }] }]"
  done
  kubectl_in "$dir" apply -f - <<<"$manifest" >/dev/null
}

cluster_start() { # cluster_start <dir>: everything, in order; returns non-zero on the first failure
  local dir="$1" rc attempt
  : >"$dir/pids"
  echo "$dir" >"$dir/bridge" # first: a bridge half set up is still taken down again
  ip link add "$BRIDGE" type bridge && ip addr add "$NODE_IP/24" dev "$BRIDGE" && ip link set "$BRIDGE" up || return 1
  # containerd's shims put their sockets under /run/containerd/s whatever the config says: remove that
  # directory again at the end, unless it was there before (another containerd's).
  [ -e /run/containerd ] || touch "$dir/run-containerd.ours"
  gen_pki "$dir/pki"
  for attempt in 1 2 3; do
    rc=0
    API_ADDRESS=$NODE_IP API_PORT=$API_SECURE_PORT API_AUTHORIZATION=Node,RBAC API_ENDPOINT_RECONCILER=lease \
      CLUSTER_APISERVER_ARGS="--enable-admission-plugins=NodeRestriction --kubelet-preferred-address-types=InternalIP
        --kubelet-client-certificate=$dir/pki/apiserver-kubelet-client.crt --kubelet-client-key=$dir/pki/apiserver-kubelet-client.key" \
      K8S_TESTBED_CONTROLLERS=all \
      CLUSTER_KCM_ARGS="--service-account-private-key-file=$dir/pki/sa.key --root-ca-file=$dir/pki/ca.crt
        --allocate-node-cidrs=false --node-monitor-period=2s" \
      start_once "$dir" || rc=$?
    [ $rc -eq 2 ] && { log "a port was taken meanwhile; retrying with new ports"; continue; }
    break
  done
  [ $rc -eq 0 ] || return 1
  write_node_configs "$dir"
  local sched_port
  sched_port="$(pick_ports 1)"
  start_daemon "$dir" kube-scheduler "$BIN_DIR/kube-scheduler" --kubeconfig="$dir/kubeconfig" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port="$sched_port" --authentication-kubeconfig="$dir/kubeconfig" \
    --authorization-kubeconfig="$dir/kubeconfig"
  start_daemon "$dir" coredns "$BIN_DIR/coredns" -conf "$dir/Corefile"
  start_daemon "$dir" kube-proxy "$BIN_DIR/kube-proxy" --config="$dir/kube-proxy.yaml"
  start_daemon "$dir" node unshare --mount --propagation private -- "$SCRIPT_PATH" node-run "$dir/"
  wait_for 60 containerd ctr_k8s "$dir" version || return 1
  ctr_k8s "$dir" images import --no-unpack=false "$(pause_image_archive)" >/dev/null || return 1
  create_storage "$dir" || return 1
  wait_for "$((START_TIMEOUT_SECONDS * 2))" "node $NODE_NAME Ready" node_ready "$dir" || return 1
  # The not-ready taint is lifted by the node lifecycle controller; pods wait for the default ServiceAccount.
  wait_for 60 "taints lifted" sh -c "[ -z \"\$('$BIN_DIR/kubectl' --kubeconfig '$dir/kubeconfig' get node $NODE_NAME -o jsonpath='{.spec.taints}')\" ]" || return 1
  wait_for 60 "default ServiceAccount" kubectl_in "$dir" get serviceaccount default -n default || return 1
  echo "KUBECONFIG=$dir/kubeconfig" >"$dir/env"
}

cluster_up() {
  local dir="${1:-}" started=$SECONDS
  [ -n "$dir" ] || die "usage: k8s-testbed.sh cluster-up <dir>"
  need_root cluster-up
  node_binaries_installed || die "kubelet, kube-scheduler, kube-proxy or coredns is missing: run 'scripts/k8s-testbed.sh install' first"
  command -v openssl >/dev/null 2>&1 || die "openssl is needed to generate the certificates"
  ensure_node_packages
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  exec 9>"$dir/.lock"
  flock -w 300 9 || die "another cluster-up/down holds $dir/.lock"
  if cluster_running "$dir"; then
    log "already running in $dir"
    echo "export $(cat "$dir/env")"
    return 0
  fi
  [ -f "$dir/pids" ] && { log "cleaning up a previous instance in $dir"; cluster_teardown "$dir"; }
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    die "the pod network bridge $BRIDGE exists: another cluster is up on this machine (run cluster-down on its dir first)"
  fi
  # Someone else's pod network or kube-proxy on this machine: cluster-down would take their rules away too.
  ip route show "$POD_CIDR" 2>/dev/null | grep -q . && die "$POD_CIDR is already routed on this machine (another pod network?)"
  iptables-save 2>/dev/null | grep -qE '^:(KUBE|CNI)-' && die "KUBE-/CNI- iptables chains exist already: another Kubernetes runs on this machine"
  save_sysctls "$dir"
  if ! cluster_start "$dir"; then
    log "cluster-up failed; logs in $dir (kept); tearing down"
    K8S_TESTBED_KEEP_LOGS=1 cluster_teardown "$dir"
    die "cluster-up failed"
  fi
  log "cluster ready in $((SECONDS - started))s (node $NODE_NAME, pods on $BRIDGE $POD_CIDR, API https://$NODE_IP:$API_SECURE_PORT)"
  echo "export KUBECONFIG=$dir/kubeconfig"
}

# Where kubelet's kubepods cgroup can be: cgroup v2 (unified at the root, or beside v1 under unified/) and
# the v1 hierarchies whose cgroups hold processes.
KUBEPODS_CGROUPS=(/sys/fs/cgroup/kubepods /sys/fs/cgroup/unified/kubepods /sys/fs/cgroup/pids/kubepods /sys/fs/cgroup/memory/kubepods)

kill_cgroup_tasks() { # SIGKILL whatever still runs in the kubepods cgroups (containers kubelet started)
  local root pid
  for root in "${KUBEPODS_CGROUPS[@]}"; do
    [ -d "$root" ] || continue
    if [ -f "$root/cgroup.kill" ]; then echo 1 >"$root/cgroup.kill" 2>/dev/null || true; fi
    { find "$root" -name cgroup.procs -exec cat {} + 2>/dev/null || true; } | while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done
  done
}

remove_cgroups() { # the kubepods hierarchy kubelet made, deepest first (rmdir works only on empty cgroups)
  local root
  for root in /sys/fs/cgroup/kubepods /sys/fs/cgroup/*/kubepods; do
    [ -d "$root" ] && find "$root" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

sweep_iptables() { # chains kube-proxy --cleanup missed (kubelet's own), in every table, IPv4 and IPv6
  local tool table chain
  for tool in iptables ip6tables; do
    command -v "$tool" >/dev/null 2>&1 || continue
    for table in filter nat mangle raw; do
      for chain in $("$tool" -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^(KUBE|CNI)-/ {print $2}'); do
        # Drop the jumps into it from the built-in chains, then the chain itself.
        "$tool" -t "$table" -S 2>/dev/null | awk -v c="$chain" '$1 == "-A" && / -j / && $0 ~ ("-j " c "( |$)")' |
          while read -r rule; do eval "$tool -t $table ${rule/-A /-D }" 2>/dev/null || true; done
        "$tool" -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$tool" -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^(KUBE|CNI)-/ {print $2}'); do
        "$tool" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

shims_of() { # pids of containerd shims serving this cluster's containerd
  local p
  for p in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q -- "containerd-shim.* -address $1/containerd/containerd.sock" && echo "${p#/proc/}"
  done
}

# One step of teardown, in a subshell: a step that fails (or dies) is logged, and the steps after it still run.
teardown_step() { ("$@") || log "teardown: '$*' failed; going on"; }

stop_pods() { # pods are torn down by the kubelet itself (CNI DEL frees their veths and addresses)
  cluster_pid_alive "$1" kubelet && cluster_pid_alive "$1" kube-apiserver || return 0
  kubectl_in "$1" delete pods --all --all-namespaces --grace-period=1 --wait=true --timeout=60s >/dev/null 2>&1 ||
    log "pods were not all deleted within 60s; stopping them by force"
}

kill_shims() { local pid; for pid in $(shims_of "$1"); do kill -KILL "$pid" 2>/dev/null || true; done; }

remove_bridge() {
  local link
  [ -f "$1/bridge" ] && ip link show "$BRIDGE" >/dev/null 2>&1 || return 0
  for link in $(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do ip link del "$link" 2>/dev/null || true; done
  ip link del "$BRIDGE" 2>/dev/null || log "could not delete the bridge $BRIDGE"
}

remove_run_containerd() { [ ! -f "$1/run-containerd.ours" ] || rm -rf /run/containerd; }

cluster_teardown() { # cluster_teardown <dir>: stop everything cluster_start started, undo what it changed
  local dir="$1"
  # No new pods: the controllers and the scheduler go first.
  teardown_step kill_and_wait "$dir" "$(pid_of "$dir" kube-controller-manager)" "$(pid_of "$dir" kube-scheduler)" \
    "$(pid_of "$dir" prometheus-operator)"
  teardown_step stop_pods "$dir"
  teardown_step kill_and_wait "$dir" "$(pid_of "$dir" kubelet)"
  teardown_step kill_cgroup_tasks
  teardown_step kill_shims "$dir"
  teardown_step kill_and_wait "$dir" "$(pid_of "$dir" containerd)" "$(pid_of "$dir" node)"
  teardown_step kill_and_wait "$dir" "$(pid_of "$dir" kube-proxy)" "$(pid_of "$dir" coredns)"
  teardown_step quiet "$BIN_DIR/kube-proxy" --cleanup
  teardown_step sweep_iptables
  teardown_step kill_and_wait "$dir" "$(pid_of "$dir" kube-apiserver)"
  teardown_step kill_and_wait "$dir" "$(pid_of "$dir" etcd)"
  teardown_step remove_bridge "$dir"
  teardown_step remove_cgroups
  teardown_step remove_run_containerd "$dir"
  teardown_step restore_sysctls "$dir"
  rm -rf "$dir/pids" "$dir/env" "$dir/bridge" "$dir/kubeconfig" "$dir/pki" "$dir/etcd" "$dir/containerd" "$dir/kubelet" \
    "$dir/cni" "$dir/volumes" "$dir/pod-logs" "$dir/images" "$dir/resolv.conf" "$dir/kube-proxy.yaml" "$dir/Corefile" \
    "$dir/run-containerd.ours"
  [ "${K8S_TESTBED_KEEP_LOGS:-}" = 1 ] || rm -f "$dir"/*.log
}

cluster_leftovers() { # what cluster-down must not leave behind; prints each, exit 1 when any
  local dir="$1" found=0 p
  for p in /proc/[0-9]*; do
    if tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF -- "$dir/"; then echo "process ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline")"; found=1; fi
  done
  grep -F -- "$dir/" /proc/mounts && found=1
  ip link show "$BRIDGE" >/dev/null 2>&1 && { echo "interface $BRIDGE"; found=1; }
  iptables-save 2>/dev/null | grep -E '^:(KUBE|CNI)-' && found=1
  for p in /sys/fs/cgroup/kubepods /sys/fs/cgroup/*/kubepods; do [ -d "$p" ] && { echo "cgroup $p"; found=1; }; done
  return $found
}

cluster_down() {
  local dir="${1:-}"
  [ -n "$dir" ] || die "usage: k8s-testbed.sh cluster-down <dir>"
  [ -d "$dir" ] || { log "no $dir: nothing to stop"; return 0; }
  need_root cluster-down
  dir="$(cd "$dir" && pwd)"
  exec 9>"$dir/.lock"
  flock -w 300 9 || die "another cluster-up/down holds $dir/.lock"
  [ -f "$dir/pids" ] || { log "no $dir/pids: nothing to stop"; return 0; }
  cluster_teardown "$dir"
  if ! cluster_leftovers "$dir" >&2; then die "cluster-down left the above behind"; fi
  rm -f "$dir/.lock"
  rmdir "$dir" 2>/dev/null || true
  log "cluster in $dir stopped; nothing left running"
}

# --- images: built with buildah from the repository's own Dockerfiles, on a base assembled from Debian ---

buildah_cmd() { # buildah with its store in the cache; run in a private mount namespace with a fresh runroot,
  # so that no overlay mount outlives the command, whatever happens to it
  mkdir -p "$IMAGE_CACHE/storage"
  unshare --mount --propagation private -- sh -c '
    runroot="$1"; shift
    mkdir -p "$runroot" && mount -t tmpfs tmpfs "$runroot" && exec buildah --root "$0" --runroot "$runroot" --storage-driver overlay "$@"
  ' "$IMAGE_CACHE/storage" "$IMAGE_CACHE/runroot" "$@"
}

binary_image_archive() { # binary_image_archive <archive> <image> <static binary> <user>: that file alone, as
  # /bin/<name> and the entrypoint, saved as a docker-archive once
  local out="$1" image="$2" binary="$3" user="$4" name ctr
  [ -s "$out" ] && return 0
  name="$(basename "$binary")"
  mkdir -p "$(dirname "$out")"
  (
    ctr="$(buildah_cmd from scratch)"
    buildah_cmd copy "$ctr" "$binary" "/bin/$name" >/dev/null
    buildah_cmd config --entrypoint "[\"/bin/$name\"]" --user "$user" "$ctr"
    buildah_cmd commit --quiet --rm "$ctr" "$image" >/dev/null
    buildah_cmd push --quiet "$image" "docker-archive:$out.tmp:$image" >/dev/null
  ) >&2 || die "could not build the $image image"
  mv -f "$out.tmp" "$out"
}

pause_image_archive() { # the sandbox image: Kubernetes' own pause.c, compiled static
  local out="$IMAGE_CACHE/pause-3.10.tar" src work
  if [ ! -s "$out" ]; then
    src="$GO_ROOT/mod/k8s.io/kubernetes@$K8S_VERSION/build/pause/linux/pause.c"
    [ -f "$src" ] || die "$src is missing (it comes with k8s.io/kubernetes: run 'scripts/k8s-testbed.sh install')"
    work="$(mktemp -d)"
    gcc -Os -static -DVERSION=v3.10-capturebox -o "$work/pause" "$src" >&2 || die "could not compile pause.c"
    strip "$work/pause"
    binary_image_archive "$out" "$PAUSE_IMAGE" "$work/pause" 65535:65535
    rm -rf "$work"
  fi
  echo "$out"
}

# --- prometheus-operator beside the control plane, for ServiceMonitors that are really scraped ---

PROMETHEUS_IMAGE=docker.io/library/prometheus:test
CONFIG_RELOADER_IMAGE=docker.io/library/prometheus-config-reloader:test

prometheus_operator_up() { # prometheus_operator_up <dir>: CRDs, images, the operator (out of cluster)
  local dir="${1:-}" crds port name
  [ -n "$dir" ] || die "usage: k8s-testbed.sh prometheus-operator <dir of a running cluster-up>"
  need_root prometheus-operator
  monitoring_binaries_installed || die "prometheus-operator or Prometheus is missing: run 'scripts/k8s-testbed.sh install' first"
  dir="$(cd "$dir" && pwd)"
  exec 9>"$dir/.lock"
  flock -w 300 9 || die "another cluster command holds $dir/.lock"
  cluster_running "$dir" || die "no cluster is running in $dir (cluster-up first)"
  crds="$GO_ROOT/mod/github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION/example/prometheus-operator-crd"
  kubectl_in "$dir" apply --server-side -f "$crds" >/dev/null
  kubectl_in "$dir" wait --for=condition=Established --timeout=60s -f "$crds" >/dev/null
  # Each archive is named after its binary's own version, so a bump of either builds its image again.
  for name in "prometheus:$PROMETHEUS_IMAGE:$PROMETHEUS_VERSION" "prometheus-config-reloader:$CONFIG_RELOADER_IMAGE:$PROMETHEUS_OPERATOR_VERSION"; do
    local binary="${name%%:*}" rest="${name#*:}"
    local image="${rest%:*}" version="${rest##*:}"
    binary_image_archive "$IMAGE_CACHE/$binary-$version.tar" "$image" "$BIN_DIR/$binary" 65534:65534
    ctr_k8s "$dir" images import "$IMAGE_CACHE/$binary-$version.tar" >/dev/null
  done
  if ! cluster_pid_alive "$dir" prometheus-operator; then
    port="$(pick_ports 1)"
    # It takes no kubeconfig: the API server's address and the admin's client certificate instead.
    start_daemon "$dir" prometheus-operator "$BIN_DIR/prometheus-operator" --apiserver="https://$NODE_IP:$API_SECURE_PORT" \
      --ca-file="$dir/pki/ca.crt" --cert-file="$dir/pki/admin.crt" --key-file="$dir/pki/admin.key" \
      --prometheus-config-reloader="$CONFIG_RELOADER_IMAGE" --web.listen-address="127.0.0.1:$port" --log-level=warn
    wait_for 30 prometheus-operator bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || return 1
  fi
  log "prometheus-operator $PROMETHEUS_OPERATOR_VERSION watches the cluster; Prometheus resources use image $PROMETHEUS_IMAGE, version $PROMETHEUS_VERSION"
  echo "PROMETHEUS_IMAGE=$PROMETHEUS_IMAGE"
  echo "PROMETHEUS_VERSION=$PROMETHEUS_VERSION"
}

node_base_image() { # debootstrap's Debian with nodejs, npm and tini, imported once as $NODE_BASE_IMAGE
  buildah_cmd inspect --type image "$NODE_BASE_IMAGE" >/dev/null 2>&1 && return 0
  local work="$IMAGE_CACHE/base-build" ctr started=$SECONDS
  rm -rf "$work"
  mkdir -p "$work"
  log "assembling $NODE_BASE_IMAGE with debootstrap (first time only; a few minutes)"
  debootstrap --variant=minbase --include=ca-certificates "$DEBIAN_SUITE" "$work/rootfs" http://deb.debian.org/debian \
    >"$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  # The image trusts what this machine trusts: local CAs (a TLS-inspecting proxy's, say) are added, so that
  # npm and apt inside `docker build` steps reach their registries as the host does.
  cp /usr/local/share/ca-certificates/*.crt "$work/rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' >"$work/rootfs/etc/npmrc"
  # apt resolves what debootstrap's simple resolver cannot (npm's dependencies).
  unshare --mount --propagation private -- sh -c '
    mount -t proc proc "$1/proc" && chroot "$1" sh -c "update-ca-certificates >/dev/null && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm tini && apt-get clean && rm -rf /var/lib/apt/lists/*"
  ' sh "$work/rootfs" >"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; die "installing nodejs, npm and tini failed"; }
  tar -C "$work/rootfs" --numeric-owner -cf "$work/rootfs.tar" .
  ctr="$(buildah_cmd from scratch)"
  buildah_cmd add "$ctr" "$work/rootfs.tar" / >/dev/null
  buildah_cmd config --cmd '["node"]' --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  buildah_cmd commit --quiet --rm "$ctr" "$NODE_BASE_IMAGE" >/dev/null
  rm -rf "$work"
  log "$NODE_BASE_IMAGE built in $((SECONDS - started))s"
}

build_image() { # build_image <tag> <Dockerfile> [<ignore file>]: `docker build` of the same file, daemonless
  local tag="$1" file="$2" ignore="${3:-}" started=$SECONDS args=()
  [ -z "$ignore" ] || args+=(--ignorefile "$ignore")
  (cd "$REPO_ROOT" && buildah_cmd bud --layers --isolation chroot --network host --build-arg "NODE_IMAGE=$NODE_BASE_IMAGE" \
    "${args[@]}" -f "$file" -t "$tag" .) >"$IMAGE_CACHE/build-${tag%%:*}.log" 2>&1 ||
    { tail -n 30 "$IMAGE_CACHE/build-${tag%%:*}.log" >&2; die "building $tag from $file failed (log: $IMAGE_CACHE/build-${tag%%:*}.log)"; }
  log "$tag built from $file in $((SECONDS - started))s"
}

images() { # images [<dir>]: build capturebox:test and capturebox-operator:test; load them into the cluster in <dir>
  local dir="${1:-}" tag archive
  need_root images
  ensure_node_packages
  if [ -n "$dir" ]; then
    dir="$(cd "$dir" && pwd)"
    cluster_pid_alive "$dir" containerd || die "no cluster is running in $dir (cluster-up first)"
  fi
  mkdir -p "$IMAGE_CACHE"
  node_base_image
  build_image capturebox:test Dockerfile
  build_image capturebox-operator:test operator/Dockerfile operator/Dockerfile.dockerignore
  [ -n "$dir" ] || { log "built (no cluster dir given: nothing loaded)"; return 0; }
  mkdir -p "$dir/images"
  for tag in capturebox:test capturebox-operator:test; do
    archive="$dir/images/${tag%%:*}.tar"
    buildah_cmd push --quiet "$tag" "docker-archive:$archive:docker.io/library/$tag" >/dev/null
    ctr_k8s "$dir" images import "$archive" >/dev/null || die "could not load $tag into the cluster's containerd"
    rm -f "$archive"
    log "$tag loaded into the cluster (use imagePullPolicy: Never or IfNotPresent)"
  done
  buildah_cmd rmi --prune >/dev/null 2>&1 || true # dangling layers of earlier builds; the cached steps stay
}

image_archive() { # image_archive <tag> <out.tar>: capturebox from the Dockerfile, as a docker-archive for `docker load`
  local tag="$1" out="$2"
  [ -n "$tag" ] && [ -n "$out" ] || die "usage: image-archive <tag> <out.tar>"
  need_root image-archive
  ensure_node_packages
  mkdir -p "$IMAGE_CACHE"
  node_base_image
  build_image "$tag" Dockerfile
  rm -f "$out"
  buildah_cmd push --quiet "$tag" "docker-archive:$out:$tag" >/dev/null || die "could not write $tag to $out"
  buildah_cmd rmi --prune >/dev/null 2>&1 || true # dangling layers of earlier builds; the cached steps stay
}

bin_dir() {
  all_installed || die "not installed (or not at the pinned versions): run 'scripts/k8s-testbed.sh install'"
  echo "$BIN_DIR"
}

# One line, read whole before it runs: a long-running command (cluster-up's node) is not thrown off when
# this file changes under it.
main() {
  case "${1:-}" in
  install) install ;;
  bin-dir) bin_dir ;;
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  status) status "${2:-}" ;;
  cluster-up) cluster_up "${2:-}" ;;
  cluster-down) cluster_down "${2:-}" ;;
  images) images "${2:-}" ;;
  image-archive) image_archive "${2:-}" "${3:-}" ;;
  prometheus-operator) prometheus_operator_up "${2:-}" ;;
  node-packages) ensure_node_packages ;;
  node-run) node_run "${2:-}" ;; # internal: the node's processes, inside their own mount namespace
  *) die "usage: k8s-testbed.sh install | bin-dir | start <dir> | stop <dir> | status <dir> | node-packages | cluster-up <dir> | images [<dir>] | image-archive <tag> <out.tar> | prometheus-operator <dir> | cluster-down <dir>" ;;
  esac
}
main "$@"; exit $?
