import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config';

describe('operator configuration', () => {
  test('defaults: all namespaces, leader election in the pod\'s namespace, the release\'s capture image', () => {
    const config = loadConfig({ POD_NAMESPACE: 'capturebox-system', POD_NAME: 'op-0' });
    assert.equal(config.defaultImage, 'ghcr.io/capturebox/capturebox:0.1.0');
    assert.equal(config.watchNamespace, '');
    assert.deepEqual(config.http, { bind: '0.0.0.0', port: 8081 });
    assert.deepEqual(config.leaderElection, {
      enabled: true,
      leaseName: 'capturebox-operator',
      leaseNamespace: 'capturebox-system',
      identity: 'op-0',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    assert.equal(config.resyncMs, 300_000);
  });

  test('refuses what cannot work', () => {
    assert.throws(() => loadConfig({}), (e: Error) => e instanceof ConfigError && /LEASE_NAMESPACE/.test(e.message) && /CAPTUREBOX_OPERATOR_LEADER_ELECTION=false/.test(e.message));
    assert.throws(() => loadConfig({ POD_NAMESPACE: 'x', CAPTUREBOX_OPERATOR_RENEW_DEADLINE_SECONDS: '20' }), /retry period < renew deadline < lease duration/);
    assert.throws(() => loadConfig({ POD_NAMESPACE: 'x', CAPTUREBOX_OPERATOR_CONCURRENCY: '0' }), /CONCURRENCY/);
    assert.equal(loadConfig({ CAPTUREBOX_OPERATOR_LEADER_ELECTION: 'false' }).leaderElection.enabled, false);
  });
});
