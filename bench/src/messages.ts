// The three messages every target receives, composed once with nodemailer's MailComposer:
//   1k   - plain text, about 1 KB on the wire
//   20k  - multipart/alternative, text plus about 18 KB of HTML with 60 links
//   200k - a short text and a 150 KB binary attachment (about 205 KB on the wire, base64)
// Per message only the first header lines change (To, Subject, Message-ID: a unique token lets each target's
// API find it), and for 200k the first 3 bytes of the attachment, so that every attachment has its own
// md5 and no target gains from storing identical contents once.
import MailComposer from 'nodemailer/lib/mail-composer';

export type MessageKind = '1k' | '20k' | '200k';

export const KIND_LABEL: Record<MessageKind, string> = { '1k': '1 KB text', '20k': '20 KB HTML', '200k': '200 KB + attachment' };

export interface MessageTemplate {
  kind: MessageKind;
  /** Bytes of DATA for a typical message (headers included, the final dot excluded). */
  bytes: number;
  /** The DATA payload of one message, dot-stuffed and terminated with CRLF.CRLF. */
  build(seq: number, recipient: string, token: string): Buffer;
}

const SENDER = 'load@bench.capturebox.test';
const FIXED_DATE = new Date('2026-01-01T00:00:00Z');
const ATTACHMENT_BYTES = 150 * 1024;

const LOREM =
  'Capturebox keeps every message a test suite sends so that the suite can read it back. ' +
  'This paragraph is filler of ordinary prose, with the usual mix of short and long words, punctuation, ' +
  'and sentences of different lengths. Nothing in it is special for a parser. ';

export async function buildTemplates(): Promise<Record<MessageKind, MessageTemplate>> {
  const text1k = await composeTo(1024, (filler) => ({ text: `Hello,\n\n${filler}\n\n-- \nThe benchmark\n` }));
  const html20k = await composeTo(20 * 1024, (filler) => ({ text: textVersion(), html: htmlWithLinks(filler) }));
  const attachment = pseudoRandomBytes(ATTACHMENT_BYTES, 0x5eed);
  const big = await compose({
    text: 'Your report is attached.\n',
    attachments: [{ filename: 'report.bin', content: attachment, contentType: 'application/octet-stream' }],
  });
  // base64 encodes 3 bytes as 4 characters on their own: the attachment's first 4 base64 characters are
  // its first 3 bytes, so patching them makes a different attachment without encoding 150 KB again.
  const firstLine = attachment.toString('base64').slice(0, 76);
  const attachmentOffset = big.tail.indexOf(firstLine);
  if (attachmentOffset < 0) throw new Error('could not find the attachment in the composed 200 KB message');
  return {
    '1k': template('1k', text1k),
    '20k': template('20k', html20k),
    '200k': {
      kind: '200k',
      bytes: prefix(0, 'x@bench.test', '0').length + big.tail.length - 3,
      build(seq, recipient, token) {
        const head = Buffer.from(prefix(seq, recipient, token), 'latin1');
        const out = Buffer.allocUnsafe(head.length + big.tail.length);
        head.copy(out, 0);
        big.tail.copy(out, head.length);
        const unique = Buffer.from([(seq >>> 16) & 0xff, (seq >>> 8) & 0xff, seq & 0xff]).toString('base64');
        out.write(unique, head.length + attachmentOffset, 'latin1');
        return out;
      },
    },
  };
}

interface Composed {
  /** Everything after the per-message header lines, dot-stuffed, ending in CRLF.CRLF. */
  tail: Buffer;
}

type Content = { text?: string; html?: string; attachments?: { filename: string; content: Buffer; contentType: string }[] };

function template(kind: MessageKind, composed: Composed): MessageTemplate {
  return {
    kind,
    bytes: prefix(0, 'x@bench.test', '0').length + composed.tail.length - 3,
    build(seq, recipient, token) {
      return Buffer.concat([Buffer.from(prefix(seq, recipient, token), 'latin1'), composed.tail]);
    },
  };
}

function prefix(_seq: number, recipient: string, token: string): string {
  return `To: <${recipient}>\r\nSubject: bench ${token}\r\nMessage-ID: <${token}@bench.capturebox.test>\r\n`;
}

/** Grows the filler until the composed message reaches `targetBytes`. */
async function composeTo(targetBytes: number, content: (filler: string) => Content): Promise<Composed> {
  let filler = '';
  for (;;) {
    const composed = await compose(content(filler));
    if (composed.tail.length + 100 >= targetBytes) return composed;
    filler += LOREM.slice(0, Math.min(LOREM.length, targetBytes - composed.tail.length - 100));
  }
}

async function compose(content: Content): Promise<Composed> {
  const raw = await new MailComposer({
    from: `Load Generator <${SENDER}>`,
    to: 'placeholder@bench.test',
    subject: 'placeholder',
    messageId: '<placeholder@bench.test>',
    date: FIXED_DATE,
    ...content,
  })
    .compile()
    .build();
  const source = raw.toString('latin1');
  const headerEnd = source.indexOf('\r\n\r\n');
  const headers = source
    .slice(0, headerEnd + 2)
    .split('\r\n')
    .filter((line) => line !== '' && !/^(To|Subject|Message-ID):/i.test(line));
  const rest = headers.join('\r\n') + '\r\n' + source.slice(headerEnd + 2);
  // Dot-stuffing (RFC 5321 4.5.2) and the end-of-data line.
  const stuffed = rest.replace(/\r\n\./g, '\r\n..');
  return { tail: Buffer.from(`${stuffed}${stuffed.endsWith('\r\n') ? '' : '\r\n'}.\r\n`, 'latin1') };
}

function textVersion(): string {
  return `Your weekly digest\n\n${LOREM.repeat(8)}\n`;
}

function htmlWithLinks(filler: string): string {
  const items: string[] = [];
  for (let i = 0; i < 60; i++) {
    items.push(
      `<tr><td style="padding:8px;font-family:Arial,sans-serif"><a href="https://shop.example.com/products/${i}?utm_source=digest&amp;utm_medium=email">Product ${i}</a>` +
        ` <span style="color:#666">${LOREM.slice(0, 80)}</span></td></tr>`,
    );
  }
  return (
    '<!doctype html><html><head><meta charset="utf-8"><title>Digest</title></head><body>' +
    '<table role="presentation" width="100%" cellspacing="0" cellpadding="0">' +
    items.join('\n') +
    `</table><p>${filler}</p><p><a href="https://example.com/unsubscribe?u=1">Unsubscribe</a></p></body></html>`
  );
}

/** Deterministic incompressible bytes (xorshift32), like a real PDF or image. */
function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
