// The desired-state builders, option by option: what each spec field turns into.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container, V1Deployment, V1EnvVar, V1PersistentVolumeClaim, V1PodDisruptionBudget, V1Secret, V1Service } from '@kubernetes/client-node';
import { Certificate as CertificateModel } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { ServiceMonitor as ServiceMonitorModel } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import {
  ADMIN_KEY_DIGEST_ANNOTATION,
  MONGODB_URI_DIGEST_ANNOTATION,
  buildApiKeySecret,
  buildCertificate,
  buildDataClaim,
  buildDeployment,
  buildService,
  buildServiceMonitor,
  desiredState,
  generateApiKey,
  isOwnedBy,
  withDatabase,
  type Certificate,
  type ServiceMonitor,
} from './index';
import { DEFAULT_IMAGE, environmentFixture } from './testing';

function build(spec: Record<string, unknown> = {}, inputs: { mongodbUri?: string } = {}) {
  const { environment, spec: parsed } = environmentFixture(spec);
  const state = desiredState(environment, parsed, { defaultImage: DEFAULT_IMAGE, ...inputs });
  const find = <T>(kind: string) => state.apply.find((o) => o.kind === kind) as T | undefined;
  const deployment = find<V1Deployment>('Deployment')!;
  const container = deployment.spec!.template.spec!.containers[0] as V1Container;
  return {
    environment,
    state,
    deployment,
    container,
    service: find<V1Service>('Service')!,
    certificate: find<Certificate>('Certificate'),
    monitor: find<ServiceMonitor>('ServiceMonitor'),
    claim: find<V1PersistentVolumeClaim>('PersistentVolumeClaim'),
    mongoSecret: find<V1Secret>('Secret'),
    kinds: state.apply.map((o) => o.kind),
  };
}

const envOf = (container: V1Container) => Object.fromEntries((container.env ?? []).map((e: V1EnvVar) => [e.name, e.value ?? e.valueFrom]));
const MONGO_SPEC = { replicas: 3, storage: { type: 'mongodb', mongodb: { secretRef: { name: 'mongo' } } } };

