// The MongoDB store's collections, document shapes and indexes. Each index is declared next to the named
// query it serves (as WildDuck does), and the queries are built here so that tests `explain` the very same
// filter and sort the store runs.
//
// Layout: small metadata documents in `messages` (one per recipient copy); per-transaction facts in
// `captured` (whose _id, the queue id, is also the claim that makes a queue id unique); everything large
// (raw sources, bodies, attachment contents) in `blob_chunks`, split into chunks well under the 16 MB BSON
// document limit, so a 25 MB message fits.
import type { Binary, Document, Filter, Sort } from 'mongodb';
import type { CapturedMail, Envelope, SessionFacts, StoredMessage } from '../domain';
import { MAX_INDEXED_BODY } from './message-search';
import { wordsOf } from './search-words';
import {
  starredViewerOf,
  type DomainScope,
  type ListInboxQuery,
  type PublicScope,
  type PublicStatsQuery,
  type PublicTallyKey,
  type StarredVisibility,
  type UsageScope,
} from './message-store';
import type { MongoIndexDeclaration } from './mongo-connection';

export const COLLECTIONS = {
  messages: 'messages',
  captured: 'captured',
  blobChunks: 'blob_chunks',
  webhookDeliveries: 'webhook_deliveries',
  webhookClaims: 'webhook_claims',
} as const;

export type CollectionName = (typeof COLLECTIONS)[keyof typeof COLLECTIONS];

/**
 * One recipient copy: everything a listing returns, and nothing bulky (attachment contents are blobs keyed
 * by md5). The port's StoredMessage with its id as `_id`; `savedBy` is always present, null when public,
 * so `savedBy: null` finds the public ones.
 */
export type MessageDocument = Omit<StoredMessage, 'id'> & { _id: string } & Partial<MessageWordsFields>;

/**
 * What a words condition of a search reads (mongo-search.ts), written with each copy at save time: FerretDB
 * v1 has no $text, so the distinct words go into a multikey-indexed array, and the words in order (subject,
 * addresses, body, apart by " | ", which no word contains) into a string a phrase is matched against.
 * Messages stored before these fields existed have none: word searches do not find them.
 */
export interface MessageWordsFields {
  searchWords: string[];
  searchText: string;
}

/** The words fields of a transaction's copies (they share them), as `wordsOf` splits its text. */
export function messageWordsOf(mail: CapturedMail): MessageWordsFields {
  const addresses = [...mail.from, ...mail.to, ...mail.cc].map((address) => address.address).join(' ');
  const body = (mail.text ?? mail.html ?? '').slice(0, MAX_INDEXED_BODY);
  const parts = [mail.subject, addresses, body].map((part) => wordsOf(part));
  return { searchWords: [...new Set(parts.flat())], searchText: parts.map((words) => words.join(' ')).join(' | ') };
}

/** Serves a search's words conditions: one entry per distinct word of each copy. */
export const MESSAGES_BY_WORD: IndexDeclaration = {
  collection: COLLECTIONS.messages,
  name: 'messages_by_word',
  key: { searchWords: 1 },
};

/** A search reads no words fields back: they are only there to be searched. */
export const WITHOUT_WORDS = { searchWords: 0, searchText: 0 } as const;

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
 * One chunk of a blob. `_id` is `<blob key>#<n>`, so writing a chunk twice is a no-op, never a second copy.
 * Chunk 0 (the head) is written last and carries the totals: when it exists, the blob is complete.
 */
export interface BlobChunkDocument {
  _id: string;
  blob: string;
  n: number;
  data: Binary;
  /** Chunk 0 only: how many chunks and bytes the whole blob has. */
  chunks?: number;
  size?: number;
  /**
   * When a save last wrote this chunk or (head of an attachment) found it stored and went on to refer to
   * it. The unreferenced-attachment sweep leaves anything touched within its grace period alone.
   */
  touchedAt: Date;
  /**
   * Attachment heads only: present (> 0) while the attachment may have no message referring to it: set when
   * it is first written, raised whenever a message that carries it is deleted, and removed by the sweep
   * once it finds a reference. A counter rather than a flag, so the sweep clears it only when nothing raised
   * it while the sweep was looking.
   */
  recheck?: number;
}

/** Well below the 16 MB document limit, and few enough round trips for a 25 MB source (25 chunks). */
export const BLOB_CHUNK_BYTES = 1024 * 1024;

export const rawBlobKey = (queueId: string): string => `raw:${queueId}`;
/** Text, HTML and headers as one JSON blob: a 20 MB HTML part must not break the document limit either. */
export const bodyBlobKey = (queueId: string): string => `body:${queueId}`;
/** Content-addressed: the same attachment in a thousand mails is stored once. */
const ATTACHMENT_BLOB_PREFIX = 'attachment:';
export const attachmentBlobKey = (md5: string): string => `${ATTACHMENT_BLOB_PREFIX}${md5}`;
export const md5OfAttachmentBlobKey = (key: string): string => key.slice(ATTACHMENT_BLOB_PREFIX.length);
export const blobChunkId = (blob: string, n: number): string => `${blob}#${n}`;

