// Leader election against an in-memory Lease with the API server's optimistic concurrency.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaderElector, LeaseConflictError, microTime, type LeaseRecord, type LeaseStore, type StoredLease } from './leader-election';
import { eventually } from './testing';

class MemoryLeaseStore implements LeaseStore {
  lease?: StoredLease;
  failing = false;
  private version = 0;

  async get() {
    if (this.failing) throw new Error('API server unreachable');
    return this.lease && { record: { ...this.lease.record }, resourceVersion: this.lease.resourceVersion };
  }
  async create(record: LeaseRecord) {
    if (this.failing) throw new Error('API server unreachable');
    if (this.lease) throw new LeaseConflictError('exists');
    this.lease = { record: { ...record }, resourceVersion: String(++this.version) };
  }
  async update(record: LeaseRecord, resourceVersion: string) {
    if (this.failing) throw new Error('API server unreachable');
    if (this.lease?.resourceVersion !== resourceVersion) throw new LeaseConflictError('changed');
    this.lease = { record: { ...record }, resourceVersion: String(++this.version) };
  }
}

function candidate(store: LeaseStore, identity: string, clock: { now: number }, events: string[] = []) {
  return new LeaderElector(
    store,
    { identity, leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500, now: () => clock.now },
    { onStartedLeading: () => events.push(`${identity} leads`), onStoppedLeading: () => events.push(`${identity} stopped`) },
  );
}

describe('LeaderElector.tryAcquireOrRenew', () => {
  test('the first candidate creates the Lease; the second does not get it while it is renewed', async () => {
    const store = new MemoryLeaseStore();
    const clock = { now: 1_000_000 };
    const a = candidate(store, 'a', clock);
    const b = candidate(store, 'b', clock);
    assert.equal(await a.tryAcquireOrRenew(), true);
    assert.equal(store.lease!.record.holderIdentity, 'a');
    assert.equal(store.lease!.record.leaseDurationSeconds, 3);
    assert.equal(await b.tryAcquireOrRenew(), false);
    for (let i = 0; i < 10; i++) {
      clock.now += 1000;
      assert.equal(await a.tryAcquireOrRenew(), true, 'renewed');
      assert.equal(await b.tryAcquireOrRenew(), false, 'still held');
    }
    assert.equal(store.lease!.record.leaseTransitions, 0);
  });

  test('a Lease not renewed for a whole duration (by the candidate\'s own clock) is taken over', async () => {
    const store = new MemoryLeaseStore();
    const clock = { now: 5_000 };
    const a = candidate(store, 'a', clock);
    const b = candidate(store, 'b', clock);
    await a.tryAcquireOrRenew();
    assert.equal(await b.tryAcquireOrRenew(), false);
    clock.now += 2999;
    assert.equal(await b.tryAcquireOrRenew(), false, 'not expired yet');
    clock.now += 2;
    assert.equal(await b.tryAcquireOrRenew(), true, 'expired: taken over');
    assert.equal(store.lease!.record.holderIdentity, 'b');
    assert.equal(store.lease!.record.leaseTransitions, 1);
    assert.equal(await a.tryAcquireOrRenew(), false, 'the old leader sees the new holder');
  });

  test('skewed clocks do not matter: expiry counts from when the candidate saw the record change', async () => {
    const store = new MemoryLeaseStore();
    const aClock = { now: 0 };
    const bClock = { now: 10_000_000 }; // hours ahead of a
    const a = candidate(store, 'a', aClock);
    const b = candidate(store, 'b', bClock);
    await a.tryAcquireOrRenew();
    assert.equal(await b.tryAcquireOrRenew(), false, 'the renewTime looks ancient to b, but b only just saw it');
  });

  test('a released Lease (empty holder) is taken at once; a concurrent write loses cleanly', async () => {
    const store = new MemoryLeaseStore();
    const clock = { now: 0 };
    await store.create({ holderIdentity: '', leaseDurationSeconds: 1, acquireTime: microTime(0), renewTime: microTime(0), leaseTransitions: 4 });
    const b = candidate(store, 'b', clock);
    assert.equal(await b.tryAcquireOrRenew(), true);
    assert.equal(store.lease!.record.leaseTransitions, 5);
    const racing: LeaseStore = { get: () => store.get(), create: () => store.create({} as never), update: async () => { throw new LeaseConflictError('lost'); } };
    assert.equal(await candidate(racing, 'c', { now: 1e9 }).tryAcquireOrRenew(), false);
  });

  test('MicroTime has exactly six fractional digits', () => {
    assert.equal(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 67)), '2026-01-02T03:04:05.067000Z');
  });
});

describe('LeaderElector.start', () => {
  test('leads, and on stop releases the Lease so a standby takes over at once', async () => {
    const store = new MemoryLeaseStore();
    const events: string[] = [];
    const a = new LeaderElector(store, { identity: 'a', leaseDurationMs: 300, renewDeadlineMs: 200, retryPeriodMs: 20 }, { onStartedLeading: () => events.push('a leads'), onStoppedLeading: () => events.push('a stopped') });
    const b = new LeaderElector(store, { identity: 'b', leaseDurationMs: 300, renewDeadlineMs: 200, retryPeriodMs: 20 }, { onStartedLeading: () => events.push('b leads'), onStoppedLeading: () => events.push('b stopped') });
    void a.start();
    await eventually(() => a.isLeader);
    void b.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(b.isLeader, false);
    await a.stop();
    assert.equal(store.lease!.record.holderIdentity === 'a', false, 'released');
    await eventually(() => b.isLeader, { timeoutMs: 2000, what: 'b to take over' });
    await b.stop();
    assert.deepEqual(events, ['a leads', 'a stopped', 'b leads', 'b stopped']);
  });

  test('a leader that cannot renew within the renew deadline stops leading', async () => {
    const store = new MemoryLeaseStore();
    let stoppedAt = 0;
    const a = new LeaderElector(store, { identity: 'a', leaseDurationMs: 300, renewDeadlineMs: 150, retryPeriodMs: 20 }, { onStartedLeading: () => undefined, onStoppedLeading: () => (stoppedAt = Date.now()) });
    const loop = a.start();
    await eventually(() => a.isLeader);
    const brokeAt = Date.now();
    store.failing = true;
    await loop;
    assert.equal(a.isLeader, false);
    assert.ok(stoppedAt - brokeAt >= 140 && stoppedAt - brokeAt < 2000, `stopped after ${stoppedAt - brokeAt} ms`);
  });

  test('timings must nest: retry period < renew deadline < lease duration', () => {
    const noop = { onStartedLeading() {}, onStoppedLeading() {} };
    assert.throws(() => new LeaderElector(new MemoryLeaseStore(), { identity: 'a', leaseDurationMs: 10, renewDeadlineMs: 10, retryPeriodMs: 1 }, noop));
    assert.throws(() => new LeaderElector(new MemoryLeaseStore(), { identity: 'a', leaseDurationMs: 10, renewDeadlineMs: 5, retryPeriodMs: 5 }, noop));
  });
});