describe('desired state: defaults', () => {
  test('a minimal environment is a PVC, a Service and a Deployment (in that order), nothing optional', () => {
    const { kinds, state } = build();
    assert.deepEqual(kinds, ['PersistentVolumeClaim', 'Service', 'Deployment']);
    assert.deepEqual(
      state.absent.map((r) => r.kind),
      ['Certificate', 'PodDisruptionBudget', 'ServiceMonitor'],
    );
  });

  test('every object is labelled and controlled by the environment, in its namespace', () => {
    const { state, environment } = build({ tls: { issuerRef: { name: 'ca' } }, metrics: { serviceMonitor: true } });
    for (const object of state.apply) {
      assert.equal(object.metadata!.namespace, 'preview-42', object.kind);
      assert.deepEqual(object.metadata!.ownerReferences, [
        { apiVersion: 'capturebox.dev/v1alpha1', kind: 'CaptureEnvironment', name: 'mail', uid: environment.metadata.uid, controller: true, blockOwnerDeletion: true },
      ]);
      assert.equal(object.metadata!.labels!['app.kubernetes.io/managed-by'], 'capturebox-operator');
      assert.equal(object.metadata!.labels!['capturebox.dev/environment'], 'mail');
      assert.ok(isOwnedBy(object as never, environment));
    }
    assert.ok(!isOwnedBy({ metadata: { ownerReferences: [{ apiVersion: 'x', kind: 'CaptureEnvironment', name: 'mail', uid: 'other' }] } }, environment));
  });

  test('the pod runs the capture image as the Helm chart does: non-root, read-only root fs, no capabilities, seccomp', () => {
    const { deployment, container } = build();
    const pod = deployment.spec!.template.spec!;
    assert.equal(container.image, DEFAULT_IMAGE);
    assert.equal(container.imagePullPolicy, 'IfNotPresent');
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.imagePullSecrets, undefined);
    assert.deepEqual(container.startupProbe!.httpGet, { path: '/healthz', port: 'http', scheme: 'HTTP' });
    assert.deepEqual(container.livenessProbe!.httpGet, { path: '/healthz', port: 'http', scheme: 'HTTP' });
    assert.deepEqual(container.readinessProbe!.httpGet, { path: '/readyz', port: 'http', scheme: 'HTTP' });
    assert.deepEqual(container.ports!.map((p) => [p.name, p.containerPort]), [['smtp', 5587], ['http', 8080]]);
    assert.deepEqual(container.volumeMounts!.map((m) => m.mountPath), ['/data', '/tmp']);
    assert.deepEqual(deployment.spec!.selector.matchLabels, { 'app.kubernetes.io/name': 'capturebox', 'app.kubernetes.io/instance': 'mail' });
    for (const [k, v] of Object.entries(deployment.spec!.selector.matchLabels!)) assert.equal(deployment.spec!.template.metadata!.labels![k], v);
  });

  test('the environment variables are the chart\'s CAPTUREBOX_* names, with the admin key from the Secret', () => {
    const { container } = build();
    assert.deepEqual(envOf(container), {
      CAPTUREBOX_SMTP_PORT: '5587',
      CAPTUREBOX_HTTP_PORT: '8080',
      CAPTUREBOX_DATA_DIR: '/data',
      CAPTUREBOX_SMTP_AUTH: 'required',
      CAPTUREBOX_SMTP_MAX_BYTES: '1048576',
      CAPTUREBOX_SMTP_PROXY_PROTOCOL: 'false',
      CAPTUREBOX_PUBLIC_INBOXES: 'true',
      CAPTUREBOX_RETENTION_MAX_MESSAGES_PER_INBOX: '1000',
      CAPTUREBOX_RETENTION_MAX_AGE_HOURS: '168',
      CAPTUREBOX_LOG_LEVEL: 'info',
      CAPTUREBOX_SHUTDOWN_TIMEOUT_MS: '25000',
      CAPTUREBOX_ADMIN_USER: 'admin',
      CAPTUREBOX_ADMIN_API_KEY: { secretKeyRef: { name: 'mail-admin', key: 'api-key' } },
    });
  });

  test('the Service exposes SMTP and HTTP by port name', () => {
    const { service } = build();
    assert.equal(service.metadata!.name, 'mail');
    assert.equal(service.spec!.type, 'ClusterIP');
    assert.deepEqual(service.spec!.ports!.map((p) => [p.name, p.port, p.targetPort]), [['smtp', 5587, 'smtp'], ['http', 8080, 'http']]);
    assert.deepEqual(service.spec!.selector, { 'app.kubernetes.io/name': 'capturebox', 'app.kubernetes.io/instance': 'mail' });
  });

  test('default resources are the chart\'s', () => {
    assert.deepEqual(build().container.resources, { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } });
  });
});

