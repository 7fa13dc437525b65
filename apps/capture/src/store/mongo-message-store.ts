// The production MessageStore: MongoDB through the official driver, for production installs and for several
// replicas sharing one database. Collections, indexes and query shapes live in `mongo-schema.ts`.
//
// All or nothing without multi-document transactions: FerretDB v1 (the MongoDB-wire server the tests run)
// has none, and MongoDB has them only on replica sets, so saveCaptured gets its atomicity from ordering
// and compensation instead:
//   1. claim the queue id: insert its `captured` document (a duplicate fails here, before any write);
//   2. write the blobs (raw source, body, new attachments); chunk ids are deterministic, so a chunk
//      written twice is a duplicate-key no-op, and attachments are content-addressed by md5;
//   3. insert the recipient copies: only now is anything readable, and everything a copy points at
//      already exists.
// Each step's writes join those of the other saves in the same turn in one bulk write per collection
// (mongo-turn-batch.ts): concurrent sessions share round trips, and each save still sees only its own errors.
// Every write waits for w:'majority' with the journal, so saveCaptured resolves only once the mail would
// survive the loss of the primary. When step 2 or 3 fails, what this call wrote under its queue id
// (copies, raw and body blobs, then the claim) is deleted again before the error is passed on. Attachment
// blobs stay: another mail may share them (pruneUnreferencedBlobs removes unreferenced ones, see below).
// The compensation stops at its first failure: when the database is gone it would fail anyway, and SMTP
// should answer 451 quickly. What it leaves is a claim with blobs and no copies, which nothing reads.
// The one visible leftover: copies whose insert the server applied but whose acknowledgement was lost while
// the compensation could not run either. The sender got 451 and retries, so that mail is kept twice:
// at least once, never lost.
//
// Attachment contents are shared by md5, and without transactions "is anyone still referring to it?" and
// "delete it" cannot be one step. So an attachment goes only when three things hold:
//   - it is marked for a recheck (`recheck` on its head chunk): set when first written and whenever a
//     message carrying it is deleted, so the sweep looks only at what may have lost its last reference;
//   - no message refers to it (the messages_by_attachment index answers that);
//   - no save has touched it within the grace period: a save that finds the attachment stored sets the
//     head's `touchedAt` before it inserts the copies that refer to it, and the head is deleted with the
//     condition `touchedAt <= cutoff`, atomically on that one document. A save that touched it after the
//     sweep's reference check keeps it that way; a save that touched it earlier had the grace period to
//     insert its copies, which the reference check then sees. A save that finds it gone writes it afresh,
//     chunk by chunk with a new `touchedAt`, so the sweep's tail delete (same condition) spares those chunks.
// The grace period must therefore exceed the longest save (seconds: every call is bounded by the driver's
// timeouts) plus the clock difference between replicas; one hour is ample. Every failure leaves an
// attachment in place (stored longer than needed), never one deleted while referred to.
// This rests on MongoDB's single-document atomicity. FerretDB v1 (the test server) runs a conditional
// delete or update as a read and then a write by _id, so there a save's touch that lands inside a sweep's
// own delete command is not seen: the grace period still makes that need an attachment unreferenced and
// unused for an hour, reused in those milliseconds. The spec's race test is a todo on FerretDB for this.
import { searchFilter, searchSort } from './mongo-search';
import {
  claimDeliveries,
  listDeliveries,
  newDeliveryDocuments,
  pruneSettled,
  queueStats,
  settleDelivery,
  type ClaimDocument,
  type DeliveryDocument,
} from './mongo-webhook-deliveries';
import type {
  ClaimedDelivery,
  DeliveryClaim,
  DeliverySettlement,
  NewWebhookDelivery,
  WebhookDelivery,
  WebhookQueueStats,
} from './webhook-deliveries';
import type { MessageFilter, MessageSearch } from './message-search';
import type {
  AnyBulkWriteOperation,
  Binary,
  Collection,
  Db,
  Document,
  FindCursor,
  UpdateFilter,
} from 'mongodb';
import type { AttachmentContent, AttachmentMeta, CapturedMail, SpamVerdict, StoredMessage } from '../domain';
import {
  assertCopiesBelongTo,
  assertKeepNewest,
  type DomainScope,
  type ListInboxQuery,
  type MessageBody,
  type MessagePatch,
  type MessageStore,
  type PublicScope,
  type PublicStatsQuery,
  type PublicTallyKey,
  type StarredVisibility,
  type Tally,
  type Usage,
  type UsageScope,
} from './message-store';
import {
  MongoStore,
  type MongoConnectionOptions,
} from './mongo-connection';
import { mongoDriver } from './mongo-driver';
import { bulkWriteInTurn, DuplicateKeysInBatch, refusedOnlyForDuplicateKeys } from './mongo-turn-batch';
import {
  BLOB_CHUNK_BYTES,
  COLLECTIONS,
  INDEXES,
  attachmentBlobKey,
  attachmentsToRecheckQuery,
  blobChunkId,
  blobChunksQuery,
  blobTailQuery,
  bodyBlobKey,
  copiesOfQueueIdsQuery,
  copiesWithAttachmentsQuery,
  countDomainPipeline,
  countInboxPipeline,
  countPublicWithAttachmentPipeline,
  deleteDomainMailQuery,
  deleteInboxQuery,
  listDomainQuery,
  listInboxQuery,
  listStarredQuery,
  md5OfAttachmentBlobKey,
  messageByIdQuery,
  messageKey,
  messageWordsOf,
  WITHOUT_WORDS,
  privateUsagePipeline,
  publicInboxQuery,
  publicOlderThanQuery,
  publicWithAttachmentQuery,
  rawBlobKey,
  staleBlobTailQuery,
  starredUsagePipeline,
  storedBytesPipeline,
  storedCountPipeline,
  tallyPublicAttachmentsPipeline,
  tallyPublicMailPipeline,
  type BlobChunkDocument,
  type CapturedDocument,
  type MessageDocument,
  type NamedQuery,
} from './mongo-schema';

