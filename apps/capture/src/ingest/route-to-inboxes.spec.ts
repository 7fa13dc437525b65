import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CapturedMail } from '../domain';
import { envelope, session } from './fixtures';
import { routeToInboxes } from './route-to-inboxes';

const received = new Date('2025-11-25T10:00:00.000Z');

function capturedMail(overrides: Partial<CapturedMail> = {}): CapturedMail {
  return {
    queueId: 'Q'.repeat(28),
    raw: Buffer.from('0123456789'),
    received,
    envelope: envelope('ann@example.com'),
    session,
    from: [{ address: 'sender@example.com', name: 'Sender' }],
    to: [{ address: 'ann@example.com', name: 'Ann' }],
    cc: [],
    subject: 'Hello',
    messageId: '<m@example.com>',
    headers: [],
    text: 'hi',
    html: null,
    links: ['https://a.example/'],
    attachments: [
      {
        md5: 'd41d8cd98f00b204e9800998ecf8427e',
        filename: 'empty.txt',
        contentType: 'text/plain',
        size: 0,
        contentId: null,
        disposition: 'attachment',
        content: Buffer.alloc(0),
      },
    ],
    parseError: null,
    ...overrides,
  };
}

describe('routeToInboxes', () => {
  it('gives each envelope recipient a copy, with bcc filled only for those the headers do not name', () => {
    const mail = capturedMail({
      envelope: envelope('ann@example.com', 'ben@example.com', 'carl@example.org', 'dana@example.net'),
      to: [
        { address: 'ann@example.com', name: 'Ann' },
        { address: 'Ben@Example.com', name: 'Ben' },
      ],
      cc: [{ address: 'carl@example.org', name: '' }],
    });
    const copies = routeToInboxes(mail);
    assert.deepEqual(
      copies.map((copy) => [copy.id, copy.inbox, copy.bcc]),
      [
        ['QQQQQQQQQQQQQQQQQQQQQQQQQQQQ-0', 'ann@example.com', []],
        ['QQQQQQQQQQQQQQQQQQQQQQQQQQQQ-1', 'ben@example.com', []],
        ['QQQQQQQQQQQQQQQQQQQQQQQQQQQQ-2', 'carl@example.org', []],
        ['QQQQQQQQQQQQQQQQQQQQQQQQQQQQ-3', 'dana@example.net', [{ address: 'dana@example.net', name: '' }]],
      ],
    );
    for (const copy of copies) {
      assert.deepEqual(copy.to, mail.to);
      assert.deepEqual(copy.cc, mail.cc);
    }
  });

  it('fills every field of a copy from the mail and its session', () => {
    const [copy] = routeToInboxes(capturedMail({ envelope: envelope('Ann.Smith@Example.COM') }));
    assert.deepEqual(copy, {
      id: 'QQQQQQQQQQQQQQQQQQQQQQQQQQQQ-0',
      queueId: 'QQQQQQQQQQQQQQQQQQQQQQQQQQQQ',
      inbox: 'ann.smith@example.com',
      originalInbox: 'Ann.Smith@Example.COM',
      domain: 'example.com',
      from: [{ address: 'sender@example.com', name: 'Sender' }],
      to: [{ address: 'ann@example.com', name: 'Ann' }],
      cc: [],
      bcc: [{ address: 'Ann.Smith@Example.COM', name: '' }],
      subject: 'Hello',
      received,
      size: 10,
      attachments: [
        {
          md5: 'd41d8cd98f00b204e9800998ecf8427e',
          filename: 'empty.txt',
          contentType: 'text/plain',
          size: 0,
          contentId: null,
          disposition: 'attachment',
        },
      ],
      links: ['https://a.example/'],
      ip: '192.0.2.10',
      via: '198.51.100.1',
      rtls: true,
      spamVerdict: null,
      folder: 'inbox',
      labels: [],
      read: false,
      savedBy: null,
    });
    assert.equal('content' in copy.attachments[0], false);
  });

  it('gives a recipient repeated in another case one copy, spelled as first given', () => {
    const mail = capturedMail({ envelope: envelope('Ann@Example.com', 'ann@example.com', 'ANN@EXAMPLE.COM') });
    const copies = routeToInboxes(mail);
    assert.equal(copies.length, 1);
    assert.equal(copies[0].originalInbox, 'Ann@Example.com');
    assert.equal(copies[0].inbox, 'ann@example.com');
  });

  it('takes the domain after the last @', () => {
    const [copy] = routeToInboxes(capturedMail({ envelope: envelope('"odd@local"@Sub.Example.ORG') }));
    assert.equal(copy.domain, 'sub.example.org');
    assert.equal(copy.inbox, '"odd@local"@sub.example.org');
  });

  it('matches a Unicode domain in the headers with its punycode form in the envelope', () => {
    const mail = capturedMail({
      envelope: envelope('info@xn--bcher-kva.example'),
      to: [{ address: 'info@bücher.example', name: '' }],
    });
    assert.deepEqual(routeToInboxes(mail)[0].bcc, []);
  });

  it('qualifies a recipient without a domain with the server hostname, when there is one', () => {
    const mail = capturedMail({ envelope: envelope('Postmaster') });
    const [qualified] = routeToInboxes({ ...mail, session: { ...mail.session, serverHostname: 'Capture.Example' } });
    assert.equal(qualified.inbox, 'postmaster@capture.example');
    assert.equal(qualified.originalInbox, 'Postmaster');
    assert.equal(qualified.domain, 'capture.example');
    const [bare] = routeToInboxes({ ...mail, session: { ...mail.session, serverHostname: '' } });
    assert.equal(bare.inbox, 'postmaster');
    assert.equal(bare.domain, '');
  });

  it('gives no copy to an empty recipient and none at all without recipients', () => {
    assert.deepEqual(
      routeToInboxes(capturedMail({ envelope: envelope('', 'ann@example.com') })).map((copy) => copy.id),
      ['QQQQQQQQQQQQQQQQQQQQQQQQQQQQ-0'],
    );
    assert.deepEqual(routeToInboxes(capturedMail({ envelope: envelope() })), []);
  });

  it('gives each copy its own arrays, so changing one copy leaves the others alone', () => {
    const [first, second] = routeToInboxes(capturedMail({ envelope: envelope('a@example.com', 'b@example.com') }));
    first.labels.push('starred');
    first.links.push('https://changed.example/');
    first.to[0].name = 'Changed';
    assert.deepEqual(second.labels, []);
    assert.deepEqual(second.links, ['https://a.example/']);
    assert.equal(second.to[0].name, 'Ann');
  });
});
