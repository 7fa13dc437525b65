// One transaction, four recipients (two To, one Cc, one envelope-only Bcc): four inboxes, each with the
// right address lists, and every captured fact (links, attachments, size, TLS, client ip, time) right.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';

// Mixed case in the local part: the inbox is lower-cased, originalInbox keeps what was sent.
const TO = ['first@to.test', 'Second@to.test'];
const CC = 'copy@cc.test';
const BCC = 'hidden@bcc.test';
const PDF_BYTES = Buffer.from('%PDF-1.4 fake pdf bytes \x00\x01\x02 for the md5', 'latin1');

describe('routing one message to every recipient inbox', () => {
  let box: CaptureboxProcess;
  let queueId: string;
  let sentAt: number;
  let doneAt: number;

  before(async () => {
    box = await CaptureboxProcess.start();
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: box.smtpPort,
      auth: { user: ADMIN_USER, pass: ADMIN_API_KEY },
      tls: { rejectUnauthorized: false },
    });
    sentAt = Date.now();
    const info = await transport.sendMail({
      from: 'Releases <releases@example.com>',
      to: [`"First" <${TO[0]}>`, TO[1]],
      cc: CC,
      bcc: BCC,
      subject: 'Your invoice',
      text: 'See https://example.com/invoice/1 and https://example.com/help',
      html: '<p><a href="https://example.com/invoice/1">Invoice</a> <a href="https://example.com/unsubscribe">Unsubscribe</a></p>',
      attachments: [{ filename: 'invoice.pdf', content: PDF_BYTES, contentType: 'application/pdf' }],
    });
    doneAt = Date.now();
    transport.close();
    queueId = /queued as (\S+)$/.exec(info.response)![1];
  });
  after(async () => box.dispose());

  async function onlyMessage(inbox: string): Promise<Record<string, any>> {
    const response = await box.api(`/api/addresses/${encodeURIComponent(inbox)}/messages`);
    const list = (await response.json()) as Array<Record<string, any>>;
    assert.equal(list.length, 1, `${inbox} has exactly one message`);
    return list[0];
  }

  test('four inboxes, ids <queueId>-0..3 in envelope order', async () => {
    const inboxes = [TO[0], TO[1].toLowerCase(), CC, BCC];
    const messages = await Promise.all(inboxes.map(onlyMessage));
    assert.deepEqual(messages.map((m) => m._id), [0, 1, 2, 3].map((n) => `${queueId}-${n}`));
    assert.deepEqual(messages.map((m) => m.inbox), inboxes);
    assert.equal(messages[1].originalInbox, 'Second@to.test');
    for (const message of messages) {
      assert.deepEqual(message.to, [{ address: TO[0], name: 'First' }, { address: TO[1], name: '' }]);
      assert.deepEqual(message.cc, [{ address: CC, name: '' }]);
    }
    assert.deepEqual(messages.map((m) => m.bcc), [[], [], [], [{ address: BCC, name: '' }]]);
    assert.deepEqual(messages.map((m) => m.domain), ['to.test', 'to.test', 'cc.test', 'bcc.test']);
  });

  test('links, attachments, size, tls, ip and received time', async () => {
    const message = await onlyMessage(BCC);
    assert.deepEqual(message.links, ['https://example.com/invoice/1', 'https://example.com/help', 'https://example.com/unsubscribe']);
    const md5 = createHash('md5').update(PDF_BYTES).digest('hex');
    assert.deepEqual(message.attachments, [md5]);

    const raw = Buffer.from(await (await box.api(`/api/raw/${BCC}/${message._id}`)).arrayBuffer());
    assert.equal(message.size, raw.length);
    assert.match(raw.toString('latin1'), /Subject: Your invoice/);

    assert.equal(message.rtls, true);
    assert.equal(message.ip, '127.0.0.1');
    assert.equal(message.via, '127.0.0.1');
    const received = Date.parse(message.received);
    assert.ok(received >= sentAt - 1000 && received <= doneAt + 1000, `received ${message.received} within the send`);

    const attachments = (await (await box.api(`/api/addresses/${BCC}/messages/${message._id}/attachments`)).json()) as Array<Record<string, unknown>>;
    assert.deepEqual(attachments.map((a) => [a.fileName, a.contentType, a.length, a.checksum]), [['invoice.pdf', 'application/pdf', PDF_BYTES.length, md5]]);
    for (const identifier of [md5, 'invoice.pdf']) {
      const download = await box.api(`/api/addresses/${BCC}/messages/${message._id}/attachments/${identifier}`);
      assert.equal(download.status, 200);
      assert.deepEqual(Buffer.from(await download.arrayBuffer()), PDF_BYTES);
      assert.match(download.headers.get('content-disposition') ?? '', /attachment; filename="invoice.pdf"/);
    }
  });
});