export interface MongoMessageStoreOptions extends MongoConnectionOptions {
  /**
   * How long pruneUnreferencedBlobs keeps an unreferenced attachment after a save last used it: longer than
   * any save takes plus the clock difference between replicas (see the top of this file). Default one hour.
   */
  blobGraceMs?: number;
}

/** Deletes and orphan checks go in batches of this many ids, keeping each command far below 16 MB. */
const ID_BATCH = 1000;

/** Copies per age-prune round: found, deleted and cleaned up after before the next are looked for. */
const PRUNE_BATCH = ID_BATCH;

const DEFAULT_BLOB_GRACE_MS = 60 * 60_000;

/** What cleaning up after a deleted copy needs to know of it. */
type CopyRefs = Pick<MessageDocument, '_id' | 'queueId'> & { attachments: Pick<AttachmentMeta, 'md5'>[] };
const COPY_REFS_PROJECTION = { _id: 1, queueId: 1, 'attachments.md5': 1 } as const;

type RecheckCandidate = Pick<BlobChunkDocument, '_id' | 'blob' | 'recheck'>;

/** The collections the store uses, bound once per open. */
interface Collections {
  messages: Collection<MessageDocument>;
  captured: Collection<CapturedDocument>;
  blobChunks: Collection<BlobChunkDocument>;
  webhookDeliveries: Collection<DeliveryDocument>;
  webhookClaims: Collection<ClaimDocument>;
}

/** Everything that exists only while the store is open. */
type OpenStore = Collections & { db: Db };

export class MongoMessageStore extends MongoStore<Collections> implements MessageStore {
  private readonly blobGraceMs: number;

  constructor(options: MongoMessageStoreOptions) {
    super(options, { name: 'mongo store', indexes: INDEXES, collections: collectionsOf });
    this.blobGraceMs = options.blobGraceMs ?? DEFAULT_BLOB_GRACE_MS;
  }

  async ping(): Promise<void> {
    await this.use('ping', async (s) => {
      await s.db.command({ ping: 1 });
    });
  }

  async saveCaptured(mail: CapturedMail, copies: StoredMessage[], deliveries: readonly NewWebhookDelivery[] = []): Promise<void> {
    assertCopiesBelongTo(mail, copies);
    await this.use('saveCaptured', async (s) => {
      await claimQueueId(s, mail);
      try {
        await writeBlobs(s, mail, new Date());
        await insertCopies(s, mail, copies);
        // After the copies, so a worker never finds a delivery whose message is not readable yet.
        if (deliveries.length > 0) await s.webhookDeliveries.insertMany(newDeliveryDocuments(deliveries, new Date()), { ordered: true });
      } catch (error) {
        await undoFailedSave(s, mail, copies, deliveries);
        throw error;
      }
    });
  }

  async claimWebhookDeliveries(claim: DeliveryClaim): Promise<ClaimedDelivery[]> {
    return this.use('claimWebhookDeliveries', (s) => claimDeliveries(s, claim));
  }

  async settleWebhookDelivery(delivery: ClaimedDelivery, owner: string, settlement: DeliverySettlement): Promise<boolean> {
    return this.use('settleWebhookDelivery', (s) => settleDelivery(s, delivery, owner, settlement));
  }