describe('desired state: each spec option', () => {
  test('image, imagePullPolicy and imagePullSecrets', () => {
    const { container, deployment } = build({ image: 'registry.example.com/capturebox:9.9.9', imagePullPolicy: 'Always', imagePullSecrets: [{ name: 'regcred' }] });
    assert.equal(container.image, 'registry.example.com/capturebox:9.9.9');
    assert.equal(container.imagePullPolicy, 'Always');
    assert.deepEqual(deployment.spec!.template.spec!.imagePullSecrets, [{ name: 'regcred' }]);
  });

  test('replicas', () => {
    assert.equal(build({ replicas: 0 }).deployment.spec!.replicas, 0);
    assert.equal(build(MONGO_SPEC, { mongodbUri: 'mongodb://db:27017' }).deployment.spec!.replicas, 3);
  });

  test('smtp: maxMessageBytes, auth, proxyProtocol and hostname become the service\'s settings', () => {
    const env = envOf(build({ smtp: { maxMessageBytes: 26214400, auth: 'off', proxyProtocol: true, hostname: 'mx.preview.test' } }).container);
    assert.equal(env.CAPTUREBOX_SMTP_MAX_BYTES, '26214400');
    assert.equal(env.CAPTUREBOX_SMTP_AUTH, 'off');
    assert.equal(env.CAPTUREBOX_SMTP_PROXY_PROTOCOL, 'true');
    assert.equal(env.CAPTUREBOX_SMTP_HOSTNAME, 'mx.preview.test');
    assert.equal(envOf(build({ smtp: { auth: 'optional' } }).container).CAPTUREBOX_SMTP_AUTH, 'optional');
  });

  test('chaos: the rules go to the pods as CAPTUREBOX_CHAOS, the admin API\'s JSON; none, no variable', () => {
    const rules = [
      { kind: 'refuse', stage: 'rcpt', code: 550, text: '5.1.1 No such user', times: 1, scope: { address: 'bob@example.test' } },
      { kind: 'rate_limit', messages: 10, intervalMs: 60000 },
    ];
    assert.deepEqual(JSON.parse(String(envOf(build({ chaos: rules }).container).CAPTUREBOX_CHAOS)), rules);
    assert.equal(envOf(build({}).container).CAPTUREBOX_CHAOS, undefined);
    assert.equal(envOf(build({ chaos: [] }).container).CAPTUREBOX_CHAOS, undefined);
  });

  test('smtp.implicitTls adds Service port 465 in front of an unprivileged container port', () => {
    const { container, service } = build({ smtp: { implicitTls: true } });
    // The container runs as non-root with every capability dropped: binding 465 fails with EACCES there.
    assert.equal(envOf(container).CAPTUREBOX_SMTPS_PORT, '5465');
    assert.deepEqual(container.ports!.map((p) => [p.name, p.containerPort]), [['smtp', 5587], ['smtps', 5465], ['http', 8080]]);
    assert.ok(container.ports!.every((p) => p.containerPort >= 1024));
    assert.deepEqual(service.spec!.ports!.map((p) => [p.name, p.port]), [['smtp', 5587], ['smtps', 465], ['http', 8080]]);
  });

  test('tls.issuerRef: a cert-manager Certificate for the Service names, mounted from <name>-tls', () => {
    const { certificate, container, deployment, state } = build({ tls: { issuerRef: { name: 'internal-ca', kind: 'ClusterIssuer' } } });
    assert.ok(certificate);
    new CertificateModel(certificate as never).validate();
    assert.equal(certificate.metadata.name, 'mail');
    assert.equal(certificate.spec.secretName, 'mail-tls');
    assert.deepEqual(certificate.spec.issuerRef, { name: 'internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
    assert.deepEqual(certificate.spec.dnsNames, ['mail', 'mail.preview-42', 'mail.preview-42.svc', 'mail.preview-42.svc.cluster.local']);
    assert.deepEqual(certificate.spec.usages, ['server auth']);
    assert.equal(certificate.spec.duration, undefined);
    assert.ok(!state.absent.some((r) => r.kind === 'Certificate'));
    const env = envOf(container);
    assert.equal(env.CAPTUREBOX_TLS_CERT_FILE, '/etc/capturebox/tls/tls.crt');
    assert.equal(env.CAPTUREBOX_TLS_KEY_FILE, '/etc/capturebox/tls/tls.key');
    assert.equal(env.CAPTUREBOX_HTTP_TLS, 'false');
    assert.deepEqual(deployment.spec!.template.spec!.volumes!.find((v) => v.name === 'tls'), { name: 'tls', secret: { secretName: 'mail-tls' } });
    assert.deepEqual(container.volumeMounts!.find((m) => m.name === 'tls'), { name: 'tls', mountPath: '/etc/capturebox/tls', readOnly: true });
  });

  test('tls.issuerRef kind and group default to a namespaced cert-manager Issuer; dnsNames, duration and renewBefore pass through', () => {
    const { certificate } = build({ tls: { issuerRef: { name: 'ca' }, dnsNames: ['smtp.preview.test'], duration: '720h', renewBefore: '240h' } });
    new CertificateModel(certificate as never).validate();
    assert.deepEqual(certificate!.spec.issuerRef, { name: 'ca', kind: 'Issuer', group: 'cert-manager.io' });
    assert.deepEqual(certificate!.spec.dnsNames, ['smtp.preview.test']);
    assert.equal(certificate!.spec.duration, '720h');
    assert.equal(certificate!.spec.renewBefore, '240h');
  });

  test('tls.existingSecret: mounted as it is, no Certificate', () => {
    const { certificate, deployment, state, container } = build({ tls: { existingSecret: 'my-tls' } });
    assert.equal(certificate, undefined);
    assert.ok(state.absent.some((r) => r.kind === 'Certificate'));
    assert.deepEqual(deployment.spec!.template.spec!.volumes!.find((v) => v.name === 'tls'), { name: 'tls', secret: { secretName: 'my-tls' } });
    assert.equal(envOf(container).CAPTUREBOX_TLS_CERT_FILE, '/etc/capturebox/tls/tls.crt');
  });

  test('tls.http: HTTPS for the API, the probes and the ServiceMonitor', () => {
    const { container, monitor } = build({ tls: { issuerRef: { name: 'ca' }, http: true }, metrics: { serviceMonitor: true } });
    assert.equal(envOf(container).CAPTUREBOX_HTTP_TLS, 'true');
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) assert.equal(probe!.httpGet!.scheme, 'HTTPS');
    assert.equal(monitor!.spec.endpoints[0].scheme, 'https');
    assert.deepEqual(monitor!.spec.endpoints[0].tlsConfig, { insecureSkipVerify: true });
    new ServiceMonitorModel(monitor as never).validate();
  });

  test('storage embedded: a ReadWriteOnce claim of the asked size and class, Recreate rollouts', () => {
    const { claim, deployment } = build({ storage: { embedded: { size: '5Gi', storageClassName: 'fast' } } });
    assert.equal(claim!.metadata!.name, 'mail-data');
    assert.deepEqual(claim!.spec, { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } });
    assert.deepEqual(deployment.spec!.strategy, { type: 'Recreate' });
    assert.deepEqual(deployment.spec!.template.spec!.volumes![0], { name: 'data', persistentVolumeClaim: { claimName: 'mail-data' } });
    assert.equal(build().claim!.spec!.storageClassName, undefined);
    assert.equal(build().claim!.spec!.resources!.requests!.storage, '1Gi');
  });

  test('storage mongodb: the environment\'s own database in a Secret of its own, rolling updates, no claim', () => {
    const { claim, deployment, container, mongoSecret, kinds } = build(MONGO_SPEC, { mongodbUri: 'mongodb://user:pw@db-0.db:27017,db-1.db:27017/admin?replicaSet=rs0' });
    assert.equal(claim, undefined);
    assert.deepEqual(kinds, ['Secret', 'Service', 'PodDisruptionBudget', 'Deployment']);
    assert.equal(mongoSecret!.metadata!.name, 'mail-mongodb');
    assert.equal(Buffer.from(mongoSecret!.data!.uri, 'base64').toString(), 'mongodb://user:pw@db-0.db:27017,db-1.db:27017/capturebox_preview-42_mail?replicaSet=rs0');
    assert.deepEqual(envOf(container).CAPTUREBOX_MONGODB_URI, { secretKeyRef: { name: 'mail-mongodb', key: 'uri' } });
    assert.deepEqual(deployment.spec!.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    assert.deepEqual(deployment.spec!.template.spec!.volumes![0], { name: 'data', emptyDir: { sizeLimit: '16Mi' } });
  });

  test('storage mongodb: a named database; a changed connection string rolls the pods (digest annotation)', () => {
    const spec = { ...MONGO_SPEC, storage: { type: 'mongodb', mongodb: { secretRef: { name: 'mongo', key: 'connection' }, database: 'team_a' } } };
    const first = build(spec, { mongodbUri: 'mongodb+srv://cluster.example.net' });
    assert.equal(Buffer.from(first.mongoSecret!.data!.uri, 'base64').toString(), 'mongodb+srv://cluster.example.net/team_a');
    const again = build(spec, { mongodbUri: 'mongodb+srv://cluster.example.net' });
    const changed = build(spec, { mongodbUri: 'mongodb+srv://other.example.net' });
    const digest = (d: V1Deployment) => d.spec!.template.metadata!.annotations?.[MONGODB_URI_DIGEST_ANNOTATION];
    assert.match(digest(first.deployment)!, /^[0-9a-f]{16}$/);
    assert.equal(digest(again.deployment), digest(first.deployment));
    assert.notEqual(digest(changed.deployment), digest(first.deployment));
    assert.equal(build().deployment.spec!.template.metadata!.annotations, undefined);
  });

  test('replicas > 1: a PodDisruptionBudget lets a drain take one pod at a time; none for one pod', () => {
    const { state, kinds } = build(MONGO_SPEC, { mongodbUri: 'mongodb://db:27017' });
    const budget = state.apply.find((o) => o.kind === 'PodDisruptionBudget') as V1PodDisruptionBudget;
    assert.equal(budget.apiVersion, 'policy/v1');
    assert.deepEqual(budget.spec, { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'capturebox', 'app.kubernetes.io/instance': 'mail' } } });
    assert.ok(kinds.indexOf('PodDisruptionBudget') < kinds.indexOf('Deployment'));
    assert.ok(build({ replicas: 1 }).state.absent.some((r) => r.kind === 'PodDisruptionBudget' && r.name === 'mail'), 'pruned when back to one pod');
  });

  test('the connection Secret: what an application takes with envFrom, password and CA included', () => {
    const { environment, spec } = environmentFixture({ tls: { issuerRef: { name: 'ca' }, http: true } });
    const state = desiredState(environment, spec, { defaultImage: DEFAULT_IMAGE, apiKey: 'cbx_k', caCertificate: '-----BEGIN CERTIFICATE-----\n' });
    const secret = state.apply.find((o) => o.metadata?.name === 'mail-connection') as V1Secret;
    const values = Object.fromEntries(Object.entries(secret.data!).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    assert.deepEqual(values, {
      SMTP_HOST: 'mail.preview-42.svc',
      SMTP_PORT: '5587',
      SMTP_USERNAME: 'admin',
      SMTP_PASSWORD: 'cbx_k',
      CAPTUREBOX_API_URL: 'https://mail.preview-42.svc:8080',
      CAPTUREBOX_API_KEY: 'cbx_k',
      SMTP_TLS_CA: '-----BEGIN CERTIFICATE-----\n',
    });
    for (const key of Object.keys(values)) assert.match(key, /^[A-Z_][A-Z0-9_]*$/, 'a valid environment variable name');
    assert.ok(isOwnedBy(secret, environment));
    assert.equal(build().state.apply.some((o) => o.metadata?.name === 'mail-connection'), false, 'no key read, no Secret');
  });

  test('the admin key\'s digest is on the pod template: a new key rolls the pods', () => {
    const { environment, spec } = environmentFixture();
    const digest = (apiKey: string) =>
      (desiredState(environment, spec, { defaultImage: DEFAULT_IMAGE, apiKey }).apply.find((o) => o.kind === 'Deployment') as V1Deployment).spec!.template.metadata!.annotations![ADMIN_KEY_DIGEST_ANNOTATION];
    assert.match(digest('cbx_a'), /^[0-9a-f]{16}$/);
    assert.equal(digest('cbx_a'), digest('cbx_a'));
    assert.notEqual(digest('cbx_b'), digest('cbx_a'));
  });

  test('storage mongodb without the connection string as an input is a programming error', () => {
    const { environment, spec } = environmentFixture(MONGO_SPEC);
    assert.throws(() => desiredState(environment, spec, { defaultImage: DEFAULT_IMAGE }), /connection string/);
  });

  test('privacy: publicInboxes and adminUsername', () => {
    const { environment, spec } = environmentFixture({ privacy: { publicInboxes: false, adminUsername: 'ci-bot' } });
    const env = envOf(buildDeployment(environment, spec, { defaultImage: DEFAULT_IMAGE }).spec!.template.spec!.containers[0]);
    assert.equal(env.CAPTUREBOX_PUBLIC_INBOXES, 'false');
    assert.equal(env.CAPTUREBOX_ADMIN_USER, 'ci-bot');
    const secret = buildApiKeySecret(environment, spec, 'cbx_key');
    assert.equal(Buffer.from(secret.data!.username, 'base64').toString(), 'ci-bot');
  });

  test('retention: per-inbox count and age', () => {
    const env = envOf(build({ retention: { maxMessagesPerInbox: 0, maxAgeHours: 24 } }).container);
    assert.equal(env.CAPTUREBOX_RETENTION_MAX_MESSAGES_PER_INBOX, '0');
    assert.equal(env.CAPTUREBOX_RETENTION_MAX_AGE_HOURS, '24');
  });

  test('resources pass through, numbers as quantities', () => {
    const { container } = build({ resources: { requests: { cpu: 1, memory: '256Mi' } } });
    assert.deepEqual(container.resources, { requests: { cpu: '1', memory: '256Mi' }, limits: undefined });
  });

  test('metrics.serviceMonitor, interval and labels', () => {
    const { monitor, state } = build({ metrics: { serviceMonitor: true, interval: '15s', labels: { release: 'prometheus' } } });
    assert.ok(monitor);
    new ServiceMonitorModel(monitor as never).validate();
    assert.equal(monitor.metadata.labels!.release, 'prometheus');
    assert.equal(monitor.metadata.labels!['app.kubernetes.io/managed-by'], 'capturebox-operator');
    assert.deepEqual(monitor.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'capturebox', 'app.kubernetes.io/instance': 'mail' });
    assert.deepEqual(monitor.spec.namespaceSelector, { matchNames: ['preview-42'] });
    assert.deepEqual(monitor.spec.endpoints, [{ port: 'http', path: '/metrics', interval: '15s', scheme: 'http' }]);
    assert.ok(!state.absent.some((r) => r.kind === 'ServiceMonitor'));
  });

  test('logLevel', () => {
    assert.equal(envOf(build({ logLevel: 'debug' }).container).CAPTUREBOX_LOG_LEVEL, 'debug');
  });

  test('the optional builders return nothing when not asked for', () => {
    const { environment, spec } = environmentFixture(MONGO_SPEC);
    assert.equal(buildCertificate(environment, spec), undefined);
    assert.equal(buildServiceMonitor(environment, spec), undefined);
    assert.equal(buildDataClaim(environment, spec), undefined);
    assert.equal(buildService(environment, spec).spec!.ports!.length, 2);
  });
});

