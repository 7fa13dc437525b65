// Raw RFC 5322 sources for the ingest specs, written out by hand so that each test shows the exact bytes it
// feeds the parser, broken ones included. Not used outside ingest's specs.
import type { Envelope, SessionFacts } from '../domain';

/** Joins lines with CRLF, the line ending SMTP delivers. */
export function crlf(...lines: string[]): string {
  return lines.join('\r\n');
}

export function source(...lines: string[]): Buffer {
  return Buffer.from(crlf(...lines), 'utf8');
}

export const plainText = source(
  'From: Alice Example <alice@example.com>',
  'To: bob@example.net',
  'Subject: Plain hello',
  'Message-ID: <plain-1@example.com>',
  'Date: Tue, 25 Nov 2025 10:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Hello Bob,',
  'this is plain text.',
  '',
);

export const alternativeWithLinks = source(
  'From: "Shop" <noreply@shop.example>',
  'To: Customer <customer@example.net>',
  'Subject: Verify your address',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="alt-boundary"',
  '',
  '--alt-boundary',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Verify: https://shop.example/verify?token=abc123',
  'Help: https://shop.example/help.',
  '',
  '--alt-boundary',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p><a href="https://shop.example/verify?token=abc123">Verify</a></p>',
  '<p><a href="https://shop.example/unsubscribe">Unsubscribe</a></p>',
  '<img src="https://tracker.example/pixel.gif">',
  '',
  '--alt-boundary--',
  '',
);

/** Bytes 0..255 three times: every byte value, NULs included, so nothing survives a text round trip. */
export const attachmentBytes = Buffer.from(Array.from({ length: 768 }, (_, i) => i % 256));

function base64Lines(bytes: Buffer): string[] {
  return bytes.toString('base64').match(/.{1,76}/g) ?? [];
}

export const mixedWithAttachment = source(
  'From: reports@example.com',
  'To: team@example.net',
  'Subject: Monthly report',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="mix-boundary"',
  '',
  '--mix-boundary',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'The report is attached.',
  '--mix-boundary',
  'Content-Type: application/octet-stream; name="report.bin"',
  'Content-Transfer-Encoding: base64',
  'Content-Disposition: attachment; filename="report.bin"',
  'Content-ID: <report-1@example.com>',
  '',
  ...base64Lines(attachmentBytes),
  '--mix-boundary--',
  '',
);

// "Grüße aus Köln 😀" in a B word; "Jörg Müller" in Q words; a raw UTF-8 name (SMTPUTF8 / RFC 6532).
export const encodedWords = source(
  'From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <jorg@example.de>',
  'To: Zoë Þórsdóttir <zoe@example.is>',
  'Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4g8J+YgA==?=',
  'X-Folded: first part',
  '  second part',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Body',
  '',
);

export const groupAddresses = source(
  'From: sender@example.com',
  'To: Team: "One" <one@example.com>, two@example.com;, three@example.com',
  'Cc: undisclosed-recipients:;',
  'Subject: Groups',
  '',
  'Body',
  '',
);

/** Two To, one Cc; the envelope adds a fourth recipient the headers do not name. */
export const visibleAndBlindRecipients = source(
  'From: sender@example.com',
  'To: Ann <ann@example.com>, "Ben" <Ben@Example.com>',
  'Cc: carl@example.org',
  'Subject: Four copies',
  '',
  'Hello all',
  '',
);

/** Deterministic bytes of every value (an LCG, so that a failure is reproducible), NULs at the start. */
export function binaryGarbage(length = 4096): Buffer {
  const bytes = Buffer.alloc(length);
  let state = 0x2545f491;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  bytes.fill(0, 0, 8);
  return bytes;
}

/** Declares one boundary, uses another, and never closes: no part can be found. */
export const brokenBoundary = source(
  'From: broken@example.com',
  'To: someone@example.com',
  'Subject: Broken multipart',
  'Content-Type: multipart/mixed; boundary="declared"',
  '',
  '--used-instead',
  'Content-Type: text/plain',
  '',
  'Where do I belong? https://example.com/lost',
  '--used-instead',
  'Content-Type: application/pdf; name="a.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERi0xLjQK!!!not base64',
);

/** Raw ISO-8859-1 bytes in headers, as old PHP mail() scripts send them. */
export const latin1Headers = Buffer.concat([
  Buffer.from('From: ', 'latin1'),
  Buffer.from('J\xf6rg M\xfcller <jorg@example.de>', 'latin1'),
  Buffer.from('\r\nTo: kunde@example.de\r\nSubject: ', 'latin1'),
  Buffer.from('Best\xe4tigung f\xfcr Stra\xdfe', 'latin1'),
  Buffer.from('\r\n\r\nHallo\r\n', 'latin1'),
]);

export const bodyWithoutHeaders = source('just a line of text', 'and another one', '');

export const emptySource = Buffer.alloc(0);

/** A header block past mailparser's 1 MB limit: it refuses the source (EMAXLEN). */
export const oversizedHeaderBlock = source(
  'From: Big Sender <big@example.com>',
  'To: =?UTF-8?Q?Doe=2C_J?= <doe@example.com>, other@example.com',
  'Subject: =?UTF-8?Q?Gro=C3=9F?=',
  'Message-ID: <big-1@example.com>',
  `X-Padding: ${'a'.repeat(1_100_000)}`,
  '',
  'Body that is not parsed',
  '',
);

export function envelope(...rcptTo: string[]): Envelope {
  return { mailFrom: 'sender@example.com', rcptTo };
}

export const session: SessionFacts = {
  clientIp: '192.0.2.10',
  clientHostname: 'client.example',
  heloName: 'client.example',
  serverIp: '198.51.100.1',
  serverHostname: 'capture.example',
  protocol: 'ESMTPS',
  tls: true,
  tlsProtocol: 'TLSv1.3',
  tlsCipher: 'TLS_AES_256_GCM_SHA384',
  accountId: null,
};

/** Every source the specs treat as hostile or broken; each must still come out as stored copies. */
export const badSources: ReadonlyArray<{ name: string; raw: Buffer }> = [
  { name: 'binary garbage with NULs', raw: binaryGarbage() },
  { name: 'a broken multipart boundary', raw: brokenBoundary },
  { name: 'raw 8-bit Latin-1 header bytes', raw: latin1Headers },
  { name: 'a body without headers', raw: bodyWithoutHeaders },
  { name: 'an empty source', raw: emptySource },
  { name: 'a header block over the parser limit', raw: oversizedHeaderBlock },
];
