#!/usr/bin/env bash
# Proves the testbed end to end with the built binaries: start an instance, exercise the API with kubectl
# and helm, stop it. Exits non-zero on the first failed step. Usage: scripts/k8s-testbed/smoke-test.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
testbed="$here/../k8s-testbed.sh"
BIN="$("$testbed" bin-dir)"
kubectl="$BIN/kubectl"
helm="$BIN/helm"
work="$(mktemp -d)"
dir="$work/cluster"
trap '"$testbed" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

step() { echo "--- $*"; }
passed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }

step "start"
eval "$("$testbed" start "$dir")"
export KUBECONFIG
# helm keeps its caches and config under HOME-derived dirs by default: keep them inside the sandbox.
export HELM_CACHE_HOME="$work/helm/cache" HELM_CONFIG_HOME="$work/helm/config" HELM_DATA_HOME="$work/helm/data"

step "kubectl version"
"$kubectl" version
ok "kubectl version"

step "namespace"
"$kubectl" create namespace t1
ok "create namespace t1"

step "CRD with an OpenAPI schema and a CEL rule, applied server-side"
cat >"$work/crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: mailboxes.capturebox.example.com
spec:
  group: capturebox.example.com
  scope: Namespaced
  names: {plural: mailboxes, singular: mailbox, kind: Mailbox}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [minSize, maxSize]
            properties:
              minSize: {type: integer, minimum: 0}
              maxSize: {type: integer}
            x-kubernetes-validations:
            - rule: "self.minSize <= self.maxSize"
              message: "minSize must not exceed maxSize"
YAML
"$kubectl" apply --server-side -f "$work/crd.yaml"
"$kubectl" wait --for=condition=Established --timeout=30s crd/mailboxes.capturebox.example.com
ok "CRD applied server-side and established"

cat >"$work/good.yaml" <<'YAML'
apiVersion: capturebox.example.com/v1alpha1
kind: Mailbox
metadata: {name: good, namespace: t1}
spec: {minSize: 1, maxSize: 10}
YAML
"$kubectl" apply --server-side -f "$work/good.yaml"
ok "a valid CR is accepted"

cat >"$work/bad.yaml" <<'YAML'
apiVersion: capturebox.example.com/v1alpha1
kind: Mailbox
metadata: {name: bad, namespace: t1}
spec: {minSize: 20, maxSize: 10}
YAML
if "$kubectl" apply --server-side -f "$work/bad.yaml" 2>"$work/bad.err"; then
  echo "FAIL: the CR violating the CEL rule was accepted"; exit 1
fi
cat "$work/bad.err"
grep -q "minSize must not exceed maxSize" "$work/bad.err"
ok "a CR violating the CEL rule is rejected by the server"

step "server-side dry-run of a Deployment and a Service"
cat >"$work/app.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: t1}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: example.invalid/web:1, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: t1}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
YAML
"$kubectl" apply --dry-run=server -f "$work/app.yaml"
if "$kubectl" get deployment web -n t1 >/dev/null 2>&1; then echo "FAIL: dry-run persisted"; exit 1; fi
ok "server-side dry-run accepted and persisted nothing"

step "helm"
"$helm" version
mkdir -p "$work/chart/templates"
cat >"$work/chart/Chart.yaml" <<'YAML'
apiVersion: v2
name: tiny
version: 0.1.0
YAML
cat >"$work/chart/values.yaml" <<'YAML'
greeting: hello
YAML
cat >"$work/chart/templates/configmap.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  greeting: {{ .Values.greeting | quote }}
  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}
YAML
"$helm" template demo "$work/chart" --namespace t1 | "$kubectl" apply --dry-run=server -n t1 -f -
ok "helm template | kubectl apply --dry-run=server"

"$helm" install demo "$work/chart" --namespace t1 --wait --timeout 60s
"$helm" list -n t1
"$helm" list -n t1 --deployed -q | grep -qx demo
[ "$("$kubectl" get configmap demo-config -n t1 -o jsonpath='{.data.greeting}')" = hello ]
ok "helm install deployed; helm list shows it"

"$helm" uninstall demo --namespace t1 --wait
if "$kubectl" get configmap demo-config -n t1 >/dev/null 2>&1; then echo "FAIL: uninstall left the ConfigMap"; exit 1; fi
[ -z "$("$helm" list -n t1 -q)" ]
ok "helm uninstall"

step "stop"
pids="$(awk '{print $2}' "$dir/pids")"
"$testbed" stop "$dir"
# Exited means gone or a zombie: where PID 1 does not reap orphans (this sandbox), they linger as <defunct>.
for p in $pids; do
  if [ -e "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; then
    echo "FAIL: pid $p still running after stop"; exit 1
  fi
done
[ ! -e "$dir" ]
ok "stop killed its pids and cleaned up"

echo "smoke: $passed passed, 0 failed"