describe('the API-key Secret and MongoDB URIs', () => {
  test('generated keys look like the capture service\'s: cbx_ and 43 base64url characters, never twice the same', () => {
    const keys = new Set(Array.from({ length: 50 }, generateApiKey));
    assert.equal(keys.size, 50);
    for (const key of keys) assert.match(key, /^cbx_[A-Za-z0-9_-]{43}$/);
  });

  test('the Secret holds the key under api-key (the chart\'s key) and the username', () => {
    const { environment, spec } = environmentFixture();
    const secret = buildApiKeySecret(environment, spec, 'cbx_example');
    assert.equal(secret.metadata!.name, 'mail-admin');
    assert.equal(secret.type, 'Opaque');
    assert.deepEqual(Object.keys(secret.data!), ['api-key', 'username']);
    assert.equal(Buffer.from(secret.data!['api-key'], 'base64').toString(), 'cbx_example');
  });

  test('withDatabase replaces or adds the path and keeps credentials, hosts and options', () => {
    assert.equal(withDatabase('mongodb://h:27017', 'db'), 'mongodb://h:27017/db');
    assert.equal(withDatabase('mongodb://h:27017/', 'db'), 'mongodb://h:27017/db');
    assert.equal(withDatabase('mongodb://u:p@h/old?authSource=admin', 'db'), 'mongodb://u:p@h/db?authSource=admin');
    assert.equal(withDatabase('mongodb://h?tls=true', 'db'), 'mongodb://h/db?tls=true');
  });
});
