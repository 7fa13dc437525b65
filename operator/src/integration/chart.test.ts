// The operator's Helm chart and the examples, checked by the real tools: helm lint --strict, every values
// file rendered and accepted by a real kube-apiserver, the values schema refusing bad values, least-
// privilege RBAC, the chart's CRD identical to crds/, and each example accepted by the CRD's schema.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrometheusRule as PrometheusRuleModel } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor as ServiceMonitorModel } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { parseAllDocuments } from 'yaml';
import { OWNED_KINDS, parseEnvironmentSpec } from '../environment';
import { captureEnvironmentCrd } from '../environment/crd';
import { OperatorMetrics } from '../runtime/metrics';
import { REPO_ROOT, Testbed, eventually, installCrds } from './support/testbed';

const CHART = join(REPO_ROOT, 'charts', 'capturebox-operator');
const VALUES_FILES = ['', 'ci/full-values.yaml', 'ci/single-values.yaml'];
const EXAMPLES = join(REPO_ROOT, 'examples');
const CRD_NAME = 'captureenvironments.capturebox.dev.yaml';
// The chart's copy of the generated CRD, which templates/crd.yaml renders.
const CHART_CRD = join('files', 'crds', CRD_NAME);
type Json = Record<string, any>;

const objects = (manifest: string): Json[] => parseAllDocuments(manifest).map((d) => d.toJSON()).filter(Boolean);
const valuesArgs = (file: string) => (file ? ['-f', join(CHART, file)] : []);

