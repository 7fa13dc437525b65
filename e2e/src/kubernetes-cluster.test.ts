// Capturebox where its users run it: a one-node cluster (scripts/k8s-testbed.sh cluster-up) with a real
// kubelet on containerd, the images built from the repository's own Dockerfiles, real probes, Services,
// cluster DNS, `helm install`/`helm test`/`helm upgrade`, and the operator running in-cluster. Mail goes in
// with nodemailer (STARTTLS or implicit TLS + AUTH with the generated key) through `kubectl port-forward`
// and is read back through the API; nothing in this file writes any status.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { connect as connectTls } from 'node:tls';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { K8sCluster } from './support/k8s-cluster';
import { REPO_ROOT, TESTBED_SCRIPT } from './support/k8s-testbed';

const run = promisify(execFile);
const CAPTURE_CHART = join(REPO_ROOT, 'charts', 'capturebox');
const OPERATOR_CHART = join(REPO_ROOT, 'charts', 'capturebox-operator');
const FERRETDB = join(REPO_ROOT, 'scripts', 'ferretdb.sh');
/** The node's address on the pod network: what pods reach this machine's FerretDB at. */
const NODE_IP = '10.244.0.1';
const LOCAL_IMAGE = ['--set', 'image.repository=capturebox', '--set', 'image.tag=test', '--set', 'image.pullPolicy=Never'];

interface Message {
  _id: string;
  subject: string;
}

async function send(smtpPort: number, key: string, to: string, subject: string, implicitTls = false): Promise<string> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtpPort,
    secure: implicitTls,
    requireTLS: !implicitTls,
    auth: { user: 'admin', pass: key },
    tls: { rejectUnauthorized: false }, // the pod's self-signed certificate
  });
  try {
    const info = await transport.sendMail({ from: 'app@preview.test', to, subject, text: `sent to ${to}` });
    return info.response;
  } finally {
    transport.close();
  }
}

/** Reads every second until `done(value)` or `seconds` pass; the last value read goes to the assertion. */
async function pollFor<T>(read: () => Promise<T>, done: (value: T) => boolean, seconds: number): Promise<T> {
  let value = await read();
  for (let i = 0; i < seconds && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 1000));
    value = await read();
  }
  return value;
}

