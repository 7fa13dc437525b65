// The MongoDB store against a real MongoDB-wire server (see mongo-test-server.ts): the shared contract, then
// what only this adapter has: large blobs outside the metadata documents, the declared indexes and their
// use, the undo of a failed save, and faults with reconnection. Each test gets a database of its own.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { BSON, MongoClient, type CommandStartedEvent, type Db, type Document } from 'mongodb';
import { StoreUnavailableError } from './message-store';
import type { AttachmentContent } from '../domain';
import { describeMessageStoreContract } from './message-store.contract';
import { databaseNameOf, mongoClientOptions } from './mongo-connection';
import { MongoMessageStore } from './mongo-message-store';
import { bulkWriteInTurn, DuplicateKeysInBatch } from './mongo-turn-batch';
import {
  BLOB_CHUNK_BYTES,
  COLLECTIONS,
  INDEXES,
  MESSAGES_BY_DOMAIN,
  MESSAGES_BY_INBOX,
  MESSAGES_BY_STARRED,
  attachmentBlobKey,
  attachmentsToRecheckQuery,
  blobTailQuery,
  bodyBlobKey,
  copiesOfQueueIdsQuery,
  copiesWithAttachmentsQuery,
  countDomainPipeline,
  countInboxPipeline,
  deleteDomainMailQuery,
  listDomainQuery,
  listInboxQuery,
  listStarredQuery,
  privateUsagePipeline,
  publicInboxQuery,
  publicOlderThanQuery,
  rawBlobKey,
  staleBlobTailQuery,
  starredUsagePipeline,
  storedBytesPipeline,
  storedCountPipeline,
  type BlobChunkDocument,
  type CapturedDocument,
  type MessageDocument,
} from './mongo-schema';
import { eventually, useMongoTestServer, withDatabase } from './mongo-test-server';
import { makeAttachment, makeCapturedMail, makeCopies } from './test-fixtures';

const MiB = 1024 * 1024;
const HOUR = 60 * 60_000;

