// The app chart as a platform team installs it (issue 19), on a real kube-apiserver: as a dependency of an
// umbrella chart, through GitOps (`helm template | kubectl apply --server-side`, twice), under the `restricted`
// Pod Security Standard (Pod Security admission runs in the API server, so admitted means admitted), with an
// OpenShift-style securityContext, a NetworkPolicy that admits what the chart itself turns on, a `helm test` pod
// outside the Service, and a storage type that `helm upgrade` will not switch.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CHART, objects, withoutTestHooks, type K8sObject } from './support/helm-chart';
import { K8sTestbed, REPO_ROOT } from './support/k8s-testbed';

type PodSpec = { securityContext?: Record<string, unknown>; containers: Array<{ env?: Array<{ name: string; value?: string }>; securityContext?: Record<string, unknown> }>; [field: string]: unknown };
type Selector = { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
type Peer = { namespaceSelector?: Selector; podSelector?: Selector };

const find = (all: K8sObject[], kind: string, component?: string) => {
  const found = all.find((o) => o.kind === kind && (component === undefined || o.metadata.labels?.['app.kubernetes.io/component'] === component));
  assert.ok(found, `${kind} rendered`);
  return found as K8sObject & { spec: Record<string, unknown> };
};
const deploymentPod = (all: K8sObject[]) => (find(all, 'Deployment').spec.template as { metadata: { labels: Record<string, string> }; spec: PodSpec });
const selftestPod = (all: K8sObject[]) => find(all, 'Pod', 'selftest') as K8sObject & { spec: PodSpec };

/** A LabelSelector's verdict on a set of labels, as the API server has it (matchLabels and matchExpressions). */
function selects(selector: Selector, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpression = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) =>
    operator === 'In' ? values.includes(labels[key]) : operator === 'NotIn' ? !values.includes(labels[key]) : operator === 'Exists' ? key in labels : !(key in labels),
  );
  return byLabel && byExpression;
}

/** Whether a NetworkPolicy ingress peer admits a pod (an absent namespaceSelector means the policy's namespace). */
function admits(peer: Peer, pod: { namespace: string; namespaceLabels: Record<string, string>; labels: Record<string, string> }, policyNamespace: string): boolean {
  const namespaceOk = peer.namespaceSelector ? selects(peer.namespaceSelector, pod.namespaceLabels) : pod.namespace === policyNamespace;
  return namespaceOk && (peer.podSelector ? selects(peer.podSelector, pod.labels) : true);
}

