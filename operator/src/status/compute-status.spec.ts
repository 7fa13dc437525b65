// Status from what the owned objects report: rollout, certificate, Secret, problems; transition times kept.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from '@kubernetes/client-node';
import { parseEnvironmentSpec, type Condition } from '../environment';
import type { Certificate } from '../desired';
import { computeStatus, conditionOf, mergeConditions, rolloutOf, type Observed, type StatusInputs } from './index';

const NOW = new Date('2026-03-01T10:00:00Z');

function deployment(status: V1Deployment['status'], generation = 2): V1Deployment {
  return { metadata: { name: 'mail', generation }, status };
}
const AVAILABLE = deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 });
const SERVICE = { metadata: { name: 'mail' }, spec: { clusterIP: '10.96.0.10' } };

function status(observed: Observed, spec: Record<string, unknown> = {}, extra: Partial<StatusInputs> = {}) {
  return computeStatus({ name: 'mail', namespace: 'preview-42', generation: 7, spec: parseEnvironmentSpec(spec), image: 'img:1', observed, problems: [], now: NOW, ...extra });
}
const condition = (s: ReturnType<typeof status>, type: Condition['type']) => conditionOf(s, type)!;

describe('status conditions', () => {
  test('Ready when the Deployment has observed its spec and has every replica updated and available', () => {
    const s = status({ deployment: AVAILABLE, service: SERVICE });
    assert.equal(condition(s, 'Ready').status, 'True');
    assert.equal(condition(s, 'Ready').reason, 'Available');
    assert.equal(condition(s, 'Progressing').status, 'False');
    assert.equal(condition(s, 'Degraded').status, 'False');
    assert.equal(condition(s, 'TLSReady').reason, 'SelfSigned');
    assert.equal(s.observedGeneration, 7);
    for (const c of s.conditions!) {
      assert.equal(c.observedGeneration, 7);
      assert.equal(c.lastTransitionTime, '2026-03-01T10:00:00Z');
    }
    assert.deepEqual(
      { smtp: s.smtp, apiUrl: s.apiUrl, secret: s.apiKeySecretName, image: s.image, replicas: s.replicas, available: s.availableReplicas },
      { smtp: { host: 'mail.preview-42.svc', port: 5587, endpoint: 'mail.preview-42.svc:5587' }, apiUrl: 'http://mail.preview-42.svc:8080', secret: 'mail-admin', image: 'img:1', replicas: 1, available: 1 },
    );
  });

  test('not Ready while no pod serves, with the reason kubectl rollout status would give', () => {
    const cases: Array<[V1Deployment | undefined, string, RegExp]> = [
      [undefined, 'DeploymentMissing', /not there/],
      [deployment({ observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }), 'RollingOut', /observe the new spec/],
      [deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 0, availableReplicas: 0 }), 'RollingOut', /0 of 1 replicas updated/],
      [deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }), 'Unavailable', /0 of 1 replicas available/],
    ];
    for (const [d, reason, message] of cases) {
      const s = status({ deployment: d, service: SERVICE });
      assert.equal(condition(s, 'Ready').status, 'False', reason);
      assert.equal(condition(s, 'Ready').reason, reason);
      assert.match(condition(s, 'Ready').message, message);
      assert.equal(condition(s, 'Progressing').status, 'True');
    }
  });

  test('Ready stays True while old pods serve during a rolling update; Progressing tells about the roll', () => {
    const cases: Array<[V1Deployment, RegExp]> = [
      [deployment({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }), /observe the new spec/],
      [deployment({ observedGeneration: 2, replicas: 4, updatedReplicas: 1, availableReplicas: 3 }), /1 of 3 replicas updated/],
      [deployment({ observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 }), /1 old replicas pending termination/],
    ];
    for (const [d, message] of cases) {
      const s = status({ deployment: d, service: SERVICE }, { replicas: 3, storage: { type: 'mongodb', mongodb: { secretRef: { name: 'm' } } } });
      assert.equal(condition(s, 'Ready').status, 'True', message.source);
      assert.match(condition(s, 'Ready').message, /^3 of 3 replicas available \(rolling out: /);
      assert.equal(condition(s, 'Progressing').status, 'True');
      assert.match(condition(s, 'Progressing').message, message);
    }
  });

  test('a Pending claim is why an embedded environment does not start; its phase is in status', () => {
    const claim = { metadata: { name: 'mail-data' }, status: { phase: 'Pending' } };
    const s = status({ deployment: deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }), service: SERVICE, dataClaim: claim });
    assert.equal(condition(s, 'Ready').reason, 'VolumePending');
    assert.match(condition(s, 'Ready').message, /mail-data is Pending/);
    assert.equal(s.dataClaimPhase, 'Pending');
    assert.equal(status({ deployment: AVAILABLE, service: SERVICE, dataClaim: { status: { phase: 'Bound' } } }).dataClaimPhase, 'Bound');
  });

  test('expired with expiryPolicy ScaleToZero: not Ready, reason Expired', () => {
    const s = status({ deployment: deployment({ observedGeneration: 2 }), service: SERVICE, expired: true }, { replicas: 0 });
    assert.equal(condition(s, 'Ready').reason, 'Expired');
  });

  test('a stuck rollout or a replica failure is Degraded', () => {
    const stuck = deployment({ observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "mail-x" has timed out progressing.' }] });
    assert.equal(condition(status({ deployment: stuck, service: SERVICE }), 'Degraded').reason, 'RolloutStuck');
    const failing = deployment({ observedGeneration: 2, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota exceeded' }] });
    const s = status({ deployment: failing, service: SERVICE });
    assert.equal(condition(s, 'Degraded').reason, 'ReplicaFailure');
    assert.equal(condition(s, 'Degraded').message, 'quota exceeded');
    assert.equal(rolloutOf(AVAILABLE, 1).complete, true);
  });

  test('replicas 0 is never Ready; a missing Service is not Ready', () => {
    const zero = deployment({ observedGeneration: 2 });
    assert.equal(condition(status({ deployment: zero, service: SERVICE }, { replicas: 0 }), 'Ready').reason, 'ScaledToZero');
    assert.equal(condition(status({ deployment: AVAILABLE }), 'Ready').reason, 'ServiceMissing');
  });

  test('problems make it Degraded, with every message; not Ready only when no pod serves', () => {
    const problems = [
      { reason: 'MongoDBSecretNotFound', message: 'Secret mongo does not exist' },
      { reason: 'ApplyFailed', message: 'Service mail: 422' },
    ];
    const s = status({ deployment: AVAILABLE, service: SERVICE }, {}, { problems });
    assert.equal(condition(s, 'Ready').status, 'True', 'the running pods still take mail');
    assert.equal(condition(s, 'Degraded').status, 'True');
    assert.equal(condition(s, 'Degraded').message, 'Secret mongo does not exist; Service mail: 422');
    const blocked = status({ service: SERVICE }, {}, { problems });
    assert.equal(condition(blocked, 'Ready').reason, 'MongoDBSecretNotFound');
  });

  test('TLSReady follows the cert-manager Certificate, and Ready waits for it', () => {
    const spec = { tls: { issuerRef: { name: 'ca', kind: 'ClusterIssuer' } } };
    const cert = (ready?: 'True' | 'False'): Certificate =>
      ({ status: ready ? { conditions: [{ type: 'Ready', status: ready, message: ready === 'True' ? 'Certificate is up to date' : 'Issuing' }] } : undefined }) as Certificate;
    const pending = status({ deployment: AVAILABLE, service: SERVICE, certificate: cert() }, spec);
    assert.equal(condition(pending, 'TLSReady').reason, 'CertificateNotReady');
    assert.match(condition(pending, 'TLSReady').message, /ClusterIssuer ca/);
    assert.equal(condition(pending, 'Ready').reason, 'TLSNotReady');
    assert.equal(condition(status({ deployment: AVAILABLE, service: SERVICE, certificate: cert('False') }, spec), 'TLSReady').message, 'Issuing');
    const issued = status({ deployment: AVAILABLE, service: SERVICE, certificate: cert('True') }, spec);
    assert.equal(condition(issued, 'TLSReady').status, 'True');
    assert.equal(condition(issued, 'Ready').status, 'True');
    assert.equal(issued.tlsSecretName, 'mail-tls');
    assert.equal(condition(status({ deployment: AVAILABLE, service: SERVICE }, spec), 'TLSReady').reason, 'CertificateMissing');
  });

  test('TLSReady for an existing Secret: present, missing or without a key pair', () => {
    const spec = { tls: { existingSecret: 'mine' } };
    const reason = (state: Observed['existingTlsSecret']) => condition(status({ deployment: AVAILABLE, service: SERVICE, existingTlsSecret: state }, spec), 'TLSReady').reason;
    assert.equal(reason('present'), 'ExistingSecret');
    assert.equal(reason('missing'), 'SecretNotFound');
    assert.equal(reason('invalid'), 'SecretInvalid');
  });

  test('the rest of the status: implicit TLS port, https API URL, database, expiry', () => {
    const s = status(
      { deployment: AVAILABLE, service: SERVICE },
      { smtp: { implicitTls: true }, tls: { existingSecret: 'x', http: true }, storage: { type: 'mongodb', mongodb: { secretRef: { name: 'm' } } } },
      { expiresAt: new Date('2026-03-04T10:00:00.500Z') },
    );
    assert.equal(s.smtp!.implicitTlsPort, 465);
    assert.equal(s.apiUrl, 'https://mail.preview-42.svc:8080');
    assert.equal(s.database, 'capturebox_preview-42_mail');
    assert.equal(s.expiresAt, '2026-03-04T10:00:00Z');
  });

  test('a condition keeps its lastTransitionTime while its status stays, and gets a new one when it changes', () => {
    const previous: Condition[] = [
      { type: 'Ready', status: 'False', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'RollingOut', message: '' },
      { type: 'Degraded', status: 'False', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'AsExpected', message: '' },
    ];
    const merged = mergeConditions(
      previous,
      [
        { type: 'Ready', status: 'True', reason: 'Available', message: 'ok' },
        { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'ok' },
      ],
      2,
      NOW,
    );
    assert.equal(merged[0].lastTransitionTime, '2026-03-01T10:00:00Z');
    assert.equal(merged[1].lastTransitionTime, '2026-01-01T00:00:00Z');
    assert.deepEqual(merged.map((c) => c.observedGeneration), [2, 2]);
  });
});