  async listWebhookDeliveries(webhookId: string, limit: number): Promise<WebhookDelivery[]> {
    return this.use('listWebhookDeliveries', (s) => listDeliveries(s, webhookId, limit));
  }

  async webhookQueueStats(): Promise<WebhookQueueStats> {
    return this.use('webhookQueueStats', (s) => queueStats(s));
  }

  async listInbox(inbox: string, query: ListInboxQuery): Promise<StoredMessage[]> {
    return this.use('listInbox', (s) => findPage(s, listInboxQuery(inbox, query), query.limit));
  }

  async countInbox(inbox: string, options?: StarredVisibility): Promise<number> {
    return this.use('countInbox', (s) => total(s, countInboxPipeline(inbox, options)));
  }

  async listDomain(domain: string, query: ListInboxQuery & DomainScope): Promise<StoredMessage[]> {
    return this.use('listDomain', (s) => findPage(s, listDomainQuery(domain, query), query.limit));
  }

  async countDomain(domain: string, scope?: DomainScope): Promise<number> {
    return this.use('countDomain', (s) => total(s, countDomainPipeline(domain, scope)));
  }

  async listStarred(accountId: string, query: ListInboxQuery): Promise<StoredMessage[]> {
    return this.use('listStarred', (s) => findPage(s, listStarredQuery(accountId, query.until), query.limit));
  }

  async searchMessages(search: MessageSearch): Promise<StoredMessage[]> {
    if (search.limit <= 0) return []; // MongoDB reads limit 0 as "no limit"
    return this.use('searchMessages', async (s) => {
      const found = s.messages.find(searchFilter(search)).project<MessageDocument>(WITHOUT_WORDS).sort(searchSort(search)).skip(search.skip ?? 0).limit(search.limit);
      return (await found.toArray()).map(fromMessageDocument);
    });
  }

  async countMatching(filter: MessageFilter): Promise<number> {
    return this.use('countMatching', (s) => total(s, [{ $match: searchFilter(filter) }, { $count: 'total' }]));
  }

  async getMessage(inbox: string, id: string): Promise<StoredMessage | null> {
    return this.use('getMessage', async (s) => {
      const document = await findMessage(s, inbox, id);
      return document ? fromMessageDocument(document) : null;
    });
  }

  async getBody(inbox: string, id: string): Promise<MessageBody | null> {
    return this.use('getBody', async (s) => {
      const document = await findMessage(s, inbox, id);
      return document ? decodeBody(await readRequiredBlob(s, bodyBlobKey(document.queueId))) : null;
    });
  }

  async getRaw(inbox: string, id: string): Promise<Buffer | null> {
    return this.use('getRaw', async (s) => {
      const document = await findMessage(s, inbox, id);
      return document ? readRequiredBlob(s, rawBlobKey(document.queueId)) : null;
    });
  }

  async getAttachment(inbox: string, id: string, md5: string): Promise<AttachmentContent | null> {
    return this.use('getAttachment', async (s) => {
      // The message's own attachment list is the access check: an md5 is only readable through a message
      // (in the asked inbox) that carries it, even though the bytes are shared.
      const document = await findMessage(s, inbox, id);
      const meta = document?.attachments.find((attachment) => attachment.md5 === md5);
      if (!meta) return null;
      const content = await readBlob(s, attachmentBlobKey(md5));
      return content ? { ...meta, content } : null;
    });
  }

  async updateMessage(inbox: string, id: string, patch: MessagePatch): Promise<StoredMessage | null> {
    return this.use('updateMessage', async (s) => {
      const steps = updateSteps(patch);
      if (steps.length === 0) {
        const document = await findMessage(s, inbox, id);
        return document ? fromMessageDocument(document) : null;
      }
      // Each step is one atomic server-side update, so label edits from two replicas never lose each other.
      let updated: MessageDocument | null = null;
      for (const step of steps) {
        updated = await s.messages.findOneAndUpdate(messageKey(inbox, id), step, { returnDocument: 'after' });
        if (!updated) return null; // no such message in this inbox (or deleted between the steps)
      }
      return updated && fromMessageDocument(updated);
    });
  }

  async recordSpamVerdict(queueId: string, verdict: SpamVerdict): Promise<number> {
    return this.use('recordSpamVerdict', async (s) => {
      const { filter } = copiesOfQueueIdsQuery([queueId]);
      return (await s.messages.updateMany(filter, { $set: { spamVerdict: verdict } })).matchedCount;
    });
  }