export type IndexDeclaration = MongoIndexDeclaration<CollectionName>;

/** A query as the store runs it, with the index that must serve it (asserted by the spec's explain test). */
export interface NamedQuery<T extends Document> {
  filter: Filter<T>;
  sort?: Sort;
  index: string;
}

// ---- messages ----------------------------------------------------------------------------------------

/** Serves listInbox (newest first, ties by id descending), countInbox, deleteInbox and usage's inboxes. */
export const MESSAGES_BY_INBOX: IndexDeclaration = {
  collection: COLLECTIONS.messages,
  name: 'messages_by_inbox',
  key: { inbox: 1, received: -1, _id: -1 },
};

/**
 * Serves listStarred, usage's starred mail and, with savedBy: null, pruneOlderThan and the mailstats tallies
 * (public mail by age).
 * MongoDB could make it partial ({savedBy: {$type: 'string'}}) so it holds only starred mail, but FerretDB v1
 * refuses partialFilterExpression (NotImplemented), and the public copies under savedBy: null are exactly
 * what the age prune needs, so one index serves both.
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

/**
 * Serves the unreferenced-attachment sweep's question "which of these md5s does any message still carry?",
 * and mailstats' public messages carrying one md5. Multikey: one entry per attachment of each copy.
 */
export const MESSAGES_BY_ATTACHMENT: IndexDeclaration = {
  collection: COLLECTIONS.messages,
  name: 'messages_by_attachment',
  key: { 'attachments.md5': 1 },
};

/** Serves the 'everything' scope of a search (an admin's account-wide reading and waits) in time order. */
export const MESSAGES_BY_RECEIVED: IndexDeclaration = {
  collection: COLLECTIONS.messages,
  name: 'messages_by_received',
  key: { received: -1, _id: -1 },
};

/** Serves listDomain (newest first, ties by id descending), countDomain, deleteDomainMail and usage's domains. */
export const MESSAGES_BY_DOMAIN: IndexDeclaration = {
  collection: COLLECTIONS.messages,
  name: 'messages_by_domain',
  key: { domain: 1, received: -1, _id: -1 },
};

/** `until` when the caller gave none: later than any real message, so one query shape serves both. */
const NO_UNTIL = new Date(8.64e15);
const NEWEST_FIRST = { received: -1, _id: -1 } as const satisfies Sort;
const OLDEST_FIRST = { received: 1, _id: 1 } as const satisfies Sort;

/** What listInbox and listDomain filter by besides their inbox or domain. */
export type PageFilter = Omit<ListInboxQuery, 'limit'>;

/**
 * The starred messages a filtered listing or count shows besides public ones; no condition when it does not
 * filter. A condition on the documents the inbox or domain index yields, so a page is never short.
 */
function starredVisibleFilter(options: StarredVisibility | undefined): Filter<MessageDocument> {
  const viewer = starredViewerOf(options);
  if (viewer === undefined) return {};
  return { savedBy: viewer === null ? null : { $in: [null, viewer] } };
}

export function listInboxQuery(inbox: string, page: PageFilter): NamedQuery<MessageDocument> {
  return {
    filter: { inbox, received: { $lt: page.until ?? NO_UNTIL }, ...starredVisibleFilter(page) },
    sort: NEWEST_FIRST,
    index: MESSAGES_BY_INBOX.name,
  };
}

/** A DomainScope as a condition on the documents the domain index yields (no condition for none). */
function notExcludedFilter(scope: DomainScope | undefined): Filter<MessageDocument> {
  const excluded = scope?.excludeInboxes ?? [];
  return excluded.length > 0 ? { inbox: { $nin: [...excluded] } } : {};
}

export function listDomainQuery(domain: string, page: PageFilter & DomainScope): NamedQuery<MessageDocument> {
  return {
    filter: { domain, received: { $lt: page.until ?? NO_UNTIL }, ...starredVisibleFilter(page), ...notExcludedFilter(page) },
    sort: NEWEST_FIRST,
    index: MESSAGES_BY_DOMAIN.name,
  };
}

export function listStarredQuery(accountId: string, until: Date | undefined): NamedQuery<MessageDocument> {
  return {
    filter: { savedBy: accountId, received: { $lt: until ?? NO_UNTIL } },
    sort: NEWEST_FIRST,
    index: MESSAGES_BY_STARRED.name,
  };
}

/**
 * Counts and sums are aggregates (rather than countDocuments) so the store runs exactly what the explain test
 * checks. Each yields one document `{ total }`, or none when nothing matched.
 */