describe('MongoMessageStore on a MongoDB-wire server', () => {
  const mongo = useMongoTestServer('capturebox_test');

  describeMessageStoreContract('MongoMessageStore', async () => {
    const database = mongo.freshDatabaseName();
    const uri = mongo.server.uri(database);
    const chunks = () => mongo.admin.db(database).collection<BlobChunkDocument>(COLLECTIONS.blobChunks);
    return {
      store: new MongoMessageStore({ uri }),
      reopen: async () => new MongoMessageStore({ uri }),
      cleanup: async () => {
        await mongo.admin.db(database).dropDatabase();
      },
      countStored: async () => ({
        rawSources: await chunks().countDocuments({ blob: { $regex: '^raw:' }, n: 0 }),
        attachmentContents: await chunks().countDocuments({ blob: { $regex: '^attachment:' }, n: 0 }),
      }),
      elapseBlobGrace: async () => {
        await chunks().updateMany({}, { $set: { touchedAt: new Date(0) } });
      },
    };
  });

  describe('MongoMessageStore', () => {
    let database: string;
    let db: Db;
    let store: MongoMessageStore;

    beforeEach(async () => {
      database = mongo.freshDatabaseName();
      db = mongo.admin.db(database);
      store = new MongoMessageStore({ uri: mongo.server.uri(database) });
      await store.open();
    });

    afterEach(async () => {
      await store.close();
      await db.dropDatabase();
    });

    async function isFerretDb(): Promise<boolean> {
      return (await db.command({ buildInfo: 1 })).ferretdbVersion !== undefined;
    }

    function capturedCount(queueId: string): Promise<number> {
      return db.collection<CapturedDocument>(COLLECTIONS.captured).countDocuments({ _id: queueId });
    }

    function chunksOf(blob: string) {
      return db.collection<BlobChunkDocument>(COLLECTIONS.blobChunks).find({ blob }).sort({ n: 1 }).toArray();
    }

    /** Sets when a save last touched every chunk of a blob, as if that were then. */
    async function touchChunks(blob: string, touchedAt: Date): Promise<void> {
      await db.collection<BlobChunkDocument>(COLLECTIONS.blobChunks).updateMany({ blob }, { $set: { touchedAt } });
    }

    it('round-trips a 25 MB raw source, a 17 MB HTML body and a 3 MB attachment, none in metadata', async () => {
      const raw = randomBytes(25 * MiB);
      const attachment = makeAttachment(randomBytes(3 * MiB), { filename: 'big.bin' });
      const html = `<p>${'x'.repeat(17 * MiB)}</p>`;
      const mail = makeCapturedMail({ raw, html, attachments: [attachment] });
      // One recipient: every read of FerretDB v1 decodes the whole chunk collection, and sharing by copies is
      // the contract's business.
      const [copy] = makeCopies(mail, ['big@example.com']);

      await store.saveCaptured(mail, [copy]);

      assert.ok((await store.getRaw(copy.inbox, copy.id))?.equals(raw), 'the raw source is byte-identical');
      assert.equal((await store.getBody(copy.inbox, copy.id))?.html, html);
      const content = (await store.getAttachment(copy.inbox, copy.id, attachment.md5))?.content;
      assert.ok(content?.equals(attachment.content), 'the attachment is byte-identical');
      for (const document of await db.collection(COLLECTIONS.messages).find().toArray()) {
        assert.ok(BSON.calculateObjectSize(document) < 16 * 1024, 'a message document holds metadata only');
      }
      const captured = await db.collection<CapturedDocument>(COLLECTIONS.captured).findOne({ _id: mail.queueId });
      assert.ok(captured && BSON.calculateObjectSize(captured) < 16 * 1024, 'the captured record is small');
      const rawChunks = await chunksOf(rawBlobKey(mail.queueId));
      assert.equal(rawChunks.length, 25, 'the raw source is stored once, in 1 MiB chunks');
      assert.ok(rawChunks.every((chunk) => chunk.data.length() <= BLOB_CHUNK_BYTES));
    });

    it('declares its indexes on the server', async () => {
      for (const index of INDEXES) {
        const declared = await db.collection(index.collection).listIndexes().toArray();
        const found = declared.find((candidate) => candidate.name === index.name);
        assert.ok(found, `index ${index.name} on ${index.collection}`);
        assert.deepEqual(found.key, index.key);
        assert.equal(found.unique === true, index.unique === true, `uniqueness of ${index.name}`);
      }
      if (mongo.server.dataDir === null) return;
      // FerretDB keeps them as SQLite expression indexes: proof that the server built them, not only listed them.
      const file = join(mongo.server.dataDir, `${database}.sqlite`);
      const sqlite = new Database(file, { readonly: true, fileMustExist: true });
      try {
        const names = sqlite
          .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'index'`)
          .all()
          .map((row) => row.name);
        for (const index of INDEXES) {
          const built = names.some((name) => name.endsWith(`_${index.name}`));
          assert.ok(built, `SQLite index for ${index.name} in ${names}`);
        }
      } finally {
        sqlite.close();
      }
    });

    it('serves listings, counts, usage, orphan checks, retention, the sweep and blob reads from indexes', async (t) => {
      if (await isFerretDb()) {
        // Verified against v1.24.2: its SQLite backend pushes no filter but {_id: value} down to SQL, and even
        // that one is written so SQLite cannot match the index expression; every read is `SCAN <table>`. Its
        // PostgreSQL backend pushes equality filters down as `_jsonb -> 'field' @> value`, which its btree
        // indexes on `(_jsonb -> 'field')` cannot serve (`=` could): every read is a `Seq Scan`, even by _id.
        // The assertions still run (a future FerretDB that uses its indexes turns this green).
        t.todo('FerretDB v1 (SQLite or PostgreSQL) scans the table for every query; index use is proven on real MongoDB');
      }
      // Most public mail lies outside the inbox and domain asked for, as it would: the planner must prefer
      // their indexes to the one that finds every public message (savedBy: null).
      for (let i = 0; i < 20; i++) {
        const mail = makeCapturedMail({ received: new Date(Date.UTC(2024, 0, 1, 0, i)) });
        const recipients = ['plan@example.com', `other-${i}@example.org`, `else-${i}@example.net`];
        await store.saveCaptured(mail, makeCopies(mail, recipients, { savedBy: i % 2 === 0 ? 'account-1' : null }));
      }
      const messages = db.collection<MessageDocument>(COLLECTIONS.messages);
      const chunks = db.collection<BlobChunkDocument>(COLLECTIONS.blobChunks);
      const inbox = listInboxQuery('plan@example.com', {});
      const visibleInbox = listInboxQuery('plan@example.com', { starredVisibleTo: 'account-2' });
      const domain = listDomainQuery('example.com', { starredVisibleTo: null });
      const domainMail = deleteDomainMailQuery('example.com');
      const count = countInboxPipeline('plan@example.com');
      const visibleCount = countInboxPipeline('plan@example.com', { starredVisibleTo: null });
      const domainCount = countDomainPipeline('example.com');
      const scope = { accountId: 'account-1', inboxes: ['plan@example.com'], domains: ['example.org'] };
      const storedCount = storedCountPipeline(scope) ?? [];
      const storedBytes = storedBytesPipeline(scope) ?? [];
      const privateUsage = privateUsagePipeline(scope);
      const starred = listStarredQuery('account-1', new Date());
      const queueIds = copiesOfQueueIdsQuery(['no-such-queue-id']);
      const blob = blobTailQuery(rawBlobKey('no-such-queue-id'));
      const expired = publicOlderThanQuery(new Date());
      const publicInbox = publicInboxQuery('plan@example.com');
      const carried = copiesWithAttachmentsQuery(['d41d8cd98f00b204e9800998ecf8427e']);
      const toRecheck = attachmentsToRecheckQuery(new Date());
      const staleTail = staleBlobTailQuery(attachmentBlobKey('d41d8cd98f00b204e9800998ecf8427e'), new Date());
      const verbosity = 'queryPlanner';
      // [index that must serve it, explain of the store's own query, whether the index must also give the order]
      const plans: Array<[string, Document, boolean]> = [
        [inbox.index, await messages.find(inbox.filter).sort(inbox.sort ?? {}).limit(10).explain(verbosity), true],
        [MESSAGES_BY_INBOX.name, await messages.aggregate(count).explain(verbosity), false],
        [
          visibleInbox.index,
          await messages.find(visibleInbox.filter).sort(visibleInbox.sort ?? {}).limit(10).explain(verbosity),
          true,
        ],
        [MESSAGES_BY_INBOX.name, await messages.aggregate(visibleCount).explain(verbosity), false],
        [domain.index, await messages.find(domain.filter).sort(domain.sort ?? {}).limit(10).explain(verbosity), true],
        [MESSAGES_BY_DOMAIN.name, await messages.aggregate(domainCount).explain(verbosity), false],
        [domainMail.index, await messages.find(domainMail.filter).explain(verbosity), false],
        [
          MESSAGES_BY_STARRED.name,
          await messages.aggregate(starredUsagePipeline('account-1')).explain(verbosity),
          false,
        ],
        // Each branch of the usage $or has its own index; MongoDB unites their scans.
        [MESSAGES_BY_INBOX.name, await messages.aggregate(storedCount).explain(verbosity), false],
        [MESSAGES_BY_DOMAIN.name, await messages.aggregate(storedCount).explain(verbosity), false],
        [MESSAGES_BY_INBOX.name, await messages.aggregate(storedBytes).explain(verbosity), false],
        [MESSAGES_BY_DOMAIN.name, await messages.aggregate(storedBytes).explain(verbosity), false],
        [MESSAGES_BY_STARRED.name, await messages.aggregate(privateUsage).explain(verbosity), false],
        [MESSAGES_BY_INBOX.name, await messages.aggregate(privateUsage).explain(verbosity), false],
        [MESSAGES_BY_DOMAIN.name, await messages.aggregate(privateUsage).explain(verbosity), false],
        [
          starred.index,
          await messages.find(starred.filter).sort(starred.sort ?? {}).limit(10).explain(verbosity),
          true,
        ],
        [queueIds.index, await messages.distinct('queueId', queueIds.filter, { explain: verbosity }), false],
        [blob.index, await chunks.find(blob.filter).sort(blob.sort ?? {}).explain(verbosity), true],
        [
          expired.index,
          await messages.find(expired.filter).sort(expired.sort ?? {}).limit(10).explain(verbosity),
          true,
        ],
        [
          publicInbox.index,
          await messages.find(publicInbox.filter).sort(publicInbox.sort ?? {}).explain(verbosity),
          true,
        ],
        [carried.index, await messages.distinct('attachments.md5', carried.filter, { explain: verbosity }), false],
        [toRecheck.index, await chunks.find(toRecheck.filter).explain(verbosity), false],
        [staleTail.index, await chunks.find(staleTail.filter).explain(verbosity), false],
      ];
      for (const [index, explain, sorted] of plans) assertServedByIndex(explain, index, sorted);
    });

    it('stores a shared attachment once, and drops raw source and body with the last copy', async () => {
      const shared = makeAttachment('one logo, many mails');
      const first = makeCapturedMail({ attachments: [shared] });
      const second = makeCapturedMail({ attachments: [shared] });
      const [firstA, firstB] = makeCopies(first, ['a@example.com', 'b@example.com']);
      const [secondCopy] = makeCopies(second, ['c@example.com']);
      await store.saveCaptured(first, [firstA, firstB]);
      await store.saveCaptured(second, [secondCopy]);
      assert.equal((await chunksOf(attachmentBlobKey(shared.md5))).length, 1, 'one attachment blob for two mails');

      await store.deleteMessage(firstA.inbox, firstA.id);
      assert.equal((await chunksOf(rawBlobKey(first.queueId))).length, 1, 'kept while a copy remains');
      await store.deleteInbox(firstB.inbox);
      assert.deepEqual(await chunksOf(rawBlobKey(first.queueId)), []);
      assert.deepEqual(await chunksOf(bodyBlobKey(first.queueId)), []);
      assert.equal(await capturedCount(first.queueId), 0);
      assert.deepEqual(await store.getAttachment(secondCopy.inbox, secondCopy.id, shared.md5), shared);
    });

    it('keeps an unreferenced attachment a save used within the grace period, and sweeps it after', async () => {
      const attachment = makeAttachment('used once, then deleted');
      const mail = makeCapturedMail({ attachments: [attachment] });
      const [copy] = makeCopies(mail, ['grace@example.com']);
      await store.saveCaptured(mail, [copy]);
      await store.deleteMessage(copy.inbox, copy.id);

      // As if a save had just found it stored and not yet inserted its copies: that save must keep it.
      assert.equal(await store.pruneUnreferencedBlobs(), 0, 'touched moments ago');
      assert.equal((await chunksOf(attachmentBlobKey(attachment.md5))).length, 1);

      await touchChunks(attachmentBlobKey(attachment.md5), new Date(Date.now() - 2 * HOUR));
      assert.equal(await store.pruneUnreferencedBlobs(), 1, 'untouched for longer than the grace period');
      assert.deepEqual(await chunksOf(attachmentBlobKey(attachment.md5)), []);
    });

    it('renews the attachment a save finds stored, so the sweep leaves it to that save', async () => {
      const attachment = makeAttachment('stored long ago');
      const first = makeCapturedMail({ attachments: [attachment] });
      await store.saveCaptured(first, makeCopies(first));
      const longAgo = new Date(Date.now() - 2 * HOUR);
      await touchChunks(attachmentBlobKey(attachment.md5), longAgo);

      const second = makeCapturedMail({ attachments: [attachment] });
      await store.saveCaptured(second, makeCopies(second));
      const [head] = await chunksOf(attachmentBlobKey(attachment.md5));
      assert.ok(head.touchedAt > longAgo, `touchedAt ${head.touchedAt.toISOString()} was renewed`);
    });

    it('spares the chunks of an attachment that a save wrote afresh while the sweep deleted it', async () => {
      const big = makeAttachment(randomBytes(BLOB_CHUNK_BYTES + 10), { filename: 'two-chunks.bin' });
      const mail = makeCapturedMail({ attachments: [big] });
      const [copy] = makeCopies(mail, ['fresh@example.com']);
      await store.saveCaptured(mail, [copy]);
      await store.deleteMessage(copy.inbox, copy.id);
      const key = attachmentBlobKey(big.md5);
      await touchChunks(key, new Date(Date.now() - 2 * HOUR));
      // A save that found the attachment gone has upserted chunk 1 again and not yet chunk 0.
      await db.collection<BlobChunkDocument>(COLLECTIONS.blobChunks).updateOne(
        { _id: `${key}#1` },
        { $set: { touchedAt: new Date() } },
      );

      assert.equal(await store.pruneUnreferencedBlobs(), 1);
      assert.deepEqual((await chunksOf(key)).map((chunk) => chunk.n), [1], 'the renewed chunk stays');
    });

    it('never sweeps an attachment away from saves that refer to it, even while they run', async (t) => {
      if (await isFerretDb()) {
        // FerretDB v1 runs a conditional delete or update as a read, then a write by _id (msg_delete.go:
        // "close read transaction before starting write transaction"), so a save's touch can land between
        // the sweep's check and its delete. The guarantee rests on MongoDB's single-document atomicity.
        t.todo('FerretDB v1 conditional writes are not atomic; proven on real MongoDB');
      }
      const shared = makeAttachment(randomBytes(BLOB_CHUNK_BYTES + 10), { filename: 'big.bin' });
      const first = makeCapturedMail({ attachments: [shared] });
      const [firstCopy] = makeCopies(first, ['first@example.com']);
      await store.saveCaptured(first, [firstCopy]);
      await store.deleteMessage(firstCopy.inbox, firstCopy.id);
      await touchChunks(attachmentBlobKey(shared.md5), new Date(0)); // unreferenced and old: fair game

      const mails = Array.from({ length: 8 }, () => makeCapturedMail({ attachments: [shared] }));
      const copies = mails.map((mail, i) => makeCopies(mail, [`racer-${i}@example.com`]));
      const saves = mails.map((mail, i) => store.saveCaptured(mail, copies[i]));
      const sweeps = Array.from({ length: 4 }, () => store.pruneUnreferencedBlobs());
      await Promise.all([...saves, ...sweeps]);

      // Digests, not the megabyte itself: a failure (expected on FerretDB, see above) stays one readable line.
      const summary = (attachment: AttachmentContent | null) =>
        attachment && { ...attachment, content: createHash('sha256').update(attachment.content).digest('hex') };
      for (const [copy] of copies) {
        assert.deepEqual(summary(await store.getAttachment(copy.inbox, copy.id, shared.md5)), summary(shared), copy.inbox);
      }
    });

    it('undoes a failed save: neither its claim, its raw source, its body nor any copy remains', async () => {
      const original = makeCapturedMail();
      const [taken] = makeCopies(original, ['taken@example.com']);
      await store.saveCaptured(original, [taken]);
      const later = makeCapturedMail();
      const [fresh] = makeCopies(later, ['fresh@example.com']);
      const clash = { ...makeCopies(later, ['taken@example.com'])[0], id: taken.id };

      await assert.rejects(store.saveCaptured(later, [fresh, clash]), (error: unknown) => {
        assert.ok(!(error instanceof StoreUnavailableError), 'an id clash is a bug, not a passing fault');
        assert.match(String(error), /already stored/);
        return true;
      });
      assert.equal(await capturedCount(later.queueId), 0);
      assert.deepEqual(await chunksOf(rawBlobKey(later.queueId)), []);
      assert.deepEqual(await chunksOf(bodyBlobKey(later.queueId)), []);
      assert.equal(await db.collection(COLLECTIONS.messages).countDocuments({ queueId: later.queueId }), 0);
      assert.deepEqual(await store.getMessage(taken.inbox, taken.id), taken);
    });

    it('sends the writes concurrent saves hand in within one turn as one bulk write, each save its own errors', async () => {
      const client = new MongoClient(mongo.server.uri(database), { ...mongoClientOptions({ uri: mongo.server.uri(database) }), monitorCommands: true });
      const writes: string[] = [];
      client.on('commandStarted', (event) => {
        if (['insert', 'update', 'delete'].includes(event.commandName)) writes.push(event.commandName);
      });
      try {
        const collection = client.db(database).collection<{ _id: string }>('batched');
        await collection.insertOne({ _id: 'taken' });
        writes.length = 0;
        const insert = (_id: string) => ({ insertOne: { document: { _id } } });
        const outcomes = await Promise.allSettled([
          bulkWriteInTurn(collection, [insert('a')]),
          bulkWriteInTurn(collection, [insert('taken'), insert('b')]),
          bulkWriteInTurn(collection, [insert('c')]),
        ]);
        assert.deepEqual(writes, ['insert'], 'one round trip for the three saves');
        assert.deepEqual(outcomes.map((outcome) => outcome.status), ['fulfilled', 'rejected', 'fulfilled']);
        assert.ok((outcomes[1] as PromiseRejectedResult).reason instanceof DuplicateKeysInBatch);
        assert.deepEqual((await collection.find().sort({ _id: 1 }).toArray()).map((doc) => doc._id), ['a', 'b', 'c', 'taken']);
      } finally {
        await client.close();
      }
    });

    it('fails every save of a turn whose bulk write the server never answered (a driver fault is no success)', async (t) => {
      if (mongo.server.kind !== 'ferretdb') {
        t.skip(`needs a server this test may stop; ${mongo.server.kind} servers are left alone`);
        return;
      }
      const uri = mongo.server.uri(database);
      const client = new MongoClient(uri, mongoClientOptions({ uri }));
      try {
        const collection = client.db(database).collection<{ _id: string }>('unanswered');
        await collection.insertOne({ _id: 'before' });
        await mongo.server.stop();
        const insert = (_id: string) => ({ insertOne: { document: { _id } } });
        const outcomes = await Promise.allSettled([bulkWriteInTurn(collection, [insert('a')]), bulkWriteInTurn(collection, [insert('b')])]);
        assert.deepEqual(outcomes.map((outcome) => outcome.status), ['rejected', 'rejected'], 'the driver wraps its fault as a bulk error without write errors');
      } finally {
        await mongo.server.restart();
        await client.close();
      }
    });

    it('refuses a save whose queue id a concurrent save claims, and stores the other saves of that turn', async () => {
      const first = makeCapturedMail();
      const twin = { ...makeCapturedMail(), queueId: first.queueId };
      const other = makeCapturedMail();
      const outcomes = await Promise.allSettled([
        store.saveCaptured(first, makeCopies(first, ['first@example.com'])),
        store.saveCaptured(twin, makeCopies(twin, ['twin@example.com'])),
        store.saveCaptured(other, makeCopies(other, ['other@example.com'])),
      ]);
      assert.deepEqual(outcomes.map((outcome) => outcome.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /queue id .* is already stored/);
      assert.equal((await store.listInbox('first@example.com', { limit: 10, starredVisibleTo: null })).length, 1);
      assert.equal((await store.listInbox('twin@example.com', { limit: 10, starredVisibleTo: null })).length, 0);
      assert.equal((await store.listInbox('other@example.com', { limit: 10, starredVisibleTo: null })).length, 1);
    });

    it('sends its majority, journaled write concern on the wire, whatever the URI says', async () => {
      // The URI asks for w:1; the store's options must win.
      const base = mongo.server.uri(database);
      const uri = `${base}${base.includes('?') ? '&' : '?'}w=1`;
      const client = new MongoClient(uri, { ...mongoClientOptions({ uri }), monitorCommands: true });
      const inserts: CommandStartedEvent[] = [];
      client.on('commandStarted', (event) => {
        if (event.commandName === 'insert') inserts.push(event);
      });
      try {
        await client.db(database).collection('probe').insertOne({ probe: true });
        assert.deepEqual(inserts[0]?.command.writeConcern, { w: 'majority', j: true, wtimeout: 10_000 });
      } finally {
        await client.close();
      }
    });

    it('fails with StoreUnavailableError within seconds while the server is down, then recovers', async (t) => {
      if (mongo.server.kind !== 'ferretdb') {
        t.skip(`needs a server this test may stop; ${mongo.server.kind} servers are left alone`);
        return;
      }
      const earlier = makeCapturedMail();
      await store.saveCaptured(earlier, makeCopies(earlier, ['outage@example.com']));
      await mongo.server.stop();

      const during = makeCapturedMail();
      const started = Date.now();
      const duringCopies = makeCopies(during, ['outage@example.com']);
      await assert.rejects(store.saveCaptured(during, duringCopies), StoreUnavailableError);
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 5000, `the save failed after ${elapsed} ms; SMTP needs its 451 in seconds`);
      await assert.rejects(store.ping(), StoreUnavailableError);
      await assert.rejects(store.listInbox('outage@example.com', { limit: 10 }), StoreUnavailableError);

      await mongo.server.restart();
      // The same store instance, no reopen: the driver finds the server again on its own.
      await eventually(() => store.saveCaptured(during, duringCopies), 15_000, isStoreUnavailable);
      const listed = await store.listInbox('outage@example.com', { limit: 10 });
      assert.deepEqual(new Set(listed.map((message) => message.queueId)), new Set([earlier.queueId, during.queueId]));
      await store.ping();
    });
  });
});

