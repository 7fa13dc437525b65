// The MongoDB store's collections, document shapes and indexes. Each index is declared next to the named
// query it serves (as WildDuck does), and the queries are built here so that tests `explain` the very same
// filter and sort the store runs.
//
// Layout: small metadata documents in `messages` (one per recipient copy); per-transaction facts in
// `captured` (whose _id, the queue id, is also the claim that makes a queue id unique); everything large
// (raw sources, bodies, attachment contents) in `blob_chunks`, split into chunks well under the 16 MB BSON
// document limit, so a 25 MB message fits.
import type { Binary, Document, Filter, IndexDirection, Sort } from 'mongodb';
import type { Envelope, SessionFacts, StoredMessage } from '../domain/captured-message';

export const COLLECTIONS = {
  messages: 'messages',
  captured: 'captured',
  blobChunks: 'blob_chunks',
} as const;

export type CollectionName = (typeof COLLECTIONS)[keyof typeof COLLECTIONS];

/**
 * One recipient copy: everything a listing returns, and nothing bulky (attachment contents are blobs keyed
 * by md5). The port's StoredMessage with its id as `_id`; `savedBy` is always present, null when public,
 * so `savedBy: null` finds the public ones.
 */
export type MessageDocument = Omit<StoredMessage, 'id'> & { _id: string };

/**
 * What every copy of one SMTP transaction shares, apart from its blobs. Inserted first by saveCaptured:
 * its unique _id makes a second save of the same queue id fail before anything else is written.
 */
export interface CapturedDocument {
  _id: string;
  received: Date;
  envelope: Envelope;
  session: SessionFacts;
  messageId: string | null;
  parseError: string | null;
  size: number;
}

/**
 * One chunk of a blob. `_id` is `<blob key>#<n>`, so writing a chunk twice is a duplicate-key no-op, never
 * a second copy. Chunk 0 is written last and carries the totals: when it exists, the blob is complete.
 */
export interface BlobChunkDocument {
  _id: string;
  blob: string;
  n: number;
  data: Binary;
  /** Chunk 0 only: how many chunks and bytes the whole blob has. */
  chunks?: number;
  size?: number;
}

/** Well below the 16 MB document limit, and few enough round trips for a 25 MB source (25 chunks). */
export const BLOB_CHUNK_BYTES = 1024 * 1024;

export const rawBlobKey = (queueId: string): string => `raw:${queueId}`;
/** Text, HTML and headers as one JSON blob: a 20 MB HTML part must not break the document limit either. */
export const bodyBlobKey = (queueId: string): string => `body:${queueId}`;
/** Content-addressed: the same attachment in a thousand mails is stored once. */
export const attachmentBlobKey = (md5: string): string => `attachment:${md5}`;
export const blobChunkId = (blob: string, n: number): string => `${blob}#${n}`;

export interface IndexDeclaration {
  collection: CollectionName;
  name: string;
  key: Record<string, IndexDirection>;
  unique?: boolean;
}

/** A query as the store runs it, with the index that must serve it (asserted by the spec's explain test). */
export interface NamedQuery<T extends Document> {
  filter: Filter<T>;
  sort?: Sort;
  index: string;
}

// ---- messages ----------------------------------------------------------------------------------------

/** Serves listInbox (newest first, ties by id descending), countInbox and deleteInbox. */
export const MESSAGES_BY_INBOX: IndexDeclaration = {
  collection: COLLECTIONS.messages,
  name: 'messages_by_inbox',
  key: { inbox: 1, received: -1, _id: -1 },
};

/**
 * Serves listStarred. MongoDB could make this partial ({savedBy: {$type: 'string'}}) so it holds only
 * starred mail, but FerretDB v1 refuses partialFilterExpression (NotImplemented), and one declaration for
 * both servers matters more than the space: public copies sit under savedBy: null.
 */
