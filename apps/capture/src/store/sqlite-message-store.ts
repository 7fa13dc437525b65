// The embedded MessageStore: one SQLite file in the data directory, for local runs and single-replica
// preview environments. Schema and query SQL live in `sqlite-schema.ts`.
//
// better-sqlite3 is synchronous: each call blocks the event loop for one local transaction (well under a
// millisecond, plus an fsync per save), which one appliance can afford; a worker thread is the next step.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type {
  AttachmentContent,
  CapturedMail,
  MessageFolder,
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
  COUNT_INBOX_SQL,
  DELETE_INBOX_SQL,
  DELETE_MESSAGE_SQL,
  GET_ATTACHMENT_BLOB_SQL,
  GET_BODY_SQL,
  GET_MESSAGE_SQL,
  GET_RAW_SQL,
  INSERT_ATTACHMENT_BLOB_SQL,
  INSERT_CAPTURED_SQL,
  INSERT_MESSAGE_SQL,
  LIST_INBOX_SQL,
  LIST_STARRED_SQL,
  MIGRATIONS,
  PING_SQL,
  SCHEMA_VERSION,
  UPDATE_MESSAGE_SQL,
} from './sqlite-schema';

export interface SqliteMessageStoreOptions {
  /** Path of the database file (normally inside the data directory); its directory is created. */
  file: string;
  /** How long a write waits for another connection's lock before failing with SQLITE_BUSY. Default 5000. */
  busyTimeoutMs?: number;
}

/** `until` when the caller gave none: later than any real message, so one query shape serves both cases. */
const NO_UNTIL = Number.MAX_SAFE_INTEGER;

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

type Statement<Params extends object, Result = unknown> = Database.Statement<Params, Result>;

/** Everything that exists only while the store is open: the connection and what was prepared on it. */
interface OpenStore {
  db: Database.Database;
  insertCaptured: Statement<CapturedRow>;
  insertMessage: Statement<MessageRow>;
  insertAttachmentBlob: Statement<{ md5: string; content: Buffer }>;
  listInbox: Statement<PageParams & { inbox: string }, MessageRow>;
  countInbox: Statement<{ inbox: string }, { count: number }>;
  listStarred: Statement<PageParams & { saved_by: string }, MessageRow>;
  getMessage: Statement<MessageKey, MessageRow>;
  getBody: Statement<MessageKey, Pick<CapturedRow, 'text' | 'html' | 'headers'>>;
  getRaw: Statement<MessageKey, Pick<CapturedRow, 'raw'>>;
  getAttachmentBlob: Statement<{ md5: string }, { content: Buffer }>;
  updateMessage: Statement<MessageKey & Pick<MessageRow, 'folder' | 'read' | 'saved_by' | 'labels'>>;
  deleteMessage: Statement<MessageKey>;
  deleteInbox: Statement<{ inbox: string }>;
  ping: Database.Statement<[]>;
  saveCaptured: (mail: CapturedMail, copies: StoredMessage[]) => void;
  updateMessageTx: (key: MessageKey, patch: MessagePatch) => StoredMessage | null;
}

export class SqliteMessageStore implements MessageStore {
  private readonly file: string;
  private readonly busyTimeoutMs: number;
  private opened: OpenStore | null = null;

  constructor(options: SqliteMessageStoreOptions) {
    this.file = options.file;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  }

