// The operator's Helm chart and the examples, checked by the real tools: helm lint --strict, every values
// file rendered and accepted by a real kube-apiserver, the values schema refusing bad values, least-
// privilege RBAC, the chart's CRD identical to crds/, and each example accepted by the CRD's schema.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceMonitor as ServiceMonitorModel } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { parseAllDocuments } from 'yaml';
import { OWNED_KINDS, parseEnvironmentSpec } from '../environment';
import { REPO_ROOT, Testbed, installCrds } from './support/testbed';

const CHART = join(REPO_ROOT, 'charts', 'capturebox-operator');
const VALUES_FILES = ['', 'ci/full-values.yaml', 'ci/single-values.yaml'];
const EXAMPLES = join(REPO_ROOT, 'examples');
type Json = Record<string, any>;

const objects = (manifest: string): Json[] => parseAllDocuments(manifest).map((d) => d.toJSON()).filter(Boolean);
const valuesArgs = (file: string) => (file ? ['-f', join(CHART, file)] : []);

describe('Helm chart charts/capturebox-operator and examples/', () => {
  let bed: Testbed;
  before(async () => {
    bed = await Testbed.start();
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

  test('the chart ships the CRD of crds/, byte for byte', () => {
    assert.deepEqual(readdirSync(join(CHART, 'crds')), ['captureenvironments.capturebox.dev.yaml']);
    const name = 'captureenvironments.capturebox.dev.yaml';
    assert.equal(readFileSync(join(CHART, 'crds', name), 'utf8'), readFileSync(join(REPO_ROOT, 'crds', name), 'utf8'));
  });

  test('each values file renders manifests the API server accepts (server-side dry run, then for real)', async () => {
    for (const [i, file] of VALUES_FILES.entries()) {
      const namespace = `op-${i}`;
      await bed.kubectl(['create', 'namespace', namespace]);
      if (file.includes('full')) await bed.kubectl(['create', 'namespace', 'previews']).catch(() => undefined);
      const manifest = await template(file, [], namespace);
      // Every namespaced object names its namespace (the release's, or watchNamespace for its Role).
      for (const object of objects(manifest)) assert.ok(['ClusterRole', 'ClusterRoleBinding'].includes(object.kind) || object.metadata.namespace, `${object.kind} has a namespace`);
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

  test('RBAC is least privilege: named verbs only, no Secret listing, the Lease by name, a Role when one namespace is watched', async () => {
    const rendered = objects(await template(''));
    const clusterRole = rendered.find((o) => o.kind === 'ClusterRole')!;
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
    assert.ok(!scoped.some((o) => o.kind === 'ClusterRole'));
    assert.equal(scoped.find((o) => o.kind === 'Role' && o.metadata.namespace === 'previews')!.rules.length, clusterRole.rules.length);
  });

  test('the optional ServiceMonitor matches the prometheus-operator model', async () => {
    const monitor = objects(await template('ci/full-values.yaml')).find((o) => o.kind === 'ServiceMonitor')!;
    new ServiceMonitorModel(monitor as never).validate();
    assert.equal(monitor.metadata.labels.release, 'prometheus');
    assert.ok(!objects(await template('')).some((o) => o.kind === 'ServiceMonitor'));
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

  test('every example is a valid CaptureEnvironment for the API server and for the operator', async () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort();
    assert.deepEqual(files, ['cert-manager-servicemonitor.yaml', 'minimal.yaml', 'mongodb.yaml']);
    await bed.kubectl(['create', 'namespace', 'examples']);
    for (const file of files) {
      await bed.kubectl(['apply', '--dry-run=server', '-n', 'examples', '-f', join(EXAMPLES, file)]);
      for (const object of objects(readFileSync(join(EXAMPLES, file), 'utf8')).filter((o) => o.kind === 'CaptureEnvironment')) {
        parseEnvironmentSpec(object.spec);
      }
    }
  });
});