  async deleteMessage(inbox: string, id: string): Promise<boolean> {
    return this.use('deleteMessage', async (s) => {
      // No projection: FerretDB v1 refuses findAndModify's `fields`, and the document is small anyway.
      const deleted = await s.messages.findOneAndDelete(messageKey(inbox, id));
      if (!deleted) return false;
      await cleanUpAfterDeleting(s, [deleted]);
      return true;
    });
  }

  async deleteInbox(inbox: string): Promise<number> {
    return this.use('deleteInbox', async (s) => {
      const query = deleteInboxQuery(inbox);
      return deleteFound(s, await findCopyRefs(s, query).toArray(), query);
    });
  }

  async deleteDomainMail(domain: string, scope?: DomainScope): Promise<number> {
    return this.use('deleteDomainMail', async (s) => {
      const query = deleteDomainMailQuery(domain, scope);
      return deleteFound(s, await findCopyRefs(s, query).toArray(), query);
    });
  }

  async usage(scope: UsageScope): Promise<Usage> {
    return this.use('usage', async (s) => {
      const [starred, stored, bytes, privateCount] = await Promise.all([
        total(s, starredUsagePipeline(scope.accountId)),
        total(s, storedCountPipeline(scope)),
        total(s, storedBytesPipeline(scope)),
        total(s, privateUsagePipeline(scope)),
      ]);
      return { starred, stored, bytes, private: privateCount };
    });
  }

  async tallyPublicMail(by: PublicTallyKey, query: PublicStatsQuery): Promise<Tally[]> {
    return this.use('tallyPublicMail', (s) => tally(s, query, tallyPublicMailPipeline(by, query)));
  }

  async tallyPublicAttachments(query: PublicStatsQuery): Promise<Tally[]> {
    return this.use('tallyPublicAttachments', (s) => tally(s, query, tallyPublicAttachmentsPipeline(query)));
  }

  async countPublicWithAttachment(md5: string, scope: PublicScope): Promise<number> {
    return this.use('countPublicWithAttachment', (s) => total(s, countPublicWithAttachmentPipeline(md5, scope)));
  }

  async listPublicWithAttachment(md5: string, scope: PublicScope & { limit: number }): Promise<StoredMessage[]> {
    return this.use('listPublicWithAttachment', (s) => findPage(s, publicWithAttachmentQuery(md5, scope), scope.limit));
  }

  async pruneOlderThan(cutoff: Date): Promise<number> {
    return this.use('pruneOlderThan', async (s) => {
      // Round by round, so a large first prune holds neither a huge id list nor one endless command. Ends:
      // each round deletes what it found, and what a round could not delete (starred meanwhile) no longer
      // matches the next find.
      const query = publicOlderThanQuery(cutoff);
      let deleted = 0;
      for (;;) {
        const found = await findCopyRefs(s, query).limit(PRUNE_BATCH).toArray();
        deleted += await deleteFound(s, found, query);
        if (found.length < PRUNE_BATCH) return deleted;
      }
    });
  }

  async pruneSettledDeliveries(cutoff: Date): Promise<number> {
    return this.use('pruneSettledDeliveries', (s) => pruneSettled(s, cutoff));
  }

  async trimInbox(inbox: string, keepNewest: number): Promise<number> {
    assertKeepNewest(keepNewest);
    return this.use('trimInbox', async (s) => {
      const query = publicInboxQuery(inbox);
      return deleteFound(s, await findCopyRefs(s, query).skip(keepNewest).toArray(), query);
    });
  }

  async pruneUnreferencedBlobs(): Promise<number> {
    return this.use('pruneUnreferencedBlobs', (s) =>
      pruneUnreferencedAttachments(s, new Date(Date.now() - this.blobGraceMs)),
    );
  }
}

function collectionsOf(db: Db): Collections {
  return {
    messages: db.collection<MessageDocument>(COLLECTIONS.messages),
    captured: db.collection<CapturedDocument>(COLLECTIONS.captured),
    blobChunks: db.collection<BlobChunkDocument>(COLLECTIONS.blobChunks),
    webhookDeliveries: db.collection<DeliveryDocument>(COLLECTIONS.webhookDeliveries),
    webhookClaims: db.collection<ClaimDocument>(COLLECTIONS.webhookClaims),
  };
}

async function findPage(s: OpenStore, query: NamedQuery<MessageDocument>, limit: number): Promise<StoredMessage[]> {
  if (limit <= 0) return []; // MongoDB reads limit 0 as "no limit"
  const documents = await s.messages.find(query.filter).project<MessageDocument>(WITHOUT_WORDS).sort(query.sort ?? {}).limit(limit).toArray();
  return documents.map(fromMessageDocument);
}

