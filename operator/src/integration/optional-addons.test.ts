// The operator on an API server without cert-manager's or prometheus-operator's CRDs (most clusters have
// one or neither): their watches wait through discovery, logged once, with no failing watch and no restart
// counted (an alert on the restart metric would fire on every such cluster), and start when the CRDs appear.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { OperatorProcess } from './support/operator-process';
import { REPO_ROOT, Testbed, eventually } from './support/testbed';

const ADD_ON_RESOURCES = ['certificates', 'servicemonitors'];
const WAITING = "the add-on's CRDs are not installed: watching for them through discovery";

describe('operator without the optional add-ons\' CRDs', () => {
  let bed: Testbed;
  let operator: OperatorProcess;
  const readyz = async () => JSON.parse((await operator.http('/readyz')).body) as { watches: Record<string, unknown> };
  const addOnRestarts = /^capturebox_operator_watch_restarts_total\{resource="(certificates|servicemonitors)"\} [1-9]/m;

  before(async () => {
    bed = await Testbed.start();
    await bed.kubectl(['apply', '--server-side', '-f', join(REPO_ROOT, 'crds')]);
    await bed.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/captureenvironments.capturebox.dev']);
    operator = await OperatorProcess.start({
      kubeconfig: bed.kubeconfig,
      identity: 'solo',
      leaseNamespace: 'default',
      env: { CAPTUREBOX_OPERATOR_LEADER_ELECTION: 'false', CAPTUREBOX_OPERATOR_ADDON_DISCOVERY_SECONDS: '1' },
    });
  });

  after(async () => {
    await operator?.stop().catch(() => undefined);
    if (process.env.OPERATOR_TEST_LOGS === '1') console.log(operator?.log);
    await bed?.stop();
  });

  test('their watches wait quietly: logged once each, no failing watch, the restart metric stays at zero', async () => {
    await eventually(() => ADD_ON_RESOURCES.every((resource) => operator.lines.some((l) => l.msg === WAITING && l.resource === resource)), 'the waiting watches to say so');
    await new Promise((resolve) => setTimeout(resolve, 6000)); // six rounds of discovery
    for (const resource of ADD_ON_RESOURCES) {
      assert.equal(operator.lines.filter((l) => l.msg === WAITING && l.resource === resource).length, 1, `${resource}: said once`);
    }
    // (A fresh CRD's own watch may fail once while the API server initialises its storage: not an add-on's.)
    const failed = operator.lines.filter((l) => /watch failed/.test(String(l.msg)) && ADD_ON_RESOURCES.includes(l.resource));
    assert.deepEqual(failed, [], 'no failing add-on watch');
    assert.doesNotMatch((await operator.http('/metrics')).body, addOnRestarts);
    const { watches } = await readyz();
    assert.equal(watches.certificates, 'add-on not installed');
    assert.equal(watches.servicemonitors, 'add-on not installed');
  });

  test('an environment asking for a Certificate is Degraded meanwhile; once the CRDs appear the watches start and it gets one', async () => {
    await bed.kubectl(['create', 'namespace', 'tls']);
    await bed.apply({ apiVersion: 'capturebox.dev/v1alpha1', kind: 'CaptureEnvironment', metadata: { name: 'mail', namespace: 'tls' }, spec: { tls: { issuerRef: { name: 'ca' } } } });
    await eventually(async () => {
      const env = await bed.get<Record<string, any>>('captureenvironment', 'mail', 'tls');
      return env?.status?.conditions?.find((c: { type: string; reason: string }) => c.type === 'Degraded' && c.reason === 'CertManagerNotInstalled');
    }, 'Degraded: CertManagerNotInstalled');
    await bed.kubectl(['apply', '--server-side', '-f', join(REPO_ROOT, 'e2e', 'fixtures', 'crds')]);
    await eventually(async () => ADD_ON_RESOURCES.every((resource) => operator.lines.some((l) => /served now/.test(String(l.msg)) && l.resource === resource)), 'the watches to start', 30_000);
    await eventually(async () => {
      const { watches } = await readyz();
      return ADD_ON_RESOURCES.every((resource) => watches[resource] === true);
    }, 'the add-on watches to be synced', 30_000);
    await eventually(() => bed.get('certificate', 'mail', 'tls'), 'the Certificate', 30_000);
    // A CRD just created may answer 429 (storage initialising) once: a real restart, but it must not climb.
    const restarts = async () => [...(await operator.http('/metrics')).body.matchAll(/^capturebox_operator_watch_restarts_total\{resource="(certificates|servicemonitors)"\} (\d+)$/gm)].map((m) => `${m[1]}=${m[2]}`);
    const settled = await restarts();
    for (const count of settled) assert.ok(Number(count.split('=')[1]) <= 1, count);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    assert.deepEqual(await restarts(), settled);
  });
});
