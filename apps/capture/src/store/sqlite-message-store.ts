// The embedded MessageStore: one SQLite file in the data directory, for local runs and single-replica
// preview environments. Schema and query SQL live in `sqlite-schema.ts`.
//
// better-sqlite3 is synchronous: each call blocks the event loop for one local transaction (well under a
// millisecond, plus an fsync per save), which one appliance can afford; a worker thread is the next step.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type {
  AttachmentContent,
  CapturedMail,
  MessageFolder,
  StoredMessage,
} from '../domain/captured-message';
import {
  assertCopiesBelongTo,
  assertKeepNewest,
  starredViewerOf,
  type ListInboxQuery,
  type MessageBody,
  type MessagePatch,
  type MessageStore,
  type StarredVisibility,
  type Usage,
  type UsageScope,
} from './message-store';
import { SqliteStore, toSqliteStoreError, type SqliteFileOptions } from './sqlite-connection';
import {
  COUNT_DOMAIN_SQL,
  COUNT_INBOX_SQL,
  DELETE_DOMAIN_MAIL_SQL,
  DELETE_INBOX_SQL,
  DELETE_MESSAGE_SQL,
  GET_ATTACHMENT_BLOB_SQL,
  GET_BODY_SQL,
  GET_MESSAGE_SQL,
  GET_RAW_SQL,
  INSERT_ATTACHMENT_BLOB_SQL,
  INSERT_CAPTURED_SQL,
  INSERT_MESSAGE_SQL,
  LIST_DOMAIN_SQL,
  LIST_INBOX_SQL,
  LIST_STARRED_SQL,
  MIGRATIONS,
  PING_SQL,
  PRUNE_OLDER_THAN_SQL,
  PRUNE_UNREFERENCED_BLOBS_SQL,
  TRIM_INBOX_SQL,
  UPDATE_MESSAGE_SQL,
  USAGE_SQL,
} from './sqlite-schema';

export type SqliteMessageStoreOptions = SqliteFileOptions;

/** `until` when the caller gave none: later than any real message, so one query shape serves both cases. */
const NO_UNTIL = Number.MAX_SAFE_INTEGER;

/** Messages per age-prune transaction: small enough that a save waiting for the write lock barely notices. */
const PRUNE_BATCH = 500;

// Rows as SQLite hands them back (and as the inserts bind them): snake_case columns, JSON in TEXT,
// booleans as 0/1, instants as epoch milliseconds.
interface CapturedRow {
  queue_id: string;
  raw: Buffer;
  received: number;
  envelope: string;
  session: string;
  message_id: string | null;
  headers: string;
  text: string | null;
  html: string | null;
  parse_error: string | null;
}

interface MessageRow {
  id: string;
  queue_id: string;
  inbox: string;
  original_inbox: string;
  domain: string;
  from_list: string;
  to_list: string;
  cc_list: string;
  bcc_list: string;
  subject: string;
  received: number;
  size: number;
  attachments: string;
  links: string;
  ip: string;
  via: string;
  rtls: number;
  spam: number;
  folder: string;
  labels: string;
  read: number;
  saved_by: string | null;
}

interface MessageKey {
  inbox: string;
  id: string;
}

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

type Statement<Params extends object, Result = unknown> = Database.Statement<Params, Result>;

/** Everything that exists only while the store is open: what was prepared on its connection. */
interface OpenStore {
  insertCaptured: Statement<CapturedRow>;
  insertMessage: Statement<MessageRow>;
  insertAttachmentBlob: Statement<{ md5: string; content: Buffer }>;
  listInbox: Statement<PageParams & StarredParams & { inbox: string }, MessageRow>;
  countInbox: Statement<StarredParams & { inbox: string }, { count: number }>;
  listDomain: Statement<PageParams & StarredParams & { domain: string }, MessageRow>;
  countDomain: Statement<{ domain: string }, { count: number }>;
  listStarred: Statement<PageParams & { saved_by: string }, MessageRow>;
  getMessage: Statement<MessageKey, MessageRow>;
  getBody: Statement<MessageKey, Pick<CapturedRow, 'text' | 'html' | 'headers'>>;
  getRaw: Statement<MessageKey, Pick<CapturedRow, 'raw'>>;
  getAttachmentBlob: Statement<{ md5: string }, { content: Buffer }>;
  updateMessage: Statement<MessageKey & Pick<MessageRow, 'folder' | 'read' | 'saved_by' | 'labels'>>;
  deleteMessage: Statement<MessageKey>;
  deleteInbox: Statement<{ inbox: string }>;
  deleteDomainMail: Statement<{ domain: string }>;
  usage: Statement<UsageParams, Usage>;
  pruneOlderThan: Statement<{ cutoff: number; limit: number }>;
  trimInbox: Statement<{ inbox: string; keep: number }>;
  pruneUnreferencedBlobs: Database.Statement<[]>;
  ping: Database.Statement<[]>;
  saveCaptured: (mail: CapturedMail, copies: StoredMessage[]) => void;
  /** Saves many in one transaction (one fsync); each save is its own savepoint: a failed one leaves the rest. */
  saveBatch: (saves: PendingSave[]) => Array<unknown | null>;
  updateMessageTx: (key: MessageKey, patch: MessagePatch) => StoredMessage | null;
}

