// The storage port: the small vocabulary that ingest, the API and retention speak. Adapters (embedded
// SQLite, MongoDB) implement it and pass the same contract tests in `message-store.contract.ts`.
import type { AttachmentContent, CapturedMail, HeaderLine, MessageFolder, SpamVerdict, StoredMessage } from '../domain';
import type { MessageFilter, MessageSearch } from './message-search';
import type {
  ClaimedDelivery,
  DeliveryClaim,
  DeliverySettlement,
  NewWebhookDelivery,
  WebhookDelivery,
  WebhookQueueStats,
} from './webhook-deliveries';

/** Whether a listing or count shows every starred message, or only those a given account starred. */
export interface StarredVisibility {
  /**
   * Absent: every message. Present: public messages (savedBy null) and those this account starred; null
   * (or undefined) for public ones only. Filtered in the query itself, so pages are never short and counts
   * reveal nothing either.
   */
  starredVisibleTo?: string | null;
}

/**
 * Which inboxes of a domain a domain-wide listing, count or delete leaves out: those reserved by another
 * account than the domain's owner (they stay that account's). Filtered in the query, so pages are full.
 */
export interface DomainScope {
  excludeInboxes?: readonly string[];
}

export interface ListInboxQuery extends StarredVisibility {
  /** Newest first; at most this many (the caller bounds it). */
  limit: number;
  /** Only messages received strictly before this instant (Mailsac's `until`). */
  until?: Date;
}

/** What counts toward an account's messageLimit, and what Mailsac's /api/me/stats shows. */
export interface UsageScope {
  accountId: string;
  /** The account's private addresses (lower-case inboxes). */
  inboxes: string[];
  /** The account's custom domains (lower-case). */
  domains: string[];
}

export interface Usage {
  /** Messages the account starred, wherever they are. */
  starred: number;
  /** Messages in the scope's inboxes or domains, starred or not. */
  stored: number;
  /** The `size` of the stored ones, summed. */
  bytes: number;
  /** Distinct messages that are starred by the account or stored: a message that is both counts once. */
  private: number;
}

/**
 * Mailsac's mailstats look at public mail only: never a starred message, nor one in an inbox or a domain an
 * account owns (the caller, access/, names those). Filtered in the query, so no count ever includes them.
 */
export interface PublicScope {
  excludeInboxes: readonly string[];
  excludeDomains: readonly string[];
}

export interface PublicStatsQuery extends PublicScope {
  /** Received at or after this instant. */
  since?: Date;
  /** Received at or before this instant. */
  until?: Date;
  skip: number;
  limit: number;
}

/** What public mail is tallied by: its inbox, each of its From addresses, or its domain. */
export type PublicTallyKey = 'inbox' | 'sender' | 'domain';

/** One row of a tally: a key and how many public messages have it. */
export interface Tally {
  key: string;
  n: number;
}

/** Fields of a message that the API may change after capture. */
export interface MessagePatch {
  folder?: MessageFolder;
  read?: boolean;
  savedBy?: string | null;
  addLabel?: string;
  removeLabel?: string;
}

/** The bulky parts of one message, read on demand rather than with every listing. */
export interface MessageBody {
  text: string | null;
  html: string | null;
  headers: HeaderLine[];
}

export interface MessageStore {
  /** Open files/connections and create schema. Called once before use. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** Cheap liveness check of the backing storage, for readiness. Throws when unreachable. */
  ping(): Promise<void>;

  /**
   * Durably store one captured transaction and its per-recipient copies, all or nothing, with the webhook
   * deliveries they make (so no delivery is lost to a crash after the 250). Resolves only once the data
   * would survive a crash of this process; rejects with StoreUnavailableError on faults.
   */
  saveCaptured(mail: CapturedMail, copies: StoredMessage[], deliveries?: readonly NewWebhookDelivery[]): Promise<void>;

  // The webhook delivery queue (webhook-deliveries.ts). Claims are exclusive across processes sharing the
  // store: a delivery is claimed by one worker at a time, until it settles or its lease runs out.

  /** Up to `limit` pending deliveries due at `now` and not leased by anyone, leased to `owner`; oldest due first. */
  claimWebhookDeliveries(claim: DeliveryClaim): Promise<ClaimedDelivery[]>;
  /** Records an attempt; false (nothing written) when the lease was lost to another worker meanwhile. */
  settleWebhookDelivery(delivery: ClaimedDelivery, owner: string, settlement: DeliverySettlement): Promise<boolean>;
  /** One webhook's deliveries, newest first. */
  listWebhookDeliveries(webhookId: string, limit: number): Promise<WebhookDelivery[]>;
  webhookQueueStats(): Promise<WebhookQueueStats>;

  listInbox(inbox: string, query: ListInboxQuery): Promise<StoredMessage[]>;
  countInbox(inbox: string, options?: StarredVisibility): Promise<number>;
  /** Every inbox of a (lower-case) domain at once, in listInbox's order and with its paging. */
  listDomain(domain: string, query: ListInboxQuery & DomainScope): Promise<StoredMessage[]>;
  countDomain(domain: string, scope?: DomainScope): Promise<number>;
  /** Messages starred by an account, newest first. */
  listStarred(accountId: string, query: ListInboxQuery): Promise<StoredMessage[]>;
  /** The messages of a scope that meet a filter's conditions, in the asked order (message-search.ts). */
  searchMessages(search: MessageSearch): Promise<StoredMessage[]>;
  /** How many messages searchMessages would find without a limit. */
  countMatching(filter: MessageFilter): Promise<number>;
  getMessage(inbox: string, id: string): Promise<StoredMessage | null>;
  getBody(inbox: string, id: string): Promise<MessageBody | null>;
  getRaw(inbox: string, id: string): Promise<Buffer | null>;
  getAttachment(inbox: string, id: string, md5: string): Promise<AttachmentContent | null>;

