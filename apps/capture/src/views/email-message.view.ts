// Domain -> Mailsac JSON. The only place that knows Mailsac's field names and shapes.
import { spamProbability, type AttachmentMeta, type HeaderLine, type StoredMessage } from '../domain';

export type EmailMessageView = ReturnType<typeof toEmailMessage>;

export function toEmailMessage(message: StoredMessage) {
  return {
    _id: message.id,
    from: message.from,
    to: message.to,
    cc: message.cc,
    bcc: message.bcc,
    subject: message.subject,
    savedBy: message.savedBy,
    originalInbox: message.originalInbox,
    inbox: message.inbox,
    domain: message.domain,
    received: message.received.toISOString(),
    size: message.size,
    attachments: message.attachments.map((attachment) => attachment.md5),
    ip: message.ip,
    via: message.via,
    folder: message.folder,
    labels: message.labels,
    read: message.read,
    rtls: message.rtls,
    links: message.links,
    // Absent, not 0, while the message is not scored (no spamd configured, or spamd could not be reached).
    ...(message.spamVerdict && { spam: spamProbability(message.spamVerdict) }),
  };
}

/**
 * Mailsac's whole message as its pushes carry it (`EmailMessageWebSocketFrame.email`, `EmailMessageWebhook`):
 * the REST summary plus the text, the HTML (`body`), the raw source and the headers as key -> values.
 */
export function toPushedEmailMessage(message: StoredMessage, body: { text: string | null; html: string | null; headers: HeaderLine[] }, raw: Buffer) {
  return {
    ...toEmailMessage(message),
    text: body.text ?? '',
    body: body.html ?? '',
    raw: raw.toString('utf8'),
    headers: renderHeaders(body.headers, 'json'),
  };
}

/** Mailsac's `AttachmentMeta` JSON (checksum, fileName, length...) of one stored attachment. */
export function toMailsacAttachmentMeta(attachment: AttachmentMeta) {
  return {
    checksum: attachment.md5,
    contentDisposition: attachment.disposition ?? 'attachment',
    contentId: attachment.contentId ?? '',
    contentType: attachment.contentType,
    fileName: attachment.filename ?? '',
    length: attachment.size,
    transferEncoding: 'base64',
  };
}

export const HEADERS_FORMATS = ['json', 'json-ordered', 'plain'] as const;
export type HeadersFormat = (typeof HEADERS_FORMATS)[number];

/** Mailsac's three header renderings: grouped by lower-case name, in order, or as text lines (names as sent). */
export function renderHeaders(headers: HeaderLine[], format: HeadersFormat): Record<string, string[]> | { name: string; value: string }[] | string {
  if (format === 'json-ordered') return headers.map((header) => ({ name: header.key, value: header.value }));
  if (format === 'plain') return headers.map((header) => `${header.name ?? header.key}: ${header.value}`).join('\n') + '\n';
  const grouped: Record<string, string[]> = {};
  for (const header of headers) (grouped[header.key] ??= []).push(header.value);
  return grouped;
}
