// The Helm chart, validated by the real tools: helm lint --strict, helm template applied to a real
// kube-apiserver (server-side dry run, then for real), values.schema.json refusing bad values, a golden
// rendering, the admin key kept across helm upgrade, and the cert-manager / prometheus-operator objects
// checked against their typed models.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { CHART, objects, withoutTestHooks, type K8sObject } from './support/helm-chart';
import { K8sTestbed, REPO_ROOT } from './support/k8s-testbed';

const VALUES_FILES = ['', 'ci/embedded-values.yaml', 'ci/mongodb-values.yaml', 'ci/full-features-values.yaml'];
const GOLDEN = join(CHART, 'golden', 'default.yaml');
const CRDS = join(REPO_ROOT, 'e2e', 'fixtures', 'crds');

const valuesArgs = (file: string) => (file ? ['-f', join(CHART, file)] : []);
const nameOf = (file: string) => (file ? file.replace(/^ci\//, '').replace(/-values\.yaml$/, '') : 'default');

/** The rendering with the one random value (the generated admin key) replaced, so it can be compared. */
function normalized(manifest: string): string {
  return manifest.replace(/^(\s*api-key: )\S+$/m, '$1<generated>');
}

describe('Helm chart charts/capturebox', () => {
  let k8s: K8sTestbed;
  before(async () => {
    k8s = await K8sTestbed.start();
    await k8s.exec('kubectl', ['apply', '--server-side', '-f', CRDS]);
    await k8s.exec('kubectl', ['wait', '--for=condition=Established', '--timeout=60s', 'crd/certificates.cert-manager.io', 'crd/servicemonitors.monitoring.coreos.com']);
  });
  after(async () => k8s?.stop());

  const template = (file: string, extra: string[] = [], namespace = 'capture') =>
    k8s.exec('helm', ['template', 'capture', CHART, '--namespace', namespace, ...valuesArgs(file), ...extra]).then((r) => r.stdout);

  test('helm lint --strict passes with the default values and every documented values file', async () => {
    for (const file of VALUES_FILES) {
      const { stdout } = await k8s.exec('helm', ['lint', '--strict', CHART, ...valuesArgs(file)]);
      assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/, `${file || 'values.yaml'}:\n${stdout}`);
    }
  });

  test('each values file renders manifests the API server accepts: server-side dry run, then for real', async () => {
    for (const file of VALUES_FILES) {
      const namespace = `chart-${nameOf(file)}`;
      await k8s.exec('kubectl', ['create', 'namespace', namespace]);
      const manifest = await template(file, [], namespace);
      const kinds = objects(manifest).map((o) => o.kind);
      assert.ok(kinds.includes('Deployment') && kinds.includes('Service'), kinds.join(','));
      // The helm test pod is a hook (`helm test`), not part of what `kubectl apply` should create here.
      const installable = withoutTestHooks(manifest);
      await k8s.exec('kubectl', ['apply', '--dry-run=server', '-n', namespace, '-f', '-'], installable);
      const applied = await k8s.exec('kubectl', ['apply', '-n', namespace, '-f', '-'], installable);
      for (const kind of new Set(kinds.filter((k) => k !== 'Pod'))) assert.match(applied.stdout, new RegExp(`${kind.toLowerCase()}[^ ]*/\\S+ created`, 'i'), `${file}: ${kind}`);
    }
  });

  test('the values each file documents are what renders', async () => {
    const mongo = objects(await template('ci/mongodb-values.yaml'));
    const deployment = mongo.find((o) => o.kind === 'Deployment') as K8sObject & { spec: { replicas: number; template: { spec: { containers: Array<{ env: Array<{ name: string }> }> } } } };
    assert.equal(deployment.spec.replicas, 3);
    assert.ok(deployment.spec.template.spec.containers[0].env.some((e) => e.name === 'CAPTUREBOX_MONGODB_URI'));
    assert.ok(mongo.some((o) => o.kind === 'PodDisruptionBudget'));
    assert.ok(!mongo.some((o) => o.kind === 'PersistentVolumeClaim'));

    const full = objects(await template('ci/full-features-values.yaml'));
    for (const kind of ['Certificate', 'ServiceMonitor', 'Ingress', 'NetworkPolicy', 'ConfigMap']) assert.ok(full.some((o) => o.kind === kind), `${kind} rendered`);
    const dashboard = full.find((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1') as K8sObject & { data: Record<string, string> };
    assert.equal(JSON.parse(dashboard.data['capturebox.json']).title, 'Capturebox');

    const defaults = objects(await template(''));
    const container = (defaults.find((o) => o.kind === 'Deployment') as K8sObject & { spec: { template: { spec: { securityContext: Record<string, unknown>; containers: Array<{ securityContext: Record<string, unknown> }> } } } }).spec.template.spec;
    assert.equal(container.securityContext.runAsNonRoot, true);
    assert.deepEqual(container.securityContext.seccompProfile, { type: 'RuntimeDefault' });
    assert.equal(container.containers[0].securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(container.containers[0].securityContext.capabilities, { drop: ['ALL'] });
  });

  test('cert-manager and prometheus-operator objects match their typed models', async () => {
    const full = objects(await template('ci/full-features-values.yaml'));
    const certificate = full.find((o) => o.kind === 'Certificate');
    const monitor = full.find((o) => o.kind === 'ServiceMonitor');
    assert.ok(certificate && monitor);
    new Certificate(certificate as never).validate();
    new ServiceMonitor(monitor as never).validate();
    // The models do catch mistakes: a Certificate without an issuer is refused.
    assert.throws(() => new Certificate({ ...(certificate as object), spec: { secretName: 'x' } } as never).validate());
    // The PrometheusRule carries the appliance's alerts (rules/capturebox.rules.yaml) and the labels a ruleSelector picks.
    const withRule = objects(await template('', ['--set', 'metrics.prometheusRule.enabled=true', '--set', 'metrics.prometheusRule.additionalLabels.release=kube-prometheus-stack']));
    const rule = withRule.find((o) => o.kind === 'PrometheusRule') as K8sObject & { spec: { groups: Array<{ rules: Array<{ alert: string }> }> } };
    assert.ok(rule, 'PrometheusRule rendered');
    new PrometheusRule(rule as never).validate();
    assert.equal(rule.metadata.labels?.release, 'kube-prometheus-stack');
    assert.deepEqual(rule.spec.groups.flatMap((g) => g.rules.map((r) => r.alert)), ['CaptureboxStoreErrors', 'CaptureboxRefusingMail451']);
    assert.ok(!objects(await template('')).some((o) => o.kind === 'PrometheusRule'), 'off by default');
  });

  test('values.schema.json rejects wrong types and unknown keys', async () => {
    const bad: Array<[string[], RegExp]> = [
      [['--set', 'replicaCount=three'], /replicaCount/],
      [['--set', 'smtp.auth=sometimes'], /smtp\.auth|auth/],
      [['--set', 'smtp.port=99999'], /port/],
      [['--set', 'unknownKey=1'], /unknownKey|additional/i],
      [['--set', 'storage.embeded.size=1Gi'], /embeded|additional/i],
      [['--set-string', 'publicInboxes=yes'], /publicInboxes/],
      // The container runs as non-root with every capability dropped: a port below 1024 cannot be bound.
      [['--set', 'smtp.implicitTls.port=465'], /implicitTls\.port|minimum/],
      [['--set', 'http.port=80'], /http\.port|minimum/],
    ];
    for (const [args, pattern] of bad) {
      await assert.rejects(template('', args), (error: Error) => {
        assert.match(error.message, pattern, args.join(' '));
        assert.match(error.message, /values don't meet the specifications of the schema|schema/i);
        return true;
      });
    }
    // Combinations the schema cannot express are refused by the templates, with a reason.
    await assert.rejects(template('', ['--set', 'replicaCount=2']), /storage\.type=embedded/);
    await assert.rejects(template('', ['--set', 'storage.type=mongodb']), /existingSecret/);
  });

  test('the default rendering matches the reviewed golden file', async () => {
    const rendered = normalized(await template(''));
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) writeFileSync(GOLDEN, rendered);
    assert.equal(rendered, readFileSync(GOLDEN, 'utf8'), 'chart output changed: review it, then run the test with UPDATE_GOLDEN=1');
  });

  test('helm install, then helm upgrade keeps the generated admin API key', async () => {
    const keyOf = async () => (await k8s.exec('kubectl', ['get', 'secret', 'keep-capturebox-admin', '-n', 'keep', '-o', 'jsonpath={.data.api-key}'])).stdout;
    await k8s.exec('helm', ['install', 'keep', CHART, '--namespace', 'keep', '--create-namespace']);
    const first = Buffer.from(await keyOf(), 'base64').toString();
    assert.match(first, /^cbx_[A-Za-z0-9]{43}$/);
    await k8s.exec('helm', ['upgrade', 'keep', CHART, '--namespace', 'keep', '--set', 'logLevel=debug']);
    assert.equal(Buffer.from(await keyOf(), 'base64').toString(), first);
    const { stdout } = await k8s.exec('helm', ['status', 'keep', '--namespace', 'keep']);
    assert.match(stdout, /STATUS: deployed/);
    assert.match(stdout, /REVISION: 2/);
    assert.match(stdout, /SMTP \(STARTTLS\):\s+keep-capturebox\.keep\.svc:5587/);
    assert.match(stdout, /kubectl get secret --namespace keep keep-capturebox-admin/);
  });
});
