// The production MessageStore: MongoDB through the official driver, for production installs and for several
// replicas sharing one database. Collections, indexes and query shapes live in `mongo-schema.ts`.
//
// All or nothing without multi-document transactions: FerretDB v1 (the MongoDB-wire server the tests run)
// has none, and MongoDB has them only on replica sets, so saveCaptured gets its atomicity from ordering
// and compensation instead:
//   1. claim the queue id: insert its `captured` document (a duplicate fails here, before any write);
//   2. write the blobs (raw source, body, new attachments); chunk ids are deterministic, so a chunk
//      written twice is a duplicate-key no-op, and attachments are content-addressed by md5;
//   3. insert the recipient copies in one ordered insertMany: only now is anything readable, and
//      everything a copy points at already exists.
// Every write waits for w:'majority' with the journal, so saveCaptured resolves only once the mail would
// survive the loss of the primary. When step 2 or 3 fails, what this call wrote under its queue id
// (copies, raw and body blobs, then the claim) is deleted again before the error is passed on. Attachment
// blobs stay: another mail may share them (a prune pass removes unreferenced ones, as with SQLite).
// The compensation stops at its first failure: when the database is gone it would fail anyway, and SMTP
// should answer 451 quickly. What it leaves is a claim with blobs and no copies, which nothing reads.
// The one visible leftover: copies whose insert the server applied but whose acknowledgement was lost while
// the compensation could not run either. The sender got 451 and retries, so that mail is kept twice:
// at least once, never lost.
import {
  Binary,
  MongoBulkWriteError,
  MongoClient,
  MongoClientClosedError,
  MongoError,
  MongoErrorLabel,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoWriteConcernError,
  type Collection,
  type Db,
  type IndexDescription,
  type MongoClientOptions,
  type UpdateFilter,
} from 'mongodb';
import type {
  AttachmentContent,
  AttachmentMeta,
  CapturedMail,
  StoredMessage,
} from '../domain/captured-message';
import {
  StoreUnavailableError,
  type ListInboxQuery,
  type MessageBody,
  type MessagePatch,
  type MessageStore,
} from './message-store';
import {
  BLOB_CHUNK_BYTES,
  COLLECTIONS,
  INDEXES,
  attachmentBlobKey,
  blobChunkId,
  blobChunksQuery,
  blobTailQuery,
  bodyBlobKey,
  copiesOfQueueIdsQuery,
  countInboxPipeline,
  deleteInboxQuery,
  listInboxQuery,
  listStarredQuery,
  messageByIdQuery,
  messageKey,
  rawBlobKey,
  type BlobChunkDocument,
  type CapturedDocument,
  type MessageDocument,
  type NamedQuery,
} from './mongo-schema';

export interface MongoMessageStoreOptions {
  /** A mongodb:// or mongodb+srv:// URI. The database is the URI's path, `capturebox` when it names none. */
  uri: string;
  /**
   * How long an operation waits for a reachable server before failing with StoreUnavailableError. Short,
   * so that SMTP answers 451 while the client still listens. Default 2000.
   */
  serverSelectionTimeoutMS?: number;
  /** How long one socket read may take, so a hung (not dead) server also fails the call. Default 20000. */
  socketTimeoutMS?: number;
}

export const DEFAULT_DATABASE_NAME = 'capturebox';

/** Deletes and orphan checks go in batches of this many ids, keeping each command far below 16 MB. */
const ID_BATCH = 1000;

/** Everything that exists only while the store is open. */
interface OpenStore {
  client: MongoClient;
  db: Db;
  messages: Collection<MessageDocument>;
  captured: Collection<CapturedDocument>;
  blobChunks: Collection<BlobChunkDocument>;
}

export class MongoMessageStore implements MessageStore {
  private readonly uri: string;
  private readonly clientOptions: MongoClientOptions;
  private opened: OpenStore | null = null;

  constructor(options: MongoMessageStoreOptions) {
    this.uri = options.uri;
    this.clientOptions = mongoClientOptions(options);
  }

