// The replica feed on a real store file: what another process stored reaches this process's listeners once,
// what this process captured is not repeated, and with no wait open the feed asks the store nothing.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { loadConfig } from '../config';
import type { StoredMessage } from '../domain';
import { MessageEvents } from '../events';
import { createRootLogger } from '../logging';
import { SqliteMessageStore, type MessageStore } from '../store';
import { makeCapturedMail, makeCopies, makeNestedStoreFile } from '../store/testing';
import { ReplicaFeed } from './replica-feed';

describe('ReplicaFeed', () => {
  let store: SqliteMessageStore;
  let cleanup: () => Promise<void>;
  let events: MessageEvents;
  let searches: number;
  let feed: ReplicaFeed;

  beforeEach(async () => {
    const file = makeNestedStoreFile('capturebox-feed-', 'capture.db');
    cleanup = file.cleanup;
    store = new SqliteMessageStore({ file: file.file });
    await store.open();
    // Counts the feed's reads while passing them to the real store.
    searches = 0;
    const counting: MessageStore = Object.create(store, {
      searchMessages: { value: (search: Parameters<MessageStore['searchMessages']>[0]) => (searches++, store.searchMessages(search)) },
    });
    events = new MessageEvents();
    const config = loadConfig({ CAPTUREBOX_MONGODB_URI: 'mongodb://shared.example/capturebox' });
    feed = new ReplicaFeed(counting, config, createRootLogger('silent'), events);
  });
  afterEach(async () => {
    feed.onApplicationShutdown();
    await store.close();
    await cleanup();
  });

  /** Stores a message as another replica would: in the shared store, without telling this process. */
  async function storedElsewhere(inbox: string): Promise<StoredMessage> {
    const mail = makeCapturedMail({ received: new Date() });
    const [copy] = makeCopies(mail, [inbox]);
    await store.saveCaptured(mail, [copy]);
    return copy;
  }

  it('asks the store nothing while nothing listens', async () => {
    await storedElsewhere('idle@example.com');
    await feed.look();
    assert.equal(searches, 0);
  });

  it("publishes another replica's copy in a watched inbox once, and not one captured here", async () => {
    feed.onModuleInit();
    const heard: string[] = [];
    events.onCaptured('watched@example.com', (message) => heard.push(message.id));
    const theirs = await storedElsewhere('watched@example.com');
    const other = await storedElsewhere('unwatched@example.com');
    const mail = makeCapturedMail({ received: new Date() });
    const mine = makeCopies(mail, ['watched@example.com']);
    await store.saveCaptured(mail, mine);
    events.publishCaptured(mine);
    heard.length = 0;

    await feed.look();
    await feed.look();
    assert.deepEqual(heard, [theirs.id], 'once, only the watched inbox, not the local capture');
    assert.equal(searches, 2);

    const heardAll: string[] = [];
    events.onAnyCaptured((message) => heardAll.push(message.id));
    await feed.look();
    assert.deepEqual(heardAll, [other.id], 'a listener to all mail makes the feed look at every inbox');
  });
});
