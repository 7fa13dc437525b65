import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CaptureInput } from './build-captured-mail';
import { runCapturePipeline } from './capture-pipeline';
import { receivedTraceLine } from './received-trace-line';
import {
  alternativeWithLinks,
  attachmentBytes,
  badSources,
  envelope,
  mixedWithAttachment,
  session,
  visibleAndBlindRecipients,
} from './fixtures';

const received = new Date('2025-11-25T10:00:00.000Z');

function input(raw: Buffer, ...rcptTo: string[]): CaptureInput {
  return { queueId: 'abcdefghijklmnopqrstuvwxyz01', raw, received, envelope: envelope(...rcptTo), session };
}

/** What is stored: our trace line, then the DATA byte for byte. */
function traced(capture: CaptureInput): Buffer {
  return Buffer.concat([Buffer.from(receivedTraceLine(capture)), capture.raw]);
}

describe('runCapturePipeline', () => {
  it('builds the captured mail from the input and the parsed source, links included', async () => {
    const capture = input(alternativeWithLinks, 'customer@example.net');
    const { mail, copies } = await runCapturePipeline(capture);
    assert.equal(mail.queueId, capture.queueId);
    assert.deepEqual(mail.raw, traced(capture));
    assert.equal(mail.received, received);
    assert.deepEqual(mail.envelope, capture.envelope);
    assert.deepEqual(mail.session, session);
    assert.equal(mail.subject, 'Verify your address');
    assert.deepEqual(mail.links, [
      'https://shop.example/verify?token=abc123',
      'https://shop.example/help',
      'https://shop.example/unsubscribe',
    ]);
    assert.equal(copies.length, 1);
    assert.deepEqual(copies[0].links, mail.links);
    assert.equal(copies[0].subject, 'Verify your address');
  });

  it('parses the trace line as the first header, with the headers of the DATA after it', async () => {
    const { mail } = await runCapturePipeline(input(alternativeWithLinks, 'customer@example.net'));
    assert.deepEqual(
      mail.headers.slice(0, 2).map((header) => header.key),
      ['received', /^([^:]+):/.exec(alternativeWithLinks.toString())![1].toLowerCase()],
    );
    assert.match(mail.headers[0].value, /^from client\.example \(client\.example \[192\.0\.2\.10\]\)\sby capture\.example \(Capturebox\) with ESMTPS id abcdefghijklmnopqrstuvwxyz01\sfor <customer@example\.net>; Tue, 25 Nov 2025 10:00:00 \+0000$/);
  });

  it('routes two To, one Cc and one envelope-only recipient to four copies', async () => {
    const capture = input(visibleAndBlindRecipients, 'ann@example.com', 'ben@example.com', 'carl@example.org', 'hidden@example.net');
    const { copies } = await runCapturePipeline(capture);
    assert.equal(copies.length, 4);
    const expectedTo = [
      { address: 'ann@example.com', name: 'Ann' },
      { address: 'Ben@Example.com', name: 'Ben' },
    ];
    for (const copy of copies) {
      assert.deepEqual(copy.to, expectedTo);
      assert.deepEqual(copy.cc, [{ address: 'carl@example.org', name: '' }]);
      assert.equal(copy.size, traced(capture).length);
    }
    assert.deepEqual(
      copies.map((copy) => copy.bcc),
      [[], [], [], [{ address: 'hidden@example.net', name: '' }]],
    );
  });

  it('gives recipients repeated in different case one copy', async () => {
    const { copies } = await runCapturePipeline(input(visibleAndBlindRecipients, 'Ann@Example.com', 'ann@example.com'));
    assert.deepEqual(
      copies.map((copy) => [copy.id, copy.inbox, copy.originalInbox]),
      [['abcdefghijklmnopqrstuvwxyz01-0', 'ann@example.com', 'Ann@Example.com']],
    );
  });

  it('keeps attachment content in the mail and only its description in the copies', async () => {
    const { mail, copies } = await runCapturePipeline(input(mixedWithAttachment, 'team@example.net'));
    assert.deepEqual(mail.attachments[0].content, attachmentBytes);
    assert.equal(copies[0].attachments.length, 1);
    assert.equal('content' in copies[0].attachments[0], false);
    assert.equal(copies[0].attachments[0].md5, mail.attachments[0].md5);
  });

  for (const { name, raw } of badSources) {
    it(`stores copies of ${name}, with the raw size right`, async () => {
      const capture = input(raw, 'one@example.com', 'two@example.com');
      const { mail, copies } = await runCapturePipeline(capture);
      assert.deepEqual(mail.raw, traced(capture));
      assert.deepEqual(
        copies.map((copy) => [copy.inbox, copy.size]),
        [
          ['one@example.com', mail.raw.length],
          ['two@example.com', mail.raw.length],
        ],
      );
    });
  }
});