describe('MongoMessageStore configuration', () => {
  it('fails to open with StoreUnavailableError when no server answers, within its selection timeout', async () => {
    const uri = 'mongodb://127.0.0.1:1/nobody-listens';
    const store = new MongoMessageStore({ uri, serverSelectionTimeoutMS: 300 });
    const started = Date.now();
    await assert.rejects(store.open(), StoreUnavailableError);
    assert.ok(Date.now() - started < 3000, `open gave up after ${Date.now() - started} ms`);
    await assert.rejects(store.ping(), StoreUnavailableError, 'a store that failed to open is not open');
    await store.close();
  });

  it('takes the database from the URI path, defaulting to capturebox', () => {
    assert.equal(databaseNameOf('mongodb://db.example.net:27017'), 'capturebox');
    assert.equal(databaseNameOf('mongodb://db.example.net:27017/'), 'capturebox');
    assert.equal(databaseNameOf('mongodb://db.example.net/?replicaSet=rs0'), 'capturebox');
    assert.equal(databaseNameOf('mongodb://user:p%40ss@h1:27017,h2:27017/mail?replicaSet=rs0'), 'mail');
    assert.equal(databaseNameOf('mongodb+srv://cluster.example.net/capture%2Dbox?tls=true'), 'capture-box');
    assert.equal(databaseNameOf('mongodb://%2Ftmp%2Fmongodb-27017.sock/sockets'), 'sockets');
  });

  it('puts a test database into any URI without losing its options', () => {
    assert.equal(withDatabase('mongodb://h:1', 'x'), 'mongodb://h:1/x');
    const replicaSet = 'mongodb://u:p@h:1,h2:2/old?replicaSet=rs';
    assert.equal(withDatabase(replicaSet, 'x'), 'mongodb://u:p@h:1,h2:2/x?replicaSet=rs');
    assert.equal(withDatabase('mongodb://h:1/?directConnection=true', 'x'), 'mongodb://h:1/x?directConnection=true');
  });

  it('asks for majority, journaled acknowledgement and fails fast when no server answers', () => {
    const options = mongoClientOptions({ uri: 'mongodb://localhost' });
    assert.deepEqual(options.writeConcern, { w: 'majority', journal: true, wtimeoutMS: 10_000 });
    assert.equal(options.serverSelectionTimeoutMS, 2000);
    const quick = mongoClientOptions({ uri: 'mongodb://localhost', serverSelectionTimeoutMS: 300 });
    assert.equal(quick.serverSelectionTimeoutMS, 300);
  });

});