/** The `total` of a counting or summing pipeline: 0 when nothing matched, or when there is nothing to ask. */
async function total(s: OpenStore, pipeline: Document[] | null): Promise<number> {
  if (!pipeline) return 0;
  const [result] = await s.messages.aggregate<{ total: number }>(pipeline).toArray();
  return result?.total ?? 0;
}

/** A tally pipeline's `{ _id, n }` rows as Tally; none for a limit of 0 (MongoDB refuses `$limit: 0`). */
async function tally(s: OpenStore, query: PublicStatsQuery, pipeline: Document[]): Promise<Tally[]> {
  if (query.limit <= 0) return [];
  const rows = await s.messages.aggregate<{ _id: string; n: number }>(pipeline).toArray();
  return rows.map((row) => ({ key: row._id, n: row.n }));
}

/** A message, only through its own inbox: comparing the inbox is the access check. */
async function findMessage(s: OpenStore, inbox: string, id: string): Promise<MessageDocument | null> {
  const document = await s.messages.findOne(messageByIdQuery(id));
  return document?.inbox === inbox ? document : null;
}

// ---- saving --------------------------------------------------------------------------------------------

async function claimQueueId(s: OpenStore, mail: CapturedMail): Promise<void> {
  try {
    await bulkWriteInTurn(s.captured, [{ insertOne: { document: toCapturedDocument(mail) } }]);
  } catch (error) {
    if (error instanceof DuplicateKeysInBatch) {
      throw new Error(`saveCaptured: queue id ${mail.queueId} is already stored`, { cause: error });
    }
    throw error;
  }
}

interface BlobToWrite {
  key: string;
  content: Buffer;
  /** Attachments: start marked for the sweep, in case this save never gets a copy stored. */
  recheck: boolean;
}

/**
 * Writes the raw source, the body and every attachment not stored yet in two unordered batches of upserts:
 * all chunks but the first, then the first chunks, which carry the totals and so mark their blobs complete.
 * A small mail is one batch. A chunk that exists already holds the same bytes (same key: same claimed queue
 * id, or same md5), so it only gets its `touchedAt` renewed: two saves racing on one new attachment both
 * succeed, and a chunk the sweep was about to delete is spared (see the top of the file).
 */
async function writeBlobs(s: OpenStore, mail: CapturedMail, now: Date): Promise<void> {
  const attachments = new Map(
    mail.attachments.map((attachment) => [attachmentBlobKey(attachment.md5), attachment.content]),
  );
  const stored = await touchStoredBlobs(s, [...attachments.keys()], now);
  const blobs: BlobToWrite[] = [
    { key: rawBlobKey(mail.queueId), content: mail.raw, recheck: false },
    { key: bodyBlobKey(mail.queueId), content: encodeBody(mail), recheck: false },
  ];
  for (const [key, content] of attachments) if (!stored.has(key)) blobs.push({ key, content, recheck: true });

  const chunked = blobs.map((blob) => splitIntoChunks(blob, now));
  const tails = chunked.flatMap(([, ...rest]) => rest);
  if (tails.length > 0) await upsertChunks(s.blobChunks, tails);
  await upsertChunks(s.blobChunks, chunked.map(([head]) => head));
}

/**
 * Renews `touchedAt` on the heads of these blobs and says which exist completely (have their chunk 0): the
 * touch is what keeps the sweep off an attachment this save will refer to. One update by _id per blob
 * rather than one $in: FerretDB v1 hands only a plain {_id: value} filter to SQL and decodes every
 * document otherwise.
 */
async function touchStoredBlobs(s: OpenStore, keys: string[], now: Date): Promise<Set<string>> {
  const touched = await Promise.all(
    keys.map((key) => s.blobChunks.updateOne({ _id: blobChunkId(key, 0) }, { $set: { touchedAt: now } })),
  );
  return new Set(keys.filter((_, i) => touched[i].matchedCount > 0));
}

async function insertCopies(s: OpenStore, mail: CapturedMail, copies: StoredMessage[]): Promise<void> {
  const words = messageWordsOf(mail);
  try {
    await bulkWriteInTurn(s.messages, copies.map((copy) => ({ insertOne: { document: { ...toMessageDocument(copy), ...words } } })));
  } catch (error) {
    if (error instanceof DuplicateKeysInBatch) {
      const ids = copies.map((copy) => copy.id).join(', ');
      throw new Error(`saveCaptured: a message id among ${ids} is already stored`, { cause: error });
    }
    throw error;
  }
}

