// Two (then three) operator processes against one real API server: one leader at a time, chosen through a
// coordination.k8s.io Lease; a standby takes over at once when the leader stops cleanly (it releases the
// Lease), and after the lease duration when the leader dies without a word (SIGKILL).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorProcess } from './support/operator-process';
import { Testbed, eventually, installCrds } from './support/testbed';

type Json = Record<string, any>;
const NAMESPACE = 'operators';

describe('leader election between operator processes', () => {
  let bed: Testbed;
  const processes: OperatorProcess[] = [];

  const start = async (identity: string) => {
    const process = await OperatorProcess.start({ kubeconfig: bed.kubeconfig, identity, leaseNamespace: NAMESPACE });
    processes.push(process);
    return process;
  };
  const holder = async () => (await bed.get<Json>('lease', 'capturebox-operator', NAMESPACE))?.spec.holderIdentity as string | undefined;
  const leaders = async () => {
    const flags = await Promise.all(processes.filter((p) => p.running).map(async (p) => ((await p.leads()) ? p.identity : undefined)));
    return flags.filter(Boolean);
  };
  const reconciled = async (name: string) => {
    await bed.apply({ apiVersion: 'capturebox.dev/v1alpha1', kind: 'CaptureEnvironment', metadata: { name, namespace: 'envs' }, spec: {} });
    return eventually(async () => (await bed.get<Json>('captureenvironment', name, 'envs'))?.status?.observedGeneration === 1, `${name} to be reconciled`, 30_000);
  };
  const reconcilesBy = async (process: OperatorProcess) => {
    const { body } = await process.http('/metrics');
    return Number(/^capturebox_operator_reconciles_total\{result="success"\} (\d+)$/m.exec(body)?.[1] ?? 0);
  };

  before(async () => {
    bed = await Testbed.start();
    await installCrds(bed);
    await bed.kubectl(['create', 'namespace', NAMESPACE]);
    await bed.kubectl(['create', 'namespace', 'envs']);
  });

  after(async () => {
    for (const process of processes) await process.stop('SIGKILL').catch(() => undefined);
    if (process.env.OPERATOR_TEST_LOGS === '1') for (const p of processes) console.log(`--- ${p.identity}\n${p.log}`);
    await bed?.stop();
  });

  test('two processes elect exactly one leader; only the leader reconciles; both are healthy and ready', async () => {
    const [a, b] = [await start('operator-a'), await start('operator-b')];
    const leader = await eventually(async () => ((await leaders()).length === 1 ? (await leaders())[0] : undefined), 'one leader', 20_000);
    assert.equal(await holder(), leader);
    const standby = leader === a.identity ? b : a;
    const leading = leader === a.identity ? a : b;
    await reconciled('first');
    assert.ok((await reconcilesBy(leading)) > 0);
    assert.equal(await reconcilesBy(standby), 0, 'the standby does nothing');
    for (const p of [a, b]) {
      assert.equal((await p.http('/healthz')).status, 200);
      assert.equal((await p.http('/readyz')).status, 200);
    }
    // Still one leader a few renewals later.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(await leaders(), [leader]);
  });

  test('the standby takes over at once when the leader stops (SIGTERM releases the Lease)', async () => {
    const leading = await findLeader();
    const standby = processes.find((p) => p.running && p !== leading)!;
    const transitions = (await bed.get<Json>('lease', 'capturebox-operator', NAMESPACE))!.spec.leaseTransitions ?? 0;
    const stoppedAt = Date.now();
    assert.equal(await leading.stop('SIGTERM'), 0);
    await eventually(async () => (await holder()) === standby.identity && (await standby.leads()), 'the standby to lead', 15_000);
    // Released, not expired: well under the 3 s lease duration plus a retry period on a calm machine;
    // the bound here leaves room for a loaded one.
    assert.ok(Date.now() - stoppedAt < 12_000, `took ${Date.now() - stoppedAt} ms`);
    assert.equal((await bed.get<Json>('lease', 'capturebox-operator', NAMESPACE))!.spec.leaseTransitions, transitions + 1);
    await reconciled('second');
    assert.ok((await reconcilesBy(standby)) > 0);
  });

  test('a leader killed without a word is replaced once its Lease expires', async () => {
    const leading = await findLeader();
    const newcomer = await start('operator-c');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(await newcomer.leads(), false, 'no takeover while the Lease is renewed');
    await leading.stop('SIGKILL');
    await eventually(async () => (await holder()) === newcomer.identity && (await newcomer.leads()), 'the newcomer to lead after the lease duration', 30_000);
    await reconciled('third');
  });

  async function findLeader(): Promise<OperatorProcess> {
    return eventually(async () => {
      for (const p of processes) if (p.running && (await p.leads())) return p;
      return undefined;
    }, 'a leader', 20_000);
  }
});