/**
 * Asserts that an explain output shows the query answered from `index` and, for listings, in index order.
 * Written for both servers' formats, and to fail on a collection scan in either.
 */
function assertServedByIndex(explain: Document, index: string, sorted: boolean): void {
  const plan: unknown = explain.queryPlanner?.Plan;
  if (Array.isArray(plan)) {
    // FerretDB with SQLite: the EXPLAIN QUERY PLAN lines of the SQL it ran, e.g.
    // "id=2 parent=0 notused=0 detail=SEARCH messages_1a2b USING INDEX messages_1a2b_messages_by_inbox (...)".
    const lines = plan.map(String);
    const described = JSON.stringify(lines);
    const usesIndex = new RegExp(`USING (COVERING )?INDEX \\S*_${index}\\b`);
    assert.ok(lines.some((line) => usesIndex.test(line)), `${index} unused: ${described}`);
    assert.ok(!lines.some((line) => /detail=SCAN /.test(line)), `table scan: ${described}`);
    if (sorted) assert.ok(!lines.some((line) => line.includes('TEMP B-TREE')), `sort step: ${described}`);
    return;
  }
  if (isPostgresPlan(plan)) {
    // FerretDB with PostgreSQL: PostgreSQL's EXPLAIN (FORMAT JSON) of the SQL it ran, nodes nested in "Plans",
    // its indexes named <table>_<index>_<hash>_idx.
    const nodes = postgresPlanNodes(plan);
    const described = JSON.stringify(nodes);
    const usesIndex = new RegExp(`_${index}_[0-9a-f]+_idx$`);
    assert.ok(nodes.some((node) => /Index/.test(node.type) && usesIndex.test(node.index ?? '')), `${index} unused: ${described}`);
    assert.ok(!nodes.some((node) => node.type === 'Seq Scan'), `table scan: ${described}`);
    if (sorted) assert.ok(!nodes.some((node) => node.type === 'Sort'), `sort step: ${described}`);
    return;
  }
  // MongoDB: the winning plan's stages, wherever the explain nests them (find, aggregate, SBE).
  const stages = planStages(explain);
  const described = JSON.stringify(stages);
  assert.ok(
    stages.some((stage) => INDEX_STAGES.includes(stage.stage) && stage.indexName === index),
    `${index} unused: ${described}`,
  );
  assert.ok(!stages.some((stage) => stage.stage === 'COLLSCAN'), `collection scan: ${described}`);
  if (sorted) assert.ok(!stages.some((stage) => stage.stage === 'SORT'), `in-memory sort: ${described}`);
}

