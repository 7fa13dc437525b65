// The captured-message model shared by ingest (which builds it), the store (which keeps it) and the API
// (which renders it as Mailsac's EmailMessage). Plain data only: no behaviour, no I/O.
import type { SpamVerdict } from './spam-verdict';

export interface MailAddress {
  address: string;
  name: string;
}

export interface AttachmentMeta {
  /** Hex md5 of the decoded content: Mailsac's attachment identifier. */
  md5: string;
  filename: string | null;
  contentType: string;
  size: number;
  contentId: string | null;
  /** 'attachment' or 'inline', as the MIME part declared it. */
  disposition: string | null;
}

/** An attachment with its decoded bytes, as ingest hands it to the store. */
export interface AttachmentContent extends AttachmentMeta {
  content: Buffer;
}

/** One header line as it appeared, in order; `value` is unfolded and decoded where possible. */
export interface HeaderLine {
  /** The field name in lower case (how headers are grouped and looked up). */
  key: string;
  /** The field name as the sender wrote it (messages stored before it was kept have none). */
  name?: string;
  value: string;
}

/** What the SMTP session knew about the sender when the message arrived. */
export interface SessionFacts {
  clientIp: string;
  clientHostname: string | null;
  heloName: string | null;
  /** IP the server received the message on (Mailsac's `via`). */
  serverIp: string;
  /** The name the server greeted with: the `by` of the Received: trace line. */
  serverHostname: string;
  /** How the mail came (RFC 3848): SMTP or ESMTP, plus S for TLS and A for a login, e.g. `ESMTPSA`. */
  protocol: string;
  tls: boolean;
  tlsProtocol: string | null;
  tlsCipher: string | null;
  /** Account id of the SMTP login, null when the session was anonymous. */
  accountId: string | null;
}

export interface Envelope {
  mailFrom: string | null;
  rcptTo: string[];
}

/**
 * The parts of a captured transaction that every recipient copy shares: stored once per queue id.
 * The raw source is the truth; parsed fields are what could be made of it.
 */
export interface CapturedMail {
  queueId: string;
  raw: Buffer;
  received: Date;
  envelope: Envelope;
  session: SessionFacts;
  from: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  subject: string;
  messageId: string | null;
  headers: HeaderLine[];
  text: string | null;
  html: string | null;
  links: string[];
  attachments: AttachmentContent[];
  /** Set when the parser could not make full sense of the source. */
  parseError: string | null;
}

/** One stored message: one recipient inbox's copy of a captured transaction. */
export interface StoredMessage {
  /** `<queueId>-<n>`, n counting envelope recipients from 0. */
  id: string;
  queueId: string;
  /** Lower-cased recipient address: the inbox this copy belongs to. */
  inbox: string;
  /** The recipient exactly as given in RCPT TO. */
  originalInbox: string;
  domain: string;
  from: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  /** Envelope recipients that did not appear in To or Cc: only this copy's own address, if any. */
  bcc: MailAddress[];
  subject: string;
  received: Date;
  /** Raw source size in bytes. */
  size: number;
  attachments: AttachmentMeta[];
  links: string[];
  ip: string;
  via: string;
  rtls: boolean;
  /** SpamAssassin's verdict, recorded after the save (checks/); null while not scored (no spamd, spamd down). */
  spamVerdict: SpamVerdict | null;
  folder: MessageFolder;
  labels: string[];
  read: boolean;
  /** Account id that starred (saved) the message; null when public. */
  savedBy: string | null;
}

export const MESSAGE_FOLDERS = ['inbox', 'all', 'spam', 'trash'] as const;
export type MessageFolder = (typeof MESSAGE_FOLDERS)[number];
