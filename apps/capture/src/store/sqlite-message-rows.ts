// How captured mail maps to SQLite rows and back: shared by the store's reading side (the main thread) and its
// writer thread, so both agree on every column.
import type { CapturedMail, MessageFolder, StoredMessage } from '../domain';
import type { MessagePatch } from './message-store';

// Rows as SQLite hands them back (and as the inserts bind them): snake_case columns, JSON in TEXT,
// booleans as 0/1, instants as epoch milliseconds.
export interface CapturedRow {
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

export interface MessageRow {
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
  /** Migration 1's column, always 0 (see migration 8). */
  spam: number;
  /** JSON SpamVerdict, or NULL while not scored. */
  spam_verdict: string | null;
  folder: string;
  labels: string;
  read: number;
  saved_by: string | null;
}

/** How one message is addressed: its inbox and id. */
export interface MessageKey {
  inbox: string;
  id: string;
}

export function applyPatch(message: StoredMessage, patch: MessagePatch): StoredMessage {
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

export function toCapturedRow(mail: CapturedMail): CapturedRow {
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

export function toMessageRow(message: StoredMessage): MessageRow {
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
    spam: 0,
    spam_verdict: message.spamVerdict && JSON.stringify(message.spamVerdict),
    folder: message.folder,
    labels: JSON.stringify(message.labels),
    read: message.read ? 1 : 0,
    saved_by: message.savedBy,
  };
}

// JSON columns are only ever written by toMessageRow, so parsing them back trusts their shape.
export function fromMessageRow(row: MessageRow): StoredMessage {
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
    spamVerdict: row.spam_verdict === null ? null : JSON.parse(row.spam_verdict),
    folder: row.folder as MessageFolder,
    labels: JSON.parse(row.labels),
    read: row.read === 1,
    savedBy: row.saved_by,
  };
}
