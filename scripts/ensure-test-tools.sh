#!/usr/bin/env bash
# Installs the third-party tools the test suite drives, when missing. Idempotent; safe to run often.
#   swaks    - a real SMTP client (Debian package), with Perl's TLS modules for STARTTLS
#   python3  - Python's smtplib, a real SMTP client (on the machine already; checked here)
#   spamd    - Debian's SpamAssassin daemon (spamassassin, spamd), started by the spam-score tests
#   curl     - what the README's examples read the API with (e2e/src/readme-snippets.test.ts runs them)
#   chromium - Debian's Chromium, driven by playwright-core in the web UI tests (never a downloaded browser)
#   schemathesis - the property-based API fuzzer (PyPI, pinned), in a venv under ~/.cache/capturebox
#   ferretdb - a real MongoDB-wire server (FerretDB v1, SQLite backend), built once with Go into ~/.cache/capturebox
#   k8s      - etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kubectl,
#              CoreDNS and helm, built once with Go into ~/.cache/capturebox (about 13 min the first time)
#   docker   - Debian's docker.io (dockerd), the real engine @capturebox/testcontainers is tested on
#   node     - Debian's containerd, runc, CNI plugins, iptables, buildah and debootstrap: the one-node
#              cluster's runtime and the daemonless image build (scripts/k8s-testbed.sh cluster-up, images)
set -euo pipefail

need_apt=()
command -v swaks >/dev/null 2>&1 || need_apt+=(swaks)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# The spam-score tests start Debian's spamd (e2e/src/support/spamd-server.ts).
[ -x /usr/sbin/spamd ] || need_apt+=(spamassassin spamd)
# swaks speaks STARTTLS through these Perl modules, which it only recommends.
perl -MNet::SSLeay -MIO::Socket::SSL -e1 >/dev/null 2>&1 || need_apt+=(libnet-ssleay-perl libio-socket-ssl-perl)
# The browser tests launch exactly this path (e2e/src/support/browser.ts).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "ensure-test-tools: installing ${need_apt[*]} with apt-get"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi
echo "ensure-test-tools: swaks $(swaks --version 2>/dev/null | head -1 | awk '{print $NF}'), $(python3 --version), $(curl --version | head -1 | cut -d' ' -f1-2), $(/usr/bin/chromium --version 2>/dev/null | head -1)"

# The one-node cluster's runtime and image builder (e2e/src/kubernetes-cluster.test.ts), by the test bed's list.
./scripts/k8s-testbed.sh node-packages

# Debian's Docker engine, for the Testcontainers test (e2e/src/testcontainers.test.ts starts and stops its own daemon).
./scripts/docker-engine.sh install

# The OpenAPI fuzz test's fuzzer, from PyPI into its own venv on first use (scripts/schemathesis.sh).
./scripts/schemathesis.sh install >/dev/null
echo "ensure-test-tools: $("$(./scripts/schemathesis.sh path)" --version 2>/dev/null | head -1)"

# Built from the Go module proxy on first use (about a minute), then reused from the cache.
./scripts/ferretdb.sh install >/dev/null
echo "ensure-test-tools: ferretdb $("$(./scripts/ferretdb.sh path)" --version | awk '/^version:/ {print $2}')"

# A real Kubernetes control plane, kubelet, kube-proxy and CoreDNS, with kubectl and helm.
./scripts/k8s-testbed.sh install >/dev/null
echo "ensure-test-tools: k8s test bed in $(./scripts/k8s-testbed.sh bin-dir)"
