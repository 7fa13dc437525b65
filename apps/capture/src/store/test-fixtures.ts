// Builders of captured mail and recipient copies for tests: valid by default, every field overridable, so a
// test states only what it is about. Test-only code: reach it through `store/testing.ts`.
import { createHash, randomBytes } from 'node:crypto';
import type { AttachmentContent, AttachmentMeta, CapturedMail, MailAddress, StoredMessage } from '../domain';

/** A random URL-safe queue id, 28 characters as in Mailsac's transcript. */
export function makeQueueId(): string {
  return randomBytes(21).toString('base64url');
}

/** An attachment whose md5 and size are computed from its content, as ingest would. */
export function makeAttachment(
  content: Buffer | string,
  overrides: Partial<Omit<AttachmentMeta, 'md5' | 'size'>> = {},
): AttachmentContent {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  return {
    filename: 'note.txt',
    contentType: 'text/plain',
    contentId: null,
    disposition: 'attachment',
    ...overrides,
    md5: createHash('md5').update(bytes).digest('hex'),
    size: bytes.length,
    content: bytes,
  };
}

/**
 * A raw source with a Latin-1 body: bytes that are not valid UTF-8, so a store that round-trips the
 * source through a string is caught.
 */
function defaultRaw(subject: string): Buffer {
  return Buffer.concat([
    Buffer.from(`From: Sender <sender@example.com>\r\nTo: alice@example.com\r\nSubject: ${subject}\r\n`, 'utf8'),
    Buffer.from('Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n', 'utf8'),
    Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0xff, 0xfe, 0x00, 0x80, 0x0d, 0x0a]), // "Café" in Latin-1, then junk
  ]);
}

/** A captured transaction to alice@example.com (unless overridden) with one attachment. */
export function makeCapturedMail(overrides: Partial<CapturedMail> = {}): CapturedMail {
  const subject = overrides.subject ?? 'Welcome aboard';
  const to: MailAddress[] = overrides.to ?? [{ address: 'alice@example.com', name: 'Alice' }];
  return {
    queueId: makeQueueId(),
    raw: defaultRaw(subject),
    received: new Date(),
    envelope: { mailFrom: 'sender@example.com', rcptTo: to.map((recipient) => recipient.address) },
    session: {
      clientIp: '203.0.113.7',
      clientHostname: 'client.example.net',
      heloName: 'client.example.net',
      serverIp: '10.0.0.5',
      serverHostname: 'capture.example',
      protocol: 'ESMTPS',
      tls: true,
      tlsProtocol: 'TLSv1.3',
      tlsCipher: 'TLS_AES_256_GCM_SHA384',
      accountId: null,
    },
    from: [{ address: 'sender@example.com', name: 'Sender' }],
    to,
    cc: [],
    subject,
    messageId: `<${randomBytes(6).toString('hex')}@example.com>`,
    headers: [
      { key: 'from', value: 'Sender <sender@example.com>' },
      { key: 'subject', value: subject },
    ],
    text: 'Café',
    html: '<p>Caf&eacute; <a href="https://example.com/welcome">start</a></p>',
    links: ['https://example.com/welcome'],
    attachments: [makeAttachment('hello attachment')],
    parseError: null,
    ...overrides,
  };
}

/**
 * One stored copy per recipient (default: the envelope's RCPT TO), numbered `<queueId>-<n>` and derived
 * from the mail as ingest would; `overrides` apply to every copy.
 */
export function makeCopies(
  mail: CapturedMail,
  recipients: string[] = mail.envelope.rcptTo,
  overrides: Partial<StoredMessage> = {},
): StoredMessage[] {
  const visible = new Set([...mail.to, ...mail.cc].map((recipient) => recipient.address.toLowerCase()));
  return recipients.map((recipient, n) => {
    const inbox = recipient.toLowerCase();
    return {
      id: `${mail.queueId}-${n}`,
      queueId: mail.queueId,
      inbox,
      originalInbox: recipient,
      domain: inbox.slice(inbox.lastIndexOf('@') + 1),
      from: mail.from,
      to: mail.to,
      cc: mail.cc,
      bcc: visible.has(inbox) ? [] : [{ address: recipient, name: '' }],
      subject: mail.subject,
      received: mail.received,
      size: mail.raw.length,
      attachments: mail.attachments.map(({ content: _content, ...meta }) => meta),
      links: mail.links,
      ip: mail.session.clientIp,
      via: mail.session.serverIp,
      rtls: mail.session.tls,
      spamVerdict: null,
      folder: 'inbox',
      labels: [],
      read: false,
      savedBy: null,
      ...overrides,
    };
  });
}
