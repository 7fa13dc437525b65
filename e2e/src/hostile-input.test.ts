// Hostile and broken input gets a clear SMTP or HTTP error, or is captured as it is; the process never
// falls over. The last test checks the service still serves after all of it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';
import { assertTraceLine, splitTraceLine } from './support/received-trace';
import { expectCode, SmtpDialog } from './support/smtp-dialog';

/** Sends a complete DATA payload (already dot-stuffed where needed) and returns the final reply. */
async function sendRaw(box: CaptureboxProcess, to: string, payload: Buffer) {
  const { dialog } = await SmtpDialog.open(box.smtpPort);
  try {
    await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY);
    expectCode(await dialog.command('MAIL FROM:<sender@example.com>'), 250);
    expectCode(await dialog.command(`RCPT TO:<${to}>`), 250);
    expectCode(await dialog.command('DATA'), 354);
    dialog.write(payload);
    dialog.write('\r\n.\r\n');
    return await dialog.reply();
  } finally {
    dialog.close();
  }
}

async function messagesOf(box: CaptureboxProcess, inbox: string): Promise<Array<Record<string, any>>> {
  const response = await box.api(`/api/addresses/${encodeURIComponent(inbox)}/messages`);
  assert.equal(response.status, 200);
  return (await response.json()) as Array<Record<string, any>>;
}