describe('Helm chart charts/capturebox-operator and examples/', () => {
  let bed: Testbed;
  before(async () => {
    // The ClusterRole aggregation controller fills the built-in admin/edit/view roles from labelled ClusterRoles.
    bed = await Testbed.start({ controllers: 'clusterrole-aggregation-controller' });
    await installCrds(bed);
  });
  after(async () => bed?.stop());

  const template = (file: string, extra: string[] = [], namespace = 'capturebox-system') =>
    bed.exec('helm', ['template', 'op', CHART, '--namespace', namespace, ...valuesArgs(file), ...extra]).then((r) => r.stdout);

  test('helm lint --strict passes with the default values and every ci values file', async () => {
    for (const file of VALUES_FILES) {
      const { stdout } = await bed.exec('helm', ['lint', '--strict', CHART, ...valuesArgs(file)]);
      assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/, file || 'values.yaml');
    }
  });

  test('the chart renders the CRD of crds/ from its templates (crds.enabled), labelled for the release, kept on uninstall (crds.keep)', async () => {
    // No crds/ directory: Helm would install that copy first and the template's could not take it over.
    assert.ok(!existsSync(join(CHART, 'crds')), 'charts/capturebox-operator/crds/ is back');
    const file = readFileSync(join(CHART, CHART_CRD), 'utf8');
    assert.equal(file, readFileSync(join(REPO_ROOT, 'crds', CRD_NAME), 'utf8'));
    const crdOf = async (args: string[]) => objects(await template('', args)).find((o) => o.kind === 'CustomResourceDefinition');
    const rendered = (await crdOf([]))!;
    const generated = objects(file)[0];
    const { labels, annotations, ...metadata } = rendered.metadata;
    assert.deepEqual({ ...rendered, metadata }, { ...generated, metadata: { name: generated.metadata.name } }, 'the rendered CRD is the generated one');
    assert.equal(labels['app.kubernetes.io/managed-by'], 'Helm');
    assert.equal(labels['app.kubernetes.io/part-of'], 'capturebox');
    assert.deepEqual(annotations, { 'helm.sh/resource-policy': 'keep' });
    assert.equal((await crdOf(['--set', 'crds.keep=false']))!.metadata.annotations, undefined);
    assert.equal(await crdOf(['--set', 'crds.enabled=false']), undefined);
  });

  test('each values file renders manifests the API server accepts (server-side dry run, then for real)', async () => {
    for (const [i, file] of VALUES_FILES.entries()) {
      const namespace = `op-${i}`;
      await bed.kubectl(['create', 'namespace', namespace]);
      if (file.includes('full')) await bed.kubectl(['create', 'namespace', 'previews']).catch(() => undefined);
      const manifest = await template(file, [], namespace);
      // Every namespaced object names its namespace (the release's, or watchNamespace for its Role).
      for (const object of objects(manifest)) assert.ok(['ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition'].includes(object.kind) || object.metadata.namespace, `${object.kind} has a namespace`);
      await bed.kubectl(['apply', '--dry-run=server', '-f', '-'], manifest);
      await bed.kubectl(['apply', '-f', '-'], manifest);
    }
  });

  test('the Deployment runs hardened, knows its namespace and name, and defaults environments to the release\'s image', async () => {
    const rendered = objects(await template(''));
    const deployment = rendered.find((o) => o.kind === 'Deployment')!;
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    assert.equal(deployment.spec.replicas, 2);
    assert.equal(pod.serviceAccountName, 'op-capturebox-operator');
    assert.deepEqual(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' });
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    assert.equal(container.image, 'ghcr.io/capturebox/capturebox-operator:0.1.0');
    const env = Object.fromEntries((container.env as Json[]).map((e) => [e.name, e.value ?? e.valueFrom]));
    assert.equal(env.CAPTUREBOX_OPERATOR_DEFAULT_IMAGE, 'ghcr.io/capturebox/capturebox:0.1.0');
    assert.equal(env.CAPTUREBOX_OPERATOR_LEASE_NAME, 'op-capturebox-operator');
    assert.deepEqual(env.POD_NAMESPACE, { fieldRef: { fieldPath: 'metadata.namespace' } });
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  });

  test('the operator pod passes the `restricted` Pod Security Standard; OpenShift mode leaves the UID and GID to the platform', async () => {
    // The pod securityContext helper is the app chart's, copied byte for byte (one rule for both charts).
    const helper = join('templates', '_pod-security-context.tpl');
    assert.equal(readFileSync(join(CHART, helper), 'utf8'), readFileSync(join(REPO_ROOT, 'charts', 'capturebox', helper), 'utf8'), `copy charts/capturebox/${helper} again`);
    const namespace = 'restricted-op';
    await bed.kubectl(['create', 'namespace', namespace]);
    await bed.kubectl(['label', 'namespace', namespace, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=latest']);
    await bed.kubectl(['create', 'serviceaccount', 'op-capturebox-operator', '-n', namespace]);
    const podOf = async (args: string[]) => {
      const deployment = objects(await template('', args, namespace)).find((o) => o.kind === 'Deployment')!;
      return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'from-deployment', namespace, labels: deployment.spec.template.metadata.labels }, spec: deployment.spec.template.spec };
    };
    const admit = (pod: Json) => bed.kubectl(['create', '--dry-run=server', '-f', '-'], JSON.stringify(pod));
    const platformFields = ['runAsUser', 'runAsGroup', 'fsGroup'];
    const plain = await podOf([]);
    await admit(plain);
    assert.equal(plain.spec.securityContext.runAsUser, 10001);
    for (const args of [['--api-versions', 'security.openshift.io/v1'], ['--set', 'openshift.adaptSecurityContext=force']]) {
      const pod = await podOf(args);
      await admit(pod);
      for (const field of platformFields) assert.ok(!(field in pod.spec.securityContext), `${args.join(' ')}: ${field}`);
      assert.equal(pod.spec.securityContext.runAsNonRoot, true);
    }
    const disabled = await podOf(['--api-versions', 'security.openshift.io/v1', '--set', 'openshift.adaptSecurityContext=disabled']);
    assert.equal(disabled.spec.securityContext.runAsUser, 10001, 'disabled renders podSecurityContext as given');
    // Admission really enforces: a container allowed to escalate privileges is refused.
    await assert.rejects(admit(await podOf(['--set', 'containerSecurityContext.allowPrivilegeEscalation=true'])), /violates PodSecurity "restricted:latest"/);
  });

  test('RBAC is least privilege: named verbs only, no Secret listing, the Lease by name, a Role when one namespace is watched', async () => {
    const rendered = objects(await template(''));
    const clusterRole = rendered.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'op-capturebox-operator')!;
    for (const rule of clusterRole.rules as Json[]) {
      assert.ok(!rule.verbs.includes('*') && !rule.resources.includes('*') && !rule.apiGroups.includes('*'), JSON.stringify(rule));
    }
    const secrets = (clusterRole.rules as Json[]).find((r) => r.resources.includes('secrets'))!;
    assert.deepEqual(secrets.verbs, ['get', 'create', 'patch']);
    const workloads = (clusterRole.rules as Json[]).find((r) => r.resources.includes('deployments'))!;
    assert.ok(!workloads.verbs.includes('delete'), 'deletion of what it owns is the garbage collector\'s job');
    // Every owned kind (environment/owned-kinds.ts) is granted what the operator does with it, and no more.
    for (const kind of OWNED_KINDS) {
      const rule = (clusterRole.rules as Json[]).find((r) => r.apiGroups.includes(kind.group) && r.resources.includes(kind.plural));
      assert.ok(rule, `no rule for ${kind.plural}`);
      const needed = ['get', 'create', 'patch', ...(kind.watched ? ['list', 'watch'] : []), ...(kind.prunable ? ['delete'] : [])];
      assert.deepEqual([...rule.verbs].sort(), needed.sort(), `${kind.plural}: ${rule.verbs.join(',')}`);
    }
    const leaseRole = rendered.find((o) => o.kind === 'Role' && o.metadata.name.endsWith('leader-election'))!;
    assert.deepEqual(leaseRole.rules[1], { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['op-capturebox-operator'], verbs: ['get', 'update'] });
    const scoped = objects(await template('ci/full-values.yaml'));
    // Only the user-facing roles aggregated into admin/edit/view are cluster-wide; the operator's own is a Role.
    assert.deepEqual(scoped.filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata.name).sort(), ['op-capturebox-operator-edit', 'op-capturebox-operator-view']);
    assert.equal(scoped.find((o) => o.kind === 'Role' && o.metadata.namespace === 'previews')!.rules.length, clusterRole.rules.length);
  });

  test('the optional ServiceMonitor matches the prometheus-operator model', async () => {
    const monitor = objects(await template('ci/full-values.yaml')).find((o) => o.kind === 'ServiceMonitor')!;
    new ServiceMonitorModel(monitor as never).validate();
    assert.equal(monitor.metadata.labels.release, 'prometheus');
    assert.ok(!objects(await template('')).some((o) => o.kind === 'ServiceMonitor'));
  });

  test('monitoring on the operator path: the appliance\'s dashboard (the app chart\'s, byte for byte) and a PrometheusRule on metrics that exist', async () => {
    const dashboard = 'capturebox.json';
    const copy = readFileSync(join(CHART, 'dashboards', dashboard), 'utf8');
    assert.equal(copy, readFileSync(join(REPO_ROOT, 'charts', 'capturebox', 'dashboards', dashboard), 'utf8'), 'copy charts/capturebox/dashboards/* again');
    const rules = join('rules', 'capturebox.rules.yaml');
    assert.equal(readFileSync(join(CHART, rules), 'utf8'), readFileSync(join(REPO_ROOT, 'charts', 'capturebox', rules), 'utf8'), `copy charts/capturebox/${rules} again`);
    const rendered = objects(await template('', ['--set', 'metrics.prometheusRule.enabled=true', '--set', 'metrics.prometheusRule.labels.release=prometheus', '--set', 'metrics.dashboard.enabled=true']));
    const configMap = rendered.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'op-capturebox-operator-dashboard')!;
    assert.equal(configMap.data[dashboard], copy.replace(/\n$/, ''));
    assert.equal(configMap.metadata.labels.grafana_dashboard, '1');
    const rule = rendered.find((o) => o.kind === 'PrometheusRule')!;
    new PrometheusRuleModel(rule as never).validate();
    assert.equal(rule.metadata.labels.release, 'prometheus');
    const alerts = (rule.spec.groups as Json[]).flatMap((g) => g.rules as Json[]);
    assert.deepEqual(alerts.map((a) => a.alert), ['CaptureEnvironmentNotReady', 'CaptureEnvironmentCertificateExpiring', 'CaptureboxStoreErrors', 'CaptureboxRefusingMail451']);
    // Every metric an alert reads is one the operator or the appliance exports.
    const operatorMetrics = (await new OperatorMetrics({ queueDepth: () => 0, queueDelayed: () => 0, environments: () => 0 }).registry.getMetricsAsJSON()).map((m) => m.name);
    const applianceMetrics = [...readFileSync(join(REPO_ROOT, 'apps', 'capture', 'src', 'metrics', 'capture-metrics.ts'), 'utf8').matchAll(/name: '(capturebox_[a-z_]+)'/g)].map((m) => m[1]);
    for (const alert of alerts) {
      for (const [name] of String(alert.expr).matchAll(/capturebox_[a-z_]+/g)) {
        assert.ok(operatorMetrics.includes(name) || applianceMetrics.includes(name), `${alert.alert} reads ${name}, which nothing exports`);
      }
    }
    assert.ok(!objects(await template('')).some((o) => o.kind === 'PrometheusRule' || o.kind === 'ConfigMap'), 'both off by default');
  });

  test('values.schema.json rejects wrong types and unknown keys; the templates refuse what cannot work', async () => {
    const bad: Array<[string[], RegExp]> = [
      [['--set', 'replicaCount=two'], /replicaCount/],
      [['--set', 'logLevel=loud'], /logLevel/],
      [['--set', 'unknownKey=1'], /unknownKey|additional/i],
      [['--set', 'leaderElection.leaseDuration=3'], /leaseDuration|additional/i],
      [['--set', 'watchNamespace=Not_A_Namespace'], /watchNamespace/],
    ];
    for (const [args, pattern] of bad) {
      await assert.rejects(template('', args), (error: Error) => {
        assert.match(error.message, pattern, args.join(' '));
        return true;
      });
    }
    await assert.rejects(template('', ['--set', 'leaderElection.enabled=false']), /replicaCount > 1 needs leaderElection\.enabled/);
  });

  test('the examples have distinct names: all three apply into one namespace, each valid for the operator', async () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort();
    assert.deepEqual(files, ['cert-manager-servicemonitor.yaml', 'minimal.yaml', 'mongodb.yaml']);
    await bed.kubectl(['create', 'namespace', 'examples']);
    for (const file of files) {
      await bed.kubectl(['apply', '-n', 'examples', '-f', join(EXAMPLES, file)]);
      for (const object of objects(readFileSync(join(EXAMPLES, file), 'utf8')).filter((o) => o.kind === 'CaptureEnvironment')) {
        parseEnvironmentSpec(object.spec);
      }
    }
    const { stdout } = await bed.kubectl(['get', 'captureenvironments', '-n', 'examples', '-o', 'jsonpath={.items[*].metadata.name}']);
    assert.equal(stdout.split(' ').length, 3, `three environments side by side: ${stdout}`);
  });

  test('crds.enabled: an existing CRD is adopted as the README says, helm upgrade updates it, helm uninstall keeps it and the environments', async () => {
    const namespace = 'crds-release';
    const crd = 'crd/captureenvironments.capturebox.dev';
    const descriptionOf = async () => (await bed.kubectl(['get', crd, '-o', 'jsonpath={.spec.versions[0].schema.openAPIV3Schema.description}'])).stdout;
    // The chart as a previous version shipped it: a CRD that says something else.
    const previous = mkdtempSync(join(tmpdir(), 'capturebox-operator-previous-'));
    try {
      cpSync(CHART, previous, { recursive: true });
      const crdFile = join(previous, CHART_CRD);
      writeFileSync(crdFile, readFileSync(crdFile, 'utf8').replace(/(openAPIV3Schema:\n\s+type: object\n\s+description: ).*/, '$1The previous CRD.'));
      const install = ['install', 'crds', previous, '--namespace', namespace, '--create-namespace', '--set', 'replicaCount=1', '--set', 'leaderElection.enabled=false'];
      // The CRD the test bed applied (as `kubectl apply -f crds/`, or an older chart's crds/) is not Helm's yet.
      await assert.rejects(bed.exec('helm', install), /invalid ownership metadata/);
      await bed.kubectl(['label', crd, 'app.kubernetes.io/managed-by=Helm', '--overwrite']);
      await bed.kubectl(['annotate', crd, `meta.helm.sh/release-name=crds`, `meta.helm.sh/release-namespace=${namespace}`, '--overwrite']);
      await bed.exec('helm', install);
      assert.equal(await descriptionOf(), 'The previous CRD.');
    } finally {
      rmSync(previous, { recursive: true, force: true });
    }
    await bed.kubectl(['apply', '-n', namespace, '-f', join(EXAMPLES, 'minimal.yaml')]);
    await bed.exec('helm', ['upgrade', 'crds', CHART, '--namespace', namespace, '--set', 'replicaCount=1', '--set', 'leaderElection.enabled=false']);
    assert.equal(await descriptionOf(), (captureEnvironmentCrd() as Json).spec.versions[0].schema.openAPIV3Schema.description, 'helm upgrade updated the CRD');
    const { stdout } = await bed.exec('helm', ['uninstall', 'crds', '--namespace', namespace]);
    assert.match(stdout, /kept due to the resource policy/);
    await bed.kubectl(['get', crd]);
    const left = (await bed.kubectl(['get', 'captureenvironments', '-n', namespace, '-o', 'name'])).stdout.trim();
    assert.notEqual(left, '', 'the environments outlive the chart');
  });

  test('as a dependency of an umbrella chart (Helm passes `global`), it renders and installs', async () => {
    const umbrella = mkdtempSync(join(tmpdir(), 'capturebox-umbrella-'));
    try {
      writeFileSync(join(umbrella, 'Chart.yaml'), 'apiVersion: v2\nname: platform\nversion: 1.0.0\ndependencies:\n  - name: capturebox-operator\n    version: ">=0.0.0-0"\n');
      // The test bed's CRD belongs to another release (the crds.enabled test's): this one leaves it alone.
      writeFileSync(join(umbrella, 'values.yaml'), 'global:\n  imageRegistry: registry.example.com\ncapturebox-operator:\n  replicaCount: 1\n  crds:\n    enabled: false\n');
      mkdirSync(join(umbrella, 'charts'));
      cpSync(CHART, join(umbrella, 'charts', 'capturebox-operator'), { recursive: true });
      await bed.exec('helm', ['lint', '--strict', umbrella]);
      await bed.exec('helm', ['install', 'platform', umbrella, '--namespace', 'platform', '--create-namespace']);
      const deployment = (await bed.get<Json>('deployment', 'platform-capturebox-operator', 'platform'))!;
      assert.equal(deployment.spec.replicas, 1, 'the parent\'s values reach the dependency');
    } finally {
      rmSync(umbrella, { recursive: true, force: true });
    }
  });

  test('a user bound only to the built-in edit role manages CaptureEnvironments in the namespace; view reads them', async () => {
    // The ClusterRoles of the first test's installs carry the aggregate-to-* labels.
    const aggregated = objects(await template('')).filter((o) => o.kind === 'ClusterRole' && o.metadata.labels['rbac.authorization.k8s.io/aggregate-to-edit']);
    assert.equal(aggregated.length, 1);
    await bed.kubectl(['create', 'namespace', 'team-a']);
    await bed.kubectl(['create', 'rolebinding', 'alice-edit', '--clusterrole=edit', '--user=alice', '-n', 'team-a']);
    await bed.kubectl(['create', 'rolebinding', 'bob-view', '--clusterrole=view', '--user=bob', '-n', 'team-a']);
    const can = async (user: string, verb: string) => (await bed.kubectl(['auth', 'can-i', verb, 'captureenvironments.capturebox.dev', '-n', 'team-a', `--as=${user}`]).catch((e) => e)).stdout?.trim();
    await eventually(async () => (await can('alice', 'create')) === 'yes', 'the aggregation controller to add captureenvironments to edit', 30_000);
    const environment = { apiVersion: 'capturebox.dev/v1alpha1', kind: 'CaptureEnvironment', metadata: { name: 'alices', namespace: 'team-a' }, spec: { ttl: '1h' } };
    await bed.kubectl(['create', '-f', '-', '--as=alice'], JSON.stringify(environment));
    await bed.kubectl(['delete', 'captureenvironment', 'alices', '-n', 'team-a', '--as=alice', '--wait=false']);
    await eventually(async () => (await can('bob', 'list')) === 'yes', 'view to read captureenvironments', 30_000);
    assert.equal(await can('bob', 'create'), 'no');
    await assert.rejects(bed.kubectl(['create', '-f', '-', '--as=bob'], JSON.stringify(environment)), /forbidden/);
    // Status is the operator's: not even edit may write it.
    assert.equal((await bed.kubectl(['auth', 'can-i', 'patch', 'captureenvironments.capturebox.dev', '--subresource=status', '-n', 'team-a', '--as=alice']).catch((e) => e)).stdout?.trim(), 'no');
  });

  test('the API server\'s published schema (what kubectl explain reads) has no empty description', async () => {
    const document = JSON.parse((await bed.kubectl(['get', '--raw', '/openapi/v3/apis/capturebox.dev/v1alpha1'])).stdout);
    const schemas = document.components.schemas as Record<string, Json>;
    const root = Object.entries(schemas).find(([name]) => name.endsWith('.CaptureEnvironment'))![1];
    const missing: string[] = [];
    const walk = (schema: Json, at: string) => {
      for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
        // The standard ObjectMeta is a reference to Kubernetes' own documented schema.
        const target = child.allOf?.[0]?.$ref ? undefined : child;
        if (!target) continue;
        if (!String(target.description ?? '').trim()) missing.push(`${at}.${name}`);
        walk(target, `${at}.${name}`);
        if (target.items) walk(target.items, `${at}.${name}[]`);
      }
    };
    walk(root, 'captureenvironment');
    assert.deepEqual(missing, []);
  });
});