  async open(): Promise<void> {
    if (this.opened) return;
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      db = new Database(this.file);
      configure(db, this.busyTimeoutMs);
      migrate(db);
      this.opened = prepare(db);
    } catch (error) {
      db?.close();
      throw toStoreError('open', error);
    }
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = null;
    opened?.db.close();
  }

  async ping(): Promise<void> {
    this.use('ping', (s) => s.ping.get());
  }

  async saveCaptured(mail: CapturedMail, copies: StoredMessage[]): Promise<void> {
    assertCopiesBelongTo(mail, copies);
    this.use('saveCaptured', (s) => s.saveCaptured(mail, copies));
  }

  async listInbox(inbox: string, query: ListInboxQuery): Promise<StoredMessage[]> {
    const rows = this.use('listInbox', (s) => s.listInbox.all({ inbox, ...pageParams(query) }));
    return rows.map(fromMessageRow);
  }

  async countInbox(inbox: string): Promise<number> {
    return this.use('countInbox', (s) => s.countInbox.get({ inbox })?.count ?? 0);
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
    // The schema's trigger removes the captured row with the last copy; blobs stay until a prune.
    return this.use('deleteMessage', (s) => s.deleteMessage.run({ inbox, id }).changes > 0);
  }

  async deleteInbox(inbox: string): Promise<number> {
    return this.use('deleteInbox', (s) => s.deleteInbox.run({ inbox }).changes);
  }

  /** Runs one unit of work on the open connection, turning storage faults into StoreUnavailableError. */
  private use<T>(operation: string, work: (store: OpenStore) => T): T {
    const opened = this.opened;
    if (!opened) throw new StoreUnavailableError(`sqlite store: ${operation} while the store is closed`);
    try {
      return work(opened);
    } catch (error) {
      throw toStoreError(operation, error);
    }
  }
}

function configure(db: Database.Database, busyTimeoutMs: number): void {
  // First, so that even the pragmas below wait for another connection instead of failing at once.
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
  // WAL: API reads never block the SMTP writer, and a commit is one sequential append.
  db.pragma('journal_mode = WAL');
  // FULL: in WAL mode, fsync the log on every commit, so "250 queued" is only said after a durable write.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
}

/** Brings the schema to SCHEMA_VERSION under a write lock, so two processes opening at once cannot race. */
function migrate(db: Database.Database): void {
  const migrateAll = db.transaction(() => {
    const current = Number(db.pragma('user_version', { simple: true }));
    if (current > SCHEMA_VERSION) {
      // Not a temporary fault: this build must not write a schema it does not know.
      throw new Error(`sqlite store: database schema version ${current} is newer than this build's ${SCHEMA_VERSION}`);
    }
    for (const migration of MIGRATIONS.slice(current)) db.exec(migration);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  });
  migrateAll.immediate();
}

function prepare(db: Database.Database): OpenStore {
  const statements = {
    db,
    insertCaptured: db.prepare<CapturedRow>(INSERT_CAPTURED_SQL),
    insertMessage: db.prepare<MessageRow>(INSERT_MESSAGE_SQL),
    insertAttachmentBlob: db.prepare<{ md5: string; content: Buffer }>(INSERT_ATTACHMENT_BLOB_SQL),
    listInbox: db.prepare<PageParams & { inbox: string }, MessageRow>(LIST_INBOX_SQL),
    countInbox: db.prepare<{ inbox: string }, { count: number }>(COUNT_INBOX_SQL),
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

  return { ...statements, saveCaptured, updateMessageTx };
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

/** Catches caller bugs that the schema cannot: copies of another transaction, or a transaction with none. */
function assertCopiesBelongTo(mail: CapturedMail, copies: StoredMessage[]): void {
  if (copies.length === 0) throw new Error(`saveCaptured: transaction ${mail.queueId} has no recipient copies`);
  const stranger = copies.find((copy) => copy.queueId !== mail.queueId);
  if (stranger) throw new Error(`saveCaptured: copy ${stranger.id} belongs to ${stranger.queueId}, not ${mail.queueId}`);
}

/**
 * Storage faults (disk full, I/O error, lock timeout, not a database, a missing directory) become
 * StoreUnavailableError: the caller answers 451/503 and tries again later. Constraint violations (the same
 * queue id or message id twice) are the caller's bug, not a passing condition, so they stay as they are,
 * and so does anything that is not a storage error at all.
 */
function toStoreError(operation: string, error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const isSqliteFault = error instanceof Database.SqliteError && !error.code.startsWith('SQLITE_CONSTRAINT');
  const isSystemFault = 'syscall' in error; // a Node fs error, e.g. the data directory cannot be created
  if (!isSqliteFault && !isSystemFault) return error;
  return new StoreUnavailableError(`sqlite store: ${operation} failed: ${error.message}`, { cause: error });
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
