import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  alternativeWithLinks,
  attachmentBytes,
  badSources,
  binaryGarbage,
  bodyWithoutHeaders,
  brokenBoundary,
  emptySource,
  encodedWords,
  groupAddresses,
  latin1Headers,
  mixedWithAttachment,
  oversizedHeaderBlock,
  plainText,
  source,
} from './fixtures';
import { parseMail } from './parse-mail';

describe('parseMail', () => {
  it('reads the addresses, subject, message id, headers and text of a plain message', async () => {
    const parsed = await parseMail(plainText);
    assert.deepEqual(parsed.from, [{ address: 'alice@example.com', name: 'Alice Example' }]);
    assert.deepEqual(parsed.to, [{ address: 'bob@example.net', name: '' }]);
    assert.deepEqual(parsed.cc, []);
    assert.equal(parsed.subject, 'Plain hello');
    assert.equal(parsed.messageId, '<plain-1@example.com>');
    assert.equal(parsed.text, 'Hello Bob,\nthis is plain text.\n');
    assert.equal(parsed.html, null);
    assert.deepEqual(parsed.attachments, []);
    assert.equal(parsed.parseError, null);
    assert.deepEqual(
      parsed.headers.map((header) => header.key),
      ['from', 'to', 'subject', 'message-id', 'date', 'mime-version', 'content-type'],
    );
    assert.deepEqual(parsed.headers[2], { key: 'subject', name: 'Subject', value: 'Plain hello' });
  });

  it('gives text and HTML of a multipart/alternative message', async () => {
    const parsed = await parseMail(alternativeWithLinks);
    assert.match(parsed.text ?? '', /^Verify: https:\/\/shop\.example\/verify\?token=abc123/);
    assert.match(parsed.html ?? '', /<a href="https:\/\/shop\.example\/unsubscribe">/);
    assert.equal(parsed.attachments.length, 0);
  });

  it('decodes a base64 attachment and identifies it by the md5 of its decoded bytes', async () => {
    const parsed = await parseMail(mixedWithAttachment);
    assert.equal(parsed.attachments.length, 1);
    const [attachment] = parsed.attachments;
    assert.deepEqual(attachment.content, attachmentBytes);
    assert.equal(attachment.md5, createHash('md5').update(attachmentBytes).digest('hex'));
    assert.equal(attachment.filename, 'report.bin');
    assert.equal(attachment.contentType, 'application/octet-stream');
    assert.equal(attachment.size, attachmentBytes.length);
    assert.equal(attachment.contentId, 'report-1@example.com');
    assert.equal(attachment.disposition, 'attachment');
    assert.equal(parsed.text, 'The report is attached.');
  });

  it('decodes encoded words and raw UTF-8 in subject, names and header values', async () => {
    const parsed = await parseMail(encodedWords);
    assert.equal(parsed.subject, 'Grüße aus Köln 😀');
    assert.deepEqual(parsed.from, [{ address: 'jorg@example.de', name: 'Jörg Müller' }]);
    assert.deepEqual(parsed.to, [{ address: 'zoe@example.is', name: 'Zoë Þórsdóttir' }]);
    const value = (key: string): string | undefined => parsed.headers.find((header) => header.key === key)?.value;
    assert.equal(value('subject'), 'Grüße aus Köln 😀');
    assert.equal(value('from'), 'Jörg Müller <jorg@example.de>');
    assert.equal(value('to'), 'Zoë Þórsdóttir <zoe@example.is>');
    assert.equal(value('x-folded'), 'first part  second part');
  });

  it('replaces groups by their members and skips empty groups', async () => {
    const parsed = await parseMail(groupAddresses);
    assert.deepEqual(parsed.to, [
      { address: 'one@example.com', name: 'One' },
      { address: 'two@example.com', name: '' },
      { address: 'three@example.com', name: '' },
    ]);
    assert.deepEqual(parsed.cc, []);
  });

  it('keeps the addresses of repeated To headers, in order', async () => {
    const parsed = await parseMail(source('To: a@example.com', 'To: b@example.com', '', 'x'));
    assert.deepEqual(
      parsed.to.map((entry) => entry.address),
      ['a@example.com', 'b@example.com'],
    );
  });

  it('reads the subject of raw Latin-1 header bytes as windows-1252 rather than replacement characters', async () => {
    const parsed = await parseMail(latin1Headers);
    assert.equal(parsed.subject, 'Bestätigung für Straße');
    assert.equal(parsed.headers.find((header) => header.key === 'from')?.value, 'Jörg Müller <jorg@example.de>');
    assert.equal(parsed.from[0]?.address, 'jorg@example.de');
    assert.equal(parsed.parseError, null);
  });

  it('gives what a broken multipart boundary leaves: headers, no parts, no error', async () => {
    const parsed = await parseMail(brokenBoundary);
    assert.equal(parsed.subject, 'Broken multipart');
    assert.deepEqual(parsed.to, [{ address: 'someone@example.com', name: '' }]);
    assert.equal(parsed.parseError, null);
  });

  it('gives an empty result for an empty source', async () => {
    const parsed = await parseMail(emptySource);
    assert.deepEqual(parsed, {
      from: [],
      to: [],
      cc: [],
      subject: '',
      messageId: null,
      headers: [],
      text: null,
      html: null,
      attachments: [],
      parseError: null,
    });
  });

  it('does not take body lines without a header block for headers', async () => {
    const parsed = await parseMail(bodyWithoutHeaders);
    assert.deepEqual(parsed.headers, []);
    assert.equal(parsed.subject, '');
  });

  it('keeps only valid header field names of binary garbage', async () => {
    const parsed = await parseMail(binaryGarbage());
    for (const header of parsed.headers) assert.match(header.key, /^[\x21-\x39\x3b-\x7e]+$/);
    assert.equal(parsed.parseError, null);
  });

  it('reads the headers directly and sets parseError when mailparser refuses the source', async () => {
    const parsed = await parseMail(oversizedHeaderBlock);
    assert.match(parsed.parseError ?? '', /^EMAXLEN: /);
    assert.equal(parsed.subject, 'Groß');
    assert.equal(parsed.messageId, '<big-1@example.com>');
    assert.deepEqual(parsed.from, [{ address: 'big@example.com', name: 'Big Sender' }]);
    // The comma inside the encoded display name must not split the address.
    assert.deepEqual(parsed.to, [
      { address: 'doe@example.com', name: 'Doe, J' },
      { address: 'other@example.com', name: '' },
    ]);
    assert.deepEqual(
      parsed.headers.map((header) => header.key),
      ['from', 'to', 'subject', 'message-id', 'x-padding'],
    );
    assert.equal(parsed.text, null);
    assert.equal(parsed.html, null);
  });

  it('sets parseError when a source has more MIME parts than mailparser allows', async () => {
    const parts = Array.from({ length: 1005 }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}`);
    const raw = source('Subject: many parts', 'Content-Type: multipart/mixed; boundary=b', '', ...parts, '--b--', '');
    const parsed = await parseMail(raw);
    assert.match(parsed.parseError ?? '', /EMAXLEN/);
    assert.equal(parsed.subject, 'many parts');
  });

  for (const { name, raw } of badSources) {
    it(`resolves for ${name}`, async () => {
      const parsed = await parseMail(raw);
      assert.equal(typeof parsed.subject, 'string');
      assert.ok(Array.isArray(parsed.headers));
    });
  }
});
