// The operator against a real kube-apiserver + etcd, with the real garbage collector, namespace and PVC
// protection controllers of kube-controller-manager, installed with its own Helm chart and running as the
// chart's ServiceAccount (so the chart's RBAC is proven sufficient). No kubelet runs: the tests write the
// Deployment's and the Certificate's status where the Deployment controller and cert-manager would.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { Certificate as CertificateModel } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { ServiceMonitor as ServiceMonitorModel } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { parseEnvironmentSpec } from '../environment';
import { OperatorProcess } from './support/operator-process';
import { REPO_ROOT, Testbed, eventually, installCrds } from './support/testbed';

const run = promisify(execFile);
const SYSTEM = 'capturebox-system';
const RELEASE = 'op';
const SERVICE_ACCOUNT = 'op-capturebox-operator';
const LEASE = 'op-capturebox-operator';
// The garbage collector and namespace controller, plus the one that lets a deleted PVC go (its
// kubernetes.io/pvc-protection finalizer is otherwise never removed).
const CONTROLLERS = 'garbage-collector-controller,namespace-controller,persistentvolumeclaim-protection-controller';

type Json = Record<string, any>;
/** How long the operator retries a failing database drop here (a drop attempt against a closed port takes 10 s). */
const DROP_TIMEOUT_SECONDS = 25;

