// The storage port: the small vocabulary that ingest and the API speak. Adapters (embedded SQLite now,
// MongoDB next) implement it and pass the same contract tests in `message-store.contract.ts`.
import type { AttachmentContent, CapturedMail, HeaderLine, MessageFolder, StoredMessage } from '../domain/captured-message';

export interface ListInboxQuery {
  /** Newest first; at most this many (the caller bounds it). */
  limit: number;
  /** Only messages received strictly before this instant (Mailsac's `until`). */
  until?: Date;
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
   * Durably store one captured transaction and its per-recipient copies, all or nothing. Resolves only
   * once the data would survive a crash of this process; rejects with StoreUnavailableError on faults.
   */
  saveCaptured(mail: CapturedMail, copies: StoredMessage[]): Promise<void>;

  listInbox(inbox: string, query: ListInboxQuery): Promise<StoredMessage[]>;
  countInbox(inbox: string): Promise<number>;
  /** Messages starred by an account, newest first. */
  listStarred(accountId: string, query: ListInboxQuery): Promise<StoredMessage[]>;
  getMessage(inbox: string, id: string): Promise<StoredMessage | null>;
  getBody(inbox: string, id: string): Promise<MessageBody | null>;
  getRaw(inbox: string, id: string): Promise<Buffer | null>;
  getAttachment(inbox: string, id: string, md5: string): Promise<AttachmentContent | null>;

  /** Apply a patch; returns the updated message, or null when there is no such message. */
  updateMessage(inbox: string, id: string, patch: MessagePatch): Promise<StoredMessage | null>;
  /** Returns false when there was no such message. */
  deleteMessage(inbox: string, id: string): Promise<boolean>;
  /** Delete every message of an inbox that is not starred; returns how many went. */
  deleteInbox(inbox: string): Promise<number>;
}

/** The backing storage cannot be reached or refused the write: a temporary condition (SMTP 451, HTTP 503). */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** Dependency-injection token for the configured MessageStore. */
export const MESSAGE_STORE = Symbol('MessageStore');