describe('hostile SMTP input', () => {
  let box: CaptureboxProcess;
  before(async () => {
    box = await CaptureboxProcess.start({ env: { CAPTUREBOX_SMTP_MAX_BYTES: '65536' } });
  });
  after(async () => box.dispose());

  test('oversize mail gets 552 and nothing is stored', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false },
    });
    await assert.rejects(
      transport.sendMail({ from: 'a@example.com', to: 'too-big@example.com', subject: 'big', text: 'x'.repeat(200_000) }),
      (error: { responseCode?: number }) => error.responseCode === 552,
    );
    transport.close();
    // Without a SIZE= hint the limit is enforced on the bytes themselves.
    const reply = await sendRaw(box, 'too-big@example.com', Buffer.from(`Subject: no hint\r\n\r\n${'y'.repeat(100_000)}`));
    assert.equal(reply.code, 552);
    assert.deepEqual(await messagesOf(box, 'too-big@example.com'), []);
  });

  test('a SIZE= declaration over the limit is refused at MAIL FROM', async () => {
    const { dialog } = await SmtpDialog.open(box.smtpPort);
    await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY);
    const reply = await dialog.command('MAIL FROM:<a@example.com> SIZE=10000000');
    assert.equal(reply.code, 552);
    dialog.close();
  });

  test('AUTH before STARTTLS is neither offered nor accepted', async () => {
    const { dialog } = await SmtpDialog.open(box.smtpPort);
    const ehlo = expectCode(await dialog.command('EHLO e2e.test'), 250);
    assert.ok(!ehlo.lines.some((line) => /AUTH/.test(line)), ehlo.text);
    // RFC 3207: 530 5.7.0, for every mechanism, and the session goes on.
    const reply = await dialog.login(ADMIN_USER, ADMIN_API_KEY);
    assert.equal(`${reply.code} ${reply.text}`, '530 5.7.0 Must issue a STARTTLS command first');
    assert.equal((await dialog.command('AUTH LOGIN')).code, 530);
    assert.equal((await dialog.command('MAIL FROM:<a@example.com>')).code, 530);
    dialog.close();
  });

  test('MAIL without login gets 530 in required mode; a wrong key gets 535', async () => {
    const { dialog } = await SmtpDialog.open(box.smtpPort);
    expectCode(await dialog.command('EHLO e2e.test'), 250);
    expectCode(await dialog.command('STARTTLS'), 220);
    await dialog.upgradeToTls();
    expectCode(await dialog.command('EHLO e2e.test'), 250);
    assert.equal((await dialog.command('MAIL FROM:<a@example.com>')).code, 530);
    assert.equal((await dialog.login(ADMIN_USER, 'cbx_wrong_key_wrong_key_wrong_key')).code, 535);
    assert.equal((await dialog.login('someone-else', ADMIN_API_KEY)).code, 535);
    dialog.close();
  });

  test('bad envelope addresses get 5xx, garbage commands get 5xx, and the session goes on', async () => {
    const { dialog } = await SmtpDialog.open(box.smtpPort);
    await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY);
    assert.equal((await dialog.command('FROBNICATE now')).code, 500);
    const badSender = await dialog.command('MAIL FROM:<not an address>');
    assert.ok([501, 553].includes(badSender.code), badSender.text);
    expectCode(await dialog.command('MAIL FROM:<ok@example.com>'), 250);
    for (const bad of ['<no-at-sign>', '<two@@example.com>', '<user@-bad-.example>']) {
      const reply = await dialog.command(`RCPT TO:${bad}`);
      assert.ok([501, 553].includes(reply.code), `${bad}: ${reply.code} ${reply.text}`);
    }
    expectCode(await dialog.command('RCPT TO:<fine@any.domain.example>'), 250);
    expectCode(await dialog.command('RSET'), 250);
    dialog.close();
  });

  test('binary garbage is captured and its raw bytes read back', async () => {
    const garbage = randomBytes(4096);
    // Keep the DATA terminator out of the payload, as a real client's dot-stuffing would.
    const payload = Buffer.from(garbage.toString('latin1').replace(/^\./, '..').replace(/\r\n\./g, '\r\n..'), 'latin1');
    const reply = await sendRaw(box, 'garbage@example.com', payload);
    assert.equal(reply.code, 250, reply.text);
    const [message] = await messagesOf(box, 'garbage@example.com');
    const raw = Buffer.from(await (await box.api(`/api/raw/garbage@example.com/${message._id}`)).arrayBuffer());
    // Our trace line, then the bytes sent: dots are un-stuffed again, and the CRLF before the final dot
    // belongs to the message (RFC 5321 4.1.1.4).
    const { traceLine, original } = splitTraceLine(raw);
    assertTraceLine(traceLine, { from: 'e2e.test ([127.0.0.1])', protocol: 'ESMTPSA', queueId: message._id.replace(/-0$/, ''), recipient: 'garbage@example.com' });
    assert.deepEqual(original, Buffer.concat([garbage, Buffer.from('\r\n')]));
    assert.equal(message.size, raw.length);
  });

  test('a broken multipart boundary and raw 8-bit headers are captured and readable', async () => {
    const broken = Buffer.from(
      'From: =?broken <x@example.com>\r\nSubject: caf\xe9 cr\xe8me \xff\r\nContent-Type: multipart/mixed; boundary="never-closed"\r\n\r\n' +
        '--never-closed\r\nContent-Type: text/plain\r\n\r\nfirst part https://example.com/in-broken\r\n--not-the-boundary\r\n',
      'latin1',
    );
    const reply = await sendRaw(box, 'broken@example.com', broken);
    assert.equal(reply.code, 250, reply.text);
    const [message] = await messagesOf(box, 'broken@example.com');
    const raw = Buffer.from(await (await box.api(`/api/raw/broken@example.com/${message._id}`)).arrayBuffer());
    assert.deepEqual(splitTraceLine(raw).original, Buffer.concat([broken, Buffer.from('\r\n')]));
    assert.equal(message.size, raw.length);
    assert.equal(typeof message.subject, 'string');
    const text = await box.api(`/api/text/broken@example.com/${message._id}`);
    assert.equal(text.status, 200);
  });

  test('a HELO name that is no domain stays out of the Received: line, which stays one header', async () => {
    const { dialog } = await SmtpDialog.open(box.smtpPort);
    // smtp-server refuses control characters in EHLO; these are what it lets through.
    await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY, 'x;by(evil)X-Injected:yes');
    expectCode(await dialog.sendMessage('sender@example.com', 'helo@example.com', 'Subject: helo\r\n\r\nbody'), 250);
    dialog.close();
    const [message] = await messagesOf(box, 'helo@example.com');
    const raw = Buffer.from(await (await box.api(`/api/raw/helo@example.com/${message._id}`)).arrayBuffer());
    const { traceLine, original } = splitTraceLine(raw);
    assertTraceLine(traceLine, { from: '[127.0.0.1] ([127.0.0.1])', protocol: 'ESMTPSA', queueId: message._id.replace(/-0$/, ''), recipient: 'helo@example.com' });
    assert.doesNotMatch(traceLine, /evil|injected/i);
    assert.deepEqual(original, Buffer.from('Subject: helo\r\n\r\nbody\r\n'));
    const headers = (await (await box.api(`/api/addresses/helo@example.com/messages/${message._id}/headers?messageHeadersFormat=json-ordered`)).json()) as Array<{ name: string; value: string }>;
    assert.deepEqual(headers.map((header) => header.name.toLowerCase()), ['received', 'subject']);
  });

  test('after all of it the process still serves SMTP and HTTP', async () => {
    assert.ok(box.running, 'process is alive');
    assert.equal((await fetch(`${box.baseUrl}/healthz`)).status, 200);
    const transport = nodemailer.createTransport({
      host: '127.0.0.1', port: box.smtpPort, auth: { user: ADMIN_USER, pass: ADMIN_API_KEY }, tls: { rejectUnauthorized: false },
    });
    const info = await transport.sendMail({ from: 'a@example.com', to: 'still-alive@example.com', subject: 'alive', text: 'ok' });
    transport.close();
    assert.match(info.response, /^250 OK : queued as /);
  });
});

