// Spec parsing (defaults and the CRD's cross-field rules, again), names, and expiry.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { InvalidSpecError, apiUrl, databaseName, expiryOf, kubernetesTime, objectNames, parseEnvironmentSpec, parseTtl, smtpHost, tlsSecretName } from './index';

const REPO_ROOT = join(__dirname, '..', '..', '..');

describe('environment spec', () => {
  test('an empty spec gets every default', () => {
    assert.deepEqual(parseEnvironmentSpec({}), {
      imagePullPolicy: 'IfNotPresent',
      replicas: 1,
      smtp: { maxMessageBytes: 1048576, auth: 'required', implicitTls: false, proxyProtocol: false },
      storage: { type: 'embedded', embedded: { size: '1Gi' } },
      privacy: { publicInboxes: true, adminUsername: 'admin' },
      retention: { maxMessagesPerInbox: 1000, maxAgeHours: 168 },
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      metrics: { serviceMonitor: false, interval: '30s' },
      logLevel: 'info',
      expiryPolicy: 'Delete',
    });
  });

  test('the CRD file declares the same defaults for the top-level fields the operator defaults', () => {
    const crd = parse(readFileSync(join(REPO_ROOT, 'crds', 'captureenvironments.capturebox.dev.yaml'), 'utf8'));
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;
    const parsed = parseEnvironmentSpec({}) as unknown as Record<string, Record<string, unknown>>;
    assert.equal(spec.replicas.default, parsed.replicas);
    assert.equal(spec.imagePullPolicy.default, parsed.imagePullPolicy);
    assert.equal(spec.logLevel.default, parsed.logLevel);
    assert.deepEqual(spec.resources.default, parsed.resources);
    for (const group of ['smtp', 'privacy', 'retention', 'metrics']) {
      for (const [field, schema] of Object.entries(spec[group].properties as Record<string, { default?: unknown }>)) {
        if (schema.default !== undefined) assert.deepEqual(schema.default, parsed[group][field], `${group}.${field}`);
      }
    }
    assert.equal(spec.storage.properties.type.default, 'embedded');
    assert.equal(spec.storage.properties.embedded.properties.size.default, '1Gi');
    // The image is deliberately not defaulted by the CRD: the operator's release decides it.
    assert.equal(spec.image.default, undefined);
  });

  test('the cross-field rules of the CRD hold here too (objects stored before a rule existed)', () => {
    const invalid: Array<[Record<string, unknown>, RegExp]> = [
      [{ ttl: '1h', expiresAt: '2030-01-01T00:00:00Z' }, /ttl or expiresAt/],
      [{ replicas: 2 }, /embedded keeps mail in one pod's volume/],
      [{ storage: { type: 'mongodb' } }, /needs storage\.mongodb/],
      [{ tls: { issuerRef: { name: 'ca' }, existingSecret: 'x' } }, /not both/],
      [{ tls: { http: true } }, /tls\.http serves the mounted certificate/],
      [{ tls: { dnsNames: ['a.test'] } }, /tls\.dnsNames go on the cert-manager Certificate/],
      [{ smtp: { auth: 'sometimes' } }, /spec\.smtp\.auth/],
      [{ ttl: '3 days' }, /spec\.ttl/],
    ];
    for (const [spec, reason] of invalid) {
      assert.throws(() => parseEnvironmentSpec(spec), (error: Error) => error instanceof InvalidSpecError && reason.test(error.message), JSON.stringify(spec));
    }
    assert.equal(parseEnvironmentSpec({ replicas: 3, storage: { type: 'mongodb', mongodb: { secretRef: { name: 'm' } } } }).storage.mongodb!.secretRef.key, 'uri');
  });
});

describe('names and addresses', () => {
  const ref = { name: 'mail', namespace: 'preview-42' };
  test('owned objects are named after the environment', () => {
    assert.deepEqual(objectNames(ref), {
      deployment: 'mail',
      service: 'mail',
      certificate: 'mail',
      serviceMonitor: 'mail',
      adminSecret: 'mail-admin',
      tlsSecret: 'mail-tls',
      mongodbSecret: 'mail-mongodb',
      connectionSecret: 'mail-connection',
      dataClaim: 'mail-data',
      disruptionBudget: 'mail',
    });
  });

  test('SMTP host, API URL (https with tls.http) and the TLS Secret served', () => {
    assert.equal(smtpHost(ref), 'mail.preview-42.svc');
    assert.equal(apiUrl(ref, parseEnvironmentSpec({})), 'http://mail.preview-42.svc:8080');
    assert.equal(apiUrl(ref, parseEnvironmentSpec({ tls: { existingSecret: 't', http: true } })), 'https://mail.preview-42.svc:8080');
    assert.equal(tlsSecretName(ref, parseEnvironmentSpec({})), undefined);
    assert.equal(tlsSecretName(ref, parseEnvironmentSpec({ tls: { issuerRef: { name: 'ca' } } })), 'mail-tls');
    assert.equal(tlsSecretName(ref, parseEnvironmentSpec({ tls: { existingSecret: 'mine' } })), 'mine');
  });

  test('database names: the spec\'s, else capturebox_<namespace>_<name>, hashed when longer than MongoDB allows', () => {
    const mongo = (extra = {}) => parseEnvironmentSpec({ storage: { type: 'mongodb', mongodb: { secretRef: { name: 'm' }, ...extra } } });
    assert.equal(databaseName(ref, mongo()), 'capturebox_preview-42_mail');
    assert.equal(databaseName(ref, mongo({ database: 'mine' })), 'mine');
    const long = { name: 'a'.repeat(52), namespace: 'b'.repeat(63) };
    const name = databaseName(long, mongo());
    assert.ok(name.length <= 63, name);
    assert.match(name, /^capturebox_b+_[0-9a-f]{10}$/);
    assert.notEqual(name, databaseName({ ...long, name: `${'a'.repeat(51)}c` }, mongo()));
  });
});

describe('expiry', () => {
  test('ttl units add up', () => {
    assert.equal(parseTtl('90s'), 90_000);
    assert.equal(parseTtl('1h30m'), 5_400_000);
    assert.equal(parseTtl('7d'), 604_800_000);
    assert.throws(() => parseTtl('1w'));
  });

  test('expiresAt wins; ttl counts from creation; neither means never', () => {
    assert.equal(expiryOf('2026-01-01T00:00:00Z', { ttl: '72h' })!.toISOString(), '2026-01-04T00:00:00.000Z');
    assert.equal(expiryOf('2026-01-01T00:00:00Z', { expiresAt: '2026-02-01T12:00:00+02:00' })!.toISOString(), '2026-02-01T10:00:00.000Z');
    assert.equal(expiryOf('2026-01-01T00:00:00Z', {}), undefined);
    assert.equal(kubernetesTime(new Date('2026-01-01T00:00:00.123Z')), '2026-01-01T00:00:00Z');
  });
});