describe('Helm chart charts/capturebox on a platform', () => {
  let k8s: K8sTestbed;
  before(async () => {
    k8s = await K8sTestbed.start();
  });
  after(async () => k8s?.stop());

  const template = (namespace: string, args: string[] = []) => k8s.exec('helm', ['template', 'capture', CHART, '--namespace', namespace, ...args]).then((r) => r.stdout);
  const createNamespace = async (name: string, labels: Record<string, string> = {}) => {
    await k8s.exec('kubectl', ['create', 'namespace', name]);
    if (Object.keys(labels).length) await k8s.exec('kubectl', ['label', 'namespace', name, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  };

  test('an umbrella chart that depends on the chart installs (Helm passes `global` to every dependency)', async () => {
    const umbrella = join(k8s.dir, 'umbrella');
    mkdirSync(umbrella);
    writeFileSync(
      join(umbrella, 'Chart.yaml'),
      `apiVersion: v2\nname: platform\nversion: 1.0.0\ndependencies:\n  - name: capturebox\n    version: 0.1.0\n    repository: file://${CHART}\n`,
    );
    writeFileSync(join(umbrella, 'values.yaml'), 'global:\n  team: mail\ncapturebox:\n  logLevel: debug\n');
    await k8s.exec('helm', ['dependency', 'build', umbrella]);
    const { stdout } = await k8s.exec('helm', ['install', 'platform', umbrella, '--namespace', 'umbrella', '--create-namespace']);
    assert.match(stdout, /STATUS: deployed/);
    const env = (await k8s.exec('kubectl', ['get', 'deployment', 'platform-capturebox', '-n', 'umbrella', '-o', 'jsonpath={.spec.template.spec.containers[0].env}'])).stdout;
    assert.ok(JSON.parse(env).some((e: { name: string; value?: string }) => e.name === 'CAPTUREBOX_LOG_LEVEL' && e.value === 'debug'));
  });

  test('GitOps: with admin.existingSecret, `helm template | kubectl apply --server-side` a second time changes nothing', async () => {
    await createNamespace('gitops');
    await k8s.exec('kubectl', ['create', 'secret', 'generic', 'mail-admin', '-n', 'gitops', '--from-literal=api-key=cbx_0123456789abcdef0123456789']);
    const state = async () => (await k8s.exec('kubectl', ['get', 'deployment,service,secret,persistentvolumeclaim,serviceaccount', '-n', 'gitops', '-o', 'jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{"\\n"}{end}'])).stdout;
    const sync = async (args: string[]) => {
      const manifest = withoutTestHooks(await template('gitops', ['--set', 'tests.enabled=false', ...args]));
      await k8s.exec('kubectl', ['apply', '--server-side', '--field-manager=argocd-controller', '-n', 'gitops', '-f', '-'], manifest);
      return manifest;
    };
    const gitops = ['--set', 'admin.existingSecret=mail-admin'];
    await sync(gitops);
    const first = await state();
    const manifest = await sync(gitops);
    // The API server stores a new PersistentVolumeClaim once more at its first update, whatever is applied (a
    // one-object claim applied twice does the same; what `kubectl get` shows stays identical): leave it out here.
    const withoutClaim = (text: string) => text.replace(/^PersistentVolumeClaim\/.*\n/m, '');
    assert.equal(withoutClaim(await state()), withoutClaim(first), 'the second sync wrote objects');
    const settled = await state();
    await sync(gitops);
    assert.equal(await state(), settled, 'the third sync wrote objects');
    // kubectl diff exits 0 when the live objects are what a new render would make.
    await k8s.exec('kubectl', ['diff', '--server-side', '--field-manager=argocd-controller', '-n', 'gitops', '-f', '-'], manifest);
    assert.doesNotMatch(manifest, /kind: Secret/, 'the chart renders no Secret of its own with existingSecret');

    // The comparison can fail: without existingSecret each render carries a new admin key.
    await sync([]);
    const withGenerated = await state();
    await sync([]);
    assert.notEqual(await state(), withGenerated);
  });

  test('the pods are admitted by Pod Security admission in a namespace enforcing `restricted`, also OpenShift-style', async () => {
    for (const [namespace, args] of [
      ['restricted', []],
      ['restricted-openshift', ['--api-versions', 'security.openshift.io/v1']],
    ] as const) {
      await createNamespace(namespace, { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' });
      const manifest = await template(namespace, [...args]);
      await k8s.exec('kubectl', ['apply', '-n', namespace, '-f', '-'], withoutTestHooks(manifest)); // the ServiceAccount the pods run as
      const all = objects(manifest);
      const pods = [selftestPod(all), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'from-deployment', labels: deploymentPod(all).metadata.labels }, spec: deploymentPod(all).spec }];
      for (const pod of pods) await k8s.exec('kubectl', ['create', '-n', namespace, '-f', '-'], JSON.stringify(pod));
      if (args.length) {
        // restricted-v2 assigns UID, GID and fsGroup from the namespace's range and refuses pods asking for others.
        for (const pod of pods) for (const field of ['runAsUser', 'runAsGroup', 'fsGroup']) assert.ok(!(field in (pod.spec.securityContext ?? {})), `${pod.metadata.name}: ${field}`);
      }
    }
    // Admission really enforces: a container allowed to escalate privileges is refused.
    const loose = objects(await template('restricted', ['--set', 'containerSecurityContext.allowPrivilegeEscalation=true']));
    await assert.rejects(k8s.exec('kubectl', ['create', '--dry-run=server', '-n', 'restricted', '-f', '-'], JSON.stringify({ ...selftestPod(loose), metadata: { name: 'loose' } })), /violates PodSecurity "restricted:latest"/);
    // A null drops a field: the platform (or the image's USER) decides.
    assert.ok(!('runAsUser' in (deploymentPod(objects(await template('x', ['--set', 'podSecurityContext.runAsUser=null']))).spec.securityContext ?? {})));
  });

  test('the `helm test` pod is not selected by the Service, the PodDisruptionBudget or the NetworkPolicy pod selector', async () => {
    const all = objects(await template('restricted', ['--set', 'networkPolicy.enabled=true', '-f', join(CHART, 'ci', 'mongodb-values.yaml')]));
    const serviceSelector = find(all, 'Service').spec.selector as Record<string, string>;
    assert.ok(selects({ matchLabels: serviceSelector }, deploymentPod(all).metadata.labels));
    assert.ok(!selects({ matchLabels: serviceSelector }, selftestPod(all).metadata.labels!), 'the Service would send traffic to the selftest pod');
    for (const kind of ['PodDisruptionBudget', 'NetworkPolicy']) {
      const selector = (find(all, kind).spec.selector ?? find(all, kind).spec.podSelector) as Selector;
      assert.ok(!selects(selector, selftestPod(all).metadata.labels!), kind);
    }
    // The API server agrees: of the two pods created in the Pod Security test, the Service's selector picks one.
    const picked = await k8s.exec('kubectl', ['get', 'pods', '-n', 'restricted', '-l', Object.entries(serviceSelector).map(([k, v]) => `${k}=${v}`).join(','), '-o', 'name']);
    assert.equal(picked.stdout.trim(), 'pod/from-deployment');
  });

  test('helm upgrade refuses to switch the storage between embedded and MongoDB; helm template still renders', async () => {
    await k8s.exec('helm', ['install', 'switch', CHART, '--namespace', 'switch', '--create-namespace']);
    const toMongo = ['--set', 'storage.type=mongodb', '--set', 'storage.mongodb.existingSecret=mongo'];
    await assert.rejects(k8s.exec('helm', ['upgrade', 'switch', CHART, '--namespace', 'switch', ...toMongo]), /storage\.type cannot change from embedded to mongodb on upgrade/);
    await k8s.exec('helm', ['upgrade', 'switch', CHART, '--namespace', 'switch', '--set', 'logLevel=debug']);
    assert.ok(objects(await template('switch', toMongo)).some((o) => o.kind === 'Deployment'), 'no cluster, no lookup: renders');

    await k8s.exec('helm', ['install', 'back', CHART, '--namespace', 'back', '--create-namespace', ...toMongo]);
    // (Values are given: `helm upgrade` with none reuses the release's, which would keep MongoDB.)
    await assert.rejects(k8s.exec('helm', ['upgrade', 'back', CHART, '--namespace', 'back', '--set', 'logLevel=info']), /storage\.type cannot change from mongodb to embedded/);
  });

  test("ci/full-features-values.yaml's NetworkPolicy admits the Ingress controller and Prometheus it enables, and the helm test pod", async () => {
    const all = objects(await template('capture', ['-f', join(CHART, 'ci', 'full-features-values.yaml')]));
    const policy = find(all, 'NetworkPolicy').spec as { ingress: Array<{ ports: Array<{ port: string }>; from: Peer[] }> };
    const reaches = (pod: Parameters<typeof admits>[1], port: string) => policy.ingress.some((rule) => rule.ports.some((p) => p.port === port) && rule.from.some((peer) => admits(peer, pod, 'capture')));
    const pod = (namespace: string, labels: Record<string, string>, namespaceLabels: Record<string, string> = {}) => ({ namespace, labels, namespaceLabels: { 'kubernetes.io/metadata.name': namespace, ...namespaceLabels } });

    const ingressController = pod('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' });
    const prometheus = pod('monitoring', { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus' });
    const selftest = pod('capture', selftestPod(all).metadata.labels!);
    const sender = pod('app', { app: 'shop' }, { 'capturebox.dev/may-send-mail': 'true' });
    const stranger = pod('elsewhere', { 'app.kubernetes.io/name': 'ingress-nginx' });
    assert.ok(reaches(ingressController, 'http'), 'the Ingress controller reaches HTTP');
    assert.ok(reaches(prometheus, 'http'), 'Prometheus scrapes /metrics');
    assert.ok(reaches(selftest, 'smtp') && reaches(selftest, 'http'), 'helm test sends and reads');
    assert.ok(reaches(sender, 'smtp') && reaches(sender, 'smtps'));
    assert.ok(!reaches(stranger, 'http') && !reaches(stranger, 'smtp') && !reaches(ingressController, 'smtp'));

    // The peers are values: another controller's labels replace ingress-nginx's.
    const traefik = objects(await template('capture', ['-f', join(CHART, 'ci', 'full-features-values.yaml'), '--set', 'networkPolicy.ingressController.namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=traefik', '--set', 'networkPolicy.ingressController.podSelector.matchLabels.app\\.kubernetes\\.io/name=traefik']));
    const traefikPeers = (find(traefik, 'NetworkPolicy').spec as typeof policy).ingress[1].from;
    assert.ok(traefikPeers.some((peer) => admits(peer, pod('traefik', { 'app.kubernetes.io/name': 'traefik' }), 'capture')));
  });

  test('replicas > 1 get a PodDisruptionBudget and a topology spread; one replica gets neither', async () => {
    const three = objects(await template('capture', ['-f', join(CHART, 'ci', 'mongodb-values.yaml')]));
    assert.equal(find(three, 'PodDisruptionBudget').spec.minAvailable, 2);
    const spread = deploymentPod(three).spec.topologySpreadConstraints as Array<{ topologyKey: string; labelSelector: Selector }>;
    assert.deepEqual(spread.map((c) => c.topologyKey), ['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    assert.ok(spread.every((c) => selects(c.labelSelector, deploymentPod(three).metadata.labels)));
    const own = objects(await template('capture', ['-f', join(CHART, 'ci', 'mongodb-values.yaml'), '--set-json', 'topologySpreadConstraints=[{"maxSkew":2,"topologyKey":"rack","whenUnsatisfiable":"DoNotSchedule"}]']));
    assert.deepEqual((deploymentPod(own).spec.topologySpreadConstraints as Array<{ topologyKey: string }>).map((c) => c.topologyKey), ['rack']);
    const one = objects(await template('capture'));
    assert.ok(!one.some((o) => o.kind === 'PodDisruptionBudget'));
    assert.ok(!('topologySpreadConstraints' in deploymentPod(one).spec));
  });

  test('escape hatches render where they belong, and the service settings reach the variables the service reads', async () => {
    const all = objects(
      await template('capture', [
        '--set', 'image.digest=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
        '--set-json', 'extraEnvVars=[{"name":"CAPTUREBOX_DENYLIST","value":"spam.example"}]',
        '--set-json', 'extraVolumes=[{"name":"ca","configMap":{"name":"corp-ca"}}]',
        '--set-json', 'extraVolumeMounts=[{"name":"ca","mountPath":"/etc/corp-ca"}]',
        '--set', 'priorityClassName=preview',
        '--set', 'serviceAccount.name=mail', '--set', 'serviceAccount.annotations.iam\\.example/role=mail',
        '--set', 'commonLabels.team=payments', '--set', 'commonAnnotations.owner=payments@example.com',
        '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.serviceMonitor.additionalLabels.release=kube-prometheus-stack',
        '--set', 'webhooks.concurrency=4', '--set', 'smtp.limits.maxInflightBytes=16777216', '--set', 'retention.maxAgeHours=12',
      ]),
    );
    const pod = deploymentPod(all).spec;
    const container = pod.containers[0] as { image: string; env: Array<{ name: string; value?: string }>; volumeMounts: Array<{ name: string }> };
    assert.match(container.image, /^ghcr\.io\/capturebox\/capturebox@sha256:0123/);
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    assert.equal(env.CAPTUREBOX_DENYLIST, 'spam.example');
    assert.equal(env.CAPTUREBOX_WEBHOOK_CONCURRENCY, '4');
    assert.equal(env.CAPTUREBOX_SMTP_MAX_INFLIGHT_BYTES, '16777216');
    assert.equal(env.CAPTUREBOX_RETENTION_MAX_AGE_HOURS, '12');
    assert.ok((pod.volumes as Array<{ name: string }>).some((v) => v.name === 'ca') && container.volumeMounts.some((m) => m.name === 'ca'));
    assert.equal(pod.priorityClassName, 'preview');
    assert.equal(pod.serviceAccountName, 'mail');
    assert.equal(find(all, 'ServiceAccount').metadata.annotations?.['iam.example/role'], 'mail');
    assert.equal(find(all, 'ServiceMonitor').metadata.labels?.release, 'kube-prometheus-stack');
    for (const object of all) {
      assert.equal(object.metadata.labels?.team, 'payments', `${object.kind} commonLabels`);
      assert.equal(object.metadata.annotations?.owner, 'payments@example.com', `${object.kind} commonAnnotations`);
    }
    // Every variable the chart sets is one the service's config reads (a misspelt name would be ignored silently).
    const config = readFileSync(join(REPO_ROOT, 'apps', 'capture', 'src', 'config', 'config.ts'), 'utf8');
    for (const name of Object.keys(env)) assert.ok(config.includes(`${name}:`), `${name} is not read by apps/capture/src/config/config.ts`);
    // The shared bounds hold: out of range is refused by the schema before anything renders.
    for (const bad of ['webhooks.concurrency=1000', 'waits.replicaFeedIntervalMs=1', 'smtp.limits.maxConnections=0', 'retention.maxAgeHours=-1']) {
      await assert.rejects(template('capture', ['--set', bad]), /schema/, bad);
    }
  });

  test('the chart README lists every key of values.yaml', () => {
    const missing = undocumentedValues(readFileSync(join(CHART, 'values.yaml'), 'utf8'), readFileSync(join(CHART, 'README.md'), 'utf8'));
    assert.deepEqual(missing, []);
    // The check can fail: a key the README does not name is reported.
    assert.deepEqual(undocumentedValues('brandNew:\n  knob: 1\n', readFileSync(join(CHART, 'README.md'), 'utf8')), ['brandNew.knob']);
  });
});

/**
 * values.yaml's leaf keys that no row of the README's values table names. A row names keys in backticks in its
 * first cell; `a.b`, `c` and `a.b`, `.c` are shorthand for a.b and a.c. A named key covers everything under it.
 */
function undocumentedValues(valuesYaml: string, readme: string): string[] {
  const documented = new Set<string>();
  for (const row of readme.split('\n').filter((line) => line.startsWith('| `'))) {
    let previous = '';
    for (const [, token] of row.split('|')[1].matchAll(/`([^`]+)`/g)) {
      const parent = previous.includes('.') ? previous.slice(0, previous.lastIndexOf('.')) : '';
      const key = token.startsWith('.') ? parent + token : !token.includes('.') && parent ? `${parent}.${token}` : token;
      documented.add(key);
      previous = key;
    }
  }
  const leaves: string[] = [];
  const walk = (node: unknown, path: string[]) => {
    if (node && typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length > 0) {
      for (const [key, value] of Object.entries(node)) walk(value, [...path, key]);
    } else leaves.push(path.join('.'));
  };
  walk(parseYaml(valuesYaml), []);
  return leaves.filter((leaf) => !leaf.split('.').some((_, i, parts) => documented.has(parts.slice(0, i + 1).join('.'))));
}