function countPipeline(filter: Filter<MessageDocument>): Document[] {
  return [{ $match: filter }, { $count: 'total' }];
}

export function countInboxPipeline(inbox: string, options?: StarredVisibility): Document[] {
  return countPipeline({ inbox, ...starredVisibleFilter(options) });
}

export function countDomainPipeline(domain: string, scope?: DomainScope): Document[] {
  return countPipeline({ domain, ...notExcludedFilter(scope) });
}

/** Starred messages are private property of an account: clearing an inbox never takes them. */
export function deleteInboxQuery(inbox: string): NamedQuery<MessageDocument> {
  return { filter: { inbox, savedBy: null }, index: MESSAGES_BY_INBOX.name };
}

/** As deleteInboxQuery, for every inbox of a domain. */
export function deleteDomainMailQuery(domain: string, scope?: DomainScope): NamedQuery<MessageDocument> {
  return { filter: { domain, savedBy: null, ...notExcludedFilter(scope) }, index: MESSAGES_BY_DOMAIN.name };
}

// usage: four aggregates, each a $match whose every $or branch one index serves (MongoDB unites the branches'
// index scans, so a document counts once). An empty list leaves its branch out, as MongoDB refuses an empty
// $or; a scope with neither inboxes nor domains has no stored mail to ask about (null). Bytes are summed
// apart from the count because FerretDB v1 computes only the first of several accumulators in a $group.

/** The account's starred messages. */
export function starredUsagePipeline(accountId: string): Document[] {
  return countPipeline({ savedBy: accountId });
}

/** The messages stored in the scope's inboxes or domains. */
export function storedCountPipeline(scope: UsageScope): Document[] | null {
  const stored = storedInScope(scope);
  if (stored.length === 0) return null;
  return countPipeline({ $or: stored });
}

/** The bytes of the messages stored in the scope's inboxes or domains. */
export function storedBytesPipeline(scope: UsageScope): Document[] | null {
  const stored = storedInScope(scope);
  if (stored.length === 0) return null;
  return [{ $match: { $or: stored } }, { $group: { _id: null, total: { $sum: '$size' } } }];
}

/** Starred by the account or stored: a message that is both is one document, counted once. */
export function privateUsagePipeline(scope: UsageScope): Document[] {
  return countPipeline({ $or: [{ savedBy: scope.accountId }, ...storedInScope(scope)] });
}

function storedInScope(scope: UsageScope): Filter<MessageDocument>[] {
  const branches: Filter<MessageDocument>[] = [];
  if (scope.inboxes.length > 0) branches.push({ inbox: { $in: scope.inboxes } });
  if (scope.domains.length > 0) branches.push({ domain: { $in: scope.domains } });
  return branches;
}

/** Public mail received before `cutoff`, oldest first (the index walked backwards). */
export function publicOlderThanQuery(cutoff: Date): NamedQuery<MessageDocument> {
  return { filter: { savedBy: null, received: { $lt: cutoff } }, sort: OLDEST_FIRST, index: MESSAGES_BY_STARRED.name };
}

/** An inbox's public mail in listing order; trimInbox skips the newest it keeps. */
export function publicInboxQuery(inbox: string): NamedQuery<MessageDocument> {
  return { filter: { inbox, savedBy: null }, sort: NEWEST_FIRST, index: MESSAGES_BY_INBOX.name };
}

// ---- mailstats: public mail only ----------------------------------------------------------------------

/** Public mail in a PublicScope: not starred, not in an excluded inbox or domain. */
function publicFilter(scope: PublicScope): Filter<MessageDocument> {
  return {
    savedBy: null,
    ...(scope.excludeInboxes.length > 0 ? { inbox: { $nin: [...scope.excludeInboxes] } } : {}),
    ...(scope.excludeDomains.length > 0 ? { domain: { $nin: [...scope.excludeDomains] } } : {}),
  };
}

/**
 * Public mail received within the query's range: `savedBy: null` and the range are an index range on
 * messages_by_starred (as the age prune uses it). The caller skips the pipeline for a limit of 0.
 */
function publicReceivedMatch(query: PublicStatsQuery): Document {
  return { $match: { ...publicFilter(query), received: { $gte: query.since ?? new Date(0), $lte: query.until ?? NO_UNTIL } } };
}

/** A tally's page, most first, ties by key: `{ _id: key, n }` documents. */
function tallyPage(query: PublicStatsQuery): Document[] {
  return [{ $sort: { n: -1, _id: 1 } }, { $skip: query.skip }, { $limit: query.limit }];
}

