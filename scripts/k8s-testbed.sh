#!/usr/bin/env bash
# A real Kubernetes control plane for the tests: etcd + kube-apiserver (no scheduler, no kubelet; a
# kube-controller-manager only when asked, see K8S_TESTBED_CONTROLLERS), plus the real kubectl and helm clients. Everything is built from source with the Go toolchain
# through the Go module proxy (no prebuilt binaries can be fetched here) and cached outside the clone, so
# every clone and CI run on the machine reuses one set of binaries.
#
#   scripts/k8s-testbed.sh install       build the pinned etcd, kube-apiserver, kube-controller-manager, kubectl
#                                        and helm into
#                                        $CACHE/k8s/bin (idempotent: skips each binary already built at its
#                                        pinned version); prints the bin dir
#   scripts/k8s-testbed.sh bin-dir       print the bin dir (exit 1 when something is not installed)
#   scripts/k8s-testbed.sh start <dir>   start etcd and kube-apiserver on loopback (random free ports), state
#                                        in <dir>; wait until /readyz is ok; write <dir>/kubeconfig, <dir>/pids
#                                        and <dir>/env; print KUBECONFIG=... and the pids (eval-able lines)
#   scripts/k8s-testbed.sh stop <dir>    stop exactly the processes listed in <dir>/pids and remove the state
#                                        it created (set K8S_TESTBED_KEEP_LOGS=1 to keep <dir>/*.log)
#   scripts/k8s-testbed.sh status <dir>  exit 0 when the instance in <dir> is running and ready
#
# Environment: K8S_TESTBED_START_TIMEOUT (seconds, default 60), K8S_TESTBED_STOP_TIMEOUT (seconds before
# SIGKILL, default 20), K8S_TESTBED_KEEP_LOGS=1, K8S_TESTBED_APISERVER_ARGS (extra kube-apiserver flags,
# word-split, e.g. "--disable-admission-plugins=ServiceAccount --feature-gates=X=true"),
# CAPTUREBOX_CACHE_DIR (default ~/.cache/capturebox),
# K8S_TESTBED_CONTROLLERS: unset (the default) runs no controller at all; "gc" also starts a
# kube-controller-manager on loopback running only the garbage collector and the namespace controller
# (garbage-collector-controller,namespace-controller), so ownerReference cascades and namespace deletion
# happen for real; a comma-separated list of kube-controller-manager controller names runs exactly those.
#
# What it is and is not: the API only. Objects can be created, applied (also server-side), validated
# (OpenAPI schemas, CEL rules, admission policies), dry-run and watched; CRDs are served. Nothing acts on
# them: no pod ever runs or gets scheduled, Deployments get no ReplicaSets, namespaces get no "default"
# ServiceAccount and no kube-root-ca.crt, deleting a namespace leaves it Terminating for ever (the namespace
# controller lives in kube-controller-manager), ownerReference cascades (garbage collection) never happen
# (both unless K8S_TESTBED_CONTROLLERS=gc), and Services get a cluster IP but carry no traffic. All default admission plugins are on, so creating a
# Pod (even with --dry-run=server) fails with 'serviceaccount "default" not found' unless that
# ServiceAccount is created first (or ServiceAccount admission is disabled with K8S_TESTBED_APISERVER_ARGS);
# Deployments, StatefulSets and Jobs are not affected (their pods are never created).
# Where PID 1 does not reap orphans (this sandbox), stopped daemons linger as <defunct> zombies: exited,
# holding no port, memory or file.
set -euo pipefail

# --- pinned versions: bump deliberately (kube-apiserver and kubectl come from one k8s.io/kubernetes) ---
K8S_VERSION=v1.34.4   # k8s.io/kubernetes; its staging modules (k8s.io/api, ...) are pinned to v0.34.4
ETCD_VERSION=v3.6.16  # go.etcd.io/etcd/server/v3 (etcd 3.6 is what Kubernetes 1.34 ships with)
HELM_VERSION=v3.19.5  # helm.sh/helm/v3 (built against k8s.io/client-go v0.34, matching the server)

CACHE_ROOT="${CAPTUREBOX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/capturebox}"
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
helm_version() { [ -x "$BIN_DIR/helm" ] && "$BIN_DIR/helm" version --template '{{.Version}}' 2>/dev/null || true; }