describe('operator on a real API server', () => {
  let bed: Testbed;
  let operator: OperatorProcess;
  let saKubeconfig: string;
  const logs: OperatorProcess[] = [];

  const startOperator = async (identity: string) => {
    const started = await OperatorProcess.start({ kubeconfig: saKubeconfig, identity, leaseNamespace: SYSTEM, leaseName: LEASE, env: { CAPTUREBOX_OPERATOR_DATABASE_DROP_TIMEOUT_SECONDS: String(DROP_TIMEOUT_SECONDS) } });
    logs.push(started);
    await eventually(() => started.leads(), `${identity} to lead`, 30_000);
    return started;
  };
  const environment = (namespace: string, name: string) => bed.get<Json>('captureenvironment', name, namespace);
  const condition = (env: Json | undefined, type: string) => env?.status?.conditions?.find((c: Json) => c.type === type);
  const createNamespace = (name: string) => bed.kubectl(['create', 'namespace', name]);
  const create = (namespace: string, name: string, spec: Json) =>
    bed.apply({ apiVersion: 'capturebox.dev/v1alpha1', kind: 'CaptureEnvironment', metadata: { name, namespace }, spec });
  /** What the Deployment controller would write once every pod of the current spec is available. */
  const markDeploymentAvailable = async (namespace: string, name: string) => {
    const deployment = (await bed.get<Json>('deployment', name, namespace))!;
    const replicas = deployment.spec.replicas;
    await bed.patchStatus('deployment', name, namespace, {
      observedGeneration: deployment.metadata.generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'ok', lastUpdateTime: new Date().toISOString().replace(/\.\d+Z/, 'Z'), lastTransitionTime: new Date().toISOString().replace(/\.\d+Z/, 'Z') }],
    });
  };
  const markCertificateReady = (namespace: string, name: string) =>
    bed.patchStatus('certificate', name, namespace, { conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired' }] });
  const eventsOf = async (namespace: string, name: string) => {
    const { stdout } = await bed.kubectl(['get', 'events', '-n', namespace, '--field-selector', `involvedObject.name=${name},involvedObject.kind=CaptureEnvironment`, '-o', 'json']);
    return (JSON.parse(stdout).items as Json[]).map((e) => `${e.type}/${e.reason}`);
  };
  const eventObjects = async (namespace: string, name: string) =>
    JSON.parse((await bed.kubectl(['get', 'events', '-n', namespace, '--field-selector', `involvedObject.name=${name},involvedObject.kind=CaptureEnvironment`, '-o', 'json'])).stdout).items as Json[];
  const secretValues = async (namespace: string, name: string) =>
    Object.fromEntries(Object.entries((await bed.get<Json>('secret', name, namespace))!.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  /** A change of the environment's metadata: a watch event, so a reconcile, without a new generation. */
  const nudge = (namespace: string, name: string) => bed.kubectl(['annotate', 'captureenvironment', name, '-n', namespace, `test/nudge=${Date.now()}`, '--overwrite']);
  const apiKeyOf = async (namespace: string, name: string) => Buffer.from((await bed.get<Json>('secret', `${name}-admin`, namespace))!.data['api-key'], 'base64').toString();

  before(async () => {
    bed = await Testbed.start({ controllers: CONTROLLERS });
    await installCrds(bed);
    // The operator's own chart: ServiceAccount, least-privilege RBAC, Deployment (the CRD is installCrds' here).
    await bed.exec('helm', ['install', RELEASE, join(REPO_ROOT, 'charts', 'capturebox-operator'), '--namespace', SYSTEM, '--create-namespace', '--set', 'crds.enabled=false']);
    saKubeconfig = await bed.serviceAccountKubeconfig(SYSTEM, SERVICE_ACCOUNT);
    operator = await startOperator('operator-a');
  });

  after(async () => {
    for (const process of logs) await process.stop().catch(() => undefined);
    if (process.env.OPERATOR_TEST_LOGS === '1') for (const p of logs) console.log(`--- ${p.identity}\n${p.log}`);
    await bed?.stop();
  });

  test('the CRD\'s defaults are exactly the operator\'s (a minimal resource, read back from the API server)', async () => {
    await createNamespace('defaults');
    await create('defaults', 'mail', {});
    const stored = (await environment('defaults', 'mail'))!;
    assert.deepEqual(stored.spec, parseEnvironmentSpec({}));
  });

  test('creating a CaptureEnvironment produces the Deployment, Service, Secret, Certificate and ServiceMonitor, owned by it', async () => {
    await createNamespace('full');
    await create('full', 'mail', { tls: { issuerRef: { name: 'internal-ca', kind: 'ClusterIssuer' } }, metrics: { serviceMonitor: true } });
    const env = (await environment('full', 'mail'))!;
    const owned: Array<[string, string]> = [
      ['deployment', 'mail'],
      ['service', 'mail'],
      ['secret', 'mail-admin'],
      ['secret', 'mail-connection'],
      ['certificate', 'mail'],
      ['servicemonitor', 'mail'],
      ['persistentvolumeclaim', 'mail-data'],
    ];
    for (const [resource, name] of owned) {
      const object = await eventually(() => bed.get<Json>(resource, name, 'full'), `${resource}/${name}`);
      assert.deepEqual(
        object.metadata.ownerReferences,
        [{ apiVersion: 'capturebox.dev/v1alpha1', kind: 'CaptureEnvironment', name: 'mail', uid: env.metadata.uid, controller: true, blockOwnerDeletion: true }],
        `${resource}/${name}`,
      );
      assert.equal(object.metadata.labels['app.kubernetes.io/managed-by'], 'capturebox-operator');
    }
    // Server-side apply under one field manager (the API-key Secret is created once, never applied).
    const deployment = (await bed.kubectl(['get', 'deployment', 'mail', '-n', 'full', '-o', 'json', '--show-managed-fields'])).stdout;
    const managers = (JSON.parse(deployment).metadata.managedFields as Json[]).map((f) => `${f.manager}/${f.operation}`);
    assert.deepEqual(managers, ['capturebox-operator/Apply']);
    new CertificateModel((await bed.get('certificate', 'mail', 'full')) as never).validate();
    new ServiceMonitorModel((await bed.get('servicemonitor', 'mail', 'full')) as never).validate();
    assert.match(await apiKeyOf('full', 'mail'), /^cbx_[A-Za-z0-9_-]{43}$/);
    const container = (await bed.get<Json>('deployment', 'mail', 'full'))!.spec.template.spec.containers[0];
    assert.equal(container.image, 'registry.test/capturebox:test');
    assert.deepEqual(container.env.find((e: Json) => e.name === 'CAPTUREBOX_ADMIN_API_KEY').valueFrom, { secretKeyRef: { name: 'mail-admin', key: 'api-key' } });
  });

  test('status becomes Ready only once the Deployment reports available replicas and the certificate is issued, with observedGeneration', async () => {
    const notReady = await eventually(async () => {
      const env = await environment('full', 'mail');
      return condition(env, 'Ready') ? env : undefined;
    }, 'a first status');
    assert.equal(condition(notReady, 'Ready').status, 'False');
    assert.equal(condition(notReady, 'Progressing').status, 'True');
    assert.equal(condition(notReady, 'TLSReady').reason, 'CertificateNotReady');
    // The API server makes every claim Pending; no provisioner runs here, so it stays so: the reason shown.
    assert.equal(notReady.status.dataClaimPhase, 'Pending');
    assert.equal(condition(notReady, 'Ready').reason, 'VolumePending');
    assert.equal(notReady.status.connectionSecretName, 'mail-connection');
    assert.equal(notReady.status.observedGeneration, notReady.metadata.generation);
    assert.deepEqual(notReady.status.smtp, { host: 'mail.full.svc', port: 5587, endpoint: 'mail.full.svc:5587' });
    assert.equal(notReady.status.apiUrl, 'http://mail.full.svc:8080');
    assert.equal(notReady.status.apiKeySecretName, 'mail-admin');

    await markDeploymentAvailable('full', 'mail');
    const waitingForTls = await eventually(async () => {
      const env = await environment('full', 'mail');
      return condition(env, 'Ready')?.reason === 'TLSNotReady' ? env : undefined;
    }, 'Ready=False because of TLS');
    assert.equal(condition(waitingForTls, 'Progressing').status, 'False');

    await markCertificateReady('full', 'mail');
    const ready = await eventually(async () => {
      const env = await environment('full', 'mail');
      return condition(env, 'Ready')?.status === 'True' ? env : undefined;
    }, 'Ready=True');
    for (const type of ['Ready', 'Progressing', 'Degraded', 'TLSReady']) assert.equal(condition(ready, type).observedGeneration, ready.metadata.generation, type);
    assert.equal(condition(ready, 'TLSReady').status, 'True');
    assert.equal(condition(ready, 'Degraded').status, 'False');
    assert.equal(ready.status.availableReplicas, 1);
    const events = await eventually(async () => {
      const seen = await eventsOf('full', 'mail');
      return seen.includes('Normal/Ready') && seen.includes('Normal/CertificateReady') ? seen : undefined;
    }, 'the Ready and CertificateReady events');
    assert.ok(events.includes('Normal/ApiKeyGenerated'), events.join(','));
  });

  test('kubectl get captureenvironments shows Ready, SMTP, API and Age (and the short name works)', async () => {
    const { stdout } = await bed.kubectl(['get', 'captureenvironments', '-n', 'full']);
    const [header, row] = stdout.trim().split('\n').map((line) => line.trim().split(/\s{2,}/));
    assert.deepEqual(header, ['NAME', 'READY', 'REASON', 'SMTP', 'API', 'AGE']);
    assert.deepEqual(row.slice(0, 5), ['mail', 'True', 'Available', 'mail.full.svc:5587', 'http://mail.full.svc:8080']);
    assert.match(row[5], /^\d+[sm]$/);
    const wide = (await bed.kubectl(['get', 'capenv', '-A', '-o', 'wide'])).stdout;
    assert.match(wide.split('\n')[0], /NAMESPACE\s+NAME\s+READY\s+REASON\s+SMTP\s+API\s+CONNECTION\s+EXPIRES\s+AGE/);
    assert.match(wide, /full\s+mail\s+True\s+Available\s+mail\.full\.svc:5587\s+\S+\s+mail-connection/);
  });

  test('a spec change rolls the Deployment; status follows the new generation', async () => {
    const before = (await environment('full', 'mail'))!;
    const deploymentBefore = (await bed.get<Json>('deployment', 'mail', 'full'))!;
    await bed.kubectl(['patch', 'captureenvironment', 'mail', '-n', 'full', '--type=merge', '-p', JSON.stringify({ spec: { smtp: { auth: 'off', maxMessageBytes: 2097152 }, logLevel: 'debug' } })]);
    const rolled = await eventually(async () => {
      const d = await bed.get<Json>('deployment', 'mail', 'full');
      return d && d.metadata.generation > deploymentBefore.metadata.generation ? d : undefined;
    }, 'a new Deployment generation');
    const env = Object.fromEntries((rolled.spec.template.spec.containers[0].env as Json[]).map((e) => [e.name, e.value]));
    assert.equal(env.CAPTUREBOX_SMTP_AUTH, 'off');
    assert.equal(env.CAPTUREBOX_SMTP_MAX_BYTES, '2097152');
    assert.equal(env.CAPTUREBOX_LOG_LEVEL, 'debug');
    const rolling = await eventually(async () => {
      const e = await environment('full', 'mail');
      return e && e.status.observedGeneration === before.metadata.generation + 1 ? e : undefined;
    }, 'status to observe the new generation');
    // The pod the Deployment reports available still takes mail: Ready stays True, Progressing tells.
    assert.equal(condition(rolling, 'Ready').status, 'True');
    assert.equal(condition(rolling, 'Ready').lastTransitionTime, condition(before, 'Ready').lastTransitionTime, 'no transition');
    assert.equal(condition(rolling, 'Progressing').status, 'True');
    assert.match(condition(rolling, 'Progressing').message, /observe the new spec/);
    assert.equal(condition(rolling, 'Ready').observedGeneration, rolling.metadata.generation);
    await markDeploymentAvailable('full', 'mail');
    await eventually(async () => condition(await environment('full', 'mail'), 'Progressing')?.status === 'False', 'the rollout to complete');
    assert.ok(!(await eventsOf('full', 'mail')).includes('Warning/NotReady'), 'no NotReady event for a roll that never stopped the service');
  });

  test('the connection Secret holds what an application needs: host, port, login, API URL and key, and cert-manager\'s CA', async () => {
    const key = await apiKeyOf('full', 'mail');
    const values = await eventually(async () => {
      const found = await bed.get<Json>('secret', 'mail-connection', 'full');
      return found ? secretValues('full', 'mail-connection') : undefined;
    }, 'the connection Secret');
    assert.deepEqual(values, {
      SMTP_HOST: 'mail.full.svc',
      SMTP_PORT: '5587',
      SMTP_USERNAME: 'admin',
      SMTP_PASSWORD: key,
      CAPTUREBOX_API_URL: 'http://mail.full.svc:8080',
      CAPTUREBOX_API_KEY: key,
    });
    // cert-manager issues <name>-tls (written here as it would): the CA reaches the connection Secret, and the
    // certificate Secret gets the environment as its owner, so it goes with it (cert-manager leaves it).
    const tls = { 'tls.crt': 'LEAF', 'tls.key': 'KEY', 'ca.crt': '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n' };
    await bed.apply({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'mail-tls', namespace: 'full' }, data: Object.fromEntries(Object.entries(tls).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) });
    await nudge('full', 'mail');
    await eventually(async () => (await secretValues('full', 'mail-connection')).SMTP_TLS_CA === tls['ca.crt'], 'the CA in the connection Secret');
    const env = (await environment('full', 'mail'))!;
    const owned = await eventually(async () => (await bed.get<Json>('secret', 'mail-tls', 'full'))?.metadata.ownerReferences?.find((r: Json) => r.uid === env.metadata.uid), 'the environment to own mail-tls');
    assert.equal(owned.controller, false);
    assert.equal((await bed.get<Json>('secret', 'mail-tls', 'full'))!.type, 'kubernetes.io/tls', 'cert-manager\'s fields untouched');
  });

  test('a deleted admin Secret comes back with a new key, the pods roll to it, and the connection Secret follows', async () => {
    const digestOf = async () => (await bed.get<Json>('deployment', 'mail', 'full'))!.spec.template.metadata.annotations?.['capturebox.dev/admin-key-digest'];
    const oldKey = await apiKeyOf('full', 'mail');
    const oldDigest = await digestOf();
    assert.match(oldDigest, /^[0-9a-f]{16}$/);
    await bed.kubectl(['delete', 'secret', 'mail-admin', '-n', 'full']);
    await nudge('full', 'mail');
    const newKey = await eventually(async () => (await bed.get('secret', 'mail-admin', 'full')) && apiKeyOf('full', 'mail'), 'a new admin Secret');
    assert.notEqual(newKey, oldKey);
    await eventually(async () => (await digestOf()) !== oldDigest, 'the pod template to change (a rollout to the new key)');
    await eventually(async () => (await secretValues('full', 'mail-connection')).SMTP_PASSWORD === newKey, 'the connection Secret to carry the new key');
    await markDeploymentAvailable('full', 'mail');
  });

  test('options switched off are pruned: no ServiceMonitor once metrics.serviceMonitor is false', async () => {
    await bed.kubectl(['patch', 'captureenvironment', 'mail', '-n', 'full', '--type=merge', '-p', '{"spec":{"metrics":{"serviceMonitor":false}}}']);
    await eventually(async () => !(await bed.get('servicemonitor', 'mail', 'full')), 'the ServiceMonitor to go');
    assert.ok(await bed.get('certificate', 'mail', 'full'), 'what is still asked for stays');
  });

  test('the API-key Secret survives reconciles and an operator restart', async () => {
    const key = await apiKeyOf('full', 'mail');
    const resourceVersion = (await bed.get<Json>('secret', 'mail-admin', 'full'))!.metadata.resourceVersion;
    await bed.kubectl(['patch', 'captureenvironment', 'mail', '-n', 'full', '--type=merge', '-p', '{"spec":{"privacy":{"adminUsername":"ci-bot"}}}']);
    await eventually(async () => (await environment('full', 'mail'))?.status.observedGeneration === (await environment('full', 'mail'))?.metadata.generation, 'a reconcile of the change');
    const exitCode = await operator.stop('SIGTERM');
    assert.equal(exitCode, 0, operator.log);
    operator = await startOperator('operator-b');
    await bed.kubectl(['patch', 'captureenvironment', 'mail', '-n', 'full', '--type=merge', '-p', '{"spec":{"logLevel":"warn"}}']);
    await eventually(async () => {
      const e = await environment('full', 'mail');
      return e?.status.observedGeneration === e?.metadata.generation;
    }, 'the restarted operator to reconcile');
    assert.equal(await apiKeyOf('full', 'mail'), key);
    assert.equal((await bed.get<Json>('secret', 'mail-admin', 'full'))!.metadata.resourceVersion, resourceVersion, 'never written again');
  });

  test('invalid resources are rejected by the CRD schema and its CEL rules', async () => {
    await createNamespace('invalid');
    const attempt = (name: string, spec: Json) =>
      bed.kubectl(['apply', '--dry-run=server', '-f', '-'], JSON.stringify({ apiVersion: 'capturebox.dev/v1alpha1', kind: 'CaptureEnvironment', metadata: { name, namespace: 'invalid' }, spec }));
    const rejected: Array<[string, Json, RegExp]> = [
      ['two', { replicas: 2 }, /embedded keeps mail in one pod's volume/],
      ['both-expiries', { ttl: '1h', expiresAt: '2030-01-01T00:00:00Z' }, /set ttl or expiresAt, not both/],
      ['http-no-cert', { tls: { http: true } }, /tls\.http serves the mounted certificate/],
      ['two-certs', { tls: { issuerRef: { name: 'ca' }, existingSecret: 'x' } }, /not both/],
      ['names-no-issuer', { tls: { dnsNames: ['a.test'] } }, /tls\.dnsNames go on the cert-manager Certificate/],
      ['mongo-no-secret', { storage: { type: 'mongodb' } }, /needs storage\.mongodb\.secretRef/],
      ['bad-auth', { smtp: { auth: 'sometimes' } }, /spec\.smtp\.auth: Unsupported value: "sometimes"/],
      ['bad-ttl', { ttl: '3 days' }, /spec\.ttl: Invalid value/],
      ['too-big', { smtp: { maxMessageBytes: 1e9 } }, /spec\.smtp\.maxMessageBytes/],
      ['Not-A-Label', {}, /metadata\.name must be a DNS-1035 label/],
      ['chaos-needs', { chaos: [{ kind: 'refuse', stage: 'mail', code: 451 }] }, /a refuse rule needs stage, code, text/],
      ['chaos-foreign', { chaos: [{ kind: 'rate_limit', messages: 5, intervalMs: 1000, stage: 'mail' }] }, /stage is for refuse and delay rules only/],
      ['chaos-scope', { chaos: [{ kind: 'delay', stage: 'mail', delayMs: 5, scope: { address: 'a@b.test' } }] }, /an address rule from rcpt on/],
      ['chaos-code', { chaos: [{ kind: 'refuse', stage: 'mail', code: 250, text: 'ok' }] }, /spec\.chaos\[0\]\.code/],
    ];
    for (const [name, spec, reason] of rejected) {
      await assert.rejects(attempt(name, spec), (error: Error) => {
        assert.match(error.message, reason, name);
        return true;
      });
    }
    await attempt('fine', { replicas: 1, ttl: '2h' });
    await attempt('chaos-fine', { chaos: [{ kind: 'refuse', stage: 'rcpt', code: 550, text: '5.1.1 No such user', times: 1, scope: { address: 'bob@example.test' } }, { kind: 'connection_limit', connections: 5 }] });
    // Transition rules: the storage type of an existing environment cannot change.
    await create('invalid', 'stays', {});
    await assert.rejects(
      bed.kubectl(['patch', 'captureenvironment', 'stays', '-n', 'invalid', '--type=merge', '-p', '{"spec":{"storage":{"type":"mongodb","mongodb":{"secretRef":{"name":"m"}}}}}']),
      /storage\.type cannot change/,
    );
  });

  test('an expired environment is deleted, and the garbage collector takes what it owned', async () => {
    await createNamespace('expiring');
    await create('expiring', 'short', { ttl: '8s' });
    const deployment = await eventually(() => bed.get<Json>('deployment', 'short', 'expiring'), 'the Deployment');
    const env = (await environment('expiring', 'short'))!;
    assert.equal(env.status?.expiresAt ?? (await eventually(async () => (await environment('expiring', 'short'))?.status?.expiresAt, 'status.expiresAt')), new Date(new Date(env.metadata.creationTimestamp).getTime() + 8000).toISOString().replace(/\.\d+Z/, 'Z'));
    await eventually(async () => !(await environment('expiring', 'short')), 'the environment to be deleted at expiry', 40_000);
    await eventually(async () => !(await bed.get('deployment', 'short', 'expiring')) && !(await bed.get('secret', 'short-admin', 'expiring')), 'the garbage collector to remove what it owned', 40_000);
    assert.ok(deployment.metadata.uid);
    const events = (await bed.kubectl(['get', 'events', '-n', 'expiring', '-o', 'json'])).stdout;
    assert.match(events, /"reason": "Expired"/);
  });

  test('deleting the resource removes everything it owns (the real garbage collector, not the operator)', async () => {
    await bed.kubectl(['delete', 'captureenvironment', 'mail', '-n', 'full', '--wait=true', '--timeout=30s']);
    for (const [resource, name] of [
      ['deployment', 'mail'],
      ['service', 'mail'],
      ['secret', 'mail-admin'],
      ['secret', 'mail-connection'],
      ['secret', 'mail-tls'],
      ['certificate', 'mail'],
      ['persistentvolumeclaim', 'mail-data'],
    ]) {
      await eventually(async () => !(await bed.get(resource, name, 'full')), `${resource}/${name} to be collected`, 40_000);
    }
  });

  test('a missing MongoDB Secret is reported as Degraded, then fixed when it appears', async () => {
    await createNamespace('mongo-missing');
    await create('mongo-missing', 'mail', { replicas: 2, storage: { type: 'mongodb', mongodb: { secretRef: { name: 'mongo' } } } });
    const degraded = await eventually(async () => {
      const e = await environment('mongo-missing', 'mail');
      return condition(e, 'Degraded')?.status === 'True' ? e : undefined;
    }, 'Degraded');
    assert.equal(condition(degraded, 'Degraded').reason, 'MongoDBSecretNotFound');
    assert.equal(condition(degraded, 'Ready').reason, 'MongoDBSecretNotFound');
    assert.equal(await bed.get('deployment', 'mail', 'mongo-missing'), undefined, 'nothing runs without its store');
    await bed.kubectl(['create', 'secret', 'generic', 'mongo', '-n', 'mongo-missing', '--from-literal=uri=mongodb://db.example:27017/?replicaSet=rs0']);
    const deployment = await eventually(() => bed.get<Json>('deployment', 'mail', 'mongo-missing'), 'the Deployment once the Secret exists', 30_000);
    assert.equal(deployment.spec.replicas, 2);
    const budget = await eventually(() => bed.get<Json>('poddisruptionbudget', 'mail', 'mongo-missing'), 'a PodDisruptionBudget for two replicas');
    assert.equal(budget.spec.maxUnavailable, 1);
    await bed.kubectl(['patch', 'captureenvironment', 'mail', '-n', 'mongo-missing', '--type=merge', '-p', '{"spec":{"replicas":1}}']);
    await eventually(async () => !(await bed.get('poddisruptionbudget', 'mail', 'mongo-missing')), 'the budget to go with one replica');
    const uri = Buffer.from((await bed.get<Json>('secret', 'mail-mongodb', 'mongo-missing'))!.data.uri, 'base64').toString();
    assert.equal(uri, 'mongodb://db.example:27017/capturebox_mongo-missing_mail?replicaSet=rs0');
    await eventually(async () => condition(await environment('mongo-missing', 'mail'), 'Degraded')?.status === 'False', 'no longer Degraded');
  });

  test('MongoDB with dropDatabaseOnDelete: the finalizer drops the environment\'s database (a real FerretDB), then lets go', async () => {
    const ferret = await startFerretDb();
    try {
      await createNamespace('mongo');
      await bed.kubectl(['create', 'secret', 'generic', 'mongo', '-n', 'mongo', `--from-literal=uri=mongodb://127.0.0.1:${ferret.port}/`]);
      await create('mongo', 'mail', { storage: { type: 'mongodb', mongodb: { secretRef: { name: 'mongo' }, database: 'preview_mail', dropDatabaseOnDelete: true } } });
      const env = await eventually(async () => {
        const e = await environment('mongo', 'mail');
        return e?.metadata.finalizers?.includes('capturebox.dev/drop-database') && e.status?.database ? e : undefined;
      }, 'the finalizer and status.database');
      assert.equal(env.status.database, 'preview_mail');
      const client = new MongoClient(`mongodb://127.0.0.1:${ferret.port}/`, { serverSelectionTimeoutMS: 10_000 });
      try {
        await client.db('preview_mail').collection('messages').insertOne({ subject: 'hello' });
        await client.db('other_env').collection('messages').insertOne({ subject: 'not mine' });
        const names = async () => (await client.db().admin().listDatabases()).databases.map((d) => d.name);
        assert.ok((await names()).includes('preview_mail'));
        await bed.kubectl(['delete', 'captureenvironment', 'mail', '-n', 'mongo', '--wait=false']);
        await eventually(async () => !(await environment('mongo', 'mail')), 'the environment to go once its database is dropped', 40_000);
        const left = await names();
        assert.ok(!left.includes('preview_mail'), left.join(','));
        assert.ok(left.includes('other_env'), 'only its own database is dropped');
        const events = (await bed.kubectl(['get', 'events', '-n', 'mongo', '-o', 'json'])).stdout;
        assert.match(events, /"reason": "DatabaseDropped"/);
      } finally {
        await client.close();
      }
    } finally {
      await ferret.stop();
    }
  });

  test('a drop that cannot succeed does not hang the deletion: one aggregated warning, then the operator lets go', async () => {
    await createNamespace('mongo-down');
    const closed = await freePort(); // nothing listens there
    await bed.kubectl(['create', 'secret', 'generic', 'mongo', '-n', 'mongo-down', `--from-literal=uri=mongodb://127.0.0.1:${closed}/`]);
    const spec = { storage: { type: 'mongodb', mongodb: { secretRef: { name: 'mongo' }, dropDatabaseOnDelete: true } } };
    await create('mongo-down', 'skipped', spec);
    await create('mongo-down', 'stuck', spec);
    for (const name of ['skipped', 'stuck']) {
      await eventually(async () => (await environment('mongo-down', name))?.metadata.finalizers?.includes('capturebox.dev/drop-database'), `${name}'s finalizer`);
    }
    // The documented escape: skip the drop at once.
    await bed.kubectl(['annotate', 'captureenvironment', 'skipped', '-n', 'mongo-down', 'capturebox.dev/skip-database-drop=true']);
    await bed.kubectl(['delete', 'captureenvironment', 'skipped', '-n', 'mongo-down', '--wait=false']);
    await eventually(async () => !(await environment('mongo-down', 'skipped')), 'the annotated environment to go without a drop', 20_000);
    assert.deepEqual((await eventsOf('mongo-down', 'skipped')).filter((e) => e.includes('Database')), ['Warning/DatabaseNotDropped']);

    const started = Date.now();
    await bed.kubectl(['delete', 'captureenvironment', 'stuck', '-n', 'mongo-down', '--wait=false']);
    await eventually(async () => !(await environment('mongo-down', 'stuck')), 'the operator to give up after its retry window', (DROP_TIMEOUT_SECONDS + 40) * 1000, 1000);
    assert.ok(Date.now() - started >= DROP_TIMEOUT_SECONDS * 1000 - 2000, 'it retried for the window first');
    const events = await eventObjects('mongo-down', 'stuck');
    const failed = events.filter((e) => e.reason === 'DatabaseDropFailed');
    assert.equal(failed.length, 1, 'one Event, counted up on each retry');
    assert.ok(failed[0].count >= 2, `retried: count ${failed[0].count}`);
    assert.match(failed[0].message, /capturebox\.dev\/skip-database-drop=true/);
    assert.equal(events.filter((e) => e.reason === 'DatabaseNotDropped').length, 1);
  });

  test('expiryPolicy ScaleToZero: at expiry the environment stays, with its Secret and claim, and runs no pod', async () => {
    await createNamespace('parked');
    await create('parked', 'mail', { ttl: '6s', expiryPolicy: 'ScaleToZero' });
    const deployment = await eventually(() => bed.get<Json>('deployment', 'mail', 'parked'), 'the Deployment');
    assert.equal(deployment.spec.replicas, 1);
    await eventually(async () => (await bed.get<Json>('deployment', 'mail', 'parked'))?.spec.replicas === 0, 'scaled to zero at expiry', 30_000);
    const env = await eventually(async () => {
      const e = await environment('parked', 'mail');
      return condition(e, 'Ready')?.reason === 'Expired' ? e : undefined;
    }, 'Ready=False, Expired');
    assert.ok(env.metadata.uid, 'not deleted');
    assert.ok(await bed.get('secret', 'mail-admin', 'parked'));
    assert.ok(await bed.get('persistentvolumeclaim', 'mail-data', 'parked'));
  });

  test('its own /metrics (reconciles, errors, durations, queue depth), /healthz and /readyz', async () => {
    assert.equal((await operator.http('/healthz')).status, 200);
    const ready = await operator.http('/readyz');
    assert.equal(ready.status, 200);
    assert.equal(JSON.parse(ready.body).leader, true);
    const { body } = await operator.http('/metrics');
    assert.match(body, /^capturebox_operator_reconciles_total\{result="success"\} [1-9]\d*$/m);
    assert.match(body, /^capturebox_operator_reconcile_duration_seconds_count\{result="success"\} [1-9]\d*$/m);
    assert.match(body, /^capturebox_operator_reconcile_errors_total\{reason="MongoDBSecretNotFound"\} [1-9]\d*$/m);
    assert.match(body, /^capturebox_operator_work_queue_depth \d+$/m);
    assert.match(body, /^capturebox_operator_leader 1$/m);
    assert.match(body, /^capturebox_operator_environments \d+$/m);
    // Per environment: Ready as a number (the PrometheusRule's CaptureEnvironmentNotReady reads it).
    assert.match(body, /^capturebox_operator_environment_ready\{environment_namespace="parked",environment="mail"\} 0$/m);
    assert.match(body, /^capturebox_operator_environment_ready\{environment_namespace="mongo-missing",environment="mail"\} [01]$/m);
    assert.doesNotMatch(body, /environment_namespace="expiring"/, 'a deleted environment leaves no series behind');
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A FerretDB (MongoDB wire protocol) on loopback, through scripts/ferretdb.sh, as the store tests use. */
async function startFerretDb(): Promise<{ port: number; stop(): Promise<void> }> {
  const script = join(REPO_ROOT, 'scripts', 'ferretdb.sh');
  const dir = mkdtempSync(join(tmpdir(), 'capturebox-operator-ferretdb-'));
  const port = await freePort();
  const pid = (await run(script, ['start', String(port), dir], { timeout: 60_000 })).stdout.trim().split('\n').pop()!;
  return {
    port,
    async stop() {
      await run(script, ['stop', pid], { timeout: 30_000 }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
