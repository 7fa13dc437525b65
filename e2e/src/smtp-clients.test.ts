// Real SMTP clients against the running service: nodemailer (STARTTLS + AUTH), Python's smtplib and
// swaks. Each message must come back through the API.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';
import { assertTraceLine, splitTraceLine, type TraceExpectation } from './support/received-trace';

const run = promisify(execFile);
const QUEUED = /^250 OK : queued as ([A-Za-z0-9_-]{28})$/;

describe('real SMTP clients', () => {
  let box: CaptureboxProcess;
  before(async () => {
    box = await CaptureboxProcess.start();
  });
  after(async () => box.dispose());

  async function inbox(address: string): Promise<Array<Record<string, unknown>>> {
    const response = await box.api(`/api/addresses/${encodeURIComponent(address)}/messages`);
    assert.equal(response.status, 200);
    return (await response.json()) as Array<Record<string, unknown>>;
  }

  /** The stored source starts with our Received: line, and the API's size is the stored size. */
  async function expectTraced(address: string, message: Record<string, unknown>, expected: Omit<TraceExpectation, 'queueId' | 'recipient'>) {
    const raw = Buffer.from(await (await box.api(`/api/raw/${encodeURIComponent(address)}/${String(message._id)}`)).arrayBuffer());
    assertTraceLine(splitTraceLine(raw).traceLine, { ...expected, queueId: String(message._id).replace(/-0$/, ''), recipient: address });
    assert.equal(message.size, raw.length);
  }

  test('nodemailer upgrades with STARTTLS, logs in and gets the queued-as reply', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: box.smtpPort,
      name: 'nodemailer.e2e.test',
      secure: false,
      requireTLS: true,
      auth: { user: ADMIN_USER, pass: ADMIN_API_KEY },
      tls: { rejectUnauthorized: false },
    });
    const info = await transport.sendMail({
      from: 'App <app@example.com>',
      to: 'nodemailer-user@any-domain.test',
      subject: 'Hello from nodemailer',
      text: 'Click https://example.com/confirm?token=abc',
    });
    transport.close();
    const queued = QUEUED.exec(info.response);
    assert.ok(queued, `unexpected reply: ${info.response}`);

    const messages = await inbox('nodemailer-user@any-domain.test');
    assert.equal(messages.length, 1);
    assert.equal(messages[0]._id, `${queued[1]}-0`);
    assert.equal(messages[0].subject, 'Hello from nodemailer');
    assert.equal(messages[0].rtls, true);
    assert.deepEqual(messages[0].links, ['https://example.com/confirm?token=abc']);
    // EHLO, STARTTLS and a login: ESMTPSA (RFC 3848).
    await expectTraced('nodemailer-user@any-domain.test', messages[0], { from: 'nodemailer.e2e.test ([127.0.0.1])', protocol: 'ESMTPSA' });
  });

  test("Python smtplib: EHLO shows SIZE, STARTTLS and AUTH PLAIN LOGIN; the message is stored", async () => {
    const script = resolve(__dirname, '../clients/smtplib_send.py');
    const { stdout } = await run('python3', [script, '127.0.0.1', String(box.smtpPort), ADMIN_USER, ADMIN_API_KEY, 'py@example.com', 'python-user@example.org', 'From smtplib']);
    const result = JSON.parse(stdout) as { plainFeatures: Record<string, string>; tlsFeatures: Record<string, string>; dataCode: number; dataReply: string };
    assert.equal(result.plainFeatures.size, '1048576');
    assert.ok('starttls' in result.plainFeatures, 'STARTTLS offered before TLS');
    assert.ok(!('auth' in result.plainFeatures), 'AUTH is not offered before TLS');
    assert.equal(result.tlsFeatures.auth.trim(), 'PLAIN LOGIN');
    assert.ok(!('starttls' in result.tlsFeatures), 'STARTTLS is not offered again inside TLS');
    for (const feature of ['pipelining', '8bitmime', 'smtputf8']) assert.ok(feature in result.tlsFeatures, `${feature} advertised`);
    assert.equal(result.dataCode, 250);
    const queued = /^OK : queued as ([A-Za-z0-9_-]{28})$/.exec(result.dataReply);
    assert.ok(queued, result.dataReply);

    const messages = await inbox('python-user@example.org');
    assert.equal(messages.length, 1);
    assert.equal(messages[0]._id, `${queued[1]}-0`);
    assert.equal(messages[0].subject, 'From smtplib');
    assert.deepEqual(messages[0].from, [{ address: 'py@example.com', name: '' }]);
    await expectTraced('python-user@example.org', messages[0], { protocol: 'ESMTPSA' });
  });

  test('swaks with STARTTLS and AUTH LOGIN', async () => {
    const { stdout } = await run(
      'swaks',
      [
        '--server', `127.0.0.1:${box.smtpPort}`, '--ehlo', 'swaks.e2e.test',
        '--tls', '--auth', 'LOGIN', '--auth-user', ADMIN_USER, '--auth-password', ADMIN_API_KEY,
        '--from', 'swaks@example.com', '--to', 'swaks-user@example.net',
        '--header', 'Subject: From swaks', '--body', 'swaks body',
      ],
      { timeout: 30_000 },
    );
    // swaks prints the transcript; server lines start with "<-" (or "<~" inside TLS).
    const queued = /<~ {1,2}250 OK : queued as ([A-Za-z0-9_-]{28})/.exec(stdout);
    assert.ok(queued, `no queued-as reply inside TLS in:\n${stdout}`);
    const messages = await inbox('swaks-user@example.net');
    assert.equal(messages.length, 1);
    assert.equal(messages[0]._id, `${queued[1]}-0`);
    assert.equal(messages[0].subject, 'From swaks');
    assert.equal(messages[0].rtls, true);
    await expectTraced('swaks-user@example.net', messages[0], { from: 'swaks.e2e.test ([127.0.0.1])', protocol: 'ESMTPSA' });
  });
});