  async open(): Promise<void> {
    if (this.opened) return;
    // A malformed URI throws here, as a plain error: it is configuration, not a passing fault.
    const client = new MongoClient(this.uri, this.clientOptions);
    try {
      await client.connect();
      const db = client.db(databaseNameOf(this.uri));
      await createIndexes(db);
      this.opened = {
        client,
        db,
        messages: db.collection<MessageDocument>(COLLECTIONS.messages),
        captured: db.collection<CapturedDocument>(COLLECTIONS.captured),
        blobChunks: db.collection<BlobChunkDocument>(COLLECTIONS.blobChunks),
      };
    } catch (error) {
      await client.close().catch(() => undefined); // the open error is the one worth reporting
      throw toStoreError('open', error);
    }
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = null;
    await opened?.client.close();
  }

  async ping(): Promise<void> {
    await this.use('ping', async (s) => {
      await s.db.command({ ping: 1 });
    });
  }

  async saveCaptured(mail: CapturedMail, copies: StoredMessage[]): Promise<void> {
    assertCopiesBelongTo(mail, copies);
    await this.use('saveCaptured', async (s) => {
      await claimQueueId(s, mail);
      try {
        await writeBlobs(s, mail);
        await insertCopies(s, copies);
      } catch (error) {
        await undoFailedSave(s, mail, copies);
        throw error;
      }
    });
  }

  async listInbox(inbox: string, query: ListInboxQuery): Promise<StoredMessage[]> {
    return this.use('listInbox', (s) => findPage(s, listInboxQuery(inbox, query.until), query.limit));
  }

  async countInbox(inbox: string): Promise<number> {
    return this.use('countInbox', async (s) => {
      const [result] = await s.messages.aggregate<{ count: number }>(countInboxPipeline(inbox)).toArray();
      return result?.count ?? 0;
    });
  }