const INDEX_STAGES = ['IXSCAN', 'COUNT_SCAN', 'DISTINCT_SCAN'];

function isPostgresPlan(plan: unknown): plan is Record<string, unknown> {
  return typeof plan === 'object' && plan !== null && typeof (plan as Record<string, unknown>)['Node Type'] === 'string';
}

function postgresPlanNodes(plan: Record<string, unknown>): Array<{ type: string; index?: string }> {
  const children = Array.isArray(plan.Plans) ? (plan.Plans as Record<string, unknown>[]) : [];
  const index = typeof plan['Index Name'] === 'string' ? plan['Index Name'] : undefined;
  return [{ type: String(plan['Node Type']), index }, ...children.flatMap(postgresPlanNodes)];
}

function planStages(value: unknown): Array<{ stage: string; indexName?: string }> {
  if (Array.isArray(value)) return value.flatMap(planStages);
  if (typeof value !== 'object' || value === null) return [];
  const found: Array<{ stage: string; indexName?: string }> = [];
  const record = value as Record<string, unknown>;
  if (typeof record.stage === 'string') {
    const indexName = typeof record.indexName === 'string' ? record.indexName : undefined;
    found.push({ stage: record.stage, indexName });
  }
  for (const [key, child] of Object.entries(record)) {
    if (key !== 'rejectedPlans') found.push(...planStages(child)); // only the plan that runs counts
  }
  return found;
}

/** What the outage test waits through: any other failure of the retried save ends it at once. */
function isStoreUnavailable(error: unknown): boolean {
  return error instanceof StoreUnavailableError;
}
