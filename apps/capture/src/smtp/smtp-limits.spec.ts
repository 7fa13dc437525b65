import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionLimits, DataAdmission } from './smtp-limits';

describe('ConnectionLimits', () => {
  test('refuses past the per-IP limit first, then past the total, and frees places on release', () => {
    const limits = new ConnectionLimits({ maxConnections: 3, maxConnectionsPerIp: 2 });
    assert.equal(limits.admit('a'), null);
    assert.equal(limits.admit('a'), null);
    assert.equal(limits.admit('a'), 'too_many_connections_from_ip');
    assert.equal(limits.admit('b'), null);
    assert.equal(limits.admit('c'), 'too_many_connections');
    limits.release('a');
    limits.release('never-admitted');
    assert.equal(limits.admit('c'), null);
    assert.equal(limits.admit('c'), 'too_many_connections');
  });
});

describe('DataAdmission', () => {
  test('holds the bytes budget: a turn waits until bytes are given back, in arrival order', async () => {
    const admission = new DataAdmission({ maxDataTransactions: 10, maxInflightBytes: 100 });
    const first = await admission.enter(60, 1000);
    assert.ok(first);
    assert.equal(admission.inflightBytes, 60);
    const order: string[] = [];
    const second = admission.enter(60, 1000).then((turn) => (order.push('second'), turn));
    const third = admission.enter(30, 1000).then((turn) => (order.push('third'), turn));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(order, [], 'FIFO: the small one does not overtake');
    first();
    first(); // a second give-back changes nothing
    const [secondTurn, thirdTurn] = await Promise.all([second, third]);
    assert.deepEqual(order, ['second', 'third']);
    assert.equal(admission.inflightBytes, 90);
    secondTurn!();
    thirdTurn!();
    assert.equal(admission.inflightBytes, 0);
  });

  test('a wait past its timeout gets no turn and takes nothing; a reservation above the budget is cut to it', async () => {
    const admission = new DataAdmission({ maxDataTransactions: 1, maxInflightBytes: 100 });
    const holder = await admission.enter(1_000_000, 1000);
    assert.equal(admission.inflightBytes, 100);
    assert.equal(await admission.enter(10, 50), null, 'no place in time');
    holder!();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(admission.inflightBytes, 0, 'the timed-out wait gave back what it got late');
    const next = await admission.enter(10, 50);
    assert.ok(next);
    next();
  });

  test('a turn costs the same whatever the byte budget (a release must not walk the budget byte by byte)', async () => {
    // 256 MiB: a semaphore that visits every byte count on release (async-mutex did) spends about a second
    // per turn here; a queue, microseconds.
    const admission = new DataAdmission({ maxDataTransactions: 10, maxInflightBytes: 2 ** 28 });
    const started = performance.now();
    for (const reserve of [1000, 2 ** 31, 1, 2 ** 20, 1000]) (await admission.enter(reserve, 1000))!();
    const elapsedMs = performance.now() - started;
    assert.equal(admission.inflightBytes, 0);
    assert.ok(elapsedMs < 500, `5 turns took ${elapsedMs.toFixed(0)} ms`);
  });

  test('a head that times out lets the ones behind it in', async () => {
    const admission = new DataAdmission({ maxDataTransactions: 10, maxInflightBytes: 100 });
    const holder = await admission.enter(60, 1000);
    const big = admission.enter(60, 30);
    const small = admission.enter(30, 1000);
    assert.equal(await big, null);
    const smallTurn = await small;
    assert.ok(smallTurn, 'the small one got its turn once the big one gave up');
    assert.equal(admission.inflightBytes, 90);
    holder!();
    smallTurn();
    assert.equal(admission.inflightBytes, 0);
  });
});