describe('hostile HTTP input', () => {
  let box: CaptureboxProcess;
  before(async () => {
    box = await CaptureboxProcess.start();
  });
  after(async () => box.dispose());

  async function expectError(response: Response, status: number, pattern: RegExp) {
    assert.equal(response.status, status);
    const body = (await response.json()) as { error?: unknown; message?: unknown };
    assert.equal(typeof body.error, 'string');
    assert.match(String(body.message), pattern);
  }

  test('bad email, bad id, bad limit, bad until, bad folder get 400 with Mailsac error bodies', async () => {
    await expectError(await box.api('/api/addresses/not-an-email/messages'), 400, /Invalid email/);
    await expectError(await box.api('/api/addresses/a@example.com/messages/..%2F..%2Fetc'), 400, /Invalid message id/);
    await expectError(await box.api('/api/addresses/a@example.com/messages?limit=-1'), 400, /Invalid query/);
    await expectError(await box.api('/api/addresses/a@example.com/messages?limit=abc'), 400, /Invalid query/);
    await expectError(await box.api('/api/addresses/a@example.com/messages?until=yesterday'), 400, /Invalid query/);
    await expectError(await box.api('/api/addresses/a@example.com/messages/abc-0/folder/nowhere', { method: 'PUT' }), 400, /Invalid folder/);
    await expectError(await box.api('/api/raw/a@example.com/%00'), 400, /Invalid message id/);
  });

  test('unknown messages are 404, unknown keys 401, unknown routes 404, bad JSON 400', async () => {
    await expectError(await box.api('/api/addresses/a@example.com/messages/AAAAAAAAAAAAAAAAAAAAAAAAAAAA-0'), 404, /not found/i);
    await expectError(await box.api('/api/addresses/a@example.com/messages', { key: 'cbx_not_a_real_key' }), 401, /Unknown API key/);
    await expectError(await box.api('/api/no/such/route'), 404, /Cannot GET/);
    await expectError(
      await box.api('/api/addresses/a@example.com/messages', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"broken": ' }),
      400,
      /JSON|Unexpected|Expected/i,
    );
  });

  test('changing mail needs a key; reading public mail does not', async () => {
    assert.equal((await box.api('/api/addresses/a@example.com/messages', { key: null })).status, 200);
    await expectError(await box.api('/api/addresses/a@example.com/messages', { method: 'DELETE', key: null }), 401, /API key/);
    await expectError(await box.api('/api/me', { key: null }), 401, /API key/);
  });
});