all_installed() {
  [ "$(etcd_version)" = "$ETCD_VERSION" ] && [ "$(apiserver_version)" = "$K8S_VERSION" ] &&
    [ "$(kubectl_version)" = "$K8S_VERSION" ] && [ "$(helm_version)" = "$HELM_VERSION" ] &&
    [ "$(controller_manager_version)" = "$K8S_VERSION" ]
}

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
    quiet go_env go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" "k8s.io/kubernetes/cmd/kubectl@$K8S_VERSION" \
      "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION"
    if [ "$(apiserver_version)" != "$K8S_VERSION" ]; then
      timed kube-apiserver go_env go build -trimpath -ldflags="$ldflags" -o "$BIN_DIR/kube-apiserver.tmp" \
        k8s.io/kubernetes/cmd/kube-apiserver
      mv -f "$BIN_DIR/kube-apiserver.tmp" "$BIN_DIR/kube-apiserver"
    fi
    if [ "$(kubectl_version)" != "$K8S_VERSION" ]; then
      timed kubectl go_env go build -trimpath -ldflags="$ldflags" -o "$BIN_DIR/kubectl.tmp" k8s.io/kubernetes/cmd/kubectl
      mv -f "$BIN_DIR/kubectl.tmp" "$BIN_DIR/kubectl"
    fi
    if [ "$(controller_manager_version)" != "$K8S_VERSION" ]; then
      timed kube-controller-manager go_env go build -trimpath -ldflags="$ldflags" \
        -o "$BIN_DIR/kube-controller-manager.tmp" k8s.io/kubernetes/cmd/kube-controller-manager
      mv -f "$BIN_DIR/kube-controller-manager.tmp" "$BIN_DIR/kube-controller-manager"
    fi
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
  if [ "$(apiserver_version)" != "$K8S_VERSION" ] || [ "$(kubectl_version)" != "$K8S_VERSION" ] ||
    [ "$(controller_manager_version)" != "$K8S_VERSION" ]; then
    log "building kube-apiserver, kubectl and kube-controller-manager $K8S_VERSION (first time only; several minutes)"
    build_kubernetes
  fi
  if [ "$(helm_version)" != "$HELM_VERSION" ]; then
    log "building helm $HELM_VERSION (first time only; a few minutes)"
    timed helm build_helm
  fi
  rm -rf "$SRC_DIR" # only throwaway go.mod files; sources and objects stay in the Go caches
  exec 9>&-
  all_installed || die "built, but the versions are etcd '$(etcd_version)', kube-apiserver '$(apiserver_version)', kubectl '$(kubectl_version)', helm '$(helm_version)', kube-controller-manager '$(controller_manager_version)'"
  log "etcd $ETCD_VERSION, kube-apiserver, kube-controller-manager and kubectl $K8S_VERSION, helm $HELM_VERSION in $BIN_DIR"
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
      "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
      >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile apiserver.ext -out apiserver.crt
    # The admin: any user in group system:masters is cluster-admin under RBAC.
    openssl req "${ec[@]}" -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=capturebox-admin"
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=clientAuth" >admin.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile admin.ext -out admin.crt
    # Service account tokens are signed with this key and verified with its public half.
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key
    openssl pkey -in sa.key -pubout -out sa.pub
    rm -f ./*.csr ./*.ext ./*.srl
  ) >/dev/null 2>"$pki/openssl.log" || { cat "$pki/openssl.log" >&2; die "openssl failed to generate the certificates"; }
  rm -f "$pki/openssl.log"
}

write_kubeconfig() { # write_kubeconfig <dir> <server url>
  local pki="$1/pki" tmp="$1/kubeconfig.tmp"
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
    client-certificate-data: $(base64 -w0 <"$pki/admin.crt")
    client-key-data: $(base64 -w0 <"$pki/admin.key")
contexts:
- name: capturebox-testbed
  context:
    cluster: capturebox-testbed
    user: capturebox-admin
current-context: capturebox-testbed
EOF
  chmod 600 "$tmp"
  mv -f "$tmp" "$1/kubeconfig"
}

# Is <pid> alive and the process this script started for <dir>? (guards against a recycled pid)
ours() { # ours <pid> <dir>
  [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$2/"
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
  server="https://127.0.0.1:$api_port"
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
    --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 \
    --secure-port="$api_port" \
    --cert-dir="$dir/pki" \
    --tls-cert-file="$dir/pki/apiserver.crt" \
    --tls-private-key-file="$dir/pki/apiserver.key" \
    --client-ca-file="$dir/pki/ca.crt" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$dir/pki/sa.pub" \
    --service-account-signing-key-file="$dir/pki/sa.key" \
    --etcd-servers="http://127.0.0.1:$etcd_client" \
    --service-cluster-ip-range=10.96.0.0/12 \
    --endpoint-reconciler-type=none \
    --allow-privileged=true \
    --profiling=false \
    --enable-priority-and-fairness=false \
    ${K8S_TESTBED_APISERVER_ARGS:-} \
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

bin_dir() {
  all_installed || die "not installed (or not at the pinned versions): run 'scripts/k8s-testbed.sh install'"
  echo "$BIN_DIR"
}

case "${1:-}" in
install) install ;;
bin-dir) bin_dir ;;
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
status) status "${2:-}" ;;
*) die "usage: k8s-testbed.sh install | bin-dir | start <dir> | stop <dir> | status <dir>" ;;
esac