/** Deletes what a failed save wrote under its queue id, newest first; see the top of the file. */
async function undoFailedSave(
  s: OpenStore,
  mail: CapturedMail,
  copies: StoredMessage[],
  deliveries: readonly NewWebhookDelivery[],
): Promise<void> {
  try {
    if (deliveries.length > 0) await s.webhookDeliveries.deleteMany({ _id: { $in: deliveries.map((d) => d.id) } });
    // The queue id condition keeps another transaction's message safe when an id clash was the failure.
    await s.messages.deleteMany({ _id: { $in: copies.map((copy) => copy.id) }, queueId: mail.queueId });
    await s.blobChunks.deleteMany({ blob: { $in: [rawBlobKey(mail.queueId), bodyBlobKey(mail.queueId)] } });
    await s.captured.deleteOne({ _id: mail.queueId });
  } catch {
    // The save's own error is the one to report; the leftovers are unreadable without copies.
  }
}

/** At least one chunk (an empty blob is one empty chunk); chunk 0 carries the totals. */
function splitIntoChunks(blob: BlobToWrite, touchedAt: Date): [BlobChunkDocument, ...BlobChunkDocument[]] {
  const { key, content } = blob;
  const count = Math.max(1, Math.ceil(content.length / BLOB_CHUNK_BYTES));
  const chunk = (n: number): BlobChunkDocument => ({
    _id: blobChunkId(key, n),
    blob: key,
    n,
    data: new (mongoDriver().Binary)(content.subarray(n * BLOB_CHUNK_BYTES, (n + 1) * BLOB_CHUNK_BYTES)),
    touchedAt,
  });
  const rest = Array.from({ length: count - 1 }, (_, i) => chunk(i + 1));
  const head: BlobChunkDocument = { ...chunk(0), chunks: count, size: content.length };
  return [blob.recheck ? { ...head, recheck: 1 } : head, ...rest];
}

/** Tries at one batch of chunk upserts; see upsertChunks. */
const CHUNK_UPSERT_TRIES = 3;

/**
 * Inserts the chunks that are missing and renews `touchedAt` on those that exist, leaving their bytes
 * alone. Two saves upserting one chunk at once may collide on its _id; the loser's chunk is there anyway.
 * FerretDB v1 then answers nothing for the other upserts of the loser's bulk (they may not have been
 * applied) and every save of that turn gets the error: the upserts are idempotent and the chunk that
 * collided exists now, so they are sent again.
 */
async function upsertChunks(collection: Collection<BlobChunkDocument>, chunks: BlobChunkDocument[]): Promise<void> {
  const upserts: AnyBulkWriteOperation<BlobChunkDocument>[] = chunks.map(({ _id, touchedAt, ...rest }) => ({
    updateOne: { filter: { _id }, update: { $set: { touchedAt }, $setOnInsert: rest }, upsert: true },
  }));
  for (let tried = 1; ; tried++) {
    try {
      await bulkWriteInTurn(collection, upserts);
      return;
    } catch (error) {
      if (error instanceof DuplicateKeysInBatch) return;
      if (!refusedOnlyForDuplicateKeys(error) || tried === CHUNK_UPSERT_TRIES) throw error;
    }
  }
}

// ---- reading blobs -------------------------------------------------------------------------------------

/** A blob's bytes, or null when it does not exist. Throws when it exists only in part. */
async function readBlob(s: OpenStore, key: string): Promise<Buffer | null> {
  const head = await s.blobChunks.findOne({ _id: blobChunkId(key, 0) });
  if (!head) return null;
  const tail = blobTailQuery(key);
  const rest = head.chunks === 1 ? [] : await s.blobChunks.find(tail.filter).sort(tail.sort ?? {}).toArray();
  const chunks = [head, ...rest];
  const inOrder = chunks.every((chunk, n) => chunk.n === n);
  if (!inOrder || head.chunks !== chunks.length) {
    const expected = head.chunks ?? '?';
    throw new Error(`mongo store: blob ${key} is incomplete (${chunks.length} chunks, expected ${expected})`);
  }
  const content = Buffer.concat(chunks.map((chunk) => bufferOf(chunk.data)));
  if (content.length !== head.size) {
    throw new Error(`mongo store: blob ${key} has ${content.length} bytes, not ${head.size}`);
  }
  return content;
}

/** For blobs that a stored copy guarantees (raw, body): missing means a broken store, not "not found". */
async function readRequiredBlob(s: OpenStore, key: string): Promise<Buffer> {
  const content = await readBlob(s, key);
  if (!content) throw new Error(`mongo store: blob ${key} is missing although a message refers to it`);
  return content;
}