  async listStarred(accountId: string, query: ListInboxQuery): Promise<StoredMessage[]> {
    return this.use('listStarred', (s) => findPage(s, listStarredQuery(accountId, query.until), query.limit));
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

  async deleteMessage(inbox: string, id: string): Promise<boolean> {
    return this.use('deleteMessage', async (s) => {
      // No projection: FerretDB v1 refuses findAndModify's `fields`, and the document is small anyway.
      const deleted = await s.messages.findOneAndDelete(messageKey(inbox, id));
      if (!deleted) return false;
      await dropOrphanedTransactions(s, [deleted.queueId]);
      return true;
    });
  }

  async deleteInbox(inbox: string): Promise<number> {
    return this.use('deleteInbox', async (s) => {
      const query = deleteInboxQuery(inbox);
      const doomed = await s.messages.find(query.filter, { projection: { _id: 1, queueId: 1 } }).toArray();
      let deleted = 0;
      for (const batch of inBatches(doomed, ID_BATCH)) {
        // The filter is repeated: a message starred since the find above is not deleted after all.
        const ids = batch.map((document) => document._id);
        deleted += (await s.messages.deleteMany({ ...query.filter, _id: { $in: ids } })).deletedCount;
      }
      await dropOrphanedTransactions(s, [...new Set(doomed.map((document) => document.queueId))]);
      return deleted;
    });
  }

  /** Runs one unit of work on the open client, turning driver faults into StoreUnavailableError. */
  private async use<T>(operation: string, work: (store: OpenStore) => Promise<T>): Promise<T> {
    const opened = this.opened;
    if (!opened) throw new StoreUnavailableError(`mongo store: ${operation} while the store is closed`);
    try {
      return await work(opened);
    } catch (error) {
      throw toStoreError(operation, error);
    }
  }
}

/** The driver settings that make the store's promises true; a function so a test can check them. */
export function mongoClientOptions(options: MongoMessageStoreOptions): MongoClientOptions {
  const serverSelectionTimeoutMS = options.serverSelectionTimeoutMS ?? 2000;
  return {
    appName: 'capturebox',
    serverSelectionTimeoutMS,
    connectTimeoutMS: serverSelectionTimeoutMS,
    socketTimeoutMS: options.socketTimeoutMS ?? 20_000,
    // Acknowledged by a majority of the replica set, each in its journal: a 250 survives losing the primary.
    // wtimeoutMS: a replica set without a majority fails the write (451) instead of hanging the session.
    // Set here, not taken from the URI, because the store's durability promise depends on it.
    writeConcern: { w: 'majority', journal: true, wtimeoutMS: 10_000 },
  };
}

/** The URI's path names the database (`mongodb://host/name?...`); `capturebox` when there is none. */
export function databaseNameOf(uri: string): string {
  const afterScheme = uri.slice(uri.indexOf('://') + 3);
  // Hosts and user info cannot contain '/' (a Unix socket path is percent-encoded), so the first '/'
  // after the scheme starts the path, which ends at the options.
  const slash = afterScheme.indexOf('/');
  if (slash === -1) return DEFAULT_DATABASE_NAME;
  const path = afterScheme.slice(slash + 1).split('?')[0];
  return path === '' ? DEFAULT_DATABASE_NAME : decodeURIComponent(path);
}

async function createIndexes(db: Db): Promise<void> {
  for (const index of INDEXES) {
    const spec: IndexDescription = { key: index.key, name: index.name, ...(index.unique ? { unique: true } : {}) };
    // One index per command: FerretDB v1.24 panics (and drops the connection) on a createIndexes with two
    // or more indexes that all exist already, i.e. on every open after the first. Idempotent for the same
    // name and key; a changed declaration under an old name fails open() loudly.
    await db.collection(index.collection).createIndexes([spec]);
  }
}

async function findPage(s: OpenStore, query: NamedQuery<MessageDocument>, limit: number): Promise<StoredMessage[]> {
  if (limit <= 0) return []; // MongoDB reads limit 0 as "no limit"
  const documents = await s.messages.find(query.filter).sort(query.sort ?? {}).limit(limit).toArray();
  return documents.map(fromMessageDocument);
}

/** A message, only through its own inbox: comparing the inbox is the access check. */
async function findMessage(s: OpenStore, inbox: string, id: string): Promise<MessageDocument | null> {
  const document = await s.messages.findOne(messageByIdQuery(id));
  return document?.inbox === inbox ? document : null;
}

// ---- saving --------------------------------------------------------------------------------------------

async function claimQueueId(s: OpenStore, mail: CapturedMail): Promise<void> {
  try {
    await s.captured.insertOne(toCapturedDocument(mail));
  } catch (error) {
    if (isDuplicateKey(error)) {
      throw new Error(`saveCaptured: queue id ${mail.queueId} is already stored`, { cause: error });
    }
    throw error;
  }
}

/**
 * Writes the raw source, the body and every attachment not stored yet in two unordered inserts: all chunks
 * but the first, then the first chunks, which carry the totals and so mark their blobs complete. A small
 * mail is one insert. A chunk that exists already holds the same bytes (same key: same claimed queue id,
 * or same md5), so duplicate keys are fine: two saves racing on one new attachment both succeed.
 */
async function writeBlobs(s: OpenStore, mail: CapturedMail): Promise<void> {
  const blobs = new Map<string, Buffer>([
    [rawBlobKey(mail.queueId), mail.raw],
    [bodyBlobKey(mail.queueId), encodeBody(mail)],
  ]);
  const attachments = new Map(
    mail.attachments.map((attachment) => [attachmentBlobKey(attachment.md5), attachment.content]),
  );
  const stored = await completeBlobs(s, [...attachments.keys()]);
  for (const [key, content] of attachments) if (!stored.has(key)) blobs.set(key, content);

  const chunked = [...blobs].map(([key, content]) => splitIntoChunks(key, content));
  const tails = chunked.flatMap(([, ...rest]) => rest);
  if (tails.length > 0) await insertIgnoringDuplicates(s.blobChunks, tails);
  await insertIgnoringDuplicates(s.blobChunks, chunked.map(([head]) => head));
}

/**
 * Which of these blobs exist completely, i.e. have their chunk 0. One lookup by _id per blob rather than
 * one $in: FerretDB v1 hands only a plain {_id: value} filter to SQL and decodes every document otherwise.
 */
async function completeBlobs(s: OpenStore, keys: string[]): Promise<Set<string>> {
  const heads = await Promise.all(
    keys.map((key) => s.blobChunks.findOne({ _id: blobChunkId(key, 0) }, { projection: { _id: 1 } })),
  );
  return new Set(keys.filter((_, i) => heads[i] !== null));
}

async function insertCopies(s: OpenStore, copies: StoredMessage[]): Promise<void> {
  try {
    await s.messages.insertMany(copies.map(toMessageDocument), { ordered: true });
  } catch (error) {
    if (isDuplicateKey(error)) {
      const ids = copies.map((copy) => copy.id).join(', ');
      throw new Error(`saveCaptured: a message id among ${ids} is already stored`, { cause: error });
    }
    throw error;
  }
}

/** Deletes what a failed save wrote under its queue id, newest first; see the top of the file. */
async function undoFailedSave(s: OpenStore, mail: CapturedMail, copies: StoredMessage[]): Promise<void> {
  try {
    // The queue id condition keeps another transaction's message safe when an id clash was the failure.
    await s.messages.deleteMany({ _id: { $in: copies.map((copy) => copy.id) }, queueId: mail.queueId });
    await s.blobChunks.deleteMany({ blob: { $in: [rawBlobKey(mail.queueId), bodyBlobKey(mail.queueId)] } });
    await s.captured.deleteOne({ _id: mail.queueId });
  } catch {
    // The save's own error is the one to report; the leftovers are unreadable without copies.
  }
}

/** At least one chunk (an empty blob is one empty chunk); chunk 0 carries the totals. */
function splitIntoChunks(key: string, content: Buffer): [BlobChunkDocument, ...BlobChunkDocument[]] {
  const count = Math.max(1, Math.ceil(content.length / BLOB_CHUNK_BYTES));
  const chunk = (n: number): BlobChunkDocument => ({
    _id: blobChunkId(key, n),
    blob: key,
    n,
    data: new Binary(content.subarray(n * BLOB_CHUNK_BYTES, (n + 1) * BLOB_CHUNK_BYTES)),
  });
  const rest = Array.from({ length: count - 1 }, (_, i) => chunk(i + 1));
  return [{ ...chunk(0), chunks: count, size: content.length }, ...rest];
}

async function insertIgnoringDuplicates(
  collection: Collection<BlobChunkDocument>,
  documents: BlobChunkDocument[],
): Promise<void> {
  try {
    await collection.insertMany(documents, { ordered: false });
  } catch (error) {
    if (!isOnlyDuplicateKeys(error)) throw error;
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

/**
 * Removes the raw source, body and captured record of every given queue id that has no copy left. Blobs go
 * before the record: if this stops half-way, the record still points a later sweep at what remains.
 * Attachment blobs stay (they may be shared), as in the SQLite store.
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

// ---- errors --------------------------------------------------------------------------------------------

/** Server error codes that mean "not now" (shutdown, election, no primary, network), not "never". */
const TRANSIENT_SERVER_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  64, // WriteConcernFailed (wtimeout)
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * Driver faults that mean the database cannot be reached or cannot take the write now become
 * StoreUnavailableError: the caller answers 451/503 and the driver reconnects by itself. Everything else
 * (duplicate keys, bad documents, our own errors) is passed on as it is.
 */
function toStoreError(operation: string, error: unknown): unknown {
  if (!isUnavailable(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`mongo store: ${operation} failed: ${message}`, { cause: error });
}

function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return false; // already mapped
  if (
    error instanceof MongoNetworkError || // includes timeouts and cleared connection pools
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoClientClosedError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoWriteConcernError
  ) {
    return true;
  }
  if (error instanceof MongoBulkWriteError && error.result.getWriteConcernError() !== undefined) return true;
  if (error instanceof MongoError && error.hasErrorLabel(MongoErrorLabel.RetryableWriteError)) return true;
  const code = error instanceof MongoServerError ? error.code : undefined;
  return typeof code === 'number' && TRANSIENT_SERVER_CODES.has(code);
}

const DUPLICATE_KEY = 11000;

function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/** An unordered insert that failed only because some documents were there already. */
function isOnlyDuplicateKeys(error: unknown): boolean {
  if (!(error instanceof MongoBulkWriteError)) return isDuplicateKey(error);
  if (error.result.getWriteConcernError() !== undefined) return false;
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return writeErrors.length > 0 && writeErrors.every((writeError) => writeError.code === DUPLICATE_KEY);
}

// ---- helpers -------------------------------------------------------------------------------------------

function* inBatches<T>(items: T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/** Catches caller bugs that the schema cannot: copies of another transaction, or a transaction with none. */
function assertCopiesBelongTo(mail: CapturedMail, copies: StoredMessage[]): void {
  if (copies.length === 0) throw new Error(`saveCaptured: transaction ${mail.queueId} has no recipient copies`);
  const stranger = copies.find((copy) => copy.queueId !== mail.queueId);
  if (stranger) {
    throw new Error(`saveCaptured: copy ${stranger.id} belongs to ${stranger.queueId}, not ${mail.queueId}`);
  }
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
    spam: document.spam,
    folder: document.folder,
    labels: document.labels,
    read: document.read,
    savedBy: document.savedBy,
  };
}
