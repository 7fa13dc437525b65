// RetentionService against a real SQLite store in a temporary directory: the passes are called directly with
// a chosen `now` and small limits, so nothing here waits for the timer.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import type { CaptureboxConfig } from '../config';
import type { StoredMessage } from '../domain';
import { RetentionService } from './retention.service';
import { SqliteMessageStore } from './sqlite-message-store';
import { makeAttachment, makeCapturedMail, makeCopies } from './test-fixtures';

const HOUR = 60 * 60_000;
const NOW = new Date('2024-05-06T12:00:00.000Z');

function hoursAgo(hours: number): Date {
  return new Date(NOW.getTime() - hours * HOUR);
}

type Retention = CaptureboxConfig['retention'];

/** A real store that counts the calls retention makes, and can be told to fail them. */
class ObservedStore extends SqliteMessageStore {
  readonly calls = { countInbox: 0, trimInbox: 0, pruneOlderThan: 0 };
  failWith: Error | null = null;

  override async countInbox(inbox: string): Promise<number> {
    this.calls.countInbox++;
    if (this.failWith) throw this.failWith;
    return super.countInbox(inbox);
  }

  override async trimInbox(inbox: string, keepNewest: number): Promise<number> {
    this.calls.trimInbox++;
    return super.trimInbox(inbox, keepNewest);
  }

  override async pruneOlderThan(cutoff: Date): Promise<number> {
    this.calls.pruneOlderThan++;
    return super.pruneOlderThan(cutoff);
  }
}