function bufferOf(data: Binary): Buffer {
  const bytes = data.value();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function encodeBody(mail: CapturedMail): Buffer {
  const body: MessageBody = { text: mail.text, html: mail.html, headers: mail.headers };
  return Buffer.from(JSON.stringify(body), 'utf8');
}

// Only encodeBody writes this blob, so parsing it back trusts its shape.
function decodeBody(content: Buffer): MessageBody {
  return JSON.parse(content.toString('utf8')) as MessageBody;
}

// ---- deleting ------------------------------------------------------------------------------------------

function findCopyRefs(s: OpenStore, query: NamedQuery<MessageDocument>): FindCursor<CopyRefs> {
  const cursor = s.messages.find<CopyRefs>(query.filter, { projection: COPY_REFS_PROJECTION });
  return query.sort ? cursor.sort(query.sort) : cursor;
}

/**
 * Deletes copies found by `query`, in batches, and cleans up after them. The query's filter is repeated
 * with the ids: a copy starred since it was found is not deleted after all.
 */
async function deleteFound(s: OpenStore, found: CopyRefs[], query: NamedQuery<MessageDocument>): Promise<number> {
  let deleted = 0;
  for (const batch of inBatches(found, ID_BATCH)) {
    const ids = batch.map((copy) => copy._id);
    deleted += (await s.messages.deleteMany({ ...query.filter, _id: { $in: ids } })).deletedCount;
  }
  // Cleaning up after a copy that was spared costs a needless check, never a loss: both steps look again.
  await cleanUpAfterDeleting(s, found);
  return deleted;
}

/** Every delete path ends here: what the deleted copies leave behind goes, or is marked for the sweep. */
async function cleanUpAfterDeleting(s: OpenStore, deleted: CopyRefs[]): Promise<void> {
  if (deleted.length === 0) return;
  await markAttachmentsForRecheck(s, deleted.flatMap((copy) => copy.attachments.map((attachment) => attachment.md5)));
  await dropOrphanedTransactions(s, [...new Set(deleted.map((copy) => copy.queueId))]);
}

/** Raises `recheck` on these attachments' heads, after the copies went, so the sweep's look comes later. */
async function markAttachmentsForRecheck(s: OpenStore, md5s: string[]): Promise<void> {
  for (const batch of inBatches([...new Set(md5s)], ID_BATCH)) {
    const marks: AnyBulkWriteOperation<BlobChunkDocument>[] = batch.map((md5) => ({
      updateOne: { filter: { _id: blobChunkId(attachmentBlobKey(md5), 0) }, update: { $inc: { recheck: 1 } } },
    }));
    await s.blobChunks.bulkWrite(marks, { ordered: false });
  }
}

/**
 * Removes the raw source, body and captured record of every given queue id that has no copy left. Blobs go
 * before the record: if this stops half-way, the record still points a later sweep at what remains.
 * Attachment blobs stay (they may be shared): pruneUnreferencedBlobs takes them, as in the SQLite store.
 */
async function dropOrphanedTransactions(s: OpenStore, queueIds: string[]): Promise<void> {
  for (const batch of inBatches(queueIds, ID_BATCH)) {
    const remaining = new Set(await s.messages.distinct('queueId', copiesOfQueueIdsQuery(batch).filter));
    const orphans = batch.filter((queueId) => !remaining.has(queueId));
    if (orphans.length === 0) continue;
    const blobs = orphans.flatMap((queueId) => [rawBlobKey(queueId), bodyBlobKey(queueId)]);
    await s.blobChunks.deleteMany(blobChunksQuery(blobs).filter);
    await s.captured.deleteMany({ _id: { $in: orphans } });
  }
}

// ---- unreferenced attachments ---------------------------------------------------------------------------

/** The sweep described at the top of the file; returns how many attachments went. */
async function pruneUnreferencedAttachments(s: OpenStore, untouchedSince: Date): Promise<number> {
  const query = attachmentsToRecheckQuery(untouchedSince);
  const projection = { _id: 1, blob: 1, recheck: 1 } as const;
  const candidates = await s.blobChunks.find<RecheckCandidate>(query.filter, { projection }).toArray();
  let removed = 0;
  for (const batch of inBatches(candidates, ID_BATCH)) {
    const referenced = await referencedMd5s(s, batch.map((candidate) => md5OfAttachmentBlobKey(candidate.blob)));
    const isReferenced = (candidate: RecheckCandidate) => referenced.has(md5OfAttachmentBlobKey(candidate.blob));
    await clearRecheck(s, batch.filter(isReferenced));
    const unreferenced = batch.filter((candidate) => !isReferenced(candidate));
    const deleted = await Promise.all(
      unreferenced.map((candidate) => deleteBlobIfUntouched(s, candidate, untouchedSince)),
    );
    removed += deleted.filter(Boolean).length;
  }
  return removed;
}

async function referencedMd5s(s: OpenStore, md5s: string[]): Promise<Set<string>> {
  // distinct gives every md5 of the matching copies, a superset of the asked ones that are still carried.
  const carried: unknown[] = await s.messages.distinct('attachments.md5', copiesWithAttachmentsQuery(md5s).filter);
  return new Set(carried.filter((md5): md5 is string => typeof md5 === 'string'));
}

/** Compare and clear: a mark raised since the candidate was read survives for the next sweep. */
async function clearRecheck(s: OpenStore, candidates: RecheckCandidate[]): Promise<void> {
  if (candidates.length === 0) return;
  const clears: AnyBulkWriteOperation<BlobChunkDocument>[] = candidates.map(({ _id, recheck }) => ({
    updateOne: { filter: { _id, recheck }, update: { $unset: { recheck: '' } } },
  }));
  await s.blobChunks.bulkWrite(clears, { ordered: false });
}

/**
 * The head decides, atomically on its one document: it goes only if no save touched it since the cutoff.
 * Then its other chunks, under the same condition, so that chunks a save is writing afresh stay.
 */
async function deleteBlobIfUntouched(s: OpenStore, head: RecheckCandidate, untouchedSince: Date): Promise<boolean> {
  const deleted = await s.blobChunks.deleteOne({ _id: head._id, touchedAt: { $lte: untouchedSince } });
  if (deleted.deletedCount === 0) return false;
  await s.blobChunks.deleteMany(staleBlobTailQuery(head.blob, untouchedSince).filter);
  return true;
}

// ---- patches -------------------------------------------------------------------------------------------

/**
 * A patch as one or two atomic updates. Two when it removes a label: MongoDB refuses $addToSet and $pull
 * on the same field in one update, so the removal runs second, which also makes "add and remove the same
 * label" end without it, as in the SQLite store.
 */
function updateSteps(patch: MessagePatch): UpdateFilter<MessageDocument>[] {
  const set: Partial<Pick<MessageDocument, 'folder' | 'read' | 'savedBy'>> = {};
  if (patch.folder !== undefined) set.folder = patch.folder;
  if (patch.read !== undefined) set.read = patch.read;
  // `null` is a value here (un-star); only `undefined` means "leave as is".
  if (patch.savedBy !== undefined) set.savedBy = patch.savedBy;

  const first: UpdateFilter<MessageDocument> = {};
  if (Object.keys(set).length > 0) first.$set = set;
  if (patch.addLabel !== undefined && patch.addLabel !== patch.removeLabel) {
    first.$addToSet = { labels: patch.addLabel };
  }

  const steps: UpdateFilter<MessageDocument>[] = [];
  if (Object.keys(first).length > 0) steps.push(first);
  if (patch.removeLabel !== undefined) steps.push({ $pull: { labels: patch.removeLabel } });
  return steps;
}

// ---- helpers -------------------------------------------------------------------------------------------

function* inBatches<T>(items: T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

function toCapturedDocument(mail: CapturedMail): CapturedDocument {
  return {
    _id: mail.queueId,
    received: mail.received,
    envelope: mail.envelope,
    session: mail.session,
    messageId: mail.messageId,
    parseError: mail.parseError,
    size: mail.raw.length,
  };
}

function toMessageDocument(message: StoredMessage): MessageDocument {
  const { id, attachments, ...fields } = message;
  // AttachmentContent is an AttachmentMeta too: copying field by field keeps contents out of metadata.
  return { _id: id, ...fields, attachments: attachments.map(attachmentMeta) };
}

function attachmentMeta(attachment: AttachmentMeta): AttachmentMeta {
  const { md5, filename, contentType, size, contentId, disposition } = attachment;
  return { md5, filename, contentType, size, contentId, disposition };
}

/** Field by field, so that nothing the database adds (or a later schema version keeps) leaks into the API. */
function fromMessageDocument(document: MessageDocument): StoredMessage {
  return {
    id: document._id,
    queueId: document.queueId,
    inbox: document.inbox,
    originalInbox: document.originalInbox,
    domain: document.domain,
    from: document.from,
    to: document.to,
    cc: document.cc,
    bcc: document.bcc,
    subject: document.subject,
    received: document.received,
    size: document.size,
    attachments: document.attachments.map(attachmentMeta),
    links: document.links,
    ip: document.ip,
    via: document.via,
    rtls: document.rtls,
    // Copies stored before the field existed have none: not scored.
    spamVerdict: document.spamVerdict ?? null,
    folder: document.folder,
    labels: document.labels,
    read: document.read,
    savedBy: document.savedBy,
  };
}