/** Command lines of the processes on this machine that name `text` (a cluster's directory, say). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(text)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

async function inbox(httpPort: number, address: string): Promise<Message[]> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/api/addresses/${address}/messages`);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as Message[];
}

// containerd, kubelet and the pod network bridge need root (make test runs as root; see the README).
const notRoot = process.getuid?.() !== 0 ? 'the one-node cluster needs root' : false;

describe('Capturebox in a one-node Kubernetes cluster', { timeout: 45 * 60_000, skip: notRoot }, () => {
  let cluster: K8sCluster;
  const kubectl = (args: string[], input?: string) => cluster.exec('kubectl', args, input).then((r) => r.stdout);
  /** A namespace whose pods the API server admits only under the restricted Pod Security Standard. */
  const restrictedNamespace = async (name: string) => {
    await kubectl(['create', 'namespace', name]);
    await kubectl(['label', 'namespace', name, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=latest']);
  };
  const helm = (args: string[]) => cluster.exec('helm', args).then((r) => r.stdout);
  const podsOf = async (namespace: string, selector: string) =>
    (await kubectl(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'jsonpath={.items[*].metadata.name}'])).split(/\s+/).filter(Boolean);

  before(async () => {
    cluster = await K8sCluster.up();
    console.log(cluster.startLog.trim());
  });
  after(async () => {
    if (cluster) await cluster.down().catch((error: Error) => console.error(error.message));
  });

  test('helm install in a namespace enforcing the restricted Pod Security Standard: the pod becomes Ready through its probes, runs as UID 10001, and captures mail sent through its Service', async () => {
    const started = Date.now();
    // The namespace enforces the restricted Pod Security Standard: the chart's pods (and its helm test pod) run there.
    await restrictedNamespace('embedded');
    await helm(['install', 'capture', CAPTURE_CHART, '-n', 'embedded', ...LOCAL_IMAGE, '--wait', '--timeout', '240s']);
    console.log(`helm install --wait: ${Date.now() - started} ms`);
    const [pod] = await podsOf('embedded', 'app.kubernetes.io/instance=capture');
    const ready = await kubectl(['get', 'pod', '-n', 'embedded', pod, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    assert.equal(ready, 'True');
    assert.equal((await kubectl(['exec', '-n', 'embedded', pod, '--', 'id', '-u'])).trim(), '10001');
    // The image holds only what runs: no spec, contract suite, fixture or test server of the build.
    const testOnly = await kubectl(['exec', '-n', 'embedded', pod, '--', 'find', '/app/apps/capture', '-name', '*.spec.*', '-o', '-name', '*contract*',
      '-o', '-name', '*fixture*', '-o', '-name', 'testing.*', '-o', '-name', 'test-*', '-o', '-name', '*-test-*', '-o', '-name', 'dist-test']);
    assert.equal(testOnly.trim(), '', 'test-only files in the image');

    const key = await cluster.secretValue('embedded', 'capture-capturebox-admin', 'api-key');
    assert.match(key, /^\S{20,}$/);
    const forward = await cluster.portForward('embedded', 'svc/capture-capturebox', [5587, 8080]);
    try {
      assert.match(await send(forward.local(5587), key, 'kate@preview.test', 'through the Service'), /^250 OK : queued as \S+/);
      const messages = await inbox(forward.local(8080), 'kate@preview.test');
      assert.deepEqual(messages.map((m) => m.subject), ['through the Service']);
    } finally {
      forward.close();
    }
  });

  test('helm test runs its pod against the Service (cluster DNS) and passes', async () => {
    // Succeeded = the selftest exited 0: it sent over STARTTLS + AUTH to the Service's DNS name and read back.
    const out = await helm(['test', 'capture', '-n', 'embedded', '--timeout', '120s']);
    assert.match(out, /TEST SUITE:\s+capture-capturebox-selftest[\s\S]*Phase:\s+Succeeded/, out);
  });

  test('helm upgrade rolls the pod and the mail stored before is still there (embedded store on its volume)', async () => {
    const [before] = await podsOf('embedded', 'app.kubernetes.io/instance=capture');
    await helm(['upgrade', 'capture', CAPTURE_CHART, '-n', 'embedded', ...LOCAL_IMAGE, '--set', 'podAnnotations.rolled=yes', '--wait', '--timeout', '240s']);
    await kubectl(['wait', '-n', 'embedded', '--for=delete', `pod/${before}`, '--timeout=120s']).catch(() => '');
    const [after] = await podsOf('embedded', 'app.kubernetes.io/instance=capture');
    assert.notEqual(after, before, 'a new pod serves after the upgrade');
    const claim = await kubectl(['get', 'pvc', '-n', 'embedded', 'capture-capturebox-data', '-o', 'jsonpath={.status.phase}']);
    assert.equal(claim, 'Bound');
    const forward = await cluster.portForward('embedded', 'svc/capture-capturebox', [8080]);
    try {
      assert.deepEqual((await inbox(forward.local(8080), 'kate@preview.test')).map((m) => m.subject), ['through the Service']);
    } finally {
      forward.close();
    }
  });

  test('implicit TLS on, with a kubernetes.io/tls Secret: the pod serves SMTPS on Service port 465, and both ports present that certificate', async () => {
    // The Secret has cert-manager's layout (tls.crt, tls.key); cert-manager itself cannot be built here.
    const work = mkdtempSync(join(tmpdir(), 'capturebox-tls-'));
    const host = 'smtps-capturebox.smtps.svc';
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-keyout', join(work, 'tls.key'), '-out', join(work, 'tls.crt'), '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`]);
    const certificate = readFileSync(join(work, 'tls.crt'), 'utf8');
    await kubectl(['create', 'namespace', 'smtps']);
    await kubectl(['create', 'secret', 'tls', 'smtps-tls', '-n', 'smtps', `--cert=${join(work, 'tls.crt')}`, `--key=${join(work, 'tls.key')}`]);
    rmSync(work, { recursive: true, force: true });
    await helm(['install', 'smtps', CAPTURE_CHART, '-n', 'smtps', ...LOCAL_IMAGE, '--set', 'smtp.implicitTls.enabled=true',
      '--set', 'tls.existingSecret=smtps-tls', '--wait', '--timeout', '240s']);
    const key = await cluster.secretValue('smtps', 'smtps-capturebox-admin', 'api-key');
    const forward = await cluster.portForward('smtps', 'svc/smtps-capturebox', [465, 5587, 8080]);
    try {
      const presented = await new Promise<string>((resolve, reject) => {
        const socket = connectTls({ host: '127.0.0.1', port: forward.local(465), servername: host, ca: certificate }, () => {
          resolve(socket.getPeerX509Certificate()!.fingerprint256);
          socket.end();
        });
        socket.on('error', reject);
      });
      assert.equal(presented, new X509Certificate(certificate).fingerprint256, 'SMTPS presents the Secret\'s certificate');
      assert.match(await send(forward.local(465), key, 'tls@preview.test', 'over implicit TLS', true), /^250 OK : queued as \S+/);
      // STARTTLS verified against that certificate alone: it succeeds only if the pod presents it there too.
      const verified = nodemailer.createTransport({ host: '127.0.0.1', port: forward.local(5587), requireTLS: true,
        auth: { user: 'admin', pass: key }, tls: { ca: certificate, servername: host } });
      await verified.sendMail({ from: 'app@preview.test', to: 'tls@preview.test', subject: 'over verified STARTTLS', text: 'x' });
      verified.close();
      assert.deepEqual((await inbox(forward.local(8080), 'tls@preview.test')).map((m) => m.subject).sort(), ['over implicit TLS', 'over verified STARTTLS']);
    } finally {
      forward.close();
    }
    await helm(['uninstall', 'smtps', '-n', 'smtps', '--wait']);
  });

  test('the operator runs in-cluster (restricted Pod Security), takes the lease, and examples/minimal.yaml becomes a Ready environment that captures mail', async () => {
    await restrictedNamespace('capturebox-system');
    await helm([
      'install', 'operator', OPERATOR_CHART, '-n', 'capturebox-system',
      '--set', 'image.repository=capturebox-operator', '--set', 'image.tag=test', '--set', 'image.pullPolicy=Never',
      '--set', 'environmentImage.repository=capturebox', '--set', 'environmentImage.tag=test', '--wait', '--timeout', '240s',
    ]);
    const operators = await podsOf('capturebox-system', 'app.kubernetes.io/instance=operator');
    assert.ok(operators.length >= 1, 'operator pods run');
    const holder = await pollFor(
      () => kubectl(['get', 'lease', '-n', 'capturebox-system', 'operator-capturebox-operator', '-o', 'jsonpath={.spec.holderIdentity}']).catch(() => ''),
      (name) => operators.includes(name),
      60,
    );
    assert.ok(operators.includes(holder), `the lease is held by an operator pod (holder '${holder}', pods ${operators.join(',')})`);

    await kubectl(['create', 'namespace', 'preview-42']);
    await kubectl(['apply', '-n', 'preview-42', '-f', join(REPO_ROOT, 'examples', 'minimal.yaml')]);
    await kubectl(['wait', '-n', 'preview-42', '--for=condition=Ready', 'captureenvironment/mail-minimal', '--timeout=240s']);
    const [pod] = await podsOf('preview-42', 'capturebox.dev/environment=mail-minimal');
    assert.equal(await kubectl(['get', 'pod', '-n', 'preview-42', pod, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']), 'True');

    const key = await cluster.secretValue('preview-42', 'mail-minimal-admin', 'api-key');
    const forward = await cluster.portForward('preview-42', 'svc/mail-minimal', [5587, 8080]);
    try {
      assert.match(await send(forward.local(5587), key, 'signup@preview-42.test', 'from the environment'), /^250 OK : queued as \S+/);
      assert.deepEqual((await inbox(forward.local(8080), 'signup@preview-42.test')).map((m) => m.subject), ['from the environment']);
    } finally {
      forward.close();
    }
  });

  test('an application Deployment with envFrom the connection Secret sends mail through the environment and reads it back; spec.chaos reaches the pods', async () => {
    assert.equal(await kubectl(['get', 'captureenvironment', 'mail-minimal', '-n', 'preview-42', '-o', 'jsonpath={.status.connectionSecretName}']), 'mail-minimal-connection');
    // An application as a team writes it: nodemailer (in the capture image) and fetch, configured only by the
    // connection Secret's variables. The self-signed certificate has no CA to hand out (SMTP_TLS_CA absent).
    const app = `
const nodemailer = require('nodemailer');
const env = process.env;
(async () => {
  const tls = env.SMTP_TLS_CA ? { ca: env.SMTP_TLS_CA } : { rejectUnauthorized: false };
  const transport = nodemailer.createTransport({ host: env.SMTP_HOST, port: Number(env.SMTP_PORT), requireTLS: true, auth: { user: env.SMTP_USERNAME, pass: env.SMTP_PASSWORD }, tls });
  await transport.sendMail({ from: 'app@preview-42.test', to: 'envfrom@preview-42.test', subject: 'sent by the app', text: 'hello' });
  const response = await fetch(env.CAPTUREBOX_API_URL + '/api/addresses/envfrom@preview-42.test/messages', { headers: { 'Mailsac-Key': env.CAPTUREBOX_API_KEY } });
  console.log('READ BACK ' + JSON.stringify((await response.json()).map((m) => m.subject)));
  setInterval(() => undefined, 1 << 30);
})().catch((error) => { console.log('FAILED ' + error.message); process.exit(1); });
`;
    await kubectl(['apply', '-n', 'preview-42', '-f', '-'], JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app' },
      spec: {
        selector: { matchLabels: { app: 'app' } },
        template: {
          metadata: { labels: { app: 'app' } },
          spec: {
            containers: [{
              name: 'app', image: 'capturebox:test', imagePullPolicy: 'Never', workingDir: '/app',
              command: ['node', '-e', app],
              envFrom: [{ secretRef: { name: 'mail-minimal-connection' } }],
            }],
          },
        },
      },
    }));
    const log = await pollFor(() => kubectl(['logs', '-n', 'preview-42', 'deployment/app']).catch(() => ''), (out) => /READ BACK|FAILED/.test(out), 180);
    assert.match(log, /READ BACK \["sent by the app"\]/, log);
    await kubectl(['delete', '-n', 'preview-42', 'deployment/app', '--wait=true', '--timeout=120s']);

    // spec.chaos reaches the pods: the rolled pod refuses exactly as the rule says, then captures again.
    const chaos = [{ kind: 'refuse', stage: 'rcpt', code: 550, text: '5.1.1 Refused by spec.chaos', times: 1, scope: { address: 'chaos@preview-42.test' } }];
    await kubectl(['patch', 'captureenvironment', 'mail-minimal', '-n', 'preview-42', '--type=merge', '-p', JSON.stringify({ spec: { chaos } })]);
    await pollFor(() => kubectl(['get', 'deployment', 'mail-minimal', '-n', 'preview-42', '-o', 'jsonpath={.spec.template.spec.containers[0].env[?(@.name=="CAPTUREBOX_CHAOS")].value}']), (value) => value !== '', 60);
    await kubectl(['rollout', 'status', 'deployment/mail-minimal', '-n', 'preview-42', '--timeout=240s']);
    const chaosKey = await cluster.secretValue('preview-42', 'mail-minimal-admin', 'api-key');
    const chaosForward = await cluster.portForward('preview-42', 'svc/mail-minimal', [5587]);
    try {
      await assert.rejects(send(chaosForward.local(5587), chaosKey, 'chaos@preview-42.test', 'refused'), (error: { response?: string }) => error.response === '550 5.1.1 Refused by spec.chaos');
      assert.match(await send(chaosForward.local(5587), chaosKey, 'chaos@preview-42.test', 'after the rule'), /^250 /);
    } finally {
      chaosForward.close();
    }

    await kubectl(['delete', '-n', 'preview-42', 'captureenvironment/mail-minimal', '--wait=true', '--timeout=120s']);
    const left = await pollFor(() => podsOf('preview-42', 'capturebox.dev/environment=mail-minimal'), (pods) => pods.length === 0, 60);
    assert.deepEqual(left, [], 'deleting the environment removes its pods');
  });

  test('a MongoDB-backed environment: two replicas serve the same inbox', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'capturebox-ferretdb-'));
    const port = 27000 + Math.floor(Math.random() * 1000);
    const ferret = await run(FERRETDB, ['start', String(port), dataDir], { env: { ...process.env, FERRETDB_LISTEN_HOST: NODE_IP } });
    const ferretPid = ferret.stdout.trim();
    try {
      await kubectl(['create', 'namespace', 'shared-store']);
      await kubectl(['apply', '-n', 'shared-store', '-f', '-'], `
apiVersion: v1
kind: Secret
metadata: { name: mongodb-connection }
stringData: { uri: "mongodb://${NODE_IP}:${port}/" }
---
apiVersion: capturebox.dev/v1alpha1
kind: CaptureEnvironment
metadata: { name: shared }
spec:
  replicas: 2
  storage: { type: mongodb, mongodb: { secretRef: { name: mongodb-connection, key: uri } } }
`);
      await kubectl(['wait', '-n', 'shared-store', '--for=condition=Ready', 'captureenvironment/shared', '--timeout=300s']);
      const pods = await pollFor(() => podsOf('shared-store', 'capturebox.dev/environment=shared'), (found) => found.length === 2, 120);
      assert.equal(pods.length, 2, pods.join(','));
      await kubectl(['wait', '-n', 'shared-store', '--for=condition=Ready', ...pods.map((p) => `pod/${p}`), '--timeout=240s']);
      const key = await cluster.secretValue('shared-store', 'shared-admin', 'api-key');
      const [first, second] = await Promise.all(pods.map((p) => cluster.portForward('shared-store', `pod/${p}`, [5587, 8080])));
      try {
        assert.match(await send(first.local(5587), key, 'both@shared.test', 'stored once, read anywhere'), /^250 OK : queued as \S+/);
        assert.deepEqual((await inbox(second.local(8080), 'both@shared.test')).map((m) => m.subject), ['stored once, read anywhere']);
        assert.match(await send(second.local(5587), key, 'both@shared.test', 'and the other way'), /^250 OK/);
        assert.deepEqual((await inbox(first.local(8080), 'both@shared.test')).map((m) => m.subject).sort(), ['and the other way', 'stored once, read anywhere']);
      } finally {
        first.close();
        second.close();
      }
      await kubectl(['delete', '-n', 'shared-store', 'captureenvironment/shared', '--wait=true', '--timeout=120s']);
    } finally {
      await run(FERRETDB, ['stop', ferretPid]).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('prometheus-operator turns the chart\'s ServiceMonitor into a real scrape of the pod\'s /metrics', async () => {
    // The operator runs beside the control plane (scripts/k8s-testbed.sh prometheus-operator); Prometheus
    // itself runs as a pod of the StatefulSet the operator makes, from a locally built image.
    const { stdout } = await run(TESTBED_SCRIPT, ['prometheus-operator', cluster.dir], { timeout: 300_000 });
    const image = /^PROMETHEUS_IMAGE=(\S+)$/m.exec(stdout)![1];
    const version = /^PROMETHEUS_VERSION=(\S+)$/m.exec(stdout)![1];
    await kubectl(['apply', '-f', '-'], `
apiVersion: v1
kind: Namespace
metadata: { name: monitoring }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: prometheus, namespace: monitoring }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: prometheus-discovery }
rules:
  - { apiGroups: [""], resources: [services, endpoints, pods], verbs: [get, list, watch] }
  - { apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [get, list, watch] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: prometheus-discovery }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: prometheus-discovery }
subjects: [{ kind: ServiceAccount, name: prometheus, namespace: monitoring }]
---
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: { name: main, namespace: monitoring }
spec:
  image: ${image}
  version: ${version}
  replicas: 1
  serviceAccountName: prometheus
  serviceMonitorSelector: {}
  serviceMonitorNamespaceSelector: {}
  scrapeInterval: 5s
`);
    await helm(['upgrade', 'capture', CAPTURE_CHART, '-n', 'embedded', ...LOCAL_IMAGE, '--set', 'podAnnotations.rolled=yes', '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.serviceMonitor.interval=5s', '--set', 'metrics.serviceMonitor.scrapeTimeout=4s', '--wait', '--timeout', '240s']);
    const prometheusPods = await pollFor(() => podsOf('monitoring', 'app.kubernetes.io/name=prometheus'), (pods) => pods.length > 0, 120);
    assert.equal(prometheusPods.length, 1, 'the operator created the Prometheus pod');
    await kubectl(['wait', '-n', 'monitoring', '--for=condition=Ready', `pod/${prometheusPods[0]}`, '--timeout=240s']);
    const forward = await cluster.portForward('monitoring', `pod/${prometheusPods[0]}`, [9090]);
    try {
      const query = async (promql: string) => {
        const response = await fetch(`http://127.0.0.1:${forward.local(9090)}/api/v1/query?query=${encodeURIComponent(promql)}`);
        return ((await response.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data.result;
      };
      const up = await pollFor(() => query('up{namespace="embedded", service="capture-capturebox"}'), (result) => result.length === 1 && result[0].value[1] === '1', 90);
      assert.equal(up.length, 1, 'one target: the capture pod behind the ServiceMonitor');
      assert.equal(up[0].value[1], '1', `the scrape succeeds: ${JSON.stringify(up)}`);
      const captured = await query('capturebox_smtp_connections_total{namespace="embedded"}');
      assert.ok(captured.length > 0, 'Capturebox\'s own metrics arrive in Prometheus');
    } finally {
      forward.close();
    }
  });

  test('cluster-down stops everything and leaves no process, mount, interface or iptables rule behind', async () => {
    const dir = cluster.dir;
    const log = await cluster.down();
    cluster = undefined as unknown as K8sCluster;
    assert.match(log, /nothing left running/);
    assert.deepEqual(processesMentioning(`${dir}/`), [], 'no process of the cluster');
    assert.ok(!readFileSync('/proc/mounts', 'utf8').includes(dir), 'no mount of the cluster');
    await assert.rejects(run('ip', ['link', 'show', 'cbx0']), 'the bridge is gone');
    assert.doesNotMatch((await run('iptables-save')).stdout, /^:(KUBE|CNI)-/m);
  });
});