describe('RetentionService', () => {
  let dir: string;
  let store: ObservedStore;
  let logs: Array<{ level: number; msg: string }>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'capturebox-retention-'));
    store = new ObservedStore({ file: join(dir, 'store.sqlite') });
    await store.open();
    logs = [];
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function makeService(retention: Partial<Retention>): RetentionService {
    const limits: Retention = { maxMessagesPerInbox: 0, maxAgeHours: 0, intervalMs: 60_000, ...retention };
    const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    return new RetentionService({ retention: limits }, store, logger);
  }

  let saved = 0;

  /** Saves a mail with an attachment of its own, so each pruned mail leaves one content to sweep. */
  async function save(received: Date, recipients: string[], overrides?: Partial<StoredMessage>) {
    const mail = makeCapturedMail({ received, attachments: [makeAttachment(`only in mail ${++saved}`)] });
    const copies = makeCopies(mail, recipients, overrides);
    await store.saveCaptured(mail, copies);
    return copies;
  }

  async function idsIn(inbox: string): Promise<string[]> {
    return (await store.listInbox(inbox, { limit: 100 })).map((message) => message.id);
  }

  const warnings = () => logs.filter((entry) => entry.level === 40).map((entry) => entry.msg);
  const errors = () => logs.filter((entry) => entry.level === 50).map((entry) => entry.msg);

  describe('afterCapture', () => {
    it('trims every inbox a mail went to down to its newest public messages, keeping starred ones', async () => {
      const service = makeService({ maxMessagesPerInbox: 2 });
      const [starred] = await save(hoursAgo(9), ['full@example.com'], { savedBy: 'account-1' });
      await save(hoursAgo(4), ['full@example.com']);
      const [third] = await save(hoursAgo(3), ['full@example.com', 'also@example.com']);
      const [newest] = await save(hoursAgo(2), ['full@example.com']);
      await save(hoursAgo(1), ['also@example.com']);

      await service.afterCapture(['full@example.com', 'also@example.com', 'full@example.com']);

      assert.deepEqual(await idsIn('full@example.com'), [newest.id, third.id, starred.id]);
      assert.equal(await store.countInbox('also@example.com'), 2, 'within its limit');
    });

    it('does not trim an inbox that is within its limit, and does nothing without a limit', async () => {
      await save(hoursAgo(2), ['small@example.com']);
      await save(hoursAgo(1), ['small@example.com']);

      await makeService({ maxMessagesPerInbox: 2 }).afterCapture(['small@example.com']);
      assert.deepEqual(store.calls, { countInbox: 1, trimInbox: 0, pruneOlderThan: 0 }, 'one count, no trim');

      await makeService({ maxMessagesPerInbox: 0 }).afterCapture(['small@example.com']);
      assert.equal(store.calls.countInbox, 1, 'no limit: not even a count');
      assert.equal(await store.countInbox('small@example.com'), 2);
    });

    it('counts an inbox with room once, then again only when the captures since could have filled it', async () => {
      const service = makeService({ maxMessagesPerInbox: 5 });
      const capture = async (hours: number) => {
        await save(hoursAgo(hours), ['room@example.com']);
        await service.afterCapture(['room@example.com']);
      };
      await capture(9); // counted: 1 stored, room for 4 more
      for (const hours of [8, 7, 6, 5]) await capture(hours);
      assert.equal(store.calls.countInbox, 1, 'the next 4 fit in the room counted');
      await capture(4); // the sixth: the room is used up, so it is counted, found over the limit and trimmed
      assert.deepEqual([store.calls.countInbox, store.calls.trimInbox], [2, 1]);
      assert.equal((await idsIn('room@example.com')).length, 5); // (not countInbox: that is what is counted)
      await capture(3); // an inbox at its limit has no room: every capture is counted (and trimmed)
      assert.deepEqual([store.calls.countInbox, store.calls.trimInbox], [3, 2]);
      assert.equal((await idsIn('room@example.com')).length, 5); // (not countInbox: that is what is counted)
    });

    it('does not trust a count that finished after captures it may not include', async () => {
      const service = makeService({ maxMessagesPerInbox: 5 });
      for (const hours of [9, 8, 7]) await save(hoursAgo(hours), ['race@example.com']);
      // Capture A's count reads 4 and answers late; capture B saves and counts (5) meanwhile.
      let answerA: () => void = () => undefined;
      const countInbox = store.countInbox.bind(store);
      store.countInbox = async (inbox: string) => {
        const count = await countInbox(inbox);
        if (store.calls.countInbox === 1) await new Promise<void>((resolve) => (answerA = resolve));
        return count;
      };
      await save(hoursAgo(6), ['race@example.com']);
      const a = service.afterCapture(['race@example.com']);
      await save(hoursAgo(5), ['race@example.com']);
      await service.afterCapture(['race@example.com']);
      answerA();
      await a;
      // A's 4 does not count B's capture: taken at its word it would leave room for one more, uncounted.
      await save(hoursAgo(4), ['race@example.com']);
      await service.afterCapture(['race@example.com']);
      assert.equal((await idsIn('race@example.com')).length, 5, 'the sixth was counted and the inbox trimmed');
    });

    it('never rejects: a store outage is a warning, any other failure an error', async () => {
      const service = makeService({ maxMessagesPerInbox: 2 });
      store.failWith = new Error('disk on fire');
      await service.afterCapture(['a@example.com']);
      assert.deepEqual(errors(), ['retention: trimming an inbox failed']);

      store.failWith = null;
      await store.close();
      await service.afterCapture(['a@example.com']);
      assert.deepEqual(warnings(), ['retention: store unavailable while trimming an inbox; trying again later']);
    });
  });

  describe('pruneExpired', () => {
    it('removes public mail past the age limit and the attachments only it carried, keeping starred mail', async () => {
      const service = makeService({ maxAgeHours: 24 });
      await save(hoursAgo(30), ['old@example.com', 'old-too@example.com']);
      const [starred] = await save(hoursAgo(30), ['old@example.com'], { savedBy: 'account-1' });
      const [recent] = await save(hoursAgo(23), ['old@example.com']);

      assert.deepEqual(await service.pruneExpired(NOW), { expired: 2, attachments: 1, deliveries: 0 });
      assert.deepEqual(await idsIn('old@example.com'), [recent.id, starred.id]);
      assert.equal(await store.countInbox('old-too@example.com'), 0);
      assert.deepEqual(await service.pruneExpired(NOW), { expired: 0, attachments: 0, deliveries: 0 }, 'a second pass finds nothing');
    });

    it('removes the records of webhook deliveries settled before the age limit, keeping pending and recent ones', async () => {
      const service = makeService({ maxAgeHours: 24 });
      const mail = makeCapturedMail();
      const [copy] = makeCopies(mail, ['hooked@example.com']);
      const ids = ['old', 'recent', 'pending'].map((name) => `dlv_${name}`);
      await store.saveCaptured(mail, [copy], ids.map((id) => ({ id, webhookId: 'wh_1', messageId: copy.id, inbox: copy.inbox })));
      const claimed = await store.claimWebhookDeliveries({ owner: 'w1', now: new Date(), leaseMs: 60_000, limit: 10 });
      const settle = (id: string, at: Date) =>
        store.settleWebhookDelivery(claimed.find((d) => d.id === id)!, 'w1', { state: 'delivered', attempt: { at, status: 200, latencyMs: 1, error: null }, nextAttemptAt: at });
      assert.equal(await settle('dlv_old', hoursAgo(25)), true);
      assert.equal(await settle('dlv_recent', hoursAgo(23)), true);

      assert.deepEqual(await service.pruneExpired(NOW), { expired: 0, attachments: 0, deliveries: 1 });
      assert.deepEqual((await store.listWebhookDeliveries('wh_1', 10)).map((d) => d.id).sort(), ['dlv_pending', 'dlv_recent']);
    });

    it('without an age limit keeps all mail but still sweeps what deletes left behind', async () => {
      const service = makeService({ maxAgeHours: 0 });
      const [kept] = await save(hoursAgo(1000), ['ancient@example.com']);
      const [deleted] = await save(hoursAgo(1), ['deleted@example.com']);
      await store.deleteMessage(deleted.inbox, deleted.id);

      assert.deepEqual(await service.pruneExpired(NOW), { expired: 0, attachments: 1, deliveries: 0 });
      assert.equal(store.calls.pruneOlderThan, 0);
      assert.deepEqual(await idsIn(kept.inbox), [kept.id]);
    });

    it('joins a pass that is already running instead of starting a second one', async () => {
      const service = makeService({ maxAgeHours: 24 });
      await save(hoursAgo(30), ['old@example.com']);

      const [first, second] = await Promise.all([service.pruneExpired(NOW), service.pruneExpired(NOW)]);
      assert.equal(store.calls.pruneOlderThan, 1);
      assert.deepEqual(second, first);
      await service.pruneExpired(NOW);
      assert.equal(store.calls.pruneOlderThan, 2, 'a later pass runs again');
    });

    it('resolves with nothing removed and a warning while the store is unavailable', async () => {
      const service = makeService({ maxAgeHours: 24 });
      await store.close();
      assert.deepEqual(await service.pruneExpired(NOW), { expired: 0, attachments: 0, deliveries: 0 });
      assert.deepEqual(warnings(), ['retention: store unavailable while pruning expired mail; trying again later']);
      assert.deepEqual(errors(), []);
    });
  });

  it('at shutdown, stops its schedule and waits for the work in progress', async () => {
    const service = makeService({ maxMessagesPerInbox: 1, maxAgeHours: 24 });
    await save(hoursAgo(30), ['old@example.com']);
    await save(hoursAgo(2), ['busy@example.com']);
    await save(hoursAgo(1), ['busy@example.com']);
    service.onApplicationBootstrap();

    const finished: string[] = [];
    void service.pruneExpired(NOW).then(() => finished.push('pass'));
    void service.afterCapture(['busy@example.com']).then(() => finished.push('trim'));
    await service.onApplicationShutdown();

    assert.deepEqual(finished.sort(), ['pass', 'trim']);
    assert.equal(await store.countInbox('busy@example.com'), 1);
    assert.equal(await store.countInbox('old@example.com'), 0);
  });
});
