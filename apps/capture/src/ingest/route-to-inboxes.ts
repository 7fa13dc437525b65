// Stage "route": one StoredMessage per envelope recipient, as Mailsac stores one message per inbox. The
// envelope, not the To/Cc headers, decides who gets a copy: that is how blind copies arrive at all.
import { domainToASCII } from 'node:url';
import { type AttachmentMeta, type CapturedMail, domainOf, inboxOf, type MailAddress, type StoredMessage } from '../domain';

export function routeToInboxes(mail: CapturedMail): StoredMessage[] {
  // Everyone named in the headers; a recipient not among them was a blind copy.
  const visible = new Set([...mail.to, ...mail.cc].map((entry) => mailboxKey(entry.address)));
  const attachments = mail.attachments.map(withoutContent);
  return uniqueRecipients(mail.envelope.rcptTo).map((recipient, n): StoredMessage => {
    const inbox = inboxOf(qualify(recipient, mail.session.serverHostname));
    const bcc: MailAddress[] = visible.has(mailboxKey(recipient)) ? [] : [{ address: recipient, name: '' }];
    // Fresh arrays for each copy: a later stage (privacy, labels) may change one copy and not the others.
    return {
      id: `${mail.queueId}-${n}`,
      queueId: mail.queueId,
      inbox,
      originalInbox: recipient,
      domain: domainOf(inbox),
      from: copyAddresses(mail.from),
      to: copyAddresses(mail.to),
      cc: copyAddresses(mail.cc),
      bcc,
      subject: mail.subject,
      received: mail.received,
      size: mail.raw.length,
      attachments: attachments.map((meta) => ({ ...meta })),
      links: [...mail.links],
      ip: mail.session.clientIp,
      via: mail.session.serverIp,
      rtls: mail.session.tls,
      spamVerdict: null,
      folder: 'inbox',
      labels: [],
      read: false,
      // Privacy (starring for `capturePrivate`, private addresses) is decided by a later stage.
      savedBy: null,
    };
  });
}

/** The first spelling of each recipient, compared case-insensitively; empty recipients have no inbox. */
function uniqueRecipients(rcptTo: readonly string[]): string[] {
  const seen = new Set<string>();
  const recipients: string[] = [];
  for (const recipient of rcptTo) {
    const key = recipient.toLowerCase();
    if (recipient === '' || seen.has(key)) continue;
    seen.add(key);
    recipients.push(recipient);
  }
  return recipients;
}

/**
 * A recipient given without a domain (RFC 5321 allows `RCPT TO:<Postmaster>`) is ours: qualified with the
 * name the server greets with. Without one it keeps its bare inbox name and an empty domain.
 */
function qualify(recipient: string, serverHostname: string | undefined): string {
  return recipient.includes('@') || !serverHostname ? recipient : `${recipient}@${serverHostname}`;
}

/**
 * How an address is compared with the envelope: case-insensitively, and with the domain in its ASCII form,
 * because mailparser shows an internationalized domain in Unicode while the envelope usually has punycode.
 */
function mailboxKey(address: string): string {
  const at = address.lastIndexOf('@');
  if (at === -1) return address.toLowerCase();
  const domain = address.slice(at + 1).toLowerCase();
  // domainToASCII returns '' for what is not a domain name (an address literal such as [192.0.2.1]).
  return `${address.slice(0, at).toLowerCase()}@${domainToASCII(domain) || domain}`;
}

function copyAddresses(addresses: readonly MailAddress[]): MailAddress[] {
  return addresses.map((entry) => ({ address: entry.address, name: entry.name }));
}

/** The attachment's description without its bytes: copies list attachments, the store keeps the content once. */
function withoutContent(attachment: AttachmentMeta): AttachmentMeta {
  // Listed field by field so that the content Buffer of an AttachmentContent never rides along.
  return {
    md5: attachment.md5,
    filename: attachment.filename,
    contentType: attachment.contentType,
    size: attachment.size,
    contentId: attachment.contentId,
    disposition: attachment.disposition,
  };
}