/** A save waiting for the next group commit, with the promise of its caller. */
interface PendingSave {
  mail: CapturedMail;
  copies: StoredMessage[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class SqliteMessageStore extends SqliteStore<OpenStore> implements MessageStore {
  /**
   * Group commit: saves that arrive while the event loop is busy (another commit's fsync, parsing) are
   * written together in the next turn, in one transaction with one fsync, and every caller is answered
   * only after that commit. Per-message fsync was ~44% of the ingest path's time (docs/benchmarks).
   */
  private pendingSaves: PendingSave[] = [];
  private flushScheduled = false;

  constructor(options: SqliteMessageStoreOptions) {
    super(options, { name: 'sqlite store', migrations: MIGRATIONS, prepare });
  }

  override async close(): Promise<void> {
    this.flushSaves(); // nothing accepted for saving is dropped by a close
    await super.close();
  }

  async ping(): Promise<void> {
    this.use('ping', (s) => s.ping.get());
  }

  async saveCaptured(mail: CapturedMail, copies: StoredMessage[]): Promise<void> {
    assertCopiesBelongTo(mail, copies);
    return new Promise<void>((resolve, reject) => {
      this.pendingSaves.push({ mail, copies, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushSaves());
      }
    });
  }

  private flushSaves(): void {
    this.flushScheduled = false;
    const batch = this.pendingSaves.splice(0);
    if (batch.length === 0) return;
    let failures: Array<unknown | null>;
    try {
      failures = this.use('saveCaptured', (s) => s.saveBatch(batch));
    } catch (error) {
      // The commit itself failed (or the store is closed): none of the batch is stored.
      batch.forEach((save) => save.reject(error));
      return;
    }
    batch.forEach((save, index) => {
      const failure = failures[index];
      if (failure === null) save.resolve();
      else save.reject(mapSaveFailure(failure));
    });
  }

  async listInbox(inbox: string, query: ListInboxQuery): Promise<StoredMessage[]> {
    const params = { inbox, ...pageParams(query), ...starredParams(query) };
    return this.use('listInbox', (s) => s.listInbox.all(params)).map(fromMessageRow);
  }

  async countInbox(inbox: string, options?: StarredVisibility): Promise<number> {
    return this.use('countInbox', (s) => s.countInbox.get({ inbox, ...starredParams(options) })?.count ?? 0);
  }

  async listDomain(domain: string, query: ListInboxQuery): Promise<StoredMessage[]> {
    const params = { domain, ...pageParams(query), ...starredParams(query) };
    return this.use('listDomain', (s) => s.listDomain.all(params)).map(fromMessageRow);
  }

  async countDomain(domain: string): Promise<number> {
    return this.use('countDomain', (s) => s.countDomain.get({ domain })?.count ?? 0);
  }

  async listStarred(accountId: string, query: ListInboxQuery): Promise<StoredMessage[]> {
    const rows = this.use('listStarred', (s) => s.listStarred.all({ saved_by: accountId, ...pageParams(query) }));
    return rows.map(fromMessageRow);
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
    return this.use('updateMessage', (s) => s.updateMessageTx({ inbox, id }, patch));
  }

  async deleteMessage(inbox: string, id: string): Promise<boolean> {
    // The schema's trigger removes the captured row with the last copy; attachment contents stay until
    // pruneUnreferencedBlobs.
    return this.use('deleteMessage', (s) => s.deleteMessage.run({ inbox, id }).changes > 0);
  }

  async deleteInbox(inbox: string): Promise<number> {
    return this.use('deleteInbox', (s) => s.deleteInbox.run({ inbox }).changes);
  }

  async deleteDomainMail(domain: string): Promise<number> {
    // As deleteInbox: the schema's triggers clean up after every deleted row.
    return this.use('deleteDomainMail', (s) => s.deleteDomainMail.run({ domain }).changes);
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

  async pruneOlderThan(cutoff: Date): Promise<number> {
    // In batches, each its own transaction, with a turn of the event loop between them: the first prune
    // after a long pause may take many thousands, and must hold neither the write lock nor the (synchronous)
    // event loop for all of them while SMTP waits to save. The schema's triggers clean up per row.
    let deleted = 0;
    for (;;) {
      const params = { cutoff: cutoff.getTime(), limit: PRUNE_BATCH };
      const batch = this.use('pruneOlderThan', (s) => s.pruneOlderThan.run(params).changes);
      deleted += batch;
      if (batch < PRUNE_BATCH) return deleted;
      await nextTurn();
    }
  }

  async trimInbox(inbox: string, keepNewest: number): Promise<number> {
    assertKeepNewest(keepNewest);
    // One statement: an inbox holds about its limit, so the excess is a handful of rows.
    return this.use('trimInbox', (s) => s.trimInbox.run({ inbox, keep: keepNewest }).changes);
  }

  async pruneUnreferencedBlobs(): Promise<number> {
    // Exact and safe alongside saves without any grace period: see ref_count in the schema.
    return this.use('pruneUnreferencedBlobs', (s) => s.pruneUnreferencedBlobs.run().changes);
  }
}

function prepare(db: Database.Database): OpenStore {
  const statements = {
    insertCaptured: db.prepare<CapturedRow>(INSERT_CAPTURED_SQL),
    insertMessage: db.prepare<MessageRow>(INSERT_MESSAGE_SQL),
    insertAttachmentBlob: db.prepare<{ md5: string; content: Buffer }>(INSERT_ATTACHMENT_BLOB_SQL),
    listInbox: db.prepare<PageParams & StarredParams & { inbox: string }, MessageRow>(LIST_INBOX_SQL),
    countInbox: db.prepare<StarredParams & { inbox: string }, { count: number }>(COUNT_INBOX_SQL),
    listDomain: db.prepare<PageParams & StarredParams & { domain: string }, MessageRow>(LIST_DOMAIN_SQL),
    countDomain: db.prepare<{ domain: string }, { count: number }>(COUNT_DOMAIN_SQL),
    listStarred: db.prepare<PageParams & { saved_by: string }, MessageRow>(LIST_STARRED_SQL),
    getMessage: db.prepare<MessageKey, MessageRow>(GET_MESSAGE_SQL),
    getBody: db.prepare<MessageKey, Pick<CapturedRow, 'text' | 'html' | 'headers'>>(GET_BODY_SQL),
    getRaw: db.prepare<MessageKey, Pick<CapturedRow, 'raw'>>(GET_RAW_SQL),
    getAttachmentBlob: db.prepare<{ md5: string }, { content: Buffer }>(GET_ATTACHMENT_BLOB_SQL),
    updateMessage: db.prepare<MessageKey & Pick<MessageRow, 'folder' | 'read' | 'saved_by' | 'labels'>>(
      UPDATE_MESSAGE_SQL,
    ),
    deleteMessage: db.prepare<MessageKey>(DELETE_MESSAGE_SQL),
    deleteInbox: db.prepare<{ inbox: string }>(DELETE_INBOX_SQL),
    deleteDomainMail: db.prepare<{ domain: string }>(DELETE_DOMAIN_MAIL_SQL),
    usage: db.prepare<UsageParams, Usage>(USAGE_SQL),
    pruneOlderThan: db.prepare<{ cutoff: number; limit: number }>(PRUNE_OLDER_THAN_SQL),
    trimInbox: db.prepare<{ inbox: string; keep: number }>(TRIM_INBOX_SQL),
    pruneUnreferencedBlobs: db.prepare<[]>(PRUNE_UNREFERENCED_BLOBS_SQL),
    ping: db.prepare<[]>(PING_SQL),
  };

  // All or nothing: the captured row, every copy and every new blob commit together or not at all.
  const saveCaptured = db.transaction((mail: CapturedMail, copies: StoredMessage[]) => {
    statements.insertCaptured.run(toCapturedRow(mail));
    for (const attachment of mail.attachments) {
      statements.insertAttachmentBlob.run({ md5: attachment.md5, content: attachment.content });
    }
    for (const copy of copies) statements.insertMessage.run(toMessageRow(copy));
  });

  // Read-modify-write in one transaction so label edits from two connections cannot lose each other.
  const updateMessageTx = db.transaction((key: MessageKey, patch: MessagePatch): StoredMessage | null => {
    const row = statements.getMessage.get(key);
    if (!row) return null;
    const updated = applyPatch(fromMessageRow(row), patch);
    const { folder, read, saved_by, labels } = toMessageRow(updated);
    statements.updateMessage.run({ ...key, folder, read, saved_by, labels });
    return updated;
  });

  // Each save runs as a nested transaction, which better-sqlite3 makes a SAVEPOINT: a failing save is
  // rolled back alone and reported; the others commit together when the outer transaction does.
  const saveBatch = db.transaction((saves: PendingSave[]): Array<unknown | null> =>
    saves.map((save) => {
      try {
        saveCaptured(save.mail, save.copies);
        return null;
      } catch (error) {
        return error;
      }
    }),
  );

  return { ...statements, saveCaptured, saveBatch, updateMessageTx };
}

function applyPatch(message: StoredMessage, patch: MessagePatch): StoredMessage {
  let labels = message.labels;
  // Labels are a set: adding one twice keeps one. A patch that both adds and removes a label removes it.
  if (patch.addLabel !== undefined && !labels.includes(patch.addLabel)) labels = [...labels, patch.addLabel];
  if (patch.removeLabel !== undefined) labels = labels.filter((label) => label !== patch.removeLabel);
  return {
    ...message,
    folder: patch.folder ?? message.folder,
    read: patch.read ?? message.read,
    // `null` is a value here (un-star); only `undefined` means "leave as is".
    savedBy: patch.savedBy !== undefined ? patch.savedBy : message.savedBy,
    labels,
  };
}

function pageParams(query: ListInboxQuery): PageParams {
  return { until: query.until ? query.until.getTime() : NO_UNTIL, limit: query.limit };
}

function starredParams(options: StarredVisibility | undefined): StarredParams {
  const viewer = starredViewerOf(options);
  return viewer === undefined ? { all_starred: 1, starred_viewer: null } : { all_starred: 0, starred_viewer: viewer };
}

function toCapturedRow(mail: CapturedMail): CapturedRow {
  return {
    queue_id: mail.queueId,
    raw: mail.raw,
    received: mail.received.getTime(),
    envelope: JSON.stringify(mail.envelope),
    session: JSON.stringify(mail.session),
    message_id: mail.messageId,
    headers: JSON.stringify(mail.headers),
    text: mail.text,
    html: mail.html,
    parse_error: mail.parseError,
  };
}

function toMessageRow(message: StoredMessage): MessageRow {
  return {
    id: message.id,
    queue_id: message.queueId,
    inbox: message.inbox,
    original_inbox: message.originalInbox,
    domain: message.domain,
    from_list: JSON.stringify(message.from),
    to_list: JSON.stringify(message.to),
    cc_list: JSON.stringify(message.cc),
    bcc_list: JSON.stringify(message.bcc),
    subject: message.subject,
    received: message.received.getTime(),
    size: message.size,
    attachments: JSON.stringify(message.attachments),
    links: JSON.stringify(message.links),
    ip: message.ip,
    via: message.via,
    rtls: message.rtls ? 1 : 0,
    spam: message.spam,
    folder: message.folder,
    labels: JSON.stringify(message.labels),
    read: message.read ? 1 : 0,
    saved_by: message.savedBy,
  };
}

// JSON columns are only ever written by toMessageRow, so parsing them back trusts their shape.
function fromMessageRow(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    queueId: row.queue_id,
    inbox: row.inbox,
    originalInbox: row.original_inbox,
    domain: row.domain,
    from: JSON.parse(row.from_list),
    to: JSON.parse(row.to_list),
    cc: JSON.parse(row.cc_list),
    bcc: JSON.parse(row.bcc_list),
    subject: row.subject,
    received: new Date(row.received),
    size: row.size,
    attachments: JSON.parse(row.attachments),
    links: JSON.parse(row.links),
    ip: row.ip,
    via: row.via,
    rtls: row.rtls === 1,
    spam: row.spam,
    folder: row.folder as MessageFolder,
    labels: JSON.parse(row.labels),
    read: row.read === 1,
    savedBy: row.saved_by,
  };
}

/** A single save's own failure inside a batch, mapped as `use` maps errors (faults -> StoreUnavailableError). */
function mapSaveFailure(error: unknown): unknown {
  return toSqliteStoreError('sqlite store', 'saveCaptured', error);
}