export const MESSAGES_BY_STARRED: IndexDeclaration = {
  collection: COLLECTIONS.messages,
  name: 'messages_by_starred',
  key: { savedBy: 1, received: -1, _id: -1 },
};

/** Serves the orphan check: does any copy of this queue id remain? */
export const MESSAGES_BY_QUEUE_ID: IndexDeclaration = {
  collection: COLLECTIONS.messages,
  name: 'messages_by_queue_id',
  key: { queueId: 1 },
};

/** `until` when the caller gave none: later than any real message, so one query shape serves both. */
const NO_UNTIL = new Date(8.64e15);
const NEWEST_FIRST = { received: -1, _id: -1 } as const satisfies Sort;

export function listInboxQuery(inbox: string, until: Date | undefined): NamedQuery<MessageDocument> {
  return {
    filter: { inbox, received: { $lt: until ?? NO_UNTIL } },
    sort: NEWEST_FIRST,
    index: MESSAGES_BY_INBOX.name,
  };
}

export function listStarredQuery(accountId: string, until: Date | undefined): NamedQuery<MessageDocument> {
  return {
    filter: { savedBy: accountId, received: { $lt: until ?? NO_UNTIL } },
    sort: NEWEST_FIRST,
    index: MESSAGES_BY_STARRED.name,
  };
}

/** An aggregate rather than countDocuments, so the store runs exactly what the explain test checks. */
export function countInboxPipeline(inbox: string): Document[] {
  return [{ $match: { inbox } }, { $count: 'count' }];
}

/** Starred messages are private property of an account: clearing an inbox never takes them. */
export function deleteInboxQuery(inbox: string): NamedQuery<MessageDocument> {
  return { filter: { inbox, savedBy: null }, index: MESSAGES_BY_INBOX.name };
}

export function copiesOfQueueIdsQuery(queueIds: string[]): NamedQuery<MessageDocument> {
  return { filter: { queueId: { $in: queueIds } }, index: MESSAGES_BY_QUEUE_ID.name };
}

/** Updates and deletes: the inbox condition is the access check, atomic with the change. */
export function messageKey(inbox: string, id: string): Filter<MessageDocument> {
  return { _id: id, inbox };
}

/**
 * Reads of one message: by _id alone, the store compares the inbox on the result. On MongoDB both shapes
 * are the same _id index lookup; FerretDB v1 hands only a bare {_id: value} filter down to SQL and
 * decodes every document of the collection for anything else.
 */
export function messageByIdQuery(id: string): Filter<MessageDocument> {
  return { _id: id };
}

// ---- blob_chunks -------------------------------------------------------------------------------------

/**
 * Serves reading a large blob's chunks after the first, in order, and deleting every chunk of a blob
 * (complete or not). Chunk 0 is read by _id, so a blob of one chunk (most mail) is one _id lookup.
 */
export const BLOB_CHUNKS_BY_BLOB: IndexDeclaration = {
  collection: COLLECTIONS.blobChunks,
  name: 'blob_chunks_by_blob',
  key: { blob: 1, n: 1 },
  unique: true,
};

export function blobTailQuery(blob: string): NamedQuery<BlobChunkDocument> {
  return { filter: { blob, n: { $gte: 1 } }, sort: { blob: 1, n: 1 }, index: BLOB_CHUNKS_BY_BLOB.name };
}

export function blobChunksQuery(blobs: string[]): NamedQuery<BlobChunkDocument> {
  return {
    filter: blobs.length === 1 ? { blob: blobs[0] } : { blob: { $in: blobs } },
    sort: { blob: 1, n: 1 },
    index: BLOB_CHUNKS_BY_BLOB.name,
  };
}

/** Every secondary index the store needs, created (idempotently) by open(). */
export const INDEXES: readonly IndexDeclaration[] = [
  MESSAGES_BY_INBOX,
  MESSAGES_BY_STARRED,
  MESSAGES_BY_QUEUE_ID,
  BLOB_CHUNKS_BY_BLOB,
];