const TALLY_GROUPS: Record<PublicTallyKey, Document[]> = {
  inbox: [{ $group: { _id: '$inbox', n: { $sum: 1 } } }],
  domain: [{ $group: { _id: '$domain', n: { $sum: 1 } } }],
  // One row per From address: a message counts once for each.
  sender: [{ $unwind: '$from' }, { $group: { _id: '$from.address', n: { $sum: 1 } } }],
};

export function tallyPublicMailPipeline(by: PublicTallyKey, query: PublicStatsQuery): Document[] {
  return [publicReceivedMatch(query), ...TALLY_GROUPS[by], ...tallyPage(query)];
}

/** Per md5, the messages carrying it: grouped by (md5, message) first, so a content attached twice counts once. */
export function tallyPublicAttachmentsPipeline(query: PublicStatsQuery): Document[] {
  return [
    publicReceivedMatch(query),
    { $unwind: '$attachments' },
    { $group: { _id: { md5: '$attachments.md5', message: '$_id' } } },
    { $group: { _id: '$_id.md5', n: { $sum: 1 } } },
    ...tallyPage(query),
  ];
}

export function publicWithAttachmentQuery(md5: string, scope: PublicScope): NamedQuery<MessageDocument> {
  return { filter: { 'attachments.md5': md5, ...publicFilter(scope) }, sort: NEWEST_FIRST, index: MESSAGES_BY_ATTACHMENT.name };
}

export function countPublicWithAttachmentPipeline(md5: string, scope: PublicScope): Document[] {
  return countPipeline(publicWithAttachmentQuery(md5, scope).filter);
}

export function copiesWithAttachmentsQuery(md5s: string[]): NamedQuery<MessageDocument> {
  return { filter: { 'attachments.md5': { $in: md5s } }, index: MESSAGES_BY_ATTACHMENT.name };
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

/** Serves the sweep's candidates: attachment heads marked for a recheck and untouched since the cutoff. */
export const BLOB_CHUNKS_TO_RECHECK: IndexDeclaration = {
  collection: COLLECTIONS.blobChunks,
  name: 'blob_chunks_to_recheck',
  key: { recheck: 1, touchedAt: 1 },
};

export function attachmentsToRecheckQuery(untouchedSince: Date): NamedQuery<BlobChunkDocument> {
  return { filter: { recheck: { $gt: 0 }, touchedAt: { $lte: untouchedSince } }, index: BLOB_CHUNKS_TO_RECHECK.name };
}

/** A deleted blob's other chunks, except any that a save has written afresh since the cutoff. */
export function staleBlobTailQuery(blob: string, untouchedSince: Date): NamedQuery<BlobChunkDocument> {
  return {
    filter: { blob, n: { $gte: 1 }, touchedAt: { $lte: untouchedSince } },
    index: BLOB_CHUNKS_BY_BLOB.name,
  };
}

/** Every secondary index the store needs, created (idempotently) by open(). */
// ---- webhook deliveries -------------------------------------------------------------------------------

/** Serves claimWebhookDeliveries: pending deliveries, due first. (FerretDB v1 refuses partial indexes.) */
export const DELIVERIES_DUE: IndexDeclaration = {
  collection: COLLECTIONS.webhookDeliveries,
  name: 'webhook_deliveries_due',
  key: { state: 1, nextAttemptAt: 1 },
};

/** Serves webhookQueueStats: the oldest pending delivery. */
export const DELIVERIES_BY_CREATED: IndexDeclaration = {
  collection: COLLECTIONS.webhookDeliveries,
  name: 'webhook_deliveries_by_created',
  key: { state: 1, created: 1 },
};

/** Serves listWebhookDeliveries: one webhook's log, newest first. */
export const DELIVERIES_BY_WEBHOOK: IndexDeclaration = {
  collection: COLLECTIONS.webhookDeliveries,
  name: 'webhook_deliveries_by_webhook',
  key: { webhookId: 1, created: -1, _id: -1 },
};

/** Serves pruneSettledDeliveries: settled deliveries by when they settled. */
export const DELIVERIES_SETTLED: IndexDeclaration = {
  collection: COLLECTIONS.webhookDeliveries,
  name: 'webhook_deliveries_settled',
  key: { state: 1, settledAt: 1 },
};

export const INDEXES: readonly IndexDeclaration[] = [
  MESSAGES_BY_RECEIVED,
  MESSAGES_BY_INBOX,
  MESSAGES_BY_STARRED,
  MESSAGES_BY_DOMAIN,
  MESSAGES_BY_QUEUE_ID,
  MESSAGES_BY_ATTACHMENT,
  MESSAGES_BY_WORD,
  BLOB_CHUNKS_BY_BLOB,
  BLOB_CHUNKS_TO_RECHECK,
  DELIVERIES_DUE,
  DELIVERIES_BY_CREATED,
  DELIVERIES_BY_WEBHOOK,
  DELIVERIES_SETTLED,
];
