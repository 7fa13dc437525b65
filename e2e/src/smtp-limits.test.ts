// Issue 14, items 2 and 3: the SMTP limits hold from outside. Connections past the per-IP or the total
// limit get 421 at once; an idle session gets 421; DATA waits for a turn when too many transactions are in
// it; and a sender that trickles its DATA is answered 451 and hung up on at the DATA deadline.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_API_KEY, ADMIN_USER, CaptureboxProcess } from './support/capturebox-process';
import { parseSamples, valueOf } from './support/prometheus-text';
import { expectCode, SmtpDialog } from './support/smtp-dialog';

const proxyFrom = (ip: string) => `PROXY TCP4 ${ip} 127.0.0.1 40000 5587\r\n`;

async function metric(box: CaptureboxProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  return valueOf(parseSamples(await (await fetch(`${box.baseUrl}/metrics`)).text()), name, labels);
}

async function waitClosed(dialog: SmtpDialog, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!dialog.isClosed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(dialog.isClosed, 'the server closed the connection');
}

describe('SMTP connection limits', () => {
  let box: CaptureboxProcess;
  const open: SmtpDialog[] = [];
  before(async () => {
    box = await CaptureboxProcess.start({
      env: { CAPTUREBOX_SMTP_PROXY_PROTOCOL: 'true', CAPTUREBOX_SMTP_MAX_CONNECTIONS_PER_IP: '2', CAPTUREBOX_SMTP_MAX_CONNECTIONS: '3', CAPTUREBOX_SMTP_IDLE_TIMEOUT_MS: '1500' },
    });
  });
  after(async () => {
    open.forEach((dialog) => dialog.close());
    await box?.dispose();
  });

  async function connectFrom(ip: string) {
    const { dialog, greeting } = await SmtpDialog.open(box.smtpPort, '127.0.0.1', proxyFrom(ip));
    open.push(dialog);
    return { dialog, greeting };
  }

  test('past the per-IP and then the total limit a connection gets 421 4.7.0 and is closed; a freed place is taken again', async () => {
    assert.equal((await connectFrom('10.0.0.1')).greeting.code, 220);
    const second = await connectFrom('10.0.0.1');
    assert.equal(second.greeting.code, 220);
    const perIp = await connectFrom('10.0.0.1');
    assert.equal(`${perIp.greeting.code} ${perIp.greeting.text}`, '421 4.7.0 Too many connections from your address, try again later');
    await waitClosed(perIp.dialog, 3000);
    assert.equal((await connectFrom('10.0.0.2')).greeting.code, 220, 'another address still gets in');
    const total = await connectFrom('10.0.0.3');
    assert.equal(`${total.greeting.code} ${total.greeting.text}`, '421 4.7.0 Too many connections, try again later');
    await waitClosed(total.dialog, 3000);

    second.dialog.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const again = await connectFrom('10.0.0.1');
    assert.equal(again.greeting.code, 220, 'the place of a closed connection is free again');
    assert.equal(await metric(box, 'capturebox_smtp_connections_refused_total', { reason: 'too_many_connections_from_ip' }), 1);
    assert.equal(await metric(box, 'capturebox_smtp_connections_refused_total', { reason: 'too_many_connections' }), 1);
  });

  test('an idle session gets 421 and is closed after the idle timeout', async () => {
    open.splice(0).forEach((dialog) => dialog.close());
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { dialog, greeting } = await connectFrom('10.0.0.9');
    assert.equal(greeting.code, 220);
    expectCode(await dialog.command('EHLO idle.test'), 250);
    const started = Date.now();
    const reply = await dialog.reply(5000);
    assert.equal(reply.code, 421);
    assert.ok(Date.now() - started < 4000, `421 after ${Date.now() - started} ms`);
    await waitClosed(dialog, 2000);
  });
});

describe('SMTP DATA limits', () => {
  let box: CaptureboxProcess;
  before(async () => {
    box = await CaptureboxProcess.start({ env: { CAPTUREBOX_SMTP_MAX_DATA_TRANSACTIONS: '1', CAPTUREBOX_SMTP_DATA_TIMEOUT_MS: '3000' } });
  });
  after(async () => box?.dispose());

  async function inData(to: string): Promise<SmtpDialog> {
    const { dialog } = await SmtpDialog.open(box.smtpPort);
    await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY);
    expectCode(await dialog.command('MAIL FROM:<sender@example.com>'), 250);
    expectCode(await dialog.command(`RCPT TO:<${to}>`), 250);
    expectCode(await dialog.command('DATA'), 354);
    return dialog;
  }

  test('a message larger than the SIZE it declared (all that was reserved for it) is refused with 552', async () => {
    const { dialog } = await SmtpDialog.open(box.smtpPort);
    await dialog.secureLogin(ADMIN_USER, ADMIN_API_KEY);
    expectCode(await dialog.command('MAIL FROM:<sender@example.com> SIZE=200'), 250);
    expectCode(await dialog.command('RCPT TO:<declared@limits.test>'), 250);
    expectCode(await dialog.command('DATA'), 354);
    dialog.write(`Subject: bigger than declared\r\n\r\n${'x'.repeat(5000)}\r\n.\r\n`);
    assert.equal((await dialog.reply()).code, 552);
    expectCode(await dialog.sendMessage('sender@example.com', 'declared@limits.test', 'Subject: fine\r\n\r\nsmall'), 250);
    dialog.close();
  });

  test('a second transaction waits for the one in DATA, then both are stored', async () => {
    const first = await inData('first@limits.test');
    first.write('Subject: first\r\n\r\nstarted');
    const second = await inData('second@limits.test');
    second.write('Subject: second\r\n\r\nwhole\r\n.\r\n');
    await assert.rejects(second.reply(700), /no reply in time/, 'the second waits for its turn');
    first.write(' and finished\r\n.\r\n');
    assert.equal((await first.reply()).code, 250);
    assert.equal((await second.reply()).code, 250);
    first.close();
    second.close();
  });

  test('a sender trickling its DATA is answered 451 and hung up on at the deadline, and the one waiting behind it goes on', async () => {
    const slow = await inData('slow@limits.test');
    const waiting = await inData('waiting@limits.test');
    waiting.write('Subject: waiting\r\n\r\nwhole\r\n.\r\n');
    const started = Date.now();
    const trickle = setInterval(() => slow.write('x'), 500);
    try {
      const cut = await slow.reply(10_000);
      const after = Date.now() - started;
      assert.equal(`${cut.code} ${cut.text}`, '451 4.4.2 DATA took too long, try again later');
      assert.ok(after > 2000 && after < 5000, `cut off after ${after} ms`);
      await waitClosed(slow, 2000);
      assert.equal((await waiting.reply(5000)).code, 250, 'its turn came when the slow one was cut off');
    } finally {
      clearInterval(trickle);
      slow.close();
      waiting.close();
    }
    assert.equal(await metric(box, 'capturebox_smtp_messages_rejected_total', { reason: 'data_timeout' }), 1);
    assert.equal(await metric(box, 'capturebox_smtp_inflight_bytes'), 0, 'every turn was given back');
    assert.deepEqual(await (await box.api('/api/addresses/slow@limits.test/messages')).json(), []);
  });
});
