// Behind a load balancer speaking PROXY protocol, the recorded client IP is the original client's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';
import { assertTraceLine, splitTraceLine } from './support/received-trace';
import { SmtpDialog } from './support/smtp-dialog';

/** A PROXY v2 header for TCP over IPv4, built by hand from the spec (haproxy's proxy-protocol.txt). */
function proxyV2Header(source: string, sourcePort: number, destination: string, destinationPort: number): Buffer {
  const header = Buffer.alloc(16 + 12);
  Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]).copy(header, 0);
  header[12] = 0x21; // version 2, command PROXY
  header[13] = 0x11; // AF_INET, STREAM
  header.writeUInt16BE(12, 14);
  Buffer.from(source.split('.').map(Number)).copy(header, 16);
  Buffer.from(destination.split('.').map(Number)).copy(header, 20);
  header.writeUInt16BE(sourcePort, 24);
  header.writeUInt16BE(destinationPort, 26);
  return header;
}

describe('PROXY protocol', () => {
  let box: CaptureboxProcess;
  before(async () => {
    box = await CaptureboxProcess.start({ env: { CAPTUREBOX_SMTP_PROXY_PROTOCOL: 'true' } });
  });
  after(async () => box.dispose());

  async function sendThrough(preamble: Buffer | string, inbox: string): Promise<string> {
    const { dialog, greeting } = await SmtpDialog.open(box.smtpPort, '127.0.0.1', preamble);
    assert.equal(greeting.code, 220);
    // "<host> ESMTP <banner>": smtp-server says ESMTP itself, the banner must not say it again.
    assert.match(greeting.text, /^\S+ ESMTP Capturebox: mail is captured, never delivered$/);
    await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY);
    assert.equal((await dialog.sendMessage('a@example.com', inbox, 'Subject: proxied\n\nhello')).code, 250);
    dialog.close();
    const [message] = (await (await box.api(`/api/addresses/${inbox}/messages`)).json()) as Array<{ _id: string; ip: string }>;
    // The Received: line names the original client too, not the load balancer.
    const raw = Buffer.from(await (await box.api(`/api/raw/${inbox}/${message._id}`)).arrayBuffer());
    assertTraceLine(splitTraceLine(raw).traceLine, { from: `e2e.test ([${message.ip}])`, protocol: 'ESMTPSA', queueId: message._id.replace(/-0$/, ''), recipient: inbox });
    return message.ip;
  }

  test('v1: the API shows the client address from the header', async () => {
    assert.equal(await sendThrough('PROXY TCP4 203.0.113.7 127.0.0.1 51000 5587\r\n', 'proxy-v1@example.com'), '203.0.113.7');
  });

  test('v2: the API shows the client address from the binary header', async () => {
    assert.equal(await sendThrough(proxyV2Header('198.51.100.23', 40000, '127.0.0.1', 5587), 'proxy-v2@example.com'), '198.51.100.23');
  });

  test('a connection without a PROXY header is dropped before any SMTP is spoken', async () => {
    const socket = connect({ port: box.smtpPort, host: '127.0.0.1' });
    socket.write('EHLO not-proxied.test\r\n');
    const received = await new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
    assert.doesNotMatch(received, /^220/m);
    assert.ok(box.running);
  });
});