  /**
   * Records SpamAssassin's verdict on every copy of a transaction (scored after the save: checks/); returns how
   * many copies took it (0 when they were deleted meanwhile).
   */
  recordSpamVerdict(queueId: string, verdict: SpamVerdict): Promise<number>;

  /** Apply a patch; returns the updated message, or null when there is no such message. */
  updateMessage(inbox: string, id: string, patch: MessagePatch): Promise<StoredMessage | null>;
  /** Returns false when there was no such message. */
  deleteMessage(inbox: string, id: string): Promise<boolean>;
  /** Delete every message of an inbox that is not starred; returns how many went. */
  deleteInbox(inbox: string): Promise<number>;
  /** Delete every message of a domain (but the scope's excluded inboxes) that is not starred; returns how many went. */
  deleteDomainMail(domain: string, scope?: DomainScope): Promise<number>;

  // Mailsac's mailstats, over public mail only (PublicScope). Tallies are most first, ties by key, paged.

  /** Public messages counted per inbox, per From address (a message counts once for each) or per domain. */
  tallyPublicMail(by: PublicTallyKey, query: PublicStatsQuery): Promise<Tally[]>;
  /** Public messages counted per attachment content (md5); a message carrying one content twice counts once. */
  tallyPublicAttachments(query: PublicStatsQuery): Promise<Tally[]>;
  /** How many public messages carry the attachment content `md5`. */
  countPublicWithAttachment(md5: string, scope: PublicScope): Promise<number>;
  /** The public messages that carry the attachment content `md5`, newest first (listInbox's order). */
  listPublicWithAttachment(md5: string, scope: PublicScope & { limit: number }): Promise<StoredMessage[]>;

  /** Counted from indexes: cheap for a small scope however much other mail is stored. Empty lists count none. */
  usage(scope: UsageScope): Promise<Usage>;

  // Retention. Starred (savedBy set) messages are private property of an account: none of these take them.
  // Like every delete, they drop a transaction's raw source and body with its last copy; attachment contents
  // (shared by md5) are left to pruneUnreferencedBlobs.

  /** Delete every public message received strictly before `cutoff`; returns how many copies went. */
  pruneOlderThan(cutoff: Date): Promise<number>;
  /**
   * Delete the public messages of `inbox` beyond its newest `keepNewest` public ones (newest in listInbox
   * order: received, then id, descending); starred ones are neither deleted nor counted. Returns how many
   * went. Throws a RangeError when `keepNewest` is not a non-negative integer.
   */
  trimInbox(inbox: string, keepNewest: number): Promise<number>;
  /**
   * Delete stored attachment contents that no message refers to any more; returns how many went. Safe
   * alongside saves: a content that a save in progress has found stored and is about to refer to is kept.
   * An adapter may keep a content for a grace period after a save last used it (MongoDB does, see there).
   */
  pruneUnreferencedBlobs(): Promise<number>;
  /** Delete the records of webhook deliveries that settled (delivered, failed, dropped) before `cutoff`; returns how many went. */
  pruneSettledDeliveries(cutoff: Date): Promise<number>;
}

/** Catches caller bugs that no schema can: copies of another transaction, or a transaction with none. */
export function assertCopiesBelongTo(mail: CapturedMail, copies: StoredMessage[]): void {
  if (copies.length === 0) throw new Error(`saveCaptured: transaction ${mail.queueId} has no recipient copies`);
  const stranger = copies.find((copy) => copy.queueId !== mail.queueId);
  if (stranger) {
    throw new Error(`saveCaptured: copy ${stranger.id} belongs to ${stranger.queueId}, not ${mail.queueId}`);
  }
}

/**
 * The account whose starred messages a query shows besides public ones (null: none), or `undefined` when the
 * query does not filter. By the property's presence, so `{ starredVisibleTo: undefined }` (a caller with no
 * account id) shows public messages only, never everything.
 */
export function starredViewerOf(options: StarredVisibility | undefined): string | null | undefined {
  if (!options || !('starredVisibleTo' in options)) return undefined;
  return options.starredVisibleTo ?? null;
}

/** Validates trimInbox's `keepNewest` the same way in every adapter. */
export function assertKeepNewest(keepNewest: number): void {
  if (!Number.isInteger(keepNewest) || keepNewest < 0) {
    throw new RangeError(`trimInbox: keepNewest must be a non-negative integer, not ${keepNewest}`);
  }
}

/** The backing storage cannot be reached or refused the write: a temporary condition (SMTP 451, HTTP 503). */
export class StoreUnavailableError extends Error {
  readonly failure = 'store_unavailable';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** Dependency-injection token for the configured MessageStore. */
export const MESSAGE_STORE = Symbol('MessageStore');
