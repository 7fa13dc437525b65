// The embedded MessageStore: one SQLite file in the data directory, for local runs and single-replica
// preview environments. Schema and query SQL live in `sqlite-schema.ts`.
//
// Two connections to the one file. Reads run here, on the main thread: synchronous, indexed, well under a
// millisecond, and never blocked by the writer (WAL). Every write goes to the writer thread
// (`sqlite-writer-thread.ts`), which commits the writes that arrive together in one transaction with one fsync;
// so neither the fsync of a commit nor a lock held by another process ever stalls SMTP or the API.
import type Database from 'better-sqlite3';
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AttachmentContent, CapturedMail, SpamVerdict, StoredMessage } from '../domain';
import {
  assertCopiesBelongTo,
  assertKeepNewest,
  starredViewerOf,
  StoreUnavailableError,
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
import { SqliteStore, type SqliteFileOptions } from './sqlite-connection';
import type { SqliteMessageWrites, SqliteWriteName } from './sqlite-message-writes';
import { fromMessageRow, type CapturedRow, type MessageKey, type MessageRow } from './sqlite-message-rows';
import {
  ANY_DUE_DELIVERY_SQL,
  COUNT_DOMAIN_SQL,
  COUNT_INBOX_SQL,
  COUNT_PUBLIC_WITH_ATTACHMENT_SQL,
  GET_ATTACHMENT_BLOB_SQL,
  GET_BODY_SQL,
  GET_MESSAGE_SQL,
  GET_RAW_SQL,
  LIST_DOMAIN_SQL,
  LIST_INBOX_SQL,
  LIST_PUBLIC_WITH_ATTACHMENT_SQL,
  LIST_DELIVERIES_SQL,
  LIST_STARRED_SQL,
  MIGRATIONS,
  NO_UNTIL,
  PING_SQL,
  QUEUE_STATS_SQL,
  TALLY_PUBLIC_ATTACHMENTS_SQL,
  TALLY_PUBLIC_MAIL_SQL,
  USAGE_SQL,
} from './sqlite-schema';
import { SqliteWriterThread } from './sqlite-writer-thread';
import { attemptsColumn, fromDeliveryRow, type DeliveryRow } from './sqlite-delivery-rows';
import {
  withAttempt,
  type ClaimedDelivery,
  type DeliveryClaim,
  type DeliverySettlement,
  type NewWebhookDelivery,
  type WebhookDelivery,
  type WebhookQueueStats,
} from './webhook-deliveries';
import { SqliteSearches } from './sqlite-search';
import type { MessageFilter, MessageSearch } from './message-search';

const STORE_NAME = 'sqlite store';

export interface SqliteMessageStoreOptions extends SqliteFileOptions {
  /** ping() fails while the data volume has less free space than this: mail could not be stored. */
  minFreeBytes?: number;
  /**
   * After this long without a write in flight the writer thread is ended, and the next write starts a new
   * one (about 30 ms, once): a thread is a V8 isolate of its own, ~15 MB of an idle appliance's memory.
   * Default WRITER_IDLE_MS.
   */
  writerIdleMs?: number;
}

const WRITER_IDLE_MS = 10_000;


/** Messages per age-prune transaction: small enough that a save waiting for the write lock barely notices. */
const PRUNE_BATCH = 500;

interface PageParams {
  until: number;
  limit: number;
}

/** See STARRED_VISIBLE in the schema. */
interface StarredParams {
  all_starred: 0 | 1;
  starred_viewer: string | null;
}

interface UsageParams {
  account_id: string;
  /** JSON arrays of strings. */
  inboxes: string;
  domains: string;
}

/** A PublicScope's JSON arrays (see PUBLIC_ONLY in the schema). */
interface PublicParams {
  excluded_inboxes: string;
  excluded_domains: string;
}

/** A PublicStatsQuery: the range always bound, the widest when the caller gave none. */
interface PublicStatsParams extends PublicParams {
  since: number;
  until: number;
  skip: number;
  limit: number;
}

type Statement<Params extends object, Result = unknown> = Database.Statement<Params, Result>;

/** Everything that exists only while the store is open: the reads prepared on the main thread's connection. */
interface OpenStore {
  listInbox: Statement<PageParams & StarredParams & { inbox: string }, MessageRow>;
  countInbox: Statement<StarredParams & { inbox: string }, { count: number }>;
  listDomain: Statement<PageParams & StarredParams & DomainParams, MessageRow>;
  countDomain: Statement<DomainParams, { count: number }>;
  listStarred: Statement<PageParams & { saved_by: string }, MessageRow>;
  getMessage: Statement<MessageKey, MessageRow>;
  getBody: Statement<MessageKey, Pick<CapturedRow, 'text' | 'html' | 'headers'>>;
  getRaw: Statement<MessageKey, Pick<CapturedRow, 'raw'>>;
  getAttachmentBlob: Statement<{ md5: string }, { content: Buffer }>;
  usage: Statement<UsageParams, Usage>;
  searches: SqliteSearches;
  tallyPublicMail: Record<PublicTallyKey, Statement<PublicStatsParams, Tally>>;
  tallyPublicAttachments: Statement<PublicStatsParams, Tally>;
  countPublicWithAttachment: Statement<PublicParams & { md5: string }, { count: number }>;
  listPublicWithAttachment: Statement<PublicParams & { md5: string; limit: number }, MessageRow>;
  ping: Database.Statement<[]>;
  listDeliveries: Statement<{ webhook_id: string; limit: number }, DeliveryRow>;
  queueStats: Statement<[], { pending: number; oldest: number | null }>;
  anyDueDelivery: Statement<{ now: number }, { due: 1 }>;
}

export class SqliteMessageStore extends SqliteStore<OpenStore> implements MessageStore {
  /** The writer thread; every write is sent to it at once (in call order) while it runs. */
  private writer: SqliteWriterThread | null = null;
  /** A new thread starting after the last one ended unexpectedly; writes meanwhile wait for it. */
  private restarting: Promise<SqliteWriterThread> | null = null;
  /** Between a successful open and the start of close. */
  private accepting = false;
  /** The open in progress: a second open waits for it rather than finding a store that is half open. */
  private opening: Promise<void> | null = null;
  /** Counts closes, so that an open can tell that a close came while it was starting the writer. */
  private closes = 0;
  /** An idle writer thread finishing (see writerIdleMs); the next thread starts after it has ended. */
  private retiring: Promise<void> | null = null;
  /** The last writer thread was ended for idleness (not by a fault): no thread runs until the next write. */
  private writerRetired = false;

  private readonly minFreeBytes: number;
  private readonly writerIdleMs: number;

  constructor(options: SqliteMessageStoreOptions) {
    super(options, { name: STORE_NAME, migrations: MIGRATIONS, prepare });
    this.minFreeBytes = options.minFreeBytes ?? 0;
    this.writerIdleMs = options.writerIdleMs ?? WRITER_IDLE_MS;
  }

  override open(): Promise<void> {
    this.opening ??= this.openOnce().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async openOnce(): Promise<void> {
    if (this.accepting) return;
    const closesBefore = this.closes;
    // The main thread's connection creates the file and migrates the schema; the writer thread opens it then.
    await super.open();
    let writer: SqliteWriterThread;
    try {
      writer = await this.startWriter();
    } catch (error) {
      await super.close();
      throw error;
    }
    if (this.closes !== closesBefore) {
      await writer.close();
      throw new StoreUnavailableError(`${STORE_NAME}: closed while opening`);
    }
    this.writer = writer;
    this.accepting = true;
  }

  override async close(): Promise<void> {
    this.closes++;
    this.accepting = false;
    const restarted = await this.restarting?.catch(() => null);
    const writer = restarted ?? this.writer;
    this.writer = null;
    // Every write sent before the close is committed (and answered) before the thread ends.
    await writer?.close();
    await this.retiring;
    await super.close();
  }

  /**
   * Reachable, and able to take mail now: the writer answers (a thread ended for idleness is not started
   * again for a health probe: the file answers this connection, and the next write starts one) and the data
   * volume has room.
   */
  async ping(): Promise<void> {
    this.use('ping', (s) => s.ping.get());
    if (!this.writerRetired) {
      const writer = this.writer?.isRunning ? this.writer : await this.restartWriter('ping');
      await writer.ping();
    }
    const volume = await statfs(dirname(this.file));
    const free = volume.bavail * volume.bsize;
    if (free < this.minFreeBytes) throw new StoreUnavailableError(`${STORE_NAME}: the data volume is full (${free} bytes free)`);
  }

  async saveCaptured(mail: CapturedMail, copies: StoredMessage[], deliveries: readonly NewWebhookDelivery[] = []): Promise<void> {
    assertCopiesBelongTo(mail, copies);
    await this.write('saveCaptured', mail, copies, deliveries, Date.now());
  }

  async claimWebhookDeliveries(claim: DeliveryClaim): Promise<ClaimedDelivery[]> {
    const now = claim.now.getTime();
    if (!this.use('anyDueDelivery', (s) => s.anyDueDelivery.get({ now }))) return [];
    const rows = await this.write('claimDeliveries', { owner: claim.owner, now, until: now + claim.leaseMs, limit: claim.limit });
    return rows.map(fromDeliveryRow).sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime());
  }

  async settleWebhookDelivery(delivery: ClaimedDelivery, owner: string, settlement: DeliverySettlement): Promise<boolean> {
    return this.write('settleDelivery', {
      id: delivery.id,
      lease: delivery.lease,
      owner,
      state: settlement.state,
      next_attempt_at: settlement.nextAttemptAt.getTime(),
      last_attempts: attemptsColumn(withAttempt(delivery, settlement.attempt)),
      settled_at: settlement.state === 'pending' ? null : settlement.attempt.at.getTime(),
    });
  }

  async listWebhookDeliveries(webhookId: string, limit: number): Promise<WebhookDelivery[]> {
    const rows = this.use('listWebhookDeliveries', (s) => s.listDeliveries.all({ webhook_id: webhookId, limit }));
    return rows.map((row) => withoutLease(fromDeliveryRow(row)));
  }

  async webhookQueueStats(): Promise<WebhookQueueStats> {
    const row = this.use('webhookQueueStats', (s) => s.queueStats.get());
    return { pending: row?.pending ?? 0, oldestPending: row?.oldest == null ? null : new Date(row.oldest) };
  }

  async listInbox(inbox: string, query: ListInboxQuery): Promise<StoredMessage[]> {
    const params = { inbox, ...pageParams(query), ...starredParams(query) };
    return this.use('listInbox', (s) => s.listInbox.all(params)).map(fromMessageRow);
  }

  async countInbox(inbox: string, options?: StarredVisibility): Promise<number> {
    return this.use('countInbox', (s) => s.countInbox.get({ inbox, ...starredParams(options) })?.count ?? 0);
  }

  async listDomain(domain: string, query: ListInboxQuery & DomainScope): Promise<StoredMessage[]> {
    const params = { domain, ...pageParams(query), ...starredParams(query), excluded: excludedParam(query) };
    return this.use('listDomain', (s) => s.listDomain.all(params)).map(fromMessageRow);
  }

  async countDomain(domain: string, scope?: DomainScope): Promise<number> {
    return this.use('countDomain', (s) => s.countDomain.get({ domain, excluded: excludedParam(scope) })?.count ?? 0);
  }

  async listStarred(accountId: string, query: ListInboxQuery): Promise<StoredMessage[]> {
    const rows = this.use('listStarred', (s) => s.listStarred.all({ saved_by: accountId, ...pageParams(query) }));
    return rows.map(fromMessageRow);
  }

  async searchMessages(search: MessageSearch): Promise<StoredMessage[]> {
    if (search.limit <= 0) return [];
    return this.use('searchMessages', (s) => s.searches.search(search)).map(fromMessageRow);
  }

  async countMatching(filter: MessageFilter): Promise<number> {
    return this.use('countMatching', (s) => s.searches.count(filter));
  }

  async getMessage(inbox: string, id: string): Promise<StoredMessage | null> {
    const row = this.use('getMessage', (s) => s.getMessage.get({ inbox, id }));
    return row ? fromMessageRow(row) : null;
  }

  async getBody(inbox: string, id: string): Promise<MessageBody | null> {
    const row = this.use('getBody', (s) => s.getBody.get({ inbox, id }));
    return row ? { text: row.text, html: row.html, headers: JSON.parse(row.headers) } : null;
  }

  async getRaw(inbox: string, id: string): Promise<Buffer | null> {
    return this.use('getRaw', (s) => s.getRaw.get({ inbox, id })?.raw ?? null);
  }

  async getAttachment(inbox: string, id: string, md5: string): Promise<AttachmentContent | null> {
    return this.use('getAttachment', (s) => {
      // The message's own attachment list is the access check: an md5 is only readable through a message
      // (in the asked inbox) that carries it, even though the bytes are shared.
      const row = s.getMessage.get({ inbox, id });
      const meta = row ? fromMessageRow(row).attachments.find((attachment) => attachment.md5 === md5) : undefined;
      if (!meta) return null;
      const blob = s.getAttachmentBlob.get({ md5 });
      return blob ? { ...meta, content: blob.content } : null;
    });
  }

  async updateMessage(inbox: string, id: string, patch: MessagePatch): Promise<StoredMessage | null> {
    return this.write('updateMessage', { inbox, id }, patch);
  }

  async recordSpamVerdict(queueId: string, verdict: SpamVerdict): Promise<number> {
    return this.write('recordSpamVerdict', queueId, verdict);
  }

  async deleteMessage(inbox: string, id: string): Promise<boolean> {
    return this.write('deleteMessage', { inbox, id });
  }

  async deleteInbox(inbox: string): Promise<number> {
    return this.write('deleteInbox', inbox);
  }

  async deleteDomainMail(domain: string, scope?: DomainScope): Promise<number> {
    return this.write('deleteDomainMail', domain, excludedParam(scope));
  }

  async usage(scope: UsageScope): Promise<Usage> {
    const params = {
      account_id: scope.accountId,
      inboxes: JSON.stringify(scope.inboxes),
      domains: JSON.stringify(scope.domains),
    };
    // An aggregate always yields its one row (zeros when nothing matched); the fallback is for the type only.
    return this.use('usage', (s) => s.usage.get(params)) ?? { starred: 0, stored: 0, bytes: 0, private: 0 };
  }

  async tallyPublicMail(by: PublicTallyKey, query: PublicStatsQuery): Promise<Tally[]> {
    return this.use('tallyPublicMail', (s) => s.tallyPublicMail[by].all(publicStatsParams(query)));
  }

  async tallyPublicAttachments(query: PublicStatsQuery): Promise<Tally[]> {
    return this.use('tallyPublicAttachments', (s) => s.tallyPublicAttachments.all(publicStatsParams(query)));
  }

  async countPublicWithAttachment(md5: string, scope: PublicScope): Promise<number> {
    return this.use('countPublicWithAttachment', (s) => s.countPublicWithAttachment.get({ md5, ...publicParams(scope) })?.count ?? 0);
  }

  async listPublicWithAttachment(md5: string, scope: PublicScope & { limit: number }): Promise<StoredMessage[]> {
    const rows = this.use('listPublicWithAttachment', (s) => s.listPublicWithAttachment.all({ md5, limit: scope.limit, ...publicParams(scope) }));
    return rows.map(fromMessageRow);
  }

  pruneOlderThan(cutoff: Date): Promise<number> {
    return this.deleteInBatches('pruneOlderThan', cutoff);
  }

  pruneSettledDeliveries(cutoff: Date): Promise<number> {
    return this.deleteInBatches('pruneSettledDeliveries', cutoff);
  }

  /**
   * A prune in batches, each its own write: the first prune after a long pause may take many thousands, and
   * must not make the saves committed beside it wait for all of them.
   */
  private async deleteInBatches(name: 'pruneOlderThan' | 'pruneSettledDeliveries', cutoff: Date): Promise<number> {
    let deleted = 0;
    for (;;) {
      const batch = await this.write(name, cutoff.getTime(), PRUNE_BATCH);
      deleted += batch;
      if (batch < PRUNE_BATCH) return deleted;
    }
  }

  async trimInbox(inbox: string, keepNewest: number): Promise<number> {
    assertKeepNewest(keepNewest);
    // One statement: an inbox holds about its limit, so the excess is a handful of rows.
    return this.write('trimInbox', inbox, keepNewest);
  }

  async pruneUnreferencedBlobs(): Promise<number> {
    return this.write('pruneUnreferencedBlobs');
  }

  private startWriter(): Promise<SqliteWriterThread> {
    const idle = { idleMs: this.writerIdleMs, onIdle: (writer: SqliteWriterThread) => this.retire(writer) };
    return SqliteWriterThread.start(STORE_NAME, { file: this.file, busyTimeoutMs: this.busyTimeoutMs }, idle);
  }

  /** The writer thread has had nothing in flight for writerIdleMs: it ends, and the next write starts another. */
  private retire(writer: SqliteWriterThread): void {
    if (this.writer !== writer) return;
    // From here writes go to restartWriter, which waits for this thread to have closed its connection.
    this.writer = null;
    this.writerRetired = true;
    const retiring: Promise<void> = writer.close().finally(() => {
      if (this.retiring === retiring) this.retiring = null;
    });
    this.retiring = retiring;
  }

  /** Sends the write now when the thread runs, so that writes reach it in the order they were made. */
  private write<Name extends SqliteWriteName>(
    name: Name,
    ...args: Parameters<SqliteMessageWrites[Name]>
  ): Promise<ReturnType<SqliteMessageWrites[Name]>> {
    if (this.writer?.isRunning) return this.writer.write(name, ...args);
    return this.restartWriter(name).then((writer) => writer.write(name, ...args));
  }

  /** A new writer thread after the last one ended (idle, a crash, a failed restart); one start at a time. */
  private restartWriter(operation: string): Promise<SqliteWriterThread> {
    if (!this.accepting) {
      return Promise.reject(new StoreUnavailableError(`${STORE_NAME}: ${operation} while the store is closed`));
    }
    this.restarting ??= (this.retiring ?? Promise.resolve())
      .then(() => this.startWriter())
      .then((writer) => {
        this.writerRetired = false;
        this.writer = writer;
        return writer;
      })
      .finally(() => {
        this.restarting = null;
      });
    return this.restarting;
  }
}

function prepare(db: Database.Database): OpenStore {
  return {
    listInbox: db.prepare<PageParams & StarredParams & { inbox: string }, MessageRow>(LIST_INBOX_SQL),
    countInbox: db.prepare<StarredParams & { inbox: string }, { count: number }>(COUNT_INBOX_SQL),
    listDomain: db.prepare<PageParams & StarredParams & DomainParams, MessageRow>(LIST_DOMAIN_SQL),
    countDomain: db.prepare<DomainParams, { count: number }>(COUNT_DOMAIN_SQL),
    listStarred: db.prepare<PageParams & { saved_by: string }, MessageRow>(LIST_STARRED_SQL),
    getMessage: db.prepare<MessageKey, MessageRow>(GET_MESSAGE_SQL),
    getBody: db.prepare<MessageKey, Pick<CapturedRow, 'text' | 'html' | 'headers'>>(GET_BODY_SQL),
    getRaw: db.prepare<MessageKey, Pick<CapturedRow, 'raw'>>(GET_RAW_SQL),
    getAttachmentBlob: db.prepare<{ md5: string }, { content: Buffer }>(GET_ATTACHMENT_BLOB_SQL),
    usage: db.prepare<UsageParams, Usage>(USAGE_SQL),
    searches: new SqliteSearches(db),
    tallyPublicMail: {
      inbox: db.prepare<PublicStatsParams, Tally>(TALLY_PUBLIC_MAIL_SQL.inbox),
      sender: db.prepare<PublicStatsParams, Tally>(TALLY_PUBLIC_MAIL_SQL.sender),
      domain: db.prepare<PublicStatsParams, Tally>(TALLY_PUBLIC_MAIL_SQL.domain),
    },
    tallyPublicAttachments: db.prepare<PublicStatsParams, Tally>(TALLY_PUBLIC_ATTACHMENTS_SQL),
    countPublicWithAttachment: db.prepare<PublicParams & { md5: string }, { count: number }>(COUNT_PUBLIC_WITH_ATTACHMENT_SQL),
    listPublicWithAttachment: db.prepare<PublicParams & { md5: string; limit: number }, MessageRow>(LIST_PUBLIC_WITH_ATTACHMENT_SQL),
    ping: db.prepare<[]>(PING_SQL),
    listDeliveries: db.prepare<{ webhook_id: string; limit: number }, DeliveryRow>(LIST_DELIVERIES_SQL),
    anyDueDelivery: db.prepare<{ now: number }, { due: 1 }>(ANY_DUE_DELIVERY_SQL),
    queueStats: db.prepare<[], { pending: number; oldest: number | null }>(QUEUE_STATS_SQL),
  };
}

/** A domain and the JSON array of its inboxes left out (DomainScope). */
interface DomainParams {
  domain: string;
  excluded: string;
}

function excludedParam(scope: DomainScope | undefined): string {
  return JSON.stringify(scope?.excludeInboxes ?? []);
}

function publicParams(scope: PublicScope): PublicParams {
  return { excluded_inboxes: JSON.stringify(scope.excludeInboxes), excluded_domains: JSON.stringify(scope.excludeDomains) };
}

function publicStatsParams(query: PublicStatsQuery): PublicStatsParams {
  return {
    ...publicParams(query),
    since: query.since?.getTime() ?? 0,
    until: query.until?.getTime() ?? NO_UNTIL,
    skip: query.skip,
    limit: query.limit,
  };
}

function pageParams(query: ListInboxQuery): PageParams {
  return { until: query.until ? query.until.getTime() : NO_UNTIL, limit: query.limit };
}

function starredParams(options: StarredVisibility | undefined): StarredParams {
  const viewer = starredViewerOf(options);
  return viewer === undefined ? { all_starred: 1, starred_viewer: null } : { all_starred: 0, starred_viewer: viewer };
}

function withoutLease({ lease: _lease, ...delivery }: ClaimedDelivery): WebhookDelivery {
  return delivery;
}
